/* Owned batch copies for the encoder thread; see batch.h. */
#include "parquet/batch.h"

#include <stdlib.h>
#include <string.h>

void weir_pq_batch_free(struct weir_pq_batch *b)
{
    for (size_t i = 0; i < b->n_cols && b->cols != NULL; i++) {
        weir_pq_buf_reset(&b->cols[i].validity);
        weir_pq_buf_reset(&b->cols[i].values);
        weir_pq_buf_reset(&b->cols[i].data);
    }
    free(b->cols);
    free(b->arrays);
    memset(b, 0, sizeof(*b));
}

/* Nothing to release: the storage belongs to the weir_pq_batch. */
static void no_release(struct ArrowArray *a)
{
    (void)a;
}

/* Bits [s, s + n) of src into dst from bit 0, whole bytes. `op_and` ANDs
 * them into dst instead. Reads no byte of src past bit s + n - 1. */
static void copy_bits(uint8_t *dst, const uint8_t *src, int64_t s, int64_t n, bool op_and)
{
    const uint8_t *p = src + (s >> 3);
    unsigned sh = (unsigned)(s & 7);
    int64_t nbytes = (n + 7) / 8;
    int64_t avail = ((int64_t)sh + n + 7) / 8;
    for (int64_t k = 0; k < nbytes; k++) {
        unsigned v = p[k];
        if (sh != 0) {
            v >>= sh;
            if (k + 1 < avail) {
                v |= (unsigned)p[k + 1] << (8 - sh);
            }
        }
        dst[k] = op_and ? (uint8_t)(dst[k] & v) : (uint8_t)v;
    }
}

static int64_t count_set(const uint8_t *v, int64_t n)
{
    int64_t c = 0, k = 0;
    for (; k + 8 <= n; k += 8) {
        c += __builtin_popcount(v[k >> 3]);
    }
    for (; k < n; k++) {
        c += (v[k >> 3] >> (k & 7)) & 1;
    }
    return c;
}

/* Width in the Arrow values buffer; 0 for bits, -1 for offsets + data. */
static int arrow_width(const struct weir_pq_coltype *t)
{
    switch (t->src) {
    case WEIR_PQ_SRC_BOOL:
        return 0;
    case WEIR_PQ_SRC_I8:
    case WEIR_PQ_SRC_U8:
        return 1;
    case WEIR_PQ_SRC_I16:
    case WEIR_PQ_SRC_U16:
        return 2;
    case WEIR_PQ_SRC_I32:
    case WEIR_PQ_SRC_U32:
    case WEIR_PQ_SRC_U32_TO_I64:
    case WEIR_PQ_SRC_F32:
        return 4;
    case WEIR_PQ_SRC_I64:
    case WEIR_PQ_SRC_I64_TO_MS:
    case WEIR_PQ_SRC_F64:
        return 8;
    case WEIR_PQ_SRC_DEC_I32:
    case WEIR_PQ_SRC_DEC_I64:
    case WEIR_PQ_SRC_DEC_FLBA:
    case WEIR_PQ_SRC_UUID_TEXT:
        return 16;
    case WEIR_PQ_SRC_FIXED:
        return t->type_length;
    default:
        return -1;
    }
}

static bool has_nulls(const struct ArrowArray *a)
{
    return a->n_buffers > 0 && a->buffers != NULL && a->buffers[0] != NULL && a->null_count != 0;
}

