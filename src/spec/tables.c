/*
 * The spec format, version 1, as option tables: one per section. Validation
 * (validate.c), freeing, the JSON Schema and the README key reference
 * (schema.c) all read these, so a key is added in exactly one place.
 */
#include <stddef.h>
#include <string.h>

#include "spec/table.h"

#define S(f) offsetof(struct weir_spec, f)
#define J(f) offsetof(struct weir_spec_job, f)
#define N_OPTS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- cross-field rules ---- */

static int check_catalog(struct vctx *c, void *base, const struct spec_node *map,
                         struct weir_pos pos)
{
    struct weir_spec *spec = base;
    if (spec->catalog.type.s != NULL && strcmp(spec->catalog.type.s, "glue") == 0 &&
        spec->catalog.database.s == NULL) {
        spec_path_key(c, "database");
        spec_fail(c, pos, "required when catalog.type is glue");
        return weir_error_hint(c->err, "name the Glue database: database: my_source_db");
    }
    return WEIR_OK;
}

static int check_source(struct vctx *c, void *base, const struct spec_node *map,
                        struct weir_pos pos)
{
    struct weir_spec *spec = base;
    (void)map;
    if (spec->source.connection.s == NULL && spec->source.secret.s == NULL) {
        spec_path_key(c, "connection");
        spec_fail(c, pos, "required (unless source.secret gives host, port and dbname)");
        return weir_error_hint(c->err, "add connection: \"host=db1 dbname=shop\" (libpq) or "
                                       "\"DSN=shop;\" (ODBC), or secret: NAME");
    }
    return WEIR_OK;
}

static int check_job_name(struct vctx *c, void *base)
{
    const struct weir_sval *name = &((struct weir_spec_job *)base)->name;
    for (size_t k = 0; k < c->n_jobs_before; k++) {
        const struct weir_sval *first = &c->jobs_before[k].name;
        if (first->s != NULL && strcmp(first->s, name->s) == 0) {
            spec_fail(c, name->pos, "duplicate job name \"%s\"", name->s);
            return weir_error_hint(c->err, "job names are unique in a spec; the first is at "
                                           "line %d", first->pos.line);
        }
    }
    return WEIR_OK;
}

static int check_job(struct vctx *c, void *base, const struct spec_node *map, struct weir_pos pos)
{
    struct weir_spec_job *job = base;
    if (job->table.s == NULL && job->query.s == NULL) {
        spec_fail(c, pos, "needs a table or a query");
        return weir_error_hint(c->err, "add table: schema.name, or query: \"SELECT ...\"");
    }
    if (job->table.s != NULL && job->query.s != NULL) {
        struct weir_pos later = job->query.pos;
        int query_later = job->query.pos.line > job->table.pos.line ||
                          (job->query.pos.line == job->table.pos.line &&
                           job->query.pos.col > job->table.pos.col);
        spec_path_key(c, query_later ? "query" : "table");
        if (!query_later) {
            later = job->table.pos;
        }
        spec_fail(c, later, "table and query are mutually exclusive");
        return weir_error_hint(c->err, "keep one of them");
    }
    if (job->mode == WEIR_MODE_INCREMENTAL && job->n_wm == 0) {
        spec_fail(c, pos, "an incremental job needs a watermark");
        return weir_error_hint(c->err, "add watermark: {columns: [updated_at]}, or set mode: full");
    }
    if (job->mode == WEIR_MODE_FULL && job->n_wm > 0) {
        const struct spec_node *key = spec_map_key(map, "watermark");
        spec_path_key(c, "watermark");
        spec_fail(c, key != NULL ? key->pos : pos, "not used when mode is full");
        return weir_error_hint(c->err, "remove the watermark, or set mode: incremental");
    }
    return WEIR_OK;
}

static int check_top(struct vctx *c, void *base, const struct spec_node *map, struct weir_pos pos)
{
    struct weir_spec *spec = base;
    spec_path_key(c, "jobs");
    for (size_t i = 0; i < spec->n_jobs; i++) {
        const struct weir_spec_job *job = &spec->jobs[i];
        for (size_t k = 0; k < job->n_pii; k++) {
            if (strcmp(job->pii[k].value, "hash") == 0 && spec->pii_key.s == NULL) {
                spec_path_index(c, i);
                spec_path_key(c, "pii");
                spec_path_key(c, job->pii[k].key);
                spec_fail(c, job->pii[k].pos, "hash needs a top-level pii_key");
                return weir_error_hint(c->err, "add pii_key: ${secret:NAME} (the HMAC key) at "
                                               "the top level of the spec");
            }
        }
    }
    spec_path_set(c, 0);
    return WEIR_OK;
}

