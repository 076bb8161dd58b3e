/* The Parquet writer ops: options, batches in, row groups and footer out. */
#include "parquet/writer.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
    {"created_by", WEIR_OPT_STRING, 0, "weir", NULL, "the footer's created_by"},
};
const size_t weir_pq_n_options = sizeof(weir_pq_options) / sizeof(weir_pq_options[0]);

/* Rows encoded per column before the row group size is checked again. */
#define SLICE_ROWS 1024

struct pq_writer {
    const struct weir_host *host; /* borrowed; may be NULL */
    struct weir_output *out;      /* borrowed */
    uint64_t pos;                 /* bytes written to out */
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
    struct weir_kv *kv; /* owned strings */
    size_t n_kv;
    char *created_by;
    struct weir_pq_buf footer;
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

static int parse_options(struct pq_writer *w, const struct weir_kv *kv, size_t n, bool *ts_millis,
                         struct weir_error *err)
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
    const char *cb = weir_kv_get(kv, n, "created_by");
    w->created_by = strdup(cb != NULL ? cb : "weir");
    w->kv = calloc(n > 0 ? n : 1, sizeof(*w->kv));
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

static void writer_free(void *p)
{
    struct pq_writer *w = p;
    if (w == NULL) {
        return;
    }
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
    weir_pq_buf_init(&w->footer, 0);
    bool ts_millis = false;
    int rc = parse_options(w, options, n_options, &ts_millis, err);
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
        rc = weir_pq_coltype_from_arrow(col, ts_millis, &t, err);
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

static int flush_row_group(struct pq_writer *w, struct weir_error *err)
{
    if (w->rg_rows == 0) {
        return WEIR_OK;
    }
    int rc = start_file(w, err);
    if (rc != WEIR_OK) {
        return rc;
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
    if (rg->chunks == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    w->n_rgs++;
    for (size_t i = 0; i < w->n_cols; i++) {
        rc = weir_pq_column_flush(&w->cols[i], w->out, &w->pos, &rg->chunks[i], err);
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    w->rg_rows = 0;
    return WEIR_OK;
}

static uint64_t writer_buffered(void *p)
{
    struct pq_writer *w = p;
    uint64_t n = 0;
    for (size_t i = 0; i < w->n_cols; i++) {
        n += weir_pq_column_buffered(&w->cols[i]);
    }
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
        int64_t nbuf = w->cols[i].type.src == WEIR_PQ_SRC_VAR ? 3 : 2;
        if (c->length < b->offset + b->length || c->n_buffers < nbuf || c->offset < 0 ||
            (need > 0 && c->buffers[1] == NULL) ||
            (nbuf == 3 && need > 0 && c->buffers[2] == NULL)) {
            return weir_error_set(err, WEIR_EINTERNAL, "column \"%s\": arrow array is shorter "
                                  "than the batch or lacks buffers", w->cols[i].name);
        }
    }
    return WEIR_OK;
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
    const struct ArrowArray *parent = &top;
    for (int64_t start = 0; start < batch->length && rc == WEIR_OK; start += SLICE_ROWS) {
        int64_t n = batch->length - start < SLICE_ROWS ? batch->length - start : SLICE_ROWS;
        for (size_t i = 0; i < w->n_cols && rc == WEIR_OK; i++) {
            rc = weir_pq_column_append(&w->cols[i], batch->children[i], parent, start, n, err);
        }
        if (rc != WEIR_OK) {
            break;
        }
        w->rg_rows += n;
        if (writer_buffered(w) >= w->row_group_size) {
            rc = flush_row_group(w, err);
        }
        if (rc == WEIR_OK && w->host != NULL && w->host->cancelled != NULL &&
            w->host->cancelled(w->host->ctx)) {
            rc = weir_error_set(err, WEIR_ECANCELLED, "parquet writer: cancelled");
        }
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
    int rc = flush_row_group(w, err);
    if (rc == WEIR_OK) {
        rc = start_file(w, err);
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

const struct weir_writer_ops weir_pq_writer_ops = {
    .size = sizeof(struct weir_writer_ops),
    .open = writer_open,
    .write = writer_write,
    .buffered = writer_buffered,
    .finish = writer_finish,
    .free = writer_free,
};
