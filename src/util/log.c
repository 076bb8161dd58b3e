/* JSON-lines logger, text format, EMF metrics; see log.h. */
#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util/status.h"
#include "util/wtime.h"

static FILE *log_out;
static int log_format = WEIR_LOG_JSON;
static int log_min = WEIR_LOG_INFO;
static char log_job[128];
static char log_run[64];
static int progress_shown;
static int progress_on = 1;
/* Lines come whole from any thread (a partitioned run writes its files on
 * the outset's thread): one writer at a time, progress included. */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *level_names[] = {"debug", "info", "warn", "error"};

void weir_log_setup(FILE *out, int format, int min_level)
{
    log_out = out;
    log_format = format;
    log_min = min_level;
}

void weir_log_context(const char *job, const char *run_id)
{
    snprintf(log_job, sizeof(log_job), "%s", job ? job : "");
    snprintf(log_run, sizeof(log_run), "%s", run_id ? run_id : "");
}

static FILE *out_stream(void)
{
    return log_out ? log_out : stderr;
}

static void clear_progress(FILE *f)
{
    if (progress_shown) {
        fputs("\r\033[K", f);
        progress_shown = 0;
    }
}

/* Text for people: "HH:MM:SS job: message k=v", warnings and errors with
 * their level first and an error's detail and hint on lines of their own,
 * as the spec docs show them ("file:line:col: field: what" / "hint: ..."). */
static void emit_text(FILE *f, int level, const char *now, json_t *fields, const char *message)
{
    const char *k;
    json_t *v;
    if (level >= WEIR_LOG_WARN) {
        fprintf(f, "%s: %s%s%s", level == WEIR_LOG_ERROR ? "error" : "warning", log_job,
                log_job[0] ? ": " : "", message);
    } else {
        fprintf(f, "%.8s %s%s%s", strlen(now) > 11 ? now + 11 : now, log_job,
                log_job[0] ? ": " : "", message);
    }
    if (fields != NULL) {
        json_object_foreach(fields, k, v)
        {
            if (level == WEIR_LOG_ERROR && json_is_string(v) &&
                (strcmp(k, "status") == 0 || strcmp(k, "detail") == 0 || strcmp(k, "hint") == 0)) {
                continue;
            }
            if (json_is_real(v)) { /* seconds and rates: people need no 17 digits */
                fprintf(f, " %s=%.4g", k, json_real_value(v));
                continue;
            }
            char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            fprintf(f, " %s=%s", k, s ? s : json_string_value(v));
            free(s);
        }
    }
    fputc('\n', f);
    if (level == WEIR_LOG_ERROR && fields != NULL) {
        static const char *const parts[] = {"detail", "hint"};
        for (size_t i = 0; i < 2; i++) {
            const char *t = json_string_value(json_object_get(fields, parts[i]));
            if (t != NULL && t[0]) {
                fprintf(f, "%s: %s\n", parts[i], t);
            }
        }
    }
}

static void emit(int level, const char *event, json_t *fields, const char *message)
{
    FILE *f = out_stream();
    char now[40];
    weir_time_now_iso(now, sizeof(now));
    pthread_mutex_lock(&log_mu);
    clear_progress(f);
    if (log_format == WEIR_LOG_TEXT) {
        emit_text(f, level, now, fields, message);
    } else {
        json_t *o = json_object();
        json_object_set_new(o, "time", json_string(now));
        json_object_set_new(o, "level", json_string(level_names[level]));
        if (log_job[0]) {
            json_object_set_new(o, "job", json_string(log_job));
        }
        if (log_run[0]) {
            json_object_set_new(o, "run_id", json_string(log_run));
        }
        json_object_set_new(o, "event", json_string(event));
        json_object_set_new(o, "message", json_string(message));
        if (fields != NULL) {
            json_object_update_missing(o, fields);
        }
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s != NULL) {
            fputs(s, f);
            fputc('\n', f);
            free(s);
        }
        json_decref(o);
    }
    fflush(f);
    pthread_mutex_unlock(&log_mu);
}

