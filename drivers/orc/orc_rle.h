/*
 * ORC writer: run-length encoders (ORC v1 "Run Length Encoding").
 *
 *   byte RLE     runs of 3..130 equal bytes, literal groups of 1..128
 *   boolean RLE  bits packed MSB first into bytes, then byte RLE
 *   integer RLE v2 (DIRECT_V2 streams): values are buffered 512 at a time and
 *                cut into runs; each run takes the smallest of SHORT_REPEAT,
 *                DIRECT, PATCHED_BASE and DELTA that can hold it.
 *
 * Encoders append to a borrowed orc_ostream. A position (for the row index)
 * is the stream position followed by the count of values still buffered: the
 * next run starts at that stream position and its first values are those.
 */
#ifndef WEIR_ORC_RLE_H
#define WEIR_ORC_RLE_H

#include <stdbool.h>
#include <stdint.h>

#include "orc_stream.h"

struct orc_brle {
    struct orc_ostream *out; /* borrowed */
    uint8_t lit[128];
    int nlit;
    uint8_t run_val;
    int run_len; /* > 0: in a run */
};

void weir_orc_brle_init(struct orc_brle *e, struct orc_ostream *out);
int weir_orc_brle_add(struct orc_brle *e, uint8_t v, struct weir_error *err);
int weir_orc_brle_flush(struct orc_brle *e, struct weir_error *err);
void weir_orc_brle_position(const struct orc_brle *e, uint64_t *pos, int *n);

struct orc_boolrle {
    struct orc_brle bytes;
    uint8_t cur;
    int nbits;
};

void weir_orc_boolrle_init(struct orc_boolrle *e, struct orc_ostream *out);
int weir_orc_boolrle_add(struct orc_boolrle *e, bool v, struct weir_error *err);
int weir_orc_boolrle_flush(struct orc_boolrle *e, struct weir_error *err);
void weir_orc_boolrle_position(const struct orc_boolrle *e, uint64_t *pos, int *n);

#define ORC_RLE2_MAX 512

enum orc_rle2_kind {
    ORC_RLE2_AUTO = -1,
    ORC_RLE2_SHORT_REPEAT = 0,
    ORC_RLE2_DIRECT = 1,
    ORC_RLE2_PATCHED_BASE = 2,
    ORC_RLE2_DELTA = 3,
};

struct orc_rle2 {
    struct orc_ostream *out; /* borrowed */
    bool is_signed;
    int n;
    int64_t lit[ORC_RLE2_MAX];
};

/* The most bytes one run takes (the encoder builds a run on its stack: a
 * partitioned run keeps two encoders per column of thousands of files). */
#define ORC_RLE2_RUN_MAX (4 + 8 + ORC_RLE2_MAX * 8 + 32 * 8 + 16)

void weir_orc_rle2_init(struct orc_rle2 *e, struct orc_ostream *out, bool is_signed);
int weir_orc_rle2_add(struct orc_rle2 *e, int64_t v, struct weir_error *err);
int weir_orc_rle2_flush(struct orc_rle2 *e, struct weir_error *err);
void weir_orc_rle2_position(const struct orc_rle2 *e, uint64_t *pos, int *n);
/* Encodes v[0..n) (1 <= n <= 512) as one run of `kind` (or, with
 * ORC_RLE2_AUTO, as the runs the encoder would choose) straight to the
 * stream. WEIR_EDATA when the values do not fit the kind asked for. Exposed
 * for the unit tests of each sub-encoding. */
int weir_orc_rle2_emit(struct orc_rle2 *e, const int64_t *v, int n, int kind,
                       struct weir_error *err);

/* The 5-bit width code of ORC RLE v2, and the widths it can express. */
int weir_orc_rle2_width_code(int bits);
int weir_orc_rle2_closest_fixed(int bits);

#endif
