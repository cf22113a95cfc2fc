"""lives.py — random lives for the simulator: the steps (plain JSON data, so a
life can be saved, replayed and shrunk) and the bytes each step delivers.

A step never refers to what packetd did: applicants are indexes into the
life's cast, messages are named by their Message-ID, and the executor
resolves "the applicant's newest application" when the step runs. Removing
any step from a life leaves a valid life (that is what shrinking needs).
"""

import os
import random
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(TOP, "samples"))
import make_samples as ms  # noqa: E402

ALL = [(d, l, c) for d, l in ms.SLOTS for c in (1, 2)]
PROVINCES = ["江苏省机械工程学会", "广东省机械工程学会", "上海市机械工程学会", "浙江省机械工程学会"]
QUALS = ["mechanical_engineer", "professional_engineer", "none"]
FAULTS = ["fetched", "unpack", "commit", "receipt", "committed", "move", "delivered", "maildir-tmp"]
COMMANDS = ["review", "soehk", "interview", "result", "pay", "certify", "transmit", "report", "list",
            "show", "outbox", "validate", "cpd", "purge"]
FEE_ITEMS = ["interview", "soe_membership", "soe_registration", "cmes_membership", "cmes_registration",
             "soe_reregistration", "cmes_reregistration", "lunch"]
HOSTILE = [os.path.join(TOP, "samples", "hostile", n) for n in ("traversal.zip", "symlink.zip", "notazip.zip")] + \
    [os.path.join(TOP, "tests", "cases", n) for n in ("archive-absolute-path.zip", "archive-empty.zip",
                                                      "archive-symlink.zip", "archive-traversal.zip")]
FOREIGN = [os.path.join(TOP, "tests", "cases", n) for n in (
    "ieng-gbk-names-complete.zip", "no-manifest.zip", "cpd-2019-entry.zip", "encrypted-pdf.zip",
    "gbk-wrapper-macosx-complete.zip", "targz-complete.tar.gz", "truncated-pdf.zip", "pdf-is-jpeg.zip")]


def cast(seed, n=5):
    """The applicants of a life: their manifest fields, from the seed."""
    r = random.Random("cast-%s" % seed)
    out = []
    for i in range(n):
        target, qual = r.choice(["CEng", "IEng"]), r.choice(QUALS)
        out.append(ms.applicant("模拟%d" % i, "SIM %d" % i, "sim%d@example.com" % i, "M2%03d%05d" % (seed % 1000, i),
                                target=target, qualification=qual,
                                senior="yes" if qual == "none" and target == "CEng" else "no",
                                soe_grade="member" if target == "CEng" else r.choice(["member", "associate_member"]),
                                province=r.choice(PROVINCES), sector=r.choice(["IRTE", "IPlantE", "BES"])))
    return out


# ---- generating a life ----

def _packet(r, kind=None):
    """The description of a packet (the bytes come from packet_bytes)."""
    kind = kind or r.choices(["complete", "subset", "defect", "hostile", "broken", "foreign"],
                             [6, 4, 2, 1, 1, 1])[0]
    p = {"kind": kind, "manifest": r.random() < 0.8, "nonce": r.randrange(1 << 30)}
    if kind == "subset":
        p["slots"] = sorted(r.sample(range(16), r.randint(1, 15)))
    if kind == "defect":
        p["slot"] = r.randrange(16)
        p["defect"] = r.choice(["png", "empty", "wrong_language", "variant"])
    if kind == "hostile":
        p["file"] = r.randrange(len(HOSTILE))
    if kind == "foreign":
        p["file"] = r.randrange(len(FOREIGN))
    if kind == "broken":
        p["cut"] = r.random()
    return p


