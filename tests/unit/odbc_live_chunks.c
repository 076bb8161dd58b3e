/*
 * Chunked reads (drivers/odbc/odbc_chunk.c): a table read in key order, a
 * few rows per statement, gives exactly the rows of one statement. Each
 * case compares a read with `chunked: always` and tiny chunks (batch_rows)
 * with one of `chunked: never`, row by row after sorting; the MariaDB case
 * also changes rows from another session while a chunked read runs inside
 * the snapshot. Key types: int, composite varchar (case-insensitive where
 * the database has it) + int, decimal beyond a double's digits, timestamps
 * a microsecond apart, unsigned bigint, dates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odbc_live.h"
#include "odbc_live_cases.h"

static int is(const struct live_db *db, const char *name)
{
    return strcmp(db->name, name) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every row of r as "c1|c2|..." (NULL as \N), sorted; free with rows_free. */
static char **rows_of(const struct live_result *r)
{
    char **rows = calloc((size_t)r->nrows + 1, sizeof(char *));
    for (int64_t i = 0; rows != NULL && i < r->nrows; i++) {
        size_t n = 1;
        for (int64_t c = 0; c < r->ncols; c++) {
            const char *v = r->cells[i * r->ncols + c];
            n += (v ? strlen(v) : 2) + 1;
        }
        rows[i] = calloc(1, n);
        for (int64_t c = 0; rows[i] != NULL && c < r->ncols; c++) {
            const char *v = r->cells[i * r->ncols + c];
            strcat(rows[i], v ? v : "\\N");
            strcat(rows[i], "|");
        }
    }
    if (rows != NULL) {
        qsort(rows, (size_t)r->nrows, sizeof(char *), cmp_str);
    }
    return rows;
}

static void rows_free(char **rows)
{
    for (size_t i = 0; rows != NULL && rows[i] != NULL; i++) {
        free(rows[i]);
    }
    free(rows);
}

/* Scans q with extra connection options; -1 when connect or scan fails. */
static int scan_with(struct live_db *db, const char *const *extra, const struct weir_query *q,
                     struct live_result *r, struct weir_error *err)
{
    void *conn = NULL;
    memset(r, 0, sizeof(*r));
    if (live_connect(db, extra, &conn, err) != WEIR_OK) {
        return -1;
    }
    int rc = live_ops->begin(conn, err);
    if (rc == WEIR_OK) {
        rc = live_scan(conn, q, r, err);
    }
    struct weir_error e2;
    live_ops->end(conn, &e2);
    live_ops->disconnect(conn);
    return rc == WEIR_OK ? 0 : -1;
}

static const char *const never[] = {"chunked", "never", NULL};

/* q read in chunks of `rows` rows equals q read with one statement. */
static void same_rows_in(struct live_db *db, const char *what, const struct weir_query *q,
                         const char *rows, const char *bytes, int64_t want)
{
    const char *const chunked[] = {"chunked", "always", "batch_rows", rows,
                                   bytes ? "batch_bytes" : NULL, bytes, NULL};
    struct live_result a, b;
    struct weir_error err;
    if (scan_with(db, never, q, &a, &err) != 0) {
        TAP_OK(0, "%s chunks %s: one-statement read: %s", db->name, what, err.message);
        live_result_free(&a);
        return;
    }
    if (scan_with(db, chunked, q, &b, &err) != 0) {
        TAP_OK(0, "%s chunks %s: chunked read: %s | %s", db->name, what, err.message, err.detail);
        live_result_free(&a);
        live_result_free(&b);
        return;
    }
    char **ra = rows_of(&a), **rb = rows_of(&b);
    int64_t diff = -1;
    for (int64_t i = 0; a.nrows == b.nrows && diff < 0 && i < a.nrows; i++) {
        diff = strcmp(ra[i], rb[i]) != 0 ? i : -1;
    }
    TAP_OK(a.nrows == want && b.nrows == want && diff < 0 && a.ncols == b.ncols,
           "%s chunks %s: %lld rows in chunks of %s equal one statement's %lld (want %lld)%s%s",
           db->name, what, (long long)b.nrows, rows, (long long)a.nrows, (long long)want,
           diff >= 0 ? "; first difference " : "", diff >= 0 ? rb[diff] : "");
    rows_free(ra);
    rows_free(rb);
    live_result_free(&a);
    live_result_free(&b);
}

