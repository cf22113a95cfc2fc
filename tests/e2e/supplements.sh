#!/bin/bash
# Supplements (补充材料) end to end: incomplete applications completed by
# later packets, by email and in provincial batches — random-looking subsets
# of the missing documents, replacements of a file already received, with
# and without manifest.ini, a single replacement file, and several
# supplements of one application in one cycle. After every cycle: packetd
# exited 0 (no crash, no core, no sanitizer report in its log; under
# valgrind when PACKETD_VALGRIND is set), and each application's documents,
# outcome and notices are the ones the supplements imply (show --json, the
# outbox table and the outbox Maildir).
source "$(dirname "$0")/../lib.sh"
fresh_install
# The scratch folder on tmpfs, as recommended for a disk spool, when
# /dev/shm is another file system: a supplement's re-check then copies kept
# documents out of their packs across file systems.
SCRATCH=$WORK/spool
if [ "$(stat -c %d /dev/shm 2>/dev/null)" != "$(stat -c %d "$WORK")" ] && SCRATCH=$(mktemp -d /dev/shm/packetd-suppl.XXXXXX); then
	sed -i "s|^spool = .*|&\nscratch = $SCRATCH|" "$PACKETD_CONFIG"
	trap 'rm -rf "$WORK" "$SCRATCH"' EXIT
else
	SCRATCH=$WORK/spool
