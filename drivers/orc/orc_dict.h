/*
 * ORC writer: the per-stripe store of a string column's values. Distinct
 * values are kept once (hash table over a byte arena) and each non-null
 * value is recorded as the id of its distinct value, so the stripe can be
 * written either with DICTIONARY_V2 (sorted dictionary) or DIRECT_V2,
 * decided when the stripe ends.
 */
#ifndef WEIR_ORC_DICT_H
#define WEIR_ORC_DICT_H

#include <stddef.h>
#include <stdint.h>

#include "orc_buf.h"

struct orc_dict {
    struct orc_buf bytes; /* distinct values, concatenated */
    uint64_t *off;        /* start of distinct value i in bytes */
    uint32_t *len;
    size_t n, cap;
    uint32_t *table; /* open addressing; 0 = empty, else id + 1 */
    size_t tcap;     /* power of two */
    uint32_t *ids;   /* one per non-null value, in row order */
    size_t nids, capids;
};

void weir_orc_dict_init(struct orc_dict *d);
void weir_orc_dict_free(struct orc_dict *d);
/* Empties it, keeping allocations. */
void weir_orc_dict_reset(struct orc_dict *d);
/* Records one value (copied). */
int weir_orc_dict_add(struct orc_dict *d, const uint8_t *p, size_t len, struct weir_error *err);
/* Bytes held. */
size_t weir_orc_dict_bytes(const struct orc_dict *d);
/* A new array (free with free()) of the distinct ids in byte order. */
uint32_t *weir_orc_dict_sorted(const struct orc_dict *d, struct weir_error *err);

static inline const uint8_t *orc_dict_value(const struct orc_dict *d, uint32_t id, size_t *len)
{
    *len = d->len[id];
    return d->bytes.data + d->off[id];
}

#endif
