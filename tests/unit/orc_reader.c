/* Test-only ORC reader (see orc_reader.h). Written from the ORC v1
 * specification, independently of drivers/orc. */
#include "orc_reader_int.h"

#include <lz4.h>
#include <snappy-c.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define MAX_CHUNK (8u << 20)

int orc_reader_fail(struct orc_rfile *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->error, sizeof(f->error), fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- protobuf ---------------------------------------------------------- */

bool orc_reader_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t r = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        r |= (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            *v = r;
            return true;
        }
    }
    return false;
}

static int64_t unzz(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

int orc_reader_pb_next(const uint8_t **p, const uint8_t *end, struct pbf *x)
{
    if (*p >= end) {
        return 0;
    }
    uint64_t tag;
    if (!orc_reader_varint(p, end, &tag)) {
        return -1;
    }
    x->field = (uint32_t)(tag >> 3);
    x->wire = (int)(tag & 7);
    if (x->wire == 0) {
        return orc_reader_varint(p, end, &x->v) ? 1 : -1;
    }
    if (x->wire == 1) {
        if (end - *p < 8) {
            return -1;
        }
        memcpy(&x->v, *p, 8);
        *p += 8;
        return 1;
    }
    if (x->wire == 2) {
        uint64_t n;
        if (!orc_reader_varint(p, end, &n) || n > (uint64_t)(end - *p)) {
            return -1;
        }
        x->b = *p;
        x->len = (size_t)n;
        *p += n;
        return 1;
    }
    return -1;
}

char *orc_reader_dup(const uint8_t *b, size_t n)
{
    char *s = malloc(n + 1);
    if (s != NULL) {
        memcpy(s, b, n);
        s[n] = '\0';
    }
    return s;
}

static double as_double(uint64_t v)
{
    double d;
    memcpy(&d, &v, 8);
    return d;
}

int orc_reader_parse_stats(const uint8_t *p, size_t n, struct orc_rstats *s)
{
    const uint8_t *end = p + n;
    struct pbf x;
    int r;
    memset(s, 0, sizeof(*s));
    while ((r = orc_reader_pb_next(&p, end, &x)) == 1) {
        if (x.field == 1) {
            s->has_count = true;
            s->count = x.v;
        } else if (x.field == 10) {
            s->has_null = true;
            s->null_flag = x.v != 0;
        } else if (x.wire == 2 && x.field >= 2 && x.field <= 9) {
            s->sub = (int)x.field;
            const uint8_t *q = x.b, *qe = x.b + x.len;
            struct pbf y;
            int r2;
            while ((r2 = orc_reader_pb_next(&q, qe, &y)) == 1) {
                bool is_str = s->sub == 4 || s->sub == 6;
                if (s->sub == 3 && y.wire == 1) {
                    double d = as_double(y.v);
                    if (y.field == 1) {
                        s->has_min = true, s->dmin = d;
                    } else if (y.field == 2) {
                        s->has_max = true, s->dmax = d;
                    } else if (y.field == 3) {
                        s->has_sum = true, s->dsum = d;
                    }
                } else if (is_str && y.wire == 2) {
                    char *c = orc_reader_dup(y.b, y.len);
                    if (y.field == 1) {
                        free(s->smin);
                        s->smin = c, s->sminlen = y.len, s->has_min = true;
                    } else if (y.field == 2) {
                        free(s->smax);
                        s->smax = c, s->smaxlen = y.len, s->has_max = true;
                    } else if (y.field == 3) {
                        free(s->ssum);
                        s->ssum = c, s->has_sum = true;
                    } else if (y.field == 4) {
                        free(s->lower);
                        s->lower = c, s->lowerlen = y.len, s->has_lower = true;
                    } else if (y.field == 5) {
                        free(s->upper);
                        s->upper = c, s->upperlen = y.len, s->has_upper = true;
                    } else {
                        free(c);
                    }
                } else if (s->sub == 5 && y.field == 1 && y.wire == 2) {
                    const uint8_t *z = y.b;
                    orc_reader_varint(&z, y.b + y.len, &s->bucket);
                } else if (y.wire == 0) {
                    int64_t v = unzz(y.v);
                    if (s->sub == 9) {
                        if (y.field == 3) {
                            s->has_min = true, s->imin = v;
                        } else if (y.field == 4) {
                            s->has_max = true, s->imax = v;
                        } else if (y.field == 5) {
                            s->min_nanos = (int64_t)y.v;
                        } else if (y.field == 6) {
                            s->max_nanos = (int64_t)y.v;
                        }
                    } else if (y.field == 1 && s->sub != 4 && s->sub != 8) {
                        s->has_min = true, s->imin = v;
                    } else if (y.field == 2) {
                        s->has_max = true, s->imax = v;
                    } else if (y.field == 3 || (y.field == 1 && s->sub == 8)) {
                        s->has_sum = true, s->isum = v;
                    }
                }
            }
            if (r2 < 0) {
                return -1;
            }
        }
    }
    return r;
}

void orc_reader_free_stats(struct orc_rstats *s)
{
    free(s->smin);
    free(s->smax);
    free(s->ssum);
    free(s->lower);
    free(s->upper);
}

/* ---- decompression ----------------------------------------------------- */


long orc_reader_decompress_map(int kind, const uint8_t *p, size_t n, uint8_t **out,
                           struct chunkmap *map, int *norig, int *ncomp)
{
    size_t cap = n + 64, len = 0, pos = 0;
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        return -1;
    }
    if (kind == 0) {
        memcpy(buf, p, n);
        *out = buf;
        return (long)n;
    }
    while (pos < n) {
        if (n - pos < 3) {
            goto bad;
        }
        uint32_t h = p[pos] | (uint32_t)p[pos + 1] << 8 | (uint32_t)p[pos + 2] << 16;
        size_t clen = h >> 1;
        bool orig = h & 1;
        if (clen > n - pos - 3) {
            goto bad;
        }
        if (map != NULL) {
            map->cstart = realloc(map->cstart, (map->n + 1) * sizeof(uint64_t));
            map->dstart = realloc(map->dstart, (map->n + 1) * sizeof(uint64_t));
            map->cstart[map->n] = pos;
            map->dstart[map->n] = len;
            map->n++;
        }
        const uint8_t *src = p + pos + 3;
        if (cap - len < MAX_CHUNK) {
            cap = len + MAX_CHUNK;
            uint8_t *nb = realloc(buf, cap);
            if (nb == NULL) {
                goto bad;
            }
            buf = nb;
        }
        size_t got = 0;
        if (orig) {
            memcpy(buf + len, src, clen);
            got = clen;
            if (norig != NULL) {
                (*norig)++;
            }
        } else {
            if (ncomp != NULL) {
                (*ncomp)++;
            }
            if (kind == 1) {
                z_stream zs;
                memset(&zs, 0, sizeof(zs));
                if (inflateInit2(&zs, -15) != Z_OK) {
                    goto bad;
                }
                zs.next_in = (Bytef *)(uintptr_t)src;
                zs.avail_in = (uInt)clen;
                zs.next_out = buf + len;
                zs.avail_out = MAX_CHUNK;
                int zr = inflate(&zs, Z_FINISH);
                got = MAX_CHUNK - zs.avail_out;
                inflateEnd(&zs);
                if (zr != Z_STREAM_END) {
                    goto bad;
                }
            } else if (kind == 2) {
                size_t ul = MAX_CHUNK;
                if (snappy_uncompress((const char *)src, clen, (char *)buf + len, &ul) !=
                    SNAPPY_OK) {
                    goto bad;
                }
                got = ul;
            } else if (kind == 4) {
                int r = LZ4_decompress_safe((const char *)src, (char *)buf + len, (int)clen,
                                            (int)MAX_CHUNK);
                if (r < 0) {
                    goto bad;
                }
                got = (size_t)r;
            } else if (kind == 5) {
                size_t r = ZSTD_decompress(buf + len, MAX_CHUNK, src, clen);
                if (ZSTD_isError(r)) {
                    goto bad;
                }
                got = r;
            } else {
                goto bad;
            }
        }
        len += got;
        pos += 3 + clen;
    }
    *out = buf;
    return (long)len;
bad:
    free(buf);
    return -1;
}

