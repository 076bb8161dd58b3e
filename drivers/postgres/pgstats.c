/*
 * Planner statistics of one column (weir.h: column_stats), for `weir plan`
 * of partitioned jobs: pg_stats and pg_class only, so the cost does not grow
 * with the table (a count(DISTINCT ...) would read all of it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgsrc.h"

/* min/max over the values the statistics saw (histogram and most common
 * values) for date and timestamp columns, as timestamp text in UTC (the
 * session's TimeZone); the arrays come as text because their element type
 * is the column's (anyarray). */
static const char *const extreme_sql =
    "(SELECT to_char(%s(v::timestamp), 'YYYY-MM-DD HH24:MI:SS') FROM unnest("
    "coalesce(s.histogram_bounds::text::text[], '{}'::text[]) || "
    "coalesce(s.most_common_vals::text::text[], '{}'::text[])) v "
    "WHERE v NOT IN ('infinity', '-infinity'))";

static void copy_text(const PGresult *res, int col, char *out, size_t cap)
{
    snprintf(out, cap, "%s", PQgetisnull(res, 0, col) ? "" : PQgetvalue(res, 0, col));
}

int weir_pg_column_stats(void *conn, const struct weir_query *q, const char *column,
                         struct weir_column_stats *out, struct weir_error *err)
{
    struct weir_pgconn *c = conn;
    struct weir_pgsb sql = {0};
    PGresult *res = NULL;
    int rc = WEIR_OK;
    if (out->size < sizeof(*out)) {
        return weir_error_set(err, WEIR_EABI, "column statistics: struct of %zu bytes, needs %zu",
                              out->size, sizeof(*out));
    }
    out->found = 0;
    if (q->table == NULL) {
        return WEIR_OK;
    }
    weir_pgsb_add(&sql, "SELECT s.n_distinct, s.null_frac, c.reltuples, pg_table_size(c.oid), "
                        "CASE WHEN a.atttypid IN ('date'::regtype, 'timestamp'::regtype, "
                        "'timestamptz'::regtype) THEN ");
    weir_pgsb_addf(&sql, extreme_sql, "min");
    weir_pgsb_add(&sql, " END, CASE WHEN a.atttypid IN ('date'::regtype, 'timestamp'::regtype, "
                        "'timestamptz'::regtype) THEN ");
    weir_pgsb_addf(&sql, extreme_sql, "max");
    weir_pgsb_add(&sql, " END FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "JOIN pg_attribute a ON a.attrelid = c.oid AND NOT a.attisdropped "
                        "AND a.attname = ");
    weir_pgsb_literal(&sql, c->pg, column);
    weir_pgsb_add(&sql, " JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname "
                        "AND s.attname = a.attname WHERE c.oid = ");
    weir_pg_sql_regclass(&sql, c->pg, q);
    /* a parent of inheritance children reads them too: its inherited row */
    weir_pgsb_add(&sql, " ORDER BY s.inherited DESC LIMIT 1");
    if ((rc = weir_pgsb_check(&sql, c->pg, err)) != WEIR_OK ||
        (rc = weir_pg_exec(c, sql.p, PGRES_TUPLES_OK, "column statistics", &res, err)) !=
            WEIR_OK) {
        goto done;
    }
    if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
        goto done;
    }
    out->found = 1;
    out->n_distinct = strtod(PQgetvalue(res, 0, 0), NULL);
    out->null_frac = PQgetisnull(res, 0, 1) ? 0 : strtod(PQgetvalue(res, 0, 1), NULL);
    out->table_rows = PQgetisnull(res, 0, 2) ? -1 : strtod(PQgetvalue(res, 0, 2), NULL);
    out->table_bytes = PQgetisnull(res, 0, 3) ? -1 : strtod(PQgetvalue(res, 0, 3), NULL);
    copy_text(res, 4, out->min, sizeof(out->min));
    copy_text(res, 5, out->max, sizeof(out->max));
done:
    PQclear(res);
    weir_pgsb_free(&sql);
    return rc;
}
