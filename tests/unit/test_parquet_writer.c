/* The plugin as the host sees it: dlopen'ed from $WEIR_PLUGIN_PATH, entry
 * function, options, errors, and whole files decoded from memory. */
#include <dlfcn.h>
#include <stdlib.h>

#include "tap.h"
#include "test_parquet_util.h"
#include "util/arrow.h"

static weir_plugin_entry_fn entry;
static struct weir_plugin plugin;
static const struct weir_writer_ops *ops;

static int load(void)
{
    const char *dir = getenv("WEIR_PLUGIN_PATH");
    char path[4096];
    snprintf(path, sizeof(path), "%s/weir_writer_parquet.so", dir ? dir : ".libs");
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    TAP_OK(h != NULL, "dlopen %s", path);
    if (h == NULL) {
        printf("#   %s\n", dlerror());
        return -1;
    }
    entry = (weir_plugin_entry_fn)dlsym(h, WEIR_PLUGIN_ENTRY_SYMBOL);
    TAP_OK(entry != NULL, "exports weir_plugin_entry");
    TAP_OK(dlsym(h, "weir_pq_writer_ops") == NULL && dlsym(h, "weir_abatch_init") == NULL,
           "internal symbols are hidden");
    return entry != NULL ? 0 : -1;
}

static void descriptor(void)
{
    struct weir_error err;
    memset(&plugin, 0, sizeof(plugin));
    plugin.size = sizeof(plugin);
    int rc = entry(WEIR_ABI_VERSION + 1, &plugin, &err);
    TAP_EQ_INT(rc, WEIR_EABI, "another host ABI is refused with WEIR_EABI");
    char v1[32], v2[32];
    snprintf(v1, sizeof(v1), "version %u", WEIR_ABI_VERSION);
    snprintf(v2, sizeof(v2), "host %u", WEIR_ABI_VERSION + 1);
    TAP_OK(strstr(err.message, v1) != NULL && strstr(err.message, v2) != NULL,
           "the message names both versions: %s", err.message);
    rc = entry(WEIR_ABI_VERSION, &plugin, &err);
    TAP_EQ_INT(rc, WEIR_OK, "entry with the host's ABI");
    TAP_OK(plugin.kind == WEIR_PLUGIN_WRITER && strcmp(plugin.name, "parquet") == 0 &&
               strcmp(plugin.file_extension, "parquet") == 0 && plugin.writer != NULL &&
               plugin.abi_version == WEIR_ABI_VERSION && plugin.source == NULL,
           "writer descriptor: parquet, .parquet");
    static const char *names[] = {"compression", "compression_level", "row_group_size",
                                  "page_size", "dictionary_page_limit", "timestamp_unit",
                                  "created_by"};
    int found = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        for (size_t k = 0; k < plugin.n_options; k++) {
            found += strcmp(plugin.options[k].name, names[i]) == 0;
        }
    }
    TAP_EQ_INT(found, 7, "option table lists the seven options");
    ops = plugin.writer;
    TAP_OK(ops->size == sizeof(*ops) && ops->open && ops->write && ops->buffered && ops->finish &&
               ops->free,
           "all writer ops set");
}

/* A schema of the given formats, built by hand (columns c0, c1, ...). */
struct hschema {
    struct ArrowSchema root, kids[8];
    struct ArrowSchema *kp[8];
    char names[8][8];
};

static void hs_init(struct hschema *h, const char **formats, int n)
{
    memset(h, 0, sizeof(*h));
    h->root.format = "+s";
    h->root.n_children = n;
    h->root.children = h->kp;
    for (int i = 0; i < n; i++) {
        snprintf(h->names[i], sizeof(h->names[i]), "c%d", i);
        h->kids[i].format = formats[i];
        h->kids[i].name = h->names[i];
        h->kp[i] = &h->kids[i];
    }
}

