/*
 * SigV4 as the AWS General Reference describes it ("Create a canonical
 * request", "Create a string to sign", "Calculate the signature"), checked
 * against the aws4 test suite, aws-c-auth's v4 suite and the S3 examples.
 */
#include "aws/sigv4.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#define ALGORITHM "AWS4-HMAC-SHA256"
#define MAX_CANONICAL ((size_t)1 << 20)

/* ---- hashing -------------------------------------------------------------------------------- */

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void weir_sigv4_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data != NULL ? data : (const void *)"", len, md);
    hex_encode(md, sizeof(md), hex);
}

static int hmac(const unsigned char *key, size_t klen, const void *msg, size_t mlen,
                unsigned char out[32])
{
    unsigned int olen = 0;
    if (HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &olen) == NULL || olen != 32) {
        return -1;
    }
    return 0;
}

/* ---- signing-key cache ---------------------------------------------------------------------- */

/* Deriving the key costs four HMACs; a process signs many requests for the
 * same day, region and service, so a few entries are kept. The secret itself
 * is not stored, only its hash to tell entries apart. */
#define CACHE_SLOTS 8

struct key_slot {
    int used;
    unsigned long stamp;
    unsigned char secret_hash[32];
    char date[9];
    char region[32];
    char service[32];
    unsigned char key[32];
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct key_slot cache[CACHE_SLOTS];
static unsigned long cache_clock;
static unsigned long derivations;

void weir_sigv4_cache_clear(void)
{
    pthread_mutex_lock(&cache_lock);
    OPENSSL_cleanse(cache, sizeof(cache));
    pthread_mutex_unlock(&cache_lock);
}

unsigned long weir_sigv4_derivations(void)
{
    pthread_mutex_lock(&cache_lock);
    unsigned long n = derivations;
    pthread_mutex_unlock(&cache_lock);
    return n;
}

static int derive_key(const char *secret, const char *date, const char *region,
                      const char *service, unsigned char key[32])
{
    unsigned char h[32];
    SHA256((const unsigned char *)secret, strlen(secret), h);
    int cacheable = strlen(region) < sizeof(cache[0].region) &&
                    strlen(service) < sizeof(cache[0].service);

    pthread_mutex_lock(&cache_lock);
    cache_clock++;
    if (cacheable) {
        for (int i = 0; i < CACHE_SLOTS; i++) {
            struct key_slot *s = &cache[i];
            if (s->used && memcmp(s->secret_hash, h, 32) == 0 && strcmp(s->date, date) == 0 &&
                strcmp(s->region, region) == 0 && strcmp(s->service, service) == 0) {
                memcpy(key, s->key, 32);
                s->stamp = cache_clock;
                pthread_mutex_unlock(&cache_lock);
                return 0;
            }
        }
    }
    derivations++;
    pthread_mutex_unlock(&cache_lock);

    size_t slen = strlen(secret);
    unsigned char *k0 = malloc(slen + 5);
    if (k0 == NULL) {
        return -1;
    }
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret, slen);
    unsigned char k1[32], k2[32], k3[32];
    int rc = hmac(k0, slen + 4, date, strlen(date), k1) != 0 ||
             hmac(k1, 32, region, strlen(region), k2) != 0 ||
             hmac(k2, 32, service, strlen(service), k3) != 0 ||
             hmac(k3, 32, "aws4_request", 12, key) != 0;
    OPENSSL_cleanse(k0, slen + 4);
    free(k0);
    OPENSSL_cleanse(k1, 32);
    OPENSSL_cleanse(k2, 32);
    OPENSSL_cleanse(k3, 32);
    if (rc) {
        return -1;
    }
    if (cacheable) {
        pthread_mutex_lock(&cache_lock);
        struct key_slot *victim = &cache[0];
        for (int i = 0; i < CACHE_SLOTS; i++) {
            if (!cache[i].used) {
                victim = &cache[i];
                break;
            }
            if (cache[i].stamp < victim->stamp) {
                victim = &cache[i];
            }
        }
        OPENSSL_cleanse(victim, sizeof(*victim));
        victim->used = 1;
        victim->stamp = cache_clock;
        memcpy(victim->secret_hash, h, 32);
        snprintf(victim->date, sizeof(victim->date), "%s", date);
        snprintf(victim->region, sizeof(victim->region), "%s", region);
        snprintf(victim->service, sizeof(victim->service), "%s", service);
        memcpy(victim->key, key, 32);
        pthread_mutex_unlock(&cache_lock);
    }
    return 0;
}

