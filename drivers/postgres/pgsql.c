/*
 * SQL of the PostgreSQL source: identifiers through PQescapeIdentifier,
 * bound values through PQescapeLiteral (COPY takes no parameters), and the
 * LIMIT 0 describe that fixes the column types.
 */
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgcopy.h"
#include "pgsrc.h"
#include "util/arrow.h"

#define SQL_MAX ((size_t)64 << 20)

/* ---- string builder ---- */

static void sb_addn(struct weir_pgsb *s, const char *text, size_t n)
{
    if (s->failed) {
        return;
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->len + n + 1) {
            cap *= 2;
        }
        char *p = cap <= SQL_MAX ? realloc(s->p, cap) : NULL;
        if (p == NULL) {
            s->failed = 1;
            return;
        }
        s->p = p;
        s->cap = cap;
    }
    memcpy(s->p + s->len, text, n);
    s->len += n;
    s->p[s->len] = '\0';
}

void weir_pgsb_add(struct weir_pgsb *s, const char *text)
{
    sb_addn(s, text, strlen(text));
}

void weir_pgsb_addf(struct weir_pgsb *s, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        s->failed = 1;
        return;
    }
    sb_addn(s, buf, (size_t)n);
}

void weir_pgsb_ident(struct weir_pgsb *s, PGconn *pg, const char *name)
{
    char *q = PQescapeIdentifier(pg, name, strlen(name));
    if (q == NULL) {
        s->failed = 2;
        return;
    }
    weir_pgsb_add(s, q);
    PQfreemem(q);
}

void weir_pgsb_literal(struct weir_pgsb *s, PGconn *pg, const char *text)
{
    char *q = PQescapeLiteral(pg, text, strlen(text));
    if (q == NULL) {
        s->failed = 2;
        return;
    }
    weir_pgsb_add(s, q);
    PQfreemem(q);
}

void weir_pgsb_free(struct weir_pgsb *s)
{
    free(s->p);
    memset(s, 0, sizeof(*s));
}

int weir_pgsb_check(struct weir_pgsb *s, PGconn *pg, struct weir_error *err)
{
    if (s->failed == 2) {
        weir_error_set(err, WEIR_ECONFIG, "cannot quote a name or value for SQL");
        return weir_error_detail(err, "%s", PQerrorMessage(pg));
    }
    if (s->failed) {
        return weir_error_set(err, WEIR_ENOMEM, "SQL text longer than 64 MiB or out of memory");
    }
    return WEIR_OK;
}

/* ---- FROM and WHERE ---- */

/* Appends one part of a table name: a "quoted" part is unquoted ("" -> ")
 * first, so that it is quoted once again, exactly. */
static void add_name_part(struct weir_pgsb *s, PGconn *pg, const char *p, size_t n)
{
    char *part = malloc(n + 1);
    size_t k = 0;
    if (part == NULL) {
        s->failed = 1;
        return;
    }
    if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
        for (size_t i = 1; i + 1 < n; i++) {
            part[k++] = p[i];
            if (p[i] == '"' && i + 2 < n && p[i + 1] == '"') {
                i++;
            }
        }
    } else {
        memcpy(part, p, n);
        k = n;
    }
    part[k] = '\0';
    weir_pgsb_ident(s, pg, part);
    free(part);
}

