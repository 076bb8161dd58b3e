/*
 * Chunked reads of the ODBC source driver. A driver that holds a whole
 * result in client memory (MariaDB Connector/ODBC before 3.1.17: no
 * NO_CACHE) would need memory in proportion to the table. Instead the window
 * is read in key order, a bounded number of rows per statement:
 *
 *   SELECT ... WHERE <window> [AND (k1 > ? OR (k1 = ? AND k2 > ?))]
 *   ORDER BY k1, k2 LIMIT n
 *
 * every statement inside the snapshot `begin` opened, so the chunks together
 * are exactly the rows of one statement: each once, none changed meanwhile.
 * The key is the primary key or a unique index on NOT NULL columns: unique,
 * so no two rows tie, and indexed, so each chunk starts with an index seek.
 * ORDER BY and `>` both compare in the column's collation, so a
 * case-insensitive key continues where it stopped. The last row's key values
 * are bound as parameters, typed as fetched (never spliced into the SQL).
 * README.md "Chunked reads" says when and why.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drivers/odbc/odbc.h"
#include "drivers/odbc/odbc_conv.h"
#include "drivers/odbc/odbc_scan.h"

/* Rows of a first chunk when a column's size is unknown (long text, blobs). */
#define FIRST_CHUNK_LONG 1024

struct key_check {
    struct weir_odbc_scan *s;
    size_t idx[CHUNK_KEY_MAX];
};

/* Types whose fetched value binds back as the same value. */
static int key_kind_ok(const struct scol *k)
{
    switch (k->kind) {
    case K_BOOL:
    case K_FIXED:
    case K_U64:
    case K_DEC:
    case K_DATE:
    case K_TIME:
    case K_TS:
        return 1;
    case K_TEXT:
        return !k->long_col;
    default:
        return 0; /* binary, uuid: not bound back (yet) */
    }
}

/* The result column named `name`: an exact match, else one case-insensitive match. */
static int find_col(const struct weir_odbc_scan *s, const char *name, size_t *out)
{
    size_t hits = 0;
    for (size_t i = 0; i < s->ncols; i++) {
        if (strcmp(s->cols[i].name, name) == 0) {
            *out = i;
            return 1;
        }
    }
    for (size_t i = 0; i < s->ncols; i++) {
        if (strcasecmp(s->cols[i].name, name) == 0) {
            *out = i;
            hits++;
        }
    }
    return hits == 1;
}

static int key_ok(void *ctx, const char *const *cols, size_t n, int pk)
{
    struct key_check *kc = ctx;
    if (n == 0 || n > CHUNK_KEY_MAX) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!find_col(kc->s, cols[i], &kc->idx[i])) {
            return 0; /* not read (columns:) */
        }
        const struct scol *k = &kc->s->cols[kc->idx[i]];
        if (!key_kind_ok(k) || (!pk && !k->not_null)) {
            return 0;
        }
    }
    return 1;
}

/* Integer C types as fetched: bound back as SQL_C_SBIGINT / SQL_C_UBIGINT. */
static const struct {
    SQLSMALLINT ctype;
    size_t width;
    int is_signed;
} ints[] = {
    {SQL_C_BIT, 1, 0},    {SQL_C_UTINYINT, 1, 0}, {SQL_C_STINYINT, 1, 1}, {SQL_C_SSHORT, 2, 1},
    {SQL_C_USHORT, 2, 0}, {SQL_C_SLONG, 4, 1},    {SQL_C_ULONG, 4, 0},     {SQL_C_SBIGINT, 8, 1},
    {SQL_C_UBIGINT, 8, 0},
};

/* A fetched integer of `width` bytes (native order), widened to 64 bits. */
static int64_t load_int(const uint8_t *p, size_t width, int is_signed)
{
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    int64_t v;
    if (width == 1) {
        memcpy(&u8, p, 1);
        return is_signed ? (int64_t)(int8_t)u8 : (int64_t)u8;
    }
    if (width == 2) {
        memcpy(&u16, p, 2);
        return is_signed ? (int64_t)(int16_t)u16 : (int64_t)u16;
    }
    if (width == 4) {
        memcpy(&u32, p, 4);
        return is_signed ? (int64_t)(int32_t)u32 : (int64_t)u32;
    }
    memcpy(&v, p, sizeof(v)); /* unsigned: the same bits, bound as SQL_C_UBIGINT */
    return v;
}

