/* weir check: the spec's shared pieces once, then one compact table per job;
 * see job.h. */
#include "core/job.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/glue.h"
#include "aws/session.h"
#include "core/catalog.h"
#include "core/deletes.h"
#include "core/jobctx.h"
#include "core/sink.h"
#include "core/state.h"
#include "util/arrow.h"

/* Whether the spec talks to AWS: an s3:// target or state, Secrets Manager,
 * or the Glue catalog. */
static int uses_aws(const struct weir_spec *spec)
{
    const struct weir_sval *refs[] = {&spec->source.connection, &spec->source.user,
                                      &spec->source.password, &spec->pii_key};
    if (strncmp(spec->target.location.s, "s3://", 5) == 0 ||
        strncmp(spec->state.location.s, "s3://", 5) == 0 || spec->source.secret.s != NULL ||
        (spec->catalog.type.s != NULL && strcmp(spec->catalog.type.s, "glue") == 0)) {
        return 1;
    }
    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        if (refs[i]->s != NULL && strstr(refs[i]->s, "${secret:") != NULL) {
            return 1;
        }
    }
    return 0;
}

static void line(FILE *out, int ok, const char *what, const char *detail)
{
    fprintf(out, "%-5s %s%s%s\n", ok ? "ok" : "FAIL", what, detail[0] ? ": " : "", detail);
}

/* check creates nothing: for a local folder that does not exist yet it
 * checks that its nearest existing parent lets a run create it. Returns 1
 * (and fills *rc, err, note) when `loc` is such a folder, 0 otherwise. */
static int local_to_create(const char *loc, char *note, size_t cap, int *rc,
                           struct weir_error *err)
{
    char dir[1024];
    struct stat st;
    if (strncmp(loc, "s3://", 5) == 0) {
        return 0;
    }
    if (strncmp(loc, "file://", 7) == 0) {
        loc += 7;
    }
    snprintf(dir, sizeof(dir), "%s", loc);
    if (stat(dir, &st) == 0) {
        return 0;
    }
    while (stat(dir, &st) != 0) {
        char *slash = strrchr(dir, '/');
        while (slash != NULL && slash > dir && slash[1] == '\0') { /* trailing slashes */
            *slash = '\0';
            slash = strrchr(dir, '/');
        }
        if (slash == NULL) {
            snprintf(dir, sizeof(dir), ".");
        } else if (slash == dir) {
            dir[1] = '\0';
        } else {
            *slash = '\0';
        }
    }
    if (access(dir, W_OK | X_OK) != 0) {
        *rc = weir_error_set(err, WEIR_EIO, "cannot create %s: %s is not writable", loc, dir);
        return 1;
    }
    snprintf(note, cap, "%s (does not exist yet; a run creates it in %s)", loc, dir);
    *rc = WEIR_OK;
    return 1;
}

/* A real write, commit and removal proves an existing location usable. */
static int check_target(const struct weir_spec *spec, FILE *out, struct weir_error *err)
{
    struct weir_sink *sink = NULL;
    struct weir_sink_file *f = NULL;
    char note[1200];
    int rc;
    if (local_to_create(spec->target.location.s, note, sizeof(note), &rc, err)) {
        line(out, rc == WEIR_OK, "target", rc == WEIR_OK ? note : err->message);
        return rc;
    }
    if ((rc = weir_sink_open(spec->target.location.s, spec->target.kms_key_id.s, &sink, err)) !=
        WEIR_OK) {
        line(out, 0, "target", err->message);
        return rc;
    }
    char probe[300];
    snprintf(probe, sizeof(probe), "_weir_check_%ld", (long)getpid());
    if ((rc = sink->ops->open(sink, probe, &f, err)) == WEIR_OK) {
        if ((rc = sink->ops->write(f, "ok\n", 3, err)) == WEIR_OK) {
            rc = sink->ops->commit(f, err); /* frees f, also on failure */
        } else {
            sink->ops->abort(f);
        }
        if (rc == WEIR_OK) {
            rc = sink->ops->remove(sink, probe, err);
        }
    }
    line(out, rc == WEIR_OK, rc == WEIR_OK ? "target writable" : "target",
         rc == WEIR_OK ? sink->root : err->message);
    sink->ops->free(sink);
    return rc;
}

/* *store new, or NULL when the local state folder does not exist yet. */
static int check_state(const struct weir_spec *spec, FILE *out, struct weir_state_store **store,
                       struct weir_error *err)
{
    char note[1200];
    int rc;
    *store = NULL;
    if (local_to_create(spec->state.location.s, note, sizeof(note), &rc, err)) {
        line(out, rc == WEIR_OK, "state", rc == WEIR_OK ? note : err->message);
        return rc;
    }
    if ((rc = weir_state_open(spec->state.location.s, store, err)) != WEIR_OK) {
        line(out, 0, "state", err->message);
        return rc;
    }
    line(out, 1, "state", (*store)->location);
    return WEIR_OK;
}

