/* Core units: status table, time, references and secrets, state store,
 * partition escaping, plan estimates of partitions, plugin loading and
 * option checks. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/outset.h"
#include "core/partplan.h"
#include "core/plugin.h"
#include "core/secret.h"
#include "core/state.h"
#include "tap.h"
#include "util/status.h"
#include "util/wtime.h"

static const char *fake_env(const char *name)
{
    if (strcmp(name, "DB_PASSWORD") == 0) {
        return "s3cr=t}";
    }
    if (strcmp(name, "EMPTY") == 0) {
        return "";
    }
    return NULL;
}

static int fake_fetch(void *ctx, const char *ref, const char *stage, char **value, size_t *len,
                      struct weir_error *err)
{
    if (strcmp(ref, "shop/reader#password") == 0) {
        *value = strdup("from-sm");
        *len = 7;
        return WEIR_OK;
    }
    return weir_error_set(err, WEIR_ENOINPUT, "secret %s not found", ref);
}

static void test_status(void)
{
    TAP_EQ_INT(weir_status_exit_code(WEIR_OK), 0, "ok exits 0");
    TAP_EQ_INT(weir_status_exit_code(WEIR_EUSAGE), 64, "usage exits 64");
    TAP_EQ_INT(weir_status_exit_code(WEIR_EDATA), 65, "bad data exits 65");
    TAP_EQ_INT(weir_status_exit_code(WEIR_ENOINPUT), 66, "missing input exits 66");
    TAP_EQ_INT(weir_status_exit_code(WEIR_EUNAVAILABLE), 69, "unavailable exits 69");
    TAP_EQ_INT(weir_status_exit_code(WEIR_EIO), 74, "io exits 74");
    TAP_EQ_INT(weir_status_exit_code(WEIR_ETEMPFAIL), 75, "tempfail exits 75");
    TAP_EQ_INT(weir_status_exit_code(WEIR_ELOCKED), 75, "locked exits 75");
    TAP_EQ_INT(weir_status_exit_code(WEIR_EAUTH), 77, "auth exits 77");
    TAP_EQ_INT(weir_status_exit_code(WEIR_ECONFIG), 78, "config exits 78");
    for (int s = 0; s < WEIR_STATUS_COUNT_; s++) {
        TAP_OK(strcmp(weir_status_name(s), "unknown") != 0, "status %d has a name", s);
    }
}

static void test_time(void)
{
    char buf[64];
    weir_time_format_us(0, buf, sizeof(buf));
    TAP_EQ_STR(buf, "1970-01-01T00:00:00.000000Z", "epoch");
    weir_time_format_us(-1, buf, sizeof(buf));
    TAP_EQ_STR(buf, "1969-12-31T23:59:59.999999Z", "one microsecond before the epoch");
    weir_time_format_us(951782400000000LL + 123456, buf, sizeof(buf));
    TAP_EQ_STR(buf, "2000-02-29T00:00:00.123456Z", "leap day");
    weir_time_date(4102444800000000LL, buf, sizeof(buf));
    TAP_EQ_STR(buf, "2100-01-01", "after 2100");
    int y, m, d;
    weir_time_civil(-719162, &y, &m, &d);
    TAP_OK(y == 1 && m == 1 && d == 1, "0001-01-01 from days");
}

static struct weir_sval sv(const char *s)
{
    struct weir_sval v = {(char *)s, {3, 13}};
    return v;
}

static void test_resolve(void)
{
    struct weir_resolver r = {.getenv = fake_env, .fetch = fake_fetch, .spec_path = "x.yaml"};
    struct weir_secret out = {0};
    struct weir_error err;
    struct weir_sval v = sv("pw=${env:DB_PASSWORD};");
    TAP_EQ_INT(weir_resolve(&r, &v, "source.password", &out, &err), WEIR_OK, "env reference");
    TAP_EQ_STR(out.value, "pw=s3cr=t};", "env value spliced");
    v = sv("${env:NOPE}");
    TAP_EQ_INT(weir_resolve(&r, &v, "source.password", &out, &err), WEIR_ECONFIG, "unset env");
    TAP_EQ_STR(err.message, "x.yaml:3:13: source.password: environment variable NOPE is not set",
               "unset env message names file, line, column and field");
    TAP_OK(out.value == NULL, "nothing left behind on error");
    char path[] = "/tmp/weir-secret-XXXXXX";
    int fd = mkstemp(path);
    TAP_OK(fd >= 0 && write(fd, "hunter2\n", 8) == 8, "secret file written");
    close(fd);
    char ref[128];
    snprintf(ref, sizeof(ref), "${file:%s}", path);
    v = sv(ref);
    TAP_EQ_INT(weir_resolve(&r, &v, "source.password", &out, &err), WEIR_OK, "file reference");
    TAP_EQ_STR(out.value, "hunter2", "trailing newline removed");
    unlink(path);
    TAP_EQ_INT(weir_resolve(&r, &v, "source.password", &out, &err), WEIR_ECONFIG, "missing file");
    TAP_OK(strstr(err.message, "cannot read file") != NULL, "missing file message");
    v = sv("${secret:shop/reader#password}");
    TAP_EQ_INT(weir_resolve(&r, &v, "source.password", &out, &err), WEIR_OK, "secret reference");
    TAP_EQ_STR(out.value, "from-sm", "secret value");
    v = sv("${secret:nope}");
    TAP_EQ_INT(weir_resolve(&r, &v, "source.password", &out, &err), WEIR_ENOINPUT,
               "missing secret keeps its status");
    v = sv("${vault:x}");
    TAP_EQ_INT(weir_resolve(&r, &v, "source.password", &out, &err), WEIR_ECONFIG,
               "unknown scheme");
    v = sv("abc ${env:DB_PASSWORD");
    TAP_EQ_INT(weir_resolve(&r, &v, "f", &out, &err), WEIR_ECONFIG, "unterminated reference");
    v = sv("${env:EMPTY}");
    TAP_EQ_INT(weir_resolve(&r, &v, "f", &out, &err), WEIR_OK, "empty value");
    TAP_OK(out.value != NULL && out.len == 0, "empty value is set, not absent");
    v = sv(NULL);
    TAP_EQ_INT(weir_resolve(&r, &v, "f", &out, &err), WEIR_OK, "absent value");
    TAP_OK(out.value == NULL, "absent stays absent");
    weir_secret_reset(&out);
}

static void test_state(void)
{
    char dir[] = "/tmp/weir-state-XXXXXX";
    TAP_OK(mkdtemp(dir) != NULL, "temp dir");
    struct weir_state_store *a = NULL, *b = NULL;
    struct weir_error err;
    TAP_EQ_INT(weir_state_open(dir, &a, &err), WEIR_OK, "open store a");
    char loc[300];
    snprintf(loc, sizeof(loc), "file://%s/", dir);
    TAP_EQ_INT(weir_state_open(loc, &b, &err), WEIR_OK, "open store b by file:// url");
    json_t *doc = NULL;
    TAP_EQ_INT(a->ops->read(a, "orders", &doc, &err), WEIR_OK, "read missing state");
    TAP_OK(doc == NULL, "no state yet");
    doc = weir_state_new_doc("orders");
    json_object_set_new(doc, "watermark", json_pack("{s:[s],s:[s]}", "columns", "id", "values",
                                                    "42"));
    for (int i = 0; i < 105; i++) {
        weir_state_add_history(doc, json_pack("{s:i}", "n", i));
    }
    TAP_EQ_INT(json_array_size(json_object_get(doc, "history")), 100, "history keeps 100");
    TAP_EQ_INT(json_integer_value(json_object_get(json_array_get(json_object_get(doc, "history"),
                                                                 0),
                                                  "n")),
               5, "history drops the oldest");
    TAP_EQ_INT(a->ops->write(a, "orders", doc, &err), WEIR_OK, "write state");
    json_decref(doc);
    doc = NULL;
    TAP_EQ_INT(b->ops->read(b, "orders", &doc, &err), WEIR_OK, "read back");
    TAP_EQ_STR(json_string_value(json_array_get(
                   json_object_get(json_object_get(doc, "watermark"), "values"), 0)),
               "42", "watermark survives");
    json_decref(doc);
    TAP_EQ_INT(a->ops->lock(a, "orders", "run-1", &err), WEIR_OK, "first lock");
    TAP_EQ_INT(b->ops->lock(b, "orders", "run-2", &err), WEIR_ELOCKED, "second lock refused");
    TAP_OK(strstr(err.detail, "run run-1") != NULL, "message names the holder");
    TAP_EQ_INT(b->ops->lock(b, "customers", "run-2", &err), WEIR_OK, "other job not blocked");
    a->ops->unlock(a, "orders");
    TAP_EQ_INT(b->ops->lock(b, "orders", "run-3", &err), WEIR_OK, "lock after unlock");
    char path[400];
    snprintf(path, sizeof(path), "%s/broken.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"version\": 1, ", f);
    fclose(f);
    TAP_EQ_INT(a->ops->read(a, "broken", &doc, &err), WEIR_EDATA, "corrupt state refused");
    TAP_OK(strstr(err.detail, "broken.json:1:") != NULL, "corrupt state names file and line");
    a->ops->free(a);
    b->ops->free(b);
    TAP_EQ_INT(weir_state_open("ftp://x", &a, &err), WEIR_ECONFIG, "unknown scheme refused");
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    TAP_OK(system(cmd) == 0, "cleanup");
}

static void test_escape(void)
{
    char out[128];
    weir_partition_escape("a/b=c%d", 7, out, sizeof(out));
    TAP_EQ_STR(out, "a%2Fb%3Dc%25d", "hive escaping of / = %");
    weir_partition_escape("São Paulo", strlen("São Paulo"), out, sizeof(out));
    TAP_EQ_STR(out, "São Paulo", "UTF-8 and spaces kept");
    weir_partition_escape("x\ny", 3, out, sizeof(out));
    TAP_EQ_STR(out, "x%0Ay", "control characters escaped");
    /* the whole length is returned; out keeps only whole escapes */
    char small[6];
    TAP_EQ_INT((int)weir_partition_escape("ab/cd", 5, small, sizeof(small)), 7,
               "escaped length returned");
    TAP_EQ_STR(small, "ab%2F", "a cut keeps whole escapes");
    TAP_EQ_INT((int)weir_partition_escape("abcdefgh", 8, small, sizeof(small)), 8,
               "length past the buffer");
    TAP_EQ_STR(small, "abcde", "cut at the buffer, terminated");
    TAP_EQ_INT((int)weir_partition_escape("abcde", 5, small, sizeof(small)), 5, "exact fit");
    TAP_EQ_STR(small, "abcde", "exact fit whole");
    /* a long text value is not cut short: its length says it is too long */
    static char longv[600];
    memset(longv, 'v', sizeof(longv));
    int32_t offs[3] = {0, 3, 600};
    const void *bufs[3] = {NULL, offs, longv};
    struct ArrowArray col = {.length = 2, .n_buffers = 3, .buffers = bufs};
    char key[256];
    TAP_EQ_INT((int)weir_partition_value("u", WEIR_GRAN_VALUE, &col, 0, key, sizeof(key)), 3,
               "short value's length");
    TAP_EQ_STR(key, "vvv", "short value");
    TAP_EQ_INT((int)weir_partition_value("u", WEIR_GRAN_VALUE, &col, 1, key, sizeof(key)), 597,
               "a 597-byte value's whole length");
}

