/* Arrow → Parquet type mapping; see types.h. */
#include "parquet/types.h"

#include <stdlib.h>
#include <string.h>

#include "util/arrow.h"

/* The formats with no parameters, as a table. */
struct simple_map {
    const char *format;
    int src, phys, converted, logical, int_bits;
    bool int_signed;
    int stat_kind;
    int value_size;
};

static const struct simple_map simple[] = {
    {"b", WEIR_PQ_SRC_BOOL, WEIR_PQ_BOOLEAN, WEIR_PQ_CT_NONE, WEIR_PQ_LT_NONE, 0, false,
     WEIR_PQ_SK_BOOL, 0},
    {"c", WEIR_PQ_SRC_I8, WEIR_PQ_INT32, WEIR_PQ_CT_INT_8, WEIR_PQ_LT_INT, 8, true, WEIR_PQ_SK_I32,
     4},
    {"s", WEIR_PQ_SRC_I16, WEIR_PQ_INT32, WEIR_PQ_CT_INT_16, WEIR_PQ_LT_INT, 16, true,
     WEIR_PQ_SK_I32, 4},
    {"i", WEIR_PQ_SRC_I32, WEIR_PQ_INT32, WEIR_PQ_CT_INT_32, WEIR_PQ_LT_INT, 32, true,
     WEIR_PQ_SK_I32, 4},
    {"l", WEIR_PQ_SRC_I64, WEIR_PQ_INT64, WEIR_PQ_CT_INT_64, WEIR_PQ_LT_INT, 64, true,
     WEIR_PQ_SK_I64, 8},
    {"C", WEIR_PQ_SRC_U8, WEIR_PQ_INT32, WEIR_PQ_CT_UINT_8, WEIR_PQ_LT_INT, 8, false,
     WEIR_PQ_SK_U32, 4},
    {"S", WEIR_PQ_SRC_U16, WEIR_PQ_INT32, WEIR_PQ_CT_UINT_16, WEIR_PQ_LT_INT, 16, false,
     WEIR_PQ_SK_U32, 4},
    {"I", WEIR_PQ_SRC_U32, WEIR_PQ_INT32, WEIR_PQ_CT_UINT_32, WEIR_PQ_LT_INT, 32, false,
     WEIR_PQ_SK_U32, 4},
    {"f", WEIR_PQ_SRC_F32, WEIR_PQ_FLOAT, WEIR_PQ_CT_NONE, WEIR_PQ_LT_NONE, 0, false,
     WEIR_PQ_SK_F32, 4},
    {"g", WEIR_PQ_SRC_F64, WEIR_PQ_DOUBLE, WEIR_PQ_CT_NONE, WEIR_PQ_LT_NONE, 0, false,
     WEIR_PQ_SK_F64, 8},
    {"u", WEIR_PQ_SRC_VAR, WEIR_PQ_BYTE_ARRAY, WEIR_PQ_CT_UTF8, WEIR_PQ_LT_STRING, 0, false,
     WEIR_PQ_SK_UTF8, 0},
    {"z", WEIR_PQ_SRC_VAR, WEIR_PQ_BYTE_ARRAY, WEIR_PQ_CT_NONE, WEIR_PQ_LT_NONE, 0, false,
     WEIR_PQ_SK_BYTES, 0},
    {"tdD", WEIR_PQ_SRC_I32, WEIR_PQ_INT32, WEIR_PQ_CT_DATE, WEIR_PQ_LT_DATE, 0, false,
     WEIR_PQ_SK_I32, 4},
    {"ttu", WEIR_PQ_SRC_I64, WEIR_PQ_INT64, WEIR_PQ_CT_TIME_MICROS, WEIR_PQ_LT_TIME, 0, false,
     WEIR_PQ_SK_I64, 8},
};

int weir_pq_decimal_width(int precision)
{
    /* n bytes hold floor(log10(2^(8n-1) - 1)) digits (LogicalTypes.md, DECIMAL). */
    for (int n = 1; n <= 16; n++) {
        unsigned __int128 max = ((unsigned __int128)1 << (8 * n - 1)) - 1;
        unsigned __int128 p10 = 1;
        int digits = 0;
        while (p10 <= max / 10) {
            p10 *= 10;
            digits++;
        }
        /* 10^digits - 1 <= max: `digits` nines fit. */
        if (digits >= precision) {
            return n;
        }
    }
    return 16;
}

static __int128 load_i128(const uint8_t le[16])
{
    unsigned __int128 u = 0;
    for (int i = 15; i >= 0; i--) {
        u = (u << 8) | le[i];
    }
    return (__int128)u;
}

bool weir_pq_decimal_to_be(const uint8_t le[16], int width, uint8_t *out)
{
    /* The dropped high bytes must all be copies of the sign bit. */
    uint8_t sign = (le[15] & 0x80) ? 0xff : 0x00;
    for (int i = width; i < 16; i++) {
        if (le[i] != sign) {
            return false;
        }
    }
    if (width < 16 && ((le[width - 1] & 0x80) ? 0xff : 0x00) != sign) {
        return false;
    }
    for (int i = 0; i < width; i++) {
        out[i] = le[width - 1 - i];
    }
    return true;
}

