#!/usr/bin/env python3
"""The straightforward script a user would write, as the benchmark's peer:
log in over IMAPS, fetch every message of the INBOX, parse it (email), open
the zipped packet (zipfile), hash every member (hashlib), record it
(sqlite3, one transaction per message) and write one acknowledgement per
message into a Maildir. No recognition, no checks, no moves.
Usage: naive.py HOST PORT CAFILE USER PASSWORD WORKDIR"""
import email
import email.policy
import hashlib
import imaplib
import io
import os
import sqlite3
import ssl
import sys
import time
import zipfile
from email.message import EmailMessage


def main(host, port, cafile, user, password, work):
    out = os.path.join(work, "outbox")
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    db = sqlite3.connect(os.path.join(work, "naive.db"))
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE IF NOT EXISTS packets (message_id TEXT PRIMARY KEY, sender TEXT, archive TEXT)")
    db.execute("CREATE TABLE IF NOT EXISTS files (message_id TEXT, name TEXT, size INTEGER, sha256 TEXT)")
    ctx = ssl.create_default_context(cafile=cafile)
    imap = imaplib.IMAP4_SSL(host, int(port), ssl_context=ctx)
    imap.login(user, password)
    imap.select("INBOX", readonly=True)
    typ, data = imap.uid("SEARCH", None, "ALL")
    count = 0
    for uid in data[0].split():
        typ, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = parts[0][1]
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        mid = msg.get("Message-ID", "")
        sender = msg.get("From", "")
        with db:
            db.execute("INSERT OR IGNORE INTO packets VALUES (?, ?, ?)",
                       (mid, sender, None))
            for part in msg.iter_attachments():
                name = part.get_filename() or ""
                if not name.lower().endswith(".zip"):
                    continue
                blob = part.get_payload(decode=True)
                db.execute("UPDATE packets SET archive = ? WHERE message_id = ?",
                           (hashlib.sha256(blob).hexdigest(), mid))
                with zipfile.ZipFile(io.BytesIO(blob)) as z:
                    for info in z.infolist():
                        digest = hashlib.sha256(z.read(info)).hexdigest()
                        db.execute("INSERT INTO files VALUES (?, ?, ?, ?)",
                                   (mid, info.filename, info.file_size, digest))
        ack = EmailMessage()
        ack["From"] = user
        ack["To"] = sender
        ack["Subject"] = "Re: " + msg.get("Subject", "")
        ack["In-Reply-To"] = mid
        ack.set_content("Your packet was received.\n")
        name = "%d.%d_%d.bench" % (time.time(), os.getpid(), count)
        tmp = os.path.join(out, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(ack.as_bytes())
        os.rename(tmp, os.path.join(out, "new", name))
        count += 1
    imap.logout()
    print("%d messages" % count)


if __name__ == "__main__":
    main(*sys.argv[1:7])
