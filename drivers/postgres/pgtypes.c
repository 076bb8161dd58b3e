/* PostgreSQL -> Arrow type mapping; see pgtypes.h. */
#include "pgtypes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pgcopy.h"

struct type_row {
    const char *send;      /* pg_type.typsend */
    int dec;               /* enum weir_pgdec */
    const char *format;    /* Arrow; NULL for numeric (depends on typmod) */
    const char *extension; /* ARROW:extension:name */
};

/* Types decoded from their binary form. Anything else is cast to text. */
static const struct type_row types[] = {
    {"boolsend", WEIR_PGDEC_BOOL, "b", NULL},
    {"int2send", WEIR_PGDEC_I16, "s", NULL},
    {"int4send", WEIR_PGDEC_I32, "i", NULL},
    {"int8send", WEIR_PGDEC_I64, "l", NULL},
    {"oidsend", WEIR_PGDEC_OID, "l", NULL},
    {"float4send", WEIR_PGDEC_F32, "f", NULL},
    {"float8send", WEIR_PGDEC_F64, "g", NULL},
    {"numeric_send", WEIR_PGDEC_NUMERIC, NULL, NULL},
    {"textsend", WEIR_PGDEC_TEXT, "u", NULL},
    {"varcharsend", WEIR_PGDEC_TEXT, "u", NULL},
    {"bpcharsend", WEIR_PGDEC_TEXT, "u", NULL},
    {"namesend", WEIR_PGDEC_TEXT, "u", NULL},
    {"citext_send", WEIR_PGDEC_TEXT, "u", NULL},
    {"citextsend", WEIR_PGDEC_TEXT, "u", NULL},
    {"byteasend", WEIR_PGDEC_BYTES, "z", NULL},
    {"date_send", WEIR_PGDEC_DATE, "tdD", NULL},
    {"time_send", WEIR_PGDEC_TIME, "ttu", NULL},
    {"timestamp_send", WEIR_PGDEC_TIMESTAMP, "tsu:", NULL},
    {"timestamptz_send", WEIR_PGDEC_TIMESTAMP, "tsu:UTC", NULL},
    {"uuid_send", WEIR_PGDEC_UUID, "w:16", "arrow.uuid"},
    {"json_send", WEIR_PGDEC_TEXT, "u", "arrow.json"},
    {"jsonb_send", WEIR_PGDEC_JSONB, "u", "arrow.json"},
};

static const struct type_row *find(const char *send)
{
    for (size_t i = 0; send != NULL && i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(types[i].send, send) == 0) {
            return &types[i];
        }
    }
    return NULL;
}

static const char *skip_space(const char *s)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    return s;
}

/* Reads a small decimal number; returns the end or NULL. */
static const char *read_int(const char *s, int *v)
{
    char *end = NULL;
    s = skip_space(s);
    if (!isdigit((unsigned char)*s)) {
        return NULL;
    }
    long n = strtol(s, &end, 10);
    if (n > 1000) {
        return NULL;
    }
    *v = (int)n;
    return skip_space(end);
}

int weir_pgtypes_parse_override(const char *column, const char *value, int *kind, int *precision,
                                int *scale, struct weir_error *err)
{
    const char *s = skip_space(value);
    *kind = WEIR_PGOVR_NONE;
    if (strcasecmp(s, "string") == 0 || strcasecmp(s, "text") == 0) {
        *kind = WEIR_PGOVR_STRING;
        return WEIR_OK;
    }
    int p = 0, sc = 0;
    const char *q = NULL;
    if (strncasecmp(s, "decimal", 7) == 0) {
        q = s + 7;
    } else if (strncasecmp(s, "numeric", 7) == 0) {
        q = s + 7;
    }
    if (q != NULL) {
        q = skip_space(q);
        q = *q == '(' ? read_int(q + 1, &p) : NULL;
        if (q != NULL && *q == ',') {
            q = read_int(q + 1, &sc);
        }
        if (q != NULL && *q == ')' && *skip_space(q + 1) == '\0' && p >= 1 && p <= 38 && sc >= 0 &&
            sc <= p) {
            *kind = WEIR_PGOVR_DECIMAL;
            *precision = p;
            *scale = sc;
            return WEIR_OK;
        }
    }
    weir_error_set(err, WEIR_ECONFIG, "column \"%s\": unsupported type override \"%s\"", column,
                   value);
    return weir_error_hint(err, "the postgres source takes string or decimal(P,S) with "
                                "1 <= P <= 38 and 0 <= S <= P");
}

int weir_pgtypes_check_policy(const char *policy, struct weir_error *err)
{
    int kind = 0, p = 0, sc = 0;
    if (strcmp(policy, "fail") == 0 || strcmp(policy, "string") == 0 ||
        (strncmp(policy, "decimal(", 8) == 0 &&
         weir_pgtypes_parse_override("numeric_unconstrained", policy, &kind, &p, &sc, err) ==
             WEIR_OK)) {
        return WEIR_OK;
    }
    weir_error_set(err, WEIR_ECONFIG, "postgres option numeric_unconstrained: \"%s\" is not "
                   "allowed", policy);
    return weir_error_hint(err, "use decimal(P,S) with 1 <= P <= 38 and 0 <= S <= P (default "
                                "decimal(38,10)), string or fail");
}

