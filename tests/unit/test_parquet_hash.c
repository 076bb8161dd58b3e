/*
 * The dictionary's hash table (dict.c): values sharing a slot, values
 * sharing the whole 32-bit hash, growth with insertion order kept, the page
 * limit (the caller's cue to fall back to PLAIN), clear after growth, and the
 * hashed / prefetch entry points agreeing with weir_pq_dict_put.
 */
#include <stdlib.h>

#include "parquet/dict.h"
#include "tap.h"

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

struct hk {
    uint32_t h;
    uint32_t i;
};

static int by_hash(const void *a, const void *b)
{
    const struct hk *x = a, *y = b;
    return x->h < y->h ? -1 : x->h > y->h ? 1 : x->i < y->i ? -1 : x->i > y->i;
}

/* Two different 8-byte keys with the same 32-bit hash (a birthday search). */
static bool full_collision(struct weir_pq_dict *d, uint64_t *k1, uint64_t *k2)
{
    enum { N = 300000 };
    struct hk *t = malloc(N * sizeof(*t));
    bool found = false;
    for (uint32_t i = 0; i < N; i++) {
        uint64_t k = mix(i);
        t[i].h = weir_pq_dict_hash(d, &k, 8);
        t[i].i = i;
    }
    qsort(t, N, sizeof(*t), by_hash);
    for (uint32_t i = 1; i < N && !found; i++) {
        if (t[i].h == t[i - 1].h) {
            *k1 = mix(t[i - 1].i);
            *k2 = mix(t[i].i);
            found = *k1 != *k2;
        }
    }
    free(t);
    return found;
}

static void same_slot(void)
{
    struct weir_pq_dict d;
    weir_pq_dict_init(&d, 8);
    uint32_t idx = 0;
    uint64_t first = 1;
    TAP_EQ_INT(weir_pq_dict_put(&d, &first, 8, SIZE_MAX, &idx), WEIR_PQ_DICT_ADDED, "first key");
    /* 29 more keys whose hash picks the same slot of the initial table (64
     * slots: 30 keys keep the load at or below one half, so it does not grow) */
    uint32_t slots0 = d.n_slots;
    uint32_t slot = weir_pq_dict_hash(&d, &first, 8) >> d.shift;
    uint64_t keys[30] = {first};
    int n = 1;
    for (uint64_t k = 2; n < 30 && k < 100000000; k++) {
        if (weir_pq_dict_hash(&d, &k, 8) >> d.shift == slot) {
            keys[n++] = k;
        }
    }
    TAP_OK(n == 30, "30 keys share slot %u", slot);
    bool ok = true;
    for (int i = 1; i < n; i++) {
        ok = ok && weir_pq_dict_put(&d, &keys[i], 8, SIZE_MAX, &idx) == WEIR_PQ_DICT_ADDED &&
             idx == (uint32_t)i;
    }
    TAP_OK(ok && d.n_slots == slots0, "all added in order, linear probing past each other");
    for (int i = n - 1; i >= 0; i--) {
        ok = ok && weir_pq_dict_put(&d, &keys[i], 8, SIZE_MAX, &idx) == WEIR_PQ_DICT_FOUND &&
             idx == (uint32_t)i;
    }
    TAP_OK(ok, "each found again at its own index");
    TAP_OK(d.plain.len == 30 * 8 && memcmp(d.plain.data + 8 * 29, &keys[29], 8) == 0,
           "the dictionary page holds them in insertion order");

    uint64_t k1 = 0, k2 = 0;
    TAP_OK(full_collision(&d, &k1, &k2), "found two keys with one 32-bit hash");
    uint32_t i1 = 0, i2 = 0;
    TAP_OK(weir_pq_dict_put(&d, &k1, 8, SIZE_MAX, &i1) == WEIR_PQ_DICT_ADDED &&
               weir_pq_dict_put(&d, &k2, 8, SIZE_MAX, &i2) == WEIR_PQ_DICT_ADDED && i1 != i2,
           "equal hashes, different values: both added (%u, %u)", i1, i2);
    TAP_OK(weir_pq_dict_put(&d, &k2, 8, SIZE_MAX, &idx) == WEIR_PQ_DICT_FOUND && idx == i2 &&
               weir_pq_dict_put(&d, &k1, 8, SIZE_MAX, &idx) == WEIR_PQ_DICT_FOUND && idx == i1,
           "and told apart by value");
    weir_pq_dict_free(&d);
}