static void same_rows(struct live_db *db, const char *what, const struct weir_query *q,
                      const char *rows, int64_t want)
{
    same_rows_in(db, what, q, rows, NULL, want);
}

/* Long values (read whole, row by row on MariaDB) and chunks sized by the bytes they held. */
static void long_values(struct live_db *db)
{
    live_exec(db, "DROP TABLE IF EXISTS odbc_ck_long");
    live_exec(db, is(db, "mariadb") ? "CREATE TABLE odbc_ck_long (id int PRIMARY KEY, body longtext)"
                                    : "CREATE TABLE odbc_ck_long (id int PRIMARY KEY, body text)");
    char sql[160];
    for (int i = 1; i <= 40; i++) {
        snprintf(sql, sizeof(sql), "INSERT INTO odbc_ck_long VALUES (%d, %s)", i,
                 i % 9 == 0  ? "NULL"
                 : is(db, "postgres") ? "repeat('x', 5000) || 'end'"
                 : is(db, "mariadb")  ? "CONCAT(REPEAT('x', 5000), 'end')"
                                      : "printf('%.5000c', 'x') || 'end'");
        live_exec(db, sql);
    }
    struct weir_query q = {.size = sizeof(q), .table = "odbc_ck_long"};
    same_rows_in(db, "long values, chunks sized by their bytes", &q, "100", "64KiB", 40);
}