/* ---- tables ---- */

static const struct spec_option source_opts[] = {
    {.name = "driver", .type = SPEC_T_PLUGIN, .flags = SPEC_F_REQUIRED, .choices = "postgres|odbc",
     .help = "source plugin name: postgres or odbc (any installed weir_source_<name>.so)",
     .off = S(source.driver), .aux = SPEC_NO_AUX},
    {.name = "connection", .type = SPEC_T_STRING, .flags = SPEC_F_NONEMPTY,
     .help = "libpq conninfo, or an ODBC connection string (DSN=...; or Driver=...;Server=...;); "
             "required unless source.secret is set",
     .off = S(source.connection), .aux = SPEC_NO_AUX},
    {.name = "user", .type = SPEC_T_STRING, .help = "user name (overrides the connection's)",
     .off = S(source.user), .aux = SPEC_NO_AUX},
    {.name = "password", .type = SPEC_T_STRING, .flags = SPEC_F_SECRET,
     .help = "password of the user, e.g. ${env:PGPASSWORD}",
     .off = S(source.password), .aux = SPEC_NO_AUX},
    {.name = "secret", .type = SPEC_T_STRING, .flags = SPEC_F_SECRET | SPEC_F_NONEMPTY,
     .help = "Secrets Manager name or ARN of an RDS-style JSON secret "
             "{username,password,host,port,dbname}; fills what the spec leaves out, and is read "
             "again (AWSCURRENT, then AWSPENDING) when the database rejects the login",
     .off = S(source.secret), .aux = SPEC_NO_AUX},
    {.name = "options", .type = SPEC_T_MAP, .flags = SPEC_F_NOSHADOW,
     .help = "options for the source plugin (see the driver's README), name: value",
     .off = S(source.options), .aux = S(source.n_options)},
};

static const struct spec_table source_table = {
    .path = "source", .help = "Where to read: the database and how to log in.",
    .opts = source_opts, .n = N_OPTS(source_opts), .check = check_source,
    .schema_rules = "{\"anyOf\": [{\"required\": [\"connection\"]}, "
                    "{\"required\": [\"secret\"]}]}"};

