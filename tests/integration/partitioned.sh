#!/usr/bin/env bash
# Partitioned runs at scale, on a local lake: a date column by day (rows in
# no order, 300 days), month and year, and the value of a low-cardinality
# text column (NULL and a '/' included), Parquet and ORC, under a memory
# budget small enough that partitions are flushed as row groups of their
# open files. Checked with independent readers: every row exactly once
# (DuckDB and hyparquet against PostgreSQL), each row in the folder of its
# own value (DuckDB's filename against the row's column), at most
# ceil(folder bytes / file_size) + 1 files per folder, files with several
# row groups; the ORC files through the test ORC reader. Then the
# max_partitions refusal (exit 78, the column and the count named, nothing
# visible), a value too long for a folder name (exit 65, never cut short),
# and a SIGKILL in the middle of a heavily partitioned run whose
# rerun leaves no temp file and no file that the state does not list.
# Before any run, `weir plan` on each: the distinct partitions estimated
# from pg_stats (not read from the table), the files and the warnings.
. "$(dirname "$0")/lib.sh"
require_pg
require_weir

T=it_partitioned
lake=$WEIR_TEST_TMP/lake
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (id bigint PRIMARY KEY, ship_date date, shipped_at timestamptz, region text,
                 amount numeric(12,2), note text);
INSERT INTO $T
SELECT g, date '2024-01-01' + (g * 7919 % 300)::int,
       timestamptz '2023-06-01 00:00:00+00' + (g * 104729 % 900) * interval '1 day' + g * interval '1 second',
       (ARRAY['north', 'south', 'east west', 'a/b', NULL])[1 + g % 5],
       (g * 37 % 100000) / 100.0, repeat(md5(g::text), 1 + (g % 3)::int)
FROM generate_series(1::bigint, 60000) g;
UPDATE $T SET ship_date = NULL WHERE id % 997 = 0;
ANALYZE $T;
EOS

# batches of 2,000 rows: the budget and file_size are checked between writes
batches='s|^\(  password: .*\)$|\1\n  options:\n    batch_rows: 2000|'
# spec NAME FORMAT PARTITION_BY [EXTRA_TARGET]
spec() {
    { spec_header "$lake/$1" zstd "$2" | sed -e "$batches" -e "s|^  compression: zstd|  compression: zstd\n  memory_budget: ${BUDGET:-256KiB}${4:+\n  $4}|"
      cat <<EOS
jobs:
  - name: $1
    table: public.$T
    mode: full
    partition_by: $3
EOS
    } | write_spec "$WEIR_TEST_TMP/$1.yaml"
}

# files_bounded DIR FILE_SIZE: every folder has at most ceil(bytes / FILE_SIZE) + 1 files
files_bounded() {
    find "$1" -type f ! -name '.*' -printf '%h %s\n' | awk -v fs="$2" '
        { n[$1]++; b[$1] += $2 }
        END { bad = 0; for (d in n) { lim = int((b[d] + fs - 1) / fs) + 1;
                                      if (n[d] > lim) { print d, n[d], lim; bad++ } }
              exit bad > 0 }'
}

# in_own_folder GLOB COLUMN EXPR: rows whose folder value differs from EXPR (over the row)
in_own_folder() {
    lake_sql "SELECT count(*) AS bad FROM read_parquet('$1', hive_partitioning = false, filename = true)
              WHERE coalesce($3, '__HIVE_DEFAULT_PARTITION__')
                    <> replace(regexp_extract(filename, '/$2=([^/]+)/', 1), '%2F', '/')" "$1"
}

# --- weir plan: distinct partitions from pg_stats, files, warnings ---------
# plan_number BRE: the first \(group\) of BRE in the output of the last plan
plan_number() { sed -n "s/.*$1.*/\1/p" "$WEIR_OUT" | head -n 1; }
# near GOT WANT TOLERANCE NAME: statistics are sampled, so estimates are within a margin
near() {
    [ -n "$1" ] && [ "$1" -ge $(($2 - $3)) ] && [ "$1" -le $(($2 + $3)) ] && pass "$4 (~$1)" ||
        not_ok "$4" "got '${1:-nothing}', want $2 +- $3" "$(cat "$WEIR_OUT")"
}
spec ship_day parquet "{column: ship_date, granularity: day}"
spec ship_month parquet "{column: shipped_at, granularity: month}"
spec ship_year parquet "{column: shipped_at, granularity: year}"
spec too_many parquet "{column: id, granularity: value, max_partitions: 500}"
weir_expect 0 "plan: day partitions of an unclustered date column" plan "$WEIR_TEST_TMP/ship_day.yaml"
# 300 days and the NULL folder: 301 partitions; ~10 MB of rows: 301 files well under 1 MiB
near "$(plan_number 'partitions: ~\([0-9]*\) by ship_date (day)')" 301 6 \
    "plan: the distinct days of ship_date from pg_stats, with the NULL folder"
