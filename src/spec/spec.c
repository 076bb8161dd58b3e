/* Loading a spec: file → YAML tree → validated struct weir_spec; see spec.h. */
#include "spec/spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/node.h"
#include "spec/table.h"

/* Specs are small; anything bigger is a mistake (a data file given by accident). */
#define SPEC_MAX_BYTES (1u << 20)

int weir_spec_parse(const char *name, const char *text, size_t len, struct weir_spec **spec,
                    struct weir_error *err)
{
    struct spec_node *root = NULL;
    struct weir_spec *s = NULL;
    struct vctx c = {.name = name, .err = err};
    int rc;
    *spec = NULL;
    weir_error_clear(err);
    rc = spec_node_parse(name, text, len, &root, err);
    if (rc != WEIR_OK) {
        goto done;
    }
    if (root == NULL || spec_node_is_null(root)) {
        struct weir_pos pos = {1, 1};
        if (root != NULL) {
            pos = root->pos;
        }
        rc = weir_error_set(err, WEIR_ECONFIG, "%s:%d:%d: yaml: the spec is empty", name,
                            pos.line, pos.col);
        weir_error_hint(err, "a spec needs version, source, target, state and jobs; see "
                             "specs/README.md");
        goto done;
    }
    if (root->kind != SPEC_NODE_MAP) {
        rc = weir_error_set(err, WEIR_ECONFIG, "%s:%d:%d: yaml: the top level must be a "
                            "mapping (version:, source:, ...), found %s", name, root->pos.line,
                            root->pos.col, spec_node_describe(root));
        goto done;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL || (s->path = strdup(name)) == NULL) {
        rc = spec_oom(&c);
        goto done;
    }
    if (root->anchor != NULL || root->tag != NULL) {
        rc = spec_fail(&c, root->pos, "anchors and tags are not supported");
        goto done;
    }
    rc = spec_validate_map(&c, &spec_table_top, root, root->pos, s);
done:
    spec_node_free(root);
    if (rc != WEIR_OK) {
        weir_spec_free(s);
        return rc;
    }
    *spec = s;
    return WEIR_OK;
}

int weir_spec_load(const char *path, struct weir_spec **spec, struct weir_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = WEIR_OK;
    FILE *f = fopen(path, "rb");
    *spec = NULL;
    if (f == NULL) {
        char msg[128];
        int e = errno;
        return weir_error_set(err, e == ENOENT ? WEIR_ENOINPUT : WEIR_EIO,
                              "%s: cannot open the spec: %s", path,
                              strerror_r(e, msg, sizeof(msg)));
    }
    buf = malloc(SPEC_MAX_BYTES + 1);
    if (buf == NULL) {
        rc = weir_error_set(err, WEIR_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    len = fread(buf, 1, SPEC_MAX_BYTES + 1, f);
    if (ferror(f)) {
        char msg[128];
        rc = weir_error_set(err, WEIR_EIO, "%s: cannot read the spec: %s", path,
                            strerror_r(errno, msg, sizeof(msg)));
        goto done;
    }
    if (len > SPEC_MAX_BYTES) {
        rc = weir_error_set(err, WEIR_ECONFIG, "%s: the spec is larger than %u bytes", path,
                            SPEC_MAX_BYTES);
        weir_error_hint(err, "is this the right file?");
        goto done;
    }
    rc = weir_spec_parse(path, buf, len, spec, err);
done:
    free(buf);
    fclose(f);
    return rc;
}

void weir_spec_free(struct weir_spec *spec)
{
    if (spec == NULL) {
        return;
    }
    spec_free_fields(&spec_table_top, spec);
    free(spec->path);
    free(spec);
}

const struct weir_spec_job *weir_spec_find_job(const struct weir_spec *spec, const char *name)
{
    if (spec == NULL || name == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < spec->n_jobs; i++) {
        if (spec->jobs[i].name.s != NULL && strcmp(spec->jobs[i].name.s, name) == 0) {
            return &spec->jobs[i];
        }
    }
    return NULL;
}
