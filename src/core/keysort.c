/*
 * External sort of key records; see keyset.h. Records go into one arena
 * with an index of slots (the record's first 8 bytes as a big-endian number,
 * and its offset); a full arena is sorted and written as a run (the key file
 * format, so runs and key files share one reader). Finishing merges the runs
 * with a binary heap, at most FANIN at once.
 *
 * The sort is an LSD radix sort of the slots by their 8-byte prefix (a pass
 * per byte that differs among them), then a comparison sort of each group of
 * equal prefixes by the whole record. Zero-padded big-endian prefixes order
 * like memcmp with the shorter record first, so this is weir_key_cmp's order.
 * Comparing through offsets missed the cache on every comparison: a sweep of
 * 100M scattered bigint keys spent most of its 130 s of CPU in qsort.
 * The radix pass needs a second slot array: both count against the memory.
 */
/* qsort_r: _GNU_SOURCE comes from config.h / the build flags */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/keyset.h"

#define FANIN 64

struct slot {
    uint64_t prefix; /* the record's first 8 bytes, big-endian, zero-padded */
    uint64_t off;    /* of the record in the arena */
};

/* Bytes of memory per record besides the record itself: its slot and the
 * radix sort's copy of it. */
#define SLOT_COST (2 * sizeof(struct slot))

struct weir_keysort {
    char prefix[1024];
    uint64_t memory;
    uint8_t *arena;
    size_t arena_len, arena_cap;
    struct slot *index; /* the records of the arena; each record: [u32 len][bytes] */
    struct slot *spare; /* the radix sort's second array, index_cap slots */
    size_t n, index_cap;
    int runs;      /* run files created: <prefix>.run-0 .. run-(runs-1) */
    int first_run; /* runs before this one are merged away and removed */
    /* the output stream */
    int in_memory; /* no runs: the sorted arena itself */
    size_t pos;
    struct weir_keyfile *heads; /* one per run being merged */
    int *heap;                  /* indexes into heads, smallest first */
    int n_heap;
    int started;
};

static void run_path(const struct weir_keysort *s, int i, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s.run-%d", s->prefix, i);
}

int weir_keysort_new(const char *tmp_prefix, uint64_t memory, struct weir_keysort **out,
                     struct weir_error *err)
{
    struct weir_keysort *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    snprintf(s->prefix, sizeof(s->prefix), "%s", tmp_prefix);
    s->memory = memory < (64u << 10) ? (64u << 10) : memory; /* at least 64 KiB */
    *out = s;
    return WEIR_OK;
}

static int cmp_records(const void *a, const void *b, void *arena)
{
    const uint8_t *base = arena;
    uint32_t la, lb;
    const uint8_t *ra = base + ((const struct slot *)a)->off;
    const uint8_t *rb = base + ((const struct slot *)b)->off;
    memcpy(&la, ra, 4);
    memcpy(&lb, rb, 4);
    return weir_key_cmp(ra + 4, la, rb + 4, lb);
}

static const uint8_t *record_at(const struct weir_keysort *s, size_t i, size_t *len)
{
    uint32_t n;
    const uint8_t *r = s->arena + s->index[i].off;
    memcpy(&n, r, 4);
    *len = n;
    return r + 4;
}

static uint64_t prefix_of(const uint8_t *rec, size_t len)
{
    uint64_t p = 0;
    for (size_t i = 0; i < 8; i++) {
        p = (p << 8) | (i < len ? rec[i] : 0);
    }
    return p;
}

/* Sorts s->index[0..n) in weir_key_cmp order (see the top of the file). */
static void sort_index(struct weir_keysort *s)
{
    size_t n = s->n;
    if (n < 2) {
        return;
    }
    size_t count[8][256]; /* 16 KiB of stack */
    memset(count, 0, sizeof(count));
    for (size_t i = 0; i < n; i++) {
        uint64_t p = s->index[i].prefix;
        for (int b = 0; b < 8; b++) {
            count[b][(p >> (8 * b)) & 0xff]++;
        }
    }
    struct slot *from = s->index, *to = s->spare;
    for (int b = 0; b < 8; b++) {
        size_t sum = 0;
        int skip = 0;
        for (int v = 0; v < 256; v++) {
            if (count[b][v] == n) {
                skip = 1; /* every slot has this byte: the pass moves nothing */
                break;
            }
            size_t c = count[b][v];
            count[b][v] = sum;
            sum += c;
        }
        if (skip) {
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            to[count[b][(from[i].prefix >> (8 * b)) & 0xff]++] = from[i];
        }
        struct slot *t = from;
        from = to;
        to = t;
    }
    if (from != s->index) {
        memcpy(s->index, from, n * sizeof(*from));
    }
    /* equal prefixes: the whole records decide */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && s->index[j].prefix == s->index[i].prefix) {
            j++;
        }
        if (j - i > 1) {
            qsort_r(s->index + i, j - i, sizeof(*s->index), cmp_records, s->arena);
        }
        i = j;
    }
}

