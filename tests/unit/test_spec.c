/*
 * Spec parser: sizes and durations, exact struct values of a full spec and of
 * the defaults, every kind of error with its exact message, the examples in
 * specs/examples, and the committed JSON Schema / README tables being in
 * sync with the option tables.
 */
#include "spec/spec.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

/* ---- sizes and durations ---- */

struct size_case {
    const char *text;
    uint64_t want; /* 0: invalid */
};

static const struct size_case size_cases[] = {
    {"1", 1},
    {"1048576", 1048576},
    {"64KiB", 65536},
    {"128MiB", 134217728},
    {"1GiB", 1073741824},
    {"2TiB", 2199023255552ull},
    {"10MB", 10000000},
    {"3KB", 3000},
    {"7GB", 7000000000ull},
    {"1TB", 1000000000000ull},
    {"512B", 512},
    {"007", 7},
    {"18446744073709551615", UINT64_MAX},
    {"18446744073709551616", 0}, /* overflows while reading digits */
    {"16777216TiB", 0},           /* 2^64: overflows in the multiplication */
    {"16777215TiB", 16777215ull << 40},
    {"0", 0},
    {"0MiB", 0},
    {"", 0},
    {"MiB", 0},
    {"128 MiB", 0},
    {"128mib", 0},
    {"1.5GiB", 0},
    {"-1", 0},
    {"+1", 0},
    {" 1", 0},
    {"1 ", 0},
    {"1KiBx", 0},
    {"1K", 0},
    {"0x10", 0},
};

struct duration_case {
    const char *text;
    int64_t want; /* -1: invalid */
};

static const struct duration_case duration_cases[] = {
    {"500ms", 500000},
    {"30s", 30000000},
    {"5m", 300000000},
    {"2h", 7200000000ll},
    {"1d", 86400000000ll},
    {"0s", 0},
    {"1h30m", 5400000000ll},
    {"1m500ms", 60500000},
    {"106751991d", 106751991ll * 86400000000ll},
    {"106751992d", -1}, /* past INT64_MAX microseconds */
    {"9223372036854ms", 9223372036854000ll},
    {"9223372036855s", -1},
    {"99999999999999999999s", -1},
    {"", -1},
    {"5", -1},
    {"5 minutes", -1},
    {"5min", -1},
    {"m", -1},
    {"-5m", -1},
    {"5m ", -1},
    {"1.5h", -1},
    {"5M", -1},
    {"5us", -1},
};

static void test_units(void)
{
    for (size_t i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
        uint64_t got = weir_spec_parse_size(size_cases[i].text);
        TAP_OK(got == size_cases[i].want, "size \"%s\" -> %" PRIu64, size_cases[i].text,
               size_cases[i].want);
        if (got != size_cases[i].want) {
            printf("#   got %" PRIu64 "\n", got);
        }
    }
    TAP_EQ_INT(weir_spec_parse_size(NULL), 0, "size NULL");
    for (size_t i = 0; i < sizeof(duration_cases) / sizeof(duration_cases[0]); i++) {
        int64_t got = weir_spec_parse_duration(duration_cases[i].text);
        TAP_OK(got == duration_cases[i].want, "duration \"%s\" -> %" PRId64,
               duration_cases[i].text, duration_cases[i].want);
        if (got != duration_cases[i].want) {
            printf("#   got %" PRId64 "\n", got);
        }
    }
    TAP_EQ_INT(weir_spec_parse_duration(NULL), -1, "duration NULL");
}

/* ---- valid specs ---- */

static const char *srcdir(void)
{
    const char *d = getenv("WEIR_SRCDIR");
    return d != NULL ? d : ".";
}

static void expect_sval(const struct weir_sval *v, const char *s, int line, int col,
                        const char *name)
{
    TAP_EQ_STR(v->s, s, name);
    if (v->pos.line != line || v->pos.col != col) {
        TAP_OK(0, "%s at %d:%d (got %d:%d)", name, line, col, v->pos.line, v->pos.col);
    }
}

