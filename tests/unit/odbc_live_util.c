/* Helpers of the live ODBC driver test; see odbc_live.h. */
#include "odbc_live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/odbc/odbc_conv.h"
#include "util/arrow.h"

const struct weir_source_ops *live_ops;
volatile int live_cancel;

static void host_log(void *ctx, int level, const char *event, const char *message)
{
    printf("# log %d %s: %s\n", level, event, message);
}
static int host_cancelled(void *ctx)
{
    return live_cancel;
}
static void host_metric(void *ctx, const char *name, double value, const char *unit)
{
}

const struct weir_host live_host = {sizeof(struct weir_host), WEIR_ABI_VERSION, NULL, host_log,
                                    host_cancelled, host_metric};

int live_db_open(struct live_db *db)
{
    char cs[1024];
    snprintf(cs, sizeof(cs), "%s%s%s%s%s", db->connection, db->user ? "UID=" : "",
             db->user ? db->user : "", db->user ? ";PWD=" : "", db->user ? db->password : "");
    SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &db->env);
    SQLSetEnvAttr(db->env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
    SQLAllocHandle(SQL_HANDLE_DBC, db->env, &db->dbc);
    SQLSetConnectAttr(db->dbc, SQL_ATTR_LOGIN_TIMEOUT, (SQLPOINTER)5, 0);
    SQLRETURN r = SQLDriverConnect(db->dbc, NULL, (SQLCHAR *)cs, SQL_NTS, NULL, 0, NULL,
                                   SQL_DRIVER_NOPROMPT);
    if (!SQL_SUCCEEDED(r)) {
        SQLCHAR state[6] = "", msg[512] = "";
        SQLINTEGER native = 0;
        SQLGetDiagRec(SQL_HANDLE_DBC, db->dbc, 1, state, &native, msg, sizeof(msg), NULL);
        printf("# %s unreachable: %s %s\n", db->name, state, msg);
        SQLFreeHandle(SQL_HANDLE_DBC, db->dbc);
        SQLFreeHandle(SQL_HANDLE_ENV, db->env);
        db->dbc = NULL;
        db->env = NULL;
        return -1;
    }
    db->up = 1;
    return 0;
}

void live_db_close(struct live_db *db)
{
    if (db->dbc != NULL) {
        SQLDisconnect(db->dbc);
        SQLFreeHandle(SQL_HANDLE_DBC, db->dbc);
        SQLFreeHandle(SQL_HANDLE_ENV, db->env);
        db->dbc = NULL;
    }
}

int live_exec(struct live_db *db, const char *sql)
{
    SQLHSTMT st;
    SQLAllocHandle(SQL_HANDLE_STMT, db->dbc, &st);
    SQLRETURN r = SQLExecDirect(st, (SQLCHAR *)sql, SQL_NTS);
    int ok = SQL_SUCCEEDED(r) || r == SQL_NO_DATA;
    if (!ok) {
        SQLCHAR state[6] = "", msg[512] = "";
        SQLINTEGER native = 0;
        SQLGetDiagRec(SQL_HANDLE_STMT, st, 1, state, &native, msg, sizeof(msg), NULL);
        printf("# %s: %.200s failed: %s %s\n", db->name, sql, state, msg);
    }
    SQLFreeHandle(SQL_HANDLE_STMT, st);
    return ok ? 0 : -1;
}

int live_connect(struct live_db *db, const char *const *extra, void **conn,
                 struct weir_error *err)
{
    struct weir_kv kv[16];
    size_t n = 0;
    kv[n++] = (struct weir_kv){"connection", db->connection};
    if (db->user != NULL) {
        kv[n++] = (struct weir_kv){"user", db->user};
        kv[n++] = (struct weir_kv){"password", db->password};
    }
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 16; i += 2) {
        kv[n++] = (struct weir_kv){extra[i], extra[i + 1]};
    }
    return live_ops->connect(&live_host, kv, n, conn, err);
}

static char *hex(const uint8_t *p, size_t n, size_t *len)
{
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        snprintf(s + 2 * i, 3, "%02x", p[i]);
    }
    s[2 * n] = '\0';
    *len = 2 * n;
    return s;
}

