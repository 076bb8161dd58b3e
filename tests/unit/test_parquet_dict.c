/* Dictionary encoding, its fallback to PLAIN, and the pages of a column
 * chunk decoded back (page headers, levels, PLAIN and dictionary values). */
#include "parquet/column.h"
#include "parquet/dict.h"

#include <zlib.h>

#include "tap.h"
#include "test_parquet_util.h"
#include "util/arrow.h"

static void dictionary(void)
{
    struct weir_pq_dict d;
    uint32_t idx = 99;
    weir_pq_dict_init(&d, 0);
    TAP_EQ_INT(weir_pq_dict_put(&d, "abc", 3, 1024, &idx), WEIR_PQ_DICT_ADDED, "abc added");
    TAP_EQ_INT(idx, 0, "abc is entry 0");
    TAP_EQ_INT(weir_pq_dict_put(&d, "", 0, 1024, &idx), WEIR_PQ_DICT_ADDED, "empty added");
    TAP_EQ_INT(idx, 1, "empty is entry 1");
    TAP_EQ_INT(weir_pq_dict_put(&d, "abc", 3, 1024, &idx), WEIR_PQ_DICT_FOUND, "abc found");
    TAP_EQ_INT(idx, 0, "abc still entry 0");
    static const uint8_t plain[] = {3, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0};
    TAP_OK(d.plain.len == sizeof(plain) && memcmp(d.plain.data, plain, sizeof(plain)) == 0,
           "dictionary page body is PLAIN BYTE_ARRAY");
    TAP_EQ_INT(weir_pq_dict_put(&d, "x", 1, 12, &idx), WEIR_PQ_DICT_FULL,
               "an entry that would pass the limit is refused");
    TAP_EQ_INT(d.n, 2, "and nothing was added");
    TAP_EQ_INT(weir_pq_dict_put(&d, "abc", 3, 12, &idx), WEIR_PQ_DICT_FOUND,
               "existing entries are still found when full");
    weir_pq_dict_free(&d);

    /* 100000 int64 keys: grows the table many times, indices stay stable. */
    weir_pq_dict_init(&d, 8);
    int bad = 0;
    for (int64_t k = 0; k < 100000; k++) {
        int64_t key = k * 7919 - 50000;
        if (weir_pq_dict_put(&d, &key, 8, SIZE_MAX, &idx) != WEIR_PQ_DICT_ADDED ||
            idx != (uint32_t)k) {
            bad++;
        }
    }
    for (int64_t k = 99999; k >= 0; k -= 3) {
        int64_t key = k * 7919 - 50000;
        if (weir_pq_dict_put(&d, &key, 8, SIZE_MAX, &idx) != WEIR_PQ_DICT_FOUND ||
            idx != (uint32_t)k) {
            bad++;
        }
    }
    int64_t third;
    memcpy(&third, d.plain.data + 16, 8);
    TAP_OK(bad == 0 && d.n == 100000 && d.plain.len == 800000 && third == 2 * 7919 - 50000,
           "100000 fixed-width keys: insertion-order indices, PLAIN layout");
    weir_pq_dict_clear(&d);
    int64_t key = 5;
    TAP_OK(weir_pq_dict_put(&d, &key, 8, SIZE_MAX, &idx) == WEIR_PQ_DICT_ADDED && idx == 0,
           "clear starts a new chunk's dictionary");
    weir_pq_dict_free(&d);
}

/* One page of a chunk as read back. */
struct page {
    int type, encoding, num_values, dict_values;
    const uint8_t *body;
    size_t len;
    bool crc_ok;
};

static size_t read_pages(const uint8_t *p, size_t len, struct page *pages, size_t max)
{
    static struct tdoc d;
    size_t at = 0, n = 0;
    while (at < len && n < max) {
        if (!td_parse(&d, p, len, &at)) {
            return 0;
        }
        struct page *pg = &pages[n++];
        pg->type = (int)td_int(&d, "1", -1);
        pg->len = (size_t)td_int(&d, "3", 0);
        pg->encoding = (int)td_int(&d, "5.2", -1);
        pg->num_values = (int)td_int(&d, pg->type == 2 ? "7.1" : "5.1", -1);
        pg->body = p + at;
        pg->crc_ok = (uint32_t)td_int(&d, "4", 0) == (uint32_t)crc32(0, pg->body, (uInt)pg->len);
        at += pg->len;
    }
    return n;
}

