/* The ORC writer plugin end to end: dlopen, write every type with edge
 * values in several stripes and row groups for each compression, read back
 * with the test reader (every value, statistics, row index positions). */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "orc_reader.h"
#include "orc_testdata.h"
#include "tap.h"
#include "util/arrow.h"

struct mem {
    uint8_t *p;
    size_t len, cap;
};

static int mem_write(void *ctx, const void *data, size_t len, struct weir_error *err)
{
    struct mem *m = ctx;
    if (m->len + len > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->len + len) {
            cap *= 2;
        }
        uint8_t *q = realloc(m->p, cap);
        if (q == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "test output");
        }
        m->p = q;
        m->cap = cap;
    }
    memcpy(m->p + m->len, data, len);
    m->len += len;
    return WEIR_OK;
}

static const struct weir_writer_ops *ops;

static int write_file(const struct weir_kv *opts, size_t nopts, int64_t rows, int64_t per_batch,
                      bool big, struct mem *m, struct weir_error *err)
{
    struct ArrowSchema schema;
    struct weir_output out = {sizeof(out), m, mem_write};
    void *w = NULL;
    int rc = td_schema(&schema, err);
    if (rc == WEIR_OK) {
        rc = ops->open(NULL, &schema, opts, nopts, &out, &w, err);
    }
    for (int64_t r = 0; r < rows && rc == WEIR_OK; r += per_batch) {
        int64_t n = rows - r < per_batch ? rows - r : per_batch;
        struct ArrowArray b;
        /* every other batch starts 5 rows early and is sliced with an offset */
        int64_t pre = (r / per_batch) % 2 == 1 && r >= 5 ? 5 : 0;
        rc = td_batch(r - pre, n + pre, big, &b, err);
        if (rc == WEIR_OK) {
            b.offset = pre;
            b.length = n;
            rc = ops->write(w, &b, err);
            b.release(&b);
        }
    }
    if (rc == WEIR_OK) {
        rc = ops->finish(w, err);
    }
    ops->free(w);
    if (schema.release != NULL) {
        schema.release(&schema);
    }
    return rc;
}

static int find_col(const struct orc_rfile *f, const char *name)
{
    for (int i = 0; i < f->types[0].nsub; i++) {
        if (strcmp(f->types[0].names[i], name) == 0) {
            return i + 1;
        }
    }
    return -1;
}

