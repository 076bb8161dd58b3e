/* Arrow builders: layouts, nulls, var-length offsets, metadata, release. */
#include "util/arrow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* weir.source_types: column order, JSON escaping, columns without a type left out. */
static void source_types(void)
{
    const char *k[] = {"weir:source_type", "ARROW:extension:name"};
    const char *v1[] = {"text[]", "x"}, *v2[] = {"character varying(20) \"q\"\\\t"};
    size_t l1 = 0, l2 = 0;
    char *m1 = weir_arrow_metadata_encode(k, v1, 2, &l1);
    char *m2 = weir_arrow_metadata_encode(k, v2, 1, &l2);
    struct ArrowSchema a = {.format = "u", .name = "tags", .metadata = m1};
    struct ArrowSchema b = {.format = "l", .name = "id"};
    struct ArrowSchema c = {.format = "u", .name = "na\"me\x01", .metadata = m2};
    struct ArrowSchema *kids[] = {&a, &b, &c};
    struct ArrowSchema root = {.format = "+s", .name = "", .n_children = 3, .children = kids};
    char *j = weir_arrow_source_types_json(&root);
    TAP_EQ_STR(j, "{\"tags\":\"text[]\",\"na\\\"me\\u0001\":"
                  "\"character varying(20) \\\"q\\\"\\\\\\u0009\"}",
               "source types as a JSON object, escaped");
    free(j);
    root.n_children = 0;
    j = weir_arrow_source_types_json(&root);
    TAP_EQ_STR(j, "{}", "no columns: {}");
    free(j);
    free(m1);
    free(m2);
}

/* A view over the builder's buffers, then a rewind and other rows: the
 * second view shows only the new rows, no bit left from the first. */
static void view_rewind(void)
{
    struct weir_error err;
    struct weir_abatch b;
    struct weir_aview v = {0};
    struct ArrowArray *a = NULL;
    weir_abatch_init(&b, 3, &err);
    weir_abatch_set_column(&b, 0, "n", "l", NULL, 0, &err);
    weir_abatch_set_column(&b, 1, "s", "u", NULL, 0, &err);
    weir_abatch_set_column(&b, 2, "f", "b", NULL, 0, &err);
    for (int64_t i = 0; i < 20; i++) {
        weir_acol_append_fixed(&b.cols[0], &i);
        i % 3 == 0 ? weir_acol_append_null(&b.cols[1]) : weir_acol_append_var(&b.cols[1], "ab", 2);
        weir_acol_append_bool(&b.cols[2], true);
        b.length++;
    }
    TAP_EQ_INT(weir_abatch_view(&b, &v, &a, &err), WEIR_OK, "view of 20 rows");
    TAP_OK(a->length == 20 && a->n_children == 3 && a->children[1]->null_count == 7 &&
               weir_arrow_is_null(a->children[1], 3) &&
               ((const int64_t *)a->children[0]->buffers[1])[19] == 19,
           "the view shows the builder's rows, nulls included");
    a->release(a);
    TAP_OK(a->release == NULL, "its release marks it released");
    weir_abatch_rewind(&b);
    for (int64_t i = 0; i < 5; i++) {
        int64_t x = 100 + i;
        weir_acol_append_fixed(&b.cols[0], &x);
        weir_acol_append_var(&b.cols[1], "xyz", 3);
        weir_acol_append_bool(&b.cols[2], false);
        b.length++;
    }
    TAP_EQ_INT(weir_abatch_view(&b, &v, &a, &err), WEIR_OK, "view after a rewind");
    const struct ArrowArray *s = a->children[1];
    const int32_t *off = s->buffers[1];
    int clean = a->length == 5 && s->null_count == 0 && s->buffers[0] == NULL && off[0] == 0 &&
                off[5] == 15 && memcmp((const char *)s->buffers[2] + 12, "xyz", 3) == 0 &&
                ((const int64_t *)a->children[0]->buffers[1])[4] == 104;
    for (int64_t i = 0; i < 5; i++) {
        clean = clean && !weir_arrow_bit(a->children[2]->buffers[1], i);
    }
    TAP_OK(clean, "only the new rows: offsets from 0, no null left, no true bit left");
    a->release(a);
    weir_aview_reset(&v);
    weir_abatch_reset(&b);
}

/* A column's state as bytes: length, nulls, validity, values, offsets. */
static int same_col(const struct weir_acol *a, const struct weir_acol *b)
{
    return a->length == b->length && a->null_count == b->null_count &&
           a->validity.len == b->validity.len && a->values.len == b->values.len &&
           a->offsets.len == b->offsets.len &&
           (a->validity.len == 0 || memcmp(a->validity.data, b->validity.data, a->validity.len) == 0) &&
           (a->values.len == 0 || memcmp(a->values.data, b->values.data, a->values.len) == 0) &&
           (a->offsets.len == 0 || memcmp(a->offsets.data, b->offsets.data, a->offsets.len) == 0);
}

