/* test_packet_wire.c — a packet through the sandbox's wire and back: every
 * field the later stages use arrives; bytes cut short or followed by more,
 * a string not UTF-8, holding a NUL or longer than the bytes, or a count
 * past them make the result no packet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "packet.h"
#include "packet_wire.h"
#include "util.h"

static void make_packet(packet *p)
{
	packet_file *f;
	packet_init(p);
	applicant_set(&p->app, "name_zh", "张伟");
	applicant_set(&p->app, "email", "zhang.wei@example.com");
	p->has_manifest = 1;
	p->outcome = PACKET_INCOMPLETE;
	p->archive_name = xstrdup("packet.zip");
	f = packet_add_file(p);
	f->name = xstrdup("申请表-中文-1.docx");
	f->path = xstrdup("/work/m0001");
	f->text = xstrdup("申请表\tName 张伟\n第二行");
	f->size = 1234;
	memset(f->sha256, 'a', 64);
	snprintf(f->type, sizeof f->type, "docx");
	f->doc = 2;
	f->lang = 1;
	f->copy = 1;
	f->from_manifest = 1;
	f = packet_add_file(p);   /* a text that is not UTF-8 does not travel */
	f->name = xstrdup("odd.txt");
	f->path = xstrdup("/work/m0003");
	f->text = xstrdup("cut \xe6\x96");
	snprintf(f->type, sizeof f->type, "txt");
	f = packet_add_file(p);   /* a file without text */
	f->name = xstrdup("scan.jpg");
	f->raw_name_hex = xstrdup("c9a8");
	f->path = xstrdup("/work/m0002");
	snprintf(f->type, sizeof f->type, "jpeg");
	f->doc = -1;
	f->lang = -1;
	f->damaged = 1;
	f->ignored = 1;
	f->encrypted = 2;
	packet_add_finding(p, "missing_copies", SEV_ERROR, 2, 0, "缺少副本", "a copy is missing");
	packet_add_finding(p, "unrecognised_file", SEV_WARNING, -1, -1, "无法识别", "not recognised");
}

static void test_round_trip(void **state)
{
	packet p, q;
	buf wire;
	(void)state;
	make_packet(&p);
	buf_init(&wire, 0);
	packet_wire_dump(&p, &wire);
	assert_false(buf_error(&wire));
	packet_init(&q);
	assert_int_equal(packet_wire_load(&q, wire.data, wire.len), 0);
	assert_int_equal(q.nfiles, 3);
	assert_string_equal(q.archive_name, "packet.zip");
	assert_int_equal(q.has_manifest, 1);
	assert_string_equal(q.files[0].name, "申请表-中文-1.docx");
	assert_string_equal(q.files[0].path, "/work/m0001");
	assert_string_equal(q.files[0].text, "申请表\tName 张伟\n第二行");
	assert_string_equal(q.files[0].sha256, p.files[0].sha256);
	assert_null(q.files[0].raw_name_hex);
	assert_string_equal(q.files[1].name, "odd.txt");
	assert_null(q.files[1].text);
	assert_null(q.files[2].text);
	assert_string_equal(q.files[2].raw_name_hex, "c9a8");
	assert_string_equal(q.files[0].type, "docx");
	assert_int_equal(q.files[0].size, 1234);
	assert_int_equal(q.files[0].doc, 2);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(q.files[i].encrypted, p.files[i].encrypted);
		assert_int_equal(q.files[i].damaged, p.files[i].damaged);
		assert_int_equal(q.files[i].from_manifest, p.files[i].from_manifest);
		assert_int_equal(q.files[i].ignored, p.files[i].ignored);
		assert_int_equal(q.files[i].doc, p.files[i].doc);
		assert_int_equal(q.files[i].lang, p.files[i].lang);
		assert_int_equal(q.files[i].copy, p.files[i].copy);
	}
	assert_int_equal(q.files[2].encrypted, 2);
	assert_int_equal(q.files[2].doc, -1);
	assert_int_equal(q.files[0].from_manifest, 1);
	assert_int_equal(q.nfindings, 2);
	assert_string_equal(q.findings[0].code, "missing_copies");
	assert_int_equal(q.findings[0].severity, SEV_ERROR);
	assert_int_equal(q.findings[0].doc, 2);
	assert_int_equal(q.findings[0].lang, 0);
	assert_string_equal(q.findings[0].message_zh, "缺少副本");
	assert_string_equal(q.findings[0].message_en, "a copy is missing");
	assert_int_equal(q.findings[1].severity, SEV_WARNING);
	assert_int_equal(q.findings[1].doc, -1);
	assert_string_equal(applicant_get(&q.app, "name_zh"), "张伟");
	assert_string_equal(applicant_get(&q.app, "email"), "zhang.wei@example.com");
	assert_null(applicant_get(&q.app, "cmes_no"));
	assert_int_equal(q.outcome, PACKET_INCOMPLETE);
	packet_free(&q);
	buf_free(&wire);
	packet_free(&p);
}

/* Loads p's wire with its bytes from at changed to with[0, n) (n 0: the
 * wire cut at at) and extra bytes after it. */