static void errors(void)
{
    struct weir_error err;
    struct memout m = {0};
    struct weir_output out = {sizeof(out), &m, memout_write};
    void *w = NULL;
    struct hschema h;
    const char *fmts[] = {"l", "tsn:"};
    hs_init(&h, fmts, 2);
    int rc = ops->open(NULL, &h.root, NULL, 0, &out, &w, &err);
    TAP_OK(rc == WEIR_ECONFIG && w == NULL && strstr(err.message, "\"c1\"") != NULL &&
               strstr(err.message, "tsn:") != NULL,
           "unsupported format: WEIR_ECONFIG naming the column (%s)", err.message);

    const char *ok_fmts[] = {"l"};
    hs_init(&h, ok_fmts, 1);
    static const struct {
        const char *key, *value;
    } bad[] = {{"compression", "brotli"},          {"row_group_size", "12 parsecs"},
               {"page_size", "0"},                  {"compression_level", "x"},
               {"timestamp_unit", "ns"},            {"row_group_size", "99999999999999999GiB"}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct weir_kv kv[] = {{bad[i].key, bad[i].value}};
        rc = ops->open(NULL, &h.root, kv, 1, &out, &w, &err);
        TAP_OK(rc == WEIR_ECONFIG && w == NULL && strstr(err.message, bad[i].key) != NULL,
               "option %s=%s refused: %s", bad[i].key, bad[i].value, err.message);
    }
    struct weir_kv lv[] = {{"compression", "zstd"}, {"compression_level", "99"}};
    rc = ops->open(NULL, &h.root, lv, 2, &out, &w, &err);
    TAP_OK(rc == WEIR_ECONFIG && w == NULL, "zstd level 99 refused: %s", err.message);
    struct weir_kv gz[] = {{"compression", "gzip"}, {"compression_level", "10"}};
    rc = ops->open(NULL, &h.root, gz, 2, &out, &w, &err);
    TAP_OK(rc == WEIR_ECONFIG && w == NULL, "gzip level 10 refused");
    struct ArrowSchema notstruct = {.format = "l", .name = "x"};
    rc = ops->open(NULL, &notstruct, NULL, 0, &out, &w, &err);
    TAP_EQ_INT(rc, WEIR_ECONFIG, "a non-struct schema is refused");
}

/* Builds `rows` rows of (id l, name u, at tsu:UTC) into a batch. */
static void build(struct weir_abatch *b, int64_t first, int64_t rows, const int64_t *ts)
{
    for (int64_t i = first; i < first + rows; i++) {
        char s[32];
        int n = snprintf(s, sizeof(s), "name-%lld", (long long)(i % 50));
        weir_acol_append_fixed(&b->cols[0], &i);
        if (i % 10 == 3) {
            weir_acol_append_null(&b->cols[1]);
        } else {
            weir_acol_append_var(&b->cols[1], s, (size_t)n);
        }
        int64_t t = ts != NULL ? ts[i - first] : i * 1000003;
        weir_acol_append_fixed(&b->cols[2], &t);
        b->length++;
    }
}

static void schema3(struct weir_abatch *b, struct ArrowSchema *s)
{
    struct weir_error err;
    weir_abatch_init(b, 3, &err);
    weir_abatch_set_column(b, 0, "id", "l", NULL, 0, &err);
    weir_abatch_set_column(b, 1, "name", "u", NULL, 0, &err);
    weir_abatch_set_column(b, 2, "at", "tsu:UTC", NULL, 0, &err);
    weir_abatch_schema(b, s, &err);
}

static bool footer(const struct memout *m, struct tdoc *d)
{
    if (m->len < 12 || memcmp(m->data, "PAR1", 4) != 0 ||
        memcmp(m->data + m->len - 4, "PAR1", 4) != 0) {
        return false;
    }
    uint32_t flen;
    memcpy(&flen, m->data + m->len - 8, 4);
    size_t at = m->len - 8 - flen;
    return td_parse(d, m->data, m->len - 8, &at) && at == m->len - 8;
}

