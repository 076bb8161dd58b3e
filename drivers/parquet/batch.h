/*
 * An owned, compact copy of one batch, made in the host's thread so the
 * encoder thread can work on it after `write` returns (the host's batch is
 * only borrowed for the call).
 *
 * Each column becomes a plain Arrow array of offset 0 whose validity already
 * folds in the batch struct's own nulls, so the encoder needs no parent.
 * Variable-width offsets are rebased to start at 0 and checked as they are
 * copied. Storage is kept between copies (copy into the same struct again).
 */
#ifndef WEIR_PARQUET_BATCH_H
#define WEIR_PARQUET_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "parquet/column.h"
#include "parquet/pq_buf.h"
#include "weir/weir.h"

struct weir_pq_batch_col {
    struct ArrowArray arr; /* offset 0; buffers point into bufs below */
    const void *bufs[3];
    struct weir_pq_buf validity, values, data;
};

struct weir_pq_batch {
    int64_t length;
    size_t n_cols;
    struct weir_pq_batch_col *cols;   /* owned, n_cols */
    const struct ArrowArray **arrays; /* owned, n_cols: &cols[i].arr */
    uint64_t bytes;                   /* bytes copied */
};

/*
 * Replaces b's contents with a copy of `batch` (a "+s" struct array that
 * passed the writer's shape check; `top` is its struct with a buffers table),
 * column i typed as cols[i]. WEIR_EDATA for bad variable-width offsets (as
 * the encoder would report them), WEIR_ENOMEM.
 */
int weir_pq_batch_copy(struct weir_pq_batch *b, const struct ArrowArray *top,
                       const struct weir_pq_column *cols, size_t n_cols, struct weir_error *err);
void weir_pq_batch_free(struct weir_pq_batch *b);

#endif