/* The last row's value of key column j as a parameter. */
static void keyval(struct weir_odbc_scan *s, size_t j)
{
    struct chunk_key *ck = &s->chunk->key[j];
    const struct scol *k = &s->cols[ck->col];
    struct weir_odbc_keyval *v = &ck->kv;
    const uint8_t *p = ck->last;
    v->type = WEIR_ODBC_P_INT;
    v->data = &ck->i64;
    v->len = sizeof(ck->i64);
    v->cast = NULL;
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        if (ints[i].ctype == k->ctype) {
            ck->i64 = load_int(p, ints[i].width, ints[i].is_signed);
            v->type = ints[i].is_signed ? WEIR_ODBC_P_INT : WEIR_ODBC_P_UINT;
            return;
        }
    }
    v->type = WEIR_ODBC_P_TEXT;
    v->data = ck->text;
    if (k->ctype == SQL_C_FLOAT || k->ctype == SQL_C_DOUBLE) {
        double d = 0;
        if (k->ctype == SQL_C_FLOAT) {
            float f;
            memcpy(&f, p, sizeof(f));
            d = f;
        } else {
            memcpy(&d, p, sizeof(d));
        }
        snprintf(ck->text, sizeof(ck->text), "%.17g", d);
    } else if (k->ctype == SQL_C_TYPE_DATE) {
        SQL_DATE_STRUCT dt;
        memcpy(&dt, p, sizeof(dt));
        snprintf(ck->text, sizeof(ck->text), "%04d-%02u-%02u", dt.year, dt.month, dt.day);
    } else if (k->ctype == SQL_C_TYPE_TIMESTAMP) {
        SQL_TIMESTAMP_STRUCT ts;
        memcpy(&ts, p, sizeof(ts));
        weir_odbc_timestamp_format(ts.year, ts.month, ts.day, ts.hour, ts.minute, ts.second,
                                   (uint32_t)ts.fraction, ck->text, sizeof(ck->text));
    } else {
        /* text as fetched: SQL_C_CHAR (decimals, times, SQLite) or UTF-16 */
        v->type = k->ctype == SQL_C_WCHAR ? WEIR_ODBC_P_WTEXT : WEIR_ODBC_P_TEXT;
        v->data = ck->last;
        v->len = ck->len;
        if (k->kind == K_DEC && !k->textual) {
            /* MariaDB compares a decimal with a text parameter as doubles */
            snprintf(ck->cast, sizeof(ck->cast), "DECIMAL(%d,%d)", k->prec, k->scale);
            v->cast = ck->cast;
        }
        return;
    }
    v->len = strlen(ck->text);
}

/* Closes the running chunk and prepares, binds and (when `execute`) runs the next. */
static int run_chunk(struct weir_odbc_scan *s, int after, int execute, struct weir_error *err)
{
    struct chunk_state *ch = s->chunk;
    struct weir_odbc_keyval kv[CHUNK_KEY_MAX];
    for (size_t j = 0; after && j < ch->n_keys; j++) {
        keyval(s, j);
        kv[j] = ch->key[j].kv;
    }
    struct weir_odbc_chunk spec = {ch->keys, ch->n_keys, after ? kv : NULL, ch->limit};
    SQLFreeStmt(s->st, SQL_CLOSE);
    SQLFreeStmt(s->st, SQL_RESET_PARAMS);
    int rc = weir_odbc_sql_build_chunk(&s->c->dialect, &ch->base, &spec, &s->sql, err);
    if (rc == WEIR_OK) {
        rc = weir_odbc_prepare_on(s->st, &s->sql, "scan", err);
    }
    if (rc == WEIR_OK && s->c->dialect.limit == WEIR_ODBC_LIMIT_NONE) {
        SQLSetStmtAttr(s->st, SQL_ATTR_MAX_ROWS, (SQLPOINTER)(uintptr_t)ch->limit, 0);
    }
    if (rc == WEIR_OK) {
        rc = weir_odbc_bind_fetch(s, err);
    }
    if (rc == WEIR_OK && execute) {
        rc = weir_odbc_execute(s->st, "scan", err);
    }
    ch->got = 0;
    ch->bytes = 0;
    ch->chunks++;
    return rc;
}

/* Why a read cannot be chunked: a warning, or with `chunked: always` an error. */
static int not_chunked(struct weir_odbc_conn *c, const struct weir_query *q, const char *why,
                       struct weir_error *err)
{
    const char *what = q->table != NULL ? q->table : "a query (sql:)";
    if (c->chunked == WEIR_ODBC_CHUNKED_ALWAYS) {
        weir_error_set(err, WEIR_ECONFIG, "chunked: always, but %s %s", what, why);
        return weir_error_hint(err, "give the table a primary key or a unique index on NOT NULL "
                               "columns, read all its columns, or set chunked: auto");
    }
    weir_odbc_warn(c, "odbc_driver_buffers",
                   "%s %s reads whole results into memory, and %s %s, so it is read with one "
                   "statement: memory grows with its rows; give the table a primary key or a "
                   "unique index on NOT NULL columns (and read its columns), or use a driver "
                   "that streams (MariaDB Connector/ODBC 3.1.17 or later)",
                   c->driver_name, c->driver_version, what, why);
    return WEIR_OK;
}

