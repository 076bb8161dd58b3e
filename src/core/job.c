/*
 * One job run, top-down. The order of the steps is the correctness
 * argument, so it reads in one place:
 *
 *   lock → read state → (finish a full reload's cleanup) → (recover a pending
 *   intent: remove its files, redo its window) → connect, one snapshot →
 *   high watermark → NULL-watermark policy → write the intent → count →
 *   scan (one, or parallel slices in the same snapshot) → write files (named
 * part-<run_id>-…, which the intent's run id finds again) → reconcile count →
 * commit watermark → (full reload: remove old files)
 *
 * A crash anywhere before the commit leaves the intent; the next run removes
 * exactly the files of its run id (one listing, see weir_runfiles_purge) and
 * extracts the same window under the same run id, so the committed lake
 * holds each source row version once.
 */
#include "core/job.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/catalog.h"
#include "core/deletes.h"
#include "core/jobctx.h"
#include "core/outset.h"
#include "core/pii.h"
#include "core/runfiles.h"
#include "core/sink.h"
#include "core/slices.h"
#include "core/state.h"
#include "util/arrow.h"
#include "util/log.h"
#include "util/wtime.h"

struct run {
    struct weir_jobctx c;
    struct weir_state_store *store;
    struct weir_sink *sink;
    json_t *doc;
    struct weir_outset *set;
    struct ArrowSchema schema;     /* what the source produces */
    struct ArrowSchema out_schema; /* what the writer gets (pii: hash columns as text) */
    struct weir_pii *pii;
    void *scan;
    struct weir_slices *slices; /* instead of scan when the job has slices */
    int locked;
    int full;
    int resumed;
    int has_low;
    int has_high;
    char run_id[64];
    char ingest_date[16];
    char started[40];
    int64_t source_count;
    int64_t null_rows;
    double t0;
    /* deletes (core/deletes.c): whether this run sweeps, and what it found */
    int sweep;
    int64_t snapshot_us;
    struct weir_deletes dels;
};

static void new_run_id(char *buf, size_t cap)
{
    unsigned char rnd[3] = {0};
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
        int64_t t = weir_time_now_us();
        memcpy(rnd, &t, sizeof(rnd));
    }
    char ts[40];
    weir_time_format_us(weir_time_now_us(), ts, sizeof(ts));
    /* 2026-11-28T10:03:40.123456Z → 20261128T100340Z-a1b2c3: sortable, unique */
    snprintf(buf, cap, "%.4s%.2s%.2sT%.2s%.2s%.2sZ-%02x%02x%02x", ts, ts + 5, ts + 8, ts + 11,
             ts + 14, ts + 17, rnd[0], rnd[1], rnd[2]);
}

static int save(struct run *r, struct weir_error *err)
{
    return r->store->ops->write(r->store, r->c.job->name.s, r->doc, err);
}

/* Names a file in the intent before the sink creates it: the tombstone files
 * of a key sweep (deletes.c), which live outside the job's folder that the
 * run-name prefix of the intent covers. */
static int announce(void *ctx, const char *path, struct weir_error *err)
{
    struct run *r = ctx;
    json_t *files = json_object_get(json_object_get(r->doc, "pending"), "files");
    json_array_append_new(files, json_string(path));
    return save(r, err);
}

/* Removes the files; `unfinished`: they are a dead run's, which may have
 * left uploads open (the sink's abandon). */
static int remove_files(struct run *r, json_t *files, const char *why, int unfinished,
                        struct weir_error *err)
{
    size_t i;
    json_t *v;
    json_array_foreach(files, i, v)
    {
        if (r->sink->ops->remove(r->sink, json_string_value(v), err) != WEIR_OK) {
            return err->status;
        }
        if (unfinished && r->sink->ops->abandon != NULL) {
            r->sink->ops->abandon(r->sink, json_string_value(v));
        }
        weir_log_event(WEIR_LOG_INFO, "file_removed",
                       json_pack("{s:s,s:s}", "path", json_string_value(v), "why", why),
                       "removed %s", json_string_value(v));
    }
    return WEIR_OK;
}

struct collect {
    json_t *files;
    const char *run_id;
};

