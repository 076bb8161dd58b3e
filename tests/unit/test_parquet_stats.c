/* Statistics: sort orders, NaN and signed zeros, byte-array truncation, and
 * the Thrift Statistics struct. */
#include "parquet/stats.h"

#include <math.h>

#include "parquet/types.h"
#include "tap.h"
#include "test_parquet_util.h"

static void feed_i32(struct weir_pq_stats *s, const int32_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        weir_pq_stats_update(s, &v[i], 4);
    }
}

static int32_t as_i32(const struct weir_pq_buf *b)
{
    int32_t v;
    memcpy(&v, b->data, 4);
    return v;
}

static void orders(void)
{
    struct weir_pq_stats s;
    const int32_t v[] = {5, -7, 2147483647, -2147483647 - 1, 0};
    weir_pq_stats_init(&s, WEIR_PQ_SK_I32);
    feed_i32(&s, v, 5);
    TAP_OK(as_i32(&s.min) == INT32_MIN && as_i32(&s.max) == INT32_MAX, "INT32 signed order");
    weir_pq_stats_free(&s);

    /* The same bits as UINT_32: -7 is 4294967289, the largest. */
    const int32_t u[] = {5, -7, 0, 2147483647};
    weir_pq_stats_init(&s, WEIR_PQ_SK_U32);
    feed_i32(&s, u, 4);
    TAP_OK(as_i32(&s.min) == 0 && as_i32(&s.max) == -7, "UINT_32 unsigned order");
    weir_pq_stats_free(&s);

    int64_t l[] = {INT64_MAX, INT64_MIN, -1};
    weir_pq_stats_init(&s, WEIR_PQ_SK_I64);
    for (int i = 0; i < 3; i++) {
        weir_pq_stats_update(&s, &l[i], 8);
    }
    int64_t lo, hi;
    memcpy(&lo, s.min.data, 8);
    memcpy(&hi, s.max.data, 8);
    TAP_OK(lo == INT64_MIN && hi == INT64_MAX, "INT64 signed order");
    weir_pq_stats_free(&s);

    /* Big-endian two's complement decimals compare by value, not by bytes. */
    const uint8_t neg1[2] = {0xff, 0xff}, pos1[2] = {0x00, 0x01}, min[2] = {0x80, 0x00},
                  max[2] = {0x7f, 0xff};
    TAP_OK(weir_pq_stats_cmp(WEIR_PQ_SK_DECIMAL, neg1, 2, pos1, 2) < 0, "decimal -1 < 1");
    TAP_OK(weir_pq_stats_cmp(WEIR_PQ_SK_DECIMAL, min, 2, neg1, 2) < 0, "decimal -32768 < -1");
    TAP_OK(weir_pq_stats_cmp(WEIR_PQ_SK_DECIMAL, max, 2, pos1, 2) > 0, "decimal 32767 > 1");
    TAP_OK(weir_pq_stats_cmp(WEIR_PQ_SK_BYTES, neg1, 2, pos1, 2) > 0,
           "the same bytes as binary compare unsigned");
    const uint8_t *ab = (const uint8_t *)"ab", *abc = (const uint8_t *)"abc";
    TAP_OK(weir_pq_stats_cmp(WEIR_PQ_SK_BYTES, ab, 2, abc, 3) < 0,
           "a prefix sorts first");
    TAP_OK(weir_pq_stats_cmp(WEIR_PQ_SK_UTF8, (const uint8_t *)"\xc3\xa9", 2,
                             (const uint8_t *)"z", 1) > 0,
           "UTF-8 compares byte-wise unsigned (e-acute after z)");
}

