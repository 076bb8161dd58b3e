/*
 * Glue for jobs with deletes (see glue_view.h): the tombstones' table and
 * the Athena view of the current state.
 *
 * Athena keeps a view as a Glue table of type VIRTUAL_VIEW whose
 * ViewOriginalText is "/ * Presto View: <base64 of a JSON document> * /"
 * (no spaces inside the comment marks) with the document {originalSql,
 * catalog, schema, columns: [{name, type}]} in Trino types, parameters
 * presto_view=true and comment="Presto View", and the columns again in Hive
 * types in the StorageDescriptor (what Glue shows and Spark reads).
 */
#include "core/glue_view.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "aws/glue.h"
#include "aws/session.h"
#include "core/sql_current.h"
#include "util/log.h"

#define RUN_RE "'part-([0-9]{8}T[0-9]{6}Z-[0-9a-f]+)-'"

/* Hive type → the type Trino shows for it. */
static const char *trino_type(const char *hive)
{
    static const struct {
        const char *hive, *trino;
    } map[] = {
        {"string", "varchar"}, {"int", "integer"}, {"float", "real"}, {"binary", "varbinary"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(hive, map[i].hive) == 0) {
            return map[i].trino;
        }
    }
    return hive;
}

static void q_table(FILE *f, const char *db, const char *table)
{
    weir_sql_ident(f, db);
    fputc('.', f);
    weir_sql_ident(f, table);
}

/* The view's SQL (new, free()) over the data and tombstone tables. */
static char *view_sql(const struct weir_spec_job *job, const struct weir_key_names *key,
                      const char *db, const char *table, const char *deletes, const json_t *columns)
{
    char *sql = NULL;
    size_t len = 0, i;
    json_t *c;
    FILE *f = open_memstream(&sql, &len);
    if (f == NULL) {
        return NULL;
    }
    fputs("SELECT ", f);
    json_array_foreach(columns, i, c)
    {
        fputs(i ? ", " : "", f);
        weir_sql_ident(f, json_string_value(json_object_get(c, "Name")));
    }
    fputs(" FROM (SELECT *, regexp_extract(\"$path\", " RUN_RE ", 1) AS \"_weir_version_run\", "
          "row_number() OVER (PARTITION BY ",
          f);
    for (size_t k = 0; k < key->n; k++) {
        fputs(k ? ", " : "", f);
        weir_sql_ident(f, key->name[k]);
    }
    fputs(" ORDER BY regexp_extract(\"$path\", " RUN_RE ", 1) DESC", f);
    for (size_t k = 0; k < job->n_wm; k++) {
        fputs(", ", f);
        weir_sql_ident(f, job->wm_columns[k].s);
        fputs(" DESC", f);
    }
    fputs(") AS \"_weir_rn\" FROM ", f);
    q_table(f, db, table);
    fputs(") v WHERE v.\"_weir_rn\" = 1 AND NOT EXISTS (SELECT 1 FROM ", f);
    q_table(f, db, deletes);
    fputs(" d WHERE ", f);
    for (size_t k = 0; k < key->n; k++) {
        fputs("d.", f);
        weir_sql_ident(f, key->name[k]);
        fputs(" IS NOT DISTINCT FROM v.", f);
        weir_sql_ident(f, key->name[k]);
        fputs(" AND ", f);
    }
    fputs("d.\"_weir_run_id\" > v.\"_weir_version_run\")", f);
    if (fclose(f) != 0) {
        free(sql);
        return NULL;
    }
    return sql;
}

/* "/ * Presto View: base64(doc) * /" (new, free()). */
static char *presto_text(const json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    if (text == NULL) {
        return NULL;
    }
    size_t n = strlen(text);
    size_t cap = 4 * ((n + 2) / 3) + 1;
    char *b64 = malloc(cap);
    char *out = malloc(cap + 32);
    if (b64 != NULL && out != NULL) {
        EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)text, (int)n);
        snprintf(out, cap + 32, "/* Presto View: %s */", b64);
    } else {
        free(out);
        out = NULL;
    }
    free(b64);
    free(text);
    return out;
}

