/*
 * Shared config and credentials files (~/.aws/config, ~/.aws/credentials,
 * or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE), profile AWS_PROFILE.
 * The config file names sections "[profile x]" (and "[default]"); the
 * credentials file "[x]"; a key in the credentials file wins. A profile with
 * role_arn assumes that role with STS using the credentials of its
 * source_profile (which may itself assume a role), of a web identity token
 * file, or of its credential_source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/cred.h"
#include "aws/sts.h"

#define MAX_ROLE_DEPTH 8

struct profile_provider {
    struct weir_aws_cred_provider base;
    struct weir_aws_cred_ctx ctx;
};

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) {
        s[--n] = '\0';
    }
    return s;
}

/* Does section header `h` (between the brackets, trimmed) name the profile? */
static int section_matches(const char *h, const char *profile, int is_config)
{
    if (!is_config) {
        return strcmp(h, profile) == 0;
    }
    if (strcmp(profile, "default") == 0 && strcmp(h, "default") == 0) {
        return 1;
    }
    if (strncmp(h, "profile", 7) != 0 || (h[7] != ' ' && h[7] != '\t')) {
        return 0;
    }
    h += 7;
    while (*h == ' ' || *h == '\t') {
        h++;
    }
    return strcmp(h, profile) == 0;
}

/* Returns 1 and *value (new) when found, 0 when not; *section_seen set when
 * the profile's section exists. `key` NULL only checks the section. */
static int ini_lookup(const char *path, const char *profile, int is_config, const char *key,
                      char **value, int *section_seen)
{
    if (path == NULL) {
        return 0;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    char line[8192];
    int in = 0, found = 0;
    while (!found && fgets(line, sizeof(line), f) != NULL) {
        int indented = line[0] == ' ' || line[0] == '\t';
        char *s = trim(line);
        if (*s == '\0' || *s == '#' || *s == ';') {
            continue;
        }
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (close != NULL) {
                *close = '\0';
                in = section_matches(trim(s + 1), profile, is_config);
                if (in && section_seen != NULL) {
                    *section_seen = 1;
                }
            }
            continue;
        }
        if (!in || indented || key == NULL) {
            continue; /* indented lines belong to a nested block (s3 = ...) */
        }
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            continue;
        }
        *eq = '\0';
        if (strcmp(trim(s), key) == 0) {
            char *v = trim(eq + 1);
            *value = strdup(v);
            found = *value != NULL;
        }
    }
    memset(line, 0, sizeof(line)); /* may have held a secret key */
    fclose(f);
    return found;
}

int weir_aws_profile_value(const struct weir_aws_config *cfg, const char *profile, const char *key,
                           char **value)
{
    *value = NULL;
    return ini_lookup(cfg->credentials_file, profile, 0, key, value, NULL) ||
           ini_lookup(cfg->config_file, profile, 1, key, value, NULL);
}

static int profile_exists(const struct weir_aws_config *cfg, const char *profile)
{
    int seen = 0;
    ini_lookup(cfg->credentials_file, profile, 0, NULL, NULL, &seen);
    ini_lookup(cfg->config_file, profile, 1, NULL, NULL, &seen);
    return seen;
}

static int resolve(const struct weir_aws_cred_ctx *ctx, const char *profile, int depth,
                   struct weir_aws_creds *out, struct weir_error *err);

static int static_keys(const struct weir_aws_config *cfg, const char *profile,
                       struct weir_aws_creds *out, struct weir_error *err)
{
    char *akid = NULL, *secret = NULL, *token = NULL;
    weir_aws_profile_value(cfg, profile, "aws_access_key_id", &akid);
    weir_aws_profile_value(cfg, profile, "aws_secret_access_key", &secret);
    weir_aws_profile_value(cfg, profile, "aws_session_token", &token);
    int rc;
    if (akid == NULL && secret == NULL) {
        rc = weir_error_set(err, WEIR_ENOINPUT, "AWS profile %s has no credentials", profile);
    } else {
        rc = weir_aws_creds_set(out, akid, secret, token, 0, "profile", err);
        if (rc != WEIR_OK) {
            weir_error_set(err, WEIR_EAUTH, "AWS profile %s lacks aws_access_key_id or "
                                            "aws_secret_access_key", profile);
        }
    }
    free(akid);
    weir_aws_free_wiped(secret);
    weir_aws_free_wiped(token);
    return rc;
}

static int source_creds(const struct weir_aws_cred_ctx *ctx, const char *profile, int depth,
                        struct weir_aws_creds *src, struct weir_error *err)
{
    const struct weir_aws_config *cfg = ctx->config;
    char *source = NULL, *csource = NULL;
    int rc;
    weir_aws_profile_value(cfg, profile, "source_profile", &source);
    weir_aws_profile_value(cfg, profile, "credential_source", &csource);
    struct weir_aws_cred_provider *p = NULL;
    if (source != NULL) {
        /* A profile that names itself as source uses its own static keys. */
        rc = strcmp(source, profile) == 0 ? static_keys(cfg, profile, src, err)
                                          : resolve(ctx, source, depth + 1, src, err);
        if (rc == WEIR_ENOINPUT) {
            weir_error_set(err, WEIR_ECONFIG, "AWS profile %s: source_profile %s has no "
                                              "credentials", profile, source);
            rc = WEIR_ECONFIG;
        }
    } else if (csource != NULL) {
        if (strcmp(csource, "Environment") == 0) {
            rc = weir_aws_cred_env_new(ctx, &p, err);
        } else if (strcmp(csource, "Ec2InstanceMetadata") == 0) {
            rc = weir_aws_cred_imds_new(ctx, &p, err);
        } else if (strcmp(csource, "EcsContainer") == 0) {
            rc = weir_aws_cred_ecs_new(ctx, &p, err);
        } else {
            rc = weir_error_set(err, WEIR_ECONFIG, "AWS profile %s: unknown credential_source %s",
                                profile, csource);
        }
        if (rc == WEIR_OK) {
            rc = weir_aws_cred_get(p, src, err);
        }
    } else {
        rc = weir_error_set(err, WEIR_ECONFIG, "AWS profile %s has role_arn but neither "
                                               "source_profile nor credential_source", profile);
    }
    weir_aws_cred_free(p);
    free(source);
    free(csource);
    return rc;
}

