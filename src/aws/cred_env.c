/* Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
 * (read into the config at the edge). */
#include <stdlib.h>

#include "aws/cred.h"

struct env_provider {
    struct weir_aws_cred_provider base;
    const struct weir_aws_config *cfg;
};

static int env_get(struct weir_aws_cred_provider *self, struct weir_aws_creds *out,
                   struct weir_error *err)
{
    const struct env_provider *p = (const struct env_provider *)self;
    const struct weir_aws_config *cfg = p->cfg;
    if (cfg->access_key_id == NULL && cfg->secret_access_key.value == NULL) {
        return weir_error_set(err, WEIR_ENOINPUT, "AWS_ACCESS_KEY_ID is not set");
    }
    if (cfg->access_key_id == NULL || cfg->secret_access_key.value == NULL) {
        weir_error_set(err, WEIR_EAUTH, "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                                        "is set");
        return weir_error_hint(err, "set both, or neither to use another credential source");
    }
    return weir_aws_creds_set(out, cfg->access_key_id, cfg->secret_access_key.value,
                              cfg->session_token.value, 0, "env", err);
}

static void env_free(struct weir_aws_cred_provider *self)
{
    free(self);
}

int weir_aws_cred_env_new(const struct weir_aws_cred_ctx *ctx, struct weir_aws_cred_provider **out,
                          struct weir_error *err)
{
    struct env_provider *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    p->base.name = "env";
    p->base.get = env_get;
    p->base.free = env_free;
    p->cfg = ctx->config;
    *out = &p->base;
    return WEIR_OK;
}
