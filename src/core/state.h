/*
 * Job state: one JSON document per job in a state store, and the job's lock.
 *
 * Document (version 1):
 *   { "version": 1, "job": "orders",
 *     "watermark": {"columns": ["updated_at","id"], "values": ["2026-..","42"]} | null,
 *     "pending":   {"run_id", "kind": "incremental"|"full", "started", "ingest_date",
 *                   "low": [..]|null, "high": [..]|null, "files": [..], "obsolete": [..]} | null,
 *     "history":   [ {"run_id", "kind", "low", "high", "rows", "source_count",
 *                     "null_watermark_rows", "files", "bytes", "started", "finished"} ... ] }
 *
 * `pending` is the intent: written before any data moves, it names the range
 * and every file the run creates (each name is added before its file is
 * opened), so a rerun after a crash removes exactly those files and redoes
 * the same range under the same names. The watermark moves only in commit.
 */
#ifndef WEIR_CORE_STATE_H
#define WEIR_CORE_STATE_H

#include <jansson.h>

#include "weir/weir.h"

struct weir_state_store;

struct weir_state_store_ops {
    /* Reads the job's document: *doc new (NULL when the job has no state yet). */
    int (*read)(struct weir_state_store *s, const char *job, json_t **doc, struct weir_error *err);
    /* Replaces the document atomically and durably. */
    int (*write)(struct weir_state_store *s, const char *job, const json_t *doc,
                 struct weir_error *err);
    /* Takes the job's lock without waiting: WEIR_ELOCKED naming the holder when taken. */
    int (*lock)(struct weir_state_store *s, const char *job, const char *run_id,
                struct weir_error *err);
    void (*unlock)(struct weir_state_store *s, const char *job);
    void (*free)(struct weir_state_store *s);
};

struct weir_state_store {
    const struct weir_state_store_ops *ops;
    char location[1024];
};

/* "file:///abs", "/abs", "relative"; s3:// is the S3 store. *store is new. */
int weir_state_open(const char *location, struct weir_state_store **store, struct weir_error *err);

/* The S3 store (state_s3.c): location s3://bucket/prefix/; *store new. */
int weir_state_s3_open(const char *location, struct weir_state_store **store,
                       struct weir_error *err);

/* A fresh document for `job` (new). */
json_t *weir_state_new_doc(const char *job);
/* Appends an entry (stolen) to history, keeping the newest 100. */
void weir_state_add_history(json_t *doc, json_t *entry);

#endif
