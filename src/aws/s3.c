/* S3 object calls; see s3.h. */
#include "aws/s3.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "aws/parse.h"
#include "aws/request.h"
#include "util/log.h"

int weir_s3_parse_location(const char *location, char *bucket, size_t bcap, char *prefix,
                           size_t pcap, struct weir_error *err)
{
    if (strncmp(location, "s3://", 5) != 0) {
        return weir_error_set(err, WEIR_ECONFIG, "%s is not an s3:// location", location);
    }
    const char *b = location + 5;
    size_t blen = strcspn(b, "/");
    if (blen == 0 || blen >= bcap) {
        return weir_error_set(err, WEIR_ECONFIG, "%s: no bucket name", location);
    }
    memcpy(bucket, b, blen);
    bucket[blen] = '\0';
    const char *p = b + blen;
    while (*p == '/') {
        p++;
    }
    size_t plen = strlen(p);
    int slash = plen > 0 && p[plen - 1] != '/';
    if (plen + (size_t)slash + 1 > pcap) {
        return weir_error_set(err, WEIR_ECONFIG, "%s: prefix too long", location);
    }
    memcpy(prefix, p, plen);
    if (slash) {
        prefix[plen++] = '/';
    }
    prefix[plen] = '\0';
    return WEIR_OK;
}

static void set_region(struct weir_s3 *s3, const char *region);

int weir_s3_open(const char *bucket, struct weir_s3 **out, struct weir_error *err)
{
    *out = NULL;
    struct weir_s3 *s3 = calloc(1, sizeof(*s3));
    if (s3 == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    const char *region = NULL;
    int rc = WEIR_OK;
    if (strlen(bucket) >= sizeof(s3->bucket)) {
        rc = weir_error_set(err, WEIR_ECONFIG, "S3 bucket name too long");
        goto done;
    }
    memcpy(s3->bucket, bucket, strlen(bucket) + 1);
    if ((rc = weir_aws_session_new(NULL, &s3->session, err)) != WEIR_OK ||
        (rc = weir_aws_session_region(s3->session, &region, err)) != WEIR_OK) {
        goto done;
    }
    const struct weir_aws_config *cfg = &s3->session->config;
    if (cfg->service_endpoint[WEIR_AWS_S3] != NULL || cfg->endpoint_url != NULL) {
        /* Custom endpoints (MinIO, s3rver, the fake) do not resolve bucket host names. */
        s3->path_style = 1;
        s3->custom_endpoint = 1;
        snprintf(s3->region, sizeof(s3->region), "%s", region);
        rc = weir_aws_endpoint(cfg, WEIR_AWS_S3, region, s3->endpoint, sizeof(s3->endpoint), err);
    } else {
        set_region(s3, region);
    }
done:
    if (rc != WEIR_OK) {
        weir_s3_free(s3);
        return rc;
    }
    *out = s3;
    return WEIR_OK;
}

void weir_s3_free(struct weir_s3 *s3)
{
    if (s3 == NULL) {
        return;
    }
    weir_aws_session_free(s3->session);
    free(s3);
}

int weir_s3_key_path(const struct weir_s3 *s3, const char *key, struct weir_bytes *b)
{
    weir_bytes_putc(b, '/');
    if (s3->path_style) {
        weir_sigv4_uri_encode(b, s3->bucket, strlen(s3->bucket), 0);
        weir_bytes_putc(b, '/');
    }
    return weir_sigv4_uri_encode(b, key, strlen(key), 1);
}

void weir_s3_content_md5(const void *data, size_t len, char out[25])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_md5(), NULL);
    EVP_EncodeBlock((unsigned char *)out, md, (int)n);
}

size_t weir_s3_part_size(size_t base, int part)
{
    if (base < 1) {
        base = 1;
    }
    size_t sz = base;
    for (int k = (part - 1) / 1000; k > 0 && sz < WEIR_S3_MAX_PART; k--) {
        sz *= 2;
    }
    return sz > WEIR_S3_MAX_PART ? WEIR_S3_MAX_PART : sz;
}

