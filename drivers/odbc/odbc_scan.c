/*
 * describe and scan of the ODBC source driver: column metadata to Arrow
 * types, block cursors with column-wise bound arrays, SQLGetData for long
 * values, conversion into the Arrow builders. README.md lists the types.
 *
 * Three ways to fetch, chosen per statement:
 *   block      every column bound, SQL_ATTR_ROW_ARRAY_SIZE rows per SQLFetch;
 *   block+get  long columns unbound, read per row with SQLSetPos(SQL_POSITION)
 *              and SQLGetData (drivers with SQL_GD_BLOCK);
 *   row        one row per SQLFetch, every column through SQLGetData (drivers
 *              without SQL_GD_BLOCK, when a long column exists).
 * A bound value longer than its buffer (the length indicator says so) is
 * read again whole the block+get way, never truncated.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drivers/odbc/odbc.h"
#include "drivers/odbc/odbc_conv.h"
#include "drivers/odbc/odbc_scan.h"
#include "util/arrow.h"

/* Values whose length varies: fetched as text or bytes. */
static int is_var(const struct scol *k)
{
    return k->kind == K_TEXT || k->kind == K_BIN || k->kind == K_DEC || k->kind == K_TIME ||
           k->textual;
}


/* A per-column override from the spec's `types`: decimal(p,s), text, double, bigint. */
static int apply_override(struct scol *k, const char *t, struct weir_error *err)
{
    int p = 0, s = 0, n = 0;
    if ((sscanf(t, "decimal(%d,%d)%n", &p, &s, &n) == 2 ||
         sscanf(t, "numeric(%d,%d)%n", &p, &s, &n) == 2) && t[n] == '\0') {
        if (p < 1 || p > 38 || s < 0 || s > p) {
            return weir_error_set(err, WEIR_ECONFIG, "column \"%s\": type %s out of range "
                                  "(precision 1..38, scale 0..precision)", k->name, t);
        }
        k->kind = K_DEC;
        k->prec = p;
        k->scale = s;
    } else if (strcasecmp(t, "text") == 0 || strcasecmp(t, "string") == 0) {
        k->kind = K_TEXT;
        k->size = 0; /* unknown length: read whole */
    } else if (strcasecmp(t, "double") == 0) {
        k->kind = K_FIXED;
        k->ctype = SQL_C_DOUBLE;
        k->elem = 8;
        snprintf(k->format, sizeof(k->format), "g");
    } else if (strcasecmp(t, "bigint") == 0) {
        k->kind = K_FIXED;
        k->ctype = SQL_C_SBIGINT;
        k->elem = 8;
        snprintf(k->format, sizeof(k->format), "l");
    } else {
        weir_error_set(err, WEIR_ECONFIG, "column \"%s\": type override \"%s\" not supported",
                       k->name, t);
        return weir_error_hint(err, "use decimal(p,s), text, double or bigint");
    }
    return WEIR_OK;
}

struct fixed_map {
    SQLSMALLINT sqltype;
    int uns;
    SQLSMALLINT ctype;
    size_t width;
    const char *format;
};

static const struct fixed_map fixed_types[] = {
    {SQL_TINYINT, 0, SQL_C_STINYINT, 1, "c"}, {SQL_TINYINT, 1, SQL_C_UTINYINT, 1, "C"},
    {SQL_SMALLINT, 0, SQL_C_SSHORT, 2, "s"},  {SQL_SMALLINT, 1, SQL_C_USHORT, 2, "S"},
    {SQL_INTEGER, 0, SQL_C_SLONG, 4, "i"},    {SQL_INTEGER, 1, SQL_C_ULONG, 4, "I"},
    {SQL_BIGINT, 0, SQL_C_SBIGINT, 8, "l"},   {SQL_REAL, 0, SQL_C_FLOAT, 4, "f"},
    {SQL_FLOAT, 0, SQL_C_DOUBLE, 8, "g"},     {SQL_DOUBLE, 0, SQL_C_DOUBLE, 8, "g"},
};