/* ---- encoding ------------------------------------------------------------------------------- */

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

int weir_sigv4_uri_encode(struct weir_bytes *b, const char *s, size_t n, int keep_slash)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            weir_bytes_putc(b, (char)c);
        } else {
            char e[3] = {'%', digits[c >> 4], digits[c & 15]};
            weir_bytes_append(b, e, 3);
        }
    }
    return b->failed ? -1 : 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Percent-decodes s[0..n) into b (a bad escape is kept literally). */
static void uri_decode(struct weir_bytes *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            weir_bytes_putc(b, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
            i += 2;
        } else {
            weir_bytes_putc(b, s[i]);
        }
    }
}

/* ---- canonical URI -------------------------------------------------------------------------- */

/* RFC 3986 5.2.4 remove_dot_segments, plus collapsing empty segments (what
 * every SDK does for non-S3 services). The trailing slash is kept. */
static void normalize_path(struct weir_bytes *out, const char *path)
{
    size_t n = strlen(path);
    size_t *starts = calloc(n + 1, sizeof(size_t));
    size_t *lens = calloc(n + 1, sizeof(size_t));
    size_t depth = 0;
    int trailing = 0;
    if (starts == NULL || lens == NULL) {
        out->failed = 1;
        goto done;
    }
    size_t i = 0;
    while (i < n) {
        while (i < n && path[i] == '/') {
            i++;
        }
        size_t s = i;
        while (i < n && path[i] != '/') {
            i++;
        }
        size_t len = i - s;
        if (len == 0) {
            trailing = 1;
            break;
        }
        trailing = i < n;
        if (len == 1 && path[s] == '.') {
            trailing = 1;
        } else if (len == 2 && path[s] == '.' && path[s + 1] == '.') {
            if (depth > 0) {
                depth--;
            }
            trailing = 1;
        } else {
            starts[depth] = s;
            lens[depth] = len;
            depth++;
        }
    }
    weir_bytes_putc(out, '/');
    for (size_t k = 0; k < depth; k++) {
        weir_bytes_append(out, path + starts[k], lens[k]);
        if (k + 1 < depth || trailing) {
            weir_bytes_putc(out, '/');
        }
    }
done:
    free(starts);
    free(lens);
}

static void canonical_uri(struct weir_bytes *cr, const char *path, unsigned flags)
{
    struct weir_bytes tmp;
    weir_bytes_init(&tmp, MAX_CANONICAL);
    if (path == NULL || path[0] == '\0') {
        path = "/";
    }
    if (flags & WEIR_SIGV4_NORMALIZE_PATH) {
        normalize_path(&tmp, path);
    } else {
        weir_bytes_puts(&tmp, path);
    }
    if (tmp.failed) {
        cr->failed = 1;
    } else if (flags & WEIR_SIGV4_DOUBLE_ENCODE) {
        weir_sigv4_uri_encode(cr, tmp.data, tmp.len, 1);
    } else {
        /* Single encoding: the wire path is already encoded; only bytes that
         * cannot appear on a request line are escaped, so this is idempotent. */
        for (size_t i = 0; i < tmp.len; i++) {
            unsigned char c = (unsigned char)tmp.data[i];
            if (c == '%' || c == '/' || unreserved(c) || (c > 0x20 && c < 0x7f && c != '"' &&
                                                         c != '<' && c != '>' && c != '\\' &&
                                                         c != '^' && c != '`' && c != '{' &&
                                                         c != '|' && c != '}' && c != '#' &&
                                                         c != '?')) {
                weir_bytes_putc(cr, (char)c);
            } else {
                weir_sigv4_uri_encode(cr, (const char *)&c, 1, 0);
            }
        }
    }
    weir_bytes_reset(&tmp, 0);
}

