/*
 * Arrow C Data Interface builders shared by the source drivers and the core.
 *
 * Compiled into each plugin (hidden visibility) and into the core; it is not
 * part of the ABI. A batch builder owns growable column buffers; `finish`
 * moves them into an ArrowArray whose release callback frees them, and the
 * builder starts empty again.
 */
#ifndef WEIR_UTIL_ARROW_H
#define WEIR_UTIL_ARROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weir/weir.h"

/* A growable byte buffer (64-byte aligned storage, zero padded). */
struct weir_abuf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

enum weir_acol_layout {
    WEIR_ACOL_BOOL = 1,  /* validity + bit-packed values */
    WEIR_ACOL_FIXED = 2, /* validity + width-byte values */
    WEIR_ACOL_VAR = 3,   /* validity + int32 offsets + bytes */
    WEIR_ACOL_LIST = 4,  /* "+l": validity + int32 offsets into `child` */
};

struct weir_acol {
    char *name;      /* new, owned */
    char *format;    /* new, owned */
    char *metadata;  /* new, owned; Arrow binary metadata or NULL */
    int layout;      /* enum weir_acol_layout */
    int width;       /* bytes per value for FIXED */
    int64_t length;
    int64_t null_count;
    struct weir_abuf validity;
    struct weir_abuf values;
    struct weir_abuf offsets;
    struct weir_acol *child; /* LIST: the elements (owned; one level, no nesting) */
};

struct weir_abatch {
    int64_t n_cols;
    struct weir_acol *cols;
    int64_t length; /* rows appended to every column; maintained by the caller via end_row */
};

/* Layout and width for an Arrow format string this project uses, or -1. */
int weir_arrow_layout(const char *format, int *width);

/* Encodes key/value pairs as Arrow binary metadata. Returns a new buffer
 * (free with free()) or NULL on allocation failure; *len receives its size. */
char *weir_arrow_metadata_encode(const char *const *keys, const char *const *values, size_t n,
                                 size_t *len);
/* Looks up `key` in Arrow binary metadata; returns a pointer into `metadata`
 * and sets *vlen, or NULL. */
const char *weir_arrow_metadata_find(const char *metadata, const char *key, int32_t *vlen);
/*
 * The JSON object {"<column>": "<weir:source_type>", ...} of a struct schema's
 * children, in column order; columns without weir:source_type are left out.
 * Writers store it as the file metadata key weir.source_types. New string
 * (caller frees with free()); NULL when out of memory.
 */
char *weir_arrow_source_types_json(const struct ArrowSchema *schema);

/* Prepares an empty batch of n columns. Returns WEIR_OK or WEIR_ENOMEM. */
int weir_abatch_init(struct weir_abatch *b, int64_t n_cols, struct weir_error *err);
/* Sets column i: name and format copied; metadata (binary, mdlen bytes) copied
 * when not NULL. WEIR_ECONFIG for a format this builder does not know. */
int weir_abatch_set_column(struct weir_abatch *b, int64_t i, const char *name, const char *format,
                           const char *metadata, size_t mdlen, struct weir_error *err);
/* Sets column i to a list ("+l") of `child_format` elements (a flat format
 * of weir_arrow_layout), the child named "element" with child_metadata.
 * Elements are appended to cols[i].child, then the row is closed with
 * weir_acol_list_close. WEIR_ECONFIG for an unknown element format. */
int weir_abatch_set_list(struct weir_abatch *b, int64_t i, const char *name, const char *metadata,
                         size_t mdlen, const char *child_format, const char *child_metadata,
                         size_t child_mdlen, struct weir_error *err);
/* set_column, or set_list for a "+l" schema with one flat child. */
int weir_abatch_set_from_schema(struct weir_abatch *b, int64_t i, const struct ArrowSchema *col,
                                struct weir_error *err);
void weir_abatch_reset(struct weir_abatch *b); /* frees everything */

/* Appends to column c. Each returns WEIR_OK or WEIR_ENOMEM. */
int weir_acol_append_null(struct weir_acol *c);
int weir_acol_append_bool(struct weir_acol *c, bool v);
int weir_acol_append_fixed(struct weir_acol *c, const void *v); /* `width` bytes */
int weir_acol_append_var(struct weir_acol *c, const void *v, size_t len);
/* Ends a list row holding the elements appended to c->child since the last
 * row (none: an empty list). A NULL list is weir_acol_append_null. */
int weir_acol_list_close(struct weir_acol *c);
/* Appends row i of `src` (an array of c's format, offset applied), lists
 * with their elements. WEIR_OK or WEIR_ENOMEM. */
int weir_acol_append_copy(struct weir_acol *c, const struct ArrowArray *src, int64_t i);
/* Appends rows idx[0, n) of src, in that order, as n append_copy calls
 * would (a partition's rows of a batch, gathered a column at a time). */
int weir_acol_append_take(struct weir_acol *c, const struct ArrowArray *src, const int64_t *idx,
                          int64_t n);
/* Bytes held by the batch's buffers so far. */
size_t weir_abatch_bytes(const struct weir_abatch *b);

/* Moves the rows built so far into *array (a "+s" struct array; release frees
 * it) and empties the columns for the next batch. Every column must have
 * b->length rows. */
int weir_abatch_finish(struct weir_abatch *b, struct ArrowArray *array, struct weir_error *err);

/*
 * A borrowed "+s" array over the batch's own buffers, for a consumer that
 * only borrows it for a call (a writer's `write`): nothing is copied or
 * handed over, so the builder keeps its buffers for the next rows (see
 * weir_abatch_rewind). `view` holds the array nodes, allocated on first use
 * and reused; *array points into it, valid until the batch or the view
 * changes. Its release only marks it released. Free with weir_aview_reset.
 * Flat columns only: WEIR_EINTERNAL for a list column (finish moves those).
 */
struct weir_aview {
    struct ArrowArray top;
    struct ArrowArray *kids;      /* n_cols nodes */
    struct ArrowArray **kid_ptrs; /* n_cols pointers to them */
    const void **bufs;            /* 3 buffer pointers per column, then 1 for the top */
    int64_t cap;
};
int weir_abatch_view(struct weir_abatch *b, struct weir_aview *view, struct ArrowArray **array,
                     struct weir_error *err);
void weir_aview_reset(struct weir_aview *view);
/* Empties every column for new rows, keeping the buffers' capacity. */
void weir_abatch_rewind(struct weir_abatch *b);
/* A new "+s" schema for the batch's columns (release frees it). */
int weir_abatch_schema(const struct weir_abatch *b, struct ArrowSchema *schema,
                       struct weir_error *err);

/* Deep copy of a schema (release frees it). */
int weir_arrow_schema_copy(const struct ArrowSchema *src, struct ArrowSchema *dst,
                           struct weir_error *err);

/* Value access for consumers of a child array (offset applied). */
static inline bool weir_arrow_is_null(const struct ArrowArray *a, int64_t i)
{
    const uint8_t *v = (const uint8_t *)a->buffers[0];
    int64_t j = i + a->offset;
    return v != NULL && a->null_count != 0 && !(v[j >> 3] & (1u << (j & 7)));
}
static inline bool weir_arrow_bit(const void *buf, int64_t j)
{
    return (((const uint8_t *)buf)[j >> 3] >> (j & 7)) & 1u;
}

#endif /* WEIR_UTIL_ARROW_H */
