/* SQL text of the ODBC source driver; see odbc_sql.h. */
#include "drivers/odbc/odbc_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/odbc/odbc_conv.h"

/* A statement is short; a custom `sql` from a spec is the only long part. */
#define SQL_MAX_BYTES (16u << 20)

static int put(struct weir_odbc_sql *s, const char *p, size_t n, struct weir_error *err)
{
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->len + n + 1) {
            cap *= 2;
        }
        if (cap > SQL_MAX_BYTES) {
            return weir_error_set(err, WEIR_ENOMEM, "statement longer than %u bytes",
                                  SQL_MAX_BYTES);
        }
        char *t = realloc(s->text, cap);
        if (t == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory building a statement");
        }
        s->text = t;
        s->cap = cap;
    }
    memcpy(s->text + s->len, p, n);
    s->len += n;
    s->text[s->len] = '\0';
    return WEIR_OK;
}

static int puts_(struct weir_odbc_sql *s, const char *p, struct weir_error *err)
{
    return put(s, p, strlen(p), err);
}

/* Stores a parameter's value (len bytes, two zero bytes after) without its marker. */
static int param_value(struct weir_odbc_sql *s, int type, const void *value, size_t len,
                       struct weir_error *err)
{
    if (s->n_params == s->cap_params) {
        size_t cap = s->cap_params ? s->cap_params * 2 : 8;
        char **p = realloc(s->params, cap * sizeof(*p));
        if (p != NULL) {
            s->params = p;
        }
        size_t *l = p != NULL ? realloc(s->plens, cap * sizeof(*l)) : NULL;
        if (l != NULL) {
            s->plens = l;
        }
        unsigned char *t = l != NULL ? realloc(s->ptypes, cap) : NULL;
        if (t == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory building a statement");
        }
        s->ptypes = t;
        s->cap_params = cap;
    }
    char *v = malloc(len + 2);
    if (v == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory building a statement");
    }
    if (len > 0) {
        memcpy(v, value, len);
    }
    v[len] = v[len + 1] = '\0';
    s->params[s->n_params] = v;
    s->plens[s->n_params] = len;
    s->ptypes[s->n_params] = (unsigned char)type;
    s->n_params++;
    return WEIR_OK;
}

static int param(struct weir_odbc_sql *s, const char *value, struct weir_error *err)
{
    int rc = param_value(s, WEIR_ODBC_P_TEXT, value, strlen(value), err);
    return rc == WEIR_OK ? puts_(s, "?", err) : rc;
}

static int key_param(struct weir_odbc_sql *s, const struct weir_odbc_keyval *v,
                     struct weir_error *err)
{
    int rc = param_value(s, v->type, v->data, v->len, err);
    if (rc != WEIR_OK || v->cast == NULL) {
        return rc == WEIR_OK ? puts_(s, "?", err) : rc;
    }
    if ((rc = puts_(s, "CAST(? AS ", err)) != WEIR_OK || (rc = puts_(s, v->cast, err)) != 0) {
        return rc;
    }
    return puts_(s, ")", err);
}

void weir_odbc_sql_reset(struct weir_odbc_sql *s)
{
    for (size_t i = 0; i < s->n_params; i++) {
        free(s->params[i]);
    }
    free(s->params);
    free(s->plens);
    free(s->ptypes);
    free(s->text);
    memset(s, 0, sizeof(*s));
}

static int plain_ident(const char *p, size_t n)
{
    if (n == 0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
              (i > 0 && c >= '0' && c <= '9'))) {
            return 0;
        }
    }
    return 1;
}

