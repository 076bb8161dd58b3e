#!/usr/bin/env bash
# The compatibility contract of drivers/TYPES.md, enforced:
#  1. a PostgreSQL table with the types that have no common Parquet form
#     (time, uuid) and their neighbours, extracted under the default (compat)
#     profile: value by value equal to the database through DuckDB and
#     hyparquet (time as int64 microseconds since midnight, uuid as its text),
#     and its footer passes tests/node/lint.mjs;
#  2. the same table under types_profile: native keeps TIME and UUID: the lint
#     passes for what the file declares and fails, naming both columns, when
#     the file is linted as compat (so the lint can fail);
#  3. the lint over every Parquet file the other integration tests wrote in
#     this run (named zz_ so that scripts/test runs it last; files older than
#     the weir binary are from an earlier build and left out).
. "$(dirname "$0")/lib.sh"
require_pg
require_weir

T=it_contract_t
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (id int PRIMARY KEY, t time, u uuid, ts timestamp, tstz timestamptz,
                 n numeric(12,2), j jsonb, b bytea, tags text[], nu numeric);
INSERT INTO $T VALUES
  (1, '00:00:00', '00000000-0000-0000-0000-000000000000', '1970-01-01 00:00:00',
   '1970-01-01 00:00:00+00', 0, '{}', '\\x', '{}', 0),
  (2, '23:59:59.999999', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '2026-12-05 21:50:00.123456',
   '2026-12-05 21:50:00.654321+02', -9999999999.99, '{"k": "ü"}', '\\x00ff', '{a,"b c",NULL}', -123456789012345678.0123456789),
  (3, '24:00:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '0001-01-01 00:00:00',
   '9999-12-31 23:59:59.999999+00', 9999999999.99, '[1, 2]', '\\xdeadbeef', NULL, 0.0000000001),
  (4, '12:34:56.5', NULL, NULL, NULL, NULL, NULL, NULL, '{}', NULL),
  (5, NULL, '6f1c4e8a-9d2b-4c3e-8f70-123456789abc', '1969-12-31 23:59:59.999999',
   '1969-12-31 23:59:59.999999+00', 0.01, 'null', '\\x01', '{x}', 42);
EOS

run_profile() { # PROFILE [NUMERIC_POLICY [RC]]: extracts $T into $WEIR_TEST_TMP/lake-PROFILE[-POLICY]
    local profile=$1 policy=${2:-} want=${3:-0} name=$1${2:+-${2//[^a-z0-9]/_}}
    local spec=$WEIR_TEST_TMP/$name.yaml
    { spec_header "$WEIR_TEST_TMP/lake-$name" snappy |
        sed "s/^  compression: .*/&\n  types_profile: $profile/" |
        if [ -n "$policy" ]; then
            sed "s/^  password: .*/&\n  options:\n    numeric_unconstrained: \"$policy\"/"
        else cat; fi; cat <<EOS
jobs:
  - name: contract
    table: public.$T
    mode: full
    partition_by: none
EOS
    } | write_spec "$spec"
    weir_expect "$want" "$name: weir run exits $want" run "$spec" --log-format json
}

# --- 1. compat (the default) -----------------------------------------------
if run_profile compat; then
    files=("$WEIR_TEST_TMP"/lake-compat/contract/*.parquet)
    ok "compat: the footer passes the contract lint" node "$WEIR_NODE_DIR/lint.mjs" "${files[@]}"
    COMPARE_NAME="compat: postgres = lake, value by value (time as µs, uuid as text)" \
        compare_db_lake "SELECT * FROM $T" "$WEIR_TEST_TMP/lake-compat/contract/*.parquet" --key id
    is "$(lake_sql "SELECT t, u FROM lake WHERE id = 3" "${files[0]}")" \
        '{"t":"86400000000","u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}' \
        "compat: 24:00:00 is 86400000000 µs, uuid is its lowercase text"
    is "$(lake_sql "SELECT typeof(t) AS t, typeof(u) AS u FROM lake LIMIT 1" "${files[0]}")" \
        '{"t":"BIGINT","u":"VARCHAR"}' "compat: DuckDB reads time as BIGINT and uuid as VARCHAR"
fi

# --- 2. native: richer types, which the compat lint refuses ----------------
if run_profile native; then
    files=("$WEIR_TEST_TMP"/lake-native/contract/*.parquet)
    ok "native: the footer passes the lint for its declared profile" \
        node "$WEIR_NODE_DIR/lint.mjs" "${files[@]}"
    out=$(node "$WEIR_NODE_DIR/lint.mjs" --assume compat "${files[@]}" 2>&1); rc=$?
    is "$rc" 1 "native file linted as compat: the lint fails"
    like "$out" 'column t: INT64/TIME\(MICROS,false\) is native-only' "... naming the TIME column"
    like "$out" 'column u: FIXED_LEN_BYTE_ARRAY/UUID is native-only' "... naming the UUID column"
    COMPARE_NAME="native: postgres = lake, value by value (TIME, UUID)" \
        compare_db_lake "SELECT * FROM $T" "$WEIR_TEST_TMP/lake-native/contract/*.parquet" --key id
fi

# --- numeric without a precision: the numeric_unconstrained policy ---------
if run_profile compat string; then
    is "$(lake_sql "SELECT typeof(nu) AS t, nu FROM lake WHERE id = 2" \
        "$WEIR_TEST_TMP"/lake-compat-string/contract/*.parquet)" \
        '{"t":"VARCHAR","nu":"-123456789012345678.0123456789"}' \
        "numeric_unconstrained string: the exact text"
    COMPARE_NAME="numeric_unconstrained string: postgres = lake, value by value" \
        compare_db_lake "SELECT * FROM $T" "$WEIR_TEST_TMP/lake-compat-string/contract/*.parquet" --key id
fi
if run_profile compat 'decimal(30,10)'; then
    is "$(lake_sql "SELECT typeof(nu) AS t FROM lake LIMIT 1" \
        "$WEIR_TEST_TMP"/lake-compat-decimal_30_10_/contract/*.parquet)" '{"t":"DECIMAL(30,10)"}' \
        "numeric_unconstrained decimal(30,10): the column's type"
fi
run_profile compat fail 78
like "$(cat "$WEIR_ERR")" 'column \\"nu\\": numeric without a precision' \
    "numeric_unconstrained fail: exit 78 naming the column"
run_profile compat 'decimal(40,2)' 78
like "$(cat "$WEIR_ERR")" 'numeric_unconstrained.*not allowed.*string or fail' \
    "a bad numeric_unconstrained: exit 78 naming the allowed values"

# --- 3. every Parquet file the other tests of this run wrote ---------------
list=$WEIR_TEST_TMP/others.list
find "$(dirname "$WEIR_TEST_TMP")" -name '*.parquet' -newer "$WEIR" -not -path "$WEIR_TEST_TMP/*" \
    2>/dev/null | LC_ALL=C sort >"$list"
n=$(wc -l <"$list")
if [ "$n" -gt 0 ]; then
    ok "the footers of all $n Parquet files the other tests wrote follow the contract" \
        node "$WEIR_NODE_DIR/lint.mjs" --weir-only "@$list"
elif [ "${CI:-}" = true ]; then
    not_ok "the other integration tests wrote Parquet files for the lint" \
        "none under $(dirname "$WEIR_TEST_TMP") newer than $WEIR"
else
    skip "lint of the other tests' files" "optional: no other test ran since the build (--only)"
fi

pg "DROP TABLE IF EXISTS $T" >/dev/null
done_testing
