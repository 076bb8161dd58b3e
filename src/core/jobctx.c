/* Shared job setup: plugins, options, secrets, connection, query; see jobctx.h. */
#include "core/jobctx.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/slices.h"
#include "util/log.h"

static char *keep(struct weir_jobctx *c, const char *s)
{
    if (c->n_owned >= WEIR_MAX_KV) {
        return NULL;
    }
    char *d = strdup(s);
    if (d != NULL) {
        c->owned[c->n_owned++] = d;
    }
    return d;
}

static int add_kv(struct weir_kv *kv, size_t *n, const char *key, const char *value,
                  struct weir_error *err)
{
    if (*n >= WEIR_MAX_KV) {
        return weir_error_set(err, WEIR_ECONFIG, "too many options (at most %d)", WEIR_MAX_KV);
    }
    kv[*n].key = key;
    kv[*n].value = value;
    (*n)++;
    return WEIR_OK;
}

int weir_jobctx_writer_opt(struct weir_jobctx *c, const char *key, const char *value,
                           struct weir_error *err)
{
    const char *k = keep(c, key), *v = keep(c, value);
    if (k == NULL || v == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory or too many writer options");
    }
    /* a later value for the same key replaces the earlier one */
    for (size_t i = 0; i < c->n_writer_opts; i++) {
        if (strcmp(c->writer_opts[i].key, k) == 0) {
            c->writer_opts[i].value = v;
            return WEIR_OK;
        }
    }
    return add_kv(c->writer_opts, &c->n_writer_opts, k, v, err);
}

/* "<spec>:<line>:<col>: <field>: " in front of a plugin's option message. */
static int at_pos(struct weir_jobctx *c, struct weir_pos pos, const char *field,
                  struct weir_error *err)
{
    char msg[sizeof(err->message)];
    snprintf(msg, sizeof(msg), "%s", err->message);
    snprintf(err->message, sizeof(err->message), "%s:%d:%d: %s: %s", c->spec->path, pos.line,
             pos.col, field, msg);
    return err->status;
}

int weir_jobctx_init(struct weir_jobctx *c, const struct weir_spec *spec,
                     const struct weir_spec_job *job, const struct weir_run_options *opts,
                     struct weir_error *err)
{
    memset(c, 0, sizeof(*c));
    c->spec = spec;
    c->job = job;
    c->opts = opts;
    weir_log_host(&c->host, opts->cancel);
    if (weir_plugin_load(WEIR_PLUGIN_SOURCE, spec->source.driver.s, &c->source, err) != WEIR_OK) {
        return at_pos(c, spec->source.driver.pos, "source.driver", err);
    }
    if (weir_plugin_load(WEIR_PLUGIN_WRITER, spec->target.format.s, &c->writer, err) != WEIR_OK) {
        return at_pos(c, spec->target.format.pos, "target.format", err);
    }
    for (size_t i = 0; i < spec->source.n_options; i++) {
        const struct weir_spec_kv *o = &spec->source.options[i];
        if (weir_plugin_check_option(&c->source, o->key, o->value, err) != WEIR_OK) {
            return at_pos(c, o->pos, "source.options", err);
        }
        if (add_kv(c->source_opts, &c->n_source_opts, o->key, o->value, err) != WEIR_OK) {
            return err->status;
        }
    }
    /* the target's own keys, then target.options, which may refine them */
    char size[32];
    snprintf(size, sizeof(size), "%" PRIu64, spec->target.row_group_size);
    struct {
        const char *key, *value, *field;
        struct weir_pos pos;
    } fixed[] = {
        {"compression", spec->target.compression.s, "target.compression",
         spec->target.compression.pos},
        {"row_group_size", size, "target.row_group_size", spec->target.pos},
        {"timestamp_unit", spec->target.timestamp_unit.s, "target.timestamp_unit",
         spec->target.timestamp_unit.pos},
        {"types_profile", spec->target.types_profile.s, "target.types_profile",
         spec->target.types_profile.pos},
        {"created_by", "weir version " PACKAGE_VERSION, "target", spec->target.pos},
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        if (fixed[i].value == NULL) {
            continue;
        }
        if (weir_plugin_check_option(&c->writer, fixed[i].key, fixed[i].value, err) != WEIR_OK) {
            return at_pos(c, fixed[i].pos, fixed[i].field, err);
        }
        if (weir_jobctx_writer_opt(c, fixed[i].key, fixed[i].value, err) != WEIR_OK) {
            return err->status;
        }
    }
    for (size_t i = 0; i < spec->target.n_options; i++) {
        const struct weir_spec_kv *o = &spec->target.options[i];
        if (weir_plugin_check_option(&c->writer, o->key, o->value, err) != WEIR_OK) {
            return at_pos(c, o->pos, "target.options", err);
        }
        if (weir_jobctx_writer_opt(c, o->key, o->value, err) != WEIR_OK) {
            return err->status;
        }
    }
    if (job->slice_count > 1 && !weir_slices_supported(c->source.desc.source)) {
        weir_error_set(err, WEIR_ECONFIG,
                       "%s:%d:%d: jobs.%s.slices: the %s source cannot "
                       "extract slices (it cannot share one snapshot between connections)",
                       spec->path, job->slice_column.pos.line, job->slice_column.pos.col,
                       job->name.s, spec->source.driver.s);
        return weir_error_hint(err, "remove slices, or use a source that supports them "
                                    "(postgres)");
    }
    return WEIR_OK;
}

