/*
 * Secrets Manager through a session whose environment is a table and whose
 * transport is a fake: references (name, ARN with its region, #field), the
 * request body, SecretString / SecretBinary, and the errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "aws/secrets.h"
#include "tap.h"
#include "test_env.h"

struct fake {
    const char *status_body; /* response body */
    long status;
    char url[256];
    char body[1024];
    char auth[1024];
    int calls;
};

static int transport(void *ctx, const struct weir_aws_http_request *req,
                     struct weir_aws_http_response *resp, struct weir_error *err)
{
    struct fake *f = ctx;
    (void)err;
    f->calls++;
    snprintf(f->url, sizeof(f->url), "%s", req->url);
    snprintf(f->body, sizeof(f->body), "%.*s", (int)req->body_len, (const char *)req->body);
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, "Authorization") == 0) {
            snprintf(f->auth, sizeof(f->auth), "%s", req->headers[i].value);
        }
    }
    resp->status = f->status;
    weir_bytes_puts(&resp->body, f->status_body);
    return WEIR_OK;
}

static const char *env[] = {"AWS_ACCESS_KEY_ID", "AKIDTEST", "AWS_SECRET_ACCESS_KEY", "secret",
                            "AWS_REGION", "eu-west-1", "AWS_EC2_METADATA_DISABLED", "true",
                            "AWS_CONFIG_FILE", "/nonexistent", NULL};

static int get(struct fake *f, const char *ref, const char *stage, char **value, size_t *len,
               struct weir_error *err)
{
    struct weir_aws_http_options o;
    memset(&o, 0, sizeof(o));
    o.transport = transport;
    o.transport_ctx = f;
    o.clock = clock0;
    o.max_attempts = 1;
    struct weir_aws_session_options so = {table_getenv, env, &o};
    struct weir_aws_session *s = NULL;
    int rc = weir_aws_session_new(&so, &s, err);
    if (rc == WEIR_OK) {
        rc = weir_aws_secret_fetch(s, ref, stage, value, len, err);
    }
    weir_aws_session_free(s);
    return rc;
}

static void release(char *v, size_t n)
{
    if (v != NULL) {
        OPENSSL_cleanse(v, n);
        free(v);
    }
}

