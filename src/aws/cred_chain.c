/*
 * The provider chain, with the cache every consumer shares: temporary
 * credentials are fetched again `margin` seconds before they expire (the
 * SDKs use a few minutes so a request signed now is not rejected on
 * arrival), by the HTTP client's clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/cred.h"

#define DEFAULT_MARGIN 300

struct chain_provider {
    struct weir_aws_cred_provider base;
    struct weir_aws_cred_ctx ctx;
    struct weir_aws_cred_provider **providers;
    size_t n;
    int64_t margin;
    int cached;
    size_t winner; /* index of the provider that answered last */
    struct weir_aws_creds creds;
};

static int fresh(const struct chain_provider *c)
{
    if (!c->cached) {
        return 0;
    }
    if (c->creds.expiration == 0) {
        return 1;
    }
    return weir_aws_http_now(c->ctx.http) + c->margin < c->creds.expiration;
}

static int fetch(struct chain_provider *c, struct weir_error *err)
{
    char tried[256] = "";
    size_t tl = 0;
    struct weir_aws_creds got;
    memset(&got, 0, sizeof(got));
    /* Start with the provider that answered before: the SDKs stick to it. */
    for (size_t k = 0; k < c->n; k++) {
        size_t i = c->cached ? (c->winner + k) % c->n : k;
        struct weir_aws_cred_provider *p = c->providers[i];
        int rc = weir_aws_cred_get(p, &got, err);
        if (rc == WEIR_OK) {
            weir_aws_creds_reset(&c->creds);
            c->creds = got;
            c->cached = 1;
            c->winner = i;
            return WEIR_OK;
        }
        weir_aws_creds_reset(&got);
        if (rc != WEIR_ENOINPUT) {
            return rc;
        }
    }
    /* Every provider said "not configured": name them in chain order. */
    for (size_t i = 0; i < c->n; i++) {
        int w = snprintf(tried + tl, sizeof(tried) - tl, "%s%s", tl ? ", " : "",
                         c->providers[i]->name);
        if (w > 0 && (size_t)w < sizeof(tried) - tl) {
            tl += (size_t)w;
        }
    }
    weir_error_set(err, WEIR_EAUTH, "no AWS credentials found");
    weir_error_detail(err, "tried %s", tried);
    return weir_error_hint(err, "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, "
                                "or run with an IAM role");
}

static int chain_get(struct weir_aws_cred_provider *self, struct weir_aws_creds *out,
                     struct weir_error *err)
{
    struct chain_provider *c = (struct chain_provider *)self;
    if (!fresh(c)) {
        int rc = fetch(c, err);
        if (rc != WEIR_OK) {
            /* Keep using still-valid credentials when a refresh fails. */
            if (c->cached && (c->creds.expiration == 0 ||
                              weir_aws_http_now(c->ctx.http) < c->creds.expiration)) {
                return weir_aws_creds_copy(out, &c->creds, err);
            }
            c->cached = 0;
            return rc;
        }
    }
    return weir_aws_creds_copy(out, &c->creds, err);
}

static void chain_free(struct weir_aws_cred_provider *self)
{
    struct chain_provider *c = (struct chain_provider *)self;
    for (size_t i = 0; i < c->n; i++) {
        weir_aws_cred_free(c->providers[i]);
    }
    free(c->providers);
    weir_aws_creds_reset(&c->creds);
    free(c);
}

int weir_aws_cred_chain_new(const struct weir_aws_cred_ctx *ctx,
                            struct weir_aws_cred_provider **providers, size_t n,
                            int64_t refresh_margin, struct weir_aws_cred_provider **out,
                            struct weir_error *err)
{
    struct chain_provider *c = calloc(1, sizeof(*c));
    struct weir_aws_cred_provider **v = calloc(n > 0 ? n : 1, sizeof(*v));
    if (c == NULL || v == NULL) {
        free(c);
        free(v);
        for (size_t i = 0; i < n; i++) {
            weir_aws_cred_free(providers[i]);
        }
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    memcpy(v, providers, n * sizeof(*v));
    c->base.name = "chain";
    c->base.get = chain_get;
    c->base.free = chain_free;
    c->ctx = *ctx;
    c->providers = v;
    c->n = n;
    c->margin = refresh_margin > 0 ? refresh_margin : DEFAULT_MARGIN;
    *out = &c->base;
    return WEIR_OK;
}

int weir_aws_cred_default_chain_new(const struct weir_aws_cred_ctx *ctx,
                                    struct weir_aws_cred_provider **out, struct weir_error *err)
{
    typedef int (*new_fn)(const struct weir_aws_cred_ctx *, struct weir_aws_cred_provider **,
                          struct weir_error *);
    static const new_fn order[] = {weir_aws_cred_env_new, weir_aws_cred_profile_new,
                                   weir_aws_cred_web_identity_new, weir_aws_cred_ecs_new,
                                   weir_aws_cred_imds_new};
    struct weir_aws_cred_provider *ps[5] = {NULL};
    size_t n = 0;
    for (; n < 5; n++) {
        int rc = order[n](ctx, &ps[n], err);
        if (rc != WEIR_OK) {
            for (size_t i = 0; i < n; i++) {
                weir_aws_cred_free(ps[i]);
            }
            return rc;
        }
    }
    return weir_aws_cred_chain_new(ctx, ps, n, 0, out, err);
}

int weir_aws_region_resolve(const struct weir_aws_cred_ctx *ctx, char *region, size_t cap,
                            struct weir_error *err)
{
    const struct weir_aws_config *cfg = ctx->config;
    if (cfg->region != NULL) {
        snprintf(region, cap, "%s", cfg->region);
        return WEIR_OK;
    }
    char *v = NULL;
    if (cfg->profile != NULL && weir_aws_profile_value(cfg, cfg->profile, "region", &v)) {
        snprintf(region, cap, "%s", v);
        free(v);
        return WEIR_OK;
    }
    struct weir_error ierr;
    weir_error_clear(&ierr);
    if (weir_aws_imds_get(ctx, "/latest/meta-data/placement/region", &v, &ierr) == WEIR_OK) {
        size_t n = strcspn(v, "\r\n ");
        snprintf(region, cap, "%.*s", (int)n, v);
        free(v);
        if (region[0] != '\0') {
            return WEIR_OK;
        }
    }
    weir_error_set(err, WEIR_ECONFIG, "no AWS region configured");
    return weir_error_hint(err, "set AWS_REGION, or region in the AWS profile");
}