static const struct spec_option target_opts[] = {
    {.name = "location", .type = SPEC_T_STRING, .flags = SPEC_F_REQUIRED,
     .help = "lake root: s3://bucket/prefix/, file:///path, or a path relative to the "
             "working directory",
     .off = S(target.location), .aux = SPEC_NO_AUX},
    {.name = "format", .type = SPEC_T_PLUGIN, .def = "parquet", .choices = "parquet|orc",
     .help = "writer plugin name: parquet or orc (any installed weir_writer_<name>.so)",
     .off = S(target.format), .aux = SPEC_NO_AUX},
    {.name = "compression", .type = SPEC_T_ENUM, .def = "snappy",
     .choices = "none|snappy|gzip|zlib|zstd|lz4",
     .help = "column chunk / stripe compression (lz4 where the format has it; zlib is ORC's "
             "name for gzip's deflate, orc only)",
     .off = S(target.compression), .aux = SPEC_NO_AUX},
    {.name = "row_group_size", .type = SPEC_T_SIZE, .def = "128MiB",
     .help = "Parquet row group / ORC stripe target, in bytes of encoded data",
     .off = S(target.row_group_size), .aux = SPEC_NO_AUX},
    {.name = "file_size", .type = SPEC_T_SIZE, .def = "1GiB",
     .help = "bytes per file before rolling over to the next file",
     .off = S(target.file_size), .aux = SPEC_NO_AUX},
    {.name = "memory_budget", .type = SPEC_T_SIZE, .def = "512MiB",
     .help = "bytes a run holds in memory for unwritten rows of all its open files (and S3 "
             "parts still filling); past it partitions the rows have left are written as row "
             "groups of their open files, the others' rows compressed in memory (Parquet), "
             "then the largest written",
     .off = S(target.memory_budget), .aux = SPEC_NO_AUX},
    {.name = "max_open_files", .type = SPEC_T_INT, .def = "256",
     .help = "file descriptors a run holds for its open files (local folders); past it the "
             "other files' descriptors are closed, each reopened for appending at its next "
             "write: the files stay open, so no file ends early and none is added",
     .off = S(target.max_open_files), .aux = SPEC_NO_AUX, .min = 1, .max = 1000000},
    {.name = "timestamp_unit", .type = SPEC_T_ENUM, .def = "us", .choices = "us|ms",
     .help = "unit of timestamps in the files (ms for readers that cannot read micros)",
     .off = S(target.timestamp_unit), .aux = SPEC_NO_AUX},
    {.name = "types_profile", .type = SPEC_T_ENUM, .def = "compat", .choices = "compat|native",
     .help = "compat writes types Spark 3.3+, Athena, pyarrow and DuckDB all read "
             "(Hive 3: see drivers/TYPES.md): uuid as text, time as int64 microseconds; native keeps Parquet UUID "
             "and TIME (see drivers/TYPES.md)",
     .off = S(target.types_profile), .aux = SPEC_NO_AUX},
    {.name = "kms_key_id", .type = SPEC_T_STRING,
     .help = "KMS key id or ARN: S3 objects are written with SSE-KMS",
     .off = S(target.kms_key_id), .aux = SPEC_NO_AUX},
    {.name = "options", .type = SPEC_T_MAP, .flags = SPEC_F_NOSHADOW,
     .help = "options for the writer plugin (see the writer's README), name: value",
     .off = S(target.options), .aux = S(target.n_options)},
};

static const struct spec_table target_table = {
    .path = "target", .help = "Where and how to write the files.", .opts = target_opts,
    .n = N_OPTS(target_opts)};

static const struct spec_option catalog_opts[] = {
    {.name = "type", .type = SPEC_T_ENUM, .def = "none", .choices = "glue|none",
     .help = "glue registers tables and partitions in the AWS Glue Data Catalog",
     .off = S(catalog.type), .aux = SPEC_NO_AUX},
    {.name = "database", .type = SPEC_T_STRING, .help = "Glue database (required for glue)",
     .off = S(catalog.database), .aux = SPEC_NO_AUX},
    {.name = "table_prefix", .type = SPEC_T_STRING, .def = "",
     .help = "prefix of every table name: the table of a job is <table_prefix><job name>",
     .off = S(catalog.table_prefix), .aux = SPEC_NO_AUX},
    {.name = "create_database", .type = SPEC_T_BOOL, .def = "false",
     .help = "create the Glue database when it does not exist",
     .off = S(catalog.create_database), .aux = SPEC_NO_AUX},
};

static const struct spec_table catalog_table = {
    .path = "catalog", .help = "Optional: the data catalog to register tables in.",
    .opts = catalog_opts, .n = N_OPTS(catalog_opts), .check = check_catalog,
    .schema_rules = "{\"if\": {\"properties\": {\"type\": {\"const\": \"glue\"}}, "
                    "\"required\": [\"type\"]}, \"then\": {\"required\": [\"database\"]}}"};

static const struct spec_option state_opts[] = {
    {.name = "location", .type = SPEC_T_STRING, .flags = SPEC_F_REQUIRED,
     .help = "state store: s3://bucket/prefix/, file:///path, or a relative path",
     .off = S(state.location), .aux = SPEC_NO_AUX},
};

static const struct spec_table state_table = {
    .path = "state", .help = "Where watermarks, run intents and leases are kept.",
    .opts = state_opts, .n = N_OPTS(state_opts)};

static const struct spec_option watermark_opts[] = {
    {.name = "columns", .type = SPEC_T_LIST, .flags = SPEC_F_REQUIRED,
     .help = "one or more columns, compared as a tuple (e.g. [updated_at, id])",
     .off = J(wm_columns), .aux = J(n_wm)},
    {.name = "lag", .type = SPEC_T_DURATION,
     .help = "time columns: read only up to now - lag (e.g. 5m), for late commits",
     .off = J(wm_lag_us), .aux = SPEC_NO_AUX},
    {.name = "start", .type = SPEC_T_STRING,
     .help = "first lower bound (inclusive) of the first column, e.g. 2020-01-01T00:00:00Z",
     .off = J(wm_start), .aux = SPEC_NO_AUX},
    {.name = "nulls", .type = SPEC_T_CHOICE, .def = "report", .choices = "report|fail",
     .help = "rows whose watermark column is NULL: report counts them, fail stops the run",
     .off = J(wm_nulls), .aux = SPEC_NO_AUX},
};

