/*
 * The job flow end to end with the fake source and writer plugins: first
 * and incremental runs, NULL-watermark policy, a failure mid-scan and the
 * rerun that redoes the same window under the same names, the lock, a full
 * reload that replaces every file, and watermark.start.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/job.h"
#include "core/state.h"
#include "spec/spec.h"
#include "tap.h"
#include "util/log.h"

static char root[64];
static char db[128], lake[128], statedir[128];

static void write_db(const char *text, const char *mode)
{
    FILE *f = fopen(db, mode);
    fputs(text, f);
    fclose(f);
}

/* The job t over the fake source into the fakecsv lake, with lines added
 * to source, target and the job (NULL job_extra: watermark [id]). */
static struct weir_spec *spec_full(const char *extra_source, const char *extra_target,
                                   const char *job_extra)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "version: 1\n"
             "source:\n  driver: fake\n  connection: \"%s\"\n%s"
             "target:\n  location: \"%s\"\n  format: fakecsv\n  compression: none\n%s"
             "state:\n  location: \"%s\"\n"
             "jobs:\n  - name: t\n    table: t\n%s",
             db, extra_source, lake, extra_target, statedir,
             job_extra ? job_extra : "    watermark:\n      columns: [id]\n");
    struct weir_spec *spec = NULL;
    struct weir_error err;
    if (weir_spec_parse("test.yaml", text, strlen(text), &spec, &err) != WEIR_OK) {
        printf("# spec: %s\n", err.message);
        return NULL;
    }
    return spec;
}

static struct weir_spec *spec_with(const char *extra_source, const char *job_extra)
{
    return spec_full(extra_source, "", job_extra);
}

/* Reads every data file under the lake: ids in *ids (sorted), count returned;
 * *files receives the number of files. */
static int collect(const char *dir, long *ids, int cap, int n, int *files)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return n;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char p[1024];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        struct stat st;
        stat(p, &st);
        if (S_ISDIR(st.st_mode)) {
            n = collect(p, ids, cap, n, files);
            continue;
        }
        (*files)++;
        FILE *f = fopen(p, "r");
        char line[256];
        while (f && fgets(line, sizeof(line), f)) {
            if (line[0] != '#' && n < cap) {
                ids[n++] = strncmp(line, "NULL", 4) == 0 ? -1 : strtol(line, NULL, 10);
            }
        }
        if (f) {
            fclose(f);
        }
    }
    closedir(d);
    return n;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* "1..8 once each": the lake holds exactly ids lo..hi, each once. */
static int lake_is(long lo, long hi, int *files_out)
{
    static long ids[2000];
    int files = 0;
    int n = collect(lake, ids, 2000, 0, &files);
    qsort(ids, (size_t)n, sizeof(long), cmp_long);
    if (files_out) {
        *files_out = files;
    }
    if (n != hi - lo + 1) {
        printf("#   lake has %d rows, want %ld\n", n, hi - lo + 1);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        if (ids[i] != lo + i) {
            printf("#   row %d is id %ld, want %ld\n", i, ids[i], lo + i);
            return 0;
        }
    }
    return 1;
}

static json_t *state_doc(void);
static const char *wm_value(json_t *doc);

/* Every file under lake/t/name=V/ holds only rows named V; *files and
 * *hidden (temporary files left) counted. */
/* files whose trailer counts compactions, as of the last folders_ok */
static int files_compacted;

static int folders_ok(int *files, int *hidden)
{
    char top[256];
    snprintf(top, sizeof(top), "%s/t", lake);
    DIR *d = opendir(top);
    int ok = d != NULL;
    struct dirent *e;
    *files = *hidden = 0;
    files_compacted = 0;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "name=", 5) != 0) {
            continue;
        }
        char sub[600];
        snprintf(sub, sizeof(sub), "%s/%s", top, e->d_name);
        DIR *p = opendir(sub);
        struct dirent *g;
        while (p != NULL && (g = readdir(p)) != NULL) {
            if (strcmp(g->d_name, ".") == 0 || strcmp(g->d_name, "..") == 0) {
                continue;
            }
            if (g->d_name[0] == '.') {
                (*hidden)++;
                continue;
            }
            (*files)++;
            char path[1200], line[256];
            snprintf(path, sizeof(path), "%s/%s", sub, g->d_name);
            FILE *f = fopen(path, "r");
            while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
                char *comma = strchr(line, ',');
                line[strcspn(line, "\n")] = '\0';
                const char *cp = strstr(line, " compactions ");
                files_compacted += line[0] == '#' && cp != NULL && atoi(cp + 13) > 0;
                if (line[0] != '#' && (comma == NULL || strcmp(comma + 1, e->d_name + 5) != 0)) {
                    printf("#   %s holds %s\n", path, line);
                    ok = 0;
                }
            }
            if (f != NULL) {
                fclose(f);
            }
        }
        if (p != NULL) {
            closedir(p);
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    return ok;
}

