/* Key-sweep delete detection; see deletes.h. */
#include "core/deletes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/glue_view.h"
#include "core/keys_s3.h"
#include "core/keyset.h"
#include "util/arrow.h"
#include "util/log.h"
#include "util/wtime.h"

#define TOMB_BATCH 65536

int weir_deletes_enabled(const struct weir_spec_job *job)
{
    return job->deletes_pos.line > 0;
}

/* "<spec>:<line>:<col>: jobs.<job>.<field>: <what>" with a hint (WEIR_ECONFIG). */
static int spec_error(struct weir_error *err, const struct weir_spec *spec,
                      const struct weir_spec_job *job, struct weir_pos pos, const char *field,
                      const char *what, const char *hint)
{
    weir_error_set(err, WEIR_ECONFIG, "%s:%d:%d: jobs.%s.%s: %s", spec->path, pos.line, pos.col,
                   job->name.s, field, what);
    return weir_error_hint(err, "%s", hint);
}

int weir_deletes_check(const struct weir_spec *spec, const struct weir_spec_job *job,
                       struct weir_error *err)
{
    if (!weir_deletes_enabled(job)) {
        return WEIR_OK;
    }
    for (size_t i = 0; i < job->n_delete_key; i++) {
        for (size_t k = 0; k < job->n_pii; k++) {
            if (strcmp(job->pii[k].key, job->delete_key[i].s) == 0) {
                char what[300];
                snprintf(what, sizeof(what),
                         "%s is under pii (%s), so its tombstones could not be matched with "
                         "the lake's rows",
                         job->delete_key[i].s, job->pii[k].value);
                return spec_error(err, spec, job, job->delete_key[i].pos, "deletes.key", what,
                                  "use a key without pii protection");
            }
        }
    }
    return WEIR_OK;
}

int weir_deletes_due(const struct weir_spec_job *job, const json_t *doc, int forced, int full)
{
    if (!weir_deletes_enabled(job)) {
        return 0;
    }
    const json_t *d = json_object_get(doc, "deletes");
    if (forced || full || !json_is_object(d)) {
        return 1;
    }
    json_int_t since = json_integer_value(json_object_get(d, "runs_since_sweep"));
    return since + 1 >= job->delete_every;
}

/* ---- the sweep ---- */

struct sweep {
    struct weir_deletes *d;
    struct weir_keyenc enc;
    struct weir_keysort *sort;
    struct weir_keyfile *old; /* NULL: no committed key file */
    struct weir_keyfile *out;
    struct weir_abatch tomb;
    int tomb_ready;
    struct ArrowSchema tomb_schema;
    struct weir_outset *set;
    const char *const *key;
    size_t n_key;
    char dir[1100];          /* the key files and sort runs: <state>/<job>.keys, or the scratch */
    char folder[200];        /* <job>__deletes, borrowed by the output set */
    struct weir_keys_s3 *ks; /* state on S3: the committed key file comes from there */
    int scratch;             /* dir is a scratch folder, removed at the end */
};

static int on_s3(const char *state)
{
    return strncmp(state, "s3://", 5) == 0;
}

static size_t md_size(const char *md)
{
    if (md == NULL) {
        return 0;
    }
    int32_t n, len;
    size_t o = 4;
    memcpy(&n, md, 4);
    for (int32_t i = 0; i < n * 2; i++) {
        memcpy(&len, md + o, 4);
        o += 4 + (size_t)len;
    }
    return o;
}

/* The tombstone batch: the key columns as the source described them, then
 * _weir_deleted_at and _weir_run_id. */
