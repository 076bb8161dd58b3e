/* Glue Data Catalog calls; see glue.h. */
#include "aws/glue.h"

#include <stdlib.h>
#include <string.h>

int weir_glue_call(struct weir_aws_session *s, const char *operation, const json_t *request,
                   json_t **out, struct weir_error *err)
{
    char ep[1024];
    struct weir_aws_target t;
    struct weir_aws_creds c;
    json_t *resp = NULL;
    memset(&c, 0, sizeof(c));
    int rc = weir_aws_session_target(s, WEIR_AWS_GLUE, NULL, &t, ep, sizeof(ep), err);
    if (rc == WEIR_OK) {
        rc = weir_aws_session_creds(s, &c, err);
    }
    if (rc == WEIR_OK) {
        rc = weir_aws_json_call(s->http, &t, &c, operation, request, &resp, err);
    }
    weir_aws_creds_reset(&c);
    if (out != NULL && rc == WEIR_OK) {
        *out = resp;
    } else {
        json_decref(resp);
    }
    return rc;
}

/* Runs a request built by the caller (new reference, NULL = out of memory). */
static int call_new(struct weir_aws_session *s, const char *operation, json_t *req, json_t **out,
                    struct weir_error *err)
{
    if (req == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory building Glue %s", operation);
    }
    int rc = weir_glue_call(s, operation, req, out, err);
    json_decref(req);
    return rc;
}

/* Moves member `key` of *resp into *obj. */
static int take(json_t **resp, const char *key, json_t **obj, const char *operation,
                struct weir_error *err)
{
    json_t *v = json_object_get(*resp, key);
    *obj = json_incref(v);
    json_decref(*resp);
    *resp = NULL;
    if (*obj == NULL || !json_is_object(*obj)) {
        json_decref(*obj);
        *obj = NULL;
        return weir_error_set(err, WEIR_EUNAVAILABLE, "Glue %s answered without %s", operation,
                              key);
    }
    return WEIR_OK;
}

int weir_glue_get_database(struct weir_aws_session *s, const char *name, json_t **db,
                           struct weir_error *err)
{
    json_t *resp = NULL;
    *db = NULL;
    int rc = call_new(s, "GetDatabase", json_pack("{s:s}", "Name", name), &resp, err);
    return rc != WEIR_OK ? rc : take(&resp, "Database", db, "GetDatabase", err);
}

int weir_glue_create_database(struct weir_aws_session *s, const char *name,
                              const char *description, struct weir_error *err)
{
    json_t *in = json_pack("{s:s}", "Name", name);
    if (in != NULL && description != NULL) {
        json_object_set_new(in, "Description", json_string(description));
    }
    json_t *req = in != NULL ? json_pack("{s:o}", "DatabaseInput", in) : NULL;
    return call_new(s, "CreateDatabase", req, NULL, err);
}

int weir_glue_get_table(struct weir_aws_session *s, const char *db, const char *name,
                        json_t **table, struct weir_error *err)
{
    json_t *resp = NULL;
    *table = NULL;
    int rc = call_new(s, "GetTable", json_pack("{s:s, s:s}", "DatabaseName", db, "Name", name),
                      &resp, err);
    return rc != WEIR_OK ? rc : take(&resp, "Table", table, "GetTable", err);
}

int weir_glue_create_table(struct weir_aws_session *s, const char *db, const json_t *input,
                           struct weir_error *err)
{
    return call_new(s, "CreateTable",
                    json_pack("{s:s, s:O}", "DatabaseName", db, "TableInput", input), NULL, err);
}

int weir_glue_update_table(struct weir_aws_session *s, const char *db, const json_t *input,
                           struct weir_error *err)
{
    return call_new(s, "UpdateTable",
                    json_pack("{s:s, s:O}", "DatabaseName", db, "TableInput", input), NULL, err);
}

