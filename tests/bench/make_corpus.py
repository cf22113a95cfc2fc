#!/usr/bin/env python3
"""Writes N distinct applicants' emails of about 270 KiB each into a Maildir
new/ folder, for the side-by-side benchmark: each carries one zipped
12-member packet (10 documents, manifest.ini and a 180 KiB scan that does
not compress, as scanned pages do not). Usage: make_corpus.py MAILDIR N [SCAN_KIB]
(SCAN_KIB, default 180, sets the scan's size: 60 makes messages of about
107 KB, 3600 of 5.1 MB, 36000 of 50.5 MB, 50000 of 70 MB once in base64)."""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "samples"))
import make_samples as ms  # noqa: E402

DROP = [("cpd_record", "zh", 2), ("cpd_record", "en", 2), ("cmes_endorsement", "zh", 2),
        ("cmes_endorsement", "en", 2), ("work_experience_report", "en", 2), ("application_form", "en", 2)]


def main(maildir, n, scan_kib=180):
    os.makedirs(os.path.join(maildir, "new"), exist_ok=True)
    rnd = random.Random(9)
    for i in range(n):
        app = ms.applicant("测试%d" % i, "TEST No%d" % i, "bench%d@example.com" % i, "B%09d" % i)
        files = ms.packet_files(app, drop=DROP)
        scan = ms.Member("scan-%d.jpg" % i, ms.jpeg_bytes("scan") + rnd.randbytes(scan_kib * 1024))
        members = ms.packet_members(files, manifest=ms.manifest_ini(app), extra=[scan])
        assert len(members) == 12, len(members)
        zipdata = ms.zip_bytes(members)
        body = ms.multipart([ms.text_part("packet attached"), ms.zip_part(zipdata, "packet-%d.zip" % i, "rfc2231")],
                            "b%d" % i)
        headers = [("From", "bench%d@example.com" % i), ("To", "rra@cmes.example"),
                   ("Subject", "CEng application %d" % i), ("Message-ID", "<corpus.%d@example.com>" % i),
                   ("Date", "Mon, 02 Nov 2026 09:00:00 +0800")]
        with open(os.path.join(maildir, "new", "corpus.%06d" % i), "wb") as f:
            f.write(ms.message(headers, body))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 180)
