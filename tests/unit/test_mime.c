/* test_mime.c — mime.c over the messages in tests/data/mime (written by
 * make_fixtures.py there) and over hostile messages built here: deep
 * nesting, too many parts, a 100 KB header line, an oversize file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fmap.h"
#include "mime.h"
#include "util.h"

#define DATA "tests/data/mime/"
#define MAXMSG (1024 * 1024)

typedef struct fixture {
	char dir[64];
	mime_message m;
} fixture;

static int setup(void **state)
{
	fixture *f = xcalloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-mime.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	mime_message_free(&f->m);
	util_rmtree(f->dir);
	free(f);
	return 0;
}

static void parse_ok(fixture *f, const char *path)
{
	char err[256];
	int rc = mime_parse_file(path, f->dir, MAXMSG, &f->m, err, sizeof(err));
	if (rc != MIME_OK)
		fail_msg("%s: rc %d: %s", path, rc, err);
}

/* The attachment's bytes equal packet.zip. */
static void assert_packet(const mime_attachment *a)
{
	char *want, *got;
	size_t wl, gl;
	assert_int_equal(util_read_file(DATA "packet.zip", MAXMSG, &want, &wl), 0);
	assert_int_equal(util_read_file(a->path, MAXMSG, &got, &gl), 0);
	assert_int_equal(a->size, wl);
	assert_int_equal(gl, wl);
	assert_memory_equal(got, want, wl);
	/* hashed as it was decoded: the same as the file's hash */
	{
		char sha[65];
		assert_int_equal(util_sha256_hex(want, wl, sha), 0);
		assert_string_equal(a->sha256, sha);
	}
	assert_true(mime_is_archive(a));
	free(want);
	free(got);
}

static void test_mixed_zip(void **state)
{
	fixture *f = *state;
	mime_message *m = &f->m;
	parse_ok(f, DATA "mixed_zip.eml");
	assert_string_equal(m->message_id, "m1@example.com");
	assert_string_equal(m->from_addr, "zhang.wei@example.com");
	assert_string_equal(m->from_name, "张伟");
	assert_string_equal(m->reply_to, "zw@example.net");
	assert_string_equal(m->return_path, "zhang.wei@example.com");
	assert_string_equal(m->subject, "CEng 申请 / 张伟");
	assert_string_equal(m->in_reply_to, "<n0@cmes.example.org>");
	assert_string_equal(m->references, "<n-1@cmes.example.org> <n0@cmes.example.org>");
	assert_string_equal(m->date, "Sun, 1 Mar 2026 09:00:00 +0800");
	assert_false(m->auto_submitted || m->is_bounce || m->is_list || m->truncated);
	assert_int_equal(m->natts, 1);
	assert_string_equal(m->atts[0].filename, "packet.zip");
	assert_string_equal(m->atts[0].content_type, "application/zip");
	assert_int_equal(m->atts[0].depth, 0);
	/* Stored under its own name, never the attachment's. */
	assert_non_null(strstr(m->atts[0].path, "/att-1"));
	assert_packet(&m->atts[0]);
}

/* A message held in memory parses as the same message from its file: the
 * same header, the same attachment bytes; over the limit it is refused
 * unread; its header alone as mime_parse_header reads it from the file. */
