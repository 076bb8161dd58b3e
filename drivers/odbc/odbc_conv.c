/* Value conversions of the ODBC source driver; see odbc_conv.h. */
#include "drivers/odbc/odbc_conv.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int weir_odbc_utf16_to_utf8(const uint16_t *in, size_t n_units, char *out, size_t *out_len,
                            struct weir_error *err)
{
    unsigned char *o = (unsigned char *)out;
    for (size_t i = 0; i < n_units; i++) {
        uint32_t c = in[i];
        if (c >= 0xD800 && c <= 0xDBFF) {
            if (i + 1 >= n_units || in[i + 1] < 0xDC00 || in[i + 1] > 0xDFFF) {
                return weir_error_set(err, WEIR_EDATA,
                                      "invalid UTF-16: unpaired high surrogate 0x%04X at unit %zu",
                                      (unsigned)c, i);
            }
            c = 0x10000u + ((c - 0xD800u) << 10) + (in[i + 1] - 0xDC00u);
            i++;
        } else if (c >= 0xDC00 && c <= 0xDFFF) {
            return weir_error_set(err, WEIR_EDATA,
                                  "invalid UTF-16: unpaired low surrogate 0x%04X at unit %zu",
                                  (unsigned)c, i);
        }
        if (c < 0x80) {
            *o++ = (unsigned char)c;
        } else if (c < 0x800) {
            *o++ = (unsigned char)(0xC0 | (c >> 6));
            *o++ = (unsigned char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            *o++ = (unsigned char)(0xE0 | (c >> 12));
            *o++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
            *o++ = (unsigned char)(0x80 | (c & 0x3F));
        } else {
            *o++ = (unsigned char)(0xF0 | (c >> 18));
            *o++ = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
            *o++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
            *o++ = (unsigned char)(0x80 | (c & 0x3F));
        }
    }
    *out_len = (size_t)(o - (unsigned char *)out);
    return WEIR_OK;
}

/* Significant digits kept while parsing; more can never fit 38 digits. */
#define DEC_MAX_DIGITS 80

int weir_odbc_decimal_parse(const char *s, size_t len, int precision, int scale, __int128 *out,
                            struct weir_error *err)
{
    const char *p = s, *end = s + len;
    char digits[DEC_MAX_DIGITS];
    int nd = 0, frac = 0, any = 0, dot = 0, neg = 0;
    long exp10 = 0;

    while (p < end && isspace((unsigned char)*p)) {
        p++;
    }
    while (end > p && (isspace((unsigned char)end[-1]) || end[-1] == '\0')) {
        end--;
    }
    if (p < end && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++;
    }
    for (; p < end; p++) {
        if (*p >= '0' && *p <= '9') {
            any = 1;
            if (dot) {
                frac++;
            }
            if (nd == 0 && *p == '0') {
                continue; /* a leading zero adds nothing but, after the dot, a place */
            }
            if (nd >= DEC_MAX_DIGITS) {
                return weir_error_set(err, WEIR_EDATA, "decimal \"%.*s\" has too many digits",
                                      (int)(len > 60 ? 60 : len), s);
            }
            digits[nd++] = *p;
        } else if (*p == '.' && !dot) {
            dot = 1;
        } else {
            break;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E') && any) {
        int eneg = 0, edig = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        for (; p < end && *p >= '0' && *p <= '9'; p++) {
            edig = 1;
            if (exp10 < 100000) {
                exp10 = exp10 * 10 + (*p - '0');
            }
        }
        if (!edig) {
            any = 0;
        }
        exp10 = eneg ? -exp10 : exp10;
    }
    if (!any || p != end) {
        return weir_error_set(err, WEIR_EDATA, "\"%.*s\" is not a decimal number",
                              (int)(len > 60 ? 60 : len), s);
    }
    long f = (long)frac - exp10; /* fractional digits of the value digits[0..nd) */
    while (f > scale && nd > 0 && digits[nd - 1] == '0') {
        nd--;
        f--;
    }
    if (nd == 0) {
        *out = 0;
        return WEIR_OK;
    }
    if (f > scale) {
        return weir_error_set(err, WEIR_EDATA,
                              "decimal \"%.*s\" has more than %d fractional digits (not rounded)",
                              (int)(len > 60 ? 60 : len), s, scale);
    }
    if ((long)nd + (scale - f) > precision) {
        return weir_error_set(err, WEIR_EDATA, "decimal \"%.*s\" does not fit decimal(%d,%d)",
                              (int)(len > 60 ? 60 : len), s, precision, scale);
    }
    unsigned __int128 v = 0;
    for (int i = 0; i < nd; i++) {
        v = v * 10u + (unsigned)(digits[i] - '0');
    }
    for (long i = f; i < scale; i++) {
        v *= 10u;
    }
    *out = neg ? -(__int128)v : (__int128)v;
    return WEIR_OK;
}

void weir_odbc_decimal_format(__int128 v, int scale, char *buf, size_t cap)
{
    char tmp[48];
    int n = 0;
    int neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10u));
        u /= 10u;
    } while (u != 0 || n <= scale);
    size_t o = 0;
    if (neg && o + 1 < cap) {
        buf[o++] = '-';
    }
    for (int i = n - 1; i >= 0 && o + 2 < cap; i--) {
        buf[o++] = tmp[i];
        if (i == scale && scale > 0) {
            buf[o++] = '.';
        }
    }
    buf[o < cap ? o : cap - 1] = '\0';
}

