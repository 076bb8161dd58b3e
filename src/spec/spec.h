/*
 * Job specs (version 1): YAML → validated structs with the position of every
 * field, so later stages (secret resolution, connecting, planning) can still
 * name file:line:column in their messages.
 *
 * The format is specified in specs/README.md and specs/weir-spec.schema.json.
 * Strings are kept as written: `${env:..}`, `${file:..}` and `${secret:..}`
 * references are resolved later by core/secret.c, never by the parser.
 */
#ifndef WEIR_SPEC_SPEC_H
#define WEIR_SPEC_SPEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "weir/weir.h"

/* Where a value stands in the spec file (1-based); line 0 when defaulted. */
struct weir_pos {
    int line;
    int col;
};

/* An owned string with its position. NULL `s` when absent. */
struct weir_sval {
    char *s;
    struct weir_pos pos;
};

/* An owned key/value map entry (types:, pii:, options:). */
struct weir_spec_kv {
    char *key;
    char *value;
    struct weir_pos pos;
};

enum weir_mode { WEIR_MODE_INCREMENTAL = 0, WEIR_MODE_FULL = 1 };

/* What to do with rows whose watermark column is NULL. */
enum weir_wm_nulls {
    WEIR_WM_NULLS_REPORT = 0, /* count them, log a warning and record the count in state */
    WEIR_WM_NULLS_FAIL = 1,   /* fail the run before anything is written */
};

enum weir_partition_kind {
    WEIR_PART_INGEST_DATE = 0, /* ingest_date=YYYY-MM-DD of the run (UTC), the default */
    WEIR_PART_NONE = 1,
    WEIR_PART_COLUMN = 2,
};

enum weir_granularity {
    WEIR_GRAN_DAY = 0,
    WEIR_GRAN_MONTH = 1,
    WEIR_GRAN_YEAR = 2,
    WEIR_GRAN_VALUE = 3,
};

struct weir_spec_job {
    struct weir_sval name;   /* [a-z][a-z0-9_]*, unique in the spec */
    struct weir_pos pos;     /* the job's mapping */
    struct weir_sval table;  /* exactly one of table / query */
    struct weir_sval query;
    struct weir_sval *columns; /* NULL: all */
    size_t n_columns;
    struct weir_sval filter;
    int mode;                  /* enum weir_mode */
    struct weir_sval *wm_columns; /* required when mode is incremental */
    size_t n_wm;
    int64_t wm_lag_us;         /* 0: none */
    struct weir_sval wm_start; /* NULL s: none */
    int wm_nulls;              /* enum weir_wm_nulls */
    int partition_kind;        /* enum weir_partition_kind */
    struct weir_sval partition_column;
    int partition_granularity; /* enum weir_granularity */
    int partition_max;         /* distinct partitions a run may write (default 10000) */
    struct weir_spec_kv *types; /* column -> type text, e.g. decimal(18,2) */
    size_t n_types;
    struct weir_spec_kv *pii;   /* column -> hash | drop */
    size_t n_pii;
    struct weir_sval slice_column;
    int slice_count;            /* 0: no slicing */
    /* deletes: key-sweep delete detection (core/deletes.c); line 0: off */
    struct weir_pos deletes_pos;
    struct weir_sval *delete_key; /* NULL: the source's primary key */
    size_t n_delete_key;
    int delete_every;             /* sweep on every Nth incremental run */
    uint64_t delete_memory;       /* sort memory of a sweep, bytes */
};

struct weir_spec {
    char *path;                 /* as given */
    int version;
    struct {
        struct weir_sval driver; /* postgres | odbc (plugin name) */
        struct weir_sval connection;
        struct weir_sval user;
        struct weir_sval password;
        struct weir_sval secret;
        struct weir_spec_kv *options; /* driver options, checked against the plugin's table */
        size_t n_options;
        struct weir_pos pos;
    } source;
    struct {
        struct weir_sval location;    /* file://, s3://, or a path (relative to the cwd) */
        struct weir_sval format;      /* writer plugin name, default "parquet" */
        struct weir_sval compression; /* default "snappy" */
        uint64_t row_group_size;      /* bytes, default 128 MiB */
        uint64_t file_size;           /* bytes per file before roll-over, default 1 GiB */
        uint64_t memory_budget;       /* bytes held for unwritten rows, default 512 MiB */
        int max_open_files;           /* descriptors of open files, default 256 */
        struct weir_sval timestamp_unit; /* us (default) | ms */
        struct weir_sval types_profile;  /* compat (default) | native: see drivers/TYPES.md */
        struct weir_sval kms_key_id;
        struct weir_spec_kv *options; /* writer options */
        size_t n_options;
        struct weir_pos pos;
    } target;
    struct {
        struct weir_sval type;      /* glue | none (default none) */
        struct weir_sval database;
        struct weir_sval table_prefix;
        int create_database;        /* 0/1 */
        struct weir_pos pos;
    } catalog;
    struct {
        struct weir_sval location;  /* file://, s3://, or a path */
        struct weir_pos pos;
    } state;
    struct weir_sval pii_key;       /* key for pii: hash (a reference, usually) */
    struct weir_spec_job *jobs;
    size_t n_jobs;
};

/*
 * Reads and validates the spec at `path`. On success *spec is new (free with
 * weir_spec_free). On failure returns WEIR_ENOINPUT (file missing or
 * unreadable) or WEIR_ECONFIG, with err->message
 * "<path>:<line>:<col>: <field>: <what is wrong>" for the first problem, and
 * err->hint where a fix is obvious.
 */
int weir_spec_load(const char *path, struct weir_spec **spec, struct weir_error *err);
/* The same, from a buffer; `name` is used in messages. */
int weir_spec_parse(const char *name, const char *text, size_t len, struct weir_spec **spec,
                    struct weir_error *err);
void weir_spec_free(struct weir_spec *spec);

/* The job named `name`, or NULL. */
const struct weir_spec_job *weir_spec_find_job(const struct weir_spec *spec, const char *name);

/* Parses "5m", "90s", "2h", "1d", "500ms" into microseconds; -1 when invalid. */
int64_t weir_spec_parse_duration(const char *text);
/* Parses "1048576", "64KiB", "128MiB", "1GiB", "10MB" into bytes; 0 when invalid. */
uint64_t weir_spec_parse_size(const char *text);

/*
 * The format described from the validator's own option tables, for
 * `weir spec schema` and the committed specs/weir-spec.schema.json and
 * specs/README.md (a unit test keeps them equal). Write to `out` (borrowed);
 * WEIR_OK, or WEIR_EIO when writing failed.
 */
/* JSON Schema, draft 2020-12 (for editors such as yaml-language-server). */
int weir_spec_schema_json(FILE *out);
/* The Markdown key reference: one table per section. */
int weir_spec_reference_md(FILE *out);

#endif /* WEIR_SPEC_SPEC_H */