static void test_full(void)
{
    char path[1024];
    struct weir_spec *s = NULL;
    struct weir_error err;
    snprintf(path, sizeof(path), "%s/tests/fixtures/spec/full.yaml", srcdir());
    int rc = weir_spec_load(path, &s, &err);
    TAP_EQ_INT(rc, WEIR_OK, "full.yaml loads");
    if (rc != WEIR_OK) {
        printf("#   %s\n", err.message);
        return;
    }
    TAP_EQ_STR(s->path, path, "path kept");
    TAP_EQ_INT(s->version, 1, "version");
    expect_sval(&s->source.driver, "odbc", 4, 11, "source.driver");
    expect_sval(&s->source.connection, "Driver=MariaDB;Server=127.0.0.1;Port=3306;Database=shop;",
                5, 15, "source.connection");
    expect_sval(&s->source.user, "123", 6, 9, "source.user: a number kept as written");
    expect_sval(&s->source.password, "${env:SHOP_PASSWORD}", 7, 13, "password not resolved");
    expect_sval(&s->source.secret,
                "arn:aws:secretsmanager:eu-central-1:123456789012:secret:shop/reader", 8, 11,
                "source.secret");
    TAP_EQ_INT(s->source.n_options, 2, "source.options count");
    TAP_EQ_STR(s->source.options[0].key, "batch_rows", "source.options[0] key");
    TAP_EQ_STR(s->source.options[0].value, "50000", "source.options[0] value");
    TAP_EQ_INT(s->source.options[0].pos.line, 10, "source.options[0] line");
    TAP_EQ_STR(s->source.options[1].key, "tls", "source.options[1] key");
    TAP_EQ_STR(s->source.options[1].value, "true", "source.options[1] bool as text");
    TAP_EQ_INT(s->source.pos.line, 3, "source pos line");
    TAP_EQ_INT(s->source.pos.col, 1, "source pos col");

    expect_sval(&s->target.location, "s3://lake-bucket/sales/", 13, 13, "target.location");
    expect_sval(&s->target.format, "orc", 14, 11, "target.format");
    expect_sval(&s->target.compression, "zstd", 15, 16, "target.compression");
    TAP_EQ_INT(s->target.row_group_size, 64ull << 20, "row_group_size 64MiB");
    TAP_EQ_INT(s->target.file_size, 512000000ull, "file_size 512MB");
    expect_sval(&s->target.timestamp_unit, "ms", 18, 19, "timestamp_unit");
    expect_sval(&s->target.kms_key_id, "arn:aws:kms:eu-central-1:123456789012:key/abcd", 19, 15,
                "kms_key_id");
    TAP_EQ_INT(s->target.n_options, 1, "target.options count");
    TAP_EQ_STR(s->target.options[0].key, "dictionary", "target.options key");
    TAP_EQ_STR(s->target.options[0].value, "false", "target.options value");

    expect_sval(&s->catalog.type, "glue", 23, 9, "catalog.type");
    expect_sval(&s->catalog.database, "sales_source", 24, 13, "catalog.database");
    expect_sval(&s->catalog.table_prefix, "src_", 25, 17, "catalog.table_prefix");
    TAP_EQ_INT(s->catalog.create_database, 1, "catalog.create_database");
    TAP_EQ_INT(s->catalog.pos.line, 22, "catalog pos");
    expect_sval(&s->state.location, "s3://lake-bucket/state/", 28, 13, "state.location");
    expect_sval(&s->pii_key, "${secret:weir/pii#key}", 29, 10, "pii_key");

    TAP_EQ_INT(s->n_jobs, 2, "two jobs");
    const struct weir_spec_job *j = &s->jobs[0];
    TAP_EQ_INT(j->pos.line, 31, "job 0 line");
    TAP_EQ_INT(j->pos.col, 5, "job 0 col");
    expect_sval(&j->name, "orders", 31, 11, "jobs[0].name");
    expect_sval(&j->table, "public.orders", 32, 12, "jobs[0].table");
    TAP_OK(j->query.s == NULL, "jobs[0].query absent");
    TAP_EQ_INT(j->n_columns, 4, "jobs[0].columns count");
    expect_sval(&j->columns[0], "id", 33, 15, "columns[0]");
    expect_sval(&j->columns[3], "updated_at", 33, 40, "columns[3]");
    expect_sval(&j->filter, "status <> 'draft'", 34, 13, "filter");
    TAP_EQ_INT(j->mode, WEIR_MODE_INCREMENTAL, "mode");
    TAP_EQ_INT(j->n_wm, 2, "watermark columns");
    expect_sval(&j->wm_columns[0], "updated_at", 37, 17, "wm_columns[0]");
    expect_sval(&j->wm_columns[1], "id", 37, 29, "wm_columns[1]");
    TAP_EQ_INT(j->wm_lag_us, 5400000000ll, "lag 1h30m");
    expect_sval(&j->wm_start, "2020-01-01T00:00:00Z", 39, 14, "wm_start");
    TAP_EQ_INT(j->wm_nulls, WEIR_WM_NULLS_FAIL, "nulls: fail");
    TAP_EQ_INT(j->partition_kind, WEIR_PART_COLUMN, "partition by column");
    expect_sval(&j->partition_column, "order_date", 41, 28, "partition_column");
    TAP_EQ_INT(j->partition_granularity, WEIR_GRAN_MONTH, "granularity month");
    TAP_EQ_INT(j->n_types, 1, "types count");
    TAP_EQ_STR(j->types[0].key, "amount", "types key");
    TAP_EQ_STR(j->types[0].value, "decimal(18,2)", "types value");
    expect_sval(&j->slice_column, "id", 44, 22, "slice_column");
    TAP_EQ_INT(j->slice_count, 4, "slice_count");
    TAP_EQ_INT(j->n_pii, 2, "pii count");
    TAP_EQ_STR(j->pii[0].key, "email", "pii[0] key");
    TAP_EQ_STR(j->pii[0].value, "hash", "pii[0] hash");
    TAP_EQ_INT(j->pii[0].pos.line, 46, "pii[0] line");
    TAP_EQ_INT(j->pii[0].pos.col, 7, "pii[0] col");
    TAP_EQ_STR(j->pii[1].value, "drop", "pii[1] drop");

    j = &s->jobs[1];
    expect_sval(&j->name, "customers", 48, 11, "jobs[1].name");
    TAP_OK(j->table.s == NULL, "jobs[1].table absent");
    TAP_EQ_STR(j->query.s, "SELECT id, name\n  FROM customers\n", "literal block query");
    TAP_EQ_INT(j->mode, WEIR_MODE_FULL, "jobs[1] full");
    TAP_EQ_INT(j->n_wm, 0, "jobs[1] no watermark");
    TAP_EQ_INT(j->partition_kind, WEIR_PART_NONE, "partition_by none");
    TAP_OK(j->columns == NULL && j->types == NULL && j->pii == NULL, "jobs[1] optional lists");
    TAP_EQ_INT(j->slice_count, 0, "jobs[1] not sliced");

    TAP_OK(weir_spec_find_job(s, "customers") == &s->jobs[1], "find_job customers");
    TAP_OK(weir_spec_find_job(s, "orders") == &s->jobs[0], "find_job orders");
    TAP_OK(weir_spec_find_job(s, "nope") == NULL, "find_job unknown");
    TAP_OK(weir_spec_find_job(s, NULL) == NULL, "find_job NULL");
    weir_spec_free(s);
    weir_spec_free(NULL);
}

