#!/usr/bin/env bash
# `weir discover --deletes` against PostgreSQL: a table with a change time
# and a bigint key, one with a composite key (key order unlike the column
# order), an identity log, a table without a primary key and one with
# nothing safe (full) → discover writes deletes: {key: [...]} exactly where
# it applies and a comment elsewhere → check → run → deletes, updates,
# inserts → run --detect-deletes → the tombstones are exactly the deleted
# keys, and the current state DuckDB rebuilds equals each table. Without
# --deletes the line is written commented out; an s3:// state gets the same
# deletes lines (key files on S3).
. "$(dirname "$0")/lib.sh"
require_pg
require_weir

S=it_ddisc
lake=$WEIR_TEST_TMP/lake
spec=$WEIR_TEST_TMP/dd.yaml
conn="host=${PGHOST:-127.0.0.1} port=${PGPORT:-55432} dbname=${PGDATABASE:-weir_test}"

pg >/dev/null <<EOS || { not_ok "create the schema"; done_testing; exit 1; }
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS $S CASCADE;
CREATE SCHEMA $S;
CREATE TABLE $S.orders (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, note text);
INSERT INTO $S.orders SELECT g, now(), 'n' || g FROM generate_series(1, 50) g;
CREATE TABLE $S.lines (qty int, line int, order_no text, modified timestamp NOT NULL,
                       PRIMARY KEY (order_no, line));
INSERT INTO $S.lines SELECT g, g % 4, 'o' || (g / 4), now() FROM generate_series(0, 39) g;
CREATE TABLE $S.events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, msg text);
INSERT INTO $S.events (msg) SELECT 'm' || g FROM generate_series(1, 30) g;
CREATE TABLE $S.nokey (code text NOT NULL, updated_at timestamptz NOT NULL);
INSERT INTO $S.nokey SELECT 'c' || g, now() FROM generate_series(1, 5) g;
CREATE TABLE $S.dim (code text PRIMARY KEY, label text);
INSERT INTO $S.dim SELECT 'd' || g, 'l' || g FROM generate_series(1, 5) g;
EOS

discover=(discover --driver postgres --connection "$conn" --user "${PGUSER:-weir}"
    --password '${env:PGPASSWORD}' --include "$S.*" --target "file://$lake"
    --state "file://$WEIR_TEST_TMP/state")
deletes_keys() { # SPEC: per job "name key,columns|-", sorted
    /usr/bin/python3 - "$1" <<'EOP'
import sys, yaml
for j in sorted(yaml.safe_load(open(sys.argv[1], encoding="utf-8"))["jobs"], key=lambda j: j["name"]):
    d = j.get("deletes")
    print(j["name"], ",".join(d["key"]) if d is not None else "-")
EOP
}

weir_expect 0 "discover --deletes" "${discover[@]}" --deletes
cp "$WEIR_OUT" "$spec"
is "$(deletes_keys "$spec" | tr '\n' ';')" \
    "it_ddisc_dim -;it_ddisc_events id;it_ddisc_lines order_no,line;it_ddisc_nokey -;it_ddisc_orders id;" \
    "deletes.key is the primary key in key order; none for full mode or without a primary key"
like "$(grep -A6 'name: it_ddisc_nokey' "$spec")" '# deletes: none: the table has no primary key' \
    "a table without a primary key: a comment says why"
like "$(grep -A6 'name: it_ddisc_dim' "$spec")" '# deletes: not needed: mode full' \
    "a full-mode table: a comment says why"
weir_expect 0 "weir check accepts the spec" check "$spec"

weir_expect 0 "first run" run "$spec" --parallel 2