static struct weir_pq_column_opts opts;

static void setup(struct weir_pq_column *c, const char *format, size_t dict_limit,
                  struct weir_pq_codec_ctx *codec)
{
    struct ArrowSchema s = {.format = format, .name = "v"};
    struct weir_pq_coltype t;
    struct weir_error err;
    weir_pq_coltype_from_arrow(&s, false, true, &t, &err);
    opts.page_size = 1 << 20;
    opts.dict_limit = dict_limit;
    opts.codec = codec;
    weir_pq_column_init(c, "v", &t, &opts, &err);
}

static void hand_pages(struct weir_pq_codec_ctx *codec)
{
    struct weir_error err;
    struct weir_abatch b;
    struct ArrowArray arr;
    struct weir_pq_column c;
    struct memout m = {0};
    struct weir_output out = {sizeof(out), &m, memout_write};
    struct weir_pq_chunk_out co = {0};
    struct page pg[8];
    uint64_t pos = 0;

    /* int32 [7, 7, 7, NULL, 9]: dictionary {7, 9}, levels 1 1 1 0 1, indices 0 0 0 1 */
    weir_abatch_init(&b, 1, &err);
    weir_abatch_set_column(&b, 0, "v", "i", NULL, 0, &err);
    const int32_t vals[] = {7, 7, 7, 0, 9};
    for (int i = 0; i < 5; i++) {
        i == 3 ? weir_acol_append_null(&b.cols[0]) : weir_acol_append_fixed(&b.cols[0], &vals[i]);
        b.length++;
    }
    weir_abatch_finish(&b, &arr, &err);
    setup(&c, "i", 1024, codec);
    TAP_EQ_INT(weir_pq_column_append(&c, arr.children[0], &arr, 0, 5, &err), WEIR_OK, "append");
    TAP_EQ_INT(weir_pq_column_flush(&c, &out, &pos, &co, &err), WEIR_OK, "flush");
    size_t n = read_pages(m.data, m.len, pg, 8);
    static const uint8_t dict_body[] = {7, 0, 0, 0, 9, 0, 0, 0};
    static const uint8_t data_body[] = {2, 0, 0, 0, 0x03, 0x17, 0x01, 0x03, 0x08};
    TAP_OK(n == 2 && pg[0].type == 2 && pg[0].num_values == 2 && pg[0].len == 8 &&
               memcmp(pg[0].body, dict_body, 8) == 0,
           "dictionary page: PLAIN {7, 9}");
    TAP_OK(n == 2 && pg[1].type == 0 && pg[1].encoding == 8 && pg[1].num_values == 5 &&
               pg[1].len == sizeof(data_body) && memcmp(pg[1].body, data_body, pg[1].len) == 0,
           "data page: 4-byte level length, levels 03 17, bit width 1, indices 03 08");
    TAP_OK(n == 2 && pg[0].crc_ok && pg[1].crc_ok, "page CRCs");
    TAP_EQ_INT(pos, m.len, "position advanced by the bytes written");
    static struct tdoc d;
    size_t at = 0;
    TAP_OK(td_parse(&d, co.meta.data, co.meta.len, &at), "ColumnMetaData parses");
    TAP_OK(td_int(&d, "1", -1) == 1 && td_int(&d, "2", 0) == 3 && td_int(&d, "2[0]", -1) == 0 &&
               td_int(&d, "2[1]", -1) == 3 && td_int(&d, "2[2]", -1) == 8 &&
               td_int(&d, "5", 0) == 5 && td_int(&d, "11", -1) == 0 &&
               td_int(&d, "9", -1) == (int64_t)(pg[0].body + pg[0].len - m.data),
           "INT32, encodings PLAIN RLE RLE_DICTIONARY, 5 values, dictionary at 0, data after it");
    TAP_EQ_INT(td_int(&d, "12.3", -1), 1, "chunk null_count 1");
    weir_pq_chunk_out_free(&co);
    weir_pq_column_free(&c);
    arr.release(&arr);
    weir_abatch_reset(&b);
    free(m.data);

    /* booleans [true, false, NULL, true]: PLAIN bits 101 */
    memset(&m, 0, sizeof(m));
    pos = 0;
    weir_abatch_init(&b, 1, &err);
    weir_abatch_set_column(&b, 0, "v", "b", NULL, 0, &err);
    weir_acol_append_bool(&b.cols[0], true);
    weir_acol_append_bool(&b.cols[0], false);
    weir_acol_append_null(&b.cols[0]);
    weir_acol_append_bool(&b.cols[0], true);
    b.length = 4;
    weir_abatch_finish(&b, &arr, &err);
    setup(&c, "b", 1024, codec);
    weir_pq_column_append(&c, arr.children[0], &arr, 0, 4, &err);
    weir_pq_column_flush(&c, &out, &pos, &co, &err);
    n = read_pages(m.data, m.len, pg, 8);
    static const uint8_t bool_body[] = {2, 0, 0, 0, 0x03, 0x0b, 0x05};
    TAP_OK(n == 1 && pg[0].type == 0 && pg[0].encoding == 0 && pg[0].len == sizeof(bool_body) &&
               memcmp(pg[0].body, bool_body, sizeof(bool_body)) == 0,
           "boolean page: PLAIN, bit-packed values 0x05, no dictionary");
    weir_pq_chunk_out_free(&co);
    weir_pq_column_free(&c);
    arr.release(&arr);
    weir_abatch_reset(&b);
    free(m.data);
}

