/*
 * The encoder thread (option threads: 1, the default) against the encoder
 * in the caller's thread (threads: 0): the same batches must give the same
 * bytes, values must read back, and errors raised in the worker must reach
 * the host at the next call.
 *
 * `test_parquet_pipeline --bench ROWS [CODEC [THREADS]]` times the writer
 * on rows shaped like scripts/bench's table (int8 id, int4, numeric(12,2),
 * text of 4..100 bytes, timestamptz, bool, date, float8): the wall time the
 * caller spends inside write() and finish(), and the process CPU time.
 */
#include <inttypes.h>
#include <lz4.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "parquet/writer.h"
#include "tap.h"
#include "test_parquet_util.h"
#include "util/arrow.h"

static const struct weir_writer_ops *ops = &weir_pq_writer_ops;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

/* ---- rows like scripts/bench's bench_mixed ---- */

static const char *const mixed_names[] = {"id", "qty", "amount", "label",
                                          "created_at", "flag", "day", "score"};
static const char *const mixed_formats[] = {"l", "i", "d:12,2", "u", "tsu:UTC", "b", "tdD", "g"};
#define MIXED_COLS 8

static void mixed_init(struct weir_abatch *b, struct ArrowSchema *s)
{
    struct weir_error err;
    weir_abatch_init(b, MIXED_COLS, &err);
    for (int i = 0; i < MIXED_COLS; i++) {
        weir_abatch_set_column(b, i, mixed_names[i], mixed_formats[i], NULL, 0, &err);
    }
    weir_abatch_schema(b, s, &err);
}

/* Rows [g0, g0 + n); with `nulls`, every 7th label and every 11th score is NULL. */
static void mixed_rows(struct weir_abatch *b, int64_t g0, int64_t n, bool nulls)
{
    static const char hex[] = "0123456789abcdef";
    for (int64_t g = g0; g < g0 + n; g++) {
        int32_t qty = (int32_t)(g * 7 % 1000003);
        __int128 amount = (__int128)(g * 7919 % 1000000000);
        char label[128];
        uint64_t h = mix((uint64_t)g);
        int len = 4 + (int)(g * 13 % 97);
        for (int k = 0; k < len; k++) {
            label[k] = hex[(h >> (4 * (k % 16))) & 15];
        }
        int64_t ts = 1577836800000000LL + g * 1000000LL;
        int32_t day = 10957 + (int32_t)(g % 10000);
        double score = (double)g * 0.6180339887498949;
        score -= (double)(int64_t)score;
        weir_acol_append_fixed(&b->cols[0], &g);
        weir_acol_append_fixed(&b->cols[1], &qty);
        weir_acol_append_fixed(&b->cols[2], &amount);
        if (nulls && g % 7 == 0) {
            weir_acol_append_null(&b->cols[3]);
        } else {
            weir_acol_append_var(&b->cols[3], label, (size_t)len);
        }
        weir_acol_append_fixed(&b->cols[4], &ts);
        weir_acol_append_bool(&b->cols[5], g % 3 == 0);
        weir_acol_append_fixed(&b->cols[6], &day);
        if (nulls && g % 11 == 0) {
            weir_acol_append_null(&b->cols[7]);
        } else {
            weir_acol_append_fixed(&b->cols[7], &score);
        }
        b->length++;
    }
}

/* ---- whole files ---- */

struct run {
    const char *threads;
    const char *compression;
    const char *rg_size, *page_size, *dict_limit;
    int64_t rows;
    bool nulls, shifted; /* shifted: batches with a struct offset and top-level nulls */
};