static void xml_escape(struct weir_bytes *b, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&':
            weir_bytes_puts(b, "&amp;");
            break;
        case '<':
            weir_bytes_puts(b, "&lt;");
            break;
        case '>':
            weir_bytes_puts(b, "&gt;");
            break;
        case '"':
            weir_bytes_puts(b, "&quot;");
            break;
        case '\'':
            weir_bytes_puts(b, "&apos;");
            break;
        default:
            weir_bytes_putc(b, *s);
            break;
        }
    }
}

int weir_s3_complete_xml(struct weir_bytes *b, char *const *etags, int n)
{
    weir_bytes_puts(b,
                    "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    for (int i = 0; i < n; i++) {
        weir_bytes_printf(b, "<Part><PartNumber>%d</PartNumber><ETag>", i + 1);
        xml_escape(b, etags[i]);
        weir_bytes_puts(b, "</ETag></Part>");
    }
    weir_bytes_puts(b, "</CompleteMultipartUpload>");
    return b->failed ? -1 : 0;
}

/* The marker a truncated listing page names for the next page: its text
 * copied into out (cap bytes). 0 when the page is not truncated, 1 when
 * copied, -1 when the page is truncated but the marker is missing, empty
 * or too long (an empty `optional` marker is allowed). */
static int next_marker(const char *xml, size_t len, const char *tag, int optional, char *out,
                       size_t cap)
{
    char truncated[16] = "";
    out[0] = '\0';
    weir_aws_xml_copy(xml, len, "IsTruncated", truncated, sizeof(truncated));
    if (strcmp(truncated, "true") != 0) {
        return 0;
    }
    char *m = weir_aws_xml_text(xml, len, 0, tag, NULL);
    int rc = -1;
    if (m == NULL || m[0] == '\0') {
        rc = optional ? 1 : -1;
    } else if (strlen(m) < cap) {
        memcpy(out, m, strlen(m) + 1);
        rc = 1;
    }
    free(m);
    return rc;
}

