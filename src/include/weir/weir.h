/*
 * weir plugin ABI, version 1.
 *
 * The one header a plugin author reads. It is self-contained: it depends on
 * nothing but the C standard library, and it carries its own copy of the
 * Arrow C Data Interface structs (written from the Arrow specification).
 *
 * A plugin is a shared object named weir_<kind>_<name>.so that exports exactly
 * one symbol, the entry function WEIR_PLUGIN_ENTRY_SYMBOL. The host calls it
 * with the host's ABI version; the plugin fills a struct weir_plugin (kind,
 * name, version, option table, ops) or refuses with WEIR_EABI.
 *
 * Rules that hold for every struct here:
 * - Structs that cross the boundary start with their size and only grow at the
 *   end. A reader checks `size` before touching a member added later.
 * - Fallible functions return an int status (WEIR_OK = 0) and take a
 *   caller-owned struct weir_error last; a non-zero return always fills it.
 *   Nothing is allocated on the error path and nothing is freed across the
 *   boundary: memory is freed by the module that allocated it.
 * - Batches cross as Arrow C Data Interface structs with the Arrow rules
 *   unchanged: the producer owns the buffers until `release` is called, and a
 *   move nulls the source's `release`.
 * - Writers never do I/O: they append bytes to a struct weir_output the host
 *   owns. The host decides file roll-over, S3 part flushes and cancellation.
 * - Plugin calls on one object are never made from two threads at once;
 *   calls on different objects may be (a partitioned run flushes and
 *   finishes the writers of several partitions together), so a plugin's
 *   state shared between objects is its own to guard.
 */
#ifndef WEIR_WEIR_H
#define WEIR_WEIR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WEIR_ABI_VERSION 1u
#define WEIR_PLUGIN_ENTRY_SYMBOL "weir_plugin_entry"

#if defined(__GNUC__)
#define WEIR_EXPORT __attribute__((visibility("default")))
#define WEIR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define WEIR_EXPORT
#define WEIR_PRINTF(f, a)
#endif

/* ---------------------------------------------------------------------------
 * Arrow C Data Interface (https://arrow.apache.org/docs/format/CDataInterface.html)
 * ------------------------------------------------------------------------- */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

/*
 * Types that cross the ABI, as Arrow format strings. A batch is a struct
 * ("+s") whose children are the columns, in the order of the schema.
 *
 *   b          boolean (bit-packed values)
 *   c s i l    int8 int16 int32 int64
 *   C S I      uint8 uint16 uint32 (uint64 is sent as d:20,0)
 *   f g        float32 float64
 *   d:P,S      decimal128, 16-byte little-endian two's complement, P <= 38
 *   u          utf8 (int32 offsets)
 *   z          binary (int32 offsets)
 *   w:N        fixed-size binary of N bytes (uuid: w:16)
 *   tdD        date32, days since 1970-01-01
 *   ttu        time64, microseconds since midnight
 *   tsu:       timestamp, microseconds since 1970-01-01 00:00:00, no zone
 *   tsu:UTC    timestamp, microseconds since the Unix epoch, an instant
 *   +l         list (int32 offsets) of one child named "element" of one of
 *              the formats above (no deeper nesting): a PostgreSQL array.
 *              A writer that cannot write lists refuses it at open with
 *              WEIR_ECONFIG naming the column.
 *
 * Column metadata (Arrow's binary key/value encoding) may carry:
 *   ARROW:extension:name = arrow.json | arrow.uuid   (logical JSON / UUID)
 *   weir:source_type     = the database's own type name (informational)
 */

/* ---------------------------------------------------------------------------
 * Status codes and errors
 * ------------------------------------------------------------------------- */