static const struct spec_table watermark_table = {
    .path = "jobs[].watermark", .help = "The incremental cursor of a job.",
    .opts = watermark_opts, .n = N_OPTS(watermark_opts)};

static const struct spec_option partition_opts[] = {
    {.name = "column", .type = SPEC_T_STRING, .flags = SPEC_F_REQUIRED,
     .help = "the column whose value names the partition", .off = J(partition_column),
     .aux = SPEC_NO_AUX},
    {.name = "granularity", .type = SPEC_T_CHOICE, .flags = SPEC_F_REQUIRED,
     .choices = "day|month|year|value",
     .help = "day, month or year of a date/time column, or the value itself",
     .off = J(partition_granularity), .aux = SPEC_NO_AUX},
    {.name = "max_partitions", .type = SPEC_T_INT, .def = "10000",
     .help = "distinct partition values one run may write; one more fails the run (exit 78) "
             "before the lake fills with tiny folders",
     .off = J(partition_max), .aux = SPEC_NO_AUX, .min = 1, .max = 1000000},
};

static const struct spec_table partition_table = {
    .path = "jobs[].partition_by", .help = "Partitioning by a column (the mapping form).",
    .opts = partition_opts, .n = N_OPTS(partition_opts)};

static const struct spec_option slices_opts[] = {
    {.name = "column", .type = SPEC_T_STRING, .flags = SPEC_F_REQUIRED,
     .help = "an integer key column (smallint, integer, bigint) to split into ranges",
     .off = J(slice_column),
     .aux = SPEC_NO_AUX},
    {.name = "count", .type = SPEC_T_INT, .flags = SPEC_F_REQUIRED,
     .help = "number of key ranges, read at once over as many connections in one snapshot",
     .off = J(slice_count), .aux = SPEC_NO_AUX, .min = 1, .max = 64},
};

static const struct spec_table slices_table = {
    .path = "jobs[].slices",
    .help = "Parallel extraction: split each run's window into key ranges (postgres source).",
    .opts = slices_opts, .n = N_OPTS(slices_opts)};

static const struct spec_option deletes_opts[] = {
    {.name = "key", .type = SPEC_T_LIST,
     .help = "the columns that identify a row (unique in the source); default: the table's "
             "primary key",
     .off = J(delete_key), .aux = J(n_delete_key)},
    {.name = "every", .type = SPEC_T_INT, .def = "1",
     .help = "sweep on every Nth incremental run (weir run --detect-deletes forces one)",
     .off = J(delete_every), .aux = SPEC_NO_AUX, .min = 1, .max = 1000000},
    {.name = "memory", .type = SPEC_T_SIZE, .def = "256MiB",
     .help = "memory for sorting the keys of a sweep; more keys spill to sorted runs on disk",
     .off = J(delete_memory), .aux = SPEC_NO_AUX},
};

static const struct spec_table deletes_table = {
    .path = "jobs[].deletes",
    .help = "Delete detection: each sweep reads every key of the source in the run's snapshot "
            "and writes a tombstone for each key that disappeared.",
    .opts = deletes_opts, .n = N_OPTS(deletes_opts)};

