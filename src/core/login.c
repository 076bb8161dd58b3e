/*
 * Logging in to the source: the spec's connection, user and password (with
 * their ${...} references), the RDS-style JSON secret of source.secret, and
 * the retry after a rejected login when the credentials come from Secrets
 * Manager, because rotation may have happened since they were read.
 *
 * Precedence: source.user / source.password > the secret's username and
 * password; the connection string's host, port and dbname > the secret's
 * (the driver applies those as defaults, see weir.h).
 *
 * Rotation: on WEIR_EAUTH the secrets are read again at AWSCURRENT; when
 * that gives other credentials the connection is retried with them, else
 * with the AWSPENDING version (rotation between createSecret and
 * finishSecret has set the database password already). One retry, never
 * more, so a wrong password cannot lock the account.
 */
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jobctx.h"
#include "util/log.h"

/* The members of an RDS secret that fill the connection. */
static int rds_text(const json_t *doc, const char *key, char *out, size_t cap, const char *name,
                    struct weir_error *err)
{
    const json_t *v = json_object_get(doc, key);
    out[0] = '\0';
    if (v == NULL || json_is_null(v)) {
        return WEIR_OK;
    }
    int n;
    if (json_is_string(v)) {
        n = snprintf(out, cap, "%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        n = snprintf(out, cap, "%lld", (long long)json_integer_value(v));
    } else {
        return weir_error_set(err, WEIR_ECONFIG, "secret %s: member \"%s\" is not a string", name,
                              key);
    }
    if (n < 0 || (size_t)n >= cap) {
        return weir_error_set(err, WEIR_ECONFIG, "secret %s: member \"%s\" is too long", name, key);
    }
    return WEIR_OK;
}

static int rds_secret(const struct weir_resolver *r, struct weir_jobctx *c, struct weir_error *err)
{
    struct weir_secret name = {0};
    char *raw = NULL;
    size_t len = 0;
    json_t *doc = NULL;
    int rc;
    weir_secret_reset(&c->rds_user);
    weir_secret_reset(&c->rds_password);
    c->rds_host[0] = c->rds_port[0] = c->rds_dbname[0] = '\0';
    if (c->spec->source.secret.s == NULL) {
        return WEIR_OK;
    }
    /* the name itself may be a ${env:} reference */
    if ((rc = weir_resolve(r, &c->spec->source.secret, "source.secret", &name, err)) != WEIR_OK) {
        return rc;
    }
    const struct weir_pos pos = c->spec->source.secret.pos;
    if ((rc = r->fetch != NULL ? r->fetch(r->fetch_ctx, name.value, r->stage, &raw, &len, err)
                               : weir_error_set(err, WEIR_ECONFIG,
                                                "Secrets Manager is not available")) != WEIR_OK) {
        char msg[sizeof(err->message)];
        snprintf(msg, sizeof(msg), "%s", err->message);
        snprintf(err->message, sizeof(err->message), "%s:%d:%d: source.secret: %s", c->spec->path,
                 pos.line, pos.col, msg);
        goto cleanup;
    }
    json_error_t je;
    doc = json_loadb(raw, len, 0, &je);
    if (!json_is_object(doc)) {
        /* never quote the text: it is the secret */
        rc = weir_error_set(err, WEIR_ECONFIG,
                            "%s:%d:%d: source.secret: secret %s is not a JSON object",
                            c->spec->path, pos.line, pos.col, name.value);
        weir_error_hint(err, "store the RDS form {\"username\", \"password\", \"host\", "
                             "\"port\", \"dbname\"}, or use ${secret:NAME#field} references");
        goto cleanup;
    }
    const char *keys[] = {"username", "password"};
    struct weir_secret *dst[] = {&c->rds_user, &c->rds_password};
    for (int i = 0; i < 2; i++) {
        const json_t *v = json_object_get(doc, keys[i]);
        if (v != NULL && !json_is_string(v)) {
            rc = weir_error_set(err, WEIR_ECONFIG,
                                "%s:%d:%d: source.secret: secret %s: member \"%s\" is not a "
                                "string",
                                c->spec->path, pos.line, pos.col, name.value, keys[i]);
            goto cleanup;
        }
        if (v != NULL) {
            size_t n = json_string_length(v);
            char *copy = malloc(n + 1);
            if (copy == NULL) {
                rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
                goto cleanup;
            }
            memcpy(copy, json_string_value(v), n + 1);
            weir_secret_take(dst[i], copy, n);
        }
    }
    if ((rc = rds_text(doc, "host", c->rds_host, sizeof(c->rds_host), name.value, err)) != 0 ||
        (rc = rds_text(doc, "port", c->rds_port, sizeof(c->rds_port), name.value, err)) != 0 ||
        (rc = rds_text(doc, "dbname", c->rds_dbname, sizeof(c->rds_dbname), name.value, err)) !=
            0) {
        goto cleanup;
    }
    if (c->rds_dbname[0] == '\0') {
        /* the RDS form for MySQL/MariaDB and SQL Server names it "database" at times */
        rc = rds_text(doc, "database", c->rds_dbname, sizeof(c->rds_dbname), name.value, err);
    }
cleanup:
    if (doc != NULL) {
        /* jansson keeps its own copies of the strings: wipe them too */
        const char *key;
        json_t *v;
        json_object_foreach(doc, key, v)
        {
            if (json_is_string(v)) {
                OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
            }
        }
        json_decref(doc);
    }
    if (raw != NULL) {
        OPENSSL_cleanse(raw, len);
        free(raw);
    }
    weir_secret_reset(&name);
    return rc;
}

/* Resolves every credential at one version stage (NULL: AWSCURRENT). */
static int resolve_all(struct weir_jobctx *c, const char *stage, struct weir_error *err)
{
    struct weir_resolver r = {
        .fetch = c->opts->fetch,
        .fetch_ctx = c->opts->fetch_ctx,
        .stage = stage,
        .spec_path = c->spec->path,
    };
    int rc;
    if ((rc = weir_resolve(&r, &c->spec->source.connection, "source.connection", &c->connection,
                           err)) != WEIR_OK ||
        (rc = weir_resolve(&r, &c->spec->source.user, "source.user", &c->user, err)) != WEIR_OK ||
        (rc = weir_resolve(&r, &c->spec->source.password, "source.password", &c->password, err)) !=
            WEIR_OK) {
        return rc;
    }
    return rds_secret(&r, c, err);
}

static int do_connect(struct weir_jobctx *c, void **conn, struct weir_error *err)
{
    struct weir_kv kv[WEIR_MAX_KV + 8];
    size_t n = 0;
    const char *user = c->user.value != NULL ? c->user.value : c->rds_user.value;
    const char *password = c->password.value != NULL ? c->password.value : c->rds_password.value;
    kv[n++] =
        (struct weir_kv){"connection", c->connection.value != NULL ? c->connection.value : ""};
    if (user != NULL) {
        kv[n++] = (struct weir_kv){"user", user};
    }
    if (password != NULL) {
        kv[n++] = (struct weir_kv){"password", password};
    }
    if (c->rds_host[0] != '\0') {
        kv[n++] = (struct weir_kv){"host", c->rds_host};
    }
    if (c->rds_port[0] != '\0') {
        kv[n++] = (struct weir_kv){"port", c->rds_port};
    }
    if (c->rds_dbname[0] != '\0') {
        kv[n++] = (struct weir_kv){"dbname", c->rds_dbname};
    }
    for (size_t i = 0; i < c->n_source_opts; i++) {
        kv[n++] = c->source_opts[i];
    }
    const struct weir_host *host = &c->host;
    struct weir_conn_cache *cache = c->opts != NULL ? c->opts->conn_cache : NULL;
    if (cache != NULL) {
        /* a kept connection outlives this job's context and its host table */
        if (!cache->host_set) {
            weir_log_host(&cache->host, c->opts->cancel);
            cache->host_set = 1;
        }
        host = &cache->host;
    }
    return c->source.desc.source->connect(host, kv, n, conn, err);
}

int weir_jobctx_begin(struct weir_jobctx *c, struct weir_error *err)
{
    const struct weir_source_ops *src = c->source.desc.source;
    int rc = src->begin(c->conn, err);
    if (rc == WEIR_OK || !c->conn_reused) {
        return rc;
    }
    /* the kept connection died meanwhile (server restart, idle timeout) */
    weir_log_event(WEIR_LOG_INFO, "source_reconnect", NULL,
                   "the reused connection failed (%s): logging in again", err->message);
    src->disconnect(c->conn);
    c->conn = NULL;
    c->conn_reused = 0;
    weir_error_clear(err);
    if ((rc = do_connect(c, &c->conn, err)) != WEIR_OK) {
        return rc;
    }
    return src->begin(c->conn, err);
}

int weir_jobctx_connect_another(struct weir_jobctx *c, void **conn, struct weir_error *err)
{
    return do_connect(c, conn, err);
}

/* Appends "; <text>" to the error's detail. */
static void add_detail(struct weir_error *err, const char *fmt, ...) WEIR_PRINTF(2, 3);
static void add_detail(struct weir_error *err, const char *fmt, ...)
{
    size_t used = strlen(err->detail);
    if (used > 0 && used + 2 < sizeof(err->detail)) {
        memcpy(err->detail + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail + used, sizeof(err->detail) - used, fmt, ap);
    va_end(ap);
}

static int uses_secrets_manager(const struct weir_spec *spec)
{
    const struct weir_sval *v[] = {&spec->source.connection, &spec->source.user,
                                   &spec->source.password};
    if (spec->source.secret.s != NULL) {
        return 1;
    }
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        if (v[i]->s != NULL && strstr(v[i]->s, "${secret:") != NULL) {
            return 1;
        }
    }
    return 0;
}

static int same_secret(const struct weir_secret *a, const struct weir_secret *b)
{
    if (a->value == NULL || b->value == NULL) {
        return a->value == b->value;
    }
    return a->len == b->len && CRYPTO_memcmp(a->value, b->value, a->len) == 0;
}

/* The credentials as they were, to see whether a re-read changed them. */
struct login_copy {
    struct weir_secret connection, user, password, rds_user, rds_password;
};

static int copy_secret(struct weir_secret *dst, const struct weir_secret *src)
{
    if (src->value == NULL) {
        return WEIR_OK;
    }
    char *v = malloc(src->len + 1);
    if (v == NULL) {
        return WEIR_ENOMEM;
    }
    memcpy(v, src->value, src->len + 1);
    weir_secret_take(dst, v, src->len);
    return WEIR_OK;
}

static int login_save(struct login_copy *k, const struct weir_jobctx *c)
{
    memset(k, 0, sizeof(*k));
    return copy_secret(&k->connection, &c->connection) | copy_secret(&k->user, &c->user) |
           copy_secret(&k->password, &c->password) | copy_secret(&k->rds_user, &c->rds_user) |
           copy_secret(&k->rds_password, &c->rds_password);
}

static int login_changed(const struct login_copy *k, const struct weir_jobctx *c)
{
    return !same_secret(&k->connection, &c->connection) || !same_secret(&k->user, &c->user) ||
           !same_secret(&k->password, &c->password) || !same_secret(&k->rds_user, &c->rds_user) ||
           !same_secret(&k->rds_password, &c->rds_password);
}

static void login_free(struct login_copy *k)
{
    weir_secret_reset(&k->connection);
    weir_secret_reset(&k->user);
    weir_secret_reset(&k->password);
    weir_secret_reset(&k->rds_user);
    weir_secret_reset(&k->rds_password);
}

int weir_jobctx_connect(struct weir_jobctx *c, struct weir_error *err)
{
    struct weir_resolver r = {
        .fetch = c->opts->fetch,
        .fetch_ctx = c->opts->fetch_ctx,
        .spec_path = c->spec->path,
    };
    int rc;
    if ((rc = resolve_all(c, NULL, err)) != WEIR_OK ||
        (rc = weir_resolve(&r, &c->spec->pii_key, "pii_key", &c->pii_key, err)) != WEIR_OK) {
        return rc;
    }
    if (weir_jobctx_take_cached(c)) {
        return WEIR_OK;
    }
    rc = do_connect(c, &c->conn, err);
    if (rc != WEIR_EAUTH || !uses_secrets_manager(c->spec)) {
        return rc;
    }
    /* The login was rejected with credentials from Secrets Manager: rotation
     * may have run since they were read. */
    struct weir_error first = *err, again;
    struct login_copy old;
    const char *stage = "AWSCURRENT";
    memset(&again, 0, sizeof(again));
    if (login_save(&old, c) != WEIR_OK) {
        login_free(&old);
        return rc;
    }
    weir_log_event(WEIR_LOG_WARN, "login_rejected", NULL,
                   "the database rejected the login; reading the secret again");
    rc = resolve_all(c, NULL, &again);
    if (rc == WEIR_OK && !login_changed(&old, c)) {
        stage = "AWSPENDING";
        rc = resolve_all(c, stage, &again);
        if (rc == WEIR_ENOINPUT) {
            *err = first;
            add_detail(err, "%s",
                       "the secret is unchanged at AWSCURRENT and has no AWSPENDING "
                       "version");
            rc = WEIR_EAUTH;
            goto done;
        }
    }
    if (rc != WEIR_OK) {
        *err = again;
        goto done;
    }
    if (!login_changed(&old, c)) {
        *err = first;
        add_detail(err, "%s",
                   "the secret's AWSCURRENT and AWSPENDING versions hold the "
                   "credentials that were rejected");
        rc = WEIR_EAUTH;
        goto done;
    }
    weir_log_event(WEIR_LOG_INFO, "login_retry", json_pack("{s:s}", "stage", stage),
                   "retrying the login once with the secret's %s version", stage);
    rc = do_connect(c, &c->conn, err);
    if (rc == WEIR_EAUTH) {
        add_detail(err, "also rejected with the secret's %s version", stage);
    }
done:
    login_free(&old);
    return rc;
}