static void check_file(const char *comp, int kind, int64_t rows, bool big)
{
    struct weir_error err;
    struct weir_kv opts[] = {
        {"compression", comp},
        {"row_index_stride", "1000"},
        {"row_group_size", big ? "2MiB" : "256KiB"},
        {"compression_block_size", "64KiB"},
        {"created_by", "weir test"},
        {"meta.source", "unit-test"},
    };
    struct mem m = {0};
    int rc = write_file(opts, 6, rows, 3000, big, &m, &err);
    TAP_EQ_INT(rc, WEIR_OK, "write succeeds");
    if (rc != WEIR_OK) {
        printf("# %s\n", err.message);
    }
    struct orc_rfile f;
    int r = orc_read(m.p, m.len, &f);
    TAP_OK(r == 0, "%s: %zu bytes read back (%s)", comp, m.len, r == 0 ? "ok" : f.error);
    if (r != 0) {
        orc_rfile_free(&f);
        free(m.p);
        return;
    }
    TAP_EQ_INT(f.rows, rows, "row count");
    TAP_OK(f.nstripes > 1, "%s: %d stripes", comp, f.nstripes);
    TAP_OK(f.compression == (uint64_t)kind && f.block == 65536, "postscript compression and block");
    TAP_OK(f.nversion == 2 && f.version[0] == 0 && f.version[1] == 12 && f.writer_version == 8,
           "postscript version [0,12], writer version 8");
    TAP_OK(f.header_len == 3 && f.stride == 1000 && f.calendar == 2 && !f.has_writer,
           "footer: header length, stride, calendar, writer id unset");
    TAP_EQ_STR(f.software_version, "weir " PACKAGE_VERSION, "software version");
    TAP_OK(f.ntypes == td_ncols + 1 && f.types[0].kind == 12 && f.types[0].nsub == td_ncols,
           "root is a struct of every column");
    bool all = true, tz = true;
    for (int s = 0; s < f.nstripes; s++) {
        tz = tz && f.writer_tz[s] != NULL && strcmp(f.writer_tz[s], "UTC") == 0;
    }
    TAP_OK(tz, "every stripe's writer timezone is UTC");
    int user = 0;
    for (int i = 0; i < f.nuser; i++) {
        user += strcmp(f.user_keys[i], "source") == 0 && strcmp(f.user_values[i], "unit-test") == 0;
        user += strcmp(f.user_keys[i], "weir.created_by") == 0;
    }
    TAP_EQ_INT(user, 2, "user metadata: meta.source and created_by");
    /* every value */
    struct tdbuf want = {0}, got = {0};
    long wrong = 0;
    for (int c = 0; c < td_ncols; c++) {
        for (int64_t row = 0; row < rows; row++) {
            td_clear(&want);
            td_clear(&got);
            td_expect(row, c, big, &want);
            td_render(&f, c, (size_t)row, &got);
            if (want.len != got.len || memcmp(want.p, got.p, want.len) != 0) {
                if (wrong++ < 5) {
                    printf("# %s row %lld: want %.60s got %.60s\n", td_name(c), (long long)row,
                           want.p, got.p);
                }
                all = false;
            }
        }
    }
    td_free(&want);
    td_free(&got);
    TAP_OK(all, "%s: every value of %d columns x %lld rows reads back (%ld wrong)", comp,
           td_ncols, (long long)rows, wrong);
    TAP_OK(f.row_index_checks > 0, "%s: %d row group positions verified by seeking", comp,
           f.row_index_checks);
    if (kind != 0) {
        TAP_OK(f.chunks_compressed > 0, "%s: %d compressed and %d original chunks", comp,
               f.chunks_compressed, f.chunks_original);
    }
    /* encodings and statistics */
    int cat = find_col(&f, "cat"), txt = find_col(&f, "txt"), i64 = find_col(&f, "i64");
    int u8 = find_col(&f, "u8"), day = find_col(&f, "day"), ts = find_col(&f, "ts");
    int dec = find_col(&f, "dec"), b = find_col(&f, "b"), nothing = find_col(&f, "nothing");
    TAP_OK(f.cols[cat].encodings[0] == 3 && f.cols[cat].dict_sizes[0] == 5,
           "low-cardinality strings: DICTIONARY_V2 with 5 entries");
    TAP_EQ_INT(f.cols[txt].encodings[0], 2, "high-cardinality strings: DIRECT_V2");
    bool counts = true;
    for (int c = 0; c < td_ncols; c++) {
        const struct orc_rstats *s = &f.file_stats[c + 1];
        uint64_t sum = 0;
        for (int st = 0; st < f.nstripes; st++) {
            sum += f.stripe_stats[(size_t)st * (size_t)f.ntypes + (size_t)c + 1].count;
        }
        counts = counts && s->count == td_nonnull(rows, c) && s->has_null && s->null_flag &&
                 sum == s->count;
    }
    TAP_OK(counts, "file and stripe statistics count the non-null values of every column");
    TAP_OK(f.file_stats[0].count == (uint64_t)rows, "root statistics count the rows");
    const struct orc_rstats *s = &f.file_stats[i64];
    TAP_OK(s->sub == 2 && s->imin == INT64_MIN && s->imax == INT64_MAX && !s->has_sum,
           "int64 statistics: min, max, sum left out on overflow");
    s = &f.file_stats[u8];
    TAP_OK(s->imin == 0 && s->imax == 255 && s->has_sum, "uint8 statistics with a sum");
    s = &f.file_stats[cat];
    TAP_OK(s->sub == 4 && s->smin != NULL && strcmp(s->smin, "alpha") == 0 && s->smax != NULL &&
               strcmp(s->smax, "\xce\xb5-epsilon") == 0 && s->has_sum,
           "string statistics: min, max (bytes), sum of lengths");
    s = &f.file_stats[txt];
    if (big) {
        TAP_OK(!s->has_max && s->has_upper && s->upperlen <= 1024 && s->upper[0] == '~',
               "1 MiB maximum string: upper bound of at most 1024 bytes instead");
    }
    s = &f.file_stats[day];
    TAP_OK(s->sub == 7 && s->imin == -719162 && s->imax == 2932896, "date statistics");
    s = &f.file_stats[ts];
    TAP_OK(s->sub == 9 && s->imin == -62135596800000LL && s->imax == 253402300799999LL &&
               s->max_nanos == 999000 + 1 && s->min_nanos == 1,
           "timestamp statistics: UTC milliseconds and sub-millisecond nanos + 1");
    s = &f.file_stats[dec];
    TAP_OK(s->sub == 6 && s->smin != NULL &&
               strcmp(s->smin, "-9999999999999999999999999999.9999999999") == 0 &&
               strcmp(s->smax, "9999999999999999999999999999.9999999999") == 0,
           "decimal statistics as strings");
    s = &f.file_stats[b];
    TAP_OK(s->sub == 5 && s->bucket > 0 && s->bucket < s->count, "boolean statistics: true count");
    s = &f.file_stats[nothing];
    TAP_OK(s->count == 0 && s->null_flag && !s->has_min, "all-null column: no min/max");
    TAP_OK(f.types[find_col(&f, "id")].kind == 7 && f.types[find_col(&f, "id")].attr_value != NULL &&
               strcmp(f.types[find_col(&f, "id")].attr_value, "uuid") == 0,
           "uuid: STRING with attribute weir.logical_type=uuid");
    TAP_OK(f.types[dec].kind == 14 && f.types[dec].precision == 38 && f.types[dec].scale == 10,
           "decimal(38,10) type");
    orc_rfile_free(&f);
    free(m.p);
}