void weir_log_event(int level, const char *event, json_t *fields, const char *fmt, ...)
{
    if (level < log_min) {
        json_decref(fields);
        return;
    }
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    emit(level, event, fields, msg);
    json_decref(fields);
}

void weir_log_error(const char *event, const struct weir_error *err)
{
    json_t *f = json_object();
    json_object_set_new(f, "status", json_string(weir_status_name(err->status)));
    if (err->detail[0]) {
        json_object_set_new(f, "detail", json_string(err->detail));
    }
    if (err->hint[0]) {
        json_object_set_new(f, "hint", json_string(err->hint));
    }
    weir_log_event(WEIR_LOG_ERROR, event, f, "%s", err->message);
}

void weir_log_metrics(json_t *values, json_t *units)
{
    FILE *f = out_stream();
    if (log_min > WEIR_LOG_INFO) { /* metrics are info lines: --log-level warn hides them */
        json_decref(values);
        return;
    }
    json_t *metrics = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(values, k, v)
    {
        json_t *u = units ? json_object_get(units, k) : NULL;
        json_array_append_new(metrics, json_pack("{s:s,s:s}", "Name", k, "Unit",
                                                 u ? json_string_value(u) : "None"));
    }
    json_t *o = json_pack("{s:{s:I,s:[{s:s,s:[[s]],s:o}]}}", "_aws", "Timestamp",
                          (json_int_t)weir_time_now_ms(), "CloudWatchMetrics", "Namespace",
                          "weir", "Dimensions", "job", "Metrics", metrics);
    json_object_set_new(o, "job", json_string(log_job));
    if (log_run[0]) {
        json_object_set_new(o, "run_id", json_string(log_run));
    }
    json_object_set_new(o, "event", json_string("metrics"));
    json_object_update(o, values);
    if (log_format == WEIR_LOG_JSON) {
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        pthread_mutex_lock(&log_mu);
        clear_progress(f);
        if (s != NULL) {
            fputs(s, f);
            fputc('\n', f);
            free(s);
        }
        fflush(f);
        pthread_mutex_unlock(&log_mu);
    } else {
        emit(WEIR_LOG_INFO, "metrics", values, "run figures");
    }
    json_decref(o);
    json_decref(values);
}

void weir_log_progress(const char *fmt, ...)
{
    FILE *f = out_stream();
    if (!progress_on || !isatty(fileno(f))) {
        return;
    }
    if (fmt == NULL) {
        pthread_mutex_lock(&log_mu);
        clear_progress(f);
        fflush(f);
        pthread_mutex_unlock(&log_mu);
        return;
    }
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_mu);
    fprintf(f, "\r\033[K%s", msg);
    fflush(f);
    progress_shown = 1;
    pthread_mutex_unlock(&log_mu);
}

void weir_log_set_progress(int on)
{
    progress_on = on;
}

/* ---- host services for plugins ---- */

static void host_log(void *ctx, int level, const char *event, const char *message)
{
    if (level < WEIR_LOG_DEBUG || level > WEIR_LOG_ERROR) {
        level = WEIR_LOG_INFO;
    }
    weir_log_event(level, event ? event : "plugin", NULL, "%s", message ? message : "");
}

static int host_cancelled(void *ctx)
{
    volatile int *flag = ctx;
    return flag != NULL && *flag != 0;
}

static void host_metric(void *ctx, const char *name, double value, const char *unit)
{
    weir_log_event(WEIR_LOG_DEBUG, "plugin_metric", json_pack("{s:s,s:f,s:s}", "name", name,
                                                              "value", value, "unit", unit),
                   "%s", name);
}

void weir_log_host(struct weir_host *host, volatile int *cancel_flag)
{
    memset(host, 0, sizeof(*host));
    host->size = sizeof(*host);
    host->abi_version = WEIR_ABI_VERSION;
    host->ctx = (void *)cancel_flag;
    host->log = host_log;
    host->cancelled = host_cancelled;
    host->metric = host_metric;
}
