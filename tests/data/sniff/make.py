#!/usr/bin/env python3
"""Generates the small files used by tests/unit/test_sniff.c.

Run from this folder: python3 make.py. Outputs are committed.
"""
import struct
import zipfile
import zlib

W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
S = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'


def zwrite(path, members, stored_first=None):
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        if stored_first:
            z.writestr(zipfile.ZipInfo(stored_first[0]), stored_first[1],
                       compress_type=zipfile.ZIP_STORED)
        for name, data in members:
            z.writestr(name, data)


def docx():
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="%s"><w:body>'
           '<w:p><w:r><w:t>Application form </w:t></w:r><w:r><w:t>申请表</w:t></w:r></w:p>'
           '<w:p><w:r><w:t xml:space="preserve">Second </w:t><w:tab/><w:t>line</w:t></w:r></w:p>'
           '<w:p><w:del><w:r><w:delText>deleted</w:delText></w:r></w:del></w:p>'
           '<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Name</w:t></w:r></w:p></w:tc>'
           '<w:tc><w:p><w:r><w:t>张伟</w:t></w:r></w:p></w:tc></w:tr>'
           '<w:tr><w:tc><w:p><w:r><w:t>Grade</w:t></w:r></w:p></w:tc>'
           '<w:tc><w:p><w:r><w:t>member</w:t></w:r></w:p><w:p><w:r><w:t>since 2020</w:t></w:r></w:p></w:tc></w:tr>'
           '</w:tbl><w:p><w:r><w:t>End &amp; done</w:t></w:r></w:p></w:body></w:document>') % W
    zwrite('table.docx', [('[Content_Types].xml', '<Types/>'), ('word/document.xml', doc)])
    big = ('<w:document xmlns:w="%s"><w:body><w:p><w:r><w:t>' % W
           + ' ' * (21 * 1024 * 1024) + '</w:t></w:r></w:p></w:body></w:document>')
    zwrite('big.docx', [('word/document.xml', big)])
    # what is not text: field codes, ruby readings, elements nested past
    # the reader's depth; cells of a table in a cell stay cells
    marks = ('<w:document xmlns:w="%s"><w:body>'
             '<w:p><w:r><w:instrText>PAGE</w:instrText><w:t>kept<w:rPh><w:t>ruby</w:t></w:rPh></w:t>'
             '<w:br/><w:t>next</w:t></w:r></w:p>'
             '<w:tbl><w:tr><w:tc><w:tbl><w:tr><w:tc><w:p><w:r><w:t>inner</w:t></w:r></w:p></w:tc>'
             '<w:tc><w:p><w:r><w:t>cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc>'
             '<w:tc><w:p><w:r><w:t>outer</w:t><w:tab/><w:t>x</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
             + '<w:sdt>' * 210 + '<w:p><w:r><w:t>too deep</w:t></w:r></w:p>' + '</w:sdt>' * 210
             + '<w:p><w:r><w:t>last</w:t></w:r></w:p></w:body></w:document>') % W
    zwrite('marks.docx', [('[Content_Types].xml', '<Types/>'), ('word/document.xml', marks)])
    # a DTD declaring an entity: OPC (ISO/IEC 29500-2) forbids DTDs in parts
    dtd = ('<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY e "expanded">]>'
           '<w:document xmlns:w="%s"><w:body><w:p><w:r><w:t>a &e; b</w:t></w:r></w:p></w:body></w:document>') % W
    zwrite('dtd.docx', [('[Content_Types].xml', '<Types/>'), ('word/document.xml', dtd)])


def odt():
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">'
               '<office:body><office:text>'
               '<text:h>Work experience report</text:h>'
               '<text:p>First<text:s/>paragraph <text:span>with span</text:span></text:p>'
               '<table:table><table:table-row><table:table-cell><text:p>A1</text:p></table:table-cell>'
               '<table:table-cell><text:p>工程师</text:p></table:table-cell></table:table-row></table:table>'
               '</office:text></office:body></office:document-content>')
    zwrite('report.odt', [('content.xml', content), ('META-INF/manifest.xml', '<m/>')],
           stored_first=('mimetype', 'application/vnd.oasis.opendocument.text'))


def xlsx():
    shared = ('<sst xmlns="%s" count="4" uniqueCount="4">'
              '<si><t>Date</t></si><si><t>CPD Description</t></si><si><t>Hours</t></si>'
              '<si><r><t>Seminar </t></r><r><t>研讨会</t></r><rPh><t>ケン</t></rPh></si></sst>') % S
    sheet1 = ('<worksheet xmlns="%s"><sheetData>'
              '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
              '<row r="2"><c r="A2" s="1"><v>45658</v></c><c r="B2" t="s"><v>3</v></c><c r="C2"><v>7.5</v></c></row>'
              '<row r="3"><c r="A3" t="inlineStr"><is><t>Total</t></is></c><c r="C3" t="b"><v>1</v></c></row>'
              '</sheetData></worksheet>') % S
    sheet2 = ('<worksheet xmlns="%s"><sheetData><row r="1"><c r="B1" t="str"><v>second sheet</v></c></row>'
              '</sheetData></worksheet>') % S
    zwrite('cpd.xlsx', [('xl/workbook.xml', '<workbook/>'), ('xl/sharedStrings.xml', shared),
                        ('xl/worksheets/sheet2.xml', sheet2), ('xl/worksheets/sheet1.xml', sheet1)])


