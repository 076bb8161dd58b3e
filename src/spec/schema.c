/*
 * The spec format described from the option tables: a JSON Schema (draft
 * 2020-12, for editors such as yaml-language-server) and the Markdown key
 * reference of specs/README.md. Both are committed; tests/unit/test_spec.c
 * checks that the committed copies equal what this prints.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/table.h"

static const char size_pattern[] = "^[0-9]+(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?$";
static const char duration_pattern[] = "^([0-9]+(ms|s|m|h|d))+$";
static const char ident_pattern[] = "^[a-z][a-z0-9_]*$";

/* ["a", "b"] from "a|b". */
static json_t *choices_array(const char *choices)
{
    json_t *arr = json_array();
    const char *p = choices;
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar != NULL ? (size_t)(bar - p) : strlen(p);
        json_array_append_new(arr, json_stringn(p, n));
        if (bar == NULL) {
            return arr;
        }
        p = bar + 1;
    }
}

static json_t *scalar_types(void)
{
    return json_pack("[sss]", "string", "number", "boolean");
}

static json_t *table_schema(const struct spec_table *t);

static json_t *option_schema(const struct spec_option *o)
{
    json_t *s = json_object();
    json_object_set_new(s, "description", json_string(o->help));
    switch (o->type) {
    case SPEC_T_VERSION:
        json_object_set_new(s, "const", json_integer(1));
        break;
    case SPEC_T_STRING:
        json_object_set_new(s, "type", scalar_types());
        if ((o->flags & (SPEC_F_REQUIRED | SPEC_F_NONEMPTY)) != 0) {
            json_object_set_new(s, "minLength", json_integer(1));
        }
        break;
    case SPEC_T_PLUGIN:
    case SPEC_T_IDENT:
        json_object_set_new(s, "type", json_string("string"));
        json_object_set_new(s, "pattern", json_string(ident_pattern));
        if (o->choices != NULL) {
            json_object_set_new(s, "examples", choices_array(o->choices));
        }
        break;
    case SPEC_T_ENUM:
    case SPEC_T_CHOICE:
        json_object_set_new(s, "type", json_string("string"));
        json_object_set_new(s, "enum", choices_array(o->choices));
        break;
    case SPEC_T_SIZE:
        json_object_set_new(s, "anyOf",
                            json_pack("[{s:s,s:i},{s:s,s:s}]", "type", "integer", "minimum", 1,
                                      "type", "string", "pattern", size_pattern));
        break;
    case SPEC_T_DURATION:
        json_object_set_new(s, "type", json_string("string"));
        json_object_set_new(s, "pattern", json_string(duration_pattern));
        break;
    case SPEC_T_BOOL:
        json_object_set_new(s, "type", json_string("boolean"));
        break;
    case SPEC_T_INT:
        json_object_set_new(s, "type", json_string("integer"));
        json_object_set_new(s, "minimum", json_integer(o->min));
        json_object_set_new(s, "maximum", json_integer(o->max));
        break;
    case SPEC_T_LIST:
        json_object_set_new(s, "type", json_string("array"));
        json_object_set_new(s, "items", json_pack("{s:o,s:i}", "type", scalar_types(),
                                                  "minLength", 1));
        json_object_set_new(s, "minItems", json_integer(1));
        json_object_set_new(s, "uniqueItems", json_true());
        break;
    case SPEC_T_MAP:
        json_object_set_new(s, "type", json_string("object"));
        if (o->choices != NULL) {
            json_object_set_new(s, "additionalProperties",
                                json_pack("{s:o}", "enum", choices_array(o->choices)));
        } else {
            json_object_set_new(s, "additionalProperties",
                                json_pack("{s:o}", "type", scalar_types()));
        }
        break;
    case SPEC_T_SECTION: {
        json_t *sub = table_schema(o->sub);
        json_object_update(s, sub);
        json_decref(sub);
        break;
    }
    case SPEC_T_PARTITION: {
        json_t *mapping = table_schema(o->sub);
        json_object_set_new(s, "anyOf",
                            json_pack("[{s:s,s:o},o]", "type", "string", "enum",
                                      choices_array(o->choices), mapping));
        break;
    }
    case SPEC_T_JOBS:
        json_object_set_new(s, "type", json_string("array"));
        json_object_set_new(s, "minItems", json_integer(1));
        json_object_set_new(s, "items", json_pack("{s:s}", "$ref", "#/$defs/job"));
        break;
    default:
        break;
    }
    if (o->def != NULL) {
        json_t *def;
        if (o->type == SPEC_T_BOOL) {
            def = json_boolean(strcmp(o->def, "true") == 0);
        } else {
            def = json_string(o->def);
        }
        json_object_set_new(s, "default", def);
    }
    return s;
}

