/*
 * The ODBC source driver: entry point, options, connection, snapshot, and
 * the small statements (render, count, high watermark). The scan is in
 * odbc_scan.c. Per-database behaviour is described in README.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drivers/odbc/odbc.h"
#include "drivers/odbc/odbc_conv.h"

#define ODBC_PLUGIN_VERSION "0.1.0"
#define CONNSTR_MAX 4096
/* psqlODBC rows per FETCH from its server-side cursor (UseDeclareFetch). */
#define PSQL_FETCH_ROWS 4096

static const struct weir_option options[] = {
    {"connection", WEIR_OPT_STRING, WEIR_OPT_REQUIRED | WEIR_OPT_SECRET, NULL, NULL,
     "ODBC connection string: \"DSN=name;\" or \"Driver=...;Server=...;Database=...;\""},
    {"user", WEIR_OPT_STRING, 0, NULL, NULL, "user name, appended to the connection as UID"},
    {"password", WEIR_OPT_STRING, WEIR_OPT_SECRET, NULL, NULL,
     "password, appended to the connection as PWD (never logged)"},
    {"batch_rows", WEIR_OPT_INT, 0, "65536", NULL, "rows per batch, upper bound"},
    {"batch_bytes", WEIR_OPT_SIZE, 0, "64MiB", NULL,
     "memory budget per batch (fetch buffers and built columns)"},
    {"chunked", WEIR_OPT_STRING, 0, "auto", NULL,
     "read tables in key-ordered chunks: auto (when the driver holds whole results in memory), "
     "always, never"},
};

static int parse_size(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || s[0] == '-') {
        return -1;
    }
    static const struct {
        const char *suffix;
        uint64_t mult;
    } units[] = {{"", 1},          {"B", 1},           {"KiB", 1024},   {"MiB", 1024 * 1024},
                 {"GiB", 1u << 30}, {"KB", 1000},       {"MB", 1000000}, {"GB", 1000000000}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].suffix) == 0) {
            if (v > UINT64_MAX / units[i].mult) {
                return -1;
            }
            *out = v * units[i].mult;
            return 0;
        }
    }
    return -1;
}

static int read_options(struct weir_odbc_conn *c, const struct weir_kv *kv, size_t n,
                        struct weir_error *err)
{
    const char *rows = weir_kv_get(kv, n, "batch_rows");
    const char *bytes = weir_kv_get(kv, n, "batch_bytes");
    c->batch_rows = 65536;
    c->batch_bytes = 64u << 20;
    if (rows != NULL) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(rows, &end, 10);
        if (errno != 0 || end == rows || *end != '\0' || v < 1 || v > (1 << 24)) {
            return weir_error_set(err, WEIR_ECONFIG,
                                  "option batch_rows: \"%s\" is not a row count in 1..16777216",
                                  rows);
        }
        c->batch_rows = v;
    }
    if (bytes != NULL && (parse_size(bytes, &c->batch_bytes) != 0 || c->batch_bytes < 65536)) {
        return weir_error_set(err, WEIR_ECONFIG,
                              "option batch_bytes: \"%s\" is not a size of at least 64KiB", bytes);
    }
    const char *chunked = weir_kv_get(kv, n, "chunked");
    static const char *const chunk_modes[] = {"auto", "always", "never"};
    c->chunked = -1;
    for (int i = 0; i < 3; i++) {
        if (chunked == NULL || strcmp(chunked, chunk_modes[i]) == 0) {
            c->chunked = chunked == NULL ? WEIR_ODBC_CHUNKED_AUTO : i;
            break;
        }
    }
    if (c->chunked < 0) {
        weir_error_set(err, WEIR_ECONFIG, "option chunked: \"%s\" is not auto, always or never",
                       chunked);
        return weir_error_hint(err, "auto reads in chunks only when the driver holds whole "
                               "results in memory");
    }
    if (weir_kv_get(kv, n, "connection") == NULL) {
        weir_error_set(err, WEIR_ECONFIG, "option connection is required");
        return weir_error_hint(err, "give an ODBC connection string, e.g. \"DSN=shop;\"");
    }
    return WEIR_OK;
}

/* Appends KEY=value; braced only when the value needs it: psqlODBC keeps
 * the braces of a braced UID or Port as part of the value (the password is
 * always braced, through weir_odbc_connstr_append). */
