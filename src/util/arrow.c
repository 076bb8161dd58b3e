/* Arrow C Data Interface builders; see arrow.h. */
#include "util/arrow.h"

#include <stdlib.h>
#include <string.h>

struct format_layout {
    const char *format; /* exact, or prefix when it ends with ':' */
    int layout;
    int width;
};

/* The types of weir.h; "d:" and "w:" and "tsu:" are prefixes. */
static const struct format_layout layouts[] = {
    {"b", WEIR_ACOL_BOOL, 0},   {"c", WEIR_ACOL_FIXED, 1},    {"C", WEIR_ACOL_FIXED, 1},
    {"s", WEIR_ACOL_FIXED, 2},  {"S", WEIR_ACOL_FIXED, 2},    {"i", WEIR_ACOL_FIXED, 4},
    {"I", WEIR_ACOL_FIXED, 4},  {"l", WEIR_ACOL_FIXED, 8},    {"f", WEIR_ACOL_FIXED, 4},
    {"g", WEIR_ACOL_FIXED, 8},  {"tdD", WEIR_ACOL_FIXED, 4},  {"ttu", WEIR_ACOL_FIXED, 8},
    {"tsu:", WEIR_ACOL_FIXED, 8}, {"d:", WEIR_ACOL_FIXED, 16}, {"u", WEIR_ACOL_VAR, 0},
    {"z", WEIR_ACOL_VAR, 0},
};

int weir_arrow_layout(const char *format, int *width)
{
    if (format == NULL) {
        return -1;
    }
    if (strncmp(format, "w:", 2) == 0) {
        char *end = NULL;
        long n = strtol(format + 2, &end, 10);
        if (end == format + 2 || *end != '\0' || n <= 0 || n > 1024) {
            return -1;
        }
        *width = (int)n;
        return WEIR_ACOL_FIXED;
    }
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
        size_t n = strlen(layouts[i].format);
        bool prefix = layouts[i].format[n - 1] == ':';
        if ((prefix && strncmp(format, layouts[i].format, n) == 0) ||
            (!prefix && strcmp(format, layouts[i].format) == 0)) {
            *width = layouts[i].width;
            return layouts[i].layout;
        }
    }
    return -1;
}

/* ---- metadata ---- */

static void put_i32(char *p, int32_t v)
{
    memcpy(p, &v, 4);
}

char *weir_arrow_metadata_encode(const char *const *keys, const char *const *values, size_t n,
                                 size_t *len)
{
    size_t total = 4;
    for (size_t i = 0; i < n; i++) {
        total += 8 + strlen(keys[i]) + strlen(values[i]);
    }
    char *out = malloc(total);
    if (out == NULL) {
        return NULL;
    }
    char *p = out;
    put_i32(p, (int32_t)n);
    p += 4;
    for (size_t i = 0; i < n; i++) {
        size_t kl = strlen(keys[i]), vl = strlen(values[i]);
        put_i32(p, (int32_t)kl);
        memcpy(p + 4, keys[i], kl);
        p += 4 + kl;
        put_i32(p, (int32_t)vl);
        memcpy(p + 4, values[i], vl);
        p += 4 + vl;
    }
    *len = total;
    return out;
}

static size_t metadata_size(const char *md)
{
    if (md == NULL) {
        return 0;
    }
    int32_t n, l;
    const char *p = md;
    memcpy(&n, p, 4);
    p += 4;
    for (int32_t i = 0; i < 2 * n; i++) {
        memcpy(&l, p, 4);
        p += 4 + l;
    }
    return (size_t)(p - md);
}

const char *weir_arrow_metadata_find(const char *md, const char *key, int32_t *vlen)
{
    if (md == NULL) {
        return NULL;
    }
    int32_t n, kl, vl;
    size_t want = strlen(key);
    const char *p = md;
    memcpy(&n, p, 4);
    p += 4;
    for (int32_t i = 0; i < n; i++) {
        memcpy(&kl, p, 4);
        const char *k = p + 4;
        p += 4 + kl;
        memcpy(&vl, p, 4);
        const char *v = p + 4;
        p += 4 + vl;
        if ((size_t)kl == want && memcmp(k, key, want) == 0) {
            *vlen = vl;
            return v;
        }
    }
    return NULL;
}

/* ---- buffers ---- */

