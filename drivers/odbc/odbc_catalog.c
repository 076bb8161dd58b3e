/*
 * The catalog for `weir discover` through ODBC's catalog functions:
 * SQLTables for the tables, one SQLColumns for all their columns (patterns
 * would need escaping per table), SQLPrimaryKeys and the auto-increment
 * attribute of a zero-row SELECT per table. SQLPrimaryKeys also answers the
 * `primary_key` op (a job's `deletes` without a key). MariaDB has no schemas: its
 * database (the ODBC catalog) is reported as the schema, which is also how
 * the driver's `table: db.table` names it. Row counts are not estimated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/odbc/odbc.h"

#define NAME_CAP 256

struct ocol {
    char name[NAME_CAP];
    char type[64];
    struct weir_catalog_column c;
};

struct otable {
    char cat[NAME_CAP], schema[NAME_CAP], name[NAME_CAP];
    int is_view;
    struct ocol *cols;
    size_t n_cols, cap_cols;
};

struct olist {
    struct otable *t;
    size_t n, cap;
};

static void get_str(SQLHSTMT st, SQLUSMALLINT col, char *buf, size_t cap)
{
    SQLLEN ind = 0;
    buf[0] = '\0';
    if (!SQL_SUCCEEDED(SQLGetData(st, col, SQL_C_CHAR, buf, (SQLLEN)cap, &ind)) ||
        ind == SQL_NULL_DATA) {
        buf[0] = '\0';
    }
}

static long get_long(SQLHSTMT st, SQLUSMALLINT col, long dflt)
{
    SQLINTEGER v = 0;
    SQLLEN ind = 0;
    if (!SQL_SUCCEEDED(SQLGetData(st, col, SQL_C_SLONG, &v, sizeof(v), &ind)) ||
        ind == SQL_NULL_DATA) {
        return dflt;
    }
    return (long)v;
}

static int new_stmt(struct weir_odbc_conn *c, SQLHSTMT *st, struct weir_error *err)
{
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, st))) {
        return weir_odbc_diag(SQL_HANDLE_DBC, c->dbc, "SQLAllocHandle(STMT)",
                              "cannot read the catalog", err);
    }
    return WEIR_OK;
}

/* MariaDB: the schema is the catalog (the database). */
static const char *schema_of(const struct weir_odbc_conn *c, const char *cat, const char *schem)
{
    return c->dbms == WEIR_ODBC_DBMS_MARIADB && schem[0] == '\0' ? cat : schem;
}

static int kind_of(SQLSMALLINT t)
{
    switch (t) {
    case SQL_TINYINT:
    case SQL_SMALLINT:
    case SQL_INTEGER:
    case SQL_BIGINT:
        return WEIR_COLUMN_INTEGER;
    case SQL_TYPE_TIMESTAMP:
    case SQL_TIMESTAMP:
        return WEIR_COLUMN_TIMESTAMP;
    case SQL_TYPE_DATE:
    case SQL_DATE:
        return WEIR_COLUMN_DATE;
    case SQL_DECIMAL:
    case SQL_NUMERIC:
        return WEIR_COLUMN_NUMERIC;
    default:
        return WEIR_COLUMN_OTHER;
    }
}

