/* ORC writer: column type mapping, value encoding, row groups. */
#include "orc_column.h"

#include <stdlib.h>
#include <string.h>

#include "util/arrow.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ORC writer copies Arrow's little-endian values as they are"
#endif

enum src_shape {
    SRC_BOOL = 1,
    SRC_I8,
    SRC_I16,
    SRC_I32,
    SRC_I64,
    SRC_U8,
    SRC_U16,
    SRC_U32,
    SRC_F32,
    SRC_F64,
    SRC_DEC,
    SRC_UTF8,
    SRC_BIN,
    SRC_FIXED,
    SRC_UUID,
    SRC_DATE,
    SRC_TIME,
    SRC_TS,
    SRC_LIST,
};

static const struct {
    const char *format;
    int kind;
    int src;
} type_map[] = {
    {"b", ORC_BOOLEAN, SRC_BOOL},  {"c", ORC_BYTE, SRC_I8},     {"s", ORC_SHORT, SRC_I16},
    {"i", ORC_INT, SRC_I32},       {"l", ORC_LONG, SRC_I64},    {"C", ORC_SHORT, SRC_U8},
    {"S", ORC_INT, SRC_U16},       {"I", ORC_LONG, SRC_U32},    {"f", ORC_FLOAT, SRC_F32},
    {"g", ORC_DOUBLE, SRC_F64},    {"u", ORC_STRING, SRC_UTF8}, {"z", ORC_BINARY, SRC_BIN},
    {"tdD", ORC_DATE, SRC_DATE},   {"ttu", ORC_LONG, SRC_TIME}, {"tsu:", ORC_TIMESTAMP, SRC_TS},
};

static int stats_kind(int kind)
{
    switch (kind) {
    case ORC_BOOLEAN:
        return ORC_ST_BOOL;
    case ORC_BYTE:
    case ORC_SHORT:
    case ORC_INT:
    case ORC_LONG:
        return ORC_ST_INT;
    case ORC_FLOAT:
    case ORC_DOUBLE:
        return ORC_ST_DOUBLE;
    case ORC_STRING:
        return ORC_ST_STRING;
    case ORC_BINARY:
        return ORC_ST_BINARY;
    case ORC_DECIMAL:
        return ORC_ST_DECIMAL;
    case ORC_DATE:
        return ORC_ST_DATE;
    case ORC_TIMESTAMP:
    case ORC_TIMESTAMP_INSTANT:
        return ORC_ST_TIMESTAMP;
    default:
        return ORC_ST_NONE;
    }
}

static bool parse_int(const char **s, long lo, long hi, int *out)
{
    char *end = NULL;
    long v = strtol(*s, &end, 10);
    if (end == *s || v < lo || v > hi) {
        return false;
    }
    *out = (int)v;
    *s = end;
    return true;
}

