/* Binary COPY parser; see pgcopy.h. */
#include "pgcopy.h"

#include <stdlib.h>
#include <string.h>

#include "pgnumeric.h"

/* "PGCOPY\n\377\r\n\0": the newline and CR catch text-mode mangling. */
static const uint8_t signature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0};

/* PostgreSQL counts days and microseconds from 2000-01-01; Arrow from 1970. */
#define PG_EPOCH_DAYS 10957
#define PG_EPOCH_US INT64_C(946684800000000)
/* A tuple larger than this cannot be held for completion (a field is <= 1 GiB). */
#define CARRY_MAX ((size_t)1 << 31)

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t rd64(const uint8_t *p)
{
    return ((uint64_t)rd32(p) << 32) | rd32(p + 4);
}

void weir_pgcopy_init(struct weir_pgcopy *p, struct weir_pgcol *cols, size_t n_cols,
                      int64_t max_rows, size_t max_bytes)
{
    memset(p, 0, sizeof(*p));
    p->cols = cols;
    p->n_cols = n_cols;
    p->max_rows = max_rows > 0 ? max_rows : 1;
    p->max_bytes = max_bytes > 0 ? max_bytes : 1;
}

void weir_pgcopy_reset(struct weir_pgcopy *p)
{
    free(p->carry);
    p->carry = NULL;
    p->carry_len = 0;
    p->carry_cap = 0;
}

bool weir_pgcopy_full(const struct weir_pgcopy *p, const struct weir_abatch *b)
{
    /* One row always fits, however wide, so a huge row still makes progress. */
    return b->length >= p->max_rows || (b->length > 0 && weir_abatch_bytes(b) >= p->max_bytes);
}

static int field_error(struct weir_pgcopy *p, size_t col, struct weir_error *err, const char *what)
{
    weir_error_set(err, WEIR_EDATA, "row %lld, column \"%s\": %s", (long long)(p->rows + 1),
                   p->cols[col].name ? p->cols[col].name : "?", what);
    return WEIR_EDATA;
}

static int size_error(struct weir_pgcopy *p, size_t col, size_t got, size_t want,
                      struct weir_error *err)
{
    field_error(p, col, err, "field has the wrong length for its type");
    return weir_error_detail(err, "binary COPY field of %zu bytes, expected %zu", got, want);
}

static int oom(struct weir_pgcopy *p, size_t col, struct weir_error *err)
{
    weir_error_set(err, WEIR_ENOMEM, "row %lld, column \"%s\": out of memory appending a value",
                   (long long)(p->rows + 1), p->cols[col].name ? p->cols[col].name : "?");
    return weir_error_hint(err, "lower batch_bytes or batch_rows");
}

static int decode_numeric(struct weir_pgcopy *p, size_t i, struct weir_acol *c, const uint8_t *v,
                          size_t n, struct weir_error *err)
{
    uint8_t dec[16];
    struct weir_pgcol *col = &p->cols[i];
    int r = weir_pgnumeric_to_decimal(v, n, col->precision, col->scale, dec);
    if (r != WEIR_PGNUM_OK) {
        char text[96], what[200];
        weir_pgnumeric_text(v, n, text, sizeof(text));
        snprintf(what, sizeof(what), "numeric value %s %s for decimal(%d,%d)", text,
                 weir_pgnumeric_reason(r), col->precision, col->scale);
        field_error(p, i, err, what);
        weir_error_detail(err,
                          "values are never rounded: decimal(%d,%d) keeps %d fractional "
                          "digits and %d integer digits",
                          col->precision, col->scale, col->scale, col->precision - col->scale);
        return weir_error_hint(err, "set the column's type in the job's types: to "
                                    "decimal(P,S) with room for the value, or to string");
    }
    return weir_acol_append_fixed(c, dec) == WEIR_OK ? WEIR_OK : oom(p, i, err);
}

static int decode_date(struct weir_pgcopy *p, size_t i, struct weir_acol *c, const uint8_t *v,
                       struct weir_error *err)
{
    int32_t d = (int32_t)rd32(v);
    int64_t days;
    if (d == INT32_MAX || d == INT32_MIN) { /* infinity / -infinity (DATEVAL_NOEND/NOBEGIN) */
        days = d == INT32_MAX ? WEIR_PG_DATE_MAX : WEIR_PG_DATE_MIN;
        p->cols[i].clamped++;
    } else {
        days = (int64_t)d + PG_EPOCH_DAYS;
        if (days > INT32_MAX) {
            return field_error(p, i, err, "date out of range for date32");
        }
    }
    int32_t out = (int32_t)days;
    return weir_acol_append_fixed(c, &out) == WEIR_OK ? WEIR_OK : oom(p, i, err);
}