long orc_decompress(int kind, const uint8_t *p, size_t n, uint8_t **out, int *nchunks_original,
                    int *nchunks_compressed)
{
    return orc_reader_decompress_map(kind, p, n, out, NULL, nchunks_original, nchunks_compressed);
}

/* ---- run-length decoders ----------------------------------------------- */

long orc_decode_byte_rle(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
    size_t pos = 0, k = 0;
    while (pos < n && k < cap) {
        uint8_t h = p[pos++];
        if (h < 0x80) {
            if (pos >= n) {
                return -1;
            }
            for (int i = 0; i < h + 3 && k < cap; i++) {
                out[k++] = p[pos];
            }
            pos++;
        } else {
            int cnt = 256 - h;
            if (n - pos < (size_t)cnt) {
                return -1;
            }
            for (int i = 0; i < cnt && k < cap; i++) {
                out[k++] = p[pos + (size_t)i];
            }
            pos += (size_t)cnt;
        }
    }
    return (long)k;
}

long orc_decode_bool_rle(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
    size_t nbytes = (cap + 7) / 8;
    uint8_t *bytes = malloc(nbytes > 0 ? nbytes : 1);
    if (bytes == NULL) {
        return -1;
    }
    long got = orc_decode_byte_rle(p, n, bytes, nbytes);
    if (got < 0) {
        free(bytes);
        return -1;
    }
    size_t k = 0;
    for (long b = 0; b < got && k < cap; b++) {
        for (int bit = 7; bit >= 0 && k < cap; bit--) {
            out[k++] = (bytes[b] >> bit) & 1;
        }
    }
    free(bytes);
    return (long)k;
}

