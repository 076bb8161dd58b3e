/*
 * Credential providers against files and a fake transport (no network):
 * environment, shared files (static keys, role_arn + source_profile through
 * STS AssumeRole, loops, missing profiles), web identity, ECS (relative and
 * full URI, token and token file), IMDSv2, the chain's order, and caching
 * with refresh before expiry by the injected clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "aws/cred.h"
#include "aws/parse.h"
#include "tap.h"
#include "test_env.h"

static char dir[256];

struct fake {
    int64_t now;
    int calls;
    int imds_calls;
    int sts_calls;
    int fail_all; /* every request gets a connection error */
    char last_body[4096];
    char last_auth[1024];
    char last_url[512];
    char ecs_token[64];
    char sts_expect_akid[64];
};

static const char *hdr(const struct weir_aws_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0) {
            return req->headers[i].value;
        }
    }
    return NULL;
}

static void creds_json(struct fake *f, struct weir_aws_http_response *resp, const char *akid,
                       int code)
{
    char exp[32];
    weir_bytes_printf(&resp->body, "{%s\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"sk-%s\","
                                  "\"Token\":\"tok-%s\",\"Expiration\":\"",
                     code ? "\"Code\":\"Success\"," : "", akid, akid, akid);
    time_t t = (time_t)(f->now + 3600);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    weir_bytes_printf(&resp->body, "%s\"}", exp);
}

static int transport(void *ctx, const struct weir_aws_http_request *req,
                     struct weir_aws_http_response *resp, struct weir_error *err)
{
    struct fake *f = ctx;
    f->calls++;
    snprintf(f->last_url, sizeof(f->last_url), "%s", req->url);
    snprintf(f->last_body, sizeof(f->last_body), "%.*s", (int)req->body_len,
             req->body != NULL ? (const char *)req->body : "");
    const char *auth = hdr(req, "Authorization");
    snprintf(f->last_auth, sizeof(f->last_auth), "%s", auth != NULL ? auth : "");
    if (f->fail_all) {
        return weir_error_set(err, WEIR_ETEMPFAIL, "connection refused");
    }
    const char *imds = "http://169.254.169.254";
    if (strncmp(req->url, imds, strlen(imds)) == 0) {
        f->imds_calls++;
        const char *path = req->url + strlen(imds);
        if (strcmp(path, "/latest/api/token") == 0) {
            const char *ttl = hdr(req, "X-aws-ec2-metadata-token-ttl-seconds");
            resp->status = strcmp(req->method, "PUT") == 0 && ttl != NULL ? 200 : 400;
            weir_bytes_puts(&resp->body, "IMDSTOKEN");
            return WEIR_OK;
        }
        const char *tok = hdr(req, "X-aws-ec2-metadata-token");
        if (tok == NULL || strcmp(tok, "IMDSTOKEN") != 0) {
            resp->status = 401;
            return WEIR_OK;
        }
        resp->status = 200;
        if (strcmp(path, "/latest/meta-data/iam/security-credentials/") == 0) {
            weir_bytes_puts(&resp->body, "role1\n");
        } else if (strcmp(path, "/latest/meta-data/iam/security-credentials/role1") == 0) {
            creds_json(f, resp, "ASIAIMDS", 1);
        } else if (strcmp(path, "/latest/meta-data/placement/region") == 0) {
            weir_bytes_puts(&resp->body, "ap-south-1");
        } else {
            resp->status = 404;
        }
        return WEIR_OK;
    }
    if (strcmp(req->url, "http://169.254.170.2/v2/credentials/abc") == 0) {
        resp->status = 200;
        creds_json(f, resp, "ASIAECSREL", 0);
        return WEIR_OK;
    }
    if (strcmp(req->url, "https://ecs.test/creds") == 0) {
        const char *a = hdr(req, "Authorization");
        resp->status = a != NULL && strcmp(a, f->ecs_token) == 0 ? 200 : 401;
        if (resp->status == 200) {
            creds_json(f, resp, "ASIAECSFULL", 0);
        }
        return WEIR_OK;
    }
    if (strncmp(req->url, "https://sts.", 12) == 0) {
        f->sts_calls++;
        const char *body = f->last_body;
        int web = strstr(body, "Action=AssumeRoleWithWebIdentity&") != NULL;
        if ((!web && strstr(auth != NULL ? auth : "", f->sts_expect_akid) == NULL) ||
            (web && auth != NULL)) {
            resp->status = 403;
            weir_bytes_puts(&resp->body, "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code>"
                                        "<Message>wrong signer</Message></Error></ErrorResponse>");
            return WEIR_OK;
        }
        char exp[32];
        time_t t = (time_t)(f->now + 3600);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
        resp->status = 200;
        weir_bytes_printf(&resp->body,
                         "<R><Result><Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>"
                         "sts-secret</SecretAccessKey><SessionToken>sts-token</SessionToken>"
                         "<Expiration>%s</Expiration></Credentials></Result></R>",
                         web ? "ASIAWEB" : "ASIAROLE", exp);
        return WEIR_OK;
    }
    resp->status = 404;
    return WEIR_OK;
}