int weir_s3_parse_list(const char *xml, size_t len, weir_s3_key_fn fn, void *ctx, char *next,
                       size_t cap, struct weir_error *err)
{
    size_t pos = 0, end = 0;
    char *contents;
    while ((contents = weir_aws_xml_text(xml, len, pos, "Contents", &end)) != NULL) {
        pos = end;
        char *key = weir_aws_xml_text(contents, strlen(contents), 0, "Key", NULL);
        free(contents);
        int rc = key == NULL ? weir_error_set(err, WEIR_EUNAVAILABLE,
                                              "S3 ListObjectsV2: <Contents> without <Key>")
                             : fn(ctx, key, err);
        free(key);
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    if (next_marker(xml, len, "NextContinuationToken", 0, next, cap) < 0) {
        return weir_error_set(err, WEIR_EUNAVAILABLE,
                              "S3 ListObjectsV2: truncated page without a usable "
                              "NextContinuationToken");
    }
    return WEIR_OK;
}

int weir_s3_parse_uploads(const char *xml, size_t len, weir_s3_upload_fn fn, void *ctx,
                          char *next_key, size_t kcap, char *next_id, size_t icap,
                          struct weir_error *err)
{
    size_t pos = 0, end = 0;
    char *upload;
    while ((upload = weir_aws_xml_text(xml, len, pos, "Upload", &end)) != NULL) {
        pos = end;
        char *key = weir_aws_xml_text(upload, strlen(upload), 0, "Key", NULL);
        char *id = weir_aws_xml_text(upload, strlen(upload), 0, "UploadId", NULL);
        free(upload);
        int rc = key == NULL || id == NULL
                     ? weir_error_set(err, WEIR_EUNAVAILABLE,
                                      "S3 ListMultipartUploads: <Upload> without <Key> or "
                                      "<UploadId>")
                     : fn(ctx, key, id, err);
        free(key);
        free(id);
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    if (next_marker(xml, len, "NextKeyMarker", 0, next_key, kcap) < 0 ||
        next_marker(xml, len, "NextUploadIdMarker", 1, next_id, icap) < 0) {
        next_key[0] = '\0';
        return weir_error_set(err, WEIR_EUNAVAILABLE,
                              "S3 ListMultipartUploads: truncated page without a usable "
                              "NextKeyMarker");
    }
    return WEIR_OK;
}

/* Sets the client's region and endpoint; virtual-host style on AWS, and
 * path style on the regional endpoint for bucket names with dots (a dotted
 * host name does not match the wildcard certificate). */
static void set_region(struct weir_s3 *s3, const char *region)
{
    snprintf(s3->region, sizeof(s3->region), "%s", region);
    if (s3->custom_endpoint) {
        return;
    }
    const char *cn = strncmp(region, "cn-", 3) == 0 ? ".cn" : "";
    s3->path_style = strchr(s3->bucket, '.') != NULL;
    if (s3->path_style) {
        snprintf(s3->endpoint, sizeof(s3->endpoint), "https://s3.%s.amazonaws.com%s", region, cn);
    } else {
        snprintf(s3->endpoint, sizeof(s3->endpoint), "https://%s.s3.%s.amazonaws.com%s", s3->bucket,
                 region, cn);
    }
}

/*
 * S3 answers a request signed for the wrong region with 301
 * PermanentRedirect (or 400 AuthorizationHeaderMalformed) and names the
 * bucket's region in x-amz-bucket-region or <Region>: as the SDKs do, move
 * there (returns 1) so the call can be made again, once.
 */
static int bucket_moved(struct weir_s3 *s3, const struct weir_aws_http_response *resp)
{
    char region[64] = "";
    if (resp->status != 301 && resp->status != 400 && resp->status != 307) {
        return 0;
    }
    if (!weir_aws_http_header(resp, "x-amz-bucket-region", region, sizeof(region)) &&
        resp->body.data != NULL) {
        weir_aws_xml_copy(resp->body.data, resp->body.len, "Region", region, sizeof(region));
    }
    if (region[0] == '\0' || strcmp(region, s3->region) == 0 ||
        strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region)) {
        return 0;
    }
    weir_log_event(
        WEIR_LOG_WARN, "s3_region",
        json_pack("{s:s,s:s,s:s}", "bucket", s3->bucket, "from", s3->region, "to", region),
        "bucket %s is in %s, not %s: using %s", s3->bucket, region, s3->region, region);
    set_region(s3, region);
    return 1;
}

/* One signed call on `key` (NULL: the bucket itself). */
static int s3_call(struct weir_s3 *s3, struct weir_aws_http *http,
                   const struct weir_aws_creds *creds, const char *what, const char *method,
                   const char *key, const char *query, const struct weir_aws_header *hs, size_t nh,
                   const void *body, size_t len, struct weir_aws_http_response *resp,
                   struct weir_error *err)
{
    struct weir_bytes path;
    struct weir_aws_creds own;
    memset(&own, 0, sizeof(own));
    weir_bytes_init(&path, 16 * 1024);
    int rc = WEIR_OK;
    if (key != NULL) {
        weir_s3_key_path(s3, key, &path);
    } else {
        weir_bytes_putc(&path, '/');
        if (s3->path_style) {
            weir_bytes_puts(&path, s3->bucket);
        }
    }
    if ((rc = weir_bytes_check(&path, "S3 key", err)) != WEIR_OK) {
        goto done;
    }
    if (creds == NULL) {
        if ((rc = weir_aws_session_creds(s3->session, &own, err)) != WEIR_OK) {
            goto done;
        }
        creds = &own;
    }
    struct weir_aws_target t = {weir_aws_service_get(WEIR_AWS_S3), s3->endpoint, s3->region};
    struct weir_aws_op op = {method, path.data, query, hs, nh, body, len, NULL};
    rc = weir_aws_send(http != NULL ? http : s3->session->http, &t, creds, what, &op, resp, err);
    /* Calls on the session's connection come from the owning thread only, so
     * only they may move the client to the bucket's region (uploaders run
     * after CreateMultipartUpload has found it). */
    if (rc != WEIR_OK && http == NULL && bucket_moved(s3, resp)) {
        weir_aws_http_response_reset(resp);
        weir_aws_http_response_init(resp);
        memset(err, 0, sizeof(*err));
        t.endpoint = s3->endpoint;
        t.region = s3->region;
        rc = weir_aws_send(s3->session->http, &t, creds, what, &op, resp, err);
    }
    if (rc != WEIR_OK && (resp->status == 412 || resp->status == 409)) {
        /* A lost conditional write: somebody else wrote the object first. */
        err->status = WEIR_ELOCKED;
        rc = WEIR_ELOCKED;
    }
done:
    weir_aws_creds_reset(&own);
    weir_bytes_reset(&path, 0);
    return rc;
}

static size_t put_headers(const struct weir_s3_put_opts *o, struct weir_aws_header *hs, size_t n)
{
    if (o == NULL) {
        return n;
    }
    if (o->kms_key_id != NULL) {
        hs[n++] = (struct weir_aws_header){"x-amz-server-side-encryption", "aws:kms"};
        hs[n++] =
            (struct weir_aws_header){"x-amz-server-side-encryption-aws-kms-key-id", o->kms_key_id};
    }
    if (o->if_match != NULL) {
        hs[n++] = (struct weir_aws_header){"If-Match", o->if_match};
    }
    if (o->if_none_match != NULL) {
        hs[n++] = (struct weir_aws_header){"If-None-Match", o->if_none_match};
    }
    if (o->content_type != NULL) {
        hs[n++] = (struct weir_aws_header){"Content-Type", o->content_type};
    }
    return n;
}

static void copy_etag(const struct weir_aws_http_response *resp, char *etag, size_t cap)
{
    if (etag != NULL && cap > 0) {
        etag[0] = '\0';
        weir_aws_http_header(resp, "ETag", etag, cap);
    }
}

int weir_s3_put_object(struct weir_s3 *s3, const char *key, const void *data, size_t len,
                       const struct weir_s3_put_opts *o, char *etag, size_t etag_cap,
                       struct weir_error *err)
{
    return weir_s3_put_object_via(s3, NULL, NULL, key, data, len, o, etag, etag_cap, err);
}

int weir_s3_put_object_via(struct weir_s3 *s3, struct weir_aws_http *http,
                           const struct weir_aws_creds *creds, const char *key, const void *data,
                           size_t len, const struct weir_s3_put_opts *o, char *etag,
                           size_t etag_cap, struct weir_error *err)
{
    char md5[25], what[64];
    struct weir_aws_header hs[8];
    struct weir_aws_http_response resp;
    weir_aws_http_response_init(&resp);
    weir_s3_content_md5(data, len, md5);
    hs[0] = (struct weir_aws_header){"Content-MD5", md5};
    size_t n = put_headers(o, hs, 1);
    snprintf(what, sizeof(what), "S3 PutObject");
    int rc = s3_call(s3, http, creds, what, "PUT", key, NULL, hs, n, data, len, &resp, err);
    if (rc == WEIR_OK) {
        copy_etag(&resp, etag, etag_cap);
    } else {
        weir_error_detail(err, "s3://%s/%s", s3->bucket, key);
    }
    weir_aws_http_response_reset(&resp);
    return rc;
}

int weir_s3_get_object(struct weir_s3 *s3, const char *key, struct weir_bytes *out, char *etag,
                       size_t etag_cap, struct weir_error *err)
{
    struct weir_aws_http_response resp;
    weir_aws_http_response_init(&resp);
    int rc =
        s3_call(s3, NULL, NULL, "S3 GetObject", "GET", key, NULL, NULL, 0, NULL, 0, &resp, err);
    if (rc == WEIR_OK) {
        copy_etag(&resp, etag, etag_cap);
        if (resp.body.len > 0) {
            weir_bytes_append(out, resp.body.data, resp.body.len);
        }
        rc = weir_bytes_check(out, "S3 object", err);
    }
    weir_aws_http_response_reset(&resp);
    return rc;
}

int weir_s3_parse_content_range(const char *v, uint64_t *first, uint64_t *last, uint64_t *total)
{
    unsigned long long a = 0, b = 0, t = 0;
    char tail;
    *first = *last = *total = 0;
    if (sscanf(v, " bytes */%llu%c", &t, &tail) == 1) {
        *total = t;
        return 1;
    }
    if (sscanf(v, " bytes %llu-%llu/%llu%c", &a, &b, &t, &tail) != 3 || b < a || b >= t) {
        return 0;
    }
    *first = a;
    *last = b;
    *total = t;
    return 1;
}

int weir_s3_get_range(struct weir_s3 *s3, const char *key, uint64_t off, size_t len,
                      struct weir_bytes *out, uint64_t *total, char *etag, size_t etag_cap,
                      struct weir_error *err)
{
    char range[80], cr[128] = "";
    uint64_t first = 0, last = 0;
    struct weir_aws_http_response resp;
    struct weir_aws_header hs[1] = {{"Range", range}};
    snprintf(range, sizeof(range), "bytes=%llu-%llu", (unsigned long long)off,
             (unsigned long long)(off + (len > 0 ? len : 1) - 1));
    weir_aws_http_response_init(&resp);
    int rc = s3_call(s3, NULL, NULL, "S3 GetObject", "GET", key, NULL, hs, 1, NULL, 0, &resp, err);
    weir_aws_http_header(&resp, "Content-Range", cr, sizeof(cr));
    if (rc != WEIR_OK && resp.status == 416) {
        /* past the end (or an empty object): nothing to append */
        memset(err, 0, sizeof(*err));
        copy_etag(&resp, etag, etag_cap);
        rc = WEIR_OK;
        *total = weir_s3_parse_content_range(cr, &first, &last, total) ? *total : off;
    } else if (rc == WEIR_OK && resp.status == 206) {
        copy_etag(&resp, etag, etag_cap);
        if (!weir_s3_parse_content_range(cr, &first, &last, total) || first != off ||
            last - first + 1 != resp.body.len) {
            rc = weir_error_set(err, WEIR_EUNAVAILABLE,
                                "S3 GetObject answered a range request with Content-Range "
                                "\"%s\" and %zu bytes",
                                cr, resp.body.len);
        } else if (resp.body.len > 0) {
            weir_bytes_append(out, resp.body.data, resp.body.len);
        }
    } else if (rc == WEIR_OK) {
        /* 200: the server ignored Range and sent the whole object */
        copy_etag(&resp, etag, etag_cap);
        *total = resp.body.len;
        if (off < resp.body.len) {
            size_t n = resp.body.len - off < len ? resp.body.len - off : len;
            weir_bytes_append(out, resp.body.data + off, n);
        }
    }
    if (rc == WEIR_OK) {
        rc = weir_bytes_check(out, "S3 object range", err);
    } else {
        weir_error_detail(err, "s3://%s/%s (%s)", s3->bucket, key, range);
    }
    weir_aws_http_response_reset(&resp);
    return rc;
}

int weir_s3_download(struct weir_s3 *s3, const char *key, int fd, size_t chunk, uint64_t *bytes,
                     struct weir_error *err)
{
    struct weir_bytes b;
    char first_etag[256] = "", etag[256];
    uint64_t off = 0, total = UINT64_MAX;
    int rc = WEIR_OK;
    chunk = chunk > 0 ? chunk : (size_t)8 << 20;
    weir_bytes_init(&b, chunk + 1);
    while (rc == WEIR_OK && off < total) {
        b.len = 0;
        rc = weir_s3_get_range(s3, key, off, chunk, &b, &total, etag, sizeof(etag), err);
        if (rc != WEIR_OK) {
            break;
        }
        if (off == 0) {
            snprintf(first_etag, sizeof(first_etag), "%s", etag);
        } else if (strcmp(etag, first_etag) != 0) {
            rc = weir_error_set(err, WEIR_EUNAVAILABLE,
                                "s3://%s/%s changed during its download (ETag %s, then %s)",
                                s3->bucket, key, first_etag, etag);
            weir_error_hint(err, "something else writes that object; run again");
            break;
        }
        if (b.len == 0 && off < total) {
            rc = weir_error_set(
                err, WEIR_EUNAVAILABLE, "s3://%s/%s ended at byte %llu of %llu during its download",
                s3->bucket, key, (unsigned long long)off, (unsigned long long)total);
            break;
        }
        for (size_t w = 0; w < b.len && rc == WEIR_OK;) {
            ssize_t n = write(fd, b.data + w, b.len - w);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                rc = weir_error_set(err, WEIR_EIO, "cannot write the download of s3://%s/%s: %s",
                                    s3->bucket, key, n < 0 ? strerror(errno) : "short write");
                break;
            }
            w += (size_t)n;
        }
        off += b.len;
    }
    if (bytes != NULL) {
        *bytes = rc == WEIR_OK ? off : 0;
    }
    weir_bytes_reset(&b, 0);
    return rc;
}

