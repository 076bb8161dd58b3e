/*
 * weir discover: the command line, the walk over the catalog and the YAML it
 * prints. The decisions (patterns, names, watermarks) are core/discover.c's.
 * The spec is built in memory and parsed again with the validator before a
 * byte reaches stdout, so discover never prints what `weir check` refuses.
 */
#include "cli/discover.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/secrets.h"
#include "cli/help.h"
#include "core/discover.h"
#include "core/keyset.h"
#include "core/jobctx.h"
#include "spec/spec.h"
#include "util/log.h"
#include "util/status.h"

#define MAX_PATTERNS 64
#define NUMERIC_SAMPLE_ROWS 1000000

static const char discover_usage[] =
    "usage: weir discover --driver postgres|odbc --connection CONN --target LOCATION\n"
    "                     --state LOCATION [options] > spec.yaml\n"
    "\n"
    "Reads the database catalog and prints a spec with one job per base table:\n"
    "a watermark where one is safe (a NOT NULL change-time column, or an identity\n"
    "primary key), else mode: full, and types: for unconstrained numerics.\n"
    "\n"
    "options:\n"
    "  --driver NAME        source plugin: postgres or odbc\n"
    "  --connection CONN    libpq conninfo or ODBC connection string\n"
    "  --user USER          user name (written to the spec)\n"
    "  --password REF       password reference, e.g. '${env:PGPASSWORD}' (written as is)\n"
    "  --secret NAME        Secrets Manager secret with the login (source.secret)\n"
    "  --include PATTERN    schema.table glob (* and ?), repeatable; default: everything\n"
    "  --exclude PATTERN    schema.table glob to leave out, repeatable\n"
    "  --views              views too (default: base tables only)\n"
    "  --deletes            delete detection: deletes: {key: [<primary key>]} on every\n"
    "                       incremental job whose table has a primary key (without it,\n"
    "                       the same line is written commented out)\n"
    "  --target LOCATION    target.location of the spec (s3://..., file:// or a path)\n"
    "  --state LOCATION     state.location of the spec\n"
    "  --format NAME        parquet (default) or orc\n"
    "  --log-format text|json  on stderr; default: text on a terminal, JSON lines otherwise\n"
    "  --log-level debug|info|warn|error   (default info)\n"
    "\n"
    "A pattern without a dot matches table names in any schema. Exit codes as for\n"
    "weir check; an --include that matches nothing is 64.\n";

struct dopts {
    const char *driver, *connection, *user, *password, *secret, *target, *state, *format;
    const char *include[MAX_PATTERNS], *exclude[MAX_PATTERNS];
    int n_include, n_exclude, views, deletes;
    int log_format, log_level;
};

/* One selected table, copied out of the catalog callback. */
struct dcol {
    char *name, *type;
    struct weir_catalog_column c;
};

struct dtable {
    char *schema, *name;
    struct weir_catalog_table t;
    struct dcol *cols;
    char job[WEIR_DISCOVER_NAME_MAX + 16];
    char renamed_from[WEIR_DISCOVER_NAME_MAX + 16]; /* non-empty: a collision was resolved */
};

struct walk {
    const struct dopts *o;
    struct dtable *tables;
    size_t n, cap;
    int include_hits[MAX_PATTERNS];
    char schemas[2048]; /* the schemas seen, for the message of an unmatched --include */
    char last_schema[256];
    size_t n_schemas;
};

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "weir discover: ");
    fprintf(stderr, fmt, arg ? arg : "");
    fprintf(stderr, "\ntry 'weir discover --help'\n");
    return 64;
}

/* A YAML double-quoted scalar: every byte kept, quotes, backslashes and
 * control characters escaped. */
static void yq(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fputc('\\', f);
            fputc(*p, f);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(f, "\\x%02x", *p);
        } else {
            fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* A name for a comment line: control characters shown as '?'. */
static void comment_text(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
    }
}