static int64_t fake_clock(void *ctx)
{
    return ((struct fake *)ctx)->now;
}

static void no_sleep(void *ctx, long ms)
{
    (void)ctx;
    (void)ms;
}

struct env {
    struct weir_aws_config cfg;
    struct weir_aws_http *http;
    struct weir_aws_cred_ctx ctx;
};

static void env_open(struct env *e, struct fake *f, const char **vars)
{
    struct weir_error err;
    struct weir_aws_http_options o;
    memset(&o, 0, sizeof(o));
    o.transport = transport;
    o.transport_ctx = f;
    o.clock = fake_clock;
    o.clock_ctx = f;
    o.sleep = no_sleep;
    weir_aws_config_from_env(&e->cfg, table_getenv, vars, &err);
    weir_aws_http_new(&o, &e->http, &err);
    e->ctx.config = &e->cfg;
    e->ctx.http = e->http;
}

static void env_close(struct env *e)
{
    weir_aws_http_free(e->http);
    weir_aws_config_reset(&e->cfg);
}

typedef int (*new_fn)(const struct weir_aws_cred_ctx *, struct weir_aws_cred_provider **,
                      struct weir_error *);

/* Runs one provider once; returns its status, creds in *c. */
static int get_with(new_fn fn, struct fake *f, const char **vars, struct weir_aws_creds *c,
                    struct weir_error *err)
{
    struct env e;
    struct weir_aws_cred_provider *p = NULL;
    env_open(&e, f, vars);
    int rc = fn(&e.ctx, &p, err);
    if (rc == WEIR_OK) {
        rc = weir_aws_cred_get(p, c, err);
    }
    weir_aws_cred_free(p);
    env_close(&e);
    return rc;
}

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    fputs(text, fp);
    fclose(fp);
}

static void test_env(void)
{
    struct fake f = {.now = 1700000000};
    struct weir_aws_creds c;
    struct weir_error err;
    memset(&c, 0, sizeof(c));
    const char *v1[] = {"AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "envsecret",
                        "AWS_SESSION_TOKEN", "envtoken", NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_env_new, &f, v1, &c, &err), WEIR_OK, "env: keys found");
    TAP_EQ_STR(c.access_key_id, "AKIDENV", "env: access key id");
    TAP_EQ_STR(c.secret_access_key.value, "envsecret", "env: secret key");
    TAP_EQ_STR(c.session_token.value, "envtoken", "env: session token");
    TAP_EQ_STR(weir_aws_secret_print(&c.secret_access_key), "***", "secrets print as ***");
    TAP_EQ_INT(c.expiration, 0, "env: long-term, no expiry");
    const char *v2[] = {"AWS_ACCESS_KEY_ID", "AKIDENV", NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_env_new, &f, v2, &c, &err), WEIR_EAUTH,
               "env: id without secret is an error");
    const char *v3[] = {NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_env_new, &f, v3, &c, &err), WEIR_ENOINPUT,
               "env: nothing set, next provider");
    TAP_EQ_INT(f.calls, 0, "env: no HTTP");
    weir_aws_creds_reset(&c);
}

