#!/usr/bin/env bash
# The docs promise only what the binary does (issue 14): every `weir ...`
# command line in README.md, specs/README.md, docs/*.md and the driver
# READMEs (fenced blocks and inline code) is run with its spec replaced by a
# missing file, so it must get past argument parsing (exit 0 or 66, never 64
# "wrong command-line use"); every command of `weir --help` has its own
# --help; the exit codes of README's table are those of `weir --help`; and a
# "N to M slices" limit in the docs is the schema's.
. "$(dirname "$0")/lib.sh"
require_weir

/usr/bin/python3 - "$WEIR" "$WEIR_SRCDIR" "$WEIR_TEST_TMP" <<'EOP'
import glob, json, os, re, shlex, subprocess, sys

weir, src, tmp = sys.argv[1:]
n = 0
failed = 0

def result(ok, name, *diag):
    global n, failed
    n += 1
    print(("ok %d - %s" if ok else "not ok %d - %s") % (n, name))
    if not ok:
        failed += 1
        for d in diag:
            for line in str(d).splitlines():
                print("# " + line)

def weir_out(*args, env=None):
    p = subprocess.run([weir, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr

docs = [os.path.join(src, "README.md"), os.path.join(src, "specs/README.md")]
docs += sorted(glob.glob(os.path.join(src, "docs/*.md")))
docs += sorted(glob.glob(os.path.join(src, "drivers/*/README.md")))

# `weir ...` in fenced blocks (a line) and inline code spans
found = []
for path in docs:
    fenced = False
    cont = None  # a fenced line ending in \ continues on the next
    for no, line in enumerate(open(path, encoding="utf-8"), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            cont = None
            continue
        if fenced and cont is not None:
            line = cont[1] + " " + line.strip()
            no = cont[0]
        cont = None
        if fenced and line.rstrip().endswith("\\"):
            cont = (no, line.rstrip()[:-1])
            continue
        spans = [line] if fenced else re.findall(r"`([^`]+)`", line)
        for span in spans:
            m = re.search(r"(?:^|[\s;(|&$])weir\s+([a-z-].*)$", span.strip())
            if m:
                found.append((os.path.relpath(path, src), no, "weir " + m.group(1)))
result(len(found) >= 10, "the docs show weir command lines (%d found)" % len(found))

missing = os.path.join(tmp, "missing.yaml")
env = dict(os.environ)
env.pop("WEIR_EVENT", None)
commands_found = []
for path, no, text in found:
    try:
        words = shlex.split(text, comments=True)
    except ValueError as e:
        result(False, "%s:%d parses as a command line" % (path, no), text, e)
        continue
    # a shell line: "weir check a.yaml && weir run a.yaml > out" is two commands
    # and a redirection
    cmd, redirected = [], False
    for w in words + ["&&"]:
        if w in ("&&", "||", ";"):
            if cmd and cmd[0] == "weir":
                commands_found.append((path, no, text, cmd))
            cmd, redirected = [], False
        elif w in (">", ">>", "2>", "<"):
            redirected = True  # the rest of this command is not weir's
        elif not redirected:
            cmd.append(w)
for path, no, text, words in commands_found:
    if "|" in words or any(re.search(r"[<]|\.\.\.", w) for w in words):
        continue  # a synopsis such as "weir --version | --help | <command> --help"
    args = []
    for i, w in enumerate(words[1:]):
        prev = words[i] if i else ""
        if w.endswith((".yaml", ".yml")) or w == "SPEC":
            args.append(missing)
        elif prev == "--event" and w.startswith("{"):
            ev = json.loads(w)  # inline: its spec replaced too
            (ev.get("detail") or ev)["spec"] = missing
            args.append(json.dumps(ev))
        elif prev == "--event" and w != "-":
            args.append(os.path.join(tmp, "missing-event.json"))
        elif re.match(r"^[A-Z]+(\.\.\.)?$", w):
            args.append("2" if prev == "--parallel" else "x")  # NAME, V, N: any value
        else:
            args.append(w)
    # prose names a command without its spec ("`weir run` reads ..."): add one
    if args and args[0] in ("run", "plan", "check", "state", "sql") and missing not in args \
            and "--event" not in args and "--help" not in args:
        args.append(missing)
    if args and args[0] == "discover":
        args.append("--help")  # its options parsed, no database reached
    if args[:2] == ["state", "set"] and "--value" not in args:
        args += ["--job", "x", "--value", "x"]
    rc, out, err = weir_out(*args, env=env)
    result(rc in (0, 66), "%s:%d: `%s` is accepted (exit %d)" % (path, no, text.strip(), rc),
           "ran: weir " + " ".join(shlex.quote(a) for a in args), err.strip()[-400:])

rc, out, err = weir_out("--help")
commands = re.findall(r"^  ([a-z]+) ", out.split("options:")[0], re.M)
commands = sorted(set(commands))
result(set(commands) >= {"run", "plan", "check", "state", "spec"}, "weir --help lists the commands: %s" % commands)
for c in commands:
    rc, cout, _ = weir_out(c, "--help")
    result(rc == 0 and cout.startswith("usage: weir " + c) and cout != out, "weir %s --help is its own" % c)

# exit codes: README's table and the binary's help say the same
readme = open(os.path.join(src, "README.md"), encoding="utf-8").read()
table = sorted(set(int(c) for c in re.findall(r"^\| (\d+) \|", readme, re.M)))
helped = sorted(set(int(c) for c in re.findall(r"(?:^|[ ,(])(\d{1,2}) [A-Za-z]", out.split("exit codes:")[1], re.M)))
result(table == helped, "README's exit codes are weir --help's", "README: %s" % table, "help: %s" % helped)

# limits: "N to M slices" in the docs is the schema's slices.count range
rc, schema_text, _ = weir_out("spec", "schema")
schema = json.loads(schema_text)
def find_key(node, key):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from find_key(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from find_key(v, key)
counts = [v["properties"]["count"] for v in find_key(schema, "slices") if isinstance(v, dict)
          and "properties" in v and "count" in v.get("properties", {})]
result(len(counts) >= 1, "the schema has slices.count")
lo, hi = counts[0].get("minimum"), counts[0].get("maximum")
for path in docs:
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r"(\d+) to (\d+) slices", text):
        result((int(m.group(1)), int(m.group(2))) == (lo, hi),
               "%s: \"%s\" matches the schema (%s to %s)" % (os.path.relpath(path, src), m.group(0), lo, hi))

print("1..%d" % n)
sys.exit(1 if failed else 0)
EOP