/* The catalog comes in schema order: a schema is new when it differs from the last. */
static void note_schema(struct walk *w, const char *schema)
{
    if (w->n_schemas > 0 && strcmp(w->last_schema, schema) == 0) {
        return;
    }
    snprintf(w->last_schema, sizeof(w->last_schema), "%s", schema);
    size_t used = strlen(w->schemas);
    snprintf(w->schemas + used, sizeof(w->schemas) - used, "%s %s", w->n_schemas ? "," : "",
             schema[0] ? schema : "(none)");
    w->n_schemas++;
}

static int selected(struct walk *w, const struct weir_catalog_table *t)
{
    int in = w->o->n_include == 0;
    for (int i = 0; i < w->o->n_include; i++) {
        if (weir_discover_match(w->o->include[i], t->schema, t->name)) {
            w->include_hits[i]++;
            in = 1;
        }
    }
    for (int i = 0; in && i < w->o->n_exclude; i++) {
        if (weir_discover_match(w->o->exclude[i], t->schema, t->name)) {
            in = 0;
        }
    }
    return in;
}

static int collect(void *ctx, const struct weir_catalog_table *t, struct weir_error *err)
{
    struct walk *w = ctx;
    note_schema(w, t->schema ? t->schema : "");
    if (!selected(w, t)) {
        return WEIR_OK;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        struct dtable *n = realloc(w->tables, cap * sizeof(*n));
        if (n == NULL) {
            return weir_error_set(err, WEIR_ENOMEM, "out of memory");
        }
        w->tables = n;
        w->cap = cap;
    }
    struct dtable *d = &w->tables[w->n];
    memset(d, 0, sizeof(*d));
    d->schema = strdup(t->schema ? t->schema : "");
    d->name = strdup(t->name);
    d->cols = calloc(t->n_columns ? t->n_columns : 1, sizeof(*d->cols));
    w->n++;
    if (d->schema == NULL || d->name == NULL || d->cols == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    d->t = *t;
    d->t.schema = d->schema;
    d->t.name = d->name;
    struct weir_catalog_column *cols = calloc(t->n_columns ? t->n_columns : 1, sizeof(*cols));
    if (cols == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->n_columns; i++) {
        d->cols[i].c = t->columns[i];
        d->cols[i].name = strdup(t->columns[i].name);
        d->cols[i].type = strdup(t->columns[i].type ? t->columns[i].type : "");
        if (d->cols[i].name == NULL || d->cols[i].type == NULL) {
            free(cols);
            return weir_error_set(err, WEIR_ENOMEM, "out of memory");
        }
        cols[i] = t->columns[i];
        cols[i].name = d->cols[i].name;
        cols[i].type = d->cols[i].type;
    }
    d->t.columns = cols;
    return WEIR_OK;
}

static void walk_free(struct walk *w)
{
    for (size_t i = 0; i < w->n; i++) {
        struct dtable *d = &w->tables[i];
        for (size_t k = 0; d->cols != NULL && k < d->t.n_columns; k++) {
            free(d->cols[k].name);
            free(d->cols[k].type);
        }
        free(d->cols);
        free((void *)d->t.columns);
        free(d->schema);
        free(d->name);
    }
    free(w->tables);
}

/* Job names: unique in the spec; a later table that collides gets _2, _3... */
static void name_jobs(struct walk *w)
{
    for (size_t i = 0; i < w->n; i++) {
        struct dtable *d = &w->tables[i];
        char base[WEIR_DISCOVER_NAME_MAX + 16];
        weir_discover_job_name(d->schema, d->name, base, sizeof(base));
        snprintf(d->job, sizeof(d->job), "%s", base);
        for (int k = 2;; k++) {
            int taken = 0;
            for (size_t j = 0; j < i && !taken; j++) {
                taken = strcmp(w->tables[j].job, d->job) == 0;
            }
            if (!taken) {
                break;
            }
            snprintf(d->job, sizeof(d->job), "%s_%d", base, k);
            snprintf(d->renamed_from, sizeof(d->renamed_from), "%s", base);
        }
    }
}

/* The table as the spec's `table:` value: parts quoted only when they must. */
static void table_ref(const struct dtable *d, int odbc, char *out, size_t cap)
{
    const char *parts[2] = {d->schema, d->name};
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; i < 2; i++) {
        const char *p = parts[i];
        if (p[0] == '\0') {
            continue;
        }
        if (k > 0 && k + 1 < cap) {
            out[k++] = '.';
        }
        int quote = !odbc && (strchr(p, '.') != NULL || p[0] == '"');
        if (quote && k + 1 < cap) {
            out[k++] = '"';
        }
        for (; *p && k + 3 < cap; p++) {
            out[k++] = *p;
            if (quote && *p == '"') {
                out[k++] = '"';
            }
        }
        if (quote && k + 1 < cap) {
            out[k++] = '"';
        }
        out[k] = '\0';
    }
}

