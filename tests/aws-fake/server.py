#!/usr/bin/python3
"""The AWS fake for weir's tests.

Serves Secrets Manager, Glue, KMS (JSON 1.1), STS (query protocol), and the
EC2 IMDSv2 and ECS container credential endpoints on 127.0.0.1. Every AWS API
request is checked the way AWS would: the SigV4 signature is recomputed with
botocore's own signer (botocore.auth.SigV4Auth) from the credentials the fake
knows, and the input is validated against botocore's service model; failures
get the error AWS sends (InvalidSignatureException, SerializationException,
ValidationException...).

State lives in memory. Admin endpoints (no auth), all under /__admin/:
  POST /__admin/secrets        {"Name", "SecretString"|"SecretBinary"(b64), "VersionStages"?,
                                "Deny"?: true → AccessDeniedException}
  POST /__admin/credentials    {"AccessKeyId", "SecretAccessKey", "SessionToken"?}
  POST /__admin/faults         {"operation": "GetSecretValue" | "*", "kind":
                                "500" | "503" | "throttle" | "slow" | "drop", "count": N,
                                "delay": seconds (slow), "match": part of the path};
                                GET lists them with the count left; on S3 operations (UploadPart...)
                                "slow" delays the request and any other kind is a 500;
                                "match": a substring the request path must contain
  POST /__admin/bucket-region  {"Bucket", "Region"}: S3 requests signed for another region
                                get 301 PermanentRedirect with x-amz-bucket-region ("Region"
                                empty or absent: no check)
  GET  /__admin/secrets        names and ARNs
  GET  /__admin/requests       the log of API requests (operation, status, code, signature)
  DELETE /__admin/requests     clears the log
  GET  /__admin/glue/databases, /__admin/glue/<db>, /__admin/glue/<db>/<table>,
       /__admin/glue/<db>/<table>/partitions
  POST /__admin/reset          back to the seed
  GET  /__admin/uploads         the multipart uploads in progress: [{"Bucket", "Key", "UploadId"}]
  GET  /__admin/health

S3: requests signed for s3 (or any non-POST /) get their SigV4 signature and
payload hash checked with botocore's S3 signer, then go to s3rver
(--s3-upstream HOST:PORT), which itself checks only the access key id. The
fake itself serves what s3rver 3.7 lacks: conditional PUTs (If-Match /
If-None-Match → 412), AbortMultipartUpload (204; the upload id is then
gone: NoSuchUpload) and ListMultipartUploads (the uploads created through the
fake and neither completed nor aborted; prefix, key-marker, upload-id-marker
and max-uploads as S3 has them).
Point AWS_ENDPOINT_URL_S3 at the fake to have S3 signatures checked.

Usage: server.py --port 54580 [--seed seed.json] [--log FILE] [--s3-upstream HOST:PORT]
"""

import argparse
import re
import threading
import base64
import copy
import datetime
import hashlib
import hmac
import http.client
import json
import logging
import os
import socket
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.session
import botocore.validate

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import services  # noqa: E402
from services import ApiError  # noqa: E402

# Credentials the tests sign with (also s3rver's defaults, so one set works for both).
DEFAULT_CREDENTIALS = [
    {"AccessKeyId": "AKIAWEIRTEST00000001", "SecretAccessKey": "weirTestSecretKey/0123456789abcdefghij"},
    {"AccessKeyId": "S3RVER", "SecretAccessKey": "S3RVER"},
]
ACCOUNT = "123456789012"
MAX_SKEW = 15 * 60

JSON_TARGETS = {"secretsmanager": "secretsmanager", "AWSGlue": "glue", "TrentService": "kms"}

log = logging.getLogger("aws-fake")


