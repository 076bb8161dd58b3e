/*
 * Parallel runs of the jobs of one spec, in a pool of worker processes
 * (fork, one per --parallel slot): the logger's job context is
 * process-wide, and a crash of one job (a driver bug, a signal) must not
 * take the others down; every job already has its own lock, state and
 * connection. A worker runs the jobs it is handed one after the other, so
 * a no-op job costs what it costs in one process, not a fork. The parent
 * only schedules: a job takes as many connection slots as it opens (its
 * slices' count, else 1) and is handed out only while the slots in use stay
 * within --parallel; a job with more slices than --parallel waits until it
 * can run alone. A worker that dies is replaced; its job is reported as an
 * internal error (70). With --parallel 1 the jobs run one after the other
 * in this process, as they always did.
 */
#include "cli/fleet.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "core/plugin.h"
#include "util/log.h"
#include "util/status.h"
#include "util/wtime.h"

/* Exit codes from the most severe down; the rank is the distance from the end. */
static const int severity_order[] = {70, 71, 77, 78, 65, 66, 69, 74, 75, 64};
#define N_SEVERITY ((int)(sizeof(severity_order) / sizeof(severity_order[0])))

int weir_fleet_severity(int exit_code)
{
    if (exit_code == 0) {
        return 0;
    }
    for (int i = 0; i < N_SEVERITY; i++) {
        if (severity_order[i] == exit_code) {
            return N_SEVERITY - i + 1;
        }
    }
    return 1; /* an unlisted code still fails the run */
}

int weir_fleet_parse_parallel(const char *text)
{
    long v = 0;
    if (text == NULL || *text == '\0') {
        return -1;
    }
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || v > 1024) {
            return -1;
        }
        v = v * 10 + (*p - '0');
    }
    return v >= 1 && v <= 1024 ? (int)v : -1;
}

/* What a worker tells the parent through its pipe, per job. */
struct outcome {
    int status; /* WEIR_OK or the job's status */
    int exit_code;
    struct weir_run_result res;
};

struct slot {
    const struct weir_spec_job *job;
    int weight;  /* connection slots taken */
    int started; /* 0: never started (cancelled first) */
    int exit_code;
    struct outcome out;
    double t0;
};

/* A worker process: the parent writes job indexes to `cmd`, reads outcomes
 * from `res`. */
struct worker {
    pid_t pid;
    int cmd;
    int res;
    long job; /* the slot it runs, -1 when idle */
};

static int job_weight(const struct weir_spec_job *job)
{
    return job->slice_count > 1 ? (int)job->slice_count : 1;
}

/* Runs one job here; the status, and the figures in *out. */
static void run_here(const struct weir_spec *spec, struct slot *s,
                     const struct weir_fleet_options *o, struct weir_conn_cache *cache)
{
    struct weir_run_options ro = *o->run;
    ro.result = &s->out.res;
    ro.conn_cache = cache;
    struct weir_error err;
    weir_error_clear(&err);
    s->out.status = weir_job_run(spec, s->job, &ro, &err);
    if (s->out.status != WEIR_OK) {
        weir_log_context(s->job->name.s, NULL);
        weir_log_error("job_failed", &err);
    }
    weir_log_context(NULL, NULL);
    s->exit_code = weir_status_exit_code(s->out.status);
}

/* The worker's side: jobs from cmd until it closes, outcomes to res. */
static void worker_main(const struct weir_spec *spec, struct slot *slots, int cmd, int res,
                        const struct weir_fleet_options *o)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* a killed parent cancels its jobs */
    /* one write(2) per log line, so lines of parallel jobs never mix */
    FILE *f = fdopen(dup(STDERR_FILENO), "w");
    if (f != NULL) {
        setvbuf(f, NULL, _IOFBF, 1 << 16);
        weir_log_setup(f, o->log_format, o->log_level);
    }
    weir_log_set_progress(0);
    /* a worker keeps its connection between its jobs: no login per job */
    struct weir_conn_cache cache = {0};
    long idx;
    while (read(cmd, &idx, sizeof(idx)) == (ssize_t)sizeof(idx)) {
        struct slot *s = &slots[idx];
        run_here(spec, s, o, &cache);
        s->out.exit_code = s->exit_code;
        if (write(res, &s->out, sizeof(s->out)) != (ssize_t)sizeof(s->out)) {
            break;
        }
    }
    weir_conn_cache_drop(&cache);
    fflush(NULL);
    _exit(0);
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static int spawn(const struct weir_spec *spec, struct slot *slots, struct worker *ws, size_t n_ws,
                 size_t k, const struct weir_fleet_options *o)
{
    int cmd[2], res[2];
    if (pipe(cmd) != 0) {
        return -1;
    }
    if (pipe(res) != 0) {
        close(cmd[0]);
        close(cmd[1]);
        return -1;
    }
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid == 0) {
        /* the other workers' pipes stay theirs, so their deaths read as EOF */
        for (size_t i = 0; i < n_ws; i++) {
            close_fd(&ws[i].cmd);
            close_fd(&ws[i].res);
        }
        close(cmd[1]);
        close(res[0]);
        worker_main(spec, slots, cmd[0], res[1], o);
    }
    close(cmd[0]);
    close(res[1]);
    if (pid < 0) {
        close(cmd[1]);
        close(res[0]);
        return -1;
    }
    ws[k] = (struct worker){.pid = pid, .cmd = cmd[1], .res = res[0], .job = -1};
    return 0;
}

