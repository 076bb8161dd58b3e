/* Test-only ORC reader: one stripe's streams, column values and the row
 * index, each row group's positions checked by seeking to them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orc_reader_int.h"

#define TS_BASE 1420070400LL

struct dstream {
    bool present;
    uint8_t *buf;
    size_t len;
    struct chunkmap map;
};

struct sstream {
    int kind;
    uint32_t column;
    uint64_t length;
    uint64_t offset;
};

static void dstream_free(struct dstream *d)
{
    free(d->buf);
    free(d->map.cstart);
    free(d->map.dstart);
}

/* Maps a recorded position to an offset in the decompressed stream. */
static bool seek(const struct orc_rfile *f, const struct dstream *d, const uint64_t *pos,
                 size_t npos, size_t *i, size_t *off)
{
    if (f->compression == 0) {
        if (*i >= npos || pos[*i] > d->len) {
            return false;
        }
        *off = pos[(*i)++];
        return true;
    }
    if (*i + 1 >= npos) {
        return false;
    }
    uint64_t c = pos[*i], u = pos[*i + 1];
    *i += 2;
    for (size_t k = 0; k < d->map.n; k++) {
        if (d->map.cstart[k] == c) {
            *off = d->map.dstart[k] + u;
            return *off <= d->len;
        }
    }
    *off = d->len; /* the end of the stream */
    return u == 0;
}

static bool check_rle(const struct dstream *d, bool sgn, size_t off, uint64_t skip,
                      const int64_t *want, size_t at, size_t nwant)
{
    size_t cap = (size_t)skip + 4;
    int64_t *got = calloc(cap, sizeof(*got));
    long n = orc_decode_rle2(d->buf + off, d->len - off, sgn, got, cap);
    bool ok = n >= 0 && (size_t)n >= skip;
    for (size_t t = 0; ok && t < 4 && at + t < nwant; t++) {
        ok = (size_t)n > skip + t && got[skip + t] == want[at + t];
    }
    free(got);
    return ok;
}

static bool check_bits(const struct dstream *d, size_t off, uint64_t count, uint64_t bits,
                       const uint8_t *want, size_t at, size_t nwant)
{
    size_t cap = (size_t)count + 3;
    uint8_t *bytes = calloc(cap, 1);
    long n = orc_decode_byte_rle(d->buf + off, d->len - off, bytes, cap);
    bool ok = n >= 0 && (size_t)n >= count && bits < 8;
    for (size_t t = 0; ok && t < 8 && at + t < nwant; t++) {
        size_t b = (size_t)bits + t;
        ok = (size_t)n > count + b / 8 &&
             ((bytes[count + b / 8] >> (7 - b % 8)) & 1) == want[at + t];
    }
    free(bytes);
    return ok;
}

static bool check_bytes(const struct dstream *d, size_t off, uint64_t count, const uint8_t *want,
                        size_t at, size_t nwant)
{
    size_t cap = (size_t)count + 4;
    uint8_t *got = calloc(cap, 1);
    long n = orc_decode_byte_rle(d->buf + off, d->len - off, got, cap);
    bool ok = n >= 0 && (size_t)n >= count;
    for (size_t t = 0; ok && t < 4 && at + t < nwant; t++) {
        ok = (size_t)n > count + t && got[count + t] == want[at + t];
    }
    free(got);
    return ok;
}

/* Everything decoded for one column of one stripe. */
struct colvals {
    size_t rows, nn;
    uint8_t *present;
    size_t *nn_before; /* rows + 1 */
    uint8_t *bits;     /* booleans, bytes */
    int64_t *v;        /* ints, ids, timestamp seconds (raw) */
    int64_t *v2;       /* lengths, scales, nanos (raw) */
    size_t *boff;      /* byte offset in DATA of value k (raw byte streams), nn + 1 */
};

static void colvals_free(struct colvals *cv)
{
    free(cv->present);
    free(cv->nn_before);
    free(cv->bits);
    free(cv->v);
    free(cv->v2);
    free(cv->boff);
}

static int find(const struct sstream *ss, int nss, uint32_t col, int kind)
{
    for (int i = 0; i < nss; i++) {
        if (ss[i].column == col && ss[i].kind == kind) {
            return i;
        }
    }
    return -1;
}

