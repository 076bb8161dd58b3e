/*
 * Connection, session, transaction and server-error mapping of the
 * PostgreSQL source.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgsrc.h"

#define DEFAULT_CONNECT_TIMEOUT_S 30

void weir_pg_log(struct weir_pgconn *c, int level, const char *event, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    if (c->host == NULL || c->host->log == NULL) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->host->log(c->host->ctx, level, event, msg);
}

/* Copies the first line of s (without "ERROR:  " noise) into out. */
static void first_line(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    if (s == NULL) {
        s = "";
    }
    while (s[n] != '\0' && s[n] != '\n' && n + 1 < cap) {
        n++;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

struct state_map {
    const char *prefix; /* a full SQLSTATE or a 2-character class */
    int status;
};

/* Most specific first. */
static const struct state_map states[] = {
    {"28P01", WEIR_EAUTH},     {"28000", WEIR_EAUTH},     {"42501", WEIR_EAUTH},
    {"3D000", WEIR_ECONFIG},   {"3F000", WEIR_ECONFIG},   {"25006", WEIR_ECONFIG},
    {"57014", WEIR_ETEMPFAIL}, {"57P01", WEIR_ETEMPFAIL}, {"57P02", WEIR_ETEMPFAIL},
    {"57P03", WEIR_ETEMPFAIL}, {"40001", WEIR_ETEMPFAIL}, {"40P01", WEIR_ETEMPFAIL},
    {"55P03", WEIR_ETEMPFAIL}, {"08", WEIR_ETEMPFAIL},    {"53", WEIR_ETEMPFAIL},
    {"42", WEIR_ECONFIG},      {"22", WEIR_EDATA},
};

static int status_of(const char *sqlstate)
{
    for (size_t i = 0; sqlstate != NULL && i < sizeof(states) / sizeof(states[0]); i++) {
        if (strncmp(sqlstate, states[i].prefix, strlen(states[i].prefix)) == 0) {
            return states[i].status;
        }
    }
    return WEIR_EUNAVAILABLE;
}

int weir_pg_result_error(struct weir_pgconn *c, const PGresult *res, const char *op,
                         struct weir_error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    char line[400];
    if (state == NULL) {
        /* No server error: libpq's own (connection closed, out of memory). */
        first_line(res ? PQresultErrorMessage(res) : NULL, line, sizeof(line));
        if (line[0] == '\0') {
            first_line(PQerrorMessage(c->pg), line, sizeof(line));
        }
        if (PQstatus(c->pg) == CONNECTION_BAD) {
            weir_error_set(err, WEIR_ETEMPFAIL, "%s: connection to %s lost", op, c->endpoint);
        } else {
            weir_error_set(err, WEIR_EUNAVAILABLE, "%s failed", op);
        }
        return weir_error_detail(err, "%s", line);
    }
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
    int status = status_of(state);
    if (strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0) {
        weir_error_set(err, status, "%s: connection to %s lost: %s", op, c->endpoint,
                       primary ? primary : "");
    } else {
        weir_error_set(err, status, "%s: %s", op, primary ? primary : "server error");
    }
    weir_error_detail(err, "SQLSTATE %s%s%s", state, detail ? ": " : "", detail ? detail : "");
    if (strcmp(state, "42P01") == 0) {
        weir_error_hint(err, "check the job's table or query; names are quoted, so case matters");
    } else if (strcmp(state, "42703") == 0) {
        weir_error_hint(err, "check the job's columns, watermark columns and filter against the "
                             "table; names are quoted, so case matters");
    } else if (hint != NULL) {
        weir_error_hint(err, "%s", hint);
    }
    return status;
}

int weir_pg_idle(struct weir_pgconn *c, const char *op, struct weir_error *err)
{
    if (c->in_copy) {
        return weir_error_set(err, WEIR_EINTERNAL, "%s: a scan is still reading on this connection",
                              op);
    }
    return WEIR_OK;
}

int weir_pg_exec(struct weir_pgconn *c, const char *sql, ExecStatusType want, const char *op,
                 PGresult **out, struct weir_error *err)
{
    if (out != NULL) {
        *out = NULL;
    }
    if (weir_pg_idle(c, op, err) != WEIR_OK) {
        return err->status;
    }
    PGresult *res = PQexec(c->pg, sql);
    if (res == NULL || PQresultStatus(res) != want) {
        int rc = weir_pg_result_error(c, res, op, err);
        PQclear(res);
        return rc;
    }
    if (out != NULL) {
        *out = res;
    } else {
        PQclear(res);
    }
    return WEIR_OK;
}

/* ---- options ---- */

static int parse_rows(const char *v, int64_t *out, struct weir_error *err)
{
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < 1 || n > INT32_MAX) {
        weir_error_set(err, WEIR_ECONFIG, "batch_rows: \"%s\" is not a row count", v);
        return weir_error_hint(err, "use a whole number from 1 to 2147483647");
    }
    *out = n;
    return WEIR_OK;
}

static int parse_size(const char *v, size_t *out, struct weir_error *err)
{
    static const struct {
        const char *suffix;
        unsigned shift;
    } units[] = {{"", 0},     {"B", 0},  {"KiB", 10}, {"MiB", 20},
                 {"GiB", 30}, {"K", 10}, {"M", 20},   {"G", 30}};
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    for (size_t i = 0; errno == 0 && end != v && n >= 0 && i < sizeof(units) / sizeof(units[0]);
         i++) {
        if (strcmp(end, units[i].suffix) == 0 && n <= (INT64_C(1) << (40 - units[i].shift))) {
            *out = (size_t)n << units[i].shift;
            if (*out >= 1024) {
                return WEIR_OK;
            }
        }
    }
    weir_error_set(err, WEIR_ECONFIG, "batch_bytes: \"%s\" is not a byte size", v);
    return weir_error_hint(err, "use a size from 1KiB to 1TiB such as 67108864 or 64MiB");
}

/* ---- connect ---- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* PQconninfo / PQconninfoParse results hold the password too: wipe, then free. */
static void conninfo_free(PQconninfoOption *opts)
{
    for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++) {
        if (o->val != NULL) {
            explicit_bzero(o->val, strlen(o->val));
        }
    }
    PQconninfoFree(opts);
}

