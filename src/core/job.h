/*
 * One job, top-down: spec → plan → source → batches → writer → sink →
 * (catalog) → state commit. weir_job_run is the whole flow in order; plan and
 * check share its first steps and stop early.
 */
#ifndef WEIR_CORE_JOB_H
#define WEIR_CORE_JOB_H

#include <stdio.h>

#include "core/secret.h"
#include "spec/spec.h"
#include "weir/weir.h"

struct weir_run_options {
    int full_reload;             /* --full-reload */
    int detect_deletes;          /* --detect-deletes: sweep now (jobs with deletes) */
    volatile int *cancel;        /* set by signal handlers; borrowed */
    weir_secret_fetch_fn fetch;  /* Secrets Manager, or NULL */
    void *fetch_ctx;
};

/* Runs the job. WEIR_OK also when there was nothing new to extract. */
int weir_job_run(const struct weir_spec *spec, const struct weir_spec_job *job,
                 const struct weir_run_options *opts, struct weir_error *err);

/* Prints what a run would do (SQL, low/high watermark and which guard set it,
 * files it would write) to `out`; writes nothing, takes no lock. */
int weir_job_plan(const struct weir_spec *spec, const struct weir_spec_job *job,
                  const struct weir_run_options *opts, FILE *out, struct weir_error *err);

/* Loads plugins, checks options, resolves secrets, connects, describes the
 * query and checks the target and state locations. Prints one line per check. */
int weir_job_check(const struct weir_spec *spec, const struct weir_spec_job *job,
                   const struct weir_run_options *opts, FILE *out, struct weir_error *err);

#endif