/* append_take over rows in no order (a partition's rows of a batch) builds
 * the same columns, byte for byte, as append_copy row after row: int64,
 * int32, decimal (16 bytes), bool and text, nulls among them, the source
 * sliced (offset 3), two takes after each other and after a rewind. */
static void take_rows(void)
{
    struct weir_error err;
    const char *fmt[] = {"l", "i", "d:12,2", "b", "u"};
    enum { NC = 5, ROWS = 300 };
    struct weir_abatch src, by_take, by_copy;
    weir_abatch_init(&src, NC, &err);
    weir_abatch_init(&by_take, NC, &err);
    weir_abatch_init(&by_copy, NC, &err);
    for (int c = 0; c < NC; c++) {
        weir_abatch_set_column(&src, c, "c", fmt[c], NULL, 0, &err);
        weir_abatch_set_column(&by_take, c, "c", fmt[c], NULL, 0, &err);
        weir_abatch_set_column(&by_copy, c, "c", fmt[c], NULL, 0, &err);
    }
    unsigned seed = 7;
    for (int64_t i = 0; i < ROWS; i++) {
        for (int c = 0; c < NC; c++) {
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 16) % 5 == 0) {
                weir_acol_append_null(&src.cols[c]);
                continue;
            }
            int64_t x[2] = {i * 1000003 + c, -i};
            char t[24];
            switch (c) {
            case 3:
                weir_acol_append_bool(&src.cols[c], (seed >> 20) & 1);
                break;
            case 4:
                weir_acol_append_var(&src.cols[c], t,
                                     (size_t)snprintf(t, sizeof(t), "%.*s", (int)(i % 17), "abcdefghijklmnopq"));
                break;
            default:
                weir_acol_append_fixed(&src.cols[c], x);
            }
        }
        src.length++;
    }
    struct ArrowArray whole;
    weir_abatch_finish(&src, &whole, &err);
    /* a null slot's value may be anything in Arrow: the copies must still
     * give zero bytes and a clear bit there, as append_null does */
    for (int c = 0; c < NC; c++) {
        struct ArrowArray *a = whole.children[c];
        uint8_t *v = (uint8_t *)(uintptr_t)a->buffers[1];
        for (int64_t i = 0; i < ROWS && c != 4; i++) {
            if (weir_arrow_is_null(a, i) && c == 3) {
                v[i >> 3] |= (uint8_t)(1u << (i & 7));
            } else if (weir_arrow_is_null(a, i)) {
                int w = c == 0 ? 8 : c == 1 ? 4 : 16;
                memset(v + (size_t)w * (size_t)i, 0xab, (size_t)w);
            }
        }
    }
    /* sliced: rows 3.. of every column */
    struct ArrowArray *cols[NC];
    for (int c = 0; c < NC; c++) {
        cols[c] = whole.children[c];
        cols[c]->offset = 3;
        cols[c]->length = ROWS - 3;
        cols[c]->null_count = -1; /* unknown: the bits decide */
    }
    int64_t idx[ROWS];
    int64_t n = 0;
    for (int64_t i = 0; i < ROWS - 3; i++) {
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 16) % 3 != 0) {
            idx[n++] = (int64_t)((seed >> 8) % (ROWS - 3));
        }
    }
    int ok = 1;
    for (int round = 0; round < 2; round++) {
        for (int part = 0; part < 2; part++) {
            int64_t from = part == 0 ? 0 : n / 3, to = part == 0 ? n / 3 : n;
            for (int c = 0; c < NC; c++) {
                ok = ok && weir_acol_append_take(&by_take.cols[c], cols[c], idx + from, to - from) ==
                               WEIR_OK;
                for (int64_t k = from; k < to; k++) {
                    ok = ok && weir_acol_append_copy(&by_copy.cols[c], cols[c], idx[k]) == WEIR_OK;
                }
            }
        }
        for (int c = 0; c < NC; c++) {
            if (!same_col(&by_take.cols[c], &by_copy.cols[c])) {
                printf("# column %d (%s) differs in round %d\n", c, fmt[c], round);
                ok = 0;
            }
        }
        ok = ok && by_take.cols[4].null_count > 0 && by_take.cols[3].length == n;
        weir_abatch_rewind(&by_take);
        weir_abatch_rewind(&by_copy);
    }
    TAP_OK(ok, "a take of rows in no order equals row-by-row copies, byte for byte");
    whole.release(&whole);
    weir_abatch_reset(&src);
    weir_abatch_reset(&by_take);
    weir_abatch_reset(&by_copy);
}