/* Decodes a chunk of an OPTIONAL INT64 column (no compression) back to values. */
static size_t decode_chunk(const uint8_t *p, size_t len, int64_t *out, bool *isnull, size_t max,
                           int *n_dict_pages, int *n_plain_pages)
{
    struct page pg[64];
    size_t n = read_pages(p, len, pg, 64), rows = 0;
    const uint8_t *dict = NULL;
    *n_dict_pages = *n_plain_pages = 0;
    for (size_t i = 0; i < n; i++) {
        if (pg[i].type == 2) {
            dict = pg[i].body;
            continue;
        }
        uint32_t levels[4096], idx[4096];
        uint32_t llen;
        memcpy(&llen, pg[i].body, 4);
        size_t nv = (size_t)pg[i].num_values;
        rle_decode(pg[i].body + 4, llen, 1, levels, nv);
        const uint8_t *vals = pg[i].body + 4 + llen;
        size_t vlen = pg[i].len - 4 - llen, nonnull = 0;
        for (size_t k = 0; k < nv; k++) {
            nonnull += levels[k];
        }
        if (pg[i].encoding == 8) {
            (*n_dict_pages)++;
            rle_decode(vals + 1, vlen - 1, vals[0], idx, nonnull);
        } else {
            (*n_plain_pages)++;
        }
        size_t v = 0;
        for (size_t k = 0; k < nv && rows < max; k++, rows++) {
            isnull[rows] = levels[k] == 0;
            out[rows] = 0;
            if (levels[k]) {
                const uint8_t *src = pg[i].encoding == 8 ? dict + 8 * idx[v] : vals + 8 * v;
                memcpy(&out[rows], src, 8);
                v++;
            }
        }
    }
    return rows;
}

