/* Seeded, time-bounded round trips of the ORC run-length encoders over
 * random and adversarial sequences, with positions checked by seeking. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "orc/orc_rle.h"
#include "orc/orc_stream.h"
#include "orc_reader.h"
#include "tap.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int width_of(int code)
{
    static const int wide[] = {26, 28, 30, 32, 40, 48, 56, 64};
    return code <= 23 ? code + 1 : wide[code - 24];
}

static int fixed(int bits)
{
    static const int wide[] = {26, 28, 30, 32, 40, 48, 56, 64};
    if (bits <= 24) {
        return bits;
    }
    for (int i = 0; i < 8; i++) {
        if (bits <= wide[i]) {
            return wide[i];
        }
    }
    return 64;
}

/* Size of the RLE v2 run starting at p, from its header alone. */
static size_t run_bytes(const uint8_t *p, size_t n)
{
    int k = p[0] >> 6;
    if (k == 0) {
        return 2 + ((p[0] >> 3) & 7);
    }
    if (n < 4) {
        return 0;
    }
    size_t len = (((size_t)p[0] & 1) << 8 | p[1]) + 1;
    int code = (p[0] >> 1) & 31;
    if (k == 1) {
        return 2 + (len * (size_t)width_of(code) + 7) / 8;
    }
    if (k == 2) {
        size_t bw = (size_t)(p[2] >> 5) + 1, pll = p[3] & 31;
        int pw = width_of(p[2] & 31), pgw = (p[3] >> 5) + 1;
        return 4 + bw + (len * (size_t)width_of(code) + 7) / 8 +
               (pll * (size_t)fixed(pw + pgw) + 7) / 8;
    }
    size_t at = 2;
    for (int v = 0; v < 2; v++) {
        while (at < n && (p[at] & 0x80)) {
            at++;
        }
        at++;
    }
    int w = code == 0 ? 0 : width_of(code);
    return at + ((len - 2) * (size_t)w + 7) / 8;
}

/* Appends a piece of one generator's shape to v[*n..cap). */
static void gen(int64_t *v, size_t *n, size_t cap, bool sgn)
{
    size_t len = 1 + rnd() % 700;
    int shape = (int)(rnd() % 9);
    int64_t base = (int64_t)(rnd() >> (rnd() % 64));
    int64_t step = (int64_t)(rnd() % 1000) - (sgn ? 500 : 0);
    for (size_t i = 0; i < len && *n < cap; i++) {
        int64_t x;
        switch (shape) {
        case 0: /* random full width */
            x = (int64_t)rnd();
            break;
        case 1: /* small */
            x = (int64_t)(rnd() % 16);
            break;
        case 2: /* constant run */
            x = base;
            break;
        case 3: /* monotonic, constant or varying step */
            x = base + (int64_t)i * step + (int64_t)(rnd() % 3) * (step >= 0 ? 1 : -1);
            break;
        case 4: /* outliers that force patched base */
            x = (int64_t)(rnd() % 100) + (rnd() % 20 == 0 ? (int64_t)(rnd() >> 3) : 0);
            break;
        case 5: /* extremes */
            x = (rnd() & 1) ? INT64_MAX : INT64_MIN;
            break;
        case 6: /* alternating signs */
            x = (i & 1) ? -(int64_t)(rnd() % 100000) : (int64_t)(rnd() % 100000);
            break;
        case 7: /* exact fixed delta */
            x = (int64_t)((uint64_t)base + (uint64_t)((int64_t)i * step));
            break;
        default: /* short repeats of random values */
            x = (i % 5 == 0) ? (int64_t)rnd() % 1000 : v[*n - 1 < cap ? *n - 1 : 0];
            break;
        }
        if (!sgn) {
            x &= INT64_MAX; /* unsigned streams hold lengths and ids */
        }
        v[(*n)++] = x;
    }
}