static void test_profile(void)
{
    struct fake f = {.now = 1700000000};
    struct weir_aws_creds c;
    struct weir_error err;
    memset(&c, 0, sizeof(c));
    char cfgp[512], credp[512];
    snprintf(cfgp, sizeof(cfgp), "%s/config", dir);
    snprintf(credp, sizeof(credp), "%s/credentials", dir);
    write_file("config", "# comment\n[default]\nregion = eu-central-1\n\n"
                         "[profile dev]\nregion=us-west-2\naws_access_key_id = FROMCONFIG\n"
                         "s3 =\n  max_concurrent_requests = 4\n"
                         "[profile admin]\nrole_arn = arn:aws:iam::1:role/admin\n"
                         "source_profile = dev\nrole_session_name = sess\n"
                         "[profile chained]\nrole_arn = arn:aws:iam::1:role/second\n"
                         "source_profile = admin\n"
                         "[profile loop1]\nrole_arn = arn:aws:iam::1:role/l\n"
                         "source_profile = loop2\n"
                         "[profile loop2]\nrole_arn = arn:aws:iam::1:role/l\n"
                         "source_profile = loop1\n"
                         "[profile regiononly]\nregion = sa-east-1\n"
                         "[profile wif]\nrole_arn = arn:aws:iam::1:role/wif\n"
                         "web_identity_token_file = WIF\n"
                         "[profile proc]\ncredential_process = /bin/false\n");
    write_file("credentials", "[dev]\naws_access_key_id = AKIDDEV\n"
                              "aws_secret_access_key = devsecret\n[default]\n"
                              "aws_access_key_id = AKIDDEFAULT\naws_secret_access_key = defsecret\n");
    const char *vdev[] = {"AWS_CONFIG_FILE", cfgp, "AWS_SHARED_CREDENTIALS_FILE", credp,
                          "AWS_PROFILE", "dev", NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_profile_new, &f, vdev, &c, &err), WEIR_OK, "profile dev");
    TAP_EQ_STR(c.access_key_id, "AKIDDEV", "credentials file wins over config for the same key");
    TAP_EQ_STR(c.secret_access_key.value, "devsecret", "profile secret");
    const char *vdef[] = {"AWS_CONFIG_FILE", cfgp, "AWS_SHARED_CREDENTIALS_FILE", credp, NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_profile_new, &f, vdef, &c, &err), WEIR_OK,
               "default profile when AWS_PROFILE is unset");
    TAP_EQ_STR(c.access_key_id, "AKIDDEFAULT", "[default] of the credentials file");

    snprintf(f.sts_expect_akid, sizeof(f.sts_expect_akid), "Credential=AKIDDEV/");
    const char *vadm[] = {"AWS_CONFIG_FILE", cfgp, "AWS_SHARED_CREDENTIALS_FILE", credp,
                          "AWS_PROFILE", "admin", NULL};
    int rc = get_with(weir_aws_cred_profile_new, &f, vadm, &c, &err);
    TAP_EQ_INT(rc, WEIR_OK, "role_arn + source_profile: AssumeRole");
    if (rc != WEIR_OK) {
        printf("# %s | %s\n", err.message, err.detail);
    }
    TAP_EQ_STR(c.access_key_id, "ASIAROLE", "assumed-role access key");
    TAP_EQ_STR(c.session_token.value, "sts-token", "assumed-role session token");
    TAP_EQ_INT(c.expiration, f.now + 3600, "assumed-role expiration parsed from STS");
    TAP_EQ_STR(f.last_url, "https://sts.us-east-1.amazonaws.com/",
               "regional STS endpoint (us-east-1 without a region)");
    TAP_OK(strstr(f.last_body, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam"
                               "%3A%3A1%3Arole%2Fadmin&RoleSessionName=sess&DurationSeconds=3600")
               != NULL,
           "AssumeRole query body: %s", f.last_body);
    TAP_OK(strstr(f.last_auth, "Credential=AKIDDEV/") != NULL &&
               strstr(f.last_auth, "/us-east-1/sts/aws4_request") != NULL,
           "AssumeRole signed with the source profile's key for sts");

    snprintf(f.sts_expect_akid, sizeof(f.sts_expect_akid), "Credential=ASIAROLE/");
    f.sts_calls = 0;
    const char *vch[] = {"AWS_CONFIG_FILE", cfgp, "AWS_SHARED_CREDENTIALS_FILE", credp,
                         "AWS_PROFILE", "chained", NULL};
    /* chained → admin (AssumeRole with dev) → second AssumeRole signed with the first's creds.
     * The fake expects ASIAROLE for both, so the first (signed by AKIDDEV) is refused. */
    rc = get_with(weir_aws_cred_profile_new, &f, vch, &c, &err);
    TAP_EQ_INT(rc, WEIR_EAUTH, "chained roles: the first hop is signed with the base keys");
    snprintf(f.sts_expect_akid, sizeof(f.sts_expect_akid), "Credential=A");
    f.sts_calls = 0;
    rc = get_with(weir_aws_cred_profile_new, &f, vch, &c, &err);
    TAP_OK(rc == WEIR_OK && f.sts_calls == 2, "chained roles: two AssumeRole calls (%d)",
           f.sts_calls);
    TAP_OK(strstr(f.last_auth, "Credential=ASIAROLE/") != NULL,
           "the second hop is signed with the first role's credentials");

    const char *vloop[] = {"AWS_CONFIG_FILE", cfgp, "AWS_SHARED_CREDENTIALS_FILE", credp,
                           "AWS_PROFILE", "loop1", NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_profile_new, &f, vloop, &c, &err), WEIR_ECONFIG,
               "source_profile loop refused");
    const char *vmiss[] = {"AWS_CONFIG_FILE", cfgp, "AWS_SHARED_CREDENTIALS_FILE", credp,
                           "AWS_PROFILE", "nosuch", NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_profile_new, &f, vmiss, &c, &err), WEIR_ECONFIG,
               "a named profile that does not exist is a config error");
    const char *vro[] = {"AWS_CONFIG_FILE", cfgp, "AWS_SHARED_CREDENTIALS_FILE", "/nonexistent",
                         "AWS_PROFILE", "regiononly", NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_profile_new, &f, vro, &c, &err), WEIR_ECONFIG,
               "a named profile without credentials is a config error");
    const char *vnone[] = {"AWS_CONFIG_FILE", "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE",
                           "/nonexistent", NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_profile_new, &f, vnone, &c, &err), WEIR_ENOINPUT,
               "no files and no AWS_PROFILE: next provider");
    const char *vproc[] = {"AWS_CONFIG_FILE", cfgp, "AWS_PROFILE", "proc", NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_profile_new, &f, vproc, &c, &err), WEIR_ECONFIG,
               "credential_process is reported as unsupported");
    TAP_OK(strstr(err.message, "credential_process") != NULL, "message names it");

    /* Region: env beats profile; then the profile's. */
    struct env e;
    char region[64];
    const char *vr1[] = {"AWS_CONFIG_FILE", cfgp, "AWS_PROFILE", "regiononly", "AWS_REGION",
                         "eu-north-1", NULL};
    env_open(&e, &f, vr1);
    weir_aws_region_resolve(&e.ctx, region, sizeof(region), &err);
    TAP_EQ_STR(region, "eu-north-1", "region: AWS_REGION first");
    env_close(&e);
    const char *vr2[] = {"AWS_CONFIG_FILE", cfgp, "AWS_PROFILE", "regiononly",
                         "AWS_EC2_METADATA_DISABLED", "true", NULL};
    env_open(&e, &f, vr2);
    weir_aws_region_resolve(&e.ctx, region, sizeof(region), &err);
    TAP_EQ_STR(region, "sa-east-1", "region: then the profile's");
    env_close(&e);
    const char *vr3[] = {"AWS_CONFIG_FILE", "/nonexistent", NULL};
    env_open(&e, &f, vr3);
    weir_aws_region_resolve(&e.ctx, region, sizeof(region), &err);
    TAP_EQ_STR(region, "ap-south-1", "region: then IMDS");
    env_close(&e);
    weir_aws_creds_reset(&c);
}

