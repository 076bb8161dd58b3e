/* Time helpers: UTC only, reentrant (no gmtime/localtime). */
#ifndef WEIR_UTIL_WTIME_H
#define WEIR_UTIL_WTIME_H

#include <stddef.h>
#include <stdint.h>

/* Wall clock in microseconds since the Unix epoch. */
int64_t weir_time_now_us(void);
int64_t weir_time_now_ms(void);
/* Monotonic seconds, for durations. */
double weir_time_mono(void);
/* "2026-11-28T10:03:40.123Z" into buf. */
void weir_time_now_iso(char *buf, size_t cap);
/* Formats microseconds since the epoch as "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
void weir_time_format_us(int64_t us, char *buf, size_t cap);
/* "YYYY-MM-DD" of the UTC day containing `us`. */
void weir_time_date(int64_t us, char *buf, size_t cap);
/* Days since 1970-01-01 → "YYYY-MM-DD" (proleptic Gregorian, any year). */
void weir_time_civil(int64_t days, int *year, int *month, int *day);

#endif
