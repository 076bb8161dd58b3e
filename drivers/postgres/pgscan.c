/*
 * describe, render_sql and the scan of the PostgreSQL source: one
 * COPY (SELECT ...) TO STDOUT (FORMAT binary) per scan, its CopyData messages
 * fed to the binary COPY parser, a batch handed out whenever batch_rows or
 * batch_bytes is reached. Memory holds one batch and one libpq message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgcopy.h"
#include "pgsrc.h"
#include "util/arrow.h"

struct pgscan {
    struct weir_pgconn *c;
    struct weir_pgshape shape;
    struct weir_pgcol *cols;
    int64_t *warned; /* clamped count already reported, per column */
    size_t *need;    /* per column: validity, values, offsets bytes of the last full batch */
    struct weir_pgcopy parser;
    struct weir_abatch batch;
    char *msg; /* the current CopyData message (PQfreemem) */
    size_t msg_len;
    size_t msg_off;
    int ended;  /* the COPY's end was read and checked */
    int failed; /* an error ended the scan; the COPY may still run */
    int64_t batches;
};

int weir_pg_describe(void *conn, const struct weir_query *q, struct ArrowSchema *schema,
                     struct weir_error *err)
{
    struct weir_pgshape sh;
    int rc = weir_pg_describe_shape(conn, q, &sh, err);
    if (rc == WEIR_OK) {
        rc = weir_pg_shape_schema(&sh, schema, err);
        weir_pgshape_free(&sh);
    }
    return rc;
}