int weir_odbc_sql_ident(struct weir_odbc_sql *s, const struct weir_odbc_dialect *d,
                        const char *ident, size_t len, struct weir_error *err)
{
    size_t ql = strlen(d->quote);
    if (len == 0 || memchr(ident, '\0', len) != NULL) {
        return weir_error_set(err, WEIR_ECONFIG, "empty identifier");
    }
    if (ql == 0) {
        /* The driver quotes nothing: only names that need no quoting pass. */
        if (!plain_ident(ident, len)) {
            return weir_error_set(err, WEIR_ECONFIG,
                                  "identifier \"%.*s\" needs quoting, which this driver lacks",
                                  (int)len, ident);
        }
        return put(s, ident, len, err);
    }
    /* MariaDB's backtick and SQL's double quote close the same way: the
     * quote is doubled inside. An opening "[" closes with "]". */
    const char *close = strcmp(d->quote, "[") == 0 ? "]" : d->quote;
    size_t cl = strlen(close);
    int rc = put(s, d->quote, ql, err);
    size_t start = 0;
    for (size_t i = 0; rc == WEIR_OK && i + cl <= len; i++) {
        if (memcmp(ident + i, close, cl) == 0) {
            rc = put(s, ident + start, i + cl - start, err);
            if (rc == WEIR_OK) {
                rc = put(s, close, cl, err);
            }
            start = i + cl;
            i += cl - 1;
        }
    }
    if (rc == WEIR_OK) {
        rc = put(s, ident + start, len - start, err);
    }
    return rc == WEIR_OK ? put(s, close, cl, err) : rc;
}

/* "schema.table" (or catalog.schema.table): each part quoted on its own. */
static int qualified(struct weir_odbc_sql *s, const struct weir_odbc_dialect *d, const char *name,
                     struct weir_error *err)
{
    const char *p = name;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        int rc = weir_odbc_sql_ident(s, d, p, n, err);
        if (rc != WEIR_OK) {
            return rc;
        }
        if (dot == NULL) {
            return WEIR_OK;
        }
        if ((rc = puts_(s, ".", err)) != WEIR_OK) {
            return rc;
        }
        p = dot + 1;
    }
}

static int col(struct weir_odbc_sql *s, const struct weir_odbc_dialect *d, const char *name,
               struct weir_error *err)
{
    return weir_odbc_sql_ident(s, d, name, strlen(name), err);
}

/* A bound array counts when every value is present; none present is no bound. */
static int bound_state(const struct weir_bound *b, size_t n, const char *side,
                       struct weir_error *err)
{
    if (b == NULL || n == 0) {
        return 0;
    }
    size_t present = 0;
    for (size_t i = 0; i < n; i++) {
        present += b[i].present ? 1 : 0;
    }
    if (present == 0) {
        return 0;
    }
    if (present != n) {
        weir_error_set(err, WEIR_ECONFIG, "the %s watermark bound has %zu of %zu values", side,
                       present, n);
        return -1;
    }
    return 1;
}

/* The columns and values of a tuple comparison: a watermark bound or a chunk's key. */
struct tuple_of {
    const char *const *cols;
    size_t n;
    const struct weir_bound *b;        /* text values, or */
    const struct weir_odbc_keyval *kv; /* typed ones */
};

static int tuple_value(struct weir_odbc_sql *s, const struct tuple_of *t, size_t i,
                       struct weir_error *err)
{
    return t->kv != NULL ? key_param(s, &t->kv[i], err) : param(s, t->b[i].text, err);
}

/* (c0 OP ? OR (c0 = ? AND (c1 OP ? OR (c1 = ? AND c2 LAST ?)))) */
static int tuple(struct weir_odbc_sql *s, const struct weir_odbc_dialect *d,
                 const struct tuple_of *t, size_t i, const char *op, const char *last,
                 struct weir_error *err)
{
    int rc;
    if (i + 1 == t->n) {
        if ((rc = col(s, d, t->cols[i], err)) != WEIR_OK ||
            (rc = puts_(s, last, err)) != WEIR_OK) {
            return rc;
        }
        return tuple_value(s, t, i, err);
    }
    if ((rc = puts_(s, "(", err)) != WEIR_OK || (rc = col(s, d, t->cols[i], err)) != 0 ||
        (rc = puts_(s, op, err)) != WEIR_OK || (rc = tuple_value(s, t, i, err)) != WEIR_OK ||
        (rc = puts_(s, " OR (", err)) != WEIR_OK || (rc = col(s, d, t->cols[i], err)) != 0 ||
        (rc = puts_(s, " = ", err)) != WEIR_OK || (rc = tuple_value(s, t, i, err)) != WEIR_OK ||
        (rc = puts_(s, " AND ", err)) != WEIR_OK ||
        (rc = tuple(s, d, t, i + 1, op, last, err)) != WEIR_OK) {
        return rc;
    }
    return puts_(s, "))", err);
}

