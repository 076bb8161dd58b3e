-- The demo shop: customers, orders, order_items with the common column
-- types. Idempotent: drops and recreates schema "shop".
DROP SCHEMA IF EXISTS shop CASCADE;
CREATE SCHEMA shop;

CREATE TABLE shop.customers (
    id          bigint PRIMARY KEY,
    email       text NOT NULL,
    name        varchar(100) NOT NULL,
    country     char(2),
    is_active   boolean NOT NULL DEFAULT true,
    loyalty     integer,
    balance     numeric(12,2),
    profile     jsonb,
    external_id uuid,
    birth_date  date,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE shop.orders (
    id          bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES shop.customers(id),
    order_date  date NOT NULL,
    status      varchar(20) NOT NULL,
    amount      numeric(12,2) NOT NULL,
    currency    char(3) NOT NULL,
    shipped_at  timestamp,
    notes       text,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX ON shop.orders (updated_at, id);

CREATE TABLE shop.order_items (
    id          bigint PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES shop.orders(id),
    sku         text NOT NULL,
    quantity    smallint NOT NULL,
    unit_price  numeric(10,2) NOT NULL,
    discount    double precision,
    weight_kg   real,
    gift_wrap   boolean,
    pick_time   time,
    label       bytea
);

INSERT INTO shop.customers
SELECT g,
       'customer' || g || '@example.com',
       (ARRAY['Ana Souza', 'Björn Ødegård', '李小龍', 'Zoë O''Brien', 'Mateus Ñúñez'])[1 + g % 5] || ' #' || g,
       (ARRAY['BR', 'NO', 'CN', 'IE', 'ES'])[1 + g % 5],
       g % 7 <> 0,
       CASE WHEN g % 4 = 0 THEN NULL ELSE g * 13 % 1000 END,
       round((g * 37.5 % 5000)::numeric, 2),
       jsonb_build_object('newsletter', g % 2 = 0, 'tags', jsonb_build_array('t' || g % 3)),
       md5('c' || g)::uuid,
       DATE '1950-01-01' + (g * 397 % 20000),
       TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * interval '1 hour',
       TIMESTAMPTZ '2024-06-01 00:00:00+00' + g * interval '1 minute'
FROM generate_series(1, 200) g;

INSERT INTO shop.orders
SELECT g,
       1 + g % 200,
       DATE '2026-01-01' + g % 300,
       (ARRAY['new', 'paid', 'shipped', 'delivered', 'returned'])[1 + g % 5],
       round((10 + g * 7.31 % 900)::numeric, 2),
       (ARRAY['EUR', 'USD', 'BRL'])[1 + g % 3],
       CASE WHEN g % 3 = 0 THEN NULL ELSE TIMESTAMP '2026-01-02 08:00:00' + g * interval '2 hours' END,
       CASE WHEN g % 10 = 0 THEN 'leave at the door ☺' END,
       TIMESTAMPTZ '2026-11-01 00:00:00+00' + g * interval '1 minute'
FROM generate_series(1, 1000) g;

INSERT INTO shop.order_items
SELECT g,
       1 + g % 1000,
       'SKU-' || lpad((g % 97)::text, 5, '0'),
       1 + g % 4,
       round((1 + g * 3.17 % 200)::numeric, 2),
       CASE WHEN g % 5 = 0 THEN 0.1 END,
       (g % 50) / 10.0,
       CASE WHEN g % 9 = 0 THEN true WHEN g % 9 = 1 THEN NULL ELSE false END,
       TIME '08:00' + g * interval '17 seconds',
       CASE WHEN g % 11 = 0 THEN decode('00ff10', 'hex') END
FROM generate_series(1, 3000) g;
