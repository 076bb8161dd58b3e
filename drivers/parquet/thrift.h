/*
 * Thrift compact protocol encoder (only what Parquet metadata needs: structs,
 * unions, lists, i32/i64/bool/binary). Written from the Thrift compact
 * protocol specification (doc/specs/thrift-compact-protocol.md).
 *
 * Usage: fields are written in increasing id order inside a struct; a nested
 * struct is opened with weir_pq_tw_struct_begin (as a field) or
 * weir_pq_tw_elem_struct_begin (as a list element) and closed with
 * weir_pq_tw_struct_end, which writes the stop byte. Errors (buffer full,
 * nesting too deep) are sticky: check weir_pq_tw_ok() once at the end.
 */
#ifndef WEIR_PARQUET_THRIFT_H
#define WEIR_PARQUET_THRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parquet/pq_buf.h"

/* Compact protocol type codes. */
enum weir_pq_ttype {
    WEIR_PQ_T_TRUE = 1,
    WEIR_PQ_T_FALSE = 2,
    WEIR_PQ_T_BYTE = 3,
    WEIR_PQ_T_I16 = 4,
    WEIR_PQ_T_I32 = 5,
    WEIR_PQ_T_I64 = 6,
    WEIR_PQ_T_DOUBLE = 7,
    WEIR_PQ_T_BINARY = 8,
    WEIR_PQ_T_LIST = 9,
    WEIR_PQ_T_STRUCT = 12,
};
/* List element type for bool (the compact spec's BOOL). */
#define WEIR_PQ_T_BOOL_ELEM 2

#define WEIR_PQ_TW_MAX_DEPTH 16

struct weir_pq_tw {
    struct weir_pq_buf *buf; /* borrowed */
    int16_t last[WEIR_PQ_TW_MAX_DEPTH];
    int depth; /* 0: top-level struct */
    bool bad;  /* nesting or field order error */
};

/* Starts writing a top-level struct into `buf` (appending). */
void weir_pq_tw_init(struct weir_pq_tw *w, struct weir_pq_buf *buf);
bool weir_pq_tw_ok(const struct weir_pq_tw *w);

/* Fields of the current struct (ids strictly increasing). */
void weir_pq_tw_field_i8(struct weir_pq_tw *w, int16_t id, int8_t v);
void weir_pq_tw_field_i16(struct weir_pq_tw *w, int16_t id, int16_t v);
void weir_pq_tw_field_i32(struct weir_pq_tw *w, int16_t id, int32_t v);
void weir_pq_tw_field_i64(struct weir_pq_tw *w, int16_t id, int64_t v);
void weir_pq_tw_field_bool(struct weir_pq_tw *w, int16_t id, bool v);
void weir_pq_tw_field_binary(struct weir_pq_tw *w, int16_t id, const void *data, size_t len);
void weir_pq_tw_field_string(struct weir_pq_tw *w, int16_t id, const char *s);
/* A struct field whose complete encoding (stop byte included) is raw[0..len). */
void weir_pq_tw_field_struct_raw(struct weir_pq_tw *w, int16_t id, const void *raw, size_t len);
/* A struct- or union-valued field; close with weir_pq_tw_struct_end. */
void weir_pq_tw_struct_begin(struct weir_pq_tw *w, int16_t id);
/* An empty struct field (the empty marker structs of LogicalType). */
void weir_pq_tw_field_empty(struct weir_pq_tw *w, int16_t id);
/* A list field header: `n` elements of compact type `elem` follow. */
void weir_pq_tw_list_begin(struct weir_pq_tw *w, int16_t id, int elem, size_t n);

/* List elements. */
void weir_pq_tw_i32(struct weir_pq_tw *w, int32_t v);
void weir_pq_tw_i64(struct weir_pq_tw *w, int64_t v);
void weir_pq_tw_bool(struct weir_pq_tw *w, bool v);
void weir_pq_tw_binary(struct weir_pq_tw *w, const void *data, size_t len);
void weir_pq_tw_elem_struct_begin(struct weir_pq_tw *w);

/* Writes the stop byte of the current struct (the top-level one too). */
void weir_pq_tw_struct_end(struct weir_pq_tw *w);

/* Zigzag mappings, exposed for tests. */
uint32_t weir_pq_zigzag32(int32_t v);
uint64_t weir_pq_zigzag64(int64_t v);

#endif