class State:
    """Everything the fake remembers; one lock guards it all."""

    def __init__(self, seed):
        self.lock = threading.RLock()
        self.seed = seed
        self.reset()

    def reset(self):
        with self.lock:
            self.creds = {}  # access key id → {"secret", "token", "arn", "expires"}
            for c in DEFAULT_CREDENTIALS + self.seed.get("credentials", []):
                self.add_credentials(c)
            self.secrets = {}
            for s in self.seed.get("secrets", []):
                services.secret_put(self, s)
            self.glue = {"databases": {}, "tables": {}, "partitions": {}}
            self.kms_keys = {}
            self.faults = []
            self.requests = []
            self.aborted_uploads = set()
            self.uploads = {}  # upload id → (bucket, key, initiated): created, not yet ended
            self.bucket_regions = {}  # bucket → region; requests signed for another get 301
            self.imds_tokens = {}
            self.imds_role = self.seed.get("imds_role", "weir-test-role")
            self.ecs_token = self.seed.get("ecs_token", "weir-ecs-token")

    def add_credentials(self, c, arn=None, expires=None):
        with self.lock:
            self.creds[c["AccessKeyId"]] = {
                "secret": c["SecretAccessKey"],
                "token": c.get("SessionToken"),
                "arn": arn or c.get("Arn") or "arn:aws:iam::%s:user/weir-test" % ACCOUNT,
                "expires": expires,
            }

    def issue_credentials(self, arn, duration):
        akid = "ASIA" + uuid.uuid4().hex[:16].upper()
        c = {
            "AccessKeyId": akid,
            "SecretAccessKey": base64.b64encode(os.urandom(30)).decode(),
            "SessionToken": base64.b64encode(os.urandom(48)).decode(),
        }
        expires = int(time.time()) + int(duration)
        self.add_credentials(c, arn=arn, expires=expires)
        c["Expiration"] = datetime.datetime.fromtimestamp(expires, datetime.timezone.utc)
        return c

    def take_fault(self, operation, path=""):
        with self.lock:
            for f in self.faults:
                if f["count"] > 0 and f["operation"] in (operation, "*") and \
                        f.get("match", "") in path:
                    f["count"] -= 1
                    return dict(f)
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the client reuses its connection
    server_version = "weir-aws-fake/1"

    # ---- plumbing ---------------------------------------------------------------------------
    def log_message(self, fmt, *args):
        log.info("%s %s", self.address_string(), fmt % args)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, body=b"", content_type="application/json", extra=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, default=services.json_default).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def drop(self):
        """A dropped connection: no status line at all."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    @property
    def state(self):
        return self.server.state

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def do_PUT(self):
        self.route()

    def do_DELETE(self):
        self.route()

    def do_HEAD(self):
        self.route()

    def route(self):
        path = urllib.parse.urlsplit(self.path).path
        body = self.read_body()
        try:
            if path.startswith("/__admin/"):
                return self.admin(path, body)
            if path.startswith("/latest/"):
                return self.imds(path)
            if path.startswith("/ecs/") or path.startswith("/v2/credentials"):
                return self.ecs()
            if "/s3/aws4_request" in (self.headers.get("Authorization") or "") or \
                    self.command not in ("POST",) or path != "/":
                return self.s3(body)
            return self.api(body)
        except BrokenPipeError:
            pass

    # ---- admin ------------------------------------------------------------------------------
    def admin(self, path, body):
        st = self.state
        parts = [p for p in path.split("/") if p][1:]
        doc = json.loads(body) if body else {}
        with st.lock:
            if parts == ["health"]:
                return self.send(200, {"ok": True})
            if parts == ["reset"] and self.command == "POST":
                st.reset()
                return self.send(200, {"ok": True})
            if parts == ["secrets"] and self.command == "POST":
                services.secret_put(st, doc)
                return self.send(200, {"ok": True})
            if parts == ["secrets"] and self.command == "GET":
                return self.send(200, [{"Name": x["Name"], "ARN": x["ARN"]}
                                       for x in st.secrets.values()])
            if parts == ["credentials"] and self.command == "POST":
                st.add_credentials(doc)
                return self.send(200, {"ok": True})
            if parts == ["faults"] and self.command == "POST":
                st.faults.append({"operation": doc.get("operation", "*"), "kind": doc["kind"],
                                  "count": int(doc.get("count", 1)),
                                  "delay": float(doc.get("delay", 5)),
                                  "match": str(doc.get("match", ""))})
                return self.send(200, {"ok": True})
            if parts == ["bucket-region"] and self.command == "POST":
                with st.lock:
                    if doc.get("Region"):
                        st.bucket_regions[doc["Bucket"]] = doc["Region"]
                    else:
                        st.bucket_regions.pop(doc["Bucket"], None)
                return self.send(200, {"ok": True})
            if parts == ["faults"] and self.command == "GET":
                with st.lock:
                    return self.send(200, [dict(f) for f in st.faults])
            if parts == ["faults"] and self.command == "DELETE":
                st.faults = []
                return self.send(200, {"ok": True})
            if parts == ["uploads"] and self.command == "GET":
                return self.send(200, [{"Bucket": b, "Key": k, "UploadId": u}
                                       for u, (b, k, _) in sorted(st.uploads.items())])
            if parts == ["requests"]:
                if self.command == "DELETE":
                    st.requests = []
                    return self.send(200, {"ok": True})
                return self.send(200, st.requests)
            if parts and parts[0] == "glue" and self.command == "GET":
                found = services.glue_admin(st, parts[1:])
                if found is None:
                    return self.send(404, {"error": "not found"})
                return self.send(200, found)
        return self.send(404, {"error": "unknown admin endpoint %s %s" % (self.command, path)})

    # ---- IMDSv2 and ECS -----------------------------------------------------------------------
    def imds(self, path):
        st = self.state
        if path == "/latest/api/token":
            if self.command != "PUT":
                return self.send(405, "", "text/plain")
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            if not ttl or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                return self.send(400, "", "text/plain")
            token = base64.urlsafe_b64encode(os.urandom(24)).decode()
            with st.lock:
                st.imds_tokens[token] = time.time() + int(ttl)
            return self.send(200, token, "text/plain",
                             {"X-aws-ec2-metadata-token-ttl-seconds": ttl})
        token = self.headers.get("X-aws-ec2-metadata-token")
        with st.lock:
            if not token or st.imds_tokens.get(token, 0) < time.time():
                return self.send(401, "", "text/plain")  # IMDSv2 only
        base = "/latest/meta-data/iam/security-credentials/"
        if path == base:
            return self.send(200, st.imds_role, "text/plain")
        if path == base + st.imds_role:
            c = st.issue_credentials("arn:aws:sts::%s:assumed-role/%s/i-0123456789abcdef0"
                                     % (ACCOUNT, st.imds_role), 6 * 3600)
            return self.send(200, services.creds_json(c, with_code=True), "text/plain")
        if path == "/latest/meta-data/placement/region":
            return self.send(200, "eu-west-1", "text/plain")
        return self.send(404, "", "text/plain")

    def ecs(self):
        st = self.state
        if self.path.startswith("/ecs/") and self.headers.get("Authorization") != st.ecs_token:
            return self.send(401, {"code": "AccessDenied", "message": "bad authorization token"})
        c = st.issue_credentials("arn:aws:sts::%s:assumed-role/weir-task-role/task" % ACCOUNT,
                                 6 * 3600)
        return self.send(200, services.creds_json(c, with_code=False))

    # ---- AWS APIs -----------------------------------------------------------------------------
    def api(self, body):
        rid = str(uuid.uuid4())
        target = self.headers.get("X-Amz-Target")
        query_proto = target is None
        service, operation, params = None, None, None
        entry = {"time": time.time(), "method": self.command, "path": self.path}
        try:
            if self.command != "POST":
                raise ApiError("UnknownOperationException", "only POST / is served here")
            if target:
                prefix, _, operation = target.partition(".")
                service = JSON_TARGETS.get(prefix)
                if service is None:
                    raise ApiError("UnknownOperationException", "unknown target %s" % target)
            else:
                form = urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                             keep_blank_values=True)
                operation = (form.get("Action") or [None])[0]
                service = "sts"
                if operation is None:
                    raise ApiError("MissingAction", "no Action in the request")
                params = {k: v[0] for k, v in form.items() if k not in ("Action", "Version")}
            entry.update(service=service, operation=operation)

            fault = self.state.take_fault(operation)
            if fault is not None:
                entry["fault"] = fault["kind"]
                if fault["kind"] == "drop":
                    self.record(entry, 0, "dropped")
                    return self.drop()
                if fault["kind"] == "slow":
                    time.sleep(fault["delay"])
                elif fault["kind"] == "500":
                    raise ApiError("InternalFailure", "injected failure", 500, sender=False)
                elif fault["kind"] == "503":
                    raise ApiError("ServiceUnavailable", "injected unavailability", 503,
                                   sender=False)
                elif fault["kind"] == "throttle":
                    raise ApiError("Throttling" if query_proto else "ThrottlingException",
                                   "Rate exceeded")

            signed_as = None
            if not (service == "sts" and operation == "AssumeRoleWithWebIdentity"):
                signed_as = self.verify_signature(service, body, query_proto)
                entry["signature"] = "ok"
                entry["access_key_id"] = signed_as["akid"]
                entry["region"] = signed_as["region"]
            model = self.server.models.get(service)
            op_model = model.operation_model(operation) if operation in model.operation_names \
                else None
            if op_model is None:
                raise ApiError("UnknownOperationException" if not query_proto else
                               "InvalidAction", "operation %s is not served" % operation)
            if not query_proto:
                try:
                    params = json.loads(body or b"{}")
                    if not isinstance(params, dict):
                        raise ValueError("not an object")
                except ValueError as e:
                    raise ApiError("SerializationException", "body is not JSON: %s" % e)
            else:
                params = services.coerce_query(params, op_model.input_shape)
            services.validate(op_model, params, query_proto)
            handler = services.HANDLERS.get((service, operation))
            if handler is None:
                raise ApiError("UnknownOperationException", "%s is not served" % operation)
            result = handler(self.state, params, signed_as)
            self.record(entry, 200, None)
            if query_proto:
                return self.send(200, services.query_response(operation, result, rid), "text/xml",
                                 {"x-amzn-RequestId": rid})
            return self.send(200, result, "application/x-amz-json-1.1", {"x-amzn-RequestId": rid})
        except ApiError as e:
            self.record(entry, e.status, e.code)
            if query_proto:
                xml = services.query_error(e, rid)
                return self.send(e.status, xml, "text/xml", {"x-amzn-RequestId": rid})
            return self.send(e.status, {"__type": e.code, "message": e.message},
                             "application/x-amz-json-1.1",
                             {"x-amzn-RequestId": rid, "x-amzn-ErrorType": e.code})

    # ---- S3: signature checked here, the request served by s3rver ----------------------------
    def s3(self, body):
        """s3rver (3.7) checks only the access key of a SigV4 request, not the signature:
        the fake checks it with botocore's S3 signer, then forwards to s3rver."""
        entry = {"time": time.time(), "method": self.command, "path": self.path, "service": "s3",
                 "operation": "s3:" + self.command}
        upstream = self.server.s3_upstream
        try:
            if upstream is None:
                raise ApiError("NotImplemented", "no --s3-upstream configured", 501)
            entry["s3_operation"] = self.s3_operation()
            if self.headers.get("Authorization"):
                who = self.verify_signature("s3", body, False, s3=True)
                entry["signature"] = "ok"
                entry["access_key_id"] = who["akid"]
                entry["region"] = who["region"]
                bucket = self.path.partition("?")[0].lstrip("/").split("/")[0]
                with self.state.lock:
                    home = self.state.bucket_regions.get(bucket)
                if home is not None and home != who["region"]:
                    # as S3 does for a request signed for another region
                    self.record(entry, 301, "PermanentRedirect")
                    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PermanentRedirect'
                           '</Code><Message>The bucket you are attempting to access must be '
                           'addressed using the specified endpoint.</Message><Bucket>%s</Bucket>'
                           '<Region>%s</Region></Error>' % (services.escape(bucket), home))
                    return self.send(301, xml, "application/xml", {"x-amz-bucket-region": home})
            s3op = self.s3_operation()
            entry["s3_operation"] = s3op
            upload_id = urllib.parse.parse_qs(self.path.partition("?")[2]).get("uploadId",
                                                                                [None])[0]
            if upload_id is not None:
                entry["upload_id"] = upload_id
            if s3op == "ListMultipartUploads":
                self.record(entry, 200, None)
                return self.send(200, self.list_uploads(), "application/xml")
            for h in ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
                      "If-Match", "If-None-Match", "Content-MD5"):
                if self.headers.get(h) is not None:
                    entry[h.lower()] = self.headers.get(h)
            fault = self.state.take_fault(s3op, self.path)
            if fault is not None:
                entry["fault"] = fault["kind"]
                if fault["kind"] == "slow":
                    time.sleep(fault.get("delay", 1))
                else:
                    raise ApiError("InternalError", "injected fault", 500)
            declared = self.headers.get("x-amz-content-sha256")
            if declared and not declared.startswith("UNSIGNED-PAYLOAD") and \
                    not declared.startswith("STREAMING-") and \
                    declared != hashlib.sha256(body).hexdigest():
                raise ApiError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' "
                               "header does not match what was computed.")
        except ApiError as e:
            e.code = {"InvalidSignatureException": "SignatureDoesNotMatch",
                      "UnrecognizedClientException": "InvalidAccessKeyId",
                      "ExpiredTokenException": "ExpiredToken",
                      "IncompleteSignatureException": "AuthorizationHeaderMalformed",
                      "MissingAuthenticationTokenException": "AccessDenied"}.get(e.code, e.code)
            self.record(entry, e.status, e.code)
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s'
                   '</Message><RequestId>%s</RequestId></Error>'
                   % (e.code, services.escape(e.message), uuid.uuid4().hex[:16].upper()))
            return self.send(e.status if e.status != 400 or e.code == "XAmzContentSHA256Mismatch"
                             else 403, xml, "application/xml")
        # s3rver 3.7 answers AbortMultipartUpload with 405: the fake serves it as S3
        # does (204, the upload gone), and later parts or a completion of an aborted
        # upload get 404 NoSuchUpload. s3rver keeps the parts; no object ever appears.
        if upload_id is not None:
            with self.state.lock:
                aborted = upload_id in self.state.aborted_uploads
                if s3op == "AbortMultipartUpload":
                    self.state.aborted_uploads.add(upload_id)
            if aborted:
                self.record(entry, 404, "NoSuchUpload")
                xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code>'
                       '<Message>The specified upload does not exist. The upload ID may be invalid, '
                       'or the upload may have been aborted or completed.</Message><UploadId>%s'
                       '</UploadId></Error>' % services.escape(upload_id))
                return self.send(404, xml, "application/xml")
            if s3op == "AbortMultipartUpload":
                with self.state.lock:
                    self.state.uploads.pop(upload_id, None)
                self.record(entry, 204, None)
                return self.send(204, "", "application/xml")
        # s3rver 3.7 ignores If-Match / If-None-Match on PUT: checked here like S3 does
        # (412 PreconditionFailed), the check and the write under one lock.
        cond = self.command == "PUT" and "partNumber=" not in self.path and \
            (self.headers.get("If-Match") or self.headers.get("If-None-Match"))
        if cond:
            S3_COND_LOCK.acquire()
            try:
                failed = self.s3_precondition(upstream)
            except OSError:
                failed = None
            if failed:
                S3_COND_LOCK.release()
                self.record(entry, 412, "PreconditionFailed")
                xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed'
                       '</Code><Message>At least one of the pre-conditions you specified did not '
                       'hold</Message><Condition>%s</Condition><RequestId>%s</RequestId></Error>'
                       % (failed, uuid.uuid4().hex[:16].upper()))
                return self.send(412, xml, "application/xml")
        try:
            return self.s3_forward(entry, upstream, body)
        finally:
            if cond:
                S3_COND_LOCK.release()

    def s3_operation(self):
        q = self.path.partition("?")[2]
        if self.command == "PUT" and "partNumber=" in q:
            return "UploadPart"
        if self.command == "POST" and ({"uploads", "uploads="} & set(q.split("&"))):
            return "CreateMultipartUpload"
        if self.command == "POST" and "uploadId=" in q:
            return "CompleteMultipartUpload"
        if self.command == "DELETE" and "uploadId=" in q:
            return "AbortMultipartUpload"
        if self.command == "GET" and ({"uploads", "uploads="} & set(q.split("&"))):
            return "ListMultipartUploads"
        return {"PUT": "PutObject", "GET": "GetObject", "DELETE": "DeleteObject",
                "HEAD": "HeadObject"}.get(self.command, "s3:" + self.command)

    def s3_precondition(self, upstream):
        """The failed condition's header name, or None when the PUT may go on."""
        conn = http.client.HTTPConnection(upstream[0], upstream[1], timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() in ("authorization", "x-amz-date", "x-amz-content-sha256")}
            conn.request("HEAD", self.path.partition("?")[0], headers=headers)
            r = conn.getresponse()
            r.read()
            etag = r.getheader("ETag") if r.status == 200 else None
        finally:
            conn.close()
        inm = self.headers.get("If-None-Match")
        im = self.headers.get("If-Match")
        if inm is not None and inm.strip() == "*" and etag is not None:
            return "If-None-Match"
        if im is not None and (etag is None or im.strip() != etag.strip()):
            return "If-Match"
        return None

    def s3_forward(self, entry, upstream, body):
        conn = http.client.HTTPConnection(upstream[0], upstream[1], timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("host", "connection", "content-length")}
            headers["Content-Length"] = str(len(body))
            conn.request(self.command, self.path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            if r.status == 200:
                self.track_upload(entry, data)
            self.record(entry, r.status, None)
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("connection", "transfer-encoding", "content-length",
                                     "keep-alive", "date", "server"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data) if self.command != "HEAD" else
                                                   r.getheader("Content-Length") or 0))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except OSError as e:
            self.record(entry, 502, "upstream")
            return self.send(502, "s3rver unreachable: %s" % e, "text/plain")
        finally:
            conn.close()

    def bucket_key(self):
        path = urllib.parse.unquote(self.path.partition("?")[0]).lstrip("/")
        bucket, _, key = path.partition("/")
        return bucket, key

    def track_upload(self, entry, data):
        """Keeps the uploads s3rver started and that are not completed yet."""
        op = entry.get("s3_operation")
        if op == "CreateMultipartUpload":
            m = re.search(rb"<UploadId>([^<]+)</UploadId>", data)
            if m:
                bucket, key = self.bucket_key()
                with self.state.lock:
                    self.state.uploads[m.group(1).decode()] = (bucket, key, time.time())
        elif op == "CompleteMultipartUpload" and b"<Error>" not in data:
            with self.state.lock:
                self.state.uploads.pop(entry.get("upload_id"), None)

    def list_uploads(self):
        """ListMultipartUploadsResult over the tracked uploads, in key then id order."""
        q = urllib.parse.parse_qs(self.path.partition("?")[2], keep_blank_values=True)
        one = lambda name: q.get(name, [""])[0]
        bucket, _ = self.bucket_key()
        prefix, key_marker, id_marker = one("prefix"), one("key-marker"), one("upload-id-marker")
        most = int(one("max-uploads") or 1000)
        with self.state.lock:
            rows = sorted((k, u) for u, (b, k, _) in self.state.uploads.items()
                          if b == bucket and k.startswith(prefix))
        if key_marker:
            rows = [(k, u) for k, u in rows
                    if k > key_marker or (id_marker and k == key_marker and u > id_marker)]
        page, truncated = rows[:most], len(rows) > most
        esc = services.escape
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult '
               'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>%s</Bucket>'
               '<KeyMarker>%s</KeyMarker><UploadIdMarker>%s</UploadIdMarker><Prefix>%s</Prefix>'
               '<MaxUploads>%d</MaxUploads><IsTruncated>%s</IsTruncated>'
               % (esc(bucket), esc(key_marker), esc(id_marker), esc(prefix), most,
                  "true" if truncated else "false")]
        if truncated:
            out.append("<NextKeyMarker>%s</NextKeyMarker><NextUploadIdMarker>%s"
                       "</NextUploadIdMarker>" % (esc(page[-1][0]), esc(page[-1][1])))
        for k, u in page:
            out.append("<Upload><Key>%s</Key><UploadId>%s</UploadId><Initiator><ID>weir-test"
                       "</ID></Initiator><StorageClass>STANDARD</StorageClass></Upload>"
                       % (esc(k), esc(u)))
        out.append("</ListMultipartUploadsResult>")
        return "".join(out)

    def record(self, entry, status, code):
        entry["status"], entry["code"] = status, code
        with self.state.lock:
            self.state.requests.append(entry)

    def verify_signature(self, service, body, query_proto, s3=False):
        """Recomputes the signature with botocore from the signed headers as received."""
        auth = self.headers.get("Authorization")
        if not auth or not auth.startswith("AWS4-HMAC-SHA256 "):
            raise ApiError("MissingAuthenticationToken" if query_proto else
                           "MissingAuthenticationTokenException",
                           "Request is missing Authentication Token", 403 if query_proto else 400)
        fields = {}
        for part in auth[len("AWS4-HMAC-SHA256 "):].split(","):
            k, _, v = part.strip().partition("=")
            fields[k] = v
        try:
            akid, date, region, scope_service, terminator = fields["Credential"].split("/")
            signed_headers = fields["SignedHeaders"].split(";")
            signature = fields["Signature"]
        except (KeyError, ValueError):
            raise ApiError("IncompleteSignature" if query_proto else "IncompleteSignatureException",
                           "Authorization header is malformed")
        with self.state.lock:
            known = copy.copy(self.state.creds.get(akid))
        if known is None:
            raise ApiError("InvalidClientTokenId" if query_proto else
                           "UnrecognizedClientException",
                           "The security token included in the request is invalid.", 403)
        if known["expires"] is not None and known["expires"] < time.time():
            raise ApiError("ExpiredToken" if query_proto else "ExpiredTokenException",
                           "The security token included in the request is expired", 403)
        if known["token"] is not None and self.headers.get("X-Amz-Security-Token") != \
                known["token"]:
            raise ApiError("InvalidClientTokenId" if query_proto else
                           "UnrecognizedClientException",
                           "The security token included in the request is invalid.", 403)
        if scope_service != service or terminator != "aws4_request":
            raise ApiError("InvalidSignatureException" if not query_proto else
                           "SignatureDoesNotMatch",
                           "Credential should be scoped to correct service: '%s'." % service, 403)
        amz_date = self.headers.get("X-Amz-Date", "")
        try:
            t = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            raise ApiError("IncompleteSignatureException", "X-Amz-Date is missing or malformed")
        if abs(t - time.time()) > MAX_SKEW or amz_date[:8] != date:
            raise ApiError("InvalidSignatureException" if not query_proto else
                           "SignatureDoesNotMatch", "Signature expired: %s is now earlier or "
                           "later than the allowed skew" % amz_date, 403)
        missing = [h for h in ("host", "x-amz-date") if h not in signed_headers]
        if missing:
            raise ApiError("InvalidSignatureException" if not query_proto else
                           "SignatureDoesNotMatch", "%s must be signed" % ", ".join(missing), 403)
        headers = {}
        for h in signed_headers:
            values = self.headers.get_all(h)
            if values is None:
                raise ApiError("InvalidSignatureException" if not query_proto else
                               "SignatureDoesNotMatch", "signed header %s is missing" % h, 403)
            headers[h] = ",".join(values)
        req = botocore.awsrequest.AWSRequest(
            method=self.command, url="http://%s%s" % (self.headers["Host"], self.path),
            headers=headers, data=body)
        req.context["timestamp"] = amz_date
        signer = (botocore.auth.S3SigV4Auth if s3 else botocore.auth.SigV4Auth)(
            botocore.credentials.Credentials(akid, known["secret"], known["token"]),
            service, region)
        canonical = signer.canonical_request(req)
        expected = signer.signature(signer.string_to_sign(req, canonical), req)
        if not hmac.compare_digest(expected, signature):
            raise ApiError("InvalidSignatureException" if not query_proto else
                           "SignatureDoesNotMatch",
                           "The request signature we calculated does not match the signature you "
                           "provided. Check your AWS Secret Access Key and signing method.", 403)
        return {"akid": akid, "arn": known["arn"], "region": region}


S3_COND_LOCK = threading.Lock()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=int(os.environ.get("WEIR_TEST_AWSPORT", 54580)))
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--seed", help="JSON file: credentials, secrets, imds_role, ecs_token")
    ap.add_argument("--log", help="request log file (default: stderr)")
    ap.add_argument("--s3-upstream", help="host:port of s3rver: S3 requests are checked here "
                    "(SigV4 with botocore's S3 signer) and forwarded there")
    args = ap.parse_args()
    logging.basicConfig(filename=args.log, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    seed = {}
    if args.seed:
        with open(args.seed) as f:
            seed = json.load(f)
    session = botocore.session.get_session()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.state = State(seed)
    server.s3_upstream = None
    if args.s3_upstream:
        h, _, p = args.s3_upstream.rpartition(":")
        server.s3_upstream = (h, int(p))
    server.models = {s: session.get_service_model(s) for s in ("secretsmanager", "glue", "kms",
                                                                "sts")}
    log.info("listening on %s:%d", args.host, args.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