static int tomb_init(struct sweep *s, const struct ArrowSchema *keys, struct weir_error *err)
{
    int64_t n = keys->n_children;
    if (weir_abatch_init(&s->tomb, n + 2, err) != WEIR_OK) {
        return err->status;
    }
    s->tomb_ready = 1;
    for (int64_t i = 0; i < n; i++) {
        const struct ArrowSchema *c = keys->children[i];
        if (weir_abatch_set_column(&s->tomb, i, c->name, c->format, c->metadata,
                                   md_size(c->metadata), err) != WEIR_OK) {
            return err->status;
        }
    }
    if (weir_abatch_set_column(&s->tomb, n, "_weir_deleted_at", "tsu:UTC", NULL, 0, err) !=
            WEIR_OK ||
        weir_abatch_set_column(&s->tomb, n + 1, "_weir_run_id", "u", NULL, 0, err) != WEIR_OK) {
        return err->status;
    }
    return weir_abatch_schema(&s->tomb, &s->tomb_schema, err);
}

static int tomb_flush(struct sweep *s, struct weir_error *err)
{
    struct weir_deletes *d = s->d;
    if (s->tomb.length == 0) {
        return WEIR_OK;
    }
    if (s->set == NULL) {
        snprintf(s->folder, sizeof(s->folder), "%s__deletes", d->c->job->name.s);
        struct weir_outset_config cfg = {
            .writer = &d->c->writer,
            .host = &d->c->host,
            .sink = d->sink,
            .options = d->c->writer_opts,
            .n_options = d->c->n_writer_opts,
            .job = s->folder,
            .run_id = d->run_id,
            .ingest_date = "",
            .partition_kind = WEIR_PART_NONE,
            .file_size = d->c->spec->target.file_size,
            .memory_budget = d->c->spec->target.memory_budget,
            .announce = d->announce,
            .announce_ctx = d->announce_ctx,
        };
        if (weir_outset_new(&cfg, &s->tomb_schema, &s->set, err) != WEIR_OK) {
            return err->status;
        }
    }
    struct ArrowArray batch;
    if (weir_abatch_finish(&s->tomb, &batch, err) != WEIR_OK) {
        return err->status;
    }
    int rc = weir_outset_write(s->set, &batch, err);
    batch.release(&batch);
    return rc;
}

static int tombstone(struct sweep *s, const uint8_t *rec, size_t len, struct weir_error *err)
{
    int64_t n = s->enc.n;
    const char *run_id = s->d->run_id;
    if (weir_keyenc_append(&s->enc, &s->tomb, rec, len, err) != WEIR_OK) {
        return err->status;
    }
    if (weir_acol_append_fixed(&s->tomb.cols[n], &s->d->snapshot_us) != WEIR_OK ||
        weir_acol_append_var(&s->tomb.cols[n + 1], run_id, strlen(run_id)) != WEIR_OK) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    s->tomb.length++;
    s->d->tombstones++;
    return s->tomb.length >= TOMB_BATCH ? tomb_flush(s, err) : WEIR_OK;
}

/* Every key column is a column of what the job reads (WEIR_ECONFIG if not). */
static int key_names_check(struct weir_jobctx *c, const char *const *key, size_t n_key,
                           struct weir_error *err)
{
    const struct weir_spec_job *job = c->job;
    struct ArrowSchema all;
    if (c->source.desc.source->describe(c->conn, &c->q, &all, err) != WEIR_OK) {
        return err->status;
    }
    int rc = WEIR_OK;
    for (size_t i = 0; i < n_key && rc == WEIR_OK; i++) {
        int found = 0;
        for (int64_t k = 0; k < all.n_children && !found; k++) {
            found = strcmp(all.children[k]->name, key[i]) == 0;
        }
        if (!found) {
            struct weir_pos none = job->deletes_pos;
            const struct weir_pos *p = i < job->n_delete_key ? &job->delete_key[i].pos : &none;
            rc = weir_error_set(err, WEIR_ECONFIG,
                                "%s:%d:%d: jobs.%s.deletes.key: no column %s in what the job "
                                "reads",
                                c->spec->path, p->line, p->col, job->name.s, key[i]);
            weir_error_hint(err, "name columns of the table (and of the job's columns list)");
        }
    }
    all.release(&all);
    return rc;
}

