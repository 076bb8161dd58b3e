/* Watermark values from people (weir state set) checked against the source;
 * the hint a run gives when its stored low watermark is refused. See job.h. */
#include "core/job.h"

#include <string.h>

#include "core/jobctx.h"

/* The database's own parser is the check: a query compares the columns with
 * the values as its bounds, one more column each time, so the first refusal
 * names its column and no text format is second-guessed here. */
int weir_job_check_bounds(const struct weir_spec *spec, const struct weir_spec_job *job,
                          const struct weir_run_options *opts, const char *const *values,
                          size_t n, struct weir_error *err)
{
    struct weir_jobctx c;
    struct weir_bound out[WEIR_MAX_WM];
    int rc;
    if (n != job->n_wm || n == 0 || n > WEIR_MAX_WM) {
        return weir_error_set(err, WEIR_EUSAGE,
                              "job %s has %zu watermark columns: give --value %zu times",
                              job->name.s, job->n_wm, job->n_wm);
    }
    if ((rc = weir_jobctx_init(&c, spec, job, opts, err)) != WEIR_OK ||
        (rc = weir_jobctx_connect(&c, err)) != WEIR_OK ||
        (rc = c.source.desc.source->begin(c.conn, err)) != WEIR_OK) {
        goto cleanup;
    }
    c.in_snapshot = 1;
    if ((rc = weir_jobctx_query(&c, err)) != WEIR_OK) {
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        c.low[i].present = 1;
        snprintf(c.low[i].text, sizeof(c.low[i].text), "%s", values[i]);
    }
    for (size_t k = 1; k <= n; k++) {
        struct weir_query q = c.q;
        struct weir_error qerr;
        weir_error_clear(&qerr);
        q.n_wm = k;
        q.low = c.low;
        q.high = NULL;
        q.lag_us = 0;
        rc = c.source.desc.source->high_watermark(c.conn, &q, out, NULL, 0, &qerr);
        if (rc == WEIR_OK) {
            continue;
        }
        if (rc != WEIR_EDATA && rc != WEIR_ECONFIG) {
            *err = qerr;
            goto cleanup;
        }
        weir_error_set(err, WEIR_EDATA,
                       "--value %zu \"%s\" is not a value of watermark column %s of job %s", k,
                       values[k - 1], job->wm_columns[k - 1].s, job->name.s);
        weir_error_detail(err, "%s%s%s", qerr.message, qerr.detail[0] ? "; " : "", qerr.detail);
        weir_error_hint(err, "give one --value per column, in the order of watermark.columns (%s%s)",
                        job->wm_columns[0].s, n > 1 ? ", ..." : "");
        rc = WEIR_EDATA;
        goto cleanup;
    }
    rc = WEIR_OK;
cleanup:
    weir_jobctx_reset(&c);
    return rc;
}

void weir_job_low_hint(const struct weir_spec *spec, const struct weir_spec_job *job,
                       const struct weir_bound *low, struct weir_error *err)
{
    char text[300], cols[200], prev[sizeof(err->detail)];
    size_t used = 0;
    if (err->status != WEIR_EDATA && err->status != WEIR_ECONFIG) {
        return;
    }
    weir_bounds_text(low, job->n_wm, text, sizeof(text));
    cols[0] = '\0';
    for (size_t i = 0; i < job->n_wm && used < sizeof(cols); i++) {
        int w = snprintf(cols + used, sizeof(cols) - used, "%s%s", i ? ", " : "",
                         job->wm_columns[i].s);
        if (w < 0) {
            break;
        }
        used += (size_t)w;
    }
    memcpy(prev, err->detail, sizeof(prev));
    weir_error_detail(err, "%s%sthe stored low watermark is (%s) = (%s)", prev,
                      prev[0] ? "; " : "", cols, text);
    weir_error_hint(err,
                    "the low watermark comes from the state: weir state show %s --job %s; "
                    "fix it with weir state set (one --value per column) or weir state reset",
                    spec->path, job->name.s);
}