void weir_pg_sql_from(struct weir_pgsb *s, PGconn *pg, const struct weir_query *q)
{
    weir_pgsb_add(s, " FROM ");
    if (q->table != NULL) {
        /* "schema.table": split on the first dot outside double quotes */
        const char *t = q->table, *dot = NULL;
        int quoted = 0;
        for (const char *p = t; *p != '\0' && dot == NULL; p++) {
            if (*p == '"') {
                quoted = !quoted;
            } else if (*p == '.' && !quoted) {
                dot = p;
            }
        }
        if (dot != NULL) {
            add_name_part(s, pg, t, (size_t)(dot - t));
            weir_pgsb_add(s, ".");
            add_name_part(s, pg, dot + 1, strlen(dot + 1));
        } else {
            add_name_part(s, pg, t, strlen(t));
        }
        return;
    }
    /* A spec's query as a subquery; a trailing ';' would end the statement. */
    const char *sql = q->sql ? q->sql : "";
    size_t n = strlen(sql);
    while (n > 0 && (sql[n - 1] == ';' || sql[n - 1] == ' ' || sql[n - 1] == '\n' ||
                     sql[n - 1] == '\t' || sql[n - 1] == '\r')) {
        n--;
    }
    weir_pgsb_add(s, "(");
    sb_addn(s, sql, n);
    weir_pgsb_add(s, "\n) AS weir_src");
}

void weir_pg_sql_regclass(struct weir_pgsb *s, PGconn *pg, const struct weir_query *q)
{
    struct weir_pgsb name = {0};
    weir_pg_sql_from(&name, pg, q);
    if (name.failed || name.p == NULL) {
        s->failed = 1;
    } else {
        weir_pgsb_literal(s, pg, name.p + strlen(" FROM "));
        weir_pgsb_add(s, "::regclass");
    }
    weir_pgsb_free(&name);
}

/* (a, b) or a */
static void add_wm_list(struct weir_pgsb *s, PGconn *pg, const struct weir_query *q)
{
    if (q->n_wm > 1) {
        weir_pgsb_add(s, "(");
    }
    for (size_t i = 0; i < q->n_wm; i++) {
        weir_pgsb_add(s, i ? ", " : "");
        weir_pgsb_ident(s, pg, q->wm_columns[i]);
    }
    if (q->n_wm > 1) {
        weir_pgsb_add(s, ")");
    }
}

/* 'v'::type: the explicit cast makes the comparison's type the column's,
 * whatever PostgreSQL would infer for an unknown literal. */
static void add_bound(struct weir_pgsb *s, PGconn *pg, const struct weir_bound *b,
                      const struct weir_pgshape_col *wm)
{
    char text[sizeof(b->text) + 1];
    memcpy(text, b->text, sizeof(b->text));
    text[sizeof(b->text)] = '\0';
    weir_pgsb_literal(s, pg, text);
    weir_pgsb_add(s, "::");
    weir_pgsb_add(s, wm->cast_type);
}

static void add_bounds(struct weir_pgsb *s, PGconn *pg, const struct weir_query *q,
                       const struct weir_bound *b, const struct weir_pgshape *sh)
{
    if (q->n_wm > 1) {
        weir_pgsb_add(s, "(");
    }
    for (size_t i = 0; i < q->n_wm; i++) {
        weir_pgsb_add(s, i ? ", " : "");
        add_bound(s, pg, &b[i], &sh->wm[i]);
    }
    if (q->n_wm > 1) {
        weir_pgsb_add(s, ")");
    }
}

/* 1: every bound present, 0: none, -1: some (an error). */
static int bounds_present(const struct weir_bound *b, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        k += b[i].present != 0;
    }
    return k == n ? 1 : k == 0 ? 0 : -1;
}