int weir_s3_delete_object(struct weir_s3 *s3, const char *key, const char *if_match,
                          struct weir_error *err)
{
    struct weir_aws_http_response resp;
    struct weir_aws_header hs[1] = {{"If-Match", if_match}};
    weir_aws_http_response_init(&resp);
    int rc = s3_call(s3, NULL, NULL, "S3 DeleteObject", "DELETE", key, NULL, hs,
                     if_match != NULL ? 1 : 0, NULL, 0, &resp, err);
    if (rc == WEIR_ENOINPUT) {
        rc = WEIR_OK;
    }
    weir_aws_http_response_reset(&resp);
    return rc;
}

int weir_s3_head_bucket(struct weir_s3 *s3, struct weir_error *err)
{
    struct weir_aws_http_response resp;
    weir_aws_http_response_init(&resp);
    int rc =
        s3_call(s3, NULL, NULL, "S3 HeadBucket", "HEAD", NULL, NULL, NULL, 0, NULL, 0, &resp, err);
    if (rc != WEIR_OK) {
        weir_error_detail(err, "bucket %s", s3->bucket);
    }
    weir_aws_http_response_reset(&resp);
    return rc;
}

int weir_s3_create_multipart(struct weir_s3 *s3, const char *key, const struct weir_s3_put_opts *o,
                             char *upload_id, size_t cap, struct weir_error *err)
{
    return weir_s3_create_multipart_via(s3, NULL, NULL, key, o, upload_id, cap, err);
}