static int dropped(const struct weir_spec_job *job, const char *col)
{
    for (size_t i = 0; i < job->n_pii; i++) {
        if (strcmp(job->pii[i].key, col) == 0 && strcmp(job->pii[i].value, "drop") == 0) {
            return 1;
        }
    }
    return 0;
}

int weir_jobctx_query(struct weir_jobctx *c, struct weir_error *err)
{
    const struct weir_spec_job *job = c->job;
    struct weir_query *q = &c->q;
    memset(q, 0, sizeof(*q));
    q->size = sizeof(*q);
    q->table = job->table.s;
    q->sql = job->query.s;
    q->filter = job->filter.s;
    if (job->n_wm > WEIR_MAX_WM) {
        return weir_error_set(err, WEIR_ECONFIG, "at most %d watermark columns", WEIR_MAX_WM);
    }
    for (size_t i = 0; i < job->n_wm; i++) {
        c->wm_columns[i] = job->wm_columns[i].s;
    }
    q->wm_columns = c->wm_columns;
    q->n_wm = job->n_wm;
    for (size_t i = 0; i < job->n_types && i < WEIR_MAX_KV; i++) {
        c->types[i] = (struct weir_kv){job->types[i].key, job->types[i].value};
    }
    q->types = c->types;
    q->n_types = job->n_types < WEIR_MAX_KV ? job->n_types : WEIR_MAX_KV;
    free(c->columns);
    c->columns = NULL;
    c->n_columns = 0;
    if (job->n_columns > 0) {
        c->columns = calloc(job->n_columns, sizeof(*c->columns));
        if (c->columns == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < job->n_columns; i++) {
            if (!dropped(job, job->columns[i].s)) {
                c->columns[c->n_columns++] = job->columns[i].s;
            }
        }
    } else if (job->n_pii > 0) {
        /* all columns but the dropped ones: ask the source what "all" is */
        struct ArrowSchema schema;
        if (c->source.desc.source->describe(c->conn, q, &schema, err) != WEIR_OK) {
            return err->status;
        }
        c->columns = calloc((size_t)schema.n_children + 1, sizeof(*c->columns));
        for (int64_t i = 0; c->columns != NULL && i < schema.n_children; i++) {
            if (!dropped(job, schema.children[i]->name)) {
                char *name = keep(c, schema.children[i]->name);
                if (name == NULL) {
                    break;
                }
                c->columns[c->n_columns++] = name;
            }
        }
        schema.release(&schema);
        if (c->columns == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory");
        }
    }
    q->columns = c->columns;
    q->n_columns = c->n_columns;
    return WEIR_OK;
}

void weir_jobctx_reset(struct weir_jobctx *c)
{
    if (c->conn != NULL && !weir_jobctx_park(c)) {
        if (c->in_snapshot) {
            struct weir_error ignored;
            c->source.desc.source->end(c->conn, &ignored);
        }
        c->source.desc.source->disconnect(c->conn);
    }
    weir_secret_reset(&c->connection);
    weir_secret_reset(&c->user);
    weir_secret_reset(&c->password);
    weir_secret_reset(&c->pii_key);
    weir_secret_reset(&c->rds_user);
    weir_secret_reset(&c->rds_password);
    for (size_t i = 0; i < c->n_owned; i++) {
        free(c->owned[i]);
    }
    free(c->columns);
    weir_plugin_unload(&c->writer);
    weir_plugin_unload(&c->source);
    memset(c, 0, sizeof(*c));
}

json_t *weir_bounds_json(const struct weir_bound *b, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, b[i].present ? json_string(b[i].text) : json_null());
    }
    return a;
}

int weir_bounds_from_json(const json_t *a, struct weir_bound *b, size_t n, struct weir_error *err)
{
    if (!json_is_array(a) || json_array_size(a) != n) {
        return weir_error_set(err, WEIR_EDATA,
                              "state watermark has %zu values, the job has %zu watermark columns",
                              json_is_array(a) ? json_array_size(a) : 0, n);
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(a, i);
        memset(&b[i], 0, sizeof(b[i]));
        if (json_is_string(v)) {
            b[i].present = 1;
            snprintf(b[i].text, sizeof(b[i].text), "%s", json_string_value(v));
        }
    }
    return WEIR_OK;
}

void weir_bounds_text(const struct weir_bound *b, size_t n, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "",
                         b[i].present ? b[i].text : "NULL");
        if (w < 0) {
            break;
        }
        used += (size_t)w;
    }
}
