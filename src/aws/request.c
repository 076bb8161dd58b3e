#include "aws/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/parse.h"

struct send_ctx {
    struct weir_aws_http *http;
    const struct weir_aws_target *t;
    const struct weir_aws_creds *creds;
    const struct weir_aws_op *op;
    char host[256];
    const char *path; /* base path of the endpoint + op path */
    struct weir_aws_header *hdrs;
    struct weir_sigv4_result sig;
};

/* Signs again at each attempt: a retry after a long backoff must not carry
 * a stale X-Amz-Date. */
static int prepare(void *ud, int attempt, struct weir_aws_http_request *req, struct weir_error *err)
{
    struct send_ctx *c = ud;
    const struct weir_aws_op *op = c->op;
    (void)attempt;
    weir_sigv4_result_reset(&c->sig);
    size_t n = 0;
    for (size_t i = 0; i < op->n_headers; i++) {
        c->hdrs[n++] = op->headers[i];
    }
    c->hdrs[n].name = "Host";
    c->hdrs[n++].value = c->host;
    if (c->creds != NULL) {
        struct weir_sigv4_creds sc = weir_aws_creds_sigv4(c->creds);
        struct weir_sigv4_params p = {
            c->t->region != NULL ? c->t->region : "us-east-1",
            c->t->service->signing_name,
            weir_aws_http_now(c->http),
            c->t->service->sigv4_flags,
            op->payload_hash,
            0,
        };
        struct weir_sigv4_request sr = {op->method, c->path, op->query, c->hdrs, n,
                                        op->body, op->body_len};
        int rc = weir_sigv4_sign(&sr, &sc, &p, &c->sig, err);
        if (rc != WEIR_OK) {
            return rc;
        }
        c->hdrs[n].name = "X-Amz-Date";
        c->hdrs[n++].value = c->sig.amz_date;
        if (sc.session_token != NULL) {
            c->hdrs[n].name = "X-Amz-Security-Token";
            c->hdrs[n++].value = sc.session_token;
        }
        if (p.flags & WEIR_SIGV4_CONTENT_SHA256_HEADER) {
            c->hdrs[n].name = "x-amz-content-sha256";
            c->hdrs[n++].value = c->sig.payload_hash;
        }
        c->hdrs[n].name = "Authorization";
        c->hdrs[n++].value = c->sig.authorization;
    }
    req->headers = c->hdrs;
    req->n_headers = n;
    return WEIR_OK;
}

int weir_aws_send(struct weir_aws_http *http, const struct weir_aws_target *t,
                  const struct weir_aws_creds *creds, const char *what, const struct weir_aws_op *op,
                  struct weir_aws_http_response *resp, struct weir_error *err)
{
    int rc = WEIR_OK;
    struct send_ctx c;
    struct weir_bytes url, path;
    memset(&c, 0, sizeof(c));
    weir_bytes_init(&url, 64 * 1024);
    weir_bytes_init(&path, 64 * 1024);

    const char *ep = t->endpoint;
    const char *auth = strstr(ep, "://");
    if (auth == NULL) {
        rc = weir_error_set(err, WEIR_ECONFIG, "bad AWS endpoint %s", ep);
        goto done;
    }
    auth += 3;
    size_t alen = strcspn(auth, "/");
    if (alen == 0 || alen >= sizeof(c.host)) {
        rc = weir_error_set(err, WEIR_ECONFIG, "bad AWS endpoint %s", ep);
        goto done;
    }
    memcpy(c.host, auth, alen);
    c.host[alen] = '\0';
    const char *base = auth + alen;
    const char *opath = op->path != NULL ? op->path : "/";
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/') {
        blen--;
    }
    weir_bytes_append(&path, base, blen);
    weir_bytes_puts(&path, opath[0] == '/' ? opath : "/");
    if (opath[0] != '/') {
        weir_bytes_puts(&path, opath);
    }
    weir_bytes_append(&url, ep, (size_t)(base - ep));
    weir_bytes_puts(&url, path.data != NULL ? path.data : "/");
    if (op->query != NULL && op->query[0] != '\0') {
        weir_bytes_putc(&url, '?');
        weir_bytes_puts(&url, op->query);
    }
    if ((rc = weir_bytes_check(&url, "request URL", err)) != WEIR_OK ||
        (rc = weir_bytes_check(&path, "request path", err)) != WEIR_OK) {
        goto done;
    }
    c.hdrs = calloc(op->n_headers + 6, sizeof(*c.hdrs));
    if (c.hdrs == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory building a request");
        goto done;
    }
    c.http = http;
    c.t = t;
    c.creds = creds;
    c.op = op;
    c.path = path.data;
    struct weir_aws_http_request req = {op->method, url.data, NULL, 0, op->body, op->body_len};
    rc = weir_aws_http_call(http, what, &req, prepare, &c, resp, err);
