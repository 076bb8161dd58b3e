/*
 * numeric -> decimal128, table-driven on the numeric_send bytes PostgreSQL
 * produced for tests/fixtures/pg/numeric.sql (one value per row), plus
 * hand-made malformed inputs; and the type map (typmod decoding, overrides,
 * the text fallback).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/postgres/pgcopy.h"
#include "drivers/postgres/pgnumeric.h"
#include "drivers/postgres/pgtypes.h"
#include "tap.h"
#include "test_env.h"

#define MAXROWS 32

static uint8_t fixture[4096];
static size_t field_off[MAXROWS + 1], field_len[MAXROWS + 1];
static int n_rows;

static int load_numeric(void)
{
    char path[1024];
    const char *src = getenv("WEIR_SRCDIR");
    snprintf(path, sizeof(path), "%s/tests/fixtures/pg/numeric.bin", src ? src : ".");
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -1;
    }
    size_t len = fread(fixture, 1, sizeof(fixture), f);
    fclose(f);
    /* header (no extension), then tuples of one field: int16 1, int32 len, bytes */
    size_t off = 19;
    while (off + 2 <= len && n_rows < MAXROWS) {
        int16_t nf = (int16_t)(fixture[off] << 8 | fixture[off + 1]);
        if (nf != 1) {
            break;
        }
        uint32_t fl = (uint32_t)fixture[off + 2] << 24 | (uint32_t)fixture[off + 3] << 16 |
                      (uint32_t)fixture[off + 4] << 8 | fixture[off + 5];
        n_rows++;
        field_off[n_rows] = off + 6;
        field_len[n_rows] = fl;
        off += 6 + fl;
    }
    return n_rows;
}

struct case_ {
    int row;          /* row of numeric.sql */
    int p, s;         /* target decimal(p,s) */
    int result;       /* enum weir_pgnum_result */
    const char *want; /* the unscaled integer when OK */
};

