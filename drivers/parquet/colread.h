/*
 * Reading a column a block of rows at a time, for column.c: nulls and values
 * first (the type switch outside the loops; conversions such as decimals and
 * millisecond timestamps into a per-row scratch), then the dictionary hashes,
 * whose slots are prefetched so a large dictionary's cache misses overlap.
 * column.c then puts the values in one by one, so page cuts and the
 * dictionary fallback happen at the same rows as value-by-value reading.
 */
#ifndef WEIR_PARQUET_COLREAD_H
#define WEIR_PARQUET_COLREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "parquet/column.h"
#include "weir/weir.h"

#define WEIR_PQ_BLOCK 256

struct weir_pq_vblock {
    const uint8_t *v[WEIR_PQ_BLOCK]; /* PLAIN bytes of row k (into the array or tmp) */
    uint32_t len[WEIR_PQ_BLOCK];
    uint32_t hash[WEIR_PQ_BLOCK]; /* set for non-null rows while the dictionary is on */
    uint8_t null[WEIR_PQ_BLOCK];
    bool no_nulls;
    uint8_t tmp[WEIR_PQ_BLOCK][36]; /* a decimal, a timestamp, or a uuid's 36-character text */
};

/*
 * Reads n (<= WEIR_PQ_BLOCK) rows: rows pr0.. of `parent` (the batch struct,
 * or NULL), i.e. child rows i0.. before the child's own offset. WEIR_EDATA
 * for a decimal that does not fit or bad string offsets, as column.h says.
 */
int weir_pq_colread_block(struct weir_pq_column *c, const struct ArrowArray *a,
                          const struct ArrowArray *parent, int64_t pr0, int64_t i0, int n,
                          struct weir_pq_vblock *b, struct weir_error *err);

#endif
