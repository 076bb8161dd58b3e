#!/usr/bin/env bash
# The ODBC source streams: peak RSS of a full scan of 100k and 1M rows
# through psqlODBC (UseDeclareFetch) stays flat; so does MariaDB's: before
# 3.1.17 (NO_CACHE) Connector/ODBC holds whole results, and the plugin reads
# the table in key-ordered chunks (chunked: auto). Prints the scan rates
# next to psql's \copy (FORMAT binary) and `mariadb -e 'SELECT ...'` of the
# same 1M-row table, and MariaDB's peak RSS with one statement
# (chunked=never) for comparison.
set -uo pipefail
src=${WEIR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${WEIR_BUILDDIR:-$src/_build/release}
tmp=${WEIR_TEST_TMP:-$(mktemp -d)}
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
bench=$build/tests/unit/test_odbc_bench
if [ ! -x "$bench" ]; then
  make -C "$build" tests/unit/test_odbc_bench >/dev/null 2>&1
fi
if [ ! -x "$bench" ]; then
  notok "build tests/unit/test_odbc_bench"; echo "1..$n"; exit 1
fi
eval "$("$src/scripts/odbc-setup" "$tmp/odbc")"
export WEIR_PLUGIN_PATH=${WEIR_PLUGIN_PATH:-$build/.libs}
PGPORT=${PGPORT:-55432} MYPORT=${WEIR_TEST_MYPORT:-53306}
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-weir} PGPASSWORD=${PGPASSWORD:-weir} PGDATABASE=${PGDATABASE:-weir_test}

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

# scan <label> <connection> <table> [option=value ...]: prints the bench line, returns its status
scan() { local cs=$2 t=$3; shift 3; "$bench" "$cs" weir weir "$t" "$@" 2>"$tmp/bench.err"; }

# --- PostgreSQL -----------------------------------------------------------
if psql -p "$PGPORT" -qtAc 'SELECT 1' >/dev/null 2>&1; then
  psql -p "$PGPORT" -q -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<'SQL'
DROP TABLE IF EXISTS odbc_stream_1m, odbc_stream_100k;
CREATE TABLE odbc_stream_1m AS SELECT g AS id, timestamp '2024-01-01' + g * interval '1 second' AS ts,
  md5(g::text) AS s, (g * 1.5)::numeric(18,2) AS amount, g % 7 = 0 AS flag FROM generate_series(1, 1000000) g;
CREATE TABLE odbc_stream_100k AS SELECT * FROM odbc_stream_1m WHERE id <= 100000;
SQL
  cs="Driver={PostgreSQL Unicode};Servername=127.0.0.1;Port=$PGPORT;Database=weir_test;"
  a=$(scan pg "$cs" odbc_stream_100k); sa=$?
  b=$(scan pg "$cs" odbc_stream_1m); sb=$?
  echo "# psqlODBC 100k: $a"
  echo "# psqlODBC 1M:   $b"
  if [ $sa -eq 0 ] && [ $sb -eq 0 ] && [ "$(field rows "$b")" = 1000000 ]; then
    ok "psqlODBC scans 1M rows"
    ra=$(field maxrss_kb "$a"); rb=$(field maxrss_kb "$b")
    if [ "$rb" -le $((ra + 16384)) ]; then
      ok "psqlODBC peak RSS flat: ${ra} KiB (100k rows) vs ${rb} KiB (1M rows)"
    else
      notok "psqlODBC peak RSS flat: ${ra} KiB (100k rows) vs ${rb} KiB (1M rows)"
    fi
  else
    notok "psqlODBC scans 1M rows: $(tail -n 3 "$tmp/bench.err")"
  fi
  start=$(date +%s.%N)
  psql -p "$PGPORT" -q -c "\\copy (SELECT * FROM odbc_stream_1m) TO '/dev/null' WITH (FORMAT binary)"
  end=$(date +%s.%N)
  echo "# psql \\copy binary 1M rows: $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.3f s", b-a}')"
  psql -p "$PGPORT" -q -c "DROP TABLE IF EXISTS odbc_stream_1m, odbc_stream_100k" >/dev/null 2>&1
else
  notok "PostgreSQL on 127.0.0.1:$PGPORT is not reachable (scripts/services start pg)"
fi

# --- MariaDB ------------------------------------------------------------
my() { mariadb --no-defaults -h 127.0.0.1 -P "$MYPORT" -u weir -pweir weir_test "$@"; }
if my -e 'SELECT 1' >/dev/null 2>&1; then
  my -e "DROP TABLE IF EXISTS odbc_stream_1m, odbc_stream_100k;
    CREATE TABLE odbc_stream_1m (id int primary key, ts datetime(6), s varchar(32), amount decimal(18,2), flag bool);
    INSERT INTO odbc_stream_1m SELECT seq, '2024-01-01' + INTERVAL seq SECOND, MD5(seq), seq * 1.5, seq % 7 = 0 FROM seq_1_to_1000000;
    CREATE TABLE odbc_stream_100k LIKE odbc_stream_1m;
    INSERT INTO odbc_stream_100k SELECT * FROM odbc_stream_1m WHERE id <= 100000;"
  cs="Driver={MariaDB};Server=127.0.0.1;Port=$MYPORT;Database=weir_test;"
  a=$(scan my "$cs" odbc_stream_100k); sa=$?
  b=$(scan my "$cs" odbc_stream_1m); sb=$?
  buffers=$(grep -c odbc_driver_buffers "$tmp/bench.err")
  chunked=$(grep -c odbc_chunked "$tmp/bench.err")
  echo "# MariaDB 100k: $a"
  echo "# MariaDB 1M:   $b"
  if [ $sa -eq 0 ] && [ $sb -eq 0 ] && [ "$(field rows "$b")" = 1000000 ]; then
    ok "MariaDB Connector/ODBC scans 1M rows"
    ra=$(field maxrss_kb "$a"); rb=$(field maxrss_kb "$b")
    if [ "$rb" -le $((ra + 16384)) ] && [ "$buffers" = 0 ]; then
      ok "MariaDB peak RSS flat: ${ra} KiB (100k rows) vs ${rb} KiB (1M rows) (read in chunks: $chunked)"
    else
      notok "MariaDB peak RSS flat: ${ra} KiB (100k rows) vs ${rb} KiB (1M rows); $(tail -n 3 "$tmp/bench.err")"
    fi
  else
    notok "MariaDB Connector/ODBC scans 1M rows: $(tail -n 3 "$tmp/bench.err")"
  fi
  # one statement, as before chunked reads: the driver's memory grows with the rows
  a=$(scan my "$cs" odbc_stream_100k chunked=never)
  b=$(scan my "$cs" odbc_stream_1m chunked=never)
  echo "# MariaDB 100k, chunked=never: $a"
  echo "# MariaDB 1M, chunked=never:   $b"
  start=$(date +%s.%N)
  my -e 'SELECT * FROM odbc_stream_1m' >/dev/null
  end=$(date +%s.%N)
  echo "# mariadb -e 'SELECT * FROM odbc_stream_1m' > /dev/null: $(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.3f s", b-a}')"
  my -e "DROP TABLE IF EXISTS odbc_stream_1m, odbc_stream_100k"
else
  notok "MariaDB on 127.0.0.1:$MYPORT is not reachable (scripts/services start mariadb)"
fi
echo "1..$n"
