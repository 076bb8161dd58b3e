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
  local d=$base/aws
  mkdir -p "$d"
  if ! aws_up; then
    local seed=()
    [ -f "$here/tests/fixtures/aws/fake-seed.json" ] && seed=(--seed "$here/tests/fixtures/aws/fake-seed.json")
    setsid nohup /usr/bin/python3 "$here/tests/aws-fake/server.py" --port "$AWSPORT_T" \
      "${seed[@]}" --s3-upstream "127.0.0.1:$S3PORT_T" --log "$d/server.log" \
      >"$d/stdout.log" 2>&1 </dev/null &
    echo $! >"$d/server.pid"
    local i
    for i in $(seq 1 60); do aws_up && break; sleep 0.25; done
    aws_up || { echo "aws fake did not start; see $d/stdout.log" >&2; tail -n 20 "$d/stdout.log" >&2; return 1; }
  fi
  echo "aws fake: 127.0.0.1:$AWSPORT_T"
}

stop_aws() {
  local d=$base/aws pid
  if [ -f "$d/server.pid" ]; then
    pid=$(cat "$d/server.pid")
    kill "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$d/server.pid"
  fi
}
