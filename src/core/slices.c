/* Parallel slices of one window; see slices.h. */
#include "core/slices.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define MAX_SLICES 64

struct worker {
    struct weir_slices *set;
    int index;
    void *conn; /* borrowed (slice 0: the job's connection) or owned */
    int own_conn;
    int in_snapshot;
    void *scan;
    struct weir_query q;
    pthread_t thread;
    int started;
};

struct weir_slices {
    const struct weir_source_ops *src;
    struct weir_jobctx *c;
    struct worker w[MAX_SLICES];
    int n;
    /* the queue of batches, guarded by mu */
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    struct ArrowArray *ring;
    int cap, head, count;
    int running; /* workers not yet at their end */
    int stop;    /* set by the consumer: workers stop at their next batch */
    int failed;
    struct weir_error first_err;
};

int weir_slices_supported(const struct weir_source_ops *src)
{
    return WEIR_HAS_MEMBER(src, struct weir_source_ops, snapshot_begin) && src->key_range != NULL &&
           src->snapshot_export != NULL && src->snapshot_begin != NULL;
}

/* Boundary k of n over [min, max]: min + span * k / n, without overflow. */
static int64_t boundary(int64_t min, int64_t max, int k, int n)
{
    unsigned __int128 span = (unsigned __int128)((__int128)max - (__int128)min) + 1;
    return (int64_t)((__int128)min + (__int128)(span * (unsigned)k / (unsigned)n));
}