enum weir_status {
    WEIR_OK = 0,
    WEIR_EUSAGE = 1,       /* wrong command-line use */
    WEIR_ECONFIG = 2,      /* bad spec, option, missing table or column */
    WEIR_EDATA = 3,        /* a value cannot be represented (out of range, bad input bytes) */
    WEIR_ENOINPUT = 4,     /* a file or object that must exist does not */
    WEIR_EUNAVAILABLE = 5, /* a service refused or failed permanently */
    WEIR_EAUTH = 6,        /* authentication or permission denied */
    WEIR_EIO = 7,          /* local I/O error */
    WEIR_ETEMPFAIL = 8,    /* transient: network, timeout, throttling; retry later */
    WEIR_ELOCKED = 9,      /* another run of the same job holds the lease */
    WEIR_ENOMEM = 10,      /* allocation failed or a configured bound was reached */
    WEIR_ECANCELLED = 11,  /* cancelled by signal or host request */
    WEIR_EABI = 12,        /* plugin and host cannot talk (version, kind, symbol) */
    WEIR_EINTERNAL = 13,   /* a bug: an invariant did not hold */
    WEIR_STATUS_COUNT_
};

/*
 * Caller-owned, fixed size. `message` is the primary line (lowercase, no
 * period); `detail` carries file:line:column, SQLSTATE, AWS error code and
 * request id; `hint` says what to do. Empty strings when absent.
 */
struct weir_error {
    int32_t status;
    char message[512];
    char detail[512];
    char hint[256];
};

static inline void weir_error_clear(struct weir_error *err)
{
    if (err != NULL) {
        err->status = WEIR_OK;
        err->message[0] = '\0';
        err->detail[0] = '\0';
        err->hint[0] = '\0';
    }
}

/* Fills err->message (and clears detail and hint); returns status. */
static inline int weir_error_set(struct weir_error *err, int status, const char *fmt, ...)
    WEIR_PRINTF(3, 4);
static inline int weir_error_set(struct weir_error *err, int status, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->status = status;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
        err->detail[0] = '\0';
        err->hint[0] = '\0';
    }
    return status;
}

/* Sets detail; returns err->status so it can end a `return` statement. */
static inline int weir_error_detail(struct weir_error *err, const char *fmt, ...) WEIR_PRINTF(2, 3);
static inline int weir_error_detail(struct weir_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
    va_end(ap);
    return err->status;
}

static inline int weir_error_hint(struct weir_error *err, const char *fmt, ...) WEIR_PRINTF(2, 3);
static inline int weir_error_hint(struct weir_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
    va_end(ap);
    return err->status;
}

/* ---------------------------------------------------------------------------
 * Host services: a table the host passes in, so a plugin links nothing of
 * the host's. All function pointers are always set.
 * ------------------------------------------------------------------------- */
enum weir_log_level { WEIR_LOG_DEBUG = 0, WEIR_LOG_INFO = 1, WEIR_LOG_WARN = 2, WEIR_LOG_ERROR = 3 };

struct weir_host {
    size_t size;
    uint32_t abi_version;
    void *ctx;
    /* One log event: `event` is a short snake_case name, `message` free text.
     * Never pass secret values. */
    void (*log)(void *ctx, int level, const char *event, const char *message);
    /* Non-zero once the run is being cancelled (SIGTERM, SIGINT, deadline);
     * long loops check it and return WEIR_ECANCELLED. */
    int (*cancelled)(void *ctx);
    /* A figure for the run's metrics (CloudWatch EMF): name, value, unit
     * ("Count", "Bytes", "Seconds", "None"). */
    void (*metric)(void *ctx, const char *name, double value, const char *unit);
};

/* ---------------------------------------------------------------------------
 * Options: a plugin describes what it accepts; the host validates the spec
 * against the table and hands the values over as strings.
 * ------------------------------------------------------------------------- */
enum weir_option_type {
    WEIR_OPT_STRING = 1,
    WEIR_OPT_INT = 2,   /* decimal integer */
    WEIR_OPT_SIZE = 3,  /* byte size: 1048576, 64KiB, 128MiB, 1GiB */
    WEIR_OPT_BOOL = 4,  /* true | false */
    WEIR_OPT_ENUM = 5,  /* one of `choices`, '|' separated */
};

#define WEIR_OPT_REQUIRED 1u
#define WEIR_OPT_SECRET 2u /* never logged; wiped after use */