static void whole_file(void)
{
    struct weir_error err;
    struct weir_abatch b;
    struct ArrowSchema s;
    struct ArrowArray arr;
    struct memout m = {0};
    struct weir_output out = {sizeof(out), &m, memout_write};
    void *w = NULL;
    schema3(&b, &s);
    struct weir_kv kv[] = {{"row_group_size", "4KiB"}, {"compression", "gzip"},
                           {"meta.weir.run_id", "r-42"}, {"meta.", "ignored"},
                           {"page_size", "1KiB"}};
    TAP_EQ_INT(ops->open(NULL, &s, kv, 5, &out, &w, &err), WEIR_OK, "open");
    TAP_EQ_INT(m.len, 0, "nothing is written before data");
    build(&b, 0, 10, NULL);
    weir_abatch_finish(&b, &arr, &err);
    int rc = ops->write(w, &arr, &err);
    arr.release(&arr);
    TAP_OK(rc == WEIR_OK && ops->buffered(w) > 0 && m.len == 0,
           "10 rows stay buffered (%llu bytes)", (unsigned long long)ops->buffered(w));
    for (int k = 0; k < 5 && rc == WEIR_OK; k++) {
        build(&b, 10 + k * 2000, k < 4 ? 2000 : 1990, NULL);
        weir_abatch_finish(&b, &arr, &err);
        rc = ops->write(w, &arr, &err);
        arr.release(&arr);
        TAP_OK(ops->buffered(w) < 4096 + 1024 * 64, "buffered stays near row_group_size (%llu)",
               (unsigned long long)ops->buffered(w));
    }
    TAP_OK(rc == WEIR_OK && m.len > 0, "10000 rows written, row groups flushed as they fill");
    struct ArrowArray wrong = {.length = 1, .n_children = 2, .release = arr.release};
    TAP_EQ_INT(ops->write(w, &wrong, &err), WEIR_EINTERNAL,
               "a batch of the wrong shape is refused");
    TAP_EQ_INT(ops->finish(w, &err), WEIR_OK, "finish after a refused batch");
    TAP_EQ_INT(ops->buffered(w), 0, "nothing buffered after finish");
    TAP_OK(ops->write(w, &wrong, &err) != WEIR_OK, "no writes after finish");
    static struct tdoc d;
    TAP_OK(footer(&m, &d), "PAR1 at both ends, footer parses");
    int64_t n_rgs = td_int(&d, "4", 0), total = 0;
    bool gzip = true;
    for (int64_t g = 0; g < n_rgs; g++) {
        char p[64];
        snprintf(p, sizeof(p), "4[%lld].3", (long long)g);
        total += td_int(&d, p, 0);
        snprintf(p, sizeof(p), "4[%lld].1[1].3.4", (long long)g);
        gzip = gzip && td_int(&d, p, -1) == 2;
    }
    TAP_OK(n_rgs >= 3 && total == 10000 && td_int(&d, "3", 0) == 10000,
           "%lld row groups holding 10000 rows", (long long)n_rgs);
    TAP_OK(gzip, "every chunk says GZIP");
    const struct tent *cb = td_get(&d, "6"), *k0 = td_get(&d, "5[0].1"), *v0 = td_get(&d, "5[0].2");
    TAP_OK(cb != NULL && cb->blen == 4 && memcmp(cb->b, "weir", 4) == 0,
           "created_by defaults to weir");
    TAP_OK(td_int(&d, "5", 0) == 3 && k0 && k0->blen == 11 &&
               memcmp(k0->b, "weir.run_id", 11) == 0 &&
               v0 && v0->blen == 4 && memcmp(v0->b, "r-42", 4) == 0,
           "meta.weir.run_id becomes key weir.run_id; a bare meta. is ignored");
    const struct tent *k1 = td_get(&d, "5[1].1"), *v1 = td_get(&d, "5[1].2");
    const struct tent *k2 = td_get(&d, "5[2].1"), *v2 = td_get(&d, "5[2].2");
    TAP_OK(k1 && k1->blen == 18 && memcmp(k1->b, "weir.types_profile", 18) == 0 && v1 &&
               v1->blen == 6 && memcmp(v1->b, "compat", 6) == 0,
           "key weir.types_profile: compat by default");
    TAP_OK(k2 && k2->blen == 17 && memcmp(k2->b, "weir.source_types", 17) == 0 && v2 &&
               v2->blen == 2 && memcmp(v2->b, "{}", 2) == 0,
           "key weir.source_types: {} when no column has weir:source_type");
    TAP_OK(td_int(&d, "2[3].10.8.1", -1) == 1 && td_int(&d, "2[3].6", -1) == 10,
           "tsu:UTC: TIMESTAMP(isAdjustedToUTC=true, MICROS) + TIMESTAMP_MICROS");
    TAP_OK(td_int(&d, "2[2].6", -1) == 0 && td_get(&d, "2[2].10.1") != NULL,
           "utf8: STRING + UTF8");
    TAP_OK(td_int(&d, "4[0].1[0].4", -1) > 0 && td_int(&d, "4[0].1[0].6", -1) > 0,
           "page index offsets recorded");
    ops->free(w);
    s.release(&s);
    weir_abatch_reset(&b);
    free(m.data);
}