static const struct case_ cases[] = {
    {1, 38, 10, WEIR_PGNUM_OK, "0"},
    {2, 38, 10, WEIR_PGNUM_OK, "10000000000"},
    {3, 38, 10, WEIR_PGNUM_OK, "-10000000000"},
    {4, 38, 10, WEIR_PGNUM_OK, "1"},
    {4, 38, 9, WEIR_PGNUM_FRACTION, NULL},
    {5, 38, 10, WEIR_PGNUM_OK, "123456789012345678901234567890"},
    {5, 30, 10, WEIR_PGNUM_OK, "123456789012345678901234567890"},
    {5, 29, 10, WEIR_PGNUM_RANGE, NULL},
    {5, 38, 9, WEIR_PGNUM_OK, "12345678901234567890123456789"}, /* its 10th digit is 0 */
    {5, 38, 8, WEIR_PGNUM_FRACTION, NULL},
    {6, 38, 10, WEIR_PGNUM_OK, "99999999999999999999999999999999999999"},
    {7, 38, 10, WEIR_PGNUM_OK, "-99999999999999999999999999999999999999"},
    {8, 38, 10, WEIR_PGNUM_RANGE, NULL},
    {8, 38, 9, WEIR_PGNUM_OK, "10000000000000000000000000000000000000"},
    {9, 38, 10, WEIR_PGNUM_FRACTION, NULL},
    {9, 38, 11, WEIR_PGNUM_OK, "1"},
    {10, 38, 10, WEIR_PGNUM_OK, "11000000000"}, /* trailing zeros beyond the scale are fine */
    {10, 2, 1, WEIR_PGNUM_OK, "11"},
    {10, 1, 0, WEIR_PGNUM_FRACTION, NULL},
    {11, 38, 10, WEIR_PGNUM_NAN, NULL},
    {12, 38, 10, WEIR_PGNUM_INFINITY, NULL},
    {13, 38, 10, WEIR_PGNUM_INFINITY, NULL},
    {14, 38, 0, WEIR_PGNUM_RANGE, NULL},
    {15, 38, 10, WEIR_PGNUM_OK, "-5000000000"},
    {15, 1, 1, WEIR_PGNUM_OK, "-5"},
    {15, 38, 0, WEIR_PGNUM_FRACTION, NULL},
    {16, 38, 10, WEIR_PGNUM_OK, "100000000000000"},
    {16, 5, 0, WEIR_PGNUM_OK, "10000"},
    {16, 4, 0, WEIR_PGNUM_RANGE, NULL},
    {17, 38, 10, WEIR_PGNUM_OK, "1000000"},
    {17, 4, 4, WEIR_PGNUM_OK, "1"},
    {17, 3, 3, WEIR_PGNUM_FRACTION, NULL},
    {18, 38, 0, WEIR_PGNUM_OK, "99999999999999999999999999999999999999"},
    {18, 38, 10, WEIR_PGNUM_RANGE, NULL},
    {18, 37, 0, WEIR_PGNUM_RANGE, NULL},
    {19, 38, 0, WEIR_PGNUM_RANGE, NULL}, /* 2^127-1 has 39 digits */
    {20, 38, 10, WEIR_PGNUM_FRACTION, NULL},
    {20, 38, 20, WEIR_PGNUM_OK, "5"},
    {20, 38, 19, WEIR_PGNUM_FRACTION, NULL},
    {20, 38, 38, WEIR_PGNUM_OK, "5000000000000000000"},
    {21, 38, 10, WEIR_PGNUM_OK, "1000000000000000000000000000000"},
    {21, 20, 0, WEIR_PGNUM_RANGE, NULL},
    {21, 21, 0, WEIR_PGNUM_OK, "100000000000000000000"},
    {22, 5, 2, WEIR_PGNUM_OK, "12345"},
    {22, 4, 2, WEIR_PGNUM_RANGE, NULL},
    {22, 5, 1, WEIR_PGNUM_FRACTION, NULL},
    {22, 38, 38, WEIR_PGNUM_RANGE, NULL},
    {22, 38, 36, WEIR_PGNUM_RANGE, NULL}, /* 39 digits */
    {22, 38, 35, WEIR_PGNUM_OK, "12345000000000000000000000000000000000"},
};

static void test_table(void)
{
    char got[64], name[128];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct case_ *c = &cases[i];
        uint8_t out[16];
        memset(out, 0xaa, sizeof(out));
        int r = weir_pgnumeric_to_decimal(fixture + field_off[c->row], field_len[c->row], c->p,
                                          c->s, out);
        snprintf(name, sizeof(name), "numeric row %d as decimal(%d,%d): %s", c->row, c->p, c->s,
                 c->want ? c->want : weir_pgnumeric_reason(c->result));
        if (c->result != WEIR_PGNUM_OK || r != WEIR_PGNUM_OK) {
            TAP_EQ_INT(r, c->result, name);
        } else {
            TAP_EQ_STR(dec128(out, got, sizeof(got)), c->want, name);
        }
    }
}

static void test_bytes(void)
{
    uint8_t out[16];
    int r = weir_pgnumeric_to_decimal(fixture + field_off[3], field_len[3], 1, 0, out);
    TAP_OK(r == WEIR_PGNUM_OK && memcmp(out,
                                        "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
                                        "\xff\xff\xff\xff",
                                        16) == 0,
           "-1 is all 0xff bytes (two's complement, little-endian)");
    r = weir_pgnumeric_to_decimal(fixture + field_off[16], field_len[16], 5, 0, out);
    TAP_OK(r == WEIR_PGNUM_OK && out[0] == 0x10 && out[1] == 0x27 && out[2] == 0,
           "10000 is 10 27 00 .. little-endian");
}