int weir_pg_render_sql(void *conn, const struct weir_query *q, char *buf, size_t cap,
                       struct weir_error *err)
{
    struct weir_pgconn *c = conn;
    struct weir_pgshape sh;
    struct weir_pgsb sql = {0};
    int rc = weir_pg_describe_shape(c, q, &sh, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    rc = weir_pg_sql_copy(&sql, c->pg, q, &sh, err);
    if (rc == WEIR_OK && sql.len + 1 > cap) {
        rc = weir_error_set(err, WEIR_ENOMEM,
                            "the SQL (%zu bytes) does not fit the %zu-byte "
                            "buffer",
                            sql.len, cap);
    } else if (rc == WEIR_OK) {
        memcpy(buf, sql.p, sql.len + 1);
    }
    weir_pgsb_free(&sql);
    weir_pgshape_free(&sh);
    return rc;
}

/* Stops a COPY that is still sending: cancel it and drain what arrives. */
static void abandon_copy(struct pgscan *s)
{
    struct weir_pgconn *c = s->c;
    if (!c->in_copy) {
        return;
    }
    PGcancel *cancel = PQgetCancel(c->pg);
    char buf[256];
    if (cancel != NULL) {
        PQcancel(cancel, buf, sizeof(buf));
        PQfreeCancel(cancel);
    }
    char *m = NULL;
    while (PQgetCopyData(c->pg, &m, 0) > 0) {
        PQfreemem(m);
        m = NULL;
    }
    PGresult *res;
    while ((res = PQgetResult(c->pg)) != NULL) {
        PQclear(res);
    }
    c->in_copy = 0;
}

void weir_pg_scan_close(void *scan)
{
    struct pgscan *s = scan;
    if (s == NULL) {
        return;
    }
    if (s->msg != NULL) {
        PQfreemem(s->msg);
    }
    abandon_copy(s);
    weir_pgcopy_reset(&s->parser);
    weir_abatch_reset(&s->batch);
    weir_pgshape_free(&s->shape);
    free(s->cols);
    free(s->warned);
    free(s->need);
    free(s);
}

static int setup_batch(struct pgscan *s, struct weir_error *err)
{
    size_t n = s->shape.n_cols;
    s->cols = calloc(n ? n : 1, sizeof(*s->cols));
    s->warned = calloc(n ? n : 1, sizeof(*s->warned));
    s->need = calloc(3 * (n ? n : 1), sizeof(*s->need));
    if (s->cols == NULL || s->warned == NULL || s->need == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory opening a scan");
    }
    if (weir_abatch_init(&s->batch, (int64_t)n, err) != WEIR_OK) {
        return err->status;
    }
    for (size_t i = 0; i < n; i++) {
        const struct weir_pgshape_col *c = &s->shape.cols[i];
        s->cols[i].name = c->name;
        s->cols[i].dec = c->map.dec;
        s->cols[i].elem_dec = c->map.elem_dec;
        s->cols[i].precision = c->map.precision;
        s->cols[i].scale = c->map.scale;
        if (weir_pg_set_column(&s->batch, i, c, NULL, 0, err) != WEIR_OK) {
            return err->status;
        }
    }
    weir_pgcopy_init(&s->parser, s->cols, n, s->c->batch_rows, s->c->batch_bytes);
    return WEIR_OK;
}

int weir_pg_scan_open(void *conn, const struct weir_query *q, struct ArrowSchema *schema,
                      void **scan, struct weir_error *err)
{
    struct weir_pgconn *c = conn;
    struct weir_pgsb sql = {0};
    PGresult *res = NULL;
    struct pgscan *s = calloc(1, sizeof(*s));
    int rc;
    *scan = NULL;
    memset(schema, 0, sizeof(*schema));
    if (s == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory opening a scan");
    }
    s->c = c;
    if ((rc = weir_pg_idle(c, "scan", err)) != WEIR_OK ||
        (rc = weir_pg_describe_shape(c, q, &s->shape, err)) != WEIR_OK ||
        (rc = setup_batch(s, err)) != WEIR_OK ||
        (rc = weir_pg_sql_copy(&sql, c->pg, q, &s->shape, err)) != WEIR_OK ||
        (rc = weir_pg_shape_schema(&s->shape, schema, err)) != WEIR_OK) {
        goto cleanup;
    }
    res = PQexec(c->pg, sql.p);
    if (res == NULL || PQresultStatus(res) != PGRES_COPY_OUT) {
        char op[200];
        snprintf(op, sizeof(op), "copy %s", s->shape.label);
        rc = weir_pg_result_error(c, res, op, err);
        goto cleanup;
    }
    c->in_copy = 1;
    weir_pg_log(c, WEIR_LOG_DEBUG, "source_scan_open", "COPY of %s started, %zu columns",
                s->shape.label, s->shape.n_cols);
    *scan = s;
    s = NULL;
cleanup:
    PQclear(res);
    weir_pgsb_free(&sql);
    if (rc != WEIR_OK && schema->release != NULL) {
        schema->release(schema);
    }
    weir_pg_scan_close(s);
    return rc;
}

/* Reads the COPY's closing result once PQgetCopyData said the data ended. */
static int copy_end(struct pgscan *s, struct weir_error *err)
{
    struct weir_pgconn *c = s->c;
    PGresult *res = PQgetResult(c->pg);
    int rc = WEIR_OK;
    char op[200];
    snprintf(op, sizeof(op), "copy %s", s->shape.label);
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = weir_pg_result_error(c, res, op, err);
    }
    PQclear(res);
    while ((res = PQgetResult(c->pg)) != NULL) {
        PQclear(res);
    }
    c->in_copy = 0;
    if (rc == WEIR_OK && weir_pgcopy_finish(&s->parser, err) != WEIR_OK) {
        rc = err->status;
    }
    s->ended = 1;
    return rc;
}

static void report_clamps(struct pgscan *s)
{
    for (size_t i = 0; i < s->shape.n_cols; i++) {
        if (s->cols[i].clamped > 0 && s->warned[i] == 0) {
            s->warned[i] = s->cols[i].clamped;
            weir_pg_log(s->c, WEIR_LOG_WARN, "source_infinity_clamped",
                        "column \"%s\" of %s holds infinity or -infinity: written as %s",
                        s->cols[i].name, s->shape.label,
                        s->cols[i].dec == WEIR_PGDEC_DATE ? "9999-12-31 / 0001-01-01"
                                                          : "9999-12-31 23:59:59.999999 / "
                                                            "0001-01-01 00:00:00");
        }
    }
}

