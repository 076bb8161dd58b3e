/*
 * ORC writer: general compression and compressed output streams.
 *
 * Every part of an ORC file but the PostScript goes through an orc_ostream:
 * with a codec, bytes are cut into chunks of at most `block` uncompressed
 * bytes, each compressed on its own and prefixed with ORC's 3-byte header
 * (length << 1 | isOriginal, little endian); a chunk that does not shrink is
 * stored as is (isOriginal = 1). Without a codec the bytes pass through.
 */
#ifndef WEIR_ORC_STREAM_H
#define WEIR_ORC_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "orc_buf.h"

/* Values of the PostScript's CompressionKind. */
enum orc_compression {
    ORC_COMP_NONE = 0,
    ORC_COMP_ZLIB = 1,
    ORC_COMP_SNAPPY = 2,
    ORC_COMP_LZ4 = 4,
    ORC_COMP_ZSTD = 5,
};

/* Largest chunk a 3-byte header can describe (23 bits of length). */
#define ORC_MAX_BLOCK ((size_t)(1u << 23) - 1)

/* A writer's codec: its kind. The heavy state (a deflate stream of about
 * 256 KiB, a zstd context with its workspace) comes from a process-wide pool
 * for each chunk (see orc_stream.c). */
struct orc_codec {
    int kind; /* enum orc_compression */
};

/* Parses "none|zlib|gzip|snappy|zstd|lz4" into *kind; WEIR_ECONFIG otherwise. */
int weir_orc_codec_parse(const char *name, int *kind, struct weir_error *err);
int weir_orc_codec_init(struct orc_codec *c, int kind, struct weir_error *err);
void weir_orc_codec_free(struct orc_codec *c);
/* Appends one chunk of src[0..n) to *out: the 3-byte header, then the
 * compressed bytes, or src itself when compressing does not shrink it. */
int weir_orc_codec_chunk(struct orc_codec *c, const void *src, size_t n, struct orc_buf *out,
                         struct weir_error *err);

/* The 3-byte chunk header: len << 1 | original, little endian. */
void weir_orc_chunk_header(size_t len, bool original, uint8_t out[3]);

struct orc_ostream {
    struct orc_codec *codec; /* borrowed; NULL or kind NONE: no chunking */
    size_t block;
    struct orc_buf out;  /* finished bytes (chunk headers included) */
    struct orc_buf pend; /* uncompressed bytes of the open chunk */
};

void weir_orc_ostream_init(struct orc_ostream *s, struct orc_codec *codec, size_t block);
void weir_orc_ostream_free(struct orc_ostream *s);
/* Drops everything written (the buffers are kept for reuse). */
void weir_orc_ostream_reset(struct orc_ostream *s);
int weir_orc_ostream_write(struct orc_ostream *s, const void *p, size_t n, struct weir_error *err);
/* Closes the open chunk. */
int weir_orc_ostream_flush(struct orc_ostream *s, struct weir_error *err);
/* Appends the current position (1 number uncompressed: byte offset; 2 with a
 * codec: chunk start, offset inside the decompressed chunk) to pos[*n..]. */
void weir_orc_ostream_position(const struct orc_ostream *s, uint64_t *pos, int *n);
/* Bytes held: finished plus pending. */
static inline size_t orc_ostream_size(const struct orc_ostream *s)
{
    return s->out.len + s->pend.len;
}
static inline bool orc_ostream_compressed(const struct orc_ostream *s)
{
    return s->codec != NULL && s->codec->kind != ORC_COMP_NONE;
}

/* Compresses a whole section (footer, metadata, stripe footer, row index)
 * into *out (appended). */
int weir_orc_compress_section(struct orc_codec *codec, size_t block, const void *p, size_t n,
                              struct orc_buf *out, struct weir_error *err);

#endif
