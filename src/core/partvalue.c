/* Partition folder values (Hive style), from one row of an Arrow column; see outset.h. */
#include "core/outset.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/arrow.h"
#include "util/wtime.h"

#define HIVE_NULL "__HIVE_DEFAULT_PARTITION__"

size_t weir_partition_escape(const char *in, size_t len, char *out, size_t cap)
{
    static const char special[] = "\"#%'*/:=?\\\x7f{[]}^";
    size_t o = 0; /* the escaped length; written while it fits */
    bool fits = cap > 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        bool esc = c < 0x20 || strchr(special, c) != NULL;
        size_t need = esc ? 3 : 1;
        if (fits && o + need < cap) {
            if (esc) {
                snprintf(out + o, cap - o, "%%%02X", c);
            } else {
                out[o] = (char)c;
            }
        } else if (fits) {
            out[o] = '\0';
            fits = false;
        }
        o += need;
    }
    if (fits) {
        out[o] = '\0';
    }
    return o;
}

int64_t weir_partition_floor_div(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* The folder value for row i of the partition column. */
size_t weir_partition_value(const char *f, int granularity, const struct ArrowArray *col,
                            int64_t i, char *buf, size_t cap)
{
    if (weir_arrow_is_null(col, i)) {
        return (size_t)snprintf(buf, cap, "%s", HIVE_NULL);
    }
    int64_t j = i + col->offset;
    int64_t days = INT64_MIN;
    if (strcmp(f, "tdD") == 0) {
        days = ((const int32_t *)col->buffers[1])[j];
    } else if (strncmp(f, "tsu:", 4) == 0) {
        days = weir_partition_floor_div(((const int64_t *)col->buffers[1])[j], 86400000000LL);
    }
    if (days != INT64_MIN && granularity != WEIR_GRAN_VALUE) {
        int y, m, d;
        weir_time_civil(days, &y, &m, &d);
        if (granularity == WEIR_GRAN_YEAR) {
            return (size_t)snprintf(buf, cap, "%04d", y);
        }
        if (granularity == WEIR_GRAN_MONTH) {
            return (size_t)snprintf(buf, cap, "%04d-%02d", y, m);
        }
        return (size_t)snprintf(buf, cap, "%04d-%02d-%02d", y, m, d);
    }
    char raw[256];
    const void *v = col->buffers[1];
    switch (f[0]) {
    case 'b':
        snprintf(raw, sizeof(raw), "%s", weir_arrow_bit(v, j) ? "true" : "false");
        break;
    case 'c':
        snprintf(raw, sizeof(raw), "%d", ((const int8_t *)v)[j]);
        break;
    case 's':
        snprintf(raw, sizeof(raw), "%d", ((const int16_t *)v)[j]);
        break;
    case 'i':
        snprintf(raw, sizeof(raw), "%d", ((const int32_t *)v)[j]);
        break;
    case 'l':
        snprintf(raw, sizeof(raw), "%" PRId64, ((const int64_t *)v)[j]);
        break;
    case 'C':
        snprintf(raw, sizeof(raw), "%u", ((const uint8_t *)v)[j]);
        break;
    case 'S':
        snprintf(raw, sizeof(raw), "%u", ((const uint16_t *)v)[j]);
        break;
    case 'I':
        snprintf(raw, sizeof(raw), "%" PRIu32, ((const uint32_t *)v)[j]);
        break;
    case 't':
        if (days != INT64_MIN) {
            int y, m, d;
            weir_time_civil(days, &y, &m, &d);
            snprintf(raw, sizeof(raw), "%04d-%02d-%02d", y, m, d);
            break;
        }
        /* fallthrough */
    case 'u': {
        if (f[0] == 'u') {
            const int32_t *off = col->buffers[1];
            const char *data = col->buffers[2];
            size_t len = (size_t)(off[j + 1] - off[j]);
            if (len == 0) {
                return (size_t)snprintf(buf, cap, "%s", HIVE_NULL);
            }
            return weir_partition_escape(data + off[j], len, buf, cap);
        }
    }
        /* fallthrough */
    default:
        snprintf(raw, sizeof(raw), "%s", "unsupported");
        break;
    }
    return weir_partition_escape(raw, strlen(raw), buf, cap);
}