int weir_s3_create_multipart_via(struct weir_s3 *s3, struct weir_aws_http *http,
                                 const struct weir_aws_creds *creds, const char *key,
                                 const struct weir_s3_put_opts *o, char *upload_id, size_t cap,
                                 struct weir_error *err)
{
    struct weir_aws_header hs[8];
    struct weir_aws_http_response resp;
    weir_aws_http_response_init(&resp);
    size_t n = put_headers(o, hs, 0);
    int rc = s3_call(s3, http, creds, "S3 CreateMultipartUpload", "POST", key, "uploads=", hs, n,
                     NULL, 0, &resp, err);
    if (rc == WEIR_OK &&
        (resp.body.data == NULL ||
         !weir_aws_xml_copy(resp.body.data, resp.body.len, "UploadId", upload_id, cap) ||
         upload_id[0] == '\0')) {
        rc = weir_error_set(err, WEIR_EUNAVAILABLE,
                            "S3 CreateMultipartUpload answered without an UploadId");
    }
    if (rc != WEIR_OK) {
        weir_error_detail(err, "s3://%s/%s", s3->bucket, key);
    }
    weir_aws_http_response_reset(&resp);
    return rc;
}

/* "partNumber=N&uploadId=ID" (sorted: the signer wants the canonical order anyway). */
static int upload_query(struct weir_bytes *q, int part, const char *upload_id)
{
    if (part > 0) {
        weir_bytes_printf(q, "partNumber=%d&", part);
    }
    weir_bytes_puts(q, "uploadId=");
    return weir_sigv4_uri_encode(q, upload_id, strlen(upload_id), 0);
}