static int abuf_reserve(struct weir_abuf *b, size_t extra)
{
    if (b->len + extra <= b->cap) {
        return WEIR_OK;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) {
        cap *= 2;
    }
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL) {
        return WEIR_ENOMEM;
    }
    memset(p + b->cap, 0, cap - b->cap);
    b->data = p;
    b->cap = cap;
    return WEIR_OK;
}

static int set_validity(struct weir_acol *c, bool valid)
{
    size_t need = (size_t)(c->length / 8) + 1;
    if (need > c->validity.len) {
        if (abuf_reserve(&c->validity, need - c->validity.len) != WEIR_OK) {
            return WEIR_ENOMEM;
        }
        c->validity.len = need;
    }
    if (valid) {
        c->validity.data[c->length >> 3] |= (uint8_t)(1u << (c->length & 7));
    } else {
        c->null_count++;
    }
    return WEIR_OK;
}

static int start_var(struct weir_acol *c)
{
    if (c->offsets.len == 0) {
        if (abuf_reserve(&c->offsets, 4) != WEIR_OK) {
            return WEIR_ENOMEM;
        }
        memset(c->offsets.data, 0, 4);
        c->offsets.len = 4;
    }
    return abuf_reserve(&c->offsets, 4);
}

int weir_acol_append_null(struct weir_acol *c)
{
    if (set_validity(c, false) != WEIR_OK) {
        return WEIR_ENOMEM;
    }
    if (c->layout == WEIR_ACOL_BOOL) {
        size_t need = (size_t)(c->length / 8) + 1;
        if (need > c->values.len) {
            if (abuf_reserve(&c->values, need - c->values.len) != WEIR_OK) {
                return WEIR_ENOMEM;
            }
            c->values.len = need;
        }
    } else if (c->layout == WEIR_ACOL_FIXED) {
        if (abuf_reserve(&c->values, (size_t)c->width) != WEIR_OK) {
            return WEIR_ENOMEM;
        }
        memset(c->values.data + c->values.len, 0, (size_t)c->width);
        c->values.len += (size_t)c->width;
    } else {
        if (start_var(c) != WEIR_OK) {
            return WEIR_ENOMEM;
        }
        int32_t end;
        memcpy(&end, c->offsets.data + c->offsets.len - 4, 4);
        memcpy(c->offsets.data + c->offsets.len, &end, 4);
        c->offsets.len += 4;
    }
    c->length++;
    return WEIR_OK;
}

int weir_acol_append_bool(struct weir_acol *c, bool v)
{
    if (set_validity(c, true) != WEIR_OK) {
        return WEIR_ENOMEM;
    }
    size_t need = (size_t)(c->length / 8) + 1;
    if (need > c->values.len) {
        if (abuf_reserve(&c->values, need - c->values.len) != WEIR_OK) {
            return WEIR_ENOMEM;
        }
        c->values.len = need;
    }
    if (v) {
        c->values.data[c->length >> 3] |= (uint8_t)(1u << (c->length & 7));
    }
    c->length++;
    return WEIR_OK;
}

int weir_acol_append_fixed(struct weir_acol *c, const void *v)
{
    if (set_validity(c, true) != WEIR_OK ||
        abuf_reserve(&c->values, (size_t)c->width) != WEIR_OK) {
        return WEIR_ENOMEM;
    }
    memcpy(c->values.data + c->values.len, v, (size_t)c->width);
    c->values.len += (size_t)c->width;
    c->length++;
    return WEIR_OK;
}

int weir_acol_append_var(struct weir_acol *c, const void *v, size_t len)
{
    if (start_var(c) != WEIR_OK) {
        return WEIR_ENOMEM;
    }
    int32_t end;
    memcpy(&end, c->offsets.data + c->offsets.len - 4, 4);
    if (len > (size_t)(INT32_MAX - end)) {
        return WEIR_ENOMEM; /* a batch holds at most 2 GiB of one column */
    }
    if (set_validity(c, true) != WEIR_OK || abuf_reserve(&c->values, len) != WEIR_OK) {
        return WEIR_ENOMEM;
    }
    if (len > 0) {
        memcpy(c->values.data + c->values.len, v, len);
    }
    c->values.len += len;
    end += (int32_t)len;
    memcpy(c->offsets.data + c->offsets.len, &end, 4);
    c->offsets.len += 4;
    c->length++;
    return WEIR_OK;
}

