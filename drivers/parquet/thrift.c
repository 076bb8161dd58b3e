/* Thrift compact protocol encoder; see thrift.h. */
#include "parquet/thrift.h"

#include <string.h>

void weir_pq_tw_init(struct weir_pq_tw *w, struct weir_pq_buf *buf)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
}

bool weir_pq_tw_ok(const struct weir_pq_tw *w)
{
    return !w->bad && !w->buf->failed && w->depth == 0;
}

/* Shifts are done on unsigned values: left-shifting a negative signed value is
 * undefined in C, and the sanitizer build checks it. */
uint32_t weir_pq_zigzag32(int32_t v)
{
    return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}

uint64_t weir_pq_zigzag64(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static void field_header(struct weir_pq_tw *w, int16_t id, int type)
{
    int16_t last = w->last[w->depth];
    if (id <= last) {
        w->bad = true;
        return;
    }
    int delta = id - last;
    if (delta <= 15) {
        weir_pq_buf_byte(w->buf, (uint8_t)((delta << 4) | type));
    } else {
        weir_pq_buf_byte(w->buf, (uint8_t)type);
        weir_pq_buf_uvarint(w->buf, weir_pq_zigzag32(id));
    }
    w->last[w->depth] = id;
}

static void push(struct weir_pq_tw *w)
{
    if (w->depth + 1 >= WEIR_PQ_TW_MAX_DEPTH) {
        w->bad = true;
        return;
    }
    w->depth++;
    w->last[w->depth] = 0;
}

void weir_pq_tw_field_i8(struct weir_pq_tw *w, int16_t id, int8_t v)
{
    field_header(w, id, WEIR_PQ_T_BYTE);
    weir_pq_buf_byte(w->buf, (uint8_t)v);
}

void weir_pq_tw_field_i16(struct weir_pq_tw *w, int16_t id, int16_t v)
{
    field_header(w, id, WEIR_PQ_T_I16);
    weir_pq_buf_uvarint(w->buf, weir_pq_zigzag32(v));
}

void weir_pq_tw_field_struct_raw(struct weir_pq_tw *w, int16_t id, const void *raw, size_t len)
{
    field_header(w, id, WEIR_PQ_T_STRUCT);
    weir_pq_buf_append(w->buf, raw, len);
}

void weir_pq_tw_field_i32(struct weir_pq_tw *w, int16_t id, int32_t v)
{
    field_header(w, id, WEIR_PQ_T_I32);
    weir_pq_buf_uvarint(w->buf, weir_pq_zigzag32(v));
}

void weir_pq_tw_field_i64(struct weir_pq_tw *w, int16_t id, int64_t v)
{
    field_header(w, id, WEIR_PQ_T_I64);
    weir_pq_buf_uvarint(w->buf, weir_pq_zigzag64(v));
}

void weir_pq_tw_field_bool(struct weir_pq_tw *w, int16_t id, bool v)
{
    /* A bool field carries its value in the type nibble and has no body. */
    field_header(w, id, v ? WEIR_PQ_T_TRUE : WEIR_PQ_T_FALSE);
}

void weir_pq_tw_field_binary(struct weir_pq_tw *w, int16_t id, const void *data, size_t len)
{
    field_header(w, id, WEIR_PQ_T_BINARY);
    weir_pq_tw_binary(w, data, len);
}

void weir_pq_tw_field_string(struct weir_pq_tw *w, int16_t id, const char *s)
{
    weir_pq_tw_field_binary(w, id, s, strlen(s));
}

void weir_pq_tw_struct_begin(struct weir_pq_tw *w, int16_t id)
{
    field_header(w, id, WEIR_PQ_T_STRUCT);
    push(w);
}

void weir_pq_tw_field_empty(struct weir_pq_tw *w, int16_t id)
{
    weir_pq_tw_struct_begin(w, id);
    weir_pq_tw_struct_end(w);
}

void weir_pq_tw_list_begin(struct weir_pq_tw *w, int16_t id, int elem, size_t n)
{
    field_header(w, id, WEIR_PQ_T_LIST);
    if (n > INT32_MAX) {
        w->bad = true;
        return;
    }
    if (n < 15) {
        weir_pq_buf_byte(w->buf, (uint8_t)((n << 4) | (size_t)elem));
    } else {
        weir_pq_buf_byte(w->buf, (uint8_t)(0xf0 | elem));
        weir_pq_buf_uvarint(w->buf, n);
    }
}

void weir_pq_tw_i32(struct weir_pq_tw *w, int32_t v)
{
    weir_pq_buf_uvarint(w->buf, weir_pq_zigzag32(v));
}

void weir_pq_tw_i64(struct weir_pq_tw *w, int64_t v)
{
    weir_pq_buf_uvarint(w->buf, weir_pq_zigzag64(v));
}

void weir_pq_tw_bool(struct weir_pq_tw *w, bool v)
{
    /* List elements: one byte, 1 true, 0 false (compact spec, "Boolean encoding"). */
    weir_pq_buf_byte(w->buf, v ? 1 : 0);
}

void weir_pq_tw_binary(struct weir_pq_tw *w, const void *data, size_t len)
{
    if (len > INT32_MAX) {
        w->bad = true;
        return;
    }
    weir_pq_buf_uvarint(w->buf, len);
    weir_pq_buf_append(w->buf, data, len);
}

void weir_pq_tw_elem_struct_begin(struct weir_pq_tw *w)
{
    push(w);
}

void weir_pq_tw_struct_end(struct weir_pq_tw *w)
{
    weir_pq_buf_byte(w->buf, 0);
    if (w->depth == 0) {
        w->last[0] = INT16_MAX; /* the top-level struct is closed */
        return;
    }
    w->depth--;
}