static void key_types(struct live_db *db)
{
    const int my = is(db, "mariadb"), pg = is(db, "postgres");
    const char *ci = my ? " COLLATE utf8mb4_general_ci" : is(db, "sqlite") ? " COLLATE NOCASE" : "";
    char sql[512];
    live_exec(db, "DROP TABLE IF EXISTS odbc_ck_text");
    snprintf(sql, sizeof(sql),
             "CREATE TABLE odbc_ck_text (a varchar(20)%s NOT NULL, b int NOT NULL, v varchar(40), "
             "PRIMARY KEY (a, b))%s",
             ci, my ? " DEFAULT CHARSET utf8mb4" : "");
    live_exec(db, sql);
    /* 'a'/'A' and 'é'/'É' are one value under a case-insensitive collation:
     * the composite key's second column tells them apart */
    live_exec(db, "INSERT INTO odbc_ck_text VALUES ('a', 1, 'x'), ('A', 2, 'y'), ('a', 3, NULL), "
                  "('b', 1, 'z'), ('B ', 2, 'trailing blank'), ('\xc3\xa9', 1, 'e1'), "
                  "('\xc3\x89', 2, 'E2'), ('\xc3\x9f', 1, 'sz'), ('ss', 2, 'ss'), "
                  "('\xe6\x97\xa5\xe6\x9c\xac', 1, 'jp'), ('\xf0\x9f\x98\x80', 1, 'emoji'), "
                  "('', 1, 'empty'), ('z', -5, 'neg')");
    struct weir_query q = {.size = sizeof(q), .table = "odbc_ck_text"};
    same_rows(db, "composite varchar+int key", &q, "1", 13);
    same_rows(db, "composite varchar+int key", &q, "4", 13);
    /* the deletes sweep reads only the key columns */
    const char *const keys[] = {"a", "b"};
    q.columns = keys;
    q.n_columns = 2;
    same_rows(db, "key columns only", &q, "2", 13);
    /* a window (filter and watermark) around the key predicate */
    const char *const wm[] = {"b"};
    struct weir_bound lo[1] = {{1, "0"}}, hi[1] = {{1, "2"}};
    struct weir_query w = {.size = sizeof(w), .table = "odbc_ck_text", .wm_columns = wm,
                           .n_wm = 1, .low = lo, .high = hi, .filter = "v IS NOT NULL"};
    same_rows(db, "window and filter", &w, "1", 11);

    live_exec(db, "DROP TABLE IF EXISTS odbc_ck_dec");
    live_exec(db, "CREATE TABLE odbc_ck_dec (k decimal(30,2) PRIMARY KEY, v int)");
    /* neighbours a double cannot tell apart */
    live_exec(db, "INSERT INTO odbc_ck_dec VALUES (1234567890123456789012.01, 1), "
                  "(1234567890123456789012.02, 2), (1234567890123456789012.03, 3), (-0.01, 4), "
                  "(0, 5), (0.01, 6)");
    struct weir_query d = {.size = sizeof(d), .table = "odbc_ck_dec"};
    if (!is(db, "sqlite")) { /* SQLite keeps decimals as doubles */
        same_rows(db, "decimal key", &d, "1", 6);
    }

    live_exec(db, "DROP TABLE IF EXISTS odbc_ck_ts");
    snprintf(sql, sizeof(sql), "CREATE TABLE odbc_ck_ts (t %s PRIMARY KEY, d date NOT NULL, v int)",
             my ? "datetime(6)" : "timestamp");
    live_exec(db, sql);
    live_exec(db, "INSERT INTO odbc_ck_ts VALUES ('2024-01-01 00:00:00.000001', '2024-01-01', 1), "
                  "('2024-01-01 00:00:00.000002', '2024-01-02', 2), "
                  "('2024-01-01 00:00:00', '2024-01-03', 3), ('1999-12-31 23:59:59.999999', "
                  "'1999-12-31', 4), ('2024-01-01 00:00:01', '2000-02-29', 5)");
    struct weir_query t = {.size = sizeof(t), .table = "odbc_ck_ts"};
    same_rows(db, "timestamp key", &t, "1", 5);
    if (my) { /* PostgreSQL names the constraint; SQLite cannot drop one */
        live_exec(db, "CREATE UNIQUE INDEX odbc_ck_ts_d ON odbc_ck_ts (d)");
        live_exec(db, "ALTER TABLE odbc_ck_ts DROP PRIMARY KEY");
        same_rows(db, "date key (a unique index on a NOT NULL column)", &t, "2", 5);
    }

    if (my || pg) {
        live_exec(db, "DROP TABLE IF EXISTS odbc_ck_big");
        live_exec(db, my ? "CREATE TABLE odbc_ck_big (k bigint unsigned PRIMARY KEY, v int)"
                         : "CREATE TABLE odbc_ck_big (k bigint PRIMARY KEY, v int)");
        live_exec(db, my ? "INSERT INTO odbc_ck_big VALUES (18446744073709551615, 1), "
                           "(18446744073709551614, 2), (9007199254740993, 3), "
                           "(9007199254740992, 4), (0, 5)"
                         : "INSERT INTO odbc_ck_big VALUES (9223372036854775807, 1), "
                           "(9223372036854775806, 2), (9007199254740993, 3), "
                           "(9007199254740992, 4), (-9223372036854775808, 5)");
        struct weir_query b = {.size = sizeof(b), .table = "odbc_ck_big"};
        same_rows(db, "bigint key near its limits", &b, "1", 5);
    }
}

/* `chunked: always` needs a key: none, or only a nullable unique index, is WEIR_ECONFIG. */
static void no_key(struct live_db *db)
{
    live_exec(db, "DROP TABLE IF EXISTS odbc_ck_nokey");
    live_exec(db, "CREATE TABLE odbc_ck_nokey (k int, v int)");
    live_exec(db, "CREATE UNIQUE INDEX odbc_ck_nokey_k ON odbc_ck_nokey (k)");
    live_exec(db, "INSERT INTO odbc_ck_nokey VALUES (1, 1), (2, 2)");
    const char *const always[] = {"chunked", "always", NULL};
    struct weir_query q = {.size = sizeof(q), .table = "odbc_ck_nokey"};
    struct live_result r;
    struct weir_error err;
    memset(&err, 0, sizeof(err));
    int rc = scan_with(db, always, &q, &r, &err);
    TAP_OK(rc != 0 && err.status == WEIR_ECONFIG && strstr(err.message, "odbc_ck_nokey") != NULL,
           "%s chunks: always without a NOT NULL key is a config error (%s)", db->name,
           err.message);
    live_result_free(&r);
    const char *const bad[] = {"chunked", "sometimes", NULL};
    void *conn = NULL;
    rc = live_connect(db, bad, &conn, &err);
    TAP_OK(rc == WEIR_ECONFIG && strstr(err.message, "chunked") != NULL,
           "%s chunks: an unknown chunked value is refused (%s)", db->name, err.message);
    if (rc == WEIR_OK) {
        live_ops->disconnect(conn);
    }
}