int weir_acol_list_close(struct weir_acol *c)
{
    if (start_var(c) != WEIR_OK || c->child->length > INT32_MAX ||
        set_validity(c, true) != WEIR_OK) {
        return WEIR_ENOMEM; /* a batch holds at most 2^31 elements of one column */
    }
    int32_t end = (int32_t)c->child->length;
    memcpy(c->offsets.data + c->offsets.len, &end, 4);
    c->offsets.len += 4;
    c->length++;
    return WEIR_OK;
}

int weir_acol_append_copy(struct weir_acol *c, const struct ArrowArray *src, int64_t i)
{
    if (weir_arrow_is_null(src, i)) {
        return weir_acol_append_null(c);
    }
    int64_t j = i + src->offset;
    const int32_t *off = src->buffers[1];
    switch (c->layout) {
    case WEIR_ACOL_BOOL:
        return weir_acol_append_bool(c, weir_arrow_bit(src->buffers[1], j));
    case WEIR_ACOL_FIXED:
        return weir_acol_append_fixed(c, (const uint8_t *)src->buffers[1] + j * c->width);
    case WEIR_ACOL_LIST:
        for (int64_t e = off[j]; e < off[j + 1]; e++) {
            if (weir_acol_append_copy(c->child, src->children[0], e) != WEIR_OK) {
                return WEIR_ENOMEM;
            }
        }
        return weir_acol_list_close(c);
    default:
        return weir_acol_append_var(c, (const char *)src->buffers[2] + off[j],
                                    (size_t)(off[j + 1] - off[j]));
    }
}

/* Sets validity bits [c->length, c->length + n) from rows idx[0, n) of
 * src (a valid row's bit; the buffer's new bytes are zero) and counts the
 * nulls; length is not moved. */
static int take_validity(struct weir_acol *c, const struct ArrowArray *src, const int64_t *idx,
                         int64_t n)
{
    size_t need = (size_t)((c->length + n + 7) / 8);
    if (need > c->validity.len) {
        if (abuf_reserve(&c->validity, need - c->validity.len) != WEIR_OK) {
            return WEIR_ENOMEM;
        }
        c->validity.len = need;
    }
    uint8_t *bits = c->validity.data;
    for (int64_t k = 0; k < n; k++) {
        int64_t at = c->length + k;
        if (weir_arrow_is_null(src, idx[k])) {
            c->null_count++;
        } else {
            bits[at >> 3] |= (uint8_t)(1u << (at & 7));
        }
    }
    return WEIR_OK;
}

