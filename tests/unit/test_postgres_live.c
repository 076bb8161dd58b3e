/*
 * The postgres source plugin against a real PostgreSQL (scripts/services
 * start pg; PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE set). Without
 * PGHOST every check is reported as "# SKIP no server".
 *
 * The plugin is dlopen'ed from $WEIR_PLUGIN_PATH like the host does; the
 * tables are made with plain libpq in a schema of this process's own.
 */
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

static const struct weir_source_ops *ops;
static PGconn *admin;
static char schema[64];
static char conninfo[512];

/* ---- host services: logs kept for inspection, a cancel switch ---- */
static char logbuf[65536];
static size_t loglen;
static int cancel_flag;

static void host_log(void *ctx, int level, const char *event, const char *message)
{
    int n = snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "%d %s %s\n", level, event,
                     message);
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
static const struct weir_host host = {sizeof(struct weir_host), WEIR_ABI_VERSION, NULL,
                                      host_log, host_cancelled, host_metric};

static int count_in_log(const char *needle)
{
    int n = 0;
    for (const char *p = logbuf; (p = strstr(p, needle)) != NULL; p++) {
        n++;
    }
    return n;
}

/* ---- setup ---- */

static int sql(const char *fmt, ...) WEIR_PRINTF(1, 2);
static int sql(const char *fmt, ...)
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

