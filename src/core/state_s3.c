/*
 * The S3 state store: <prefix><job>.json replaced with conditional writes
 * (If-Match on the ETag last read, If-None-Match: * when the job had no
 * state), so of two runs racing on one job only one can commit; the loser
 * gets WEIR_ELOCKED. The lock is a lease object <prefix><job>.lease created
 * with If-None-Match: * and naming holder, run id and expiry (now + 1 h):
 * it works across machines, and a lease left by a crashed run can be taken
 * over once expired (conditional on its ETag, so only one run takes it).
 *
 * A run longer than the lease keeps it: a renewal thread, with an S3
 * client of its own, rewrites the lease every third of its length,
 * conditional on the ETag it last wrote. When that write is refused the
 * lease was taken over (this run was presumed dead): the run is told at its
 * next state write, which fails with WEIR_ELOCKED, so it never commits over
 * the run that took over. WEIR_LEASE_SECONDS sets the length (default 3600,
 * at least 3).
 */
#include "core/state.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/s3.h"
#include "util/log.h"
#include "util/wtime.h"

#define MAX_JOBS 8
#define LEASE_SECONDS 3600

/* The renewal of one held lease. */
struct renewer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    int lost;     /* the renewal was refused: another run holds the lease */
    int renewals; /* successful renewals so far */
    struct weir_s3 *s3;
    char key[1300];
    char run_id[128];
    char etag[256]; /* of the lease as last written */
    char since[40];
    int seconds;
};

struct s3_store {
    struct weir_state_store base;
    struct weir_s3 *s3;
    char prefix[1024];
    struct {
        char job[128];
        char etag[256]; /* of the document last read or written; "" = absent */
        int known;      /* the job's document was read or written */
        char lease_etag[256];
        int leased;
        struct renewer *renew; /* while leased */
    } jobs[MAX_JOBS];
};

static int lease_lost(struct s3_store *st, int i);

static int lease_seconds(void)
{
    const char *v = getenv("WEIR_LEASE_SECONDS");
    char *end = NULL;
    long n = v != NULL ? strtol(v, &end, 10) : 0;
    if (v == NULL || end == v || *end != '\0' || n < 3 || n > 7 * 86400) {
        return LEASE_SECONDS;
    }
    return (int)n;
}

static int job_slot(struct s3_store *st, const char *job, struct weir_error *err)
{
    int free_slot = -1;
    for (int i = 0; i < MAX_JOBS; i++) {
        if (st->jobs[i].job[0] != '\0' && strcmp(st->jobs[i].job, job) == 0) {
            return i;
        }
        if (st->jobs[i].job[0] == '\0' && free_slot < 0) {
            free_slot = i;
        }
    }
    if (free_slot < 0 || strlen(job) >= sizeof(st->jobs[0].job)) {
        weir_error_set(err, WEIR_EINTERNAL, "too many jobs in one S3 state store");
        return -1;
    }
    snprintf(st->jobs[free_slot].job, sizeof(st->jobs[0].job), "%s", job);
    return free_slot;
}

static void key_of(const struct s3_store *st, const char *job, const char *ext, char *key,
                   size_t cap)
{
    snprintf(key, cap, "%s%s%s", st->prefix, job, ext);
}

static int s3st_read(struct weir_state_store *s, const char *job, json_t **doc,
                     struct weir_error *err)
{
    struct s3_store *st = (struct s3_store *)s;
    char key[1300];
    struct weir_bytes body;
    *doc = NULL;
    int i = job_slot(st, job, err);
    if (i < 0) {
        return err->status;
    }
    key_of(st, job, ".json", key, sizeof(key));
    weir_bytes_init(&body, 16 << 20);
    char etag[256] = "";
    int rc = weir_s3_get_object(st->s3, key, &body, etag, sizeof(etag), err);
    if (rc == WEIR_ENOINPUT) {
        st->jobs[i].etag[0] = '\0';
        st->jobs[i].known = 1;
        memset(err, 0, sizeof(*err));
        rc = WEIR_OK;
        goto done;
    }
    if (rc != WEIR_OK) {
        goto done;
    }
    json_error_t je;
    json_t *d = json_loadb(body.data != NULL ? body.data : "", body.len, 0, &je);
    if (d == NULL || !json_is_object(d) || json_integer_value(json_object_get(d, "version")) != 1) {
        json_decref(d);
        rc = weir_error_set(err, WEIR_EDATA, "state s3://%s/%s is not a weir state (version 1)",
                            st->s3->bucket, key);
        weir_error_hint(err, "inspect it; `weir state reset` starts the job over");
        goto done;
    }
    snprintf(st->jobs[i].etag, sizeof(st->jobs[i].etag), "%s", etag);
    st->jobs[i].known = 1;
    *doc = d;
done:
    weir_bytes_reset(&body, 0);
    return rc;
}