static void floats(void)
{
    struct weir_pq_stats s;
    struct weir_pq_buf out;
    bool exact;
    weir_pq_buf_init(&out, 0);
    weir_pq_stats_init(&s, WEIR_PQ_SK_F64);
    const double v[] = {NAN, 3.5, -INFINITY, NAN, 0.25};
    for (int i = 0; i < 5; i++) {
        weir_pq_stats_update(&s, &v[i], 8);
    }
    double lo, hi;
    TAP_EQ_INT(s.nan_count, 2, "NaN counted");
    TAP_OK(weir_pq_stats_min_bound(&s, 64, &out, &exact) && (memcpy(&lo, out.data, 8), lo) ==
               -INFINITY,
           "NaN ignored: min is -inf");
    TAP_OK(weir_pq_stats_max_bound(&s, 64, &out, &exact) && (memcpy(&hi, out.data, 8), hi) == 3.5,
           "NaN ignored: max is 3.5");
    weir_pq_stats_clear(&s);

    const double z[] = {0.0, -0.0, 0.0};
    for (int i = 0; i < 3; i++) {
        weir_pq_stats_update(&s, &z[i], 8);
    }
    weir_pq_stats_min_bound(&s, 64, &out, &exact);
    memcpy(&lo, out.data, 8);
    weir_pq_stats_max_bound(&s, 64, &out, &exact);
    memcpy(&hi, out.data, 8);
    TAP_OK(lo == 0 && signbit(lo) && hi == 0 && !signbit(hi),
           "zero min written as -0.0, zero max as +0.0");
    weir_pq_stats_clear(&s);

    weir_pq_stats_update(&s, &v[0], 8);
    TAP_OK(!weir_pq_stats_min_bound(&s, 64, &out, &exact) &&
               !weir_pq_stats_max_bound(&s, 64, &out, &exact),
           "only NaN: no min or max");
    weir_pq_stats_free(&s);

    weir_pq_stats_init(&s, WEIR_PQ_SK_F32);
    const float f[] = {-0.0f, 1.5f, NAN};
    for (int i = 0; i < 3; i++) {
        weir_pq_stats_update(&s, &f[i], 4);
    }
    float flo;
    weir_pq_stats_min_bound(&s, 64, &out, &exact);
    memcpy(&flo, out.data, 4);
    TAP_OK(flo == 0 && signbit(flo) && s.nan_count == 1, "float: -0.0 min, one NaN");
    weir_pq_stats_free(&s);
    weir_pq_buf_reset(&out);
}

static void truncation(void)
{
    struct weir_pq_stats s;
    struct weir_pq_buf out;
    bool exact;
    weir_pq_buf_init(&out, 0);
    uint8_t v[100];

    weir_pq_stats_init(&s, WEIR_PQ_SK_BYTES);
    memset(v, 'a', 100);
    v[70] = 'b';
    weir_pq_stats_update(&s, v, 100);
    TAP_OK(weir_pq_stats_min_bound(&s, 64, &out, &exact) && out.len == 64 && !exact &&
               memcmp(out.data, v, 64) == 0,
           "long min: its 64-byte prefix, not exact");
    TAP_OK(weir_pq_stats_max_bound(&s, 64, &out, &exact) && out.len == 64 && !exact &&
               memcmp(out.data, v, 63) == 0 && out.data[63] == 'b',
           "long max: 64-byte prefix with the last byte incremented");
    weir_pq_stats_clear(&s);

    memset(v, 'x', 100);
    memset(v + 60, 0xff, 40);
    weir_pq_stats_update(&s, v, 100);
    TAP_OK(weir_pq_stats_max_bound(&s, 64, &out, &exact) && out.len == 60 && out.data[59] == 'y',
           "trailing 0xff bytes are dropped before incrementing");
    weir_pq_stats_clear(&s);

    memset(v, 0xff, 100);
    weir_pq_stats_update(&s, v, 100);
    TAP_OK(!weir_pq_stats_max_bound(&s, 64, &out, &exact), "all 0xff: max is omitted");
    weir_pq_stats_clear(&s);

    memset(v, 'q', 64);
    weir_pq_stats_update(&s, v, 64);
    TAP_OK(weir_pq_stats_max_bound(&s, 64, &out, &exact) && exact && out.len == 64,
           "64 bytes: exact, untouched");
    weir_pq_stats_free(&s);

    /* UTF-8: 21 x U+00E9 (42 bytes) then 10 x U+20AC (30 bytes) = 72 bytes.
     * The cut at 64 falls inside a 3-byte character: keep 42 + 21 = 63 bytes. */
    weir_pq_stats_init(&s, WEIR_PQ_SK_UTF8);
    size_t n = 0;
    for (int i = 0; i < 21; i++) {
        memcpy(v + n, "\xc3\xa9", 2);
        n += 2;
    }
    for (int i = 0; i < 10; i++) {
        memcpy(v + n, "\xe2\x82\xac", 3);
        n += 3;
    }
    weir_pq_stats_update(&s, v, n);
    TAP_OK(weir_pq_stats_min_bound(&s, 64, &out, &exact) && out.len == 63 && !exact,
           "UTF-8 min cut at a character boundary (63 bytes)");
    TAP_OK(weir_pq_stats_max_bound(&s, 64, &out, &exact) && out.len == 63 &&
               memcmp(out.data + 60, "\xe2\x82\xad", 3) == 0 && memcmp(out.data, v, 60) == 0,
           "UTF-8 max: last character U+20AC becomes U+20AD");
    weir_pq_stats_clear(&s);

    /* U+D7FF + 1 would be a surrogate: the bound skips to U+E000. */
    n = 0;
    for (int i = 0; i < 22; i++) {
        memcpy(v + n, "\xed\x9f\xbf", 3);
        n += 3;
    }
    weir_pq_stats_update(&s, v, n);
    TAP_OK(weir_pq_stats_max_bound(&s, 64, &out, &exact) && out.len == 63 &&
               memcmp(out.data + 60, "\xee\x80\x80", 3) == 0,
           "UTF-8 max skips the surrogate range");
    weir_pq_stats_clear(&s);

    /* "a" then U+10FFFF x 20: the last characters cannot grow, "a" becomes "b". */
    v[0] = 'a';
    n = 1;
    for (int i = 0; i < 20; i++) {
        memcpy(v + n, "\xf4\x8f\xbf\xbf", 4);
        n += 4;
    }
    weir_pq_stats_update(&s, v, n);
    TAP_OK(weir_pq_stats_max_bound(&s, 64, &out, &exact) && out.len == 1 && out.data[0] == 'b',
           "UTF-8 max drops characters at U+10FFFF and increments the one before");
    weir_pq_stats_free(&s);
    weir_pq_buf_reset(&out);
}

