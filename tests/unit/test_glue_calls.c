/*
 * Glue calls through a session with a fake transport: the X-Amz-Target of
 * each operation and its request body, a missing database as WEIR_ENOINPUT
 * with the AWS code and request id, BatchCreatePartition in chunks of 100,
 * AlreadyExistsException entries sent again as UpdatePartition, and another
 * per-partition error failing the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/glue.h"
#include "tap.h"
#include "test_env.h"

#define MAX_CALLS 16

struct fake {
    int calls;
    char target[MAX_CALLS][64];
    json_t *body[MAX_CALLS];
    const char *reply[MAX_CALLS]; /* NULL: "{}" with 200 */
    long status[MAX_CALLS];
};

static int transport(void *ctx, const struct weir_aws_http_request *req,
                     struct weir_aws_http_response *resp, struct weir_error *err)
{
    struct fake *f = ctx;
    (void)err;
    int i = f->calls++;
    if (i >= MAX_CALLS) {
        resp->status = 500;
        return WEIR_OK;
    }
    for (size_t h = 0; h < req->n_headers; h++) {
        if (strcasecmp(req->headers[h].name, "X-Amz-Target") == 0) {
            snprintf(f->target[i], sizeof(f->target[i]), "%s", req->headers[h].value);
        }
    }
    f->body[i] = json_loadb(req->body, req->body_len, 0, NULL);
    resp->status = f->status[i] ? f->status[i] : 200;
    if (resp->status != 200) {
        weir_bytes_puts(&resp->headers, "x-amzn-RequestId: req-42\r\n");
    }
    weir_bytes_puts(&resp->body, f->reply[i] ? f->reply[i] : "{}");
    return WEIR_OK;
}

static const char *env[] = {"AWS_ACCESS_KEY_ID", "AKIDTEST", "AWS_SECRET_ACCESS_KEY", "secret",
                            "AWS_REGION", "eu-west-1", "AWS_EC2_METADATA_DISABLED", "true",
                            "AWS_CONFIG_FILE", "/nonexistent",
                            "AWS_SHARED_CREDENTIALS_FILE", "/nonexistent", NULL};

static struct weir_aws_session *session(struct fake *f)
{
    static struct weir_aws_http_options o;
    struct weir_error err;
    memset(&o, 0, sizeof(o));
    o.transport = transport;
    o.transport_ctx = f;
    o.clock = clock0;
    o.max_attempts = 1;
    struct weir_aws_session_options so = {table_getenv, env, &o};
    struct weir_aws_session *s = NULL;
    if (weir_aws_session_new(&so, &s, &err) != WEIR_OK) {
        printf("# session: %s\n", err.message);
        return NULL;
    }
    return s;
}

static void fake_reset(struct fake *f)
{
    for (int i = 0; i < MAX_CALLS; i++) {
        json_decref(f->body[i]);
    }
    memset(f, 0, sizeof(*f));
}

static json_t *inputs(int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        char v[16], loc[64];
        snprintf(v, sizeof(v), "p%03d", i);
        snprintf(loc, sizeof(loc), "s3://b/t/k=p%03d/", i);
        json_array_append_new(a, json_pack("{s:[s], s:{s:s}}", "Values", v, "StorageDescriptor",
                                           "Location", loc));
    }
    return a;
}

static void database(void)
{
    struct fake f;
    struct weir_error err;
    memset(&f, 0, sizeof(f));
    f.reply[0] = "{\"Database\":{\"Name\":\"sales\"}}";
    f.reply[1] = "{\"__type\":\"EntityNotFoundException\",\"Message\":\"Database nope not found\"}";
    f.status[1] = 400;
    struct weir_aws_session *s = session(&f);
    json_t *db = NULL;
    TAP_EQ_INT(weir_glue_get_database(s, "sales", &db, &err), WEIR_OK, "GetDatabase");
    TAP_EQ_STR(json_string_value(json_object_get(db, "Name")), "sales", "the Database object");
    TAP_EQ_STR(f.target[0], "AWSGlue.GetDatabase", "X-Amz-Target");
    TAP_EQ_STR(json_string_value(json_object_get(f.body[0], "Name")), "sales", "request Name");
    json_decref(db);
    TAP_EQ_INT(weir_glue_get_database(s, "nope", &db, &err), WEIR_ENOINPUT,
               "a missing database is WEIR_ENOINPUT");
    TAP_OK(strstr(err.detail, "EntityNotFoundException") != NULL &&
               strstr(err.detail, "req-42") != NULL,
           "detail has the AWS code and request id: %s", err.detail);
    TAP_EQ_INT(weir_glue_create_database(s, "sales", "by weir", &err), WEIR_OK, "CreateDatabase");
    TAP_EQ_STR(f.target[2], "AWSGlue.CreateDatabase", "CreateDatabase target");
    char *b = json_dumps(f.body[2], JSON_COMPACT | JSON_SORT_KEYS);
    TAP_EQ_STR(b, "{\"DatabaseInput\":{\"Description\":\"by weir\",\"Name\":\"sales\"}}",
               "CreateDatabase body");
    free(b);
    weir_aws_session_free(s);
    fake_reset(&f);
}

