/*
 * Secrets Manager GetSecretValue (JSON 1.1). A reference is a secret name or
 * ARN, optionally followed by "#field" to pick one member of a JSON secret.
 * An ARN's region wins over the session's.
 */
#ifndef WEIR_AWS_SECRETS_H
#define WEIR_AWS_SECRETS_H

#include <stddef.h>

#include "aws/session.h"
#include "weir/weir.h"

/*
 * *value is new: NUL-terminated, wipe with OPENSSL_cleanse and free.
 * SecretString is returned as is, SecretBinary base64-decoded. Errors:
 * WEIR_ENOINPUT no such secret or version stage, WEIR_EAUTH access denied,
 * WEIR_ECONFIG bad reference, a "#field" that is missing or a secret that
 * is not a JSON object.
 */
int weir_aws_secrets_get(struct weir_aws_session *s, const char *ref, const char *version_stage,
                         char **value, size_t *len, struct weir_error *err);

/* The same with a session built from the process environment. */
int weir_aws_secret_get(const char *ref, const char *version_stage, char **value, size_t *len,
                        struct weir_error *err);

/* The same in the shape of the core's weir_secret_fetch_fn (core/secret.h):
 * `session` is a struct weir_aws_session, or NULL for the process
 * environment. */
int weir_aws_secret_fetch(void *session, const char *ref, const char *version_stage, char **value,
                          size_t *len, struct weir_error *err);

#endif