static void fallback(struct weir_pq_codec_ctx *codec)
{
    struct weir_error err;
    struct weir_abatch b;
    struct ArrowArray arr;
    struct weir_pq_column c;
    struct memout m = {0};
    struct weir_output out = {sizeof(out), &m, memout_write};
    struct weir_pq_chunk_out co = {0};
    uint64_t pos = 0;
    int64_t want[300];
    bool want_null[300];

    /* 100 rows over 4 values, then 200 rows of new values: with a 64-byte
     * limit the dictionary holds 8 int64 entries and the chunk falls back. */
    weir_abatch_init(&b, 1, &err);
    weir_abatch_set_column(&b, 0, "v", "l", NULL, 0, &err);
    for (int i = 0; i < 300; i++) {
        want[i] = i < 100 ? (i % 4) * 1000 : 5000 + i;
        want_null[i] = i % 11 == 5;
        want_null[i] ? weir_acol_append_null(&b.cols[0])
                     : weir_acol_append_fixed(&b.cols[0], &want[i]);
        b.length++;
    }
    weir_abatch_finish(&b, &arr, &err);
    setup(&c, "l", 64, codec);
    int rc = WEIR_OK;
    for (int64_t s = 0; s < 300 && rc == WEIR_OK; s += 37) {
        rc = weir_pq_column_append(&c, arr.children[0], &arr, s, s + 37 <= 300 ? 37 : 300 - s,
                                   &err);
    }
    TAP_EQ_INT(rc, WEIR_OK, "300 rows appended in slices");
    TAP_OK(c.fell_back && !c.dict_on && c.dict.n == 8,
           "dictionary stopped at 8 entries (64 bytes)");
    TAP_EQ_INT(weir_pq_column_flush(&c, &out, &pos, &co, &err), WEIR_OK, "flush");
    static int64_t got[400];
    static bool got_null[400];
    int nd = 0, np = 0;
    size_t rows = decode_chunk(m.data, m.len, got, got_null, 400, &nd, &np);
    int same = rows == 300;
    for (size_t i = 0; same && i < 300; i++) {
        same = got_null[i] == want_null[i] && (want_null[i] || got[i] == want[i]);
    }
    TAP_OK(same, "every value and NULL decodes back across the dictionary and PLAIN pages");
    TAP_OK(nd == 1 && np == 1, "one RLE_DICTIONARY page, then PLAIN for the rest of the chunk");
    static struct tdoc d;
    size_t at = 0;
    td_parse(&d, co.meta.data, co.meta.len, &at);
    TAP_OK(td_int(&d, "13", 0) == 3 && td_int(&d, "13[0].1", -1) == 2 &&
               td_int(&d, "13[1].2", -1) == 8 && td_int(&d, "13[1].3", -1) == 1 &&
               td_int(&d, "13[2].2", -1) == 0 && td_int(&d, "13[2].3", -1) == 1,
           "encoding_stats: dictionary page, 1 RLE_DICTIONARY and 1 PLAIN data page");
    TAP_EQ_INT(td_int(&d, "12.3", -1), 27, "null_count: rows 5, 16, .. 291");
    int64_t mx;
    const struct tent *e = td_get(&d, "12.5");
    TAP_OK(e != NULL && e->blen == 8 && (memcpy(&mx, e->b, 8), mx) == 5299, "max_value 5299");

    /* The next chunk starts with a fresh dictionary. */
    weir_pq_chunk_out_free(&co);
    TAP_OK(c.dict_on && !c.fell_back && c.dict.n == 0, "next chunk: dictionary again, empty");
    weir_pq_column_free(&c);
    arr.release(&arr);
    weir_abatch_reset(&b);
    free(m.data);

    /* A zero limit disables the dictionary: PLAIN from the first value. */
    memset(&m, 0, sizeof(m));
    pos = 0;
    weir_abatch_init(&b, 1, &err);
    weir_abatch_set_column(&b, 0, "v", "l", NULL, 0, &err);
    for (int i = 0; i < 10; i++) {
        int64_t v = i;
        weir_acol_append_fixed(&b.cols[0], &v);
        b.length++;
    }
    weir_abatch_finish(&b, &arr, &err);
    setup(&c, "l", 0, codec);
    weir_pq_column_append(&c, arr.children[0], &arr, 0, 10, &err);
    weir_pq_column_flush(&c, &out, &pos, &co, &err);
    rows = decode_chunk(m.data, m.len, got, got_null, 400, &nd, &np);
    TAP_OK(rows == 10 && nd == 0 && np == 1 && got[9] == 9,
           "dictionary_page_limit 0: PLAIN only, no dictionary page");
    at = 0;
    td_parse(&d, co.meta.data, co.meta.len, &at);
    TAP_OK(td_int(&d, "2", 0) == 2 && td_int(&d, "2[0]", -1) == 0 && td_int(&d, "2[1]", -1) == 3 &&
               td_get(&d, "11") == NULL,
           "encodings PLAIN, RLE; no dictionary_page_offset");
    weir_pq_chunk_out_free(&co);
    weir_pq_column_free(&c);
    arr.release(&arr);
    weir_abatch_reset(&b);
    free(m.data);
}