int weir_acol_append_take(struct weir_acol *c, const struct ArrowArray *src, const int64_t *idx,
                          int64_t n)
{
    if (n <= 0) {
        return WEIR_OK;
    }
    if (c->layout == WEIR_ACOL_LIST) {
        for (int64_t k = 0; k < n; k++) {
            if (weir_acol_append_copy(c, src, idx[k]) != WEIR_OK) {
                return WEIR_ENOMEM;
            }
        }
        return WEIR_OK;
    }
    if (take_validity(c, src, idx, n) != WEIR_OK) {
        return WEIR_ENOMEM;
    }
    int64_t off = src->offset;
    if (c->layout == WEIR_ACOL_BOOL) {
        size_t need = (size_t)((c->length + n + 7) / 8);
        if (need > c->values.len) {
            if (abuf_reserve(&c->values, need - c->values.len) != WEIR_OK) {
                return WEIR_ENOMEM;
            }
            c->values.len = need;
        }
        /* a null row's value bit stays 0, as append_null leaves it */
        for (int64_t k = 0; k < n; k++) {
            int64_t at = c->length + k;
            if (!weir_arrow_is_null(src, idx[k]) && weir_arrow_bit(src->buffers[1], idx[k] + off)) {
                c->values.data[at >> 3] |= (uint8_t)(1u << (at & 7));
            }
        }
    } else if (c->layout == WEIR_ACOL_FIXED) {
        size_t w = (size_t)c->width;
        if (abuf_reserve(&c->values, w * (size_t)n) != WEIR_OK) {
            return WEIR_ENOMEM;
        }
        /* a null row's bytes are copied as they are where append_null
         * zeroes them: zeroed here too, so a batch reads the same */
        const uint8_t *from = (const uint8_t *)src->buffers[1];
        uint8_t *to = c->values.data + c->values.len;
        bool nulls = src->null_count != 0 && src->buffers[0] != NULL;
        if (w == 8) {
            for (int64_t k = 0; k < n; k++) {
                memcpy(to + 8 * k, from + 8 * (idx[k] + off), 8);
            }
        } else if (w == 4) {
            for (int64_t k = 0; k < n; k++) {
                memcpy(to + 4 * k, from + 4 * (idx[k] + off), 4);
            }
        } else {
            for (int64_t k = 0; k < n; k++) {
                memcpy(to + w * (size_t)k, from + w * (size_t)(idx[k] + off), w);
            }
        }
        for (int64_t k = 0; nulls && k < n; k++) {
            if (weir_arrow_is_null(src, idx[k])) {
                memset(to + w * (size_t)k, 0, w);
            }
        }
        c->values.len += w * (size_t)n;
    } else {
        const int32_t *o = src->buffers[1];
        const char *data = src->buffers[2];
        size_t total = 0;
        for (int64_t k = 0; k < n; k++) {
            if (!weir_arrow_is_null(src, idx[k])) {
                total += (size_t)(o[idx[k] + off + 1] - o[idx[k] + off]);
            }
        }
        if (start_var(c) != WEIR_OK || abuf_reserve(&c->offsets, 4 * (size_t)n) != WEIR_OK) {
            return WEIR_ENOMEM;
        }
        int32_t end;
        memcpy(&end, c->offsets.data + c->offsets.len - 4, 4);
        if (total > (size_t)(INT32_MAX - end)) {
            return WEIR_ENOMEM; /* a batch holds at most 2 GiB of one column */
        }
        if (abuf_reserve(&c->values, total) != WEIR_OK) {
            return WEIR_ENOMEM;
        }
        uint8_t *to = c->values.data + c->values.len;
        uint8_t *ends = c->offsets.data + c->offsets.len;
        for (int64_t k = 0; k < n; k++) {
            if (!weir_arrow_is_null(src, idx[k])) {
                int64_t j = idx[k] + off;
                size_t len = (size_t)(o[j + 1] - o[j]);
                if (len > 0) {
                    memcpy(to, data + o[j], len);
                }
                to += len;
                end += (int32_t)len;
            }
            memcpy(ends + 4 * k, &end, 4);
        }
        c->values.len += total;
        c->offsets.len += 4 * (size_t)n;
    }
    c->length += n;
    return WEIR_OK;
}

static size_t col_bytes(const struct weir_acol *c)
{
    return c->validity.len + c->values.len + c->offsets.len +
           (c->child != NULL ? col_bytes(c->child) : 0);
}

size_t weir_abatch_bytes(const struct weir_abatch *b)
{
    size_t n = 0;
    for (int64_t i = 0; i < b->n_cols; i++) {
        n += col_bytes(&b->cols[i]);
    }
    return n;
}

/* ---- batch ---- */

int weir_abatch_init(struct weir_abatch *b, int64_t n_cols, struct weir_error *err)
{
    memset(b, 0, sizeof(*b));
    b->cols = calloc((size_t)(n_cols > 0 ? n_cols : 1), sizeof(*b->cols));
    if (b->cols == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory allocating %lld columns",
                              (long long)n_cols);
    }
    b->n_cols = n_cols;
    return WEIR_OK;
}

/* Names and types one column (no buffers touched). */
static int col_set(struct weir_acol *c, const char *name, const char *format, int layout,
                   int width, const char *metadata, size_t mdlen)
{
    free(c->name);
    free(c->format);
    free(c->metadata);
    c->name = strdup(name);
    c->format = strdup(format);
    c->metadata = NULL;
    if (metadata != NULL) {
        c->metadata = malloc(mdlen);
        if (c->metadata != NULL) {
            memcpy(c->metadata, metadata, mdlen);
        }
    }
    if (c->name == NULL || c->format == NULL || (metadata != NULL && c->metadata == NULL)) {
        return WEIR_ENOMEM;
    }
    c->layout = layout;
    c->width = width;
    return WEIR_OK;
}

