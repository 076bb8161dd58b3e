/* Status table; see status.h. Exit codes follow sysexits.h (BSD). */
#include "util/status.h"

struct status_row {
    int status;
    const char *name;
    const char *text;
    int exit_code;
};

static const struct status_row rows[] = {
    {WEIR_OK, "ok", "done", 0},
    {WEIR_EUSAGE, "usage", "wrong command-line use", 64},                /* EX_USAGE */
    {WEIR_ECONFIG, "config", "configuration error", 78},                 /* EX_CONFIG */
    {WEIR_EDATA, "data", "bad data", 65},                                /* EX_DATAERR */
    {WEIR_ENOINPUT, "noinput", "missing input", 66},                     /* EX_NOINPUT */
    {WEIR_EUNAVAILABLE, "unavailable", "service unavailable", 69},       /* EX_UNAVAILABLE */
    {WEIR_EAUTH, "auth", "authentication or permission denied", 77},     /* EX_NOPERM */
    {WEIR_EIO, "io", "input/output error", 74},                          /* EX_IOERR */
    {WEIR_ETEMPFAIL, "tempfail", "temporary failure, retry later", 75},  /* EX_TEMPFAIL */
    {WEIR_ELOCKED, "locked", "another run holds the job's lock", 75},    /* EX_TEMPFAIL */
    {WEIR_ENOMEM, "nomem", "out of memory or over a configured bound", 71}, /* EX_OSERR */
    {WEIR_ECANCELLED, "cancelled", "cancelled", 75},                     /* EX_TEMPFAIL */
    {WEIR_EABI, "abi", "plugin cannot be used", 69},                     /* EX_UNAVAILABLE */
    {WEIR_EINTERNAL, "internal", "internal error", 70},                  /* EX_SOFTWARE */
};

static const struct status_row *find(int status)
{
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (rows[i].status == status) {
            return &rows[i];
        }
    }
    return NULL;
}

const char *weir_status_name(int status)
{
    const struct status_row *r = find(status);
    return r ? r->name : "unknown";
}

const char *weir_status_text(int status)
{
    const struct status_row *r = find(status);
    return r ? r->text : "unknown status";
}

int weir_status_exit_code(int status)
{
    const struct status_row *r = find(status);
    return r ? r->exit_code : 70;
}
