/*
 * The pure Glue helpers: Arrow → Hive types for each writer, the columns of
 * a schema with their source-type comments, partition folder values
 * (Hive unescaping), type-change and drift decisions, and the TableInput
 * JSON compared with a hand-written document.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/glue.h"
#include "tap.h"

static const char *hive(const char *format, const char *writer)
{
    static char out[64];
    /* a w:16 of these cases is a uuid: text in ORC, 16 bytes in Parquet (native) */
    if (weir_glue_hive_type(format, writer, strcmp(writer, "orc") == 0, out, sizeof(out)) !=
        WEIR_OK) {
        return "(refused)";
    }
    return out;
}

/* Arrow's metadata encoding: int32 n, then n × (int32 len, key, int32 len, value). */
static size_t md1(char *buf, const char *k, const char *v)
{
    int32_t n = 1, kl = (int32_t)strlen(k), vl = (int32_t)strlen(v);
    size_t o = 0;
    memcpy(buf + o, &n, 4), o += 4;
    memcpy(buf + o, &kl, 4), o += 4;
    memcpy(buf + o, k, (size_t)kl), o += (size_t)kl;
    memcpy(buf + o, &vl, 4), o += 4;
    memcpy(buf + o, v, (size_t)vl), o += (size_t)vl;
    return o;
}

static char *dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

static void check_json(const json_t *got, const char *want, const char *name)
{
    json_error_t je;
    json_t *w = json_loads(want, 0, &je);
    char *g = dump(got), *ws = dump(w);
    TAP_OK(w != NULL && got != NULL && json_equal((json_t *)got, w), "%s", name);
    if (w == NULL || got == NULL || !json_equal((json_t *)got, w)) {
        printf("#   got  %s\n#   want %s\n", g ? g : "(null)", ws ? ws : want);
    }
    free(g);
    free(ws);
    json_decref(w);
}

