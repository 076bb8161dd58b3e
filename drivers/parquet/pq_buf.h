/*
 * A growable byte buffer with a hard maximum, used by every part of the
 * Parquet writer. Appends past the maximum, or failed allocations, set a
 * sticky `failed` flag instead of returning a status each time, so encoders
 * can write a whole structure and check once (as curl's dynbuf does).
 */
#ifndef WEIR_PARQUET_PQ_BUF_H
#define WEIR_PARQUET_PQ_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weir_pq_buf {
    uint8_t *data; /* owned; NULL while empty */
    size_t len;
    size_t cap;
    size_t max;  /* hard maximum of len; 0 means SIZE_MAX / 2 */
    bool failed; /* an append did not fit or allocation failed */
};

/* Empties `b` (no allocation) with the given maximum (0: no practical bound). */
void weir_pq_buf_init(struct weir_pq_buf *b, size_t max);
/* Frees the storage; the buffer can be used again after init. */
void weir_pq_buf_reset(struct weir_pq_buf *b);
/* Gives the spare capacity back (for buffers kept long as they are). */
void weir_pq_buf_fit(struct weir_pq_buf *b);
/* Keeps the storage, drops the contents and the failed flag. */
void weir_pq_buf_clear(struct weir_pq_buf *b);
/* Ensures room for `extra` more bytes; false (and failed set) when it cannot. */
bool weir_pq_buf_reserve(struct weir_pq_buf *b, size_t extra);
void weir_pq_buf_append(struct weir_pq_buf *b, const void *data, size_t len);
void weir_pq_buf_byte(struct weir_pq_buf *b, uint8_t v);
void weir_pq_buf_u32le(struct weir_pq_buf *b, uint32_t v);
void weir_pq_buf_u64le(struct weir_pq_buf *b, uint64_t v);
/* Unsigned LEB128 (Parquet and Thrift "varint"). */
void weir_pq_buf_uvarint(struct weir_pq_buf *b, uint64_t v);

#endif