static int map_type(struct orc_col *c, const struct ArrowSchema *f, const char *name,
                    struct weir_error *err)
{
    const char *fmt = f->format != NULL ? f->format : "";
    int32_t elen = 0;
    const char *ext = f->metadata != NULL
                          ? weir_arrow_metadata_find(f->metadata, "ARROW:extension:name", &elen)
                          : NULL;
    bool is_uuid = ext != NULL && elen == 10 && memcmp(ext, "arrow.uuid", 10) == 0;
    bool is_json = ext != NULL && elen == 10 && memcmp(ext, "arrow.json", 10) == 0;
    for (size_t i = 0; i < sizeof(type_map) / sizeof(type_map[0]); i++) {
        if (strcmp(fmt, type_map[i].format) == 0) {
            c->kind = type_map[i].kind;
            c->src = type_map[i].src;
            c->logical = c->src == SRC_UTF8 && is_json ? "json" : NULL;
            return WEIR_OK;
        }
    }
    const char *p = fmt + 2;
    if (strncmp(fmt, "d:", 2) == 0) {
        int bits = 128;
        if (parse_int(&p, 1, 38, &c->precision) && *p++ == ',' &&
            parse_int(&p, 0, c->precision, &c->scale) &&
            (*p == '\0' || (*p++ == ',' && parse_int(&p, 128, 128, &bits) && *p == '\0'))) {
            c->kind = ORC_DECIMAL;
            c->src = SRC_DEC;
            return WEIR_OK;
        }
    } else if (strncmp(fmt, "w:", 2) == 0) {
        if (parse_int(&p, 1, INT32_MAX, &c->fixed_width) && *p == '\0') {
            if (is_uuid && c->fixed_width == 16) {
                /* a UUID is stored in its canonical text form: readers and
                 * catalogs know no UUID type in ORC */
                c->kind = ORC_STRING;
                c->src = SRC_UUID;
                c->logical = "uuid";
            } else {
                c->kind = ORC_BINARY;
                c->src = SRC_FIXED;
            }
            return WEIR_OK;
        }
    } else if (strncmp(fmt, "tsu:", 4) == 0 && fmt[4] != '\0') {
        c->kind = ORC_TIMESTAMP_INSTANT; /* any zone: Arrow's values are UTC instants */
        c->src = SRC_TS;
        return WEIR_OK;
    }
    if (strcmp(fmt, "+l") == 0) {
        const struct ArrowSchema *e = f->n_children == 1 ? f->children[0] : NULL;
        if (e == NULL || e->format == NULL) {
            return weir_error_set(err, WEIR_ECONFIG, "orc: list column \"%s\" has no element "
                                  "type", name);
        }
        if (strcmp(e->format, "+l") != 0) {
            c->kind = ORC_LIST;
            c->src = SRC_LIST;
            return WEIR_OK;
        }
        weir_error_set(err, WEIR_ECONFIG, "orc: column \"%s\" is a list of lists, which the orc "
                       "writer does not write", name);
        return weir_error_hint(err, "set the column to string in the job's types: to keep it as "
                                    "text");
    }
    weir_error_set(err, WEIR_ECONFIG, "orc: column \"%s\" has Arrow type \"%s\", which the orc "
                   "writer does not support", name, fmt);
    return weir_error_hint(err, "cast the column to a supported type with the job's `types`");
}