def _cmd(r, n_apps, now_days):
    c = r.choices(COMMANDS, [6, 5, 5, 5, 6, 3, 2, 2, 1, 2, 1, 1, 1, 1])[0]
    s = {"op": "cmd", "cmd": c, "app": r.randrange(n_apps) if r.random() < 0.92 else -1}
    if c == "review":
        s["args"] = r.choice([["--approve"], ["--approve"], ["--return", "签名缺失 / unsigned"], [], ["--bogus"]])
    elif c == "soehk":
        s["args"] = r.choice([["--accept"], ["--accept"], ["--return", "CPD organiser missing"], []])
    elif c == "interview":
        s["days"] = r.choice([-3, 1, 2, 4, 7, 12, 30])
        s["hour"] = r.choice(["09:30", "14:00", "25:00"])
        s["minutes"] = r.choice([45, 60, 75, 90, None])
    elif c == "result":
        s["args"] = r.choice([["--pass"], ["--pass"], ["--fail"], ["--no-show"], []])
    elif c == "pay":
        s["item"] = r.choice(FEE_ITEMS)
        s["amount"] = r.choice(["full", "full", "half", "1", "0", "-5", "99999", "12.5", "abc"])
    elif c == "report":
        s["args"] = r.choice([["nightly"], ["nightly", "--send"], ["nightly", "--date", "2026-13-01"], ["daily"]])
    elif c == "validate":
        s["pkt"] = _packet(r)
    elif c == "cpd":
        s["year"] = r.choice([-1, 0, 1, -30])
        s["hours"] = r.choice(["12", "48", "48.5", "0", "2001", "-1", "x", "1.25"])
    elif c == "purge":
        s["args"] = r.choice([["--dry-run", "--json"], ["--json"], [], ["--bogus"]])
    return s


def life(seed, steps):
    """A random life of `steps` steps from `seed`."""
    r = random.Random(seed)
    n_apps = len(cast(seed))
    out, mids, batches, m = [], [], 0, 0
    while len(out) < steps:
        k = r.choices(["mail", "supplement", "resend", "reattach", "noise", "batch", "run", "cmd", "time",
                       "fault", "kill", "hup", "diskfull"],
                      [5, 3, 1, 1, 2, 2, 5, 22, 3, 2, 1, 0.3, 0.3])[0]
        if k in ("mail", "supplement"):
            m += 1
            mid = "sim%d.%d@mail.example.com" % (seed, m)
            pkt = _packet(r, "subset" if k == "supplement" else None)
            out.append({"op": "mail", "app": r.randrange(n_apps), "mid": mid, "pkt": pkt})
            mids.append(mid)
        elif k == "resend" and mids:
            out.append({"op": "resend", "mid": r.choice(mids)})
        elif k == "reattach" and mids:
            m += 1
            out.append({"op": "reattach", "mid": r.choice(mids), "new": "sim%d.%d@mail.example.com" % (seed, m)})
        elif k == "noise":
            m += 1
            out.append({"op": "noise", "kind": r.choice(["autoreply", "bounce", "nopacket", "list", "own"]),
                        "app": r.randrange(n_apps), "mid": "sim%d.%d@mail.example.com" % (seed, m)})
        elif k == "batch":
            batches += 1
            rows = []
            for _ in range(r.randint(1, 4)):
                row = {"app": r.randrange(n_apps), "pkt": _packet(r, r.choice(["complete", "subset", "defect",
                                                                               "broken"]))}
                if r.random() < 0.15:
                    row["absent"] = True
                rows.append(row)
            out.append({"op": "batch", "name": "b%d-%d" % (seed, batches), "rows": rows,
                        "nocsv": r.random() < 0.05})
        elif k == "run":
            out.append({"op": "run"})
        elif k == "cmd":
            out.append(_cmd(r, n_apps, 0) if r.random() < 0.25 else
                       {"op": "cmd", "cmd": "advance", "app": r.randrange(n_apps), "pick": round(r.random(), 3)})
        elif k == "time":
            out.append({"op": "time", "hours": r.choice([1, 5, 17, 24, 24 * 3, 24 * 8, 24 * 30, 24 * 370])})
        elif k == "fault":
            out.append({"op": "fault", "stage": r.choice(FAULTS), "n": r.randint(1, 3)})
        elif k == "kill":
            out.append({"op": "kill", "ms": r.randint(20, 900)})
        elif k == "hup":
            out.append({"op": "hup", "good": r.random() < 0.6})
        elif k == "diskfull":
            out.append({"op": "diskfull"})
    out.append({"op": "run"})   # every life ends with a quiet cycle
    return out


# ---- bytes ----

