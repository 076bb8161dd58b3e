/*
 * The AWS HTTP layer with an injected transport, random source, sleep and
 * clock: retry policy (which errors retry, backoff bounds, jitter range, max
 * attempts), error parsing of JSON and XML bodies and its status mapping,
 * signed requests re-signed at each attempt, endpoints from the environment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/config.h"
#include "aws/http.h"
#include "aws/parse.h"
#include "aws/request.h"
#include "tap.h"
#include "test_env.h"

/* ---- a scripted transport ------------------------------------------------------------------- */

struct step {
    int rc;              /* transport status; WEIR_OK when a response comes back */
    long status;
    const char *headers; /* raw header block */
    const char *body;
};

struct script {
    const struct step *steps;
    int n;
    int calls;
    char last_headers[4][2048]; /* "name: value\n" of the last 4 requests */
    char last_url[512];
    long sleeps[16];
    int n_sleeps;
    double r;
    int64_t now;
    int64_t tick; /* clock advance per read */
};

static int scripted(void *ctx, const struct weir_aws_http_request *req,
                    struct weir_aws_http_response *resp, struct weir_error *err)
{
    struct script *s = ctx;
    int i = s->calls++;
    char *h = s->last_headers[i % 4];
    size_t o = 0;
    h[0] = '\0';
    for (size_t k = 0; k < req->n_headers && o < 1900; k++) {
        o += (size_t)snprintf(h + o, 2048 - o, "%s: %s\n", req->headers[k].name,
                              req->headers[k].value);
    }
    snprintf(s->last_url, sizeof(s->last_url), "%s", req->url);
    if (i >= s->n) {
        return weir_error_set(err, WEIR_EINTERNAL, "script exhausted");
    }
    const struct step *st = &s->steps[i];
    if (st->rc != WEIR_OK) {
        return weir_error_set(err, st->rc, "scripted transport failure");
    }
    resp->status = st->status;
    if (st->headers != NULL) {
        weir_bytes_puts(&resp->headers, st->headers);
    }
    if (st->body != NULL && weir_bytes_puts(&resp->body, st->body) != 0) {
        return weir_error_set(err, WEIR_ENOMEM, "response larger than %zu bytes", resp->body.max);
    }
    return WEIR_OK;
}

static double fixed_random(void *ctx)
{
    return ((struct script *)ctx)->r;
}

static void record_sleep(void *ctx, long ms)
{
    struct script *s = ctx;
    if (s->n_sleeps < 16) {
        s->sleeps[s->n_sleeps++] = ms;
    }
}

static int64_t script_clock(void *ctx)
{
    struct script *s = ctx;
    int64_t t = s->now;
    s->now += s->tick;
    return t;
}

static struct weir_aws_http *client(struct script *s, int max_attempts)
{
    struct weir_aws_http_options o;
    memset(&o, 0, sizeof(o));
    o.max_attempts = max_attempts;
    o.transport = scripted;
    o.transport_ctx = s;
    o.random = fixed_random;
    o.random_ctx = s;
    o.sleep = record_sleep;
    o.sleep_ctx = s;
    o.clock = script_clock;
    o.clock_ctx = s;
    o.max_response = 256;
    struct weir_aws_http *c = NULL;
    struct weir_error err;
    if (weir_aws_http_new(&o, &c, &err) != WEIR_OK) {
        printf("# %s\n", err.message);
        exit(1);
    }
    return c;
}

#define JSON_ERR(code) "{\"__type\":\"" code "\",\"message\":\"m\"}"
#define RID "x-amzn-RequestId: 11111111-2222-3333-4444-555555555555\r\n"

static int call(struct script *s, int max_attempts, struct weir_aws_http_response *resp,
                struct weir_error *err)
{
    struct weir_aws_http *c = client(s, max_attempts);
    struct weir_aws_http_request req = {"POST", "https://x.test/", NULL, 0, "{}", 2};
    weir_aws_http_response_reset(resp);
    int rc = weir_aws_http_call(c, "svc Op", &req, NULL, NULL, resp, err);
    weir_aws_http_free(c);
    return rc;
}