int main(void)
{
    source_types();
    view_rewind();
    take_rows();
    struct weir_error err;
    struct weir_abatch b;
    TAP_EQ_INT(weir_abatch_init(&b, 3, &err), WEIR_OK, "init");
    const char *k[] = {"ARROW:extension:name"}, *v[] = {"arrow.json"};
    size_t mdlen = 0;
    char *md = weir_arrow_metadata_encode(k, v, 1, &mdlen);
    TAP_EQ_INT(weir_abatch_set_column(&b, 0, "id", "l", NULL, 0, &err), WEIR_OK, "int64 column");
    TAP_EQ_INT(weir_abatch_set_column(&b, 1, "doc", "u", md, mdlen, &err), WEIR_OK, "utf8 column");
    TAP_EQ_INT(weir_abatch_set_column(&b, 2, "ok", "b", NULL, 0, &err), WEIR_OK, "bool column");
    TAP_EQ_INT(weir_abatch_set_column(&b, 2, "x", "+l", NULL, 0, &err), WEIR_ECONFIG,
               "unknown format refused");
    TAP_EQ_INT(weir_abatch_set_column(&b, 2, "ok", "b", NULL, 0, &err), WEIR_OK, "bool again");
    for (int64_t i = 0; i < 20; i++) {
        if (i % 3 == 0) {
            weir_acol_append_null(&b.cols[0]);
            weir_acol_append_null(&b.cols[1]);
            weir_acol_append_null(&b.cols[2]);
        } else {
            weir_acol_append_fixed(&b.cols[0], &i);
            char s[16];
            int n = snprintf(s, sizeof(s), "v%lld", (long long)i);
            weir_acol_append_var(&b.cols[1], s, (size_t)n);
            weir_acol_append_bool(&b.cols[2], i % 2 == 0);
        }
        b.length++;
    }
    struct ArrowSchema schema;
    struct ArrowArray arr;
    TAP_EQ_INT(weir_abatch_schema(&b, &schema, &err), WEIR_OK, "schema");
    TAP_EQ_INT(weir_abatch_finish(&b, &arr, &err), WEIR_OK, "finish");
    TAP_EQ_INT(arr.length, 20, "batch length");
    TAP_EQ_INT(arr.n_children, 3, "children");
    TAP_EQ_STR(schema.children[1]->name, "doc", "column name");
    int32_t vl = 0;
    const char *got = weir_arrow_metadata_find(schema.children[1]->metadata,
                                               "ARROW:extension:name", &vl);
    TAP_OK(got != NULL && vl == 10 && memcmp(got, "arrow.json", 10) == 0, "metadata survives");
    const struct ArrowArray *ids = arr.children[0], *docs = arr.children[1], *oks = arr.children[2];
    TAP_EQ_INT(ids->null_count, 7, "null count");
    TAP_OK(weir_arrow_is_null(ids, 0) && !weir_arrow_is_null(ids, 1), "validity bits");
    TAP_EQ_INT(((const int64_t *)ids->buffers[1])[5], 5, "fixed value");
    const int32_t *off = docs->buffers[1];
    const char *data = docs->buffers[2];
    TAP_OK(off[3] == off[4] && memcmp(data + off[4], "v4", 2) == 0 && off[5] - off[4] == 2,
           "var offsets and bytes");
    TAP_OK(weir_arrow_bit(oks->buffers[1], 4) && !weir_arrow_bit(oks->buffers[1], 5),
           "bool bits");
    TAP_EQ_INT(b.length, 0, "builder emptied");
    weir_acol_append_fixed(&b.cols[0], &(int64_t){42});
    weir_acol_append_var(&b.cols[1], "", 0);
    weir_acol_append_bool(&b.cols[2], true);
    b.length++;
    struct ArrowArray arr2;
    TAP_EQ_INT(weir_abatch_finish(&b, &arr2, &err), WEIR_OK, "second batch");
    TAP_EQ_INT(arr2.children[1]->null_count, 0, "no nulls");
    TAP_OK(arr2.children[0]->buffers[0] == NULL, "no validity buffer without nulls");
    struct ArrowSchema copy;
    TAP_EQ_INT(weir_arrow_schema_copy(&schema, &copy, &err), WEIR_OK, "schema copy");
    TAP_EQ_STR(copy.children[2]->format, "b", "copied format");
    arr.release(&arr);
    arr2.release(&arr2);
    schema.release(&schema);
    copy.release(&copy);
    TAP_OK(arr.release == NULL && schema.release == NULL, "release nulls the callback");
    weir_abatch_reset(&b);
    free(md);
    return tap_done();
}
