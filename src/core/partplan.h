/*
 * What `weir plan` expects a partitioned job to write: distinct partitions
 * in the window and files, from the source's planner statistics (weir.h
 * column_stats), never from reading the table.
 */
#ifndef WEIR_CORE_PARTPLAN_H
#define WEIR_CORE_PARTPLAN_H

#include <stdint.h>

#include "weir/weir.h"

/* Warn about small files when more than this many files would average
 * under WEIR_PARTPLAN_SMALL_FILE bytes. */
#define WEIR_PARTPLAN_SMALL_FILES 100
#define WEIR_PARTPLAN_SMALL_FILE (1024.0 * 1024.0)

struct weir_partplan {
    int known;         /* 0: no statistics, nothing below is set */
    double distinct;   /* distinct non-NULL values of the column in the window (statistics) */
    double span;       /* date/time columns: day/month/year units from min to max; < 0 unknown */
    int has_null;      /* the NULL folder (__HIVE_DEFAULT_PARTITION__) is expected */
    double partitions; /* the estimate: min(distinct, span) + has_null, at most the rows */
    double bytes;      /* the window's bytes in the database; < 0 unknown */
    double files;      /* partitions x ceil(bytes per partition / file_size); < 0 unknown */
    double avg_file;   /* bytes / files; < 0 unknown */
};

/*
 * Fills *out from the statistics `st` (borrowed) for a window of `rows` rows
 * (the exact count). `granularity` is enum weir_granularity; `low` and
 * `high` (NULL when absent) narrow the column's range when the partition
 * column is also the first watermark column (database text, ISO dates).
 */
void weir_partplan_estimate(const struct weir_column_stats *st, int granularity, int64_t rows,
                            uint64_t file_size, const char *low, const char *high,
                            struct weir_partplan *out);

/* Days since 1970-01-01 of an ISO text "YYYY-MM-DD..." into *days; -1 when
 * it does not start with a date. */
int weir_partplan_days(const char *text, int64_t *days);

#endif
