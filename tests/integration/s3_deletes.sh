#!/usr/bin/env bash
# Delete detection with the state on S3 (s3://weir-test/<run>/state/, through
# the AWS fake, every signature checked, to s3rver): the key file is
# downloaded with ranged GETs into a scratch folder, merged, and uploaded
# (multipart, SSE-KMS) under the run id before the commit that names it.
# Deletes, updates, inserts and a delete-then-reinsert between runs, a
# composite key, the current state from the lake through DuckDB = the table;
# SIGKILL during the key file's upload, after it (before the commit), and a
# killed --detect-deletes run whose rerun does not sweep: exactly one
# tombstone per deleted key, one key file (the committed one), no open
# multipart upload; --full-reload rebuilds the key file on S3.
. "$(dirname "$0")/lib.sh"
require_pg
require_weir
require_s3_fake

T=it_s3del
run=s3del$$-$RANDOM
lake=$WEIR_TEST_TMP/lake
spec=$WEIR_TEST_TMP/s3del.yaml
export TMPDIR=$WEIR_TEST_TMP/scratch
mkdir -p "$TMPDIR"
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T, ${T}_multi, ${T}_big, ${T}_gone;
CREATE TABLE $T (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, qty int, note text);
INSERT INTO $T SELECT g, TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * interval '1 second', g, 'row ' || g
FROM generate_series(1, 200) g;
CREATE TABLE ${T}_multi (region text, n int, code varchar(20), updated_at timestamptz NOT NULL,
  amount numeric(12,2), PRIMARY KEY (region, n, code));