static void *open_conn(const char *user, const char *password, const char *extra_conninfo,
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

static void *open_default(const char *batch_rows)
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

static int scan_all(void *conn, const struct weir_query *q, struct rows *out,
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

static void rows_free(struct rows *r)
{
    for (int i = 0; i < r->n; i++) {
        r->b[i].release(&r->b[i]);
    }
    r->n = 0;
}

static const struct ArrowArray *col(const struct rows *r, int c)
{
    return r->b[0].children[c];
}
static int64_t get_i64(const struct ArrowArray *a, int64_t i)
{
    int64_t v;
    memcpy(&v, (const uint8_t *)a->buffers[1] + 8 * i, 8);
    return v;
}
/* low 64 bits of a decimal128 value */
static int64_t get_dec(const struct ArrowArray *a, int64_t i)
{
    int64_t v;
    memcpy(&v, (const uint8_t *)a->buffers[1] + 16 * i, 8);
    return v;
}
static int32_t get_i32(const struct ArrowArray *a, int64_t i)
{
    int32_t v;
    memcpy(&v, (const uint8_t *)a->buffers[1] + 4 * i, 4);
    return v;
}
static const char *get_str(const struct ArrowArray *a, int64_t i, char *buf, size_t cap)
{
    const int32_t *off = a->buffers[1];
    size_t n = (size_t)(off[i + 1] - off[i]);
    n = n < cap - 1 ? n : cap - 1;
    memcpy(buf, (const char *)a->buffers[2] + off[i], n);
    buf[n] = '\0';
    return buf;
}

/* The ids (first column, int4 or int8) of every row, comma-separated. */
static const char *ids(const struct rows *r, char *buf, size_t cap)
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

/* ---- the tests ---- */

static void test_entry(void *dl)
{
    weir_plugin_entry_fn entry = (weir_plugin_entry_fn)dlsym(dl, WEIR_PLUGIN_ENTRY_SYMBOL);
    struct weir_plugin d = {.size = sizeof(d)};
    struct weir_error err;
    TAP_OK(entry != NULL, "weir_plugin_entry exported");
    if (entry == NULL) {
        return;
    }
    TAP_EQ_INT(entry(WEIR_ABI_VERSION + 1, &d, &err), WEIR_EABI, "other host ABI: WEIR_EABI");
    TAP_OK(strstr(err.message, "ABI 1, the host 2") != NULL, "EABI names both versions: %s",
           err.message);
    TAP_EQ_INT(entry(WEIR_ABI_VERSION, &d, &err), WEIR_OK, "ABI 1 accepted");
    TAP_OK(d.kind == WEIR_PLUGIN_SOURCE && strcmp(d.name, "postgres") == 0 && d.source != NULL &&
               d.writer == NULL && d.abi_version == WEIR_ABI_VERSION,
           "descriptor: source \"postgres\"");
    int secret = 0, rows = 0, bytes = 0;
    for (size_t i = 0; i < d.n_options; i++) {
        secret |= strcmp(d.options[i].name, "password") == 0 &&
                  (d.options[i].flags & WEIR_OPT_SECRET);
        rows |= strcmp(d.options[i].name, "batch_rows") == 0 &&
                strcmp(d.options[i].default_value, "65536") == 0;
        bytes |= strcmp(d.options[i].name, "batch_bytes") == 0 &&
                 strcmp(d.options[i].default_value, "64MiB") == 0;
    }
    TAP_OK(secret && rows && bytes, "options: password secret, batch_rows 65536, batch_bytes 64MiB");
    ops = d.source;
    TAP_OK(dlsym(dl, "weir_pg_connect") == NULL && dlsym(dl, "weir_abatch_init") == NULL,
           "internal symbols are hidden");
}

static int setup_tables(void)
{
    return sql("DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s; "
               "CREATE EXTENSION IF NOT EXISTS citext", schema, schema) ||
           sql("CREATE TYPE %s.mood AS ENUM ('sad', 'happy'); "
               "CREATE DOMAIN %s.posint AS int4 CHECK (VALUE > 0)", schema, schema) ||
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

static struct weir_query query_table(const char *table)
{
    static char names[8][128];
    static int next;
    char *name = names[next++ % 8];
    snprintf(name, 128, "%s.%s", schema, table);
    struct weir_query q = {.size = sizeof(struct weir_query), .table = name};
    return q;
}

static const char *md_get(const struct ArrowSchema *s, const char *key, char *buf, size_t cap)
{
    int32_t n = 0;
    const char *v = weir_arrow_metadata_find(s->metadata, key, &n);
    if (v == NULL) {
        return "(none)";
    }
    snprintf(buf, cap, "%.*s", (int)n, v);
    return buf;
}

static const struct {
    const char *name;
    const char *format;
    const char *source_type;
    const char *ext;
} all_types[] = {
    {"id", "i", "integer", NULL},
    {"b", "b", "boolean", NULL},
    {"i2", "s", "smallint", NULL},
    {"i8", "l", "bigint", NULL},
    {"o", "l", "oid", NULL},
    {"f4", "f", "real", NULL},
    {"f8", "g", "double precision", NULL},
    {"n", "d:12,2", "numeric(12,2)", NULL},
    {"nu", "d:38,10", "numeric", NULL},
    {"t", "u", "text", NULL},
    {"vc", "u", "character varying(20)", NULL},
    {"bc", "u", "character(4)", NULL},
    {"nm", "u", "name", NULL},
    {"ci", "u", "citext", NULL},
    {"by", "z", "bytea", NULL},
    {"d", "tdD", "date", NULL},
    {"tm", "ttu", "time without time zone", NULL},
    {"ts", "tsu:", "timestamp without time zone", NULL},
    {"tstz", "tsu:UTC", "timestamp with time zone", NULL},
    {"u", "w:16", "uuid", "arrow.uuid"},
    {"j", "u", "json", "arrow.json"},
    {"jb", "u", "jsonb", "arrow.json"},
    {"iv", "u", "interval", NULL},
    {"arr", "u", "integer[]", NULL},
    {"ttz", "u", "time with time zone", NULL},
    {"mo", "u", "money", NULL},
    {"ip", "u", "inet", NULL},
    {"e", "u", "*.mood", NULL},
    {"r", "u", "int4range", NULL},
    {"bt", "u", "bit(4)", NULL},
    {"dm", "i", "integer", NULL},
    {"Mixed \"Q\" Col", "u", "text", NULL},
    {"updated_at", "tsu:UTC", "timestamp with time zone", NULL},
};
#define N_ALL (int)(sizeof(all_types) / sizeof(all_types[0]))
enum { A_ID, A_B, A_I2, A_I8, A_O, A_F4, A_F8, A_N, A_NU, A_T, A_VC, A_BC, A_NM, A_CI, A_BY, A_D,
       A_TM, A_TS, A_TSTZ, A_U, A_J, A_JB, A_IV, A_ARR, A_TTZ, A_MO, A_IP, A_E, A_R, A_BT, A_DM,
       A_MIXED, A_UPD };

static void test_describe(void *conn)
{
    struct weir_query q = query_table("\"All Types\"");
    struct ArrowSchema s = {0};
    struct weir_error err;
    char buf[128];
    int rc = ops->describe(conn, &q, &s, &err);
    TAP_EQ_INT(rc, WEIR_OK, "describe \"All Types\"");
    if (rc != WEIR_OK) {
        printf("# %s / %s\n", err.message, err.detail);
        return;
    }
    TAP_OK(strcmp(s.format, "+s") == 0 && s.n_children == N_ALL, "describe: struct of %d columns",
           N_ALL);
    for (int i = 0; i < N_ALL && i < s.n_children; i++) {
        const struct ArrowSchema *c = s.children[i];
        const char *st = md_get(c, "weir:source_type", buf, sizeof(buf));
        int st_ok = all_types[i].source_type[0] == '*'
                        ? strstr(st, all_types[i].source_type + 1) != NULL
                        : strcmp(st, all_types[i].source_type) == 0;
        char ext[64];
        const char *e = md_get(c, "ARROW:extension:name", ext, sizeof(ext));
        int ext_ok = all_types[i].ext ? strcmp(e, all_types[i].ext) == 0 : strcmp(e, "(none)") == 0;
        TAP_OK(strcmp(c->name, all_types[i].name) == 0 && strcmp(c->format, all_types[i].format) == 0 &&
                   st_ok && ext_ok && (c->flags & ARROW_FLAG_NULLABLE),
               "describe %s: %s, source type %s, extension %s", all_types[i].name, c->format, st, e);
    }
    s.release(&s);
}

static void test_scan_all_types(void *conn)
{
    struct weir_query q = query_table("\"All Types\"");
    static const char *const wm[] = {"updated_at", "id"};
    q.wm_columns = wm;
    q.n_wm = 2;
    struct rows r;
    struct weir_error err;
    char s[256];
    loglen = 0;
    logbuf[0] = '\0';
    int rc = scan_all(conn, &q, &r, NULL, &err);
    TAP_EQ_INT(rc, WEIR_OK, "scan \"All Types\"");
    if (rc != WEIR_OK || r.n != 1 || r.b[0].length != 4) {
        printf("# %s / %s (%d batches)\n", err.message, err.detail, r.n);
        rows_free(&r);
        return;
    }
    /* rows come in insertion order from a fresh heap table */
    for (int i = 0; i < 4; i++) {
        TAP_EQ_INT(get_i32(col(&r, A_ID), i), i + 1, "all types: id in order");
    }
    const struct ArrowArray *a;
    a = col(&r, A_B);
    TAP_OK(weir_arrow_bit(a->buffers[1], 0) && weir_arrow_is_null(a, 1) &&
               !weir_arrow_bit(a->buffers[1], 2),
           "bool true, NULL, false");
    int16_t i2;
    memcpy(&i2, (const uint8_t *)col(&r, A_I2)->buffers[1] + 4, 2);
    TAP_EQ_INT(i2, 32767, "int2 32767");
    TAP_OK(get_i64(col(&r, A_I8), 0) == 9000000000LL && get_i64(col(&r, A_I8), 2) == INT64_MIN,
           "int8 9000000000 and minimum");
    TAP_OK(get_i64(col(&r, A_O), 0) == 12345 && get_i64(col(&r, A_O), 2) == 4294967295LL,
           "oid 12345 and 4294967295");
    uint32_t f4;
    memcpy(&f4, (const uint8_t *)col(&r, A_F4)->buffers[1], 4);
    TAP_EQ_INT(f4, 0x3e800000u, "float4 0.25");
    double f8;
    memcpy(&f8, (const uint8_t *)col(&r, A_F8)->buffers[1], 8);
    TAP_OK(f8 == -1e300, "float8 -1e300");
    TAP_OK(get_dec(col(&r, A_N), 0) == 123456789012LL && get_dec(col(&r, A_N), 2) == -999999999999LL,
           "numeric(12,2) 1234567890.12 and -9999999999.99 (low 64 bits)");
    TAP_OK(get_dec(col(&r, A_N), 1) == 0 && weir_arrow_is_null(col(&r, A_N), 1), "numeric NULL");
    const uint8_t *n3 = (const uint8_t *)col(&r, A_N)->buffers[1] + 32;
    TAP_OK(n3[15] == 0xff && n3[8] == 0xff, "numeric negative is sign-extended to 128 bits");
    TAP_OK(get_dec(col(&r, A_NU), 0) == 31415900000LL && get_dec(col(&r, A_NU), 2) == -1,
           "unconstrained numeric at decimal(38,10): 3.14159, -0.0000000001");
    TAP_EQ_STR(get_str(col(&r, A_T), 0, s, sizeof(s)), "h\xc3\xa9llo", "text with \u00e9");
    TAP_EQ_STR(get_str(col(&r, A_T), 2, s, sizeof(s)), "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\x89",
               "text with CJK and emoji");
    TAP_EQ_STR(get_str(col(&r, A_VC), 0, s, sizeof(s)), "v'q", "varchar with quote");
    TAP_EQ_STR(get_str(col(&r, A_BC), 0, s, sizeof(s)), "ab  ", "char(4) padded");
    TAP_EQ_STR(get_str(col(&r, A_NM), 0, s, sizeof(s)), "nm", "name");
    TAP_EQ_STR(get_str(col(&r, A_CI), 0, s, sizeof(s)), "CaSe", "citext keeps its case");
    get_str(col(&r, A_BY), 0, s, sizeof(s));
    const int32_t *bo = col(&r, A_BY)->buffers[1];
    TAP_OK(bo[1] - bo[0] == 3 && memcmp(s, "\x00\xff\x00", 3) == 0, "bytea 00 ff 00");
    TAP_OK(get_i32(col(&r, A_D), 0) == 19523 && get_i32(col(&r, A_D), 2) == 2932896 &&
               get_i32(col(&r, A_D), 3) == -719162,
           "date 2023-06-15, infinity and -infinity clamped");
    TAP_OK(get_i64(col(&r, A_TM), 0) == 47655161718LL && get_i64(col(&r, A_TM), 3) == 86400000000LL,
           "time 13:14:15.161718 and 24:00:00");
    TAP_OK(get_i64(col(&r, A_TS), 0) == -14182940000000LL &&
               get_i64(col(&r, A_TS), 2) == -62135596800000000LL &&
               get_i64(col(&r, A_TS), 3) == 253402300799999999LL,
           "timestamp 1969-07-20 20:17:40, -infinity and infinity clamped");
    TAP_OK(get_i64(col(&r, A_TSTZ), 0) == 4102444800000000LL, "timestamptz 2100-01-01 UTC");
    TAP_EQ_MEM((const uint8_t *)col(&r, A_U)->buffers[1],
               "\xa0\xee\xbc\x99\x9c\x0b\x4e\xf8\xbb\x6d\x6b\xb9\xbd\x38\x0a\x11", 16, "uuid");
    TAP_EQ_STR(get_str(col(&r, A_J), 0, s, sizeof(s)), "{\"x\": [1,2]}", "json as written");
    TAP_EQ_STR(get_str(col(&r, A_JB), 0, s, sizeof(s)), "{\"y\": null}", "jsonb text");
    TAP_EQ_STR(get_str(col(&r, A_JB), 2, s, sizeof(s)), "\"s\"", "jsonb scalar string");
    TAP_EQ_STR(get_str(col(&r, A_IV), 0, s, sizeof(s)), "P1DT2H3M4S", "interval as ISO 8601 text");
    TAP_EQ_STR(get_str(col(&r, A_IV), 2, s, sizeof(s)), "P-1M", "negative interval text");
    TAP_EQ_STR(get_str(col(&r, A_ARR), 0, s, sizeof(s)), "{1,2,NULL}", "int[] as text");
    TAP_EQ_STR(get_str(col(&r, A_TTZ), 0, s, sizeof(s)), "10:00:00+02", "timetz as text");
    TAP_EQ_STR(get_str(col(&r, A_TTZ), 2, s, sizeof(s)), "00:00:00-05:30", "timetz -05:30");
    TAP_EQ_STR(get_str(col(&r, A_MO), 0, s, sizeof(s)), "$12.34", "money as text");
    TAP_EQ_STR(get_str(col(&r, A_IP), 0, s, sizeof(s)), "192.168.0.1/24", "inet as text");
    TAP_EQ_STR(get_str(col(&r, A_E), 0, s, sizeof(s)), "happy", "enum as text");
    TAP_EQ_STR(get_str(col(&r, A_R), 0, s, sizeof(s)), "[1,5)", "range as text");
    TAP_EQ_STR(get_str(col(&r, A_R), 2, s, sizeof(s)), "empty", "empty range as text");
    TAP_EQ_STR(get_str(col(&r, A_BT), 0, s, sizeof(s)), "1010", "bit(4) as text");
    TAP_EQ_INT(get_i32(col(&r, A_DM), 0), 7, "domain over int4 as int32");
    TAP_EQ_STR(get_str(col(&r, A_MIXED), 3, s, sizeof(s)), "a \"q\"", "column with quotes in its name");
    int nulls = 1;
    for (int c = 1; c < A_UPD; c++) {
        nulls = nulls && weir_arrow_is_null(col(&r, c), 1);
    }
    TAP_OK(nulls, "row 2: every nullable column NULL");
    TAP_EQ_INT(count_in_log("source_infinity_clamped"), 3,
               "one clamp warning per column with infinities (d, ts, tstz)");
    TAP_OK(strstr(logbuf, "column \"d\"") && strstr(logbuf, "column \"ts\"") &&
               strstr(logbuf, "column \"tstz\""),
           "clamp warnings name the columns");
    rows_free(&r);
}

static void test_windows(void *conn)
{
    static const char *const wm[] = {"updated_at", "id"};
    static const char *const cols[] = {"id", "k"};
    struct weir_bound low[2] = {{1, "2024-01-01 00:00:00+00"}, {1, "2"}};
    struct weir_bound high[2] = {{1, "2024-01-02 00:00:00+00"}, {1, "4"}};
    struct weir_query q = query_table("events");
    struct rows r;
    struct weir_error err;
    char buf[512];
    int64_t n = -1;
    q.columns = cols;
    q.n_columns = 2;
    q.wm_columns = wm;
    q.n_wm = 2;
    q.low = low;
    q.high = high;

    TAP_EQ_INT(ops->render_sql(conn, &q, buf, sizeof(buf), &err), WEIR_OK, "render_sql");
    char want[600];
    snprintf(want, sizeof(want),
             "COPY (SELECT \"id\", \"k\" FROM \"%s\".\"events\" WHERE (\"updated_at\", \"id\") > "
             "('2024-01-01 00:00:00+00'::timestamp with time zone, '2'::integer) AND "
             "(\"updated_at\", \"id\") <= ('2024-01-02 00:00:00+00'::timestamp with time zone, "
             "'4'::integer)) TO STDOUT (FORMAT binary)",
             schema);
    TAP_EQ_STR(buf, want, "render_sql: quoted names, tuple window, typed literals");
    TAP_EQ_INT(ops->render_sql(conn, &q, buf, 40, &err), WEIR_ENOMEM, "render_sql: small buffer refused");

    TAP_OK(ops->begin(conn, &err) == WEIR_OK, "begin");
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 2, "count (T1,2) < wm <= (T2,4): 2");
    TAP_OK(scan_all(conn, &q, &r, NULL, &err) == WEIR_OK, "scan the window");
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "3,4", "window (T1,2)..(T2,4] holds ids 3,4 (ties split by id)");
    rows_free(&r);

    strcpy(low[1].text, "1");
    strcpy(high[1].text, "5");
    scan_all(conn, &q, &r, NULL, &err);
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "2,3,4,5", "window (T1,1)..(T2,5]");
    rows_free(&r);

    /* include_nulls (full snapshot): the window plus the NULL watermarks */
    q.include_nulls = 1;
    scan_all(conn, &q, &r, NULL, &err);
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "2,3,4,5,7", "include_nulls: window (T1,1)..(T2,5] or NULL");
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 5, "include_nulls count 5");
    rows_free(&r);
    q.size = offsetof(struct weir_query, include_nulls);
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 4,
           "a host struct without include_nulls: the member is not read");
    q.size = sizeof(q);
    q.include_nulls = 0;

    /* watermark.start: inclusive on the first column only */
    strcpy(low[0].text, "2024-01-02 00:00:00+00");
    strcpy(low[1].text, "999");
    strcpy(high[0].text, "2024-01-03 00:00:00+00");
    strcpy(high[1].text, "6");
    q.low_inclusive = 1;
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 4, "low_inclusive count 4");
    scan_all(conn, &q, &r, NULL, &err);
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "3,4,5,6", "low_inclusive: updated_at >= T2, second bound ignored");
    rows_free(&r);
    q.low_inclusive = 0;

    /* NULL watermarks */
    q.wm_nulls = 1;
    scan_all(conn, &q, &r, NULL, &err);
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "7", "wm_nulls: the row with a NULL watermark");
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 1, "wm_nulls count 1");
    rows_free(&r);
    q.wm_nulls = 0;

    /* no bounds at all: everything */
    q.low = NULL;
    q.high = NULL;
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 8, "no window: count 8");

    /* filter ANDed in parentheses */
    q.filter = "k = 'a' OR k = 'h'";
    q.low = low;
    strcpy(low[0].text, "2024-01-01 00:00:00+00");
    strcpy(low[1].text, "1");
    scan_all(conn, &q, &r, NULL, &err);
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "8", "filter with OR stays inside its parentheses");
    rows_free(&r);
    q.filter = NULL;

    /* high watermark above low */
    struct weir_bound out[2];
    char note[256];
    strcpy(low[0].text, "2024-01-02 00:00:00+00");
    strcpy(low[1].text, "4");
    int rc = ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    TAP_OK(rc == WEIR_OK && out[0].present && out[1].present &&
               strcmp(out[0].text, "2024-01-04 00:00:00+00") == 0 && strcmp(out[1].text, "8") == 0,
           "high_watermark: (2024-01-04 00:00:00+00, 8), got (%s, %s)", out[0].text, out[1].text);
    TAP_EQ_STR(note, "max(updated_at, id)", "high_watermark note");
    strcpy(low[0].text, "2024-01-04 00:00:00+00");
    strcpy(low[1].text, "8");
    rc = ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    TAP_OK(rc == WEIR_OK && !out[0].present && !out[1].present, "high_watermark of an empty window: absent");
    /* the bound text round-trips as a literal: use it as a high bound */
    q.low = NULL;
    q.high = high;
    strcpy(high[0].text, "2024-01-02 00:00:00+00");
    strcpy(high[1].text, "5");
    ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    TAP_OK(strcmp(out[0].text, "2024-01-02 00:00:00+00") == 0 && strcmp(out[1].text, "5") == 0,
           "high_watermark respects a given high bound");
    TAP_OK(ops->end(conn, &err) == WEIR_OK, "end");

    /* a spec query as a subquery */
    struct weir_query sq = {.size = sizeof(sq)};
    char text[256];
    snprintf(text, sizeof(text), "SELECT id, k FROM %s.events WHERE id < 5;\n", schema);
    sq.sql = text;
    sq.filter = "id > 1";
    TAP_EQ_INT(ops->render_sql(conn, &sq, buf, sizeof(buf), &err), WEIR_OK, "render_sql of a query");
    snprintf(want, sizeof(want),
             "COPY (SELECT \"id\", \"k\" FROM (SELECT id, k FROM %s.events WHERE id < 5\n) AS "
             "weir_src WHERE (id > 1)) TO STDOUT (FORMAT binary)",
             schema);
    TAP_EQ_STR(buf, want, "query wrapped as a subquery, trailing ';' dropped, filter ANDed");
    scan_all(conn, &sq, &r, NULL, &err);
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "2,3,4", "scan of the query");
    rows_free(&r);
}