struct weir_option {
    const char *name;
    int32_t type;
    uint32_t flags;
    const char *default_value; /* NULL: no default */
    const char *choices;       /* WEIR_OPT_ENUM only */
    const char *help;          /* one line */
};

/* A borrowed key/value pair; both strings valid for the duration of the call. */
struct weir_kv {
    const char *key;
    const char *value;
};

/* Returns the value of `key` in kv[0..n), or NULL. */
static inline const char *weir_kv_get(const struct weir_kv *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (kv[i].key != NULL && strcmp(kv[i].key, key) == 0) {
            return kv[i].value;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Writers
 * ------------------------------------------------------------------------- */

/* A byte sink owned by the host. */
struct weir_output {
    size_t size;
    void *ctx;
    /* Appends len bytes; WEIR_OK or a status with err filled. */
    int (*write)(void *ctx, const void *data, size_t len, struct weir_error *err);
};

/*
 * Options the host always passes to a writer (the plugin may define more):
 *   compression      none | snappy | gzip | zstd | lz4 (what the plugin lists)
 *   row_group_size   bytes of encoded data per row group / stripe (WEIR_OPT_SIZE)
 *   timestamp_unit   us | ms
 *   created_by       "weir version X (build Y)"
 *   meta.<key>       key/value metadata to store in the file footer
 */
struct weir_writer_ops {
    size_t size;
    /* Starts a file. `schema` is borrowed for the call (a "+s" struct); `out`
     * is borrowed until finish or free. On success *writer is new (free with
     * `free`). */
    int (*open)(const struct weir_host *host, const struct ArrowSchema *schema,
                const struct weir_kv *options, size_t n_options, struct weir_output *out,
                void **writer, struct weir_error *err);
    /* Appends one batch ("+s" struct array), borrowed for the call: the writer
     * copies or encodes what it needs before returning. */
    int (*write)(void *writer, const struct ArrowArray *batch, struct weir_error *err);
    /* Bytes the writer holds in memory that are not yet in `out`. */
    uint64_t (*buffered)(void *writer);
    /* Writes everything buffered and the file footer. The file is complete
     * only after this returns WEIR_OK. */
    int (*finish)(void *writer, struct weir_error *err);
    /* Frees the writer, finished or not. NULL is allowed. */
    void (*free)(void *writer);
    /* Appended (a plugin built before it has a smaller `size`; check with
     * WEIR_HAS_MEMBER). Writes everything buffered into `out` as complete
     * row groups (Parquet) / stripes (ORC); the file stays open for more
     * batches and `finish`. With nothing buffered it writes nothing. The host
     * calls it to bound the memory of many open files (partitioned runs)
     * without starting new files. NULL: not supported. */
    int (*flush)(void *writer, struct weir_error *err);
    /* Appended with flush. Bytes of memory the writer holds now: all it
     * allocated (buffers with their spare capacity, dictionaries, copies of
     * batches, its own structs, metadata kept for the footer), which
     * `buffered` (the bytes still to go to `out`) can understate several
     * times; the host keeps the sum over its open files within its memory
     * budget. NULL: the host uses `buffered`. */
    uint64_t (*memory)(void *writer);
    /* Appended. Encodes and compresses the rows buffered so far into the
     * form the open row group / stripe keeps until it is written (Parquet:
     * closes each column's open page), writing nothing to `out` and ending
     * no row group; then frees the buffers that held the rows raw, so
     * `memory` drops to about the compressed size. The host calls it on
     * partitions that still get rows when its memory budget is reached, so
     * their files get fewer, larger row groups than `flush` would give.
     * NULL: not supported (the host flushes instead). */
    int (*compact)(void *writer, struct weir_error *err);
};

/* ---------------------------------------------------------------------------
 * Sources
 * ------------------------------------------------------------------------- */

/* One bound of a watermark column, as the database's text form. */
struct weir_bound {
    int32_t present; /* 0: no value (unbounded, or NULL) */
    char text[256];
};

/*
 * What to read. The source builds the SQL: it quotes identifiers with its
 * database's rules and passes bounds as parameters or safely quoted literals,
 * never spliced. All pointers are borrowed for the call.
 *
 * The window read is:  (wm...) > low AND (wm...) <= high  (tuple comparison
 * over the watermark columns), each side omitted when its array is NULL.
 * `filter` is trusted SQL from the spec author, ANDed in parentheses.
 */
struct weir_query {
    size_t size;
    const char *table;                /* "schema.table" / "table", or NULL when sql is set */
    const char *sql;                  /* a SELECT from the spec, or NULL */
    const char *const *columns;       /* NULL: all columns */
    size_t n_columns;
    const char *filter;               /* NULL: none */
    const char *const *wm_columns;    /* watermark columns, compared as a tuple */
    size_t n_wm;
    const struct weir_bound *low;     /* n_wm bounds, or NULL: no lower bound */
    const struct weir_bound *high;    /* n_wm bounds, or NULL: no upper bound */
    int32_t wm_nulls;                 /* 1: only rows where a watermark column IS NULL (no bounds) */
    const struct weir_kv *types;      /* per-column type overrides: column -> "decimal(18,2)" */
    size_t n_types;
    /* 1: the lower bound is inclusive and applies to the first watermark
     * column only (a spec's `watermark.start`): wm1 >= low[0]. */
    int32_t low_inclusive;
    /* high_watermark only: when > 0, the first watermark column (a time
     * column) is also held at or below the database's now() minus this many
     * microseconds (the spec's `watermark.lag`). */
    int64_t lag_us;
    /* 1: rows where a watermark column IS NULL are read as well, besides the
     * window: (window) OR wm1 IS NULL OR wm2 IS NULL ... (full reloads). */
    int32_t include_nulls;
    /* A slice of the window (the spec's `slices`), ANDed to it when
     * slice_column is not NULL: slice_column >= slice_lo (when
     * WEIR_SLICE_LO) AND slice_column < slice_hi (when WEIR_SLICE_HI), OR
     * slice_column IS NULL (when WEIR_SLICE_NULLS). The bounds are integers:
     * render them as plain integer literals. Read these members only when
     * q->size covers them (WEIR_HAS_MEMBER): older hosts lack them. */
    const char *slice_column;
    int32_t slice_flags; /* WEIR_SLICE_* */
    int64_t slice_lo;
    int64_t slice_hi;
};

enum { WEIR_SLICE_LO = 1, WEIR_SLICE_HI = 2, WEIR_SLICE_NULLS = 4 };

/* Whether a size-first struct `p` has member `m` (a struct grows only at its end). */
#define WEIR_HAS_MEMBER(p, type, m) ((p)->size >= offsetof(type, m) + sizeof(((type *)0)->m))

/*
 * The database catalog, for `weir discover` (the optional `catalog` and
 * `numeric_extent` ops). Everything is borrowed for the duration of the
 * callback.
 */
enum weir_column_kind {
    WEIR_COLUMN_OTHER = 0,
    WEIR_COLUMN_INTEGER = 1,   /* smallint, integer, bigint */
    WEIR_COLUMN_TIMESTAMP = 2, /* timestamp with or without time zone */
    WEIR_COLUMN_DATE = 3,
    WEIR_COLUMN_NUMERIC = 4,   /* exact decimal: precision 0 means unconstrained */
};

struct weir_catalog_column {
    size_t size;
    const char *name;
    const char *type;    /* the database's type name, e.g. "timestamp with time zone" */
    int32_t kind;        /* enum weir_column_kind */
    int32_t not_null;    /* 1: declared NOT NULL */
    int32_t pk_position; /* 1-based position in the primary key, 0: not in it */
    int32_t precision;   /* WEIR_COLUMN_NUMERIC: declared precision, 0 when unconstrained */
    int32_t scale;       /* WEIR_COLUMN_NUMERIC: declared scale */
    int32_t identity;    /* 1: filled by a sequence / identity / auto-increment */
};

struct weir_catalog_table {
    size_t size;
    const char *schema;   /* "" when the database has no schemas */
    const char *name;
    int32_t is_view;
    int64_t row_estimate; /* the planner's estimate; -1 unknown */
    const struct weir_catalog_column *columns;
    size_t n_columns;     /* in the table's column order */
};

/* Called once per table; a non-zero return stops the listing with it. */
typedef int (*weir_catalog_fn)(void *ctx, const struct weir_catalog_table *table,
                               struct weir_error *err);

/* Planner statistics of one column (the optional `column_stats` op). */
struct weir_column_stats {
    size_t size;
    int32_t found;       /* 0: no statistics; the other members are unset */
    /* Distinct non-NULL values: >= 0 a count for the whole table; < 0 minus
     * their fraction of the rows (-1: every row differs), which the host
     * scales by the rows it reads (PostgreSQL's pg_stats convention). */
    double n_distinct;
    double null_frac;    /* fraction of the rows where the column is NULL */
    double table_rows;   /* the table's rows, estimated; < 0 unknown */
    double table_bytes;  /* the table's size on disk (with TOAST); < 0 unknown */
    /* Date and timestamp columns: the smallest and largest value the
     * statistics saw, "YYYY-MM-DD[ HH:MM:SS]" in UTC; "" otherwise. */
    char min[40];
    char max[40];
};

/*
 * Options the host passes to connect (the plugin may define more):
 *   connection   libpq conninfo / ODBC connection string (may hold secrets)
 *   user, password (password is WEIR_OPT_SECRET)
 *   host, port, dbname  defaults from an RDS-style secret (source.secret):
 *                apply each only where the connection string sets none
 *   batch_rows   rows per batch upper bound
 *   batch_bytes  memory budget per batch
 */
struct weir_source_ops {
    size_t size;
    /* On success *conn is new (free with disconnect). A rejected login returns
     * WEIR_EAUTH, an unreachable server WEIR_ETEMPFAIL. */
    int (*connect)(const struct weir_host *host, const struct weir_kv *options, size_t n_options,
                   void **conn, struct weir_error *err);
    void (*disconnect)(void *conn);
    /* Opens a read-only consistent snapshot: everything until `end` sees the
     * same data (PostgreSQL: REPEATABLE READ READ ONLY). */
    int (*begin)(void *conn, struct weir_error *err);
    int (*end)(void *conn, struct weir_error *err);
    /* Writes the SQL that scan_open would run, for `weir plan`, NUL-terminated
     * into buf[0..cap). */
    int (*render_sql)(void *conn, const struct weir_query *q, char *buf, size_t cap,
                      struct weir_error *err);
    /* The largest watermark tuple in the window (above q->low, within lag), into
     * out[0..q->n_wm); out[i].present = 0 for all when the window is empty.
     * `note` (cap bytes) receives which guard decided the bound, e.g.
     * "max(updated_at)" or "oldest open writing transaction started 2026-..". */
    int (*high_watermark)(void *conn, const struct weir_query *q, struct weir_bound *out,
                          char *note, size_t note_cap, struct weir_error *err);
    /* COUNT(*) of exactly the rows scan_open(q) returns. */
    int (*count)(void *conn, const struct weir_query *q, int64_t *rows, struct weir_error *err);
    /* The schema scan_open(q) would produce, moved into *schema. */
    int (*describe)(void *conn, const struct weir_query *q, struct ArrowSchema *schema,
                    struct weir_error *err);
    /* Starts reading; *scan is new (free with scan_close). *schema receives the
     * batches' schema (moved to the caller). */
    int (*scan_open)(void *conn, const struct weir_query *q, struct ArrowSchema *schema,
                     void **scan, struct weir_error *err);
    /* Next batch moved into *batch; at the end, WEIR_OK with batch->release == NULL.
     * The host may route and release a batch on another thread while this
     * one reads the next (a partitioned run, slices): a batch's release must
     * not touch the scan. */
    int (*scan_next)(void *scan, struct ArrowArray *batch, struct weir_error *err);
    void (*scan_close)(void *scan);

    /* Optional (NULL, or absent from an older plugin: check with
     * WEIR_HAS_MEMBER); together they let the host extract slices in
     * parallel. */

    /* Smallest and largest value of the integer `column` in the window of q
     * (its slice members ignored); *found = 0 when the window has no non-NULL
     * value. WEIR_ECONFIG when the column is not an integer column. */
    int (*key_range)(void *conn, const struct weir_query *q, const char *column, int64_t *min,
                     int64_t *max, int32_t *found, struct weir_error *err);
    /* Names the snapshot opened by `begin` so other connections can share it
     * (PostgreSQL: pg_export_snapshot()), NUL-terminated into id[0..cap). */
    int (*snapshot_export)(void *conn, char *id, size_t cap, struct weir_error *err);
    /* Like begin, but in the snapshot another connection exported. */
    int (*snapshot_begin)(void *conn, const char *id, struct weir_error *err);

    /* Optional (NULL, or absent from an older plugin): `weir discover`. */

    /* Calls fn for every base table (and view when `views` is 1) of the
     * database outside its system schemas, in schema and table order. */
    int (*catalog)(void *conn, int32_t views, weir_catalog_fn fn, void *ctx,
                   struct weir_error *err);
    /* The most digits before and after the decimal point among the values of
     * a numeric column, reading at most `max_rows` rows (0: all);
     * *found = 0 when no value is non-NULL. */
    int (*numeric_extent)(void *conn, const char *schema, const char *table, const char *column,
                          int64_t max_rows, int32_t *int_digits, int32_t *scale, int32_t *found,
                          struct weir_error *err);

    /* Optional (NULL, or absent from an older plugin: check with
     * WEIR_HAS_MEMBER): the primary key of q->table, for a job's `deletes`
     * without a key. Its column names in key order, each NUL-terminated, one
     * after the other in buf[0..cap); *n the number of columns, 0 when the
     * table has no primary key or q reads a query. */
    int (*primary_key)(void *conn, const struct weir_query *q, char *buf, size_t cap, size_t *n,
                       struct weir_error *err);

    /* Optional (NULL, or absent from an older plugin: check with
     * WEIR_HAS_MEMBER): the planner's statistics of `column` of q->table, for
     * `weir plan` (partitioned jobs). Reads catalogs only, never the table,
     * so it costs the same on any table size. out->size is set by the host;
     * out->found = 0 (WEIR_OK) when there are none: never analysed, q reads
     * a query, or the role may not see them. */
    int (*column_stats)(void *conn, const struct weir_query *q, const char *column,
                        struct weir_column_stats *out, struct weir_error *err);
};

/* ---------------------------------------------------------------------------
 * The descriptor and entry point
 * ------------------------------------------------------------------------- */
enum weir_plugin_kind { WEIR_PLUGIN_SOURCE = 1, WEIR_PLUGIN_WRITER = 2 };

struct weir_plugin {
    size_t size;
    uint32_t abi_version;            /* the version this descriptor was filled for */
    int32_t kind;                    /* enum weir_plugin_kind */
    const char *name;                /* "postgres", "parquet" */
    const char *version;             /* the plugin's own version */
    const char *file_extension;      /* writers: "parquet", "orc"; NULL for sources */
    const struct weir_option *options;
    size_t n_options;
    const struct weir_source_ops *source; /* kind == WEIR_PLUGIN_SOURCE */
    const struct weir_writer_ops *writer; /* kind == WEIR_PLUGIN_WRITER */
};

/*
 * The one exported function. `host_abi` is the host's WEIR_ABI_VERSION; `out`
 * is host-owned with out->size set by the host. A plugin that cannot speak
 * host_abi returns WEIR_EABI with a message naming both versions. All
 * pointers the plugin stores in `out` stay valid until the object is unloaded.
 */
typedef int (*weir_plugin_entry_fn)(uint32_t host_abi, struct weir_plugin *out,
                                    struct weir_error *err);

#ifdef __cplusplus
}
#endif

#endif /* WEIR_WEIR_H */
