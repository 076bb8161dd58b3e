/*
 * Live ODBC test cases beyond the type matrix: watermark windows with ties
 * and fractional timestamps, long values beyond their bound buffers, the
 * snapshot, batching and cancellation, and errors with their statuses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odbc_live.h"
#include "odbc_live_cases.h"

static struct weir_bound bnd(const char *t)
{
    struct weir_bound b = {1, ""};
    snprintf(b.text, sizeof(b.text), "%s", t);
    return b;
}

/* The values of column `col` of q's rows, sorted numerically, comma-joined. */
static void keys_of(void *conn, const struct weir_query *q, const char *col, char *out,
                    size_t cap)
{
    struct live_result r;
    struct weir_error err;
    out[0] = '\0';
    if (live_scan(conn, q, &r, &err) != WEIR_OK) {
        snprintf(out, cap, "error: %s | %s", err.message, err.detail);
        live_result_free(&r);
        return;
    }
    long v[256];
    int n = 0;
    int64_t c = live_col(&r, col);
    for (int64_t i = 0; c >= 0 && i < r.nrows && n < 256; i++) {
        const char *s = r.cells[i * r.ncols + c];
        v[n++] = s ? strtol(s, NULL, 10) : -1;
    }
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            long t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    }
    size_t o = 0;
    for (int i = 0; i < n && o < cap; i++) {
        o += (size_t)snprintf(out + o, cap - o, "%s%ld", i ? "," : "", v[i]);
    }
    live_result_free(&r);
}

static void expect_keys(void *conn, const struct weir_query *q, const char *want,
                        const char *name)
{
    char got[1024];
    keys_of(conn, q, "k", got, sizeof(got));
    TAP_EQ_STR(got, want, name);
    int64_t n = -1;
    struct weir_error err;
    int64_t want_n = want[0] ? 1 : 0;
    for (const char *p = want; *p; p++) {
        want_n += *p == ',';
    }
    int rc = live_ops->count(conn, q, &n, &err);
    TAP_OK(rc == WEIR_OK && n == want_n, "%s: count %lld = %lld%s%s", name, (long long)n,
           (long long)want_n, rc ? " " : "", rc ? err.message : "");
}

static const char *ts_type(const struct live_db *db)
{
    return strcmp(db->name, "postgres") == 0 ? "timestamp(6)"
           : strcmp(db->name, "mariadb") == 0 ? "datetime(6)"
                                              : "TIMESTAMP";
}