int weir_pg_sql_where(struct weir_pgsb *s, PGconn *pg, const struct weir_query *q,
                      const struct weir_pgshape *sh, const char *const *extra, size_t n_extra,
                      struct weir_error *err)
{
    const char *and = " WHERE ";
    if (q->filter != NULL && q->filter[0] != '\0') {
        weir_pgsb_add(s, and);
        weir_pgsb_add(s, "(");
        weir_pgsb_add(s, q->filter);
        weir_pgsb_add(s, ")");
        and = " AND ";
    }
    if (q->n_wm > 0 && sh->n_wm != q->n_wm) {
        return weir_error_set(err, WEIR_EINTERNAL, "watermark columns were not described");
    }
    if (q->wm_nulls) {
        weir_pgsb_add(s, and);
        weir_pgsb_add(s, "(");
        for (size_t i = 0; i < q->n_wm; i++) {
            weir_pgsb_add(s, i ? " OR " : "");
            weir_pgsb_ident(s, pg, q->wm_columns[i]);
            weir_pgsb_add(s, " IS NULL");
        }
        weir_pgsb_add(s, ")");
        and = " AND ";
    } else {
        int lo = q->low ? bounds_present(q->low, q->low_inclusive ? 1 : q->n_wm) : 0;
        int hi = q->high ? bounds_present(q->high, q->n_wm) : 0;
        if (lo < 0 || hi < 0) {
            weir_error_set(err, WEIR_EINTERNAL,
                           "a watermark bound has values for only some "
                           "of its columns");
            return weir_error_hint(err, "reset the job's state or give every watermark column "
                                        "a value");
        }
        /* include_nulls (a full snapshot): ((window) OR a IS NULL OR b IS NULL);
         * a member added to weir_query later, read only when the host's
         * struct has it. */
        int nulls = q->size >= offsetof(struct weir_query, include_nulls) + sizeof(int32_t) &&
                    q->include_nulls;
        int wrap = nulls && q->n_wm > 0 && (lo > 0 || hi > 0);
        if (wrap) {
            weir_pgsb_add(s, and);
            weir_pgsb_add(s, "((");
            and = "";
        }
        if (lo > 0 && q->n_wm > 0) {
            weir_pgsb_add(s, and);
            if (q->low_inclusive) {
                weir_pgsb_ident(s, pg, q->wm_columns[0]);
                weir_pgsb_add(s, " >= ");
                add_bound(s, pg, &q->low[0], &sh->wm[0]);
            } else {
                add_wm_list(s, pg, q);
                weir_pgsb_add(s, " > ");
                add_bounds(s, pg, q, q->low, sh);
            }
            and = " AND ";
        }
        if (hi > 0 && q->n_wm > 0) {
            weir_pgsb_add(s, and);
            add_wm_list(s, pg, q);
            weir_pgsb_add(s, " <= ");
            add_bounds(s, pg, q, q->high, sh);
            and = " AND ";
        }
        if (wrap) {
            weir_pgsb_add(s, ")");
            for (size_t i = 0; i < q->n_wm; i++) {
                weir_pgsb_add(s, " OR ");
                weir_pgsb_ident(s, pg, q->wm_columns[i]);
                weir_pgsb_add(s, " IS NULL");
            }
            weir_pgsb_add(s, ")");
            and = " AND ";
        }
    }
    if (WEIR_HAS_MEMBER(q, struct weir_query, slice_hi) && q->slice_column != NULL &&
        (q->slice_flags & (WEIR_SLICE_LO | WEIR_SLICE_HI | WEIR_SLICE_NULLS)) != 0) {
        /* (k >= lo AND k < hi) OR k IS NULL: the slices cover the window once */
        int f = q->slice_flags;
        const char *inner = "";
        weir_pgsb_add(s, and);
        weir_pgsb_add(s, "((");
        if (f & WEIR_SLICE_LO) {
            weir_pgsb_ident(s, pg, q->slice_column);
            weir_pgsb_addf(s, " >= %" PRId64, q->slice_lo);
            inner = " AND ";
        }
        if (f & WEIR_SLICE_HI) {
            weir_pgsb_add(s, inner);
            weir_pgsb_ident(s, pg, q->slice_column);
            weir_pgsb_addf(s, " < %" PRId64, q->slice_hi);
        }
        if (!(f & (WEIR_SLICE_LO | WEIR_SLICE_HI))) {
            weir_pgsb_add(s, "false");
        }
        weir_pgsb_add(s, ")");
        if (f & WEIR_SLICE_NULLS) {
            weir_pgsb_add(s, " OR ");
            weir_pgsb_ident(s, pg, q->slice_column);
            weir_pgsb_add(s, " IS NULL");
        }
        weir_pgsb_add(s, ")");
        and = " AND ";
    }
    for (size_t i = 0; i < n_extra; i++) {
        weir_pgsb_add(s, and);
        weir_pgsb_add(s, extra[i]);
        and = " AND ";
    }
    return weir_pgsb_check(s, pg, err);
}

