/*
 * Sinks: where finished files go. A file becomes visible only when
 * `commit` returns WEIR_OK (local: temp name, fsync, rename, fsync of the
 * folder; S3: PutObject or CompleteMultipartUpload). `abort` leaves nothing
 * visible. Paths are relative to the sink's root, '/'-separated.
 */
#ifndef WEIR_CORE_SINK_H
#define WEIR_CORE_SINK_H

#include <stdint.h>

#include "weir/weir.h"

struct weir_sink;
struct weir_sink_file;

/* Called with each path (relative to the root) under a prefix. */
typedef int (*weir_sink_list_fn)(void *ctx, const char *path, struct weir_error *err);

struct weir_sink_ops {
    /* Starts a file at `path`; *f is new (ended by commit or abort). */
    int (*open)(struct weir_sink *s, const char *path, struct weir_sink_file **f,
                struct weir_error *err);
    int (*write)(struct weir_sink_file *f, const void *data, size_t len, struct weir_error *err);
    /* Makes the file durable and visible, then frees f (also on failure). */
    int (*commit)(struct weir_sink_file *f, struct weir_error *err);
    /* Discards the file and frees f. NULL is allowed. */
    void (*abort)(struct weir_sink_file *f);
    /* Deletes a committed file; a missing file is not an error. */
    int (*remove)(struct weir_sink *s, const char *path, struct weir_error *err);
    /* Lists committed files whose path starts with `prefix` (a folder ending in '/'). */
    int (*list)(struct weir_sink *s, const char *prefix, weir_sink_list_fn fn, void *ctx,
                struct weir_error *err);
    /* After `remove` of a file that a run which died was writing: aborts
     * what `remove` cannot reach (S3: a multipart upload of that key still
     * open, its parts billed until aborted). Best effort: a failure is
     * logged, never returned. NULL when the sink leaves nothing of the kind. */
    void (*abandon)(struct weir_sink *s, const char *path);
    void (*free)(struct weir_sink *s);
    /* Bytes of an open file held in memory by the sink (S3: the part being
     * filled); NULL when the sink holds none. */
    uint64_t (*held)(struct weir_sink_file *f);
    /* Removes every file under `prefix` (a folder ending in '/') whose base
     * name starts with `name_prefix`, and what a run that died while writing
     * such files left behind (local: temp files; S3: multipart uploads still
     * open). One listing for the whole prefix. *removed (may be NULL) gets
     * the number of committed files removed. */
    int (*purge)(struct weir_sink *s, const char *prefix, const char *name_prefix,
                 size_t *removed, struct weir_error *err);
    /* Gives back what an open file holds of the operating system (local: its
     * descriptor) without ending it: the file stays open for writes, commit
     * and abort, which take the descriptor again (the temp file reopened for
     * appending). Returns 1 when something was given back, 0 when the file
     * held nothing. NULL when the sink's files hold no descriptors (S3). */
    int (*park)(struct weir_sink_file *f);
    /* Non-zero: write, commit and abort of different files may run on
     * different threads at once (local: each file its own descriptor and
     * names). Zero: one thread at a time for all the sink's files. */
    int concurrent;
    /* Non-zero: the sink copies writes into buffers of its own (S3: the
     * part being filled), so small writes cost no more than large ones; the
     * writer output (below) then sends them on as they come. */
    int buffered;
    /* Optional, with `concurrent`: called with on = 1 on the thread that
     * starts threads writing and committing files at once, on = 0 on the
     * same thread once they ended. A failure (on = 1) means one thread at
     * a time this once. NULL: nothing to prepare. */
    int (*fan)(struct weir_sink *s, int on, struct weir_error *err);
};

struct weir_sink {
    const struct weir_sink_ops *ops;
    char root[1024]; /* displayable location: a folder or s3://bucket/prefix/ */
    /* Set by the owner (borrowed, may be NULL): once non-zero, a commit
     * still waiting on the network gives up (S3: AbortMultipartUpload
     * instead of Complete) and returns WEIR_ECANCELLED. */
    volatile int *cancel;
};

/*
 * Opens the sink for a target location: "file:///abs/path", "/abs/path" or a
 * relative path (relative to the working directory). `kms_key_id` (or NULL)
 * asks S3 for SSE-KMS with that key. *sink is new (free with
 * sink->ops->free). s3:// locations are served by the S3 sink.
 */
int weir_sink_open(const char *location, const char *kms_key_id, struct weir_sink **sink,
                   struct weir_error *err);

/* A writer output (struct weir_output) that writes through a sink file and
 * counts bytes. A writer appends a page header, then its page, each its own
 * call: to a sink that does not buffer, small writes are gathered in a
 * stage, sent on when it fills and by weir_sink_output_drain, which the
 * owner calls after each writer call that may have written (flush, finish,
 * write): one write(2) per row group instead of one per piece (2,000 open
 * files made 140,000 writes). `bytes` counts what the writer appended,
 * staged or sent. */
struct weir_sink_output {
    struct weir_output out;
    struct weir_sink *sink;
    struct weir_sink_file *file;
    uint64_t bytes;
    unsigned char *stage; /* NULL between writer calls: no memory is held */
    size_t stage_len;
};
void weir_sink_output_init(struct weir_sink_output *o, struct weir_sink *sink,
                           struct weir_sink_file *file);
/* Sends what is staged to the sink file and frees the stage. */
int weir_sink_output_drain(struct weir_sink_output *o, struct weir_error *err);
/* Frees the stage, sending nothing (the file is being aborted). */
void weir_sink_output_drop(struct weir_sink_output *o);

/* Local folder sink (sink_file.c). `dir` is an absolute or relative path. */
int weir_sink_file_open(const char *dir, struct weir_sink **sink, struct weir_error *err);

/* S3 sink (sink_s3.c): location s3://bucket/prefix/; SSE-KMS with
 * kms_key_id when not NULL. *sink new. */
int weir_sink_s3_open(const char *location, const char *kms_key_id, struct weir_sink **sink,
                      struct weir_error *err);
/* Part size of the sink's multipart uploads (tests; at least 5 MiB for AWS). */
void weir_sink_s3_set_part_size(struct weir_sink *sink, size_t part_size);

/* mkdir -p; WEIR_EIO naming the folder on failure. */
int weir_mkdirs(const char *path, struct weir_error *err);

#endif
