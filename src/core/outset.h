/*
 * The output set of one run: the writer plugin instances, one per partition
 * folder with rows in this run, their sink files, roll-over at the file
 * size, and the routing of batch rows to partitions.
 *
 * Every partition keeps its file open until the file reaches `file_size` or
 * the run ends, whatever the order of the rows, so a partition gets at most
 * ceil(its bytes / file_size) + 1 files. Memory is bounded by
 * `memory_budget`: past it, the partitions holding most are flushed as row
 * groups (stripes) of their still-open files (the writer op `flush`).
 * Descriptors are bounded apart from memory by `max_open_files`: past it,
 * the files that did not take bytes last are parked (weir_sink_ops.park:
 * the descriptor closed, the file still open and its writer's rows still in
 * memory), so the limit never ends a file early and never adds one.
 *
 * File names are "<job>/<folder>/part-<run_id>-0-<seq>.<ext>": a run's files
 * are found again by listing (see weir_sink_ops.purge), so no per-file
 * bookkeeping is needed. `announce`, when set, still hears each name first.
 */
#ifndef WEIR_CORE_OUTSET_H
#define WEIR_CORE_OUTSET_H

#include <jansson.h>
#include <stdint.h>

#include "core/plugin.h"
#include "core/sink.h"
#include "spec/spec.h"
#include "weir/weir.h"

/* Records a file name (relative to the sink root) in the intent, durably. */
typedef int (*weir_announce_fn)(void *ctx, const char *path, struct weir_error *err);

struct weir_outset_config {
    const struct weir_loaded_plugin *writer; /* borrowed */
    const struct weir_host *host;            /* borrowed */
    struct weir_sink *sink;                  /* borrowed */
    const struct weir_kv *options;           /* writer options, borrowed */
    size_t n_options;
    const char *job;                         /* folder under the root */
    const char *run_id;
    const char *ingest_date;                 /* YYYY-MM-DD, for WEIR_PART_INGEST_DATE */
    int partition_kind;                      /* enum weir_partition_kind */
    const char *partition_column;
    int granularity;                         /* enum weir_granularity */
    uint64_t file_size;                      /* roll over past this many bytes */
    uint64_t memory_budget;                  /* bytes held in memory at most; 0: no limit */
    size_t max_partitions;                   /* distinct folders at most (column); 0: no limit */
    size_t max_open_files;                   /* descriptors of open files at most; 0: no limit */
    int pipe;                                /* weir_outset_put routes in a thread of its own */
    weir_announce_fn announce;               /* NULL: none */
    void *announce_ctx;
};

struct weir_outset;

/* `schema` is borrowed for the call and copied. *set is new (free with weir_outset_free). */
int weir_outset_new(const struct weir_outset_config *cfg, const struct ArrowSchema *schema,
                    struct weir_outset **set, struct weir_error *err);
/* Routes the batch's rows (borrowed for the call). WEIR_ECONFIG naming the
 * column and the count when a row would open partition max_partitions + 1. */
int weir_outset_write(struct weir_outset *set, const struct ArrowArray *batch,
                      struct weir_error *err);
/* Takes the batch (moved: released here, at once or later). With
 * cfg.pipe, a thread of the outset's routes it (as weir_outset_write) while
 * the caller reads on; an error of that thread is returned by a later put
 * or by weir_outset_finish. Without, as weir_outset_write then release. */
int weir_outset_put(struct weir_outset *set, struct ArrowArray *batch, struct weir_error *err);
/* Ends the routing thread, dropping the batches that wait (a failed run). */
void weir_outset_halt(struct weir_outset *set);
/* Finishes and commits every open file (after the routing thread's batches). */
int weir_outset_finish(struct weir_outset *set, struct weir_error *err);
/* Figures: rows written, bytes committed, files committed (names, a JSON
 * array of relative paths; borrowed until free), partitions touched (a JSON
 * array of folder names like "ingest_date=2026-11-28"). */
uint64_t weir_outset_rows(const struct weir_outset *set);
uint64_t weir_outset_bytes(const struct weir_outset *set);
const json_t *weir_outset_files(const struct weir_outset *set);
const json_t *weir_outset_partitions(const struct weir_outset *set);
/* Rows committed into each partition by this run: {"folder": rows}, borrowed. */
const json_t *weir_outset_partition_rows(const struct weir_outset *set);
/* Bytes held in writers' memory now. */
uint64_t weir_outset_buffered(const struct weir_outset *set);
/* Files open now. */
size_t weir_outset_open_files(const struct weir_outset *set);
/* Open files holding a descriptor now (at most max_open_files + 1), and the
 * most there ever were. */
size_t weir_outset_attached_files(const struct weir_outset *set, size_t *peak);
/* Aborts open files and frees. NULL allowed. */
void weir_outset_free(struct weir_outset *set);

/* Hive-style escaping of a partition value (as Hive's FileUtils does for
 * '/', '=', '%', '"', '\'', '\\', '#', '?', ':', '[', ']', '{', '}', '*',
 * '^', control characters and DEL). Returns the escaped length; out gets
 * it when it is less than cap, else the whole escapes that fit (cap > 0:
 * always terminated). */
size_t weir_partition_escape(const char *in, size_t len, char *out, size_t cap);

/* The folder value of row i of `col` (Arrow format `format`, enum
 * weir_granularity): YYYY-MM-DD / YYYY-MM / YYYY of a date or timestamp,
 * else the escaped value; NULL and "" give __HIVE_DEFAULT_PARTITION__
 * (partvalue.c). Returns the value's whole length, as
 * weir_partition_escape: cap or more means buf holds only its start. */
size_t weir_partition_value(const char *format, int granularity, const struct ArrowArray *col,
                            int64_t i, char *buf, size_t cap);
/* a / b rounded towards minus infinity (days of a timestamp before 1970) */
int64_t weir_partition_floor_div(int64_t a, int64_t b);

#endif
