/*
 * Test-only plugins built as .so files like the real ones:
 *   weir_source_fake.so   a "database" that is a text file of "id,name" lines
 *                         (option connection = its path, or dbname when the
 *                         connection is empty); a password starting with
 *                         "wrong" or the user "nobody" is a rejected login;
 *                         one watermark column
 *                         "id"; option fail_at_row = N fails the scan there.
 *   weir_writer_fakecsv.so writes "id,name" lines and a "#rows N compactions
 *                         M" trailer; `flush` writes the pending lines;
 *                         `compact` keeps them pending, counted at a quarter
 *                         of their bytes; options fail_flush / fail_finish /
 *                         fail_compact = NAME fail the flush / finish /
 *                         compaction of a file that got a row with that name.
 *   weir_writer_oldabi.so refuses every host ABI.
 * FAKE_KIND selects which one this object file becomes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arrow.h"
#include "weir/weir.h"

#if FAKE_KIND == 1 /* source */

struct fconn {
    char path[512];
    int64_t fail_at;
    int64_t batch_rows;
};

struct fscan {
    FILE *f;
    struct weir_abatch b;
    int64_t lo, hi;
    int has_lo, has_hi, inclusive, nulls, include_nulls;
    int64_t seen;
    int64_t fail_at;
    int64_t batch_rows;
};

static int fk_connect(const struct weir_host *host, const struct weir_kv *o, size_t n, void **conn,
                      struct weir_error *err)
{
    const char *path = weir_kv_get(o, n, "connection");
    const char *pw = weir_kv_get(o, n, "password");
    const char *user = weir_kv_get(o, n, "user");
    if ((pw != NULL && strncmp(pw, "wrong", 5) == 0) || (user != NULL && !strcmp(user, "nobody"))) {
        return weir_error_set(err, WEIR_EAUTH, "password authentication failed for fake");
    }
    if (path != NULL && path[0] == '\0') {
        /* no connection string: the database from an RDS secret */
        path = weir_kv_get(o, n, "dbname");
    }
    FILE *f = path ? fopen(path, "r") : NULL;
    if (f == NULL) {
        return weir_error_set(err, WEIR_ETEMPFAIL, "cannot open fake database %s",
                              path ? path : "(none)");
    }
    fclose(f);
    struct fconn *c = calloc(1, sizeof(*c));
    snprintf(c->path, sizeof(c->path), "%s", path);
    const char *fa = weir_kv_get(o, n, "fail_at_row");
    c->fail_at = fa ? strtoll(fa, NULL, 10) : -1;
    const char *br = weir_kv_get(o, n, "batch_rows");
    c->batch_rows = br ? strtoll(br, NULL, 10) : 3;
    *conn = c;
    return WEIR_OK;
}

static void fk_disconnect(void *c)
{
    free(c);
}

static int fk_noop(void *c, struct weir_error *err)
{
    return WEIR_OK;
}

static void window(const struct weir_query *q, struct fscan *s)
{
    s->has_lo = q->low != NULL && q->low[0].present;
    s->lo = s->has_lo ? strtoll(q->low[0].text, NULL, 10) : 0;
    s->inclusive = q->low_inclusive;
    s->has_hi = q->high != NULL && q->high[0].present;
    s->hi = s->has_hi ? strtoll(q->high[0].text, NULL, 10) : 0;
    s->nulls = q->wm_nulls;
    s->include_nulls = q->include_nulls;
}

/* Next row in the window: 1, 0 at the end. id < 0 stands for a NULL id. */
static int next_row(struct fscan *s, int64_t *id, char *name, size_t cap)
{
    char line[512];
    while (fgets(line, sizeof(line), s->f) != NULL) {
        char *comma = strchr(line, ',');
        if (comma == NULL) {
            continue;
        }
        *comma = '\0';
        int is_null = strcmp(line, "NULL") == 0;
        int64_t v = is_null ? -1 : strtoll(line, NULL, 10);
        if (s->nulls ? !is_null : (is_null && !s->include_nulls)) {
            continue;
        }
        if (!s->nulls && !is_null && s->has_lo && (s->inclusive ? v < s->lo : v <= s->lo)) {
            continue;
        }
        if (!s->nulls && !is_null && s->has_hi && v > s->hi) {
            continue;
        }
        comma[1 + strcspn(comma + 1, "\n")] = '\0';
        snprintf(name, cap, "%s", comma + 1);
        *id = v;
        return 1;
    }
    return 0;
}

