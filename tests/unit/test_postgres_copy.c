/*
 * The binary COPY parser on bytes captured from PostgreSQL 15
 * (tests/fixtures/pg/<name>.bin, produced by <name>.sql through capture.sh):
 * every decoded value compared with what the server printed, chunked input,
 * batch bounds, and malformed streams.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/postgres/pgcopy.h"
#include "drivers/postgres/pgtypes.h"
#include "tap.h"
#include "test_env.h"
#include "util/arrow.h"

static uint8_t *load(const char *name, size_t *len)
{
    char path[1024];
    const char *src = getenv("WEIR_SRCDIR");
    snprintf(path, sizeof(path), "%s/tests/fixtures/pg/%s", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        printf("# cannot open %s\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* The columns of types.sql as the driver maps them: name, typsend, typmod. */
static const struct {
    const char *name;
    const char *send;
    int32_t typmod;
    const char *format;
} types_cols[] = {
    {"id", "int4send", -1, "i"},
    {"b", "boolsend", -1, "b"},
    {"i2", "int2send", -1, "s"},
    {"i4", "int4send", -1, "i"},
    {"i8", "int8send", -1, "l"},
    {"o", "oidsend", -1, "l"},
    {"f4", "float4send", -1, "f"},
    {"f8", "float8send", -1, "g"},
    {"n", "numeric_send", (19 << 16 | 5) + 4, "d:19,5"},
    {"t", "textsend", -1, "u"},
    {"by", "byteasend", -1, "z"},
    {"d", "date_send", -1, "tdD"},
    {"tm", "time_send", -1, "ttu"},
    {"ts", "timestamp_send", -1, "tsu:"},
    {"tstz", "timestamptz_send", -1, "tsu:UTC"},
    {"u", "uuid_send", -1, "w:16"},
    {"j", "json_send", -1, "u"},
    {"jb", "jsonb_send", -1, "u"},
    {"vc", "varcharsend", 14, "u"},
    {"bc", "bpcharsend", 7, "u"},
    {"iv", "textsend", -1, "u"},
    {"arr", "textsend", -1, "u"},
};
#define NTYPES (sizeof(types_cols) / sizeof(types_cols[0]))

struct fixture {
    struct weir_pgcol cols[32];
    struct weir_abatch batch;
    struct weir_pgcopy parser;
};

static int setup(struct fixture *f, size_t n, int64_t rows, size_t bytes)
{
    struct weir_error err;
    memset(f, 0, sizeof(*f));
    if (weir_abatch_init(&f->batch, (int64_t)n, &err) != WEIR_OK) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct weir_pgmap m;
        if (weir_pgtypes_map(types_cols[i].name, types_cols[i].send, types_cols[i].typmod, NULL, &m,
                             &err) != WEIR_OK ||
            strcmp(m.format, types_cols[i].format) != 0) {
            printf("# mapping of %s gave %s\n", types_cols[i].name, m.format);
            return -1;
        }
        f->cols[i].name = types_cols[i].name;
        f->cols[i].dec = m.dec;
        f->cols[i].precision = m.precision;
        f->cols[i].scale = m.scale;
        if (weir_abatch_set_column(&f->batch, (int64_t)i, types_cols[i].name, m.format, NULL, 0,
                                   &err) != WEIR_OK) {
            return -1;
        }
    }
    weir_pgcopy_init(&f->parser, f->cols, n, rows, bytes);
    return 0;
}

static void teardown(struct fixture *f)
{
    weir_pgcopy_reset(&f->parser);
    weir_abatch_reset(&f->batch);
}

/* Feeds data in chunks of `step` bytes (0: all at once) into one batch. */
static int feed_all(struct fixture *f, const uint8_t *d, size_t len, size_t step,
                    struct weir_error *err)
{
    size_t off = 0;
    while (off < len) {
        size_t n = step == 0 || len - off < step ? len - off : step, used = 0;
        int rc = weir_pgcopy_feed(&f->parser, d + off, n, &f->batch, &used, err);
        if (rc != WEIR_OK) {
            return rc;
        }
        off += used;
    }
    return weir_pgcopy_finish(&f->parser, err);
}

