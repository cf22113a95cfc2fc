#!/usr/bin/env python3
"""Generates the archives used by tests/unit/test_unpack.c.

Run from this folder: python3 make.py. The outputs are committed; the
script documents how each one was made and can rebuild them.
"""
import io
import struct
import tarfile
import zipfile


class RawNameInfo(zipfile.ZipInfo):
    """A ZipInfo whose name is written as given bytes without the UTF-8
    flag, as zips made on Chinese Windows are (GBK/CP936 names)."""

    def __init__(self, raw, **kw):
        super().__init__(raw.decode('latin-1'), **kw)
        self.raw = raw

    def _encodeFilenameFlags(self):
        return self.raw, self.flag_bits & ~0x800


def write_zip(path, entries, compression=zipfile.ZIP_DEFLATED):
    """entries: list of (name str | ZipInfo, bytes)."""
    with zipfile.ZipFile(path, 'w', compression) as z:
        for name, data in entries:
            z.writestr(name, data)


def pdf(tag):
    return b'%PDF-1.4\n% ' + tag.encode() + b'\n%%EOF\n'


def zip_bytes(entries, compression=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', compression) as z:
        for name, data in entries:
            z.writestr(name, data)
    return b.getvalue()


def raw(name, enc):
    return RawNameInfo(name.encode(enc))


def main():
    write_zip('utf8_names.zip', [('申请表-中文-1.pdf', pdf('zh')),
                                 ('Work report EN.pdf', pdf('en'))])
    write_zip('gbk_names.zip', [(raw('申请表-中文-1.pdf', 'gbk'), pdf('zh')),
                                (raw('工作经历报告.docx', 'gbk'), b'PK-not-really'),
                                (raw('淺灰-说明.txt', 'gbk'), b'5C trail byte')])
    write_zip('gb18030_name.zip', [(raw('张\U00020000-简历.pdf', 'gb18030'), pdf('x'))])
    write_zip('wrapper.zip', [
        ('张伟/', b''),
        ('张伟/申请表.pdf', pdf('a')),
        ('张伟/sub/notes.txt', b'hello\n'),
        ('张伟/.DS_Store', b'\0\0\0\1Bud1'),
        ('张伟/Thumbs.db', b'junk'),
        ('张伟/desktop.ini', b'[.ShellClassInfo]'),
        ('__MACOSX/张伟/._申请表.pdf', b'\0\5\26\7'),
        ('__MACOSX/._张伟', b'\0\5\26\7'),
    ])
    write_zip('junk_only.zip', [('__MACOSX/._a.pdf', b'x'), ('.DS_Store', b'y')])
    write_zip('dotdot.zip', [('ok.pdf', pdf('a')), ('../../etc/passwd', b'root')])
    write_zip('absolute.zip', [('/etc/passwd', b'root')])
    write_zip('backslash.zip', [('..\\..\\evil.txt', b'x')])
    write_zip('drive.zip', [('C:\\evil.txt', b'x')])
    write_zip('drive_slash.zip', [('c:/evil.txt', b'x')])
    link = zipfile.ZipInfo('link.pdf')
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    write_zip('symlink.zip', [('a.pdf', pdf('a')), (link, b'/etc/passwd')],
              zipfile.ZIP_STORED)
    write_zip('bomb.zip', [('zeros.txt', bytes(4 * 1024 * 1024))])
    write_zip('many.zip', [('f%02d.txt' % i, b'%d' % i) for i in range(20)])
    write_zip('dup.zip', [('a.pdf', pdf('1')), ('a.pdf', pdf('2'))])
    write_zip('case.zip', [('A.pdf', pdf('1')), ('a.pdf', pdf('2'))])
    write_zip('ctrl.zip', [('bad\x01name.pdf', pdf('1'))])
    write_zip('longname.zip', [('n' * 300 + '.pdf', pdf('1'))])
    write_zip('empty.zip', [])
    write_zip('nested.zip', [('inner.zip', zip_bytes([('x.pdf', pdf('x'))])),
                             ('cover.txt', b'see inner\n')])
    with open('notarchive.bin', 'wb') as f:
        f.write(b'This is just a letter, not an archive.\n' * 20)

    # Truncated: the first half of a zip (its central directory is gone).
    whole = zip_bytes([('a.bin', bytes(range(256)) * 64)], zipfile.ZIP_STORED)
    with open('truncated.zip', 'wb') as f:
        f.write(whole[:len(whole) // 2])

    # Bad CRC: a stored member whose bytes were changed after the CRC was set.
    data = bytearray(zip_bytes([('a.txt', b'The quick brown fox\n' * 10)],
                               zipfile.ZIP_STORED))
    i = data.find(b'quick')
    data[i] ^= 0x20
    with open('badcrc.zip', 'wb') as f:
        f.write(data)

    # Encrypted: the traditional-encryption flag set in both headers.
    data = bytearray(zip_bytes([('secret.pdf', pdf('s'))], zipfile.ZIP_STORED))
    data[6] |= 1
    cd = data.find(b'PK\x01\x02')
    data[cd + 8] |= 1
    with open('encrypted.zip', 'wb') as f:
        f.write(data)

    # Inconsistent name: the central directory names another file than the
    # local header (same length).
    data = bytearray(zip_bytes([('good.pdf', pdf('g'))], zipfile.ZIP_STORED))
    cd = data.find(b'PK\x01\x02')
    j = data.find(b'good.pdf', cd)
    data[j:j + 8] = b'evil.pdf'
    with open('inconsistent_name.zip', 'wb') as f:
        f.write(data)

    # Inconsistent count: two local entries, the central directory lists one.
    data = zip_bytes([('one.pdf', pdf('1')), ('two.pdf', pdf('2'))],
                     zipfile.ZIP_STORED)
    eocd = data.rfind(b'PK\x05\x06')
    cd_size, cd_off = struct.unpack('<II', data[eocd + 12:eocd + 20])
    cd = data[cd_off:cd_off + cd_size]
    n1, m1, k1 = struct.unpack('<HHH', cd[28:34])
    first = cd[:46 + n1 + m1 + k1]
    end = bytearray(data[eocd:])
    struct.pack_into('<HHI', end, 8, 1, 1, len(first))
    with open('inconsistent_count.zip', 'wb') as f:
        f.write(data[:cd_off] + first + bytes(end))

    # Tar family.
    def tar(path, mode, members):
        with tarfile.open(path, mode) as t:
            for info, payload in members:
                info.size = len(payload) if payload is not None else 0
                t.addfile(info, io.BytesIO(payload) if payload else None)

    d = tarfile.TarInfo('packet')
    d.type = tarfile.DIRTYPE
    tar('packet.tar.gz', 'w:gz', [
        (d, None),
        (tarfile.TarInfo('packet/申请表-中文-1.pdf'), pdf('t1')),
        (tarfile.TarInfo('packet/cv.pdf'), pdf('t2')),
    ])
    h = tarfile.TarInfo('b.pdf')
    h.type = tarfile.LNKTYPE
    h.linkname = 'a.pdf'
    tar('hardlink.tar.gz', 'w:gz', [(tarfile.TarInfo('a.pdf'), pdf('a')), (h, None)])
    c = tarfile.TarInfo('null')
    c.type = tarfile.CHRTYPE
    c.devmajor, c.devminor = 1, 3
    tar('device.tar.gz', 'w:gz', [(c, None)])
    s = tarfile.TarInfo('s.pdf')
    s.type = tarfile.SYMTYPE
    s.linkname = '/etc/passwd'
    tar('symlink.tar.gz', 'w:gz', [(s, None)])
    tar('dotdot.tar.gz', 'w:gz', [(tarfile.TarInfo('a/../../x.pdf'), pdf('x'))])
    full = io.BytesIO()
    with tarfile.open(fileobj=full, mode='w:gz') as t:
        payload = bytes(range(256)) * 400
        info = tarfile.TarInfo('big.bin')
        info.size = len(payload)
        t.addfile(info, io.BytesIO(payload))
    with open('truncated.tar.gz', 'wb') as f:
        f.write(full.getvalue()[:len(full.getvalue()) * 2 // 3])
    charset_cases()


def upath_info(raw_name, utf8_name, crc_of=None):
    """An unflagged member whose Info-ZIP Unicode Path field (0x7075)
    carries utf8_name, with the CRC-32 of crc_of (default: the raw name)."""
    import zlib
    i = RawNameInfo(raw_name)
    body = struct.pack('<BI', 1, zlib.crc32(crc_of if crc_of is not None else raw_name)) + utf8_name.encode()
    i.extra = struct.pack('<HH', 0x7075, len(body)) + body
    return i


def charset_cases():
    """One charset decision per archive (member names without the UTF-8 flag)."""
    # 学位 in GBK is D1 A7 CE BB, also valid UTF-8 ("ѧλ"); 申请表 in GBK is
    # not valid UTF-8, so the whole archive is GB18030.
    write_zip('gbk_mixed.zip', [(raw('学位-1.pdf', 'gbk'), pdf('a')),
                                (raw('申请表-中文-1.pdf', 'gbk'), pdf('b'))])
    # Unicode Path fields: one whose CRC matches its header name (taken), one
    # whose CRC is of another name (ignored: the header name decides).
    write_zip('upath.zip', [(upath_info('学位-1.pdf'.encode('gbk'), '学位证书-1.pdf'), pdf('a')),
                            (upath_info('申请表-1.pdf'.encode('gbk'), '别的名字.pdf', b'other'), pdf('b'))])


if __name__ == '__main__':
    main()
