#!/usr/bin/env bash
# What a new user meets first (issue 14): each command's own --help, text
# logs on a terminal and JSON otherwise (through a pseudo-terminal made by
# script(1)), weir check's compact table that creates nothing, job names in
# --job errors, state set checked against the database, the run's message
# for a bad stored watermark, --log-level warn without the metrics line, and
# events given inline or in WEIR_EVENT.
. "$(dirname "$0")/lib.sh"
require_weir

# --- help ----------------------------------------------------------------
weir_expect 0 "--help" --help
global=$(cat "$WEIR_OUT")
for cmd in run plan check state spec; do
    weir_expect 0 "$cmd --help exits 0" "$cmd" --help
    like "$(head -n 1 "$WEIR_OUT")" "^usage: weir $cmd " "$cmd --help starts with its own usage"
    isnt "$(cat "$WEIR_OUT")" "$global" "$cmd --help is not the global text"
done
weir_run --help run
like "$(head -n 1 "$WEIR_OUT")" '^usage: weir run ' "--help before the command works too"
weir_run run --help
like "$(cat "$WEIR_OUT")" '--full-reload' "run --help names --full-reload"
like "$(cat "$WEIR_OUT")" 'WEIR_EVENT' "run --help names WEIR_EVENT"
weir_run state --help
like "$(cat "$WEIR_OUT")" 'state set +SPEC --job NAME --value' "state --help shows set with --value"
"$WEIR_SRCDIR/scripts/services" --help >"$WEIR_TEST_TMP/svc-help" 2>&1
is "$?" 0 "scripts/services --help exits 0"
like "$(head -n 1 "$WEIR_TEST_TMP/svc-help")" '^usage: scripts/services ' "scripts/services --help prints its usage"
"$WEIR_SRCDIR/scripts/quickstart" --help >"$WEIR_TEST_TMP/qs-help" 2>&1
is "$?" 0 "scripts/quickstart --help exits 0 (and installs nothing)"

# --- log format: text on a terminal, JSON otherwise ------------------------
bad=$WEIR_TEST_TMP/bad.yaml
printf 'version: 1\nsource:\n  driver: postgres\n  conection: x\n' >"$bad"
# script -e: the child's exit status; -q: no banner; the command's stdout and
# stderr both go to the pseudo-terminal, which script copies to its stdout.
tty_run() { script -qec "$*" /dev/null </dev/null | tr -d '\r'; }
out=$(tty_run "'$WEIR' check '$bad'")
like "$out" "^error: $bad:4:3: source.conection: unknown key" "on a terminal: the error as file:line:col: field: what"
like "$out" $'\nhint: did you mean "connection"\\?' "on a terminal: the hint on its own line"
unlike "$out" '"time":' "on a terminal: no JSON"
out=$(tty_run "'$WEIR' check '$bad' --log-format json")
like "$out" '^\{"time":.*"event":"error"' "--log-format json forces JSON on a terminal"
weir_expect 78 "not a terminal: exit 78" check "$bad"
like "$(cat "$WEIR_ERR")" '^\{"time":.*"message":".*source.conection: unknown key".*"hint":' \
    "not a terminal: JSON lines"
weir_expect 78 "--log-format text when piped" check "$bad" --log-format text
like "$(head -n 1 "$WEIR_ERR")" "^error: $bad:4:3: source.conection: unknown key\$" \
    "--log-format text forces text, without 'error error'"

# --- with PostgreSQL ---------------------------------------------------------
require_pg
T=it_first_hour
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (id bigint, ts timestamptz, note text);
INSERT INTO $T SELECT g, TIMESTAMPTZ '2026-03-01 00:00:00+00' + g * interval '1 minute', 'row ' || g
FROM generate_series(1, 60) g;
EOS
work=$WEIR_TEST_TMP/work
mkdir -p "$work"
lake=$work/lake
spec=$work/fh.yaml
{ spec_header "$lake" zstd parquet "$work/state"; cat <<EOS
jobs:
  - name: fh_a
    table: public.$T
    watermark:
      columns: [ts, id]
  - name: fh_b
    table: public.$T
    watermark:
      columns: [id]
EOS
} | write_spec "$spec"

weir_expect 0 "check: exit 0" check "$spec"
check_out=$(cat "$WEIR_OUT")
[ ! -e "$lake" ] && [ ! -e "$work/state" ] && pass "check created neither the lake nor the state folder" ||
    not_ok "check created neither the lake nor the state folder" "$(ls -la "$work")"