int weir_orc_col_init(struct orc_col *c, const struct ArrowSchema *field, const char *name,
                      struct orc_codec *codec, size_t block, struct weir_error *err)
{
    memset(c, 0, sizeof(*c));
    weir_orc_ostream_init(&c->present, codec, block);
    weir_orc_ostream_init(&c->data, codec, block);
    weir_orc_ostream_init(&c->second, codec, block);
    weir_orc_ostream_init(&c->dictdata, codec, block);
    weir_orc_dict_init(&c->dict);
    if (name == NULL) {
        name = field->name != NULL ? field->name : "";
    }
    int rc = map_type(c, field, name, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    c->name = strdup(name);
    /* only the encoders the column's values use (4 KiB each: a partitioned
     * run keeps thousands of columns open) */
    bool no_data = c->src == SRC_BOOL || c->src == SRC_I8 || c->src == SRC_F32 ||
                   c->src == SRC_F64 || c->src == SRC_DEC || c->src == SRC_BIN ||
                   c->src == SRC_FIXED || c->src == SRC_LIST;
    bool second = c->src == SRC_DEC || c->src == SRC_BIN || c->src == SRC_FIXED ||
                  c->src == SRC_TS || c->src == SRC_LIST || c->src == SRC_UTF8 ||
                  c->src == SRC_UUID;
    c->data_rle = no_data ? NULL : malloc(sizeof(*c->data_rle));
    c->second_rle = second ? malloc(sizeof(*c->second_rle)) : NULL;
    if (c->name == NULL || (!no_data && c->data_rle == NULL) || (second && c->second_rle == NULL)) {
        return weir_error_set(err, WEIR_ENOMEM, "orc: out of memory for a column");
    }
    weir_orc_boolrle_init(&c->present_rle, &c->present);
    weir_orc_boolrle_init(&c->bool_rle, &c->data);
    weir_orc_brle_init(&c->byte_rle, &c->data);
    bool data_signed = c->src != SRC_UTF8 && c->src != SRC_UUID;
    if (c->data_rle != NULL) {
        weir_orc_rle2_init(c->data_rle, &c->data, data_signed);
    }
    if (c->second_rle != NULL) {
        weir_orc_rle2_init(c->second_rle, &c->second, c->src == SRC_DEC);
    }
    int sk = stats_kind(c->kind);
    weir_orc_stats_init(&c->rg_stats, sk, c->scale);
    weir_orc_stats_init(&c->stripe_stats, sk, c->scale);
    weir_orc_stats_init(&c->file_stats, sk, c->scale);
    c->encoding = (c->src == SRC_BOOL || c->src == SRC_I8 || c->src == SRC_F32 ||
                   c->src == SRC_F64)
                      ? ORC_E_DIRECT
                      : ORC_E_DIRECT_V2;
    return WEIR_OK;
}

static void free_rgs(struct orc_col *c)
{
    for (size_t i = 0; i < c->nrg; i++) {
        weir_orc_stats_free(&c->rgs[i].stats);
    }
    c->nrg = 0;
}

void weir_orc_col_free(struct orc_col *c)
{
    weir_orc_col_trim(c); /* the stripe's buffers */
    free(c->name);
    free(c->data_rle);
    free(c->second_rle);
    weir_orc_stats_free(&c->rg_stats);
    weir_orc_stats_free(&c->stripe_stats);
    weir_orc_stats_free(&c->file_stats);
    memset(c, 0, sizeof(*c));
}

static bool is_string(const struct orc_col *c)
{
    return c->src == SRC_UTF8 || c->src == SRC_UUID;
}

int weir_orc_col_rg_open(struct orc_col *c, struct weir_error *err)
{
    if (c->nrg == c->caprg) {
        size_t cap = c->caprg != 0 ? c->caprg * 2 : 16;
        struct orc_rg_entry *r = realloc(c->rgs, cap * sizeof(*r));
        if (r == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "orc: out of memory for the row index");
        }
        c->rgs = r;
        c->caprg = cap;
    }
    struct orc_rg_entry *e = &c->rgs[c->nrg++];
    memset(e, 0, sizeof(*e));
    weir_orc_stats_init(&e->stats, c->rg_stats.kind, c->scale);
    weir_orc_boolrle_position(&c->present_rle, e->pos, &e->npos);
    e->npresent = e->npos;
    /* The order of positions per type is fixed by the specification's
     * column encoding tables, whatever order the streams are stored in. */
    switch (c->src) {
    case SRC_BOOL:
        weir_orc_boolrle_position(&c->bool_rle, e->pos, &e->npos);
        break;
    case SRC_I8:
        weir_orc_brle_position(&c->byte_rle, e->pos, &e->npos);
        break;
    case SRC_F32:
    case SRC_F64:
        weir_orc_ostream_position(&c->data, e->pos, &e->npos);
        break;
    case SRC_DEC:
    case SRC_BIN:
    case SRC_FIXED:
        weir_orc_ostream_position(&c->data, e->pos, &e->npos);
        weir_orc_rle2_position(c->second_rle, e->pos, &e->npos);
        break;
    case SRC_TS:
        weir_orc_rle2_position(c->data_rle, e->pos, &e->npos);
        weir_orc_rle2_position(c->second_rle, e->pos, &e->npos);
        break;
    case SRC_UTF8:
    case SRC_UUID:
        e->id_start = c->dict.nids; /* positions follow when the stripe is encoded */
        break;
    case SRC_LIST:
        weir_orc_rle2_position(c->second_rle, e->pos, &e->npos);
        break;
    default:
        weir_orc_rle2_position(c->data_rle, e->pos, &e->npos);
        break;
    }
    return WEIR_OK;
}

int weir_orc_col_rg_close(struct orc_col *c, struct weir_error *err)
{
    struct orc_rg_entry *e = &c->rgs[c->nrg - 1];
    weir_orc_stats_free(&e->stats);
    e->stats = c->rg_stats; /* moved */
    weir_orc_stats_init(&c->rg_stats, e->stats.kind, c->scale);
    return weir_orc_stats_merge(&c->stripe_stats, &e->stats, err);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Nanoseconds with their trailing decimal zeros cut: the low 3 bits say how
 * many were removed (minus one) when there were at least two. */
int64_t weir_orc_format_nanos(int64_t nanos)
{
    if (nanos == 0) {
        return 0;
    }
    if (nanos % 100 != 0) {
        return nanos << 3;
    }
    nanos /= 100;
    int64_t z = 1;
    while (nanos % 10 == 0 && z < 7) {
        nanos /= 10;
        z++;
    }
    return (nanos << 3) | z;
}

static void uuid_text(const uint8_t *u, char out[36])
{
    static const char hex[] = "0123456789abcdef";
    int k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[k++] = '-';
        }
        out[k++] = hex[u[i] >> 4];
        out[k++] = hex[u[i] & 15];
    }
}

