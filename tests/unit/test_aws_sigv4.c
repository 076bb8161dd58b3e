/*
 * SigV4 against the official vectors, copied verbatim into
 * tests/fixtures/aws/sigv4 (see its README.md and LICENSE/NOTICE files):
 * the botocore aws4 suite, aws-c-auth's v4 suite (header and query forms) and
 * the S3 API reference examples. One TAP line per case and stage.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "aws/sigv4.h"
#include "tap.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_TIME 1440938160 /* 2015-08-30T12:36:00Z */
#define VANILLA_TOKEN "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"

static char fixtures[1024];

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n + 1024 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        if (r == 0) {
            break;
        }
        n += r;
    }
    fclose(f);
    buf[n] = '\0';
    if (len != NULL) {
        *len = n;
    }
    return buf;
}

/* A request parsed from a suite's raw HTTP file. */
struct parsed {
    char *text; /* the file, cut in place */
    char *method;
    char *path;
    char *query;
    struct weir_aws_header headers[32];
    size_t n_headers;
    char *body;
    size_t body_len;
};

/* Request line "METHOD URI HTTP/1.1" (the URI may hold spaces), header lines
 * with continuation lines folded in, a blank line, the body. */
static int parse_request(const char *path, struct parsed *r)
{
    memset(r, 0, sizeof(*r));
    size_t len = 0;
    r->text = slurp(path, &len);
    if (r->text == NULL) {
        return -1;
    }
    char *line_end = strchr(r->text, '\n');
    if (line_end != NULL) {
        *line_end = '\0';
    }
    char *sp = strchr(r->text, ' ');
    char *http = strstr(r->text, " HTTP/");
    if (sp == NULL || http == NULL) {
        return -1;
    }
    *sp = '\0';
    *http = '\0';
    r->method = r->text;
    r->path = sp + 1;
    char *q = strchr(r->path, '?');
    if (q != NULL) {
        *q = '\0';
        r->query = q + 1;
    }
    char *p = line_end != NULL ? line_end + 1 : r->text + len;
    char *end = r->text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl != NULL ? nl : end;
        if (le == p) { /* blank line: the body follows */
            r->body = p + 1 <= end ? p + 1 : end;
            r->body_len = (size_t)(end - r->body);
            break;
        }
        *le = '\0';
        if ((*p == ' ' || *p == '\t') && r->n_headers > 0) {
            /* continuation: glue onto the previous value, the '\0' becomes '\n' */
            p[-1] = '\n';
        } else {
            char *colon = strchr(p, ':');
            if (colon == NULL || r->n_headers == 32) {
                return -1;
            }
            *colon = '\0';
            r->headers[r->n_headers].name = p;
            r->headers[r->n_headers].value = colon + 1;
            r->n_headers++;
        }
        p = le + 1;
    }
    return 0;
}

static const char *header_value(const struct parsed *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            return r->headers[i].value;
        }
    }
    return NULL;
}

static void check_file(const char *got, const char *dir, const char *file, const char *label)
{
    char path[2048];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    char *want = slurp(path, NULL);
    TAP_EQ_STR(got, want, label);
    free(want);
}

/* ---- botocore aws4_testsuite ---------------------------------------------------------------- */

static void run_botocore_case(const char *dir, const char *name)
{
    char path[2048], label[512];
    struct parsed r;
    snprintf(path, sizeof(path), "%s/%s.req", dir, name);
    if (parse_request(path, &r) != 0) {
        TAP_OK(0, "botocore %s: request parses", name);
        free(r.text);
        return;
    }
    const char *amz_date = header_value(&r, "X-Amz-Date");
    TAP_EQ_STR(amz_date, "20150830T123600Z", "botocore request carries the suite time");

    struct weir_sigv4_creds creds = {AKID, SECRET, NULL};
    struct weir_sigv4_params p = {"us-east-1", "service", SUITE_TIME, WEIR_SIGV4_FLAGS_DEFAULT,
                                  NULL, 0};
    /* The suite's token cases: the token comes from the request itself
     * (header-before), from the case's readme (header-after: sent unsigned)
     * or from the case name (the same token aws-c-auth's context.json has). */
    char *readme_token = NULL;
    if (header_value(&r, "X-Amz-Security-Token") != NULL) {
        creds.session_token = header_value(&r, "X-Amz-Security-Token");
    } else if (strcmp(name, "get-vanilla-with-session-token") == 0) {
        creds.session_token = VANILLA_TOKEN;
    } else if (strcmp(name, "post-sts-header-after") == 0) {
        char rp[2048];
        snprintf(rp, sizeof(rp), "%s/../readme.txt", dir);
        char *readme = slurp(rp, NULL);
        const char *t = readme != NULL ? strstr(readme, "AQoD") : NULL;
        readme_token = t != NULL ? strndup(t, strcspn(t, " \r\n")) : NULL;
        free(readme);
        creds.session_token = readme_token;
        p.flags |= WEIR_SIGV4_TOKEN_AFTER;
    }
    struct weir_sigv4_request req = {r.method, r.path, r.query, r.headers, r.n_headers,
                                     r.body, r.body_len};
    struct weir_sigv4_result out;
    struct weir_error err;
    int rc = weir_sigv4_sign(&req, &creds, &p, &out, &err);
    snprintf(label, sizeof(label), "botocore %s: canonical request", name);
    snprintf(path, sizeof(path), "%s.creq", name);
    check_file(rc == WEIR_OK ? out.canonical_request : err.message, dir, path, label);
    snprintf(label, sizeof(label), "botocore %s: string to sign", name);
    snprintf(path, sizeof(path), "%s.sts", name);
    check_file(out.string_to_sign, dir, path, label);
    snprintf(label, sizeof(label), "botocore %s: authorization", name);
    snprintf(path, sizeof(path), "%s.authz", name);
    check_file(out.authorization, dir, path, label);
    weir_sigv4_result_reset(&out);
    free(readme_token);
    free(r.text);
}

