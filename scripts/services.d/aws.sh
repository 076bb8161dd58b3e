# The AWS fake (tests/aws-fake/server.py) for the integration tests; sourced
# by scripts/services, which sets $here, $base and $AWSPORT_T.
#   server   Debian's /usr/bin/python3 (botocore checks signatures and inputs)
#            on 127.0.0.1:$AWSPORT_T, seeded from tests/fixtures/aws/fake-seed.json
#   files    $base/aws/server.pid, $base/aws/server.log
# S3 through the fake (AWS_ENDPOINT_URL_S3=http://127.0.0.1:$AWSPORT_T) has its SigV4
# signature checked, then goes to s3rver on $S3PORT_T (which checks only the key id).
# Test credentials: AKIAWEIRTEST00000001 / weirTestSecretKey/0123456789abcdefghij
# (and S3RVER / S3RVER). State is in memory: a restart resets it.

aws_up() { curl -sf -o /dev/null "http://127.0.0.1:$AWSPORT_T/__admin/health"; }

start_aws() {
  local d=$base/aws seed=()
  mkdir -p "$d"
  [ -f "$here/tests/fixtures/aws/fake-seed.json" ] && seed=(--seed "$here/tests/fixtures/aws/fake-seed.json")
  daemon_start "$d" "aws fake" aws_up "$d/stdout.log" -- /usr/bin/python3 "$here/tests/aws-fake/server.py" \
    --port "$AWSPORT_T" "${seed[@]}" --s3-upstream "127.0.0.1:$S3PORT_T" --log "$d/server.log" || return 1
  echo "aws fake: 127.0.0.1:$AWSPORT_T"
}

stop_aws() { daemon_stop "$base/aws"; }