static void test_parse_mem(void **state)
{
	fixture *f = *state;
	mime_message head, head_file;
	char *data, err[256];
	size_t len;
	assert_int_equal(util_read_file(DATA "mixed_zip.eml", MAXMSG, &data, &len), 0);
	assert_int_equal(mime_parse_mem(data, len, f->dir, MAXMSG, &f->m, err, sizeof err), MIME_OK);
	assert_string_equal(f->m.message_id, "m1@example.com");
	assert_string_equal(f->m.from_name, "张伟");
	assert_string_equal(f->m.subject, "CEng 申请 / 张伟");
	assert_int_equal(f->m.natts, 1);
	assert_string_equal(f->m.atts[0].filename, "packet.zip");
	assert_packet(&f->m.atts[0]);
	mime_message_free(&f->m);
	assert_int_equal(mime_parse_mem(data, len, f->dir, len - 1, &f->m, err, sizeof err), MIME_TOO_LARGE);
	assert_int_equal(f->m.natts, 0);
	/* the header alone, also from a head cut mid-body */
	assert_int_equal(mime_parse_header_mem(data, len, 4096, &head), MIME_OK);
	assert_int_equal(mime_parse_header(DATA "mixed_zip.eml", 4096, &head_file, err, sizeof err), MIME_OK);
	assert_string_equal(head.message_id, head_file.message_id);
	assert_string_equal(head.from_addr, "zhang.wei@example.com");
	assert_string_equal(head.reply_to, head_file.reply_to);
	assert_string_equal(head.subject, head_file.subject);
	assert_int_equal(head.natts, 0);
	mime_message_free(&head);
	mime_message_free(&head_file);
	assert_int_equal(mime_parse_header_mem(data, 40, 4096, &head), MIME_OK);   /* a cut header: no crash */
	mime_message_free(&head);
	free(data);
}

/* An mbox "From " line before a message's header is not a header field:
 * the fields after it are read, whole or header alone. */
static void test_mbox_from_line(void **state)
{
	fixture *f = *state;
	static const char msg[] = "From zhang.wei@example.com Sun Mar  1 09:00:00 2026\r\n"
				  "From: Zhang Wei <zhang.wei@example.com>\r\nMessage-ID: <mbox1@example.com>\r\n"
				  "Subject: CEng\r\n\r\nbody\r\n";
	mime_message head;
	char err[256];
	assert_int_equal(mime_parse_mem(msg, sizeof msg - 1, f->dir, MAXMSG, &f->m, err, sizeof err), MIME_OK);
	assert_string_equal(f->m.from_addr, "zhang.wei@example.com");
	assert_string_equal(f->m.message_id, "mbox1@example.com");
	assert_int_equal(mime_parse_header_mem(msg, sizeof msg - 1, 4096, &head), MIME_OK);
	assert_string_equal(head.from_addr, "zhang.wei@example.com");
	assert_string_equal(head.subject, "CEng");
	mime_message_free(&head);
}

static void test_nested_alternative(void **state)
{
	fixture *f = *state;
	parse_ok(f, DATA "nested_alt.eml");
	assert_int_equal(f->m.natts, 1);
	assert_string_equal(f->m.atts[0].filename, "packet.zip");
	assert_false(f->m.truncated);
	assert_packet(&f->m.atts[0]);
}

static void test_forwarded(void **state)
{
	fixture *f = *state;
	parse_ok(f, DATA "forwarded.eml");
	assert_int_equal(f->m.natts, 1);
	assert_string_equal(f->m.atts[0].filename, "inner.zip");
	assert_int_equal(f->m.atts[0].depth, 1);
	/* The forwarded message's own header does not replace the outer one. */
	assert_string_equal(f->m.subject, "CEng 申请 / 张伟");
	assert_packet(&f->m.atts[0]);
}

static void test_octet_stream_zip(void **state)
{
	fixture *f = *state;
	parse_ok(f, DATA "octet_zip.eml");
	assert_int_equal(f->m.natts, 1);
	assert_string_equal(f->m.atts[0].filename, "Packet.ZIP");
	assert_string_equal(f->m.atts[0].content_type, "application/octet-stream");
	assert_packet(&f->m.atts[0]);
}

static void test_rfc2231_gbk(void **state)
{
	fixture *f = *state;
	parse_ok(f, DATA "rfc2231_gbk.eml");
	assert_int_equal(f->m.natts, 1);
	assert_string_equal(f->m.atts[0].filename, "申请材料-张伟.zip");
	assert_packet(&f->m.atts[0]);
}

static void test_rfc2231_continuation(void **state)
{
	fixture *f = *state;
	parse_ok(f, DATA "rfc2231_cont.eml");
	assert_int_equal(f->m.natts, 1);
	assert_string_equal(f->m.atts[0].filename, "申请材料-final.zip");
	assert_packet(&f->m.atts[0]);
}