/* A new schema object for the mapping described by t. */
static json_t *table_schema(const struct spec_table *t)
{
    json_t *s = json_object(), *props = json_object(), *req = json_array();
    json_object_set_new(s, "type", json_string("object"));
    json_object_set_new(s, "description", json_string(t->help));
    for (size_t i = 0; i < t->n; i++) {
        json_t *os = option_schema(&t->opts[i]);
        if (t->opts[i].type == SPEC_T_SECTION) {
            /* the section's own help is the better description of the key */
            json_object_set_new(os, "description", json_string(t->opts[i].help));
        }
        json_object_set_new(props, t->opts[i].name, os);
        if ((t->opts[i].flags & SPEC_F_REQUIRED) != 0) {
            json_array_append_new(req, json_string(t->opts[i].name));
        }
    }
    json_object_set_new(s, "properties", props);
    if (json_array_size(req) > 0) {
        json_object_set_new(s, "required", req);
    } else {
        json_decref(req);
    }
    json_object_set_new(s, "additionalProperties", json_false());
    if (t->schema_rules != NULL) {
        json_t *rules = json_loads(t->schema_rules, 0, NULL);
        if (rules != NULL) {
            json_object_update(s, rules);
            json_decref(rules);
        }
    }
    return s;
}

int weir_spec_schema_json(FILE *out)
{
    json_t *root = json_object();
    json_t *top = table_schema(&spec_table_top);
    json_t *defs = json_object();
    int rc;
    json_object_set_new(root, "$schema",
                        json_string("https://json-schema.org/draft/2020-12/schema"));
    json_object_set_new(root, "$id", json_string("weir-spec.schema.json"));
    json_object_set_new(root, "title", json_string("weir job spec, version 1"));
    json_object_update(root, top);
    json_decref(top);
    json_object_set_new(root, "description",
                        json_string("A weir job spec: where to read, where to write, the catalog "
                                    "and state store, and the jobs. See specs/README.md."));
    json_object_set_new(defs, "job", table_schema(&spec_table_job));
    json_object_set_new(root, "$defs", defs);
    rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (rc != 0 || fputc('\n', out) == EOF) {
        return WEIR_EIO;
    }
    return WEIR_OK;
}

/* ---- Markdown ---- */

/* Text for a table cell: Markdown's active characters escaped, <> as entities. */
static void md_text(FILE *out, const char *s)
{
    for (; *s != '\0'; s++) {
        if (strchr("|*_[]`\\", *s) != NULL) {
            fputc('\\', out);
            fputc(*s, out);
        } else if (*s == '<') {
            fputs("&lt;", out);
        } else if (*s == '>') {
            fputs("&gt;", out);
        } else {
            fputc(*s, out);
        }
    }
}

/* `a`, `b` or `c` from "a|b|c". */
static void md_choices(FILE *out, const char *choices)
{
    const char *p = choices;
    for (int i = 0;; i++) {
        const char *bar = strchr(p, '|');
        int n = bar != NULL ? (int)(bar - p) : (int)strlen(p);
        fprintf(out, "%s`%.*s`", i == 0 ? "" : bar == NULL ? " or " : ", ", n, p);
        if (bar == NULL) {
            return;
        }
        p = bar + 1;
    }
}

