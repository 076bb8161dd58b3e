/*
 * weir's command line. The only place that reads argv, installs signal
 * handlers and turns a status into an exit code (sysexits).
 */
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "aws/secrets.h"
#include "cli/help.h"
#include "cli/discover.h"
#include "cli/fleet.h"
#include "core/job.h"
#include "core/sql_current.h"
#include "core/state.h"
#include "spec/spec.h"
#include "util/log.h"
#include "util/status.h"

static volatile int cancel_flag;

static void on_signal(int sig)
{
    (void)sig;
    cancel_flag = 1;
}

static const char usage_text[] =
    "usage: weir <command> [options]\n"
    "\n"
    "commands:\n"
    "  discover --driver D --connection C ...  print a spec with one job per table (discover --help);\n"
    "                                          --deletes adds delete detection by primary key\n"
    "  run SPEC [--job NAME] [--full-reload] [--parallel N] [--detect-deletes]\n"
    "                                          extract every job (or one) into the lake, N at once;\n"
    "                                          --detect-deletes sweeps the keys of jobs with deletes\n"
    "  run --event FILE|-|JSON                 the same, spec and job named by an EventBridge event\n"
    "                                          (or its JSON in the environment variable WEIR_EVENT)\n"
    "  plan SPEC [--job NAME] [--full-reload]  print SQL, watermark window, files and deletes sweep;\n"
    "                                          change nothing\n"
    "  check SPEC [--job NAME]                 validate the spec, plugins, secrets, connection, query\n"
    "  state show SPEC --job NAME              print the job's state document\n"
    "  state reset SPEC --job NAME             forget the watermark: the next run starts over\n"
    "  state set SPEC --job NAME --value V...  set the watermark (one --value per column)\n"
    "  sql current SPEC --job NAME             print DuckDB SQL of the job's current state\n"
    "                                          (jobs with deletes: newest versions, no deleted keys)\n"
    "  spec schema                             print the JSON Schema of the spec format\n"
    "\n"
    "options:\n"
    "  --log-format text|json   on stderr; default: text on a terminal, JSON lines otherwise\n"
    "  --log-level debug|info|warn|error\n"
    "  -h, --help               this text; `weir <command> --help` for one command\n"
    "  --version                print the version\n"
    "\n"
    "exit codes: 0 done, 64 usage, 65 bad data, 66 missing input, 69 service unavailable,\n"
    "70 internal error, 71 out of memory, 74 I/O error, 75 temporary failure (retry; also\n"
    "another run holds the job's lock), 77 permission denied, 78 configuration error.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "weir: ");
    fprintf(stderr, fmt, arg ? arg : "");
    fprintf(stderr, "\ntry 'weir --help'\n");
    return 64;
}

struct cli {
    const char *command;
    const char *sub;
    const char *spec;
    const char *job;
    const char *event;
    int full_reload;
    int detect_deletes;
    const char *values[16];
    int n_values;
    int log_format;
    int log_level;
    const char *parallel;
};

static int report(const struct weir_error *err)
{
    weir_log_error("error", err);
    return weir_status_exit_code(err->status);
}

/* EventBridge / CloudWatch event: {"detail": {"spec": "...", "job": "...",
 * "full_reload": true}}; a bare object with those keys works too. */
static int read_event(struct cli *cli, json_t **keep, struct weir_error *err)
{
    json_error_t je;
    json_t *ev;
    if (strcmp(cli->event, "-") == 0) {
        ev = json_loadf(stdin, 0, &je);
    } else if (cli->event[strspn(cli->event, " \t\r\n")] == '{') {
        ev = json_loads(cli->event, 0, &je); /* inline, e.g. from an input transformer */
        cli->event = "(inline event)";
    } else if (access(cli->event, F_OK) != 0) {
        weir_error_set(err, WEIR_ENOINPUT, "event file %s does not exist", cli->event);
        return weir_error_hint(err, "give a file, - for stdin, or the JSON itself");
    } else {
        ev = json_load_file(cli->event, 0, &je);
    }
    if (ev == NULL) {
        weir_error_set(err, WEIR_EUSAGE, "cannot read event %s", cli->event);
        return weir_error_detail(err, "%s:%d:%d: %s", cli->event, je.line, je.column, je.text);
    }
    json_t *d = json_object_get(ev, "detail");
    if (!json_is_object(d)) {
        d = ev;
    }
    const char *spec = json_string_value(json_object_get(d, "spec"));
    if (spec == NULL) {
        json_decref(ev);
        weir_error_set(err, WEIR_EUSAGE, "event %s names no spec (detail.spec)", cli->event);
        return weir_error_hint(err, "{\"detail\": {\"spec\": \"specs/x.yaml\", \"job\": "
                                    "\"orders\", \"full_reload\": false}}");
    }
    cli->spec = spec;
    const char *job = json_string_value(json_object_get(d, "job"));
    if (job != NULL) {
        cli->job = job;
    }
    if (json_is_true(json_object_get(d, "full_reload"))) {
        cli->full_reload = 1;
    }
    *keep = ev;
    return WEIR_OK;
}