static void thrift_struct(void)
{
    struct weir_pq_stats s;
    struct weir_pq_buf b, scratch;
    weir_pq_buf_init(&b, 0);
    weir_pq_buf_init(&scratch, 0);
    weir_pq_stats_init(&s, WEIR_PQ_SK_I32);
    const int32_t v[] = {-2, 7};
    feed_i32(&s, v, 2);
    s.null_count = 3;
    struct weir_pq_tw w;
    weir_pq_tw_init(&w, &b);
    weir_pq_stats_write(&w, 5, &s, true, &scratch);
    weir_pq_tw_struct_end(&w);
    /* 5c: struct field 5; 18 04 07000000: max; 18 04 feffffff: min; 16 06: null_count 3;
     * 28 04 07000000: max_value (delta 2); 18 04 feffffff: min_value; 11 11: exact flags. */
    static const uint8_t want[] = {0x5c, 0x18, 0x04, 0x07, 0x00, 0x00, 0x00, 0x18, 0x04, 0xfe,
                                   0xff, 0xff, 0xff, 0x16, 0x06, 0x28, 0x04, 0x07, 0x00, 0x00,
                                   0x00, 0x18, 0x04, 0xfe, 0xff, 0xff, 0xff, 0x11, 0x11, 0x00,
                                   0x00};
    TAP_OK(weir_pq_tw_ok(&w) && b.len == sizeof(want) && memcmp(b.data, want, b.len) == 0,
           "Statistics struct bytes (legacy min/max, null_count, min/max_value, exact flags)");
    weir_pq_stats_free(&s);

    weir_pq_buf_clear(&b);
    weir_pq_stats_init(&s, WEIR_PQ_SK_F32);
    const float nan = NAN;
    weir_pq_stats_update(&s, &nan, 4);
    weir_pq_tw_init(&w, &b);
    weir_pq_stats_write(&w, 1, &s, true, &scratch);
    weir_pq_tw_struct_end(&w);
    /* only NaN: no bounds at all, null_count 0, nan_count 1 (field 9, delta 6) */
    static const uint8_t want2[] = {0x1c, 0x36, 0x00, 0x66, 0x02, 0x00, 0x00};
    TAP_OK(weir_pq_tw_ok(&w) && b.len == sizeof(want2) && memcmp(b.data, want2, b.len) == 0,
           "all-NaN float statistics: counts only");
    weir_pq_stats_free(&s);

    /* merge keeps the extremes and adds the counts */
    struct weir_pq_stats a, c;
    weir_pq_stats_init(&a, WEIR_PQ_SK_BYTES);
    weir_pq_stats_init(&c, WEIR_PQ_SK_BYTES);
    weir_pq_stats_update(&a, "m", 1);
    weir_pq_stats_update(&c, "", 0);
    weir_pq_stats_update(&c, "z", 1);
    c.null_count = 2;
    weir_pq_stats_merge(&a, &c);
    TAP_OK(a.min.len == 0 && a.max.len == 1 && a.max.data[0] == 'z' && a.null_count == 2 &&
               a.value_count == 3,
           "merge: empty string min, z max, counts added");
    weir_pq_stats_free(&a);
    weir_pq_stats_free(&c);
    weir_pq_buf_reset(&b);
    weir_pq_buf_reset(&scratch);
}

