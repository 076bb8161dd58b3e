/* Column chunk encoder; see column.h. */
#include "parquet/column.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "parquet/colread.h"
#include "parquet/rle.h"
#include "parquet/thrift.h"
#include "util/arrow.h"

int weir_pq_column_init(struct weir_pq_column *c, const char *name,
                        const struct weir_pq_coltype *type,
                        const struct weir_pq_column_opts *opts, struct weir_error *err)
{
    memset(c, 0, sizeof(*c));
    c->name = strdup(name);
    if (c->name == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    c->type = *type;
    c->opts = opts;
    weir_pq_buf_init(&c->plain, INT32_MAX);
    weir_pq_buf_init(&c->bounds, 0);
    weir_pq_buf_init(&c->body, INT32_MAX);
    weir_pq_buf_init(&c->header, 0);
    weir_pq_buf_init(&c->scratch, 0);
    weir_pq_stats_init(&c->page_stats, type->stat_kind);
    weir_pq_stats_init(&c->chunk_stats, type->stat_kind);
    weir_pq_dict_init(&c->dict, type->phys == WEIR_PQ_BYTE_ARRAY ? 0 : type->value_size);
    c->dict_on = type->dictionary;
    c->dict_bw = 1;
    c->def_max = type->list ? 3 : 1;
    c->levels_on = type->list;
    return WEIR_OK;
}

void weir_pq_column_free(struct weir_pq_column *c)
{
    if (c == NULL) {
        return;
    }
    free(c->name);
    free(c->levels);
    free(c->reps);
    free(c->indices);
    free(c->entries);
    weir_pq_buf_reset(&c->plain);
    weir_pq_pages_free(&c->pages);
    weir_pq_buf_reset(&c->bounds);
    weir_pq_buf_reset(&c->body);
    weir_pq_buf_reset(&c->header);
    weir_pq_buf_reset(&c->scratch);
    weir_pq_stats_free(&c->page_stats);
    weir_pq_stats_free(&c->chunk_stats);
    weir_pq_dict_free(&c->dict);
    memset(c, 0, sizeof(*c));
}

void weir_pq_pages_free(struct weir_pq_pages *p)
{
    struct weir_pq_page *g = p->head;
    while (g != NULL) {
        struct weir_pq_page *next = g->next;
        free(g);
        g = next;
    }
    memset(p, 0, sizeof(*p));
}

static void link_page(struct weir_pq_pages *p, struct weir_pq_page *g, bool front)
{
    g->next = NULL;
    if (front) {
        g->next = p->head;
        p->head = g;
        if (p->tail == NULL) {
            p->tail = g;
        }
    } else {
        if (p->tail != NULL) {
            p->tail->next = g;
        } else {
            p->head = g;
        }
        p->tail = g;
    }
    p->bytes += g->len;
}

void weir_pq_chunk_out_free(struct weir_pq_chunk_out *co)
{
    weir_pq_buf_reset(&co->meta);
    weir_pq_buf_reset(&co->col_index);
    weir_pq_buf_reset(&co->off_index);
}

/* Room kept in front of a compressed body for its header, which is only
 * known after compressing (sizes, CRC); headers are a few hundred bytes at
 * most (statistics bounds are cut to 64 bytes). */
#define HDR_ROOM 512
/* Pages below this many compressed bytes are laid out without the room. */
#define SMALL_PAGE ((size_t)64 << 10)

/*
 * The open page's PLAIN values start PLAIN_ROOM bytes into `plain`: a page
 * without nulls (most) gets its definition levels (4-byte length and one
 * RLE run: 8 bytes at most) written into that room when it is cut, and is
 * compressed from `plain` in place instead of being copied after its levels
 * into `body` first.
 */
#define PLAIN_ROOM 16

/* PLAIN value bytes of the open page. */
static size_t plain_bytes(const struct weir_pq_column *c)
{
    return c->plain.len > PLAIN_ROOM ? c->plain.len - PLAIN_ROOM : 0;
}

/* Before the page's first PLAIN value: the room. */
static inline void plain_open(struct weir_pq_column *c)
{
    if (c->plain.len == 0 && weir_pq_buf_reserve(&c->plain, PLAIN_ROOM)) {
        memset(c->plain.data, 0, PLAIN_ROOM);
        c->plain.len = PLAIN_ROOM;
    }
}

uint64_t weir_pq_column_buffered(const struct weir_pq_column *c)
{
    uint64_t open = c->dict_on ? ((uint64_t)c->n_indices * (uint64_t)c->dict_bw + 7) / 8
                               : plain_bytes(c);
    return c->pages.bytes + open + c->n_rows / 8 + (c->n_dict_pages > 0 || c->dict_on
                                                       ? c->dict.plain.len
                                                       : 0);
}

uint64_t weir_pq_column_memory(const struct weir_pq_column *c)
{
    /* the struct itself and the statistics' bounds count too: a partitioned
     * run has tens of thousands of columns open; a page's allocation has its
     * link (and, from SMALL_PAGE bytes on, the unused front of the header
     * room: under 1%) besides the bytes it holds */
    return sizeof(*c) + c->page_stats.min.cap + c->page_stats.max.cap +
           c->chunk_stats.min.cap + c->chunk_stats.max.cap + c->pages.bytes +
           c->n_entries * (sizeof(struct weir_pq_page) + 16) + c->pages.bytes / 128 +
           (c->rows_cap + c->reps_cap + c->indices_cap) * sizeof(uint32_t) + c->plain.cap +
           c->body.cap + c->header.cap + c->scratch.cap + c->bounds.cap +
           c->entries_cap * sizeof(*c->entries) + c->dict.plain.cap +
           (uint64_t)c->dict.n_slots * sizeof(*c->dict.slots) +
           (uint64_t)c->dict.offs_cap * sizeof(*c->dict.offs);
}

static int nomem(struct weir_error *err, const struct weir_pq_column *c)
{
    return weir_error_set(err, WEIR_ENOMEM, "column \"%s\": out of memory encoding a page",
                          c->name);
}

static bool grow_u32(uint32_t **p, size_t *cap, size_t need)
{
    if (need <= *cap) {
        return true;
    }
    size_t n = *cap != 0 ? *cap * 2 : 64; /* small: a partitioned run has thousands of columns open */
    while (n < need) {
        n *= 2;
    }
    uint32_t *q = realloc(*p, n * sizeof(*q));
    if (q == NULL) {
        return false;
    }
    *p = q;
    *cap = n;
    return true;
}

/* The page's first null: the rows before it get their level 1 written out,
 * with room for `extra` rows more. */
static bool levels_begin(struct weir_pq_column *c, size_t extra)
{
    if (!grow_u32(&c->levels, &c->rows_cap, c->n_rows + extra)) {
        return false;
    }
    for (size_t i = 0; i < c->n_rows; i++) {
        c->levels[i] = 1;
    }
    c->levels_on = true;
    return true;
}

/* ---- page output ---- */

static void page_header(struct weir_pq_column *c, int type, size_t raw, size_t comp, uint32_t crc,
                        int encoding, int32_t n)
{
    struct weir_pq_tw w;
    weir_pq_buf_clear(&c->header);
    weir_pq_tw_init(&w, &c->header);
    weir_pq_tw_field_i32(&w, 1, type);
    weir_pq_tw_field_i32(&w, 2, (int32_t)raw);
    weir_pq_tw_field_i32(&w, 3, (int32_t)comp);
    weir_pq_tw_field_i32(&w, 4, (int32_t)crc);
    if (type == WEIR_PQ_PAGE_DATA) {
        weir_pq_tw_struct_begin(&w, 5);
        weir_pq_tw_field_i32(&w, 1, n);
        weir_pq_tw_field_i32(&w, 2, encoding);
        weir_pq_tw_field_i32(&w, 3, WEIR_PQ_ENC_RLE);
        weir_pq_tw_field_i32(&w, 4, WEIR_PQ_ENC_RLE);
        weir_pq_stats_write(&w, 5, &c->page_stats, c->type.legacy_stats, &c->scratch);
        weir_pq_tw_struct_end(&w);
    } else {
        weir_pq_tw_struct_begin(&w, 7);
        weir_pq_tw_field_i32(&w, 1, n);
        weir_pq_tw_field_i32(&w, 2, WEIR_PQ_ENC_PLAIN);
        weir_pq_tw_field_bool(&w, 3, false);
        weir_pq_tw_struct_end(&w);
    }
    weir_pq_tw_struct_end(&w);
    if (!weir_pq_tw_ok(&w)) {
        c->header.failed = true;
    }
}

/*
 * Compresses in[0..len) straight into a new page allocation, then puts the
 * header in the room before it: no copy of the body, no regrowing. *raw gets
 * the uncompressed size with header for the chunk's totals.
 */
static int seal_page(struct weir_pq_column *c, const uint8_t *in, size_t len, int type,
                     int encoding, int32_t n, struct weir_pq_page **out, size_t *raw,
                     struct weir_error *err)
{
    size_t bound = weir_pq_compress_bound(c->opts->codec, len);
    if (bound > INT32_MAX) {
        return weir_error_set(err, WEIR_EDATA, "column \"%s\": a page exceeds 2 GiB", c->name);
    }
    struct weir_pq_page *g = malloc(sizeof(*g) + HDR_ROOM + bound);
    if (g == NULL) {
        return nomem(err, c);
    }
    /* A fixed-size view: a codec needing more room fails instead of
     * reallocating memory that is not the buffer's own. */
    struct weir_pq_buf view = {.data = g->data + HDR_ROOM, .cap = bound, .max = bound};
    int rc = weir_pq_compress(c->opts->codec, in != NULL ? in : (const uint8_t *)"", len, &view,
                              err);
    if (rc != WEIR_OK) {
        free(g);
        return rc;
    }
    size_t clen = view.len;
    uint32_t crc = (uint32_t)crc32(0L, view.data, (uInt)clen);
    page_header(c, type, len, clen, crc, encoding, n);
    size_t hlen = c->header.len;
    if (c->header.failed) {
        free(g);
        return nomem(err, c);
    }
    if (hlen <= HDR_ROOM && clen < SMALL_PAGE) {
        /* a small page (a partition's, compacted) would carry its unused
         * header room for its lifetime, thousands of them: close the gap */
        memmove(g->data + hlen, g->data + HDR_ROOM, clen);
        memcpy(g->data, c->header.data, hlen);
        g->off = 0;
        struct weir_pq_page *s = realloc(g, sizeof(*g) + hlen + clen);
        g = s != NULL ? s : g;
    } else if (hlen <= HDR_ROOM) {
        memcpy(g->data + HDR_ROOM - hlen, c->header.data, hlen);
        g->off = HDR_ROOM - hlen;
        /* Give the unused end of the bound back (in place for glibc). */
        struct weir_pq_page *s = realloc(g, sizeof(*g) + HDR_ROOM + clen);
        g = s != NULL ? s : g;
    } else {
        struct weir_pq_page *s = malloc(sizeof(*s) + hlen + clen);
        if (s == NULL) {
            free(g);
            return nomem(err, c);
        }
        memcpy(s->data, c->header.data, hlen);
        memcpy(s->data + hlen, g->data + HDR_ROOM, clen);
        free(g);
        g = s;
        g->off = 0;
    }
    g->len = hlen + clen;
    *out = g;
    *raw = hlen + len;
    return WEIR_OK;
}

static int add_entry(struct weir_pq_column *c, uint32_t size)
{
    if (c->n_entries == c->entries_cap) {
        size_t cap = c->entries_cap != 0 ? c->entries_cap * 2 : 4;
        struct weir_pq_page_entry *e = realloc(c->entries, cap * sizeof(*e));
        if (e == NULL) {
            return WEIR_ENOMEM;
        }
        c->entries = e;
        c->entries_cap = cap;
    }
    struct weir_pq_page_entry *e = &c->entries[c->n_entries++];
    memset(e, 0, sizeof(*e));
    e->offset = c->pages.bytes;
    e->size = size;
    e->first_row = c->chunk_rows;
    e->null_count = c->page_stats.null_count;
    e->value_count = c->page_stats.value_count;
    bool mx, mn;
    e->max_off = c->bounds.len;
    bool has_max = weir_pq_stats_max_bound(&c->page_stats, WEIR_PQ_STATS_TRUNC, &c->scratch, &mx);
    weir_pq_buf_append(&c->bounds, c->scratch.data, c->scratch.len);
    e->max_len = c->scratch.len;
    e->min_off = c->bounds.len;
    bool has_min = weir_pq_stats_min_bound(&c->page_stats, WEIR_PQ_STATS_TRUNC, &c->scratch, &mn);
    weir_pq_buf_append(&c->bounds, c->scratch.data, c->scratch.len);
    e->min_len = c->scratch.len;
    e->has_bounds = has_max && has_min;
    return c->bounds.failed || c->scratch.failed ? WEIR_ENOMEM : WEIR_OK;
}

/* Appends 4-byte length + RLE levels of bit width bw (data page v1); NULL
 * levels: n rows of level 1. */
static void put_levels(struct weir_pq_buf *body, const uint32_t *levels, size_t n, int bw)
{
    size_t at = body->len;
    weir_pq_buf_u32le(body, 0);
    if (levels != NULL) {
        weir_pq_rle_encode(body, levels, n, bw);
    } else {
        weir_pq_rle_repeat(body, 1, n, bw);
    }
    if (!body->failed) {
        uint32_t len = (uint32_t)(body->len - at - 4);
        memcpy(body->data + at, &len, 4);
    }
}

/* Closes the open page: levels, values, compression, header, page index. */
static int cut_page(struct weir_pq_column *c, struct weir_error *err)
{
    if (c->n_rows == 0) {
        return WEIR_OK;
    }
    bool use_dict = c->dict_on && c->n_indices > 0;
    const uint8_t *in = NULL;
    size_t in_len = 0;
    if (!use_dict && !c->type.list && !c->levels_on && c->plain.len >= PLAIN_ROOM) {
        /* every row has a value: the levels go into the room */
        uint8_t lv[PLAIN_ROOM];
        struct weir_pq_buf lb = {.data = lv, .cap = sizeof(lv), .max = sizeof(lv)};
        put_levels(&lb, NULL, c->n_rows, 1);
        if (!lb.failed) {
            uint8_t *at = c->plain.data + PLAIN_ROOM - lb.len;
            memcpy(at, lv, lb.len);
            in = at;
            in_len = c->plain.len - PLAIN_ROOM + lb.len;
        }
    }
    if (in == NULL) {
        weir_pq_buf_clear(&c->body);
        if (c->type.list) {
            put_levels(&c->body, c->reps, c->n_rows, 1);
        }
        put_levels(&c->body, c->levels_on ? c->levels : NULL, c->n_rows, c->type.list ? 2 : 1);
        if (use_dict) {
            weir_pq_buf_byte(&c->body, (uint8_t)c->dict_bw);
            weir_pq_rle_encode(&c->body, c->indices, c->n_indices, c->dict_bw);
        } else if (plain_bytes(c) > 0) {
            weir_pq_buf_append(&c->body, c->plain.data + PLAIN_ROOM, plain_bytes(c));
        }
        if (c->body.failed) {
            return nomem(err, c);
        }
        in = c->body.data;
        in_len = c->body.len;
    }
    int enc = use_dict ? WEIR_PQ_ENC_RLE_DICTIONARY : WEIR_PQ_ENC_PLAIN;
    struct weir_pq_page *g = NULL;
    size_t raw = 0;
    int rc = seal_page(c, in, in_len, WEIR_PQ_PAGE_DATA, enc, (int32_t)c->n_rows, &g, &raw, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    if (add_entry(c, (uint32_t)g->len) != WEIR_OK) {
        free(g);
        return nomem(err, c);
    }
    link_page(&c->pages, g, false);
    c->uncompressed += (int64_t)raw;
    c->chunk_values += (int64_t)c->n_rows;
    c->chunk_rows += (int64_t)(c->type.list ? c->list_rows : c->n_rows);
    c->list_rows = 0;
    if (use_dict) {
        c->n_dict_pages++;
    } else {
        c->n_plain_pages++;
    }
    weir_pq_stats_merge(&c->chunk_stats, &c->page_stats);
    weir_pq_stats_clear(&c->page_stats);
    if (!weir_pq_stats_ok(&c->chunk_stats)) {
        return nomem(err, c);
    }
    c->n_rows = 0;
    c->levels_on = c->type.list;
    c->n_indices = 0;
    c->n_bools = 0;
    weir_pq_buf_clear(&c->plain);
    return WEIR_OK;
}

/* ---- values ---- */

static bool page_full(const struct weir_pq_column *c)
{
    if (c->n_rows >= WEIR_PQ_PAGE_MAX_ROWS) {
        return true;
    }
    uint64_t est = c->dict_on ? ((uint64_t)c->n_indices * (uint64_t)c->dict_bw + 7) / 8
                              : plain_bytes(c);
    return est >= c->opts->page_size;
}

/* Appends to a buffer with room reserved by the caller's block, else grows. */
static inline void put_bytes(struct weir_pq_buf *b, const void *v, size_t len)
{
    if (len <= b->cap - b->len && !b->failed && len <= b->max - b->len) {
        memcpy(b->data + b->len, v, len);
        b->len += len;
        return;
    }
    weir_pq_buf_append(b, v, len);
}

/*
 * The dictionary does not pay off (see put_value): PLAIN for the rest of the
 * chunk. While no page has used it, the open page's values are rewritten
 * PLAIN and the chunk gets no dictionary at all (dictionary entries are
 * stored as their PLAIN bytes); else the open page is cut as it is.
 */
static int give_up_dict(struct weir_pq_column *c, struct weir_error *err)
{
    int rc = WEIR_OK;
    if (c->n_dict_pages > 0 || (c->dict.width == 0 && c->type.phys != WEIR_PQ_BYTE_ARRAY)) {
        rc = cut_page(c, err);
    } else {
        const struct weir_pq_dict *d = &c->dict;
        weir_pq_buf_clear(&c->plain);
        plain_open(c);
        for (size_t i = 0; i < c->n_indices; i++) {
            const uint8_t *e;
            size_t len;
            if (d->width > 0) {
                e = d->plain.data + (size_t)c->indices[i] * (size_t)d->width;
                len = (size_t)d->width;
            } else {
                uint32_t l;
                e = d->plain.data + d->offs[c->indices[i]];
                memcpy(&l, e, 4);
                len = 4 + (size_t)l;
            }
            put_bytes(&c->plain, e, len);
        }
        if (c->plain.failed) {
            return nomem(err, c);
        }
        c->n_indices = 0;
        /* no page refers to the dictionary: its storage goes (a partitioned
         * run holds thousands of chunks that fell back) */
        weir_pq_dict_free(&c->dict);
    }
    /* the dictionary's indices are not kept again in this chunk */
    free(c->indices);
    c->indices = NULL;
    c->indices_cap = 0;
    c->dict_on = false;
    c->fell_back = true;
    return rc;
}

/* More than 7 in 8 of the values put in the chunk were new to the
 * dictionary (after the value just put): it does not pay off. */
static bool mostly_new(const struct weir_pq_column *c)
{
    return (uint64_t)c->dict.n * 8 > (c->dict_puts + 1) * 7;
}

/* One non-null value; levels and indices have room (see append). */
static int put_value(struct weir_pq_column *c, const uint8_t *v, size_t len, uint32_t h,
                     struct weir_error *err)
{
    uint32_t idx = 0;
    bool stop = false;
    if (c->dict_on) {
        int r = weir_pq_dict_put_hashed(&c->dict, v, len, h, c->opts->dict_limit, &idx);
        if (r == WEIR_PQ_DICT_NOMEM) {
            return nomem(err, c);
        }
        if (r == WEIR_PQ_DICT_FULL) {
            /* Fall back to PLAIN for the rest of the chunk; the open page
             * only holds values already in the dictionary. */
            int rc = cut_page(c, err);
            if (rc != WEIR_OK) {
                return rc;
            }
            c->dict_on = false;
            c->fell_back = true;
        } else if (r == WEIR_PQ_DICT_ADDED) {
            c->dict_bw = c->dict.n > 1 ? 32 - __builtin_clz(c->dict.n - 1) : 1;
            /* Mostly distinct values (ids, timestamps, measures) gain nothing
             * from a dictionary but its hashing and a second copy of the
             * values; a list row must not straddle the cut, so lists keep
             * to the size limit. */
            stop = !c->type.list && c->dict.n >= WEIR_PQ_DICT_PROBE &&
                   (c->dict.n & (c->dict.n - 1)) == 0 && mostly_new(c);
        }
        c->dict_puts += c->dict_on;
    }
    if (c->levels_on) {
        c->levels[c->n_rows] = c->def_max;
    }
    c->n_rows++;
    weir_pq_stats_update(&c->page_stats, v, len);
    if (c->dict_on) {
        c->indices[c->n_indices++] = idx;
    } else if (c->type.src == WEIR_PQ_SRC_BOOL) {
        plain_open(c);
        if (c->n_bools % 8 == 0) {
            weir_pq_buf_byte(&c->plain, 0);
        }
        if (v[0] && !c->plain.failed) {
            c->plain.data[PLAIN_ROOM + c->n_bools / 8] |= (uint8_t)(1u << (c->n_bools % 8));
        }
        c->n_bools++;
    } else {
        plain_open(c);
        if (c->type.phys == WEIR_PQ_BYTE_ARRAY) {
            uint8_t l4[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
                             (uint8_t)(len >> 24)};
            put_bytes(&c->plain, l4, 4);
        }
        put_bytes(&c->plain, v, len);
    }
    if (c->plain.failed || !weir_pq_stats_ok(&c->page_stats)) {
        return nomem(err, c);
    }
    if (stop) {
        return give_up_dict(c, err);
    }
    return WEIR_OK;
}

/* PLAIN fixed-width values and no nulls: the run path applies. */
static bool bulk_ok(const struct weir_pq_column *c, const struct weir_pq_vblock *b)
{
    return b->no_nulls && !c->dict_on && c->type.value_size > 0 &&
           c->type.src != WEIR_PQ_SRC_BOOL && c->type.phys != WEIR_PQ_BYTE_ARRAY;
}

/*
 * Puts values k.. of the block in as one run, stopping after the row that
 * makes the page full (by rows or by bytes), i.e. exactly where the row by
 * row path would cut it; *k is left on the run's last row.
 */
static int put_run(struct weir_pq_column *c, const struct weir_pq_vblock *b, int *k, int n,
                   struct weir_error *err)
{
    size_t w = (size_t)c->type.value_size;
    size_t m = (size_t)(n - *k);
    size_t rows_left = WEIR_PQ_PAGE_MAX_ROWS - c->n_rows;
    size_t room = c->opts->page_size > plain_bytes(c) ? c->opts->page_size - plain_bytes(c) : 0;
    size_t by_bytes = (room + w - 1) / w;
    m = m < rows_left ? m : rows_left;
    m = m < by_bytes ? m : by_bytes;
    m = m > 0 ? m : 1;
    plain_open(c);
    if (!weir_pq_buf_reserve(&c->plain, m * w)) {
        return nomem(err, c);
    }
    uint8_t *dst = c->plain.data + c->plain.len;
    for (size_t j = 0; j < m; j++) {
        memcpy(dst + j * w, b->v[*k + (int)j], w);
    }
    for (size_t j = 0; c->levels_on && j < m; j++) {
        c->levels[c->n_rows + j] = 1;
    }
    c->plain.len += m * w;
    c->n_rows += m;
    weir_pq_stats_update_run(&c->page_stats, &b->v[*k], m, w);
    if (!weir_pq_stats_ok(&c->page_stats)) {
        return nomem(err, c);
    }
    *k += (int)m - 1;
    return WEIR_OK;
}

static int bad_list(const struct weir_pq_column *c, int64_t row, struct weir_error *err)
{
    return weir_error_set(err, WEIR_EDATA, "column \"%s\": bad arrow list offsets at row %lld",
                          c->name, (long long)row);
}

/* The elements [e0, e1) of one list row: rep 0 for the first, then 1. */
static int put_elements(struct weir_pq_column *c, const struct ArrowArray *elems, int64_t e0,
                        int64_t e1, struct weir_pq_vblock *b, struct weir_error *err)
{
    for (int64_t e = e0; e < e1; e += WEIR_PQ_BLOCK) {
        int n = e1 - e < WEIR_PQ_BLOCK ? (int)(e1 - e) : WEIR_PQ_BLOCK;
        int rc = weir_pq_colread_block(c, elems, NULL, e, e, n, b, err);
        for (int k = 0; rc == WEIR_OK && k < n; k++) {
            c->reps[c->n_rows] = e + k == e0 ? 0 : 1;
            if (b->null[k]) {
                c->levels[c->n_rows++] = 2;
                c->page_stats.null_count++;
            } else {
                rc = put_value(c, b->v[k], b->len[k], b->hash[k], err);
            }
        }
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    return WEIR_OK;
}

/*
 * Whether the dictionary surely takes every element of a list row as a new
 * entry (bytes as weir_pq_dict_put_hashed counts them; a uuid's text is 36).
 * A list row must not straddle the page cut of a dictionary fallback, so the
 * fallback happens before the row instead.
 */
static bool dict_room(const struct weir_pq_column *c, const struct ArrowArray *elems, int64_t e0,
                      int64_t e1)
{
    uint64_t n = (uint64_t)(e1 - e0), worst;
    if (c->type.src == WEIR_PQ_SRC_VAR) {
        const int32_t *o = elems->buffers[1];
        int64_t j = elems->offset;
        worst = 4 * n + (uint64_t)(o[j + e1] - o[j + e0]);
    } else {
        /* BYTE_ARRAY from fixed-size values: type_length bytes, or a uuid's 36 */
        uint64_t w = c->type.value_size > 0 ? (uint64_t)c->type.value_size
                     : c->type.type_length > 36 ? (uint64_t)c->type.type_length
                                                : 36;
        worst = n * (w + (c->type.phys == WEIR_PQ_BYTE_ARRAY ? 4 : 0));
    }
    return c->dict.plain.len + worst <= c->opts->dict_limit && c->dict.n + n < UINT32_MAX - 1;
}

/* column_append for a list column: a row's entries stay in one page. */
static int append_list(struct weir_pq_column *c, const struct ArrowArray *arr,
                       const struct ArrowArray *parent, int64_t start, int64_t count,
                       struct weir_error *err)
{
    int64_t base = parent != NULL ? parent->offset : 0;
    const struct ArrowArray *elems = arr->children[0];
    const int32_t *off = arr->buffers[1];
    struct weir_pq_vblock b;
    for (int64_t r = start; r < start + count; r++) {
        bool null = (parent != NULL && weir_arrow_is_null(parent, r)) ||
                    weir_arrow_is_null(arr, base + r);
        int64_t j = arr->offset + base + r;
        int64_t e0 = null ? 0 : off[j], e1 = null ? 0 : off[j + 1];
        if (e0 < 0 || e1 < e0 || e1 > elems->length) {
            return bad_list(c, base + r, err);
        }
        size_t need = c->n_rows + (size_t)(e1 > e0 ? e1 - e0 : 1);
        if (!grow_u32(&c->levels, &c->rows_cap, need) || !grow_u32(&c->reps, &c->reps_cap, need) ||
            !grow_u32(&c->indices, &c->indices_cap, c->n_indices + (size_t)(e1 - e0))) {
            return nomem(err, c);
        }
        int rc = WEIR_OK;
        if (c->dict_on && !dict_room(c, elems, e0, e1)) {
            /* PLAIN for the rest of the chunk, from this row on */
            if ((rc = cut_page(c, err)) != WEIR_OK) {
                return rc;
            }
            c->dict_on = false;
            c->fell_back = true;
        }
        if (e1 == e0) {
            c->reps[c->n_rows] = 0;
            c->levels[c->n_rows++] = null ? 0 : 1;
            c->page_stats.null_count++;
        }
        if ((rc = put_elements(c, elems, e0, e1, &b, err)) != WEIR_OK) {
            return rc;
        }
        c->list_rows++;
        if (page_full(c) && (rc = cut_page(c, err)) != WEIR_OK) {
            return rc;
        }
    }
    return WEIR_OK;
}

int weir_pq_column_append(struct weir_pq_column *c, const struct ArrowArray *arr,
                          const struct ArrowArray *parent, int64_t start, int64_t count,
                          struct weir_error *err)
{
    if (c->type.list) {
        return append_list(c, arr, parent, start, count, err);
    }
    int64_t base = parent != NULL ? parent->offset : 0;
    struct weir_pq_vblock b;
    for (int64_t r0 = start; r0 < start + count; r0 += WEIR_PQ_BLOCK) {
        int n = start + count - r0 < WEIR_PQ_BLOCK ? (int)(start + count - r0)
                                                    : WEIR_PQ_BLOCK;
        int rc = weir_pq_colread_block(c, arr, parent, r0, base + r0, n, &b, err);
        if (rc != WEIR_OK) {
            return rc;
        }
        /* Page cuts only empty these, so one check covers the block. */
        if ((c->levels_on && !grow_u32(&c->levels, &c->rows_cap, c->n_rows + (size_t)n)) ||
            (c->dict_on && !grow_u32(&c->indices, &c->indices_cap, c->n_indices + (size_t)n))) {
            return nomem(err, c);
        }
        for (int k = 0; k < n; k++) {
            if (bulk_ok(c, &b)) {
                /* Values up to the next page cut go in as one run. */
                rc = put_run(c, &b, &k, n, err);
                if (rc != WEIR_OK) {
                    return rc;
                }
            } else if (b.null[k]) {
                if (!c->levels_on && !levels_begin(c, (size_t)(n - k))) {
                    return nomem(err, c);
                }
                c->levels[c->n_rows++] = 0;
                c->page_stats.null_count++;
            } else {
                rc = put_value(c, b.v[k], b.len[k], b.hash[k], err);
                if (rc != WEIR_OK) {
                    return rc;
                }
            }
            if (page_full(c)) {
                rc = cut_page(c, err);
                if (rc != WEIR_OK) {
                    return rc;
                }
            }
        }
    }
    return WEIR_OK;
}

/* ---- chunk output ---- */

static void write_meta(struct weir_pq_column *c, struct weir_pq_chunk_out *co, int codec,
                       int64_t total_unc, int64_t total_comp, uint64_t data_off, uint64_t dict_off,
                       bool has_dict)
{
    struct weir_pq_tw w;
    weir_pq_tw_init(&w, &co->meta);
    weir_pq_tw_field_i32(&w, 1, c->type.phys);
    int encs[3], n_encs = 0;
    if (has_dict || c->n_plain_pages > 0) {
        encs[n_encs++] = WEIR_PQ_ENC_PLAIN;
    }
    encs[n_encs++] = WEIR_PQ_ENC_RLE;
    if (has_dict) {
        encs[n_encs++] = WEIR_PQ_ENC_RLE_DICTIONARY;
    }
    weir_pq_tw_list_begin(&w, 2, WEIR_PQ_T_I32, (size_t)n_encs);
    for (int i = 0; i < n_encs; i++) {
        weir_pq_tw_i32(&w, encs[i]);
    }
    weir_pq_tw_list_begin(&w, 3, WEIR_PQ_T_BINARY, c->type.list ? 3u : 1u);
    weir_pq_tw_binary(&w, c->name, strlen(c->name));
    if (c->type.list) {
        weir_pq_tw_binary(&w, "list", 4);
        weir_pq_tw_binary(&w, "element", 7);
    }
    weir_pq_tw_field_i32(&w, 4, codec);
    weir_pq_tw_field_i64(&w, 5, c->chunk_values);
    weir_pq_tw_field_i64(&w, 6, total_unc);
    weir_pq_tw_field_i64(&w, 7, total_comp);
    weir_pq_tw_field_i64(&w, 9, (int64_t)data_off);
    if (has_dict) {
        weir_pq_tw_field_i64(&w, 11, (int64_t)dict_off);
    }
    weir_pq_stats_write(&w, 12, &c->chunk_stats, c->type.legacy_stats, &c->scratch);
    /* encoding_stats tells readers whether every data page uses the
     * dictionary, i.e. whether the chunk fell back to PLAIN. */
    size_t n_stats = (has_dict ? 2u : 0u) + (c->n_plain_pages > 0 ? 1u : 0u);
    weir_pq_tw_list_begin(&w, 13, WEIR_PQ_T_STRUCT, n_stats);
    if (has_dict) {
        const int32_t rows[2][3] = {{WEIR_PQ_PAGE_DICTIONARY, WEIR_PQ_ENC_PLAIN, 1},
                                    {WEIR_PQ_PAGE_DATA, WEIR_PQ_ENC_RLE_DICTIONARY,
                                     c->n_dict_pages}};
        for (int i = 0; i < 2; i++) {
            weir_pq_tw_elem_struct_begin(&w);
            weir_pq_tw_field_i32(&w, 1, rows[i][0]);
            weir_pq_tw_field_i32(&w, 2, rows[i][1]);
            weir_pq_tw_field_i32(&w, 3, rows[i][2]);
            weir_pq_tw_struct_end(&w);
        }
    }
    if (c->n_plain_pages > 0) {
        weir_pq_tw_elem_struct_begin(&w);
        weir_pq_tw_field_i32(&w, 1, WEIR_PQ_PAGE_DATA);
        weir_pq_tw_field_i32(&w, 2, WEIR_PQ_ENC_PLAIN);
        weir_pq_tw_field_i32(&w, 3, c->n_plain_pages);
        weir_pq_tw_struct_end(&w);
    }
    weir_pq_tw_struct_end(&w);
    if (!weir_pq_tw_ok(&w)) {
        co->meta.failed = true;
    }
}

static void write_offset_index(struct weir_pq_column *c, struct weir_pq_chunk_out *co,
                               uint64_t data_off)
{
    struct weir_pq_tw w;
    weir_pq_tw_init(&w, &co->off_index);
    weir_pq_tw_list_begin(&w, 1, WEIR_PQ_T_STRUCT, c->n_entries);
    for (size_t i = 0; i < c->n_entries; i++) {
        weir_pq_tw_elem_struct_begin(&w);
        weir_pq_tw_field_i64(&w, 1, (int64_t)(data_off + c->entries[i].offset));
        weir_pq_tw_field_i32(&w, 2, (int32_t)c->entries[i].size);
        weir_pq_tw_field_i64(&w, 3, c->entries[i].first_row);
        weir_pq_tw_struct_end(&w);
    }
    weir_pq_tw_struct_end(&w);
    if (!weir_pq_tw_ok(&w)) {
        co->off_index.failed = true;
    }
}

/* BoundaryOrder: 0 unordered, 1 ascending, 2 descending (null pages skipped). */
static int boundary_order(const struct weir_pq_column *c)
{
    bool asc = true, desc = true;
    const struct weir_pq_page_entry *prev = NULL;
    const uint8_t *b = c->bounds.data != NULL ? c->bounds.data : (const uint8_t *)"";
    int k = c->type.stat_kind;
    for (size_t i = 0; i < c->n_entries; i++) {
        const struct weir_pq_page_entry *e = &c->entries[i];
        if (e->value_count == 0) {
            continue;
        }
        if (prev != NULL) {
            int mn = weir_pq_stats_cmp(k, b + prev->min_off, prev->min_len, b + e->min_off,
                                       e->min_len);
            int mx = weir_pq_stats_cmp(k, b + prev->max_off, prev->max_len, b + e->max_off,
                                       e->max_len);
            asc = asc && mn <= 0 && mx <= 0;
            desc = desc && mn >= 0 && mx >= 0;
        }
        prev = e;
    }
    return asc ? 1 : desc ? 2 : 0;
}

static void write_column_index(struct weir_pq_column *c, struct weir_pq_chunk_out *co)
{
    for (size_t i = 0; i < c->n_entries; i++) {
        if (c->entries[i].value_count > 0 && !c->entries[i].has_bounds) {
            return; /* e.g. a float page of only NaN: no column index (parquet.thrift) */
        }
    }
    const uint8_t *b = c->bounds.data != NULL ? c->bounds.data : (const uint8_t *)"";
    struct weir_pq_tw w;
    weir_pq_tw_init(&w, &co->col_index);
    weir_pq_tw_list_begin(&w, 1, WEIR_PQ_T_BOOL_ELEM, c->n_entries);
    for (size_t i = 0; i < c->n_entries; i++) {
        weir_pq_tw_bool(&w, c->entries[i].value_count == 0);
    }
    weir_pq_tw_list_begin(&w, 2, WEIR_PQ_T_BINARY, c->n_entries);
    for (size_t i = 0; i < c->n_entries; i++) {
        const struct weir_pq_page_entry *e = &c->entries[i];
        weir_pq_tw_binary(&w, b + e->min_off, e->value_count > 0 ? e->min_len : 0);
    }
    weir_pq_tw_list_begin(&w, 3, WEIR_PQ_T_BINARY, c->n_entries);
    for (size_t i = 0; i < c->n_entries; i++) {
        const struct weir_pq_page_entry *e = &c->entries[i];
        weir_pq_tw_binary(&w, b + e->max_off, e->value_count > 0 ? e->max_len : 0);
    }
    weir_pq_tw_field_i32(&w, 4, boundary_order(c));
    weir_pq_tw_list_begin(&w, 5, WEIR_PQ_T_I64, c->n_entries);
    for (size_t i = 0; i < c->n_entries; i++) {
        weir_pq_tw_i64(&w, c->entries[i].null_count);
    }
    weir_pq_tw_struct_end(&w);
    if (!weir_pq_tw_ok(&w)) {
        co->col_index.failed = true;
    }
}

static int emit(struct weir_output *out, uint64_t *pos, const void *data, size_t len,
                struct weir_error *err)
{
    if (len == 0) {
        return WEIR_OK;
    }
    int rc = out->write(out->ctx, data, len, err);
    if (rc == WEIR_OK) {
        *pos += len;
    }
    return rc;
}

static void reset_chunk(struct weir_pq_column *c)
{
    weir_pq_dict_clear(&c->dict);
    c->dict_on = c->type.dictionary;
    c->fell_back = false;
    c->dict_puts = 0;
    c->dict_bw = 1;
    weir_pq_buf_clear(&c->bounds);
    weir_pq_stats_clear(&c->chunk_stats);
    c->chunk_values = 0;
    c->chunk_rows = 0;
    c->uncompressed = 0;
    c->n_dict_pages = 0;
    c->n_plain_pages = 0;
    c->n_entries = 0;
}

int weir_pq_column_seal(struct weir_pq_column *c, uint64_t start, struct weir_pq_pages *pages,
                        struct weir_pq_chunk_out *co, struct weir_error *err)
{
    int rc = cut_page(c, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    weir_pq_buf_init(&co->meta, 0);
    weir_pq_buf_init(&co->col_index, 0);
    weir_pq_buf_init(&co->off_index, 0);
    co->start = start;
    bool has_dict = c->n_dict_pages > 0;
    int64_t unc = c->uncompressed, comp = (int64_t)c->pages.bytes;
    uint64_t data_off = start;
    if (has_dict) {
        struct weir_pq_page *g = NULL;
        size_t raw = 0;
        rc = seal_page(c, c->dict.plain.data, c->dict.plain.len, WEIR_PQ_PAGE_DICTIONARY,
                       WEIR_PQ_ENC_PLAIN, (int32_t)c->dict.n, &g, &raw, err);
        if (rc != WEIR_OK) {
            return rc;
        }
        unc += (int64_t)raw;
        comp += (int64_t)g->len;
        data_off += g->len;
        link_page(&c->pages, g, true);
    }
    co->compressed = comp;
    co->uncompressed = unc;
    write_meta(c, co, weir_pq_codec_id(c->opts->codec), unc, comp, data_off, co->start, has_dict);
    write_offset_index(c, co, data_off);
    write_column_index(c, co);
    if (co->meta.failed || co->off_index.failed || co->col_index.failed) {
        return nomem(err, c);
    }
    *pages = c->pages;
    memset(&c->pages, 0, sizeof(c->pages));
    reset_chunk(c);
    return WEIR_OK;
}

/* The open page's arrays and scratch buffers go back to the heap; the
 * chunk's pages, page entries and dictionary stay. */
static void release_open(struct weir_pq_column *c)
{
    free(c->levels);
    free(c->reps);
    free(c->indices);
    c->levels = NULL;
    c->reps = NULL;
    c->indices = NULL;
    c->rows_cap = c->reps_cap = c->indices_cap = 0;
    weir_pq_buf_reset(&c->plain);
    weir_pq_buf_reset(&c->body);
    weir_pq_buf_reset(&c->header);
    weir_pq_buf_reset(&c->scratch);
    weir_pq_stats_free(&c->page_stats); /* empty after the cut */
}

int weir_pq_column_compact(struct weir_pq_column *c, struct weir_error *err)
{
    int rc = WEIR_OK;
    /* The first page cut in dictionary encoding commits the chunk to its
     * dictionary, kept in memory until the chunk is written: decide now,
     * with the probe's rule (mostly_new), whether it pays off, rather than
     * at its 128th entry (a partition compacted early has fewer). */
    if (c->dict_on && c->n_dict_pages == 0 && !c->type.list && c->dict.n > 1 && mostly_new(c)) {
        rc = give_up_dict(c, err);
    }
    if (rc == WEIR_OK) {
        rc = cut_page(c, err);
    }
    if (rc == WEIR_OK) {
        release_open(c);
    }
    return rc;
}

void weir_pq_column_trim(struct weir_pq_column *c)
{
    release_open(c);
    free(c->entries);
    c->entries = NULL;
    c->entries_cap = 0;
    c->n_rows = c->n_indices = c->n_entries = 0;
    weir_pq_buf_reset(&c->bounds);
    weir_pq_dict_free(&c->dict);
}

int weir_pq_pages_emit(const struct weir_pq_pages *pages, struct weir_output *out, uint64_t *pos,
                       struct weir_error *err)
{
    for (const struct weir_pq_page *g = pages->head; g != NULL; g = g->next) {
        int rc = emit(out, pos, g->data + g->off, g->len, err);
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    return WEIR_OK;
}

int weir_pq_column_flush(struct weir_pq_column *c, struct weir_output *out, uint64_t *pos,
                         struct weir_pq_chunk_out *co, struct weir_error *err)
{
    struct weir_pq_pages pages = {0};
    int rc = weir_pq_column_seal(c, *pos, &pages, co, err);
    if (rc == WEIR_OK) {
        rc = weir_pq_pages_emit(&pages, out, pos, err);
    }
    weir_pq_pages_free(&pages);
    return rc;
}
