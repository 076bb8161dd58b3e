/* Key records and key files; see keyset.h. The external sort is keysort.c. */
#include "core/keyset.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char MAGIC[12] = {'W', 'E', 'I', 'R', 'K', 'E', 'Y', 'S', '0', '0', '0', '1'};
#define TRAILER 0xffffffffu

int weir_key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0) {
        return c;
    }
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

int weir_keyenc_init(struct weir_keyenc *e, const struct ArrowSchema *schema,
                     struct weir_error *err)
{
    memset(e, 0, sizeof(*e));
    if (schema->n_children > WEIR_KEY_MAX_COLS) {
        return weir_error_set(err, WEIR_ECONFIG, "a key has at most %d columns", WEIR_KEY_MAX_COLS);
    }
    for (int64_t i = 0; i < schema->n_children; i++) {
        const struct ArrowSchema *c = schema->children[i];
        int width = 0;
        int layout = weir_arrow_layout(c->format, &width);
        if (layout < 0) {
            weir_error_set(err, WEIR_ECONFIG, "key column %s has a type a key cannot have (%s)",
                           c->name ? c->name : "?", c->format);
            return weir_error_hint(err, "name scalar key columns in deletes.key");
        }
        snprintf(e->col[i].name, sizeof(e->col[i].name), "%s", c->name ? c->name : "");
        snprintf(e->col[i].format, sizeof(e->col[i].format), "%s", c->format);
        e->col[i].layout = layout;
        e->col[i].width = width;
    }
    e->n = (int)schema->n_children;
    return WEIR_OK;
}

static int too_long(struct weir_error *err)
{
    weir_error_set(err, WEIR_EDATA, "a key is longer than %d bytes", WEIR_KEY_MAX_RECORD);
    return weir_error_hint(err, "choose shorter key columns in deletes.key");
}

int weir_keyenc_row(const struct weir_keyenc *e, const struct ArrowArray *batch, int64_t row,
                    uint8_t *buf, size_t cap, size_t *len, struct weir_error *err)
{
    size_t o = 0;
    for (int i = 0; i < e->n; i++) {
        const struct ArrowArray *a = batch->children[i];
        int64_t j = row + a->offset;
        if (o + 1 > cap) {
            return too_long(err);
        }
        if (weir_arrow_is_null(a, row)) {
            buf[o++] = 0;
            continue;
        }
        buf[o++] = 1;
        switch (e->col[i].layout) {
        case WEIR_ACOL_BOOL:
            if (o + 1 > cap) {
                return too_long(err);
            }
            buf[o++] = weir_arrow_bit(a->buffers[1], j) ? 1 : 0;
            break;
        case WEIR_ACOL_FIXED: {
            size_t w = (size_t)e->col[i].width;
            if (o + w > cap) {
                return too_long(err);
            }
            memcpy(buf + o, (const uint8_t *)a->buffers[1] + (size_t)j * w, w);
            o += w;
            break;
        }
        default: {
            const int32_t *off = a->buffers[1];
            uint32_t n = (uint32_t)(off[j + 1] - off[j]);
            if (o + 4 + n > cap) {
                return too_long(err);
            }
            memcpy(buf + o, &n, 4);
            memcpy(buf + o + 4, (const uint8_t *)a->buffers[2] + off[j], n);
            o += 4 + n;
            break;
        }
        }
    }
    *len = o;
    return WEIR_OK;
}

/* Calls fn for each column's value: NULL v for a NULL; -1 when rec is malformed. */
typedef int (*value_fn)(void *ctx, int i, const uint8_t *v, size_t n);

