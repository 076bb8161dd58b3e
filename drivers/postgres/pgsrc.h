/*
 * The PostgreSQL source plugin's internals, shared by its files: the
 * connection object, server error mapping, SQL building and describe.
 * Not installed; every symbol is hidden in the plugin.
 */
#ifndef WEIR_PG_SRC_H
#define WEIR_PG_SRC_H

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "pgtypes.h"
#include "util/arrow.h"
#include "weir/weir.h"

/* What begin() learnt about other sessions' writing transactions. */
struct weir_pgguard {
    int checked; /* 1: read in this transaction */
    int found;   /* 1: an open writing transaction exists */
    int pid;
    char xact_start[64]; /* its xact_start as text (ISO, UTC) */
};

struct weir_pgconn {
    const struct weir_host *host; /* borrowed until disconnect */
    PGconn *pg;
    int64_t batch_rows;
    size_t batch_bytes;
    /* numeric_unconstrained: NULL (decimal(38,10)), "fail", or a type override
     * ("string", "decimal(P,S)") for numeric columns without a precision */
    char numeric_unconstrained[32];
    int in_txn;
    int in_copy;       /* a scan's COPY is running: nothing else may run */
    int stats_visible; /* role sees other sessions' pg_stat_activity rows */
    char role[128];
    char endpoint[300]; /* "host:port" for messages */
    struct weir_pgguard guard;
};

/* ---- pgconn.c ---- */
void weir_pg_log(struct weir_pgconn *c, int level, const char *event, const char *fmt, ...)
    WEIR_PRINTF(4, 5);
/* Fills err from a failed result (or the connection when res is NULL):
 * message "<op>: <server message>", detail "SQLSTATE xxxxx: ...", the status
 * from the SQLSTATE. Returns the status. */
int weir_pg_result_error(struct weir_pgconn *c, const PGresult *res, const char *op,
                         struct weir_error *err);
/* Runs sql (no parameters) expecting `want`; on success *out is new (PQclear)
 * or cleared when out is NULL. */
int weir_pg_exec(struct weir_pgconn *c, const char *sql, ExecStatusType want, const char *op,
                 PGresult **out, struct weir_error *err);
/* Reads the oldest other writing transaction of this database into c->guard
 * (the role must see other sessions in pg_stat_activity). */
int weir_pg_read_guard(struct weir_pgconn *c, struct weir_error *err);
/* BEGIN ... REPEATABLE READ READ ONLY, nothing else (begin adds the guard). */
int weir_pg_begin_txn(struct weir_pgconn *c, struct weir_error *err);
/* WEIR_EINTERNAL when a COPY is running on the connection. */
int weir_pg_idle(struct weir_pgconn *c, const char *op, struct weir_error *err);

/* ---- pgsql.c: a bounded string builder and the SQL of a query ---- */
struct weir_pgsb {
    char *p; /* owned, NUL-terminated */
    size_t len;
    size_t cap;
    int failed; /* allocation failed or the bound was reached */
};

void weir_pgsb_add(struct weir_pgsb *s, const char *text);
void weir_pgsb_addf(struct weir_pgsb *s, const char *fmt, ...) WEIR_PRINTF(2, 3);
/* Appends a quoted identifier / literal (PQescapeIdentifier / PQescapeLiteral). */
void weir_pgsb_ident(struct weir_pgsb *s, PGconn *pg, const char *name);
void weir_pgsb_literal(struct weir_pgsb *s, PGconn *pg, const char *text);
void weir_pgsb_free(struct weir_pgsb *s);
int weir_pgsb_check(struct weir_pgsb *s, PGconn *pg, struct weir_error *err);

/* A result column, or a watermark column. */
struct weir_pgshape_col {
    char *name; /* owned */
    uint32_t oid;
    int32_t typmod;
    char *type_name; /* owned: format_type(oid, typmod), e.g. "numeric(12,2)" */
    char *cast_type; /* owned: format_type(oid, NULL), for casting bound literals */
    char *send;      /* owned: pg_type.typsend */
    char *elem_send; /* owned: the element's typsend for an array_send type, else "" */
    struct weir_pgmap map;
};

/* What describe learnt: the result columns and the watermark columns. */
struct weir_pgshape {
    size_t n_cols;
    struct weir_pgshape_col *cols;
    size_t n_wm;
    struct weir_pgshape_col *wm;
    char label[160]; /* "public.orders" or "query", for messages */
};

