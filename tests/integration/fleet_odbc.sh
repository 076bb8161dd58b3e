#!/usr/bin/env bash
# weir discover through ODBC: MariaDB (Connector/ODBC) and SQLite
# (sqliteodbc). Generated tables with a change time and a key (some
# composite), auto-increment logs, tables without a key, a mixed-case name
# → discover → check → run --parallel → every table's count compared with
# DuckDB's count of its lake folder; a second round after inserts; a
# no-change round emits one EMF record per job.
. "$(dirname "$0")/lib.sh"
require_weir
command -v mariadb >/dev/null || skip_all "the mariadb client is not installed"
eval "$("$WEIR_SRCDIR/scripts/odbc-setup" "$WEIR_TEST_TMP/odbc")"
MYPORT=${WEIR_TEST_MYPORT:-53306}
export MYPW=weir
my() { mariadb --no-defaults -h 127.0.0.1 -P "$MYPORT" -u weir -p"$MYPW" weir_test "$@"; }
my -e 'SELECT 1' >/dev/null 2>&1 || skip_all "MariaDB not reachable on $MYPORT (scripts/services start mariadb)"

# discover SOURCE-LABEL CONNECTION [ARGS...] → $spec; jobs.tsv: job, table
discover_to() { # LABEL CONNECTION ARGS...
    local label=$1 conn=$2
    shift 2
    spec=$WEIR_TEST_TMP/$label.yaml lake=$WEIR_TEST_TMP/$label-lake
    weir_expect 0 "$label: discover" discover --driver odbc --connection "$conn" \
        --target "file://$lake" --state "file://$WEIR_TEST_TMP/$label-state" "$@"
    cp "$WEIR_OUT" "$spec"
    spec_jobs "$spec" >"$WEIR_TEST_TMP/$label.tsv"
    weir_expect 0 "$label: weir check accepts the discovered spec" check "$spec"
}

# COUNT-COMMAND LABEL NAME: per job, the database's count = DuckDB's
check_counts() {
    local count=$1 label=$2 name=$3 job table
    while IFS=$'\t' read -r job table _; do
        printf '%s %s\n' "$job" "$("$count" "$table")"
    done <"$WEIR_TEST_TMP/$label.tsv" | LC_ALL=C sort >"$WEIR_TEST_TMP/$label.counts.db"
    lake_job_counts "$lake" "$WEIR_TEST_TMP/$label.tsv" >"$WEIR_TEST_TMP/$label.counts.lake"
    if [ -s "$WEIR_TEST_TMP/$label.counts.db" ] &&
        diff "$WEIR_TEST_TMP/$label.counts.db" "$WEIR_TEST_TMP/$label.counts.lake" >/dev/null; then
        pass "$name: every table's count = DuckDB's ($(wc -l <"$WEIR_TEST_TMP/$label.counts.db") tables)"
    else
        not_ok "$name: every table's count = DuckDB's" \
            "$(diff "$WEIR_TEST_TMP/$label.counts.db" "$WEIR_TEST_TMP/$label.counts.lake" | head -n 20)"
    fi
}
emf_count() { grep -c '"_aws"' "$1"; }
rows_moved() { # LOG: jobs whose EMF record has Rows > 0, sorted, space-separated
    python3 - "$1" <<'EOP'
import json, sys
jobs = []
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if "_aws" in o and o["Rows"] > 0:
        jobs.append(o["job"])
print(" ".join(sorted(jobs)))
EOP
}

# --- MariaDB ----------------------------------------------------------------
{
    echo "DROP TABLE IF EXISTS it_fo_wide;"
    for i in $(seq 1 6); do
        echo "DROP TABLE IF EXISTS it_fo_orders_$i, it_fo_log_$i, it_fo_dim_$i;"
        if [ $((i % 2)) -eq 0 ]; then
            echo "CREATE TABLE it_fo_orders_$i (region varchar(8), id int, modified_at datetime(6) NOT NULL,"
            echo "  qty int, PRIMARY KEY (region, id));"
            echo "INSERT INTO it_fo_orders_$i SELECT CONCAT('r', seq % 3), seq, '2026-01-01' + INTERVAL seq % 5 HOUR, seq FROM seq_1_to_$((20 + i));"
        else
            echo "CREATE TABLE it_fo_orders_$i (id bigint PRIMARY KEY, updated_at datetime NOT NULL, note varchar(20));"
            echo "INSERT INTO it_fo_orders_$i SELECT seq, '2026-01-01' + INTERVAL seq MINUTE, CONCAT('n', seq) FROM seq_1_to_$((20 + i));"
        fi
        echo "CREATE TABLE it_fo_log_$i (id int AUTO_INCREMENT PRIMARY KEY, msg varchar(20));"
        echo "INSERT INTO it_fo_log_$i (msg) SELECT CONCAT('m', seq) FROM seq_1_to_$((5 * i));"
        echo "CREATE TABLE it_fo_dim_$i (code varchar(8), label varchar(20), updated_at datetime NULL);"
        echo "INSERT INTO it_fo_dim_$i (code, label) SELECT CONCAT('c', seq), 'l' FROM seq_1_to_$i;"
    done
    echo "CREATE TABLE it_fo_wide (\`Id\` int AUTO_INCREMENT PRIMARY KEY, \`LastUpdate\` date NOT NULL, amount decimal(30,4));"
    echo "INSERT INTO it_fo_wide (\`LastUpdate\`, amount) VALUES ('2026-01-01', 12345678901234567890.1234), ('2026-01-02', -1.5);"
} | my || { not_ok "create the MariaDB tables"; done_testing; }

