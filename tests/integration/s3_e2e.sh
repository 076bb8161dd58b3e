#!/usr/bin/env bash
# End to end on S3: `weir run` from PostgreSQL with the lake at
# s3://weir-test/<run>/lake/ and the state at s3://weir-test/<run>/state/,
# through the AWS fake (every signature checked) to s3rver. The objects are
# downloaded with tests/tools/s3_tool and compared with the table through
# DuckDB and hyparquet; a second, incremental run adds only the new rows.
# Then a SIGTERM mid-upload (the upload aborted, nothing visible) and a
# SIGKILL mid-upload (the rerun aborts the upload the killed run left).
. "$(dirname "$0")/lib.sh"
require_pg
require_weir

require_s3_fake

T=it_s3e2e
run=e2e$$-$RANDOM
spec=$WEIR_TEST_TMP/s3.yaml
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (id bigint PRIMARY KEY, updated_at timestamptz, qty int, note text);
INSERT INTO $T SELECT g, TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * interval '1 second', g, 'row ' || g
FROM generate_series(1, 1000) g;
EOS
{ spec_header /unused zstd | sed -e "s|location: file:///unused.state|location: s3://weir-test/$run/state/|" \
    -e "s|location: file:///unused|location: s3://weir-test/$run/lake/|"; cat <<EOS
jobs:
  - name: s3job
    table: public.$T
    watermark:
      columns: [updated_at, id]
EOS
} | write_spec "$spec"

download() { s3_download weir-test "$run/lake/" "$1"; }

weir_expect 0 "weir run to s3://" run "$spec"
dl=$WEIR_TEST_TMP/dl
ok "download the lake objects" download "$dl"
n=$(lake_files "$dl" | wc -l)
[ "$n" -ge 1 ] && pass "parquet objects in the lake ($n)" || not_ok "parquet objects in the lake"
ok "state document in S3" "$tool" get weir-test "$run/state/s3job.json"
fails "no lease left after the run" "$tool" get weir-test "$run/state/s3job.lease"
is "$(lake_sql "SELECT count(*) AS n FROM lake" "$dl/**/*.parquet")" '{"n":"1000"}' "1000 rows"
COMPARE_NAME="s3 lake = source" compare_db_lake "SELECT * FROM $T" "$dl/**/*.parquet" --key id

pg "INSERT INTO $T SELECT g, now(), g, 'new ' || g FROM generate_series(1001, 1100) g" >/dev/null
weir_expect 0 "incremental run to s3://" run "$spec"
ok "download again" download "$dl"
COMPARE_NAME="after the increment: s3 lake = source" \
    compare_db_lake "SELECT * FROM $T" "$dl/**/*.parquet" --key id

# SIGTERM in the middle of a multipart upload: the upload is aborted, no
# object appears, the watermark stays, and the next run commits the rows
# wide_table NAME ROWS: 104 bytes of hex text a row, so a few 100k rows make
# files larger than one 8 MiB part
wide_table() {
    pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $1;
CREATE TABLE $1 (id bigint PRIMARY KEY, a text, b text);
INSERT INTO $1 SELECT g, md5(g::text) || md5((g + 7)::text), md5((g * 3)::text) FROM generate_series(1, $2) g;
EOS
}
T2=it_s3term
wide_table $T2 600000
spec2=$WEIR_TEST_TMP/s3term.yaml
sed -e "s/name: s3job/name: s3term/" -e "s/table: public.$T/table: public.$T2/" \
    -e "s/columns: \[updated_at, id\]/columns: [id]/" \
    -e "s/compression: zstd/compression: none\n  row_group_size: 1MiB\n  file_size: 12MiB/" "$spec" >"$spec2"
admin DELETE requests >/dev/null
# the first part takes 6 s: once CreateMultipartUpload is answered, the
# file's upload is certainly still open
admin POST faults '{"operation": "UploadPart", "kind": "slow", "delay": 6, "count": 1}' >/dev/null
"$WEIR" run "$spec2" >"$WEIR_TEST_TMP/term.out" 2>"$WEIR_TEST_TMP/term.err" </dev/null &
wpid=$!
uploads_seen() { admin GET requests | /usr/bin/python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if e.get("s3_operation") == "CreateMultipartUpload"))'; }
for _ in $(seq 1 300); do
    [ "$(uploads_seen)" -ge 1 ] && break
    kill -0 $wpid 2>/dev/null || break
    sleep 0.1
