"""Service behaviour of the AWS fake: Secrets Manager, STS, KMS and Glue
operations over in-memory state, input validation against botocore's model,
and the query protocol's XML."""

import base64
import datetime
import os
import re
import time
import uuid
from xml.sax.saxutils import escape

import botocore.validate

ACCOUNT = "123456789012"


class ApiError(Exception):
    def __init__(self, code, message, status=400, sender=True):
        super().__init__(message)
        self.code, self.message, self.status, self.sender = code, message, status, sender


def json_default(o):
    if isinstance(o, datetime.datetime):
        return o.timestamp()
    if isinstance(o, bytes):
        return base64.b64encode(o).decode()
    raise TypeError(type(o))


def iso(t):
    if isinstance(t, (int, float)):
        t = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def creds_json(c, with_code):
    d = {"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"],
         "Token": c["SessionToken"], "Expiration": iso(c["Expiration"])}
    if with_code:
        d.update(Code="Success", Type="AWS-HMAC", LastUpdated=iso(time.time()))
    else:
        d["RoleArn"] = "arn:aws:iam::%s:role/weir-task-role" % ACCOUNT
    return d


# ---- validation against botocore's model ------------------------------------------------------

def coerce_query(params, shape):
    """Query-protocol values are all strings: type the top-level scalars."""
    out = {}
    for k, v in params.items():
        m = shape.members.get(k) if shape is not None else None
        if m is None:
            raise ApiError("ValidationError", "unknown parameter %s" % k)
        try:
            if m.type_name in ("integer", "long"):
                v = int(v)
            elif m.type_name == "boolean":
                v = v == "true"
        except ValueError:
            raise ApiError("ValidationError", "%s must be a number" % k)
        out[k] = v
    return out


def _walk(shape, value, path, problems):
    """Checks botocore's ParamValidator leaves out: enums, max lengths, patterns."""
    if shape is None or value is None:
        return
    t = shape.type_name
    if t == "structure" and isinstance(value, dict):
        for k, v in value.items():
            _walk(shape.members.get(k), v, path + "." + k, problems)
    elif t == "list" and isinstance(value, list):
        mx = shape.metadata.get("max")
        if mx is not None and len(value) > mx:
            problems.append("%s: at most %d items" % (path, mx))
        for i, v in enumerate(value):
            _walk(shape.member, v, "%s[%d]" % (path, i), problems)
    elif t == "map" and isinstance(value, dict):
        for k, v in value.items():
            _walk(shape.key, k, path + " key", problems)
            _walk(shape.value, v, "%s[%s]" % (path, k), problems)
    elif t == "string" and isinstance(value, str):
        enum = shape.enum
        if enum and value not in enum:
            problems.append("%s: '%s' is not one of %s" % (path, value, ", ".join(enum)))
        mx = shape.metadata.get("max")
        if mx is not None and len(value) > mx:
            problems.append("%s: length %d exceeds %d" % (path, len(value), mx))
        pat = shape.metadata.get("pattern")
        if pat:
            try:
                if re.fullmatch(pat, value) is None:
                    problems.append("%s: '%s' does not match pattern %s" % (path, value, pat))
            except re.error:
                pass  # a Java-only construct: not worth emulating


def validate(op_model, params, query_proto):
    shape = op_model.input_shape
    if shape is None:
        return
    report = botocore.validate.ParamValidator().validate(params, shape)
    if report.has_errors():
        text = report.generate_report()
        if "Invalid type" in text and not query_proto:
            raise ApiError("SerializationException", text)
        raise ApiError("ValidationError" if query_proto else "ValidationException", text)
    problems = []
    _walk(shape, params, op_model.name, problems)
    if problems:
        raise ApiError("ValidationError" if query_proto else "ValidationException",
                       "%d validation error(s) detected: %s" % (len(problems),
                                                                 "; ".join(problems)))


# ---- query protocol XML ------------------------------------------------------------------------

def _to_xml(v):
    if isinstance(v, dict):
        return "".join("<%s>%s</%s>" % (k, _to_xml(x), k) for k, x in v.items())
    if isinstance(v, list):
        return "".join("<member>%s</member>" % _to_xml(x) for x in v)
    if isinstance(v, datetime.datetime):
        return iso(v)
    return escape(str(v))


