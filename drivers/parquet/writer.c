/* The Parquet writer ops: options, batches in, row groups and footer out. */
#include "parquet/writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parquet/batch.h"
#include "parquet/codec.h"
#include "parquet/column.h"
#include "parquet/footer.h"
#include "parquet/types.h"
#include "util/arrow.h"

const struct weir_option weir_pq_options[] = {
    {"compression", WEIR_OPT_ENUM, 0, "snappy", "none|snappy|gzip|zstd|lz4",
     "page compression codec (lz4 is Parquet's LZ4_RAW)"},
    {"compression_level", WEIR_OPT_INT, 0, NULL, NULL,
     "codec level: gzip 0..9, zstd 1..22, lz4 1..12 (HC above 1); default: the codec's own"},
    {"row_group_size", WEIR_OPT_SIZE, 0, "128MiB", NULL,
     "encoded bytes buffered before a row group is written"},
    {"page_size", WEIR_OPT_SIZE, 0, "1MiB", NULL, "encoded value bytes per data page"},
    {"dictionary_page_limit", WEIR_OPT_SIZE, 0, "1MiB", NULL,
     "dictionary bytes per column chunk before the chunk falls back to PLAIN"},
    {"timestamp_unit", WEIR_OPT_ENUM, 0, "us", "us|ms",
     "timestamp unit; ms drops sub-millisecond digits (floor division)"},
    {"types_profile", WEIR_OPT_ENUM, 0, "compat", "compat|native",
     "compat: types every lake reader reads (uuid as text, time as int64 µs); native: Parquet "
     "UUID, TIME, unsigned INTEGER (drivers/TYPES.md)"},
    {"created_by", WEIR_OPT_STRING, 0, "weir", NULL, "the footer's created_by"},
    {"threads", WEIR_OPT_INT, 0, "1", NULL,
     "encoder threads besides the caller's: 1 encodes and compresses in a worker while the "
     "source reads on, 0 encodes inside write()"},
};
const size_t weir_pq_n_options = sizeof(weir_pq_options) / sizeof(weir_pq_options[0]);

/* Rows encoded per column before the row group size is checked again. */
#define SLICE_ROWS 1024

/* A sealed row group waiting for the host's thread to write it. */
struct pq_ready {
    struct weir_pq_pages *pages; /* owned, n_cols */
    uint64_t bytes;
};

/*
 * The encoder thread (threads: 1). write() copies the batch (the host's is
 * borrowed), waits until the worker has finished the previous one, hands it
 * over and returns; so one batch is encoded while the source reads the next.
 * The worker seals full row groups but never touches `out`: every byte is
 * written from the host's thread, inside write() or finish(), as the ABI
 * wants. At most one sealed row group waits or is being written while the
 * worker fills the next; a worker with a second one waits, which bounds
 * memory at about two row groups in the worst case (a batch larger than a
 * row group) and one row group plus a batch otherwise.
 */
struct pq_pipe {
    pthread_t thread;
    bool running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct weir_pq_batch copies[2]; /* the one being encoded, the one being copied */
    int next_copy;
    struct weir_pq_batch *job; /* handed to the worker; NULL when idle */
    struct pq_ready *ready;    /* sealed, waiting for the host's thread */
    bool writing;              /* the host's thread is writing a row group */
    uint64_t writing_bytes;
    bool stop;
    int status; /* the worker's first error */
    struct weir_error error;
    uint64_t enc_buffered; /* encoded bytes held by the columns, as of the last job */
    uint64_t enc_memory;   /* heap bytes of the columns, as of the last job */
};

struct pq_writer {
    const struct weir_host *host; /* borrowed; may be NULL */
    struct weir_output *out;      /* borrowed */
    uint64_t pos;                 /* bytes written to out */
    uint64_t vpos;                /* where the next sealed row group will start */
    bool started, finished;
    int failed; /* first error status; the writer refuses further work */
    uint64_t row_group_size;
    struct weir_pq_column_opts copts;
    struct weir_pq_codec_ctx *codec;
    struct weir_pq_column *cols;
    size_t n_cols;
    int64_t rg_rows;
    struct weir_pq_rowgroup *rgs;
    size_t n_rgs, rgs_cap;
    uint64_t rgs_meta; /* heap bytes of the sealed chunks' metadata, kept for the footer */
    struct weir_kv *kv; /* owned strings */
    size_t n_kv;
    char *created_by;
    struct weir_pq_buf footer;
    int threads;
    struct pq_pipe pipe;
};