static int load_changed(size_t at, const char *with, size_t n, const char *extra, size_t nextra)
{
	packet p, q;
	buf wire, changed;
	int rc;
	make_packet(&p);
	buf_init(&wire, 0);
	buf_init(&changed, 0);
	packet_wire_dump(&p, &wire);
	assert_true(at <= wire.len);
	buf_add(&changed, wire.data, at);
	if (n > 0) {
		buf_add(&changed, with, n);
		if (at + n < wire.len)
			buf_add(&changed, wire.data + at + n, wire.len - at - n);
	}
	if (nextra > 0)
		buf_add(&changed, extra, nextra);
	packet_init(&q);
	rc = packet_wire_load(&q, changed.data ? changed.data : "", changed.len);
	packet_free(&q);
	buf_free(&changed);
	buf_free(&wire);
	packet_free(&p);
	return rc;
}

/* Where the first file's text starts in the wire: after its length. */
static size_t text_at(void)
{
	packet p;
	buf wire;
	const char *t;
	size_t at;
	make_packet(&p);
	buf_init(&wire, 0);
	packet_wire_dump(&p, &wire);
	t = memmem(wire.data, wire.len, "申请表\tName", strlen("申请表\tName"));
	assert_non_null(t);
	at = (size_t)(t - wire.data);
	buf_free(&wire);
	packet_free(&p);
	return at;
}

static void test_bad_bytes(void **state)
{
	size_t text = text_at(), len;
	uint32_t huge = 0xFFFFFFF0u;
	(void)state;
	{
		packet p;
		buf wire;
		make_packet(&p);
		buf_init(&wire, 0);
		packet_wire_dump(&p, &wire);
		len = wire.len;
		buf_free(&wire);
		packet_free(&p);
	}
	/* unchanged, it loads */
	assert_int_equal(load_changed(len, NULL, 0, NULL, 0), 0);
	/* cut anywhere: in the magic, a count, a string, the last number */
	assert_int_equal(load_changed(0, NULL, 0, NULL, 0), -1);
	assert_int_equal(load_changed(2, NULL, 0, NULL, 0), -1);
	assert_int_equal(load_changed(6, NULL, 0, NULL, 0), -1);
	assert_int_equal(load_changed(text + 3, NULL, 0, NULL, 0), -1);
	assert_int_equal(load_changed(len - 1, NULL, 0, NULL, 0), -1);
	/* a byte after the last record */
	assert_int_equal(load_changed(len, NULL, 0, "x", 1), -1);
	/* another magic */
	assert_int_equal(load_changed(0, "PKW0", 4, NULL, 0), -1);
	/* in the text: bytes no UTF-8 character has, a NUL (the length unchanged) */
	assert_int_equal(load_changed(text, "\xff\xfe", 2, NULL, 0), -1);
	assert_int_equal(load_changed(text, "a\0b", 3, NULL, 0), -1);
	/* a string longer than the bytes left, and more files than there are */
	assert_int_equal(load_changed(text - 4, (const char *)&huge, 4, NULL, 0), -1);
	assert_int_equal(load_changed(4, (const char *)&huge, 4, NULL, 0), -1);
}

/* A string longer than its fixed field (a file's SHA-256, 64 characters)
 * is cut to fit, as the JSON's was. */
static void test_fixed_cut(void **state)
{
	packet p, q;
	buf wire, longer;
	const char *sha;
	uint32_t n = 70;
	char seventy[70];
	(void)state;
	make_packet(&p);
	buf_init(&wire, 0);
	buf_init(&longer, 0);
	packet_wire_dump(&p, &wire);
	sha = memmem(wire.data, wire.len, p.files[0].sha256, 64);
	assert_non_null(sha);
	memset(seventy, 'b', sizeof seventy);
	/* the length before the 64 characters, then the rest as it was */
	buf_add(&longer, wire.data, (size_t)(sha - 4 - wire.data));
	buf_add(&longer, &n, sizeof n);
	buf_add(&longer, seventy, sizeof seventy);
	buf_add(&longer, sha + 64, wire.len - (size_t)(sha + 64 - wire.data));
	packet_init(&q);
	assert_int_equal(packet_wire_load(&q, longer.data, longer.len), 0);
	assert_int_equal(strlen(q.files[0].sha256), 64);
	assert_memory_equal(q.files[0].sha256, seventy, 64);
	assert_string_equal(q.files[0].type, "docx");
	packet_free(&q);
	buf_free(&longer);
	buf_free(&wire);
	packet_free(&p);
}

/* Numbers that name nothing in the rules: the packet is not used. */
static void test_in_range(void **state)
{
	packet p;
	(void)state;
	make_packet(&p);
	/* documents 2 and -1, languages 1, 0 and -1 */
	assert_true(packet_wire_in_range(&p, 3, 2));
	assert_false(packet_wire_in_range(&p, 2, 2));
	assert_false(packet_wire_in_range(&p, 3, 1));
	p.files[2].doc = -2;
	assert_false(packet_wire_in_range(&p, 3, 2));
	p.files[2].doc = -1;
	p.files[1].copy = -1;
	assert_false(packet_wire_in_range(&p, 3, 2));
	p.files[1].copy = 0;
	p.findings[1].severity = (enum finding_severity)3;
	assert_false(packet_wire_in_range(&p, 3, 2));
	p.findings[1].severity = SEV_INFO;
	p.findings[1].lang = 2;
	assert_false(packet_wire_in_range(&p, 3, 2));
	p.findings[1].lang = -1;
	p.outcome = (enum packet_outcome)-1;
	assert_false(packet_wire_in_range(&p, 3, 2));
	p.outcome = PACKET_REJECTED;
	assert_true(packet_wire_in_range(&p, 3, 2));
	packet_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_in_range),
		cmocka_unit_test(test_fixed_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
