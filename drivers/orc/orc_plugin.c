/* The weir_writer_orc.so entry point: the plugin descriptor. */
#include "config.h"
#include "orc_writer.h"

static const struct weir_writer_ops orc_ops = {
    .size = sizeof(struct weir_writer_ops),
    .open = weir_orc_writer_open,
    .write = weir_orc_writer_write,
    .buffered = weir_orc_writer_buffered,
    .finish = weir_orc_writer_finish,
    .free = weir_orc_writer_free,
    .flush = weir_orc_writer_flush,
    .memory = weir_orc_writer_memory,
};

WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err);

WEIR_EXPORT int weir_plugin_entry(uint32_t host_abi, struct weir_plugin *out,
                                  struct weir_error *err)
{
    if (host_abi != WEIR_ABI_VERSION) {
        weir_error_set(err, WEIR_EABI, "orc writer speaks plugin ABI %u, the host speaks %u",
                       WEIR_ABI_VERSION, host_abi);
        return weir_error_hint(err, "use the weir_writer_orc.so built with this weir");
    }
    if (out == NULL || out->size < sizeof(struct weir_plugin)) {
        return weir_error_set(err, WEIR_EABI, "orc writer: the host's plugin descriptor is too small");
    }
    out->abi_version = WEIR_ABI_VERSION;
    out->kind = WEIR_PLUGIN_WRITER;
    out->name = "orc";
    out->version = PACKAGE_VERSION;
    out->file_extension = "orc";
    out->options = weir_orc_options;
    out->n_options = weir_orc_n_options;
    out->source = NULL;
    out->writer = &orc_ops;
    return WEIR_OK;
}
