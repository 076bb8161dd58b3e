/* ODBC driver SQL builder: quoting, windows, tuples, lag, count, render, chunks. */
#include "drivers/odbc/odbc_sql.h"

#include <stdlib.h>

#include "tap.h"

static const struct weir_odbc_dialect dq = {"\"", WEIR_ODBC_LIMIT_LIMIT};
static const struct weir_odbc_dialect bt = {"`", WEIR_ODBC_LIMIT_LIMIT};
static const struct weir_odbc_dialect top = {"[", WEIR_ODBC_LIMIT_TOP};
static const struct weir_odbc_dialect none = {"", WEIR_ODBC_LIMIT_NONE};

static struct weir_bound b(const char *t)
{
    struct weir_bound v = {1, ""};
    snprintf(v.text, sizeof(v.text), "%s", t);
    return v;
}

static void check(const struct weir_odbc_dialect *d, const struct weir_query *q, int kind,
                  const char *want_sql, const char *const *want_params, size_t n_params,
                  const char *name)
{
    struct weir_error err;
    struct weir_odbc_sql s = {0};
    int rc = weir_odbc_sql_build(d, q, kind, 1700000000000000LL, &s, &err);
    TAP_EQ_INT(rc, WEIR_OK, name);
    if (rc != WEIR_OK) {
        printf("#   %s\n", err.message);
        return;
    }
    TAP_EQ_STR(s.text, want_sql, name);
    int same = s.n_params == n_params;
    for (size_t i = 0; same && i < n_params; i++) {
        same = strcmp(s.params[i], want_params[i]) == 0;
    }
    TAP_OK(same, "%s: parameters", name);
    weir_odbc_sql_reset(&s);
}

/* The chunk of `base` (built from q) after `after` (NULL: the first chunk). */
static void check_chunk(const struct weir_odbc_dialect *d, const struct weir_query *q,
                        const char *const *keys, size_t n_keys,
                        const struct weir_odbc_keyval *after, int64_t limit, const char *want_sql,
                        const char *want_render, const char *name)
{
    struct weir_error err;
    struct weir_odbc_sql base = {0}, s = {0};
    struct weir_odbc_chunk ch = {keys, n_keys, after, limit};
    int rc = weir_odbc_sql_build(d, q, WEIR_ODBC_STMT_SELECT, 0, &base, &err);
    if (rc == WEIR_OK) {
        rc = weir_odbc_sql_build_chunk(d, &base, &ch, &s, &err);
    }
    TAP_EQ_INT(rc, WEIR_OK, name);
    if (rc != WEIR_OK) {
        printf("#   %s\n", err.message);
        weir_odbc_sql_reset(&base);
        return;
    }
    TAP_EQ_STR(s.text, want_sql, name);
    char buf[1024];
    rc = weir_odbc_sql_render(&s, buf, sizeof(buf), &err);
    int same = rc == WEIR_OK && strcmp(buf, want_render) == 0;
    TAP_OK(same, "%s: parameters", name);
    if (!same) {
        printf("#   got %s\n", buf);
    }
    weir_odbc_sql_reset(&s);
    weir_odbc_sql_reset(&base);
}