static const struct ArrowArray *kid(const struct ArrowArray *a, int i)
{
    return a->children[i];
}
static int64_t i64(const struct ArrowArray *a, int col, int row)
{
    int64_t v;
    memcpy(&v, (const uint8_t *)kid(a, col)->buffers[1] + 8 * row, 8);
    return v;
}
static int32_t i32(const struct ArrowArray *a, int col, int row)
{
    int32_t v;
    memcpy(&v, (const uint8_t *)kid(a, col)->buffers[1] + 4 * row, 4);
    return v;
}
static int16_t i16(const struct ArrowArray *a, int col, int row)
{
    int16_t v;
    memcpy(&v, (const uint8_t *)kid(a, col)->buffers[1] + 2 * row, 2);
    return v;
}
static uint32_t bits32(const struct ArrowArray *a, int col, int row)
{
    return (uint32_t)i32(a, col, row);
}
static uint64_t bits64(const struct ArrowArray *a, int col, int row)
{
    return (uint64_t)i64(a, col, row);
}
static int isnull(const struct ArrowArray *a, int col, int row)
{
    return weir_arrow_is_null(kid(a, col), row);
}
static int boolv(const struct ArrowArray *a, int col, int row)
{
    return weir_arrow_bit(kid(a, col)->buffers[1], row);
}
/* The var-size value as a NUL-terminated copy in buf (binary-safe length in *n). */
static const char *var(const struct ArrowArray *a, int col, int row, char *buf, size_t cap,
                       size_t *n)
{
    const int32_t *off = kid(a, col)->buffers[1];
    const char *data = kid(a, col)->buffers[2];
    size_t len = (size_t)(off[row + 1] - off[row]);
    if (len >= cap) {
        len = cap - 1;
    }
    memcpy(buf, data + off[row], len);
    buf[len] = '\0';
    if (n != NULL) {
        *n = len;
    }
    return buf;
}
static const uint8_t *fixed(const struct ArrowArray *a, int col, int row, size_t width)
{
    return (const uint8_t *)kid(a, col)->buffers[1] + width * (size_t)row;
}

/* Same values and validity in two columns of the same format. */
static int column_equal(const struct ArrowArray *x, const struct ArrowArray *y, const char *format)
{
    int width = 0;
    int layout = weir_arrow_layout(format, &width);
    int64_t n = x->length;
    if (n != y->length || x->null_count != y->null_count) {
        return 0;
    }
    for (int64_t i = 0; i < n; i++) {
        if (weir_arrow_is_null(x, i) != weir_arrow_is_null(y, i)) {
            return 0;
        }
    }
    if (layout == WEIR_ACOL_BOOL) {
        for (int64_t i = 0; i < n; i++) {
            if (weir_arrow_bit(x->buffers[1], i) != weir_arrow_bit(y->buffers[1], i)) {
                return 0;
            }
        }
        return 1;
    }
    if (layout == WEIR_ACOL_FIXED) {
        return memcmp(x->buffers[1], y->buffers[1], (size_t)(n * width)) == 0;
    }
    const int32_t *ox = x->buffers[1], *oy = y->buffers[1];
    return memcmp(ox, oy, (size_t)(n + 1) * 4) == 0 &&
           memcmp(x->buffers[2], y->buffers[2], (size_t)ox[n]) == 0;
}

enum {
    C_ID,
    C_B,
    C_I2,
    C_I4,
    C_I8,
    C_O,
    C_F4,
    C_F8,
    C_N,
    C_T,
    C_BY,
    C_D,
    C_TM,
    C_TS,
    C_TSTZ,
    C_U,
    C_J,
    C_JB,
    C_VC,
    C_BC,
    C_IV,
    C_ARR
};

