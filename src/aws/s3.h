/*
 * Amazon S3 object calls over the AWS session (SigV4 with S3 rules, retries
 * of weir_aws_http_call): Put/Get/Delete object, multipart upload,
 * ListObjectsV2, HeadBucket, conditional writes (If-Match / If-None-Match).
 *
 * Addressing: path style (endpoint/bucket/key) when an endpoint is
 * configured (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL), virtual-host style
 * (https://bucket.s3.<region>.amazonaws.com/key) otherwise. Keys are
 * URI-encoded once with '/' kept ('=' becomes %3D); the S3 signer does not
 * encode them again.
 *
 * A client is used by one thread at a time; calls that take a `http`
 * argument may use another HTTP client (one per uploader thread) with
 * credentials fetched beforehand.
 */
#ifndef WEIR_AWS_S3_H
#define WEIR_AWS_S3_H

#include <stddef.h>
#include <stdint.h>

#include "aws/buf.h"
#include "aws/session.h"
#include "weir/weir.h"

#define WEIR_S3_MIN_PART ((size_t)5 << 20)
#define WEIR_S3_MAX_PART ((size_t)5 << 30)
#define WEIR_S3_MAX_PARTS 10000

struct weir_s3 {
    struct weir_aws_session *session; /* owned */
    char bucket[256];
    char endpoint[1024]; /* URL the paths hang from, no trailing slash */
    int path_style;      /* paths are /bucket/key */
    int custom_endpoint; /* AWS_ENDPOINT_URL[_S3]: path style, the endpoint kept */
    char region[64];     /* where the bucket is (moved on a region redirect) */
};

/* Splits "s3://bucket/prefix" into bucket and prefix ("" or ending in '/').
 * WEIR_ECONFIG when it is not an s3:// location with a bucket. */
int weir_s3_parse_location(const char *location, char *bucket, size_t bcap, char *prefix,
                           size_t pcap, struct weir_error *err);

/* New client for `bucket` with the default session (environment). */
int weir_s3_open(const char *bucket, struct weir_s3 **out, struct weir_error *err);
void weir_s3_free(struct weir_s3 *s3);

/* Appends the wire path of `key` ("/bucket/key" or "/key"), encoded. */
int weir_s3_key_path(const struct weir_s3 *s3, const char *key, struct weir_bytes *b);

/* Options of PutObject / CreateMultipartUpload; every field may be NULL. */
struct weir_s3_put_opts {
    const char *kms_key_id;    /* SSE-KMS with this key */
    const char *if_match;      /* only if the object's ETag is this */
    const char *if_none_match; /* "*": only if the object does not exist */
    const char *content_type;
};

/*
 * PutObject (Content-MD5 sent). A failed precondition (412, or 409 for a
 * concurrent conditional write) is WEIR_ELOCKED. etag (may be NULL) gets
 * the new object's ETag, quotes included.
 */
int weir_s3_put_object(struct weir_s3 *s3, const char *key, const void *data, size_t len,
                       const struct weir_s3_put_opts *o, char *etag, size_t etag_cap,
                       struct weir_error *err);
/* GetObject into out (bounded by the client's max_response); WEIR_ENOINPUT
 * when missing. etag may be NULL. */
int weir_s3_get_object(struct weir_s3 *s3, const char *key, struct weir_bytes *out, char *etag,
                       size_t etag_cap, struct weir_error *err);
/*
 * GetObject of the bytes [off, off + len) (a Range request) appended to out
 * (bounded by the client's max_response: len at most 16 MiB by default).
 * *total gets the object's size (Content-Range; the body's length when the
 * server answered 200 with the whole object). A range starting at or past
 * the end (416) appends nothing and is WEIR_OK. etag (may be NULL) gets the
 * object's ETag; WEIR_ENOINPUT when the object is missing.
 */
int weir_s3_get_range(struct weir_s3 *s3, const char *key, uint64_t off, size_t len,
                      struct weir_bytes *out, uint64_t *total, char *etag, size_t etag_cap,
                      struct weir_error *err);
/*
 * Downloads an object of any size into the open file descriptor `fd` (from
 * its current offset) with ranged GETs of `chunk` bytes (0: 8 MiB), so
 * memory stays at one chunk. Every range must carry the ETag of the first:
 * an object replaced during the download is WEIR_EUNAVAILABLE naming it.
 * *bytes (may be NULL) gets the size written. WEIR_ENOINPUT when missing,
 * WEIR_EIO when a write to fd fails.
 */
int weir_s3_download(struct weir_s3 *s3, const char *key, int fd, size_t chunk, uint64_t *bytes,
                     struct weir_error *err);
/* DeleteObject; a missing object is not an error. If-Match when if_match. */
int weir_s3_delete_object(struct weir_s3 *s3, const char *key, const char *if_match,
                          struct weir_error *err);