static int wm_tuple(struct weir_odbc_sql *s, const struct weir_odbc_dialect *d,
                    const struct weir_query *q, const struct weir_bound *b, const char *op,
                    const char *last, struct weir_error *err)
{
    struct tuple_of t = {q->wm_columns, q->n_wm, b, NULL};
    return tuple(s, d, &t, 0, op, last, err);
}

static int where_and(struct weir_odbc_sql *s, int *n_conds, struct weir_error *err)
{
    return puts_(s, (*n_conds)++ == 0 ? " WHERE " : " AND ", err);
}

/* The WHERE clause; *n counts the conditions written (0: no WHERE yet). */
static int conditions(struct weir_odbc_sql *s, const struct weir_odbc_dialect *d,
                      const struct weir_query *q, int kind, int64_t now_us, int *n,
                      struct weir_error *err)
{
    int rc;
    if (q->filter != NULL && q->filter[0] != '\0') {
        if ((rc = where_and(s, n, err)) != WEIR_OK || (rc = puts_(s, "(", err)) != WEIR_OK ||
            (rc = puts_(s, q->filter, err)) != WEIR_OK || (rc = puts_(s, ")", err)) != WEIR_OK) {
            return rc;
        }
    }
    if (q->n_wm > 0 && q->wm_columns == NULL) {
        return weir_error_set(err, WEIR_ECONFIG, "watermark columns missing");
    }
    if (q->wm_nulls) {
        if (q->n_wm == 0) {
            return weir_error_set(err, WEIR_ECONFIG, "wm_nulls without watermark columns");
        }
        if ((rc = where_and(s, n, err)) != WEIR_OK || (rc = puts_(s, "(", err)) != WEIR_OK) {
            return rc;
        }
        for (size_t i = 0; i < q->n_wm; i++) {
            if ((i > 0 && (rc = puts_(s, " OR ", err)) != WEIR_OK) ||
                (rc = col(s, d, q->wm_columns[i], err)) != WEIR_OK ||
                (rc = puts_(s, " IS NULL", err)) != WEIR_OK) {
                return rc;
            }
        }
        return puts_(s, ")", err);
    }
    int lo = q->low_inclusive ? bound_state(q->low, 1, "lower", err)
                              : bound_state(q->low, q->n_wm, "lower", err);
    int hi = bound_state(q->high, q->n_wm, "upper", err);
    if (lo < 0 || hi < 0) {
        return err->status;
    }
    if (lo && q->n_wm == 0) {
        return weir_error_set(err, WEIR_ECONFIG, "a watermark bound without watermark columns");
    }
    /* include_nulls (a full snapshot): ((window) OR a IS NULL OR b IS NULL);
     * inside the parentheses the window's parts join with AND */
    int wrap = q->include_nulls && kind != WEIR_ODBC_STMT_HWM && q->n_wm > 0 && (lo || hi);
    int inner = 0;
    int *conds = wrap ? &inner : n;
    if (wrap) {
        if ((rc = where_and(s, n, err)) != WEIR_OK || (rc = puts_(s, "((", err)) != WEIR_OK) {
            return rc;
        }
    }
    if (lo) {
        if ((rc = wrap && inner == 0 ? (inner++, WEIR_OK) : where_and(s, conds, err)) != WEIR_OK) {
            return rc;
        }
        if (q->low_inclusive) {
            if ((rc = col(s, d, q->wm_columns[0], err)) != WEIR_OK ||
                (rc = puts_(s, " >= ", err)) != WEIR_OK ||
                (rc = param(s, q->low[0].text, err)) != WEIR_OK) {
                return rc;
            }
        } else if ((rc = wm_tuple(s, d, q, q->low, " > ", " > ", err)) != WEIR_OK) {
            return rc;
        }
    }
    if (hi) {
        if ((rc = wrap && inner == 0 ? (inner++, WEIR_OK) : where_and(s, conds, err)) != WEIR_OK ||
            (rc = wm_tuple(s, d, q, q->high, " < ", " <= ", err)) != WEIR_OK) {
            return rc;
        }
    }
    if (wrap) {
        if ((rc = puts_(s, ")", err)) != WEIR_OK) {
            return rc;
        }
        for (size_t i = 0; i < q->n_wm; i++) {
            if ((rc = puts_(s, " OR ", err)) != WEIR_OK ||
                (rc = col(s, d, q->wm_columns[i], err)) != WEIR_OK ||
                (rc = puts_(s, " IS NULL", err)) != WEIR_OK) {
                return rc;
            }
        }
        if ((rc = puts_(s, ")", err)) != WEIR_OK) {
            return rc;
        }
    }
    if (kind != WEIR_ODBC_STMT_HWM) {
        return WEIR_OK;
    }
    if (q->n_wm == 0) {
        return weir_error_set(err, WEIR_ECONFIG, "a high watermark needs watermark columns");
    }
    if (q->lag_us > 0) {
        char now[48];
        weir_odbc_utc_format(now_us - q->lag_us, now, sizeof(now));
        if ((rc = where_and(s, n, err)) != WEIR_OK ||
            (rc = col(s, d, q->wm_columns[0], err)) != WEIR_OK ||
            (rc = puts_(s, " <= ", err)) != WEIR_OK || (rc = param(s, now, err)) != WEIR_OK) {
            return rc;
        }
    }
    for (size_t i = 0; i < q->n_wm; i++) {
        if ((rc = where_and(s, n, err)) != WEIR_OK ||
            (rc = col(s, d, q->wm_columns[i], err)) != WEIR_OK ||
            (rc = puts_(s, " IS NOT NULL", err)) != WEIR_OK) {
            return rc;
        }
    }
    return WEIR_OK;
}

