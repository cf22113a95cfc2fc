#!/usr/bin/env python3
"""sim.py — the whole-life simulator: drives the real packetd (built with
ASan+UBSan) through random lives and checks, after every step, invariants
against its own small model. Standard library only.

  sim.py [--binary B] [--seeds 1,2,5-9] [--steps N] [--hours H]   random lives
  sim.py --replay FILE [...]                                      saved lives
  sim.py --seeds 7 --steps 60 --save DIR                          keep failures

A failing life is shrunk (delta debugging over its steps) to the shortest
step list that still fails the same invariant, printed, and written as JSON
(--save DIR, default /tmp) for --replay; tests/sim/regress/*.json are such
files, replayed by tests/e2e/simulate.sh.
"""

import argparse
import datetime
import email
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lives  # noqa: E402
import model  # noqa: E402
from model import Failure  # noqa: E402

TOP = lives.TOP
SAN_TEXT = re.compile(rb"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|"
                      rb"ERROR SUMMARY: [1-9]")
START = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


class World:
    """One installation and the model of what was done to it."""

    def __init__(self, binary, seed, keep=False):
        self.binary, self.seed, self.keep = binary, seed, keep
        self.dir = tempfile.mkdtemp(prefix="packetd-sim.")
        shutil.copytree(os.path.join(TOP, "config"), os.path.join(self.dir, "config"))
        for d in ("spool/drop", "mailboxes/inbox/new", "mailboxes/inbox/cur", "mailboxes/inbox/tmp",
                  "mailboxes/outbox"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        self.conf = os.path.join(self.dir, "config", "packetd.conf")
        self.good_conf = open(self.conf, encoding="utf-8").read()
        self.db = os.path.join(self.dir, "spool", "packetd.db")
        self.now = START
        self.cast = lives.cast(seed)
        self.m = model.Model(self)
        self.files = {}        # Message-ID -> the message file's bytes (for resends)
        self.archives = {}     # Message-ID -> (archive bytes, attachment name, expectation)
        self.mounted = None
        self.stats = {"accepted": 0, "refused": 0, "killed": 0}

    def close(self):
        if self.mounted:
            subprocess.run(["umount", self.mounted], capture_output=True)
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def env(self, **extra):
        e = dict(os.environ)
        e.pop("PACKETD_FAULT", None)
        e["PACKETD_CONFIG"] = self.conf
        e["PACKETD_NOW"] = self.now.isoformat(timespec="seconds")
        e.setdefault("ASAN_OPTIONS", "detect_leaks=1:exitcode=86")
        e.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        e.update(extra)
        return e

    def packetd(self, args, step, ok=(0,), timeout=120, **env):
        """Runs packetd; any exit outside ok, a signal or a sanitizer report fails."""
        try:
            r = subprocess.run([self.binary] + args, env=self.env(**env), capture_output=True, timeout=timeout,
                               cwd=self.dir)
        except subprocess.TimeoutExpired:
            raise Failure(step, "hang", "packetd %s ran over %d s" % (" ".join(args), timeout))
        self.crashcheck(step, args, r.returncode, r.stderr, ok)
        return r

    def crashcheck(self, step, args, rc, err, ok, killed=False):
        if SAN_TEXT.search(err or b""):
            raise Failure(step, "sanitizer", "packetd %s: %s" % (" ".join(args), tail(err)))
        if killed and rc == -signal.SIGKILL or rc == -signal.SIGKILL and -signal.SIGKILL in ok:
            self.stats["killed"] += 1
        if rc in ok or (killed and rc == -signal.SIGKILL):
            return
        raise Failure(step, "crash" if rc < 0 or rc >= 64 else "exit",
                      "packetd %s exited %d: %s" % (" ".join(args), rc, tail(err)))

    def deliver(self, data, name):
        tmp = os.path.join(self.dir, "mailboxes", "inbox", "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.dir, "mailboxes", "inbox", "new", name))

    def sql(self, q, args=()):
        if not os.path.exists(self.db):
            return []
        c = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=30)
        try:
            return c.execute(q, args).fetchall()
        except sqlite3.OperationalError as e:
            if "no such table" in str(e) and not c.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                return []   # killed before its schema was made
            raise
        finally:
            c.close()

    def interview_ahead(self, num):
        """The start of num's latest interview when it is still ahead, else None."""
        rows = self.sql("SELECT v.starts_at FROM interviews v JOIN applications a ON a.id = v.application_id"
                        " WHERE a.number = ? ORDER BY v.id DESC LIMIT 1", (num,))
        if not rows:
            return None
        t = datetime.datetime.fromisoformat(rows[0][0].replace("Z", "+00:00")).astimezone(self.now.tzinfo)
        return t if t > self.now else None

    def number_of(self, i):
        """The newest application of applicant i, else a number nobody has."""
        if i < 0:
            return "RRA-2026-999999"
        rows = self.sql("SELECT a.number FROM applications a JOIN applicants p ON p.id = a.applicant_id"
                        " WHERE p.cmes_no = ? ORDER BY a.id DESC LIMIT 1", (self.cast[i]["cmes_no"],))
        return rows[0][0] if rows else "RRA-2026-999998"


def tail(b, n=1200):
    s = (b or b"").decode("utf-8", "replace")
    return s[-n:].strip()


# ---- steps ----

def do_step(w, i, s):
    op = s["op"]
    if op in ("cmd", "mail", "batch"):
        w.now += datetime.timedelta(minutes=1)   # the clock goes on between the centre's actions
    if op == "mail":
        app = w.cast[s["app"] % len(w.cast)]
        data, att, expect = lives.packet_bytes(app, s["pkt"])
        msg = lives.packet_mail(app, data, att, s["mid"])
        w.files[s["mid"]] = msg
        w.archives[s["mid"]] = (data, att, expect, app)
        w.deliver(msg, "%d.%s" % (i, s["mid"]))
        w.m.sent(s["mid"], "packet", expect, data, app, s["pkt"])
    elif op == "resend":
        if s["mid"] in w.files:
            w.deliver(w.files[s["mid"]], "%d.again.%s" % (i, s["mid"]))
    elif op == "reattach":
        if s["mid"] in w.archives:
            data, att, expect, app = w.archives[s["mid"]]
            msg = lives.packet_mail(app, data, att, s["new"])
            w.files[s["new"]] = msg
            w.deliver(msg, "%d.%s" % (i, s["new"]))
            w.m.sent(s["new"], "packet", expect, data, app, None)
    elif op == "noise":
        app = w.cast[s["app"] % len(w.cast)]
        msg = lives.noise_mail(s["kind"], app, s["mid"])
        w.files[s["mid"]] = msg
        w.deliver(msg, "%d.%s" % (i, s["mid"]))
        w.m.sent(s["mid"], "nopacket" if s["kind"] == "nopacket" else "silent", None, None, app)
    elif op == "batch":
        data = lives.batch_bytes(w.cast, s)
        path = os.path.join(w.dir, "spool", "drop", s["name"] + ".zip")
        with open(path + ".part", "wb") as f:
            f.write(data)
        os.rename(path + ".part", path)
        os.utime(path, (946684800, 946684800))    # long settled
        w.m.batch(s, data)
    elif op == "run":
        r = w.packetd(["run", "--once"], i)
        w.m.after_run(i, quiet=True)
    elif op == "fault":
        r = w.packetd(["run", "--once"], i, ok=(0, -signal.SIGKILL), PACKETD_FAULT="%s:%d" % (s["stage"], s["n"]))
        w.m.after_run(i, quiet=False)
    elif op == "kill":
        p = subprocess.Popen([w.binary, "run", "--once"], env=w.env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, cwd=w.dir)
        time.sleep(s["ms"] / 1000.0)
        p.kill()
        _, err = p.communicate()
        w.crashcheck(i, ["run", "--once (killed)"], p.returncode, err, (0,), killed=True)
        w.m.after_run(i, quiet=False)
    elif op == "hup":
        do_hup(w, i, s)
    elif op == "diskfull":
        do_diskfull(w, i)
    elif op == "time":
        w.now += datetime.timedelta(hours=s["hours"])
        w.packetd(["run", "--once"], i)
        w.m.after_run(i, quiet=True)
    elif op == "cmd":
        do_cmd(w, i, s)
    w.m.check(i)


def do_hup(w, i, s):
    """The daemon's life: start, SIGHUP with a good or a bad config, SIGTERM."""
    with open(w.conf, "w", encoding="utf-8") as f:
        f.write(w.good_conf.replace("poll_interval = 60", "poll_interval = 1"))
    p = subprocess.Popen([w.binary, "run"], env=w.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         cwd=w.dir)
    try:
        time.sleep(1.5)
        with open(w.conf, "w", encoding="utf-8") as f:
            f.write(w.good_conf.replace("poll_interval = 60", "poll_interval = 2") if s["good"]
                    else w.good_conf + "\n[bogus\nnot a line\n")
        p.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        alive = p.poll() is None
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise Failure(i, "hang", "run did not stop on SIGTERM within 60 s")
    finally:
        with open(w.conf, "w", encoding="utf-8") as f:
            f.write(w.good_conf)
    w.crashcheck(i, ["run (SIGHUP, SIGTERM)"], p.returncode, err, (0,))
    if not alive:
        raise Failure(i, "sighup", "the daemon died on SIGHUP with a %s config: %s" %
                      ("good" if s["good"] else "bad", tail(err)))
    w.m.after_run(i, quiet=False)


def do_diskfull(w, i):
    """A full disk under the work folder (a tiny tmpfs, when we may mount)."""
    work = os.path.join(w.dir, "spool", "work")
    os.makedirs(work, exist_ok=True)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", work],
                                           capture_output=True).returncode != 0:
        return
    w.mounted = work
    try:
        w.packetd(["run", "--once"], i)
    finally:
        subprocess.run(["umount", work], capture_output=True)
        w.mounted = None
    w.m.after_run(i, quiet=False)


