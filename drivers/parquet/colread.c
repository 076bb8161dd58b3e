/* Block reading of column values; see colread.h. */
#include "parquet/colread.h"

#include <string.h>

#include "parquet/dict.h"
#include "parquet/types.h"
#include "util/arrow.h"

/*
 * Reads value j (buffer index, offsets applied) as its Parquet PLAIN bytes.
 * tmp holds fixed-size conversions; *v points at tmp or into the array.
 */
static int read_value(struct weir_pq_column *c, const struct ArrowArray *a, int64_t j,
                      uint8_t *tmp, const uint8_t **v, size_t *len, struct weir_error *err)
{
    const void *b = a->buffers[1];
    int32_t i32;
    int64_t i64;
    *v = tmp;
    switch (c->type.src) {
    case WEIR_PQ_SRC_BOOL:
        tmp[0] = weir_arrow_bit(b, j) ? 1 : 0;
        *len = 1;
        return WEIR_OK;
    case WEIR_PQ_SRC_I8:
        i32 = ((const int8_t *)b)[j];
        break;
    case WEIR_PQ_SRC_I16:
        i32 = ((const int16_t *)b)[j];
        break;
    case WEIR_PQ_SRC_I32:
        memcpy(&i32, (const uint8_t *)b + 4 * j, 4);
        break;
    case WEIR_PQ_SRC_U8:
        i32 = ((const uint8_t *)b)[j];
        break;
    case WEIR_PQ_SRC_U16:
        i32 = ((const uint16_t *)b)[j];
        break;
    case WEIR_PQ_SRC_U32: /* stored as the same 32 bits; UINT_32 readers reinterpret */
    case WEIR_PQ_SRC_F32:
        memcpy(tmp, (const uint8_t *)b + 4 * j, 4);
        *len = 4;
        return WEIR_OK;
    case WEIR_PQ_SRC_I64:
    case WEIR_PQ_SRC_F64:
        memcpy(tmp, (const uint8_t *)b + 8 * j, 8);
        *len = 8;
        return WEIR_OK;
    case WEIR_PQ_SRC_I64_TO_MS:
        memcpy(&i64, (const uint8_t *)b + 8 * j, 8);
        /* Floor division: -1 µs is 1969-12-31 23:59:59.999, i.e. -1 ms. */
        i64 = i64 / 1000 - (i64 % 1000 < 0 ? 1 : 0);
        memcpy(tmp, &i64, 8);
        *len = 8;
        return WEIR_OK;
    case WEIR_PQ_SRC_DEC_I32:
    case WEIR_PQ_SRC_DEC_I64:
        if (!weir_pq_decimal_to_i64((const uint8_t *)b + 16 * j, &i64) ||
            (c->type.src == WEIR_PQ_SRC_DEC_I32 && (i64 < INT32_MIN || i64 > INT32_MAX))) {
            goto overflow;
        }
        if (c->type.src == WEIR_PQ_SRC_DEC_I64) {
            memcpy(tmp, &i64, 8);
            *len = 8;
            return WEIR_OK;
        }
        i32 = (int32_t)i64;
        break;
    case WEIR_PQ_SRC_DEC_FLBA:
        if (!weir_pq_decimal_to_be((const uint8_t *)b + 16 * j, c->type.type_length, tmp)) {
            goto overflow;
        }
        *len = (size_t)c->type.type_length;
        return WEIR_OK;
    case WEIR_PQ_SRC_VAR: {
        int32_t o0, o1;
        memcpy(&o0, (const uint8_t *)b + 4 * j, 4);
        memcpy(&o1, (const uint8_t *)b + 4 * (j + 1), 4);
        if (o1 < o0 || o0 < 0) {
            return weir_error_set(err, WEIR_EDATA, "column \"%s\": bad arrow offsets at row %lld",
                                  c->name, (long long)j);
        }
        *v = (const uint8_t *)a->buffers[2] + o0;
        *len = (size_t)(o1 - o0);
        return WEIR_OK;
    }
    case WEIR_PQ_SRC_FIXED:
        *v = (const uint8_t *)b + (size_t)j * (size_t)c->type.type_length;
        *len = (size_t)c->type.type_length;
        return WEIR_OK;
    case WEIR_PQ_SRC_U32_TO_I64: {
        uint32_t u32;
        memcpy(&u32, (const uint8_t *)b + 4 * j, 4);
        i64 = (int64_t)u32;
        memcpy(tmp, &i64, 8);
        *len = 8;
        return WEIR_OK;
    }
    case WEIR_PQ_SRC_UUID_TEXT:
        weir_pq_uuid_text((const uint8_t *)b + 16 * j, tmp);
        *len = 36;
        return WEIR_OK;
    default:
        return weir_error_set(err, WEIR_EINTERNAL, "column \"%s\": no reader for its type",
                              c->name);
    }
    memcpy(tmp, &i32, 4);
    *len = 4;
    return WEIR_OK;

overflow:
    weir_error_set(err, WEIR_EDATA, "column \"%s\": decimal value does not fit precision %d",
                   c->name, c->type.precision);
    return weir_error_detail(err, "arrow row %lld", (long long)j);
}

