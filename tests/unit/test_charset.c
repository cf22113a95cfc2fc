/* test_charset.c — charset.c: GBK/GB18030 names, escapes, BOM text, RFC 2047
 * decode and encode, RFC 2231 values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "charset.h"
#include "util.h"

/* 申请表-中文-1.pdf in GBK, as Chinese Windows zip tools store it. */
static const char gbk_name[] = "\xc9\xea\xc7\xeb\xb1\xed-\xd6\xd0\xce\xc4-1.pdf";

static void test_gbk_name(void **state)
{
	(void)state;
	char *s = charset_decode_name(gbk_name, strlen(gbk_name));
	assert_non_null(s);
	assert_string_equal(s, "申请表-中文-1.pdf");
	free(s);
	s = charset_to_utf8("gb2312", gbk_name, strlen(gbk_name));
	assert_string_equal(s, "申请表-中文-1.pdf");
	free(s);
	s = charset_to_utf8("CP936", gbk_name, strlen(gbk_name));
	assert_string_equal(s, "申请表-中文-1.pdf");
	free(s);
}

static void test_gb18030_only(void **state)
{
	(void)state;
	/* U+20000 exists only in GB18030 (four-byte form); "gbk" still maps
	 * to GB18030 so it decodes. */
	static const char b[] = "\x95\x32\x82\x36.pdf";
	char *s = charset_to_utf8("gbk", b, strlen(b));
	assert_non_null(s);
	assert_string_equal(s, "\xF0\xA0\x80\x80.pdf");
	free(s);
	s = charset_decode_name(b, strlen(b));
	assert_string_equal(s, "\xF0\xA0\x80\x80.pdf");
	free(s);
}

static void test_invalid_escaped(void **state)
{
	(void)state;
	/* 0xFF is neither UTF-8 nor GB18030; NUL-free control bytes are escaped. */
	static const char b[] = "a\xff" "b\x01.txt";
	char *s = charset_decode_name(b, strlen(b));
	assert_string_equal(s, "a\\xFFb\\x01.txt");
	free(s);
	assert_null(charset_to_utf8("gbk", "\xff\xff", 2));
	assert_null(charset_to_utf8("no-such-charset-x", "abc", 3));
}

static void test_utf8_kept(void **state)
{
	(void)state;
	const char *u = "简历-英文-2.docx";
	char *s = charset_decode_name(u, strlen(u));
	assert_string_equal(s, u);
	free(s);
	s = charset_decode_name("tab\there", 8);
	assert_string_equal(s, "tab\\x09here");
	free(s);
}

static void test_text_bom(void **state)
{
	(void)state;
	/* "中a" in UTF-16LE and BE with BOMs, and UTF-8 with BOM. */
	static const char le[] = "\xff\xfe\x2d\x4e\x61\x00";
	static const char be[] = "\xfe\xff\x4e\x2d\x00\x61";
	static const char u8[] = "\xef\xbb\xbf\xe4\xb8\xad" "a";
	char *s = charset_text_to_utf8(le, 6);
	assert_string_equal(s, "中a");
	free(s);
	s = charset_text_to_utf8(be, 6);
	assert_string_equal(s, "中a");
	free(s);
	s = charset_text_to_utf8(u8, 7);
	assert_string_equal(s, "中a");
	free(s);
	s = charset_text_to_utf8(gbk_name, strlen(gbk_name));
	assert_string_equal(s, "申请表-中文-1.pdf");
	free(s);
	s = charset_text_to_utf8("caf\xe9\xff", 5); /* Latin-1 last */
	assert_string_equal(s, "café\xc3\xbf");
	free(s);
}

static void test_2047_decode(void **state)
{
	(void)state;
	char *s;
	/* GB2312 B and Q encodings of 申请表. */
	s = charset_rfc2047_decode("=?GB2312?B?yerH67HtLdbQzsQtMS5wZGY=?=");
	assert_string_equal(s, "申请表-中文-1.pdf");
	free(s);
	s = charset_rfc2047_decode("=?gb2312?Q?=C9=EA=C7=EB=B1=ED_x?=");
	assert_string_equal(s, "申请表 x");
	free(s);
	s = charset_rfc2047_decode("Re: =?UTF-8?B?55Sz6K+3?= ok");
	assert_string_equal(s, "Re: 申请 ok");
	free(s);
	/* Whitespace (and folding) between words vanishes; a GBK character
	 * split across two words is joined before conversion. */
	s = charset_rfc2047_decode("=?GBK?B?yQ==?=\r\n =?GBK?B?6g==?= =?utf-8?q?a?==?utf-8?q?b?=");
	assert_string_equal(s, "申ab");
	free(s);
	/* A malformed word stays literal; CR/LF never survive. */
	s = charset_rfc2047_decode("=?bad word?= x=?utf-8?q?=0D=0A?=");
	assert_string_equal(s, "=?bad word?= x\\x0D\\x0A");
	free(s);
	/* Unknown charset: bytes are still kept visible. */
	s = charset_rfc2047_decode("=?x-unknown?q?ab?=");
	assert_string_equal(s, "ab");
	free(s);
}

