-- The second day of the demo: new customers and orders, some orders change.
INSERT INTO shop.customers
SELECT g, 'customer' || g || '@example.com', 'New Customer #' || g, 'DE', true, 0, 0, '{}', md5('c' || g)::uuid,
       NULL, now(), now()
FROM generate_series(201, 210) g;

INSERT INTO shop.orders
SELECT g, 201 + g % 10, CURRENT_DATE, 'new', 99.90, 'EUR', NULL, NULL, now()
FROM generate_series(1001, 1050) g;

UPDATE shop.orders SET status = 'shipped', shipped_at = now()::timestamp, updated_at = now()
WHERE id IN (2, 4, 6, 8, 10);

INSERT INTO shop.order_items
SELECT g, 1001 + g % 50, 'SKU-NEW', 1, 99.90, NULL, 1.5, false, TIME '12:00', NULL
FROM generate_series(3001, 3100) g;
