/* ORC writer: byte, boolean and integer (v2) run-length encoders. */
#include "orc_rle.h"

#include <string.h>

/* ---- byte RLE ---------------------------------------------------------- */

void weir_orc_brle_init(struct orc_brle *e, struct orc_ostream *out)
{
    memset(e, 0, sizeof(*e));
    e->out = out;
}

static int brle_put_literals(struct orc_brle *e, int n, struct weir_error *err)
{
    if (n == 0) {
        return WEIR_OK;
    }
    uint8_t h = (uint8_t)(-n);
    int rc = weir_orc_ostream_write(e->out, &h, 1, err);
    if (rc == WEIR_OK) {
        rc = weir_orc_ostream_write(e->out, e->lit, (size_t)n, err);
    }
    return rc;
}

static int brle_put_run(struct orc_brle *e, struct weir_error *err)
{
    uint8_t g[2] = {(uint8_t)(e->run_len - 3), e->run_val};
    e->run_len = 0;
    return weir_orc_ostream_write(e->out, g, 2, err);
}

int weir_orc_brle_add(struct orc_brle *e, uint8_t v, struct weir_error *err)
{
    int rc;
    if (e->run_len > 0) {
        if (v == e->run_val && e->run_len < 130) {
            e->run_len++;
            return WEIR_OK;
        }
        rc = brle_put_run(e, err);
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    e->lit[e->nlit++] = v;
    if (e->nlit >= 3 && e->lit[e->nlit - 2] == v && e->lit[e->nlit - 3] == v) {
        /* the last three literals become the start of a run */
        rc = brle_put_literals(e, e->nlit - 3, err);
        e->nlit = 0;
        e->run_val = v;
        e->run_len = 3;
        return rc;
    }
    if (e->nlit == 128) {
        rc = brle_put_literals(e, 128, err);
        e->nlit = 0;
        return rc;
    }
    return WEIR_OK;
}

int weir_orc_brle_flush(struct orc_brle *e, struct weir_error *err)
{
    if (e->run_len > 0) {
        return brle_put_run(e, err);
    }
    int rc = brle_put_literals(e, e->nlit, err);
    e->nlit = 0;
    return rc;
}

void weir_orc_brle_position(const struct orc_brle *e, uint64_t *pos, int *n)
{
    weir_orc_ostream_position(e->out, pos, n);
    pos[(*n)++] = (uint64_t)(e->run_len > 0 ? e->run_len : e->nlit);
}

/* ---- boolean RLE ------------------------------------------------------- */

void weir_orc_boolrle_init(struct orc_boolrle *e, struct orc_ostream *out)
{
    weir_orc_brle_init(&e->bytes, out);
    e->cur = 0;
    e->nbits = 0;
}

int weir_orc_boolrle_add(struct orc_boolrle *e, bool v, struct weir_error *err)
{
    if (v) {
        e->cur |= (uint8_t)(0x80u >> e->nbits);
    }
    if (++e->nbits == 8) {
        uint8_t b = e->cur;
        e->cur = 0;
        e->nbits = 0;
        return weir_orc_brle_add(&e->bytes, b, err);
    }
    return WEIR_OK;
}

int weir_orc_boolrle_flush(struct orc_boolrle *e, struct weir_error *err)
{
    int rc = WEIR_OK;
    if (e->nbits > 0) {
        uint8_t b = e->cur;
        e->cur = 0;
        e->nbits = 0;
        rc = weir_orc_brle_add(&e->bytes, b, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_orc_brle_flush(&e->bytes, err);
    }
    return rc;
}

void weir_orc_boolrle_position(const struct orc_boolrle *e, uint64_t *pos, int *n)
{
    weir_orc_brle_position(&e->bytes, pos, n);
    pos[(*n)++] = (uint64_t)e->nbits;
}

/* ---- integer RLE v2 ---------------------------------------------------- */

static int bits_of(uint64_t v)
{
    return v == 0 ? 0 : 64 - __builtin_clzll(v);
}

int weir_orc_rle2_closest_fixed(int bits)
{
    if (bits <= 1) {
        return 1;
    }
    if (bits <= 24) {
        return bits;
    }
    static const int wide[] = {26, 28, 30, 32, 40, 48, 56, 64};
    for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
        if (bits <= wide[i]) {
            return wide[i];
        }
    }
    return 64;
}

/* DELTA runs use byte-friendly widths, as in the specification's example. */
static int closest_aligned(int bits)
{
    static const int w[] = {1, 2, 4, 8, 16, 24, 32, 40, 48, 56, 64};
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        if (bits <= w[i]) {
            return w[i];
        }
    }
    return 64;
}

