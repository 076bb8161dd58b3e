/*
 * high_watermark and count of the PostgreSQL source. Both run over exactly
 * the FROM and WHERE that scan_open runs, so bound, count and rows agree
 * inside one REPEATABLE READ snapshot.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgsrc.h"

int weir_pg_count(void *conn, const struct weir_query *q, int64_t *rows, struct weir_error *err)
{
    struct weir_pgconn *c = conn;
    struct weir_pgshape sh;
    struct weir_pgsb sql = {0};
    PGresult *res = NULL;
    char op[200];
    int rc = weir_pg_describe_shape(c, q, &sh, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    snprintf(op, sizeof(op), "count %s", sh.label);
    weir_pgsb_add(&sql, "SELECT count(*)");
    weir_pg_sql_from(&sql, c->pg, q);
    if ((rc = weir_pg_sql_where(&sql, c->pg, q, &sh, NULL, 0, err)) == WEIR_OK &&
        (rc = weir_pg_exec(c, sql.p, PGRES_TUPLES_OK, op, &res, err)) == WEIR_OK) {
        char *end = NULL;
        *rows = strtoll(PQgetvalue(res, 0, 0), &end, 10);
        if (PQntuples(res) != 1 || end == PQgetvalue(res, 0, 0)) {
            rc = weir_error_set(err, WEIR_EINTERNAL, "%s: unexpected result", op);
        }
    }
    PQclear(res);
    weir_pgsb_free(&sql);
    weir_pgshape_free(&sh);
    return rc;
}

static void format_lag(int64_t us, char *buf, size_t cap)
{
    static const struct {
        int64_t unit;
        const char *name;
    } units[] = {{INT64_C(3600000000), "h"}, {60000000, "m"}, {1000000, "s"}, {1000, "ms"}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (us % units[i].unit == 0) {
            snprintf(buf, cap, "%" PRId64 "%s", us / units[i].unit, units[i].name);
            return;
        }
    }
    snprintf(buf, cap, "%" PRId64 "us", us);
}

/* The caps on the first watermark column: lag and the writing-transaction guard. */
struct caps {
    char lag[512]; /* SQL condition, or "" */
    char guard[512];
    char lag_expr[96];
    char guard_expr[96];
};

static int build_caps(struct weir_pgconn *c, const struct weir_query *q,
                      const struct weir_pgshape *sh, struct weir_pgsb *col, struct caps *k,
                      struct weir_error *err)
{
    memset(k, 0, sizeof(*k));
    const char *send = sh->wm[0].send;
    if (q->lag_us > 0) {
        if (!weir_pgtypes_is_time(send)) {
            weir_error_set(err, WEIR_ECONFIG,
                           "watermark.lag needs a date or timestamp column; \"%s\" is %s",
                           q->wm_columns[0], sh->wm[0].type_name);
            return weir_error_hint(err, "drop the lag or put a time column first in "
                                        "watermark.columns");
        }
        snprintf(k->lag_expr, sizeof(k->lag_expr), "(now() - interval '%" PRId64 " microseconds')",
                 q->lag_us);
        snprintf(k->lag, sizeof(k->lag), "%s <= %s", col->p, k->lag_expr);
    }
    if (weir_pgtypes_is_timestamp(send) && c->stats_visible) {
        if (!c->guard.checked && weir_pg_read_guard(c, err) != WEIR_OK) {
            return err->status;
        }
        if (c->guard.found) {
            /* xact_start is ISO text in UTC from our own session: no quotes inside */
            snprintf(k->guard_expr, sizeof(k->guard_expr), "'%s'::timestamptz",
                     c->guard.xact_start);
            snprintf(k->guard, sizeof(k->guard), "%s < %s", col->p, k->guard_expr);
        }
    }
    return WEIR_OK;
}

