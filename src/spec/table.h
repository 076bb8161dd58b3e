/*
 * Option tables of the spec format (one per section) and the validator that
 * walks a spec_node tree against them. Internal to src/spec.
 *
 * One table drives everything about a key: its validation, where its value
 * is stored in struct weir_spec / struct weir_spec_job, its default, how it is
 * freed, and its entry in the JSON Schema and in specs/README.md.
 */
#ifndef WEIR_SPEC_TABLE_H
#define WEIR_SPEC_TABLE_H

#include <stddef.h>

#include "spec/node.h"
#include "spec/spec.h"

enum spec_type {
    SPEC_T_VERSION = 1, /* int; must be 1 */
    SPEC_T_STRING,      /* weir_sval; any scalar, kept as written; references checked */
    SPEC_T_PLUGIN,      /* weir_sval; a plugin name, [a-z][a-z0-9_]* */
    SPEC_T_IDENT,       /* weir_sval; a job name, [a-z][a-z0-9_]* */
    SPEC_T_ENUM,        /* weir_sval; one of `choices` */
    SPEC_T_CHOICE,      /* int; the index of the value in `choices` */
    SPEC_T_SIZE,        /* uint64_t bytes (weir_spec_parse_size) */
    SPEC_T_DURATION,    /* int64_t microseconds (weir_spec_parse_duration) */
    SPEC_T_BOOL,        /* int 0/1 */
    SPEC_T_INT,         /* int in [min, max] */
    SPEC_T_LIST,        /* weir_sval array at off, size_t count at aux; unique, not empty */
    SPEC_T_MAP,         /* weir_spec_kv array at off, size_t count at aux; values from
                         * `choices` when set */
    SPEC_T_SECTION,     /* a mapping validated by `sub`, same base; weir_pos at aux */
    SPEC_T_PARTITION,   /* int at off: a `choices` index, or `sub` mapping (index count) */
    SPEC_T_JOBS,        /* weir_spec_job array at off, count at aux, each validated by `sub` */
};

#define SPEC_F_REQUIRED 1u /* missing key is an error (strings: and not empty) */
#define SPEC_F_SECRET 2u   /* may hold a credential; use a reference */
#define SPEC_F_NOSHADOW 4u /* SPEC_T_MAP: keys may not repeat a key of the same section */
#define SPEC_F_NONEMPTY 8u /* strings: an empty value is an error (implied by REQUIRED) */

#define SPEC_NO_AUX ((size_t)-1)

struct spec_table;
struct vctx;

struct spec_option {
    const char *name;
    int type;           /* enum spec_type */
    unsigned flags;     /* SPEC_F_* */
    const char *def;    /* default as it would be written; NULL: none */
    const char *choices; /* '|' separated */
    const char *help;   /* one line, for README and JSON Schema */
    size_t off;         /* where the value goes in the base struct */
    size_t aux;         /* count (LIST, MAP, JOBS) or weir_pos (SECTION); SPEC_NO_AUX */
    long min, max;      /* SPEC_T_INT */
    const struct spec_table *sub;
    /* Runs right after the value is stored (so problems come in file order). */
    int (*check)(struct vctx *c, void *base);
};

struct spec_table {
    const char *path;  /* "source", "jobs[]", "jobs[].watermark", "" for the top level */
    const char *help;
    const struct spec_option *opts;
    size_t n;
    /* JSON Schema keywords for the cross-field rules (a JSON object text), or NULL. */
    const char *schema_rules;
    /* Cross-field rules, run after the mapping's keys (NULL map: section absent). */
    int (*check)(struct vctx *c, void *base, const struct spec_node *map, struct weir_pos pos);
};

/* The top level; the other tables hang off its options' `sub`. */
extern const struct spec_table spec_table_top;
extern const struct spec_table spec_table_job;

/* Tables can hold at most this many options (a seen-bitmap bounds it). */
#define SPEC_TABLE_MAX 32

/* Validation state: the file name and the dotted path of the current field. */
struct vctx {
    const char *name;
    struct weir_error *err;
    char path[192];
    size_t path_len;
    /* While a job is validated: the jobs before it (for unique names). */
    const struct weir_spec_job *jobs_before;
    size_t n_jobs_before;
};

/* Appends ".key" (or "key" at the top) / "[i]" to the path; returns the old length. */
size_t spec_path_key(struct vctx *c, const char *key);
size_t spec_path_index(struct vctx *c, size_t i);
void spec_path_set(struct vctx *c, size_t len);

/* Fills c->err with "<name>:<line>:<col>: <path>: <fmt...>" (WEIR_ECONFIG). */
int spec_fail(struct vctx *c, struct weir_pos pos, const char *fmt, ...) WEIR_PRINTF(3, 4);
int spec_oom(struct vctx *c);

/* Writes text quoted and escaped, shortened to about 60 characters, into buf. */
const char *spec_quote(char *buf, size_t cap, const char *text, size_t len);

/* Validates `map` (NULL: absent, apply defaults only) against t into base. */
int spec_validate_map(struct vctx *c, const struct spec_table *t, const struct spec_node *map,
                      struct weir_pos pos, void *base);
/* Frees what spec_validate_map stored into base (not base itself). */
void spec_free_fields(const struct spec_table *t, void *base);

/* The key node `key` of mapping `map`, or NULL. */
const struct spec_node *spec_map_key(const struct spec_node *map, const char *key);

/* The closest of names[0..n) to `word` when it looks like a typo, or NULL. */
const char *spec_did_you_mean(const char *word, const char *const *names, size_t n);

/*
 * Checks the ${scheme:name} references in s. Returns 0 when they are well
 * formed; otherwise 1 with *off the byte offset of the bad `${` and
 * why[0..cap) the problem.
 */
int spec_check_refs(const char *s, size_t *off, char *why, size_t cap);

/* Where byte `off` of a scalar's value stands in the file (best effort). */
struct weir_pos spec_scalar_pos(const struct spec_node *n, size_t off);

#endif /* WEIR_SPEC_TABLE_H */
