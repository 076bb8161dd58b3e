/*
 * orc_dump FILE: reads an ORC file with the test reader (tests/unit/
 * orc_reader.c, which also verifies every row index position by seeking)
 * and prints its rows as JSON lines, one array per row, in the canonical
 * text of tests/unit/orc_testdata.c; a summary goes to stderr.
 * Test tool, not installed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "orc_reader.h"
#include "orc_testdata.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: orc_dump FILE\n");
        return 64;
    }
    FILE *fp = fopen(argv[1], "rb");
    if (fp == NULL) {
        perror(argv[1]);
        return 66;
    }
    size_t cap = 1 << 20, len = 0, n;
    uint8_t *data = malloc(cap);
    while ((n = fread(data + len, 1, cap - len, fp)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            data = realloc(data, cap);
        }
    }
    fclose(fp);
    struct orc_rfile f;
    if (orc_read(data, len, &f) != 0) {
        fprintf(stderr, "orc_dump: %s: %s\n", argv[1], f.error);
        orc_rfile_free(&f);
        free(data);
        return 65;
    }
    struct tdbuf line = {0};
    for (size_t r = 0; r < f.rows; r++) {
        td_clear(&line);
        td_puts(&line, "[");
        for (int c = 0; c < f.types[0].nsub; c++) {
            td_render(&f, c, r, &line);
            td_puts(&line, c + 1 < f.types[0].nsub ? "," : "]");
        }
        printf("%s\n", line.p);
    }
    fprintf(stderr,
            "orc_dump: %s: %llu rows, %d stripes, %d columns, compression %llu, "
            "%d row group positions verified, %d compressed + %d original chunks\n",
            argv[1], (unsigned long long)f.rows, f.nstripes, f.types[0].nsub,
            (unsigned long long)f.compression, f.row_index_checks, f.chunks_compressed,
            f.chunks_original);
    td_free(&line);
    orc_rfile_free(&f);
    free(data);
    return 0;
}
