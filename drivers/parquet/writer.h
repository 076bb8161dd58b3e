/*
 * The Parquet writer behind the plugin entry: its option table and ops
 * (struct weir_writer_ops of weir.h). entry.c publishes them; unit tests call
 * them directly.
 */
#ifndef WEIR_PARQUET_WRITER_H
#define WEIR_PARQUET_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "weir/weir.h"

extern const struct weir_option weir_pq_options[];
extern const size_t weir_pq_n_options;
extern const struct weir_writer_ops weir_pq_writer_ops;

/* Parses a WEIR_OPT_SIZE value: digits with an optional B, KiB, MiB, GiB or
 * TiB suffix. -1 when malformed or overflowing. */
int weir_pq_parse_size(const char *s, uint64_t *out);

#endif
