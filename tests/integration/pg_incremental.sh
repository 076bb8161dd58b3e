#!/usr/bin/env bash
# Incremental runs through the real CLI against PostgreSQL: every source row
# version lands in the lake exactly once — across inserts and updates, ties
# on the timestamp split between runs, runs killed with SIGKILL at many
# points and rerun, the lock, a full reload, NULL watermarks — and what
# plan/state/--event do. A trigger records every row version the table ever
# had, so "exactly once" is checked against the database, value by value.
. "$(dirname "$0")/lib.sh"
require_pg
require_weir

T=it_inc
lake=$WEIR_TEST_TMP/lake
spec=$WEIR_TEST_TMP/inc.yaml
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T, ${T}_versions;
CREATE TABLE $T (id bigint PRIMARY KEY, updated_at timestamptz, qty int, note text);
CREATE TABLE ${T}_versions (id bigint, updated_at timestamptz, qty int, note text);
CREATE OR REPLACE FUNCTION ${T}_track() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
  INSERT INTO ${T}_versions VALUES (NEW.id, NEW.updated_at, NEW.qty, NEW.note);
  RETURN NEW;
END \$\$;
CREATE TRIGGER ${T}_track AFTER INSERT OR UPDATE ON $T FOR EACH ROW EXECUTE FUNCTION ${T}_track();
INSERT INTO $T SELECT g, TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * interval '1 second', g, 'row ' || g
FROM generate_series(1, 100) g;
EOS
{ spec_header "$lake" zstd; cat <<EOS
jobs:
  - name: inc
    table: public.$T
    watermark:
      columns: [updated_at, id]
EOS
} | write_spec "$spec"
versions="SELECT id, updated_at, qty, note FROM ${T}_versions WHERE updated_at IS NOT NULL"
key=(--key id,updated_at)

weir_expect 0 "first run" run "$spec"
is "$(lake_sql "SELECT count(*) AS n FROM lake" "$lake/inc/**/*.parquet")" '{"n":"100"}' "first run wrote 100 rows"
COMPARE_NAME="first run: lake = source" compare_db_lake "$versions" "$lake/inc/**/*.parquet" "${key[@]}"
log_has "$WEIR_ERR" event run_done || not_ok "run_done logged"
log_has "$WEIR_ERR" Rows 100 && pass "EMF metrics record the rows" || not_ok "EMF metrics record the rows"

pg >/dev/null <<EOS
INSERT INTO $T SELECT g, now(), g, 'new ' || g FROM generate_series(101, 150) g;
UPDATE $T SET qty = qty + 1000, updated_at = now() WHERE id IN (3, 5, 7, 11, 13);
EOS
weir_expect 0 "incremental run" run "$spec"
is "$(lake_sql "SELECT count(*) AS n FROM lake" "$lake/inc/**/*.parquet")" '{"n":"155"}' \
    "incremental run added the 50 new rows and 5 new versions"
COMPARE_NAME="after the increment: every row version once" \
    compare_db_lake "$versions" "$lake/inc/**/*.parquet" "${key[@]}"

# ties: rows with the same timestamp split across two runs
tie=$(pg "SELECT now()::text")
pg "INSERT INTO $T SELECT g, '$tie', g, 'tie' FROM generate_series(200, 204) g" >/dev/null
weir_expect 0 "run after the first half of a tie" run "$spec"
pg "INSERT INTO $T SELECT g, '$tie', g, 'tie' FROM generate_series(205, 209) g" >/dev/null
weir_expect 0 "run after the second half of the tie" run "$spec"
COMPARE_NAME="ties on the timestamp split across runs: none lost" \
    compare_db_lake "$versions" "$lake/inc/**/*.parquet" "${key[@]}"

# NULL watermarks are counted and reported, never silently skipped
pg "INSERT INTO $T VALUES (300, NULL, 0, 'no timestamp')" >/dev/null
weir_expect 0 "run with a NULL watermark row" run "$spec"
log_has "$WEIR_ERR" event null_watermark_rows && pass "NULL watermark rows reported" ||
    not_ok "NULL watermark rows reported" "$(tail -n 5 "$WEIR_ERR")"

# plan changes nothing
before=$(md5sum "$lake.state/inc.json")
pg "INSERT INTO $T SELECT g, now(), g, 'planned' FROM generate_series(400, 409) g" >/dev/null
weir_expect 0 "plan" plan "$spec"
like "$(cat "$WEIR_OUT")" 'COPY \(SELECT .*"updated_at", "id"\) > ' "plan prints the SQL with the window"
like "$(cat "$WEIR_OUT")" 'rows: +10 in the window' "plan counts the window"
is "$(md5sum "$lake.state/inc.json")" "$before" "plan left the state alone"

# the lock: a second run exits 75 and names the holder
flock -n "$lake.state/inc.lock" -c "echo 'pid 1 on elsewhere, run held-by-test, since now' > $lake.state/inc.lock; sleep 8" &
holder=$!
sleep 1
weir_expect 75 "a second run while the lock is held exits 75" run "$spec"
like "$(cat "$WEIR_ERR")" 'job inc is already running' "lock message"
wait $holder