static void check_types_batch(const struct ArrowArray *a)
{
    char buf[256], d[64];
    size_t n;
    TAP_EQ_INT(a->length, 7, "types: 7 rows");
    TAP_EQ_INT(a->n_children, (int64_t)NTYPES, "types: 22 columns");
    for (int r = 0; r < 7; r++) {
        TAP_EQ_INT(i32(a, C_ID, r), r + 1, "types: id column in order");
    }
    /* row 1 */
    TAP_OK(boolv(a, C_B, 0) == 1 && boolv(a, C_B, 1) == 0, "bool true / false");
    TAP_EQ_INT(i16(a, C_I2, 0), 32767, "int2 max");
    TAP_EQ_INT(i16(a, C_I2, 1), -32768, "int2 min");
    TAP_EQ_INT(i32(a, C_I4, 0), 2147483647, "int4 max");
    TAP_EQ_INT(i32(a, C_I4, 1), INT32_MIN, "int4 min");
    TAP_OK(i64(a, C_I8, 0) == INT64_MAX, "int8 max");
    TAP_OK(i64(a, C_I8, 1) == INT64_MIN, "int8 min");
    TAP_EQ_INT(i64(a, C_O, 0), 4294967295LL, "oid 4294967295 as int64");
    TAP_EQ_INT(i64(a, C_O, 1), 0, "oid 0");
    TAP_EQ_INT(bits32(a, C_F4, 0), 0x3fc00000u, "float4 1.5 bits");
    TAP_EQ_INT(bits32(a, C_F4, 1), 0xff800000u, "float4 -Infinity bits");
    TAP_EQ_INT(bits32(a, C_F4, 3), 0x7f800000u, "float4 Infinity bits");
    TAP_EQ_INT(bits32(a, C_F4, 4), 0x00800000u, "float4 smallest normal bits");
    TAP_OK(bits64(a, C_F8, 0) == 0x400921fb54442d18ull, "float8 pi bits");
    TAP_OK(bits64(a, C_F8, 1) == 0x7ff8000000000000ull, "float8 NaN bits (PostgreSQL's)");
    TAP_OK(bits64(a, C_F8, 3) == 0x8000000000000000ull, "float8 -0 keeps its sign");
    TAP_OK(bits64(a, C_F8, 4) == 0x0010000000000000ull, "float8 smallest normal bits");
    TAP_EQ_STR(dec128(fixed(a, C_N, 0, 16), d, sizeof(d)), "1234567890123456789",
               "numeric(19,5) 12345678901234.56789");
    TAP_EQ_STR(dec128(fixed(a, C_N, 1, 16), d, sizeof(d)), "-1", "numeric(19,5) -0.00001");
    TAP_EQ_STR(dec128(fixed(a, C_N, 3, 16), d, sizeof(d)), "0", "numeric(19,5) 0");
    TAP_EQ_STR(dec128(fixed(a, C_N, 4, 16), d, sizeof(d)), "9999999999999999999",
               "numeric(19,5) 99999999999999.99999");
    TAP_EQ_STR(var(a, C_T, 0, buf, sizeof(buf), NULL), "plain", "text");
    TAP_EQ_STR(var(a, C_T, 1, buf, sizeof(buf), NULL),
               "Gr\xc3\xbc\xc3\x9f"
               "e, \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x8e\x89",
               "multibyte text (UTF-8 bytes)");
    TAP_EQ_STR(var(a, C_T, 3, buf, sizeof(buf), NULL), "tab\there\nnewline 'quote' \\backslash",
               "text with tab, newline, quotes, backslash");
    var(a, C_BY, 0, buf, sizeof(buf), &n);
    TAP_OK(n == 5 && memcmp(buf, "\x00\x01\x02\xff\x00", 5) == 0, "bytea with zero bytes");
    var(a, C_BY, 1, buf, sizeof(buf), &n);
    TAP_OK(n == 0 && !isnull(a, C_BY, 1), "empty bytea is not NULL");
    var(a, C_BY, 4, buf, sizeof(buf), &n);
    TAP_OK(n == 4 && memcmp(buf, "\xde\xad\xbe\xef", 4) == 0, "bytea deadbeef");
    TAP_EQ_INT(i32(a, C_D, 0), 19782, "date 2024-02-29");
    TAP_EQ_INT(i32(a, C_D, 1), -1, "date 1969-12-31");
    TAP_EQ_INT(i32(a, C_D, 3), WEIR_PG_DATE_MAX, "date infinity clamped to 9999-12-31");
    TAP_EQ_INT(i32(a, C_D, 4), WEIR_PG_DATE_MIN, "date -infinity clamped to 0001-01-01");
    TAP_EQ_INT(i32(a, C_D, 5), -2440588, "date 4714-11-24 BC");
    TAP_EQ_INT(i32(a, C_D, 6), 2145042905, "date 5874897-12-31");
    TAP_OK(i64(a, C_TM, 0) == 86399999999LL, "time 23:59:59.999999");
    TAP_OK(i64(a, C_TM, 3) == 86400000000LL, "time 24:00:00");
    TAP_OK(i64(a, C_TM, 5) == 1, "time 00:00:00.000001");
    TAP_OK(i64(a, C_TS, 0) == 1709210096789012LL, "timestamp 2024-02-29 12:34:56.789012");
    TAP_OK(i64(a, C_TS, 1) == -2208988800000000LL, "timestamp 1900-01-01 (before 1970)");
    TAP_OK(i64(a, C_TS, 3) == WEIR_PG_TS_MAX, "timestamp infinity clamped");
    TAP_OK(i64(a, C_TS, 4) == WEIR_PG_TS_MIN, "timestamp -infinity clamped");
    TAP_OK(i64(a, C_TS, 5) == -62135596800000000LL, "timestamp 0001-01-01");
    TAP_OK(i64(a, C_TS, 6) == -210866803200000000LL, "timestamp 4714-11-24 BC");
    TAP_OK(i64(a, C_TSTZ, 0) == 1709202896789012LL, "timestamptz +02 is the instant in UTC");
    TAP_OK(i64(a, C_TSTZ, 1) == 5693328000000001LL,
           "timestamptz 2150-06-01 00:00:00.000001 (after 2100)");
    TAP_OK(i64(a, C_TSTZ, 3) == WEIR_PG_TS_MIN, "timestamptz -infinity clamped");
    TAP_OK(i64(a, C_TSTZ, 4) == WEIR_PG_TS_MAX, "timestamptz infinity clamped");
    TAP_OK(i64(a, C_TSTZ, 5) == 253402300799999999LL, "timestamptz 9999-12-31 23:59:59.999999");
    TAP_OK(i64(a, C_TSTZ, 6) == 9223371244799999999LL, "timestamptz 294246-12-31 23:59:59.999999");
    TAP_EQ_MEM(fixed(a, C_U, 0, 16),
               "\xa0\xee\xbc\x99\x9c\x0b\x4e\xf8\xbb\x6d\x6b\xb9\xbd\x38\x0a\x11", 16,
               "uuid bytes in order");
    TAP_EQ_MEM(fixed(a, C_U, 4, 16),
               "\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef", 16,
               "uuid 01234567-89ab-cdef-...");
    TAP_EQ_STR(var(a, C_J, 0, buf, sizeof(buf), NULL), "{\"a\": 1}", "json kept as typed");
    TAP_EQ_STR(var(a, C_J, 3, buf, sizeof(buf), NULL), "\"\\u00e9\"", "json keeps its escapes");
    TAP_EQ_STR(var(a, C_JB, 0, buf, sizeof(buf), NULL), "{\"b\": [1, 2]}",
               "jsonb without version byte");
    TAP_EQ_STR(var(a, C_JB, 1, buf, sizeof(buf), NULL), "null", "jsonb null");
    TAP_EQ_STR(var(a, C_JB, 3, buf, sizeof(buf), NULL), "{\"a\": {}, \"k\": \"\xc3\xa9\"}",
               "jsonb normalised by the server");
    TAP_EQ_STR(var(a, C_VC, 0, buf, sizeof(buf), NULL), "abc", "varchar");
    TAP_EQ_STR(var(a, C_BC, 0, buf, sizeof(buf), NULL), "x  ", "char(3) keeps its padding");
    TAP_EQ_STR(var(a, C_IV, 0, buf, sizeof(buf), NULL), "P1Y2M3DT4H5M6.5S",
               "interval as ISO 8601 text");
    TAP_EQ_STR(var(a, C_ARR, 0, buf, sizeof(buf), NULL), "{1,NULL,3}", "array as text");
    TAP_EQ_STR(var(a, C_ARR, 3, buf, sizeof(buf), NULL), "{{1,2},{3,4}}", "2-D array as text");
    int all_null = 1;
    for (int c = 1; c < (int)NTYPES; c++) {
        all_null = all_null && isnull(a, c, 2);
    }
    TAP_OK(all_null, "row 3: every column NULL");
    TAP_EQ_INT(kid(a, C_B)->null_count, 1, "bool column null_count 1");
    TAP_OK(!isnull(a, C_T, 1) && !isnull(a, C_VC, 1), "empty strings are not NULL");
    TAP_EQ_STR(var(a, C_VC, 1, buf, sizeof(buf), NULL), "", "empty varchar");
}

