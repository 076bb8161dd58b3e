/* Test rows for the ORC writer (see orc_testdata.h). */
#include "orc_testdata.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arrow.h"

enum {
    C_B, C_I8, C_I16, C_I32, C_I64, C_U8, C_U16, C_U32, C_F32, C_F64, C_DEC, C_DEC9, C_TXT,
    C_CAT, C_JSON, C_BIN, C_FIX, C_UUID, C_DAY, C_TOD, C_TS, C_TSZ, C_NULL, C_COUNT
};

static const struct {
    const char *name, *format, *ext;
} cols[] = {
    {"b", "b", NULL},          {"i8", "c", NULL},          {"i16", "s", NULL},
    {"i32", "i", NULL},        {"i64", "l", NULL},         {"u8", "C", NULL},
    {"u16", "S", NULL},        {"u32", "I", NULL},         {"f32", "f", NULL},
    {"f64", "g", NULL},        {"dec", "d:38,10", NULL},   {"dec9", "d:9,2", NULL},
    {"txt", "u", NULL},        {"cat", "u", NULL},         {"doc", "u", "arrow.json"},
    {"bin", "z", NULL},        {"fix", "w:4", NULL},       {"id", "w:16", "arrow.uuid"},
    {"day", "tdD", NULL},      {"tod", "ttu", NULL},       {"ts", "tsu:", NULL},
    {"tsz", "tsu:UTC", NULL},  {"nothing", "l", NULL},
};

const int td_ncols = C_COUNT;

const char *td_name(int col)
{
    return cols[col].name;
}

void td_clear(struct tdbuf *b)
{
    b->len = 0;
    if (b->p != NULL) {
        b->p[0] = '\0';
    }
}

