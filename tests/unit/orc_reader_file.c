/* Test-only ORC reader: file tail, stripes, columns, row index seeks. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orc_reader_int.h"

/* ---- tail -------------------------------------------------------------- */

static int parse_postscript(struct orc_rfile *f, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    struct pbf x;
    int r;
    while ((r = orc_reader_pb_next(&p, end, &x)) == 1) {
        switch (x.field) {
        case 1:
            f->footer_len = x.v;
            break;
        case 2:
            f->compression = x.v;
            break;
        case 3:
            f->block = x.v;
            break;
        case 4: {
            const uint8_t *q = x.b, *qe = x.b + x.len;
            uint64_t v;
            while (q < qe && f->nversion < 2 && orc_reader_varint(&q, qe, &v)) {
                f->version[f->nversion++] = (uint32_t)v;
            }
            break;
        }
        case 5:
            f->metadata_len = x.v;
            break;
        case 6:
            f->writer_version = x.v;
            break;
        case 8000:
            f->magic_ok = x.len == 3 && memcmp(x.b, "ORC", 3) == 0;
            break;
        default:
            break;
        }
    }
    return r < 0 ? orc_reader_fail(f, "bad postscript") : 0;
}

static int parse_type(struct orc_rtype *t, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    struct pbf x;
    int r, names = 0;
    memset(t, 0, sizeof(*t));
    while ((r = orc_reader_pb_next(&p, end, &x)) == 1) {
        if (x.field == 1) {
            t->kind = (int)x.v;
        } else if (x.field == 2) {
            const uint8_t *q = x.b, *qe = x.b + x.len;
            uint64_t v;
            while (q < qe && t->nsub < 256 && orc_reader_varint(&q, qe, &v)) {
                t->sub[t->nsub++] = (uint32_t)v;
            }
        } else if (x.field == 3 && names < 256) {
            t->names[names++] = orc_reader_dup(x.b, x.len);
        } else if (x.field == 5) {
            t->precision = (int)x.v;
        } else if (x.field == 6) {
            t->scale = (int)x.v;
        } else if (x.field == 7) {
            const uint8_t *q = x.b, *qe = x.b + x.len;
            struct pbf y;
            while (orc_reader_pb_next(&q, qe, &y) == 1) {
                if (y.field == 1) {
                    free(t->attr_key);
                    t->attr_key = orc_reader_dup(y.b, y.len);
                } else if (y.field == 2) {
                    free(t->attr_value);
                    t->attr_value = orc_reader_dup(y.b, y.len);
                }
            }
        }
    }
    return r;
}

static int parse_footer(struct orc_rfile *f, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    struct pbf x;
    int r, nstats = 0;
    const uint8_t *q0 = p;
    /* first pass: counts */
    while ((r = orc_reader_pb_next(&p, end, &x)) == 1) {
        f->ntypes += x.field == 4;
        f->nstripes += x.field == 3;
        f->nuser += x.field == 5;
        nstats += x.field == 7;
    }
    if (r < 0) {
        return orc_reader_fail(f, "bad footer");
    }
    f->types = calloc((size_t)f->ntypes + 1, sizeof(*f->types));
    f->stripes = calloc((size_t)f->nstripes + 1, sizeof(*f->stripes));
    f->user_keys = calloc((size_t)f->nuser + 1, sizeof(char *));
    f->user_values = calloc((size_t)f->nuser + 1, sizeof(char *));
    f->user_vlen = calloc((size_t)f->nuser + 1, sizeof(size_t));
    f->file_stats = calloc((size_t)f->ntypes + 1, sizeof(*f->file_stats));
    if (nstats != f->ntypes) {
        return orc_reader_fail(f, "%d file statistics for %d types", nstats, f->ntypes);
    }
    int it = 0, is = 0, iu = 0, ist = 0;
    p = q0;
    while (orc_reader_pb_next(&p, end, &x) == 1) {
        switch (x.field) {
        case 1:
            f->header_len = x.v;
            break;
        case 2:
            f->content_len = x.v;
            break;
        case 3: {
            const uint8_t *q = x.b, *qe = x.b + x.len;
            struct pbf y;
            struct orc_rstripe *s = &f->stripes[is++];
            while (orc_reader_pb_next(&q, qe, &y) == 1) {
                uint64_t *dst[] = {NULL, &s->offset, &s->index_len, &s->data_len, &s->footer_len,
                                   &s->rows};
                if (y.field >= 1 && y.field <= 5) {
                    *dst[y.field] = y.v;
                }
            }
            break;
        }
        case 4:
            if (parse_type(&f->types[it++], x.b, x.len) < 0) {
                return orc_reader_fail(f, "bad type");
            }
            break;
        case 5: {
            const uint8_t *q = x.b, *qe = x.b + x.len;
            struct pbf y;
            while (orc_reader_pb_next(&q, qe, &y) == 1) {
                if (y.field == 1) {
                    f->user_keys[iu] = orc_reader_dup(y.b, y.len);
                } else if (y.field == 2) {
                    f->user_values[iu] = orc_reader_dup(y.b, y.len);
                    f->user_vlen[iu] = y.len;
                }
            }
            iu++;
            break;
        }
        case 6:
            f->rows = x.v;
            break;
        case 7:
            if (orc_reader_parse_stats(x.b, x.len, &f->file_stats[ist++]) < 0) {
                return orc_reader_fail(f, "bad file statistics");
            }
            break;
        case 8:
            f->stride = x.v;
            break;
        case 9:
            f->has_writer = true;
            break;
        case 11:
            f->calendar = x.v;
            break;
        case 12:
            free(f->software_version);
            f->software_version = orc_reader_dup(x.b, x.len);
            break;
        default:
            break;
        }
    }
    return 0;
}