static int from(struct weir_odbc_sql *s, const struct weir_odbc_dialect *d,
                const struct weir_query *q, struct weir_error *err)
{
    int rc = puts_(s, " FROM ", err);
    if (rc != WEIR_OK) {
        return rc;
    }
    if (q->sql != NULL) {
        /* A trailing ';' would end the statement inside the parentheses. */
        size_t n = strlen(q->sql);
        while (n > 0 && (q->sql[n - 1] == ';' || q->sql[n - 1] == ' ' || q->sql[n - 1] == '\n' ||
                         q->sql[n - 1] == '\t' || q->sql[n - 1] == '\r')) {
            n--;
        }
        if (n == 0) {
            return weir_error_set(err, WEIR_ECONFIG, "the query is empty");
        }
        if ((rc = puts_(s, "(", err)) != WEIR_OK || (rc = put(s, q->sql, n, err)) != WEIR_OK) {
            return rc;
        }
        return puts_(s, ") q", err);
    }
    if (q->table == NULL || q->table[0] == '\0') {
        return weir_error_set(err, WEIR_ECONFIG, "the query names neither a table nor sql");
    }
    return qualified(s, d, q->table, err);
}

/* " ORDER BY k1, k2" and the chunk's row limit (TOP n is written by build). */
static int chunk_tail(struct weir_odbc_sql *s, const struct weir_odbc_dialect *d,
                      const struct weir_odbc_chunk *ch, struct weir_error *err)
{
    int rc = puts_(s, " ORDER BY ", err);
    for (size_t i = 0; rc == WEIR_OK && i < ch->n_keys; i++) {
        if (i > 0) {
            rc = puts_(s, ", ", err);
        }
        if (rc == WEIR_OK) {
            rc = col(s, d, ch->keys[i], err);
        }
    }
    if (rc == WEIR_OK && d->limit == WEIR_ODBC_LIMIT_LIMIT) {
        char lim[32];
        snprintf(lim, sizeof(lim), " LIMIT %lld", (long long)ch->limit);
        rc = puts_(s, lim, err);
    }
    return rc;
}