/* Formats of the key columns, compared with the committed key file's. */
static int formats_check(struct sweep *s, struct weir_error *err)
{
    struct weir_deletes *d = s->d;
    d->key_formats = json_array();
    for (int i = 0; i < s->enc.n; i++) {
        json_array_append_new(d->key_formats,
                              json_pack("[ss]", s->enc.col[i].name, s->enc.col[i].format));
    }
    const json_t *dl = json_object_get(d->doc, "deletes");
    const json_t *was = json_object_get(dl, "key");
    if (d->rebuild || !json_is_array(was) || json_equal((json_t *)was, d->key_formats)) {
        return WEIR_OK;
    }
    char *text = json_dumps(was, JSON_COMPACT);
    weir_error_set(err, WEIR_ECONFIG,
                   "job %s: the deletes key changed since the last sweep (it was %s)",
                   d->c->job->name.s, text ? text : "?");
    free(text);
    return weir_error_hint(err, "run once with --full-reload: it rebuilds the key file");
}

static int read_keys(struct sweep *s, struct weir_error *err)
{
    struct weir_jobctx *c = s->d->c;
    const struct weir_source_ops *src = c->source.desc.source;
    struct weir_query q = c->q;
    q.columns = s->key;
    q.n_columns = s->n_key;
    q.low = q.high = NULL;
    q.low_inclusive = 0;
    q.wm_nulls = 0;
    q.include_nulls = 0;
    q.slice_column = NULL;
    q.slice_flags = 0;
    struct ArrowSchema schema = {0};
    void *scan = NULL;
    uint8_t rec[WEIR_KEY_MAX_RECORD];
    int rc = src->scan_open(c->conn, &q, &schema, &scan, err);
    if (rc == WEIR_OK) {
        rc = weir_keyenc_init(&s->enc, &schema, err);
    }
    if (rc == WEIR_OK && (rc = formats_check(s, err)) == WEIR_OK) {
        rc = tomb_init(s, &schema, err);
    }
    while (rc == WEIR_OK) {
        struct ArrowArray batch;
        if (c->opts->cancel != NULL && *c->opts->cancel) {
            rc = weir_error_set(err, WEIR_ECANCELLED, "job %s cancelled by a signal",
                                c->job->name.s);
            break;
        }
        if ((rc = src->scan_next(scan, &batch, err)) != WEIR_OK || batch.release == NULL) {
            break;
        }
        for (int64_t i = 0; i < batch.length && rc == WEIR_OK; i++) {
            size_t len = 0;
            rc = weir_keyenc_row(&s->enc, &batch, i, rec, sizeof(rec), &len, err);
            if (rc == WEIR_OK) {
                rc = weir_keysort_add(s->sort, rec, len, err);
            }
        }
        batch.release(&batch);
    }
    if (scan != NULL) {
        src->scan_close(scan);
    }
    if (schema.release != NULL) {
        schema.release(&schema);
    }
    return rc;
}

static int duplicate(struct sweep *s, const uint8_t *rec, size_t len, struct weir_error *err)
{
    char key[600], cols[300];
    size_t o = 0;
    cols[0] = '\0';
    for (size_t i = 0; i < s->n_key && o < sizeof(cols); i++) {
        int n = snprintf(cols + o, sizeof(cols) - o, "%s%s", i ? ", " : "", s->key[i]);
        o += n > 0 ? (size_t)n : 0;
    }
    weir_keyenc_text(&s->enc, rec, len, key, sizeof(key));
    weir_error_set(err, WEIR_EDATA,
                   "job %s: deletes.key (%s) is not unique in the source: %s appears more than "
                   "once",
                   s->d->c->job->name.s, cols, key);
    return weir_error_hint(err, "name columns that identify a row in deletes.key (the primary "
                                "key); nothing was committed");
}

/* Walks the sorted snapshot keys against the old key file: writes the new
 * key file and a tombstone for each old key that is gone. */
