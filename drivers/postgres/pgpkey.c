/*
 * The primary key of a table (weir.h: primary_key), for delete detection
 * without a configured key: pg_index's indkey in key order.
 */
#include <stdio.h>
#include <string.h>

#include "pgsrc.h"

int weir_pg_primary_key(void *conn, const struct weir_query *q, char *buf, size_t cap, size_t *n,
                        struct weir_error *err)
{
    struct weir_pgconn *c = conn;
    struct weir_pgsb name = {0}, sql = {0};
    PGresult *res = NULL;
    int rc = WEIR_OK;
    *n = 0;
    if (q->table == NULL) {
        return WEIR_OK;
    }
    /* the table's name quoted as the scan quotes it, as a regclass literal */
    weir_pg_sql_from(&name, c->pg, q);
    const char *quoted = name.p != NULL ? name.p + strlen(" FROM ") : "";
    weir_pgsb_add(&sql, "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = "
                        "i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indisprimary AND "
                        "i.indrelid = ");
    weir_pgsb_literal(&sql, c->pg, quoted);
    weir_pgsb_add(&sql, "::regclass ORDER BY array_position(i.indkey::int2[], a.attnum)");
    if ((rc = weir_pgsb_check(&name, c->pg, err)) != WEIR_OK ||
        (rc = weir_pgsb_check(&sql, c->pg, err)) != WEIR_OK ||
        (rc = weir_pg_exec(c, sql.p, PGRES_TUPLES_OK, "primary key", &res, err)) != WEIR_OK) {
        goto done;
    }
    size_t off = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *col = PQgetvalue(res, i, 0);
        size_t len = strlen(col) + 1;
        if (off + len > cap) {
            rc = weir_error_set(err, WEIR_ECONFIG, "the primary key of %s has too many columns",
                                q->table);
            goto done;
        }
        memcpy(buf + off, col, len);
        off += len;
        (*n)++;
    }
done:
    PQclear(res);
    weir_pgsb_free(&name);
    weir_pgsb_free(&sql);
    return rc;
}