static void test_rfc2047_gb2312(void **state)
{
	fixture *f = *state;
	parse_ok(f, DATA "rfc2047_gb2312.eml");
	assert_int_equal(f->m.natts, 1);
	/* 喆 is outside GB2312: decoding as GB18030 keeps it. */
	assert_string_equal(f->m.atts[0].filename, "申请-张喆材料.zip");
	assert_string_equal(f->m.atts[0].content_type, "application/x-zip-compressed");
	assert_packet(&f->m.atts[0]);
}

static void test_raw_names(void **state)
{
	fixture *f = *state;
	parse_ok(f, DATA "raw_names.eml");
	assert_int_equal(f->m.natts, 2);
	assert_string_equal(f->m.atts[0].filename, "申请材料.zip");
	assert_packet(&f->m.atts[0]);
	assert_string_equal(f->m.atts[1].filename, "简历.pdf");
	assert_false(mime_is_archive(&f->m.atts[1]));
	assert_int_equal(f->m.atts[1].size, strlen("%PDF-1.4"));
}

static void test_no_attachment(void **state)
{
	fixture *f = *state;
	parse_ok(f, DATA "no_attachment.eml");
	assert_int_equal(f->m.natts, 0);
	assert_null(f->m.atts);
	assert_string_equal(f->m.message_id, "m1@example.com");
	assert_false(f->m.auto_submitted);
}

static void test_auto_reply(void **state)
{
	fixture *f = *state;
	parse_ok(f, DATA "auto_reply.eml");
	assert_true(f->m.auto_submitted);
	assert_false(f->m.is_bounce);
	assert_false(f->m.is_list);
}

static void test_dsn_bounce(void **state)
{
	fixture *f = *state;
	parse_ok(f, DATA "dsn_bounce.eml");
	assert_true(f->m.is_bounce);
	assert_non_null(f->m.return_path);
	assert_string_equal(f->m.return_path, "");
	assert_string_equal(f->m.from_addr, "mailer-daemon@mx.example.com");
	assert_int_equal(f->m.natts, 0);
}

static void test_list_mail(void **state)
{
	fixture *f = *state;
	parse_ok(f, DATA "list_mail.eml");
	assert_true(f->m.is_list);
	assert_false(f->m.is_bounce);
	assert_false(f->m.auto_submitted);
}

static void test_missing_final_boundary(void **state)
{
	fixture *f = *state;
	parse_ok(f, DATA "missing_boundary.eml");
	assert_true(f->m.truncated);
	assert_int_equal(f->m.natts, 1);
	assert_packet(&f->m.atts[0]);
}

static void test_bad_base64(void **state)
{
	fixture *f = *state;
	parse_ok(f, DATA "bad_base64.eml");
	assert_true(f->m.truncated);
	assert_int_equal(f->m.natts, 1);
	assert_string_equal(f->m.atts[0].filename, "bad.zip");
}

static void test_oversize_refused(void **state)
{
	fixture *f = *state;
	char err[256] = "";
	int rc = mime_parse_file(DATA "mixed_zip.eml", f->dir, 100, &f->m, err, sizeof(err));
	assert_int_equal(rc, MIME_TOO_LARGE);
	assert_int_equal(f->m.natts, 0);
	assert_true(err[0] != '\0');
	rc = mime_parse_file(DATA "no-such-file.eml", f->dir, MAXMSG, &f->m, err, sizeof(err));
	assert_int_equal(rc, MIME_ERROR);
}

static char *write_msg(fixture *f, const buf *b)
{
	char *path = util_path_join(f->dir, "msg.eml");
	assert_int_equal(util_write_atomic(path, b->data, b->len), 0);
	return path;
}

static void add_zip_part(buf *b, const char *boundary, const char *name)
{
	char *zip;
	size_t zl;
	assert_int_equal(util_read_file(DATA "packet.zip", MAXMSG, &zip, &zl), 0);
	buf_printf(b, "--%s\r\nContent-Type: application/zip; name=\"%s\"\r\n\r\n", boundary, name);
	buf_add(b, zip, zl);
	buf_adds(b, "\r\n");
	free(zip);
}