static int diff(struct sweep *s, struct weir_error *err)
{
    uint8_t *prev = malloc(WEIR_KEY_MAX_RECORD);
    size_t prev_len = 0, old_len = 0;
    int have_prev = 0, old_end = s->old == NULL, rc = WEIR_OK;
    if (prev == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    if (!old_end) {
        rc = weir_keyfile_next(s->old, &old_len, &old_end, err);
    }
    for (;;) {
        const uint8_t *cur = NULL;
        size_t len = 0;
        if (rc != WEIR_OK || (rc = weir_keysort_next(s->sort, &cur, &len, err)) != WEIR_OK) {
            break;
        }
        if (cur == NULL) {
            break;
        }
        if (have_prev && weir_key_cmp(prev, prev_len, cur, len) == 0) {
            rc = duplicate(s, cur, len, err);
            break;
        }
        while (rc == WEIR_OK && !old_end) {
            int c = weir_key_cmp(s->old->buf, old_len, cur, len);
            if (c > 0) {
                break;
            }
            if (c < 0) {
                rc = tombstone(s, s->old->buf, old_len, err);
            }
            if (rc == WEIR_OK) {
                rc = weir_keyfile_next(s->old, &old_len, &old_end, err);
            }
        }
        if (rc == WEIR_OK) {
            rc = weir_keyfile_put(s->out, cur, len, err);
        }
        memcpy(prev, cur, len);
        prev_len = len;
        have_prev = 1;
    }
    while (rc == WEIR_OK && !old_end) {
        rc = tombstone(s, s->old->buf, old_len, err);
        if (rc == WEIR_OK) {
            rc = weir_keyfile_next(s->old, &old_len, &old_end, err);
        }
    }
    free(prev);
    return rc;
}

static int sync_dir(const char *dir, struct weir_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
        }
        return weir_error_set(err, WEIR_EIO, "cannot sync folder %s: %s", dir, strerror(e));
    }
    close(fd);
    return WEIR_OK;
}

/* State on S3: the committed key file into the scratch folder, streamed
 * (before the keys are read, so a missing one fails the sweep early). */
static int fetch(struct sweep *s, struct weir_error *err)
{
    uint64_t bytes = 0;
    double t0 = weir_time_mono();
    const char *name =
        json_string_value(json_object_get(json_object_get(s->d->doc, "deletes"), "keyfile"));
    if (s->ks == NULL || s->d->rebuild || name == NULL) {
        return WEIR_OK;
    }
    char path[1300];
    snprintf(path, sizeof(path), "%s/%s", s->dir, name);
    if (weir_keys_s3_fetch(s->ks, s->d->c->job->name.s, name, path, &bytes, err) != WEIR_OK) {
        return err->status;
    }
    weir_log_event(WEIR_LOG_INFO, "keyfile_fetched",
                   json_pack("{s:s,s:I,s:f}", "keyfile", name, "bytes", (json_int_t)bytes,
                             "seconds", weir_time_mono() - t0),
                   "downloaded the key file %s (%" PRIu64 " bytes)", name, bytes);
    return WEIR_OK;
}