static int width_of(int code)
{
    static const int wide[] = {26, 28, 30, 32, 40, 48, 56, 64};
    return code <= 23 ? code + 1 : wide[code - 24];
}

static int fixed_bits(int bits)
{
    static const int table[] = {26, 28, 30, 32, 40, 48, 56, 64};
    if (bits <= 24) {
        return bits < 1 ? 1 : bits;
    }
    for (int i = 0; i < 8; i++) {
        if (bits <= table[i]) {
            return table[i];
        }
    }
    return 64;
}

struct bits {
    const uint8_t *p;
    size_t n; /* bytes available */
    size_t bit;
};

static bool get_bits(struct bits *b, int width, uint64_t *v)
{
    uint64_t r = 0;
    for (int i = 0; i < width; i++) {
        size_t byte = b->bit >> 3;
        if (byte >= b->n) {
            return false;
        }
        r = (r << 1) | ((b->p[byte] >> (7 - (b->bit & 7))) & 1);
        b->bit++;
    }
    *v = r;
    return true;
}

static size_t bits_bytes(const struct bits *b)
{
    return (b->bit + 7) / 8;
}

long orc_decode_rle2(const uint8_t *p, size_t n, bool is_signed, int64_t *out, size_t cap)
{
    size_t pos = 0, k = 0;
    while (pos < n && k < cap) {
        uint8_t b0 = p[pos];
        int enc = b0 >> 6;
        if (enc == 0) {
            int w = ((b0 >> 3) & 7) + 1, cnt = (b0 & 7) + 3;
            if (n - pos < 1 + (size_t)w) {
                return -1;
            }
            uint64_t u = 0;
            for (int i = 0; i < w; i++) {
                u = (u << 8) | p[pos + 1 + (size_t)i];
            }
            int64_t v = is_signed ? unzz(u) : (int64_t)u;
            for (int i = 0; i < cnt && k < cap; i++) {
                out[k++] = v;
            }
            pos += 1 + (size_t)w;
            continue;
        }
        if (n - pos < 2) {
            return -1;
        }
        int code = (b0 >> 1) & 31;
        size_t len = (((size_t)b0 & 1) << 8 | p[pos + 1]) + 1;
        if (enc == 1) {
            int w = width_of(code);
            struct bits b = {p + pos + 2, n - pos - 2, 0};
            for (size_t i = 0; i < len; i++) {
                uint64_t u;
                if (!get_bits(&b, w, &u)) {
                    return -1;
                }
                if (k < cap) {
                    out[k++] = is_signed ? unzz(u) : (int64_t)u;
                }
            }
            pos += 2 + bits_bytes(&b);
        } else if (enc == 2) {
            if (n - pos < 4) {
                return -1;
            }
            int w = width_of(code);
            int bw = (p[pos + 2] >> 5) + 1, pw = width_of(p[pos + 2] & 31);
            int pgw = (p[pos + 3] >> 5) + 1, pll = p[pos + 3] & 31;
            size_t at = pos + 4;
            if (n - at < (size_t)bw) {
                return -1;
            }
            uint64_t bu = 0;
            for (int i = 0; i < bw; i++) {
                bu = (bu << 8) | p[at + (size_t)i];
            }
            at += (size_t)bw;
            uint64_t signbit = (uint64_t)1 << (8 * bw - 1);
            int64_t base = (bu & signbit) ? -(int64_t)(bu & ~signbit) : (int64_t)bu;
            uint64_t vals[512];
            struct bits b = {p + at, n - at, 0};
            for (size_t i = 0; i < len; i++) {
                if (!get_bits(&b, w, &vals[i])) {
                    return -1;
                }
            }
            at += bits_bytes(&b);
            int ew = fixed_bits(pgw + pw);
            struct bits pb = {p + at, n - at, 0};
            size_t idx = 0;
            for (int i = 0; i < pll; i++) {
                uint64_t e;
                if (!get_bits(&pb, ew, &e)) {
                    return -1;
                }
                uint64_t gap = e >> pw;
                uint64_t patch = pw == 64 ? e : (e & (((uint64_t)1 << pw) - 1));
                idx += gap;
                if (gap == 255 && patch == 0) {
                    continue;
                }
                if (idx >= len) {
                    return -1;
                }
                vals[idx] |= patch << w;
            }
            at += bits_bytes(&pb);
            for (size_t i = 0; i < len && k < cap; i++) {
                out[k++] = (int64_t)((uint64_t)base + vals[i]);
            }
            pos = at;
        } else {
            int w = code == 0 ? 0 : width_of(code);
            const uint8_t *q = p + pos + 2, *qe = p + n;
            uint64_t bu, du;
            if (!orc_reader_varint(&q, qe, &bu) || !orc_reader_varint(&q, qe, &du)) {
                return -1;
            }
            int64_t v = is_signed ? unzz(bu) : (int64_t)bu;
            int64_t d0 = unzz(du);
            struct bits b = {q, (size_t)(qe - q), 0};
            for (size_t i = 0; i < len; i++) {
                if (i == 1) {
                    v = (int64_t)((uint64_t)v + (uint64_t)d0);
                } else if (i > 1) {
                    uint64_t d = (uint64_t)d0;
                    if (w > 0) {
                        if (!get_bits(&b, w, &d)) {
                            return -1;
                        }
                        if (d0 < 0) {
                            d = (uint64_t)0 - d;
                        }
                    }
                    v = (int64_t)((uint64_t)v + d);
                }
                if (k < cap) {
                    out[k++] = v;
                }
            }
            pos = (size_t)(q - p) + bits_bytes(&b);
        }
    }
    return (long)k;
}
