#!/usr/bin/env bash
# Key sweeps through the ODBC source: MariaDB (Connector/ODBC) with a
# composite text key, and PostgreSQL through psqlODBC. Deletes, an update,
# an insert and a delete-then-reinsert between runs; the tombstones are
# exactly the deleted keys, and the current state that `weir sql current`
# rebuilds with DuckDB equals the table (value by value for PostgreSQL, key
# and text for MariaDB). `deletes: {}` takes the primary key from
# SQLPrimaryKeys: MariaDB (database.table), psqlODBC (a composite key whose
# order is not the columns' order) and SQLite, whose table without a
# primary key is 78 with a hint.
. "$(dirname "$0")/lib.sh"
require_pg
require_weir
[ -f "$WEIR_PLUGIN_PATH/weir_source_odbc.so" ] || skip_all "the odbc plugin is not built"
eval "$("$WEIR_SRCDIR/scripts/odbc-setup" "$WEIR_TEST_TMP/odbc")"
MYPORT=${WEIR_TEST_MYPORT:-53306}
my() { mariadb --no-defaults -h 127.0.0.1 -P "$MYPORT" -u weir -pweir weir_test "$@"; }
my -e 'SELECT 1' >/dev/null 2>&1 || skip_all "MariaDB on 127.0.0.1:$MYPORT is not reachable (scripts/services start mariadb)"

T=it_odel
lake=$WEIR_TEST_TMP/lake
spec=$WEIR_TEST_TMP/odbc.yaml
my <<EOS
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (region varchar(16) NOT NULL, id int NOT NULL, updated_at datetime(6) NOT NULL,
                 note text, PRIMARY KEY (region, id));
INSERT INTO $T SELECT r.region, s.seq, NOW(6), CONCAT('row ', s.seq)
FROM (SELECT 'eu' AS region UNION ALL SELECT 'us' UNION ALL SELECT 'ü') r,
     (SELECT seq FROM seq_1_to_40) s;
EOS
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, amount numeric(10,2), note text);
INSERT INTO $T SELECT g, now(), g * 0.5, 'n' || g FROM generate_series(1, 60) g;
DROP TABLE IF EXISTS ${T}c;
CREATE TABLE ${T}c (b text, a int, updated_at timestamptz NOT NULL, PRIMARY KEY (a, b));
INSERT INTO ${T}c SELECT 'k' || (g % 3), g / 3, now() FROM generate_series(0, 29) g;
EOS
odbc_spec() { # FILE CONNECTION JOB-YAML
    cat >"$1" <<EOS
version: 1
source:
  driver: odbc
  connection: "$2"
  user: weir
  password: \${env:PGPASSWORD}
target:
  location: file://$lake
state:
  location: file://$lake.state
jobs:
$3
EOS
}
odbc_spec "$spec" "DSN=weir_mariadb;" "  - name: my
    table: $T
    watermark: {columns: [updated_at]}
    deletes: {key: [region, id]}
  - name: mypk
    table: weir_test.$T
    watermark: {columns: [updated_at]}
    deletes: {}"
odbc_spec "$spec.pg" "DSN=weir_pg;UseDeclareFetch=1;Fetch=1000;" "  - name: pgo
    table: public.$T
    watermark: {columns: [updated_at, id]}
    deletes: {key: [id]}
  - name: pgpk
    table: public.${T}c
    watermark: {columns: [updated_at]}
    deletes: {}"

current_sql() { # SPEC JOB: the current state's SQL, without comments and the final ';'
    "$WEIR" sql current "$1" --job "$2" | grep -v '^--' | sed '$ s/;$//'
}

