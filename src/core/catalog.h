/*
 * The data catalog step of a run: after the files are durable and counted,
 * before the watermark moves. `catalog.type: none` does nothing; `glue`
 * creates or updates the job's table (columns from the files' Arrow schema,
 * partition keys, SerDe and formats of the writer) and registers the run's
 * partitions with its figures. Idempotent: a rerun after a crash registers
 * the same partitions again (AlreadyExists → UpdatePartition).
 */
#ifndef WEIR_CORE_CATALOG_H
#define WEIR_CORE_CATALOG_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "spec/spec.h"
#include "weir/weir.h"

struct weir_catalog_run {
    const struct weir_spec *spec;       /* borrowed */
    const struct weir_spec_job *job;    /* borrowed */
    const struct ArrowSchema *schema;   /* the files' schema ("+s"), borrowed */
    const char *format;                 /* writer plugin name: parquet | orc */
    const char *table_location;         /* "<target.location>/<job>/" */
    const json_t *partitions;           /* folder names this run wrote into ("k=v"), borrowed */
    const json_t *partition_rows;       /* {"k=v": rows this run wrote there}, borrowed */
    const char *run_id;
    int64_t rows;
    uint64_t bytes;
    const char *low;                    /* watermark range as text ("" when none) */
    const char *high;
    int full;                           /* 1: a full reload */
};

/* Registers the run; WEIR_OK at once for catalog type none. */
int weir_catalog_register(const struct weir_catalog_run *run, struct weir_error *err);

/* For `weir check`: can the catalog be reached, and does the database exist?
 * Prints one line per check to `out`; WEIR_OK at once for type none. */
int weir_catalog_check(const struct weir_spec *spec, FILE *out, struct weir_error *err);

#endif
