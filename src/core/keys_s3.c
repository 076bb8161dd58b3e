/* Key files on an S3 state location; see keys_s3.h. */
#include "core/keys_s3.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/s3.h"
#include "core/sink.h"
#include "util/log.h"

#define FETCH_CHUNK ((size_t)8 << 20)
#define PUT_CHUNK ((size_t)1 << 20)

struct weir_keys_s3 {
    struct weir_sink *sink; /* rooted at the state location: uploads, listing, removal */
    struct weir_s3 *s3;     /* ranged GETs and the multipart uploads listing */
    char prefix[1024];      /* the state location's key prefix */
};

int weir_keys_s3_open(const char *location, const char *kms_key_id, struct weir_keys_s3 **out,
                      struct weir_error *err)
{
    char bucket[256];
    *out = NULL;
    struct weir_keys_s3 *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    int rc =
        weir_s3_parse_location(location, bucket, sizeof(bucket), k->prefix, sizeof(k->prefix), err);
    if (rc == WEIR_OK) {
        rc = weir_s3_open(bucket, &k->s3, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_sink_s3_open(location, kms_key_id, &k->sink, err);
    }
    if (rc != WEIR_OK) {
        weir_keys_s3_free(k);
        return rc;
    }
    *out = k;
    return WEIR_OK;
}

void weir_keys_s3_free(struct weir_keys_s3 *k)
{
    if (k == NULL) {
        return;
    }
    if (k->sink != NULL) {
        k->sink->ops->free(k->sink);
    }
    weir_s3_free(k->s3);
    free(k);
}

void weir_keys_s3_url(const struct weir_keys_s3 *k, const char *job, const char *name, char *out,
                      size_t cap)
{
    snprintf(out, cap, "%s%s.keys/%s", k->sink->root, job, name);
}

int weir_keys_s3_fetch(struct weir_keys_s3 *k, const char *job, const char *name, const char *path,
                       uint64_t *bytes, struct weir_error *err)
{
    char key[2048];
    snprintf(key, sizeof(key), "%s%s.keys/%s", k->prefix, job, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return weir_error_set(err, WEIR_EIO, "cannot create %s: %s", path, strerror(errno));
    }
    int rc = weir_s3_download(k->s3, key, fd, FETCH_CHUNK, bytes, err);
    if (rc == WEIR_OK && fsync(fd) != 0) {
        rc = weir_error_set(err, WEIR_EIO, "cannot sync %s: %s", path, strerror(errno));
    }
    close(fd);
    if (rc == WEIR_ENOINPUT) {
        char url[2300];
        weir_keys_s3_url(k, job, name, url, sizeof(url));
        weir_error_set(err, WEIR_ENOINPUT, "the committed key file %s of job %s is missing", url,
                       job);
        weir_error_hint(err, "run once with --full-reload: it rebuilds the key file");
    }
    return rc;
}

int weir_keys_s3_put(struct weir_keys_s3 *k, const char *job, const char *name, const char *path,
                     volatile int *cancel, struct weir_error *err)
{
    char rel[1400];
    struct weir_sink_file *f = NULL;
    snprintf(rel, sizeof(rel), "%s.keys/%s", job, name);
    FILE *in = fopen(path, "rbe");
    char *buf = malloc(PUT_CHUNK);
    int rc = WEIR_OK;
    if (in == NULL || buf == NULL) {
        rc = in == NULL ? weir_error_set(err, WEIR_EIO, "cannot open %s: %s", path, strerror(errno))
                        : weir_error_set(err, WEIR_ENOMEM, "out of memory");
        goto done;
    }
    k->sink->cancel = cancel;
    if ((rc = k->sink->ops->open(k->sink, rel, &f, err)) != WEIR_OK) {
        goto done;
    }
    for (;;) {
        size_t n = fread(buf, 1, PUT_CHUNK, in);
        if (n > 0 && (rc = k->sink->ops->write(f, buf, n, err)) != WEIR_OK) {
            break;
        }
        if (n < PUT_CHUNK) {
            if (ferror(in)) {
                rc = weir_error_set(err, WEIR_EIO, "cannot read %s", path);
            }
            break;
        }
    }
    if (rc == WEIR_OK) {
        rc = k->sink->ops->commit(f, err);
    } else {
        k->sink->ops->abort(f);
    }
done:
    free(buf);
    if (in != NULL) {
        fclose(in);
    }
    return rc;
}

struct sweep_ctx {
    struct weir_keys_s3 *k;
    const char *keep; /* the key to keep, full */
    size_t removed;
};

static int remove_key(void *ctx, const char *key, struct weir_error *err)
{
    struct sweep_ctx *c = ctx;
    if (c->keep != NULL && strcmp(key, c->keep) == 0) {
        return WEIR_OK;
    }
    if (weir_s3_delete_object(c->k->s3, key, NULL, err) != WEIR_OK) {
        return err->status;
    }
    c->removed++;
    weir_log_event(WEIR_LOG_DEBUG, "keyfile_removed", json_pack("{s:s}", "key", key),
                   "removed s3://%s/%s", c->k->s3->bucket, key);
    return WEIR_OK;
}

static int abort_upload(void *ctx, const char *key, const char *upload_id, struct weir_error *err)
{
    struct sweep_ctx *c = ctx;
    if (weir_s3_abort_multipart(c->k->s3, key, upload_id, err) != WEIR_OK) {
        return err->status;
    }
    c->removed++;
    weir_log_event(WEIR_LOG_INFO, "s3_upload_aborted",
                   json_pack("{s:s, s:s}", "key", key, "upload_id", upload_id),
                   "aborted the unfinished multipart upload of s3://%s/%s", c->k->s3->bucket, key);
    return WEIR_OK;
}

int weir_keys_s3_cleanup(struct weir_keys_s3 *k, const char *job, const char *keep, size_t *removed,
                         struct weir_error *err)
{
    char dir[1400], keep_key[2048];
    snprintf(dir, sizeof(dir), "%s%s.keys/", k->prefix, job);
    snprintf(keep_key, sizeof(keep_key), "%s%s", dir, keep != NULL ? keep : "");
    struct sweep_ctx c = {k, keep != NULL ? keep_key : NULL, 0};
    /* a key file is at most a few objects: deleted as they are listed (a listing
     * page is not changed by deletes of its keys) */
    int rc = weir_s3_list(k->s3, dir, remove_key, &c, err);
    if (rc == WEIR_OK) {
        struct weir_error e;
        weir_error_clear(&e);
        if (weir_s3_list_uploads(k->s3, dir, abort_upload, &c, &e) != WEIR_OK) {
            weir_log_event(WEIR_LOG_WARN, "s3_uploads_unlisted",
                           json_pack("{s:s}", "detail", e.detail),
                           "could not look for unfinished uploads under s3://%s/%s (%s); a "
                           "lifecycle rule with AbortIncompleteMultipartUpload cleans them up",
                           k->s3->bucket, dir, e.message);
        }
    }
    if (removed != NULL) {
        *removed = c.removed;
    }
    return rc;
}

void weir_keys_scratch_path(const char *job, const char *run_id, char *out, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, cap, "%s/weir-keys-%s-%s", tmp != NULL && tmp[0] ? tmp : "/tmp", job, run_id);
}

