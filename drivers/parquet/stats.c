/* Column statistics; see stats.h. */
#include "parquet/stats.h"

#include <math.h>
#include <string.h>

#include "parquet/types.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the parquet writer assumes a little-endian host (Arrow buffers are native-endian)"
#endif

void weir_pq_stats_init(struct weir_pq_stats *s, int kind)
{
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    weir_pq_buf_init(&s->min, 0);
    weir_pq_buf_init(&s->max, 0);
}

void weir_pq_stats_clear(struct weir_pq_stats *s)
{
    s->null_count = 0;
    s->nan_count = 0;
    s->value_count = 0;
    s->has_minmax = false;
    weir_pq_buf_clear(&s->min);
    weir_pq_buf_clear(&s->max);
}

void weir_pq_stats_free(struct weir_pq_stats *s)
{
    weir_pq_buf_reset(&s->min);
    weir_pq_buf_reset(&s->max);
}

bool weir_pq_stats_ok(const struct weir_pq_stats *s)
{
    return !s->min.failed && !s->max.failed;
}

static int cmp_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n > 0 ? memcmp(a, b, n) : 0;
    if (c != 0) {
        return c;
    }
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* Inlined into the per-value update; weir_pq_stats_cmp is the same. */
static inline __attribute__((always_inline)) int cmp_kind(int kind, const uint8_t *a, size_t alen,
                                                          const uint8_t *b, size_t blen)
{
    switch (kind) {
    case WEIR_PQ_SK_BOOL:
        return (int)a[0] - (int)b[0];
    case WEIR_PQ_SK_I32: {
        int32_t x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        return x < y ? -1 : x > y;
    }
    case WEIR_PQ_SK_U32: {
        uint32_t x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        return x < y ? -1 : x > y;
    }
    case WEIR_PQ_SK_I64: {
        int64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        return x < y ? -1 : x > y;
    }
    case WEIR_PQ_SK_F32: {
        float x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        return x < y ? -1 : x > y;
    }
    case WEIR_PQ_SK_F64: {
        double x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        return x < y ? -1 : x > y;
    }
    case WEIR_PQ_SK_DECIMAL: {
        /* Two's complement big-endian: flipping the sign bit of the first byte
         * makes unsigned byte order equal numeric order (LogicalTypes.md). */
        if (alen == 0 || blen == 0) {
            return cmp_bytes(a, alen, b, blen);
        }
        uint8_t x = a[0] ^ 0x80, y = b[0] ^ 0x80;
        if (x != y) {
            return x < y ? -1 : 1;
        }
        return cmp_bytes(a + 1, alen - 1, b + 1, blen - 1);
    }
    default:
        return cmp_bytes(a, alen, b, blen);
    }
}

int weir_pq_stats_cmp(int kind, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return cmp_kind(kind, a, alen, b, blen);
}

static bool is_nan(int kind, const void *v)
{
    if (kind == WEIR_PQ_SK_F32) {
        float f;
        memcpy(&f, v, 4);
        return isnan(f);
    }
    if (kind == WEIR_PQ_SK_F64) {
        double d;
        memcpy(&d, v, 8);
        return isnan(d);
    }
    return false;
}

static void set_buf(struct weir_pq_buf *b, const void *v, size_t len)
{
    if (len != 0 && len <= b->cap && !b->failed) {
        memcpy(b->data, v, len); /* the common case: storage already there */
        b->len = len;
        return;
    }
    weir_pq_buf_clear(b);
    if (len == 0) {
        weir_pq_buf_reserve(b, 1); /* keep data non-NULL for the empty string */
        return;
    }
    weir_pq_buf_append(b, v, len);
}

void weir_pq_stats_update(struct weir_pq_stats *s, const void *v, size_t len)
{
    s->value_count++;
    if (is_nan(s->kind, v)) {
        s->nan_count++;
        return;
    }
    if (!s->has_minmax) {
        set_buf(&s->min, v, len);
        set_buf(&s->max, v, len);
        s->has_minmax = true;
        return;
    }
    if (cmp_kind(s->kind, v, len, s->min.data, s->min.len) < 0) {
        set_buf(&s->min, v, len);
    } else if (cmp_kind(s->kind, v, len, s->max.data, s->max.len) > 0) {
        set_buf(&s->max, v, len);
    }
}

/* Typed min/max over v[0..n) for the kinds whose order is the C order of T;
 * the same comparisons as weir_pq_stats_update (first of equal values kept,
 * so -0.0 and +0.0 stay as they came). NaN only occurs for floats. */
