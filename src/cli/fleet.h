/*
 * `weir run SPEC --parallel N`: runs the jobs of a spec, up to N source
 * connections at once, every job to its end whatever the others do, and
 * ends with a summary (a table on a terminal, a run_summary log event) and
 * the most severe exit code of the jobs.
 */
#ifndef WEIR_CLI_FLEET_H
#define WEIR_CLI_FLEET_H

#include "core/job.h"
#include "spec/spec.h"

struct weir_fleet_options {
    const char *only_job; /* run only this job (--job), or NULL: every job */
    int parallel;         /* source connections at once, >= 1; 1 runs in this process */
    int table;            /* 1: print the summary table on stderr */
    int log_format;       /* for the children's log streams */
    int log_level;
    const struct weir_run_options *run; /* borrowed; its cancel flag is watched */
};

/* The exit code of the run: the most severe of the jobs' (weir_fleet_severity
 * order), 0 when every job succeeded. */
int weir_fleet_run(const struct weir_spec *spec, const struct weir_fleet_options *o);

/* The rank of an exit code: higher is more severe. The documented order is
 * 70 > 71 > 77 > 78 > 65 > 66 > 69 > 74 > 75 > 64 > 0. */
int weir_fleet_severity(int exit_code);

/* Parses --parallel's value: an integer 1..1024. -1 when it is not. */
int weir_fleet_parse_parallel(const char *text);

#endif