def pdf(body_streams, trailer_extra=b'', eof=True):
    out = [b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n']
    n = 1
    for dict_extra, data in body_streams:
        out.append(b'%d 0 obj\n<< /Length %d %s>>\nstream\n' % (n, len(data), dict_extra) + data +
                   b'\nendstream\nendobj\n')
        n += 1
    out.append(b'trailer\n<< /Size %d /Root 1 0 R %s>>\n' % (n, trailer_extra))
    if eof:
        out.append(b'startxref\n0\n%%EOF\n')
    return b''.join(out)


def pdfs():
    plain = (b'BT /F1 12 Tf 72 700 Td (Hello \\(world\\) \\101BC) Tj 0 -14 Td '
             b'[(Compe) 20 (tence) -300 (A1)] TJ ET\n'
             b'BT 72 600 Td (Caf\\351) Tj ET')
    open('plain.pdf', 'wb').write(pdf([(b'', plain)]))
    zh = ('BT /F1 12 Tf 72 700 Td <FEFF%s> Tj T* (English line) Tj ET'
          % '申请表 中文'.encode('utf-16-be').hex().upper()).encode()
    image = zlib.compress(b'BT (not text) Tj ET')
    open('flate_zh.pdf', 'wb').write(pdf([(b'/Filter /FlateDecode ', zlib.compress(zh)),
                                           (b'/Subtype /Image /Filter /FlateDecode ', image)]))
    open('encrypted.pdf', 'wb').write(pdf([(b'', b'BT (secret) Tj ET')],
                                          b'/Encrypt 9 0 R /ID [<00><00>] '))
    whole = pdf([(b'', b'BT (cut) Tj ET' + b' ' * 2000)])
    open('truncated.pdf', 'wb').write(whole[:len(whole) - 1200])


def png_bytes():
    def chunk(t, d):
        return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    ihdr = struct.pack('>IIBBBBB', 1, 1, 8, 0, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(b'\0\0'))
            + chunk(b'IEND', b''))


def images():
    png = png_bytes()
    open('image.png', 'wb').write(png)
    open('really_png.pdf', 'wb').write(png)
    open('truncated.png', 'wb').write(png[:-12])
    jpeg = b'\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00' + bytes(300)
    open('photo.jpg', 'wb').write(jpeg + b'\xff\xd9')
    open('truncated.jpg', 'wb').write(jpeg)
    open('scan.tif', 'wb').write(b'II*\x00\x08\x00\x00\x00' + bytes(16))


def texts():
    open('gbk.txt', 'wb').write('工作经历报告\r\n本人自2010年起从事机械设计。\r\n'.encode('gbk'))
    open('utf16.txt', 'wb').write('\ufeffWork experience report\n工程师\n'.encode('utf-16-le'))
    open('utf8.txt', 'wb').write('Plain English text, with one comma.\nAnd a second line.\n'.encode())
    open('semicolon.csv', 'wb').write(
        '\ufeffDate;CPD Description;Organizer;Hours\n2025-03-01;"Seminar; part 1";CMES;8\n'
        '2025-04-02;Course 课程;SOE;16\n'.encode())
    open('page.html', 'wb').write(
        b'\n  <!DOCTYPE html><html><head><title>Report</title><style>p{color:red}</style>'
        b'<script>var x = "hidden";</script></head><body><p>Hello <b>there</b></p>'
        b'<table><tr><td>A1</td><td>\xe5\xb7\xa5\xe7\xa8\x8b</td></tr></table></body></html>\n')
    open('binary.bin', 'wb').write(bytes(range(256)))


def others():
    hdr = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1' + bytes(504)
    open('word97.doc', 'wb').write(hdr + 'WordDocument'.encode('utf-16-le') + bytes(100))
    open('protected.docx', 'wb').write(hdr + 'EncryptedPackage'.encode('utf-16-le') + bytes(100))
    zwrite('other.zip', [('a.txt', 'x')])
    data = bytearray(open('other.zip', 'rb').read())
    data[6] |= 1
    cd = data.find(b'PK\x01\x02')
    data[cd + 8] |= 1
    open('encrypted.zip', 'wb').write(data)
    open('archive.rar', 'wb').write(b'Rar!\x1a\x07\x00' + bytes(20))
    open('archive.7z', 'wb').write(b"7z\xbc\xaf'\x1c" + bytes(26))
    open('archive.gz', 'wb').write(zlib.compress(b'x')[:0] + b'\x1f\x8b\x08\x00' + bytes(16))
    open('empty.txt', 'wb').write(b'')


if __name__ == '__main__':
    docx()
    odt()
    xlsx()
    pdfs()
    images()
    texts()
    others()
