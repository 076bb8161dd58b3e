/*
 * Live ODBC test: the type matrix of each database, with edge values, and
 * every decoded value compared with the text it must have (tests/unit/
 * odbc_live_util.c renders Arrow values canonically: decimals at their
 * scale, dates ISO, times and timestamps with six fractional digits, binary
 * and UUID as lowercase hex, floats with %.9g / %.17g).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "odbc_live.h"
#include "odbc_live_cases.h"

struct expect {
    const char *id;
    const char *col;
    const char *want; /* NULL: the value is NULL */
};

struct colfmt {
    const char *col;
    const char *format;
};

/* 'aé€😀' (1 + 2 + 3 + 4 bytes) repeated: a text of about 1 MiB. */
#define BIG_UNIT "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"
#define BIG_REPEAT 116508

static char *big_text(void)
{
    size_t n = strlen(BIG_UNIT);
    char *s = malloc(n * BIG_REPEAT + 1);
    for (size_t i = 0; i < BIG_REPEAT; i++) {
        memcpy(s + i * n, BIG_UNIT, n);
    }
    s[n * BIG_REPEAT] = '\0';
    return s;
}

static char *repeat_z(size_t n)
{
    char *s = malloc(n + 1);
    memset(s, 'z', n);
    s[n] = '\0';
    return s;
}

static void dump(const struct live_result *r)
{
    if (getenv("WEIR_ODBC_DUMP") == NULL) {
        return;
    }
    for (int64_t c = 0; c < r->ncols; c++) {
        printf("# col %s %s (%s)\n", r->names[c], r->formats[c], r->types[c]);
    }
    for (int64_t i = 0; i < r->nrows; i++) {
        for (int64_t c = 0; c < r->ncols; c++) {
            const char *v = r->cells[i * r->ncols + c];
            printf("#  [%lld] %s = %.60s%s\n", (long long)i, r->names[c], v ? v : "NULL",
                   v && strlen(v) > 60 ? "..." : "");
        }
    }
}

static void check_matrix(struct live_db *db, const struct colfmt *fmts, size_t n_fmts,
                         const struct expect *ex, size_t n_ex, const char *big_col,
                         const char *long_col, const struct weir_kv *types, size_t n_types)
{
    void *conn = NULL;
    struct weir_error err;
    struct live_result r;
    char name[160];
    if (live_connect(db, NULL, &conn, &err) != WEIR_OK) {
        TAP_OK(0, "%s: connect: %s (%s)", db->name, err.message, err.detail);
        return;
    }
    struct weir_query q = {.size = sizeof(q), .table = "odbc_types", .types = types,
                           .n_types = n_types};
    int rc = live_scan(conn, &q, &r, &err);
    TAP_EQ_INT(rc, WEIR_OK, "types: scan");
    if (rc != WEIR_OK) {
        printf("#   %s | %s\n", err.message, err.detail);
        live_result_free(&r);
        live_ops->disconnect(conn);
        return;
    }
    dump(&r);
    snprintf(name, sizeof(name), "%s types: 4 rows", db->name);
    TAP_EQ_INT(r.nrows, 4, name);
    for (size_t i = 0; i < n_fmts; i++) {
        int64_t c = live_col(&r, fmts[i].col);
        snprintf(name, sizeof(name), "%s types: column %s is %s", db->name, fmts[i].col,
                 fmts[i].format);
        TAP_EQ_STR(c >= 0 ? r.formats[c] : "<missing>", fmts[i].format, name);
        TAP_OK(c >= 0 && r.types[c][0] != '\0', "%s types: column %s has weir:source_type (%s)",
               db->name, fmts[i].col, c >= 0 ? r.types[c] : "");
    }
    for (size_t i = 0; i < n_ex; i++) {
        const char *got = live_cell(&r, live_row(&r, "id", ex[i].id), ex[i].col);
        snprintf(name, sizeof(name), "%s types: id %s %s", db->name, ex[i].id, ex[i].col);
        if (ex[i].want == NULL) {
            TAP_OK(got == NULL, "%s is NULL (got %s)", name, got ? got : "NULL");
        } else {
            int same = got != NULL && strcmp(got, ex[i].want) == 0;
            TAP_OK(same, "%s", name);
            if (!same) {
                printf("#   got  \"%.80s\"%s\n#   want \"%.80s\"\n", got ? got : "NULL",
                       got && strlen(got) > 80 ? "..." : "", ex[i].want);
            }
        }
    }
    if (big_col != NULL) {
        char *big = big_text();
        const char *got = live_cell(&r, live_row(&r, "id", "4"), big_col);
        TAP_OK(got != NULL && strcmp(got, big) == 0, "%s types: id 4 %s is the 1 MiB text "
               "(%zu bytes, got %zu)", db->name, big_col, strlen(big), got ? strlen(got) : 0);
        free(big);
    }
    if (long_col != NULL) {
        char *z = repeat_z(100000);
        const char *got = live_cell(&r, live_row(&r, "id", "4"), long_col);
        TAP_OK(got != NULL && strcmp(got, z) == 0,
               "%s types: id 4 %s: 100000 chars, longer than its declared size, whole (got %zu)",
               db->name, long_col, got ? strlen(got) : 0);
        free(z);
    }
    live_result_free(&r);
    /* describe gives the scan's schema without reading rows */
    struct ArrowSchema sch;
    rc = live_ops->describe(conn, &q, &sch, &err);
    TAP_EQ_INT(rc, WEIR_OK, "types: describe");
    if (rc == WEIR_OK) {
        int same = sch.n_children >= (int64_t)n_fmts;
        for (size_t i = 0; same && i < n_fmts; i++) {
            int found = 0;
            for (int64_t c = 0; c < sch.n_children; c++) {
                if (strcmp(sch.children[c]->name, fmts[i].col) == 0) {
                    found = strcmp(sch.children[c]->format, fmts[i].format) == 0;
                }
            }
            same = found;
        }
        TAP_OK(same, "%s types: describe formats equal the scan's", db->name);
        sch.release(&sch);
    }
    live_ops->disconnect(conn);
}