static void test_quotes(void *conn)
{
    static const char *const wm[] = {"k"};
    static const char *const cols[] = {"id"};
    struct weir_bound low[1] = {{1, "a'b"}}, high[1] = {{1, "a\\b"}};
    struct weir_query q = query_table("q");
    struct rows r;
    struct weir_error err;
    char buf[256];
    int64_t n = -1;
    q.columns = cols;
    q.n_columns = 1;
    q.wm_columns = wm;
    q.n_wm = 1;
    q.low = low;
    /* byte order (C collation): a < a''b\\ < a'b < a\b < b < x' OR ... */
    scan_all(conn, &q, &r, NULL, &err);
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "3,5,6", "bound a'b: the rows above it");
    rows_free(&r);
    strcpy(low[0].text, "x' OR '1'='1");
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 0,
           "bound x' OR '1'='1 is a value, not SQL: 0 rows");
    strcpy(low[0].text, "a''b\\\\");
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 4, "bound a''b\\\\ (quotes and backslashes): 4 rows");
    strcpy(low[0].text, "a");
    q.high = high;
    scan_all(conn, &q, &r, NULL, &err);
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "2,3,4", "a < k <= a\\b (E'' literal)");
    rows_free(&r);
    strcpy(low[0].text, "'); DROP TABLE x; --");
    q.high = NULL;
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 6, "injection-shaped bound counts as text");
    struct weir_bound out[1];
    char note[128];
    q.low = NULL;
    TAP_OK(ops->high_watermark(conn, &q, out, note, sizeof(note), &err) == WEIR_OK &&
               strcmp(out[0].text, "x' OR '1'='1") == 0,
           "high_watermark returns the quoted value verbatim");
    q.low = out;
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 0, "that value as the next low: 0 rows");
}

