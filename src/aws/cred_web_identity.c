/* Web identity (EKS IRSA, GitHub OIDC...): AWS_WEB_IDENTITY_TOKEN_FILE and
 * AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME] → STS AssumeRoleWithWebIdentity.
 * The token file is read again at every refresh: the platform rotates it. */
#include <stdio.h>
#include <stdlib.h>

#include "aws/cred.h"
#include "aws/sts.h"

struct wi_provider {
    struct weir_aws_cred_provider base;
    struct weir_aws_cred_ctx ctx;
};

static int wi_get(struct weir_aws_cred_provider *self, struct weir_aws_creds *out,
                  struct weir_error *err)
{
    struct wi_provider *p = (struct wi_provider *)self;
    const struct weir_aws_config *cfg = p->ctx.config;
    if (cfg->web_identity_token_file == NULL && cfg->role_arn == NULL) {
        return weir_error_set(err, WEIR_ENOINPUT, "AWS_WEB_IDENTITY_TOKEN_FILE is not set");
    }
    if (cfg->web_identity_token_file == NULL || cfg->role_arn == NULL) {
        weir_error_set(err, WEIR_ECONFIG, "web identity needs both AWS_WEB_IDENTITY_TOKEN_FILE "
                                          "and AWS_ROLE_ARN");
        return weir_error_hint(err, "set the missing variable");
    }
    char *token = weir_aws_read_small_file(cfg->web_identity_token_file, "web identity token file",
                                           NULL, err);
    if (token == NULL) {
        return err->status;
    }
    char name[64];
    snprintf(name, sizeof(name), "weir-%lld", (long long)weir_aws_http_now(p->ctx.http));
    int rc = weir_aws_sts_assume_role_web_identity(
        &p->ctx, cfg->role_arn, cfg->role_session_name != NULL ? cfg->role_session_name : name,
        token, out, err);
    weir_aws_free_wiped(token);
    return rc;
}

static void wi_free(struct weir_aws_cred_provider *self)
{
    free(self);
}

int weir_aws_cred_web_identity_new(const struct weir_aws_cred_ctx *ctx,
                                   struct weir_aws_cred_provider **out, struct weir_error *err)
{
    struct wi_provider *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    p->base.name = "web-identity";
    p->base.get = wi_get;
    p->base.free = wi_free;
    p->ctx = *ctx;
    *out = &p->base;
    return WEIR_OK;
}
