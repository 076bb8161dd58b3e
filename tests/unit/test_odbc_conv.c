/* ODBC driver conversions: UTF-16 to UTF-8, decimal text, dates, times, connection strings. */
#include "drivers/odbc/odbc_conv.h"

#include <stdlib.h>

#include "tap.h"

static void utf16(void)
{
    struct weir_error err;
    char out[64];
    size_t n = 0;
    /* "aé€😀" : U+0061 U+00E9 U+20AC U+1F600 (D83D DE00) */
    const uint16_t s[] = {0x0061, 0x00E9, 0x20AC, 0xD83D, 0xDE00};
    TAP_EQ_INT(weir_odbc_utf16_to_utf8(s, 5, out, &n, &err), WEIR_OK, "utf16: mixed widths");
    TAP_OK(n == 10 && memcmp(out, "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 10) == 0,
           "utf16: bytes of 1, 2, 3 and 4-byte sequences");
    const uint16_t edge[] = {0x007F, 0x0080, 0x07FF, 0x0800, 0xFFFF, 0xDBFF, 0xDFFF};
    TAP_EQ_INT(weir_odbc_utf16_to_utf8(edge, 7, out, &n, &err), WEIR_OK, "utf16: boundaries");
    TAP_OK(n == 1 + 2 + 2 + 3 + 3 + 4 &&
               memcmp(out, "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF4\x8F\xBF\xBF", n) == 0,
           "utf16: U+7F U+80 U+7FF U+800 U+FFFF U+10FFFF");
    TAP_EQ_INT(weir_odbc_utf16_to_utf8(s, 0, out, &n, &err), WEIR_OK, "utf16: empty");
    TAP_EQ_INT(n, 0, "utf16: empty gives 0 bytes");
    const uint16_t hi_alone[] = {0x0041, 0xD83D};
    TAP_EQ_INT(weir_odbc_utf16_to_utf8(hi_alone, 2, out, &n, &err), WEIR_EDATA,
               "utf16: high surrogate at the end refused");
    TAP_OK(strstr(err.message, "unit 1") != NULL, "utf16: error names the unit");
    const uint16_t hi_then_a[] = {0xD83D, 0x0041};
    TAP_EQ_INT(weir_odbc_utf16_to_utf8(hi_then_a, 2, out, &n, &err), WEIR_EDATA,
               "utf16: high surrogate before a BMP unit refused");
    const uint16_t lo_alone[] = {0xDE00, 0x0041};
    TAP_EQ_INT(weir_odbc_utf16_to_utf8(lo_alone, 2, out, &n, &err), WEIR_EDATA,
               "utf16: lone low surrogate refused");
}

static void dec_ok(const char *s, int p, int sc, const char *want)
{
    struct weir_error err;
    __int128 v = 0;
    char got[64];
    int rc = weir_odbc_decimal_parse(s, strlen(s), p, sc, &v, &err);
    weir_odbc_decimal_format(v, sc, got, sizeof(got));
    TAP_OK(rc == WEIR_OK && strcmp(got, want) == 0, "decimal \"%s\" as (%d,%d) = %s (got %s%s%s)",
           s, p, sc, want, got, rc ? ": " : "", rc ? err.message : "");
}

static void dec_bad(const char *s, int p, int sc)
{
    struct weir_error err;
    __int128 v = 0;
    TAP_EQ_INT(weir_odbc_decimal_parse(s, strlen(s), p, sc, &v, &err), WEIR_EDATA, s);
}

static void decimals(void)
{
    dec_ok("0", 10, 2, "0.00");
    dec_ok("-123.45", 10, 2, "-123.45");
    dec_ok("123.4500", 10, 2, "123.45");
    dec_ok("  7 ", 5, 0, "7");
    dec_ok("+.5", 3, 1, "0.5");
    dec_ok("-0.0050", 5, 3, "-0.005");
    dec_ok("1e3", 6, 2, "1000.00");
    dec_ok("1.25E-1", 6, 3, "0.125");
    dec_ok("0000123", 3, 0, "123");
    dec_ok("9999999999999999999999999999.9999999999", 38, 10,
           "9999999999999999999999999999.9999999999");
    dec_ok("-9999999999999999999999999999.9999999999", 38, 10,
           "-9999999999999999999999999999.9999999999");
    dec_ok("99999999999999999999999999999999999999", 38, 0,
           "99999999999999999999999999999999999999");
    dec_ok("18446744073709551615", 20, 0, "18446744073709551615");
    dec_ok("0.0000000001", 38, 10, "0.0000000001");
    /* exact int128 for the largest: 10^38 - 1 */
    {
        struct weir_error err;
        __int128 v = 0;
        const char *s = "99999999999999999999999999999999999999";
        weir_odbc_decimal_parse(s, strlen(s), 38, 0, &v, &err);
        __int128 want = 1;
        for (int i = 0; i < 38; i++) {
            want *= 10;
        }
        TAP_OK(v == want - 1, "decimal: 10^38-1 exact in int128");
    }
    dec_bad("1.234", 10, 2);                                 /* would round */
    dec_bad("123456", 5, 0);                                 /* too many digits */
    dec_bad("99999999999999999999999999999.9999999999", 38, 10); /* 29 integer digits */
    dec_bad("abc", 10, 2);
    dec_bad("", 10, 2);
    dec_bad("1.2.3", 10, 2);
    dec_bad("NaN", 10, 2);
    dec_bad("1e", 10, 2);
    dec_bad("-", 10, 2);
}

static void times(void)
{
    struct weir_error err;
    int64_t us = 0;
    TAP_EQ_INT(weir_odbc_days_from_civil(1970, 1, 1), 0, "days: epoch");
    TAP_EQ_INT(weir_odbc_days_from_civil(2000, 3, 1), 11017, "days: 2000-03-01");
    TAP_EQ_INT(weir_odbc_days_from_civil(1969, 12, 31), -1, "days: before the epoch");
    TAP_EQ_INT(weir_odbc_days_from_civil(1900, 1, 1), -25567, "days: 1900-01-01");
    TAP_EQ_INT(weir_odbc_days_from_civil(2100, 12, 31), 47846, "days: 2100-12-31");
    TAP_EQ_INT(weir_odbc_days_from_civil(1, 1, 1), -719162, "days: 0001-01-01");
    TAP_EQ_INT(weir_odbc_days_from_civil(9999, 12, 31), 2932896, "days: 9999-12-31");
    TAP_EQ_INT(weir_odbc_time_parse("13:45:07.123456", 15, &us, &err), WEIR_OK, "time: parse");
    TAP_EQ_INT(us, 49507123456LL, "time: microseconds");
    TAP_EQ_INT(weir_odbc_time_parse("23:59:59", 8, &us, &err), WEIR_OK, "time: no fraction");
    TAP_EQ_INT(us, 86399000000LL, "time: end of day");
    TAP_EQ_INT(weir_odbc_time_parse("00:00:00.5", 10, &us, &err), WEIR_OK, "time: short frac");
    TAP_EQ_INT(us, 500000, "time: .5 is 500000us");
    TAP_EQ_INT(weir_odbc_time_parse("838:59:59", 9, &us, &err), WEIR_EDATA, "time: >24h refused");
    TAP_EQ_INT(weir_odbc_time_parse("-01:00:00", 9, &us, &err), WEIR_EDATA, "time: negative");
    TAP_EQ_INT(weir_odbc_time_parse("00:00:00.1234567", 16, &us, &err), WEIR_EDATA,
               "time: sub-microsecond digits refused");
    int32_t days = 0;
    TAP_EQ_INT(weir_odbc_date_parse("2024-02-29", 10, &days, &err), WEIR_OK, "date parse: leap day");
    TAP_EQ_INT(days, 19782, "date parse: 2024-02-29 is day 19782");
    TAP_EQ_INT(weir_odbc_date_parse("1899-12-31", 10, &days, &err), WEIR_OK, "date parse: 1899");
    TAP_EQ_INT(days, -25568, "date parse: 1899-12-31 is day -25568");
    TAP_EQ_INT(weir_odbc_date_parse("2023-02-29", 10, &days, &err), WEIR_EDATA,
               "date parse: 2023-02-29 refused");
    TAP_EQ_INT(weir_odbc_date_parse("1900-02-29", 10, &days, &err), WEIR_EDATA,
               "date parse: 1900 is no leap year");
    TAP_EQ_INT(weir_odbc_date_parse("2024-13-01", 10, &days, &err), WEIR_EDATA,
               "date parse: month 13 refused");
    TAP_EQ_INT(weir_odbc_date_parse("x", 1, &days, &err), WEIR_EDATA, "date parse: text refused");
    TAP_EQ_INT(weir_odbc_date_parse("2024-01-01 00:00:00", 19, &days, &err), WEIR_EDATA,
               "date parse: a timestamp is not a date");
    int64_t ts = 0;
    TAP_EQ_INT(weir_odbc_timestamp_parse("1969-12-31 23:59:59.999999", 26, &ts, &err), WEIR_OK,
               "timestamp parse");
    TAP_EQ_INT(ts, -1, "timestamp parse: one microsecond before the epoch");
    TAP_EQ_INT(weir_odbc_timestamp_parse("2000-03-01T00:00:01", 19, &ts, &err), WEIR_OK,
               "timestamp parse: T separator");
    TAP_EQ_INT(ts, 951868801000000LL, "timestamp parse: 2000-03-01T00:00:01");
    TAP_EQ_INT(weir_odbc_timestamp_parse("2000-03-01 24:00:00", 19, &ts, &err), WEIR_EDATA,
               "timestamp parse: hour 24 refused");
    TAP_EQ_INT(weir_odbc_timestamp_parse("2000-03-01", 10, &ts, &err), WEIR_EDATA,
               "timestamp parse: a date alone refused");
    char buf[64];
    weir_odbc_timestamp_format(2024, 2, 29, 23, 59, 58, 123456000, buf, sizeof(buf));
    TAP_EQ_STR(buf, "2024-02-29 23:59:58.123456", "timestamp format with fraction");
    weir_odbc_timestamp_format(1899, 1, 2, 0, 0, 0, 0, buf, sizeof(buf));
    TAP_EQ_STR(buf, "1899-01-02 00:00:00", "timestamp format without fraction");
    weir_odbc_timestamp_format(2024, 1, 1, 0, 0, 0, 1, buf, sizeof(buf));
    TAP_EQ_STR(buf, "2024-01-01 00:00:00.000000001", "timestamp format with nanoseconds");
    weir_odbc_utc_format(0, buf, sizeof(buf));
    TAP_EQ_STR(buf, "1970-01-01 00:00:00.000000", "utc format: epoch");
    weir_odbc_utc_format(1709251199999999LL, buf, sizeof(buf));
    TAP_EQ_STR(buf, "2024-02-29 23:59:59.999999", "utc format: leap day");
    weir_odbc_utc_format(-1, buf, sizeof(buf));
    TAP_EQ_STR(buf, "1969-12-31 23:59:59.999999", "utc format: before the epoch");
}

static void connstr(void)
{
    struct weir_error err;
    char buf[64] = "DSN=x";
    size_t len = strlen(buf);
    TAP_EQ_INT(weir_odbc_connstr_append(buf, sizeof(buf), &len, "UID", "bob", &err), WEIR_OK,
               "connstr: append user");
    TAP_EQ_INT(weir_odbc_connstr_append(buf, sizeof(buf), &len, "PWD", "a;b}c{", &err), WEIR_OK,
               "connstr: append password");
    TAP_EQ_STR(buf, "DSN=x;UID={bob};PWD={a;b}}c{};", "connstr: braces, } doubled");
    TAP_EQ_INT(len, strlen(buf), "connstr: length kept");
    char small[16] = "DSN=x;";
    len = strlen(small);
    TAP_EQ_INT(weir_odbc_connstr_append(small, sizeof(small), &len, "PWD", "0123456789", &err),
               WEIR_ENOMEM, "connstr: overflow refused");
    TAP_EQ_STR(small, "DSN=x;", "connstr: untouched on overflow");
    TAP_OK(weir_odbc_connstr_has("Driver={x;UseDeclareFetch=1};Server=a", "UseDeclareFetch") == 0,
           "connstr: key inside braces is not a key");
    TAP_OK(weir_odbc_connstr_has("DSN=a; usedeclarefetch =0", "UseDeclareFetch") == 1,
           "connstr: key found case-insensitively");
    TAP_OK(weir_odbc_connstr_has("PWD={a}};NO_CACHE=1};x=1", "NO_CACHE") == 0,
           "connstr: doubled brace stays inside the value");
}

int main(void)
{
    utf16();
    decimals();
    times();
    connstr();
    return tap_done();
}
