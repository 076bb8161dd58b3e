#!/usr/bin/env bash
# Everything AWS at once, as a production job runs: the login from an RDS
# secret (source.secret) in the fake's Secrets Manager, the lake and the
# state on S3 (through the fake, which checks every signature, to s3rver),
# SSE-KMS on every data object, and the partitions in the fake's Glue.
# Then a run killed with SIGKILL while a data object is uploading: its lease
# blocks a rerun (exit 75) until it expires, the rerun takes it over and
# redoes the window, and the lake holds every row exactly once. Then schema
# drift. Asserted on what the fakes stored.
. "$(dirname "$0")/lib.sh"
require_pg
require_weir
require_aws_fake
# one identity the fake knows for every service and s3rver accepts
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
tool=$WEIR_BUILDDIR/tests/tools/s3_tool
[ -x "$tool" ] || make -C "$WEIR_BUILDDIR" tests/tools/s3_tool >/dev/null 2>&1
[ -x "$tool" ] || skip_all "s3_tool not built ($tool; run make check)"
# py EXPR-PROGRAM: Python over stdin's JSON, bound to d
py() { /usr/bin/python3 -c "import json, sys
d = json.load(sys.stdin)
$1"; }

T=it_awse2e
run=awse2e$$-$RANDOM
DB=weir_e2e_$$_$RANDOM
SECRET=weir/e2e-$$-$RANDOM
spec=$WEIR_TEST_TMP/aws.yaml
export WEIR_LEASE_SECONDS=3
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (id bigint PRIMARY KEY, day date NOT NULL, amount numeric(12,2), note text);
INSERT INTO $T SELECT g, DATE '2026-03-01' + (g % 3), g * 1.25, 'row ' || g FROM generate_series(1, 3000) g;
EOS
trap 'pg "DROP TABLE IF EXISTS $T" >/dev/null 2>&1' EXIT
admin POST secrets "$(/usr/bin/python3 -c '
import json, sys
name, port, db, user, pw = sys.argv[1:]
print(json.dumps({"Name": name, "SecretString": json.dumps({"engine": "postgres",
      "host": "127.0.0.1", "port": int(port), "dbname": db, "username": user, "password": pw})}))
' "$SECRET" "${PGPORT:-55432}" "${PGDATABASE:-weir_test}" "${PGUSER:-weir}" "$PGPASSWORD")" >/dev/null

write_spec "$spec" <<EOS
version: 1
source:
  driver: postgres
  secret: $SECRET
target:
  location: s3://weir-test/$run/lake/
  format: parquet
  compression: zstd
  kms_key_id: alias/weir-e2e
state:
  location: s3://weir-test/$run/state/
catalog:
  type: glue
  database: $DB
  create_database: true
jobs:
  - name: orders
    table: public.$T
    watermark:
      columns: [id]
    partition_by: {column: day, granularity: day}
EOS

download() { s3_download weir-test "$run/lake/" "$1"; }
parts() { glue_parts "$DB" orders; }
state_wm() { "$tool" get weir-test "$run/state/orders.json" | py 'print((d.get("watermark") or {}).get("values"))'; }
dl=$WEIR_TEST_TMP/dl

weir_expect 0 "weir check: secret, S3 target, S3 state, Glue" check "$spec"
like "$(cat "$WEIR_OUT")" "ok +target writable: s3://weir-test/$run/lake/" "check wrote and removed a probe object"
like "$(cat "$WEIR_OUT")" "ok +aws caller: arn:aws:" "check names the caller"

AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= weir_expect 77 "weir check without AWS credentials: exit 77" check "$spec"
like "$(cat "$WEIR_OUT")" "FAIL +aws credentials: no AWS credentials found" \
    "check names the credentials as what failed, before the secret, bucket or catalog"

admin DELETE requests >/dev/null
weir_expect 0 "first run: RDS secret → S3 lake and state → Glue" run "$spec"
ok "download the lake" download "$dl"
COMPARE_NAME="first run: s3 lake = source" compare_db_lake "SELECT * FROM $T" "$dl/orders/**/*.parquet" --key id
is "$(admin GET requests | py '
bad = [e.get("path") for e in d if e.get("service") == "s3" and "/lake/" in e.get("path", "")
       and e.get("s3_operation") in ("PutObject", "CreateMultipartUpload")
       and not e.get("path", "").split("?")[0].endswith("/")
       and (e.get("x-amz-server-side-encryption") != "aws:kms"
            or e.get("x-amz-server-side-encryption-aws-kms-key-id") != "alias/weir-e2e")]
n = sum(1 for e in d if e.get("service") == "s3" and "/lake/" in e.get("path", "")
        and e.get("s3_operation") in ("PutObject", "CreateMultipartUpload"))
print("all %d kms" % n if n and not bad else "missing on %s" % bad)')" "all 3 kms" \
    "each of the 3 data objects was written with SSE-KMS and the spec's key"
is "$(admin GET requests | py 'print(sum(1 for e in d if e.get("signature") != "ok" and e.get("service") != "admin"))')" 0 \
    "every AWS request carried a valid signature"
tab=$(admin GET "glue/$DB/orders" | py '
for k in ("Table", "table"):
    if isinstance(d, dict) and k in d: d = d[k]
print(d["StorageDescriptor"]["Location"], ",".join(c["Name"] + ":" + c["Type"] for c in d["StorageDescriptor"]["Columns"]))')
is "$tab" "s3://weir-test/$run/lake/orders/ id:bigint,day:date,amount:decimal(12,2),note:string" \
    "Glue table at the S3 location with the Hive columns"
is "$(parts | tr '\n' ' ')" \
    "2026-03-01|s3://weir-test/$run/lake/orders/day=2026-03-01/|1000||3000 2026-03-02|s3://weir-test/$run/lake/orders/day=2026-03-02/|1000||3000 2026-03-03|s3://weir-test/$run/lake/orders/day=2026-03-03/|1000||3000 " \
    "three partitions at their S3 folders with rows and watermark range"
is "$(state_wm)" "['3000']" "the watermark is in the S3 state"

# a run killed while a data object is on its way
pg "INSERT INTO $T SELECT g, DATE '2026-03-01' + (g % 4), g, 'late ' || g FROM generate_series(3001, 3400) g" >/dev/null
admin DELETE requests >/dev/null
admin POST faults '{"operation": "PutObject", "match": "/lake/", "kind": "slow", "delay": 4, "count": 1}' >/dev/null
"$WEIR" run "$spec" >"$WEIR_TEST_TMP/kill.out" 2>"$WEIR_TEST_TMP/kill.err" </dev/null &
wpid=$!
intent_written() { admin GET requests | py '
print(sum(1 for e in d if e.get("s3_operation") == "PutObject" and "/state/orders.json" in e.get("path", "")))'; }
for _ in $(seq 1 200); do
    [ "$(intent_written)" -ge 1 ] && break
    sleep 0.1
done
sleep 1
kill -KILL $wpid 2>/dev/null
wait $wpid 2>/dev/null
is "$(state_wm)" "['3000']" "the killed run moved no watermark"
weir_expect 75 "its lease stops a rerun while it lasts" run "$spec"
like "$(cat "$WEIR_ERR")" "already running" "the message says the job is running"
sleep 5 # the 3 s lease expires: it counts whole seconds and was renewed up to 1 s before the kill
admin DELETE faults >/dev/null
weir_expect 0 "after the lease expired the rerun takes it over and completes" run "$spec"
log_has "$WEIR_ERR" resumed True && pass "the rerun resumed the killed run's intent" ||
    not_ok "the rerun resumed the killed run's intent" "$(grep run_start "$WEIR_ERR")"
ok "download the lake again" download "$dl"
COMPARE_NAME="after SIGKILL and rerun: every row exactly once" \
    compare_db_lake "SELECT * FROM $T" "$dl/orders/**/*.parquet" --key id
is "$(state_wm)" "['3400']" "the watermark moved to the new high"
p2=$(parts)
is "$(printf '%s\n' "$p2" | wc -l | tr -d ' ')" 4 "the new day's partition is registered"
is "$(printf '%s\n' "$p2" | awk -F'|' '$5 == 3400 { n += $3 } END { print n }')" 400 \
    "the rerun's partitions carry its 400 rows and the range 3000..3400"
fails "no lease left behind" "$tool" get weir-test "$run/state/orders.lease"

# schema drift on the S3 lake
pg "ALTER TABLE $T ADD COLUMN qty int; INSERT INTO $T VALUES (3401, DATE '2026-03-02', 1, 'x', 7)" >/dev/null
weir_expect 0 "run after ADD COLUMN" run "$spec"
is "$(admin GET "glue/$DB/orders" | py '
for k in ("Table", "table"):
    if isinstance(d, dict) and k in d: d = d[k]
print(",".join(c["Name"] for c in d["StorageDescriptor"]["Columns"]))')" "id,day,amount,note,qty" \
    "UpdateTable appended the new column"
is "$(parts | grep '^2026-03-02' | cut -d'|' -f3-)" "1|3400|3401" "the partition shows the last run"

done_testing