/*
 * SQLite keeps any value in any column and sqliteodbc converts silently ('abc'
 * in an INTEGER column reads as 0): numbers, booleans, dates and timestamps are
 * read as text and parsed strictly, so a value that does not fit its declared
 * type is WEIR_EDATA. Declared lengths mean nothing there: text and blobs are
 * read whole. SQLite's integers are 64-bit whatever the declaration, and
 * sqliteodbc reports INTEGER (a rowid alias included) as SQL_INTEGER: such a
 * column is int64, so a rowid-sized value extracts instead of failing.
 */
static void sqlite_plan(struct scol *k)
{
    if (k->kind == K_FIXED && strcmp(k->format, "i") == 0) {
        snprintf(k->format, sizeof(k->format), "l");
    }
    if (k->kind == K_BOOL || k->kind == K_FIXED || k->kind == K_U64 || k->kind == K_DATE ||
        k->kind == K_TS) {
        k->textual = 1;
        k->ctype = SQL_C_CHAR;
        k->elem = 64;
    } else if (k->kind == K_TEXT || k->kind == K_BIN) {
        k->elem = 0;
        k->long_col = 0;
    }
}

/* Arrow type and fetch plan of one column from its metadata. */
static int plan_column(struct weir_odbc_scan *s, const struct weir_query *q, struct scol *k,
                       int uns, struct weir_error *err)
{
    SQLSMALLINT t = k->sqltype;
    k->kind = 0;
    for (size_t i = 0; i < sizeof(fixed_types) / sizeof(fixed_types[0]); i++) {
        /* REAL/FLOAT/DOUBLE have no unsigned variant: match them either way. */
        if (fixed_types[i].sqltype == t && (fixed_types[i].uns == uns || t == SQL_REAL ||
                                            t == SQL_FLOAT || t == SQL_DOUBLE)) {
            k->kind = K_FIXED;
            k->ctype = fixed_types[i].ctype;
            k->elem = fixed_types[i].width;
            snprintf(k->format, sizeof(k->format), "%s", fixed_types[i].format);
            break;
        }
    }
    if (k->kind != 0) {
        /* done */
    } else if (t == SQL_BIT) {
        k->kind = K_BOOL;
    } else if (t == SQL_BIGINT && uns) {
        k->kind = K_U64;
    } else if (t == SQL_DECIMAL || t == SQL_NUMERIC) {
        k->kind = K_DEC;
        k->prec = (int)k->size;
        k->scale = k->digits;
    } else if (t == SQL_BINARY || t == SQL_VARBINARY || t == SQL_LONGVARBINARY) {
        k->kind = K_BIN;
    } else if (t == SQL_TYPE_DATE || t == SQL_DATE) {
        k->kind = K_DATE;
    } else if (t == SQL_TYPE_TIME || t == SQL_TIME) {
        k->kind = K_TIME;
    } else if (t == SQL_TYPE_TIMESTAMP || t == SQL_TIMESTAMP) {
        k->kind = K_TS;
    } else if (t == SQL_GUID) {
        k->kind = K_GUID;
    } else {
        /* CHAR, VARCHAR, LONGVARCHAR, their W forms, and anything unknown
         * (intervals, JSON, ...) are read as text. */
        k->kind = K_TEXT;
    }
    const char *ovr = q->types != NULL ? weir_kv_get(q->types, q->n_types, k->name) : NULL;
    if (ovr != NULL && apply_override(k, ovr, err) != WEIR_OK) {
        return err->status;
    }
    switch (k->kind) {
    case K_BOOL:
        k->ctype = SQL_C_BIT;
        k->elem = 1;
        snprintf(k->format, sizeof(k->format), "b");
        break;
    case K_U64:
        k->ctype = SQL_C_UBIGINT;
        k->elem = 8;
        snprintf(k->format, sizeof(k->format), "d:20,0");
        break;
    case K_DEC:
        if (k->prec < 1 || k->prec > 38 || k->scale < 0 || k->scale > k->prec) {
            weir_error_set(err, WEIR_ECONFIG,
                           "column \"%s\": %s(%d,%d) does not fit a 38-digit decimal", k->name,
                           k->source_type, k->prec, k->scale);
            return weir_error_hint(err, "add a per-column type override, e.g. types: {%s: "
                                   "decimal(38,%d)} or {%s: text}",
                                   k->name, k->scale < 0 || k->scale > 38 ? 10 : k->scale,
                                   k->name);
        }
        k->ctype = SQL_C_CHAR;
        k->elem = 64; /* 38 digits, sign, point; a longer text is re-read and refused */
        snprintf(k->format, sizeof(k->format), "d:%d,%d", k->prec, k->scale);
        break;
    case K_TEXT:
    case K_BIN:
        k->ctype = k->kind == K_TEXT ? SQL_C_WCHAR : SQL_C_BINARY;
        /* A UTF-16 character takes up to two units. A declared size beyond
         * BIND_MAX_CHARS (LONGTEXT, text, VARCHAR(MAX)) or none is long:
         * a short prefix is bound and longer values are re-read whole
         * (setup_fetch: or the column is not bound at all). */
        k->elem = k->kind == K_TEXT ? (2 * (size_t)k->size + 1) * 2 : (size_t)k->size;
        if (k->size == 0 || k->size > BIND_MAX_CHARS || t == SQL_LONGVARCHAR ||
            t == SQL_WLONGVARCHAR || t == SQL_LONGVARBINARY) {
            k->elem = LONG_PREFIX_BYTES;
            k->long_col = 1;
        } else if (k->elem > BIND_MAX_BYTES) {
            k->elem = BIND_MAX_BYTES;
        }
        snprintf(k->format, sizeof(k->format), "%s", k->kind == K_TEXT ? "u" : "z");
        break;
    case K_DATE:
        k->ctype = SQL_C_TYPE_DATE;
        k->elem = sizeof(SQL_DATE_STRUCT);
        snprintf(k->format, sizeof(k->format), "tdD");
        break;
    case K_TIME:
        k->ctype = SQL_C_CHAR; /* SQL_TIME_STRUCT has no fraction */
        k->elem = 32;
        snprintf(k->format, sizeof(k->format), "ttu");
        break;
    case K_TS: {
        k->ctype = SQL_C_TYPE_TIMESTAMP;
        k->elem = sizeof(SQL_TIMESTAMP_STRUCT);
        /* Zoned types are read in the session's UTC (odbc_plugin.c). */
        int zoned = (s->c->dbms == WEIR_ODBC_DBMS_POSTGRES &&
                     strcasestr(k->source_type, "timestamptz") != NULL) ||
                    (s->c->dbms == WEIR_ODBC_DBMS_MARIADB &&
                     strcasecmp(k->source_type, "timestamp") == 0) ||
                    strcasestr(k->source_type, "with time zone") != NULL;
        snprintf(k->format, sizeof(k->format), "%s", zoned ? "tsu:UTC" : "tsu:");
        break;
    }
    case K_GUID:
        k->ctype = SQL_C_GUID;
        k->elem = sizeof(SQLGUID);
        snprintf(k->format, sizeof(k->format), "w:16");
        break;
    default:
        break;
    }
    if (s->c->dbms == WEIR_ODBC_DBMS_SQLITE) {
        sqlite_plan(k);
    }
    k->bound = k->elem > 0;
    return WEIR_OK;
}

