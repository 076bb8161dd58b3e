/*
 * Per-column protection of a job's `pii:` map. `drop` columns never leave
 * the database (jobctx leaves them out of the query); `hash` columns are
 * replaced, batch by batch, by the lowercase hex HMAC-SHA256 of their value
 * under the spec's pii_key: deterministic, so hashed columns still join
 * across tables and runs, and not reversible without the key. NULL stays
 * NULL. Text and binary columns hash their bytes, integer columns their
 * decimal text, fixed-size binary (uuid) its bytes.
 */
#ifndef WEIR_CORE_PII_H
#define WEIR_CORE_PII_H

#include "core/secret.h"
#include "spec/spec.h"
#include "weir/weir.h"

struct weir_pii;

/* *out is new (free with weir_pii_free), or NULL when the job hashes nothing.
 * `schema` is the source's, borrowed; `key` is borrowed until free.
 * WEIR_ECONFIG when a hash column is missing or of a type that cannot be hashed. */
int weir_pii_new(const struct weir_spec *spec, const struct weir_spec_job *job,
                 const struct ArrowSchema *schema, const struct weir_secret *key,
                 struct weir_pii **out, struct weir_error *err);
/* The schema the writer sees: hashed columns become utf8 ("u"). *out is new. */
int weir_pii_schema(const struct weir_pii *p, const struct ArrowSchema *in,
                    struct ArrowSchema *out, struct weir_error *err);
/* Moves `batch` into a new array *out whose hashed columns are replaced. */
int weir_pii_apply(struct weir_pii *p, struct ArrowArray *batch, struct ArrowArray *out,
                   struct weir_error *err);
void weir_pii_free(struct weir_pii *p);

#endif
