#include "aws/sts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/parse.h"
#include "aws/request.h"

#define STS_VERSION "2011-06-15"

static int sts_target(const struct weir_aws_cred_ctx *ctx, struct weir_aws_target *t, char *ep,
                      size_t cap, struct weir_error *err)
{
    const char *region = ctx->config->region != NULL ? ctx->config->region : "us-east-1";
    t->service = weir_aws_service_get(WEIR_AWS_STS);
    t->region = region;
    t->endpoint = ep;
    return weir_aws_endpoint(ctx->config, WEIR_AWS_STS, region, ep, cap, err);
}

/* <Credentials> of an AssumeRole* response. */
static int creds_from_xml(const struct weir_aws_http_response *resp, const char *provider,
                          struct weir_aws_creds *out, struct weir_error *err)
{
    const char *x = resp->body.data;
    size_t n = resp->body.len;
    char *akid = weir_aws_xml_text(x, n, 0, "AccessKeyId", NULL);
    char *secret = weir_aws_xml_text(x, n, 0, "SecretAccessKey", NULL);
    char *token = weir_aws_xml_text(x, n, 0, "SessionToken", NULL);
    char *exp = weir_aws_xml_text(x, n, 0, "Expiration", NULL);
    int64_t expiration = 0;
    int rc;
    if (akid == NULL || secret == NULL || token == NULL || exp == NULL ||
        weir_aws_parse_time(exp, &expiration) != 0) {
        rc = weir_error_set(err, WEIR_EUNAVAILABLE, "%s: STS response lacks credentials", provider);
        weir_error_detail(err, "request id %s", resp->request_id[0] ? resp->request_id : "(none)");
    } else {
        rc = weir_aws_creds_set(out, akid, secret, token, expiration, provider, err);
    }
    free(akid);
    weir_aws_free_wiped(secret);
    weir_aws_free_wiped(token);
    free(exp);
    return rc;
}

int weir_aws_sts_assume_role(const struct weir_aws_cred_ctx *ctx,
                             const struct weir_aws_creds *source, const char *role_arn,
                             const char *session_name, const char *external_id, int duration,
                             const char *provider, struct weir_aws_creds *out,
                             struct weir_error *err)
{
    char ep[1024], dur[16];
    struct weir_aws_target t;
    struct weir_aws_http_response resp;
    struct weir_bytes params;
    int rc = sts_target(ctx, &t, ep, sizeof(ep), err);
    if (rc != WEIR_OK) {
        return rc;
    }
    weir_aws_http_response_init(&resp);
    weir_bytes_init(&params, 64 * 1024);
    snprintf(dur, sizeof(dur), "%d", duration > 0 ? duration : 3600);
    weir_aws_form_add(&params, "RoleArn", role_arn);
    weir_aws_form_add(&params, "RoleSessionName", session_name);
    weir_aws_form_add(&params, "DurationSeconds", dur);
    if (external_id != NULL) {
        weir_aws_form_add(&params, "ExternalId", external_id);
    }
    if ((rc = weir_bytes_check(&params, "AssumeRole request", err)) == WEIR_OK &&
        (rc = weir_aws_query_call(ctx->http, &t, source, "AssumeRole", STS_VERSION, params.data,
                                  &resp, err)) == WEIR_OK) {
        rc = creds_from_xml(&resp, provider, out, err);
    } else if (rc != WEIR_ENOMEM) {
        weir_error_hint(err, "check role_arn %s and that the source credentials may assume it",
                        role_arn);
    }
    weir_bytes_reset(&params, 0);
    weir_aws_http_response_reset(&resp);
    return rc;
}

int weir_aws_sts_assume_role_web_identity(const struct weir_aws_cred_ctx *ctx,
                                          const char *role_arn, const char *session_name,
                                          const char *token, struct weir_aws_creds *out,
                                          struct weir_error *err)
{
    char ep[1024];
    struct weir_aws_target t;
    struct weir_aws_http_response resp;
    struct weir_bytes params;
    int rc = sts_target(ctx, &t, ep, sizeof(ep), err);
    if (rc != WEIR_OK) {
        return rc;
    }
    weir_aws_http_response_init(&resp);
    weir_bytes_init(&params, 256 * 1024);
    weir_aws_form_add(&params, "RoleArn", role_arn);
    weir_aws_form_add(&params, "RoleSessionName", session_name);
    weir_aws_form_add(&params, "WebIdentityToken", token);
    if ((rc = weir_bytes_check(&params, "AssumeRoleWithWebIdentity request", err)) == WEIR_OK &&
        (rc = weir_aws_query_call(ctx->http, &t, NULL, "AssumeRoleWithWebIdentity", STS_VERSION,
                                  params.data, &resp, err)) == WEIR_OK) {
        rc = creds_from_xml(&resp, "web-identity", out, err);
    }
    weir_bytes_reset(&params, 1);
    weir_aws_http_response_reset(&resp);
    return rc;
}

int weir_aws_sts_caller_identity(const struct weir_aws_cred_ctx *ctx,
                                 const struct weir_aws_creds *creds, char *arn, size_t cap,
                                 char *account, size_t acap, struct weir_error *err)
{
    char ep[1024];
    struct weir_aws_target t;
    struct weir_aws_http_response resp;
    int rc = sts_target(ctx, &t, ep, sizeof(ep), err);
    if (rc != WEIR_OK) {
        return rc;
    }
    weir_aws_http_response_init(&resp);
    rc = weir_aws_query_call(ctx->http, &t, creds, "GetCallerIdentity", STS_VERSION, NULL, &resp,
                             err);
    if (rc == WEIR_OK) {
        if (!weir_aws_xml_copy(resp.body.data, resp.body.len, "Arn", arn, cap)) {
            rc = weir_error_set(err, WEIR_EUNAVAILABLE, "sts GetCallerIdentity: no Arn in the "
                                                        "response");
        } else if (account != NULL) {
            if (!weir_aws_xml_copy(resp.body.data, resp.body.len, "Account", account, acap)) {
                account[0] = '\0';
            }
        }
    }
    weir_aws_http_response_reset(&resp);
    return rc;
}
