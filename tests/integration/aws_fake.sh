#!/usr/bin/env bash
# weir's AWS code over real HTTP against the AWS fake (tests/aws-fake, started
# by scripts/services start aws): Secrets Manager values, fields, stages and
# errors; STS whoami through every credential source (env, profile with
# role_arn, web identity, ECS, IMDSv2); retries observed through injected
# faults; a wrong secret key rejected by the fake's botocore signature check.
# Runs tests/tools/aws_tool (built by make check).
. "$(dirname "$0")/lib.sh"

port=${WEIR_TEST_AWSPORT:-54580}
fake=http://127.0.0.1:$port
curl -sf -o /dev/null "$fake/__admin/health" ||
    skip_all "AWS fake not reachable at $fake (scripts/services start aws)"
tool=$WEIR_BUILDDIR/tests/tools/aws_tool
[ -x "$tool" ] || make -C "$WEIR_BUILDDIR" tests/tools/aws_tool >/dev/null 2>&1
[ -x "$tool" ] || skip_all "aws_tool not built ($tool; run make check)"

AKID=AKIAWEIRTEST00000001
SECRET=weirTestSecretKey/0123456789abcdefghij
# A clean environment: only what each case sets reaches the tool. Stdout is
# kept in $WEIR_TEST_TMP/out (binary values), OUT has it without NUL bytes.
run() { # VAR=VALUE... -- ARGS...: runs the tool; OUT, ERR, RC
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    env -i PATH="$PATH" HOME="$WEIR_TEST_TMP/home" AWS_EC2_METADATA_DISABLED=true \
        AWS_ENDPOINT_URL="$fake" AWS_REGION=us-east-1 "${envs[@]}" "$tool" "$@" \
        >"$WEIR_TEST_TMP/out" 2>"$WEIR_TEST_TMP/err"
    RC=$?
    OUT=$(tr -d '\000' <"$WEIR_TEST_TMP/out")
    ERR=$(cat "$WEIR_TEST_TMP/err")
}
keys=(AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$SECRET)
log_count() { # JQ-like filter in python over the request log: OPERATION [STATUS]
    admin GET requests | /usr/bin/python3 -c '
import json, sys
log = json.load(sys.stdin)
op = sys.argv[1]; st = sys.argv[2] if len(sys.argv) > 2 else None
print(sum(1 for e in log if e.get("operation") == op and (st is None or str(e.get("status")) == st)))' "$@"
}
mkdir -p "$WEIR_TEST_TMP/home"
admin POST reset >/dev/null

# --- Secrets Manager -------------------------------------------------------
run "${keys[@]}" -- secret weir/test/plain
is "$RC:$OUT" "0:plain-secret-value" "SecretString of a plain secret"
run "${keys[@]}" -- secret 'weir/test/pg#password'
is "$RC:$OUT" "0:weir" "#field of a JSON secret"
run "${keys[@]}" -- secret 'weir/test/pg#port'
is "$RC:$OUT" "0:5432" "#field holding a number comes back as its JSON text"
run "${keys[@]}" -- secret weir/test/binary
is "$RC:$(od -An -tx1 "$WEIR_TEST_TMP/out" | tr -d ' \n')" "0:00010203fffefdff0a" \
    "SecretBinary is base64-decoded"
