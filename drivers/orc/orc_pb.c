/* ORC writer: protobuf wire-format encoder (sticky error). */
#include "orc_pb.h"

#include <string.h>

enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2 };

void weir_orc_pb_init(struct orc_pb *pb, struct weir_error *err)
{
    weir_orc_buf_init(&pb->buf, 0);
    pb->rc = WEIR_OK;
    pb->err = err;
}

void weir_orc_pb_free(struct orc_pb *pb)
{
    weir_orc_buf_free(&pb->buf);
}

static void put_varint(struct orc_pb *pb, uint64_t v)
{
    if (pb->rc == WEIR_OK) {
        pb->rc = weir_orc_buf_uvarint(&pb->buf, v, pb->err);
    }
}

static void put_tag(struct orc_pb *pb, uint32_t field, int wire)
{
    put_varint(pb, ((uint64_t)field << 3) | (uint64_t)wire);
}

void weir_orc_pb_uint(struct orc_pb *pb, uint32_t field, uint64_t v)
{
    put_tag(pb, field, WIRE_VARINT);
    put_varint(pb, v);
}

void weir_orc_pb_sint(struct orc_pb *pb, uint32_t field, int64_t v)
{
    put_tag(pb, field, WIRE_VARINT);
    put_varint(pb, orc_zigzag(v));
}

void weir_orc_pb_double(struct orc_pb *pb, uint32_t field, double v)
{
    uint64_t bits;
    uint8_t le[8];
    memcpy(&bits, &v, sizeof(bits));
    for (int i = 0; i < 8; i++) {
        le[i] = (uint8_t)(bits >> (8 * i));
    }
    put_tag(pb, field, WIRE_I64);
    if (pb->rc == WEIR_OK) {
        pb->rc = weir_orc_buf_append(&pb->buf, le, sizeof(le), pb->err);
    }
}

void weir_orc_pb_bytes(struct orc_pb *pb, uint32_t field, const void *p, size_t n)
{
    put_tag(pb, field, WIRE_LEN);
    put_varint(pb, n);
    if (pb->rc == WEIR_OK) {
        pb->rc = weir_orc_buf_append(&pb->buf, p, n, pb->err);
    }
}

void weir_orc_pb_string(struct orc_pb *pb, uint32_t field, const char *s)
{
    weir_orc_pb_bytes(pb, field, s, strlen(s));
}

void weir_orc_pb_packed(struct orc_pb *pb, uint32_t field, const uint64_t *v, size_t n)
{
    uint8_t tmp[10];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += weir_orc_varint_put(tmp, v[i]);
    }
    put_tag(pb, field, WIRE_LEN);
    put_varint(pb, len);
    for (size_t i = 0; i < n; i++) {
        put_varint(pb, v[i]);
    }
}

void weir_orc_pb_message(struct orc_pb *pb, uint32_t field, struct orc_pb *child)
{
    if (pb->rc == WEIR_OK && child->rc != WEIR_OK) {
        pb->rc = child->rc;
    }
    weir_orc_pb_bytes(pb, field, child->buf.data, child->buf.len);
    weir_orc_pb_free(child);
}