def _zip(members, nonce):
    # A distinct time per archive: every generated archive has its own SHA-256.
    ms.ZIP_TIME = (2000 + nonce % 60, 1 + nonce // 60 % 12, 1 + nonce // 720 % 28, nonce // 20160 % 24,
                   nonce // 483840 % 60, 0)
    return ms.zip_bytes(members)


def packet_bytes(app, p):
    """(archive bytes, attachment name, what packetd must make of it)."""
    kind = p["kind"]
    if kind == "hostile":
        return open(HOSTILE[p["file"] % len(HOSTILE)], "rb").read(), "hostile.zip", "rejected"
    if kind == "foreign":
        f = FOREIGN[p["file"] % len(FOREIGN)]
        return open(f, "rb").read(), os.path.basename(f), "any"
    keep = set(ALL)
    overrides, variant = {}, None
    if kind == "subset":
        keep = {ALL[i] for i in p["slots"]}
    if kind == "defect":
        slot = ALL[p["slot"] % 16]
        d = p["defect"]
        if d == "png":
            overrides[slot] = {"data": ms.png_bytes("scan %d" % p["nonce"])}
        elif d == "empty":
            overrides[slot] = {"data": b""}
        elif d == "wrong_language" and slot[1] == "zh" and slot[0] != "cpd_record":
            fmt = ms.DEFAULT_FORMATS[slot[:2]]
            overrides[slot] = {"data": ms.document_bytes(app, slot[0], "zh", fmt, text_lang="en")}
        else:
            variant = "IEng" if app["target"] == "CEng" else "CEng"
    files = [f for f in ms.packet_files(app, overrides=overrides, variant=variant)
             if (f["doc"], f["lang"], f["copy"]) in keep]
    manifest = ms.manifest_ini(app) if p["manifest"] else None
    data = _zip(ms.packet_members(files, manifest=manifest), p["nonce"])
    if kind == "broken":
        data = data[:max(1, int(len(data) * p["cut"]))]
        return data, "broken.zip", "any"
    return data, "packet-%d.zip" % p["nonce"], "packet"


def subject_of(app):
    return "%s application / %s / CMES %s" % (app["target"], app["name_zh"], app["cmes_no"])


def packet_mail(app, data, attname, mid):
    m = ms.applicant_mail(app, data, attname, "rfc2231", minute=1, tag="x", subject=subject_of(app))
    return m.replace(b"<20261102.x@mail.example.com>", ("<%s>" % mid).encode())


def noise_mail(kind, app, mid):
    """Mail that carries no packet: auto-replies, bounces, lists, our own
    address (never answered) and an applicant's question (a no-packet notice)."""
    frm = ms._addr(app["name_zh"], app["email"])
    heads = [("Return-Path", "<%s>" % app["email"]), ("From", frm), ("To", ms.INTAKE),
             ("Subject", "question"), ("Date", ms.MAIL_DATE % (9, 1)), ("Message-ID", "<%s>" % mid)]
    if kind == "autoreply":
        heads += [("Auto-Submitted", "auto-replied")]
    elif kind == "bounce":
        heads[0] = ("Return-Path", "<>")
        heads[1] = ("From", "Mail Delivery System <MAILER-DAEMON@mx.example.com>")
    elif kind == "list":
        heads += [("Precedence", "bulk"), ("List-Id", "<news.example.com>")]
    elif kind == "own":
        heads[1] = ("From", ms.INTAKE)
        heads[0] = ("Return-Path", "<%s>" % ms.INTAKE)
    return ms.message(heads, ms.text_part("请问如何提交？ How do I send my packet?\r\n"))


def batch_bytes(cast_, step):
    """A provincial batch: batch.csv and the rows' packets; rows marked
    absent name a packet that is not in the batch."""
    rows = [ms.FIELDS + ["packet"]]
    members = []
    for i, row in enumerate(step["rows"]):
        app = cast_[row["app"] % len(cast_)]
        name = "row%d-%s.zip" % (i, app["cmes_no"])
        rows.append([app[f] for f in ms.FIELDS] + [name])
        if not row.get("absent"):
            data, _, _ = packet_bytes(app, dict(row["pkt"], manifest=False))
            members.append(ms.Member(name, data))
    if not step.get("nocsv"):
        members.append(ms.Member("batch.csv", ms.csv_bytes(rows, bom=True)))
    return _zip(members, zlib.crc32(step["name"].encode()) & 0x3FFFFFFF)
