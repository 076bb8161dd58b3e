/* Sizes and durations as written in specs; see spec.h. */
#include "spec/spec.h"

#include <string.h>

struct unit {
    const char *name;
    uint64_t factor;
};

/* Longest names first where one is a prefix of another ("ms" before "m"). */
static const struct unit size_units[] = {
    {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40},
    {"KB", 1000ull},     {"MB", 1000000ull},  {"GB", 1000000000ull}, {"TB", 1000000000000ull},
    {"B", 1ull},
};

static const struct unit duration_units[] = {
    {"ms", 1000ull},          {"s", 1000000ull}, {"m", 60000000ull}, {"h", 3600000000ull},
    {"d", 86400000000ull},
};

/* Reads decimal digits at *p into *v; 0 when there are none or they overflow. */
static int read_digits(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t n = 0;
    if (*s < '0' || *s > '9') {
        return 0;
    }
    while (*s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s - '0');
        if (n > (UINT64_MAX - d) / 10) {
            return 0;
        }
        n = n * 10 + d;
        s++;
    }
    *p = s;
    *v = n;
    return 1;
}

/* Matches a unit name at *p; 0 when none does. */
static int read_unit(const char **p, const struct unit *units, size_t n_units, uint64_t *factor)
{
    for (size_t i = 0; i < n_units; i++) {
        size_t len = strlen(units[i].name);
        if (strncmp(*p, units[i].name, len) == 0) {
            *p += len;
            *factor = units[i].factor;
            return 1;
        }
    }
    return 0;
}

uint64_t weir_spec_parse_size(const char *text)
{
    const char *p = text;
    uint64_t n = 0, factor = 1;
    if (text == NULL || !read_digits(&p, &n)) {
        return 0;
    }
    if (*p != '\0' && !read_unit(&p, size_units, sizeof(size_units) / sizeof(size_units[0]),
                                 &factor)) {
        return 0;
    }
    if (*p != '\0' || n == 0 || n > UINT64_MAX / factor) {
        return 0;
    }
    return n * factor;
}

/* One or more <digits><unit> groups, e.g. "90s", "1h30m"; a unit is required. */
int64_t weir_spec_parse_duration(const char *text)
{
    const char *p = text;
    uint64_t total = 0;
    if (text == NULL || *text == '\0') {
        return -1;
    }
    while (*p != '\0') {
        uint64_t n = 0, factor = 0;
        if (!read_digits(&p, &n) ||
            !read_unit(&p, duration_units, sizeof(duration_units) / sizeof(duration_units[0]),
                       &factor)) {
            return -1;
        }
        if (n > (uint64_t)INT64_MAX / factor || total > (uint64_t)INT64_MAX - n * factor) {
            return -1;
        }
        total += n * factor;
    }
    return (int64_t)total;
}
