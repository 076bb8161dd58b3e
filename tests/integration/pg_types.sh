#!/usr/bin/env bash
# The PostgreSQL type matrix end to end through the real CLI: a table with
# every supported type and its edge values (NULLs, integer limits, NaN and
# infinities, numeric(38,10) extremes, multibyte text, a 1 MiB text, bytea
# with zero bytes, dates far from 1970, timestamptz written from several time
# zones, infinite dates and timestamps), extracted by `weir run` in full and
# incremental mode with snappy, zstd and gzip, then compared value by value
# with PostgreSQL through DuckDB and hyparquet (tests/node/compare.mjs).
. "$(dirname "$0")/lib.sh"
require_pg
require_weir

T=it_pg_types
readme=$WEIR_SRCDIR/drivers/postgres/README.md

# --- what the driver documents ------------------------------------------
# Infinite dates/timestamps are clamped to the ends of the Parquet range (the
# table "Infinite dates and timestamps: clamped" of drivers/postgres/README.md);
# types without a binary decoder (interval) fall back to their text; one-dimensional
# arrays are lists (drivers/TYPES.md).
ts_max='9999-12-31 23:59:59.999999' ts_min='0001-01-01 00:00:00'
date_max='9999-12-31' date_min='0001-01-01'
interval_style=iso_8601
clamp_row() { # infinity|-infinity: "date|timestamp" from the README's table
    sed -n "s/^| \`$1\` | *\([^|]*[^ |]\) *| *\([^|]*[^ |]\) *|.*/\1|\2/p" "$readme" | head -n 1
}
if [ -f "$readme" ]; then
    hi=$(clamp_row infinity) lo=$(clamp_row -infinity)
    if [ -n "$hi" ] && [ -n "$lo" ]; then
        date_max=${hi%%|*} ts_max=${hi#*|} date_min=${lo%%|*} ts_min=${lo#*|}
        pass "drivers/postgres/README.md documents the clamp: infinity -> $date_max / $ts_max, -infinity -> $date_min / $ts_min"
    else
        not_ok "drivers/postgres/README.md documents the clamp of infinite dates and timestamps" \
            "no table rows | \`infinity\` | DATE | TIMESTAMP | in $readme; asserting the brief's values"
    fi
    if grep -qi 'intervalstyle.*postgres\b' "$readme" && ! grep -qi 'iso_8601\|iso 8601' "$readme"; then
        interval_style=postgres
    fi
else
    diag "drivers/postgres/README.md does not exist: asserting the clamp of the task brief" \
        "(infinity -> $ts_max, -infinity -> $ts_min) and ISO 8601 intervals (the driver's session setup)"
fi

# --- the table ------------------------------------------------------------
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (
  id int4 PRIMARY KEY,
  c_bool boolean, c_int2 int2, c_int4 int4, c_int8 int8,
  c_float4 float4, c_float8 float8,
  c_num38 numeric(38,10), c_num10 numeric(10,2), c_num numeric,
  c_text text, c_varchar varchar(20), c_char char(5), c_name name, c_bytea bytea,
  c_date date, c_time time, c_ts timestamp, c_tstz timestamptz,
  c_uuid uuid, c_json json, c_jsonb jsonb,
  c_interval interval, c_int_arr int[], c_text_arr text[]
);
EOS
ins() { # rows: VALUES lists, inserted with the session time zone \$1
    local tz=$1
    shift
    pg >/dev/null <<EOS
SET TimeZone = '$tz';
INSERT INTO $T VALUES $*;
EOS
}
ins UTC "(1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
ins UTC "(2, false, -32768, -2147483648, -9223372036854775808, '-Infinity', '-Infinity',
           -9999999999999999999999999999.9999999999, -99999999.99, -99999999999999.999999,
           '', '', '', '', '', '0001-01-01', '00:00:00', '0001-01-01 00:00:00',
           '0001-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000000', '\"\"', '{}',
           '-1 day', '{}', '{}')"
