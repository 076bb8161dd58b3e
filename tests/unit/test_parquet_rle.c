/* RLE / bit-packing hybrid: sequences from Encodings.md worked by hand, then
 * round trips through an independent decoder. */
#include "parquet/rle.h"

#include "tap.h"
#include "test_parquet_util.h"

static void expect(const uint32_t *v, size_t n, int bw, const uint8_t *want, size_t wlen,
                   const char *name)
{
    struct weir_pq_buf b;
    weir_pq_buf_init(&b, 0);
    weir_pq_rle_encode(&b, v, n, bw);
    int same = b.len == wlen && (wlen == 0 || memcmp(b.data, want, wlen) == 0);
    TAP_OK(same, "%s", name);
    if (!same) {
        printf("#   got ");
        for (size_t i = 0; i < b.len; i++) {
            printf("%02x ", b.data[i]);
        }
        printf("\n");
    }
    weir_pq_buf_reset(&b);
}

static void hand(void)
{
    /* Encodings.md: 0..7 bit-packed with width 3 is 10001000 11000110 11111010. */
    uint32_t seq[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    struct weir_pq_buf b;
    weir_pq_buf_init(&b, 0);
    weir_pq_bitpack8(&b, seq, 3);
    TAP_OK(b.len == 3 && b.data[0] == 0x88 && b.data[1] == 0xc6 && b.data[2] == 0xfa,
           "bit-pack 0..7 at width 3 (the spec's example)");
    weir_pq_buf_reset(&b);
    expect(seq, 8, 3, (const uint8_t[]){0x03, 0x88, 0xc6, 0xfa}, 4,
           "0..7: one bit-packed group, header 0x03");

    uint32_t run[100];
    for (int i = 0; i < 100; i++) {
        run[i] = 5;
    }
    expect(run, 100, 3, (const uint8_t[]){0xc8, 0x01, 0x05}, 3,
           "100 x 5: one RLE run, varint(200) then one value byte");
    expect(run, 100, 12, (const uint8_t[]){0xc8, 0x01, 0x05, 0x00}, 4,
           "width 12: the run value takes two bytes");

    uint32_t mixed[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3};
    expect(mixed, 12, 2, (const uint8_t[]){0x14, 0x01, 0x03, 0x0e, 0x00}, 5,
           "10 x 1 then 2,3: RLE run, then a zero-padded bit-packed group");

    /* 7 then 15 x 4 (width 3): the run lends 7 values to fill the literal
     * group [7,4,4,4,4,4,4,4] = 27 49 92, the other 8 stay a run. */
    uint32_t lend[16] = {7, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4};
    expect(lend, 16, 3, (const uint8_t[]){0x03, 0x27, 0x49, 0x92, 0x10, 0x04}, 6,
           "a run completes the pending literal group before becoming RLE");

    uint32_t one[1] = {1};
    expect(one, 1, 1, (const uint8_t[]){0x03, 0x01}, 2, "a single value at width 1");
    expect(one, 0, 1, (const uint8_t[]){0}, 0, "no values: no bytes");

    /* Definition levels of 7 rows: 1 0 1 1 0 0 1 -> one group 0b01001101. */
    uint32_t lv[7] = {1, 0, 1, 1, 0, 0, 1};
    expect(lv, 7, 1, (const uint8_t[]){0x03, 0x4d}, 2, "definition levels bit-packed");

    TAP_EQ_INT(weir_pq_bit_width(0), 0, "bit width of 0");
    TAP_EQ_INT(weir_pq_bit_width(1), 1, "bit width of 1");
    TAP_EQ_INT(weir_pq_bit_width(255), 8, "bit width of 255");
    TAP_EQ_INT(weir_pq_bit_width(256), 9, "bit width of 256");
    TAP_EQ_INT(weir_pq_bit_width(UINT32_MAX), 32, "bit width of 2^32-1");
}

static uint64_t rng = 88172645463325252ull;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void round_trips(void)
{
    static uint32_t v[20000], back[20000];
    int widths[] = {1, 2, 3, 5, 8, 11, 16, 20, 31, 32};
    int all_ok = 1;
    for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++) {
        int bw = widths[wi];
        uint32_t mask = bw == 32 ? 0xffffffffu : ((1u << bw) - 1);
        for (int shape = 0; shape < 4; shape++) {
            size_t n = 1 + next() % 20000;
            for (size_t i = 0; i < n;) {
                /* shape 0: random; 1: runs; 2: alternating; 3: mixed runs and noise */
                size_t len = shape == 0 ? 1 : shape == 1 ? 1 + next() % 40 : shape == 2 ? 1
                                                                    : 1 + next() % 12;
                uint32_t x = shape == 2 ? (uint32_t)(i & 1) : next() & mask;
                for (size_t k = 0; k < len && i < n; k++) {
                    v[i++] = x;
                }
            }
            struct weir_pq_buf b;
            weir_pq_buf_init(&b, 0);
            weir_pq_rle_encode(&b, v, n, bw);
            memset(back, 0xee, sizeof(back));
            size_t got = rle_decode(b.data, b.len, bw, back, n);
            int ok = got == n && memcmp(v, back, n * sizeof(v[0])) == 0 && !b.failed;
            if (!ok) {
                printf("# width %d shape %d n %zu: got %zu values\n", bw, shape, n, got);
                all_ok = 0;
            }
            /* Bit-packed headers cover at most 63 groups; runs at least 8 values. */
            weir_pq_buf_reset(&b);
        }
    }
    TAP_OK(all_ok, "random, run-heavy and alternating sequences round trip at 10 widths");

    /* 1000 alternating bits: 125 groups split into 63 + 62 under two headers. */
    for (int i = 0; i < 1000; i++) {
        v[i] = (uint32_t)(i & 1);
    }
    struct weir_pq_buf b;
    weir_pq_buf_init(&b, 0);
    weir_pq_rle_encode(&b, v, 1000, 1);
    TAP_OK(b.len == 1 + 63 + 1 + 62 && b.data[0] == (63 << 1 | 1) && b.data[64] == (62 << 1 | 1),
           "long literal stretches split at 63 groups per header");
    TAP_OK(b.data[1] == 0xaa, "alternating bits pack as 0xaa");
    weir_pq_buf_reset(&b);
}

int main(void)
{
    hand();
    round_trips();
    return tap_done();
}
