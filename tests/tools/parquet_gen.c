/*
 * parquet_gen: drives weir_writer_parquet.so through its entry function the
 * way the host does, for tests/integration/parquet_readback.sh and for
 * throughput figures.
 *
 *   parquet_gen OUTDIR [ROWS]
 *       Writes OUTDIR/{none,snappy,gzip,zstd,lz4,ms}.parquet (every supported
 *       type, edge values, NULLs in every column, several row groups and
 *       pages; ms.parquet uses timestamp_unit=ms) and OUTDIR/expected.jsonl:
 *       a header {"columns":[{"name","format"}...]} then one JSON array per
 *       row of raw values: integers, decimals (unscaled), dates, times and
 *       timestamps as decimal strings, floats as their IEEE bits in hex,
 *       strings and binary as hex, booleans as true/false, NULL as null.
 *   parquet_gen --bench ROWS [CODEC]
 *       Encodes ROWS synthetic rows into a counting sink; prints rows/s and
 *       MB/s (Arrow bytes in) of the writer calls alone, in thread CPU time.
 *
 * The plugin comes from $WEIR_PLUGIN_PATH (default .libs).
 */
#include <dlfcn.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/arrow.h"
#include "weir/weir.h"

static const struct weir_writer_ops *ops;

static int load_plugin(void)
{
    const char *dir = getenv("WEIR_PLUGIN_PATH");
    char path[4096];
    snprintf(path, sizeof(path), "%s/weir_writer_parquet.so", dir != NULL ? dir : ".libs");
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "parquet_gen: %s\n", dlerror());
        return -1;
    }
    weir_plugin_entry_fn entry = (weir_plugin_entry_fn)dlsym(h, WEIR_PLUGIN_ENTRY_SYMBOL);
    static struct weir_plugin desc;
    struct weir_error err;
    desc.size = sizeof(desc);
    if (entry == NULL || entry(WEIR_ABI_VERSION, &desc, &err) != WEIR_OK ||
        desc.kind != WEIR_PLUGIN_WRITER || desc.writer == NULL) {
        fprintf(stderr, "parquet_gen: %s: not a writer plugin\n", path);
        return -1;
    }
    ops = desc.writer;
    return 0;
}

/* ---- sinks ---- */

struct sink {
    FILE *f;
    uint64_t bytes;
};

static int sink_write(void *ctx, const void *data, size_t len, struct weir_error *err)
{
    struct sink *s = ctx;
    s->bytes += len;
    if (s->f != NULL && fwrite(data, 1, len, s->f) != len) {
        return weir_error_set(err, WEIR_EIO, "write failed");
    }
    return WEIR_OK;
}

/* ---- deterministic values ---- */

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

struct colspec {
    const char *name;
    const char *format;
    const char *ext; /* ARROW:extension:name or NULL */
};

static const struct colspec cols[] = {
    {"id", "l", NULL},         {"b", "b", NULL},           {"i8", "c", NULL},
    {"i16", "s", NULL},        {"i32", "i", NULL},         {"i64", "l", NULL},
    {"u8", "C", NULL},         {"u16", "S", NULL},         {"u32", "I", NULL},
    {"f32", "f", NULL},        {"f64", "g", NULL},         {"dec9", "d:9,2", NULL},
    {"dec18", "d:18,4", NULL}, {"dec38", "d:38,10", NULL}, {"u64", "d:20,0", NULL},
    {"str", "u", NULL},        {"js", "u", "arrow.json"},  {"bin", "z", NULL},
    {"uid", "w:16", "arrow.uuid"}, {"fx3", "w:3", NULL},   {"day", "tdD", NULL},
    {"tod", "ttu", NULL},      {"ts", "tsu:", NULL},       {"tstz", "tsu:UTC", NULL},
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

/* One value: what to append and how to print it. */
struct val {
    bool null;
    uint8_t fixed[16];
    const uint8_t *var;
    size_t len;
    bool flag;
};

static char bigstr[1 << 20];

static void hexs(FILE *f, const uint8_t *p, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%02x", p[i]);
    }
    fputc('"', f);
}

static __int128 pow10_128(int n)
{
    __int128 v = 1;
    for (int i = 0; i < n; i++) {
        v *= 10;
    }
    return v;
}