static void test_types(void)
{
    size_t len = 0;
    uint8_t *bin = load("types.bin", &len);
    struct fixture f;
    struct weir_error err;
    struct ArrowArray whole = {0};
    TAP_OK(bin != NULL, "types.bin loaded");
    if (bin == NULL || setup(&f, NTYPES, 1000, (size_t)1 << 30) != 0) {
        TAP_OK(0, "types fixture setup");
        free(bin);
        return;
    }
    int rc = feed_all(&f, bin, len, 0, &err);
    TAP_EQ_INT(rc, WEIR_OK, "types.bin parses in one piece");
    if (rc != WEIR_OK) {
        printf("# %s / %s\n", err.message, err.detail);
    }
    TAP_EQ_INT(f.cols[C_D].clamped, 2, "two infinite dates counted");
    TAP_EQ_INT(f.cols[C_TS].clamped, 2, "two infinite timestamps counted");
    TAP_EQ_INT(f.cols[C_TSTZ].clamped, 2, "two infinite timestamptz counted");
    TAP_EQ_INT(f.parser.rows, 7, "7 rows decoded");
    TAP_OK(rc == WEIR_OK && weir_abatch_finish(&f.batch, &whole, &err) == WEIR_OK,
           "batch finished");
    if (whole.release == NULL || whole.length != 7) {
        teardown(&f);
        free(bin);
        return;
    }
    check_types_batch(&whole);
    teardown(&f);

    /* The same bytes split at every chunk size decode to identical buffers. */
    static const size_t steps[] = {1, 2, 3, 7, 19, 64, 500};
    for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
        struct ArrowArray a = {0};
        int same = setup(&f, NTYPES, 1000, (size_t)1 << 30) == 0 &&
                   feed_all(&f, bin, len, steps[s], &err) == WEIR_OK &&
                   weir_abatch_finish(&f.batch, &a, &err) == WEIR_OK && a.length == 7;
        for (int c = 0; same && c < (int)NTYPES; c++) {
            same = column_equal(kid(&a, c), kid(&whole, c), types_cols[c].format);
        }
        TAP_OK(same, "types.bin fed in %zu-byte chunks decodes the same", steps[s]);
        if (a.release) {
            a.release(&a);
        }
        teardown(&f);
    }

    /* batch_rows 3: batches of 3, 3 and 1 rows */
    setup(&f, NTYPES, 3, (size_t)1 << 30);
    size_t off = 0;
    int sizes[4] = {0}, nb = 0;
    while (nb < 4) {
        size_t used = 0;
        if (weir_pgcopy_feed(&f.parser, bin + off, len - off, &f.batch, &used, &err) != WEIR_OK) {
            break;
        }
        off += used;
        if (f.batch.length == 0 && off == len) {
            break;
        }
        struct ArrowArray a = {0};
        weir_abatch_finish(&f.batch, &a, &err);
        sizes[nb++] = (int)a.length;
        if (nb == 3) {
            TAP_EQ_INT(i32(&a, C_ID, 0), 7, "third batch starts at id 7");
        }
        a.release(&a);
    }
    TAP_OK(nb == 3 && sizes[0] == 3 && sizes[1] == 3 && sizes[2] == 1,
           "batch_rows 3 gives batches of 3, 3, 1 (got %d: %d %d %d)", nb, sizes[0], sizes[1],
           sizes[2]);
    TAP_OK(weir_pgcopy_done(&f.parser), "stream done after the trailer");
    teardown(&f);

    /* batch_bytes 1: every batch holds exactly one row however wide */
    setup(&f, NTYPES, 1000, 1);
    size_t used = 0;
    weir_pgcopy_feed(&f.parser, bin, len, &f.batch, &used, &err);
    TAP_OK(f.batch.length == 1 && used < len, "batch_bytes 1 stops after one row");
    teardown(&f);

    if (whole.release) {
        whole.release(&whole);
    }
    free(bin);
}