#define RUN_MINMAX(T, IS_NAN)                                                                      \
    do {                                                                                           \
        T mn, mx;                                                                                  \
        memcpy(&mn, s->min.data, sizeof(T));                                                       \
        memcpy(&mx, s->max.data, sizeof(T));                                                       \
        bool new_mn = false, new_mx = false;                                                       \
        for (; i < n; i++) {                                                                       \
            T x;                                                                                   \
            memcpy(&x, v[i], sizeof(T));                                                           \
            if (IS_NAN(x)) {                                                                       \
                s->nan_count++;                                                                    \
            } else if (x < mn) {                                                                   \
                mn = x;                                                                            \
                new_mn = true;                                                                     \
            } else if (x > mx) {                                                                   \
                mx = x;                                                                            \
                new_mx = true;                                                                     \
            }                                                                                      \
        }                                                                                          \
        if (new_mn) {                                                                              \
            set_buf(&s->min, &mn, sizeof(T));                                                      \
        }                                                                                          \
        if (new_mx) {                                                                              \
            set_buf(&s->max, &mx, sizeof(T));                                                      \
        }                                                                                          \
    } while (0)
#define NEVER_NAN(x) ((void)(x), false)

void weir_pq_stats_update_run(struct weir_pq_stats *s, const uint8_t *const *v, size_t n,
                              size_t len)
{
    size_t i = 0;
    while (i < n && !s->has_minmax) {
        weir_pq_stats_update(s, v[i++], len);
    }
    if (i == n) {
        return;
    }
    s->value_count += (int64_t)(n - i);
    switch (s->kind) {
    case WEIR_PQ_SK_I32:
        RUN_MINMAX(int32_t, NEVER_NAN);
        return;
    case WEIR_PQ_SK_U32:
        RUN_MINMAX(uint32_t, NEVER_NAN);
        return;
    case WEIR_PQ_SK_I64:
        RUN_MINMAX(int64_t, NEVER_NAN);
        return;
    case WEIR_PQ_SK_F32:
        RUN_MINMAX(float, isnan);
        return;
    case WEIR_PQ_SK_F64:
        RUN_MINMAX(double, isnan);
        return;
    default:
        s->value_count -= (int64_t)(n - i);
        for (; i < n; i++) {
            weir_pq_stats_update(s, v[i], len);
        }
        return;
    }
}

void weir_pq_stats_merge(struct weir_pq_stats *dst, const struct weir_pq_stats *src)
{
    dst->null_count += src->null_count;
    dst->nan_count += src->nan_count;
    dst->value_count += src->value_count;
    if (!src->has_minmax) {
        return;
    }
    if (!dst->has_minmax) {
        set_buf(&dst->min, src->min.data, src->min.len);
        set_buf(&dst->max, src->max.data, src->max.len);
        dst->has_minmax = true;
        return;
    }
    if (weir_pq_stats_cmp(dst->kind, src->min.data, src->min.len, dst->min.data, dst->min.len) <
        0) {
        set_buf(&dst->min, src->min.data, src->min.len);
    }
    if (weir_pq_stats_cmp(dst->kind, src->max.data, src->max.len, dst->max.data, dst->max.len) >
        0) {
        set_buf(&dst->max, src->max.data, src->max.len);
    }
}

/* Writes a zero of the requested sign when v is ±0.0; false otherwise. */
static bool signed_zero(int kind, const uint8_t *v, bool negative, struct weir_pq_buf *out)
{
    if (kind == WEIR_PQ_SK_F32) {
        float f;
        memcpy(&f, v, 4);
        if (f != 0.0f) {
            return false;
        }
        f = negative ? -0.0f : 0.0f;
        weir_pq_buf_append(out, &f, 4);
        return true;
    }
    if (kind == WEIR_PQ_SK_F64) {
        double d;
        memcpy(&d, v, 8);
        if (d != 0.0) {
            return false;
        }
        d = negative ? -0.0 : 0.0;
        weir_pq_buf_append(out, &d, 8);
        return true;
    }
    return false;
}

static bool is_bytes(int kind)
{
    return kind == WEIR_PQ_SK_BYTES || kind == WEIR_PQ_SK_UTF8;
}

/* Largest cut <= trunc that does not split a UTF-8 sequence. */
static size_t utf8_cut(const uint8_t *v, size_t len, size_t trunc)
{
    size_t cut = trunc < len ? trunc : len;
    while (cut > 0 && cut < len && (v[cut] & 0xc0) == 0x80) {
        cut--;
    }
    return cut;
}

bool weir_pq_stats_min_bound(const struct weir_pq_stats *s, size_t trunc, struct weir_pq_buf *out,
                             bool *exact)
{
    weir_pq_buf_clear(out);
    *exact = true;
    if (!s->has_minmax) {
        return false;
    }
    if (signed_zero(s->kind, s->min.data, true, out)) {
        return true;
    }
    size_t len = s->min.len;
    if (is_bytes(s->kind) && len > trunc) {
        /* Any prefix is a lower bound. */
        len = s->kind == WEIR_PQ_SK_UTF8 ? utf8_cut(s->min.data, len, trunc) : trunc;
        *exact = false;
    }
    set_buf(out, s->min.data, len);
    return true;
}

static size_t utf8_encode(uint32_t cp, uint8_t *o)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xc0 | (cp >> 6));
        o[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xe0 | (cp >> 12));
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (uint8_t)(0xf0 | (cp >> 18));
    o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decodes the character starting at v[i] (length n); 0 for malformed input. */
