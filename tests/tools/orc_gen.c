/*
 * orc_gen OUTDIR [ROWS]: writes, through $WEIR_PLUGIN_PATH/weir_writer_orc.so,
 * one ORC file per compression (none, gzip, snappy, lz4, zstd) with every
 * type the writer takes and their edge values (tests/unit/orc_testdata.c),
 * in several stripes and row groups, and next to each the values written as
 * JSON lines (OUTDIR/<compression>.expected.jsonl, one array per row).
 * Test tool, not installed.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orc_testdata.h"
#include "weir/weir.h"

static int file_write(void *ctx, const void *data, size_t len, struct weir_error *err)
{
    if (fwrite(data, 1, len, ctx) != len) {
        return weir_error_set(err, WEIR_EIO, "short write");
    }
    return WEIR_OK;
}

static int gen(const struct weir_writer_ops *ops, const char *dir, const char *comp, long rows)
{
    char path[4096];
    struct weir_error err;
    snprintf(path, sizeof(path), "%s/%s.orc", dir, comp);
    FILE *fp = fopen(path, "wb");
    if (fp == NULL) {
        perror(path);
        return 1;
    }
    struct weir_kv opts[] = {
        {"compression", comp},         {"row_group_size", "1MiB"},
        {"compression_block_size", "64KiB"}, {"meta.generator", "orc_gen"},
        {"created_by", "weir orc_gen"},
    };
    struct weir_output out = {sizeof(out), fp, file_write};
    struct ArrowSchema schema;
    void *w = NULL;
    int rc = td_schema(&schema, &err);
    if (rc == WEIR_OK) {
        rc = ops->open(NULL, &schema, opts, 5, &out, &w, &err);
    }
    for (long r = 0; r < rows && rc == WEIR_OK; r += 4096) {
        struct ArrowArray b;
        rc = td_batch(r, rows - r < 4096 ? rows - r : 4096, true, &b, &err);
        if (rc == WEIR_OK) {
            rc = ops->write(w, &b, &err);
            b.release(&b);
        }
    }
    if (rc == WEIR_OK) {
        rc = ops->finish(w, &err);
    }
    ops->free(w);
    schema.release(&schema);
    if (fclose(fp) != 0 || rc != WEIR_OK) {
        fprintf(stderr, "orc_gen: %s: %s\n", path, err.message);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/%s.expected.jsonl", dir, comp);
    fp = fopen(path, "w");
    if (fp == NULL) {
        perror(path);
        return 1;
    }
    struct tdbuf line = {0};
    for (long r = 0; r < rows; r++) {
        td_clear(&line);
        td_puts(&line, "[");
        for (int c = 0; c < td_ncols; c++) {
            td_expect(r, c, true, &line);
            td_puts(&line, c + 1 < td_ncols ? "," : "]");
        }
        fprintf(fp, "%s\n", line.p);
    }
    td_free(&line);
    return fclose(fp) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: orc_gen OUTDIR [ROWS]\n");
        return 64;
    }
    long rows = argc > 2 ? strtol(argv[2], NULL, 10) : 45000;
    const char *dir = getenv("WEIR_PLUGIN_PATH");
    char path[4096];
    snprintf(path, sizeof(path), "%s/weir_writer_orc.so", dir != NULL ? dir : ".libs");
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "orc_gen: %s\n", dlerror());
        return 1;
    }
    weir_plugin_entry_fn entry = (weir_plugin_entry_fn)dlsym(h, WEIR_PLUGIN_ENTRY_SYMBOL);
    struct weir_plugin p;
    struct weir_error err;
    memset(&p, 0, sizeof(p));
    p.size = sizeof(p);
    if (entry == NULL || entry(WEIR_ABI_VERSION, &p, &err) != WEIR_OK) {
        fprintf(stderr, "orc_gen: no usable entry in %s\n", path);
        return 1;
    }
    static const char *comps[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    int bad = 0;
    for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++) {
        bad += gen(p.writer, argv[1], comps[i], rows);
    }
    dlclose(h);
    return bad != 0;
}