near "$(plan_number 'expect: *~\([0-9]*\) files')" 301 6 "plan: the files to expect, one a day"
like "$(cat "$WEIR_OUT")" 'warning: +~[0-9]+ small files \(about [0-9.]+ KiB each\)' \
    "plan warns of many small files"
unlike "$(cat "$WEIR_OUT")" 'more than max_partitions' "plan: 301 days are within max_partitions"
weir_expect 0 "plan: month partitions of unique timestamps" plan "$WEIR_TEST_TMP/ship_month.yaml"
# every shipped_at differs (n_distinct -1): the statistics' range decides, 900 days ~ 30 months
near "$(plan_number 'partitions: ~\([0-9]*\) by shipped_at (month)')" 30 1 \
    "plan: the months of shipped_at from the range the statistics saw"
weir_expect 0 "plan: year partitions" plan "$WEIR_TEST_TMP/ship_year.yaml"
near "$(plan_number 'partitions: ~\([0-9]*\) by shipped_at (year)')" 3 0 "plan: 3 years"
unlike "$(cat "$WEIR_OUT")" 'warning' "plan: 3 files of megabytes get no warning"
weir_expect 0 "plan: a value partition per row" plan "$WEIR_TEST_TMP/too_many.yaml"
near "$(plan_number 'partitions: ~\([0-9]*\) by id (value)')" 60000 0 \
    "plan: a unique column (n_distinct -1) scaled by the window's rows"
like "$(cat "$WEIR_OUT")" 'warning: +~60000 partitions is more than max_partitions 500: the run would stop with exit 78' \
    "plan warns that the run would pass max_partitions"
{ spec_header "$lake/by_query"; cat <<EOS
jobs:
  - name: by_query
    query: SELECT id, ship_date FROM public.$T
    mode: full
    partition_by: {column: ship_date, granularity: day}
EOS
} | write_spec "$WEIR_TEST_TMP/by_query.yaml"
weir_expect 0 "plan: a partitioned query job" plan "$WEIR_TEST_TMP/by_query.yaml"
like "$(cat "$WEIR_OUT")" 'partitions: unknown \(a query job' "plan: no statistics for a query, said so"

# --- Parquet: day (unclustered), month, year, value ------------------------
for c in "ship_day|ship_date|day|strftime(ship_date, '%Y-%m-%d')|301" \
         "ship_month|shipped_at|month|strftime(shipped_at AT TIME ZONE 'UTC', '%Y-%m')|30" \
         "ship_year|shipped_at|year|strftime(shipped_at AT TIME ZONE 'UTC', '%Y')|3" \
         "by_region|region|value|region|5"; do
    IFS='|' read -r name col gran expr folders <<<"$c"
    spec "$name" parquet "{column: $col, granularity: $gran}"
    weir_expect 0 "$name: partitioned run ($col by $gran)" run "$WEIR_TEST_TMP/$name.yaml"
    [ "$name" = ship_month ] && month_log=$(cat "$WEIR_ERR")
    COMPARE_NAME="$name: every row exactly once" \
        compare_db_lake "SELECT * FROM $T" "$lake/$name/**/*.parquet" --key id
    is "$(in_own_folder "$lake/$name/**/*.parquet" "$col" "$expr")" '{"bad":"0"}' \
        "$name: each row is in the folder of its own $col"
    is "$(find "$lake/$name" -mindepth 2 -type d | wc -l | tr -d ' ')" "$folders" \
        "$name: $folders folders"
    ok "$name: files per folder within ceil(bytes / file_size) + 1" files_bounded "$lake/$name" 1073741824
    like "$(find "$lake/$name" -type f -name '.*')" '^$' "$name: no temp file left"