/* Writes r->rows rows in batches of uneven sizes; 0 or the failing status. */
static int write_file(const struct run *r, struct memout *m)
{
    struct weir_error err;
    struct weir_abatch b;
    struct ArrowSchema s;
    mixed_init(&b, &s);
    struct weir_output out = {sizeof(out), m, memout_write};
    struct weir_kv kv[] = {{"threads", r->threads},     {"compression", r->compression},
                           {"row_group_size", r->rg_size}, {"page_size", r->page_size},
                           {"dictionary_page_limit", r->dict_limit}};
    void *w = NULL;
    int rc = ops->open(NULL, &s, kv, 5, &out, &w, &err);
    static const int64_t sizes[] = {1, 4093, 777, 20000, 65536, 3, 12345};
    int64_t g = 0;
    for (size_t k = 0; g < r->rows && rc == WEIR_OK; k++) {
        int64_t n = sizes[k % 7];
        if (n > r->rows - g) {
            n = r->rows - g;
        }
        struct ArrowArray arr;
        if (r->shifted) {
            /* Two rows before the batch's window; top-level null every 13th row. */
            mixed_rows(&b, g, n + 2, r->nulls);
            weir_abatch_finish(&b, &arr, &err);
            uint8_t *valid = calloc((size_t)(n + 2 + 7) / 8, 1);
            int64_t nulls = 0;
            for (int64_t i = 0; i < n + 2; i++) {
                bool v = (g + i) % 13 != 5;
                valid[i / 8] |= (uint8_t)(v ? 1u << (i % 8) : 0);
                nulls += !v;
            }
            const void *saved = arr.buffers[0];
            arr.buffers[0] = valid;
            arr.null_count = nulls;
            arr.offset = 2;
            arr.length = n;
            rc = ops->write(w, &arr, &err);
            arr.buffers[0] = saved;
            free(valid);
        } else {
            mixed_rows(&b, g, n, r->nulls);
            weir_abatch_finish(&b, &arr, &err);
            rc = ops->write(w, &arr, &err);
        }
        arr.release(&arr);
        g += n;
    }
    if (rc == WEIR_OK) {
        rc = ops->finish(w, &err);
    }
    if (rc != WEIR_OK) {
        printf("#   threads %s: %s\n", r->threads, err.message);
    }
    ops->free(w);
    s.release(&s);
    weir_abatch_reset(&b);
    return rc;
}

static void same_bytes(void)
{
    static const struct run runs[] = {
        {NULL, "snappy", "256KiB", "16KiB", "8KiB", 120000, false, false},
        {NULL, "zstd", "64KiB", "4KiB", "1KiB", 50000, true, false},
        {NULL, "none", "128MiB", "1MiB", "1MiB", 150000, true, true},
        {NULL, "gzip", "32KiB", "8KiB", "0", 30000, false, true},
    };
    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        struct run r = runs[i];
        struct memout a = {0}, t = {0};
        r.threads = "0";
        int ra = write_file(&r, &a);
        r.threads = "1";
        int rt = write_file(&r, &t);
        TAP_OK(ra == WEIR_OK && rt == WEIR_OK && a.len > 0 && a.len == t.len &&
                   memcmp(a.data, t.data, a.len) == 0,
               "%s, row groups of %s, pages of %s, dictionary %s%s%s: the worker writes the "
               "same %zu bytes", r.compression, r.rg_size, r.page_size, r.dict_limit,
               r.nulls ? ", nulls" : "", r.shifted ? ", struct offset and nulls" : "", a.len);
        free(a.data);
        free(t.data);
    }
}

/* Reads column 0 (id, PLAIN, uncompressed, no nulls) back page by page from
 * every row group of a file written by the worker. */
