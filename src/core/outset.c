/* Writers, partitions and files of one run; see outset.h. */
#include "core/outset.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arrow.h"
#include "util/wtime.h"

#define HIVE_NULL "__HIVE_DEFAULT_PARTITION__"

struct part_writer {
    char folder[512]; /* "ingest_date=2026-11-28", "" for no partitioning */
    char path[1200];
    void *writer;
    struct weir_sink_output out;
    uint64_t rows;
    uint64_t last_used;
};

struct weir_outset {
    struct weir_outset_config cfg;
    struct ArrowSchema schema;
    int64_t part_col; /* -1 unless partitioning by a column */
    const char *part_format;
    struct part_writer **open;
    int n_open;
    uint64_t seq;
    uint64_t tick;
    uint64_t rows;
    uint64_t bytes;
    json_t *files;
    json_t *partitions;
    json_t *partition_rows; /* folder → rows committed into it */
    struct weir_abatch take;
    int take_ready;
    int32_t *row_part; /* per row of the current batch: index into keys */
    size_t row_part_cap;
    char (*keys)[256];
    size_t n_keys, keys_cap;
};

void weir_partition_escape(const char *in, size_t len, char *out, size_t cap)
{
    static const char special[] = "\"#%'*/:=?\\\x7f{[]}^";
    size_t o = 0;
    for (size_t i = 0; i < len && o + 4 < cap; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c < 0x20 || strchr(special, c) != NULL) {
            snprintf(out + o, cap - o, "%%%02X", c);
            o += 3;
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* The folder value for row i of the partition column. */
static void partition_value(const struct weir_outset *s, const struct ArrowArray *col, int64_t i,
                            char *buf, size_t cap)
{
    const char *f = s->part_format;
    if (weir_arrow_is_null(col, i)) {
        snprintf(buf, cap, "%s", HIVE_NULL);
        return;
    }
    int64_t j = i + col->offset;
    int64_t days = INT64_MIN;
    if (strcmp(f, "tdD") == 0) {
        days = ((const int32_t *)col->buffers[1])[j];
    } else if (strncmp(f, "tsu:", 4) == 0) {
        days = floor_div(((const int64_t *)col->buffers[1])[j], 86400000000LL);
    }
    if (days != INT64_MIN && s->cfg.granularity != WEIR_GRAN_VALUE) {
        int y, m, d;
        weir_time_civil(days, &y, &m, &d);
        if (s->cfg.granularity == WEIR_GRAN_YEAR) {
            snprintf(buf, cap, "%04d", y);
        } else if (s->cfg.granularity == WEIR_GRAN_MONTH) {
            snprintf(buf, cap, "%04d-%02d", y, m);
        } else {
            snprintf(buf, cap, "%04d-%02d-%02d", y, m, d);
        }
        return;
    }
    char raw[256];
    const void *v = col->buffers[1];
    switch (f[0]) {
    case 'b':
        snprintf(raw, sizeof(raw), "%s", weir_arrow_bit(v, j) ? "true" : "false");
        break;
    case 'c':
        snprintf(raw, sizeof(raw), "%d", ((const int8_t *)v)[j]);
        break;
    case 's':
        snprintf(raw, sizeof(raw), "%d", ((const int16_t *)v)[j]);
        break;
    case 'i':
        snprintf(raw, sizeof(raw), "%d", ((const int32_t *)v)[j]);
        break;
    case 'l':
        snprintf(raw, sizeof(raw), "%" PRId64, ((const int64_t *)v)[j]);
        break;
    case 'C':
        snprintf(raw, sizeof(raw), "%u", ((const uint8_t *)v)[j]);
        break;
    case 'S':
        snprintf(raw, sizeof(raw), "%u", ((const uint16_t *)v)[j]);
        break;
    case 'I':
        snprintf(raw, sizeof(raw), "%" PRIu32, ((const uint32_t *)v)[j]);
        break;
    case 't':
        if (days != INT64_MIN) {
            int y, m, d;
            weir_time_civil(days, &y, &m, &d);
            snprintf(raw, sizeof(raw), "%04d-%02d-%02d", y, m, d);
            break;
        }
        /* fallthrough */
    case 'u': {
        if (f[0] == 'u') {
            const int32_t *off = col->buffers[1];
            const char *data = col->buffers[2];
            size_t len = (size_t)(off[j + 1] - off[j]);
            weir_partition_escape(data + off[j], len > 200 ? 200 : len, buf, cap);
            if (buf[0] == '\0') {
                snprintf(buf, cap, "%s", HIVE_NULL);
            }
            return;
        }
    }
        /* fallthrough */
    default:
        snprintf(raw, sizeof(raw), "%s", "unsupported");
        break;
    }
    weir_partition_escape(raw, strlen(raw), buf, cap);
}

int weir_outset_new(const struct weir_outset_config *cfg, const struct ArrowSchema *schema,
                    struct weir_outset **out, struct weir_error *err)
{
    struct weir_outset *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    s->cfg = *cfg;
    if (s->cfg.max_open <= 0) {
        s->cfg.max_open = 16;
    }
    s->part_col = -1;
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
    }
    *out = s;
    return WEIR_OK;
}

static int commit_writer(struct weir_outset *s, struct part_writer *pw, struct weir_error *err)
{
    const struct weir_writer_ops *ops = s->cfg.writer->desc.writer;
    int rc = ops->finish(pw->writer, err);
    ops->free(pw->writer);
    pw->writer = NULL;
    if (rc != WEIR_OK) {
        s->cfg.sink->ops->abort(pw->out.file);
        pw->out.file = NULL;
        return rc;
    }
    rc = s->cfg.sink->ops->commit(pw->out.file, err);
    pw->out.file = NULL;
    if (rc != WEIR_OK) {
        return rc;
    }
    s->bytes += pw->out.bytes;
    json_array_append_new(s->files, json_string(pw->path));
    int seen = 0;
    size_t i;
    json_t *v;
    json_array_foreach(s->partitions, i, v)
    {
        seen |= strcmp(json_string_value(v), pw->folder) == 0;
    }
    if (!seen && pw->folder[0]) {
        json_array_append_new(s->partitions, json_string(pw->folder));
    }
    if (pw->folder[0]) {
        json_int_t before = json_integer_value(json_object_get(s->partition_rows, pw->folder));
        json_object_set_new(s->partition_rows, pw->folder,
                            json_integer(before + (json_int_t)pw->rows));
    }
    s->cfg.host->log(s->cfg.host->ctx, WEIR_LOG_INFO, "file_written", pw->path);
    return WEIR_OK;
}

static void drop_writer(struct weir_outset *s, int idx)
{
    struct part_writer *pw = s->open[idx];
    if (pw->writer != NULL) {
        s->cfg.writer->desc.writer->free(pw->writer);
    }
    if (pw->out.file != NULL) {
        s->cfg.sink->ops->abort(pw->out.file);
    }
    free(pw);
    s->open[idx] = s->open[s->n_open - 1];
    s->n_open--;
}

static int close_writer(struct weir_outset *s, int idx, struct weir_error *err)
{
    int rc = commit_writer(s, s->open[idx], err);
    drop_writer(s, idx);
    return rc;
}

static int open_writer(struct weir_outset *s, const char *folder, struct part_writer **out,
                       struct weir_error *err)
{
    if (s->n_open >= s->cfg.max_open) {
        /* memory is bounded by open writers × row group size: close the one
         * used least recently; its partition continues in a new file */
        int lru = 0;
        for (int i = 1; i < s->n_open; i++) {
            if (s->open[i]->last_used < s->open[lru]->last_used) {
                lru = i;
            }
        }
        if (close_writer(s, lru, err) != WEIR_OK) {
            return err->status;
        }
    }
    if (s->open == NULL) {
        s->open = calloc((size_t)s->cfg.max_open, sizeof(*s->open));
        if (s->open == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory");
        }
    }
    struct part_writer *pw = calloc(1, sizeof(*pw));
    if (pw == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    snprintf(pw->folder, sizeof(pw->folder), "%s", folder);
    snprintf(pw->path, sizeof(pw->path), "%s/%s%spart-%s-0-%05" PRIu64 ".%s", s->cfg.job, folder,
             folder[0] ? "/" : "", s->cfg.run_id, s->seq++,
             s->cfg.writer->desc.file_extension ? s->cfg.writer->desc.file_extension : "dat");
    int rc;
    struct weir_sink_file *file = NULL;
    if ((rc = s->cfg.announce(s->cfg.announce_ctx, pw->path, err)) != WEIR_OK ||
        (rc = s->cfg.sink->ops->open(s->cfg.sink, pw->path, &file, err)) != WEIR_OK) {
        free(pw);
        return rc;
    }
    weir_sink_output_init(&pw->out, s->cfg.sink, file);
    rc = s->cfg.writer->desc.writer->open(s->cfg.host, &s->schema, s->cfg.options,
                                          s->cfg.n_options, &pw->out.out, &pw->writer, err);
    if (rc != WEIR_OK) {
        s->cfg.sink->ops->abort(file);
        free(pw);
        return rc;
    }
    s->open[s->n_open++] = pw;
    *out = pw;
    return WEIR_OK;
}

static int writer_for(struct weir_outset *s, const char *folder, struct part_writer **out,
                      struct weir_error *err)
{
    for (int i = 0; i < s->n_open; i++) {
        if (strcmp(s->open[i]->folder, folder) == 0) {
            *out = s->open[i];
            return WEIR_OK;
        }
    }
    return open_writer(s, folder, out, err);
}

static int write_to(struct weir_outset *s, const char *folder, const struct ArrowArray *batch,
                    struct weir_error *err)
{
    struct part_writer *pw = NULL;
    int rc = writer_for(s, folder, &pw, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    const struct weir_writer_ops *ops = s->cfg.writer->desc.writer;
    if ((rc = ops->write(pw->writer, batch, err)) != WEIR_OK) {
        return rc;
    }
    pw->rows += (uint64_t)batch->length;
    pw->last_used = ++s->tick;
    s->rows += (uint64_t)batch->length;
    if (s->cfg.file_size > 0 && pw->out.bytes + ops->buffered(pw->writer) >= s->cfg.file_size) {
        for (int i = 0; i < s->n_open; i++) {
            if (s->open[i] == pw) {
                return close_writer(s, i, err);
            }
        }
    }
    return WEIR_OK;
}

/* Copies row i of src into the builder column. */
static int append_row(struct weir_acol *dst, const struct ArrowArray *src, int64_t i)
{
    if (weir_arrow_is_null(src, i)) {
        return weir_acol_append_null(dst);
    }
    int64_t j = i + src->offset;
    switch (dst->layout) {
    case WEIR_ACOL_BOOL:
        return weir_acol_append_bool(dst, weir_arrow_bit(src->buffers[1], j));
    case WEIR_ACOL_FIXED:
        return weir_acol_append_fixed(dst, (const uint8_t *)src->buffers[1] + j * dst->width);
    default: {
        const int32_t *off = src->buffers[1];
        return weir_acol_append_var(dst, (const char *)src->buffers[2] + off[j],
                                    (size_t)(off[j + 1] - off[j]));
    }
    }
}

static int take_init(struct weir_outset *s, struct weir_error *err)
{
    if (s->take_ready) {
        return WEIR_OK;
    }
    if (weir_abatch_init(&s->take, s->schema.n_children, err) != WEIR_OK) {
        return err->status;
    }
    for (int64_t i = 0; i < s->schema.n_children; i++) {
        const struct ArrowSchema *c = s->schema.children[i];
        if (weir_abatch_set_column(&s->take, i, c->name, c->format, NULL, 0, err) != WEIR_OK) {
            return err->status;
        }
    }
    s->take_ready = 1;
    return WEIR_OK;
}

static int route(struct weir_outset *s, const struct ArrowArray *batch, struct weir_error *err)
{
    const struct ArrowArray *col = batch->children[s->part_col];
    size_t n = (size_t)batch->length;
    if (n > s->row_part_cap) {
        int32_t *p = realloc(s->row_part, n * sizeof(*p));
        if (p == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory");
        }
        s->row_part = p;
        s->row_part_cap = n;
    }
    s->n_keys = 0;
    int32_t last = -1;
    for (size_t r = 0; r < n; r++) {
        char key[256];
        partition_value(s, col, (int64_t)r, key, sizeof(key));
        int32_t k = -1;
        if (last >= 0 && strcmp(s->keys[last], key) == 0) {
            k = last;
        } else {
            for (size_t q = 0; q < s->n_keys; q++) {
                if (strcmp(s->keys[q], key) == 0) {
                    k = (int32_t)q;
                    break;
                }
            }
        }
        if (k < 0) {
            if (s->n_keys == s->keys_cap) {
                size_t cap = s->keys_cap ? s->keys_cap * 2 : 16;
                char(*p)[256] = realloc(s->keys, cap * sizeof(*p));
                if (p == NULL) {
                    return weir_error_set(err, WEIR_ENOMEM, "out of memory");
                }
                s->keys = p;
                s->keys_cap = cap;
            }
            snprintf(s->keys[s->n_keys], 256, "%s", key);
            k = (int32_t)s->n_keys++;
        }
        s->row_part[r] = k;
        last = k;
    }
    char folder[600];
    const char *name = s->schema.children[s->part_col]->name;
    if (s->n_keys <= 1) {
        if (n == 0) {
            return WEIR_OK;
        }
        snprintf(folder, sizeof(folder), "%s=%s", name, s->keys[0]);
        return write_to(s, folder, batch, err);
    }
    if (take_init(s, err) != WEIR_OK) {
        return err->status;
    }
    for (size_t k = 0; k < s->n_keys; k++) {
        for (size_t r = 0; r < n; r++) {
            if (s->row_part[r] != (int32_t)k) {
                continue;
            }
            for (int64_t c = 0; c < s->take.n_cols; c++) {
                if (append_row(&s->take.cols[c], batch->children[c], (int64_t)r) != WEIR_OK) {
                    return weir_error_set(err, WEIR_ENOMEM, "out of memory splitting a batch");
                }
            }
            s->take.length++;
        }
        struct ArrowArray part;
        if (weir_abatch_finish(&s->take, &part, err) != WEIR_OK) {
            return err->status;
        }
        snprintf(folder, sizeof(folder), "%s=%s", name, s->keys[k]);
        int rc = write_to(s, folder, &part, err);
        part.release(&part);
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    return WEIR_OK;
}

int weir_outset_write(struct weir_outset *s, const struct ArrowArray *batch,
                      struct weir_error *err)
{
    if (batch->length == 0) {
        return WEIR_OK;
    }
    if (s->part_col >= 0) {
        return route(s, batch, err);
    }
    char folder[64] = "";
    if (s->cfg.partition_kind == WEIR_PART_INGEST_DATE) {
        snprintf(folder, sizeof(folder), "ingest_date=%s", s->cfg.ingest_date);
    }
    return write_to(s, folder, batch, err);
}

int weir_outset_finish(struct weir_outset *s, struct weir_error *err)
{
    while (s->n_open > 0) {
        if (close_writer(s, s->n_open - 1, err) != WEIR_OK) {
            return err->status;
        }
    }
    return WEIR_OK;
}

uint64_t weir_outset_rows(const struct weir_outset *s)
{
    return s->rows;
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
    uint64_t n = 0;
    for (int i = 0; i < s->n_open; i++) {
        n += s->cfg.writer->desc.writer->buffered(s->open[i]->writer);
    }
    return n;
}

void weir_outset_free(struct weir_outset *s)
{
    if (s == NULL) {
        return;
    }
    while (s->n_open > 0) {
        drop_writer(s, s->n_open - 1);
    }
    free(s->open);
    if (s->schema.release != NULL) {
        s->schema.release(&s->schema);
    }
    if (s->take_ready) {
        weir_abatch_reset(&s->take);
    }
    free(s->row_part);
    free(s->keys);
    json_decref(s->files);
    json_decref(s->partitions);
    json_decref(s->partition_rows);
    free(s);
}