int weir_s3_head_bucket(struct weir_s3 *s3, struct weir_error *err);

int weir_s3_create_multipart(struct weir_s3 *s3, const char *key, const struct weir_s3_put_opts *o,
                             char *upload_id, size_t cap, struct weir_error *err);
/* UploadPart with Content-MD5 through `http` (NULL: the session's) with
 * `creds` (NULL: fetched from the session, same thread only). */
int weir_s3_upload_part(struct weir_s3 *s3, struct weir_aws_http *http,
                        const struct weir_aws_creds *creds, const char *key, const char *upload_id,
                        int part, const void *data, size_t len, char *etag, size_t etag_cap,
                        struct weir_error *err);
/* etags[i] is the ETag of part i+1. */
int weir_s3_complete_multipart(struct weir_s3 *s3, const char *key, const char *upload_id,
                               char *const *etags, int n, struct weir_error *err);
int weir_s3_abort_multipart(struct weir_s3 *s3, const char *key, const char *upload_id,
                            struct weir_error *err);

/* The calls above through `http` (NULL: the session's) with `creds` (NULL:
 * fetched from the session, same thread only), for a thread other than the
 * client's owner: its own HTTP client, credentials fetched beforehand.
 * Calls through another client never move the client to another region. */
int weir_s3_put_object_via(struct weir_s3 *s3, struct weir_aws_http *http,
                           const struct weir_aws_creds *creds, const char *key, const void *data,
                           size_t len, const struct weir_s3_put_opts *o, char *etag,
                           size_t etag_cap, struct weir_error *err);
int weir_s3_create_multipart_via(struct weir_s3 *s3, struct weir_aws_http *http,
                                 const struct weir_aws_creds *creds, const char *key,
                                 const struct weir_s3_put_opts *o, char *upload_id, size_t cap,
                                 struct weir_error *err);
int weir_s3_complete_multipart_via(struct weir_s3 *s3, struct weir_aws_http *http,
                                   const struct weir_aws_creds *creds, const char *key,
                                   const char *upload_id, char *const *etags, int n,
                                   struct weir_error *err);
int weir_s3_abort_multipart_via(struct weir_s3 *s3, struct weir_aws_http *http,
                                const struct weir_aws_creds *creds, const char *key,
                                const char *upload_id, struct weir_error *err);

/* Called with each key under a prefix. */
typedef int (*weir_s3_key_fn)(void *ctx, const char *key, struct weir_error *err);
/* ListObjectsV2 with continuation tokens. */
int weir_s3_list(struct weir_s3 *s3, const char *prefix, weir_s3_key_fn fn, void *ctx,
                 struct weir_error *err);

/* Called with the key and id of each multipart upload still in progress. */
typedef int (*weir_s3_upload_fn)(void *ctx, const char *key, const char *upload_id,
                                 struct weir_error *err);
/* ListMultipartUploads under a prefix, every page (key and upload-id markers). */
int weir_s3_list_uploads(struct weir_s3 *s3, const char *prefix, weir_s3_upload_fn fn, void *ctx,
                         struct weir_error *err);

/* Pure helpers, exposed for tests. */
/* The CompleteMultipartUpload body for n parts (ETags XML-escaped). */
int weir_s3_complete_xml(struct weir_bytes *b, char *const *etags, int n);
/* One ListObjectsV2 page: calls fn for each <Key> in <Contents>; next (cap
 * bytes) gets NextContinuationToken ("" when the listing is complete). */
int weir_s3_parse_list(const char *xml, size_t len, weir_s3_key_fn fn, void *ctx, char *next,
                       size_t cap, struct weir_error *err);
/* One ListMultipartUploads page: calls fn for each <Upload>'s <Key> and
 * <UploadId>; when the page is truncated, next_key / next_id get
 * NextKeyMarker / NextUploadIdMarker (next_key is "" when the listing is
 * complete). */
int weir_s3_parse_uploads(const char *xml, size_t len, weir_s3_upload_fn fn, void *ctx,
                          char *next_key, size_t kcap, char *next_id, size_t icap,
                          struct weir_error *err);
/* Size of part number `part` (from 1) for a base size: doubled every 1000
 * parts so 10,000 parts hold at least base × 1,023,000 bytes; capped at 5 GiB. */
size_t weir_s3_part_size(size_t base, int part);
/* A Content-Range value "bytes FIRST-LAST/TOTAL", or a 416's "bytes *" then
 * "/TOTAL" (first = last = 0): 1 when it parsed, 0 otherwise (a TOTAL of "*"
 * too). */
int weir_s3_parse_content_range(const char *v, uint64_t *first, uint64_t *last, uint64_t *total);
/* base64(MD5(data)) into out[25]. */
void weir_s3_content_md5(const void *data, size_t len, char out[25]);

#endif