void live_case_windows(struct live_db *db)
{
    char sql[512];
    live_exec(db, "DROP TABLE IF EXISTS odbc_wm");
    snprintf(sql, sizeof(sql), "CREATE TABLE odbc_wm (k int, ts %s NULL, id int, v varchar(20))",
             ts_type(db));
    if (live_exec(db, sql) != 0 ||
        live_exec(db, "INSERT INTO odbc_wm VALUES (1, '2024-01-01 10:00:00.000001', 1, 'a'),"
                      " (2, '2024-01-01 10:00:00.000001', 2, 'b'),"
                      " (3, '2024-01-01 10:00:00.5', 3, 'c'), (4, '2024-01-01 10:00:00.5', 4, 'd'),"
                      " (5, '2024-01-01 10:00:00.5', 5, 'e'), (6, '2024-01-02 00:00:00', 6, 'f'),"
                      " (7, NULL, 7, 'g'), (8, '2024-01-03 00:00:00.123456', NULL, 'h')") != 0) {
        TAP_OK(0, "%s windows: setup", db->name);
        return;
    }
    void *conn = NULL;
    struct weir_error err;
    if (live_connect(db, NULL, &conn, &err) != WEIR_OK) {
        TAP_OK(0, "%s windows: connect: %s", db->name, err.message);
        return;
    }
    const char *wm[] = {"ts", "id"};
    struct weir_bound out[2], lo[2], hi[2];
    char note[256], name[128];
    struct weir_query q = {.size = sizeof(q), .table = "odbc_wm", .wm_columns = wm, .n_wm = 2};

    int rc = live_ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    snprintf(name, sizeof(name), "%s windows: high watermark skips NULL members", db->name);
    TAP_OK(rc == WEIR_OK && out[0].present && out[1].present &&
               strcmp(out[0].text, "2024-01-02 00:00:00") == 0 && strcmp(out[1].text, "6") == 0,
           "%s (%s, %s)%s", name, out[0].text, out[1].text, rc ? err.message : "");
    TAP_OK(strstr(note, "max(ts, id) via ODBC") && strstr(note, "lag is the guard"),
           "%s windows: note \"%s\"", db->name, note);

    /* the upper bound inside a tie: the value comes back with its fraction */
    hi[0] = bnd("2024-01-01 10:00:00.5");
    hi[1] = bnd("5");
    q.high = hi;
    rc = live_ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    const char *want_frac = strcmp(db->name, "sqlite") == 0 ? "2024-01-01 10:00:00.5"
                                                            : "2024-01-01 10:00:00.500000";
    TAP_OK(rc == WEIR_OK && strcmp(out[0].text, want_frac) == 0 && strcmp(out[1].text, "5") == 0,
           "%s windows: high watermark with fraction (%s, %s)", db->name, out[0].text,
           out[1].text);
    /* round trip: the returned text binds back to the same instant */
    struct weir_bound rt[2] = {out[0], out[1]};
    q.high = rt;
    q.low = NULL;
    expect_keys(conn, &q, "1,2,3,4,5", "windows: up to the returned tuple (fraction round trip)");
    q.high = NULL;
    q.low = rt;
    expect_keys(conn, &q, "6,8", "windows: above the returned tuple");

    lo[0] = bnd("2024-01-01 10:00:00.000001");
    lo[1] = bnd("2");
    hi[0] = bnd("2024-01-01 10:00:00.5");
    hi[1] = bnd("4");
    q.low = lo;
    q.high = hi;
    expect_keys(conn, &q, "3,4", "windows: tuple window splits both ties");
    lo[1] = bnd("1");
    hi[0] = bnd("2024-01-02 00:00:00");
    hi[1] = bnd("6");
    expect_keys(conn, &q, "2,3,4,5,6", "windows: tuple window to the high watermark");
    q.filter = "k <> 3";
    expect_keys(conn, &q, "2,4,5,6", "windows: filter ANDed");
    q.filter = NULL;
    q.high = NULL;
    q.low_inclusive = 1;
    lo[0] = bnd("2024-01-01 10:00:00.5");
    expect_keys(conn, &q, "3,4,5,6,8", "windows: inclusive start on the first column");
    q.low_inclusive = 0;
    q.low = NULL;
    q.wm_nulls = 1;
    expect_keys(conn, &q, "7,8", "windows: rows with a NULL watermark member");
    q.wm_nulls = 0;

    /* a lag of 100 years leaves nothing; a small lag changes nothing */
    q.lag_us = 100LL * 366 * 86400 * 1000000;
    rc = live_ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    TAP_OK(rc == WEIR_OK && !out[0].present && !out[1].present,
           "%s windows: lag beyond every row gives no bound", db->name);
    q.lag_us = 1000000;
    rc = live_ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    TAP_OK(rc == WEIR_OK && out[0].present && strcmp(out[1].text, "6") == 0,
           "%s windows: a one-second lag keeps the maximum", db->name);
    q.lag_us = 0;
    lo[0] = bnd("2024-01-02 00:00:00");
    lo[1] = bnd("6");
    q.low = lo;
    rc = live_ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    TAP_OK(rc == WEIR_OK && !out[0].present && !out[1].present,
           "%s windows: nothing above the maximum", db->name);

    /* custom sql as a subquery, with the window over its columns */
    struct weir_query cq = {.size = sizeof(cq), .sql = "SELECT k, ts, id FROM odbc_wm WHERE k < 5",
                            .wm_columns = wm, .n_wm = 2, .low = lo};
    lo[0] = bnd("2024-01-01 10:00:00.000001");
    lo[1] = bnd("1");
    expect_keys(conn, &cq, "2,3,4", "windows: custom sql wrapped as a subquery");

    char buf[1024];
    q.low = lo;
    q.high = NULL;
    rc = live_ops->render_sql(conn, &q, buf, sizeof(buf), &err);
    TAP_OK(rc == WEIR_OK && strstr(buf, " > ?") != NULL &&
               strstr(buf, "-- parameters: 1='2024-01-01 10:00:00.000001', "
                           "2='2024-01-01 10:00:00.000001', 3='1'") != NULL,
           "%s windows: render_sql shows ? and the values", db->name);
    for (char *p = buf; *p != '\0'; p++) {
        *p = *p == '\n' ? ' ' : *p;
    }
    printf("#   %s\n", buf);
    live_ops->disconnect(conn);
}

static void long_pass(struct live_db *db, const char *batch_rows, int64_t want_batches);

