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
    struct weir_pgsb sql = {0};
    PGresult *res = NULL;
    int rc = WEIR_OK;
    *n = 0;
    if (q->table == NULL) {
        return WEIR_OK;
    }
    weir_pgsb_add(&sql, "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = "
                        "i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indisprimary AND "
                        "i.indrelid = ");
    weir_pg_sql_regclass(&sql, c->pg, q);
    weir_pgsb_add(&sql, " ORDER BY array_position(i.indkey::int2[], a.attnum)");
    if ((rc = weir_pgsb_check(&sql, c->pg, err)) != WEIR_OK ||
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
    weir_pgsb_free(&sql);
    return rc;
}
