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

struct weir_abuf {
    char *data;   /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;   /* hard bound on len; 0 means 64 MiB */
    int failed;   /* set by an append that did not fit or could not allocate */
};

/* Caller's struct: sets the bound, no allocation. */
void weir_abuf_init(struct weir_abuf *b, size_t max);
/* Frees the data (wiped first when `wipe`: the buffer held a secret). */
void weir_abuf_reset(struct weir_abuf *b, int wipe);
/* Moves the data out (new, NUL-terminated; "" when empty); the buffer is reset. */
char *weir_abuf_take(struct weir_abuf *b, size_t *len);

int weir_abuf_append(struct weir_abuf *b, const void *data, size_t len);
int weir_abuf_puts(struct weir_abuf *b, const char *s);
int weir_abuf_putc(struct weir_abuf *b, char c);
int weir_abuf_printf(struct weir_abuf *b, const char *fmt, ...) WEIR_PRINTF(2, 3);

/* WEIR_OK, or WEIR_ENOMEM filled into err when an append failed. */
int weir_abuf_check(const struct weir_abuf *b, const char *what, struct weir_error *err);

#endif