ins UTC "(3, true, 32767, 2147483647, 9223372036854775807, 'Infinity', 'Infinity',
           9999999999999999999999999999.9999999999, 99999999.99, 99999999999999.999999,
           'plain', 'twenty chars exactly', 'abcde', 'name', '\\xff',
           '9999-12-31', '23:59:59.999999', '9999-12-31 23:59:59.999999',
           '9999-12-31 23:59:59.999999+00', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '[]', '[]',
           '1 year 2 mons 3 days 04:05:06.789', '{1,2,NULL}', '{\"a b\",\"c,d\",NULL,\"\\\\\\\\x\"}')"
ins UTC "(4, NULL, 0, 0, 0, 'NaN', 'NaN', 0.0000000001, 0.01, 0.000001,
           'héllo wörld ✓ 😀🎉', 'ünïcødé 😀', '😀é', 'ünïcødé', '\\x000000',
           '1969-12-31', '12:34:56.789', '1969-07-20 20:17:40', '1969-12-31 23:59:59.999999+00',
           'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{\"b\": 1,  \"a\": [1, 2.50, \"x\"]}',
           '{\"b\": 1,  \"a\": [1, 2.50, \"😀\"]}', '0', '{-2147483648,2147483647}', '{é,😀,\"\"}')"
ins UTC "(5, true, -1, -1, -1, 1.17549435e-38, 2.2250738585072014e-308,
           -0.0000000001, -0.01, -0.000001, repeat('0123456789abcdef', 65536) || '😀',
           ' lead', 'a', 'x', decode(repeat('00ff', 1000), 'hex'),
           '1900-02-28', '00:00:00.000001', '1900-01-01 00:00:00.000001', '1900-01-01 00:00:00+00',
           '123e4567-e89b-12d3-a456-426614174000', 'null', 'null', '-00:00:00.000001',
           NULL, '{NULL}')"
ins UTC "(6, false, 1, 1, 1, 3.4028235e38, 1.7976931348623157e308,
           12345678901234567890.1234567890, 12345678.90, 12345678901234.123456,
           E'tab\\there\\nnew line \\\\ backslash \"quote\"', 'trailing  ', 'ab', 'zz',
           '\\x00010203040506070809', '2262-04-11', '12:00:00', '2262-04-11 23:47:16.854775',
           '2262-04-11 23:47:16.854776+00', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', '1e400',
           '{\"k\": \"v\"}', '178000000 years', '{0}', '{NULL,NULL}')"
ins UTC "(7, true, 2, 2, 2, 1e-45, 5e-324, 0, 0, 0, 'x', 'y', '', 'n', '\\x00',
           '1582-10-04', '06:30:00', '2100-03-01 00:00:00', '2150-06-01 12:00:00+05:30',
           'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '123.4500', '123.4500', '1 mon', '{3}', '{x}')"
ins UTC "(8, false, 3, 3, 3, -0, -0, -1, -1, -1, 'é', 'é', 'é', 'é', '\\x01',
           '2200-01-01', '18:00:00', '2200-01-01 00:00:00', 'infinity',
           'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '{}', '{}', '1 day', '{4}', '{y}')"
ins UTC "(9, true, 4, 4, 4, 0.1, 0.1, 1, 1, 1, 'a', 'b', 'c', 'd', '\\x02',
           'infinity', '01:00:00', 'infinity', '-infinity',
           'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13', '{}', '{}', '2 days', '{5}', '{z}')"
ins UTC "(10, false, 5, 5, 5, 0.3333333, 0.1234567890123456789, 2, 2, 2, 'b', 'c', 'd', 'e', '\\x03',
           '-infinity', '02:00:00', '-infinity', '2020-01-01 00:00:00+00',
           'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14', '{}', '{}', '3 days', '{6}', '{w}')"
