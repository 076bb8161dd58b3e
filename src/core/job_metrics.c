/*
 * The figures every job run ends with, whatever its outcome: one CloudWatch
 * EMF record per run — committed, "no new rows" (Rows 0) or failed (Failed
 * 1) — so an alarm on a silent source sees it, and WatermarkLagSeconds when
 * the first watermark column holds a time.
 */
#include "core/job.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/wtime.h"

/* Inverse of weir_time_civil (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Reads exactly n digits at *p into *out. */
static int digits(const char **p, int n, int64_t *out)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9') {
            return -1;
        }
        v = v * 10 + (ch - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int weir_job_parse_time(const char *text, int64_t *us)
{
    const char *p = text;
    int64_t y, mo, d, h = 0, mi = 0, s = 0, frac = 0, off = 0;
    if (p == NULL || digits(&p, 4, &y) != 0 || *p++ != '-' || digits(&p, 2, &mo) != 0 ||
        *p++ != '-' || digits(&p, 2, &d) != 0 || mo < 1 || mo > 12 || d < 1 || d > 31) {
        return -1;
    }
    if (*p == ' ' || *p == 'T') {
        p++;
        if (digits(&p, 2, &h) != 0 || *p++ != ':' || digits(&p, 2, &mi) != 0 || *p++ != ':' ||
            digits(&p, 2, &s) != 0 || h > 24 || mi > 59 || s > 60) {
            return -1;
        }
        if (*p == '.') {
            p++;
            int64_t scale = 100000;
            while (*p >= '0' && *p <= '9') {
                frac += (*p++ - '0') * scale;
                scale /= 10;
            }
        }
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1;
            int64_t oh, om = 0;
            if (digits(&p, 2, &oh) != 0) {
                return -1;
            }
            if (*p == ':') {
                p++;
            }
            if (*p >= '0' && *p <= '9' && digits(&p, 2, &om) != 0) {
                return -1;
            }
            off = sign * (oh * 3600 + om * 60);
        }
    }
    if (*p != '\0') {
        return -1;
    }
    *us = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off) * 1000000) + frac;
    return 0;
}

void weir_job_metrics(const struct weir_run_result *res, const char *watermark)
{
    json_t *units = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Rows", "Count", "Bytes", "Bytes",
                              "Files", "Count", "Seconds", "Seconds", "RowsPerSecond",
                              "Count/Second", "Failed", "Count", "WatermarkLagSeconds", "Seconds");
    json_t *values = json_pack(
        "{s:I,s:I,s:I,s:f,s:f,s:i}", "Rows", (json_int_t)res->rows, "Bytes", (json_int_t)res->bytes,
        "Files", (json_int_t)res->files, "Seconds", res->seconds, "RowsPerSecond",
        res->seconds > 0 ? (double)res->rows / res->seconds : 0.0, "Failed", res->failed ? 1 : 0);
    int64_t us;
    if (watermark != NULL && weir_job_parse_time(watermark, &us) == 0) {
        double lag = (double)(weir_time_now_us() - us) / 1e6;
        json_object_set_new(values, "WatermarkLagSeconds", json_real(lag));
    }
    weir_log_metrics(values, units);
    json_decref(units);
}
