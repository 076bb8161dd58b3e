/*
 * Parallel runs of the jobs of one spec. Each job runs in its own process
 * (fork): the logger's job context is process-wide, a crash of one job
 * (a driver bug, a signal) must not take the others down, and every job
 * already has its own lock, state and connection. The parent only
 * schedules: a job takes as many connection slots as it opens (its slices'
 * count, else 1), and a job is started only while the slots in use stay
 * within --parallel; a job with more slices than --parallel waits until it
 * can run alone. With --parallel 1 the jobs run one after the other in this
 * process, as they always did.
 */
#include "cli/fleet.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

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

/* What the child tells the parent through its pipe. */
struct outcome {
    int status; /* WEIR_OK or the job's status */
    struct weir_run_result res;
};

struct slot {
    const struct weir_spec_job *job;
    pid_t pid;
    int fd;      /* read end of the child's pipe */
    int weight;  /* connection slots taken */
    int started; /* 0: never started (cancelled first) */
    int exit_code;
    struct outcome out;
    double t0;
};

static int job_weight(const struct weir_spec_job *job)
{
    return job->slice_count > 1 ? (int)job->slice_count : 1;
}

/* Runs one job here; the status, and the figures in *out. */
static void run_here(const struct weir_spec *spec, struct slot *s,
                     const struct weir_fleet_options *o)
{
    struct weir_run_options ro = *o->run;
    ro.result = &s->out.res;
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

static int start_child(const struct weir_spec *spec, struct slot *s,
                       const struct weir_fleet_options *o)
{
    int fds[2];
    if (pipe(fds) != 0) {
        return -1;
    }
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* a killed parent cancels its jobs */
        /* one write(2) per log line, so lines of parallel jobs never mix */
        FILE *f = fdopen(dup(STDERR_FILENO), "w");
        if (f != NULL) {
            setvbuf(f, NULL, _IOFBF, 1 << 16);
            weir_log_setup(f, o->log_format, o->log_level);
        }
        weir_log_set_progress(0);
        run_here(spec, s, o);
        ssize_t n = write(fds[1], &s->out, sizeof(s->out));
        (void)n;
        close(fds[1]);
        fflush(NULL);
        _exit(s->exit_code);
    }
    close(fds[1]);
    s->pid = pid;
    s->fd = fds[0];
    return 0;
}

/* Collects a finished child: its outcome from the pipe, or from how it died. */
static void reap(struct slot *s, int wstatus)
{
    ssize_t n = read(s->fd, &s->out, sizeof(s->out));
    close(s->fd);
    s->fd = -1;
    s->pid = 0;
    if (n == (ssize_t)sizeof(s->out) && WIFEXITED(wstatus)) {
        s->exit_code = WEXITSTATUS(wstatus);
        return;
    }
    memset(&s->out, 0, sizeof(s->out));
    s->out.status = WEIR_EINTERNAL;
    s->out.res.failed = 1;
    s->out.res.seconds = weir_time_mono() - s->t0;
    s->exit_code = weir_status_exit_code(WEIR_EINTERNAL);
    weir_log_context(s->job->name.s, NULL);
    weir_log_event(WEIR_LOG_ERROR, "job_crashed",
                   json_pack("{s:i}", "signal", WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0),
                   "the process of job %s ended without a result (%s %d)", s->job->name.s,
                   WIFSIGNALED(wstatus) ? "signal" : "exit status",
                   WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus));
    weir_log_context(NULL, NULL);
}

static void forward_cancel(struct slot *slots, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (slots[i].pid > 0) {
            kill(slots[i].pid, SIGTERM);
        }
    }
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

/* Starts jobs while slots are free; runs them to their end; collects each. */
static void schedule(const struct weir_spec *spec, struct slot *slots, size_t n,
                     const struct weir_fleet_options *o)
{
    volatile int *cancel = o->run->cancel;
    size_t next = 0;
    int used = 0, running = 0, forwarded = 0;
    for (;;) {
        while (next < n && !(cancel && *cancel)) {
            struct slot *s = &slots[next];
            if (running > 0 && used + s->weight > o->parallel) {
                break;
            }
            s->t0 = weir_time_mono();
            s->started = 1;
            if (start_child(spec, s, o) != 0) {
                /* no process for it: run it here, after the others are done */
                s->started = 0;
                break;
            }
            used += s->weight;
            running++;
            next++;
        }
        if (running == 0) {
            break;
        }
        int wstatus;
        pid_t pid = waitpid(-1, &wstatus, 0);
        if (pid < 0) {
            if (errno == EINTR && cancel && *cancel && !forwarded) {
                forward_cancel(slots, n);
                forwarded = 1;
            } else if (errno != EINTR) {
                break;
            }
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            if (slots[i].pid == pid) {
                reap(&slots[i], wstatus);
                used -= slots[i].weight;
                running--;
                break;
            }
        }
    }
    /* fork failed (out of processes): the rest run here, one after the other */
    for (; next < n && !(cancel && *cancel); next++) {
        slots[next].started = 1;
        run_here(spec, &slots[next], o);
    }
}

int weir_fleet_run(const struct weir_spec *spec, const struct weir_fleet_options *o)
{
    double t0 = weir_time_mono();
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
            slots[n].fd = -1;
            n++;
        }
    }
    volatile int *cancel = o->run->cancel;
    if (o->parallel <= 1) {
        for (size_t i = 0; i < n && !(cancel && *cancel); i++) {
            slots[i].started = 1;
            run_here(spec, &slots[i], o);
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
    free(slots);
    return code;
}