static void chunks(void)
{
    const char *k1[] = {"id"};
    const char *k2[] = {"region", "id"};
    const char *k3[] = {"a", "b", "c"};
    const char *wm[] = {"ts"};
    int64_t id = 4611686018427387904LL;
    uint64_t big = 18446744073709551615ULL;
    /* "Zoë" as UTF-16 */
    static const uint16_t zoe[] = {0x5a, 0x6f, 0xeb};
    struct weir_odbc_keyval after1[] = {{WEIR_ODBC_P_INT, &id, sizeof(id), NULL}};
    struct weir_odbc_keyval after2[] = {{WEIR_ODBC_P_WTEXT, zoe, sizeof(zoe), NULL},
                                        {WEIR_ODBC_P_UINT, &big, sizeof(big), NULL}};
    struct weir_odbc_keyval after3[] = {{WEIR_ODBC_P_TEXT, "12.50", 5, "DECIMAL(18,2)"},
                                        {WEIR_ODBC_P_TEXT, "2024-01-01 00:00:00.000001", 26, NULL},
                                        {WEIR_ODBC_P_TEXT, "it's", 4, NULL}};
    struct weir_query q = {.size = sizeof(q), .table = "shop.orders"};
    check_chunk(&bt, &q, k1, 1, NULL, 65536, "SELECT * FROM `shop`.`orders` ORDER BY `id` LIMIT 65536",
                "SELECT * FROM `shop`.`orders` ORDER BY `id` LIMIT 65536", "first chunk");
    check_chunk(&bt, &q, k1, 1, after1, 10,
                "SELECT * FROM `shop`.`orders` WHERE `id` > ? ORDER BY `id` LIMIT 10",
                "SELECT * FROM `shop`.`orders` WHERE `id` > ? ORDER BY `id` LIMIT 10\n"
                "-- parameters: 1='4611686018427387904'",
                "next chunk, integer key bound as a number");
    check_chunk(&dq, &q, k2, 2, after2, 7,
                "SELECT * FROM \"shop\".\"orders\" WHERE (\"region\" > ? OR (\"region\" = ? AND "
                "\"id\" > ?)) ORDER BY \"region\", \"id\" LIMIT 7",
                "SELECT * FROM \"shop\".\"orders\" WHERE (\"region\" > ? OR (\"region\" = ? AND "
                "\"id\" > ?)) ORDER BY \"region\", \"id\" LIMIT 7\n-- parameters: "
                "1='<3 UTF-16 units>', 2='<3 UTF-16 units>', 3='18446744073709551615'",
                "composite key: UTF-16 text, unsigned");
    /* the window's conditions and parameters come first, the key's after */
    struct weir_bound lo[] = {{1, "2024-01-01"}};
    struct weir_query w = {.size = sizeof(w), .table = "t", .wm_columns = wm, .n_wm = 1,
                           .low = lo, .filter = "x = 1"};
    check_chunk(&dq, &w, k3, 3, after3, 2,
                "SELECT * FROM \"t\" WHERE (x = 1) AND \"ts\" > ? AND (\"a\" > CAST(? AS "
                "DECIMAL(18,2)) OR (\"a\" = CAST(? AS DECIMAL(18,2)) AND (\"b\" > ? OR (\"b\" = ? AND "
                "\"c\" > ?)))) ORDER BY \"a\", \"b\", \"c\" LIMIT 2",
                "SELECT * FROM \"t\" WHERE (x = 1) AND \"ts\" > ? AND (\"a\" > CAST(? AS "
                "DECIMAL(18,2)) OR (\"a\" = CAST(? AS DECIMAL(18,2)) AND (\"b\" > ? OR (\"b\" = ? AND "
                "\"c\" > ?)))) ORDER BY \"a\", \"b\", \"c\" LIMIT 2\n-- parameters: "
                "1='2024-01-01', 2='12.50', 3='12.50', 4='2024-01-01 00:00:00.000001', "
                "5='2024-01-01 00:00:00.000001', 6='it''s'",
                "window, filter and a three-column key with a decimal cast");
    /* wm_nulls returns from the WHERE early: the key still joins with AND */
    struct weir_query n = {.size = sizeof(n), .table = "t", .wm_columns = wm, .n_wm = 1,
                           .wm_nulls = 1};
    check_chunk(&dq, &n, k1, 1, after1, 3,
                "SELECT * FROM \"t\" WHERE (\"ts\" IS NULL) AND \"id\" > ? ORDER BY \"id\" LIMIT 3",
                "SELECT * FROM \"t\" WHERE (\"ts\" IS NULL) AND \"id\" > ? ORDER BY \"id\" LIMIT 3\n"
                "-- parameters: 1='4611686018427387904'",
                "null watermarks and a key");
    check_chunk(&top, &q, k1, 1, after1, 5,
                "SELECT TOP 5 * FROM [shop].[orders] WHERE [id] > ? ORDER BY [id]",
                "SELECT TOP 5 * FROM [shop].[orders] WHERE [id] > ? ORDER BY [id]\n"
                "-- parameters: 1='4611686018427387904'",
                "SQL Server: TOP n");
    check_chunk(&none, &q, k1, 1, after1, 5, "SELECT * FROM shop.orders WHERE id > ? ORDER BY id",
                "SELECT * FROM shop.orders WHERE id > ? ORDER BY id\n"
                "-- parameters: 1='4611686018427387904'",
                "no LIMIT syntax: the caller sets SQL_ATTR_MAX_ROWS");
    /* a chunk without a key or rows is a bug, not a statement */
    struct weir_error err;
    struct weir_odbc_sql base = {0}, s = {0};
    struct weir_odbc_chunk bad = {k1, 0, NULL, 10};
    weir_odbc_sql_build(&dq, &q, WEIR_ODBC_STMT_SELECT, 0, &base, &err);
    TAP_EQ_INT(weir_odbc_sql_build_chunk(&dq, &base, &bad, &s, &err), WEIR_EINTERNAL,
               "chunk without a key refused");
    bad.n_keys = 1;
    bad.limit = 0;
    TAP_EQ_INT(weir_odbc_sql_build_chunk(&dq, &base, &bad, &s, &err), WEIR_EINTERNAL,
               "chunk without a row limit refused");
    TAP_OK(s.text == NULL && s.n_params == 0, "refused chunk leaves nothing");
    weir_odbc_sql_reset(&base);
}