void live_case_long(struct live_db *db)
{
    /* Values beyond the declared/bound size in many rows of one rowset, and a
     * long column between bound ones. */
    live_exec(db, "DROP TABLE IF EXISTS odbc_long");
    const char *ddl = strcmp(db->name, "postgres") == 0
                          ? "CREATE TABLE odbc_long (k int, v varchar, w int)"
                      : strcmp(db->name, "mariadb") == 0
                          ? "CREATE TABLE odbc_long (k int, v mediumtext, w int)"
                          : "CREATE TABLE odbc_long (k int, v VARCHAR(8), w int)";
    if (live_exec(db, ddl) != 0) {
        TAP_OK(0, "%s long: setup", db->name);
        return;
    }
    for (int k = 1; k <= 40; k++) {
        size_t n = k % 2 ? 5 : (size_t)k * 997;
        char *sql = malloc(n + 128);
        int o = snprintf(sql, n + 128, "INSERT INTO odbc_long VALUES (%d, '", k);
        for (size_t i = 0; i < n; i++) {
            sql[o + (int)i] = (char)('a' + (i + (size_t)k) % 26);
        }
        snprintf(sql + o + n, 128, "', %d)", -k);
        live_exec(db, sql);
        free(sql);
    }
    /* batches of 7: every rowset re-reads its long values in place; of 20:
     * half the first rowset is long, so the rest is read row by row */
    for (int pass = 0; pass < 2; pass++) {
        long_pass(db, pass == 0 ? "7" : "20", pass == 0 ? 6 : 2);
    }
}

static void long_pass(struct live_db *db, const char *batch_rows, int64_t want_batches)
{
    void *conn = NULL;
    struct weir_error err;
    const char *opts[] = {"batch_rows", batch_rows, NULL};
    if (live_connect(db, opts, &conn, &err) != WEIR_OK) {
        TAP_OK(0, "%s long: connect: %s", db->name, err.message);
        return;
    }
    struct weir_query q = {.size = sizeof(q), .table = "odbc_long"};
    struct live_result r;
    int rc = live_scan(conn, &q, &r, &err);
    TAP_OK(rc == WEIR_OK && r.nrows == 40, "%s long: 40 rows in batches of %s (%lld)%s%s",
           db->name, batch_rows, (long long)r.nrows, rc ? ": " : "", rc ? err.message : "");
    TAP_EQ_INT(r.batches, want_batches, "long: batches");
    int bad = 0;
    for (int64_t i = 0; i < r.nrows; i++) {
        const char *ks = live_cell(&r, i, "k");
        int k = ks ? atoi(ks) : 0;
        size_t n = k % 2 ? 5 : (size_t)k * 997;
        const char *v = live_cell(&r, i, "v");
        const char *w = live_cell(&r, i, "w");
        int ok = v != NULL && strlen(v) == n && w != NULL && atoi(w) == -k;
        for (size_t j = 0; ok && j < n; j++) {
            ok = v[j] == (char)('a' + (j + (size_t)k) % 26);
        }
        bad += !ok;
    }
    TAP_EQ_INT(bad, 0, "long: every value whole, the columns after it intact");
    live_result_free(&r);
    live_ops->disconnect(conn);
}

void live_case_snapshot(struct live_db *db)
{
    if (strcmp(db->name, "sqlite") == 0) {
        live_exec(db, "PRAGMA journal_mode=WAL");
    }
    live_exec(db, "DROP TABLE IF EXISTS odbc_snap");
    if (live_exec(db, "CREATE TABLE odbc_snap (k int)") != 0 ||
        live_exec(db, "INSERT INTO odbc_snap VALUES (1), (2), (3)") != 0) {
        TAP_OK(0, "%s snapshot: setup", db->name);
        return;
    }
    void *conn = NULL;
    struct weir_error err;
    if (live_connect(db, NULL, &conn, &err) != WEIR_OK) {
        TAP_OK(0, "%s snapshot: connect: %s", db->name, err.message);
        return;
    }
    struct weir_query q = {.size = sizeof(q), .table = "odbc_snap"};
    int64_t n1 = -1, n2 = -1, n3 = -1;
    int rc = live_ops->begin(conn, &err);
    TAP_OK(rc == WEIR_OK, "%s snapshot: begin%s%s", db->name, rc ? ": " : "",
           rc ? err.message : "");
    live_ops->count(conn, &q, &n1, &err);
    live_exec(db, "INSERT INTO odbc_snap VALUES (4)");
    live_ops->count(conn, &q, &n2, &err);
    char got[64];
    keys_of(conn, &q, "k", got, sizeof(got));
    rc = live_ops->end(conn, &err);
    TAP_OK(rc == WEIR_OK, "%s snapshot: end", db->name);
    live_ops->count(conn, &q, &n3, &err);
    TAP_OK(n1 == 3 && n2 == 3 && strcmp(got, "1,2,3") == 0,
           "%s snapshot: a row committed meanwhile is not seen (%lld, %lld, %s)", db->name,
           (long long)n1, (long long)n2, got);
    TAP_EQ_INT(n3, 4, "snapshot: seen after end");
    live_ops->disconnect(conn);
}