/* Why a table cannot be a job at all, or NULL. */
static const char *unusable(const struct dtable *d, int odbc)
{
    if (strstr(d->schema, "${") != NULL || strstr(d->name, "${") != NULL) {
        return "its name holds \"${\", which a spec reads as a reference";
    }
    if (odbc && (strchr(d->schema, '.') != NULL || strchr(d->name, '.') != NULL)) {
        return "the odbc source cannot name a table with a dot in its name";
    }
    if (d->t.n_columns == 0) {
        return "it has no columns";
    }
    return NULL;
}

/* types: for unconstrained numerics, from the values the table holds. */
static int numeric_types(struct weir_jobctx *c, const struct dtable *d, FILE *f, int odbc,
                         struct weir_error *err)
{
    const struct weir_source_ops *src = c->source.desc.source;
    int header = 0;
    for (size_t i = 0; i < d->t.n_columns; i++) {
        const struct weir_catalog_column *col = &d->t.columns[i];
        if (col->kind != WEIR_COLUMN_NUMERIC || col->precision != 0) {
            continue;
        }
        int32_t digits = 0, scale = 0, found = 0;
        if (src->numeric_extent(c->conn, d->schema, d->name, col->name, NUMERIC_SAMPLE_ROWS,
                                &digits, &scale, &found, err) != WEIR_OK) {
            return err->status;
        }
        fprintf(f, "    # ");
        comment_text(f, col->name);
        if (!found) {
            fprintf(f,
                    ": %s without precision and no values yet: the driver's default "
                    "applies, a value that does not fit fails the run (65), never rounded\n",
                    col->type);
            continue;
        }
        int32_t p = digits + scale;
        const char *type;
        char dec[32];
        if (p > 38 || scale > 38) {
            type = odbc ? "text" : "string";
            fprintf(f,
                    ": values with %d digits before and %d after the point (first %d rows) "
                    "do not fit decimal(38): read as text\n",
                    digits, scale, NUMERIC_SAMPLE_ROWS);
        } else {
            /* the scale seen, the widest precision of the same storage width */
            int32_t wide = p <= 9 ? 9 : p <= 18 ? 18 : 38;
            snprintf(dec, sizeof(dec), "decimal(%d,%d)", wide, scale);
            type = dec;
            fprintf(f, ": up to %d digits before and %d after the point in the first %d rows\n",
                    digits, scale, NUMERIC_SAMPLE_ROWS);
        }
        if (!header) {
            fprintf(f, "    types:\n");
            header = 1;
        }
        fprintf(f, "      ");
        yq(f, col->name);
        fprintf(f, ": %s\n", type);
    }
    return WEIR_OK;
}

static void pk_text(const struct dtable *d, char *out, size_t cap)
{
    const char *pk[WEIR_KEY_MAX_COLS + 1];
    size_t n = weir_discover_primary_key(&d->t, pk, WEIR_KEY_MAX_COLS + 1);
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && k < cap; i++) {
        k += (size_t)snprintf(out + k, cap - k, "%s%s", i ? ", " : "", pk[i]);
    }
    if (out[0] == '\0') {
        snprintf(out, cap, "none");
    }
}

