/*
 * Secrets and `${scheme:arg}` references in spec strings.
 *
 * A struct weir_secret holds a value that must never be logged: it prints as
 * "***", and its bytes are wiped (OPENSSL_cleanse) when freed.
 */
#ifndef WEIR_CORE_SECRET_H
#define WEIR_CORE_SECRET_H

#include <stddef.h>

#include "spec/spec.h"
#include "weir/weir.h"

struct weir_secret {
    char *value; /* NUL-terminated; NULL when unset */
    size_t len;
};

/* Wipes and frees the value; the struct can be reused. */
void weir_secret_reset(struct weir_secret *s);
/* Takes ownership of a malloc'd buffer (moved). */
void weir_secret_take(struct weir_secret *s, char *value, size_t len);

/*
 * Fetches a Secrets Manager secret: `ref` is NAME-or-ARN, optionally
 * "#field"; `stage` NULL for AWSCURRENT. *value is new (wipe and free).
 */
typedef int (*weir_secret_fetch_fn)(void *ctx, const char *ref, const char *stage, char **value,
                                    size_t *len, struct weir_error *err);
/* Looks up an environment variable; NULL when unset. */
typedef const char *(*weir_getenv_fn)(const char *name);

struct weir_resolver {
    weir_getenv_fn getenv;       /* NULL: getenv(3) */
    weir_secret_fetch_fn fetch;  /* NULL: ${secret:} is refused */
    void *fetch_ctx;
    const char *stage;           /* version stage for ${secret:} (NULL: AWSCURRENT) */
    const char *spec_path;       /* for messages */
};

/*
 * Expands every reference in `v` into `out` (new). `field` names the spec
 * field in messages ("source.password"). Errors name path:line:col.
 * WEIR_ECONFIG for an unset variable or a missing file or field.
 */
int weir_resolve(const struct weir_resolver *r, const struct weir_sval *v, const char *field,
                 struct weir_secret *out, struct weir_error *err);

/* Non-zero when the string contains a `${` reference. */
int weir_has_reference(const char *s);

#endif
