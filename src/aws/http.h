/*
 * HTTP for the AWS code: one client owns one reusable transport (a libcurl
 * easy handle, so connections are kept alive), with connect and total
 * timeouts, TLS verification against the system CA bundle, a bounded
 * response body, and retries with capped exponential backoff and full
 * jitter on network errors, 5xx and throttling.
 *
 * Test seams (never switched on by the environment): the transport, the
 * random source, the sleep and the clock come in the options.
 *
 * A client is used by one thread at a time.
 */
#ifndef WEIR_AWS_HTTP_H
#define WEIR_AWS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "aws/buf.h"
#include "aws/sigv4.h"
#include "weir/weir.h"

/* Everything borrowed for the duration of the call. */
struct weir_aws_http_request {
    const char *method;                    /* "GET", "PUT", "POST", "HEAD", "DELETE" */
    const char *url;                       /* scheme://host[:port]/path[?query], encoded */
    const struct weir_aws_header *headers; /* sent as given (Host included) */
    size_t n_headers;
    const void *body;
    size_t body_len;
};

/* Caller's struct; weir_aws_http_response_init / _reset. */
struct weir_aws_http_response {
    long status;               /* HTTP status; 0 when no response came back */
    struct weir_bytes body;     /* bounded by the client's max_response */
    struct weir_bytes headers;  /* raw "Name: value\r\n" lines of the final response */
    char request_id[128];      /* x-amzn-RequestId / x-amz-request-id / <RequestId> */
    char aws_code[128];        /* on an error response: the AWS error code */
    char aws_message[384];     /* on an error response: its message */
    int attempts;              /* attempts made by weir_aws_http_call */
};

void weir_aws_http_response_init(struct weir_aws_http_response *r);
/* Frees what the response holds (body wiped: it may carry a secret). */
void weir_aws_http_response_reset(struct weir_aws_http_response *r);
/* Copies the value of response header `name` (case-insensitive) into out;
 * returns 1 when present. */
int weir_aws_http_header(const struct weir_aws_http_response *r, const char *name, char *out,
                         size_t cap);

/*
 * One attempt: fills resp (status, headers, body up to resp->body.max) and
 * returns WEIR_OK whatever the HTTP status; WEIR_ETEMPFAIL for a network
 * error or timeout, WEIR_ENOMEM when the body exceeds its bound, another
 * status for a permanent failure (TLS verification, bad URL).
 */
typedef int (*weir_aws_transport_fn)(void *ctx, const struct weir_aws_http_request *req,
                                     struct weir_aws_http_response *resp, struct weir_error *err);
/* Uniform in [0, 1). */
typedef double (*weir_aws_random_fn)(void *ctx);
typedef void (*weir_aws_sleep_fn)(void *ctx, long ms);
/* Seconds since the Unix epoch. */
typedef int64_t (*weir_aws_clock_fn)(void *ctx);

struct weir_aws_http_options {
    long connect_timeout_ms; /* 0: 5000 */
    long timeout_ms;         /* per attempt; 0: 60000 */
    size_t max_response;     /* 0: 16 MiB */
    int max_attempts;        /* 0: 3 (the SDKs' standard mode) */
    long base_delay_ms;      /* 0: 100 */
    long max_delay_ms;       /* 0: 20000 */
    const char *ca_file;     /* NULL: libcurl's default (the system bundle) */
    weir_aws_transport_fn transport; /* NULL: libcurl */
    void *transport_ctx;
    weir_aws_random_fn random; /* NULL: OpenSSL RAND_bytes */
    void *random_ctx;
    weir_aws_sleep_fn sleep;   /* NULL: nanosleep */
    void *sleep_ctx;
    weir_aws_clock_fn clock;   /* NULL: time(2) */
    void *clock_ctx;
};

struct weir_aws_http;

/* New client (free with weir_aws_http_free); `o` may be NULL, is copied. */
int weir_aws_http_new(const struct weir_aws_http_options *o, struct weir_aws_http **out,
                      struct weir_error *err);
void weir_aws_http_free(struct weir_aws_http *c);
/* The options in effect (defaults filled in); borrowed. */
const struct weir_aws_http_options *weir_aws_http_options(const struct weir_aws_http *c);
int64_t weir_aws_http_now(const struct weir_aws_http *c);

/*
 * Called before every attempt (`attempt` from 1) to set the request up,
 * typically signing it again with the current time. May change *req.
 */
typedef int (*weir_aws_prepare_fn)(void *ctx, int attempt, struct weir_aws_http_request *req,
                                   struct weir_error *err);

/*
 * Sends with retries. WEIR_OK only for a 2xx response. Otherwise err says
 * `what` failed, with the AWS code, message, request id and HTTP status in
 * err->detail, and the status mapped: throttling, 5xx and network →
 * WEIR_ETEMPFAIL; AccessDenied, UnrecognizedClient, bad signature, expired
 * token → WEIR_EAUTH; ResourceNotFound, NoSuchKey, 404 → WEIR_ENOINPUT;
 * anything else → WEIR_EUNAVAILABLE. resp keeps the last response (reset
 * first; the caller resets it after).
 */
int weir_aws_http_call(struct weir_aws_http *c, const char *what, struct weir_aws_http_request *req,
                       weir_aws_prepare_fn prepare, void *prepare_ctx,
                       struct weir_aws_http_response *resp, struct weir_error *err);

/* The retry policy, exposed for tests. */
/* 1 when a response (status, AWS code) or a transport status is worth retrying. */
int weir_aws_http_retryable(long http_status, const char *aws_code, int transport_status);
/* Delay before retry number `retry` (1 = after the first attempt): full jitter,
 * r * min(max_delay, base * 2^(retry-1)), r in [0, 1). */
long weir_aws_http_backoff_ms(const struct weir_aws_http_options *o, int retry, double r);
/* The weir status an AWS error maps to. */
int weir_aws_http_map_status(long http_status, const char *aws_code);

#endif
