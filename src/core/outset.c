/* Writers, partitions and files of one run; see outset.h. */
#include "core/outset.h"

#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/arrow.h"
#include "util/wtime.h"

/* One partition folder of the run; its file is open while `writer` is set. */
struct part_writer {
    char folder[512]; /* "ingest_date=2026-11-28", "" for no partitioning */
    char path[1200];
    uint64_t hash;
    void *writer; /* NULL between files */
    struct weir_sink_output out;
    uint64_t rows;   /* rows in the open file */
    uint64_t held;   /* the writer's memory (or buffered bytes), as last asked */
    uint64_t pending; /* the writer's buffered bytes, as last asked */
    uint64_t settled; /* `held` right after its last compaction or flush */
    uint64_t total;  /* rows committed into this folder */
    uint64_t last_batch; /* the batch that last wrote here */
    int idle;            /* relieve's scratch */
    int attached;        /* the sink file holds a descriptor (see park_others) */
    uint64_t parked_at;  /* out.bytes when it was parked */
    int64_t n_batch; /* rows of the batch being routed (route's scratch) */
    int64_t cursor;
    int ended; /* close_all's: 1 committed, -1 failed, 0 not ended */
    unsigned slot; /* which encoder takes its rows (see struct encoders) */
};

/* day number → partition, for date/time columns (saves formatting a folder
 * name per row) */
struct day_slot {
    int64_t day;
    struct part_writer *pw; /* NULL: empty */
};

/*
 * The routing thread of a piped outset (weir_outset_put): the caller's
 * thread hands batches over and reads on; this thread routes them, encodes
 * and compresses, and writes the files. Everything below `struct
 * weir_outset`'s pipe (partitions, writers, sink files, figures) is touched
 * by this thread alone from the first batch until weir_outset_finish or
 * weir_outset_free joins it. At most PIPE_DEPTH batches wait.
 */
#define PIPE_DEPTH 1
struct outset_pipe {
    int on;      /* cfg.pipe */
    int running; /* the thread was started and not joined */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ArrowArray q[PIPE_DEPTH];
    size_t head, n;
    int stop;  /* no more batches: end when the queue is empty */
    int drop;  /* drop what waits (the run failed) */
    int status; /* the thread's first error; batches after it are released unread */
    struct weir_error error;
    uint64_t rows_in; /* rows handed over (the caller's count) */
};

/*
 * The encoders: while the routing thread splits a batch over many
 * partitions (rows in no order), it and ENCODERS more threads each gather
 * and encode the rows of their share of the partitions (a partition always
 * goes to the same thread, so its buffers come from one heap arena); files
 * are opened and the figures counted on the routing thread before and
 * after. One thread encoding 2,000 partitions' rows while the main thread
 * read and the server sent left a core of two half idle. Only where the
 * sink's files may be written from several threads at once without a
 * fan-out (a local folder): a writer may send a row group from write().
 */
#define ENCODERS 2
struct encoder {
    struct weir_outset *s;
    unsigned k; /* 1..ENCODERS (the routing thread is 0) */
    pthread_t thread;
    struct weir_abatch take;
    struct weir_aview view;
    int take_ready;
    int status; /* the round's first failure */
    struct weir_error error;
};
struct encoders {
    int running; /* threads started */
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    uint64_t round;
    unsigned busy; /* encoders still working on the round */
    /* the round: step over list[0, n), each encoder its slot's partitions */
    int (*step)(struct weir_outset *s, struct encoder *e, struct part_writer *pw,
                struct weir_error *err);
    struct part_writer **list;
    size_t n;
    const struct ArrowArray *batch; /* a write round's batch */
    struct encoder enc[ENCODERS + 1]; /* [0]: the routing thread's */
};

struct weir_outset {
    struct weir_outset_config cfg;
    struct outset_pipe pipe;
    struct ArrowSchema schema;
    int64_t part_col; /* -1 unless partitioning by a column */
    const char *part_format;
    int is_time;
    struct part_writer **parts; /* every folder seen, open file or not */
    size_t n_parts, parts_cap;
    struct part_writer **index; /* open addressing on folder, capacity a power of two */
    size_t index_cap;
    struct day_slot *days;
    size_t days_cap, n_days;
    size_t n_open;
    size_t n_attached, peak_attached; /* open files with a descriptor */
    uint64_t parks;
    uint64_t held; /* sum of the parts' `held` */
    uint64_t growth; /* what `held` grew by in a batch lately (a decaying maximum) */
    uint64_t seq;
    uint64_t rows;
    uint64_t bytes;
    uint64_t flushes;
    uint64_t left_flushes; /* of those, partitions the rows had left (flush_left) */
    uint64_t compactions;  /* partitions' rows compressed in memory (relieve) */
    uint64_t batch_no; /* batches written so far */
    json_t *files;
    json_t *partitions;
    json_t *partition_rows; /* folder → rows committed into it */
    struct weir_abatch take;
    struct weir_aview take_view;
    int take_ready;
    int take_lists; /* a list column: sub-batches are moved out, not viewed */
    struct part_writer **row_pw; /* per row of the current batch */
    int64_t *order;              /* rows grouped by partition */
    size_t row_cap;
    struct part_writer **touched; /* partitions of the current batch */
    size_t n_touched, touched_cap;
    struct part_writer **before; /* partitions of the batch before */
    size_t n_before, before_cap;
    int fan_refused;             /* the sink said no to a fan-out (logged once) */
    int small_warned;            /* memory_budget_small was logged */
    struct part_writer **sorted; /* relieve's scratch */
    size_t sorted_cap;
    struct encoders enc;
};

static uint64_t fnv1a(const char *p)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *p; p++) {
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    }
    return h;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem, struct weir_error *err)
{
    if (need <= *cap) {
        return WEIR_OK;
    }
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        n *= 2;
    }
    void *q = realloc(*p, n * elem);
    if (q == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    *p = q;
    *cap = n;
    return WEIR_OK;
}

static void index_put(struct part_writer **index, size_t cap, struct part_writer *pw)
{
    size_t i = (size_t)pw->hash & (cap - 1);
    while (index[i] != NULL) {
        i = (i + 1) & (cap - 1);
    }
    index[i] = pw;
}

/* Rebuilds the folder index at twice the size when it is half full. */
static int index_grow(struct weir_outset *s, struct weir_error *err)
{
    if (s->index_cap != 0 && (s->n_parts + 1) * 2 <= s->index_cap) {
        return WEIR_OK;
    }
    size_t cap = s->index_cap ? s->index_cap * 2 : 64;
    struct part_writer **index = calloc(cap, sizeof(*index));
    if (index == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < s->n_parts; i++) {
        index_put(index, cap, s->parts[i]);
    }
    free(s->index);
    s->index = index;
    s->index_cap = cap;
    return WEIR_OK;
}

static int too_many(const struct weir_outset *s, struct weir_error *err)
{
    const char *col = s->cfg.partition_column ? s->cfg.partition_column : "";
    weir_error_set(err, WEIR_ECONFIG,
                   "partition column \"%s\" has more than %zu distinct values in this run "
                   "(%zu seen so far; max_partitions is %zu)",
                   col, s->cfg.max_partitions, s->n_parts + 1, s->cfg.max_partitions);
    return weir_error_hint(err, "partition by a coarser granularity (month or year) or by "
                                "another column, or raise partition_by.max_partitions");
}

