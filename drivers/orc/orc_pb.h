/*
 * ORC writer: a small protobuf (proto2 wire format) encoder for the ORC
 * metadata messages (PostScript, Footer, Metadata, StripeFooter, RowIndex).
 *
 * A struct orc_pb owns its buffer and keeps the first error (sticky), so a
 * message is written as a sequence of calls followed by one check of `rc`.
 * Field numbers come from the ORC v1 specification's orc_proto.proto.
 */
#ifndef WEIR_ORC_PB_H
#define WEIR_ORC_PB_H

#include <stddef.h>
#include <stdint.h>

#include "orc_buf.h"

struct orc_pb {
    struct orc_buf buf; /* owned */
    int rc;             /* first failure, or WEIR_OK */
    struct weir_error *err;
};

void weir_orc_pb_init(struct orc_pb *pb, struct weir_error *err);
void weir_orc_pb_free(struct orc_pb *pb);
/* varint field (wire type 0): uint32/uint64/enum/bool */
void weir_orc_pb_uint(struct orc_pb *pb, uint32_t field, uint64_t v);
/* sint32/sint64 field (zigzag) */
void weir_orc_pb_sint(struct orc_pb *pb, uint32_t field, int64_t v);
/* double field (wire type 1, little endian) */
void weir_orc_pb_double(struct orc_pb *pb, uint32_t field, double v);
/* bytes/string field (wire type 2) */
void weir_orc_pb_bytes(struct orc_pb *pb, uint32_t field, const void *p, size_t n);
void weir_orc_pb_string(struct orc_pb *pb, uint32_t field, const char *s);
/* packed repeated varints */
void weir_orc_pb_packed(struct orc_pb *pb, uint32_t field, const uint64_t *v, size_t n);
/* Appends `child` as an embedded message field and frees it (moved). A
 * failure in the child becomes the parent's failure. */
void weir_orc_pb_message(struct orc_pb *pb, uint32_t field, struct orc_pb *child);

#endif
