/*
 * A test-only ORC reader for the subset weir's writer produces: PostScript,
 * Footer, Metadata, stripe footers, row indexes, every stream (none, zlib,
 * snappy, lz4, zstd), byte/boolean RLE, integer RLE v2 (all four
 * sub-encodings), DIRECT_V2 and DICTIONARY_V2 strings, decimals,
 * timestamps and lists (LIST with a LENGTH stream, of any of those). Written from the ORC v1 specification, separately from the
 * writer's code, so each encoding is checked both ways. Not installed.
 */
#ifndef WEIR_TESTS_ORC_READER_H
#define WEIR_TESTS_ORC_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decoded ColumnStatistics (has_* flags say which fields were present). */
struct orc_rstats {
    bool has_count, has_null, null_flag;
    uint64_t count;
    int sub; /* field number of the type-specific message, 0 if none */
    bool has_min, has_max, has_sum;
    int64_t imin, imax, isum; /* int, date, string/binary sum, timestamp utc ms */
    double dmin, dmax, dsum;
    char *smin, *smax, *ssum; /* string and decimal min/max, decimal sum (new) */
    size_t sminlen, smaxlen;
    bool has_lower, has_upper;
    char *lower, *upper;
    size_t lowerlen, upperlen;
    uint64_t bucket;
    int64_t min_nanos, max_nanos; /* as stored (+1) */
};

struct orc_rtype {
    int kind;
    int nsub;
    uint32_t sub[256];
    char *names[256];
    int precision, scale;
    char *attr_key, *attr_value;
};

struct orc_rstripe {
    uint64_t offset, index_len, data_len, footer_len, rows;
};

/* All rows of one column, over all stripes (a list's element column holds
 * the elements of every list, in order). */
struct orc_rcol {
    int kind;
    size_t n, cap;
    uint8_t *present;
    int64_t *i;    /* ints, bools, bytes, dates, timestamp micros */
    int64_t *nanos; /* timestamps: nanoseconds within the second */
    double *d;
    __int128 *x;   /* decimals (unscaled) */
    int64_t *scale; /* decimals: scale from the SECONDARY stream */
    uint8_t **s;   /* strings and binaries (owned copies) */
    size_t *slen;
    uint64_t *off;  /* lists: index of the first element in the child column; i = length */
    int *encodings; /* per stripe: ColumnEncoding kind */
    uint32_t *dict_sizes;
};

struct orc_rfile {
    /* postscript */
    uint64_t footer_len, compression, block, metadata_len, writer_version;
    uint32_t version[2];
    int nversion;
    bool magic_ok;
    /* footer */
    uint64_t header_len, content_len, rows, stride, calendar;
    bool has_writer;
    char *software_version;
    int ntypes;
    struct orc_rtype *types;
    int nstripes;
    struct orc_rstripe *stripes;
    int nuser;
    char **user_keys, **user_values;
    size_t *user_vlen;
    struct orc_rstats *file_stats; /* ntypes */
    struct orc_rstats *stripe_stats; /* nstripes * ntypes */
    char **writer_tz; /* per stripe */
    struct orc_rcol *cols; /* ntypes (index 0 = root, unused) */
    int *parent;           /* ntypes: the parent type's id (-1 for the root) */
    int row_index_checks; /* row group positions verified by seeking */
    int chunks_original, chunks_compressed;
    char error[256];
};

/* Reads and decodes a whole file held in memory; 0 on success, else -1 with
 * f->error set. Every row index position is verified by seeking to it. */
int orc_read(const uint8_t *data, size_t len, struct orc_rfile *f);
void orc_rfile_free(struct orc_rfile *f);

/* Building blocks, exposed for the encoding unit tests. Each returns the
 * number of values decoded, or -1 on malformed input. */
long orc_decode_rle2(const uint8_t *p, size_t n, bool is_signed, int64_t *out, size_t cap);
long orc_decode_byte_rle(const uint8_t *p, size_t n, uint8_t *out, size_t cap);
long orc_decode_bool_rle(const uint8_t *p, size_t n, uint8_t *out, size_t cap);
/* Decompresses an ORC compressed stream (kind = CompressionKind) into a new
 * buffer (*out, free with free()). Returns the length or -1. */
long orc_decompress(int kind, const uint8_t *p, size_t n, uint8_t **out, int *nchunks_original,
                    int *nchunks_compressed);

#endif
