/*
 * Value conversions of the ODBC source driver that need no driver manager:
 * UTF-16 to UTF-8, decimal text to a 128-bit integer, date/time text and
 * civil dates, and connection-string quoting. Pure functions, unit tested
 * on their own (tests/unit/test_odbc_conv.c).
 */
#ifndef WEIR_DRIVERS_ODBC_CONV_H
#define WEIR_DRIVERS_ODBC_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "weir/weir.h"

/*
 * UTF-16 (native-endian code units, as SQL_C_WCHAR delivers them) to UTF-8.
 * `out` must hold 3 * n_units bytes (a surrogate pair, two units, becomes
 * four bytes). An unpaired surrogate is WEIR_EDATA with err naming its unit
 * offset; nothing is replaced silently. *out_len receives the bytes written.
 */
int weir_odbc_utf16_to_utf8(const uint16_t *in, size_t n_units, char *out, size_t *out_len,
                            struct weir_error *err);

/*
 * Parses a decimal text ("-123.4500", "+1e3", ".5") into the unscaled value
 * at `scale` fractional digits, checked against `precision` (1..38). A value
 * with more non-zero fractional digits than `scale` or more integer digits
 * than precision - scale is WEIR_EDATA: never rounded. Leading and trailing
 * blanks are allowed (CHAR padding).
 */
int weir_odbc_decimal_parse(const char *s, size_t len, int precision, int scale, __int128 *out,
                            struct weir_error *err);

/* The decimal text of v at `scale` fractional digits into buf (cap >= 42). */
void weir_odbc_decimal_format(__int128 v, int scale, char *buf, size_t cap);

/* Days since 1970-01-01 of a proleptic Gregorian date (any year). */
int64_t weir_odbc_days_from_civil(int64_t y, unsigned m, unsigned d);

/*
 * "HH:MM:SS[.f...]" (hours 0..23, fraction up to 9 digits, truncated to
 * microseconds only when the dropped digits are zero) to microseconds since
 * midnight. Anything else is WEIR_EDATA.
 */
int weir_odbc_time_parse(const char *s, size_t len, int64_t *us, struct weir_error *err);

/*
 * "YYYY-MM-DD" to days since 1970-01-01, and "YYYY-MM-DD[ T]HH:MM:SS[.f...]"
 * (fraction up to 9 digits; below the microsecond must be zero) to
 * microseconds since 1970-01-01 00:00:00. Strict: a month, day or time out of
 * range, or any other text, is WEIR_EDATA (SQLite stores whatever it is given).
 */
int weir_odbc_date_parse(const char *s, size_t len, int32_t *days, struct weir_error *err);
int weir_odbc_timestamp_parse(const char *s, size_t len, int64_t *us, struct weir_error *err);

/*
 * Formats a timestamp as 'YYYY-MM-DD HH:MM:SS', with '.ffffff' when the
 * fraction (nanoseconds) is not zero ('.fffffffff' when it has digits below
 * the microsecond). The form binds back as text on every database here.
 */
void weir_odbc_timestamp_format(int year, unsigned month, unsigned day, unsigned hour,
                                unsigned minute, unsigned second, uint32_t fraction_ns, char *buf,
                                size_t cap);

/* `now_us` (microseconds since the Unix epoch, UTC) as 'YYYY-MM-DD HH:MM:SS.ffffff'. */
void weir_odbc_utc_format(int64_t now_us, char *buf, size_t cap);

/*
 * Appends ";KEY={value}" to the connection string being built in buf (len
 * bytes used, cap bytes): braces quote the value, a '}' inside is doubled,
 * as ODBC's connection string grammar says. WEIR_ENOMEM when it does not fit.
 */
int weir_odbc_connstr_append(char *buf, size_t cap, size_t *len, const char *key,
                             const char *value, struct weir_error *err);

/* Whether the connection string sets `key` (case-insensitive, outside braces). */
int weir_odbc_connstr_has(const char *connstr, const char *key);

#endif