static void test_deep_nesting(void **state)
{
	fixture *f = *state;
	buf b;
	char *path;
	buf_init(&b, 0);
	buf_adds(&b, "Subject: deep\r\nContent-Type: multipart/mixed; boundary=top\r\n\r\n");
	add_zip_part(&b, "top", "shallow.zip");
	buf_adds(&b, "--top\r\n");
	/* 5000 levels: far beyond the cap; the innermost zip is ignored. */
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "Content-Type: multipart/mixed; boundary=l%d\r\n\r\n--l%d\r\n", i, i);
	add_zip_part(&b, "l4999", "deep.zip");
	path = write_msg(f, &b);
	parse_ok(f, path);
	assert_true(f->m.truncated);
	assert_int_equal(f->m.natts, 1);
	assert_string_equal(f->m.atts[0].filename, "shallow.zip");
	free(path);
	buf_free(&b);
}

static void test_too_many_parts(void **state)
{
	fixture *f = *state;
	buf b;
	char *path;
	buf_init(&b, 0);
	buf_adds(&b, "Subject: many\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n");
	add_zip_part(&b, "x", "first.zip");
	for (int i = 0; i < MIME_MAX_PARTS + 10; i++)
		buf_adds(&b, "--x\r\n\r\nt\r\n");
	add_zip_part(&b, "x", "last.zip");
	buf_adds(&b, "--x--\r\n");
	path = write_msg(f, &b);
	parse_ok(f, path);
	assert_true(f->m.truncated);
	assert_int_equal(f->m.natts, 1);
	assert_string_equal(f->m.atts[0].filename, "first.zip");
	free(path);
	buf_free(&b);
}

/* The streaming decoders: quoted-printable with soft breaks, base64 with
 * one and two pad characters, and a body larger than the decoder's batch. */