def advance(w, s):
    """The command that moves the applicant's application on from where it
    is (a step is data: it picks by the state it finds when it runs)."""
    num = w.number_of(s["app"])
    st = (w.sql("SELECT state FROM applications WHERE number = ?", (num,)) or [("none",)])[0][0]
    pick = s.get("pick", 0.5)
    c = {"cmd": "show", "app": s["app"]}
    if st in ("complete", "centre_review"):
        c.update(cmd="review", args=["--approve"] if pick < 0.85 else ["--return", "请补签 / please sign"])
    elif st == "recommended":
        c.update(cmd="transmit")
    elif st == "soehk_review":
        accepted = w.sql("SELECT count(*) FROM history h JOIN applications a ON a.id = h.application_id"
                         " WHERE a.number = ? AND h.event = 'soehk_accept'", (num,))[0][0]
        if accepted:
            c.update(cmd="interview", days=2, hour="09:30", minutes=60)
        else:
            c.update(cmd="soehk", args=["--accept"] if pick < 0.85 else ["--return", "CPD organiser missing"])
    elif st == "no_show":
        c.update(cmd="interview", days=3, hour="14:00", minutes=45)
    elif st == "interview_planned" and w.interview_ahead(num):
        c.update(cmd="_wait", until=w.interview_ahead(num))
    elif st == "interview_planned":
        c.update(cmd="result", args=["--pass"] if pick < 0.7 else ["--fail"] if pick < 0.85 else ["--no-show"])
    elif st in ("incomplete", "returned", "none"):
        c.update(cmd="_resubmit")
    elif st in ("fees_due", "re_registration_due", "certified"):
        d = w.m.fee_view(num) or {}
        owed = [k for k, f in sorted((d.get("fees") or {}).items()) if (f.get("outstanding") or 0) > 0]
        if st != "fees_due" and pick < 0.4:
            c.update(cmd="cpd", year=-1, hours="48")
        elif owed:
            c.update(cmd="pay", item=owed[int(pick * len(owed)) % len(owed)], amount="full")
        elif st == "fees_due":
            c.update(cmd="certify")
    return c