fi
[ -n "${KEEP_WORK:-}" ] && trap - EXIT && echo "# work: $WORK"
DB="$WORK/spool/packetd.db"
GEN="$WORK/gen"
export PACKETD_NOW=2026-11-10T10:00:00+08:00
# ASan/UBSan (the build-asan binary): keep going to the end of the run so the
# report lands in the log, and fail the run with a distinct status.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:exitcode=86:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=87}"
P() {
	if [ -n "${PACKETD_VALGRIND:-}" ]; then
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			"$PACKETD" "$@"
	else
		"$PACKETD" "$@"
	fi
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
q() { sqlite3 "$DB" "$1"; }

# The inputs of three cycles, and what each cycle must leave (expect-N.json).
python3 - "$PACKETD_TOP/samples" "$GEN" <<'PY'
import json, os, random, sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import make_samples as ms
gen = sys.argv[2]
rnd = random.Random(20261110)          # fixed: the same "random" subsets every run
ALL = [(d, l, c) for d, l in ms.SLOTS for c in (1, 2)]

def person(i, target="CEng", **kw):
    return ms.applicant("补充%d" % i, "SUPP %d" % i, "supp%d@example.com" % i, "M20259000%02d" % i,
                        target=target, **kw)

def files_of(app, keep, overrides=None):
    return [f for f in ms.packet_files(app, overrides=overrides) if (f["doc"], f["lang"], f["copy"]) in keep]

def archive(app, files, manifest=True):
    return ms.zip_bytes(ms.packet_members(files, manifest=ms.manifest_ini(app) if manifest else None))

def mail(app, data, tag, cycle, subject=None):
    # The subject carries target and CMES number, as applicants write it: a
    # packet without manifest.ini is matched to its application by it.
    m = ms.applicant_mail(app, data, "supplement-%s.zip" % tag, "rfc2231", minute=cycle * 10, tag=tag,
                          subject=subject)
    os.makedirs(os.path.join(gen, "c%d" % cycle), exist_ok=True)
    with open(os.path.join(gen, "c%d" % cycle, tag + ".eml"), "wb") as f:
        f.write(m)

def batch(rows, name, cycle):
    csv_rows = [ms.FIELDS + ["packet"]]
    members = []
    for app, pkt, files in rows:
        csv_rows.append([app[f] for f in ms.FIELDS] + [pkt])
        members.append(ms.Member(pkt, ms.zip_bytes(ms.packet_members(files))))
    members.insert(0, ms.Member("batch.csv", ms.csv_bytes(csv_rows, bom=True)))
    os.makedirs(os.path.join(gen, "c%d" % cycle), exist_ok=True)
    with open(os.path.join(gen, "c%d" % cycle, name), "wb") as f:
        f.write(ms.zip_bytes(members))

# model: per applicant, the slots present and whether a bad file is current
model = {}
def expect(app, present, bad=(), acks=0, supplements=0):
    model[app["cmes_no"]] = {"email": app["email"], "present": sorted("%s/%s/%d" % s for s in present),
                             "state": "complete" if len(present) == 16 and not bad else "incomplete",
                             "acks": acks, "supplements": supplements}

A, B, C, D, E, F = (person(i) for i in range(1, 7))
fake = ms.png_bytes("not a report")
bad_report = {("work_experience_report", "en", 1): {"data": fake}}
# cycle 1: four incomplete applications by mail, two rows by batch
missA = set(rnd.sample(ALL, 7)); presA = set(ALL) - missA
missC = set(rnd.sample(ALL, 5)); presC = set(ALL) - missC
missD = set(rnd.sample(ALL, 6)); presD = set(ALL) - missD
missF = set(rnd.sample(ALL, 4)); presF = set(ALL) - missF
mail(A, archive(A, files_of(A, presA)), "a0", 1)
mail(B, archive(B, files_of(B, set(ALL), bad_report)), "b0", 1)         # all 16, one fake PDF
mail(C, archive(C, files_of(C, presC)), "c0", 1)
mail(F, archive(F, files_of(F, presF)), "f0", 1)
batch([(D, "D.zip", files_of(D, presD)), (E, "E.zip", files_of(E, set(ALL)))], "batch1.zip", 1)
expect(A, presA, acks=1); expect(B, set(ALL), bad=[1], acks=1); expect(C, presC, acks=1)
expect(D, presD, acks=1); expect(E, set(ALL), acks=1); expect(F, presF, acks=1)
ex = {1: json.loads(json.dumps(model))}

# cycle 2: a random subset of A's missing (with manifest); B's single
# replacement file (no manifest); D by batch: a subset of its missing plus a
# replacement of a file it has; F: every missing document in one file-set
# without manifest plus a replacement in another format.
subA = set(rnd.sample(sorted(missA), 3)); presA |= subA
mail(A, archive(A, files_of(A, subA)), "a1", 2)
good = [f for f in ms.packet_files(B) if (f["doc"], f["lang"], f["copy"]) == ("work_experience_report", "en", 1)]
mail(B, archive(B, good, manifest=False), "b1", 2,
     subject="CEng application / %s / CMES %s" % (B["name_zh"], B["cmes_no"]))
subD = set(rnd.sample(sorted(missD), 4)); presD |= subD
replD = rnd.choice(sorted(presD - subD))
batch([(D, "D-supplement.zip", files_of(D, subD | {replD}))], "batch2.zip", 2)
replF = rnd.choice(sorted(presF))
fmtF = {k: "docx" for k in ms.SLOTS}
fmtF.update({("cpd_record", "zh"): "xlsx", ("cpd_record", "en"): "xlsx", ("cross_reference", "en"): "xlsx"})
filesF = files_of(F, missF) + [f for f in ms.packet_files(F, formats=fmtF)
                               if (f["doc"], f["lang"], f["copy"]) == replF]
mail(F, archive(F, filesF, manifest=False), "f1", 2,
     subject="%s / CMES %s / %s application" % (F["name_zh"], F["cmes_no"], F["target"]))
presF = set(ALL)
expect(A, presA, acks=2, supplements=1); expect(B, set(ALL), acks=2, supplements=1)
expect(D, presD, acks=2, supplements=1); expect(F, presF, acks=2, supplements=1)
ex[2] = json.loads(json.dumps(model))

# cycle 3: the rest of A's missing (no manifest) with a replacement; C
# sends three supplements in the one cycle (a subset, the same file again,
# the rest); D's last missing by batch, its replacement rows mixed with a
# new applicant's row.
restA = missA - subA
replA = rnd.choice(sorted(presA - restA))
mail(A, archive(A, files_of(A, restA | {replA}), manifest=False), "a2", 3,
     subject="CEng application / %s / CMES %s" % (A["name_zh"], A["cmes_no"]))
c1 = set(sorted(missC)[:2]); c2 = set(sorted(missC)[2:])
mail(C, archive(C, files_of(C, c1)), "c1", 3)
mail(C, archive(C, files_of(C, c1 | {rnd.choice(sorted(presC))})), "c2", 3)
mail(C, archive(C, files_of(C, c2)), "c3", 3)
restD = set(ALL) - presD
G = person(7)
batch([(D, "D-rest.zip", files_of(D, restD)), (G, "G.zip", files_of(G, set(ALL)))], "batch3.zip", 3)
expect(A, set(ALL), acks=3, supplements=2); expect(C, set(ALL), acks=4, supplements=3)
expect(D, set(ALL), acks=3, supplements=2); expect(G, set(ALL), acks=1)
ex[3] = json.loads(json.dumps(model))
for k, v in ex.items():
    with open(os.path.join(gen, "expect-%d.json" % k), "w") as f:
        json.dump(v, f, indent=1, sort_keys=True)
PY
ok "inputs generated" test -f "$GEN/expect-3.json"

# What each application shows and was told, against the expectation of a
# cycle: lines "description<TAB>got<TAB>want".
check_cycle() {  # check_cycle N
	python3 - "$GEN/expect-$1.json" "$DB" "$WORK/mailboxes/outbox" "$PACKETD" <<'PY'
import collections, email, glob, json, sqlite3, subprocess, sys
from email import policy
want = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
delivered = collections.defaultdict(list)
for f in glob.glob(sys.argv[3] + "/new/*") + glob.glob(sys.argv[3] + "/cur/*"):
    m = email.message_from_binary_file(open(f, "rb"), policy=policy.default)
    delivered[str(m["to"]).strip()].append(m)
def line(desc, got, exp):
    print("%s\t%s\t%s" % (desc, got, exp))
for cmes, w in sorted(want.items()):
    rows = db.execute("SELECT a.number FROM applications a JOIN applicants p ON p.id = a.applicant_id"
                      " WHERE p.cmes_no = ?", (cmes,)).fetchall()
    line("%s has one application" % cmes, len(rows), 1)
    if not rows:
        continue
    num = rows[0][0]
    show = json.loads(subprocess.run([sys.argv[4], "show", num, "--json"], capture_output=True).stdout)
    copies = {"%s/%s" % (d["document"], d["language"]): d["copies"] for d in show["documents"]}
    model = collections.Counter(s.rsplit("/", 1)[0] for s in w["present"])
    line("%s outcome" % cmes, show["state"], w["state"])
    line("%s copies by document and language" % cmes,
         " ".join("%s=%d" % kv for kv in sorted(copies.items())),
         " ".join("%s=%d" % (k, model.get(k, 0)) for k in sorted(copies)))
    bad = [f["code"] for f in show["findings"] if f["severity"] == "error"]
    line("%s error findings" % cmes, " ".join(sorted(set(bad))) or "none",
         "none" if w["state"] == "complete" else " ".join(sorted(set(bad))) or "some")
    acks = db.execute("SELECT count(*) FROM outbox o JOIN applications a ON a.id = o.application_id"
                      " WHERE a.number = ? AND o.kind = 'ack'", (num,)).fetchone()[0]
    line("%s acknowledgements queued" % cmes, acks, w["acks"])
    # the outbox Maildir: every notice delivered once; each supplement's says
    # so in both languages and names the application
    got = delivered.get(w["email"], [])
    line("%s notices delivered" % cmes, len(got), w["acks"])
    sup = 0
    for m in got:
        text = "".join(p.get_content() for p in m.walk() if p.get_content_type() == "text/plain")
        if "补充材料" in text and ("added to application " + num) in text:
            sup += 1
    line("%s notices of a supplement (zh, en, its number)" % cmes, sup, w["supplements"])
PY
}

assert_cycle() {  # assert_cycle N: check_cycle as TAP lines
	local n=$1 d g w
	while IFS=$'\t' read -r d g w; do
		is "cycle $n: $d" "$g" "$w"
	done < <(check_cycle "$n")
}

# One cycle: packetd must exit 0 with nothing in its log that a crash or a
# sanitizer leaves, and no core file.
cycle() {  # cycle N
	local n=$1 rc
	for f in "$GEN/c$n"/*.eml; do [ -e "$f" ] && deliver "$f" "c$n-$(basename "$f" .eml)"; done
	for f in "$GEN/c$n"/*.zip; do
		[ -e "$f" ] || continue
		cp "$f" "$WORK/spool/drop/" && touch -d '1 minute ago' "$WORK/spool/drop/$(basename "$f")"
	done
	(cd "$WORK" && ulimit -c unlimited 2>/dev/null; P run --once >"$WORK/out-$n.txt" 2>"$WORK/run-$n.log")
	rc=$?
	is "cycle $n: run --once exits 0 (no SIGSEGV, sanitizer or valgrind error)" "$rc" 0
	ok "cycle $n: no sanitizer or valgrind report in the log" \
		bash -c '! grep -qE "AddressSanitizer|LeakSanitizer|runtime error:|ERROR SUMMARY: [1-9]|Invalid (read|write|free)" "$1"' _ "$WORK/run-$n.log"
	ok "cycle $n: no core file" bash -c '! ls "$1"/core* >/dev/null 2>&1' _ "$WORK"
	ok "cycle $n: the supplements were logged as such" \
		bash -c '[ "$2" = 1 ] || grep -q "(supplement)" "$1"' _ "$WORK/run-$n.log" "$n"
	ok "cycle $n: inbox and drop emptied" \
		test "$(find "$WORK/mailboxes/inbox/new" "$WORK/mailboxes/inbox/cur" "$WORK/spool/drop" -type f | wc -l)" = 0
	[ "$rc" = 0 ] || tail -n 30 "$WORK/run-$n.log" | sed 's/^/# /'
	assert_cycle "$n"
}

cycle 1
cycle 2
cycle 3

# Everything the supplements brought is stored and recorded once.
is "every stored document is whole" "$(q "SELECT stored_path || ' ' || sha256 FROM files WHERE stored_path IS NOT NULL" |
	while read -r p sha; do [ "$(kept "$p" "$sha")" = whole ] || echo "$p"; done | wc -l)" 0
is "superseded files kept in history, not shown" "$(q "SELECT count(*) > 0 FROM files WHERE superseded = 1")" 1
is "one item per message and per batch (row items included)" "$(q "SELECT count(*) FROM items WHERE key NOT LIKE '%#%'")" \
	"$(find "$GEN" -name '*.eml' -o -name 'batch*.zip' | wc -l)"
is "integrity_check" "$(q 'PRAGMA integrity_check')" ok
# Nothing left in the work folder after the runs.
is "work folder clean" "$(find "$SCRATCH/work" -mindepth 1 2>/dev/null | wc -l)" 0
# A rerun finds nothing new to do: no notice, no application.
before=$(q "SELECT count(*) FROM outbox"):$(q "SELECT count(*) FROM applications")
P run --once >/dev/null 2>"$WORK/run-again.log"
is "a quiet cycle after the supplements changes nothing" \
	"$(q "SELECT count(*) FROM outbox"):$(q "SELECT count(*) FROM applications")" "$before"