int weir_pg_sql_copy(struct weir_pgsb *s, PGconn *pg, const struct weir_query *q,
                     const struct weir_pgshape *sh, struct weir_error *err)
{
    weir_pgsb_add(s, "COPY (SELECT ");
    for (size_t i = 0; i < sh->n_cols; i++) {
        const struct weir_pgshape_col *c = &sh->cols[i];
        weir_pgsb_add(s, i ? ", " : "");
        weir_pgsb_ident(s, pg, c->name);
        if (c->map.cast != WEIR_PGCAST_NONE) {
            weir_pgsb_add(s, c->map.cast == WEIR_PGCAST_TEXT ? "::text AS " : "::numeric AS ");
            weir_pgsb_ident(s, pg, c->name);
        }
    }
    weir_pg_sql_from(s, pg, q);
    if (weir_pg_sql_where(s, pg, q, sh, NULL, 0, err) != WEIR_OK) {
        return err->status;
    }
    weir_pgsb_add(s, ") TO STDOUT (FORMAT binary)");
    return weir_pgsb_check(s, pg, err);
}

/* ---- describe ---- */

static void shape_col_free(struct weir_pgshape_col *c)
{
    free(c->name);
    free(c->type_name);
    free(c->cast_type);
    free(c->send);
    free(c->elem_send);
}

void weir_pgshape_free(struct weir_pgshape *sh)
{
    for (size_t i = 0; sh->cols != NULL && i < sh->n_cols; i++) {
        shape_col_free(&sh->cols[i]);
    }
    for (size_t i = 0; sh->wm != NULL && i < sh->n_wm; i++) {
        shape_col_free(&sh->wm[i]);
    }
    free(sh->cols);
    free(sh->wm);
    memset(sh, 0, sizeof(*sh));
}

/* The type names and send functions of the LIMIT 0 result's columns. */
static int lookup_types(struct weir_pgconn *c, const PGresult *desc, const char *op, PGresult **out,
                        struct weir_error *err)
{
    struct weir_pgsb oids = {0}, mods = {0};
    int nf = PQnfields(desc);
    weir_pgsb_add(&oids, "{");
    weir_pgsb_add(&mods, "{");
    for (int i = 0; i < nf; i++) {
        weir_pgsb_addf(&oids, "%s%u", i ? "," : "", PQftype(desc, i));
        weir_pgsb_addf(&mods, "%s%d", i ? "," : "", PQfmod(desc, i));
    }
    weir_pgsb_add(&oids, "}");
    weir_pgsb_add(&mods, "}");
    int rc = weir_pgsb_check(&oids, c->pg, err);
    if (rc == WEIR_OK && (rc = weir_pgsb_check(&mods, c->pg, err)) == WEIR_OK) {
        const char *params[2] = {oids.p, mods.p};
        PGresult *res = PQexecParams(
            c->pg,
            "SELECT format_type(u.o, NULLIF(u.m, -1)), format_type(u.o, NULL), "
            "COALESCE(t.typsend::text, ''), COALESCE(e.typsend::text, '') "
            "FROM unnest($1::oid[], $2::int4[]) WITH ORDINALITY AS u(o, m, i) "
            "LEFT JOIN pg_type t ON t.oid = u.o "
            "LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typsend = 'array_send'::regproc "
            "ORDER BY u.i",
            2, NULL, params, NULL, NULL, 0);
        if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != nf) {
            rc = weir_pg_result_error(c, res, op, err);
            PQclear(res);
        } else {
            *out = res;
        }
    }
    weir_pgsb_free(&oids);
    weir_pgsb_free(&mods);
    return rc;
}

