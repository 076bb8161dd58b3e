/* Per-command help, the default log format, job-name lists; see help.h. */
#include "cli/help.h"

#include <string.h>
#include <unistd.h>

#include "util/log.h"

#define COMMON_OPTIONS                                                                    \
    "  --log-format text|json  text on a terminal, JSON lines otherwise (the default)\n"  \
    "  --log-level debug|info|warn|error   (default info)\n"

struct help_entry {
    const char *command;
    const char *text;
};

static const struct help_entry help_table[] = {
    {"run",
     "usage: weir run SPEC [--job NAME] [--full-reload] [--parallel N] [--detect-deletes]\n"
     "                [options]\n"
     "       weir run --event FILE|-|JSON [options]\n"
     "       weir run            (with the event JSON in the environment variable WEIR_EVENT)\n"
     "\n"
     "Extracts every job of SPEC (or the one named by --job) into the lake:\n"
     "rows above the committed watermark, written, registered in the catalog,\n"
     "then the watermark moves. A job whose lock another run holds exits 75.\n"
     "With several jobs, one failing does not stop the others; the run ends with\n"
     "a summary (a table on a terminal, a run_summary event) and exits with the\n"
     "most severe job's code: 70 > 71 > 77 > 78 > 65 > 66 > 69 > 74 > 75 > 64 > 0.\n"
     "\n"
     "options:\n"
     "  --job NAME         only this job\n"
     "  --full-reload      a complete new snapshot of the job(s), then older files go\n"
     "  --parallel N       run up to N jobs at once (1 to 1024, default 1); never more\n"
     "                     than N source connections, a job's slices included\n"
     "  --detect-deletes   jobs with `deletes`: sweep the source's keys on this run\n"
     "                     (tombstones for the keys gone), whatever deletes.every says\n"
     "                     (the key file lives in the state location; with s3:// state\n"
     "                     the sweep works in $TMPDIR: see README \"Deletes\")\n"
     "  --event E          an EventBridge event naming spec, job and full_reload in\n"
     "                     \"detail\": a file, - for stdin, or the JSON itself (starts with {)\n" COMMON_OPTIONS
     "\n"
     "examples:\n"
     "  weir run specs/shop.yaml\n"
     "  weir run specs/shop.yaml --job orders --full-reload\n"
     "  weir run specs/erp.yaml --parallel 8\n"
     "  weir run --event '{\"detail\": {\"spec\": \"specs/shop.yaml\", \"job\": \"orders\"}}'\n"
     "  WEIR_EVENT='{\"detail\": {\"spec\": \"specs/shop.yaml\"}}' weir run\n"},
    {"plan",
     "usage: weir plan SPEC [--job NAME] [--full-reload] [--detect-deletes] [options]\n"
     "\n"
     "Prints, per job, the SQL a run would send, the low and high watermark and\n"
     "which rule set them, the row count and the files it would write; for a job\n"
     "with deletes, its key, whether the run would sweep, and the key file and its\n"
     "size (on S3: its URL and key count). Connects to the source; writes nothing\n"
     "and takes no lock.\n"
     "\n"
     "options:\n"
     "  --job NAME         only this job\n"
     "  --full-reload      plan a full reload instead\n"
     "  --detect-deletes   plan a run with --detect-deletes\n" COMMON_OPTIONS
     "\n"
     "example:\n"
     "  weir plan specs/shop.yaml --job orders\n"},
    {"check",
     "usage: weir check SPEC [--job NAME] [options]\n"
     "\n"
     "Validates the spec, loads the plugins and checks their options, resolves\n"
     "secrets, connects, describes each job's query and checks the target and\n"
     "state locations; for a job with deletes, resolves its key (the primary key\n"
     "when deletes.key is not set) and says whether a run would sweep and how big\n"
     "the key file is. Prints one line per check and \"ok\" at the end, or what is\n"
     "wrong (exit 78 for the spec, 69/75/77 for services).\n"
     "\n"
     "options:\n"
     "  --job NAME         only this job\n" COMMON_OPTIONS
     "\n"
     "example:\n"
     "  weir check specs/shop.yaml\n"},
    {"state",
     "usage: weir state show  SPEC --job NAME\n"
     "       weir state set   SPEC --job NAME --value V [--value V ...]\n"
     "       weir state reset SPEC --job NAME\n"
     "\n"
     "show   prints the job's state document (watermark, unfinished run, history)\n"
     "set    sets the committed watermark: one --value per watermark column, in the\n"
     "       order of watermark.columns; each value is checked against its column\n"
     "       by the source database first (exit 65 naming the column when refused)\n"
     "reset  forgets the watermark: the next run starts over (watermark.start)\n"
     "set and reset take the job's lock and forget an unfinished run.\n"
     "\n"
     "options:\n"
     "  --job NAME         the job (required)\n"
     "  --value V          a watermark value, as text the database parses\n" COMMON_OPTIONS
     "\n"
     "examples:\n"
     "  weir state show  specs/shop.yaml --job orders\n"
     "  weir state set   specs/shop.yaml --job orders --value '2026-11-01 00:00:00+00' --value 0\n"
     "  weir state reset specs/shop.yaml --job orders\n"},
    {"sql",
     "usage: weir sql current SPEC [--job NAME] [options]\n"
     "\n"
     "Prints one DuckDB query over the job's lake that returns its current state:\n"
     "the newest version of each key that no later tombstone deletes (jobs with\n"
     "deletes.key; Parquet lakes). --job may be left out when SPEC has one job.\n"
     "With Glue, the catalog's <table>_current view is the same query for Athena.\n"
     "\n"
     "options:\n"
     "  --job NAME         the job\n" COMMON_OPTIONS
     "\n"
     "example:\n"
     "  weir sql current specs/shop.yaml --job orders | duckdb\n"},
    {"spec",
     "usage: weir spec schema\n"
     "\n"
     "Prints the JSON Schema of the spec format (also specs/weir-spec.schema.json),\n"
     "for editors and validators.\n"
     "\n"
     "example:\n"
     "  weir spec schema > weir-spec.schema.json\n"},
};

const char *weir_cli_help(const char *command)
{
    for (size_t i = 0; i < sizeof(help_table) / sizeof(help_table[0]); i++) {
        if (strcmp(help_table[i].command, command) == 0) {
            return help_table[i].text;
        }
    }
    return NULL;
}

int weir_cli_log_format(FILE *stream)
{
    return isatty(fileno(stream)) ? WEIR_LOG_TEXT : WEIR_LOG_JSON;
}

int weir_cli_parse_log_format(const char *text)
{
    return strcmp(text, "text") == 0 ? WEIR_LOG_TEXT : strcmp(text, "json") == 0 ? WEIR_LOG_JSON : -1;
}

int weir_cli_parse_log_level(const char *text)
{
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, levels[i]) == 0) {
            return WEIR_LOG_DEBUG + i;
        }
    }
    return -1;
}

void weir_cli_job_names(const struct weir_spec *spec, char *buf, size_t cap)
{
    size_t used = 0;
    if (cap == 0) {
        return;
    }
    buf[0] = '\0';
    for (size_t i = 0; i < spec->n_jobs; i++) {
        const char *name = spec->jobs[i].name.s;
        size_t need = strlen(name) + (i ? 2 : 0);
        if (used + need + 4 >= cap) {
            snprintf(buf + used, cap - used, "%s...", i ? ", " : "");
            return;
        }
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", name);
    }
}