static int parse_bytes(const uint8_t *d, size_t len, size_t ncols, struct weir_error *err)
{
    struct fixture f;
    if (setup(&f, ncols, 1000, (size_t)1 << 30) != 0) {
        return -1;
    }
    int rc = feed_all(&f, d, len, 0, err);
    teardown(&f);
    return rc;
}

static void test_malformed(void)
{
    size_t len = 0;
    uint8_t *bin = load("types.bin", &len);
    struct weir_error err;
    if (bin == NULL) {
        TAP_OK(0, "types.bin loaded");
        return;
    }
    uint8_t *copy = malloc(len + 8);
    memcpy(copy, bin, len);

    TAP_EQ_INT(parse_bytes(bin, len - 2, NTYPES, &err), WEIR_EDATA, "missing trailer: EDATA");
    TAP_OK(strstr(err.message, "truncated binary COPY stream after row 7") != NULL,
           "missing trailer message: %s", err.message);
    TAP_EQ_INT(parse_bytes(bin, len - 40, NTYPES, &err), WEIR_EDATA, "cut inside a row: EDATA");
    TAP_OK(strstr(err.message, "truncated") != NULL && strstr(err.detail, "incomplete row"),
           "cut inside a row names it: %s / %s", err.message, err.detail);
    TAP_EQ_INT(parse_bytes(bin, 15, NTYPES, &err), WEIR_EDATA, "cut inside the header: EDATA");
    TAP_OK(strstr(err.message, "incomplete header") != NULL, "header cut: %s", err.message);

    copy[5] = 'X';
    TAP_EQ_INT(parse_bytes(copy, len, NTYPES, &err), WEIR_EDATA, "bad signature: EDATA");
    TAP_OK(strstr(err.message, "bad signature") != NULL, "bad signature message: %s", err.message);
    memcpy(copy, bin, len);
    copy[6] = '\r'; /* text-mode newline translation */
    TAP_EQ_INT(parse_bytes(copy, 8, NTYPES, &err), WEIR_EDATA, "mangled newline caught early");
    memcpy(copy, bin, len);

    TAP_EQ_INT(parse_bytes(bin, len, NTYPES - 1, &err), WEIR_EDATA, "wrong field count: EDATA");
    TAP_OK(strstr(err.message, "row 1: binary COPY tuple has 22 fields, expected 21") != NULL,
           "field count message: %s", err.message);

    copy[12] = 0x01; /* flags bit 16: OIDs included */
    TAP_EQ_INT(parse_bytes(copy, len, NTYPES, &err), WEIR_EDATA, "OID flag: EDATA");
    copy[12] = 0x00;
    copy[11] = 0x80; /* bit 31: an unknown critical flag */
    TAP_EQ_INT(parse_bytes(copy, len, NTYPES, &err), WEIR_EDATA, "unknown critical flag: EDATA");
    memcpy(copy, bin, len);

    memcpy(copy + len, "\x00", 1);
    TAP_EQ_INT(parse_bytes(copy, len + 1, NTYPES, &err), WEIR_EDATA, "byte after trailer: EDATA");
    TAP_OK(strstr(err.message, "after its end marker") != NULL, "trailing bytes: %s", err.message);

    /* an int4 field where the plan expects int8 */
    {
        struct fixture f;
        size_t used;
        setup(&f, NTYPES, 1000, (size_t)1 << 30);
        f.cols[C_ID].dec = WEIR_PGDEC_I64;
        TAP_EQ_INT(weir_pgcopy_feed(&f.parser, bin, len, &f.batch, &used, &err), WEIR_EDATA,
                   "int4 bytes for an int8 column: EDATA");
        TAP_EQ_STR(err.message, "row 1, column \"id\": field has the wrong length for its type",
                   "wrong width names row and column");
        TAP_EQ_STR(err.detail, "binary COPY field of 4 bytes, expected 8", "wrong width detail");
        teardown(&f);
    }
    copy[19 + 2 + 3] = 4;
    copy[19 + 2] = 0xff;
    copy[19 + 2 + 3] = 0xfe; /* length -2 */
    TAP_EQ_INT(parse_bytes(copy, len, NTYPES, &err), WEIR_EDATA, "negative field length: EDATA");
    memcpy(copy, bin, len);

    /* header extension longer than the data: incomplete, then truncated */
    copy[15] = 0x00;
    copy[16] = 0x00;
    copy[17] = 0x10;
    TAP_EQ_INT(parse_bytes(copy, len, NTYPES, &err), WEIR_EDATA, "header extension past the end");
    memcpy(copy, bin, len);

    /* an unknown jsonb version byte: find the first jsonb field of row 1 */
    {
        struct fixture f;
        setup(&f, NTYPES, 1000, (size_t)1 << 30);
        /* walk row 1 to the jb field */
        size_t off = 19 + 2;
        for (int c = 0; c < C_JB; c++) {
            int32_t fl = (int32_t)((uint32_t)copy[off] << 24 | (uint32_t)copy[off + 1] << 16 |
                                   (uint32_t)copy[off + 2] << 8 | copy[off + 3]);
            off += 4 + (fl > 0 ? (size_t)fl : 0);
        }
        copy[off + 4] = 2;
        size_t used;
        int rc = weir_pgcopy_feed(&f.parser, copy, len, &f.batch, &used, &err);
        TAP_EQ_INT(rc, WEIR_EDATA, "jsonb version 2: EDATA");
        TAP_OK(strstr(err.message, "column \"jb\"") != NULL, "jsonb message: %s", err.message);
        teardown(&f);
        memcpy(copy, bin, len);
    }
    free(copy);
    free(bin);
}