int weir_s3_upload_part(struct weir_s3 *s3, struct weir_aws_http *http,
                        const struct weir_aws_creds *creds, const char *key, const char *upload_id,
                        int part, const void *data, size_t len, char *etag, size_t etag_cap,
                        struct weir_error *err)
{
    char md5[25];
    struct weir_bytes q;
    struct weir_aws_http_response resp;
    weir_aws_http_response_init(&resp);
    weir_bytes_init(&q, 4096);
    upload_query(&q, part, upload_id);
    int rc = weir_bytes_check(&q, "S3 query", err);
    if (rc == WEIR_OK) {
        weir_s3_content_md5(data, len, md5);
        struct weir_aws_header hs[1] = {{"Content-MD5", md5}};
        rc = s3_call(s3, http, creds, "S3 UploadPart", "PUT", key, q.data, hs, 1, data, len, &resp,
                     err);
    }
    if (rc == WEIR_OK) {
        copy_etag(&resp, etag, etag_cap);
        if (etag != NULL && etag[0] == '\0') {
            rc = weir_error_set(err, WEIR_EUNAVAILABLE, "S3 UploadPart answered without an ETag");
        }
    }
    if (rc != WEIR_OK) {
        weir_error_detail(err, "s3://%s/%s part %d", s3->bucket, key, part);
    }
    weir_bytes_reset(&q, 0);
    weir_aws_http_response_reset(&resp);
    return rc;
}

