/*
 * Scan throughput and peak memory of the ODBC source plugin, for
 * tests/integration/odbc_stream.sh (not a unit test: built by make check,
 * run by hand or by that script).
 *
 *   test_odbc_bench <connection> <user|-> <password|-> <table> [option=value ...]
 *
 * The scan runs inside the plugin's snapshot (begin / end), as a job's does;
 * the options after the table go to connect (e.g. chunked=never).
 * Prints one line: rows=N batches=B seconds=S rows_per_s=R maxrss_kb=K
 * (ru_maxrss of the process after the scan: the peak).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "weir/weir.h"

static void host_log(void *ctx, int level, const char *event, const char *message)
{
    fprintf(stderr, "log %d %s: %s\n", level, event, message);
}
static int host_cancelled(void *ctx)
{
    return 0;
}
static void host_metric(void *ctx, const char *name, double value, const char *unit)
{
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 13) {
        fprintf(stderr, "usage: test_odbc_bench <connection> <user|-> <password|-> <table> "
                        "[option=value ...]\n");
        return 64;
    }
    const char *dir = getenv("WEIR_PLUGIN_PATH");
    char path[1024];
    snprintf(path, sizeof(path), "%s/weir_source_odbc.so", dir ? dir : ".libs");
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    weir_plugin_entry_fn entry = (weir_plugin_entry_fn)dlsym(h, WEIR_PLUGIN_ENTRY_SYMBOL);
    struct weir_plugin p;
    struct weir_error err;
    memset(&p, 0, sizeof(p));
    p.size = sizeof(p);
    if (entry == NULL || entry(WEIR_ABI_VERSION, &p, &err) != WEIR_OK) {
        fprintf(stderr, "entry failed\n");
        return 1;
    }
    struct weir_host host = {sizeof(host), WEIR_ABI_VERSION, NULL, host_log, host_cancelled,
                             host_metric};
    struct weir_kv kv[12] = {{"connection", argv[1]}, {"user", argv[2]}, {"password", argv[3]}};
    size_t n = strcmp(argv[2], "-") == 0 ? 1 : 3;
    for (int i = 5; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (eq == NULL) {
            fprintf(stderr, "option %s: not option=value\n", argv[i]);
            return 64;
        }
        *eq = '\0';
        kv[n++] = (struct weir_kv){argv[i], eq + 1};
    }
    void *conn = NULL;
    if (p.source->connect(&host, kv, n, &conn, &err) != WEIR_OK) {
        fprintf(stderr, "connect: %s | %s\n", err.message, err.detail);
        return 1;
    }
    struct weir_query q = {.size = sizeof(q), .table = argv[4]};
    struct ArrowSchema schema;
    void *scan = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (p.source->begin(conn, &err) != WEIR_OK) {
        fprintf(stderr, "begin: %s | %s\n", err.message, err.detail);
        return 1;
    }
    if (p.source->scan_open(conn, &q, &schema, &scan, &err) != WEIR_OK) {
        fprintf(stderr, "scan_open: %s | %s\n", err.message, err.detail);
        return 1;
    }
    long long rows = 0, batches = 0;
    for (;;) {
        struct ArrowArray b;
        if (p.source->scan_next(scan, &b, &err) != WEIR_OK) {
            fprintf(stderr, "scan_next: %s | %s\n", err.message, err.detail);
            return 1;
        }
        if (b.release == NULL) {
            break;
        }
        rows += b.length;
        batches++;
        b.release(&b);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    p.source->scan_close(scan);
    schema.release(&schema);
    if (p.source->end(conn, &err) != WEIR_OK) {
        fprintf(stderr, "end: %s | %s\n", err.message, err.detail);
        return 1;
    }
    p.source->disconnect(conn);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("rows=%lld batches=%lld seconds=%.3f rows_per_s=%.0f maxrss_kb=%ld\n", rows, batches, s,
           s > 0 ? (double)rows / s : 0.0, ru.ru_maxrss);
    dlclose(h);
    return 0;
}
