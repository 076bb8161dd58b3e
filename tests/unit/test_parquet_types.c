/* Arrow → Parquet type mapping and decimal / FIXED_LEN_BYTE_ARRAY encoding. */
#include "parquet/types.h"

#include <stdlib.h>

#include "tap.h"
#include "util/arrow.h"

static void le128(__int128 v, uint8_t out[16])
{
    memcpy(out, &v, 16);
}

static int hexeq(const uint8_t *got, size_t n, const char *hex)
{
    char buf[80];
    for (size_t i = 0; i < n; i++) {
        snprintf(buf + 2 * i, 3, "%02x", got[i]);
    }
    int eq = strlen(hex) == 2 * n && memcmp(buf, hex, 2 * n) == 0;
    if (!eq) {
        printf("#   got %.*s want %s\n", (int)(2 * n), buf, hex);
    }
    return eq;
}

static void decimals(void)
{
    /* Bytes needed: floor(log10(2^(8n-1) - 1)) digits fit in n bytes. */
    static const int want[39] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8,
                                 9, 9, 9, 10, 10, 11, 11, 11, 12, 12, 13, 13, 13, 14, 14, 15,
                                 15, 16, 16, 16};
    int bad = 0;
    for (int p = 1; p <= 38; p++) {
        if (weir_pq_decimal_width(p) != want[p]) {
            printf("# precision %d: width %d, want %d\n", p, weir_pq_decimal_width(p), want[p]);
            bad++;
        }
    }
    TAP_OK(bad == 0, "minimal FLBA width for every precision 1..38");

    uint8_t le[16], be[16];
    __int128 max38 = 1;
    for (int i = 0; i < 38; i++) {
        max38 *= 10;
    }
    max38 -= 1;
    le128(max38, le);
    TAP_OK(weir_pq_decimal_to_be(le, 16, be) && hexeq(be, 16, "4b3b4ca85a86c47a098a223fffffffff"),
           "+(10^38 - 1) big-endian in 16 bytes");
    le128(-max38, le);
    TAP_OK(weir_pq_decimal_to_be(le, 16, be) && hexeq(be, 16, "b4c4b357a5793b85f675ddc000000001"),
           "-(10^38 - 1) big-endian in 16 bytes");
    le128((__int128)UINT64_MAX, le);
    TAP_OK(weir_pq_decimal_to_be(le, 9, be) && hexeq(be, 9, "00ffffffffffffffff"),
           "2^64 - 1 (uint64 as decimal(20,0)) in 9 bytes keeps a zero sign byte");
    le128(-1, le);
    TAP_OK(weir_pq_decimal_to_be(le, 9, be) && hexeq(be, 9, "ffffffffffffffffff"), "-1 in 9 bytes");
    le128(258, le);
    TAP_OK(weir_pq_decimal_to_be(le, 2, be) && hexeq(be, 2, "0102"), "258 in 2 bytes");
    le128(32767, le);
    TAP_OK(weir_pq_decimal_to_be(le, 2, be) && hexeq(be, 2, "7fff"), "32767 fits 2 bytes");
    le128(32768, le);
    TAP_OK(!weir_pq_decimal_to_be(le, 2, be), "32768 does not fit 2 bytes");
    le128(-32768, le);
    TAP_OK(weir_pq_decimal_to_be(le, 2, be) && hexeq(be, 2, "8000"), "-32768 fits 2 bytes");
    le128(-32769, le);
    TAP_OK(!weir_pq_decimal_to_be(le, 2, be), "-32769 does not fit 2 bytes");
    le128((__int128)1 << 80, le);
    TAP_OK(!weir_pq_decimal_to_be(le, 9, be), "2^80 does not fit 9 bytes");

    int64_t v = 0;
    le128(INT64_MIN, le);
    TAP_OK(weir_pq_decimal_to_i64(le, &v) && v == INT64_MIN, "INT64_MIN narrows to int64");
    le128((__int128)INT64_MAX + 1, le);
    TAP_OK(!weir_pq_decimal_to_i64(le, &v), "INT64_MAX + 1 does not");
}