weir_expect 0 "mariadb: first run" run "$spec"
weir_expect 0 "psqlodbc: first run" run "$spec.pg"
sleep 1
my <<EOS
DELETE FROM $T WHERE (region = 'ü' AND id IN (3, 4)) OR (region = 'eu' AND id = 40);
UPDATE $T SET note = 'changed', updated_at = NOW(6) WHERE region = 'us' AND id = 1;
DELETE FROM $T WHERE region = 'us' AND id = 2;
INSERT INTO $T VALUES ('us', 2, NOW(6), 'back'), ('eu', 41, NOW(6), 'new');
EOS
pg >/dev/null <<EOS
DELETE FROM $T WHERE id IN (7, 8, 60);
UPDATE $T SET amount = -1, updated_at = now() WHERE id = 9;
DELETE FROM $T WHERE id = 10;
INSERT INTO $T VALUES (10, now(), 10, 'back'), (61, now(), 61, 'new');
DELETE FROM ${T}c WHERE (a, b) IN ((0, 'k1'), (9, 'k0'), (9, 'k2'));
EOS
weir_expect 0 "mariadb: second run" run "$spec"
ok "mariadb: deletes: {} logs the primary key (region, id)" log_has "$WEIR_ERR" key "region, id"
weir_expect 0 "psqlodbc: second run" run "$spec.pg"
ok "psqlodbc: deletes: {} logs the primary key in key order (a, b)" log_has "$WEIR_ERR" key "a, b"
is "$(lake_sql "SELECT region || '/' || id AS k FROM lake ORDER BY 1" "$lake/my__deletes/*.parquet" | tr -d '"{}' | tr '\n' ' ')" \
    "k:eu/40 k:ü/3 k:ü/4 " "mariadb: tombstones for the deleted composite keys only"
is "$(lake_sql "SELECT id FROM lake ORDER BY 1" "$lake/pgo__deletes/*.parquet" | tr -d '"{}' | tr '\n' ' ')" \
    "id:7 id:8 id:60 " "psqlodbc: tombstones for the deleted keys only"
is "$(lake_sql "SELECT region || '/' || id AS k FROM lake ORDER BY 1" "$lake/mypk__deletes/*.parquet" | tr -d '"{}' | tr '\n' ' ')" \
    "k:eu/40 k:ü/3 k:ü/4 " "mariadb, deletes: {} (SQLPrimaryKeys of database.table): the same tombstones"
is "$(lake_sql "SELECT a || '/' || b AS k FROM lake ORDER BY a, b" "$lake/pgpk__deletes/*.parquet" | tr -d '"{}' | tr '\n' ' ')" \
    "k:0/k1 k:9/k0 k:9/k2 " "psqlodbc, deletes: {} (composite primary key a, b): tombstones for the deleted keys"
lake_sql "COPY ($(current_sql "$spec.pg" pgpk)) TO '$WEIR_TEST_TMP/curc.parquet' (FORMAT parquet)" >/dev/null
COMPARE_NAME="psqlodbc, deletes: {}: current state (DuckDB) = the table" \
    compare_db_lake "SELECT * FROM ${T}c" "$WEIR_TEST_TMP/curc.parquet" --key a,b

# SQLite: sqliteodbc reports a declared PRIMARY KEY (numbering a composite
# one's columns in table order); a table without one is 78 with the hint
db=$WEIR_TEST_TMP/odbc/weir_test.sqlite
sqlite3 "$db" <<'EOQ'
DROP TABLE IF EXISTS sk;
DROP TABLE IF EXISTS nk;
CREATE TABLE sk (id integer PRIMARY KEY, updated_at text NOT NULL, note text);
INSERT INTO sk VALUES (1, '2026-01-01 00:00:00', 'a'), (2, '2026-01-01 00:00:00', 'b'), (3, '2026-01-01 00:00:00', 'c');
CREATE TABLE nk (id int, updated_at text NOT NULL);
INSERT INTO nk VALUES (1, '2026-01-01 00:00:00');
EOQ
odbc_spec "$spec.sq" "DSN=weir_sqlite;" "  - name: sk
    table: sk
    watermark: {columns: [updated_at]}
    deletes: {}"
sed -i -e "s|$lake.state|$lake.sq-state|" -e '/^  user:/d' -e '/^  password:/d' "$spec.sq"
weir_expect 0 "sqlite: first run, deletes: {}" run "$spec.sq"
sqlite3 "$db" "DELETE FROM sk WHERE id = 2"
weir_expect 0 "sqlite: second run" run "$spec.sq"
ok "sqlite: deletes: {} logs the primary key (id)" log_has "$WEIR_ERR" key "id"
is "$(lake_sql "SELECT id FROM lake" "$lake/sk__deletes/*.parquet" | tr -d '"{}' | tr '\n' ' ')" \
    "id:2 " "sqlite, deletes: {}: the primary key from sqliteodbc; one tombstone"
sed -e 's/table: sk/table: nk/' -e 's/name: sk/name: nk/' "$spec.sq" >"$spec.nk"
weir_expect 78 "sqlite: a table without a primary key and no key: exit 78" run "$spec.nk"
like "$(cat "$WEIR_ERR")" 'no key: nk has no primary key' "sqlite: the message says the table has no primary key"
like "$(cat "$WEIR_ERR")" 'deletes: \{key: \[id\]\}' "sqlite: the hint says to name the key"

lake_sql "SELECT region, id, note FROM ($(current_sql "$spec" my)) ORDER BY region, id" | tr -d '{}' >"$WEIR_TEST_TMP/cur.txt"
my -N -B -e "SELECT CONCAT('\"region\":\"', region, '\",\"id\":\"', id, '\",\"note\":\"', note, '\"') FROM $T
             ORDER BY region COLLATE utf8mb4_bin, id" >"$WEIR_TEST_TMP/db.txt"
is "$(wc -l <"$WEIR_TEST_TMP/db.txt")" 118 "mariadb: 120 rows - 3 deleted + 1 new"
if cmp -s "$WEIR_TEST_TMP/cur.txt" "$WEIR_TEST_TMP/db.txt"; then pass "mariadb: current state (DuckDB) = the table"
else not_ok "mariadb: current state (DuckDB) = the table" "$(diff "$WEIR_TEST_TMP/cur.txt" "$WEIR_TEST_TMP/db.txt" | head -n 6)"; fi
lake_sql "COPY ($(current_sql "$spec.pg" pgo)) TO '$WEIR_TEST_TMP/cur.parquet' (FORMAT parquet)" >/dev/null
COMPARE_NAME="psqlodbc: current state (DuckDB) = the table" \
    compare_db_lake "SELECT * FROM $T" "$WEIR_TEST_TMP/cur.parquet" --key id

my -e "INSERT INTO $T VALUES ('eu', 1, NOW(6), 'duplicate id in another region')" 2>/dev/null
sed -e 's/key: \[region, id\]/key: [id]/' -e "s|$lake.state|$lake.dup-state|" "$spec" >"$spec.dup"
weir_expect 65 "mariadb: a key that is not unique: exit 65" run "$spec.dup" --detect-deletes
like "$(cat "$WEIR_ERR")" 'deletes.key \(id\) is not unique in the source: id=1 appears more than once' \
    "mariadb: the message names the key and a duplicate"

my -e "DROP TABLE $T"
pg "DROP TABLE $T; DROP TABLE ${T}c" >/dev/null
done_testing
