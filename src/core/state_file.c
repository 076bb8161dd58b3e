/*
 * The local state store: <dir>/<job>.json written by temp file, fsync,
 * rename, folder fsync; the lock is flock(2) on <dir>/<job>.lock, whose
 * contents name the holder (pid, host, run id, since) for the message a
 * second run prints. flock is released by the kernel when the process dies,
 * so a crashed run never leaves a stale lock behind.
 */
#include "core/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/sink.h"
#include "util/wtime.h"

#define MAX_LOCKS 8

struct file_store {
    struct weir_state_store base;
    char dir[1024];
    struct {
        char job[128];
        int fd;
    } locks[MAX_LOCKS];
};

static void job_path(const struct file_store *fs, const char *job, const char *ext, char *buf,
                     size_t cap)
{
    snprintf(buf, cap, "%s/%s%s", fs->dir, job, ext);
}

static int fst_read(struct weir_state_store *s, const char *job, json_t **doc,
                    struct weir_error *err)
{
    struct file_store *fs = (struct file_store *)s;
    char path[1200];
    job_path(fs, job, ".json", path, sizeof(path));
    *doc = NULL;
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        return WEIR_OK;
    }
    json_error_t je;
    json_t *d = json_load_file(path, 0, &je);
    if (d == NULL) {
        weir_error_set(err, WEIR_EDATA, "state file %s is not valid JSON", path);
        weir_error_detail(err, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return weir_error_hint(err, "inspect it; `weir state reset` starts the job over");
    }
    if (!json_is_object(d) || json_integer_value(json_object_get(d, "version")) != 1) {
        json_decref(d);
        return weir_error_set(err, WEIR_EDATA, "state file %s is not a weir state (version 1)",
                              path);
    }
    *doc = d;
    return WEIR_OK;
}

static int fst_write(struct weir_state_store *s, const char *job, const json_t *doc,
                     struct weir_error *err)
{
    struct file_store *fs = (struct file_store *)s;
    char path[1200], tmp[1300];
    job_path(fs, job, ".json", path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid());
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory writing state");
    }
    int rc = WEIR_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = weir_error_set(err, WEIR_EIO, "cannot write state %s: %s", tmp, strerror(errno));
        goto done;
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            rc = weir_error_set(err, WEIR_EIO, "cannot write state %s: %s", tmp, strerror(errno));
            break;
        }
        off += (size_t)n;
    }
    if (rc == WEIR_OK && (write(fd, "\n", 1) != 1 || fsync(fd) != 0)) {
        rc = weir_error_set(err, WEIR_EIO, "cannot write state %s: %s", tmp, strerror(errno));
    }
    if (close(fd) != 0 && rc == WEIR_OK) {
        rc = weir_error_set(err, WEIR_EIO, "cannot write state %s: %s", tmp, strerror(errno));
    }
    if (rc == WEIR_OK && rename(tmp, path) != 0) {
        rc = weir_error_set(err, WEIR_EIO, "cannot rename %s: %s", tmp, strerror(errno));
    }
    if (rc != WEIR_OK) {
        unlink(tmp);
        goto done;
    }
    int dfd = open(fs->dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
done:
    free(text);
    return rc;
}

