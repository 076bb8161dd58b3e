/* weir discover's decisions; see discover.h. */
#include "core/discover.h"

#include <stdio.h>
#include <string.h>

int weir_discover_glob(const char *pattern, const char *text)
{
    const char *star = NULL, *resume = NULL;
    while (*text != '\0') {
        if (*pattern == '*') {
            star = pattern++;
            resume = text;
        } else if (*pattern == '?' || *pattern == *text) {
            pattern++;
            text++;
        } else if (star != NULL) {
            pattern = star + 1;
            text = ++resume;
        } else {
            return 0;
        }
    }
    while (*pattern == '*') {
        pattern++;
    }
    return *pattern == '\0';
}

int weir_discover_match(const char *pattern, const char *schema, const char *table)
{
    const char *dot = strchr(pattern, '.');
    if (dot == NULL) {
        return weir_discover_glob(pattern, table);
    }
    char sp[256];
    size_t n = (size_t)(dot - pattern);
    if (n >= sizeof(sp)) {
        return 0;
    }
    memcpy(sp, pattern, n);
    sp[n] = '\0';
    return weir_discover_glob(sp, schema ? schema : "") && weir_discover_glob(dot + 1, table);
}

/* Appends the name's bytes as [a-z0-9_], folding runs of '_'. */
static size_t put_name(char *out, size_t k, size_t max, const char *s)
{
    for (; s != NULL && *s != '\0' && k < max; s++) {
        unsigned char ch = (unsigned char)*s;
        char c = '_';
        if (ch >= 'A' && ch <= 'Z') {
            c = (char)(ch - 'A' + 'a');
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            c = (char)ch;
        }
        if (c == '_' && (k == 0 || out[k - 1] == '_')) {
            continue;
        }
        out[k++] = c;
    }
    return k;
}

void weir_discover_job_name(const char *schema, const char *table, char *out, size_t cap)
{
    char buf[WEIR_DISCOVER_NAME_MAX + 8];
    size_t max = WEIR_DISCOVER_NAME_MAX;
    size_t k = 0;
    if (schema != NULL && schema[0] != '\0') {
        k = put_name(buf, k, max, schema);
        if (k > 0 && k < max && buf[k - 1] != '_') {
            buf[k++] = '_';
        }
    }
    k = put_name(buf, k, max, table);
    while (k > 0 && buf[k - 1] == '_') {
        k--;
    }
    buf[k] = '\0';
    if (k == 0 || buf[0] < 'a' || buf[0] > 'z') {
        snprintf(out, cap, "t_%s", buf[0] == '_' ? buf + 1 : buf);
        return;
    }
    snprintf(out, cap, "%s", buf);
}

/* Change-time column names, best first, compared without case and '_'. */
static const char *const change_names[] = {
    "updatedat",      "updatedon",     "updated",          "updatetime",       "updatetimestamp",
    "updatedate",     "updatedts",     "lastupdate",       "lastupdated",      "lastupdatetime",
    "lastupdatedate", "lastupdatedat", "modifiedat",       "modifiedon",       "modified",
    "modifytime",     "modifydate",    "lastmodified",     "lastmodifiedat",   "lastmodifieddate",
    "datemodified",   "dateupdated",   "modificationdate", "modificationtime", "changedat",
    "changedon",      "changed",       "changetime",       "changedate",       "lastchanged",
    "lastchange",     "mtime",         "rowupdatedat",     "rowversiontime",   NULL,
};

int weir_discover_change_rank(const char *name)
{
    char norm[64];
    size_t k = 0;
    for (const char *p = name; *p != '\0'; p++) {
        char c = *p;
        if (c == '_') {
            continue;
        }
        if (k + 1 >= sizeof(norm)) {
            return 0;
        }
        norm[k++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    norm[k] = '\0';
    for (int i = 0; change_names[i] != NULL; i++) {
        if (strcmp(norm, change_names[i]) == 0) {
            return i + 1;
        }
    }
    return 0;
}

static int is_time(const struct weir_catalog_column *c)
{
    return c->kind == WEIR_COLUMN_TIMESTAMP || c->kind == WEIR_COLUMN_DATE;
}

size_t weir_discover_primary_key(const struct weir_catalog_table *t, const char **pk, size_t cap)
{
    size_t n = 0;
    for (int32_t pos = 1; n < cap; pos++) {
        const char *found = NULL;
        for (size_t i = 0; i < t->n_columns; i++) {
            if (t->columns[i].pk_position == pos) {
                found = t->columns[i].name;
            }
        }
        if (found == NULL) {
            break;
        }
        pk[n++] = found;
    }
    return n;
}

void weir_discover_choose(const struct weir_catalog_table *t, struct weir_discover_choice *out)
{
    memset(out, 0, sizeof(*out));
    const char *pk[WEIR_DISCOVER_MAX_WM];
    size_t n_pk = weir_discover_primary_key(t, pk, WEIR_DISCOVER_MAX_WM - 1);
    const struct weir_catalog_column *best = NULL, *nullable = NULL;
    int best_rank = 0;
    for (size_t i = 0; i < t->n_columns; i++) {
        const struct weir_catalog_column *c = &t->columns[i];
        int rank = is_time(c) ? weir_discover_change_rank(c->name) : 0;
        if (rank == 0) {
            continue;
        }
        if (!c->not_null) {
            nullable = nullable ? nullable : c;
        } else if (best == NULL || rank < best_rank) {
            best = c;
            best_rank = rank;
        }
    }
    if (best != NULL) {
        out->wm[out->n_wm++] = best->name;
        for (size_t i = 0; i < n_pk; i++) {
            if (strcmp(pk[i], best->name) != 0) {
                out->wm[out->n_wm++] = pk[i];
            }
        }
        out->lag_day = best->kind == WEIR_COLUMN_DATE;
        snprintf(out->why, sizeof(out->why), "%s is a NOT NULL %s named as a change time%s%s",
                 best->name, best->type,
                 out->n_wm > 1 ? "; the primary key breaks ties" : "; no primary key to break ties",
                 out->lag_day ? "; a date: lag 1d reads whole days only" : "");
        return;
    }
    if (n_pk == 1) {
        for (size_t i = 0; i < t->n_columns; i++) {
            const struct weir_catalog_column *c = &t->columns[i];
            if (c->pk_position == 1 && c->kind == WEIR_COLUMN_INTEGER && c->identity) {
                out->wm[out->n_wm++] = c->name;
                snprintf(out->why, sizeof(out->why),
                         "no change-time column; %s is an ever-increasing integer primary key "
                         "(identity/serial): rows inserted later are read, UPDATEs are not",
                         c->name);
                return;
            }
        }
    }
    /* say what came closest, so a reader knows what to fix in the schema */
    const char *key = NULL;
    for (size_t i = 0; n_pk == 1 && i < t->n_columns; i++) {
        if (t->columns[i].pk_position == 1 && t->columns[i].kind == WEIR_COLUMN_INTEGER) {
            key = t->columns[i].name;
        }
    }
    out->full = 1;
    char near[300] = "";
    if (nullable != NULL || key != NULL) {
        snprintf(near, sizeof(near), " (%s%s%s%s%s)", nullable ? nullable->name : "",
                 nullable ? " is nullable" : "", nullable && key ? "; " : "", key ? key : "",
                 key ? " is an integer key without a sequence" : "");
    }
    snprintf(out->why, sizeof(out->why), "nothing safe to be incremental on%s: full reload", near);
}
