#include "aws/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sigv4.h"

static const struct weir_aws_service services[WEIR_AWS_SERVICE_COUNT_] = {
    {WEIR_AWS_S3, "s3", "S3", "s3", NULL, WEIR_SIGV4_FLAGS_S3},
    {WEIR_AWS_GLUE, "glue", "GLUE", "glue", "AWSGlue", WEIR_SIGV4_FLAGS_DEFAULT},
    {WEIR_AWS_SECRETS_MANAGER, "secretsmanager", "SECRETS_MANAGER", "secretsmanager",
     "secretsmanager", WEIR_SIGV4_FLAGS_DEFAULT},
    {WEIR_AWS_KMS, "kms", "KMS", "kms", "TrentService", WEIR_SIGV4_FLAGS_DEFAULT},
    {WEIR_AWS_STS, "sts", "STS", "sts", NULL, WEIR_SIGV4_FLAGS_DEFAULT},
};

const struct weir_aws_service *weir_aws_service_get(int id)
{
    return id >= 0 && id < WEIR_AWS_SERVICE_COUNT_ ? &services[id] : NULL;
}

static const char *std_getenv(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

/* Empty variables count as unset, as in the SDKs. */
static const char *lookup(weir_aws_getenv_fn fn, void *ctx, const char *name)
{
    const char *v = fn(ctx, name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

static int dup_into(char **dst, const char *v, int *oom)
{
    if (v == NULL) {
        return 0;
    }
    *dst = strdup(v);
    if (*dst == NULL) {
        *oom = 1;
    }
    return 1;
}

static void secret_into(struct weir_aws_secret *dst, const char *v, int *oom)
{
    if (v != NULL && weir_aws_secret_set(dst, v, strlen(v)) != 0) {
        *oom = 1;
    }
}

int weir_aws_config_from_env(struct weir_aws_config *cfg, weir_aws_getenv_fn fn, void *ctx,
                             struct weir_error *err)
{
    int oom = 0;
    memset(cfg, 0, sizeof(*cfg));
    if (fn == NULL) {
        fn = std_getenv;
    }
#define ENV(name) lookup(fn, ctx, name)
    if (!dup_into(&cfg->region, ENV("AWS_REGION"), &oom)) {
        dup_into(&cfg->region, ENV("AWS_DEFAULT_REGION"), &oom);
    }
    const char *profile = ENV("AWS_PROFILE");
    if (profile == NULL) {
        profile = ENV("AWS_DEFAULT_PROFILE");
    }
    cfg->profile_explicit = profile != NULL;
    dup_into(&cfg->profile, profile != NULL ? profile : "default", &oom);

    const char *home = ENV("HOME");
    char path[4096];
    if (!dup_into(&cfg->config_file, ENV("AWS_CONFIG_FILE"), &oom) && home != NULL) {
        snprintf(path, sizeof(path), "%s/.aws/config", home);
        dup_into(&cfg->config_file, path, &oom);
    }
    if (!dup_into(&cfg->credentials_file, ENV("AWS_SHARED_CREDENTIALS_FILE"), &oom) &&
        home != NULL) {
        snprintf(path, sizeof(path), "%s/.aws/credentials", home);
        dup_into(&cfg->credentials_file, path, &oom);
    }

    const char *ignore = ENV("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    if (ignore == NULL || strcasecmp(ignore, "true") != 0) {
        dup_into(&cfg->endpoint_url, ENV("AWS_ENDPOINT_URL"), &oom);
        for (int i = 0; i < WEIR_AWS_SERVICE_COUNT_; i++) {
            char name[64];
            snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", services[i].env_suffix);
            dup_into(&cfg->service_endpoint[i], ENV(name), &oom);
        }
    }

    dup_into(&cfg->access_key_id, ENV("AWS_ACCESS_KEY_ID"), &oom);
    secret_into(&cfg->secret_access_key, ENV("AWS_SECRET_ACCESS_KEY"), &oom);
    secret_into(&cfg->session_token, ENV("AWS_SESSION_TOKEN"), &oom);
    dup_into(&cfg->web_identity_token_file, ENV("AWS_WEB_IDENTITY_TOKEN_FILE"), &oom);
    dup_into(&cfg->role_arn, ENV("AWS_ROLE_ARN"), &oom);
    dup_into(&cfg->role_session_name, ENV("AWS_ROLE_SESSION_NAME"), &oom);
    dup_into(&cfg->container_relative_uri, ENV("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), &oom);
    dup_into(&cfg->container_full_uri, ENV("AWS_CONTAINER_CREDENTIALS_FULL_URI"), &oom);
    secret_into(&cfg->container_token, ENV("AWS_CONTAINER_AUTHORIZATION_TOKEN"), &oom);
    dup_into(&cfg->container_token_file, ENV("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"), &oom);
    if (!dup_into(&cfg->imds_endpoint, ENV("AWS_EC2_METADATA_SERVICE_ENDPOINT"), &oom)) {
        dup_into(&cfg->imds_endpoint, "http://169.254.169.254", &oom);
    }
    const char *dis = ENV("AWS_EC2_METADATA_DISABLED");
    cfg->imds_disabled = dis != NULL && strcasecmp(dis, "true") == 0;
#undef ENV
    if (oom) {
        weir_aws_config_reset(cfg);
        return weir_error_set(err, WEIR_ENOMEM, "out of memory reading the AWS settings");
    }
    return WEIR_OK;
}

void weir_aws_config_reset(struct weir_aws_config *cfg)
{
    char **strs[] = {&cfg->region, &cfg->profile, &cfg->config_file, &cfg->credentials_file,
                     &cfg->endpoint_url, &cfg->access_key_id, &cfg->web_identity_token_file,
                     &cfg->role_arn, &cfg->role_session_name, &cfg->container_relative_uri,
                     &cfg->container_full_uri, &cfg->container_token_file, &cfg->imds_endpoint};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
    for (int i = 0; i < WEIR_AWS_SERVICE_COUNT_; i++) {
        free(cfg->service_endpoint[i]);
        cfg->service_endpoint[i] = NULL;
    }
    weir_aws_secret_reset(&cfg->secret_access_key);
    weir_aws_secret_reset(&cfg->session_token);
    weir_aws_secret_reset(&cfg->container_token);
}

int weir_aws_endpoint(const struct weir_aws_config *cfg, int service, const char *region, char *url,
                      size_t cap, struct weir_error *err)
{
    const struct weir_aws_service *s = weir_aws_service_get(service);
    if (s == NULL) {
        return weir_error_set(err, WEIR_EINTERNAL, "unknown AWS service %d", service);
    }
    const char *over = cfg != NULL ? cfg->service_endpoint[service] : NULL;
    if (over == NULL && cfg != NULL) {
        over = cfg->endpoint_url;
    }
    int n;
    if (over != NULL) {
        size_t len = strlen(over);
        while (len > 0 && over[len - 1] == '/') {
            len--;
        }
        if (strncmp(over, "http://", 7) != 0 && strncmp(over, "https://", 8) != 0) {
            weir_error_set(err, WEIR_ECONFIG, "endpoint URL for %s is not http(s): %s",
                           s->signing_name, over);
            return weir_error_hint(err, "set AWS_ENDPOINT_URL_%s or AWS_ENDPOINT_URL to "
                                        "http://host:port or https://host",
                                   s->env_suffix);
        }
        n = snprintf(url, cap, "%.*s", (int)len, over);
    } else {
        if (region == NULL || region[0] == '\0') {
            weir_error_set(err, WEIR_ECONFIG, "no AWS region for %s", s->signing_name);
            return weir_error_hint(err, "set AWS_REGION or a region in the AWS profile");
        }
        const char *suffix = strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
        n = snprintf(url, cap, "https://%s.%s.%s", s->host_prefix, region, suffix);
    }
    if (n < 0 || (size_t)n >= cap) {
        return weir_error_set(err, WEIR_ECONFIG, "endpoint URL for %s too long", s->signing_name);
    }
    return WEIR_OK;
}