static void test_plugins(void)
{
    struct weir_loaded_plugin p;
    struct weir_error err;
    TAP_EQ_INT(weir_plugin_load(WEIR_PLUGIN_WRITER, "nosuch", &p, &err), WEIR_ECONFIG,
               "missing plugin");
    TAP_OK(strstr(err.detail, "weir_writer_nosuch.so not found") != NULL,
           "missing plugin names the file");
    TAP_EQ_INT(weir_plugin_load(WEIR_PLUGIN_WRITER, "../x", &p, &err), WEIR_ECONFIG,
               "path in a plugin name refused");
    TAP_EQ_INT(weir_plugin_load(WEIR_PLUGIN_WRITER, "oldabi", &p, &err), WEIR_EABI,
               "plugin that refuses the ABI");
    TAP_OK(strstr(err.message, "ABI version 99") != NULL, "its own message is kept");
    TAP_EQ_INT(weir_plugin_load(WEIR_PLUGIN_SOURCE, "fakecsv", &p, &err), WEIR_ECONFIG,
               "a writer is not found as a source");
    TAP_EQ_INT(weir_plugin_load(WEIR_PLUGIN_WRITER, "fakecsv", &p, &err), WEIR_OK,
               "fake writer loads");
    TAP_EQ_STR(p.desc.file_extension, "csv", "descriptor filled");
    TAP_EQ_INT(weir_plugin_check_option(&p, "compression", "zstd", &err), WEIR_OK, "enum ok");
    TAP_EQ_INT(weir_plugin_check_option(&p, "compression", "brotli", &err), WEIR_ECONFIG,
               "enum value refused");
    TAP_EQ_STR(err.message, "compression: \"brotli\" is not one of none|snappy|gzip|zstd",
               "enum message");
    TAP_EQ_INT(weir_plugin_check_option(&p, "row_group_size", "12 parsecs", &err), WEIR_ECONFIG,
               "size refused");
    TAP_EQ_INT(weir_plugin_check_option(&p, "colour", "red", &err), WEIR_ECONFIG,
               "unknown option refused");
    TAP_OK(strstr(err.hint, "compression") != NULL, "hint lists known options");
    TAP_EQ_INT(weir_plugin_check_option(&p, "meta.anything", "x", &err), WEIR_OK,
               "meta.* passes");
    weir_plugin_unload(&p);
}

