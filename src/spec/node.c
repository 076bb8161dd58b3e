/* YAML events → spec_node tree; see node.h. */
#include "spec/node.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct builder {
    yaml_parser_t parser;
    const char *name;
    const char *text;
    size_t len;
    struct weir_error *err;
};

/* libyaml marks are 0-based. */
static struct weir_pos mark_pos(yaml_mark_t m)
{
    struct weir_pos p = {(int)m.line + 1, (int)m.column + 1};
    return p;
}

/*
 * Reader errors (bad UTF-8, control characters) carry only a byte offset;
 * count lines and characters up to it so the message still has a position.
 */
static struct weir_pos offset_pos(const char *text, size_t len, size_t off)
{
    struct weir_pos p = {1, 1};
    for (size_t i = 0; i < off && i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            p.line++;
            p.col = 1;
        } else if ((ch & 0xC0) != 0x80) {
            p.col++;
        }
    }
    return p;
}

static int fail_at(struct builder *b, int status, struct weir_pos pos, const char *what)
{
    return weir_error_set(b->err, status, "%s:%d:%d: yaml: %s", b->name, pos.line, pos.col, what);
}

static int parser_fail(struct builder *b)
{
    yaml_parser_t *p = &b->parser;
    if (p->error == YAML_MEMORY_ERROR) {
        return weir_error_set(b->err, WEIR_ENOMEM, "%s: out of memory while reading YAML", b->name);
    }
    const char *problem = p->problem != NULL ? p->problem : "syntax error";
    char what[300];
    struct weir_pos pos;
    if (p->error == YAML_READER_ERROR) {
        pos = offset_pos(b->text, b->len, p->problem_offset);
        if (p->problem_value != -1) {
            snprintf(what, sizeof(what), "%s (byte 0x%02x)", problem, (unsigned)p->problem_value);
        } else {
            snprintf(what, sizeof(what), "%s", problem);
        }
    } else {
        pos = mark_pos(p->problem_mark);
        if (p->context != NULL) {
            struct weir_pos cp = mark_pos(p->context_mark);
            snprintf(what, sizeof(what), "%s (%s at line %d, column %d)", problem, p->context,
                     cp.line, cp.col);
        } else {
            snprintf(what, sizeof(what), "%s", problem);
        }
    }
    fail_at(b, WEIR_ECONFIG, pos, what);
    if (p->error == YAML_SCANNER_ERROR && p->problem_mark.index < b->len &&
        b->text[p->problem_mark.index] == '\t') {
        return weir_error_hint(b->err, "indent with spaces: YAML does not allow tabs there");
    }
    return weir_error_hint(b->err, "fix the YAML syntax at that position");
}

static int next_event(struct builder *b, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&b->parser, ev)) {
        return parser_fail(b);
    }
    return WEIR_OK;
}

static int dup_text(const unsigned char *src, size_t len, char **dst)
{
    *dst = malloc(len + 1);
    if (*dst == NULL) {
        return WEIR_ENOMEM;
    }
    if (len > 0) {
        memcpy(*dst, src, len);
    }
    (*dst)[len] = '\0';
    return WEIR_OK;
}

static int dup_opt(const yaml_char_t *src, char **dst)
{
    if (src == NULL) {
        *dst = NULL;
        return WEIR_OK;
    }
    return dup_text(src, strlen((const char *)src), dst);
}

static int append(struct spec_node *parent, struct spec_node *child)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap == 0 ? 8 : parent->cap * 2;
        struct spec_node **items = realloc(parent->items, cap * sizeof(*items));
        if (items == NULL) {
            return WEIR_ENOMEM;
        }
        parent->items = items;
        parent->cap = cap;
    }
    parent->items[parent->n++] = child;
    return WEIR_OK;
}

static int oom(struct builder *b)
{
    return weir_error_set(b->err, WEIR_ENOMEM, "%s: out of memory while reading YAML", b->name);
}