# SIGKILL at several points of a bigger run, then a rerun: nothing lost or doubled
pg >/dev/null <<EOS
INSERT INTO $T SELECT g, now() + (g % 1000) * interval '1 microsecond', g, repeat(md5(g::text), 40)
FROM generate_series(100000, 140000) g;
EOS
{ spec_header "$lake" zstd | sed 's/^  compression: zstd$/  compression: zstd\n  file_size: 2MiB\n  row_group_size: 1MiB/'; cat <<EOS
jobs:
  - name: inc
    table: public.$T
    watermark:
      columns: [updated_at, id]
EOS
} | write_spec "$spec.kill"
for delay in 0.05 0.3 0.6 1.0 1.5; do
    timeout -s KILL "$delay" "$WEIR" run "$spec.kill" >/dev/null 2>>"$WEIR_TEST_TMP/kill.err"
    diag "killed after ${delay}s: exit $?"
done
weir_expect 0 "rerun after the kills" run "$spec.kill"
like "$(cat "$WEIR_ERR")" '"event":"run_resumed"|"resumed":true|no rows above' "the rerun resumed the unfinished run (or found it done)"
COMPARE_NAME="after SIGKILLs and a rerun: every row version exactly once" \
    compare_db_lake "$versions" "$lake/inc/**/*.parquet" "${key[@]}"
is "$(find "$lake" -name '.*tmp*' | wc -l)" 0 "no temporary files left visible after the rerun" || true

# full reload: one new snapshot of the current rows replaces every file
weir_expect 0 "full reload" run "$spec" --full-reload
COMPARE_NAME="full reload: the lake is the table now, NULL watermark row included" \
    compare_db_lake "SELECT id, updated_at, qty, note FROM $T" "$lake/inc/**/*.parquet" --key id
weir_expect 0 "incremental after the full reload" run "$spec"
like "$(cat "$WEIR_ERR")" 'no rows above the watermark' "nothing new after the reload"

# state show / set / reset, --event
weir_expect 0 "state show" state show "$spec" --job inc
like "$(cat "$WEIR_OUT")" '"watermark"' "state show prints the document"
weir_expect 64 "state set with the wrong number of values" state set "$spec" --job inc --value 1
weir_expect 0 "state set" state set "$spec" --job inc --value "$tie" --value 204
weir_expect 0 "run from the set watermark" run "$spec"
want=$(pg "SELECT count(*) FROM $T WHERE (updated_at, id) > ('$tie', 204)")
like "$(cat "$WEIR_ERR")" "\"event\":\"run_done\".*\"rows\":$want," "run after state set extracted exactly the $want rows above the set watermark"
weir_expect 0 "state reset" state reset "$spec" --job inc
printf '{"detail": {"spec": "%s", "job": "inc", "full_reload": true}}\n' "$spec" >"$WEIR_TEST_TMP/event.json"
weir_expect 0 "run --event (full reload named by the event)" run --event "$WEIR_TEST_TMP/event.json"
COMPARE_NAME="after the event's full reload: the lake is the table" \
    compare_db_lake "SELECT id, updated_at, qty, note FROM $T" "$lake/inc/**/*.parquet" --key id

# bad input: exact exit codes and messages (each with a lake and state of its own)
nbad=0
bad() { # NAME RC ERE, spec body in $WEIR_TEST_TMP/bad.yaml
    local name=$1 rc=$2 ere=$3
    weir_expect "$rc" "$name: exit $rc" run "$WEIR_TEST_TMP/bad.yaml"
    like "$(cat "$WEIR_ERR")" "$ere" "$name: message"
}
badspec() { # SED-EXPR JOB-YAML
    nbad=$((nbad + 1))
    { spec_header "$WEIR_TEST_TMP/bad$nbad" | sed "$1"; printf '%b' "$2"; } >"$WEIR_TEST_TMP/bad.yaml"
}
job="jobs:\n  - name: inc\n    table: public.$T\n    watermark: {columns: [updated_at, id]}\n"
badspec '' "$job    colour: red\n"
bad "unknown key" 78 'bad.yaml:1[0-9]:5: .*colour'
badspec "s/port=$PGPORT/port=1/" "$job"
bad "unreachable database" 75 '127.0.0.1:1|port 1'
badspec 's/\${env:PGPASSWORD}/wrong-password/' "$job"
bad "wrong password" 77 'password authentication failed'
if grep -q wrong-password "$WEIR_ERR" "$WEIR_OUT"; then not_ok "the password is not logged"; else pass "the password is not logged"; fi
badspec '' "jobs:\n  - name: nosuch\n    table: public.no_such_table\n    watermark: {columns: [id]}\n"
bad "missing table" 78 'no_such_table'
badspec '' "jobs:\n  - name: inc\n    table: public.$T\n    columns: [id, no_such_column]\n    mode: full\n"
bad "unknown column" 78 'no_such_column'
badspec 's/format: parquet/format: avro/' "jobs:\n  - name: inc\n    table: public.$T\n    mode: full\n"
bad "unknown writer plugin" 78 'bad.yaml:[0-9]+:[0-9]+: target.format: no writer plugin named \\"avro\\"'
weir_expect 64 "unknown command" frobnicate "$spec"
weir_expect 64 "unknown job" run "$spec" --job nope
weir_expect 66 "missing spec file exits 66" run "$WEIR_TEST_TMP/nope.yaml"
like "$(cat "$WEIR_ERR")" 'nope.yaml: cannot open the spec' "missing spec file: message"
done_testing