static int unsupported(struct weir_error *err, const char *name, const char *format)
{
    return weir_error_set(err, WEIR_ECONFIG, "column \"%s\": unsupported arrow format \"%s\"",
                          name, format);
}

int weir_abatch_set_column(struct weir_abatch *b, int64_t i, const char *name, const char *format,
                           const char *metadata, size_t mdlen, struct weir_error *err)
{
    int width = 0;
    int layout = weir_arrow_layout(format, &width);
    if (layout < 0) {
        return unsupported(err, name, format);
    }
    if (col_set(&b->cols[i], name, format, layout, width, metadata, mdlen) != WEIR_OK) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    return WEIR_OK;
}

int weir_abatch_set_list(struct weir_abatch *b, int64_t i, const char *name, const char *metadata,
                         size_t mdlen, const char *child_format, const char *child_metadata,
                         size_t child_mdlen, struct weir_error *err)
{
    struct weir_acol *c = &b->cols[i];
    int width = 0;
    int layout = weir_arrow_layout(child_format, &width);
    if (layout < 0) {
        return unsupported(err, name, child_format);
    }
    if (c->child == NULL) {
        c->child = calloc(1, sizeof(*c->child));
    }
    if (c->child == NULL ||
        col_set(c, name, "+l", WEIR_ACOL_LIST, 0, metadata, mdlen) != WEIR_OK ||
        col_set(c->child, "element", child_format, layout, width, child_metadata, child_mdlen) !=
            WEIR_OK) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    return WEIR_OK;
}

int weir_abatch_set_from_schema(struct weir_abatch *b, int64_t i, const struct ArrowSchema *col,
                                struct weir_error *err)
{
    const char *name = col->name != NULL ? col->name : "";
    size_t mdlen = metadata_size(col->metadata);
    if (strcmp(col->format, "+l") != 0) {
        return weir_abatch_set_column(b, i, name, col->format, col->metadata, mdlen, err);
    }
    if (col->n_children != 1 || col->children[0]->n_children != 0) {
        return unsupported(err, name, col->format);
    }
    const struct ArrowSchema *e = col->children[0];
    return weir_abatch_set_list(b, i, name, col->metadata, mdlen, e->format, e->metadata,
                                metadata_size(e->metadata), err);
}

static void col_clear_data(struct weir_acol *c)
{
    if (c->child != NULL) {
        col_clear_data(c->child);
    }
    free(c->validity.data);
    free(c->values.data);
    free(c->offsets.data);
    memset(&c->validity, 0, sizeof(c->validity));
    memset(&c->values, 0, sizeof(c->values));
    memset(&c->offsets, 0, sizeof(c->offsets));
    c->length = 0;
    c->null_count = 0;
}

void weir_abatch_reset(struct weir_abatch *b)
{
    if (b->cols != NULL) {
        for (int64_t i = 0; i < b->n_cols; i++) {
            col_clear_data(&b->cols[i]);
            if (b->cols[i].child != NULL) {
                free(b->cols[i].child->name);
                free(b->cols[i].child->format);
                free(b->cols[i].child->metadata);
                free(b->cols[i].child);
            }
            free(b->cols[i].name);
            free(b->cols[i].format);
            free(b->cols[i].metadata);
        }
    }
    free(b->cols);
    memset(b, 0, sizeof(*b));
}

/* One allocation per array node holds the buffers pointer table; the data
 * buffers are the builder's, handed over. */
struct array_private {
    const void *buffers[3];
    void *owned[3];
    struct ArrowArray **children;
};

static void release_array(struct ArrowArray *a)
{
    struct array_private *p = a->private_data;
    for (int64_t i = 0; i < a->n_children; i++) {
        if (a->children[i]->release != NULL) {
            a->children[i]->release(a->children[i]);
        }
        free(a->children[i]);
    }
    if (p != NULL) {
        for (int i = 0; i < 3; i++) {
            free(p->owned[i]);
        }
        free(p->children);
        free(p);
    }
    a->release = NULL;
}

/* Moves column c's buffers into the new array k (calloc'd) and empties c;
 * a list's child goes along as k's one child. */