/* An INSERT with a big text built in C: prefix || text || suffix. */
static int insert_big(struct live_db *db, const char *prefix, const char *text,
                      const char *suffix)
{
    size_t n = strlen(prefix) + strlen(text) + strlen(suffix) + 1;
    char *sql = malloc(n);
    snprintf(sql, n, "%s%s%s", prefix, text, suffix);
    int rc = live_exec(db, sql);
    free(sql);
    return rc;
}

static const char *const pg_setup[] = {
    "DROP TABLE IF EXISTS odbc_types",
    "CREATE TABLE odbc_types (id int PRIMARY KEY, b boolean, i2 smallint, i4 integer, i8 bigint,"
    " f4 real, f8 double precision, d numeric(38,10), s text, vc varchar(10), vu varchar,"
    " by bytea, dt date, tm time(6), ts timestamp(6), tz timestamptz(6), u uuid)",
    "INSERT INTO odbc_types (id) VALUES (1)",
    "INSERT INTO odbc_types VALUES (2, false, -32768, -2147483648, -9223372036854775808,"
    " -3.40282347e38, -1.7976931348623157e308, -9999999999999999999999999999.9999999999,"
    " '', '', '', '\\x', '0001-01-01', '00:00:00', '1900-01-01 00:00:00.000001',"
    " '1969-12-31 23:59:59.999999+00', '00000000-0000-0000-0000-000000000000')",
    "INSERT INTO odbc_types VALUES (3, true, 32767, 2147483647, 9223372036854775807,"
    " 'Infinity', 'NaN', 9999999999999999999999999999.9999999999, 'a\xC3\xA9\xE2\x82\xAC"
    "\xF0\x9F\x98\x80', repeat('\xF0\x9F\x98\x80', 10), 'x', '\\x00ff0001', '1969-07-20',"
    " '23:59:59.999999', '1969-07-20 20:17:40.123456', '2100-12-31 23:59:59.999999+00',"
    " 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')",
    NULL};

static const struct colfmt pg_fmts[] = {
    {"id", "i"},     {"b", "b"},   {"i2", "s"},   {"i4", "i"},      {"i8", "l"},
    {"f4", "f"},     {"f8", "g"},  {"d", "d:38,10"}, {"s", "u"},    {"vc", "u"},
    {"vu", "u"},     {"by", "z"},  {"dt", "tdD"}, {"tm", "ttu"},    {"ts", "tsu:"},
    {"tz", "tsu:UTC"}, {"u", "w:16"},
};