static void millis(void)
{
    struct weir_error err;
    struct weir_abatch b;
    struct ArrowSchema s;
    struct ArrowArray arr;
    struct memout m = {0};
    struct weir_output out = {sizeof(out), &m, memout_write};
    void *w = NULL;
    schema3(&b, &s);
    struct weir_kv kv[] = {{"timestamp_unit", "ms"}, {"compression", "none"},
                           {"dictionary_page_limit", "0"}, {"created_by", "test 1.0"}};
    TAP_EQ_INT(ops->open(NULL, &s, kv, 4, &out, &w, &err), WEIR_OK, "open with ms");
    const int64_t ts[] = {-1, -1000, -1001, 1999, 0, INT64_MIN + 1};
    build(&b, 0, 6, ts);
    weir_abatch_finish(&b, &arr, &err);
    TAP_EQ_INT(ops->write(w, &arr, &err), WEIR_OK, "write");
    arr.release(&arr);
    TAP_EQ_INT(ops->finish(w, &err), WEIR_OK, "finish");
    static struct tdoc d;
    TAP_OK(footer(&m, &d), "footer parses");
    TAP_OK(td_int(&d, "2[3].10.8.2.1", -1) == -1 || td_get(&d, "2[3].10.8.2.1") != NULL,
           "TimeUnit MILLIS");
    TAP_EQ_INT(td_int(&d, "2[3].6", -1), 9, "TIMESTAMP_MILLIS converted type");
    const struct tent *cb = td_get(&d, "6");
    TAP_OK(cb != NULL && cb->blen == 8 && memcmp(cb->b, "test 1.0", 8) == 0, "created_by option");
    size_t at = (size_t)td_int(&d, "4[0].1[2].3.9", 0);
    static struct tdoc ph;
    TAP_OK(td_parse(&ph, m.data, m.len, &at) && td_int(&ph, "5.2", -1) == 0, "PLAIN data page");
    uint32_t llen;
    memcpy(&llen, m.data + at, 4);
    const uint8_t *vals = m.data + at + 4 + llen;
    int64_t got[6];
    memcpy(got, vals, sizeof(got));
    TAP_OK(got[0] == -1 && got[1] == -1 && got[2] == -2 && got[3] == 1 && got[4] == 0 &&
               got[5] == INT64_MIN / 1000 - 1,
           "microseconds floor-divided to milliseconds: %lld %lld %lld %lld", (long long)got[0],
           (long long)got[1], (long long)got[2], (long long)got[3]);
    const struct tent *mn = td_get(&d, "4[0].1[2].3.12.6");
    int64_t mnv = 0;
    TAP_OK(mn != NULL && (memcpy(&mnv, mn->b, 8), mnv) == INT64_MIN / 1000 - 1,
           "statistics in milliseconds too");
    ops->free(w);
    s.release(&s);
    weir_abatch_reset(&b);
    free(m.data);
}

/* threads: 0 reports an output failure from the write() that hit it; the
 * default (an encoder thread) from that write() or the next call at the
 * latest, since the row group may be sealed after write() returned. */
static void output_failure(const char *threads)
{
    struct weir_error err;
    struct weir_abatch b;
    struct ArrowSchema s;
    struct ArrowArray arr;
    struct memout m = {.fail_after = 3};
    struct weir_output out = {sizeof(out), &m, memout_write};
    void *w = NULL;
    bool sync = strcmp(threads, "0") == 0;
    schema3(&b, &s);
    struct weir_kv kv[] = {{"row_group_size", "1KiB"}, {"threads", threads}};
    ops->open(NULL, &s, kv, 2, &out, &w, &err);
    build(&b, 0, 5000, NULL);
    weir_abatch_finish(&b, &arr, &err);
    int rc = ops->write(w, &arr, &err);
    if (!sync && rc == WEIR_OK) {
        rc = ops->write(w, &arr, &err);
    }
    TAP_OK(rc == WEIR_EIO && strcmp(err.message, "disk full (test)") == 0 &&
               strcmp(err.detail, "write 3") == 0,
           "threads %s: the output's status and message pass through", threads);
    TAP_OK(ops->write(w, &arr, &err) == WEIR_EIO, "threads %s: the writer stays failed",
           threads);
    TAP_OK(ops->finish(w, &err) == WEIR_EIO, "threads %s: finish reports the failure", threads);
    arr.release(&arr);
    ops->free(w);
    ops->free(NULL);
    s.release(&s);
    weir_abatch_reset(&b);
    free(m.data);
}