/* Folds vals (n values of len bytes) in one by one and as a run, in pieces
 * of `piece` values; true when counts and min/max bytes agree. */
static bool run_matches(int kind, const void *vals, size_t n, size_t len, size_t piece)
{
    struct weir_pq_stats a, b;
    weir_pq_stats_init(&a, kind);
    weir_pq_stats_init(&b, kind);
    const uint8_t *p = vals;
    const uint8_t *ptrs[64];
    for (size_t i = 0; i < n; i++) {
        weir_pq_stats_update(&a, p + i * len, len);
        ptrs[i] = p + i * len;
    }
    for (size_t i = 0; i < n; i += piece) {
        weir_pq_stats_update_run(&b, ptrs + i, n - i < piece ? n - i : piece, len);
    }
    bool ok = a.value_count == b.value_count && a.nan_count == b.nan_count &&
              a.has_minmax == b.has_minmax &&
              (!a.has_minmax || (a.min.len == b.min.len && a.max.len == b.max.len &&
                                 memcmp(a.min.data, b.min.data, a.min.len) == 0 &&
                                 memcmp(a.max.data, b.max.data, a.max.len) == 0));
    weir_pq_stats_free(&a);
    weir_pq_stats_free(&b);
    return ok;
}

static void runs(void)
{
    const double d[] = {NAN, -0.0, 0.0, 3.5, NAN, -7.25, 0.0, -0.0, 1e300, -1e300, 2.0};
    const double dn[] = {NAN, NAN, NAN};
    const float f[] = {0.0f, -0.0f, NAN, 1.5f, -2.5f, -0.0f, 0.0f};
    const int64_t l[] = {5, INT64_MIN, 7, INT64_MAX, 7, 5, -1};
    const int32_t i[] = {-3, 9, INT32_MIN, 0, INT32_MAX, 9, -3};
    const uint32_t u[] = {3, 0xffffffffu, 0, 0x80000000u, 7};
    bool ok = true;
    for (size_t piece = 1; piece <= 11; piece++) {
        ok = ok && run_matches(WEIR_PQ_SK_F64, d, 11, 8, piece) &&
             run_matches(WEIR_PQ_SK_F64, dn, 3, 8, piece) &&
             run_matches(WEIR_PQ_SK_F32, f, 7, 4, piece) &&
             run_matches(WEIR_PQ_SK_I64, l, 7, 8, piece) &&
             run_matches(WEIR_PQ_SK_I32, i, 7, 4, piece) &&
             run_matches(WEIR_PQ_SK_U32, u, 5, 4, piece) &&
             run_matches(WEIR_PQ_SK_BYTES, "abcabdaaz", 3, 3, piece);
    }
    TAP_OK(ok, "update_run equals value-by-value updates: NaN first and only, -0.0/+0.0 kept as "
               "they came, integer extremes, unsigned order, bytes");
}

int main(void)
{
    orders();
    runs();
    floats();
    truncation();
    thrift_struct();
    return tap_done();
}