static void test_numeric(void *conn)
{
    static const char *const cols[] = {"id", "v"};
    struct weir_query q = query_table("nums");
    struct rows r;
    struct weir_error err;
    char s[64];
    q.columns = cols;
    q.n_columns = 2;
    q.filter = "id <= 2";
    int rc = scan_all(conn, &q, &r, NULL, &err);
    TAP_EQ_INT(rc, WEIR_EDATA, "numeric with 11 fractional digits at the default decimal(38,10): EDATA");
    TAP_OK(strstr(err.message, "row 2, column \"v\"") && strstr(err.message, "0.12345678901"),
           "message names row, column and value: %s", err.message);
    rows_free(&r);
    struct weir_kv ovr[1] = {{"v", "string"}};
    q.types = ovr;
    q.n_types = 1;
    q.filter = NULL;
    rc = scan_all(conn, &q, &r, NULL, &err);
    TAP_OK(rc == WEIR_OK && r.total == 3 &&
               strcmp(get_str(col(&r, 1), 1, s, sizeof(s)), "0.12345678901") == 0 &&
               strcmp(get_str(col(&r, 1), 2, s, sizeof(s)), "NaN") == 0,
           "override string: exact text, NaN as \"NaN\"");
    rows_free(&r);
    ovr[0].value = "decimal(20,11)";
    q.filter = "id <= 2";
    rc = scan_all(conn, &q, &r, NULL, &err);
    TAP_OK(rc == WEIR_OK && get_dec(col(&r, 1), 1) == 12345678901LL &&
               get_dec(col(&r, 1), 0) == 150000000000LL,
           "override decimal(20,11)");
    rows_free(&r);
    q.filter = "id = 3";
    rc = scan_all(conn, &q, &r, NULL, &err);
    TAP_OK(rc == WEIR_EDATA && strstr(err.message, "NaN"), "NaN into a decimal: EDATA (%s)", err.message);
    rows_free(&r);
    ovr[0].key = "nope";
    rc = scan_all(conn, &q, &r, NULL, &err);
    TAP_OK(rc == WEIR_ECONFIG && strstr(err.message, "\"nope\""), "override of an unknown column: ECONFIG");
    ovr[0].key = "v";
    ovr[0].value = "float";
    rc = scan_all(conn, &q, &r, NULL, &err);
    TAP_EQ_INT(rc, WEIR_ECONFIG, "unsupported override: ECONFIG");
    /* int -> decimal override casts on the server */
    ovr[0].key = "id";
    ovr[0].value = "decimal(10,2)";
    q.filter = NULL;
    rc = scan_all(conn, &q, &r, NULL, &err);
    TAP_OK(rc == WEIR_EDATA || rc == WEIR_OK, "id as decimal(10,2) runs");
    rows_free(&r);
}

