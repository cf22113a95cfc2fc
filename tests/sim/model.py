"""model.py — what the simulator expects of packetd, and the invariants it
checks after every step (see sim.py)."""

import collections
import datetime
import hashlib
import json
import os
import re
import sys

import lives

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import kept  # noqa: E402  (tests/kept.py)


class Failure(Exception):
    """An invariant that does not hold, at a step of a life."""

    def __init__(self, step, check, detail):
        super().__init__("step %d: %s: %s" % (step, check, detail))
        self.step, self.check, self.detail = step, check, detail


TOP = lives.TOP
INTAKE_KINDS = ("ack", "rejected", "duplicate", "no_packet")
OPEN = ("received", "complete", "incomplete", "returned")
# Notice kinds the centre's commands send (the last column of wf_table) and payments.
COMMAND_KINDS = ("returned", "recommended", "interview", "interview_moved", "result_pass", "result_fail", "no_show",
                 "certified", "payment")
EVENTS = {("review", "--approve"): "review_approve", ("review", "--return"): "review_return",
          ("soehk", "--accept"): "soehk_accept", ("soehk", "--return"): "soehk_return",
          ("result", "--pass"): "result_pass", ("result", "--fail"): "result_fail",
          ("result", "--no-show"): "result_no_show"}


def wf_table():
    """The transition table, read from src/workflow.c (wf_table)."""
    src = open(os.path.join(TOP, "src", "workflow.c"), encoding="utf-8").read()
    body = src[src.index("wf_table[] = {"):]
    body = body[:body.index("};")]
    rows = []
    for m in re.finditer(r'\{\s*"(\w+)",\s*"(\w+)",\s*(NULL|"\w+"),\s*"(\w+)",\s*(NULL|"\w+")\s*\}', body):
        ev, frm, via, to, notice = m.groups()
        rows.append((ev, frm, None if via == "NULL" else via.strip('"'), to,
                     None if notice == "NULL" else notice.strip('"')))
    if not rows:
        raise SystemExit("sim: cannot read wf_table from src/workflow.c")
    return rows


def fee_rules():
    """[fees] and [fees.cmes_membership] of config/requirements.ini."""
    fees, scale, sec = {}, {}, None
    for line in open(os.path.join(TOP, "config", "requirements.ini"), encoding="utf-8"):
        line = line.split(" ;")[0].strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("["):
            sec = line.strip("[]")
            continue
        if "=" in line and sec in ("fees", "fees.cmes_membership"):
            k, v = (x.strip() for x in line.split("=", 1))
            (fees if sec == "fees" else scale)[k] = int(v)
    return fees, scale