def do_cmd(w, i, s):
    if s["cmd"] == "advance":
        s = advance(w, s)
    c = s["cmd"]
    if c == "_wait":   # the centre waits for the interview: the clock moves past it
        w.now = max(w.now, s["until"] + datetime.timedelta(hours=3))
        do_step(w, i, {"op": "run"})
        return
    if c == "_resubmit":   # the applicant sends everything again, and a cycle runs
        mid = "sim%d.step%d@mail.example.com" % (w.seed, i)
        do_step(w, i, {"op": "mail", "app": s["app"], "mid": mid,
                       "pkt": {"kind": "complete", "manifest": True, "nonce": i * 7919 + w.seed}})
        do_step(w, i, {"op": "run"})
        return
    num = w.number_of(s.get("app", -1))
    before = w.m.snapshot()
    if c in ("review", "soehk", "result"):
        args = [c, num] + s["args"] + ["--by", "sim"]
    elif c == "interview":
        at = (w.now + datetime.timedelta(days=s["days"])).strftime("%Y-%m-%d ") + s["hour"]
        args = [c, num, "--at", at, "--place", "上海 Room 301"]
        if s.get("minutes"):
            args += ["--minutes", str(s["minutes"])]
    elif c == "pay":
        amount = w.m.pay_amount(num, s["item"], s["amount"])
        args = [c, num, "--item", s["item"], "--amount", amount, "--ref", "SIM-%d" % i]
    elif c == "certify":
        args = [c, num, "--by", "sim"]
    elif c == "transmit":
        args = [c, "--out", os.path.join(w.dir, "tx")]
    elif c == "report":
        args = [c] + s["args"]
        if "--send" not in args:
            args += ["--out", os.path.join(w.dir, "rep")]
    elif c in ("list", "outbox"):
        args = [c, "--json"]
    elif c == "show":
        args = [c, num, "--json"]
    elif c == "validate":
        app = w.cast[s.get("app", 0) % len(w.cast)]
        data, _, _ = lives.packet_bytes(app, s["pkt"])
        path = os.path.join(w.dir, "validate.zip")
        with open(path, "wb") as f:
            f.write(data)
        r = w.packetd([c, path, "--json"], i, ok=(0, 1, 2, 3))
        return
    elif c == "cpd":
        args = [c, num, "--year", str(w.now.year + s.get("year", 0)), "--hours", s.get("hours", "48"),
                "--by", "sim"]
    elif c == "purge":
        args = [c] + s.get("args", []) + ["--by", "sim"]
    else:
        args = [c, num]
    r = w.packetd(args, i, ok=(0, 1, 2))
    w.stats["accepted" if r.returncode == 0 else "refused"] += 1
    if os.environ.get("SIM_TRACE"):
        print("#   step %d: packetd %s -> %d %s" % (i, " ".join(args), r.returncode, tail(r.stderr, 150)))
    if c in ("list", "outbox", "show") and r.returncode == 0:
        try:
            json.loads(r.stdout)
        except ValueError as e:
            raise Failure(i, "json", "%s --json printed invalid JSON: %s" % (c, e))
    w.m.after_cmd(i, s, c, num, args, r, before)


