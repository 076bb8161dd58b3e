#!/usr/bin/python3
"""Checks specs/weir-spec.schema.json with an independent validator
(Debian's python3-jsonschema and python3-yaml): the schema is valid draft
2020-12, every example and fixture spec is accepted, and specs the C parser
rejects for structural reasons are rejected too.

    tests/tools/spec_schema_check.py [SRCDIR]       (make spec-schema-check)
"""
import glob
import json
import os
import sys

import jsonschema
import yaml

src = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    "WEIR_SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
with open(os.path.join(src, "specs", "weir-spec.schema.json")) as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)

failed = 0
n = 0


def check(name, doc, want_ok):
    global failed, n
    n += 1
    errors = list(v.iter_errors(doc))
    ok = (not errors) == want_ok
    print("%sok %d - %s %s" % ("" if ok else "not ", n, name, "valid" if want_ok else "rejected"))
    if not ok:
        failed += 1
        for e in errors[:3]:
            print("#   %s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message))


files = sorted(glob.glob(os.path.join(src, "specs", "examples", "*.yaml")) +
               glob.glob(os.path.join(src, "tests", "fixtures", "spec", "*.yaml")))
for path in files:
    with open(path) as f:
        check(os.path.relpath(path, src), yaml.safe_load(f), True)

base = {
    "version": 1,
    "source": {"driver": "postgres", "connection": "host=db"},
    "target": {"location": "lake"},
    "state": {"location": "state"},
    "jobs": [{"name": "orders", "table": "t", "watermark": {"columns": ["id"]}}],
}
check("base", base, True)


def variant(name, edit):
    doc = json.loads(json.dumps(base))
    edit(doc)
    check(name, doc, False)


variant("version 2", lambda d: d.update(version=2))
variant("unknown top-level key", lambda d: d.update(extra=1))
variant("missing jobs", lambda d: d.pop("jobs"))
variant("empty jobs", lambda d: d.update(jobs=[]))
variant("driver not a name", lambda d: d["source"].update(driver="Postgres"))
variant("compression brotli", lambda d: d["target"].update(compression="brotli"))
variant("bad size", lambda d: d["target"].update(row_group_size="128 megs"))
variant("bad duration", lambda d: d["jobs"][0]["watermark"].update(lag="5 minutes"))
variant("table and query", lambda d: d["jobs"][0].update(query="SELECT 1"))
variant("neither table nor query", lambda d: d["jobs"][0].pop("table"))
variant("incremental without watermark", lambda d: d["jobs"][0].pop("watermark"))
variant("full with watermark", lambda d: d["jobs"][0].update(mode="full"))
variant("glue without database", lambda d: d.update(catalog={"type": "glue"}))
variant("pii mask", lambda d: d["jobs"][0].update(pii={"email": "mask"}))
variant("partition granularity week",
        lambda d: d["jobs"][0].update(partition_by={"column": "d", "granularity": "week"}))
variant("slices count 0", lambda d: d["jobs"][0].update(slices={"column": "id", "count": 0}))
variant("connection a mapping", lambda d: d["source"].update(connection={"host": "db"}))

print("1..%d" % n)
sys.exit(1 if failed else 0)
