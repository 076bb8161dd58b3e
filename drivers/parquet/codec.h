/*
 * Page compression: UNCOMPRESSED, SNAPPY (raw snappy), GZIP (RFC 1952 via
 * zlib), ZSTD and LZ4_RAW (an LZ4 block, no framing), per parquet.thrift
 * CompressionCodec and Compression.md.
 */
#ifndef WEIR_PARQUET_CODEC_H
#define WEIR_PARQUET_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "parquet/pq_buf.h"
#include "weir/weir.h"

/* parquet.thrift CompressionCodec */
enum weir_pq_codec {
    WEIR_PQ_CODEC_NONE = 0,
    WEIR_PQ_CODEC_SNAPPY = 1,
    WEIR_PQ_CODEC_GZIP = 2,
    WEIR_PQ_CODEC_ZSTD = 6,
    WEIR_PQ_CODEC_LZ4_RAW = 7,
};

#define WEIR_PQ_LEVEL_DEFAULT INT32_MIN

/* Maps an option value (none | snappy | gzip | zstd | lz4); -1 when unknown. */
int weir_pq_codec_from_name(const char *name);

struct weir_pq_codec_ctx; /* reusable compressor state */

/* *ctx is new (free with weir_pq_codec_free). `level` is WEIR_PQ_LEVEL_DEFAULT
 * or a codec level: gzip 0..9, zstd 1..22 (negative: fast), lz4 1..12 (>1
 * uses LZ4 HC); snappy has none. */
int weir_pq_codec_new(int codec, int level, struct weir_pq_codec_ctx **ctx,
                      struct weir_error *err);
void weir_pq_codec_free(struct weir_pq_codec_ctx *ctx);
int weir_pq_codec_id(const struct weir_pq_codec_ctx *ctx);

/* At least the room weir_pq_compress reserves for `len` input bytes: an out
 * buffer with this capacity is never reallocated. */
size_t weir_pq_compress_bound(struct weir_pq_codec_ctx *ctx, size_t len);

/* Replaces out's contents with the compressed form of in[0..len). */
int weir_pq_compress(struct weir_pq_codec_ctx *ctx, const uint8_t *in, size_t len,
                     struct weir_pq_buf *out, struct weir_error *err);

#endif
