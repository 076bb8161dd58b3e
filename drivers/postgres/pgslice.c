/*
 * Parallel slices (weir.h: key_range, snapshot_export, snapshot_begin): the
 * host splits the window into integer key ranges, extracted at once over
 * several connections that share one exported snapshot, so together they
 * read exactly what one scan would.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgsrc.h"

static int parse_i64(const char *s, int64_t *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0') {
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

int weir_pg_key_range(void *conn, const struct weir_query *q, const char *column, int64_t *min,
                      int64_t *max, int32_t *found, struct weir_error *err)
{
    struct weir_pgconn *c = conn;
    struct weir_pgshape sh;
    struct weir_pgsb sql = {0};
    PGresult *res = NULL;
    char op[300];
    *found = 0;
    /* the window only: this query's own slice members do not apply */
    struct weir_query whole = *q;
    if (WEIR_HAS_MEMBER(q, struct weir_query, slice_hi)) {
        whole.slice_column = NULL;
        whole.slice_flags = 0;
    }
    int rc = weir_pg_describe_shape(c, &whole, &sh, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    snprintf(op, sizeof(op), "key range of %s.%s", sh.label, column);
    weir_pgsb_add(&sql, "SELECT min(");
    weir_pgsb_ident(&sql, c->pg, column);
    weir_pgsb_add(&sql, ")::text, max(");
    weir_pgsb_ident(&sql, c->pg, column);
    weir_pgsb_add(&sql, ")::text, pg_typeof(min(");
    weir_pgsb_ident(&sql, c->pg, column);
    weir_pgsb_add(&sql, "))::text");
    weir_pg_sql_from(&sql, c->pg, &whole);
    if ((rc = weir_pg_sql_where(&sql, c->pg, &whole, &sh, NULL, 0, err)) != WEIR_OK ||
        (rc = weir_pg_exec(c, sql.p, PGRES_TUPLES_OK, op, &res, err)) != WEIR_OK) {
        goto done;
    }
    const char *type = PQgetvalue(res, 0, 2);
    if (strcmp(type, "bigint") != 0 && strcmp(type, "integer") != 0 &&
        strcmp(type, "smallint") != 0) {
        rc = weir_error_set(err, WEIR_ECONFIG, "%s: column %s is %s, not an integer column", op,
                            column, type);
        weir_error_hint(err, "slice on a smallint, integer or bigint key, such as the primary key");
        goto done;
    }
    if (PQgetisnull(res, 0, 0)) {
        goto done; /* no non-NULL value in the window */
    }
    if (parse_i64(PQgetvalue(res, 0, 0), min) != 0 || parse_i64(PQgetvalue(res, 0, 1), max) != 0) {
        rc = weir_error_set(err, WEIR_EINTERNAL, "%s: unexpected result", op);
        goto done;
    }
    *found = 1;
done:
    PQclear(res);
    weir_pgsb_free(&sql);
    weir_pgshape_free(&sh);
    return rc;
}

int weir_pg_snapshot_export(void *conn, char *id, size_t cap, struct weir_error *err)
{
    struct weir_pgconn *c = conn;
    PGresult *res = NULL;
    if (!c->in_txn) {
        return weir_error_set(err, WEIR_EINTERNAL, "snapshot export: no open snapshot");
    }
    if (weir_pg_exec(c, "SELECT pg_export_snapshot()", PGRES_TUPLES_OK, "export the snapshot", &res,
                     err) != WEIR_OK) {
        return err->status;
    }
    int n = snprintf(id, cap, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (n < 0 || (size_t)n >= cap) {
        return weir_error_set(err, WEIR_EINTERNAL, "snapshot id longer than %zu bytes", cap);
    }
    return WEIR_OK;
}

int weir_pg_snapshot_begin(void *conn, const char *id, struct weir_error *err)
{
    struct weir_pgconn *c = conn;
    struct weir_pgsb sql = {0};
    /* SET TRANSACTION SNAPSHOT must be the first statement after BEGIN */
    if (weir_pg_begin_txn(c, err) != WEIR_OK) {
        return err->status;
    }
    weir_pgsb_add(&sql, "SET TRANSACTION SNAPSHOT ");
    weir_pgsb_literal(&sql, c->pg, id);
    int rc = weir_pgsb_check(&sql, c->pg, err);
    if (rc == WEIR_OK) {
        rc = weir_pg_exec(c, sql.p, PGRES_COMMAND_OK, "import the snapshot", NULL, err);
    }
    weir_pgsb_free(&sql);
    return rc;
}
