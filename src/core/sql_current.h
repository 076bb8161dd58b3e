/*
 * The SQL of a job's current state over its lake (jobs with deletes).
 */
#ifndef WEIR_CORE_SQL_CURRENT_H
#define WEIR_CORE_SQL_CURRENT_H

#include <stdio.h>

#include "spec/spec.h"
#include "weir/weir.h"

/* Prints to `out` (borrowed) one DuckDB query returning the newest version
 * of each key of the job that no later tombstone deletes, with the
 * source's columns. Lists <job>__deletes/ in the lake (tombstones included
 * only when there are some: DuckDB refuses a glob that matches nothing).
 * WEIR_ECONFIG for a job without deletes.key or a lake that is not Parquet. */
int weir_sql_current(const struct weir_spec *spec, const struct weir_spec_job *job, FILE *out,
                     struct weir_error *err);

/* Writes `name` as a double-quoted SQL identifier (DuckDB, Trino). */
void weir_sql_ident(FILE *out, const char *name);

#endif