static int resolve(const struct weir_aws_cred_ctx *ctx, const char *profile, int depth,
                   struct weir_aws_creds *out, struct weir_error *err)
{
    const struct weir_aws_config *cfg = ctx->config;
    char *role = NULL, *session = NULL, *ext = NULL, *dur = NULL, *wif = NULL, *proc = NULL;
    struct weir_aws_creds src;
    char *token = NULL;
    int rc;
    memset(&src, 0, sizeof(src));
    if (depth > MAX_ROLE_DEPTH) {
        return weir_error_set(err, WEIR_ECONFIG, "AWS profile %s: source_profile chain too long "
                                                 "or circular", profile);
    }
    if (!profile_exists(cfg, profile)) {
        return weir_error_set(err, WEIR_ENOINPUT, "AWS profile %s not found", profile);
    }
    weir_aws_profile_value(cfg, profile, "role_arn", &role);
    weir_aws_profile_value(cfg, profile, "credential_process", &proc);
    if (role == NULL) {
        rc = static_keys(cfg, profile, out, err);
        if (rc == WEIR_ENOINPUT && proc != NULL) {
            rc = weir_error_set(err, WEIR_ECONFIG, "AWS profile %s: credential_process is not "
                                                   "supported", profile);
            weir_error_hint(err, "use static keys, role_arn or web identity in this profile");
        }
        goto done;
    }
    weir_aws_profile_value(cfg, profile, "role_session_name", &session);
    weir_aws_profile_value(cfg, profile, "external_id", &ext);
    weir_aws_profile_value(cfg, profile, "duration_seconds", &dur);
    weir_aws_profile_value(cfg, profile, "web_identity_token_file", &wif);
    char name[64];
    if (session == NULL) {
        snprintf(name, sizeof(name), "weir-%lld", (long long)weir_aws_http_now(ctx->http));
    }
    if (wif != NULL) {
        token = weir_aws_read_small_file(wif, "web identity token file", NULL, err);
        if (token == NULL) {
            rc = err->status == WEIR_ENOINPUT ? WEIR_ECONFIG : err->status;
            err->status = rc;
            goto done;
        }
        rc = weir_aws_sts_assume_role_web_identity(ctx, role, session != NULL ? session : name,
                                                   token, out, err);
        goto done;
    }
    rc = source_creds(ctx, profile, depth, &src, err);
    if (rc == WEIR_OK) {
        long d = 0;
        if (dur != NULL) {
            char *e = NULL;
            d = strtol(dur, &e, 10);
            if (*e != '\0' || d < 900 || d > 43200) {
                rc = weir_error_set(err, WEIR_ECONFIG, "AWS profile %s: bad duration_seconds %s",
                                    profile, dur);
                goto done;
            }
        }
        rc = weir_aws_sts_assume_role(ctx, &src, role, session != NULL ? session : name, ext,
                                      (int)d, "profile", out, err);
    }
done:
    weir_aws_creds_reset(&src);
    weir_aws_free_wiped(token);
    free(role);
    free(session);
    free(ext);
    free(dur);
    free(wif);
    free(proc);
    return rc;
}

static int profile_get(struct weir_aws_cred_provider *self, struct weir_aws_creds *out,
                       struct weir_error *err)
{
    struct profile_provider *p = (struct profile_provider *)self;
    const struct weir_aws_config *cfg = p->ctx.config;
    int rc = resolve(&p->ctx, cfg->profile, 0, out, err);
    if (rc == WEIR_ENOINPUT && cfg->profile_explicit) {
        /* A profile the user named must exist and hold credentials: falling
         * through to instance credentials would hide the mistake. */
        err->status = WEIR_ECONFIG;
        weir_error_hint(err, "check AWS_PROFILE and the files %s and %s",
                        cfg->config_file != NULL ? cfg->config_file : "(none)",
                        cfg->credentials_file != NULL ? cfg->credentials_file : "(none)");
        return WEIR_ECONFIG;
    }
    return rc;
}

static void profile_free(struct weir_aws_cred_provider *self)
{
    free(self);
}

int weir_aws_cred_profile_new(const struct weir_aws_cred_ctx *ctx,
                              struct weir_aws_cred_provider **out, struct weir_error *err)
{
    struct profile_provider *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    p->base.name = "profile";
    p->base.get = profile_get;
    p->base.free = profile_free;
    p->ctx = *ctx;
    *out = &p->base;
    return WEIR_OK;
}
