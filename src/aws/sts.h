/*
 * STS (query protocol, XML responses): AssumeRole, AssumeRoleWithWebIdentity
 * (unsigned) and GetCallerIdentity. The regional endpoint of the config's
 * region (us-east-1 when none) unless AWS_ENDPOINT_URL[_STS] overrides it.
 */
#ifndef WEIR_AWS_STS_H
#define WEIR_AWS_STS_H

#include "aws/cred.h"

/* external_id may be NULL; duration 0: 3600. out gets temporary creds. */
int weir_aws_sts_assume_role(const struct weir_aws_cred_ctx *ctx,
                             const struct weir_aws_creds *source, const char *role_arn,
                             const char *session_name, const char *external_id, int duration,
                             const char *provider, struct weir_aws_creds *out,
                             struct weir_error *err);
/* `token` is the OIDC token (borrowed, secret). */
int weir_aws_sts_assume_role_web_identity(const struct weir_aws_cred_ctx *ctx,
                                          const char *role_arn, const char *session_name,
                                          const char *token, struct weir_aws_creds *out,
                                          struct weir_error *err);
/* The caller's ARN into arn[cap]; account into account[acap] when not NULL. */
int weir_aws_sts_caller_identity(const struct weir_aws_cred_ctx *ctx,
                                 const struct weir_aws_creds *creds, char *arn, size_t cap,
                                 char *account, size_t acap, struct weir_error *err);

#endif