int weir_orc_rle2_width_code(int bits)
{
    if (bits <= 24) {
        return bits - 1;
    }
    switch (bits) {
    case 26:
        return 24;
    case 28:
        return 25;
    case 30:
        return 26;
    case 32:
        return 27;
    case 40:
        return 28;
    case 48:
        return 29;
    case 56:
        return 30;
    default:
        return 31;
    }
}

void weir_orc_rle2_init(struct orc_rle2 *e, struct orc_ostream *out, bool is_signed)
{
    e->out = out;
    e->is_signed = is_signed;
    e->n = 0;
}

/* Big-endian bit packer into tmp. */
struct bitw {
    uint8_t *p;
    size_t byte;
    int used; /* bits used in p[byte] */
};

static void bits_put(struct bitw *w, uint64_t v, int width)
{
    while (width > 0) {
        if (w->used == 0) {
            w->p[w->byte] = 0;
        }
        int room = 8 - w->used;
        int take = width < room ? width : room;
        uint8_t chunk = (uint8_t)((v >> (width - take)) & ((1u << take) - 1));
        w->p[w->byte] |= (uint8_t)(chunk << (room - take));
        w->used += take;
        width -= take;
        if (w->used == 8) {
            w->byte++;
            w->used = 0;
        }
    }
}

static size_t bits_end(struct bitw *w)
{
    return w->byte + (w->used > 0 ? 1 : 0);
}

static uint64_t encode_value(const struct orc_rle2 *e, int64_t v)
{
    return e->is_signed ? orc_zigzag(v) : (uint64_t)v;
}

static int emit_short_repeat(struct orc_rle2 *e, int64_t v, int n, struct weir_error *err)
{
    uint8_t tmp[ORC_RLE2_RUN_MAX];
    uint64_t u = encode_value(e, v);
    int bytes = (bits_of(u) + 7) / 8;
    if (bytes == 0) {
        bytes = 1;
    }
    tmp[0] = (uint8_t)(((bytes - 1) << 3) | (n - 3));
    for (int i = 0; i < bytes; i++) {
        tmp[1 + i] = (uint8_t)(u >> (8 * (bytes - 1 - i)));
    }
    return weir_orc_ostream_write(e->out, tmp, (size_t)(1 + bytes), err);
}

static size_t direct_size(const struct orc_rle2 *e, const int64_t *v, int n, int *width)
{
    uint64_t max = 0;
    for (int i = 0; i < n; i++) {
        uint64_t u = encode_value(e, v[i]);
        max = u > max ? u : max;
    }
    *width = weir_orc_rle2_closest_fixed(bits_of(max));
    return 2 + ((size_t)n * (size_t)*width + 7) / 8;
}

static int emit_direct(struct orc_rle2 *e, const int64_t *v, int n, int width,
                       struct weir_error *err)
{
    uint8_t tmp[ORC_RLE2_RUN_MAX];
    tmp[0] = (uint8_t)(0x40 | (weir_orc_rle2_width_code(width) << 1) | ((n - 1) >> 8));
    tmp[1] = (uint8_t)(n - 1);
    struct bitw w = {tmp + 2, 0, 0};
    for (int i = 0; i < n; i++) {
        bits_put(&w, encode_value(e, v[i]), width);
    }
    return weir_orc_ostream_write(e->out, tmp, 2 + bits_end(&w), err);
}

/* DELTA: the first delta fixes the direction; the others are magnitudes. */
struct delta_plan {
    int64_t d0;
    int width; /* 0: every delta equals d0 */
    size_t size;
};