static void test_web_identity(void)
{
    struct fake f = {.now = 1700000000};
    struct weir_aws_creds c;
    struct weir_error err;
    memset(&c, 0, sizeof(c));
    char tokp[512];
    snprintf(tokp, sizeof(tokp), "%s/token", dir);
    write_file("token", "oidc.jwt+/=token\n");
    const char *v[] = {"AWS_WEB_IDENTITY_TOKEN_FILE", tokp, "AWS_ROLE_ARN",
                       "arn:aws:iam::1:role/pod", "AWS_ROLE_SESSION_NAME", "podsess",
                       "AWS_REGION", "eu-west-1", NULL};
    int rc = get_with(weir_aws_cred_web_identity_new, &f, v, &c, &err);
    TAP_EQ_INT(rc, WEIR_OK, "web identity: AssumeRoleWithWebIdentity");
    TAP_EQ_STR(c.access_key_id, "ASIAWEB", "web identity creds");
    TAP_EQ_STR(f.last_auth, "", "AssumeRoleWithWebIdentity is sent unsigned");
    TAP_EQ_STR(f.last_url, "https://sts.eu-west-1.amazonaws.com/", "regional STS (AWS_REGION)");
    TAP_OK(strstr(f.last_body, "RoleSessionName=podsess&WebIdentityToken=oidc.jwt%2B%2F%3Dtoken")
               != NULL && strstr(f.last_body, "%0A") == NULL,
           "token form-encoded, trailing newline dropped: %s", f.last_body);
    const char *vmiss[] = {"AWS_WEB_IDENTITY_TOKEN_FILE", tokp, NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_web_identity_new, &f, vmiss, &c, &err), WEIR_ECONFIG,
               "token file without AWS_ROLE_ARN: config error");
    const char *vnofile[] = {"AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/t", "AWS_ROLE_ARN",
                             "arn:aws:iam::1:role/pod", NULL};
    TAP_OK(get_with(weir_aws_cred_web_identity_new, &f, vnofile, &c, &err) != WEIR_OK &&
               strstr(err.message, "/nonexistent/t") != NULL,
           "unreadable token file named in the error");
    const char *none[] = {NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_web_identity_new, &f, none, &c, &err), WEIR_ENOINPUT,
               "web identity not configured: next provider");
    weir_aws_creds_reset(&c);
}