def query_response(operation, result, rid):
    return ('<%sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            "<%sResult>%s</%sResult><ResponseMetadata><RequestId>%s</RequestId>"
            "</ResponseMetadata></%sResponse>\n"
            % (operation, operation, _to_xml(result), operation, rid, operation))


def query_error(e, rid):
    return ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
            "<Type>%s</Type><Code>%s</Code><Message>%s</Message></Error>"
            "<RequestId>%s</RequestId></ErrorResponse>\n"
            % ("Sender" if e.sender else "Receiver", escape(e.code), escape(e.message), rid))


# ---- Secrets Manager ---------------------------------------------------------------------------

def secret_put(st, doc):
    """Creates a secret or adds a version (AWSCURRENT moves to it unless stages are given)."""
    name = doc["Name"]
    region = doc.get("Region", "us-east-1")
    s = st.secrets.get(name)
    if s is None:
        suffix = uuid.uuid4().hex[:6]
        s = {"Name": name, "ARN": "arn:aws:secretsmanager:%s:%s:secret:%s-%s"
             % (region, ACCOUNT, name, suffix), "Versions": {}, "Deny": False,
             "Created": time.time()}
        st.secrets[name] = s
    s["Deny"] = bool(doc.get("Deny", s["Deny"]))
    if "SecretString" not in doc and "SecretBinary" not in doc:
        return s
    stages = doc.get("VersionStages") or ["AWSCURRENT"]
    vid = doc.get("VersionId") or str(uuid.uuid4())
    for v in s["Versions"].values():
        for stage in stages:
            if stage in v["Stages"]:
                v["Stages"].remove(stage)
                if stage == "AWSCURRENT":
                    for o in s["Versions"].values():
                        if "AWSPREVIOUS" in o["Stages"]:
                            o["Stages"].remove("AWSPREVIOUS")
                    v["Stages"].append("AWSPREVIOUS")
    version = {"Stages": list(stages), "Created": time.time()}
    if "SecretString" in doc:
        version["SecretString"] = doc["SecretString"]
    else:
        version["SecretBinary"] = base64.b64decode(doc["SecretBinary"])
    s["Versions"][vid] = version
    return s


def _find_secret(st, secret_id):
    s = st.secrets.get(secret_id)
    if s is None:
        for cand in st.secrets.values():
            # a full ARN, or a partial one without the random suffix
            if secret_id == cand["ARN"] or secret_id == cand["ARN"][:-7]:
                s = cand
    if s is None:
        raise ApiError("ResourceNotFoundException",
                       "Secrets Manager can't find the specified secret.")
    return s


def sm_get_secret_value(st, p, who):
    with st.lock:
        s = _find_secret(st, p["SecretId"])
        if s["Deny"]:
            raise ApiError("AccessDeniedException",
                           "User: %s is not authorized to perform: secretsmanager:GetSecretValue "
                           "on resource: %s because no identity-based policy allows the "
                           "secretsmanager:GetSecretValue action" % (who["arn"], p["SecretId"]))
        stage = p.get("VersionStage")
        vid = p.get("VersionId")
        if vid is not None:
            v = s["Versions"].get(vid)
            if v is None or (stage is not None and stage not in v["Stages"]):
                raise ApiError("ResourceNotFoundException",
                               "Secrets Manager can't find the specified secret value for "
                               "VersionId: %s" % vid)
        else:
            stage = stage or "AWSCURRENT"
            match = [(k, v) for k, v in s["Versions"].items() if stage in v["Stages"]]
            if not match:
                raise ApiError("ResourceNotFoundException",
                               "Secrets Manager can't find the specified secret value for "
                               "staging label: %s" % stage)
            vid, v = match[0]
        out = {"ARN": s["ARN"], "Name": s["Name"], "VersionId": vid,
               "VersionStages": list(v["Stages"]), "CreatedDate": v["Created"]}
        if "SecretString" in v:
            out["SecretString"] = v["SecretString"]
        else:
            out["SecretBinary"] = base64.b64encode(v["SecretBinary"]).decode()
        return out