int main(void)
{
    struct weir_error err;
    enum { CAP = 6000 };
    int64_t *v = malloc(CAP * sizeof(*v)), *back = malloc((CAP + 600) * sizeof(*back));
    struct orc_rle2 *e = malloc(sizeof(*e));
    struct orc_ostream s;
    weir_orc_ostream_init(&s, NULL, 0);
    time_t start = time(NULL);
    int rounds = 0, bad = 0, badpos = 0, kinds[4] = {0, 0, 0, 0};
    long values = 0;
    while (rounds < 3000 && time(NULL) - start < 3) {
        bool sgn = rounds % 2 == 0;
        size_t n = 0, pieces = 1 + rnd() % 6;
        for (size_t p = 0; p < pieces; p++) {
            gen(v, &n, CAP, sgn);
        }
        weir_orc_ostream_reset(&s);
        weir_orc_rle2_init(e, &s, sgn);
        size_t at = rnd() % n;
        uint64_t pos[4];
        int np = 0;
        for (size_t i = 0; i < n; i++) {
            if (i == at) {
                weir_orc_rle2_position(e, pos, &np);
            }
            weir_orc_rle2_add(e, v[i], &err);
        }
        weir_orc_rle2_flush(e, &err);
        long got = orc_decode_rle2(s.out.data, s.out.len, sgn, back, CAP + 600);
        if (got != (long)n || memcmp(back, v, n * sizeof(*v)) != 0) {
            if (bad++ < 3) {
                printf("# round %d: %ld of %zu values back\n", rounds, got, n);
            }
        }
        /* seek: from the byte position, skip the buffered count */
        got = orc_decode_rle2(s.out.data + pos[0], s.out.len - pos[0], sgn, back, CAP + 600);
        if (got < 0 || (size_t)got != n - at + pos[1] || back[pos[1]] != v[at]) {
            badpos++;
        }
        /* which sub-encodings appear: walk the run headers */
        for (size_t q = 0; q < s.out.len;) {
            kinds[s.out.data[q] >> 6]++;
            size_t r = run_bytes(s.out.data + q, s.out.len - q);
            q += r > 0 ? r : s.out.len;
        }
        values += (long)n;
        rounds++;
    }
    TAP_OK(bad == 0, "RLE v2 round trips: %d sequences, %ld values (%d wrong)", rounds, values, bad);
    TAP_OK(badpos == 0, "RLE v2 positions seek to the right value (%d wrong)", badpos);
    TAP_OK(kinds[0] > 0 && kinds[1] > 0 && kinds[2] > 0 && kinds[3] > 0,
           "all four sub-encodings used: short repeat %d, direct %d, patched %d, delta %d",
           kinds[0], kinds[1], kinds[2], kinds[3]);

    /* byte and boolean RLE */
    int bbad = 0, brounds = 0;
    uint8_t *bv = malloc(CAP), *bb = malloc(CAP + 8);
    while (brounds < 500) {
        size_t n = 1 + rnd() % CAP;
        int mode = (int)(rnd() % 3);
        for (size_t i = 0; i < n; i++) {
            bv[i] = mode == 0 ? (uint8_t)rnd() : (mode == 1 ? (uint8_t)(i / (1 + rnd() % 200)) : 0);
        }
        struct orc_brle br;
        weir_orc_ostream_reset(&s);
        weir_orc_brle_init(&br, &s);
        for (size_t i = 0; i < n; i++) {
            weir_orc_brle_add(&br, bv[i], &err);
        }
        weir_orc_brle_flush(&br, &err);
        long got = orc_decode_byte_rle(s.out.data, s.out.len, bb, CAP + 8);
        bbad += got != (long)n || memcmp(bb, bv, n) != 0;
        struct orc_boolrle bl;
        weir_orc_ostream_reset(&s);
        weir_orc_boolrle_init(&bl, &s);
        for (size_t i = 0; i < n; i++) {
            weir_orc_boolrle_add(&bl, bv[i] & 1, &err);
        }
        weir_orc_boolrle_flush(&bl, &err);
        got = orc_decode_bool_rle(s.out.data, s.out.len, bb, n);
        for (size_t i = 0; got == (long)n && i < n; i++) {
            if (bb[i] != (bv[i] & 1)) {
                got = -2;
            }
        }
        bbad += got != (long)n;
        brounds++;
    }
    TAP_OK(bbad == 0, "byte and boolean RLE round trips: %d sequences (%d wrong)", brounds, bbad);
    free(v);
    free(back);
    free(e);
    free(bv);
    free(bb);
    weir_orc_ostream_free(&s);
    return tap_done();
}