void weir_pgshape_free(struct weir_pgshape *sh);
/* Runs the LIMIT 0 describe and the catalog lookup for q. */
int weir_pg_describe_shape(struct weir_pgconn *c, const struct weir_query *q,
                           struct weir_pgshape *sh, struct weir_error *err);
/* Sets batch column i for c (a list for an array); md/mdlen: the column's
 * Arrow metadata or NULL (the element's extension goes on the element only
 * when md is given, i.e. for the schema). */
int weir_pg_set_column(struct weir_abatch *b, size_t i, const struct weir_pgshape_col *c,
                       const char *md, size_t mdlen, struct weir_error *err);
/* The schema for a shape (release frees it). */
int weir_pg_shape_schema(const struct weir_pgshape *sh, struct ArrowSchema *schema,
                         struct weir_error *err);

/* " FROM ..." of q. */
void weir_pg_sql_from(struct weir_pgsb *s, PGconn *pg, const struct weir_query *q);
/* q->table (not NULL) quoted as the scan quotes it, as a literal cast to
 * regclass: "'\"public\".\"orders\"'::regclass". */
void weir_pg_sql_regclass(struct weir_pgsb *s, PGconn *pg, const struct weir_query *q);
/* " WHERE ..." of q's filter and window (nothing when both are absent);
 * `extra` conditions (already SQL) are ANDed in. */
int weir_pg_sql_where(struct weir_pgsb *s, PGconn *pg, const struct weir_query *q,
                      const struct weir_pgshape *sh, const char *const *extra, size_t n_extra,
                      struct weir_error *err);
/* The COPY statement scan_open runs for q. */
int weir_pg_sql_copy(struct weir_pgsb *s, PGconn *pg, const struct weir_query *q,
                     const struct weir_pgshape *sh, struct weir_error *err);

/* ---- ops in pgscan.c / pghwm.c ---- */
int weir_pg_render_sql(void *conn, const struct weir_query *q, char *buf, size_t cap,
                       struct weir_error *err);
int weir_pg_describe(void *conn, const struct weir_query *q, struct ArrowSchema *schema,
                     struct weir_error *err);
int weir_pg_scan_open(void *conn, const struct weir_query *q, struct ArrowSchema *schema,
                      void **scan, struct weir_error *err);
int weir_pg_scan_next(void *scan, struct ArrowArray *batch, struct weir_error *err);
void weir_pg_scan_close(void *scan);
int weir_pg_high_watermark(void *conn, const struct weir_query *q, struct weir_bound *out,
                           char *note, size_t note_cap, struct weir_error *err);
int weir_pg_count(void *conn, const struct weir_query *q, int64_t *rows, struct weir_error *err);
int weir_pg_connect(const struct weir_host *host, const struct weir_kv *options, size_t n_options,
                    void **conn, struct weir_error *err);
void weir_pg_disconnect(void *conn);
int weir_pg_begin(void *conn, struct weir_error *err);
/* pgslice.c */
/* weir.h primary_key (pgpkey.c). */
int weir_pg_primary_key(void *conn, const struct weir_query *q, char *buf, size_t cap, size_t *n,
                        struct weir_error *err);
/* weir.h column_stats (pgstats.c). */
int weir_pg_column_stats(void *conn, const struct weir_query *q, const char *column,
                         struct weir_column_stats *out, struct weir_error *err);
int weir_pg_key_range(void *conn, const struct weir_query *q, const char *column, int64_t *min,
                      int64_t *max, int32_t *found, struct weir_error *err);
int weir_pg_snapshot_export(void *conn, char *id, size_t cap, struct weir_error *err);
int weir_pg_snapshot_begin(void *conn, const char *id, struct weir_error *err);
int weir_pg_end(void *conn, struct weir_error *err);
/* ---- pgcatalog.c ---- */
int weir_pg_catalog(void *conn, int32_t views, weir_catalog_fn fn, void *ctx,
                    struct weir_error *err);
int weir_pg_numeric_extent(void *conn, const char *schema, const char *table, const char *column,
                           int64_t max_rows, int32_t *int_digits, int32_t *scale, int32_t *found,
                           struct weir_error *err);

#endif
