/*
 * Plugin loading: weir_<kind>_<name>.so found on the plugin path, opened with
 * RTLD_NOW | RTLD_LOCAL, its one entry function called with the host's ABI
 * version, its descriptor checked.
 *
 * Search order: $WEIR_PLUGIN_PATH (colon-separated), <dir of the weir
 * executable>/.libs (a build tree), <dir of the executable>/../lib/weir
 * (a relocated install), then the configured $(pkglibdir).
 */
#ifndef WEIR_CORE_PLUGIN_H
#define WEIR_CORE_PLUGIN_H

#include "weir/weir.h"

struct weir_loaded_plugin {
    void *handle;             /* dlopen handle; NULL when not loaded */
    char path[1024];          /* the file it came from */
    struct weir_plugin desc;  /* filled by the entry function */
};

/* kind: WEIR_PLUGIN_SOURCE or WEIR_PLUGIN_WRITER; name: [a-z0-9_]+. */
int weir_plugin_load(int kind, const char *name, struct weir_loaded_plugin *out,
                     struct weir_error *err);
void weir_plugin_unload(struct weir_loaded_plugin *p);

/* Checks spec-supplied options against the plugin's table: unknown keys and
 * bad values are WEIR_ECONFIG naming `where` (e.g. "spec.yaml:12:3: target.options"). */
int weir_plugin_check_option(const struct weir_loaded_plugin *p, const char *key,
                             const char *value, struct weir_error *err);

#endif