static int list_tables(struct weir_odbc_conn *c, const char *cat, int32_t views, struct olist *l,
                       struct weir_error *err)
{
    SQLHSTMT st = SQL_NULL_HSTMT;
    int rc = new_stmt(c, &st, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    const char *types = views ? "TABLE,VIEW" : "TABLE";
    SQLRETURN r = SQLTables(st, (SQLCHAR *)cat, cat ? SQL_NTS : 0, NULL, 0, (SQLCHAR *)"%", SQL_NTS,
                            (SQLCHAR *)types, SQL_NTS);
    if (!SQL_SUCCEEDED(r)) {
        rc = weir_odbc_diag(SQL_HANDLE_STMT, st, "SQLTables", "cannot list the tables", err);
        goto done;
    }
    while (SQL_SUCCEEDED(r = SQLFetch(st))) {
        char type[64];
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 64;
            struct otable *n = realloc(l->t, cap * sizeof(*n));
            if (n == NULL) {
                rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
                goto done;
            }
            l->t = n;
            l->cap = cap;
        }
        struct otable *t = &l->t[l->n];
        memset(t, 0, sizeof(*t));
        get_str(st, 1, t->cat, sizeof(t->cat));
        get_str(st, 2, t->schema, sizeof(t->schema));
        get_str(st, 3, t->name, sizeof(t->name));
        get_str(st, 4, type, sizeof(type));
        t->is_view = strcmp(type, "VIEW") == 0;
        /* SQLite's own tables (sqlite_sequence, sqlite_stat1) are not data */
        if (c->dbms == WEIR_ODBC_DBMS_SQLITE && strncmp(t->name, "sqlite_", 7) == 0) {
            continue;
        }
        if ((strcmp(type, "TABLE") == 0 || (views && t->is_view)) && t->name[0] != '\0') {
            l->n++;
        }
    }
done:
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    return rc;
}

static struct otable *find(struct olist *l, const char *cat, const char *schema, const char *name,
                           size_t *hint)
{
    for (size_t k = 0; k < l->n; k++) {
        size_t i = (*hint + k) % l->n;
        struct otable *t = &l->t[i];
        if (strcmp(t->name, name) == 0 && strcmp(t->schema, schema) == 0 &&
            strcmp(t->cat, cat) == 0) {
            *hint = i;
            return t;
        }
    }
    return NULL;
}

static int list_columns(struct weir_odbc_conn *c, const char *cat, struct olist *l,
                        struct weir_error *err)
{
    SQLHSTMT st = SQL_NULL_HSTMT;
    int rc = new_stmt(c, &st, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    size_t hint = 0;
    SQLRETURN r = SQLColumns(st, (SQLCHAR *)cat, cat ? SQL_NTS : 0, NULL, 0, (SQLCHAR *)"%",
                             SQL_NTS, (SQLCHAR *)"%", SQL_NTS);
    if (!SQL_SUCCEEDED(r)) {
        rc = weir_odbc_diag(SQL_HANDLE_STMT, st, "SQLColumns", "cannot list the columns", err);
        goto done;
    }
    while (SQL_SUCCEEDED(SQLFetch(st))) {
        char tcat[NAME_CAP], tschem[NAME_CAP], tname[NAME_CAP];
        get_str(st, 1, tcat, sizeof(tcat));
        get_str(st, 2, tschem, sizeof(tschem));
        get_str(st, 3, tname, sizeof(tname));
        struct otable *t = find(l, tcat, tschem, tname, &hint);
        if (t == NULL) {
            continue;
        }
        if (t->n_cols == t->cap_cols) {
            size_t cap = t->cap_cols ? t->cap_cols * 2 : 16;
            struct ocol *n = realloc(t->cols, cap * sizeof(*n));
            if (n == NULL) {
                rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
                goto done;
            }
            t->cols = n;
            t->cap_cols = cap;
        }
        struct ocol *oc = &t->cols[t->n_cols++];
        memset(oc, 0, sizeof(*oc));
        get_str(st, 4, oc->name, sizeof(oc->name));
        get_str(st, 6, oc->type, sizeof(oc->type));
        oc->c.size = sizeof(oc->c);
        oc->c.kind = kind_of((SQLSMALLINT)get_long(st, 5, 0));
        oc->c.not_null = get_long(st, 11, SQL_NULLABLE_UNKNOWN) == SQL_NO_NULLS;
        if (oc->c.kind == WEIR_COLUMN_NUMERIC) {
            long p = get_long(st, 7, 0);
            /* no declared precision, or more than any decimal holds: unconstrained */
            oc->c.precision = p > 0 && p <= 38 ? (int32_t)p : 0;
            oc->c.scale = oc->c.precision ? (int32_t)get_long(st, 9, 0) : 0;
        }
    }
done:
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    return rc;
}

/* Called for every column of a primary key: its name and KEY_SEQ (1-based). */
typedef void pk_column_fn(void *ctx, const char *name, long seq);

/*
 * SQLPrimaryKeys of one table; an empty cat or schema is "no such level"
 * (NULL), not the level named "". A driver without SQLPrimaryKeys, or one
 * that fails it, reports no key: callers treat that as a table without one.
 */
static void pk_columns(struct weir_odbc_conn *c, const char *cat, const char *schema,
                       const char *table, pk_column_fn *fn, void *ctx)
{
    SQLHSTMT st = SQL_NULL_HSTMT;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &st))) {
        return;
    }
    SQLRETURN r = SQLPrimaryKeys(st, cat[0] ? (SQLCHAR *)cat : NULL, cat[0] ? SQL_NTS : 0,
                                 schema[0] ? (SQLCHAR *)schema : NULL, schema[0] ? SQL_NTS : 0,
                                 (SQLCHAR *)table, SQL_NTS);
    while (SQL_SUCCEEDED(r) && SQL_SUCCEEDED(SQLFetch(st))) {
        char name[NAME_CAP];
        get_str(st, 4, name, sizeof(name));
        fn(ctx, name, get_long(st, 5, 0));
    }
    SQLFreeHandle(SQL_HANDLE_STMT, st);
}