/* Reads the outcome of worker k's job; a worker that died gets its job
 * marked internal error, and is gone (pid 0). */
static void collect(struct slot *slots, struct worker *w)
{
    struct slot *s = &slots[w->job];
    struct outcome out;
    ssize_t got = read(w->res, &out, sizeof(out));
    w->job = -1;
    if (got == (ssize_t)sizeof(out)) {
        s->out = out;
        s->exit_code = out.exit_code;
        return;
    }
    int wstatus = 0;
    close_fd(&w->cmd);
    close_fd(&w->res);
    waitpid(w->pid, &wstatus, 0);
    w->pid = 0;
    memset(&s->out, 0, sizeof(s->out));
    s->out.status = WEIR_EINTERNAL;
    s->out.res.failed = 1;
    s->out.res.seconds = weir_time_mono() - s->t0;
    s->exit_code = weir_status_exit_code(WEIR_EINTERNAL);
    int sig = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
    weir_log_context(s->job->name.s, NULL);
    weir_log_event(WEIR_LOG_ERROR, "job_crashed", json_pack("{s:i}", "signal", sig),
                   "the process running job %s ended without a result (%s %d)", s->job->name.s,
                   sig ? "signal" : "exit status", sig ? sig : WEXITSTATUS(wstatus));
    weir_log_context(NULL, NULL);
}

static const char *result_text(const struct slot *s)
{
    if (!s->started) {
        return "not started";
    }
    return s->out.status == WEIR_OK ? "ok" : weir_status_name(s->out.status);
}

static void summary(const struct slot *slots, size_t n, int code, double secs,
                    const struct weir_fleet_options *o)
{
    json_t *jobs = json_array();
    size_t failed = 0;
    uint64_t rows = 0;
    for (size_t i = 0; i < n; i++) {
        const struct slot *s = &slots[i];
        failed += s->exit_code != 0;
        rows += s->out.res.rows;
        json_array_append_new(jobs,
                              json_pack("{s:s,s:I,s:f,s:s,s:i}", "job", s->job->name.s, "rows",
                                        (json_int_t)s->out.res.rows, "seconds", s->out.res.seconds,
                                        "result", result_text(s), "exit_code", s->exit_code));
    }
    weir_log_event(code == 0 ? WEIR_LOG_INFO : WEIR_LOG_ERROR, "run_summary",
                   json_pack("{s:I,s:I,s:I,s:f,s:i,s:i,s:o}", "jobs_total", (json_int_t)n,
                             "jobs_failed", (json_int_t)failed, "rows", (json_int_t)rows, "seconds",
                             secs, "parallel", o->parallel, "exit_code", code, "jobs", jobs),
                   "%zu jobs, %zu failed, %" PRIu64 " rows in %.1f s; exit code %d", n, failed,
                   rows, secs, code);
    if (!o->table) {
        return;
    }
    int w = 3;
    for (size_t i = 0; i < n; i++) {
        int l = (int)strlen(slots[i].job->name.s);
        w = l > w ? l : w;
    }
    fprintf(stderr, "\n%-*s %12s %9s  %s\n", w, "job", "rows", "seconds", "result");
    for (size_t i = 0; i < n; i++) {
        const struct slot *s = &slots[i];
        char res[64];
        if (s->exit_code != 0) {
            snprintf(res, sizeof(res), "%s (exit %d)", result_text(s), s->exit_code);
        } else {
            snprintf(res, sizeof(res), "%s", result_text(s));
        }
        fprintf(stderr, "%-*s %12" PRIu64 " %9.2f  %s\n", w, s->job->name.s, s->out.res.rows,
                s->out.res.seconds, res);
    }
    fprintf(stderr, "%zu jobs, %zu failed, %" PRIu64 " rows in %.2f s, exit code %d\n", n, failed,
            rows, secs, code);
    fflush(stderr);
}

static int most_severe(const struct slot *slots, size_t n)
{
    int code = 0;
    for (size_t i = 0; i < n; i++) {
        if (weir_fleet_severity(slots[i].exit_code) > weir_fleet_severity(code)) {
            code = slots[i].exit_code;
        }
    }
    return code;
}