int weir_pq_parse_size(const char *s, uint64_t *out)
{
    static const struct {
        const char *suffix;
        unsigned shift;
    } units[] = {{"", 0}, {"B", 0}, {"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40}};
    if (s == NULL || *s < '0' || *s > '9') {
        return -1;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].suffix) == 0) {
            if (v > (UINT64_MAX >> units[i].shift)) {
                return -1;
            }
            *out = (uint64_t)v << units[i].shift;
            return 0;
        }
    }
    return -1;
}

static void wlog(const struct pq_writer *w, int level, const char *event, const char *msg)
{
    if (w->host != NULL && w->host->log != NULL) {
        w->host->log(w->host->ctx, level, event, msg);
    }
}

static int size_option(const struct weir_kv *kv, size_t n, const char *key, const char *def,
                       uint64_t min, uint64_t *out, struct weir_error *err)
{
    const char *v = weir_kv_get(kv, n, key);
    if (v == NULL) {
        v = def;
    }
    if (weir_pq_parse_size(v, out) != 0 || *out < min) {
        weir_error_set(err, WEIR_ECONFIG, "parquet option %s: \"%s\" is not a size of at least "
                       "%llu bytes", key, v, (unsigned long long)min);
        return weir_error_hint(err, "write a byte count such as 1048576, 64KiB, 128MiB or 1GiB");
    }
    return WEIR_OK;
}

/* Footer keys every file carries: the types profile and the source types. */
static int add_weir_keys(struct pq_writer *w, const struct ArrowSchema *schema, bool native,
                         struct weir_error *err)
{
    struct weir_kv *e = &w->kv[w->n_kv++];
    e->key = strdup("weir.types_profile");
    e->value = strdup(native ? "native" : "compat");
    if (e->key == NULL || e->value == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    e = &w->kv[w->n_kv++];
    e->key = strdup("weir.source_types");
    e->value = weir_arrow_source_types_json(schema);
    if (e->key == NULL || e->value == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    return WEIR_OK;
}

static int parse_options(struct pq_writer *w, const struct weir_kv *kv, size_t n, bool *ts_millis,
                         bool *native, struct weir_error *err)
{
    const char *comp = weir_kv_get(kv, n, "compression");
    int codec = weir_pq_codec_from_name(comp != NULL ? comp : "snappy");
    if (codec < 0) {
        weir_error_set(err, WEIR_ECONFIG, "parquet option compression: unknown codec \"%s\"",
                       comp);
        return weir_error_hint(err, "use none, snappy, gzip, zstd or lz4");
    }
    int level = WEIR_PQ_LEVEL_DEFAULT;
    const char *lv = weir_kv_get(kv, n, "compression_level");
    if (lv != NULL && *lv != '\0') {
        char *end = NULL;
        errno = 0;
        long l = strtol(lv, &end, 10);
        if (errno != 0 || end == lv || *end != '\0' || l < -131072 || l > 100) {
            return weir_error_set(err, WEIR_ECONFIG,
                                  "parquet option compression_level: \"%s\" is not an integer",
                                  lv);
        }
        level = (int)l;
    }
    int rc = weir_pq_codec_new(codec, level, &w->codec, err);
    uint64_t page = 0, dict = 0;
    if (rc == WEIR_OK) {
        rc = size_option(kv, n, "row_group_size", "128MiB", 1, &w->row_group_size, err);
    }
    if (rc == WEIR_OK) {
        rc = size_option(kv, n, "page_size", "1MiB", 1, &page, err);
    }
    if (rc == WEIR_OK) {
        rc = size_option(kv, n, "dictionary_page_limit", "1MiB", 0, &dict, err);
    }
    if (rc != WEIR_OK) {
        return rc;
    }
    /* Pages and dictionaries must fit the i32 sizes of a page header. */
    w->copts.page_size = page > (1u << 30) ? (1u << 30) : (size_t)page;
    w->copts.dict_limit = dict > (1u << 30) ? (1u << 30) : (size_t)dict;
    w->copts.codec = w->codec;
    const char *unit = weir_kv_get(kv, n, "timestamp_unit");
    if (unit != NULL && strcmp(unit, "us") != 0 && strcmp(unit, "ms") != 0) {
        return weir_error_set(err, WEIR_ECONFIG,
                              "parquet option timestamp_unit: \"%s\" is not us or ms", unit);
    }
    *ts_millis = unit != NULL && strcmp(unit, "ms") == 0;
    const char *prof = weir_kv_get(kv, n, "types_profile");
    if (prof != NULL && strcmp(prof, "compat") != 0 && strcmp(prof, "native") != 0) {
        weir_error_set(err, WEIR_ECONFIG, "parquet option types_profile: unknown profile \"%s\"",
                       prof);
        return weir_error_hint(err, "use compat or native");
    }
    *native = prof != NULL && strcmp(prof, "native") == 0;
    const char *th = weir_kv_get(kv, n, "threads");
    w->threads = 1;
    if (th != NULL && *th != '\0') {
        if (strcmp(th, "0") != 0 && strcmp(th, "1") != 0) {
            return weir_error_set(err, WEIR_ECONFIG, "parquet option threads: \"%s\" is not 0 "
                                  "or 1", th);
        }
        w->threads = th[0] == '1';
    }
    const char *cb = weir_kv_get(kv, n, "created_by");
    w->created_by = strdup(cb != NULL ? cb : "weir");
    w->kv = calloc(n + 2, sizeof(*w->kv)); /* + add_weir_keys */
    if (w->created_by == NULL || w->kv == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (kv[i].key == NULL || strncmp(kv[i].key, "meta.", 5) != 0 || kv[i].key[5] == '\0') {
            continue;
        }
        struct weir_kv *e = &w->kv[w->n_kv++];
        e->key = strdup(kv[i].key + 5);
        e->value = strdup(kv[i].value != NULL ? kv[i].value : "");
        if (e->key == NULL || e->value == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory");
        }
    }
    return WEIR_OK;
}

static void ready_free(struct pq_ready *r, size_t n_cols)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; i < n_cols; i++) {
        weir_pq_pages_free(&r->pages[i]);
    }
    free(r->pages);
    free(r);
}