static int build(const struct weir_odbc_dialect *d, const struct weir_query *q, int kind,
                 int64_t now_us, struct weir_odbc_sql *s, struct weir_error *err)
{
    int rc = puts_(s, "SELECT ", err);
    if (rc != WEIR_OK) {
        return rc;
    }
    if (kind == WEIR_ODBC_STMT_COUNT) {
        rc = puts_(s, "COUNT(*)", err);
    } else if (kind == WEIR_ODBC_STMT_HWM) {
        if (d->limit == WEIR_ODBC_LIMIT_TOP) {
            rc = puts_(s, "TOP 1 ", err);
        }
        for (size_t i = 0; rc == WEIR_OK && i < q->n_wm; i++) {
            if (i > 0) {
                rc = puts_(s, ", ", err);
            }
            if (rc == WEIR_OK) {
                rc = col(s, d, q->wm_columns[i], err);
            }
        }
    } else if (q->columns == NULL || q->n_columns == 0) {
        rc = puts_(s, "*", err);
    } else {
        for (size_t i = 0; rc == WEIR_OK && i < q->n_columns; i++) {
            if (i > 0) {
                rc = puts_(s, ", ", err);
            }
            if (rc == WEIR_OK) {
                rc = col(s, d, q->columns[i], err);
            }
        }
    }
    s->n_conds = 0;
    if (rc != WEIR_OK || (rc = from(s, d, q, err)) != WEIR_OK ||
        (rc = conditions(s, d, q, kind, now_us, &s->n_conds, err)) != WEIR_OK) {
        return rc;
    }
    if (kind == WEIR_ODBC_STMT_HWM) {
        rc = puts_(s, " ORDER BY ", err);
        for (size_t i = 0; rc == WEIR_OK && i < q->n_wm; i++) {
            if ((i > 0 && (rc = puts_(s, ", ", err)) != WEIR_OK) ||
                (rc = col(s, d, q->wm_columns[i], err)) != WEIR_OK) {
                return rc;
            }
            rc = puts_(s, " DESC", err);
        }
        if (rc == WEIR_OK && d->limit == WEIR_ODBC_LIMIT_LIMIT) {
            rc = puts_(s, " LIMIT 1", err);
        }
    }
    return rc;
}

int weir_odbc_sql_build(const struct weir_odbc_dialect *d, const struct weir_query *q, int kind,
                        int64_t now_us, struct weir_odbc_sql *out, struct weir_error *err)
{
    weir_odbc_sql_reset(out);
    if (q->sql != NULL && q->table != NULL) {
        return weir_error_set(err, WEIR_ECONFIG, "the query names both a table and sql");
    }
    int rc = build(d, q, kind, now_us, out, err);
    if (rc != WEIR_OK) {
        weir_odbc_sql_reset(out);
    }
    return rc;
}

