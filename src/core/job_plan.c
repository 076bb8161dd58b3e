/* weir plan and weir check for one job; see job.h. */
#include "core/job.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/session.h"
#include "core/catalog.h"
#include "core/deletes.h"
#include "core/jobctx.h"
#include "core/partplan.h"
#include "core/sink.h"
#include "core/state.h"
#include "util/log.h"
#include "util/wtime.h"

static void tuple_names(const struct weir_spec_job *job, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < job->n_wm && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", job->wm_columns[i].s);
        if (w < 0) {
            break;
        }
        used += (size_t)w;
    }
}

static const char *partition_text(const struct weir_spec_job *job, char *buf, size_t cap)
{
    static const char *gran[] = {"YYYY-MM-DD", "YYYY-MM", "YYYY", "<value>"};
    switch (job->partition_kind) {
    case WEIR_PART_NONE:
        return "";
    case WEIR_PART_COLUMN:
        snprintf(buf, cap, "%s=%s/", job->partition_column.s, gran[job->partition_granularity]);
        return buf;
    default: {
        char date[16];
        weir_time_date(weir_time_now_us(), date, sizeof(date));
        snprintf(buf, cap, "ingest_date=%s/", date);
        return buf;
    }
    }
}

/* Bytes as "512 B", "31.2 KiB", "9.4 MiB", "1.2 GiB". */
static const char *size_text(double bytes, char *buf, size_t cap)
{
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    while (bytes >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, cap, u == 0 ? "%.0f %s" : "%.1f %s", bytes, unit[u]);
    return buf;
}

/* The partition lines of a column-partitioned job: distinct partitions in
 * the window from the source's statistics, the files to expect, and
 * warnings (max_partitions, small files). */
static int plan_partitions(struct weir_jobctx *c, const struct weir_spec *spec,
                           const struct weir_spec_job *job, int64_t rows, const char *low,
                           const char *high, FILE *out, struct weir_error *err)
{
    static const char *gran[] = {"day", "month", "year", "value"};
    const struct weir_source_ops *src = c->source.desc.source;
    const char *col = job->partition_column.s;
    struct weir_column_stats st = {.size = sizeof(st)};
    const char *why = "the source gives no column statistics";
    if (job->table.s == NULL) {
        why = "a query job: no table statistics";
    } else if (WEIR_HAS_MEMBER(src, struct weir_source_ops, column_stats) &&
               src->column_stats != NULL) {
        int rc = src->column_stats(c->conn, &c->q, col, &st, err);
        if (rc != WEIR_OK) {
            return rc;
        }
        why = "no planner statistics for the column: ANALYZE the table";
    }
    struct weir_partplan p;
    weir_partplan_estimate(&st, job->partition_granularity, rows, spec->target.file_size,
                           low, high, &p);
    if (!p.known) {
        fprintf(out, "  partitions: unknown (%s); max_partitions %d\n", why, job->partition_max);
        return WEIR_OK;
    }
    char range[120] = "";
    if (p.span >= 0) {
        snprintf(range, sizeof(range), ", %.10s .. %.10s", st.min, st.max);
    }
    fprintf(out, "  partitions: ~%.0f by %s (%s) in the window [statistics: %.0f distinct%s%s]; "
                 "max_partitions %d\n",
            p.partitions, col, gran[job->partition_granularity], p.distinct, range,
            p.has_null ? ", NULLs" : "", job->partition_max);
    char b1[32], b2[32], b3[32];
    if (p.files >= 0) {
        fprintf(out, "  expect:   ~%.0f files (%.0f a partition, new file every %s); ~%s in the "
                     "database, ~%s a file before compression\n",
                p.files, p.partitions > 0 ? p.files / p.partitions : 0,
                size_text((double)spec->target.file_size, b1, sizeof(b1)),
                size_text(p.bytes, b2, sizeof(b2)), size_text(p.avg_file, b3, sizeof(b3)));
    } else {
        fprintf(out, "  expect:   files unknown (no table size in the statistics)\n");
    }
    if (p.partitions > job->partition_max) {
        fprintf(out, "  warning:  ~%.0f partitions is more than max_partitions %d: the run would "
                     "stop with exit 78; use a coarser granularity or raise max_partitions\n",
                p.partitions, job->partition_max);
    }
    if (p.files > WEIR_PARTPLAN_SMALL_FILES && p.avg_file < WEIR_PARTPLAN_SMALL_FILE) {
        fprintf(out, "  warning:  ~%.0f small files (about %s each): many small files slow "
                     "Athena and Spark; use a coarser granularity\n",
                p.files, size_text(p.avg_file, b1, sizeof(b1)));
    }
    return WEIR_OK;
}

