/* The cases of the live ODBC driver test (odbc_live_cases.c, odbc_live_types.c). */
#ifndef WEIR_TESTS_ODBC_LIVE_CASES_H
#define WEIR_TESTS_ODBC_LIVE_CASES_H

#include "odbc_live.h"

void live_case_types(struct live_db *db);
void live_case_windows(struct live_db *db);
void live_case_long(struct live_db *db);
void live_case_snapshot(struct live_db *db);
void live_case_batches(struct live_db *db);
void live_case_errors(struct live_db *db);
/* odbc_live_chunks.c */
void live_case_chunks(struct live_db *db);
void live_case_bad_connections(struct live_db *pg, struct live_db *my);

#endif
