#!/bin/sh
# TAP: files written by weir_writer_orc.so (through tests/tools/orc_gen: every
# supported type with edge values, every compression, several stripes and row
# groups, a 1 MiB string) are read back and compared value by value with what
# the tool wrote to <compression>.expected.jsonl.
#
# The reader: no independent ORC reader can be installed here (Debian 12 has
# no pyarrow, liborc or Java ORC tools; npm has no ORC reader; DuckDB has no
# built-in ORC support), so the check is weir's test-only reader
# (tests/unit/orc_reader*.c via tests/tools/orc_dump), written separately
# from the writer from the ORC v1 specification. It also seeks to every row
# index position and checks the statistics. The comparison parses both sides
# as JSON with Debian's python3.
#
# Needs: WEIR_BUILDDIR (or run from the build dir), python3.
set -u
BUILD=${WEIR_BUILDDIR:-$PWD}
GEN=$BUILD/tests/tools/orc_gen
DUMP=$BUILD/tests/tools/orc_dump
PLUGINS=${WEIR_PLUGIN_PATH:-$BUILD/.libs}

bail() {
    echo "1..1"
    echo "not ok 1 - $1"
    exit 1
}

if [ ! -x "$GEN" ] || [ ! -x "$DUMP" ]; then
    make -C "$BUILD" tests/tools/orc_gen tests/tools/orc_dump >/dev/null 2>&1
fi
[ -x "$GEN" ] && [ -x "$DUMP" ] || bail "tests/tools/orc_gen, orc_dump are not built in $BUILD (make check builds them)"
[ -f "$PLUGINS/weir_writer_orc.so" ] || bail "no weir_writer_orc.so in $PLUGINS"
command -v python3 >/dev/null 2>&1 || bail "python3 is not installed: the comparison cannot run"

OUT=$(mktemp -d "${TMPDIR:-/tmp}/weir-orc.XXXXXX")
trap 'rm -rf "$OUT"' EXIT INT TERM
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }

if WEIR_PLUGIN_PATH=$PLUGINS "$GEN" "$OUT" 45000 >"$OUT/gen.log" 2>&1; then
    ok "orc_gen wrote a file per compression"
else
    notok "orc_gen wrote a file per compression"
    sed 's/^/# /' "$OUT/gen.log"
    echo "1..$n"
    exit 1
fi

for comp in none gzip snappy lz4 zstd; do
    f=$OUT/$comp.orc
    if [ "$(head -c 3 "$f")" = ORC ] && [ "$(tail -c 4 "$f" | head -c 3)" = ORC ] ||
       python3 -c "import sys; d=open(sys.argv[1],'rb').read(); ps=d[-1-d[-1]:-1]; sys.exit(0 if d[:3]==b'ORC' and ps.endswith(b'ORC') else 1)" "$f"; then
        ok "$comp: ORC header, postscript ends with the magic"
    else
        notok "$comp: ORC header, postscript ends with the magic"
    fi
    if "$DUMP" "$f" >"$OUT/$comp.got.jsonl" 2>"$OUT/$comp.dump.log"; then
        ok "$comp: read back, $(sed 's/^orc_dump: [^:]*: //' "$OUT/$comp.dump.log")"
    else
        notok "$comp: read back"
        sed 's/^/# /' "$OUT/$comp.dump.log"
        continue
    fi
    if python3 - "$OUT/$comp.expected.jsonl" "$OUT/$comp.got.jsonl" >"$OUT/$comp.cmp" 2>&1 <<'PY'
import json, sys
want = open(sys.argv[1]).read().splitlines()
got = open(sys.argv[2]).read().splitlines()
bad = 0
if len(want) != len(got):
    print(f"# {len(got)} rows read, {len(want)} written")
    bad += 1
for i, (w, g) in enumerate(zip(want, got)):
    w, g = json.loads(w), json.loads(g)
    for c, (a, b) in enumerate(zip(w, g)):
        if a != b or type(a) != type(b):
            bad += 1
            if bad <= 5:
                print(f"# row {i} column {c}: want {str(a)[:60]} got {str(b)[:60]}")
print(f"# {len(want)} rows x {len(json.loads(want[0])) if want else 0} columns compared, {bad} differences")
sys.exit(1 if bad else 0)
PY
    then
        ok "$comp: every value equals what was written ($(tail -1 "$OUT/$comp.cmp" | sed 's/^# //'))"
    else
        notok "$comp: every value equals what was written"
        cat "$OUT/$comp.cmp"
    fi
done
echo "1..$n"
exit $failed
