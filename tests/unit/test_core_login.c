/*
 * Logging in (core/login.c) with the fake source and a scripted Secrets
 * Manager: source.secret's RDS JSON filling what the spec leaves out, the
 * spec's own user and password winning, and the one retry after a rejected
 * login (AWSCURRENT read again, then AWSPENDING).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/job.h"
#include "spec/spec.h"
#include "tap.h"
#include "util/log.h"

static char root[64], db[128], lake[128], statedir[128];

/* The scripted secret store: per (name, stage) a value; AWSCURRENT may
 * change after the first read, as rotation does. */
struct fake_sm {
    const char *current_first; /* the first AWSCURRENT read */
    const char *current;       /* every later one */
    const char *pending;       /* NULL: no AWSPENDING version */
    char calls[16][48];        /* "name@stage" per call */
    int n_calls;
};

static int fake_fetch(void *ctx, const char *ref, const char *stage, char **value, size_t *len,
                      struct weir_error *err)
{
    struct fake_sm *sm = ctx;
    const char *v;
    if (sm->n_calls < 16) {
        snprintf(sm->calls[sm->n_calls], sizeof(sm->calls[0]), "%s@%s", ref,
                 stage != NULL ? stage : "-");
    }
    sm->n_calls++;
    if (stage != NULL && strcmp(stage, "AWSPENDING") == 0) {
        v = sm->pending;
    } else {
        v = sm->n_calls == 1 && sm->current_first != NULL ? sm->current_first : sm->current;
    }
    if (v == NULL) {
        return weir_error_set(err, WEIR_ENOINPUT, "secret %s has no version at stage %s", ref,
                              stage != NULL ? stage : "AWSCURRENT");
    }
    *value = strdup(v);
    *len = strlen(v);
    return WEIR_OK;
}

static struct weir_spec *spec_of(const char *source)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "version: 1\n"
             "source:\n  driver: fake\n%s"
             "target:\n  location: \"%s\"\n  format: fakecsv\n  compression: none\n"
             "state:\n  location: \"%s\"\n"
             "jobs:\n  - name: t\n    table: t\n    mode: full\n",
             source, lake, statedir);
    struct weir_spec *spec = NULL;
    struct weir_error err;
    if (weir_spec_parse("login.yaml", text, strlen(text), &spec, &err) != WEIR_OK) {
        printf("# spec: %s\n", err.message);
        return NULL;
    }
    return spec;
}

/* Runs a full job with the secret store; returns the status. */
static int run(const char *source, struct fake_sm *sm, struct weir_error *err)
{
    struct weir_spec *spec = spec_of(source);
    if (spec == NULL) {
        return -1;
    }
    struct weir_run_options opts = {0};
    opts.fetch = fake_fetch;
    opts.fetch_ctx = sm;
    memset(err, 0, sizeof(*err));
    int rc = weir_job_run(spec, &spec->jobs[0], &opts, err);
    weir_spec_free(spec);
    return rc;
}

static char *rds(const char *user, const char *password, const char *dbname)
{
    static char buf[4][512];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, 512,
             "{\"engine\":\"postgres\",\"host\":\"db.example\",\"port\":5432,"
             "\"username\":\"%s\",\"password\":\"%s\",\"dbname\":\"%s\"}",
             user, password, dbname);
    return b;
}