static const struct expect pg_ex[] = {
    {"1", "b", NULL}, {"1", "i8", NULL}, {"1", "d", NULL}, {"1", "s", NULL}, {"1", "by", NULL},
    {"1", "dt", NULL}, {"1", "ts", NULL}, {"1", "u", NULL}, {"1", "f8", NULL},
    {"2", "b", "false"}, {"2", "i2", "-32768"}, {"2", "i4", "-2147483648"},
    {"2", "i8", "-9223372036854775808"}, {"2", "f4", "-3.40282347e+38"},
    {"2", "f8", "-1.7976931348623157e+308"}, {"2", "d", "-9999999999999999999999999999.9999999999"},
    {"2", "s", ""}, {"2", "vc", ""}, {"2", "by", ""}, {"2", "dt", "0001-01-01"},
    {"2", "tm", "00:00:00.000000"}, {"2", "ts", "1900-01-01 00:00:00.000001"},
    {"2", "tz", "1969-12-31 23:59:59.999999"}, {"2", "u", "00000000000000000000000000000000"},
    {"3", "b", "true"}, {"3", "i2", "32767"}, {"3", "i4", "2147483647"},
    {"3", "i8", "9223372036854775807"}, {"3", "f4", "inf"}, {"3", "f8", "nan"},
    {"3", "d", "9999999999999999999999999999.9999999999"},
    {"3", "s", "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"},
    {"3", "vc", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
                "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"},
    {"3", "by", "00ff0001"}, {"3", "dt", "1969-07-20"}, {"3", "tm", "23:59:59.999999"},
    {"3", "ts", "1969-07-20 20:17:40.123456"}, {"3", "tz", "2100-12-31 23:59:59.999999"},
    {"3", "u", "a0eebc999c0b4ef8bb6d6bb9bd380a11"},
    {"4", "f4", "-inf"}, {"4", "f8", "-inf"}, {"4", "d", "0.0000000001"}, {"4", "by", "00"},
    {"4", "dt", "2200-06-15"}, {"4", "tm", "12:00:00.500000"},
    {"4", "ts", "2262-01-01 00:00:00.000000"}, {"4", "tz", "1900-06-15 11:34:56.789000"},
    {"4", "i2", "0"}, {"4", "b", NULL},
};

static void types_pg(struct live_db *db)
{
    for (size_t i = 0; pg_setup[i] != NULL; i++) {
        if (live_exec(db, pg_setup[i]) != 0) {
            TAP_OK(0, "postgres types: setup");
            return;
        }
    }
    char *big = big_text(), *z = repeat_z(100000);
    char suffix[100000 + 256];
    snprintf(suffix, sizeof(suffix),
             "', 'x', '%s', '\\x00', '2200-06-15', '12:00:00.5', '2262-01-01 00:00:00',"
             " '1900-06-15 12:34:56.789+01', NULL)",
             z);
    int rc = insert_big(db, "INSERT INTO odbc_types VALUES (4, NULL, 0, 0, 0, '-Infinity',"
                            " '-Infinity', 0.0000000001, '", big, suffix);
    free(big);
    free(z);
    if (rc != 0) {
        TAP_OK(0, "postgres types: setup row 4");
        return;
    }
    check_matrix(db, pg_fmts, sizeof(pg_fmts) / sizeof(pg_fmts[0]), pg_ex,
                 sizeof(pg_ex) / sizeof(pg_ex[0]), "s", "vu", NULL, 0);
}

static const char *const my_setup[] = {
    "SET SESSION sql_mode = ''", "SET time_zone = '+00:00'",
    "DROP TABLE IF EXISTS odbc_types",
    "CREATE TABLE odbc_types (id int PRIMARY KEY, b bit(1), ti tinyint, tu tinyint unsigned,"
    " si smallint, su smallint unsigned, ii int, iu int unsigned, bi bigint,"
    " bu bigint unsigned, f4 float, f8 double, d decimal(38,10), s longtext, vc varchar(10),"
    " vb varbinary(16), lb longblob, dt date, tm time(6), ts datetime(6), tz timestamp(6) NULL,"
    " zd date, zt datetime) CHARACTER SET utf8mb4",
    "INSERT INTO odbc_types (id) VALUES (1)",
    "INSERT INTO odbc_types VALUES (2, b'0', -128, 0, -32768, 0, -2147483648, 0,"
    " -9223372036854775808, 0, -1.5, -1.7976931348623157e308,"
    " -9999999999999999999999999999.9999999999, '', '', x'', x'', '1000-01-01', '00:00:00',"
    " '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01', '0000-00-00', '0000-00-00 00:00:00')",
    "INSERT INTO odbc_types VALUES (3, b'1', 127, 255, 32767, 65535, 2147483647, 4294967295,"
    " 9223372036854775807, 18446744073709551615, 16777216, 0.1,"
    " 9999999999999999999999999999.9999999999, 'a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80',"
    " REPEAT('\xF0\x9F\x98\x80', 10), x'00ff0001', x'00', '9999-12-31', '23:59:59.999999',"
    " '1969-07-20 20:17:40.123456', '2038-01-19 03:14:07.999999', '2024-02-29',"
    " '2024-02-29 12:00:00')",
    NULL};

