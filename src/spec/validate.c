/*
 * The validator: walks a spec_node mapping against an option table, converts
 * each value by its type and stores it at the option's offset. Keys are
 * handled in document order, so the first problem in the file is reported.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spec/table.h"

#define FIELD(base, off, type) ((type *)(void *)((char *)(base) + (off)))

static const char ref_hint[] =
    "references are ${env:NAME}, ${file:/path}, ${secret:NAME} and ${secret:NAME#field}";

const struct spec_node *spec_map_key(const struct spec_node *map, const char *key)
{
    if (map == NULL || map->kind != SPEC_NODE_MAP) {
        return NULL;
    }
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const struct spec_node *k = map->items[i];
        if (k->kind == SPEC_NODE_SCALAR && strcmp(k->text, key) == 0) {
            return k;
        }
    }
    return NULL;
}

/* "none, snappy, gzip" from "none|snappy|gzip". */
static const char *choices_list(char *buf, size_t cap, const char *choices)
{
    size_t o = 0;
    for (const char *p = choices; *p != '\0' && o + 3 < cap; p++) {
        if (*p == '|') {
            buf[o++] = ',';
            buf[o++] = ' ';
        } else {
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
    return buf;
}

/* The index of text among '|'-separated choices, or -1. */
static int choice_index(const char *choices, const char *text)
{
    int idx = 0;
    size_t tl = strlen(text);
    for (const char *p = choices;; idx++) {
        const char *bar = strchr(p, '|');
        size_t n = bar != NULL ? (size_t)(bar - p) : strlen(p);
        if (n == tl && memcmp(p, text, n) == 0) {
            return idx;
        }
        if (bar == NULL) {
            return -1;
        }
        p = bar + 1;
    }
}

/* Anchors, aliases and tags are refused wherever they appear. */
static int check_plain_yaml(struct vctx *c, const struct spec_node *v)
{
    static const char hint[] = "write the value out in full: anchors, aliases and tags are not "
                               "part of the spec format";
    if (v->kind == SPEC_NODE_ALIAS) {
        spec_fail(c, v->pos, "aliases (*%s) are not supported", v->anchor);
        return weir_error_hint(c->err, hint);
    }
    if (v->anchor != NULL) {
        spec_fail(c, v->pos, "anchors (&%s) are not supported", v->anchor);
        return weir_error_hint(c->err, hint);
    }
    if (v->tag != NULL) {
        static const char core[] = "tag:yaml.org,2002:";
        int is_core = strncmp(v->tag, core, sizeof(core) - 1) == 0;
        spec_fail(c, v->pos, "tags (%s%s) are not supported", is_core ? "!!" : "",
                  is_core ? v->tag + sizeof(core) - 1 : v->tag);
        return weir_error_hint(c->err, "remove the tag; quote a value to make it a string");
    }
    return WEIR_OK;
}

static int type_error(struct vctx *c, const struct spec_node *v, const char *expected)
{
    char q[96];
    if (v->kind == SPEC_NODE_SCALAR && !spec_node_is_null(v)) {
        return spec_fail(c, v->pos, "expected %s, found %s", expected,
                         spec_quote(q, sizeof(q), v->text, v->len));
    }
    return spec_fail(c, v->pos, "expected %s, found %s", expected, spec_node_describe(v));
}

/* A non-empty scalar's text, or an error naming what was expected. */
static int get_scalar(struct vctx *c, const struct spec_node *v, const char *expected,
                      const char **text)
{
    int rc = check_plain_yaml(c, v);
    if (rc != WEIR_OK) {
        return rc;
    }
    if (v->kind != SPEC_NODE_SCALAR || spec_node_is_null(v)) {
        type_error(c, v, expected);
        if (spec_node_is_null(v)) {
            weir_error_hint(c->err, "give a value, or remove the key (write \"\" for an empty "
                                    "string)");
        }
        return c->err->status;
    }
    if (strlen(v->text) != v->len) {
        return spec_fail(c, v->pos, "contains a NUL character");
    }
    *text = v->text;
    return WEIR_OK;
}

/* Scalar text as a string value: references must be well formed. */
static int get_string(struct vctx *c, const struct spec_node *v, int nonempty, const char **text)
{
    size_t off = 0;
    char why[200];
    int rc = get_scalar(c, v, "a string", text);
    if (rc != WEIR_OK) {
        return rc;
    }
    if (nonempty && v->len == 0) {
        return spec_fail(c, v->pos, "must not be empty");
    }
    if (spec_check_refs(*text, &off, why, sizeof(why)) != 0) {
        spec_fail(c, spec_scalar_pos(v, off), "%s", why);
        return weir_error_hint(c->err, ref_hint);
    }
    return WEIR_OK;
}

static int dup_string(struct vctx *c, const char *text, char **out)
{
    *out = strdup(text);
    return *out == NULL ? spec_oom(c) : WEIR_OK;
}

static int store_sval(struct vctx *c, struct weir_sval *dst, const char *text, struct weir_pos pos)
{
    dst->pos = pos;
    return dup_string(c, text, &dst->s);
}

static int is_ident(const char *s)
{
    if (!(s[0] >= 'a' && s[0] <= 'z')) {
        return 0;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
            return 0;
        }
    }
    return 1;
}

static int bad_choice(struct vctx *c, struct weir_pos pos, const char *text, const char *choices)
{
    char q[96], list[160], buf[48];
    const char *names[16];
    size_t n = 0;
    const char *p = choices;
    spec_fail(c, pos, "invalid value %s", spec_quote(q, sizeof(q), text, strlen(text)));
    /* split the choices into buf-sized names for the suggestion */
    char all[160];
    snprintf(all, sizeof(all), "%s", p);
    for (char *s = all; s != NULL && n < 16;) {
        names[n++] = s;
        s = strchr(s, '|');
        if (s != NULL) {
            *s++ = '\0';
        }
    }
    const char *close = spec_did_you_mean(text, names, n);
    if (close != NULL) {
        snprintf(buf, sizeof(buf), "%s", close);
        return weir_error_hint(c->err, "did you mean \"%s\"? allowed: %s", buf,
                               choices_list(list, sizeof(list), choices));
    }
    return weir_error_hint(c->err, "allowed: %s", choices_list(list, sizeof(list), choices));
}

/* ---- one function per type ---- */

static int conv_list(struct vctx *c, const struct spec_option *o, const struct spec_node *v,
                     void *base)
{
    struct weir_sval **arr = FIELD(base, o->off, struct weir_sval *);
    size_t *count = FIELD(base, o->aux, size_t);
    int rc = check_plain_yaml(c, v);
    if (rc != WEIR_OK) {
        return rc;
    }
    if (v->kind != SPEC_NODE_SEQ) {
        type_error(c, v, "a list");
        if (v->kind == SPEC_NODE_SCALAR && !spec_node_is_null(v)) {
            char q[96];
            return weir_error_hint(c->err, "write a list: [%s]",
                                   spec_quote(q, sizeof(q), v->text, v->len));
        }
        return c->err->status;
    }
    if (v->n == 0) {
        return spec_fail(c, v->pos, "must not be empty");
    }
    *arr = calloc(v->n, sizeof(**arr));
    if (*arr == NULL) {
        return spec_oom(c);
    }
    for (size_t i = 0; i < v->n; i++) {
        const char *text = NULL;
        size_t saved = spec_path_index(c, i);
        rc = get_string(c, v->items[i], 1, &text);
        for (size_t k = 0; rc == WEIR_OK && k < i; k++) {
            if (strcmp((*arr)[k].s, text) == 0) {
                spec_fail(c, v->items[i]->pos, "\"%s\" is listed twice", text);
                rc = weir_error_hint(c->err, "the first is at line %d, column %d",
                                     (*arr)[k].pos.line, (*arr)[k].pos.col);
            }
        }
        if (rc == WEIR_OK) {
            rc = store_sval(c, &(*arr)[i], text, v->items[i]->pos);
        }
        if (rc != WEIR_OK) {
            return rc;
        }
        *count = i + 1;
        spec_path_set(c, saved);
    }
    return WEIR_OK;
}

static int conv_map(struct vctx *c, const struct spec_table *t, const struct spec_option *o,
                    const struct spec_node *v, void *base)
{
    struct weir_spec_kv **arr = FIELD(base, o->off, struct weir_spec_kv *);
    size_t *count = FIELD(base, o->aux, size_t);
    int rc = check_plain_yaml(c, v);
    if (rc != WEIR_OK) {
        return rc;
    }
    if (v->kind != SPEC_NODE_MAP) {
        return type_error(c, v, "a mapping of names to values");
    }
    if (v->n == 0) {
        return WEIR_OK;
    }
    *arr = calloc(v->n / 2, sizeof(**arr));
    if (*arr == NULL) {
        return spec_oom(c);
    }
    for (size_t i = 0; i + 1 < v->n; i += 2) {
        const struct spec_node *key = v->items[i], *val = v->items[i + 1];
        const char *ktext = NULL, *vtext = NULL;
        struct weir_spec_kv *kv = &(*arr)[i / 2];
        rc = get_scalar(c, key, "a name", &ktext);
        if (rc != WEIR_OK) {
            return rc;
        }
        size_t saved = spec_path_key(c, ktext);
        for (size_t k = 0; k < *count; k++) {
            if (strcmp((*arr)[k].key, ktext) == 0) {
                spec_fail(c, key->pos, "duplicate key");
                return weir_error_hint(c->err, "the first is at line %d, column %d",
                                       (*arr)[k].pos.line, (*arr)[k].pos.col);
            }
        }
        if ((o->flags & SPEC_F_NOSHADOW) != 0) {
            for (size_t k = 0; k < t->n; k++) {
                if (strcmp(t->opts[k].name, ktext) == 0 && &t->opts[k] != o) {
                    spec_fail(c, key->pos, "is a key of %s itself", t->path);
                    return weir_error_hint(c->err, "write %s: directly under %s, not in %s",
                                           ktext, t->path, o->name);
                }
            }
        }
        rc = get_string(c, val, 0, &vtext);
        if (rc == WEIR_OK && o->choices != NULL && choice_index(o->choices, vtext) < 0) {
            rc = bad_choice(c, val->pos, vtext, o->choices);
        }
        if (rc == WEIR_OK) {
            rc = dup_string(c, ktext, &kv->key);
        }
        if (rc == WEIR_OK) {
            *count = i / 2 + 1;
            kv->pos = key->pos;
            rc = dup_string(c, vtext, &kv->value);
        }
        if (rc != WEIR_OK) {
            return rc;
        }
        spec_path_set(c, saved);
    }
    return WEIR_OK;
}

static int conv_jobs(struct vctx *c, const struct spec_option *o, const struct spec_node *v,
                     void *base)
{
    struct weir_spec_job **arr = FIELD(base, o->off, struct weir_spec_job *);
    size_t *count = FIELD(base, o->aux, size_t);
    int rc = check_plain_yaml(c, v);
    if (rc != WEIR_OK) {
        return rc;
    }
    if (v->kind != SPEC_NODE_SEQ) {
        return type_error(c, v, "a list of jobs");
    }
    if (v->n == 0) {
        spec_fail(c, v->pos, "needs at least one job");
        return weir_error_hint(c->err, "add - name: ...");
    }
    *arr = calloc(v->n, sizeof(**arr));
    if (*arr == NULL) {
        return spec_oom(c);
    }
    for (size_t i = 0; i < v->n; i++) {
        const struct spec_node *item = v->items[i];
        size_t saved = spec_path_index(c, i);
        *count = i + 1;
        (*arr)[i].pos = item->pos;
        rc = check_plain_yaml(c, item);
        if (rc == WEIR_OK && item->kind != SPEC_NODE_MAP) {
            rc = type_error(c, item, "a job (a mapping with name, table, ...)");
        }
        if (rc == WEIR_OK) {
            c->jobs_before = *arr;
            c->n_jobs_before = i;
            rc = spec_validate_map(c, o->sub, item, item->pos, &(*arr)[i]);
            c->jobs_before = NULL;
            c->n_jobs_before = 0;
        }
        if (rc != WEIR_OK) {
            return rc;
        }
        spec_path_set(c, saved);
    }
    return WEIR_OK;
}

static int conv_section(struct vctx *c, const struct spec_option *o, const struct spec_node *v,
                        struct weir_pos keypos, void *base)
{
    int rc = check_plain_yaml(c, v);
    if (rc != WEIR_OK) {
        return rc;
    }
    if (v->kind != SPEC_NODE_MAP) {
        type_error(c, v, "a mapping");
        return weir_error_hint(c->err, "give its keys (%s), or remove it", o->help);
    }
    if (o->aux != SPEC_NO_AUX) {
        *FIELD(base, o->aux, struct weir_pos) = keypos;
    }
    return spec_validate_map(c, o->sub, v, keypos, base);
}

/* A scalar from the file (v), or an option's default (v NULL, text = def). */
static int convert_text(struct vctx *c, const struct spec_option *o, const struct spec_node *v,
                        const char *text, void *base)
{
    struct weir_pos pos = {0, 0};
    char q[96];
    if (v != NULL) {
        pos = v->pos;
    }
    switch (o->type) {
    case SPEC_T_VERSION:
        if (strcmp(text, "1") != 0) {
            spec_fail(c, pos, "unsupported version %s", spec_quote(q, sizeof(q), text,
                                                                   strlen(text)));
            return weir_error_hint(c->err, "this weir reads version 1 specs");
        }
        *FIELD(base, o->off, int) = 1;
        return WEIR_OK;
    case SPEC_T_STRING:
        return store_sval(c, FIELD(base, o->off, struct weir_sval), text, pos);
    case SPEC_T_PLUGIN:
    case SPEC_T_IDENT:
        if (!is_ident(text)) {
            char list[96];
            if (o->type == SPEC_T_IDENT) {
                spec_fail(c, pos, "invalid name %s", spec_quote(q, sizeof(q), text, strlen(text)));
                return weir_error_hint(c->err, "use lowercase letters, digits and _, starting "
                                               "with a letter (orders, orders_v2)");
            }
            spec_fail(c, pos, "invalid plugin name %s",
                      spec_quote(q, sizeof(q), text, strlen(text)));
            return weir_error_hint(c->err, "a plugin name is lowercase letters, digits and _, "
                                           "starting with a letter: %s",
                                   choices_list(list, sizeof(list), o->choices));
        }
        return store_sval(c, FIELD(base, o->off, struct weir_sval), text, pos);
    case SPEC_T_ENUM:
    case SPEC_T_CHOICE:
    case SPEC_T_PARTITION: {
        int idx = choice_index(o->choices, text);
        if (idx < 0) {
            return bad_choice(c, pos, text, o->choices);
        }
        if (o->type == SPEC_T_ENUM) {
            return store_sval(c, FIELD(base, o->off, struct weir_sval), text, pos);
        }
        *FIELD(base, o->off, int) = idx;
        return WEIR_OK;
    }
    case SPEC_T_SIZE: {
        uint64_t n = weir_spec_parse_size(text);
        if (n == 0) {
            spec_fail(c, pos, "invalid size %s", spec_quote(q, sizeof(q), text, strlen(text)));
            return weir_error_hint(c->err, "expected a number of bytes and an optional unit: "
                                           "1048576, 64KiB, 128MiB, 1GiB, 10MB");
        }
        *FIELD(base, o->off, uint64_t) = n;
        return WEIR_OK;
    }
    case SPEC_T_DURATION: {
        int64_t us = weir_spec_parse_duration(text);
        if (us < 0) {
            spec_fail(c, pos, "invalid duration %s", spec_quote(q, sizeof(q), text, strlen(text)));
            return weir_error_hint(c->err, "expected a number and a unit: 500ms, 30s, 5m, 2h, 1d");
        }
        *FIELD(base, o->off, int64_t) = us;
        return WEIR_OK;
    }
    case SPEC_T_BOOL: {
        static const char *const yes[] = {"true", "True", "TRUE"};
        static const char *const no[] = {"false", "False", "FALSE"};
        for (size_t i = 0; i < 3; i++) {
            if (strcmp(text, yes[i]) == 0 || strcmp(text, no[i]) == 0) {
                *FIELD(base, o->off, int) = strcmp(text, yes[i]) == 0;
                return WEIR_OK;
            }
        }
        return spec_fail(c, pos, "expected true or false, found %s",
                         spec_quote(q, sizeof(q), text, strlen(text)));
    }
    case SPEC_T_INT: {
        char *end = NULL;
        errno = 0;
        long n = strtol(text, &end, 10);
        if (end == text || *end != '\0' || errno != 0 || text[0] == ' ' || text[0] == '+') {
            return spec_fail(c, pos, "invalid integer %s",
                             spec_quote(q, sizeof(q), text, strlen(text)));
        }
        if (n < o->min || n > o->max) {
            return spec_fail(c, pos, "must be between %ld and %ld, found %ld", o->min, o->max, n);
        }
        *FIELD(base, o->off, int) = (int)n;
        return WEIR_OK;
    }
    default:
        return weir_error_set(c->err, WEIR_EINTERNAL, "%s: %s: option type %d has no scalar form",
                              c->name, c->path, o->type);
    }
}

static const char *expected_text(const struct spec_option *o, char *buf, size_t cap)
{
    char list[128];
    switch (o->type) {
    case SPEC_T_VERSION:
        return "the version number 1";
    case SPEC_T_PLUGIN:
        return "a plugin name";
    case SPEC_T_IDENT:
        return "a name";
    case SPEC_T_ENUM:
    case SPEC_T_CHOICE:
        snprintf(buf, cap, "one of %s", choices_list(list, sizeof(list), o->choices));
        return buf;
    case SPEC_T_PARTITION:
        snprintf(buf, cap, "%s or a mapping {column, granularity}",
                 choices_list(list, sizeof(list), o->choices));
        return buf;
    case SPEC_T_SIZE:
        return "a size";
    case SPEC_T_DURATION:
        return "a duration";
    case SPEC_T_BOOL:
        return "true or false";
    case SPEC_T_INT:
        return "an integer";
    default:
        return "a string";
    }
}

static int convert(struct vctx *c, const struct spec_table *t, const struct spec_option *o,
                   const struct spec_node *v, struct weir_pos keypos, void *base)
{
    const char *text = NULL;
    char expected[160];
    int rc;
    switch (o->type) {
    case SPEC_T_LIST:
        return conv_list(c, o, v, base);
    case SPEC_T_MAP:
        return conv_map(c, t, o, v, base);
    case SPEC_T_JOBS:
        return conv_jobs(c, o, v, base);
    case SPEC_T_SECTION:
        return conv_section(c, o, v, keypos, base);
    case SPEC_T_PARTITION:
        if (v->kind == SPEC_NODE_MAP && v->anchor == NULL && v->tag == NULL) {
            *FIELD(base, o->off, int) = WEIR_PART_COLUMN;
            return spec_validate_map(c, o->sub, v, keypos, base);
        }
        break;
    default:
        break;
    }
    if (o->type == SPEC_T_STRING) {
        rc = get_string(c, v, (o->flags & (SPEC_F_REQUIRED | SPEC_F_NONEMPTY)) != 0, &text);
    } else {
        rc = get_scalar(c, v, expected_text(o, expected, sizeof(expected)), &text);
    }
    if (rc != WEIR_OK) {
        return rc;
    }
    return convert_text(c, o, v, text, base);
}

static int apply_default(struct vctx *c, const struct spec_option *o, void *base)
{
    if (o->type == SPEC_T_SECTION) {
        return spec_validate_map(c, o->sub, NULL, (struct weir_pos){0, 0}, base);
    }
    if (o->def == NULL) {
        return WEIR_OK;
    }
    return convert_text(c, o, NULL, o->def, base);
}

/* A hint for an unknown key: a close name here, or the section the key belongs to. */
static int unknown_key(struct vctx *c, const struct spec_table *t, const struct spec_node *key)
{
    const char *names[SPEC_TABLE_MAX];
    char list[300];
    size_t o = 0;
    for (size_t i = 0; i < t->n; i++) {
        names[i] = t->opts[i].name;
    }
    spec_fail(c, key->pos, "unknown key");
    const char *close = spec_did_you_mean(key->text, names, t->n);
    if (close != NULL) {
        return weir_error_hint(c->err, "did you mean \"%s\"?", close);
    }
    for (size_t i = 0; i < t->n; i++) {
        const struct spec_table *sub = t->opts[i].sub;
        for (size_t k = 0; sub != NULL && t->opts[i].type == SPEC_T_SECTION && k < sub->n; k++) {
            if (strcmp(sub->opts[k].name, key->text) == 0) {
                return weir_error_hint(c->err, "\"%s\" belongs in %s", key->text,
                                       t->opts[i].name);
            }
        }
    }
    list[0] = '\0';
    for (size_t i = 0; i < t->n && o + 2 < sizeof(list); i++) {
        int n = snprintf(list + o, sizeof(list) - o, "%s%s", i > 0 ? ", " : "", names[i]);
        o += n > 0 ? (size_t)n : 0;
    }
    return weir_error_hint(c->err, "allowed keys here: %s", list);
}

int spec_validate_map(struct vctx *c, const struct spec_table *t, const struct spec_node *map,
                      struct weir_pos pos, void *base)
{
    struct weir_pos seen[SPEC_TABLE_MAX];
    int rc;
    memset(seen, 0, sizeof(seen));
    for (size_t i = 0; map != NULL && i + 1 < map->n; i += 2) {
        const struct spec_node *key = map->items[i], *val = map->items[i + 1];
        const char *ktext = NULL;
        size_t idx;
        rc = get_scalar(c, key, "a key name", &ktext);
        if (rc != WEIR_OK) {
            return rc;
        }
        size_t saved = spec_path_key(c, ktext);
        for (idx = 0; idx < t->n && strcmp(t->opts[idx].name, ktext) != 0; idx++) {
        }
        if (idx == t->n) {
            return unknown_key(c, t, key);
        }
        if (seen[idx].line != 0) {
            spec_fail(c, key->pos, "duplicate key");
            return weir_error_hint(c->err, "the first is at line %d, column %d", seen[idx].line,
                                   seen[idx].col);
        }
        seen[idx] = key->pos;
        rc = convert(c, t, &t->opts[idx], val, key->pos, base);
        if (rc == WEIR_OK && t->opts[idx].check != NULL) {
            rc = t->opts[idx].check(c, base);
        }
        if (rc != WEIR_OK) {
            return rc;
        }
        spec_path_set(c, saved);
    }
    for (size_t i = 0; i < t->n; i++) {
        const struct spec_option *o = &t->opts[i];
        if (seen[i].line != 0) {
            continue;
        }
        if (map != NULL && (o->flags & SPEC_F_REQUIRED) != 0) {
            spec_path_key(c, o->name);
            spec_fail(c, pos, "required key is missing");
            return weir_error_hint(c->err, "%s: %s", o->name, o->help);
        }
        rc = apply_default(c, o, base);
        if (rc != WEIR_OK) {
            return rc;
        }
    }
    return t->check != NULL ? t->check(c, base, map, pos) : WEIR_OK;
}

void spec_free_fields(const struct spec_table *t, void *base)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct spec_option *o = &t->opts[i];
        switch (o->type) {
        case SPEC_T_STRING:
        case SPEC_T_PLUGIN:
        case SPEC_T_IDENT:
        case SPEC_T_ENUM: {
            struct weir_sval *sv = FIELD(base, o->off, struct weir_sval);
            free(sv->s);
            sv->s = NULL;
            break;
        }
        case SPEC_T_LIST: {
            struct weir_sval **arr = FIELD(base, o->off, struct weir_sval *);
            size_t *count = FIELD(base, o->aux, size_t);
            for (size_t k = 0; *arr != NULL && k < *count; k++) {
                free((*arr)[k].s);
            }
            free(*arr);
            *arr = NULL;
            *count = 0;
            break;
        }
        case SPEC_T_MAP: {
            struct weir_spec_kv **arr = FIELD(base, o->off, struct weir_spec_kv *);
            size_t *count = FIELD(base, o->aux, size_t);
            for (size_t k = 0; *arr != NULL && k < *count; k++) {
                free((*arr)[k].key);
                free((*arr)[k].value);
            }
            free(*arr);
            *arr = NULL;
            *count = 0;
            break;
        }
        case SPEC_T_SECTION:
        case SPEC_T_PARTITION:
            spec_free_fields(o->sub, base);
            break;
        case SPEC_T_JOBS: {
            struct weir_spec_job **arr = FIELD(base, o->off, struct weir_spec_job *);
            size_t *count = FIELD(base, o->aux, size_t);
            for (size_t k = 0; *arr != NULL && k < *count; k++) {
                spec_free_fields(o->sub, &(*arr)[k]);
            }
            free(*arr);
            *arr = NULL;
            *count = 0;
            break;
        }
        default:
            break;
        }
    }
}