int weir_s3_complete_multipart(struct weir_s3 *s3, const char *key, const char *upload_id,
                               char *const *etags, int n, struct weir_error *err)
{
    return weir_s3_complete_multipart_via(s3, NULL, NULL, key, upload_id, etags, n, err);
}

int weir_s3_complete_multipart_via(struct weir_s3 *s3, struct weir_aws_http *http,
                                   const struct weir_aws_creds *creds, const char *key,
                                   const char *upload_id, char *const *etags, int n,
                                   struct weir_error *err)
{
    struct weir_bytes q, body;
    struct weir_aws_http_response resp;
    weir_aws_http_response_init(&resp);
    weir_bytes_init(&q, 4096);
    weir_bytes_init(&body, 4 << 20);
    upload_query(&q, 0, upload_id);
    weir_s3_complete_xml(&body, etags, n);
    int rc = weir_bytes_check(&q, "S3 query", err);
    if (rc == WEIR_OK) {
        rc = weir_bytes_check(&body, "CompleteMultipartUpload body", err);
    }
    if (rc == WEIR_OK) {
        struct weir_aws_header hs[1] = {{"Content-Type", "application/xml"}};
        rc = s3_call(s3, http, creds, "S3 CompleteMultipartUpload", "POST", key, q.data, hs, 1,
                     body.data, body.len, &resp, err);
    }
    /* S3 may answer 200 with an <Error> body when the completion failed late. */
    if (rc == WEIR_OK && resp.body.data != NULL && strstr(resp.body.data, "<Error>") != NULL) {
        char code[128] = "", msg[384] = "";
        weir_aws_xml_copy(resp.body.data, resp.body.len, "Code", code, sizeof(code));
        weir_aws_xml_copy(resp.body.data, resp.body.len, "Message", msg, sizeof(msg));
        rc = weir_error_set(err, weir_aws_http_map_status(500, code),
                            "S3 CompleteMultipartUpload failed: %s %s", code, msg);
    }
    if (rc != WEIR_OK) {
        weir_error_detail(err, "s3://%s/%s, %d parts", s3->bucket, key, n);
    }
    weir_bytes_reset(&q, 0);
    weir_bytes_reset(&body, 0);
    weir_aws_http_response_reset(&resp);
    return rc;
}

int weir_s3_abort_multipart(struct weir_s3 *s3, const char *key, const char *upload_id,
                            struct weir_error *err)
{
    return weir_s3_abort_multipart_via(s3, NULL, NULL, key, upload_id, err);
}

