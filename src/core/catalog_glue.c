/*
 * Glue Data Catalog registration; see catalog.h. The table is
 * <table_prefix><job> in catalog.database, located at the job's folder.
 *
 * Partition keys: ingest_date → ingest_date string; a column partition →
 * a key named after the folder (the column), typed date for day granularity
 * and string for month, year and value. The files keep the partition column
 * itself, and Hive refuses a partition key with the name of a column, so
 * such a key is registered as <column>_<granularity> (created_at_day): the
 * partitions are registered with explicit locations, so the key name need
 * not match the folder's.
 *
 * Partition parameters: weir.run_id, weir.rows, weir.watermark_low and
 * weir.watermark_high of the run that last wrote into the partition.
 * weir.rows is the number of rows that run wrote into that partition (an
 * unpartitioned table has no partitions to carry it). The partition's StorageDescriptor
 * copies the table's columns, formats and SerDe (Glue does not inherit
 * them). Drift (glue.h, weir_glue_drift) updates the table only.
 */
#include "core/catalog.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aws/glue.h"
#include "aws/session.h"

int weir_catalog_glue_register(const struct weir_catalog_run *run, struct weir_error *err);
int weir_catalog_glue_check(const struct weir_spec *spec, FILE *out, struct weir_error *err);

static const char *const gran_name[] = {"day", "month", "year", "value"};

static json_t *partition_keys(const struct weir_spec_job *job, const json_t *columns)
{
    json_t *keys = json_array();
    if (keys == NULL || job->partition_kind == WEIR_PART_NONE) {
        return keys;
    }
    if (job->partition_kind == WEIR_PART_INGEST_DATE) {
        json_array_append_new(keys, weir_glue_column("ingest_date", "string",
                                                     "date of the weir run (UTC)"));
        return keys;
    }
    int g = job->partition_granularity;
    const char *gname = g >= 0 && g <= WEIR_GRAN_VALUE ? gran_name[g] : "value";
    char name[300], comment[300];
    const char *col = job->partition_column.s != NULL ? job->partition_column.s : "part";
    snprintf(name, sizeof(name), "%s", col);
    size_t i;
    json_t *c;
    json_array_foreach(columns, i, c) {
        const char *n = json_string_value(json_object_get(c, "Name"));
        if (n != NULL && strcasecmp(n, col) == 0) {
            snprintf(name, sizeof(name), "%s_%s", col, gname);
        }
    }
    snprintf(comment, sizeof(comment), "%s of %s (folder %s=)", gname, col, col);
    json_array_append_new(keys, weir_glue_column(name, g == WEIR_GRAN_DAY ? "date" : "string",
                                                 comment));
    return keys;
}

static json_t *partition_input(const struct weir_catalog_run *run, const char *folder,
                               json_t *values)
{
    char loc[2048], rows[32];
    snprintf(loc, sizeof(loc), "%s%s/", run->table_location, folder);
    const json_t *n = run->partition_rows != NULL ? json_object_get(run->partition_rows, folder)
                                                  : NULL;
    snprintf(rows, sizeof(rows), "%lld", (long long)(n != NULL ? json_integer_value(n) : 0));
    return json_pack("{s:O, s:{s:s}, s:{s:s, s:s, s:s, s:s}}",
                     "Values", values,
                     "StorageDescriptor", "Location", loc,
                     "Parameters",
                     "weir.run_id", run->run_id != NULL ? run->run_id : "",
                     "weir.rows", rows,
                     "weir.watermark_low", run->low != NULL ? run->low : "",
                     "weir.watermark_high", run->high != NULL ? run->high : "");
}

/* The partition's StorageDescriptor gets the table's formats, SerDe and
 * columns: Glue does not inherit them and readers need them. */