/* The native profile unless `map_compat` is set. */
static bool map_compat;

static int map(const char *format, const char *ext, bool ms, struct weir_pq_coltype *t,
               struct weir_error *err)
{
    struct ArrowSchema s = {0};
    size_t mdlen = 0;
    char *md = NULL;
    if (ext != NULL) {
        const char *k[] = {"ARROW:extension:name"}, *v[] = {ext};
        md = weir_arrow_metadata_encode(k, v, 1, &mdlen);
    }
    s.format = format;
    s.name = "col_x";
    s.metadata = md;
    int rc = weir_pq_coltype_from_arrow(&s, ms, !map_compat, t, err);
    free(md);
    return rc;
}

static void mapping(void)
{
    struct weir_pq_coltype t;
    struct weir_error err;
    static const struct {
        const char *format, *ext;
        int phys, converted, logical, type_length, stat, bits;
        bool is_signed, legacy;
    } rows[] = {
        {"b", NULL, WEIR_PQ_BOOLEAN, WEIR_PQ_CT_NONE, WEIR_PQ_LT_NONE, 0, WEIR_PQ_SK_BOOL, 0, 0, 0},
        {"c", NULL, WEIR_PQ_INT32, WEIR_PQ_CT_INT_8, WEIR_PQ_LT_INT, 0, WEIR_PQ_SK_I32, 8, 1, 1},
        {"s", NULL, WEIR_PQ_INT32, WEIR_PQ_CT_INT_16, WEIR_PQ_LT_INT, 0, WEIR_PQ_SK_I32, 16, 1, 1},
        {"i", NULL, WEIR_PQ_INT32, WEIR_PQ_CT_INT_32, WEIR_PQ_LT_INT, 0, WEIR_PQ_SK_I32, 32, 1, 1},
        {"l", NULL, WEIR_PQ_INT64, WEIR_PQ_CT_INT_64, WEIR_PQ_LT_INT, 0, WEIR_PQ_SK_I64, 64, 1, 1},
        {"C", NULL, WEIR_PQ_INT32, WEIR_PQ_CT_UINT_8, WEIR_PQ_LT_INT, 0, WEIR_PQ_SK_U32, 8, 0, 0},
        {"S", NULL, WEIR_PQ_INT32, WEIR_PQ_CT_UINT_16, WEIR_PQ_LT_INT, 0, WEIR_PQ_SK_U32, 16, 0, 0},
        {"I", NULL, WEIR_PQ_INT32, WEIR_PQ_CT_UINT_32, WEIR_PQ_LT_INT, 0, WEIR_PQ_SK_U32, 32, 0, 0},
        {"f", NULL, WEIR_PQ_FLOAT, WEIR_PQ_CT_NONE, WEIR_PQ_LT_NONE, 0, WEIR_PQ_SK_F32, 0, 0, 1},
        {"g", NULL, WEIR_PQ_DOUBLE, WEIR_PQ_CT_NONE, WEIR_PQ_LT_NONE, 0, WEIR_PQ_SK_F64, 0, 0, 1},
        {"d:9,2", NULL, WEIR_PQ_INT32, WEIR_PQ_CT_DECIMAL, WEIR_PQ_LT_DECIMAL, 0, WEIR_PQ_SK_I32,
         0, 0, 1},
        {"d:10,2", NULL, WEIR_PQ_INT64, WEIR_PQ_CT_DECIMAL, WEIR_PQ_LT_DECIMAL, 0, WEIR_PQ_SK_I64,
         0, 0, 1},
        {"d:19,0", NULL, WEIR_PQ_FLBA, WEIR_PQ_CT_DECIMAL, WEIR_PQ_LT_DECIMAL, 9,
         WEIR_PQ_SK_DECIMAL, 0, 0, 0},
        {"d:38,10,128", NULL, WEIR_PQ_FLBA, WEIR_PQ_CT_DECIMAL, WEIR_PQ_LT_DECIMAL, 16,
         WEIR_PQ_SK_DECIMAL, 0, 0, 0},
        {"u", NULL, WEIR_PQ_BYTE_ARRAY, WEIR_PQ_CT_UTF8, WEIR_PQ_LT_STRING, 0, WEIR_PQ_SK_UTF8, 0,
         0, 0},
        {"u", "arrow.json", WEIR_PQ_BYTE_ARRAY, WEIR_PQ_CT_JSON, WEIR_PQ_LT_JSON, 0,
         WEIR_PQ_SK_UTF8, 0, 0, 0},
        {"z", NULL, WEIR_PQ_BYTE_ARRAY, WEIR_PQ_CT_NONE, WEIR_PQ_LT_NONE, 0, WEIR_PQ_SK_BYTES, 0,
         0, 0},
        {"w:16", "arrow.uuid", WEIR_PQ_FLBA, WEIR_PQ_CT_NONE, WEIR_PQ_LT_UUID, 16,
         WEIR_PQ_SK_BYTES, 0, 0, 0},
        {"w:16", NULL, WEIR_PQ_FLBA, WEIR_PQ_CT_NONE, WEIR_PQ_LT_NONE, 16, WEIR_PQ_SK_BYTES, 0, 0,
         0},
        {"w:5", "arrow.uuid", WEIR_PQ_FLBA, WEIR_PQ_CT_NONE, WEIR_PQ_LT_NONE, 5, WEIR_PQ_SK_BYTES,
         0, 0, 0},
        {"tdD", NULL, WEIR_PQ_INT32, WEIR_PQ_CT_DATE, WEIR_PQ_LT_DATE, 0, WEIR_PQ_SK_I32, 0, 0, 1},
        {"ttu", NULL, WEIR_PQ_INT64, WEIR_PQ_CT_TIME_MICROS, WEIR_PQ_LT_TIME, 0, WEIR_PQ_SK_I64, 0,
         0, 1},
        {"tsu:", NULL, WEIR_PQ_INT64, WEIR_PQ_CT_TIMESTAMP_MICROS, WEIR_PQ_LT_TIMESTAMP, 0,
         WEIR_PQ_SK_I64, 0, 0, 1},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int rc = map(rows[i].format, rows[i].ext, false, &t, &err);
        int good = rc == WEIR_OK && t.phys == rows[i].phys && t.converted == rows[i].converted &&
                   t.logical == rows[i].logical && t.type_length == rows[i].type_length &&
                   t.stat_kind == rows[i].stat && t.legacy_stats == rows[i].legacy &&
                   (rows[i].logical != WEIR_PQ_LT_INT ||
                    (t.int_bits == rows[i].bits && t.int_signed == rows[i].is_signed));
        TAP_OK(good, "%s%s%s maps to physical %d converted %d logical %d", rows[i].format,
               rows[i].ext ? " + " : "", rows[i].ext ? rows[i].ext : "", rows[i].phys,
               rows[i].converted, rows[i].logical);
    }
    TAP_OK(map("d:38,10", NULL, false, &t, &err) == WEIR_OK && t.precision == 38 && t.scale == 10,
           "decimal precision and scale kept");
    TAP_OK(map("b", NULL, false, &t, &err) == WEIR_OK && !t.dictionary,
           "booleans are not dictionary encoded");
    TAP_OK(map("tsu:", NULL, false, &t, &err) == WEIR_OK && !t.utc && !t.millis,
           "tsu: is local time (isAdjustedToUTC false)");
    TAP_OK(map("tsu:UTC", NULL, false, &t, &err) == WEIR_OK && t.utc, "tsu:UTC is an instant");
    TAP_OK(map("tsu:Europe/Paris", NULL, true, &t, &err) == WEIR_OK && t.utc && t.millis &&
               t.converted == WEIR_PQ_CT_TIMESTAMP_MILLIS && t.src == WEIR_PQ_SRC_I64_TO_MS,
           "any zone is an instant; timestamp_unit=ms gives TIMESTAMP(MILLIS)");
    TAP_OK(map("ttu", NULL, false, &t, &err) == WEIR_OK && !t.utc, "time is not adjusted to UTC");

    static const char *bad[] = {"tss:", "tsn:UTC", "+l", "d:39,2", "d:5,6", "d:10,2,256",
                                "w:0", "U", "vu", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = map(bad[i], NULL, false, &t, &err);
        TAP_OK(rc == WEIR_ECONFIG && strstr(err.message, "col_x") != NULL &&
                   strstr(err.message, bad[i]) != NULL,
               "format \"%s\" refused with WEIR_ECONFIG naming the column", bad[i]);
    }
}