int main(void)
{
    FILE *devnull = fopen("/dev/null", "w");
    weir_log_setup(devnull, WEIR_LOG_JSON, WEIR_LOG_INFO);
    snprintf(root, sizeof(root), "/tmp/weir-login-XXXXXX");
    if (mkdtemp(root) == NULL) {
        return 1;
    }
    snprintf(db, sizeof(db), "%s/db.txt", root);
    snprintf(lake, sizeof(lake), "%s/lake", root);
    snprintf(statedir, sizeof(statedir), "%s/state", root);
    FILE *f = fopen(db, "w");
    fputs("1,a\n2,b\n", f);
    fclose(f);
    struct weir_error err;
    char src[1024];

    /* the spec needs a connection or a secret */
    struct weir_spec *spec = NULL;
    const char *bad = "version: 1\nsource:\n  driver: fake\ntarget:\n  location: /tmp/x\n"
                      "state:\n  location: /tmp/y\njobs:\n  - name: t\n    table: t\n"
                      "    mode: full\n";
    TAP_EQ_INT(weir_spec_parse("bad.yaml", bad, strlen(bad), &spec, &err), WEIR_ECONFIG,
               "neither connection nor secret: a config error");
    TAP_OK(strstr(err.message, "bad.yaml:2:") != NULL &&
               strstr(err.message, "source.connection: required") != NULL,
           "the message names file, line and field: %s", err.message);

    /* source.secret alone: the RDS JSON gives the database, user and password */
    struct fake_sm sm = {.current = rds("app", "ok", db)};
    TAP_EQ_INT(run("  secret: prod/db\n", &sm, &err), WEIR_OK, "source.secret fills the login");
    TAP_EQ_INT(sm.n_calls, 1, "one read of the secret");
    TAP_EQ_STR(sm.calls[0], "prod/db@-", "read at AWSCURRENT");

    /* the spec's own user wins over the secret's */
    memset(&sm, 0, sizeof(sm));
    sm.current = rds("nobody", "ok", db);
    TAP_EQ_INT(run("  secret: prod/db\n  user: alice\n", &sm, &err), WEIR_OK,
               "source.user overrides the secret's username");
    memset(&sm, 0, sizeof(sm));
    sm.current = rds("app", "wrong-pw", db);
    snprintf(src, sizeof(src), "  connection: \"%s\"\n  secret: prod/db\n  password: good\n", db);
    TAP_EQ_INT(run(src, &sm, &err), WEIR_OK, "source.password overrides the secret's password");

    /* rotation: AWSCURRENT changed since it was read */
    memset(&sm, 0, sizeof(sm));
    sm.current_first = rds("app", "wrong-old", db);
    sm.current = rds("app", "new", db);
    TAP_EQ_INT(run("  secret: prod/db\n", &sm, &err), WEIR_OK,
               "a rejected login is retried with the secret read again");
    TAP_EQ_INT(sm.n_calls, 2, "read twice, AWSPENDING not needed");

    /* rotation: the database already has the AWSPENDING password */
    memset(&sm, 0, sizeof(sm));
    sm.current = rds("app", "wrong-old", db);
    sm.pending = rds("app", "new", db);
    TAP_EQ_INT(run("  secret: prod/db\n", &sm, &err), WEIR_OK,
               "AWSPENDING is tried when AWSCURRENT is unchanged");
    TAP_EQ_INT(sm.n_calls, 3, "current, current again, pending");
    TAP_EQ_STR(sm.calls[2], "prod/db@AWSPENDING", "the third read asks for AWSPENDING");

    /* no pending version: the first error stays, with why */
    memset(&sm, 0, sizeof(sm));
    sm.current = rds("app", "wrong-old", db);
    TAP_EQ_INT(run("  secret: prod/db\n", &sm, &err), WEIR_EAUTH, "no AWSPENDING: EAUTH");
    TAP_OK(strstr(err.message, "password authentication failed") != NULL,
           "the database's message is kept: %s", err.message);
    TAP_OK(strstr(err.detail, "no AWSPENDING") != NULL, "the detail says why: %s", err.detail);
    TAP_OK(strstr(err.message, "wrong-old") == NULL && strstr(err.detail, "wrong-old") == NULL,
           "the password is not in the error");

    /* pending equal to current: no pointless retry */
    memset(&sm, 0, sizeof(sm));
    sm.current = rds("app", "wrong-old", db);
    sm.pending = sm.current;
    TAP_EQ_INT(run("  secret: prod/db\n", &sm, &err), WEIR_EAUTH, "same pending: EAUTH");
    TAP_OK(strstr(err.detail, "hold the credentials that were rejected") != NULL,
           "the detail says the versions are the same: %s", err.detail);

    /* pending also rejected: one retry only */
    memset(&sm, 0, sizeof(sm));
    sm.current = rds("app", "wrong-old", db);
    sm.pending = rds("app", "wrong-new", db);
    TAP_EQ_INT(run("  secret: prod/db\n", &sm, &err), WEIR_EAUTH, "both rejected: EAUTH");
    TAP_OK(strstr(err.detail, "also rejected with the secret's AWSPENDING") != NULL,
           "the detail names the stage tried: %s", err.detail);
    TAP_EQ_INT(sm.n_calls, 3, "no further reads after the one retry");

    /* a ${secret:} reference rotates too */
    memset(&sm, 0, sizeof(sm));
    sm.current = "wrong-old";
    sm.pending = "fresh";
    snprintf(src, sizeof(src), "  connection: \"%s\"\n  password: ${secret:db#password}\n", db);
    TAP_EQ_INT(run(src, &sm, &err), WEIR_OK, "${secret:} password: AWSPENDING retry works");
    TAP_EQ_STR(sm.calls[2], "db#password@AWSPENDING", "the reference is read at AWSPENDING");

    /* a literal wrong password: no secret, no retry */
    memset(&sm, 0, sizeof(sm));
    snprintf(src, sizeof(src), "  connection: \"%s\"\n  password: wrong\n", db);
    TAP_EQ_INT(run(src, &sm, &err), WEIR_EAUTH, "literal password rejected: EAUTH");
    TAP_EQ_INT(sm.n_calls, 0, "Secrets Manager is not asked");

    /* a secret that is not JSON: config error, value not quoted */
    memset(&sm, 0, sizeof(sm));
    sm.current = "hunter2-plain";
    TAP_EQ_INT(run("  secret: prod/db\n", &sm, &err), WEIR_ECONFIG, "non-JSON secret: ECONFIG");
    TAP_OK(strstr(err.message, "login.yaml:4:") != NULL &&
               strstr(err.message, "source.secret: secret prod/db is not a JSON object") != NULL,
           "message names file, line, field and secret: %s", err.message);
    TAP_OK(strstr(err.message, "hunter2") == NULL && strstr(err.detail, "hunter2") == NULL,
           "the secret's text is not quoted");

    /* a missing secret */
    memset(&sm, 0, sizeof(sm));
    TAP_EQ_INT(run("  secret: prod/none\n", &sm, &err), WEIR_ENOINPUT, "missing secret: ENOINPUT");
    TAP_OK(strstr(err.message, "source.secret") != NULL, "names the field: %s", err.message);

    /* a member of the wrong type */
    memset(&sm, 0, sizeof(sm));
    sm.current = "{\"username\": 5, \"password\": \"x\"}";
    TAP_EQ_INT(run("  secret: prod/db\n", &sm, &err), WEIR_ECONFIG, "username not a string");
    TAP_OK(strstr(err.message, "\"username\" is not a string") != NULL, "says which member: %s",
           err.message);

    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    TAP_OK(system(cmd) == 0, "cleanup");
    fclose(devnull);
    return tap_done();
}
