/*
 * Glue for jobs with deletes: the table <table>__deletes over the
 * tombstone files and the Athena view <table>_current (a VIRTUAL_VIEW in the
 * encoding Athena writes for CREATE VIEW) returning the newest version of
 * each key that no later tombstone deletes. Versions are ordered as in
 * `weir sql current` (sql_current.h): the run id in the file name ("$path"),
 * then the watermark columns.
 */
#ifndef WEIR_CORE_GLUE_VIEW_H
#define WEIR_CORE_GLUE_VIEW_H

#include <jansson.h>

#include "core/deletes.h"
#include "spec/spec.h"
#include "weir/weir.h"

/* Creates or updates <table>__deletes (columns from `tombstones`, borrowed)
 * and, once the job's data table exists, the view <table>_current with the
 * data table's columns. */
int weir_glue_deletes_register(const struct weir_spec *spec, const struct weir_spec_job *job,
                               const struct weir_key_names *key,
                               const struct ArrowSchema *tombstones, struct weir_error *err);

/* The view's TableInput (new; NULL when out of memory): `columns` are the
 * data table's Glue columns (borrowed), db/name/table/deletes its names. */
json_t *weir_glue_view_input(const struct weir_spec_job *job, const struct weir_key_names *key,
                             const char *db, const char *name, const char *table,
                             const char *deletes, const json_t *columns);

#endif