static int copy_column(struct weir_pq_batch_col *bc, const struct ArrowArray *top,
                       const struct ArrowArray *a, const struct weir_pq_column *col,
                       struct weir_error *err)
{
    int64_t n = top->length;
    int64_t j0 = a->offset + top->offset; /* first row in the child's buffers */
    size_t nbytes = (size_t)(n + 7) / 8;
    weir_pq_buf_clear(&bc->validity);
    weir_pq_buf_clear(&bc->values);
    weir_pq_buf_clear(&bc->data);
    memset(&bc->arr, 0, sizeof(bc->arr));
    bc->bufs[0] = bc->bufs[1] = bc->bufs[2] = NULL;
    bool pn = has_nulls(top), cn = has_nulls(a);
    int64_t nulls = 0;
    if ((pn || cn) && n > 0) {
        if (!weir_pq_buf_reserve(&bc->validity, nbytes)) {
            goto nomem;
        }
        uint8_t *v = bc->validity.data;
        if (cn) {
            copy_bits(v, a->buffers[0], j0, n, false);
        } else {
            memset(v, 0xff, nbytes);
        }
        if (pn) {
            copy_bits(v, top->buffers[0], top->offset, n, true);
        }
        bc->validity.len = nbytes;
        nulls = n - count_set(v, n);
        bc->bufs[0] = nulls != 0 ? v : NULL;
    }
    int wd = arrow_width(&col->type);
    const uint8_t *src = a->buffers[1];
    if (wd == 0) {
        if (n > 0) {
            if (!weir_pq_buf_reserve(&bc->values, nbytes)) {
                goto nomem;
            }
            copy_bits(bc->values.data, src, j0, n, false);
            bc->values.len = nbytes;
        }
    } else if (wd > 0) {
        weir_pq_buf_append(&bc->values, src + (size_t)j0 * (size_t)wd, (size_t)n * (size_t)wd);
    } else {
        if (!weir_pq_buf_reserve(&bc->values, (size_t)(n + 1) * 4)) {
            goto nomem;
        }
        int32_t *o = (int32_t *)(void *)bc->values.data;
        int32_t base = 0, prev = 0;
        for (int64_t k = 0; k <= n; k++) {
            int32_t x;
            memcpy(&x, src + 4 * (j0 + k), 4);
            /* The encoder's own check (column.c), done here since the
             * copy would otherwise read outside the data buffer. */
            if (k == 0 ? x < 0 : x < prev) {
                return weir_error_set(err, WEIR_EDATA,
                                      "column \"%s\": bad arrow offsets at row %lld", col->name,
                                      (long long)(j0 + (k > 0 ? k - 1 : 0)));
            }
            if (k == 0) {
                base = x;
            }
            prev = x;
            o[k] = x - base;
        }
        bc->values.len = (size_t)(n + 1) * 4;
        if (n > 0 || prev > base) {
            weir_pq_buf_append(&bc->data, (const uint8_t *)a->buffers[2] + base,
                               (size_t)(prev - base));
        }
        weir_pq_buf_reserve(&bc->data, 1); /* a non-NULL buffer even when empty */
        bc->bufs[2] = bc->data.data;
    }
    weir_pq_buf_reserve(&bc->values, 1);
    if (bc->values.failed || bc->data.failed) {
        goto nomem;
    }
    bc->bufs[1] = bc->values.data;
    bc->arr.length = n;
    bc->arr.null_count = nulls;
    bc->arr.offset = 0;
    bc->arr.n_buffers = wd < 0 ? 3 : 2;
    bc->arr.buffers = bc->bufs;
    bc->arr.release = no_release;
    return WEIR_OK;

nomem:
    return weir_error_set(err, WEIR_ENOMEM, "column \"%s\": out of memory copying a batch",
                          col->name);
}

int weir_pq_batch_copy(struct weir_pq_batch *b, const struct ArrowArray *top,
                       const struct weir_pq_column *cols, size_t n_cols, struct weir_error *err)
{
    if (b->cols == NULL || b->n_cols != n_cols) {
        weir_pq_batch_free(b);
        b->cols = calloc(n_cols > 0 ? n_cols : 1, sizeof(*b->cols));
        b->arrays = calloc(n_cols > 0 ? n_cols : 1, sizeof(*b->arrays));
        if (b->cols == NULL || b->arrays == NULL) {
            weir_pq_batch_free(b);
            return weir_error_set(err, WEIR_ENOMEM, "out of memory copying a batch");
        }
        b->n_cols = n_cols;
        for (size_t i = 0; i < n_cols; i++) {
            weir_pq_buf_init(&b->cols[i].validity, 0);
            weir_pq_buf_init(&b->cols[i].values, 0);
            weir_pq_buf_init(&b->cols[i].data, 0);
            b->arrays[i] = &b->cols[i].arr;
        }
    }
    b->length = top->length;
    b->bytes = 0;
    for (size_t i = 0; i < n_cols; i++) {
        int rc = copy_column(&b->cols[i], top, top->children[i], &cols[i], err);
        if (rc != WEIR_OK) {
            return rc;
        }
        b->bytes += b->cols[i].validity.len + b->cols[i].values.len + b->cols[i].data.len;
    }
    return WEIR_OK;
}