static size_t utf8_decode(const uint8_t *v, size_t i, size_t end, uint32_t *cp)
{
    uint8_t b = v[i];
    size_t n = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3
                          : (b & 0xf8) == 0xf0   ? 4
                                                 : 0;
    if (n == 0 || i + n > end) {
        return 0;
    }
    uint32_t c = n == 1 ? b : n == 2 ? (b & 0x1fu) : n == 3 ? (b & 0x0fu) : (b & 0x07u);
    for (size_t k = 1; k < n; k++) {
        if ((v[i + k] & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (v[i + k] & 0x3fu);
    }
    *cp = c;
    return n;
}

/* Upper bound of a truncated UTF-8 string: the prefix with its last
 * character incremented (skipping surrogates), dropping characters that
 * cannot be incremented. Falls back to bytes for malformed input. */
static bool utf8_round_up(const uint8_t *v, size_t cut, struct weir_pq_buf *out)
{
    size_t starts[WEIR_PQ_STATS_TRUNC + 1];
    size_t n = 0, i = 0;
    while (i < cut) {
        uint32_t cp;
        size_t k = utf8_decode(v, i, cut, &cp);
        if (k == 0 || n == WEIR_PQ_STATS_TRUNC + 1) {
            return false;
        }
        starts[n++] = i;
        i += k;
    }
    while (n > 0) {
        uint32_t cp;
        size_t at = starts[--n];
        utf8_decode(v, at, cut, &cp);
        cp++;
        if (cp >= 0xd800 && cp <= 0xdfff) {
            cp = 0xe000;
        }
        if (cp <= 0x10ffff) {
            uint8_t enc[4];
            size_t el = utf8_encode(cp, enc);
            weir_pq_buf_clear(out);
            weir_pq_buf_append(out, v, at);
            weir_pq_buf_append(out, enc, el);
            return true;
        }
    }
    return false;
}

bool weir_pq_stats_max_bound(const struct weir_pq_stats *s, size_t trunc, struct weir_pq_buf *out,
                             bool *exact)
{
    weir_pq_buf_clear(out);
    *exact = true;
    if (!s->has_minmax) {
        return false;
    }
    if (signed_zero(s->kind, s->max.data, false, out)) {
        return true;
    }
    const uint8_t *v = s->max.data;
    size_t len = s->max.len;
    if (!is_bytes(s->kind) || len <= trunc) {
        set_buf(out, v, len);
        return true;
    }
    *exact = false;
    if (s->kind == WEIR_PQ_SK_UTF8 && trunc <= WEIR_PQ_STATS_TRUNC &&
        utf8_round_up(v, utf8_cut(v, len, trunc), out)) {
        return true;
    }
    if (s->kind == WEIR_PQ_SK_UTF8) {
        return false; /* a byte-level bound could be invalid UTF-8: omit it */
    }
    /* Bytes: increment the last byte that is not 0xff and drop what follows. */
    size_t n = trunc;
    while (n > 0 && v[n - 1] == 0xff) {
        n--;
    }
    if (n == 0) {
        return false;
    }
    weir_pq_buf_append(out, v, n);
    if (!out->failed) {
        out->data[n - 1]++;
    }
    return true;
}

void weir_pq_stats_write(struct weir_pq_tw *w, int16_t id, const struct weir_pq_stats *s,
                         bool legacy, struct weir_pq_buf *scratch)
{
    weir_pq_tw_struct_begin(w, id);
    if (legacy && s->has_minmax) {
        bool ex;
        weir_pq_stats_max_bound(s, SIZE_MAX, scratch, &ex);
        weir_pq_tw_field_binary(w, 1, scratch->data, scratch->len);
        weir_pq_stats_min_bound(s, SIZE_MAX, scratch, &ex);
        weir_pq_tw_field_binary(w, 2, scratch->data, scratch->len);
    }
    weir_pq_tw_field_i64(w, 3, s->null_count);
    bool max_exact = false, min_exact = false;
    bool has_max = weir_pq_stats_max_bound(s, WEIR_PQ_STATS_TRUNC, scratch, &max_exact);
    if (has_max) {
        weir_pq_tw_field_binary(w, 5, scratch->data, scratch->len);
    }
    bool has_min = weir_pq_stats_min_bound(s, WEIR_PQ_STATS_TRUNC, scratch, &min_exact);
    if (has_min) {
        weir_pq_tw_field_binary(w, 6, scratch->data, scratch->len);
    }
    if (has_max) {
        weir_pq_tw_field_bool(w, 7, max_exact);
    }
    if (has_min) {
        weir_pq_tw_field_bool(w, 8, min_exact);
    }
    if (s->kind == WEIR_PQ_SK_F32 || s->kind == WEIR_PQ_SK_F64) {
        weir_pq_tw_field_i64(w, 9, s->nan_count);
    }
    weir_pq_tw_struct_end(w);
}