/* ---- canonical query ------------------------------------------------------------------------ */

struct qparam {
    char *key; /* encoded */
    char *value;
};

static int qparam_cmp(const void *a, const void *b)
{
    const struct qparam *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c != 0 ? c : strcmp(x->value, y->value);
}

static char *encode_dup(const char *s, size_t n, int decode_first)
{
    struct weir_bytes raw, enc;
    weir_bytes_init(&raw, MAX_CANONICAL);
    weir_bytes_init(&enc, MAX_CANONICAL);
    if (decode_first) {
        uri_decode(&raw, s, n);
    } else {
        weir_bytes_append(&raw, s, n);
    }
    if (!raw.failed) {
        weir_sigv4_uri_encode(&enc, raw.data != NULL ? raw.data : "", raw.len, 0);
    }
    weir_bytes_reset(&raw, 1);
    if (enc.failed) {
        weir_bytes_reset(&enc, 1);
        return NULL;
    }
    return weir_bytes_take(&enc, NULL);
}

struct qlist {
    struct qparam *v;
    size_t n;
    size_t cap;
};

static int qlist_add(struct qlist *l, char *key, char *value)
{
    if (key == NULL || value == NULL) {
        goto fail;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap != 0 ? l->cap * 2 : 16;
        struct qparam *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL) {
            goto fail;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n].key = key;
    l->v[l->n].value = value;
    l->n++;
    return 0;
fail:
    free(key);
    if (value != NULL) {
        OPENSSL_cleanse(value, strlen(value));
    }
    free(value);
    return -1;
}

static void qlist_free(struct qlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].key);
        OPENSSL_cleanse(l->v[i].value, strlen(l->v[i].value));
        free(l->v[i].value);
    }
    free(l->v);
}

/* Wire query → decoded and re-encoded pairs: the spec encodes names and
 * values with the unreserved set, whatever encoding the caller used. */
static int qlist_parse(struct qlist *l, const char *q)
{
    if (q == NULL) {
        return 0;
    }
    const char *p = q;
    while (*p != '\0') {
        const char *end = strchr(p, '&');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        if (n > 0) {
            const char *eq = memchr(p, '=', n);
            size_t kn = eq != NULL ? (size_t)(eq - p) : n;
            const char *v = eq != NULL ? eq + 1 : p + n;
            size_t vn = eq != NULL ? n - kn - 1 : 0;
            if (qlist_add(l, encode_dup(p, kn, 1), encode_dup(v, vn, 1)) != 0) {
                return -1;
            }
        }
        p += n;
        if (*p == '&') {
            p++;
        }
    }
    return 0;
}

static int qlist_add_raw(struct qlist *l, const char *key, const char *value)
{
    return qlist_add(l, encode_dup(key, strlen(key), 0), encode_dup(value, strlen(value), 0));
}

static void qlist_join(struct weir_bytes *b, struct qlist *l)
{
    if (l->n > 1) {
        qsort(l->v, l->n, sizeof(*l->v), qparam_cmp);
    }
    for (size_t i = 0; i < l->n; i++) {
        if (i > 0) {
            weir_bytes_putc(b, '&');
        }
        weir_bytes_puts(b, l->v[i].key);
        weir_bytes_putc(b, '=');
        weir_bytes_puts(b, l->v[i].value);
    }
}

/* ---- canonical headers ---------------------------------------------------------------------- */

struct chdr {
    char *name;  /* lowercase */
    char *value; /* trimmed, runs of whitespace folded into one space */
    size_t order;
};

static int chdr_cmp(const void *a, const void *b)
{
    const struct chdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c != 0) {
        return c;
    }
    return x->order < y->order ? -1 : x->order > y->order;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static char *fold_value(const char *v)
{
    size_t n = strlen(v);
    char *out = malloc(n + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t o = 0;
    int pending_space = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_ws(v[i])) {
            pending_space = o > 0;
            continue;
        }
        if (pending_space) {
            out[o++] = ' ';
            pending_space = 0;
        }
        out[o++] = v[i];
    }
    out[o] = '\0';
    return out;
}

