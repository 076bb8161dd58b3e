/* ORC writer: column statistics. */
#include "orc_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void weir_orc_stats_init(struct orc_stats *s, int kind, int scale)
{
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->scale = scale;
    s->sum_ok = true;
}

void weir_orc_stats_free(struct orc_stats *s)
{
    free(s->smin);
    free(s->smax);
    s->smin = NULL;
    s->smax = NULL;
}

void weir_orc_stats_reset(struct orc_stats *s)
{
    int kind = s->kind, scale = s->scale;
    weir_orc_stats_free(s);
    weir_orc_stats_init(s, kind, scale);
}

void weir_orc_stats_null(struct orc_stats *s)
{
    s->has_null = true;
}

void weir_orc_stats_value(struct orc_stats *s)
{
    s->count++;
}

void weir_orc_stats_int(struct orc_stats *s, int64_t v)
{
    s->count++;
    if (!s->has_minmax) {
        s->has_minmax = true;
        s->imin = s->imax = v;
    } else if (v < s->imin) {
        s->imin = v;
    } else if (v > s->imax) {
        s->imax = v;
    }
    if (s->sum_ok && __builtin_add_overflow(s->isum, v, &s->isum)) {
        s->sum_ok = false;
    }
}

void weir_orc_stats_double(struct orc_stats *s, double v)
{
    s->count++;
    s->dsum += v;
    if (isnan(v)) {
        return;
    }
    if (!s->has_minmax) {
        s->has_minmax = true;
        s->dmin = s->dmax = v;
    } else if (v < s->dmin) {
        s->dmin = v;
    } else if (v > s->dmax) {
        s->dmax = v;
    }
}

void weir_orc_stats_bool(struct orc_stats *s, bool v)
{
    s->count++;
    s->truecount += v ? 1 : 0;
}

static const __int128 DEC_LIMIT = (__int128)10000000000000000000ull * (__int128)10000000000000000000ull;

static void decimal_add(struct orc_stats *s, __int128 v)
{
    /* Past 38 digits the sum has no decimal(38) form: it is left out. */
    if (s->sum_ok && (__builtin_add_overflow(s->xsum, v, &s->xsum) || s->xsum >= DEC_LIMIT ||
                      s->xsum <= -DEC_LIMIT)) {
        s->sum_ok = false;
    }
}

void weir_orc_stats_decimal(struct orc_stats *s, __int128 v)
{
    s->count++;
    if (!s->has_minmax) {
        s->has_minmax = true;
        s->xmin = s->xmax = v;
    } else if (v < s->xmin) {
        s->xmin = v;
    } else if (v > s->xmax) {
        s->xmax = v;
    }
    decimal_add(s, v);
}

void weir_orc_stats_binary(struct orc_stats *s, size_t len)
{
    s->count++;
    s->ssum += (int64_t)len;
}

static int bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n > 0 ? memcmp(a, b, n) : 0;
    if (c != 0) {
        return c;
    }
    return an < bn ? -1 : (an > bn ? 1 : 0);
}

static int copy_bytes(uint8_t **dst, size_t *dlen, const uint8_t *p, size_t n,
                      struct weir_error *err)
{
    uint8_t *c = malloc(n > 0 ? n : 1);
    if (c == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "orc: out of memory for string statistics");
    }
    if (n > 0) {
        memcpy(c, p, n);
    }
    free(*dst);
    *dst = c;
    *dlen = n;
    return WEIR_OK;
}

static int string_minmax(struct orc_stats *s, const uint8_t *p, size_t len,
                         const uint8_t *q, size_t qlen, struct weir_error *err)
{
    int rc = WEIR_OK;
    if (!s->has_minmax) {
        rc = copy_bytes(&s->smin, &s->sminlen, p, len, err);
        if (rc == WEIR_OK) {
            rc = copy_bytes(&s->smax, &s->smaxlen, q, qlen, err);
        }
        s->has_minmax = rc == WEIR_OK;
        return rc;
    }
    if (bytes_cmp(p, len, s->smin, s->sminlen) < 0) {
        rc = copy_bytes(&s->smin, &s->sminlen, p, len, err);
    }
    if (rc == WEIR_OK && bytes_cmp(q, qlen, s->smax, s->smaxlen) > 0) {
        rc = copy_bytes(&s->smax, &s->smaxlen, q, qlen, err);
    }
    return rc;
}

int weir_orc_stats_string(struct orc_stats *s, const uint8_t *p, size_t len,
                          struct weir_error *err)
{
    s->count++;
    s->ssum += (int64_t)len;
    return string_minmax(s, p, len, p, len, err);
}