static void print_i128(FILE *f, __int128 v)
{
    char buf[64];
    int n = 0;
    bool neg = v < 0;
    unsigned __int128 u = neg ? -(unsigned __int128)v : (unsigned __int128)v;
    do {
        buf[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u != 0);
    fputc('"', f);
    if (neg) {
        fputc('-', f);
    }
    while (n > 0) {
        fputc(buf[--n], f);
    }
    fputc('"', f);
}

/* Edge values first (rows 1..), then pseudo-random ones. Row 0 is all NULL
 * but for id, and every column has further NULLs. */
static void make_value(size_t c, int64_t r, struct val *v)
{
    static uint8_t scratch[NCOLS][128];
    memset(v, 0, sizeof(*v));
    uint64_t x = mix((uint64_t)r * 131 + c);
    int64_t k = r - 1; /* edge index */
    if (c != 0 && (r == 0 || (r + (int64_t)c) % 17 == 0)) {
        v->null = true;
        return;
    }
    const char *n = cols[c].name;
    if (strcmp(n, "id") == 0) {
        memcpy(v->fixed, &r, 8);
    } else if (strcmp(n, "b") == 0) {
        v->flag = k < 2 ? k == 0 : (x & 1) != 0;
    } else if (strcmp(n, "i8") == 0) {
        static const int8_t e[] = {INT8_MIN, INT8_MAX, 0, -1};
        int8_t w = k < 4 ? e[k] : (int8_t)((int)(x % 7) - 3);
        memcpy(v->fixed, &w, 1);
    } else if (strcmp(n, "i16") == 0) {
        static const int16_t e[] = {INT16_MIN, INT16_MAX};
        int16_t w = k < 2 ? e[k] : (int16_t)x;
        memcpy(v->fixed, &w, 2);
    } else if (strcmp(n, "i32") == 0) {
        static const int32_t e[] = {INT32_MIN, INT32_MAX};
        int32_t w = k < 2 ? e[k] : (int32_t)(x % 100000) - 50000;
        memcpy(v->fixed, &w, 4);
    } else if (strcmp(n, "i64") == 0) {
        static const int64_t e[] = {INT64_MIN, INT64_MAX, 0, -1};
        int64_t w = k < 4 ? e[k] : (int64_t)x;
        memcpy(v->fixed, &w, 8);
    } else if (strcmp(n, "u8") == 0) {
        uint8_t w = k < 2 ? (k == 0 ? 0 : UINT8_MAX) : (uint8_t)(x % 5 + 250);
        memcpy(v->fixed, &w, 1);
    } else if (strcmp(n, "u16") == 0) {
        uint16_t w = k < 2 ? (k == 0 ? 0 : UINT16_MAX) : (uint16_t)x;
        memcpy(v->fixed, &w, 2);
    } else if (strcmp(n, "u32") == 0) {
        static const uint32_t e[] = {0, UINT32_MAX, 2147483648u};
        uint32_t w = k < 3 ? e[k] : (uint32_t)x;
        memcpy(v->fixed, &w, 4);
    } else if (strcmp(n, "f32") == 0) {
        static const float e[] = {NAN, INFINITY, -INFINITY, -0.0f, 1e-45f, FLT_MAX, -FLT_MAX};
        float w = k < 7 ? e[k] : (float)((int64_t)(x % 2000001) - 1000000) / 64.0f;
        memcpy(v->fixed, &w, 4);
    } else if (strcmp(n, "f64") == 0) {
        static const double e[] = {NAN, INFINITY, -INFINITY, -0.0, 5e-324, DBL_MAX, 0.1};
        double w = k < 7 ? e[k] : (double)(int64_t)x / 1e6;
        memcpy(v->fixed, &w, 8);
    } else if (strncmp(n, "dec", 3) == 0 || strcmp(n, "u64") == 0) {
        int p = strcmp(n, "dec9") == 0    ? 9
                : strcmp(n, "dec18") == 0 ? 18
                : strcmp(n, "dec38") == 0 ? 38
                                          : 20;
        __int128 max = p == 20 ? (__int128)UINT64_MAX : pow10_128(p) - 1;
        __int128 min = p == 20 ? 0 : -max;
        __int128 w;
        if (k == 0) {
            w = max;
        } else if (k == 1) {
            w = min;
        } else if (k == 2) {
            w = p == 20 ? 1 : -1;
        } else {
            unsigned __int128 big = ((unsigned __int128)mix(x) << 64) | x;
            /* unsigned arithmetic: 2 * (10^38 - 1) + 1 overflows __int128 */
            unsigned __int128 span = (unsigned __int128)max - (unsigned __int128)min + 1;
            w = (__int128)((unsigned __int128)min + big % span);
        }
        memcpy(v->fixed, &w, 16);
    } else if (strcmp(n, "str") == 0) {
        static const char *e[] = {
            "", "a", "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
                     "\xf0\x9f\x8e\x89",
            NULL /* 1 MiB */, NULL /* 20 x U+10FFFF */};
        if (k == 3) {
            v->var = (const uint8_t *)bigstr;
            v->len = sizeof(bigstr);
        } else if (k == 4) {
            /* 20 x U+10FFFF: no upper bound fits 64 bytes, max_value is omitted */
            for (int i = 0; i < 20; i++) {
                memcpy(scratch[c] + 4 * i, "\xf4\x8f\xbf\xbf", 4);
            }
            v->var = scratch[c];
            v->len = 80;
        } else if (r == 5000) {
            /* 100 x '~': max_value is 63 '~' and DEL */
            memset(scratch[c], '~', 100);
            v->var = scratch[c];
            v->len = 100;
        } else if (k >= 0 && k < 3) {
            v->var = (const uint8_t *)e[k];
            v->len = strlen(e[k]);
        } else {
            v->len = (size_t)snprintf((char *)scratch[c], 64, "s%" PRIu64 "\xc3\xa4",
                                      x % 100000);
            v->var = scratch[c];
        }
    } else if (strcmp(n, "js") == 0) {
        static const char *e[] = {"{\"a\":1}", "[]", "{\"k\":\"\xc3\xbcn\xc3\xaf\"}", "null"};
        if (k >= 0 && k < 4) {
            v->var = (const uint8_t *)e[k];
            v->len = strlen(e[k]);
        } else {
            v->len = (size_t)snprintf((char *)scratch[c], 64, "{\"r\":%" PRId64 "}", r);
            v->var = scratch[c];
        }
    } else if (strcmp(n, "bin") == 0) {
        uint8_t *s = scratch[c];
        if (k == 0) {
            v->len = 0;
        } else if (k == 1) {
            s[0] = 0;
            v->len = 1;
        } else if (k == 2) {
            memset(s, 0xff, 100); /* no upper bound in 64 bytes */
            v->len = 100;
        } else if (r == 5001) {
            memset(s, 0xfe, 100); /* max_value: 63 x fe, ff */
            v->len = 100;
        } else if (k == 3) {
            memcpy(s, "\x00\xff\x10\x00", 4);
            v->len = 4;
        } else {
            v->len = x % 20;
            for (size_t i = 0; i < v->len; i++) {
                s[i] = (uint8_t)(mix(x + i) & 0x0f); /* many zero bytes */
            }
        }
        v->var = s;
    } else if (strcmp(n, "uid") == 0 || strcmp(n, "fx3") == 0) {
        size_t w = n[0] == 'u' ? 16 : 3;
        if (k == 0 || k == 1) {
            memset(v->fixed, k == 0 ? 0x00 : 0xff, w);
        } else {
            uint64_t y = mix(x);
            memcpy(v->fixed, &x, 8);
            memcpy(v->fixed + 8, &y, 8);
        }
    } else if (strcmp(n, "day") == 0) {
        static const int32_t e[] = {-719162, 2932896, -1, 0, 47482};
        int32_t w = k < 5 ? e[k] : (int32_t)(x % 40000) - 10000;
        memcpy(v->fixed, &w, 4);
    } else if (strcmp(n, "tod") == 0) {
        static const int64_t e[] = {0, 86399999999LL, 1};
        int64_t w = k < 3 ? e[k] : (int64_t)(x % 86400000000ULL);
        memcpy(v->fixed, &w, 8);
    } else { /* ts, tstz */
        static const int64_t e[] = {-62135596800000000LL, 253402300799999999LL, -1, 1,
                                    4102444800123456LL, -1500};
        int64_t w = k < 6 ? e[k] : (int64_t)(x % 4000000000000000ULL) - 1000000000000000LL;
        memcpy(v->fixed, &w, 8);
    }
}

static int append_value(struct weir_acol *col, const struct val *v)
{
    if (v->null) {
        return weir_acol_append_null(col);
    }
    if (col->layout == WEIR_ACOL_BOOL) {
        return weir_acol_append_bool(col, v->flag);
    }
    if (col->layout == WEIR_ACOL_VAR) {
        return weir_acol_append_var(col, v->var, v->len);
    }
    return weir_acol_append_fixed(col, v->fixed);
}

static void print_value(FILE *f, size_t c, const struct val *v)
{
    const char *fmt = cols[c].format;
    if (v->null) {
        fputs("null", f);
    } else if (strcmp(fmt, "b") == 0) {
        fputs(v->flag ? "true" : "false", f);
    } else if (strcmp(fmt, "u") == 0 || strcmp(fmt, "z") == 0) {
        hexs(f, v->var, v->len);
    } else if (strncmp(fmt, "w:", 2) == 0) {
        hexs(f, v->fixed, (size_t)atoi(fmt + 2));
    } else if (strcmp(fmt, "f") == 0) {
        uint32_t b;
        memcpy(&b, v->fixed, 4);
        fprintf(f, "\"%08" PRIx32 "\"", b);
    } else if (strcmp(fmt, "g") == 0) {
        uint64_t b;
        memcpy(&b, v->fixed, 8);
        fprintf(f, "\"%016" PRIx64 "\"", b);
    } else if (strncmp(fmt, "d:", 2) == 0) {
        __int128 w;
        memcpy(&w, v->fixed, 16);
        print_i128(f, w);
    } else {
        int64_t w = 0;
        switch (fmt[0]) {
        case 'c': w = (int8_t)v->fixed[0]; break;
        case 'C': w = v->fixed[0]; break;
        case 's': { int16_t t; memcpy(&t, v->fixed, 2); w = t; break; }
        case 'S': { uint16_t t; memcpy(&t, v->fixed, 2); w = t; break; }
        case 'i': { int32_t t; memcpy(&t, v->fixed, 4); w = t; break; }
        case 'I': { uint32_t t; memcpy(&t, v->fixed, 4); w = t; break; }
        default:
            if (strcmp(fmt, "tdD") == 0) {
                int32_t t;
                memcpy(&t, v->fixed, 4);
                w = t;
            } else {
                memcpy(&w, v->fixed, 8);
            }
        }
        fprintf(f, "\"%" PRId64 "\"", w);
    }
}

static int no_release_called;
static void view_release(struct ArrowArray *a)
{
    no_release_called++;
    a->release = NULL;
}

/* Writes rows [0, rows) through ops->write in batches, some passed as views
 * with a struct offset, some with child offsets. */
static int write_table(void *w, struct weir_abatch *b, int64_t rows, FILE *exp,
                       struct weir_error *err)
{
    int64_t r = 0, batch_no = 0;
    while (r < rows) {
        int64_t n = 700 + (batch_no * 37) % 600;
        if (n > rows - r) {
            n = rows - r;
        }
        for (int64_t i = 0; i < n; i++) {
            if (exp != NULL) {
                fputc('[', exp);
            }
            for (size_t c = 0; c < NCOLS; c++) {
                struct val v;
                make_value(c, r + i, &v);
                if (append_value(&b->cols[c], &v) != WEIR_OK) {
                    return weir_error_set(err, WEIR_ENOMEM, "append failed");
                }
                if (exp != NULL) {
                    if (c > 0) {
                        fputc(',', exp);
                    }
                    print_value(exp, c, &v);
                }
            }
            if (exp != NULL) {
                fputs("]\n", exp);
            }
            b->length++;
        }
        struct ArrowArray arr;
        int rc = weir_abatch_finish(b, &arr, err);
        if (rc != WEIR_OK) {
            return rc;
        }
        if (batch_no % 3 == 0 || n < 4) {
            rc = ops->write(w, &arr, err);
        } else {
            /* Two views of the same batch: [0, h) through a struct offset of
             * zero and children offset by nothing, [h, n) through either a
             * struct offset or child offsets. */
            int64_t h = n / 2;
            struct ArrowArray top = arr;
            top.release = view_release;
            top.length = h;
            rc = ops->write(w, &top, err);
            if (rc == WEIR_OK && batch_no % 3 == 1) {
                top.offset = h;
                top.length = n - h;
                rc = ops->write(w, &top, err);
            } else if (rc == WEIR_OK) {
                struct ArrowArray kids[NCOLS];
                struct ArrowArray *kp[NCOLS];
                for (size_t c = 0; c < NCOLS; c++) {
                    kids[c] = *arr.children[c];
                    kids[c].offset += h;
                    kids[c].length -= h;
                    kids[c].null_count = -1; /* unknown: the writer must look at the bitmap */
                    kp[c] = &kids[c];
                }
                top.children = kp;
                top.offset = 0;
                top.length = n - h;
                rc = ops->write(w, &top, err);
            }
        }
        arr.release(&arr);
        if (rc != WEIR_OK) {
            return rc;
        }
        r += n;
        batch_no++;
    }
    return WEIR_OK;
}

static int setup_batch(struct weir_abatch *b, struct weir_error *err)
{
    int rc = weir_abatch_init(b, (int64_t)NCOLS, err);
    for (size_t c = 0; c < NCOLS && rc == WEIR_OK; c++) {
        size_t mdlen = 0;
        char *md = NULL;
        if (cols[c].ext != NULL) {
            const char *k[] = {"ARROW:extension:name"}, *v[] = {cols[c].ext};
            md = weir_arrow_metadata_encode(k, v, 1, &mdlen);
        }
        rc = weir_abatch_set_column(b, (int64_t)c, cols[c].name, cols[c].format, md, mdlen, err);
        free(md);
    }
    return rc;
}

static int write_file(const char *outdir, const char *fname, const struct weir_kv *opts,
                      size_t n_opts, int64_t rows, bool expected, struct weir_error *err)
{
    char path[4096];
    struct weir_abatch b;
    struct ArrowSchema schema;
    void *w = NULL;
    FILE *exp = NULL;
    struct sink s = {0};
    int rc = setup_batch(&b, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    rc = weir_abatch_schema(&b, &schema, err);
    if (rc != WEIR_OK) {
        weir_abatch_reset(&b);
        return rc;
    }
    snprintf(path, sizeof(path), "%s/%s", outdir, fname);
    s.f = fopen(path, "wb");
    if (expected) {
        snprintf(path, sizeof(path), "%s/expected.jsonl", outdir);
        exp = fopen(path, "w");
    }
    if (s.f == NULL || (expected && exp == NULL)) {
        rc = weir_error_set(err, WEIR_EIO, "cannot create files in %s", outdir);
        goto done;
    }
    if (exp != NULL) {
        fputs("{\"columns\":[", exp);
        for (size_t c = 0; c < NCOLS; c++) {
            fprintf(exp, "%s{\"name\":\"%s\",\"format\":\"%s\"}", c ? "," : "", cols[c].name,
                    cols[c].format);
        }
        fputs("]}\n", exp);
    }
    struct weir_output out = {sizeof(out), &s, sink_write};
    rc = ops->open(NULL, &schema, opts, n_opts, &out, &w, err);
    if (rc == WEIR_OK) {
        rc = write_table(w, &b, rows, exp, err);
    }
    if (rc == WEIR_OK) {
        rc = ops->finish(w, err);
    }
done:
    ops->free(w);
    if (s.f != NULL && fclose(s.f) != 0 && rc == WEIR_OK) {
        rc = weir_error_set(err, WEIR_EIO, "close failed");
    }
    if (exp != NULL) {
        fclose(exp);
    }
    schema.release(&schema);
    weir_abatch_reset(&b);
    return rc;
}

/* ---- benchmark ---- */

/* CPU time of this thread: the figures stay meaningful on a busy machine. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench(int64_t rows, const char *codec)
{
    static const struct colspec bc[] = {
        {"id", "l", NULL}, {"ts", "tsu:UTC", NULL}, {"amount", "d:18,2", NULL},
        {"name", "u", NULL}, {"qty", "i", NULL}, {"price", "g", NULL}, {"flag", "b", NULL},
        {"status", "u", NULL},
    };
    static const char *status[] = {"new", "paid", "shipped", "cancelled"};
    const size_t nc = sizeof(bc) / sizeof(bc[0]);
    struct weir_error err;
    struct weir_abatch b;
    struct ArrowSchema schema;
    void *w = NULL;
    struct sink s = {0};
    if (weir_abatch_init(&b, (int64_t)nc, &err) != WEIR_OK) {
        return 1;
    }
    for (size_t c = 0; c < nc; c++) {
        weir_abatch_set_column(&b, (int64_t)c, bc[c].name, bc[c].format, NULL, 0, &err);
    }
    weir_abatch_schema(&b, &schema, &err);
    struct weir_kv opts[] = {{"compression", codec}};
    struct weir_output out = {sizeof(out), &s, sink_write};
    int rc = ops->open(NULL, &schema, opts, 1, &out, &w, &err);
    double t_enc = 0;
    uint64_t in_bytes = 0;
    for (int64_t r = 0; r < rows && rc == WEIR_OK;) {
        int64_t n = rows - r < 65536 ? rows - r : 65536;
        for (int64_t i = 0; i < n; i++) {
            int64_t id = r + i;
            uint64_t x = mix((uint64_t)id);
            int64_t ts = 1700000000000000LL + id * 1000003LL;
            __int128 amt = (__int128)(x % 10000000);
            int32_t qty = (int32_t)(x % 50);
            double price = (double)(x % 100000) / 100.0;
            char name[32];
            int nl = snprintf(name, sizeof(name), "customer-%" PRIu64, x % 50000);
            weir_acol_append_fixed(&b.cols[0], &id);
            weir_acol_append_fixed(&b.cols[1], &ts);
            weir_acol_append_fixed(&b.cols[2], &amt);
            weir_acol_append_var(&b.cols[3], name, (size_t)nl);
            weir_acol_append_fixed(&b.cols[4], &qty);
            weir_acol_append_fixed(&b.cols[5], &price);
            weir_acol_append_bool(&b.cols[6], (x & 3) == 0);
            const char *st = status[x % 4];
            weir_acol_append_var(&b.cols[7], st, strlen(st));
            b.length++;
        }
        in_bytes += weir_abatch_bytes(&b);
        struct ArrowArray arr;
        weir_abatch_finish(&b, &arr, &err);
        double t0 = now_s();
        rc = ops->write(w, &arr, &err);
        t_enc += now_s() - t0;
        arr.release(&arr);
        r += n;
    }
    double t0 = now_s();
    if (rc == WEIR_OK) {
        rc = ops->finish(w, &err);
    }
    t_enc += now_s() - t0;
    if (rc != WEIR_OK) {
        fprintf(stderr, "parquet_gen: %s\n", err.message);
    } else {
        printf("codec %s: %" PRId64 " rows, %.1f MB arrow in, %.1f MB parquet out, %.3f s CPU: "
               "%.0f rows/s, %.1f MB/s of arrow data (writer CPU time)\n",
               codec, rows, (double)in_bytes / 1e6, (double)s.bytes / 1e6, t_enc,
               (double)rows / t_enc, (double)in_bytes / 1e6 / t_enc);
    }
    ops->free(w);
    schema.release(&schema);
    weir_abatch_reset(&b);
    return rc == WEIR_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: parquet_gen OUTDIR [ROWS] | parquet_gen --bench ROWS [CODEC]\n");
        return 64;
    }
    if (load_plugin() != 0) {
        return 69;
    }
    if (strcmp(argv[1], "--bench") == 0) {
        int64_t rows = argc > 2 ? strtoll(argv[2], NULL, 10) : 1000000;
        return bench(rows, argc > 3 ? argv[3] : "snappy");
    }
    int64_t rows = argc > 2 ? strtoll(argv[2], NULL, 10) : 12000;
    for (size_t i = 0; i < sizeof(bigstr); i++) {
        bigstr[i] = (char)('a' + (int)(mix(i) % 26));
    }
    static const char *codecs[] = {"none", "snappy", "gzip", "zstd", "lz4"};
    struct weir_error err;
    for (size_t i = 0; i < 6; i++) {
        const char *codec = i < 5 ? codecs[i] : "zstd";
        char fname[64];
        snprintf(fname, sizeof(fname), "%s.parquet", i < 5 ? codecs[i] : "ms");
        struct weir_kv opts[] = {
            {"compression", codec},
            {"row_group_size", "256KiB"},
            {"page_size", "8KiB"},
            {"dictionary_page_limit", "8KiB"},
            {"timestamp_unit", i < 5 ? "us" : "ms"},
            {"created_by", "weir parquet_gen"},
            {"types_profile", "native"}, /* keeps UUID, TIME, UINT, FLBA: what this tests */
            {"meta.weir.run_id", "run-0001"},
            {"meta.weir.watermark", "{\"low\":null,\"high\":\"2026-01-01\"}"},
            {"compression_level", i < 5 ? "" : "19"},
        };
        int rc = write_file(argv[1], fname, opts, sizeof(opts) / sizeof(opts[0]), rows, i == 0,
                            &err);
        if (rc != WEIR_OK) {
            fprintf(stderr, "parquet_gen: %s: %s (%s)\n", fname, err.message, err.detail);
            return 1;
        }
    }
    return 0;
}
