/*
 * SQL text of the ODBC source driver: SELECT, COUNT(*) and the high
 * watermark query for a struct weir_query, written portably (no row-value
 * comparison, `?` markers for every bound value). No driver manager is
 * involved, so it is unit tested on its own (tests/unit/test_odbc_sql.c).
 */
#ifndef WEIR_DRIVERS_ODBC_SQL_H
#define WEIR_DRIVERS_ODBC_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "weir/weir.h"

enum weir_odbc_limit {
    WEIR_ODBC_LIMIT_NONE = 0,  /* fetch the first row only */
    WEIR_ODBC_LIMIT_LIMIT = 1, /* ... LIMIT 1 */
    WEIR_ODBC_LIMIT_TOP = 2,   /* SELECT TOP 1 ... */
};

struct weir_odbc_dialect {
    char quote[8]; /* identifier quote (SQL_IDENTIFIER_QUOTE_CHAR); "" when none */
    int limit;     /* enum weir_odbc_limit */
};

enum weir_odbc_stmt {
    WEIR_ODBC_STMT_SELECT = 1, /* the scan */
    WEIR_ODBC_STMT_COUNT = 2,  /* COUNT(*) over the same FROM / WHERE */
    WEIR_ODBC_STMT_HWM = 3,    /* the largest watermark tuple (lag applied) */
};

/* How a parameter is bound (weir_odbc_prepare). */
enum weir_odbc_ptype {
    WEIR_ODBC_P_TEXT = 0,  /* NUL-terminated text: SQL_C_CHAR as SQL_VARCHAR */
    WEIR_ODBC_P_WTEXT = 1, /* UTF-16 units, two zero bytes after: SQL_C_WCHAR as SQL_WVARCHAR */
    WEIR_ODBC_P_INT = 2,   /* an int64_t: SQL_C_SBIGINT as SQL_BIGINT */
    WEIR_ODBC_P_UINT = 3,  /* a uint64_t: SQL_C_UBIGINT as SQL_BIGINT */
};

/* A statement and its parameters, all owned; release with weir_odbc_sql_reset. */
struct weir_odbc_sql {
    char *text;
    size_t len;
    size_t cap;
    char **params; /* n_params values in `?` order; TEXT ones NUL-terminated texts */
    size_t n_params;
    size_t cap_params;
    size_t *plens;         /* bytes of each value (the terminator not counted) */
    unsigned char *ptypes; /* enum weir_odbc_ptype of each */
    int n_conds;           /* conditions in the WHERE clause (0: none) */
};

/*
 * One value of the key a chunked read continues after: `len` bytes at
 * `data` bound as `type`; `cast` (e.g. "DECIMAL(18,2)"), when not NULL, is
 * written around the marker as CAST(? AS cast): a decimal compared with a
 * text parameter is compared as a double on MariaDB.
 */
struct weir_odbc_keyval {
    int type; /* enum weir_odbc_ptype */
    const void *data;
    size_t len;
    const char *cast;
};

/*
 * One chunk of a keyset read (a driver that buffers whole results): `base`
 * (a WEIR_ODBC_STMT_SELECT from weir_odbc_sql_build), and when `after` is not NULL
 * `AND (k1 > ? OR (k1 = ? AND k2 > ?))` for the key `keys[0..n_keys)`,
 * then `ORDER BY k1, k2` and at most `limit` rows (LIMIT n, TOP n, or for
 * dialects with neither, nothing: the caller sets SQL_ATTR_MAX_ROWS).
 */
struct weir_odbc_chunk {
    const char *const *keys;
    size_t n_keys;
    const struct weir_odbc_keyval *after; /* n_keys values, or NULL: the first chunk */
    int64_t limit;
};

/* The statement of one chunk (see above) into *out (zeroed or reset; reset on failure). */
int weir_odbc_sql_build_chunk(const struct weir_odbc_dialect *d, const struct weir_odbc_sql *base,
                              const struct weir_odbc_chunk *ch, struct weir_odbc_sql *out,
                              struct weir_error *err);

/*
 * Builds statement `kind` for q. `now_us` (microseconds since the Unix epoch,
 * UTC) is used for the lag bound of WEIR_ODBC_STMT_HWM only. *out must be
 * zeroed or reset; on failure it is reset. Errors: WEIR_ECONFIG for a query
 * that cannot be written (no table nor sql, an identifier the driver cannot
 * quote, a partly present bound), WEIR_ENOMEM.
 */
int weir_odbc_sql_build(const struct weir_odbc_dialect *d, const struct weir_query *q, int kind,
                        int64_t now_us, struct weir_odbc_sql *out, struct weir_error *err);

/* Appends `ident` quoted with d->quote (embedded quotes doubled). */
int weir_odbc_sql_ident(struct weir_odbc_sql *s, const struct weir_odbc_dialect *d,
                        const char *ident, size_t len, struct weir_error *err);

/* The text followed by "\n-- parameters: 1='..', 2='..'", NUL-terminated in buf. */
int weir_odbc_sql_render(const struct weir_odbc_sql *s, char *buf, size_t cap,
                         struct weir_error *err);

void weir_odbc_sql_reset(struct weir_odbc_sql *s);

#endif