static int walk_botocore(const char *dir)
{
    int cases = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        return 0;
    }
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        names = realloc(names, (n + 1) * sizeof(*names));
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), (int (*)(const void *, const void *))strcmp);
    for (size_t i = 0; i < n; i++) {
        char sub[2048], req[4096];
        struct stat st;
        snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]);
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(req, sizeof(req), "%s/%s.req", sub, names[i]);
            if (stat(req, &st) == 0) {
                run_botocore_case(sub, names[i]);
                cases++;
            } else {
                cases += walk_botocore(sub);
            }
        }
        free(names[i]);
    }
    free(names);
    return cases;
}

/* ---- aws-c-auth v4 -------------------------------------------------------------------------- */

static int64_t parse_iso(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL) {
        return -1;
    }
    return (int64_t)timegm(&tm);
}

static void run_crt_case(const char *dir, const char *name)
{
    char path[2048], label[512];
    snprintf(path, sizeof(path), "%s/context.json", dir);
    json_error_t jerr;
    json_t *ctx = json_load_file(path, 0, &jerr);
    struct parsed r;
    snprintf(path, sizeof(path), "%s/request.txt", dir);
    if (ctx == NULL || parse_request(path, &r) != 0) {
        TAP_OK(0, "aws-c-auth %s: context and request parse", name);
        json_decref(ctx);
        return;
    }
    json_t *c = json_object_get(ctx, "credentials");
    struct weir_sigv4_creds creds = {
        json_string_value(json_object_get(c, "access_key_id")),
        json_string_value(json_object_get(c, "secret_access_key")),
        json_string_value(json_object_get(c, "token")),
    };
    unsigned flags = WEIR_SIGV4_DOUBLE_ENCODE;
    if (json_is_true(json_object_get(ctx, "normalize"))) {
        flags |= WEIR_SIGV4_NORMALIZE_PATH;
    }
    if (json_is_true(json_object_get(ctx, "sign_body"))) {
        flags |= WEIR_SIGV4_CONTENT_SHA256_HEADER;
    }
    if (json_is_true(json_object_get(ctx, "omit_session_token"))) {
        flags |= WEIR_SIGV4_TOKEN_AFTER;
    }
    struct weir_sigv4_params p = {
        json_string_value(json_object_get(ctx, "region")),
        json_string_value(json_object_get(ctx, "service")),
        parse_iso(json_string_value(json_object_get(ctx, "timestamp"))),
        flags,
        NULL,
        json_integer_value(json_object_get(ctx, "expiration_in_seconds")),
    };
    struct weir_sigv4_request req = {r.method, r.path, r.query, r.headers, r.n_headers,
                                     r.body, r.body_len};
    for (int form = 0; form < 2; form++) {
        const char *f = form == 0 ? "header" : "query";
        struct weir_sigv4_result out;
        struct weir_error err;
        int rc = form == 0 ? weir_sigv4_sign(&req, &creds, &p, &out, &err)
                           : weir_sigv4_presign(&req, &creds, &p, &out, &err);
        snprintf(label, sizeof(label), "aws-c-auth %s (%s): canonical request", name, f);
        snprintf(path, sizeof(path), "%s-canonical-request.txt", f);
        check_file(rc == WEIR_OK ? out.canonical_request : err.message, dir, path, label);
        snprintf(label, sizeof(label), "aws-c-auth %s (%s): string to sign", name, f);
        snprintf(path, sizeof(path), "%s-string-to-sign.txt", f);
        check_file(out.string_to_sign, dir, path, label);
        snprintf(label, sizeof(label), "aws-c-auth %s (%s): signature", name, f);
        snprintf(path, sizeof(path), "%s-signature.txt", f);
        check_file(rc == WEIR_OK ? out.signature : "", dir, path, label);
        weir_sigv4_result_reset(&out);
    }
    free(r.text);
    json_decref(ctx);
}