static void types(void)
{
    static const char *cases[][3] = {
        {"l", "parquet", "bigint"},   {"i", "parquet", "int"},       {"s", "parquet", "smallint"},
        {"c", "parquet", "tinyint"},  {"C", "parquet", "smallint"},  {"S", "parquet", "int"},
        {"I", "parquet", "bigint"},   {"g", "parquet", "double"},    {"f", "parquet", "float"},
        {"u", "parquet", "string"},   {"z", "parquet", "binary"},    {"b", "orc", "boolean"},
        {"tdD", "orc", "date"},       {"tsu:UTC", "parquet", "timestamp"},
        {"tsu:", "orc", "timestamp"}, {"tsm:", "parquet", "timestamp"},
        {"ttu", "parquet", "bigint"}, {"d:18,2", "parquet", "decimal(18,2)"},
        {"d:38,0", "orc", "decimal(38,0)"}, {"d:10,3,128", "parquet", "decimal(10,3)"},
        {"w:16", "orc", "string"},    {"w:16", "parquet", "binary"}, {"w:8", "orc", "binary"},
        {"d:40,2", "parquet", "(refused)"}, {"d:5,6", "parquet", "(refused)"},
        {"+l", "parquet", "(refused)"}, {"e", "parquet", "(refused)"}, {"", "orc", "(refused)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char name[96];
        snprintf(name, sizeof(name), "%s (%s) -> %s", cases[i][0], cases[i][1], cases[i][2]);
        TAP_EQ_STR(hive(cases[i][0], cases[i][1]), cases[i][2], name);
    }
}

static void columns(void)
{
    char md[128], mu[128];
    md1(md, "weir:source_type", "numeric(12,2)");
    md1(mu, "ARROW:extension:name", "arrow.uuid");
    struct ArrowSchema a = {.format = "l", .name = "id"};
    struct ArrowSchema b = {.format = "d:12,2", .name = "amount", .metadata = md};
    struct ArrowSchema c = {.format = "w:16", .name = "uid", .metadata = mu};
    struct ArrowSchema d = {.format = "w:16", .name = "raw16"};
    struct ArrowSchema *kids[] = {&a, &b, &c, &d};
    struct ArrowSchema root = {.format = "+s", .name = "", .n_children = 4, .children = kids};
    struct weir_error err;
    json_t *cols = weir_glue_columns(&root, "parquet", "native", &err);
    check_json(cols, "[{\"Name\":\"id\",\"Type\":\"bigint\"},"
                     "{\"Name\":\"amount\",\"Type\":\"decimal(12,2)\","
                     "\"Comment\":\"numeric(12,2)\"},"
                     "{\"Name\":\"uid\",\"Type\":\"binary\"},"
                     "{\"Name\":\"raw16\",\"Type\":\"binary\"}]",
               "columns of a schema, comment from weir:source_type; native uuid is binary");
    json_decref(cols);
    static const struct {
        const char *writer, *profile, *uid;
    } prof[] = {{"orc", NULL, "string"}, {"orc", "native", "string"},
                {"parquet", NULL, "string"}, {"parquet", "compat", "string"}};
    for (size_t i = 0; i < sizeof(prof) / sizeof(prof[0]); i++) {
        char name[96];
        snprintf(name, sizeof(name), "uuid in %s files, profile %s is %s", prof[i].writer,
                 prof[i].profile != NULL ? prof[i].profile : "(default)", prof[i].uid);
        cols = weir_glue_columns(&root, prof[i].writer, prof[i].profile, &err);
        TAP_EQ_STR(json_string_value(json_object_get(json_array_get(cols, 2), "Type")),
                   prof[i].uid, name);
        TAP_EQ_STR(json_string_value(json_object_get(json_array_get(cols, 3), "Type")), "binary",
                   "a w:16 that is no uuid stays binary");
        json_decref(cols);
    }
    struct ArrowSchema bad = {.format = "+l", .name = "tags"};
    struct ArrowSchema *bk[] = {&a, &bad};
    struct ArrowSchema r2 = {.format = "+s", .name = "", .n_children = 2, .children = bk};
    TAP_OK(weir_glue_columns(&r2, "parquet", NULL, &err) == NULL && err.status == WEIR_ECONFIG &&
               strstr(err.message, "tags") != NULL && strstr(err.message, "+l") != NULL,
           "an unmappable column is a config error naming it: %s", err.message);
}

static void unescape(void)
{
    char out[64];
    TAP_OK(weir_glue_unescape("a%2Fb%3Dc%25d", out, sizeof(out)) == 0 &&
               strcmp(out, "a/b=c%d") == 0, "%%XX decoded: %s", out);
    TAP_OK(weir_glue_unescape("x%2fy%zz%4", out, sizeof(out)) == 0 &&
               strcmp(out, "x/y%zz%4") == 0, "lower-case hex decoded, malformed escapes kept: %s",
           out);
    TAP_EQ_INT(weir_glue_unescape("abcdef", out, 6), -1, "too long for the buffer");
    TAP_OK(weir_glue_unescape("abcde", out, 6) == 0 && strcmp(out, "abcde") == 0,
           "exactly fits");
    json_t *v = weir_glue_partition_values("day=2026-01-02");
    check_json(v, "[\"2026-01-02\"]", "one-level folder");
    json_decref(v);
    v = weir_glue_partition_values("k=a%3Ab/j=%5F%20x");
    check_json(v, "[\"a:b\", \"_ x\"]", "two levels, unescaped");
    json_decref(v);
    v = weir_glue_partition_values("ingest_date=");
    check_json(v, "[\"\"]", "empty value");
    json_decref(v);
    TAP_OK(weir_glue_partition_values("noequals") == NULL, "a folder without = is refused");
    TAP_OK(weir_glue_partition_values("=v") == NULL, "a folder without a key is refused");
    TAP_OK(weir_glue_partition_values("") == NULL, "an empty folder has no values");
}

static void changes(void)
{
    TAP_EQ_INT(weir_glue_type_change("int", "int"), 0, "same type");
    TAP_EQ_INT(weir_glue_type_change("INT", "int"), 0, "case ignored");
    TAP_EQ_INT(weir_glue_type_change("int", "bigint"), 1, "int -> bigint widens");
    TAP_EQ_INT(weir_glue_type_change("tinyint", "smallint"), 1, "tinyint -> smallint widens");
    TAP_EQ_INT(weir_glue_type_change("bigint", "int"), -1, "bigint -> int narrows");
    TAP_EQ_INT(weir_glue_type_change("float", "double"), 1, "float -> double widens");
    TAP_EQ_INT(weir_glue_type_change("double", "float"), -1, "double -> float refused");
    TAP_EQ_INT(weir_glue_type_change("decimal(10,2)", "decimal(12, 2)"), 1,
               "decimal precision grows, same scale");
    TAP_EQ_INT(weir_glue_type_change("decimal(10,2)", "decimal(12,3)"), -1,
               "decimal scale change refused");
    TAP_EQ_INT(weir_glue_type_change("decimal(12,2)", "decimal(10,2)"), -1,
               "decimal precision shrink refused");
    TAP_EQ_INT(weir_glue_type_change("int", "string"), -1, "int -> string refused");
    TAP_EQ_INT(weir_glue_type_change("date", "timestamp"), -1, "date -> timestamp refused");
}

static void drift(void)
{
    struct weir_error err;
    json_t *merged = NULL;
    json_t *table = json_loads("[{\"Name\":\"id\",\"Type\":\"int\"},"
                               "{\"Name\":\"old\",\"Type\":\"string\"},"
                               "{\"Name\":\"x\",\"Type\":\"float\",\"Comment\":\"real\"}]",
                               0, NULL);
    json_t *same = json_loads("[{\"Name\":\"ID\",\"Type\":\"int\"},{\"Name\":\"x\",\"Type\":"
                              "\"float\"}]", 0, NULL);
    TAP_OK(weir_glue_drift(table, same, &merged, &err) == WEIR_OK && merged == NULL,
           "no change (a dropped column and a case difference are not drift)");
    json_t *files = json_loads("[{\"Name\":\"id\",\"Type\":\"bigint\"},"
                               "{\"Name\":\"x\",\"Type\":\"double\"},"
                               "{\"Name\":\"n\",\"Type\":\"date\",\"Comment\":\"date\"}]",
                               0, NULL);
    TAP_EQ_INT(weir_glue_drift(table, files, &merged, &err), WEIR_OK, "widening and a new column");
    check_json(merged, "[{\"Name\":\"id\",\"Type\":\"bigint\"},"
                       "{\"Name\":\"old\",\"Type\":\"string\"},"
                       "{\"Name\":\"x\",\"Type\":\"double\",\"Comment\":\"real\"},"
                       "{\"Name\":\"n\",\"Type\":\"date\",\"Comment\":\"date\"}]",
               "merged: table order kept, widened in place, new column appended");
    json_decref(merged);
    json_t *bad = json_loads("[{\"Name\":\"old\",\"Type\":\"int\"}]", 0, NULL);
    TAP_EQ_INT(weir_glue_drift(table, bad, &merged, &err), WEIR_ECONFIG, "string -> int refused");
    TAP_OK(merged == NULL && strstr(err.message, "column old changed type from string") != NULL &&
               strstr(err.message, "to int") != NULL, "message names column, old and new: %s",
           err.message);
    json_t *empty = json_array();
    TAP_EQ_INT(weir_glue_drift(empty, files, &merged, &err), WEIR_OK, "table without columns");
    TAP_EQ_INT(json_array_size(merged), 3, "all file columns appended");
    json_decref(merged);
    json_decref(empty);
    json_decref(bad);
    json_decref(files);
    json_decref(same);
    json_decref(table);
}

static void table_input(void)
{
    json_t *cols = json_loads("[{\"Name\":\"id\",\"Type\":\"bigint\"}]", 0, NULL);
    json_t *keys = json_loads("[{\"Name\":\"ingest_date\",\"Type\":\"string\"}]", 0, NULL);
    json_t *in = weir_glue_table_input("p_orders", "s3://b/lake/orders/", "parquet", "zstd", cols,
                                       keys, "orders");
    check_json(in,
               "{\"Name\":\"p_orders\",\"TableType\":\"EXTERNAL_TABLE\","
               "\"PartitionKeys\":[{\"Name\":\"ingest_date\",\"Type\":\"string\"}],"
               "\"StorageDescriptor\":{\"Columns\":[{\"Name\":\"id\",\"Type\":\"bigint\"}],"
               "\"Location\":\"s3://b/lake/orders/\","
               "\"InputFormat\":\"org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat\","
               "\"OutputFormat\":"
               "\"org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat\","
               "\"SerdeInfo\":{\"SerializationLibrary\":"
               "\"org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe\","
               "\"Parameters\":{\"serialization.format\":\"1\"}},\"Compressed\":true},"
               "\"Parameters\":{\"classification\":\"parquet\",\"compressionType\":\"zstd\","
               "\"EXTERNAL\":\"TRUE\",\"weir.job\":\"orders\"}}",
               "Parquet TableInput");
    json_decref(in);
    in = weir_glue_table_input("orders", "/tmp/lake/orders/", "orc", "none", cols, keys,
                               "orders");
    json_t *sd = json_object_get(in, "StorageDescriptor");
    TAP_EQ_STR(json_string_value(json_object_get(json_object_get(sd, "SerdeInfo"),
                                                 "SerializationLibrary")),
               "org.apache.hadoop.hive.ql.io.orc.OrcSerde", "ORC SerDe");
    TAP_EQ_STR(json_string_value(json_object_get(sd, "InputFormat")),
               "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat", "ORC input format");
    TAP_EQ_STR(json_string_value(json_object_get(sd, "OutputFormat")),
               "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat", "ORC output format");
    TAP_OK(json_is_false(json_object_get(sd, "Compressed")), "compression none: not compressed");
    TAP_EQ_STR(json_string_value(json_object_get(json_object_get(in, "Parameters"),
                                                 "classification")),
               "orc", "classification orc");
    TAP_EQ_STR(json_string_value(json_object_get(sd, "Location")), "/tmp/lake/orders/",
               "a local location is registered as given");
    json_decref(in);
    json_decref(keys);
    json_decref(cols);
}

int main(void)
{
    types();
    columns();
    unescape();
    changes();
    drift();
    table_input();
    return tap_done();
}
