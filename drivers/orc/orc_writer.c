/* ORC writer: options, stripes and the file tail (ORC v1 specification). */
#include "orc_writer.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "orc_column.h"
#include "orc_pb.h"
#include "orc_stream.h"
#include "util/arrow.h"

#define SLICE_ROWS 256 /* rows encoded between two checks of the stripe size */
#define WRITER_VERSION 8 /* PostScript.writerVersion: ORC-203 (trimmed string stats) */

const struct weir_option weir_orc_options[] = {
    {"compression", WEIR_OPT_ENUM, 0, "zlib", "none|uncompressed|gzip|zlib|snappy|zstd|lz4",
     "general compression of every stream (gzip means ORC's ZLIB)"},
    {"compression_block_size", WEIR_OPT_SIZE, 0, "256KiB", NULL,
     "largest uncompressed chunk of a compressed stream (at most 8MiB - 1)"},
    {"row_group_size", WEIR_OPT_SIZE, 0, "64MiB", NULL,
     "encoded bytes per stripe: a stripe is cut when its buffers reach this size"},
    {"row_index_stride", WEIR_OPT_INT, 0, "10000", NULL,
     "rows per row index entry (row group); 0 writes no row index"},
    {"dictionary_key_size_threshold", WEIR_OPT_STRING, 0, "0.8", NULL,
     "string columns use a dictionary when distinct/non-null values <= this (0 disables)"},
    {"timestamp_unit", WEIR_OPT_ENUM, 0, "us", "us|ms",
     "accepted and ignored: ORC keeps nanoseconds"},
    {"types_profile", WEIR_OPT_ENUM, 0, "compat", "compat|native",
     "the same ORC types either way (ORC has no uuid or time type); stored as weir.types_profile"},
    {"created_by", WEIR_OPT_STRING, 0, NULL, NULL,
     "stored as the user metadata item weir.created_by"},
    {"meta.*", WEIR_OPT_STRING, 0, NULL, NULL, "meta.<key>: user metadata item <key> in the footer"},
};
const size_t weir_orc_n_options = sizeof(weir_orc_options) / sizeof(weir_orc_options[0]);

struct orc_writer {
    const struct weir_host *host;
    struct weir_output *out;
    struct orc_codec codec;
    size_t block;
    uint64_t stripe_size;
    int64_t stride;
    double dict_threshold;
    int64_t ncols;        /* ORC columns but the root, in id order: a list's element follows it */
    struct orc_col *cols;
    int64_t ntop;         /* the batch's columns */
    int64_t *top;         /* their indexes in cols */
    uint64_t offset;      /* bytes written to out */
    uint64_t total_rows;
    uint64_t stripe_rows;
    int64_t rg_rows;      /* rows in the open row group */
    bool rg_open;
    uint64_t *rg_counts;  /* rows per row group of the stripe (root column index) */
    size_t nrg, caprg;
    struct orc_pb stripes; /* Footer.stripes entries (field 3), encoded */
    struct orc_pb meta;    /* Metadata.stripeStats entries (field 1), encoded */
    struct weir_kv *user;  /* owned keys and values */
    size_t nuser;
    bool failed;
    bool finished;
};

int weir_orc_parse_size(const char *s, uint64_t *out)
{
    static const struct {
        const char *suffix;
        uint64_t mult;
    } units[] = {{"", 1},           {"B", 1},
                 {"KiB", 1u << 10}, {"MiB", 1u << 20},
                 {"GiB", 1u << 30}, {"TiB", (uint64_t)1 << 40}};
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno != 0 || s[0] == '-') {
        return WEIR_ECONFIG;
    }
    while (*end == ' ') {
        end++;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].suffix) == 0) {
            if (v > UINT64_MAX / units[i].mult) {
                return WEIR_ECONFIG;
            }
            *out = (uint64_t)v * units[i].mult;
            return WEIR_OK;
        }
    }
    return WEIR_ECONFIG;
}

