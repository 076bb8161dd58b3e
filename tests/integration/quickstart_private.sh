#!/usr/bin/env bash
# The quickstart from a checkout the database's user cannot reach (issue 14):
# a copy of the repository's tracked files (what a fresh clone holds) in a
# 0700 home directory, scripts/quickstart run there as root (without
# install-deps, with the weir already built), then the README's "Using it"
# commands with `weir` from the PATH. The demo's PostgreSQL runs on a port of
# its own with its data under /var/tmp/weir-<hash>; both are gone at the end.
. "$(dirname "$0")/lib.sh"
require_weir
[ "$(id -u)" -eq 0 ] || skip_all "optional: needs root (the servers run as their own users only then)"
id -u postgres >/dev/null 2>&1 || skip_all "no postgres user (scripts/install-deps)"
[ -d "$WEIR_NODE_DIR/node_modules/@duckdb/node-api" ] || skip_all "no DuckDB reader (scripts/install-deps)"

home=$WEIR_TEST_TMP/home
repo=$home/weir
rm -rf "$home"
mkdir -p "$repo" && chmod 700 "$home"
(cd "$WEIR_SRCDIR" && git ls-files -z | tar --null --ignore-failed-read -T - -cf -) | tar -C "$repo" -xf -
ln -s "$WEIR_NODE_DIR/node_modules" "$repo/tests/node/node_modules"
is "$(stat -c %a "$home")" 700 "the home directory is 0700"
runuser -u postgres -- test -x "$repo" 2>/dev/null && not_ok "postgres cannot reach the checkout" ||
    pass "postgres cannot reach the checkout"

# A port of its own, and nothing of the test harness's services.
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
unset WEIR_TEST_DIR PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE
export WEIR_TEST_PGPORT=$port HOME=$home
data=$("$repo/scripts/services" dir)
like "$data" '^/var/tmp/weir-[0-9a-f]{12}/services$' "services keep their data outside the private checkout"

cleanup() {
    WEIR_TEST_PGPORT=$port "$repo/scripts/services" stop pg >/dev/null 2>&1
    case $data in /var/tmp/weir-*) rm -rf "$(dirname "$data")" ;; esac
}
trap cleanup EXIT

export PATH=$home/bin:$PATH
out=$WEIR_TEST_TMP/quickstart.out
(cd "$home" && timeout 600 "$repo/scripts/quickstart" --skip-deps --weir "$WEIR" --bindir "$home/bin") \
    >"$out" 2>&1
rc=$?
is "$rc" 0 "scripts/quickstart exits 0" || diag "$(tail -n 30 "$out")"
like "$(cat "$out")" "postgresql: 127.0.0.1:$port" "the quickstart started PostgreSQL"
like "$(cat "$out")" "weir is on the PATH: $home/bin/weir" "the quickstart put weir on the PATH"
like "$(cat "$out")" 'scripts/services stop pg' "the quickstart says how to stop PostgreSQL"
like "$(cat "$out")" 'export WEIR_DEMO_PASSWORD=weir' "the quickstart names WEIR_DEMO_PASSWORD"
like "$(cat "$out")" $'\nstatus +orders +amount\n' "the DuckDB summary is a table"
like "$(cat "$out")" $'\nshipped +[0-9]+ +[0-9]+\\.[0-9]{2}\n' "numbers are printed as numbers"
like "$(cat "$out")" $'"history": \\[.*\n}' "the state dump is complete JSON"
is "$(stat -c %U "$data/pg/data")" postgres "PostgreSQL's data belongs to postgres"

# The README's commands, as a user types them after the quickstart.
spec=_tmp/demo.yaml # the quickstart's copy of specs/examples/demo.yaml for this port
cd "$repo" || exit 1
export WEIR_DEMO_PASSWORD=weir
eval "$(scripts/services env)"
export PGDATABASE=weir_demo
run_user() { # NAME RC ARGS...: `weir ARGS` found on the PATH
    local name=$1 want=$2
    shift 2
    weir "$@" >"$WEIR_TEST_TMP/user.out" 2>"$WEIR_TEST_TMP/user.err" </dev/null
    is "$?" "$want" "$name" || diag "$(tail -n 5 "$WEIR_TEST_TMP/user.err")"
}
run_user "weir check (from the PATH)" 0 check "$spec"
run_user "weir plan" 0 plan "$spec" --job orders
like "$(cat "$WEIR_TEST_TMP/user.out")" 'rows: +none above the watermark' "plan after the demo: nothing new"
run_user "weir run" 0 run "$spec"
run_user "weir state show" 0 state show "$spec" --job orders
run_user "weir state set" 0 state set "$spec" --job orders --value '2026-11-01 00:00:00+00' --value 0
run_user "weir state reset" 0 state reset "$spec" --job orders
run_user "weir run --job orders --full-reload" 0 run "$spec" --job orders --full-reload

# The lake against the demo database: insert-only tables value by value.
COMPARE_NAME="demo: customers in the lake = the database" \
    compare_db_lake shop.customers "$repo/lake/customers/**/*.parquet" --key id
COMPARE_NAME="demo: order_items in the lake = the database" \
    compare_db_lake shop.order_items "$repo/lake/order_items/**/*.parquet" --key id
COMPARE_NAME="demo: orders after the full reload = the database" \
    compare_db_lake shop.orders "$repo/lake/orders/**/*.parquet" --key id

cd "$WEIR_TEST_TMP" || exit 1
"$repo/scripts/services" stop pg
psql -X -qtA -c 'SELECT 1' >/dev/null 2>&1 && not_ok "scripts/services stop pg stopped it" ||
    pass "scripts/services stop pg stopped it"
done_testing
