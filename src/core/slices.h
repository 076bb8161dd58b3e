/*
 * The spec's `slices: {column, count}`: the window of one run split into
 * integer key ranges on `column`, each scanned by its own connection and
 * thread, all in the snapshot the job's connection exported, so together
 * they read exactly the rows one scan would (the run's COUNT(*) check still
 * holds). Slice 0 uses the job's connection and also takes the rows whose key
 * is NULL. The batches meet in one bounded queue (a batch per slice) that the
 * run's single writer pipeline drains, so files, intent and commit are those
 * of an unsliced run. Internal to core/.
 */
#ifndef WEIR_CORE_SLICES_H
#define WEIR_CORE_SLICES_H

#include "core/jobctx.h"
#include "weir/weir.h"

struct weir_slices;

/* Whether the source plugin has what slices need (key_range and snapshot
 * sharing). */
int weir_slices_supported(const struct weir_source_ops *src);

/*
 * Splits c->q (window set, connection c->conn in its snapshot) on the job's
 * slice column, opens every scan and starts the threads. *schema receives
 * the batches' schema (moved). *out is new (weir_slices_close). A column
 * that is not an integer column is WEIR_ECONFIG naming the spec field.
 */
int weir_slices_open(struct weir_jobctx *c, struct ArrowSchema *schema, struct weir_slices **out,
                     struct weir_error *err);
/* The next batch of any slice (moved); release == NULL when every slice is done. */
int weir_slices_next(struct weir_slices *s, struct ArrowArray *batch, struct weir_error *err);
/* Stops the workers (each finishes its current batch), closes the scans and
 * the extra connections. NULL allowed. */
void weir_slices_close(struct weir_slices *s);

#endif
