#!/usr/bin/env bash
# Chunked reads end to end: `weir run` extracts a 1M-row MariaDB table whose
# primary key is (varchar under a case-insensitive collation, int) through
# Connector/ODBC 3.1 (which holds whole results in memory, so the plugin
# reads the window in key-ordered chunks inside the snapshot), and what
# DuckDB reads back from the Parquet files equals the table value by value
# (both sides as text, sorted). A second, incremental run after inserts,
# updates and deletes adds exactly the changed rows. The peak RSS of the
# run is printed next to one with `chunked: never`.
. "$(dirname "$0")/lib.sh"
require_weir
[ -f "$WEIR_PLUGIN_PATH/weir_source_odbc.so" ] || skip_all "the odbc plugin is not built"
eval "$("$WEIR_SRCDIR/scripts/odbc-setup" "$WEIR_TEST_TMP/odbc")"
MYPORT=${WEIR_TEST_MYPORT:-53306}
my() { mariadb --no-defaults -h 127.0.0.1 -P "$MYPORT" -u weir -pweir weir_test "$@"; }
my -e 'SELECT 1' >/dev/null 2>&1 || skip_all "MariaDB on 127.0.0.1:$MYPORT is not reachable (scripts/services start mariadb)"

T=it_ochunk
N=${WEIR_CHUNK_ROWS:-1000000}
lake=$WEIR_TEST_TMP/lake
spec=$WEIR_TEST_TMP/chunks.yaml
# 'eu'/'EU' and 'üb'/'Üb' are equal under utf8mb4_general_ci: the key's
# second column tells their rows apart; 'ap ' keeps its trailing blank
my <<EOS || { not_ok "create $T"; done_testing; }
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (region varchar(8) COLLATE utf8mb4_general_ci NOT NULL, id int NOT NULL,
                 ts datetime(6) NOT NULL, amount decimal(18,2), note varchar(40), flag bool,
                 PRIMARY KEY (region, id)) DEFAULT CHARSET utf8mb4;
INSERT INTO $T SELECT ELT(1 + seq % 7, 'eu', 'EU', 'us', 'üb', 'Üb', 'ap ', '日本'), seq,
  TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL seq % 1000 MICROSECOND,
  IF(seq % 11 = 0, NULL, seq * 1.25 - 500000), IF(seq % 13 = 0, NULL, CONCAT('n', MD5(seq))),
  seq % 3 = 0
FROM seq_1_to_$N;
EOS
cat >"$spec" <<EOS
version: 1
source:
  driver: odbc
  connection: "DSN=weir_mariadb;"
  user: weir
  password: \${env:PGPASSWORD}
target:
  location: file://$lake
state:
  location: file://$lake.state
jobs:
  - name: ch
    table: $T
    watermark: {columns: [ts]}
EOS
sed -e "s|file://$lake|file://$lake.never|g" \
    -e 's|^\(  password: .*\)$|\1\n  options:\n    chunked: never|' \
    "$spec" >"$spec.never"

# both sides as tab-separated text, sorted bytewise
my_rows() { # [WHERE ...]
    my -N -B -e "SELECT region, id, DATE_FORMAT(ts, '%Y-%m-%d %H:%i:%s.%f'),
        IFNULL(CAST(amount AS char), '<null>'), IFNULL(note, '<null>'), IFNULL(flag, '<null>')
        FROM $T ${1:-}"
}
my_dump() { my_rows | LC_ALL=C sort >"$1"; }
lake_dump() { # GLOB OUT
    lake_sql "COPY (SELECT region, id, strftime(ts, '%Y-%m-%d %H:%M:%S.%f'),
        COALESCE(CAST(amount AS VARCHAR), '<null>'), COALESCE(note, '<null>'),
        COALESCE(CAST(flag AS VARCHAR), '<null>') FROM lake)
        TO '$2.unsorted' (FORMAT csv, DELIMITER '\t', HEADER false, QUOTE '')" "$1" >/dev/null
    LC_ALL=C sort "$2.unsorted" >"$2"
}
same_dump() { # WANT GOT NAME
    if cmp -s "$1" "$2"; then
        pass "$3 ($(wc -l <"$2") rows)"
    else
        not_ok "$3" "$(wc -l <"$1") rows in MariaDB, $(wc -l <"$2") in the lake; first differences:" \
            "$(diff "$1" "$2" | head -n 8)"
    fi
}
peak_kb() { sed -n 's/^peak_kb=//p' "$1"; }
timed() { # RC NAME SPEC: weir_expect of `weir run SPEC` under /usr/bin/time (peak RSS into SPEC.time)
    local w=$WEIR
    WEIR=/usr/bin/time weir_expect "$1" "$2" -f peak_kb=%M -o "$3.time" "$w" run "$3"
}

timed 0 "first run: $N rows in chunks" "$spec"
like "$(grep -o '"event":"odbc_chunked"[^}]*' "$WEIR_ERR" | head -n 1)" \
    'ordered by its primary key \(region, \.\.\.\)' "the run logs odbc_chunked with the primary key"
unlike "$(cat "$WEIR_ERR")" 'odbc_driver_buffers' "no odbc_driver_buffers warning"
my_dump "$WEIR_TEST_TMP/my.tsv"
lake_dump "$lake/ch/*/*.parquet" "$WEIR_TEST_TMP/lake.tsv"
same_dump "$WEIR_TEST_TMP/my.tsv" "$WEIR_TEST_TMP/lake.tsv" \
    "DuckDB reads back the table value by value"

# an incremental run: only rows above the committed watermark, each once
sleep 1
my <<EOS
UPDATE $T SET ts = TIMESTAMP'2030-01-01 00:00:00.000001', note = 'changed' WHERE id IN (7, 700000 % ($N + 1));
INSERT INTO $T VALUES ('EU', $N + 1, '2030-01-01 00:00:00.000002', 1.5, 'new', 1),
                      ('eu', $N + 2, '2030-01-01 00:00:00.000002', NULL, 'new', 0);
EOS
weir_expect 0 "second run" run "$spec"
lake_dump "$lake/ch/*/*.parquet" "$WEIR_TEST_TMP/lake2.tsv"
my_dump "$WEIR_TEST_TMP/my2.tsv"
{ cat "$WEIR_TEST_TMP/my.tsv"; my_rows "WHERE ts >= '2030-01-01'"; } |
    LC_ALL=C sort >"$WEIR_TEST_TMP/want2.tsv"
same_dump "$WEIR_TEST_TMP/want2.tsv" "$WEIR_TEST_TMP/lake2.tsv" \
    "after the second run the lake holds the first snapshot plus the changed rows"

# the same extraction with one statement, for the memory figure
timed 0 "chunked: never: the same run with one statement" "$spec.never"
lake_dump "$lake.never/ch/*/*.parquet" "$WEIR_TEST_TMP/never.tsv"
same_dump "$WEIR_TEST_TMP/my2.tsv" "$WEIR_TEST_TMP/never.tsv" "chunked: never reads the same rows"
diag "peak RSS of weir run, $N rows: chunked $(peak_kb "$spec.time") KiB, one statement $(peak_kb "$spec.never.time") KiB"
my -e "DROP TABLE IF EXISTS $T"
done_testing
