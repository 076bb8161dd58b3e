/* Column chunk dictionary; see dict.h. */
#include "parquet/dict.h"

#include <stdlib.h>
#include <string.h>

void weir_pq_dict_init(struct weir_pq_dict *d, int width)
{
    memset(d, 0, sizeof(*d));
    d->width = width;
    /* The dictionary page body must fit an i32 page size. */
    weir_pq_buf_init(&d->plain, INT32_MAX);
}

void weir_pq_dict_clear(struct weir_pq_dict *d)
{
    weir_pq_buf_clear(&d->plain);
    d->n = 0;
    if (d->slots != NULL) {
        memset(d->slots, 0, (size_t)d->n_slots * sizeof(*d->slots));
    }
}

void weir_pq_dict_free(struct weir_pq_dict *d)
{
    weir_pq_buf_reset(&d->plain);
    free(d->offs);
    free(d->slots);
    int width = d->width;
    weir_pq_dict_init(d, width);
}

/* A multiply-xorshift hash over 8-byte words; quality is plenty for a hash
 * table, and it is fast on the short keys columns mostly hold. */
static uint32_t hash_bytes(const uint8_t *p, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (len * 0xff51afd7ed558ccdull);
    while (len >= 8) {
        uint64_t k;
        memcpy(&k, p, 8);
        h = (h ^ k) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        p += 8;
        len -= 8;
    }
    uint64_t k = 0;
    for (size_t i = 0; i < len; i++) {
        k |= (uint64_t)p[i] << (8 * i);
    }
    h = (h ^ k) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (uint32_t)h;
}

uint32_t weir_pq_dict_hash(const struct weir_pq_dict *d, const void *v, size_t len)
{
    /* Multiply-shift (Fibonacci hashing): the product's top bits pick the
     * slot, and they spread runs of consecutive keys (ids, dates) evenly. */
    if (d->width == 8 && len == 8) {
        uint64_t k;
        memcpy(&k, v, 8);
        return (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> 32);
    }
    if (d->width == 4 && len == 4) {
        uint32_t k;
        memcpy(&k, v, 4);
        return (uint32_t)(((uint64_t)k * 0x9e3779b97f4a7c15ull) >> 32);
    }
    return hash_bytes(v, len);
}

static bool grow_slots(struct weir_pq_dict *d)
{
    uint32_t n = d->n_slots != 0 ? d->n_slots * 2 : 64; /* grows by doubling; thousands may be open */
    int shift = 32 - __builtin_ctz(n);
    uint64_t *s = calloc(n, sizeof(*s));
    if (s == NULL) {
        return false;
    }
    for (uint32_t k = 0; k < d->n_slots; k++) {
        uint64_t e = d->slots[k];
        if (e != 0) {
            uint32_t at = (uint32_t)(e >> 32) >> shift;
            while (s[at] != 0) {
                at = (at + 1) & (n - 1);
            }
            s[at] = e;
        }
    }
    free(d->slots);
    d->slots = s;
    d->n_slots = n;
    d->shift = shift;
    return true;
}

static bool same(const struct weir_pq_dict *d, uint32_t i, const void *v, size_t len)
{
    /* Constant sizes let the compiler inline the common widths. */
    const uint8_t *p = d->width > 0 ? d->plain.data + (size_t)i * (size_t)d->width
                                    : d->plain.data + d->offs[i];
    switch (d->width) {
    case 4:
        return memcmp(p, v, 4) == 0;
    case 8:
        return memcmp(p, v, 8) == 0;
    case 0: {
        uint32_t l;
        memcpy(&l, p, 4);
        return l == len && (len == 0 || memcmp(p + 4, v, len) == 0);
    }
    default:
        return memcmp(p, v, len) == 0;
    }
}

int weir_pq_dict_put(struct weir_pq_dict *d, const void *v, size_t len, size_t limit,
                     uint32_t *idx)
{
    return weir_pq_dict_put_hashed(d, v, len, weir_pq_dict_hash(d, v, len), limit, idx);
}

int weir_pq_dict_put_hashed(struct weir_pq_dict *d, const void *v, size_t len, uint32_t h,
                            size_t limit, uint32_t *idx)
{
    if (d->n_slots == 0 && !grow_slots(d)) {
        return WEIR_PQ_DICT_NOMEM;
    }
    uint32_t mask = d->n_slots - 1;
    uint32_t at = h >> d->shift;
    uint64_t e;
    while ((e = d->slots[at]) != 0) {
        uint32_t i = (uint32_t)e - 1;
        if ((uint32_t)(e >> 32) == h && same(d, i, v, len)) {
            *idx = i;
            return WEIR_PQ_DICT_FOUND;
        }
        at = (at + 1) & mask;
    }
    size_t add = d->width > 0 ? len : 4 + len;
    if (d->plain.len + add > limit || len > UINT32_MAX - 4 || d->n == UINT32_MAX - 1) {
        return WEIR_PQ_DICT_FULL;
    }
    if (d->width == 0 && d->n == d->offs_cap) {
        uint32_t cap = d->offs_cap != 0 ? d->offs_cap * 2 : 256;
        uint32_t *o = realloc(d->offs, (size_t)cap * sizeof(*o));
        if (o == NULL) {
            return WEIR_PQ_DICT_NOMEM;
        }
        d->offs = o;
        d->offs_cap = cap;
    }
    size_t start = d->plain.len;
    if (d->width == 0) {
        weir_pq_buf_u32le(&d->plain, (uint32_t)len);
    }
    weir_pq_buf_append(&d->plain, v, len);
    if (d->plain.failed) {
        return WEIR_PQ_DICT_NOMEM;
    }
    if (d->width == 0) {
        d->offs[d->n] = (uint32_t)start; /* fixed widths compute it: i * width */
    }
    d->slots[at] = (uint64_t)h << 32 | (uint64_t)(d->n + 1);
    *idx = d->n++;
    /* Keep the load factor at or below one half. */
    if ((uint64_t)d->n * 2 > d->n_slots && !grow_slots(d)) {
        return WEIR_PQ_DICT_NOMEM;
    }
    return WEIR_PQ_DICT_ADDED;
}
