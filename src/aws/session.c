#include "aws/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sts.h"

int weir_aws_session_new(const struct weir_aws_session_options *o, struct weir_aws_session **out,
                         struct weir_error *err)
{
    struct weir_aws_session *s = calloc(1, sizeof(*s));
    *out = NULL;
    if (s == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    int rc = weir_aws_config_from_env(&s->config, o != NULL ? o->getenv : NULL,
                                      o != NULL ? o->getenv_ctx : NULL, err);
    if (rc == WEIR_OK) {
        rc = weir_aws_http_new(o != NULL ? o->http : NULL, &s->http, err);
    }
    if (rc == WEIR_OK) {
        s->cred_ctx.config = &s->config;
        s->cred_ctx.http = s->http;
        rc = weir_aws_cred_default_chain_new(&s->cred_ctx, &s->creds, err);
    }
    if (rc != WEIR_OK) {
        weir_aws_session_free(s);
        return rc;
    }
    *out = s;
    return WEIR_OK;
}

void weir_aws_session_free(struct weir_aws_session *s)
{
    if (s == NULL) {
        return;
    }
    weir_aws_cred_free(s->creds);
    weir_aws_http_free(s->http);
    weir_aws_config_reset(&s->config);
    free(s);
}

int weir_aws_session_region(struct weir_aws_session *s, const char **region,
                            struct weir_error *err)
{
    if (s->region[0] == '\0') {
        int rc = weir_aws_region_resolve(&s->cred_ctx, s->region, sizeof(s->region), err);
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    *region = s->region;
    return WEIR_OK;
}

int weir_aws_session_creds(struct weir_aws_session *s, struct weir_aws_creds *out,
                           struct weir_error *err)
{
    return weir_aws_cred_get(s->creds, out, err);
}

int weir_aws_session_target(struct weir_aws_session *s, int service, const char *region,
                            struct weir_aws_target *t, char *ep, size_t cap,
                            struct weir_error *err)
{
    if (region == NULL) {
        int rc = weir_aws_session_region(s, &region, err);
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    t->service = weir_aws_service_get(service);
    t->region = region;
    t->endpoint = ep;
    return weir_aws_endpoint(&s->config, service, region, ep, cap, err);
}

int weir_aws_session_whoami(struct weir_aws_session *s, char *arn, size_t cap,
                            struct weir_error *err)
{
    struct weir_aws_creds c;
    memset(&c, 0, sizeof(c));
    int rc = weir_aws_session_creds(s, &c, err);
    if (rc == WEIR_OK) {
        rc = weir_aws_sts_caller_identity(&s->cred_ctx, &c, arn, cap, NULL, 0, err);
    }
    weir_aws_creds_reset(&c);
    return rc;
}

int weir_aws_whoami(char *arn, size_t cap, struct weir_error *err)
{
    struct weir_aws_session *s = NULL;
    int rc = weir_aws_session_new(NULL, &s, err);
    if (rc == WEIR_OK) {
        rc = weir_aws_session_whoami(s, arn, cap, err);
    }
    weir_aws_session_free(s);
    return rc;
}
