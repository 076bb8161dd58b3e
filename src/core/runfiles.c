/* Finding a run's files by name; see runfiles.h. */
#include "core/runfiles.h"

#include <stdio.h>

#include "util/log.h"

void weir_runfiles_prefix(const char *run_id, char *buf, size_t cap)
{
    snprintf(buf, cap, "part-%s-", run_id);
}

int weir_runfiles_purge(struct weir_sink *sink, const char *job, const char *run_id,
                        size_t *removed, struct weir_error *err)
{
    char folder[600], name[200];
    size_t n = 0;
    if (sink->ops->purge == NULL) {
        return weir_error_set(err, WEIR_EINTERNAL, "the sink for %s cannot list a run's files",
                              sink->root);
    }
    snprintf(folder, sizeof(folder), "%s/", job);
    weir_runfiles_prefix(run_id, name, sizeof(name));
    int rc = sink->ops->purge(sink, folder, name, &n, err);
    if (rc != WEIR_OK) {
        return rc;
    }
    if (removed != NULL) {
        *removed = n;
    }
    weir_log_event(WEIR_LOG_INFO, "run_files_removed",
                   json_pack("{s:s,s:s,s:I}", "prefix", folder, "name_prefix", name, "files",
                             (json_int_t)n),
                   "removed %zu files of run %s under %s%s", n, run_id, sink->root, folder);
    return WEIR_OK;
}
