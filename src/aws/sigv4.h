/*
 * AWS Signature Version 4 (header and presigned-query forms).
 *
 * Pure functions of their inputs: the time is passed in, nothing is read from
 * the environment. The only process state is a small cache of derived signing
 * keys per (secret, date, region, service), guarded by a mutex.
 *
 * Paths and queries are given in their wire form (as they go on the request
 * line, already URI-encoded once). For every service but S3 the canonical URI
 * is that path normalised (dot segments removed, repeated slashes collapsed)
 * and encoded again (WEIR_SIGV4_NORMALIZE_PATH | WEIR_SIGV4_DOUBLE_ENCODE);
 * for S3 it is the wire path unchanged (flags 0, plus
 * WEIR_SIGV4_CONTENT_SHA256_HEADER).
 */
#ifndef WEIR_AWS_SIGV4_H
#define WEIR_AWS_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "aws/buf.h"
#include "weir/weir.h"

#define WEIR_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define WEIR_SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* A header; both strings borrowed. Names compare case-insensitively. */
struct weir_aws_header {
    const char *name;
    const char *value;
};

/* Borrowed for the duration of the call. session_token may be NULL. */
struct weir_sigv4_creds {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
};

enum weir_sigv4_flags {
    WEIR_SIGV4_NORMALIZE_PATH = 1u << 0,       /* remove . and .. segments, collapse // */
    WEIR_SIGV4_DOUBLE_ENCODE = 1u << 1,        /* encode the wire path again (not S3) */
    WEIR_SIGV4_CONTENT_SHA256_HEADER = 1u << 2, /* add and sign x-amz-content-sha256 (S3) */
    WEIR_SIGV4_TOKEN_AFTER = 1u << 3,          /* the session token is sent but not signed */
};

/* Flags for S3 and for every other service. */
#define WEIR_SIGV4_FLAGS_S3 (WEIR_SIGV4_CONTENT_SHA256_HEADER)
#define WEIR_SIGV4_FLAGS_DEFAULT (WEIR_SIGV4_NORMALIZE_PATH | WEIR_SIGV4_DOUBLE_ENCODE)

struct weir_sigv4_params {
    const char *region;        /* "us-east-1" */
    const char *service;       /* signing name: "s3", "secretsmanager", "glue", "sts", "kms" */
    int64_t time;              /* seconds since the Unix epoch (injected clock) */
    unsigned flags;            /* enum weir_sigv4_flags */
    const char *payload_hash;  /* lowercase hex SHA-256 or UNSIGNED-PAYLOAD; NULL: hash the body */
    int64_t expires;           /* presign only: X-Amz-Expires seconds (1..604800) */
};

/* The request to sign; everything borrowed. `query` is without '?', NULL or ""
 * when absent. Headers must include Host. */
struct weir_sigv4_request {
    const char *method;
    const char *path;
    const char *query;
    const struct weir_aws_header *headers;
    size_t n_headers;
    const void *body;
    size_t body_len;
};

/*
 * What signing produced. Caller's struct; strings are new and freed (wiped:
 * they may hold the session token) by weir_sigv4_result_reset.
 *
 * Header form: send the request with X-Amz-Date: amz_date, X-Amz-Security-Token
 * (when there is a token), x-amz-content-sha256: payload_hash (when the flag
 * is set) and Authorization: authorization.
 * Query form: send the request with `?` + query; it already carries every
 * X-Amz-* parameter and X-Amz-Signature.
 */
struct weir_sigv4_result {
    char amz_date[17];      /* 20150830T123600Z */
    char payload_hash[65];
    char signature[65];
    char *canonical_request;
    char *string_to_sign;
    char *signed_headers;
    char *authorization;    /* header form only */
    char *query;            /* query form only */
};

void weir_sigv4_result_reset(struct weir_sigv4_result *r);

/* Header form. WEIR_EINTERNAL for a malformed request (no Host, no method),
 * WEIR_ENOMEM on allocation failure. */
int weir_sigv4_sign(const struct weir_sigv4_request *req, const struct weir_sigv4_creds *creds,
                    const struct weir_sigv4_params *p, struct weir_sigv4_result *out,
                    struct weir_error *err);

/* Presigned-query form (X-Amz-Expires = p->expires). */
int weir_sigv4_presign(const struct weir_sigv4_request *req, const struct weir_sigv4_creds *creds,
                       const struct weir_sigv4_params *p, struct weir_sigv4_result *out,
                       struct weir_error *err);

/* Appends the RFC 3986 encoding of s[0..n) to b: unreserved characters kept,
 * every other byte %XX (uppercase); '/' kept when keep_slash. Returns 0 or -1
 * (b failed). */
int weir_sigv4_uri_encode(struct weir_bytes *b, const char *s, size_t n, int keep_slash);

/* Lowercase hex SHA-256 of data into hex[65]. */
void weir_sigv4_sha256_hex(const void *data, size_t len, char hex[65]);

/* Drops every cached signing key (wiped). */
void weir_sigv4_cache_clear(void);
/* Number of signing-key derivations since start (for tests of the cache). */
unsigned long weir_sigv4_derivations(void);

#endif
