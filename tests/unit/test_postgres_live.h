/*
 * Shared by the live tests of the postgres source (test_postgres_live.c,
 * test_postgres_live_errors.c): the plugin dlopen'ed from $WEIR_PLUGIN_PATH
 * like the host does, a host whose log is kept for inspection, libpq for
 * making tables in a schema of the process's own, and helpers to read scans.
 * Everything is static: each test program includes it once.
 */
#ifndef WEIR_TESTS_POSTGRES_LIVE_H
#define WEIR_TESTS_POSTGRES_LIVE_H

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "util/arrow.h"
#include "weir/weir.h"

static const struct weir_source_ops *ops; /* set by live_main */
static PGconn *admin;
static char schema[64];
static char conninfo[512];

/* ---- host services: logs kept for inspection, a cancel switch ---- */
static char logbuf[65536];
static size_t loglen;
static int cancel_flag;

static void host_log(void *ctx, int level, const char *event, const char *message)
{
    int n = snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "%d %s %s\n", level, event, message);
    if (n > 0 && loglen + (size_t)n < sizeof(logbuf)) {
        loglen += (size_t)n;
    }
}
static int host_cancelled(void *ctx)
{
    return cancel_flag;
}
static void host_metric(void *ctx, const char *name, double value, const char *unit)
{
}
static const struct weir_host host = {sizeof(struct weir_host), WEIR_ABI_VERSION, NULL, host_log,
                                      host_cancelled,           host_metric};

static inline int count_in_log(const char *needle)
{
    int n = 0;
    for (const char *p = logbuf; (p = strstr(p, needle)) != NULL; p++) {
        n++;
    }
    return n;
}

/* ---- setup ---- */

static inline int sql(const char *fmt, ...) WEIR_PRINTF(1, 2);
static inline int sql(const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    PGresult *r = PQexec(admin, buf);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) {
        printf("# setup SQL failed: %s\n# %s\n", PQerrorMessage(admin), buf);
    }
    PQclear(r);
    return ok ? 0 : -1;
}

static inline void *open_conn(const char *user, const char *password, const char *extra_conninfo,
                       const char *batch_rows, struct weir_error *err)
{
    char ci[600];
    snprintf(ci, sizeof(ci), "%s%s%s", conninfo, extra_conninfo ? " " : "",
             extra_conninfo ? extra_conninfo : "");
    struct weir_kv kv[5] = {{"connection", ci},
                            {"user", user},
                            {"password", password ? password : ""},
                            {"batch_rows", batch_rows ? batch_rows : "65536"},
                            {"batch_bytes", "64MiB"}};
    void *conn = NULL;
    int rc = ops->connect(&host, kv, 5, &conn, err);
    return rc == WEIR_OK ? conn : NULL;
}

static inline void *open_default(const char *batch_rows)
{
    struct weir_error err;
    void *c = open_conn(getenv("PGUSER"), getenv("PGPASSWORD"), NULL, batch_rows, &err);
    if (c == NULL) {
        printf("# connect: %s / %s\n", err.message, err.detail);
    }
    return c;
}

/* ---- reading a scan ---- */

/* All batches of a scan; *batches receives how many there were. */
struct rows {
    struct ArrowArray b[64];
    int n;
    int64_t total;
};

