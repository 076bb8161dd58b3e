/* Thrift compact protocol encoder: bytes computed by hand from the compact
 * protocol specification, then decoded back with the test reader. */
#include "parquet/thrift.h"

#include "tap.h"
#include "test_parquet_util.h"

static void varints(void)
{
    static const struct {
        uint64_t v;
        uint8_t bytes[10];
        size_t n;
    } cases[] = {
        {0, {0x00}, 1},
        {1, {0x01}, 1},
        {127, {0x7f}, 1},
        {128, {0x80, 0x01}, 2},
        {300, {0xac, 0x02}, 2},
        {50399, {0xdf, 0x89, 0x03}, 3}, /* the spec's own example */
        {UINT32_MAX, {0xff, 0xff, 0xff, 0xff, 0x0f}, 5},
        {UINT64_MAX, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct weir_pq_buf b;
        weir_pq_buf_init(&b, 0);
        weir_pq_buf_uvarint(&b, cases[i].v);
        TAP_OK(b.len == cases[i].n && memcmp(b.data, cases[i].bytes, b.len) == 0,
               "varint %llu", (unsigned long long)cases[i].v);
        weir_pq_buf_reset(&b);
    }
    TAP_EQ_INT(weir_pq_zigzag32(0), 0, "zigzag32 0");
    TAP_EQ_INT(weir_pq_zigzag32(-1), 1, "zigzag32 -1");
    TAP_EQ_INT(weir_pq_zigzag32(1), 2, "zigzag32 1");
    TAP_EQ_INT(weir_pq_zigzag32(-2), 3, "zigzag32 -2");
    TAP_EQ_INT(weir_pq_zigzag32(INT32_MAX), 4294967294u, "zigzag32 max");
    TAP_EQ_INT(weir_pq_zigzag32(INT32_MIN), 4294967295u, "zigzag32 min");
    TAP_OK(weir_pq_zigzag64(INT64_MIN) == UINT64_MAX, "zigzag64 min");
    TAP_OK(weir_pq_zigzag64(INT64_MAX) == UINT64_MAX - 1, "zigzag64 max");
}

static void structs(void)
{
    struct weir_pq_buf b;
    weir_pq_buf_init(&b, 0);
    struct weir_pq_tw w;
    weir_pq_tw_init(&w, &b);
    weir_pq_tw_field_i32(&w, 1, 5);         /* 15 0a */
    weir_pq_tw_field_i64(&w, 3, -1);        /* 26 01 */
    weir_pq_tw_field_bool(&w, 4, true);     /* 11 */
    weir_pq_tw_field_bool(&w, 5, false);    /* 12 */
    weir_pq_tw_field_binary(&w, 6, "ab", 2); /* 18 02 61 62 */
    weir_pq_tw_field_i32(&w, 40, 1);        /* delta 34: long form 05 50 02 */
    weir_pq_tw_struct_begin(&w, 41);        /* 1c */
    weir_pq_tw_field_i32(&w, 1, -3);        /*   15 05 */
    weir_pq_tw_field_empty(&w, 2);          /*   1c 00 */
    weir_pq_tw_struct_end(&w);              /*   00 */
    weir_pq_tw_list_begin(&w, 42, WEIR_PQ_T_I32, 3); /* 19 35 */
    weir_pq_tw_i32(&w, 1);                  /* 02 */
    weir_pq_tw_i32(&w, -1);                 /* 01 */
    weir_pq_tw_i32(&w, 64);                 /* 80 01 */
    weir_pq_tw_list_begin(&w, 43, WEIR_PQ_T_STRUCT, 2); /* 19 2c */
    weir_pq_tw_elem_struct_begin(&w);
    weir_pq_tw_field_i16(&w, 7, 300);       /* 74 d8 04 */
    weir_pq_tw_struct_end(&w);              /* 00 */
    weir_pq_tw_elem_struct_begin(&w);
    weir_pq_tw_struct_end(&w);              /* 00 */
    weir_pq_tw_list_begin(&w, 44, WEIR_PQ_T_BOOL_ELEM, 2); /* 19 22 */
    weir_pq_tw_bool(&w, true);              /* 01 */
    weir_pq_tw_bool(&w, false);             /* 00 */
    weir_pq_tw_list_begin(&w, 45, WEIR_PQ_T_I64, 15); /* 19 f6 0f, then 15 x 00 */
    for (int i = 0; i < 15; i++) {
        weir_pq_tw_i64(&w, 0);
    }
    weir_pq_tw_field_i8(&w, 46, -2);        /* 13 fe */
    weir_pq_tw_field_i32(&w, 300, 0);       /* delta 254: 05 d8 04 00 */
    weir_pq_tw_struct_end(&w);              /* 00 */
    static const uint8_t want[] = {
        0x15, 0x0a, 0x26, 0x01, 0x11, 0x12, 0x18, 0x02, 0x61, 0x62, 0x05, 0x50, 0x02,
        0x1c, 0x15, 0x05, 0x1c, 0x00, 0x00, 0x19, 0x35, 0x02, 0x01, 0x80, 0x01,
        0x19, 0x2c, 0x74, 0xd8, 0x04, 0x00, 0x00, 0x19, 0x22, 0x01, 0x00,
        0x19, 0xf6, 0x0f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x13, 0xfe, 0x05, 0xd8, 0x04, 0x00, 0x00,
    };
    TAP_OK(weir_pq_tw_ok(&w), "writer state ok");
    TAP_EQ_INT(b.len, sizeof(want), "struct length");
    TAP_OK(b.len == sizeof(want) && memcmp(b.data, want, sizeof(want)) == 0,
           "struct bytes equal the hand encoding");
    if (b.len == sizeof(want) && memcmp(b.data, want, sizeof(want)) != 0) {
        for (size_t i = 0; i < b.len; i++) {
            printf("# %zu: %02x %02x\n", i, b.data[i], want[i]);
        }
    }
    static struct tdoc d;
    size_t at = 0;
    TAP_OK(td_parse(&d, b.data, b.len, &at) && at == b.len, "reader parses it back");
    TAP_EQ_INT(td_int(&d, "1", 0), 5, "field 1");
    TAP_EQ_INT(td_int(&d, "3", 0), -1, "field 3");
    TAP_EQ_INT(td_int(&d, "4", 9), 1, "bool true");
    TAP_EQ_INT(td_int(&d, "5", 9), 0, "bool false");
    TAP_EQ_INT(td_int(&d, "41.1", 0), -3, "nested struct field");
    TAP_EQ_INT(td_int(&d, "42[2]", 0), 64, "list element");
    TAP_EQ_INT(td_int(&d, "43[0].7", 0), 300, "i16 in a struct in a list");
    TAP_EQ_INT(td_int(&d, "44[0]", 9) * 10 + td_int(&d, "44[1]", 9), 10, "bool list");
    TAP_EQ_INT(td_int(&d, "45", 0), 15, "long list size");
    TAP_EQ_INT(td_int(&d, "46", 0), -2, "i8");
    TAP_EQ_INT(td_int(&d, "300", 9), 0, "field id 300");
    weir_pq_buf_reset(&b);
}

static void errors(void)
{
    struct weir_pq_buf b;
    weir_pq_buf_init(&b, 0);
    struct weir_pq_tw w;
    weir_pq_tw_init(&w, &b);
    weir_pq_tw_field_i32(&w, 2, 1);
    weir_pq_tw_field_i32(&w, 2, 1);
    weir_pq_tw_struct_end(&w);
    TAP_OK(!weir_pq_tw_ok(&w), "repeated field id is refused");
    weir_pq_buf_reset(&b);

    weir_pq_buf_init(&b, 0);
    weir_pq_tw_init(&w, &b);
    weir_pq_tw_struct_begin(&w, 1);
    weir_pq_tw_struct_end(&w);
    TAP_OK(!weir_pq_tw_ok(&w) || b.len != 3, "unclosed top-level struct is not ok");
    weir_pq_buf_reset(&b);

    /* a bounded buffer: the overflow is sticky and reported */
    weir_pq_buf_init(&b, 8);
    weir_pq_tw_init(&w, &b);
    weir_pq_tw_field_binary(&w, 1, "0123456789", 10);
    weir_pq_tw_struct_end(&w);
    TAP_OK(!weir_pq_tw_ok(&w) && b.failed, "buffer maximum is enforced");
    weir_pq_buf_reset(&b);

    weir_pq_buf_init(&b, 0);
    weir_pq_tw_init(&w, &b);
    for (int i = 0; i < WEIR_PQ_TW_MAX_DEPTH + 2; i++) {
        weir_pq_tw_struct_begin(&w, 1);
    }
    TAP_OK(w.bad, "nesting deeper than the limit is refused");
    weir_pq_buf_reset(&b);
}

int main(void)
{
    varints();
    structs();
    errors();
    return tap_done();
}
