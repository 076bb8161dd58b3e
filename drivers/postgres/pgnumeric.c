/* Binary numeric to decimal128; see pgnumeric.h. */
#include "pgnumeric.h"

#include <stdio.h>
#include <string.h>

/* Sign words of numeric_send (src/backend/utils/adt/numeric.c). */
#define NUMERIC_POS 0x0000u
#define NUMERIC_NEG 0x4000u
#define NUMERIC_NAN 0xC000u
#define NUMERIC_PINF 0xD000u
#define NUMERIC_NINF 0xF000u
#define NBASE 10000

typedef unsigned __int128 u128;

#define E19 ((u128)10000000000000000000ULL)
static const u128 pow10_table[39] = {
    1ULL,
    10ULL,
    100ULL,
    1000ULL,
    10000ULL,
    100000ULL,
    1000000ULL,
    10000000ULL,
    100000000ULL,
    1000000000ULL,
    10000000000ULL,
    100000000000ULL,
    1000000000000ULL,
    10000000000000ULL,
    100000000000000ULL,
    1000000000000000ULL,
    10000000000000000ULL,
    100000000000000000ULL,
    1000000000000000000ULL,
    10000000000000000000ULL,
    E19 * 10ULL,
    E19 * 100ULL,
    E19 * 1000ULL,
    E19 * 10000ULL,
    E19 * 100000ULL,
    E19 * 1000000ULL,
    E19 * 10000000ULL,
    E19 * 100000000ULL,
    E19 * 1000000000ULL,
    E19 * 10000000000ULL,
    E19 * 100000000000ULL,
    E19 * 1000000000000ULL,
    E19 * 10000000000000ULL,
    E19 * 100000000000000ULL,
    E19 * 1000000000000000ULL,
    E19 * 10000000000000000ULL,
    E19 * 100000000000000000ULL,
    E19 * 1000000000000000000ULL,
    E19 * 10000000000000000000ULL,
};

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

struct header {
    int ndigits;
    int weight;
    unsigned sign;
    int dscale;
    const uint8_t *digits;
};

static int parse_header(const uint8_t *p, size_t len, struct header *h)
{
    if (len < 8) {
        return WEIR_PGNUM_MALFORMED;
    }
    h->ndigits = (int16_t)rd16(p);
    h->weight = (int16_t)rd16(p + 2);
    h->sign = rd16(p + 4);
    h->dscale = rd16(p + 6);
    h->digits = p + 8;
    if (h->ndigits < 0 || len != 8 + 2 * (size_t)h->ndigits) {
        return WEIR_PGNUM_MALFORMED;
    }
    for (int i = 0; i < h->ndigits; i++) {
        if (rd16(h->digits + 2 * i) >= NBASE) {
            return WEIR_PGNUM_MALFORMED;
        }
    }
    if (h->sign == NUMERIC_NAN) {
        return WEIR_PGNUM_NAN;
    }
    if (h->sign == NUMERIC_PINF || h->sign == NUMERIC_NINF) {
        return WEIR_PGNUM_INFINITY;
    }
    if (h->sign != NUMERIC_POS && h->sign != NUMERIC_NEG) {
        return WEIR_PGNUM_MALFORMED;
    }
    return WEIR_PGNUM_OK;
}

