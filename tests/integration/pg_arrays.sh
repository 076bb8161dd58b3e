#!/usr/bin/env bash
# PostgreSQL arrays as lists (drivers/TYPES.md "Arrays"): one-dimensional
# arrays of the decoded element types become Arrow lists, Parquet's 3-level
# LIST and Glue array<...>.
#  1. a table of arrays with NULL arrays, empty arrays, NULL elements, unicode
#     text, numeric at its limits, timestamps, uuids, and 3,000 generated rows
#     with long arrays (several pages per column chunk): value by value equal
#     to PostgreSQL through DuckDB and hyparquet, footer lint clean, DuckDB's
#     types are lists; under types_profile native, uuid elements stay UUID;
#  2. partitioned by a column: the rows split across partitions keep their
#     lists;
#  3. a two-dimensional value fails the run with 65 naming row and column;
#     types: string keeps the column as PostgreSQL text;
#  4. Glue through the AWS fake, for Parquet and ORC: array<...> column
#     types and the format's SerDe; Parquet's linted against the contract
#     with the files;
#  5. format: orc: ORC LIST columns, read back by the test ORC reader
#     (tests/tools/orc_dump, which also seeks to every row index position of
#     the lists and their elements) and compared with PostgreSQL value by
#     value, under both types profiles, in many stripes and row groups, and
#     partitioned by a column.
T=it_pg_arrays
. "$(dirname "$0")/lib.sh"
require_pg
require_weir

pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (
  id int PRIMARY KEY, day date NOT NULL,
  a_i2 int2[], a_i4 int4[], a_i8 int8[], a_n38 numeric(38,10)[], a_n5 numeric(5,2)[],
  a_text text[], a_vc varchar(8)[], a_bool bool[], a_f4 float4[], a_f8 float8[],
  a_date date[], a_ts timestamp[], a_tstz timestamptz[], a_uuid uuid[], a_bytea bytea[],
  a_jsonb jsonb[]
);
INSERT INTO $T VALUES
  (1, '2026-01-01', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL),
  (2, '2026-01-01', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
   '{}', '{}', '{}'),
  (3, '2026-01-02', '{NULL}', '{NULL,NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}',
   '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}'),
  (4, '2026-01-02', '{-32768,32767,0}', '{-2147483648,NULL,2147483647}',
   '{-9223372036854775808,9223372036854775807}',
   '{-9999999999999999999999999999.9999999999,9999999999999999999999999999.9999999999,0.0000000001}',
   '{-999.99,999.99,NULL,0.01}',
   '{"héllo wörld ✓","😀🎉",NULL,"","a,b","{x}","\\"q\\"","NULL"}', '{"ünïcødé😀",""}',
   '{t,f,NULL}', '{1.5,-0,NaN,Infinity,-Infinity,3.4028235e38}',
   '{0.1,2.2250738585072014e-308,1.7976931348623157e308}',
   '{0001-01-01,1969-12-31,9999-12-31,NULL}',
   '{"0001-01-01 00:00:00","1969-07-20 20:17:40.000001","9999-12-31 23:59:59.999999"}',
   '{"2026-12-05 21:50:00.654321+02",NULL,"1960-06-01 12:00:00+00"}',
   '{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11,NULL,00000000-0000-0000-0000-000000000000}',
   '{"\\\\x00ff",NULL,"\\\\x"}', '{"{\\"k\\": [1, 2]}","null",NULL}'),
  (5, '2026-01-03', '{7}', '{1,2,3,4,5,6,7,8,9,10}', '{0}', '{1}', '{1.5}', '{x}', '{y}',
   '{f}', '{1}', '{1}', '{2026-01-01}', '{"2026-01-01 00:00:00"}', '{"2026-01-01 00:00:00+00"}',
   '{6f1c4e8a-9d2b-4c3e-8f70-123456789abc}', '{"\\\\x01"}', '{"[]"}');
