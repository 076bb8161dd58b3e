/* Partition and file estimates for `weir plan`; see partplan.h. */
#include "core/partplan.h"

#include <string.h>

#include "spec/spec.h"

static double round_up(double x)
{
    double t = (double)(int64_t)x;
    return t < x ? t + 1 : t;
}

static int digits(const char *s, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return 0;
}

/* Days from the civil date (proleptic Gregorian), the inverse of
 * weir_time_civil: count whole 400-year eras from March of year 0. */
static int64_t civil_days(int y, int m, int d)
{
    int64_t yy = m <= 2 ? y - 1 : y;
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int weir_partplan_days(const char *text, int64_t *days)
{
    int y, m, d;
    if (text == NULL || strlen(text) < 10 || text[4] != '-' || text[7] != '-' ||
        digits(text, 4, &y) != 0 || digits(text + 5, 2, &m) != 0 ||
        digits(text + 8, 2, &d) != 0 || m < 1 || m > 12 || d < 1 || d > 31) {
        return -1;
    }
    *days = civil_days(y, m, d);
    return 0;
}

/* Units of `granularity` from a to b, both ends counted; -1 when either is
 * not a date. */
static double span_units(const char *a, const char *b, int granularity)
{
    int64_t da, db;
    if (weir_partplan_days(a, &da) != 0 || weir_partplan_days(b, &db) != 0 || db < da) {
        return -1;
    }
    int ya = 0, ma = 0, yb = 0, mb = 0;
    digits(a, 4, &ya);
    digits(a + 5, 2, &ma);
    digits(b, 4, &yb);
    digits(b + 5, 2, &mb);
    switch (granularity) {
    case WEIR_GRAN_DAY:
        return (double)(db - da + 1);
    case WEIR_GRAN_MONTH:
        return (double)((yb * 12 + mb) - (ya * 12 + ma) + 1);
    case WEIR_GRAN_YEAR:
        return (double)(yb - ya + 1);
    default:
        return -1;
    }
}

/* The later (later = 1) or earlier of two ISO texts, either possibly not a date. */
static const char *pick(const char *a, const char *b, int later)
{
    int64_t da, db;
    if (weir_partplan_days(b, &db) != 0) {
        return a;
    }
    if (weir_partplan_days(a, &da) != 0) {
        return b;
    }
    return (later ? db > da : db < da) ? b : a;
}

void weir_partplan_estimate(const struct weir_column_stats *st, int granularity, int64_t rows,
                            uint64_t file_size, const char *low, const char *high,
                            struct weir_partplan *out)
{
    memset(out, 0, sizeof(*out));
    out->span = out->bytes = out->files = out->avg_file = -1;
    if (st == NULL || !st->found) {
        return;
    }
    out->known = 1;
    double n = (double)rows;
    double nonnull = n * (1.0 - st->null_frac);
    /* negative: a fraction of all the rows, so it scales with the window */
    double d = st->n_distinct >= 0 ? st->n_distinct : -st->n_distinct * n;
    out->distinct = d < nonnull ? d : nonnull;
    double parts = out->distinct;
    if (granularity != WEIR_GRAN_VALUE && st->min[0] != '\0' && st->max[0] != '\0') {
        /* the window's own bounds, when the partition column is the watermark */
        const char *lo = low != NULL ? pick(st->min, low, 1) : st->min;
        const char *hi = high != NULL ? pick(st->max, high, 0) : st->max;
        out->span = span_units(lo, hi, granularity);
        if (out->span >= 0 && out->span < parts) {
            parts = out->span;
        }
    }
    out->has_null = n * st->null_frac >= 0.5;
    parts = round_up(parts) + out->has_null;
    out->partitions = parts < n ? parts : n;
    if (st->table_rows > 0 && st->table_bytes >= 0) {
        out->bytes = st->table_bytes * n / st->table_rows;
        if (out->partitions > 0 && file_size > 0) {
            double per = round_up(out->bytes / out->partitions / (double)file_size);
            out->files = out->partitions * (per < 1 ? 1 : per);
            out->avg_file = out->bytes / out->files;
        } else {
            out->files = 0;
        }
    }
}