like "$check_out" $'\n      ts +timestamp with time zone +timestamp \\(UTC\\)' "check: SQL type -> lake type per column"
like "$check_out" $'\n      id +bigint +bigint' "check: bigint -> bigint"
is "$(grep -c 'source plugin' <<<"$check_out")" 1 "check: plugins once for two jobs"
is "$(grep -c 'connected to PostgreSQL' "$WEIR_ERR")" 1 "check: one connection for two jobs"
like "$(cat "$WEIR_ERR")" 'connected to PostgreSQL [0-9]+\.[0-9]+ ' "check: the server version as major.minor"
unlike "$check_out" 'tsu:|tdD' "check: no Arrow format codes"

weir_expect 64 "--job nosuch: exit 64" check "$spec" --job nosuch
like "$(cat "$WEIR_ERR")" '"hint":"its jobs: fh_a, fh_b"' "--job nosuch lists the job names"
weir_expect 64 "state show without --job: exit 64" state show "$spec"
like "$(cat "$WEIR_ERR")" 'its jobs: fh_a, fh_b' "state show without --job lists the job names"

# state set: each value is parsed by the database as its column's type
weir_expect 65 "state set with a bad time: exit 65" state set "$spec" --job fh_a --value 'not a time' --value 0
like "$(cat "$WEIR_ERR")" '--value 1 \\"not a time\\" is not a value of watermark column ts' \
    "the message names the value and the column"
weir_expect 65 "state set with a bad integer: exit 65" state set "$spec" --job fh_a \
    --value '2026-03-01 00:30:00+00' --value 'x1'
like "$(cat "$WEIR_ERR")" 'watermark column id of job fh_a' "the second column is named"
weir_expect 64 "state set with one value for two columns: exit 64" state set "$spec" --job fh_a --value 1
weir_expect 0 "state show after refused sets" state show "$spec" --job fh_a
is "$(cat "$WEIR_OUT")" "{}" "refused sets left no state"
weir_expect 0 "state set with good values" state set "$spec" --job fh_a --value '2026-03-01 00:30:00+00' --value 30
weir_expect 0 "run from the set watermark" run "$spec" --job fh_a
COMPARE_NAME="the run extracted exactly the rows above the set watermark" compare_db_lake \
    "SELECT * FROM $T WHERE (ts, id) > (TIMESTAMPTZ '2026-03-01 00:30:00+00', 30)" "$lake/fh_a/**/*.parquet" --key id
log_has "$WEIR_ERR" event metrics && pass "a run at the default level logs its metrics" ||
    not_ok "a run at the default level logs its metrics"

# a bad value in the state file: the run names the stored value and the way out
statefile=$work/state/fh_a.json
/usr/bin/python3 - "$statefile" <<'EOP'
import json, sys
d = json.load(open(sys.argv[1]))
d["watermark"]["values"][0] = "garbage"
json.dump(d, open(sys.argv[1], "w"))
EOP
weir_expect 65 "run with a bad stored watermark: exit 65" run "$spec" --job fh_a
like "$(cat "$WEIR_ERR")" 'the stored low watermark is \(ts, id\) = \(garbage, 60\)' "the run names the stored low watermark"
like "$(cat "$WEIR_ERR")" 'state reset' "the run's hint names state reset"
weir_expect 0 "state reset" state reset "$spec" --job fh_a

# --log-level warn: no info lines, no metrics record
weir_expect 0 "run --log-level warn" run "$spec" --job fh_a --log-level warn
is "$(grep -c . "$WEIR_ERR")" 0 "--log-level warn: nothing on stderr for a clean run (no metrics line)"

# events: inline JSON and the environment variable
weir_expect 0 "run --event with inline JSON" run --event "{\"detail\": {\"spec\": \"$spec\", \"job\": \"fh_b\"}}"
COMPARE_NAME="inline event: the job it named was extracted" compare_db_lake "public.$T" \
    "$lake/fh_b/**/*.parquet" --key id
log_has "$WEIR_ERR" job fh_a && not_ok "inline event ran only its job" || pass "inline event ran only its job"
WEIR_EVENT="{\"detail\": {\"spec\": \"$spec\", \"job\": \"fh_b\", \"full_reload\": true}}" \
    weir_expect 0 "run with the event in WEIR_EVENT" run
log_has "$WEIR_ERR" kind full && pass "WEIR_EVENT's full_reload was applied" ||
    not_ok "WEIR_EVENT's full_reload was applied" "$(head -n 3 "$WEIR_ERR")"
WEIR_EVENT='{"detail": {"job": "fh_b"}}' weir_expect 64 "WEIR_EVENT without a spec: exit 64" run
like "$(cat "$WEIR_ERR")" 'names no spec' "WEIR_EVENT without a spec: message"
weir_expect 64 "inline event that is not JSON: exit 64" run --event '{not json'

pg "DROP TABLE $T" >/dev/null
done_testing
