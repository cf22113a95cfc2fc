#!/usr/bin/env python3
"""Writes N distinct applicants' emails (each a complete CEng packet with
its own names and CMES number) into a Maildir new/ folder, for the intake
benchmark. Usage: make_mail.py MAILDIR N"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "samples"))
import make_samples as ms  # noqa: E402


def main(maildir, n):
    os.makedirs(os.path.join(maildir, "new"), exist_ok=True)
    for i in range(n):
        app = ms.applicant("测试%d" % i, "TEST No%d" % i, "bench%d@example.com" % i, "B%09d" % i)
        zipdata = ms.zip_bytes(ms.packet_members(ms.packet_files(app), manifest=ms.manifest_ini(app)))
        body = ms.multipart([ms.text_part("packet attached"), ms.zip_part(zipdata, "packet-%d.zip" % i, "rfc2231")],
                            "b%d" % i)
        headers = [("From", "bench%d@example.com" % i), ("To", "rra@cmes.example"),
                   ("Subject", "CEng application %d" % i), ("Message-ID", "<bench.%d@example.com>" % i),
                   ("Date", "Mon, 02 Nov 2026 09:00:00 +0800")]
        with open(os.path.join(maildir, "new", "bench.%06d" % i), "wb") as f:
            f.write(ms.message(headers, body))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