/*
 * The job's delete detection: with --deletes, `deletes: {key: [...]}` from
 * the primary key; without, the same line commented out, so it is one '#'
 * away. A table it cannot apply to gets a comment saying why.
 */
static void print_deletes(const struct dtable *d, int full, int on, FILE *f)
{
    const char *pk[WEIR_KEY_MAX_COLS + 1];
    size_t n = weir_discover_primary_key(&d->t, pk, WEIR_KEY_MAX_COLS + 1);
    const char *why = NULL;
    if (full) {
        why = "not needed: mode full replaces the table's lake copy on every run";
    } else if (n == 0) {
        why = "none: the table has no primary key; name the columns that identify a row: "
              "deletes: {key: [...]}";
    } else if (n > WEIR_KEY_MAX_COLS) {
        why = "none: the primary key has more columns than a key may (16)";
    }
    if (why != NULL) {
        fprintf(f, "    # deletes: %s\n", why);
        return;
    }
    fprintf(f, "    %sdeletes: {key: [", on ? "" : "# ");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s", i ? ", " : "");
        yq(f, pk[i]);
    }
    /* uncommented, the line must still be valid YAML: the note is a comment */
    fprintf(f, "]}%s\n",
            on ? "" : "  # uncomment for delete detection (discover --deletes writes it)");
}

static int print_job(struct weir_jobctx *c, const struct dtable *d, const struct dopts *o,
                     FILE *f, struct weir_error *err)
{
    char ref[1200], pk[600], rows[40];
    int odbc = strcmp(o->driver, "odbc") == 0;
    table_ref(d, odbc, ref, sizeof(ref));
    pk_text(d, pk, sizeof(pk));
    if (d->t.row_estimate >= 0) {
        snprintf(rows, sizeof(rows), "~%" PRId64 " rows", d->t.row_estimate);
    } else {
        snprintf(rows, sizeof(rows), "rows not estimated");
    }
    fprintf(f, "\n  # ");
    comment_text(f, ref);
    fprintf(f, "%s: %s, primary key (", d->t.is_view ? " (view)" : "", rows);
    comment_text(f, pk);
    fprintf(f, ")\n");
    const char *why = unusable(d, odbc);
    if (why != NULL) {
        fprintf(f, "  # left out: %s\n", why);
        return WEIR_OK;
    }
    if (d->renamed_from[0]) {
        fprintf(f, "  # job name %s was taken by an earlier table: this one is %s\n",
                d->renamed_from, d->job);
    }
    struct weir_discover_choice ch;
    weir_discover_choose(&d->t, &ch);
    fprintf(f, "  # ");
    comment_text(f, ch.why);
    fprintf(f, "\n  - name: %s\n    table: ", d->job);
    yq(f, ref);
    fputc('\n', f);
    if (ch.full) {
        fprintf(f, "    mode: full\n");
    } else {
        fprintf(f, "    watermark:\n      columns: [");
        for (size_t i = 0; i < ch.n_wm; i++) {
            fprintf(f, "%s", i ? ", " : "");
            yq(f, ch.wm[i]);
        }
        fprintf(f, "]\n%s", ch.lag_day ? "      lag: 1d\n" : "");
    }
    print_deletes(d, ch.full, o->deletes, f);
    const struct weir_source_ops *src = c->source.desc.source;
    if (WEIR_HAS_MEMBER(src, struct weir_source_ops, numeric_extent) &&
        src->numeric_extent != NULL) {
        return numeric_types(c, d, f, odbc, err);
    }
    return WEIR_OK;
}