static void values_back(void)
{
    struct run r = {"1", "none", "400KiB", "8KiB", "0", 40000, false, false};
    struct memout m = {0};
    TAP_EQ_INT(write_file(&r, &m), WEIR_OK, "40000 rows through the worker");
    static struct tdoc d, ph;
    uint32_t flen = 0;
    if (m.len > 12) {
        memcpy(&flen, m.data + m.len - 8, 4);
    }
    size_t at = m.len - 8 - flen;
    TAP_OK(m.len > 12 && td_parse(&d, m.data, m.len - 8, &at), "footer parses");
    int64_t n_rgs = td_int(&d, "4", 0), next = 0, rows = 0;
    bool ok = n_rgs > 1;
    for (int64_t g = 0; g < n_rgs && ok; g++) {
        char p[64];
        snprintf(p, sizeof(p), "4[%lld].1[0].3.5", (long long)g);
        int64_t values = td_int(&d, p, -1);
        snprintf(p, sizeof(p), "4[%lld].1[0].3.9", (long long)g);
        size_t pos = (size_t)td_int(&d, p, 0);
        int64_t seen = 0;
        while (ok && seen < values) {
            size_t hstart = pos;
            ok = td_parse(&ph, m.data, m.len, &pos) && td_int(&ph, "1", -1) == 0 &&
                 td_int(&ph, "5.2", -1) == 0;
            int64_t nv = td_int(&ph, "5.1", 0);
            size_t body = (size_t)td_int(&ph, "3", 0);
            uint32_t llen = 0;
            memcpy(&llen, m.data + pos, 4);
            const uint8_t *vals = m.data + pos + 4 + llen;
            for (int64_t k = 0; k < nv && ok; k++) {
                int64_t v;
                memcpy(&v, vals + 8 * k, 8);
                ok = v == next++;
            }
            seen += nv;
            pos += body;
            ok = ok && pos > hstart;
        }
        rows += seen;
    }
    TAP_OK(ok && rows == 40000, "%lld row groups: ids 0..39999 read back in order (%lld rows)",
           (long long)n_rgs, (long long)rows);
    free(m.data);
}

/* A page's body decompressed into out[0..ulen) (Parquet codec ids). */
static bool unpack(int codec, const uint8_t *in, size_t clen, uint8_t *out, size_t ulen)
{
    switch (codec) {
    case 0:
        return clen == ulen && (memcpy(out, in, ulen), true);
    case 1: {
        size_t n = ulen;
        return snappy_uncompress((const char *)in, clen, (char *)out, &n) == SNAPPY_OK &&
               n == ulen;
    }
    case 2: {
        z_stream z;
        memset(&z, 0, sizeof(z));
        if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
            return false;
        }
        z.next_in = (Bytef *)(uintptr_t)in;
        z.avail_in = (uInt)clen;
        z.next_out = out;
        z.avail_out = (uInt)ulen;
        int r = inflate(&z, Z_FINISH);
        inflateEnd(&z);
        return r == Z_STREAM_END && z.avail_out == 0;
    }
    case 6:
        return ZSTD_decompress(out, ulen, in, clen) == ulen;
    case 7:
        return LZ4_decompress_safe((const char *)in, (char *)out, (int)clen, (int)ulen) ==
               (int)ulen;
    default:
        return false;
    }
}

/*
 * Pages up to a megabyte (grown a batch at a time, uneven batches), every
 * codec: every page of id (no nulls: levels written in place before the
 * values) and of label (nulls: levels and values copied into the page
 * body) decompresses, with the codec's own library, to the values written,
 * in order.
 */
