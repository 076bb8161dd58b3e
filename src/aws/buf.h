/*
 * A bounded growable byte buffer for the AWS code (request bodies, canonical
 * strings, responses). An append past `max` fails and leaves the buffer
 * marked failed: callers may chain appends and check once at the end.
 * The data is always NUL-terminated (not counted in len).
 */
#ifndef WEIR_AWS_BUF_H
#define WEIR_AWS_BUF_H

#include <stddef.h>

#include "weir/weir.h"

struct weir_bytes {
    char *data;   /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;   /* hard bound on len; 0 means 64 MiB */
    int failed;   /* set by an append that did not fit or could not allocate */
};

/* Caller's struct: sets the bound, no allocation. */
void weir_bytes_init(struct weir_bytes *b, size_t max);
/* Frees the data (wiped first when `wipe`: the buffer held a secret). */
void weir_bytes_reset(struct weir_bytes *b, int wipe);
/* Moves the data out (new, NUL-terminated; "" when empty); the buffer is reset. */
char *weir_bytes_take(struct weir_bytes *b, size_t *len);

int weir_bytes_append(struct weir_bytes *b, const void *data, size_t len);
int weir_bytes_puts(struct weir_bytes *b, const char *s);
int weir_bytes_putc(struct weir_bytes *b, char c);
int weir_bytes_printf(struct weir_bytes *b, const char *fmt, ...) WEIR_PRINTF(2, 3);

/* WEIR_OK, or WEIR_ENOMEM filled into err when an append failed. */
int weir_bytes_check(const struct weir_bytes *b, const char *what, struct weir_error *err);

#endif
