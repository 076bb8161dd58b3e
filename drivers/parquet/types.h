/*
 * Arrow → Parquet type mapping: one table row per Arrow format of weir.h,
 * giving the physical type, the logical and converted annotations, the sort
 * order used for statistics, and how values are read from the Arrow buffers.
 */
#ifndef WEIR_PARQUET_TYPES_H
#define WEIR_PARQUET_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "weir/weir.h"

/* parquet.thrift Type */
enum weir_pq_phys {
    WEIR_PQ_BOOLEAN = 0,
    WEIR_PQ_INT32 = 1,
    WEIR_PQ_INT64 = 2,
    WEIR_PQ_FLOAT = 4,
    WEIR_PQ_DOUBLE = 5,
    WEIR_PQ_BYTE_ARRAY = 6,
    WEIR_PQ_FLBA = 7,
};

/* parquet.thrift ConvertedType (only those written here); -1: none. */
enum weir_pq_converted {
    WEIR_PQ_CT_NONE = -1,
    WEIR_PQ_CT_UTF8 = 0,
    WEIR_PQ_CT_DECIMAL = 5,
    WEIR_PQ_CT_DATE = 6,
    WEIR_PQ_CT_TIME_MICROS = 8,
    WEIR_PQ_CT_TIMESTAMP_MILLIS = 9,
    WEIR_PQ_CT_TIMESTAMP_MICROS = 10,
    WEIR_PQ_CT_UINT_8 = 11,
    WEIR_PQ_CT_UINT_16 = 12,
    WEIR_PQ_CT_UINT_32 = 13,
    WEIR_PQ_CT_INT_8 = 15,
    WEIR_PQ_CT_INT_16 = 16,
    WEIR_PQ_CT_INT_32 = 17,
    WEIR_PQ_CT_INT_64 = 18,
    WEIR_PQ_CT_JSON = 19,
};

/* Which LogicalType union member is written. */
enum weir_pq_logical {
    WEIR_PQ_LT_NONE = 0,
    WEIR_PQ_LT_STRING,
    WEIR_PQ_LT_JSON,
    WEIR_PQ_LT_UUID,
    WEIR_PQ_LT_INT,
    WEIR_PQ_LT_DECIMAL,
    WEIR_PQ_LT_DATE,
    WEIR_PQ_LT_TIME,
    WEIR_PQ_LT_TIMESTAMP,
};

/* How a value is read from its Arrow array. */
enum weir_pq_src {
    WEIR_PQ_SRC_BOOL = 1,
    WEIR_PQ_SRC_I8,
    WEIR_PQ_SRC_I16,
    WEIR_PQ_SRC_I32,
    WEIR_PQ_SRC_U8,
    WEIR_PQ_SRC_U16,
    WEIR_PQ_SRC_U32,
    WEIR_PQ_SRC_I64,
    WEIR_PQ_SRC_I64_TO_MS, /* microseconds → milliseconds, floor division */
    WEIR_PQ_SRC_F32,
    WEIR_PQ_SRC_F64,
    WEIR_PQ_SRC_DEC_I32, /* decimal128 → int32 */
    WEIR_PQ_SRC_DEC_I64, /* decimal128 → int64 */
    WEIR_PQ_SRC_DEC_FLBA, /* decimal128 → big-endian two's complement, type_length bytes */
    WEIR_PQ_SRC_VAR,      /* int32 offsets + bytes */
    WEIR_PQ_SRC_FIXED,    /* fixed-size binary of type_length bytes */
    WEIR_PQ_SRC_U32_TO_I64, /* uint32 widened to int64 (compat profile) */
    WEIR_PQ_SRC_UUID_TEXT,  /* 16 bytes → 36-character lowercase text (compat profile) */
};

/* Statistics comparison (the column's sort order, parquet.thrift ColumnOrder). */
enum weir_pq_stat_kind {
    WEIR_PQ_SK_BOOL = 1,
    WEIR_PQ_SK_I32,     /* signed */
    WEIR_PQ_SK_U32,     /* unsigned, stored in INT32 */
    WEIR_PQ_SK_I64,     /* signed */
    WEIR_PQ_SK_F32,     /* numeric, NaN ignored */
    WEIR_PQ_SK_F64,
    WEIR_PQ_SK_BYTES,   /* unsigned byte-wise */
    WEIR_PQ_SK_UTF8,    /* unsigned byte-wise; truncation keeps valid UTF-8 */
    WEIR_PQ_SK_DECIMAL, /* big-endian two's complement, signed */
};

struct weir_pq_coltype {
    int src;         /* enum weir_pq_src */
    int phys;        /* enum weir_pq_phys */
    int type_length; /* FLBA bytes; 0 otherwise */
    int converted;   /* enum weir_pq_converted */
    int logical;     /* enum weir_pq_logical */
    int int_bits;    /* LT_INT */
    bool int_signed;
    int precision, scale; /* LT_DECIMAL */
    bool utc;             /* LT_TIME / LT_TIMESTAMP isAdjustedToUTC */
    bool millis;          /* LT_TIMESTAMP unit MILLIS (else MICROS) */
    int stat_kind;        /* enum weir_pq_stat_kind */
    bool legacy_stats;    /* also write the deprecated min/max (signed order) */
    bool dictionary;      /* dictionary encoding is tried */
    int value_size;       /* PLAIN bytes of one value, 0 for BYTE_ARRAY / BOOLEAN */
    bool list;            /* the leaf of a 3-level LIST (Arrow "+l"); the rest is the element's */
};

/*
 * Maps one column of the batch schema. `ts_millis` selects TIMESTAMP(MILLIS)
 * for timestamp columns. `native` keeps the logical types only some readers
 * know (UUID, TIME, unsigned INTEGER, unannotated FIXED_LEN_BYTE_ARRAY);
 * without it (the compat profile of drivers/TYPES.md) they are written as
 * what Spark 3.3+, Athena, Hive, pyarrow and DuckDB all read: uuid as its
 * 36-character text, time as int64 microseconds since midnight, uint8/16/32
 * as the next wider signed integer, other fixed-size binary as BYTE_ARRAY.
 * A list ("+l" of one flat child) maps its element and sets `list`.
 * WEIR_ECONFIG naming the column for a format not in weir.h's list.
 */
int weir_pq_coltype_from_arrow(const struct ArrowSchema *col, bool ts_millis, bool native,
                               struct weir_pq_coltype *t, struct weir_error *err);

/* Minimal FIXED_LEN_BYTE_ARRAY width for a decimal precision (1..38). */
int weir_pq_decimal_width(int precision);

/*
 * Converts a decimal128 (16 bytes little-endian two's complement) to `width`
 * bytes big-endian two's complement. False when the value does not fit.
 */
bool weir_pq_decimal_to_be(const uint8_t le[16], int width, uint8_t *out);
/* The 36-character lowercase text (8-4-4-4-12 hex digits) of a 16-byte uuid. */
void weir_pq_uuid_text(const uint8_t uuid[16], uint8_t out[36]);
/* Narrows a decimal128 to int64 (false when it does not fit). */
bool weir_pq_decimal_to_i64(const uint8_t le[16], int64_t *out);

#endif