static int fill_col(struct weir_pgshape_col *sc, const char *name, const PGresult *desc,
                    const PGresult *types, int i)
{
    sc->name = strdup(name);
    sc->oid = PQftype(desc, i);
    sc->typmod = PQfmod(desc, i);
    sc->type_name = strdup(PQgetvalue(types, i, 0));
    sc->cast_type = strdup(PQgetvalue(types, i, 1));
    sc->send = strdup(PQgetvalue(types, i, 2));
    sc->elem_send = strdup(PQgetvalue(types, i, 3));
    return sc->name && sc->type_name && sc->cast_type && sc->send && sc->elem_send ? WEIR_OK
                                                                                   : WEIR_ENOMEM;
}

static int check_types(const struct weir_query *q, const struct weir_pgshape *sh,
                       struct weir_error *err)
{
    for (size_t t = 0; t < q->n_types; t++) {
        size_t i = 0;
        while (i < sh->n_cols && strcmp(sh->cols[i].name, q->types[t].key) != 0) {
            i++;
        }
        if (i == sh->n_cols) {
            weir_error_set(err, WEIR_ECONFIG, "types: column \"%s\" is not in the result of %s",
                           q->types[t].key, sh->label);
            return weir_error_hint(err, "names are case-sensitive; check the job's columns");
        }
    }
    return WEIR_OK;
}

static int build_describe_sql(struct weir_pgsb *s, PGconn *pg, const struct weir_query *q)
{
    weir_pgsb_add(s, "SELECT ");
    if (q->columns == NULL || q->n_columns == 0) {
        weir_pgsb_add(s, "*");
    }
    for (size_t i = 0; q->columns != NULL && i < q->n_columns; i++) {
        weir_pgsb_add(s, i ? ", " : "");
        weir_pgsb_ident(s, pg, q->columns[i]);
    }
    for (size_t i = 0; i < q->n_wm; i++) {
        weir_pgsb_add(s, ", ");
        weir_pgsb_ident(s, pg, q->wm_columns[i]);
    }
    weir_pg_sql_from(s, pg, q);
    if (q->filter != NULL && q->filter[0] != '\0') {
        weir_pgsb_add(s, " WHERE (");
        weir_pgsb_add(s, q->filter);
        weir_pgsb_add(s, ")");
    }
    weir_pgsb_add(s, " LIMIT 0");
    return s->failed;
}

