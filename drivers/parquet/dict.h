/*
 * The dictionary of one column chunk: distinct values in insertion order,
 * held directly in their dictionary-page form (PLAIN: fixed-width values, or
 * a 4-byte length then the bytes for BYTE_ARRAY), plus an open-addressing
 * hash index over them.
 */
#ifndef WEIR_PARQUET_DICT_H
#define WEIR_PARQUET_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parquet/pq_buf.h"

struct weir_pq_dict {
    int width;                /* bytes per value; 0 for BYTE_ARRAY */
    struct weir_pq_buf plain; /* the dictionary page body */
    uint32_t n;               /* entries */
    uint32_t *offs;           /* BYTE_ARRAY entry i starts at plain.data + offs[i] */
    uint32_t offs_cap;
    /* hash << 32 | (entry index + 1); 0 is empty. Keeping the hash in the slot
     * saves a cache miss per probe on large dictionaries. */
    uint64_t *slots;
    uint32_t n_slots; /* a power of two */
    int shift;        /* slot of hash h: h >> shift (the hash's top bits) */
};

enum weir_pq_dict_result {
    WEIR_PQ_DICT_FOUND = 0,
    WEIR_PQ_DICT_ADDED = 1,
    WEIR_PQ_DICT_FULL = 2,   /* adding would make the page exceed the limit: nothing changed */
    WEIR_PQ_DICT_NOMEM = -1,
};

void weir_pq_dict_init(struct weir_pq_dict *d, int width);
/* Empties the dictionary for the next column chunk (keeps storage). */
void weir_pq_dict_clear(struct weir_pq_dict *d);
void weir_pq_dict_free(struct weir_pq_dict *d);
/*
 * Looks `v` (len bytes; len == width for fixed widths) up, adding it when
 * absent and the dictionary page would stay within `limit` bytes. *idx gets
 * the entry index when FOUND or ADDED.
 */
int weir_pq_dict_put(struct weir_pq_dict *d, const void *v, size_t len, size_t limit,
                     uint32_t *idx);

/*
 * The same in two steps, so a caller can hash a run of values and prefetch
 * their slots before looking them up (large dictionaries miss the cache on
 * nearly every probe). Fixed widths of 4 and 8 bytes hash by multiply-shift,
 * other values by a multiply-xorshift over 8-byte words.
 */
uint32_t weir_pq_dict_hash(const struct weir_pq_dict *d, const void *v, size_t len);
int weir_pq_dict_put_hashed(struct weir_pq_dict *d, const void *v, size_t len, uint32_t h,
                            size_t limit, uint32_t *idx);

static inline void weir_pq_dict_prefetch(const struct weir_pq_dict *d, uint32_t h)
{
    if (d->slots != NULL) {
        __builtin_prefetch(&d->slots[h >> d->shift]);
    }
}

#endif