static int describe_columns(struct weir_odbc_scan *s, const struct weir_query *q,
                            struct weir_error *err)
{
    SQLSMALLINT n = 0;
    if (!SQL_SUCCEEDED(SQLNumResultCols(s->st, &n))) {
        return weir_odbc_diag(SQL_HANDLE_STMT, s->st, "SQLNumResultCols",
                              "cannot describe the result", err);
    }
    if (n <= 0) {
        return weir_error_set(err, WEIR_ECONFIG, "the query returns no columns");
    }
    s->cols = calloc((size_t)n, sizeof(*s->cols));
    if (s->cols == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    s->ncols = (size_t)n;
    for (SQLUSMALLINT i = 1; i <= (SQLUSMALLINT)n; i++) {
        struct scol *k = &s->cols[i - 1];
        SQLSMALLINT nlen = 0, nullable = 0;
        SQLLEN uns = SQL_FALSE;
        SQLRETURN r = SQLDescribeCol(s->st, i, (SQLCHAR *)k->name, sizeof(k->name), &nlen,
                                     &k->sqltype, &k->size, &k->digits, &nullable);
        if (!SQL_SUCCEEDED(r)) {
            return weir_odbc_diag(SQL_HANDLE_STMT, s->st, "SQLDescribeCol",
                                  "cannot describe the result", err);
        }
        if (k->name[0] == '\0') {
            snprintf(k->name, sizeof(k->name), "column%u", (unsigned)i);
        }
        k->not_null = nullable == SQL_NO_NULLS;
        SQLColAttribute(s->st, i, SQL_DESC_UNSIGNED, NULL, 0, NULL, &uns);
        SQLSMALLINT tl = 0;
        if (!SQL_SUCCEEDED(SQLColAttribute(s->st, i, SQL_DESC_TYPE_NAME, k->source_type,
                                           sizeof(k->source_type), &tl, NULL))) {
            k->source_type[0] = '\0';
        }
        int rc = plan_column(s, q, k, uns == SQL_TRUE, err);
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    return WEIR_OK;
}

static int build_batch(struct weir_odbc_scan *s, struct weir_error *err)
{
    int rc = weir_abatch_init(&s->batch, (int64_t)s->ncols, err);
    for (size_t i = 0; rc == WEIR_OK && i < s->ncols; i++) {
        struct scol *k = &s->cols[i];
        const char *keys[2] = {"weir:source_type", "ARROW:extension:name"};
        const char *vals[2] = {k->source_type, "arrow.uuid"};
        size_t mdlen = 0;
        char *md = weir_arrow_metadata_encode(keys, vals, k->kind == K_GUID ? 2 : 1, &mdlen);
        if (md == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory");
        }
        rc = weir_abatch_set_column(&s->batch, (int64_t)i, k->name, k->format, md, mdlen, err);
        free(md);
    }
    return rc;
}

static void scan_free(struct weir_odbc_scan *s)
{
    if (s == NULL) {
        return;
    }
    if (s->st != SQL_NULL_HSTMT) {
        SQLFreeHandle(SQL_HANDLE_STMT, s->st);
    }
    for (size_t i = 0; s->cols != NULL && i < s->ncols; i++) {
        free(s->cols[i].buf);
        free(s->cols[i].ind);
    }
    free(s->cols);
    free(s->status);
    free(s->var);
    free(s->utf8);
    weir_odbc_chunk_free(s);
    weir_abatch_reset(&s->batch);
    weir_odbc_sql_reset(&s->sql);
    free(s);
}

/* Prepares the scan statement (executed when `execute`) and plans its columns. */
static int scan_prepare(struct weir_odbc_conn *c, const struct weir_query *q, int execute,
                        struct weir_odbc_scan **out, struct weir_error *err)
{
    struct weir_odbc_scan *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    s->c = c;
    int rc = weir_odbc_sql_build(&c->dialect, q, WEIR_ODBC_STMT_SELECT, 0, &s->sql, err);
    if (rc == WEIR_OK) {
        rc = weir_odbc_prepare(c, &s->sql, "scan", &s->st, err);
    }
    if (rc == WEIR_OK && execute) {
        rc = weir_odbc_execute(s->st, "scan", err);
    }
    if (rc == WEIR_OK) {
        rc = describe_columns(s, q, err);
    }
    if (rc == WEIR_OK) {
        rc = build_batch(s, err);
    }
    if (rc != WEIR_OK) {
        scan_free(s);
        return rc;
    }
    *out = s;
    return WEIR_OK;
}

int weir_odbc_describe(void *conn, const struct weir_query *q, struct ArrowSchema *schema,
                       struct weir_error *err)
{
    struct weir_odbc_scan *s = NULL;
    int rc = scan_prepare(conn, q, 0, &s, err);
    if (rc == WEIR_OK) {
        rc = weir_abatch_schema(&s->batch, schema, err);
        scan_free(s);
    }
    return rc;
}

static int row_mode_buffers(struct weir_odbc_scan *s, struct weir_error *err);

/* Rowset size from the memory budget: fetch buffers plus the built batch. */
static int setup_fetch(struct weir_odbc_scan *s, struct weir_error *err)
{
    struct weir_odbc_conn *c = s->c;
    size_t row_bytes = 16, unbound = 0, first_unbound = s->ncols, last_bound = 0;
    s->setpos_ok = weir_odbc_setpos_ok(c);
    for (size_t i = 0; i < s->ncols; i++) {
        struct scol *k = &s->cols[i];
        if (k->long_col && !s->setpos_ok) {
            k->elem = 0; /* no re-read inside a rowset: read it whole, row by row */
            k->bound = 0;
        }
        row_bytes += k->bound ? 2 * k->elem + sizeof(SQLLEN) : 64;
        if (!k->bound) {
            unbound++;
            first_unbound = first_unbound < i ? first_unbound : i;
        } else {
            last_bound = i;
        }
    }
    int any_column = (c->getdata_ext & SQL_GD_ANY_COLUMN) || first_unbound > last_bound;
    s->mode_row = unbound > 0 && !(s->setpos_ok && any_column);
    uint64_t rows = c->batch_bytes / row_bytes;
    rows = rows < 1 ? 1 : rows;
    rows = rows > (uint64_t)c->batch_rows ? (uint64_t)c->batch_rows : rows;
    s->budget_rows = (SQLULEN)rows;
    s->rows = s->mode_row ? 1 : (SQLULEN)rows;
    s->status = calloc(s->rows, sizeof(*s->status));
    if (s->status == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < s->ncols && !s->mode_row; i++) {
        struct scol *k = &s->cols[i];
        if (!k->bound) {
            continue;
        }
        k->buf = calloc(s->rows, k->elem);
        k->ind = calloc(s->rows, sizeof(SQLLEN));
        if (k->buf == NULL || k->ind == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory for fetch buffers");
        }
    }
    int rc = s->mode_row ? row_mode_buffers(s, err) : WEIR_OK;
    return rc == WEIR_OK ? weir_odbc_bind_fetch(s, err) : rc;
}

int weir_odbc_bind_fetch(struct weir_odbc_scan *s, struct weir_error *err)
{
    SQLRETURN r = SQLSetStmtAttr(s->st, SQL_ATTR_ROW_BIND_TYPE, (SQLPOINTER)SQL_BIND_BY_COLUMN, 0);
    if (SQL_SUCCEEDED(r)) {
        r = SQLSetStmtAttr(s->st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)(uintptr_t)s->rows, 0);
    }
    if (!SQL_SUCCEEDED(r) && s->rows > 1) {
        return weir_odbc_diag(SQL_HANDLE_STMT, s->st, "SQLSetStmtAttr(ROW_ARRAY_SIZE)",
                              "cannot set up a block cursor", err);
    }
    SQLSetStmtAttr(s->st, SQL_ATTR_ROWS_FETCHED_PTR, &s->fetched, 0);
    SQLSetStmtAttr(s->st, SQL_ATTR_ROW_STATUS_PTR, s->status, 0);
    for (size_t i = 0; i < s->ncols && !s->mode_row; i++) {
        struct scol *k = &s->cols[i];
        if (!k->bound) {
            continue;
        }
        r = SQLBindCol(s->st, (SQLUSMALLINT)(i + 1), k->ctype, k->buf, (SQLLEN)k->elem, k->ind);
        if (!SQL_SUCCEEDED(r)) {
            return weir_odbc_diag(SQL_HANDLE_STMT, s->st, "SQLBindCol",
                                  "cannot bind a result column", err);
        }
    }
    return WEIR_OK;
}

/*
 * Row mode: one row per SQLFetch, nothing bound; fixed-size values read with
 * SQLGetData into a one-row buffer, text, binary, decimal and time read whole.
 */
static int row_mode_buffers(struct weir_odbc_scan *s, struct weir_error *err)
{
    for (size_t i = 0; i < s->ncols; i++) {
        struct scol *k = &s->cols[i];
        free(k->buf);
        free(k->ind);
        k->buf = NULL;
        k->ind = NULL;
        k->bound = 0;
        if (is_var(k)) {
            k->elem = 0;
        }
        if (k->elem > 0 && (k->buf = calloc(1, k->elem)) == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory");
        }
    }
    return WEIR_OK;
}

/*
 * When most values of a rowset were too long for their bound prefix, reading
 * them again through SQLSetPos costs more than reading row by row (psqlODBC
 * walks its rowset for every SQLSetPos): switch to row mode for the rest.
 */
static int maybe_row_mode(struct weir_odbc_scan *s, struct weir_error *err)
{
    if (s->mode_row || s->rows <= 1 || s->overflows * 4 <= s->fetched || s->fetched < 16) {
        s->overflows = 0;
        return WEIR_OK;
    }
    SQLFreeStmt(s->st, SQL_UNBIND);
    if (!SQL_SUCCEEDED(SQLSetStmtAttr(s->st, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)1, 0))) {
        return weir_odbc_diag(SQL_HANDLE_STMT, s->st, "SQLSetStmtAttr(ROW_ARRAY_SIZE)",
                              "cannot switch to row-at-a-time reading", err);
    }
    const struct weir_host *h = s->c->host;
    if (h != NULL && h->log != NULL) {
        char msg[160];
        snprintf(msg, sizeof(msg), "%llu of %llu values of a rowset were re-read whole: reading "
                 "row by row from row %lld", (unsigned long long)s->overflows,
                 (unsigned long long)s->fetched, (long long)s->row_no + 1);
        h->log(h->ctx, WEIR_LOG_DEBUG, "odbc_row_mode", msg);
    }
    s->mode_row = 1;
    s->rows = 1;
    s->overflows = 0;
    return row_mode_buffers(s, err);
}