static void big_pages_back(const char *codec, const char *threads)
{
    enum { ROWS = 150000 };
    struct run r = {threads, codec, "128MiB", "1MiB", "0", ROWS, true, false};
    struct memout m = {0};
    TAP_OK(write_file(&r, &m) == WEIR_OK, "%s, threads %s: %d rows in pages of 1MiB", codec,
           threads, ROWS);
    static struct tdoc d, ph;
    uint32_t flen = 0;
    if (m.len > 12) {
        memcpy(&flen, m.data + m.len - 8, 4);
    }
    size_t at = m.len - 8 - flen;
    bool ok = m.len > 12 && td_parse(&d, m.data, m.len - 8, &at) && td_int(&d, "4", 0) == 1;
    static uint8_t page[4 << 20];
    static uint32_t levels[ROWS];
    int pages[2] = {0, 0};
    static const char hex[] = "0123456789abcdef";
    for (int col = 0; col < 2 && ok; col++) {
        int ci = col == 0 ? 0 : 3;
        char p[64];
        snprintf(p, sizeof(p), "4[0].1[%d].3.4", ci);
        int cid = (int)td_int(&d, p, -1);
        snprintf(p, sizeof(p), "4[0].1[%d].3.9", ci);
        size_t pos = (size_t)td_int(&d, p, 0);
        int64_t g = 0;
        while (ok && g < ROWS) {
            ok = td_parse(&ph, m.data, m.len, &pos) && td_int(&ph, "1", -1) == 0;
            size_t ulen = (size_t)td_int(&ph, "2", 0), clen = (size_t)td_int(&ph, "3", 0);
            int64_t nv = td_int(&ph, "5.1", 0);
            ok = ok && ulen <= sizeof(page) && nv > 0 && pos + clen <= m.len &&
                 unpack(cid, m.data + pos, clen, page, ulen);
            pos += clen;
            pages[col]++;
            uint32_t llen = 0;
            if (ok) {
                memcpy(&llen, page, 4);
                ok = 4 + (size_t)llen <= ulen &&
                     rle_decode(page + 4, llen, 1, levels, (size_t)nv) == (size_t)nv;
            }
            size_t v = 4 + (size_t)llen;
            for (int64_t k = 0; k < nv && ok; k++, g++) {
                if (col == 0) {
                    int64_t id;
                    ok = levels[k] == 1 && v + 8 <= ulen;
                    memcpy(&id, page + v, 8);
                    ok = ok && id == g;
                    v += 8;
                    continue;
                }
                ok = levels[k] == (g % 7 != 0);
                if (!ok || levels[k] == 0) {
                    continue;
                }
                uint32_t len = 0;
                memcpy(&len, page + v, 4);
                uint64_t h = mix((uint64_t)g);
                ok = len == (uint32_t)(4 + g * 13 % 97) && v + 4 + len <= ulen;
                for (uint32_t i = 0; i < len && ok; i++) {
                    ok = page[v + 4 + i] == (uint8_t)hex[(h >> (4 * (i % 16))) & 15];
                }
                v += 4 + len;
            }
            ok = ok && v == ulen;
        }
        ok = ok && g == ROWS;
    }
    TAP_OK(ok && pages[0] >= 2 && pages[1] >= 5,
           "%s: id (%d pages) and label (%d pages) decompress to every value written", codec,
           pages[0], pages[1]);
    free(m.data);
}

/* ---- errors ---- */

static void decimal_error(const char *threads)
{
    struct weir_error err;
    struct weir_abatch b;
    struct ArrowSchema s;
    struct ArrowArray arr;
    weir_abatch_init(&b, 1, &err);
    weir_abatch_set_column(&b, 0, "price", "d:4,2", NULL, 0, &err);
    weir_abatch_schema(&b, &s, &err);
    struct memout m = {0};
    struct weir_output out = {sizeof(out), &m, memout_write};
    struct weir_kv kv[] = {{"threads", threads}};
    void *w = NULL;
    ops->open(NULL, &s, kv, 1, &out, &w, &err);
    int rc = WEIR_OK, at = -1;
    for (int k = 0; k < 4 && rc == WEIR_OK; k++) {
        for (int i = 0; i < 1000; i++) {
            /* batch 1, row 500: 2^40 does not fit INT32 */
            __int128 v = k == 1 && i == 500 ? (__int128)1 << 40 : (__int128)(i % 9999);
            weir_acol_append_fixed(&b.cols[0], &v);
            b.length++;
        }
        weir_abatch_finish(&b, &arr, &err);
        rc = ops->write(w, &arr, &err);
        arr.release(&arr);
        at = k;
    }
    if (rc == WEIR_OK) {
        rc = ops->finish(w, &err);
        at = 4;
    }
    bool sync = strcmp(threads, "0") == 0;
    TAP_OK(rc == WEIR_EDATA && strstr(err.message, "\"price\"") != NULL &&
               strstr(err.detail, "row 500") != NULL && (sync ? at == 1 : at >= 2),
           "threads %s: a bad decimal in batch 1 fails call %d with WEIR_EDATA: %s (%s)", threads,
           at, err.message, err.detail);
    TAP_EQ_INT(ops->finish(w, &err), WEIR_EDATA, "then the writer refuses to finish");
    ops->free(w);
    s.release(&s);
    weir_abatch_reset(&b);
    free(m.data);
}