static void tables(void)
{
    struct fake f;
    struct weir_error err;
    memset(&f, 0, sizeof(f));
    f.reply[0] = "{\"Table\":{\"Name\":\"t\",\"StorageDescriptor\":{\"Columns\":[]}}}";
    struct weir_aws_session *s = session(&f);
    json_t *t = NULL, *in = json_pack("{s:s}", "Name", "t");
    TAP_EQ_INT(weir_glue_get_table(s, "db", "t", &t, &err), WEIR_OK, "GetTable");
    TAP_EQ_STR(json_string_value(json_object_get(t, "Name")), "t", "the Table object");
    TAP_EQ_STR(json_string_value(json_object_get(f.body[0], "DatabaseName")), "db",
               "GetTable DatabaseName");
    TAP_EQ_INT(weir_glue_create_table(s, "db", in, &err), WEIR_OK, "CreateTable");
    TAP_EQ_INT(weir_glue_update_table(s, "db", in, &err), WEIR_OK, "UpdateTable");
    TAP_EQ_STR(f.target[1], "AWSGlue.CreateTable", "CreateTable target");
    TAP_EQ_STR(f.target[2], "AWSGlue.UpdateTable", "UpdateTable target");
    TAP_OK(json_equal(json_object_get(f.body[2], "TableInput"), in), "TableInput sent as given");
    json_decref(t);
    json_decref(in);
    weir_aws_session_free(s);
    fake_reset(&f);
}

static void partitions(void)
{
    struct fake f;
    struct weir_error err;
    size_t created = 0, updated = 0;
    memset(&f, 0, sizeof(f));
    /* 250 partitions: chunks of 100, 100, 50; two of the second chunk exist */
    f.reply[1] = "{\"Errors\":[{\"PartitionValues\":[\"p150\"],\"ErrorDetail\":{\"ErrorCode\":"
                 "\"AlreadyExistsException\",\"ErrorMessage\":\"exists\"}},"
                 "{\"PartitionValues\":[\"p101\"],\"ErrorDetail\":{\"ErrorCode\":"
                 "\"AlreadyExistsException\",\"ErrorMessage\":\"exists\"}}]}";
    struct weir_aws_session *s = session(&f);
    json_t *in = inputs(250);
    TAP_EQ_INT(weir_glue_put_partitions(s, "db", "t", in, &created, &updated, &err), WEIR_OK,
               "250 partitions registered");
    TAP_EQ_INT(f.calls, 5, "3 BatchCreatePartition + 2 UpdatePartition calls");
    TAP_EQ_STR(f.target[0], "AWSGlue.BatchCreatePartition", "first call");
    TAP_EQ_INT(json_array_size(json_object_get(f.body[0], "PartitionInputList")), 100,
               "first chunk: 100");
    TAP_EQ_STR(f.target[2], "AWSGlue.UpdatePartition", "AlreadyExists -> UpdatePartition");
    TAP_EQ_STR(json_string_value(json_array_get(json_object_get(f.body[2], "PartitionValueList"),
                                                0)),
               "p150", "UpdatePartition names the partition");
    TAP_EQ_STR(json_string_value(json_object_get(
                   json_object_get(json_object_get(f.body[2], "PartitionInput"),
                                   "StorageDescriptor"),
                   "Location")),
               "s3://b/t/k=p150/", "UpdatePartition carries the new input");
    TAP_EQ_STR(json_string_value(json_array_get(json_object_get(f.body[3], "PartitionValueList"),
                                                0)),
               "p101", "second existing partition updated");
    TAP_EQ_INT(json_array_size(json_object_get(f.body[4], "PartitionInputList")), 50,
               "last chunk: 50");
    json_t *first = json_array_get(json_object_get(f.body[4], "PartitionInputList"), 0);
    TAP_EQ_STR(json_string_value(json_array_get(json_object_get(first, "Values"), 0)),
               "p200", "last chunk starts at p200");
    TAP_EQ_INT(created, 248, "created count");
    TAP_EQ_INT(updated, 2, "updated count");
    fake_reset(&f);

    f.reply[0] = "{\"Errors\":[{\"PartitionValues\":[\"p003\"],\"ErrorDetail\":{\"ErrorCode\":"
                 "\"InvalidInputException\",\"ErrorMessage\":\"bad location\"}}]}";
    TAP_EQ_INT(weir_glue_put_partitions(s, "db", "t", in, &created, &updated, &err),
               WEIR_EUNAVAILABLE, "another per-partition error fails");
    TAP_OK(strstr(err.message, "p003") != NULL && strstr(err.message, "bad location") != NULL &&
               strstr(err.detail, "InvalidInputException") != NULL,
           "it names the partition, message and code: %s / %s", err.message, err.detail);
    TAP_EQ_INT(f.calls, 1, "and stops there");
    fake_reset(&f);
    json_decref(in);
    weir_aws_session_free(s);
}

int main(void)
{
    database();
    tables();
    partitions();
    return tap_done();
}