static int put_value(struct orc_col *c, const struct ArrowArray *a, int64_t j,
                     struct weir_error *err)
{
    const void *vals = a->buffers[1];
    int64_t v;
    switch (c->src) {
    case SRC_BOOL: {
        bool b = weir_arrow_bit(vals, j);
        weir_orc_stats_bool(&c->rg_stats, b);
        return weir_orc_boolrle_add(&c->bool_rle, b, err);
    }
    case SRC_I8:
        v = ((const int8_t *)vals)[j];
        weir_orc_stats_int(&c->rg_stats, v);
        return weir_orc_brle_add(&c->byte_rle, (uint8_t)v, err);
    case SRC_I16:
        v = ((const int16_t *)vals)[j];
        break;
    case SRC_I32:
    case SRC_DATE:
        v = ((const int32_t *)vals)[j];
        break;
    case SRC_I64:
    case SRC_TIME:
        v = ((const int64_t *)vals)[j];
        break;
    case SRC_U8:
        v = ((const uint8_t *)vals)[j];
        break;
    case SRC_U16:
        v = ((const uint16_t *)vals)[j];
        break;
    case SRC_U32:
        v = ((const uint32_t *)vals)[j];
        break;
    case SRC_F32: {
        float f = ((const float *)vals)[j];
        weir_orc_stats_double(&c->rg_stats, (double)f);
        return weir_orc_ostream_write(&c->data, &f, 4, err);
    }
    case SRC_F64: {
        double d = ((const double *)vals)[j];
        weir_orc_stats_double(&c->rg_stats, d);
        return weir_orc_ostream_write(&c->data, &d, 8, err);
    }
    case SRC_DEC: {
        __int128 x;
        memcpy(&x, (const uint8_t *)vals + 16 * j, 16);
        weir_orc_stats_decimal(&c->rg_stats, x);
        unsigned __int128 u = ((unsigned __int128)x << 1) ^ (unsigned __int128)(x >> 127);
        uint8_t buf[20];
        size_t n = 0;
        while (u >= 0x80) {
            buf[n++] = (uint8_t)(u | 0x80);
            u >>= 7;
        }
        buf[n++] = (uint8_t)u;
        int rc = weir_orc_ostream_write(&c->data, buf, n, err);
        return rc != WEIR_OK ? rc : weir_orc_rle2_add(c->second_rle, c->scale, err);
    }
    case SRC_UTF8:
    case SRC_BIN: {
        const int32_t *off = vals;
        const uint8_t *bytes = (const uint8_t *)a->buffers[2] + off[j];
        size_t len = (size_t)(off[j + 1] - off[j]);
        if (c->src == SRC_UTF8) {
            int rc = weir_orc_stats_string(&c->rg_stats, bytes, len, err);
            return rc != WEIR_OK ? rc : weir_orc_dict_add(&c->dict, bytes, len, err);
        }
        weir_orc_stats_binary(&c->rg_stats, len);
        int rc = weir_orc_ostream_write(&c->data, bytes, len, err);
        return rc != WEIR_OK ? rc : weir_orc_rle2_add(c->second_rle, (int64_t)len, err);
    }
    case SRC_FIXED: {
        size_t w = (size_t)c->fixed_width;
        weir_orc_stats_binary(&c->rg_stats, w);
        int rc = weir_orc_ostream_write(&c->data, (const uint8_t *)vals + w * (size_t)j, w, err);
        return rc != WEIR_OK ? rc : weir_orc_rle2_add(c->second_rle, (int64_t)w, err);
    }
    case SRC_UUID: {
        char text[36];
        uuid_text((const uint8_t *)vals + 16 * j, text);
        int rc = weir_orc_stats_string(&c->rg_stats, (const uint8_t *)text, 36, err);
        return rc != WEIR_OK ? rc : weir_orc_dict_add(&c->dict, (const uint8_t *)text, 36, err);
    }
    case SRC_TS: {
        int64_t us = ((const int64_t *)vals)[j];
        weir_orc_stats_int(&c->rg_stats, us);
        int64_t secs = floor_div(us, 1000000);
        int64_t nanos = (us - secs * 1000000) * 1000;
        /* Readers (Java and C++ alike) take one second off a negative
         * seconds value whose nanos exceed 999999, so such seconds are
         * written rounded toward zero. In the last second before 1970 that
         * gives 0, which readers do not adjust: no encoding reads back. */
        if (secs == -1 && nanos > 999999) {
            weir_error_set(err, WEIR_EDATA, "orc: column \"%s\": timestamp %lld us (in the last "
                           "second before 1970, with a fraction of 1 ms or more) cannot be "
                           "stored in ORC so that readers read it back", c->name, (long long)us);
            return weir_error_hint(err, "write this table as parquet, or truncate the value");
        }
        if (secs < 0 && nanos > 999999) {
            secs += 1;
        }
        int rc = weir_orc_rle2_add(c->data_rle, secs - ORC_TS_BASE, err);
        return rc != WEIR_OK ? rc : weir_orc_rle2_add(c->second_rle, weir_orc_format_nanos(nanos), err);
    }
    default:
        return weir_error_set(err, WEIR_EINTERNAL, "orc: column source %d", c->src);
    }
    weir_orc_stats_int(&c->rg_stats, v);
    return weir_orc_rle2_add(c->data_rle, v, err);
}