/* Sorts the arena and writes it as the next run. */
static int spill(struct weir_keysort *s, struct weir_error *err)
{
    struct weir_keyfile *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    char path[1200];
    run_path(s, s->runs, path, sizeof(path));
    sort_index(s);
    int rc = weir_keyfile_create(k, path, err);
    s->runs++;
    for (size_t i = 0; rc == WEIR_OK && i < s->n; i++) {
        size_t len;
        const uint8_t *r = record_at(s, i, &len);
        rc = weir_keyfile_put(k, r, len, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_keyfile_seal(k, err);
    }
    weir_keyfile_close(k);
    free(k);
    s->n = 0;
    s->arena_len = 0;
    return rc;
}

/* Doubles up to `clamp` elements (never below need), so the memory bound holds. */
static int grow(void **p, size_t *cap, size_t need, size_t elem, size_t clamp)
{
    if (need <= *cap) {
        return 0;
    }
    size_t c = *cap ? *cap : 4096;
    while (c < need) {
        c *= 2;
    }
    if (c > clamp) {
        c = clamp > need ? clamp : need;
    }
    void *q = realloc(*p, c * elem);
    if (q == NULL) {
        return -1;
    }
    *p = q;
    *cap = c;
    return 0;
}

int weir_keysort_add(struct weir_keysort *s, const uint8_t *rec, size_t len, struct weir_error *err)
{
    size_t need = s->arena_len + 4 + len;
    if (s->n > 0 && (uint64_t)need + (s->n + 1) * SLOT_COST > s->memory &&
        spill(s, err) != WEIR_OK) {
        return err->status;
    }
    need = s->arena_len + 4 + len;
    size_t cap = s->index_cap;
    if (grow((void **)&s->arena, &s->arena_cap, need, 1, (size_t)s->memory) != 0 ||
        grow((void **)&s->index, &s->index_cap, s->n + 1, sizeof(struct slot),
             (size_t)(s->memory / SLOT_COST)) != 0) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory sorting keys");
    }
    if (s->index_cap != cap || s->spare == NULL) {
        struct slot *q = realloc(s->spare, s->index_cap * sizeof(struct slot));
        if (q == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory sorting keys");
        }
        s->spare = q;
    }
    uint32_t n = (uint32_t)len;
    s->index[s->n].prefix = prefix_of(rec, len);
    s->index[s->n++].off = s->arena_len;
    memcpy(s->arena + s->arena_len, &n, 4);
    memcpy(s->arena + s->arena_len + 4, rec, len);
    s->arena_len += 4 + len;
    return WEIR_OK;
}

static int head_less(const struct weir_keysort *s, int a, int b, size_t la, size_t lb)
{
    return weir_key_cmp(s->heads[a].buf, la, s->heads[b].buf, lb) < 0;
}

/* The record length of head h is kept in its `count` slot while merging. */
static void sift_down(struct weir_keysort *s, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->n_heap && head_less(s, s->heap[l], s->heap[m], s->heads[s->heap[l]].count,
                                       s->heads[s->heap[m]].count)) {
            m = l;
        }
        if (r < s->n_heap && head_less(s, s->heap[r], s->heap[m], s->heads[s->heap[r]].count,
                                       s->heads[s->heap[m]].count)) {
            m = r;
        }
        if (m == i) {
            return;
        }
        int t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
}

static void close_heads(struct weir_keysort *s, int n)
{
    for (int i = 0; s->heads != NULL && i < n; i++) {
        weir_keyfile_close(&s->heads[i]);
    }
    free(s->heads);
    free(s->heap);
    s->heads = NULL;
    s->heap = NULL;
    s->n_heap = 0;
}

/* Reads the next record of head h; drops it from the heap top at its end. */
static int advance(struct weir_keysort *s, int top, struct weir_error *err)
{
    struct weir_keyfile *k = &s->heads[s->heap[top]];
    size_t len = 0;
    int end = 0;
    if (weir_keyfile_next(k, &len, &end, err) != WEIR_OK) {
        return err->status;
    }
    if (end) {
        s->heap[top] = s->heap[--s->n_heap];
    } else {
        k->count = len;
    }
    if (s->n_heap > 0) {
        sift_down(s, top);
    }
    return WEIR_OK;
}

