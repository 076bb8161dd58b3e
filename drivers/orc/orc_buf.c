/* ORC writer: bounded growable buffer and varints. */
#include "orc_buf.h"

#include <stdlib.h>
#include <string.h>

void weir_orc_buf_init(struct orc_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void weir_orc_buf_free(struct orc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

int weir_orc_buf_reserve(struct orc_buf *b, size_t n, struct weir_error *err)
{
    size_t max = b->max != 0 ? b->max : ORC_BUF_DEFAULT_MAX;
    if (n > max || b->len > max - n) {
        return weir_error_set(err, WEIR_ENOMEM, "orc buffer would exceed its bound of %zu bytes",
                              max);
    }
    size_t need = b->len + n;
    if (need <= b->cap) {
        return WEIR_OK;
    }
    size_t cap = b->cap != 0 ? b->cap : 256;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory growing an orc buffer to %zu bytes",
                              cap);
    }
    b->data = p;
    b->cap = cap;
    return WEIR_OK;
}

int weir_orc_buf_append(struct orc_buf *b, const void *p, size_t n, struct weir_error *err)
{
    if (n == 0) {
        return WEIR_OK;
    }
    int rc = weir_orc_buf_reserve(b, n, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return WEIR_OK;
}

int weir_orc_buf_byte(struct orc_buf *b, uint8_t v, struct weir_error *err)
{
    if (b->len < b->cap) {
        b->data[b->len++] = v;
        return WEIR_OK;
    }
    return weir_orc_buf_append(b, &v, 1, err);
}

size_t weir_orc_varint_put(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

int weir_orc_buf_uvarint(struct orc_buf *b, uint64_t v, struct weir_error *err)
{
    uint8_t tmp[10];
    size_t n = weir_orc_varint_put(tmp, v);
    return weir_orc_buf_append(b, tmp, n, err);
}

int weir_orc_buf_svarint(struct orc_buf *b, int64_t v, struct weir_error *err)
{
    return weir_orc_buf_uvarint(b, orc_zigzag(v), err);
}