/* Headers an intermediary may add or change; the SDKs never sign them. */
static int skipped_header(const char *lname)
{
    static const char *const skip[] = {"authorization", "user-agent", "expect",
                                       "x-amzn-trace-id", "connection", "transfer-encoding"};
    for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
        if (strcmp(lname, skip[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

struct hlist {
    struct chdr *v;
    size_t n;
};

static void hlist_free(struct hlist *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].name);
        OPENSSL_cleanse(h->v[i].value, strlen(h->v[i].value));
        free(h->v[i].value);
    }
    free(h->v);
}

static int hlist_push(struct hlist *h, const char *name, const char *value)
{
    size_t n = strlen(name);
    char *ln = malloc(n + 1);
    char *fv = fold_value(value != NULL ? value : "");
    if (ln == NULL || fv == NULL) {
        free(ln);
        free(fv);
        return -1;
    }
    for (size_t i = 0; i <= n; i++) {
        ln[i] = (char)tolower((unsigned char)name[i]);
    }
    h->v[h->n].name = ln;
    h->v[h->n].value = fv;
    h->v[h->n].order = h->n;
    h->n++;
    return 0;
}

/* Writes the canonical header block and fills signed_headers. */
static void canonical_headers(struct weir_bytes *cr, struct weir_bytes *signed_headers,
                              struct hlist *h)
{
    if (h->n > 1) {
        qsort(h->v, h->n, sizeof(*h->v), chdr_cmp);
    }
    for (size_t i = 0; i < h->n; i++) {
        if (i > 0 && strcmp(h->v[i].name, h->v[i - 1].name) == 0) {
            /* Repeated header: values joined with commas in their order. */
            weir_bytes_putc(cr, ',');
            weir_bytes_puts(cr, h->v[i].value);
            continue;
        }
        if (i > 0) {
            weir_bytes_putc(cr, '\n');
            weir_bytes_putc(signed_headers, ';');
        }
        weir_bytes_puts(cr, h->v[i].name);
        weir_bytes_putc(cr, ':');
        weir_bytes_puts(cr, h->v[i].value);
        weir_bytes_puts(signed_headers, h->v[i].name);
    }
    weir_bytes_puts(cr, "\n\n");
}

/* ---- the signature -------------------------------------------------------------------------- */

void weir_sigv4_result_reset(struct weir_sigv4_result *r)
{
    char **strs[] = {&r->canonical_request, &r->string_to_sign, &r->signed_headers,
                     &r->authorization, &r->query};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        if (*strs[i] != NULL) {
            OPENSSL_cleanse(*strs[i], strlen(*strs[i]));
            free(*strs[i]);
            *strs[i] = NULL;
        }
    }
    memset(r->amz_date, 0, sizeof(r->amz_date));
    memset(r->payload_hash, 0, sizeof(r->payload_hash));
    memset(r->signature, 0, sizeof(r->signature));
}

static int format_time(int64_t t, char amz_date[17], char date[9])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL) {
        return -1;
    }
    strftime(amz_date, 17, "%Y%m%dT%H%M%SZ", &tm);
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    return 0;
}

static int sign(const struct weir_sigv4_request *req, const struct weir_sigv4_creds *creds,
                const struct weir_sigv4_params *p, int presign, struct weir_sigv4_result *out,
                struct weir_error *err)
{
    int rc = WEIR_OK;
    struct hlist h = {NULL, 0};
    struct qlist q = {NULL, 0, 0};
    struct weir_bytes cr, sts, sh, tmp;
    char date[9];
    char scope[160];
    unsigned char key[32], sig[32];
    weir_bytes_init(&cr, MAX_CANONICAL);
    weir_bytes_init(&sts, MAX_CANONICAL);
    weir_bytes_init(&sh, MAX_CANONICAL);
    weir_bytes_init(&tmp, MAX_CANONICAL);
    memset(out, 0, sizeof(*out));

