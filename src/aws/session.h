/*
 * An AWS session: the config read from the environment at the edge, one
 * HTTP client, the default credentials chain (cached) and the region.
 * What the core uses to talk to AWS; one thread at a time.
 */
#ifndef WEIR_AWS_SESSION_H
#define WEIR_AWS_SESSION_H

#include "aws/config.h"
#include "aws/cred.h"
#include "aws/http.h"
#include "aws/request.h"

struct weir_aws_session_options {
    weir_aws_getenv_fn getenv; /* NULL: getenv(3) */
    void *getenv_ctx;
    const struct weir_aws_http_options *http; /* NULL: defaults */
};

struct weir_aws_session {
    struct weir_aws_config config;
    struct weir_aws_http *http;
    struct weir_aws_cred_provider *creds; /* the default chain */
    struct weir_aws_cred_ctx cred_ctx;
    char region[64]; /* "" until resolved */
};

/* New session (free with weir_aws_session_free); o may be NULL. */
int weir_aws_session_new(const struct weir_aws_session_options *o, struct weir_aws_session **out,
                         struct weir_error *err);
void weir_aws_session_free(struct weir_aws_session *s);
/* Resolves the region once (env, profile, IMDS); borrowed string. */
int weir_aws_session_region(struct weir_aws_session *s, const char **region,
                            struct weir_error *err);
/* Current credentials into the caller's struct (reset it after). */
int weir_aws_session_creds(struct weir_aws_session *s, struct weir_aws_creds *out,
                           struct weir_error *err);
/* Fills t for a service; `region` NULL: the session's. ep[cap] holds the URL. */
int weir_aws_session_target(struct weir_aws_session *s, int service, const char *region,
                            struct weir_aws_target *t, char *ep, size_t cap,
                            struct weir_error *err);

/* STS GetCallerIdentity with the session's credentials. */
int weir_aws_session_whoami(struct weir_aws_session *s, char *arn, size_t cap,
                            struct weir_error *err);
/* For `weir check`: the caller's ARN with the default session. */
int weir_aws_whoami(char *arn, size_t cap, struct weir_error *err);

#endif