static int walk(const struct weir_keyenc *e, const uint8_t *rec, size_t len, value_fn fn, void *ctx)
{
    size_t o = 0;
    for (int i = 0; i < e->n; i++) {
        if (o >= len) {
            return -1;
        }
        if (rec[o++] == 0) {
            if (fn(ctx, i, NULL, 0) != 0) {
                return -1;
            }
            continue;
        }
        size_t n = 1;
        if (e->col[i].layout == WEIR_ACOL_FIXED) {
            n = (size_t)e->col[i].width;
        } else if (e->col[i].layout == WEIR_ACOL_VAR) {
            uint32_t n32;
            if (o + 4 > len) {
                return -1;
            }
            memcpy(&n32, rec + o, 4);
            o += 4;
            n = n32;
        }
        if (o + n > len || fn(ctx, i, rec + o, n) != 0) {
            return -1;
        }
        o += n;
    }
    return o == len ? 0 : -1;
}

struct append_ctx {
    const struct weir_keyenc *e;
    struct weir_abatch *b;
};

static int append_value(void *ctx, int i, const uint8_t *v, size_t n)
{
    struct append_ctx *a = ctx;
    struct weir_acol *c = &a->b->cols[i];
    (void)n;
    if (v == NULL) {
        return weir_acol_append_null(c);
    }
    switch (a->e->col[i].layout) {
    case WEIR_ACOL_BOOL:
        return weir_acol_append_bool(c, v[0] != 0);
    case WEIR_ACOL_FIXED:
        return weir_acol_append_fixed(c, v);
    default:
        return weir_acol_append_var(c, v, n);
    }
}

int weir_keyenc_append(const struct weir_keyenc *e, struct weir_abatch *b, const uint8_t *rec,
                       size_t len, struct weir_error *err)
{
    struct append_ctx a = {e, b};
    if (walk(e, rec, len, append_value, &a) != 0) {
        return weir_error_set(err, WEIR_EDATA, "a key record is malformed (%zu bytes)", len);
    }
    return WEIR_OK;
}

struct text_ctx {
    const struct weir_keyenc *e;
    char *buf;
    size_t cap, o;
};

static void put(struct text_ctx *t, const char *s, size_t n)
{
    while (n-- > 0 && t->o + 1 < t->cap) {
        t->buf[t->o++] = *s++;
    }
    t->buf[t->o] = '\0';
}

static int text_value(void *ctx, int i, const uint8_t *v, size_t n)
{
    struct text_ctx *t = ctx;
    const char *f = t->e->col[i].format;
    char tmp[64];
    if (i > 0) {
        put(t, ", ", 2);
    }
    put(t, t->e->col[i].name, strlen(t->e->col[i].name));
    put(t, "=", 1);
    if (v == NULL) {
        put(t, "NULL", 4);
        return 0;
    }
    int64_t x = 0;
    int is_int = 1;
    if (strcmp(f, "c") == 0) {
        x = (int8_t)v[0];
    } else if (strcmp(f, "s") == 0) {
        int16_t y;
        memcpy(&y, v, 2);
        x = y;
    } else if (strcmp(f, "i") == 0) {
        int32_t y;
        memcpy(&y, v, 4);
        x = y;
    } else if (strcmp(f, "l") == 0) {
        memcpy(&x, v, 8);
    } else {
        is_int = 0;
    }
    if (is_int) {
        int k = snprintf(tmp, sizeof(tmp), "%" PRId64, x);
        put(t, tmp, (size_t)k);
    } else if (strcmp(f, "u") == 0) {
        put(t, (const char *)v, n);
    } else {
        put(t, "0x", 2);
        for (size_t k = 0; k < n && k < 32; k++) {
            snprintf(tmp, sizeof(tmp), "%02x", v[k]);
            put(t, tmp, 2);
        }
    }
    return 0;
}

void weir_keyenc_text(const struct weir_keyenc *e, const uint8_t *rec, size_t len, char *buf,
                      size_t cap)
{
    struct text_ctx t = {e, buf, cap, 0};
    if (cap == 0) {
        return;
    }
    buf[0] = '\0';
    if (walk(e, rec, len, text_value, &t) != 0) {
        put(&t, " (malformed)", 12);
    }
}