/*
 * Another session inserts, deletes, updates and moves keys between the
 * chunks of a read: the snapshot hides it all, every row comes once.
 */
static void concurrent(struct live_db *db)
{
    live_exec(db, "DROP TABLE IF EXISTS odbc_ck_conc");
    live_exec(db, "CREATE TABLE odbc_ck_conc (id int PRIMARY KEY, v int NOT NULL)");
    live_exec(db, "INSERT INTO odbc_ck_conc SELECT seq * 2, seq * 2 FROM seq_1_to_1000");
    const char *const opts[] = {"chunked", "auto", "batch_rows", "10", NULL};
    void *conn = NULL;
    struct weir_error err;
    if (live_connect(db, opts, &conn, &err) != WEIR_OK || live_ops->begin(conn, &err) != 0) {
        TAP_OK(0, "%s chunks concurrent: connect/begin: %s", db->name, err.message);
        return;
    }
    struct weir_query q = {.size = sizeof(q), .table = "odbc_ck_conc"};
    struct ArrowSchema schema;
    void *scan = NULL;
    int64_t rows = 0, bad = 0, changed = 0;
    static unsigned char seen[2001];
    memset(seen, 0, sizeof(seen));
    int rc = live_ops->scan_open(conn, &q, &schema, &scan, &err);
    for (int64_t batch = 0; rc == WEIR_OK; batch++) {
        struct ArrowArray b;
        if ((rc = live_ops->scan_next(scan, &b, &err)) != WEIR_OK || b.release == NULL) {
            break;
        }
        const int32_t *id = b.children[0]->buffers[1], *v = b.children[1]->buffers[1];
        for (int64_t i = 0; i < b.length; i++) {
            int32_t k = id[i + b.children[0]->offset], x = v[i + b.children[1]->offset];
            bad += k < 2 || k > 2000 || (k & 1) || x != k || seen[k]++;
        }
        rows += b.length;
        b.release(&b);
        if (batch == 2) {
            /* committed by another session between chunks */
            changed = live_exec(db, "DELETE FROM odbc_ck_conc WHERE id IN (100, 1500)") == 0 &&
                      live_exec(db, "UPDATE odbc_ck_conc SET v = -1 WHERE id IN (40, 1200)") == 0 &&
                      live_exec(db, "UPDATE odbc_ck_conc SET id = 2001 WHERE id = 1000") == 0 &&
                      live_exec(db, "UPDATE odbc_ck_conc SET id = 1 WHERE id = 2000") == 0 &&
                      live_exec(db, "INSERT INTO odbc_ck_conc VALUES (801, 801), (3001, 3001)") == 0;
        }
    }
    if (scan != NULL) {
        live_ops->scan_close(scan);
        schema.release(&schema);
    }
    live_ops->end(conn, &err);
    live_ops->disconnect(conn);
    TAP_OK(rc == WEIR_OK && changed && rows == 1000 && bad == 0,
           "%s chunks concurrent: changes committed between chunks are not seen (%lld rows, "
           "%lld wrong or repeated)%s%s",
           db->name, (long long)rows, (long long)bad, rc ? ": " : "", rc ? err.message : "");
}

void live_case_chunks(struct live_db *db)
{
    key_types(db);
    long_values(db);
    no_key(db);
    if (is(db, "mariadb")) {
        concurrent(db);
    }
}
