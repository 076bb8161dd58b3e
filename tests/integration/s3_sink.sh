#!/usr/bin/env bash
# The S3 sink and state store over real HTTP: the AWS fake checks every S3
# signature (botocore) and forwards to s3rver. Single PutObject, multipart
# with 5 MiB parts read back byte for byte, Hive keys with '=', list and
# remove, SSE-KMS headers in the fake's log, an injected UploadPart failure
# leaving no object and the upload aborted, the state store's conditional
# write race and the lease. Runs tests/tools/s3_tool (built by make check).
. "$(dirname "$0")/lib.sh"

require_s3_fake
log_py() { admin GET requests | /usr/bin/python3 -c "import json, sys
log = json.load(sys.stdin)
$1"; }
pattern_md5() { /usr/bin/python3 -c "import hashlib, sys
n = int(sys.argv[1])
print(hashlib.md5(bytes((((i * 2654435761) & 0xffffffff) >> 13) & 0xff for i in range(n))).hexdigest())" "$1"; }

run=t$$-$RANDOM
loc=s3://weir-test/$run/
admin DELETE faults >/dev/null
admin DELETE requests >/dev/null
curl -sf -o /dev/null "$fake/__admin/health" || true

ok "single PutObject with a Hive key" "$tool" put "$loc" ingest_date=2026-11-28/small.bin 1000 5242880
is "$("$tool" get weir-test "$run/ingest_date=2026-11-28/small.bin" | md5sum | cut -d' ' -f1)" \
    "$(pattern_md5 1000)" "small object read back byte for byte"
is "$(log_py 'print(sum(1 for e in log if e.get("s3_operation") == "PutObject" and e.get("signature") == "ok" and e.get("status") == 200))')" \
    1 "one signed PutObject, checked by the fake"

size=15000000 # 3 parts of 5 MiB (the last one short; GetObject reads up to 16 MiB)
admin DELETE requests >/dev/null
ok "multipart upload with SSE-KMS" "$tool" put "$loc" big/data.bin $size 5242880 alias/weir-test
is "$(log_py 'print(sum(1 for e in log if e.get("s3_operation") == "UploadPart" and e.get("status") == 200))')" \
    3 "three parts uploaded"
is "$(log_py 'print(sum(1 for e in log if e.get("s3_operation") == "CompleteMultipartUpload" and e.get("status") == 200))')" \
    1 "completed once"
is "$("$tool" get weir-test "$run/big/data.bin" | md5sum | cut -d' ' -f1)" "$(pattern_md5 $size)" \
    "multipart object read back byte for byte"

is "$(log_py 'print(sorted(set((e.get("s3_operation"), e.get("x-amz-server-side-encryption"), e.get("x-amz-server-side-encryption-aws-kms-key-id")) for e in log if e.get("s3_operation") in ("CreateMultipartUpload", "PutObject"))))')" \
    "[('CreateMultipartUpload', 'aws:kms', 'alias/weir-test')]" "SSE-KMS headers sent on CreateMultipartUpload"
is "$(log_py 'print(all(e.get("content-md5") for e in log if e.get("s3_operation") == "UploadPart"))')" \
    True "Content-MD5 on every part"

admin DELETE requests >/dev/null
ok "31 small parts (s3rver accepts parts under 5 MiB), 4 in flight" \
    "$tool" put "$loc" many.bin 2000000 65536
is "$(log_py 'print(sum(1 for e in log if e.get("s3_operation") == "UploadPart" and e.get("status") == 200))')" \
    31 "31 parts uploaded"
is "$("$tool" get weir-test "$run/many.bin" | md5sum | cut -d' ' -f1)" "$(pattern_md5 2000000)" \
    "many-part object read back byte for byte"
ok "remove many.bin" "$tool" rm "$loc" many.bin

admin POST faults '{"operation": "UploadPart", "kind": "500", "count": 10}' >/dev/null
admin DELETE requests >/dev/null
fails "an UploadPart failing on every retry fails the commit" \
    "$tool" put "$loc" failed.bin 12000000 5242880
admin DELETE faults >/dev/null
fails "the failed file is not visible" "$tool" get weir-test "$run/failed.bin"
# the fake serves AbortMultipartUpload (s3rver 3.7 has none): 204, and the
# upload id is gone afterwards
is "$(log_py 'print(sum(1 for e in log if e.get("s3_operation") == "AbortMultipartUpload" and e.get("signature") == "ok" and e.get("status") == 204))')" \
    1 "AbortMultipartUpload sent (signed) after the failed part, answered 204"
is "$(log_py '
parts = {e.get("upload_id") for e in log if e.get("s3_operation") == "UploadPart"}
ab = [e.get("upload_id") for e in log if e.get("s3_operation") == "AbortMultipartUpload"]
print("same" if len(ab) == 1 and ab[0] in parts else "parts %s / aborts %s" % (parts, ab))')" \
    same "the abort names one upload id"
is "$(log_py 'print(sum(1 for e in log if e.get("s3_operation") == "CompleteMultipartUpload"))')" \
    0 "never completed"

is "$("$tool" list "$loc" "" | sort | tr '\n' ' ')" \
    "big/data.bin ingest_date=2026-11-28/small.bin " "list: paths relative to the root"
ok "remove" "$tool" rm "$loc" big/data.bin
ok "remove of a missing file is not an error" "$tool" rm "$loc" big/data.bin
is "$("$tool" list "$loc" "" | tr '\n' ' ')" "ingest_date=2026-11-28/small.bin " "list after remove"

# the bucket lives in another region than AWS_REGION: S3 answers 301 with
# x-amz-bucket-region, and the client moves there and repeats the call once
admin POST bucket-region '{"Bucket": "weir-test", "Region": "eu-west-1"}' >/dev/null
admin DELETE requests >/dev/null
if "$tool" put "$loc" region/moved.bin 1000 5242880 2>"$WEIR_TEST_TMP/region.err"; then
    pass "put to a bucket in another region"
else
    not_ok "put to a bucket in another region" "$(cat "$WEIR_TEST_TMP/region.err")"
fi
admin POST bucket-region '{"Bucket": "weir-test"}' >/dev/null
is "$(log_py 'print(" ".join("%s:%s" % (e.get("status"), e.get("region")) for e in log if e.get("s3_operation") == "PutObject"))')" \
    "301:us-east-1 200:eu-west-1" "the 301 names the region, the call is signed again for it"
log_has "$WEIR_TEST_TMP/region.err" to eu-west-1 && pass "the move is logged" ||
    not_ok "the move is logged" "$(cat "$WEIR_TEST_TMP/region.err")"
is "$("$tool" get weir-test "$run/region/moved.bin" | md5sum | cut -d' ' -f1)" "$(pattern_md5 1000)" \
    "the object is there, byte for byte"
ok "remove region/moved.bin" "$tool" rm "$loc" region/moved.bin

st=s3://weir-test/$run-state/
out=$("$tool" race "$st" job1)
like "$out" "^first 0 second 9: state of job job1 changed" "creating race: the second writer loses (ELOCKED)"
like "$out" "winner again 0" "the winner writes again on its ETag"
out=$("$tool" race "$st" job1)
like "$out" "^first 0 second 9" "updating race (If-Match): the second writer loses"
out=$("$tool" lock "$st" job1)
like "$out" "^first 0 second 9: job job1 is already running \| lease .* run run-a" \
    "lease: a second lock is ELOCKED naming the holder"
like "$out" "after unlock 0" "unlock deletes the lease; the next run takes it"
like "$out" "expired lease taken over 0 0" "an expired lease is taken over (If-Match on its ETag)"
fails "no lease left after unlock" "$tool" get weir-test "$run-state/job1.lease"

# a 6-second lease renewed every 2 seconds across 13 seconds, then taken
# over (6 s, not 3: a loaded machine's s3rver can take over a second per PUT)
out=$(WEIR_LEASE_SECONDS=6 "$tool" renew "$st" job2 2>"$WEIR_TEST_TMP/renew.err")
like "$out" "second lock after 13s 9" "a renewed lease still holds after twice its length"
like "$out" "lease 0 renewed twice or more expires in [1-6] holder run-a" \
    "the lease object shows the renewals and a fresh expiry"
like "$out" "write after loss 9: the lease of job job2 was taken over" \
    "after a takeover the run's next state write is refused (ELOCKED)"
like "$out" "after unlock lease 0 holder run-z" "unlock leaves the other run's lease alone"
log_has "$WEIR_TEST_TMP/renew.err" event lease_lost && pass "lease_lost is logged" ||
    not_ok "lease_lost is logged" "$(cat "$WEIR_TEST_TMP/renew.err")"

done_testing