static int collect_file(void *ctx, const char *path, struct weir_error *err)
{
    struct collect *c = ctx;
    (void)err;
    json_array_append_new(c->files, json_string(path));
    return WEIR_OK;
}

/* A committed full reload whose old files were not all removed yet. */
static int finish_cleanup(struct run *r, struct weir_error *err)
{
    json_t *cleanup = json_object_get(r->doc, "cleanup");
    if (!json_is_array(cleanup) || json_array_size(cleanup) == 0) {
        return WEIR_OK;
    }
    if (remove_files(r, cleanup, "replaced by a full reload", 0, err) != WEIR_OK) {
        return err->status;
    }
    json_object_set_new(r->doc, "cleanup", json_null());
    return save(r, err);
}

static int check_state_columns(struct run *r, struct weir_error *err)
{
    const json_t *wm = json_object_get(r->doc, "watermark");
    if (!json_is_object(wm)) {
        return WEIR_OK;
    }
    const json_t *cols = json_object_get(wm, "columns");
    const struct weir_spec_job *job = r->c.job;
    int same = json_is_array(cols) && json_array_size(cols) == job->n_wm;
    for (size_t i = 0; same && i < job->n_wm; i++) {
        same = strcmp(json_string_value(json_array_get(cols, i))
                          ? json_string_value(json_array_get(cols, i))
                          : "",
                      job->wm_columns[i].s) == 0;
    }
    if (!same && !r->full) {
        weir_error_set(err, WEIR_ECONFIG,
                       "job %s: the committed watermark is on other columns than the spec's",
                       job->name.s);
        return weir_error_hint(err, "run once with --full-reload, or `weir state reset`");
    }
    return WEIR_OK;
}

/* Sets up the window from the pending intent of a run that did not finish. */
static int resume_pending(struct run *r, json_t *pending, struct weir_error *err)
{
    const struct weir_spec_job *job = r->c.job;
    r->resumed = 1;
    snprintf(r->run_id, sizeof(r->run_id), "%s",
             json_string_value(json_object_get(pending, "run_id")));
    const char *d = json_string_value(json_object_get(pending, "ingest_date"));
    snprintf(r->ingest_date, sizeof(r->ingest_date), "%s", d ? d : "");
    const char *kind = json_string_value(json_object_get(pending, "kind"));
    r->full = kind != NULL && strcmp(kind, "full") == 0;
    json_t *low = json_object_get(pending, "low"), *high = json_object_get(pending, "high");
    if (json_is_array(low)) {
        if (weir_bounds_from_json(low, r->c.low, job->n_wm, err) != WEIR_OK) {
            return err->status;
        }
        r->has_low = 1;
        r->c.q.low_inclusive = json_is_true(json_object_get(pending, "low_inclusive"));
    }
    if (json_is_array(high)) {
        if (weir_bounds_from_json(high, r->c.high, job->n_wm, err) != WEIR_OK) {
            return err->status;
        }
        r->has_high = 1;
    }
    weir_log_context(job->name.s, r->run_id);
    weir_log_event(WEIR_LOG_WARN, "run_resumed", NULL,
                   "run %s did not finish: removing its files and extracting its window again",
                   r->run_id);
    /* an intent written before file_prefix lists its files; a newer one
     * names none, its files are found by their run's name prefix */
    if (remove_files(r, json_object_get(pending, "files"), "redo of an unfinished run", 1, err) !=
            WEIR_OK ||
        weir_runfiles_purge(r->sink, job->name.s, r->run_id, NULL, err) != WEIR_OK) {
        return err->status;
    }
    json_object_set_new(pending, "files", json_array());
    return save(r, err);
}

