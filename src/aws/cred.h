/*
 * AWS credentials and the providers that find them, one per file, in the
 * SDKs' default order (cred_chain.c): environment, shared config and
 * credentials files (profile, with role_arn + source_profile through STS
 * AssumeRole), web identity (STS AssumeRoleWithWebIdentity), ECS container
 * endpoint, EC2 instance metadata (IMDSv2).
 *
 * A provider's get returns WEIR_OK, or WEIR_ENOINPUT when it is simply not
 * configured (the chain moves on), or another status when it is configured
 * but failed (the chain stops there, as the SDKs do).
 *
 * Providers are used by one thread at a time.
 */
#ifndef WEIR_AWS_CRED_H
#define WEIR_AWS_CRED_H

#include <stddef.h>
#include <stdint.h>

#include "aws/config.h"
#include "aws/http.h"
#include "aws/sensitive.h"
#include "weir/weir.h"

struct weir_aws_creds {
    char access_key_id[128];
    struct weir_aws_secret secret_access_key;
    struct weir_aws_secret session_token; /* unset for long-term keys */
    int64_t expiration;                   /* seconds since the epoch; 0: never expires */
    char provider[32];                    /* "env", "profile", ... for messages */
};

/* Wipes the secrets; the struct can be reused. */
void weir_aws_creds_reset(struct weir_aws_creds *c);
/* Sets every field (strings copied; token may be NULL). */
int weir_aws_creds_set(struct weir_aws_creds *c, const char *access_key_id, const char *secret,
                       const char *token, int64_t expiration, const char *provider,
                       struct weir_error *err);
int weir_aws_creds_copy(struct weir_aws_creds *dst, const struct weir_aws_creds *src,
                        struct weir_error *err);
/* The SigV4 view of c (borrowed from c). */
struct weir_sigv4_creds weir_aws_creds_sigv4(const struct weir_aws_creds *c);

/* What every provider works with; borrowed, must outlive the provider. The
 * HTTP client also gives the clock. */
struct weir_aws_cred_ctx {
    const struct weir_aws_config *config;
    struct weir_aws_http *http;
};

struct weir_aws_cred_provider {
    const char *name;
    int (*get)(struct weir_aws_cred_provider *self, struct weir_aws_creds *out,
               struct weir_error *err);
    void (*free)(struct weir_aws_cred_provider *self);
};

/* out is the caller's, reset first. */
int weir_aws_cred_get(struct weir_aws_cred_provider *p, struct weir_aws_creds *out,
                      struct weir_error *err);
void weir_aws_cred_free(struct weir_aws_cred_provider *p);

/* Each returns a new provider (free with weir_aws_cred_free). */
int weir_aws_cred_env_new(const struct weir_aws_cred_ctx *ctx, struct weir_aws_cred_provider **out,
                          struct weir_error *err);
int weir_aws_cred_profile_new(const struct weir_aws_cred_ctx *ctx,
                              struct weir_aws_cred_provider **out, struct weir_error *err);
int weir_aws_cred_web_identity_new(const struct weir_aws_cred_ctx *ctx,
                                   struct weir_aws_cred_provider **out, struct weir_error *err);
int weir_aws_cred_ecs_new(const struct weir_aws_cred_ctx *ctx, struct weir_aws_cred_provider **out,
                          struct weir_error *err);
int weir_aws_cred_imds_new(const struct weir_aws_cred_ctx *ctx, struct weir_aws_cred_provider **out,
                           struct weir_error *err);

/*
 * A chain over `providers` (moved in, also on failure), tried in order; the
 * first that answers is remembered. Credentials are cached and fetched again
 * `refresh_margin` seconds (0: 300) before they expire, by the HTTP client's
 * clock.
 */
int weir_aws_cred_chain_new(const struct weir_aws_cred_ctx *ctx,
                            struct weir_aws_cred_provider **providers, size_t n,
                            int64_t refresh_margin, struct weir_aws_cred_provider **out,
                            struct weir_error *err);
/* The default chain: env, profile, web identity, ECS, IMDS. */
int weir_aws_cred_default_chain_new(const struct weir_aws_cred_ctx *ctx,
                                    struct weir_aws_cred_provider **out, struct weir_error *err);

/* ---- helpers shared by the providers -------------------------------------------------------- */

/* Region: AWS_REGION / AWS_DEFAULT_REGION, the profile's region, then IMDS
 * (unless disabled). WEIR_ECONFIG when none is found. */
int weir_aws_region_resolve(const struct weir_aws_cred_ctx *ctx, char *region, size_t cap,
                            struct weir_error *err);
/* Looks `key` up in profile `profile` of the shared files (credentials file
 * first, then config). Returns 1 and a new string in *value, 0 when absent. */
int weir_aws_profile_value(const struct weir_aws_config *cfg, const char *profile, const char *key,
                           char **value);
/* Reads a whole small file (new, wiped on free by the caller); NULL on error
 * with err filled. Trailing whitespace is trimmed. */
char *weir_aws_read_small_file(const char *path, const char *what, size_t *len,
                               struct weir_error *err);
/* Parses {"AccessKeyId","SecretAccessKey","Token","Expiration"} (ECS, IMDS). */
int weir_aws_creds_from_json(const char *body, size_t len, const char *provider,
                             struct weir_aws_creds *out, struct weir_error *err);

/* GET <imds endpoint><path> with an IMDSv2 session token (new body into
 * *out). WEIR_ENOINPUT when IMDS is disabled or cannot be reached. */
int weir_aws_imds_get(const struct weir_aws_cred_ctx *ctx, const char *path, char **out,
                      struct weir_error *err);

#endif