static void mark_pk(void *ctx, const char *name, long seq)
{
    struct otable *t = ctx;
    for (size_t i = 0; i < t->n_cols; i++) {
        if (strcmp(t->cols[i].name, name) == 0) {
            t->cols[i].c.pk_position = (int32_t)seq;
        }
    }
}

/* The table's name as the driver's queries take it. */
static void table_ref(const struct weir_odbc_conn *c, const char *schema, const char *table,
                      char *out, size_t cap)
{
    (void)c;
    snprintf(out, cap, "%s%s%s", schema && schema[0] ? schema : "", schema && schema[0] ? "." : "",
             table);
}

/* SQL_DESC_AUTO_UNIQUE_VALUE of each column of a zero-row SELECT. */
static void identity(struct weir_odbc_conn *c, struct otable *t)
{
    char ref[2 * NAME_CAP + 2];
    table_ref(c, schema_of(c, t->cat, t->schema), t->name, ref, sizeof(ref));
    struct weir_query q = {.size = sizeof(q), .table = ref, .filter = "1 = 0"};
    struct weir_odbc_sql s = {0};
    struct weir_error err;
    SQLHSTMT st = SQL_NULL_HSTMT;
    if (weir_odbc_sql_build(&c->dialect, &q, WEIR_ODBC_STMT_SELECT, 0, &s, &err) == WEIR_OK &&
        weir_odbc_prepare(c, &s, "describe", &st, &err) == WEIR_OK &&
        weir_odbc_execute(st, "describe", &err) == WEIR_OK) {
        SQLSMALLINT n = 0;
        SQLNumResultCols(st, &n);
        for (SQLSMALLINT i = 1; i <= n && (size_t)i <= t->n_cols; i++) {
            SQLLEN auto_unique = 0;
            if (SQL_SUCCEEDED(SQLColAttribute(st, (SQLUSMALLINT)i, SQL_DESC_AUTO_UNIQUE_VALUE, NULL,
                                              0, NULL, &auto_unique))) {
                t->cols[i - 1].c.identity = auto_unique == SQL_TRUE;
            }
        }
    }
    if (st != SQL_NULL_HSTMT) {
        SQLFreeHandle(SQL_HANDLE_STMT, st);
    }
    weir_odbc_sql_reset(&s);
}

