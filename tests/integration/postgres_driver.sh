#!/usr/bin/env bash
# The postgres source plugin on its own, against the test PostgreSQL:
# tests/unit/test_postgres_live dlopens weir_source_postgres.so from
# $WEIR_PLUGIN_PATH and checks every op (connect errors, describe, windows,
# quoted bounds, numeric rules, batches, cancel, connection loss, the high
# watermark guards) value by value. Its TAP output is this test's.
. "$(dirname "$0")/lib.sh"
require_pg

bin=$WEIR_BUILDDIR/tests/unit/test_postgres_live
if [ ! -x "$bin" ] && [ -f "$WEIR_BUILDDIR/Makefile" ]; then
    make -s -C "$WEIR_BUILDDIR" tests/unit/test_postgres_live >/dev/null 2>&1
fi
if [ ! -x "$bin" ]; then
    not_ok "tests/unit/test_postgres_live is built" "not found in $WEIR_BUILDDIR"
    done_testing
fi
if [ ! -f "$WEIR_PLUGIN_PATH/weir_source_postgres.so" ]; then
    not_ok "weir_source_postgres.so is built" "not found in $WEIR_PLUGIN_PATH"
    done_testing
fi
# the live test prints its own plan at the end; server NOTICEs go to stderr
exec "$bin" 2>"${WEIR_TEST_TMP:-/tmp}/postgres_driver.stderr"
