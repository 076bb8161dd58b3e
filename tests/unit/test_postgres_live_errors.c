/*
 * The postgres source plugin against a real PostgreSQL: batch bounds,
 * connection and server errors with their statuses, cancellation and
 * connection loss in the middle of a COPY, and the high-watermark guards
 * (open writing transactions, lag, a role that cannot see other sessions).
 * Without PGHOST it reports "# SKIP no server".
 */
#include "test_postgres_live.h"

static void test_batches(void)
{
    void *conn = open_default("3");
    struct weir_query q = query_table("events");
    static const char *const cols[] = {"id"};
    struct rows r;
    struct weir_error err;
    q.columns = cols;
    q.n_columns = 1;
    if (conn == NULL) {
        TAP_OK(0, "connect with batch_rows 3");
        return;
    }
    int rc = scan_all(conn, &q, &r, NULL, &err);
    TAP_OK(rc == WEIR_OK && r.n == 3 && r.b[0].length == 3 && r.b[1].length == 3 &&
               r.b[2].length == 2,
           "batch_rows 3 over 8 rows: batches of 3, 3, 2");
    rows_free(&r);
    ops->disconnect(conn);
}

static void test_errors(void)
{
    struct weir_error err;
    char port[16];
    snprintf(port, sizeof(port), "%s", getenv("PGPORT") ? getenv("PGPORT") : "5432");
    void *c = open_conn(getenv("PGUSER"), "wrong-Secret-pw", NULL, NULL, &err);
    TAP_OK(c == NULL && err.status == WEIR_EAUTH, "wrong password: WEIR_EAUTH (%d)", err.status);
    TAP_OK(strstr(err.message, getenv("PGHOST")) && strstr(err.message, port),
           "message names host:port: %s", err.message);
    TAP_OK(strncmp(err.detail, "SQLSTATE 28P01: password authentication failed", 46) == 0,
           "detail carries SQLSTATE 28P01 and the server message: %s", err.detail);
    TAP_OK(!strstr(err.message, "wrong-Secret") && !strstr(err.detail, "wrong-Secret") &&
               !strstr(err.hint, "wrong-Secret") && !strstr(logbuf, "wrong-Secret"),
           "the password appears nowhere");
    c = open_conn("no_such_role_weir", "x", NULL, NULL, &err);
    TAP_OK(c == NULL && err.status == WEIR_EAUTH, "unknown role: WEIR_EAUTH (%s)", err.detail);
    c = open_conn(getenv("PGUSER"), getenv("PGPASSWORD"), "port=1", NULL, &err);
    TAP_OK(c == NULL && err.status == WEIR_ETEMPFAIL && strstr(err.message, ":1"),
           "unreachable port: WEIR_ETEMPFAIL naming host:1 (%s)", err.message);
    /* a server that accepts the TCP connection and never answers */
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(sa);
    if (lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 4) == 0 &&
        getsockname(lfd, (struct sockaddr *)&sa, &sl) == 0) {
        char extra[96];
        snprintf(extra, sizeof(extra), "host=127.0.0.1 port=%d connect_timeout=2",
                 ntohs(sa.sin_port));
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        c = open_conn(getenv("PGUSER"), getenv("PGPASSWORD"), extra, NULL, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        TAP_OK(c == NULL && err.status == WEIR_ETEMPFAIL && strstr(err.message, "timed out") &&
                   ms >= 1900 && ms < 6000,
               "silent server: WEIR_ETEMPFAIL after connect_timeout 2 s (%ld ms: %s)", ms,
               err.message);
    } else {
        TAP_OK(0, "listening socket for the timeout test");
    }
    if (lfd >= 0) {
        close(lfd);
    }
    c = open_conn(getenv("PGUSER"), getenv("PGPASSWORD"), "password=hunter2 junk", NULL, &err);
    TAP_OK(c == NULL && err.status == WEIR_ECONFIG && !strstr(err.message, "hunter2") &&
               !strstr(err.detail, "hunter2"),
           "bad conninfo: WEIR_ECONFIG without echoing it (%s)", err.message);
    c = open_conn(getenv("PGUSER"), getenv("PGPASSWORD"), "dbname=no_such_db_weir", NULL, &err);
    TAP_OK(c == NULL && err.status == WEIR_ECONFIG && strstr(err.detail, "3D000"),
           "missing database: WEIR_ECONFIG, SQLSTATE 3D000");
    struct weir_kv bad[2] = {{"connection", conninfo}, {"batch_bytes", "lots"}};
    TAP_EQ_INT(ops->connect(&host, bad, 2, &c, &err), WEIR_ECONFIG,
               "batch_bytes \"lots\": ECONFIG");

    void *conn = open_default(NULL);
    if (conn == NULL) {
        TAP_OK(0, "connect");
        return;
    }
    struct weir_query q = query_table("no_such_table");
    struct ArrowSchema s;
    int rc = ops->describe(conn, &q, &s, &err);
    TAP_EQ_INT(rc, WEIR_ECONFIG, "missing table: WEIR_ECONFIG");
    TAP_OK(strstr(err.message, "describe ") && strstr(err.message, "no_such_table") &&
               strncmp(err.detail, "SQLSTATE 42P01", 14) == 0 && err.hint[0] != '\0',
           "missing table: operation, SQLSTATE 42P01, hint (%s / %s)", err.message, err.detail);
    q = query_table("events");
    static const char *const cols[] = {"id", "no_such_col"};
    q.columns = cols;
    q.n_columns = 2;
    rc = ops->describe(conn, &q, &s, &err);
    TAP_OK(rc == WEIR_ECONFIG && strncmp(err.detail, "SQLSTATE 42703", 14) == 0 &&
               strstr(err.message, "no_such_col"),
           "unknown column: WEIR_ECONFIG, SQLSTATE 42703 (%s)", err.message);
    static const char *const wm[] = {"nope_wm"};
    q.n_columns = 1;
    q.wm_columns = wm;
    q.n_wm = 1;
    int64_t n;
    rc = ops->count(conn, &q, &n, &err);
    TAP_OK(rc == WEIR_ECONFIG && strstr(err.detail, "42703"),
           "unknown watermark column: WEIR_ECONFIG");
    q.n_wm = 0;
    q.filter = "1/0 = 1";
    rc = ops->count(conn, &q, &n, &err);
    TAP_OK(rc == WEIR_EDATA && strstr(err.detail, "22012"),
           "division by zero in filter: EDATA 22012");
    q.filter = "no_such_fn(id)";
    rc = ops->count(conn, &q, &n, &err);
    TAP_OK(rc == WEIR_ECONFIG && strstr(err.detail, "42883"),
           "unknown function in filter: ECONFIG");
    /* lag on a non-time watermark */
    static const char *const idwm[] = {"id"};
    struct weir_bound out[1];
    char note[128];
    q.filter = NULL;
    q.wm_columns = idwm;
    q.n_wm = 1;
    q.lag_us = 1000000;
    rc = ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    TAP_OK(rc == WEIR_ECONFIG && strstr(err.message, "lag"), "lag on an int watermark: ECONFIG");
    ops->disconnect(conn);
}

