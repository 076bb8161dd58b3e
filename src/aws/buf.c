#include "aws/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define DEFAULT_MAX ((size_t)64 << 20)

void weir_bytes_init(struct weir_bytes *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max != 0 ? max : DEFAULT_MAX;
    b->failed = 0;
}

void weir_bytes_reset(struct weir_bytes *b, int wipe)
{
    if (b->data != NULL && wipe) {
        OPENSSL_cleanse(b->data, b->cap);
    }
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}

char *weir_bytes_take(struct weir_bytes *b, size_t *len)
{
    char *d = b->data;
    if (d == NULL) {
        d = calloc(1, 1);
    }
    if (len != NULL) {
        *len = b->len;
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
    return d;
}

/* Grows by doubling; the old block is wiped on move because some buffers
 * hold secrets and realloc would leave copies behind. */
static int reserve(struct weir_bytes *b, size_t extra)
{
    if (b->failed) {
        return -1;
    }
    if (extra > b->max || b->len > b->max - extra) {
        b->failed = 1;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) {
        return 0;
    }
    size_t cap = b->cap != 0 ? b->cap : 64;
    while (cap < need) {
        cap *= 2;
    }
    char *n = malloc(cap);
    if (n == NULL) {
        b->failed = 1;
        return -1;
    }
    if (b->data != NULL) {
        memcpy(n, b->data, b->len);
        OPENSSL_cleanse(b->data, b->cap);
        free(b->data);
    }
    n[b->len] = '\0';
    b->data = n;
    b->cap = cap;
    return 0;
}

int weir_bytes_append(struct weir_bytes *b, const void *data, size_t len)
{
    if (reserve(b, len) != 0) {
        return -1;
    }
    if (len > 0) {
        memcpy(b->data + b->len, data, len);
    }
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int weir_bytes_puts(struct weir_bytes *b, const char *s)
{
    return weir_bytes_append(b, s, strlen(s));
}

int weir_bytes_putc(struct weir_bytes *b, char c)
{
    return weir_bytes_append(b, &c, 1);
}

int weir_bytes_printf(struct weir_bytes *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n) != 0) {
        b->failed = 1;
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int weir_bytes_check(const struct weir_bytes *b, const char *what, struct weir_error *err)
{
    if (b->failed) {
        return weir_error_set(err, WEIR_ENOMEM, "%s exceeds its bound of %zu bytes or memory ran out",
                              what, b->max);
    }
    return WEIR_OK;
}