void live_case_batches(struct live_db *db)
{
    void *conn = NULL;
    struct weir_error err;
    const char *opts[] = {"batch_rows", "3", "batch_bytes", "1MiB", NULL};
    if (live_connect(db, opts, &conn, &err) != WEIR_OK) {
        TAP_OK(0, "%s batches: connect: %s", db->name, err.message);
        return;
    }
    struct weir_query q = {.size = sizeof(q), .table = "odbc_wm"};
    struct live_result r;
    int rc = live_scan(conn, &q, &r, &err);
    TAP_OK(rc == WEIR_OK && r.nrows == 8 && r.batches == 3,
           "%s batches: 8 rows in 3 batches of at most 3 (%lld rows, %lld batches)", db->name,
           (long long)r.nrows, (long long)r.batches);
    live_result_free(&r);
    struct ArrowSchema sch;
    void *scan = NULL;
    rc = live_ops->scan_open(conn, &q, &sch, &scan, &err);
    if (rc == WEIR_OK) {
        struct ArrowArray b;
        live_cancel = 1;
        rc = live_ops->scan_next(scan, &b, &err);
        live_cancel = 0;
        TAP_EQ_INT(rc, WEIR_ECANCELLED, "batches: host cancellation stops the scan");
        live_ops->scan_close(scan);
        sch.release(&sch);
    } else {
        TAP_OK(0, "%s batches: scan_open: %s", db->name, err.message);
    }
    live_ops->disconnect(conn);
}

static void expect_status(void *conn, const struct weir_query *q, int want, const char *what,
                          const char *db)
{
    struct live_result r;
    struct weir_error err = {0};
    int rc = live_scan(conn, q, &r, &err);
    TAP_OK(rc == want, "%s errors: %s gives status %d (got %d: %s | %s)", db, what, want, rc,
           err.message, err.detail);
    live_result_free(&r);
}