static const char *opt(const struct weir_kv *kv, size_t n, const char *key)
{
    const char *v = weir_kv_get(kv, n, key);
    if (v != NULL) {
        return v;
    }
    for (size_t i = 0; i < weir_orc_n_options; i++) {
        if (strcmp(weir_orc_options[i].name, key) == 0) {
            return weir_orc_options[i].default_value;
        }
    }
    return NULL;
}

static int bad_option(struct weir_error *err, const char *key, const char *value, const char *hint)
{
    weir_error_set(err, WEIR_ECONFIG, "orc: invalid value \"%s\" for option %s", value, key);
    return weir_error_hint(err, "%s", hint);
}

static int add_user(struct orc_writer *w, const char *key, const char *value,
                    struct weir_error *err)
{
    struct weir_kv *u = realloc(w->user, (w->nuser + 1) * sizeof(*u));
    if (u == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "orc: out of memory for user metadata");
    }
    w->user = u;
    u[w->nuser].key = strdup(key);
    u[w->nuser].value = strdup(value);
    w->nuser++;
    if (u[w->nuser - 1].key == NULL || u[w->nuser - 1].value == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "orc: out of memory for user metadata");
    }
    return WEIR_OK;
}

/* User metadata every file carries: the types profile and the source types. */
static int add_weir_keys(struct orc_writer *w, const struct ArrowSchema *schema,
                         const char *profile, struct weir_error *err)
{
    if (strcmp(profile, "compat") != 0 && strcmp(profile, "native") != 0) {
        return bad_option(err, "types_profile", profile, "use compat or native");
    }
    int rc = add_user(w, "weir.types_profile", profile, err);
    char *types = weir_arrow_source_types_json(schema);
    if (types == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "orc: out of memory for user metadata");
    }
    if (rc == WEIR_OK) {
        rc = add_user(w, "weir.source_types", types, err);
    }
    free(types);
    return rc;
}

