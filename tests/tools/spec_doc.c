/*
 * Prints the spec format from the validator's option tables:
 *   spec_doc schema              JSON Schema (specs/weir-spec.schema.json)
 *   spec_doc markdown            the key reference (between the markers of specs/README.md)
 *   spec_doc readme FILE         rewrites the generated part of FILE in place
 * `make spec-docs` runs the first and the last against the source tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec.h"

static const char begin_marker[] = "<!-- BEGIN generated key reference";
static const char end_marker[] = "<!-- END generated key reference -->";

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        if (*len + 4096 + 1 > cap) {
            cap = cap == 0 ? 65536 : cap * 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t n = fread(buf + *len, 1, 4096, f);
        *len += n;
        if (n == 0) {
            break;
        }
    }
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

static int rewrite_readme(const char *path)
{
    size_t len = 0;
    char *text = read_all(path, &len);
    if (text == NULL) {
        fprintf(stderr, "spec_doc: cannot read %s\n", path);
        return 1;
    }
    char *b = strstr(text, begin_marker);
    char *e = b != NULL ? strstr(b, end_marker) : NULL;
    char *b_end = b != NULL ? strchr(b, '\n') : NULL;
    if (b == NULL || e == NULL || b_end == NULL || b_end > e) {
        fprintf(stderr, "spec_doc: %s has no generated-section markers\n", path);
        free(text);
        return 1;
    }
    FILE *out = fopen(path, "wb");
    if (out == NULL) {
        fprintf(stderr, "spec_doc: cannot write %s\n", path);
        free(text);
        return 1;
    }
    fwrite(text, 1, (size_t)(b_end + 1 - text), out);
    fputc('\n', out);
    int rc = weir_spec_reference_md(out);
    fputs(e, out);
    rc |= fclose(out);
    free(text);
    return rc != 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "schema") == 0) {
        return weir_spec_schema_json(stdout) != WEIR_OK;
    }
    if (argc == 2 && strcmp(argv[1], "markdown") == 0) {
        return weir_spec_reference_md(stdout) != WEIR_OK;
    }
    if (argc == 3 && strcmp(argv[1], "readme") == 0) {
        return rewrite_readme(argv[2]);
    }
    fprintf(stderr, "usage: spec_doc schema | markdown | readme FILE\n");
    return 64;
}
