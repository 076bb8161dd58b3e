/*
 * Logging: JSON lines on stderr (CloudWatch takes them as they are), or a
 * text form for humans; metrics in the CloudWatch Embedded Metric Format on
 * the same stream. One process-wide logger: the CLI configures it once.
 *
 * Never pass secret values to any function here.
 */
#ifndef WEIR_UTIL_LOG_H
#define WEIR_UTIL_LOG_H

#include <stdio.h>

#include <jansson.h>

#include "weir/weir.h"

enum weir_log_format { WEIR_LOG_JSON = 0, WEIR_LOG_TEXT = 1 };

/* Output stream (borrowed, default stderr), format and minimum level. */
void weir_log_setup(FILE *out, int format, int min_level);
/* Context fields added to every line: job and run id (copied; NULL clears). */
void weir_log_context(const char *job, const char *run_id);

/* One event. `fields` (may be NULL) is stolen: extra JSON members. */
void weir_log_event(int level, const char *event, json_t *fields, const char *fmt, ...)
    WEIR_PRINTF(4, 5);
/* An error with its three parts (message, detail, hint) and status name. */
void weir_log_error(const char *event, const struct weir_error *err);

/* Emits one EMF record: namespace "weir", dimension "job", each member of
 * `values` (stolen; numbers) a metric with the unit in `units` (borrowed,
 * same keys → "Count" / "Bytes" / "Seconds"; missing → "None"). */
void weir_log_metrics(json_t *values, json_t *units);

/* A progress line (\r, overwritten) when stderr is a terminal; no-op otherwise.
 * NULL clears the line. */
void weir_log_progress(const char *fmt, ...) WEIR_PRINTF(1, 2);

/* Turns the progress line off (0) or back on (1, the default): parallel
 * runs, whose processes share one terminal, turn it off. */
void weir_log_set_progress(int on);

/* The host services table (struct weir_host) that forwards plugin logs,
 * metrics and cancellation to this logger. `cancel_flag` is borrowed. */
void weir_log_host(struct weir_host *host, volatile int *cancel_flag);

#endif
