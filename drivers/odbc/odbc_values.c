/* Conversion of fetched values into the Arrow builders; see odbc_scan.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/odbc/odbc_conv.h"
#include "drivers/odbc/odbc_scan.h"

int weir_odbc_grow(void **p, size_t *cap, size_t need, struct weir_error *err)
{
    if (need <= *cap) {
        return WEIR_OK;
    }
    size_t n = *cap ? *cap : 4096;
    while (n < need) {
        n *= 2;
    }
    void *q = realloc(*p, n);
    if (q == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory (%zu bytes for one value)", need);
    }
    *p = q;
    *cap = n;
    return WEIR_OK;
}

int weir_odbc_row_error(struct weir_odbc_scan *s, const struct scol *k, struct weir_error *err)
{
    /* Keep the converter's reason, prefix where it happened. */
    char msg[sizeof(err->message)];
    snprintf(msg, sizeof(msg), "%s", err->message);
    snprintf(err->message, sizeof(err->message), "row %lld, column \"%s\" (%s): %s",
             (long long)(s->row_no + 1), k->name, k->source_type, msg);
    return err->status;
}

static int zero_date(struct weir_odbc_scan *s, struct scol *k)
{
    /* MariaDB's '0000-00-00' has no calendar day: NULL, warned once per column. */
    if (!k->warned) {
        k->warned = 1;
        weir_odbc_warn(s->c, "odbc_zero_date",
                       "column \"%s\" holds zero dates ('0000-00-00'), read as NULL (first at "
                       "row %lld)",
                       k->name, (long long)(s->row_no + 1));
    }
    return weir_acol_append_null(&s->batch.cols[k - s->cols]);
}

/* A textual (SQLite) number, boolean, date or timestamp, parsed strictly. */
static int append_textual(struct weir_odbc_scan *s, struct scol *k, const uint8_t *p,
                          size_t len, struct weir_error *err)
{
    struct weir_acol *a = &s->batch.cols[k - s->cols];
    char t[72];
    union {
        int8_t i8;
        int16_t i16;
        int32_t i32;
        int64_t i64;
        float f;
        double g;
        __int128 d;
    } v;
    if (len >= sizeof(t)) {
        weir_error_set(err, WEIR_EDATA, "value \"%.40s...\" is not a %s", (const char *)p,
                       k->source_type);
        return weir_odbc_row_error(s, k, err);
    }
    memcpy(t, p, len);
    t[len] = '\0';
    char *end = NULL;
    int bad = len == 0;
    errno = 0;
    const char *f = k->format;
    if (k->kind == K_DATE) {
        if (weir_odbc_date_parse(t, len, &v.i32, err) != WEIR_OK) {
            return weir_odbc_row_error(s, k, err);
        }
        return weir_acol_append_fixed(a, &v.i32);
    }
    if (k->kind == K_TS) {
        if (weir_odbc_timestamp_parse(t, len, &v.i64, err) != WEIR_OK) {
            return weir_odbc_row_error(s, k, err);
        }
        return weir_acol_append_fixed(a, &v.i64);
    }
    if (strcmp(f, "f") == 0 || strcmp(f, "g") == 0) {
        v.g = strtod(t, &end);
        bad = bad || *end != '\0' || errno == ERANGE;
        if (f[0] == 'f') {
            v.f = (float)v.g;
        }
    } else if (k->kind == K_U64 || strcmp(f, "C") == 0 || strcmp(f, "S") == 0 ||
               strcmp(f, "I") == 0) {
        unsigned long long u = strtoull(t, &end, 10);
        uint64_t max = f[0] == 'C' ? UINT8_MAX : f[0] == 'S' ? UINT16_MAX
                                              : f[0] == 'I' ? UINT32_MAX : UINT64_MAX;
        bad = bad || *end != '\0' || errno == ERANGE || t[0] == '-' || u > max;
        if (k->kind == K_U64) {
            v.d = (__int128)u;
        } else if (f[0] == 'C') {
            v.i8 = (int8_t)(uint8_t)u;
        } else if (f[0] == 'S') {
            v.i16 = (int16_t)(uint16_t)u;
        } else {
            v.i32 = (int32_t)(uint32_t)u;
        }
    } else {
        long long i = strtoll(t, &end, 10);
        bad = bad || *end != '\0' || errno == ERANGE;
        if (k->kind == K_BOOL) {
            bad = bad || (i != 0 && i != 1);
            if (!bad) {
                return weir_acol_append_bool(a, i == 1);
            }
        } else if (f[0] == 'c') {
            bad = bad || i < INT8_MIN || i > INT8_MAX;
            v.i8 = (int8_t)i;
        } else if (f[0] == 's') {
            bad = bad || i < INT16_MIN || i > INT16_MAX;
            v.i16 = (int16_t)i;
        } else if (f[0] == 'i') {
            bad = bad || i < INT32_MIN || i > INT32_MAX;
            v.i32 = (int32_t)i;
        } else {
            v.i64 = i;
        }
    }
    if (bad) {
        weir_error_set(err, WEIR_EDATA, "value \"%s\" is not a %s (arrow %s)", t,
                       k->source_type, f);
        weir_error_hint(err, "SQLite keeps any value in any column; a type override `text` "
                        "reads the column as stored");
        return weir_odbc_row_error(s, k, err);
    }
    return weir_acol_append_fixed(a, &v);
}