static int walk_crt(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return 0;
    }
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            names = realloc(names, (n + 1) * sizeof(*names));
            names[n++] = strdup(e->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof(*names), (int (*)(const void *, const void *))strcmp);
    int cases = 0;
    for (size_t i = 0; i < n; i++) {
        char sub[2048];
        snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
            run_crt_case(sub, names[i]);
            cases++;
        }
        free(names[i]);
    }
    free(names);
    return cases;
}

/* ---- S3 API reference examples -------------------------------------------------------------- */

static int run_s3_examples(const char *path)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    if (doc == NULL) {
        TAP_OK(0, "s3-doc-examples.json parses: %s", jerr.text);
        return 0;
    }
    struct weir_sigv4_creds creds = {
        json_string_value(json_object_get(doc, "access_key_id")),
        json_string_value(json_object_get(doc, "secret_access_key")),
        NULL,
    };
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    strptime(json_string_value(json_object_get(doc, "timestamp")), "%Y%m%dT%H%M%SZ", &tm);
    json_t *cases = json_object_get(doc, "cases");
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *url = json_string_value(json_object_get(c, "url"));
        const char *body = json_string_value(json_object_get(c, "body"));
        /* https://host/path?query → path and query; the presigned example's
         * own X-Amz-* parameters are what signing must produce, so drop them. */
        const char *ps = strchr(url + strlen("https://"), '/');
        char pathbuf[512], query[1024] = "";
        size_t pl = strcspn(ps, "?");
        snprintf(pathbuf, sizeof(pathbuf), "%.*s", (int)pl, ps);
        int presign = strstr(url, "X-Amz-Signature=") != NULL;
        if (ps[pl] == '?' && !presign) {
            snprintf(query, sizeof(query), "%s", ps + pl + 1);
        }
        struct weir_aws_header hs[16];
        size_t nh = 0;
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(c, "headers"), k, v) {
            hs[nh].name = k;
            hs[nh].value = json_string_value(v);
            nh++;
        }
        struct weir_sigv4_params p = {
            json_string_value(json_object_get(doc, "region")),
            json_string_value(json_object_get(doc, "service")),
            (int64_t)timegm(&tm),
            presign ? 0 : WEIR_SIGV4_FLAGS_S3,
            presign ? WEIR_SIGV4_UNSIGNED_PAYLOAD : NULL,
            86400,
        };
        struct weir_sigv4_request req = {json_string_value(json_object_get(c, "method")),
                                         pathbuf, query, hs, nh, body, strlen(body)};
        struct weir_sigv4_result out;
        struct weir_error err;
        int rc = presign ? weir_sigv4_presign(&req, &creds, &p, &out, &err)
                         : weir_sigv4_sign(&req, &creds, &p, &out, &err);
        char label[256];
        snprintf(label, sizeof(label), "s3 %s: canonical request", name);
        TAP_EQ_STR(rc == WEIR_OK ? out.canonical_request : err.message,
                   json_string_value(json_object_get(c, "canonical_request")), label);
        snprintf(label, sizeof(label), "s3 %s: string to sign", name);
        TAP_EQ_STR(out.string_to_sign, json_string_value(json_object_get(c, "string_to_sign")),
                   label);
        snprintf(label, sizeof(label), "s3 %s: signature (published)", name);
        TAP_EQ_STR(out.signature, json_string_value(json_object_get(c, "expected_signature")),
                   label);
        if (presign) {
            const char *want = strchr(url, '?') + 1;
            snprintf(label, sizeof(label), "s3 %s: presigned query string", name);
            TAP_EQ_STR(out.query, want, label);
        }
        weir_sigv4_result_reset(&out);
    }
    int n = (int)json_array_size(cases);
    json_decref(doc);
    return n;
}

/* ---- hand-computed edge cases --------------------------------------------------------------- */

