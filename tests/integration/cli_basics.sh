#!/usr/bin/env bash
# The command line without a database: version, help, usage errors and their
# exit codes, the JSON Schema command, spec errors with file:line:column,
# a missing reference, and the event form of run.
. "$(dirname "$0")/lib.sh"
require_weir

weir_expect 0 "--version" --version
like "$(cat "$WEIR_OUT")" '^weir [0-9]+\.[0-9]+\.[0-9]+ \(plugin ABI 1\)' "version line"
weir_expect 0 "--help" --help
like "$(cat "$WEIR_OUT")" 'state reset SPEC --job NAME' "help lists the commands"
like "$(cat "$WEIR_OUT")" '78 configuration error' "help lists the exit codes"
weir_expect 64 "no command" 
weir_expect 64 "unknown command" frobnicate
weir_expect 64 "unknown option" run x.yaml --colour
weir_expect 64 "run without a spec" run
weir_expect 64 "state without a subcommand" state
weir_expect 64 "state set without --value" state set x.yaml --job a
weir_expect 64 "--event with plan" plan --event e.json
weir_expect 64 "bad --log-format" --log-format xml run x.yaml
weir_expect 0 "spec schema" spec schema
if cmp -s "$WEIR_OUT" "$WEIR_SRCDIR/specs/weir-spec.schema.json"; then
    pass "spec schema prints the committed specs/weir-spec.schema.json"
else
    not_ok "spec schema prints the committed specs/weir-spec.schema.json"
fi

spec=$WEIR_TEST_TMP/s.yaml
cat >"$spec" <<'EOS'
version: 1
source:
  driver: postgres
  connection: "host=127.0.0.1 port=1 dbname=x"
  password: ${env:WEIR_TEST_SURELY_UNSET}
target:
  location: lake
  compresion: zstd
state:
  location: state
jobs:
  - name: a
    table: t
    mode: full
EOS
weir_expect 78 "misspelt key exits 78" check "$spec"
like "$(cat "$WEIR_ERR")" "s.yaml:8:3: target.compresion: unknown key" "message names file:line:column and field"
like "$(cat "$WEIR_ERR")" 'did you mean' "hint suggests the right key"
sed -i 's/compresion/compression/' "$spec"
weir_expect 78 "unset environment variable exits 78" run "$spec"
like "$(cat "$WEIR_ERR")" 's.yaml:5:13: source.password: environment variable WEIR_TEST_SURELY_UNSET is not set' \
    "message names the variable and its place"
printf 'version: 1\njobs: [\n' >"$spec"
weir_expect 78 "YAML syntax error exits 78" check "$spec"
like "$(cat "$WEIR_ERR")" 's.yaml:[0-9]+:[0-9]+: ' "syntax error has a position"
printf '{"detail": {"job": "a"}}' >"$WEIR_TEST_TMP/e.json"
weir_expect 64 "event without a spec" run --event "$WEIR_TEST_TMP/e.json"
like "$(cat "$WEIR_ERR")" 'names no spec' "event message"
printf 'not json' >"$WEIR_TEST_TMP/e.json"
weir_expect 64 "event that is not JSON" run --event "$WEIR_TEST_TMP/e.json"
weir_expect 66 "missing spec exits 66" check "$WEIR_TEST_TMP/none.yaml"
done_testing