bool weir_pq_decimal_to_i64(const uint8_t le[16], int64_t *out)
{
    __int128 v = load_i128(le);
    if (v < INT64_MIN || v > INT64_MAX) {
        return false;
    }
    *out = (int64_t)v;
    return true;
}

void weir_pq_uuid_text(const uint8_t uuid[16], uint8_t out[36])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[o++] = '-';
        }
        out[o++] = (uint8_t)hex[uuid[i] >> 4];
        out[o++] = (uint8_t)hex[uuid[i] & 15];
    }
}

static int parse_decimal(const char *format, int *precision, int *scale)
{
    /* "d:P,S" or "d:P,S,128" */
    char *end = NULL;
    long p = strtol(format + 2, &end, 10);
    if (end == format + 2 || *end != ',') {
        return -1;
    }
    const char *s0 = end + 1;
    long s = strtol(s0, &end, 10);
    if (end == s0) {
        return -1;
    }
    if (*end == ',') {
        if (strcmp(end + 1, "128") != 0) {
            return -1;
        }
    } else if (*end != '\0') {
        return -1;
    }
    if (p < 1 || p > 38 || s < 0 || s > p) {
        return -1;
    }
    *precision = (int)p;
    *scale = (int)s;
    return 0;
}

static bool has_extension(const struct ArrowSchema *col, const char *name)
{
    int32_t vlen = 0;
    const char *v = weir_arrow_metadata_find(col->metadata, "ARROW:extension:name", &vlen);
    return v != NULL && (size_t)vlen == strlen(name) && memcmp(v, name, (size_t)vlen) == 0;
}

/* The compat profile's replacements for the formats whose native Parquet type
 * some lake reader refuses (drivers/TYPES.md gives the reader and the source). */
static const struct simple_map compat[] = {
    {"C", WEIR_PQ_SRC_U8, WEIR_PQ_INT32, WEIR_PQ_CT_INT_16, WEIR_PQ_LT_INT, 16, true,
     WEIR_PQ_SK_I32, 4},
    {"S", WEIR_PQ_SRC_U16, WEIR_PQ_INT32, WEIR_PQ_CT_INT_32, WEIR_PQ_LT_INT, 32, true,
     WEIR_PQ_SK_I32, 4},
    {"I", WEIR_PQ_SRC_U32_TO_I64, WEIR_PQ_INT64, WEIR_PQ_CT_INT_64, WEIR_PQ_LT_INT, 64, true,
     WEIR_PQ_SK_I64, 8},
    {"ttu", WEIR_PQ_SRC_I64, WEIR_PQ_INT64, WEIR_PQ_CT_INT_64, WEIR_PQ_LT_INT, 64, true,
     WEIR_PQ_SK_I64, 8},
};

static bool map_simple(const struct simple_map *tab, size_t n, const char *f,
                       struct weir_pq_coltype *t)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(f, tab[i].format) == 0) {
            t->src = tab[i].src;
            t->phys = tab[i].phys;
            t->converted = tab[i].converted;
            t->logical = tab[i].logical;
            t->int_bits = tab[i].int_bits;
            t->int_signed = tab[i].int_signed;
            t->stat_kind = tab[i].stat_kind;
            t->value_size = tab[i].value_size;
            return true;
        }
    }
    return false;
}

/* Fixed-size binary: FLBA natively (UUID-annotated for arrow.uuid); in the
 * compat profile a uuid becomes its text and other widths BYTE_ARRAY. */
static void map_fixed(const struct ArrowSchema *col, int n, bool native,
                      struct weir_pq_coltype *t)
{
    bool uuid = n == 16 && has_extension(col, "arrow.uuid");
    t->type_length = n;
    if (native) {
        t->src = WEIR_PQ_SRC_FIXED;
        t->phys = WEIR_PQ_FLBA;
        t->stat_kind = WEIR_PQ_SK_BYTES;
        t->value_size = n;
        t->logical = uuid ? WEIR_PQ_LT_UUID : WEIR_PQ_LT_NONE;
    } else if (uuid) {
        t->src = WEIR_PQ_SRC_UUID_TEXT;
        t->phys = WEIR_PQ_BYTE_ARRAY;
        t->stat_kind = WEIR_PQ_SK_UTF8;
        t->logical = WEIR_PQ_LT_STRING;
        t->converted = WEIR_PQ_CT_UTF8;
    } else {
        t->src = WEIR_PQ_SRC_FIXED;
        t->phys = WEIR_PQ_BYTE_ARRAY;
        t->stat_kind = WEIR_PQ_SK_BYTES;
    }
}