static int complete_partition(json_t *pin, const json_t *table_input)
{
    json_t *tsd = json_object_get(table_input, "StorageDescriptor");
    json_t *psd = json_object_get(pin, "StorageDescriptor");
    const char *keys[] = {"Columns", "InputFormat", "OutputFormat", "SerdeInfo", "Compressed"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *v = json_object_get(tsd, keys[i]);
        if (v != NULL && json_object_set(psd, keys[i], v) != 0) {
            return -1;
        }
    }
    return 0;
}

static int ensure_database(struct weir_aws_session *s, const struct weir_spec *spec,
                           struct weir_error *err)
{
    json_t *db = NULL;
    const char *name = spec->catalog.database.s;
    int rc = weir_glue_get_database(s, name, &db, err);
    json_decref(db);
    if (rc != WEIR_ENOINPUT) {
        return rc;
    }
    if (!spec->catalog.create_database) {
        weir_error_set(err, WEIR_ECONFIG, "%s:%d:%d: catalog.database: Glue database %s does not "
                       "exist", spec->path, spec->catalog.database.pos.line,
                       spec->catalog.database.pos.col, name);
        return weir_error_hint(err, "create it, or set catalog.create_database: true");
    }
    weir_error_clear(err);
    rc = weir_glue_create_database(s, name, "created by weir", err);
    if (rc != WEIR_OK && strstr(err->detail, "AlreadyExistsException") != NULL) {
        weir_error_clear(err); /* another run created it meanwhile */
        rc = WEIR_OK;
    }
    return rc;
}

/* Creates the table, or reconciles its columns with the files'. */
static int ensure_table(struct weir_aws_session *s, const char *db, json_t *input,
                        struct weir_error *err)
{
    json_t *table = NULL, *merged = NULL;
    const char *name = json_string_value(json_object_get(input, "Name"));
    int rc = weir_glue_get_table(s, db, name, &table, err);
    if (rc == WEIR_ENOINPUT) {
        weir_error_clear(err);
        rc = weir_glue_create_table(s, db, input, err);
        if (rc != WEIR_OK && strstr(err->detail, "AlreadyExistsException") != NULL) {
            weir_error_clear(err);
            rc = weir_glue_get_table(s, db, name, &table, err);
        } else {
            return rc;
        }
    }
    if (rc != WEIR_OK) {
        goto done;
    }
    json_t *sd = json_object_get(input, "StorageDescriptor");
    json_t *old = json_object_get(json_object_get(table, "StorageDescriptor"), "Columns");
    if ((rc = weir_glue_drift(old, json_object_get(sd, "Columns"), &merged, err)) != WEIR_OK) {
        char msg[sizeof(err->message)];
        snprintf(msg, sizeof(msg), "%s", err->message);
        weir_error_set(err, WEIR_ECONFIG, "Glue table %s.%s: %s", db, name, msg);
        weir_error_hint(err, "cast the column back in the job's query or types:, or drop the "
                             "table and reload in full");
        goto done;
    }
    if (merged != NULL) {
        /* the table's own columns first, so existing readers keep their positions */
        json_object_set_new(sd, "Columns", merged);
        merged = NULL;
        rc = weir_glue_update_table(s, db, input, err);
    }
done:
    json_decref(table);
    json_decref(merged);
    return rc;
}