/* Fills the batch from pending bytes and new messages until it is full or
 * the COPY ends. */
static int fill(struct pgscan *s, struct weir_error *err)
{
    struct weir_pgconn *c = s->c;
    for (;;) {
        size_t used = 0;
        const uint8_t *d = s->msg ? (const uint8_t *)s->msg + s->msg_off : NULL;
        size_t n = s->msg ? s->msg_len - s->msg_off : 0;
        if (weir_pgcopy_feed(&s->parser, d, n, &s->batch, &used, err) != WEIR_OK) {
            return err->status;
        }
        s->msg_off += used;
        if (s->msg != NULL && s->msg_off == s->msg_len) {
            PQfreemem(s->msg);
            s->msg = NULL;
        }
        if (weir_pgcopy_full(&s->parser, &s->batch) || s->ended) {
            return WEIR_OK;
        }
        char *m = NULL;
        int got = PQgetCopyData(c->pg, &m, 0);
        if (got > 0) {
            s->msg = m;
            s->msg_len = (size_t)got;
            s->msg_off = 0;
        } else if (got == -1) {
            return copy_end(s, err);
        } else {
            char op[200];
            snprintf(op, sizeof(op), "copy %s", s->shape.label);
            PGresult *res = PQgetResult(c->pg);
            int rc = weir_pg_result_error(c, res, op, err);
            PQclear(res);
            if (PQstatus(c->pg) == CONNECTION_BAD) {
                c->in_copy = 0;
            }
            return rc;
        }
    }
}

/* Gives every column buffer the capacity the last full batch needed, from
 * calloc: the builder then neither reallocs (copying) nor zeroes (memset)
 * while the batch fills, and untouched pages of a short last batch cost
 * nothing. Buffers the builder would grow anyway stay as they are on failure. */
static void presize(struct pgscan *s, const size_t *need)
{
    for (int64_t i = 0; i < s->batch.n_cols; i++) {
        struct weir_acol *c = &s->batch.cols[i];
        struct weir_abuf *bufs[3] = {&c->validity, &c->values, &c->offsets};
        for (int k = 0; k < 3; k++) {
            size_t n = need[3 * i + k];
            if (bufs[k]->data != NULL || n == 0) {
                continue;
            }
            n += n / 8 + 64; /* slack for wider values in the next batch */
            if (n > s->c->batch_bytes + 64) {
                n = s->c->batch_bytes + 64;
            }
            uint8_t *p = calloc(1, n);
            if (p != NULL) {
                bufs[k]->data = p;
                bufs[k]->cap = n;
                bufs[k]->len = 0;
            }
        }
    }
}

int weir_pg_scan_next(void *scan, struct ArrowArray *batch, struct weir_error *err)
{
    struct pgscan *s = scan;
    memset(batch, 0, sizeof(*batch));
    if (s->failed) {
        return weir_error_set(err, WEIR_EINTERNAL, "scan_next after a failed scan_next");
    }
    const struct weir_host *h = s->c->host;
    if (h != NULL && h->cancelled != NULL && h->cancelled(h->ctx)) {
        s->failed = 1;
        return weir_error_set(err, WEIR_ECANCELLED, "scan of %s cancelled", s->shape.label);
    }
    if (fill(s, err) != WEIR_OK) {
        s->failed = 1;
        weir_abatch_reset(&s->batch);
        return err->status;
    }
    report_clamps(s);
    if (s->batch.length == 0) {
        return WEIR_OK; /* the end: batch->release stays NULL */
    }
    s->batches++;
    int full = weir_pgcopy_full(&s->parser, &s->batch);
    for (int64_t i = 0; full && i < s->batch.n_cols; i++) {
        s->need[3 * i] = s->batch.cols[i].validity.len;
        s->need[3 * i + 1] = s->batch.cols[i].values.len;
        s->need[3 * i + 2] = s->batch.cols[i].offsets.len;
    }
    if (weir_abatch_finish(&s->batch, batch, err) != WEIR_OK) {
        return err->status;
    }
    if (full) {
        presize(s, s->need);
    }
    return WEIR_OK;
}