# ---- lives ----

def run_life(binary, seed, steps, keep=False):
    """Executes steps; returns None or the first Failure."""
    w = World(binary, seed, keep)
    try:
        for i, s in enumerate(steps):
            do_step(w, i, s)
        states = sorted({st for (st,) in w.sql("SELECT DISTINCT to_state FROM history")})
        run_life.summary = "commands %(accepted)d done, %(refused)d refused; %(killed)d kills" % w.stats + \
            "; states reached: " + " ".join(states)
        return None
    except Failure as f:
        f.dir = w.dir
        return f
    finally:
        w.close()


def shrink(binary, seed, steps, failure, budget):
    """ddmin over the steps: the shortest list that fails the same check."""
    deadline = time.time() + budget
    steps = steps[:failure.step + 1]
    n = 2
    while len(steps) >= 2 and time.time() < deadline:
        chunk = max(1, len(steps) // n)
        reduced = False
        for start in range(0, len(steps), chunk):
            if time.time() >= deadline:
                break
            trial = steps[:start] + steps[start + chunk:]
            if trial and trial[-1]["op"] not in ("run", "time", "fault", "kill", "cmd", "hup", "diskfull"):
                trial = trial + [{"op": "run"}]
            f = run_life(binary, seed, trial)
            if f is not None and f.check == failure.check:
                steps, failure = trial[:f.step + 1], f
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if chunk == 1:
                break
            n = min(len(steps), n * 2)
    return steps, failure


def parse_seeds(text):
    out = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out += range(int(a), int(b) + 1)
        elif part:
            out.append(int(part))
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.environ.get("PACKETD", os.path.join(TOP, "build-asan", "packetd")))
    ap.add_argument("--seeds", default="1-3")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--hours", type=float, default=0, help="keep drawing new seeds for this long")
    ap.add_argument("--replay", nargs="*", default=[])
    ap.add_argument("--save", default=tempfile.gettempdir())
    ap.add_argument("--shrink-seconds", type=int, default=600)
    ap.add_argument("--keep", action="store_true", help="keep the installation of a failing life")
    a = ap.parse_args(argv[1:])
    binary = os.path.abspath(a.binary)
    failed = ran = nsteps = 0
    t0 = time.time()
    jobs = []
    for f in a.replay:
        d = json.load(open(f))
        jobs.append((d["seed"], d["steps"], os.path.basename(f)))
    if not a.replay:
        seeds = parse_seeds(a.seeds)
        jobs = [(s, None, "seed %d" % s) for s in seeds]
    k = 0
    while k < len(jobs) or (a.hours and time.time() - t0 < a.hours * 3600):
        if k < len(jobs):
            seed, steps, name = jobs[k]
        else:
            seed = (jobs[-1][0] if jobs else 0) + k - len(jobs) + 1
            steps, name = None, "seed %d" % seed
        k += 1
        steps = steps or lives.life(seed, a.steps)
        t = time.time()
        f = run_life(binary, seed, steps, keep=a.keep)
        ran += 1
        nsteps += len(steps) if f is None else f.step + 1
        if f is None:
            print("ok %d - %s: %d steps, %.1f s (%s)" % (ran, name, len(steps), time.time() - t, run_life.summary),
                  flush=True)
            continue
        failed += 1
        print("not ok %d - %s: %s" % (ran, name, f), flush=True)
        small, sf = shrink(binary, seed, steps, f, a.shrink_seconds) if not a.replay else (steps, f)
        out = os.path.join(a.save, "sim-fail-%d.json" % seed)
        with open(out, "w", encoding="utf-8") as fh:
            json.dump({"seed": seed, "check": sf.check, "detail": sf.detail[:2000], "steps": small}, fh,
                      indent=1, ensure_ascii=False)
        print("# shortest failing life: %d steps (of %d), written to %s" % (len(small), len(steps), out))
        for j, s in enumerate(small):
            print("#   %2d %s" % (j, json.dumps(s, ensure_ascii=False)))
        print("#   fails: %s" % sf)
    print("# %d lives, %d steps, %.0f s, %d failed" % (ran, nsteps, time.time() - t0, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