static void test_decoding(void **state)
{
	fixture *f = *state;
	buf b, big;
	char *path, *got;
	size_t gl;
	buf_init(&b, 0);
	buf_init(&big, 0);
	for (int i = 0; i < 300000; i++)
		buf_add(&big, &(char){(char)(i * 7 + i / 256)}, 1);
	buf_adds(&b, "Subject: enc\r\nContent-Type: multipart/mixed; boundary=e\r\n\r\n");
	buf_adds(&b, "--e\r\nContent-Type: text/plain; name=qp.txt\r\n"
		     "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		     "caf=C3=A9 au=\r\n lait=3D1\r\n");
	buf_adds(&b, "--e\r\nContent-Type: text/plain; name=p1.txt\r\n"
		     "Content-Transfer-Encoding: base64\r\n\r\nYWJjZA==\r\n");
	buf_adds(&b, "--e\r\nContent-Type: text/plain; name=p2.txt\r\n"
		     "Content-Transfer-Encoding: base64\r\n\r\nYWJjZGU=\r\n");
	buf_adds(&b, "--e\r\nContent-Type: application/zip; name=big.zip\r\n"
		     "Content-Transfer-Encoding: base64\r\n\r\n");
	util_base64(&b, big.data, big.len, 76);
	assert_int_equal(buf_error(&b), 0);
	buf_adds(&b, "--e--\r\n");
	path = write_msg(f, &b);
	parse_ok(f, path);
	assert_int_equal(f->m.natts, 4);
	assert_false(f->m.truncated);
	assert_int_equal(util_read_file(f->m.atts[0].path, MAXMSG, &got, &gl), 0);
	assert_int_equal(gl, strlen("café au lait=1"));   /* the last CRLF belongs to the boundary */
	assert_memory_equal(got, "café au lait=1", gl);
	free(got);
	assert_int_equal(util_read_file(f->m.atts[1].path, MAXMSG, &got, &gl), 0);
	assert_int_equal(gl, 4);
	assert_memory_equal(got, "abcd", 4);
	free(got);
	assert_int_equal(util_read_file(f->m.atts[2].path, MAXMSG, &got, &gl), 0);
	assert_int_equal(gl, 5);
	assert_memory_equal(got, "abcde", 5);
	free(got);
	assert_int_equal(util_read_file(f->m.atts[3].path, MAXMSG, &got, &gl), 0);
	assert_int_equal(gl, big.len);
	assert_int_equal(f->m.atts[3].size, big.len);
	assert_memory_equal(got, big.data, gl);
	free(got);
	free(path);
	buf_free(&b);
	buf_free(&big);
}

/* Characters outside the alphabet inside a quad, 8-bit ones among them
 * (a UTF-8 "é", a 0xFF), are skipped and mark the part damaged; a quad
 * table lookup must not take them for alphabet characters. */
static void test_base64_high_bytes(void **state)
{
	fixture *f = *state;
	buf b;
	char *path, *got;
	size_t gl;
	buf_init(&b, 0);
	buf_adds(&b, "Subject: high\r\nContent-Type: multipart/mixed; boundary=e\r\n\r\n");
	buf_adds(&b, "--e\r\nContent-Type: application/octet-stream; name=h.bin\r\n"
		     "Content-Transfer-Encoding: base64\r\n\r\nYWJj\xC3\xA9" "ZGVmZ2hp\xFF" "amts\r\n--e--\r\n");
	path = write_msg(f, &b);
	parse_ok(f, path);
	assert_int_equal(f->m.natts, 1);
	assert_int_equal(util_read_file(f->m.atts[0].path, MAXMSG, &got, &gl), 0);
	assert_int_equal(gl, 12);
	assert_memory_equal(got, "abcdefghijkl", 12);
	assert_true(f->m.truncated);
	free(got);
	free(path);
	buf_free(&b);
}

/* The MIME encoder's output against its definition, a quad at a time, as
 * util_base64 wrote it before it filled whole lines at once: every input
 * length from 0 to 400 (every end of a line and of a chunk, each padding),
 * random bytes, with no line breaks and with lines of 4, 5, 76, 77 and 300
 * characters; and RFC 4648's vectors. */
static void base64_by_quads(buf *out, const unsigned char *p, size_t len, size_t line_len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t col = 0;
	for (size_t i = 0; i < len; i += 3) {
		size_t n = len - i < 3 ? len - i : 3;
		uint32_t v = (uint32_t)p[i] << 16 | (n > 1 ? (uint32_t)p[i + 1] << 8 : 0) | (n > 2 ? p[i + 2] : 0);
		char q[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63], n > 1 ? tab[(v >> 6) & 63] : '=',
			     n > 2 ? tab[v & 63] : '='};
		buf_add(out, q, 4);
		col += 4;
		if (line_len && col >= line_len) {
			buf_adds(out, "\r\n");
			col = 0;
		}
	}
	if (line_len && col > 0)
		buf_adds(out, "\r\n");
}

static void test_base64_encode(void **state)
{
	static const size_t widths[] = {0, 4, 5, 76, 77, 300};
	static const char *const rfc[][2] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
					     {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
	unsigned char data[400];
	unsigned seed = 4648;
	size_t compared = 0;
	(void)state;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(rand_r(&seed) >> 5);
	for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++)
		for (size_t len = 0; len <= sizeof data; len++) {
			buf got, want;
			buf_init(&got, 0);
			buf_init(&want, 0);
			buf_adds(&got, "x");   /* appended to what the buffer holds */
			buf_adds(&want, "x");
			util_base64(&got, data, len, widths[w]);
			base64_by_quads(&want, data, len, widths[w]);
			if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0)
				print_error("length %zu, lines of %zu\n", len, widths[w]);
			assert_int_equal(got.len, want.len);
			assert_memory_equal(got.data, want.data, got.len);
			buf_free(&got);
			buf_free(&want);
			compared++;
		}
	assert_int_equal(compared, 6 * 401);
	for (size_t i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
		buf b;
		buf_init(&b, 0);
		util_base64(&b, rfc[i][0], strlen(rfc[i][0]), 0);
		assert_string_equal(b.data ? b.data : "", rfc[i][1]);
		buf_free(&b);
	}
}