def sm_create_secret(st, p, who):
    with st.lock:
        if p["Name"] in st.secrets:
            raise ApiError("ResourceExistsException",
                           "The operation failed because the secret %s already exists." % p["Name"])
        s = secret_put(st, {k: v for k, v in p.items() if k in ("Name", "SecretString",
                                                                "SecretBinary")})
        vids = list(s["Versions"])
        return {"ARN": s["ARN"], "Name": s["Name"], "VersionId": vids[-1] if vids else None}


def sm_put_secret_value(st, p, who):
    with st.lock:
        s = _find_secret(st, p["SecretId"])
        doc = {"Name": s["Name"], "VersionStages": p.get("VersionStages")}
        for k in ("SecretString", "SecretBinary", "ClientRequestToken"):
            if k in p:
                doc["VersionId" if k == "ClientRequestToken" else k] = p[k]
        secret_put(st, doc)
        vid = list(s["Versions"])[-1]
        return {"ARN": s["ARN"], "Name": s["Name"], "VersionId": vid,
                "VersionStages": s["Versions"][vid]["Stages"]}


def sm_describe_secret(st, p, who):
    with st.lock:
        s = _find_secret(st, p["SecretId"])
        return {"ARN": s["ARN"], "Name": s["Name"], "CreatedDate": s["Created"],
                "VersionIdsToStages": {k: v["Stages"] for k, v in s["Versions"].items()}}


# ---- STS ---------------------------------------------------------------------------------------

def sts_get_caller_identity(st, p, who):
    arn = who["arn"]
    return {"Arn": arn, "UserId": who["akid"], "Account": ACCOUNT}


def _assumed(st, role_arn, session, duration):
    role = role_arn.rsplit("/", 1)[-1]
    arn = "arn:aws:sts::%s:assumed-role/%s/%s" % (ACCOUNT, role, session)
    c = st.issue_credentials(arn, duration)
    return {"Credentials": {k: c[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken",
                                              "Expiration")},
            "AssumedRoleUser": {"AssumedRoleId": "AROAWEIRTEST:%s" % session, "Arn": arn}}


def sts_assume_role(st, p, who):
    if ":role/" not in p["RoleArn"]:
        raise ApiError("ValidationError", "%s is not a role ARN" % p["RoleArn"])
    if p["RoleArn"].endswith("/denied"):
        raise ApiError("AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on "
                       "resource: %s" % (who["arn"], p["RoleArn"]), 403)
    return _assumed(st, p["RoleArn"], p["RoleSessionName"], p.get("DurationSeconds", 3600))


def sts_assume_role_web_identity(st, p, who):
    token = p["WebIdentityToken"]
    if token.startswith("invalid"):
        raise ApiError("InvalidIdentityToken", "The ID token provided is not a valid JWT.")
    out = _assumed(st, p["RoleArn"], p["RoleSessionName"], p.get("DurationSeconds", 3600))
    out["SubjectFromWebIdentityToken"] = "system:serviceaccount:weir:weir"
    return out


# ---- KMS ---------------------------------------------------------------------------------------

def _kms_key(st, key_id):
    if not st.kms_keys:
        for alias in ("alias/weir-test", "alias/aws/s3"):
            kid = str(uuid.uuid4())
            st.kms_keys[kid] = {"KeyId": kid, "Arn": "arn:aws:kms:us-east-1:%s:key/%s"
                                % (ACCOUNT, kid), "Aliases": [alias]}
    for k in st.kms_keys.values():
        if key_id in (k["KeyId"], k["Arn"]) or key_id in k["Aliases"] or \
                key_id in ["arn:aws:kms:us-east-1:%s:%s" % (ACCOUNT, a) for a in k["Aliases"]]:
            return k
    raise ApiError("NotFoundException", "Key '%s' does not exist" % key_id)


def kms_describe_key(st, p, who):
    with st.lock:
        k = _kms_key(st, p["KeyId"])
        return {"KeyMetadata": {"KeyId": k["KeyId"], "Arn": k["Arn"], "Enabled": True,
                                "KeyState": "Enabled", "KeyUsage": "ENCRYPT_DECRYPT",
                                "AWSAccountId": ACCOUNT}}


def _seal(k, plaintext):
    return base64.b64encode(b"weirfake:" + k["KeyId"].encode() + b":" + plaintext).decode()


def kms_encrypt(st, p, who):
    with st.lock:
        k = _kms_key(st, p["KeyId"])
    return {"KeyId": k["Arn"], "CiphertextBlob": _seal(k, base64.b64decode(p["Plaintext"]))}