int weir_pgtypes_policy_override(const char *column, const char *typsend, int32_t typmod,
                                 const char *policy, const char **override,
                                 struct weir_error *err)
{
    const struct type_row *row = find(typsend);
    if (*override != NULL || policy == NULL || policy[0] == '\0' || row == NULL ||
        row->dec != WEIR_PGDEC_NUMERIC || typmod >= 4) {
        return WEIR_OK;
    }
    if (strcmp(policy, "fail") == 0) {
        weir_error_set(err, WEIR_ECONFIG, "column \"%s\": numeric without a precision, and "
                       "numeric_unconstrained is fail", column);
        return weir_error_hint(err, "set the column's type in the job's types: (e.g. "
                                    "decimal(18,2) or string), or cast it in a query");
    }
    *override = policy;
    return WEIR_OK;
}

int weir_pgtypes_numeric_typmod(int32_t typmod, int *precision, int *scale)
{
    if (typmod < 4) { /* VARHDRSZ: -1 means unconstrained */
        return 0;
    }
    int32_t t = typmod - 4;
    *precision = (t >> 16) & 0xffff;
    /* PostgreSQL 15 keeps the scale as an 11-bit signed field (-1000..1000). */
    *scale = ((t & 0x7ff) ^ 1024) - 1024;
    return 1;
}

static void set_decimal(struct weir_pgmap *m, int p, int s)
{
    m->dec = WEIR_PGDEC_NUMERIC;
    m->precision = p;
    m->scale = s;
    snprintf(m->format, sizeof(m->format), "d:%d,%d", p, s);
}

static void set_text(struct weir_pgmap *m)
{
    m->dec = WEIR_PGDEC_TEXT;
    m->cast = WEIR_PGCAST_TEXT;
    m->extension = NULL;
    snprintf(m->format, sizeof(m->format), "u");
}

int weir_pgtypes_map(const char *column, const char *typsend, int32_t typmod, const char *override,
                     struct weir_pgmap *out, struct weir_error *err)
{
    int kind = WEIR_PGOVR_NONE, op = 0, os = 0;
    memset(out, 0, sizeof(*out));
    if (override != NULL &&
        weir_pgtypes_parse_override(column, override, &kind, &op, &os, err) != WEIR_OK) {
        return err->status;
    }
    const struct type_row *row = find(typsend);
    if (kind == WEIR_PGOVR_STRING) {
        if (row != NULL && row->dec == WEIR_PGDEC_TEXT && row->extension == NULL) {
            set_text(out);
            out->cast = WEIR_PGCAST_NONE; /* already text on the wire */
        } else {
            set_text(out);
        }
        return WEIR_OK;
    }
    if (kind == WEIR_PGOVR_DECIMAL) {
        set_decimal(out, op, os);
        out->cast =
            row != NULL && row->dec == WEIR_PGDEC_NUMERIC ? WEIR_PGCAST_NONE : WEIR_PGCAST_NUMERIC;
        return WEIR_OK;
    }
    if (row == NULL) {
        set_text(out);
        return WEIR_OK;
    }
    if (row->dec == WEIR_PGDEC_NUMERIC) {
        int p = 0, s = 0;
        if (!weir_pgtypes_numeric_typmod(typmod, &p, &s)) {
            set_decimal(out, WEIR_PG_NUMERIC_DEFAULT_P, WEIR_PG_NUMERIC_DEFAULT_S);
        } else if (s < 0) {
            /* numeric(5,-2) holds integers with up to 7 digits */
            p -= s;
            s = 0;
        } else if (s > p) {
            /* numeric(3,5) holds 0.00xyz: 5 digits, all fractional */
            p = s;
        }
        if (out->dec == 0) {
            if (p > 38) {
                set_text(out); /* beyond decimal128: exact text instead */
            } else {
                set_decimal(out, p, s);
            }
        }
        return WEIR_OK;
    }
    out->dec = row->dec;
    out->extension = row->extension;
    snprintf(out->format, sizeof(out->format), "%s", row->format);
    return WEIR_OK;
}

int weir_pgtypes_is_time(const char *typsend)
{
    return typsend != NULL &&
           (strcmp(typsend, "date_send") == 0 || weir_pgtypes_is_timestamp(typsend));
}

int weir_pgtypes_is_timestamp(const char *typsend)
{
    return typsend != NULL &&
           (strcmp(typsend, "timestamp_send") == 0 || strcmp(typsend, "timestamptz_send") == 0);
}

int weir_pgtypes_map_array(const char *column, const char *elem_send, int32_t typmod,
                           const char *override, struct weir_pgmap *out, struct weir_error *err)
{
    int kind = WEIR_PGOVR_NONE, op = 0, os = 0;
    memset(out, 0, sizeof(*out));
    if (override != NULL &&
        weir_pgtypes_parse_override(column, override, &kind, &op, &os, err) != WEIR_OK) {
        return err->status;
    }
    const struct type_row *row = elem_send != NULL ? find(elem_send) : NULL;
    if (kind == WEIR_PGOVR_DECIMAL && (row == NULL || row->dec != WEIR_PGDEC_NUMERIC)) {
        weir_error_set(err, WEIR_ECONFIG, "column \"%s\": a decimal type override on an array "
                       "of a type other than numeric", column);
        return weir_error_hint(err, "use string to keep the array as PostgreSQL text");
    }
    struct weir_pgmap elem;
    if (kind == WEIR_PGOVR_STRING || row == NULL ||
        weir_pgtypes_map(column, elem_send, typmod, override, &elem, err) != WEIR_OK ||
        elem.cast != WEIR_PGCAST_NONE) {
        set_text(out);
        return WEIR_OK;
    }
    out->dec = WEIR_PGDEC_ARRAY;
    snprintf(out->format, sizeof(out->format), "+l");
    out->elem_dec = elem.dec;
    snprintf(out->elem_format, sizeof(out->elem_format), "%s", elem.format);
    out->elem_extension = elem.extension;
    out->precision = elem.precision;
    out->scale = elem.scale;
    return WEIR_OK;
}