int weir_orc_stats_merge(struct orc_stats *dst, const struct orc_stats *src,
                         struct weir_error *err)
{
    dst->count += src->count;
    dst->has_null = dst->has_null || src->has_null;
    dst->truecount += src->truecount;
    dst->ssum += src->ssum;
    if (src->kind == ORC_ST_DOUBLE) {
        dst->dsum += src->dsum;
    }
    if (!src->sum_ok) {
        dst->sum_ok = false;
    } else if (src->kind == ORC_ST_INT && dst->sum_ok &&
               __builtin_add_overflow(dst->isum, src->isum, &dst->isum)) {
        dst->sum_ok = false;
    } else if (src->kind == ORC_ST_DECIMAL) {
        decimal_add(dst, src->xsum);
    }
    if (!src->has_minmax) {
        return WEIR_OK;
    }
    switch (src->kind) {
    case ORC_ST_STRING:
        return string_minmax(dst, src->smin, src->sminlen, src->smax, src->smaxlen, err);
    case ORC_ST_DOUBLE:
        dst->dmin = !dst->has_minmax || src->dmin < dst->dmin ? src->dmin : dst->dmin;
        dst->dmax = !dst->has_minmax || src->dmax > dst->dmax ? src->dmax : dst->dmax;
        break;
    case ORC_ST_DECIMAL:
        dst->xmin = !dst->has_minmax || src->xmin < dst->xmin ? src->xmin : dst->xmin;
        dst->xmax = !dst->has_minmax || src->xmax > dst->xmax ? src->xmax : dst->xmax;
        break;
    default:
        dst->imin = !dst->has_minmax || src->imin < dst->imin ? src->imin : dst->imin;
        dst->imax = !dst->has_minmax || src->imax > dst->imax ? src->imax : dst->imax;
        break;
    }
    dst->has_minmax = true;
    return WEIR_OK;
}

