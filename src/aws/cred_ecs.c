/*
 * ECS / EKS Pod Identity container credentials:
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI against http://169.254.170.2, or
 * AWS_CONTAINER_CREDENTIALS_FULL_URI with an Authorization header from
 * AWS_CONTAINER_AUTHORIZATION_TOKEN or the file named by
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at each fetch: it rotates).
 * Like the SDKs, a full URI over plain http must point at a loopback or
 * the container agent's link-local address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/cred.h"

#define ECS_HOST "http://169.254.170.2"

struct ecs_provider {
    struct weir_aws_cred_provider base;
    struct weir_aws_cred_ctx ctx;
    struct weir_aws_http *http; /* short timeouts: a local agent answers fast or not at all */
};

static int allowed_http_host(const char *uri)
{
    const char *h = uri + strlen("http://");
    size_t n = strcspn(h, ":/");
    static const char *const ok[] = {"localhost", "127.0.0.1", "[::1]", "169.254.170.2",
                                     "169.254.170.23", "[fd00:ec2::23]", NULL};
    if (n > 4 && strncmp(h, "127.", 4) == 0) {
        return 1;
    }
    if (h[0] == '[') {
        n = strcspn(h, "]") + 1;
    }
    for (size_t i = 0; ok[i] != NULL; i++) {
        if (strlen(ok[i]) == n && strncasecmp(h, ok[i], n) == 0) {
            return 1;
        }
    }
    return 0;
}

static int ecs_get(struct weir_aws_cred_provider *self, struct weir_aws_creds *out,
                   struct weir_error *err)
{
    struct ecs_provider *p = (struct ecs_provider *)self;
    const struct weir_aws_config *cfg = p->ctx.config;
    char url[2048];
    char *token = NULL;
    int rc;
    struct weir_aws_http_response resp;
    weir_aws_http_response_init(&resp);
    if (cfg->container_relative_uri != NULL) {
        snprintf(url, sizeof(url), "%s%s%s", ECS_HOST,
                 cfg->container_relative_uri[0] == '/' ? "" : "/", cfg->container_relative_uri);
    } else if (cfg->container_full_uri != NULL) {
        const char *u = cfg->container_full_uri;
        if (strncmp(u, "https://", 8) != 0 &&
            (strncmp(u, "http://", 7) != 0 || !allowed_http_host(u))) {
            rc = weir_error_set(err, WEIR_ECONFIG, "AWS_CONTAINER_CREDENTIALS_FULL_URI %s is not "
                                                   "https nor a loopback or container-agent "
                                                   "address", u);
            goto done;
        }
        snprintf(url, sizeof(url), "%s", u);
        if (cfg->container_token_file != NULL) {
            token = weir_aws_read_small_file(cfg->container_token_file,
                                             "container authorization token file", NULL, err);
            if (token == NULL) {
                rc = err->status;
                goto done;
            }
        } else if (cfg->container_token.value != NULL) {
            token = strdup(cfg->container_token.value);
            if (token == NULL) {
                rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
                goto done;
            }
        }
        if (token != NULL && strpbrk(token, "\r\n") != NULL) {
            rc = weir_error_set(err, WEIR_ECONFIG, "the container authorization token holds a "
                                                   "line break");
            goto done;
        }
    } else {
        rc = weir_error_set(err, WEIR_ENOINPUT, "no container credentials URI is set");
        goto done;
    }
    struct weir_aws_header hs[2] = {{"Accept", "application/json"}, {"Authorization", token}};
    struct weir_aws_http_request req = {"GET", url, hs, token != NULL ? 2 : 1, NULL, 0};
    rc = weir_aws_http_call(p->http, "ECS container credentials", &req, NULL, NULL, &resp, err);
    if (rc == WEIR_OK) {
        rc = weir_aws_creds_from_json(resp.body.data, resp.body.len, "ecs", out, err);
    }
done:
    weir_aws_free_wiped(token);
    weir_aws_http_response_reset(&resp);
    return rc;
}

static void ecs_free(struct weir_aws_cred_provider *self)
{
    struct ecs_provider *p = (struct ecs_provider *)self;
    weir_aws_http_free(p->http);
    free(p);
}

int weir_aws_cred_ecs_new(const struct weir_aws_cred_ctx *ctx, struct weir_aws_cred_provider **out,
                          struct weir_error *err)
{
    struct ecs_provider *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    struct weir_aws_http_options o = *weir_aws_http_options(ctx->http);
    o.connect_timeout_ms = 2000;
    o.timeout_ms = 5000;
    o.max_response = 64 * 1024;
    int rc = weir_aws_http_new(&o, &p->http, err);
    if (rc != WEIR_OK) {
        free(p);
        return rc;
    }
    p->base.name = "ecs";
    p->base.get = ecs_get;
    p->base.free = ecs_free;
    p->ctx = *ctx;
    *out = &p->base;
    return WEIR_OK;
}
