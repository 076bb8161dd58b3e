/* The plugin's one exported symbol: describes the Parquet writer to the host. */
#include "config.h"

#include <string.h>

#include "parquet/writer.h"

WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err);

WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err)
{
    if (host_abi != WEIR_ABI_VERSION) {
        weir_error_set(err, WEIR_EABI, "parquet writer speaks plugin ABI version %u, the host %u",
                       (unsigned)WEIR_ABI_VERSION, (unsigned)host_abi);
        return weir_error_hint(err, "use a weir_writer_parquet.so built with the same weir "
                               "release as the weir binary");
    }
    if (out == NULL || out->size < sizeof(*out)) {
        return weir_error_set(err, WEIR_EABI, "plugin descriptor of %zu bytes is smaller than "
                              "ABI version %u's %zu", out != NULL ? out->size : (size_t)0,
                              (unsigned)WEIR_ABI_VERSION, sizeof(*out));
    }
    size_t size = out->size;
    memset(out, 0, sizeof(*out));
    out->size = size;
    out->abi_version = WEIR_ABI_VERSION;
    out->kind = WEIR_PLUGIN_WRITER;
    out->name = "parquet";
    out->version = PACKAGE_VERSION;
    out->file_extension = "parquet";
    out->options = weir_pq_options;
    out->n_options = weir_pq_n_options;
    out->writer = &weir_pq_writer_ops;
    return WEIR_OK;
}
