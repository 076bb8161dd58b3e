/*
 * The ODBC source plugin against real databases: PostgreSQL (psqlODBC),
 * MariaDB (Connector/ODBC) and SQLite (sqliteodbc). For each: a type matrix
 * with edge values compared exactly, watermark windows with ties, a value
 * longer than its bound buffer, the snapshot, and error statuses. A database
 * whose server is not reachable prints "# SKIP" lines (scripts/test starts
 * them all). The drivers are registered in a private ODBCSYSINI written by
 * scripts/odbc-setup.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "odbc_live.h"
#include "odbc_live_cases.h"

/* The ODBC drivers and the driver manager keep a few allocations for the
 * process' life; they are not ours. */
WEIR_EXPORT const char *__lsan_default_suppressions(void);
WEIR_EXPORT const char *__lsan_default_suppressions(void)
{
    return "leak:libodbc.so\nleak:libodbcinst.so\nleak:psqlodbcw.so\nleak:libmaodbc.so\n"
           "leak:libmariadb.so\nleak:libsqlite3odbc\nleak:libsqlite3.so\nleak:libpq.so\n"
           "leak:libcrypto.so\nleak:libssl.so\nleak:libgnutls.so\nleak:libltdl.so\n";
}

void live_ok_at(int ok, const char *file, int line, const char *expr, const char *fmt, ...)
{
    char name[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    TAP_OK(ok, "%s", name);
    if (!ok) {
        printf("#   at %s:%d: %s\n", file, line, expr);
    }
}

void live_skip(const char *reason, const char *fmt, ...)
{
    char name[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    TAP_SKIP(reason, "%s", name);
}

static char tmpdir[256];

static int setup_odbcinst(void)
{
    const char *src = getenv("WEIR_SRCDIR");
    char cmd[1024];
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/weir-odbc-live-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        return -1;
    }
    snprintf(cmd, sizeof(cmd), "'%s/scripts/odbc-setup' '%s' >/dev/null", src ? src : ".",
             tmpdir);
    if (system(cmd) != 0) {
        return -1;
    }
    char ini[300];
    snprintf(ini, sizeof(ini), "%s/odbc.ini", tmpdir);
    setenv("ODBCSYSINI", tmpdir, 1);
    setenv("ODBCINI", ini, 1);
    return 0;
}

static void *load_plugin(void)
{
    const char *dir = getenv("WEIR_PLUGIN_PATH");
    char path[1024];
    snprintf(path, sizeof(path), "%s/weir_source_odbc.so", dir ? dir : ".libs");
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    TAP_OK(h != NULL, "dlopen %s", path);
    if (h == NULL) {
        printf("#   %s\n", dlerror());
        return NULL;
    }
    weir_plugin_entry_fn entry = (weir_plugin_entry_fn)dlsym(h, WEIR_PLUGIN_ENTRY_SYMBOL);
    TAP_OK(entry != NULL, "entry symbol exported");
    if (entry == NULL) {
        return NULL;
    }
    struct weir_plugin p;
    struct weir_error err;
    memset(&p, 0, sizeof(p));
    p.size = sizeof(p);
    TAP_EQ_INT(entry(WEIR_ABI_VERSION + 1, &p, &err), WEIR_EABI, "another host ABI refused");
    TAP_OK(strstr(err.message, "ABI") != NULL, "the refusal names the ABI: %s", err.message);
    p.size = sizeof(p);
    TAP_EQ_INT(entry(WEIR_ABI_VERSION, &p, &err), WEIR_OK, "entry fills the descriptor");
    TAP_OK(p.kind == WEIR_PLUGIN_SOURCE && strcmp(p.name, "odbc") == 0 && p.source != NULL &&
               p.source->size == sizeof(struct weir_source_ops),
           "source plugin named odbc");
    int has_pw_secret = 0;
    for (size_t i = 0; i < p.n_options; i++) {
        if (strcmp(p.options[i].name, "password") == 0) {
            has_pw_secret = (p.options[i].flags & WEIR_OPT_SECRET) != 0;
        }
    }
    TAP_OK(has_pw_secret, "password option is secret");
    live_ops = p.source;
    return h;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (setup_odbcinst() != 0) {
        TAP_OK(0, "scripts/odbc-setup writes a private odbcinst.ini");
        return tap_done();
    }
    void *h = load_plugin();
    if (h == NULL) {
        return tap_done();
    }
    const char *pgport = getenv("PGPORT") ? getenv("PGPORT") : "55432";
    const char *myport = getenv("WEIR_TEST_MYPORT") ? getenv("WEIR_TEST_MYPORT") : "53306";
    struct live_db pg = {.name = "postgres", .user = "weir", .password = "weir"};
    struct live_db my = {.name = "mariadb", .user = "weir", .password = "weir"};
    struct live_db sl = {.name = "sqlite"};
    snprintf(pg.connection, sizeof(pg.connection),
             "Driver={PostgreSQL Unicode};Servername=127.0.0.1;Port=%s;Database=weir_test;",
             pgport);
    snprintf(my.connection, sizeof(my.connection),
             "Driver={MariaDB};Server=127.0.0.1;Port=%s;Database=weir_test;", myport);
    snprintf(sl.connection, sizeof(sl.connection), "Driver={SQLite3};Database=%s/live.sqlite;",
             tmpdir);
    struct live_db *dbs[] = {&pg, &my, &sl};
    for (size_t i = 0; i < 3; i++) {
        struct live_db *db = dbs[i];
        if (live_db_open(db) != 0) {
            TAP_SKIP("server not reachable", "%s: all live checks", db->name);
            continue;
        }
        live_case_types(db);
        live_case_windows(db);
        live_case_long(db);
        live_case_snapshot(db);
        live_case_batches(db);
        live_case_errors(db);
        live_case_chunks(db);
        live_db_close(db);
    }
    live_case_bad_connections(&pg, &my);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) {
        printf("# could not remove %s\n", tmpdir);
    }
    dlclose(h);
    return tap_done();
}
