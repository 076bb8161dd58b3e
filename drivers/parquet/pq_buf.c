/* Bounded growable byte buffer; see pq_buf.h. */
#include "parquet/pq_buf.h"

#include <stdlib.h>
#include <string.h>

void weir_pq_buf_init(struct weir_pq_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max != 0 ? max : SIZE_MAX / 2;
}

void weir_pq_buf_reset(struct weir_pq_buf *b)
{
    size_t max = b->max;
    free(b->data);
    weir_pq_buf_init(b, max);
}

void weir_pq_buf_fit(struct weir_pq_buf *b)
{
    if (b->len == 0) {
        weir_pq_buf_reset(b);
        return;
    }
    if (b->len < b->cap) {
        uint8_t *p = realloc(b->data, b->len);
        if (p != NULL) {
            b->data = p;
            b->cap = b->len;
        }
    }
}

void weir_pq_buf_clear(struct weir_pq_buf *b)
{
    b->len = 0;
    b->failed = false;
}

bool weir_pq_buf_reserve(struct weir_pq_buf *b, size_t extra)
{
    if (b->failed) {
        return false;
    }
    if (extra > b->max - b->len) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra;
    if (need <= b->cap) {
        return true;
    }
    size_t cap = b->cap != 0 ? b->cap : 256;
    while (cap < need) {
        cap = cap > SIZE_MAX / 4 ? need : cap * 2;
    }
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void weir_pq_buf_append(struct weir_pq_buf *b, const void *data, size_t len)
{
    if (len == 0 || !weir_pq_buf_reserve(b, len)) {
        return;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

void weir_pq_buf_byte(struct weir_pq_buf *b, uint8_t v)
{
    if (b->len < b->cap && !b->failed && b->len < b->max) {
        b->data[b->len++] = v;
        return;
    }
    weir_pq_buf_append(b, &v, 1);
}

void weir_pq_buf_u32le(struct weir_pq_buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    weir_pq_buf_append(b, p, 4);
}

void weir_pq_buf_u64le(struct weir_pq_buf *b, uint64_t v)
{
    uint8_t p[8];
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
    weir_pq_buf_append(b, p, 8);
}

void weir_pq_buf_uvarint(struct weir_pq_buf *b, uint64_t v)
{
    uint8_t p[10];
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    weir_pq_buf_append(b, p, n);
}
