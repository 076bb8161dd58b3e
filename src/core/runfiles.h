/*
 * A run's files, found by name. Every file a run writes is called
 * "<job>/<folder>/part-<run_id>-<n>-<seq>.<ext>" (outset.c), so the run id in
 * the intent is all a later run needs to find them again: recovery lists the
 * job's folder once instead of the intent naming each file as it is created
 * (which rewrote a growing state document per file: quadratic in the number
 * of files).
 */
#ifndef WEIR_CORE_RUNFILES_H
#define WEIR_CORE_RUNFILES_H

#include <stddef.h>

#include "core/sink.h"
#include "weir/weir.h"

/* "part-<run_id>-" into buf (always terminated). */
void weir_runfiles_prefix(const char *run_id, char *buf, size_t cap);

/* Removes every file of run `run_id` under "<job>/": committed files, the
 * temp files and open multipart uploads of files it was writing when it
 * died (the sink's purge). *removed (may be NULL) gets the number of
 * committed files removed. A sink without purge: WEIR_EINTERNAL. */
int weir_runfiles_purge(struct weir_sink *sink, const char *job, const char *run_id,
                        size_t *removed, struct weir_error *err);

#endif
