/* weir discover's decisions (patterns, job names, watermark choice), the
 * time parser behind WatermarkLagSeconds, and --parallel's exit-code order. */
#include <stdlib.h>
#include <string.h>

#include "cli/fleet.h"
#include "core/discover.h"
#include "core/job.h"
#include "tap.h"

static void test_glob(void)
{
    static const struct {
        const char *pattern, *text;
        int want;
    } cases[] = {
        {"*", "", 1},           {"*", "orders", 1},          {"tmp_*", "tmp_1", 1},
        {"tmp_*", "tmp", 0},    {"tmp_*", "xtmp_1", 0},      {"?rders", "orders", 1},
        {"?rders", "rders", 0}, {"o*s", "orders", 1},        {"o*s", "ordersx", 0},
        {"*a*b*", "xxaybz", 1}, {"*a*b*", "xxbya", 0},       {"Orders", "orders", 0},
        {"a**b", "ab", 1},      {"emp?oy*", "employées", 1}, {"", "", 1},
        {"", "x", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        TAP_EQ_INT(weir_discover_glob(cases[i].pattern, cases[i].text), cases[i].want,
                   cases[i].pattern);
    }
    TAP_OK(weir_discover_match("sales.*", "sales", "orders"), "schema.table pattern");
    TAP_OK(!weir_discover_match("sales.*", "hr", "orders"), "other schema");
    TAP_OK(weir_discover_match("orders", "any", "orders"), "no dot: table in any schema");
    TAP_OK(weir_discover_match("Dsc HR.Emp*", "Dsc HR", "Employées"), "case and spaces as stored");
    TAP_OK(!weir_discover_match("dsc hr.*", "Dsc HR", "x"), "case-sensitive schema");
    TAP_OK(weir_discover_match("*.t?", "", "t1"), "no schema");
}

static void test_names(void)
{
    static const struct {
        const char *schema, *table, *want;
    } cases[] = {
        {"sales", "orders", "sales_orders"},
        {"Sales", "OrderLines", "sales_orderlines"},
        {"Dsc HR", "Employées", "dsc_hr_employ_es"},
        {"", "orders", "orders"},
        {"public", "2024 data", "public_2024_data"},
        {"", "2024", "t_2024"},
        {"", "__x__", "x"},
        {"", "élan", "lan"},
        {"a", "b.c", "a_b_c"},
        {"", "", "t_"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[WEIR_DISCOVER_NAME_MAX + 16];
        weir_discover_job_name(cases[i].schema, cases[i].table, out, sizeof(out));
        TAP_EQ_STR(out, cases[i].want, cases[i].want);
    }
    char longname[400], out[WEIR_DISCOVER_NAME_MAX + 16];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    weir_discover_job_name("s", longname, out, sizeof(out));
    TAP_EQ_INT(strlen(out), WEIR_DISCOVER_NAME_MAX, "long names are cut");
}

#define COL(n, t, k, nn, pk, id)                                                                   \
    {                                                                                              \
        sizeof(struct weir_catalog_column), n, t, k, nn, pk, 0, 0, id                              \
    }

static void choose(const struct weir_catalog_column *cols, size_t n,
                   struct weir_discover_choice *ch)
{
    struct weir_catalog_table t = {sizeof(t), "s", "t", 0, 10, cols, n};
    weir_discover_choose(&t, ch);
}

static void test_choose(void)
{
    struct weir_discover_choice ch;
    const struct weir_catalog_column orders[] = {
        COL("id", "integer", WEIR_COLUMN_INTEGER, 1, 1, 1),
        COL("created_at", "timestamp", WEIR_COLUMN_TIMESTAMP, 1, 0, 0),
        COL("updated_at", "timestamp", WEIR_COLUMN_TIMESTAMP, 1, 0, 0),
    };
    choose(orders, 3, &ch);
    TAP_OK(!ch.full && ch.n_wm == 2 && strcmp(ch.wm[0], "updated_at") == 0 &&
               strcmp(ch.wm[1], "id") == 0,
           "updated_at tupled with the primary key");
    const struct weir_catalog_column nullable[] = {
        COL("id", "integer", WEIR_COLUMN_INTEGER, 1, 1, 0),
        COL("updated_at", "timestamp", WEIR_COLUMN_TIMESTAMP, 0, 0, 0),
    };
    choose(nullable, 2, &ch);
    TAP_OK(ch.full && strstr(ch.why, "updated_at is nullable") != NULL,
           "a nullable change time is not a watermark: %s", ch.why);
    const struct weir_catalog_column composite[] = {
        COL("b", "text", WEIR_COLUMN_OTHER, 1, 2, 0),
        COL("a", "integer", WEIR_COLUMN_INTEGER, 1, 1, 0),
        COL("LastModified", "date", WEIR_COLUMN_DATE, 1, 0, 0),
    };
    choose(composite, 3, &ch);
    TAP_OK(!ch.full && ch.n_wm == 3 && strcmp(ch.wm[0], "LastModified") == 0 &&
               strcmp(ch.wm[1], "a") == 0 && strcmp(ch.wm[2], "b") == 0 && ch.lag_day,
           "camel-case date change time, composite key in key order, lag 1d");
    const struct weir_catalog_column textual[] = {
        COL("id", "integer", WEIR_COLUMN_INTEGER, 1, 1, 1),
        COL("updated_at", "text", WEIR_COLUMN_OTHER, 1, 0, 0),
    };
    choose(textual, 2, &ch);
    TAP_OK(!ch.full && ch.n_wm == 1 && strcmp(ch.wm[0], "id") == 0 &&
               strstr(ch.why, "UPDATEs are not") != NULL,
           "a text updated_at is no time; identity key for insert-only");
    const struct weir_catalog_column plain_key[] = {
        COL("id", "integer", WEIR_COLUMN_INTEGER, 1, 1, 0),
    };
    choose(plain_key, 1, &ch);
    TAP_OK(ch.full && strstr(ch.why, "(id is an integer key without a sequence)") != NULL,
           "an integer key without a sequence is not ever-increasing: %s", ch.why);
    const struct weir_catalog_column two_times[] = {
        COL("modified", "timestamp", WEIR_COLUMN_TIMESTAMP, 1, 0, 0),
        COL("updated_at", "timestamp", WEIR_COLUMN_TIMESTAMP, 1, 0, 0),
    };
    choose(two_times, 2, &ch);
    TAP_OK(!ch.full && ch.n_wm == 1 && strcmp(ch.wm[0], "updated_at") == 0 &&
               strstr(ch.why, "no primary key") != NULL,
           "the better-ranked name wins; no key: said so");
    TAP_OK(weir_discover_change_rank("UPDATED_AT") > 0 && weir_discover_change_rank("mtime") > 0 &&
               weir_discover_change_rank("created_at") == 0 &&
               weir_discover_change_rank("update") == 0,
           "change-time names");
}

/* The primary key in key order (pk_position), not in column order; capped. */
static void test_primary_key(void)
{
    const struct weir_catalog_column cols[] = {
        COL("qty", "integer", WEIR_COLUMN_INTEGER, 0, 0, 0),
        COL("line", "integer", WEIR_COLUMN_INTEGER, 1, 2, 0),
        COL("order_no", "text", WEIR_COLUMN_OTHER, 1, 1, 0),
        COL("region", "text", WEIR_COLUMN_OTHER, 1, 3, 0),
    };
    struct weir_catalog_table t = {sizeof(t), "s", "t", 0, 10, cols, 4};
    const char *pk[4];
    TAP_EQ_INT(weir_discover_primary_key(&t, pk, 4), 3, "three key columns");
    TAP_EQ_STR(pk[0], "order_no", "key order: first");
    TAP_EQ_STR(pk[1], "line", "key order: second");
    TAP_EQ_STR(pk[2], "region", "key order: third");
    TAP_EQ_INT(weir_discover_primary_key(&t, pk, 2), 2, "at most cap columns");
    t.n_columns = 1;
    TAP_EQ_INT(weir_discover_primary_key(&t, pk, 4), 0, "no key column: no primary key");
}

static void test_parse_time(void)
{
    static const struct {
        const char *text;
        int ok;
        int64_t us;
    } cases[] = {
        {"1970-01-01", 0, 0},
        {"2026-11-01 00:00:00+00", 0, 1793491200000000LL},
        {"2026-11-01T01:00:00+01:00", 0, 1793491200000000LL},
        {"2026-11-01 00:00:00.5Z", 0, 1793491200500000LL},
        {"2026-10-31 19:00:00-05", 0, 1793491200000000LL},
        {"2026-11-01 00:00:00.123456", 0, 1793491200123456LL},
        {"1969-12-31 23:59:59", 0, -1000000LL},
        {"12345", -1, 0},
        {"2026-13-01", -1, 0},
        {"2026-11-01 00:00", -1, 0},
        {"2026-11-01 00:00:00 junk", -1, 0},
        {"", -1, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t us = 0;
        int rc = weir_job_parse_time(cases[i].text, &us);
        TAP_OK(rc == cases[i].ok && (rc != 0 || us == cases[i].us), "parse time \"%s\"",
               cases[i].text);
        if (rc == 0 && us != cases[i].us) {
            printf("#   got %lld\n", (long long)us);
        }
    }
}

static void test_fleet(void)
{
    /* the documented order, most severe first */
    static const int order[] = {70, 71, 77, 78, 65, 66, 69, 74, 75, 64, 0};
    int sorted = 1;
    for (size_t i = 0; i + 1 < sizeof(order) / sizeof(order[0]); i++) {
        sorted = sorted && weir_fleet_severity(order[i]) > weir_fleet_severity(order[i + 1]);
    }
    TAP_OK(sorted, "exit codes ranked 70 > 71 > 77 > 78 > 65 > 66 > 69 > 74 > 75 > 64 > 0");
    TAP_OK(weir_fleet_severity(3) > 0, "an unknown code still fails");
    static const struct {
        const char *text;
        int want;
    } cases[] = {
        {"1", 1},     {"8", 8},   {"1024", 1024}, {"0", -1},  {"-1", -1},
        {"1025", -1}, {"8x", -1}, {"", -1},       {" 8", -1}, {"99999999999999999999", -1}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        TAP_EQ_INT(weir_fleet_parse_parallel(cases[i].text), cases[i].want, cases[i].text);
    }
}

int main(void)
{
    test_glob();
    test_names();
    test_choose();
    test_primary_key();
    test_parse_time();
    test_fleet();
    return tap_done();
}
