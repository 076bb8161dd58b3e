#!/usr/bin/env bash
# Glue registration end to end: PostgreSQL → weir run (local lake) → the AWS
# fake's Glue (signatures and inputs checked there against botocore's model).
# Database creation, table columns/types/partition keys/SerDe/location, the
# partitions with the run's figures, a rerun (new partition + update), schema
# drift (UpdateTable), an incompatible type change (exit 78), weir check, and
# a ${secret:...} password resolved through the fake's Secrets Manager.
. "$(dirname "$0")/lib.sh"
require_pg
require_weir

require_aws_fake
# json EXPR: evaluates a Python expression on stdin's JSON (bound to d)
json() { /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# a database of its own, so reruns and other tests sharing the fake do not meet
DB=weir_db_$$_$RANDOM
T=it_glue
lake=$WEIR_TEST_TMP/lake
spec=$WEIR_TEST_TMP/glue.yaml
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T;
CREATE TABLE $T (id bigint PRIMARY KEY, day date NOT NULL, amount numeric(12,2), qty int,
                 name text, flag boolean, at timestamptz);
INSERT INTO $T SELECT g, DATE '2026-01-01' + (g % 3), g * 1.5, g, 'n' || g, g % 2 = 0,
    TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * interval '1 minute'
FROM generate_series(1, 30) g;
EOS
write_glue_spec() { # PASSWORD
    { spec_header "$lake" zstd | sed "s|password: .*|password: $1|"; cat <<EOS
catalog:
  type: glue
  database: $DB
  table_prefix: src_
  create_database: true
jobs:
  - name: orders
    table: public.$T
    watermark:
      columns: [id]
    partition_by: {column: day, granularity: day}
EOS
    } | write_spec "$spec"
}
write_glue_spec '${env:PGPASSWORD}'

weir_expect 0 "weir check with a glue catalog" check "$spec"
like "$(cat "$WEIR_OUT")" "ok +aws caller: arn:aws:" "check prints the caller ARN"
like "$(cat "$WEIR_OUT")" "glue database $DB" "check names the database"

weir_expect 0 "first run registers in Glue" run "$spec"
db=$(admin GET "glue/$DB")
is "$(printf '%s' "$db" | json 'd.get("Name", d.get("Database", {}).get("Name"))' 2>/dev/null)" "$DB" \
    "database created"
tab=$(admin GET "glue/$DB/src_orders")
[ -n "$tab" ] || diag "no table: $(admin GET glue/$DB)"
t() { printf '%s' "$tab" | json "$1" 2>&1; }
# the admin view may wrap the table; find the object that has StorageDescriptor
tab=$(printf '%s' "$tab" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in ("Table", "table"):
    if isinstance(d, dict) and k in d: d = d[k]
print(json.dumps(d))')
is "$(t '",".join(c["Name"] + ":" + c["Type"] for c in d["StorageDescriptor"]["Columns"])')" \
    "id:bigint,day:date,amount:decimal(12,2),qty:int,name:string,flag:boolean,at:timestamp" \
    "table columns and Hive types"
is "$(t '",".join(c["Name"] + ":" + c["Type"] for c in d["PartitionKeys"])')" "day_day:date" \
    "partition key (renamed: the files keep the column)"
is "$(t 'd["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]')" \
    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" "Parquet SerDe"
is "$(t 'd["StorageDescriptor"]["InputFormat"]')" \
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat" "input format"
is "$(t 'd["StorageDescriptor"]["Location"]')" "file://$lake/orders/" "table location"
is "$(t 'd["TableType"] + " " + d["Parameters"]["classification"] + " " + d["Parameters"]["compressionType"] + " " + d["Parameters"]["EXTERNAL"] + " " + d["Parameters"]["weir.job"]')" \
    "EXTERNAL_TABLE parquet zstd TRUE orders" "table type and parameters"
like "$(t '[c.get("Comment", "") for c in d["StorageDescriptor"]["Columns"]]')" "numeric" \
    "column comments carry the source type"

parts() { glue_parts "$DB" src_orders; }
p1=$(parts)
is "$(printf '%s\n' "$p1" | cut -d'|' -f1,2 | tr '\n' ' ')" \
    "2026-01-01|file://$lake/orders/day=2026-01-01/ 2026-01-02|file://$lake/orders/day=2026-01-02/ 2026-01-03|file://$lake/orders/day=2026-01-03/ " \
    "three partitions with their locations"
# ids 1..30 on day 1 + id % 3: ten rows a day
is "$(printf '%s\n' "$p1" | cut -d'|' -f3- | tr '\n' ' ')" "10||30 10||30 10||30 " \
    "partition figures: the partition's own rows, the watermark range"

# rerun: a new day and rows in an existing one
pg "INSERT INTO $T SELECT g, DATE '2026-01-01' + (g % 4), g, g, 'm' || g, true, now() FROM generate_series(31, 40) g" >/dev/null
weir_expect 0 "incremental run" run "$spec"
p2=$(parts)
is "$(printf '%s\n' "$p2" | wc -l | tr -d ' ')" "4" "the new partition is registered"
# ids 31..40 on day 1 + id % 4: 3, 2, 2 and 3 rows
is "$(printf '%s\n' "$p2" | grep '^2026-01-04' | cut -d'|' -f3-)" "3|30|40" \
    "new partition carries the second run's figures (its own 3 rows)"
is "$(printf '%s\n' "$p2" | grep '^2026-01-01' | cut -d'|' -f3-)" "3|30|40" \
    "an existing partition was updated (AlreadyExists → UpdatePartition)"
is "$(printf '%s\n' "$p2" | awk -F'|' '$5 == 40 { n += $3 } END { print n }')" 10 \
    "the second run's partition rows add up to its 10 rows"

# drift: a new column is appended to the table
pg "ALTER TABLE $T ADD COLUMN extra smallint; INSERT INTO $T VALUES (41, DATE '2026-01-02', 1, 1, 'x', true, now(), 7)" >/dev/null
weir_expect 0 "run after ADD COLUMN" run "$spec"
tab=$(admin GET "glue/$DB/src_orders" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in ("Table", "table"):
    if isinstance(d, dict) and k in d: d = d[k]
print(json.dumps(d))')
is "$(t '",".join(c["Name"] + ":" + c["Type"] for c in d["StorageDescriptor"]["Columns"])')" \
    "id:bigint,day:date,amount:decimal(12,2),qty:int,name:string,flag:boolean,at:timestamp,extra:smallint" \
    "UpdateTable appended the new column"

# an incompatible change stops the job before the watermark moves
pg "ALTER TABLE $T ALTER COLUMN qty TYPE text; INSERT INTO $T VALUES (42, DATE '2026-01-02', 1, 'q', 'x', true, now(), 7)" >/dev/null
weir_expect 78 "incompatible type change exits 78" run "$spec"
like "$(cat "$WEIR_ERR")" "qty.*int.*string" "the error names the column, old and new type"
pg "DELETE FROM $T WHERE id = 42; ALTER TABLE $T ALTER COLUMN qty TYPE int USING qty::int" >/dev/null

# a throttled BatchCreatePartition is retried (standard mode) and the rerun is idempotent
weir_expect 0 "the interrupted window is extracted again" run "$spec"
admin DELETE requests >/dev/null
admin POST faults '{"operation":"BatchCreatePartition","kind":"throttle","count":1}' >/dev/null
pg "INSERT INTO $T VALUES (43, DATE '2026-01-05', 1, 1, 'y', true, now(), 8)" >/dev/null
weir_expect 0 "run through a throttled BatchCreatePartition" run "$spec"
is "$(parts | cut -d'|' -f1 | tr '\n' ' ')" "2026-01-01 2026-01-02 2026-01-03 2026-01-04 2026-01-05 " \
    "five partitions after the retried call"
is "$(admin GET requests | /usr/bin/python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if e.get("operation") == "BatchCreatePartition"))')" "2" \
    "BatchCreatePartition was throttled once and retried"
admin DELETE faults >/dev/null

# a missing database without create_database: check and run fail with 78 naming it
nodb=$WEIR_TEST_TMP/nodb.yaml
sed -e "s/database: $DB/database: ${DB}_missing/" -e "/create_database/d" "$spec" >"$nodb"
weir_expect 78 "check fails for a missing database" check "$nodb"
like "$(cat "$WEIR_OUT")" "FAIL +glue database ${DB}_missing" "check prints a FAIL line naming it"
AWS_ACCESS_KEY_ID=AKIAWEIRUNKNOWN00001 weir_expect 77 "check with an unknown key exits 77" check "$nodb"
like "$(cat "$WEIR_OUT")" "FAIL +aws credentials: .*(UnrecognizedClient|InvalidClientTokenId)" \
    "check prints the STS failure"
pg "INSERT INTO $T VALUES (44, DATE '2026-01-05', 1, 1, 'z', true, now(), 9)" >/dev/null
weir_expect 78 "run fails for a missing database" run "$nodb"
like "$(cat "$WEIR_ERR")" "Glue database ${DB}_missing does not exist" "the run's error names it"

# ORC, no partitions, a uuid column: OrcSerde, uuid as string, no partition keys
pg >/dev/null <<EOS
DROP TABLE IF EXISTS ${T}_orc;
CREATE TABLE ${T}_orc (id int, u uuid, r real, t time);
INSERT INTO ${T}_orc VALUES (1, '6f1c4e8a-9d2b-4c3e-8f70-123456789abc', 1.5, '12:00');
EOS
orc=$WEIR_TEST_TMP/orc.yaml
{ spec_header "$WEIR_TEST_TMP/lake_orc" zstd orc; cat <<EOS
catalog:
  type: glue
  database: $DB
jobs:
  - name: plain
    table: public.${T}_orc
    mode: full
    partition_by: none
EOS
} | write_spec "$orc"
weir_expect 0 "ORC run registers" run "$orc"
tab=$(admin GET "glue/$DB/plain" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in ("Table", "table"):
    if isinstance(d, dict) and k in d: d = d[k]
print(json.dumps(d))')
is "$(t '",".join(c["Name"] + ":" + c["Type"] for c in d["StorageDescriptor"]["Columns"])')" \
    "id:int,u:string,r:float,t:bigint" "ORC columns (uuid string, time bigint)"
is "$(t 'd["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] + " " + d["Parameters"]["classification"] + " " + str(len(d.get("PartitionKeys", [])))')" \
    "org.apache.hadoop.hive.ql.io.orc.OrcSerde orc 0" "ORC SerDe, classification, no partition keys"

# Parquet under the default (compat) and the native types profile: the Glue
# column types are the contract's (drivers/TYPES.md) for what the files hold,
# checked by tests/node/lint.mjs against each file's own footer.
for profile in compat native; do
    pq=$WEIR_TEST_TMP/pq-$profile.yaml
    { spec_header "$WEIR_TEST_TMP/lake_pq_$profile" snappy parquet |
        sed "s/^  compression: .*/&\n  types_profile: $profile/"; cat <<EOS
catalog:
  type: glue
  database: $DB
jobs:
  - name: pq_$profile
    table: public.${T}_orc
    mode: full
    partition_by: none
EOS
    } | write_spec "$pq"
    weir_expect 0 "Parquet run registers ($profile)" run "$pq"
    admin GET "glue/$DB/pq_$profile" >"$WEIR_TEST_TMP/glue-$profile.json"
    tab=$(cat "$WEIR_TEST_TMP/glue-$profile.json")
    want="id:int,u:string,r:float,t:bigint"
    [ "$profile" = native ] && want="id:int,u:binary,r:float,t:bigint"
    is "$(t '",".join(c["Name"] + ":" + c["Type"] for c in (d.get("Table", d))["StorageDescriptor"]["Columns"])')" \
        "$want" "Parquet columns, $profile profile"
    ok "Parquet ($profile): Glue types are the contract's for the files' footers" \
        node "$WEIR_NODE_DIR/lint.mjs" --glue "$WEIR_TEST_TMP/glue-$profile.json" \
        "$WEIR_TEST_TMP/lake_pq_$profile/**/*.parquet"
done

# ${secret:...}: the password comes from the fake's Secrets Manager
sname=weir/it/glue-$$-$RANDOM
admin POST secrets "{\"Name\": \"$sname\", \"SecretString\": \"{\\\"password\\\": \\\"$PGPASSWORD\\\"}\"}" >/dev/null
write_glue_spec "\"\${secret:$sname#password}\""
weir_expect 0 "run with a \${secret:} password" run "$spec"
write_glue_spec "\"\${secret:$sname#nope}\""
weir_expect 78 "a missing secret field is a config error" run "$spec"

done_testing