static int parse_metadata(struct orc_rfile *f, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    struct pbf x;
    int is = 0;
    f->stripe_stats = calloc((size_t)f->nstripes * (size_t)f->ntypes + 1, sizeof(*f->stripe_stats));
    while (orc_reader_pb_next(&p, end, &x) == 1) {
        if (x.field != 1 || is >= f->nstripes) {
            return orc_reader_fail(f, "bad metadata");
        }
        const uint8_t *q = x.b, *qe = x.b + x.len;
        struct pbf y;
        int ic = 0;
        while (orc_reader_pb_next(&q, qe, &y) == 1) {
            if (ic >= f->ntypes ||
                orc_reader_parse_stats(y.b, y.len,
                                       &f->stripe_stats[(size_t)is * (size_t)f->ntypes + (size_t)ic]) < 0) {
                return orc_reader_fail(f, "bad stripe statistics");
            }
            ic++;
        }
        if (ic != f->ntypes) {
            return orc_reader_fail(f, "stripe %d has statistics for %d of %d columns", is, ic, f->ntypes);
        }
        is++;
    }
    return is == f->nstripes ? 0 : orc_reader_fail(f, "metadata has %d stripes, footer %d", is, f->nstripes);
}


int orc_read(const uint8_t *data, size_t len, struct orc_rfile *f)
{
    memset(f, 0, sizeof(*f));
    if (len < 4 || memcmp(data, "ORC", 3) != 0) {
        return orc_reader_fail(f, "no ORC header");
    }
    size_t pslen = data[len - 1];
    if (pslen + 1 > len - 3) {
        return orc_reader_fail(f, "bad postscript length");
    }
    if (parse_postscript(f, data + len - 1 - pslen, pslen) < 0) {
        return -1;
    }
    if (!f->magic_ok) {
        return orc_reader_fail(f, "postscript magic missing");
    }
    size_t tail = 1 + pslen + f->footer_len + f->metadata_len;
    if (tail > len - 3) {
        return orc_reader_fail(f, "tail longer than the file");
    }
    uint8_t *buf = NULL;
    const uint8_t *fp = data + len - 1 - pslen - f->footer_len;
    long n = orc_reader_decompress_map((int)f->compression, fp, f->footer_len, &buf, NULL,
                                       &f->chunks_original, &f->chunks_compressed);
    if (n < 0) {
        return orc_reader_fail(f, "footer does not decompress");
    }
    int r = parse_footer(f, buf, (size_t)n);
    free(buf);
    if (r < 0) {
        return -1;
    }
    const uint8_t *mp = fp - f->metadata_len;
    n = orc_reader_decompress_map((int)f->compression, mp, f->metadata_len, &buf, NULL,
                                  &f->chunks_original, &f->chunks_compressed);
    if (n < 0) {
        return orc_reader_fail(f, "metadata does not decompress");
    }
    r = parse_metadata(f, buf, (size_t)n);
    free(buf);
    if (r < 0) {
        return -1;
    }
    if (f->content_len != (uint64_t)(mp - data)) {
        return orc_reader_fail(f, "contentLength %llu, stripes end at %lld",
                    (unsigned long long)f->content_len, (long long)(mp - data));
    }
    f->cols = calloc((size_t)f->ntypes + 1, sizeof(*f->cols));
    f->parent = calloc((size_t)f->ntypes + 1, sizeof(int));
    f->writer_tz = calloc((size_t)f->nstripes + 1, sizeof(char *));
    for (int c = 0; c < f->ntypes; c++) {
        struct orc_rcol *col = &f->cols[c];
        col->kind = f->types[c].kind;
        col->encodings = calloc((size_t)f->nstripes + 1, sizeof(int));
        col->dict_sizes = calloc((size_t)f->nstripes + 1, sizeof(uint32_t));
        f->parent[c] = -1;
    }
    /* the types tree in pre-order: a type's children follow it */
    for (int c = 0; c < f->ntypes; c++) {
        const struct orc_rtype *t = &f->types[c];
        if ((t->kind == 10 && t->nsub != 1) || (t->kind != 10 && t->kind != 12 && t->nsub != 0)) {
            return orc_reader_fail(f, "type %d (kind %d) has %d subtypes", c, t->kind, t->nsub);
        }
        for (int k = 0; k < t->nsub; k++) {
            if ((int)t->sub[k] <= c || (int)t->sub[k] >= f->ntypes || f->parent[t->sub[k]] != -1) {
                return orc_reader_fail(f, "type %d: bad subtype %u", c, t->sub[k]);
            }
            f->parent[t->sub[k]] = c;
        }
    }
    for (int c = 1; c < f->ntypes; c++) {
        if (f->parent[c] < 0) {
            return orc_reader_fail(f, "type %d is nobody's subtype", c);
        }
    }
    size_t row0 = 0;
    uint64_t expect = 3;
    for (int s = 0; s < f->nstripes; s++) {
        if (f->stripes[s].offset != expect) {
            return orc_reader_fail(f, "stripe %d at %llu, expected %llu", s,
                        (unsigned long long)f->stripes[s].offset, (unsigned long long)expect);
        }
        expect += f->stripes[s].index_len + f->stripes[s].data_len + f->stripes[s].footer_len;
        if (orc_reader_stripe(f, data, len, s, row0) < 0) {
            return -1;
        }
        row0 += f->stripes[s].rows;
    }
    if (row0 != f->rows) {
        return orc_reader_fail(f, "stripes hold %zu rows, footer says %llu", row0,
                    (unsigned long long)f->rows);
    }
    for (int c = 1; c < f->ntypes; c++) {
        if (f->parent[c] == 0 && f->cols[c].n != f->rows) {
            return orc_reader_fail(f, "column %d holds %zu rows of %llu", c, f->cols[c].n,
                                   (unsigned long long)f->rows);
        }
    }
    return 0;
}

