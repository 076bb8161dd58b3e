#!/usr/bin/env bash
# The postgres source plugin on its own, against the test PostgreSQL:
# tests/unit/test_postgres_live and test_postgres_live_errors dlopen
# weir_source_postgres.so from $WEIR_PLUGIN_PATH and check every op
# (describe, every type's values, windows, quoted bounds, numeric rules,
# batches, connect and server errors, cancel, connection loss, the high
# watermark guards) value by value. Their results are renumbered into one
# TAP stream here.
. "$(dirname "$0")/lib.sh"
require_pg

if [ ! -f "$WEIR_PLUGIN_PATH/weir_source_postgres.so" ]; then
    not_ok "weir_source_postgres.so is built" "not found in $WEIR_PLUGIN_PATH"
    done_testing
fi
for t in test_postgres_live test_postgres_live_errors; do
    bin=$WEIR_BUILDDIR/tests/unit/$t
    if [ ! -x "$bin" ] && [ -f "$WEIR_BUILDDIR/Makefile" ]; then
        make -s -C "$WEIR_BUILDDIR" "tests/unit/$t" >/dev/null 2>&1
    fi
    if [ ! -x "$bin" ]; then
        not_ok "tests/unit/$t is built" "not found in $WEIR_BUILDDIR"
        continue
    fi
    out=$("$bin" 2>"${WEIR_TEST_TMP:-/tmp}/$t.stderr")
    rc=$?
    planned=$(printf '%s\n' "$out" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p')
    n=0
    while IFS= read -r line; do
        case $line in
        "ok "*) n=$((n + 1)); pass "$t: ${line#* - }" ;;
        "not ok "*) n=$((n + 1)); not_ok "$t: ${line#* - }" ;;
        "# "*) printf '%s\n' "$line" ;;
        esac
    done <<<"$out"
    is "$n/$rc" "${planned:-?}/0" "$t: all $n planned results reported, exit status 0"
done
done_testing
