/*
 * Helpers for the parquet unit tests, written independently of the writer:
 * a Thrift compact protocol reader that flattens a struct into
 * (path, value) entries, an RLE / bit-packing hybrid decoder, and an
 * in-memory weir_output.
 *
 * Paths: field ids joined by '.', list elements as [i]; e.g. "4[0].1[2].3.12.6"
 * is FileMetaData.row_groups[0].columns[2].meta_data.statistics.min_value.
 */
#ifndef WEIR_TEST_PARQUET_UTIL_H
#define WEIR_TEST_PARQUET_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir/weir.h"

struct tent {
    char path[64];
    int type; /* compact type of the value */
    int64_t i;
    const uint8_t *b;
    size_t blen;
};

struct tdoc {
    struct tent e[4096];
    size_t n;
    bool bad;
};

static inline uint64_t td_varint(const uint8_t *p, size_t len, size_t *at, bool *bad)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*at >= len) {
            *bad = true;
            return 0;
        }
        uint8_t b = p[(*at)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            return v;
        }
    }
    *bad = true;
    return v;
}

static inline int64_t td_zz(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline void td_add(struct tdoc *d, const char *path, int type, int64_t i,
                          const uint8_t *b, size_t blen)
{
    if (d->n == sizeof(d->e) / sizeof(d->e[0])) {
        d->bad = true;
        return;
    }
    struct tent *e = &d->e[d->n++];
    snprintf(e->path, sizeof(e->path), "%s", path);
    e->type = type;
    e->i = i;
    e->b = b;
    e->blen = blen;
}

static inline void td_struct(struct tdoc *d, const uint8_t *p, size_t len, size_t *at,
                             const char *prefix);

static inline void td_value(struct tdoc *d, const uint8_t *p, size_t len, size_t *at, int type,
                     const char *path)
{
    char sub[64];
    switch (type) {
    case 1:
    case 2:
        td_add(d, path, type, type == 1, NULL, 0);
        break;
    case 3:
        if (*at >= len) {
            d->bad = true;
            return;
        }
        td_add(d, path, type, (int8_t)p[(*at)++], NULL, 0);
        break;
    case 4:
    case 5:
    case 6:
        td_add(d, path, type, td_zz(td_varint(p, len, at, &d->bad)), NULL, 0);
        break;
    case 8: {
        size_t n = (size_t)td_varint(p, len, at, &d->bad);
        if (n > len - *at) {
            d->bad = true;
            return;
        }
        td_add(d, path, type, (int64_t)n, p + *at, n);
        *at += n;
        break;
    }
    case 9: {
        if (*at >= len) {
            d->bad = true;
            return;
        }
        uint8_t h = p[(*at)++];
        size_t n = h >> 4;
        int et = h & 0x0f;
        if (n == 15) {
            n = (size_t)td_varint(p, len, at, &d->bad);
        }
        td_add(d, path, type, (int64_t)n, NULL, 0);
        for (size_t k = 0; k < n && !d->bad; k++) {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, k);
            if (et == 1 || et == 2) {
                /* bool elements: one byte each */
                td_add(d, sub, et, p[(*at)++] == 1, NULL, 0);
            } else {
                td_value(d, p, len, at, et, sub);
            }
        }
        break;
    }
    case 12:
        td_add(d, path, type, 0, NULL, 0); /* the struct itself, so empty ones are visible */
        td_struct(d, p, len, at, path);
        break;
    default:
        d->bad = true;
    }
}

static inline void td_struct(struct tdoc *d, const uint8_t *p, size_t len, size_t *at,
                             const char *prefix)
{
    int16_t last = 0;
    char path[64];
    while (!d->bad) {
        if (*at >= len) {
            d->bad = true;
            return;
        }
        uint8_t h = p[(*at)++];
        if (h == 0) {
            return;
        }
        int type = h & 0x0f;
        int16_t id = (int16_t)(h >> 4);
        if (id == 0) {
            id = (int16_t)td_zz(td_varint(p, len, at, &d->bad));
        } else {
            id = (int16_t)(last + id);
        }
        last = id;
        snprintf(path, sizeof(path), "%s%s%d", prefix, *prefix ? "." : "", id);
        td_value(d, p, len, at, type, path);
    }
}

/* Parses one struct at p[*at]; returns false on malformed input. */
static inline bool td_parse(struct tdoc *d, const uint8_t *p, size_t len, size_t *at)
{
    d->n = 0;
    d->bad = false;
    td_struct(d, p, len, at, "");
    return !d->bad;
}

static inline const struct tent *td_get(const struct tdoc *d, const char *path)
{
    for (size_t i = 0; i < d->n; i++) {
        if (strcmp(d->e[i].path, path) == 0) {
            return &d->e[i];
        }
    }
    return NULL;
}

/* Integer at path, or `def` when absent. */
static inline int64_t td_int(const struct tdoc *d, const char *path, int64_t def)
{
    const struct tent *e = td_get(d, path);
    return e != NULL ? e->i : def;
}

/* ---- RLE / bit-packing hybrid decoder (Encodings.md) ---- */

/* Decodes up to `n` values of bw bits from p[0..len); returns the count. */
static inline size_t rle_decode(const uint8_t *p, size_t len, int bw, uint32_t *out, size_t n)
{
    size_t at = 0, got = 0;
    bool bad = false;
    while (got < n && at < len) {
        uint64_t h = td_varint(p, len, &at, &bad);
        if (bad) {
            break;
        }
        if (h & 1) {
            size_t values = (size_t)(h >> 1) * 8;
            uint64_t acc = 0;
            int bits = 0;
            for (size_t k = 0; k < values; k++) {
                while (bits < bw) {
                    if (at >= len) {
                        return got;
                    }
                    acc |= (uint64_t)p[at++] << bits;
                    bits += 8;
                }
                uint32_t v = (uint32_t)(acc & ((bw == 32) ? 0xffffffffu : ((1u << bw) - 1)));
                acc >>= bw;
                bits -= bw;
                if (got < n) {
                    out[got++] = v;
                }
            }
        } else {
            size_t count = (size_t)(h >> 1);
            uint32_t v = 0;
            for (int k = 0; k < (bw + 7) / 8; k++) {
                if (at >= len) {
                    return got;
                }
                v |= (uint32_t)p[at++] << (8 * k);
            }
            for (size_t k = 0; k < count && got < n; k++) {
                out[got++] = v;
            }
        }
    }
    return got;
}

/* ---- in-memory output ---- */

struct memout {
    uint8_t *data;
    size_t len, cap;
    int fail_after; /* >0: the n-th write fails with WEIR_EIO */
    int writes;
};

static inline int memout_write(void *ctx, const void *data, size_t len, struct weir_error *err)
{
    struct memout *m = ctx;
    m->writes++;
    if (m->fail_after > 0 && m->writes >= m->fail_after) {
        weir_error_set(err, WEIR_EIO, "disk full (test)");
        return weir_error_detail(err, "write %d", m->writes);
    }
    if (m->len + len > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->len + len) {
            cap *= 2;
        }
        m->data = realloc(m->data, cap);
        m->cap = cap;
    }
    if (len > 0) {
        memcpy(m->data + m->len, data, len);
    }
    m->len += len;
    return WEIR_OK;
}

#endif