static int parse_options(struct orc_writer *w, const struct weir_kv *kv, size_t n, int *comp,
                         struct weir_error *err)
{
    const char *v = opt(kv, n, "compression");
    int rc = weir_orc_codec_parse(v, comp, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    uint64_t sz = 0;
    v = opt(kv, n, "compression_block_size");
    if (weir_orc_parse_size(v, &sz) != WEIR_OK || sz < 1024 || sz > ORC_MAX_BLOCK) {
        return bad_option(err, "compression_block_size", v, "use a size from 1KiB to 8MiB - 1");
    }
    w->block = (size_t)sz;
    v = opt(kv, n, "row_group_size");
    if (weir_orc_parse_size(v, &sz) != WEIR_OK || sz < 1024) {
        return bad_option(err, "row_group_size", v, "use a size such as 64MiB");
    }
    w->stripe_size = sz;
    v = opt(kv, n, "row_index_stride");
    char *end = NULL;
    errno = 0;
    long long stride = strtoll(v, &end, 10);
    if (end == v || *end != '\0' || errno != 0 || stride < 0 || stride > INT32_MAX) {
        return bad_option(err, "row_index_stride", v, "use a row count such as 10000");
    }
    w->stride = stride;
    v = opt(kv, n, "dictionary_key_size_threshold");
    errno = 0;
    double t = strtod(v, &end);
    if (end == v || *end != '\0' || errno != 0 || !(t >= 0 && t <= 1)) {
        return bad_option(err, "dictionary_key_size_threshold", v, "use a ratio from 0 to 1");
    }
    w->dict_threshold = t;
    v = opt(kv, n, "created_by");
    if (v != NULL && (rc = add_user(w, "weir.created_by", v, err)) != WEIR_OK) {
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        if (kv[i].key != NULL && strncmp(kv[i].key, "meta.", 5) == 0 && kv[i].value != NULL &&
            (rc = add_user(w, kv[i].key + 5, kv[i].value, err)) != WEIR_OK) {
            return rc;
        }
    }
    return WEIR_OK;
}

static int emit(struct orc_writer *w, const void *p, size_t n, struct weir_error *err)
{
    if (n == 0) {
        return WEIR_OK;
    }
    int rc = w->out->write(w->out->ctx, p, n, err);
    if (rc == WEIR_OK) {
        w->offset += n;
    }
    return rc;
}

void weir_orc_writer_free(void *writer)
{
    struct orc_writer *w = writer;
    if (w == NULL) {
        return;
    }
    for (int64_t i = 0; i < w->ncols; i++) {
        weir_orc_col_free(&w->cols[i]);
    }
    free(w->cols);
    free(w->top);
    free(w->rg_counts);
    for (size_t i = 0; i < w->nuser; i++) {
        free((char *)w->user[i].key);
        free((char *)w->user[i].value);
    }
    free(w->user);
    weir_orc_pb_free(&w->stripes);
    weir_orc_pb_free(&w->meta);
    weir_orc_codec_free(&w->codec);
    free(w);
}

/* One ORC column per batch column, and one more for a list's element right
 * after the list: ORC numbers the types of the tree in pre-order. */
static int init_columns(struct orc_writer *w, const struct ArrowSchema *schema,
                        struct weir_error *err)
{
    size_t n = (size_t)schema->n_children, total = n;
    for (size_t i = 0; i < n; i++) {
        const char *f = schema->children[i]->format;
        total += f != NULL && strcmp(f, "+l") == 0;
    }
    w->cols = calloc(total > 0 ? total : 1, sizeof(*w->cols));
    w->top = calloc(n > 0 ? n : 1, sizeof(*w->top));
    if (w->cols == NULL || w->top == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "orc: out of memory for columns");
    }
    for (size_t i = 0; i < n; i++) {
        const struct ArrowSchema *field = schema->children[i];
        struct orc_col *c = &w->cols[w->ncols];
        w->top[w->ntop++] = w->ncols++;
        int rc = weir_orc_col_init(c, field, NULL, &w->codec, w->block, err);
        if (rc != WEIR_OK) {
            return rc;
        }
        if (c->kind == ORC_LIST) {
            char name[256];
            snprintf(name, sizeof(name), "%s[]", c->name);
            c->child = &w->cols[w->ncols++];
            rc = weir_orc_col_init(c->child, field->children[0], name, &w->codec, w->block, err);
            if (rc != WEIR_OK) {
                return rc;
            }
        }
    }
    return WEIR_OK;
}

int weir_orc_writer_open(const struct weir_host *host, const struct ArrowSchema *schema,
                         const struct weir_kv *options, size_t n_options,
                         struct weir_output *out, void **writer, struct weir_error *err)
{
    int rc;
    int comp = ORC_COMP_NONE;
    struct orc_writer *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "orc: out of memory for the writer");
    }
    w->host = host;
    w->out = out;
    weir_orc_pb_init(&w->stripes, NULL);
    weir_orc_pb_init(&w->meta, NULL);
    if (schema == NULL || schema->format == NULL || strcmp(schema->format, "+s") != 0) {
        rc = weir_error_set(err, WEIR_ECONFIG, "orc: the schema is not an Arrow struct (+s)");
        goto fail;
    }
    if ((rc = parse_options(w, options, n_options, &comp, err)) != WEIR_OK ||
        (rc = add_weir_keys(w, schema, opt(options, n_options, "types_profile"), err)) !=
            WEIR_OK ||
        (rc = weir_orc_codec_init(&w->codec, comp, err)) != WEIR_OK) {
        goto fail;
    }
    if ((rc = init_columns(w, schema, err)) != WEIR_OK) {
        goto fail;
    }
    if ((rc = emit(w, "ORC", 3, err)) != WEIR_OK) {
        goto fail;
    }
    *writer = w;
    return WEIR_OK;
fail:
    weir_orc_writer_free(w);
    return rc;
}

static void root_stats(struct orc_pb *pb, uint64_t rows)
{
    weir_orc_pb_uint(pb, 1, rows);
    weir_orc_pb_uint(pb, 10, 0);
}

