/*
 * Parser of PostgreSQL's binary COPY format ("COPY ... TO STDOUT (FORMAT
 * binary)", protocol docs "COPY" / "Binary Format"), straight into Arrow
 * column builders.
 *
 * Pure: bytes in, column appends out; no libpq and no I/O, so unit tests and
 * a fuzzer drive it with recorded bytes. The stream is: an 11-byte signature,
 * int32 flags, int32 header-extension length and its bytes, then tuples
 * (int16 field count, then per field an int32 length, -1 for NULL, and the
 * value in the type's send format), and an int16 -1 trailer. All integers are
 * big-endian.
 */
#ifndef WEIR_PG_COPY_H
#define WEIR_PG_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arrow.h"
#include "weir/weir.h"

/* How one field's bytes become one Arrow value. */
enum weir_pgdec {
    WEIR_PGDEC_BOOL = 1,  /* bool -> b */
    WEIR_PGDEC_I16,       /* int2 -> s */
    WEIR_PGDEC_I32,       /* int4 -> i */
    WEIR_PGDEC_I64,       /* int8 -> l */
    WEIR_PGDEC_OID,       /* oid (uint32) -> l */
    WEIR_PGDEC_F32,       /* float4 -> f */
    WEIR_PGDEC_F64,       /* float8 -> g */
    WEIR_PGDEC_NUMERIC,   /* numeric -> d:P,S, exact or WEIR_EDATA */
    WEIR_PGDEC_TEXT,      /* text-like, json, any type cast to text -> u */
    WEIR_PGDEC_BYTES,     /* bytea -> z */
    WEIR_PGDEC_JSONB,     /* jsonb: version byte 1, then the text -> u */
    WEIR_PGDEC_DATE,      /* date -> tdD (days since 1970-01-01) */
    WEIR_PGDEC_TIME,      /* time -> ttu */
    WEIR_PGDEC_TIMESTAMP, /* timestamp / timestamptz -> tsu: / tsu:UTC */
    WEIR_PGDEC_UUID,      /* uuid -> w:16 */
    WEIR_PGDEC_ARRAY,     /* one-dimensional array -> +l of elem_dec elements */
};

/* Infinite dates and timestamps are clamped to these (Arrow units). */
#define WEIR_PG_DATE_MAX 2932896                   /* 9999-12-31 */
#define WEIR_PG_DATE_MIN (-719162)                 /* 0001-01-01 */
#define WEIR_PG_TS_MAX INT64_C(253402300799999999) /* 9999-12-31 23:59:59.999999 */
#define WEIR_PG_TS_MIN INT64_C(-62135596800000000) /* 0001-01-01 00:00:00 */

struct weir_pgcol {
    const char *name; /* borrowed; for messages */
    int dec;          /* enum weir_pgdec */
    int precision;    /* WEIR_PGDEC_NUMERIC (or its array): the decimal128 target */
    int scale;
    int64_t clamped; /* out: infinite values clamped so far in this stream */
    int elem_dec;    /* WEIR_PGDEC_ARRAY: the elements' decoder (not ARRAY) */
};

enum weir_pgcopy_state { WEIR_PGCOPY_HEADER = 0, WEIR_PGCOPY_TUPLES = 1, WEIR_PGCOPY_DONE = 2 };

struct weir_pgcopy {
    struct weir_pgcol *cols; /* borrowed; one per field, batch column i gets field i */
    size_t n_cols;
    int64_t max_rows; /* a batch is full at this many rows ... */
    size_t max_bytes; /* ... or when its buffers hold this many bytes */
    int state;        /* enum weir_pgcopy_state */
    int64_t rows;     /* tuples decoded so far; row numbers in messages are 1-based */
    uint8_t *carry;   /* owned: an incomplete item waiting for more bytes */
    size_t carry_len;
    size_t carry_cap;
};

/* Starts a stream. cols is borrowed until reset. */
void weir_pgcopy_init(struct weir_pgcopy *p, struct weir_pgcol *cols, size_t n_cols,
                      int64_t max_rows, size_t max_bytes);
/* Frees what the parser holds (not cols). */
void weir_pgcopy_reset(struct weir_pgcopy *p);

/*
 * Decodes the complete items in data[0..len) into b (whose columns match
 * cols: same count, formats from weir_pgtypes). Chunks may split items
 * anywhere: an incomplete tail is kept and completed by the next call.
 * Stops early when b is full (weir_pgcopy_full); *used then says how much of
 * data was taken, and the caller passes the rest again after emptying b
 * (also with len 0 when *used == len: kept bytes may still hold tuples).
 * WEIR_EDATA names the row and column for a bad stream or a value that does
 * not fit; after an error b may hold a partial row and must be reset.
 */
int weir_pgcopy_feed(struct weir_pgcopy *p, const uint8_t *data, size_t len, struct weir_abatch *b,
                     size_t *used, struct weir_error *err);

/* True when b has reached the row or byte bound. */
bool weir_pgcopy_full(const struct weir_pgcopy *p, const struct weir_abatch *b);
/* True once the trailer was read (and held bytes may still be pending). */
static inline bool weir_pgcopy_done(const struct weir_pgcopy *p)
{
    return p->state == WEIR_PGCOPY_DONE && p->carry_len == 0;
}
/* At the end of the input: WEIR_OK when the trailer was read, WEIR_EDATA
 * ("truncated ...") when the stream stopped before it. */
int weir_pgcopy_finish(const struct weir_pgcopy *p, struct weir_error *err);

#endif