/* "timestamp (UTC)" and friends: the Glue/Athena type of a column, with what
 * the Hive name hides (time zone, time of day as an integer, uuid). */
static void lake_type(const struct ArrowSchema *col, const char *writer, bool native, char *out,
                      size_t cap)
{
    char hive[64];
    int32_t vlen = 0;
    const char *f = col->format;
    if (strcmp(f, "+l") == 0 && col->n_children == 1) {
        char elem[96];
        lake_type(col->children[0], writer, native, elem, sizeof(elem));
        if (strcmp(writer, "orc") == 0) {
            snprintf(out, cap, "(a list, which the orc writer refuses)");
        } else {
            snprintf(out, cap, "array<%s>", elem);
        }
        return;
    }
    bool uuid = strcmp(f, "w:16") == 0 && col->metadata != NULL &&
                weir_arrow_metadata_find(col->metadata, "ARROW:extension:name", &vlen) != NULL;
    bool uuid_text = uuid && (strcmp(writer, "orc") == 0 || !native);
    if (weir_glue_hive_type(f, writer, uuid_text, hive, sizeof(hive)) != WEIR_OK) {
        snprintf(out, cap, "(arrow %s)", f);
        return;
    }
    if (strncmp(f, "ts", 2) == 0 && f[3] == ':') {
        snprintf(out, cap, "%s%s", hive, f[4] ? " (UTC)" : " (no time zone)");
    } else if (strncmp(f, "tt", 2) == 0) {
        snprintf(out, cap, "%s (time of day in %s)", hive,
                 f[2] == 's' ? "s" : f[2] == 'm' ? "ms" : f[2] == 'u' ? "us" : "ns");
    } else if (uuid) {
        snprintf(out, cap, "%s (uuid%s)", hive, uuid_text ? " as its 36-character text" : "");
    } else {
        snprintf(out, cap, "%s", hive);
    }
}

/* The source's type name of a column (weir:source_type), "?" when absent. */
static const char *sql_type(const struct ArrowSchema *col, int32_t *vlen)
{
    const char *st = col->metadata ? weir_arrow_metadata_find(col->metadata, "weir:source_type",
                                                              vlen)
                                   : NULL;
    if (st == NULL) {
        *vlen = 1;
        return "?";
    }
    return st;
}

static void print_columns(const struct ArrowSchema *schema, const char *writer, bool native,
                          FILE *out)
{
    int wname = 6, wsql = 8;
    for (int64_t i = 0; i < schema->n_children; i++) {
        const struct ArrowSchema *col = schema->children[i];
        int32_t vlen = 0;
        sql_type(col, &vlen);
        int n = (int)strlen(col->name);
        wname = n > wname ? n : wname;
        wsql = vlen > wsql ? vlen : wsql;
    }
    fprintf(out, "      %-*s  %-*s  %s\n", wname, "column", wsql, "SQL type", "lake type");
    for (int64_t i = 0; i < schema->n_children; i++) {
        const struct ArrowSchema *col = schema->children[i];
        int32_t vlen = 0;
        const char *st = sql_type(col, &vlen);
        char lt[96];
        lake_type(col, writer, native, lt, sizeof(lt));
        fprintf(out, "      %-*s  %-*.*s  %s\n", wname, col->name, wsql, (int)vlen, st, lt);
    }
}

