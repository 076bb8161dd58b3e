/*
 * The local-folder sink. A file is written as ".<name>.tmp-<pid>" in its
 * final folder, fsynced, renamed into place and the folder fsynced, so a
 * crash leaves either the whole file or no file under the final name. The
 * folder and the temp file are made at the first write (or the commit), not
 * at open: a partitioned run opens a file per partition on its routing
 * thread as rows arrive, and its first bytes mostly come with a row group
 * written on the threads of a relief or of the run's end, which then also
 * pay for the inode and the folder.
 */
#include "core/sink.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


struct file_sink {
    struct weir_sink base;
    char dir[1024];
};

struct weir_sink_file {
    struct file_sink *sink;
    int fd;
    int created; /* the temp file exists (see the top) */
    char *final, *tmp; /* into names */
    /* sized to the paths: a partitioned run keeps thousands of files open */
    char names[];
};

int weir_mkdirs(const char *path, struct weir_error *err)
{
    char buf[2048];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
        return weir_error_set(err, WEIR_EIO, "path too long: %s", path);
    }
    /* the folder itself first: its parents mostly exist (a partitioned run
     * opens thousands of files under one table folder) */
    if (mkdir(buf, 0755) == 0 || errno == EEXIST) {
        return WEIR_OK;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                return weir_error_set(err, WEIR_EIO, "cannot create folder %s: %s", buf,
                                      strerror(errno));
            }
            *p = '/';
        }
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
        return weir_error_set(err, WEIR_EIO, "cannot create folder %s: %s", buf, strerror(errno));
    }
    return WEIR_OK;
}

static int fsync_dir(const char *path, struct weir_error *err)
{
    char dir[2048];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");
    } else if (slash == dir) {
        dir[1] = '\0';
    } else {
        *slash = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        return weir_error_set(err, WEIR_EIO, "cannot open folder %s: %s", dir, strerror(errno));
    }
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0 && e != EINVAL) {
        return weir_error_set(err, WEIR_EIO, "cannot fsync folder %s: %s", dir, strerror(e));
    }
    return WEIR_OK;
}

static int check_rel(const char *path, struct weir_error *err)
{
    if (path[0] == '/' || strstr(path, "..") != NULL) {
        return weir_error_set(err, WEIR_EINTERNAL, "sink path \"%s\" escapes the root", path);
    }
    return WEIR_OK;
}

static int fs_open(struct weir_sink *s, const char *path, struct weir_sink_file **out,
                   struct weir_error *err)
{
    struct file_sink *fs = (struct file_sink *)s;
    if (check_rel(path, err) != WEIR_OK) {
        return err->status;
    }
    size_t fl = strlen(fs->dir) + strlen(path) + 2; /* "dir/path" and its NUL */
    if (fl > 2048) {
        return weir_error_set(err, WEIR_EIO, "path too long: %s/%s", fs->dir, path);
    }
    /* the temp name adds "/." and ".tmp-<pid>" to the final one */
    struct weir_sink_file *f = calloc(1, sizeof(*f) + fl + fl + 32);
    if (f == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    f->sink = fs;
    f->fd = -1;
    f->final = f->names;
    f->tmp = f->names + fl;
    snprintf(f->final, fl, "%s/%s", fs->dir, path);
    char folder[2048];
    snprintf(folder, sizeof(folder), "%s", f->final);
    char *slash = strrchr(folder, '/');
    const char *base = slash ? slash + 1 : folder;
    if (slash != NULL) {
        *slash = '\0';
    }
    snprintf(f->tmp, fl + 32, "%s/.%s.tmp-%ld", slash ? folder : ".", base,
             (long)getpid());
    *out = f;
    return WEIR_OK;
}

/* Makes the folder and the temp file, once. */
static int create(struct weir_sink_file *f, struct weir_error *err)
{
    if (f->created) {
        return WEIR_OK;
    }
    char folder[2048];
    snprintf(folder, sizeof(folder), "%s", f->tmp);
    char *slash = strrchr(folder, '/');
    if (slash != NULL) {
        *slash = '\0';
        if (weir_mkdirs(folder, err) != WEIR_OK) {
            return err->status;
        }
    }
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        return weir_error_set(err, WEIR_EIO, "cannot create %s: %s", f->tmp, strerror(errno));
    }
    f->created = 1;
    return WEIR_OK;
}

static int fs_park(struct weir_sink_file *f)
{
    if (f->fd < 0) {
        return 0;
    }
    close(f->fd);
    f->fd = -1;
    return 1;
}

/* Takes the descriptor of a parked file again: the temp file the open
 * created, for appending (fsync at commit covers what was written through
 * the earlier descriptors: it flushes the file, not the descriptor). */