static int emit(struct weir_odbc_conn *c, struct otable *t, weir_catalog_fn fn, void *ctx,
                struct weir_error *err)
{
    struct weir_catalog_column *cols = calloc(t->n_cols ? t->n_cols : 1, sizeof(*cols));
    if (cols == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->n_cols; i++) {
        cols[i] = t->cols[i].c;
        cols[i].name = t->cols[i].name;
        cols[i].type = t->cols[i].type;
    }
    struct weir_catalog_table ct = {
        .size = sizeof(ct),
        .schema = schema_of(c, t->cat, t->schema),
        .name = t->name,
        .is_view = t->is_view,
        .row_estimate = -1,
        .columns = cols,
        .n_columns = t->n_cols,
    };
    int rc = fn(ctx, &ct, err);
    free(cols);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    const struct otable *x = a, *y = b;
    int d = strcmp(x->cat, y->cat);
    d = d ? d : strcmp(x->schema, y->schema);
    return d ? d : strcmp(x->name, y->name);
}

int weir_odbc_catalog(void *conn, int32_t views, weir_catalog_fn fn, void *ctx,
                      struct weir_error *err)
{
    struct weir_odbc_conn *c = conn;
    struct olist l = {0};
    char current[NAME_CAP] = "";
    const char *cat = NULL;
    if (c->dbms == WEIR_ODBC_DBMS_MARIADB) {
        /* only the connection's database, not every database the user sees */
        SQLINTEGER len = 0;
        if (SQL_SUCCEEDED(SQLGetConnectAttr(c->dbc, SQL_ATTR_CURRENT_CATALOG, current,
                                            sizeof(current), &len)) &&
            current[0] != '\0') {
            cat = current;
        }
    }
    int rc = list_tables(c, cat, views, &l, err);
    if (rc == WEIR_OK && l.n > 0) {
        qsort(l.t, l.n, sizeof(*l.t), by_name);
        rc = list_columns(c, cat, &l, err);
    }
    for (size_t i = 0; rc == WEIR_OK && i < l.n; i++) {
        pk_columns(c, l.t[i].cat, l.t[i].schema, l.t[i].name, mark_pk, &l.t[i]);
        identity(c, &l.t[i]);
        rc = emit(c, &l.t[i], fn, ctx, err);
    }
    for (size_t i = 0; i < l.n; i++) {
        free(l.t[i].cols);
    }
    free(l.t);
    return rc;
}

#define PK_MAX 32

struct pk_list {
    char name[PK_MAX][NAME_CAP];
    long seq[PK_MAX];
    size_t n;
    int overflow;
};

static void add_pk(void *ctx, const char *name, long seq)
{
    struct pk_list *l = ctx;
    if (l->n == PK_MAX) {
        l->overflow = 1;
        return;
    }
    snprintf(l->name[l->n], NAME_CAP, "%s", name);
    l->seq[l->n++] = seq;
}

/*
 * The spec's table name split as the SQL quotes it (on dots): table,
 * schema.table (MariaDB: database.table, its catalog) or
 * catalog.schema.table. Returns 0 when a part is too long or empty.
 */
static int split_table(const struct weir_odbc_conn *c, const char *ref, char part[3][NAME_CAP],
                       const char **cat, const char **schema, const char **table)
{
    size_t n = 0;
    for (const char *p = ref;; n++) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 3 || len == 0 || len >= NAME_CAP) {
            return 0;
        }
        memcpy(part[n], p, len);
        part[n][len] = '\0';
        if (dot == NULL) {
            n++;
            break;
        }
        p = dot + 1;
    }
    static const char none[] = "";
    *table = part[n - 1];
    *schema = n >= 2 ? part[n - 2] : none;
    *cat = n == 3 ? part[0] : none;
    if (n == 2 && c->dbms == WEIR_ODBC_DBMS_MARIADB) {
        *cat = part[0];
        *schema = none;
    }
    return 1;
}

