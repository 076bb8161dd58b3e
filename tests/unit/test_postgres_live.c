/*
 * The postgres source plugin against a real PostgreSQL (scripts/services
 * start pg; PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE set): the entry
 * point, describe, every value of every type, windows, quoted bounds and the
 * numeric rules. Without PGHOST it reports "# SKIP no server".
 * test_postgres_live_errors.c covers errors, cancellation and the guards.
 */
#include "test_postgres_live.h"

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
        secret |=
            strcmp(d.options[i].name, "password") == 0 && (d.options[i].flags & WEIR_OPT_SECRET);
        rows |= strcmp(d.options[i].name, "batch_rows") == 0 &&
                strcmp(d.options[i].default_value, "65536") == 0;
        bytes |= strcmp(d.options[i].name, "batch_bytes") == 0 &&
                 strcmp(d.options[i].default_value, "64MiB") == 0;
    }
    TAP_OK(secret && rows && bytes,
           "options: password secret, batch_rows 65536, batch_bytes 64MiB");
    ops = d.source;
    TAP_OK(dlsym(dl, "weir_pg_connect") == NULL && dlsym(dl, "weir_abatch_init") == NULL,
           "internal symbols are hidden");
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
    {"arr", "+l", "integer[]", NULL},
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
enum {
    A_ID,
    A_B,
    A_I2,
    A_I8,
    A_O,
    A_F4,
    A_F8,
    A_N,
    A_NU,
    A_T,
    A_VC,
    A_BC,
    A_NM,
    A_CI,
    A_BY,
    A_D,
    A_TM,
    A_TS,
    A_TSTZ,
    A_U,
    A_J,
    A_JB,
    A_IV,
    A_ARR,
    A_TTZ,
    A_MO,
    A_IP,
    A_E,
    A_R,
    A_BT,
    A_DM,
    A_MIXED,
    A_UPD
};

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
        TAP_OK(strcmp(c->name, all_types[i].name) == 0 &&
                   strcmp(c->format, all_types[i].format) == 0 && st_ok && ext_ok &&
                   (c->flags & ARROW_FLAG_NULLABLE),
               "describe %s: %s, source type %s, extension %s", all_types[i].name, c->format, st,
               e);
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
    TAP_OK(get_dec(col(&r, A_N), 0) == 123456789012LL &&
               get_dec(col(&r, A_N), 2) == -999999999999LL,
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
    {
        /* int[] as a list of int32: {1,2,NULL} */
        const struct ArrowArray *l = col(&r, A_ARR);
        const int32_t *off = l->buffers[1];
        const struct ArrowArray *e = l->n_children == 1 ? l->children[0] : NULL;
        TAP_OK(e != NULL && off[1] - off[0] == 3 && get_i32(e, off[0]) == 1 &&
                   get_i32(e, off[0] + 1) == 2 && weir_arrow_is_null(e, off[0] + 2),
               "int[] as a list of int32 with a NULL element");
    }
    TAP_EQ_STR(get_str(col(&r, A_TTZ), 0, s, sizeof(s)), "10:00:00+02", "timetz as text");
    TAP_EQ_STR(get_str(col(&r, A_TTZ), 2, s, sizeof(s)), "00:00:00-05:30", "timetz -05:30");
    TAP_EQ_STR(get_str(col(&r, A_MO), 0, s, sizeof(s)), "$12.34", "money as text");
    TAP_EQ_STR(get_str(col(&r, A_IP), 0, s, sizeof(s)), "192.168.0.1/24", "inet as text");
    TAP_EQ_STR(get_str(col(&r, A_E), 0, s, sizeof(s)), "happy", "enum as text");
    TAP_EQ_STR(get_str(col(&r, A_R), 0, s, sizeof(s)), "[1,5)", "range as text");
    TAP_EQ_STR(get_str(col(&r, A_R), 2, s, sizeof(s)), "empty", "empty range as text");
    TAP_EQ_STR(get_str(col(&r, A_BT), 0, s, sizeof(s)), "1010", "bit(4) as text");
    TAP_EQ_INT(get_i32(col(&r, A_DM), 0), 7, "domain over int4 as int32");
    TAP_EQ_STR(get_str(col(&r, A_MIXED), 3, s, sizeof(s)), "a \"q\"",
               "column with quotes in its name");
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
    TAP_EQ_INT(ops->render_sql(conn, &q, buf, 40, &err), WEIR_ENOMEM,
               "render_sql: small buffer refused");

    TAP_OK(ops->begin(conn, &err) == WEIR_OK, "begin");
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 2, "count (T1,2) < wm <= (T2,4): 2");
    TAP_OK(scan_all(conn, &q, &r, NULL, &err) == WEIR_OK, "scan the window");
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "3,4",
               "window (T1,2)..(T2,4] holds ids 3,4 (ties split by id)");
    rows_free(&r);

    strcpy(low[1].text, "1");
    strcpy(high[1].text, "5");
    scan_all(conn, &q, &r, NULL, &err);
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "2,3,4,5", "window (T1,1)..(T2,5]");
    rows_free(&r);

    /* include_nulls (full snapshot): the window plus the NULL watermarks */
    q.include_nulls = 1;
    scan_all(conn, &q, &r, NULL, &err);
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "2,3,4,5,7",
               "include_nulls: window (T1,1)..(T2,5] or NULL");
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
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "3,4,5,6",
               "low_inclusive: updated_at >= T2, second bound ignored");
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
    TAP_OK(rc == WEIR_OK && !out[0].present && !out[1].present,
           "high_watermark of an empty window: absent");
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
    TAP_EQ_INT(ops->render_sql(conn, &sq, buf, sizeof(buf), &err), WEIR_OK,
               "render_sql of a query");
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
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 4,
           "bound a''b\\\\ (quotes and backslashes): 4 rows");
    strcpy(low[0].text, "a");
    q.high = high;
    scan_all(conn, &q, &r, NULL, &err);
    TAP_EQ_STR(ids(&r, buf, sizeof(buf)), "2,3,4", "a < k <= a\\b (E'' literal)");
    rows_free(&r);
    strcpy(low[0].text, "'); DROP TABLE x; --");
    q.high = NULL;
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 6,
           "injection-shaped bound counts as text");
    struct weir_bound out[1];
    char note[128];
    q.low = NULL;
    TAP_OK(ops->high_watermark(conn, &q, out, note, sizeof(note), &err) == WEIR_OK &&
               strcmp(out[0].text, "x' OR '1'='1") == 0,
           "high_watermark returns the quoted value verbatim");
    q.low = out;
    TAP_OK(ops->count(conn, &q, &n, &err) == WEIR_OK && n == 0,
           "that value as the next low: 0 rows");
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
    TAP_EQ_INT(rc, WEIR_EDATA,
               "numeric with 11 fractional digits at the default decimal(38,10): EDATA");
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
    TAP_OK(rc == WEIR_EDATA && strstr(err.message, "NaN"), "NaN into a decimal: EDATA (%s)",
           err.message);
    rows_free(&r);
    ovr[0].key = "nope";
    rc = scan_all(conn, &q, &r, NULL, &err);
    TAP_OK(rc == WEIR_ECONFIG && strstr(err.message, "\"nope\""),
           "override of an unknown column: ECONFIG");
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

static void run(void *dl)
{
    test_entry(dl);
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
}

int main(void)
{
    return live_main(run);
}