int weir_odbc_scan_open(void *conn, const struct weir_query *q, struct ArrowSchema *schema,
                        void **scan, struct weir_error *err)
{
    struct weir_odbc_conn *c = conn;
    struct weir_odbc_scan *s = NULL;
    /* A read that may go in chunks is prepared and described first: the
     * key's columns and types decide (odbc_chunk.c). */
    int maybe_chunked = c->chunked == WEIR_ODBC_CHUNKED_ALWAYS ||
                        (c->chunked == WEIR_ODBC_CHUNKED_AUTO && c->buffers);
    int rc = scan_prepare(conn, q, !maybe_chunked, &s, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    if ((rc = setup_fetch(s, err)) != WEIR_OK ||
        (maybe_chunked && (rc = weir_odbc_chunk_open(s, q, err)) != WEIR_OK) ||
        (maybe_chunked && (rc = weir_odbc_execute(s->st, "scan", err)) != WEIR_OK) ||
        (rc = weir_abatch_schema(&s->batch, schema, err)) != WEIR_OK) {
        scan_free(s);
        return rc;
    }
    *scan = s;
    return WEIR_OK;
}

void weir_odbc_scan_close(void *scan)
{
    struct weir_odbc_scan *s = scan;
    if (s != NULL && s->st != SQL_NULL_HSTMT) {
        SQLCloseCursor(s->st);
    }
    scan_free(s);
}

/* ---- values ---- */

/* Reads a whole value of column i with SQLGetData into s->var; *len bytes, or -1 for NULL. */
static int get_whole(struct weir_odbc_scan *s, size_t i, SQLLEN *len, struct weir_error *err)
{
    struct scol *k = &s->cols[i];
    size_t term = k->ctype == SQL_C_WCHAR ? 2 : k->ctype == SQL_C_CHAR ? 1 : 0;
    size_t have = 0;
    for (;;) {
        if (weir_odbc_grow((void **)&s->var, &s->var_cap, have + GETDATA_CHUNK, err) != WEIR_OK) {
            return weir_odbc_row_error(s, k, err);
        }
        size_t avail = (s->var_cap - have) & ~(size_t)1;
        SQLLEN ind = 0;
        SQLRETURN r = SQLGetData(s->st, (SQLUSMALLINT)(i + 1), k->ctype, s->var + have,
                                 (SQLLEN)avail, &ind);
        if (r == SQL_NO_DATA) {
            break; /* every part read */
        }
        if (!SQL_SUCCEEDED(r)) {
            weir_odbc_diag(SQL_HANDLE_STMT, s->st, "SQLGetData", "cannot read a value", err);
            return weir_odbc_row_error(s, k, err);
        }
        if (ind == SQL_NULL_DATA) {
            *len = -1;
            return WEIR_OK;
        }
        if (ind != SQL_NO_TOTAL && (size_t)ind <= avail - term) {
            have += (size_t)ind;
            break;
        }
        have += avail - term; /* truncated part: more follows */
        if (have > VALUE_MAX_BYTES) {
            weir_error_set(err, WEIR_ENOMEM, "value longer than %u bytes", VALUE_MAX_BYTES);
            return weir_odbc_row_error(s, k, err);
        }
    }
    *len = (SQLLEN)have;
    return WEIR_OK;
}

/* SQLSetPos to row r of the rowset, once per row, before SQLGetData. */
static int position(struct weir_odbc_scan *s, SQLULEN r, struct weir_error *err)
{
    if (s->positioned || s->rows == 1) {
        return WEIR_OK;
    }
    if (!s->setpos_ok) {
        weir_error_set(err, WEIR_EDATA,
                       "value longer than its bound buffer, and %s cannot re-read it inside a "
                       "block cursor", s->c->driver_name);
        return weir_error_hint(err, "add a type override `text` for the column: it is then read "
                               "whole, one row at a time");
    }
    SQLRETURN rc = SQLSetPos(s->st, (SQLSETPOSIROW)(r + 1), SQL_POSITION, SQL_LOCK_NO_CHANGE);
    if (!SQL_SUCCEEDED(rc)) {
        weir_odbc_diag(SQL_HANDLE_STMT, s->st, "SQLSetPos",
                       "cannot position on a row to read a long value", err);
        return weir_error_hint(err, "the driver cannot re-read long values in a block cursor; "
                               "lower batch_rows to 1");
    }
    s->positioned = 1;
    return WEIR_OK;
}

static int convert_row(struct weir_odbc_scan *s, SQLULEN r, struct weir_error *err)
{
    s->positioned = 0;
    for (size_t i = 0; i < s->ncols; i++) {
        struct scol *k = &s->cols[i];
        const uint8_t *p = NULL;
        SQLLEN len = 0;
        int rc;
        if (k->bound) {
            len = k->ind[r];
            p = k->buf + r * k->elem;
            size_t term = k->ctype == SQL_C_WCHAR ? 2 : k->ctype == SQL_C_CHAR ? 1 : 0;
            int var = is_var(k);
            if (var && len != SQL_NULL_DATA &&
                (len == SQL_NO_TOTAL || (size_t)len > k->elem - term)) {
                if ((rc = position(s, r, err)) != WEIR_OK) {
                    return weir_odbc_row_error(s, k, err);
                }
                if ((rc = get_whole(s, i, &len, err)) != WEIR_OK) {
                    return rc;
                }
                p = s->var;
                s->overflows++;
            }
        } else if (k->elem > 0) { /* row mode: fixed-size value */
            if ((rc = position(s, r, err)) != WEIR_OK) {
                return weir_odbc_row_error(s, k, err);
            }
            SQLRETURN g = SQLGetData(s->st, (SQLUSMALLINT)(i + 1), k->ctype, k->buf,
                                     (SQLLEN)k->elem, &len);
            if (!SQL_SUCCEEDED(g)) {
                weir_odbc_diag(SQL_HANDLE_STMT, s->st, "SQLGetData", "cannot read a value", err);
                return weir_odbc_row_error(s, k, err);
            }
            p = k->buf;
        } else {
            if ((rc = position(s, r, err)) != WEIR_OK) {
                return weir_odbc_row_error(s, k, err);
            }
            if ((rc = get_whole(s, i, &len, err)) != WEIR_OK) {
                return rc;
            }
            p = s->var;
        }
        if (len == SQL_NULL_DATA) {
            rc = weir_acol_append_null(&s->batch.cols[i]);
            if (rc != WEIR_OK) {
                return weir_error_set(err, rc, "out of memory");
            }
            continue;
        }
        if ((rc = weir_odbc_append_value(s, k, p, (size_t)(len < 0 ? 0 : len), err)) != WEIR_OK) {
            return rc;
        }
        if (s->chunk != NULL) {
            s->chunk->bytes += (uint64_t)(len < 0 ? 0 : len) + CHUNK_VALUE_OVERHEAD;
            if (k->key && (rc = weir_odbc_chunk_keep(s, (size_t)k->key - 1, p,
                                                     (size_t)(len < 0 ? 0 : len), err)) != 0) {
                return rc;
            }
        }
    }
    s->batch.length++;
    s->row_no++;
    return WEIR_OK;
}

static int fetch(struct weir_odbc_scan *s, struct weir_error *err)
{
    s->fetched = 0;
    s->pos = 0;
    SQLRETURN r;
    while ((r = SQLFetch(s->st)) == SQL_NO_DATA) {
        int more = 0;
        if (s->chunk != NULL && weir_odbc_chunk_next(s, &more, err) != WEIR_OK) {
            return err->status;
        }
        if (!more) {
            s->done = 1;
            return WEIR_OK;
        }
    }
    if (!SQL_SUCCEEDED(r)) {
        weir_odbc_diag(SQL_HANDLE_STMT, s->st, "SQLFetch", "cannot fetch rows", err);
        char msg[sizeof(err->message)];
        snprintf(msg, sizeof(msg), "%s", err->message);
        snprintf(err->message, sizeof(err->message), "rows after %lld: %s",
                 (long long)s->row_no, msg);
        return err->status;
    }
    if (s->rows == 1 && s->fetched == 0) {
        s->fetched = 1; /* some drivers leave ROWS_FETCHED alone for one row */
    }
    if (s->chunk != NULL) {
        s->chunk->got += (int64_t)s->fetched;
    }
    for (SQLULEN i = 0; i < s->fetched; i++) {
        if (s->status[i] == SQL_ROW_ERROR) {
            weir_odbc_diag(SQL_HANDLE_STMT, s->st, "SQLFetch", "cannot convert a row", err);
            char msg[sizeof(err->message)];
            snprintf(msg, sizeof(msg), "%s", err->message);
            snprintf(err->message, sizeof(err->message), "row %lld: %s",
                     (long long)(s->row_no + (int64_t)i + 1), msg);
            if (err->status == WEIR_EUNAVAILABLE) {
                err->status = WEIR_EDATA;
            }
            return err->status;
        }
    }
    return WEIR_OK;
}

int weir_odbc_scan_next(void *scan, struct ArrowArray *batch, struct weir_error *err)
{
    struct weir_odbc_scan *s = scan;
    const struct weir_host *h = s->c->host;
    memset(batch, 0, sizeof(*batch));
    if (h != NULL && h->cancelled != NULL && h->cancelled(h->ctx)) {
        return weir_error_set(err, WEIR_ECANCELLED, "cancelled");
    }
    uint64_t target = s->mode_row ? (uint64_t)s->c->batch_rows : s->rows;
    while ((uint64_t)s->batch.length < target &&
           weir_abatch_bytes(&s->batch) < s->c->batch_bytes) {
        if (s->pos >= s->fetched) {
            if (s->done) {
                break;
            }
            int rc = maybe_row_mode(s, err);
            if (rc == WEIR_OK) {
                rc = fetch(s, err);
            }
            if (rc != WEIR_OK) {
                return rc;
            }
            if (s->done) {
                break;
            }
            if (s->mode_row && (s->row_no & 1023) == 0 && h != NULL && h->cancelled != NULL &&
                h->cancelled(h->ctx)) {
                return weir_error_set(err, WEIR_ECANCELLED, "cancelled");
            }
            continue;
        }
        SQLULEN r = s->pos++;
        if (s->status[r] == SQL_ROW_NOROW) {
            continue;
        }
        int rc = convert_row(s, r, err);
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    if (s->batch.length == 0) {
        return WEIR_OK; /* the end: batch->release stays NULL */
    }
    return weir_abatch_finish(&s->batch, batch, err);
}
