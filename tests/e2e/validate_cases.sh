#!/bin/bash
# validate_cases.sh — the data-driven corpus of tests/cases through
# `packetd validate --json` (SPEC sections 2–4, 9): for every case, the exit
# status must match the expected outcome (0 complete, 1 incomplete,
# 2 rejected), every line of <case>.expect must hold against the JSON, and
# every finding must carry a Chinese and an English message. Then the sample
# packets of samples/ must validate as their names say. One TAP line per
# expectation.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

cases=$PACKETD_TOP/tests/cases
samples=$PACKETD_TOP/samples
tmp=$(mktemp -d /tmp/packetd-cases.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if ! ls "$cases"/*.expect >/dev/null 2>&1; then
	python3 "$cases/make_cases.py" "$cases" >/dev/null
fi

# Checks one .expect file against one JSON document; prints "PASS desc" or
# "FAIL desc (why)" per expectation.
cat >"$tmp/check.py" <<'EOF'
import json, re, sys

expect_path, json_path = sys.argv[1], sys.argv[2]
han = re.compile("[\u3400-\u9fff]")
lines = []
for raw in open(expect_path, encoding="utf-8"):
    line = re.sub(r"(^|\s)#.*$", "", raw).strip()
    if line:
        lines.append(line)
try:
    with open(json_path, encoding="utf-8") as f:
        j = json.load(f)
    if not isinstance(j, dict):
        raise ValueError("not an object")
except Exception as e:  # every expectation fails when there is no usable JSON
    for line in lines:
        if not line.startswith("target "):
            print("FAIL %s (no JSON: %s)" % (line, e))
    print("FAIL findings have messages in both languages (no JSON)")
    sys.exit(0)

findings = [f for f in j.get("findings") or [] if isinstance(f, dict)]
documents = [d for d in j.get("documents") or [] if isinstance(d, dict)]
app = j.get("applicant") or {}

def want(v):
    return None if v == "-" else v

def match(f, code, doc, lang, sev):
    if f.get("code") != code:
        return False
    if doc != "*" and f.get("document") != want(doc):
        return False
    if lang != "*" and f.get("language") != want(lang):
        return False
    return sev is None or f.get("severity") == sev

def show(fs):
    return ", ".join("%s/%s/%s" % (f.get("code"), f.get("document"), f.get("language")) for f in fs) or "none"

for line in lines:
    w = line.split()
    kind = w[0]
    if kind == "target":
        continue
    if kind == "outcome":
        ok, why = j.get("outcome") == w[1], "got %s" % j.get("outcome")
    elif kind == "finding":
        sev = w[4] if len(w) > 4 else None
        ok = any(match(f, w[1], w[2], w[3], sev) for f in findings)
        why = "findings: " + show(findings)
    elif kind == "nofinding":
        hits = [f for f in findings if f.get("code") == w[1]]
        ok, why = not hits, "present: " + show(hits)
    elif kind == "document":
        ds = [d for d in documents if d.get("document") == w[1] and d.get("language") == want(w[2])]
        got = ds[0].get("copies") if ds else None
        ok, why = got == int(w[3]), "copies %s" % got
    elif kind == "applicant":
        got = app.get(w[1]) if isinstance(app, dict) else None
        ok, why = got == " ".join(w[2:]), "got %r" % got
    elif kind == "file":
        name = line[len("file "):].strip()
        names = [f.get("name") for d in documents for f in d.get("files") or [] if isinstance(f, dict)]
        ok, why = name in names, "files: " + ", ".join(map(str, names))
    else:
        ok, why = False, "unknown expectation"
    print("%s %s%s" % ("PASS" if ok else "FAIL", line, "" if ok else " (%s)" % why))

bad = [f.get("code") for f in findings
       if not (isinstance(f.get("message_zh"), str) and han.search(f["message_zh"])
               and isinstance(f.get("message_en"), str) and f["message_en"].strip())]
print("%s findings have messages in both languages%s" % ("FAIL" if bad else "PASS",
      " (%s)" % ", ".join(map(str, bad)) if bad else ""))
EOF

status_of() {  # outcome → exit status of validate
	case $1 in
	complete) echo 0 ;;
	incomplete) echo 1 ;;
	rejected) echo 2 ;;
	*) echo "?" ;;
	esac
}

for expect in "$cases"/*.expect; do
	name=$(basename "$expect" .expect)
	input=
	for f in "$cases/$name".*; do
		[ "$f" = "$expect" ] && continue
		input=$f
		break
	done
	if [ -z "$input" ]; then
		ok "$name: input present" false
		continue
	fi
	target=$(awk '$1 == "target" { print $2 }' "$expect")
	outcome=$(awk '$1 == "outcome" { print $2 }' "$expect")
	args=()
	[ -n "$target" ] && args=(--target "$target")
	"$PACKETD" validate --json "${args[@]}" "$input" >"$tmp/out.json" 2>"$tmp/err"
	rc=$?
	is "$name: exit status" "$rc" "$(status_of "$outcome")"
	while read -r verdict desc; do
		if [ "$verdict" = PASS ]; then
			ok "$name: $desc" true
		else
			ok "$name: $desc" false
		fi
	done < <(python3 "$tmp/check.py" "$expect" "$tmp/out.json")
done

# The samples say what they are in their names.
for p in "$samples"/packets/*.zip "$samples"/hostile/*.zip; do
	[ -f "$p" ] || continue
	n=$(basename "$p" .zip)
	case $p in
	*/hostile/*) want=2 ;;
	*/incomplete-*) want=1 ;;
	*complete*) want=0 ;;
	*) continue ;;
	esac
	"$PACKETD" validate --json "$p" >"$tmp/out.json" 2>"$tmp/err"
	rc=$?
	is "samples/$n: exit status" "$rc" "$want"
done
