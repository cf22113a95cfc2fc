#!/usr/bin/env python3
"""Writes N distinct applicants' emails of about 270 KiB each into a Maildir
new/ folder, for the side-by-side benchmark: each carries one zipped
12-member packet (10 documents, manifest.ini and a 180 KiB scan that does
not compress, as scanned pages do not).
Usage: make_corpus.py MAILDIR N [SCAN_KIB [jpg|pdf]]
(SCAN_KIB, default 180, sets the scan's size: 60 makes messages of about
107 KB, 3600 of 5.1 MB, 36000 of 50.5 MB, 50000 of 70 MB once in base64;
pdf makes the scan a one-page PDF holding the image, as scanners write)."""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "samples"))
import make_samples as ms  # noqa: E402

DROP = [("cpd_record", "zh", 2), ("cpd_record", "en", 2), ("cmes_endorsement", "zh", 2),
        ("cmes_endorsement", "en", 2), ("work_experience_report", "en", 2), ("application_form", "en", 2)]


def scan_pdf(image):
    """A one-page PDF showing image (JPEG bytes) full page, with its xref."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q\n"
    for body in (b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 4 0 R >> >>"
                 b" /Contents 5 0 R >>",
                 b"<< /Type /XObject /Subtype /Image /Width 2480 /Height 3508 /ColorSpace /DeviceRGB"
                 b" /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n" % len(image) + image + b"\nendstream",
                 b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream"):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % len(offsets) + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, xref)
    return bytes(out)


def main(maildir, n, scan_kib=180, kind="jpg"):
    os.makedirs(os.path.join(maildir, "new"), exist_ok=True)
    rnd = random.Random(9)
    for i in range(n):
        app = ms.applicant("测试%d" % i, "TEST No%d" % i, "bench%d@example.com" % i, "B%09d" % i)
        files = ms.packet_files(app, drop=DROP)
        image = ms.jpeg_bytes("scan") + rnd.randbytes(scan_kib * 1024)
        scan = ms.Member("scan-%d.%s" % (i, kind), scan_pdf(image) if kind == "pdf" else image)
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
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 180,
         sys.argv[4] if len(sys.argv) > 4 else "jpg")