/* weir plan's partition estimates: a table of statistics, window and what to expect. */
static void test_partplan(void)
{
    int64_t days = 0;
    TAP_OK(weir_partplan_days("1970-01-01", &days) == 0 && days == 0, "1970-01-01 is day 0");
    TAP_OK(weir_partplan_days("2000-03-01 12:00:00", &days) == 0 && days == 11017,
           "2000-03-01 is day 11017 (leap century)");
    TAP_OK(weir_partplan_days("1969-12-31", &days) == 0 && days == -1, "1969-12-31 is day -1");
    TAP_OK(weir_partplan_days("2024-1-01", &days) != 0, "a malformed date is refused");
    static const struct {
        const char *name;
        double n_distinct, null_frac, table_rows, table_bytes;
        const char *min, *max;
        int granularity;
        int64_t rows;
        const char *low, *high;
        double partitions, files;
    } cases[] = {
        /* 300 days, 1% NULL: the NULL folder counts; 9 MB in 1 GiB files: one a partition */
        {"day, distinct count", 300, 0.01, 60000, 9e6, "2024-01-01 00:00:00",
         "2024-10-26 00:00:00", WEIR_GRAN_DAY, 60000, NULL, NULL, 301, 301},
        /* unique timestamps (-1): the range in months decides */
        {"month of unique timestamps", -1, 0, 60000, 9e6, "2023-06-01 00:00:01",
         "2025-11-17 00:00:00", WEIR_GRAN_MONTH, 60000, NULL, NULL, 30, 30},
        {"year", -1, 0, 60000, 9e6, "2023-06-01", "2025-11-17", WEIR_GRAN_YEAR, 60000, NULL, NULL,
         3, 3},
        /* negative n_distinct scales with the window's rows, not the table's */
        {"value, fraction of a window", -0.5, 0, 1e6, 1e9, "", "", WEIR_GRAN_VALUE, 1000, NULL,
         NULL, 500, 500},
        /* the watermark's window narrows the date range */
        {"day within the window", 300, 0, 60000, 9e6, "2024-01-01", "2024-10-26", WEIR_GRAN_DAY,
         6000, "2024-03-01 00:00:00", "2024-03-10 12:00:00", 10, 10},
        /* 8 GiB in 2 partitions of 1 GiB files: 4 files each */
        {"big partitions", 2, 0, 1e6, 8589934592.0, "", "", WEIR_GRAN_VALUE, 1000000, NULL, NULL,
         2, 8},
        {"an empty window", 300, 0.1, 60000, 9e6, "2024-01-01", "2024-10-26", WEIR_GRAN_DAY, 0,
         NULL, NULL, 0, 0},
        /* no table size: partitions known, files not */
        {"no table rows", 5, 0, -1, 8192, "", "", WEIR_GRAN_VALUE, 100, NULL, NULL, 5, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct weir_column_stats st = {.size = sizeof(st), .found = 1,
                                       .n_distinct = cases[i].n_distinct,
                                       .null_frac = cases[i].null_frac,
                                       .table_rows = cases[i].table_rows,
                                       .table_bytes = cases[i].table_bytes};
        snprintf(st.min, sizeof(st.min), "%s", cases[i].min);
        snprintf(st.max, sizeof(st.max), "%s", cases[i].max);
        struct weir_partplan p;
        weir_partplan_estimate(&st, cases[i].granularity, cases[i].rows, 1073741824,
                               cases[i].low, cases[i].high, &p);
        TAP_OK(p.known && p.partitions == cases[i].partitions && p.files == cases[i].files,
               "partplan %s: %.0f partitions, %.0f files", cases[i].name, p.partitions, p.files);
    }
    struct weir_column_stats none = {.size = sizeof(none)};
    struct weir_partplan p;
    weir_partplan_estimate(&none, WEIR_GRAN_DAY, 100, 1073741824, NULL, NULL, &p);
    TAP_OK(!p.known, "partplan: no statistics, no estimate");
}

int main(void)
{
    test_status();
    test_time();
    test_resolve();
    test_state();
    test_escape();
    test_partplan();
    test_plugins();
    return tap_done();
}
