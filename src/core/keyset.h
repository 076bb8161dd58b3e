/*
 * Key sets for delete detection: the key columns of a row as one canonical
 * byte record, an external sort of records with bounded memory, and the
 * sorted key file a job keeps in its state location.
 *
 * Record: for each key column, one byte (0: NULL, 1: a value) and then the
 * value: a byte for booleans, the `width` bytes of a fixed-width value as
 * Arrow holds it, or a 4-byte little-endian length and the bytes of a
 * variable-width value. Records compare with memcmp (then by length); the
 * order only has to be total and the same in every run, it is not the
 * database's order.
 *
 * Key file: "WEIRKEYS" "0001", records as [u32 length][bytes] in ascending
 * order without duplicates, then the trailer [u32 0xffffffff][u64 count].
 * A missing or wrong trailer is a corrupt file (WEIR_EDATA).
 */
#ifndef WEIR_CORE_KEYSET_H
#define WEIR_CORE_KEYSET_H

#include <stdint.h>
#include <stdio.h>

#include "util/arrow.h"
#include "weir/weir.h"

#define WEIR_KEY_MAX_COLS 16
#define WEIR_KEY_MAX_RECORD 8192 /* a longer key fails the sweep (WEIR_EDATA) */

/* How the key columns of a "+s" schema turn into records and back. */
struct weir_keyenc {
    int n;
    struct {
        char name[128];
        char format[64];
        int layout; /* enum weir_acol_layout */
        int width;
    } col[WEIR_KEY_MAX_COLS];
};

/* Reads the children of `schema` (borrowed for the call). WEIR_ECONFIG for a
 * type a key cannot have (lists, structs) or too many columns. */
int weir_keyenc_init(struct weir_keyenc *e, const struct ArrowSchema *schema,
                     struct weir_error *err);
/* The record of row `row` of `batch` into buf[0..cap); *len its length.
 * WEIR_EDATA when longer than cap. */
int weir_keyenc_row(const struct weir_keyenc *e, const struct ArrowArray *batch, int64_t row,
                    uint8_t *buf, size_t cap, size_t *len, struct weir_error *err);
/* Appends the record's values to columns 0..n-1 of `b` (which has those
 * columns with the same formats). */
int weir_keyenc_append(const struct weir_keyenc *e, struct weir_abatch *b, const uint8_t *rec,
                       size_t len, struct weir_error *err);
/* "id=42, region=eu" for messages (integers in decimal, text as is,
 * other values as hex), shortened to cap. */
void weir_keyenc_text(const struct weir_keyenc *e, const uint8_t *rec, size_t len, char *buf,
                      size_t cap);

/*
 * External sort. Records are kept in memory up to `memory` bytes (at least
 * 64 KiB; record bytes plus an 8-byte index entry each); past that, the
 * sorted records go to a run file `<tmp_prefix>.run-N`, and finishing merges
 * the runs (at most 64 at once; more are merged in passes first), so memory
 * stays bounded by `memory` plus 64 read buffers (8 KiB and a stdio buffer
 * each) whatever the number of keys. Duplicates are
 * kept: the caller sees them next to each other.
 */
struct weir_keysort;

/* *s new (free with weir_keysort_free). tmp_prefix is copied. */
int weir_keysort_new(const char *tmp_prefix, uint64_t memory, struct weir_keysort **s,
                     struct weir_error *err);
int weir_keysort_add(struct weir_keysort *s, const uint8_t *rec, size_t len,
                     struct weir_error *err);
/* Ends adding; the sorted stream starts. */
int weir_keysort_finish(struct weir_keysort *s, struct weir_error *err);
/* Next record in order: *rec borrowed until the next call; *rec NULL at the end. */
int weir_keysort_next(struct weir_keysort *s, const uint8_t **rec, size_t *len,
                      struct weir_error *err);
/* Run files written so far (for the log). */
int weir_keysort_runs(const struct weir_keysort *s);
/* Frees and removes the run files. NULL allowed. */
void weir_keysort_free(struct weir_keysort *s);

/* Reading and writing key files (stdio, buffered). */
struct weir_keyfile {
    FILE *f;
    char path[1200];
    uint64_t count;
    int writing;
    uint8_t buf[WEIR_KEY_MAX_RECORD];
};

/* Opens an existing key file and checks its header and trailer. */
int weir_keyfile_open_read(struct weir_keyfile *k, const char *path, struct weir_error *err);
/* Next record into k->buf: *len, or *end = 1 at the trailer. */
int weir_keyfile_next(struct weir_keyfile *k, size_t *len, int *end, struct weir_error *err);
/* Creates `path` (truncating) and writes the header. */
int weir_keyfile_create(struct weir_keyfile *k, const char *path, struct weir_error *err);
int weir_keyfile_put(struct weir_keyfile *k, const uint8_t *rec, size_t len,
                     struct weir_error *err);
/* Writes the trailer, fsyncs and closes. */
int weir_keyfile_seal(struct weir_keyfile *k, struct weir_error *err);
/* Closes without sealing (NULL f allowed). */
void weir_keyfile_close(struct weir_keyfile *k);

/* memcmp order, shorter first on a common prefix. */
int weir_key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