    if (req->method == NULL || creds == NULL || creds->access_key_id == NULL ||
        creds->secret_access_key == NULL || p->region == NULL || p->service == NULL) {
        rc = weir_error_set(err, WEIR_EINTERNAL, "sigv4: request, credentials or scope missing");
        goto done;
    }
    int have_host = 0;
    for (size_t i = 0; i < req->n_headers; i++) {
        have_host |= strcasecmp(req->headers[i].name, "host") == 0;
    }
    if (!have_host) {
        rc = weir_error_set(err, WEIR_EINTERNAL, "sigv4: the request has no Host header");
        goto done;
    }
    if (format_time(p->time, out->amz_date, date) != 0) {
        rc = weir_error_set(err, WEIR_EINTERNAL, "sigv4: time out of range");
        goto done;
    }
    const char *token = creds->session_token;
    if (token != NULL && token[0] == '\0') {
        token = NULL;
    }
    int sign_token = token != NULL && !(p->flags & WEIR_SIGV4_TOKEN_AFTER);
    if (p->payload_hash != NULL) {
        snprintf(out->payload_hash, sizeof(out->payload_hash), "%s", p->payload_hash);
    } else {
        weir_sigv4_sha256_hex(req->body, req->body_len, out->payload_hash);
    }
    snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date, p->region, p->service);

    /* Headers: the caller's, plus the ones signing adds in the header form. */
    h.v = calloc(req->n_headers + 4, sizeof(*h.v));
    if (h.v == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "sigv4: out of memory");
        goto done;
    }
    for (size_t i = 0; i < req->n_headers; i++) {
        const char *name = req->headers[i].name;
        if (strcasecmp(name, "x-amz-date") == 0 || strcasecmp(name, "authorization") == 0 ||
            (strcasecmp(name, "x-amz-security-token") == 0 && (sign_token || presign))) {
            continue; /* ours to set */
        }
        if (strcasecmp(name, "x-amz-content-sha256") == 0 &&
            (p->flags & WEIR_SIGV4_CONTENT_SHA256_HEADER) && !presign) {
            continue;
        }
        char lname[128];
        size_t nl = strlen(name);
        for (size_t k = 0; k <= nl && k < sizeof(lname); k++) {
            lname[k] = (char)tolower((unsigned char)name[k]);
        }
        lname[sizeof(lname) - 1] = '\0';
        if (skipped_header(lname)) {
            continue;
        }
        if (hlist_push(&h, name, req->headers[i].value) != 0) {
            rc = weir_error_set(err, WEIR_ENOMEM, "sigv4: out of memory");
            goto done;
        }
    }
    int ok = 0;
    if (!presign) {
        ok |= hlist_push(&h, "x-amz-date", out->amz_date);
        if (sign_token) {
            ok |= hlist_push(&h, "x-amz-security-token", token);
        }
        if (p->flags & WEIR_SIGV4_CONTENT_SHA256_HEADER) {
            ok |= hlist_push(&h, "x-amz-content-sha256", out->payload_hash);
        }
    }
    if (ok != 0 || qlist_parse(&q, req->query) != 0) {
        rc = weir_error_set(err, WEIR_ENOMEM, "sigv4: out of memory");
        goto done;
    }

    /* Canonical request. The header block is built first (into tmp) because
     * the presigned query needs the signed-headers list. */
    canonical_headers(&tmp, &sh, &h);
    if (presign) {
        char cred[256], expires[24];
        snprintf(cred, sizeof(cred), "%s/%s", creds->access_key_id, scope);
        snprintf(expires, sizeof(expires), "%lld", (long long)p->expires);
        ok |= qlist_add_raw(&q, "X-Amz-Algorithm", ALGORITHM);
        ok |= qlist_add_raw(&q, "X-Amz-Credential", cred);
        ok |= qlist_add_raw(&q, "X-Amz-Date", out->amz_date);
        ok |= qlist_add_raw(&q, "X-Amz-Expires", expires);
        if (sign_token) {
            ok |= qlist_add_raw(&q, "X-Amz-Security-Token", token);
        }
        ok |= qlist_add_raw(&q, "X-Amz-SignedHeaders", sh.data != NULL ? sh.data : "");
        if (ok != 0) {
            rc = weir_error_set(err, WEIR_ENOMEM, "sigv4: out of memory");
            goto done;
        }
    }
    weir_bytes_puts(&cr, req->method);
    weir_bytes_putc(&cr, '\n');
    canonical_uri(&cr, req->path, p->flags);
    weir_bytes_putc(&cr, '\n');
    size_t qstart = cr.len;
    qlist_join(&cr, &q);
    size_t qend = cr.len;
    weir_bytes_putc(&cr, '\n');
    weir_bytes_append(&cr, tmp.data, tmp.len);
    weir_bytes_puts(&cr, sh.data != NULL ? sh.data : "");
    weir_bytes_putc(&cr, '\n');
    weir_bytes_puts(&cr, out->payload_hash);
    if ((rc = weir_bytes_check(&cr, "sigv4 canonical request", err)) != WEIR_OK ||
        (rc = weir_bytes_check(&sh, "sigv4 signed headers", err)) != WEIR_OK) {
        goto done;
    }

    char crhash[65];
    weir_sigv4_sha256_hex(cr.data, cr.len, crhash);
    weir_bytes_printf(&sts, "%s\n%s\n%s\n%s", ALGORITHM, out->amz_date, scope, crhash);
    if ((rc = weir_bytes_check(&sts, "sigv4 string to sign", err)) != WEIR_OK) {
        goto done;
    }
    if (derive_key(creds->secret_access_key, date, p->region, p->service, key) != 0 ||
        hmac(key, 32, sts.data, sts.len, sig) != 0) {
        rc = weir_error_set(err, WEIR_EINTERNAL, "sigv4: HMAC-SHA256 failed");
        goto done;
    }
    hex_encode(sig, 32, out->signature);

    struct weir_bytes last;
    weir_bytes_init(&last, MAX_CANONICAL);
    if (presign) {
        weir_bytes_append(&last, cr.data + qstart, qend - qstart);
        weir_bytes_printf(&last, "%sX-Amz-Signature=%s", qend > qstart ? "&" : "", out->signature);
        if (token != NULL && !sign_token) {
            weir_bytes_puts(&last, "&X-Amz-Security-Token=");
            weir_sigv4_uri_encode(&last, token, strlen(token), 0);
        }
    } else {
        weir_bytes_printf(&last, "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s", ALGORITHM,
                         creds->access_key_id, scope, sh.data, out->signature);
    }
    if ((rc = weir_bytes_check(&last, "sigv4 result", err)) != WEIR_OK) {
        weir_bytes_reset(&last, 1);
        goto done;
    }
    if (presign) {
        out->query = weir_bytes_take(&last, NULL);
    } else {
        out->authorization = weir_bytes_take(&last, NULL);
    }
    out->canonical_request = weir_bytes_take(&cr, NULL);
    out->string_to_sign = weir_bytes_take(&sts, NULL);
    out->signed_headers = weir_bytes_take(&sh, NULL);
    if (out->canonical_request == NULL || out->string_to_sign == NULL ||
        out->signed_headers == NULL || (presign ? out->query : out->authorization) == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "sigv4: out of memory");
    }

done:
    OPENSSL_cleanse(key, sizeof(key));
    hlist_free(&h);
    qlist_free(&q);
    weir_bytes_reset(&cr, 1);
    weir_bytes_reset(&sts, 1);
    weir_bytes_reset(&sh, 1);
    weir_bytes_reset(&tmp, 1);
    if (rc != WEIR_OK) {
        weir_sigv4_result_reset(out);
    }
    return rc;
}

int weir_sigv4_sign(const struct weir_sigv4_request *req, const struct weir_sigv4_creds *creds,
                    const struct weir_sigv4_params *p, struct weir_sigv4_result *out,
                    struct weir_error *err)
{
    return sign(req, creds, p, 0, out, err);
}

int weir_sigv4_presign(const struct weir_sigv4_request *req, const struct weir_sigv4_creds *creds,
                       const struct weir_sigv4_params *p, struct weir_sigv4_result *out,
                       struct weir_error *err)
{
    return sign(req, creds, p, 1, out, err);
}