static int open_scan(struct fconn *c, const struct weir_query *q, struct fscan *s,
                     struct weir_error *err)
{
    memset(s, 0, sizeof(*s));
    s->f = fopen(c->path, "r");
    if (s->f == NULL) {
        return weir_error_set(err, WEIR_ETEMPFAIL, "fake database vanished");
    }
    window(q, s);
    s->fail_at = c->fail_at;
    s->batch_rows = c->batch_rows;
    return WEIR_OK;
}

static int fk_render(void *conn, const struct weir_query *q, char *buf, size_t cap,
                     struct weir_error *err)
{
    snprintf(buf, cap, "SCAN fake WHERE id %s %s AND id <= %s", q->low_inclusive ? ">=" : ">",
             q->low && q->low[0].present ? q->low[0].text : "-inf",
             q->high && q->high[0].present ? q->high[0].text : "+inf");
    return WEIR_OK;
}

static int fk_high(void *conn, const struct weir_query *q, struct weir_bound *out, char *note,
                   size_t cap, struct weir_error *err)
{
    struct fscan s;
    if (open_scan(conn, q, &s, err) != WEIR_OK) {
        return err->status;
    }
    int64_t id, best = INT64_MIN;
    char name[256];
    while (next_row(&s, &id, name, sizeof(name))) {
        best = id > best ? id : best;
    }
    fclose(s.f);
    memset(out, 0, sizeof(*out));
    if (best != INT64_MIN) {
        out[0].present = 1;
        snprintf(out[0].text, sizeof(out[0].text), "%" PRId64, best);
    }
    snprintf(note, cap, "max(id)");
    return WEIR_OK;
}

static int fk_count(void *conn, const struct weir_query *q, int64_t *rows, struct weir_error *err)
{
    struct fscan s;
    if (open_scan(conn, q, &s, err) != WEIR_OK) {
        return err->status;
    }
    int64_t id;
    char name[256];
    *rows = 0;
    while (next_row(&s, &id, name, sizeof(name))) {
        (*rows)++;
    }
    fclose(s.f);
    return WEIR_OK;
}

static int schema_of(struct weir_abatch *b, struct weir_error *err)
{
    if (weir_abatch_init(b, 2, err) != WEIR_OK ||
        weir_abatch_set_column(b, 0, "id", "l", NULL, 0, err) != WEIR_OK ||
        weir_abatch_set_column(b, 1, "name", "u", NULL, 0, err) != WEIR_OK) {
        return err->status;
    }
    return WEIR_OK;
}

static int fk_describe(void *conn, const struct weir_query *q, struct ArrowSchema *schema,
                       struct weir_error *err)
{
    struct weir_abatch b;
    int rc = schema_of(&b, err);
    if (rc == WEIR_OK) {
        rc = weir_abatch_schema(&b, schema, err);
    }
    weir_abatch_reset(&b);
    return rc;
}

static int fk_scan_open(void *conn, const struct weir_query *q, struct ArrowSchema *schema,
                        void **scan, struct weir_error *err)
{
    struct fscan *s = calloc(1, sizeof(*s));
    if (open_scan(conn, q, s, err) != WEIR_OK) {
        free(s);
        return err->status;
    }
    if (schema_of(&s->b, err) != WEIR_OK || weir_abatch_schema(&s->b, schema, err) != WEIR_OK) {
        fclose(s->f);
        weir_abatch_reset(&s->b);
        free(s);
        return err->status;
    }
    *scan = s;
    return WEIR_OK;
}

static int fk_scan_next(void *scan, struct ArrowArray *batch, struct weir_error *err)
{
    struct fscan *s = scan;
    int64_t id;
    char name[256];
    memset(batch, 0, sizeof(*batch));
    while (s->b.length < s->batch_rows && next_row(s, &id, name, sizeof(name))) {
        if (s->fail_at >= 0 && s->seen == s->fail_at) {
            return weir_error_set(err, WEIR_ETEMPFAIL, "fake connection lost at row %" PRId64,
                                  s->seen);
        }
        s->seen++;
        if (id < 0) {
            weir_acol_append_null(&s->b.cols[0]);
        } else {
            weir_acol_append_fixed(&s->b.cols[0], &id);
        }
        weir_acol_append_var(&s->b.cols[1], name, strlen(name));
        s->b.length++;
    }
    if (s->b.length == 0) {
        return WEIR_OK;
    }
    return weir_abatch_finish(&s->b, batch, err);
}

