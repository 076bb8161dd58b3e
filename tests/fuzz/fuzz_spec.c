/*
 * libFuzzer target for the spec parser (YAML tree, validation, freeing).
 * Not part of the default build. With clang:
 *
 *   make fuzz-spec                      # in a configured build directory, or by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc/include -Isrc \
 *     tests/fuzz/fuzz_spec.c src/spec/{spec,node,tables,validate,diag,units}.c -lyaml \
 *     -o fuzz_spec
 *   mkdir -p corpus && cp specs/examples/[a-z]*.yaml tests/fixtures/spec/[a-z]*.yaml corpus
 *   ./fuzz_spec -max_len=4096 -timeout=5 corpus
 *
 * Every input must either parse (and free cleanly) or fail with a message in
 * the "<name>:<line>:<col>: <field>: <what>" form; anything else aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct weir_spec *spec = NULL;
    struct weir_error err;
    int rc = weir_spec_parse("fuzz.yaml", (const char *)data, size, &spec, &err);
    if (rc == WEIR_OK) {
        if (spec == NULL || spec->n_jobs == 0 || spec->version != 1) {
            abort();
        }
        for (size_t i = 0; i < spec->n_jobs; i++) {
            if (weir_spec_find_job(spec, spec->jobs[i].name.s) != &spec->jobs[i]) {
                abort();
            }
        }
        weir_spec_free(spec);
    } else if (spec != NULL || (rc != WEIR_ENOMEM && strncmp(err.message, "fuzz.yaml:", 10) != 0)) {
        abort();
    }
    return 0;
}
