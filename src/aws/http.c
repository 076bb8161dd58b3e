/*
 * Retry policy after the AWS SDKs' "standard" mode: max 3 attempts, capped
 * exponential backoff with full jitter (the "Exponential Backoff And Jitter"
 * AWS architecture note), retry on transient network errors, 5xx and the
 * throttling codes.
 */
#include "aws/http.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "aws/parse.h"

struct weir_aws_http {
    struct weir_aws_http_options o;
    CURL *curl;
    char *ca_file;
};

/* ---- responses ------------------------------------------------------------------------------ */

void weir_aws_http_response_init(struct weir_aws_http_response *r)
{
    memset(r, 0, sizeof(*r));
    weir_bytes_init(&r->body, 0);
    weir_bytes_init(&r->headers, 256 * 1024);
}

void weir_aws_http_response_reset(struct weir_aws_http_response *r)
{
    size_t max = r->body.max;
    weir_bytes_reset(&r->body, 1);
    weir_bytes_reset(&r->headers, 0);
    r->body.max = max;
    r->status = 0;
    r->request_id[0] = '\0';
    r->aws_code[0] = '\0';
    r->aws_message[0] = '\0';
}

int weir_aws_http_header(const struct weir_aws_http_response *r, const char *name, char *out,
                         size_t cap)
{
    size_t nl = strlen(name);
    const char *p = r->headers.data;
    if (p == NULL) {
        return 0;
    }
    while (*p != '\0') {
        const char *eol = strchr(p, '\n');
        size_t ll = eol != NULL ? (size_t)(eol - p) : strlen(p);
        if (ll > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            const char *e = p + ll;
            while (v < e && (*v == ' ' || *v == '\t')) {
                v++;
            }
            while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) {
                e--;
            }
            snprintf(out, cap, "%.*s", (int)(e - v), v);
            return 1;
        }
        if (eol == NULL) {
            break;
        }
        p = eol + 1;
    }
    return 0;
}

/* ---- libcurl transport ---------------------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct weir_aws_http_response *r = ud;
    size_t len = size * n;
    return weir_bytes_append(&r->body, data, len) == 0 ? len : 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    struct weir_aws_http_response *r = ud;
    size_t len = size * n;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new status line (after 100 Continue): forget the interim headers. */
        weir_bytes_reset(&r->headers, 0);
    }
    return weir_bytes_append(&r->headers, data, len) == 0 ? len : 0;
}

static int curl_transport(void *ctx, const struct weir_aws_http_request *req,
                          struct weir_aws_http_response *resp, struct weir_error *err)
{
    struct weir_aws_http *c = ctx;
    CURL *h = c->curl;
    struct curl_slist *hl = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    int rc = WEIR_OK;
    int have_ct = 0;

    curl_easy_reset(h); /* keeps the connection cache */
    for (size_t i = 0; i < req->n_headers; i++) {
        char line[16384];
        int w = snprintf(line, sizeof(line), "%s: %s", req->headers[i].name,
                         req->headers[i].value);
        if (w < 0 || (size_t)w >= sizeof(line)) {
            rc = weir_error_set(err, WEIR_EINTERNAL, "request header %s too long",
                                req->headers[i].name);
            goto done;
        }
        have_ct |= strcasecmp(req->headers[i].name, "content-type") == 0;
        struct curl_slist *n = curl_slist_append(hl, line);
        if (n == NULL) {
            rc = weir_error_set(err, WEIR_ENOMEM, "out of memory building request headers");
            goto done;
        }
        hl = n;
    }
    /* Headers libcurl would add on its own and that nobody signed. */
    const char *suppress[] = {"Expect:", "Accept:", have_ct ? NULL : "Content-Type:"};
    for (size_t i = 0; i < 3; i++) {
        if (suppress[i] != NULL) {
            struct curl_slist *n = curl_slist_append(hl, suppress[i]);
            if (n == NULL) {
                rc = weir_error_set(err, WEIR_ENOMEM, "out of memory building request headers");
                goto done;
            }
            hl = n;
        }
    }
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_file != NULL) {
        curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    }
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
    if (strcmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(req->method, "GET") == 0 && req->body_len == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }

    CURLcode cc = curl_easy_perform(h);
    if (cc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
        goto done;
    }
    const char *why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc);
    switch (cc) {
    case CURLE_WRITE_ERROR:
        rc = weir_error_set(err, WEIR_ENOMEM, "response from %s larger than %zu bytes", req->url,
                            resp->body.max);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        rc = weir_error_set(err, WEIR_EUNAVAILABLE, "TLS verification failed for %s", req->url);
        weir_error_detail(err, "%s", why);
        weir_error_hint(err, "check the system CA bundle and the endpoint's certificate");
        break;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        rc = weir_error_set(err, WEIR_ECONFIG, "bad endpoint URL %s", req->url);
        weir_error_detail(err, "%s", why);
        break;
    default:
        rc = weir_error_set(err, WEIR_ETEMPFAIL, "cannot reach %s", req->url);
        weir_error_detail(err, "%s", why);
        break;
    }