static int rg_close(struct orc_writer *w, struct weir_error *err)
{
    int rc = WEIR_OK;
    for (int64_t i = 0; i < w->ncols && rc == WEIR_OK; i++) {
        rc = weir_orc_col_rg_close(&w->cols[i], err);
    }
    if (rc == WEIR_OK && w->nrg == w->caprg) {
        size_t cap = w->caprg != 0 ? w->caprg * 2 : 16;
        uint64_t *p = realloc(w->rg_counts, cap * sizeof(*p));
        if (p == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "orc: out of memory for the row index");
        }
        w->rg_counts = p;
        w->caprg = cap;
    }
    if (rc == WEIR_OK) {
        w->rg_counts[w->nrg++] = (uint64_t)w->rg_rows;
    }
    w->rg_open = false;
    w->rg_rows = 0;
    return rc;
}

/* Appends a compressed section to the output and returns its length. */
static int emit_section(struct orc_writer *w, struct orc_pb *pb, uint64_t *len,
                        struct weir_error *err)
{
    struct orc_buf z;
    weir_orc_buf_init(&z, 0);
    int rc = pb->rc;
    if (rc == WEIR_OK) {
        rc = weir_orc_compress_section(&w->codec, w->block, pb->buf.data, pb->buf.len, &z, err);
    }
    if (rc == WEIR_OK) {
        rc = emit(w, z.data, z.len, err);
        *len = z.len;
    }
    weir_orc_buf_free(&z);
    return rc;
}

static void stream_info(struct orc_pb *footer, int kind, int64_t column, uint64_t len)
{
    struct orc_pb s;
    weir_orc_pb_init(&s, footer->err);
    weir_orc_pb_uint(&s, 1, (uint64_t)kind);
    weir_orc_pb_uint(&s, 2, (uint64_t)column);
    weir_orc_pb_uint(&s, 3, len);
    weir_orc_pb_message(footer, 1, &s);
}