static bool delta_plan(const struct orc_rle2 *e, const int64_t *v, int n, struct delta_plan *p)
{
    if (n < 2) {
        return false;
    }
    int64_t d0;
    if (__builtin_sub_overflow(v[1], v[0], &d0)) {
        return false;
    }
    if (d0 == 0 && n > 2) {
        /* only a constant run may start with a zero delta */
        for (int i = 2; i < n; i++) {
            if (v[i] != v[0]) {
                return false;
            }
        }
    }
    bool fixed = true;
    uint64_t max = 0;
    for (int i = 2; i < n; i++) {
        int64_t d;
        if (__builtin_sub_overflow(v[i], v[i - 1], &d)) {
            return false;
        }
        if (d != d0) {
            fixed = false;
        }
        if ((d0 > 0 && d < 0) || (d0 < 0 && d > 0)) {
            return false;
        }
        uint64_t m = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
        max = m > max ? m : max;
    }
    uint8_t tmp[10];
    p->d0 = d0;
    p->width = 0;
    if (!fixed) {
        p->width = closest_aligned(bits_of(max));
        if (p->width < 2) {
            p->width = 2; /* code 0 means "no deltas" in a DELTA run */
        }
    }
    p->size = 2 + weir_orc_varint_put(tmp, encode_value(e, v[0])) +
              weir_orc_varint_put(tmp, orc_zigzag(d0)) +
              ((size_t)(n - 2) * (size_t)p->width + 7) / 8;
    return true;
}

static int emit_delta(struct orc_rle2 *e, const int64_t *v, int n, const struct delta_plan *p,
                      struct weir_error *err)
{
    uint8_t tmp[ORC_RLE2_RUN_MAX];
    int code = p->width == 0 ? 0 : weir_orc_rle2_width_code(p->width);
    tmp[0] = (uint8_t)(0xc0 | (code << 1) | ((n - 1) >> 8));
    tmp[1] = (uint8_t)(n - 1);
    size_t at = 2;
    at += weir_orc_varint_put(tmp + at, encode_value(e, v[0]));
    at += weir_orc_varint_put(tmp + at, orc_zigzag(p->d0));
    if (p->width > 0) {
        struct bitw w = {tmp + at, 0, 0};
        for (int i = 2; i < n; i++) {
            uint64_t d = (uint64_t)v[i] - (uint64_t)v[i - 1];
            if (p->d0 < 0) {
                d = (uint64_t)0 - d;
            }
            bits_put(&w, d, p->width);
        }
        at += bits_end(&w);
    }
    return weir_orc_ostream_write(e->out, tmp, at, err);
}

/* PATCHED_BASE: values minus the minimum, packed in the width that holds
 * about 90% of them; the high bits of the others go to a patch list. */
struct patch_plan {
    int64_t min;
    int base_bytes;
    int width;      /* W */
    int patch_w;    /* PW */
    int gap_w;      /* PGW */
    int entry_w;    /* closest fixed of PGW + PW */
    int npatches;   /* PLL, fillers included */
    size_t size;
};

static bool patch_plan(const int64_t *v, int n, struct patch_plan *p)
{
    int64_t min = v[0], max = v[0];
    for (int i = 1; i < n; i++) {
        min = v[i] < min ? v[i] : min;
        max = v[i] > max ? v[i] : max;
    }
    int64_t range;
    if (min == INT64_MIN || __builtin_sub_overflow(max, min, &range)) {
        return false;
    }
    int hist[65] = {0};
    for (int i = 0; i < n; i++) {
        hist[weir_orc_rle2_closest_fixed(bits_of((uint64_t)(v[i] - min)))]++;
    }
    int w100 = weir_orc_rle2_closest_fixed(bits_of((uint64_t)range));
    /* the 90th percentile width, counted from the top as the spec describes */
    int per = (int)((double)n * 0.1);
    int w90 = 1;
    for (int b = 64; b >= 1; b--) {
        per -= hist[b];
        if (per < 0) {
            w90 = b;
            break;
        }
    }
    uint64_t mag = min < 0 ? (uint64_t)0 - (uint64_t)min : (uint64_t)min;
    p->min = min;
    p->base_bytes = (bits_of(mag) + 1 + 7) / 8;
    for (int w = w90; w < w100; w = weir_orc_rle2_closest_fixed(w + 1)) {
        int count = 0, last = 0, maxgap = 0;
        uint64_t maxpatch = 0;
        for (int i = 0; i < n && count <= 31; i++) {
            uint64_t hi = (uint64_t)(v[i] - min) >> w;
            if (hi == 0) {
                continue;
            }
            int gap = i - last;
            while (gap > 255) {
                count++;
                maxgap = 255;
                gap -= 255;
            }
            maxgap = gap > maxgap ? gap : maxgap;
            maxpatch = hi > maxpatch ? hi : maxpatch;
            count++;
            last = i;
        }
        if (count > 31) {
            continue;
        }
        p->width = w;
        p->npatches = count;
        p->patch_w = weir_orc_rle2_closest_fixed(bits_of(maxpatch));
        p->gap_w = bits_of((uint64_t)maxgap) > 0 ? bits_of((uint64_t)maxgap) : 1;
        if (p->gap_w + p->patch_w > 64) {
            continue;
        }
        p->entry_w = weir_orc_rle2_closest_fixed(p->gap_w + p->patch_w);
        p->size = 4 + (size_t)p->base_bytes + ((size_t)n * (size_t)w + 7) / 8 +
                  ((size_t)count * (size_t)p->entry_w + 7) / 8;
        return true;
    }
    return false;
}