/* The compat profile: what differs from native, and what does not. */
static void compat_mapping(void)
{
    struct weir_pq_coltype t;
    struct weir_error err;
    static const struct {
        const char *format, *ext;
        int src, phys, converted, logical, stat, bits;
    } rows[] = {
        {"w:16", "arrow.uuid", WEIR_PQ_SRC_UUID_TEXT, WEIR_PQ_BYTE_ARRAY, WEIR_PQ_CT_UTF8,
         WEIR_PQ_LT_STRING, WEIR_PQ_SK_UTF8, 0},
        {"w:16", NULL, WEIR_PQ_SRC_FIXED, WEIR_PQ_BYTE_ARRAY, WEIR_PQ_CT_NONE, WEIR_PQ_LT_NONE,
         WEIR_PQ_SK_BYTES, 0},
        {"w:5", "arrow.uuid", WEIR_PQ_SRC_FIXED, WEIR_PQ_BYTE_ARRAY, WEIR_PQ_CT_NONE,
         WEIR_PQ_LT_NONE, WEIR_PQ_SK_BYTES, 0},
        {"ttu", NULL, WEIR_PQ_SRC_I64, WEIR_PQ_INT64, WEIR_PQ_CT_INT_64, WEIR_PQ_LT_INT,
         WEIR_PQ_SK_I64, 64},
        {"C", NULL, WEIR_PQ_SRC_U8, WEIR_PQ_INT32, WEIR_PQ_CT_INT_16, WEIR_PQ_LT_INT,
         WEIR_PQ_SK_I32, 16},
        {"S", NULL, WEIR_PQ_SRC_U16, WEIR_PQ_INT32, WEIR_PQ_CT_INT_32, WEIR_PQ_LT_INT,
         WEIR_PQ_SK_I32, 32},
        {"I", NULL, WEIR_PQ_SRC_U32_TO_I64, WEIR_PQ_INT64, WEIR_PQ_CT_INT_64, WEIR_PQ_LT_INT,
         WEIR_PQ_SK_I64, 64},
        {"l", NULL, WEIR_PQ_SRC_I64, WEIR_PQ_INT64, WEIR_PQ_CT_INT_64, WEIR_PQ_LT_INT,
         WEIR_PQ_SK_I64, 64},
        {"tsu:UTC", NULL, WEIR_PQ_SRC_I64, WEIR_PQ_INT64, WEIR_PQ_CT_TIMESTAMP_MICROS,
         WEIR_PQ_LT_TIMESTAMP, WEIR_PQ_SK_I64, 0},
        {"d:38,10", NULL, WEIR_PQ_SRC_DEC_FLBA, WEIR_PQ_FLBA, WEIR_PQ_CT_DECIMAL,
         WEIR_PQ_LT_DECIMAL, WEIR_PQ_SK_DECIMAL, 0},
        /* Hive 3 reads only binary decimals: small precisions too are FLBA */
        {"d:9,2", NULL, WEIR_PQ_SRC_DEC_FLBA, WEIR_PQ_FLBA, WEIR_PQ_CT_DECIMAL,
         WEIR_PQ_LT_DECIMAL, WEIR_PQ_SK_DECIMAL, 0},
        {"d:18,4", NULL, WEIR_PQ_SRC_DEC_FLBA, WEIR_PQ_FLBA, WEIR_PQ_CT_DECIMAL,
         WEIR_PQ_LT_DECIMAL, WEIR_PQ_SK_DECIMAL, 0},
    };
    map_compat = true;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int rc = map(rows[i].format, rows[i].ext, false, &t, &err);
        bool good = rc == WEIR_OK && t.src == rows[i].src && t.phys == rows[i].phys &&
                    t.converted == rows[i].converted && t.logical == rows[i].logical &&
                    t.stat_kind == rows[i].stat &&
                    (rows[i].logical != WEIR_PQ_LT_INT ||
                     (t.int_bits == rows[i].bits && t.int_signed)) &&
                    (t.phys != WEIR_PQ_BYTE_ARRAY || t.value_size == 0);
        TAP_OK(good, "compat: %s%s%s maps to src %d physical %d logical %d", rows[i].format,
               rows[i].ext ? " + " : "", rows[i].ext ? rows[i].ext : "", rows[i].src,
               rows[i].phys, rows[i].logical);
    }
    /* the minimal width for the precision (LogicalTypes.md, DECIMAL) */
    static const struct {
        const char *format;
        int width;
    } widths[] = {{"d:1,0", 1}, {"d:2,0", 1}, {"d:3,0", 2}, {"d:4,2", 2}, {"d:9,2", 4},
                  {"d:10,0", 5}, {"d:18,4", 8}, {"d:19,0", 9}};
    for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
        int rc = map(widths[i].format, NULL, false, &t, &err);
        TAP_OK(rc == WEIR_OK && t.type_length == widths[i].width &&
                   t.value_size == widths[i].width && !t.legacy_stats,
               "compat: %s is FIXED_LEN_BYTE_ARRAY(%d) without legacy min/max", widths[i].format,
               widths[i].width);
    }
    map_compat = false;

    uint8_t text[36];
    static const uint8_t u[16] = {0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8,
                                  0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11};
    weir_pq_uuid_text(u, text);
    TAP_OK(memcmp(text, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", 36) == 0,
           "uuid text: lowercase 8-4-4-4-12");
    static const uint8_t ff[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
    weir_pq_uuid_text(ff, text);
    TAP_OK(memcmp(text, "ffffffff-ffff-ffff-ffff-ffffffffff00", 36) == 0, "uuid text: high bytes");
}

/* A list maps its element (the profile's rules included) and is PLAIN. */
static void list_mapping(void)
{
    struct weir_error err;
    struct weir_pq_coltype t;
    const char *k[] = {"ARROW:extension:name"}, *v[] = {"arrow.uuid"};
    size_t mdlen = 0;
    char *md = weir_arrow_metadata_encode(k, v, 1, &mdlen);
    struct ArrowSchema e = {.format = "i", .name = "element"};
    struct ArrowSchema *kids[1] = {&e};
    struct ArrowSchema l = {.format = "+l", .name = "tags", .n_children = 1, .children = kids};
    TAP_OK(weir_pq_coltype_from_arrow(&l, false, false, &t, &err) == WEIR_OK && t.list &&
               t.phys == WEIR_PQ_INT32 && t.logical == WEIR_PQ_LT_INT && t.int_bits == 32 &&
               t.dictionary,
           "list of int32: a LIST leaf INT32 INT(32,true), dictionary encoded like the element");
    e.format = "w:16";
    e.metadata = md;
    TAP_OK(weir_pq_coltype_from_arrow(&l, false, false, &t, &err) == WEIR_OK && t.list &&
               t.src == WEIR_PQ_SRC_UUID_TEXT && t.logical == WEIR_PQ_LT_STRING,
           "list of uuid under compat: the elements are 36-character text");
    TAP_OK(weir_pq_coltype_from_arrow(&l, false, true, &t, &err) == WEIR_OK && t.list &&
               t.logical == WEIR_PQ_LT_UUID,
           "list of uuid under native: the elements are UUID");
    e.format = "+l";
    int rc = weir_pq_coltype_from_arrow(&l, false, false, &t, &err);
    TAP_OK(rc == WEIR_ECONFIG && strstr(err.message, "tags") != NULL,
           "a list of lists is refused naming the column");
    free(md);
}

int main(void)
{
    decimals();
    mapping();
    compat_mapping();
    list_mapping();
    return tap_done();
}
