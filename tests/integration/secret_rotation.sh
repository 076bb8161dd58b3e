#!/usr/bin/env bash
# source.secret and rotation against the real PostgreSQL and the AWS fake's
# Secrets Manager: an RDS-style JSON secret gives host, port, dbname, user and
# password (no connection in the spec); after the role's password changes, a
# run reads the secret again and logs in with the AWSPENDING version; with
# no usable version the run stops with exit 77 and the state is untouched;
# psqlODBC gets Server/Port/Database from the secret too. No password ever
# reaches the logs.
. "$(dirname "$0")/lib.sh"
require_pg
require_weir

require_aws_fake
put_secret() { # NAME PASSWORD STAGE
    local body
    body=$(/usr/bin/python3 -c '
import json, sys
name, pw, stage, port, db, user = sys.argv[1:]
rds = {"engine": "postgres", "host": "127.0.0.1", "port": int(port), "dbname": db,
       "username": user, "password": pw}
print(json.dumps({"Name": name, "SecretString": json.dumps(rds), "VersionStages": [stage]}))
' "$1" "$2" "$3" "${PGPORT:-55432}" "${PGDATABASE:-weir_test}" "$ROLE")
    admin POST secrets "$body" >/dev/null
}
no_password_in_logs() { # NAME
    if grep -q -e "$P1" -e "$P2" -e "$P3" "$WEIR_ERR" "$WEIR_OUT"; then
        not_ok "$1" "a password appears in $WEIR_ERR"
    else
        pass "$1"
    fi
}

ROLE=weir_rot_$$
T=it_rotation
P1="first-$RANDOM-pw" P2="second-$RANDOM-pw" P3="third-$RANDOM-pw"
SECRET="weir/rotation-$$-$RANDOM"
lake=$WEIR_TEST_TMP/lake
spec=$WEIR_TEST_TMP/rot.yaml
pg >/dev/null <<EOS
SET client_min_messages = warning;
DROP TABLE IF EXISTS $T;
DROP ROLE IF EXISTS $ROLE;
CREATE ROLE $ROLE LOGIN PASSWORD '$P1';
CREATE TABLE $T (id bigint PRIMARY KEY, name text, amount numeric(10,2));
INSERT INTO $T SELECT g, 'row ' || g, g * 0.25 FROM generate_series(1, 500) g;
GRANT SELECT ON $T TO $ROLE;
EOS
trap 'pg "DROP TABLE IF EXISTS $T; DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1' EXIT
put_secret "$SECRET" "$P1" AWSCURRENT

write_spec "$spec" <<EOS
version: 1
source:
  driver: postgres
  secret: $SECRET
target:
  location: file://$lake
  format: parquet
state:
  location: file://$lake.state
jobs:
  - name: rot
    table: public.$T
    watermark:
      columns: [id]
EOS

weir_expect 0 "weir check with only source.secret" check "$spec"
weir_expect 0 "run with only source.secret (host, port, dbname, user, password from RDS JSON)" \
    run "$spec"
compare_db_lake "public.$T" "$lake/rot/**/*.parquet" --key id
is "$(pg "SELECT count(*) FROM pg_stat_activity WHERE usename = '$ROLE'")" 0 \
    "the run logged in as the secret's user and left"
no_password_in_logs "no password in the logs of the first run"

# rotation step 1: createSecret put AWSPENDING, setSecret changed the role's
# password; AWSCURRENT still holds the old one
pg "ALTER ROLE $ROLE PASSWORD '$P2'; INSERT INTO $T SELECT g, 'row ' || g, g FROM generate_series(501, 700) g" >/dev/null
put_secret "$SECRET" "$P2" AWSPENDING
weir_expect 0 "mid-rotation: the run retries with AWSPENDING" run "$spec"
log_has "$WEIR_ERR" event login_rejected && pass "the rejected login is logged" ||
    not_ok "the rejected login is logged" "$(tail -n 5 "$WEIR_ERR")"
log_has "$WEIR_ERR" stage AWSPENDING && pass "the retry names the AWSPENDING stage" ||
    not_ok "the retry names the AWSPENDING stage" "$(grep login_ "$WEIR_ERR")"
compare_db_lake "public.$T" "$lake/rot/**/*.parquet" --key id
no_password_in_logs "no password in the logs of the rotation run"

# finishSecret moved AWSCURRENT to the new version; then the role's password
# changes again with no pending version to match: exit 77, state untouched
put_secret "$SECRET" "$P2" AWSCURRENT
pg "ALTER ROLE $ROLE PASSWORD '$P3'; INSERT INTO $T VALUES (701, 'late', 1)" >/dev/null
before=$(cat "$lake.state/rot.json")
weir_expect 77 "no version of the secret logs in: exit 77" run "$spec"
like "$(cat "$WEIR_ERR")" "rejected the login" "the message says the login was rejected"
like "$(cat "$WEIR_ERR")" "AWSPENDING" "the detail tells which versions were tried"
is "$(cat "$lake.state/rot.json")" "$before" "the state is untouched"
no_password_in_logs "no password in the logs of the failed run"

# back in step: the last row arrives
put_secret "$SECRET" "$P3" AWSCURRENT
weir_expect 0 "the secret updated: the next run commits" run "$spec"
compare_db_lake "public.$T" "$lake/rot/**/*.parquet" --key id

# the spec's connection string wins over the secret's dbname
sed -i "s|  secret: $SECRET|  secret: $SECRET\n  connection: \"dbname=weir_no_such_db\"|" "$spec"
weir_run run "$spec"
if [ "$WEIR_RC" -ne 0 ] && grep -q weir_no_such_db "$WEIR_ERR"; then
    pass "the connection string's dbname wins over the secret's"
else
    not_ok "the connection string's dbname wins over the secret's" "exit $WEIR_RC" \
        "$(tail -n 3 "$WEIR_ERR")"
fi

# psqlODBC: Server, Port and Database come from the secret
if odbcinst -q -d 2>/dev/null | grep -q '^\[PostgreSQL Unicode\]'; then
    olake=$WEIR_TEST_TMP/olake
    write_spec "$WEIR_TEST_TMP/odbc.yaml" <<EOS
version: 1
source:
  driver: odbc
  connection: "Driver={PostgreSQL Unicode};"
  secret: $SECRET
target:
  location: file://$olake
state:
  location: file://$olake.state
jobs:
  - name: rot
    table: public.$T
    mode: full
EOS
    weir_expect 0 "psqlODBC with source.secret" run "$WEIR_TEST_TMP/odbc.yaml"
    compare_db_lake "public.$T" "$olake/rot/**/*.parquet" --key id
    no_password_in_logs "no password in the logs of the ODBC run"
else
    skip "psqlODBC with source.secret" "psqlODBC is not registered (scripts/odbc-setup)"
fi

# weir discover logs in with the secret alone and writes source.secret, no password
weir_expect 0 "discover with --secret" discover --driver postgres --secret "$SECRET" \
    --include "public.$T" --target "file://$WEIR_TEST_TMP/dlake" --state "file://$WEIR_TEST_TMP/dstate"
cp "$WEIR_OUT" "$WEIR_TEST_TMP/discovered.yaml"
like "$(cat "$WEIR_TEST_TMP/discovered.yaml")" "secret: \"$SECRET\"" "the discovered spec names the secret"
unlike "$(cat "$WEIR_TEST_TMP/discovered.yaml")" "password|connection:" "and no password or connection string"
no_password_in_logs "no password in discover's output or logs"
weir_expect 0 "the discovered spec runs with the secret" run "$WEIR_TEST_TMP/discovered.yaml"
compare_db_lake "public.$T" "$WEIR_TEST_TMP/dlake/public_${T}/**/*.parquet" --key id

done_testing