/* Removes the files of a scratch folder (and the folder when `rmdir_too`);
 * only a real folder of ours, never what a link placed there points to. */
static void scratch_clear(const char *dir, int rmdir_too)
{
    char path[1400];
    struct stat st;
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
        return;
    }
    DIR *dh = opendir(dir);
    struct dirent *e;
    while (dh != NULL && (e = readdir(dh)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    if (dh != NULL) {
        closedir(dh);
    }
    if (rmdir_too) {
        rmdir(dir);
    }
}

int weir_keys_scratch_open(const char *job, const char *run_id, char *dir, size_t cap,
                           struct weir_error *err)
{
    struct stat st;
    weir_keys_scratch_path(job, run_id, dir, cap);
    /* 0700 and ours (not a link someone else placed in a shared /tmp): the
     * files hold the source's key values */
    if (mkdir(dir, 0700) != 0 && (errno != EEXIST || lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
                                  st.st_uid != geteuid() || chmod(dir, 0700) != 0)) {
        weir_error_set(err, WEIR_EIO, "cannot make the scratch folder %s: %s", dir,
                       errno != EEXIST ? strerror(errno) : "it exists and is not a folder of ours");
        return weir_error_hint(err, "the sweep of a job whose state is on S3 works in $TMPDIR "
                                    "(default /tmp): set TMPDIR to a writable folder");
    }
    scratch_clear(dir, 0);
    return WEIR_OK;
}

void weir_keys_scratch_remove(const char *dir)
{
    scratch_clear(dir, 1);
}