static int fst_lock(struct weir_state_store *s, const char *job, const char *run_id,
                    struct weir_error *err)
{
    struct file_store *fs = (struct file_store *)s;
    int slot = -1;
    for (int i = 0; i < MAX_LOCKS; i++) {
        if (fs->locks[i].fd < 0) {
            slot = i;
            break;
        }
    }
    if (slot < 0) {
        return weir_error_set(err, WEIR_EINTERNAL, "too many job locks held");
    }
    char path[1200];
    job_path(fs, job, ".lock", path, sizeof(path));
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return weir_error_set(err, WEIR_EIO, "cannot open lock %s: %s", path, strerror(errno));
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char holder[512] = "";
        ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        close(fd);
        if (e == EWOULDBLOCK) {
            weir_error_set(err, WEIR_ELOCKED, "job %s is already running", job);
            weir_error_detail(err, "lock %s held by %s", path, holder[0] ? holder : "?");
            return weir_error_hint(err, "wait for that run to finish; the scheduler may retry");
        }
        return weir_error_set(err, WEIR_EIO, "cannot lock %s: %s", path, strerror(e));
    }
    char host[256] = "";
    gethostname(host, sizeof(host) - 1);
    char now[40];
    weir_time_now_iso(now, sizeof(now));
    char info[600];
    int n = snprintf(info, sizeof(info), "pid %ld on %s, run %s, since %s\n", (long)getpid(), host,
                     run_id, now);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, info, (size_t)n, 0) != n) {
        /* the lock holds regardless; the text only helps the message of another run */
    }
    fs->locks[slot].fd = fd;
    snprintf(fs->locks[slot].job, sizeof(fs->locks[slot].job), "%s", job);
    return WEIR_OK;
}

static void fst_unlock(struct weir_state_store *s, const char *job)
{
    struct file_store *fs = (struct file_store *)s;
    for (int i = 0; i < MAX_LOCKS; i++) {
        if (fs->locks[i].fd >= 0 && strcmp(fs->locks[i].job, job) == 0) {
            if (ftruncate(fs->locks[i].fd, 0) != 0) {
                /* informational text only */
            }
            close(fs->locks[i].fd);
            fs->locks[i].fd = -1;
        }
    }
}

static void fst_free(struct weir_state_store *s)
{
    struct file_store *fs = (struct file_store *)s;
    for (int i = 0; i < MAX_LOCKS; i++) {
        if (fs->locks[i].fd >= 0) {
            close(fs->locks[i].fd);
        }
    }
    free(fs);
}

static const struct weir_state_store_ops file_store_ops = {
    .read = fst_read,
    .write = fst_write,
    .lock = fst_lock,
    .unlock = fst_unlock,
    .free = fst_free,
};

int weir_state_open(const char *location, struct weir_state_store **out, struct weir_error *err)
{
    if (strncmp(location, "s3://", 5) == 0) {
        return weir_state_s3_open(location, out, err);
    }
    if (strncmp(location, "file://", 7) == 0) {
        location += 7;
    } else if (strstr(location, "://") != NULL) {
        return weir_error_set(err, WEIR_ECONFIG, "unsupported state location \"%s\"", location);
    }
    struct file_store *fs = calloc(1, sizeof(*fs));
    if (fs == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    for (int i = 0; i < MAX_LOCKS; i++) {
        fs->locks[i].fd = -1;
    }
    size_t n = strlen(location);
    while (n > 1 && location[n - 1] == '/') {
        n--;
    }
    if (n >= sizeof(fs->dir)) {
        free(fs);
        return weir_error_set(err, WEIR_ECONFIG, "state location too long");
    }
    memcpy(fs->dir, location, n);
    fs->dir[n] = '\0';
    if (weir_mkdirs(fs->dir, err) != WEIR_OK) {
        free(fs);
        return err->status;
    }
    fs->base.ops = &file_store_ops;
    snprintf(fs->base.location, sizeof(fs->base.location), "%s", fs->dir);
    *out = &fs->base;
    return WEIR_OK;
}

json_t *weir_state_new_doc(const char *job)
{
    return json_pack("{s:i,s:s,s:n,s:n,s:[]}", "version", 1, "job", job, "watermark", "pending",
                     "history");
}

void weir_state_add_history(json_t *doc, json_t *entry)
{
    json_t *h = json_object_get(doc, "history");
    if (!json_is_array(h)) {
        h = json_array();
        json_object_set_new(doc, "history", h);
    }
    json_array_append_new(h, entry);
    while (json_array_size(h) > 100) {
        json_array_remove(h, 0);
    }
}
