# TAP helpers for weir's integration tests (bash). Source it:
#   . "$(dirname "$0")/lib.sh"
# scripts/test runs each test with WEIR, WEIR_PLUGIN_PATH, WEIR_SRCDIR,
# WEIR_BUILDDIR, WEIR_TEST_TMP, NODE_PATH and the `scripts/services env`
# variables (PGHOST, PGPORT, ...). Run by hand, the defaults below find the
# build in <repo>/_build/release and the services' env file.
#
# Results:   pass NAME | not_ok NAME [DIAG...] | ok NAME CMD... | fails NAME CMD...
#            is GOT WANT NAME | isnt GOT UNWANTED NAME | like GOT ERE NAME | unlike GOT ERE NAME
#            skip NAME REASON | skip_all REASON | diag MSG... | done_testing (prints the plan)
# Services:  require_weir | require_pg | pg SQL | pg < file
# weir:      weir_run ARGS...       (sets WEIR_RC, WEIR_OUT, WEIR_ERR: files of stdout/stderr)
#            weir_expect RC NAME ARGS...   (one result: the exit status is RC)
#            spec_header LAKE [COMPRESSION] [FORMAT]  (prints version/source/target/state)
#            write_spec FILE        (stdin to FILE)
# Lake:      lake_files DIR         (the .parquet files under DIR, sorted)
#            compare_db_lake SOURCE LAKE_GLOB [compare.mjs options]   (one result)
# Logs:      log_has FILE KEY VALUE (a JSON line of FILE has KEY equal to VALUE)
# Nothing here exits on a failed check: a test runs all its checks and
# done_testing ends it with status 1 when any failed. A test that dies before
# done_testing prints no plan, which the runner counts as a failure.