# timestamptz written from several zones: the lake holds the UTC instant.
ins 'Pacific/Auckland' "(11, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, '2020-01-01 00:00:00', '2020-01-01 00:00:00', NULL, NULL, NULL, NULL, NULL, NULL)"
ins 'America/New_York' "(12, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, '2021-03-14 03:30:00', '2021-03-14 03:30:00', NULL, NULL, NULL, NULL, NULL, NULL)"
ins 'Asia/Kathmandu' "(13, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, '1960-06-01 12:00:00', '1960-06-01 12:00:00.123456', NULL, NULL, NULL, NULL, NULL, NULL)"
ins 'Etc/GMT+12' "(14, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, '2020-12-31 23:59:59.999999', '2020-12-31 23:59:59.999999', NULL, NULL, NULL, NULL, NULL, NULL)"
# The ends of what the lake types hold: date32 and int64 microseconds, BC included.
ins UTC "(15, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           '5874897-12-31', NULL, '294247-01-09 23:59:59.999999', '4714-11-24 00:00:00+00 BC',
           NULL, NULL, NULL, NULL, NULL, NULL)"
ins UTC "(16, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           '4714-11-24 BC', NULL, '0044-03-15 12:00:00 BC', '294247-01-09 23:59:59.999999+00',
           NULL, NULL, NULL, NULL, NULL, NULL)"
rows=$(pg "SELECT count(*) FROM $T")
is "$rows" 16 "the type matrix table holds 16 rows"
is "$(pg "SELECT c_tstz = '2019-12-31 11:00:00+00' FROM $T WHERE id = 11")" t \
    "a timestamptz written in Pacific/Auckland is the UTC instant"
is "$(pg "SELECT octet_length(c_text) FROM $T WHERE id = 5")" 1048580 "the long text is 1 MiB + an emoji"

# What the lake must hold: the table, with the documented clamps.
expect="SELECT id, c_bool, c_int2, c_int4, c_int8, c_float4, c_float8, c_num38, c_num10, c_num,
  c_text, c_varchar, c_char, c_name, c_bytea,
  CASE WHEN c_date = 'infinity' THEN DATE '$date_max' WHEN c_date = '-infinity' THEN DATE '$date_min'
       ELSE c_date END AS c_date,
  c_time,
  CASE WHEN c_ts = 'infinity' THEN TIMESTAMP '$ts_max' WHEN c_ts = '-infinity' THEN TIMESTAMP '$ts_min'
       ELSE c_ts END AS c_ts,
  CASE WHEN c_tstz = 'infinity' THEN TIMESTAMPTZ '$ts_max+00'
       WHEN c_tstz = '-infinity' THEN TIMESTAMPTZ '$ts_min+00' ELSE c_tstz END AS c_tstz,
  c_uuid, c_json, c_jsonb, c_interval, c_int_arr, c_text_arr FROM $T"
cmp_opts=(--key id --pg-setting "IntervalStyle=$interval_style")