int orc_reader_col_grow(struct orc_rcol *col, size_t rows)
{
    size_t want = col->n + rows + 1;
    if (want <= col->cap) {
        return 0;
    }
    size_t cap = col->cap * 2 > want ? col->cap * 2 : want, old = col->cap;
#define GROW(p)                                                                                  \
    do {                                                                                         \
        void *q = realloc(col->p, cap * sizeof(*col->p));                                        \
        if (q == NULL) {                                                                         \
            return -1;                                                                           \
        }                                                                                        \
        col->p = q;                                                                              \
        memset(col->p + old, 0, (cap - old) * sizeof(*col->p));                                  \
    } while (0)
    GROW(present);
    GROW(i);
    GROW(nanos);
    GROW(d);
    GROW(x);
    GROW(scale);
    GROW(s);
    GROW(slen);
    GROW(off);
#undef GROW
    col->cap = cap;
    return 0;
}

void orc_rfile_free(struct orc_rfile *f)
{
    for (int c = 0; c < f->ntypes; c++) {
        struct orc_rtype *t = &f->types[c];
        for (int i = 0; i < 256; i++) {
            free(t->names[i]);
        }
        free(t->attr_key);
        free(t->attr_value);
        orc_reader_free_stats(&f->file_stats[c]);
        for (int s = 0; s < f->nstripes && f->stripe_stats != NULL; s++) {
            orc_reader_free_stats(&f->stripe_stats[(size_t)s * (size_t)f->ntypes + (size_t)c]);
        }
        if (f->cols != NULL) {
            struct orc_rcol *col = &f->cols[c];
            for (size_t r = 0; r < col->n && col->s != NULL; r++) {
                free(col->s[r]);
            }
            free(col->present);
            free(col->i);
            free(col->nanos);
            free(col->d);
            free(col->x);
            free(col->scale);
            free(col->s);
            free(col->slen);
            free(col->off);
            free(col->encodings);
            free(col->dict_sizes);
        }
    }
    for (int i = 0; i < f->nuser; i++) {
        free(f->user_keys[i]);
        free(f->user_values[i]);
    }
    for (int s = 0; s < f->nstripes && f->writer_tz != NULL; s++) {
        free(f->writer_tz[s]);
    }
    free(f->writer_tz);
    free(f->user_keys);
    free(f->user_values);
    free(f->user_vlen);
    free(f->types);
    free(f->stripes);
    free(f->file_stats);
    free(f->stripe_stats);
    free(f->cols);
    free(f->parent);
    free(f->software_version);
    memset(f, 0, sizeof(*f));
}