static bool any_nulls(const struct ArrowArray *a)
{
    return a->buffers[0] != NULL && a->null_count != 0;
}

/* Rows pr0.. of the parent (child rows i0.., before the child's offset). */
int weir_pq_colread_block(struct weir_pq_column *c, const struct ArrowArray *a,
                          const struct ArrowArray *parent, int64_t pr0, int64_t i0, int n,
                          struct weir_pq_vblock *b, struct weir_error *err)
{
    b->no_nulls = false;
    if ((parent != NULL && any_nulls(parent)) || any_nulls(a)) {
        for (int k = 0; k < n; k++) {
            b->null[k] = (parent != NULL && weir_arrow_is_null(parent, pr0 + k)) ||
                         weir_arrow_is_null(a, i0 + k);
        }
    } else {
        memset(b->null, 0, (size_t)n);
        b->no_nulls = true;
    }
    const uint8_t *buf = a->buffers[1];
    int64_t j0 = i0 + a->offset;
    switch (c->type.src) {
    case WEIR_PQ_SRC_I32:
    case WEIR_PQ_SRC_U32:
    case WEIR_PQ_SRC_F32:
        for (int k = 0; k < n; k++) {
            b->v[k] = buf + 4 * (j0 + k);
            b->len[k] = 4;
        }
        break;
    case WEIR_PQ_SRC_I64:
    case WEIR_PQ_SRC_F64:
        for (int k = 0; k < n; k++) {
            b->v[k] = buf + 8 * (j0 + k);
            b->len[k] = 8;
        }
        break;
    case WEIR_PQ_SRC_VAR: {
        const uint8_t *data = a->buffers[2];
        for (int k = 0; k < n; k++) {
            if (b->null[k]) {
                continue;
            }
            int32_t o0, o1;
            memcpy(&o0, buf + 4 * (j0 + k), 4);
            memcpy(&o1, buf + 4 * (j0 + k + 1), 4);
            if (o1 < o0 || o0 < 0) {
                return weir_error_set(err, WEIR_EDATA,
                                      "column \"%s\": bad arrow offsets at row %lld", c->name,
                                      (long long)(j0 + k));
            }
            b->v[k] = data + o0;
            b->len[k] = (uint32_t)(o1 - o0);
        }
        break;
    }
    case WEIR_PQ_SRC_DEC_I64:
        /* read_value's conversion, inlined: the low 8 bytes, when the high 8
         * are their sign extension. */
        for (int k = 0; k < n; k++) {
            const uint8_t *p = buf + 16 * (j0 + k);
            int64_t lo, hi;
            memcpy(&lo, p, 8);
            memcpy(&hi, p + 8, 8);
            if (!b->null[k] && hi != (lo >> 63)) {
                return read_value(c, a, j0 + k, b->tmp[k], &b->v[k], &(size_t){0}, err);
            }
            memcpy(b->tmp[k], &lo, 8);
            b->v[k] = b->tmp[k];
            b->len[k] = 8;
        }
        break;
    default:
        for (int k = 0; k < n; k++) {
            if (b->null[k]) {
                continue;
            }
            size_t len = 0;
            int rc = read_value(c, a, j0 + k, b->tmp[k], &b->v[k], &len, err);
            if (rc != WEIR_OK) {
                return rc;
            }
            b->len[k] = (uint32_t)len;
        }
        break;
    }
    if (c->dict_on) {
        for (int k = 0; k < n; k++) {
            if (!b->null[k]) {
                b->hash[k] = weir_pq_dict_hash(&c->dict, b->v[k], b->len[k]);
                weir_pq_dict_prefetch(&c->dict, b->hash[k]);
            }
        }
    }
    return WEIR_OK;
}