/* A job partitioned by name, the memory budget small enough that every
 * few batches a relief flushes dozens of partitions at once; batches of 25
 * rows leave most partitions idle at a relief (they are flushed), of 600
 * rows none (they are compacted, then flushed). */
static struct weir_spec *part_spec_rows(const char *writer_options, int batch_rows)
{
    char target[256], source[64];
    snprintf(target, sizeof(target), "  memory_budget: 1KiB\n%s%s",
             writer_options[0] ? "  options:\n" : "", writer_options);
    snprintf(source, sizeof(source), "  options:\n    batch_rows: %d\n", batch_rows);
    return spec_full(source, target,
                     "    watermark:\n      columns: [id]\n"
                     "    partition_by: {column: name, granularity: value}\n");
}

static struct weir_spec *part_spec(const char *writer_options)
{
    return part_spec_rows(writer_options, 25);
}

/* ids from..to, names n00..n59 in no order */
static void write_named(int from, int to, const char *mode)
{
    FILE *f = fopen(db, mode);
    for (int i = from; i <= to; i++) {
        fprintf(f, "%d,n%02d\n", i, (i * 7) % 60);
    }
    fclose(f);
}

static void test_partitioned_failures(struct weir_run_options *opts)
{
    struct weir_error err;
    char cmd[400];
    int files = 0, hidden = 0;
    snprintf(cmd, sizeof(cmd), "rm -rf %s %s", lake, statedir);
    TAP_OK(system(cmd) == 0, "partitioned: fresh lake and state");
    write_named(1, 600, "w");

    struct weir_spec *spec = part_spec("    fail_flush: n07\n");
    TAP_OK(spec != NULL, "partitioned spec parses");
    if (spec == NULL) {
        return;
    }
    TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], opts, &err), WEIR_EIO,
               "a flush failing on one partition of 60 fails the run");
    TAP_OK(strstr(err.message, "flush of a file with n07 fails") != NULL,
           "the writer's message comes through the fanned-out relief");
    TAP_OK(folders_ok(&files, &hidden) && files == 0 && hidden == 0,
           "nothing visible and no temporary file left");
    json_t *doc = state_doc();
    TAP_OK(json_is_object(json_object_get(doc, "pending")) && wm_value(doc) == NULL,
           "the intent stays, no watermark");
    json_decref(doc);
    weir_spec_free(spec);

    spec = part_spec("");
    TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], opts, &err), WEIR_OK, "the rerun");
    TAP_OK(lake_is(1, 600, NULL), "rerun: 1..600 exactly once");
    TAP_OK(folders_ok(&files, &hidden), "each row in its own name's folder");
    TAP_OK(files == 60 && hidden == 0, "one file per partition");
    printf("# %d files\n", files);
    weir_spec_free(spec);

    write_named(601, 1200, "a");
    spec = part_spec("    fail_finish: n33\n");
    TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], opts, &err), WEIR_EIO,
               "ending one file of 60 fails the run");
    TAP_OK(strstr(err.message, "finish of a file with n33 fails") != NULL,
           "the writer's message comes through the fanned-out end");
    doc = state_doc();
    TAP_EQ_STR(wm_value(doc), "600", "the watermark stays at 600");
    json_decref(doc);
    weir_spec_free(spec);

    spec = part_spec("");
    TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], opts, &err), WEIR_OK,
               "the rerun after a failed end");
    TAP_OK(lake_is(1, 1200, NULL), "rerun: 1..1200 exactly once");
    TAP_OK(folders_ok(&files, &hidden) && files == 120 && hidden == 0,
           "each row in its folder, one file per partition and run");
    weir_spec_free(spec);

    write_named(1201, 1800, "a");
    spec = part_spec_rows("    fail_compact: n21\n", 600);
    TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], opts, &err), WEIR_EIO,
               "compacting one partition of 60 fails the run");
    TAP_OK(strstr(err.message, "compacting a file with n21 fails") != NULL,
           "the writer's message comes through the relief: %s", err.message);
    TAP_OK(folders_ok(&files, &hidden) && files == 120 && hidden == 0,
           "no file of the failed run is visible or left behind");
    doc = state_doc();
    TAP_EQ_STR(wm_value(doc), "1200", "the watermark stays at 1200");
    json_decref(doc);
    weir_spec_free(spec);

    spec = part_spec_rows("", 600);
    TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], opts, &err), WEIR_OK,
               "the rerun after a failed compaction");
    TAP_OK(lake_is(1, 1800, NULL), "rerun: 1..1800 exactly once");
    TAP_OK(folders_ok(&files, &hidden) && files == 180 && hidden == 0,
           "each row in its folder, one file per partition and run");
    TAP_OK(files_compacted == 60, "every partition's file of the rerun was compacted (%d)",
           files_compacted);
    weir_spec_free(spec);
}