/* The value table is built from a rule at compile time: every byte of
 * RFC 4648's alphabet has its index, every other byte none. */
static void test_base64_table(void **state)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int want[256];
	(void)state;
	for (int c = 0; c < 256; c++)
		want[c] = -1;
	for (int v = 0; v < 64; v++)
		want[(unsigned char)alphabet[v]] = v;
	for (int c = 0; c < 256; c++) {
		assert_int_equal(util_base64_dec[c], want[c]);
		assert_int_equal(util_base64_value(c), want[c]);
	}
	assert_int_equal(util_base64_value(-1), -1);
	assert_int_equal(util_base64_value(256), -1);
}

/* The block decoders' edges: base64 lines of any width (quads split across
 * line ends), alphabet characters after junk; quoted-printable with an
 * '=' that is neither a byte nor a soft break, a bare-LF soft break and an
 * '=' at the very end; delimiter-like lines that are not delimiters (a
 * longer boundary, "--e" inside a line) and a body opening with its first
 * delimiter. */
static void test_decoding_edges(void **state)
{
	fixture *f = *state;
	buf b, raw, enc;
	char *path, *got;
	size_t gl;
	buf_init(&b, 0);
	buf_init(&raw, 0);
	buf_init(&enc, 0);
	for (int i = 0; i < 70001; i++)
		buf_add(&raw, &(char){(char)(i * 13 + i / 97)}, 1);
	util_base64(&enc, raw.data, raw.len, 0);
	assert_int_equal(buf_error(&enc), 0);
	buf_adds(&b, "Subject: edges\r\nContent-Type: multipart/mixed; boundary=e\r\n\r\n");
	buf_adds(&b, "--e\r\nContent-Type: application/octet-stream; name=w.bin\r\n"
		     "Content-Transfer-Encoding: base64\r\n\r\n");
	for (size_t off = 0, w = 1; off < enc.len; off += w, w = w % 23 + 1) {
		size_t n = enc.len - off < w ? enc.len - off : w;
		buf_add(&b, enc.data + off, n);
		buf_adds(&b, w % 5 == 0 ? " \t\n" : "\r\n");
	}
	buf_adds(&b, "--e-not-a-delimiter\r\nx--e\r\n");
	buf_adds(&b, "--e  \t\r\nContent-Type: text/plain; name=q.txt\r\n"
		     "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		     "a=ZZb=\nc=3d=E4=B8=AD=\r\nd=");
	buf_adds(&b, "\r\n--e--\r\n");
	path = write_msg(f, &b);
	parse_ok(f, path);
	assert_int_equal(f->m.natts, 2);
	assert_int_equal(util_read_file(f->m.atts[0].path, MAXMSG, &got, &gl), 0);
	/* Characters after the padding are skipped but mark the part damaged. */
	assert_int_equal(gl, raw.len);
	assert_memory_equal(got, raw.data, raw.len);
	assert_true(f->m.truncated);
	free(got);
	assert_int_equal(util_read_file(f->m.atts[1].path, MAXMSG, &got, &gl), 0);
	assert_int_equal(gl, strlen("a=ZZbc=中d="));
	assert_memory_equal(got, "a=ZZbc=中d=", gl);
	free(got);
	free(path);
	mime_message_free(&f->m);
	memset(&f->m, 0, sizeof f->m);

	/* No preamble: the body opens with its first delimiter. */
	buf_free(&b);
	buf_init(&b, 0);
	buf_adds(&b, "Subject: edges\r\nContent-Type: multipart/mixed; boundary=\"x y\"\r\n\r\n"
		     "--x y\r\nContent-Type: text/plain; name=a.txt\r\n\r\nfirst\r\n--x y\r\n"
		     "Content-Type: text/plain; name=b.txt\r\n\r\nsecond\n--x y--\n");
	path = write_msg(f, &b);
	parse_ok(f, path);
	assert_int_equal(f->m.natts, 2);
	assert_false(f->m.truncated);
	assert_int_equal(util_read_file(f->m.atts[1].path, MAXMSG, &got, &gl), 0);
	assert_int_equal(gl, 6);
	assert_memory_equal(got, "second", 6);
	free(got);
	free(path);
	buf_free(&b);
	buf_free(&raw);
	buf_free(&enc);
}

static void test_long_header_line(void **state)
{
	fixture *f = *state;
	buf b;
	char *path;
	buf_init(&b, 0);
	buf_adds(&b, "Message-ID: <long@example.com>\r\nX-Junk: ");
	for (int i = 0; i < 100 * 1024; i++)
		buf_add(&b, "a", 1);
	buf_adds(&b, "\r\nSubject: ");
	for (int i = 0; i < 10 * 1024; i++)
		buf_adds(&b, "=?UTF-8?B?5Lit?=");
	buf_adds(&b, "\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n");
	add_zip_part(&b, "x", "packet.zip");
	buf_adds(&b, "--x--\r\n");
	path = write_msg(f, &b);
	parse_ok(f, path);
	assert_string_equal(f->m.message_id, "long@example.com");
	assert_int_equal(strlen(f->m.subject), 3 * 10 * 1024);
	assert_int_equal(f->m.natts, 1);
	assert_packet(&f->m.atts[0]);
	free(path);
	buf_free(&b);
}

/* A forwarded message sent in base64 (and one in quoted-printable): decoded
 * into a work file, walked there, the work file gone afterwards. */
static void test_encoded_forward(void **state)
{
	fixture *f = *state;
	static const char *const encs[] = {"base64", "quoted-printable"};
	for (size_t e = 0; e < 2; e++) {
		buf inner, b;
		char *path, *left;
		buf_init(&inner, 0);
		buf_init(&b, 0);
		buf_adds(&inner, "From: someone@example.org\r\nSubject: fwd\r\n"
				 "Content-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\n"
				 "Content-Type: text/plain\r\n\r\nsee attached\r\n");
		add_zip_part(&inner, "in", "inner.zip");
		buf_adds(&inner, "--in--\r\n");
		buf_printf(&b, "Subject: outer\r\nContent-Type: multipart/mixed; boundary=out\r\n\r\n--out\r\n"
			       "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: %s\r\n\r\n", encs[e]);
		if (e == 0) {
			util_base64(&b, inner.data, inner.len, 76);
			assert_int_equal(buf_error(&b), 0);
		} else {
			for (size_t i = 0; i < inner.len; i++) {
				unsigned char c = (unsigned char)inner.data[i];
				if (c == '=' || c >= 0x7F || (c < 0x20 && c != '\r' && c != '\n'))
					buf_printf(&b, "=%02X", c);
				else
					buf_add(&b, &inner.data[i], 1);
			}
		}
		buf_adds(&b, "\r\n--out--\r\n");
		path = write_msg(f, &b);
		parse_ok(f, path);
		assert_int_equal(f->m.natts, 1);
		assert_string_equal(f->m.atts[0].filename, "inner.zip");
		assert_int_equal(f->m.atts[0].depth, 1);
		assert_string_equal(f->m.subject, "outer");
		assert_false(f->m.truncated);
		assert_packet(&f->m.atts[0]);
		left = util_path_join(f->dir, "msg-2");
		assert_int_equal(access(left, F_OK), -1);
		free(left);
		mime_message_free(&f->m);
		free(path);
		buf_free(&inner);
		buf_free(&b);
	}
}

/* Delimiters are searched a 1 MiB window at a time: one that straddles a
 * window's end is found all the same, at every offset across the seam. */
static void test_window_seam(void **state)
{
	fixture *f = *state;
	static const char head[] = "Subject: seam\r\nContent-Type: multipart/mixed; boundary=seam-b\r\n\r\n"
				   "--seam-b\r\nContent-Type: application/octet-stream; name=a.bin\r\n\r\n";
	size_t body0 = sizeof head - 1 - strlen("--seam-b\r\nContent-Type: application/octet-stream; name=a.bin\r\n\r\n");
	for (size_t k = 0; k < 12; k++) {
		/* the first delimiter line ends 10 bytes into the search; the
		 * part then runs to a delimiter placed k bytes before the seam */
		size_t search0 = body0 + strlen("--seam-b\r\n"), plen;
		buf b;
		char err[256], *path;
		buf_init(&b, 0);
		buf_adds(&b, head);
		plen = search0 + 1024 * 1024 - k - b.len;
		for (size_t i = 0; i < plen; i++)
			buf_add(&b, "x", 1);
		buf_adds(&b, "\r\n--seam-b\r\nContent-Type: application/octet-stream; name=b.bin\r\n\r\nb\r\n--seam-b--\r\n");
		path = write_msg(f, &b);
		assert_int_equal(mime_parse_file(path, f->dir, 4 * MAXMSG, &f->m, err, sizeof err), MIME_OK);
		assert_int_equal(f->m.natts, 2);
		assert_int_equal(f->m.atts[0].size, plen);
		assert_int_equal(f->m.atts[1].size, 1);
		assert_false(f->m.truncated);
		mime_message_free(&f->m);
		free(path);
		buf_free(&b);
	}
}

/* fmap_find_by finds what memmem finds, first match first, in text full of
 * near misses ('-' everywhere, the needle cut short), across the 1 MiB
 * windows' seams and at both ends. */
static void test_find_by(void **state)
{
	static const char needle[] = "\n--b0und";
	size_t n = 2 * FMAP_STEP + 4096, nl = sizeof needle - 1;
	char *hay = xcalloc(1, n);
	fmap m = {NULL, 0, 0};
	unsigned seed = 7;
	(void)state;
	for (int round = 0; round < 40; round++) {
		size_t at;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			hay[i] = "ab-\n-b0un"[(seed >> 16) % 10];
		}
		/* one true match, at a seam, an end or anywhere */
		seed = seed * 1103515245u + 12345u;
		at = round % 4 == 0 ? FMAP_STEP - (size_t)(round / 4) : round % 4 == 1 ? n - nl
		   : round % 4 == 2 ? 0 : (seed >> 8) % (n - nl);
		if (round % 8 != 7)
			memcpy(hay + at, needle, nl);
		for (size_t k = 0; k < nl; k++)
			assert_ptr_equal(fmap_find_by(&m, hay, n, needle, nl, k), memmem(hay, n, needle, nl));
		assert_ptr_equal(fmap_find_by(&m, hay + 5, n - 5, needle, nl, 1), memmem(hay + 5, n - 5, needle, nl));
	}
	assert_null(fmap_find_by(&m, hay, nl - 1, needle, nl, 1));
	assert_ptr_equal(fmap_find_by(&m, hay, 3, "", 0, 1), hay);
	free(hay);
}