/* The partition of a folder, created on first use. */
static int part_get(struct weir_outset *s, const char *folder, struct part_writer **out,
                    struct weir_error *err)
{
    uint64_t h = fnv1a(folder);
    if (s->index_cap != 0) {
        for (size_t i = (size_t)h & (s->index_cap - 1); s->index[i] != NULL;
             i = (i + 1) & (s->index_cap - 1)) {
            if (s->index[i]->hash == h && strcmp(s->index[i]->folder, folder) == 0) {
                *out = s->index[i];
                return WEIR_OK;
            }
        }
    }
    if (s->part_col >= 0 && s->cfg.max_partitions > 0 && s->n_parts >= s->cfg.max_partitions) {
        return too_many(s, err);
    }
    if (index_grow(s, err) != WEIR_OK ||
        grow((void **)&s->parts, &s->parts_cap, s->n_parts + 1, sizeof(*s->parts), err) !=
            WEIR_OK) {
        return err->status;
    }
    struct part_writer *pw = calloc(1, sizeof(*pw));
    if (pw == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    snprintf(pw->folder, sizeof(pw->folder), "%s", folder);
    pw->hash = h;
    pw->slot = (unsigned)(s->n_parts % (ENCODERS + 1));
    s->parts[s->n_parts++] = pw;
    index_put(s->index, s->index_cap, pw);
    *out = pw;
    return WEIR_OK;
}

static struct part_writer *day_get(const struct weir_outset *s, int64_t day)
{
    if (s->days_cap == 0) {
        return NULL;
    }
    for (size_t i = (size_t)((uint64_t)day * 0x9E3779B97F4A7C15ULL >> 20) & (s->days_cap - 1);
         s->days[i].pw != NULL; i = (i + 1) & (s->days_cap - 1)) {
        if (s->days[i].day == day) {
            return s->days[i].pw;
        }
    }
    return NULL;
}

/* Best effort: a full cache (more distinct days than DAYS_MAX) is not an error. */
#define DAYS_MAX ((size_t)1 << 18)
static void day_put(struct weir_outset *s, int64_t day, struct part_writer *pw)
{
    if ((s->n_days + 1) * 2 > s->days_cap) {
        size_t cap = s->days_cap ? s->days_cap * 2 : 1024;
        struct day_slot *d = cap <= DAYS_MAX ? calloc(cap, sizeof(*d)) : NULL;
        if (d == NULL) {
            return;
        }
        struct day_slot *old = s->days;
        size_t old_cap = s->days_cap;
        s->days = d;
        s->days_cap = cap;
        s->n_days = 0;
        for (size_t i = 0; i < old_cap; i++) {
            if (old[i].pw != NULL) {
                day_put(s, old[i].day, old[i].pw);
            }
        }
        free(old);
    }
    size_t i = (size_t)((uint64_t)day * 0x9E3779B97F4A7C15ULL >> 20) & (s->days_cap - 1);
    while (s->days[i].pw != NULL) {
        i = (i + 1) & (s->days_cap - 1);
    }
    s->days[i].day = day;
    s->days[i].pw = pw;
    s->n_days++;
}

/* The day number of row i of a date/time partition column; 0 when NULL. */
static int row_day(const struct weir_outset *s, const struct ArrowArray *col, int64_t i,
                   int64_t *day)
{
    if (weir_arrow_is_null(col, i)) {
        return 0;
    }
    int64_t j = i + col->offset;
    if (s->part_format[1] == 'd') {
        *day = ((const int32_t *)col->buffers[1])[j];
    } else {
        *day = weir_partition_floor_div(((const int64_t *)col->buffers[1])[j], 86400000000LL);
    }
    return 1;
}

int weir_outset_new(const struct weir_outset_config *cfg, const struct ArrowSchema *schema,
                    struct weir_outset **out, struct weir_error *err)
{
    struct weir_outset *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    s->cfg = *cfg;
    s->part_col = -1;
    s->pipe.on = cfg->pipe;
    pthread_mutex_init(&s->pipe.mu, NULL);
    pthread_cond_init(&s->pipe.cv, NULL);
    pthread_mutex_init(&s->enc.mu, NULL);
    pthread_cond_init(&s->enc.go, NULL);
    pthread_cond_init(&s->enc.done, NULL);
    s->files = json_array();
    s->partitions = json_array();
    s->partition_rows = json_object();
    if (weir_arrow_schema_copy(schema, &s->schema, err) != WEIR_OK) {
        free(s);
        return err->status;
    }
    if (cfg->partition_kind == WEIR_PART_COLUMN) {
        for (int64_t i = 0; i < schema->n_children; i++) {
            if (strcmp(schema->children[i]->name, cfg->partition_column) == 0) {
                s->part_col = i;
                s->part_format = s->schema.children[i]->format;
            }
        }
        if (s->part_col < 0) {
            weir_outset_free(s);
            weir_error_set(err, WEIR_ECONFIG, "partition column \"%s\" is not in the result",
                           cfg->partition_column);
            return weir_error_hint(err, "add it to the job's columns, or change partition_by");
        }
        const char *f = s->part_format;
        int is_time = strcmp(f, "tdD") == 0 || strncmp(f, "tsu:", 4) == 0;
        int is_value = strchr("bcsilCSIu", f[0]) != NULL && f[1] == '\0';
        if ((cfg->granularity != WEIR_GRAN_VALUE && !is_time) ||
            (cfg->granularity == WEIR_GRAN_VALUE && !is_time && !is_value)) {
            weir_outset_free(s);
            return weir_error_set(err, WEIR_ECONFIG,
                                  "partition column \"%s\" (arrow type %s) cannot be partitioned "
                                  "by %s",
                                  cfg->partition_column, f,
                                  cfg->granularity == WEIR_GRAN_VALUE ? "value" : "date");
        }
        s->is_time = is_time;
    }
    *out = s;
    return WEIR_OK;
}

static uint64_t sink_held(const struct weir_outset *s, const struct part_writer *pw)
{
    const struct weir_sink_ops *so = s->cfg.sink->ops;
    return so->held != NULL && pw->out.file != NULL ? so->held(pw->out.file) : 0;
}

static void set_held(struct weir_outset *s, struct part_writer *pw, uint64_t held)
{
    s->held = s->held - pw->held + held;
    pw->held = held;
}

static void detach(struct weir_outset *s, struct part_writer *pw)
{
    if (pw->attached) {
        pw->attached = 0;
        s->n_attached--;
    }
}

/*
 * Keeps the open files holding a descriptor within max_open_files (the
 * sinks whose files hold none have no `park`): past it, every other open
 * file is parked at once, so the scan over the partitions is paid once per
 * max_open_files files attached again. Parking ends no file and flushes no
 * rows: the writers keep their rows in memory under the memory budget, and
 * a parked file takes its descriptor again at its next write.
 */
static void park_others(struct weir_outset *s, const struct part_writer *keep)
{
    int (*park)(struct weir_sink_file *) = s->cfg.sink->ops->park;
    if (park == NULL || s->cfg.max_open_files == 0 || s->n_attached <= s->cfg.max_open_files) {
        return;
    }
    for (size_t i = 0; i < s->n_parts; i++) {
        struct part_writer *pw = s->parts[i];
        if (pw != keep && pw->attached) {
            park(pw->out.file);
            pw->parked_at = pw->out.bytes;
            detach(s, pw);
            s->parks++;
        }
    }
}

/* Counts the descriptor an open file holds: from its open on, and again
 * once bytes went to it after it was parked (the sink reopened it). */
static void attach(struct weir_outset *s, struct part_writer *pw)
{
    if (pw->out.file == NULL || pw->attached) {
        return;
    }
    pw->attached = 1;
    if (++s->n_attached > s->peak_attached) {
        s->peak_attached = s->n_attached;
    }
    park_others(s, pw);
}

/* Finishes the partition's open file and commits it to the sink (or
 * aborts it): touches only pw, its writer and its sink file, so that files
 * of different partitions end on different threads at once (see
 * close_all); file_account then counts the file in. */
static int file_end(struct weir_outset *s, struct part_writer *pw, struct weir_error *err)
{
    const struct weir_writer_ops *ops = s->cfg.writer->desc.writer;
    int rc = ops->finish(pw->writer, err);
    ops->free(pw->writer);
    pw->writer = NULL;
    if (rc == WEIR_OK) {
        rc = weir_sink_output_drain(&pw->out, err);
    }
    if (rc != WEIR_OK) {
        weir_sink_output_drop(&pw->out);
        s->cfg.sink->ops->abort(pw->out.file);
        pw->out.file = NULL;
        return rc;
    }
    rc = s->cfg.sink->ops->commit(pw->out.file, err);
    pw->out.file = NULL;
    return rc;
}

/* The figures of a file file_end ended: committed or not. */
static void file_account(struct weir_outset *s, struct part_writer *pw, int committed)
{
    set_held(s, pw, 0);
    pw->pending = 0; /* a relief's lists skip a partition with nothing to write */
    pw->settled = 0;
    s->n_open--;
    detach(s, pw);
    if (!committed) {
        return;
    }
    s->bytes += pw->out.bytes;
    json_array_append_new(s->files, json_string(pw->path));
    if (pw->folder[0]) {
        if (pw->total == 0 && json_object_get(s->partition_rows, pw->folder) == NULL) {
            json_array_append_new(s->partitions, json_string(pw->folder));
        }
        pw->total += pw->rows;
        json_object_set_new(s->partition_rows, pw->folder, json_integer((json_int_t)pw->total));
    }
    pw->rows = 0;
    s->cfg.host->log(s->cfg.host->ctx, WEIR_LOG_INFO, "file_written", pw->path);
}

static int file_close(struct weir_outset *s, struct part_writer *pw, struct weir_error *err)
{
    int rc = file_end(s, pw, err);
    file_account(s, pw, rc == WEIR_OK);
    return rc;
}

/* Drops the partition's open file, if any, leaving nothing visible. */
static void file_drop(struct weir_outset *s, struct part_writer *pw)
{
    if (pw->writer != NULL) {
        s->cfg.writer->desc.writer->free(pw->writer);
        pw->writer = NULL;
        s->n_open--;
    }
    weir_sink_output_drop(&pw->out);
    if (pw->out.file != NULL) {
        s->cfg.sink->ops->abort(pw->out.file);
        pw->out.file = NULL;
    }
    detach(s, pw);
    set_held(s, pw, 0);
    pw->pending = 0;
    pw->settled = 0;
}

static int file_open(struct weir_outset *s, struct part_writer *pw, struct weir_error *err)
{
    const char *folder = pw->folder;
    snprintf(pw->path, sizeof(pw->path), "%s/%s%spart-%s-0-%05" PRIu64 ".%s", s->cfg.job, folder,
             folder[0] ? "/" : "", s->cfg.run_id, s->seq++,
             s->cfg.writer->desc.file_extension ? s->cfg.writer->desc.file_extension : "dat");
    int rc;
    struct weir_sink_file *file = NULL;
    if (s->cfg.announce != NULL &&
        (rc = s->cfg.announce(s->cfg.announce_ctx, pw->path, err)) != WEIR_OK) {
        return rc;
    }
    if ((rc = s->cfg.sink->ops->open(s->cfg.sink, pw->path, &file, err)) != WEIR_OK) {
        return rc;
    }
    weir_sink_output_init(&pw->out, s->cfg.sink, file);
    rc = s->cfg.writer->desc.writer->open(s->cfg.host, &s->schema, s->cfg.options,
                                          s->cfg.n_options, &pw->out.out, &pw->writer, err);
    if (rc != WEIR_OK) {
        weir_sink_output_drop(&pw->out);
        s->cfg.sink->ops->abort(file);
        pw->out.file = NULL;
        pw->writer = NULL;
        return rc;
    }
    pw->rows = 0;
    pw->settled = 0;
    s->n_open++;
    attach(s, pw);
    return WEIR_OK;
}

/* Updates the memory the partition holds; ends its file at file_size
 * (bytes written plus bytes still to write). */
static int after_write(struct weir_outset *s, struct part_writer *pw, struct weir_error *err)
{
    const struct weir_writer_ops *ops = s->cfg.writer->desc.writer;
    uint64_t pending = ops->buffered(pw->writer);
    pw->pending = pending;
    int has_memory = WEIR_HAS_MEMBER(ops, struct weir_writer_ops, memory) && ops->memory != NULL;
    set_held(s, pw, has_memory ? ops->memory(pw->writer) : pending);
    if (!pw->attached && pw->out.bytes != pw->parked_at) {
        attach(s, pw);
    }
    if (s->cfg.file_size > 0 && pw->out.bytes + pending >= s->cfg.file_size) {
        return file_close(s, pw, err);
    }
    return WEIR_OK;
}

/* The writer's part of a write: touches pw, its writer and its sink file
 * only (the encoders run it for many partitions at once). */
static int put_rows(struct weir_outset *s, struct part_writer *pw, const struct ArrowArray *batch,
                    struct weir_error *err)
{
    int rc = s->cfg.writer->desc.writer->write(pw->writer, batch, err);
    return rc != WEIR_OK ? rc : weir_sink_output_drain(&pw->out, err);
}

/* Counts n rows written to pw in. */
static int count_rows(struct weir_outset *s, struct part_writer *pw, int64_t n,
                      struct weir_error *err)
{
    pw->rows += (uint64_t)n;
    pw->last_batch = s->batch_no;
    s->rows += (uint64_t)n;
    return after_write(s, pw, err);
}

static int write_to(struct weir_outset *s, struct part_writer *pw, const struct ArrowArray *batch,
                    struct weir_error *err)
{
    int rc;
    if ((pw->writer == NULL && (rc = file_open(s, pw, err)) != WEIR_OK) ||
        (rc = put_rows(s, pw, batch, err)) != WEIR_OK) {
        return rc;
    }
    return count_rows(s, pw, batch->length, err);
}

/*
 * The fan-out: one step (flush a row group, end a file) over many
 * partitions at once, on FANOUT threads each taking the next partition.
 * Partitions are independent: the step touches only the partition, its
 * writer and its sink file; the shared figures are counted afterwards by
 * the caller. A relief flushes hundreds of partitions and the end of a run
 * ends one file per partition, each encoding and compressing its rows and
 * (local sink) waiting on the disk: one at a time, 2,000 files took 2 s at
 * the end and the reading thread waited behind every relief. The caller's
 * thread is one of the FANOUT. Eight rather than one per core: a thread
 * ending a local file waits on the disk (folder, fsync of the file and of
 * its folder) and one ending an S3 file on a round trip, so that with four
 * on two cores the end of a 2,000-partition run kept 1.4 cores busy and
 * took 2.4 s; with eight, 1.5 to 1.9 s. Only a sink
 * whose files may be written and committed on different threads at once
 * (ops->concurrent) fans out; else, and for one partition, the caller's
 * thread takes them in turn.
 */
#define FANOUT 8

typedef int (*step_fn)(struct weir_outset *s, struct part_writer *pw, struct weir_error *err);

struct fan {
    struct weir_outset *s;
    struct part_writer **list;
    size_t n;
    step_fn step;
    pthread_mutex_t mu;
    size_t next;
    int status; /* the first failure: no partition is taken after it */
    struct weir_error error;
};

static void *fan_main(void *arg)
{
    struct fan *f = arg;
    struct weir_error e;
    for (;;) {
        pthread_mutex_lock(&f->mu);
        struct part_writer *pw =
            f->status == WEIR_OK && f->next < f->n ? f->list[f->next++] : NULL;
        pthread_mutex_unlock(&f->mu);
        if (pw == NULL) {
            return NULL;
        }
        memset(&e, 0, sizeof(e));
        int rc = f->step(f->s, pw, &e);
        pw->ended = rc == WEIR_OK ? 1 : -1;
        if (rc != WEIR_OK) {
            pthread_mutex_lock(&f->mu);
            if (f->status == WEIR_OK) {
                f->status = rc;
                f->error = e;
            }
            pthread_mutex_unlock(&f->mu);
        }
    }
}

/* Whether the sink's files may now be written and ended on several threads
 * at once (ops->concurrent, and its fan(1) when it has one: S3 gives each
 * thread its own connection); a refusal is logged and final. Pair a yes
 * with fan_end. */
static int fan_begin(struct weir_outset *s)
{
    const struct weir_sink_ops *so = s->cfg.sink->ops;
    struct weir_error fe;
    memset(&fe, 0, sizeof(fe));
    if (!so->concurrent || s->fan_refused) {
        return 0; /* refused once: not asked again (S3: a HeadBucket each time) */
    }
    if (so->fan != NULL && so->fan(s->cfg.sink, 1, &fe) != WEIR_OK) {
        s->fan_refused = 1;
        char msg[700];
        snprintf(msg, sizeof(msg), "files are written and ended one at a time: %s", fe.message);
        s->cfg.host->log(s->cfg.host->ctx, WEIR_LOG_WARN, "sink_serial", msg);
        return 0;
    }
    return 1;
}

static void fan_end(struct weir_outset *s)
{
    const struct weir_sink_ops *so = s->cfg.sink->ops;
    struct weir_error fe;
    memset(&fe, 0, sizeof(fe));
    if (so->fan != NULL) {
        (void)so->fan(s->cfg.sink, 0, &fe);
    }
}

/* Runs step over list[0, n): list[i]->ended is 1 where it succeeded, -1
 * where it failed, 0 where it was not run (after a failure). Returns the
 * first failure. */
static int fan_out(struct weir_outset *s, struct part_writer **list, size_t n, step_fn step,
                   struct weir_error *err)
{
    struct fan f = {.s = s, .list = list, .n = n, .step = step, .status = WEIR_OK};
    for (size_t i = 0; i < n; i++) {
        list[i]->ended = 0;
    }
    pthread_mutex_init(&f.mu, NULL);
    /* the caller's thread is one of them: it would only wait */
    pthread_t th[FANOUT - 1];
    size_t n_th = 0;
    int fan = n > 1 && fan_begin(s);
    while (fan && n_th < FANOUT - 1 && n_th + 1 < n &&
           pthread_create(&th[n_th], NULL, fan_main, &f) == 0) {
        n_th++;
    }
    (void)fan_main(&f);
    for (size_t i = 0; i < n_th; i++) {
        pthread_join(th[i], NULL);
    }
    if (fan) {
        fan_end(s);
    }
    pthread_mutex_destroy(&f.mu);
    if (f.status != WEIR_OK) {
        *err = f.error;
    }
    return f.status;
}

/* A relief's step: a row group of the partition's open file; a file that
 * was parked is parked again (a fanned-out relief must not take hundreds of
 * descriptors at once). */
static int flush_step(struct weir_outset *s, struct part_writer *pw, struct weir_error *err)
{
    int rc = s->cfg.writer->desc.writer->flush(pw->writer, err);
    if (rc == WEIR_OK) {
        rc = weir_sink_output_drain(&pw->out, err);
    }
    if (!pw->attached && s->cfg.sink->ops->park != NULL && s->cfg.sink->ops->park(pw->out.file)) {
        pw->parked_at = pw->out.bytes;
    }
    return rc;
}

/* Flushes list[0, n) on the fan-out and counts the flushes in. */
static int flush_many(struct weir_outset *s, struct part_writer **list, size_t n,
                      struct weir_error *err)
{
    struct weir_error e;
    int failed = fan_out(s, list, n, flush_step, &e);
    for (size_t i = 0; i < n; i++) {
        if (list[i]->ended > 0) {
            s->flushes++;
            if (after_write(s, list[i], err) != WEIR_OK) {
                return err->status;
            }
            list[i]->settled = list[i]->held;
        }
    }
    if (failed != WEIR_OK) {
        *err = e;
    }
    return failed;
}

static int encoders_round(struct weir_outset *s,
                          int (*step)(struct weir_outset *, struct encoder *,
                                      struct part_writer *, struct weir_error *),
                          struct part_writer **list, size_t n, struct weir_error *err);

static int compact_step(struct weir_outset *s, struct encoder *e, struct part_writer *pw,
                        struct weir_error *err)
{
    (void)e;
    return s->cfg.writer->desc.writer->compact(pw->writer, err);
}

/*
 * Compresses the rows list[0, n) took since their last relief into their
 * open row groups, in memory (writer ops->compact), and counts their memory
 * again. On the encoders when they run (each partition on the thread that
 * encoded its rows, so its pages come from the heap arena its buffers go
 * back to), else on this thread; not on the fan-out's passing threads:
 * pages that stay until the files end, allocated in other threads' arenas
 * beside the buffers freed here, cost 100 MB more peak RSS in the
 * 2,000-partition bench.
 */
static int compact_many(struct weir_outset *s, struct part_writer **list, size_t n,
                        struct weir_error *err)
{
    if (s->enc.running == ENCODERS && n > ENCODERS) {
        if (encoders_round(s, compact_step, list, n, err) != WEIR_OK) {
            return err->status;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            if (compact_step(s, NULL, list[i], err) != WEIR_OK) {
                return err->status;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (after_write(s, list[i], err) != WEIR_OK) {
            return err->status;
        }
        s->compactions++;
        list[i]->settled = list[i]->held;
    }
    return WEIR_OK;
}

/* Most memory first. */
static int by_held(const void *a, const void *b)
{
    const struct part_writer *x = *(struct part_writer *const *)a;
    const struct part_writer *y = *(struct part_writer *const *)b;
    return x->held < y->held ? 1 : x->held > y->held ? -1 : 0;
}

/* Idle partitions first (see relieve), then the largest. */
static int by_victim(const void *a, const void *b)
{
    const struct part_writer *x = *(struct part_writer *const *)a;
    const struct part_writer *y = *(struct part_writer *const *)b;
    return x->idle != y->idle ? y->idle - x->idle : by_held(a, b);
}

/* What a partition grew by since its last compaction or flush. */
static uint64_t fresh(const struct part_writer *pw)
{
    return pw->held > pw->settled ? pw->held - pw->settled : 0;
}

/* Most fresh bytes first. */
static int by_fresh(const void *a, const void *b)
{
    uint64_t x = fresh(*(struct part_writer *const *)a);
    uint64_t y = fresh(*(struct part_writer *const *)b);
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Most bytes a flush would write first. */
static int by_pending(const void *a, const void *b)
{
    const struct part_writer *x = *(struct part_writer *const *)a;
    const struct part_writer *y = *(struct part_writer *const *)b;
    return x->pending < y->pending ? 1 : x->pending > y->pending ? -1 : 0;
}

/* Writes the buffered rows of one partition as a row group / stripe of its
 * open file (a writer without `flush` closes the file instead). */
static int part_flush(struct weir_outset *s, struct part_writer *pw, struct weir_error *err)
{
    const struct weir_writer_ops *ops = s->cfg.writer->desc.writer;
    if (!WEIR_HAS_MEMBER(ops, struct weir_writer_ops, flush) || ops->flush == NULL) {
        return file_close(s, pw, err);
    }
    int rc = ops->flush(pw->writer, err);
    if (rc != WEIR_OK || (rc = weir_sink_output_drain(&pw->out, err)) != WEIR_OK) {
        return rc;
    }
    s->flushes++;
    rc = after_write(s, pw, err);
    pw->settled = pw->held;
    return rc;
}

static uint64_t sinks_held(const struct weir_outset *s)
{
    uint64_t n = 0;
    for (size_t i = 0; s->cfg.sink->ops->held != NULL && i < s->n_parts; i++) {
        n += sink_held(s, s->parts[i]);
    }
    return n;
}

/*
 * Row groups of list[0, n) in order until the memory held (with *in_sink,
 * the sinks' share, kept up to date) is down to `target`: on the fan-out in
 * rounds of as many partitions as should get there while the sinks hold
 * nothing (then no flush can move bytes into a sink), one at a time after.
 * When list is sorted by pending bytes, those with fewer than `least` are
 * left alone.
 */
static int flush_down(struct weir_outset *s, struct part_writer **list, size_t n,
                      uint64_t target, uint64_t least, uint64_t *in_sink, struct weir_error *err)
{
    while (n > 0 && list[n - 1]->pending < least) {
        n--; /* sorted by pending: the rest would gain less than they cost */
    }
    if (*in_sink == 0) {
        for (size_t i = 0; i < n && s->held > target;) {
            uint64_t left = s->held;
            size_t k = i;
            while (k < n && left > target) {
                left -= list[k]->pending < left ? list[k]->pending : left;
                k++;
            }
            if (flush_many(s, list + i, k - i, err) != WEIR_OK) {
                return err->status;
            }
            i = k;
        }
        /* the flushed bytes may wait in the sink now (an S3 part filling) */
        *in_sink = sinks_held(s);
    }
    for (size_t i = 0; i < n && s->held + *in_sink > target; i++) {
        struct part_writer *pw = list[i];
        if (pw->writer == NULL || pw->pending == 0) {
            continue; /* flushed above, or its file ended */
        }
        uint64_t before = sink_held(s, pw);
        if (part_flush(s, pw, err) != WEIR_OK) {
            return err->status;
        }
        *in_sink = *in_sink - before + sink_held(s, pw);
    }
    return WEIR_OK;
}

/* A relief compresses a partition's rows in memory once they grew by this
 * much, and writes a row group of a partition still taking rows once this
 * much waits (or an eighth of the budget's share per open file, when that
 * is less): smaller ones would make tiny pages and row groups, whose
 * metadata (kept for the footer) can outweigh what they free. */
#define RELIEF_MIN ((uint64_t)16 << 10)

/*
 * Keeps the bytes held in memory (writers' buffered rows, and what the sink
 * holds of files not yet sent: S3 parts still filling) within the budget.
 * Over it, memory is brought down to half the budget in three steps, each
 * only while still above it:
 *   1. partitions that got no rows lately (clustered rows have moved on)
 *      write their rows as a row group, largest first: they are done;
 *   2. partitions still taking rows compress what they took since their
 *      last relief into their open row group, in memory (writer `compact`),
 *      most fresh bytes first: an unclustered run's rows come to a fifth of
 *      the memory they took, and each file gets one row group per budget's
 *      worth of compressed rows instead of one per relief;
 *   3. the partitions with most bytes waiting write a row group.
 * Files stay open (a writer without flush ends them instead); only bytes a
 * sink holds (an S3 part below the part size) can end a file early. What
 * the steps cannot free (an open file's structures, the metadata of its
 * written row groups) stays: a budget smaller than that for the files open
 * is warned of once (memory_budget_small).
 */
#ifdef __GLIBC__
#define TRIM_ABOVE ((uint64_t)48 << 20)

/* The process's resident bytes; UINT64_MAX when unknown. */
static uint64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "re");
    unsigned long long size = 0, res = 0;
    if (f == NULL) {
        return UINT64_MAX;
    }
    int n = fscanf(f, "%llu %llu", &size, &res);
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return n == 2 && page > 0 ? (uint64_t)res * (uint64_t)page : UINT64_MAX;
}
#endif

static int relieve(struct weir_outset *s, struct weir_error *err)
{
    uint64_t budget = s->cfg.memory_budget;
    if (budget == 0) {
        return WEIR_OK;
    }
    uint64_t in_sink = sinks_held(s);
    /* room for the next batch, as large as the batches lately: relief only
     * after a batch that ends over the budget lets the peak pass it by one */
    if (s->held + in_sink + s->growth <= budget) {
        return WEIR_OK;
    }
    if (grow((void **)&s->sorted, &s->sorted_cap, s->n_parts, sizeof(*s->sorted), err) !=
        WEIR_OK) {
        return err->status;
    }
    size_t n = 0;
    for (size_t i = 0; i < s->n_parts; i++) {
        struct part_writer *pw = s->parts[i];
        if (pw->writer != NULL) {
            /* no rows in this batch or the one before */
            pw->idle = pw->last_batch + 1 < s->batch_no;
            s->sorted[n++] = pw;
        }
    }
    qsort(s->sorted, n, sizeof(*s->sorted), by_victim);
    const struct weir_writer_ops *ops = s->cfg.writer->desc.writer;
    uint64_t target = budget / 2;
    /* RELIEF_MIN, or less when many files share a small budget */
    uint64_t share = budget / 8 / (n > 0 ? n : 1);
    uint64_t least = share < RELIEF_MIN ? (share > 0 ? share : 1) : RELIEF_MIN;
    size_t n_idle = 0;
    while (n_idle < n && s->sorted[n_idle]->idle) {
        n_idle++;
    }
    int can_flush = WEIR_HAS_MEMBER(ops, struct weir_writer_ops, flush) && ops->flush != NULL;
    if (can_flush) {
        qsort(s->sorted, n_idle, sizeof(*s->sorted), by_pending);
        if (flush_down(s, s->sorted, n_idle, target, 1, &in_sink, err) != WEIR_OK) {
            return err->status;
        }
    }
    struct part_writer **busy = s->sorted + n_idle;
    size_t n_busy = n - n_idle;
    if (WEIR_HAS_MEMBER(ops, struct weir_writer_ops, compact) && ops->compact != NULL &&
        s->held + in_sink > target) {
        qsort(busy, n_busy, sizeof(*busy), by_fresh);
        /* rounds of as many as should get there if compressing took all
         * they grew by (it takes less: the next round takes more) */
        for (size_t i = 0; i < n_busy && s->held + in_sink > target && fresh(busy[i]) >= least;) {
            uint64_t left = s->held + in_sink;
            size_t k = i;
            while (k < n_busy && left > target && fresh(busy[k]) >= least) {
                left -= fresh(busy[k]) < left ? fresh(busy[k]) : left;
                k++;
            }
            if (compact_many(s, busy + i, k - i, err) != WEIR_OK) {
                return err->status;
            }
            i = k;
        }
    }
    if (s->held + in_sink > target && can_flush) {
        qsort(busy, n_busy, sizeof(*busy), by_pending);
        if (flush_down(s, busy, n_busy, target, least, &in_sink, err) != WEIR_OK) {
            return err->status;
        }
    }
#ifdef __GLIBC__
    /* The relieved writers freed their buffers in small pieces all over the
     * heap, where glibc keeps them (it returns only the heap's top): give
     * the free pages back once the process's RSS passes the budget by
     * TRIM_ABOVE, or it would stay at its peak while the budget counts them
     * as released. Not below: the rows that come next would take the pages
     * back with a page fault each (on the bench's 2,000 partitions, 207,000
     * faults with a trim at every relief, 174,000 with TRIM_ABOVE 32 MiB;
     * with the heap settings of main.c, 160,000 at 32 MiB and 142,000 and
     * 9% less CPU at 48, the peak then budget + 54 MiB). */
    if (rss_bytes() > budget + TRIM_ABOVE) {
        malloc_trim(0);
    }
#endif
    if (can_flush && s->held > budget && !s->small_warned) {
        /* what the open files keep whatever is flushed (their structures,
         * the written row groups' metadata): ending files would not help,
         * the next rows open them again */
        s->small_warned = 1;
        char msg[300];
        snprintf(msg, sizeof(msg),
                 "the memory budget (%" PRIu64 " bytes) is too small for %zu open files, "
                 "which keep %" PRIu64 " bytes after their rows are written; raise "
                 "target.memory_budget or partition more coarsely",
                 budget, s->n_open, s->held);
        s->cfg.host->log(s->cfg.host->ctx, WEIR_LOG_WARN, "memory_budget_small", msg);
    }
    if (!can_flush && s->held + in_sink > target) {
        /* a writer without flush ends its files */
        qsort(s->sorted, n, sizeof(*s->sorted), by_held);
        for (size_t i = 0; i < n && s->held + in_sink > target; i++) {
            struct part_writer *pw = s->sorted[i];
            uint64_t before = sink_held(s, pw);
            if (pw->writer != NULL && file_close(s, pw, err) != WEIR_OK) {
                return err->status;
            }
            in_sink -= before < in_sink ? before : in_sink;
        }
    }
    /* what is left is in the sink's buffers: end the files holding most */
    for (size_t round = 0; in_sink > target && round < s->n_parts; round++) {
        struct part_writer *big = NULL;
        uint64_t most = 0;
        for (size_t i = 0; i < s->n_parts; i++) {
            uint64_t h = sink_held(s, s->parts[i]);
            if (h > most) {
                most = h;
                big = s->parts[i];
            }
        }
        if (big == NULL || file_close(s, big, err) != WEIR_OK) {
            return big == NULL ? WEIR_OK : err->status;
        }
        in_sink -= most;
    }
    return WEIR_OK;
}

/* A builder for the rows of one partition at a time, from the schema. */
static int builder_init(const struct weir_outset *s, struct weir_abatch *b, int *ready,
                        struct weir_error *err)
{
    if (*ready) {
        return WEIR_OK;
    }
    if (weir_abatch_init(b, s->schema.n_children, err) != WEIR_OK) {
        return err->status;
    }
    for (int64_t i = 0; i < s->schema.n_children; i++) {
        if (weir_abatch_set_from_schema(b, i, s->schema.children[i], err) != WEIR_OK) {
            weir_abatch_reset(b);
            return err->status;
        }
    }
    *ready = 1;
    return WEIR_OK;
}

static int take_init(struct weir_outset *s, struct weir_error *err)
{
    if (s->take_ready) {
        return WEIR_OK;
    }
    if (builder_init(s, &s->take, &s->take_ready, err) != WEIR_OK) {
        return err->status;
    }
    for (int64_t i = 0; i < s->take.n_cols; i++) {
        s->take_lists |= s->take.cols[i].layout == WEIR_ACOL_LIST;
    }
    return WEIR_OK;
}

/* The longest folder name ("column=value"): a file system's name limit
 * (NAME_MAX), so a lake on S3 can also be copied to a disk. */
#define FOLDER_MAX 255

/* The partition of row r of the batch. */
static int row_part(struct weir_outset *s, const struct ArrowArray *col, int64_t r,
                    struct part_writer **out, struct weir_error *err)
{
    int64_t day = 0;
    int timed = s->is_time && row_day(s, col, r, &day);
    if (timed && (*out = day_get(s, day)) != NULL) {
        return WEIR_OK;
    }
    char key[FOLDER_MAX + 1], folder[2 * FOLDER_MAX];
    const char *name = s->schema.children[s->part_col]->name;
    size_t len = weir_partition_value(s->part_format, s->cfg.granularity, col, r, key, sizeof(key));
    len += strlen(name) + 1; /* the folder name's */
    if (len > FOLDER_MAX) {
        /* cut to fit, a longer value would share its folder with others */
        size_t shown = strnlen(key, 40);
        while (shown > 0 && ((unsigned char)key[shown] & 0xC0) == 0x80) {
            shown--; /* not in the middle of a UTF-8 character */
        }
        weir_error_set(err, WEIR_EDATA,
                       "partition column \"%s\": a value gives the folder name \"%s=%.*s...\" of "
                       "%zu bytes; a folder name has at most %d",
                       name, name, (int)shown, key, len, FOLDER_MAX);
        return weir_error_hint(err, "partition by a shorter column, or by a prefix of this one "
                                    "computed in the job's query");
    }
    snprintf(folder, sizeof(folder), "%s=%s", name, key);
    int rc = part_get(s, folder, out, err);
    if (rc == WEIR_OK && timed) {
        day_put(s, day, *out);
    }
    return rc;
}

/* Gathers pw's rows of the batch (s->order) into the builder and hands
 * them to its writer: touches pw, its writer and the builder only. */
static int gather_put(struct weir_outset *s, struct part_writer *pw, struct weir_abatch *take,
                      struct weir_aview *view, const struct ArrowArray *batch,
                      struct weir_error *err)
{
    int64_t end = pw->cursor, start = end - pw->n_batch;
    for (int64_t c = 0; c < take->n_cols; c++) {
        if (weir_acol_append_take(&take->cols[c], batch->children[c], s->order + start,
                                  end - start) != WEIR_OK) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory splitting a batch");
        }
    }
    take->length = pw->n_batch;
    if (s->take_lists) { /* a view has no list children: the rows move out */
        struct ArrowArray moved;
        if (weir_abatch_finish(take, &moved, err) != WEIR_OK) {
            return err->status;
        }
        int rc = put_rows(s, pw, &moved, err);
        moved.release(&moved);
        return rc;
    }
    /* the writer borrows the rows for the call: a view, and the builder
     * keeps its buffers for the next partition's rows */
    struct ArrowArray *part = NULL;
    int rc = weir_abatch_view(take, view, &part, err);
    if (rc == WEIR_OK) {
        rc = put_rows(s, pw, part, err);
        part->release(part);
    }
    weir_abatch_rewind(take);
    return rc;
}

/* Writes rows order[pw->cursor - pw->n_batch, pw->cursor) of the batch to pw. */
static int write_rows(struct weir_outset *s, struct part_writer *pw,
                      const struct ArrowArray *batch, struct weir_error *err)
{
    int rc;
    if ((pw->writer == NULL && (rc = file_open(s, pw, err)) != WEIR_OK) ||
        (rc = gather_put(s, pw, &s->take, &s->take_view, batch, err)) != WEIR_OK) {
        return rc;
    }
    return count_rows(s, pw, pw->n_batch, err);
}

/* Encoder k's share of the round: the listed partitions of its slot. */
static void encode_share(struct weir_outset *s, struct encoder *e)
{
    struct encoders *p = &s->enc;
    e->status = WEIR_OK;
    for (size_t k = 0; k < p->n; k++) {
        struct part_writer *pw = p->list[k];
        if (pw->slot == e->k && p->step(s, e, pw, &e->error) != WEIR_OK) {
            e->status = e->error.status;
            return;
        }
    }
}

/* A write round's step: the partition's rows of the batch. */
static int gather_step(struct weir_outset *s, struct encoder *e, struct part_writer *pw,
                       struct weir_error *err)
{
    if (builder_init(s, &e->take, &e->take_ready, err) != WEIR_OK) {
        return err->status;
    }
    int rc = gather_put(s, pw, &e->take, &e->view, s->enc.batch, err);
    /* a parked file the writer wrote to (a row group) is parked again, as
     * flush_step does: the threads must not take a descriptor each */
    int (*park)(struct weir_sink_file *) = s->cfg.sink->ops->park;
    if (!pw->attached && park != NULL && pw->out.bytes != pw->parked_at && park(pw->out.file)) {
        pw->parked_at = pw->out.bytes;
    }
    return rc;
}

/* Runs a round over list[0, n) on the encoders (which must be running);
 * the first failure in *err. */
static int encoders_round(struct weir_outset *s,
                          int (*step)(struct weir_outset *, struct encoder *,
                                      struct part_writer *, struct weir_error *),
                          struct part_writer **list, size_t n, struct weir_error *err)
{
    struct encoders *p = &s->enc;
    pthread_mutex_lock(&p->mu);
    p->step = step;
    p->list = list;
    p->n = n;
    p->busy = ENCODERS;
    p->round++;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    encode_share(s, &p->enc[0]);
    pthread_mutex_lock(&p->mu);
    while (p->busy > 0) {
        pthread_cond_wait(&p->done, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    for (unsigned k = 0; k <= ENCODERS; k++) {
        if (p->enc[k].status != WEIR_OK) {
            *err = p->enc[k].error;
            return err->status;
        }
    }
    return WEIR_OK;
}

static void *encoder_main(void *arg)
{
    struct encoder *e = arg;
    struct encoders *p = &e->s->enc;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->round == seen) {
            pthread_cond_wait(&p->go, &p->mu);
        }
        if (p->stop) {
            break;
        }
        seen = p->round;
        pthread_mutex_unlock(&p->mu);
        encode_share(e->s, e);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0) {
            pthread_cond_signal(&p->done);
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Starts the encoder threads once; 0 unless all of them run (a round
 * waits for ENCODERS threads, and the slots assume them). */
static int encoders_start(struct weir_outset *s)
{
    struct encoders *p = &s->enc;
    if (p->running > 0) {
        return p->running == ENCODERS;
    }
    for (unsigned k = 0; k <= ENCODERS; k++) {
        p->enc[k].s = s;
        p->enc[k].k = k;
    }
    while (p->running < ENCODERS &&
           pthread_create(&p->enc[p->running + 1].thread, NULL, encoder_main,
                          &p->enc[p->running + 1]) == 0) {
        p->running++;
    }
    return p->running == ENCODERS;
}

static void encoders_stop(struct weir_outset *s)
{
    struct encoders *p = &s->enc;
    if (p->running > 0) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
        for (int k = 1; k <= p->running; k++) {
            pthread_join(p->enc[k].thread, NULL);
        }
        p->running = 0;
    }
    for (unsigned k = 0; k <= ENCODERS; k++) {
        if (p->enc[k].take_ready) {
            weir_abatch_reset(&p->enc[k].take);
            p->enc[k].take_ready = 0;
        }
        weir_aview_reset(&p->enc[k].view);
    }
}

/*
 * The touched partitions' rows (s->order, cursors at their ends) through
 * the encoders, when the sink allows it and there are enough partitions to
 * share; else one after the other on this thread.
 */
static int write_touched(struct weir_outset *s, const struct ArrowArray *batch,
                         struct weir_error *err)
{
    if (!s->cfg.sink->ops->concurrent || s->take_lists || s->n_touched < 4 * (ENCODERS + 1) ||
        !encoders_start(s) || !fan_begin(s)) {
        for (size_t k = 0; k < s->n_touched; k++) {
            if (write_rows(s, s->touched[k], batch, err) != WEIR_OK) {
                return err->status;
            }
        }
        return WEIR_OK;
    }
    /* the sink fanned out (S3: the encoders' own connections, for the
     * uploads a write may start) until the round ends */
    int rc = WEIR_OK;
    for (size_t k = 0; k < s->n_touched && rc == WEIR_OK; k++) {
        struct part_writer *pw = s->touched[k];
        if (pw->writer == NULL) {
            rc = file_open(s, pw, err);
        }
    }
    if (rc == WEIR_OK) {
        s->enc.batch = batch;
        rc = encoders_round(s, gather_step, s->touched, s->n_touched, err);
    }
    fan_end(s);
    if (rc != WEIR_OK) {
        return rc;
    }
    for (size_t k = 0; k < s->n_touched; k++) {
        if (count_rows(s, s->touched[k], s->touched[k]->n_batch, err) != WEIR_OK) {
            return err->status;
        }
    }
    return WEIR_OK;
}

/* A partition the rows have left (written by the batch before, not by this
 * one: a table clustered by the partition column has moved on) is flushed as
 * a row group of its open file once it holds IDLE_FLUSH_MIN, instead of
 * holding its rows until the budget or the end: a clustered run then holds
 * about one partition's rows rather than all of them. Rows that come back
 * go on in the same file. */
#define IDLE_FLUSH_MIN ((uint64_t)4 << 20)

static int flush_left(struct weir_outset *s, struct weir_error *err)
{
    for (size_t k = 0; k < s->n_before; k++) {
        struct part_writer *pw = s->before[k];
        if (pw->last_batch != s->batch_no && pw->writer != NULL && pw->pending > 0 &&
            pw->held >= IDLE_FLUSH_MIN) {
            if (part_flush(s, pw, err) != WEIR_OK) {
                return err->status;
            }
            s->left_flushes++;
        }
    }
    if (grow((void **)&s->before, &s->before_cap, s->n_touched, sizeof(*s->before), err) !=
        WEIR_OK) {
        return err->status;
    }
    memcpy(s->before, s->touched, s->n_touched * sizeof(*s->before));
    s->n_before = s->n_touched;
    return WEIR_OK;
}

static void view_release(struct ArrowArray *a)
{
    a->release = NULL;
}

/* Rows [start, start + n) of the batch as a borrowed view (the writers honour
 * the top-level offset) written to pw: no copy. */
static int write_range(struct weir_outset *s, struct part_writer *pw,
                       const struct ArrowArray *batch, int64_t start, int64_t n,
                       struct weir_error *err)
{
    struct ArrowArray v = *batch;
    v.offset = batch->offset + start;
    v.length = n;
    v.private_data = NULL;
    v.release = view_release;
    return write_to(s, pw, &v, err);
}

/* Splits the batch by partition: one pass to find each row's partition, a
 * counting sort of the row numbers, one sub-batch per partition. When every
 * partition's rows are one run of the batch (a table clustered by the
 * partition column, where a batch spans a few partitions), each run is
 * written as a view of the batch instead: no copy. */
static int route(struct weir_outset *s, const struct ArrowArray *batch, struct weir_error *err)
{
    const struct ArrowArray *col = batch->children[s->part_col];
    size_t n = (size_t)batch->length;
    if (n > s->row_cap) {
        size_t cap = s->row_cap;
        if (grow((void **)&s->row_pw, &cap, n, sizeof(*s->row_pw), err) != WEIR_OK) {
            return err->status;
        }
        cap = s->row_cap;
        if (grow((void **)&s->order, &cap, n, sizeof(*s->order), err) != WEIR_OK) {
            return err->status;
        }
        s->row_cap = cap;
    }
    s->n_touched = 0;
    struct part_writer *last = NULL;
    size_t runs = 0;
    int rc = WEIR_OK;
    for (size_t r = 0; r < n && rc == WEIR_OK; r++) {
        struct part_writer *pw = NULL;
        if ((rc = row_part(s, col, (int64_t)r, &pw, err)) != WEIR_OK) {
            break;
        }
        if (pw->n_batch++ == 0) {
            rc = grow((void **)&s->touched, &s->touched_cap, s->n_touched + 1,
                      sizeof(*s->touched), err);
            if (rc == WEIR_OK) {
                s->touched[s->n_touched++] = pw;
            }
        }
        runs += pw != last;
        s->row_pw[r] = pw;
        last = pw;
    }
    if (rc == WEIR_OK && s->n_touched == 1) {
        rc = write_to(s, last, batch, err);
    } else if (rc == WEIR_OK && runs == s->n_touched && (rc = take_init(s, err)) == WEIR_OK &&
               !s->take_lists) {
        for (size_t r = 0; r < n && rc == WEIR_OK;) {
            size_t e = r + 1;
            while (e < n && s->row_pw[e] == s->row_pw[r]) {
                e++;
            }
            rc = write_range(s, s->row_pw[r], batch, (int64_t)r, (int64_t)(e - r), err);
            r = e;
        }
    } else if (rc == WEIR_OK) {
        int64_t at = 0;
        for (size_t k = 0; k < s->n_touched; k++) {
            s->touched[k]->cursor = at;
            at += s->touched[k]->n_batch;
        }
        for (size_t r = 0; r < n; r++) {
            s->order[s->row_pw[r]->cursor++] = (int64_t)r;
        }
        rc = take_init(s, err);
        if (rc == WEIR_OK) {
            rc = write_touched(s, batch, err);
        }
    }
    for (size_t k = 0; k < s->n_touched; k++) {
        s->touched[k]->n_batch = 0;
    }
    return rc == WEIR_OK ? flush_left(s, err) : rc;
}

int weir_outset_write(struct weir_outset *s, const struct ArrowArray *batch,
                      struct weir_error *err)
{
    if (batch->length == 0) {
        return WEIR_OK;
    }
    int rc;
    uint64_t before = s->held;
    if (s->part_col >= 0) {
        rc = route(s, batch, err);
    } else {
        char folder[64] = "";
        if (s->cfg.partition_kind == WEIR_PART_INGEST_DATE) {
            snprintf(folder, sizeof(folder), "ingest_date=%s", s->cfg.ingest_date);
        }
        struct part_writer *pw = NULL;
        if ((rc = part_get(s, folder, &pw, err)) == WEIR_OK) {
            rc = write_to(s, pw, batch, err);
        }
    }
    s->batch_no++;
    /* buffers grow by steps: keep the larger steps in mind for a while */
    uint64_t grew = s->held > before ? s->held - before : 0;
    s->growth = grew > s->growth - s->growth / 8 ? grew : s->growth - s->growth / 8;
    return rc != WEIR_OK ? rc : relieve(s, err);
}

static void *pipe_main(void *arg)
{
    struct weir_outset *s = arg;
    struct outset_pipe *p = &s->pipe;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->n == 0 && !p->stop) {
            pthread_cond_wait(&p->cv, &p->mu);
        }
        if (p->n == 0) {
            break;
        }
        struct ArrowArray b = p->q[p->head];
        p->head = (p->head + 1) % PIPE_DEPTH;
        p->n--;
        int route_it = p->status == WEIR_OK && !p->drop;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        struct weir_error e;
        memset(&e, 0, sizeof(e));
        int rc = route_it ? weir_outset_write(s, &b, &e) : WEIR_OK;
        b.release(&b);
        pthread_mutex_lock(&p->mu);
        if (rc != WEIR_OK && p->status == WEIR_OK) {
            p->status = rc;
            p->error = e;
        }
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Ends the routing thread: after the batches waiting, or at once dropping
 * them. Returns the thread's first error, copied to err. */
static int pipe_join(struct weir_outset *s, int drop, struct weir_error *err)
{
    struct outset_pipe *p = &s->pipe;
    if (p->running) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        p->drop |= drop;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
        p->running = 0;
    }
    if (p->status != WEIR_OK && err != NULL) {
        *err = p->error;
    }
    return p->status;
}

int weir_outset_put(struct weir_outset *s, struct ArrowArray *batch, struct weir_error *err)
{
    struct outset_pipe *p = &s->pipe;
    if (!p->on) {
        int rc = weir_outset_write(s, batch, err);
        batch->release(batch);
        return rc;
    }
    if (!p->running && p->status == WEIR_OK && !p->stop) {
        if (pthread_create(&p->thread, NULL, pipe_main, s) != 0) {
            p->on = 0; /* no thread: route here */
            return weir_outset_put(s, batch, err);
        }
        p->running = 1;
    }
    pthread_mutex_lock(&p->mu);
    while (p->n == PIPE_DEPTH && p->status == WEIR_OK) {
        pthread_cond_wait(&p->cv, &p->mu);
    }
    int rc = p->status;
    if (rc == WEIR_OK && p->running) {
        p->q[(p->head + p->n) % PIPE_DEPTH] = *batch;
        p->n++;
        p->rows_in += (uint64_t)batch->length;
        batch->release = NULL; /* moved */
        pthread_cond_broadcast(&p->cv);
    } else if (rc != WEIR_OK) {
        *err = p->error;
    }
    pthread_mutex_unlock(&p->mu);
    if (batch->release != NULL) {
        batch->release(batch);
        if (rc == WEIR_OK) {
            rc = weir_error_set(err, WEIR_EINTERNAL, "the outset's routing thread has ended");
        }
    }
    return rc;
}

void weir_outset_halt(struct weir_outset *s)
{
    if (s == NULL) {
        return;
    }
    (void)pipe_join(s, 1, NULL);
}

/* Ends every open file, on the fan-out (see FANOUT), counting them in in
 * partition order as one thread would. */
static int close_all(struct weir_outset *s, struct weir_error *err)
{
    if (grow((void **)&s->sorted, &s->sorted_cap, s->n_parts, sizeof(*s->sorted), err) !=
        WEIR_OK) {
        return err->status;
    }
    size_t n = 0;
    for (size_t i = 0; i < s->n_parts; i++) {
        if (s->parts[i]->writer != NULL) {
            s->sorted[n++] = s->parts[i];
        }
    }
    struct weir_error e;
    int rc = fan_out(s, s->sorted, n, file_end, &e);
    for (size_t i = 0; i < n; i++) {
        if (s->sorted[i]->ended != 0) {
            file_account(s, s->sorted[i], s->sorted[i]->ended > 0);
        }
    }
    if (rc != WEIR_OK) {
        *err = e;
    }
    return rc;
}

/* Logs "N what (P partitions)" when N > 0. */
static void tally(struct weir_outset *s, const char *event, uint64_t n, const char *what)
{
    if (n > 0) {
        char msg[200];
        snprintf(msg, sizeof(msg), "%" PRIu64 " %s (%zu partitions)", n, what, s->n_parts);
        s->cfg.host->log(s->cfg.host->ctx, WEIR_LOG_INFO, event, msg);
    }
}

int weir_outset_finish(struct weir_outset *s, struct weir_error *err)
{
    if (pipe_join(s, 0, err) != WEIR_OK) {
        return err->status;
    }
    encoders_stop(s);
    if (close_all(s, err) != WEIR_OK) {
        return err->status;
    }
    tally(s, "partition_left_flushes", s->left_flushes,
          "row groups were written when the rows moved on to other partitions");
    tally(s, "memory_budget_flushes", s->flushes - s->left_flushes,
          "row groups were written early to stay within the memory budget");
    tally(s, "memory_budget_compactions", s->compactions,
          "times a partition's rows were compressed in memory to stay within the memory budget");
    if (s->parks > 0) {
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "%" PRIu64 " times a file's descriptor was closed while the file stayed open, "
                 "to keep at most %zu descriptors (%zu files at most held one)",
                 s->parks, s->cfg.max_open_files, s->peak_attached);
        s->cfg.host->log(s->cfg.host->ctx, WEIR_LOG_INFO, "open_files_parked", msg);
    }
    return WEIR_OK;
}