static int flush_stripe(struct orc_writer *w, struct weir_error *err)
{
    if (w->stripe_rows == 0) {
        return WEIR_OK;
    }
    int rc = WEIR_OK;
    uint64_t start = w->offset, index_len = 0, data_len = 0, footer_len = 0, len = 0;
    struct orc_pb sf;
    weir_orc_pb_init(&sf, err);
    if (w->rg_open) {
        rc = rg_close(w, err);
    }
    for (int64_t i = 0; i < w->ncols && rc == WEIR_OK; i++) {
        rc = weir_orc_col_stripe_finish(&w->cols[i], w->dict_threshold, err);
    }
    /* index streams: the root's entries carry only the row counts */
    for (int64_t c = 0; c <= w->ncols && rc == WEIR_OK && w->stride > 0; c++) {
        struct orc_pb ix;
        weir_orc_pb_init(&ix, err);
        if (c == 0) {
            for (size_t r = 0; r < w->nrg; r++) {
                struct orc_pb entry, st;
                weir_orc_pb_init(&entry, err);
                weir_orc_pb_packed(&entry, 1, NULL, 0);
                weir_orc_pb_init(&st, err);
                root_stats(&st, w->rg_counts[r]);
                weir_orc_pb_message(&entry, 2, &st);
                weir_orc_pb_message(&ix, 1, &entry);
            }
        } else {
            weir_orc_col_row_index(&w->cols[c - 1], &ix);
        }
        rc = emit_section(w, &ix, &len, err);
        weir_orc_pb_free(&ix);
        stream_info(&sf, ORC_S_ROW_INDEX, c, len);
        index_len += len;
    }
    for (int64_t c = 0; c < w->ncols && rc == WEIR_OK; c++) {
        int kinds[4];
        struct orc_ostream *streams[4];
        int n = weir_orc_col_streams(&w->cols[c], kinds, streams);
        for (int s = 0; s < n && rc == WEIR_OK; s++) {
            rc = emit(w, streams[s]->out.data, streams[s]->out.len, err);
            stream_info(&sf, kinds[s], c + 1, streams[s]->out.len);
            data_len += streams[s]->out.len;
        }
    }
    /* column encodings, root first */
    for (int64_t c = 0; c <= w->ncols && rc == WEIR_OK; c++) {
        struct orc_pb e;
        weir_orc_pb_init(&e, err);
        weir_orc_pb_uint(&e, 1, c == 0 ? ORC_E_DIRECT : (uint64_t)w->cols[c - 1].encoding);
        if (c > 0 && w->cols[c - 1].encoding == ORC_E_DICTIONARY_V2) {
            weir_orc_pb_uint(&e, 2, w->cols[c - 1].dict_size);
        }
        weir_orc_pb_message(&sf, 2, &e);
    }
    weir_orc_pb_string(&sf, 3, "UTC");
    if (rc == WEIR_OK) {
        rc = emit_section(w, &sf, &footer_len, err);
    }
    if (rc == WEIR_OK) {
        struct orc_pb si, ss, st;
        weir_orc_pb_init(&si, err);
        weir_orc_pb_uint(&si, 1, start);
        weir_orc_pb_uint(&si, 2, index_len);
        weir_orc_pb_uint(&si, 3, data_len);
        weir_orc_pb_uint(&si, 4, footer_len);
        weir_orc_pb_uint(&si, 5, w->stripe_rows);
        w->stripes.err = err;
        weir_orc_pb_message(&w->stripes, 3, &si);
        weir_orc_pb_init(&ss, err);
        weir_orc_pb_init(&st, err);
        root_stats(&st, w->stripe_rows);
        weir_orc_pb_message(&ss, 1, &st);
        for (int64_t c = 0; c < w->ncols; c++) {
            weir_orc_pb_init(&st, err);
            weir_orc_stats_encode(&w->cols[c].stripe_stats, &st);
            weir_orc_pb_message(&ss, 1, &st);
        }
        w->meta.err = err;
        weir_orc_pb_message(&w->meta, 1, &ss);
        rc = w->stripes.rc != WEIR_OK ? w->stripes.rc : w->meta.rc;
    }
    for (int64_t c = 0; c < w->ncols && rc == WEIR_OK; c++) {
        rc = weir_orc_col_stripe_reset(&w->cols[c], err);
    }
    weir_orc_pb_free(&sf);
    w->total_rows += w->stripe_rows;
    w->stripe_rows = 0;
    w->nrg = 0;
    if (rc == WEIR_OK && w->host != NULL && w->host->log != NULL) {
        char msg[128];
        snprintf(msg, sizeof(msg), "stripe of %llu bytes written",
                 (unsigned long long)(w->offset - start));
        w->host->log(w->host->ctx, WEIR_LOG_DEBUG, "orc_stripe", msg);
    }
    return rc;
}

int weir_orc_writer_flush(void *writer, struct weir_error *err)
{
    struct orc_writer *w = writer;
    if (w->failed || w->finished) {
        return weir_error_set(err, WEIR_EINTERNAL, "orc: flush after %s",
                              w->failed ? "a failure" : "finish");
    }
    int rc = flush_stripe(w, err);
    w->failed = rc != WEIR_OK;
    /* the host flushes to bring its memory down: the stripe's buffers go
     * (a stripe cut at row_group_size keeps them for the next) */
    for (int64_t i = 0; rc == WEIR_OK && i < w->ncols; i++) {
        weir_orc_col_trim(&w->cols[i]);
    }
    return rc;
}

uint64_t weir_orc_writer_memory(void *writer)
{
    const struct orc_writer *w = writer;
    uint64_t n = sizeof(*w) + w->caprg * sizeof(*w->rg_counts) + w->stripes.buf.cap +
                 w->meta.buf.cap + (uint64_t)w->ncols * sizeof(*w->cols);
    for (int64_t i = 0; i < w->ncols; i++) {
        n += weir_orc_col_memory(&w->cols[i]);
    }
    return n;
}

uint64_t weir_orc_writer_buffered(void *writer)
{
    const struct orc_writer *w = writer;
    uint64_t n = 0;
    for (int64_t i = 0; i < w->ncols; i++) {
        n += weir_orc_col_buffered(&w->cols[i]);
    }
    return n;
}