/* Days from civil: the era-based method (400-year cycles of 146097 days). */
int64_t weir_odbc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int two_digits(const char *p, unsigned *v)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') {
        return -1;
    }
    *v = (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
    return 0;
}

int weir_odbc_time_parse(const char *s, size_t len, int64_t *us, struct weir_error *err)
{
    unsigned h, mi, se;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\0')) {
        len--;
    }
    if (len < 8 || two_digits(s, &h) != 0 || s[2] != ':' || two_digits(s + 3, &mi) != 0 ||
        s[5] != ':' || two_digits(s + 6, &se) != 0 || h > 23 || mi > 59 || se > 59) {
        goto bad;
    }
    int64_t frac = 0;
    if (len > 8) {
        size_t nf = len - 9;
        if (s[8] != '.' || nf == 0 || nf > 9) {
            goto bad;
        }
        int64_t ns = 0;
        for (size_t i = 0; i < 9; i++) {
            char c = i < nf ? s[9 + i] : '0';
            if (c < '0' || c > '9') {
                goto bad;
            }
            ns = ns * 10 + (c - '0');
        }
        if (ns % 1000 != 0) {
            return weir_error_set(err, WEIR_EDATA,
                                  "time \"%.*s\" has digits below the microsecond",
                                  (int)len, s);
        }
        frac = ns / 1000;
    }
    *us = ((int64_t)h * 3600 + (int64_t)mi * 60 + se) * 1000000 + frac;
    return WEIR_OK;
bad:
    return weir_error_set(err, WEIR_EDATA,
                          "\"%.*s\" is not a time of day HH:MM:SS[.ffffff] in 00:00:00..23:59:59",
                          (int)(len > 40 ? 40 : len), s);
}

static int days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

/* "YYYY-MM-DD" at s (10 bytes): 0 and the days, or -1. */
static int civil_text(const char *s, int64_t *days)
{
    unsigned y1, y2, m, d;
    if (two_digits(s, &y1) != 0 || two_digits(s + 2, &y2) != 0 || s[4] != '-' ||
        two_digits(s + 5, &m) != 0 || s[7] != '-' || two_digits(s + 8, &d) != 0 || m < 1 ||
        m > 12 || d < 1 || (int)d > days_in_month(y1 * 100 + y2, m)) {
        return -1;
    }
    *days = weir_odbc_days_from_civil(y1 * 100 + y2, m, d);
    return 0;
}

static size_t trim_len(const char *s, size_t len)
{
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\0')) {
        len--;
    }
    return len;
}

int weir_odbc_date_parse(const char *s, size_t len, int32_t *days, struct weir_error *err)
{
    int64_t d;
    len = trim_len(s, len);
    if (len != 10 || civil_text(s, &d) != 0) {
        return weir_error_set(err, WEIR_EDATA, "\"%.*s\" is not a date YYYY-MM-DD",
                              (int)(len > 40 ? 40 : len), s);
    }
    *days = (int32_t)d;
    return WEIR_OK;
}