INSERT INTO ${T}_multi SELECT r, g, 'c' || (g % 3), now(), g * 1.5
FROM unnest(ARRAY['eu', 'us', 'ü-ñ', '']) r, generate_series(1, 30) g;
EOS
{ spec_header "$lake" | sed -e "s|location: file://$lake.state|location: s3://weir-test/$run/state/|"
  cat <<EOS
  kms_key_id: alias/weir-test
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
# kms_key_id belongs to the target: move the line up there
/usr/bin/python3 - "$spec" <<'EOP'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
kms = [l for l in lines if "kms_key_id" in l][0]
lines.remove(kms)
lines.insert(lines.index("state:"), kms)
open(p, "w").write("\n".join(lines))
EOP

state_json() { "$tool" get weir-test "$run/state/$1.json"; }
state_val() { # JOB PYEXPR over the state document d
    state_json "$1" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"
}
keyfiles() { "$tool" list "s3://weir-test/$run/state/$1.keys/" "" | LC_ALL=C sort | tr '\n' ' '; }
open_uploads() { admin GET uploads | /usr/bin/python3 -c '
import json, sys
print(sum(1 for u in json.load(sys.stdin) if u["Key"].startswith(sys.argv[1])))' "$run/state/"; }
tombstones() { # JOB [COLS]
    local cols=${2:-id}
    lake_sql "SELECT $cols FROM lake ORDER BY $cols" "$lake/$1__deletes/*.parquet" | tr -d '"{}'
}
scratch_empty() { is "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0 "$1: nothing left in the scratch folder (\$TMPDIR)"; }

weir_expect 0 "first run (state on S3; the sweep sets the baseline)" run "$spec"
run1=$(state_val del 'd["deletes"]["run_id"]')
is "$(keyfiles del)" "$run1.keys " "one key file on S3, named with the run id"
is "$(state_val del 'd["deletes"]["keyfile"]')" "$run1.keys" "the state names it"
admin DELETE requests >/dev/null

pg >/dev/null <<EOS
DELETE FROM $T WHERE id IN (3, 5, 7, 150);
UPDATE $T SET qty = -1, updated_at = now() WHERE id IN (10, 11);
DELETE FROM $T WHERE id = 20;
INSERT INTO $T VALUES (20, now(), 20, 'back again'), (201, now(), 201, 'new');
DELETE FROM ${T}_multi WHERE (region = 'ü-ñ' AND n = 4) OR (region = '' AND n = 9) OR (region = 'eu' AND n = 30);
UPDATE ${T}_multi SET amount = 0, updated_at = now() WHERE region = 'us' AND n < 5;
EOS
weir_expect 0 "second run" run "$spec"
log_has "$WEIR_ERR" event keyfile_fetched && pass "the committed key file was downloaded" ||
    not_ok "the committed key file was downloaded" "$(grep -c keyfile "$WEIR_ERR")"
reqs=$(admin GET requests)
is "$(printf '%s' "$reqs" | /usr/bin/python3 -c '
import json, sys
e = json.load(sys.stdin)
gets = [x for x in e if x.get("s3_operation") == "GetObject" and ".keys/" in x.get("path", "")]
puts = [x for x in e if x.get("s3_operation") in ("PutObject", "CreateMultipartUpload") and ".keys/" in x.get("path", "")]
print(len(gets) > 0, all(x.get("signature") == "ok" for x in gets + puts),
      all(x.get("x-amz-server-side-encryption") == "aws:kms" and
          x.get("x-amz-server-side-encryption-aws-kms-key-id") == "alias/weir-test" for x in puts), len(puts))')" \
    "True True True 2" "key files: signed ranged GETs, one SSE-KMS upload per job"
run2=$(state_val del 'd["deletes"]["run_id"]')
isnt "$run2" "$run1" "the second run swept"
is "$(tombstones del | tr '\n' ' ')" "id:3 id:5 id:7 id:150 " \
    "tombstones for the deleted keys only (not the update, insert, or delete-then-reinsert)"
is "$(keyfiles del)" "$run2.keys " "the older key file was removed from S3 after the commit"
is "$(tombstones multi 'region, n, code' | tr '\n' ' ')" "region:,n:9,code:c0 region:eu,n:30,code:c0 region:ü-ñ,n:4,code:c1 " \
    "composite text key: one tombstone per deleted key"
current_equals "current state of del (DuckDB over the lake) = the table" del "SELECT * FROM $T" id
current_equals "current state of multi (composite key) = the table" multi \
    "SELECT * FROM ${T}_multi" region,n,code
scratch_empty "after two sweeps"
weir_expect 0 "weir plan names the key file on S3" plan "$spec" --job del
like "$(cat "$WEIR_OUT")" "key file s3://weir-test/$run/state/del.keys/$run2.keys \\(197 keys" "plan: the key file on S3 and its keys"

# a key set larger than one 8 MiB part (300000 md5 keys, ~11 MB): the
# upload is multipart; SIGKILL at three points, then reruns
pg >/dev/null <<EOS
CREATE TABLE ${T}_big (id bigint PRIMARY KEY, k text NOT NULL UNIQUE, updated_at timestamptz NOT NULL);
INSERT INTO ${T}_big SELECT g, md5(g::text), now() FROM generate_series(1, 300000) g;
CREATE TABLE ${T}_gone (k text);
EOS
sed -n '1,/^jobs:/p' "$spec" >"$spec.big"
cat >>"$spec.big" <<EOS
  - name: big
    table: public.${T}_big
    watermark: {columns: [updated_at, id]}
    deletes: {key: [k], memory: 4MiB, every: 100}
EOS
weir_expect 0 "big: first run" run "$spec.big"
is "$(state_val big 'd["deletes"]["keys"]')" 300000 "big: the key file holds 300000 keys"
bytes=$(grep keyfile_uploaded "$WEIR_ERR" | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["bytes"])')
[ "${bytes:-0}" -gt $((8 << 20)) ] && pass "big: the key file ($bytes bytes) is larger than one part" ||
    not_ok "big: the key file is larger than one part" "$bytes"
gone() { # ROUND: deletes some keys and records them
    pg >/dev/null <<EOS
WITH d AS (DELETE FROM ${T}_big WHERE id % 97 = $1 RETURNING k) INSERT INTO ${T}_gone SELECT k FROM d;
UPDATE ${T}_big SET updated_at = now() WHERE id % 1013 = $1;
EOS
}
wait_fault_taken() { # waits (up to 60 s) until the injected fault was taken
    for _ in $(seq 1 600); do
        [ "$(admin GET faults | /usr/bin/python3 -c 'import json,sys; print(sum(f["count"] for f in json.load(sys.stdin)))')" = 0 ] && return 0
        sleep 0.1
    done
    return 1
}
kill_at() { # NAME OPERATION [ARGS...]: a sweep killed while OPERATION on the key file is slowed
    local name=$1 op=$2 wpid
    shift 2
    admin DELETE faults >/dev/null
    admin POST faults "{\"operation\": \"$op\", \"kind\": \"slow\", \"delay\": 4, \"count\": 1, \"match\": \"big.keys/\"}" >/dev/null
    "$WEIR" run "$spec.big" --detect-deletes "$@" >/dev/null 2>>"$WEIR_TEST_TMP/kill.err" </dev/null &
    wpid=$!
    if wait_fault_taken; then pass "$name: the run reached $op of the key file"
    else not_ok "$name: the run reached $op of the key file" "$(tail -n 3 "$WEIR_TEST_TMP/kill.err")"; fi
    kill -KILL "$wpid"
    wait "$wpid" 2>/dev/null
    sleep 5 # the slowed request goes on in the fake after the kill; the lease runs out
    admin DELETE faults >/dev/null
}

# a killed run's lease must run out before the rerun: 3 s (renewed every second)
export WEIR_LEASE_SECONDS=3
# 1. during the upload: a part is on its way, the upload is open
gone 1
kill_at "kill during the upload" UploadPart
[ "$(open_uploads)" -ge 1 ] && pass "the killed run left an open multipart upload" ||
    not_ok "the killed run left an open multipart upload" "$(admin GET uploads)"
is "$(state_val big 'd["pending"] is not None')" True "the killed run's intent is pending"
weir_expect 0 "rerun after the kill during the upload" run "$spec.big" --detect-deletes
is "$(open_uploads)" 0 "no open multipart upload after the rerun"
is "$(keyfiles big)" "$(state_val big 'd["deletes"]["keyfile"]') " "one key file, the committed one"

# 2. after the upload, before the commit: CompleteMultipartUpload is answered
# after the kill, so the new key file exists and the state does not name it
gone 2
committed=$(state_val big 'd["deletes"]["keyfile"]')
kill_at "kill after the upload" CompleteMultipartUpload
is "$(keyfiles big | wc -w)" 2 "an uncommitted key file is on S3 beside the committed one"
is "$(state_val big 'd["deletes"]["keyfile"]')" "$committed" "the state still names the old key file"
weir_expect 0 "rerun after the kill after the upload" run "$spec.big" --detect-deletes
is "$(keyfiles big)" "$(state_val big 'd["deletes"]["keyfile"]') " "one key file again, the committed one"

# 3. a killed --detect-deletes run whose rerun does not sweep (every: 100):
# the rerun still removes the orphan key file
gone 3
kill_at "kill of a forced sweep after the upload" CompleteMultipartUpload
is "$(keyfiles big | wc -w)" 2 "the forced sweep's key file is an orphan"
weir_expect 0 "rerun without --detect-deletes (no sweep)" run "$spec.big"
log_has "$WEIR_ERR" event deletes_swept && not_ok "the rerun did not sweep" || pass "the rerun did not sweep"
is "$(keyfiles big)" "$(state_val big 'd["deletes"]["keyfile"]') " "the orphan key file was removed"
is "$(open_uploads)" 0 "no open multipart upload"
weir_expect 0 "a sweep after the kills" run "$spec.big" --detect-deletes

lake_sql "SELECT k FROM lake" "$lake/big__deletes/*.parquet" | tr -d '"{}' | sed 's/^k://' | LC_ALL=C sort >"$WEIR_TEST_TMP/tomb.txt"
pg "SELECT k FROM ${T}_gone" | LC_ALL=C sort >"$WEIR_TEST_TMP/gone.txt"
is "$(wc -l <"$WEIR_TEST_TMP/gone.txt")" "$(pg "SELECT count(*) FROM ${T}_gone")" "the deleted keys recorded"
if cmp -s "$WEIR_TEST_TMP/tomb.txt" "$WEIR_TEST_TMP/gone.txt"; then pass "after the kills: exactly one tombstone per deleted key"
else not_ok "after the kills: exactly one tombstone per deleted key" "$(diff "$WEIR_TEST_TMP/tomb.txt" "$WEIR_TEST_TMP/gone.txt" | head -n 5)"; fi
is "$(state_val big 'd["deletes"]["keys"]')" "$(pg "SELECT count(*) FROM ${T}_big")" "the key file holds the source's key count"
# the committed key file equals the source's key set: downloaded and decoded
# (records: u32 length, 1 flag byte, the text) against the table's keys
"$tool" get weir-test "$run/state/big.keys/$(state_val big 'd["deletes"]["keyfile"]')" >"$WEIR_TEST_TMP/big.keys"
/usr/bin/python3 - "$WEIR_TEST_TMP/big.keys" >"$WEIR_TEST_TMP/keyfile.txt" <<'EOP'
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:12] == b"WEIRKEYS0001", "magic"
o, keys = 12, []
while True:
    (n,) = struct.unpack_from("<I", b, o); o += 4
    if n == 0xFFFFFFFF:
        (count,) = struct.unpack_from("<Q", b, o)
        assert count == len(keys) and o + 8 == len(b), "trailer"
        break
    rec = b[o:o + n]; o += n
    (tl,) = struct.unpack_from("<I", rec, 1)
    assert rec[0] == 1 and 5 + tl == n, "record"
    keys.append(rec[5:].decode())
assert keys == sorted(keys) and len(set(keys)) == len(keys), "sorted, unique"
print("\n".join(keys))
EOP
pg "SELECT k FROM ${T}_big ORDER BY k COLLATE \"C\"" >"$WEIR_TEST_TMP/present.txt"
if cmp -s "$WEIR_TEST_TMP/keyfile.txt" "$WEIR_TEST_TMP/present.txt"; then pass "the committed key file on S3 = the source's key set"
else not_ok "the committed key file on S3 = the source's key set" "$(diff "$WEIR_TEST_TMP/keyfile.txt" "$WEIR_TEST_TMP/present.txt" | head -n 5)"; fi
current_equals "big: current state after the kills = the table" big "SELECT * FROM ${T}_big" id "$spec.big"
scratch_empty "after the kills and reruns"

# --full-reload rebuilds the key file on S3 (no tombstones)
old=$(state_val big 'd["deletes"]["keyfile"]')
ntomb=$(wc -l <"$WEIR_TEST_TMP/tomb.txt")
pg "DELETE FROM ${T}_big WHERE id % 89 = 4" >/dev/null
weir_expect 0 "--full-reload" run "$spec.big" --full-reload
new=$(state_val big 'd["deletes"]["keyfile"]')
isnt "$new" "$old" "a new key file"
is "$(keyfiles big)" "$new " "only the rebuilt key file is left"
is "$(state_val big 'd["deletes"]["keys"]')" "$(pg "SELECT count(*) FROM ${T}_big")" "the rebuilt key file holds the source's keys"
log_has "$WEIR_ERR" event keyfile_fetched && not_ok "a full reload downloads no key file" || pass "a full reload downloads no key file"
done_testing
