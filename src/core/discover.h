/*
 * `weir discover`'s decisions, free of I/O so they are unit-tested: which
 * tables a pattern selects, the job name of a table, and the watermark (or
 * full mode) of a table from its catalog entry.
 */
#ifndef WEIR_CORE_DISCOVER_H
#define WEIR_CORE_DISCOVER_H

#include <stddef.h>

#include "weir/weir.h"

#define WEIR_DISCOVER_MAX_WM 8
#define WEIR_DISCOVER_NAME_MAX 100

/* 1 when `text` matches the glob `pattern` (`*` any run, `?` one byte;
 * everything else literal, case-sensitive). */
int weir_discover_glob(const char *pattern, const char *text);

/* 1 when "schema.table" (or "table" when schema is "") matches `pattern`. A
 * pattern without a dot matches the table name in any schema. */
int weir_discover_match(const char *pattern, const char *schema, const char *table);

/* The job name of a table: "<schema>_<table>" lowercased, every byte outside
 * [a-z0-9] made '_', runs of '_' folded, leading and trailing '_' dropped, a
 * leading digit prefixed with "t_", at most WEIR_DISCOVER_NAME_MAX bytes;
 * NUL-terminated into out[cap]. */
void weir_discover_job_name(const char *schema, const char *table, char *out, size_t cap);

/* The primary key's column names in key order (pk_position 1, 2, ...), at
 * most cap of them, borrowed from t; returns how many (0: no primary key). */
size_t weir_discover_primary_key(const struct weir_catalog_table *t, const char **pk, size_t cap);

/* Which watermark a table gets. Column names point into the table (borrowed). */
struct weir_discover_choice {
    int full;                             /* 1: mode full, nothing is safe */
    const char *wm[WEIR_DISCOVER_MAX_WM]; /* watermark columns, first the cursor */
    size_t n_wm;
    int lag_day;   /* 1: a date cursor: lag 1d (whole days only) */
    char why[400]; /* one line for the spec's comment */
};

/* Chooses: a NOT NULL timestamp/date column named as a change time
 * (updated_at, modified, last_update, ...), tupled with the primary key for
 * ties; else an identity/serial single-column integer primary key
 * (insert-only tables); else full. */
void weir_discover_choose(const struct weir_catalog_table *t, struct weir_discover_choice *out);

/* The rank of a column name as a change time: 0 when it is not one, lower
 * is better. Case and '_' are ignored (UpdatedAt = updated_at). */
int weir_discover_change_rank(const char *name);

#endif