done
# the budget (256 KiB for 60,000 rows of ~150 bytes) made row groups of open files
rg=$(lake_sql "SELECT max(n) AS n FROM (SELECT file_name, count(DISTINCT row_group_id) AS n
               FROM parquet_metadata('$lake/ship_month/**/*.parquet') GROUP BY file_name)" \
     "$lake/ship_month/**/*.parquet" | sed -n 's/.*"n":"\([0-9]*\)".*/\1/p')
[ "${rg:-0}" -ge 2 ] && pass "the memory budget flushed row groups into open files (up to $rg a file)" ||
    not_ok "the memory budget flushed row groups into open files" "row groups: ${rg:-none}"
like "$month_log" 'memory_budget_flushes' "the log reports the budget flushes"

# compaction: the 301 unclustered days under a budget that holds their rows
# compressed but not raw: reliefs compress each partition's rows in memory
# (Parquet pages of its open row group) instead of writing row groups, so a
# file is one row group of several pages (a partition that got no rows for
# two batches, the NULL folder, may be written early: 2); the rows exact, in
# their folders
BUDGET=12MiB spec ship_day_packed parquet "{column: ship_date, granularity: day}"
weir_expect 0 "unclustered days under a 12 MiB budget" run "$WEIR_TEST_TMP/ship_day_packed.yaml"
like "$(cat "$WEIR_ERR")" '"memory_budget_compactions".*times a partition.s rows were compressed in memory' \
    "the reliefs compressed the partitions' rows in memory (logged)"
unlike "$(cat "$WEIR_ERR")" 'memory_budget_small' "no warning"
COMPARE_NAME="ship_day_packed: every row exactly once" \
    compare_db_lake "SELECT * FROM $T" "$lake/ship_day_packed/**/*.parquet" --key id
is "$(in_own_folder "$lake/ship_day_packed/**/*.parquet" ship_date "strftime(ship_date, '%Y-%m-%d')")" \
    '{"bad":"0"}' "ship_day_packed: each row is in the folder of its own ship_date"
is "$(lake_sql "SELECT count(*) AS f, count(*) FILTER (WHERE n = 1) > 290 AS most, max(n) <= 2 AS top
                FROM (SELECT file_name, count(DISTINCT row_group_id) AS n
                      FROM parquet_metadata('$lake/ship_day_packed/**/*.parquet') GROUP BY file_name)" \
     "$lake/ship_day_packed/**/*.parquet")" '{"f":"301","most":true,"top":true}' \
    "ship_day_packed: 301 files, nearly all of one row group, none of more than 2"

# file_size: a folder above it gets more files, within the bound
spec small_files parquet "{column: shipped_at, granularity: year}" "file_size: 256KiB"
weir_expect 0 "year partitions with file_size 256KiB" run "$WEIR_TEST_TMP/small_files.yaml"
n=$(find "$lake/small_files" -type f -name '*.parquet' | wc -l)
[ "$n" -gt 3 ] && pass "file_size rolls files over ($n files in 3 folders)" ||
    not_ok "file_size rolls files over" "$n files"
ok "small_files: files per folder within ceil(bytes / file_size) + 1" files_bounded "$lake/small_files" 262144
COMPARE_NAME="small_files: every row exactly once" \
    compare_db_lake "SELECT * FROM $T" "$lake/small_files/**/*.parquet" --key id

# --- clustered rows: partitions the rows left are flushed, views not copies --
# 150,000 rows in id order, 50,000 per partition (about 7 MB each compressed):
# batches of 2000 rows straddle two partitions (written as views of the
# batch); each partition is flushed as its row group when the rows move on
# (with the default 512 MiB budget), so the run holds about one partition
pg >/dev/null <<EOS
DROP TABLE IF EXISTS ${T}_clus;
CREATE TABLE ${T}_clus AS SELECT g AS id, 'p' || ((g - 1) / 50000) AS part,
  md5(g::text) || md5((g + 1)::text) || md5((g * 3)::text) || md5((g * 5)::text) ||
  md5((g * 7)::text) || md5((g * 11)::text) || md5((g * 13)::text) || md5((g * 17)::text) AS pad
  FROM generate_series(1, 150000) g;
