/*
 * The S3 sink. A file is buffered up to one part; a file that ends within
 * the first part is one PutObject, a larger one a multipart upload whose
 * parts go up as they fill, up to UPLOADERS at once (each uploader its own
 * HTTP client, so its own connection). Memory is bounded by
 * (UPLOADERS + 1) × part size. The object appears only at
 * CompleteMultipartUpload, sent once every part succeeded; any failure
 * aborts the upload, so nothing half-written is ever visible.
 *
 * Files may be written and committed from several threads at once between
 * fan(1) and fan(0) (a partitioned run ends its 2,000 files eight at a
 * time: one PutObject after the other took a round trip each): each thread
 * then calls through an HTTP client of its own, with credentials fetched
 * under the sink's lock (the session's credential chain is one thread's).
 * fan(1) first finds the bucket's region with HeadBucket on the session's
 * client, since calls through other clients never move it. A partitioned
 * run also writes from its encoder threads within fan(1)..fan(0), so an
 * encoder whose row group fills a part sends it with its own client.
 *
 * The part size is 8 MiB, or WEIR_S3_PART_SIZE ("16MiB"; 64 KiB to 5 GiB):
 * larger parts for objects beyond 80 GB (S3 takes 10,000 parts), smaller
 * than S3's 5 MiB minimum only for stores that allow it (the tests' s3rver).
 */
#include "core/sink.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/s3.h"
#include "spec/spec.h"
#include "util/log.h"

#define UPLOADERS 4
#define DEFAULT_PART ((size_t)8 << 20)

struct s3_sink {
    struct weir_sink base;
    struct weir_s3 *s3;
    char prefix[1024];
    char kms[512];
    size_t part_size;
    pthread_mutex_t mu; /* the session's credentials */
    int fanning;        /* between fan(1) and fan(0) */
    int settled;        /* HeadBucket found the bucket's region */
};

/* ---- calls from several threads (see the top) ---- */

static pthread_key_t lane_key; /* a thread's own HTTP client during a fan-out */
static pthread_once_t lane_once = PTHREAD_ONCE_INIT;
static int lane_ready;

static void lane_free(void *http)
{
    weir_aws_http_free(http);
}

static void lane_init(void)
{
    lane_ready = pthread_key_create(&lane_key, lane_free) == 0;
}

