/*
 * Glue Data Catalog (JSON 1.1, X-Amz-Target AWSGlue.<Op>): the calls the
 * catalog step needs. Every call uses the session's credentials, region and
 * endpoint (AWS_ENDPOINT_URL_GLUE wins). Errors carry the AWS code and
 * request id in err->detail (filled by the HTTP layer). A missing database,
 * table or partition is WEIR_ENOINPUT (EntityNotFoundException).
 */
#ifndef WEIR_AWS_GLUE_H
#define WEIR_AWS_GLUE_H

#include <jansson.h>
#include <stdbool.h>

#include "aws/session.h"
#include "weir/weir.h"

/* Partitions per BatchCreatePartition call (the API's limit). */
#define WEIR_GLUE_BATCH 100

/* One Glue operation: `request` borrowed, *out new (may be NULL). */
int weir_glue_call(struct weir_aws_session *s, const char *operation, const json_t *request,
                   json_t **out, struct weir_error *err);

/* *db new: the Database object. */
int weir_glue_get_database(struct weir_aws_session *s, const char *name, json_t **db,
                           struct weir_error *err);
int weir_glue_create_database(struct weir_aws_session *s, const char *name,
                              const char *description, struct weir_error *err);

/* *table new: the Table object. */
int weir_glue_get_table(struct weir_aws_session *s, const char *db, const char *name,
                        json_t **table, struct weir_error *err);
/* `input` is a TableInput (borrowed). */
int weir_glue_create_table(struct weir_aws_session *s, const char *db, const json_t *input,
                           struct weir_error *err);
int weir_glue_update_table(struct weir_aws_session *s, const char *db, const json_t *input,
                           struct weir_error *err);

/* `values` is the partition's Values array (borrowed); *part new. */
int weir_glue_get_partition(struct weir_aws_session *s, const char *db, const char *table,
                            const json_t *values, json_t **part, struct weir_error *err);
/* `input` is a PartitionInput whose Values name the partition. */
int weir_glue_update_partition(struct weir_aws_session *s, const char *db, const char *table,
                               const json_t *input, struct weir_error *err);

/*
 * Creates or updates every PartitionInput of `inputs` (array, borrowed):
 * BatchCreatePartition in chunks of WEIR_GLUE_BATCH; an entry refused with
 * AlreadyExistsException is sent again as UpdatePartition, so a rerun is
 * idempotent; any other per-partition error fails the call. *created and
 * *updated (may be NULL) count them.
 */
int weir_glue_put_partitions(struct weir_aws_session *s, const char *db, const char *table,
                             const json_t *inputs, size_t *created, size_t *updated,
                             struct weir_error *err);

#endif

/*
 * Hive helpers (glue_hive.c, pure, no I/O): how an Arrow schema and the
 * writer's files are described to the catalog.
 */
struct ArrowSchema;

/*
 * Hive type of an Arrow format for files written by `writer` (parquet|orc):
 * l bigint, i int, s smallint, c tinyint, C smallint, S int, I bigint,
 * g double, f float, d:P,S decimal(P,S), u/U string, z/Z binary, b boolean,
 * tdD/tdm date, ts?:* timestamp, tt? bigint (a time of day as its integer
 * count: Hive has no time type), w:16 string when `uuid_text` (the writer
 * stores the uuid as its 36-character text) and otherwise binary, other w:N
 * binary. WEIR_ECONFIG for any other format. drivers/TYPES.md is the contract
 * these follow.
 */
int weir_glue_hive_type(const char *format, const char *writer, bool uuid_text, char *out,
                        size_t cap);

/* Columns (new array of {Name, Type[, Comment]}) of a "+s" schema written by
 * `writer` under `types_profile` (compat, the default when NULL, or native);
 * the comment is the column's weir:source_type metadata. A w:16 column with
 * ARROW:extension:name arrow.uuid is text in ORC files and in Parquet files of
 * the compat profile. NULL on error. */
json_t *weir_glue_columns(const struct ArrowSchema *schema, const char *writer,
                          const char *types_profile, struct weir_error *err);

/* Undoes Hive's partition escaping (%XX → byte) into out[cap]; -1 when it
 * does not fit. A malformed escape is kept as written. */
int weir_glue_unescape(const char *in, char *out, size_t cap);

/* Values (new array) of a folder "k=v[/k2=v2...]", unescaped.
 * NULL when malformed. */
json_t *weir_glue_partition_values(const char *folder);

/* Old Hive type → new one: 0 same, 1 an allowed widening (tinyint →
 * smallint → int → bigint, float → double, decimal(P,S) → decimal(P2,S) with
 * P2 ≥ P), -1 incompatible. Case-insensitive, spaces ignored. */
int weir_glue_type_change(const char *old_type, const char *new_type);

/*
 * Schema drift between the table's columns and the files' columns (both
 * arrays of {Name, Type}, borrowed): *merged (new) is the table's list with
 * widened types replaced and new columns appended, or NULL when nothing
 * changed. Columns the files lack stay in the table (they read as NULL).
 * WEIR_ECONFIG naming column, old and new type on an incompatible change.
 */
int weir_glue_drift(const json_t *table_cols, const json_t *file_cols, json_t **merged,
                    struct weir_error *err);

/* The TableInput (new) of an external table of `writer` files. */
json_t *weir_glue_table_input(const char *name, const char *location, const char *writer,
                              const char *compression, const json_t *columns,
                              const json_t *partition_keys, const char *job);

/* Column {Name, Type} (new); comment may be NULL. */
json_t *weir_glue_column(const char *name, const char *type, const char *comment);