static int append_bare(char *cs, size_t *len, const char *key, const char *v,
                       struct weir_error *err)
{
    size_t vl = strlen(v);
    if (strpbrk(v, ";{}=") == NULL && v[0] != ' ' && v[vl - 1] != ' ' &&
        *len + strlen(key) + vl + 3 < CONNSTR_MAX) {
        int w = snprintf(cs + *len, CONNSTR_MAX - *len, "%s%s=%s;",
                         *len > 0 && cs[*len - 1] != ';' ? ";" : "", key, v);
        *len += (size_t)w;
        return WEIR_OK;
    }
    return weir_odbc_connstr_append(cs, CONNSTR_MAX, len, key, v, err);
}

/* The connection string with credentials and driver options; wiped by the caller. */
static int build_connstr(const struct weir_kv *kv, size_t n, const char *extra, char *cs,
                         struct weir_error *err)
{
    const char *base = weir_kv_get(kv, n, "connection");
    const char *user = weir_kv_get(kv, n, "user");
    const char *pw = weir_kv_get(kv, n, "password");
    size_t len = strlen(base);
    if (len + 1 > CONNSTR_MAX) {
        return weir_error_set(err, WEIR_ECONFIG, "connection string longer than %d bytes",
                              CONNSTR_MAX - 1);
    }
    memcpy(cs, base, len + 1);
    int rc = WEIR_OK;
    if (user != NULL && user[0] != '\0') {
        rc = append_bare(cs, &len, "UID", user, err);
    }
    if (rc == WEIR_OK && pw != NULL) {
        rc = weir_odbc_connstr_append(cs, CONNSTR_MAX, &len, "PWD", pw, err);
    }
    /* host, port and dbname from the host (an RDS secret) fill the keys the
     * connection string leaves out, under the names most drivers read; a
     * DSN names its own server, so it is left alone */
    int dsn = weir_odbc_connstr_has(cs, "DSN") || weir_odbc_connstr_has(cs, "FILEDSN");
    static const struct {
        const char *from, *key, *alt;
    } fills[] = {{"host", "SERVER", "HOST"}, {"port", "PORT", NULL}, {"dbname", "DATABASE", "DB"}};
    for (size_t i = 0; rc == WEIR_OK && !dsn && i < sizeof(fills) / sizeof(fills[0]); i++) {
        const char *v = weir_kv_get(kv, n, fills[i].from);
        if (v != NULL && v[0] != '\0' && !weir_odbc_connstr_has(cs, fills[i].key) &&
            (fills[i].alt == NULL || !weir_odbc_connstr_has(cs, fills[i].alt))) {
            rc = append_bare(cs, &len, fills[i].key, v, err);
        }
    }
    if (rc == WEIR_OK && extra != NULL) {
        size_t el = strlen(extra);
        if (len + el + 2 > CONNSTR_MAX) {
            return weir_error_set(err, WEIR_ECONFIG, "connection string too long");
        }
        if (len > 0 && cs[len - 1] != ';') {
            cs[len++] = ';';
        }
        memcpy(cs + len, extra, el + 1);
    }
    return rc;
}

static void get_info_str(SQLHDBC dbc, SQLUSMALLINT what, char *buf, size_t cap)
{
    SQLSMALLINT len = 0;
    buf[0] = '\0';
    if (!SQL_SUCCEEDED(SQLGetInfo(dbc, what, buf, (SQLSMALLINT)cap, &len))) {
        buf[0] = '\0';
    }
}

static SQLUINTEGER get_info_u32(SQLHDBC dbc, SQLUSMALLINT what)
{
    SQLUINTEGER v = 0;
    if (!SQL_SUCCEEDED(SQLGetInfo(dbc, what, &v, sizeof(v), NULL))) {
        return 0;
    }
    return v;
}