int weir_pgnumeric_to_decimal(const uint8_t *p, size_t len, int precision, int scale,
                              uint8_t out[16])
{
    struct header h;
    int rc = parse_header(p, len, &h);
    if (rc != WEIR_PGNUM_OK) {
        return rc;
    }
    if (precision < 1 || precision > 38 || scale < 0 || scale > precision) {
        return WEIR_PGNUM_RANGE;
    }
    const u128 limit = pow10_table[precision];
    u128 acc = 0;
    /* Digit i carries units of 10^(4*(weight-i)); scaled by 10^scale it
     * contributes digit * 10^k. Going through every digit (not only up to the
     * scale) is what makes a non-zero digit below the scale an error rather
     * than silently dropped. */
    for (int i = 0; i < h.ndigits; i++) {
        unsigned d = rd16(h.digits + 2 * i);
        if (d == 0) {
            continue;
        }
        int k = 4 * (h.weight - i) + scale;
        if (k < 0) {
            if (k <= -4 || d % (unsigned)pow10_table[-k] != 0) {
                return WEIR_PGNUM_FRACTION;
            }
            acc += d / (unsigned)pow10_table[-k];
        } else {
            if (k > 38 || (u128)d > limit / pow10_table[k]) {
                return WEIR_PGNUM_RANGE;
            }
            acc += (u128)d * pow10_table[k];
        }
        if (acc >= limit) {
            return WEIR_PGNUM_RANGE;
        }
    }
    if (h.sign == NUMERIC_NEG) {
        acc = (u128)0 - acc; /* two's complement */
    }
    for (int i = 0; i < 16; i++) {
        out[i] = (uint8_t)(acc >> (8 * i));
    }
    return WEIR_PGNUM_OK;
}

/* Appends s to buf at *at, keeping room for the NUL; returns 0 when it ran out. */
static int put(char *buf, size_t cap, size_t *at, const char *s)
{
    size_t n = strlen(s);
    if (*at + n + 1 > cap) {
        return 0;
    }
    memcpy(buf + *at, s, n + 1);
    *at += n;
    return 1;
}

void weir_pgnumeric_text(const uint8_t *p, size_t len, char *buf, size_t cap)
{
    struct header h;
    size_t at = 0;
    char group[8];
    if (cap == 0) {
        return;
    }
    buf[0] = '\0';
    int rc = parse_header(p, len, &h);
    const char *fixed = rc == WEIR_PGNUM_MALFORMED  ? "(malformed numeric)"
                        : rc == WEIR_PGNUM_NAN      ? "NaN"
                        : rc != WEIR_PGNUM_INFINITY ? NULL
                        : h.sign == NUMERIC_PINF    ? "Infinity"
                                                    : "-Infinity";
    if (fixed != NULL) {
        snprintf(buf, cap, "%s", fixed);
        return;
    }
    int ok = 1;
    if (h.sign == NUMERIC_NEG) {
        ok = put(buf, cap, &at, "-");
    }
    if (h.weight < 0) {
        ok = ok && put(buf, cap, &at, "0");
    }
    for (int i = 0; ok && i <= h.weight; i++) {
        unsigned d = i < h.ndigits ? rd16(h.digits + 2 * i) : 0;
        snprintf(group, sizeof(group), i == 0 ? "%u" : "%04u", d);
        ok = put(buf, cap, &at, group);
    }
    if (ok && h.dscale > 0) {
        ok = put(buf, cap, &at, ".");
        int written = 0;
        for (int i = h.weight + 1; ok && written < h.dscale; i++) {
            unsigned d = (i >= 0 && i < h.ndigits) ? rd16(h.digits + 2 * i) : 0;
            snprintf(group, sizeof(group), "%04u", d);
            int take = h.dscale - written < 4 ? h.dscale - written : 4;
            group[take] = '\0';
            ok = put(buf, cap, &at, group);
            written += take;
        }
    }
    if (!ok && cap >= 4) {
        memcpy(buf + (at + 4 <= cap ? at : cap - 4), "...", 4);
    }
}

const char *weir_pgnumeric_reason(int result)
{
    switch (result) {
    case WEIR_PGNUM_OK:
        return "is valid";
    case WEIR_PGNUM_MALFORMED:
        return "is malformed";
    case WEIR_PGNUM_NAN:
        return "is NaN";
    case WEIR_PGNUM_INFINITY:
        return "is infinite";
    case WEIR_PGNUM_FRACTION:
        return "has more fractional digits than the scale";
    case WEIR_PGNUM_RANGE:
        return "is out of range";
    default:
        return "is not convertible";
    }
}
