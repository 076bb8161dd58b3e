/*
 * PostgreSQL result column -> Arrow type, decided from the type's binary send
 * function (pg_type.typsend), its typmod and the job's per-column override.
 *
 * Keying on typsend rather than the type OID covers domains and extension
 * types whose binary form is a built-in's (citext sends like text). Every type
 * without a row in the table is selected as "col"::text and becomes utf8.
 * Pure functions; no libpq.
 */
#ifndef WEIR_PG_TYPES_H
#define WEIR_PG_TYPES_H

#include <stdint.h>

#include "weir/weir.h"

/* Unconstrained numeric without an override becomes decimal(38,10). */
#define WEIR_PG_NUMERIC_DEFAULT_P 38
#define WEIR_PG_NUMERIC_DEFAULT_S 10

enum weir_pgcast {
    WEIR_PGCAST_NONE = 0,
    WEIR_PGCAST_TEXT = 1,    /* selected as "col"::text */
    WEIR_PGCAST_NUMERIC = 2, /* selected as "col"::numeric (a decimal override) */
};

struct weir_pgmap {
    int dec;         /* enum weir_pgdec */
    char format[16]; /* Arrow format string ("+l" for an array) */
    /* WEIR_PGDEC_ARRAY: the elements' decoder, Arrow format and extension */
    int elem_dec;
    char elem_format[16];
    const char *elem_extension;
    int precision;   /* numeric targets */
    int scale;
    int cast;              /* enum weir_pgcast */
    const char *extension; /* ARROW:extension:name, or NULL; static */
};

enum weir_pgoverride { WEIR_PGOVR_NONE = 0, WEIR_PGOVR_STRING = 1, WEIR_PGOVR_DECIMAL = 2 };

/* Parses a types: value: "string" (or "text"), "decimal(P,S)" / "decimal(P)"
 * (or numeric(...)), 1 <= P <= 38, 0 <= S <= P. WEIR_ECONFIG names the column. */
int weir_pgtypes_parse_override(const char *column, const char *value, int *kind, int *precision,
                                int *scale, struct weir_error *err);

/* numeric's typmod: 1 and P,S when constrained, 0 when unconstrained (-1). */
int weir_pgtypes_numeric_typmod(int32_t typmod, int *precision, int *scale);

/*
 * Decides the mapping of one column. typsend is pg_type.typsend as text
 * ("int4send"); override is the job's types: value for the column or NULL.
 */
/*
 * Checks a numeric_unconstrained value: fail, string, or decimal(P,S) with
 * 1 <= P <= 38, 0 <= S <= P. WEIR_ECONFIG naming the allowed values.
 */
int weir_pgtypes_check_policy(const char *policy, struct weir_error *err);

/*
 * The override a column gets from the numeric_unconstrained policy (NULL or
 * "" for the default): the policy itself for an unconstrained numeric
 * (typsend numeric_send, typmod < 4) without a job override, else
 * `override`. "fail" is WEIR_ECONFIG naming the column.
 */
int weir_pgtypes_policy_override(const char *column, const char *typsend, int32_t typmod,
                                 const char *policy, const char **override,
                                 struct weir_error *err);

int weir_pgtypes_map(const char *column, const char *typsend, int32_t typmod, const char *override,
                     struct weir_pgmap *out, struct weir_error *err);

/*
 * The mapping of an array column (typsend array_send) whose element type
 * sends with elem_send; typmod is the column's, which PostgreSQL keeps for
 * the element (numeric(12,2)[]). An element type that weir_pgtypes_map
 * decodes from its binary form gives a list ("+l", WEIR_PGDEC_ARRAY) of it;
 * any other element type (one cast to text, numeric beyond 38 digits), an
 * unknown element (elem_send NULL or "") or the override string gives the
 * whole array as text, as before. A decimal override applies to the elements
 * of a numeric array; on other arrays it is WEIR_ECONFIG naming the column.
 */
int weir_pgtypes_map_array(const char *column, const char *elem_send, int32_t typmod,
                           const char *override, struct weir_pgmap *out, struct weir_error *err);

/* True for the send functions of date, timestamp and timestamptz (time
 * watermark columns that take a lag). */
int weir_pgtypes_is_time(const char *typsend);
/* True for timestamp and timestamptz (the writing-transaction guard). */
int weir_pgtypes_is_timestamp(const char *typsend);

#endif