int weir_catalog_glue_register(const struct weir_catalog_run *run, struct weir_error *err)
{
    const struct weir_spec *spec = run->spec;
    struct weir_aws_session *s = NULL;
    json_t *cols = NULL, *keys = NULL, *input = NULL, *parts = NULL;
    char table[300];
    int rc;
    if (spec->catalog.database.s == NULL) {
        weir_error_set(err, WEIR_ECONFIG, "%s:%d:%d: catalog: type glue needs a database",
                       spec->path, spec->catalog.pos.line, spec->catalog.pos.col);
        return weir_error_hint(err, "add catalog.database");
    }
    snprintf(table, sizeof(table), "%s%s",
             spec->catalog.table_prefix.s != NULL ? spec->catalog.table_prefix.s : "",
             run->job->name.s);
    if ((cols = weir_glue_columns(run->schema, run->format, spec->target.types_profile.s, err)) == NULL) {
        return err->status;
    }
    keys = partition_keys(run->job, cols);
    input = weir_glue_table_input(table, run->table_location, run->format,
                                  spec->target.compression.s, cols, keys, run->job->name.s);
    parts = json_array();
    if (keys == NULL || input == NULL || parts == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
        goto done;
    }
    size_t n_keys = json_array_size(keys), i;
    json_t *f;
    json_array_foreach(run->partitions, i, f) {
        const char *folder = json_string_value(f);
        json_t *values = folder != NULL ? weir_glue_partition_values(folder) : NULL;
        if (folder != NULL && folder[0] == '\0' && n_keys == 0) {
            continue; /* unpartitioned: the table itself */
        }
        if (values == NULL || json_array_size(values) != n_keys) {
            json_decref(values);
            rc = weir_error_set(err, WEIR_EINTERNAL, "partition folder \"%s\" does not match "
                                "the %zu partition key(s) of the table",
                                folder != NULL ? folder : "?", n_keys);
            goto done;
        }
        json_t *pin = partition_input(run, folder, values);
        json_decref(values);
        if (pin == NULL || json_array_append_new(parts, pin) != 0) {
            rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
            goto done;
        }
    }
    if ((rc = weir_aws_session_new(NULL, &s, err)) != WEIR_OK ||
        (rc = ensure_database(s, spec, err)) != WEIR_OK ||
        (rc = ensure_table(s, spec->catalog.database.s, input, err)) != WEIR_OK) {
        goto done;
    }
    if (json_array_size(parts) > 0) {
        /* partitions describe the files' columns as the (maybe merged) table does */
        for (i = 0; i < json_array_size(parts); i++) {
            if (complete_partition(json_array_get(parts, i), input) != 0) {
                rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
                goto done;
            }
        }
        rc = weir_glue_put_partitions(s, spec->catalog.database.s, table, parts, NULL, NULL,
                                      err);
    }
done:
    weir_aws_session_free(s);
    json_decref(cols);
    json_decref(keys);
    json_decref(input);
    json_decref(parts);
    return rc;
}

int weir_catalog_glue_check(const struct weir_spec *spec, FILE *out, struct weir_error *err)
{
    struct weir_aws_session *s = NULL;
    json_t *db = NULL;
    const char *name = spec->catalog.database.s != NULL ? spec->catalog.database.s : "";
    int rc = weir_aws_session_new(NULL, &s, err);
    if (rc != WEIR_OK) {
        fprintf(out, "%-5s aws session: %s\n", "FAIL", err->message);
        goto done;
    }
    if (rc == WEIR_OK) {
        rc = weir_glue_get_database(s, name, &db, err);
        if (rc == WEIR_ENOINPUT && spec->catalog.create_database) {
            fprintf(out, "%-5s glue database %s: missing, will be created by the first run\n",
                    "ok", name);
            weir_error_clear(err);
            rc = WEIR_OK;
            goto done;
        }
        if (rc == WEIR_ENOINPUT) {
            char msg[sizeof(err->message)];
            snprintf(msg, sizeof(msg), "%s", err->message);
            weir_error_set(err, WEIR_ECONFIG, "%s:%d:%d: catalog.database: Glue database %s does "
                           "not exist (%s)", spec->path, spec->catalog.database.pos.line,
                           spec->catalog.database.pos.col, name, msg);
            weir_error_hint(err, "create it, or set catalog.create_database: true");
            rc = WEIR_ECONFIG;
        }
    }
    if (rc == WEIR_OK) {
        fprintf(out, "%-5s glue database %s\n", "ok", name);
    } else {
        fprintf(out, "%-5s glue database %s: %s\n", "FAIL", name, err->message);
    }
done:
    json_decref(db);
    weir_aws_session_free(s);
    return rc;
}