static int decode_column(struct orc_rfile *f, int c, struct dstream *ds, int enc, uint32_t dsize,
                         struct colvals *cv, size_t row0)
{
    struct orc_rcol *col = &f->cols[c];
    int kind = f->types[c].kind;
    size_t nn = cv->nn;
    struct dstream *data = &ds[1], *len = &ds[2], *dict = &ds[3], *sec = &ds[5];
    cv->bits = calloc(nn + 1, 1);
    cv->v = calloc(nn + 1, sizeof(int64_t));
    cv->v2 = calloc(nn + 1, sizeof(int64_t));
    cv->boff = calloc(nn + 1, sizeof(size_t));
    int64_t *dlen = NULL;
    size_t *doff = NULL;
    int rc = 0;
    size_t k = 0;
    if (kind == 0) {
        rc = orc_decode_bool_rle(data->buf, data->len, cv->bits, nn) == (long)nn ? 0 : -1;
    } else if (kind == 1) {
        rc = orc_decode_byte_rle(data->buf, data->len, cv->bits, nn) == (long)nn ? 0 : -1;
    } else if (kind == 2 || kind == 3 || kind == 4 || kind == 15) {
        rc = orc_decode_rle2(data->buf, data->len, true, cv->v, nn) == (long)nn ? 0 : -1;
    } else if (kind == 5 || kind == 6) {
        size_t w = kind == 5 ? 4 : 8;
        rc = data->len == w * nn ? 0 : -1;
        for (size_t i = 0; i <= nn; i++) {
            cv->boff[i] = w * i;
        }
    } else if ((kind == 7 || kind == 8) && enc == 3) {
        dlen = calloc(dsize + 1, sizeof(int64_t));
        doff = calloc(dsize + 1, sizeof(size_t));
        if (orc_decode_rle2(len->buf, len->len, false, dlen, dsize) != (long)dsize ||
            orc_decode_rle2(data->buf, data->len, false, cv->v, nn) != (long)nn) {
            rc = -1;
        }
        for (uint32_t i = 0; i < dsize && rc == 0; i++) {
            doff[i + 1] = doff[i] + (size_t)dlen[i];
            rc = doff[i + 1] <= dict->len && dlen[i] >= 0 ? 0 : -1;
        }
        for (size_t i = 0; i < nn && rc == 0; i++) {
            rc = cv->v[i] >= 0 && cv->v[i] < (int64_t)dsize ? 0 : -1;
        }
    } else if (kind == 7 || kind == 8) {
        if (orc_decode_rle2(len->buf, len->len, false, cv->v2, nn) != (long)nn) {
            rc = -1;
        }
        for (size_t i = 0; i < nn && rc == 0; i++) {
            cv->boff[i + 1] = cv->boff[i] + (size_t)cv->v2[i];
            rc = cv->boff[i + 1] <= data->len ? 0 : -1;
        }
    } else if (kind == 14) {
        rc = orc_decode_rle2(sec->buf, sec->len, true, cv->v2, nn) == (long)nn ? 0 : -1;
    } else if (kind == 10) {
        rc = orc_decode_rle2(len->buf, len->len, false, cv->v2, nn) == (long)nn ? 0 : -1;
    } else if (kind == 9 || kind == 18) {
        if (orc_decode_rle2(data->buf, data->len, true, cv->v, nn) != (long)nn ||
            orc_decode_rle2(sec->buf, sec->len, false, cv->v2, nn) != (long)nn) {
            rc = -1;
        }
    } else {
        rc = -1;
    }
    if (rc < 0) {
        free(dlen);
        free(doff);
        return orc_reader_fail(f, "column %d (kind %d) does not decode", c, kind);
    }
    size_t dpos = 0; /* decimals: varint position */
    for (size_t r = 0; r < cv->rows; r++) {
        size_t row = row0 + r;
        col->present[row] = cv->present[r];
        if (!cv->present[r]) {
            continue;
        }
        switch (kind) {
        case 0:
            col->i[row] = cv->bits[k];
            break;
        case 1:
            col->i[row] = (int8_t)cv->bits[k];
            break;
        case 5: {
            float x;
            memcpy(&x, data->buf + 4 * k, 4);
            col->d[row] = x;
            break;
        }
        case 6:
            memcpy(&col->d[row], data->buf + 8 * k, 8);
            break;
        case 7:
        case 8:
            if (enc == 3) {
                size_t id = (size_t)cv->v[k];
                col->slen[row] = (size_t)dlen[id];
                col->s[row] = (uint8_t *)orc_reader_dup(dict->buf + doff[id], (size_t)dlen[id]);
            } else {
                col->slen[row] = (size_t)cv->v2[k];
                col->s[row] = (uint8_t *)orc_reader_dup(data->buf + cv->boff[k], col->slen[row]);
            }
            break;
        case 14: {
            unsigned __int128 u = 0;
            int shift = 0;
            cv->boff[k] = dpos;
            for (;;) {
                if (dpos >= data->len || shift > 126) {
                    free(dlen);
                    free(doff);
                    return orc_reader_fail(f, "column %d: bad decimal varint", c);
                }
                uint8_t b = data->buf[dpos++];
                u |= (unsigned __int128)(b & 0x7f) << shift;
                shift += 7;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            cv->boff[k + 1] = dpos;
            col->x[row] = (__int128)(u >> 1) ^ -(__int128)(u & 1);
            col->scale[row] = cv->v2[k];
            break;
        }
        case 9:
        case 18: {
            int64_t t = cv->v[k] + TS_BASE;
            int64_t raw = cv->v2[k], nanos = raw >> 3;
            int z = (int)(raw & 7);
            for (int i = 0; z != 0 && i <= z; i++) {
                nanos *= 10;
            }
            if (t < 0 && nanos > 999999) {
                t -= 1;
            }
            col->i[row] = t * 1000000 + nanos / 1000;
            col->nanos[row] = nanos;
            break;
        }
        case 10:
            col->i[row] = cv->v2[k];
            break;
        default:
            col->i[row] = cv->v[k];
            break;
        }
        k++;
    }
    free(dlen);
    free(doff);
    if (kind == 14 && dpos != data->len) {
        return orc_reader_fail(f, "column %d: %zu trailing decimal bytes", c, data->len - dpos);
    }
    return 0;
}

/* Checks every row group entry of column c by seeking to its positions; row
 * group g holds the column's rows [gs[g], gs[g + 1]) of the stripe (a list's
 * elements: those of the parent's rows in the group). */
static int check_index(struct orc_rfile *f, int c, struct dstream *ds, int enc, struct colvals *cv,
                       const size_t *gs, size_t ngroups)
{
    struct dstream *ix = &ds[6];
    int kind = f->types[c].kind;
    const uint8_t *p = ix->buf, *end = ix->buf + ix->len;
    struct pbf x;
    size_t g = 0;
    while (orc_reader_pb_next(&p, end, &x) == 1) {
        if (x.field != 1) {
            return orc_reader_fail(f, "column %d: bad row index", c);
        }
        uint64_t pos[32] = {0};
        size_t npos = 0, i = 0, off = 0;
        struct orc_rstats st;
        memset(&st, 0, sizeof(st));
        const uint8_t *q = x.b, *qe = x.b + x.len;
        struct pbf y;
        while (orc_reader_pb_next(&q, qe, &y) == 1) {
            if (y.field == 1) {
                const uint8_t *z = y.b;
                while (z < y.b + y.len && npos < 32 && orc_reader_varint(&z, y.b + y.len, &pos[npos])) {
                    npos++;
                }
            } else if (y.field == 2) {
                orc_reader_free_stats(&st);
                orc_reader_parse_stats(y.b, y.len, &st);
            }
        }
        if (g >= ngroups) {
            return orc_reader_fail(f, "column %d: more than %zu row index entries", c, ngroups);
        }
        size_t r = gs[g], rend = gs[g + 1];
        size_t nnr = cv->nn_before[r], nng = cv->nn_before[rend] - nnr;
        bool ok = st.has_count && st.count == (c == 0 ? rend - r : nng);
        orc_reader_free_stats(&st);
        if (c == 0) {
            ok = ok && npos == 0;
        }
        if (ok && c > 0 && ds[0].present) {
            ok = seek(f, &ds[0], pos, npos, &i, &off) && i + 1 < npos &&
                 check_bits(&ds[0], off, pos[i], pos[i + 1], cv->present, r, cv->rows);
            i += 2;
        }
        if (ok && c > 0) {
            switch (kind) {
            case 0:
                ok = seek(f, &ds[1], pos, npos, &i, &off) &&
                     check_bits(&ds[1], off, pos[i], pos[i + 1], cv->bits, nnr, cv->nn);
                i += 2;
                break;
            case 1:
                ok = seek(f, &ds[1], pos, npos, &i, &off) &&
                     check_bytes(&ds[1], off, pos[i], cv->bits, nnr, cv->nn);
                i += 1;
                break;
            case 5:
            case 6:
                ok = seek(f, &ds[1], pos, npos, &i, &off) && off == cv->boff[nnr];
                break;
            case 7:
            case 8:
                if (enc == 3) {
                    ok = seek(f, &ds[1], pos, npos, &i, &off) &&
                         check_rle(&ds[1], false, off, pos[i], cv->v, nnr, cv->nn);
                    i += 1;
                } else {
                    ok = seek(f, &ds[1], pos, npos, &i, &off) && off == cv->boff[nnr] &&
                         seek(f, &ds[2], pos, npos, &i, &off) &&
                         check_rle(&ds[2], false, off, pos[i], cv->v2, nnr, cv->nn);
                    i += 1;
                }
                break;
            case 10:
                ok = seek(f, &ds[2], pos, npos, &i, &off) &&
                     check_rle(&ds[2], false, off, pos[i], cv->v2, nnr, cv->nn);
                i += 1;
                break;
            case 14:
                ok = seek(f, &ds[1], pos, npos, &i, &off) && off == cv->boff[nnr] &&
                     seek(f, &ds[5], pos, npos, &i, &off) &&
                     check_rle(&ds[5], true, off, pos[i], cv->v2, nnr, cv->nn);
                i += 1;
                break;
            case 9:
            case 18:
                ok = seek(f, &ds[1], pos, npos, &i, &off) &&
                     check_rle(&ds[1], true, off, pos[i], cv->v, nnr, cv->nn);
                i += 1;
                ok = ok && seek(f, &ds[5], pos, npos, &i, &off) &&
                     check_rle(&ds[5], false, off, pos[i], cv->v2, nnr, cv->nn);
                i += 1;
                break;
            default:
                ok = seek(f, &ds[1], pos, npos, &i, &off) &&
                     check_rle(&ds[1], true, off, pos[i], cv->v, nnr, cv->nn);
                i += 1;
                break;
            }
            ok = ok && i == npos;
        }
        if (!ok) {
            return orc_reader_fail(f, "column %d row group %zu: positions or statistics wrong", c, g);
        }
        f->row_index_checks++;
        g++;
    }
    if (f->stride > 0 && g != ngroups) {
        return orc_reader_fail(f, "column %d: %zu row index entries, want %zu", c, g, ngroups);
    }
    return 0;
}

/* After a list column's stripe: each row's first element in the child, and
 * the child's rows and row group starts in this stripe. */
static void list_children(struct orc_rfile *f, int c, size_t row0, size_t rows, const size_t *gs,
                          size_t ngroups, size_t *child_rows, size_t *child_gs)
{
    struct orc_rcol *col = &f->cols[c];
    const struct orc_rcol *child = &f->cols[f->types[c].sub[0]];
    size_t run = 0, g = 0;
    for (size_t r = 0; r <= rows; r++) {
        for (; g <= ngroups && gs[g] == r; g++) {
            child_gs[g] = run;
        }
        if (r == rows) {
            break;
        }
        col->off[row0 + r] = child->n + run;
        run += col->present[row0 + r] ? (size_t)col->i[row0 + r] : 0;
    }
    *child_rows = run;
}

int orc_reader_stripe(struct orc_rfile *f, const uint8_t *data, size_t len, int s, size_t row0)
{
    const struct orc_rstripe *st = &f->stripes[s];
    uint64_t foot = st->offset + st->index_len + st->data_len;
    if (foot + st->footer_len > len) {
        return orc_reader_fail(f, "stripe %d past the end", s);
    }
    uint8_t *fb = NULL;
    long fl = orc_reader_decompress_map((int)f->compression, data + foot, st->footer_len, &fb,
                                        NULL, &f->chunks_original, &f->chunks_compressed);
    if (fl < 0) {
        return orc_reader_fail(f, "stripe %d footer does not decompress", s);
    }
    struct sstream ss[1024];
    int nss = 0, nenc = 0, encs[256] = {0};
    uint32_t dsizes[256] = {0};
    const uint8_t *p = fb, *end = fb + fl;
    struct pbf x;
    uint64_t cur = st->offset, index_len = 0;
    while (orc_reader_pb_next(&p, end, &x) == 1) {
        const uint8_t *q = x.b, *qe = x.b + x.len;
        struct pbf y;
        if (x.field == 1 && nss < 1024) {
            struct sstream *t = &ss[nss++];
            memset(t, 0, sizeof(*t));
            while (orc_reader_pb_next(&q, qe, &y) == 1) {
                if (y.field == 1) {
                    t->kind = (int)y.v;
                } else if (y.field == 2) {
                    t->column = (uint32_t)y.v;
                } else if (y.field == 3) {
                    t->length = y.v;
                }
            }
            t->offset = cur;
            cur += t->length;
            index_len += t->kind == 6 ? t->length : 0;
        } else if (x.field == 2 && nenc < 256) {
            while (orc_reader_pb_next(&q, qe, &y) == 1) {
                if (y.field == 1) {
                    encs[nenc] = (int)y.v;
                } else if (y.field == 2) {
                    dsizes[nenc] = (uint32_t)y.v;
                }
            }
            nenc++;
        } else if (x.field == 3) {
            f->writer_tz[s] = orc_reader_dup(x.b, x.len);
        }
    }
    free(fb);
    if (cur != foot || index_len != st->index_len || nenc != f->ntypes) {
        return orc_reader_fail(f, "stripe %d: stream lengths or encodings do not add up", s);
    }
    /* rows and row group starts of each column in this stripe */
    size_t ngroups = f->stride == 0 ? 0 : (st->rows + f->stride - 1) / f->stride;
    size_t *crows = calloc((size_t)f->ntypes + 1, sizeof(size_t));
    size_t *gsall = calloc(((size_t)f->ntypes + 1) * (ngroups + 1), sizeof(size_t));
    if (crows == NULL || gsall == NULL) {
        free(crows);
        free(gsall);
        return orc_reader_fail(f, "out of memory");
    }
    for (int c = 0; c < f->ntypes; c++) {
        if (f->parent[c] <= 0) {
            crows[c] = st->rows;
            for (size_t g = 0; g <= ngroups; g++) {
                size_t r = g * (size_t)f->stride;
                gsall[(size_t)c * (ngroups + 1) + g] = r < st->rows ? r : st->rows;
            }
        }
    }
    int rcs = 0;
    for (int c = 0; c < f->ntypes && rcs == 0; c++) {
        size_t *gs = gsall + (size_t)c * (ngroups + 1);
        size_t crow0 = c > 0 ? f->cols[c].n : row0;
        struct dstream ds[7];
        struct colvals cv;
        memset(ds, 0, sizeof(ds));
        memset(&cv, 0, sizeof(cv));
        int rc = 0;
        for (int k = 0; k < 7 && rc == 0; k++) {
            int i = find(ss, nss, (uint32_t)c, k);
            if (i < 0) {
                continue;
            }
            ds[k].present = true;
            long n = orc_reader_decompress_map((int)f->compression, data + ss[i].offset,
                                               ss[i].length, &ds[k].buf, &ds[k].map,
                                               &f->chunks_original, &f->chunks_compressed);
            rc = n < 0 ? orc_reader_fail(f, "stripe %d column %d stream %d: bad chunks", s, c, k)
                       : 0;
            ds[k].len = n < 0 ? 0 : (size_t)n;
        }
        cv.rows = crows[c];
        if (rc == 0 && c > 0 && orc_reader_col_grow(&f->cols[c], cv.rows) != 0) {
            rc = orc_reader_fail(f, "out of memory");
        }
        cv.present = calloc(cv.rows + 1, 1);
        cv.nn_before = calloc(cv.rows + 1, sizeof(size_t));
        if (rc == 0 && ds[0].present) {
            rc = orc_decode_bool_rle(ds[0].buf, ds[0].len, cv.present, cv.rows) == (long)cv.rows
                     ? 0
                     : orc_reader_fail(f, "stripe %d column %d: short PRESENT stream", s, c);
        } else {
            memset(cv.present, 1, cv.rows);
        }
        for (size_t r = 0; r < cv.rows; r++) {
            cv.nn_before[r + 1] = cv.nn_before[r] + cv.present[r];
        }
        cv.nn = cv.nn_before[cv.rows];
        f->cols[c].encodings[s] = encs[c];
        f->cols[c].dict_sizes[s] = dsizes[c];
        if (rc == 0 && c > 0) {
            rc = decode_column(f, c, ds, encs[c], dsizes[c], &cv, crow0);
        }
        if (rc == 0 && c > 0 && f->types[c].kind == 10) {
            size_t e = f->types[c].sub[0];
            list_children(f, c, crow0, cv.rows, gs, ngroups, &crows[e],
                          gsall + e * (ngroups + 1));
        }
        if (rc == 0 && f->stride > 0 && !ds[6].present) {
            rc = orc_reader_fail(f, "stripe %d column %d: no row index", s, c);
        }
        if (rc == 0 && f->stride > 0) {
            rc = check_index(f, c, ds, encs[c], &cv, gs, ngroups);
        }
        if (c > 0) {
            f->cols[c].n += cv.rows;
        }
        for (int k = 0; k < 7; k++) {
            dstream_free(&ds[k]);
        }
        colvals_free(&cv);
        rcs = rc;
    }
    free(crows);
    free(gsall);
    return rcs;
}
