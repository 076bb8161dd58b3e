/* Column hashing for pii: hash; see pii.h. */
#include "core/pii.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/arrow.h"

struct weir_pii {
    const struct weir_secret *key;
    int64_t n_cols;
    int *hash;              /* per column: 1 when hashed */
    char **formats;         /* per column: the source format (borrowed copy) */
    struct weir_abatch out; /* builders for the hashed columns only */
    int64_t n_hashed;
    int64_t *hashed_index;  /* builder column j → batch column */
};

static int hashable(const char *f)
{
    return strcmp(f, "u") == 0 || strcmp(f, "z") == 0 || strncmp(f, "w:", 2) == 0 ||
           (f[1] == '\0' && strchr("csilCSI", f[0]) != NULL);
}

int weir_pii_new(const struct weir_spec *spec, const struct weir_spec_job *job,
                 const struct ArrowSchema *schema, const struct weir_secret *key,
                 struct weir_pii **out, struct weir_error *err)
{
    *out = NULL;
    size_t n_hash = 0;
    for (size_t i = 0; i < job->n_pii; i++) {
        n_hash += strcmp(job->pii[i].value, "hash") == 0;
    }
    if (n_hash == 0) {
        return WEIR_OK;
    }
    if (key == NULL || key->value == NULL || key->len == 0) {
        weir_error_set(err, WEIR_ECONFIG, "%s: pii_key is empty: hashing needs a key", spec->path);
        return weir_error_hint(err, "set pii_key to a reference, e.g. ${secret:lake/pii-key}");
    }
    struct weir_pii *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    p->key = key;
    p->n_cols = schema->n_children;
    p->hash = calloc((size_t)p->n_cols + 1, sizeof(*p->hash));
    p->hashed_index = calloc(n_hash, sizeof(*p->hashed_index));
    p->formats = calloc((size_t)p->n_cols + 1, sizeof(*p->formats));
    for (int64_t j = 0; p->formats != NULL && j < p->n_cols; j++) {
        p->formats[j] = strdup(schema->children[j]->format);
    }
    if (p->hash == NULL || p->hashed_index == NULL || p->formats == NULL ||
        weir_abatch_init(&p->out, (int64_t)n_hash, err) != WEIR_OK) {
        weir_pii_free(p);
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < job->n_pii; i++) {
        const struct weir_spec_kv *kv = &job->pii[i];
        if (strcmp(kv->value, "hash") != 0) {
            continue;
        }
        int64_t c = -1;
        for (int64_t j = 0; j < schema->n_children; j++) {
            if (strcmp(schema->children[j]->name, kv->key) == 0) {
                c = j;
            }
        }
        const char *why = c < 0 ? "is not a column of the result"
                                : !hashable(schema->children[c]->format) ? "has a type that "
                                                                           "cannot be hashed"
                                                                         : NULL;
        if (why != NULL) {
            weir_error_set(err, WEIR_ECONFIG, "%s:%d:%d: pii.%s: the column %s", spec->path,
                           kv->pos.line, kv->pos.col, kv->key, why);
            weir_pii_free(p);
            return weir_error_hint(err, "hash text, binary, uuid or integer columns");
        }
        p->hash[c] = 1;
        p->hashed_index[p->n_hashed] = c;
        if (weir_abatch_set_column(&p->out, p->n_hashed, kv->key, "u", NULL, 0, err) != WEIR_OK) {
            weir_pii_free(p);
            return err->status;
        }
        p->n_hashed++;
    }
    *out = p;
    return WEIR_OK;
}

