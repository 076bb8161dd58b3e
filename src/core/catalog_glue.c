/* Glue Data Catalog registration: not in this build yet; see catalog.h. */
#include "core/catalog.h"

int weir_catalog_glue_register(const struct weir_catalog_run *run, struct weir_error *err);
int weir_catalog_glue_check(const struct weir_spec *spec, FILE *out, struct weir_error *err);

int weir_catalog_glue_register(const struct weir_catalog_run *run, struct weir_error *err)
{
    weir_error_set(err, WEIR_ECONFIG, "%s:%d:%d: catalog.type: glue is not available in this "
                   "build", run->spec->path, run->spec->catalog.type.pos.line,
                   run->spec->catalog.type.pos.col);
    return weir_error_hint(err, "use catalog type none");
}

int weir_catalog_glue_check(const struct weir_spec *spec, FILE *out, struct weir_error *err)
{
    weir_error_set(err, WEIR_ECONFIG, "%s:%d:%d: catalog.type: glue is not available in this "
                   "build", spec->path, spec->catalog.type.pos.line, spec->catalog.type.pos.col);
    return weir_error_hint(err, "use catalog type none");
}