discover_to mariadb "DSN=weir_mariadb" --user weir --password '${env:MYPW}' \
    --include 'weir_test.it_fo_*' --exclude 'weir_test.it_fo_dim_6'
is "$(wc -l <"$WEIR_TEST_TMP/mariadb.tsv")" 18 "mariadb: 18 jobs (6 + 6 + 5 + 1; dim_6 excluded)"
job_line() { awk -F'\t' -v j="$2" '$1 == j' "$WEIR_TEST_TMP/$1.tsv"; }
like "$(job_line mariadb weir_test_it_fo_orders_1)" $'\tweir_test.it_fo_orders_1\tincremental\tupdated_at,id\t$' \
    "mariadb: change time tupled with the key"
like "$(job_line mariadb weir_test_it_fo_orders_2)" $'\tincremental\tmodified_at,region,id\t$' \
    "mariadb: composite key in key order"
like "$(job_line mariadb weir_test_it_fo_log_1)" $'\tincremental\tid\t$' "mariadb: AUTO_INCREMENT key"
like "$(job_line mariadb weir_test_it_fo_dim_1)" $'\tfull\t\t$' "mariadb: no key, nullable change time: full"
like "$(job_line mariadb weir_test_it_fo_wide)" $'\tincremental\tLastUpdate,Id\t$' "mariadb: a date change time"
my_count() { my -N -e "SELECT COUNT(*) FROM $1"; }
weir_expect 0 "mariadb: first round, --parallel 3" run "$spec" --parallel 3
check_counts my_count mariadb "mariadb first round"
is "$(emf_count "$WEIR_ERR")" 18 "mariadb: one EMF record per job"
my -e "INSERT INTO it_fo_orders_1 VALUES (1001, '2026-02-01', 'late');
       INSERT INTO it_fo_log_4 (msg) VALUES ('late');"
weir_expect 0 "mariadb: second round" run "$spec" --parallel 4
check_counts my_count mariadb "mariadb second round"
is "$(rows_moved "$WEIR_ERR" | tr ' ' '\n' | grep -v _dim_ | tr '\n' ' ')" \
    "weir_test_it_fo_log_4 weir_test_it_fo_orders_1 " "mariadb: only the changed tables moved (and full reloads)"
weir_expect 0 "mariadb: no-change round" run "$spec" --parallel 2
is "$(emf_count "$WEIR_ERR")" 18 "mariadb: no-change round still emits one EMF record per job"
is "$(rows_moved "$WEIR_ERR" | tr ' ' '\n' | grep -cv -e _dim_ -e '^$')" 0 "mariadb: no-change round moved nothing"

# --- SQLite -----------------------------------------------------------------
db=$WEIR_TEST_TMP/odbc/weir_test.sqlite
rm -f "$db"
sqlite3 "$db" <<'EOS' || not_ok "create the SQLite tables"
CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT, updated_at TIMESTAMP NOT NULL, note TEXT);
INSERT INTO orders (updated_at, note) VALUES ('2026-01-01 00:00:00', 'a'), ('2026-01-02 00:00:00', 'b');
CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT);
INSERT INTO kv VALUES ('a', 'b'), ('c', 'd'), ('e', 'f');
CREATE TABLE "Mixed Case" ("Id" INTEGER NOT NULL, "Part" INTEGER NOT NULL, "Modified" TIMESTAMP NOT NULL,
  PRIMARY KEY ("Id", "Part"));
INSERT INTO "Mixed Case" VALUES (1, 1, '2026-01-01 10:00:00'), (1, 2, '2026-01-01 10:00:00');
CREATE VIEW v_orders AS SELECT * FROM orders;
EOS
discover_to sqlite "DSN=weir_sqlite"
is "$(cut -f1,2,3,4 "$WEIR_TEST_TMP/sqlite.tsv" | tr '\t' ' ' | tr '\n' ';')" \
    "mixed_case Mixed Case incremental Modified,Id,Part;kv kv full ;orders orders incremental updated_at,id;" \
    "sqlite: three tables, no view, no sqlite_sequence; watermarks"
sq_count() { sqlite3 "$db" "SELECT count(*) FROM \"$1\""; }
weir_expect 0 "sqlite: first round, --parallel 2" run "$spec" --parallel 2
check_counts sq_count sqlite "sqlite first round"
sqlite3 "$db" "INSERT INTO \"Mixed Case\" VALUES (2, 1, '2026-03-01 00:00:00');"
weir_expect 0 "sqlite: second round" run "$spec" --parallel 2
check_counts sq_count sqlite "sqlite second round"
is "$(rows_moved "$WEIR_ERR")" "kv mixed_case" "sqlite: the changed table moved (and the full reload)"

my -e "DROP TABLE IF EXISTS it_fo_wide; $(for i in $(seq 1 6); do printf 'DROP TABLE IF EXISTS it_fo_orders_%s, it_fo_log_%s, it_fo_dim_%s;' "$i" "$i" "$i"; done)"
done_testing