json_t *weir_glue_view_input(const struct weir_spec_job *job, const struct weir_key_names *key,
                             const char *db, const char *name, const char *table,
                             const char *deletes, const json_t *columns)
{
    json_t *trino = json_array(), *input = NULL, *doc = NULL;
    char *sql = view_sql(job, key, db, table, deletes, columns), *text = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(columns, i, c)
    {
        json_array_append_new(
            trino, json_pack("{s:s,s:s}", "name", json_string_value(json_object_get(c, "Name")),
                             "type", trino_type(json_string_value(json_object_get(c, "Type")))));
    }
    if (sql != NULL) {
        doc = json_pack("{s:s,s:s,s:s,s:O}", "originalSql", sql, "catalog", "awsdatacatalog",
                        "schema", db, "columns", trino);
    }
    if (doc != NULL && (text = presto_text(doc)) != NULL) {
        input = json_pack("{s:s,s:s,s:s,s:s,s:{s:s,s:s},s:[],s:{s:O,s:{}}}", "Name", name,
                          "TableType", "VIRTUAL_VIEW", "ViewOriginalText", text, "ViewExpandedText",
                          "/* Presto View */", "Parameters", "presto_view", "true", "comment",
                          "Presto View", "PartitionKeys", "StorageDescriptor", "Columns", columns,
                          "SerdeInfo");
    }
    free(sql);
    free(text);
    json_decref(doc);
    json_decref(trino);
    return input;
}

/* CreateTable, or UpdateTable when it exists (a rerun, or new columns). */
static int put_table(struct weir_aws_session *s, const char *db, const json_t *input,
                     struct weir_error *err)
{
    int rc = weir_glue_create_table(s, db, input, err);
    if (rc != WEIR_OK && strstr(err->detail, "AlreadyExistsException") != NULL) {
        weir_error_clear(err);
        rc = weir_glue_update_table(s, db, input, err);
    }
    return rc;
}

int weir_glue_deletes_register(const struct weir_spec *spec, const struct weir_spec_job *job,
                               const struct weir_key_names *key,
                               const struct ArrowSchema *tombstones, struct weir_error *err)
{
    const char *db = spec->catalog.database.s;
    const char *prefix = spec->catalog.table_prefix.s != NULL ? spec->catalog.table_prefix.s : "";
    const char *loc = spec->target.location.s;
    char table[300], deletes[320], view[320], location[1300];
    struct weir_aws_session *s = NULL;
    json_t *cols = NULL, *input = NULL, *keys = json_array(), *data = NULL, *vin = NULL;
    snprintf(table, sizeof(table), "%s%s", prefix, job->name.s);
    snprintf(deletes, sizeof(deletes), "%s__deletes", table);
    snprintf(view, sizeof(view), "%s_current", table);
    snprintf(location, sizeof(location), "%s%s%s__deletes/", loc,
             loc[0] && loc[strlen(loc) - 1] == '/' ? "" : "/", job->name.s);
    int rc = WEIR_OK;
    if ((cols = weir_glue_columns(tombstones, spec->target.format.s,
                                  spec->target.types_profile.s, err)) == NULL) {
        rc = err->status;
        goto done;
    }
    input = weir_glue_table_input(deletes, location, spec->target.format.s,
                                  spec->target.compression.s, cols, keys, job->name.s);
    if (input == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = weir_aws_session_new(NULL, &s, err)) != WEIR_OK ||
        (rc = put_table(s, db, input, err)) != WEIR_OK) {
        goto done;
    }
    rc = weir_glue_get_table(s, db, table, &data, err);
    if (rc == WEIR_ENOINPUT) {
        /* no data files yet, so no table to read: the next sweep makes the view */
        weir_error_clear(err);
        weir_log_event(WEIR_LOG_WARN, "glue_view_later", json_pack("{s:s}", "view", view),
                       "Glue table %s.%s does not exist yet: view %s waits for it", db, table,
                       view);
        rc = WEIR_OK;
        goto done;
    }
    if (rc != WEIR_OK) {
        goto done;
    }
    vin = weir_glue_view_input(
        job, key, db, view, table, deletes,
        json_object_get(json_object_get(data, "StorageDescriptor"), "Columns"));
    if (vin == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
        goto done;
    }
    rc = put_table(s, db, vin, err);
done:
    weir_aws_session_free(s);
    json_decref(cols);
    json_decref(input);
    json_decref(keys);
    json_decref(data);
    json_decref(vin);
    return rc;
}
