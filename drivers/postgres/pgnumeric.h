/*
 * PostgreSQL binary numeric (numeric_send) to Arrow decimal128, exactly.
 *
 * The wire form: int16 ndigits, int16 weight, uint16 sign, uint16 dscale,
 * then ndigits base-10000 digits (int16 each), all big-endian. The value is
 * sum(digit[i] * 10000^(weight - i)). Pure functions; no libpq.
 */
#ifndef WEIR_PG_NUMERIC_H
#define WEIR_PG_NUMERIC_H

#include <stddef.h>
#include <stdint.h>

enum weir_pgnum_result {
    WEIR_PGNUM_OK = 0,
    WEIR_PGNUM_MALFORMED = 1, /* length or digit out of the format's rules */
    WEIR_PGNUM_NAN = 2,       /* NaN */
    WEIR_PGNUM_INFINITY = 3,  /* +Infinity or -Infinity (PostgreSQL 14+) */
    WEIR_PGNUM_FRACTION = 4,  /* non-zero digits beyond `scale` (would need rounding) */
    WEIR_PGNUM_RANGE = 5,     /* |value| >= 10^(precision - scale) */
};

/*
 * Converts the numeric in p[0..len) to value * 10^scale as a 16-byte
 * little-endian two's complement integer in out[16] (Arrow decimal128).
 * 1 <= precision <= 38, 0 <= scale <= precision. Never rounds: digits beyond
 * `scale` that are not zero give WEIR_PGNUM_FRACTION.
 */
int weir_pgnumeric_to_decimal(const uint8_t *p, size_t len, int precision, int scale,
                              uint8_t out[16]);

/* Writes the numeric's text form (as PostgreSQL prints it, dscale digits
 * after the point) into buf[0..cap), truncated with "..." when longer; for
 * error messages. Malformed input prints "(malformed numeric)". */
void weir_pgnumeric_text(const uint8_t *p, size_t len, char *buf, size_t cap);

/* The text a enum weir_pgnum_result stands for, e.g. "is NaN". */
const char *weir_pgnumeric_reason(int result);

#endif