static int finish_col(struct weir_acol *c, struct ArrowArray *k)
{
    struct array_private *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return WEIR_ENOMEM;
    }
    bool offsets = c->layout == WEIR_ACOL_VAR || c->layout == WEIR_ACOL_LIST;
    if (offsets && c->offsets.len == 0 && start_var(c) != WEIR_OK) {
        free(p);
        return WEIR_ENOMEM;
    }
    k->buffers = p->buffers;
    k->private_data = p;
    k->release = release_array;
    if (c->layout == WEIR_ACOL_LIST) {
        struct ArrowArray *e = calloc(1, sizeof(*e));
        p->children = calloc(1, sizeof(*p->children));
        if (e == NULL || p->children == NULL || finish_col(c->child, e) != WEIR_OK) {
            free(e);
            return WEIR_ENOMEM; /* k's release frees p */
        }
        p->children[0] = e;
        k->children = p->children;
        k->n_children = 1;
    }
    k->length = c->length;
    k->null_count = c->null_count;
    p->owned[0] = c->null_count > 0 ? c->validity.data : NULL;
    if (c->null_count == 0) {
        free(c->validity.data);
    }
    p->buffers[0] = p->owned[0];
    if (c->layout == WEIR_ACOL_VAR) {
        k->n_buffers = 3;
        p->owned[1] = c->offsets.data;
        p->owned[2] = c->values.data;
        p->buffers[1] = c->offsets.data;
        /* Arrow wants a non-null data pointer even when it is empty. */
        if (c->values.data == NULL) {
            p->owned[2] = calloc(1, 8);
        }
        p->buffers[2] = p->owned[2];
    } else if (c->layout == WEIR_ACOL_LIST) {
        k->n_buffers = 2;
        p->owned[1] = c->offsets.data;
        p->buffers[1] = c->offsets.data;
    } else {
        k->n_buffers = 2;
        if (c->values.data == NULL) {
            c->values.data = calloc(1, 8);
        }
        p->owned[1] = c->values.data;
        p->buffers[1] = c->values.data;
    }
    memset(&c->validity, 0, sizeof(c->validity));
    memset(&c->values, 0, sizeof(c->values));
    memset(&c->offsets, 0, sizeof(c->offsets));
    c->length = 0;
    c->null_count = 0;
    return WEIR_OK;
}

static void release_view(struct ArrowArray *a)
{
    a->release = NULL;
}

int weir_abatch_view(struct weir_abatch *b, struct weir_aview *v, struct ArrowArray **out,
                     struct weir_error *err)
{
    /* Arrow wants a non-null data pointer even when a buffer is empty */
    static const uint64_t empty[1] = {0};
    if (b->n_cols > v->cap) {
        weir_aview_reset(v);
        v->kids = calloc((size_t)b->n_cols, sizeof(*v->kids));
        v->kid_ptrs = calloc((size_t)b->n_cols, sizeof(*v->kid_ptrs));
        v->bufs = calloc((size_t)b->n_cols * 3 + 1, sizeof(*v->bufs));
        if (v->kids == NULL || v->kid_ptrs == NULL || v->bufs == NULL) {
            weir_aview_reset(v);
            return weir_error_set(err, WEIR_ENOMEM, "out of memory viewing a batch");
        }
        v->cap = b->n_cols;
    }
    for (int64_t i = 0; i < b->n_cols; i++) {
        struct weir_acol *c = &b->cols[i];
        if (c->layout == WEIR_ACOL_LIST) {
            return weir_error_set(err, WEIR_EINTERNAL,
                                  "column \"%s\": a list column cannot be viewed", c->name);
        }
        if (c->length != b->length || (c->layout == WEIR_ACOL_VAR && start_var(c) != WEIR_OK)) {
            return weir_error_set(err, c->length != b->length ? WEIR_EINTERNAL : WEIR_ENOMEM,
                                  "column \"%s\": %lld rows of a batch of %lld, or no memory",
                                  c->name, (long long)c->length, (long long)b->length);
        }
        const void **buf = v->bufs + 3 * i;
        buf[0] = c->null_count > 0 ? c->validity.data : NULL;
        const void *values = c->values.data != NULL ? (const void *)c->values.data : empty;
        buf[1] = c->layout == WEIR_ACOL_VAR ? (const void *)c->offsets.data : values;
        buf[2] = values;
        struct ArrowArray *k = &v->kids[i];
        *k = (struct ArrowArray){.length = c->length, .null_count = c->null_count,
                                 .n_buffers = c->layout == WEIR_ACOL_VAR ? 3 : 2,
                                 .buffers = buf, .release = release_view};
        v->kid_ptrs[i] = k;
    }
    v->bufs[3 * b->n_cols] = NULL;
    v->top = (struct ArrowArray){.length = b->length, .n_buffers = 1,
                                 .buffers = v->bufs + 3 * b->n_cols, .n_children = b->n_cols,
                                 .children = v->kid_ptrs, .release = release_view};
    *out = &v->top;
    return WEIR_OK;
}