static void test_small_fixtures(void)
{
    size_t len = 0;
    struct weir_error err;
    struct fixture f;
    uint8_t *bin = load("empty.bin", &len);
    TAP_OK(bin != NULL && len == 21, "empty.bin is header + trailer");
    setup(&f, 2, 1000, 1 << 20);
    TAP_EQ_INT(feed_all(&f, bin, len, 0, &err), WEIR_OK, "empty stream parses");
    TAP_OK(f.batch.length == 0 && weir_pgcopy_done(&f.parser), "empty stream: 0 rows, done");
    teardown(&f);
    free(bin);

    bin = load("ts_overflow.bin", &len);
    struct weir_pgcol cols[2] = {{"id", WEIR_PGDEC_I32, 0, 0, 0, 0},
                                 {"ts", WEIR_PGDEC_TIMESTAMP, 0, 0, 0, 0}};
    struct weir_abatch b;
    struct weir_pgcopy p;
    weir_abatch_init(&b, 2, &err);
    weir_abatch_set_column(&b, 0, "id", "i", NULL, 0, &err);
    weir_abatch_set_column(&b, 1, "ts", "tsu:", NULL, 0, &err);
    weir_pgcopy_init(&p, cols, 2, 1000, 1 << 20);
    size_t used = 0;
    int rc = bin ? weir_pgcopy_feed(&p, bin, len, &b, &used, &err) : -1;
    TAP_EQ_INT(rc, WEIR_EDATA, "timestamp after 294247: EDATA");
    TAP_OK(strstr(err.message, "row 2, column \"ts\"") != NULL &&
               strstr(err.message, "out of range"),
           "overflow names row 2 and the column: %s", err.message);
    weir_pgcopy_reset(&p);
    weir_abatch_reset(&b);
    free(bin);

    /* numeric.bin through the parser at the default decimal(38,10): row 8
     * (1e28) is the first value that does not fit */
    bin = load("numeric.bin", &len);
    struct weir_pgcol nc[1] = {{"v", WEIR_PGDEC_NUMERIC, 38, 10, 0, 0}};
    weir_abatch_init(&b, 1, &err);
    weir_abatch_set_column(&b, 0, "v", "d:38,10", NULL, 0, &err);
    weir_pgcopy_init(&p, nc, 1, 1000, 1 << 20);
    rc = bin ? weir_pgcopy_feed(&p, bin, len, &b, &used, &err) : -1;
    TAP_EQ_INT(rc, WEIR_EDATA, "numeric 1e28 into decimal(38,10): EDATA");
    TAP_EQ_STR(err.message,
               "row 8, column \"v\": numeric value 10000000000000000000000000000 is out of "
               "range for decimal(38,10)",
               "numeric error names row, column, value and target");
    TAP_OK(err.hint[0] != '\0', "numeric error has a hint");
    TAP_EQ_INT(p.rows, 7, "7 rows decoded before the bad one");
    weir_pgcopy_reset(&p);
    weir_abatch_reset(&b);
    free(bin);
}

int main(void)
{
    test_types();
    test_malformed();
    test_small_fixtures();
    return tap_done();
}