static void growth(void)
{
    struct weir_pq_dict d;
    weir_pq_dict_init(&d, 4);
    uint32_t idx = 0;
    bool ok = true;
    /* consecutive keys, as ids and dates arrive */
    for (uint32_t k = 0; k < 100000 && ok; k++) {
        uint32_t v = 5000000 + k;
        ok = weir_pq_dict_put(&d, &v, 4, SIZE_MAX, &idx) == WEIR_PQ_DICT_ADDED && idx == k;
    }
    TAP_OK(ok && d.n == 100000, "100000 int32 keys added with indices in order");
    TAP_OK(d.n_slots == 262144 && d.shift == 32 - 18, "grown to %u slots (load at most 1/2)",
           d.n_slots);
    for (uint32_t k = 0; k < 100000 && ok; k++) {
        uint32_t v = 5000000 + (k * 7919u) % 100000u;
        uint32_t h = weir_pq_dict_hash(&d, &v, 4);
        weir_pq_dict_prefetch(&d, h);
        ok = weir_pq_dict_put_hashed(&d, &v, 4, h, SIZE_MAX, &idx) == WEIR_PQ_DICT_FOUND &&
             idx == v - 5000000;
    }
    TAP_OK(ok, "every key found after the rehashes (hashed entry point)");
    uint32_t v3;
    memcpy(&v3, d.plain.data + 4 * 77777, 4);
    TAP_EQ_INT(v3, 5077777, "PLAIN dictionary page: entry 77777 at byte 4 * 77777");
    weir_pq_dict_clear(&d);
    TAP_OK(d.n == 0 && d.plain.len == 0 && d.n_slots == 262144, "clear keeps the table");
    v3 = 5077777;
    TAP_OK(weir_pq_dict_put(&d, &v3, 4, SIZE_MAX, &idx) == WEIR_PQ_DICT_ADDED && idx == 0,
           "a cleared dictionary starts at index 0");
    weir_pq_dict_free(&d);
}

static void bytes_and_limit(void)
{
    struct weir_pq_dict d;
    weir_pq_dict_init(&d, 0);
    uint32_t idx = 0;
    char s[32];
    bool ok = true;
    /* 5000 strings of 1..9 bytes, limit reached part way */
    size_t limit = 20000, used = 0;
    int added = 0, full_at = -1;
    for (int i = 0; i < 5000; i++) {
        int len = snprintf(s, sizeof(s), "%d", i * 37);
        int r = weir_pq_dict_put(&d, s, (size_t)len, limit, &idx);
        if (used + 4 + (size_t)len > limit) {
            ok = ok && r == WEIR_PQ_DICT_FULL;
            if (full_at < 0) {
                full_at = i;
            }
        } else {
            ok = ok && r == WEIR_PQ_DICT_ADDED && idx == (uint32_t)added;
            used += 4 + (size_t)len;
            added++;
        }
    }
    TAP_OK(ok && full_at > 0 && d.plain.len == used && d.plain.len <= limit,
           "BYTE_ARRAY: FULL from value %d on, page %zu bytes <= %zu, nothing added after",
           full_at, d.plain.len, limit);
    int len = snprintf(s, sizeof(s), "%d", 10 * 37);
    TAP_OK(weir_pq_dict_put(&d, s, (size_t)len, limit, &idx) == WEIR_PQ_DICT_FOUND && idx == 10,
           "values already in are still found when full");
    TAP_OK(weir_pq_dict_put(&d, "", 0, SIZE_MAX, &idx) == WEIR_PQ_DICT_ADDED &&
               weir_pq_dict_put(&d, "", 0, SIZE_MAX, &idx) == WEIR_PQ_DICT_FOUND,
           "the empty string is a value");
    weir_pq_dict_free(&d);

    weir_pq_dict_init(&d, 16);
    uint8_t a[16] = {1}, b[16] = {1};
    b[15] = 1;
    TAP_OK(weir_pq_dict_put(&d, a, 16, 32, &idx) == WEIR_PQ_DICT_ADDED &&
               weir_pq_dict_put(&d, b, 16, 32, &idx) == WEIR_PQ_DICT_ADDED && idx == 1 &&
               weir_pq_dict_put(&d, a, 16, 32, &idx) == WEIR_PQ_DICT_FOUND && idx == 0,
           "16-byte values differing in the last byte");
    uint8_t c[16] = {2};
    TAP_EQ_INT(weir_pq_dict_put(&d, c, 16, 32, &idx), WEIR_PQ_DICT_FULL,
               "a third 16-byte value passes a 32-byte limit: FULL");
    weir_pq_dict_free(&d);
}

int main(void)
{
    same_slot();
    growth();
    bytes_and_limit();
    return tap_done();
}