static void test_batches(void)
{
    void *conn = open_default("3");
    struct weir_query q = query_table("events");
    static const char *const cols[] = {"id"};
    struct rows r;
    struct weir_error err;
    q.columns = cols;
    q.n_columns = 1;
    if (conn == NULL) {
        TAP_OK(0, "connect with batch_rows 3");
        return;
    }
    int rc = scan_all(conn, &q, &r, NULL, &err);
    TAP_OK(rc == WEIR_OK && r.n == 3 && r.b[0].length == 3 && r.b[1].length == 3 &&
               r.b[2].length == 2,
           "batch_rows 3 over 8 rows: batches of 3, 3, 2");
    rows_free(&r);
    ops->disconnect(conn);
}

static void test_errors(void)
{
    struct weir_error err;
    char port[16];
    snprintf(port, sizeof(port), "%s", getenv("PGPORT") ? getenv("PGPORT") : "5432");
    void *c = open_conn(getenv("PGUSER"), "wrong-Secret-pw", NULL, NULL, &err);
    TAP_OK(c == NULL && err.status == WEIR_EAUTH, "wrong password: WEIR_EAUTH (%d)", err.status);
    TAP_OK(strstr(err.message, getenv("PGHOST")) && strstr(err.message, port),
           "message names host:port: %s", err.message);
    TAP_OK(strncmp(err.detail, "SQLSTATE 28P01: password authentication failed", 46) == 0,
           "detail carries SQLSTATE 28P01 and the server message: %s", err.detail);
    TAP_OK(!strstr(err.message, "wrong-Secret") && !strstr(err.detail, "wrong-Secret") &&
               !strstr(err.hint, "wrong-Secret") && !strstr(logbuf, "wrong-Secret"),
           "the password appears nowhere");
    c = open_conn("no_such_role_weir", "x", NULL, NULL, &err);
    TAP_OK(c == NULL && err.status == WEIR_EAUTH, "unknown role: WEIR_EAUTH (%s)", err.detail);
    c = open_conn(getenv("PGUSER"), getenv("PGPASSWORD"), "port=1", NULL, &err);
    TAP_OK(c == NULL && err.status == WEIR_ETEMPFAIL && strstr(err.message, ":1"),
           "unreachable port: WEIR_ETEMPFAIL naming host:1 (%s)", err.message);
    /* a server that accepts the TCP connection and never answers */
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(sa);
    if (lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 4) == 0 &&
        getsockname(lfd, (struct sockaddr *)&sa, &sl) == 0) {
        char extra[96];
        snprintf(extra, sizeof(extra), "host=127.0.0.1 port=%d connect_timeout=2",
                 ntohs(sa.sin_port));
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        c = open_conn(getenv("PGUSER"), getenv("PGPASSWORD"), extra, NULL, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        TAP_OK(c == NULL && err.status == WEIR_ETEMPFAIL && strstr(err.message, "timed out") &&
                   ms >= 1900 && ms < 6000,
               "silent server: WEIR_ETEMPFAIL after connect_timeout 2 s (%ld ms: %s)", ms,
               err.message);
    } else {
        TAP_OK(0, "listening socket for the timeout test");
    }
    if (lfd >= 0) {
        close(lfd);
    }
    c = open_conn(getenv("PGUSER"), getenv("PGPASSWORD"), "password=hunter2 junk", NULL, &err);
    TAP_OK(c == NULL && err.status == WEIR_ECONFIG && !strstr(err.message, "hunter2") &&
               !strstr(err.detail, "hunter2"),
           "bad conninfo: WEIR_ECONFIG without echoing it (%s)", err.message);
    c = open_conn(getenv("PGUSER"), getenv("PGPASSWORD"), "dbname=no_such_db_weir", NULL, &err);
    TAP_OK(c == NULL && err.status == WEIR_ECONFIG && strstr(err.detail, "3D000"),
           "missing database: WEIR_ECONFIG, SQLSTATE 3D000");
    struct weir_kv bad[2] = {{"connection", conninfo}, {"batch_bytes", "lots"}};
    TAP_EQ_INT(ops->connect(&host, bad, 2, &c, &err), WEIR_ECONFIG, "batch_bytes \"lots\": ECONFIG");

    void *conn = open_default(NULL);
    if (conn == NULL) {
        TAP_OK(0, "connect");
        return;
    }
    struct weir_query q = query_table("no_such_table");
    struct ArrowSchema s;
    int rc = ops->describe(conn, &q, &s, &err);
    TAP_EQ_INT(rc, WEIR_ECONFIG, "missing table: WEIR_ECONFIG");
    TAP_OK(strstr(err.message, "describe ") && strstr(err.message, "no_such_table") &&
               strncmp(err.detail, "SQLSTATE 42P01", 14) == 0 && err.hint[0] != '\0',
           "missing table: operation, SQLSTATE 42P01, hint (%s / %s)", err.message, err.detail);
    q = query_table("events");
    static const char *const cols[] = {"id", "no_such_col"};
    q.columns = cols;
    q.n_columns = 2;
    rc = ops->describe(conn, &q, &s, &err);
    TAP_OK(rc == WEIR_ECONFIG && strncmp(err.detail, "SQLSTATE 42703", 14) == 0 &&
               strstr(err.message, "no_such_col"),
           "unknown column: WEIR_ECONFIG, SQLSTATE 42703 (%s)", err.message);
    static const char *const wm[] = {"nope_wm"};
    q.n_columns = 1;
    q.wm_columns = wm;
    q.n_wm = 1;
    int64_t n;
    rc = ops->count(conn, &q, &n, &err);
    TAP_OK(rc == WEIR_ECONFIG && strstr(err.detail, "42703"), "unknown watermark column: WEIR_ECONFIG");
    q.n_wm = 0;
    q.filter = "1/0 = 1";
    rc = ops->count(conn, &q, &n, &err);
    TAP_OK(rc == WEIR_EDATA && strstr(err.detail, "22012"), "division by zero in filter: EDATA 22012");
    q.filter = "no_such_fn(id)";
    rc = ops->count(conn, &q, &n, &err);
    TAP_OK(rc == WEIR_ECONFIG && strstr(err.detail, "42883"), "unknown function in filter: ECONFIG");
    /* lag on a non-time watermark */
    static const char *const idwm[] = {"id"};
    struct weir_bound out[1];
    char note[128];
    q.filter = NULL;
    q.wm_columns = idwm;
    q.n_wm = 1;
    q.lag_us = 1000000;
    rc = ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    TAP_OK(rc == WEIR_ECONFIG && strstr(err.message, "lag"), "lag on an int watermark: ECONFIG");
    ops->disconnect(conn);
}