size_t weir_orc_decimal_format(__int128 v, int scale, char *buf, size_t cap)
{
    char digits[48];
    int nd = 0;
    unsigned __int128 m = v < 0 ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
    do {
        digits[nd++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m != 0);
    while (nd <= scale) {
        digits[nd++] = '0';
    }
    size_t n = 0;
    if (v < 0 && n + 1 < cap) {
        buf[n++] = '-';
    }
    for (int i = nd - 1; i >= 0 && n + 1 < cap; i--) {
        buf[n++] = digits[i];
        if (i == scale && scale > 0 && n + 1 < cap) {
            buf[n++] = '.';
        }
    }
    buf[n] = '\0';
    return n;
}

/* Length of the longest prefix of p[0..n) of at most `limit` bytes that ends
 * on a UTF-8 character boundary. */
static size_t utf8_cut(const uint8_t *p, size_t n, size_t limit)
{
    if (n <= limit) {
        return n;
    }
    size_t k = limit;
    while (k > 0 && (p[k] & 0xc0) == 0x80) {
        k--;
    }
    return k;
}

/* An upper bound for every string that starts with p[0..n): the prefix with
 * its last code point incremented (UTF-8 keeps code point order). Returns the
 * bound's length in out (n + 4 bytes of room), or 0 when there is none. */
static size_t utf8_upper(const uint8_t *p, size_t n, uint8_t *out)
{
    memcpy(out, p, n);
    while (n > 0) {
        size_t start = n - 1;
        while (start > 0 && (out[start] & 0xc0) == 0x80) {
            start--;
        }
        size_t clen = n - start;
        uint32_t cp;
        uint8_t b0 = out[start];
        if (clen == 1 && b0 < 0x80) {
            cp = b0;
        } else if (clen == 2 && (b0 & 0xe0) == 0xc0) {
            cp = (uint32_t)(b0 & 0x1f) << 6 | (out[start + 1] & 0x3f);
        } else if (clen == 3 && (b0 & 0xf0) == 0xe0) {
            cp = (uint32_t)(b0 & 0x0f) << 12 | (uint32_t)(out[start + 1] & 0x3f) << 6 |
                 (out[start + 2] & 0x3f);
        } else if (clen == 4 && (b0 & 0xf8) == 0xf0) {
            cp = (uint32_t)(b0 & 0x07) << 18 | (uint32_t)(out[start + 1] & 0x3f) << 12 |
                 (uint32_t)(out[start + 2] & 0x3f) << 6 | (out[start + 3] & 0x3f);
        } else {
            return 0; /* not UTF-8: no bound */
        }
        cp++;
        if (cp >= 0xd800 && cp <= 0xdfff) {
            cp = 0xe000;
        }
        if (cp > 0x10ffff) {
            n = start; /* drop it and carry into the previous character */
            continue;
        }
        size_t k = start;
        if (cp < 0x80) {
            out[k++] = (uint8_t)cp;
        } else if (cp < 0x800) {
            out[k++] = (uint8_t)(0xc0 | (cp >> 6));
            out[k++] = (uint8_t)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out[k++] = (uint8_t)(0xe0 | (cp >> 12));
            out[k++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            out[k++] = (uint8_t)(0x80 | (cp & 0x3f));
        } else {
            out[k++] = (uint8_t)(0xf0 | (cp >> 18));
            out[k++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
            out[k++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
            out[k++] = (uint8_t)(0x80 | (cp & 0x3f));
        }
        return k;
    }
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void encode_minmax(const struct orc_stats *s, struct orc_pb *pb)
{
    struct orc_pb c;
    weir_orc_pb_init(&c, pb->err);
    uint32_t field = 0;
    switch (s->kind) {
    case ORC_ST_INT:
        field = 2;
        weir_orc_pb_sint(&c, 1, s->imin);
        weir_orc_pb_sint(&c, 2, s->imax);
        if (s->sum_ok) {
            weir_orc_pb_sint(&c, 3, s->isum);
        }
        break;
    case ORC_ST_DOUBLE:
        field = 3;
        weir_orc_pb_double(&c, 1, s->dmin);
        weir_orc_pb_double(&c, 2, s->dmax);
        if (isfinite(s->dsum)) {
            weir_orc_pb_double(&c, 3, s->dsum);
        }
        break;
    case ORC_ST_STRING: {
        field = 4;
        uint8_t bound[ORC_STATS_STRING_LIMIT + 8];
        if (s->sminlen <= ORC_STATS_STRING_LIMIT) {
            weir_orc_pb_bytes(&c, 1, s->smin, s->sminlen);
        }
        if (s->smaxlen <= ORC_STATS_STRING_LIMIT) {
            weir_orc_pb_bytes(&c, 2, s->smax, s->smaxlen);
        }
        weir_orc_pb_sint(&c, 3, s->ssum);
        if (s->sminlen > ORC_STATS_STRING_LIMIT) {
            weir_orc_pb_bytes(&c, 4, s->smin, utf8_cut(s->smin, s->sminlen, ORC_STATS_STRING_LIMIT));
        }
        if (s->smaxlen > ORC_STATS_STRING_LIMIT) {
            size_t k = utf8_cut(s->smax, s->smaxlen, ORC_STATS_STRING_LIMIT);
            size_t u = utf8_upper(s->smax, k, bound);
            if (u > 0) {
                weir_orc_pb_bytes(&c, 5, bound, u);
            }
        }
        break;
    }
    case ORC_ST_DECIMAL: {
        field = 6;
        char buf[64];
        size_t n = weir_orc_decimal_format(s->xmin, s->scale, buf, sizeof(buf));
        weir_orc_pb_bytes(&c, 1, buf, n);
        n = weir_orc_decimal_format(s->xmax, s->scale, buf, sizeof(buf));
        weir_orc_pb_bytes(&c, 2, buf, n);
        if (s->sum_ok) {
            n = weir_orc_decimal_format(s->xsum, s->scale, buf, sizeof(buf));
            weir_orc_pb_bytes(&c, 3, buf, n);
        }
        break;
    }
    case ORC_ST_DATE:
        field = 7;
        weir_orc_pb_sint(&c, 1, s->imin);
        weir_orc_pb_sint(&c, 2, s->imax);
        break;
    case ORC_ST_TIMESTAMP: {
        field = 9;
        /* ORC-135: UTC milliseconds; the nanoseconds below the millisecond
         * are stored plus one so that zero stays distinguishable. */
        int64_t minms = floor_div(s->imin, 1000), maxms = floor_div(s->imax, 1000);
        weir_orc_pb_sint(&c, 3, minms);
        weir_orc_pb_sint(&c, 4, maxms);
        weir_orc_pb_uint(&c, 5, (uint64_t)((s->imin - minms * 1000) * 1000 + 1));
        weir_orc_pb_uint(&c, 6, (uint64_t)((s->imax - maxms * 1000) * 1000 + 1));
        break;
    }
    default:
        break;
    }
    if (field != 0) {
        weir_orc_pb_message(pb, field, &c);
    } else {
        weir_orc_pb_free(&c);
    }
}

void weir_orc_stats_encode(const struct orc_stats *s, struct orc_pb *pb)
{
    weir_orc_pb_uint(pb, 1, s->count);
    if (s->kind == ORC_ST_BOOL) {
        struct orc_pb b;
        weir_orc_pb_init(&b, pb->err);
        weir_orc_pb_packed(&b, 1, &s->truecount, 1);
        weir_orc_pb_message(pb, 5, &b);
    } else if (s->kind == ORC_ST_BINARY) {
        struct orc_pb b;
        weir_orc_pb_init(&b, pb->err);
        weir_orc_pb_sint(&b, 1, s->ssum);
        weir_orc_pb_message(pb, 8, &b);
    } else if (s->has_minmax) {
        encode_minmax(s, pb);
    }
    weir_orc_pb_uint(pb, 10, s->has_null ? 1 : 0);
}