EOS
{ spec_header "$lake/clus" zstd parquet | sed -e "$batches"; cat <<EOS
jobs:
  - name: clus
    query: SELECT id, part, pad FROM public.${T}_clus ORDER BY id
    mode: full
    partition_by: {column: part, granularity: value}
EOS
} | write_spec "$WEIR_TEST_TMP/clus.yaml"
weir_expect 0 "clustered: a run over 3 partitions in table order" run "$WEIR_TEST_TMP/clus.yaml"
like "$(cat "$WEIR_ERR")" '"partition_left_flushes".*2 row groups were written when the rows moved on' \
    "clustered: the two partitions the rows left were flushed early (logged)"
unlike "$(cat "$WEIR_ERR")" 'memory_budget_flushes' "clustered: no budget flush was needed"
COMPARE_NAME="clustered: every row exactly once" \
    compare_db_lake "SELECT * FROM ${T}_clus" "$lake/clus/**/*.parquet" --key id
is "$(in_own_folder "$lake/clus/**/*.parquet" part part)" '{"bad":"0"}' \
    "clustered: each row is in the folder of its own part"
is "$(find "$lake/clus" -type f -name '*.parquet' | wc -l | tr -d ' ')" 3 "clustered: one file a partition"

# --- max_open_files: 301 open files under a 64-descriptor ulimit -----------
# the day partitions again with at most 16 descriptors: the other files are
# parked (descriptor closed, file and rows kept) and reopened to append, so
# the run fits in `ulimit -n 64`, which 301 open descriptors would not, and
# the files stay one a folder
spec few_fds parquet "{column: ship_date, granularity: day}" "max_open_files: 16"
fds_err=$WEIR_TEST_TMP/few_fds.err
(ulimit -n 64 && exec "$WEIR" run "$WEIR_TEST_TMP/few_fds.yaml") >/dev/null 2>"$fds_err" </dev/null
rc=$?
is "$rc" 0 "301 partitions with max_open_files 16 under ulimit -n 64" ||
    diag "$(tail -n 5 "$fds_err")"
like "$(cat "$fds_err")" 'open_files_parked' "the log reports the parked descriptors"
peak=$(sed -n 's/.*(\([0-9]*\) files at most held one).*/\1/p' "$fds_err" | head -n 1)
[ -n "$peak" ] && [ "$peak" -le 17 ] && pass "at most 17 files held a descriptor at once ($peak)" ||
    not_ok "at most 17 files held a descriptor at once" "${peak:-no open_files_parked event}"
COMPARE_NAME="few_fds: every row exactly once" \
    compare_db_lake "SELECT * FROM $T" "$lake/few_fds/**/*.parquet" --key id
is "$(in_own_folder "$lake/few_fds/**/*.parquet" ship_date "strftime(ship_date, '%Y-%m-%d')")" \
    '{"bad":"0"}' "few_fds: each row is in the folder of its own ship_date"
is "$(find "$lake/few_fds" -type f -name '*.parquet' | wc -l | tr -d ' ')" 301 \
    "few_fds: one file a folder (parking ends no file)"
like "$(find "$lake/few_fds" -type f -name '.*')" '^$' "few_fds: no temp file left"