void live_case_errors(struct live_db *db)
{
    void *conn = NULL;
    struct weir_error err;
    if (live_connect(db, NULL, &conn, &err) != WEIR_OK) {
        TAP_OK(0, "%s errors: connect: %s", db->name, err.message);
        return;
    }
    struct weir_query q = {.size = sizeof(q), .table = "odbc_no_such_table"};
    int64_t n = 0;
    int rc = live_ops->count(conn, &q, &n, &err);
    TAP_OK(rc == WEIR_ECONFIG && strstr(err.detail, "SQLSTATE") != NULL,
           "%s errors: missing table is WEIR_ECONFIG with the SQLSTATE (%d: %s | %s)", db->name,
           rc, err.message, err.detail);
    expect_status(conn, &q, WEIR_ECONFIG, "scan of a missing table", db->name);
    const char *cols[] = {"k", "no_such_column"};
    struct weir_query qc = {.size = sizeof(q), .table = "odbc_wm", .columns = cols, .n_columns = 2};
    expect_status(conn, &qc, WEIR_ECONFIG, "missing column", db->name);
    struct weir_kv big[] = {{"d", "decimal(50,2)"}};
    struct weir_query qo = {.size = sizeof(q), .table = "odbc_types", .types = big, .n_types = 1};
    expect_status(conn, &qo, WEIR_ECONFIG, "override beyond 38 digits", db->name);

    if (strcmp(db->name, "postgres") == 0) {
        live_exec(db, "DROP TABLE IF EXISTS odbc_wide");
        live_exec(db, "CREATE TABLE odbc_wide (n numeric(50,2))");
        live_exec(db, "INSERT INTO odbc_wide VALUES (123456789012345678901234567890.25)");
        struct weir_query qw = {.size = sizeof(q), .table = "odbc_wide"};
        struct live_result r;
        rc = live_scan(conn, &qw, &r, &err);
        TAP_OK(rc == WEIR_ECONFIG && strstr(err.message, "\"n\"") != NULL,
               "postgres errors: numeric(50,2) refused naming the column (%s)", err.message);
        live_result_free(&r);
        struct weir_kv ok[] = {{"n", "decimal(38,2)"}};
        qw.types = ok;
        qw.n_types = 1;
        rc = live_scan(conn, &qw, &r, &err);
        TAP_OK(rc == WEIR_OK && r.nrows == 1 && strcmp(r.formats[0], "d:38,2") == 0 &&
                   strcmp(r.cells[0], "123456789012345678901234567890.25") == 0,
               "postgres errors: the override decimal(38,2) reads it exactly");
        live_result_free(&r);
    } else if (strcmp(db->name, "mariadb") == 0) {
        live_exec(db, "DROP TABLE IF EXISTS odbc_badtime");
        live_exec(db, "CREATE TABLE odbc_badtime (k int, t time)");
        live_exec(db, "INSERT INTO odbc_badtime VALUES (1, '10:00:00'), (2, '-838:59:59')");
        struct weir_query qt = {.size = sizeof(q), .table = "odbc_badtime"};
        struct live_result r;
        rc = live_scan(conn, &qt, &r, &err);
        TAP_OK(rc == WEIR_EDATA && strstr(err.message, "row 2") && strstr(err.message, "\"t\""),
               "mariadb errors: a TIME beyond a day is WEIR_EDATA naming row and column (%s)",
               err.message);
        live_result_free(&r);
    } else {
        live_exec(db, "DROP TABLE IF EXISTS odbc_dyn");
        live_exec(db, "CREATE TABLE odbc_dyn (k INTEGER, n INTEGER, d DATE)");
        live_exec(db, "INSERT INTO odbc_dyn VALUES (1, 5, '2024-01-01'), (2, 'abc', 'x')");
        struct weir_query qd = {.size = sizeof(q), .table = "odbc_dyn"};
        struct live_result r;
        rc = live_scan(conn, &qd, &r, &err);
        printf("#   sqlite dynamic types: status %d %s | %s\n", rc, err.message, err.detail);
        TAP_OK(rc == WEIR_EDATA && strstr(err.message, "row 2") != NULL,
               "sqlite errors: text in an INTEGER column is WEIR_EDATA naming the row (%s)",
               err.message);
        live_result_free(&r);
        struct weir_kv as_text[] = {{"n", "text"}, {"d", "text"}};
        qd.types = as_text;
        qd.n_types = 2;
        rc = live_scan(conn, &qd, &r, &err);
        TAP_OK(rc == WEIR_OK && r.nrows == 2 &&
                   strcmp(live_cell(&r, live_row(&r, "k", "2"), "n"), "abc") == 0,
               "sqlite errors: the text override reads what is stored");
        live_result_free(&r);
    }
    live_ops->disconnect(conn);
}

static void bad_connect(const char *what, const char *connection, const char *user,
                        const char *password, int want)
{
    struct weir_kv kv[3] = {{"connection", connection}, {"user", user}, {"password", password}};
    void *conn = NULL;
    struct weir_error err = {0};
    int rc = live_ops->connect(&live_host, kv, user ? 3 : 1, &conn, &err);
    TAP_OK(rc == want, "connect with %s gives status %d (got %d: %s | %s)", what, want, rc,
           err.message, err.detail);
    TAP_OK(strstr(err.message, "s3cr3t") == NULL && strstr(err.detail, "s3cr3t") == NULL,
           "connect with %s: the password appears nowhere in the error", what);
    if (rc == WEIR_OK) {
        live_ops->disconnect(conn);
    }
}

void live_case_bad_connections(struct live_db *pg, struct live_db *my)
{
    bad_connect("an unknown DSN", "DSN=weir_no_such_dsn;", "weir", "s3cr3t", WEIR_ECONFIG);
    bad_connect("nothing listening",
                "Driver={PostgreSQL Unicode};Servername=127.0.0.1;Port=1;Database=x;", "weir",
                "s3cr3t", WEIR_ETEMPFAIL);
    if (pg->up) {
        bad_connect("a wrong PostgreSQL password", pg->connection, "weir", "s3cr3t", WEIR_EAUTH);
    } else {
        TAP_SKIP("server not reachable", "postgres: wrong password");
    }
    if (my->up) {
        bad_connect("a wrong MariaDB password", my->connection, "weir", "s3cr3t", WEIR_EAUTH);
        bad_connect("a MariaDB password with braces and ;", my->connection, "weir",
                    "s3cr3t};DSN=x", WEIR_EAUTH);
    } else {
        TAP_SKIP("server not reachable", "mariadb: wrong password");
    }
}