static void test_ecs_imds(void)
{
    struct fake f = {.now = 1700000000};
    struct weir_aws_creds c;
    struct weir_error err;
    memset(&c, 0, sizeof(c));
    const char *vrel[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc", NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_ecs_new, &f, vrel, &c, &err), WEIR_OK, "ECS relative URI");
    TAP_EQ_STR(c.access_key_id, "ASIAECSREL", "ECS creds from 169.254.170.2");
    TAP_EQ_INT(c.expiration, f.now + 3600, "ECS expiration");
    snprintf(f.ecs_token, sizeof(f.ecs_token), "Bearer xyz");
    const char *vfull[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://ecs.test/creds",
                           "AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer xyz", NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_ecs_new, &f, vfull, &c, &err), WEIR_OK,
               "ECS full URI with the authorization token");
    TAP_EQ_STR(c.access_key_id, "ASIAECSFULL", "ECS full URI creds");
    char tokp[512];
    snprintf(tokp, sizeof(tokp), "%s/ecstoken", dir);
    write_file("ecstoken", "Bearer xyz\n");
    const char *vfile[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://ecs.test/creds",
                           "AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong",
                           "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokp, NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_ecs_new, &f, vfile, &c, &err), WEIR_OK,
               "the token file wins over the token variable");
    const char *vbad[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://evil.example/creds",
                          NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_ecs_new, &f, vbad, &c, &err), WEIR_ECONFIG,
               "plain http to a non-local host refused");
    const char *vlocal[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/x", NULL};
    f.fail_all = 1;
    TAP_EQ_INT(get_with(weir_aws_cred_ecs_new, &f, vlocal, &c, &err), WEIR_ETEMPFAIL,
               "plain http to loopback allowed (then unreachable: tempfail)");
    f.fail_all = 0;

    f.imds_calls = 0;
    const char *vimds[] = {NULL};
    TAP_EQ_INT(get_with(weir_aws_cred_imds_new, &f, vimds, &c, &err), WEIR_OK, "IMDSv2");
    TAP_EQ_STR(c.access_key_id, "ASIAIMDS", "IMDS creds for the instance role");
    TAP_EQ_STR(c.session_token.value, "tok-ASIAIMDS", "IMDS token");
    TAP_EQ_INT(f.imds_calls, 4, "token, role list, token, credentials");
    const char *voff[] = {"AWS_EC2_METADATA_DISABLED", "true", NULL};
    f.calls = 0;
    TAP_EQ_INT(get_with(weir_aws_cred_imds_new, &f, voff, &c, &err), WEIR_ENOINPUT,
               "IMDS disabled: next provider");
    TAP_EQ_INT(f.calls, 0, "IMDS disabled: no request");
    f.fail_all = 1;
    TAP_EQ_INT(get_with(weir_aws_cred_imds_new, &f, vimds, &c, &err), WEIR_ENOINPUT,
               "IMDS unreachable (not on EC2): next provider, not an error");
    f.fail_all = 0;
    weir_aws_creds_reset(&c);
}

