/* ORC writer: distinct string values of a stripe. */
#include "orc_dict.h"

#include <stdlib.h>
#include <string.h>

void weir_orc_dict_init(struct orc_dict *d)
{
    memset(d, 0, sizeof(*d));
    weir_orc_buf_init(&d->bytes, 0);
}

void weir_orc_dict_free(struct orc_dict *d)
{
    weir_orc_buf_free(&d->bytes);
    free(d->off);
    free(d->len);
    free(d->table);
    free(d->ids);
    memset(d, 0, sizeof(*d));
}

void weir_orc_dict_reset(struct orc_dict *d)
{
    d->bytes.len = 0;
    d->n = 0;
    d->nids = 0;
    if (d->table != NULL) {
        memset(d->table, 0, d->tcap * sizeof(*d->table));
    }
}

size_t weir_orc_dict_bytes(const struct orc_dict *d)
{
    return d->bytes.len + d->n * 12 + d->tcap * 4 + d->nids * 4;
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 1099511628211ull;
    }
    return h ^ (h >> 29);
}

static int grow_table(struct orc_dict *d, struct weir_error *err)
{
    size_t cap = d->tcap != 0 ? d->tcap * 2 : 1024;
    uint32_t *t = calloc(cap, sizeof(*t));
    if (t == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "orc: out of memory for a string dictionary");
    }
    for (size_t i = 0; i < d->n; i++) {
        size_t s = hash_bytes(d->bytes.data + d->off[i], d->len[i]) & (cap - 1);
        while (t[s] != 0) {
            s = (s + 1) & (cap - 1);
        }
        t[s] = (uint32_t)i + 1;
    }
    free(d->table);
    d->table = t;
    d->tcap = cap;
    return WEIR_OK;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem, struct weir_error *err)
{
    if (need <= *cap) {
        return WEIR_OK;
    }
    size_t c = *cap != 0 ? *cap * 2 : 1024;
    while (c < need) {
        c *= 2;
    }
    void *q = realloc(*p, c * elem);
    if (q == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "orc: out of memory for a string column");
    }
    *p = q;
    *cap = c;
    return WEIR_OK;
}

int weir_orc_dict_add(struct orc_dict *d, const uint8_t *p, size_t len, struct weir_error *err)
{
    int rc;
    if (len > UINT32_MAX || d->n >= UINT32_MAX - 1) {
        return weir_error_set(err, WEIR_EDATA, "orc: string value of %zu bytes is too long", len);
    }
    if ((d->n + 1) * 2 > d->tcap && (rc = grow_table(d, err)) != WEIR_OK) {
        return rc;
    }
    size_t s = hash_bytes(p, len) & (d->tcap - 1);
    uint32_t id = 0;
    for (;;) {
        uint32_t e = d->table[s];
        if (e == 0) {
            break;
        }
        if (d->len[e - 1] == len && (len == 0 || memcmp(d->bytes.data + d->off[e - 1], p, len) == 0)) {
            id = e;
            break;
        }
        s = (s + 1) & (d->tcap - 1);
    }
    if (id == 0) {
        size_t cap = d->cap;
        if ((rc = grow((void **)&d->off, &cap, d->n + 1, sizeof(*d->off), err)) != WEIR_OK) {
            return rc;
        }
        cap = d->cap;
        if ((rc = grow((void **)&d->len, &cap, d->n + 1, sizeof(*d->len), err)) != WEIR_OK) {
            return rc;
        }
        d->cap = cap;
        d->off[d->n] = d->bytes.len;
        d->len[d->n] = (uint32_t)len;
        if ((rc = weir_orc_buf_append(&d->bytes, p, len, err)) != WEIR_OK) {
            return rc;
        }
        d->n++;
        id = (uint32_t)d->n;
        d->table[s] = id;
    }
    if ((rc = grow((void **)&d->ids, &d->capids, d->nids + 1, sizeof(*d->ids), err)) != WEIR_OK) {
        return rc;
    }
    d->ids[d->nids++] = id - 1;
    return WEIR_OK;
}

/* qsort_r (GNU): writers in different threads sort at the same time. */
static int cmp_ids(const void *a, const void *b, void *arg)
{
    const struct orc_dict *sort_dict = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    size_t xl = sort_dict->len[x], yl = sort_dict->len[y];
    size_t n = xl < yl ? xl : yl;
    int c = n > 0 ? memcmp(sort_dict->bytes.data + sort_dict->off[x],
                           sort_dict->bytes.data + sort_dict->off[y], n)
                  : 0;
    if (c != 0) {
        return c;
    }
    return xl < yl ? -1 : (xl > yl ? 1 : 0);
}

uint32_t *weir_orc_dict_sorted(const struct orc_dict *d, struct weir_error *err)
{
    uint32_t *order = malloc((d->n > 0 ? d->n : 1) * sizeof(*order));
    if (order == NULL) {
        weir_error_set(err, WEIR_ENOMEM, "orc: out of memory sorting a dictionary");
        return NULL;
    }
    for (size_t i = 0; i < d->n; i++) {
        order[i] = (uint32_t)i;
    }
    qsort_r(order, d->n, sizeof(*order), cmp_ids, (void *)(uintptr_t)d);
    return order;
}