# --- ORC: day partitions, unclustered --------------------------------------
dump=$WEIR_BUILDDIR/tests/tools/orc_dump
[ -x "$dump" ] || make -C "$WEIR_BUILDDIR" tests/tools/orc_dump >/dev/null 2>&1
spec orc_day orc "{column: ship_date, granularity: day}"
weir_expect 0 "orc: day partitions" run "$WEIR_TEST_TMP/orc_day.yaml"
ok "orc: files per folder within ceil(bytes / file_size) + 1" files_bounded "$lake/orc_day" 1073741824
# each file read by the test ORC reader: rows, and column 2 (ship_date) is the folder's day
orc_check=$(find "$lake/orc_day" -type f -name '*.orc' | while read -r f; do
    day=$(basename "$(dirname "$f")"); day=${day#ship_date=}
    "$dump" "$f" 2>/dev/null | /usr/bin/python3 -c '
import datetime, json, sys
day = sys.argv[1]
n = bad = 0
for line in sys.stdin:
    row = json.loads(line)
    n += 1
    # the reader gives a date as days since 1970-01-01
    got = ("__HIVE_DEFAULT_PARTITION__" if row[1] is None else
           (datetime.date(1970, 1, 1) + datetime.timedelta(days=int(row[1]))).isoformat())
    bad += got != day
print(n, bad)' "$day"
done | awk '{ n += $1; bad += $2; f++ } END { print n, bad, f }')
read -r orc_rows orc_bad orc_files <<<"$orc_check"
is "$orc_rows" 60000 "orc: the test ORC reader reads every row once ($orc_files files)"
is "$orc_bad" 0 "orc: each row is in the folder of its own ship_date"
stripes=$(find "$lake/orc_day" -type f -name '*.orc' | head -n 50 | while read -r f; do
    "$dump" "$f" 2>&1 >/dev/null | sed -n 's/.* \([0-9]*\) stripes.*/\1/p'; done | sort -n | tail -n 1)
[ "${stripes:-0}" -ge 1 ] && pass "orc: files readable with stripes (up to $stripes a file)" ||
    not_ok "orc: files readable" "${stripes:-none}"

# --- max_partitions ----------------------------------------------------------
spec too_many parquet "{column: id, granularity: value, max_partitions: 500}"
weir_expect 78 "more partitions than max_partitions: exit 78" run "$WEIR_TEST_TMP/too_many.yaml"
like "$(cat "$WEIR_ERR")" 'partition column \\"?id\\"? has more than 500 distinct values' \
    "the message names the column and the limit"
like "$(cat "$WEIR_ERR")" '501 seen' "the message gives the count seen"
like "$(cat "$WEIR_ERR")" 'coarser granularity' "the hint suggests a coarser granularity"
is "$(find "$lake/too_many" -type f 2>/dev/null | wc -l | tr -d ' ')" 0 \
    "nothing of the refused run is left in the lake"

# --- long values: a folder name is at most 255 bytes, never cut -------------
# "label=" and 249 bytes (multibyte and escaped characters among them) is a
# folder of 255 bytes: written whole; one byte more stops the run with 65
# (two values that a cut makes equal would share a folder)
v249="$(printf 'é%.0s' $(seq 1 60))/$(printf 'x%.0s' $(seq 1 126))" # 120 + 3 + 126 bytes
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS ${T}_long;
CREATE TABLE ${T}_long (id int PRIMARY KEY, label text);
INSERT INTO ${T}_long VALUES (1, '$v249'), (2, 'short'), (3, '$v249');
EOS
long_spec() {
    { spec_header "$lake/$1"; cat <<EOS
jobs:
  - name: $1
    query: SELECT id, label $2 AS label FROM public.${T}_long
    mode: full
    partition_by: {column: label, granularity: value}
EOS
    } | write_spec "$WEIR_TEST_TMP/$1.yaml"
}
long_spec long_fits ""
weir_expect 0 "a 255-byte folder name: written" run "$WEIR_TEST_TMP/long_fits.yaml"
folder=$(find "$lake/long_fits" -mindepth 2 -type d -name 'label=é*')
is "$(basename "$folder" | wc -c | tr -d ' ')" 256 "its folder name is the whole 255 bytes"
is "$(basename "$folder")" "label=${v249/\//%2F}" "its folder name is the escaped value"
COMPARE_NAME="long_fits: every row exactly once" \
    compare_db_lake "SELECT * FROM ${T}_long" "$lake/long_fits/**/*.parquet" --key id
long_spec long_over "|| CASE WHEN id = 3 THEN 'z' ELSE '' END"
weir_expect 65 "a 256-byte folder name: exit 65" run "$WEIR_TEST_TMP/long_over.yaml"
like "$(cat "$WEIR_ERR")" 'partition column \\"label\\": a value gives the folder name \\"label=(é)+\.\.\.\\" of 256 bytes; a folder name has at most 255' \
    "the message names the column, the value's start and the length"
is "$(find "$lake/long_over" -type f -name '*.parquet' 2>/dev/null | wc -l | tr -d ' ')" 0 \
    "nothing of the stopped run is in the lake"

# --- SIGKILL in the middle of a heavily partitioned run ---------------------
# 301 day folders, the scan made slow by a filter that sleeps every 4,000
# rows; file_size small (24 KiB, a third of a day's ~60 KB, well clear of it) so
# that some files are committed before the kill
# while the others are still being written
pg >/dev/null <<EOS
SET client_min_messages = warning;
CREATE OR REPLACE FUNCTION it_partitioned_nap(id bigint) RETURNS boolean LANGUAGE sql AS
\$\$ SELECT CASE WHEN id % 4000 = 0 THEN pg_sleep(0.4) IS NOT NULL ELSE true END \$\$;
EOS
{ spec_header "$lake/killed" zstd parquet | sed -e "$batches" -e "s|^  compression: zstd|  compression: zstd\n  file_size: 24KiB\n  memory_budget: 1MiB|"
  cat <<EOS
jobs:
  - name: killed
    table: public.$T
    filter: it_partitioned_nap(id)
    watermark:
      columns: [id]
    partition_by: {column: ship_date, granularity: day}
EOS
} | write_spec "$WEIR_TEST_TMP/killed.yaml"
"$WEIR" run "$WEIR_TEST_TMP/killed.yaml" >"$WEIR_TEST_TMP/kill.out" 2>"$WEIR_TEST_TMP/kill.err" </dev/null &
wpid=$!
for _ in $(seq 1 600); do
    committed=$(find "$lake/killed" -type f -name 'part-*' 2>/dev/null | wc -l)
    temp=$(find "$lake/killed" -type f -name '.part-*' 2>/dev/null | wc -l)
    [ "$committed" -ge 1 ] && [ "$temp" -ge 50 ] && break
    kill -0 $wpid 2>/dev/null || break
    sleep 0.05
done
kill -KILL $wpid 2>/dev/null
wait $wpid 2>/dev/null
committed=$(find "$lake/killed" -type f -name 'part-*' | wc -l)
temp=$(find "$lake/killed" -type f -name '.part-*' | wc -l)
[ "$committed" -ge 1 ] && [ "$temp" -ge 50 ] &&
    pass "killed mid-run: $committed files committed, $temp being written" ||
    not_ok "killed mid-run with files committed and files being written" \
        "committed $committed, temp $temp; $(tail -n 3 "$WEIR_TEST_TMP/kill.err")"
sleep 5 # the killed run's 3 s lease expires: whole seconds, renewed up to 1 s before the kill
weir_expect 0 "the rerun after the SIGKILL" run "$WEIR_TEST_TMP/killed.yaml"
like "$(cat "$WEIR_ERR")" 'run_files_removed' "the rerun removed the killed run's files by their run id"
is "$(find "$lake/killed" -type f -name '.*' | wc -l | tr -d ' ')" 0 "no temp file left"
# every file on disk is one the committed run lists in the state, and back
/usr/bin/python3 - "$lake/killed.state/killed.json" >"$WEIR_TEST_TMP/listed" <<'EOP'
import json, sys
doc = json.load(open(sys.argv[1]))
for f in sorted(doc["history"][-1]["files"]):
    print(f)
EOP
(cd "$lake/killed" && find killed -type f | LC_ALL=C sort) >"$WEIR_TEST_TMP/on_disk"
LC_ALL=C sort -o "$WEIR_TEST_TMP/listed" "$WEIR_TEST_TMP/listed"
if cmp -s "$WEIR_TEST_TMP/listed" "$WEIR_TEST_TMP/on_disk"; then
    pass "no orphan: the files on disk are exactly the committed run's ($(wc -l <"$WEIR_TEST_TMP/on_disk"))"
else
    not_ok "no orphan: the files on disk are exactly the committed run's" \
        "$(diff "$WEIR_TEST_TMP/listed" "$WEIR_TEST_TMP/on_disk" | head -n 5)"
fi
COMPARE_NAME="after SIGKILL and a rerun: every row exactly once" \
    compare_db_lake "SELECT * FROM $T" "$lake/killed/**/*.parquet" --key id
is "$(in_own_folder "$lake/killed/**/*.parquet" ship_date "strftime(ship_date, '%Y-%m-%d')")" \
    '{"bad":"0"}' "after the rerun each row is in its own day's folder"

pg "DROP TABLE $T; DROP TABLE ${T}_clus; DROP FUNCTION it_partitioned_nap(bigint)" >/dev/null
done_testing
