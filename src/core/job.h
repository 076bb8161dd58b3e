/*
 * One job, top-down: spec → plan → source → batches → writer → sink →
 * (catalog) → state commit. weir_job_run is the whole flow in order; plan and
 * check share its first steps and stop early.
 */
#ifndef WEIR_CORE_JOB_H
#define WEIR_CORE_JOB_H

#include <stdint.h>
#include <stdio.h>

#include "core/secret.h"
#include "spec/spec.h"
#include "weir/weir.h"

/* What one run did; filled by weir_job_run when opts->result is set. */
struct weir_run_result {
    uint64_t rows;  /* committed rows (0 for "no new rows" and failures) */
    uint64_t bytes;
    uint64_t files;
    double seconds;
    int failed;     /* 1 when weir_job_run returned an error */
};

/*
 * A source connection kept between the jobs of one process (conncache.c):
 * a job whose connection settings are the same takes it instead of logging
 * in. The plugin that made it must stay loaded while the cache holds it.
 */
struct weir_conn_cache {
    void *conn;                      /* owned; NULL when empty */
    void (*disconnect)(void *conn);  /* the plugin's */
    unsigned char key[32];           /* SHA-256 of the settings */
    /* the host services every connection of the process is made with: a
     * plugin keeps the pointer until disconnect, longer than one job */
    struct weir_host host;
    int host_set;
};

/* Disconnects what the cache holds. */
void weir_conn_cache_drop(struct weir_conn_cache *cache);

struct weir_run_options {
    int full_reload;             /* --full-reload */
    int detect_deletes;          /* --detect-deletes: sweep now (jobs with deletes) */
    volatile int *cancel;        /* set by signal handlers; borrowed */
    weir_secret_fetch_fn fetch;  /* Secrets Manager, or NULL */
    void *fetch_ctx;
    struct weir_run_result *result; /* borrowed, may be NULL: filled by weir_job_run */
    struct weir_conn_cache *conn_cache; /* borrowed, may be NULL: reuse connections */
};

/* Runs the job. WEIR_OK also when there was nothing new to extract. */
int weir_job_run(const struct weir_spec *spec, const struct weir_spec_job *job,
                 const struct weir_run_options *opts, struct weir_error *err);

/* Prints what a run would do (SQL, low/high watermark and which guard set it,
 * files it would write) to `out`; writes nothing, takes no lock. */
int weir_job_plan(const struct weir_spec *spec, const struct weir_spec_job *job,
                  const struct weir_run_options *opts, FILE *out, struct weir_error *err);

/* weir check (check.c): loads the plugins, resolves secrets and connects
 * once, checks the target and state locations (creating nothing), then per
 * job (every job, or only `only_job`) checks its options, describes its query
 * and prints its columns as SQL type and lake (Glue) type. Every job is
 * checked even after one fails; the first failure is returned in err. */
int weir_spec_check(const struct weir_spec *spec, const char *only_job,
                    const struct weir_run_options *opts, FILE *out, struct weir_error *err);

/* weir_spec_check of one job. */
int weir_job_check(const struct weir_spec *spec, const struct weir_spec_job *job,
                   const struct weir_run_options *opts, FILE *out, struct weir_error *err);

/* Checks state-set values (borrowed, n = the job's watermark columns) against
 * the source: connects and asks the database to compare each column with its
 * value. WEIR_EDATA naming the --value and column the database refuses;
 * connection errors as weir_job_check returns them. */
int weir_job_check_bounds(const struct weir_spec *spec, const struct weir_spec_job *job,
                          const struct weir_run_options *opts, const char *const *values,
                          size_t n, struct weir_error *err);

/* When err (a failed query with the committed low watermark `low`, n_wm
 * bounds) is bad data or configuration: adds the stored values to the detail
 * and a hint naming weir state show / set / reset. Other errors unchanged. */
void weir_job_low_hint(const struct weir_spec *spec, const struct weir_spec_job *job,
                       const struct weir_bound *low, struct weir_error *err);

/* Emits the run's CloudWatch EMF record (namespace weir, dimension job):
 * Rows, Bytes, Files, Seconds, RowsPerSecond, Failed (0/1), and
 * WatermarkLagSeconds (now minus the value) when `watermark` (may be NULL:
 * the committed value of the first watermark column, text) is a date or
 * timestamp. job_metrics.c. */
void weir_job_metrics(const struct weir_run_result *res, const char *watermark);
/* Parses YYYY-MM-DD[( |T)HH:MM:SS[.f*][Z|±HH[:MM]]] (no zone: UTC) into
 * microseconds since the epoch; -1 when the text is not such a time. */
int weir_job_parse_time(const char *text, int64_t *us);

#endif