/* plan and check (run goes through fleet.c) */
static int for_jobs(const struct cli *cli, const struct weir_spec *spec, struct weir_error *err)
{
    struct weir_run_options opts = {.full_reload = cli->full_reload,
                                    .detect_deletes = cli->detect_deletes,
                                    .cancel = &cancel_flag,
                                    .fetch = weir_aws_secret_fetch};
    int first = 0;
    int n_run = 0;
    if (strcmp(cli->command, "check") == 0) { /* one connection for every job */
        if ((first = weir_spec_check(spec, cli->job, &opts, stdout, err)) == WEIR_OK) {
            printf("ok\n");
        }
        return first;
    }
    for (size_t i = 0; i < spec->n_jobs; i++) {
        const struct weir_spec_job *job = &spec->jobs[i];
        if (cli->job != NULL && strcmp(cli->job, job->name.s) != 0) {
            continue;
        }
        n_run++;
        struct weir_error jerr;
        weir_error_clear(&jerr);
        int rc;
        if (strcmp(cli->command, "plan") == 0) {
            rc = weir_job_plan(spec, job, &opts, stdout, &jerr);
        } else {
            rc = weir_job_check(spec, job, &opts, stdout, &jerr);
        }
        if (rc != WEIR_OK) {
            weir_log_context(job->name.s, NULL);
            weir_log_error("job_failed", &jerr);
            if (first == 0) {
                first = rc;
                *err = jerr;
            }
        }
        weir_log_context(NULL, NULL);
        if (cancel_flag) {
            break;
        }
    }
    if (n_run == 0) {
        char names[200];
        weir_cli_job_names(spec, names, sizeof(names));
        weir_error_set(err, WEIR_EUSAGE, "%s has no job named \"%s\"", spec->path, cli->job);
        weir_error_hint(err, "its jobs: %s", names);
        return WEIR_EUSAGE;
    }
    if (first == 0 && strcmp(cli->command, "check") == 0) {
        printf("ok\n");
    }
    return first;
}