static int check_batch(const struct orc_writer *w, const struct ArrowArray *b,
                       struct weir_error *err)
{
    if (b == NULL || b->release == NULL || b->n_children != w->ntop || b->length < 0 ||
        b->offset < 0) {
        return weir_error_set(err, WEIR_EINTERNAL,
                              "orc: batch does not match the schema (%lld columns, want %lld)",
                              b != NULL ? (long long)b->n_children : -1LL, (long long)w->ntop);
    }
    for (int64_t i = 0; i < w->ntop; i++) {
        const struct ArrowArray *c = b->children[i];
        const struct orc_col *col = &w->cols[w->top[i]];
        if (c == NULL || c->length < b->offset + b->length || c->n_buffers < 2 ||
            (col->kind == ORC_LIST && (c->n_children != 1 || c->children[0] == NULL ||
                                       c->children[0]->n_buffers < 2))) {
            return weir_error_set(err, WEIR_EINTERNAL, "orc: column \"%s\" is shorter than the "
                                  "batch or not shaped as its schema", col->name);
        }
    }
    return WEIR_OK;
}

static int write_rows(struct orc_writer *w, const struct ArrowArray *b, struct weir_error *err)
{
    int64_t row = 0;
    int rc = WEIR_OK;
    while (row < b->length && rc == WEIR_OK) {
        if (!w->rg_open) {
            for (int64_t i = 0; i < w->ncols && rc == WEIR_OK; i++) {
                rc = weir_orc_col_rg_open(&w->cols[i], err);
            }
            w->rg_open = true;
        }
        int64_t take = b->length - row;
        take = take < SLICE_ROWS ? take : SLICE_ROWS;
        if (w->stride > 0 && take > w->stride - w->rg_rows) {
            take = w->stride - w->rg_rows;
        }
        for (int64_t i = 0; i < w->ntop && rc == WEIR_OK; i++) {
            rc = weir_orc_col_append(&w->cols[w->top[i]], b->children[i], b->offset + row, take,
                                     err);
        }
        row += take;
        w->rg_rows += take;
        w->stripe_rows += (uint64_t)take;
        if (rc == WEIR_OK && w->stride > 0 && w->rg_rows == w->stride) {
            rc = rg_close(w, err);
        }
        if (rc == WEIR_OK && weir_orc_writer_buffered(w) >= w->stripe_size) {
            rc = flush_stripe(w, err);
        }
    }
    return rc;
}

int weir_orc_writer_write(void *writer, const struct ArrowArray *batch, struct weir_error *err)
{
    struct orc_writer *w = writer;
    if (w->failed || w->finished) {
        return weir_error_set(err, WEIR_EINTERNAL, "orc: write after %s",
                              w->failed ? "a failure" : "finish");
    }
    if (w->host != NULL && w->host->cancelled != NULL && w->host->cancelled(w->host->ctx)) {
        return weir_error_set(err, WEIR_ECANCELLED, "orc: cancelled");
    }
    int rc = check_batch(w, batch, err);
    if (rc == WEIR_OK) {
        rc = write_rows(w, batch, err);
    }
    w->failed = rc != WEIR_OK;
    return rc;
}

static void footer_types(const struct orc_writer *w, struct orc_pb *f)
{
    struct orc_pb t;
    weir_orc_pb_init(&t, f->err);
    weir_orc_pb_uint(&t, 1, ORC_STRUCT);
    uint64_t *sub = calloc(w->ntop > 0 ? (size_t)w->ntop : 1, sizeof(*sub));
    if (sub == NULL) {
        t.rc = weir_error_set(f->err, WEIR_ENOMEM, "orc: out of memory for the footer");
    } else {
        for (int64_t i = 0; i < w->ntop; i++) {
            sub[i] = (uint64_t)w->top[i] + 1;
        }
        weir_orc_pb_packed(&t, 2, sub, (size_t)w->ntop);
        free(sub);
    }
    for (int64_t i = 0; i < w->ntop; i++) {
        weir_orc_pb_string(&t, 3, w->cols[w->top[i]].name);
    }
    weir_orc_pb_message(f, 4, &t);
    for (int64_t i = 0; i < w->ncols; i++) {
        weir_orc_pb_init(&t, f->err);
        weir_orc_col_type(&w->cols[i], (uint32_t)i + 1, &t);
        weir_orc_pb_message(f, 4, &t);
    }
}

