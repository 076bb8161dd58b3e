/*
 * ORC writer: one column of the file. A column maps one Arrow child of the
 * batch struct to an ORC type, encodes its values into its streams as rows
 * arrive, keeps statistics per row group / stripe / file, and records the
 * row index positions at the start of each row group.
 */
#ifndef WEIR_ORC_COLUMN_H
#define WEIR_ORC_COLUMN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "orc_dict.h"
#include "orc_rle.h"
#include "orc_stats.h"
#include "orc_stream.h"

/* Type.Kind of the ORC specification. */
enum orc_type_kind {
    ORC_BOOLEAN = 0,
    ORC_BYTE = 1,
    ORC_SHORT = 2,
    ORC_INT = 3,
    ORC_LONG = 4,
    ORC_FLOAT = 5,
    ORC_DOUBLE = 6,
    ORC_STRING = 7,
    ORC_BINARY = 8,
    ORC_TIMESTAMP = 9,
    ORC_LIST = 10,
    ORC_STRUCT = 12,
    ORC_DECIMAL = 14,
    ORC_DATE = 15,
    ORC_TIMESTAMP_INSTANT = 18,
};

/* Stream.Kind and ColumnEncoding.Kind values. */
enum orc_stream_kind {
    ORC_S_PRESENT = 0,
    ORC_S_DATA = 1,
    ORC_S_LENGTH = 2,
    ORC_S_DICTIONARY_DATA = 3,
    ORC_S_SECONDARY = 5,
    ORC_S_ROW_INDEX = 6,
};
enum orc_encoding_kind { ORC_E_DIRECT = 0, ORC_E_DIRECT_V2 = 2, ORC_E_DICTIONARY_V2 = 3 };

/* Seconds from 1970-01-01 to ORC's timestamp base, 2015-01-01 00:00:00 UTC. */
#define ORC_TS_BASE 1420070400LL

#define ORC_MAX_POSITIONS 16

struct orc_rg_entry {
    uint64_t pos[ORC_MAX_POSITIONS];
    int npos;
    int npresent;      /* the first npresent positions are the PRESENT stream's */
    uint64_t id_start; /* string columns: first value of the row group */
    struct orc_stats stats;
};

struct orc_col {
    char *name;         /* owned */
    int kind;           /* enum orc_type_kind */
    int src;            /* Arrow source shape, file-local enum in orc_column.c */
    int precision, scale;
    int fixed_width;    /* w:N */
    const char *logical; /* "json", "uuid" or NULL: kept as a type attribute */
    struct orc_ostream present, data, second, dictdata;
    struct orc_boolrle present_rle;
    struct orc_boolrle bool_rle;
    struct orc_brle byte_rle;
    struct orc_rle2 *data_rle;   /* owned; ints, dates, timestamp seconds, dictionary ids */
    struct orc_rle2 *second_rle; /* owned; lengths, decimal scales, timestamp nanos */
    bool stripe_has_null;
    struct orc_stats rg_stats, stripe_stats, file_stats;
    struct orc_rg_entry *rgs;
    size_t nrg, caprg;
    struct orc_dict dict; /* strings */
    int encoding;         /* enum orc_encoding_kind for this stripe */
    uint32_t dict_size;
    struct orc_col *child; /* LIST: its element column (borrowed: the writer's next column) */
};

/* ORC's SECONDARY form of a timestamp's nanoseconds: trailing decimal zeros
 * removed, their count minus one in the low 3 bits (when two or more). */
int64_t weir_orc_format_nanos(int64_t nanos);

/* Maps an Arrow field to a column; WEIR_ECONFIG for a type ORC cannot hold.
 * A list ("+l") becomes LIST; its element (field->children[0], not itself a
 * list) is initialised by the caller as a column of its own, then linked
 * with `child`. `name` (borrowed, copied) names the column in messages; NULL
 * takes field->name. `codec` is borrowed for the column's life. */
int weir_orc_col_init(struct orc_col *c, const struct ArrowSchema *field, const char *name,
                      struct orc_codec *codec, size_t block, struct weir_error *err);
void weir_orc_col_free(struct orc_col *c);
/* Starts a row group: records the positions of every stream. */
int weir_orc_col_rg_open(struct orc_col *c, struct weir_error *err);
/* Ends a row group: its statistics go to the entry and the stripe's. */
int weir_orc_col_rg_close(struct orc_col *c, struct weir_error *err);
/* Encodes rows [row, row + n) of `a` (the logical index, before a->offset);
 * a LIST appends the elements of its non-null rows to its child. */
int weir_orc_col_append(struct orc_col *c, const struct ArrowArray *a, int64_t row, int64_t n,
                        struct weir_error *err);
/* Bytes the column holds for the open stripe. */
size_t weir_orc_col_buffered(const struct orc_col *c);
/* Bytes the column takes in memory: its structure, encoders and the
 * capacity of its buffers (what the process holds, not only what the open
 * stripe filled). */
size_t weir_orc_col_memory(const struct orc_col *c);
/* After stripe_reset: frees the emptied buffers (a partitioned run's relief
 * would otherwise leave each file holding its largest stripe's buffers). */
void weir_orc_col_trim(struct orc_col *c);
/* Ends the stripe's encoding: strings choose dictionary or direct, every
 * encoder and stream is flushed. */
int weir_orc_col_stripe_finish(struct orc_col *c, double dict_threshold, struct weir_error *err);
/* Appends the column's RowIndex message (uncompressed) to pb. */
void weir_orc_col_row_index(const struct orc_col *c, struct orc_pb *pb);
/* Data streams of the stripe, in file order: kinds[i] and streams[i]; returns the count. */
int weir_orc_col_streams(struct orc_col *c, int kinds[4], struct orc_ostream *streams[4]);
/* After the stripe is written: statistics to the file's, buffers emptied. */
int weir_orc_col_stripe_reset(struct orc_col *c, struct weir_error *err);
/* Fills pb with the column's Type message (without the root's subtypes);
 * `id` is the column's id in the file (a LIST's element is id + 1). */
void weir_orc_col_type(const struct orc_col *c, uint32_t id, struct orc_pb *pb);

#endif