/* ---- key files ---- */

static int io_error(struct weir_keyfile *k, const char *what, struct weir_error *err)
{
    return weir_error_set(err, WEIR_EIO, "cannot %s key file %s: %s", what, k->path,
                          strerror(errno ? errno : EIO));
}

static int corrupt(struct weir_keyfile *k, const char *why, struct weir_error *err)
{
    weir_error_set(err, WEIR_EDATA, "key file %s is corrupt: %s", k->path, why);
    return weir_error_hint(err, "run the job once with --full-reload: it rebuilds the key file");
}

int weir_keyfile_open_read(struct weir_keyfile *k, const char *path, struct weir_error *err)
{
    memset(k, 0, sizeof(*k));
    snprintf(k->path, sizeof(k->path), "%s", path);
    char head[sizeof(MAGIC)];
    k->f = fopen(path, "rbe");
    if (k->f == NULL) {
        return io_error(k, "open", err);
    }
    if (fread(head, 1, sizeof(head), k->f) != sizeof(head) ||
        memcmp(head, MAGIC, sizeof(MAGIC)) != 0) {
        return corrupt(k, "no key file header", err);
    }
    /* the trailer first: a file cut short is refused before it is used */
    unsigned char tail[12];
    uint32_t mark;
    if (fseeko(k->f, -12, SEEK_END) != 0 || fread(tail, 1, 12, k->f) != 12) {
        return corrupt(k, "no trailer", err);
    }
    memcpy(&mark, tail, 4);
    memcpy(&k->count, tail + 4, 8);
    if (mark != TRAILER || fseeko(k->f, (off_t)sizeof(MAGIC), SEEK_SET) != 0) {
        return corrupt(k, "no trailer", err);
    }
    return WEIR_OK;
}

int weir_keyfile_next(struct weir_keyfile *k, size_t *len, int *end, struct weir_error *err)
{
    uint32_t n;
    *end = 0;
    if (fread(&n, 1, 4, k->f) != 4) {
        return corrupt(k, "cut short", err);
    }
    if (n == TRAILER) {
        *end = 1;
        return WEIR_OK;
    }
    if (n > sizeof(k->buf) || fread(k->buf, 1, n, k->f) != n) {
        return corrupt(k, "a record is cut short or too long", err);
    }
    *len = n;
    return WEIR_OK;
}

int weir_keyfile_create(struct weir_keyfile *k, const char *path, struct weir_error *err)
{
    memset(k, 0, sizeof(*k));
    snprintf(k->path, sizeof(k->path), "%s", path);
    k->writing = 1;
    k->f = fopen(path, "wbe");
    if (k->f == NULL || fwrite(MAGIC, 1, sizeof(MAGIC), k->f) != sizeof(MAGIC)) {
        return io_error(k, "create", err);
    }
    return WEIR_OK;
}

int weir_keyfile_put(struct weir_keyfile *k, const uint8_t *rec, size_t len, struct weir_error *err)
{
    uint32_t n = (uint32_t)len;
    if (fwrite(&n, 1, 4, k->f) != 4 || fwrite(rec, 1, len, k->f) != len) {
        return io_error(k, "write", err);
    }
    k->count++;
    return WEIR_OK;
}

int weir_keyfile_seal(struct weir_keyfile *k, struct weir_error *err)
{
    uint32_t mark = TRAILER;
    if (fwrite(&mark, 1, 4, k->f) != 4 || fwrite(&k->count, 1, 8, k->f) != 8 || fflush(k->f) != 0 ||
        fsync(fileno(k->f)) != 0) {
        return io_error(k, "write", err);
    }
    int rc = fclose(k->f);
    k->f = NULL;
    return rc == 0 ? WEIR_OK : io_error(k, "close", err);
}

void weir_keyfile_close(struct weir_keyfile *k)
{
    if (k->f != NULL) {
        fclose(k->f);
        k->f = NULL;
    }
}
