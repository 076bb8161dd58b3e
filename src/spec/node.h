/*
 * A YAML document as a tree whose every node keeps its line and column
 * (1-based), built from libyaml's event stream. Internal to src/spec.
 *
 * The tree is syntax only: anchors, aliases and tags are recorded on the
 * nodes, not acted on (aliases are never expanded), so the validator can
 * reject them with the field's name. Duplicate keys are kept too, for the
 * same reason.
 */
#ifndef WEIR_SPEC_NODE_H
#define WEIR_SPEC_NODE_H

#include <stddef.h>

#include "spec/spec.h"

enum spec_node_kind {
    SPEC_NODE_SCALAR = 1,
    SPEC_NODE_MAP = 2,
    SPEC_NODE_SEQ = 3,
    SPEC_NODE_ALIAS = 4, /* `*name`; `anchor` holds the name */
};

enum spec_scalar_style {
    SPEC_STYLE_PLAIN = 1,
    SPEC_STYLE_QUOTED = 2, /* 'single' or "double" */
    SPEC_STYLE_BLOCK = 3,  /* | literal or > folded */
};

/* Nesting deeper than this is refused while building (bounds the recursion). */
#define SPEC_NODE_MAX_DEPTH 64

struct spec_node {
    int kind;             /* enum spec_node_kind */
    struct weir_pos pos;  /* where the node starts (its anchor or tag, when it has one) */
    int style;            /* scalars: enum spec_scalar_style */
    char *anchor;         /* `&name` on any node, or the alias's name; NULL when none */
    char *tag;            /* an explicit tag (`!!str`, `!x`); NULL when none */
    char *text;           /* scalars: the value, NUL-terminated (may hold embedded NULs) */
    size_t len;           /* scalars: bytes in text */
    /* Mappings: key, value, key, value, ... (n counts nodes, so n / 2 pairs).
     * Sequences: the items. */
    struct spec_node **items;
    size_t n;
    size_t cap;
};

/*
 * Parses one YAML document from text[0..len). On success *root is new (free
 * with spec_node_free); it is NULL when the input holds no document at all
 * (empty, or only comments). On failure returns WEIR_ECONFIG (syntax error,
 * several documents, nesting too deep) or WEIR_ENOMEM with err->message
 * "<name>:<line>:<col>: yaml: <problem>".
 */
int spec_node_parse(const char *name, const char *text, size_t len, struct spec_node **root,
                    struct weir_error *err);
void spec_node_free(struct spec_node *node);

/* A plain scalar that YAML reads as null: empty, ~, null, Null, NULL. */
int spec_node_is_null(const struct spec_node *node);

/* "a mapping", "a list", "an empty value", "an alias" or "a scalar", for messages. */
const char *spec_node_describe(const struct spec_node *node);

#endif /* WEIR_SPEC_NODE_H */