static int open_files(struct sweep *s, struct weir_error *err)
{
    struct weir_deletes *d = s->d;
    char path[1300];
    const char *committed =
        json_string_value(json_object_get(json_object_get(d->doc, "deletes"), "keyfile"));
    if (!d->rebuild && committed != NULL) {
        s->old = calloc(1, sizeof(*s->old));
        snprintf(path, sizeof(path), "%s/%s", s->dir, committed);
        if (s->old == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory");
        }
        if (weir_keyfile_open_read(s->old, path, err) != WEIR_OK) {
            return err->status;
        }
    }
    s->out = calloc(1, sizeof(*s->out));
    if (s->out == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    snprintf(path, sizeof(path), "%s/%s.tmp", s->dir, d->keyfile);
    return weir_keyfile_create(s->out, path, err);
}

static int seal_keyfile(struct sweep *s, struct weir_error *err)
{
    char to[1300];
    if (weir_keyfile_seal(s->out, err) != WEIR_OK) {
        return err->status;
    }
    s->d->keys = s->out->count;
    snprintf(to, sizeof(to), "%s/%s", s->dir, s->d->keyfile);
    if (rename(s->out->path, to) != 0) {
        return weir_error_set(err, WEIR_EIO, "cannot rename %s: %s", s->out->path, strerror(errno));
    }
    if (sync_dir(s->dir, err) != WEIR_OK || s->ks == NULL) {
        return err->status;
    }
    /* state on S3: the new key file goes up before the commit that names it */
    double t0 = weir_time_mono();
    const struct weir_jobctx *c = s->d->c;
    if (weir_keys_s3_put(s->ks, c->job->name.s, s->d->keyfile, to, c->opts->cancel, err) !=
        WEIR_OK) {
        return err->status;
    }
    struct stat st;
    json_int_t bytes = stat(to, &st) == 0 ? (json_int_t)st.st_size : -1;
    weir_log_event(WEIR_LOG_INFO, "keyfile_uploaded",
                   json_pack("{s:s,s:I,s:f}", "keyfile", s->d->keyfile, "bytes", bytes, "seconds",
                             weir_time_mono() - t0),
                   "uploaded the key file %s (%lld bytes)", s->d->keyfile, (long long)bytes);
    unlink(to);
    return WEIR_OK;
}

/* State on S3: the sort runs and key files go to a scratch folder,
 * $TMPDIR/weir-keys-<job>-<run_id> (a rerun of a killed run finds its
 * leftovers there and removes them). */
static int scratch_open(struct sweep *s, struct weir_error *err)
{
    struct weir_deletes *d = s->d;
    if (weir_keys_scratch_open(d->c->job->name.s, d->run_id, s->dir, sizeof(s->dir), err) !=
        WEIR_OK) {
        return err->status;
    }
    s->scratch = 1;
    return weir_keys_s3_open(d->state_dir, d->c->spec->target.kms_key_id.s, &s->ks, err);
}

static void sweep_free(struct sweep *s)
{
    weir_keysort_free(s->sort);
    if (s->old != NULL) {
        weir_keyfile_close(s->old);
        free(s->old);
    }
    if (s->out != NULL) {
        if (s->out->f != NULL) {
            weir_keyfile_close(s->out);
            unlink(s->out->path);
        }
        free(s->out);
    }
    weir_outset_free(s->set);
    if (s->tomb_ready) {
        weir_abatch_reset(&s->tomb);
    }
    if (s->tomb_schema.release != NULL) {
        s->tomb_schema.release(&s->tomb_schema);
    }
    weir_keys_s3_free(s->ks);
    if (s->scratch) {
        weir_keys_scratch_remove(s->dir);
    }
}

void weir_deletes_key_names(const struct weir_spec_job *job, const json_t *doc,
                            struct weir_key_names *k)
{
    k->n = 0;
    if (job->n_delete_key > 0) {
        for (size_t i = 0; i < job->n_delete_key && i < WEIR_KEY_MAX_COLS; i++) {
            k->name[k->n++] = job->delete_key[i].s;
        }
        return;
    }
    const json_t *cols = json_object_get(json_object_get(doc, "deletes"), "key");
    size_t off = 0, i;
    json_t *c;
    json_array_foreach(cols, i, c)
    {
        const char *name = json_string_value(json_array_get(c, 0));
        size_t len = name != NULL ? strlen(name) + 1 : 0;
        if (name == NULL || k->n >= WEIR_KEY_MAX_COLS || off + len > sizeof(k->buf)) {
            k->n = 0;
            return;
        }
        memcpy(k->buf + off, name, len);
        k->name[k->n++] = k->buf + off;
        off += len;
    }
}

int weir_deletes_resolve_key(struct weir_jobctx *c, struct weir_key_names *key, int *from_pk,
                             struct weir_error *err)
{
    const struct weir_spec_job *job = c->job;
    const struct weir_source_ops *src = c->source.desc.source;
    *from_pk = 0;
    if (job->n_delete_key > WEIR_KEY_MAX_COLS) {
        return weir_error_set(err, WEIR_ECONFIG, "a key has at most %d columns", WEIR_KEY_MAX_COLS);
    }
    weir_deletes_key_names(job, NULL, key);
    if (key->n > 0) {
        return WEIR_OK;
    }
    size_t n = 0;
    int can = WEIR_HAS_MEMBER(src, struct weir_source_ops, primary_key) && src->primary_key != NULL;
    if (can && src->primary_key(c->conn, &c->q, key->buf, sizeof(key->buf), &n, err) != WEIR_OK) {
        return err->status;
    }
    for (size_t i = 0, off = 0; i < n && i < WEIR_KEY_MAX_COLS; i++) {
        key->name[key->n++] = key->buf + off;
        off += strlen(key->buf + off) + 1;
    }
    if (key->n == 0) {
        char what[400];
        snprintf(what, sizeof(what), "no key: %s has no primary key%s",
                 job->table.s != NULL ? job->table.s : "the query",
                 can ? "" : " that this source can tell");
        return spec_error(err, c->spec, job, job->deletes_pos, "deletes", what,
                          "name the columns that identify a row: deletes: {key: [id]}");
    }
    *from_pk = 1;
    return WEIR_OK;
}

void weir_deletes_key_text(const struct weir_key_names *key, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < key->n && o < cap; i++) {
        int k = snprintf(out + o, cap - o, "%s%s", i ? ", " : "", key->name[i]);
        o += k > 0 ? (size_t)k : 0;
    }
}

