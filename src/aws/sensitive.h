/*
 * A secret string for the AWS code (secret access keys, session tokens,
 * container tokens): owned bytes, wiped with OPENSSL_cleanse on reset, and
 * printed as "***" by anything that has to show one.
 */
#ifndef WEIR_AWS_SENSITIVE_H
#define WEIR_AWS_SENSITIVE_H

#include <stddef.h>

struct weir_aws_secret {
    char *value; /* NUL-terminated; NULL when unset */
    size_t len;
};

/* Copies s[0..n) (the old value is wiped). Returns 0, or -1 out of memory. */
int weir_aws_secret_set(struct weir_aws_secret *s, const char *v, size_t n);
/* Takes a malloc'd NUL-terminated buffer (moved). */
void weir_aws_secret_take(struct weir_aws_secret *s, char *v, size_t n);
void weir_aws_secret_reset(struct weir_aws_secret *s);
/* The value (borrowed) or NULL; never log it. */
static inline const char *weir_aws_secret_value(const struct weir_aws_secret *s)
{
    return s->value;
}
/* "***" when set, "" when not: what messages show. */
const char *weir_aws_secret_print(const struct weir_aws_secret *s);
/* Wipes and frees a malloc'd string (NULL is fine). */
void weir_aws_free_wiped(char *s);

#endif
