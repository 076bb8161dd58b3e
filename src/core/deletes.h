/*
 * Delete detection by key sweep (a job's `deletes`).
 *
 * A sweep reads every key of the source in the run's snapshot (the same one
 * the window is read in), sorts them (keyset.h: bounded memory, runs on
 * disk), and walks them against the sorted key file of the last committed
 * sweep, kept in the state location as <state>/<job>.keys/<run_id>.keys.
 * A key of the old file that is not in the snapshot gets a tombstone: a row
 * of the key columns, `_weir_deleted_at` (the time the run opened its
 * snapshot, host clock, UTC) and `_weir_run_id`, written by the job's writer
 * plugin to <job>__deletes/part-<run_id>-0-NNNNN.<ext> through the run's
 * intent (each file announced before it exists), so a run that dies leaves
 * files the next run removes, like data files. The new key file is written
 * under the run id and only becomes the job's key file when the state
 * commit names it; the older ones are removed after that commit.
 *
 * With the state on S3 (keys_s3.h) the key file is
 * s3://<state>/<job>.keys/<run_id>.keys: the sweep works in a scratch folder
 * ($TMPDIR/weir-keys-<job>-<run_id>), downloads the committed key file there
 * with ranged GETs, and uploads the new one before the state commit that
 * names it; the scratch folder is removed when the sweep ends.
 *
 * A full reload rebuilds the key file from its snapshot and writes no
 * tombstones (the old data files are replaced anyway).
 */
#ifndef WEIR_CORE_DELETES_H
#define WEIR_CORE_DELETES_H

#include <jansson.h>
#include <stdint.h>

#include "core/jobctx.h"
#include "core/outset.h"
#include "core/sink.h"

/* The key columns of a job: the spec's deletes.key, or the table's primary
 * key, or what the last sweep committed (its names are in buf or borrowed
 * from the spec). */
struct weir_key_names {
    const char *name[16];
    size_t n;
    char buf[2048];
};

/* From the spec's deletes.key, else from `doc`'s committed sweep (NULL
 * allowed); n = 0 when neither names one. */
void weir_deletes_key_names(const struct weir_spec_job *job, const json_t *doc,
                            struct weir_key_names *k);

/* The key a sweep of c's job uses: the spec's deletes.key, else the primary
 * key of the table from the source (c connected, its query set; *from_pk =
 * 1). WEIR_ECONFIG naming the spec position, with a hint, when there is
 * neither. */
int weir_deletes_resolve_key(struct weir_jobctx *c, struct weir_key_names *key, int *from_pk,
                             struct weir_error *err);
/* "a, b": the key's column names for messages, into out[cap]. */
void weir_deletes_key_text(const struct weir_key_names *key, char *out, size_t cap);

struct weir_deletes {
    /* set by the caller, borrowed */
    struct weir_jobctx *c; /* connected; the snapshot open */
    struct weir_sink *sink;
    const char *state_dir; /* the state location: a local folder or s3://bucket/prefix/ */
    const char *run_id;
    int64_t snapshot_us; /* when the snapshot was opened */
    int rebuild;         /* 1: full reload */
    const json_t *doc;   /* the job's state: the committed key file */
    weir_announce_fn announce;
    void *announce_ctx;
    /* results of weir_deletes_sweep */
    int swept;
    struct weir_key_names key; /* the key the sweep used */
    uint64_t keys;
    uint64_t tombstones;
    int sort_runs;
    json_t *files;             /* tombstone files (new, freed by weir_deletes_reset) */
    json_t *key_formats;       /* new */
    struct ArrowSchema schema; /* the tombstones' schema (released by reset) */
    char keyfile[128];         /* "<run_id>.keys" */
};

/* Whether the job has `deletes`. */
int weir_deletes_enabled(const struct weir_spec_job *job);
/* Refuses what a sweep cannot do before anything connects: key columns
 * under pii (WEIR_ECONFIG naming the spec position). */
int weir_deletes_check(const struct weir_spec *spec, const struct weir_spec_job *job,
                       struct weir_error *err);
/* Whether this run sweeps: forced, a full reload, no key file yet, or the
 * `every`th incremental run since the last sweep (counted in the state). */
int weir_deletes_due(const struct weir_spec_job *job, const json_t *doc, int forced, int full);
/* The sweep, in the open snapshot. WEIR_EDATA when a key is not unique
 * (the message names the key columns and one duplicate), WEIR_ECONFIG for a
 * missing key column or a key that changed since the key file was written. */
int weir_deletes_sweep(struct weir_deletes *d, struct weir_error *err);
/* For `weir plan` and `weir check`: one line on c's job's deletes into
 * out[cap] ("" when the job has none): the key (resolved as a sweep would,
 * c connected and its query set; its columns checked against what the job
 * reads), whether a run now would sweep (`forced`: --detect-deletes, `full`:
 * a full reload) and the committed key file under `state_dir` with its
 * size (on S3: its URL and key count, no request made). Errors as a run's:
 * WEIR_ECONFIG for what weir_deletes_check refuses, for no key or a key
 * column the job does not read. */
int weir_deletes_describe(struct weir_jobctx *c, const json_t *doc, const char *state_dir,
                          int forced, int full, char *out, size_t cap, struct weir_error *err);
/* With `catalog: {type: glue}` after a sweep: the tombstones' table and the
 * current-state view (glue_view.h). WEIR_OK at once otherwise. */
int weir_deletes_catalog(const struct weir_deletes *d, struct weir_error *err);
/* Records the sweep (or one more run without a sweep) in the state document
 * about to be committed. */
void weir_deletes_record(const struct weir_deletes *d, const struct weir_spec_job *job,
                         json_t *doc);
/* After the commit: removes key files other than the committed one (on S3
 * also the multipart uploads left open under the job's key folder, and the
 * scratch folder of `run_id` a killed run of it left). Best effort: failures
 * are logged. */
void weir_deletes_cleanup(const char *state_dir, const char *job, const char *run_id,
                          const json_t *doc);
/* Frees the results. */
void weir_deletes_reset(struct weir_deletes *d);

/* Versions are ordered by run id, whose time has second resolution: when
 * `run_id` would not sort after the last committed run's (history), waits
 * for the next second and makes a new one with `make`. */
void weir_deletes_order_run_id(const json_t *doc, char *run_id, size_t cap,
                               void (*make)(char *, size_t));

#endif