/* The spec's key, or else the table's primary key from the source (logged). */
static int resolve_key(struct weir_deletes *d, struct weir_error *err)
{
    int from_pk = 0;
    int rc = weir_deletes_resolve_key(d->c, &d->key, &from_pk, err);
    if (rc == WEIR_OK && from_pk) {
        char names[600];
        weir_deletes_key_text(&d->key, names, sizeof(names));
        weir_log_event(WEIR_LOG_INFO, "deletes_key", json_pack("{s:s}", "key", names),
                       "deletes key: the primary key (%s)", names);
    }
    return rc;
}

int weir_deletes_sweep(struct weir_deletes *d, struct weir_error *err)
{
    const struct weir_spec_job *job = d->c->job;
    struct sweep s = {.d = d};
    char prefix[1300];
    int rc;
    if ((rc = resolve_key(d, err)) != WEIR_OK) {
        return rc;
    }
    s.key = d->key.name;
    s.n_key = d->key.n;
    double t0 = weir_time_mono();
    snprintf(d->keyfile, sizeof(d->keyfile), "%s.keys", d->run_id);
    if (on_s3(d->state_dir)) {
        rc = scratch_open(&s, err);
    } else {
        snprintf(s.dir, sizeof(s.dir), "%s/%s.keys", d->state_dir, job->name.s);
        rc = weir_mkdirs(s.dir, err);
    }
    snprintf(prefix, sizeof(prefix), "%s/%s.sort", s.dir, d->run_id);
    if (rc != WEIR_OK || (rc = key_names_check(d->c, s.key, s.n_key, err)) != WEIR_OK ||
        (rc = fetch(&s, err)) != WEIR_OK ||
        (rc = weir_keysort_new(prefix, job->delete_memory, &s.sort, err)) != WEIR_OK ||
        (rc = read_keys(&s, err)) != WEIR_OK ||
        (rc = weir_keysort_finish(s.sort, err)) != WEIR_OK ||
        (rc = open_files(&s, err)) != WEIR_OK || (rc = diff(&s, err)) != WEIR_OK ||
        (rc = tomb_flush(&s, err)) != WEIR_OK ||
        (s.set != NULL && (rc = weir_outset_finish(s.set, err)) != WEIR_OK) ||
        (rc = seal_keyfile(&s, err)) != WEIR_OK) {
        goto cleanup;
    }
    if ((rc = weir_arrow_schema_copy(&s.tomb_schema, &d->schema, err)) != WEIR_OK) {
        goto cleanup;
    }
    d->swept = 1;
    d->sort_runs = weir_keysort_runs(s.sort);
    d->files = s.set != NULL ? json_copy((json_t *)weir_outset_files(s.set)) : json_array();
    weir_log_event(WEIR_LOG_INFO, "deletes_swept",
                   json_pack("{s:I,s:I,s:i,s:f,s:b}", "keys", (json_int_t)d->keys, "tombstones",
                             (json_int_t)d->tombstones, "sort_runs", d->sort_runs, "seconds",
                             weir_time_mono() - t0, "rebuild", d->rebuild),
                   "key sweep: %" PRIu64 " keys in the source, %" PRIu64 " deleted", d->keys,
                   d->tombstones);
cleanup:
    sweep_free(&s);
    return rc;
}