void weir_aview_reset(struct weir_aview *v)
{
    free(v->kids);
    free(v->kid_ptrs);
    free(v->bufs);
    memset(v, 0, sizeof(*v));
}

void weir_abatch_rewind(struct weir_abatch *b)
{
    for (int64_t i = 0; i < b->n_cols; i++) {
        struct weir_acol *c = &b->cols[i];
        /* bits are only ever set: the appends expect zeroed bytes */
        if (c->validity.len > 0) {
            memset(c->validity.data, 0, c->validity.len);
        }
        if (c->layout == WEIR_ACOL_BOOL && c->values.len > 0) {
            memset(c->values.data, 0, c->values.len);
        }
        c->validity.len = c->values.len = c->offsets.len = 0;
        c->length = 0;
        c->null_count = 0;
    }
    b->length = 0;
}

int weir_abatch_finish(struct weir_abatch *b, struct ArrowArray *out, struct weir_error *err)
{
    memset(out, 0, sizeof(*out));
    struct array_private *top = calloc(1, sizeof(*top));
    struct ArrowArray **kids = calloc((size_t)(b->n_cols > 0 ? b->n_cols : 1), sizeof(*kids));
    if (top == NULL || kids == NULL) {
        free(top);
        free(kids);
        return weir_error_set(err, WEIR_ENOMEM, "out of memory finishing a batch");
    }
    top->children = kids;
    out->length = b->length;
    out->n_buffers = 1;
    out->buffers = top->buffers;
    out->children = kids;
    out->release = release_array;
    out->private_data = top;
    for (int64_t i = 0; i < b->n_cols; i++) {
        struct weir_acol *c = &b->cols[i];
        if (c->length != b->length) {
            release_array(out);
            return weir_error_set(err, WEIR_EINTERNAL,
                                  "column \"%s\" has %lld rows, the batch %lld", c->name,
                                  (long long)c->length, (long long)b->length);
        }
        struct ArrowArray *k = calloc(1, sizeof(*k));
        /* A failed column is counted so release frees what it got. */
        kids[i] = k;
        out->n_children = k != NULL ? i + 1 : i;
        if (k == NULL || finish_col(c, k) != WEIR_OK) {
            release_array(out);
            return weir_error_set(err, WEIR_ENOMEM, "out of memory finishing a batch");
        }
    }
    b->length = 0;
    return WEIR_OK;
}

/* ---- schema ---- */

struct schema_private {
    char *format;
    char *name;
    char *metadata;
    struct ArrowSchema **children;
};

static void release_schema(struct ArrowSchema *s)
{
    struct schema_private *p = s->private_data;
    for (int64_t i = 0; i < s->n_children; i++) {
        if (s->children[i]->release != NULL) {
            s->children[i]->release(s->children[i]);
        }
        free(s->children[i]);
    }
    if (p != NULL) {
        free(p->format);
        free(p->name);
        free(p->metadata);
        free(p->children);
        free(p);
    }
    s->release = NULL;
}

static int schema_node(struct ArrowSchema *s, const char *format, const char *name,
                       const char *metadata, int64_t flags, int64_t n_children)
{
    memset(s, 0, sizeof(*s));
    struct schema_private *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return WEIR_ENOMEM;
    }
    s->private_data = p;
    s->release = release_schema;
    p->format = strdup(format);
    p->name = name ? strdup(name) : NULL;
    size_t mdlen = metadata_size(metadata);
    if (metadata != NULL) {
        p->metadata = malloc(mdlen);
        if (p->metadata != NULL) {
            memcpy(p->metadata, metadata, mdlen);
        }
    }
    p->children = calloc((size_t)(n_children > 0 ? n_children : 1), sizeof(*p->children));
    if (p->format == NULL || (name && p->name == NULL) || (metadata && p->metadata == NULL) ||
        p->children == NULL) {
        release_schema(s);
        return WEIR_ENOMEM;
    }
    s->format = p->format;
    s->name = p->name;
    s->metadata = p->metadata;
    s->flags = flags;
    s->children = p->children;
    return WEIR_OK;
}