static void test_is_archive(void **state)
{
	(void)state;
	mime_attachment a = {0};
	a.content_type = "application/octet-stream";
	a.filename = "x.TAR.GZ";
	assert_true(mime_is_archive(&a));
	a.filename = "x.pdf";
	assert_false(mime_is_archive(&a));
	a.filename = NULL;
	a.content_type = "application/vnd.rar";
	assert_true(mime_is_archive(&a));
	a.content_type = "text/plain";
	assert_false(mime_is_archive(&a));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_mixed_zip),
		T(test_nested_alternative),
		T(test_forwarded),
		T(test_encoded_forward),
		T(test_window_seam),
		T(test_octet_stream_zip),
		T(test_rfc2231_gbk),
		T(test_rfc2231_continuation),
		T(test_rfc2047_gb2312),
		T(test_raw_names),
		T(test_no_attachment),
		T(test_auto_reply),
		T(test_dsn_bounce),
		T(test_list_mail),
		T(test_missing_final_boundary),
		T(test_bad_base64),
		T(test_base64_high_bytes),
		T(test_base64_table),
		T(test_base64_encode),
		T(test_oversize_refused),
		T(test_deep_nesting),
		T(test_too_many_parts),
		T(test_decoding),
		T(test_decoding_edges),
		T(test_long_header_line),
		T(test_parse_mem),
		T(test_mbox_from_line),
		cmocka_unit_test(test_is_archive),
		cmocka_unit_test(test_find_by),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