static int cancel_now(void *ctx)
{
    return *(int *)ctx;
}

static void host_log(void *ctx, int level, const char *event, const char *message)
{
    (void)ctx, (void)level, (void)event, (void)message;
}

static void host_metric(void *ctx, const char *name, double value, const char *unit)
{
    (void)ctx, (void)name, (void)value, (void)unit;
}

static void lifecycle(void)
{
    struct weir_error err;
    struct weir_abatch b;
    struct ArrowSchema s;
    struct ArrowArray arr;
    mixed_init(&b, &s);
    struct memout m = {0};
    struct weir_output out = {sizeof(out), &m, memout_write};
    void *w = NULL;
    struct weir_kv bad[] = {{"threads", "2"}};
    int rc = ops->open(NULL, &s, bad, 1, &out, &w, &err);
    TAP_OK(rc == WEIR_ECONFIG && w == NULL && strstr(err.message, "threads") != NULL,
           "threads: 2 refused: %s", err.message);

    /* buffered counts the batch the worker holds; free without finish joins it */
    TAP_EQ_INT(ops->open(NULL, &s, NULL, 0, &out, &w, &err), WEIR_OK, "open, default threads");
    mixed_rows(&b, 0, 30000, true);
    weir_abatch_finish(&b, &arr, &err);
    TAP_EQ_INT(ops->write(w, &arr, &err), WEIR_OK, "write 30000 rows");
    arr.release(&arr);
    TAP_OK(ops->buffered(w) > 0 && m.len == 0, "buffered %llu bytes, nothing written yet",
           (unsigned long long)ops->buffered(w));
    mixed_rows(&b, 30000, 30000, true);
    weir_abatch_finish(&b, &arr, &err);
    TAP_EQ_INT(ops->write(w, &arr, &err), WEIR_OK, "write 30000 more");
    arr.release(&arr);
    ops->free(w); /* the worker may still be encoding: free must join it */
    TAP_OK(true, "free while the worker is busy returns (ASan checks the rest)");

    w = NULL;
    m.len = 0;
    TAP_EQ_INT(ops->open(NULL, &s, NULL, 0, &out, &w, &err), WEIR_OK, "open again");
    mixed_rows(&b, 0, 5000, false);
    weir_abatch_finish(&b, &arr, &err);
    ops->write(w, &arr, &err);
    arr.release(&arr);
    TAP_EQ_INT(ops->finish(w, &err), WEIR_OK, "finish");
    TAP_EQ_INT(ops->buffered(w), 0, "nothing buffered after finish");
    ops->free(w);

    int cancelled = 0;
    struct weir_host host = {sizeof(host), WEIR_ABI_VERSION, &cancelled, host_log, cancel_now,
                             host_metric};
    TAP_EQ_INT(ops->open(&host, &s, NULL, 0, &out, &w, &err), WEIR_OK, "open with a host");
    mixed_rows(&b, 0, 100, false);
    weir_abatch_finish(&b, &arr, &err);
    cancelled = 1;
    TAP_EQ_INT(ops->write(w, &arr, &err), WEIR_ECANCELLED, "a cancelled run stops at write");
    arr.release(&arr);
    ops->free(w);
    s.release(&s);
    weir_abatch_reset(&b);
    free(m.data);
}