static void read_info(struct weir_odbc_conn *c)
{
    char q[8];
    get_info_str(c->dbc, SQL_DBMS_NAME, c->dbms_name, sizeof(c->dbms_name));
    get_info_str(c->dbc, SQL_DBMS_VER, c->dbms_version, sizeof(c->dbms_version));
    get_info_str(c->dbc, SQL_DRIVER_NAME, c->driver_name, sizeof(c->driver_name));
    get_info_str(c->dbc, SQL_DRIVER_VER, c->driver_version, sizeof(c->driver_version));
    get_info_str(c->dbc, SQL_IDENTIFIER_QUOTE_CHAR, q, sizeof(q));
    c->getdata_ext = get_info_u32(c->dbc, SQL_GETDATA_EXTENSIONS);
    c->txn_options = get_info_u32(c->dbc, SQL_TXN_ISOLATION_OPTION);
    c->schema_usage = get_info_u32(c->dbc, SQL_SCHEMA_USAGE);
    c->catalog_usage = get_info_u32(c->dbc, SQL_CATALOG_USAGE);
    /* " " means the driver quotes no identifiers (ODBC's SQLGetInfo). */
    snprintf(c->dialect.quote, sizeof(c->dialect.quote), "%s", strcmp(q, " ") == 0 ? "" : q);
    c->dialect.limit = WEIR_ODBC_LIMIT_NONE;
    c->dbms = WEIR_ODBC_DBMS_OTHER;
    if (strcasestr(c->dbms_name, "PostgreSQL") != NULL) {
        c->dbms = WEIR_ODBC_DBMS_POSTGRES;
    } else if (strcasestr(c->dbms_name, "MariaDB") != NULL ||
               strcasestr(c->dbms_name, "MySQL") != NULL) {
        c->dbms = WEIR_ODBC_DBMS_MARIADB;
    } else if (strcasestr(c->dbms_name, "SQLite") != NULL) {
        c->dbms = WEIR_ODBC_DBMS_SQLITE;
    } else if (strcasestr(c->dbms_name, "SQL Server") != NULL) {
        c->dbms = WEIR_ODBC_DBMS_MSSQL;
        c->dialect.limit = WEIR_ODBC_LIMIT_TOP;
    }
    if (c->dbms == WEIR_ODBC_DBMS_SQLITE) {
        /* A double-quoted name that matches no column is a string literal in
         * SQLite; a backquoted one is always an identifier. */
        snprintf(c->dialect.quote, sizeof(c->dialect.quote), "`");
    }
    if (c->dbms == WEIR_ODBC_DBMS_POSTGRES || c->dbms == WEIR_ODBC_DBMS_MARIADB ||
        c->dbms == WEIR_ODBC_DBMS_SQLITE) {
        c->dialect.limit = WEIR_ODBC_LIMIT_LIMIT;
    }
}

static int driver_connect(struct weir_odbc_conn *c, const struct weir_kv *kv, size_t n,
                          const char *extra, struct weir_error *err)
{
    char *cs = malloc(CONNSTR_MAX);
    if (cs == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    int rc = build_connstr(kv, n, extra, cs, err);
    if (rc == WEIR_OK) {
        /* No completed connection string back: it would hold the password
         * (and sqliteodbc writes it even into a zero-length buffer). */
        SQLRETURN r = SQLDriverConnect(c->dbc, NULL, (SQLCHAR *)cs, SQL_NTS, NULL, 0, NULL,
                                       SQL_DRIVER_NOPROMPT);
        if (SQL_SUCCEEDED(r)) {
            c->connected = 1;
        } else {
            rc = weir_odbc_diag(SQL_HANDLE_DBC, c->dbc, "SQLDriverConnect",
                                "cannot connect to the ODBC data source", err);
        }
    }
    explicit_bzero(cs, CONNSTR_MAX);
    free(cs);
    return rc;
}

static int exec_direct(struct weir_odbc_conn *c, const char *sql, const char *primary,
                       struct weir_error *err)
{
    SQLHSTMT st = SQL_NULL_HSTMT;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &st))) {
        return weir_odbc_diag(SQL_HANDLE_DBC, c->dbc, "SQLAllocHandle(STMT)", primary, err);
    }
    SQLRETURN r = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
    int rc = WEIR_OK;
    if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA) {
        rc = weir_odbc_diag(SQL_HANDLE_STMT, st, "SQLExecDirect", primary, err);
    } else {
        /* A read in the statement (SQLite's snapshot start) is consumed. */
        while (SQL_SUCCEEDED(SQLFetch(st))) {
        }
    }
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    return rc;
}

static void odbc_disconnect(void *conn)
{
    struct weir_odbc_conn *c = conn;
    if (c == NULL) {
        return;
    }
    if (c->connected) {
        if (c->in_txn) {
            SQLEndTran(SQL_HANDLE_DBC, c->dbc, SQL_ROLLBACK);
        }
        SQLDisconnect(c->dbc);
    }
    if (c->dbc != SQL_NULL_HDBC) {
        SQLFreeHandle(SQL_HANDLE_DBC, c->dbc);
    }
    if (c->env != SQL_NULL_HENV) {
        SQLFreeHandle(SQL_HANDLE_ENV, c->env);
    }
    free(c);
}

