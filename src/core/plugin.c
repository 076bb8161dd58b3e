/* Plugin loading; see plugin.h. */
#include "core/plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec/spec.h"

#ifndef WEIR_PLUGIN_DIR
#define WEIR_PLUGIN_DIR "/usr/local/lib/weir"
#endif

static const char *kind_name(int kind)
{
    return kind == WEIR_PLUGIN_SOURCE ? "source" : kind == WEIR_PLUGIN_WRITER ? "writer" : "?";
}

static int valid_name(const char *name)
{
    if (name == NULL || *name == '\0' || strlen(name) > 64) {
        return 0;
    }
    for (const char *p = name; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
            return 0;
        }
    }
    return 1;
}

/* Tries dir/file; returns 1 when the file exists (then *path is set). */
static int try_dir(const char *dir, size_t dirlen, const char *file, char *path, size_t cap)
{
    if (dirlen == 0) {
        return 0;
    }
    int n = snprintf(path, cap, "%.*s/%s", (int)dirlen, dir, file);
    return n > 0 && (size_t)n < cap && access(path, R_OK) == 0;
}

static int find_plugin(const char *file, char *path, size_t cap, char *searched, size_t scap)
{
    const char *env = getenv("WEIR_PLUGIN_PATH");
    searched[0] = '\0';
    if (env != NULL && *env) {
        snprintf(searched, scap, "%s", env);
        const char *p = env;
        while (*p) {
            size_t n = strcspn(p, ":");
            if (try_dir(p, n, file, path, cap)) {
                return 1;
            }
            p += n;
            if (*p == ':') {
                p++;
            }
        }
    }
    char exe[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *dir = dirname(exe);
        char cand[1100];
        snprintf(cand, sizeof(cand), "%s/.libs", dir);
        size_t used = strlen(searched);
        snprintf(searched + used, scap - used, "%s%s", used ? ":" : "", cand);
        if (try_dir(cand, strlen(cand), file, path, cap)) {
            return 1;
        }
        snprintf(cand, sizeof(cand), "%s/../lib/weir", dir);
        if (try_dir(cand, strlen(cand), file, path, cap)) {
            return 1;
        }
    }
    size_t used = strlen(searched);
    snprintf(searched + used, scap - used, "%s%s", used ? ":" : "", WEIR_PLUGIN_DIR);
    return try_dir(WEIR_PLUGIN_DIR, strlen(WEIR_PLUGIN_DIR), file, path, cap);
}

int weir_plugin_load(int kind, const char *name, struct weir_loaded_plugin *out,
                     struct weir_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!valid_name(name)) {
        return weir_error_set(err, WEIR_ECONFIG, "invalid plugin name \"%s\"", name ? name : "");
    }
    char file[128];
    char searched[2048];
    snprintf(file, sizeof(file), "weir_%s_%s.so", kind_name(kind), name);
    if (!find_plugin(file, out->path, sizeof(out->path), searched, sizeof(searched))) {
        weir_error_set(err, WEIR_ECONFIG, "no %s plugin named \"%s\"", kind_name(kind), name);
        weir_error_detail(err, "%s not found in %s", file, searched);
        return weir_error_hint(err, "check the spec's %s, or set WEIR_PLUGIN_PATH",
                               kind == WEIR_PLUGIN_SOURCE ? "source.driver" : "target.format");
    }
    out->handle = dlopen(out->path, RTLD_NOW | RTLD_LOCAL);
    if (out->handle == NULL) {
        const char *e = dlerror();
        weir_error_set(err, WEIR_EABI, "cannot load plugin %s", out->path);
        return weir_error_detail(err, "%s", e ? e : "dlopen failed");
    }
    dlerror();
    void *sym = dlsym(out->handle, WEIR_PLUGIN_ENTRY_SYMBOL);
    const char *e = dlerror();
    if (sym == NULL || e != NULL) {
        weir_error_set(err, WEIR_EABI, "plugin %s has no entry function %s", out->path,
                       WEIR_PLUGIN_ENTRY_SYMBOL);
        weir_error_detail(err, "%s", e ? e : "symbol is NULL");
        goto fail;
    }
    weir_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof(entry)); /* object → function pointer without a cast warning */
    out->desc.size = sizeof(out->desc);
    int rc = entry(WEIR_ABI_VERSION, &out->desc, err);
    if (rc != WEIR_OK) {
        if (err->status == WEIR_OK) {
            weir_error_set(err, WEIR_EABI, "plugin %s refused ABI version %u", out->path,
                           WEIR_ABI_VERSION);
        }
        goto fail;
    }
    if (out->desc.abi_version != WEIR_ABI_VERSION) {
        weir_error_set(err, WEIR_EABI, "plugin %s speaks ABI version %u, weir speaks %u",
                       out->path, out->desc.abi_version, WEIR_ABI_VERSION);
        goto fail;
    }
    if (out->desc.kind != kind || out->desc.name == NULL || strcmp(out->desc.name, name) != 0) {
        weir_error_set(err, WEIR_EABI, "plugin %s is not the %s plugin \"%s\"", out->path,
                       kind_name(kind), name);
        goto fail;
    }
    if ((kind == WEIR_PLUGIN_SOURCE &&
         (out->desc.source == NULL ||
          !WEIR_HAS_MEMBER(out->desc.source, struct weir_source_ops, scan_close))) ||
        (kind == WEIR_PLUGIN_WRITER &&
         (out->desc.writer == NULL || out->desc.writer->size < sizeof(struct weir_writer_ops)))) {
        weir_error_set(err, WEIR_EABI, "plugin %s has no complete %s operations table",
                       out->path, kind_name(kind));
        goto fail;
    }
    return WEIR_OK;
