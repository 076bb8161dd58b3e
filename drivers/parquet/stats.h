/*
 * Column statistics: null and NaN counts, min and max under the column's sort
 * order (parquet.thrift ColumnOrder / Statistics), and their Thrift encoding.
 *
 * Values are given in PLAIN form without a length prefix: little-endian
 * INT32/INT64/FLOAT/DOUBLE, one byte 0/1 for BOOLEAN, raw bytes otherwise.
 * min and max keep the full values (copies); truncation to
 * WEIR_PQ_STATS_TRUNC bytes happens when they are written.
 */
#ifndef WEIR_PARQUET_STATS_H
#define WEIR_PARQUET_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parquet/pq_buf.h"
#include "parquet/thrift.h"

#define WEIR_PQ_STATS_TRUNC 64

struct weir_pq_stats {
    int kind; /* enum weir_pq_stat_kind */
    int64_t null_count;
    int64_t nan_count;
    int64_t value_count; /* non-null values, NaN included */
    bool has_minmax;
    struct weir_pq_buf min, max; /* owned */
};

void weir_pq_stats_init(struct weir_pq_stats *s, int kind);
/* Forgets the values (keeps the storage). */
void weir_pq_stats_clear(struct weir_pq_stats *s);
void weir_pq_stats_free(struct weir_pq_stats *s);
/* Folds one non-null value in. */
void weir_pq_stats_update(struct weir_pq_stats *s, const void *v, size_t len);
/* The same for n values of len bytes each (v[i] points at value i); typed
 * loops for the integer and float kinds. */
void weir_pq_stats_update_run(struct weir_pq_stats *s, const uint8_t *const *v, size_t n,
                              size_t len);
void weir_pq_stats_merge(struct weir_pq_stats *dst, const struct weir_pq_stats *src);
/* False when a copy failed (out of memory). */
bool weir_pq_stats_ok(const struct weir_pq_stats *s);

/* <0, 0, >0 as a < b, a == b, a > b under the order of `kind`. */
int weir_pq_stats_cmp(int kind, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/*
 * The bounds as written: floats with -0.0 as a zero min and +0.0 as a zero
 * max (parquet.thrift ColumnOrder rules); byte arrays longer than `trunc`
 * cut to a shorter lower bound and a rounded-up upper bound (UTF-8 stays
 * valid for WEIR_PQ_SK_UTF8). Each returns false when no bound can be given
 * (a max made only of 0xff bytes, or no non-NaN value); *exact tells whether
 * the bound is the value itself. The result replaces out's contents.
 */
bool weir_pq_stats_min_bound(const struct weir_pq_stats *s, size_t trunc, struct weir_pq_buf *out,
                             bool *exact);
bool weir_pq_stats_max_bound(const struct weir_pq_stats *s, size_t trunc, struct weir_pq_buf *out,
                             bool *exact);

/*
 * Writes a Statistics struct as field `id` of the current struct: null_count,
 * min_value/max_value (with is_*_exact), nan_count for floats, and the
 * deprecated min/max when `legacy`. `scratch` is a caller's buffer.
 */
void weir_pq_stats_write(struct weir_pq_tw *w, int16_t id, const struct weir_pq_stats *s,
                         bool legacy, struct weir_pq_buf *scratch);

#endif