void td_free(struct tdbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

static void put(struct tdbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        b->p = realloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void td_puts(struct tdbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void putf(struct tdbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct tdbuf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    put(b, tmp, (size_t)n);
}

static uint64_t mix(int64_t row, int col)
{
    uint64_t z = (uint64_t)row * 0x9e3779b97f4a7c15ull + (uint64_t)col * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static bool is_null(int64_t row, int col)
{
    return col == C_NULL || (row * 7 + col) % 53 == 0;
}

static int edge(int64_t row)
{
    return (int)(row % 10007);
}

static int64_t ival(int64_t row, int col)
{
    int k = edge(row);
    uint64_t m = mix(row, col);
    int shape = (int)((row / 500) % 4);
    int64_t v = shape == 0 ? (int64_t)m : shape == 1 ? row * 3 : shape == 2 ? 42 : (int64_t)(m % 100);
    switch (col) {
    case C_B:
        return shape == 2 ? 1 : (int64_t)(m & 1);
    case C_I8:
        return k == 1 ? INT8_MIN : k == 2 ? INT8_MAX : (int8_t)v;
    case C_I16:
        return k == 1 ? INT16_MIN : k == 2 ? INT16_MAX : (int16_t)v;
    case C_I32:
        return k == 1 ? INT32_MIN : k == 2 ? INT32_MAX : (int32_t)v;
    case C_I64:
        return k == 1 ? INT64_MIN : k == 2 ? INT64_MAX : k == 3 ? 0 : k == 4 ? -1 : v;
    case C_U8:
        return k == 1 ? 0 : k == 2 ? UINT8_MAX : (uint8_t)v;
    case C_U16:
        return k == 1 ? 0 : k == 2 ? UINT16_MAX : (uint16_t)v;
    case C_U32:
        return k == 1 ? 0 : k == 2 ? (int64_t)UINT32_MAX : (uint32_t)v;
    case C_DAY:
        return k == 1 ? -719162 : k == 2 ? -1 : k == 3 ? 2932896 : k == 4 ? 47482
               : k == 5 ? -25567 : 18000 + row % 5000;
    case C_TOD:
        return k == 1 ? 0 : k == 2 ? 86399999999LL : (int64_t)(m % 86400000000ull);
    case C_TS:
    case C_TSZ: {
        static const int64_t e[] = {0, -2208988799876544LL, -1000001LL, -1500000LL,
                                    253402300799999999LL, 4102444800000001LL, 0,
                                    -62135596800000000LL, -86399999999LL};
        if (k >= 1 && k <= 8) {
            return e[k];
        }
        return 1700000000000000LL + row * 1000003LL * (col == C_TS ? 1 : -7);
    }
    default:
        return v;
    }
}

static double dval(int64_t row, int col)
{
    int k = edge(row);
    double big = col == C_F32 ? FLT_MAX : DBL_MAX, tiny = col == C_F32 ? FLT_TRUE_MIN : DBL_TRUE_MIN;
    switch (k) {
    case 1:
        return NAN;
    case 2:
        return INFINITY;
    case 3:
        return -INFINITY;
    case 4:
        return -0.0;
    case 5:
        return tiny;
    case 6:
        return -big;
    default:
        return (double)(int64_t)(mix(row, col) % 2000001) / 7.0 - 100000.0;
    }
}

static const __int128 P38 = (__int128)10000000000000000000ull * (__int128)10000000000000000000ull;

static __int128 xval(int64_t row, int col)
{
    int k = edge(row);
    uint64_t m = mix(row, col);
    if (col == C_DEC9) {
        return k == 1 ? 999999999 : k == 2 ? -999999999 : (__int128)((int64_t)(m % 2000000000ull) - 1000000000) / 2;
    }
    if (k == 1) {
        return P38 - 1;
    }
    if (k == 2) {
        return -(P38 - 1);
    }
    if (k == 3 || k == 4) {
        return k - 3;
    }
    __int128 v = (__int128)(m >> 1) * (__int128)(mix(row, col + 99) >> 20);
    return (m & 1) ? -v : v;
}

static const char *cats[] = {"alpha", "beta", "gamma", "delta", "\xce\xb5-epsilon"};

/* Bytes of a string/binary value into b (raw). */
static void sval(int64_t row, int col, bool big, struct tdbuf *b)
{
    int k = edge(row);
    uint64_t m = mix(row, col);
    td_clear(b);
    if (col == C_TXT) {
        if (k == 1) {
            return;
        }
        if (k == 2) {
            const char *s = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9d\x84\x9e "
                            "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";
            put(b, s, strlen(s));
            return;
        }
        if (k == 3 && big && row < 10007) {
            put(b, "~", 1); /* sorts last: the maximum, stored as an upper bound */
            for (int i = 0; i < (1 << 20) / 16; i++) {
                put(b, "0123456789abcde\xc3", 15);
                put(b, "z", 1);
            }
            return;
        }
        if (k == 4) {
            const char *s = "line\nbreak\t\"quoted\" \\ back \x01";
            put(b, s, strlen(s));
            return;
        }
        putf(b, "row-%lld-%llx", (long long)row, (unsigned long long)(m % 100000));
    } else if (col == C_CAT) {
        put(b, cats[m % 5], strlen(cats[m % 5]));
    } else if (col == C_JSON) {
        putf(b, "{\"id\": %lld, \"v\": [1, 2, 3]}", (long long)row);
    } else if (col == C_BIN) {
        if (k == 1) {
            return;
        }
        if (k == 2) {
            put(b, "\0\0\0", 3);
            return;
        }
        for (uint64_t i = 0; i < 1 + m % 20; i++) {
            char c = (char)(mix(row, (int)i + 100) & 0xff);
            put(b, &c, 1);
        }
    } else {
        int w = col == C_FIX ? 4 : 16;
        for (int i = 0; i < w; i++) {
            char c = (char)(k == 1 ? 0 : (mix(row, i + 200) & 0xff));
            put(b, &c, 1);
        }
    }
}

int td_schema(struct ArrowSchema *out, struct weir_error *err)
{
    struct weir_abatch b;
    int rc = weir_abatch_init(&b, C_COUNT, err);
    for (int c = 0; c < C_COUNT && rc == WEIR_OK; c++) {
        size_t mdlen = 0;
        char *md = NULL;
        if (cols[c].ext != NULL) {
            const char *k[] = {"ARROW:extension:name"}, *v[] = {cols[c].ext};
            md = weir_arrow_metadata_encode(k, v, 1, &mdlen);
        }
        rc = weir_abatch_set_column(&b, c, cols[c].name, cols[c].format, md, mdlen, err);
        free(md);
    }
    if (rc == WEIR_OK) {
        rc = weir_abatch_schema(&b, out, err);
    }
    weir_abatch_reset(&b);
    return rc;
}

int td_batch(int64_t row0, int64_t n, bool big, struct ArrowArray *out, struct weir_error *err)
{
    struct weir_abatch b;
    struct tdbuf s = {0};
    int rc = weir_abatch_init(&b, C_COUNT, err);
    for (int c = 0; c < C_COUNT && rc == WEIR_OK; c++) {
        rc = weir_abatch_set_column(&b, c, cols[c].name, cols[c].format, NULL, 0, err);
    }
    for (int64_t r = row0; r < row0 + n && rc == WEIR_OK; r++) {
        for (int c = 0; c < C_COUNT; c++) {
            struct weir_acol *col = &b.cols[c];
            if (is_null(r, c)) {
                weir_acol_append_null(col);
                continue;
            }
            switch (c) {
            case C_B:
                weir_acol_append_bool(col, ival(r, c) != 0);
                break;
            case C_I8: {
                int8_t v = (int8_t)ival(r, c);
                weir_acol_append_fixed(col, &v);
                break;
            }
            case C_I16:
            case C_U16: {
                int16_t v = (int16_t)ival(r, c);
                weir_acol_append_fixed(col, &v);
                break;
            }
            case C_U8: {
                uint8_t v = (uint8_t)ival(r, c);
                weir_acol_append_fixed(col, &v);
                break;
            }
            case C_I32:
            case C_U32:
            case C_DAY: {
                int32_t v = (int32_t)ival(r, c);
                weir_acol_append_fixed(col, &v);
                break;
            }
            case C_F32: {
                float v = (float)dval(r, c);
                weir_acol_append_fixed(col, &v);
                break;
            }
            case C_F64: {
                double v = dval(r, c);
                weir_acol_append_fixed(col, &v);
                break;
            }
            case C_DEC:
            case C_DEC9: {
                __int128 v = xval(r, c);
                weir_acol_append_fixed(col, &v);
                break;
            }
            case C_TXT:
            case C_CAT:
            case C_JSON:
            case C_BIN:
                sval(r, c, big, &s);
                weir_acol_append_var(col, s.p != NULL ? s.p : "", s.len);
                break;
            case C_FIX:
            case C_UUID:
                sval(r, c, big, &s);
                weir_acol_append_fixed(col, s.p);
                break;
            default: {
                int64_t v = ival(r, c);
                weir_acol_append_fixed(col, &v);
                break;
            }
            }
        }
        b.length++;
    }
    if (rc == WEIR_OK) {
        rc = weir_abatch_finish(&b, out, err);
    }
    weir_abatch_reset(&b);
    td_free(&s);
    return rc;
}

uint64_t td_nonnull(int64_t rows, int col)
{
    uint64_t n = 0;
    for (int64_t r = 0; r < rows; r++) {
        n += !is_null(r, col);
    }
    return n;
}

static void put_json_string(struct tdbuf *b, const uint8_t *p, size_t n)
{
    put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(b, e, 2);
        } else if (c < 0x20) {
            putf(b, "\\u%04x", c);
        } else {
            put(b, (const char *)&c, 1);
        }
    }
    put(b, "\"", 1);
}

static void put_hex(struct tdbuf *b, const uint8_t *p, size_t n)
{
    put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        putf(b, "%02x", p[i]);
    }
    put(b, "\"", 1);
}

static void put_double(struct tdbuf *b, double d)
{
    if (isnan(d)) {
        put(b, "\"NaN\"", 5);
    } else if (isinf(d)) {
        putf(b, "\"%sInfinity\"", d < 0 ? "-" : "");
    } else {
        putf(b, "%.17g", d);
    }
}

static void put_decimal(struct tdbuf *b, __int128 v, int scale)
{
    char digits[64];
    int nd = 0;
    unsigned __int128 m = v < 0 ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
    do {
        digits[nd++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m != 0);
    while (nd <= scale) {
        digits[nd++] = '0';
    }
    put(b, v < 0 ? "\"-" : "\"", v < 0 ? 2 : 1);
    for (int i = nd - 1; i >= 0; i--) {
        put(b, &digits[i], 1);
        if (i == scale && scale > 0) {
            put(b, ".", 1);
        }
    }
    put(b, "\"", 1);
}

static void uuid_text(const uint8_t *u, struct tdbuf *b)
{
    char t[40];
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            t[k++] = '-';
        }
        k += snprintf(t + k, sizeof(t) - (size_t)k, "%02x", u[i]);
    }
    put_json_string(b, (const uint8_t *)t, 36);
}