done
kill -TERM $wpid 2>/dev/null
wait $wpid
rc=$?
admin DELETE faults >/dev/null
is "$rc" 75 "SIGTERM during a multipart upload: exit 75"
like "$(cat "$WEIR_TEST_TMP/term.err")" "cancelled" "the log says the run was cancelled"
is "$(admin GET requests | /usr/bin/python3 -c '
import json, sys
log = json.load(sys.stdin)
parts = {e.get("upload_id") for e in log if e.get("s3_operation") == "UploadPart"}
ab = [e for e in log if e.get("s3_operation") == "AbortMultipartUpload"]
done = [e for e in log if e.get("s3_operation") == "CompleteMultipartUpload"]
print("aborted" if ab and all(e["status"] == 204 and e.get("upload_id") in parts for e in ab) and not done
      else "parts %d, aborts %s, completes %d" % (len(parts), [(e["status"], e.get("upload_id")) for e in ab], len(done)))')" \
    aborted "the open multipart upload was aborted (204), never completed"
is "$("$tool" list "s3://weir-test/$run/lake/" "s3term/" | wc -l | tr -d ' ')" 0 \
    "no object of the cancelled run is visible"
weir_expect 0 "the run after the cancelled one" run "$spec2"
ok "download again" download "$dl"
COMPARE_NAME="after SIGTERM and a rerun: s3 lake = source" \
    compare_db_lake "SELECT * FROM $T2" "$dl/s3term/**/*.parquet" --key id
pg "DROP TABLE $T2" >/dev/null

# SIGKILL in the middle of a multipart upload: the run cannot abort it, so
# its parts stay in S3 as an unfinished upload. The rerun (after the killed
# run's 3-second lease has expired) removes the killed run's files and aborts
# that upload, then commits the rows once.
T3=it_s3kill
wide_table $T3 150000
spec3=$WEIR_TEST_TMP/s3kill.yaml
sed -e "s/name: s3term/name: s3kill/" -e "s/table: public.$T2/table: public.$T3/" "$spec2" >"$spec3"
admin DELETE requests >/dev/null
admin POST faults '{"operation": "UploadPart", "kind": "slow", "delay": 8, "count": 1}' >/dev/null
export WEIR_LEASE_SECONDS=3
"$WEIR" run "$spec3" >"$WEIR_TEST_TMP/kill.out" 2>"$WEIR_TEST_TMP/kill.err" </dev/null &
wpid=$!
for _ in $(seq 1 300); do
    [ "$(uploads_seen)" -ge 1 ] && break
    kill -0 $wpid 2>/dev/null || break
    sleep 0.1
done
sleep 0.5
kill -KILL $wpid 2>/dev/null
wait $wpid 2>/dev/null
admin DELETE faults >/dev/null
open_uploads() { admin GET uploads | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted(u["UploadId"] for u in json.load(sys.stdin) if u["Key"].startswith(sys.argv[1]))))' "$run/lake/s3kill/"; }
left=$(open_uploads)
[ -n "$left" ] && pass "the killed run left an unfinished upload" ||
    not_ok "the killed run left an unfinished upload" "$(admin GET uploads)"
sleep 5 # the 3 s lease expires: it counts whole seconds and was renewed up to 1 s before the kill
weir_expect 0 "the rerun after a SIGKILL mid-upload" run "$spec3"
unset WEIR_LEASE_SECONDS
is "$(open_uploads)" "" "the rerun aborted the killed run's upload"
is "$(admin GET requests | /usr/bin/python3 -c '
import json, sys
want = set(sys.argv[1].split())
got = {e.get("upload_id") for e in json.load(sys.stdin)
       if e.get("s3_operation") == "AbortMultipartUpload" and e["status"] == 204}
print("yes" if want and want <= got else "want %s, aborted %s" % (sorted(want), sorted(got)))' "$left")" yes \
    "AbortMultipartUpload (204) for exactly the upload the killed run left"
log_has "$WEIR_ERR" event s3_upload_aborted && pass "the rerun logs the abort" ||
    not_ok "the rerun logs the abort" "$(grep -i upload "$WEIR_ERR" | head -n 3)"
ok "download again" download "$dl"
COMPARE_NAME="after SIGKILL mid-upload and a rerun: s3 lake = source" \
    compare_db_lake "SELECT * FROM $T3" "$dl/s3kill/**/*.parquet" --key id
pg "DROP TABLE $T3" >/dev/null

done_testing
