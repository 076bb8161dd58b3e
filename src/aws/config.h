/*
 * AWS settings read at the edge: weir_aws_config_from_env builds a config
 * from an environment lookup function (getenv(3) in the CLI, a table in
 * tests); nothing below reads the environment itself.
 *
 * Endpoints follow the SDKs' convention: AWS_ENDPOINT_URL_<SERVICE> beats
 * AWS_ENDPOINT_URL beats https://<service>.<region>.amazonaws.com.
 */
#ifndef WEIR_AWS_CONFIG_H
#define WEIR_AWS_CONFIG_H

#include <stddef.h>

#include "aws/sensitive.h"
#include "weir/weir.h"

/* Returns the variable's value (borrowed) or NULL. */
typedef const char *(*weir_aws_getenv_fn)(void *ctx, const char *name);

enum weir_aws_service_id {
    WEIR_AWS_S3 = 0,
    WEIR_AWS_GLUE,
    WEIR_AWS_SECRETS_MANAGER,
    WEIR_AWS_KMS,
    WEIR_AWS_STS,
    WEIR_AWS_SERVICE_COUNT_
};

/* One row of the static service table. */
struct weir_aws_service {
    int id;
    const char *signing_name; /* SigV4 service: "s3", "glue", "secretsmanager", "kms", "sts" */
    const char *env_suffix;   /* AWS_ENDPOINT_URL_<env_suffix> */
    const char *host_prefix;  /* <host_prefix>.<region>.amazonaws.com */
    const char *json_target;  /* X-Amz-Target prefix for JSON 1.1 services, else NULL */
    unsigned sigv4_flags;     /* WEIR_SIGV4_FLAGS_S3 or WEIR_SIGV4_FLAGS_DEFAULT */
};

/* Static; NULL for an unknown id. */
const struct weir_aws_service *weir_aws_service_get(int id);

/* Every string owned (NULL when unset); reset with weir_aws_config_reset. */
struct weir_aws_config {
    char *region;                  /* AWS_REGION, else AWS_DEFAULT_REGION */
    char *profile;                 /* AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default" */
    int profile_explicit;          /* a profile was named by the environment */
    char *config_file;             /* AWS_CONFIG_FILE, else $HOME/.aws/config */
    char *credentials_file;        /* AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials */
    char *endpoint_url;            /* AWS_ENDPOINT_URL */
    char *service_endpoint[WEIR_AWS_SERVICE_COUNT_]; /* AWS_ENDPOINT_URL_<SERVICE> */
    char *access_key_id;           /* AWS_ACCESS_KEY_ID */
    struct weir_aws_secret secret_access_key; /* AWS_SECRET_ACCESS_KEY */
    struct weir_aws_secret session_token;     /* AWS_SESSION_TOKEN */
    char *web_identity_token_file; /* AWS_WEB_IDENTITY_TOKEN_FILE */
    char *role_arn;                /* AWS_ROLE_ARN */
    char *role_session_name;       /* AWS_ROLE_SESSION_NAME */
    char *container_relative_uri;  /* AWS_CONTAINER_CREDENTIALS_RELATIVE_URI */
    char *container_full_uri;      /* AWS_CONTAINER_CREDENTIALS_FULL_URI */
    struct weir_aws_secret container_token; /* AWS_CONTAINER_AUTHORIZATION_TOKEN */
    char *container_token_file;    /* AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE */
    char *imds_endpoint;           /* AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254 */
    int imds_disabled;             /* AWS_EC2_METADATA_DISABLED=true */
};

/* Fills cfg (caller's struct, zeroed first). `getenv` NULL: getenv(3). */
int weir_aws_config_from_env(struct weir_aws_config *cfg, weir_aws_getenv_fn getenv, void *ctx,
                             struct weir_error *err);
void weir_aws_config_reset(struct weir_aws_config *cfg);

/* The endpoint URL (no trailing slash) for a service in a region. */
int weir_aws_endpoint(const struct weir_aws_config *cfg, int service, const char *region, char *url,
                      size_t cap, struct weir_error *err);

#endif