/* Appends one non-NULL value (len bytes at p, as fetched in k->ctype). */
int weir_odbc_append_value(struct weir_odbc_scan *s, struct scol *k, const uint8_t *p, size_t len,
                        struct weir_error *err)
{
    struct weir_acol *a = &s->batch.cols[k - s->cols];
    int rc = WEIR_OK;
    if (k->textual) {
        rc = append_textual(s, k, p, len, err);
        if (rc != WEIR_OK && err->status == WEIR_OK) {
            weir_error_set(err, rc, "out of memory");
        }
        return rc == WEIR_OK ? WEIR_OK : err->status;
    }
    switch (k->kind) {
    case K_BOOL:
        rc = weir_acol_append_bool(a, p[0] != 0);
        break;
    case K_FIXED:
        rc = weir_acol_append_fixed(a, p);
        break;
    case K_U64: {
        uint64_t u;
        memcpy(&u, p, 8);
        __int128 v = (__int128)u;
        rc = weir_acol_append_fixed(a, &v);
        break;
    }
    case K_DEC: {
        __int128 v;
        if (weir_odbc_decimal_parse((const char *)p, len, k->prec, k->scale, &v, err) != 0) {
            return weir_odbc_row_error(s, k, err);
        }
        rc = weir_acol_append_fixed(a, &v);
        break;
    }
    case K_TEXT: {
        size_t n = 0;
        if (weir_odbc_grow((void **)&s->utf8, &s->utf8_cap, len / 2 * 3 + 1, err) != WEIR_OK) {
            return weir_odbc_row_error(s, k, err);
        }
        uint16_t *u16 = (uint16_t *)(uintptr_t)p; /* fetch buffers are malloc-aligned, len even */
        if (weir_odbc_utf16_to_utf8(u16, len / 2, s->utf8, &n, err) != WEIR_OK) {
            return weir_odbc_row_error(s, k, err);
        }
        rc = weir_acol_append_var(a, s->utf8, n);
        break;
    }
    case K_BIN:
        rc = weir_acol_append_var(a, p, len);
        break;
    case K_DATE: {
        SQL_DATE_STRUCT d;
        memcpy(&d, p, sizeof(d));
        if (d.year == 0 && d.month == 0 && d.day == 0) {
            rc = zero_date(s, k);
            break;
        }
        int64_t days = weir_odbc_days_from_civil(d.year, d.month, d.day);
        int32_t v = (int32_t)days;
        rc = weir_acol_append_fixed(a, &v);
        break;
    }
    case K_TIME: {
        int64_t us;
        if (weir_odbc_time_parse((const char *)p, len, &us, err) != WEIR_OK) {
            return weir_odbc_row_error(s, k, err);
        }
        rc = weir_acol_append_fixed(a, &us);
        break;
    }
    case K_TS: {
        SQL_TIMESTAMP_STRUCT t;
        memcpy(&t, p, sizeof(t));
        if (t.year == 0 && t.month == 0 && t.day == 0) {
            rc = zero_date(s, k);
            break;
        }
        int64_t days = weir_odbc_days_from_civil(t.year, t.month, t.day);
        /* Digits below the microsecond (SQL Server datetime2(7)) are dropped. */
        int64_t us = ((days * 86400 + t.hour * 3600 + t.minute * 60 + t.second) * 1000000) +
                     (int64_t)(t.fraction / 1000);
        rc = weir_acol_append_fixed(a, &us);
        break;
    }
    case K_GUID: {
        SQLGUID g;
        uint8_t b[16];
        memcpy(&g, p, sizeof(g));
        /* RFC 4122 byte order: the first three fields big-endian. */
        b[0] = (uint8_t)(g.Data1 >> 24);
        b[1] = (uint8_t)(g.Data1 >> 16);
        b[2] = (uint8_t)(g.Data1 >> 8);
        b[3] = (uint8_t)g.Data1;
        b[4] = (uint8_t)(g.Data2 >> 8);
        b[5] = (uint8_t)g.Data2;
        b[6] = (uint8_t)(g.Data3 >> 8);
        b[7] = (uint8_t)g.Data3;
        memcpy(b + 8, g.Data4, 8);
        rc = weir_acol_append_fixed(a, b);
        break;
    }
    default:
        rc = WEIR_EINTERNAL;
    }
    if (rc != WEIR_OK) {
        weir_error_set(err, rc, "cannot append a value (batch column full or out of memory)");
        return weir_odbc_row_error(s, k, err);
    }
    return WEIR_OK;
}