static int connect_timeout_s(PGconn *pg)
{
    int t = DEFAULT_CONNECT_TIMEOUT_S;
    PQconninfoOption *opts = PQconninfo(pg);
    for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "connect_timeout") == 0 && o->val != NULL && o->val[0] != '\0') {
            char *end = NULL;
            long v = strtol(o->val, &end, 10);
            if (end != o->val && *end == '\0' && v > 0 && v < 86400) {
                t = v < 2 ? 2 : (int)v; /* libpq's own minimum */
            }
        }
    }
    conninfo_free(opts);
    return t;
}

/* Drives PQconnectPoll with a deadline; returns 1 connected, 0 failed, -1 timed out. */
static int poll_connect(PGconn *pg, int timeout_s)
{
    int64_t deadline = now_ms() + (int64_t)timeout_s * 1000;
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
        struct pollfd pfd = {.fd = PQsocket(pg), .events = 0, .revents = 0};
        pfd.events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            return -1;
        }
        int n = poll(&pfd, 1, (int)left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0) {
            return -1;
        }
        st = PQconnectPoll(pg);
    }
    return st == PGRES_POLLING_OK;
}

/* Finds "SEVERITY:  XXXXX: message" in a verbose libpq error; fills state and the message. */
static int find_sqlstate(const char *msg, char state[6], char *text, size_t cap)
{
    static const char *const marks[] = {"FATAL:  ", "ERROR:  "};
    for (size_t m = 0; msg != NULL && m < 2; m++) {
        const char *p = strstr(msg, marks[m]);
        if (p == NULL) {
            continue;
        }
        p += strlen(marks[m]);
        int ok = 1;
        for (int i = 0; i < 5; i++) {
            ok = ok && ((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'A' && p[i] <= 'Z'));
        }
        if (ok && p[5] == ':') {
            memcpy(state, p, 5);
            state[5] = '\0';
            p += 6;
            while (*p == ' ') {
                p++;
            }
            first_line(p, text, cap);
            return 1;
        }
    }
    return 0;
}