/* Builds the node that `ev` starts, reading its children; always deletes ev. */
static int build_node(struct builder *b, yaml_event_t *ev, int depth, struct spec_node **out)
{
    int rc = WEIR_OK;
    yaml_event_type_t end_type = YAML_NO_EVENT;
    struct spec_node *node = calloc(1, sizeof(*node));
    *out = NULL;
    if (node == NULL) {
        rc = oom(b);
        goto done;
    }
    node->pos = mark_pos(ev->start_mark);
    if (depth > SPEC_NODE_MAX_DEPTH) {
        rc = fail_at(b, WEIR_ECONFIG, node->pos, "nesting is too deep");
        goto done;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        node->kind = SPEC_NODE_SCALAR;
        switch (ev->data.scalar.style) {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE:
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
            node->style = SPEC_STYLE_QUOTED;
            break;
        case YAML_LITERAL_SCALAR_STYLE:
        case YAML_FOLDED_SCALAR_STYLE:
            node->style = SPEC_STYLE_BLOCK;
            break;
        default:
            node->style = SPEC_STYLE_PLAIN;
            break;
        }
        node->len = ev->data.scalar.length;
        if (dup_text(ev->data.scalar.value, node->len, &node->text) != WEIR_OK ||
            dup_opt(ev->data.scalar.anchor, &node->anchor) != WEIR_OK ||
            dup_opt(ev->data.scalar.tag, &node->tag) != WEIR_OK) {
            rc = oom(b);
        }
        goto done;
    case YAML_ALIAS_EVENT:
        node->kind = SPEC_NODE_ALIAS;
        if (dup_opt(ev->data.alias.anchor, &node->anchor) != WEIR_OK) {
            rc = oom(b);
        }
        goto done;
    case YAML_SEQUENCE_START_EVENT:
        node->kind = SPEC_NODE_SEQ;
        end_type = YAML_SEQUENCE_END_EVENT;
        if (dup_opt(ev->data.sequence_start.anchor, &node->anchor) != WEIR_OK ||
            dup_opt(ev->data.sequence_start.tag, &node->tag) != WEIR_OK) {
            rc = oom(b);
            goto done;
        }
        break;
    case YAML_MAPPING_START_EVENT:
        node->kind = SPEC_NODE_MAP;
        end_type = YAML_MAPPING_END_EVENT;
        if (dup_opt(ev->data.mapping_start.anchor, &node->anchor) != WEIR_OK ||
            dup_opt(ev->data.mapping_start.tag, &node->tag) != WEIR_OK) {
            rc = oom(b);
            goto done;
        }
        break;
    default:
        rc = fail_at(b, WEIR_EINTERNAL, node->pos, "unexpected event");
        goto done;
    }
    yaml_event_delete(ev);
    for (;;) {
        yaml_event_t child_ev;
        struct spec_node *child = NULL;
        rc = next_event(b, &child_ev);
        if (rc != WEIR_OK) {
            goto done;
        }
        if (child_ev.type == end_type) {
            yaml_event_delete(&child_ev);
            break;
        }
        rc = build_node(b, &child_ev, depth + 1, &child);
        if (rc != WEIR_OK) {
            goto done;
        }
        if (append(node, child) != WEIR_OK) {
            spec_node_free(child);
            rc = oom(b);
            goto done;
        }
    }
done:
    yaml_event_delete(ev); /* harmless twice: libyaml zeroes the event */
    if (rc != WEIR_OK) {
        spec_node_free(node);
        return rc;
    }
    *out = node;
    return WEIR_OK;
}

/* Reads the next event and checks that it is of `type`. */
static int expect(struct builder *b, yaml_event_type_t type)
{
    yaml_event_t ev;
    int rc = next_event(b, &ev);
    if (rc != WEIR_OK) {
        return rc;
    }
    if (ev.type != type) {
        struct weir_pos pos = mark_pos(ev.start_mark);
        yaml_event_delete(&ev);
        return fail_at(b, WEIR_EINTERNAL, pos, "unexpected event");
    }
    yaml_event_delete(&ev);
    return WEIR_OK;
}

int spec_node_parse(const char *name, const char *text, size_t len, struct spec_node **root,
                    struct weir_error *err)
{
    struct builder b = {.name = name, .text = text, .len = len, .err = err};
    struct spec_node *doc = NULL;
    yaml_event_t ev;
    int rc;
    *root = NULL;
    if (!yaml_parser_initialize(&b.parser)) {
        return oom(&b);
    }
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
    rc = expect(&b, YAML_STREAM_START_EVENT);
    if (rc != WEIR_OK) {
        goto done;
    }
    rc = next_event(&b, &ev);
    if (rc != WEIR_OK) {
        goto done;
    }
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        goto done; /* no document: the caller reports an empty spec */
    }
    yaml_event_delete(&ev); /* DOCUMENT_START */
    rc = next_event(&b, &ev);
    if (rc != WEIR_OK) {
        goto done;
    }
    rc = build_node(&b, &ev, 1, &doc);
    if (rc != WEIR_OK) {
        goto done;
    }
    rc = expect(&b, YAML_DOCUMENT_END_EVENT);
    if (rc != WEIR_OK) {
        goto done;
    }
    rc = next_event(&b, &ev);
    if (rc != WEIR_OK) {
        goto done;
    }
    if (ev.type == YAML_DOCUMENT_START_EVENT) {
        struct weir_pos pos = mark_pos(ev.start_mark);
        yaml_event_delete(&ev);
        rc = fail_at(&b, WEIR_ECONFIG, pos, "more than one document in the file");
        weir_error_hint(err, "a spec is one YAML document: remove the `---` separator or split "
                             "the file");
        goto done;
    }
    yaml_event_delete(&ev);
done:
    yaml_parser_delete(&b.parser);
    if (rc != WEIR_OK) {
        spec_node_free(doc);
        return rc;
    }
    *root = doc;
    return WEIR_OK;
}

void spec_node_free(struct spec_node *node)
{
    if (node == NULL) {
        return;
    }
    for (size_t i = 0; i < node->n; i++) {
        spec_node_free(node->items[i]);
    }
    free(node->items);
    free(node->anchor);
    free(node->tag);
    free(node->text);
    free(node);
}

int spec_node_is_null(const struct spec_node *node)
{
    if (node == NULL || node->kind != SPEC_NODE_SCALAR || node->style != SPEC_STYLE_PLAIN ||
        node->tag != NULL) {
        return 0;
    }
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++) {
        if (strcmp(node->text, nulls[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

const char *spec_node_describe(const struct spec_node *node)
{
    switch (node->kind) {
    case SPEC_NODE_MAP:
        return "a mapping";
    case SPEC_NODE_SEQ:
        return "a list";
    case SPEC_NODE_ALIAS:
        return "an alias";
    default:
        return spec_node_is_null(node) ? "an empty value" : "a scalar";
    }
}