/* Lists: row i is NULL when i % 11 == 0, empty when i % 7 == 0, else i % 9
 * elements k, NULL when (i + k) % 5 == 0. */
static bool list_elem(int64_t i, int64_t k)
{
    return (i + k) % 5 != 0;
}

static int64_t list_len(int64_t i)
{
    return i % 11 == 0 || i % 7 == 0 ? 0 : i % 9;
}

static int list_batch(int64_t row0, int64_t n, struct ArrowSchema *schema, struct ArrowArray *out,
                      struct weir_error *err)
{
    struct weir_abatch b;
    int rc = weir_abatch_init(&b, 3, err);
    if (rc == WEIR_OK) {
        rc = weir_abatch_set_column(&b, 0, "id", "l", NULL, 0, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_abatch_set_list(&b, 1, "li", NULL, 0, "l", NULL, 0, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_abatch_set_list(&b, 2, "ls", NULL, 0, "u", NULL, 0, err);
    }
    for (int64_t i = row0; i < row0 + n && rc == WEIR_OK; i++) {
        weir_acol_append_fixed(&b.cols[0], &i);
        for (int c = 1; c <= 2; c++) {
            struct weir_acol *l = &b.cols[c];
            if (i % 11 == 0) {
                weir_acol_append_null(l);
                continue;
            }
            for (int64_t k = 0; k < list_len(i); k++) {
                int64_t v = i * 100 + k;
                char text[64];
                int tl = snprintf(text, sizeof(text), "s%lld-é%lld", (long long)i, (long long)k);
                if (!list_elem(i, k)) {
                    weir_acol_append_null(l->child);
                } else if (c == 1) {
                    weir_acol_append_fixed(l->child, &v);
                } else {
                    weir_acol_append_var(l->child, text, (size_t)tl);
                }
            }
            weir_acol_list_close(l);
        }
        b.length++;
    }
    if (rc == WEIR_OK && schema != NULL) {
        rc = weir_abatch_schema(&b, schema, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_abatch_finish(&b, out, err);
    }
    weir_abatch_reset(&b);
    return rc;
}

static void check_lists(const char *comp)
{
    struct weir_error err;
    struct mem m = {0};
    struct weir_output out = {sizeof(out), &m, mem_write};
    struct weir_kv opts[] = {
        {"compression", comp}, {"row_index_stride", "1000"}, {"row_group_size", "48KiB"}};
    struct ArrowSchema schema;
    struct ArrowArray b;
    void *w = NULL;
    const int64_t rows = 30000, per = 3000;
    int rc = list_batch(0, 1, &schema, &b, &err);
    if (rc == WEIR_OK) {
        b.release(&b);
        rc = ops->open(NULL, &schema, opts, 3, &out, &w, &err);
        schema.release(&schema);
    }
    /* batches start 7 rows early and are sliced with an offset */
    for (int64_t r = 0; r < rows && rc == WEIR_OK; r += per) {
        int64_t pre = r >= 7 ? 7 : 0;
        rc = list_batch(r - pre, per + pre, NULL, &b, &err);
        if (rc == WEIR_OK) {
            b.offset = pre;
            b.length = per;
            rc = ops->write(w, &b, &err);
            b.release(&b);
        }
    }
    if (rc == WEIR_OK) {
        rc = ops->finish(w, &err);
    }
    ops->free(w);
    TAP_OK(rc == WEIR_OK, "%s lists: written%s%s", comp, rc == WEIR_OK ? "" : ": ",
           rc == WEIR_OK ? "" : err.message);
    struct orc_rfile f;
    if (orc_read(m.p, m.len, &f) != 0) {
        TAP_OK(false, "%s lists: read back: %s", comp, f.error);
        orc_rfile_free(&f);
        free(m.p);
        return;
    }
    TAP_OK(f.ntypes == 6 && f.types[0].nsub == 3 && f.types[0].sub[1] == 2 &&
               f.types[0].sub[2] == 4 && f.types[2].kind == 10 && f.types[2].nsub == 1 &&
               f.types[2].sub[0] == 3 && f.types[3].kind == 4 && f.types[4].kind == 10 &&
               f.types[4].sub[0] == 5 && f.types[5].kind == 7,
           "%s lists: types LIST<LONG>, LIST<STRING> in pre-order", comp);
    TAP_OK(f.nstripes > 2 && f.row_index_checks > 6 * 30,
           "%s lists: %d stripes, %d row group positions verified by seeking", comp, f.nstripes,
           f.row_index_checks);
    int64_t wrong = 0, nonnull = 0, elems = 0, nullelems = 0;
    struct tdbuf got = {0}, want = {0};
    for (int64_t i = 0; i < rows; i++) {
        for (int c = 1; c <= 2; c++) {
            td_clear(&got);
            td_clear(&want);
            td_render(&f, c, (size_t)i, &got);
            if (i % 11 == 0) {
                td_puts(&want, "null");
            } else {
                td_puts(&want, "[");
                for (int64_t k = 0; k < list_len(i); k++) {
                    char text[80];
                    if (!list_elem(i, k)) {
                        snprintf(text, sizeof(text), "null");
                    } else if (c == 1) {
                        snprintf(text, sizeof(text), "%lld", (long long)(i * 100 + k));
                    } else {
                        snprintf(text, sizeof(text), "\"s%lld-é%lld\"", (long long)i,
                                 (long long)k);
                    }
                    td_puts(&want, text);
                    td_puts(&want, k + 1 < list_len(i) ? "," : "");
                }
                td_puts(&want, "]");
            }
            if (strcmp(got.p, want.p) != 0 && wrong++ < 3) {
                printf("# row %lld col %d: got %s want %s\n", (long long)i, c, got.p, want.p);
            }
        }
        nonnull += i % 11 != 0;
        for (int64_t k = 0; k < list_len(i); k++) {
            elems += list_elem(i, k);
            nullelems += !list_elem(i, k);
        }
    }
    TAP_OK(wrong == 0, "%s lists: every list and element reads back (NULL, empty, NULL "
           "elements; %lld wrong)", comp, (long long)wrong);
    const struct orc_rstats *l = &f.file_stats[2], *e = &f.file_stats[3];
    TAP_OK(l->count == (uint64_t)nonnull && l->null_flag && l->sub == 0,
           "%s lists: list statistics: %llu non-null lists, hasNull", comp,
           (unsigned long long)l->count);
    TAP_OK(e->count == (uint64_t)elems && e->null_flag == (nullelems > 0) && e->imin == 100 &&
               e->has_max && e->imax < rows * 100,
           "%s lists: element statistics: %llu values, min %lld", comp,
           (unsigned long long)e->count, (long long)e->imin);
    TAP_OK(f.cols[2].encodings[0] == 2 && f.cols[4].encodings[0] == 2,
           "%s lists: LIST columns encoded DIRECT_V2", comp);
    td_free(&got);
    td_free(&want);
    orc_rfile_free(&f);
    free(m.p);
}

static void check_errors(void)
{
    struct weir_error err;
    struct mem m = {0};
    struct weir_output out = {sizeof(out), &m, mem_write};
    void *w = NULL;
    struct weir_abatch b;
    struct ArrowSchema schema;
    weir_abatch_init(&b, 1, &err);
    weir_abatch_set_column(&b, 0, "t", "tsu:", NULL, 0, &err);
    weir_abatch_schema(&b, &schema, &err);
    struct weir_kv bad[] = {{"compression", "brotli"}};
    TAP_EQ_INT(ops->open(NULL, &schema, bad, 1, &out, &w, &err), WEIR_ECONFIG,
               "unknown compression refused");
    struct weir_kv bad2[] = {{"compression_block_size", "16MiB"}};
    TAP_EQ_INT(ops->open(NULL, &schema, bad2, 1, &out, &w, &err), WEIR_ECONFIG,
               "compression block past 8 MiB refused");
    TAP_EQ_INT(ops->open(NULL, &schema, NULL, 0, &out, &w, &err), WEIR_OK, "defaults accepted");
    int64_t v = -1500; /* 1969-12-31 23:59:59.9985 */
    weir_acol_append_fixed(&b.cols[0], &v);
    b.length++;
    struct ArrowArray arr;
    weir_abatch_finish(&b, &arr, &err);
    TAP_EQ_INT(ops->write(w, &arr, &err), WEIR_EDATA,
               "a timestamp no ORC reader reads back is refused");
    TAP_EQ_INT(ops->finish(w, &err), WEIR_EINTERNAL, "finish after a failed write refused");
    ops->free(w);
    arr.release(&arr);
    schema.release(&schema);
    weir_abatch_set_column(&b, 0, "x", "tsn:", NULL, 0, &err);
    weir_abatch_reset(&b);
    struct ArrowSchema s2 = schema;
    s2.format = "+s";
    struct ArrowSchema inner = {.format = "i", .name = "element"};
    struct ArrowSchema *grandkids[] = {&inner};
    struct ArrowSchema elem = {.format = "+l", .name = "element", .n_children = 1,
                               .children = grandkids};
    struct ArrowSchema *elems[] = {&elem};
    struct ArrowSchema child = {.format = "+l", .name = "lst", .n_children = 1, .children = elems};
    struct ArrowSchema *kids[] = {&child};
    s2.n_children = 1;
    s2.children = kids;
    s2.release = NULL;
    TAP_EQ_INT(ops->open(NULL, &s2, NULL, 0, &out, &w, &err), WEIR_ECONFIG,
               "a list of lists is refused");
    TAP_OK(strstr(err.message, "\"lst\" is a list of lists") != NULL,
           "the message names the column");
    inner.format = "tsn:";
    child.children = grandkids;
    TAP_EQ_INT(ops->open(NULL, &s2, NULL, 0, &out, &w, &err), WEIR_ECONFIG,
               "a list of an unsupported element type is refused");
    TAP_OK(strstr(err.message, "\"lst[]\" has Arrow type \"tsn:\"") != NULL,
           "the message names the list's elements");
    /* an empty file */
    struct orc_rfile f;
    m.len = 0;
    TAP_EQ_INT(write_file(NULL, 0, 0, 1, false, &m, &err), WEIR_OK, "empty file written");
    TAP_OK(orc_read(m.p, m.len, &f) == 0 && f.rows == 0 && f.nstripes == 0 && f.ntypes == td_ncols + 1,
           "empty file reads back: no stripes, the schema");
    orc_rfile_free(&f);
    free(m.p);
}

/* `memory` counts what the writer holds (at least the buffered bytes, and
 * the structures when nothing is buffered); `flush` (a partitioned run's
 * relief) gives the stripe's buffers back; a file of flushed stripes reads
 * back whole, every value. */
static void check_flush_memory(const char *comp)
{
    struct weir_error err;
    struct ArrowSchema schema;
    struct mem m = {0};
    struct weir_output out = {sizeof(out), &m, mem_write};
    struct weir_kv opts[] = {{"compression", comp}, {"row_index_stride", "1000"}};
    void *w = NULL;
    int rc = td_schema(&schema, &err);
    if (rc == WEIR_OK) {
        rc = ops->open(NULL, &schema, opts, 2, &out, &w, &err);
    }
    TAP_OK(rc == WEIR_OK && WEIR_HAS_MEMBER(ops, struct weir_writer_ops, memory) &&
               ops->memory != NULL,
           "%s: open; the plugin has memory", comp);
    if (rc != WEIR_OK) {
        return;
    }
    uint64_t empty = ops->memory(w);
    bool counts = empty > 0, drops = true;
    const int64_t rows = 9000, per = 3000;
    for (int64_t r = 0; r < rows && rc == WEIR_OK; r += per) {
        struct ArrowArray b;
        rc = td_batch(r, per, false, &b, &err);
        if (rc == WEIR_OK) {
            rc = ops->write(w, &b, &err);
            b.release(&b);
        }
        uint64_t full = ops->memory(w);
        counts = counts && full >= ops->buffered(w) && full > empty;
        if (rc == WEIR_OK) {
            rc = ops->flush(w, &err);
        }
        /* the buffers went: what stays is about the empty writer's */
        drops = drops && ops->memory(w) < full && ops->memory(w) <= empty + 64 * 1024;
    }
    TAP_OK(rc == WEIR_OK && counts, "%s: memory covers the buffered bytes, and more than an "
                                    "empty writer's", comp);
    TAP_OK(drops, "%s: each flush gives the stripe's buffers back", comp);
    if (rc == WEIR_OK) {
        rc = ops->finish(w, &err);
    }
    ops->free(w);
    schema.release(&schema);
    struct orc_rfile f;
    int r = rc == WEIR_OK ? orc_read(m.p, m.len, &f) : -1;
    long wrong = 0;
    struct tdbuf want = {0}, got = {0};
    for (int c = 0; r == 0 && c < td_ncols; c++) {
        for (int64_t row = 0; row < rows; row++) {
            td_clear(&want);
            td_clear(&got);
            td_expect(row, c, false, &want);
            td_render(&f, c, (size_t)row, &got);
            wrong += want.len != got.len || memcmp(want.p, got.p, want.len) != 0;
        }
    }
    TAP_OK(r == 0 && f.nstripes == 3 && f.rows == (uint64_t)rows && wrong == 0,
           "%s: 3 flushed stripes read back, every value (%ld wrong)", comp, wrong);
    if (r == 0) {
        orc_rfile_free(&f);
    }
    td_free(&want);
    td_free(&got);
    free(m.p);
}

int main(void)
{
    const char *dir = getenv("WEIR_PLUGIN_PATH");
    char path[4096];
    snprintf(path, sizeof(path), "%s/weir_writer_orc.so", dir != NULL ? dir : ".libs");
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    TAP_OK(h != NULL, "dlopen %s", path);
    if (h == NULL) {
        printf("# %s\n", dlerror());
        return tap_done();
    }
    weir_plugin_entry_fn entry = (weir_plugin_entry_fn)dlsym(h, WEIR_PLUGIN_ENTRY_SYMBOL);
    struct weir_plugin p;
    struct weir_error err;
    memset(&p, 0, sizeof(p));
    p.size = sizeof(p);
    TAP_EQ_INT(entry(WEIR_ABI_VERSION + 1, &p, &err), WEIR_EABI, "another host ABI is refused");
    TAP_EQ_INT(entry(WEIR_ABI_VERSION, &p, &err), WEIR_OK, "entry fills the descriptor");
    TAP_OK(p.kind == WEIR_PLUGIN_WRITER && strcmp(p.name, "orc") == 0 &&
               strcmp(p.file_extension, "orc") == 0 && p.writer != NULL && p.n_options >= 8,
           "writer \"orc\", extension orc, option table");
    TAP_OK(dlsym(h, "weir_orc_writer_open") == NULL, "internal symbols are hidden");
    ops = p.writer;
    check_file("none", 0, 25000, false);
    check_file("gzip", 1, 25000, false);
    check_file("snappy", 2, 25000, false);
    check_file("lz4", 4, 25000, false);
    check_file("zstd", 5, 25000, false);
    check_file("zstd", 5, 12000, true);
    check_lists("none");
    check_lists("zstd");
    check_flush_memory("zstd");
    check_flush_memory("gzip");
    check_errors();
    dlclose(h);
    return tap_done();
}