static int sink_creds(struct s3_sink *s, struct weir_aws_creds *creds, struct weir_error *err)
{
    pthread_mutex_lock(&s->mu);
    int rc = weir_aws_session_creds(s->s3->session, creds, err);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* The client and credentials of one call: the session's (NULL, NULL)
 * outside a fan-out, this thread's own during one. */
struct lane {
    struct weir_aws_http *http;
    struct weir_aws_creds creds;
    const struct weir_aws_creds *c;
};

static int lane_get(struct s3_sink *s, struct lane *ln, struct weir_error *err)
{
    memset(ln, 0, sizeof(*ln));
    if (!s->fanning) {
        return WEIR_OK;
    }
    ln->http = pthread_getspecific(lane_key);
    if (ln->http == NULL) {
        int rc = weir_aws_http_new(NULL, &ln->http, err);
        if (rc != WEIR_OK) {
            return rc;
        }
        pthread_setspecific(lane_key, ln->http);
    }
    int rc = sink_creds(s, &ln->creds, err);
    ln->c = rc == WEIR_OK ? &ln->creds : NULL;
    return rc;
}

static void lane_put(struct lane *ln)
{
    weir_aws_creds_reset(&ln->creds);
}

static int s3_fan(struct weir_sink *base, int on, struct weir_error *err)
{
    struct s3_sink *s = (struct s3_sink *)base;
    if (!on) {
        s->fanning = 0;
        /* the caller's client (the other threads' went with them) */
        if (lane_ready && pthread_getspecific(lane_key) != NULL) {
            weir_aws_http_free(pthread_getspecific(lane_key));
            pthread_setspecific(lane_key, NULL);
        }
        return WEIR_OK;
    }
    pthread_once(&lane_once, lane_init);
    if (!lane_ready) {
        return weir_error_set(err, WEIR_EINTERNAL, "no thread-local key for S3 clients");
    }
    if (!s->settled) {
        if (weir_s3_head_bucket(s->s3, err) != WEIR_OK) {
            return err->status;
        }
        s->settled = 1;
    }
    s->fanning = 1;
    return WEIR_OK;
}

struct slot {
    struct weir_sink_file *f;
    pthread_t thread;
    int busy;
    struct weir_aws_http *http; /* this uploader's own connection */
    struct weir_aws_creds creds;
    unsigned char *buf;
    size_t len;
    int part;
    int rc;
    struct weir_error err;
};

struct weir_sink_file {
    struct s3_sink *sink;
    char key[2048];
    char upload_id[1024];
    unsigned char *buf; /* the part being filled */
    size_t len, cap;
    int parts;    /* parts dispatched */
    char **etags; /* etags[i]: part i+1 */
    int etags_cap;
    struct slot slots[UPLOADERS];
    int next_slot;
    int failed;
    struct weir_error first_err;
};

static void *uploader(void *arg)
{
    struct slot *sl = arg;
    struct weir_sink_file *f = sl->f;
    char etag[256] = "";
    sl->rc = weir_s3_upload_part(f->sink->s3, sl->http, &sl->creds, f->key, f->upload_id, sl->part,
                                 sl->buf, sl->len, etag, sizeof(etag), &sl->err);
    if (sl->rc == WEIR_OK) {
        /* Each slot writes only its own part's entry; the array is not resized meanwhile. */
        f->etags[sl->part - 1] = strdup(etag);
        if (f->etags[sl->part - 1] == NULL) {
            sl->rc = weir_error_set(&sl->err, WEIR_ENOMEM, "out of memory");
        }
    }
    return NULL;
}

/* Waits for a slot's part; records the first failure. */
static void join_slot(struct weir_sink_file *f, struct slot *sl)
{
    if (!sl->busy) {
        return;
    }
    pthread_join(sl->thread, NULL);
    sl->busy = 0;
    weir_aws_creds_reset(&sl->creds);
    if (sl->rc != WEIR_OK && !f->failed) {
        f->failed = 1;
        f->first_err = sl->err;
    }
}

static void join_all(struct weir_sink_file *f)
{
    for (int i = 0; i < UPLOADERS; i++) {
        join_slot(f, &f->slots[i]);
    }
}

/* Hands the filled buffer to an uploader (starting the upload on the first part). */
static int dispatch(struct weir_sink_file *f, struct weir_error *err)
{
    struct s3_sink *s = f->sink;
    int rc;
    if (f->upload_id[0] == '\0') {
        struct weir_s3_put_opts o = {s->kms[0] ? s->kms : NULL, NULL, NULL, NULL};
        struct lane ln;
        if ((rc = lane_get(s, &ln, err)) == WEIR_OK) {
            rc = weir_s3_create_multipart_via(s->s3, ln.http, ln.c, f->key, &o, f->upload_id,
                                              sizeof(f->upload_id), err);
        }
        lane_put(&ln);
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    if (f->parts >= WEIR_S3_MAX_PARTS) {
        return weir_error_set(err, WEIR_EDATA, "s3://%s/%s: more than %d parts", s->s3->bucket,
                              f->key, WEIR_S3_MAX_PARTS);
    }
    /* Grow the ETag array before any thread that may write into it is started. */
    if (f->parts >= f->etags_cap) {
        join_all(f);
        int ncap = f->etags_cap ? f->etags_cap * 2 : 64;
        char **n = realloc(f->etags, (size_t)ncap * sizeof(*n));
        if (n == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory");
        }
        memset(n + f->etags_cap, 0, (size_t)(ncap - f->etags_cap) * sizeof(*n));
        f->etags = n;
        f->etags_cap = ncap;
    }
    struct slot *sl = &f->slots[f->next_slot];
    f->next_slot = (f->next_slot + 1) % UPLOADERS;
    join_slot(f, sl);
    if (f->failed) {
        *err = f->first_err;
        return err->status;
    }
    if (sl->http == NULL && (rc = weir_aws_http_new(NULL, &sl->http, err)) != WEIR_OK) {
        return rc;
    }
    /* The credential chain is single-threaded: fetch here, hand a copy to the thread. */
    if ((rc = sink_creds(s, &sl->creds, err)) != WEIR_OK) {
        return rc;
    }
    unsigned char *spare = sl->buf;
    sl->f = f;
    sl->buf = f->buf;
    sl->len = f->len;
    sl->part = ++f->parts;
    sl->rc = WEIR_OK;
    memset(&sl->err, 0, sizeof(sl->err));
    f->buf = spare;
    f->len = 0;
    f->cap = weir_s3_part_size(s->part_size, f->parts + 1);
    if (f->buf != NULL) {
        unsigned char *nb = realloc(f->buf, f->cap);
        if (nb == NULL) {
            free(f->buf);
        }
        f->buf = nb;
    } else {
        f->buf = malloc(f->cap);
    }
    if (pthread_create(&sl->thread, NULL, uploader, sl) != 0) {
        weir_aws_creds_reset(&sl->creds);
        f->parts--;
        return weir_error_set(err, WEIR_EINTERNAL, "cannot start an S3 upload thread");
    }
    sl->busy = 1;
    if (f->buf == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory for an S3 part buffer");
    }
    return WEIR_OK;
}

static void file_free(struct weir_sink_file *f)
{
    join_all(f);
    for (int i = 0; i < UPLOADERS; i++) {
        free(f->slots[i].buf);
        weir_aws_http_free(f->slots[i].http);
    }
    for (int i = 0; i < f->etags_cap; i++) {
        free(f->etags[i]);
    }
    free(f->etags);
    free(f->buf);
    free(f);
}

static int s3_open_file(struct weir_sink *base, const char *path, struct weir_sink_file **out,
                        struct weir_error *err)
{
    struct s3_sink *s = (struct s3_sink *)base;
    *out = NULL;
    if (path[0] == '/' || strstr(path, "..") != NULL) {
        return weir_error_set(err, WEIR_EINTERNAL, "bad sink path %s", path);
    }
    struct weir_sink_file *f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    f->sink = s;
    int n = snprintf(f->key, sizeof(f->key), "%s%s", s->prefix, path);
    f->cap = s->part_size;
    f->buf = malloc(f->cap);
    if (n < 0 || (size_t)n >= sizeof(f->key) || f->buf == NULL) {
        file_free(f);
        return weir_error_set(err, WEIR_ENOMEM, "S3 key too long or out of memory");
    }
    *out = f;
    return WEIR_OK;
}

static int s3_write(struct weir_sink_file *f, const void *data, size_t len, struct weir_error *err)
{
    const unsigned char *p = data;
    while (len > 0) {
        size_t room = f->cap - f->len;
        size_t n = len < room ? len : room;
        memcpy(f->buf + f->len, p, n);
        f->len += n;
        p += n;
        len -= n;
        if (f->len == f->cap) {
            int rc = dispatch(f, err);
            if (rc != WEIR_OK) {
                return rc;
            }
        }
    }
    return WEIR_OK;
}

static void s3_abort(struct weir_sink_file *f)
{
    if (f == NULL) {
        return;
    }
    join_all(f);
    if (f->upload_id[0] != '\0') {
        struct weir_error e;
        memset(&e, 0, sizeof(e));
        /* Best effort: a failed abort leaves parts S3 lifecycle rules clean up; the
         * object itself never became visible. */
        struct lane ln;
        if (lane_get(f->sink, &ln, &e) == WEIR_OK) {
            (void)weir_s3_abort_multipart_via(f->sink->s3, ln.http, ln.c, f->key, f->upload_id,
                                              &e);
        }
        lane_put(&ln);
    }
    file_free(f);
}

static int s3_commit(struct weir_sink_file *f, struct weir_error *err)
{
    struct s3_sink *s = f->sink;
    int rc = WEIR_OK;
    struct lane ln;
    if (f->upload_id[0] == '\0') {
        struct weir_s3_put_opts o = {s->kms[0] ? s->kms : NULL, NULL, NULL, NULL};
        if ((rc = lane_get(s, &ln, err)) == WEIR_OK) {
            rc = weir_s3_put_object_via(s->s3, ln.http, ln.c, f->key, f->buf, f->len, &o, NULL, 0,
                                        err);
        }
        lane_put(&ln);
        file_free(f);
        return rc;
    }
    if (f->len > 0) {
        rc = dispatch(f, err);
    }
    join_all(f);
    if (rc == WEIR_OK && f->failed) {
        *err = f->first_err;
        rc = err->status;
    }
    if (rc == WEIR_OK && s->base.cancel != NULL && *s->base.cancel) {
        /* SIGTERM while the parts were uploading: the object must not appear */
        rc = weir_error_set(err, WEIR_ECANCELLED, "upload of s3://%s/%s cancelled by a signal",
                            s->s3->bucket, f->key);
    }
    if (rc == WEIR_OK) {
        if ((rc = lane_get(s, &ln, err)) == WEIR_OK) {
            rc = weir_s3_complete_multipart_via(s->s3, ln.http, ln.c, f->key, f->upload_id,
                                                f->etags, f->parts, err);
        }
        lane_put(&ln);
    }
    if (rc != WEIR_OK) {
        s3_abort(f);
        return rc;
    }
    file_free(f);
    return WEIR_OK;
}

struct stale_ctx {
    struct s3_sink *sink;
    const char *key;
    const char *path;
};

static int abort_stale(void *ud, const char *key, const char *upload_id, struct weir_error *err)
{
    (void)err;
    struct stale_ctx *sc = ud;
    if (strcmp(key, sc->key) != 0) {
        return WEIR_OK; /* a longer key under the same prefix */
    }
    struct weir_error e;
    weir_error_clear(&e);
    if (weir_s3_abort_multipart(sc->sink->s3, key, upload_id, &e) == WEIR_OK) {
        weir_log_event(WEIR_LOG_INFO, "s3_upload_aborted",
                       json_pack("{s:s, s:s}", "key", key, "upload_id", upload_id),
                       "aborted the unfinished multipart upload of %s%s", sc->sink->base.root,
                       sc->path);
    } else {
        weir_log_event(WEIR_LOG_WARN, "s3_upload_abort_failed",
                       json_pack("{s:s, s:s}", "key", key, "detail", e.detail),
                       "could not abort the unfinished multipart upload of %s%s: %s",
                       sc->sink->base.root, sc->path, e.message);
    }
    return WEIR_OK;
}

static int s3_remove(struct weir_sink *base, const char *path, struct weir_error *err)
{
    struct s3_sink *s = (struct s3_sink *)base;
    char key[2048];
    snprintf(key, sizeof(key), "%s%s", s->prefix, path);
    return weir_s3_delete_object(s->s3, key, NULL, err);
}

/*
 * Aborts any multipart upload of the key still in progress: a run killed
 * mid-upload (SIGKILL, a lost machine) cannot abort its own, and its parts
 * would be billed until a lifecycle rule removed them. The recovery of the
 * killed run's intent calls this for each of its files. One
 * ListMultipartUploads (prefix = the key) a file; a listing refused (no
 * s3:ListBucketMultipartUploads) is logged and the run goes on.
 */
static void s3_abandon(struct weir_sink *base, const char *path)
{
    struct s3_sink *s = (struct s3_sink *)base;
    char key[2048];
    snprintf(key, sizeof(key), "%s%s", s->prefix, path);
    struct stale_ctx sc = {s, key, path};
    struct weir_error e;
    weir_error_clear(&e);
    if (weir_s3_list_uploads(s->s3, key, abort_stale, &sc, &e) != WEIR_OK) {
        weir_log_event(WEIR_LOG_WARN, "s3_uploads_unlisted", json_pack("{s:s}", "detail", e.detail),
                       "could not look for unfinished uploads of %s%s (%s); a lifecycle rule "
                       "with AbortIncompleteMultipartUpload cleans them up",
                       s->base.root, path, e.message);
    }
}

struct list_ctx {
    size_t skip;
    weir_sink_list_fn fn;
    void *ctx;
};

static int list_one(void *ud, const char *key, struct weir_error *err)
{
    struct list_ctx *lc = ud;
    if (strlen(key) <= lc->skip) {
        return WEIR_OK;
    }
    return lc->fn(lc->ctx, key + lc->skip, err);
}

static int s3_list(struct weir_sink *base, const char *prefix, weir_sink_list_fn fn, void *ctx,
                   struct weir_error *err)
{
    struct s3_sink *s = (struct s3_sink *)base;
    char full[2048];
    snprintf(full, sizeof(full), "%s%s", s->prefix, prefix);
    struct list_ctx lc = {strlen(s->prefix), fn, ctx};
    return weir_s3_list(s->s3, full, list_one, &lc, err);
}

static uint64_t s3_held(struct weir_sink_file *f)
{
    uint64_t n = f->len;
    for (int i = 0; i < UPLOADERS; i++) {
        n += f->slots[i].buf != NULL ? f->slots[i].len : 0;
    }
    return n;
}

struct purge_ctx {
    struct s3_sink *sink;
    const char *name_prefix;
    json_t *keys;
    size_t aborted;
};

static int base_matches(const char *key, const char *name_prefix)
{
    const char *slash = strrchr(key, '/');
    const char *base = slash != NULL ? slash + 1 : key;
    return strncmp(base, name_prefix, strlen(name_prefix)) == 0;
}

static int purge_key(void *ud, const char *key, struct weir_error *err)
{
    (void)err;
    struct purge_ctx *pc = ud;
    if (base_matches(key, pc->name_prefix)) {
        json_array_append_new(pc->keys, json_string(key));
    }
    return WEIR_OK;
}

static int purge_upload(void *ud, const char *key, const char *upload_id, struct weir_error *err)
{
    struct purge_ctx *pc = ud;
    if (!base_matches(key, pc->name_prefix)) {
        return WEIR_OK;
    }
    if (weir_s3_abort_multipart(pc->sink->s3, key, upload_id, err) != WEIR_OK) {
        return err->status;
    }
    pc->aborted++;
    weir_log_event(WEIR_LOG_INFO, "s3_upload_aborted",
                   json_pack("{s:s, s:s}", "key", key, "upload_id", upload_id),
                   "aborted the unfinished multipart upload of s3://%s/%s", pc->sink->s3->bucket,
                   key);
    return WEIR_OK;
}

/* One ListObjectsV2 and one ListMultipartUploads walk of the prefix, however
 * many files the dead run wrote. */
static int s3_purge(struct weir_sink *base, const char *prefix, const char *name_prefix,
                    size_t *removed, struct weir_error *err)
{
    struct s3_sink *s = (struct s3_sink *)base;
    char full[2048];
    snprintf(full, sizeof(full), "%s%s", s->prefix, prefix);
    struct purge_ctx pc = {s, name_prefix, json_array(), 0};
    int rc = pc.keys != NULL ? weir_s3_list(s->s3, full, purge_key, &pc, err)
                             : weir_error_set(err, WEIR_ENOMEM, "out of memory");
    size_t i;
    json_t *v;
    json_array_foreach(pc.keys, i, v)
    {
        if (rc == WEIR_OK) {
            rc = weir_s3_delete_object(s->s3, json_string_value(v), NULL, err);
        }
    }
    if (removed != NULL) {
        *removed = rc == WEIR_OK ? json_array_size(pc.keys) : 0;
    }
    json_decref(pc.keys);
    if (rc == WEIR_OK) {
        struct weir_error e;
        weir_error_clear(&e);
        if (weir_s3_list_uploads(s->s3, full, purge_upload, &pc, &e) != WEIR_OK) {
            weir_log_event(WEIR_LOG_WARN, "s3_uploads_unlisted",
                           json_pack("{s:s}", "detail", e.detail),
                           "could not look for unfinished uploads under %s%s (%s); a lifecycle "
                           "rule with AbortIncompleteMultipartUpload cleans them up",
                           s->base.root, prefix, e.message);
        }
    }
    return rc;
}

static void s3_free(struct weir_sink *base)
{
    struct s3_sink *s = (struct s3_sink *)base;
    if (s == NULL) {
        return;
    }
    weir_s3_free(s->s3);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static const struct weir_sink_ops s3_ops = {
    s3_open_file, s3_write, s3_commit, s3_abort, s3_remove, s3_list, s3_abandon, s3_free,
    s3_held, s3_purge, NULL, /* park: an S3 file holds no descriptor */
    1, /* concurrent: within fan(1) .. fan(0) */
    1, /* buffered: writes are copied into the part being filled */
    s3_fan,
};

void weir_sink_s3_set_part_size(struct weir_sink *sink, size_t part_size)
{
    if (sink != NULL && sink->ops == &s3_ops && part_size > 0) {
        ((struct s3_sink *)sink)->part_size = part_size;
    }
}

int weir_sink_s3_open(const char *location, const char *kms_key_id, struct weir_sink **out,
                      struct weir_error *err)
{
    char bucket[256];
    *out = NULL;
    struct s3_sink *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&s->mu, NULL);
    int rc =
        weir_s3_parse_location(location, bucket, sizeof(bucket), s->prefix, sizeof(s->prefix), err);
    if (rc == WEIR_OK && kms_key_id != NULL &&
        (size_t)snprintf(s->kms, sizeof(s->kms), "%s", kms_key_id) >= sizeof(s->kms)) {
        rc = weir_error_set(err, WEIR_ECONFIG, "KMS key id too long");
    }
    if (rc == WEIR_OK) {
        rc = weir_s3_open(bucket, &s->s3, err);
    }
    if (rc != WEIR_OK) {
        s3_free(&s->base);
        return rc;
    }
    s->part_size = DEFAULT_PART;
    const char *ps = getenv("WEIR_S3_PART_SIZE");
    if (ps != NULL && ps[0] != '\0') {
        uint64_t n = weir_spec_parse_size(ps);
        if (n < ((uint64_t)64 << 10) || n > ((uint64_t)5 << 30)) {
            s3_free(&s->base);
            weir_error_set(err, WEIR_ECONFIG,
                           "WEIR_S3_PART_SIZE: \"%.40s\" is not a part size from 64KiB to 5GiB", ps);
            return weir_error_hint(err, "S3 takes parts of 5MiB to 5GiB; unset it for 8MiB");
        }
        s->part_size = (size_t)n;
    }
    s->base.ops = &s3_ops;
    snprintf(s->base.root, sizeof(s->base.root), "s3://%s/%s", bucket, s->prefix);
    *out = &s->base;
    return WEIR_OK;
}
