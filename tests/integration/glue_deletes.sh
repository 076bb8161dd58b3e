#!/usr/bin/env bash
# Glue for a job with deletes, through the AWS fake (signatures and inputs
# checked against botocore's model): the <table>__deletes table over the
# tombstones and the Athena view <table>_current — a VIRTUAL_VIEW whose
# ViewOriginalText is "/* Presto View: base64(JSON) */". The view's SQL is
# decoded and run by DuckDB over the same files (its two table names and
# "$path" mapped to read_parquet), and must return the table, value by value.
. "$(dirname "$0")/lib.sh"
require_pg
require_weir
require_aws_fake
json() { /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in ("Table", "table"):
    if isinstance(d, dict) and k in d: d = d[k]
print(eval(sys.argv[1]))' "$1"; }

DB=weir_del_$$_$RANDOM
T=it_glue_del
lake=$WEIR_TEST_TMP/lake
spec=$WEIR_TEST_TMP/glue.yaml
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (id int, site text, updated_at timestamptz NOT NULL, amount numeric(10,2),
                 flag boolean, PRIMARY KEY (id, site));
INSERT INTO $T SELECT g, 's' || (g % 4), now(), g * 0.25, g % 2 = 0 FROM generate_series(1, 80) g;
EOS
{ spec_header "$lake"; cat <<EOS
catalog:
  type: glue
  database: $DB
  table_prefix: src_
  create_database: true
jobs:
  - name: orders
    table: public.$T
    watermark: {columns: [updated_at]}
    deletes: {every: 1} # key: the primary key (id, site)
EOS
} | write_spec "$spec"

weir_expect 0 "first run" run "$spec"
pg "DELETE FROM $T WHERE id IN (4, 9, 33); UPDATE $T SET amount = -1, updated_at = now() WHERE id = 10" >/dev/null
weir_expect 0 "second run (tombstones)" run "$spec"

del=$(admin GET "glue/$DB/src_orders__deletes")
is "$(printf '%s' "$del" | json '",".join(c["Name"] + ":" + c["Type"] for c in d["StorageDescriptor"]["Columns"])')" \
    "id:int,site:string,_weir_deleted_at:timestamp,_weir_run_id:string" "__deletes table: key columns, time, run id"
is "$(printf '%s' "$del" | json 'd["StorageDescriptor"]["Location"] + " " + d["TableType"] + " " + str(d.get("PartitionKeys", []))')" \
    "file://$lake/orders__deletes/ EXTERNAL_TABLE []" "__deletes table: location, type, no partitions"

view=$(admin GET "glue/$DB/src_orders_current")
v() { printf '%s' "$view" | json "$1" 2>&1; }
is "$(v 'd["TableType"] + " " + d["Parameters"]["presto_view"] + " " + d["Parameters"]["comment"] + " " + d["ViewExpandedText"]')" \
    "VIRTUAL_VIEW true Presto View /* Presto View */" "view: type, parameters, expanded text"
like "$(v 'd["ViewOriginalText"]')" '^/\* Presto View: [A-Za-z0-9+/=]+ \*/$' "view: original text is the Presto encoding"
doc=$(v 'json.dumps(json.loads(__import__("base64").b64decode(d["ViewOriginalText"][len("/* Presto View: "):-3])))')
pj() { printf '%s' "$doc" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
is "$(pj 'd["catalog"] + " " + d["schema"]')" "awsdatacatalog $DB" "view JSON: catalog and schema"
is "$(pj '",".join(c["name"] + ":" + c["type"] for c in d["columns"])')" \
    "id:integer,site:varchar,updated_at:timestamp,amount:decimal(10,2),flag:boolean" "view JSON: columns in Trino types"
is "$(v '",".join(c["Name"] + ":" + c["Type"] for c in d["StorageDescriptor"]["Columns"])')" \
    "id:int,site:string,updated_at:timestamp,amount:decimal(10,2),flag:boolean" "view: Glue columns in Hive types"

# the view's SQL, run by DuckDB over the same files, is the table
sql=$(pj 'd["originalSql"]' | DB=$DB LAKE=$lake /usr/bin/python3 -c '
import os, sys
s = sys.stdin.read().strip()
db, lake = os.environ["DB"], os.environ["LAKE"]
s = s.replace(f"\"{db}\".\"src_orders__deletes\"", f"read_parquet(\x27{lake}/orders__deletes/*.parquet\x27)")
s = s.replace(f"\"{db}\".\"src_orders\"",
              f"read_parquet(\x27{lake}/orders/**/*.parquet\x27, filename = true, hive_partitioning = false)")
print(s.replace("\"$path\"", "filename"))')
lake_sql "COPY ($sql) TO '$WEIR_TEST_TMP/view.parquet' (FORMAT parquet)" >/dev/null ||
    diag "DuckDB refused the view SQL: $sql"
COMPARE_NAME="the view's SQL over the lake = the table" \
    compare_db_lake "SELECT * FROM $T" "$WEIR_TEST_TMP/view.parquet" --key id,site

# a rerun updates the view and the table (UpdateTable, no AlreadyExists failure)
pg "DELETE FROM $T WHERE id = 50" >/dev/null
weir_expect 0 "third run updates the view" run "$spec"
is "$(admin GET "glue/$DB/src_orders_current" | json 'd["VersionId"]')" 2 "the view was updated twice"

pg "DROP TABLE $T" >/dev/null
done_testing