fail:
    dlclose(out->handle);
    out->handle = NULL;
    return err->status;
}

void weir_plugin_unload(struct weir_loaded_plugin *p)
{
    if (p->handle != NULL) {
        dlclose(p->handle);
    }
    memset(p, 0, sizeof(*p));
}

static int in_choices(const char *choices, const char *value)
{
    size_t vl = strlen(value);
    const char *p = choices;
    while (p && *p) {
        size_t n = strcspn(p, "|");
        if (n == vl && strncmp(p, value, n) == 0) {
            return 1;
        }
        p += n;
        if (*p == '|') {
            p++;
        }
    }
    return 0;
}

int weir_plugin_check_option(const struct weir_loaded_plugin *p, const char *key,
                             const char *value, struct weir_error *err)
{
    if (strncmp(key, "meta.", 5) == 0 && p->desc.kind == WEIR_PLUGIN_WRITER) {
        return WEIR_OK;
    }
    for (size_t i = 0; i < p->desc.n_options; i++) {
        const struct weir_option *o = &p->desc.options[i];
        if (strcmp(o->name, key) != 0) {
            continue;
        }
        char *end = NULL;
        switch (o->type) {
        case WEIR_OPT_INT:
            errno = 0;
            (void)strtoll(value, &end, 10);
            if (errno != 0 || end == value || *end != '\0') {
                return weir_error_set(err, WEIR_ECONFIG, "%s: \"%s\" is not an integer", key,
                                      value);
            }
            break;
        case WEIR_OPT_SIZE:
            if (weir_spec_parse_size(value) == 0) {
                return weir_error_set(err, WEIR_ECONFIG,
                                      "%s: \"%s\" is not a size (e.g. 64KiB, 128MiB)", key, value);
            }
            break;
        case WEIR_OPT_BOOL:
            if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
                return weir_error_set(err, WEIR_ECONFIG, "%s: \"%s\" is not true or false", key,
                                      value);
            }
            break;
        case WEIR_OPT_ENUM:
            if (!in_choices(o->choices, value)) {
                weir_error_set(err, WEIR_ECONFIG, "%s: \"%s\" is not one of %s", key, value,
                               o->choices);
                return weir_error_hint(err, "the %s plugin accepts %s", p->desc.name, o->choices);
            }
            break;
        default:
            break;
        }
        return WEIR_OK;
    }
    weir_error_set(err, WEIR_ECONFIG, "the %s plugin has no option \"%s\"", p->desc.name, key);
    char known[512] = "";
    for (size_t i = 0; i < p->desc.n_options; i++) {
        size_t used = strlen(known);
        snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
                 p->desc.options[i].name);
    }
    return weir_error_hint(err, "known options: %s", known);
}