/* Opens runs [first, first+n) as the heads of a merge. */
static int open_heads(struct weir_keysort *s, int first, int n, struct weir_error *err)
{
    s->heads = calloc((size_t)n, sizeof(*s->heads));
    s->heap = calloc((size_t)n, sizeof(*s->heap));
    if (s->heads == NULL || s->heap == NULL) {
        close_heads(s, 0);
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        char path[1200];
        run_path(s, first + i, path, sizeof(path));
        if (weir_keyfile_open_read(&s->heads[i], path, err) != WEIR_OK) {
            close_heads(s, i + 1);
            return err->status;
        }
        s->heap[i] = i;
        s->heads[i].count = 0;
    }
    s->n_heap = n;
    /* prime: read one record per head, then heapify */
    for (int i = n - 1; i >= 0; i--) {
        size_t len = 0;
        int end = 0;
        if (weir_keyfile_next(&s->heads[s->heap[i]], &len, &end, err) != WEIR_OK) {
            close_heads(s, n);
            return err->status;
        }
        if (end) {
            s->heap[i] = s->heap[--s->n_heap];
        } else {
            s->heads[s->heap[i]].count = len;
        }
    }
    for (int i = s->n_heap / 2 - 1; i >= 0; i--) {
        sift_down(s, i);
    }
    return WEIR_OK;
}

/* Merges the first FANIN live runs into a new run until at most FANIN are left. */
static int merge_passes(struct weir_keysort *s, struct weir_error *err)
{
    while (s->runs - s->first_run > FANIN) {
        int first = s->first_run;
        if (open_heads(s, first, FANIN, err) != WEIR_OK) {
            return err->status;
        }
        struct weir_keyfile *out = calloc(1, sizeof(*out));
        char path[1200];
        run_path(s, s->runs, path, sizeof(path));
        int rc = out == NULL ? weir_error_set(err, WEIR_ENOMEM, "out of memory")
                             : weir_keyfile_create(out, path, err);
        s->runs++;
        while (rc == WEIR_OK && s->n_heap > 0) {
            struct weir_keyfile *h = &s->heads[s->heap[0]];
            rc = weir_keyfile_put(out, h->buf, (size_t)h->count, err);
            if (rc == WEIR_OK) {
                rc = advance(s, 0, err);
            }
        }
        if (rc == WEIR_OK) {
            rc = weir_keyfile_seal(out, err);
        }
        if (out != NULL) {
            weir_keyfile_close(out);
            free(out);
        }
        close_heads(s, FANIN);
        for (int i = first; i < first + FANIN; i++) {
            run_path(s, i, path, sizeof(path));
            unlink(path);
        }
        s->first_run = first + FANIN;
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    return WEIR_OK;
}

int weir_keysort_finish(struct weir_keysort *s, struct weir_error *err)
{
    if (s->runs == 0) {
        sort_index(s);
        s->in_memory = 1;
        s->pos = 0;
        return WEIR_OK;
    }
    if (s->n > 0 && spill(s, err) != WEIR_OK) {
        return err->status;
    }
    free(s->arena);
    free(s->index);
    free(s->spare);
    s->arena = NULL;
    s->index = NULL;
    s->spare = NULL;
    s->arena_cap = s->index_cap = 0;
    if (merge_passes(s, err) != WEIR_OK) {
        return err->status;
    }
    return open_heads(s, s->first_run, s->runs - s->first_run, err);
}

int weir_keysort_next(struct weir_keysort *s, const uint8_t **rec, size_t *len,
                      struct weir_error *err)
{
    *rec = NULL;
    if (s->in_memory) {
        if (s->pos < s->n) {
            *rec = record_at(s, s->pos++, len);
        }
        return WEIR_OK;
    }
    /* the top was handed out by the previous call: move past it now */
    if (s->started && s->n_heap > 0 && advance(s, 0, err) != WEIR_OK) {
        return err->status;
    }
    s->started = 1;
    if (s->n_heap > 0) {
        struct weir_keyfile *h = &s->heads[s->heap[0]];
        *rec = h->buf;
        *len = (size_t)h->count;
    }
    return WEIR_OK;
}

int weir_keysort_runs(const struct weir_keysort *s)
{
    return s->runs;
}

void weir_keysort_free(struct weir_keysort *s)
{
    if (s == NULL) {
        return;
    }
    int n = s->runs - s->first_run;
    close_heads(s, n);
    for (int i = s->first_run; i < s->runs; i++) {
        char path[1200];
        run_path(s, i, path, sizeof(path));
        unlink(path);
    }
    free(s->arena);
    free(s->index);
    free(s->spare);
    free(s);
}
