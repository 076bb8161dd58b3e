/* Helpers shared by the unit tests: an environment read from a NULL-ended
 * {name, value, ...} table instead of the process environment, a fixed clock,
 * and int128 bytes as decimal text. */
#ifndef WEIR_TEST_ENV_H
#define WEIR_TEST_ENV_H

#include <stdint.h>
#include <string.h>

/* getenv over a table {"NAME", "value", ..., NULL} passed as ctx */
static inline const char *table_getenv(void *ctx, const char *name)
{
    for (const char *const *kv = ctx; *kv != NULL; kv += 2) {
        if (strcmp(kv[0], name) == 0) {
            return kv[1];
        }
    }
    return NULL;
}

/* a clock stopped at 2023-11-14T22:13:20Z */
static inline int64_t clock0(void *ctx)
{
    (void)ctx;
    return 1700000000;
}

/* 16 little-endian bytes of a signed int128 as decimal text in buf */
static inline const char *dec128(const uint8_t *b, char *buf, size_t cap)
{
    unsigned __int128 v = 0;
    for (int i = 15; i >= 0; i--) {
        v = (v << 8) | b[i];
    }
    int neg = (b[15] & 0x80) != 0;
    if (neg) {
        v = (unsigned __int128)0 - v;
    }
    char tmp[64];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    size_t at = 0;
    if (neg && at + 1 < cap) {
        buf[at++] = '-';
    }
    while (n > 0 && at + 1 < cap) {
        buf[at++] = tmp[--n];
    }
    buf[at] = '\0';
    return buf;
}

#endif
