/*
 * Helpers of the live ODBC driver test (test_odbc_live.c): the plugin loaded
 * with dlopen, a direct ODBC connection for setting up tables, and a scan
 * into a row/column matrix of canonical value texts.
 */
#ifndef WEIR_TESTS_ODBC_LIVE_H
#define WEIR_TESTS_ODBC_LIVE_H

#include <sql.h>
#include <sqlext.h>
#include <stdint.h>

#include "weir/weir.h"

/* One database under test. */
struct live_db {
    const char *name;     /* "postgres", "mariadb", "sqlite" */
    char connection[512]; /* the plugin's `connection` option, no credentials */
    const char *user;
    const char *password;
    SQLHENV env;          /* the direct (admin) connection */
    SQLHDBC dbc;
    int up;
};

/* A scanned result: cells[row * ncols + col] is the canonical text or NULL. */
struct live_result {
    int64_t ncols;
    int64_t nrows;
    char **names;
    char **formats;
    char **types; /* weir:source_type */
    char **cells;
    size_t *lens; /* bytes of each cell */
    int64_t batches;
};

extern const struct weir_source_ops *live_ops;
extern volatile int live_cancel;
extern const struct weir_host live_host;

/* Opens the direct connection; 0 when the database is reachable. */
int live_db_open(struct live_db *db);
void live_db_close(struct live_db *db);
/* Runs statements; fails the TAP check `what` when one fails. */
int live_exec(struct live_db *db, const char *sql);

/* Connects the plugin to db with extra options (key/value pairs, NULL-ended). */
int live_connect(struct live_db *db, const char *const *extra, void **conn,
                 struct weir_error *err);

/* Scans q fully into r (free with live_result_free). */
int live_scan(void *conn, const struct weir_query *q, struct live_result *r,
              struct weir_error *err);
void live_result_free(struct live_result *r);
/* Column index by name, or -1. */
int64_t live_col(const struct live_result *r, const char *name);
/* Row index whose column `key` has text `value`, or -1. */
int64_t live_row(const struct live_result *r, const char *key, const char *value);
const char *live_cell(const struct live_result *r, int64_t row, const char *col);

/*
 * TAP through the one counter of test_odbc_live.c (tap.h's counters are
 * per file): the case files use these instead of including tap.h.
 */
void live_ok_at(int ok, const char *file, int line, const char *expr, const char *fmt, ...)
    WEIR_PRINTF(5, 6);
void live_skip(const char *reason, const char *fmt, ...) WEIR_PRINTF(2, 3);
#ifndef WEIR_TESTS_TAP_H
#include <string.h>
#define TAP_OK(cond, ...) live_ok_at((cond) ? 1 : 0, __FILE__, __LINE__, #cond, __VA_ARGS__)
#define TAP_EQ_INT(got, want, name)                                                                \
    do {                                                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                                   \
        TAP_OK(g_ == w_, "%s (got %lld, want %lld)", name, g_, w_);                                \
    } while (0)
#define TAP_EQ_STR(got, want, name)                                                                \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        int e_ = g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0;                                  \
        TAP_OK(e_, "%s", name);                                                                    \
        if (!e_) {                                                                                 \
            printf("#   got  \"%.200s\"\n#   want \"%.200s\"\n", g_ ? g_ : "(null)", w_);         \
        }                                                                                          \
    } while (0)
#define TAP_SKIP(reason, ...) live_skip(reason, __VA_ARGS__)
#endif

#endif
