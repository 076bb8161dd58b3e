/*
 * PostgreSQL arrays as lists: weir_pgtypes_map_array's decisions, and the
 * binary COPY parser on array fields built here in array_send's layout
 * (src/backend/utils/adt/arrayfuncs.c: int32 ndim, int32 has-null flag,
 * uint32 element oid, per dimension int32 size and int32 lower bound, then
 * each element as int32 length, -1 for NULL, and its send form): NULL arrays,
 * empty arrays, NULL elements, text and numeric elements, and the malformed
 * or unsupported shapes that must fail with WEIR_EDATA naming row and column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/postgres/pgcopy.h"
#include "drivers/postgres/pgtypes.h"
#include "tap.h"
#include "test_env.h"
#include "util/arrow.h"

/* ---- mapping ---- */

static void test_map(void)
{
    static const struct {
        const char *elem_send;
        int32_t typmod;
        const char *override;
        int rc;
        const char *format;      /* the column's */
        const char *elem_format; /* "" when not a list */
        const char *extension;   /* the element's, or NULL */
    } cases[] = {
        {"int4send", -1, NULL, WEIR_OK, "+l", "i", NULL},
        {"int2send", -1, NULL, WEIR_OK, "+l", "s", NULL},
        {"textsend", -1, NULL, WEIR_OK, "+l", "u", NULL},
        {"varcharsend", 12, NULL, WEIR_OK, "+l", "u", NULL},
        {"numeric_send", (12 << 16 | 2) + 4, NULL, WEIR_OK, "+l", "d:12,2", NULL},
        {"numeric_send", -1, NULL, WEIR_OK, "+l", "d:38,10", NULL},
        {"numeric_send", -1, "decimal(20,4)", WEIR_OK, "+l", "d:20,4", NULL},
        {"numeric_send", (60 << 16 | 2) + 4, NULL, WEIR_OK, "u", "", NULL}, /* > 38 digits */
        {"uuid_send", -1, NULL, WEIR_OK, "+l", "w:16", "arrow.uuid"},
        {"jsonb_send", -1, NULL, WEIR_OK, "+l", "u", "arrow.json"},
        {"timestamptz_send", -1, NULL, WEIR_OK, "+l", "tsu:UTC", NULL},
        {"interval_send", -1, NULL, WEIR_OK, "u", "", NULL}, /* no decoder: text */
        {"", -1, NULL, WEIR_OK, "u", "", NULL},
        {"int4send", -1, "string", WEIR_OK, "u", "", NULL},
        {"int4send", -1, "decimal(10,2)", WEIR_ECONFIG, "", "", NULL},
        {"int4send", -1, "bogus", WEIR_ECONFIG, "", "", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct weir_pgmap m;
        struct weir_error err;
        int rc = weir_pgtypes_map_array("c", cases[i].elem_send, cases[i].typmod, cases[i].override,
                                        &m, &err);
        int ok = rc == cases[i].rc;
        if (ok && rc == WEIR_OK) {
            bool list = strcmp(m.format, "+l") == 0;
            ok = strcmp(m.format, cases[i].format) == 0 &&
                 (list ? m.dec == WEIR_PGDEC_ARRAY &&
                             strcmp(m.elem_format, cases[i].elem_format) == 0
                       : m.dec == WEIR_PGDEC_TEXT && m.cast == WEIR_PGCAST_TEXT) &&
                 ((m.elem_extension == NULL && cases[i].extension == NULL) ||
                  (m.elem_extension != NULL && cases[i].extension != NULL &&
                   strcmp(m.elem_extension, cases[i].extension) == 0));
        }
        TAP_OK(ok, "map_array %s typmod %d override %s: %s %s",
               cases[i].elem_send[0] ? cases[i].elem_send : "(none)", (int)cases[i].typmod,
               cases[i].override ? cases[i].override : "-", rc == WEIR_OK ? m.format : "error",
               rc == WEIR_OK ? m.elem_format : err.message);
    }
}

/* ---- decoding ---- */

struct bytes {
    uint8_t d[8192];
    size_t n;
};

static void put32(struct bytes *b, int32_t v)
{
    uint32_t u = (uint32_t)v;
    uint8_t x[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
    memcpy(b->d + b->n, x, 4);
    b->n += 4;
}

static void put_raw(struct bytes *b, const void *p, size_t n)
{
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

/* An element list: "1,2,N,3" (N is NULL) as int4 or text elements. */
static void put_array(struct bytes *b, int ndim, int text, const char *elems, const char *tail)
{
    struct bytes a = {.n = 0};
    int n = 0;
    char list[256];
    snprintf(list, sizeof(list), "%s", elems);
    for (char *p = list; *p != '\0'; p++) {
        n += *p == ',' ? 1 : 0;
    }
    n += list[0] != '\0' ? 1 : 0;
    put32(&a, ndim);
    put32(&a, strchr(list, 'N') != NULL);
    put32(&a, text ? 25 : 23);
    for (int d = 0; d < ndim; d++) {
        put32(&a, d == 0 ? n : 1);
        put32(&a, 1);
    }
    for (char *t = list; list[0] != '\0' && t != NULL;) {
        char *comma = strchr(t, ',');
        if (comma != NULL) {
            *comma = '\0';
        }
        if (strcmp(t, "N") == 0) {
            put32(&a, -1);
        } else if (text) {
            put32(&a, (int32_t)strlen(t));
            put_raw(&a, t, strlen(t));
        } else {
            put32(&a, 4);
            put32(&a, (int32_t)strtol(t, NULL, 10));
        }
        t = comma != NULL ? comma + 1 : NULL;
    }
    put_raw(&a, tail, strlen(tail));
    put32(b, (int32_t)a.n);
    put_raw(b, a.d, a.n);
}

static const uint8_t signature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0};

/* One stream of rows; each row: an int4 id and the array (NULL when elems is NULL). */
struct row {
    int ndim;
    const char *elems; /* NULL: a NULL array */
    const char *tail;  /* bytes appended inside the field (malformed cases) */
};

static void build(struct bytes *b, int text, const struct row *rows, size_t n)
{
    b->n = 0;
    put_raw(b, signature, sizeof(signature));
    put32(b, 0);
    put32(b, 0);
    for (size_t i = 0; i < n; i++) {
        uint8_t nf[2] = {0, 2};
        put_raw(b, nf, 2);
        put32(b, 4);
        put32(b, (int32_t)i + 1);
        if (rows[i].elems == NULL) {
            put32(b, -1);
        } else {
            put_array(b, rows[i].ndim, text, rows[i].elems, rows[i].tail ? rows[i].tail : "");
        }
    }
    uint8_t trailer[2] = {0xff, 0xff};
    put_raw(b, trailer, 2);
}

/* Decodes b into one batch; on success *out is the list column's array. */
static int decode(const struct bytes *b, int text, size_t step, struct ArrowArray *batch,
                  struct weir_error *err)
{
    struct weir_pgcol cols[2] = {
        {"id", WEIR_PGDEC_I32, 0, 0, 0, 0},
        {"tags", WEIR_PGDEC_ARRAY, 0, 0, 0, text ? WEIR_PGDEC_TEXT : WEIR_PGDEC_I32}};
    struct weir_abatch ab;
    struct weir_pgcopy p;
    int rc = weir_abatch_init(&ab, 2, err);
    if (rc == WEIR_OK) {
        rc = weir_abatch_set_column(&ab, 0, "id", "i", NULL, 0, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_abatch_set_list(&ab, 1, "tags", NULL, 0, text ? "u" : "i", NULL, 0, err);
    }
    weir_pgcopy_init(&p, cols, 2, 1000, 1 << 20);
    size_t off = 0;
    while (rc == WEIR_OK && off < b->n) {
        size_t len = step == 0 || b->n - off < step ? b->n - off : step, used = 0;
        rc = weir_pgcopy_feed(&p, b->d + off, len, &ab, &used, err);
        off += used;
    }
    if (rc == WEIR_OK) {
        rc = weir_pgcopy_finish(&p, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_abatch_finish(&ab, batch, err);
    }
    weir_pgcopy_reset(&p);
    weir_abatch_reset(&ab);
    return rc;
}

/* The list at row i as "[1,2,N]" / "null". */
static void show(const struct ArrowArray *l, int text, int64_t i, char *out, size_t cap)
{
    if (weir_arrow_is_null(l, i)) {
        snprintf(out, cap, "null");
        return;
    }
    const int32_t *off = l->buffers[1];
    const struct ArrowArray *e = l->children[0];
    size_t n = (size_t)snprintf(out, cap, "[");
    for (int32_t k = off[i]; k < off[i + 1] && n < cap; k++) {
        const char *sep = k > off[i] ? "," : "";
        if (weir_arrow_is_null(e, k)) {
            n += (size_t)snprintf(out + n, cap - n, "%sN", sep);
        } else if (text) {
            const int32_t *o = e->buffers[1];
            n += (size_t)snprintf(out + n, cap - n, "%s%.*s", sep, (int)(o[k + 1] - o[k]),
                                  (const char *)e->buffers[2] + o[k]);
        } else {
            n += (size_t)snprintf(out + n, cap - n, "%s%d", sep,
                                  ((const int32_t *)e->buffers[1])[k]);
        }
    }
    if (n < cap) {
        snprintf(out + n, cap - n, "]");
    }
}

static void test_decode(void)
{
    static const struct row int_rows[] = {
        {1, "1,2,3", NULL}, {0, "", NULL},       {1, "N", NULL},
        {0, NULL, NULL},    {1, "N,-7,N", NULL}, {1, "2147483647,-2147483648", NULL},
    };
    static const char *const int_want[] = {"[1,2,3]", "[]",       "[N]",
                                           "null",    "[N,-7,N]", "[2147483647,-2147483648]"};
    static const struct row text_rows[] = {
        {1, "a,b c,N", NULL},
        {1, "h\xc3\xa9llo,\xf0\x9f\x98\x80", NULL},
        {0, "", NULL},
    };
    static const char *const text_want[] = {"[a,b c,N]", "[h\xc3\xa9llo,\xf0\x9f\x98\x80]", "[]"};
    struct {
        const struct row *rows;
        size_t n;
        int text;
        const char *const *want;
    } sets[] = {{int_rows, 6, 0, int_want}, {text_rows, 3, 1, text_want}};
    for (size_t s = 0; s < 2; s++) {
        struct bytes b;
        build(&b, sets[s].text, sets[s].rows, sets[s].n);
        for (size_t step = 0; step <= 7; step += 7) { /* whole, and split every 7 bytes */
            struct ArrowArray batch;
            struct weir_error err;
            int rc = decode(&b, sets[s].text, step, &batch, &err);
            TAP_OK(rc == WEIR_OK && batch.length == (int64_t)sets[s].n,
                   "%s arrays decode (chunks of %zu): %s", sets[s].text ? "text" : "int4", step,
                   rc == WEIR_OK ? "ok" : err.message);
            if (rc != WEIR_OK) {
                continue;
            }
            const struct ArrowArray *l = batch.children[1];
            for (size_t i = 0; i < sets[s].n; i++) {
                char got[256];
                show(l, sets[s].text, (int64_t)i, got, sizeof(got));
                TAP_EQ_STR(got, sets[s].want[i], "row as a list");
            }
            batch.release(&batch);
        }
    }
}

static void test_malformed(void)
{
    static const struct {
        struct row row;
        const char *message;
    } cases[] = {
        {{2, "1,2", NULL}, "row 2, column \"tags\": array with 2 dimensions, only one-dimensional"},
        {{3, "1", NULL}, "row 2, column \"tags\": array with 3 dimensions"},
        {{1, "1,2", "\x01"},
         "row 2, column \"tags\": binary array has bytes after its last element"},
        {{-1, "", NULL}, "row 2, column \"tags\": malformed binary array header"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct row rows[2] = {{1, "5", NULL}, cases[i].row};
        struct bytes b;
        struct ArrowArray batch;
        struct weir_error err;
        build(&b, 0, rows, 2);
        int rc = decode(&b, 0, 0, &batch, &err);
        TAP_OK(rc == WEIR_EDATA && strstr(err.message, cases[i].message) != NULL,
               "malformed %zu: WEIR_EDATA \"%s\"", i, rc == WEIR_OK ? "(none)" : err.message);
        if (rc == WEIR_OK) {
            batch.release(&batch);
        }
    }
    /* an element length that runs past the field, and a count larger than
     * the elements present: the field is cut short by hand */
    struct row rows[1] = {{1, "1,2", NULL}};
    struct bytes b;
    build(&b, 0, rows, 1);
    /* the count (field start + 12) claims 3 elements */
    size_t field = 11 + 8 + 2 + 8 + 4;
    b.d[field + 12 + 3] = 3;
    struct ArrowArray batch;
    struct weir_error err;
    int rc = decode(&b, 0, 0, &batch, &err);
    TAP_OK(rc == WEIR_EDATA && strstr(err.message, "shorter than its element count") != NULL,
           "an element count beyond the field: %s", rc == WEIR_OK ? "(none)" : err.message);
    build(&b, 0, rows, 1);
    b.d[field + 20 + 3] = 200; /* the first element's length */
    rc = decode(&b, 0, 0, &batch, &err);
    TAP_OK(rc == WEIR_EDATA && strstr(err.message, "element overruns the field") != NULL,
           "an element longer than the field: %s", rc == WEIR_OK ? "(none)" : err.message);
}

/* Mutated array streams (bytes flipped, lengths pushed to extremes) end in
 * WEIR_OK or WEIR_EDATA, never anything else; under ASan, never a bad read. */
static void test_mutations(void)
{
    static const struct row rows[] = {
        {1, "1,N,3", NULL}, {0, "", NULL}, {0, NULL, NULL}, {1, "7,8", NULL}, {1, "N", NULL},
    };
    struct bytes b, m;
    build(&b, 0, rows, 5);
    uint32_t seed = 12345;
    int counts[3] = {0, 0, 0}, bad = 0;
    for (int it = 0; it < 3000; it++) {
        m = b;
        for (int k = 0; k < 1 + it % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = 19 + (seed >> 8) % (b.n - 19);
            m.d[at] = (seed & 3) == 0 ? 0xff : (seed & 3) == 1 ? 0x7f : (uint8_t)(seed >> 16);
        }
        struct ArrowArray batch;
        struct weir_error err;
        int rc = decode(&m, it % 2, it % 3 == 0 ? 5 : 0, &batch, &err);
        if (rc == WEIR_OK) {
            batch.release(&batch);
        }
        counts[rc == WEIR_OK ? 0 : rc == WEIR_EDATA ? 1 : 2]++;
        bad += rc != WEIR_OK && rc != WEIR_EDATA;
    }
    TAP_OK(bad == 0 && counts[1] > 0, "3000 mutated array streams: %d OK, %d EDATA, %d other",
           counts[0], counts[1], bad);
}

int main(void)
{
    test_mutations();
    test_map();
    test_decode();
    test_malformed();
    return tap_done();
}