/* Which rule decided: the smaller cap when rows above a cap exist. */
static int explain(struct weir_pgconn *c, const struct weir_query *q, const struct weir_pgshape *sh,
                   const char *const *nn, const struct caps *k, char *note, size_t cap,
                   struct weir_error *err)
{
    struct weir_pgsb sql = {0};
    PGresult *res = NULL;
    int rc = WEIR_OK;
    char lag[32];
    format_lag(q->lag_us, lag, sizeof(lag));
    weir_pgsb_add(&sql, "SELECT EXISTS (SELECT 1");
    weir_pg_sql_from(&sql, c->pg, q);
    if ((rc = weir_pg_sql_where(&sql, c->pg, q, sh, nn, q->n_wm, err)) != WEIR_OK) {
        goto cleanup;
    }
    weir_pgsb_addf(&sql, " AND NOT (%s%s%s))", k->lag[0] ? k->lag : "",
                   k->lag[0] && k->guard[0] ? " AND " : "", k->guard[0] ? k->guard : "");
    if (k->lag[0] && k->guard[0]) {
        weir_pgsb_addf(&sql, ", %s < %s", k->lag_expr, k->guard_expr);
    } else {
        weir_pgsb_add(&sql, k->lag[0] ? ", true" : ", false");
    }
    if ((rc = weir_pgsb_check(&sql, c->pg, err)) != WEIR_OK ||
        (rc = weir_pg_exec(c, sql.p, PGRES_TUPLES_OK, "high watermark", &res, err)) != WEIR_OK) {
        goto cleanup;
    }
    if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
        if (strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
            snprintf(note, cap, "lag %s", lag);
        } else {
            snprintf(note, cap, "oldest open writing transaction (pid %d, started %s)",
                     c->guard.pid, c->guard.xact_start);
        }
    }
cleanup:
    PQclear(res);
    weir_pgsb_free(&sql);
    return rc;
}

static void base_note(const struct weir_query *q, char *note, size_t cap)
{
    size_t at = 0;
    at += (size_t)snprintf(note + at, cap - at, "max(");
    for (size_t i = 0; i < q->n_wm && at < cap; i++) {
        at += (size_t)snprintf(note + at, cap - at, "%s%s", i ? ", " : "", q->wm_columns[i]);
    }
    if (at < cap) {
        snprintf(note + at, cap - at, ")");
    }
}