static int s3st_write(struct weir_state_store *s, const char *job, const json_t *doc,
                      struct weir_error *err)
{
    struct s3_store *st = (struct s3_store *)s;
    char key[1300], etag[256] = "";
    int i = job_slot(st, job, err);
    if (i < 0) {
        return err->status;
    }
    key_of(st, job, ".json", key, sizeof(key));
    if (lease_lost(st, i)) {
        weir_error_set(err, WEIR_ELOCKED, "the lease of job %s was taken over by another run", job);
        weir_error_detail(err,
                          "s3://%s/%s%s.lease was rewritten by someone else while this run "
                          "held it",
                          st->s3->bucket, st->prefix, job);
        return weir_error_hint(err, "this run stops without committing; check for a run that "
                                    "started while this one was stalled");
    }
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory encoding the state of %s", job);
    }
    struct weir_s3_put_opts o = {NULL, NULL, NULL, "application/json"};
    if (st->jobs[i].known && st->jobs[i].etag[0] != '\0') {
        o.if_match = st->jobs[i].etag;
    } else {
        /* Never read, or read as absent: only create. */
        o.if_none_match = "*";
    }
    int rc = weir_s3_put_object(st->s3, key, text, strlen(text), &o, etag, sizeof(etag), err);
    free(text);
    if (rc == WEIR_ELOCKED) {
        weir_error_set(err, WEIR_ELOCKED,
                       "state of job %s changed under this run (conditional write refused)", job);
        weir_error_detail(err, "s3://%s/%s %s", st->s3->bucket, key,
                          o.if_match != NULL ? "no longer has the ETag read"
                                             : "appeared meanwhile");
        return weir_error_hint(err, "another run of the job committed; rerun to continue from it");
    }
    if (rc == WEIR_OK) {
        snprintf(st->jobs[i].etag, sizeof(st->jobs[i].etag), "%s", etag);
        st->jobs[i].known = 1;
    }
    return rc;
}

/* Writes the lease: `since` is when the run first took it (NULL: now). */
static int put_lease_with(struct weir_s3 *s3, const char *key, const char *run_id,
                          const char *since, const char *if_match, int seconds, int renewals,
                          char *etag, size_t etag_cap, struct weir_error *err)
{
    char host[256] = "", now[40];
    gethostname(host, sizeof(host) - 1);
    weir_time_now_iso(now, sizeof(now));
    json_t *l = json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:i}", "holder", host, "pid",
                          (json_int_t)getpid(), "run_id", run_id, "since",
                          since != NULL ? since : now, "written", now, "expires",
                          (json_int_t)time(NULL) + seconds, "renewals", renewals);
    char *text = l != NULL ? json_dumps(l, JSON_COMPACT) : NULL;
    json_decref(l);
    if (text == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    struct weir_s3_put_opts o = {NULL, if_match, if_match == NULL ? "*" : NULL, "application/json"};
    int rc = weir_s3_put_object(s3, key, text, strlen(text), &o, etag, etag_cap, err);
    free(text);
    return rc;
}

static int put_lease(struct s3_store *st, int i, const char *key, const char *run_id,
                     const char *if_match, struct weir_error *err)
{
    return put_lease_with(st->s3, key, run_id, NULL, if_match, lease_seconds(), 0,
                          st->jobs[i].lease_etag, sizeof(st->jobs[i].lease_etag), err);
}