/* The canonical text of value i of child array a with Arrow format f. */
static char *cell_text(const char *f, const struct ArrowArray *a, int64_t i, size_t *len)
{
    char buf[128];
    int64_t j = i + a->offset;
    const void *v = a->buffers[1];
    if (strcmp(f, "u") == 0 || strcmp(f, "z") == 0) {
        const int32_t *off = a->buffers[1];
        const uint8_t *data = a->buffers[2];
        size_t n = (size_t)(off[j + 1] - off[j]);
        if (f[0] == 'z') {
            return hex(data + off[j], n, len);
        }
        char *s = malloc(n + 1);
        memcpy(s, data + off[j], n);
        s[n] = '\0';
        *len = n;
        return s;
    }
    if (strncmp(f, "w:", 2) == 0) {
        int w = atoi(f + 2);
        return hex((const uint8_t *)v + j * w, (size_t)w, len);
    }
    if (strcmp(f, "b") == 0) {
        snprintf(buf, sizeof(buf), "%s", weir_arrow_bit(v, j) ? "true" : "false");
    } else if (strcmp(f, "c") == 0) {
        snprintf(buf, sizeof(buf), "%d", ((const int8_t *)v)[j]);
    } else if (strcmp(f, "C") == 0) {
        snprintf(buf, sizeof(buf), "%u", ((const uint8_t *)v)[j]);
    } else if (strcmp(f, "s") == 0) {
        snprintf(buf, sizeof(buf), "%d", ((const int16_t *)v)[j]);
    } else if (strcmp(f, "S") == 0) {
        snprintf(buf, sizeof(buf), "%u", ((const uint16_t *)v)[j]);
    } else if (strcmp(f, "i") == 0) {
        snprintf(buf, sizeof(buf), "%d", ((const int32_t *)v)[j]);
    } else if (strcmp(f, "I") == 0) {
        snprintf(buf, sizeof(buf), "%u", ((const uint32_t *)v)[j]);
    } else if (strcmp(f, "l") == 0) {
        snprintf(buf, sizeof(buf), "%lld", (long long)((const int64_t *)v)[j]);
    } else if (strcmp(f, "f") == 0) {
        snprintf(buf, sizeof(buf), "%.9g", ((const float *)v)[j]);
    } else if (strcmp(f, "g") == 0) {
        snprintf(buf, sizeof(buf), "%.17g", ((const double *)v)[j]);
    } else if (strncmp(f, "d:", 2) == 0) {
        int p = 0, sc = 0;
        sscanf(f, "d:%d,%d", &p, &sc);
        __int128 d;
        memcpy(&d, (const uint8_t *)v + 16 * j, 16);
        weir_odbc_decimal_format(d, sc, buf, sizeof(buf));
    } else if (strcmp(f, "tdD") == 0) {
        int32_t days = ((const int32_t *)v)[j];
        weir_odbc_utc_format((int64_t)days * 86400000000LL, buf, sizeof(buf));
        buf[10] = '\0';
    } else if (strcmp(f, "ttu") == 0) {
        int64_t us = ((const int64_t *)v)[j];
        snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld.%06lld", (long long)(us / 3600000000LL),
                 (long long)(us / 60000000 % 60), (long long)(us / 1000000 % 60),
                 (long long)(us % 1000000));
    } else if (strncmp(f, "tsu:", 4) == 0) {
        weir_odbc_utc_format(((const int64_t *)v)[j], buf, sizeof(buf));
    } else {
        snprintf(buf, sizeof(buf), "?format %s", f);
    }
    *len = strlen(buf);
    return strdup(buf);
}

static char *md_type(const char *md)
{
    int32_t vl = 0;
    const char *v = weir_arrow_metadata_find(md, "weir:source_type", &vl);
    char *s = malloc((size_t)(v ? vl : 0) + 1);
    if (v != NULL) {
        memcpy(s, v, (size_t)vl);
    }
    s[v ? vl : 0] = '\0';
    return s;
}

int live_scan(void *conn, const struct weir_query *q, struct live_result *r,
              struct weir_error *err)
{
    struct ArrowSchema schema;
    void *scan = NULL;
    memset(r, 0, sizeof(*r));
    int rc = live_ops->scan_open(conn, q, &schema, &scan, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    r->ncols = schema.n_children;
    r->names = calloc((size_t)r->ncols, sizeof(char *));
    r->formats = calloc((size_t)r->ncols, sizeof(char *));
    r->types = calloc((size_t)r->ncols, sizeof(char *));
    for (int64_t c = 0; c < r->ncols; c++) {
        r->names[c] = strdup(schema.children[c]->name);
        r->formats[c] = strdup(schema.children[c]->format);
        r->types[c] = md_type(schema.children[c]->metadata);
    }
    size_t cap = 0;
    for (;;) {
        struct ArrowArray b;
        rc = live_ops->scan_next(scan, &b, err);
        if (rc != WEIR_OK || b.release == NULL) {
            break;
        }
        r->batches++;
        if (r->nrows + b.length > (int64_t)cap) {
            cap = (size_t)(r->nrows + b.length) * 2;
            r->cells = realloc(r->cells, cap * (size_t)r->ncols * sizeof(char *));
            r->lens = realloc(r->lens, cap * (size_t)r->ncols * sizeof(size_t));
        }
        for (int64_t i = 0; i < b.length; i++) {
            for (int64_t c = 0; c < r->ncols; c++) {
                const struct ArrowArray *a = b.children[c];
                size_t k = (size_t)((r->nrows + i) * r->ncols + c);
                r->lens[k] = 0;
                r->cells[k] = weir_arrow_is_null(a, i) ? NULL
                                                       : cell_text(r->formats[c], a, i, &r->lens[k]);
            }
        }
        r->nrows += b.length;
        b.release(&b);
    }
    live_ops->scan_close(scan);
    schema.release(&schema);
    return rc;
}

void live_result_free(struct live_result *r)
{
    for (int64_t i = 0; r->cells != NULL && i < r->nrows * r->ncols; i++) {
        free(r->cells[i]);
    }
    for (int64_t c = 0; c < r->ncols; c++) {
        free(r->names[c]);
        free(r->formats[c]);
        free(r->types[c]);
    }
    free(r->names);
    free(r->formats);
    free(r->types);
    free(r->cells);
    free(r->lens);
    memset(r, 0, sizeof(*r));
}

int64_t live_col(const struct live_result *r, const char *name)
{
    for (int64_t c = 0; c < r->ncols; c++) {
        if (strcmp(r->names[c], name) == 0) {
            return c;
        }
    }
    return -1;
}

int64_t live_row(const struct live_result *r, const char *key, const char *value)
{
    int64_t c = live_col(r, key);
    for (int64_t i = 0; c >= 0 && i < r->nrows; i++) {
        const char *v = r->cells[i * r->ncols + c];
        if (v != NULL && strcmp(v, value) == 0) {
            return i;
        }
    }
    return -1;
}

const char *live_cell(const struct live_result *r, int64_t row, const char *col)
{
    int64_t c = live_col(r, col);
    if (row < 0 || c < 0) {
        return "<missing>";
    }
    return r->cells[row * r->ncols + c];
}
