/*
 * The command line's texts and choices that are not argument parsing: the
 * help of each command, the default log format, job-name lists for messages.
 */
#ifndef WEIR_CLI_HELP_H
#define WEIR_CLI_HELP_H

#include <stddef.h>
#include <stdio.h>

#include "spec/spec.h"

/* The help of `command` ("run", "plan", "check", "state", "sql", "spec"), or NULL
 * for an unknown command. Static text. */
const char *weir_cli_help(const char *command);

/* WEIR_LOG_TEXT when `stream` is a terminal (a person reads it), else
 * WEIR_LOG_JSON (a scheduler or CloudWatch does). */
int weir_cli_log_format(FILE *stream);

/* --log-format and --log-level values: WEIR_LOG_TEXT/WEIR_LOG_JSON, and
 * WEIR_LOG_DEBUG..WEIR_LOG_ERROR; -1 for anything else. Shared by weir's
 * commands and `weir discover`. */
int weir_cli_parse_log_format(const char *text);
int weir_cli_parse_log_level(const char *text);

/* "a, b, c" (the spec's job names, in order) into buf[0..cap), truncated with
 * "..." when it does not fit. */
void weir_cli_job_names(const struct weir_spec *spec, char *buf, size_t cap);

#endif
