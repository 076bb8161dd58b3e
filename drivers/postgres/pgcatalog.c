/*
 * The catalog for `weir discover`: tables, columns, primary keys and the
 * planner's row estimates in one query over pg_catalog, and the extent of
 * the values of an unconstrained numeric column.
 */
#include <stdlib.h>
#include <string.h>

#include "pgsrc.h"

/* Columns of the one catalog query, in order. */
enum {
    C_SCHEMA,
    C_TABLE,
    C_VIEW,
    C_ROWS,
    C_COLUMN,
    C_TYPE,
    C_NOTNULL,
    C_PK,
    C_OID,
    C_TYPMOD,
    C_IDENTITY
};

static const char catalog_sql[] =
    "SELECT n.nspname, c.relname, c.relkind IN ('v', 'm'), c.reltuples::int8, a.attname,"
    " format_type(a.atttypid, a.atttypmod), a.attnotnull,"
    " coalesce(array_position(pk.conkey, a.attnum), 0),"
    " coalesce(nullif(t.typbasetype, 0), a.atttypid)::int8,"
    " CASE WHEN t.typbasetype <> 0 THEN t.typtypmod ELSE a.atttypmod END,"
    " a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false)"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
    " JOIN pg_type t ON t.oid = a.atttypid"
    " LEFT JOIN pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'"
    " LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum"
    " WHERE c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition"
    " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
    " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
    " AND has_table_privilege(c.oid, 'SELECT')"
    " ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\", a.attnum";

/* Type OIDs of pg_type.h: the kinds discover cares about. */
static int kind_of(long oid)
{
    switch (oid) {
    case 20: /* int8 */
    case 21: /* int2 */
    case 23: /* int4 */
        return WEIR_COLUMN_INTEGER;
    case 1114: /* timestamp */
    case 1184: /* timestamptz */
        return WEIR_COLUMN_TIMESTAMP;
    case 1082:
        return WEIR_COLUMN_DATE;
    case 1700:
        return WEIR_COLUMN_NUMERIC;
    default:
        return WEIR_COLUMN_OTHER;
    }
}

static int is_true(const PGresult *res, int row, int col)
{
    return strcmp(PQgetvalue(res, row, col), "t") == 0;
}

/* Hands rows [first, end) (one table) to the callback. */
static int emit_table(const PGresult *res, int first, int end, int32_t views, weir_catalog_fn fn,
                      void *ctx, struct weir_error *err)
{
    struct weir_catalog_table t = {
        .size = sizeof(t),
        .schema = PQgetvalue(res, first, C_SCHEMA),
        .name = PQgetvalue(res, first, C_TABLE),
        .is_view = is_true(res, first, C_VIEW),
        .row_estimate = strtoll(PQgetvalue(res, first, C_ROWS), NULL, 10),
        .n_columns = (size_t)(end - first),
    };
    if (t.is_view && !views) {
        return WEIR_OK;
    }
    if (t.row_estimate < 0) {
        t.row_estimate = -1; /* never analysed (PostgreSQL 14+ says -1) */
    }
    struct weir_catalog_column *cols = calloc(t.n_columns, sizeof(*cols));
    if (cols == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    for (int i = first; i < end; i++) {
        struct weir_catalog_column *c = &cols[i - first];
        long typmod = strtol(PQgetvalue(res, i, C_TYPMOD), NULL, 10);
        c->size = sizeof(*c);
        c->name = PQgetvalue(res, i, C_COLUMN);
        c->type = PQgetvalue(res, i, C_TYPE);
        c->kind = kind_of(strtol(PQgetvalue(res, i, C_OID), NULL, 10));
        c->not_null = is_true(res, i, C_NOTNULL);
        c->pk_position = (int32_t)strtol(PQgetvalue(res, i, C_PK), NULL, 10);
        c->identity = is_true(res, i, C_IDENTITY);
        if (c->kind == WEIR_COLUMN_NUMERIC && typmod >= 4) {
            /* numeric's typmod: ((precision << 16) | scale) + VARHDRSZ */
            c->precision = (int32_t)(((typmod - 4) >> 16) & 0xffff);
            c->scale = (int32_t)((typmod - 4) & 0xffff);
        }
    }
    t.columns = cols;
    int rc = fn(ctx, &t, err);
    free(cols);
    return rc;
}

int weir_pg_catalog(void *conn, int32_t views, weir_catalog_fn fn, void *ctx,
                    struct weir_error *err)
{
    struct weir_pgconn *c = conn;
    PGresult *res = NULL;
    int rc = weir_pg_exec(c, catalog_sql, PGRES_TUPLES_OK, "reading the catalog", &res, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    int n = PQntuples(res);
    for (int first = 0; first < n && rc == WEIR_OK;) {
        int end = first + 1;
        while (end < n &&
               strcmp(PQgetvalue(res, end, C_SCHEMA), PQgetvalue(res, first, C_SCHEMA)) == 0 &&
               strcmp(PQgetvalue(res, end, C_TABLE), PQgetvalue(res, first, C_TABLE)) == 0) {
            end++;
        }
        rc = emit_table(res, first, end, views, fn, ctx, err);
        first = end;
    }
    PQclear(res);
    return rc;
}

int weir_pg_numeric_extent(void *conn, const char *schema, const char *table, const char *column,
                           int64_t max_rows, int32_t *int_digits, int32_t *scale, int32_t *found,
                           struct weir_error *err)
{
    struct weir_pgconn *c = conn;
    struct weir_pgsb sql = {0};
    PGresult *res = NULL;
    /* NaN and infinities have no digits; trunc(abs(v)) counts those before the point */
    weir_pgsb_add(&sql, "SELECT max(scale(v)), max(length(trunc(abs(v))::text)) FROM (SELECT ");
    weir_pgsb_ident(&sql, c->pg, column);
    weir_pgsb_add(&sql, " AS v FROM ");
    if (schema != NULL && schema[0] != '\0') {
        weir_pgsb_ident(&sql, c->pg, schema);
        weir_pgsb_add(&sql, ".");
    }
    weir_pgsb_ident(&sql, c->pg, table);
    if (max_rows > 0) {
        weir_pgsb_addf(&sql, " LIMIT %lld", (long long)max_rows);
    }
    weir_pgsb_add(&sql, ") s WHERE v::text NOT IN ('NaN', 'Infinity', '-Infinity')");
    int rc = weir_pgsb_check(&sql, c->pg, err);
    if (rc == WEIR_OK) {
        rc = weir_pg_exec(c, sql.p, PGRES_TUPLES_OK, "sampling a numeric column", &res, err);
    }
    if (rc == WEIR_OK) {
        *found = !PQgetisnull(res, 0, 0);
        *scale = *found ? (int32_t)strtol(PQgetvalue(res, 0, 0), NULL, 10) : 0;
        *int_digits = *found ? (int32_t)strtol(PQgetvalue(res, 0, 1), NULL, 10) : 0;
    }
    PQclear(res);
    weir_pgsb_free(&sql);
    return rc;
}
