/*
 * weir_s3_download through a session with a fake transport that serves an
 * object from memory as S3 does: 206 with Content-Range for a Range
 * request, 416 with "bytes *" "/size" past the end, 404 NoSuchKey. Checks
 * the file written byte for byte, that no GET asks for more than one chunk
 * (memory stays at a chunk whatever the object's size), a server that
 * ignores Range (200, whole object), an object replaced mid-download (the
 * ETag changes: an error naming it), and Content-Range parsing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws/s3.h"
#include "tap.h"
#include "test_env.h"

struct fake {
    const unsigned char *obj;
    size_t size;
    int missing;      /* 404 */
    int ignore_range; /* 200 with the whole object */
    int change_at;    /* from this call (1-based) on, another ETag; 0: never */
    int calls;
    unsigned long long max_asked;
};

static int transport(void *ctx, const struct weir_aws_http_request *req,
                     struct weir_aws_http_response *resp, struct weir_error *err)
{
    struct fake *f = ctx;
    unsigned long long a = 0, b = 0;
    (void)err;
    f->calls++;
    for (size_t h = 0; h < req->n_headers; h++) {
        if (strcasecmp(req->headers[h].name, "Range") == 0) {
            sscanf(req->headers[h].value, "bytes=%llu-%llu", &a, &b);
        }
    }
    if (b - a + 1 > f->max_asked) {
        f->max_asked = b - a + 1;
    }
    const char *etag = f->change_at > 0 && f->calls >= f->change_at ? "\"e2\"" : "\"e1\"";
    if (f->missing) {
        resp->status = 404;
        weir_bytes_puts(&resp->body, "<Error><Code>NoSuchKey</Code><Message>The specified key "
                                     "does not exist.</Message></Error>");
        return WEIR_OK;
    }
    weir_bytes_printf(&resp->headers, "ETag: %s\r\n", etag);
    if (f->ignore_range) {
        resp->status = 200;
        weir_bytes_append(&resp->body, f->obj, f->size);
        return WEIR_OK;
    }
    if (a >= f->size) {
        resp->status = 416;
        weir_bytes_printf(&resp->headers, "Content-Range: bytes */%zu\r\n", f->size);
        weir_bytes_puts(&resp->body, "<Error><Code>InvalidRange</Code></Error>");
        return WEIR_OK;
    }
    if (b >= f->size) {
        b = f->size - 1;
    }
    resp->status = 206;
    weir_bytes_printf(&resp->headers, "Content-Range: bytes %llu-%llu/%zu\r\n", a, b, f->size);
    weir_bytes_append(&resp->body, f->obj + a, (size_t)(b - a + 1));
    return WEIR_OK;
}

static const char *env[] = {"AWS_ACCESS_KEY_ID",
                            "AKIDTEST",
                            "AWS_SECRET_ACCESS_KEY",
                            "secret",
                            "AWS_REGION",
                            "eu-west-1",
                            "AWS_EC2_METADATA_DISABLED",
                            "true",
                            "AWS_CONFIG_FILE",
                            "/nonexistent",
                            "AWS_SHARED_CREDENTIALS_FILE",
                            "/nonexistent",
                            NULL};

static struct weir_s3 *client(struct fake *f)
{
    static struct weir_aws_http_options o;
    struct weir_error err;
    memset(&o, 0, sizeof(o));
    o.transport = transport;
    o.transport_ctx = f;
    o.clock = clock0;
    o.max_attempts = 1;
    struct weir_aws_session_options so = {table_getenv, env, &o};
    struct weir_s3 *s3 = calloc(1, sizeof(*s3));
    if (s3 == NULL || weir_aws_session_new(&so, &s3->session, &err) != WEIR_OK) {
        printf("# session failed\n");
        free(s3);
        return NULL;
    }
    snprintf(s3->bucket, sizeof(s3->bucket), "b");
    snprintf(s3->endpoint, sizeof(s3->endpoint), "http://127.0.0.1:9");
    snprintf(s3->region, sizeof(s3->region), "eu-west-1");
    s3->path_style = 1;
    s3->custom_endpoint = 1;
    return s3;
}

