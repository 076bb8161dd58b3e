/* Diagnostics and statement helpers of the ODBC source driver; see odbc.h. */
#include "drivers/odbc/odbc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int status_of(const char *state, const char *msg)
{
    /* Some drivers (psqlODBC) report a rejected login as 08001 with the
     * server's text only: the text decides then. */
    if (strncmp(state, "28", 2) == 0 || strcasestr(msg, "password authentication failed") ||
        strcasestr(msg, "access denied") || strstr(msg, "28P01") || strstr(msg, "28000")) {
        return WEIR_EAUTH;
    }
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "HYT0", 4) == 0 ||
        strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
        return WEIR_ETEMPFAIL;
    }
    if (strncmp(state, "42", 2) == 0 || strcmp(state, "IM002") == 0 ||
        strcmp(state, "IM007") == 0 || strcmp(state, "HY024") == 0) {
        return WEIR_ECONFIG;
    }
    if (strncmp(state, "22", 2) == 0 || strcmp(state, "07006") == 0) {
        return WEIR_EDATA;
    }
    if (strcmp(state, "HY001") == 0) {
        return WEIR_ENOMEM;
    }
    /* Drivers that say only HY000 (sqliteodbc): the text names a missing object. */
    if (strcmp(state, "HY000") == 0 &&
        (strcasestr(msg, "no such table") || strcasestr(msg, "no such column") ||
         strcasestr(msg, "syntax error"))) {
        return WEIR_ECONFIG;
    }
    return 0;
}

int weir_odbc_diag(SQLSMALLINT htype, SQLHANDLE h, const char *op, const char *primary,
                   struct weir_error *err)
{
    int status = 0;
    char first[320] = "";
    size_t o = 0;
    int w = snprintf(err->detail, sizeof(err->detail), "%s:", op);
    o = w > 0 ? (size_t)w : 0;
    for (SQLSMALLINT rec = 1; h != SQL_NULL_HANDLE && rec <= 32; rec++) {
        SQLCHAR state[6] = "";
        SQLINTEGER native = 0;
        SQLCHAR msg[1024] = "";
        SQLSMALLINT mlen = 0;
        SQLRETURN rc = SQLGetDiagRec(htype, h, rec, state, &native, msg, sizeof(msg), &mlen);
        if (!SQL_SUCCEEDED(rc)) {
            break;
        }
        if (rec == 1) {
            snprintf(first, sizeof(first), "%s", (const char *)msg);
        }
        if (status == 0) {
            status = status_of((const char *)state, (const char *)msg);
        }
        if (o < sizeof(err->detail)) {
            w = snprintf(err->detail + o, sizeof(err->detail) - o, "%s SQLSTATE %s (native %d): %s",
                         rec > 1 ? ";" : "", (const char *)state, (int)native,
                         (const char *)msg);
            o += w > 0 ? (size_t)w : 0;
        }
    }
    if (first[0] == '\0' && o < sizeof(err->detail)) {
        snprintf(err->detail + o, sizeof(err->detail) - o, " no diagnostic record");
    }
    for (char *p = err->detail; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    err->status = status != 0 ? status : WEIR_EUNAVAILABLE;
    /* Driver messages carry trailing newlines; the primary line must not. */
    for (char *p = first; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    if (first[0] != '\0') {
        snprintf(err->message, sizeof(err->message), "%s: %s", primary, first);
    } else {
        snprintf(err->message, sizeof(err->message), "%s", primary);
    }
    err->hint[0] = '\0';
    if (err->status == WEIR_EAUTH) {
        weir_error_hint(err, "check the source's user and password");
    } else if (err->status == WEIR_ETEMPFAIL) {
        weir_error_hint(err, "the database is unreachable or busy; the run can be retried");
    }
    return err->status;
}

void weir_odbc_warn(struct weir_odbc_conn *c, const char *event, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c != NULL && c->host != NULL && c->host->log != NULL) {
        c->host->log(c->host->ctx, WEIR_LOG_WARN, event, msg);
    }
}

int weir_odbc_prepare_on(SQLHSTMT st, const struct weir_odbc_sql *s, const char *what,
                         struct weir_error *err)
{
    char primary[128];
    snprintf(primary, sizeof(primary), "cannot prepare the %s statement", what);
    SQLRETURN rc = SQLPrepare(st, (SQLCHAR *)s->text, SQL_NTS);
    if (!SQL_SUCCEEDED(rc)) {
        return weir_odbc_diag(SQL_HANDLE_STMT, st, "SQLPrepare", primary, err);
    }
    for (size_t i = 0; i < s->n_params; i++) {
        SQLULEN n = s->plens[i];
        SQLSMALLINT ctype = SQL_C_CHAR, sqltype = SQL_VARCHAR;
        SQLULEN size = n > 0 ? n : 1;
        SQLLEN buflen = (SQLLEN)(n + 1);
        switch (s->ptypes[i]) {
        case WEIR_ODBC_P_WTEXT:
            ctype = SQL_C_WCHAR;
            sqltype = SQL_WVARCHAR;
            size = n >= 2 ? n / 2 : 1;
            buflen = (SQLLEN)(n + 2);
            break;
        case WEIR_ODBC_P_INT:
        case WEIR_ODBC_P_UINT:
            ctype = s->ptypes[i] == WEIR_ODBC_P_INT ? SQL_C_SBIGINT : SQL_C_UBIGINT;
            sqltype = SQL_BIGINT;
            size = 20;
            buflen = 8;
            break;
        default:
            break;
        }
        rc = SQLBindParameter(st, (SQLUSMALLINT)(i + 1), SQL_PARAM_INPUT, ctype, sqltype, size, 0,
                              s->params[i], buflen, NULL);
        if (!SQL_SUCCEEDED(rc)) {
            return weir_odbc_diag(SQL_HANDLE_STMT, st, "SQLBindParameter", primary, err);
        }
    }
    return WEIR_OK;
}

int weir_odbc_prepare(struct weir_odbc_conn *c, const struct weir_odbc_sql *s, const char *what,
                      SQLHSTMT *out, struct weir_error *err)
{
    SQLHSTMT st = SQL_NULL_HSTMT;
    char primary[128];
    snprintf(primary, sizeof(primary), "cannot prepare the %s statement", what);
    SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &st);
    if (!SQL_SUCCEEDED(rc)) {
        return weir_odbc_diag(SQL_HANDLE_DBC, c->dbc, "SQLAllocHandle(STMT)", primary, err);
    }
    /* Forward-only, read-only: the cheapest cursor, and the one streaming
     * drivers (MariaDB NO_CACHE) require. */
    SQLSetStmtAttr(st, SQL_ATTR_CURSOR_TYPE, (SQLPOINTER)SQL_CURSOR_FORWARD_ONLY, 0);
    SQLSetStmtAttr(st, SQL_ATTR_CONCURRENCY, (SQLPOINTER)SQL_CONCUR_READ_ONLY, 0);
    if (weir_odbc_prepare_on(st, s, what, err) != WEIR_OK) {
        SQLFreeHandle(SQL_HANDLE_STMT, st);
        return err->status;
    }
    *out = st;
    return WEIR_OK;
}

int weir_odbc_execute(SQLHSTMT st, const char *what, struct weir_error *err)
{
    SQLRETURN rc = SQLExecute(st);
    if (SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA) {
        return WEIR_OK;
    }
    char primary[128];
    snprintf(primary, sizeof(primary), "the %s statement failed", what);
    return weir_odbc_diag(SQL_HANDLE_STMT, st, "SQLExecute", primary, err);
}

int64_t weir_odbc_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