static void test_encoding(void)
{
    struct weir_bytes b;
    weir_bytes_init(&b, 0);
    weir_sigv4_uri_encode(&b, "a b/c~d*e+f%", 12, 1);
    TAP_EQ_STR(b.data, "a%20b/c~d%2Ae%2Bf%25", "uri encode keeps unreserved and slash");
    weir_bytes_reset(&b, 0);
    weir_sigv4_uri_encode(&b, "/k=\xc3\xa9", 5, 0);
    TAP_EQ_STR(b.data, "%2Fk%3D%C3%A9", "uri encode without slash, UTF-8 bytes uppercase hex");
    weir_bytes_reset(&b, 0);
}

static void test_key_cache(void)
{
    struct weir_aws_header hs[] = {{"Host", "example.amazonaws.com"}};
    struct weir_sigv4_request req = {"GET", "/", NULL, hs, 1, NULL, 0};
    struct weir_sigv4_creds creds = {AKID, SECRET, NULL};
    struct weir_sigv4_params p = {"us-east-1", "service", SUITE_TIME, WEIR_SIGV4_FLAGS_DEFAULT,
                                  NULL, 0};
    struct weir_sigv4_result out;
    struct weir_error err;
    weir_sigv4_cache_clear();
    unsigned long d0 = weir_sigv4_derivations();
    weir_sigv4_sign(&req, &creds, &p, &out, &err);
    TAP_EQ_STR(out.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
               "get-vanilla signature (first derivation)");
    weir_sigv4_result_reset(&out);
    p.time += 3600; /* same day */
    weir_sigv4_sign(&req, &creds, &p, &out, &err);
    weir_sigv4_result_reset(&out);
    TAP_EQ_INT(weir_sigv4_derivations() - d0, 1, "signing key cached for the same day");
    p.time += 86400; /* next day */
    weir_sigv4_sign(&req, &creds, &p, &out, &err);
    weir_sigv4_result_reset(&out);
    creds.secret_access_key = "other";
    p.time -= 86400;
    weir_sigv4_sign(&req, &creds, &p, &out, &err);
    weir_sigv4_result_reset(&out);
    TAP_EQ_INT(weir_sigv4_derivations() - d0, 3, "new day and new secret derive new keys");

    /* S3 rules: no normalisation, the wire path as is, content hash header. */
    struct weir_aws_header s3h[] = {{"Host", "b.s3.amazonaws.com"}};
    struct weir_sigv4_request s3 = {"PUT", "/a//b/../c%2Fd", NULL, s3h, 1, "x", 1};
    p.flags = WEIR_SIGV4_FLAGS_S3;
    p.service = "s3";
    creds.session_token = "tok";
    weir_sigv4_sign(&s3, &creds, &p, &out, &err);
    const char *cr = out.canonical_request;
    TAP_OK(cr != NULL && strncmp(cr, "PUT\n/a//b/../c%2Fd\n\nhost:", 25) == 0,
           "s3 canonical uri is the wire path unchanged");
    TAP_OK(cr != NULL && strstr(cr, "\nx-amz-content-sha256:2d711642b726b04401627ca9fbac32f5c8530"
                                    "fb1903cc4db02258717921a4881\n") != NULL,
           "s3 signs x-amz-content-sha256 of the body");
    TAP_OK(cr != NULL && strstr(cr, "\nx-amz-security-token:tok\n") != NULL,
           "session token signed as x-amz-security-token");
    TAP_EQ_STR(out.signed_headers, "host;x-amz-content-sha256;x-amz-date;x-amz-security-token",
               "s3 signed headers");
    weir_sigv4_result_reset(&out);

    struct weir_aws_header noh[] = {{"X-Other", "1"}};
    struct weir_sigv4_request bad = {"GET", "/", NULL, noh, 1, NULL, 0};
    TAP_EQ_INT(weir_sigv4_sign(&bad, &creds, &p, &out, &err), WEIR_EINTERNAL,
               "a request without Host is refused");
}

int main(void)
{
    const char *src = getenv("WEIR_SRCDIR");
    snprintf(fixtures, sizeof(fixtures), "%s/tests/fixtures/aws/sigv4", src != NULL ? src : ".");
    char dir[1100];

    snprintf(dir, sizeof(dir), "%s/botocore-aws4_testsuite", fixtures);
    int nb = walk_botocore(dir);
    TAP_EQ_INT(nb, 34, "botocore aws4 suite: every case ran");

    snprintf(dir, sizeof(dir), "%s/aws-c-auth/v4", fixtures);
    int nc = walk_crt(dir);
    TAP_EQ_INT(nc, 38, "aws-c-auth v4 suite: every case ran");

    snprintf(dir, sizeof(dir), "%s/s3-doc-examples.json", fixtures);
    int ns = run_s3_examples(dir);
    TAP_EQ_INT(ns, 5, "s3 examples: every case ran");

    test_encoding();
    test_key_cache();
    weir_sigv4_cache_clear();
    return tap_done();
}
