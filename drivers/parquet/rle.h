/*
 * The RLE / bit-packing hybrid encoding of Parquet (Encodings.md, "Run Length
 * Encoding / Bit-Packing Hybrid"), used for definition levels and dictionary
 * indices.
 *
 *   run        := bit-packed-run | rle-run
 *   rle-run    := varint(count << 1)           value in ceil(bw / 8) bytes, little endian
 *   bit-packed := varint(groups << 1 | 1)      groups * 8 values, bw bits each, LSB first
 *
 * The encoder emits an RLE run for every stretch of at least 8 equal values
 * that can start on a group boundary, and bit-packs the rest. Only the last
 * bit-packed group of the output may be padded with zeros (readers know the
 * value count).
 */
#ifndef WEIR_PARQUET_RLE_H
#define WEIR_PARQUET_RLE_H

#include <stddef.h>
#include <stdint.h>

#include "parquet/pq_buf.h"

/* Bits needed to store `max` (0 for 0). */
int weir_pq_bit_width(uint64_t max);

/* Appends the hybrid encoding of v[0..n) (each value < 2^bw, bw 0..32) to
 * `out`, without any length prefix. */
void weir_pq_rle_encode(struct weir_pq_buf *out, const uint32_t *v, size_t n, int bw);
/* The same for n (at least 1) copies of one value: a single RLE run. */
void weir_pq_rle_repeat(struct weir_pq_buf *out, uint32_t value, size_t n, int bw);

/* Appends 8 values of bw bits, LSB first (bw bytes). Exposed for tests. */
void weir_pq_bitpack8(struct weir_pq_buf *out, const uint32_t *v, int bw);

#endif