def kms_decrypt(st, p, who):
    raw = base64.b64decode(p["CiphertextBlob"])
    parts = raw.split(b":", 2)
    if len(parts) != 3 or parts[0] != b"weirfake":
        raise ApiError("InvalidCiphertextException", "")
    with st.lock:
        k = _kms_key(st, parts[1].decode())
    return {"KeyId": k["Arn"], "Plaintext": base64.b64encode(parts[2]).decode()}


def kms_generate_data_key(st, p, who):
    with st.lock:
        k = _kms_key(st, p["KeyId"])
    n = p.get("NumberOfBytes") or (16 if p.get("KeySpec") == "AES_128" else 32)
    key = os.urandom(n)
    return {"KeyId": k["Arn"], "Plaintext": base64.b64encode(key).decode(),
            "CiphertextBlob": _seal(k, key)}


# ---- Glue --------------------------------------------------------------------------------------

def _db(st, name):
    d = st.glue["databases"].get(name)
    if d is None:
        raise ApiError("EntityNotFoundException", "Database %s not found." % name)
    return d


def _table(st, db, name):
    _db(st, db)
    t = st.glue["tables"].get((db, name))
    if t is None:
        raise ApiError("EntityNotFoundException", "Table %s not found." % name)
    return t


def glue_get_database(st, p, who):
    with st.lock:
        return {"Database": _db(st, p["Name"])}


def glue_create_database(st, p, who):
    with st.lock:
        di = p["DatabaseInput"]
        if di["Name"] in st.glue["databases"]:
            raise ApiError("AlreadyExistsException", "Database already exists.")
        d = dict(di)
        d["CreateTime"] = time.time()
        d["CatalogId"] = p.get("CatalogId", ACCOUNT)
        st.glue["databases"][di["Name"]] = d
        return {}


def _table_from_input(db, ti, old=None):
    t = dict(ti)
    now = time.time()
    t["DatabaseName"] = db
    t["CreateTime"] = old["CreateTime"] if old else now
    t["UpdateTime"] = now
    t["CatalogId"] = ACCOUNT
    t["IsRegisteredWithLakeFormation"] = False
    if old is not None:
        t["VersionId"] = str(int(old.get("VersionId", "0")) + 1)
    else:
        t["VersionId"] = "0"
    return t


def glue_get_table(st, p, who):
    with st.lock:
        return {"Table": _table(st, p["DatabaseName"], p["Name"])}


def glue_create_table(st, p, who):
    with st.lock:
        db = p["DatabaseName"]
        _db(st, db)
        ti = p["TableInput"]
        if (db, ti["Name"]) in st.glue["tables"]:
            raise ApiError("AlreadyExistsException", "Table already exists.")
        st.glue["tables"][(db, ti["Name"])] = _table_from_input(db, ti)
        return {}


def glue_update_table(st, p, who):
    with st.lock:
        db = p["DatabaseName"]
        ti = p["TableInput"]
        old = _table(st, db, ti["Name"])
        if p.get("VersionId") is not None and p["VersionId"] != old["VersionId"]:
            raise ApiError("ConcurrentModificationException", "Table version mismatch.")
        st.glue["tables"][(db, ti["Name"])] = _table_from_input(db, ti, old)
        return {}


def _partition(db, table, pi, old=None):
    part = dict(pi)
    part["DatabaseName"] = db
    part["TableName"] = table
    part["CatalogId"] = ACCOUNT
    part["CreationTime"] = old["CreationTime"] if old else time.time()
    return part


def glue_batch_create_partition(st, p, who):
    with st.lock:
        db, table = p["DatabaseName"], p["TableName"]
        t = _table(st, db, table)
        nkeys = len(t.get("PartitionKeys", []))
        errors = []
        for pi in p["PartitionInputList"]:
            key = (db, table, tuple(pi.get("Values", [])))
            if len(key[2]) != nkeys:
                errors.append({"PartitionValues": pi.get("Values", []), "ErrorDetail": {
                    "ErrorCode": "InvalidInputException",
                    "ErrorMessage": "The number of partition keys do not match the number of "
                                    "partition values"}})
            elif key in st.glue["partitions"]:
                errors.append({"PartitionValues": pi["Values"], "ErrorDetail": {
                    "ErrorCode": "AlreadyExistsException",
                    "ErrorMessage": "Partition already exists."}})
            else:
                st.glue["partitions"][key] = _partition(db, table, pi)
        return {"Errors": errors} if errors else {}