static int connect_error(PGconn *pg, int timed_out, int timeout_s, struct weir_error *err)
{
    char where[300], state[6], text[400];
    const char *h = PQhost(pg), *port = PQport(pg);
    snprintf(where, sizeof(where), "%s:%s", h && h[0] ? h : "(default)",
             port && port[0] ? port : "5432");
    if (timed_out) {
        weir_error_set(err, WEIR_ETEMPFAIL, "cannot connect to PostgreSQL at %s: timed out", where);
        weir_error_detail(err, "no answer within %d s (connect_timeout)", timeout_s);
        return weir_error_hint(err, "check that the server runs and the network allows it; "
                                    "the run can be retried");
    }
    const char *msg = PQerrorMessage(pg);
    if (find_sqlstate(msg, state, text, sizeof(text))) {
        int st = status_of(state);
        if (st == WEIR_EAUTH) {
            weir_error_set(err, WEIR_EAUTH, "PostgreSQL at %s rejected the login", where);
            weir_error_hint(err, "check user and password (the secret) and pg_hba.conf");
        } else {
            weir_error_set(err, st, "PostgreSQL at %s refused the connection", where);
        }
        weir_error_detail(err, "SQLSTATE %s: %s", state, text);
        return st;
    }
    first_line(msg, text, sizeof(text));
    if (PQconnectionNeedsPassword(pg)) {
        weir_error_set(err, WEIR_EAUTH, "PostgreSQL at %s wants a password and none was given",
                       where);
        weir_error_detail(err, "%s", text);
        return weir_error_hint(err, "set source.password (or a secret)");
    }
    weir_error_set(err, WEIR_ETEMPFAIL, "cannot connect to PostgreSQL at %s", where);
    weir_error_detail(err, "%s", text);
    return weir_error_hint(err, "check that the server runs and the network allows it; the run "
                                "can be retried");
}

/* libpq expands the dbname keyword as a conninfo when it holds '=' or is a URI. */
static int conninfo_valid(const char *s)
{
    if (strchr(s, '=') == NULL && strncmp(s, "postgresql://", 13) != 0 &&
        strncmp(s, "postgres://", 11) != 0) {
        return 1;
    }
    char *msg = NULL;
    PQconninfoOption *o = PQconninfoParse(s, &msg);
    PQfreemem(msg);
    conninfo_free(o);
    return o != NULL;
}

/* Whether the connection string sets `key` (host counts hostaddr too); a
 * string without '=' that is not a URI is a database name. */
static int conninfo_sets(const char *s, const char *key)
{
    if (strchr(s, '=') == NULL && strncmp(s, "postgresql://", 13) != 0 &&
        strncmp(s, "postgres://", 11) != 0) {
        return strcmp(key, "dbname") == 0 && s[0] != '\0';
    }
    int set = 0;
    PQconninfoOption *opts = PQconninfoParse(s, NULL);
    for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++) {
        if ((strcmp(o->keyword, key) == 0 ||
             (strcmp(key, "host") == 0 && strcmp(o->keyword, "hostaddr") == 0)) &&
            o->val != NULL && o->val[0] != '\0') {
            set = 1;
        }
    }
    conninfo_free(opts);
    return set;
}