int weir_odbc_primary_key(void *conn, const struct weir_query *q, char *buf, size_t cap,
                          size_t *n, struct weir_error *err)
{
    struct weir_odbc_conn *c = conn;
    char part[3][NAME_CAP];
    const char *cat, *schema, *table;
    struct pk_list *l = NULL;
    *n = 0;
    if (q->table == NULL || !split_table(c, q->table, part, &cat, &schema, &table)) {
        return WEIR_OK;
    }
    if ((l = calloc(1, sizeof(*l))) == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    pk_columns(c, cat, schema, table, add_pk, l);
    int rc = WEIR_OK;
    size_t off = 0;
    /* key order is KEY_SEQ; drivers return rows in that order, but need not */
    for (long seq = 1; rc == WEIR_OK && *n < l->n; seq++) {
        size_t i = 0;
        while (i < l->n && l->seq[i] != seq) {
            i++;
        }
        size_t len = i < l->n ? strlen(l->name[i]) + 1 : 0;
        if (i == l->n) {
            /* a gap in KEY_SEQ: rows of two tables (no schema given), or a
             * driver that does not number them; no key rather than a wrong one */
            *n = 0;
            break;
        }
        if (l->overflow || off + len > cap) {
            rc = weir_error_set(err, WEIR_ECONFIG, "the primary key of %s has too many columns",
                                q->table);
            break;
        }
        memcpy(buf + off, l->name[i], len);
        off += len;
        (*n)++;
    }
    free(l);
    return rc;
}

/* Digits before and after the point of a decimal's text ("-12.340" → 2, 3). */
static void digits_of(const char *v, int32_t *int_digits, int32_t *scale)
{
    const char *p = v;
    while (*p == '-' || *p == '+' || *p == ' ') {
        p++;
    }
    int32_t before = 0, after = 0, seen_point = 0;
    for (; *p; p++) {
        if (*p == '.') {
            seen_point = 1;
        } else if (*p >= '0' && *p <= '9') {
            *(seen_point ? &after : &before) += 1;
        } else {
            return; /* an exponent, NaN: not a plain decimal */
        }
    }
    *int_digits = before > *int_digits ? before : *int_digits;
    *scale = after > *scale ? after : *scale;
}

int weir_odbc_numeric_extent(void *conn, const char *schema, const char *table, const char *column,
                             int64_t max_rows, int32_t *int_digits, int32_t *scale, int32_t *found,
                             struct weir_error *err)
{
    struct weir_odbc_conn *c = conn;
    char ref[2 * NAME_CAP + 2];
    table_ref(c, schema, table, ref, sizeof(ref));
    const char *cols[1] = {column};
    struct weir_query q = {.size = sizeof(q), .table = ref, .columns = cols, .n_columns = 1};
    struct weir_odbc_sql s = {0};
    SQLHSTMT st = SQL_NULL_HSTMT;
    *int_digits = *scale = *found = 0;
    int rc = weir_odbc_sql_build(&c->dialect, &q, WEIR_ODBC_STMT_SELECT, 0, &s, err);
    if (rc == WEIR_OK && (rc = weir_odbc_prepare(c, &s, "sample", &st, err)) == WEIR_OK) {
        rc = weir_odbc_execute(st, "sample", err);
    }
    for (int64_t n = 0; rc == WEIR_OK && (max_rows <= 0 || n < max_rows); n++) {
        SQLRETURN r = SQLFetch(st);
        if (r == SQL_NO_DATA) {
            break;
        }
        char v[160];
        SQLLEN ind = 0;
        if (!SQL_SUCCEEDED(r) ||
            !SQL_SUCCEEDED(SQLGetData(st, 1, SQL_C_CHAR, v, sizeof(v), &ind))) {
            rc = weir_odbc_diag(SQL_HANDLE_STMT, st, "SQLFetch", "cannot sample a numeric column",
                                err);
            break;
        }
        if (ind != SQL_NULL_DATA) {
            *found = 1;
            digits_of(v, int_digits, scale);
        }
    }
    if (st != SQL_NULL_HSTMT) {
        SQLFreeHandle(SQL_HANDLE_STMT, st);
    }
    weir_odbc_sql_reset(&s);
    return rc;
}

/* Column names as weir_odbc_primary_key returns them, into an array of pointers. */
static size_t key_names(const char *buf, size_t n, const char **out, size_t max)
{
    size_t k = 0;
    for (const char *p = buf; k < n && k < max; p += strlen(p) + 1) {
        out[k++] = p;
    }
    return k;
}

/*
 * The unique indexes of a table from SQLStatistics (rows come ordered by
 * NON_UNIQUE, TYPE, INDEX_NAME, ORDINAL_POSITION): the first whose columns
 * ok() accepts goes into buf. An index on an expression (no COLUMN_NAME) is
 * not a key.
 */
static void unique_index(struct weir_odbc_conn *c, const char *cat, const char *schema,
                         const char *table, weir_odbc_key_ok_fn *ok, void *ctx, char *buf,
                         size_t cap, size_t *n)
{
    SQLHSTMT st = SQL_NULL_HSTMT;
    struct pk_list *l = calloc(1, sizeof(*l));
    char index[NAME_CAP] = "", name[NAME_CAP], col[NAME_CAP];
    int bad = 0;
    if (l == NULL || !SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &st))) {
        free(l);
        return;
    }
    SQLRETURN r = SQLStatistics(st, cat[0] ? (SQLCHAR *)cat : NULL, cat[0] ? SQL_NTS : 0,
                                schema[0] ? (SQLCHAR *)schema : NULL, schema[0] ? SQL_NTS : 0,
                                (SQLCHAR *)table, SQL_NTS, SQL_INDEX_UNIQUE, SQL_QUICK);
    for (int more = SQL_SUCCEEDED(r); *n == 0;) {
        more = more && SQL_SUCCEEDED(SQLFetch(st));
        int type = more ? (int)get_long(st, 7, SQL_TABLE_STAT) : 0;
        if (more && (type == SQL_TABLE_STAT || get_long(st, 4, 1) != 0)) {
            continue;
        }
        if (more) {
            get_str(st, 6, name, sizeof(name));
            get_str(st, 9, col, sizeof(col));
        }
        if (!more || strcmp(name, index) != 0) {
            /* the index collected so far is complete */
            const char *cols[PK_MAX];
            if (l->n > 0 && !bad && !l->overflow) {
                for (size_t i = 0; i < l->n; i++) {
                    cols[i] = l->name[i];
                }
                if (ok(ctx, cols, l->n, 0)) {
                    size_t off = 0;
                    for (size_t i = 0; i < l->n && off + strlen(cols[i]) + 1 <= cap; i++) {
                        memcpy(buf + off, cols[i], strlen(cols[i]) + 1);
                        off += strlen(cols[i]) + 1;
                        *n = i + 1;
                    }
                    *n = *n == l->n ? *n : 0;
                }
            }
            if (!more) {
                break;
            }
            snprintf(index, sizeof(index), "%s", name);
            l->n = 0;
            l->overflow = 0;
            bad = 0;
        }
        bad |= col[0] == '\0';
        add_pk(l, col, get_long(st, 8, 0));
    }
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    free(l);
}

int weir_odbc_chunk_key(struct weir_odbc_conn *c, const struct weir_query *q,
                        weir_odbc_key_ok_fn *ok, void *ctx, char *buf, size_t cap, size_t *n,
                        int *from_pk, struct weir_error *err)
{
    char part[3][NAME_CAP];
    const char *cat, *schema, *table, *cols[PK_MAX];
    *n = 0;
    *from_pk = 0;
    if (q->table == NULL || !split_table(c, q->table, part, &cat, &schema, &table)) {
        return WEIR_OK;
    }
    struct weir_error ignored;
    if (weir_odbc_primary_key(c, q, buf, cap, n, &ignored) != WEIR_OK) {
        *n = 0;
    }
    if (*n > 0 && ok(ctx, cols, key_names(buf, *n, cols, PK_MAX), 1)) {
        *from_pk = 1;
        return WEIR_OK;
    }
    *n = 0;
    unique_index(c, cat, schema, table, ok, ctx, buf, cap, n);
    (void)err;
    return WEIR_OK;
}