int weir_pii_schema(const struct weir_pii *p, const struct ArrowSchema *in,
                    struct ArrowSchema *out, struct weir_error *err)
{
    struct weir_abatch b;
    int rc = weir_abatch_init(&b, in->n_children, err);
    for (int64_t i = 0; rc == WEIR_OK && i < in->n_children; i++) {
        const struct ArrowSchema *c = in->children[i];
        /* a kept column keeps its type, metadata and list child */
        rc = p->hash[i] ? weir_abatch_set_column(&b, i, c->name, "u", NULL, 0, err)
                        : weir_abatch_set_from_schema(&b, i, c, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_abatch_schema(&b, out, err);
    }
    weir_abatch_reset(&b);
    return rc;
}

/* The bytes that are hashed for row i of a column. */
static size_t value_bytes(const struct ArrowArray *a, const char *f, int64_t i, char *tmp,
                          size_t cap, const char **bytes)
{
    int64_t j = i + a->offset;
    const void *v = a->buffers[1];
    if (f[0] == 'u' || f[0] == 'z') {
        const int32_t *off = v;
        *bytes = (const char *)a->buffers[2] + off[j];
        return (size_t)(off[j + 1] - off[j]);
    }
    if (f[0] == 'w') {
        size_t w = (size_t)strtol(f + 2, NULL, 10);
        *bytes = (const char *)v + (size_t)j * w;
        return w;
    }
    int n = 0;
    switch (f[0]) {
    case 'c':
        n = snprintf(tmp, cap, "%d", ((const int8_t *)v)[j]);
        break;
    case 's':
        n = snprintf(tmp, cap, "%d", ((const int16_t *)v)[j]);
        break;
    case 'i':
        n = snprintf(tmp, cap, "%d", ((const int32_t *)v)[j]);
        break;
    case 'l':
        n = snprintf(tmp, cap, "%" PRId64, ((const int64_t *)v)[j]);
        break;
    case 'C':
        n = snprintf(tmp, cap, "%u", ((const uint8_t *)v)[j]);
        break;
    case 'S':
        n = snprintf(tmp, cap, "%u", ((const uint16_t *)v)[j]);
        break;
    default:
        n = snprintf(tmp, cap, "%" PRIu32, ((const uint32_t *)v)[j]);
        break;
    }
    *bytes = tmp;
    return (size_t)n;
}

/* The new parent: the source batch (moved in) stays alive under it, so the
 * columns that are not hashed are shared, not copied. */
struct wrapped {
    struct ArrowArray source;
    struct ArrowArray hashed;
    struct ArrowArray **children;
    const void *buffers[1];
};

static void release_wrapped(struct ArrowArray *a)
{
    struct wrapped *w = a->private_data;
    if (w->hashed.release != NULL) {
        w->hashed.release(&w->hashed);
    }
    if (w->source.release != NULL) {
        w->source.release(&w->source);
    }
    free(w->children);
    free(w);
    a->release = NULL;
}

int weir_pii_apply(struct weir_pii *p, struct ArrowArray *batch, struct ArrowArray *out,
                   struct weir_error *err)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    char tmp[32];
    static const char digits[] = "0123456789abcdef";
    memset(out, 0, sizeof(*out));
    struct wrapped *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory hashing a batch");
    }
    w->source = *batch;
    batch->release = NULL; /* moved */
    for (int64_t k = 0; k < p->n_hashed; k++) {
        int64_t c = p->hashed_index[k];
        const struct ArrowArray *col = w->source.children[c];
        for (int64_t i = 0; i < w->source.length; i++) {
            int rc;
            if (weir_arrow_is_null(col, i)) {
                rc = weir_acol_append_null(&p->out.cols[k]);
            } else {
                const char *bytes = NULL;
                size_t len = value_bytes(col, p->formats[c], i, tmp, sizeof(tmp), &bytes);
                HMAC(EVP_sha256(), p->key->value, (int)p->key->len, (const unsigned char *)bytes,
                     len, mac, &maclen);
                for (unsigned int b = 0; b < maclen; b++) {
                    hex[2 * b] = digits[mac[b] >> 4];
                    hex[2 * b + 1] = digits[mac[b] & 15];
                }
                rc = weir_acol_append_var(&p->out.cols[k], hex, 2 * (size_t)maclen);
            }
            if (rc != WEIR_OK) {
                w->source.release(&w->source);
                free(w);
                return weir_error_set(err, WEIR_ENOMEM, "out of memory hashing a batch");
            }
        }
    }
    p->out.length = w->source.length;
    w->children = calloc((size_t)p->n_cols + 1, sizeof(*w->children));
    if (w->children == NULL || weir_abatch_finish(&p->out, &w->hashed, err) != WEIR_OK) {
        w->source.release(&w->source);
        free(w->children);
        free(w);
        return weir_error_set(err, WEIR_ENOMEM, "out of memory hashing a batch");
    }
    int64_t k = 0;
    for (int64_t c = 0; c < p->n_cols; c++) {
        w->children[c] = p->hash[c] ? w->hashed.children[k++] : w->source.children[c];
    }
    out->length = w->source.length;
    out->null_count = 0;
    out->n_buffers = 1;
    out->buffers = w->buffers;
    out->n_children = p->n_cols;
    out->children = w->children;
    out->release = release_wrapped;
    out->private_data = w;
    return WEIR_OK;
}

void weir_pii_free(struct weir_pii *p)
{
    if (p == NULL) {
        return;
    }
    weir_abatch_reset(&p->out);
    if (p->formats != NULL) {
        for (int64_t i = 0; i < p->n_cols; i++) {
            free(p->formats[i]);
        }
    }
    free(p->formats);
    free(p->hash);
    free(p->hashed_index);
    free(p);
}