static const struct spec_option job_opts[] = {
    {.name = "name", .type = SPEC_T_IDENT, .flags = SPEC_F_REQUIRED,
     .help = "unique in the spec, [a-z][a-z0-9_]*; names the lake folder and the table",
     .off = J(name), .aux = SPEC_NO_AUX, .check = check_job_name},
    {.name = "table", .type = SPEC_T_STRING,
     .help = "schema.table or table to read (exactly one of table and query)", .off = J(table),
     .aux = SPEC_NO_AUX},
    {.name = "query", .type = SPEC_T_STRING,
     .help = "a SELECT to read instead of a table (exactly one of table and query)",
     .off = J(query), .aux = SPEC_NO_AUX},
    {.name = "columns", .type = SPEC_T_LIST, .help = "columns to read; default all",
     .off = J(columns), .aux = J(n_columns)},
    {.name = "filter", .type = SPEC_T_STRING,
     .help = "extra SQL predicate, ANDed in (trusted SQL from the spec author)",
     .off = J(filter), .aux = SPEC_NO_AUX},
    {.name = "mode", .type = SPEC_T_CHOICE, .def = "incremental", .choices = "incremental|full",
     .help = "incremental reads rows past the watermark; full rereads the whole table",
     .off = J(mode), .aux = SPEC_NO_AUX},
    {.name = "watermark", .type = SPEC_T_SECTION,
     .help = "required when mode is incremental, not allowed when full",
     .aux = SPEC_NO_AUX, .sub = &watermark_table},
    {.name = "partition_by", .type = SPEC_T_PARTITION, .def = "ingest_date",
     .choices = "ingest_date|none",
     .help = "ingest_date (day of the run, UTC), none, or {column, granularity}",
     .off = J(partition_kind), .aux = SPEC_NO_AUX, .sub = &partition_table},
    {.name = "types", .type = SPEC_T_MAP,
     .help = "per-column type overrides, column: type (e.g. amount: decimal(18,2))",
     .off = J(types), .aux = J(n_types)},
    {.name = "slices", .type = SPEC_T_SECTION, .help = "optional key-range split {column, count}",
     .aux = SPEC_NO_AUX, .sub = &slices_table},
    {.name = "pii", .type = SPEC_T_MAP, .choices = "hash|drop",
     .help = "per-column protection, column: hash (keyed HMAC-SHA256) or drop",
     .off = J(pii), .aux = J(n_pii)},
    {.name = "deletes", .type = SPEC_T_SECTION,
     .help = "optional delete detection by key sweep {key, every, memory}",
     .aux = J(deletes_pos), .sub = &deletes_table},
};

const struct spec_table spec_table_job = {
    .path = "jobs[]", .help = "One table or query to extract.", .opts = job_opts,
    .n = N_OPTS(job_opts), .check = check_job,
    .schema_rules =
        "{\"oneOf\": [{\"required\": [\"table\"]}, {\"required\": [\"query\"]}],"
        " \"if\": {\"properties\": {\"mode\": {\"const\": \"full\"}}, \"required\": [\"mode\"]},"
        " \"then\": {\"not\": {\"required\": [\"watermark\"]}},"
        " \"else\": {\"required\": [\"watermark\"]}}"};

static const struct spec_option top_opts[] = {
    {.name = "version", .type = SPEC_T_VERSION, .flags = SPEC_F_REQUIRED,
     .help = "format version; this weir reads 1", .off = S(version), .aux = SPEC_NO_AUX},
    {.name = "source", .type = SPEC_T_SECTION, .flags = SPEC_F_REQUIRED,
     .help = "the database to read", .aux = S(source.pos), .sub = &source_table},
    {.name = "target", .type = SPEC_T_SECTION, .flags = SPEC_F_REQUIRED,
     .help = "the lake to write", .aux = S(target.pos), .sub = &target_table},
    {.name = "catalog", .type = SPEC_T_SECTION,
     .help = "the catalog to register in; without it nothing is registered",
     .aux = S(catalog.pos), .sub = &catalog_table},
    {.name = "state", .type = SPEC_T_SECTION, .flags = SPEC_F_REQUIRED,
     .help = "where watermarks are kept", .aux = S(state.pos), .sub = &state_table},
    {.name = "pii_key", .type = SPEC_T_STRING, .flags = SPEC_F_SECRET,
     .help = "HMAC key for pii: hash, e.g. ${secret:NAME}", .off = S(pii_key),
     .aux = SPEC_NO_AUX},
    {.name = "jobs", .type = SPEC_T_JOBS, .flags = SPEC_F_REQUIRED,
     .help = "the tables or queries to extract, at least one", .off = S(jobs), .aux = S(n_jobs),
     .sub = &spec_table_job},
};

const struct spec_table spec_table_top = {
    .path = "", .help = "A job spec.", .opts = top_opts, .n = N_OPTS(top_opts),
    .check = check_top};