static void fk_scan_close(void *scan)
{
    struct fscan *s = scan;
    fclose(s->f);
    weir_abatch_reset(&s->b);
    free(s);
}

static const struct weir_option fk_options[] = {
    {"fail_at_row", WEIR_OPT_INT, 0, NULL, NULL, "fail the scan at this row"},
    {"batch_rows", WEIR_OPT_INT, 0, "3", NULL, "rows per batch"},
};

static const struct weir_source_ops fk_ops = {
    .size = sizeof(struct weir_source_ops),
    .connect = fk_connect,
    .disconnect = fk_disconnect,
    .begin = fk_noop,
    .end = fk_noop,
    .render_sql = fk_render,
    .high_watermark = fk_high,
    .count = fk_count,
    .describe = fk_describe,
    .scan_open = fk_scan_open,
    .scan_next = fk_scan_next,
    .scan_close = fk_scan_close,
};

WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err);
WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err)
{
    if (host_abi != WEIR_ABI_VERSION) {
        return weir_error_set(err, WEIR_EABI, "fake speaks ABI %u, host %u", WEIR_ABI_VERSION,
                              host_abi);
    }
    out->abi_version = WEIR_ABI_VERSION;
    out->kind = WEIR_PLUGIN_SOURCE;
    out->name = "fake";
    out->version = "1";
    out->options = fk_options;
    out->n_options = 2;
    out->source = &fk_ops;
    return WEIR_OK;
}

#elif FAKE_KIND == 2 /* writer */

struct fw {
    struct weir_output *out;
    int64_t rows;
    char pending[4096];
    size_t n;
    char fail_flush[64], fail_finish[64], fail_compact[64];
    int bad_flush, bad_finish, bad_compact; /* a row named so was written */
    size_t packed; /* pending bytes compact() "compressed" (counted at a quarter) */
    uint64_t compactions;
};

static void opt_copy(const struct weir_kv *o, size_t n, const char *key, char *buf, size_t cap)
{
    const char *v = weir_kv_get(o, n, key);
    snprintf(buf, cap, "%s", v != NULL ? v : "");
}

static int fw_open(const struct weir_host *host, const struct ArrowSchema *schema,
                   const struct weir_kv *o, size_t n, struct weir_output *out, void **w,
                   struct weir_error *err)
{
    if (schema->n_children < 2 || strcmp(schema->children[0]->format, "l") != 0) {
        return weir_error_set(err, WEIR_ECONFIG, "fakecsv wants (l, u) columns");
    }
    struct fw *f = calloc(1, sizeof(*f));
    f->out = out;
    opt_copy(o, n, "fail_flush", f->fail_flush, sizeof(f->fail_flush));
    opt_copy(o, n, "fail_finish", f->fail_finish, sizeof(f->fail_finish));
    opt_copy(o, n, "fail_compact", f->fail_compact, sizeof(f->fail_compact));
    *w = f;
    return WEIR_OK;
}

static int fw_write(void *w, const struct ArrowArray *batch, struct weir_error *err)
{
    struct fw *f = w;
    const struct ArrowArray *ids = batch->children[0], *names = batch->children[1];
    /* a view of rows [offset, offset + length) of its children (the host
     * routes runs of a batch to partitions so) */
    for (int64_t r = 0; r < batch->length; r++) {
        int64_t i = r + batch->offset;
        char line[600];
        const int32_t *off = names->buffers[1];
        int64_t j = i + names->offset;
        int n;
        if (weir_arrow_is_null(ids, i)) {
            n = snprintf(line, sizeof(line), "NULL,%.*s\n", (int)(off[j + 1] - off[j]),
                         (const char *)names->buffers[2] + off[j]);
        } else {
            n = snprintf(line, sizeof(line), "%" PRId64 ",%.*s\n",
                         ((const int64_t *)ids->buffers[1])[i + ids->offset],
                         (int)(off[j + 1] - off[j]), (const char *)names->buffers[2] + off[j]);
        }
        if (f->n + (size_t)n > sizeof(f->pending)) {
            int rc = f->out->write(f->out->ctx, f->pending, f->n, err);
            if (rc != WEIR_OK) {
                return rc;
            }
            f->n = 0;
            f->packed = 0;
        }
        size_t nl = (size_t)(off[j + 1] - off[j]);
        const char *nm = (const char *)names->buffers[2] + off[j];
        f->bad_flush |= f->fail_flush[0] && strlen(f->fail_flush) == nl &&
                        memcmp(nm, f->fail_flush, nl) == 0;
        f->bad_finish |= f->fail_finish[0] && strlen(f->fail_finish) == nl &&
                         memcmp(nm, f->fail_finish, nl) == 0;
        f->bad_compact |= f->fail_compact[0] && strlen(f->fail_compact) == nl &&
                          memcmp(nm, f->fail_compact, nl) == 0;
        memcpy(f->pending + f->n, line, (size_t)n);
        f->n += (size_t)n;
        f->rows++;
    }
    return WEIR_OK;
}