static int backend_pid_of(const char *marker)
{
    char buf[256];
    snprintf(buf, sizeof(buf),
             "SELECT pid FROM pg_stat_activity WHERE query LIKE '%%%s%%' AND pid <> "
             "pg_backend_pid()",
             marker);
    for (int tries = 0; tries < 50; tries++) {
        PGresult *r = PQexec(admin, buf);
        int pid = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : 0;
        PQclear(r);
        if (pid > 0) {
            return pid;
        }
        usleep(20000);
    }
    return 0;
}

static void test_interrupts(void)
{
    void *conn = open_default("10");
    struct weir_error err;
    char text[256], marker[64];
    if (conn == NULL) {
        TAP_OK(0, "connect");
        return;
    }
    /* a slow query: 1 ms per row, 100 s in all */
    snprintf(marker, sizeof(marker), "weir_live_slow_%d", (int)getpid());
    snprintf(text, sizeof(text),
             "SELECT g AS id FROM generate_series(1, 100000) AS g /* %s */ "
             "WHERE pg_sleep(0.001)::text = ''",
             marker);
    struct weir_query q = {.size = sizeof(q), .sql = text};
    struct ArrowSchema s = {0};
    struct ArrowArray a;
    void *scan = NULL;

    /* cancellation between batches */
    TAP_OK(ops->begin(conn, &err) == WEIR_OK, "begin");
    int rc = ops->scan_open(conn, &q, &s, &scan, &err);
    TAP_OK(rc == WEIR_OK && ops->scan_next(scan, &a, &err) == WEIR_OK && a.length == 10,
           "slow scan: first batch of 10");
    if (a.release) {
        a.release(&a);
    }
    cancel_flag = 1;
    rc = ops->scan_next(scan, &a, &err);
    TAP_EQ_INT(rc, WEIR_ECANCELLED, "cancelled host: WEIR_ECANCELLED");
    cancel_flag = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ops->scan_close(scan);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    TAP_OK(secs < 5.0, "scan_close stops a 100 s COPY at once (%.3f s)", secs);
    s.release(&s);
    TAP_OK(ops->end(conn, &err) == WEIR_OK, "end after a cancelled scan");
    int64_t n = 0;
    struct weir_query q2 = query_table("events");
    TAP_OK(ops->begin(conn, &err) == WEIR_OK && ops->count(conn, &q2, &n, &err) == WEIR_OK &&
               n == 8,
           "the connection works after the cancelled COPY");
    ops->end(conn, &err);

    /* scan_close in the middle without cancellation */
    rc = ops->scan_open(conn, &q, &s, &scan, &err);
    rc = rc == WEIR_OK ? ops->scan_next(scan, &a, &err) : rc;
    if (a.release) {
        a.release(&a);
    }
    ops->scan_close(scan);
    s.release(&s);
    TAP_OK(rc == WEIR_OK && ops->count(conn, &q2, &n, &err) == WEIR_OK && n == 8,
           "scan_close mid-stream leaves the connection usable");

    /* connection loss in the middle of the COPY */
    rc = ops->scan_open(conn, &q, &s, &scan, &err);
    rc = rc == WEIR_OK ? ops->scan_next(scan, &a, &err) : rc;
    if (a.release) {
        a.release(&a);
    }
    int pid = backend_pid_of(marker);
    char kill[128];
    snprintf(kill, sizeof(kill), "SELECT pg_terminate_backend(%d)", pid);
    TAP_OK(rc == WEIR_OK && pid > 0 && sql("%s", kill) == 0, "backend %d terminated mid-COPY", pid);
    int more = 0;
    weir_error_clear(&err);
    do {
        rc = ops->scan_next(scan, &a, &err);
        more = rc == WEIR_OK && a.release != NULL;
        if (more) {
            a.release(&a);
        }
    } while (more);
    TAP_OK(rc == WEIR_ETEMPFAIL, "connection lost mid-COPY: WEIR_ETEMPFAIL (%d: %s / %s)", rc,
           err.message, err.detail);
    TAP_OK(strstr(err.detail, "57P01") != NULL || strstr(err.message, "lost") != NULL,
           "the message says the connection was lost");
    ops->scan_close(scan);
    s.release(&s);
    ops->disconnect(conn);
}