static void test_chain(void)
{
    struct fake f = {.now = 1700000000};
    struct weir_aws_creds c;
    struct weir_error err;
    struct env e;
    struct weir_aws_cred_provider *chain = NULL;
    memset(&c, 0, sizeof(c));

    const char *vboth[] = {"AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "s",
                           "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc", NULL};
    env_open(&e, &f, vboth);
    weir_aws_cred_default_chain_new(&e.ctx, &chain, &err);
    TAP_EQ_INT(weir_aws_cred_get(chain, &c, &err), WEIR_OK, "chain: env and ECS both set");
    TAP_EQ_STR(c.access_key_id, "AKIDENV", "chain: env comes first");
    TAP_EQ_INT(f.calls, 0, "chain: ECS never asked");
    weir_aws_cred_free(chain);
    env_close(&e);

    /* IMDS creds expire at now + 3600; refresh 300 s before. */
    const char *vimds[] = {"AWS_CONFIG_FILE", "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE",
                           "/nonexistent", NULL};
    env_open(&e, &f, vimds);
    weir_aws_cred_default_chain_new(&e.ctx, &chain, &err);
    f.imds_calls = 0;
    int64_t t0 = f.now;
    TAP_EQ_INT(weir_aws_cred_get(chain, &c, &err), WEIR_OK, "chain falls through to IMDS");
    TAP_EQ_STR(c.provider, "imds", "provider recorded");
    int first = f.imds_calls;
    f.now = t0 + 1000;
    weir_aws_cred_get(chain, &c, &err);
    TAP_EQ_INT(f.imds_calls, first, "cached: no request 1000 s later");
    f.now = t0 + 3600 - 301;
    weir_aws_cred_get(chain, &c, &err);
    TAP_EQ_INT(f.imds_calls, first, "cached: still none 301 s before expiry");
    f.now = t0 + 3600 - 299;
    weir_aws_cred_get(chain, &c, &err);
    TAP_EQ_INT(f.imds_calls, 2 * first, "refreshed 299 s before expiry");
    TAP_EQ_INT(c.expiration, f.now + 3600, "new expiration from the refresh");
    /* A refresh that fails while the old creds still hold: keep them. */
    int64_t exp = c.expiration;
    f.now = exp - 100;
    f.fail_all = 1;
    TAP_EQ_INT(weir_aws_cred_get(chain, &c, &err), WEIR_OK,
               "failed refresh: still-valid credentials kept");
    f.now = exp + 1;
    TAP_EQ_INT(weir_aws_cred_get(chain, &c, &err), WEIR_EAUTH,
               "failed refresh after expiry: no credentials");
    TAP_OK(strstr(err.detail, "tried env, profile, web-identity, ecs, imds") != NULL,
           "the error lists the chain in order: %s", err.detail);
    f.fail_all = 0;
    weir_aws_cred_free(chain);
    env_close(&e);
    weir_aws_creds_reset(&c);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "%s/weir-cred-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_env();
    test_profile();
    test_web_identity();
    test_ecs_imds();
    test_chain();
    const char *files[] = {"config", "credentials", "token", "ecstoken"};
    for (size_t i = 0; i < 4; i++) {
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
    return tap_done();
}