static const struct colfmt my_fmts[] = {
    {"id", "i"},   {"b", "b"},     {"ti", "c"},  {"tu", "C"},  {"si", "s"},     {"su", "S"},
    {"ii", "i"},   {"iu", "I"},    {"bi", "l"},  {"bu", "d:20,0"}, {"f4", "f"}, {"f8", "g"},
    {"d", "d:38,10"}, {"s", "u"},  {"vc", "u"},  {"vb", "z"},  {"lb", "z"},     {"dt", "tdD"},
    {"tm", "ttu"}, {"ts", "tsu:"}, {"tz", "tsu:UTC"}, {"zd", "tdD"}, {"zt", "tsu:"},
};

static const struct expect my_ex[] = {
    {"1", "b", NULL}, {"1", "bu", NULL}, {"1", "d", NULL}, {"1", "s", NULL}, {"1", "lb", NULL},
    {"1", "tz", NULL}, {"1", "zd", NULL},
    {"2", "b", "false"}, {"2", "ti", "-128"}, {"2", "tu", "0"}, {"2", "si", "-32768"},
    {"2", "su", "0"}, {"2", "ii", "-2147483648"}, {"2", "iu", "0"},
    {"2", "bi", "-9223372036854775808"}, {"2", "bu", "0"}, {"2", "f4", "-1.5"},
    {"2", "f8", "-1.7976931348623157e+308"},
    {"2", "d", "-9999999999999999999999999999.9999999999"}, {"2", "s", ""}, {"2", "vc", ""},
    {"2", "vb", ""}, {"2", "lb", ""}, {"2", "dt", "1000-01-01"}, {"2", "tm", "00:00:00.000000"},
    {"2", "ts", "1000-01-01 00:00:00.000001"}, {"2", "tz", "1970-01-01 00:00:01.000000"},
    {"2", "zd", NULL}, {"2", "zt", NULL},
    {"3", "b", "true"}, {"3", "ti", "127"}, {"3", "tu", "255"}, {"3", "si", "32767"},
    {"3", "su", "65535"}, {"3", "ii", "2147483647"}, {"3", "iu", "4294967295"},
    {"3", "bi", "9223372036854775807"}, {"3", "bu", "18446744073709551615"},
    {"3", "f4", "16777216"}, {"3", "f8", "0.10000000000000001"},
    {"3", "d", "9999999999999999999999999999.9999999999"},
    {"3", "s", "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"},
    {"3", "vc", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
                "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"},
    {"3", "vb", "00ff0001"}, {"3", "lb", "00"}, {"3", "dt", "9999-12-31"},
    {"3", "tm", "23:59:59.999999"}, {"3", "ts", "1969-07-20 20:17:40.123456"},
    {"3", "tz", "2038-01-19 03:14:07.999999"}, {"3", "zd", "2024-02-29"},
    {"3", "zt", "2024-02-29 12:00:00.000000"},
    {"4", "d", "0.0000000001"}, {"4", "dt", "1899-12-31"}, {"4", "ts", "2150-06-15 12:00:00.500000"},
    {"4", "lb", "00ff00"},
};

static void types_mariadb(struct live_db *db)
{
    for (size_t i = 0; my_setup[i] != NULL; i++) {
        if (live_exec(db, my_setup[i]) != 0) {
            TAP_OK(0, "mariadb types: setup");
            return;
        }
    }
    char *big = big_text();
    int rc = insert_big(db, "INSERT INTO odbc_types (id, d, s, dt, ts, lb) VALUES (4,"
                            " 0.0000000001, '", big,
                        "', '1899-12-31', '2150-06-15 12:00:00.5', x'00ff00')");
    free(big);
    if (rc != 0) {
        TAP_OK(0, "mariadb types: setup row 4");
        return;
    }
    check_matrix(db, my_fmts, sizeof(my_fmts) / sizeof(my_fmts[0]), my_ex,
                 sizeof(my_ex) / sizeof(my_ex[0]), "s", NULL, NULL, 0);
}