int weir_glue_get_partition(struct weir_aws_session *s, const char *db, const char *table,
                            const json_t *values, json_t **part, struct weir_error *err)
{
    json_t *resp = NULL;
    *part = NULL;
    int rc = call_new(s, "GetPartition",
                      json_pack("{s:s, s:s, s:O}", "DatabaseName", db, "TableName", table,
                                "PartitionValues", values),
                      &resp, err);
    return rc != WEIR_OK ? rc : take(&resp, "Partition", part, "GetPartition", err);
}

int weir_glue_update_partition(struct weir_aws_session *s, const char *db, const char *table,
                               const json_t *input, struct weir_error *err)
{
    json_t *values = json_object_get(input, "Values");
    if (values == NULL) {
        return weir_error_set(err, WEIR_EINTERNAL, "UpdatePartition without Values");
    }
    return call_new(s, "UpdatePartition",
                    json_pack("{s:s, s:s, s:O, s:O}", "DatabaseName", db, "TableName", table,
                              "PartitionValueList", values, "PartitionInput", input),
                    NULL, err);
}

/* The input of `inputs[from, to)` whose Values equal `values`, or NULL. */
static const json_t *find_input(const json_t *inputs, size_t from, size_t to, const json_t *values)
{
    for (size_t i = from; i < to; i++) {
        const json_t *in = json_array_get(inputs, i);
        if (json_equal(json_object_get(in, "Values"), (json_t *)values)) {
            return in;
        }
    }
    return NULL;
}

static int put_chunk(struct weir_aws_session *s, const char *db, const char *table,
                     const json_t *inputs, size_t from, size_t to, size_t *created,
                     size_t *updated, struct weir_error *err)
{
    json_t *list = json_array(), *resp = NULL;
    int rc = WEIR_OK;
    for (size_t i = from; i < to && list != NULL; i++) {
        if (json_array_append(list, json_array_get(inputs, i)) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    json_t *req = list != NULL ? json_pack("{s:s, s:s, s:o}", "DatabaseName", db, "TableName",
                                           table, "PartitionInputList", list)
                               : NULL;
    if ((rc = call_new(s, "BatchCreatePartition", req, &resp, err)) != WEIR_OK) {
        return rc;
    }
    size_t n_err = 0, i;
    json_t *e;
    json_array_foreach(json_object_get(resp, "Errors"), i, e) {
        json_t *values = json_object_get(e, "PartitionValues");
        json_t *detail = json_object_get(e, "ErrorDetail");
        const char *code = json_string_value(json_object_get(detail, "ErrorCode"));
        const char *msg = json_string_value(json_object_get(detail, "ErrorMessage"));
        const json_t *in = find_input(inputs, from, to, values);
        n_err++;
        if (code == NULL || strcmp(code, "AlreadyExistsException") != 0 || in == NULL) {
            char *v = json_dumps(values, JSON_COMPACT);
            rc = weir_error_set(err, WEIR_EUNAVAILABLE,
                                "Glue BatchCreatePartition refused partition %s of %s.%s: %s",
                                v != NULL ? v : "?", db, table, msg != NULL ? msg : "no message");
            weir_error_detail(err, "AWS error code %s", code != NULL ? code : "(none)");
            free(v);
            goto done;
        }
        if ((rc = weir_glue_update_partition(s, db, table, in, err)) != WEIR_OK) {
            goto done;
        }
        if (updated != NULL) {
            (*updated)++;
        }
    }
    if (created != NULL) {
        *created += (to - from) - n_err;
    }
done:
    json_decref(resp);
    return rc;
}

int weir_glue_put_partitions(struct weir_aws_session *s, const char *db, const char *table,
                             const json_t *inputs, size_t *created, size_t *updated,
                             struct weir_error *err)
{
    size_t n = json_array_size(inputs);
    if (created != NULL) {
        *created = 0;
    }
    if (updated != NULL) {
        *updated = 0;
    }
    for (size_t from = 0; from < n; from += WEIR_GLUE_BATCH) {
        size_t to = from + WEIR_GLUE_BATCH < n ? from + WEIR_GLUE_BATCH : n;
        int rc = put_chunk(s, db, table, inputs, from, to, created, updated, err);
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    return WEIR_OK;
}