void td_expect(int64_t row, int col, bool big, struct tdbuf *out)
{
    if (is_null(row, col)) {
        put(out, "null", 4);
        return;
    }
    struct tdbuf s = {0};
    switch (col) {
    case C_B:
        put(out, ival(row, col) ? "true" : "false", ival(row, col) ? 4 : 5);
        break;
    case C_F32:
        put_double(out, (double)(float)dval(row, col));
        break;
    case C_F64:
        put_double(out, dval(row, col));
        break;
    case C_DEC:
        put_decimal(out, xval(row, col), 10);
        break;
    case C_DEC9:
        put_decimal(out, xval(row, col), 2);
        break;
    case C_TXT:
    case C_CAT:
    case C_JSON:
        sval(row, col, big, &s);
        put_json_string(out, (const uint8_t *)s.p, s.len);
        break;
    case C_BIN:
    case C_FIX:
        sval(row, col, big, &s);
        put_hex(out, (const uint8_t *)s.p, s.len);
        break;
    case C_UUID:
        sval(row, col, big, &s);
        uuid_text((const uint8_t *)s.p, out);
        break;
    default:
        putf(out, "%lld", (long long)ival(row, col));
        break;
    }
    td_free(&s);
}

void td_render(const struct orc_rfile *f, int col, size_t row, struct tdbuf *out)
{
    td_render_type(f, (int)f->types[0].sub[col], row, out);
}

void td_render_type(const struct orc_rfile *f, int id, size_t row, struct tdbuf *out)
{
    const struct orc_rcol *c = &f->cols[id];
    const struct orc_rtype *t = &f->types[id];
    if (!c->present[row]) {
        put(out, "null", 4);
        return;
    }
    switch (t->kind) {
    case 10:
        put(out, "[", 1);
        for (int64_t k = 0; k < c->i[row]; k++) {
            td_render_type(f, (int)t->sub[0], (size_t)c->off[row] + (size_t)k, out);
            put(out, k + 1 < c->i[row] ? "," : "", k + 1 < c->i[row] ? 1 : 0);
        }
        put(out, "]", 1);
        break;
    case 0:
        put(out, c->i[row] ? "true" : "false", c->i[row] ? 4 : 5);
        break;
    case 5:
    case 6:
        put_double(out, c->d[row]);
        break;
    case 14:
        put_decimal(out, c->x[row], (int)c->scale[row]);
        break;
    case 7:
        put_json_string(out, c->s[row], c->slen[row]);
        break;
    case 8:
        put_hex(out, c->s[row], c->slen[row]);
        break;
    default:
        putf(out, "%lld", (long long)c->i[row]);
        break;
    }
}
