/*
 * `weir sql current`: the DuckDB SQL of a job's current state (see
 * deletes.h for the tombstones it reads). Versions of a key are ordered by
 * the run id in their file's name (runs of a job with deletes get strictly
 * increasing run ids), then by the watermark columns; the newest version is
 * current unless a tombstone of a later run says the key was deleted.
 */
#include "core/sql_current.h"

#include <string.h>

#include "core/deletes.h"
#include "core/sink.h"
#include "core/state.h"

void weir_sql_ident(FILE *out, const char *name)
{
    fputc('"', out);
    for (const char *p = name; *p; p++) {
        if (*p == '"') {
            fputc('"', out);
        }
        fputc(*p, out);
    }
    fputc('"', out);
}

static void literal(FILE *out, const char *root, const char *job, const char *tail)
{
    fputc('\'', out);
    for (const char *p = root; *p; p++) {
        if (*p == '\'') {
            fputc('\'', out);
        }
        fputc(*p, out);
    }
    fprintf(out, "%s%s%s'", root[0] && root[strlen(root) - 1] == '/' ? "" : "/", job, tail);
}

static int found_file(void *ctx, const char *path, struct weir_error *err)
{
    (void)err;
    size_t n = strlen(path);
    if (n > 8 && strcmp(path + n - 8, ".parquet") == 0) {
        *(int *)ctx = 1;
    }
    return WEIR_OK;
}

/* Whether <job>__deletes/ holds a file (DuckDB refuses a glob that matches nothing). */
static int has_tombstones(const struct weir_spec *spec, const struct weir_spec_job *job, int *found,
                          struct weir_error *err)
{
    struct weir_sink *sink = NULL;
    char prefix[200];
    *found = 0;
    snprintf(prefix, sizeof(prefix), "%s__deletes/", job->name.s);
    if (weir_sink_open(spec->target.location.s, NULL, &sink, err) != WEIR_OK) {
        return err->status;
    }
    int rc = sink->ops->list(sink, prefix, found_file, found, err);
    sink->ops->free(sink);
    return rc;
}

static void key_list(FILE *out, const struct weir_key_names *key)
{
    for (size_t i = 0; i < key->n; i++) {
        fputs(i ? ", " : "", out);
        weir_sql_ident(out, key->name[i]);
    }
}

/* The spec's key, or the one the job's last sweep used (its primary key). */
static int job_key(const struct weir_spec *spec, const struct weir_spec_job *job,
                   struct weir_key_names *key, struct weir_error *err)
{
    struct weir_state_store *store = NULL;
    json_t *doc = NULL;
    int rc = WEIR_OK;
    if (job->n_delete_key == 0 &&
        (rc = weir_state_open(spec->state.location.s, &store, err)) == WEIR_OK) {
        rc = store->ops->read(store, job->name.s, &doc, err);
        store->ops->free(store);
    }
    if (rc == WEIR_OK) {
        weir_deletes_key_names(job, doc, key);
    }
    json_decref(doc);
    return rc;
}

int weir_sql_current(const struct weir_spec *spec, const struct weir_spec_job *job, FILE *out,
                     struct weir_error *err)
{
    struct weir_key_names key;
    if (!weir_deletes_enabled(job)) {
        weir_error_set(err, WEIR_ECONFIG, "job %s has no deletes: its current state is not defined",
                       job->name.s);
        return weir_error_hint(err, "add deletes: {key: [id]} to the job");
    }
    if (job_key(spec, job, &key, err) != WEIR_OK) {
        return err->status;
    }
    if (key.n == 0) {
        weir_error_set(err, WEIR_ECONFIG,
                       "job %s: no key yet: the primary key is known after its first sweep",
                       job->name.s);
        return weir_error_hint(err, "run the job once, or name deletes.key");
    }
    if (strcmp(spec->target.format.s, "parquet") != 0) {
        weir_error_set(err, WEIR_ECONFIG,
                       "weir sql current prints DuckDB SQL over Parquet; "
                       "the lake of job %s is %s",
                       job->name.s, spec->target.format.s);
        return weir_error_hint(err, "use format: parquet for DuckDB");
    }
    int tomb = 0;
    if (has_tombstones(spec, job, &tomb, err) != WEIR_OK) {
        return err->status;
    }
    const char *root = spec->target.location.s;
    if (strncmp(root, "file://", 7) == 0) {
        root += 7;
    }
    fprintf(out,
            "-- current state of job %s: the newest version of each key (run id, then "
            "watermark),\n-- unless a later key sweep wrote a tombstone for it\n",
            job->name.s);
    fputs("WITH versions AS (\n    SELECT *, regexp_extract(filename, "
          "'part-([0-9]{8}T[0-9]{6}Z-[0-9a-f]+)-', 1) AS _weir_version_run\n"
          "    FROM read_parquet(",
          out);
    literal(out, root, job->name.s, "/**/*.parquet");
    fputs(", filename = true, hive_partitioning = false, union_by_name = true)\n),\n"
          "newest AS (\n    SELECT * FROM versions\n    QUALIFY row_number() OVER (PARTITION BY ",
          out);
    key_list(out, &key);
    fputs(" ORDER BY _weir_version_run DESC", out);
    for (size_t i = 0; i < job->n_wm; i++) {
        fputs(", ", out);
        weir_sql_ident(out, job->wm_columns[i].s);
        fputs(" DESC", out);
    }
    fputs(") = 1\n)", out);
    if (tomb) {
        fputs(",\ntombstones AS (\n    SELECT ", out);
        key_list(out, &key);
        fputs(", max(_weir_run_id) AS _weir_run_id\n    FROM read_parquet(", out);
        literal(out, root, job->name.s, "__deletes/*.parquet");
        fputs(")\n    GROUP BY ", out);
        key_list(out, &key);
        fputs("\n)", out);
    }
    fputs("\nSELECT n.* EXCLUDE (filename, _weir_version_run)\nFROM newest n", out);
    if (tomb) {
        fputs("\nWHERE NOT EXISTS (\n    SELECT 1 FROM tombstones t\n    WHERE ", out);
        for (size_t i = 0; i < key.n; i++) {
            fprintf(out, "t.");
            weir_sql_ident(out, key.name[i]);
            fputs(" IS NOT DISTINCT FROM n.", out);
            weir_sql_ident(out, key.name[i]);
            fputs(" AND ", out);
        }
        fputs("t._weir_run_id > n._weir_version_run\n)", out);
    } else {
        fputs("\n-- (no tombstones yet: print this again once a sweep has found deletes)", out);
    }
    fputs(";\n", out);
    return ferror(out) ? weir_error_set(err, WEIR_EIO, "cannot write the SQL") : WEIR_OK;
}
