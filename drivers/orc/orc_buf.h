/*
 * ORC writer: a growable byte buffer with a hard maximum, and the base-128
 * varint and zigzag helpers that protobuf and the integer encodings share.
 *
 * Internal to weir_writer_orc.so (hidden visibility); unit tests link it too.
 */
#ifndef WEIR_ORC_BUF_H
#define WEIR_ORC_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "weir/weir.h"

/* A byte buffer. Zero-initialise it (or call orc_buf_init); `max` bounds len
 * (0 = the default bound, 1 GiB). data is owned; free with orc_buf_free. */
struct orc_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
};

#define ORC_BUF_DEFAULT_MAX ((size_t)1 << 30)

void weir_orc_buf_init(struct orc_buf *b, size_t max);
void weir_orc_buf_free(struct orc_buf *b);
/* Makes room for n more bytes; WEIR_ENOMEM past the bound or on allocation failure. */
int weir_orc_buf_reserve(struct orc_buf *b, size_t n, struct weir_error *err);
int weir_orc_buf_append(struct orc_buf *b, const void *p, size_t n, struct weir_error *err);
int weir_orc_buf_byte(struct orc_buf *b, uint8_t v, struct weir_error *err);
/* Unsigned base-128 varint (protobuf's). */
int weir_orc_buf_uvarint(struct orc_buf *b, uint64_t v, struct weir_error *err);
/* Zigzag then varint. */
int weir_orc_buf_svarint(struct orc_buf *b, int64_t v, struct weir_error *err);

static inline uint64_t orc_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int64_t orc_unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Writes the varint of v into out[0..10); returns its length. */
size_t weir_orc_varint_put(uint8_t *out, uint64_t v);

#endif