static int emit_patched(struct orc_rle2 *e, const int64_t *v, int n, const struct patch_plan *p,
                        struct weir_error *err)
{
    uint8_t tmp[ORC_RLE2_RUN_MAX];
    uint8_t *t = tmp;
    t[0] = (uint8_t)(0x80 | (weir_orc_rle2_width_code(p->width) << 1) | ((n - 1) >> 8));
    t[1] = (uint8_t)(n - 1);
    t[2] = (uint8_t)(((p->base_bytes - 1) << 5) | weir_orc_rle2_width_code(p->patch_w));
    t[3] = (uint8_t)(((p->gap_w - 1) << 5) | p->npatches);
    size_t at = 4;
    uint64_t mag = p->min < 0 ? (uint64_t)0 - (uint64_t)p->min : (uint64_t)p->min;
    if (p->min < 0) {
        mag |= (uint64_t)1 << (8 * p->base_bytes - 1);
    }
    for (int i = 0; i < p->base_bytes; i++) {
        t[at++] = (uint8_t)(mag >> (8 * (p->base_bytes - 1 - i)));
    }
    uint64_t mask = p->width == 64 ? UINT64_MAX : (((uint64_t)1 << p->width) - 1);
    struct bitw w = {t + at, 0, 0};
    for (int i = 0; i < n; i++) {
        bits_put(&w, (uint64_t)(v[i] - p->min) & mask, p->width);
    }
    at += bits_end(&w);
    struct bitw pw = {t + at, 0, 0};
    int last = 0;
    for (int i = 0; i < n; i++) {
        uint64_t hi = (uint64_t)(v[i] - p->min) >> p->width;
        if (hi == 0) {
            continue;
        }
        int gap = i - last;
        while (gap > 255) {
            bits_put(&pw, (uint64_t)255 << p->patch_w, p->entry_w);
            gap -= 255;
        }
        bits_put(&pw, ((uint64_t)gap << p->patch_w) | hi, p->entry_w);
        last = i;
    }
    at += bits_end(&pw);
    return weir_orc_ostream_write(e->out, t, at, err);
}

/* Picks the smallest of DIRECT, PATCHED_BASE and DELTA for a literal group. */
static int emit_literal(struct orc_rle2 *e, const int64_t *v, int n, struct weir_error *err)
{
    int dw;
    size_t best = direct_size(e, v, n, &dw);
    int kind = ORC_RLE2_DIRECT;
    struct delta_plan dp;
    struct patch_plan pp;
    if (n >= 3 && delta_plan(e, v, n, &dp) && dp.size < best) {
        best = dp.size;
        kind = ORC_RLE2_DELTA;
    }
    if (n >= 8 && patch_plan(v, n, &pp) && pp.size < best) {
        kind = ORC_RLE2_PATCHED_BASE;
    }
    if (kind == ORC_RLE2_DELTA) {
        return emit_delta(e, v, n, &dp, err);
    }
    if (kind == ORC_RLE2_PATCHED_BASE) {
        return emit_patched(e, v, n, &pp, err);
    }
    return emit_direct(e, v, n, dw, err);
}