/* Low from the committed watermark or the spec's start; high from the source. */
static int plan_window(struct run *r, struct weir_error *err)
{
    struct weir_jobctx *c = &r->c;
    const struct weir_spec_job *job = c->job;
    const json_t *wm = json_object_get(r->doc, "watermark");
    if (!r->full && json_is_object(wm)) {
        if (weir_bounds_from_json(json_object_get(wm, "values"), c->low, job->n_wm, err) !=
            WEIR_OK) {
            return err->status;
        }
        r->has_low = 1;
    } else if (!r->full && job->wm_start.s != NULL) {
        c->low[0].present = 1;
        snprintf(c->low[0].text, sizeof(c->low[0].text), "%s", job->wm_start.s);
        c->q.low_inclusive = 1;
        r->has_low = 1;
    }
    if (job->n_wm == 0) {
        return WEIR_OK;
    }
    c->q.low = r->has_low ? c->low : NULL;
    c->q.high = NULL;
    c->q.lag_us = job->wm_lag_us;
    int rc = c->source.desc.source->high_watermark(c->conn, &c->q, c->high, c->high_note,
                                                   sizeof(c->high_note), err);
    c->q.lag_us = 0;
    if (rc != WEIR_OK) {
        if (r->has_low && json_is_object(wm)) {
            weir_job_low_hint(c->spec, job, c->low, err);
        }
        return rc;
    }
    r->has_high = c->high[0].present;
    return WEIR_OK;
}

static int null_policy(struct run *r, struct weir_error *err)
{
    struct weir_jobctx *c = &r->c;
    if (r->full || c->job->n_wm == 0) {
        return WEIR_OK;
    }
    struct weir_query nq = c->q;
    nq.low = nq.high = NULL;
    nq.low_inclusive = 0;
    nq.wm_nulls = 1;
    if (c->source.desc.source->count(c->conn, &nq, &r->null_rows, err) != WEIR_OK) {
        return err->status;
    }
    if (r->null_rows == 0) {
        return WEIR_OK;
    }
    if (c->job->wm_nulls == WEIR_WM_NULLS_FAIL) {
        weir_error_set(err, WEIR_EDATA, "job %s: %" PRId64 " rows have a NULL watermark column",
                       c->job->name.s, r->null_rows);
        return weir_error_hint(err, "fix the rows, add a filter, or set watermark.nulls: report");
    }
    weir_log_event(WEIR_LOG_WARN, "null_watermark_rows",
                   json_pack("{s:I}", "rows", (json_int_t)r->null_rows),
                   "%" PRId64 " rows have a NULL watermark column and are not extracted by "
                   "incremental runs (watermark.nulls: report)",
                   r->null_rows);
    return WEIR_OK;
}

static int write_intent(struct run *r, struct weir_error *err)
{
    struct weir_jobctx *c = &r->c;
    size_t n = c->job->n_wm;
    json_t *obsolete = json_array();
    if (r->full) {
        /* everything the job has now is replaced once the new snapshot commits */
        char prefix[300];
        snprintf(prefix, sizeof(prefix), "%s/", c->job->name.s);
        struct collect col = {obsolete, r->run_id};
        if (r->sink->ops->list(r->sink, prefix, collect_file, &col, err) != WEIR_OK) {
            json_decref(obsolete);
            return err->status;
        }
    }
    char prefix_name[200];
    weir_runfiles_prefix(r->run_id, prefix_name, sizeof(prefix_name));
    json_t *pending = json_pack(
        "{s:s,s:s,s:s,s:s,s:o,s:b,s:o,s:[],s:o,s:s}", "run_id", r->run_id, "kind",
        r->full ? "full" : "incremental", "started", r->started, "ingest_date", r->ingest_date,
        "low", r->has_low ? weir_bounds_json(c->low, n) : json_null(), "low_inclusive",
        c->q.low_inclusive, "high", r->has_high ? weir_bounds_json(c->high, n) : json_null(),
        "files", "obsolete", obsolete, "file_prefix", prefix_name);
    json_object_set_new(r->doc, "pending", pending);
    return save(r, err);
}