int weir_odbc_chunk_open(struct weir_odbc_scan *s, const struct weir_query *q,
                         struct weir_error *err)
{
    struct weir_odbc_conn *c = s->c;
    if (c->chunked == WEIR_ODBC_CHUNKED_NEVER ||
        (c->chunked == WEIR_ODBC_CHUNKED_AUTO && !c->buffers)) {
        return WEIR_OK;
    }
    if (q->table == NULL) {
        return not_chunked(c, q, "has no key to order by", err);
    }
    struct chunk_state *ch = calloc(1, sizeof(*ch));
    if (ch == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    struct key_check kc = {s, {0}};
    int pk = 0;
    int rc = weir_odbc_chunk_key(c, q, key_ok, &kc, ch->names, sizeof(ch->names), &ch->n_keys,
                                 &pk, err);
    if (rc != WEIR_OK || ch->n_keys == 0) {
        free(ch);
        return rc != WEIR_OK ? rc
                             : not_chunked(c, q, "has no primary key nor unique index on NOT "
                                           "NULL columns of a key type among the columns read",
                                           err);
    }
    s->chunk = ch;
    int long_cols = 0;
    const char *p = ch->names;
    for (size_t j = 0; j < ch->n_keys; j++, p += strlen(p) + 1) {
        ch->keys[j] = p;
        ch->key[j].col = kc.idx[j];
        s->cols[kc.idx[j]].key = (int)j + 1;
    }
    for (size_t i = 0; i < s->ncols; i++) {
        long_cols |= s->cols[i].long_col || !s->cols[i].bound;
    }
    ch->max = (int64_t)s->budget_rows;
    ch->limit = long_cols && ch->max > FIRST_CHUNK_LONG ? FIRST_CHUNK_LONG : ch->max;
    rc = weir_odbc_sql_build(&c->dialect, q, WEIR_ODBC_STMT_SELECT, 0, &ch->base, err);
    if (rc == WEIR_OK) {
        rc = run_chunk(s, 0, 0, err);
    }
    if (rc == WEIR_OK && c->host != NULL && c->host->log != NULL) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s is read in chunks of at most %lld rows ordered by its %s "
                 "(%s%s): %s", q->table, (long long)ch->max, pk ? "primary key" : "unique index",
                 ch->keys[0], ch->n_keys > 1 ? ", ..." : "",
                 c->buffers ? "the driver holds whole results in memory" : "chunked: always");
        c->host->log(c->host->ctx, WEIR_LOG_INFO, "odbc_chunked", msg);
    }
    return rc;
}

int weir_odbc_chunk_keep(struct weir_odbc_scan *s, size_t j, const uint8_t *p, size_t len,
                         struct weir_error *err)
{
    struct chunk_key *ck = &s->chunk->key[j];
    /* never NULL, also for an empty text: it is a parameter's data */
    if ((ck->last == NULL || len > ck->cap) &&
        weir_odbc_grow((void **)&ck->last, &ck->cap, len + 1, err) != WEIR_OK) {
        return err->status;
    }
    if (len > 0) {
        memcpy(ck->last, p, len);
    }
    ck->len = len;
    return WEIR_OK;
}

int weir_odbc_chunk_next(struct weir_odbc_scan *s, int *more, struct weir_error *err)
{
    struct chunk_state *ch = s->chunk;
    *more = 0;
    if (ch->got < ch->limit) {
        return WEIR_OK; /* a short chunk: the window has no more rows */
    }
    /* The next chunk holds about batch_bytes / 2 of values in the client. */
    uint64_t per_row = ch->got > 0 ? ch->bytes / (uint64_t)ch->got : 1;
    uint64_t fit = s->c->batch_bytes / 2 / (per_row > 0 ? per_row : 1);
    ch->limit = fit < 1 ? 1 : fit > (uint64_t)ch->max ? ch->max : (int64_t)fit;
    *more = 1;
    return run_chunk(s, 1, 1, err);
}

void weir_odbc_chunk_free(struct weir_odbc_scan *s)
{
    if (s->chunk == NULL) {
        return;
    }
    for (size_t j = 0; j < CHUNK_KEY_MAX; j++) {
        free(s->chunk->key[j].last);
    }
    weir_odbc_sql_reset(&s->chunk->base);
    free(s->chunk);
    s->chunk = NULL;
}