#define SOURCE_TO_STATE                                                                            \
    "source:\n"                                                                                    \
    "  driver: postgres\n"                                                                         \
    "  connection: \"host=db\"\n"                                                                  \
    "target:\n"                                                                                    \
    "  location: lake\n"                                                                           \
    "state:\n"                                                                                     \
    "  location: state\n"
#define HEAD "version: 1\n" SOURCE_TO_STATE
/* lines 9..12 */
#define JOB                                                                                        \
    "jobs:\n"                                                                                      \
    "  - name: orders\n"                                                                           \
    "    table: public.orders\n"                                                                   \
    "    watermark: {columns: [id]}\n"

static struct weir_spec *parse_ok(const char *text, const char *name)
{
    struct weir_spec *s = NULL;
    struct weir_error err;
    int rc = weir_spec_parse("t.yaml", text, strlen(text), &s, &err);
    TAP_EQ_INT(rc, WEIR_OK, name);
    if (rc != WEIR_OK) {
        printf("#   %s\n#   hint: %s\n", err.message, err.hint);
    }
    return s;
}

static void test_defaults(void)
{
    struct weir_spec *s = parse_ok(HEAD JOB, "minimal spec");
    if (s == NULL) {
        return;
    }
    TAP_EQ_STR(s->target.format.s, "parquet", "default format");
    TAP_EQ_INT(s->target.format.pos.line, 0, "defaulted value has line 0");
    TAP_EQ_STR(s->target.compression.s, "snappy", "default compression");
    TAP_EQ_INT(s->target.row_group_size, 128ull << 20, "default row_group_size");
    TAP_EQ_INT(s->target.file_size, 1ull << 30, "default file_size");
    TAP_EQ_STR(s->target.timestamp_unit.s, "us", "default timestamp_unit");
    TAP_OK(s->target.kms_key_id.s == NULL && s->target.n_options == 0, "no kms, no options");
    TAP_EQ_STR(s->catalog.type.s, "none", "default catalog.type");
    TAP_EQ_STR(s->catalog.table_prefix.s, "", "default table_prefix");
    TAP_EQ_INT(s->catalog.create_database, 0, "default create_database");
    TAP_EQ_INT(s->catalog.pos.line, 0, "absent catalog has line 0");
    TAP_OK(s->source.user.s == NULL && s->source.password.s == NULL && s->pii_key.s == NULL,
           "optional strings absent");
    const struct weir_spec_job *j = &s->jobs[0];
    TAP_EQ_INT(j->mode, WEIR_MODE_INCREMENTAL, "default mode");
    TAP_EQ_INT(j->partition_kind, WEIR_PART_INGEST_DATE, "default partition_by");
    TAP_EQ_INT(j->wm_nulls, WEIR_WM_NULLS_REPORT, "default nulls");
    TAP_EQ_INT(j->wm_lag_us, 0, "no lag");
    TAP_OK(j->wm_start.s == NULL, "no start");
    TAP_EQ_INT(j->slice_count, 0, "no slices");
    TAP_EQ_INT(j->pos.line, 10, "job line");
    TAP_EQ_INT(j->pos.col, 5, "job col");
    weir_spec_free(s);

    /* accepted variants */
    s = parse_ok("\xef\xbb\xbf" HEAD JOB, "a UTF-8 byte order mark");
    weir_spec_free(s);
    s = parse_ok("version: 1\r\nsource: {driver: postgres, connection: x}\r\n"
                 "target: {location: l}\r\nstate: {location: s}\r\n"
                 "jobs:\r\n- name: a\r\n  table: t\r\n  mode: full\r\n",
                 "CRLF line ends, unindented list");
    if (s != NULL) {
        TAP_EQ_STR(s->jobs[0].table.s, "t", "CRLF: value without CR");
        TAP_EQ_INT(s->jobs[0].table.pos.line, 7, "CRLF: line counted once per CRLF");
    }
    weir_spec_free(s);
    s = parse_ok("---\n" HEAD JOB "...\n", "explicit document markers");
    weir_spec_free(s);
    s = parse_ok("# comment\n" HEAD "jobs: [{name: a, query: \"SELECT 1\", mode: full}]\n",
                 "flow-style job");
    if (s != NULL) {
        TAP_EQ_STR(s->jobs[0].query.s, "SELECT 1", "flow job query");
        TAP_EQ_INT(s->jobs[0].pos.col, 8, "flow job col");
    }
    weir_spec_free(s);
    s = parse_ok("version: \"1\"\n" SOURCE_TO_STATE JOB, "version as a quoted string");
    weir_spec_free(s);
    s = parse_ok(HEAD JOB "    partition_by: {column: d, granularity: value}\n"
                 "    slices: {column: id, count: 64}\n",
                 "granularity value, 64 slices");
    if (s != NULL) {
        TAP_EQ_INT(s->jobs[0].partition_granularity, WEIR_GRAN_VALUE, "granularity value");
        TAP_EQ_INT(s->jobs[0].slice_count, 64, "slices 64");
    }
    weir_spec_free(s);
    s = parse_ok(HEAD JOB "    types: {}\n"
                 "catalog:\n  type: none\n  table_prefix: \"\"\n  create_database: False\n",
                 "empty types, explicit catalog none");
    if (s != NULL) {
        TAP_EQ_INT(s->jobs[0].n_types, 0, "empty types");
    }
    weir_spec_free(s);
    s = parse_ok("version: 1\nsource:\n  driver: postgres\n  connection: \"host=db\"\n"
                 "  password: \"p${env:A_1}q${file:/run/pw}${secret:a/b#f}$x}"
                 "${secret:arn:aws:x}\"\n"
                 "target: {location: lake}\nstate: {location: st}\n" JOB,
                 "references inside a string");
    if (s != NULL) {
        TAP_EQ_STR(s->source.password.s, "p${env:A_1}q${file:/run/pw}${secret:a/b#f}$x}"
                                         "${secret:arn:aws:x}", "references kept as written");
    }
    weir_spec_free(s);
}

