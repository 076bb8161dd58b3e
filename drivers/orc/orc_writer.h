/*
 * ORC writer: the file writer behind the plugin's struct weir_writer_ops.
 * Stripes are cut when their encoded size reaches `row_group_size`; each
 * stripe is written to the host's output as soon as it is complete, so the
 * memory held is bounded by one stripe. The tail (Metadata, Footer,
 * PostScript) is written by finish.
 */
#ifndef WEIR_ORC_WRITER_H
#define WEIR_ORC_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "weir/weir.h"

/* The options the writer accepts (name, type, default), for the plugin's table. */
extern const struct weir_option weir_orc_options[];
extern const size_t weir_orc_n_options;

int weir_orc_writer_open(const struct weir_host *host, const struct ArrowSchema *schema,
                         const struct weir_kv *options, size_t n_options,
                         struct weir_output *out, void **writer, struct weir_error *err);
int weir_orc_writer_write(void *writer, const struct ArrowArray *batch, struct weir_error *err);
uint64_t weir_orc_writer_buffered(void *writer);
/* Bytes the writer takes in memory (the host's budget; see weir.h `memory`). */
uint64_t weir_orc_writer_memory(void *writer);
/* Ends the stripe being built (writes it to out); the file stays open. */
int weir_orc_writer_flush(void *writer, struct weir_error *err);
int weir_orc_writer_finish(void *writer, struct weir_error *err);
void weir_orc_writer_free(void *writer);

/* Parses a WEIR_OPT_SIZE value ("1048576", "64KiB", "128MiB", "1GiB"). */
int weir_orc_parse_size(const char *s, uint64_t *out);

#endif
