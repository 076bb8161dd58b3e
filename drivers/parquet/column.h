/*
 * One column of the file being written: encodes values as batches arrive
 * into compressed data pages held in memory for the current row group (the
 * column chunk), and writes the chunk (dictionary page first) when the row
 * group is flushed.
 *
 * Pages are data page v1: 4-byte length + RLE definition levels (max level 1,
 * every column is OPTIONAL), then the values: PLAIN, or RLE_DICTIONARY
 * indices (one byte bit width + RLE/bit-packed hybrid). A chunk starts with
 * dictionary encoding (booleans excepted); when the dictionary would exceed
 * the limit the current page is closed and the rest of the chunk is PLAIN.
 *
 * A list column (coltype.list) is the leaf of the 3-level LIST of
 * LogicalTypes.md: optional group <name> (LIST) { repeated group list {
 * optional <element> element } }. Each row gives level entries: a NULL list
 * (rep 0, def 0), an empty list (0, 1), or one entry per element (rep 0 for
 * the first, 1 after; def 2 for a NULL element, 3 for a value). Pages carry
 * RLE repetition levels (bit width 1) before the definition levels (width 2)
 * and end only on row boundaries (the offset index counts rows): the
 * dictionary fallback happens before a row whose elements might not all fit.
 */
#ifndef WEIR_PARQUET_COLUMN_H
#define WEIR_PARQUET_COLUMN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parquet/codec.h"
#include "parquet/dict.h"
#include "parquet/pq_buf.h"
#include "parquet/stats.h"
#include "parquet/types.h"
#include "weir/weir.h"

/* Rows per data page at most, whatever page_size says: keeps pages small
 * enough for the page index to be useful (parquet-mr uses the same figure). */
#define WEIR_PQ_PAGE_MAX_ROWS 20000

/* The dictionary is checked for paying off when it reaches this many entries
 * and at every doubling after: when more than 7 in 8 of the values put in the
 * chunk so far were new, the chunk falls back to PLAIN (README, File layout). */
#define WEIR_PQ_DICT_PROBE 128

/* parquet.thrift Encoding / PageType values used here. */
enum {
    WEIR_PQ_ENC_PLAIN = 0,
    WEIR_PQ_ENC_RLE = 3,
    WEIR_PQ_ENC_RLE_DICTIONARY = 8,
    WEIR_PQ_PAGE_DATA = 0,
    WEIR_PQ_PAGE_DICTIONARY = 2,
};

struct weir_pq_column_opts {
    size_t page_size;  /* encoded value bytes per page */
    size_t dict_limit; /* dictionary page bytes at most */
    struct weir_pq_codec_ctx *codec; /* borrowed */
};

struct weir_pq_page_entry {
    uint64_t offset; /* within the chunk's data pages */
    uint32_t size;   /* header + compressed body */
    int64_t first_row;
    int64_t null_count;
    int64_t value_count; /* non-null values */
    bool has_bounds;     /* min/max usable for the column index */
    size_t min_off, min_len, max_off, max_len; /* into bounds */
};

/* One page as it goes to the file: header, then the compressed body. */
struct weir_pq_page {
    struct weir_pq_page *next;
    size_t off, len; /* the page is data[off, off + len) */
    uint8_t data[];
};

/* Pages in file order; owned (free with weir_pq_pages_free). Each page is its
 * own allocation, so a chunk never grows by copying. */
struct weir_pq_pages {
    struct weir_pq_page *head, *tail;
    uint64_t bytes;
};

void weir_pq_pages_free(struct weir_pq_pages *p);

struct weir_pq_column {
    char *name; /* owned */
    struct weir_pq_coltype type;
    const struct weir_pq_column_opts *opts; /* borrowed */

    /* the page being filled */
    uint32_t *levels; /* definition level per row (per level entry for a list) */
    bool levels_on;   /* levels holds the page's levels; else every row so far is
                       * non-null and no array is kept (most pages: 4 bytes a row
                       * less, which a partitioned run's budget feels) */
    uint32_t *reps;   /* list: repetition level per entry (0 starts a row) */
    size_t reps_cap;
    size_t list_rows; /* list: rows in the page (entries are n_rows) */
    uint32_t def_max; /* 1, or 3 for a list (list, repeated group, element) */
    uint32_t *indices; /* dictionary index per non-null value */
    size_t n_rows, n_indices, rows_cap, indices_cap;
    struct weir_pq_buf plain; /* PLAIN values (bit-packed for booleans) */
    size_t n_bools;
    int dict_bw; /* bit width of the current dictionary size */
    struct weir_pq_stats page_stats;