/* ---- errors ---- */

struct err_case {
    const char *text;
    int status;
    const char *message;
    const char *hint; /* NULL: not checked */
};

static const struct err_case err_cases[] = {
    /* document */
    {"", WEIR_ECONFIG, "t.yaml:1:1: yaml: the spec is empty",
     "a spec needs version, source, target, state and jobs; see specs/README.md"},
    {"# only a comment\n", WEIR_ECONFIG, "t.yaml:1:1: yaml: the spec is empty", NULL},
    {"---\n", WEIR_ECONFIG, "t.yaml:2:1: yaml: the spec is empty", NULL},
    {"- a\n- b\n", WEIR_ECONFIG,
     "t.yaml:1:1: yaml: the top level must be a mapping (version:, source:, ...), found a list",
     NULL},
    {"just text\n", WEIR_ECONFIG,
     "t.yaml:1:1: yaml: the top level must be a mapping (version:, source:, ...), found a scalar",
     NULL},
    {HEAD JOB "---\n" HEAD JOB, WEIR_ECONFIG,
     "t.yaml:13:1: yaml: more than one document in the file",
     "a spec is one YAML document: remove the `---` separator or split the file"},
    {"version: 1\nsource:\n  driver: [postgres\n", WEIR_ECONFIG,
     "t.yaml:4:1: yaml: did not find expected ',' or ']' (while parsing a flow sequence at line 3, "
     "column 11)", "fix the YAML syntax at that position"},
    {"version: 1\n  source: x\n", WEIR_ECONFIG,
     "t.yaml:2:9: yaml: mapping values are not allowed in this context", NULL},
    {"version: 1\nsource:\n\tdriver: x\n", WEIR_ECONFIG,
     "t.yaml:3:1: yaml: found character that cannot start any token (while scanning for the next "
     "token at line 3, column 1)", "indent with spaces: YAML does not allow tabs there"},
    {"version: 1\nkey: \"abc\xff\"\n", WEIR_ECONFIG,
     "t.yaml:2:10: yaml: invalid leading UTF-8 octet (byte 0xff)", NULL},
    {"version: 1\nkey: \"unterminated\n", WEIR_ECONFIG,
     "t.yaml:3:1: yaml: found unexpected end of stream (while scanning a quoted scalar at line 2, "
     "column 6)", NULL},
    /* top level */
    {"version: 2\n", WEIR_ECONFIG, "t.yaml:1:10: version: unsupported version \"2\"",
     "this weir reads version 1 specs"},
    {"version:\n", WEIR_ECONFIG,
     "t.yaml:1:9: version: expected the version number 1, found an empty value", NULL},
    {SOURCE_TO_STATE JOB, WEIR_ECONFIG, "t.yaml:1:1: version: required key is missing",
     "version: format version; this weir reads 1"},
    {HEAD, WEIR_ECONFIG, "t.yaml:1:1: jobs: required key is missing", NULL},
    {HEAD JOB "extra: 1\n", WEIR_ECONFIG, "t.yaml:13:1: extra: unknown key",
     "allowed keys here: version, source, target, catalog, state, pii_key, jobs"},
    {HEAD JOB "driver: x\n", WEIR_ECONFIG, "t.yaml:13:1: driver: unknown key",
     "\"driver\" belongs in source"},
    {HEAD JOB "verison: 1\n", WEIR_ECONFIG, "t.yaml:13:1: verison: unknown key",
     "did you mean \"version\"?"},
    {HEAD JOB "version: 1\n", WEIR_ECONFIG, "t.yaml:13:1: version: duplicate key",
     "the first is at line 1, column 1"},
    {HEAD "jobs: []\n", WEIR_ECONFIG, "t.yaml:9:7: jobs: needs at least one job", NULL},
    {HEAD "jobs:\n  name: x\n", WEIR_ECONFIG,
     "t.yaml:10:3: jobs: expected a list of jobs, found a mapping", NULL},
    {HEAD "jobs:\n  - orders\n", WEIR_ECONFIG,
     "t.yaml:10:5: jobs[0]: expected a job (a mapping with name, table, ...), found \"orders\"",
     NULL},
    {HEAD "pii_key: [a]\n" JOB, WEIR_ECONFIG,
     "t.yaml:9:10: pii_key: expected a string, found a list", NULL},
    /* source */
    {"version: 1\nsource:\n  driver: postgres\n" JOB, WEIR_ECONFIG,
     "t.yaml:2:1: source.connection: required (unless source.secret gives host, port and dbname)",
     "add connection: \"host=db1 dbname=shop\" (libpq) or \"DSN=shop;\" (ODBC), or secret: NAME"},
    {"version: 1\nsource:\n" JOB, WEIR_ECONFIG,
     "t.yaml:2:8: source: expected a mapping, found an empty value", NULL},
    {"version: 1\nsource: postgres\n", WEIR_ECONFIG,
     "t.yaml:2:9: source: expected a mapping, found \"postgres\"", NULL},
    {"version: 1\nsource:\n  driver: Postgres\n", WEIR_ECONFIG,
     "t.yaml:3:11: source.driver: invalid plugin name \"Postgres\"",
     "a plugin name is lowercase letters, digits and _, starting with a letter: postgres, odbc"},
    {"version: 1\nsource:\n  driver: postgres\n  conection: x\n", WEIR_ECONFIG,
     "t.yaml:4:3: source.conection: unknown key", "did you mean \"connection\"?"},
    {"version: 1\nsource:\n  driver: postgres\n  connection: \"\"\n", WEIR_ECONFIG,
     "t.yaml:4:15: source.connection: must not be empty", NULL},
    {"version: 1\nsource:\n  driver: postgres\n  connection: {host: db}\n", WEIR_ECONFIG,
     "t.yaml:4:15: source.connection: expected a string, found a mapping", NULL},
    {"version: 1\nsource:\n  driver: postgres\n  connection: x\n  user:\n", WEIR_ECONFIG,
     "t.yaml:5:8: source.user: expected a string, found an empty value",
     "give a value, or remove the key (write \"\" for an empty string)"},
    {"version: 1\nsource:\n  driver: postgres\n  connection: x\n  password: ${vault:pw}\n",
     WEIR_ECONFIG,
     "t.yaml:5:13: source.password: unknown reference scheme \"vault\" in \"${vault:pw}\"",
     "references are ${env:NAME}, ${file:/path}, ${secret:NAME} and ${secret:NAME#field}"},
    {"version: 1\nsource:\n  driver: postgres\n  connection: \"host=${env:H port=5\"\n",
     WEIR_ECONFIG, "t.yaml:4:21: source.connection: unterminated reference \"${env:H port=5\"",
     NULL},
    {"version: 1\nsource:\n  driver: postgres\n  connection: x${env:}\n", WEIR_ECONFIG,
     "t.yaml:4:16: source.connection: empty reference \"${env:}\"", NULL},
    {"version: 1\nsource:\n  driver: postgres\n  connection: ${env:A-B}\n", WEIR_ECONFIG,
     "t.yaml:4:15: source.connection: malformed reference \"${env:A-B}\"", NULL},
    {"version: 1\nsource:\n  driver: postgres\n  connection: ${secret:x#}\n", WEIR_ECONFIG,
     "t.yaml:4:15: source.connection: malformed reference \"${secret:x#}\"", NULL},
    {"version: 1\nsource:\n  driver: postgres\n  connection: ${nothing}\n", WEIR_ECONFIG,
     "t.yaml:4:15: source.connection: reference \"${nothing}\" has no scheme", NULL},
    {"version: 1\nsource:\n  driver: postgres\n  connection: \"a\\0b\"\n", WEIR_ECONFIG,
     "t.yaml:4:15: source.connection: contains a NUL character", NULL},
    {"version: 1\nsource:\n  driver: postgres\n  connection: x\n  options: [a]\n", WEIR_ECONFIG,
     "t.yaml:5:12: source.options: expected a mapping of names to values, found a list", NULL},
    {"version: 1\nsource:\n  driver: postgres\n  connection: x\n  options: {a: 1, a: 2}\n",
     WEIR_ECONFIG, "t.yaml:5:19: source.options.a: duplicate key",
     "the first is at line 5, column 13"},
    {"version: 1\nsource:\n  driver: postgres\n  connection: x\n  options: {a: [1]}\n",
     WEIR_ECONFIG, "t.yaml:5:16: source.options.a: expected a string, found a list", NULL},
    {"version: 1\nsource:\n  driver: postgres\n  connection: x\n  options: {user: x}\n",
     WEIR_ECONFIG, "t.yaml:5:13: source.options.user: is a key of source itself",
     "write user: directly under source, not in options"},
    /* target */
    {"version: 1\nsource: {driver: odbc, connection: x}\ntarget:\n  location: l\n"
     "  compression: brotli\n",
     WEIR_ECONFIG, "t.yaml:5:16: target.compression: invalid value \"brotli\"",
     "allowed: none, snappy, gzip, zlib, zstd, lz4"},
    {"version: 1\nsource: {driver: odbc, connection: x}\ntarget:\n  location: l\n"
     "  compression: ZSTD\n",
     WEIR_ECONFIG, "t.yaml:5:16: target.compression: invalid value \"ZSTD\"",
     "did you mean \"zstd\"? allowed: none, snappy, gzip, zlib, zstd, lz4"},
    {"version: 1\nsource: {driver: odbc, connection: x}\ntarget:\n  location: l\n"
     "  row_group_size: 128 megs\n",
     WEIR_ECONFIG, "t.yaml:5:19: target.row_group_size: invalid size \"128 megs\"",
     "expected a number of bytes and an optional unit: 1048576, 64KiB, 128MiB, 1GiB, 10MB"},
    {"version: 1\nsource: {driver: odbc, connection: x}\ntarget:\n  location: l\n"
     "  file_size: 99999999999TiB\n",
     WEIR_ECONFIG, "t.yaml:5:14: target.file_size: invalid size \"99999999999TiB\"", NULL},
    {"version: 1\nsource: {driver: odbc, connection: x}\ntarget:\n  location: l\n"
     "  timestamp_unit: ns\n",
     WEIR_ECONFIG, "t.yaml:5:19: target.timestamp_unit: invalid value \"ns\"", "allowed: us, ms"},
    {"version: 1\nsource: {driver: odbc, connection: x}\ntarget:\n  location: l\n"
     "  format: parquet.so\n",
     WEIR_ECONFIG, "t.yaml:5:11: target.format: invalid plugin name \"parquet.so\"", NULL},
    {"version: 1\nsource: {driver: odbc, connection: x}\ntarget:\n  format: orc\n", WEIR_ECONFIG,
     "t.yaml:3:1: target.location: required key is missing", NULL},
    /* catalog */
    {HEAD JOB "catalog: {type: glue}\n", WEIR_ECONFIG,
     "t.yaml:13:1: catalog.database: required when catalog.type is glue",
     "name the Glue database: database: my_source_db"},
    {HEAD JOB "catalog: {type: hive}\n", WEIR_ECONFIG,
     "t.yaml:13:17: catalog.type: invalid value \"hive\"", "allowed: glue, none"},
    {HEAD JOB "catalog: {create_database: yes}\n", WEIR_ECONFIG,
     "t.yaml:13:28: catalog.create_database: expected true or false, found \"yes\"", NULL},
    {HEAD JOB "catalog:\n", WEIR_ECONFIG,
     "t.yaml:13:9: catalog: expected a mapping, found an empty value",
     "give its keys (the catalog to register in; without it nothing is registered), or remove "
     "it"},
    /* jobs */
    {HEAD "jobs:\n  - table: t\n    mode: full\n", WEIR_ECONFIG,
     "t.yaml:10:5: jobs[0].name: required key is missing", NULL},
    {HEAD "jobs:\n  - name: Orders\n", WEIR_ECONFIG,
     "t.yaml:10:11: jobs[0].name: invalid name \"Orders\"",
     "use lowercase letters, digits and _, starting with a letter (orders, orders_v2)"},
    {HEAD JOB "  - name: orders\n    table: x\n    mode: full\n", WEIR_ECONFIG,
     "t.yaml:13:11: jobs[1].name: duplicate job name \"orders\"",
     "job names are unique in a spec; the first is at line 10"},
    {HEAD "jobs:\n  - name: a\n    mode: full\n", WEIR_ECONFIG,
     "t.yaml:10:5: jobs[0]: needs a table or a query",
     "add table: schema.name, or query: \"SELECT ...\""},
    {HEAD JOB "    query: SELECT 1\n", WEIR_ECONFIG,
     "t.yaml:13:12: jobs[0].query: table and query are mutually exclusive", "keep one of them"},
    {HEAD "jobs:\n  - name: a\n    table: t\n", WEIR_ECONFIG,
     "t.yaml:10:5: jobs[0]: an incremental job needs a watermark",
     "add watermark: {columns: [updated_at]}, or set mode: full"},
    {HEAD JOB "    mode: full\n", WEIR_ECONFIG,
     "t.yaml:12:5: jobs[0].watermark: not used when mode is full",
     "remove the watermark, or set mode: incremental"},
    {HEAD JOB "    mode: delta\n", WEIR_ECONFIG,
     "t.yaml:13:11: jobs[0].mode: invalid value \"delta\"",
     "allowed: incremental, full"},
    {HEAD "jobs:\n  - name: a\n    table: t\n    watermark:\n", WEIR_ECONFIG,
     "t.yaml:12:15: jobs[0].watermark: expected a mapping, found an empty value", NULL},
    {HEAD "jobs:\n  - name: a\n    table: t\n    watermark: {}\n", WEIR_ECONFIG,
     "t.yaml:12:5: jobs[0].watermark.columns: required key is missing", NULL},
    {HEAD "jobs:\n  - name: a\n    table: t\n    watermark: {columns: updated_at}\n",
     WEIR_ECONFIG, "t.yaml:12:26: jobs[0].watermark.columns: expected a list, found \"updated_at\"",
     "write a list: [\"updated_at\"]"},
    {HEAD "jobs:\n  - name: a\n    table: t\n    watermark: {columns: []}\n", WEIR_ECONFIG,
     "t.yaml:12:26: jobs[0].watermark.columns: must not be empty", NULL},
    {HEAD "jobs:\n  - name: a\n    table: t\n    watermark: {columns: [a, b, a]}\n",
     WEIR_ECONFIG, "t.yaml:12:33: jobs[0].watermark.columns[2]: \"a\" is listed twice",
     "the first is at line 12, column 27"},
    {HEAD "jobs:\n  - name: a\n    table: t\n    watermark: {columns: [[a]]}\n", WEIR_ECONFIG,
     "t.yaml:12:27: jobs[0].watermark.columns[0]: expected a string, found a list", NULL},
    {HEAD "jobs:\n  - name: a\n    table: t\n    watermark:\n      columns: [ts]\n"
          "      lag: 5 minutes\n",
     WEIR_ECONFIG, "t.yaml:14:12: jobs[0].watermark.lag: invalid duration \"5 minutes\"",
     "expected a number and a unit: 500ms, 30s, 5m, 2h, 1d"},
    {HEAD "jobs:\n  - name: a\n    table: t\n    watermark: {columns: [ts], nulls: skip}\n",
     WEIR_ECONFIG, "t.yaml:12:39: jobs[0].watermark.nulls: invalid value \"skip\"",
     "allowed: report, fail"},
    {HEAD "jobs:\n  - name: a\n    table: t\n    watermark: {columns: [ts], lags: 5m}\n",
     WEIR_ECONFIG, "t.yaml:12:32: jobs[0].watermark.lags: unknown key", "did you mean \"lag\"?"},
    {HEAD JOB "    partition_by: weekly\n", WEIR_ECONFIG,
     "t.yaml:13:19: jobs[0].partition_by: invalid value \"weekly\"",
     "allowed: ingest_date, none"},
    {HEAD JOB "    partition_by: [d]\n", WEIR_ECONFIG,
     "t.yaml:13:19: jobs[0].partition_by: expected ingest_date, none or a mapping {column, "
     "granularity}, found a list", NULL},
    {HEAD JOB "    partition_by: {column: d}\n", WEIR_ECONFIG,
     "t.yaml:13:5: jobs[0].partition_by.granularity: required key is missing", NULL},
    {HEAD JOB "    partition_by: {column: d, granularity: week}\n", WEIR_ECONFIG,
     "t.yaml:13:44: jobs[0].partition_by.granularity: invalid value \"week\"",
     "allowed: day, month, year, value"},
    {HEAD JOB "    slices: {column: id, count: 0}\n", WEIR_ECONFIG,
     "t.yaml:13:33: jobs[0].slices.count: must be between 1 and 64, found 0", NULL},
    {HEAD JOB "    slices: {column: id, count: four}\n", WEIR_ECONFIG,
     "t.yaml:13:33: jobs[0].slices.count: invalid integer \"four\"", NULL},
    {HEAD JOB "    slices: {column: id, count: 99999999999999999999}\n", WEIR_ECONFIG,
     "t.yaml:13:33: jobs[0].slices.count: invalid integer \"99999999999999999999\"", NULL},
    {HEAD JOB "    pii: {email: mask}\n", WEIR_ECONFIG,
     "t.yaml:13:18: jobs[0].pii.email: invalid value \"mask\"", "allowed: hash, drop"},
    {HEAD JOB "    pii: {email: hash}\n", WEIR_ECONFIG,
     "t.yaml:13:11: jobs[0].pii.email: hash needs a top-level pii_key",
     "add pii_key: ${secret:NAME} (the HMAC key) at the top level of the spec"},
    {HEAD JOB "    columns: [id, \"${env:X\"]\n", WEIR_ECONFIG,
     "t.yaml:13:20: jobs[0].columns[1]: unterminated reference \"${env:X\"", NULL},
    {HEAD JOB "    tabel: x\n", WEIR_ECONFIG, "t.yaml:13:5: jobs[0].tabel: unknown key",
     "did you mean \"table\"?"},
    {HEAD JOB "    watermark: {columns: [id]}\n", WEIR_ECONFIG,
     "t.yaml:13:5: jobs[0].watermark: duplicate key", "the first is at line 12, column 5"},
    {HEAD JOB "    lag: 5m\n", WEIR_ECONFIG, "t.yaml:13:5: jobs[0].lag: unknown key",
     "\"lag\" belongs in watermark"},
    {HEAD JOB "  - name: orders\n    tabel: x\n", WEIR_ECONFIG,
     "t.yaml:13:11: jobs[1].name: duplicate job name \"orders\"", NULL},
    {"version: 1\nsource: {driver: odbc, connection: x}\ntarget:\n  location: l\n"
     "  options: {compression: zstd}\n",
     WEIR_ECONFIG, "t.yaml:5:13: target.options.compression: is a key of target itself",
     "write compression: directly under target, not in options"},
    {"version: 1\nsource:\n  driver: postgres\n  connection: \"${secret:a b}\"\n", WEIR_ECONFIG,
     "t.yaml:4:16: source.connection: malformed reference \"${secret:a b}\"", NULL},
    {"version: 1\nsource:\n  driver: postgres\n  connection: \"\\t${x:y}\"\n", WEIR_ECONFIG,
     "t.yaml:4:15: source.connection: unknown reference scheme \"x\" in \"${x:y}\"", NULL},
    {"version: 1\nsource:\n  driver: postgres\n  connection: |\n    host=a\n    ${env:}\n",
     WEIR_ECONFIG, "t.yaml:4:15: source.connection: empty reference \"${env:}\"", NULL},
    {"version: 1\r\nversion: 1\r\n", WEIR_ECONFIG, "t.yaml:2:1: version: duplicate key", NULL},
    /* anchors, aliases, tags */
    {HEAD "jobs:\n  - name: a\n    table: &t orders\n    query: *t\n", WEIR_ECONFIG,
     "t.yaml:11:12: jobs[0].table: anchors (&t) are not supported",
     "write the value out in full: anchors, aliases and tags are not part of the spec format"},
    {HEAD "x: &a 1\n", WEIR_ECONFIG, "t.yaml:9:1: x: unknown key", NULL},
    {HEAD "jobs:\n  - name: a\n    query: *t\n", WEIR_ECONFIG,
     "t.yaml:11:12: jobs[0].query: aliases (*t) are not supported", NULL},
    {HEAD "jobs:\n  - name: a\n    table: !!str 12\n", WEIR_ECONFIG,
     "t.yaml:11:12: jobs[0].table: tags (!!str) are not supported",
     "remove the tag; quote a value to make it a string"},
    {HEAD "jobs:\n  - name: a\n    table: !custom x\n", WEIR_ECONFIG,
     "t.yaml:11:12: jobs[0].table: tags (!custom) are not supported", NULL},
    {HEAD "jobs:\n  - ? [a]\n    : x\n", WEIR_ECONFIG,
     "t.yaml:10:7: jobs[0]: expected a key name, found a list", NULL},
};

