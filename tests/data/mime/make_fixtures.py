#!/usr/bin/env python3
"""Writes the message fixtures of tests/unit/test_mime.c into this folder.

Run it again after changing it; the .eml files are kept in the repository so
that the tests need no generation step.  packet.zip is the small packet that
every message carries; the test compares the decoded attachment with it.
"""
import base64
import io
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def packet_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        info = zipfile.ZipInfo("manifest.ini", date_time=(2026, 3, 1, 9, 0, 0))
        z.writestr(info, "[applicant]\nname_zh = 张伟\n")
    return out.getvalue()


ZIP = packet_zip()
B64 = "\n".join(base64.encodebytes(ZIP).decode().split())


def b64(data):
    return base64.encodebytes(data).decode().rstrip("\n")


def gbk_b64(s):
    return base64.b64encode(s.encode("gbk")).decode()


HDR = (
    "Return-Path: <zhang.wei@example.com>\n"
    "From: =?UTF-8?B?" + base64.b64encode("张伟".encode()).decode() + "?= <Zhang.Wei@Example.COM>\n"
    "To: intake@cmes.example.org\n"
    "Reply-To: Zhang Wei <zw@example.net>\n"
    "Subject: =?GB2312?B?" + gbk_b64("CEng 申请 / 张伟") + "?=\n"
    "Date: Sun, 1 Mar 2026 09:00:00 +0800\n"
    "Message-ID: <m1@example.com>\n"
    "In-Reply-To: <n0@cmes.example.org>\n"
    "References: <n-1@cmes.example.org>\n <n0@cmes.example.org>\n"
    "MIME-Version: 1.0\n"
)

TEXT = "Content-Type: text/plain; charset=UTF-8\n\n请查收附件。\n"


def zip_part(headers):
    return headers + "Content-Transfer-Encoding: base64\n\n" + B64 + "\n"


def mixed(parts, boundary="b1", close=True, hdr=HDR, subtype="mixed", extra=""):
    s = hdr + 'Content-Type: multipart/%s; boundary="%s"%s\n\n' % (subtype, boundary, extra)
    s += "preamble text\n"
    for p in parts:
        s += "--%s\n%s" % (boundary, p)
    if close:
        s += "--%s--\nepilogue\n" % boundary
    return s


def write(name, text, crlf=False, raw=None):
    data = raw if raw is not None else text.encode("utf-8")
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def main():
    with open(os.path.join(HERE, "packet.zip"), "wb") as f:
        f.write(ZIP)
    write("mixed_zip.eml", mixed([TEXT, zip_part(
        'Content-Type: application/zip; name="packet.zip"\n'
        'Content-Disposition: attachment; filename="packet.zip"\n')]), crlf=True)
    alt = mixed(["Content-Type: text/plain; charset=UTF-8\n\nhello\n",
                 "Content-Type: text/html; charset=UTF-8\n\n<p>hello</p>\n"],
                boundary="alt-b", hdr="", subtype="alternative")
    write("nested_alt.eml", mixed([alt, zip_part(
        "Content-Type: application/zip\n"
        "Content-Disposition: attachment; filename=packet.zip\n")], boundary="outer"))
    inner = mixed([TEXT, zip_part(
        'Content-Type: application/zip; name="inner.zip"\n')],
        boundary="inner-b", hdr="From: someone@example.org\nSubject: fwd\nMIME-Version: 1.0\n")
    write("forwarded.eml", mixed(["Content-Type: text/plain\n\nsee below\n",
                                  "Content-Type: message/rfc822\n\n" + inner]), crlf=True)
    write("octet_zip.eml", mixed([TEXT, zip_part(
        "Content-Type: application/octet-stream; name=Packet.ZIP\n")]))
    write("rfc2231_gbk.eml", mixed([TEXT, zip_part(
        "Content-Type: application/octet-stream\n"
        "Content-Disposition: attachment;\n"
        " filename*=gbk''%C9%EA%C7%EB%B2%C4%C1%CF-%D5%C5%CE%B0.zip\n")]))
    write("rfc2231_cont.eml", mixed([TEXT, zip_part(
        "Content-Type: application/zip\n"
        "Content-Disposition: attachment;\n"
        " filename*0*=UTF-8''%E7%94%B3%E8%AF%B7;\n"
        " filename*1*=%E6%9D%90%E6%96%99;\n"
        ' filename*2="-final.zip"\n')]), crlf=True)
    # 喆 is GBK, not GB2312: mail clients still label such names GB2312.
    write("rfc2047_gb2312.eml", mixed([TEXT, zip_part(
        'Content-Type: application/x-zip-compressed;\n name="=?GB2312?B?'
        + gbk_b64("申请-张喆") + '?= =?GB2312?B?' + gbk_b64("材料.zip") + '?="\n')]))
    raw = mixed([TEXT, zip_part(
        'Content-Type: application/zip\nContent-Disposition: attachment; filename="申请材料.zip"\n'),
        'Content-Type: application/pdf; name="@GBK@"\n\n%PDF-1.4\n']).encode("utf-8")
    write("raw_names.eml", None, raw=raw.replace(b"@GBK@", "简历.pdf".encode("gbk")))
    write("no_attachment.eml", HDR + TEXT)
    write("auto_reply.eml", HDR.replace("Subject:", "Auto-Submitted: auto-replied\nSubject:") + TEXT)
    dsn_hdr = ("Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.com>\n"
               "To: intake@cmes.example.org\nSubject: Undelivered Mail Returned to Sender\n"
               "Message-ID: <dsn1@mx.example.com>\nMIME-Version: 1.0\n")
    write("dsn_bounce.eml", mixed([
        "Content-Type: text/plain\n\nThe mail system could not deliver.\n",
        "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n"
        "Final-Recipient: rfc822; nobody@example.com\nAction: failed\nStatus: 5.1.1\n",
        "Content-Type: text/rfc822-headers\n\nFrom: intake@cmes.example.org\n"],
        subtype="report", extra="; report-type=delivery-status", hdr=dsn_hdr, boundary="dsn"),
        crlf=True)
    write("list_mail.eml", HDR.replace("Subject:", "List-Id: <news.example.org>\n"
                                       "Precedence: bulk\nSubject:") + TEXT)
    write("missing_boundary.eml", mixed([TEXT, zip_part(
        'Content-Type: application/zip; name="packet.zip"\n')], close=False))
    bad = mixed([TEXT, 'Content-Type: application/zip; name="bad.zip"\n'
                 "Content-Transfer-Encoding: base64\n\nUEsDB!!AAA*\n"])
    write("bad_base64.eml", bad)


if __name__ == "__main__":
    main()
