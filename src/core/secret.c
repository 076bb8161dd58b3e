/* Secrets and reference expansion; see secret.h. */
#include "core/secret.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

void weir_secret_reset(struct weir_secret *s)
{
    if (s->value != NULL) {
        OPENSSL_cleanse(s->value, s->len);
        free(s->value);
    }
    s->value = NULL;
    s->len = 0;
}

void weir_secret_take(struct weir_secret *s, char *value, size_t len)
{
    weir_secret_reset(s);
    s->value = value;
    s->len = len;
}

int weir_has_reference(const char *s)
{
    return s != NULL && strstr(s, "${") != NULL;
}

/* A growable buffer that is wiped whenever it moves or dies. */
struct sbuf {
    char *p;
    size_t len, cap;
};

static int sbuf_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *p = malloc(cap);
        if (p == NULL) {
            return WEIR_ENOMEM;
        }
        if (b->p != NULL) {
            memcpy(p, b->p, b->len);
            OPENSSL_cleanse(b->p, b->cap);
            free(b->p);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return WEIR_OK;
}

static void sbuf_wipe(struct sbuf *b)
{
    if (b->p != NULL) {
        OPENSSL_cleanse(b->p, b->cap);
        free(b->p);
    }
    b->p = NULL;
    b->len = b->cap = 0;
}

static int at(struct weir_error *err, const struct weir_resolver *r, const struct weir_sval *v,
              const char *field, int status)
{
    /* prefix the message already set with the position */
    char msg[sizeof(err->message)];
    snprintf(msg, sizeof(msg), "%s", err->message);
    snprintf(err->message, sizeof(err->message), "%s:%d:%d: %s: %s",
             r->spec_path ? r->spec_path : "spec", v->pos.line, v->pos.col, field, msg);
    err->status = status;
    return status;
}

static int read_file_value(const char *path, struct sbuf *out, struct weir_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return weir_error_set(err, WEIR_ECONFIG, "cannot read file \"%s\": %s", path,
                              strerror(errno));
    }
    char chunk[4096];
    size_t n;
    size_t start = out->len;
    int rc = WEIR_OK;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (out->len - start + n > 1 << 20) {
            rc = weir_error_set(err, WEIR_ECONFIG, "file \"%s\" is larger than 1 MiB", path);
            break;
        }
        if (sbuf_add(out, chunk, n) != WEIR_OK) {
            rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
            break;
        }
    }
    OPENSSL_cleanse(chunk, sizeof(chunk));
    if (rc == WEIR_OK && ferror(f)) {
        rc = weir_error_set(err, WEIR_ECONFIG, "cannot read file \"%s\"", path);
    }
    fclose(f);
    /* one trailing newline (and a CR before it) is not part of the value */
    while (rc == WEIR_OK && out->len > start &&
           (out->p[out->len - 1] == '\n' || out->p[out->len - 1] == '\r')) {
        out->p[--out->len] = '\0';
        if (out->len > start && out->p[out->len - 1] == '\r') {
            continue;
        }
        break;
    }
    return rc;
}

int weir_resolve(const struct weir_resolver *r, const struct weir_sval *v, const char *field,
                 struct weir_secret *out, struct weir_error *err)
{
    struct sbuf b = {0};
    int rc = WEIR_OK;
    weir_secret_reset(out);
    if (v->s == NULL) {
        return WEIR_OK;
    }
    const char *p = v->s;
    while (*p) {
        const char *ref = strstr(p, "${");
        if (ref == NULL) {
            rc = sbuf_add(&b, p, strlen(p));
            break;
        }
        if ((rc = sbuf_add(&b, p, (size_t)(ref - p))) != WEIR_OK) {
            break;
        }
        const char *end = strchr(ref, '}');
        if (end == NULL) {
            weir_error_set(err, WEIR_ECONFIG, "unterminated reference \"${\"");
            rc = at(err, r, v, field, WEIR_ECONFIG);
            goto cleanup;
        }
        char name[1024];
        size_t n = (size_t)(end - ref - 2);
        if (n >= sizeof(name)) {
            weir_error_set(err, WEIR_ECONFIG, "reference longer than %zu bytes", sizeof(name));
            rc = at(err, r, v, field, WEIR_ECONFIG);
            goto cleanup;
        }
        memcpy(name, ref + 2, n);
        name[n] = '\0';
        if (strncmp(name, "env:", 4) == 0) {
            const char *val = r->getenv ? r->getenv(name + 4) : getenv(name + 4);
            if (val == NULL) {
                weir_error_set(err, WEIR_ECONFIG, "environment variable %s is not set", name + 4);
                weir_error_hint(err, "export %s before running weir, or change the spec",
                                name + 4);
                rc = at(err, r, v, field, WEIR_ECONFIG);
                goto cleanup;
            }
            rc = sbuf_add(&b, val, strlen(val));
        } else if (strncmp(name, "file:", 5) == 0) {
            if ((rc = read_file_value(name + 5, &b, err)) != WEIR_OK) {
                rc = at(err, r, v, field, rc);
                goto cleanup;
            }
        } else if (strncmp(name, "secret:", 7) == 0) {
            if (r->fetch == NULL) {
                weir_error_set(err, WEIR_ECONFIG, "Secrets Manager references are not available");
                rc = at(err, r, v, field, WEIR_ECONFIG);
                goto cleanup;
            }
            char *val = NULL;
            size_t len = 0;
            if ((rc = r->fetch(r->fetch_ctx, name + 7, r->stage, &val, &len, err)) != WEIR_OK) {
                rc = at(err, r, v, field, rc);
                goto cleanup;
            }
            rc = sbuf_add(&b, val, len);
            OPENSSL_cleanse(val, len);
            free(val);
        } else {
            weir_error_set(err, WEIR_ECONFIG, "unknown reference \"${%.*s:\"",
                           (int)strcspn(name, ":"), name);
            weir_error_hint(err, "use ${env:NAME}, ${file:/path} or ${secret:NAME#field}");
            rc = at(err, r, v, field, WEIR_ECONFIG);
            goto cleanup;
        }
        OPENSSL_cleanse(name, sizeof(name));
        if (rc != WEIR_OK) {
            break;
        }
        p = end + 1;
    }
    if (rc == WEIR_ENOMEM) {
        weir_error_set(err, WEIR_ENOMEM, "out of memory resolving %s", field);
        goto cleanup;
    }
    if (b.p == NULL && (rc = sbuf_add(&b, "", 0)) != WEIR_OK) {
        weir_error_set(err, WEIR_ENOMEM, "out of memory resolving %s", field);
        goto cleanup;
    }
    /* hand over exactly the buffer; the secret wipes len bytes, so shrink cap to len */
    out->value = b.p;
    out->len = b.len;
    b.p = NULL;
cleanup:
    sbuf_wipe(&b);
    return rc;
}