static void test_errors(void)
{
    size_t n = sizeof(err_cases) / sizeof(err_cases[0]);
    for (size_t i = 0; i < n; i++) {
        const struct err_case *c = &err_cases[i];
        struct weir_spec *s = (struct weir_spec *)1;
        struct weir_error err;
        int rc = weir_spec_parse("t.yaml", c->text, strlen(c->text), &s, &err);
        int ok = rc == c->status && s == NULL && err.status == c->status &&
                 strcmp(err.message, c->message) == 0 &&
                 (c->hint == NULL || strcmp(err.hint, c->hint) == 0);
        TAP_OK(ok, "error %zu: %s", i, c->message);
        if (!ok) {
            printf("#   got rc %d: \"%s\"\n#   hint \"%s\"\n", rc, err.message, err.hint);
            if (c->hint != NULL) {
                printf("#   want hint \"%s\"\n", c->hint);
            }
        }
        if (rc == WEIR_OK) {
            weir_spec_free(s);
        }
    }
    TAP_OK(n >= 30, "at least 30 error cases (%zu)", n);
}

static void test_load_errors(void)
{
    struct weir_spec *s = NULL;
    struct weir_error err;
    int rc = weir_spec_load("/nonexistent/weir/spec.yaml", &s, &err);
    TAP_EQ_INT(rc, WEIR_ENOINPUT, "missing file is ENOINPUT");
    TAP_EQ_STR(err.message,
               "/nonexistent/weir/spec.yaml: cannot open the spec: No such file or directory",
               "missing file message");
    TAP_OK(s == NULL, "no spec on failure");

    /* too big: refused before parsing */
    char big_path[] = "/tmp/weir_test_spec_XXXXXX";
    int fd = mkstemp(big_path);
    FILE *big = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (big != NULL) {
        for (int i = 0; i < 70000; i++) {
            fputs("# padding line\n", big);
        }
        fclose(big);
        rc = weir_spec_load(big_path, &s, &err);
        TAP_EQ_INT(rc, WEIR_ECONFIG, "spec over 1 MiB refused");
        TAP_OK(strstr(err.message, ": the spec is larger than 1048576 bytes") != NULL,
               "size limit message");
        unlink(big_path);
    } else {
        TAP_OK(0, "temporary file for the size limit");
    }

    /* a deep nest is refused before the recursion gets deep */
    size_t depth = 200, o = 0;
    char *deep = malloc(depth * 2 + 16);
    o += (size_t)snprintf(deep, 16, "version: ");
    for (size_t i = 0; i < depth; i++) {
        deep[o++] = '[';
    }
    for (size_t i = 0; i < depth; i++) {
        deep[o++] = ']';
    }
    deep[o] = '\0';
    rc = weir_spec_parse("t.yaml", deep, o, &s, &err);
    TAP_EQ_INT(rc, WEIR_ECONFIG, "deep nesting refused");
    TAP_EQ_STR(err.message, "t.yaml:1:73: yaml: nesting is too deep", "deep nesting message");
    free(deep);

    /* a billion-laughs shape costs nothing: aliases are never expanded */
    const char *laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                         "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                         "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
    rc = weir_spec_parse("t.yaml", laughs, strlen(laughs), &s, &err);
    TAP_EQ_STR(err.message, "t.yaml:1:1: a: unknown key", "alias bomb: first problem reported");
}