int weir_deletes_describe(struct weir_jobctx *c, const json_t *doc, const char *state_dir,
                          int forced, int full, char *out, size_t cap, struct weir_error *err)
{
    const struct weir_spec_job *job = c->job;
    struct weir_key_names key;
    char names[600], sweep[200], file[1400];
    int from_pk = 0, rc;
    out[0] = '\0';
    if (!weir_deletes_enabled(job)) {
        return WEIR_OK;
    }
    if ((rc = weir_deletes_check(c->spec, job, err)) != WEIR_OK ||
        (rc = weir_deletes_resolve_key(c, &key, &from_pk, err)) != WEIR_OK ||
        (rc = key_names_check(c, key.name, key.n, err)) != WEIR_OK) {
        return rc;
    }
    weir_deletes_key_text(&key, names, sizeof(names));
    const json_t *dl = json_object_get(doc, "deletes");
    json_int_t since = json_integer_value(json_object_get(dl, "runs_since_sweep"));
    if (!weir_deletes_due(job, doc, forced, full)) {
        snprintf(sweep, sizeof(sweep),
                 "no sweep on this run (every %d runs; %lld since the last; --detect-deletes "
                 "forces one)",
                 job->delete_every, (long long)since);
    } else {
        snprintf(sweep, sizeof(sweep), "this run sweeps%s",
                 full                    ? " and rebuilds the key file (full: no tombstones)"
                 : !json_is_object(dl)   ? ", the first sweep (no tombstones)"
                 : forced                ? " (--detect-deletes)"
                 : job->delete_every > 1 ? " (deletes.every: this is the Nth run)"
                                         : " (every run)");
    }
    const char *kf = json_string_value(json_object_get(dl, "keyfile"));
    struct stat st;
    if (kf == NULL) {
        snprintf(file, sizeof(file), "no key file yet");
    } else if (on_s3(state_dir)) {
        snprintf(file, sizeof(file), "key file %s%s.keys/%s (%lld keys; a sweep downloads it)",
                 state_dir, job->name.s, kf,
                 (long long)json_integer_value(json_object_get(dl, "keys")));
    } else {
        char path[1300];
        snprintf(path, sizeof(path), "%s/%s.keys/%s", state_dir, job->name.s, kf);
        if (stat(path, &st) == 0) {
            snprintf(file, sizeof(file), "key file %s (%lld keys, %lld bytes)", path,
                     (long long)json_integer_value(json_object_get(dl, "keys")),
                     (long long)st.st_size);
        } else {
            snprintf(file, sizeof(file), "key file %s missing (%s): a sweep fails", path,
                     strerror(errno));
        }
    }
    snprintf(out, cap, "key (%s)%s; %s; %s", names, from_pk ? " = the primary key" : "", sweep,
             file);
    return WEIR_OK;
}

