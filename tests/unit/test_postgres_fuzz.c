/*
 * The fuzz target of drivers/postgres/fuzz_pgcopy.c on the captured
 * fixtures and deterministic mutations of them (byte flips, cuts,
 * insertions, repeats): the parser must end every stream with WEIR_OK,
 * WEIR_EDATA or WEIR_ENOMEM, and sanitizers must stay quiet. Every proper
 * prefix of a stream is a truncated stream: WEIR_EDATA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "weir/weir.h"

int weir_pgcopy_fuzz_one(const uint8_t *data, size_t size, int layout);

static uint8_t *load(const char *name, size_t *len)
{
    char path[1024];
    const char *src = getenv("WEIR_SRCDIR");
    snprintf(path, sizeof(path), "%s/tests/fixtures/pg/%s", src ? src : ".", name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    uint8_t *buf = malloc(1 << 16);
    *len = buf ? fread(buf, 1, 1 << 16, f) : 0;
    fclose(f);
    return buf;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static const struct {
    const char *file;
    int layout;
    int want; /* status of the unmodified stream */
} fixtures[] = {
    {"types.bin", 0, WEIR_OK},
    {"numeric.bin", 1, WEIR_EDATA}, /* row 8 does not fit decimal(38,10) */
    {"ts_overflow.bin", 2, WEIR_EDATA},
    {"empty.bin", 3, WEIR_OK},
};

int main(void)
{
    for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
        size_t len = 0;
        uint8_t *bin = load(fixtures[f].file, &len);
        TAP_OK(bin != NULL && len > 0, "%s loaded", fixtures[f].file);
        if (bin == NULL) {
            continue;
        }
        TAP_EQ_INT(weir_pgcopy_fuzz_one(bin, len, fixtures[f].layout), fixtures[f].want,
                   fixtures[f].file);
        int prefixes_ok = 1;
        for (size_t cut = 0; cut < len; cut++) {
            prefixes_ok =
                prefixes_ok && weir_pgcopy_fuzz_one(bin, cut, fixtures[f].layout) == WEIR_EDATA;
        }
        TAP_OK(prefixes_ok, "%s: every proper prefix is a truncated stream (EDATA)",
               fixtures[f].file);

        uint8_t *m = malloc(len * 2 + 64);
        int counts[16] = {0}, bad = 0;
        for (int iter = 0; iter < 4000; iter++) {
            size_t n = len;
            memcpy(m, bin, len);
            int edits = 1 + (int)(next_rand() % 4);
            for (int e = 0; e < edits && n > 0; e++) {
                size_t at = next_rand() % n;
                switch (next_rand() % 5) {
                case 0: /* flip a byte */
                    m[at] ^= (uint8_t)(1u << (next_rand() % 8));
                    break;
                case 1: /* cut */
                    n = at;
                    break;
                case 2: /* insert up to 8 random bytes */
                {
                    size_t k = 1 + next_rand() % 8;
                    memmove(m + at + k, m + at, n - at);
                    for (size_t i = 0; i < k; i++) {
                        m[at + i] = (uint8_t)next_rand();
                    }
                    n += k;
                    break;
                }
                case 3: /* a length field to an extreme */
                    m[at] = (next_rand() & 1) ? 0xff : 0x7f;
                    break;
                default: /* repeat a region */
                {
                    size_t k = 1 + next_rand() % 32;
                    if (at + k <= n && n + k <= len * 2 + 64) {
                        memmove(m + at + k, m + at, n - at);
                        n += k;
                    }
                    break;
                }
                }
            }
            int layout = (int)(next_rand() % 4);
            int rc = weir_pgcopy_fuzz_one(m, n, layout);
            if (rc >= 0 && rc < 16) {
                counts[rc]++;
            }
            bad += rc != WEIR_OK && rc != WEIR_EDATA && rc != WEIR_ENOMEM;
        }
        TAP_OK(bad == 0 && counts[WEIR_EDATA] > 0,
               "%s: 4000 mutations end in OK (%d) or EDATA (%d), never anything else (%d)",
               fixtures[f].file, counts[WEIR_OK], counts[WEIR_EDATA], bad);
        free(m);
        free(bin);
    }
    return tap_done();
}
