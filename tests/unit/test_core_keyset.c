/*
 * Key records, the external sort and key files (core/keyset.h): records of
 * every layout round-trip through Arrow builders; sorts with memory small
 * enough to spill, including more runs than one merge takes (passes), give
 * the same order as an in-memory qsort with duplicates adjacent; key files
 * cut short or without a trailer are refused; run files are removed.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/keyset.h"
#include "tap.h"
#include "util/arrow.h"

static char dir[] = "/tmp/weir-keyset-XXXXXX";

static size_t files_in_dir(void)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        n += e->d_name[0] != '.';
    }
    if (d != NULL) {
        closedir(d);
    }
    return n;
}

/* A batch of (id int64, name utf8, flag bool, amount decimal) with NULLs. */
static void make_batch(struct weir_abatch *b, struct ArrowArray *arr, struct ArrowSchema *sch)
{
    struct weir_error err;
    static const struct {
        const char *name, *format;
    } cols[] = {{"id", "l"}, {"name", "u"}, {"flag", "b"}, {"amount", "d:12,2"}};
    weir_abatch_init(b, 4, &err);
    for (int i = 0; i < 4; i++) {
        weir_abatch_set_column(b, i, cols[i].name, cols[i].format, NULL, 0, &err);
    }
    for (int64_t r = 0; r < 5; r++) {
        int64_t id = r * 1000 - 2;
        char name[32];
        unsigned char dec[16] = {0};
        dec[0] = (unsigned char)r;
        snprintf(name, sizeof(name), r == 3 ? "" : "näme-%d", (int)r);
        weir_acol_append_fixed(&b->cols[0], &id);
        if (r == 2) {
            weir_acol_append_null(&b->cols[1]);
        } else {
            weir_acol_append_var(&b->cols[1], name, strlen(name));
        }
        weir_acol_append_bool(&b->cols[2], r % 2 == 0);
        weir_acol_append_fixed(&b->cols[3], dec);
        b->length++;
    }
    weir_abatch_schema(b, sch, &err);
    weir_abatch_finish(b, arr, &err);
}

static void test_records(void)
{
    struct weir_abatch b, back;
    struct ArrowArray arr, arr2;
    struct ArrowSchema sch;
    struct weir_error err;
    struct weir_keyenc e;
    make_batch(&b, &arr, &sch);
    TAP_EQ_INT(weir_keyenc_init(&e, &sch, &err), WEIR_OK, "encoder for int64, utf8, bool, decimal");
    weir_abatch_init(&back, 4, &err);
    for (int i = 0; i < 4; i++) {
        weir_abatch_set_column(&back, i, e.col[i].name, e.col[i].format, NULL, 0, &err);
    }
    uint8_t rec[5][256];
    size_t len[5];
    int ok = 1;
    for (int64_t r = 0; r < 5; r++) {
        ok &= weir_keyenc_row(&e, &arr, r, rec[r], sizeof(rec[r]), &len[r], &err) == WEIR_OK;
        ok &= weir_keyenc_append(&e, &back, rec[r], len[r], &err) == WEIR_OK;
        back.length++;
    }
    TAP_OK(ok, "five rows encoded and decoded");
    weir_abatch_finish(&back, &arr2, &err);
    int same = 1;
    for (int64_t r = 0; r < 5; r++) {
        uint8_t again[256];
        size_t n2 = 0;
        weir_keyenc_row(&e, &arr2, r, again, sizeof(again), &n2, &err);
        same &= n2 == len[r] && memcmp(again, rec[r], n2) == 0;
    }
    TAP_OK(same, "decoded rows encode to the same records (NULL and empty text differ)");
    TAP_OK(weir_key_cmp(rec[2], len[2], rec[3], len[3]) != 0,
           "NULL text and '' are different keys");
    char text[200];
    weir_keyenc_text(&e, rec[1], len[1], text, sizeof(text));
    TAP_EQ_STR(text, "id=998, name=näme-1, flag=0x00, amount=0x01000000000000000000000000000000",
               "text form for messages");
    size_t small;
    TAP_EQ_INT(weir_keyenc_row(&e, &arr, 1, rec[0], 10, &small, &err), WEIR_EDATA,
               "a record longer than the buffer is refused");
    TAP_EQ_INT(weir_keyenc_append(&e, &back, rec[1], len[1] - 1, &err), WEIR_EDATA,
               "a cut record is refused");
    arr.release(&arr);
    arr2.release(&arr2);
    sch.release(&sch);
    weir_abatch_reset(&b);
    weir_abatch_reset(&back);
}