/* Joins the worker; it ends its current batch first. */
static void pipe_stop(struct pq_writer *w)
{
    struct pq_pipe *p = &w->pipe;
    if (!p->running) {
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    p->running = false;
}

static void writer_free(void *p)
{
    struct pq_writer *w = p;
    if (w == NULL) {
        return;
    }
    pipe_stop(w);
    ready_free(w->pipe.ready, w->n_cols);
    weir_pq_batch_free(&w->pipe.copies[0]);
    weir_pq_batch_free(&w->pipe.copies[1]);
    pthread_mutex_destroy(&w->pipe.mu);
    pthread_cond_destroy(&w->pipe.cv);
    for (size_t i = 0; i < w->n_cols; i++) {
        weir_pq_column_free(&w->cols[i]);
    }
    free(w->cols);
    for (size_t g = 0; g < w->n_rgs; g++) {
        for (size_t i = 0; i < w->n_cols; i++) {
            weir_pq_chunk_out_free(&w->rgs[g].chunks[i]);
        }
        free(w->rgs[g].chunks);
    }
    free(w->rgs);
    for (size_t i = 0; i < w->n_kv; i++) {
        free((char *)w->kv[i].key);
        free((char *)w->kv[i].value);
    }
    free(w->kv);
    free(w->created_by);
    weir_pq_buf_reset(&w->footer);
    weir_pq_codec_free(w->codec);
    free(w);
}

static int writer_open(const struct weir_host *host, const struct ArrowSchema *schema,
                       const struct weir_kv *options, size_t n_options, struct weir_output *out,
                       void **writer, struct weir_error *err)
{
    *writer = NULL;
    if (schema == NULL || schema->format == NULL || strcmp(schema->format, "+s") != 0) {
        return weir_error_set(err, WEIR_ECONFIG, "parquet writer: the batch schema is not a "
                              "struct (\"+s\")");
    }
    if (out == NULL || out->write == NULL) {
        return weir_error_set(err, WEIR_EINTERNAL, "parquet writer: no output");
    }
    struct pq_writer *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    w->host = host;
    w->out = out;
    w->vpos = 4; /* after "PAR1" */
    weir_pq_buf_init(&w->footer, 0);
    pthread_mutex_init(&w->pipe.mu, NULL);
    pthread_cond_init(&w->pipe.cv, NULL);
    bool ts_millis = false, native = false;
    int rc = parse_options(w, options, n_options, &ts_millis, &native, err);
    if (rc == WEIR_OK) {
        rc = add_weir_keys(w, schema, native, err);
    }
    if (rc != WEIR_OK) {
        goto fail;
    }
    size_t n = schema->n_children > 0 ? (size_t)schema->n_children : 0;
    w->cols = calloc(n > 0 ? n : 1, sizeof(*w->cols));
    if (w->cols == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        const struct ArrowSchema *col = schema->children[i];
        struct weir_pq_coltype t;
        rc = weir_pq_coltype_from_arrow(col, ts_millis, native, &t, err);
        if (rc != WEIR_OK) {
            goto fail;
        }
        char fallback[32];
        const char *name = col->name;
        if (name == NULL || *name == '\0') {
            snprintf(fallback, sizeof(fallback), "_col%zu", i);
            name = fallback;
        }
        rc = weir_pq_column_init(&w->cols[i], name, &t, &w->copts, err);
        if (rc != WEIR_OK) {
            goto fail;
        }
        if (t.list) {
            w->threads = 0; /* the batch copy for the encoder thread holds flat columns only */
        }
        w->n_cols = i + 1;
    }
    *writer = w;
    return WEIR_OK;

fail:
    writer_free(w);
    return rc;
}

static int emit(struct pq_writer *w, const void *data, size_t len, struct weir_error *err)
{
    int rc = w->out->write(w->out->ctx, data, len, err);
    if (rc == WEIR_OK) {
        w->pos += len;
    }
    return rc;
}

static int start_file(struct pq_writer *w, struct weir_error *err)
{
    if (w->started) {
        return WEIR_OK;
    }
    w->started = true;
    return emit(w, "PAR1", 4, err);
}

/* Bytes the columns hold for the row group being encoded (encoder's side). */
static uint64_t cols_buffered(const struct pq_writer *w)
{
    uint64_t n = 0;
    for (size_t i = 0; i < w->n_cols; i++) {
        n += weir_pq_column_buffered(&w->cols[i]);
    }
    return n;
}

static uint64_t cols_memory(const struct pq_writer *w)
{
    uint64_t n = 0;
    for (size_t i = 0; i < w->n_cols; i++) {
        n += weir_pq_column_memory(&w->cols[i]);
    }
    return n;
}

/* Encoder's side of a flush: seals every column at the file offsets the row
 * group will have (the host's thread writes row groups in order, so those
 * are known) and hands back the pages (*out NULL when there were no rows). */
static int seal_row_group(struct pq_writer *w, struct pq_ready **out, struct weir_error *err)
{
    *out = NULL;
    if (w->rg_rows == 0) {
        return WEIR_OK;
    }
    if (w->n_rgs == w->rgs_cap) {
        size_t cap = w->rgs_cap != 0 ? w->rgs_cap * 2 : 8;
        struct weir_pq_rowgroup *r = realloc(w->rgs, cap * sizeof(*r));
        if (r == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory");
        }
        w->rgs = r;
        w->rgs_cap = cap;
    }
    struct weir_pq_rowgroup *rg = &w->rgs[w->n_rgs];
    rg->num_rows = w->rg_rows;
    rg->chunks = calloc(w->n_cols > 0 ? w->n_cols : 1, sizeof(*rg->chunks));
    struct pq_ready *r = calloc(1, sizeof(*r));
    if (r != NULL) {
        r->pages = calloc(w->n_cols > 0 ? w->n_cols : 1, sizeof(*r->pages));
    }
    if (rg->chunks == NULL || r == NULL || r->pages == NULL) {
        free(rg->chunks);
        ready_free(r, 0);
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    w->n_rgs++;
    for (size_t i = 0; i < w->n_cols; i++) {
        int rc = weir_pq_column_seal(&w->cols[i], w->vpos, &r->pages[i], &rg->chunks[i], err);
        if (rc != WEIR_OK) {
            ready_free(r, w->n_cols);
            return rc;
        }
        w->vpos += r->pages[i].bytes;
        r->bytes += r->pages[i].bytes;
        struct weir_pq_chunk_out *co = &rg->chunks[i];
        /* kept until the footer: a file of many row groups (a partitioned
         * run's reliefs) keeps thousands */
        weir_pq_buf_fit(&co->meta);
        weir_pq_buf_fit(&co->col_index);
        weir_pq_buf_fit(&co->off_index);
        w->rgs_meta += sizeof(*co) + co->meta.cap + co->col_index.cap + co->off_index.cap;
    }
    w->rg_rows = 0;
    *out = r;
    return WEIR_OK;
}

/* Host's thread: writes a sealed row group. */
static int write_ready(struct pq_writer *w, const struct pq_ready *r, struct weir_error *err)
{
    int rc = start_file(w, err);
    for (size_t i = 0; i < w->n_cols && rc == WEIR_OK; i++) {
        rc = weir_pq_pages_emit(&r->pages[i], w->out, &w->pos, err);
    }
    return rc;
}

/* Worker: parks a sealed row group for the host's thread, waiting while
 * another one is parked or being written (the memory bound). */
static int pipe_deliver(struct pq_writer *w, struct pq_ready *r, struct weir_error *err)
{
    struct pq_pipe *p = &w->pipe;
    pthread_mutex_lock(&p->mu);
    while ((p->ready != NULL || p->writing) && !p->stop) {
        pthread_cond_wait(&p->cv, &p->mu);
    }
    bool stopped = p->stop;
    if (!stopped) {
        p->ready = r;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    if (stopped) {
        ready_free(r, w->n_cols);
        return weir_error_set(err, WEIR_ECANCELLED, "parquet writer: stopped");
    }
    return WEIR_OK;
}

/* Ends the row group being encoded: written at once by the caller's thread,
 * or parked for it when `worker`. */
static int flush_row_group(struct pq_writer *w, bool worker, struct weir_error *err)
{
    struct pq_ready *r = NULL;
    int rc = seal_row_group(w, &r, err);
    if (rc != WEIR_OK || r == NULL) {
        return rc;
    }
    if (worker) {
        return pipe_deliver(w, r, err);
    }
    rc = write_ready(w, r, err);
    ready_free(r, w->n_cols);
    return rc;
}

static bool cancelled(const struct pq_writer *w)
{
    return w->host != NULL && w->host->cancelled != NULL && w->host->cancelled(w->host->ctx);
}

/* Encodes rows [0, length) of the columns `children` (with `parent`, the
 * batch struct, or NULL for copies whose validity already folds it in). */
static int encode(struct pq_writer *w, const struct ArrowArray *const *children,
                  const struct ArrowArray *parent, int64_t length, bool worker,
                  struct weir_error *err)
{
    for (int64_t start = 0; start < length; start += SLICE_ROWS) {
        int64_t n = length - start < SLICE_ROWS ? length - start : SLICE_ROWS;
        for (size_t i = 0; i < w->n_cols; i++) {
            int rc = weir_pq_column_append(&w->cols[i], children[i], parent, start, n, err);
            if (rc != WEIR_OK) {
                return rc;
            }
        }
        w->rg_rows += n;
        if (cols_buffered(w) >= w->row_group_size) {
            int rc = flush_row_group(w, worker, err);
            if (rc != WEIR_OK) {
                return rc;
            }
        }
        if (!worker && cancelled(w)) {
            return weir_error_set(err, WEIR_ECANCELLED, "parquet writer: cancelled");
        }
    }
    return WEIR_OK;
}

static void *pipe_main(void *arg)
{
    struct pq_writer *w = arg;
    struct pq_pipe *p = &w->pipe;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->job == NULL && !p->stop) {
            pthread_cond_wait(&p->cv, &p->mu);
        }
        if (p->stop) {
            break;
        }
        struct weir_pq_batch *b = p->job;
        bool failed = p->status != WEIR_OK;
        pthread_mutex_unlock(&p->mu);
        struct weir_error e;
        memset(&e, 0, sizeof(e));
        /* After an error the batches are dropped: the file is lost anyway. */
        int rc = failed ? WEIR_OK : encode(w, b->arrays, NULL, b->length, true, &e);
        uint64_t buffered = cols_buffered(w), memory = cols_memory(w);
        pthread_mutex_lock(&p->mu);
        if (rc != WEIR_OK && p->status == WEIR_OK) {
            p->status = rc;
            p->error = e;
        }
        p->enc_buffered = buffered;
        p->enc_memory = memory;
        p->job = NULL;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/*
 * Host's thread: waits until the worker is idle, writing the row groups it
 * parks meanwhile (it may be waiting for that). The last one parked is
 * returned in *take, marked as being written, for the caller to write once
 * the worker has its next batch. A worker error is returned with err filled.
 */
static int pipe_wait(struct pq_writer *w, struct pq_ready **take, struct weir_error *err)
{
    struct pq_pipe *p = &w->pipe;
    int rc = WEIR_OK;
    *take = NULL;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->ready != NULL && p->job != NULL) {
            struct pq_ready *r = p->ready;
            p->ready = NULL;
            p->writing = true;
            p->writing_bytes = r->bytes;
            pthread_mutex_unlock(&p->mu);
            if (rc == WEIR_OK) {
                rc = write_ready(w, r, err);
            }
            ready_free(r, w->n_cols);
            pthread_mutex_lock(&p->mu);
            p->writing = false;
            pthread_cond_broadcast(&p->cv);
            continue;
        }
        if (p->job == NULL) {
            break;
        }
        pthread_cond_wait(&p->cv, &p->mu);
    }
    if (rc == WEIR_OK && p->status != WEIR_OK) {
        *err = p->error;
        rc = p->status;
    }
    if (p->ready != NULL && rc == WEIR_OK) {
        *take = p->ready;
        p->ready = NULL;
        p->writing = true;
        p->writing_bytes = (*take)->bytes;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* Host's thread: writes what pipe_wait handed over and lets the worker park
 * its next row group. */
static int pipe_write_taken(struct pq_writer *w, struct pq_ready *r, struct weir_error *err)
{
    struct pq_pipe *p = &w->pipe;
    if (r == NULL) {
        return WEIR_OK;
    }
    int rc = write_ready(w, r, err);
    ready_free(r, w->n_cols);
    pthread_mutex_lock(&p->mu);
    p->writing = false;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* Host's thread: everything the worker was given is encoded and written. */
static int pipe_drain(struct pq_writer *w, struct weir_error *err)
{
    if (!w->pipe.running) {
        return WEIR_OK;
    }
    struct pq_ready *r = NULL;
    int rc = pipe_wait(w, &r, err);
    int rc2 = pipe_write_taken(w, r, err);
    return rc != WEIR_OK ? rc : rc2;
}

static uint64_t writer_buffered(void *p)
{
    struct pq_writer *w = p;
    struct pq_pipe *pp = &w->pipe;
    if (!pp->running) {
        return cols_buffered(w);
    }
    pthread_mutex_lock(&pp->mu);
    uint64_t n = pp->enc_buffered + (pp->ready != NULL ? pp->ready->bytes : 0) +
                 (pp->writing ? pp->writing_bytes : 0) + (pp->job != NULL ? pp->job->bytes : 0);
    pthread_mutex_unlock(&pp->mu);
    return n;
}

static uint64_t writer_memory(void *p)
{
    struct pq_writer *w = p;
    struct pq_pipe *pp = &w->pipe;
    uint64_t n = sizeof(*w) + w->footer.cap + w->rgs_cap * sizeof(*w->rgs) + w->rgs_meta +
                 pp->copies[0].bytes + pp->copies[1].bytes;
    if (!pp->running) {
        return n + cols_memory(w);
    }
    pthread_mutex_lock(&pp->mu);
    n += pp->enc_memory + (pp->ready != NULL ? pp->ready->bytes : 0) +
         (pp->writing ? pp->writing_bytes : 0);
    pthread_mutex_unlock(&pp->mu);
    return n;
}

static int unusable(const struct pq_writer *w, struct weir_error *err)
{
    if (w->finished) {
        return weir_error_set(err, WEIR_EINTERNAL, "parquet writer: the file is already finished");
    }
    return weir_error_set(err, w->failed, "parquet writer: unusable after an earlier error");
}

static int check_batch(const struct pq_writer *w, const struct ArrowArray *b,
                       struct weir_error *err)
{
    if (b == NULL || b->release == NULL || b->length < 0 || b->offset < 0 ||
        (size_t)b->n_children != w->n_cols) {
        return weir_error_set(err, WEIR_EINTERNAL, "parquet writer: batch does not match the "
                              "schema (%lld columns, expected %zu)",
                              b != NULL ? (long long)b->n_children : -1LL, w->n_cols);
    }
    for (size_t i = 0; i < w->n_cols; i++) {
        const struct ArrowArray *c = b->children[i];
        int64_t need = c->offset + b->offset + b->length;
        bool list = w->cols[i].type.list;
        int64_t nbuf = w->cols[i].type.src == WEIR_PQ_SRC_VAR && !list ? 3 : 2;
        const struct ArrowArray *e = list && c->n_children == 1 ? c->children[0] : NULL;
        if (list && (e == NULL || e->offset < 0 || e->n_buffers < (w->cols[i].type.src ==
                                                                   WEIR_PQ_SRC_VAR ? 3 : 2) ||
                     (e->length > 0 && e->buffers[1] == NULL))) {
            return weir_error_set(err, WEIR_EINTERNAL, "column \"%s\": arrow list array lacks "
                                  "its elements", w->cols[i].name);
        }
        if (c->length < b->offset + b->length || c->n_buffers < nbuf || c->offset < 0 ||
            (need > 0 && c->buffers[1] == NULL) ||
            (nbuf == 3 && need > 0 && c->buffers[2] == NULL)) {
            return weir_error_set(err, WEIR_EINTERNAL, "column \"%s\": arrow array is shorter "
                                  "than the batch or lacks buffers", w->cols[i].name);
        }
    }
    return WEIR_OK;
}

/* threads: 1 — copy, wait for the previous batch, hand over, write what the
 * worker sealed meanwhile while it encodes this one. */
static int write_threaded(struct pq_writer *w, const struct ArrowArray *top,
                          struct weir_error *err)
{
    struct pq_pipe *p = &w->pipe;
    struct weir_pq_batch *b = &p->copies[p->next_copy];
    int rc = weir_pq_batch_copy(b, top, w->cols, w->n_cols, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    struct pq_ready *r = NULL;
    rc = pipe_wait(w, &r, err);
    if (rc == WEIR_OK) {
        pthread_mutex_lock(&p->mu);
        p->job = b;
        p->next_copy ^= 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    int rc2 = pipe_write_taken(w, r, err);
    if (rc == WEIR_OK && rc2 != WEIR_OK) {
        rc = rc2;
    }
    if (rc == WEIR_OK && cancelled(w)) {
        rc = weir_error_set(err, WEIR_ECANCELLED, "parquet writer: cancelled");
    }
    return rc;
}

static int writer_write(void *p, const struct ArrowArray *batch, struct weir_error *err)
{
    struct pq_writer *w = p;
    if (w->failed || w->finished) {
        return unusable(w, err);
    }
    int rc = check_batch(w, batch, err);
    if (rc != WEIR_OK) {
        return rc; /* nothing was encoded: the writer stays usable */
    }
    /* The struct's offset shifts every column; a top-level null row (rare for
     * record batches) makes every column null. A struct without a buffer
     * table gets an empty validity slot so the columns can rely on one. */
    static const void *no_buffers[1] = {NULL};
    struct ArrowArray top = *batch;
    if (top.n_buffers < 1 || top.buffers == NULL) {
        top.n_buffers = 1;
        top.buffers = no_buffers;
    }
    if (w->threads > 0 && !w->pipe.running) {
        if (pthread_create(&w->pipe.thread, NULL, pipe_main, w) == 0) {
            w->pipe.running = true;
        } else {
            w->threads = 0;
            wlog(w, WEIR_LOG_WARN, "parquet_threads", "cannot start the encoder thread; "
                 "encoding in the caller's thread");
        }
    }
    if (w->pipe.running) {
        rc = write_threaded(w, &top, err);
    } else {
        rc = encode(w, (const struct ArrowArray *const *)batch->children, &top, batch->length,
                    false, err);
    }
    if (rc != WEIR_OK) {
        w->failed = rc;
    }
    return rc;
}

static int write_page_indexes(struct pq_writer *w, struct weir_error *err)
{
    /* All column indexes, then all offset indexes, after the last row group:
     * the layout parquet.thrift's page index section describes. */
    for (size_t g = 0; g < w->n_rgs; g++) {
        for (size_t i = 0; i < w->n_cols; i++) {
            struct weir_pq_chunk_out *co = &w->rgs[g].chunks[i];
            if (co->col_index.len > 0) {
                co->ci_offset = w->pos;
                int rc = emit(w, co->col_index.data, co->col_index.len, err);
                if (rc != WEIR_OK) {
                    return rc;
                }
            }
        }
    }
    for (size_t g = 0; g < w->n_rgs; g++) {
        for (size_t i = 0; i < w->n_cols; i++) {
            struct weir_pq_chunk_out *co = &w->rgs[g].chunks[i];
            co->oi_offset = w->pos;
            int rc = emit(w, co->off_index.data, co->off_index.len, err);
            if (rc != WEIR_OK) {
                return rc;
            }
        }
    }
    return WEIR_OK;
}

static int writer_finish(void *p, struct weir_error *err)
{
    struct pq_writer *w = p;
    if (w->failed || w->finished) {
        return unusable(w, err);
    }
    int rc = pipe_drain(w, err);
    pipe_stop(w);
    if (rc == WEIR_OK) {
        rc = flush_row_group(w, false, err);
    }
    if (rc == WEIR_OK) {
        rc = start_file(w, err);
    }
    if (rc == WEIR_OK && w->pos != w->vpos) {
        /* Chunk offsets in the footer were computed when sealing. */
        rc = weir_error_set(err, WEIR_EINTERNAL, "parquet writer: wrote %llu bytes, expected %llu",
                            (unsigned long long)w->pos, (unsigned long long)w->vpos);
    }
    if (rc == WEIR_OK) {
        rc = write_page_indexes(w, err);
    }
    if (rc == WEIR_OK) {
        struct weir_pq_footer f = {
            .cols = w->cols, .n_cols = w->n_cols, .rgs = w->rgs, .n_rgs = w->n_rgs,
            .kv = w->kv, .n_kv = w->n_kv, .created_by = w->created_by,
        };
        weir_pq_buf_clear(&w->footer);
        rc = weir_pq_footer_write(&f, &w->footer, err);
    }
    if (rc == WEIR_OK && w->footer.len > UINT32_MAX) {
        rc = weir_error_set(err, WEIR_EDATA, "parquet footer exceeds 4 GiB");
    }
    if (rc == WEIR_OK) {
        uint8_t tail[8];
        uint32_t len = (uint32_t)w->footer.len;
        memcpy(tail, &len, 4);
        memcpy(tail + 4, "PAR1", 4);
        rc = emit(w, w->footer.data, w->footer.len, err);
        if (rc == WEIR_OK) {
            rc = emit(w, tail, 8, err);
        }
    }
    if (rc != WEIR_OK) {
        w->failed = rc;
        return rc;
    }
    w->finished = true;
    char msg[160];
    snprintf(msg, sizeof(msg), "parquet file complete: %zu row groups, %llu bytes", w->n_rgs,
             (unsigned long long)w->pos);
    wlog(w, WEIR_LOG_DEBUG, "parquet_finish", msg);
    return WEIR_OK;
}

/* After flush or compact freed the columns' buffers: the batch copies go
 * too, and the worker's figures (stale: it is idle after the drain) are
 * counted again. */
static void released(struct pq_writer *w)
{
    for (int i = 0; i < 2; i++) {
        weir_pq_batch_free(&w->pipe.copies[i]);
    }
    if (w->pipe.running) {
        pthread_mutex_lock(&w->pipe.mu);
        w->pipe.enc_buffered = cols_buffered(w);
        w->pipe.enc_memory = cols_memory(w);
        pthread_mutex_unlock(&w->pipe.mu);
    }
}

/* Ends the row group being encoded, after the worker's batches. */
static int writer_flush(void *p, struct weir_error *err)
{
    struct pq_writer *w = p;
    if (w->failed || w->finished) {
        return unusable(w, err);
    }
    int rc = pipe_drain(w, err);
    if (rc == WEIR_OK) {
        rc = flush_row_group(w, false, err);
    }
    if (rc != WEIR_OK) {
        w->failed = rc;
        return rc;
    }
    /* a flushed partition may get no rows for a long time: give back what
     * its columns keep for reuse, so the budget the host enforces on
     * `buffered` is what the process holds */
    for (size_t i = 0; i < w->n_cols; i++) {
        weir_pq_column_trim(&w->cols[i]);
    }
    released(w);
    return WEIR_OK;
}

/* Closes every column's open page into the row group's compressed pages,
 * after the worker's batches; the row group stays open. */
static int writer_compact(void *p, struct weir_error *err)
{
    struct pq_writer *w = p;
    if (w->failed || w->finished) {
        return unusable(w, err);
    }
    int rc = pipe_drain(w, err);
    for (size_t i = 0; rc == WEIR_OK && i < w->n_cols; i++) {
        rc = weir_pq_column_compact(&w->cols[i], err);
    }
    if (rc != WEIR_OK) {
        w->failed = rc;
        return rc;
    }
    released(w);
    return WEIR_OK;
}

const struct weir_writer_ops weir_pq_writer_ops = {
    .size = sizeof(struct weir_writer_ops),
    .open = writer_open,
    .write = writer_write,
    .buffered = writer_buffered,
    .finish = writer_finish,
    .free = writer_free,
    .flush = writer_flush,
    .memory = writer_memory,
    .compact = writer_compact,
};