static void test_text(void)
{
    static const struct {
        int row;
        const char *want;
    } texts[] = {
        {1, "0"},
        {5, "12345678901234567890.1234567890"},
        {7, "-9999999999999999999999999999.9999999999"},
        {9, "0.00000000001"},
        {10, "1.10000000000000"},
        {11, "NaN"},
        {12, "Infinity"},
        {13, "-Infinity"},
        {15, "-0.5"},
        {16, "10000"},
        {20, "0.00000000000000000005"},
        {21, "100000000000000000000"},
    };
    char buf[128];
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        weir_pgnumeric_text(fixture + field_off[texts[i].row], field_len[texts[i].row], buf,
                            sizeof(buf));
        char name[96];
        snprintf(name, sizeof(name), "numeric row %d prints as %s", texts[i].row, texts[i].want);
        TAP_EQ_STR(buf, texts[i].want, name);
    }
    char small[12];
    weir_pgnumeric_text(fixture + field_off[14], field_len[14], small, sizeof(small));
    TAP_EQ_STR(small, "12345678...", "long numeric text is cut with ...");
}

static void test_malformed(void)
{
    uint8_t out[16];
    /* ndigits 1, weight 0, sign +, dscale 0, digit 10000 (not a base-10000 digit) */
    static const uint8_t bad_digit[] = {0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10};
    static const uint8_t short_hdr[] = {0, 0, 0, 0, 0, 0, 0};
    static const uint8_t len_mismatch[] = {0, 2, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t bad_sign[] = {0, 1, 0, 0, 0x12, 0x34, 0, 0, 0, 1};
    static const uint8_t neg_ndigits[] = {0xff, 0xff, 0, 0, 0, 0, 0, 0};
    static const uint8_t huge_weight[] = {0, 1, 0x7f, 0xff, 0, 0, 0, 0, 0, 1};
    static const uint8_t tiny_weight[] = {0, 1, 0x80, 0x00, 0, 0, 0, 0, 0, 1};
    TAP_EQ_INT(weir_pgnumeric_to_decimal(bad_digit, sizeof(bad_digit), 38, 0, out),
               WEIR_PGNUM_MALFORMED, "digit 10000: malformed");
    TAP_EQ_INT(weir_pgnumeric_to_decimal(short_hdr, sizeof(short_hdr), 38, 0, out),
               WEIR_PGNUM_MALFORMED, "7-byte numeric: malformed");
    TAP_EQ_INT(weir_pgnumeric_to_decimal(len_mismatch, sizeof(len_mismatch), 38, 0, out),
               WEIR_PGNUM_MALFORMED, "ndigits 2 with one digit: malformed");
    TAP_EQ_INT(weir_pgnumeric_to_decimal(bad_sign, sizeof(bad_sign), 38, 0, out),
               WEIR_PGNUM_MALFORMED, "sign 0x1234: malformed");
    TAP_EQ_INT(weir_pgnumeric_to_decimal(neg_ndigits, sizeof(neg_ndigits), 38, 0, out),
               WEIR_PGNUM_MALFORMED, "negative ndigits: malformed");
    TAP_EQ_INT(weir_pgnumeric_to_decimal(huge_weight, sizeof(huge_weight), 38, 0, out),
               WEIR_PGNUM_RANGE, "weight 32767: out of range, no overflow");
    TAP_EQ_INT(weir_pgnumeric_to_decimal(tiny_weight, sizeof(tiny_weight), 38, 38, out),
               WEIR_PGNUM_FRACTION, "weight -32768: fractional digits, no overflow");
    char buf[64];
    weir_pgnumeric_text(bad_digit, sizeof(bad_digit), buf, sizeof(buf));
    TAP_EQ_STR(buf, "(malformed numeric)", "malformed numeric prints as such");
}

static void test_types(void)
{
    struct weir_error err;
    struct weir_pgmap m;
    int p = 0, s = 0, kind = 0;
    TAP_OK(weir_pgtypes_numeric_typmod((12 << 16 | 2) + 4, &p, &s) && p == 12 && s == 2,
           "typmod numeric(12,2)");
    TAP_OK(weir_pgtypes_numeric_typmod((5 << 16 | (-2 & 0x7ff)) + 4, &p, &s) && p == 5 && s == -2,
           "typmod numeric(5,-2) (negative scale, PostgreSQL 15)");
    TAP_OK(!weir_pgtypes_numeric_typmod(-1, &p, &s), "typmod -1 is unconstrained");

    static const struct {
        const char *send;
        int32_t typmod;
        const char *override;
        const char *format;
        int cast;
        const char *ext;
    } maps[] = {
        {"numeric_send", (12 << 16 | 2) + 4, NULL, "d:12,2", WEIR_PGCAST_NONE, NULL},
        {"numeric_send", -1, NULL, "d:38,10", WEIR_PGCAST_NONE, NULL},
        {"numeric_send", -1, "decimal(18,4)", "d:18,4", WEIR_PGCAST_NONE, NULL},
        {"numeric_send", -1, "string", "u", WEIR_PGCAST_TEXT, NULL},
        {"numeric_send", (5 << 16 | (-2 & 0x7ff)) + 4, NULL, "d:7,0", WEIR_PGCAST_NONE, NULL},
        {"numeric_send", (3 << 16 | 5) + 4, NULL, "d:5,5", WEIR_PGCAST_NONE, NULL},
        {"numeric_send", (50 << 16 | 2) + 4, NULL, "u", WEIR_PGCAST_TEXT, NULL},
        {"int8send", -1, "decimal(20)", "d:20,0", WEIR_PGCAST_NUMERIC, NULL},
        {"int4send", -1, "string", "u", WEIR_PGCAST_TEXT, NULL},
        {"textsend", -1, "string", "u", WEIR_PGCAST_NONE, NULL},
        {"uuid_send", -1, NULL, "w:16", WEIR_PGCAST_NONE, "arrow.uuid"},
        {"jsonb_send", -1, NULL, "u", WEIR_PGCAST_NONE, "arrow.json"},
        {"json_send", -1, NULL, "u", WEIR_PGCAST_NONE, "arrow.json"},
        {"interval_send", -1, NULL, "u", WEIR_PGCAST_TEXT, NULL},
        {"array_send", -1, NULL, "u", WEIR_PGCAST_TEXT, NULL},
        {"enum_send", -1, NULL, "u", WEIR_PGCAST_TEXT, NULL},
        {"timetz_send", -1, NULL, "u", WEIR_PGCAST_TEXT, NULL},
        {"", -1, NULL, "u", WEIR_PGCAST_TEXT, NULL},
        {"timestamptz_send", -1, NULL, "tsu:UTC", WEIR_PGCAST_NONE, NULL},
        {"timestamp_send", -1, NULL, "tsu:", WEIR_PGCAST_NONE, NULL},
        {"oidsend", -1, NULL, "l", WEIR_PGCAST_NONE, NULL},
    };
    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
        char name[128];
        int rc = weir_pgtypes_map("c", maps[i].send, maps[i].typmod, maps[i].override, &m, &err);
        snprintf(name, sizeof(name), "map %s typmod %d override %s -> %s cast %d", maps[i].send,
                 maps[i].typmod, maps[i].override ? maps[i].override : "-", maps[i].format,
                 maps[i].cast);
        TAP_OK(rc == WEIR_OK && strcmp(m.format, maps[i].format) == 0 && m.cast == maps[i].cast &&
                   ((m.extension == NULL && maps[i].ext == NULL) ||
                    (m.extension && maps[i].ext && strcmp(m.extension, maps[i].ext) == 0)),
               "%s", name);
    }
    static const char *const bad[] = {"decimal(39,2)",   "decimal(5,6)",  "decimal",   "float",
                                      "decimal(10,2) x", "decimal(-1,0)", "decimal(0)"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = weir_pgtypes_parse_override("amount", bad[i], &kind, &p, &s, &err);
        TAP_OK(rc == WEIR_ECONFIG && strstr(err.message, "\"amount\"") != NULL,
               "override \"%s\" refused naming the column", bad[i]);
    }
    TAP_OK(weir_pgtypes_parse_override("a", " Decimal( 18 , 2 ) ", &kind, &p, &s, &err) ==
                   WEIR_OK &&
               kind == WEIR_PGOVR_DECIMAL && p == 18 && s == 2,
           "override with spaces and capitals");
    TAP_OK(weir_pgtypes_is_time("date_send") && weir_pgtypes_is_time("timestamptz_send") &&
               !weir_pgtypes_is_time("int8send") && !weir_pgtypes_is_timestamp("date_send"),
           "time column predicates");
}

