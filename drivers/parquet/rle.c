/* RLE / bit-packing hybrid encoder; see rle.h. */
#include "parquet/rle.h"

int weir_pq_bit_width(uint64_t max)
{
    int n = 0;
    while (max != 0) {
        n++;
        max >>= 1;
    }
    return n;
}

void weir_pq_bitpack8(struct weir_pq_buf *out, const uint32_t *v, int bw)
{
    uint8_t bytes[32];
    uint64_t acc = 0;
    int bits = 0;
    size_t n = 0;
    uint64_t mask = bw == 32 ? 0xffffffffu : ((1u << bw) - 1u);
    for (int i = 0; i < 8; i++) {
        acc |= ((uint64_t)v[i] & mask) << bits;
        bits += bw;
        while (bits >= 8) {
            bytes[n++] = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
    /* 8 * bw bits is always a whole number of bytes. */
    weir_pq_buf_append(out, bytes, n);
}

static void rle_run(struct weir_pq_buf *out, uint32_t value, size_t count, int bw)
{
    weir_pq_buf_uvarint(out, (uint64_t)count << 1);
    for (int i = 0; i < (bw + 7) / 8; i++) {
        weir_pq_buf_byte(out, (uint8_t)(value >> (8 * i)));
    }
}

/* Bit-packs v[0..n); n is a multiple of 8 except at the very end of the
 * stream, where the last group is padded with zeros. A header covers at most
 * 63 groups so it always fits in one varint byte. */
static void packed_runs(struct weir_pq_buf *out, const uint32_t *v, size_t n, int bw)
{
    while (n > 0) {
        size_t groups = (n + 7) / 8;
        if (groups > 63) {
            groups = 63;
        }
        weir_pq_buf_uvarint(out, (uint64_t)(groups << 1) | 1u);
        for (size_t g = 0; g < groups; g++) {
            if (n >= 8) {
                weir_pq_bitpack8(out, v, bw);
                v += 8;
                n -= 8;
            } else {
                uint32_t last[8] = {0};
                for (size_t i = 0; i < n; i++) {
                    last[i] = v[i];
                }
                weir_pq_bitpack8(out, last, bw);
                n = 0;
            }
        }
    }
}

void weir_pq_rle_encode(struct weir_pq_buf *out, const uint32_t *v, size_t n, int bw)
{
    size_t lit = 0; /* start of values not yet written; they will be bit-packed */
    size_t i = 0;
    while (i < n) {
        size_t r = 1;
        while (i + r < n && v[i + r] == v[i]) {
            r++;
        }
        if (r >= 8) {
            /* Literal runs must hold whole groups of 8, so the run lends the
             * pending literals enough values to fill their last group. */
            size_t pad = (8 - (i - lit) % 8) % 8;
            if (r - pad >= 8) {
                packed_runs(out, v + lit, i + pad - lit, bw);
                rle_run(out, v[i], r - pad, bw);
                i += r;
                lit = i;
                continue;
            }
        }
        i += r;
    }
    packed_runs(out, v + lit, n - lit, bw);
}

void weir_pq_rle_repeat(struct weir_pq_buf *out, uint32_t value, size_t n, int bw)
{
    rle_run(out, value, n, bw);
}
