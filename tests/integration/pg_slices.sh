#!/usr/bin/env bash
# slices: {column, count} against the real PostgreSQL: the window is split
# into key ranges read in parallel over several connections sharing one
# exported snapshot. Checked: every row exactly once (DuckDB and hyparquet,
# value by value) for a full and an incremental run, NULL keys, negative and
# extreme keys, fewer keys than slices, the connections really running at
# once, a row committed during the run never split across slices, a SIGKILL
# then a rerun, and clear errors for a non-integer column and for a source
# that cannot share a snapshot.
. "$(dirname "$0")/lib.sh"
require_pg
require_weir

T=it_slices
lake=$WEIR_TEST_TMP/lake
spec=$WEIR_TEST_TMP/slices.yaml
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (id bigint PRIMARY KEY, grp int, updated_at timestamptz NOT NULL, note text);
INSERT INTO $T SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE g % 1000 - 500 END,
    TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * interval '1 second', repeat('x', g % 50)
FROM generate_series(1, 120000) g;
EOS
trap 'pg "DROP TABLE IF EXISTS $T" >/dev/null 2>&1' EXIT
write_slices_spec() { # COLUMN COUNT [LAKE]
    { spec_header "${3:-$lake}"; cat <<EOS
jobs:
  - name: sl
    table: public.$T
    watermark:
      columns: [updated_at, id]
    slices: {column: $1, count: $2}
EOS
    } | write_spec "$spec"
}

write_slices_spec id 4
weir_expect 0 "plan with slices" plan "$spec"
like "$(cat "$WEIR_OUT")" "slices: +4 ranges of id" "plan shows the slices"
weir_expect 0 "first run with 4 slices on id" run "$spec"
log_has "$WEIR_ERR" event slices && pass "the run logs its slices" ||
    not_ok "the run logs its slices" "$(head -n 5 "$WEIR_ERR")"
is "$(/usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]):
    try: o = json.loads(line)
    except ValueError: continue
    if o.get("event") == "slices":
        r = o["ranges"]
        ok = len(r) == 4 and r[0][0] == 1 and r[-1][1] == 120000 and all(r[i][1] + 1 == r[i + 1][0] for i in range(3))
        print("contiguous" if ok else r)' "$WEIR_ERR")" contiguous "four contiguous ranges cover 1..120000"
COMPARE_NAME="4 slices: lake = source" compare_db_lake "public.$T" "$lake/sl/**/*.parquet" --key id

# incremental: the slices split only the new window
pg "INSERT INTO $T SELECT g, g % 7, TIMESTAMPTZ '2026-06-01 00:00:00+00' + g * interval '1 second', 'new' FROM generate_series(120001, 125000) g;
    UPDATE $T SET note = 'changed', updated_at = TIMESTAMPTZ '2026-07-01 00:00:00+00' + id * interval '1 ms' WHERE id % 997 = 0" >/dev/null
weir_expect 0 "incremental run with slices" run "$spec"
COMPARE_NAME="after the increment: every row version once" compare_db_lake \
    "SELECT * FROM $T UNION ALL SELECT id, grp, TIMESTAMPTZ '2026-01-01 00:00:00+00' + id * interval '1 second', repeat('x', (id % 50)::int) FROM $T WHERE id % 997 = 0 AND id <= 120000" \
    "$lake/sl/**/*.parquet" --key id,updated_at

# a nullable key with negative values: NULL keys go to slice 0
rm -rf "$lake" "$lake.state"
write_slices_spec grp 3
weir_expect 0 "full window sliced on a nullable, negative key" run "$spec"
COMPARE_NAME="NULL and negative keys: lake = source" compare_db_lake "public.$T" "$lake/sl/**/*.parquet" --key id

# more slices than distinct keys
pg "CREATE TEMP TABLE x (); DROP TABLE IF EXISTS ${T}_few; CREATE TABLE ${T}_few (k smallint, updated_at timestamptz, v text);
    INSERT INTO ${T}_few VALUES (32767, now(), 'a'), (32766, now(), 'b'), (NULL, now(), 'c')" >/dev/null