static void empty_file(void)
{
    struct weir_error err;
    struct weir_abatch b;
    struct ArrowSchema s;
    struct memout m = {0};
    struct weir_output out = {sizeof(out), &m, memout_write};
    void *w = NULL;
    schema3(&b, &s);
    ops->open(NULL, &s, NULL, 0, &out, &w, &err);
    TAP_EQ_INT(ops->finish(w, &err), WEIR_OK, "finish without rows");
    static struct tdoc d;
    TAP_OK(footer(&m, &d) && td_int(&d, "3", -1) == 0 && td_int(&d, "4", -1) == 0 &&
               td_int(&d, "2", 0) == 4,
           "a valid file with the schema and no row groups");
    ops->free(w);
    s.release(&s);
    weir_abatch_reset(&b);
    free(m.data);
}

/*
 * compact: each call closes every column's open page into the row group,
 * in memory: the writer's memory drops, nothing is written, and the file
 * ends with one row group whose chunks have a page per compaction. With
 * compression none the id column's pages (no nulls: their levels go into
 * the room before the values) are read back value by value.
 */
static void compacted(const char *threads, const char *codec)
{
    struct weir_error err;
    struct weir_abatch b;
    struct ArrowSchema s;
    struct ArrowArray arr;
    struct memout m = {0};
    struct weir_output out = {sizeof(out), &m, memout_write};
    void *w = NULL;
    schema3(&b, &s);
    struct weir_kv kv[] = {{"threads", threads}, {"compression", codec}};
    TAP_OK(ops->open(NULL, &s, kv, 2, &out, &w, &err) == WEIR_OK, "open (threads %s, %s)",
           threads, codec);
    TAP_OK(WEIR_HAS_MEMBER(ops, struct weir_writer_ops, compact) && ops->compact != NULL,
           "the plugin has compact");
    bool drops = true;
    int rc = WEIR_OK;
    for (int k = 0; k < 5 && rc == WEIR_OK; k++) {
        build(&b, k * 2000, 2000, NULL);
        weir_abatch_finish(&b, &arr, &err);
        rc = ops->write(w, &arr, &err);
        arr.release(&arr);
        uint64_t before = ops->memory(w);
        if (rc == WEIR_OK) {
            rc = ops->compact(w, &err);
        }
        drops = drops && ops->memory(w) < before;
    }
    TAP_OK(rc == WEIR_OK && drops, "5 batches, each compacted: the memory drops each time");
    TAP_EQ_INT(m.len, 0, "compacting writes nothing");
    TAP_OK(ops->compact(w, &err) == WEIR_OK, "compacting with nothing new is allowed");
    TAP_EQ_INT(ops->finish(w, &err), WEIR_OK, "finish");
    static struct tdoc d;
    TAP_OK(footer(&m, &d), "footer parses");
    TAP_OK(td_int(&d, "4", 0) == 1 && td_int(&d, "4[0].3", 0) == 10000,
           "one row group of 10000 rows (%lld)", (long long)td_int(&d, "4", 0));
    /* the id column: data pages from data_page_offset, sizes from each header */
    size_t at = (size_t)td_int(&d, "4[0].1[0].3.9", 0);
    size_t end = at + (size_t)td_int(&d, "4[0].1[0].3.7", 0);
    int pages = 0;
    int64_t values = 0, next_id = 0;
    bool exact = strcmp(codec, "none") == 0, ids_ok = true;
    static struct tdoc ph;
    while (at < end && td_parse(&ph, m.data, m.len, &at)) {
        int64_t n = td_int(&ph, "5.1", 0), clen = td_int(&ph, "3", 0);
        pages++;
        values += n;
        if (exact) {
            uint32_t llen;
            memcpy(&llen, m.data + at, 4);
            for (int64_t i = 0; i < n; i++) {
                int64_t v;
                memcpy(&v, m.data + at + 4 + llen + i * 8, 8);
                ids_ok = ids_ok && v == next_id++;
            }
        }
        at += (size_t)clen;
    }
    TAP_OK(pages == 5 && values == 10000, "id: a page per compaction (%d pages, %lld values)",
           pages, (long long)values);
    if (exact) {
        TAP_OK(ids_ok && next_id == 10000, "id: every value read back in order");
    }
    TAP_EQ_INT(td_int(&d, "4[0].1[1].3.5", 0), 10000, "name (nulls, dictionary): 10000 values");
    ops->free(w);
    s.release(&s);
    weir_abatch_reset(&b);
    free(m.data);
}

int main(void)
{
    if (load() != 0) {
        return tap_done();
    }
    descriptor();
    errors();
    whole_file();
    millis();
    output_failure("0");
    output_failure("1");
    empty_file();
    compacted("0", "none");
    compacted("1", "none");
    compacted("0", "zstd");
    return tap_done();
}