static void *renew_loop(void *arg)
{
    struct renewer *r = arg;
    int wait_s = r->seconds / 3 > 0 ? r->seconds / 3 : 1;
    pthread_mutex_lock(&r->mu);
    while (!r->stop && !r->lost) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += wait_s;
        int w = 0;
        while (!r->stop && w != ETIMEDOUT) {
            w = pthread_cond_timedwait(&r->cv, &r->mu, &until);
        }
        if (r->stop) {
            break;
        }
        char etag[256], new_etag[256] = "";
        snprintf(etag, sizeof(etag), "%s", r->etag);
        int renewals = r->renewals + 1;
        pthread_mutex_unlock(&r->mu);
        struct weir_error e;
        memset(&e, 0, sizeof(e));
        int rc = put_lease_with(r->s3, r->key, r->run_id, r->since, etag, r->seconds, renewals,
                                new_etag, sizeof(new_etag), &e);
        pthread_mutex_lock(&r->mu);
        if (rc == WEIR_OK) {
            snprintf(r->etag, sizeof(r->etag), "%s", new_etag);
            r->renewals = renewals;
            wait_s = r->seconds / 3 > 0 ? r->seconds / 3 : 1;
        } else if (rc == WEIR_ELOCKED) {
            r->lost = 1;
            weir_log_event(WEIR_LOG_ERROR, "lease_lost", json_pack("{s:s}", "lease", r->key),
                           "the job's lease was taken over by another run; this run will not "
                           "commit");
        } else {
            /* a passing failure: try again soon, well before the lease runs out */
            weir_log_event(WEIR_LOG_WARN, "lease_renew_failed",
                           json_pack("{s:s, s:s}", "lease", r->key, "detail", e.message),
                           "renewing the job's lease failed; retrying");
            wait_s = r->seconds / 10 > 0 ? r->seconds / 10 : 1;
        }
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* Starts renewing the lease job slot i holds; without it (no thread, no
 * client) the lease still protects runs shorter than its length. */
static void renew_start(struct s3_store *st, int i, const char *key, const char *run_id)
{
    struct renewer *r = calloc(1, sizeof(*r));
    struct weir_error e;
    memset(&e, 0, sizeof(e));
    if (r == NULL || weir_s3_open(st->s3->bucket, &r->s3, &e) != WEIR_OK) {
        weir_log_event(WEIR_LOG_WARN, "lease_renew_off", NULL, "the lease will not be renewed: %s",
                       r == NULL ? "out of memory" : e.message);
        free(r);
        return;
    }
    snprintf(r->key, sizeof(r->key), "%s", key);
    snprintf(r->run_id, sizeof(r->run_id), "%s", run_id);
    snprintf(r->etag, sizeof(r->etag), "%s", st->jobs[i].lease_etag);
    r->seconds = lease_seconds();
    weir_time_now_iso(r->since, sizeof(r->since));
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    if (pthread_create(&r->thread, NULL, renew_loop, r) != 0) {
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cv);
        weir_s3_free(r->s3);
        free(r);
        return;
    }
    st->jobs[i].renew = r;
}

/* Stops the renewal; returns whether the lease was lost meanwhile. */
static int renew_stop(struct s3_store *st, int i)
{
    struct renewer *r = st->jobs[i].renew;
    if (r == NULL) {
        return 0;
    }
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    int lost = r->lost;
    snprintf(st->jobs[i].lease_etag, sizeof(st->jobs[i].lease_etag), "%s", r->etag);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    weir_s3_free(r->s3);
    free(r);
    st->jobs[i].renew = NULL;
    return lost;
}

static int lease_lost(struct s3_store *st, int i)
{
    struct renewer *r = st->jobs[i].renew;
    if (r == NULL) {
        return 0;
    }
    pthread_mutex_lock(&r->mu);
    int lost = r->lost;
    pthread_mutex_unlock(&r->mu);
    return lost;
}

