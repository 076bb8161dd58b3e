#!/usr/bin/env bash
# Partitioned runs on S3 (the AWS fake in front of s3rver, every signature
# checked): 30 day folders from rows in no order, under a small memory
# budget and file_size, so objects are completed while others are still
# open. A SIGKILL in the middle, then the rerun: it removes the killed run's
# objects with one listing (by run id), and afterwards the objects under the
# job are exactly the committed run's files (none orphaned), no multipart
# upload is left open, and every row is there once, in its own day's folder.
# The files still open at the end are ended eight at a time, each thread
# with its own HTTP client (the sink's fan-out). Then 24 value folders whose
# row groups fill parts of 64 KiB while the encoder threads write them: the
# parts go up through the encoders' own clients during the scan.
. "$(dirname "$0")/lib.sh"
require_pg
require_weir

require_s3_fake

T=it_partitioned_s3
run=ps3$$-$RANDOM
spec=$WEIR_TEST_TMP/s3.yaml
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (id bigint PRIMARY KEY, ship_date date, note text);
INSERT INTO $T SELECT g, date '2024-01-01' + (g * 7919 % 30)::int, repeat(md5(g::text), 2)
FROM generate_series(1::bigint, 30000) g;
CREATE OR REPLACE FUNCTION it_partitioned_s3_nap(id bigint) RETURNS boolean LANGUAGE sql AS
\$\$ SELECT CASE WHEN id % 3000 = 0 THEN pg_sleep(0.4) IS NOT NULL ELSE true END \$\$;
EOS
{ spec_header /unused zstd | sed -e "s|location: file:///unused.state|location: file://$WEIR_TEST_TMP/state|" \
    -e "s|location: file:///unused|location: s3://weir-test/$run/lake/\n  file_size: 16KiB\n  memory_budget: 1MiB|" \
    -e 's|^\(  password: .*\)$|\1\n  options:\n    batch_rows: 1000|'
  cat <<EOS
jobs:
  - name: days
    table: public.$T
    filter: it_partitioned_s3_nap(id)
    watermark:
      columns: [id]
    partition_by: {column: ship_date, granularity: day}
EOS
} | write_spec "$spec"

