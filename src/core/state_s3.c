/*
 * The S3 state store: <prefix><job>.json replaced with conditional writes
 * (If-Match on the ETag last read, If-None-Match: * when the job had no
 * state), so of two runs racing on one job only one can commit; the loser
 * gets WEIR_ELOCKED. The lock is a lease object <prefix><job>.lease created
 * with If-None-Match: * and naming holder, run id and expiry (now + 1 h):
 * it works across machines, and a lease left by a crashed run can be taken
 * over once expired (conditional on its ETag, so only one run takes it).
 */
#include "core/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/s3.h"
#include "util/wtime.h"

#define MAX_JOBS 8
#define LEASE_SECONDS 3600

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
    } jobs[MAX_JOBS];
};

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
    struct weir_abuf body;
    *doc = NULL;
    int i = job_slot(st, job, err);
    if (i < 0) {
        return err->status;
    }
    key_of(st, job, ".json", key, sizeof(key));
    weir_abuf_init(&body, 16 << 20);
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
    weir_abuf_reset(&body, 0);
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

static int put_lease(struct s3_store *st, int i, const char *key, const char *run_id,
                     const char *if_match, struct weir_error *err)
{
    char host[256] = "", now[40];
    gethostname(host, sizeof(host) - 1);
    weir_time_now_iso(now, sizeof(now));
    json_t *l = json_pack("{s:s, s:I, s:s, s:s, s:I}", "holder", host, "pid", (json_int_t)getpid(),
                          "run_id", run_id, "since", now, "expires",
                          (json_int_t)time(NULL) + LEASE_SECONDS);
    char *text = l != NULL ? json_dumps(l, JSON_COMPACT) : NULL;
    json_decref(l);
    if (text == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    struct weir_s3_put_opts o = {NULL, if_match, if_match == NULL ? "*" : NULL, "application/json"};
    int rc = weir_s3_put_object(st->s3, key, text, strlen(text), &o, st->jobs[i].lease_etag,
                                sizeof(st->jobs[i].lease_etag), err);
    free(text);
    return rc;
}

static int s3st_lock(struct weir_state_store *s, const char *job, const char *run_id,
                     struct weir_error *err)
{
    struct s3_store *st = (struct s3_store *)s;
    char key[1300], etag[256] = "";
    struct weir_abuf body;
    int i = job_slot(st, job, err);
    if (i < 0) {
        return err->status;
    }
    key_of(st, job, ".lease", key, sizeof(key));
    int rc = put_lease(st, i, key, run_id, NULL, err);
    if (rc != WEIR_ELOCKED) {
        st->jobs[i].leased = rc == WEIR_OK;
        return rc;
    }
    /* Held: read it to name the holder, and take it over when it expired. */
    memset(err, 0, sizeof(*err));
    weir_abuf_init(&body, 1 << 20);
    rc = weir_s3_get_object(st->s3, key, &body, etag, sizeof(etag), err);
    json_t *l = NULL;
    if (rc == WEIR_OK) {
        l = json_loadb(body.data != NULL ? body.data : "", body.len, 0, NULL);
    }
    weir_abuf_reset(&body, 0);
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
            /* A failed delete leaves a lease that expires on its own. */
            (void)weir_s3_delete_object(st->s3, key, NULL, &e);
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
