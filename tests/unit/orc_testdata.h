/*
 * Deterministic test rows with every type the ORC writer takes and their
 * edge values, and one canonical text form per value (JSON) used both for
 * what was written and for what a reader decoded. Shared by test_orc_file
 * and tests/tools/orc_gen, orc_dump. Test-only.
 */
#ifndef WEIR_TESTS_ORC_TESTDATA_H
#define WEIR_TESTS_ORC_TESTDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "orc_reader.h"
#include "weir/weir.h"

struct tdbuf {
    char *p;
    size_t len, cap;
};

void td_clear(struct tdbuf *b);
void td_free(struct tdbuf *b);
void td_puts(struct tdbuf *b, const char *s);

extern const int td_ncols;
const char *td_name(int col);

/* The "+s" schema of the test columns (release frees it). `big` adds a
 * 1 MiB string value. */
int td_schema(struct ArrowSchema *out, struct weir_error *err);
/* Rows [row0, row0 + n) as a "+s" batch (release frees it). */
int td_batch(int64_t row0, int64_t n, bool big, struct ArrowArray *out, struct weir_error *err);
/* The canonical JSON text of the value written at (row, col), appended. */
void td_expect(int64_t row, int col, bool big, struct tdbuf *out);
/* The same text for the value a reader decoded. */
void td_render(const struct orc_rfile *f, int col, size_t row, struct tdbuf *out);
/* The same for type `id` of the file; a LIST renders as a JSON array of its
 * elements. */
void td_render_type(const struct orc_rfile *f, int id, size_t row, struct tdbuf *out);
/* Non-null values of column col in rows [0, rows). */
uint64_t td_nonnull(int64_t rows, int col);

#endif