done:
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hl);
    return rc;
}

/* ---- default seams -------------------------------------------------------------------------- */

static double default_random(void *ctx)
{
    (void)ctx;
    uint64_t v = 0;
    if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1) {
        return 0.5;
    }
    return (double)(v >> 11) / 9007199254740992.0; /* 2^53 */
}

static void default_sleep(void *ctx, long ms)
{
    (void)ctx;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int64_t default_clock(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

/* ---- client --------------------------------------------------------------------------------- */

int weir_aws_http_new(const struct weir_aws_http_options *o, struct weir_aws_http **out,
                      struct weir_error *err)
{
    struct weir_aws_http *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (c == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory creating the HTTP client");
    }
    if (o != NULL) {
        c->o = *o;
    }
    struct weir_aws_http_options *p = &c->o;
    p->connect_timeout_ms = p->connect_timeout_ms > 0 ? p->connect_timeout_ms : 5000;
    p->timeout_ms = p->timeout_ms > 0 ? p->timeout_ms : 60000;
    p->max_response = p->max_response > 0 ? p->max_response : ((size_t)16 << 20);
    p->max_attempts = p->max_attempts > 0 ? p->max_attempts : 3;
    p->base_delay_ms = p->base_delay_ms > 0 ? p->base_delay_ms : 100;
    p->max_delay_ms = p->max_delay_ms > 0 ? p->max_delay_ms : 20000;
    if (p->random == NULL) {
        p->random = default_random;
    }
    if (p->sleep == NULL) {
        p->sleep = default_sleep;
    }
    if (p->clock == NULL) {
        p->clock = default_clock;
    }
    if (p->ca_file != NULL) {
        c->ca_file = strdup(p->ca_file);
        p->ca_file = c->ca_file;
        if (c->ca_file == NULL) {
            free(c);
            return weir_error_set(err, WEIR_ENOMEM, "out of memory creating the HTTP client");
        }
    }
    /* Options copied from another client name its libcurl transport: this
     * client gets a handle of its own (with its own timeouts). */
    if (p->transport == NULL || p->transport == curl_transport) {
        pthread_once(&curl_once, curl_init);
        c->curl = curl_init_rc == 0 ? curl_easy_init() : NULL;
        if (c->curl == NULL) {
            free(c->ca_file);
            free(c);
            return weir_error_set(err, WEIR_EINTERNAL, "cannot initialise libcurl");
        }
        p->transport = curl_transport;
        p->transport_ctx = c;
    }
    *out = c;
    return WEIR_OK;
}

void weir_aws_http_free(struct weir_aws_http *c)
{
    if (c == NULL) {
        return;
    }
    if (c->curl != NULL) {
        curl_easy_cleanup(c->curl);
    }
    free(c->ca_file);
    free(c);
}

const struct weir_aws_http_options *weir_aws_http_options(const struct weir_aws_http *c)
{
    return &c->o;
}

int64_t weir_aws_http_now(const struct weir_aws_http *c)
{
    return c->o.clock(c->o.clock_ctx);
}

/* ---- policy --------------------------------------------------------------------------------- */

static int in_list(const char *code, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strcmp(code, list[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char *const throttling_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException", NULL};
static const char *const transient_codes[] = {
    "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
    "InternalServiceError", "InternalServiceException", "ServiceUnavailable", NULL};
static const char *const auth_codes[] = {
    "AccessDenied", "AccessDeniedException", "UnrecognizedClientException",
    "InvalidSignatureException", "SignatureDoesNotMatch", "InvalidClientTokenId",
    "ExpiredToken", "ExpiredTokenException", "InvalidAccessKeyId", "IncompleteSignature",
    "MissingAuthenticationToken", "MissingAuthenticationTokenException", "AuthFailure",
    "InvalidToken", "RequestExpired", "RequestTimeTooSkewed", "InvalidIdentityToken",
    "KMSAccessDeniedException", NULL};
static const char *const notfound_codes[] = {
    "ResourceNotFoundException", "NoSuchKey", "NoSuchBucket", "NoSuchUpload",
    "EntityNotFoundException", "NotFound", "NotFoundException", "NoSuchEntity", NULL};

int weir_aws_http_retryable(long http_status, const char *aws_code, int transport_status)
{
    if (transport_status != WEIR_OK) {
        return transport_status == WEIR_ETEMPFAIL;
    }
    if (aws_code != NULL && (in_list(aws_code, throttling_codes) ||
                             in_list(aws_code, transient_codes))) {
        return 1;
    }
    return http_status >= 500 || http_status == 429;
}

long weir_aws_http_backoff_ms(const struct weir_aws_http_options *o, int retry, double r)
{
    long cap = o->max_delay_ms;
    long d = o->base_delay_ms;
    for (int i = 1; i < retry && d < cap; i++) {
        d *= 2;
    }
    if (d > cap) {
        d = cap;
    }
    if (r < 0) {
        r = 0;
    }
    if (r >= 1) {
        r = 0.999999;
    }
    return (long)(r * (double)d);
}

int weir_aws_http_map_status(long http_status, const char *aws_code)
{
    if (weir_aws_http_retryable(http_status, aws_code, WEIR_OK)) {
        return WEIR_ETEMPFAIL;
    }
    if (aws_code != NULL && in_list(aws_code, auth_codes)) {
        return WEIR_EAUTH;
    }
    if (aws_code != NULL && in_list(aws_code, notfound_codes)) {
        return WEIR_ENOINPUT;
    }
    if (http_status == 401 || http_status == 403) {
        return WEIR_EAUTH;
    }
    if (http_status == 404) {
        return WEIR_ENOINPUT;
    }
    return WEIR_EUNAVAILABLE;
}

/* ---- the call ------------------------------------------------------------------------------- */

static void parse_error(struct weir_aws_http_response *resp)
{
    char etype[256] = "";
    weir_aws_http_header(resp, "x-amzn-ErrorType", etype, sizeof(etype));
    weir_aws_error_parse(resp->body.data, resp->body.len, etype, resp->aws_code,
                         sizeof(resp->aws_code), resp->aws_message, sizeof(resp->aws_message),
                         resp->request_id, sizeof(resp->request_id));
}

static void fill_request_id(struct weir_aws_http_response *resp)
{
    if (!weir_aws_http_header(resp, "x-amzn-RequestId", resp->request_id,
                              sizeof(resp->request_id))) {
        weir_aws_http_header(resp, "x-amz-request-id", resp->request_id,
                             sizeof(resp->request_id));
    }
}

int weir_aws_http_call(struct weir_aws_http *c, const char *what, struct weir_aws_http_request *req,
                       weir_aws_prepare_fn prepare, void *prepare_ctx,
                       struct weir_aws_http_response *resp, struct weir_error *err)
{
    const struct weir_aws_http_options *o = &c->o;
    struct weir_error terr;
    int trc = WEIR_OK;
    weir_error_clear(&terr);
    resp->body.max = o->max_response;
    for (int attempt = 1;; attempt++) {
        weir_aws_http_response_reset(resp);
        resp->attempts = attempt;
        if (prepare != NULL) {
            int rc = prepare(prepare_ctx, attempt, req, err);
            if (rc != WEIR_OK) {
                return rc;
            }
        }
        weir_error_clear(&terr);
        trc = o->transport(o->transport_ctx, req, resp, &terr);
        if (trc == WEIR_OK) {
            fill_request_id(resp);
            if (resp->status >= 200 && resp->status < 300) {
                return WEIR_OK;
            }
            parse_error(resp);
        }
        if (attempt >= o->max_attempts ||
            !weir_aws_http_retryable(resp->status, resp->aws_code, trc)) {
            break;
        }
        o->sleep(o->sleep_ctx, weir_aws_http_backoff_ms(o, attempt, o->random(o->random_ctx)));
    }

    if (trc != WEIR_OK) {
        weir_error_set(err, trc, "%s failed: %s", what, terr.message);
        weir_error_detail(err, "%s%s(%d attempt%s)", terr.detail, terr.detail[0] ? " " : "",
                          resp->attempts, resp->attempts == 1 ? "" : "s");
        if (terr.hint[0] != '\0') {
            weir_error_hint(err, "%s", terr.hint);
        } else if (trc == WEIR_ETEMPFAIL) {
            weir_error_hint(err, "check the endpoint and network, then retry");
        }
        return trc;
    }
    int st = weir_aws_http_map_status(resp->status, resp->aws_code);
    weir_error_set(err, st, "%s failed: %s%s%s", what,
                   resp->aws_code[0] ? resp->aws_code : "HTTP error",
                   resp->aws_message[0] ? ": " : "", resp->aws_message);
    weir_error_detail(err, "AWS error code %s, request id %s, HTTP status %ld, %d attempt%s",
                      resp->aws_code[0] ? resp->aws_code : "(none)",
                      resp->request_id[0] ? resp->request_id : "(none)", resp->status,
                      resp->attempts, resp->attempts == 1 ? "" : "s");
    switch (st) {
    case WEIR_EAUTH:
        weir_error_hint(err, "check the AWS credentials, the clock and the IAM policy");
        break;
    case WEIR_ETEMPFAIL:
        weir_error_hint(err, "the service is throttling or failing; retry later");
        break;
    default:
        break;
    }
    return st;
}