/* Driver options that make a buffering driver stream, when the user set none. */
static const char *streaming_options(struct weir_odbc_conn *c, const char *connection,
                                     char *buf, size_t cap)
{
    if (strcasestr(c->driver_name, "psqlodbc") != NULL) {
        /* Booleans as SQL_BIT, not the "0"/"1" text of BoolsAsChar=1. */
        size_t o = 0;
        buf[0] = '\0';
        if (!weir_odbc_connstr_has(connection, "BoolsAsChar")) {
            o += (size_t)snprintf(buf + o, cap - o, "BoolsAsChar=0;");
        }
        if (!weir_odbc_connstr_has(connection, "UseDeclareFetch") && o < cap) {
            snprintf(buf + o, cap - o, "UseDeclareFetch=1;Fetch=%lld;",
                     (long long)(c->batch_rows < PSQL_FETCH_ROWS ? c->batch_rows
                                                                 : PSQL_FETCH_ROWS));
        }
        return buf[0] != '\0' ? buf : NULL;
    }
    if (strcasestr(c->driver_name, "maodbc") != NULL &&
        !weir_odbc_connstr_has(connection, "NO_CACHE") &&
        !weir_odbc_connstr_has(connection, "STREAMRS")) {
        /* Connector/ODBC streams (mysql_use_result) from 3.1.17 on; older
         * versions buffer every result whole: say so. */
        if (strcmp(c->driver_version, "03.01.0017") >= 0) {
            snprintf(buf, cap, "NO_CACHE=1;");
            return buf;
        }
        c->buffers = 1; /* tables are read in chunks (odbc_chunk.c) */
    }
    return NULL;
}

static int odbc_connect(const struct weir_host *host, const struct weir_kv *kv, size_t n,
                        void **conn, struct weir_error *err)
{
    struct weir_odbc_conn *c = calloc(1, sizeof(*c));
    char extra[128];
    int rc;
    if (c == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    c->host = host;
    if ((rc = read_options(c, kv, n, err)) != WEIR_OK) {
        goto fail;
    }
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &c->env))) {
        rc = weir_error_set(err, WEIR_EUNAVAILABLE, "cannot allocate an ODBC environment");
        goto fail;
    }
    SQLSetEnvAttr(c->env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, c->env, &c->dbc))) {
        rc = weir_odbc_diag(SQL_HANDLE_ENV, c->env, "SQLAllocHandle(DBC)",
                            "cannot allocate an ODBC connection", err);
        goto fail;
    }
    SQLSetConnectAttr(c->dbc, SQL_ATTR_LOGIN_TIMEOUT, (SQLPOINTER)30, 0);
    if ((rc = driver_connect(c, kv, n, NULL, err)) != WEIR_OK) {
        goto fail;
    }
    read_info(c);
    /* Streaming options are per connection: connect again with them. */
    const char *more = streaming_options(c, weir_kv_get(kv, n, "connection"), extra,
                                         sizeof(extra));
    if (more != NULL) {
        SQLDisconnect(c->dbc);
        c->connected = 0;
        if ((rc = driver_connect(c, kv, n, more, err)) != WEIR_OK) {
            goto fail;
        }
        read_info(c);
    }
    /* Zoned types are read as UTC instants (README: time zones). */
    if (c->dbms == WEIR_ODBC_DBMS_POSTGRES) {
        rc = exec_direct(c, "SET TIME ZONE 'UTC'", "cannot set the session time zone", err);
    } else if (c->dbms == WEIR_ODBC_DBMS_MARIADB) {
        rc = exec_direct(c, "SET time_zone = '+00:00'", "cannot set the session time zone", err);
    }
    if (rc != WEIR_OK) {
        goto fail;
    }
    *conn = c;
    return WEIR_OK;
fail:
    odbc_disconnect(c);
    return rc;
}

static int set_autocommit(struct weir_odbc_conn *c, int on, struct weir_error *err)
{
    SQLRETURN r = SQLSetConnectAttr(c->dbc, SQL_ATTR_AUTOCOMMIT,
                                    (SQLPOINTER)(uintptr_t)(on ? SQL_AUTOCOMMIT_ON
                                                               : SQL_AUTOCOMMIT_OFF),
                                    0);
    if (!SQL_SUCCEEDED(r)) {
        return weir_odbc_diag(SQL_HANDLE_DBC, c->dbc, "SQLSetConnectAttr(AUTOCOMMIT)",
                              "cannot change autocommit", err);
    }
    return WEIR_OK;
}