int weir_orc_writer_finish(void *writer, struct weir_error *err)
{
    struct orc_writer *w = writer;
    if (w->failed || w->finished) {
        return weir_error_set(err, WEIR_EINTERNAL, "orc: finish after %s",
                              w->failed ? "a failure" : "finish");
    }
    int rc = flush_stripe(w, err);
    uint64_t meta_len = 0, footer_len = 0;
    uint64_t content = w->offset;
    if (rc == WEIR_OK) {
        rc = emit_section(w, &w->meta, &meta_len, err);
    }
    struct orc_pb f, ps;
    weir_orc_pb_init(&f, err);
    weir_orc_pb_init(&ps, err);
    weir_orc_pb_uint(&f, 1, 3);
    weir_orc_pb_uint(&f, 2, content);
    if (w->stripes.rc == WEIR_OK && f.rc == WEIR_OK) {
        f.rc = weir_orc_buf_append(&f.buf, w->stripes.buf.data, w->stripes.buf.len, err);
    }
    footer_types(w, &f);
    for (size_t i = 0; i < w->nuser; i++) {
        struct orc_pb u;
        weir_orc_pb_init(&u, err);
        weir_orc_pb_string(&u, 1, w->user[i].key);
        weir_orc_pb_string(&u, 2, w->user[i].value);
        weir_orc_pb_message(&f, 5, &u);
    }
    weir_orc_pb_uint(&f, 6, w->total_rows);
    struct orc_pb st;
    weir_orc_pb_init(&st, err);
    root_stats(&st, w->total_rows);
    weir_orc_pb_message(&f, 7, &st);
    for (int64_t i = 0; i < w->ncols; i++) {
        weir_orc_pb_init(&st, err);
        weir_orc_stats_encode(&w->cols[i].file_stats, &st);
        weir_orc_pb_message(&f, 7, &st);
    }
    weir_orc_pb_uint(&f, 8, (uint64_t)w->stride);
    weir_orc_pb_uint(&f, 11, 2); /* PROLEPTIC_GREGORIAN, as Arrow dates are */
    weir_orc_pb_string(&f, 12, "weir " PACKAGE_VERSION);
    if (rc == WEIR_OK) {
        rc = emit_section(w, &f, &footer_len, err);
    }
    weir_orc_pb_uint(&ps, 1, footer_len);
    weir_orc_pb_uint(&ps, 2, (uint64_t)w->codec.kind);
    weir_orc_pb_uint(&ps, 3, w->block);
    uint64_t version[2] = {0, 12};
    weir_orc_pb_packed(&ps, 4, version, 2);
    weir_orc_pb_uint(&ps, 5, meta_len);
    weir_orc_pb_uint(&ps, 6, WRITER_VERSION);
    weir_orc_pb_string(&ps, 8000, "ORC");
    if (rc == WEIR_OK) {
        rc = ps.rc;
    }
    if (rc == WEIR_OK && ps.buf.len > 255) {
        rc = weir_error_set(err, WEIR_EINTERNAL, "orc: postscript of %zu bytes", ps.buf.len);
    }
    if (rc == WEIR_OK) {
        rc = emit(w, ps.buf.data, ps.buf.len, err);
    }
    if (rc == WEIR_OK) {
        uint8_t pslen = (uint8_t)ps.buf.len;
        rc = emit(w, &pslen, 1, err);
    }
    weir_orc_pb_free(&f);
    weir_orc_pb_free(&ps);
    w->failed = rc != WEIR_OK;
    w->finished = rc == WEIR_OK;
    return rc;
}