/* A list's rows: LENGTH values, and the elements of each run of non-null
 * rows appended to the child at once (Arrow's offsets are contiguous). */
static int append_list(struct orc_col *c, const struct ArrowArray *a, int64_t row, int64_t n,
                       struct weir_error *err)
{
    const int32_t *off = (const int32_t *)a->buffers[1] + a->offset;
    const struct ArrowArray *e = a->n_children == 1 ? a->children[0] : NULL;
    int64_t from = -1, to = -1; /* pending element range */
    int rc = WEIR_OK;
    if (e == NULL || (n > 0 && (off[row] < 0 || off[row + n] > e->length))) {
        return weir_error_set(err, WEIR_EINTERNAL, "orc: list column \"%s\" has bad offsets",
                              c->name);
    }
    for (int64_t i = row; i < row + n && rc == WEIR_OK; i++) {
        bool null = weir_arrow_is_null(a, i);
        rc = weir_orc_boolrle_add(&c->present_rle, !null, err);
        if (rc != WEIR_OK) {
            break;
        }
        if (null) {
            weir_orc_stats_null(&c->rg_stats);
            c->stripe_has_null = true;
            continue;
        }
        int64_t len = (int64_t)off[i + 1] - off[i];
        if (len < 0) {
            return weir_error_set(err, WEIR_EINTERNAL, "orc: list column \"%s\": row %lld has "
                                  "a negative length", c->name, (long long)i);
        }
        weir_orc_stats_value(&c->rg_stats);
        rc = weir_orc_rle2_add(c->second_rle, len, err);
        if (rc == WEIR_OK && from >= 0 && off[i] != to) {
            rc = weir_orc_col_append(c->child, e, from, to - from, err);
            from = -1;
        }
        if (from < 0) {
            from = off[i];
        }
        to = off[i + 1];
    }
    if (rc == WEIR_OK && from >= 0 && to > from) {
        rc = weir_orc_col_append(c->child, e, from, to - from, err);
    }
    return rc;
}