static int odbc_begin(void *conn, struct weir_error *err)
{
    struct weir_odbc_conn *c = conn;
    const char *primary = "cannot open a snapshot";
    int rc;
    if (c->in_txn) {
        return weir_error_set(err, WEIR_EINTERNAL, "begin inside an open snapshot");
    }
    if (c->dbms == WEIR_ODBC_DBMS_POSTGRES) {
        /* psqlODBC sends BEGIN before the first statement once autocommit
         * is off; the SET is that first statement. */
        if ((rc = set_autocommit(c, 0, err)) == WEIR_OK) {
            c->in_txn = 1;
            rc = exec_direct(c, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
                             primary, err);
        }
    } else if (c->dbms == WEIR_ODBC_DBMS_MARIADB) {
        SQLSetConnectAttr(c->dbc, SQL_ATTR_TXN_ISOLATION, (SQLPOINTER)SQL_TXN_REPEATABLE_READ, 0);
        if ((rc = set_autocommit(c, 0, err)) == WEIR_OK) {
            c->in_txn = 1;
            rc = exec_direct(c, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", primary,
                             err);
        }
    } else if (c->dbms == WEIR_ODBC_DBMS_SQLITE) {
        /* A deferred transaction takes its read snapshot at the first read. */
        if ((rc = set_autocommit(c, 0, err)) == WEIR_OK) {
            c->in_txn = 1;
            rc = exec_direct(c, "SELECT count(*) FROM sqlite_master", primary, err);
        }
    } else {
        SQLUINTEGER level = (c->txn_options & SQL_TXN_REPEATABLE_READ)
                                ? SQL_TXN_REPEATABLE_READ
                                : (c->txn_options & SQL_TXN_SERIALIZABLE) ? SQL_TXN_SERIALIZABLE
                                                                         : 0;
        if (level == 0) {
            weir_odbc_warn(c, "odbc_no_snapshot",
                           "%s offers neither repeatable read nor serializable isolation: "
                           "reads are not one snapshot",
                           c->dbms_name);
        } else if (!SQL_SUCCEEDED(SQLSetConnectAttr(c->dbc, SQL_ATTR_TXN_ISOLATION,
                                                    (SQLPOINTER)(uintptr_t)level, 0))) {
            return weir_odbc_diag(SQL_HANDLE_DBC, c->dbc, "SQLSetConnectAttr(TXN_ISOLATION)",
                                  primary, err);
        }
        if ((rc = set_autocommit(c, 0, err)) == WEIR_OK) {
            c->in_txn = 1;
        }
    }
    if (rc != WEIR_OK && c->in_txn) {
        SQLEndTran(SQL_HANDLE_DBC, c->dbc, SQL_ROLLBACK);
        set_autocommit(c, 1, &(struct weir_error){0});
        c->in_txn = 0;
    }
    return rc;
}

static int odbc_end(void *conn, struct weir_error *err)
{
    struct weir_odbc_conn *c = conn;
    if (!c->in_txn) {
        return WEIR_OK;
    }
    c->in_txn = 0;
    /* Read only: commit and rollback are the same; commit reports errors. */
    SQLRETURN r = SQLEndTran(SQL_HANDLE_DBC, c->dbc, SQL_COMMIT);
    if (!SQL_SUCCEEDED(r)) {
        int rc = weir_odbc_diag(SQL_HANDLE_DBC, c->dbc, "SQLEndTran", "cannot end the snapshot",
                                err);
        set_autocommit(c, 1, &(struct weir_error){0});
        return rc;
    }
    return set_autocommit(c, 1, err);
}

static int odbc_render_sql(void *conn, const struct weir_query *q, char *buf, size_t cap,
                           struct weir_error *err)
{
    struct weir_odbc_conn *c = conn;
    struct weir_odbc_sql s = {0};
    int rc = weir_odbc_sql_build(&c->dialect, q, WEIR_ODBC_STMT_SELECT, 0, &s, err);
    if (rc == WEIR_OK) {
        rc = weir_odbc_sql_render(&s, buf, cap, err);
    }
    weir_odbc_sql_reset(&s);
    return rc;
}

