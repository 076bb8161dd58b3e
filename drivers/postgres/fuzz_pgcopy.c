/*
 * Fuzz target of the binary COPY parser. Each input is parsed as a stream of
 * every column layout of tests/fixtures/pg (so the captured .bin files are
 * the seed corpus as they are) and an array layout, fed in chunks, with small batches finished
 * and released as they fill.
 *
 * libFuzzer build (from the repository root, config.h not needed):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc/include -Isrc -I. \
 *     drivers/postgres/fuzz_pgcopy.c drivers/postgres/pgcopy.c \
 *     drivers/postgres/pgnumeric.c drivers/postgres/pgtypes.c src/util/arrow.c \
 *     -o fuzz_pgcopy && ./fuzz_pgcopy -max_total_time=60 corpus tests/fixtures/pg
 * tests/unit/test_postgres_fuzz.c runs the same target on mutated fixtures.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/postgres/pgcopy.h"
#include "drivers/postgres/pgtypes.h"
#include "util/arrow.h"

int weir_pgcopy_fuzz_one(const uint8_t *data, size_t size, int layout);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* send: pg_type.typsend; "<elem send>[]" is an array of that element. */
struct fcol {
    const char *send;
    int32_t typmod;
};

/* types.sql, numeric.sql, ts_overflow.sql, empty.sql */
static const struct fcol types_layout[] = {
    {"int4send", -1},    {"boolsend", -1},       {"int2send", -1},
    {"int4send", -1},    {"int8send", -1},       {"oidsend", -1},
    {"float4send", -1},  {"float8send", -1},     {"numeric_send", (19 << 16 | 5) + 4},
    {"textsend", -1},    {"byteasend", -1},      {"date_send", -1},
    {"time_send", -1},   {"timestamp_send", -1}, {"timestamptz_send", -1},
    {"uuid_send", -1},   {"json_send", -1},      {"jsonb_send", -1},
    {"varcharsend", 14}, {"bpcharsend", 7},      {"textsend", -1},
    {"textsend", -1},
};
static const struct fcol numeric_layout[] = {{"numeric_send", -1}};
static const struct fcol ts_layout[] = {{"int4send", -1}, {"timestamp_send", -1}};
static const struct fcol empty_layout[] = {{"int4send", -1}, {"textsend", -1}};
/* arrays: one of each element decoder family (no captured fixture) */
static const struct fcol array_layout[] = {
    {"int4send", -1},           {"int4send[]", -1},
    {"textsend[]", -1},         {"numeric_send[]", (12 << 16 | 2) + 4},
    {"timestamptz_send[]", -1}, {"uuid_send[]", -1},
};

static const struct {
    const struct fcol *cols;
    size_t n;
} layouts[] = {
    {types_layout, sizeof(types_layout) / sizeof(types_layout[0])},
    {numeric_layout, 1},
    {ts_layout, 2},
    {empty_layout, 2},
    {array_layout, sizeof(array_layout) / sizeof(array_layout[0])},
};
#define N_LAYOUTS (int)(sizeof(layouts) / sizeof(layouts[0]))

/* Returns the parser's final status: WEIR_OK, WEIR_EDATA or WEIR_ENOMEM; any
 * other value (or a sanitizer report) is a bug. */
int weir_pgcopy_fuzz_one(const uint8_t *data, size_t size, int layout)
{
    struct weir_error err;
    struct weir_abatch b;
    struct weir_pgcol cols[32];
    struct weir_pgcopy p;
    size_t n = layouts[layout].n;
    int rc = weir_abatch_init(&b, (int64_t)n, &err);
    for (size_t i = 0; rc == WEIR_OK && i < n; i++) {
        struct weir_pgmap m;
        const struct fcol *fc = &layouts[layout].cols[i];
        char elem[32];
        size_t sl = strlen(fc->send);
        bool array = sl > 2 && strcmp(fc->send + sl - 2, "[]") == 0;
        snprintf(elem, sizeof(elem), "%.*s", (int)(array ? sl - 2 : sl), fc->send);
        rc = array ? weir_pgtypes_map_array("c", elem, fc->typmod, NULL, &m, &err)
                   : weir_pgtypes_map("c", fc->send, fc->typmod, NULL, &m, &err);
        if (rc == WEIR_OK) {
            cols[i] = (struct weir_pgcol){"c", m.dec, m.precision, m.scale, 0, m.elem_dec};
            rc = array ? weir_abatch_set_list(&b, (int64_t)i, "c", NULL, 0, m.elem_format, NULL, 0,
                                              &err)
                       : weir_abatch_set_column(&b, (int64_t)i, "c", m.format, NULL, 0, &err);
        }
    }
    if (rc != WEIR_OK) {
        weir_abatch_reset(&b);
        return WEIR_EINTERNAL;
    }
    weir_pgcopy_init(&p, cols, n, 3, 4096);
    size_t step = 1 + size % 97, off = 0;
    int guard = 0;
    while (rc == WEIR_OK && guard++ < 1000000) {
        size_t len = size - off < step ? size - off : step, used = 0;
        rc = weir_pgcopy_feed(&p, data + off, len, &b, &used, &err);
        off += used;
        if (rc == WEIR_OK && weir_pgcopy_full(&p, &b)) {
            struct ArrowArray a;
            rc = weir_abatch_finish(&b, &a, &err);
            if (rc == WEIR_OK) {
                a.release(&a);
            }
            continue;
        }
        if (off == size && (len == 0 || used == len) && !weir_pgcopy_full(&p, &b)) {
            if (p.carry_len == 0 || len == 0) {
                break;
            }
            step = 0; /* drain what the parser holds */
        }
    }
    if (rc == WEIR_OK) {
        rc = weir_pgcopy_finish(&p, &err);
    }
    if (rc == WEIR_OK && b.length > 0) {
        struct ArrowArray a;
        rc = weir_abatch_finish(&b, &a, &err);
        if (rc == WEIR_OK) {
            a.release(&a);
        }
    }
    weir_pgcopy_reset(&p);
    weir_abatch_reset(&b);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int l = 0; l < N_LAYOUTS; l++) {
        int rc = weir_pgcopy_fuzz_one(data, size, l);
        if (rc != WEIR_OK && rc != WEIR_EDATA && rc != WEIR_ENOMEM) {
            abort();
        }
    }
    return 0;
}
