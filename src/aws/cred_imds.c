/*
 * EC2 instance metadata, IMDSv2 only: PUT /latest/api/token with a TTL
 * header, then GET /latest/meta-data/iam/security-credentials/ for the role
 * name and .../<role> for the credentials, each with the session token.
 * AWS_EC2_METADATA_SERVICE_ENDPOINT moves it (tests point it at the fake);
 * AWS_EC2_METADATA_DISABLED=true turns it off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/cred.h"

#define TOKEN_TTL "21600"

struct imds_provider {
    struct weir_aws_cred_provider base;
    struct weir_aws_cred_ctx ctx;
};

static int imds_http(const struct weir_aws_cred_ctx *ctx, struct weir_aws_http **out,
                     struct weir_error *err)
{
    struct weir_aws_http_options o = *weir_aws_http_options(ctx->http);
    o.connect_timeout_ms = 1000;
    o.timeout_ms = 2000;
    o.max_attempts = 2;
    o.max_response = 64 * 1024;
    return weir_aws_http_new(&o, out, err);
}

/* Not on EC2 is the common case, not an error: unreachable becomes ENOINPUT
 * so the chain ends with its own "no credentials" message. */
static int soften(int rc, struct weir_error *err)
{
    if (rc == WEIR_ETEMPFAIL) {
        err->status = WEIR_ENOINPUT;
        return WEIR_ENOINPUT;
    }
    return rc;
}

int weir_aws_imds_get(const struct weir_aws_cred_ctx *ctx, const char *path, char **out,
                      struct weir_error *err)
{
    const struct weir_aws_config *cfg = ctx->config;
    struct weir_aws_http *http = NULL;
    struct weir_aws_http_response resp;
    char url[2048];
    char *token = NULL;
    int rc;
    *out = NULL;
    weir_aws_http_response_init(&resp);
    if (cfg->imds_disabled) {
        return weir_error_set(err, WEIR_ENOINPUT, "EC2 instance metadata is disabled");
    }
    const char *ep = cfg->imds_endpoint != NULL ? cfg->imds_endpoint : "http://169.254.169.254";
    size_t el = strlen(ep);
    while (el > 0 && ep[el - 1] == '/') {
        el--;
    }
    if ((rc = imds_http(ctx, &http, err)) != WEIR_OK) {
        goto done;
    }
    snprintf(url, sizeof(url), "%.*s/latest/api/token", (int)el, ep);
    struct weir_aws_header th[] = {{"X-aws-ec2-metadata-token-ttl-seconds", TOKEN_TTL}};
    struct weir_aws_http_request treq = {"PUT", url, th, 1, NULL, 0};
    rc = soften(weir_aws_http_call(http, "EC2 metadata token", &treq, NULL, NULL, &resp, err), err);
    if (rc != WEIR_OK) {
        goto done;
    }
    token = weir_bytes_take(&resp.body, NULL);
    weir_aws_http_response_reset(&resp);
    if (token == NULL || token[0] == '\0' || strpbrk(token, "\r\n") != NULL) {
        rc = weir_error_set(err, WEIR_EUNAVAILABLE, "EC2 metadata returned a bad session token");
        goto done;
    }
    snprintf(url, sizeof(url), "%.*s%s", (int)el, ep, path);
    struct weir_aws_header gh[] = {{"X-aws-ec2-metadata-token", token}};
    struct weir_aws_http_request greq = {"GET", url, gh, 1, NULL, 0};
    rc = soften(weir_aws_http_call(http, "EC2 metadata", &greq, NULL, NULL, &resp, err), err);
    if (rc == WEIR_OK) {
        *out = weir_bytes_take(&resp.body, NULL);
        if (*out == NULL) {
            rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
        }
    }
done:
    weir_aws_free_wiped(token);
    weir_aws_http_response_reset(&resp);
    weir_aws_http_free(http);
    return rc;
}

static int imds_get_creds(struct weir_aws_cred_provider *self, struct weir_aws_creds *out,
                          struct weir_error *err)
{
    struct imds_provider *p = (struct imds_provider *)self;
    char *roles = NULL, *body = NULL;
    char path[512];
    const char *base = "/latest/meta-data/iam/security-credentials/";
    int rc = weir_aws_imds_get(&p->ctx, base, &roles, err);
    if (rc != WEIR_OK) {
        if (rc == WEIR_ENOINPUT && err->status == WEIR_ENOINPUT) {
            weir_error_hint(err, "not on EC2, or the instance has no role");
        }
        return rc;
    }
    size_t rl = strcspn(roles, "\r\n");
    if (rl == 0 || rl > 200) {
        rc = weir_error_set(err, WEIR_EAUTH, "the EC2 instance has no IAM role attached");
        goto done;
    }
    snprintf(path, sizeof(path), "%s%.*s", base, (int)rl, roles);
    rc = weir_aws_imds_get(&p->ctx, path, &body, err);
    if (rc == WEIR_OK) {
        rc = weir_aws_creds_from_json(body, strlen(body), "imds", out, err);
    }
done:
    free(roles);
    weir_aws_free_wiped(body);
    return rc;
}

static void imds_free(struct weir_aws_cred_provider *self)
{
    free(self);
}

int weir_aws_cred_imds_new(const struct weir_aws_cred_ctx *ctx, struct weir_aws_cred_provider **out,
                           struct weir_error *err)
{
    struct imds_provider *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    p->base.name = "imds";
    p->base.get = imds_get_creds;
    p->base.free = imds_free;
    p->ctx = *ctx;
    *out = &p->base;
    return WEIR_OK;
}