static int odbc_count(void *conn, const struct weir_query *q, int64_t *rows,
                      struct weir_error *err)
{
    struct weir_odbc_conn *c = conn;
    struct weir_odbc_sql s = {0};
    SQLHSTMT st = SQL_NULL_HSTMT;
    int rc = weir_odbc_sql_build(&c->dialect, q, WEIR_ODBC_STMT_COUNT, 0, &s, err);
    if (rc != WEIR_OK || (rc = weir_odbc_prepare(c, &s, "count", &st, err)) != WEIR_OK ||
        (rc = weir_odbc_execute(st, "count", err)) != WEIR_OK) {
        goto done;
    }
    SQLBIGINT v = 0;
    SQLLEN ind = 0;
    SQLRETURN r = SQLFetch(st);
    if (SQL_SUCCEEDED(r)) {
        r = SQLGetData(st, 1, SQL_C_SBIGINT, &v, sizeof(v), &ind);
    }
    if (!SQL_SUCCEEDED(r) || ind == SQL_NULL_DATA) {
        rc = weir_odbc_diag(SQL_HANDLE_STMT, st, "SQLFetch", "cannot read the row count", err);
        goto done;
    }
    *rows = (int64_t)v;
done:
    if (st != SQL_NULL_HSTMT) {
        SQLFreeHandle(SQL_HANDLE_STMT, st);
    }
    weir_odbc_sql_reset(&s);
    return rc;
}

/* One watermark value as text that binds back to the same value. */
static int hwm_value(struct weir_odbc_conn *c, SQLHSTMT st, SQLUSMALLINT i, const char *name,
                     struct weir_bound *out, struct weir_error *err)
{
    SQLCHAR cname[128];
    SQLSMALLINT nlen = 0, type = 0, digits = 0, nullable = 0;
    SQLULEN size = 0;
    SQLLEN ind = 0;
    SQLRETURN r = SQLDescribeCol(st, i, cname, sizeof(cname), &nlen, &type, &size, &digits,
                                 &nullable);
    if (!SQL_SUCCEEDED(r)) {
        return weir_odbc_diag(SQL_HANDLE_STMT, st, "SQLDescribeCol",
                              "cannot describe a watermark column", err);
    }
    /* SQLite compares what is stored (text affinity included): keep it verbatim. */
    if (c->dbms != WEIR_ODBC_DBMS_SQLITE && (type == SQL_TYPE_TIMESTAMP || type == SQL_TIMESTAMP)) {
        SQL_TIMESTAMP_STRUCT ts;
        r = SQLGetData(st, i, SQL_C_TYPE_TIMESTAMP, &ts, sizeof(ts), &ind);
        if (SQL_SUCCEEDED(r) && ind != SQL_NULL_DATA) {
            weir_odbc_timestamp_format(ts.year, ts.month, ts.day, ts.hour, ts.minute, ts.second,
                                       (uint32_t)ts.fraction, out->text, sizeof(out->text));
        }
    } else if (c->dbms != WEIR_ODBC_DBMS_SQLITE && (type == SQL_TYPE_DATE || type == SQL_DATE)) {
        SQL_DATE_STRUCT d;
        r = SQLGetData(st, i, SQL_C_TYPE_DATE, &d, sizeof(d), &ind);
        if (SQL_SUCCEEDED(r) && ind != SQL_NULL_DATA) {
            snprintf(out->text, sizeof(out->text), "%04d-%02u-%02u", d.year, d.month, d.day);
        }
    } else {
        r = SQLGetData(st, i, SQL_C_CHAR, out->text, sizeof(out->text), &ind);
        if (SQL_SUCCEEDED(r) && ind != SQL_NULL_DATA &&
            (ind == SQL_NO_TOTAL || (size_t)ind >= sizeof(out->text))) {
            return weir_error_set(err, WEIR_EDATA,
                                  "watermark column \"%s\": value longer than %zu bytes", name,
                                  sizeof(out->text) - 1);
        }
    }
    if (!SQL_SUCCEEDED(r)) {
        return weir_odbc_diag(SQL_HANDLE_STMT, st, "SQLGetData",
                              "cannot read the high watermark", err);
    }
    if (ind == SQL_NULL_DATA) {
        return weir_error_set(err, WEIR_EINTERNAL, "watermark column \"%s\" read NULL", name);
    }
    out->present = 1;
    return WEIR_OK;
}

