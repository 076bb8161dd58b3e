/*
 * The file footer: FileMetaData (schema, row groups, key/value metadata,
 * created_by, column orders) in Thrift compact form.
 */
#ifndef WEIR_PARQUET_FOOTER_H
#define WEIR_PARQUET_FOOTER_H

#include <stddef.h>
#include <stdint.h>

#include "parquet/column.h"
#include "parquet/pq_buf.h"
#include "weir/weir.h"

/* One flushed row group; chunks[i] belongs to column i. */
struct weir_pq_rowgroup {
    int64_t num_rows;
    struct weir_pq_chunk_out *chunks; /* owned, n_cols entries */
};

struct weir_pq_footer {
    const struct weir_pq_column *cols; /* borrowed, n_cols */
    size_t n_cols;
    const struct weir_pq_rowgroup *rgs; /* borrowed */
    size_t n_rgs;
    const struct weir_kv *kv; /* borrowed, n_kv (keys without the "meta." prefix) */
    size_t n_kv;
    const char *created_by;
};

/* Appends the serialized FileMetaData to `out`; WEIR_ENOMEM on failure. */
int weir_pq_footer_write(const struct weir_pq_footer *f, struct weir_pq_buf *out,
                         struct weir_error *err);

#endif