static int unpark(struct weir_sink_file *f, struct weir_error *err)
{
    if (!f->created) {
        return create(f, err);
    }
    if (f->fd >= 0) {
        return WEIR_OK;
    }
    f->fd = open(f->tmp, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (f->fd < 0) {
        return weir_error_set(err, WEIR_EIO, "cannot reopen %s: %s", f->tmp, strerror(errno));
    }
    return WEIR_OK;
}

static int fs_write(struct weir_sink_file *f, const void *data, size_t len,
                    struct weir_error *err)
{
    const char *p = data;
    if (unpark(f, err) != WEIR_OK) {
        return err->status;
    }
    while (len > 0) {
        ssize_t n = write(f->fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return weir_error_set(err, WEIR_EIO, "cannot write %s: %s", f->tmp, strerror(errno));
        }
        p += n;
        len -= (size_t)n;
    }
    return WEIR_OK;
}

static void fs_abort(struct weir_sink_file *f)
{
    if (f == NULL) {
        return;
    }
    if (f->fd >= 0) {
        close(f->fd);
    }
    if (f->created) {
        unlink(f->tmp);
    }
    free(f);
}

static int fs_commit(struct weir_sink_file *f, struct weir_error *err)
{
    int rc = unpark(f, err);
    if (rc != WEIR_OK) {
        if (f->created) {
            unlink(f->tmp);
        }
        goto done;
    }
    if (fsync(f->fd) != 0) {
        rc = weir_error_set(err, WEIR_EIO, "cannot fsync %s: %s", f->tmp, strerror(errno));
        goto done;
    }
    if (close(f->fd) != 0) {
        f->fd = -1;
        unlink(f->tmp);
        rc = weir_error_set(err, WEIR_EIO, "cannot close %s: %s", f->tmp, strerror(errno));
        goto done;
    }
    f->fd = -1;
    if (rename(f->tmp, f->final) != 0) {
        unlink(f->tmp);
        rc = weir_error_set(err, WEIR_EIO, "cannot rename %s to %s: %s", f->tmp, f->final,
                            strerror(errno));
        goto done;
    }
    rc = fsync_dir(f->final, err);
done:
    if (rc != WEIR_OK && f->fd >= 0) {
        close(f->fd);
        unlink(f->tmp);
        f->fd = -1;
    }
    free(f);
    return rc;
}

static int fs_remove(struct weir_sink *s, const char *path, struct weir_error *err)
{
    struct file_sink *fs = (struct file_sink *)s;
    char full[2048];
    if (check_rel(path, err) != WEIR_OK) {
        return err->status;
    }
    snprintf(full, sizeof(full), "%s/%s", fs->dir, path);
    if (unlink(full) != 0 && errno != ENOENT) {
        return weir_error_set(err, WEIR_EIO, "cannot remove %s: %s", full, strerror(errno));
    }
    /* a run killed while writing this file left ".<name>.tmp-<pid>" beside it */
    char *slash = strrchr(full, '/');
    *slash = '\0';
    char prefix[600];
    int n = snprintf(prefix, sizeof(prefix), ".%s.tmp-", slash + 1);
    DIR *d = opendir(full);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, (size_t)n) == 0) {
            char tmp[2400];
            snprintf(tmp, sizeof(tmp), "%s/%s", full, e->d_name);
            if (unlink(tmp) != 0 && errno != ENOENT) {
                closedir(d);
                return weir_error_set(err, WEIR_EIO, "cannot remove %s: %s", tmp,
                                      strerror(errno));
            }
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    return WEIR_OK;
}

/* Recursive walk; hidden names (temp files) are skipped. */
static int walk(const char *root, const char *rel, weir_sink_list_fn fn, void *ctx,
                struct weir_error *err)
{
    char full[2048];
    snprintf(full, sizeof(full), "%s/%s", root, rel);
    DIR *d = opendir(full);
    if (d == NULL) {
        if (errno == ENOENT) {
            return WEIR_OK;
        }
        return weir_error_set(err, WEIR_EIO, "cannot list %s: %s", full, strerror(errno));
    }
    int rc = WEIR_OK;
    struct dirent *e;
    while (rc == WEIR_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char child[2048];
        snprintf(child, sizeof(child), "%s%s", rel, e->d_name);
        char cfull[2600];
        snprintf(cfull, sizeof(cfull), "%s/%s", root, child);
        struct stat st;
        if (stat(cfull, &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            size_t n = strlen(child);
            if (n + 2 < sizeof(child)) {
                child[n] = '/';
                child[n + 1] = '\0';
            }
            rc = walk(root, child, fn, ctx, err);
        } else {
            rc = fn(ctx, child, err);
        }
    }
    closedir(d);
    return rc;
}

static int fs_list(struct weir_sink *s, const char *prefix, weir_sink_list_fn fn, void *ctx,
                   struct weir_error *err)
{
    struct file_sink *fs = (struct file_sink *)s;
    if (check_rel(prefix, err) != WEIR_OK) {
        return err->status;
    }
    return walk(fs->dir, prefix, fn, ctx, err);
}

/* "part-X..." or its temp file ".part-X....tmp-<pid>" */
static int purge_match(const char *name, const char *name_prefix, size_t n)
{
    return strncmp(name, name_prefix, n) == 0 ||
           (name[0] == '.' && strncmp(name + 1, name_prefix, n) == 0 &&
            strstr(name, ".tmp-") != NULL);
}

static int purge_walk(const char *dir, const char *name_prefix, size_t *removed,
                      struct weir_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        if (errno == ENOENT) {
            return WEIR_OK;
        }
        return weir_error_set(err, WEIR_EIO, "cannot list %s: %s", dir, strerror(errno));
    }
    size_t n = strlen(name_prefix);
    int rc = WEIR_OK;
    struct dirent *e;
    while (rc == WEIR_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char full[2600];
        snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(full, &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = purge_walk(full, name_prefix, removed, err);
        } else if (purge_match(e->d_name, name_prefix, n)) {
            if (unlink(full) != 0 && errno != ENOENT) {
                rc = weir_error_set(err, WEIR_EIO, "cannot remove %s: %s", full,
                                    strerror(errno));
            } else if (e->d_name[0] != '.' && removed != NULL) {
                (*removed)++;
            }
        }
    }
    closedir(d);
    return rc;
}