static void print_header(const struct dopts *o, FILE *f)
{
    fprintf(f, "version: 1\nsource:\n  driver: %s\n", o->driver);
    const char *keys[] = {"connection", "user", "password", "secret"};
    const char *vals[] = {o->connection, o->user, o->password, o->secret};
    for (int i = 0; i < 4; i++) {
        if (vals[i] != NULL) {
            fprintf(f, "  %s: ", keys[i]);
            yq(f, vals[i]);
            fputc('\n', f);
        }
    }
    fprintf(f, "target:\n  location: ");
    yq(f, o->target);
    fprintf(f, "\n  format: %s\nstate:\n  location: ", o->format);
    yq(f, o->state);
    fprintf(f, "\njobs:\n");
}

/* The spec text with the given jobs part; new (free) in *text. */
static int render(const struct dopts *o, struct walk *w, struct weir_jobctx *c, char **text,
                  size_t *len, struct weir_error *err)
{
    FILE *f = open_memstream(text, len);
    if (f == NULL) {
        return weir_error_set(err, WEIR_ENOMEM, "out of memory");
    }
    fprintf(f, "# weir discover: %zu tables through %s; schemas in the database:%s\n", w->n,
            o->driver, w->schemas);
    fprintf(f, "# check with `weir check`, then `weir run SPEC --parallel N`\n");
    print_header(o, f);
    int rc = WEIR_OK;
    for (size_t i = 0; i < w->n && rc == WEIR_OK; i++) {
        rc = print_job(c, &w->tables[i], o, f, err);
    }
    fclose(f);
    return rc;
}