int weir_pg_high_watermark(void *conn, const struct weir_query *q, struct weir_bound *out,
                           char *note, size_t note_cap, struct weir_error *err)
{
    struct weir_pgconn *c = conn;
    struct weir_pgshape sh = {0};
    struct weir_pgsb sql = {0}, col = {0};
    PGresult *res = NULL;
    char **nn = NULL;
    const char **extra = NULL;
    char op[200];
    struct caps k;
    int rc;
    char scratch[8];
    if (note == NULL || note_cap == 0) {
        note = scratch;
        note_cap = sizeof(scratch);
    }
    note[0] = '\0';
    for (size_t i = 0; i < q->n_wm; i++) {
        memset(&out[i], 0, sizeof(out[i]));
    }
    if (q->n_wm == 0) {
        return weir_error_set(err, WEIR_ECONFIG, "high_watermark needs watermark columns");
    }
    if ((rc = weir_pg_describe_shape(c, q, &sh, err)) != WEIR_OK) {
        return rc;
    }
    snprintf(op, sizeof(op), "high watermark of %s", sh.label);
    nn = calloc(q->n_wm, sizeof(*nn));
    if (nn == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < q->n_wm; i++) {
        struct weir_pgsb t = {0};
        weir_pgsb_ident(&t, c->pg, q->wm_columns[i]);
        weir_pgsb_add(&t, " IS NOT NULL");
        if ((rc = weir_pgsb_check(&t, c->pg, err)) != WEIR_OK) {
            weir_pgsb_free(&t);
            goto cleanup;
        }
        nn[i] = t.p;
    }
    weir_pgsb_ident(&col, c->pg, q->wm_columns[0]);
    if ((rc = weir_pgsb_check(&col, c->pg, err)) != WEIR_OK ||
        (rc = build_caps(c, q, &sh, &col, &k, err)) != WEIR_OK) {
        goto cleanup;
    }
    extra = calloc(q->n_wm + 2, sizeof(*extra));
    if (extra == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
        goto cleanup;
    }
    size_t n_extra = 0;
    for (size_t i = 0; i < q->n_wm; i++) {
        extra[n_extra++] = nn[i];
    }
    if (k.lag[0]) {
        extra[n_extra++] = k.lag;
    }
    if (k.guard[0]) {
        extra[n_extra++] = k.guard;
    }
    weir_pgsb_add(&sql, "SELECT ");
    for (size_t i = 0; i < q->n_wm; i++) {
        weir_pgsb_add(&sql, i ? ", " : "");
        weir_pgsb_ident(&sql, c->pg, q->wm_columns[i]);
        /* an alias of its own: ORDER BY "id" would otherwise sort the text
         * output column ("999" > "1000"), not the column's own type */
        char alias[32];
        snprintf(alias, sizeof(alias), "::text AS weir_wm_%zu", i);
        weir_pgsb_add(&sql, alias);
    }
    weir_pg_sql_from(&sql, c->pg, q);
    if ((rc = weir_pg_sql_where(&sql, c->pg, q, &sh, extra, n_extra, err)) != WEIR_OK) {
        goto cleanup;
    }
    weir_pgsb_add(&sql, " ORDER BY ");
    for (size_t i = 0; i < q->n_wm; i++) {
        weir_pgsb_add(&sql, i ? ", " : "");
        weir_pgsb_ident(&sql, c->pg, q->wm_columns[i]);
        weir_pgsb_add(&sql, " DESC");
    }
    weir_pgsb_add(&sql, " LIMIT 1");
    if ((rc = weir_pgsb_check(&sql, c->pg, err)) != WEIR_OK ||
        (rc = weir_pg_exec(c, sql.p, PGRES_TUPLES_OK, op, &res, err)) != WEIR_OK) {
        goto cleanup;
    }
    for (size_t i = 0; PQntuples(res) == 1 && i < q->n_wm; i++) {
        int len = PQgetlength(res, 0, (int)i);
        if ((size_t)len >= sizeof(out[i].text)) {
            rc = weir_error_set(err, WEIR_EDATA,
                                "%s: watermark \"%s\" has a %d-byte text form, more than 255", op,
                                q->wm_columns[i], len);
            weir_error_hint(err, "use shorter watermark columns (timestamps, integers)");
            goto cleanup;
        }
        memcpy(out[i].text, PQgetvalue(res, 0, (int)i), (size_t)len + 1);
        out[i].present = 1;
    }
    if ((k.lag[0] || k.guard[0]) &&
        (rc = explain(c, q, &sh, (const char *const *)nn, &k, note, note_cap, err)) != WEIR_OK) {
        goto cleanup;
    }
    if (note[0] == '\0') {
        base_note(q, note, note_cap);
    }
    if (weir_pgtypes_is_timestamp(sh.wm[0].send) && !c->stats_visible) {
        size_t at = strlen(note);
        snprintf(note + at, note_cap - at,
                 "; pg_stat_activity not visible to role %s: lag is the only guard", c->role);
    }
cleanup:
    if (rc != WEIR_OK) {
        for (size_t i = 0; i < q->n_wm; i++) {
            memset(&out[i], 0, sizeof(out[i]));
        }
    }
    for (size_t i = 0; nn != NULL && i < q->n_wm; i++) {
        free(nn[i]);
    }
    free(nn);
    free(extra);
    PQclear(res);
    weir_pgsb_free(&sql);
    weir_pgsb_free(&col);
    weir_pgshape_free(&sh);
    return rc;
}