static int odbc_high_watermark(void *conn, const struct weir_query *q, struct weir_bound *out,
                               char *note, size_t note_cap, struct weir_error *err)
{
    struct weir_odbc_conn *c = conn;
    struct weir_odbc_sql s = {0};
    SQLHSTMT st = SQL_NULL_HSTMT;
    for (size_t i = 0; i < q->n_wm; i++) {
        out[i].present = 0;
        out[i].text[0] = '\0';
    }
    int rc = weir_odbc_sql_build(&c->dialect, q, WEIR_ODBC_STMT_HWM, weir_odbc_now_us(), &s, err);
    if (rc != WEIR_OK || (rc = weir_odbc_prepare(c, &s, "high watermark", &st, err)) != 0) {
        goto done;
    }
    if (c->dialect.limit == WEIR_ODBC_LIMIT_NONE) {
        SQLSetStmtAttr(st, SQL_ATTR_MAX_ROWS, (SQLPOINTER)1, 0);
    }
    if ((rc = weir_odbc_execute(st, "high watermark", err)) != WEIR_OK) {
        goto done;
    }
    SQLRETURN r = SQLFetch(st);
    if (r != SQL_NO_DATA) {
        if (!SQL_SUCCEEDED(r)) {
            rc = weir_odbc_diag(SQL_HANDLE_STMT, st, "SQLFetch",
                                "cannot read the high watermark", err);
            goto done;
        }
        for (size_t i = 0; i < q->n_wm; i++) {
            rc = hwm_value(c, st, (SQLUSMALLINT)(i + 1), q->wm_columns[i], &out[i], err);
            if (rc != WEIR_OK) {
                for (size_t j = 0; j < q->n_wm; j++) {
                    out[j].present = 0;
                }
                goto done;
            }
        }
    }
    if (note != NULL && note_cap > 0) {
        int w = snprintf(note, note_cap, "max(");
        for (size_t i = 0; i < q->n_wm && w > 0 && (size_t)w < note_cap; i++) {
            w += snprintf(note + w, note_cap - (size_t)w, "%s%s", i ? ", " : "", q->wm_columns[i]);
        }
        if (w > 0 && (size_t)w < note_cap) {
            snprintf(note + w, note_cap - (size_t)w,
                     ") via ODBC; no open-transaction guard: lag is the guard");
        }
    }
done:
    if (st != SQL_NULL_HSTMT) {
        SQLFreeHandle(SQL_HANDLE_STMT, st);
    }
    weir_odbc_sql_reset(&s);
    return rc;
}

static const struct weir_source_ops source_ops = {
    .size = sizeof(struct weir_source_ops),
    .connect = odbc_connect,
    .disconnect = odbc_disconnect,
    .begin = odbc_begin,
    .end = odbc_end,
    .render_sql = odbc_render_sql,
    .high_watermark = odbc_high_watermark,
    .count = odbc_count,
    .describe = weir_odbc_describe,
    .scan_open = weir_odbc_scan_open,
    .scan_next = weir_odbc_scan_next,
    .scan_close = weir_odbc_scan_close,
    .catalog = weir_odbc_catalog,
    .numeric_extent = weir_odbc_numeric_extent,
    .primary_key = weir_odbc_primary_key,
};

WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err);

WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err)
{
    if (host_abi != WEIR_ABI_VERSION) {
        weir_error_set(err, WEIR_EABI, "odbc source plugin speaks ABI %u, the host ABI %u",
                       WEIR_ABI_VERSION, host_abi);
        return weir_error_hint(err, "use the odbc plugin built with this weir");
    }
    if (out == NULL || out->size < sizeof(struct weir_plugin)) {
        return weir_error_set(err, WEIR_EABI, "plugin descriptor of %zu bytes, need %zu",
                              out ? out->size : 0, sizeof(struct weir_plugin));
    }
    size_t size = out->size;
    memset(out, 0, size);
    out->size = sizeof(struct weir_plugin);
    out->abi_version = WEIR_ABI_VERSION;
    out->kind = WEIR_PLUGIN_SOURCE;
    out->name = "odbc";
    out->version = ODBC_PLUGIN_VERSION;
    out->file_extension = NULL;
    out->options = options;
    out->n_options = sizeof(options) / sizeof(options[0]);
    out->source = &source_ops;
    out->writer = NULL;
    return WEIR_OK;
}