    /* the column chunk */
    bool dict_on;   /* still dictionary encoding */
    bool fell_back; /* switched to PLAIN in this chunk */
    uint64_t dict_puts; /* non-null values put to the dictionary in this chunk */
    struct weir_pq_dict dict;
    struct weir_pq_pages pages; /* data pages: headers and compressed bodies */
    struct weir_pq_stats chunk_stats;
    int64_t chunk_values, chunk_rows;
    int64_t uncompressed; /* data pages, headers included */
    int32_t n_dict_pages, n_plain_pages;
    struct weir_pq_page_entry *entries;
    size_t n_entries, entries_cap;
    struct weir_pq_buf bounds; /* page min/max bytes for the column index */

    /* scratch */
    struct weir_pq_buf body, header, scratch;
};

/* The serialized metadata of a flushed chunk; buffers owned by the struct
 * (free with weir_pq_chunk_out_free). */
struct weir_pq_chunk_out {
    struct weir_pq_buf meta;      /* ColumnMetaData struct */
    struct weir_pq_buf col_index; /* ColumnIndex struct, empty when not written */
    struct weir_pq_buf off_index; /* OffsetIndex struct */
    uint64_t start;               /* file offset of the chunk's first page */
    uint64_t ci_offset, oi_offset; /* where the page index went; set by the writer */
    int64_t compressed, uncompressed;
};

int weir_pq_column_init(struct weir_pq_column *c, const char *name,
                        const struct weir_pq_coltype *type,
                        const struct weir_pq_column_opts *opts, struct weir_error *err);
void weir_pq_column_free(struct weir_pq_column *c);

/*
 * Appends batch rows [start, start + count) of `arr`, a child of the struct
 * array `parent` (the batch; NULL for a bare column). The parent's offset and
 * then the child's own offset are applied; rows the parent marks null are
 * null here too. `parent`, when given, must have a buffers table.
 * WEIR_EDATA for a value the Parquet
 * type cannot hold (a decimal wider than its precision allows).
 */
int weir_pq_column_append(struct weir_pq_column *c, const struct ArrowArray *arr,
                          const struct ArrowArray *parent, int64_t start, int64_t count,
                          struct weir_error *err);

/* Bytes held for the current chunk (pages, the open page, the dictionary). */
uint64_t weir_pq_column_buffered(const struct weir_pq_column *c);

/*
 * Closes the open page and moves the whole chunk (dictionary page first) to
 * *pages (which must be empty), to be written at file offset `start`; fills
 * *co (which must be zero-initialised or freed) and empties the column for
 * the next row group. Does no I/O, so it can run away from the host's thread.
 */
/* Frees the buffers a sealed column keeps for reuse (page arrays, scratch,
 * the dictionary's hash table); they grow again on the next append. Only
 * right after weir_pq_column_seal. */
void weir_pq_column_trim(struct weir_pq_column *c);
/*
 * Closes the open page (compressed, kept with the chunk's pages) and frees
 * the open page's buffers: the chunk's memory drops to its compressed pages,
 * its page entries and its dictionary, and the chunk goes on with the next
 * append. Used to bound memory without ending the row group (pages then end
 * before page_size). Does no I/O.
 */
int weir_pq_column_compact(struct weir_pq_column *c, struct weir_error *err);
/* Heap bytes the column holds now, spare capacity included. */
uint64_t weir_pq_column_memory(const struct weir_pq_column *c);
int weir_pq_column_seal(struct weir_pq_column *c, uint64_t start, struct weir_pq_pages *pages,
                        struct weir_pq_chunk_out *co, struct weir_error *err);

/* Writes pages to `out`, advancing *pos; the pages stay owned by the caller. */
int weir_pq_pages_emit(const struct weir_pq_pages *pages, struct weir_output *out, uint64_t *pos,
                       struct weir_error *err);

/* weir_pq_column_seal at *pos, then weir_pq_pages_emit. */
int weir_pq_column_flush(struct weir_pq_column *c, struct weir_output *out, uint64_t *pos,
                         struct weir_pq_chunk_out *co, struct weir_error *err);

void weir_pq_chunk_out_free(struct weir_pq_chunk_out *co);

#endif