static uint64_t fw_buffered(void *w)
{
    return ((struct fw *)w)->n;
}

static int fw_flush(void *w, struct weir_error *err)
{
    struct fw *f = w;
    if (f->bad_flush) {
        return weir_error_set(err, WEIR_EIO, "fakecsv: flush of a file with %s fails",
                              f->fail_flush);
    }
    int rc = f->n > 0 ? f->out->write(f->out->ctx, f->pending, f->n, err) : WEIR_OK;
    f->n = 0;
    f->packed = 0;
    return rc;
}

/* The rows stay pending, as a real writer's compressed pages would; they
 * count at a quarter of their bytes from now on. */
static int fw_compact(void *w, struct weir_error *err)
{
    struct fw *f = w;
    if (f->bad_compact) {
        return weir_error_set(err, WEIR_EIO, "fakecsv: compacting a file with %s fails",
                              f->fail_compact);
    }
    f->packed = f->n;
    f->compactions++;
    return WEIR_OK;
}

static uint64_t fw_memory(void *w)
{
    struct fw *f = w;
    return f->n - f->packed + f->packed / 4;
}

static int fw_finish(void *w, struct weir_error *err)
{
    struct fw *f = w;
    if (f->bad_finish) {
        return weir_error_set(err, WEIR_EIO, "fakecsv: finish of a file with %s fails",
                              f->fail_finish);
    }
    char tail[96];
    int n = snprintf(tail, sizeof(tail), "#rows %" PRId64 " compactions %" PRIu64 "\n", f->rows,
                     f->compactions);
    int rc = f->out->write(f->out->ctx, f->pending, f->n, err);
    f->n = 0;
    return rc != WEIR_OK ? rc : f->out->write(f->out->ctx, tail, (size_t)n, err);
}

static void fw_free(void *w)
{
    free(w);
}

static const struct weir_option fw_options[] = {
    {"compression", WEIR_OPT_ENUM, 0, "none", "none|snappy|gzip|zstd", "ignored"},
    {"row_group_size", WEIR_OPT_SIZE, 0, NULL, NULL, "ignored"},
    {"timestamp_unit", WEIR_OPT_ENUM, 0, "us", "us|ms", "ignored"},
    {"types_profile", WEIR_OPT_ENUM, 0, "compat", "compat|native", "ignored"},
    {"created_by", WEIR_OPT_STRING, 0, NULL, NULL, "ignored"},
    {"fail_flush", WEIR_OPT_STRING, 0, NULL, NULL, "flush fails for a file with this name"},
    {"fail_finish", WEIR_OPT_STRING, 0, NULL, NULL, "finish fails for a file with this name"},
    {"fail_compact", WEIR_OPT_STRING, 0, NULL, NULL, "compact fails for a file with this name"},
};

static const struct weir_writer_ops fw_ops = {
    .size = sizeof(struct weir_writer_ops),
    .open = fw_open,
    .write = fw_write,
    .buffered = fw_buffered,
    .finish = fw_finish,
    .free = fw_free,
    .flush = fw_flush,
    .memory = fw_memory,
    .compact = fw_compact,
};

WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err);
WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err)
{
    out->abi_version = WEIR_ABI_VERSION;
    out->kind = WEIR_PLUGIN_WRITER;
    out->name = "fakecsv";
    out->version = "1";
    out->file_extension = "csv";
    out->options = fw_options;
    out->n_options = sizeof(fw_options) / sizeof(fw_options[0]);
    out->writer = &fw_ops;
    return WEIR_OK;
}

#else /* a plugin from the future */

WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err);
WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err)
{
    return weir_error_set(err, WEIR_EABI, "oldabi speaks ABI version 99, the host %u", host_abi);
}

#endif
