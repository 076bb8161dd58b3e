#!/usr/bin/env bash
# Delete detection by key sweep against PostgreSQL: tombstones for deleted
# keys (none for updates, inserts, or a delete then reinsert between runs),
# composite and text keys, a sweep with no new rows, key files spilled to
# sorted runs, SIGKILL during a sweep then a rerun (exactly one tombstone per
# deleted key), a sweep racing concurrent deletes, inserts and updates (no
# tombstone for a key that exists), `every`, the primary key as the default
# key, and bad keys. The current state
# is rebuilt from the lake with DuckDB (`weir sql current`) and compared with
# the table value by value.
. "$(dirname "$0")/lib.sh"
require_pg
require_weir

T=it_del
lake=$WEIR_TEST_TMP/lake
spec=$WEIR_TEST_TMP/del.yaml
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T, ${T}_multi, ${T}_big, ${T}_gone, ${T}_dup;
CREATE TABLE $T (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, qty int, note text);
INSERT INTO $T SELECT g, TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * interval '1 second', g, 'row ' || g
FROM generate_series(1, 200) g;
CREATE TABLE ${T}_multi (region text, n int, code varchar(20), updated_at timestamptz NOT NULL,
  amount numeric(12,2), PRIMARY KEY (region, n, code));
INSERT INTO ${T}_multi SELECT r, g, 'c' || (g % 3), now(), g * 1.5
FROM unnest(ARRAY['eu', 'us', 'ü-ñ', '']) r, generate_series(1, 30) g;
EOS
{ spec_header "$lake"; cat <<EOS
jobs:
  - name: del
    table: public.$T
    watermark: {columns: [updated_at, id]}
    deletes: {key: [id]}
  - name: multi
    table: public.${T}_multi
    watermark: {columns: [updated_at]}
    deletes: {every: 1} # the key: the table's primary key
EOS
} | write_spec "$spec"

tombstones() { # JOB: the tombstone keys of JOB (sorted id or region/n/code), one a line
    local cols=${2:-id}
    lake_sql "SELECT $cols FROM lake ORDER BY $cols" "$lake/$1__deletes/*.parquet" | tr -d '"{}'
}
last_run_id() { # JOB
    node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));
             console.log(d.history[d.history.length-1].run_id)' "$lake.state/$1.json"
}

weir_expect 0 "first run (the key sweep sets the baseline)" run "$spec"
log_has "$WEIR_ERR" event deletes_swept && pass "first run swept the keys" ||
    not_ok "first run swept the keys" "$(tail -n 3 "$WEIR_ERR")"
is "$(find "$lake" -path '*__deletes*' -name '*.parquet' | wc -l)" 0 "no tombstones on the first sweep"
is "$(ls "$lake.state/del.keys/")" "$(last_run_id del).keys" "one key file, named with the run id"

# deletes, an update, inserts, and a key deleted then inserted again between runs
pg >/dev/null <<EOS
DELETE FROM $T WHERE id IN (3, 5, 7, 150);
UPDATE $T SET qty = -1, updated_at = now() WHERE id IN (10, 11);
DELETE FROM $T WHERE id = 20;
INSERT INTO $T VALUES (20, now(), 20, 'back again'), (201, now(), 201, 'new');
DELETE FROM ${T}_multi WHERE (region = 'ü-ñ' AND n = 4) OR (region = '' AND n = 9) OR (region = 'eu' AND n = 30);
UPDATE ${T}_multi SET amount = 0, updated_at = now() WHERE region = 'us' AND n < 5;
EOS
weir_expect 0 "second run" run "$spec"
log_has "$WEIR_ERR" key "region, n, code" && pass "multi: the primary key is the deletes key" ||
    not_ok "multi: the primary key is the deletes key" "$(grep deletes_key "$WEIR_ERR")"
run2=$(last_run_id del)
is "$(tombstones del | tr '\n' ' ')" "id:3 id:5 id:7 id:150 " \
    "tombstones for the deleted keys only (not the update, insert, or delete-then-reinsert)"