static inline int scan_all(void *conn, const struct weir_query *q, struct rows *out,
                    struct ArrowSchema *out_schema, struct weir_error *err)
{
    void *scan = NULL;
    struct ArrowSchema s = {0};
    memset(out, 0, sizeof(*out));
    int rc = ops->scan_open(conn, q, out_schema ? out_schema : &s, &scan, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    for (;;) {
        struct ArrowArray a;
        rc = ops->scan_next(scan, &a, err);
        if (rc != WEIR_OK || a.release == NULL) {
            break;
        }
        if (out->n < 64) {
            out->total += a.length;
            out->b[out->n++] = a;
        } else {
            a.release(&a);
        }
    }
    ops->scan_close(scan);
    if (s.release) {
        s.release(&s);
    }
    return rc;
}

static inline void rows_free(struct rows *r)
{
    for (int i = 0; i < r->n; i++) {
        r->b[i].release(&r->b[i]);
    }
    r->n = 0;
}

static inline const struct ArrowArray *col(const struct rows *r, int c)
{
    return r->b[0].children[c];
}
static inline int64_t get_i64(const struct ArrowArray *a, int64_t i)
{
    int64_t v;
    memcpy(&v, (const uint8_t *)a->buffers[1] + 8 * i, 8);
    return v;
}
/* low 64 bits of a decimal128 value */
static inline int64_t get_dec(const struct ArrowArray *a, int64_t i)
{
    int64_t v;
    memcpy(&v, (const uint8_t *)a->buffers[1] + 16 * i, 8);
    return v;
}
static inline int32_t get_i32(const struct ArrowArray *a, int64_t i)
{
    int32_t v;
    memcpy(&v, (const uint8_t *)a->buffers[1] + 4 * i, 4);
    return v;
}
static inline const char *get_str(const struct ArrowArray *a, int64_t i, char *buf, size_t cap)
{
    const int32_t *off = a->buffers[1];
    size_t n = (size_t)(off[i + 1] - off[i]);
    n = n < cap - 1 ? n : cap - 1;
    memcpy(buf, (const char *)a->buffers[2] + off[i], n);
    buf[n] = '\0';
    return buf;
}

/* The ids (first column, int4 or int8) of every row, comma-separated. */
static inline const char *ids(const struct rows *r, char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int b = 0; b < r->n; b++) {
        const struct ArrowArray *a = r->b[b].children[0];
        int wide = a->n_buffers == 2 && r->b[b].length > 0;
        for (int64_t i = 0; wide && i < a->length; i++) {
            at += (size_t)snprintf(buf + at, cap - at, "%s%lld", at ? "," : "",
                                   (long long)get_i32(a, i));
        }
    }
    return buf;
}

static inline int setup_tables(void)
{
    return sql("DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s; "
               "CREATE EXTENSION IF NOT EXISTS citext",
               schema, schema) ||
           sql("CREATE TYPE %s.mood AS ENUM ('sad', 'happy'); "
               "CREATE DOMAIN %s.posint AS int4 CHECK (VALUE > 0)",
               schema, schema) ||
           sql("CREATE TABLE %s.\"All Types\" (id int4 PRIMARY KEY, b bool, i2 int2, i8 int8, "
               "o oid, f4 float4, f8 float8, n numeric(12,2), nu numeric, t text, vc varchar(20), "
               "bc char(4), nm name, ci citext, by bytea, d date, tm time, ts timestamp, "
               "tstz timestamptz, u uuid, j json, jb jsonb, iv interval, arr int4[], ttz timetz, "
               "mo money, ip inet, e %s.mood, r int4range, bt bit(4), dm %s.posint, "
               "\"Mixed \"\"Q\"\" Col\" text, updated_at timestamptz)",
               schema, schema, schema) ||
           sql("INSERT INTO %s.\"All Types\" VALUES "
               "(1, true, -2, 9000000000, 12345, 0.25, -1e300, 1234567890.12, 3.14159, "
               "'h\u00e9llo', 'v''q', 'ab', 'nm', 'CaSe', '\\x00ff00', '2023-06-15', "
               "'13:14:15.161718', '1969-07-20 20:17:40', '2100-01-01 00:00:00+00', "
               "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"x\": [1,2]}', '{\"y\": null}', "
               "'1 day 02:03:04', '{1,2,NULL}', '10:00:00+02', 12.34, '192.168.0.1/24', "
               "'happy', '[1,5)', B'1010', 7, 'mixed', '2024-01-01 00:00:01+00'), "
               "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
               "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
               "NULL, NULL, NULL, NULL, NULL, NULL, '2024-01-01 00:00:02+00'), "
               "(3, false, 32767, -9223372036854775808, 4294967295, 'NaN', 'Infinity', "
               "-9999999999.99, -0.0000000001, E'\\u65e5\\u672c \\U0001F389', '', '', '', '', "
               "'\\x', 'infinity', '00:00:00', '-infinity', 'infinity', "
               "'00000000-0000-0000-0000-000000000000', '[]', '\"s\"', '-1 mon', '{}', "
               "'00:00:00-05:30', -0.01, '::1', 'sad', 'empty', B'0000', 1, '', "
               "'2024-01-01 00:00:03+00'), "
               "(4, true, 0, 0, 0, 0, 0, 0, 0, 'x', 'y', 'z', 'w', 'v', '\\x00', '-infinity', "
               "'24:00:00', 'infinity', '-infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff', "
               "'1', '2', '0', '{0}', '00:00:00+00', 0, '10.0.0.0/8', 'sad', '(,)', B'1111', 2, "
               "'a \"q\"', '2024-01-01 00:00:04+00')",
               schema) ||
           sql("CREATE TABLE %s.events (id int4, updated_at timestamptz, k text); "
               "INSERT INTO %s.events VALUES (1, '2024-01-01', 'a'), (2, '2024-01-01', 'b'), "
               "(3, '2024-01-02', 'c'), (4, '2024-01-02', 'd'), (5, '2024-01-02', 'e'), "
               "(6, '2024-01-03', 'f'), (7, NULL, 'g'), (8, '2024-01-04', 'h')",
               schema, schema) ||
           sql("CREATE TABLE %s.q (id int4, k text); INSERT INTO %s.q VALUES (1, 'a'), "
               "(2, 'a''b'), (3, E'a\\\\b'), (4, E'a''''b\\\\\\\\'), (5, 'b'), "
               "(6, 'x'' OR ''1''=''1')",
               schema, schema) ||
           sql("CREATE TABLE %s.nums (id int4, v numeric); INSERT INTO %s.nums VALUES "
               "(1, 1.5), (2, 0.12345678901), (3, 'NaN')",
               schema, schema) ||
           sql("CREATE TABLE %s.lagt (id int4, at timestamptz); INSERT INTO %s.lagt VALUES "
               "(1, now() - interval '2 hours'), (2, now() - interval '10 minutes')",
               schema, schema);
}