static int fs_purge(struct weir_sink *s, const char *prefix, const char *name_prefix,
                    size_t *removed, struct weir_error *err)
{
    struct file_sink *fs = (struct file_sink *)s;
    if (check_rel(prefix, err) != WEIR_OK) {
        return err->status;
    }
    if (removed != NULL) {
        *removed = 0;
    }
    char dir[2100];
    snprintf(dir, sizeof(dir), "%s/%s", fs->dir, prefix);
    return purge_walk(dir, name_prefix, removed, err);
}

static void fs_free(struct weir_sink *s)
{
    free(s);
}

static const struct weir_sink_ops file_ops = {
    .open = fs_open,
    .write = fs_write,
    .commit = fs_commit,
    .abort = fs_abort,
    .remove = fs_remove,
    .list = fs_list,
    .free = fs_free,
    .purge = fs_purge,
    .park = fs_park,
    .concurrent = 1,
};

int weir_sink_file_open(const char *dir, struct weir_sink **out, struct weir_error *err)
{
    struct file_sink *fs = calloc(1, sizeof(*fs));
    if (fs == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') {
        n--;
    }
    if (n >= sizeof(fs->dir)) {
        free(fs);
        return weir_error_set(err, WEIR_ECONFIG, "location too long: %s", dir);
    }
    memcpy(fs->dir, dir, n);
    fs->dir[n] = '\0';
    fs->base.ops = &file_ops;
    snprintf(fs->base.root, sizeof(fs->base.root), "%s/", fs->dir);
    *out = &fs->base;
    return WEIR_OK;
}

/* ---- the writer output over a sink file ---- */

#define STAGE_CAP ((size_t)128 << 10)

/* Sends what is staged; the stage stays for more. */
static int stage_send(struct weir_sink_output *o, struct weir_error *err)
{
    int rc = o->stage_len > 0 ? o->sink->ops->write(o->file, o->stage, o->stage_len, err)
                              : WEIR_OK;
    o->stage_len = 0;
    return rc;
}

void weir_sink_output_drop(struct weir_sink_output *o)
{
    free(o->stage);
    o->stage = NULL;
    o->stage_len = 0;
}

int weir_sink_output_drain(struct weir_sink_output *o, struct weir_error *err)
{
    int rc = stage_send(o, err);
    weir_sink_output_drop(o);
    return rc;
}

static int output_write(void *ctx, const void *data, size_t len, struct weir_error *err)
{
    struct weir_sink_output *o = ctx;
    if (!o->sink->ops->buffered && len < STAGE_CAP / 2) {
        if (o->stage == NULL) {
            o->stage = malloc(STAGE_CAP);
        }
        if (o->stage != NULL) {
            int rc = o->stage_len + len > STAGE_CAP ? stage_send(o, err) : WEIR_OK;
            if (rc != WEIR_OK) {
                return rc;
            }
            memcpy(o->stage + o->stage_len, data, len);
            o->stage_len += len;
            o->bytes += len;
            return WEIR_OK;
        }
    }
    /* large, or no memory for a stage: what is staged goes first */
    int rc = stage_send(o, err);
    if (rc == WEIR_OK && (rc = o->sink->ops->write(o->file, data, len, err)) == WEIR_OK) {
        o->bytes += len;
    }
    return rc;
}

void weir_sink_output_init(struct weir_sink_output *o, struct weir_sink *sink,
                           struct weir_sink_file *file)
{
    memset(o, 0, sizeof(*o));
    o->out.size = sizeof(o->out);
    o->out.ctx = o;
    o->out.write = output_write;
    o->sink = sink;
    o->file = file;
}

int weir_sink_open(const char *location, const char *kms_key_id, struct weir_sink **sink,
                   struct weir_error *err)
{
    if (strncmp(location, "s3://", 5) == 0) {
        return weir_sink_s3_open(location, kms_key_id, sink, err);
    }
    if (strncmp(location, "file://", 7) == 0) {
        location += 7;
        if (location[0] != '/') {
            return weir_error_set(err, WEIR_ECONFIG,
                                  "file:// location must be absolute (file:///path)");
        }
    } else if (strstr(location, "://") != NULL) {
        return weir_error_set(err, WEIR_ECONFIG, "unsupported location scheme in \"%s\"",
                              location);
    }
    return weir_sink_file_open(location, sink, err);
}