static int extract(struct run *r, struct weir_error *err)
{
    struct weir_jobctx *c = &r->c;
    const struct weir_source_ops *src = c->source.desc.source;
    int rc = src->count(c->conn, &c->q, &r->source_count, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    rc = c->job->slice_count > 1 ? weir_slices_open(c, &r->schema, &r->slices, err)
                                 : src->scan_open(c->conn, &c->q, &r->schema, &r->scan, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    char low[600], high[600];
    weir_bounds_text(c->low, c->job->n_wm, low, sizeof(low));
    weir_bounds_text(c->high, c->job->n_wm, high, sizeof(high));
    if (weir_jobctx_writer_opt(c, "meta.weir.run_id", r->run_id, err) != WEIR_OK ||
        weir_jobctx_writer_opt(c, "meta.weir.job", c->job->name.s, err) != WEIR_OK ||
        weir_jobctx_writer_opt(c, "meta.weir.watermark_low", r->has_low ? low : "", err) !=
            WEIR_OK ||
        weir_jobctx_writer_opt(c, "meta.weir.watermark_high", r->has_high ? high : "", err) !=
            WEIR_OK) {
        return err->status;
    }
    const struct weir_spec *spec = c->spec;
    /* a file per partition: an encoder thread each (Parquet's threads: 1)
     * holds batch copies the memory budget cannot reclaim, and hundreds of
     * threads do not run faster on a few cores; unless the spec says so */
    struct weir_error ignored;
    if (c->job->partition_kind == WEIR_PART_COLUMN &&
        weir_kv_get(c->writer_opts, c->n_writer_opts, "threads") == NULL &&
        weir_plugin_check_option(&c->writer, "threads", "0", &ignored) == WEIR_OK &&
        weir_jobctx_writer_opt(c, "threads", "0", err) != WEIR_OK) {
        return err->status;
    }
    struct weir_outset_config cfg = {
        .writer = &c->writer,
        .host = &c->host,
        .sink = r->sink,
        .options = c->writer_opts,
        .n_options = c->n_writer_opts,
        .job = c->job->name.s,
        .run_id = r->run_id,
        .ingest_date = r->ingest_date,
        .partition_kind = c->job->partition_kind,
        .partition_column = c->job->partition_column.s,
        .granularity = c->job->partition_granularity,
        .file_size = spec->target.file_size,
        .memory_budget = spec->target.memory_budget,
        .max_partitions = c->job->partition_max > 0 ? (size_t)c->job->partition_max : 10000,
        .max_open_files = (size_t)spec->target.max_open_files,
        /* the writers encode inside write() (above): routing, encoding and
         * the files go to the outset's thread while this one reads on */
        .pipe = c->job->partition_kind == WEIR_PART_COLUMN,
    };
    if ((rc = weir_pii_new(spec, c->job, &r->schema, &c->pii_key, &r->pii, err)) != WEIR_OK ||
        (rc = r->pii ? weir_pii_schema(r->pii, &r->schema, &r->out_schema, err)
                     : weir_arrow_schema_copy(&r->schema, &r->out_schema, err)) != WEIR_OK ||
        (rc = weir_outset_new(&cfg, &r->out_schema, &r->set, err)) != WEIR_OK) {
        return rc;
    }
    double last = weir_time_mono();
    for (;;) {
        if (r->c.opts->cancel != NULL && *r->c.opts->cancel) {
            return weir_error_set(err, WEIR_ECANCELLED, "job %s cancelled by a signal",
                                  c->job->name.s);
        }
        struct ArrowArray batch;
        rc = r->slices != NULL ? weir_slices_next(r->slices, &batch, err)
                               : src->scan_next(r->scan, &batch, err);
        if (rc != WEIR_OK) {
            return rc;
        }
        if (batch.release == NULL) {
            break;
        }
        if (r->pii != NULL) {
            struct ArrowArray hashed;
            if ((rc = weir_pii_apply(r->pii, &batch, &hashed, err)) != WEIR_OK) {
                return rc;
            }
            batch = hashed; /* moved */
        }
        if ((rc = weir_outset_put(r->set, &batch, err)) != WEIR_OK) {
            return rc;
        }
        double now = weir_time_mono();
        if (now - last >= 1.0) {
            last = now;
            uint64_t rows = weir_outset_rows(r->set);
            weir_log_progress("%s: %" PRIu64 " of %" PRId64 " rows (%.0f%%), %.0f rows/s",
                              c->job->name.s, rows, r->source_count,
                              r->source_count ? 100.0 * (double)rows / (double)r->source_count
                                              : 100.0,
                              (double)rows / (now - r->t0));
        }
    }
    weir_log_progress(NULL);
    if (r->slices != NULL) {
        weir_slices_close(r->slices);
        r->slices = NULL;
    } else {
        src->scan_close(r->scan);
        r->scan = NULL;
    }
    return weir_outset_finish(r->set, err);
}

static int register_catalog(struct run *r, struct weir_error *err)
{
    struct weir_jobctx *c = &r->c;
    char low[600], high[600], location[1200];
    weir_bounds_text(c->low, c->job->n_wm, low, sizeof(low));
    weir_bounds_text(c->high, c->job->n_wm, high, sizeof(high));
    const char *loc = c->spec->target.location.s;
    snprintf(location, sizeof(location), "%s%s%s/", loc,
             loc[0] && loc[strlen(loc) - 1] == '/' ? "" : "/", c->job->name.s);
    struct weir_catalog_run run = {
        .spec = c->spec,
        .job = c->job,
        .schema = &r->out_schema,
        .format = c->spec->target.format.s,
        .table_location = location,
        .partitions = weir_outset_partitions(r->set),
        .partition_rows = weir_outset_partition_rows(r->set),
        .run_id = r->run_id,
        .rows = (int64_t)weir_outset_rows(r->set),
        .bytes = weir_outset_bytes(r->set),
        .low = r->has_low && !r->full ? low : "",
        .high = r->has_high ? high : "",
        .full = r->full,
    };
    return weir_catalog_register(&run, err);
}

static int commit(struct run *r, struct weir_error *err)
{
    struct weir_jobctx *c = &r->c;
    const struct weir_spec_job *job = c->job;
    size_t n = job->n_wm;
    json_t *pending = json_object_get(r->doc, "pending");
    json_t *obsolete = json_incref(json_object_get(pending, "obsolete"));
    uint64_t rows = r->set ? weir_outset_rows(r->set) : 0;
    char finished[40];
    weir_time_now_iso(finished, sizeof(finished));
    json_t *files = r->set ? json_copy((json_t *)weir_outset_files(r->set)) : json_array();
    json_t *entry =
        json_pack("{s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:o,s:I,s:s,s:s,s:f,s:b}", "run_id", r->run_id,
                  "kind", r->full ? "full" : "incremental", "low",
                  r->has_low ? weir_bounds_json(c->low, n) : json_null(), "high",
                  r->has_high ? weir_bounds_json(c->high, n) : json_null(), "rows",
                  (json_int_t)rows, "source_count", (json_int_t)r->source_count,
                  "null_watermark_rows", (json_int_t)r->null_rows, "files", files, "bytes",
                  (json_int_t)(r->set ? weir_outset_bytes(r->set) : 0), "started", r->started,
                  "finished", finished, "seconds", weir_time_mono() - r->t0, "resumed", r->resumed);
    if (r->has_high) {
        json_t *cols = json_array();
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(cols, json_string(job->wm_columns[i].s));
        }
        json_object_set_new(r->doc, "watermark",
                            json_pack("{s:o,s:o,s:s}", "columns", cols, "values",
                                      weir_bounds_json(c->high, n), "run_id", r->run_id));
    } else if (r->full) {
        json_object_set_new(r->doc, "watermark", json_null());
    }
    weir_state_add_history(r->doc, entry);
    weir_deletes_record(&r->dels, job, r->doc);
    json_object_set_new(r->doc, "pending", json_null());
    /* the new snapshot's own files are never obsolete */
    if (r->full && json_is_array(obsolete) && r->set != NULL) {
        json_object_set_new(r->doc, "cleanup", json_incref(obsolete));
    }
    int rc = save(r, err);
    if (rc == WEIR_OK && r->full) {
        rc = finish_cleanup(r, err);
    }
    json_decref(obsolete);
    return rc;
}

/* deletes: the key sweep, in the window's snapshot (see deletes.h) */
static int sweep_keys(struct run *r, struct weir_error *err)
{
    struct weir_deletes *d = &r->dels;
    d->c = &r->c;
    d->sink = r->sink;
    d->state_dir = r->store->location;
    d->run_id = r->run_id;
    d->snapshot_us = r->snapshot_us;
    d->rebuild = r->full;
    d->doc = r->doc;
    d->announce = announce;
    d->announce_ctx = r;
    return weir_deletes_sweep(d, err);
}

/* The run_done event of a committed run, and for every outcome the EMF
 * record (job_metrics.c). */
static void report(struct run *r, int rc, int committed)
{
    struct weir_run_result res = {0};
    res.seconds = weir_time_mono() - r->t0;
    res.failed = rc != WEIR_OK;
    if (committed && r->set != NULL) {
        res.rows = weir_outset_rows(r->set);
        res.bytes = weir_outset_bytes(r->set);
        res.files = json_array_size(weir_outset_files(r->set));
    }
    if (committed) {
        char low[600], high[600];
        weir_bounds_text(r->c.low, r->c.job->n_wm, low, sizeof(low));
        weir_bounds_text(r->c.high, r->c.job->n_wm, high, sizeof(high));
        weir_log_event(WEIR_LOG_INFO, "run_done",
                       json_pack("{s:s,s:I,s:I,s:I,s:I,s:s,s:s,s:f}", "kind",
                                 r->full ? "full" : "incremental", "rows", (json_int_t)res.rows,
                                 "source_count", (json_int_t)r->source_count, "files",
                                 (json_int_t)res.files, "bytes", (json_int_t)res.bytes, "low",
                                 r->has_low ? low : "", "high", r->has_high ? high : "",
                                 "seconds", res.seconds),
                       "%s run committed: %" PRIu64 " rows in %" PRIu64 " files",
                       r->full ? "full" : "incremental", res.rows, res.files);
    }
    /* the watermark the state holds now: the new high, or the old one */
    const char *wm = NULL;
    if (r->c.job->n_wm > 0) {
        if (committed && r->has_high && r->c.high[0].present) {
            wm = r->c.high[0].text;
        } else if (r->has_low && r->c.low[0].present && !r->c.q.low_inclusive) {
            wm = r->c.low[0].text;
        }
    }
    weir_job_metrics(&res, wm);
    if (r->c.opts != NULL && r->c.opts->result != NULL) {
        *r->c.opts->result = res;
    }
}

int weir_job_run(const struct weir_spec *spec, const struct weir_spec_job *job,
                 const struct weir_run_options *opts, struct weir_error *err)
{
    struct run *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    int rc;
    int committed = 0;
    r->t0 = weir_time_mono();
    r->full = opts->full_reload || job->mode == WEIR_MODE_FULL;
    weir_time_now_iso(r->started, sizeof(r->started));
    weir_time_date(weir_time_now_us(), r->ingest_date, sizeof(r->ingest_date));
    new_run_id(r->run_id, sizeof(r->run_id));
    weir_log_context(job->name.s, r->run_id);

    if ((rc = weir_jobctx_init(&r->c, spec, job, opts, err)) != WEIR_OK ||
        (rc = weir_deletes_check(spec, job, err)) != WEIR_OK ||
        (rc = weir_state_open(spec->state.location.s, &r->store, err)) != WEIR_OK ||
        (rc = weir_sink_open(spec->target.location.s, spec->target.kms_key_id.s, &r->sink, err)) !=
            WEIR_OK) {
        goto cleanup;
    }
    r->sink->cancel = opts->cancel;
    if ((rc = r->store->ops->lock(r->store, job->name.s, r->run_id, err)) != WEIR_OK) {
        goto cleanup;
    }
    r->locked = 1;
    if ((rc = r->store->ops->read(r->store, job->name.s, &r->doc, err)) != WEIR_OK) {
        goto cleanup;
    }
    if (r->doc == NULL) {
        r->doc = weir_state_new_doc(job->name.s);
    }
    if ((rc = finish_cleanup(r, err)) != WEIR_OK || (rc = check_state_columns(r, err)) != WEIR_OK) {
        goto cleanup;
    }
    json_t *pending = json_object_get(r->doc, "pending");
    if (json_is_object(pending) && (rc = resume_pending(r, pending, err)) != WEIR_OK) {
        goto cleanup;
    }
    if (!r->resumed && weir_deletes_enabled(job)) {
        weir_deletes_order_run_id(r->doc, r->run_id, sizeof(r->run_id), new_run_id);
        weir_log_context(job->name.s, r->run_id);
    }
    r->sweep = weir_deletes_due(job, r->doc, opts->detect_deletes, r->full);
    weir_log_event(
        WEIR_LOG_INFO, "run_start",
        json_pack("{s:s,s:b}", "kind", r->full ? "full" : "incremental", "resumed", r->resumed),
        "%s run of job %s", r->full ? "full" : "incremental", job->name.s);

    if ((rc = weir_jobctx_connect(&r->c, err)) != WEIR_OK) {
        goto cleanup;
    }
    r->snapshot_us = weir_time_now_us();
    if ((rc = weir_jobctx_begin(&r->c, err)) != WEIR_OK) {
        goto cleanup;
    }
    r->c.in_snapshot = 1;
    if ((rc = weir_jobctx_query(&r->c, err)) != WEIR_OK) {
        goto cleanup;
    }
    if (!r->resumed && (rc = plan_window(r, err)) != WEIR_OK) {
        goto cleanup;
    }
    if ((rc = null_policy(r, err)) != WEIR_OK) {
        goto cleanup;
    }
    int window = r->full || job->n_wm == 0 || r->has_high;
    if (!window) {
        weir_log_event(WEIR_LOG_INFO, "no_new_rows", NULL, "no rows above the watermark");
        if (!r->sweep) {
            if ((rc = commit(r, err)) == WEIR_OK) {
                committed = 1;
            }
            goto cleanup;
        }
    }
    r->c.q.low = r->has_low && !r->full ? r->c.low : NULL;
    r->c.q.low_inclusive = r->c.q.low != NULL && r->c.q.low_inclusive;
    r->c.q.high = r->has_high ? r->c.high : NULL;
    /* a full snapshot holds the rows without a watermark too */
    r->c.q.include_nulls = r->full && job->n_wm > 0;
    if (!r->resumed && (rc = write_intent(r, err)) != WEIR_OK) {
        goto cleanup;
    }
    if (window && (rc = extract(r, err)) != WEIR_OK) {
        goto cleanup;
    }
    if (r->sweep && (rc = sweep_keys(r, err)) != WEIR_OK) {
        goto cleanup;
    }
    if ((rc = r->c.source.desc.source->end(r->c.conn, err)) != WEIR_OK) {
        goto cleanup;
    }
    r->c.in_snapshot = 0;
    if (window && (int64_t)weir_outset_rows(r->set) != r->source_count) {
        rc = weir_error_set(err, WEIR_EDATA,
                            "job %s: the source counts %" PRId64 " rows in the window, %" PRIu64
                            " were written",
                            job->name.s, r->source_count, weir_outset_rows(r->set));
        weir_error_hint(err, "nothing was committed; the next run extracts the window again");
        goto cleanup;
    }
    if ((window && (rc = register_catalog(r, err)) != WEIR_OK) ||
        (rc = weir_deletes_catalog(&r->dels, err)) != WEIR_OK || (rc = commit(r, err)) != WEIR_OK) {
        goto cleanup;
    }
    committed = 1;
    /* after a sweep, or a rerun of a run that died (its key file may be left) */
    if (r->dels.swept || (r->resumed && weir_deletes_enabled(job))) {
        weir_deletes_cleanup(r->store->location, job->name.s, r->run_id, r->doc);
    }
cleanup:
    /* a failed run: the outset's thread ends before the figures are read */
    weir_outset_halt(r->set);
    weir_log_progress(NULL);
    report(r, rc, committed);
    weir_slices_close(r->slices);
    if (r->scan != NULL) {
        r->c.source.desc.source->scan_close(r->scan);
    }
    weir_outset_free(r->set);
    if (r->schema.release != NULL) {
        r->schema.release(&r->schema);
    }
    if (r->out_schema.release != NULL) {
        r->out_schema.release(&r->out_schema);
    }
    weir_pii_free(r->pii);
    r->c.reusable = rc == WEIR_OK;
    weir_deletes_reset(&r->dels);
    weir_jobctx_reset(&r->c);
    if (r->locked) {
        r->store->ops->unlock(r->store, job->name.s);
    }
    if (r->store != NULL) {
        r->store->ops->free(r->store);
    }
    if (r->sink != NULL) {
        r->sink->ops->free(r->sink);
    }
    json_decref(r->doc);
    free(r);
    return rc;
}
