#!/usr/bin/env python3
"""Generates the hostile-input suite into a scratch folder (never
committed: the ratio bomb unpacks to 1 GB and one archive has 100,000
members, so they are made at test time).

usage: make.py OUT TOP

OUT gets
  archives/NAME        one hostile archive per case
  archives.tsv         NAME <tab> exit of `packetd validate` <tab> finding
                       code(s) expected, '|'-separated ('-': none) <tab> why
  mail/NAME.eml        one message per case
  mail.tsv             NAME <tab> item status <tab> replies <tab> what the
                       reply must contain ('-': nothing; '!TEXT': must not
                       contain TEXT) <tab> why
  canary/              a folder the archives try to write into; it must
                       stay empty
TOP is the repository (for samples/packets/ceng-complete.zip).

Expected behaviour, in brief: an archive that breaks a rule is rejected
with the rule's code and the applicant is told why; a message whose packet
can be found is processed wherever the packet hides; one whose packet
cannot be found gets a notice saying so; auto-replies, bounces, list mail,
our own address and mail without a sender get no answer (RFC 3834), nor do
owner-*, *-request and MAILER-DAEMON senders, nor mail without a packet
that does not name the intake address (RFC 5230 4.5); notices go to the
envelope sender, else From, never to a differing Reply-To; a message seen
twice is handled once.
"""
import base64
import io
import os
import stat
import struct
import sys
import tarfile
import zipfile
import warnings
import zlib

warnings.simplefilter("ignore")   # zipfile warns about the duplicate names we mean

OUT, TOP = sys.argv[1], sys.argv[2]
ARCH = os.path.join(OUT, 'archives')
MAIL = os.path.join(OUT, 'mail')
CANARY = os.path.join(OUT, 'canary')
for d in (ARCH, MAIL, CANARY):
    os.makedirs(d, exist_ok=True)
archive_rows = []
mail_rows = []


def pdf(tag):
    return b'%PDF-1.4\n% ' + tag.encode() + b'\n%%EOF\n'


class RawName(zipfile.ZipInfo):
    """A member whose name is written as the given bytes, flag unset."""

    def __init__(self, raw, **kw):
        super().__init__(raw.decode('latin-1'), **kw)
        self.raw = raw

    def _encodeFilenameFlags(self):
        return self.raw, self.flag_bits & ~0x800


def zip_bytes(entries, compression=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', compression) as z:
        for name, data in entries:
            z.writestr(name, data)
    return b.getvalue()


def put(name, data, code, why, exit_code=2):
    with open(os.path.join(ARCH, name), 'wb') as f:
        f.write(data)
    archive_rows.append((name, str(exit_code), code, why))


def tar_bytes(members, mode='w:gz'):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode=mode) as t:
        for info, payload in members:
            info.size = len(payload) if payload else 0
            t.addfile(info, io.BytesIO(payload) if payload else None)
    return b.getvalue()


def ti(name, kind=tarfile.REGTYPE, link=''):
    i = tarfile.TarInfo(name)
    i.type = kind
    i.linkname = link
    return i


# ---- the good packet, made unique per message (its own CMES number) ----
with zipfile.ZipFile(os.path.join(TOP, 'samples/packets/ceng-complete.zip')) as z:
    GOOD = [(i.filename, z.read(i.filename)) for i in z.infolist()]


def packet(n, extra=()):
    out = []
    for name, data in GOOD:
        if name == 'manifest.ini':
            data = data.replace(b'M2024001234', b'H2026%06d' % n)
        out.append((name, data))
    return zip_bytes(out + list(extra))