-- 3,000 more rows: lists of 0..199 elements, some NULL lists and NULL elements,
-- so that column chunks span several pages and the lists are long
INSERT INTO $T (id, day, a_i4, a_text, a_n5, a_tstz)
SELECT g, DATE '2026-01-01' + g % 3,
       CASE WHEN g % 17 = 0 THEN NULL ELSE
         (SELECT array_agg(CASE WHEN (g + k) % 13 = 0 THEN NULL ELSE g * 1000 + k END ORDER BY k)
          FROM generate_series(1, g % 200) k) END,
       (SELECT array_agg('t' || g || '-' || k || repeat('é', k % 5) ORDER BY k)
        FROM generate_series(1, g % 37) k),
       ARRAY[(g % 99999) / 100.0, NULL]::numeric(5,2)[],
       ARRAY[TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * interval '1 second 1 microsecond']
FROM generate_series(10, 3009) g;
EOS
is "$(pg "SELECT count(*) FROM $T")" 3005 "the array table holds 3005 rows"

run_job() { # NAME WANT_RC [JOB LINES...]: extracts $T into $WEIR_TEST_TMP/lake-NAME
    # (TARGET: lines for the target section, FORMAT, TABLE)
    local name=$1 want=$2 spec=$WEIR_TEST_TMP/$1.yaml
    shift 2
    { spec_header "$WEIR_TEST_TMP/lake-$name" zstd "${FORMAT:-parquet}" |
        if [ -n "${TARGET:-}" ]; then sed "s/^  compression: .*/&\n$TARGET/"; else cat; fi
      printf 'jobs:\n  - name: arrays\n    table: %s\n    mode: full\n' "${TABLE:-public.$T}"
      printf '    %s\n' "${@:-partition_by: none}"
    } | write_spec "$spec"
    weir_expect "$want" "$name: weir run exits $want" run "$spec"
}

