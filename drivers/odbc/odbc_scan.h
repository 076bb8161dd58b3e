/*
 * The scan state shared by odbc_scan.c (statement, fetch modes) and
 * odbc_values.c (conversion of fetched values into Arrow builders).
 */
#ifndef WEIR_DRIVERS_ODBC_SCAN_H
#define WEIR_DRIVERS_ODBC_SCAN_H

#include "drivers/odbc/odbc.h"
#include "util/arrow.h"

enum kind { K_BOOL = 1, K_FIXED, K_U64, K_DEC, K_TEXT, K_BIN, K_DATE, K_TIME, K_TS, K_GUID };

/* Text and binary columns up to this many declared characters are bound. */
#define BIND_MAX_CHARS 4000
/* Bytes of one bound text/binary value at most; longer values are re-read. */
#define BIND_MAX_BYTES 8192
/* Bytes bound of a long column's values (the rest is read on demand). */
#define LONG_PREFIX_BYTES 1024
/* A single value read through SQLGetData is at most this long. */
#define VALUE_MAX_BYTES (1u << 30)
#define GETDATA_CHUNK 65536

struct scol {
    char name[256];
    char source_type[128];
    char format[32];
    SQLSMALLINT sqltype;
    SQLULEN size;
    SQLSMALLINT digits;
    int kind;
    SQLSMALLINT ctype;
    size_t elem;  /* bytes per row in the fetch buffer */
    int bound;    /* read from the bound array */
    int prec, scale;
    int warned;   /* a zero date was turned into NULL (warned once) */
    int textual;  /* fetched as SQL_C_CHAR and parsed strictly (SQLite) */
    int long_col; /* declared long or unknown: only a prefix is bound */
    int not_null; /* SQLDescribeCol says SQL_NO_NULLS */
    int key;      /* 1 + its position in a chunked read's key; 0: not in it */
    uint8_t *buf; /* rows * elem */
    SQLLEN *ind;  /* rows */
};

/* Bytes a buffered value costs the client beyond its own (chunk sizes). */
#define CHUNK_VALUE_OVERHEAD 8
/* At most this many key columns order a chunked read. */
#define CHUNK_KEY_MAX 16

/* The key a chunked read orders by, and the last row's values of it. */
struct chunk_key {
    size_t col;       /* the result column */
    uint8_t *last;    /* the value of the last row read, as fetched */
    size_t len, cap;
    struct weir_odbc_keyval kv; /* last as a parameter */
    char text[64];    /* kv's data when it is converted (dates, numbers) */
    int64_t i64;
    char cast[48];
};

struct chunk_state {
    struct weir_odbc_sql base;     /* the window's SELECT the chunks extend */
    char names[CHUNK_KEY_MAX * 256];
    const char *keys[CHUNK_KEY_MAX];
    struct chunk_key key[CHUNK_KEY_MAX];
    size_t n_keys;
    int64_t limit;   /* rows of the running chunk at most */
    int64_t max;     /* rows of a chunk at most (the batch budget) */
    int64_t got;     /* rows the running chunk returned so far */
    uint64_t bytes;  /* value bytes those rows held */
    int64_t chunks;  /* chunks executed */
};

struct weir_odbc_scan {
    struct weir_odbc_conn *c;
    struct weir_odbc_sql sql;
    SQLHSTMT st;
    size_t ncols;
    struct scol *cols;
    struct weir_abatch batch;
    SQLULEN rows;    /* rowset size */
    SQLULEN budget_rows; /* rows the batch budget allows (before row mode) */
    SQLULEN fetched; /* rows in the current rowset */
    SQLULEN pos;     /* next row of the rowset to convert */
    SQLUSMALLINT *status;
    int mode_row;    /* one row per fetch, all through SQLGetData */
    int setpos_ok;   /* SQLSetPos + SQLGetData work inside a rowset */
    SQLULEN overflows; /* values of the current rowset re-read whole */
    int positioned;  /* SQLSetPos done for the row being converted */
    int done;
    int64_t row_no;  /* rows converted so far */
    uint8_t *var;    /* SQLGetData scratch */
    size_t var_cap;
    char *utf8;      /* UTF-16 conversion scratch */
    size_t utf8_cap;
    struct chunk_state *chunk; /* NULL: one statement */
};

/* Grows *p (realloc) to hold need bytes; WEIR_ENOMEM with err filled. */
int weir_odbc_grow(void **p, size_t *cap, size_t need, struct weir_error *err);
/* Prefixes err->message with the row and column being converted; returns err->status. */
int weir_odbc_row_error(struct weir_odbc_scan *s, const struct scol *k, struct weir_error *err);
/* Appends one non-NULL value of column k: len bytes at p, as fetched in k->ctype. */
int weir_odbc_append_value(struct weir_odbc_scan *s, struct scol *k, const uint8_t *p, size_t len,
                           struct weir_error *err);

/* (Re)binds the fetch buffers and the rowset attributes on s->st (odbc_scan.c). */
int weir_odbc_bind_fetch(struct weir_odbc_scan *s, struct weir_error *err);

/*
 * Chunked reads (odbc_chunk.c; README "Chunked reads"). weir_odbc_chunk_open
 * decides, for a prepared but not executed scan of q, whether it reads in
 * chunks (the `chunked` option, the driver, q's table and key); it then
 * prepares the first chunk on s->st. Either way the statement is left to
 * execute. weir_odbc_chunk_keep saves row values of key columns as they are
 * converted; weir_odbc_chunk_next, at the end of a chunk's rows, executes the
 * next chunk (*more = 1) or says the read is done (*more = 0).
 */
int weir_odbc_chunk_open(struct weir_odbc_scan *s, const struct weir_query *q,
                         struct weir_error *err);
int weir_odbc_chunk_keep(struct weir_odbc_scan *s, size_t col, const uint8_t *p, size_t len,
                         struct weir_error *err);
int weir_odbc_chunk_next(struct weir_odbc_scan *s, int *more, struct weir_error *err);
void weir_odbc_chunk_free(struct weir_odbc_scan *s);

#endif