is "$(lake_sql "SELECT DISTINCT _weir_run_id AS r, typeof(_weir_deleted_at) AS t FROM lake" "$lake/del__deletes/*.parquet")" \
    "{\"r\":\"$run2\",\"t\":\"TIMESTAMP WITH TIME ZONE\"}" "tombstones carry the run id and a timestamptz"
deleted_at=$(lake_sql "SELECT DISTINCT _weir_deleted_at AS t FROM lake" "$lake/del__deletes/*.parquet")
started=$(node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));
                   console.log(d.history[d.history.length-1].started)' "$lake.state/del.json")
like "$deleted_at" "\"t\":\"${started:0:16}" "_weir_deleted_at is the run's snapshot time ($deleted_at, run started $started)"
is "$(ls "$lake.state/del.keys/")" "$run2.keys" "the older key file was removed after the commit"
is "$(tombstones multi 'region, n, code' | tr '\n' ' ')" "region:,n:9,code:c0 region:eu,n:30,code:c0 region:ü-ñ,n:4,code:c1 " \
    "composite text key: one tombstone per deleted key"
current_equals "current state of del (DuckDB over the lake) = the table" del \
    "SELECT * FROM $T" id
current_equals "current state of multi (composite key) = the table" multi \
    "SELECT * FROM ${T}_multi" region,n,code

# only deletes: no row above the watermark, the sweep still runs
pg "DELETE FROM $T WHERE id IN (1, 2)" >/dev/null
weir_expect 0 "run with deletes only" run "$spec" --job del
like "$(cat "$WEIR_ERR")" 'no rows above the watermark' "nothing new to extract"
is "$(tombstones del | tr '\n' ' ')" "id:1 id:2 id:3 id:5 id:7 id:150 " "deletes without new rows are found"
# a key that reappears after its tombstone is a newer version
pg "INSERT INTO $T VALUES (3, now(), 3, 'reborn')" >/dev/null
weir_expect 0 "run after a deleted key came back" run "$spec" --job del
is "$(tombstones del | grep -c '^id:3$')" 1 "the reinserted key keeps its one old tombstone"
current_equals "current state after the key came back = the table" del "SELECT * FROM $T" id

# every: sweep on every 3rd run only; --detect-deletes forces one
sed 's/deletes: {key: \[id\]}/deletes: {key: [id], every: 3}/' "$spec" >"$spec.every"
pg "DELETE FROM $T WHERE id = 100" >/dev/null
weir_expect 0 "run 1 of 3 (no sweep)" run "$spec.every" --job del
log_has "$WEIR_ERR" event deletes_swept && not_ok "no sweep before the 3rd run" || pass "no sweep before the 3rd run"
weir_expect 0 "run 2 of 3 (no sweep)" run "$spec.every" --job del
log_has "$WEIR_ERR" event deletes_swept && not_ok "still no sweep" || pass "still no sweep"
weir_expect 0 "run 3 of 3 sweeps" run "$spec.every" --job del
is "$(tombstones del | grep -c '^id:100$')" 1 "the 3rd run found the delete"
pg "DELETE FROM $T WHERE id = 101" >/dev/null
weir_expect 0 "--detect-deletes sweeps at once" run "$spec.every" --job del --detect-deletes
is "$(tombstones del | grep -c '^id:101$')" 1 "--detect-deletes found the delete"

# a big key set with 1 MiB of sort memory: the sweep spills sorted runs and merges them;
# SIGKILL at several points of such runs, then a rerun: one tombstone per deleted key
pg >/dev/null <<EOS
CREATE TABLE ${T}_big (id bigint PRIMARY KEY, k text NOT NULL UNIQUE, updated_at timestamptz NOT NULL);
INSERT INTO ${T}_big SELECT g, md5(g::text), now() FROM generate_series(1, 300000) g;
CREATE TABLE ${T}_gone (k text);
EOS
{ spec_header "$lake"; cat <<EOS
jobs:
  - name: big
    table: public.${T}_big
    watermark: {columns: [updated_at, id]}
    deletes: {key: [k], memory: 1MiB}
EOS
} | write_spec "$spec.big"
weir_expect 0 "big: first run" run "$spec.big"
like "$(grep deletes_swept "$WEIR_ERR")" '"sort_runs":[1-9][0-9]*,' "the sweep spilled sorted runs (1 MiB of memory)"
is "$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).deletes.keys)' "$lake.state/big.json")" \
    300000 "the key file holds 300000 keys"
for round in 1 2; do
    pg >/dev/null <<EOS
WITH d AS (DELETE FROM ${T}_big WHERE id % 97 = $round RETURNING k) INSERT INTO ${T}_gone SELECT k FROM d;
UPDATE ${T}_big SET updated_at = now() WHERE id % 1013 = 0;
EOS
    for delay in 0.2 0.5 0.9; do
        timeout -s KILL "$delay" "$WEIR" run "$spec.big" >/dev/null 2>>"$WEIR_TEST_TMP/kill.err"
        diag "round $round: killed after ${delay}s: exit $?"
    done
    weir_expect 0 "big: rerun after the kills (round $round)" run "$spec.big"
done
is "$(lake_sql "SELECT count(*) AS n, count(DISTINCT k) AS d FROM lake" "$lake/big__deletes/*.parquet")" \
    "{\"n\":\"$(pg "SELECT count(*) FROM ${T}_gone")\",\"d\":\"$(pg "SELECT count(*) FROM ${T}_gone")\"}" \
    "after SIGKILLs and reruns: one tombstone per deleted key"
lake_sql "SELECT k FROM lake ORDER BY k" "$lake/big__deletes/*.parquet" | tr -d '"{}' | sed 's/^k://' >"$WEIR_TEST_TMP/tomb.txt"
pg "SELECT k FROM ${T}_gone ORDER BY k COLLATE \"C\"" | LC_ALL=C sort >"$WEIR_TEST_TMP/gone.txt"
LC_ALL=C sort -o "$WEIR_TEST_TMP/tomb.txt" "$WEIR_TEST_TMP/tomb.txt"
if cmp -s "$WEIR_TEST_TMP/tomb.txt" "$WEIR_TEST_TMP/gone.txt"; then pass "the tombstones are exactly the deleted keys"
else not_ok "the tombstones are exactly the deleted keys" "$(diff "$WEIR_TEST_TMP/tomb.txt" "$WEIR_TEST_TMP/gone.txt" | head -n 5)"; fi
is "$(ls "$lake.state/big.keys/" | wc -l)" 1 "one key file left (no sort runs or temporary files)"

# a sweep racing concurrent deletes, inserts and updates: a tombstone only for a
# key that was really deleted, and each deleted key exactly once in the end
pg "TRUNCATE ${T}_gone" >/dev/null
(
    for i in $(seq 1 40); do
        pg >/dev/null <<EOS
WITH d AS (DELETE FROM ${T}_big WHERE id IN (SELECT id FROM ${T}_big WHERE id % 89 = 5 ORDER BY id LIMIT 40) RETURNING k)
INSERT INTO ${T}_gone SELECT k FROM d;
INSERT INTO ${T}_big SELECT 1000000 + $i * 100 + g, md5('new-' || $i || '-' || g), now() FROM generate_series(1, 50) g;
UPDATE ${T}_big SET updated_at = now() WHERE id IN (SELECT id FROM ${T}_big WHERE id % 1009 = $i % 7 LIMIT 30);
EOS
    done
) &
racer=$!
races=0
while kill -0 "$racer" 2>/dev/null; do
    "$WEIR" run "$spec.big" >/dev/null 2>>"$WEIR_TEST_TMP/race.err" || diag "racing run: exit $?"
    races=$((races + 1))
done
wait "$racer"
diag "$races runs raced the writer"
pg "SELECT k FROM ${T}_big ORDER BY 1" >"$WEIR_TEST_TMP/present.txt"
lake_sql "SELECT k FROM lake" "$lake/big__deletes/*.parquet" | tr -d '"{}' | sed 's/^k://' | LC_ALL=C sort >"$WEIR_TEST_TMP/tomb.txt"
LC_ALL=C sort -o "$WEIR_TEST_TMP/present.txt" "$WEIR_TEST_TMP/present.txt"
is "$(LC_ALL=C comm -12 "$WEIR_TEST_TMP/tomb.txt" "$WEIR_TEST_TMP/present.txt" | wc -l)" 0 \
    "no tombstone for a key that exists (racing runs)"
weir_expect 0 "big: a quiet run after the race" run "$spec.big"
pg "SELECT k FROM ${T}_gone UNION ALL SELECT k FROM (SELECT md5(g::text) AS k FROM generate_series(1, 300000) g
    WHERE g % 97 IN (1, 2)) x" | LC_ALL=C sort >"$WEIR_TEST_TMP/gone.txt"
lake_sql "SELECT k FROM lake" "$lake/big__deletes/*.parquet" | tr -d '"{}' | sed 's/^k://' | LC_ALL=C sort >"$WEIR_TEST_TMP/tomb.txt"
if cmp -s "$WEIR_TEST_TMP/tomb.txt" "$WEIR_TEST_TMP/gone.txt"; then pass "after the race: every deleted key has exactly one tombstone"
else not_ok "after the race: every deleted key has exactly one tombstone" \
    "$(diff "$WEIR_TEST_TMP/tomb.txt" "$WEIR_TEST_TMP/gone.txt" | head -n 5)"; fi
spec_save=$spec
spec=$spec.big
current_equals "big: current state after kills and races = the table" big "SELECT * FROM ${T}_big" id
spec=$spec_save

# bad keys
pg >/dev/null <<EOS
CREATE TABLE ${T}_dup (id int, grp int, updated_at timestamptz NOT NULL DEFAULT now());
INSERT INTO ${T}_dup SELECT g, g % 5, now() FROM generate_series(1, 50) g;
EOS
nbad=0
badrun() { # NAME RC ERE JOB-YAML
    nbad=$((nbad + 1))
    { spec_header "$WEIR_TEST_TMP/bad$nbad"; printf 'jobs:\n  - name: dup\n    table: public.%s_dup\n    watermark: {columns: [updated_at]}\n%b' "$T" "$4"; } \
        >"$WEIR_TEST_TMP/bad.yaml"
    weir_expect "$2" "$1: exit $2" run "$WEIR_TEST_TMP/bad.yaml"
    like "$(cat "$WEIR_ERR")" "$3" "$1: message"
    if [ "$2" = 78 ]; then # a spec problem: weir check finds it before any run
        weir_expect 78 "$1: weir check exits 78 too" check "$WEIR_TEST_TMP/bad.yaml"
        like "$(cat "$WEIR_OUT")" "FAIL  job dup: .*${3%%.\**}" "$1: weir check names it"
    fi
}
badrun "a key that is not unique" 65 'deletes.key \(grp\) is not unique in the source: grp=[0-4] appears more than once' \
    "    deletes: {key: [grp]}\n"
ls "$WEIR_TEST_TMP/bad$nbad.state/dup.keys/" 2>/dev/null | grep -q . &&
    not_ok "a failed sweep leaves no key file" || pass "a failed sweep leaves no key file"
badrun "a missing key column" 78 'bad.yaml:1[0-9]:[0-9]+: jobs.dup.deletes.key: no column nosuch' \
    "    deletes: {key: [nosuch]}\n"
badrun "no key and no primary key" 78 'jobs.dup.deletes: no key: public.it_del_dup has no primary key.*"hint":"name the columns' \
    "    deletes: {every: 2}\n"
badrun "a key under pii" 78 'deletes.key: id is under pii' \
    "    pii: {id: drop}\n    deletes: {key: [id]}\n"

pg "DROP TABLE $T, ${T}_multi, ${T}_big, ${T}_gone, ${T}_dup" >/dev/null
done_testing