static int session_setup(struct weir_pgconn *c, struct weir_error *err)
{
    PGresult *res = NULL;
    /* Text forms the bounds round-trip through: ISO dates in UTC, ISO 8601
     * intervals, floats with all their digits. */
    if (weir_pg_exec(c,
                     "SET DateStyle = 'ISO'; SET TimeZone = 'UTC'; SET IntervalStyle = "
                     "'iso_8601'; SET extra_float_digits = 3; SET client_encoding = 'UTF8'",
                     PGRES_COMMAND_OK, "session setup", NULL, err) != WEIR_OK) {
        return err->status;
    }
    if (weir_pg_exec(c,
                     "SELECT current_user, rolsuper OR pg_has_role(current_user, "
                     "'pg_read_all_stats', 'MEMBER') FROM pg_roles WHERE rolname = current_user",
                     PGRES_TUPLES_OK, "session setup", &res, err) != WEIR_OK) {
        return err->status;
    }
    if (PQntuples(res) == 1) {
        snprintf(c->role, sizeof(c->role), "%s", PQgetvalue(res, 0, 0));
        c->stats_visible = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    }
    PQclear(res);
    return WEIR_OK;
}

int weir_pg_connect(const struct weir_host *host, const struct weir_kv *options, size_t n_options,
                    void **conn, struct weir_error *err)
{
    struct weir_pgconn *c = calloc(1, sizeof(*c));
    const char *keys[9], *vals[9];
    size_t n = 0;
    int rc = WEIR_OK;
    *conn = NULL;
    if (c == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    c->host = host;
    c->batch_rows = 65536;
    c->batch_bytes = (size_t)64 << 20;
    const char *v = weir_kv_get(options, n_options, "batch_rows");
    if (v != NULL && (rc = parse_rows(v, &c->batch_rows, err)) != WEIR_OK) {
        goto cleanup;
    }
    v = weir_kv_get(options, n_options, "batch_bytes");
    if (v != NULL && (rc = parse_size(v, &c->batch_bytes, err)) != WEIR_OK) {
        goto cleanup;
    }
    v = weir_kv_get(options, n_options, "numeric_unconstrained");
    if (v != NULL && (rc = weir_pgtypes_check_policy(v, err)) != WEIR_OK) {
        goto cleanup;
    }
    snprintf(c->numeric_unconstrained, sizeof(c->numeric_unconstrained), "%s",
             v != NULL ? v : "");
    /* The password goes to libpq as a keyword value (borrowed from the host,
     * never copied here), so it never sits in a conninfo string we build. */
    keys[n] = "dbname";
    vals[n++] = weir_kv_get(options, n_options, "connection");
    if (vals[0] == NULL) {
        vals[0] = "";
    }
    if ((v = weir_kv_get(options, n_options, "user")) != NULL && v[0] != '\0') {
        keys[n] = "user";
        vals[n++] = v;
    }
    if ((v = weir_kv_get(options, n_options, "password")) != NULL && v[0] != '\0') {
        keys[n] = "password";
        vals[n++] = v;
    }
    /* host, port and dbname from the host (an RDS secret) are defaults: the
     * connection string's own values win. */
    static const char *const fills[] = {"host", "port", "dbname"};
    for (size_t i = 0; i < 3; i++) {
        v = weir_kv_get(options, n_options, fills[i]);
        if (v != NULL && v[0] != '\0' && !conninfo_sets(vals[0], fills[i])) {
            keys[n] = fills[i];
            vals[n++] = v;
        }
    }
    keys[n] = "client_encoding";
    vals[n++] = "UTF8";
    keys[n] = "application_name";
    vals[n++] = "weir";
    keys[n] = NULL;
    vals[n] = NULL;
    if (!conninfo_valid(vals[0])) {
        /* libpq's parse errors quote the offending text, which may be part
         * of a password: say only that the string is wrong. */
        rc = weir_error_set(err, WEIR_ECONFIG, "invalid PostgreSQL connection string");
        weir_error_hint(err, "source.connection must be a libpq conninfo "
                             "(\"host=... port=... dbname=...\") or a postgresql:// URI");
        goto cleanup;
    }
    c->pg = PQconnectStartParams(keys, vals, 1);
    if (c->pg == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory starting a PostgreSQL connection");
        goto cleanup;
    }
    /* Verbose errors carry the SQLSTATE in the text: the only place libpq
     * exposes it for a failed login. */
    PQsetErrorVerbosity(c->pg, PQERRORS_VERBOSE);
    int timeout = connect_timeout_s(c->pg);
    int r = PQstatus(c->pg) == CONNECTION_BAD ? 0 : poll_connect(c->pg, timeout);
    if (r != 1) {
        rc = connect_error(c->pg, r < 0, timeout, err);
        goto cleanup;
    }
    PQsetErrorVerbosity(c->pg, PQERRORS_DEFAULT);
    snprintf(c->endpoint, sizeof(c->endpoint), "%s:%s", PQhost(c->pg), PQport(c->pg));
    if ((rc = session_setup(c, err)) != WEIR_OK) {
        goto cleanup;
    }
    /* PQserverVersion: 150018 is 15.18 (from 10 on), 90624 is 9.6.24 */
    int sv = PQserverVersion(c->pg);
    char version[32];
    if (sv >= 100000) {
        snprintf(version, sizeof(version), "%d.%d", sv / 10000, sv % 10000);
    } else {
        snprintf(version, sizeof(version), "%d.%d.%d", sv / 10000, sv / 100 % 100, sv % 100);
    }
    weir_pg_log(c, WEIR_LOG_INFO, "source_connected", "connected to PostgreSQL %s at %s as %s",
                version, c->endpoint, c->role);
    *conn = c;
    return WEIR_OK;
cleanup:
    weir_pg_disconnect(c);
    return rc;
}

void weir_pg_disconnect(void *conn)
{
    struct weir_pgconn *c = conn;
    if (c == NULL) {
        return;
    }
    if (c->pg != NULL) {
        PQfinish(c->pg); /* libpq wipes its copy of the password */
    }
    free(c);
}

/* ---- transaction ---- */

int weir_pg_read_guard(struct weir_pgconn *c, struct weir_error *err)
{
    PGresult *res = NULL;
    memset(&c->guard, 0, sizeof(c->guard));
    /* The first statement of the transaction: its snapshot and this view of
     * the other sessions are taken together. */
    if (weir_pg_exec(c,
                     "SELECT pid, xact_start::text FROM pg_stat_activity "
                     "WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() "
                     "AND xact_start IS NOT NULL AND datname = current_database() "
                     "ORDER BY xact_start LIMIT 1",
                     PGRES_TUPLES_OK, "begin: read pg_stat_activity", &res, err) != WEIR_OK) {
        return err->status;
    }
    c->guard.checked = 1;
    if (PQntuples(res) == 1) {
        c->guard.found = 1;
        c->guard.pid = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
        snprintf(c->guard.xact_start, sizeof(c->guard.xact_start), "%s", PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return WEIR_OK;
}

int weir_pg_begin_txn(struct weir_pgconn *c, struct weir_error *err)
{
    if (c->in_txn) {
        return weir_error_set(err, WEIR_EINTERNAL, "begin: a transaction is already open");
    }
    if (weir_pg_exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", PGRES_COMMAND_OK,
                     "begin", NULL, err) != WEIR_OK) {
        return err->status;
    }
    c->in_txn = 1;
    memset(&c->guard, 0, sizeof(c->guard));
    return WEIR_OK;
}

int weir_pg_begin(void *conn, struct weir_error *err)
{
    struct weir_pgconn *c = conn;
    if (weir_pg_begin_txn(c, err) != WEIR_OK) {
        return err->status;
    }
    if (c->stats_visible && weir_pg_read_guard(c, err) != WEIR_OK) {
        return err->status;
    }
    return WEIR_OK;
}

int weir_pg_end(void *conn, struct weir_error *err)
{
    struct weir_pgconn *c = conn;
    if (!c->in_txn) {
        return WEIR_OK;
    }
    c->in_txn = 0;
    memset(&c->guard, 0, sizeof(c->guard));
    return weir_pg_exec(c, "COMMIT", PGRES_COMMAND_OK, "end", NULL, err);
}
