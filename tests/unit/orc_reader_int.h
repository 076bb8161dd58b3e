/* Shared internals of the test-only ORC reader (orc_reader*.c). */
#ifndef WEIR_TESTS_ORC_READER_INT_H
#define WEIR_TESTS_ORC_READER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "orc_reader.h"

struct chunkmap {
    size_t n;
    uint64_t *cstart; /* offset of the chunk header in the compressed stream */
    uint64_t *dstart; /* its first byte in the decompressed stream */
};

struct pbf {
    uint32_t field;
    int wire;
    uint64_t v;
    const uint8_t *b;
    size_t len;
};

bool orc_reader_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);
/* 1: a field; 0: end; -1: malformed */
int orc_reader_pb_next(const uint8_t **p, const uint8_t *end, struct pbf *x);
int orc_reader_parse_stats(const uint8_t *p, size_t n, struct orc_rstats *s);
void orc_reader_free_stats(struct orc_rstats *s);
long orc_reader_decompress_map(int kind, const uint8_t *p, size_t n, uint8_t **out,
                               struct chunkmap *map, int *norig, int *ncomp);
int orc_reader_fail(struct orc_rfile *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *orc_reader_dup(const uint8_t *b, size_t n);
/* Makes room for `rows` rows in col (zero-filled); 0 or -1. */
int orc_reader_col_grow(struct orc_rcol *col, size_t rows);
int orc_reader_stripe(struct orc_rfile *f, const uint8_t *data, size_t len, int s, size_t row0);

#endif