int main(void)
{
    struct weir_error err;
    char *v = NULL;
    size_t n = 0;

    struct fake f = {"{\"Name\":\"db\",\"SecretString\":\"{\\\"user\\\":\\\"u\\\",\\\"pw\\\":"
                     "\\\"p\\u00e9\\\",\\\"port\\\":5432,\\\"ssl\\\":true}\"}", 200, "", "", "", 0};
    TAP_EQ_INT(get(&f, "db", NULL, &v, &n, &err), WEIR_OK, "by name");
    TAP_EQ_STR(v, "{\"user\":\"u\",\"pw\":\"p\xc3\xa9\",\"port\":5432,\"ssl\":true}",
               "SecretString returned whole");
    TAP_EQ_INT(n, strlen(v), "length");
    release(v, n);
    TAP_EQ_STR(f.url, "https://secretsmanager.eu-west-1.amazonaws.com/",
               "endpoint from AWS_REGION");
    TAP_EQ_STR(f.body, "{\"SecretId\":\"db\"}", "no VersionStage when NULL (AWSCURRENT)");
    TAP_OK(strstr(f.auth, "Credential=AKIDTEST/20231114/eu-west-1/secretsmanager/aws4_request")
               != NULL, "signed for secretsmanager in eu-west-1");

    TAP_EQ_INT(get(&f, "db#pw", "AWSPENDING", &v, &n, &err), WEIR_OK, "#field");
    TAP_EQ_STR(v, "p\xc3\xa9", "string field, UTF-8 kept");
    release(v, n);
    TAP_EQ_STR(f.body, "{\"SecretId\":\"db\",\"VersionStage\":\"AWSPENDING\"}",
               "VersionStage sent");
    TAP_EQ_INT(get(&f, "db#port", NULL, &v, &n, &err), WEIR_OK, "number field");
    TAP_EQ_STR(v, "5432", "number field as JSON text");
    release(v, n);
    TAP_EQ_INT(get(&f, "db#ssl", NULL, &v, &n, &err), WEIR_OK, "boolean field");
    TAP_EQ_STR(v, "true", "boolean field as JSON text");
    release(v, n);
    TAP_EQ_INT(get(&f, "db#nope", NULL, &v, &n, &err), WEIR_ECONFIG, "missing field");
    TAP_EQ_STR(err.message, "secret db has no field nope", "missing field message");
    TAP_OK(v == NULL, "no value on error");

    TAP_EQ_INT(get(&f, "arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:db-AbCdEf#user",
                   NULL, &v, &n, &err), WEIR_OK, "ARN#field");
    release(v, n);
    TAP_EQ_STR(f.url, "https://secretsmanager.ap-southeast-2.amazonaws.com/",
               "the ARN's region picks the endpoint");
    TAP_OK(strstr(f.auth, "/ap-southeast-2/secretsmanager/") != NULL, "and the signing region");
    TAP_OK(strstr(f.body, "\"SecretId\":\"arn:aws:secretsmanager:ap-southeast-2:123456789012:"
                          "secret:db-AbCdEf\"") != NULL, "SecretId is the ARN without #field");

    f.calls = 0;
    TAP_EQ_INT(get(&f, "#x", NULL, &v, &n, &err), WEIR_ECONFIG, "empty name refused");
    TAP_EQ_INT(get(&f, "db#", NULL, &v, &n, &err), WEIR_ECONFIG, "empty field refused");
    TAP_EQ_INT(get(&f, "arn:aws:secretsmanager", NULL, &v, &n, &err), WEIR_ECONFIG,
               "truncated ARN refused");
    TAP_EQ_INT(f.calls, 0, "bad references never reach the network");

    struct fake b = {"{\"Name\":\"bin\",\"SecretBinary\":\"AP8AYQ==\"}", 200, "", "", "", 0};
    TAP_EQ_INT(get(&b, "bin", NULL, &v, &n, &err), WEIR_OK, "SecretBinary");
    TAP_OK(n == 4 && memcmp(v, "\x00\xff\x00" "a", 4) == 0, "base64 decoded with NULs (len %zu)",
           n);
    release(v, n);
    struct fake p = {"{\"SecretString\":\"plain\"}", 200, "", "", "", 0};
    TAP_EQ_INT(get(&p, "p#f", NULL, &v, &n, &err), WEIR_ECONFIG, "#field of a non-JSON secret");

    struct fake nf = {"{\"__type\":\"ResourceNotFoundException\",\"message\":\"Secrets Manager "
                      "can't find the specified secret.\"}", 400, "", "", "", 0};
    TAP_EQ_INT(get(&nf, "gone", NULL, &v, &n, &err), WEIR_ENOINPUT, "missing secret: noinput");
    TAP_OK(strncmp(err.message, "secret gone not found", 21) == 0, "message: %s", err.message);
    TAP_OK(strstr(err.detail, "ResourceNotFoundException") != NULL, "detail has the code");
    struct fake ad = {"{\"__type\":\"AccessDeniedException\",\"message\":\"no\"}", 400, "", "",
                      "", 0};
    TAP_EQ_INT(get(&ad, "x", NULL, &v, &n, &err), WEIR_EAUTH, "access denied: auth");
    TAP_OK(strstr(err.hint, "secretsmanager:GetSecretValue") != NULL, "hint names the action");
    struct fake bad = {"not json", 200, "", "", "", 0};
    TAP_EQ_INT(get(&bad, "x", NULL, &v, &n, &err), WEIR_EUNAVAILABLE, "non-JSON response");
    struct fake none = {"{\"Name\":\"x\"}", 200, "", "", "", 0};
    TAP_EQ_INT(get(&none, "x", NULL, &v, &n, &err), WEIR_EUNAVAILABLE,
               "neither SecretString nor SecretBinary");
    return tap_done();
}