static int backend_pid_of(const char *marker)
{
    char buf[256];
    snprintf(buf, sizeof(buf),
             "SELECT pid FROM pg_stat_activity WHERE query LIKE '%%%s%%' AND pid <> "
             "pg_backend_pid()",
             marker);
    for (int tries = 0; tries < 50; tries++) {
        PGresult *r = PQexec(admin, buf);
        int pid = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 0;
        PQclear(r);
        if (pid > 0) {
            return pid;
        }
        usleep(20000);
    }
    return 0;
}

static void test_interrupts(void)
{
    void *conn = open_default("10");
    struct weir_error err;
    char text[256], marker[64];
    if (conn == NULL) {
        TAP_OK(0, "connect");
        return;
    }
    /* a slow query: 1 ms per row, 100 s in all */
    snprintf(marker, sizeof(marker), "weir_live_slow_%d", (int)getpid());
    snprintf(text, sizeof(text),
             "SELECT g AS id FROM generate_series(1, 100000) AS g /* %s */ "
             "WHERE pg_sleep(0.001)::text = ''",
             marker);
    struct weir_query q = {.size = sizeof(q), .sql = text};
    struct ArrowSchema s = {0};
    struct ArrowArray a;
    void *scan = NULL;

    /* cancellation between batches */
    TAP_OK(ops->begin(conn, &err) == WEIR_OK, "begin");
    int rc = ops->scan_open(conn, &q, &s, &scan, &err);
    TAP_OK(rc == WEIR_OK && ops->scan_next(scan, &a, &err) == WEIR_OK && a.length == 10,
           "slow scan: first batch of 10");
    if (a.release) {
        a.release(&a);
    }
    cancel_flag = 1;
    rc = ops->scan_next(scan, &a, &err);
    TAP_EQ_INT(rc, WEIR_ECANCELLED, "cancelled host: WEIR_ECANCELLED");
    cancel_flag = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ops->scan_close(scan);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    TAP_OK(secs < 5.0, "scan_close stops a 100 s COPY at once (%.3f s)", secs);
    s.release(&s);
    TAP_OK(ops->end(conn, &err) == WEIR_OK, "end after a cancelled scan");
    int64_t n = 0;
    struct weir_query q2 = query_table("events");
    TAP_OK(ops->begin(conn, &err) == WEIR_OK && ops->count(conn, &q2, &n, &err) == WEIR_OK && n == 8,
           "the connection works after the cancelled COPY");
    ops->end(conn, &err);

    /* scan_close in the middle without cancellation */
    rc = ops->scan_open(conn, &q, &s, &scan, &err);
    rc = rc == WEIR_OK ? ops->scan_next(scan, &a, &err) : rc;
    if (a.release) {
        a.release(&a);
    }
    ops->scan_close(scan);
    s.release(&s);
    TAP_OK(rc == WEIR_OK && ops->count(conn, &q2, &n, &err) == WEIR_OK && n == 8,
           "scan_close mid-stream leaves the connection usable");

    /* connection loss in the middle of the COPY */
    rc = ops->scan_open(conn, &q, &s, &scan, &err);
    rc = rc == WEIR_OK ? ops->scan_next(scan, &a, &err) : rc;
    if (a.release) {
        a.release(&a);
    }
    int pid = backend_pid_of(marker);
    char kill[128];
    snprintf(kill, sizeof(kill), "SELECT pg_terminate_backend(%d)", pid);
    TAP_OK(rc == WEIR_OK && pid > 0 && sql("%s", kill) == 0, "backend %d terminated mid-COPY", pid);
    int more = 0;
    weir_error_clear(&err);
    do {
        rc = ops->scan_next(scan, &a, &err);
        more = rc == WEIR_OK && a.release != NULL;
        if (more) {
            a.release(&a);
        }
    } while (more);
    TAP_OK(rc == WEIR_ETEMPFAIL, "connection lost mid-COPY: WEIR_ETEMPFAIL (%d: %s / %s)", rc,
           err.message, err.detail);
    TAP_OK(strstr(err.detail, "57P01") != NULL || strstr(err.message, "lost") != NULL,
           "the message says the connection was lost");
    ops->scan_close(scan);
    s.release(&s);
    ops->disconnect(conn);
}