static int s3st_lock(struct weir_state_store *s, const char *job, const char *run_id,
                     struct weir_error *err)
{
    struct s3_store *st = (struct s3_store *)s;
    char key[1300], etag[256] = "";
    struct weir_bytes body;
    int i = job_slot(st, job, err);
    if (i < 0) {
        return err->status;
    }
    key_of(st, job, ".lease", key, sizeof(key));
    int rc = put_lease(st, i, key, run_id, NULL, err);
    if (rc != WEIR_ELOCKED) {
        st->jobs[i].leased = rc == WEIR_OK;
        if (rc == WEIR_OK) {
            renew_start(st, i, key, run_id);
        }
        return rc;
    }
    /* Held: read it to name the holder, and take it over when it expired. */
    memset(err, 0, sizeof(*err));
    weir_bytes_init(&body, 1 << 20);
    rc = weir_s3_get_object(st->s3, key, &body, etag, sizeof(etag), err);
    json_t *l = NULL;
    if (rc == WEIR_OK) {
        l = json_loadb(body.data != NULL ? body.data : "", body.len, 0, NULL);
    }
    weir_bytes_reset(&body, 0);
    if (rc == WEIR_ENOINPUT) {
        /* Released between our two calls: try once more. */
        memset(err, 0, sizeof(*err));
        rc = put_lease(st, i, key, run_id, NULL, err);
    } else if (rc == WEIR_OK) {
        json_int_t expires = json_integer_value(json_object_get(l, "expires"));
        if (l == NULL || expires < (json_int_t)time(NULL)) {
            rc = put_lease(st, i, key, run_id, etag, err);
        } else {
            weir_error_set(err, WEIR_ELOCKED, "job %s is already running", job);
            weir_error_detail(err, "lease s3://%s/%s held by %s (pid %lld), run %s, since %s",
                              st->s3->bucket, key,
                              json_string_value(json_object_get(l, "holder")) ?: "?",
                              (long long)json_integer_value(json_object_get(l, "pid")),
                              json_string_value(json_object_get(l, "run_id")) ?: "?",
                              json_string_value(json_object_get(l, "since")) ?: "?");
            weir_error_hint(err, "wait for that run to finish; a lease left by a crashed run "
                                 "expires after an hour");
            rc = WEIR_ELOCKED;
        }
    }
    if (rc == WEIR_ELOCKED && err->message[0] == '\0') {
        weir_error_set(err, WEIR_ELOCKED, "job %s is already running (lease taken meanwhile)", job);
    }
    json_decref(l);
    st->jobs[i].leased = rc == WEIR_OK;
    if (rc == WEIR_OK) {
        renew_start(st, i, key, run_id);
    }
    return rc;
}

static void s3st_unlock(struct weir_state_store *s, const char *job)
{
    struct s3_store *st = (struct s3_store *)s;
    char key[1300];
    struct weir_error e;
    memset(&e, 0, sizeof(e));
    for (int i = 0; i < MAX_JOBS; i++) {
        if (st->jobs[i].leased && strcmp(st->jobs[i].job, job) == 0) {
            key_of(st, job, ".lease", key, sizeof(key));
            /* A lease taken over is the other run's now: leave it. A failed
             * delete leaves a lease that expires on its own. */
            if (!renew_stop(st, i)) {
                (void)weir_s3_delete_object(st->s3, key, NULL, &e);
            }
            st->jobs[i].leased = 0;
        }
    }
}

static void s3st_free(struct weir_state_store *s)
{
    struct s3_store *st = (struct s3_store *)s;
    if (st == NULL) {
        return;
    }
    for (int i = 0; i < MAX_JOBS; i++) {
        renew_stop(st, i);
    }
    weir_s3_free(st->s3);
    free(st);
}

static const struct weir_state_store_ops s3_store_ops = {
    .read = s3st_read,
    .write = s3st_write,
    .lock = s3st_lock,
    .unlock = s3st_unlock,
    .free = s3st_free,
};

int weir_state_s3_open(const char *location, struct weir_state_store **out, struct weir_error *err)
{
    char bucket[256];
    *out = NULL;
    struct s3_store *st = calloc(1, sizeof(*st));
    if (st == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    int rc = weir_s3_parse_location(location, bucket, sizeof(bucket), st->prefix,
                                    sizeof(st->prefix), err);
    if (rc == WEIR_OK) {
        rc = weir_s3_open(bucket, &st->s3, err);
    }
    if (rc != WEIR_OK) {
        s3st_free(&st->base);
        return rc;
    }
    st->base.ops = &s3_store_ops;
    snprintf(st->base.location, sizeof(st->base.location), "s3://%s/%s", bucket, st->prefix);
    *out = &st->base;
    return WEIR_OK;
}