static void test_policy(void)
{
    struct weir_aws_http_options o;
    memset(&o, 0, sizeof(o));
    o.base_delay_ms = 100;
    o.max_delay_ms = 20000;
    TAP_EQ_INT(weir_aws_http_backoff_ms(&o, 1, 0.0), 0, "backoff: r=0 gives 0");
    TAP_EQ_INT(weir_aws_http_backoff_ms(&o, 1, 0.999999), 99, "backoff retry 1 < base (100)");
    TAP_EQ_INT(weir_aws_http_backoff_ms(&o, 2, 0.999999), 199, "backoff retry 2 < 2*base");
    TAP_EQ_INT(weir_aws_http_backoff_ms(&o, 3, 0.5), 200, "backoff retry 3, r=0.5: 200");
    TAP_EQ_INT(weir_aws_http_backoff_ms(&o, 9, 0.999999), 19999, "backoff capped at max (20 s)");
    TAP_EQ_INT(weir_aws_http_backoff_ms(&o, 60, 0.5), 10000, "backoff cap holds for huge retry "
                                                             "counts");

    /* Full jitter with the real random source: uniform over [0, cap). */
    struct weir_aws_http *c = NULL;
    struct weir_error err;
    weir_aws_http_new(NULL, &c, &err);
    const struct weir_aws_http_options *d = weir_aws_http_options(c);
    TAP_EQ_INT(d->max_attempts, 3, "default max attempts 3");
    long lo = 1 << 30, hi = -1;
    double sum = 0;
    int out_of_range = 0;
    for (int i = 0; i < 2000; i++) {
        long v = weir_aws_http_backoff_ms(d, 3, d->random(d->random_ctx));
        out_of_range += v < 0 || v >= 400;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        sum += (double)v;
    }
    TAP_EQ_INT(out_of_range, 0, "jitter: 2000 draws all in [0, 400)");
    TAP_OK(lo < 20 && hi > 380, "jitter spans the range (min %ld, max %ld)", lo, hi);
    TAP_OK(sum / 2000 > 180 && sum / 2000 < 220, "jitter mean near 200 (%.1f)", sum / 2000);
    weir_aws_http_free(c);

    static const struct {
        long status;
        const char *code;
        int transport;
        int retry;
        int mapped;
    } cases[] = {
        {500, "", WEIR_OK, 1, WEIR_ETEMPFAIL},
        {502, "", WEIR_OK, 1, WEIR_ETEMPFAIL},
        {503, "SlowDown", WEIR_OK, 1, WEIR_ETEMPFAIL},
        {429, "", WEIR_OK, 1, WEIR_ETEMPFAIL},
        {400, "ThrottlingException", WEIR_OK, 1, WEIR_ETEMPFAIL},
        {400, "Throttling", WEIR_OK, 1, WEIR_ETEMPFAIL},
        {400, "RequestLimitExceeded", WEIR_OK, 1, WEIR_ETEMPFAIL},
        {400, "TooManyRequestsException", WEIR_OK, 1, WEIR_ETEMPFAIL},
        {400, "RequestTimeout", WEIR_OK, 1, WEIR_ETEMPFAIL},
        {400, "ValidationException", WEIR_OK, 0, WEIR_EUNAVAILABLE},
        {400, "SerializationException", WEIR_OK, 0, WEIR_EUNAVAILABLE},
        {403, "AccessDenied", WEIR_OK, 0, WEIR_EAUTH},
        {400, "AccessDeniedException", WEIR_OK, 0, WEIR_EAUTH},
        {400, "UnrecognizedClientException", WEIR_OK, 0, WEIR_EAUTH},
        {403, "InvalidSignatureException", WEIR_OK, 0, WEIR_EAUTH},
        {403, "SignatureDoesNotMatch", WEIR_OK, 0, WEIR_EAUTH},
        {400, "ExpiredTokenException", WEIR_OK, 0, WEIR_EAUTH},
        {400, "ResourceNotFoundException", WEIR_OK, 0, WEIR_ENOINPUT},
        {404, "NoSuchKey", WEIR_OK, 0, WEIR_ENOINPUT},
        {400, "EntityNotFoundException", WEIR_OK, 0, WEIR_ENOINPUT},
        {404, "", WEIR_OK, 0, WEIR_ENOINPUT},
        {403, "", WEIR_OK, 0, WEIR_EAUTH},
        {409, "ConflictException", WEIR_OK, 0, WEIR_EUNAVAILABLE},
        {0, "", WEIR_ETEMPFAIL, 1, -1},
        {0, "", WEIR_EUNAVAILABLE, 0, -1},
        {0, "", WEIR_ENOMEM, 0, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        TAP_EQ_INT(weir_aws_http_retryable(cases[i].status, cases[i].code, cases[i].transport),
                   cases[i].retry, "retryable?");
        printf("#   status %ld code \"%s\" transport %d\n", cases[i].status, cases[i].code,
               cases[i].transport);
        if (cases[i].mapped >= 0) {
            TAP_EQ_INT(weir_aws_http_map_status(cases[i].status, cases[i].code), cases[i].mapped,
                       "mapped status");
        }
    }
}

static void test_calls(void)
{
    struct weir_aws_http_response resp;
    struct weir_error err;
    weir_aws_http_response_init(&resp);

    const struct step two500[] = {{WEIR_OK, 500, RID, JSON_ERR("InternalFailure")},
                                  {WEIR_OK, 500, RID, JSON_ERR("InternalFailure")},
                                  {WEIR_OK, 200, RID, "{\"ok\":1}"}};
    struct script s = {two500, 3, 0, {{0}}, "", {0}, 0, 0.5, 0, 0};
    int rc = call(&s, 3, &resp, &err);
    TAP_EQ_INT(rc, WEIR_OK, "500, 500, 200: success");
    TAP_EQ_INT(resp.attempts, 3, "three attempts");
    TAP_EQ_INT(s.n_sleeps, 2, "two backoff sleeps");
    TAP_OK(s.sleeps[0] == 50 && s.sleeps[1] == 100, "sleeps are r * base * 2^(n-1): %ld, %ld",
           s.sleeps[0], s.sleeps[1]);
    TAP_EQ_STR(resp.body.data, "{\"ok\":1}", "body of the successful attempt");

    const struct step throttled[] = {
        {WEIR_OK, 400, RID, JSON_ERR("ThrottlingException")},
        {WEIR_OK, 400, RID, JSON_ERR("ThrottlingException")},
        {WEIR_OK, 400, RID, JSON_ERR("ThrottlingException")},
        {WEIR_OK, 200, NULL, "{}"}};
    struct script t = {throttled, 4, 0, {{0}}, "", {0}, 0, 0.25, 0, 0};
    rc = call(&t, 3, &resp, &err);
    TAP_EQ_INT(rc, WEIR_ETEMPFAIL, "throttled 3 times with max 3: tempfail");
    TAP_EQ_INT(t.calls, 3, "no fourth attempt");
    TAP_EQ_STR(err.message, "svc Op failed: ThrottlingException: m", "message names the code");
    TAP_EQ_STR(err.detail, "AWS error code ThrottlingException, request id "
                           "11111111-2222-3333-4444-555555555555, HTTP status 400, 3 attempts",
               "detail has code, request id, status and attempts");

    struct script t5 = {throttled, 4, 0, {{0}}, "", {0}, 0, 0.25, 0, 0};
    rc = call(&t5, 5, &resp, &err);
    TAP_EQ_INT(rc, WEIR_OK, "max attempts 5: the fourth attempt succeeds");
    TAP_EQ_INT(t5.calls, 4, "four attempts");

    const struct step net[] = {{WEIR_ETEMPFAIL, 0, NULL, NULL}, {WEIR_OK, 200, NULL, "{}"}};
    struct script n = {net, 2, 0, {{0}}, "", {0}, 0, 0.5, 0, 0};
    TAP_EQ_INT(call(&n, 3, &resp, &err), WEIR_OK, "connection error retried");

    const struct step netdown[] = {{WEIR_ETEMPFAIL, 0, NULL, NULL}, {WEIR_ETEMPFAIL, 0, NULL, NULL}};
    struct script nd = {netdown, 2, 0, {{0}}, "", {0}, 0, 0.5, 0, 0};
    TAP_EQ_INT(call(&nd, 2, &resp, &err), WEIR_ETEMPFAIL, "network down: tempfail");
    TAP_EQ_STR(err.message, "svc Op failed: scripted transport failure",
               "network error message");

    const struct step bad[] = {{WEIR_OK, 400, RID, JSON_ERR("ValidationException")}};
    struct script b = {bad, 1, 0, {{0}}, "", {0}, 0, 0.5, 0, 0};
    TAP_EQ_INT(call(&b, 3, &resp, &err), WEIR_EUNAVAILABLE, "validation error: unavailable");
    TAP_OK(b.calls == 1 && b.n_sleeps == 0, "validation error not retried");

    char bigbody[300];
    memset(bigbody, 'x', sizeof(bigbody) - 1);
    bigbody[sizeof(bigbody) - 1] = '\0';
    const struct step big[] = {{WEIR_OK, 200, NULL, bigbody}};
    struct script g = {big, 1, 0, {{0}}, "", {0}, 0, 0.5, 0, 0};
    TAP_EQ_INT(call(&g, 3, &resp, &err), WEIR_ENOMEM, "body over max_response (256): enomem");
    TAP_EQ_INT(g.calls, 1, "an oversized body is not retried");

    const struct step s3err[] = {{WEIR_OK, 404, "x-amz-request-id: S3REQ123\r\n",
                                  "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>"
                                  "The specified key does not exist.</Message><RequestId>XMLREQ"
                                  "</RequestId></Error>"}};
    struct script x = {s3err, 1, 0, {{0}}, "", {0}, 0, 0.5, 0, 0};
    TAP_EQ_INT(call(&x, 3, &resp, &err), WEIR_ENOINPUT, "S3 NoSuchKey: noinput");
    TAP_EQ_STR(resp.aws_code, "NoSuchKey", "XML <Code>");
    TAP_EQ_STR(resp.aws_message, "The specified key does not exist.", "XML <Message>");
    TAP_EQ_STR(resp.request_id, "S3REQ123", "x-amz-request-id header beats the body");

    const struct step qerr[] = {{WEIR_OK, 403, NULL,
                                 "<ErrorResponse><Error><Type>Sender</Type><Code>"
                                 "InvalidClientTokenId</Code><Message>bad &amp; token</Message>"
                                 "</Error><RequestId>QREQ-1</RequestId></ErrorResponse>"}};
    struct script q = {qerr, 1, 0, {{0}}, "", {0}, 0, 0.5, 0, 0};
    TAP_EQ_INT(call(&q, 3, &resp, &err), WEIR_EAUTH, "query-protocol InvalidClientTokenId: auth");
    TAP_EQ_STR(resp.aws_message, "bad & token", "XML entities decoded");
    TAP_EQ_STR(resp.request_id, "QREQ-1", "request id from <RequestId> without a header");

    const struct step hdr[] = {{WEIR_OK, 400, "X-Amzn-ErrorType: ResourceNotFoundException:"
                                              "http://internal.amazon.com/x\r\n", ""}};
    struct script hh = {hdr, 1, 0, {{0}}, "", {0}, 0, 0.5, 0, 0};
    TAP_EQ_INT(call(&hh, 3, &resp, &err), WEIR_ENOINPUT, "code from x-amzn-ErrorType header");
    TAP_EQ_STR(resp.aws_code, "ResourceNotFoundException", "header code without its URL");
    weir_aws_http_response_reset(&resp);
}

static void test_parsers(void)
{
    char code[64], msg[128], rid[64] = "";
    const char *j = "{\"__type\":\"com.amazonaws.secretsmanager#ResourceNotFoundException\","
                    "\"Message\":\"Secrets Manager can't find the specified secret.\"}";
    weir_aws_error_parse(j, strlen(j), NULL, code, sizeof(code), msg, sizeof(msg), rid,
                         sizeof(rid));
    TAP_EQ_STR(code, "ResourceNotFoundException", "JSON __type namespace dropped");
    TAP_EQ_STR(msg, "Secrets Manager can't find the specified secret.", "JSON Message");
    const char *j2 = "{\"code\":\"AccessDenied\",\"message\":\"no\"}";
    weir_aws_error_parse(j2, strlen(j2), NULL, code, sizeof(code), msg, sizeof(msg), NULL, 0);
    TAP_EQ_STR(code, "AccessDenied", "JSON code member (ECS endpoint style)");

    char *t = weir_aws_xml_text("<a><M x=\"1\">a &amp; b &lt;c&gt; &#233;&#x263A;</M></a>", 51,
                                0, "M", NULL);
    TAP_EQ_STR(t, "a & b <c> \xc3\xa9\xe2\x98\xba", "XML text with attributes and entities");
    free(t);
    const char *rep = "<L><member>a</member><member>b</member><MemberX>c</MemberX></L>";
    size_t end = 0;
    char *m1 = weir_aws_xml_text(rep, strlen(rep), 0, "member", &end);
    char *m2 = weir_aws_xml_text(rep, strlen(rep), end, "member", &end);
    char *m3 = weir_aws_xml_text(rep, strlen(rep), end, "member", &end);
    TAP_OK(m1 && m2 && !m3 && strcmp(m1, "a") == 0 && strcmp(m2, "b") == 0,
           "XML iteration over repeated elements, <memberX> not confused");
    free(m1);
    free(m2);
    int64_t ts = 0;
    TAP_OK(weir_aws_parse_time("2019-11-09T13:34:41Z", &ts) == 0 && ts == 1573306481,
           "ISO 8601 Z time");
    TAP_OK(weir_aws_parse_time("2019-11-09T13:34:41.123Z", &ts) == 0 && ts == 1573306481,
           "ISO 8601 with fraction");
    TAP_OK(weir_aws_parse_time("2019-11-09T14:34:41+01:00", &ts) == 0 && ts == 1573306481,
           "ISO 8601 with offset");
    TAP_OK(weir_aws_parse_time("1573306481", &ts) == 0 && ts == 1573306481, "epoch seconds");
    TAP_OK(weir_aws_parse_time("2019-11-09 junk", &ts) != 0, "garbage refused");
}

/* ---- environment and endpoints -------------------------------------------------------------- */

static void test_endpoints(void)
{
    struct weir_aws_config cfg;
    struct weir_error err;
    char url[256];
    const char *env1[] = {"AWS_REGION", "eu-west-1", "AWS_DEFAULT_REGION", "us-west-2",
                          "AWS_ENDPOINT_URL", "http://127.0.0.1:4566/",
                          "AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:54580",
                          "AWS_PROFILE", "", "HOME", "/home/u", NULL};
    weir_aws_config_from_env(&cfg, table_getenv, env1, &err);
    TAP_EQ_STR(cfg.region, "eu-west-1", "AWS_REGION beats AWS_DEFAULT_REGION");
    TAP_EQ_STR(cfg.profile, "default", "empty AWS_PROFILE counts as unset");
    TAP_EQ_STR(cfg.config_file, "/home/u/.aws/config", "config file under HOME");
    weir_aws_endpoint(&cfg, WEIR_AWS_SECRETS_MANAGER, cfg.region, url, sizeof(url), &err);
    TAP_EQ_STR(url, "http://127.0.0.1:54580", "AWS_ENDPOINT_URL_SECRETS_MANAGER wins");
    weir_aws_endpoint(&cfg, WEIR_AWS_GLUE, cfg.region, url, sizeof(url), &err);
    TAP_EQ_STR(url, "http://127.0.0.1:4566", "AWS_ENDPOINT_URL for the rest, slash dropped");
    weir_aws_config_reset(&cfg);

    const char *env2[] = {"AWS_DEFAULT_REGION", "cn-north-1", "AWS_ENDPOINT_URL",
                          "http://x:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", NULL};
    weir_aws_config_from_env(&cfg, table_getenv, env2, &err);
    weir_aws_endpoint(&cfg, WEIR_AWS_S3, cfg.region, url, sizeof(url), &err);
    TAP_EQ_STR(url, "https://s3.cn-north-1.amazonaws.com.cn", "China partition; overrides ignored");
    weir_aws_endpoint(&cfg, WEIR_AWS_STS, "us-east-1", url, sizeof(url), &err);
    TAP_EQ_STR(url, "https://sts.us-east-1.amazonaws.com", "regional STS");
    TAP_EQ_INT(weir_aws_endpoint(&cfg, WEIR_AWS_KMS, NULL, url, sizeof(url), &err), WEIR_ECONFIG,
               "no region, no override: config error");
    weir_aws_config_reset(&cfg);

    const char *env3[] = {"AWS_ENDPOINT_URL_GLUE", "ftp://x", NULL};
    weir_aws_config_from_env(&cfg, table_getenv, env3, &err);
    TAP_EQ_INT(weir_aws_endpoint(&cfg, WEIR_AWS_GLUE, "us-east-1", url, sizeof(url), &err),
               WEIR_ECONFIG, "a non-http endpoint is refused");
    weir_aws_config_reset(&cfg);
}

static void test_signed_send(void)
{
    const struct step steps[] = {{WEIR_OK, 500, NULL, JSON_ERR("InternalFailure")},
                                 {WEIR_OK, 200, NULL, "{\"SecretString\":\"v\"}"}};
    struct script s = {steps, 2, 0, {{0}}, "", {0}, 0, 0.5, 1440938160, 7200};
    struct weir_aws_http *c = client(&s, 3);
    struct weir_aws_creds creds;
    struct weir_error err;
    memset(&creds, 0, sizeof(creds));
    weir_aws_creds_set(&creds, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "TOKEN",
                       0, "test", &err);
    struct weir_aws_target t = {weir_aws_service_get(WEIR_AWS_SECRETS_MANAGER),
                                "http://127.0.0.1:54580/base", "eu-west-1"};
    json_t *req = json_pack("{s:s}", "SecretId", "x"), *out = NULL;
    int rc = weir_aws_json_call(c, &t, &creds, "GetSecretValue", req, &out, &err);
    TAP_EQ_INT(rc, WEIR_OK, "JSON call succeeds on the second attempt");
    TAP_EQ_STR(json_string_value(json_object_get(out, "SecretString")), "v", "JSON response");
    TAP_EQ_STR(s.last_url, "http://127.0.0.1:54580/base/", "URL keeps the endpoint's base path");
    const char *h1 = s.last_headers[0], *h2 = s.last_headers[1];
    TAP_OK(strstr(h1, "Host: 127.0.0.1:54580\n") != NULL, "Host is the endpoint's authority");
    TAP_OK(strstr(h1, "X-Amz-Target: secretsmanager.GetSecretValue\n") != NULL, "X-Amz-Target");
    TAP_OK(strstr(h1, "Content-Type: application/x-amz-json-1.1\n") != NULL, "JSON 1.1 type");
    TAP_OK(strstr(h1, "X-Amz-Security-Token: TOKEN\n") != NULL, "session token sent");
    TAP_OK(strstr(h1, "X-Amz-Date: 20150830T123600Z\n") != NULL, "first attempt at the clock");
    TAP_OK(strstr(h2, "X-Amz-Date: 20150830T143600Z\n") != NULL,
           "second attempt signed again at the later clock (+2 h)");
    TAP_OK(strstr(h1, "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/"
                      "secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;"
                      "x-amz-security-token;x-amz-target, Signature=") != NULL,
           "Authorization scope and signed headers");
    TAP_OK(strstr(h1, "x-amz-content-sha256") == NULL, "no content hash header outside S3");
    json_decref(req);
    json_decref(out);
    weir_aws_creds_reset(&creds);
    weir_aws_http_free(c);
}

int main(void)
{
    test_policy();
    test_calls();
    test_parsers();
    test_endpoints();
    test_signed_send();
    return tap_done();
}