int weir_orc_col_append(struct orc_col *c, const struct ArrowArray *a, int64_t row, int64_t n,
                        struct weir_error *err)
{
    if (c->src == SRC_LIST) {
        return append_list(c, a, row, n, err);
    }
    for (int64_t i = row; i < row + n; i++) {
        bool null = weir_arrow_is_null(a, i);
        int rc = weir_orc_boolrle_add(&c->present_rle, !null, err);
        if (rc == WEIR_OK && null) {
            weir_orc_stats_null(&c->rg_stats);
            c->stripe_has_null = true;
        } else if (rc == WEIR_OK) {
            rc = put_value(c, a, i + a->offset, err);
        }
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    return WEIR_OK;
}

size_t weir_orc_col_buffered(const struct orc_col *c)
{
    return orc_ostream_size(&c->present) + orc_ostream_size(&c->data) +
           orc_ostream_size(&c->second) + orc_ostream_size(&c->dictdata) +
           weir_orc_dict_bytes(&c->dict);
}

size_t weir_orc_col_memory(const struct orc_col *c)
{
    const struct orc_ostream *st[] = {&c->present, &c->data, &c->second, &c->dictdata};
    size_t n = sizeof(*c) + (c->data_rle != NULL ? sizeof(*c->data_rle) : 0) +
               (c->second_rle != NULL ? sizeof(*c->second_rle) : 0) + c->caprg * sizeof(*c->rgs);
    for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
        n += st[i]->out.cap + st[i]->pend.cap;
    }
    const struct orc_dict *d = &c->dict;
    return n + d->bytes.cap + d->cap * (sizeof(*d->off) + sizeof(*d->len)) +
           d->tcap * sizeof(*d->table) + d->capids * sizeof(*d->ids) + c->rg_stats.sminlen +
           c->rg_stats.smaxlen + c->stripe_stats.sminlen + c->stripe_stats.smaxlen +
           c->file_stats.sminlen + c->file_stats.smaxlen;
}

void weir_orc_col_trim(struct orc_col *c)
{
    free_rgs(c);
    free(c->rgs);
    c->rgs = NULL;
    c->caprg = 0;
    weir_orc_ostream_free(&c->present);
    weir_orc_ostream_free(&c->data);
    weir_orc_ostream_free(&c->second);
    weir_orc_ostream_free(&c->dictdata);
    weir_orc_dict_free(&c->dict);
    weir_orc_dict_init(&c->dict);
}

/* Writes the stripe's strings, recording each row group's positions. */
static int encode_strings(struct orc_col *c, double threshold, struct weir_error *err)
{
    const struct orc_dict *d = &c->dict;
    bool use_dict = d->nids > 0 && threshold > 0 && (double)d->n <= threshold * (double)d->nids;
    uint32_t *order = NULL, *rank = NULL;
    int rc = WEIR_OK;
    size_t len;
    c->encoding = use_dict ? ORC_E_DICTIONARY_V2 : ORC_E_DIRECT_V2;
    c->dict_size = use_dict ? (uint32_t)d->n : 0;
    weir_orc_rle2_init(c->data_rle, &c->data, false);
    if (use_dict) {
        order = weir_orc_dict_sorted(d, err);
        rank = malloc((d->n > 0 ? d->n : 1) * sizeof(*rank));
        if (order == NULL || rank == NULL) {
            rc = order == NULL ? err->status
                               : weir_error_set(err, WEIR_ENOMEM, "orc: out of memory");
            goto cleanup;
        }
        for (size_t i = 0; i < d->n && rc == WEIR_OK; i++) {
            rank[order[i]] = (uint32_t)i;
            const uint8_t *p = orc_dict_value(d, order[i], &len);
            rc = weir_orc_ostream_write(&c->dictdata, p, len, err);
            if (rc == WEIR_OK) {
                rc = weir_orc_rle2_add(c->second_rle, (int64_t)len, err);
            }
        }
    }
    size_t r = 0;
    for (size_t k = 0; k <= d->nids && rc == WEIR_OK; k++) {
        for (; r < c->nrg && c->rgs[r].id_start == k; r++) {
            struct orc_rg_entry *e = &c->rgs[r];
            if (use_dict) {
                weir_orc_rle2_position(c->data_rle, e->pos, &e->npos);
            } else {
                weir_orc_ostream_position(&c->data, e->pos, &e->npos);
                weir_orc_rle2_position(c->second_rle, e->pos, &e->npos);
            }
        }
        if (k == d->nids) {
            break;
        }
        uint32_t id = d->ids[k];
        if (use_dict) {
            rc = weir_orc_rle2_add(c->data_rle, rank[id], err);
        } else {
            const uint8_t *p = orc_dict_value(d, id, &len);
            rc = weir_orc_ostream_write(&c->data, p, len, err);
            if (rc == WEIR_OK) {
                rc = weir_orc_rle2_add(c->second_rle, (int64_t)len, err);
            }
        }
    }
cleanup:
    free(order);
    free(rank);
    return rc;
}

