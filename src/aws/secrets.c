#include "aws/secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

/* jansson keeps the secret in its own buffers: overwrite them before the
 * value is freed. */
static void wipe_json(json_t *j)
{
    if (json_is_string(j)) {
        OPENSSL_cleanse((char *)json_string_value(j), json_string_length(j));
    } else if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) {
            wipe_json(v);
        }
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) {
            wipe_json(v);
        }
    }
}

static int b64_decode(const char *in, size_t n, char **out, size_t *len)
{
    unsigned char *buf = malloc(n / 4 * 3 + 4);
    if (buf == NULL) {
        return -1;
    }
    int r = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)n);
    if (r < 0 || n % 4 != 0) {
        OPENSSL_cleanse(buf, n / 4 * 3 + 4);
        free(buf);
        return -1;
    }
    size_t l = (size_t)r;
    /* EVP_DecodeBlock counts the padding as zero bytes. */
    if (n >= 1 && in[n - 1] == '=') {
        l--;
    }
    if (n >= 2 && in[n - 2] == '=') {
        l--;
    }
    buf[l] = '\0';
    *out = (char *)buf;
    *len = l;
    return 0;
}

static int pick_field(const char *name, const char *field, const char *str, size_t slen,
                      char **value, size_t *len, struct weir_error *err)
{
    json_error_t jerr;
    json_t *doc = json_loadb(str, slen, 0, &jerr);
    int rc = WEIR_OK;
    if (doc == NULL || !json_is_object(doc)) {
        rc = weir_error_set(err, WEIR_ECONFIG, "secret %s is not a JSON object, so #%s cannot "
                                               "be read from it", name, field);
        weir_error_hint(err, "drop #%s to use the whole secret", field);
        goto done;
    }
    json_t *v = json_object_get(doc, field);
    if (v == NULL) {
        rc = weir_error_set(err, WEIR_ECONFIG, "secret %s has no field %s", name, field);
        weir_error_hint(err, "check the key names stored in the secret (they are case-sensitive)");
        goto done;
    }
    if (json_is_string(v)) {
        *len = json_string_length(v);
        *value = malloc(*len + 1);
        if (*value != NULL) {
            memcpy(*value, json_string_value(v), *len);
            (*value)[*len] = '\0';
        }
    } else {
        *value = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        *len = *value != NULL ? strlen(*value) : 0;
    }
    if (*value == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
done:
    if (doc != NULL) {
        wipe_json(doc);
    }
    json_decref(doc);
    return rc;
}

int weir_aws_secrets_get(struct weir_aws_session *s, const char *ref, const char *version_stage,
                         char **value, size_t *len, struct weir_error *err)
{
    char id[2048], region[64] = "", ep[1024];
    const char *field = NULL;
    json_t *req = NULL, *resp = NULL;
    struct weir_aws_target t;
    int rc;
    *value = NULL;
    *len = 0;

    const char *hash = strchr(ref, '#');
    size_t idlen = hash != NULL ? (size_t)(hash - ref) : strlen(ref);
    if (idlen == 0 || idlen >= sizeof(id) || (hash != NULL && hash[1] == '\0')) {
        weir_error_set(err, WEIR_ECONFIG, "bad secret reference \"%s\"", ref);
        return weir_error_hint(err, "use NAME, ARN, NAME#field or ARN#field");
    }
    memcpy(id, ref, idlen);
    id[idlen] = '\0';
    if (hash != NULL) {
        field = hash + 1;
    }
    /* arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME */
    if (strncmp(id, "arn:", 4) == 0) {
        const char *p = id;
        for (int i = 0; i < 3 && p != NULL; i++) {
            p = strchr(p, ':');
            p = p != NULL ? p + 1 : NULL;
        }
        size_t rl = p != NULL ? strcspn(p, ":") : 0;
        if (p == NULL || rl == 0 || rl >= sizeof(region) || p[rl] != ':') {
            weir_error_set(err, WEIR_ECONFIG, "bad secret ARN %s", id);
            return weir_error_hint(err, "expected arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME");
        }
        memcpy(region, p, rl);
        region[rl] = '\0';
    }
    rc = weir_aws_session_target(s, WEIR_AWS_SECRETS_MANAGER, region[0] ? region : NULL, &t, ep,
                                 sizeof(ep), err);
    if (rc != WEIR_OK) {
        return rc;
    }
    struct weir_aws_creds c;
    memset(&c, 0, sizeof(c));
    if ((rc = weir_aws_session_creds(s, &c, err)) != WEIR_OK) {
        return rc;
    }
    req = json_pack("{s:s}", "SecretId", id);
    if (req != NULL && version_stage != NULL &&
        json_object_set_new(req, "VersionStage", json_string(version_stage)) != 0) {
        json_decref(req);
        req = NULL;
    }
    if (req == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
        goto done;
    }
    rc = weir_aws_json_call(s->http, &t, &c, "GetSecretValue", req, &resp, err);
    if (rc != WEIR_OK) {
        char msg[sizeof(err->message)];
        snprintf(msg, sizeof(msg), "%s", err->message);
        if (rc == WEIR_ENOINPUT) {
            snprintf(err->message, sizeof(err->message), "secret %s%s%s not found: %s", id,
                     version_stage != NULL ? " at stage " : "",
                     version_stage != NULL ? version_stage : "", msg);
            weir_error_hint(err, "check the secret name or ARN, the region (%s) and the stage",
                            t.region);
        } else if (rc == WEIR_EAUTH && strstr(err->detail, "AccessDenied") != NULL) {
            snprintf(err->message, sizeof(err->message), "access to secret %s denied: %s", id,
                     msg);
            weir_error_hint(err, "allow secretsmanager:GetSecretValue on it (and kms:Decrypt on "
                                 "its key) for these credentials (from %s)", c.provider);
        }
        goto done;
    }
    json_t *ss = json_object_get(resp, "SecretString");
    json_t *sb = json_object_get(resp, "SecretBinary");
    char *raw = NULL;
    size_t rawlen = 0;
    if (json_is_string(ss)) {
        rawlen = json_string_length(ss);
        raw = malloc(rawlen + 1);
        if (raw != NULL) {
            memcpy(raw, json_string_value(ss), rawlen);
            raw[rawlen] = '\0';
        }
    } else if (json_is_string(sb)) {
        if (b64_decode(json_string_value(sb), json_string_length(sb), &raw, &rawlen) != 0) {
            rc = weir_error_set(err, WEIR_EUNAVAILABLE, "secret %s: SecretBinary is not base64",
                                id);
            goto done;
        }
    } else {
        rc = weir_error_set(err, WEIR_EUNAVAILABLE, "secret %s has neither SecretString nor "
                                                    "SecretBinary", id);
        goto done;
    }
    if (raw == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
        goto done;
    }
    if (field != NULL) {
        rc = pick_field(id, field, raw, rawlen, value, len, err);
        OPENSSL_cleanse(raw, rawlen);
        free(raw);
    } else {
        *value = raw;
        *len = rawlen;
    }
done:
    weir_aws_creds_reset(&c);
    json_decref(req);
    if (resp != NULL) {
        wipe_json(resp);
    }
    json_decref(resp);
    return rc;
}

int weir_aws_secret_get(const char *ref, const char *version_stage, char **value, size_t *len,
                        struct weir_error *err)
{
    struct weir_aws_session *s = NULL;
    *value = NULL;
    *len = 0;
    int rc = weir_aws_session_new(NULL, &s, err);
    if (rc == WEIR_OK) {
        rc = weir_aws_secrets_get(s, ref, version_stage, value, len, err);
    }
    weir_aws_session_free(s);
    return rc;
}

int weir_aws_secret_fetch(void *session, const char *ref, const char *version_stage, char **value,
                          size_t *len, struct weir_error *err)
{
    if (session == NULL) {
        return weir_aws_secret_get(ref, version_stage, value, len, err);
    }
    return weir_aws_secrets_get(session, ref, version_stage, value, len, err);
}