int weir_job_plan(const struct weir_spec *spec, const struct weir_spec_job *job,
                  const struct weir_run_options *opts, FILE *out, struct weir_error *err)
{
    struct weir_jobctx c;
    struct weir_state_store *store = NULL;
    json_t *doc = NULL;
    char *sql = NULL;
    int full = opts->full_reload || job->mode == WEIR_MODE_FULL;
    char cols[512];
    tuple_names(job, cols, sizeof(cols));
    int rc = weir_jobctx_init(&c, spec, job, opts, err);
    if (rc != WEIR_OK || (rc = weir_state_open(spec->state.location.s, &store, err)) != WEIR_OK ||
        (rc = store->ops->read(store, job->name.s, &doc, err)) != WEIR_OK) {
        goto cleanup;
    }
    fprintf(out, "job %s (%s%s)\n", job->name.s, full ? "full" : "incremental",
            opts->full_reload ? ", --full-reload" : "");
    fprintf(out, "  source:   %s %s\n", spec->source.driver.s,
            job->table.s ? job->table.s : "(query)");
    fprintf(out, "  writer:   %s, %s\n", spec->target.format.s, spec->target.compression.s);
    json_t *pending = doc ? json_object_get(doc, "pending") : NULL;
    json_t *wm = doc ? json_object_get(doc, "watermark") : NULL;
    if (json_is_object(pending)) {
        fprintf(out, "  pending:  run %s did not finish; the next run removes its files and\n"
                     "            extracts its window again, whatever this plan says\n",
                json_string_value(json_object_get(pending, "run_id")));
    }
    if ((rc = weir_jobctx_connect(&c, err)) != WEIR_OK ||
        (rc = c.source.desc.source->begin(c.conn, err)) != WEIR_OK) {
        goto cleanup;
    }
    c.in_snapshot = 1;
    if ((rc = weir_jobctx_query(&c, err)) != WEIR_OK) {
        goto cleanup;
    }
    int has_low = 0;
    if (!full && json_is_object(wm)) {
        if ((rc = weir_bounds_from_json(json_object_get(wm, "values"), c.low, job->n_wm, err)) !=
            WEIR_OK) {
            goto cleanup;
        }
        has_low = 1;
    } else if (!full && job->wm_start.s != NULL) {
        c.low[0].present = 1;
        snprintf(c.low[0].text, sizeof(c.low[0].text), "%s", job->wm_start.s);
        c.q.low_inclusive = 1;
        has_low = 1;
    }
    int has_high = 0;
    if (job->n_wm > 0) {
        c.q.low = has_low ? c.low : NULL;
        c.q.lag_us = job->wm_lag_us;
        if ((rc = c.source.desc.source->high_watermark(c.conn, &c.q, c.high, c.high_note,
                                                       sizeof(c.high_note), err)) != WEIR_OK) {
            if (has_low && !full && json_is_object(wm)) {
                weir_job_low_hint(spec, job, c.low, err);
            }
            goto cleanup;
        }
        c.q.lag_us = 0;
        has_high = c.high[0].present;
    }
    char text[1200];
    if (job->n_wm > 0) {
        weir_bounds_text(c.low, job->n_wm, text, sizeof(text));
        if (has_low) {
            fprintf(out, "  low:      (%s) %s (%s)  [%s]\n", cols, c.q.low_inclusive ? ">=" : ">",
                    text, json_is_object(wm) && !full ? "committed watermark" : "watermark.start");
        } else {
            fprintf(out, "  low:      none (%s)\n", full ? "full snapshot" : "first run");
        }
        weir_bounds_text(c.high, job->n_wm, text, sizeof(text));
        fprintf(out, "  high:     (%s) <= (%s)  [%s]\n", cols, has_high ? text : "none",
                c.high_note[0] ? c.high_note : "max");
    }
    char dels[2400];
    if ((rc = weir_deletes_describe(&c, doc, store->location, opts->detect_deletes, full, dels,
                                    sizeof(dels), err)) != WEIR_OK) {
        goto cleanup;
    }
    if (dels[0] != '\0') {
        fprintf(out, "  deletes:  %s\n", dels);
    }
    if (!full && job->n_wm > 0 && !has_high) {
        fprintf(out, "  rows:     none above the watermark; a run would write %s\n",
                weir_deletes_due(job, doc, opts->detect_deletes, full) ? "only what the sweep finds"
                                                                       : "nothing");
        goto done;
    }
    c.q.low = has_low && !full ? c.low : NULL;
    c.q.high = has_high ? c.high : NULL;
    c.q.include_nulls = full && job->n_wm > 0;
    sql = malloc(65536);
    if (sql == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = c.source.desc.source->render_sql(c.conn, &c.q, sql, 65536, err)) != WEIR_OK) {
        goto cleanup;
    }
    fprintf(out, "  sql:      %s\n", sql);
    int64_t rows = 0;
    if ((rc = c.source.desc.source->count(c.conn, &c.q, &rows, err)) != WEIR_OK) {
        goto cleanup;
    }
    fprintf(out, "  rows:     %" PRId64 " in the window now\n", rows);
    if (job->slice_count > 1) {
        fprintf(out, "  slices:   %d ranges of %s, read at once in one snapshot (ranges from its "
                     "min and max at run time)\n",
                job->slice_count, job->slice_column.s);
    }
    char part[300];
    const char *loc = spec->target.location.s;
    const char *sep = loc[0] && loc[strlen(loc) - 1] == '/' ? "" : "/";
    fprintf(out, "  files:    %s%s%s/%spart-<run id>-0-NNNNN.%s (a new file every %" PRIu64
                 " bytes)\n",
            loc, sep, job->name.s, partition_text(job, part, sizeof(part)),
            c.writer.desc.file_extension ? c.writer.desc.file_extension : "dat",
            spec->target.file_size);
    if (job->partition_kind == WEIR_PART_COLUMN) {
        /* the window's bounds narrow a date range when the column is the watermark */
        int by_wm = job->n_wm > 0 && strcmp(job->wm_columns[0].s, job->partition_column.s) == 0;
        const char *lo = by_wm && has_low && !full ? c.low[0].text : NULL;
        const char *hi = by_wm && has_high ? c.high[0].text : NULL;
        if ((rc = plan_partitions(&c, spec, job, rows, lo, hi, out, err)) != WEIR_OK) {
            goto cleanup;
        }
    }
    if (full) {
        fprintf(out, "  replaces: every file now under %s%s%s/ once the new snapshot commits\n",
                loc, sep, job->name.s);
    }
done:
    fprintf(out, "  state:    %s/%s.json\n", store->location, job->name.s);
cleanup:
    free(sql);
    json_decref(doc);
    if (store != NULL) {
        store->ops->free(store);
    }
    weir_jobctx_reset(&c);
    return rc;
}