int weir_pg_describe_shape(struct weir_pgconn *c, const struct weir_query *q,
                           struct weir_pgshape *sh, struct weir_error *err)
{
    struct weir_pgsb sql = {0};
    PGresult *desc = NULL, *types = NULL;
    char op[200];
    int rc;
    memset(sh, 0, sizeof(*sh));
    if ((q->table == NULL) == (q->sql == NULL)) {
        return weir_error_set(err, WEIR_ECONFIG, "a job reads either a table or a query");
    }
    snprintf(sh->label, sizeof(sh->label), "%s", q->table ? q->table : "query");
    snprintf(op, sizeof(op), "describe %s", sh->label);
    build_describe_sql(&sql, c->pg, q);
    if ((rc = weir_pgsb_check(&sql, c->pg, err)) != WEIR_OK ||
        (rc = weir_pg_exec(c, sql.p, PGRES_TUPLES_OK, op, &desc, err)) != WEIR_OK ||
        (rc = lookup_types(c, desc, op, &types, err)) != WEIR_OK) {
        goto cleanup;
    }
    size_t nf = (size_t)PQnfields(desc);
    sh->n_cols = nf - q->n_wm;
    sh->n_wm = q->n_wm;
    sh->cols = calloc(sh->n_cols ? sh->n_cols : 1, sizeof(*sh->cols));
    sh->wm = calloc(sh->n_wm ? sh->n_wm : 1, sizeof(*sh->wm));
    if (sh->cols == NULL || sh->wm == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory describing %s", sh->label);
        goto cleanup;
    }
    for (size_t i = 0; i < nf; i++) {
        int is_wm = i >= sh->n_cols;
        struct weir_pgshape_col *sc = is_wm ? &sh->wm[i - sh->n_cols] : &sh->cols[i];
        const char *name = is_wm ? q->wm_columns[i - sh->n_cols] : PQfname(desc, (int)i);
        if (fill_col(sc, name, desc, types, (int)i) != WEIR_OK) {
            rc = weir_error_set(err, WEIR_ENOMEM, "out of memory describing %s", sh->label);
            goto cleanup;
        }
        const char *ovr = is_wm ? NULL : weir_kv_get(q->types, q->n_types, name);
        /* An array's policy is its element's (numeric[] without a precision). */
        bool array = !is_wm && sc->elem_send[0] != '\0';
        const char *send = array ? sc->elem_send : sc->send;
        if (!is_wm && (rc = weir_pgtypes_policy_override(name, send, sc->typmod,
                                                         c->numeric_unconstrained, &ovr, err)) !=
                          WEIR_OK) {
            goto cleanup;
        }
        rc = array ? weir_pgtypes_map_array(name, send, sc->typmod, ovr, &sc->map, err)
                   : weir_pgtypes_map(name, send, sc->typmod, ovr, &sc->map, err);
        if (rc != WEIR_OK) {
            goto cleanup;
        }
    }
    rc = check_types(q, sh, err);
cleanup:
    if (rc != WEIR_OK) {
        weir_pgshape_free(sh);
    }
    PQclear(desc);
    PQclear(types);
    weir_pgsb_free(&sql);
    return rc;
}

int weir_pg_set_column(struct weir_abatch *b, size_t i, const struct weir_pgshape_col *c,
                       const char *md, size_t mdlen, struct weir_error *err)
{
    if (c->map.dec != WEIR_PGDEC_ARRAY) {
        return weir_abatch_set_column(b, (int64_t)i, c->name, c->map.format, md, mdlen, err);
    }
    char *emd = NULL;
    size_t emdlen = 0;
    if (md != NULL && c->map.elem_extension != NULL) {
        const char *key = "ARROW:extension:name";
        emd = weir_arrow_metadata_encode(&key, &c->map.elem_extension, 1, &emdlen);
        if (emd == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory building a schema");
        }
    }
    int rc = weir_abatch_set_list(b, (int64_t)i, c->name, md, mdlen, c->map.elem_format, emd,
                                  emdlen, err);
    free(emd);
    return rc;
}

int weir_pg_shape_schema(const struct weir_pgshape *sh, struct ArrowSchema *schema,
                         struct weir_error *err)
{
    struct weir_abatch b;
    int rc = weir_abatch_init(&b, (int64_t)sh->n_cols, err);
    for (size_t i = 0; rc == WEIR_OK && i < sh->n_cols; i++) {
        const struct weir_pgshape_col *c = &sh->cols[i];
        const char *keys[2], *vals[2];
        size_t n = 0, mdlen = 0;
        if (c->map.extension != NULL) {
            keys[n] = "ARROW:extension:name";
            vals[n++] = c->map.extension;
        }
        keys[n] = "weir:source_type";
        vals[n++] = c->type_name;
        char *md = weir_arrow_metadata_encode(keys, vals, n, &mdlen);
        if (md == NULL) {
            rc = weir_error_set(err, WEIR_ENOMEM, "out of memory building a schema");
            break;
        }
        rc = weir_pg_set_column(&b, i, c, md, mdlen, err);
        free(md);
    }
    if (rc == WEIR_OK) {
        rc = weir_abatch_schema(&b, schema, err);
    }
    weir_abatch_reset(&b);
    return rc;
}
