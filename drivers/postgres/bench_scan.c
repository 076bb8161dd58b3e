/*
 * Scan throughput of the postgres source: dlopens weir_source_postgres.so,
 * scans one table (or query) through every batch and prints rows, bytes of
 * Arrow buffers, seconds and rows/s. Compare with
 *   psql -c "\copy (SELECT ...) TO '/dev/null' (FORMAT binary)"
 * Usage: bench_scan TABLE [batch_rows]    (PG* variables name the server)
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weir/weir.h"

static void hlog(void *ctx, int level, const char *event, const char *message)
{
    if (level >= WEIR_LOG_WARN) {
        fprintf(stderr, "%s: %s\n", event, message);
    }
}
static int hcancel(void *ctx)
{
    return 0;
}
static void hmetric(void *ctx, const char *name, double value, const char *unit)
{
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_scan TABLE [batch_rows]\n");
        return 64;
    }
    const char *dir = getenv("WEIR_PLUGIN_PATH");
    char path[1024];
    snprintf(path, sizeof(path), "%s/weir_source_postgres.so", dir ? dir : ".libs");
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (dl == NULL) {
        fprintf(stderr, "%s\n", dlerror());
        return 69;
    }
    weir_plugin_entry_fn entry = (weir_plugin_entry_fn)dlsym(dl, WEIR_PLUGIN_ENTRY_SYMBOL);
    struct weir_plugin d = {.size = sizeof(d)};
    struct weir_error err;
    if (entry == NULL || entry(WEIR_ABI_VERSION, &d, &err) != WEIR_OK) {
        fprintf(stderr, "no plugin entry\n");
        return 69;
    }
    const struct weir_source_ops *ops = d.source;
    struct weir_host host = {sizeof(host), WEIR_ABI_VERSION, NULL, hlog, hcancel, hmetric};
    struct weir_kv kv[3] = {
        {"connection", ""}, {"batch_rows", argc > 2 ? argv[2] : "65536"}, {"batch_bytes", "64MiB"}};
    void *conn = NULL;
    if (ops->connect(&host, kv, 3, &conn, &err) != WEIR_OK) {
        fprintf(stderr, "%s: %s\n", err.message, err.detail);
        return 69;
    }
    struct weir_query q = {.size = sizeof(q), .table = argv[1]};
    struct ArrowSchema schema;
    void *scan = NULL;
    int64_t rows = 0, batches = 0;
    double bytes = 0;
    double t0 = now_s();
    int rc = ops->scan_open(conn, &q, &schema, &scan, &err);
    while (rc == WEIR_OK) {
        struct ArrowArray a;
        rc = ops->scan_next(scan, &a, &err);
        if (rc != WEIR_OK || a.release == NULL) {
            break;
        }
        rows += a.length;
        batches++;
        for (int64_t c = 0; c < a.n_children; c++) {
            const struct ArrowArray *k = a.children[c];
            bytes += (double)k->length * 8; /* a rough figure, for scale only */
        }
        a.release(&a);
    }
    double t = now_s() - t0;
    if (rc != WEIR_OK) {
        fprintf(stderr, "%s: %s\n", err.message, err.detail);
    }
    ops->scan_close(scan);
    if (schema.release) {
        schema.release(&schema);
    }
    ops->disconnect(conn);
    printf("rows %lld batches %lld seconds %.3f rows/s %.0f\n", (long long)rows, (long long)batches,
           t, (double)rows / t);
    dlclose(dl);
    return rc == WEIR_OK ? 0 : 1;
}