done:
    weir_sigv4_result_reset(&c.sig);
    free(c.hdrs);
    weir_bytes_reset(&url, 0);
    weir_bytes_reset(&path, 0);
    return rc;
}

int weir_aws_json_call(struct weir_aws_http *http, const struct weir_aws_target *t,
                       const struct weir_aws_creds *creds, const char *operation,
                       const json_t *request, json_t **out, struct weir_error *err)
{
    int rc = WEIR_OK;
    char target[128], what[160];
    struct weir_aws_http_response resp;
    weir_aws_http_response_init(&resp);
    *out = NULL;
    char *body = json_dumps(request, JSON_COMPACT);
    if (body == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory encoding %s", operation);
    }
    snprintf(target, sizeof(target), "%s.%s", t->service->json_target, operation);
    snprintf(what, sizeof(what), "%s %s", t->service->signing_name, operation);
    struct weir_aws_header hs[] = {
        {"Content-Type", "application/x-amz-json-1.1"},
        {"X-Amz-Target", target},
    };
    struct weir_aws_op op = {"POST", "/", NULL, hs, 2, body, strlen(body), NULL};
    rc = weir_aws_send(http, t, creds, what, &op, &resp, err);
    weir_aws_free_wiped(body); /* a request may carry a secret (PutSecretValue, KMS) */
    if (rc != WEIR_OK) {
        goto done;
    }
    json_error_t jerr;
    *out = json_loadb(resp.body.data != NULL ? resp.body.data : "{}",
                      resp.body.data != NULL ? resp.body.len : 2, 0, &jerr);
    if (*out == NULL || !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        rc = weir_error_set(err, WEIR_EUNAVAILABLE, "%s: the response is not a JSON object", what);
        weir_error_detail(err, "%s at byte %d, request id %s", jerr.text, jerr.position,
                          resp.request_id[0] ? resp.request_id : "(none)");
    }
done:
    weir_aws_http_response_reset(&resp);
    return rc;
}

int weir_aws_form_add(struct weir_bytes *b, const char *name, const char *value)
{
    weir_bytes_putc(b, '&');
    weir_bytes_puts(b, name);
    weir_bytes_putc(b, '=');
    return weir_sigv4_uri_encode(b, value, strlen(value), 0);
}

int weir_aws_query_call(struct weir_aws_http *http, const struct weir_aws_target *t,
                        const struct weir_aws_creds *creds, const char *action,
                        const char *version, const char *params,
                        struct weir_aws_http_response *resp, struct weir_error *err)
{
    struct weir_bytes body;
    char what[160];
    weir_bytes_init(&body, 1 << 20);
    weir_bytes_printf(&body, "Action=%s&Version=%s%s", action, version,
                     params != NULL ? params : "");
    int rc = weir_bytes_check(&body, "query request", err);
    if (rc == WEIR_OK) {
        snprintf(what, sizeof(what), "%s %s", t->service->signing_name, action);
        struct weir_aws_header hs[] = {
            {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
        };
        struct weir_aws_op op = {"POST", "/", NULL, hs, 1, body.data, body.len, NULL};
        rc = weir_aws_send(http, t, creds, what, &op, resp, err);
    }
    weir_bytes_reset(&body, 1); /* web identity tokens travel in it */
    return rc;
}