/* ---- examples, schema, README ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
            *len = fread(buf, 1, (size_t)n, f);
            buf[*len] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static void test_examples(void)
{
    static const char *const names[] = {
        "postgres-incremental.yaml", "mariadb-odbc.yaml", "s3-glue-secret.yaml",
        "full-reload-dimension.yaml", "demo.yaml", "discovered-shop.yaml",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[1024];
        struct weir_spec *s = NULL;
        struct weir_error err;
        snprintf(path, sizeof(path), "%s/specs/examples/%s", srcdir(), names[i]);
        int rc = weir_spec_load(path, &s, &err);
        if (rc == WEIR_ENOINPUT && strcmp(names[i], "demo.yaml") == 0) {
            TAP_SKIP("not written yet", "example %s parses", names[i]);
            continue;
        }
        TAP_EQ_INT(rc, WEIR_OK, names[i]);
        if (rc != WEIR_OK) {
            printf("#   %s\n#   hint: %s\n", err.message, err.hint);
        }
        weir_spec_free(s);
    }
}

/* Captures what fn writes. */
static char *capture(int (*fn)(FILE *), size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (f == NULL) {
        return NULL;
    }
    int rc = fn(f);
    fclose(f);
    TAP_EQ_INT(rc, WEIR_OK, "generator writes");
    return buf;
}