static void test_guards(void)
{
    struct weir_error err;
    void *conn = open_default(NULL);
    static const char *const wm[] = {"updated_at", "id"};
    struct weir_query q = query_table("events");
    struct weir_bound out[2];
    char note[256];
    q.wm_columns = wm;
    q.n_wm = 2;
    if (conn == NULL) {
        TAP_OK(0, "connect");
        return;
    }
    /* a committed row far in the future, and an open writing transaction */
    sql("INSERT INTO %s.events VALUES (9, now() + interval '1 day', 'future')", schema);
    PGconn *w = PQconnectdb(conninfo);
    PGresult *r = PQexec(w, "BEGIN");
    PQclear(r);
    char ins[256];
    snprintf(ins, sizeof(ins), "INSERT INTO %s.events VALUES (10, now(), 'open')", schema);
    r = PQexec(w, ins);
    PQclear(r);
    int wpid = PQbackendPID(w);
    TAP_OK(ops->begin(conn, &err) == WEIR_OK, "begin with a writer open");
    int rc = ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    char want[64];
    snprintf(want, sizeof(want), "(pid %d, started ", wpid);
    TAP_OK(rc == WEIR_OK && strcmp(out[1].text, "8") == 0,
           "open writer holds the bound below its start: id %s", out[1].text);
    TAP_OK(strncmp(note, "oldest open writing transaction (pid ", 37) == 0,
           "note names the writing transaction: %s", note);
    if (strstr(note, want) == NULL) {
        printf("# note names another writer than pid %d (another session of the database)\n", wpid);
    }
    ops->end(conn, &err);
    r = PQexec(w, "COMMIT");
    PQclear(r);
    PQfinish(w);
    ops->begin(conn, &err);
    rc = ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    /* another session of the shared test database may hold a writing
     * transaction of its own: then the guard rightly names that one */
    snprintf(want, sizeof(want), "(pid %d,", wpid);
    int other = strncmp(note, "oldest open writing transaction", 31) == 0 && !strstr(note, want);
    TAP_OK(rc == WEIR_OK && ((strcmp(out[1].text, "9") == 0 && strcmp(note, "max(updated_at, id)") == 0) || other),
           "writer gone: max decides (id %s, %s)", out[1].text, note);
    ops->end(conn, &err);

    /* lag */
    static const char *const at[] = {"at"};
    struct weir_query lq = query_table("lagt");
    lq.wm_columns = at;
    lq.n_wm = 1;
    lq.lag_us = INT64_C(3600000000);
    ops->begin(conn, &err);
    PGresult *t = PQexec(admin, "SELECT 1");
    PQclear(t);
    char want_at[64] = "";
    char lq_sql[256];
    snprintf(lq_sql, sizeof(lq_sql), "SELECT at::text FROM %s.lagt WHERE id = 1", schema);
    sql("SET TimeZone = 'UTC'");
    t = PQexec(admin, lq_sql);
    if (PQntuples(t) == 1) {
        snprintf(want_at, sizeof(want_at), "%s", PQgetvalue(t, 0, 0));
    }
    PQclear(t);
    rc = ops->high_watermark(conn, &lq, out, note, sizeof(note), &err);
    TAP_OK(rc == WEIR_OK && strcmp(out[0].text, want_at) == 0 && strcmp(note, "lag 1h") == 0,
           "lag 1h keeps the row of 10 minutes ago out (%s, %s)", out[0].text, note);
    lq.lag_us = 0;
    rc = ops->high_watermark(conn, &lq, out, note, sizeof(note), &err);
    TAP_OK(rc == WEIR_OK && ((strcmp(out[0].text, want_at) != 0 && strcmp(note, "max(at)") == 0) ||
                             strncmp(note, "oldest open writing transaction", 31) == 0),
           "without lag the newest row decides (%s)", note);
    ops->end(conn, &err);
    ops->disconnect(conn);

    /* a role that cannot see other sessions */
    char role[64];
    snprintf(role, sizeof(role), "weir_live_ro_%d", (int)getpid());
    if (sql("DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN PASSWORD 'ro-pw'; GRANT USAGE ON SCHEMA "
            "%s TO %s; GRANT SELECT ON ALL TABLES IN SCHEMA %s TO %s",
            role, role, schema, role, schema, role) == 0) {
        conn = open_conn(role, "ro-pw", NULL, NULL, &err);
        if (conn != NULL) {
            ops->begin(conn, &err);
            weir_error_clear(&err);
            rc = ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
            snprintf(want, sizeof(want), "pg_stat_activity not visible to role %s", role);
            TAP_OK(rc == WEIR_OK && strstr(note, want) && strstr(note, "lag is the only guard") &&
                       strcmp(out[1].text, "9") == 0,
                   "unprivileged role: note says lag is the only guard (%s%s)", note, err.message);
            TAP_OK(strstr(logbuf, "as weir_live_ro_") && !strstr(logbuf, "ro-pw"),
                   "the role's connection is logged, its password is not");
            ops->end(conn, &err);
            ops->disconnect(conn);
        } else {
            TAP_OK(0, "connect as %s: %s", role, err.message);
        }
        /* no password at all (none in the options, the environment or a file) */
        char *saved = getenv("PGPASSWORD") ? strdup(getenv("PGPASSWORD")) : NULL;
        unsetenv("PGPASSWORD");
        setenv("PGPASSFILE", "/dev/null", 1);
        conn = open_conn(role, NULL, NULL, NULL, &err);
        TAP_OK(conn == NULL && err.status == WEIR_EAUTH && strstr(err.message, "wants a password"),
               "no password for a role that needs one: WEIR_EAUTH (%s)", err.message);
        if (conn != NULL) {
            ops->disconnect(conn);
        }
        if (saved != NULL) {
            setenv("PGPASSWORD", saved, 1);
            free(saved);
        }
        unsetenv("PGPASSFILE");
        sql("DROP OWNED BY %s; DROP ROLE %s", role, role);
    } else {
        TAP_OK(0, "create a role");
    }
}

