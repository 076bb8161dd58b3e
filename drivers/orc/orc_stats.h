/*
 * ORC writer: column statistics (ORC v1 "Column Statistics"), kept per row
 * group, per stripe and per file, merged upwards, and encoded as the
 * ColumnStatistics protobuf message.
 */
#ifndef WEIR_ORC_STATS_H
#define WEIR_ORC_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "orc_pb.h"

enum orc_stats_kind {
    ORC_ST_NONE = 0,  /* struct: count and hasNull only */
    ORC_ST_INT,       /* min, max, sum (omitted once it overflows) */
    ORC_ST_DOUBLE,    /* min, max (NaN skipped), sum (omitted unless finite) */
    ORC_ST_STRING,    /* min, max (bounds past 1024 bytes), sum of lengths */
    ORC_ST_BOOL,      /* bucket count of true values */
    ORC_ST_DECIMAL,   /* min, max, sum as decimal strings */
    ORC_ST_DATE,      /* min, max days */
    ORC_ST_BINARY,    /* sum of lengths */
    ORC_ST_TIMESTAMP, /* min, max as UTC milliseconds plus sub-millisecond nanos */
};

#define ORC_STATS_STRING_LIMIT 1024

struct orc_stats {
    int kind;
    int scale; /* decimals */
    uint64_t count;
    bool has_null;
    bool has_minmax;
    bool sum_ok;
    int64_t imin, imax, isum;     /* INT, DATE, TIMESTAMP (microseconds) */
    double dmin, dmax, dsum;      /* DOUBLE */
    __int128 xmin, xmax, xsum;    /* DECIMAL */
    int64_t ssum;                 /* STRING, BINARY: total length */
    uint64_t truecount;           /* BOOL */
    uint8_t *smin, *smax;         /* owned copies (STRING) */
    size_t sminlen, smaxlen;
};

void weir_orc_stats_init(struct orc_stats *s, int kind, int scale);
/* Empties the statistics (kind and scale stay). */
void weir_orc_stats_reset(struct orc_stats *s);
void weir_orc_stats_free(struct orc_stats *s);

void weir_orc_stats_null(struct orc_stats *s);
/* A non-null value of a kind with no value statistics (NONE: lists). */
void weir_orc_stats_value(struct orc_stats *s);
void weir_orc_stats_int(struct orc_stats *s, int64_t v); /* INT, DATE, TIMESTAMP */
void weir_orc_stats_double(struct orc_stats *s, double v);
void weir_orc_stats_bool(struct orc_stats *s, bool v);
void weir_orc_stats_decimal(struct orc_stats *s, __int128 v);
void weir_orc_stats_binary(struct orc_stats *s, size_t len);
int weir_orc_stats_string(struct orc_stats *s, const uint8_t *p, size_t len,
                          struct weir_error *err);
/* Adds src into dst (same kind). */
int weir_orc_stats_merge(struct orc_stats *dst, const struct orc_stats *src,
                         struct weir_error *err);
/* Fills pb with the ColumnStatistics message's fields. */
void weir_orc_stats_encode(const struct orc_stats *s, struct orc_pb *pb);

/* Formats an unscaled decimal with `scale` digits after the point into
 * buf[0..cap) ("-12.340"); returns the length. cap >= 48 always suffices. */
size_t weir_orc_decimal_format(__int128 v, int scale, char *buf, size_t cap);

#endif