int weir_orc_col_stripe_finish(struct orc_col *c, double dict_threshold, struct weir_error *err)
{
    int rc = WEIR_OK;
    if (is_string(c)) {
        rc = encode_strings(c, dict_threshold, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_orc_boolrle_flush(&c->present_rle, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_orc_boolrle_flush(&c->bool_rle, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_orc_brle_flush(&c->byte_rle, err);
    }
    if (rc == WEIR_OK && c->data_rle != NULL) {
        rc = weir_orc_rle2_flush(c->data_rle, err);
    }
    if (rc == WEIR_OK && c->second_rle != NULL) {
        rc = weir_orc_rle2_flush(c->second_rle, err);
    }
    struct orc_ostream *s[] = {&c->present, &c->data, &c->second, &c->dictdata};
    for (size_t i = 0; i < 4 && rc == WEIR_OK; i++) {
        rc = weir_orc_ostream_flush(s[i], err);
    }
    return rc;
}

void weir_orc_col_row_index(const struct orc_col *c, struct orc_pb *pb)
{
    for (size_t i = 0; i < c->nrg; i++) {
        const struct orc_rg_entry *e = &c->rgs[i];
        int skip = c->stripe_has_null ? 0 : e->npresent;
        struct orc_pb entry, stats;
        weir_orc_pb_init(&entry, pb->err);
        weir_orc_pb_packed(&entry, 1, e->pos + skip, (size_t)(e->npos - skip));
        weir_orc_pb_init(&stats, pb->err);
        weir_orc_stats_encode(&e->stats, &stats);
        weir_orc_pb_message(&entry, 2, &stats);
        weir_orc_pb_message(pb, 1, &entry);
    }
}

int weir_orc_col_streams(struct orc_col *c, int kinds[4], struct orc_ostream *streams[4])
{
    int n = 0;
    if (c->stripe_has_null) {
        kinds[n] = ORC_S_PRESENT;
        streams[n++] = &c->present;
    }
    if (c->src == SRC_LIST) {
        kinds[n] = ORC_S_LENGTH;
        streams[n++] = &c->second;
        return n;
    }
    kinds[n] = ORC_S_DATA;
    streams[n++] = &c->data;
    if (c->encoding == ORC_E_DICTIONARY_V2) {
        kinds[n] = ORC_S_DICTIONARY_DATA;
        streams[n++] = &c->dictdata;
    }
    if (is_string(c) || c->src == SRC_BIN || c->src == SRC_FIXED) {
        kinds[n] = ORC_S_LENGTH;
        streams[n++] = &c->second;
    } else if (c->src == SRC_DEC || c->src == SRC_TS) {
        kinds[n] = ORC_S_SECONDARY;
        streams[n++] = &c->second;
    }
    return n;
}

int weir_orc_col_stripe_reset(struct orc_col *c, struct weir_error *err)
{
    int rc = weir_orc_stats_merge(&c->file_stats, &c->stripe_stats, err);
    weir_orc_stats_reset(&c->stripe_stats);
    weir_orc_stats_reset(&c->rg_stats);
    free_rgs(c);
    weir_orc_ostream_reset(&c->present);
    weir_orc_ostream_reset(&c->data);
    weir_orc_ostream_reset(&c->second);
    weir_orc_ostream_reset(&c->dictdata);
    weir_orc_dict_reset(&c->dict);
    c->stripe_has_null = false;
    c->dict_size = 0;
    if (is_string(c)) {
        c->encoding = ORC_E_DIRECT_V2;
    }
    return rc;
}

void weir_orc_col_type(const struct orc_col *c, uint32_t id, struct orc_pb *pb)
{
    weir_orc_pb_uint(pb, 1, (uint64_t)c->kind);
    if (c->kind == ORC_LIST) {
        uint64_t sub = (uint64_t)id + 1;
        weir_orc_pb_packed(pb, 2, &sub, 1);
    }
    if (c->kind == ORC_DECIMAL) {
        weir_orc_pb_uint(pb, 5, (uint64_t)c->precision);
        weir_orc_pb_uint(pb, 6, (uint64_t)c->scale);
    }
    if (c->logical != NULL) {
        struct orc_pb kv;
        weir_orc_pb_init(&kv, pb->err);
        weir_orc_pb_string(&kv, 1, "weir.logical_type");
        weir_orc_pb_string(&kv, 2, c->logical);
        weir_orc_pb_message(pb, 7, &kv);
    }
}
