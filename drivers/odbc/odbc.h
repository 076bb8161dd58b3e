/*
 * Internals of the ODBC source driver (weir_source_odbc.so), shared by its
 * files: the connection, diagnostics and statement helpers.
 *
 *   odbc_plugin.c  entry point, options, connect, snapshot, render, count,
 *                  high watermark
 *   odbc_scan.c    describe and scan: type mapping, block cursors, LOB path
 *   odbc_chunk.c   chunked reads (key-ordered statements) for buffering drivers
 *   odbc_values.c  fetched values into Arrow builders (odbc_scan.h)
 *   odbc_diag.c    the SQLGetDiagRec chain as a weir_error, statement helpers
 *   odbc_sql.c     SQL text;  odbc_conv.c  value conversions
 */
#ifndef WEIR_DRIVERS_ODBC_H
#define WEIR_DRIVERS_ODBC_H

#include <sql.h>
#include <sqlext.h>
#include <stdint.h>

#include "drivers/odbc/odbc_sql.h"
#include "weir/weir.h"

/* The databases whose quirks the driver knows; anything else is generic ODBC. */
enum weir_odbc_dbms {
    WEIR_ODBC_DBMS_OTHER = 0,
    WEIR_ODBC_DBMS_POSTGRES = 1,
    WEIR_ODBC_DBMS_MARIADB = 2, /* MariaDB and MySQL */
    WEIR_ODBC_DBMS_SQLITE = 3,
    WEIR_ODBC_DBMS_MSSQL = 4,
};

struct weir_odbc_conn {
    const struct weir_host *host; /* borrowed from connect until disconnect */
    SQLHENV env;
    SQLHDBC dbc;
    int connected;
    int dbms; /* enum weir_odbc_dbms */
    struct weir_odbc_dialect dialect;
    char dbms_name[128];
    char dbms_version[64];
    char driver_name[128];
    char driver_version[64];
    SQLUINTEGER getdata_ext;  /* SQL_GETDATA_EXTENSIONS */
    SQLUINTEGER txn_options;  /* SQL_TXN_ISOLATION_OPTION */
    SQLUINTEGER schema_usage; /* SQL_SCHEMA_USAGE */
    SQLUINTEGER catalog_usage;
    int64_t batch_rows;
    uint64_t batch_bytes;
    int in_txn;
    int chunked;  /* enum weir_odbc_chunked: the `chunked` option */
    int buffers;  /* the driver holds whole results in memory (no streaming) */
};

/* The `chunked` option: read a table in key-ordered chunks (odbc_scan.c). */
enum weir_odbc_chunked {
    WEIR_ODBC_CHUNKED_AUTO = 0,   /* when the driver buffers whole results */
    WEIR_ODBC_CHUNKED_ALWAYS = 1, /* always (a table without a usable key: WEIR_ECONFIG) */
    WEIR_ODBC_CHUNKED_NEVER = 2,  /* never: one statement */
};

/*
 * Fills err from the diagnostic chain of handle h (every record's SQLSTATE,
 * native error and message, in order, into detail after `op`, the ODBC call
 * that failed). The status follows the first decisive SQLSTATE: 08xxx
 * WEIR_ETEMPFAIL, 28xxx WEIR_EAUTH, 42xxx / IM002 WEIR_ECONFIG, 22xxx
 * WEIR_EDATA, HYT0x / 40001 / 40P01 WEIR_ETEMPFAIL, HY001 WEIR_ENOMEM, others
 * WEIR_EUNAVAILABLE. `primary` is the message's first part. Returns the status.
 */
int weir_odbc_diag(SQLSMALLINT htype, SQLHANDLE h, const char *op, const char *primary,
                   struct weir_error *err);

/* Logs a warning through the host (never with secrets). */
void weir_odbc_warn(struct weir_odbc_conn *c, const char *event, const char *fmt, ...)
    WEIR_PRINTF(3, 4);

/*
 * A new statement handle on c with s's parameters bound (SQL_C_CHAR text),
 * prepared (SQLPrepare) but not executed. `what` names the statement in
 * errors ("scan", "count"). *stmt is new: free with SQLFreeHandle. The
 * parameters' buffers are s's own: s must outlive the execution.
 */
int weir_odbc_prepare(struct weir_odbc_conn *c, const struct weir_odbc_sql *s, const char *what,
                      SQLHSTMT *stmt, struct weir_error *err);

/* SQLPrepare of s on st (a new handle, or one whose cursor is closed) and its
 * parameters bound by type; the column bindings of st are left as they are. */
int weir_odbc_prepare_on(SQLHSTMT st, const struct weir_odbc_sql *s, const char *what,
                         struct weir_error *err);

/* SQLExecute on a statement from weir_odbc_prepare. */
int weir_odbc_execute(SQLHSTMT stmt, const char *what, struct weir_error *err);

/*
 * Whether SQLSetPos(SQL_POSITION) + SQLGetData read the right row inside a
 * block cursor: drivers reporting SQL_GD_BLOCK, except MariaDB Connector/ODBC
 * (3.1 returns another row's data there, and shifts bound buffers).
 */
static inline int weir_odbc_setpos_ok(const struct weir_odbc_conn *c)
{
    return (c->getdata_ext & SQL_GD_BLOCK) != 0 && c->dbms != WEIR_ODBC_DBMS_MARIADB;
}

/* Microseconds since the Unix epoch, UTC (CLOCK_REALTIME). */
int64_t weir_odbc_now_us(void);

/* describe / scan ops (odbc_scan.c) */
int weir_odbc_describe(void *conn, const struct weir_query *q, struct ArrowSchema *schema,
                       struct weir_error *err);
int weir_odbc_scan_open(void *conn, const struct weir_query *q, struct ArrowSchema *schema,
                        void **scan, struct weir_error *err);
int weir_odbc_scan_next(void *scan, struct ArrowArray *batch, struct weir_error *err);
void weir_odbc_scan_close(void *scan);

/* catalog ops for `weir discover` (odbc_catalog.c) */
int weir_odbc_catalog(void *conn, int32_t views, weir_catalog_fn fn, void *ctx,
                      struct weir_error *err);
int weir_odbc_numeric_extent(void *conn, const char *schema, const char *table,
                             const char *column, int64_t max_rows, int32_t *int_digits,
                             int32_t *scale, int32_t *found, struct weir_error *err);
/* weir.h primary_key: SQLPrimaryKeys of q->table split on dots (table,
 * schema.table, MariaDB database.table, catalog.schema.table), columns in
 * KEY_SEQ order; *n = 0 for a query, a table without a key, or a driver that
 * reports none (or rows of several tables: a name without its schema). */
int weir_odbc_primary_key(void *conn, const struct weir_query *q, char *buf, size_t cap,
                          size_t *n, struct weir_error *err);

/* Whether a candidate key (its column names, in order; pk = 1 for the primary
 * key, 0 for a unique index) can order a chunked read. */
typedef int weir_odbc_key_ok_fn(void *ctx, const char *const *cols, size_t n, int pk);

/*
 * The key a chunked read of q->table orders by: its primary key, else the
 * first unique index (SQLStatistics) that ok() accepts (the caller checks its
 * columns are NOT NULL and of a type it can bind). Column names go into buf
 * as in weir_odbc_primary_key; *n = 0 when there is none; *from_pk says
 * which it was. Catalog errors count as "no key".
 */
int weir_odbc_chunk_key(struct weir_odbc_conn *c, const struct weir_query *q,
                        weir_odbc_key_ok_fn *ok, void *ctx, char *buf, size_t cap, size_t *n,
                        int *from_pk, struct weir_error *err);

#endif