# ---- archives ----
def archives():
    put('traversal-dotdot.zip', zip_bytes([('ok.pdf', pdf('a')),
                                           ('../../../../../../..' + CANARY + '/dotdot.txt', b'x')]),
        'archive_traversal', '../ climbing out of the work folder')
    put('traversal-absolute.zip', zip_bytes([(CANARY + '/absolute.txt', b'x')]),
        'archive_traversal', 'absolute path')
    put('traversal-backslash.zip', zip_bytes([('..\\..\\..\\evil.txt', b'x')]),
        'archive_traversal', '..\\ Windows traversal')
    put('traversal-drive.zip', zip_bytes([('C:\\Windows\\evil.txt', b'x')]),
        'archive_traversal', 'C:\\ drive letter')
    link = zipfile.ZipInfo('link.pdf')
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    put('symlink.zip', zip_bytes([('a.pdf', pdf('a')), (link, CANARY.encode())], zipfile.ZIP_STORED),
        'archive_link', 'symlink member')
    # A file written "through" a link: the link to the canary, then a
    # member below it. An extractor that follows paths writes into canary/.
    put('through-symlink.tar.gz', tar_bytes([(ti('d', tarfile.SYMTYPE, CANARY), None),
                                             (ti('d/through.txt'), b'pwned')]),
        'archive_link', 'member written through a symlink')
    put('hardlink.tar.gz', tar_bytes([(ti('a.pdf'), pdf('a')),
                                      (ti('b.pdf', tarfile.LNKTYPE, CANARY + '/hard.txt'), None)]),
        'archive_link', 'hard link member')
    dev = ti('null', tarfile.CHRTYPE)
    dev.devmajor, dev.devminor = 1, 3
    put('device.tar.gz', tar_bytes([(ti('a.pdf'), pdf('a')), (dev, None)]),
        'archive_device', 'character device')
    put('fifo.tar.gz', tar_bytes([(ti('a.pdf'), pdf('a')), (ti('pipe', tarfile.FIFOTYPE), None)]),
        'archive_device', 'FIFO member')

    # Ratio bomb: 1 GB of zeros deflated into about 1 MB.
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    deflated = b''.join(c.compress(chunk) for _ in range(1024)) + c.flush()
    crc = 0
    for _ in range(1024):
        crc = zlib.crc32(chunk, crc)
    put('bomb-ratio.zip', raw_zip([('zeros.bin', deflated, crc, 1 << 30, 8)]),
        'archive_ratio|archive_member_too_large|archive_too_large', '1 GB of zeros in ~1 MB')

    put('bomb-overlap.zip', overlap_bomb(), 'archive_overlap',
        'central directory entries sharing one local file')
    directories_disagree()
    # Tiny archives that exhaust memory inside libarchive: contained by the
    # sandbox's memory limit (before it: 500 MB and 23 s for the first).
    put('bomb-7z-streams.7z', sevenzip_streams(99999999), 'archive_resources',
        '60-byte 7z claiming 10^8 streams')
    put('bomb-7z-folders.7z', sevenzip_streams(99999999, 8), 'archive_resources',
        '130-byte 7z claiming 8 folders of 10^8 streams')
    put('bomb-gzip-nested.tar.gz', gzip_nested(), 'archive_ratio|archive_member_too_large',
        '323-byte gzip of a gzip of a gzip of a 1 GB tar member')
    put('many-members.zip', many_members(100000), 'archive_too_many_members', '100,000 members')
    nested = packet(900)
    for _ in range(12):
        nested = zip_bytes([('inner.zip', nested)], zipfile.ZIP_STORED)
    put('nested-12.zip', nested, 'archive_too_deep', 'a zip in a zip, 12 deep')

    data = bytearray(zip_bytes([('secret.pdf', pdf('s'))], zipfile.ZIP_STORED))
    data[6] |= 1
    data[data.find(b'PK\x01\x02') + 8] |= 1
    put('encrypted.zip', bytes(data), 'archive_encrypted', 'encrypted member')
    whole = packet(901)
    put('truncated.zip', whole[:len(whole) // 2], 'archive_truncated|archive_unreadable',
        'cut in the middle')
    data = bytearray(zip_bytes([('a.txt', b'The quick brown fox\n' * 10)], zipfile.ZIP_STORED))
    data[data.find(b'quick')] ^= 0x20
    put('bad-crc.zip', bytes(data), 'archive_unreadable', 'member bytes do not match the CRC')
    data = bytearray(zip_bytes([('good.pdf', pdf('g'))], zipfile.ZIP_STORED))
    j = data.find(b'good.pdf', data.find(b'PK\x01\x02'))
    data[j:j + 8] = b'evil.pdf'
    put('cd-disagrees.zip', bytes(data), 'archive_inconsistent',
        'central directory names another file than the local header')
    put('hidden-local.zip', hidden_local(), 'archive_inconsistent',
        'a local record the central directory does not list')
    put('empty.zip', zip_bytes([]), 'archive_empty', 'no members')
    put('zero-bytes.zip', b'', 'archive_not_archive|archive_empty|archive_unreadable', 'empty file')
    put('not-archive.zip', b'Dear Sir, please find my documents attached.\n' * 30, 'archive_not_archive',
        'a letter named .zip')
    put('pdf-as-zip.zip', pdf('not a zip') * 50, 'archive_not_archive', 'a PDF named .zip')
    # Another archive format named .zip: read for what it is, judged as usual.
    put('targz-as-zip.zip', tar_bytes([(ti(n), d) for n, d in GOOD]), '-',
        'a tar.gz packet named .zip is read as tar.gz', exit_code=0)
    put('duplicate-names.zip', zip_bytes([('a.pdf', pdf('1')), ('a.pdf', pdf('2'))]),
        'archive_duplicate_name', 'two members of one name')
    put('case-collision.zip', zip_bytes([('Report.pdf', pdf('1')), ('REPORT.pdf', pdf('2'))]),
        'archive_duplicate_name', 'names differing only in case')
    put('control-name.zip', zip_bytes([('bad\x1bname.pdf', pdf('1'))]),
        'archive_name_invalid', 'ESC in a name')
    put('nul-name.zip', zip_bytes([(RawName(b'evil.pdf\x00.txt'), pdf('1'))]),
        'archive_name_invalid|archive_inconsistent', 'NUL in a name')
    put('long-name.zip', zip_bytes([('n' * 5000 + '.pdf', pdf('1'))]),
        'archive_name_invalid', '5,000-character name')
    put('gb18030-only-name.zip', zip_bytes([(RawName('张\U00020000-简历.pdf'.encode('gb18030')), pdf('x'))]),
        '-', 'a name only GB18030 decodes is kept (an incomplete packet, not a rejection)', exit_code=1)


def raw_zip(entries):
    """entries: (name, compressed bytes, crc, size, method). A zip whose
    sizes are given, not computed: for data made elsewhere."""
    out, cd = b'', b''
    for name, comp, crc, size, method in entries:
        n = name.encode()
        off = len(out)
        out += struct.pack('<4sHHHHHIIIHH', b'PK\3\4', 20, 0, method, 0, 0, crc, len(comp), size, len(n), 0)
        out += n + comp
        cd += struct.pack('<4sHHHHHHIIIHHHHHII', b'PK\1\2', 20, 20, 0, method, 0, 0, crc, len(comp), size,
                          len(n), 0, 0, 0, 0, 0, off) + n
    return out + cd + struct.pack('<4sHHHHIIH', b'PK\5\6', 0, 0, len(entries), len(entries), len(cd),
                                  len(out), 0)


def overlap_bomb():
    """Many central directory entries pointing at one local file (the
    overlapping construction of zip bombs): each name 'unpacks' the same
    kernel of 10 MB of zeros."""
    kernel = bytes(10 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    comp = c.compress(kernel) + c.flush()
    crc = zlib.crc32(kernel)
    local = struct.pack('<4sHHHHHIIIHH', b'PK\3\4', 20, 0, 8, 0, 0, crc, len(comp), len(kernel), 1, 0) + b'0'
    out = local + comp
    cd = b''
    count = 200
    for i in range(count):
        n = b'%d' % i
        cd += struct.pack('<4sHHHHHHIIIHHHHHII', b'PK\1\2', 20, 20, 0, 8, 0, 0, crc, len(comp), len(kernel),
                          len(n), 0, 0, 0, 0, 0, 0) + n
    return out + cd + struct.pack('<4sHHHHIIH', b'PK\5\6', 0, 0, count, count, len(cd), len(out), 0)


def patch_cd(data, index, offset, fmt, value):
    """Rewrites a field of the index-th central directory entry."""
    data = bytearray(data)
    pos = data.find(b'PK\x01\x02')
    for _ in range(index):
        n, m, k = struct.unpack('<HHH', data[pos + 28:pos + 34])
        pos += 46 + n + m + k
    struct.pack_into(fmt, data, pos + offset, value)
    return bytes(data)


def directories_disagree():
    """Zips whose end record, central directory and local headers tell
    different stories: each is refused with its own code."""
    two = zip_bytes([('a.pdf', pdf('a')), ('b.pdf', pdf('b'))], zipfile.ZIP_STORED)
    # three names, one local record (a small "overlap bomb")
    one = zip_bytes([('a.pdf', pdf('a'))], zipfile.ZIP_STORED)
    eocd = one.rfind(b'PK\x05\x06')
    cd_off, = struct.unpack('<I', one[eocd + 16:eocd + 20])
    entry = one[cd_off:eocd]
    cd = b''.join(entry.replace(b'a.pdf', n) for n in (b'a.pdf', b'x.pdf', b'y.pdf'))
    put('shared-local.zip', one[:cd_off] + cd +
        struct.pack('<4sHHHHIIH', b'PK\5\6', 0, 0, 3, 3, len(cd), cd_off, 0),
        'archive_overlap', 'three central directory names for one local record')
    # the second local record starts inside the first's data
    inner = zip_bytes([('b.pdf', pdf('b'))], zipfile.ZIP_STORED)
    inner_local = inner[:inner.find(b'PK\x01\x02')]
    outer = zip_bytes([('a.pdf', b'%PDF-1.4\n' + inner_local + b'%%EOF\n')], zipfile.ZIP_STORED)
    o_eocd = outer.rfind(b'PK\x05\x06')
    o_cd_off, = struct.unpack('<I', outer[o_eocd + 16:o_eocd + 20])
    b_entry = inner[inner.find(b'PK\x01\x02'):inner.rfind(b'PK\x05\x06')]
    b_entry = bytearray(b_entry)
    struct.pack_into('<I', b_entry, 42, outer.find(b'PK\x03\x04', 4))
    cd = outer[o_cd_off:o_eocd] + bytes(b_entry)
    put('overlapping.zip', outer[:o_cd_off] + cd +
        struct.pack('<4sHHHHIIH', b'PK\5\6', 0, 0, 2, 2, len(cd), o_cd_off, 0),
        'archive_overlap', 'a local record inside another member\'s data')
    data = bytearray(two)
    eocd = data.rfind(b'PK\x05\x06')
    struct.pack_into('<HH', data, eocd + 8, 3, 3)
    put('eocd-count.zip', bytes(data), 'archive_count_mismatch',
        'the end record declares 3 members, the directory lists 2')
    put('method-mismatch.zip', patch_cd(two, 1, 10, '<H', 8), 'archive_header_mismatch',
        'deflated in the central directory, stored in the local header')
    put('crc-mismatch.zip', patch_cd(two, 0, 16, '<I', 0xDEADBEEF), 'archive_header_mismatch',
        'the central directory\'s CRC-32 differs from the local header\'s')
    put('size-mismatch.zip', patch_cd(two, 1, 24, '<I', 1 << 20), 'archive_header_mismatch',
        'the central directory\'s size differs from the local header\'s')
    # One charset decision per archive: 学位 in GBK (D1 A7 CE BB) is valid
    # UTF-8 too, its sibling's GBK name is not: both are read as GB18030.
    put('gbk-mixed-names.zip', zip_bytes([(RawName('学位-1.pdf'.encode('gbk')), pdf('a')),
                                          (RawName('申请表-中文-1.pdf'.encode('gbk')), pdf('b'))]),
        '-', 'GBK names, one also valid UTF-8: decided once per archive', exit_code=1)


def gzip_nested():
    """A gzip of a gzip of a gzip whose innermost stream is a tar holding one
    1 GB member of zeros: about 320 bytes that libarchive's stacked gzip
    filters expand a million-fold before the unpacker sees one byte. The
    innermost stream is not compressed whole (seconds): after a full flush,
    the deflate bytes of each 1 MB chunk do not depend on what came before,
    so one chunk's bytes repeated 1024 times are the stream."""
    ti = tarfile.TarInfo('application.pdf')
    ti.size = 1 << 30
    head, chunk = ti.tobuf(format=tarfile.USTAR_FORMAT), bytes(1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    body = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(1024):
        crc = zlib.crc32(chunk, crc)
    inner = (b'\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff' + first + body * 1024 + end +
             struct.pack('<II', crc, (len(head) + (1 << 30)) & 0xffffffff))
    for _ in range(2):
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        inner = c.compress(inner) + c.flush()
    return inner


def num7z(v):
    """A 7z NUMBER (7zFormat.txt): the first byte's high bits count the bytes after it."""
    if v < 0x80:
        return bytes([v])
    if v < 0x4000:
        return bytes([0x80 | (v >> 8), v & 0xFF])
    if v < 0x200000:
        return bytes([0xC0 | (v >> 16)]) + struct.pack('<H', v & 0xFFFF)
    return bytes([0xE0 | (v >> 24)]) + struct.pack('<I', v & 0xFFFFFF)[:3]


def sevenzip_streams(nstreams, nfolders=1):
    """A 7z of a few dozen bytes whose plain header claims nstreams unpack
    streams per folder: libarchive allocates and clears arrays for all of
    them (about 13 bytes each) before it reads any data."""
    h = b'\x01\x04'                                             # kHeader, kMainStreamsInfo
    h += b'\x06' + num7z(0) + num7z(nfolders) + b'\x09' + num7z(1) * nfolders + b'\x00'   # kPackInfo
    h += b'\x07\x0B' + num7z(nfolders) + b'\x00'                 # kUnPackInfo, kFolder, not external
    h += b'\x01\x01\x00' * nfolders                              # one coder each: Copy
    h += b'\x0C' + num7z(1) * nfolders + b'\x00'                 # kCodersUnPackSize, kEnd
    h += b'\x08\x0D' + num7z(nstreams) * nfolders + b'\x00\x00\x00'  # kSubStreamsInfo, kNumUnPackStream
    packed = b'x' * nfolders
    start = struct.pack('<QQI', len(packed), len(h), zlib.crc32(h))
    return b'7z\xbc\xaf\x27\x1c\x00\x04' + struct.pack('<I', zlib.crc32(start)) + start + packed + h


def hidden_local():
    """Two local records, a central directory listing only the first: a
    streaming reader sees a file that unzip tools do not show."""
    data = zip_bytes([('shown.pdf', pdf('1')), ('hidden.pdf', pdf('2'))], zipfile.ZIP_STORED)
    eocd = data.rfind(b'PK\x05\x06')
    cd_size, cd_off = struct.unpack('<II', data[eocd + 12:eocd + 20])
    cdr = data[cd_off:cd_off + cd_size]
    n1, m1, k1 = struct.unpack('<HHH', cdr[28:34])
    first = cdr[:46 + n1 + m1 + k1]
    end = bytearray(data[eocd:])
    struct.pack_into('<HHI', end, 8, 1, 1, len(first))
    return data[:cd_off] + first + bytes(end)


def many_members(n):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_STORED) as z:
        for i in range(n):
            z.writestr('f%06d.txt' % i, b'')
    return b.getvalue()


# ---- mail ----
def b64(data):
    s = base64.b64encode(data).decode()
    return '\n'.join(s[i:i + 76] for i in range(0, len(s), 76))


def headers(n, mid=None, frm='applicant%d@example.com', extra='', subject=None):
    frm = frm % n if '%d' in frm else frm
    h = []
    if frm:
        h.append('From: Applicant <%s>' % frm)
    h.append('To: rra@cmes.example')
    h.append('Subject: %s' % (subject or 'CEng application / CMES H2026%06d' % n))
    h.append('Date: Mon, 02 Nov 2026 09:00:00 +0800')
    h.append('Message-ID: <%s>' % (mid or 'hostile.%d@mail.example.com' % n))
    h.append('MIME-Version: 1.0')
    return '\n'.join(h) + ('\n' + extra.strip('\n') if extra else '') + '\n'


def attachment(data, disposition='attachment; filename="packet.zip"', ctype='application/zip'):
    return ('Content-Type: %s\nContent-Disposition: %s\nContent-Transfer-Encoding: base64\n\n%s\n'
            % (ctype, disposition, b64(data)))


def mixed(parts, boundary='b0', final=True):
    body = 'Content-Type: multipart/mixed; boundary="%s"\n\n' % boundary
    for p in parts:
        body += '--%s\n%s' % (boundary, p)
    if final:
        body += '--%s--\n' % boundary
    return body


TEXT = 'Content-Type: text/plain; charset=UTF-8\n\nPlease find my packet attached.\n'


def mail(name, text, status, replies, want, why, raw=None):
    with open(os.path.join(MAIL, name + '.eml'), 'wb') as f:
        f.write(raw if raw is not None else text.replace('\n', '\r\n').encode())
    mail_rows.append((name, status, str(replies), want, why))


def mails():
    n = 0

    def nxt():
        nonlocal n
        n += 1
        return n

    k = nxt()
    gbk = '张伟申请.zip'.encode('gbk')
    pct = ''.join('%%%02X' % c for c in gbk)
    mail('rfc2231-gbk', headers(k) + mixed([TEXT, attachment(packet(k), "attachment; filename*=GBK''" + pct,
                                                             'application/octet-stream')]),
         'processed', 1, '张伟申请.zip', 'RFC 2231 GBK file name')
    k = nxt()
    enc = '=?GB2312?B?%s?=' % base64.b64encode('李娜材料.zip'.encode('gb2312')).decode()
    mail('rfc2047-gb2312', headers(k) + mixed([TEXT, attachment(packet(k), 'attachment; filename="%s"' % enc,
                                                                'application/octet-stream')]),
         'processed', 1, '李娜材料.zip', 'RFC 2047 GB2312 file name')
    k = nxt()
    text = headers(k) + mixed([TEXT, attachment(packet(k), 'attachment; filename="王芳-申请包.zip"',
                                                'application/octet-stream')])
    mail('raw-utf8-name', None, 'processed', 1, '王芳-申请包.zip', 'raw 8-bit UTF-8 file name',
         raw=text.replace('\n', '\r\n').encode('utf-8'))
    k = nxt()
    mail('no-filename', headers(k) + mixed([TEXT, 'Content-Type: application/zip\nContent-Transfer-Encoding: '
                                            'base64\n\n' + b64(packet(k)) + '\n']),
         'processed', 1, '-', 'no file name at all, application/zip')
    k = nxt()
    inner = headers(k, mid='inner.%d@mail.example.com' % k) + mixed([TEXT, attachment(packet(k))], 'in')
    mail('forwarded', headers(k) + mixed([TEXT, 'Content-Type: message/rfc822\n\n' + inner]),
         'processed', 1, '-', 'packet inside a forwarded message')
    k = nxt()
    mail('no-final-boundary', headers(k) + mixed([TEXT, attachment(packet(k))], final=False),
         'processed', 1, '-', 'missing final boundary')
    k = nxt()
    noisy = b64(packet(k)).replace('A', 'A*', 50).replace('\n', ' !\n', 20)
    mail('base64-noise', headers(k) + mixed([TEXT, 'Content-Type: application/zip; name="p.zip"\n'
                                             'Content-Transfer-Encoding: base64\n\n' + noisy + '\n']),
         'processed', 1, '-', 'base64 with characters outside the alphabet (ignored, RFC 2045)')
    k = nxt()
    cut = b64(packet(k))
    cut = cut[:len(cut) // 2] + '=Zm9v'
    mail('base64-broken', headers(k) + mixed([TEXT, 'Content-Type: application/zip; name="p.zip"\n'
                                              'Content-Transfer-Encoding: base64\n\n' + cut + '\n']),
         'rejected', 1, 'p.zip', 'base64 cut and padded wrongly: the archive is damaged, the applicant told')
    k = nxt()
    parts = [TEXT] * 1999 + [attachment(packet(k))]
    mail('parts-2000', headers(k) + mixed(parts), 'processed', 1, '-', '2,000 parts, the packet last')
    k = nxt()
    body = attachment(packet(k))
    for d in range(100):
        body = mixed([body], 'n%d' % d)
    mail('nested-100', headers(k) + body, 'no_packet', 1, '-',
         'multiparts 100 deep: beyond the parser cap, answered as no packet found')
    k = nxt()
    mail('header-100k', headers(k, extra='X-Filler: ' + 'x' * 100000,
                                subject='CEng application / ' + 'y' * 100000)
         + mixed([TEXT, attachment(packet(k))]), 'processed', 1, '-', 'a 100 KB header line')
    k = nxt()
    big = packet(k, [('Scan-Appendix.bin', os.urandom(30 << 20))])
    mail('attachment-30mb', headers(k) + mixed([TEXT, attachment(big)]), 'processed', 1, '-',
         'a 30 MB attachment')
    k = nxt()
    mail('auto-reply', headers(k, extra='Auto-Submitted: auto-replied') + mixed([TEXT, attachment(packet(k))]),
         'ignored', 0, '-', 'auto-reply (RFC 3834)')
    k = nxt()
    dsn = ('Content-Type: multipart/report; report-type=delivery-status; boundary="r"\n\n--r\n' + TEXT +
           '--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\n'
           'Final-Recipient: rfc822; x@example.com\nAction: failed\nStatus: 5.1.1\n\n--r--\n')
    mail('bounce-dsn', headers(k, frm='MAILER-DAEMON@mx.example.com') + dsn, 'ignored', 0, '-',
         'delivery status notification')
    k = nxt()
    mail('null-return-path', 'Return-Path: <>\n' + headers(k) + mixed([TEXT, attachment(packet(k))]),
         'ignored', 0, '-', 'null return path')
    k = nxt()
    mail('list-mail', headers(k, extra='List-Id: <engineers.lists.example.com>\nPrecedence: list')
         + mixed([TEXT, attachment(packet(k))]), 'ignored', 0, '-', 'list mail')
    k = nxt()
    mail('from-intake', headers(k, frm='rra@cmes.example') + mixed([TEXT, attachment(packet(k))]),
         'ignored', 0, '-', 'mail claiming to be from the intake address')
    k = nxt()
    mail('no-from', headers(k, frm='') + mixed([TEXT, attachment(packet(k))]), 'ignored', 0, '-',
         'no From')
    k = nxt()
    mail('reply-to', headers(k, extra='Reply-To: <secretary%d@example.org>' % k)
         + mixed([TEXT, attachment(packet(k))]), 'processed', 1, '!secretary%d@example.org' % k,
         'Reply-To differs from From: the notice goes to From, the Reply-To is recorded, never answered (RFC 3834 4)')
    k = nxt()
    mail('return-path', 'Return-Path: <envelope%d@example.net>\n' % k + headers(k)
         + mixed([TEXT, attachment(packet(k))]), 'processed', 1, 'envelope%d@example.net' % k,
         'Return-Path differs from From: the notice goes to the envelope sender (RFC 3834 4)')
    k = nxt()
    mail('owner-sender', 'Return-Path: <owner-engineers@lists.example.com>\n' + headers(k)
         + mixed([TEXT, attachment(packet(k))]), 'ignored', 0, '-', 'envelope sender owner-* (RFC 5230 4.5)')
    k = nxt()
    mail('request-sender', headers(k, frm='engineers-request@lists.example.com') + TEXT, 'ignored', 0, '-',
         'sender *-request (RFC 5230 4.5)')
    k = nxt()
    mail('digest', headers(k).replace('To: rra@cmes.example', 'To: engineers@lists.example.com') + TEXT,
         'ignored', 0, '-', 'no packet and not addressed to the intake: a digest or announcement (RFC 5230 4.5)')
    k = nxt()
    mail('cc-intake', headers(k).replace('To: rra@cmes.example', 'To: friend@example.com\nCc: RRA@cmes.example')
         + TEXT, 'no_packet', 1, '-', 'no packet, the intake in Cc: answered')
    k = nxt()
    twice = headers(k) + mixed([TEXT, attachment(packet(k))])
    mail('twice-a', twice, 'processed', 1, '-', 'the same message delivered twice (first copy)')
    mail_rows.append(('twice-b', 'same-as:twice-a', '0', '-', 'the second copy is skipped silently'))
    with open(os.path.join(MAIL, 'twice-b.eml'), 'wb') as f:
        f.write(twice.replace('\n', '\r\n').encode())
    k = nxt()
    same = packet(k)
    mail('same-packet-a', headers(k) + mixed([TEXT, attachment(same)]), 'processed', 1, '-',
         'one packet under two Message-IDs (first)')
    mail('same-packet-b', headers(k, mid='again.%d@mail.example.com' % k) + mixed([TEXT, attachment(same)]),
         'duplicate', 1, 'RRA-', 'the second names the application that has it')
    # Every hostile archive by mail too: the run path rejects and explains.
    for name, code, _, why in [(r[0], r[1], r[2], r[3]) for r in archive_rows]:
        k = nxt()
        with open(os.path.join(ARCH, name), 'rb') as f:
            data = f.read()
        status = 'rejected' if code == '2' else 'processed'
        want = 'rejected' if code == '2' else '-'
        mail('archive-' + name, headers(k) + mixed([TEXT, attachment(data, 'attachment; filename="%s"' % name,
                                                                     'application/zip')]),
             status, 1, '-' if want == '-' else name, 'archive by mail: ' + why)


archives()
mails()
with open(os.path.join(OUT, 'archives.tsv'), 'w') as f:
    for r in archive_rows:
        f.write('\t'.join(r) + '\n')
with open(os.path.join(OUT, 'mail.tsv'), 'w') as f:
    for r in mail_rows:
        f.write('\t'.join(r) + '\n')