static void fail(struct weir_slices *s, const struct weir_error *e)
{
    if (!s->failed) {
        s->failed = 1;
        s->first_err = *e;
    }
    s->stop = 1;
    pthread_cond_broadcast(&s->not_empty);
    pthread_cond_broadcast(&s->not_full);
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct weir_slices *s = w->set;
    struct weir_error e;
    memset(&e, 0, sizeof(e));
    for (;;) {
        pthread_mutex_lock(&s->mu);
        int stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop) {
            break;
        }
        struct ArrowArray batch;
        int rc = s->src->scan_next(w->scan, &batch, &e);
        pthread_mutex_lock(&s->mu);
        if (rc != WEIR_OK) {
            char msg[sizeof(e.message)];
            snprintf(msg, sizeof(msg), "%s", e.message);
            snprintf(e.message, sizeof(e.message), "slice %d: %s", w->index, msg);
            fail(s, &e);
            pthread_mutex_unlock(&s->mu);
            break;
        }
        if (batch.release == NULL) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        while (s->count == s->cap && !s->stop) {
            pthread_cond_wait(&s->not_full, &s->mu);
        }
        if (s->stop) {
            pthread_mutex_unlock(&s->mu);
            batch.release(&batch);
            break;
        }
        s->ring[(s->head + s->count) % s->cap] = batch; /* moved */
        s->count++;
        pthread_cond_signal(&s->not_empty);
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_lock(&s->mu);
    s->running--;
    pthread_cond_broadcast(&s->not_empty);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Connects slice i (> 0) and puts it in the exported snapshot. */
static int open_conn(struct weir_slices *s, struct worker *w, const char *snapshot,
                     struct weir_error *err)
{
    int rc = weir_jobctx_connect_another(s->c, &w->conn, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    w->own_conn = 1;
    if ((rc = s->src->snapshot_begin(w->conn, snapshot, err)) != WEIR_OK) {
        return rc;
    }
    w->in_snapshot = 1;
    return WEIR_OK;
}

int weir_slices_open(struct weir_jobctx *c, struct ArrowSchema *schema, struct weir_slices **out,
                     struct weir_error *err)
{
    const struct weir_spec_job *job = c->job;
    const char *column = job->slice_column.s;
    int64_t min = 0, max = 0;
    int32_t found = 0;
    char snapshot[256];
    *out = NULL;
    struct weir_slices *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    s->c = c;
    s->src = c->source.desc.source;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->not_empty, NULL);
    pthread_cond_init(&s->not_full, NULL);
    int rc = s->src->key_range(c->conn, &c->q, column, &min, &max, &found, err);
    if (rc == WEIR_ECONFIG) {
        char msg[sizeof(err->message)];
        snprintf(msg, sizeof(msg), "%s", err->message);
        snprintf(err->message, sizeof(err->message), "%s:%d:%d: jobs.%s.slices.column: %s",
                 c->spec->path, job->slice_column.pos.line, job->slice_column.pos.col, job->name.s,
                 msg);
    }
    if (rc != WEIR_OK) {
        goto fail;
    }
    int n = job->slice_count < MAX_SLICES ? job->slice_count : MAX_SLICES;
    if (!found) {
        n = 1; /* only NULL keys, or no rows: one slice reads them */
    } else if ((unsigned __int128)((__int128)max - (__int128)min) + 1 < (unsigned)n) {
        n = (int)(max - min + 1); /* fewer keys than slices */
    }
    if ((rc = s->src->snapshot_export(c->conn, snapshot, sizeof(snapshot), err)) != WEIR_OK) {
        goto fail;
    }
    s->n = n;
    s->cap = n;
    s->ring = calloc((size_t)s->cap, sizeof(*s->ring));
    if (s->ring == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
        goto fail;
    }
    json_t *bounds = json_array();
    for (int i = 0; i < n; i++) {
        struct worker *w = &s->w[i];
        w->set = s;
        w->index = i;
        w->q = c->q;
        w->q.size = sizeof(w->q);
        w->q.slice_column = found ? column : NULL;
        w->q.slice_flags = 0;
        if (found && i > 0) {
            w->q.slice_flags |= WEIR_SLICE_LO;
            w->q.slice_lo = boundary(min, max, i, n);
        }
        if (found && i < n - 1) {
            w->q.slice_flags |= WEIR_SLICE_HI;
            w->q.slice_hi = boundary(min, max, i + 1, n);
        }
        if (found && i == 0) {
            w->q.slice_flags |= WEIR_SLICE_NULLS;
        }
        json_array_append_new(bounds, json_pack("[I,I]", (json_int_t)(i > 0 ? w->q.slice_lo : min),
                                                (json_int_t)(i < n - 1 ? w->q.slice_hi - 1 : max)));
        if (i == 0) {
            w->conn = c->conn;
        } else if ((rc = open_conn(s, w, snapshot, err)) != WEIR_OK) {
            json_decref(bounds);
            goto fail;
        }
        struct ArrowSchema sch;
        memset(&sch, 0, sizeof(sch));
        if ((rc = s->src->scan_open(w->conn, &w->q, &sch, &w->scan, err)) != WEIR_OK) {
            json_decref(bounds);
            goto fail;
        }
        if (i == 0) {
            *schema = sch; /* moved */
        } else if (sch.release != NULL) {
            sch.release(&sch);
        }
    }
    weir_log_event(WEIR_LOG_INFO, "slices",
                   json_pack("{s:s,s:i,s:o}", "column", column, "count", n, "ranges", bounds),
                   "extracting %d slices of %s in parallel, one connection each, in one snapshot",
                   n, column);
    s->running = n;
    for (int i = 0; i < n; i++) {
        if (pthread_create(&s->w[i].thread, NULL, work, &s->w[i]) != 0) {
            pthread_mutex_lock(&s->mu);
            s->running -= n - i;
            s->stop = 1;
            pthread_mutex_unlock(&s->mu);
            rc = weir_error_set(err, WEIR_EINTERNAL, "cannot start a slice thread");
            goto fail;
        }
        s->w[i].started = 1;
    }
    *out = s;
    return WEIR_OK;
fail:
    if (schema->release != NULL) {
        schema->release(schema);
    }
    weir_slices_close(s);
    return rc;
}

int weir_slices_next(struct weir_slices *s, struct ArrowArray *batch, struct weir_error *err)
{
    memset(batch, 0, sizeof(*batch));
    pthread_mutex_lock(&s->mu);
    while (s->count == 0 && s->running > 0 && !s->failed) {
        pthread_cond_wait(&s->not_empty, &s->mu);
    }
    int rc = WEIR_OK;
    if (s->failed) {
        *err = s->first_err;
        rc = err->status;
    } else if (s->count > 0) {
        *batch = s->ring[s->head]; /* moved; release stays NULL only at the end */
        s->head = (s->head + 1) % s->cap;
        s->count--;
        pthread_cond_signal(&s->not_full);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void weir_slices_close(struct weir_slices *s)
{
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->not_full);
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < s->n; i++) {
        if (s->w[i].started) {
            pthread_join(s->w[i].thread, NULL);
        }
    }
    while (s->count > 0) {
        struct ArrowArray *b = &s->ring[s->head];
        if (b->release != NULL) {
            b->release(b);
        }
        s->head = (s->head + 1) % s->cap;
        s->count--;
    }
    struct weir_error ignored;
    for (int i = 0; i < s->n; i++) {
        struct worker *w = &s->w[i];
        if (w->scan != NULL) {
            s->src->scan_close(w->scan);
        }
        if (w->own_conn) {
            if (w->in_snapshot) {
                memset(&ignored, 0, sizeof(ignored));
                s->src->end(w->conn, &ignored);
            }
            s->src->disconnect(w->conn);
        }
    }
    free(s->ring);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->not_empty);
    pthread_cond_destroy(&s->not_full);
    free(s);
}