static int equal_run(const int64_t *v, int i, int n)
{
    int j = i + 1;
    while (j < n && v[j] == v[i]) {
        j++;
    }
    return j - i;
}

/* Length of the run of one non-zero constant delta starting at i. */
static int delta_run(const int64_t *v, int i, int n)
{
    int64_t d0;
    if (i + 1 >= n || __builtin_sub_overflow(v[i + 1], v[i], &d0) || d0 == 0) {
        return 1;
    }
    int j = i + 2;
    int64_t d;
    while (j < n && !__builtin_sub_overflow(v[j], v[j - 1], &d) && d == d0) {
        j++;
    }
    return j - i;
}

#define MIN_REPEAT 3     /* equal values that make their own run */
#define MIN_DELTA_RUN 8  /* constant-delta values that make their own run */

static int encode_auto(struct orc_rle2 *e, const int64_t *v, int n, struct weir_error *err)
{
    int i = 0;
    while (i < n) {
        int rc;
        int r = equal_run(v, i, n);
        if (r >= MIN_REPEAT) {
            if (r <= 10) {
                rc = emit_short_repeat(e, v[i], r, err);
            } else {
                struct delta_plan dp = {0, 0, 0};
                rc = emit_delta(e, v + i, r, &dp, err);
            }
            i += r;
            if (rc != WEIR_OK) {
                return rc;
            }
            continue;
        }
        int d = delta_run(v, i, n);
        if (d >= MIN_DELTA_RUN) {
            struct delta_plan dp = {v[i + 1] - v[i], 0, 0};
            rc = emit_delta(e, v + i, d, &dp, err);
            i += d;
            if (rc != WEIR_OK) {
                return rc;
            }
            continue;
        }
        int j = i + 1;
        while (j < n && equal_run(v, j, n) < MIN_REPEAT && delta_run(v, j, n) < MIN_DELTA_RUN) {
            j++;
        }
        rc = emit_literal(e, v + i, j - i, err);
        if (rc != WEIR_OK) {
            return rc;
        }
        i = j;
    }
    return WEIR_OK;
}

int weir_orc_rle2_emit(struct orc_rle2 *e, const int64_t *v, int n, int kind,
                       struct weir_error *err)
{
    if (n < 1 || n > ORC_RLE2_MAX) {
        return weir_error_set(err, WEIR_EINTERNAL, "orc rle2: run of %d values", n);
    }
    switch (kind) {
    case ORC_RLE2_AUTO:
        return encode_auto(e, v, n, err);
    case ORC_RLE2_SHORT_REPEAT:
        if (n < 3 || n > 10 || equal_run(v, 0, n) != n) {
            break;
        }
        return emit_short_repeat(e, v[0], n, err);
    case ORC_RLE2_DIRECT: {
        int w;
        direct_size(e, v, n, &w);
        return emit_direct(e, v, n, w, err);
    }
    case ORC_RLE2_PATCHED_BASE: {
        struct patch_plan pp;
        if (!patch_plan(v, n, &pp)) {
            break;
        }
        return emit_patched(e, v, n, &pp, err);
    }
    case ORC_RLE2_DELTA: {
        struct delta_plan dp;
        if (!delta_plan(e, v, n, &dp)) {
            break;
        }
        return emit_delta(e, v, n, &dp, err);
    }
    default:
        break;
    }
    return weir_error_set(err, WEIR_EDATA, "orc rle2: values do not fit encoding %d", kind);
}

int weir_orc_rle2_add(struct orc_rle2 *e, int64_t v, struct weir_error *err)
{
    e->lit[e->n++] = v;
    if (e->n == ORC_RLE2_MAX) {
        return weir_orc_rle2_flush(e, err);
    }
    return WEIR_OK;
}

int weir_orc_rle2_flush(struct orc_rle2 *e, struct weir_error *err)
{
    if (e->n == 0) {
        return WEIR_OK;
    }
    int n = e->n;
    e->n = 0;
    return encode_auto(e, e->lit, n, err);
}

void weir_orc_rle2_position(const struct orc_rle2 *e, uint64_t *pos, int *n)
{
    weir_orc_ostream_position(e->out, pos, n);
    pos[(*n)++] = (uint64_t)e->n;
}
