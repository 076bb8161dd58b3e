/*
 * The one table of status codes: name, text and the process exit code
 * (sysexits) each maps to. Only the CLI turns a status into an exit code.
 */
#ifndef WEIR_UTIL_STATUS_H
#define WEIR_UTIL_STATUS_H

#include "weir/weir.h"

/* "config", "tempfail", ...; "unknown" for an out-of-range value. Static. */
const char *weir_status_name(int status);
/* One-line description. Static. */
const char *weir_status_text(int status);
/* The sysexits code for a status (0 for WEIR_OK). */
int weir_status_exit_code(int status);

#endif