int main(void)
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
    test_entry(dl);
    snprintf(conninfo, sizeof(conninfo), "host=%s port=%s dbname=%s", pghost,
             getenv("PGPORT") ? getenv("PGPORT") : "5432",
             getenv("PGDATABASE") ? getenv("PGDATABASE") : "postgres");
    snprintf(schema, sizeof(schema), "weir_live_%d", (int)getpid());
    admin = PQconnectdb(conninfo);
    TAP_OK(PQstatus(admin) == CONNECTION_OK, "admin connection");
    if (ops != NULL && PQstatus(admin) == CONNECTION_OK && setup_tables() == 0) {
        void *conn = open_default(NULL);
        TAP_OK(conn != NULL, "connect");
        TAP_OK(strstr(logbuf, "source_connected") != NULL, "connect logged");
        if (conn != NULL) {
            test_describe(conn);
            test_scan_all_types(conn);
            test_windows(conn);
            test_quotes(conn);
            test_numeric(conn);
            ops->disconnect(conn);
        }
        test_batches();
        test_errors();
        test_interrupts();
        test_guards();
    } else {
        TAP_OK(0, "setup");
    }
    sql("DROP SCHEMA IF EXISTS %s CASCADE", schema);
    PQfinish(admin);
    dlclose(dl);
    return tap_done();
}