static size_t page_limit; /* distinct_chunk's page_size when not 0 */

/* Appends n rows of v(i) to a fresh column with a 1 MiB limit, flushes it and
 * decodes it back; returns whether every value came back. */
static bool distinct_chunk(struct weir_pq_codec_ctx *codec, int n, int64_t (*v)(int),
                           struct weir_pq_column *c, int *nd, int *np)
{
    struct weir_error err;
    struct weir_abatch b;
    struct ArrowArray arr;
    struct memout m = {0};
    struct weir_output out = {sizeof(out), &m, memout_write};
    struct weir_pq_chunk_out co = {0};
    uint64_t pos = 0;
    weir_abatch_init(&b, 1, &err);
    weir_abatch_set_column(&b, 0, "v", "l", NULL, 0, &err);
    for (int i = 0; i < n; i++) {
        int64_t x = v(i);
        weir_acol_append_fixed(&b.cols[0], &x);
        b.length++;
    }
    weir_abatch_finish(&b, &arr, &err);
    setup(c, "l", 1 << 20, codec);
    if (page_limit > 0) {
        opts.page_size = page_limit;
    }
    int rc = weir_pq_column_append(c, arr.children[0], &arr, 0, n, &err);
    /* the chunk's state, before the flush resets it */
    bool fell = c->fell_back;
    uint32_t entries = c->dict.n;
    if (rc == WEIR_OK) {
        rc = weir_pq_column_flush(c, &out, &pos, &co, &err);
    }
    static int64_t got[4096];
    static bool got_null[4096];
    size_t rows = rc == WEIR_OK ? decode_chunk(m.data, m.len, got, got_null, 4096, nd, np) : 0;
    bool same = rows == (size_t)n;
    for (int i = 0; same && i < n; i++) {
        same = !got_null[i] && got[i] == v(i);
    }
    c->fell_back = fell; /* for the caller's checks */
    c->dict.n = entries;
    weir_pq_chunk_out_free(&co);
    arr.release(&arr);
    weir_abatch_reset(&b);
    free(m.data);
    return same;
}

static int64_t unique_id(int i)
{
    return 1000000 + 3 * (int64_t)i;
}

static int64_t hundred(int i)
{
    return (int64_t)(i * 37 % 100) * 10;
}

/* Far under the size limit, a chunk of mostly new values stops using the
 * dictionary at 128 entries; a low-cardinality one keeps it. */
static void distinct_fallback(struct weir_pq_codec_ctx *codec)
{
    struct weir_pq_column c;
    int nd = 0, np = 0;
    bool same = distinct_chunk(codec, 3000, unique_id, &c, &nd, &np);
    TAP_OK(same, "3000 distinct ids decode back");
    TAP_OK(c.fell_back && c.dict.n == 0,
           "distinct values: the dictionary is given up at 128 entries and dropped");
    TAP_OK(nd == 0 && np == 1, "no page had used it: one PLAIN page, no dictionary page");
    weir_pq_column_free(&c);
    page_limit = 64; /* a page is cut at 64 bytes of indices, before 128 entries */
    same = distinct_chunk(codec, 200, unique_id, &c, &nd, &np);
    page_limit = 0;
    TAP_OK(same && c.fell_back && c.dict.n == WEIR_PQ_DICT_PROBE && nd >= 1 && np >= 1,
           "a page already used it: dictionary pages up to 128 entries, then PLAIN");
    weir_pq_column_free(&c);
    same = distinct_chunk(codec, 3000, hundred, &c, &nd, &np);
    TAP_OK(same && !c.fell_back && c.dict.n == 100 && nd == 1 && np == 0,
           "100 distinct values over 3000 rows: dictionary encoded throughout");
    weir_pq_column_free(&c);
}

int main(void)
{
    struct weir_pq_codec_ctx *codec = NULL;
    struct weir_error err;
    weir_pq_codec_new(WEIR_PQ_CODEC_NONE, WEIR_PQ_LEVEL_DEFAULT, &codec, &err);
    dictionary();
    hand_pages(codec);
    fallback(codec);
    distinct_fallback(codec);
    weir_pq_codec_free(codec);
    return tap_done();
}