int main(void)
{
    const char *wm2[] = {"updated_at", "id"};
    const char *wm3[] = {"a", "b", "c"};
    const char *cols[] = {"id", "na\"me"};
    struct weir_bound lo2[] = {b("2024-01-01 00:00:00.5"), b("7")};
    struct weir_bound hi2[] = {b("2024-02-01 00:00:00"), b("99")};
    struct weir_bound lo3[] = {b("1"), b("2"), b("3")};

    struct weir_query q = {.size = sizeof(q), .table = "public.orders"};
    check(&dq, &q, WEIR_ODBC_STMT_SELECT, "SELECT * FROM \"public\".\"orders\"", NULL, 0,
          "full table");
    q.columns = cols;
    q.n_columns = 2;
    check(&dq, &q, WEIR_ODBC_STMT_SELECT, "SELECT \"id\", \"na\"\"me\" FROM \"public\".\"orders\"",
          NULL, 0, "columns quoted, quote doubled");
    check(&bt, &q, WEIR_ODBC_STMT_SELECT, "SELECT `id`, `na\"me` FROM `public`.`orders`", NULL, 0,
          "MariaDB backticks");

    struct weir_query w = {.size = sizeof(w), .table = "t", .wm_columns = wm2, .n_wm = 2,
                           .low = lo2, .high = hi2, .filter = "status <> 'x'"};
    const char *p4[] = {"2024-01-01 00:00:00.5", "2024-01-01 00:00:00.5", "7",
                        "2024-02-01 00:00:00", "2024-02-01 00:00:00", "99"};
    check(&dq, &w, WEIR_ODBC_STMT_SELECT,
          "SELECT * FROM \"t\" WHERE (status <> 'x') AND (\"updated_at\" > ? OR (\"updated_at\" = "
          "? AND \"id\" > ?)) AND (\"updated_at\" < ? OR (\"updated_at\" = ? AND \"id\" <= ?))",
          p4, 6, "tuple window with filter");
    check(&dq, &w, WEIR_ODBC_STMT_COUNT,
          "SELECT COUNT(*) FROM \"t\" WHERE (status <> 'x') AND (\"updated_at\" > ? OR "
          "(\"updated_at\" = ? AND \"id\" > ?)) AND (\"updated_at\" < ? OR (\"updated_at\" = ? "
          "AND \"id\" <= ?))",
          p4, 6, "count over the same window");

    struct weir_query full = {.size = sizeof(full), .table = "t", .wm_columns = wm2, .n_wm = 2,
                              .high = hi2, .include_nulls = 1};
    const char *pf[] = {"2024-02-01 00:00:00", "2024-02-01 00:00:00", "99"};
    check(&dq, &full, WEIR_ODBC_STMT_SELECT,
          "SELECT * FROM \"t\" WHERE (((\"updated_at\" < ? OR (\"updated_at\" = ? AND \"id\" <= "
          "?))) OR \"updated_at\" IS NULL OR \"id\" IS NULL)",
          pf, 3, "full snapshot: window or NULL watermarks");
    full.low = lo2;
    full.filter = "x = 1";
    check(&dq, &full, WEIR_ODBC_STMT_COUNT,
          "SELECT COUNT(*) FROM \"t\" WHERE (x = 1) AND (((\"updated_at\" > ? OR (\"updated_at\" "
          "= ? AND \"id\" > ?)) AND (\"updated_at\" < ? OR (\"updated_at\" = ? AND \"id\" <= ?))) "
          "OR \"updated_at\" IS NULL OR \"id\" IS NULL)",
          p4, 6, "include_nulls with both bounds and a filter");

    struct weir_query t3 = {.size = sizeof(t3), .table = "t", .wm_columns = wm3, .n_wm = 3,
                            .low = lo3};
    const char *p3[] = {"1", "1", "2", "2", "3"};
    check(&dq, &t3, WEIR_ODBC_STMT_SELECT,
          "SELECT * FROM \"t\" WHERE (\"a\" > ? OR (\"a\" = ? AND (\"b\" > ? OR (\"b\" = ? AND "
          "\"c\" > ?))))",
          p3, 5, "three-column tuple, no row values");

    struct weir_query one = {.size = sizeof(one), .sql = "SELECT id, v FROM x WHERE k = 1;\n",
                             .wm_columns = wm2, .n_wm = 1, .low = lo2, .high = hi2};
    const char *p2[] = {"2024-01-01 00:00:00.5", "2024-02-01 00:00:00"};
    check(&dq, &one, WEIR_ODBC_STMT_SELECT,
          "SELECT * FROM (SELECT id, v FROM x WHERE k = 1) q WHERE \"updated_at\" > ? AND "
          "\"updated_at\" <= ?",
          p2, 2, "custom sql as a subquery, one watermark column");

    struct weir_query inc = {.size = sizeof(inc), .table = "t", .wm_columns = wm2, .n_wm = 2,
                             .low = lo2, .low_inclusive = 1};
    const char *pi[] = {"2024-01-01 00:00:00.5"};
    check(&dq, &inc, WEIR_ODBC_STMT_SELECT, "SELECT * FROM \"t\" WHERE \"updated_at\" >= ?", pi,
          1, "inclusive start on the first column");

    struct weir_query nul = {.size = sizeof(nul), .table = "t", .wm_columns = wm2, .n_wm = 2,
                             .low = lo2, .wm_nulls = 1};
    check(&dq, &nul, WEIR_ODBC_STMT_SELECT,
          "SELECT * FROM \"t\" WHERE (\"updated_at\" IS NULL OR \"id\" IS NULL)", NULL, 0,
          "wm_nulls: no bounds");

    struct weir_query hw = {.size = sizeof(hw), .table = "s.t", .wm_columns = wm2, .n_wm = 2,
                            .low = lo2, .lag_us = 300000000};
    const char *ph[] = {"2024-01-01 00:00:00.5", "2024-01-01 00:00:00.5", "7",
                        "2023-11-14 22:08:20.000000"};
    check(&bt, &hw, WEIR_ODBC_STMT_HWM,
          "SELECT `updated_at`, `id` FROM `s`.`t` WHERE (`updated_at` > ? OR (`updated_at` = ? "
          "AND `id` > ?)) AND `updated_at` <= ? AND `updated_at` IS NOT NULL AND `id` IS NOT "
          "NULL ORDER BY `updated_at` DESC, `id` DESC LIMIT 1",
          ph, 4, "high watermark: low, lag (now - 5 min), not null, limit");
    hw.lag_us = 0;
    hw.low = NULL;
    check(&top, &hw, WEIR_ODBC_STMT_HWM,
          "SELECT TOP 1 [updated_at], [id] FROM [s].[t] WHERE [updated_at] IS NOT NULL AND [id] "
          "IS NOT NULL ORDER BY [updated_at] DESC, [id] DESC",
          NULL, 0, "high watermark: TOP dialect, bracket quoting");

    struct weir_bound absent[2] = {{0, ""}, {0, ""}};
    struct weir_query empty = {.size = sizeof(empty), .table = "t", .wm_columns = wm2, .n_wm = 2,
                               .low = absent};
    check(&dq, &empty, WEIR_ODBC_STMT_SELECT, "SELECT * FROM \"t\"", NULL, 0,
          "an all-absent bound is no bound");

    struct weir_error err;
    struct weir_odbc_sql s = {0};
    struct weir_bound half[2] = {b("1"), {0, ""}};
    struct weir_query bad = {.size = sizeof(bad), .table = "t", .wm_columns = wm2, .n_wm = 2,
                             .low = half};
    TAP_EQ_INT(weir_odbc_sql_build(&dq, &bad, WEIR_ODBC_STMT_SELECT, 0, &s, &err), WEIR_ECONFIG,
               "a partly present bound is refused");
    TAP_OK(s.text == NULL, "nothing left after failure");
    struct weir_query neither = {.size = sizeof(neither)};
    TAP_EQ_INT(weir_odbc_sql_build(&dq, &neither, WEIR_ODBC_STMT_SELECT, 0, &s, &err),
               WEIR_ECONFIG, "neither table nor sql refused");
    struct weir_query odd = {.size = sizeof(odd), .table = "my table"};
    TAP_EQ_INT(weir_odbc_sql_build(&none, &odd, WEIR_ODBC_STMT_SELECT, 0, &s, &err), WEIR_ECONFIG,
               "unquotable identifier refused without a quote char");
    odd.table = "plain_1";
    check(&none, &odd, WEIR_ODBC_STMT_SELECT, "SELECT * FROM plain_1", NULL, 0,
          "plain identifier without quote char");
    struct weir_query bq = {.size = sizeof(bq), .table = "a`b"};
    check(&bt, &bq, WEIR_ODBC_STMT_SELECT, "SELECT * FROM `a``b`", NULL, 0, "backtick doubled");

    /* render: the SQL with ? and the values after it, quotes doubled */
    struct weir_bound lo[] = {b("it's")};
    struct weir_query r = {.size = sizeof(r), .table = "t", .wm_columns = wm2, .n_wm = 1,
                           .low = lo, .high = hi2};
    TAP_EQ_INT(weir_odbc_sql_build(&dq, &r, WEIR_ODBC_STMT_SELECT, 0, &s, &err), WEIR_OK,
               "render: build");
    char buf[512];
    TAP_EQ_INT(weir_odbc_sql_render(&s, buf, sizeof(buf), &err), WEIR_OK, "render");
    TAP_EQ_STR(buf,
               "SELECT * FROM \"t\" WHERE \"updated_at\" > ? AND \"updated_at\" <= ?\n"
               "-- parameters: 1='it''s', 2='2024-02-01 00:00:00'",
               "render text");
    char tiny[20];
    TAP_EQ_INT(weir_odbc_sql_render(&s, tiny, sizeof(tiny), &err), WEIR_ENOMEM,
               "render: small buffer refused");
    weir_odbc_sql_reset(&s);
    chunks();
    return tap_done();
}
