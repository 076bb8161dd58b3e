/* Credentials type and helpers shared by the providers. */
#include "aws/cred.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/parse.h"

void weir_aws_creds_reset(struct weir_aws_creds *c)
{
    weir_aws_secret_reset(&c->secret_access_key);
    weir_aws_secret_reset(&c->session_token);
    memset(c->access_key_id, 0, sizeof(c->access_key_id));
    c->expiration = 0;
    c->provider[0] = '\0';
}

int weir_aws_creds_set(struct weir_aws_creds *c, const char *access_key_id, const char *secret,
                       const char *token, int64_t expiration, const char *provider,
                       struct weir_error *err)
{
    weir_aws_creds_reset(c);
    if (access_key_id == NULL || access_key_id[0] == '\0' || secret == NULL || secret[0] == '\0') {
        return weir_error_set(err, WEIR_EAUTH, "%s credentials lack an access key id or secret key",
                              provider);
    }
    if (strlen(access_key_id) >= sizeof(c->access_key_id)) {
        return weir_error_set(err, WEIR_EAUTH, "%s credentials: access key id too long", provider);
    }
    snprintf(c->access_key_id, sizeof(c->access_key_id), "%s", access_key_id);
    snprintf(c->provider, sizeof(c->provider), "%s", provider);
    c->expiration = expiration;
    if (weir_aws_secret_set(&c->secret_access_key, secret, strlen(secret)) != 0 ||
        (token != NULL && token[0] != '\0' &&
         weir_aws_secret_set(&c->session_token, token, strlen(token)) != 0)) {
        weir_aws_creds_reset(c);
        return weir_error_set(err, WEIR_ENOMEM, "out of memory copying credentials");
    }
    return WEIR_OK;
}

int weir_aws_creds_copy(struct weir_aws_creds *dst, const struct weir_aws_creds *src,
                        struct weir_error *err)
{
    return weir_aws_creds_set(dst, src->access_key_id, src->secret_access_key.value,
                              src->session_token.value, src->expiration, src->provider, err);
}

struct weir_sigv4_creds weir_aws_creds_sigv4(const struct weir_aws_creds *c)
{
    struct weir_sigv4_creds s = {c->access_key_id, c->secret_access_key.value,
                                 c->session_token.value};
    return s;
}

int weir_aws_cred_get(struct weir_aws_cred_provider *p, struct weir_aws_creds *out,
                      struct weir_error *err)
{
    weir_aws_creds_reset(out);
    return p->get(p, out, err);
}

void weir_aws_cred_free(struct weir_aws_cred_provider *p)
{
    if (p != NULL) {
        p->free(p);
    }
}

char *weir_aws_read_small_file(const char *path, const char *what, size_t *len,
                               struct weir_error *err)
{
    struct weir_bytes b;
    char chunk[4096];
    weir_bytes_init(&b, 1 << 20);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        weir_error_set(err, e == ENOENT ? WEIR_ENOINPUT : WEIR_EIO, "cannot read %s %s", what, path);
        weir_error_detail(err, "%s", strerror(e));
        return NULL;
    }
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        weir_bytes_append(&b, chunk, n);
    }
    int bad = ferror(f);
    fclose(f);
    memset(chunk, 0, sizeof(chunk));
    if (bad || weir_bytes_check(&b, what, err) != WEIR_OK) {
        if (bad) {
            weir_error_set(err, WEIR_EIO, "cannot read %s %s", what, path);
        }
        weir_bytes_reset(&b, 1);
        return NULL;
    }
    while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r' ||
                         b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t')) {
        b.data[--b.len] = '\0';
    }
    return weir_bytes_take(&b, len);
}

int weir_aws_creds_from_json(const char *body, size_t len, const char *provider,
                             struct weir_aws_creds *out, struct weir_error *err)
{
    json_error_t jerr;
    json_t *j = json_loadb(body != NULL ? body : "", len, 0, &jerr);
    if (j == NULL || !json_is_object(j)) {
        json_decref(j);
        return weir_error_set(err, WEIR_EAUTH, "%s credentials response is not a JSON object",
                              provider);
    }
    const char *code = json_string_value(json_object_get(j, "Code"));
    const char *exp = json_string_value(json_object_get(j, "Expiration"));
    int64_t expiration = 0;
    int rc = WEIR_OK;
    if (code != NULL && strcmp(code, "Success") != 0) {
        rc = weir_error_set(err, WEIR_EAUTH, "%s credentials: %s", provider, code);
        const char *m = json_string_value(json_object_get(j, "Message"));
        if (m != NULL) {
            weir_error_detail(err, "%s", m);
        }
    } else if (exp != NULL && weir_aws_parse_time(exp, &expiration) != 0) {
        rc = weir_error_set(err, WEIR_EAUTH, "%s credentials: bad Expiration %s", provider, exp);
    } else {
        rc = weir_aws_creds_set(out, json_string_value(json_object_get(j, "AccessKeyId")),
                                json_string_value(json_object_get(j, "SecretAccessKey")),
                                json_string_value(json_object_get(j, "Token")), expiration,
                                provider, err);
    }
    /* jansson keeps its own copies of the secret strings; wipe them. */
    const char *keys[] = {"SecretAccessKey", "Token"};
    for (size_t i = 0; i < 2; i++) {
        json_t *v = json_object_get(j, keys[i]);
        if (json_is_string(v)) {
            char *s = (char *)json_string_value(v);
            memset(s, 0, json_string_length(v));
        }
    }
    json_decref(j);
    return rc;
}