def glue_get_partition(st, p, who):
    with st.lock:
        _table(st, p["DatabaseName"], p["TableName"])
        part = st.glue["partitions"].get((p["DatabaseName"], p["TableName"],
                                          tuple(p["PartitionValues"])))
        if part is None:
            raise ApiError("EntityNotFoundException", "Partition not found.")
        return {"Partition": part}


def glue_get_partitions(st, p, who):
    with st.lock:
        db, table = p["DatabaseName"], p["TableName"]
        _table(st, db, table)
        parts = [v for k, v in sorted(st.glue["partitions"].items())
                 if k[0] == db and k[1] == table]
    start = int(p.get("NextToken") or 0)
    n = p.get("MaxResults") or 1000
    out = {"Partitions": parts[start:start + n]}
    if start + n < len(parts):
        out["NextToken"] = str(start + n)
    return out


def glue_update_partition(st, p, who):
    with st.lock:
        db, table = p["DatabaseName"], p["TableName"]
        _table(st, db, table)
        key = (db, table, tuple(p["PartitionValueList"]))
        old = st.glue["partitions"].get(key)
        if old is None:
            raise ApiError("EntityNotFoundException", "Partition not found.")
        new = _partition(db, table, p["PartitionInput"], old)
        del st.glue["partitions"][key]
        st.glue["partitions"][(db, table, tuple(new.get("Values", key[2])))] = new
        return {}


def glue_batch_get_partition(st, p, who):
    with st.lock:
        db, table = p["DatabaseName"], p["TableName"]
        _table(st, db, table)
        found = []
        for k in p["PartitionsToGet"]:
            part = st.glue["partitions"].get((db, table, tuple(k["Values"])))
            if part is not None:
                found.append(part)
        return {"Partitions": found, "UnprocessedKeys": []}


def glue_admin(st, parts):
    """GET /__admin/glue/...: the stored catalog, for tests to assert on."""
    g = st.glue
    if parts == ["databases"]:
        return sorted(g["databases"])
    if len(parts) == 1:
        d = g["databases"].get(parts[0])
        if d is None:
            return None
        return dict(d, Tables=sorted(t for (db, t) in g["tables"] if db == parts[0]))
    if len(parts) == 2:
        return g["tables"].get((parts[0], parts[1]))
    if len(parts) == 3 and parts[2] == "partitions":
        if (parts[0], parts[1]) not in g["tables"]:
            return None
        return [v for k, v in sorted(g["partitions"].items())
                if k[0] == parts[0] and k[1] == parts[1]]
    return None


HANDLERS = {
    ("secretsmanager", "GetSecretValue"): sm_get_secret_value,
    ("secretsmanager", "CreateSecret"): sm_create_secret,
    ("secretsmanager", "PutSecretValue"): sm_put_secret_value,
    ("secretsmanager", "DescribeSecret"): sm_describe_secret,
    ("sts", "GetCallerIdentity"): sts_get_caller_identity,
    ("sts", "AssumeRole"): sts_assume_role,
    ("sts", "AssumeRoleWithWebIdentity"): sts_assume_role_web_identity,
    ("kms", "DescribeKey"): kms_describe_key,
    ("kms", "Encrypt"): kms_encrypt,
    ("kms", "Decrypt"): kms_decrypt,
    ("kms", "GenerateDataKey"): kms_generate_data_key,
    ("glue", "GetDatabase"): glue_get_database,
    ("glue", "CreateDatabase"): glue_create_database,
    ("glue", "GetTable"): glue_get_table,
    ("glue", "CreateTable"): glue_create_table,
    ("glue", "UpdateTable"): glue_update_table,
    ("glue", "BatchCreatePartition"): glue_batch_create_partition,
    ("glue", "GetPartition"): glue_get_partition,
    ("glue", "GetPartitions"): glue_get_partitions,
    ("glue", "UpdatePartition"): glue_update_partition,
    ("glue", "BatchGetPartition"): glue_batch_get_partition,
}