static const char *const sl_setup[] = {
    "DROP TABLE IF EXISTS odbc_types",
    "CREATE TABLE odbc_types (id INTEGER PRIMARY KEY, b BOOLEAN, i4 INTEGER, i8 BIGINT,"
    " f8 DOUBLE, d DECIMAL(38,10), s TEXT, vc VARCHAR(10), by BLOB, dt DATE, tm TIME,"
    " ts TIMESTAMP, xd TEXT)",
    "INSERT INTO odbc_types (id) VALUES (1)",
    "INSERT INTO odbc_types VALUES (2, 0, -2147483648, -9223372036854775808,"
    " -1099511627776.5, '-9999999999999999999999999999.9999999999', '', '', x'',"
    " '0001-01-01', '00:00:00', '1900-01-01 00:00:00.000001',"
    " '-9999999999999999999999999999.9999999999')",
    "INSERT INTO odbc_types VALUES (3, 1, 2147483647, 9223372036854775807, 9e999,"
    " '9999999999999999999999999999.9999999999', 'a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80',"
    " '\xF0\x9F\x98\x80\xF0\x9F\x98\x80', x'00ff0001', '1969-07-20', '23:59:59.999999',"
    " '1969-07-20 20:17:40.123456', '9999999999999999999999999999.9999999999')",
    NULL};

static const struct colfmt sl_fmts[] = {
    {"id", "l"},  {"b", "b"},  {"i4", "l"},  {"i8", "l"},   {"f8", "g"},  {"d", "u"},
    {"s", "u"},   {"vc", "u"}, {"by", "z"},  {"dt", "tdD"}, {"tm", "ttu"}, {"ts", "tsu:"},
    {"xd", "d:38,10"},
};

static const struct expect sl_ex[] = {
    {"1", "b", NULL}, {"1", "i8", NULL}, {"1", "d", NULL}, {"1", "s", NULL}, {"1", "by", NULL},
    {"1", "ts", NULL},
    {"2", "b", "false"}, {"2", "i4", "-2147483648"}, {"2", "i8", "-9223372036854775808"},
    {"2", "f8", "-1099511627776.5"}, {"2", "d", "-1.0e+28"},
    {"2", "xd", "-9999999999999999999999999999.9999999999"}, {"2", "s", ""}, {"2", "vc", ""},
    {"2", "by", ""}, {"2", "dt", "0001-01-01"}, {"2", "tm", "00:00:00.000000"},
    {"2", "ts", "1900-01-01 00:00:00.000001"},
    {"3", "b", "true"}, {"3", "i4", "2147483647"}, {"3", "i8", "9223372036854775807"},
    {"3", "f8", "inf"}, {"3", "d", "1.0e+28"}, {"3", "xd", "9999999999999999999999999999.9999999999"},
    {"3", "s", "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"},
    {"3", "vc", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80"}, {"3", "by", "00ff0001"},
    {"3", "dt", "1969-07-20"}, {"3", "tm", "23:59:59.999999"},
    {"3", "ts", "1969-07-20 20:17:40.123456"},
    {"4", "i4", "9007199254740993"}, {"4", "f8", "-inf"}, {"4", "d", "1.0e-10"}, {"4", "xd", "0.0000000001"}, {"4", "by", "00"},
    {"4", "dt", "2200-06-15"},
    {"4", "tm", "12:00:00.500000"}, {"4", "ts", "2262-01-01 00:00:00.000000"},
};

static void types_sqlite(struct live_db *db)
{
    for (size_t i = 0; sl_setup[i] != NULL; i++) {
        if (live_exec(db, sl_setup[i]) != 0) {
            TAP_OK(0, "sqlite types: setup");
            return;
        }
    }
    char *big = big_text(), *z = repeat_z(100000);
    char suffix[100000 + 256];
    snprintf(suffix, sizeof(suffix),
             "', '%s', x'00', '2200-06-15', '12:00:00.5', '2262-01-01 00:00:00',"
             " '0.0000000001')",
             z);
    int rc = insert_big(db, "INSERT INTO odbc_types VALUES (4, NULL, 9007199254740993, 0, -9e999,"
                            " '0.0000000001', '", big, suffix);
    free(big);
    free(z);
    if (rc != 0) {
        TAP_OK(0, "sqlite types: setup row 4");
        return;
    }
    /* SQLite's DECIMAL is numeric affinity (a REAL, as SQLite prints it); a
     * TEXT column read with a decimal override is exact. */
    static const struct weir_kv xd[] = {{"xd", "decimal(38,10)"}};
    check_matrix(db, sl_fmts, sizeof(sl_fmts) / sizeof(sl_fmts[0]), sl_ex,
                 sizeof(sl_ex) / sizeof(sl_ex[0]), "s", "vc", xd, 1);
}

void live_case_types(struct live_db *db)
{
    if (strcmp(db->name, "postgres") == 0) {
        types_pg(db);
    } else if (strcmp(db->name, "mariadb") == 0) {
        types_mariadb(db);
    } else {
        types_sqlite(db);
    }
}