/* Hands jobs to idle workers while slots are free; collects each outcome. */
static void schedule(const struct weir_spec *spec, struct slot *slots, size_t n,
                     const struct weir_fleet_options *o)
{
    volatile int *cancel = o->run->cancel;
    size_t n_ws = (size_t)o->parallel < n ? (size_t)o->parallel : n;
    struct worker *ws = calloc(n_ws, sizeof(*ws));
    struct pollfd *pfd = calloc(n_ws, sizeof(*pfd));
    size_t next = 0;
    int used = 0, running = 0, forwarded = 0;
    for (size_t k = 0; ws != NULL && k < n_ws; k++) {
        ws[k] = (struct worker){.pid = 0, .cmd = -1, .res = -1, .job = -1};
    }
    while (ws != NULL && pfd != NULL) {
        for (size_t k = 0; k < n_ws && next < n && !(cancel && *cancel); k++) {
            struct slot *s = &slots[next];
            if (ws[k].job >= 0 || (running > 0 && used + s->weight > o->parallel)) {
                continue;
            }
            if (ws[k].pid == 0 && spawn(spec, slots, ws, n_ws, k, o) != 0) {
                continue;
            }
            long idx = (long)next;
            s->t0 = weir_time_mono();
            s->started = 1;
            ws[k].job = idx;
            used += s->weight;
            running++;
            next++;
            if (write(ws[k].cmd, &idx, sizeof(idx)) != (ssize_t)sizeof(idx)) {
                collect(slots, &ws[k]); /* the worker is gone: the job failed */
                used -= s->weight;
                running--;
            }
        }
        if (running == 0) {
            break;
        }
        for (size_t k = 0; k < n_ws; k++) {
            pfd[k] = (struct pollfd){.fd = ws[k].job >= 0 ? ws[k].res : -1, .events = POLLIN};
        }
        if (poll(pfd, n_ws, -1) < 0) {
            if (errno == EINTR && cancel && *cancel && !forwarded) {
                for (size_t k = 0; k < n_ws; k++) {
                    if (ws[k].pid > 0) {
                        kill(ws[k].pid, SIGTERM);
                    }
                }
                forwarded = 1;
            }
            continue;
        }
        for (size_t k = 0; k < n_ws; k++) {
            if (ws[k].job >= 0 && pfd[k].revents != 0) {
                used -= slots[ws[k].job].weight;
                running--;
                collect(slots, &ws[k]);
            }
        }
    }
    /* closing the command pipes ends the workers */
    for (size_t k = 0; ws != NULL && k < n_ws; k++) {
        close_fd(&ws[k].cmd);
    }
    for (size_t k = 0; ws != NULL && k < n_ws; k++) {
        if (ws[k].pid > 0) {
            waitpid(ws[k].pid, NULL, 0);
        }
        close_fd(&ws[k].res);
    }
    /* no process could be started (out of processes): the rest run here */
    for (; next < n && !(cancel && *cancel); next++) {
        slots[next].started = 1;
        run_here(spec, &slots[next], o, NULL);
    }
    free(pfd);
    free(ws);
}

/* The spec's plugins, opened once here: every job's own load (and every
 * child's, which inherits the mapping) is then a reference count, not a
 * dlopen with relocations of libpq's and the codecs' dependency trees. A
 * plugin that fails to load here is left to each job to report. */
static void preload(const struct weir_spec *spec, struct weir_loaded_plugin *p)
{
    struct weir_error err;
    weir_error_clear(&err);
    if (weir_plugin_load(WEIR_PLUGIN_SOURCE, spec->source.driver.s, &p[0], &err) != WEIR_OK) {
        memset(&p[0], 0, sizeof(p[0]));
    }
    if (weir_plugin_load(WEIR_PLUGIN_WRITER, spec->target.format.s, &p[1], &err) != WEIR_OK) {
        memset(&p[1], 0, sizeof(p[1]));
    }
}

int weir_fleet_run(const struct weir_spec *spec, const struct weir_fleet_options *o)
{
    double t0 = weir_time_mono();
    struct weir_loaded_plugin plugins[2];
    memset(plugins, 0, sizeof(plugins));
    struct slot *slots = calloc(spec->n_jobs ? spec->n_jobs : 1, sizeof(*slots));
    if (slots == NULL) {
        fprintf(stderr, "weir: out of memory\n");
        return weir_status_exit_code(WEIR_ENOMEM);
    }
    size_t n = 0;
    for (size_t i = 0; i < spec->n_jobs; i++) {
        if (o->only_job == NULL || strcmp(o->only_job, spec->jobs[i].name.s) == 0) {
            slots[n].job = &spec->jobs[i];
            slots[n].weight = job_weight(&spec->jobs[i]);
            n++;
        }
    }
    volatile int *cancel = o->run->cancel;
    /* also what lets a worker's cached connection outlive its job's plugin handle */
    if (n > 1 || o->parallel > 1) {
        preload(spec, plugins);
    }
    if (o->parallel <= 1) {
        for (size_t i = 0; i < n && !(cancel && *cancel); i++) {
            slots[i].started = 1;
            run_here(spec, &slots[i], o, NULL);
        }
    } else {
        schedule(spec, slots, n, o);
    }
    for (size_t i = 0; i < n; i++) {
        if (!slots[i].started) {
            slots[i].out.status = WEIR_ECANCELLED;
            slots[i].exit_code = weir_status_exit_code(WEIR_ECANCELLED);
        }
    }
    int code = most_severe(slots, n);
    summary(slots, n, code, weir_time_mono() - t0, o);
    for (int i = 0; i < 2; i++) {
        if (plugins[i].handle != NULL) {
            weir_plugin_unload(&plugins[i]);
        }
    }
    free(slots);
    return code;
}
