/*
 * A source connection kept between the jobs one process runs (the workers
 * of `weir run --parallel`): logging in costs the database a process and an
 * authentication (on the test machine ~35 ms of server CPU, more than a
 * no-op job's queries), so a worker parks its connection after a job that
 * succeeded and the next job whose connection settings are the same takes
 * it. Settings are compared by a SHA-256 of the plugin file and every value
 * connect would be given (secrets included, never stored). A connection
 * that turns out dead at the next begin is replaced by a new login.
 */
#include <openssl/evp.h>
#include <string.h>

#include "core/jobctx.h"
#include "util/log.h"

static void add(EVP_MD_CTX *md, const char *s)
{
    const char *v = s != NULL ? s : "";
    EVP_DigestUpdate(md, v, strlen(v) + 1);
}

/* The key of the settings do_connect (login.c) passes to the plugin. */
static int settings_key(const struct weir_jobctx *c, unsigned char key[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int len = 0;
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    if (ok) {
        add(md, c->source.path);
        add(md, c->connection.value);
        add(md, c->user.value != NULL ? c->user.value : c->rds_user.value);
        add(md, c->password.value != NULL ? c->password.value : c->rds_password.value);
        add(md, c->rds_host);
        add(md, c->rds_port);
        add(md, c->rds_dbname);
        for (size_t i = 0; i < c->n_source_opts; i++) {
            add(md, c->source_opts[i].key);
            add(md, c->source_opts[i].value);
        }
        ok = EVP_DigestFinal_ex(md, key, &len) == 1 && len == 32;
    }
    EVP_MD_CTX_free(md);
    return ok;
}

int weir_jobctx_take_cached(struct weir_jobctx *c)
{
    struct weir_conn_cache *cache = c->opts != NULL ? c->opts->conn_cache : NULL;
    if (cache == NULL || !settings_key(c, c->conn_key)) {
        return 0;
    }
    c->conn_keyed = 1;
    if (cache->conn == NULL || memcmp(cache->key, c->conn_key, 32) != 0 ||
        cache->disconnect != c->source.desc.source->disconnect) {
        return 0;
    }
    c->conn = cache->conn;
    c->conn_reused = 1;
    cache->conn = NULL;
    weir_log_event(WEIR_LOG_DEBUG, "source_reused", NULL,
                   "the connection of the previous job (same settings) is reused");
    return 1;
}

int weir_jobctx_park(struct weir_jobctx *c)
{
    struct weir_conn_cache *cache = c->opts != NULL ? c->opts->conn_cache : NULL;
    if (cache == NULL || c->conn == NULL || !c->reusable || !c->conn_keyed) {
        return 0;
    }
    if (c->in_snapshot) {
        struct weir_error ignored;
        if (c->source.desc.source->end(c->conn, &ignored) != WEIR_OK) {
            return 0;
        }
        c->in_snapshot = 0;
    }
    weir_conn_cache_drop(cache);
    cache->conn = c->conn;
    cache->disconnect = c->source.desc.source->disconnect;
    memcpy(cache->key, c->conn_key, 32);
    c->conn = NULL;
    return 1;
}

void weir_conn_cache_drop(struct weir_conn_cache *cache)
{
    if (cache != NULL && cache->conn != NULL) {
        cache->disconnect(cache->conn);
        cache->conn = NULL;
    }
}