# the default (compat) profile: time as int64 microseconds since midnight, uuid as
# its 36-character text (drivers/TYPES.md); native keeps TIME and UUID
want_schema='[{"name":"id","type":"int32"},{"name":"c_bool","type":"boolean"},{"name":"c_int2","type":"int16"},{"name":"c_int4","type":"int32"},{"name":"c_int8","type":"int64"},{"name":"c_float4","type":"float32"},{"name":"c_float8","type":"float64"},{"name":"c_num38","type":"decimal(38,10)"},{"name":"c_num10","type":"decimal(10,2)"},{"name":"c_num","type":"decimal(20,6)"},{"name":"c_text","type":"string"},{"name":"c_varchar","type":"string"},{"name":"c_char","type":"string"},{"name":"c_name","type":"string"},{"name":"c_bytea","type":"binary"},{"name":"c_date","type":"date"},{"name":"c_time","type":"int64"},{"name":"c_ts","type":"timestamp"},{"name":"c_tstz","type":"timestamptz"},{"name":"c_uuid","type":"string"},{"name":"c_json","type":"json"},{"name":"c_jsonb","type":"json"},{"name":"c_interval","type":"string"},{"name":"c_int_arr","type":"list<int32>"},{"name":"c_text_arr","type":"list<string>"}]'
want_native='[{"name":"id","type":"int32"},{"name":"c_bool","type":"boolean"},{"name":"c_int2","type":"int16"},{"name":"c_int4","type":"int32"},{"name":"c_int8","type":"int64"},{"name":"c_float4","type":"float32"},{"name":"c_float8","type":"float64"},{"name":"c_num38","type":"decimal(38,10)"},{"name":"c_num10","type":"decimal(10,2)"},{"name":"c_num","type":"decimal(20,6)"},{"name":"c_text","type":"string"},{"name":"c_varchar","type":"string"},{"name":"c_char","type":"string"},{"name":"c_name","type":"string"},{"name":"c_bytea","type":"binary"},{"name":"c_date","type":"date"},{"name":"c_time","type":"time"},{"name":"c_ts","type":"timestamp"},{"name":"c_tstz","type":"timestamptz"},{"name":"c_uuid","type":"uuid"},{"name":"c_json","type":"json"},{"name":"c_jsonb","type":"json"},{"name":"c_interval","type":"string"},{"name":"c_int_arr","type":"list<int32>"},{"name":"c_text_arr","type":"list<string>"}]'

check_stderr_jsonl() { # FILE: every line of weir's stderr is a JSON object
    /usr/bin/python3 - "$1" <<'EOP'
import json, sys
bad = 0
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            if not isinstance(json.loads(line), dict):
                raise ValueError("not an object")
        except ValueError as e:
            print(f"line {n}: {e}: {line[:200]!r}")
            bad += 1
sys.exit(1 if bad else 0)
EOP
}