static void test_guards(void)
{
    struct weir_error err;
    void *conn = open_default(NULL);
    static const char *const wm[] = {"updated_at", "id"};
    struct weir_query q = query_table("events");
    struct weir_bound out[2];
    char note[256];
    q.wm_columns = wm;
    q.n_wm = 2;
    if (conn == NULL) {
        TAP_OK(0, "connect");
        return;
    }
    /* a committed row far in the future, and an open writing transaction */
    sql("INSERT INTO %s.events VALUES (9, now() + interval '1 day', 'future')", schema);
    PGconn *w = PQconnectdb(conninfo);
    PGresult *r = PQexec(w, "BEGIN");
    PQclear(r);
    char ins[256];
    snprintf(ins, sizeof(ins), "INSERT INTO %s.events VALUES (10, now(), 'open')", schema);
    r = PQexec(w, ins);
    PQclear(r);
    int wpid = PQbackendPID(w);
    TAP_OK(ops->begin(conn, &err) == WEIR_OK, "begin with a writer open");
    int rc = ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    char want[64];
    snprintf(want, sizeof(want), "(pid %d, started ", wpid);
    TAP_OK(rc == WEIR_OK && strcmp(out[1].text, "8") == 0,
           "open writer holds the bound below its start: id %s", out[1].text);
    TAP_OK(strncmp(note, "oldest open writing transaction (pid ", 37) == 0,
           "note names the writing transaction: %s", note);
    if (strstr(note, want) == NULL) {
        printf("# note names another writer than pid %d (another session of the database)\n", wpid);
    }
    ops->end(conn, &err);
    r = PQexec(w, "COMMIT");
    PQclear(r);
    PQfinish(w);
    ops->begin(conn, &err);
    rc = ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
    /* another session of the shared test database may hold a writing
     * transaction of its own: then the guard rightly names that one */
    snprintf(want, sizeof(want), "(pid %d,", wpid);
    int other = strncmp(note, "oldest open writing transaction", 31) == 0 && !strstr(note, want);
    TAP_OK(
        rc == WEIR_OK &&
            ((strcmp(out[1].text, "9") == 0 && strcmp(note, "max(updated_at, id)") == 0) || other),
        "writer gone: max decides (id %s, %s)", out[1].text, note);
    ops->end(conn, &err);

    /* lag */
    static const char *const at[] = {"at"};
    struct weir_query lq = query_table("lagt");
    lq.wm_columns = at;
    lq.n_wm = 1;
    lq.lag_us = INT64_C(3600000000);
    ops->begin(conn, &err);
    PGresult *t = PQexec(admin, "SELECT 1");
    PQclear(t);
    char want_at[64] = "";
    char lq_sql[256];
    snprintf(lq_sql, sizeof(lq_sql), "SELECT at::text FROM %s.lagt WHERE id = 1", schema);
    sql("SET TimeZone = 'UTC'");
    t = PQexec(admin, lq_sql);
    if (PQntuples(t) == 1) {
        snprintf(want_at, sizeof(want_at), "%s", PQgetvalue(t, 0, 0));
    }
    PQclear(t);
    rc = ops->high_watermark(conn, &lq, out, note, sizeof(note), &err);
    TAP_OK(rc == WEIR_OK && strcmp(out[0].text, want_at) == 0 && strcmp(note, "lag 1h") == 0,
           "lag 1h keeps the row of 10 minutes ago out (%s, %s)", out[0].text, note);
    lq.lag_us = 0;
    rc = ops->high_watermark(conn, &lq, out, note, sizeof(note), &err);
    TAP_OK(rc == WEIR_OK && ((strcmp(out[0].text, want_at) != 0 && strcmp(note, "max(at)") == 0) ||
                             strncmp(note, "oldest open writing transaction", 31) == 0),
           "without lag the newest row decides (%s)", note);
    ops->end(conn, &err);
    ops->disconnect(conn);

    /* a role that cannot see other sessions */
    char role[64];
    snprintf(role, sizeof(role), "weir_live_ro_%d", (int)getpid());
    if (sql("DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN PASSWORD 'ro-pw'; GRANT USAGE ON SCHEMA "
            "%s TO %s; GRANT SELECT ON ALL TABLES IN SCHEMA %s TO %s",
            role, role, schema, role, schema, role) == 0) {
        conn = open_conn(role, "ro-pw", NULL, NULL, &err);
        if (conn != NULL) {
            ops->begin(conn, &err);
            weir_error_clear(&err);
            rc = ops->high_watermark(conn, &q, out, note, sizeof(note), &err);
            snprintf(want, sizeof(want), "pg_stat_activity not visible to role %s", role);
            TAP_OK(rc == WEIR_OK && strstr(note, want) && strstr(note, "lag is the only guard") &&
                       strcmp(out[1].text, "9") == 0,
                   "unprivileged role: note says lag is the only guard (%s%s)", note, err.message);
            TAP_OK(strstr(logbuf, "as weir_live_ro_") && !strstr(logbuf, "ro-pw"),
                   "the role's connection is logged, its password is not");
            ops->end(conn, &err);
            ops->disconnect(conn);
        } else {
            TAP_OK(0, "connect as %s: %s", role, err.message);
        }
        /* no password at all (none in the options, the environment or a file) */
        char *saved = getenv("PGPASSWORD") ? strdup(getenv("PGPASSWORD")) : NULL;
        unsetenv("PGPASSWORD");
        setenv("PGPASSFILE", "/dev/null", 1);
        conn = open_conn(role, NULL, NULL, NULL, &err);
        TAP_OK(conn == NULL && err.status == WEIR_EAUTH && strstr(err.message, "wants a password"),
               "no password for a role that needs one: WEIR_EAUTH (%s)", err.message);
        if (conn != NULL) {
            ops->disconnect(conn);
        }
        if (saved != NULL) {
            setenv("PGPASSWORD", saved, 1);
            free(saved);
        }
        unsetenv("PGPASSFILE");
        sql("DROP OWNED BY %s; DROP ROLE %s", role, role);
    } else {
        TAP_OK(0, "create a role");
    }
}

static void run(void *dl)
{
    test_batches();
    test_errors();
    test_interrupts();
    test_guards();
}

int main(void)
{
    return live_main(run);
}
