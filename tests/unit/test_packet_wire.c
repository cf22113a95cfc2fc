/* test_packet_wire.c — a packet through the sandbox's wire and back: every
 * field the later stages use arrives, the long strings by offset in their
 * own bytes; bytes that are missing, not UTF-8 or hold a NUL make the
 * result no packet. */
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
	f->path = xstrdup("/work/m0002");
	snprintf(f->type, sizeof f->type, "jpeg");
	f->doc = -1;
	f->lang = -1;
	f->damaged = 1;
	f->ignored = 1;
	f->encrypted = 2;
	packet_add_finding(p, "missing_copies", SEV_ERROR, 2, 0, "缺少副本", "a copy is missing");
}

static void test_round_trip(void **state)
{
	packet p, q;
	buf strings;
	json_t *j;
	(void)state;
	make_packet(&p);
	buf_init(&strings, 0);
	j = packet_wire_dump(&p, &strings);
	assert_non_null(j);
	/* the long strings are not in the JSON */
	{
		char *text = json_dumps(j, JSON_COMPACT);
		assert_null(strstr(text, "第二行"));
		assert_null(strstr(text, "a copy is missing"));
		free(text);
	}
	/* a flag travels only when set; doc, lang and copy always (0 is a value) */
	{
		const json_t *odd = json_array_get(json_object_get(j, "files"), 1);
		assert_null(json_object_get(odd, "encrypted"));
		assert_null(json_object_get(odd, "damaged"));
		assert_null(json_object_get(odd, "from_manifest"));
		assert_null(json_object_get(odd, "ignored"));
		assert_non_null(json_object_get(odd, "doc"));
		assert_non_null(json_object_get(odd, "lang"));
		assert_non_null(json_object_get(odd, "copy"));
	}
	packet_init(&q);
	assert_int_equal(packet_wire_load(&q, j, strings.data, strings.len), 0);
	assert_int_equal(q.nfiles, 3);
	assert_string_equal(q.files[0].name, "申请表-中文-1.docx");
	assert_string_equal(q.files[0].text, "申请表\tName 张伟\n第二行");
	assert_string_equal(q.files[1].name, "odd.txt");
	assert_null(q.files[1].text);
	assert_null(q.files[2].text);
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
	assert_int_equal(q.files[0].from_manifest, 1);
	assert_int_equal(q.nfindings, 1);
	assert_string_equal(q.findings[0].message_zh, "缺少副本");
	assert_string_equal(q.findings[0].message_en, "a copy is missing");
	assert_string_equal(applicant_get(&q.app, "name_zh"), "张伟");
	assert_int_equal(q.outcome, PACKET_INCOMPLETE);
	packet_free(&q);
	json_decref(j);
	buf_free(&strings);
	packet_free(&p);
}

/* Loads p's result with bytes after its own strings and the first file's
 * text named at [off, off + n) of bytes (off counted from their start). */
static int load_with(const char *bytes, size_t len, json_int_t off, json_int_t n)
{
	packet p, q;
	buf strings;
	json_t *j, *files;
	json_int_t at;
	int rc;
	make_packet(&p);
	buf_init(&strings, 0);
	j = packet_wire_dump(&p, &strings);
	at = off < 0 || off > INT64_MAX / 2 ? off : off + (json_int_t)strings.len;
	if (len > 0)
		buf_add(&strings, bytes, len);
	files = json_object_get(j, "files");
	json_object_set_new(json_array_get(files, 0), "text", json_pack("[II]", at, n));
	packet_init(&q);
	rc = packet_wire_load(&q, j, strings.data, strings.len);
	if (rc == 0 && n > 0)
		assert_memory_equal(q.files[0].text, bytes + off, (size_t)n);
	packet_free(&q);
	json_decref(j);
	buf_free(&strings);
	packet_free(&p);
	return rc;
}

static void test_bad_strings(void **state)
{
	static const char good[] = "text 文字";
	static const char bad_utf8[] = "text \xe6\x96";
	static const char with_nul[] = "te\0xt";
	(void)state;
	assert_int_equal(load_with(good, sizeof good - 1, 0, (json_int_t)sizeof good - 1), 0);
	/* past the end, at either bound */
	assert_int_equal(load_with(good, sizeof good - 1, 1, (json_int_t)sizeof good - 1), -1);
	assert_int_equal(load_with(good, sizeof good - 1, (json_int_t)sizeof good, 0), -1);
	assert_int_equal(load_with(good, sizeof good - 1, 0, -1), -1);
	assert_int_equal(load_with(good, sizeof good - 1, INT64_MAX, 2), -1);
	/* a cut character, a NUL */
	assert_int_equal(load_with(bad_utf8, sizeof bad_utf8 - 1, 0, (json_int_t)sizeof bad_utf8 - 1), -1);
	assert_int_equal(load_with(with_nul, sizeof with_nul - 1, 0, (json_int_t)sizeof with_nul - 1), -1);
	/* nothing after the packet's own strings: an empty text is there */
	assert_int_equal(load_with(NULL, 0, 0, 1), -1);
	assert_int_equal(load_with(NULL, 0, 0, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