static int parse_args(int argc, char **argv, struct dopts *o)
{
    static const struct option longopts[] = {
        {"driver", required_argument, NULL, 'd'},
        {"connection", required_argument, NULL, 'c'},
        {"user", required_argument, NULL, 'u'},
        {"password", required_argument, NULL, 'p'},
        {"secret", required_argument, NULL, 's'},
        {"include", required_argument, NULL, 'i'},
        {"exclude", required_argument, NULL, 'x'},
        {"views", no_argument, NULL, 'v'},
        {"deletes", no_argument, NULL, 'D'},
        {"target", required_argument, NULL, 't'},
        {"state", required_argument, NULL, 'S'},
        {"format", required_argument, NULL, 'f'},
        {"log-format", required_argument, NULL, 'L'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        const char **slot[] = {
            ['d'] = &o->driver, ['c'] = &o->connection, ['u'] = &o->user,  ['p'] = &o->password,
            ['s'] = &o->secret, ['t'] = &o->target,     ['S'] = &o->state, ['f'] = &o->format};
        if (ch < (int)(sizeof(slot) / sizeof(slot[0])) && ch > 0 && slot[ch] != NULL) {
            *slot[ch] = optarg;
            continue;
        }
        switch (ch) {
        case 'i':
        case 'x':
            if ((ch == 'i' ? o->n_include : o->n_exclude) >= MAX_PATTERNS) {
                return usage("more than 64 --%s patterns", ch == 'i' ? "include" : "exclude");
            }
            if (ch == 'i') {
                o->include[o->n_include++] = optarg;
            } else {
                o->exclude[o->n_exclude++] = optarg;
            }
            break;
        case 'v':
            o->views = 1;
            break;
        case 'D':
            o->deletes = 1;
            break;
        case 'L':
            if ((o->log_format = weir_cli_parse_log_format(optarg)) < 0) {
                return usage("--log-format must be json or text, not \"%s\"", optarg);
            }
            break;
        case 'l':
            if ((o->log_level = weir_cli_parse_log_level(optarg)) < 0) {
                return usage("--log-level must be debug, info, warn or error, not \"%s\"", optarg);
            }
            break;
        case 'h':
            fputs(discover_usage, stdout);
            return 0;
        default:
            return usage("unknown option or missing value: %s", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return usage("unexpected argument \"%s\"", argv[optind]);
    }
    if (o->driver == NULL || o->target == NULL || o->state == NULL) {
        return usage("%s", "--driver, --target and --state are required");
    }
    if (o->connection == NULL && o->secret == NULL) {
        return usage("%s", "--connection or --secret is required");
    }
    return -1;
}

/* An --include that matched nothing: the command is wrong, say what exists. */
static int unmatched_include(const struct walk *w, struct weir_error *err)
{
    for (int i = 0; i < w->o->n_include; i++) {
        if (w->include_hits[i] == 0) {
            weir_error_set(err, WEIR_EUSAGE, "--include '%s' matches no table", w->o->include[i]);
            weir_error_detail(err, "schemas seen:%s", w->schemas[0] ? w->schemas : " none");
            return weir_error_hint(err, "patterns are schema.table globs with * and ?, in the "
                                        "case the database stores the names");
        }
    }
    if (w->n == 0) {
        weir_error_set(err, WEIR_EUSAGE, "no table to extract");
        return weir_error_detail(err, "schemas seen:%s", w->schemas[0] ? w->schemas : " none");
    }
    return WEIR_OK;
}

static int discover(const struct dopts *o, struct weir_error *err)
{
    struct weir_spec *spec = NULL, *again = NULL;
    struct weir_jobctx c;
    struct walk w = {.o = o};
    char *head = NULL, *text = NULL;
    size_t head_len = 0, len = 0;
    volatile int cancel = 0;
    struct weir_run_options ro = {.cancel = &cancel, .fetch = weir_aws_secret_fetch};
    memset(&c, 0, sizeof(c));
    int rc = WEIR_ENOMEM;
    FILE *f = open_memstream(&head, &head_len);
    if (f == NULL) {
        weir_error_set(err, WEIR_ENOMEM, "out of memory");
        goto done;
    }
    /* the header as the spec will have it, with a stand-in job, validated and
     * connected exactly as `weir check` does */
    print_header(o, f);
    fprintf(f, "  - {name: discover, query: \"SELECT 1\", mode: full}\n");
    fclose(f);
    if ((rc = weir_spec_parse("discover", head, head_len, &spec, err)) != WEIR_OK ||
        (rc = weir_jobctx_init(&c, spec, &spec->jobs[0], &ro, err)) != WEIR_OK ||
        (rc = weir_jobctx_connect(&c, err)) != WEIR_OK) {
        goto done;
    }
    const struct weir_source_ops *src = c.source.desc.source;
    if (!WEIR_HAS_MEMBER(src, struct weir_source_ops, catalog) || src->catalog == NULL) {
        rc = weir_error_set(err, WEIR_ECONFIG, "source %s cannot list its tables", o->driver);
        weir_error_hint(err, "use a weir_source_%s.so built with this weir", o->driver);
        goto done;
    }
    if ((rc = src->catalog(c.conn, o->views, collect, &w, err)) != WEIR_OK ||
        (rc = unmatched_include(&w, err)) != WEIR_OK) {
        goto done;
    }
    name_jobs(&w);
    if ((rc = render(o, &w, &c, &text, &len, err)) != WEIR_OK) {
        goto done;
    }
    if (weir_spec_parse("discover output", text, len, &again, err) != WEIR_OK) {
        rc = WEIR_EINTERNAL;
        err->status = rc;
        goto done;
    }
    fwrite(text, 1, len, stdout);
    weir_log_event(WEIR_LOG_INFO, "discover_done", json_pack("{s:I}", "tables", (json_int_t)w.n),
                   "%zu tables", w.n);
done:
    weir_jobctx_reset(&c);
    weir_spec_free(again);
    weir_spec_free(spec);
    walk_free(&w);
    free(head);
    free(text);
    return rc;
}

int weir_discover_main(int argc, char **argv)
{
    struct dopts o = {.format = "parquet", .log_format = weir_cli_log_format(stderr),
                      .log_level = WEIR_LOG_INFO};
    int code = parse_args(argc, argv, &o);
    if (code >= 0) {
        return code;
    }
    weir_log_setup(stderr, o.log_format, o.log_level);
    struct weir_error err;
    weir_error_clear(&err);
    int rc = discover(&o, &err);
    if (rc != WEIR_OK) {
        weir_log_error("error", &err);
        return weir_status_exit_code(rc);
    }
    return 0;
}