uint64_t weir_outset_rows(const struct weir_outset *s)
{
    /* while the routing thread runs, the caller's own count */
    return s->pipe.running ? s->pipe.rows_in : s->rows;
}

uint64_t weir_outset_bytes(const struct weir_outset *s)
{
    return s->bytes;
}

const json_t *weir_outset_files(const struct weir_outset *s)
{
    return s->files;
}

const json_t *weir_outset_partitions(const struct weir_outset *s)
{
    return s->partitions;
}

const json_t *weir_outset_partition_rows(const struct weir_outset *s)
{
    return s->partition_rows;
}

uint64_t weir_outset_buffered(const struct weir_outset *s)
{
    return s->held;
}

size_t weir_outset_open_files(const struct weir_outset *s)
{
    return s->n_open;
}

size_t weir_outset_attached_files(const struct weir_outset *s, size_t *peak)
{
    if (peak != NULL) {
        *peak = s->peak_attached;
    }
    return s->n_attached;
}

void weir_outset_free(struct weir_outset *s)
{
    if (s == NULL) {
        return;
    }
    (void)pipe_join(s, 1, NULL);
    encoders_stop(s);
    pthread_mutex_destroy(&s->pipe.mu);
    pthread_cond_destroy(&s->pipe.cv);
    pthread_mutex_destroy(&s->enc.mu);
    pthread_cond_destroy(&s->enc.go);
    pthread_cond_destroy(&s->enc.done);
    for (size_t i = 0; i < s->n_parts; i++) {
        file_drop(s, s->parts[i]);
        free(s->parts[i]);
    }
    free(s->parts);
    free(s->index);
    free(s->days);
    if (s->schema.release != NULL) {
        s->schema.release(&s->schema);
    }
    if (s->take_ready) {
        weir_abatch_reset(&s->take);
    }
    weir_aview_reset(&s->take_view);
    free(s->row_pw);
    free(s->order);
    free(s->touched);
    free(s->before);
    free(s->sorted);
    json_decref(s->files);
    json_decref(s->partitions);
    json_decref(s->partition_rows);
    free(s);
}