static int decode_timestamp(struct weir_pgcopy *p, size_t i, struct weir_acol *c, const uint8_t *v,
                            struct weir_error *err)
{
    int64_t t = (int64_t)rd64(v), out;
    if (t == INT64_MAX || t == INT64_MIN) { /* infinity / -infinity (DT_NOEND/DT_NOBEGIN) */
        out = t == INT64_MAX ? WEIR_PG_TS_MAX : WEIR_PG_TS_MIN;
        p->cols[i].clamped++;
    } else if (__builtin_add_overflow(t, PG_EPOCH_US, &out)) {
        return field_error(p, i, err, "timestamp out of range for 64-bit microseconds since 1970");
    }
    return weir_acol_append_fixed(c, &out) == WEIR_OK ? WEIR_OK : oom(p, i, err);
}

static int decode_value(struct weir_pgcopy *p, size_t i, int dec, struct weir_acol *c,
                        const uint8_t *v, size_t n, struct weir_error *err);

/*
 * array_send (src/backend/utils/adt/arrayfuncs.c): int32 ndim, int32 has-null
 * flag, uint32 element oid, then per dimension int32 size and int32 lower
 * bound, then each element as int32 length (-1: NULL) and its send form.
 * ndim 0 is the empty array. More than one dimension is refused rather than
 * flattened; lower bounds other than 1 are not kept (the list holds the
 * elements in order).
 */
static int decode_array(struct weir_pgcopy *p, size_t i, struct weir_acol *c, const uint8_t *v,
                        size_t n, struct weir_error *err)
{
    if (n < 12) {
        return size_error(p, i, n, 12, err);
    }
    int32_t ndim = (int32_t)rd32(v);
    int64_t count = 0;
    size_t off = 12;
    if (ndim > 1) {
        char what[96];
        snprintf(what, sizeof(what),
                 "array with %d dimensions, only one-dimensional arrays "
                 "become lists",
                 (int)ndim);
        field_error(p, i, err, what);
        return weir_error_hint(err, "set the column's type to string in the job's types: to "
                                    "keep it as PostgreSQL text, or select one dimension");
    }
    if (ndim < 0 || (ndim == 1 && n < 20)) {
        return field_error(p, i, err, "malformed binary array header");
    }
    if (ndim == 1) {
        count = (int32_t)rd32(v + 12);
        off = 20;
    }
    if (count < 0) {
        return field_error(p, i, err, "malformed binary array header");
    }
    for (int64_t k = 0; k < count; k++) {
        if (n - off < 4) {
            return field_error(p, i, err, "binary array shorter than its element count");
        }
        int32_t el = (int32_t)rd32(v + off);
        off += 4;
        if (el == -1) {
            if (weir_acol_append_null(c->child) != WEIR_OK) {
                return oom(p, i, err);
            }
            continue;
        }
        if (el < 0 || (size_t)el > n - off) {
            return field_error(p, i, err, "binary array element overruns the field");
        }
        int rc = decode_value(p, i, p->cols[i].elem_dec, c->child, v + off, (size_t)el, err);
        if (rc != WEIR_OK) {
            return rc;
        }
        off += (size_t)el;
    }
    if (off != n) {
        return field_error(p, i, err, "binary array has bytes after its last element");
    }
    return weir_acol_list_close(c) == WEIR_OK ? WEIR_OK : oom(p, i, err);
}

/* Decodes one non-NULL value of n bytes at v, of decoder dec (column i's or
 * its elements'), into c. */