# --- 1. compat (the default) and native -------------------------------------
if run_job compat 0; then
    files=("$WEIR_TEST_TMP"/lake-compat/arrays/*.parquet)
    ok "compat: the footers pass the contract lint (3-level LIST)" \
        node "$WEIR_NODE_DIR/lint.mjs" "${files[@]}"
    COMPARE_NAME="compat: postgres = lake, value by value, lists included" \
        compare_db_lake "SELECT * FROM $T" "$WEIR_TEST_TMP/lake-compat/arrays/*.parquet" --key id
    is "$(lake_sql "SELECT typeof(a_i4) AS i, typeof(a_n38) AS n, typeof(a_uuid) AS u,
                           typeof(a_tstz) AS t FROM lake LIMIT 1" "${files[@]}")" \
        '{"i":"INTEGER[]","n":"DECIMAL(38,10)[]","u":"VARCHAR[]","t":"TIMESTAMP WITH TIME ZONE[]"}' \
        "compat: DuckDB reads lists (uuid elements as their text)"
    is "$(lake_sql "SELECT len(a_i4) AS n, a_i4 IS NULL AS isnull FROM lake WHERE id IN (1, 2)
                    ORDER BY id" "${files[@]}" | tr -d '\n')" \
        '{"n":null,"isnull":true}{"n":"0","isnull":false}' \
        "a NULL array is a NULL list, an empty array an empty list"
    is "$(lake_sql "SELECT a_text[2] AS t FROM lake WHERE id = 4" "${files[@]}")" '{"t":"😀🎉"}' \
        "unicode text elements"
    is "$(lake_sql "SELECT count(*) AS n FROM (SELECT unnest(a_i4) AS v FROM lake) WHERE v IS NULL" \
        "${files[@]}")" "{\"n\":\"$(pg "SELECT count(*) FROM $T, unnest(a_i4) v WHERE v IS NULL")\"}" \
        "NULL elements: as many as in PostgreSQL"
    # more level entries than one page holds (20000): the row-aligned page cuts ran
    like "$(lake_sql "SELECT max(num_values) AS n FROM parquet_metadata('${files[0]}')
                      WHERE path_in_schema = 'a_i4, list, element'" "${files[@]}")" \
        '"n":"[0-9]{6,}"' "the a_i4 column chunk spans several pages (100,000+ level entries)"
fi
if TARGET='  types_profile: native' run_job native 0; then
    files=("$WEIR_TEST_TMP"/lake-native/arrays/*.parquet)
    ok "native: the footers pass the lint for their profile" node "$WEIR_NODE_DIR/lint.mjs" "${files[@]}"
    is "$(lake_sql "SELECT typeof(a_uuid) AS u FROM lake LIMIT 1" "${files[@]}")" '{"u":"UUID[]"}' \
        "native: uuid elements stay UUID"
    out=$(node "$WEIR_NODE_DIR/lint.mjs" --assume compat "${files[@]}" 2>&1)
    like "$out" 'column a_uuid: FIXED_LEN_BYTE_ARRAY/UUID is native-only' \
        "native linted as compat: the lint names the uuid[] column"
    COMPARE_NAME="native: postgres = lake, value by value" \
        compare_db_lake "SELECT * FROM $T" "$WEIR_TEST_TMP/lake-native/arrays/*.parquet" --key id
fi

# A small dictionary: a_i4's chunk falls back to PLAIN, before a row (a row's
# entries never straddle the page cut of the fallback).
if TARGET='  options:\n    dictionary_page_limit: 16KiB' run_job smalldict 0; then
    f=$(lake_files "$WEIR_TEST_TMP/lake-smalldict" | head -n 1)
    is "$(node "$WEIR_NODE_DIR/read.mjs" --meta "$f" | /usr/bin/python3 -c '
import json, sys
m = json.load(sys.stdin)["hyparquet"]
for c in m["row_groups"][0]["columns"]:
    md = c["meta_data"]
    if md["path_in_schema"][0] == "a_i4":
        print(" ".join(sorted({s["encoding"] for s in md["encoding_stats"] if s["page_type"] == "DATA_PAGE"})))')" \
        "PLAIN RLE_DICTIONARY" "small dictionary: a_i4 has dictionary pages, then PLAIN ones"
    COMPARE_NAME="small dictionary: postgres = lake, value by value" \
        compare_db_lake "SELECT * FROM $T" "$WEIR_TEST_TMP/lake-smalldict/arrays/*.parquet" --key id
fi

# --- 2. partitioned by a column: rows are split, lists go along -------------
if run_job bycol 0 'partition_by: {column: day, granularity: day}'; then
    is "$(find "$WEIR_TEST_TMP/lake-bycol/arrays" -name '*.parquet' | wc -l)" 3 \
        "partitioned: one file per day"
    COMPARE_NAME="partitioned: postgres = lake, value by value" \
        compare_db_lake "SELECT * FROM $T" "$WEIR_TEST_TMP/lake-bycol/arrays/**/*.parquet" --key id
fi

# --- 3. what does not become a list -----------------------------------------
M=it_pg_arrays_md
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $M;
CREATE TABLE $M (id int PRIMARY KEY, m int[]);
INSERT INTO $M VALUES (1, '{1,2}'), (2, '{{1,2},{3,4}}');
EOS
TABLE=public.$M run_job multidim 65
like "$(cat "$WEIR_ERR")" 'row 2, column \\"m\\": array with 2 dimensions' \
    "a two-dimensional array: exit 65 naming row and column, nothing flattened"
if TABLE=public.$M run_job multidim_text 0 'partition_by: none' 'types: {m: string}'; then
    is "$(lake_sql "SELECT typeof(m) AS t, m FROM lake WHERE id = 2" \
        "$WEIR_TEST_TMP"/lake-multidim_text/arrays/*.parquet)" '{"t":"VARCHAR","m":"{{1,2},{3,4}}"}' \
        "types: string keeps an array column as its PostgreSQL text"
fi
pg "DELETE FROM $M WHERE id = 2" >/dev/null

# pii hashing another column: the output schema keeps the list column
pg "ALTER TABLE $M ADD COLUMN email text; UPDATE $M SET email = 'a@example.com'" >/dev/null
spec=$WEIR_TEST_TMP/pii.yaml
{ spec_header "$WEIR_TEST_TMP/lake-pii"; cat <<EOS
pii_key: \${env:WEIR_TEST_PII_KEY}
jobs:
  - name: arrays
    table: public.$M
    mode: full
    partition_by: none
    pii: {email: hash}
EOS
} | write_spec "$spec"
export WEIR_TEST_PII_KEY=0123456789abcdef0123456789abcdef
if weir_expect 0 "pii: a run hashing a column of a table with a list column" run "$spec"; then
    like "$(lake_sql "SELECT typeof(m) AS t, m, email <> 'a@example.com' AS hashed FROM lake" \
        "$WEIR_TEST_TMP"/lake-pii/arrays/*.parquet)" \
        '^\{"t":"INTEGER\[\]","m":\["1","2"\],"hashed":true\}$' "pii: the list column kept, email hashed"
fi

# --- 4. Glue: array<...> through the AWS fake -------------------------------
if curl -sf -o /dev/null "http://127.0.0.1:${WEIR_TEST_AWSPORT:-54580}/__admin/health"; then
    require_aws_fake
    DB=weir_arr_$$_$RANDOM
    for fmt in parquet orc; do
    spec=$WEIR_TEST_TMP/glue-$fmt.yaml
    { spec_header "$WEIR_TEST_TMP/lake-glue-$fmt" zstd $fmt; cat <<EOS
catalog:
  type: glue
  database: $DB
  create_database: true
jobs:
  - name: arrays_$fmt
    table: public.$T
    mode: full
    partition_by: none
EOS
    } | write_spec "$spec"
    if weir_expect 0 "glue $fmt: the run registers the table" run "$spec"; then
        admin GET "glue/$DB/arrays_$fmt" >"$WEIR_TEST_TMP/glue-$fmt.json"
        cols=$(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("Table", "table"):
    if isinstance(d, dict) and k in d: d = d[k]
sd = d["StorageDescriptor"]
print(",".join(c["Name"] + ":" + c["Type"] for c in sd["Columns"]), sd["SerdeInfo"]["SerializationLibrary"])' \
            "$WEIR_TEST_TMP/glue-$fmt.json" 2>&1)
        serde=org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe
        [ $fmt = orc ] && serde=org.apache.hadoop.hive.ql.io.orc.OrcSerde
        is "$cols" "id:int,day:date,a_i2:array<smallint>,a_i4:array<int>,a_i8:array<bigint>,a_n38:array<decimal(38,10)>,a_n5:array<decimal(5,2)>,a_text:array<string>,a_vc:array<string>,a_bool:array<boolean>,a_f4:array<float>,a_f8:array<double>,a_date:array<date>,a_ts:array<timestamp>,a_tstz:array<timestamp>,a_uuid:array<string>,a_bytea:array<binary>,a_jsonb:array<string> $serde" \
            "glue $fmt: array<...> column types, $fmt SerDe"
        [ $fmt = parquet ] &&
            ok "glue: the Glue columns follow the contract for the files" \
                node "$WEIR_NODE_DIR/lint.mjs" --glue "$WEIR_TEST_TMP/glue-$fmt.json" \
                "$WEIR_TEST_TMP"/lake-glue-$fmt/arrays_$fmt/*.parquet
    fi
    done
elif [ "${CI:-}" = true ]; then
    not_ok "the AWS fake answers for the Glue check" "scripts/services start aws"
else
    skip "glue: array<...> column types" "optional: the AWS fake is not running"
fi

# --- 5. ORC LIST ---------------------------------------------------------------
# PostgreSQL renders each row as the test reader's canonical JSON (orc_dump):
# dates as days and timestamps as microseconds since 1970, decimals and
# floats as text (compared as numbers below), bytea as hex, uuid as its text.
dump=$WEIR_BUILDDIR/tests/tools/orc_dump
[ -x "$dump" ] || make -C "$WEIR_BUILDDIR" tests/tools/orc_dump >/dev/null 2>&1
elems() { # EXPR(x) COLUMN: the array as a JSON array of EXPR over its elements, NULL kept
    printf "CASE WHEN %s IS NULL THEN NULL ELSE (SELECT coalesce(json_agg(%s ORDER BY o), '[]')
            FROM unnest(%s) WITH ORDINALITY u(x, o)) END" "$2" "$1" "$2"
}
pg "SELECT json_build_array(id, day - DATE '1970-01-01',
      $(elems 'to_json(x)' a_i2), $(elems 'to_json(x)' a_i4), $(elems 'to_json(x)' a_i8),
      $(elems 'to_json(x::text)' a_n38), $(elems 'to_json(x::text)' a_n5),
      $(elems 'to_json(x)' a_text), $(elems 'to_json(x)' a_vc), $(elems 'to_json(x)' a_bool),
      $(elems 'to_json(x::text)' a_f4), $(elems 'to_json(x::text)' a_f8),
      $(elems 'to_json(x - DATE '"'1970-01-01'"')' a_date),
      $(elems 'to_json((extract(epoch FROM x) * 1000000)::bigint)' a_ts),
      $(elems 'to_json((extract(epoch FROM x) * 1000000)::bigint)' a_tstz),
      $(elems 'to_json(x::text)' a_uuid), $(elems "to_json(encode(x, 'hex'))" a_bytea),
      $(elems 'to_json(x::text)' a_jsonb)) FROM $T ORDER BY id" >"$WEIR_TEST_TMP/orc.want.jsonl"
orc_compare() { # WANT GOT: value by value; floats as numbers (float4 rounded to single)
    /usr/bin/python3 - "$@" <<'PY'
import json, math, struct, sys
F4, F8 = 10, 11  # a_f4, a_f8
def num(v, single):
    if v is None:
        return None
    x = float(v)
    if single and math.isfinite(x):
        x = struct.unpack("<f", struct.pack("<f", x))[0]
    return "nan" if math.isnan(x) else (x, math.copysign(1, x))
def norm(row):
    out = []
    for i, v in enumerate(row):
        if i in (F4, F8) and v is not None:
            v = [num(e, i == F4) for e in v]
        out.append(v)
    return out
def load(path):
    rows = [json.loads(l, parse_int=str, parse_float=str) for l in open(path)]
    return sorted((norm(r) for r in rows), key=lambda r: int(r[0]))
want, got = load(sys.argv[1]), load(sys.argv[2])
bad = [(w, g) for w, g in zip(want, got) if w != g]
print(f"{len(want)} {len(got)} {len(bad)}")
for w, g in bad[:3]:
    print("want", json.dumps(w)[:400], file=sys.stderr)
    print("got ", json.dumps(g)[:400], file=sys.stderr)
PY
}
orc_case() { # NAME: reads lake-NAME's ORC files back and compares them with PostgreSQL
    local name=$1 f
    : >"$WEIR_TEST_TMP/$name.got.jsonl"
    for f in $(find "$WEIR_TEST_TMP/lake-$name/arrays" -name '*.orc' | sort); do
        "$dump" "$f" >>"$WEIR_TEST_TMP/$name.got.jsonl" 2>>"$WEIR_TEST_TMP/$name.dump.log" ||
            not_ok "$name: orc_dump reads $f" "$(tail -n 1 "$WEIR_TEST_TMP/$name.dump.log")"
    done
    is "$(orc_compare "$WEIR_TEST_TMP/orc.want.jsonl" "$WEIR_TEST_TMP/$name.got.jsonl" \
          2>"$WEIR_TEST_TMP/$name.diff")" "3005 3005 0" \
        "$name: postgres = ORC, value by value, lists included$(head -c 600 "$WEIR_TEST_TMP/$name.diff")"
}
if FORMAT=orc run_job orc 0; then
    orc_case orc
    is "$(sed -n 's/.*, \([0-9]*\) stripes, \([0-9]*\) columns.*/\1 \2/p' "$WEIR_TEST_TMP/orc.dump.log")" \
        "1 18" "orc: one stripe of 18 columns"
fi
if FORMAT=orc TARGET='  types_profile: native\n  row_group_size: 64KiB\n  options:\n    row_index_stride: 100' \
        run_job orc_native 0; then
    orc_case orc_native
    stripes=$(sed -n 's/.*, \([0-9]*\) stripes, .*/\1/p' "$WEIR_TEST_TMP/orc_native.dump.log")
    checks=$(sed -n 's/.*, \([0-9]*\) row group positions verified.*/\1/p' "$WEIR_TEST_TMP/orc_native.dump.log")
    [ "${stripes:-0}" -ge 3 ] && [ "${checks:-0}" -ge 1000 ] &&
        pass "orc native, 64KiB stripes: $stripes stripes, $checks row group positions verified" ||
        not_ok "orc native: several stripes and row groups" "stripes ${stripes:-?}, checks ${checks:-?}"
fi
# partitioned by a column: the core moves rows into per-day sub-batches
# (views of the lists), each file's lists read back
if FORMAT=orc run_job orc_bycol 0 'partition_by: {column: day, granularity: day}'; then
    is "$(find "$WEIR_TEST_TMP/lake-orc_bycol/arrays" -name '*.orc' | wc -l)" 3 \
        "orc partitioned: one file per day"
    orc_case orc_bycol
fi

pg "DROP TABLE IF EXISTS $T, $M" >/dev/null
done_testing