int weir_odbc_timestamp_parse(const char *s, size_t len, int64_t *us, struct weir_error *err)
{
    int64_t d, tod;
    len = trim_len(s, len);
    if (len < 19 || civil_text(s, &d) != 0 || (s[10] != ' ' && s[10] != 'T') ||
        weir_odbc_time_parse(s + 11, len - 11, &tod, err) != WEIR_OK) {
        return weir_error_set(err, WEIR_EDATA,
                              "\"%.*s\" is not a timestamp YYYY-MM-DD HH:MM:SS[.ffffff]",
                              (int)(len > 40 ? 40 : len), s);
    }
    *us = d * 86400000000LL + tod;
    return WEIR_OK;
}

void weir_odbc_timestamp_format(int year, unsigned month, unsigned day, unsigned hour,
                                unsigned minute, unsigned second, uint32_t fraction_ns, char *buf,
                                size_t cap)
{
    int n = snprintf(buf, cap, "%04d-%02u-%02u %02u:%02u:%02u", year, month, day, hour, minute,
                     second);
    if (n < 0 || (size_t)n >= cap || fraction_ns == 0) {
        return;
    }
    if (fraction_ns % 1000 == 0) {
        snprintf(buf + n, cap - (size_t)n, ".%06u", (unsigned)(fraction_ns / 1000));
    } else {
        snprintf(buf + n, cap - (size_t)n, ".%09u", (unsigned)fraction_ns);
    }
}

void weir_odbc_utc_format(int64_t now_us, char *buf, size_t cap)
{
    int64_t days = now_us >= 0 ? now_us / 86400000000LL : -((-now_us + 86399999999LL) / 86400000000LL);
    int64_t rem = now_us - days * 86400000000LL;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int64_t secs = rem / 1000000;
    snprintf(buf, cap, "%04lld-%02u-%02u %02lld:%02lld:%02lld.%06lld", (long long)y, m, d,
             (long long)(secs / 3600), (long long)(secs / 60 % 60), (long long)(secs % 60),
             (long long)(rem % 1000000));
}

int weir_odbc_connstr_append(char *buf, size_t cap, size_t *len, const char *key,
                             const char *value, struct weir_error *err)
{
    size_t o = *len;
    size_t need = strlen(key) + 4; /* ';' KEY '=' '{' ... '}' */
    for (const char *v = value; *v != '\0'; v++) {
        need += *v == '}' ? 2 : 1;
    }
    if (o + need + 2 > cap) {
        return weir_error_set(err, WEIR_ENOMEM, "connection string too long (at most %zu bytes)",
                              cap - 1);
    }
    if (o > 0 && buf[o - 1] != ';') {
        buf[o++] = ';';
    }
    size_t kl = strlen(key);
    memcpy(buf + o, key, kl);
    o += kl;
    buf[o++] = '=';
    buf[o++] = '{';
    for (const char *v = value; *v != '\0'; v++) {
        buf[o++] = *v;
        if (*v == '}') {
            buf[o++] = '}';
        }
    }
    buf[o++] = '}';
    buf[o++] = ';';
    buf[o] = '\0';
    *len = o;
    return WEIR_OK;
}

int weir_odbc_connstr_has(const char *cs, const char *key)
{
    size_t kl = strlen(key);
    const char *p = cs;
    while (*p != '\0') {
        while (*p == ' ' || *p == ';') {
            p++;
        }
        const char *k = p;
        while (*p != '\0' && *p != '=' && *p != ';') {
            p++;
        }
        const char *ke = p;
        while (ke > k && ke[-1] == ' ') {
            ke--;
        }
        if ((size_t)(ke - k) == kl && strncasecmp(k, key, kl) == 0 && *p == '=') {
            return 1;
        }
        if (*p == '=') {
            p++;
            while (*p == ' ') {
                p++;
            }
            if (*p == '{') { /* a braced value may hold ';'; "}}" is a literal brace */
                p++;
                while (*p != '\0' && !(*p == '}' && p[1] != '}')) {
                    p += (*p == '}') ? 2 : 1;
                }
                if (*p == '}') {
                    p++;
                }
            }
            while (*p != '\0' && *p != ';') {
                p++;
            }
        }
    }
    return 0;
}