int weir_s3_abort_multipart_via(struct weir_s3 *s3, struct weir_aws_http *http,
                                const struct weir_aws_creds *creds, const char *key,
                                const char *upload_id, struct weir_error *err)
{
    struct weir_bytes q;
    struct weir_aws_http_response resp;
    weir_aws_http_response_init(&resp);
    weir_bytes_init(&q, 4096);
    upload_query(&q, 0, upload_id);
    int rc = weir_bytes_check(&q, "S3 query", err);
    if (rc == WEIR_OK) {
        rc = s3_call(s3, http, creds, "S3 AbortMultipartUpload", "DELETE", key, q.data, NULL, 0,
                     NULL, 0, &resp, err);
    }
    weir_bytes_reset(&q, 0);
    weir_aws_http_response_reset(&resp);
    return rc;
}

/* Appends name=value to a query ('&' between parameters); the value
 * URI-encoded, nothing when it is NULL or empty unless `always`. */
static void query_add(struct weir_bytes *q, const char *name, const char *value, int always)
{
    if (!always && (value == NULL || value[0] == '\0')) {
        return;
    }
    if (q->len > 0) {
        weir_bytes_putc(q, '&');
    }
    weir_bytes_puts(q, name);
    weir_bytes_putc(q, '=');
    if (value != NULL) {
        weir_sigv4_uri_encode(q, value, strlen(value), 0);
    }
}

/* GETs one page of a bucket listing with the query q (emptied here) into resp. */
static int list_page(struct weir_s3 *s3, const char *what, struct weir_bytes *q,
                     struct weir_aws_http_response *resp, struct weir_error *err)
{
    weir_aws_http_response_reset(resp);
    int rc = weir_bytes_check(q, "S3 query", err);
    if (rc == WEIR_OK) {
        rc = s3_call(s3, NULL, NULL, what, "GET", NULL, q->data, NULL, 0, NULL, 0, resp, err);
    }
    weir_bytes_reset(q, 0);
    return rc;
}

int weir_s3_list(struct weir_s3 *s3, const char *prefix, weir_s3_key_fn fn, void *ctx,
                 struct weir_error *err)
{
    char token[2048] = "";
    int rc = WEIR_OK;
    struct weir_aws_http_response resp;
    weir_aws_http_response_init(&resp);
    do {
        struct weir_bytes q;
        weir_bytes_init(&q, 16 * 1024);
        query_add(&q, "continuation-token", token, 0);
        query_add(&q, "list-type", "2", 1);
        query_add(&q, "prefix", prefix, 1);
        rc = list_page(s3, "S3 ListObjectsV2", &q, &resp, err);
        if (rc == WEIR_OK) {
            rc = weir_s3_parse_list(resp.body.data != NULL ? resp.body.data : "", resp.body.len, fn,
                                    ctx, token, sizeof(token), err);
        }
    } while (rc == WEIR_OK && token[0] != '\0');
    weir_aws_http_response_reset(&resp);
    if (rc != WEIR_OK) {
        weir_error_detail(err, "listing s3://%s/%s", s3->bucket, prefix);
    }
    return rc;
}

int weir_s3_list_uploads(struct weir_s3 *s3, const char *prefix, weir_s3_upload_fn fn, void *ctx,
                         struct weir_error *err)
{
    char key_marker[2048] = "", id_marker[1024] = "";
    int rc = WEIR_OK;
    struct weir_aws_http_response resp;
    weir_aws_http_response_init(&resp);
    do {
        struct weir_bytes q;
        weir_bytes_init(&q, 16 * 1024);
        query_add(&q, "key-marker", key_marker, 0);
        query_add(&q, "prefix", prefix, 1);
        query_add(&q, "upload-id-marker", id_marker, 0);
        query_add(&q, "uploads", NULL, 1);
        rc = list_page(s3, "S3 ListMultipartUploads", &q, &resp, err);
        if (rc == WEIR_OK) {
            rc = weir_s3_parse_uploads(resp.body.data != NULL ? resp.body.data : "", resp.body.len,
                                       fn, ctx, key_marker, sizeof(key_marker), id_marker,
                                       sizeof(id_marker), err);
        }
    } while (rc == WEIR_OK && key_marker[0] != '\0');
    weir_aws_http_response_reset(&resp);
    if (rc != WEIR_OK) {
        weir_error_detail(err, "listing the multipart uploads under s3://%s/%s", s3->bucket,
                          prefix);
    }
    return rc;
}