static int cmp_u64_be(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Reads the sorted stream to its end; `same` checks record i. Returns the
 * records read, *ok 0 at the first failed read or check. */
static size_t drain(struct weir_keysort *s, int (*same)(size_t i, const uint8_t *rec, size_t len,
                                                     const void *want, size_t n),
                    const void *want, size_t n, int *ok)
{
    struct weir_error err;
    size_t got = 0;
    while (*ok) {
        const uint8_t *rec;
        size_t len;
        if (weir_keysort_next(s, &rec, &len, &err) != WEIR_OK) {
            *ok = 0;
            break;
        }
        if (rec == NULL) {
            break;
        }
        *ok = got < n && same(got, rec, len, want, n);
        got++;
    }
    return got;
}

static int same_u64(size_t i, const uint8_t *rec, size_t len, const void *want, size_t n)
{
    (void)n;
    uint64_t v = 0;
    for (int k = 0; k < 8 && k < (int)len; k++) {
        v = v << 8 | rec[k];
    }
    return len == 8 && v == ((const uint64_t *)want)[i];
}

/* n pseudo-random 8-byte big-endian keys (memcmp order = numeric), with
 * duplicates when `dups`; sorted with `memory` bytes: compares with qsort. */
static void sort_case(size_t n, uint64_t memory, int dups, int want_runs_over, const char *name)
{
    struct weir_error err;
    struct weir_keysort *s = NULL;
    char prefix[100];
    snprintf(prefix, sizeof(prefix), "%s/sort", dir);
    uint64_t *want = malloc(n * sizeof(*want));
    uint64_t x = 88172645463325252ull;
    int ok = weir_keysort_new(prefix, memory, &s, &err) == WEIR_OK;
    for (size_t i = 0; ok && i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        want[i] = dups ? x % (n / 3 + 1) : x;
        uint8_t rec[8];
        for (int k = 0; k < 8; k++) {
            rec[k] = (uint8_t)(want[i] >> (56 - 8 * k));
        }
        ok = weir_keysort_add(s, rec, 8, &err) == WEIR_OK;
    }
    ok = ok && weir_keysort_finish(s, &err) == WEIR_OK;
    qsort(want, n, sizeof(*want), cmp_u64_be);
    size_t got = drain(s, same_u64, want, n, &ok);
    TAP_OK(ok && got == n, "%s: %zu keys in order", name, n);
    if (want_runs_over >= 0) {
        TAP_OK(weir_keysort_runs(s) > want_runs_over, "%s: %d sorted runs spilled", name,
               weir_keysort_runs(s));
    }
    weir_keysort_free(s);
    TAP_EQ_INT(files_in_dir(), 0, "run files removed");
    free(want);
}

struct vrec {
    uint8_t b[24];
    size_t len;
};

static int cmp_vrec(const void *a, const void *b)
{
    const struct vrec *x = a, *y = b;
    return weir_key_cmp(x->b, x->len, y->b, y->len);
}

static int same_vrec(size_t i, const uint8_t *rec, size_t len, const void *want, size_t n)
{
    (void)n;
    const struct vrec *w = (const struct vrec *)want + i;
    return len == w->len && memcmp(rec, w->b, len) == 0;
}

/* Records of 0..20 bytes from {0, 1, 'a'} with long shared prefixes: ties
 * past the first 8 bytes, zero bytes against shorter records (the sort's
 * zero-padded prefixes) and duplicates; compared with qsort by weir_key_cmp. */
static void sort_varlen(size_t n, uint64_t memory, const char *name)
{
    struct weir_error err;
    struct weir_keysort *s = NULL;
    char prefix[100];
    snprintf(prefix, sizeof(prefix), "%s/sortv", dir);
    struct vrec *want = calloc(n, sizeof(*want));
    static const uint8_t alphabet[3] = {0, 1, 'a'};
    uint64_t x = 2463534242ull;
    int ok = want != NULL && weir_keysort_new(prefix, memory, &s, &err) == WEIR_OK;
    for (size_t i = 0; ok && i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        want[i].len = (size_t)(x % 21);
        for (size_t k = 0; k < want[i].len; k++) {
            /* the first bytes mostly 0: many records share 8-byte prefixes */
            uint64_t r = x >> (2 * k % 60);
            want[i].b[k] = k < 6 && r % 4 != 0 ? 0 : alphabet[r % 3];
        }
        ok = weir_keysort_add(s, want[i].b, want[i].len, &err) == WEIR_OK;
    }
    ok = ok && weir_keysort_finish(s, &err) == WEIR_OK;
    qsort(want, n, sizeof(*want), cmp_vrec);
    size_t got = drain(s, same_vrec, want, n, &ok);
    TAP_OK(ok && got == n, "%s: %zu records of 0..20 bytes in weir_key_cmp order", name, n);
    weir_keysort_free(s);
    TAP_EQ_INT(files_in_dir(), 0, "run files removed");
    free(want);
}

static void test_keyfile(void)
{
    struct weir_keyfile k;
    struct weir_error err;
    char path[100];
    snprintf(path, sizeof(path), "%s/a.keys", dir);
    weir_keyfile_create(&k, path, &err);
    for (uint8_t i = 0; i < 10; i++) {
        weir_keyfile_put(&k, &i, 1, &err);
    }
    TAP_EQ_INT(weir_keyfile_seal(&k, &err), WEIR_OK, "key file sealed");
    TAP_EQ_INT(weir_keyfile_open_read(&k, path, &err), WEIR_OK, "key file opened");
    TAP_EQ_INT(k.count, 10, "trailer count");
    size_t len, n = 0;
    int end = 0;
    while (weir_keyfile_next(&k, &len, &end, &err) == WEIR_OK && !end) {
        n++;
    }
    TAP_EQ_INT(n, 10, "ten records read back");
    weir_keyfile_close(&k);
    TAP_OK(truncate(path, 20) == 0, "cut the file");
    TAP_EQ_INT(weir_keyfile_open_read(&k, path, &err), WEIR_EDATA, "a cut key file is refused");
    TAP_OK(strstr(err.hint, "--full-reload") != NULL, "with a hint");
    weir_keyfile_close(&k);
    unlink(path);
}

int main(void)
{
    if (mkdtemp(dir) == NULL) {
        return 1;
    }
    test_records();
    sort_case(1000, 1u << 20, 0, -1, "in memory");
    sort_case(50000, 64u << 10, 0, 1, "spilled, one merge");
    sort_case(50000, 64u << 10, 1, 1, "spilled, with duplicates");
    /* 64 KiB (the least the sort takes) holds ~3.2k keys of 8 bytes a run:
     * 330k keys make ~100 runs, more than one merge takes (64): a pass first */
    sort_case(330000, 64u << 10, 0, 64, "merge passes");
    sort_varlen(20000, 1u << 22, "variable length, in memory");
    sort_varlen(20000, 64u << 10, "variable length, spilled");
    test_keyfile();
    rmdir(dir);
    return tap_done();
}