/* numeric_unconstrained: which columns it applies to, and what they become. */
static void test_policy(void)
{
    static const struct {
        const char *send;
        int32_t typmod;
        const char *policy, *job_override, *format; /* format NULL: WEIR_ECONFIG */
    } rows[] = {
        {"numeric_send", -1, "", NULL, "d:38,10"},
        {"numeric_send", -1, "decimal(38,4)", NULL, "d:38,4"},
        {"numeric_send", -1, "decimal(20,0)", NULL, "d:20,0"},
        {"numeric_send", -1, "string", NULL, "u"},
        {"numeric_send", -1, "fail", NULL, NULL},
        {"numeric_send", -1, "fail", "decimal(12,2)", "d:12,2"}, /* the job's types: wins */
        {"numeric_send", (12 << 16 | 2) + 4, "fail", NULL, "d:12,2"}, /* constrained */
        {"numeric_send", (12 << 16 | 2) + 4, "string", NULL, "d:12,2"},
        {"int8send", -1, "fail", NULL, "l"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct weir_error err = {0};
        struct weir_pgmap m;
        const char *ovr = rows[i].job_override;
        int rc = weir_pgtypes_policy_override("amount", rows[i].send, rows[i].typmod,
                                              rows[i].policy, &ovr, &err);
        if (rc == WEIR_OK) {
            rc = weir_pgtypes_map("amount", rows[i].send, rows[i].typmod, ovr, &m, &err);
        }
        char name[160];
        snprintf(name, sizeof(name), "%s typmod %d, policy \"%s\", types: %s -> %s", rows[i].send,
                 (int)rows[i].typmod, rows[i].policy,
                 rows[i].job_override ? rows[i].job_override : "-",
                 rows[i].format ? rows[i].format : "config error");
        if (rows[i].format == NULL) {
            TAP_OK(rc == WEIR_ECONFIG && strstr(err.message, "\"amount\"") != NULL &&
                       strstr(err.hint, "types:") != NULL,
                   "%s: %s", name, err.message);
        } else {
            TAP_OK(rc == WEIR_OK && strcmp(m.format, rows[i].format) == 0, "%s", name);
        }
    }
    static const char *good[] = {"fail", "string", "decimal(38,10)", "decimal(1,0)"};
    static const char *bad[] = {"decimal(39,2)", "decimal(5,6)", "float", "", "FAIL", "text"};
    struct weir_error err = {0};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        TAP_EQ_INT(weir_pgtypes_check_policy(good[i], &err), WEIR_OK, good[i]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = weir_pgtypes_check_policy(bad[i], &err);
        TAP_OK(rc == WEIR_ECONFIG && strstr(err.hint, "string or fail") != NULL,
               "numeric_unconstrained \"%s\" refused naming the allowed values", bad[i]);
    }
}

int main(void)
{
    test_policy();
    int n = load_numeric();
    TAP_EQ_INT(n, 22, "numeric.bin holds 22 values");
    if (n == 22) {
        test_table();
        test_bytes();
        test_text();
    }
    test_malformed();
    test_types();
    return tap_done();
}