run "${keys[@]}" -- secret weir/test/staged
is "$RC:$OUT" "0:current-value" "AWSCURRENT by default"
run "${keys[@]}" -- secret weir/test/staged AWSPENDING
is "$RC:$OUT" "0:pending-value" "VersionStage AWSPENDING"
arn=$(admin GET secrets | /usr/bin/python3 -c '
import json, sys
print([s["ARN"] for s in json.load(sys.stdin) if s["Name"] == "weir/test/pg"][0])')
admin DELETE requests >/dev/null
run "${keys[@]}" AWS_REGION=eu-west-3 -- secret "$arn#username"
is "$RC:$OUT" "0:weir" "ARN#field, fetched with the ARN's region"
region=$(admin GET requests | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[-1].get("region"))')
is "$region" "us-east-1" "the request was signed for the ARN's region, not AWS_REGION"

run "${keys[@]}" -- secret weir/test/missing
is "$RC" 4 "missing secret exits with noinput (4)"
like "$ERR" "ResourceNotFoundException" "missing secret: the AWS error code is reported"
like "$ERR" "request id [0-9a-f-]{36}" "missing secret: the request id is reported"
run "${keys[@]}" -- secret weir/test/staged AWSPREVIOUS
is "$RC" 4 "missing version stage exits with noinput (4)"
run "${keys[@]}" -- secret weir/test/denied
is "$RC" 6 "access denied exits with auth (6)"
like "$ERR" "AccessDeniedException" "access denied: the AWS error code is reported"
run "${keys[@]}" -- secret 'weir/test/pg#nope'
is "$RC" 2 "a missing #field is a config error (2)"
like "$ERR" "has no field nope" "missing field named in the message"
run "${keys[@]}" -- secret 'weir/test/plain#x'
like "$RC:$ERR" "^2:.*not a JSON object" "#field of a non-JSON secret refused"

# --- signature checked by the fake with botocore ---------------------------
admin DELETE requests >/dev/null
run AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=wrong-secret -- secret weir/test/plain
is "$RC" 6 "wrong secret key: auth error (6)"
like "$ERR" "InvalidSignatureException" "wrong secret key: InvalidSignatureException"
is "$(log_count GetSecretValue 403)" 1 "the fake rejected exactly one request, not retried"
run AWS_ACCESS_KEY_ID=AKIAUNKNOWN000000000 AWS_SECRET_ACCESS_KEY=$SECRET -- secret weir/test/plain
like "$RC:$ERR" "^6:.*UnrecognizedClientException" "unknown access key: UnrecognizedClientException"
run "${keys[@]}" -- whoami
is "$RC:$OUT" "0:arn:aws:iam::123456789012:user/weir-test" "whoami (GetCallerIdentity, query protocol)"
run AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=wrong-secret -- whoami
like "$RC:$ERR" "^6:.*SignatureDoesNotMatch" "whoami with a wrong key: SignatureDoesNotMatch (XML error)"

# --- retries ---------------------------------------------------------------
admin DELETE requests >/dev/null
admin POST faults '{"operation":"GetSecretValue","kind":"500","count":2}' >/dev/null
run "${keys[@]}" -- secret weir/test/plain
is "$RC:$OUT" "0:plain-secret-value" "two 500s then success"
is "$(log_count GetSecretValue 500):$(log_count GetSecretValue 200)" "2:1" \
    "three attempts seen by the fake (500, 500, 200)"

admin DELETE requests >/dev/null
admin POST faults '{"operation":"GetSecretValue","kind":"throttle","count":5}' >/dev/null
run "${keys[@]}" -- secret weir/test/plain
is "$RC" 8 "throttled past max attempts: tempfail (8)"
like "$ERR" "ThrottlingException.*" "throttling reported with its code"
like "$ERR" "3 attempts" "the message says how many attempts were made"
is "$(log_count GetSecretValue 400)" 3 "exactly max_attempts (3) requests reached the fake"
admin DELETE faults >/dev/null

admin DELETE requests >/dev/null
admin POST faults '{"operation":"GetSecretValue","kind":"drop","count":1}' >/dev/null
run "${keys[@]}" -- secret weir/test/plain
is "$RC:$OUT" "0:plain-secret-value" "a dropped connection is retried"
is "$(log_count GetSecretValue 0):$(log_count GetSecretValue 200)" "1:1" \
    "the fake saw the dropped attempt and the good one"

admin DELETE requests >/dev/null
admin POST faults '{"operation":"GetSecretValue","kind":"slow","count":1,"delay":3}' >/dev/null
start=$(date +%s)
run "${keys[@]}" -- --timeout-ms 1000 secret weir/test/plain
took=$(( $(date +%s) - start ))
is "$RC:$OUT" "0:plain-secret-value" "a timed-out attempt (1 s timeout, 3 s response) is retried"
[ "$took" -lt 3 ] && pass "the client gave up on the slow attempt before it answered (${took}s)" ||
    not_ok "the client gave up on the slow attempt before it answered" "took ${took}s"

# The slow attempt is logged when the fake finishes it: wait for it before the next case.
for _ in $(seq 1 40); do
    admin GET requests | grep -q '"fault": "slow"' && break
    sleep 0.25
done
admin DELETE requests >/dev/null
admin POST faults '{"operation":"GetSecretValue","kind":"503","count":1}' >/dev/null
run "${keys[@]}" -- --max-attempts 1 secret weir/test/plain
is "$RC" 8 "max attempts 1: a 503 is not retried and is tempfail"
is "$(log_count GetSecretValue)" 1 "max attempts 1: one request"
admin DELETE faults >/dev/null

# --- credential sources ----------------------------------------------------
cat >"$WEIR_TEST_TMP/config" <<EOC
[default]
region = us-east-1

[profile base]
region = us-east-1

[profile deployer]
role_arn = arn:aws:iam::123456789012:role/weir-deployer
source_profile = base
role_session_name = weir-it
EOC
cat >"$WEIR_TEST_TMP/credentials" <<EOC
[base]
aws_access_key_id = $AKID
aws_secret_access_key = $SECRET
EOC
files=(AWS_CONFIG_FILE=$WEIR_TEST_TMP/config AWS_SHARED_CREDENTIALS_FILE=$WEIR_TEST_TMP/credentials)
run "${files[@]}" AWS_PROFILE=base -- whoami
is "$RC:$OUT" "0:arn:aws:iam::123456789012:user/weir-test" "profile with static keys"
run "${files[@]}" AWS_PROFILE=deployer -- whoami
is "$RC:$OUT" "0:arn:aws:sts::123456789012:assumed-role/weir-deployer/weir-it" \
    "profile role_arn + source_profile assumes the role (STS AssumeRole)"
run "${files[@]}" AWS_PROFILE=deployer -- secret weir/test/plain
is "$RC:$OUT" "0:plain-secret-value" "assumed-role credentials (session token) sign GetSecretValue"
run "${files[@]}" AWS_PROFILE=nosuch -- whoami
like "$RC:$ERR" "^2:.*profile nosuch not found" "a named profile that does not exist is a config error"

printf 'eyJhbGciOiJSUzI1NiJ9.weir-test-token.sig\n' >"$WEIR_TEST_TMP/token"
run AWS_WEB_IDENTITY_TOKEN_FILE=$WEIR_TEST_TMP/token AWS_ROLE_ARN=arn:aws:iam::123456789012:role/weir-irsa \
    AWS_ROLE_SESSION_NAME=weir-pod -- whoami
is "$RC:$OUT" "0:arn:aws:sts::123456789012:assumed-role/weir-irsa/weir-pod" \
    "web identity (AssumeRoleWithWebIdentity, unsigned)"
printf 'invalid-token\n' >"$WEIR_TEST_TMP/badtoken"
run AWS_WEB_IDENTITY_TOKEN_FILE=$WEIR_TEST_TMP/badtoken AWS_ROLE_ARN=arn:aws:iam::123456789012:role/weir-irsa -- whoami
like "$RC:$ERR" "^6:.*InvalidIdentityToken" "web identity with a rejected token: auth error"

run AWS_CONTAINER_CREDENTIALS_FULL_URI=$fake/ecs/creds AWS_CONTAINER_AUTHORIZATION_TOKEN=weir-ecs-token -- whoami
is "$RC:$OUT" "0:arn:aws:sts::123456789012:assumed-role/weir-task-role/task" \
    "ECS container credentials (full URI + authorization token)"
printf 'weir-ecs-token\n' >"$WEIR_TEST_TMP/ecstoken"
run AWS_CONTAINER_CREDENTIALS_FULL_URI=$fake/ecs/creds AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$WEIR_TEST_TMP/ecstoken -- secret weir/test/plain
is "$RC:$OUT" "0:plain-secret-value" "ECS credentials with the token from a file sign GetSecretValue"
run AWS_CONTAINER_CREDENTIALS_FULL_URI=$fake/ecs/creds AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong -- whoami
is "$RC" 6 "ECS endpoint refusing the token: auth error"

run AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=$fake -- whoami
is "$RC:$OUT" "0:arn:aws:sts::123456789012:assumed-role/weir-test-role/i-0123456789abcdef0" \
    "EC2 IMDSv2 (token PUT, role, credentials)"
run -- whoami
like "$RC:$ERR" "^6:.*no AWS credentials found" "no source at all: auth error naming what was tried"
like "$ERR" "env, profile, web-identity, ecs, imds" "the chain order is env, profile, web identity, ECS, IMDS"

# --- the fake's own checks (what later Glue/KMS code will rely on) ---------
# Raw requests signed with botocore but with bodies botocore's client would
# refuse: the fake must answer as AWS does.
fake_check=$(/usr/bin/python3 - "$fake" "$AKID" "$SECRET" <<'EOP' 2>&1
import json, sys, urllib.request, urllib.error
import botocore.auth, botocore.awsrequest, botocore.credentials, botocore.session
url, akid, secret = sys.argv[1:]
def raw(target, body):
    svc = {"secretsmanager": "secretsmanager", "AWSGlue": "glue"}[target.split(".")[0]]
    r = botocore.awsrequest.AWSRequest(method="POST", url=url + "/", data=body.encode(),
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(akid, secret), svc,
                            "us-east-1").add_auth(r)
    p = r.prepare()
    q = urllib.request.Request(p.url, data=p.body, headers=dict(p.headers), method="POST")
    try:
        return json.loads(urllib.request.urlopen(q).read() or b"{}").get("__type", "OK")
    except urllib.error.HTTPError as e:
        return json.loads(e.read()).get("__type")
print("type", raw("secretsmanager.GetSecretValue", '{"SecretId": 5}'))
print("required", raw("secretsmanager.GetSecretValue", '{}'))
print("minlen", raw("secretsmanager.GetSecretValue", '{"SecretId": "weir/test/plain", "VersionStage": ""}'))
print("unknown", raw("secretsmanager.GetSecretValue", '{"SecretId": "x", "Bogus": 1}'))
print("notjson", raw("secretsmanager.GetSecretValue", 'not json'))
s = botocore.session.get_session()
g = s.create_client("glue", endpoint_url=url, region_name="us-east-1",
                    aws_access_key_id=akid, aws_secret_access_key=secret)
g.create_database(DatabaseInput={"Name": "it_aws_fake"})
g.create_table(DatabaseName="it_aws_fake", TableInput={"Name": "t", "PartitionKeys":
    [{"Name": "dt", "Type": "string"}], "StorageDescriptor": {"Columns": [{"Name": "id",
    "Type": "bigint"}], "Location": "s3://weir-test/t/"}})
e = g.batch_create_partition(DatabaseName="it_aws_fake", TableName="t", PartitionInputList=[
    {"Values": ["2024-01-01"], "Parameters": {"rows": "3"}}, {"Values": ["2024-01-02"]},
    {"Values": ["2024-01-01"]}])
print("batch_errors", [x["ErrorDetail"]["ErrorCode"] for x in e.get("Errors", [])])
try:
    g.get_table(DatabaseName="it_aws_fake", Name="missing")
except g.exceptions.EntityNotFoundException:
    print("missing_table", "EntityNotFoundException")
parts = json.loads(urllib.request.urlopen(url + "/__admin/glue/it_aws_fake/t/partitions").read())
print("admin_partitions", ",".join(p["Values"][0] + ":" + p.get("Parameters", {}).get("rows", "-")
                                   for p in parts))
EOP
)
field() { printf '%s\n' "$fake_check" | sed -n "s/^$1 //p"; }
is "$(field type)" SerializationException "fake: a wrongly typed member is a SerializationException"
is "$(field required)" ValidationException "fake: a missing required member is a ValidationException"
is "$(field minlen)" ValidationException "fake: a too short string is a ValidationException"
is "$(field unknown)" ValidationException "fake: an unknown member is refused"
is "$(field notjson)" SerializationException "fake: a body that is not JSON is a SerializationException"
is "$(field batch_errors)" "['AlreadyExistsException']" "fake: Glue BatchCreatePartition reports duplicates"
is "$(field missing_table)" EntityNotFoundException "fake: Glue GetTable of a missing table"
is "$(field admin_partitions)" "2024-01-01:3,2024-01-02:-" "fake: Glue partitions visible through /__admin"

# --- S3 through the fake: signature checked by botocore's S3 signer, then s3rver
if curl -s -o /dev/null "http://127.0.0.1:${WEIR_TEST_S3PORT:-54569}/"; then
    s3_check=$(/usr/bin/python3 - "$fake" <<'EOP' 2>&1
import sys
import botocore.session
from botocore.config import Config
s = botocore.session.get_session()
def client(secret):
    return s.create_client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                           aws_access_key_id="S3RVER", aws_secret_access_key=secret,
                           config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
c = client("S3RVER")
c.put_object(Bucket="weir-test", Key="it_aws_fake/a b+c.txt", Body=b"hello")
print("get", c.get_object(Bucket="weir-test", Key="it_aws_fake/a b+c.txt")["Body"].read().decode())
try:
    client("wrong").put_object(Bucket="weir-test", Key="it_aws_fake/x", Body=b"x")
    print("wrong accepted")
except Exception as e:
    print("wrong", e.response["Error"]["Code"])
c.delete_object(Bucket="weir-test", Key="it_aws_fake/a b+c.txt")
EOP
)
    is "$(printf '%s\n' "$s3_check" | sed -n 's/^get //p')" hello "fake → s3rver: a signed PUT and GET go through"
    is "$(printf '%s\n' "$s3_check" | sed -n 's/^wrong //p')" SignatureDoesNotMatch \
        "fake → s3rver: a wrong S3 secret key is refused (SignatureDoesNotMatch)"
else
    skip "fake → s3rver: S3 signature checks" "s3rver not running (scripts/services start s3)"
fi

done_testing