/* A new schema node for column c (with its list child). */
static int col_schema(const struct weir_acol *c, struct ArrowSchema **out)
{
    struct ArrowSchema *k = malloc(sizeof(*k));
    int n = c->child != NULL ? 1 : 0;
    if (k == NULL || schema_node(k, c->format, c->name, c->metadata, ARROW_FLAG_NULLABLE, n) !=
                         WEIR_OK) {
        free(k);
        return WEIR_ENOMEM;
    }
    if (c->child != NULL) {
        if (col_schema(c->child, &k->children[0]) != WEIR_OK) {
            release_schema(k);
            free(k);
            return WEIR_ENOMEM;
        }
        k->n_children = 1;
    }
    *out = k;
    return WEIR_OK;
}

int weir_abatch_schema(const struct weir_abatch *b, struct ArrowSchema *out,
                       struct weir_error *err)
{
    if (schema_node(out, "+s", "", NULL, 0, b->n_cols) != WEIR_OK) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory building a schema");
    }
    for (int64_t i = 0; i < b->n_cols; i++) {
        if (col_schema(&b->cols[i], &out->children[i]) != WEIR_OK) {
            release_schema(out);
            return weir_error_set(err, WEIR_ENOMEM, "out of memory building a schema");
        }
        out->n_children = i + 1;
    }
    return WEIR_OK;
}

int weir_arrow_schema_copy(const struct ArrowSchema *src, struct ArrowSchema *dst,
                           struct weir_error *err)
{
    if (schema_node(dst, src->format, src->name, src->metadata, src->flags, src->n_children) !=
        WEIR_OK) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory copying a schema");
    }
    for (int64_t i = 0; i < src->n_children; i++) {
        struct ArrowSchema *k = malloc(sizeof(*k));
        if (k == NULL || weir_arrow_schema_copy(src->children[i], k, err) != WEIR_OK) {
            free(k);
            release_schema(dst);
            return weir_error_set(err, WEIR_ENOMEM, "out of memory copying a schema");
        }
        dst->children[i] = k;
        dst->n_children = i + 1;
    }
    return WEIR_OK;
}

/* Appends s (n bytes) to *buf as a JSON string; false when out of memory. */
static bool json_str(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (*cap - *len < 6 * n + 4) {
        size_t c = (*cap + 6 * n + 4) * 2;
        char *b = realloc(*buf, c);
        if (b == NULL) {
            return false;
        }
        *buf = b;
        *cap = c;
    }
    char *o = *buf + *len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            *o++ = '\\';
            *o++ = (char)ch;
        } else if (ch < 0x20) {
            memcpy(o, "\\u00", 4);
            o[4] = hex[ch >> 4];
            o[5] = hex[ch & 15];
            o += 6;
        } else {
            *o++ = (char)ch;
        }
    }
    *o++ = '"';
    *len = (size_t)(o - *buf);
    return true;
}

char *weir_arrow_source_types_json(const struct ArrowSchema *schema)
{
    size_t len = 1, cap = 64;
    char *buf = malloc(cap);
    if (buf == NULL) {
        return NULL;
    }
    buf[0] = '{';
    for (int64_t i = 0; i < schema->n_children; i++) {
        const struct ArrowSchema *c = schema->children[i];
        int32_t vlen = 0;
        const char *v = c->metadata != NULL
                            ? weir_arrow_metadata_find(c->metadata, "weir:source_type", &vlen)
                            : NULL;
        const char *name = c->name != NULL ? c->name : "";
        if (v == NULL) {
            continue;
        }
        if (len > 1) {
            buf[len++] = ','; /* json_str keeps 4 bytes spare */
        }
        if (!json_str(&buf, &len, &cap, name, strlen(name))) {
            goto nomem;
        }
        buf[len++] = ':';
        if (!json_str(&buf, &len, &cap, v, (size_t)vlen)) {
            goto nomem;
        }
    }
    buf[len++] = '}';
    buf[len] = '\0';
    return buf;

nomem:
    free(buf);
    return NULL;
}