static inline struct weir_query query_table(const char *table)
{
    static char names[8][128];
    static int next;
    char *name = names[next++ % 8];
    snprintf(name, 128, "%s.%s", schema, table);
    struct weir_query q = {.size = sizeof(struct weir_query), .table = name};
    return q;
}

/* Runs `run` with the plugin loaded, ops set and the tables made; the whole
 * program SKIPs without PGHOST. Returns the exit status. */
static inline int live_main(void (*run)(void *dl))
{
    const char *pghost = getenv("PGHOST");
    if (pghost == NULL || pghost[0] == '\0') {
        TAP_SKIP("no server", "postgres source against a live server (PGHOST unset)");
        return tap_done();
    }
    char path[1024];
    const char *dir = getenv("WEIR_PLUGIN_PATH");
    snprintf(path, sizeof(path), "%s/weir_source_postgres.so", dir ? dir : ".libs");
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    TAP_OK(dl != NULL, "dlopen %s", path);
    if (dl == NULL) {
        printf("# %s\n", dlerror());
        return tap_done();
    }
    weir_plugin_entry_fn entry = (weir_plugin_entry_fn)dlsym(dl, WEIR_PLUGIN_ENTRY_SYMBOL);
    struct weir_plugin d = {.size = sizeof(d)};
    struct weir_error err;
    if (entry != NULL && entry(WEIR_ABI_VERSION, &d, &err) == WEIR_OK) {
        ops = d.source;
    }
    snprintf(conninfo, sizeof(conninfo), "host=%s port=%s dbname=%s", pghost,
             getenv("PGPORT") ? getenv("PGPORT") : "5432",
             getenv("PGDATABASE") ? getenv("PGDATABASE") : "postgres");
    snprintf(schema, sizeof(schema), "weir_live_%d", (int)getpid());
    admin = PQconnectdb(conninfo);
    TAP_OK(PQstatus(admin) == CONNECTION_OK, "admin connection");
    if (ops != NULL && PQstatus(admin) == CONNECTION_OK && setup_tables() == 0) {
        run(dl);
    } else {
        TAP_OK(0, "setup");
    }
    sql("DROP SCHEMA IF EXISTS %s CASCADE", schema);
    PQfinish(admin);
    dlclose(dl);
    return tap_done();
}

#endif
