/* Time helpers; see wtime.h. */
#include "util/wtime.h"

#include <stdio.h>
#include <time.h>

int64_t weir_time_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t weir_time_now_ms(void)
{
    return weir_time_now_us() / 1000;
}

double weir_time_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Howard Hinnant's days-from-civil inverse: exact for every int64 day count
 * we meet, no time_t range limits. */
void weir_time_civil(int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(y + (m <= 2));
    *month = (int)m;
    *day = (int)d;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

void weir_time_format_us(int64_t us, char *buf, size_t cap)
{
    int64_t days = floor_div(us, 86400000000LL);
    int64_t rem = us - days * 86400000000LL;
    int y, m, d;
    weir_time_civil(days, &y, &m, &d);
    int64_t secs = rem / 1000000;
    snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60), (int)(rem % 1000000));
}

void weir_time_now_iso(char *buf, size_t cap)
{
    int64_t us = weir_time_now_us();
    char full[48];
    weir_time_format_us(us - us % 1000, full, sizeof(full));
    /* milliseconds are enough for log lines: drop the last three digits */
    snprintf(buf, cap, "%.23sZ", full);
}

void weir_time_date(int64_t us, char *buf, size_t cap)
{
    int y, m, d;
    weir_time_civil(floor_div(us, 86400000000LL), &y, &m, &d);
    snprintf(buf, cap, "%04d-%02d-%02d", y, m, d);
}