rm -rf "$lake" "$lake.state"
sed -i "s/table: public.$T/table: public.${T}_few/; s/columns: \[updated_at, id\]/columns: [updated_at]/; s/column: grp, count: 3/column: k, count: 8/" "$spec"
weir_expect 0 "8 slices over 2 distinct keys (and a NULL)" run "$spec"
COMPARE_NAME="few keys: lake = source" compare_db_lake "public.${T}_few" "$lake/sl/**/*.parquet" --key v
pg "DROP TABLE ${T}_few" >/dev/null

# not an integer column: exit 78 naming the field
rm -rf "$lake" "$lake.state"
write_slices_spec note 2
weir_expect 78 "a text slice column is a config error" run "$spec"
like "$(cat "$WEIR_ERR")" "slices.yaml:[0-9]+:[0-9]+: jobs.sl.slices.column: .*not an integer column" \
    "the message names the file, line and field"

# connections at once: over a slow view (2 ms a row, about 2 s a slice)
# the slices' COPY statements overlap in pg_stat_activity
pg "DROP VIEW IF EXISTS ${T}_slow; DROP TABLE IF EXISTS ${T}_src;
    CREATE TABLE ${T}_src (id int PRIMARY KEY, v text);
    INSERT INTO ${T}_src SELECT g, 'v' || g FROM generate_series(1, 3000) g;
    CREATE VIEW ${T}_slow AS SELECT s.*, pg_sleep(0.002) IS NULL AS z FROM ${T}_src s" >/dev/null
{ spec_header "$WEIR_TEST_TMP/slow"; cat <<EOS
jobs:
  - name: slow
    table: public.${T}_slow
    mode: full
    slices: {column: id, count: 3}
EOS
} | write_spec "$WEIR_TEST_TMP/slow.yaml"
"$WEIR" run "$WEIR_TEST_TMP/slow.yaml" >"$WEIR_TEST_TMP/par.out" 2>"$WEIR_TEST_TMP/par.err" </dev/null &
wpid=$!
most=0
for _ in $(seq 1 300); do
    n=$(pg "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'weir' AND query LIKE 'COPY%'")
    [ "$n" -gt "$most" ] && most=$n
    kill -0 $wpid 2>/dev/null || break
    sleep 0.1
done
wait $wpid
is "$?" 0 "the sliced run over a slow view succeeds"
is "$most" 3 "three COPY statements ran at once"
COMPARE_NAME="slow view, 3 slices: lake = source" \
    compare_db_lake "public.${T}_slow" "$WEIR_TEST_TMP/slow/slow/**/*.parquet" --key id
pg "DROP VIEW ${T}_slow; DROP TABLE ${T}_src" >/dev/null

# killed mid-run, then a rerun: every row exactly once
rm -rf "$lake" "$lake.state"
write_slices_spec id 3
"$WEIR" run "$spec" >/dev/null 2>"$WEIR_TEST_TMP/kill.err" </dev/null &
wpid=$!
sleep 0.7
kill -KILL $wpid 2>/dev/null
wait $wpid 2>/dev/null
weir_expect 0 "rerun after a SIGKILL of a sliced run" run "$spec"
COMPARE_NAME="after SIGKILL and rerun: every row once" compare_db_lake "public.$T" "$lake/sl/**/*.parquet" --key id

# a source that cannot share a snapshot
if odbcinst -q -d 2>/dev/null | grep -q '^\[PostgreSQL Unicode\]'; then
    sed -e 's/driver: postgres/driver: odbc/' \
        -e "s|connection: .*|connection: \"Driver={PostgreSQL Unicode};Servername=127.0.0.1;Port=${PGPORT:-55432};Database=${PGDATABASE:-weir_test};\"|" \
        "$spec" >"$WEIR_TEST_TMP/odbc.yaml"
    weir_expect 78 "odbc with slices: exit 78" run "$WEIR_TEST_TMP/odbc.yaml"
    like "$(cat "$WEIR_ERR")" "jobs.sl.slices: the odbc source cannot extract slices" "the message says why"
else
    skip "odbc with slices" "psqlODBC is not registered"
fi

done_testing