int weir_pq_coltype_from_arrow(const struct ArrowSchema *col, bool ts_millis, bool native,
                               struct weir_pq_coltype *t, struct weir_error *err)
{
    if (col->format != NULL && strcmp(col->format, "+l") == 0) {
        /* A list: the leaf is the element's type; nested lists are not written. */
        const struct ArrowSchema *e = col->n_children == 1 ? col->children[0] : NULL;
        if (e == NULL || e->format == NULL || e->format[0] == '+') {
            return weir_error_set(err, WEIR_ECONFIG, "column \"%s\": arrow format \"+l\" "
                                  "without one flat child; the parquet writer takes lists of "
                                  "flat types only", col->name != NULL ? col->name : "");
        }
        struct ArrowSchema leaf = *e;
        leaf.name = col->name; /* messages name the column */
        int rc = weir_pq_coltype_from_arrow(&leaf, ts_millis, native, t, err);
        t->list = true;
        return rc;
    }
    const char *f = col->format != NULL ? col->format : "";
    const char *name = col->name != NULL ? col->name : "";
    memset(t, 0, sizeof(*t));
    t->converted = WEIR_PQ_CT_NONE;
    t->dictionary = true;
    if (native || !map_simple(compat, sizeof(compat) / sizeof(compat[0]), f, t)) {
        map_simple(simple, sizeof(simple) / sizeof(simple[0]), f, t);
    }
    if (t->src == 0 && strncmp(f, "d:", 2) == 0) {
        if (parse_decimal(f, &t->precision, &t->scale) != 0) {
            goto unsupported;
        }
        t->logical = WEIR_PQ_LT_DECIMAL;
        t->converted = WEIR_PQ_CT_DECIMAL;
        /* Hive 3 reads only binary decimals (drivers/TYPES.md ⚠ 7): compat
         * writes every precision as minimal FIXED_LEN_BYTE_ARRAY, which all
         * readers take; native keeps INT32/INT64 where they fit. */
        if (native && t->precision <= 9) {
            t->src = WEIR_PQ_SRC_DEC_I32;
            t->phys = WEIR_PQ_INT32;
            t->stat_kind = WEIR_PQ_SK_I32;
            t->value_size = 4;
        } else if (native && t->precision <= 18) {
            t->src = WEIR_PQ_SRC_DEC_I64;
            t->phys = WEIR_PQ_INT64;
            t->stat_kind = WEIR_PQ_SK_I64;
            t->value_size = 8;
        } else {
            t->src = WEIR_PQ_SRC_DEC_FLBA;
            t->phys = WEIR_PQ_FLBA;
            t->type_length = weir_pq_decimal_width(t->precision);
            t->stat_kind = WEIR_PQ_SK_DECIMAL;
            t->value_size = t->type_length;
        }
    } else if (t->src == 0 && strncmp(f, "w:", 2) == 0) {
        char *end = NULL;
        long n = strtol(f + 2, &end, 10);
        if (end == f + 2 || *end != '\0' || n <= 0 || n > 1024) {
            goto unsupported;
        }
        map_fixed(col, (int)n, native, t);
    } else if (t->src == 0 && strncmp(f, "tsu:", 4) == 0) {
        /* "tsu:" is wall-clock time; any zone makes the values instants. */
        t->utc = f[4] != '\0';
        t->millis = ts_millis;
        t->src = ts_millis ? WEIR_PQ_SRC_I64_TO_MS : WEIR_PQ_SRC_I64;
        t->phys = WEIR_PQ_INT64;
        t->logical = WEIR_PQ_LT_TIMESTAMP;
        t->converted = ts_millis ? WEIR_PQ_CT_TIMESTAMP_MILLIS : WEIR_PQ_CT_TIMESTAMP_MICROS;
        t->stat_kind = WEIR_PQ_SK_I64;
        t->value_size = 8;
    } else if (t->src == 0) {
        goto unsupported;
    }
    if (t->src == WEIR_PQ_SRC_VAR && strcmp(f, "u") == 0 && has_extension(col, "arrow.json")) {
        t->logical = WEIR_PQ_LT_JSON;
        t->converted = WEIR_PQ_CT_JSON;
    }
    if (t->src == WEIR_PQ_SRC_BOOL) {
        t->dictionary = false; /* booleans are PLAIN, bit-packed */
    }
    /* The deprecated Statistics.min/max are defined by signed comparison:
     * written only where that is the column's order and the bytes compare the
     * same way for every reader (not for big-endian FLBA decimals). */
    t->legacy_stats = t->stat_kind == WEIR_PQ_SK_I32 || t->stat_kind == WEIR_PQ_SK_I64 ||
                      t->stat_kind == WEIR_PQ_SK_F32 || t->stat_kind == WEIR_PQ_SK_F64;
    return WEIR_OK;

unsupported:
    weir_error_set(err, WEIR_ECONFIG, "column \"%s\": arrow format \"%s\" is not supported by the "
                   "parquet writer", name, f);
    return weir_error_hint(err, "cast the column to a type listed in drivers/parquet/README.md");
}
