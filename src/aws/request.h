/*
 * Signed AWS requests: builds the URL from an endpoint, adds Host, signs
 * with SigV4 at every attempt (with the HTTP client's clock) and sends
 * through weir_aws_http_call with its retries. JSON 1.1 and query-protocol
 * helpers on top.
 */
#ifndef WEIR_AWS_REQUEST_H
#define WEIR_AWS_REQUEST_H

#include <jansson.h>

#include "aws/config.h"
#include "aws/cred.h"
#include "aws/http.h"

/* Where a request goes; borrowed. region NULL: "us-east-1" (endpoints that
 * were overridden do not care). */
struct weir_aws_target {
    const struct weir_aws_service *service;
    const char *endpoint; /* "https://host[:port][/base]", no trailing slash */
    const char *region;
};

/* The operation; borrowed. path and query are in wire form (encoded). */
struct weir_aws_op {
    const char *method;
    const char *path;  /* "/" when NULL */
    const char *query; /* without '?'; NULL when none */
    const struct weir_aws_header *headers;
    size_t n_headers;
    const void *body;
    size_t body_len;
    const char *payload_hash; /* NULL: SHA-256 of body; or WEIR_SIGV4_UNSIGNED_PAYLOAD */
};

/* creds NULL: sent unsigned (STS AssumeRoleWithWebIdentity). */
int weir_aws_send(struct weir_aws_http *http, const struct weir_aws_target *t,
                  const struct weir_aws_creds *creds, const char *what, const struct weir_aws_op *op,
                  struct weir_aws_http_response *resp, struct weir_error *err);

/* JSON 1.1: POST / with X-Amz-Target <json_target>.<operation>. *out is new
 * (json_decref); `request` borrowed. */
int weir_aws_json_call(struct weir_aws_http *http, const struct weir_aws_target *t,
                       const struct weir_aws_creds *creds, const char *operation,
                       const json_t *request, json_t **out, struct weir_error *err);

/* Query protocol: POST / with Action=<action>&Version=<version><params>
 * (params already form-encoded, each starting with '&'; may be NULL).
 * The XML response stays in resp. */
int weir_aws_query_call(struct weir_aws_http *http, const struct weir_aws_target *t,
                        const struct weir_aws_creds *creds, const char *action,
                        const char *version, const char *params,
                        struct weir_aws_http_response *resp, struct weir_error *err);

/* Appends "&name=value" with value form-encoded (RFC 3986 unreserved kept). */
int weir_aws_form_add(struct weir_bytes *b, const char *name, const char *value);

#endif