WEIR_SRCDIR=${WEIR_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WEIR_BUILDDIR=${WEIR_BUILDDIR:-$WEIR_SRCDIR/_build/release}
WEIR=${WEIR:-$WEIR_BUILDDIR/weir}
WEIR_PLUGIN_PATH=${WEIR_PLUGIN_PATH:-$WEIR_BUILDDIR/.libs}
export WEIR WEIR_PLUGIN_PATH WEIR_SRCDIR WEIR_BUILDDIR
_svc_env=$("$WEIR_SRCDIR/scripts/services" dir)/env
if [ -z "${PGPORT:-}" ] && [ -f "$_svc_env" ]; then
    . "$_svc_env"
fi
if [ -z "${WEIR_TEST_TMP:-}" ]; then
    WEIR_TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/weir-test.XXXXXX")
fi
export WEIR_TEST_TMP
export NODE_PATH=${NODE_PATH:-$WEIR_SRCDIR/tests/node/node_modules}
WEIR_NODE_DIR=$WEIR_SRCDIR/tests/node

_tap_n=0
_tap_failed=0

diag() {
    local l
    for l in "$@"; do
        printf '%s\n' "$l" | cut -c1-400 | sed 's/^/# /'
    done
}

pass() {
    _tap_n=$((_tap_n + 1))
    printf 'ok %d - %s\n' "$_tap_n" "$1"
}

not_ok() { # NAME [DIAG...]
    _tap_n=$((_tap_n + 1))
    _tap_failed=$((_tap_failed + 1))
    printf 'not ok %d - %s\n' "$_tap_n" "$1"
    shift
    [ $# -gt 0 ] && diag "$@"
    return 0
}

ok() { # NAME CMD...: passes when CMD exits 0; its output goes to the diagnostics on failure
    local name=$1 out rc
    shift
    out=$("$@" 2>&1); rc=$?
    if [ $rc -eq 0 ]; then pass "$name"; else not_ok "$name" "command: $*" "exit status $rc" \
        "$(printf '%s\n' "$out" | tail -n 20)"; fi
    return $rc
}

fails() { # NAME CMD...: passes when CMD exits non-zero
    local name=$1 out rc
    shift
    out=$("$@" 2>&1); rc=$?
    if [ $rc -ne 0 ]; then pass "$name"; else not_ok "$name" "command: $*" "exited 0, expected a failure"; fi
}

_clip() { # a value for a diagnostic: at most 300 characters
    local s=$1
    if [ ${#s} -gt 300 ]; then printf '%s...(%d chars)' "${s:0:300}" "${#s}"; else printf '%s' "$s"; fi
}

is() { # GOT WANT NAME
    if [ "$1" = "$2" ]; then pass "$3"; else
        not_ok "$3" "got:  '$(_clip "$1")'" "want: '$(_clip "$2")'"; return 1; fi
}

isnt() { # GOT UNWANTED NAME
    if [ "$1" != "$2" ]; then pass "$3"; else not_ok "$3" "got the unwanted '$(_clip "$1")'"; return 1; fi
}

like() { # GOT ERE NAME
    if [[ $1 =~ $2 ]]; then pass "$3"; else
        not_ok "$3" "got:          '$(_clip "$1")'" "does not match: /$2/"; return 1; fi
}

unlike() { # GOT ERE NAME
    if [[ ! $1 =~ $2 ]]; then pass "$3"; else
        not_ok "$3" "got:     '$(_clip "$1")'" "matches: /$2/"; return 1; fi
}

skip() { # NAME REASON
    _tap_n=$((_tap_n + 1))
    printf 'ok %d - %s # SKIP %s\n' "$_tap_n" "$1" "$2"
}

skip_all() { # REASON: the whole file is skipped (CI counts it as a failure unless "optional ...")
    printf '1..0 # SKIP %s\n' "$1"
    exit 0
}

done_testing() {
    printf '1..%d\n' "$_tap_n"
    [ "$_tap_failed" -eq 0 ] && exit 0
    exit 1
}

# --- services ------------------------------------------------------------

require_weir() {
    [ -x "$WEIR" ] || skip_all "weir binary not built ($WEIR)"
}

require_pg() {
    psql -X -qtA -c 'SELECT 1' >/dev/null 2>&1 ||
        skip_all "PostgreSQL not reachable at ${PGHOST:-?}:${PGPORT:-?} (scripts/services start pg)"
}

# The AWS fake as the only AWS endpoint, with its seeded test credentials and
# a HOME of the test's own (no ~/.aws); skips the file when it is not up.
# Sets $fake; admin METHOD PATH [JSON] calls its /__admin API.
require_aws_fake() {
    fake=http://127.0.0.1:${WEIR_TEST_AWSPORT:-54580}
    curl -sf -o /dev/null "$fake/__admin/health" ||
        skip_all "the AWS fake is not running (scripts/services start aws)"
    export AWS_ACCESS_KEY_ID=AKIAWEIRTEST00000001
    export AWS_SECRET_ACCESS_KEY='weirTestSecretKey/0123456789abcdefghij'
    export AWS_REGION=us-east-1 AWS_ENDPOINT_URL=$fake
    export HOME=$WEIR_TEST_TMP/home AWS_EC2_METADATA_DISABLED=true
    unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION AWS_ENDPOINT_URL_GLUE
    mkdir -p "$HOME"
}
admin() { curl -sf -X "$1" -H 'Content-Type: application/json' ${3:+--data "$3"} "$fake/__admin/$2"; }

# require_s3_fake: skips the whole test unless the AWS fake answers; sets
# `fake` (its URL) and `tool` (tests/tools/s3_tool) and the AWS_* variables
# that point weir and s3_tool at the fake.
require_s3_fake() {
    fake=http://127.0.0.1:${WEIR_TEST_AWSPORT:-54580}
    curl -sf -o /dev/null "$fake/__admin/health" ||
        skip_all "AWS fake not reachable at $fake (scripts/services start aws s3)"
    tool=$WEIR_BUILDDIR/tests/tools/s3_tool
    [ -x "$tool" ] || make -C "$WEIR_BUILDDIR" tests/tools/s3_tool >/dev/null 2>&1
    [ -x "$tool" ] || skip_all "s3_tool not built ($tool; run make check)"
    export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
    export AWS_ENDPOINT_URL_S3=$fake AWS_EC2_METADATA_DISABLED=true
    unset AWS_ENDPOINT_URL AWS_PROFILE AWS_SESSION_TOKEN
}

# s3_download BUCKET PREFIX DIR: every object under s3://BUCKET/PREFIX into
# DIR (through tests/tools/s3_tool, so the fake checks the signatures).
s3_download() {
    local tool=$WEIR_BUILDDIR/tests/tools/s3_tool p
    rm -rf "$3"
    "$tool" list "s3://$1/$2" "" | while read -r p; do
        mkdir -p "$3/$(dirname "$p")"
        "$tool" get "$1" "$2$p" >"$3/$p" || return 1
    done
}

# glue_parts DB TABLE: the fake Glue's partitions of a table, sorted, one a
# line: "values|location|weir.rows|weir.watermark_low|weir.watermark_high".
glue_parts() {
    admin GET "glue/$1/$2/partitions" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
if isinstance(d, dict): d = d.get("Partitions", d.get("partitions", []))
for p in sorted(d, key=lambda p: p["Values"]):
    pa = p["StorageDescriptor"].get("Parameters", p.get("Parameters", {}))
    print(",".join(p["Values"]), p["StorageDescriptor"]["Location"], pa.get("weir.rows"),
          pa.get("weir.watermark_low"), pa.get("weir.watermark_high"), sep="|")'
}

pg() { # SQL (or stdin): psql -X -qtA, stops at the first error
    if [ $# -gt 0 ]; then
        psql -X -qtA -v ON_ERROR_STOP=1 -c "$*"
    else
        psql -X -qtA -v ON_ERROR_STOP=1 -f -
    fi
}

# --- weir ----------------------------------------------------------------

_weir_runs=0
weir_run() { # ARGS...: runs $WEIR; WEIR_RC, WEIR_OUT, WEIR_ERR describe the run
    _weir_runs=$((_weir_runs + 1))
    WEIR_OUT=$WEIR_TEST_TMP/weir-$_weir_runs.out
    WEIR_ERR=$WEIR_TEST_TMP/weir-$_weir_runs.err
    printf '%s\n' "$*" >"$WEIR_TEST_TMP/weir-$_weir_runs.cmd"
    timeout --kill-after=10 "${WEIR_RUN_TIMEOUT:-600}" "$WEIR" "$@" >"$WEIR_OUT" 2>"$WEIR_ERR" </dev/null
    WEIR_RC=$?
    return $WEIR_RC
}

weir_expect() { # RC NAME ARGS...: one result, passes when weir exits with RC
    local want=$1 name=$2
    shift 2
    weir_run "$@"
    if [ "$WEIR_RC" -eq "$want" ]; then
        pass "$name"
        return 0
    fi
    not_ok "$name" "weir $*" "exit status $WEIR_RC, want $want; last lines of stderr ($WEIR_ERR):" \
        "$(tail -n 12 "$WEIR_ERR")"
    return 1
}

# The source/target/state part of a spec for the test PostgreSQL, the lake
# LAKE (a directory), the state beside it. The password comes from the environment.
spec_header() { # LAKE [COMPRESSION] [FORMAT] [STATE]
    local lake=$1 comp=${2:-snappy} fmt=${3:-parquet} state=${4:-$1.state}
    cat <<EOS
version: 1
source:
  driver: postgres
  connection: "host=${PGHOST:-127.0.0.1} port=${PGPORT:-55432} dbname=${PGDATABASE:-weir_test}"
  user: ${PGUSER:-weir}
  password: \${env:PGPASSWORD}
target:
  location: file://$lake
  format: $fmt
  compression: $comp
state:
  location: file://$state
EOS
}

write_spec() { # FILE: writes stdin to FILE
    mkdir -p "$(dirname "$1")"
    cat >"$1"
}

# --- lake ----------------------------------------------------------------

lake_files() { # DIR: the Parquet files under DIR, sorted, one a line
    find "$1" -type f -name '*.parquet' 2>/dev/null | LC_ALL=C sort
}

read_lake() { # READER FILE_OR_GLOB...: canonical JSON lines (schema line first)
    local reader=$1
    shift
    node "$WEIR_NODE_DIR/read.mjs" --reader "$reader" "$@"
}

lake_sql() { # SQL FILE_OR_GLOB...: DuckDB over the files as view `lake`; rows as JSON lines
    local sql=$1
    shift
    node "$WEIR_NODE_DIR/read.mjs" --sql "$sql" "$@" | tail -n +2
}

# SOURCE (table or SELECT) against the files LAKE_GLOB matches, through DuckDB
# and hyparquet, value by value; options go to tests/node/compare.mjs
# (--key COL,..., --pg-setting NAME=VALUE, --show N). One result.
_compares=0
compare_db_lake() {
    local source=$1 glob=$2 out rc name
    shift 2
    _compares=$((_compares + 1))
    name=${COMPARE_NAME:-"postgres = lake ($(_clip "$source"))"}
    out=$(node "$WEIR_NODE_DIR/compare.mjs" --out "$WEIR_TEST_TMP/compare-$_compares" "$@" \
        "$source" "$glob" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        pass "$name"
        printf '%s\n' "$out" | grep '^#' | head -n 3
    else
        not_ok "$name" "dumps kept in $WEIR_TEST_TMP/compare-$_compares"
        printf '%s\n' "$out" | head -n 60 | sed 's/^# \{0,1\}/#   /'
    fi
    return $rc
}

# NAME JOB SOURCE KEY [SPEC]: the current state of JOB (`weir sql current`
# on SPEC, default $spec) run by DuckDB over the lake = SOURCE, value by
# value (compare_db_lake with --key KEY). One result.
current_equals() {
    local name=$1 job=$2 source=$3 key=$4 sql
    weir_run sql current "${5:-$spec}" --job "$job"
    if [ "$WEIR_RC" != 0 ]; then
        not_ok "$name" "weir sql current exit $WEIR_RC: $(cat "$WEIR_ERR")"
        return
    fi
    sql=$(grep -v '^--' "$WEIR_OUT" | sed '$ s/;$//')
    rm -f "$WEIR_TEST_TMP/current.parquet"
    lake_sql "COPY ($sql) TO '$WEIR_TEST_TMP/current.parquet' (FORMAT parquet)" >/dev/null
    COMPARE_NAME=$name compare_db_lake "$source" "$WEIR_TEST_TMP/current.parquet" --key "$key"
}

# --- logs ----------------------------------------------------------------

log_has() { # FILE KEY VALUE: some JSON line of FILE has "KEY": VALUE (string or number)
    /usr/bin/python3 - "$1" "$2" "$3" <<'EOP'
import json, sys
path, key, want = sys.argv[1:]
with open(path, encoding="utf-8", errors="replace") as f:
    for line in f:
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if isinstance(o, dict) and key in o and str(o[key]) == want:
            sys.exit(0)
sys.exit(1)
EOP
}

# --- specs written by weir discover ----------------------------------------

spec_jobs() { # SPEC: per job a tab-separated line: name, table, mode, watermark columns, types (k=v,...)
    /usr/bin/python3 - "$1" <<'EOP'
import sys, yaml
for j in yaml.safe_load(open(sys.argv[1], encoding="utf-8"))["jobs"]:
    wm = ",".join(j.get("watermark", {}).get("columns", []))
    types = ",".join(f"{k}={v}" for k, v in (j.get("types") or {}).items())
    print("\t".join([j["name"], j["table"], j.get("mode", "incremental"), wm, types]))
EOP
}

lake_job_counts() { # LAKE JOBS_TSV: "job count" per job of JOBS_TSV (spec_jobs), DuckDB over LAKE/<job>/, sorted
    local lake=$1 job rest sql="" first=""
    while IFS=$'\t' read -r job rest; do
        sql+="${sql:+ UNION ALL }SELECT '$job' AS job, count(*) AS n FROM read_parquet('$lake/$job/**/*.parquet')"
        first=${first:-$lake/$job/**/*.parquet}
    done <"$2"
    lake_sql "$sql" "$first" | /usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    print(o["job"], o["n"])' | LC_ALL=C sort
}