/* ---- benchmark ---- */

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct countout {
    uint64_t bytes;
};

static int count_write(void *ctx, const void *data, size_t len, struct weir_error *err)
{
    (void)data, (void)err;
    ((struct countout *)ctx)->bytes += len;
    return WEIR_OK;
}

static int bench(int64_t rows, const char *codec, const char *threads)
{
    struct weir_error err;
    struct weir_abatch b;
    struct ArrowSchema s;
    mixed_init(&b, &s);
    struct countout co = {0};
    struct weir_output out = {sizeof(out), &co, count_write};
    struct weir_kv kv[] = {{"compression", codec}, {"threads", threads}};
    void *w = NULL;
    int rc = ops->open(NULL, &s, kv, 2, &out, &w, &err);
    double in_writer = 0, t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    double gen = 0;
    for (int64_t g = 0; g < rows && rc == WEIR_OK; g += 65536) {
        double g0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        mixed_rows(&b, g, rows - g < 65536 ? rows - g : 65536, false);
        struct ArrowArray arr;
        weir_abatch_finish(&b, &arr, &err);
        double t1 = clock_s(CLOCK_MONOTONIC);
        gen += clock_s(CLOCK_THREAD_CPUTIME_ID) - g0;
        rc = ops->write(w, &arr, &err);
        in_writer += clock_s(CLOCK_MONOTONIC) - t1;
        arr.release(&arr);
    }
    double t1 = clock_s(CLOCK_MONOTONIC);
    if (rc == WEIR_OK) {
        rc = ops->finish(w, &err);
    }
    double t2 = clock_s(CLOCK_MONOTONIC);
    in_writer += t2 - t1;
    double cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0 - gen;
    if (rc != WEIR_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
    } else {
        printf("%s threads=%s: %" PRId64 " rows, %.1f MB out; wall %.3f s (making rows %.3f s "
               "CPU); caller blocked in the writer %.3f s (%.0f rows/s); writer CPU %.3f s "
               "(%.0f rows/s per core)\n",
               codec, threads, rows, (double)co.bytes / 1e6, t2 - t0, gen, in_writer,
               (double)rows / in_writer, cpu, (double)rows / cpu);
    }
    ops->free(w);
    s.release(&s);
    weir_abatch_reset(&b);
    return rc == WEIR_OK ? 0 : 1;
}

/* --write FILE ROWS [CODEC [THREADS [NULLS]]]: one file with the default
 * options, to compare builds byte by byte. */
static int write_to(const char *path, int64_t rows, const char *codec, const char *threads,
                    bool nulls)
{
    struct run r = {threads, codec, "128MiB", "1MiB", "1MiB", rows, nulls, false};
    struct memout m = {0};
    int rc = write_file(&r, &m);
    FILE *f = fopen(path, "wb");
    if (rc == WEIR_OK && (f == NULL || fwrite(m.data, 1, m.len, f) != m.len)) {
        rc = WEIR_EIO;
    }
    if (f != NULL) {
        fclose(f);
    }
    free(m.data);
    return rc == WEIR_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc > 3 && strcmp(argv[1], "--write") == 0) {
        return write_to(argv[2], strtoll(argv[3], NULL, 10), argc > 4 ? argv[4] : "snappy",
                        argc > 5 ? argv[5] : "1", argc <= 6 || strcmp(argv[6], "0") != 0);
    }
    if (argc > 2 && strcmp(argv[1], "--bench") == 0) {
        return bench(strtoll(argv[2], NULL, 10), argc > 3 ? argv[3] : "snappy",
                     argc > 4 ? argv[4] : "1");
    }
    same_bytes();
    values_back();
    big_pages_back("none", "0");
    big_pages_back("snappy", "1");
    big_pages_back("gzip", "0");
    big_pages_back("zstd", "1");
    big_pages_back("lz4", "0");
    decimal_error("0");
    decimal_error("1");
    lifecycle();
    return tap_done();
}