static void test_generated_docs(void)
{
    char path[1024];
    size_t glen = 0, flen = 0;
    char *gen = capture(weir_spec_schema_json, &glen);
    snprintf(path, sizeof(path), "%s/specs/weir-spec.schema.json", srcdir());
    char *file = read_file(path, &flen);
    TAP_OK(file != NULL && gen != NULL && flen == glen && memcmp(file, gen, glen) == 0,
           "specs/weir-spec.schema.json is in sync (else: make spec-docs)");
    TAP_OK(gen != NULL && strstr(gen, "\"$schema\": \"https://json-schema.org/draft/2020-12/"
                                      "schema\"") != NULL,
           "schema declares draft 2020-12");
    TAP_OK(gen != NULL && strstr(gen, "\"default\": \"128MiB\"") != NULL,
           "schema carries defaults");
    free(file);
    free(gen);

    gen = capture(weir_spec_reference_md, &glen);
    snprintf(path, sizeof(path), "%s/specs/README.md", srcdir());
    file = read_file(path, &flen);
    const char *begin = file != NULL ? strstr(file, "<!-- BEGIN generated key reference") : NULL;
    const char *body = begin != NULL ? strchr(begin, '\n') : NULL;
    const char *end = body != NULL ? strstr(body, "<!-- END generated key reference -->") : NULL;
    int same = end != NULL && gen != NULL && (size_t)(end - body) == glen + 2 &&
               memcmp(body + 2, gen, glen) == 0;
    TAP_OK(same, "specs/README.md key tables are in sync (else: make spec-docs)");
    TAP_OK(gen != NULL && strstr(gen, "| `row_group_size` | size |  | `128MiB` |") != NULL,
           "markdown row for row_group_size");
    free(file);
    free(gen);
}

int main(void)
{
    test_units();
    test_full();
    test_defaults();
    test_errors();
    test_load_errors();
    test_examples();
    test_generated_docs();
    return tap_done();
}