# Files of a run: <lake>/<job>/ingest_date=YYYY-MM-DD/part-<run id>-<slice>-<seq>.parquet
check_layout() { # LAKE JOB LABEL
    local lake=$1 job=$2 label=$3 f bad=() n=0 today
    today=$(date -u +%F)
    while read -r f; do
        [ -n "$f" ] || continue
        n=$((n + 1))
        [[ ${f#"$lake/"} =~ ^$job/ingest_date=[0-9]{4}-[0-9]{2}-[0-9]{2}/part-[A-Za-z0-9_.:-]+-[0-9]+-[0-9]+\.parquet$ ]] ||
            bad+=("$f")
    done < <(lake_files "$lake")
    if [ "$n" -gt 0 ] && [ ${#bad[@]} -eq 0 ]; then
        pass "$label: $n file(s) named <job>/ingest_date=YYYY-MM-DD/part-<run>-<slice>-<seq>.parquet"
    else
        not_ok "$label: file layout" "files: $n; not matching: ${bad[*]:-none}" \
            "$(cd "$lake" 2>/dev/null && find . -type f | head -n 10)"
    fi
    if compgen -G "$lake/$job/ingest_date=$today/*.parquet" >/dev/null ||
       compgen -G "$lake/$job/ingest_date=$(date +%F)/*.parquet" >/dev/null; then
        pass "$label: partition ingest_date is today's date"
    else
        not_ok "$label: partition ingest_date is today's date ($today)" \
            "$(cd "$lake" 2>/dev/null && find . -type d | head -n 5)"
    fi
}

check_codec() { # FILE CODEC LABEL: every column chunk of FILE uses CODEC
    local got
    got=$(node "$WEIR_NODE_DIR/read.mjs" --meta "$1" | /usr/bin/python3 -c '
import json, sys
m = json.load(sys.stdin)["duckdb"]["parquet_metadata"]
print(" ".join(sorted({str(r.get("compression")) for r in m})) if isinstance(m, list) else m)')
    is "$got" "$2" "$3: column chunks compressed with $2"
}

check_schema() { # FILE LABEL [WANT]: both readers see the expected types
    local r got want=${3:-$want_schema}
    for r in duckdb hyparquet; do
        got=$(read_lake "$r" "$1" | head -n 1 | /usr/bin/python3 -c '
import json, sys
print(json.dumps(json.load(sys.stdin)["#schema"], separators=(",", ":")))')
        is "$got" "$want" "$2: $r sees the documented lake types"
    done
}

# The footer's weir.source_types (hyparquet's key_value_metadata) against the
# names PostgreSQL gives the columns (format_type), and weir.types_profile.
check_footer_keys() { # FILE PROFILE LABEL
    local want got
    want=$(pg "SELECT json_object_agg(attname, format_type(atttypid, atttypmod) ORDER BY attnum)
               FROM pg_attribute WHERE attrelid = 'public.$T'::regclass AND attnum > 0
               AND NOT attisdropped" | /usr/bin/python3 -c '
import json, sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')
    got=$(node "$WEIR_NODE_DIR/read.mjs" --meta "$1" | /usr/bin/python3 -c '
import json, sys
kv = {r["key"]: r["value"] for r in json.load(sys.stdin)["hyparquet"]["key_value_metadata"]}
print(kv.get("weir.types_profile"))
print(json.dumps(json.loads(kv.get("weir.source_types", "null")), sort_keys=True))')
    is "$(sed -n 1p <<<"$got")" "$2" "$3: footer weir.types_profile is $2"
    is "$(sed -n 2p <<<"$got")" "$want" "$3: footer weir.source_types = format_type of every column"
}

# --- full reloads, three codecs --------------------------------------------
for codec in snappy zstd gzip; do
    lake=$WEIR_TEST_TMP/lake-$codec
    spec=$WEIR_TEST_TMP/full-$codec.yaml
    profile=compat
    [ "$codec" = zstd ] && profile=native
    {
        spec_header "$lake" "$codec" | sed "s/^  compression: .*/&\n  types_profile: $profile/"
        cat <<EOS
jobs:
  - name: types_full
    table: public.$T
    mode: full
    types:
      c_num: decimal(20,6)
EOS
    } | write_spec "$spec"
    if ! weir_expect 0 "full/$codec: weir run exits 0" run "$spec" --log-format json; then
        skip "full/$codec: lake checks" "the run failed"
        continue
    fi
    ok "full/$codec: stderr is JSON lines" check_stderr_jsonl "$WEIR_ERR"
    ok "full/$codec: the clamp of infinite values is logged (source_infinity_clamped)" \
        log_has "$WEIR_ERR" event source_infinity_clamped
    check_layout "$lake" types_full "full/$codec"
    first=$(lake_files "$lake" | head -n 1)
    [ -n "$first" ] || continue
    check_codec "$first" "$(echo "$codec" | tr a-z A-Z)" "full/$codec"
    [ "$codec" = snappy ] && check_schema "$first" "full/$codec"
    [ "$codec" = zstd ] && check_schema "$first" "full/$codec (types_profile: native)" "$want_native"
    check_footer_keys "$first" "$profile" "full/$codec"
    COMPARE_NAME="full/$codec: postgres = lake, value by value, DuckDB and hyparquet" \
        compare_db_lake "$expect" "$lake/types_full/**/*.parquet" "${cmp_opts[@]}"
done

# --- incremental: a first run, new rows, a run with nothing new ------------
lake=$WEIR_TEST_TMP/lake-inc
spec=$WEIR_TEST_TMP/inc.yaml
{
    spec_header "$lake" zstd
    cat <<EOS
jobs:
  - name: types_inc
    table: public.$T
    mode: incremental
    watermark:
      columns: [id]
    types:
      c_num: decimal(20,6)
EOS
} | write_spec "$spec"
if weir_expect 0 "incremental: first run exits 0" run "$spec" --job types_inc --log-format json; then
    lake_files "$lake" >"$WEIR_TEST_TMP/inc-run1.list"
    COMPARE_NAME="incremental: the first run holds the whole table" \
        compare_db_lake "$expect" "@$WEIR_TEST_TMP/inc-run1.list" "${cmp_opts[@]}"
    ins 'Europe/Berlin' "(20, true, 7, 7, 7, 7.5, 7.25, 7.7, 7.7, 7.7, 'neu ß', 'neu', 'neu', 'neu', '\\x07',
               '2024-02-29', '07:07:07', '2024-02-29 07:07:07', '2024-03-31 02:30:00',
               'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a20', '{\"n\": 20}', '{\"n\": 20}', '7 days', '{7}', '{neu}'),
              (21, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               NULL, NULL, NULL, 'infinity', NULL, NULL, NULL, NULL, NULL, NULL)"
    if weir_expect 0 "incremental: second run exits 0" run "$spec" --job types_inc --log-format json; then
        lake_files "$lake" | LC_ALL=C comm -13 "$WEIR_TEST_TMP/inc-run1.list" - >"$WEIR_TEST_TMP/inc-run2.list"
        if [ -s "$WEIR_TEST_TMP/inc-run2.list" ]; then
            COMPARE_NAME="incremental: the second run holds exactly the new rows" \
                compare_db_lake "SELECT * FROM ($expect) e WHERE id > 16" "@$WEIR_TEST_TMP/inc-run2.list" \
                "${cmp_opts[@]}"
        else
            not_ok "incremental: the second run wrote files" "no new file under $lake"
        fi
        COMPARE_NAME="incremental: all runs together hold the table once" \
            compare_db_lake "$expect" "$lake/types_inc/**/*.parquet" "${cmp_opts[@]}"
        lake_files "$lake" >"$WEIR_TEST_TMP/inc-run2.all"
        if weir_expect 0 "incremental: a run with nothing new exits 0" run "$spec" --job types_inc \
            --log-format json; then
            n=$(lake_files "$lake" | LC_ALL=C comm -13 "$WEIR_TEST_TMP/inc-run2.all" - | while read -r f; do
                lake_sql "SELECT count(*) AS n FROM lake" "$f"; done | grep -v '"n":"0"' | wc -l)
            is "$n" 0 "incremental: a run with nothing new adds no rows"
        fi
        if weir_expect 0 "incremental: --full-reload exits 0" run "$spec" --job types_inc --full-reload \
            --log-format json; then
            lake_files "$lake" | LC_ALL=C comm -13 "$WEIR_TEST_TMP/inc-run2.all" - \
                >"$WEIR_TEST_TMP/inc-reload.list"
            COMPARE_NAME="incremental: --full-reload writes the whole table again" \
                compare_db_lake "$expect" "@$WEIR_TEST_TMP/inc-reload.list" "${cmp_opts[@]}"
        fi
    fi
fi

# --- a value that does not fit the override: bad data, nothing rounded ------
pg "CREATE TABLE ${T}_bad (id int4 PRIMARY KEY, c_num numeric);
    INSERT INTO ${T}_bad VALUES (1, 1.5), (2, 0.1234567)" >/dev/null
lake=$WEIR_TEST_TMP/lake-bad
{
    spec_header "$lake" snappy
    cat <<EOS
jobs:
  - name: types_bad
    table: public.${T}_bad
    mode: full
    types:
      c_num: decimal(20,6)
EOS
} | write_spec "$WEIR_TEST_TMP/bad.yaml"
weir_expect 65 "a numeric with more digits than the override's scale: exit 65 (bad data)" \
    run "$WEIR_TEST_TMP/bad.yaml" --log-format json
like "$(cat "$WEIR_ERR")" 'c_num' "the error names the column"
is "$(lake_files "$lake" | wc -l)" 0 "no file is committed by the failed run"

pg "DROP TABLE IF EXISTS $T; DROP TABLE IF EXISTS ${T}_bad" >/dev/null
done_testing
