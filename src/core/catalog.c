/* The catalog step; see catalog.h. Glue lives in catalog_glue.c. */
#include "core/catalog.h"

#include <string.h>

int weir_catalog_glue_register(const struct weir_catalog_run *run, struct weir_error *err);
int weir_catalog_glue_check(const struct weir_spec *spec, FILE *out, struct weir_error *err);

static int is_glue(const struct weir_spec *spec)
{
    return spec->catalog.type.s != NULL && strcmp(spec->catalog.type.s, "glue") == 0;
}

int weir_catalog_register(const struct weir_catalog_run *run, struct weir_error *err)
{
    if (!is_glue(run->spec)) {
        return WEIR_OK;
    }
    return weir_catalog_glue_register(run, err);
}

int weir_catalog_check(const struct weir_spec *spec, FILE *out, struct weir_error *err)
{
    if (!is_glue(spec)) {
        return WEIR_OK;
    }
    return weir_catalog_glue_check(spec, out, err);
}
