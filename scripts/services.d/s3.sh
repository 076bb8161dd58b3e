# S3 for the integration tests: s3rver (npm, tests/node) on 127.0.0.1:$S3PORT_T;
# sourced by scripts/services, which sets $here, $base and $S3PORT_T.
#   data     $base/s3/data, bucket "weir-test" created at start
#   files    $base/s3/server.pid, $base/s3/server.log
# s3rver knows one key pair, S3RVER / S3RVER, but for SigV4 it checks only the
# access key id, not the signature (s3rver 3.7.1, lib/middleware/authentication.js:
# "Signature version 4 calculation is unimplemented"). To have S3 signatures
# checked, send S3 requests to the AWS fake (aws.sh), which verifies them with
# botocore's S3 signer and forwards them here.
# Use path-style URLs (http://127.0.0.1:PORT/weir-test/key).

s3_up() { curl -s -o /dev/null "http://127.0.0.1:$S3PORT_T/"; }

start_s3() {
  local d=$base/s3 bin=$here/tests/node/node_modules/.bin/s3rver
  mkdir -p "$d/data"
  if [ ! -x "$bin" ]; then
    echo "s3rver is not installed: run npm ci in tests/node" >&2; return 1
  fi
  daemon_start "$d" s3rver s3_up "$d/server.log" -- node "$bin" --directory "$d/data" \
    --address 127.0.0.1 --port "$S3PORT_T" --silent --configure-bucket weir-test || return 1
  echo "s3rver: 127.0.0.1:$S3PORT_T (bucket weir-test, keys S3RVER/S3RVER)"
}

stop_s3() { daemon_stop "$base/s3"; }