static int decode_value(struct weir_pgcopy *p, size_t i, int dec, struct weir_acol *c,
                        const uint8_t *v, size_t n, struct weir_error *err)
{
    static const size_t widths[] = {
        [WEIR_PGDEC_BOOL] = 1,      [WEIR_PGDEC_I16] = 2,   [WEIR_PGDEC_I32] = 4,
        [WEIR_PGDEC_I64] = 8,       [WEIR_PGDEC_OID] = 4,   [WEIR_PGDEC_F32] = 4,
        [WEIR_PGDEC_F64] = 8,       [WEIR_PGDEC_DATE] = 4,  [WEIR_PGDEC_TIME] = 8,
        [WEIR_PGDEC_TIMESTAMP] = 8, [WEIR_PGDEC_UUID] = 16,
    };
    if (dec > 0 && (size_t)dec < sizeof(widths) / sizeof(widths[0]) && widths[dec] != 0 &&
        n != widths[dec]) {
        return size_error(p, i, n, widths[dec], err);
    }
    int rc = WEIR_OK;
    switch (dec) {
    case WEIR_PGDEC_BOOL:
        rc = weir_acol_append_bool(c, v[0] != 0);
        break;
    case WEIR_PGDEC_I16: {
        int16_t x = (int16_t)rd16(v);
        rc = weir_acol_append_fixed(c, &x);
        break;
    }
    case WEIR_PGDEC_I32:
    case WEIR_PGDEC_F32: { /* float4 is the IEEE bit pattern, big-endian */
        uint32_t x = rd32(v);
        rc = weir_acol_append_fixed(c, &x);
        break;
    }
    case WEIR_PGDEC_I64:
    case WEIR_PGDEC_F64:
    case WEIR_PGDEC_TIME: { /* time: microseconds since midnight already */
        uint64_t x = rd64(v);
        rc = weir_acol_append_fixed(c, &x);
        break;
    }
    case WEIR_PGDEC_OID: {
        int64_t x = (int64_t)rd32(v);
        rc = weir_acol_append_fixed(c, &x);
        break;
    }
    case WEIR_PGDEC_NUMERIC:
        return decode_numeric(p, i, c, v, n, err);
    case WEIR_PGDEC_TEXT:
    case WEIR_PGDEC_BYTES:
        rc = weir_acol_append_var(c, v, n);
        break;
    case WEIR_PGDEC_JSONB:
        if (n < 1 || v[0] != 1) {
            field_error(p, i, err, "jsonb value with an unknown binary version");
            return weir_error_detail(err, "version byte %d, expected 1", n < 1 ? -1 : v[0]);
        }
        rc = weir_acol_append_var(c, v + 1, n - 1);
        break;
    case WEIR_PGDEC_DATE:
        return decode_date(p, i, c, v, err);
    case WEIR_PGDEC_TIMESTAMP:
        return decode_timestamp(p, i, c, v, err);
    case WEIR_PGDEC_UUID:
        rc = weir_acol_append_fixed(c, v);
        break;
    case WEIR_PGDEC_ARRAY:
        return decode_array(p, i, c, v, n, err);
    default:
        return weir_error_set(err, WEIR_EINTERNAL, "column \"%s\": no decoder %d",
                              p->cols[i].name ? p->cols[i].name : "?", dec);
    }
    return rc == WEIR_OK ? WEIR_OK : oom(p, i, err);
}

/* Returns 1 and the tuple's size when data holds a whole tuple (or the
 * trailer, *trailer set), 0 when more bytes are needed, or WEIR_EDATA. */
static int tuple_extent(struct weir_pgcopy *p, const uint8_t *d, size_t len, size_t *size,
                        bool *trailer, struct weir_error *err)
{
    *trailer = false;
    if (len < 2) {
        return 0;
    }
    int16_t nf = (int16_t)rd16(d);
    if (nf == -1) {
        *trailer = true;
        *size = 2;
        return 1;
    }
    if (nf < 0 || (size_t)nf != p->n_cols) {
        weir_error_set(err, WEIR_EDATA, "row %lld: binary COPY tuple has %d fields, expected %zu",
                       (long long)(p->rows + 1), nf, p->n_cols);
        return -1;
    }
    size_t off = 2;
    for (int16_t f = 0; f < nf; f++) {
        if (len - off < 4) {
            return 0;
        }
        int32_t fl = (int32_t)rd32(d + off);
        off += 4;
        if (fl == -1) {
            continue;
        }
        if (fl < 0) {
            field_error(p, (size_t)f, err, "negative field length in binary COPY tuple");
            return -1;
        }
        if ((size_t)fl > len - off) {
            return 0;
        }
        off += (size_t)fl;
    }
    *size = off;
    return 1;
}

static int parse_header(struct weir_pgcopy *p, const uint8_t *d, size_t len, size_t *used,
                        struct weir_error *err)
{
    size_t n = len < sizeof(signature) ? len : sizeof(signature);
    if (memcmp(d, signature, n) != 0) {
        weir_error_set(err, WEIR_EDATA, "not a binary COPY stream: bad signature");
        return weir_error_detail(err, "the first 11 bytes must be PGCOPY\\n\\377\\r\\n\\0");
    }
    if (len < 19) {
        return WEIR_OK; /* need more */
    }
    uint32_t flags = rd32(d + 11);
    uint32_t ext = rd32(d + 15);
    if (flags & (1u << 16)) {
        return weir_error_set(err, WEIR_EDATA, "binary COPY stream carries OIDs, not expected");
    }
    if (flags & 0xfffe0000u) {
        weir_error_set(err, WEIR_EDATA, "binary COPY stream has unknown critical flags");
        return weir_error_detail(err, "flags 0x%08x", flags);
    }
    if (ext > len - 19) {
        if (ext > CARRY_MAX) {
            return weir_error_set(err, WEIR_EDATA, "binary COPY header extension too long");
        }
        return WEIR_OK;
    }
    *used = 19 + ext;
    p->state = WEIR_PGCOPY_TUPLES;
    return WEIR_OK;
}