static int state_command(const struct cli *cli, const struct weir_spec *spec,
                         struct weir_error *err)
{
    const struct weir_spec_job *job = cli->job ? weir_spec_find_job(spec, cli->job) : NULL;
    if (job == NULL) {
        char names[200];
        weir_cli_job_names(spec, names, sizeof(names));
        weir_error_set(err, WEIR_EUSAGE, "state %s needs --job NAME naming a job of %s",
                       cli->sub, spec->path);
        weir_error_hint(err, "its jobs: %s", names);
        return WEIR_EUSAGE;
    }
    if (strcmp(cli->sub, "set") == 0 && (size_t)cli->n_values == job->n_wm) {
        struct weir_run_options opts = {.cancel = &cancel_flag, .fetch = weir_aws_secret_fetch};
        int vrc = weir_job_check_bounds(spec, job, &opts, cli->values, job->n_wm, err);
        if (vrc != WEIR_OK) {
            return vrc;
        }
    }
    struct weir_state_store *store = NULL;
    json_t *doc = NULL;
    int rc = weir_state_open(spec->state.location.s, &store, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    int locked = 0;
    if (strcmp(cli->sub, "show") != 0) {
        if ((rc = store->ops->lock(store, job->name.s, "state-command", err)) != WEIR_OK) {
            goto done;
        }
        locked = 1;
    }
    if ((rc = store->ops->read(store, job->name.s, &doc, err)) != WEIR_OK) {
        goto done;
    }
    if (strcmp(cli->sub, "show") == 0) {
        char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        printf("%s\n", s ? s : "{}");
        free(s);
        goto done;
    }
    if (doc == NULL) {
        doc = weir_state_new_doc(job->name.s);
    }
    if (json_is_object(json_object_get(doc, "pending"))) {
        weir_log_event(WEIR_LOG_WARN, "pending_dropped", NULL,
                       "the unfinished run %s is forgotten; its files stay where they are",
                       json_string_value(json_object_get(json_object_get(doc, "pending"),
                                                         "run_id")));
    }
    json_object_set_new(doc, "pending", json_null());
    if (strcmp(cli->sub, "reset") == 0) {
        json_object_set_new(doc, "watermark", json_null());
        weir_state_add_history(doc, json_pack("{s:s}", "event", "reset"));
    } else {
        if ((size_t)cli->n_values != job->n_wm) {
            rc = weir_error_set(err, WEIR_EUSAGE,
                                "job %s has %zu watermark columns: give --value %zu times",
                                job->name.s, job->n_wm, job->n_wm);
            goto done;
        }
        json_t *cols = json_array(), *vals = json_array();
        for (size_t i = 0; i < job->n_wm; i++) {
            json_array_append_new(cols, json_string(job->wm_columns[i].s));
            json_array_append_new(vals, json_string(cli->values[i]));
        }
        json_object_set_new(doc, "watermark",
                            json_pack("{s:o,s:o,s:s}", "columns", cols, "values", vals, "run_id",
                                      "state-set"));
        weir_state_add_history(doc, json_pack("{s:s,s:O}", "event", "set", "values", vals));
    }
    if ((rc = store->ops->write(store, job->name.s, doc, err)) == WEIR_OK) {
        printf("state of job %s: %s\n", job->name.s, cli->sub);
    }
done:
    if (locked) {
        store->ops->unlock(store, job->name.s);
    }
    json_decref(doc);
    store->ops->free(store);
    return rc;
}

/* weir sql current: the job named by --job, or the spec's only job. */
static int sql_command(const struct cli *cli, const struct weir_spec *spec, struct weir_error *err)
{
    const struct weir_spec_job *job = cli->job ? weir_spec_find_job(spec, cli->job) : NULL;
    if (job == NULL && cli->job == NULL && spec->n_jobs == 1) {
        job = &spec->jobs[0];
    }
    if (job == NULL) {
        return weir_error_set(err, WEIR_EUSAGE, "sql current needs --job NAME");
    }
    return weir_sql_current(spec, job, stdout, err);
}

/*
 * glibc's heap, set for a process that fills and empties hundreds of MiB of
 * buffers in many pieces from several threads (a partitioned run's writers):
 * freed memory stays in the heap for the next buffers instead of going back
 * to the system at once (a thread's heap shrinks by default whenever its
 * free top passes 128 KiB, and glibc moves large blocks to mmap and back),
 * since taking it back costs a page fault per 4 KiB. On the bench's 2,000
 * partitions: 160,000 page faults instead of 185,000-200,000, and 5% less
 * CPU. The memory budget still gives pages back (malloc_trim) once the RSS
 * passes it (outset.c); a block of 32 MiB or more is still mapped alone.
 */
static void heap_setup(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

int main(int argc, char **argv)
{
    heap_setup();
    struct cli cli = {.log_format = -1, .log_level = WEIR_LOG_INFO};
    int help = 0;
    static const struct option longopts[] = {
        {"job", required_argument, NULL, 'j'},
        {"full-reload", no_argument, NULL, 'F'},
        {"detect-deletes", no_argument, NULL, 'D'},
        {"event", required_argument, NULL, 'e'},
        {"value", required_argument, NULL, 'v'},
        {"parallel", required_argument, NULL, 'P'},
        {"log-format", required_argument, NULL, 'L'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    if (argc > 1 && strcmp(argv[1], "discover") == 0) {
        return weir_discover_main(argc - 1, argv + 1);
    }
    int ch;
    const char *positional[4];
    int n_pos = 0;
    opterr = 0;
    while (optind < argc) {
        if ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) == -1) {
            if (n_pos >= 4) {
                return usage_error("too many arguments: %s", argv[optind]);
            }
            positional[n_pos++] = argv[optind++];
            continue;
        }
        switch (ch) {
        case 'j':
            cli.job = optarg;
            break;
        case 'F':
            cli.full_reload = 1;
            break;
        case 'D':
            cli.detect_deletes = 1;
            break;
        case 'e':
            cli.event = optarg;
            break;
        case 'P':
            cli.parallel = optarg;
            break;
        case 'v':
            if (cli.n_values >= 16) {
                return usage_error("too many --value options%s", "");
            }
            cli.values[cli.n_values++] = optarg;
            break;
        case 'L':
            if ((cli.log_format = weir_cli_parse_log_format(optarg)) < 0) {
                return usage_error("--log-format must be json or text, not \"%s\"", optarg);
            }
            break;
        case 'l':
            if ((cli.log_level = weir_cli_parse_log_level(optarg)) < 0) {
                return usage_error("--log-level must be debug, info, warn or error, not \"%s\"",
                                   optarg);
            }
            break;
        case 'h':
            help = 1;
            break;
        case 'V':
            printf("weir %s (plugin ABI %u)\n", PACKAGE_VERSION, WEIR_ABI_VERSION);
            return 0;
        default:
            return usage_error("unknown option %s", argv[optind - 1]);
        }
    }
    if (help) {
        const char *text = n_pos > 0 ? weir_cli_help(positional[0]) : NULL;
        fputs(text ? text : usage_text, stdout);
        return 0;
    }
    if (n_pos == 0) {
        fputs(usage_text, stderr);
        return 64;
    }
    if (cli.log_format < 0) {
        cli.log_format = weir_cli_log_format(stderr);
    }
    cli.command = positional[0];
    int pi = 1;
    if (strcmp(cli.command, "spec") == 0) {
        if (n_pos != 2 || strcmp(positional[1], "schema") != 0) {
            return usage_error("spec takes one argument: schema%s", "");
        }
        return weir_spec_schema_json(stdout) == WEIR_OK ? 0 : 74;
    }
    if (strcmp(cli.command, "state") == 0) {
        if (n_pos < 2 || (strcmp(positional[1], "show") != 0 && strcmp(positional[1], "reset") != 0 &&
                          strcmp(positional[1], "set") != 0)) {
            return usage_error("state needs show, reset or set%s", "");
        }
        cli.sub = positional[pi++];
    } else if (strcmp(cli.command, "sql") == 0) {
        if (n_pos < 2 || strcmp(positional[1], "current") != 0) {
            return usage_error("sql needs current%s", "");
        }
        pi++;
    } else if (strcmp(cli.command, "run") != 0 && strcmp(cli.command, "plan") != 0 &&
               strcmp(cli.command, "check") != 0) {
        return usage_error("unknown command \"%s\"", cli.command);
    }
    if (pi < n_pos) {
        cli.spec = positional[pi++];
    }
    if (pi < n_pos) {
        return usage_error("unexpected argument \"%s\"", positional[pi]);
    }
    if (cli.event != NULL && strcmp(cli.command, "run") != 0) {
        return usage_error("--event goes with run%s", "");
    }
    int parallel = cli.parallel ? weir_fleet_parse_parallel(cli.parallel) : 1;
    if (cli.parallel != NULL && (strcmp(cli.command, "run") != 0 || parallel < 1)) {
        return usage_error("--parallel goes with run and takes a number from 1 to 1024, not "
                           "\"%s\"",
                           cli.parallel);
    }
    if (cli.sub != NULL && strcmp(cli.sub, "set") == 0 && cli.n_values == 0) {
        return usage_error("state set needs --value%s", "");
    }
    weir_log_setup(stderr, cli.log_format, cli.log_level);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct weir_error err;
    weir_error_clear(&err);
    json_t *event = NULL;
    if (cli.event == NULL && cli.spec == NULL && strcmp(cli.command, "run") == 0) {
        cli.event = getenv("WEIR_EVENT");
    }
    if (cli.event != NULL && read_event(&cli, &event, &err) != WEIR_OK) {
        return report(&err);
    }
    if (cli.spec == NULL) {
        json_decref(event);
        return usage_error("%s needs a SPEC file", cli.command);
    }
    struct weir_spec *spec = NULL;
    int rc = weir_spec_load(cli.spec, &spec, &err);
    if (rc == WEIR_OK) {
        if (cli.job != NULL && weir_spec_find_job(spec, cli.job) == NULL) {
            char names[200];
            weir_cli_job_names(spec, names, sizeof(names));
            rc = weir_error_set(&err, WEIR_EUSAGE, "%s has no job named \"%s\"", cli.spec,
                                cli.job);
            weir_error_hint(&err, "its jobs: %s", names);
        } else if (strcmp(cli.command, "sql") == 0) {
            rc = sql_command(&cli, spec, &err);
        } else if (cli.sub != NULL) {
            rc = state_command(&cli, spec, &err);
        } else if (strcmp(cli.command, "run") == 0) {
            struct weir_run_options ro = {.full_reload = cli.full_reload,
                                          .detect_deletes = cli.detect_deletes,
                                          .cancel = &cancel_flag,
                                          .fetch = weir_aws_secret_fetch};
            struct weir_fleet_options fo = {.only_job = cli.job, .parallel = parallel,
                                            .table = isatty(STDERR_FILENO) ||
                                                     cli.log_format == WEIR_LOG_TEXT,
                                            .log_format = cli.log_format,
                                            .log_level = cli.log_level, .run = &ro};
            int code = weir_fleet_run(spec, &fo);
            weir_spec_free(spec);
            json_decref(event);
            return code;
        } else {
            rc = for_jobs(&cli, spec, &err);
        }
    }
    int code = 0;
    if (rc != WEIR_OK) {
        /* job failures were logged as they happened */
        if (spec == NULL || cli.sub != NULL || rc == WEIR_EUSAGE ||
            strcmp(cli.command, "sql") == 0) {
            report(&err);
        }
        code = weir_status_exit_code(rc);
    }
    weir_spec_free(spec);
    json_decref(event);
    return code;
}