/* One job over the shared connection: query, columns, watermark, state. */
static int check_job(struct weir_jobctx *c, const struct weir_spec_job *job,
                     struct weir_state_store *store, FILE *out, struct weir_error *err)
{
    struct weir_jobctx own; /* per-job option and slice checks, no connection */
    struct ArrowSchema schema = {0};
    json_t *doc = NULL;
    char what[300];
    int rc;
    snprintf(what, sizeof(what), "job %s", job->name.s);
    rc = weir_jobctx_init(&own, c->spec, job, c->opts, err);
    weir_jobctx_reset(&own);
    c->job = job;
    if (rc != WEIR_OK || (rc = weir_jobctx_query(c, err)) != WEIR_OK ||
        (rc = c->source.desc.source->describe(c->conn, &c->q, &schema, err)) != WEIR_OK) {
        line(out, 0, what, err->message);
        return rc;
    }
    for (size_t w = 0; w < job->n_wm && rc == WEIR_OK; w++) {
        int found = 0;
        for (int64_t i = 0; i < schema.n_children; i++) {
            found |= strcmp(schema.children[i]->name, job->wm_columns[w].s) == 0;
        }
        if (!found) {
            rc = weir_error_set(err, WEIR_ECONFIG,
                                "%s:%d:%d: jobs.%s.watermark.columns: \"%s\" is not a column of "
                                "the result",
                                c->spec->path, job->wm_columns[w].pos.line,
                                job->wm_columns[w].pos.col, job->name.s, job->wm_columns[w].s);
        }
    }
    if (rc == WEIR_OK && store != NULL) {
        rc = store->ops->read(store, job->name.s, &doc, err);
    }
    if (rc != WEIR_OK) {
        line(out, 0, what, err->message);
        goto cleanup;
    }
    char dels[2400];
    if ((rc = weir_deletes_describe(c, doc, store != NULL ? store->location : "",
                                    c->opts->detect_deletes, c->opts->full_reload ||
                                                                 job->mode == WEIR_MODE_FULL,
                                    dels, sizeof(dels), err)) != WEIR_OK) {
        line(out, 0, what, err->message);
        goto cleanup;
    }
    char summary[600];
    const json_t *wm = doc ? json_object_get(doc, "watermark") : NULL;
    snprintf(summary, sizeof(summary), "%s, %" PRId64 " columns, %s",
             job->table.s ? job->table.s : "query", schema.n_children,
             json_is_object(wm) ? "watermark committed" : "no state yet (first run)");
    line(out, 1, what, summary);
    print_columns(&schema, c->spec->target.format.s,
                  c->spec->target.types_profile.s != NULL &&
                      strcmp(c->spec->target.types_profile.s, "native") == 0,
                  out);
    if (dels[0] != '\0') {
        fprintf(out, "      deletes: %s\n", dels);
    }
cleanup:
    json_decref(doc);
    if (schema.release != NULL) {
        schema.release(&schema);
    }
    return rc;
}

int weir_spec_check(const struct weir_spec *spec, const char *only_job,
                    const struct weir_run_options *opts, FILE *out, struct weir_error *err)
{
    struct weir_jobctx c;
    struct weir_state_store *store = NULL;
    const struct weir_spec_job *first = NULL;
    int rc;
    for (size_t i = 0; i < spec->n_jobs && first == NULL; i++) {
        if (only_job == NULL || strcmp(only_job, spec->jobs[i].name.s) == 0) {
            first = &spec->jobs[i];
        }
    }
    if (first == NULL) {
        return weir_error_set(err, WEIR_EUSAGE, "%s has no job named \"%s\"", spec->path,
                              only_job ? only_job : "");
    }
    if ((rc = weir_jobctx_init(&c, spec, first, opts, err)) != WEIR_OK) {
        line(out, 0, "plugins", err->message);
        goto cleanup;
    }
    line(out, 1, "source plugin", c.source.path);
    line(out, 1, "writer plugin", c.writer.path);
    if (uses_aws(spec)) {
        /* first, so a credentials problem is named as such, not as a
         * failing secret, bucket or catalog */
        char arn[512];
        if ((rc = weir_aws_whoami(arn, sizeof(arn), err)) != WEIR_OK) {
            line(out, 0, "aws credentials", err->message);
            goto cleanup;
        }
        line(out, 1, "aws caller", arn);
    }
    if ((rc = weir_jobctx_connect(&c, err)) != WEIR_OK) {
        line(out, 0, "connect", err->message);
        goto cleanup;
    }
    line(out, 1, "connect", spec->source.driver.s);
    if ((rc = c.source.desc.source->begin(c.conn, err)) != WEIR_OK) {
        line(out, 0, "snapshot", err->message);
        goto cleanup;
    }
    c.in_snapshot = 1;
    if ((rc = check_target(spec, out, err)) != WEIR_OK ||
        (rc = check_state(spec, out, &store, err)) != WEIR_OK ||
        (rc = weir_catalog_check(spec, out, err)) != WEIR_OK) {
        goto cleanup;
    }
    /* every job, even after a failing one: all problems in one pass */
    int first_rc = WEIR_OK;
    struct weir_error jerr;
    for (size_t i = 0; i < spec->n_jobs; i++) {
        if (only_job != NULL && strcmp(only_job, spec->jobs[i].name.s) != 0) {
            continue;
        }
        weir_error_clear(&jerr);
        int jrc = check_job(&c, &spec->jobs[i], store, out, &jerr);
        if (jrc != WEIR_OK && first_rc == WEIR_OK) {
            first_rc = jrc;
            *err = jerr;
        }
        if (opts->cancel != NULL && *opts->cancel) {
            break;
        }
    }
    rc = first_rc;
cleanup:
    if (store != NULL) {
        store->ops->free(store);
    }
    weir_jobctx_reset(&c);
    return rc;
}

int weir_job_check(const struct weir_spec *spec, const struct weir_spec_job *job,
                   const struct weir_run_options *opts, FILE *out, struct weir_error *err)
{
    return weir_spec_check(spec, job->name.s, opts, out, err);
}