/* Downloads into a temp file; returns the status, the file's bytes in *got (new). */
static int download(struct fake *f, size_t chunk, unsigned char **got, size_t *got_len,
                    uint64_t *bytes, struct weir_error *err)
{
    /* a mkstemp template: a new file per call, removed below */
    const char *tmp = getenv("TMPDIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/weir-test-s3dl-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    struct weir_s3 *s3 = client(f);
    int rc = s3 != NULL && fd >= 0 ? weir_s3_download(s3, "k/x.keys", fd, chunk, bytes, err)
                                   : WEIR_EINTERNAL;
    weir_s3_free(s3);
    *got_len = fd >= 0 ? (size_t)lseek(fd, 0, SEEK_END) : 0;
    *got = malloc(*got_len + 1);
    if (fd >= 0 && *got != NULL) {
        (void)!pread(fd, *got, *got_len, 0);
    }
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    return rc;
}

int main(void)
{
    struct weir_error err;
    size_t size = 100003, got_len = 0;
    unsigned char *obj = malloc(size), *got = NULL;
    uint64_t bytes = 0;
    for (size_t i = 0; i < size; i++) {
        obj[i] = (unsigned char)(i * 7 + i / 251);
    }

    struct fake f = {obj, size, 0, 0, 0, 0, 0};
    int rc = download(&f, 4096, &got, &got_len, &bytes, &err);
    TAP_OK(rc == WEIR_OK, "a 100003-byte object in 4096-byte ranges (%s)", rc ? err.message : "");
    TAP_OK(got_len == size && bytes == size && memcmp(got, obj, size) == 0,
           "the file is the object, byte for byte (%zu bytes)", got_len);
    TAP_OK(f.calls == 25, "25 ranged GETs (%d)", f.calls);
    TAP_OK(f.max_asked == 4096, "no GET asks for more than one chunk (%llu)", f.max_asked);
    free(got);

    struct fake exact = {obj, 8192, 0, 0, 0, 0, 0};
    rc = download(&exact, 4096, &got, &got_len, &bytes, &err);
    TAP_OK(rc == WEIR_OK && got_len == 8192 && memcmp(got, obj, 8192) == 0 && exact.calls == 2,
           "an object of exactly two chunks: two GETs (%d)", exact.calls);
    free(got);

    struct fake empty = {obj, 0, 0, 0, 0, 0, 0};
    rc = download(&empty, 4096, &got, &got_len, &bytes, &err);
    TAP_OK(rc == WEIR_OK && got_len == 0 && bytes == 0 && empty.calls == 1,
           "an empty object: 416, an empty file (%s)", rc ? err.message : "");
    free(got);

    struct fake whole = {obj, 5000, 0, 1, 0, 0, 0};
    rc = download(&whole, 4096, &got, &got_len, &bytes, &err);
    TAP_OK(rc == WEIR_OK && got_len == 5000 && memcmp(got, obj, 5000) == 0 && whole.calls == 2,
           "a server that ignores Range (200, whole object): each chunk taken from it (%d calls)",
           whole.calls);
    free(got);

    struct fake changed = {obj, size, 0, 0, 3, 0, 0};
    rc = download(&changed, 4096, &got, &got_len, &bytes, &err);
    TAP_OK(rc == WEIR_EUNAVAILABLE && strstr(err.message, "changed during its download") != NULL &&
               strstr(err.message, "s3://b/k/x.keys") != NULL,
           "an object replaced mid-download fails naming it (%s)", err.message);
    TAP_OK(changed.calls == 3 && bytes == 0, "it stops at the first other ETag");
    free(got);

    struct fake missing = {obj, size, 1, 0, 0, 0, 0};
    rc = download(&missing, 4096, &got, &got_len, &bytes, &err);
    TAP_OK(rc == WEIR_ENOINPUT, "a missing object is WEIR_ENOINPUT (%d)", rc);
    free(got);

    struct {
        const char *v;
        int ok;
        uint64_t first, last, total;
    } cr[] = {
        {"bytes 0-4095/100003", 1, 0, 4095, 100003},
        {"bytes 98304-100002/100003", 1, 98304, 100002, 100003},
        {"bytes */100003", 1, 0, 0, 100003},
        {"bytes 0-4095/*", 0, 0, 0, 0},
        {"bytes 10-5/100", 0, 0, 0, 0},
        {"bytes 0-100/100", 0, 0, 0, 0},
        {"bytes 0-9/100x", 0, 0, 0, 0},
        {"", 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cr) / sizeof(cr[0]); i++) {
        uint64_t a = 9, b = 9, t = 9;
        int ok = weir_s3_parse_content_range(cr[i].v, &a, &b, &t);
        TAP_OK(ok == cr[i].ok && (!ok || (a == cr[i].first && b == cr[i].last && t == cr[i].total)),
               "Content-Range \"%s\"", cr[i].v);
    }
    free(obj);
    return tap_done();
}
