/*
 * The pieces run, plan and check share: plugins, resolved secrets, the
 * source connection, the query of a job and its window. Internal to core/.
 */
#ifndef WEIR_CORE_JOBCTX_H
#define WEIR_CORE_JOBCTX_H

#include <jansson.h>

#include "core/job.h"
#include "core/plugin.h"
#include "core/secret.h"
#include "spec/spec.h"
#include "weir/weir.h"

#define WEIR_MAX_KV 64
#define WEIR_MAX_WM 8

struct weir_jobctx {
    const struct weir_spec *spec;
    const struct weir_spec_job *job;
    const struct weir_run_options *opts;
    struct weir_host host;
    struct weir_loaded_plugin source;
    struct weir_loaded_plugin writer;
    struct weir_secret connection;
    struct weir_secret user;
    struct weir_secret password;
    struct weir_secret pii_key;
    /* from the RDS JSON of source.secret (see login.c) */
    struct weir_secret rds_user;
    struct weir_secret rds_password;
    char rds_host[256];
    char rds_port[16];
    char rds_dbname[256];
    struct weir_kv source_opts[WEIR_MAX_KV];
    size_t n_source_opts;
    struct weir_kv writer_opts[WEIR_MAX_KV];
    size_t n_writer_opts;
    char *owned[WEIR_MAX_KV]; /* strings the option arrays point to */
    size_t n_owned;
    void *conn;
    int in_snapshot;
    /* the connection cache (conncache.c) */
    unsigned char conn_key[32];
    int conn_keyed;  /* conn_key holds the settings' key */
    int conn_reused; /* conn came from the cache */
    int reusable;    /* set by the job when it succeeded: conn may be parked */
    /* the query */
    const char **columns;
    size_t n_columns;
    const char *wm_columns[WEIR_MAX_WM];
    struct weir_kv types[WEIR_MAX_KV];
    struct weir_query q;
    struct weir_bound low[WEIR_MAX_WM];
    struct weir_bound high[WEIR_MAX_WM];
    char high_note[512];
};

/* Loads plugins and validates every option against their tables. */
int weir_jobctx_init(struct weir_jobctx *c, const struct weir_spec *spec,
                     const struct weir_spec_job *job, const struct weir_run_options *opts,
                     struct weir_error *err);
/* Resolves source secrets (source.secret too) and connects; on a rejected
 * login with credentials from Secrets Manager, reads them again and retries
 * once (login.c). */
int weir_jobctx_connect(struct weir_jobctx *c, struct weir_error *err);
/* One more connection with the credentials the last connect used (slices). */
int weir_jobctx_connect_another(struct weir_jobctx *c, void **conn, struct weir_error *err);
/* Fills c->q for the job (columns, PII drops, types); no bounds yet. */
int weir_jobctx_query(struct weir_jobctx *c, struct weir_error *err);
/* Adds a writer option (copied). */
int weir_jobctx_writer_opt(struct weir_jobctx *c, const char *key, const char *value,
                           struct weir_error *err);
/* begin on c->conn; a reused connection that fails it is replaced by a new
 * login, once. */
int weir_jobctx_begin(struct weir_jobctx *c, struct weir_error *err);
/* conncache.c: takes the cached connection when its settings are c's (1),
 * and parks c->conn in the cache when c->reusable (1). */
int weir_jobctx_take_cached(struct weir_jobctx *c);
int weir_jobctx_park(struct weir_jobctx *c);
/* Frees everything (parks the connection when it may); safe on a partly
 * initialised context. */
void weir_jobctx_reset(struct weir_jobctx *c);

/* Bounds ↔ JSON arrays of strings (null for absent). */
json_t *weir_bounds_json(const struct weir_bound *b, size_t n);
int weir_bounds_from_json(const json_t *a, struct weir_bound *b, size_t n, struct weir_error *err);
/* "(a, b) = ('x', '5')" style text for logs and plan. */
void weir_bounds_text(const struct weir_bound *b, size_t n, char *buf, size_t cap);

#endif
