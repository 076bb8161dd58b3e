/*
 * weir_source_postgres.so: the PostgreSQL source driver. The one exported
 * symbol fills the descriptor: option table and source ops.
 */
#include "config.h"
#include "pgsrc.h"

static const struct weir_option options[] = {
    {"connection", WEIR_OPT_STRING, 0, "", NULL,
     "libpq conninfo or postgresql:// URI (host, port, dbname, sslmode, ...)"},
    {"user", WEIR_OPT_STRING, 0, NULL, NULL, "role to log in as"},
    {"password", WEIR_OPT_STRING, WEIR_OPT_SECRET, NULL, NULL, "password of the role"},
    {"batch_rows", WEIR_OPT_INT, 0, "65536", NULL, "rows per batch, at most"},
    {"batch_bytes", WEIR_OPT_SIZE, 0, "64MiB", NULL,
     "memory per batch: a batch ends when either bound is reached"},
    {"numeric_unconstrained", WEIR_OPT_STRING, 0, "decimal(38,10)", NULL,
     "numeric columns without a precision: decimal(P,S) (P <= 38), string (exact text), or "
     "fail (a job must set types: for them); a job's types: wins"},
};

static const struct weir_source_ops ops = {
    .size = sizeof(struct weir_source_ops),
    .connect = weir_pg_connect,
    .disconnect = weir_pg_disconnect,
    .begin = weir_pg_begin,
    .end = weir_pg_end,
    .render_sql = weir_pg_render_sql,
    .high_watermark = weir_pg_high_watermark,
    .count = weir_pg_count,
    .describe = weir_pg_describe,
    .scan_open = weir_pg_scan_open,
    .scan_next = weir_pg_scan_next,
    .scan_close = weir_pg_scan_close,
    .key_range = weir_pg_key_range,
    .snapshot_export = weir_pg_snapshot_export,
    .snapshot_begin = weir_pg_snapshot_begin,
    .catalog = weir_pg_catalog,
    .numeric_extent = weir_pg_numeric_extent,
    .primary_key = weir_pg_primary_key,
    .column_stats = weir_pg_column_stats,
};

WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err);

WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err)
{
    if (host_abi != WEIR_ABI_VERSION) {
        weir_error_set(err, WEIR_EABI, "postgres source speaks plugin ABI %u, the host %u",
                       WEIR_ABI_VERSION, host_abi);
        return weir_error_hint(err, "use a weir_source_postgres.so built with this weir");
    }
    if (out == NULL || out->size < sizeof(struct weir_plugin)) {
        return weir_error_set(err, WEIR_EABI, "postgres source: descriptor of %zu bytes, needs %zu",
                              out ? out->size : 0, sizeof(struct weir_plugin));
    }
    out->abi_version = WEIR_ABI_VERSION;
    out->kind = WEIR_PLUGIN_SOURCE;
    out->name = "postgres";
    out->version = PACKAGE_VERSION;
    out->file_extension = NULL;
    out->options = options;
    out->n_options = sizeof(options) / sizeof(options[0]);
    out->source = &ops;
    out->writer = NULL;
    return WEIR_OK;
}