void weir_deletes_record(const struct weir_deletes *d, const struct weir_spec_job *job, json_t *doc)
{
    if (!weir_deletes_enabled(job)) {
        return;
    }
    json_t *dl = json_object_get(doc, "deletes");
    if (d == NULL || !d->swept) {
        if (json_is_object(dl)) {
            json_int_t n = json_integer_value(json_object_get(dl, "runs_since_sweep"));
            json_object_set_new(dl, "runs_since_sweep", json_integer(n + 1));
        }
        return;
    }
    json_object_set_new(doc, "deletes",
                        json_pack("{s:O,s:s,s:I,s:I,s:s,s:i}", "key", d->key_formats, "keyfile",
                                  d->keyfile, "keys", (json_int_t)d->keys, "tombstones",
                                  (json_int_t)d->tombstones, "run_id", d->run_id,
                                  "runs_since_sweep", 0));
}

/* Best effort, like the local removal: a key file left over costs storage,
 * never correctness (only the one the state names is read). */
static void cleanup_s3(const char *state, const char *job, const char *keep)
{
    struct weir_keys_s3 *ks = NULL;
    struct weir_error e;
    size_t removed = 0;
    weir_error_clear(&e);
    if (weir_keys_s3_open(state, NULL, &ks, &e) != WEIR_OK ||
        weir_keys_s3_cleanup(ks, job, keep, &removed, &e) != WEIR_OK) {
        weir_log_event(WEIR_LOG_WARN, "keyfile_cleanup_failed",
                       json_pack("{s:s,s:s}", "detail", e.detail, "message", e.message),
                       "could not remove the older key files of job %s: %s", job, e.message);
    }
    weir_keys_s3_free(ks);
}

void weir_deletes_cleanup(const char *state_dir, const char *job, const char *run_id,
                          const json_t *doc)
{
    const char *keep =
        json_string_value(json_object_get(json_object_get(doc, "deletes"), "keyfile"));
    char dir[1100], path[1400];
    if (on_s3(state_dir)) {
        /* a killed run of this run id may have left its scratch folder */
        weir_keys_scratch_path(job, run_id, dir, sizeof(dir));
        weir_keys_scratch_remove(dir);
        cleanup_s3(state_dir, job, keep);
        return;
    }
    snprintf(dir, sizeof(dir), "%s/%s.keys", state_dir, job);
    DIR *dh = opendir(dir);
    if (dh == NULL) {
        return;
    }
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        if (e->d_name[0] == '.' || (keep != NULL && strcmp(e->d_name, keep) == 0)) {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (unlink(path) == 0) {
            weir_log_event(WEIR_LOG_DEBUG, "keyfile_removed", json_pack("{s:s}", "path", path),
                           "removed %s", path);
        }
    }
    closedir(dh);
}

int weir_deletes_catalog(const struct weir_deletes *d, struct weir_error *err)
{
    if (!d->swept) {
        return WEIR_OK;
    }
    const struct weir_spec *spec = d->c->spec;
    if (spec->catalog.type.s == NULL || strcmp(spec->catalog.type.s, "glue") != 0) {
        return WEIR_OK;
    }
    return weir_glue_deletes_register(spec, d->c->job, &d->key, &d->schema, err);
}

void weir_deletes_reset(struct weir_deletes *d)
{
    if (d->schema.release != NULL) {
        d->schema.release(&d->schema);
    }
    json_decref(d->files);
    json_decref(d->key_formats);
    d->files = NULL;
    d->key_formats = NULL;
}

void weir_deletes_order_run_id(const json_t *doc, char *run_id, size_t cap,
                               void (*make)(char *, size_t))
{
    const json_t *h = json_object_get(doc, "history");
    size_t n = json_array_size(h);
    const char *last =
        n > 0 ? json_string_value(json_object_get(json_array_get(h, n - 1), "run_id")) : NULL;
    /* "YYYYMMDDTHHMMSSZ": the second orders run ids, the suffix after it is random */
    for (int i = 0; last != NULL && i < 30 && strncmp(run_id, last, 16) <= 0; i++) {
        usleep(100000);
        make(run_id, cap);
    }
}