static int chunk(const struct weir_odbc_dialect *d, const struct weir_odbc_sql *base,
                 const struct weir_odbc_chunk *ch, struct weir_odbc_sql *s, struct weir_error *err)
{
    static const char select[] = "SELECT ";
    size_t skip = strlen(select);
    int rc = puts_(s, select, err);
    if (rc == WEIR_OK && d->limit == WEIR_ODBC_LIMIT_TOP) {
        char top[32];
        snprintf(top, sizeof(top), "TOP %lld ", (long long)ch->limit);
        rc = puts_(s, top, err);
    }
    if (rc != WEIR_OK || (rc = puts_(s, base->text + skip, err)) != WEIR_OK) {
        return rc;
    }
    for (size_t i = 0; i < base->n_params && rc == WEIR_OK; i++) {
        rc = param_value(s, base->ptypes[i], base->params[i], base->plens[i], err);
    }
    s->n_conds = base->n_conds;
    if (rc == WEIR_OK && ch->after != NULL) {
        struct tuple_of t = {ch->keys, ch->n_keys, NULL, ch->after};
        if ((rc = where_and(s, &s->n_conds, err)) != WEIR_OK ||
            (rc = tuple(s, d, &t, 0, " > ", " > ", err)) != WEIR_OK) {
            return rc;
        }
    }
    return rc == WEIR_OK ? chunk_tail(s, d, ch, err) : rc;
}

int weir_odbc_sql_build_chunk(const struct weir_odbc_dialect *d, const struct weir_odbc_sql *base,
                              const struct weir_odbc_chunk *ch, struct weir_odbc_sql *out,
                              struct weir_error *err)
{
    weir_odbc_sql_reset(out);
    if (ch->n_keys == 0 || ch->limit < 1 || base->text == NULL ||
        strncmp(base->text, "SELECT ", 7) != 0) {
        return weir_error_set(err, WEIR_EINTERNAL, "a chunk without a key, a row limit or a "
                              "SELECT");
    }
    int rc = chunk(d, base, ch, out, err);
    if (rc != WEIR_OK) {
        weir_odbc_sql_reset(out);
    }
    return rc;
}

/* A parameter as text for render: numbers printed, UTF-16 as "<N UTF-16 units>". */
static const char *param_text(const struct weir_odbc_sql *s, size_t i, char *buf, size_t cap)
{
    int64_t v;
    uint64_t u;
    switch (s->ptypes != NULL ? s->ptypes[i] : WEIR_ODBC_P_TEXT) {
    case WEIR_ODBC_P_INT:
        memcpy(&v, s->params[i], sizeof(v));
        snprintf(buf, cap, "%lld", (long long)v);
        return buf;
    case WEIR_ODBC_P_UINT:
        memcpy(&u, s->params[i], sizeof(u));
        snprintf(buf, cap, "%llu", (unsigned long long)u);
        return buf;
    case WEIR_ODBC_P_WTEXT:
        snprintf(buf, cap, "<%zu UTF-16 units>", s->plens[i] / 2);
        return buf;
    default:
        return s->params[i];
    }
}

int weir_odbc_sql_render(const struct weir_odbc_sql *s, char *buf, size_t cap,
                         struct weir_error *err)
{
    size_t o = 0;
    const char *text = s->text ? s->text : "";
    size_t n = strlen(text);
    if (n + 1 > cap) {
        return weir_error_set(err, WEIR_ENOMEM, "rendered statement longer than %zu bytes", cap);
    }
    memcpy(buf, text, n);
    o = n;
    for (size_t i = 0; i < s->n_params; i++) {
        const char *lead = i == 0 ? "\n-- parameters: " : ", ";
        int w = snprintf(buf + o, cap - o, "%s%zu='", lead, i + 1);
        if (w < 0 || (size_t)w >= cap - o) {
            goto full;
        }
        o += (size_t)w;
        char shown[64];
        const char *v = param_text(s, i, shown, sizeof(shown));
        for (const char *p = v; *p != '\0'; p++) {
            size_t need = *p == '\'' ? 2 : 1;
            if (o + need + 1 >= cap) {
                goto full;
            }
            buf[o++] = *p;
            if (*p == '\'') {
                buf[o++] = '\'';
            }
        }
        if (o + 2 > cap) {
            goto full;
        }
        buf[o++] = '\'';
    }
    buf[o] = '\0';
    return WEIR_OK;
full:
    buf[cap - 1] = '\0';
    return weir_error_set(err, WEIR_ENOMEM, "rendered statement longer than %zu bytes", cap);
}