# weir plan / weir check: the key, whether a run would sweep, the key file
kf=$(ls "$WEIR_TEST_TMP"/state/it_ddisc_lines.keys/*.keys)
weir_expect 0 "plan after the first run" plan "$spec" --job it_ddisc_lines
like "$(cat "$WEIR_OUT")" "  deletes:  key \(order_no, line\); this run sweeps \(every run\); key file $kf \(40 keys, $(stat -c %s "$kf") bytes\)" \
    "plan: the key, a sweep on every run, the key file with its key count and size"
sed 's/deletes: {key: \["id"\]}/deletes: {key: ["id"], every: 3}/' "$spec" >"$spec.every"
weir_expect 0 "plan of deletes.every: 3" plan "$spec.every" --job it_ddisc_orders
like "$(cat "$WEIR_OUT")" 'deletes:  key \(id\); no sweep on this run \(every 3 runs; 0 since the last' \
    "plan: no sweep on a run that deletes.every skips"
weir_expect 0 "plan --detect-deletes" plan "$spec.every" --job it_ddisc_orders --detect-deletes
like "$(cat "$WEIR_OUT")" 'deletes:  key \(id\); this run sweeps \(--detect-deletes\)' "plan: --detect-deletes forces a sweep"
sed 's/deletes: {key: \["id"\]}/deletes: {}/' "$spec" >"$spec.pk"
weir_expect 0 "check of deletes: {}" check "$spec.pk" --job it_ddisc_orders
like "$(cat "$WEIR_OUT")" '      deletes: key \(id\) = the primary key; this run sweeps' "check: the key is the primary key"
sed 's/deletes: {key: \["order_no", "line"\]}/deletes: {key: [order_no, nosuch]}/' "$spec" >"$spec.bad"
weir_expect 78 "check of a key column the job does not read: exit 78" check "$spec.bad"
like "$(cat "$WEIR_OUT")" 'FAIL  job it_ddisc_lines: .*deletes.key: no column nosuch' "check names the missing key column"
weir_expect 78 "plan of a key column the job does not read: exit 78" plan "$spec.bad" --job it_ddisc_lines
sleep 1
pg >/dev/null <<EOS
DELETE FROM $S.orders WHERE id IN (3, 17, 50);
UPDATE $S.orders SET note = 'changed', updated_at = now() WHERE id = 4;
DELETE FROM $S.orders WHERE id = 5;
INSERT INTO $S.orders VALUES (5, now(), 'back'), (51, now(), 'new');
DELETE FROM $S.lines WHERE (order_no, line) IN (('o0', 1), ('o9', 3));
UPDATE $S.lines SET qty = -1, modified = now() WHERE order_no = 'o2';
DELETE FROM $S.events WHERE id IN (1, 30);
INSERT INTO $S.events (msg) VALUES ('late');
EOS
weir_expect 0 "second run, --detect-deletes" run "$spec" --parallel 2 --detect-deletes
tomb() { # JOB SQL-EXPR
    lake_sql "SELECT $2 AS k FROM lake ORDER BY 1" "$lake/$1__deletes/*.parquet" | tr -d '"{}' | tr '\n' ' '
}
is "$(tomb it_ddisc_orders "lpad(id::text, 3, '0')")" "k:003 k:017 k:050 " \
    "orders: one tombstone per deleted id (not the reinserted one)"
is "$(tomb it_ddisc_lines "order_no || '/' || line")" "k:o0/1 k:o9/3 " \
    "lines: tombstones for the deleted composite keys"
is "$(tomb it_ddisc_events "id")" "k:1 k:30 " "events: tombstones of an identity log"
current() { # JOB: the current state's SQL without comments and the final ';'
    "$WEIR" sql current "$spec" --job "$1" | grep -v '^--' | sed '$ s/;$//'
}
for t in orders lines events; do
    lake_sql "COPY ($(current "it_ddisc_$t")) TO '$WEIR_TEST_TMP/cur-$t.parquet' (FORMAT parquet)" >/dev/null
done
COMPARE_NAME="orders: current state (DuckDB) = the table" \
    compare_db_lake "SELECT * FROM $S.orders" "$WEIR_TEST_TMP/cur-orders.parquet" --key id
COMPARE_NAME="lines: current state (DuckDB) = the table" \
    compare_db_lake "SELECT * FROM $S.lines" "$WEIR_TEST_TMP/cur-lines.parquet" --key order_no,line
COMPARE_NAME="events: current state (DuckDB) = the table" \
    compare_db_lake "SELECT * FROM $S.events" "$WEIR_TEST_TMP/cur-events.parquet" --key id

weir_expect 0 "discover without --deletes" "${discover[@]}"
is "$(deletes_keys "$WEIR_OUT" | tr '\n' ';')" \
    "it_ddisc_dim -;it_ddisc_events -;it_ddisc_lines -;it_ddisc_nokey -;it_ddisc_orders -;" \
    "without --deletes no job has deletes"
like "$(grep -A6 'name: it_ddisc_lines' "$WEIR_OUT")" '    # deletes: \{key: \["order_no", "line"\]\}' \
    "the line is there, commented out"
sed -i 's/^    # deletes: {key:/    deletes: {key:/' "$WEIR_OUT"
is "$(deletes_keys "$WEIR_OUT" | tr '\n' ';')" \
    "it_ddisc_dim -;it_ddisc_events id;it_ddisc_lines order_no,line;it_ddisc_nokey -;it_ddisc_orders id;" \
    "removing the '#' gives the same keys as --deletes"
weir_expect 0 "the uncommented spec passes weir check" check "$WEIR_OUT"

weir_expect 0 "--deletes with an s3:// state" discover --driver postgres \
    --connection "$conn" --include "$S.*" --target "file://$lake" --state s3://bucket/state/ --deletes
is "$(deletes_keys "$WEIR_OUT" | tr '\n' ';')" \
    "it_ddisc_dim -;it_ddisc_events id;it_ddisc_lines order_no,line;it_ddisc_nokey -;it_ddisc_orders id;" \
    "s3:// state: the same deletes keys (the key files go to S3)"
like "$(grep -A1 '^state:' "$WEIR_OUT")" 'location: "s3://bucket/state/"' "the spec's state is on S3"

pg "DROP SCHEMA $S CASCADE" >/dev/null
done_testing