static json_t *state_doc(void)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/t.json", statedir);
    return json_load_file(p, 0, NULL);
}

static const char *wm_value(json_t *doc)
{
    return json_string_value(
        json_array_get(json_object_get(json_object_get(doc, "watermark"), "values"), 0));
}

int main(void)
{
    FILE *devnull = fopen("/dev/null", "w");
    weir_log_setup(devnull, WEIR_LOG_JSON, WEIR_LOG_INFO);
    snprintf(root, sizeof(root), "/tmp/weir-job-XXXXXX");
    if (mkdtemp(root) == NULL) {
        return 1;
    }
    snprintf(db, sizeof(db), "%s/db.txt", root);
    snprintf(lake, sizeof(lake), "%s/lake", root);
    snprintf(statedir, sizeof(statedir), "%s/state", root);
    struct weir_run_options opts = {0};
    struct weir_error err;
    int files = 0;

    write_db("1,a\n2,b\n3,c\n4,d\n5,e\n", "w");
    struct weir_spec *spec = spec_with("", NULL);
    TAP_OK(spec != NULL, "spec parses");
    if (spec == NULL) {
        return tap_done();
    }
    const struct weir_spec_job *job = &spec->jobs[0];
    TAP_EQ_INT(weir_job_run(spec, job, &opts, &err), WEIR_OK, "first run");
    TAP_OK(lake_is(1, 5, &files), "first run wrote ids 1..5 once");
    json_t *doc = state_doc();
    TAP_EQ_STR(wm_value(doc), "5", "watermark committed at 5");
    TAP_OK(json_is_null(json_object_get(doc, "pending")), "no pending intent after commit");
    json_t *h = json_array_get(json_object_get(doc, "history"), 0);
    TAP_EQ_INT(json_integer_value(json_object_get(h, "rows")), 5, "history counts rows");
    TAP_EQ_INT(json_integer_value(json_object_get(h, "source_count")), 5,
               "history records the source count");
    json_decref(doc);

    write_db("6,f\n7,g\nNULL,nowm\n8,h\n", "a");
    TAP_EQ_INT(weir_job_run(spec, job, &opts, &err), WEIR_OK, "incremental run");
    TAP_OK(lake_is(1, 8, NULL), "incremental run added only 6..8");
    doc = state_doc();
    TAP_EQ_STR(wm_value(doc), "8", "watermark moved to 8");
    h = json_array_get(json_object_get(doc, "history"), 1);
    TAP_EQ_INT(json_integer_value(json_object_get(h, "null_watermark_rows")), 1,
               "NULL watermark row counted and recorded");
    json_decref(doc);

    TAP_EQ_INT(weir_job_run(spec, job, &opts, &err), WEIR_OK, "run with nothing new");
    int files_before = 0;
    TAP_OK(lake_is(1, 8, &files_before), "nothing new, nothing written");

    /* a failure in the middle of the scan: batches of 2, fails at row 3 */
    write_db("9,i\n10,j\n11,k\n12,l\n13,m\n", "a");
    weir_spec_free(spec);
    spec = spec_with("  options:\n    batch_rows: 2\n    fail_at_row: 3\n", NULL);
    job = &spec->jobs[0];
    TAP_EQ_INT(weir_job_run(spec, job, &opts, &err), WEIR_ETEMPFAIL, "failing run fails");
    doc = state_doc();
    TAP_EQ_STR(wm_value(doc), "8", "watermark did not move");
    json_t *pending = json_object_get(doc, "pending");
    TAP_OK(json_is_object(pending), "intent left behind");
    char run_id[64];
    snprintf(run_id, sizeof(run_id), "%s", json_string_value(json_object_get(pending, "run_id")));
    TAP_EQ_STR(json_string_value(json_array_get(json_object_get(pending, "high"), 0)), "13",
               "intent records the high bound");
    /* the intent names no file: the run id finds them (one listing) */
    char want_prefix[100];
    snprintf(want_prefix, sizeof(want_prefix), "part-%s-", run_id);
    TAP_EQ_STR(json_string_value(json_object_get(pending, "file_prefix")), want_prefix,
               "intent records the run's file name prefix");
    TAP_EQ_INT((long)json_array_size(json_object_get(pending, "files")), 0,
               "intent lists no files");
    /* what a SIGKILL leaves: a temporary file being written, and a file of
     * the run already committed (holding a row of the window) */
    char stale[600] = "", done_file[600] = "";
    snprintf(stale, sizeof(stale), "%s/t/.part-%s-0-00042.csv.tmp-99999", lake, run_id);
    snprintf(done_file, sizeof(done_file), "%s/t/part-%s-0-00043.csv", lake, run_id);
    FILE *sf = fopen(stale, "w");
    FILE *df = fopen(done_file, "w");
    TAP_OK(sf != NULL && df != NULL, "stale temporary and committed files planted");
    if (sf != NULL) {
        fclose(sf);
    }
    if (df != NULL) {
        fputs("9,i\n", df);
        fclose(df);
    }
    json_decref(doc);

    /* rows committed after the failure but inside the window are picked up by the redo;
     * rows above the recorded high wait for the next run */
    write_db("14,n\n", "a");
    weir_spec_free(spec);
    spec = spec_with("  options:\n    batch_rows: 2\n", NULL);
    job = &spec->jobs[0];
    TAP_EQ_INT(weir_job_run(spec, job, &opts, &err), WEIR_OK, "rerun after the failure");
    TAP_OK(lake_is(1, 13, NULL), "rerun: 9..13 exactly once, 14 not yet");
    TAP_OK(access(stale, F_OK) != 0, "the rerun removed the stale temporary file");
    TAP_OK(access(done_file, F_OK) != 0, "the rerun removed the dead run's committed file");
    doc = state_doc();
    TAP_EQ_STR(wm_value(doc), "13", "watermark moved to the intent's high");
    h = json_array_get(json_object_get(doc, "history"), json_array_size(json_object_get(doc,
                                                                                     "history")) -
                                                            1);
    TAP_EQ_STR(json_string_value(json_object_get(h, "run_id")), run_id,
               "the redo used the same run id");
    TAP_OK(json_is_true(json_object_get(h, "resumed")), "history marks the redo");
    json_decref(doc);
    TAP_EQ_INT(weir_job_run(spec, job, &opts, &err), WEIR_OK, "next run");
    TAP_OK(lake_is(1, 14, NULL), "14 arrives in the next run");

    /* the lock */
    struct weir_state_store *other = NULL;
    TAP_EQ_INT(weir_state_open(statedir, &other, &err), WEIR_OK, "second store");
    TAP_EQ_INT(other->ops->lock(other, "t", "someone-else", &err), WEIR_OK, "lock taken");
    TAP_EQ_INT(weir_job_run(spec, job, &opts, &err), WEIR_ELOCKED, "run refused while locked");
    TAP_OK(strstr(err.detail, "someone-else") != NULL, "lock message names the holder");
    other->ops->unlock(other, "t");
    other->ops->free(other);

    /* full reload: a new snapshot replaces every file */
    opts.full_reload = 1;
    TAP_EQ_INT(weir_job_run(spec, job, &opts, &err), WEIR_OK, "full reload");
    opts.full_reload = 0;
    long ids[100];
    int fr_files = 0;
    int n = collect(lake, ids, 100, 0, &fr_files);
    qsort(ids, (size_t)n, sizeof(long), cmp_long);
    printf("# full reload: %d rows, %d files, first %ld last %ld\n", n, fr_files, ids[0], ids[n - 1]);
    TAP_OK(n == 15 && ids[0] == -1 && ids[1] == 1 && ids[14] == 14,
           "full reload holds every row once, the NULL-watermark row too");
    doc = state_doc();
    TAP_EQ_STR(wm_value(doc), "14", "full reload sets the watermark to the snapshot's max");
    TAP_OK(json_object_get(doc, "cleanup") == NULL || json_is_null(json_object_get(doc, "cleanup")),
           "old files removed");
    json_decref(doc);

    /* NULL policy fail */
    weir_spec_free(spec);
    spec = spec_with("", "    watermark:\n      columns: [id]\n      nulls: fail\n");
    TAP_OK(spec != NULL, "spec with nulls: fail");
    if (spec != NULL) {
        int before = 0, after = 0;
        n = collect(lake, ids, 100, 0, &before);
        write_db("15,o\n", "a");
        TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], &opts, &err), WEIR_EDATA,
                   "NULL watermark rows fail the run");
        TAP_OK(strstr(err.message, "1 rows have a NULL watermark") != NULL, "message counts them");
        int n_after = collect(lake, ids, 100, 0, &after);
        TAP_OK(n_after == n && after == before, "lake untouched by the failed run");
        doc = state_doc();
        TAP_EQ_STR(wm_value(doc), "14", "watermark untouched by the failed run");
        TAP_OK(json_is_null(json_object_get(doc, "pending")), "no intent written before the check");
        json_decref(doc);
    }

    /* watermark.start on a fresh job state */
    weir_spec_free(spec);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf %s %s", lake, statedir);
    TAP_OK(system(cmd) == 0, "fresh lake and state");
    write_db("1,a\n2,b\n3,c\n4,d\n", "w");
    spec = spec_with("", "    watermark:\n      columns: [id]\n      start: \"3\"\n");
    TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], &opts, &err), WEIR_OK, "run with start");
    TAP_OK(lake_is(3, 4, NULL), "start is inclusive: 3 and 4");

    /* mode full jobs have no watermark */
    weir_spec_free(spec);
    spec = spec_with("", "    mode: full\n");
    TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], &opts, &err), WEIR_OK, "mode full run");
    TAP_OK(lake_is(1, 4, NULL), "mode full: the whole table once, old files gone");
    TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], &opts, &err), WEIR_OK, "mode full again");
    TAP_OK(lake_is(1, 4, NULL), "second full run still holds each row once");

    /* pii: hash replaces the column by its HMAC-SHA256 under pii_key, NULL id rows too */
    weir_spec_free(spec);
    snprintf(cmd, sizeof(cmd), "rm -rf %s %s", lake, statedir);
    TAP_OK(system(cmd) == 0, "fresh lake and state for pii");
    write_db("1,alice@example.com\n", "w");
    {
        char text[2048];
        snprintf(text, sizeof(text),
                 "version: 1\npii_key: \"k3y\"\nsource:\n  driver: fake\n  connection: \"%s\"\n"
                 "target:\n  location: \"%s\"\n  format: fakecsv\n  compression: none\n"
                 "state:\n  location: \"%s\"\njobs:\n  - name: t\n    table: t\n    mode: full\n"
                 "    pii:\n      name: hash\n",
                 db, lake, statedir);
        spec = NULL;
        TAP_EQ_INT(weir_spec_parse("pii.yaml", text, strlen(text), &spec, &err), WEIR_OK,
                   "pii spec parses");
    }
    TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], &opts, &err), WEIR_OK, "run with pii: hash");
    {
        unsigned char mac[32];
        unsigned int maclen = 0;
        HMAC(EVP_sha256(), "k3y", 3, (const unsigned char *)"alice@example.com", 17, mac, &maclen);
        char want[80] = "1,";
        for (unsigned int i = 0; i < maclen; i++) {
            snprintf(want + 2 + 2 * i, 3, "%02x", mac[i]);
        }
        char got[200] = "";
        char found[512] = "";
        snprintf(cmd, sizeof(cmd), "find %s -name '*.csv' | head -n 1", lake);
        FILE *pf = popen(cmd, "r");
        if (pf != NULL && fgets(found, sizeof(found), pf) != NULL) {
            found[strcspn(found, "\n")] = '\0';
            FILE *f = fopen(found, "r");
            if (f != NULL) {
                if (fgets(got, sizeof(got), f) == NULL) {
                    got[0] = '\0';
                }
                got[strcspn(got, "\n")] = '\0';
                fclose(f);
            }
        }
        if (pf != NULL) {
            pclose(pf);
        }
        TAP_EQ_STR(got, want, "the lake holds the HMAC-SHA256 of the value, not the value");
    }

    /* bookkeeping per file is O(1): the intent of a run that wrote 3 files
     * and of one that wrote 30 have the same size; and an intent in the
     * format before file_prefix (a "files" list) is still recovered */
    weir_spec_free(spec);
    spec = NULL;
    {
        size_t intent_len[2] = {0, 0};
        int run_files[2] = {0, 0};
        const int fail_at[2] = {4, 31};
        char text[2048], rows[600] = "";
        for (int i = 1; i <= 40; i++) {
            char one[20];
            snprintf(one, sizeof(one), "%d,r%d\n", i, i);
            strncat(rows, one, sizeof(rows) - strlen(rows) - 1);
        }
        for (int k = 0; k < 2; k++) {
            snprintf(cmd, sizeof(cmd), "rm -rf %s %s", lake, statedir);
            TAP_OK(system(cmd) == 0, "fresh lake and state for the intent size");
            write_db(rows, "w");
            snprintf(text, sizeof(text),
                     "version: 1\nsource:\n  driver: fake\n  connection: \"%s\"\n  options:\n"
                     "    batch_rows: 1\n    fail_at_row: %d\n"
                     "target:\n  location: \"%s\"\n  format: fakecsv\n  compression: none\n"
                     "  file_size: 1\n"
                     "state:\n  location: \"%s\"\njobs:\n  - name: t\n    table: t\n"
                     "    watermark:\n      columns: [id]\n",
                     db, fail_at[k], lake, statedir);
            TAP_EQ_INT(weir_spec_parse("size.yaml", text, strlen(text), &spec, &err), WEIR_OK,
                       "spec with a file per row parses");
            TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], &opts, &err), WEIR_ETEMPFAIL,
                       "run fails after some files");
            weir_spec_free(spec);
            spec = NULL;
            long got[100];
            collect(lake, got, 100, 0, &run_files[k]);
            doc = state_doc();
            char *dump = json_dumps(json_object_get(doc, "pending"), JSON_COMPACT);
            intent_len[k] = dump ? strlen(dump) : 0;
            free(dump);
            json_decref(doc);
        }
        printf("# intent: %zu bytes after %d files, %zu bytes after %d files\n", intent_len[0],
               run_files[0], intent_len[1], run_files[1]);
        TAP_OK(run_files[0] >= 2 && run_files[1] >= 29, "the failing runs committed a few, then many files");
        TAP_OK(intent_len[0] > 0 && intent_len[0] == intent_len[1],
               "the intent does not grow with the files written");

        /* the same intent as a version before file_prefix wrote it */
        doc = state_doc();
        json_t *p = json_object_get(doc, "pending");
        json_object_del(p, "file_prefix");
        json_t *old_files = json_array();
        char found[600];
        snprintf(cmd, sizeof(cmd), "cd %s && find t -name 'part-*'", lake);
        FILE *pf = popen(cmd, "r");
        while (pf != NULL && fgets(found, sizeof(found), pf) != NULL) {
            found[strcspn(found, "\n")] = '\0';
            json_array_append_new(old_files, json_string(found));
        }
        if (pf != NULL) {
            pclose(pf);
        }
        json_object_set_new(p, "files", old_files);
        snprintf(found, sizeof(found), "%s/t.json", statedir);
        TAP_EQ_INT(json_dump_file(doc, found, JSON_INDENT(2)), 0, "old-format intent written");
        json_decref(doc);
        snprintf(text, sizeof(text),
                 "version: 1\nsource:\n  driver: fake\n  connection: \"%s\"\n"
                 "target:\n  location: \"%s\"\n  format: fakecsv\n  compression: none\n"
                 "state:\n  location: \"%s\"\njobs:\n  - name: t\n    table: t\n"
                 "    watermark:\n      columns: [id]\n",
                 db, lake, statedir);
        TAP_EQ_INT(weir_spec_parse("old.yaml", text, strlen(text), &spec, &err), WEIR_OK,
                   "recovery spec parses");
        TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], &opts, &err), WEIR_OK,
                   "an old-format intent is recovered");
        TAP_OK(lake_is(1, 40, NULL), "after the recovery: 1..40 exactly once");
    }

    test_partitioned_failures(&opts);

    /* bad password from a reference */
    weir_spec_free(spec);
    spec = spec_with("  password: wrong\n", NULL);
    TAP_EQ_INT(weir_job_run(spec, &spec->jobs[0], &opts, &err), WEIR_EAUTH,
               "rejected login is EAUTH");
    weir_spec_free(spec);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    TAP_OK(system(cmd) == 0, "cleanup");
    fclose(devnull);
    return tap_done();
}