/* Decodes whole items from d[0..len); *used receives what was consumed. */
static int parse(struct weir_pgcopy *p, const uint8_t *d, size_t len, struct weir_abatch *b,
                 size_t *used, struct weir_error *err)
{
    size_t off = 0;
    *used = 0;
    if (p->state == WEIR_PGCOPY_HEADER) {
        if (len == 0) {
            return WEIR_OK;
        }
        size_t h = 0;
        if (parse_header(p, d, len, &h, err) != WEIR_OK) {
            return err->status;
        }
        if (h == 0) {
            return WEIR_OK;
        }
        off = h;
    }
    while (p->state == WEIR_PGCOPY_TUPLES && off < len && !weir_pgcopy_full(p, b)) {
        size_t size = 0;
        bool trailer;
        int r = tuple_extent(p, d + off, len - off, &size, &trailer, err);
        if (r < 0) {
            *used = off;
            return err->status;
        }
        if (r == 0) {
            break;
        }
        if (trailer) {
            p->state = WEIR_PGCOPY_DONE;
            off += size;
            break;
        }
        const uint8_t *t = d + off + 2;
        for (size_t i = 0; i < p->n_cols; i++) {
            int32_t fl = (int32_t)rd32(t);
            t += 4;
            struct weir_acol *c = &b->cols[i];
            if (fl == -1) {
                if (weir_acol_append_null(c) != WEIR_OK) {
                    *used = off;
                    return oom(p, i, err);
                }
                continue;
            }
            if (decode_value(p, i, p->cols[i].dec, c, t, (size_t)fl, err) != WEIR_OK) {
                *used = off;
                return err->status;
            }
            t += fl;
        }
        b->length++;
        p->rows++;
        off += size;
    }
    *used = off;
    if (p->state == WEIR_PGCOPY_DONE && off < len) {
        weir_error_set(err, WEIR_EDATA, "binary COPY stream has bytes after its end marker");
        return weir_error_detail(err, "%zu extra bytes after row %lld", len - off,
                                 (long long)p->rows);
    }
    return WEIR_OK;
}

static int carry_append(struct weir_pgcopy *p, const uint8_t *d, size_t len, struct weir_error *err)
{
    if (len == 0) {
        return WEIR_OK;
    }
    if (p->carry_len + len > CARRY_MAX) {
        weir_error_set(err, WEIR_ENOMEM, "row %lld: binary COPY tuple larger than 2 GiB",
                       (long long)(p->rows + 1));
        return WEIR_ENOMEM;
    }
    if (p->carry_len + len > p->carry_cap) {
        size_t cap = p->carry_cap ? p->carry_cap : 4096;
        while (cap < p->carry_len + len) {
            cap *= 2;
        }
        uint8_t *n = realloc(p->carry, cap);
        if (n == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory holding a split COPY row");
        }
        p->carry = n;
        p->carry_cap = cap;
    }
    memcpy(p->carry + p->carry_len, d, len);
    p->carry_len += len;
    return WEIR_OK;
}

int weir_pgcopy_feed(struct weir_pgcopy *p, const uint8_t *data, size_t len, struct weir_abatch *b,
                     size_t *used, struct weir_error *err)
{
    size_t u = 0;
    *used = 0;
    if (p->carry_len > 0) {
        /* Completing a split item: everything goes through the carry until
         * it drains. Rare on a live connection (one CopyData per tuple). */
        if (carry_append(p, data, len, err) != WEIR_OK) {
            return err->status;
        }
        *used = len;
        int rc = parse(p, p->carry, p->carry_len, b, &u, err);
        memmove(p->carry, p->carry + u, p->carry_len - u);
        p->carry_len -= u;
        return rc;
    }
    if (len == 0) {
        return WEIR_OK;
    }
    if (parse(p, data, len, b, &u, err) != WEIR_OK) {
        *used = u;
        return err->status;
    }
    *used = u;
    if (u < len && p->state != WEIR_PGCOPY_DONE && !weir_pgcopy_full(p, b)) {
        if (carry_append(p, data + u, len - u, err) != WEIR_OK) {
            return err->status;
        }
        *used = len;
    }
    return WEIR_OK;
}

int weir_pgcopy_finish(const struct weir_pgcopy *p, struct weir_error *err)
{
    if (p->state == WEIR_PGCOPY_DONE && p->carry_len == 0) {
        return WEIR_OK;
    }
    if (p->state == WEIR_PGCOPY_HEADER) {
        weir_error_set(err, WEIR_EDATA, "truncated binary COPY stream: incomplete header");
    } else {
        weir_error_set(err, WEIR_EDATA, "truncated binary COPY stream after row %lld",
                       (long long)p->rows);
    }
    return weir_error_detail(err, "%zu bytes of an incomplete %s, no end marker", p->carry_len,
                             p->state == WEIR_PGCOPY_HEADER ? "header" : "row");
}