objects() { "$tool" list "s3://weir-test/$run/lake/" "days/" | LC_ALL=C sort; }
open_uploads() { admin GET uploads | /usr/bin/python3 -c '
import json, sys
print(len([u for u in json.load(sys.stdin) if u["Key"].startswith(sys.argv[1])]))' "$run/lake/days/"; }

"$WEIR" run "$spec" >"$WEIR_TEST_TMP/kill.out" 2>"$WEIR_TEST_TMP/kill.err" </dev/null &
wpid=$!
for _ in $(seq 1 600); do
    [ "$(objects | wc -l)" -ge 20 ] && break
    kill -0 $wpid 2>/dev/null || break
    sleep 0.05
done
kill -KILL $wpid 2>/dev/null
wait $wpid 2>/dev/null
before=$(objects | wc -l)
[ "$before" -ge 20 ] && pass "killed mid-run with $before objects committed" ||
    not_ok "killed mid-run with objects committed" "$before objects; $(tail -n 3 "$WEIR_TEST_TMP/kill.err")"
sleep 5 # the killed run's 3 s lease expires: whole seconds, renewed up to 1 s before the kill
weir_expect 0 "the rerun after the SIGKILL" run "$spec"
like "$(cat "$WEIR_ERR")" '"event":"run_files_removed".*"files":[1-9]' \
    "the rerun removed the killed run's objects by their run id"
unlike "$(cat "$WEIR_ERR")" '"event":"sink_serial"' \
    "the rerun ended its open objects on several threads (HeadBucket through the fake answered)"
/usr/bin/python3 -c '
import json, sys
for f in sorted(json.load(open(sys.argv[1]))["history"][-1]["files"]):
    print(f)' "$WEIR_TEST_TMP/state/days.json" | LC_ALL=C sort >"$WEIR_TEST_TMP/listed"
objects >"$WEIR_TEST_TMP/in_s3"
if [ -s "$WEIR_TEST_TMP/listed" ] && cmp -s "$WEIR_TEST_TMP/listed" "$WEIR_TEST_TMP/in_s3"; then
    pass "no orphan: the objects are exactly the committed run's ($(wc -l <"$WEIR_TEST_TMP/in_s3"))"
else
    not_ok "no orphan: the objects are exactly the committed run's" \
        "$(diff "$WEIR_TEST_TMP/listed" "$WEIR_TEST_TMP/in_s3" | head -n 5)"
fi
is "$(open_uploads)" 0 "no multipart upload left open under the job"
dl=$WEIR_TEST_TMP/dl
ok "download the lake objects" s3_download weir-test "$run/lake/" "$dl"
COMPARE_NAME="after SIGKILL and a rerun on S3: every row exactly once" \
    compare_db_lake "SELECT * FROM $T" "$dl/days/**/*.parquet" --key id
is "$(lake_sql "SELECT count(*) AS bad FROM read_parquet('$dl/days/**/*.parquet', hive_partitioning = false, filename = true)
                WHERE coalesce(strftime(ship_date, '%Y-%m-%d'), '') <> regexp_extract(filename, '/ship_date=([^/]+)/', 1)" \
    "$dl/days/**/*.parquet")" '{"bad":"0"}' "each row is in its own day's folder"
n=$(find "$dl/days" -mindepth 1 -maxdepth 1 -type d | wc -l | tr -d ' ')
is "$n" 30 "30 day folders"

# --- parts sent by the encoders ----------------------------------------------
# 24 value folders from rows in no order, batches of 2,000 rows (every batch
# touches all 24: the encoder threads write), row groups of 64 KiB and parts
# of 64 KiB (WEIR_S3_PART_SIZE), no compression: row groups fill parts while
# the rows are encoded, so the encoders send parts through their own
# clients during the scan; every part signed, every upload completed
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS ${T}_parts;
CREATE TABLE ${T}_parts AS
SELECT g AS id, 'r' || lpad((g * 7919 % 24)::text, 2, '0') AS region,
       md5(g::text) || md5((g * 3)::text) || md5((g * 7)::text) || md5((g * 11)::text) AS pad
FROM generate_series(1::bigint, 40000) g;
EOS
pspec=$WEIR_TEST_TMP/parts.yaml
{ spec_header /unused none | sed -e "s|location: file:///unused.state|location: file://$WEIR_TEST_TMP/pstate|" \
    -e "s|location: file:///unused|location: s3://weir-test/$run/parts/\n  row_group_size: 64KiB|" \
    -e 's|^\(  password: .*\)$|\1\n  options:\n    batch_rows: 2000|'
  cat <<EOS
jobs:
  - name: regions
    table: public.${T}_parts
    mode: full
    partition_by: {column: region, granularity: value}
EOS
} | write_spec "$pspec"
WEIR_S3_PART_SIZE=1KiB weir_expect 78 "a part size below 64KiB: exit 78" run "$pspec"
like "$(cat "$WEIR_ERR")" 'WEIR_S3_PART_SIZE: \\"1KiB\\" is not a part size from 64KiB to 5GiB' \
    "the message names the variable and the range"
admin DELETE requests >/dev/null
WEIR_S3_PART_SIZE=64KiB weir_expect 0 "24 value folders with 64 KiB parts" run "$pspec"
parts=$(admin GET requests | /usr/bin/python3 -c '
import json, sys
pre = "/weir-test/" + sys.argv[1] + "/parts/"
ops = [r for r in json.load(sys.stdin) if r.get("path", "").startswith(pre)]
up = [r for r in ops if r.get("s3_operation") == "UploadPart"]
done = [r for r in ops if r.get("s3_operation") == "CompleteMultipartUpload"]
bad = [r for r in ops if r.get("signature") != "ok" or r.get("status", 0) >= 300]
print(len(up), len(done), len(bad))' "$run")
read -r n_up n_done n_bad <<<"$parts"
[ "${n_up:-0}" -ge 72 ] && [ "${n_done:-0}" -eq 24 ] && [ "${n_bad:-1}" -eq 0 ] &&
    pass "24 multipart uploads completed ($n_up parts), every request signed and answered" ||
    not_ok "24 multipart uploads of several parts each" "parts '$parts' (uploads, completes, bad)"
is "$(admin GET uploads | /usr/bin/python3 -c '
import json, sys
print(len([u for u in json.load(sys.stdin) if u["Key"].startswith(sys.argv[1])]))' "$run/parts/")" 0 \
    "no multipart upload left open"
ok "download the parts lake" s3_download weir-test "$run/parts/" "$WEIR_TEST_TMP/pdl"
COMPARE_NAME="parts sent by the encoders: every row exactly once" \
    compare_db_lake "SELECT * FROM ${T}_parts" "$WEIR_TEST_TMP/pdl/regions/**/*.parquet" --key id
is "$(lake_sql "SELECT count(*) AS bad FROM read_parquet('$WEIR_TEST_TMP/pdl/regions/**/*.parquet', hive_partitioning = false, filename = true)
                WHERE region <> regexp_extract(filename, '/region=([^/]+)/', 1)" \
    "$WEIR_TEST_TMP/pdl/regions/**/*.parquet")" '{"bad":"0"}' "each row is in its own region's folder"

pg "DROP TABLE $T; DROP TABLE ${T}_parts; DROP FUNCTION it_partitioned_s3_nap(bigint)" >/dev/null
done_testing