static void test_2231_decode(void **state)
{
	(void)state;
	char *s = charset_rfc2231_decode("gbk''%C9%EA%C7%EB%B1%ED-%D6%D0%CE%C4-1.pdf");
	assert_string_equal(s, "申请表-中文-1.pdf");
	free(s);
	s = charset_rfc2231_decode("UTF-8'zh'%E7%94%B3.zip");
	assert_string_equal(s, "申.zip");
	free(s);
	s = charset_rfc2231_decode("%E7%94%B3%");
	assert_string_equal(s, "申%");
	free(s);
}

static void test_2047_encode(void **state)
{
	(void)state;
	char *s = charset_rfc2047_encode("plain ascii", 9);
	assert_string_equal(s, "plain ascii");
	free(s);
	const char *subj = "注册申请受理通知 / Acknowledgement of application RRA-2026-000123 — 张伟 "
			   "申请表、简历、学历证书、职称证书、推荐信";
	s = charset_rfc2047_encode(subj, strlen("Subject: "));
	assert_non_null(s);
	/* Every line fits in 76 columns (the first after the header name). */
	size_t col = strlen("Subject: ");
	int lines = 1;
	for (const char *p = s; *p; p++) {
		if (*p == '\r') {
			assert_true(p[1] == '\n' && p[2] == ' ');
			lines++;
			col = 0;
			p++;
			continue;
		}
		assert_true((unsigned char)*p < 0x80);
		col++;
		assert_true(col <= 76);
	}
	assert_true(lines > 1);
	char *back = charset_rfc2047_decode(s);
	assert_string_equal(back, subj);
	free(back);
	free(s);
	/* A long prefix starts the value on a folded line. */
	s = charset_rfc2047_encode("中", 70);
	assert_memory_equal(s, "\r\n =?UTF-8?B?5Lit?=", 19);
	free(s);
}

/* util_utf8_valid against its definition, one code point after another by
 * util_utf8_next (which refuses overlong forms, surrogates and code points
 * over U+10FFFF): every sequence below after runs of 0 to 19 ASCII bytes,
 * so that it falls on every place of the eight-byte ASCII steps, and before
 * 0 to 3 ASCII bytes after it. */
static int utf8_valid_by_points(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = util_utf8_next(s + i, len - i, &cp);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

static void test_utf8_valid(void **state)
{
	static const struct {
		const char *bytes;
		int valid;
	} seq[] = {
		{"", 1}, {"a", 1}, {"\xe4\xb8\xad", 1}, {"\xc3\xa9", 1}, {"\xf0\x9f\x98\x80", 1},
		{"\xf4\x8f\xbf\xbf", 1}, {"\x7f", 1},
		{"\x80", 0}, {"\xbf", 0}, {"\xc0\xaf", 0}, {"\xc1\xbf", 0}, {"\xe0\x80\xaf", 0},
		{"\xed\xa0\x80", 0}, {"\xed\xbf\xbf", 0}, {"\xf4\x90\x80\x80", 0}, {"\xf8\x88\x80\x80\x80", 0},
		{"\xff", 0}, {"\xe4\xb8", 0}, {"\xe4", 0}, {"\xe4\x41\xad", 0}, {"\xf0\x9f\x98", 0},
	};
	char s[64];
	size_t checked = 0;
	(void)state;
	for (size_t k = 0; k < sizeof seq / sizeof seq[0]; k++)
		for (size_t pre = 0; pre < 20; pre++)
			for (size_t post = 0; post < 4; post++) {
				size_t n = strlen(seq[k].bytes), len = pre + n + post;
				memset(s, 'x', pre);
				memcpy(s + pre, seq[k].bytes, n);
				memset(s + pre + n, 'y', post);
				assert_int_equal(util_utf8_valid(s, len), seq[k].valid);
				assert_int_equal(util_utf8_valid(s, len), utf8_valid_by_points(s, len));
				checked++;
			}
	assert_int_equal(checked, sizeof seq / sizeof seq[0] * 80);
	/* a NUL is a code point; the length, not a terminator, ends the text */
	assert_true(util_utf8_valid("ab\0cd", 5));
	assert_false(util_utf8_valid("abcdefgh\x80", 9));
	assert_true(util_utf8_valid("abcdefgh\x80", 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gbk_name),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_gb18030_only),
		cmocka_unit_test(test_invalid_escaped),
		cmocka_unit_test(test_utf8_kept),
		cmocka_unit_test(test_text_bom),
		cmocka_unit_test(test_2047_decode),
		cmocka_unit_test(test_2231_decode),
		cmocka_unit_test(test_2047_encode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