class Model:
    def __init__(self, w):
        self.w = w
        self.table = wf_table()
        self.allowed = set()
        for ev, frm, via, to, _ in self.table:
            if via:
                self.allowed |= {(ev, frm, via), (ev, via, to)}
            else:
                self.allowed.add((ev, frm, to))
        self.fees, self.scale = fee_rules()
        self.msgs = {}                            # Message-ID -> what was sent
        self.batches = {}                         # batch sha -> rows
        self.notices = collections.Counter()      # (number, kind) -> expected count
        self.paid = collections.Counter()         # (number, item) -> yuan
        self.validated = {}                       # (cmes_no, now) -> validate's exit status
        self.reports_sent = 0                     # report --send accepted
        self.checked_upto = 0                     # items whose outcome was checked

    # ---- what the simulator did ----

    def sent(self, mid, cls, expect, data, app, pkt=None):
        if mid not in self.msgs:
            self.msgs[mid] = {"cls": cls, "expect": expect, "app": app, "pkt": pkt, "now": self.w.now,
                              "sha": hashlib.sha256(data).hexdigest() if data else None}
        self.validated = {}

    def batch(self, step, data):
        self.batches[hashlib.sha256(data).hexdigest()] = step

    def snapshot(self):
        w = self.w
        if not os.path.exists(w.db):
            return ((), [(0,)], [(0,)], [(0, None)], [(0,)], ())
        q = lambda s: w.sql(s)  # noqa: E731
        return (tuple(q("SELECT number, state FROM applications ORDER BY id")), q("SELECT count(*) FROM history"),
                q("SELECT count(*) FROM outbox"), q("SELECT count(*), sum(amount) FROM payments"),
                q("SELECT count(*) FROM interviews"),
                # payment notices not yet tried: the next payment's notice replaces them
                tuple(q("SELECT a.number, count(*) FROM outbox o JOIN applications a ON a.id = o.application_id"
                        " WHERE o.kind = 'payment' AND o.state = 'queued' AND o.attempts = 0 GROUP BY a.number")))

    def fee_view(self, num):
        r = self.w.packetd(["show", num, "--json"], -1, ok=(0, 1))
        if r.returncode != 0:
            return None
        return json.loads(r.stdout)

    def pay_amount(self, num, item, how):
        if how not in ("full", "half"):
            return how
        d = self.fee_view(num) if num.startswith("RRA-") else None
        out = ((d or {}).get("fees") or {}).get(item, {}).get("outstanding") or 0
        if out <= 0:
            return "100"
        return str(out if how == "full" else max(1, out // 2))

    def after_cmd(self, i, s, c, num, args, r, before):
        after = self.snapshot()
        rc = r.returncode
        if rc != 0:
            if after != before:
                raise Failure(i, "refused-changed", "packetd %s exited %d but changed the database" %
                              (" ".join(args), rc))
            if c not in ("cpd", "purge") and not r.stderr.strip():
                raise Failure(i, "silent-refusal", "packetd %s exited %d without a word" % (" ".join(args), rc))
            return
        states0, states1 = dict(before[0]), dict(after[0])
        ev = None
        if c in ("review", "soehk", "result"):
            ev = EVENTS.get((c, s["args"][0] if s["args"] else ""))
        elif c in ("interview", "certify"):
            ev = c
        if ev:
            frm = states0.get(num)
            rows = [t for t in self.table if t[0] == ev and t[1] == frm]
            if not rows:
                raise Failure(i, "transition", "packetd %s succeeded from state %s, which wf_table does not allow"
                              % (" ".join(args), frm))
            if states1.get(num) != rows[0][3]:
                raise Failure(i, "transition", "packetd %s: %s -> %s, wf_table says %s" %
                              (" ".join(args), frm, states1.get(num), rows[0][3]))
            if rows[0][4]:
                # a plan replacing the one in force is announced as moved (改期), naming the old one
                moved = ev == "interview" and frm == "interview_planned"
                self.notices[(num, "interview_moved" if moved else rows[0][4])] += 1
        if c == "transmit":
            for n, st in states0.items():
                if st == "recommended" and states1.get(n) != "soehk_review":
                    raise Failure(i, "transition", "transmit left %s in %s" % (n, states1.get(n)))
        if c == "report" and "--send" in args:
            self.reports_sent += 1
        if c == "pay":
            self.paid[(num, s["item"])] += int(float(args[args.index("--amount") + 1]))
            # one notice lists every payment since the last one tried: an untried one is replaced
            if not dict(before[5]).get(num):
                self.notices[(num, "payment")] += 1
        if c in ("pay", "result", "certify"):
            self.check_fees(i, num)

    def after_run(self, i, quiet):
        """After a cycle; quiet: it ran to its end with nothing injected."""
        self.check_outcomes(i)
        if not quiet:
            return
        w = self.w
        left = [n for d in ("new", "cur") for n in os.listdir(os.path.join(w.dir, "mailboxes", "inbox", d))
                if not n.startswith(".")]
        if left:
            raise Failure(i, "inbox-not-empty", "after a quiet cycle the inbox still holds %s" % left[:5])
        drop = [n for n in os.listdir(os.path.join(w.dir, "spool", "drop")) if not n.endswith(".part")]
        if drop:
            raise Failure(i, "drop-not-empty", "after a quiet cycle the drop folder still holds %s" % drop[:5])
        keys = {k for (k,) in w.sql("SELECT key FROM items")}
        for mid in self.msgs:
            if "mid:" + mid not in keys:
                raise Failure(i, "handled-once", "message <%s> was delivered but no item records it" % mid)
        for sha, step in self.batches.items():
            if "batch:" + sha not in keys:
                raise Failure(i, "handled-once", "batch %s was dropped but no item records it" % step["name"])
        intake = self.intake_notices()
        for mid, m in self.msgs.items():
            got = intake.get(mid, [])
            want = {"packet": {"ack", "duplicate"}, "rejected": {"rejected", "duplicate"},
                    "any": {"ack", "rejected", "duplicate"}}.get(m["expect"]) if m["cls"] == "packet" else \
                ({"no_packet"} if m["cls"] == "nopacket" else set())
            if len(got) != (1 if want else 0) or (want and got[0] not in want):
                raise Failure(i, "notices", "message <%s> (%s, %s) was answered with %s, want one of %s" %
                              (mid, m["cls"], m["expect"], got or "nothing", sorted(want) or "nothing"))
        # the nightly report of day D goes at D+1 report_time (02:00), or at the first cycle after
        day = ((w.now - datetime.timedelta(hours=2)).date() - datetime.timedelta(days=1)).isoformat()
        if not w.sql("SELECT 1 FROM report_runs WHERE date = ?", (day,)):
            raise Failure(i, "report", "at %s no nightly report of %s was sent" % (w.now.isoformat(), day))
        receipts = w.sql("SELECT count(*) FROM outbox WHERE kind = 'receipt'")[0][0]
        if receipts != len(self.batches):
            raise Failure(i, "notices", "%d receipt notices for %d batches" % (receipts, len(self.batches)))

    def complete_for(self, app):
        """Whether a complete packet of app passes `validate` at this time."""
        key = (app["cmes_no"], self.w.now)
        if key not in self.validated:
            data, _, _ = lives.packet_bytes(app, {"kind": "complete", "manifest": True, "nonce": 1})
            path = os.path.join(self.w.dir, "model-validate.zip")
            with open(path, "wb") as f:
                f.write(data)
            self.validated[key] = self.w.packetd(["validate", path], -1, ok=(0, 1, 2)).returncode
        return self.validated[key] == 0

    def check_outcomes(self, i):
        """The newest packet recorded to an open application decides its
        outcome: all sixteen good documents (with manifest.ini now or
        before) make it complete, a packet with a bad document incomplete."""
        w = self.w
        last, manifests = {}, collections.defaultdict(int)
        upto = self.checked_upto
        for key, app_id, iid, status in w.sql("SELECT key, application_id, id, status FROM items"
                                              " WHERE application_id IS NOT NULL ORDER BY id"):
            self.checked_upto = max(self.checked_upto, iid)
            if status == "duplicate":
                continue
            m = self.msgs.get(key[4:]) if key.startswith("mid:") and status == "processed" else None
            if m is None or m["pkt"] is None or iid <= upto:
                last.pop(app_id, None)   # something else came last, or it was checked before
            else:
                last[app_id] = (key[4:], m, manifests[app_id])
            if m and m["pkt"] and m["pkt"]["manifest"] and m["pkt"]["kind"] in ("complete", "subset", "defect"):
                manifests[app_id] += 1
        for app_id, (mid, m, had) in last.items():
            kind = m["pkt"]["kind"]
            if abs(m["now"] - w.now) > datetime.timedelta(hours=12) or kind not in ("complete", "defect"):
                continue
            if kind == "complete" and not (m["pkt"]["manifest"] or had):
                continue
            row = w.sql("SELECT number, state FROM applications WHERE id = ?", (app_id,))
            if not row or row[0][1] not in OPEN or not self.complete_for(m["app"]):
                continue
            want = "complete" if kind == "complete" else "incomplete"
            if row[0][1] != want:
                raise Failure(i, "outcome", "%s is %s after <%s> (%s packet%s), want %s" %
                              (row[0][0], row[0][1], mid, kind, "" if m["pkt"]["manifest"] else
                               " without manifest.ini", want))

    # ---- invariants after every step ----

    def intake_notices(self):
        out = collections.defaultdict(list)
        for kind, body in self.w.sql("SELECT kind, body FROM outbox JOIN outbox_bodies USING (id) WHERE kind IN (%s)" %
                                     ",".join("'%s'" % k for k in INTAKE_KINDS)):
            head = bytes(body).split(b"\r\n\r\n", 1)[0]
            m = re.search(rb"^In-Reply-To:\s*<([^>]+)>", head, re.M | re.I)
            if m:
                out[m.group(1).decode("utf-8", "replace")].append(kind)
        return out

    def check(self, i):
        w = self.w
        if not os.path.exists(w.db):
            return
        ic = w.sql("PRAGMA integrity_check")
        if ic != [("ok",)]:
            raise Failure(i, "integrity", "PRAGMA integrity_check: %s" % ic[:3])
        spool = os.path.join(w.dir, "spool")
        cols = {c[1] for c in w.sql("PRAGMA table_info(files)")}
        for p, sha in w.sql("SELECT stored_path, sha256 FROM files WHERE stored_path IS NOT NULL AND stored_path <> ''" +
                            (" AND purged_at IS NULL" if "purged_at" in cols else "")):
            full = p if os.path.isabs(p) else os.path.join(spool, p)
            st = kept.kept_state(full, sha)
            if st != "whole":
                raise Failure(i, "stored-file", "the database refers to %s, which is %s" % (p, st))
        for frm, to, ev, num in w.sql("SELECT h.from_state, h.to_state, h.event, a.number FROM history h"
                                      " JOIN applications a ON a.id = h.application_id"):
            if ev is None or ev in ("intake", "supplement", "resubmission"):
                ok = (frm is None and to in ("received", "complete", "incomplete", "rejected")) or \
                     (frm in OPEN and to in ("complete", "incomplete", "rejected"))
            elif ev == "purge":   # retention deletes documents, the state stays
                ok = frm == to
            else:
                ok = (ev, frm, to) in self.allowed or not any(t[0] == ev for t in self.table)
            if not ok:
                raise Failure(i, "transition", "%s: history %s -> %s (event %s) is not in wf_table" %
                              (num, frm, to, ev))
        # the outbox Maildir: every notice at most once, every sent row there
        seen = collections.Counter()
        for d in ("new", "cur"):
            box = os.path.join(w.dir, "mailboxes", "outbox", d)
            for n in os.listdir(box) if os.path.isdir(box) else []:
                with open(os.path.join(box, n), "rb") as f:
                    head = f.read(8192).split(b"\r\n\r\n", 1)[0]
                m = re.search(rb"^Message-ID:\s*<([^>]+)>", head, re.M | re.I)
                seen[m.group(1).decode() if m else n] += 1
        twice = [k for k, v in seen.items() if v > 1]
        if twice:
            raise Failure(i, "delivered-twice", "notices delivered more than once: %s" % twice[:3])
        for (mid,) in w.sql("SELECT message_id FROM outbox WHERE state = 'sent'"):
            if seen.get(mid.strip("<>"), 0) != 1:
                raise Failure(i, "delivered-lost", "outbox row %s is marked sent but is not in the Maildir" % mid)
        for mid, kinds in self.intake_notices().items():
            if len(kinds) > 1:
                raise Failure(i, "notices", "message <%s> was answered %d times: %s" % (mid, len(kinds), kinds))
        got = collections.Counter()
        for num, kind, n in w.sql("SELECT a.number, o.kind, count(*) FROM outbox o JOIN applications a"
                                  " ON a.id = o.application_id GROUP BY a.number, o.kind"):
            if kind in COMMAND_KINDS:
                got[(num, kind)] = n
        if got != +self.notices:
            diff = {k: (got.get(k, 0), self.notices.get(k, 0)) for k in set(got) | set(self.notices)
                    if got.get(k, 0) != self.notices.get(k, 0)}
            raise Failure(i, "notices", "centre notices (got, want) differ: %s" % sorted(diff.items())[:4])
        for num, n, plans in w.sql("SELECT a.number, (SELECT count(*) FROM outbox o WHERE o.application_id = a.id"
                                   " AND o.kind = 'interview_reminder'), (SELECT count(*) FROM interviews v"
                                   " WHERE v.application_id = a.id) FROM applications a"):
            if n > plans:
                raise Failure(i, "notices", "%s: %d interview reminders for %d plans" % (num, n, plans))
        rep = w.sql("SELECT (SELECT count(*) FROM outbox WHERE kind = 'report'), (SELECT count(*) FROM report_runs)")
        if rep and rep[0][0] != rep[0][1] + self.reports_sent:
            raise Failure(i, "notices", "%d report notices: %d nightly runs and %d sent on demand" %
                          (rep[0][0], rep[0][1], self.reports_sent))
        rr = w.sql("SELECT (SELECT count(*) FROM outbox WHERE kind = 'reregistration'),"
                   " (SELECT count(*) FROM notices_sent WHERE kind = 'reregistration')")
        if rr and rr[0][0] != rr[0][1]:
            raise Failure(i, "notices", "%d re-registration notices, %d recorded as sent" % rr[0])

    def check_fees(self, i, num):
        """Paid = the model's payments; outstanding = due - paid; due = the
        fee table's sums until certification."""
        d = self.fee_view(num)
        if d is None or "fees" not in d:
            return
        st = d["state"]
        hist = {h["to"] for h in d.get("history", [])}
        app = d.get("applicant", {})
        target = d.get("target") or app.get("target")
        due = {}
        if st != "rejected":
            due["interview"] = self.fees.get("interview", 0)
        if "interview_passed" in hist:
            due["soe_membership"] = self.fees.get("soe_membership", 0)
            due["soe_registration"] = self.fees.get("soe_registration.%s" % target, 0)
            if app.get("cmes_qualification") == "none":
                due["cmes_membership"] = self.scale.get(app.get("province"), self.fees.get("cmes_membership", 0))
                due["cmes_registration"] = self.fees.get("cmes_registration", 0)
        for item, f in d["fees"].items():
            if item == "cmes_membership" and app.get("province") not in self.scale:
                continue   # a society without a line: its own rate, as the society states it
            if f["paid"] != self.paid.get((num, item), 0):
                raise Failure(i, "fees", "%s %s: paid %s, the model's payments %s" %
                              (num, item, f["paid"], self.paid.get((num, item), 0)))
            if f["outstanding"] != max(0, f["due"] - f["paid"]):
                raise Failure(i, "fees", "%s %s: outstanding %s but due %s - paid %s" %
                              (num, item, f["outstanding"], f["due"], f["paid"]))
            if "certified" not in hist and f["due"] != due.get(item, 0):
                raise Failure(i, "fees", "%s %s (%s): due %s, the fee table says %s" %
                              (num, item, st, f["due"], due.get(item, 0)))
        tot = d.get("fees_total", {})
        # an item at a society's own rate has no known amount (null): the
        # total sums the others and names it among the unknown
        unknown = sorted(k for k, f in d["fees"].items() if f["outstanding"] is None)
        if tot and tot.get("outstanding") != sum(f["outstanding"] or 0 for f in d["fees"].values()):
            raise Failure(i, "fees", "%s: total outstanding %s is not the sum of its items" % (num, tot))
        if tot and sorted(tot.get("unknown", [])) != unknown:
            raise Failure(i, "fees", "%s: total names %s unknown, the items %s" % (num, tot.get("unknown"), unknown))