/* GitHub's heading anchor: lowercase, punctuation dropped, spaces as '-'. */
static void md_anchor(FILE *out, const char *heading)
{
    for (const char *p = heading; *p != '\0'; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-') {
            fputc(*p, out);
        } else if (*p >= 'A' && *p <= 'Z') {
            fputc(*p - 'A' + 'a', out);
        } else if (*p == ' ') {
            fputc('-', out);
        }
    }
}

static void md_link(FILE *out, const struct spec_table *t)
{
    fprintf(out, "[`%s`](#", t->path);
    md_anchor(out, t->path);
    fputc(')', out);
}

static void md_type(FILE *out, const struct spec_option *o)
{
    switch (o->type) {
    case SPEC_T_VERSION:
        fputs("integer `1`", out);
        break;
    case SPEC_T_STRING:
        fputs("string", out);
        break;
    case SPEC_T_PLUGIN:
        fputs("plugin name: ", out);
        md_choices(out, o->choices);
        break;
    case SPEC_T_IDENT:
        fputs("name", out);
        break;
    case SPEC_T_ENUM:
    case SPEC_T_CHOICE:
        md_choices(out, o->choices);
        break;
    case SPEC_T_SIZE:
        fputs("size", out);
        break;
    case SPEC_T_DURATION:
        fputs("duration", out);
        break;
    case SPEC_T_BOOL:
        fputs("boolean", out);
        break;
    case SPEC_T_INT:
        fprintf(out, "integer %ld..%ld", o->min, o->max);
        break;
    case SPEC_T_LIST:
        fputs("list of strings", out);
        break;
    case SPEC_T_MAP:
        if (o->choices != NULL) {
            fputs("mapping column → ", out);
            md_choices(out, o->choices);
        } else {
            fputs("mapping name → string", out);
        }
        break;
    case SPEC_T_SECTION:
        fputs("mapping, see ", out);
        md_link(out, o->sub);
        break;
    case SPEC_T_PARTITION:
        md_choices(out, o->choices);
        fputs(", or a mapping, see ", out);
        md_link(out, o->sub);
        break;
    case SPEC_T_JOBS:
        fputs("list of mappings, see ", out);
        md_link(out, o->sub);
        break;
    default:
        break;
    }
}

static void md_table(FILE *out, const struct spec_table *t)
{
    fprintf(out, "### `%s`\n\n", t->path[0] != '\0' ? t->path : "(top level)");
    md_text(out, t->help);
    fputs("\n\n| Key | Type | Required | Default | Description |\n", out);
    fputs("|-----|------|----------|---------|-------------|\n", out);
    for (size_t i = 0; i < t->n; i++) {
        const struct spec_option *o = &t->opts[i];
        fprintf(out, "| `%s` | ", o->name);
        md_type(out, o);
        fprintf(out, " | %s | ", (o->flags & SPEC_F_REQUIRED) != 0 ? "yes" : "");
        if (o->def != NULL) {
            fprintf(out, "`%s`", o->def[0] != '\0' ? o->def : "\"\"");
        }
        fputs(" | ", out);
        md_text(out, o->help);
        if ((o->flags & SPEC_F_SECRET) != 0) {
            fputs(" (a credential: use a reference)", out);
        }
        fputs(" |\n", out);
    }
    fputc('\n', out);
    for (size_t i = 0; i < t->n; i++) {
        if (t->opts[i].sub != NULL) {
            md_table(out, t->opts[i].sub);
        }
    }
}

int weir_spec_reference_md(FILE *out)
{
    md_table(out, &spec_table_top);
    return ferror(out) ? WEIR_EIO : WEIR_OK;
}
