/* test_mailmsg.c — mailmsg.c: messages built and read back with mime.c;
 * 7-bit output, CRLF only, line lengths, header encodings, Message-IDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libetpan/libetpan.h>

#include "mailmsg.h"
#include "mime.h"
#include "util.h"

static const char csv[] = "\xef\xbb\xbf申请编号,姓名,结果\r\nRRA-2026-000123,张伟,受理\r\n";

/* Every byte 7-bit, every line ended by CRLF, no line over max bytes. */
static void assert_wire_format(const char *msg, size_t len, size_t max)
{
	size_t col = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)msg[i];
		assert_true(c < 0x80 && c != 0);
		if (c == '\n') {
			assert_true(i > 0 && msg[i - 1] == '\r');
			col = 0;
			continue;
		}
		if (c == '\r')
			assert_true(i + 1 < len && msg[i + 1] == '\n');
		else if (++col > max)
			fail_msg("line over %zu bytes at offset %zu", max, i);
	}
	assert_int_equal(col, 0);
}

static char *header_end(const char *msg)
{
	char *e = strstr(msg, "\r\n\r\n");
	assert_non_null(e);
	return e;
}

static void parse_back(const char *msg, size_t len, char *dir, size_t dirlen, mime_message *m)
{
	char err[256];
	char *path;
	snprintf(dir, dirlen, "/tmp/test-mailmsg.XXXXXX");
	assert_non_null(mkdtemp(dir));
	path = util_path_join(dir, "msg.eml");
	assert_int_equal(util_write_atomic(path, msg, len), 0);
	assert_int_equal(mime_parse_file(path, dir, 1 << 20, m, err, sizeof(err)), MIME_OK);
	free(path);
}

static void test_round_trip(void **state)
{
	(void)state;
	mailmsg_attachment att = {"受理回执-张伟-RRA-2026-000123-申请材料清单.csv", "text/csv", csv,
				  sizeof(csv) - 1};
	mailmsg m = {0};
	mime_message back = {0};
	char dir[64], *msg, *data;
	size_t len, dlen;

	m.from = "机械工程学会认证中心 <intake@cmes.example.org>";
	m.to = "张伟 <zhang.wei@example.com>, \"Li, Na\" <li.na@example.com>";
	m.subject = "注册申请受理通知 RRA-2026-000123 / Acknowledgement of your CEng application "
		    "— 张伟（江苏省机械工程学会）";
	m.message_id = "ack.RRA-2026-000123@cmes.example.org";
	m.in_reply_to = "m1@example.com";
	m.references = "<m0@example.com> <m1@example.com>";
	m.auto_submitted = "auto-replied";
	m.date = 1772326800; /* 2026-03-01T01:00:00Z */
	m.text = "张伟 您好：\n您的申请已受理。\n\nDear ZHANG Wei,\nyour application has been received.\n";
	m.html = "<p>张伟 您好：您的申请已受理。</p><p>Dear ZHANG Wei</p>";
	m.atts = &att;
	m.natts = 1;

	msg = mailmsg_build(&m, &len);
	assert_non_null(msg);
	assert_int_equal(strlen(msg), len);
	assert_wire_format(msg, len, 78);
	*header_end(msg) = '\0';
	assert_non_null(strstr(msg, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(msg, "Date: Sun, 1 Mar 2026 01:00:00 +0000\r\n"));
	assert_non_null(strstr(msg, "\r\nAuto-Submitted: auto-replied\r\n"));
	assert_non_null(strstr(msg, "\r\nX-Auto-Response-Suppress: All\r\n"));
	assert_non_null(strstr(msg, "\r\nIn-Reply-To: <m1@example.com>\r\n"));
	assert_non_null(strstr(msg, "\r\nMessage-ID: <ack.RRA-2026-000123@cmes.example.org>\r\n"));
	/* The ASCII display name is quoted, the address kept as is. */
	assert_non_null(strstr(msg, "\"Li, Na\" <li.na@example.com>"));
	msg[strlen(msg)] = '\r';

	parse_back(msg, len, dir, sizeof(dir), &back);
	assert_string_equal(back.subject, m.subject);
	assert_string_equal(back.from_name, "机械工程学会认证中心");
	assert_string_equal(back.from_addr, "intake@cmes.example.org");
	assert_string_equal(back.message_id, m.message_id);
	assert_string_equal(back.in_reply_to, "<m1@example.com>");
	assert_string_equal(back.references, "<m0@example.com> <m1@example.com>");
	assert_true(back.auto_submitted);
	assert_false(back.truncated);
	assert_int_equal(back.natts, 1);
	assert_string_equal(back.atts[0].filename, att.filename);
	assert_string_equal(back.atts[0].content_type, "text/csv");
	assert_int_equal(util_read_file(back.atts[0].path, 1 << 20, &data, &dlen), 0);
	assert_int_equal(dlen, att.len);
	assert_memory_equal(data, csv, dlen);
	free(data);
	mime_message_free(&back);
	util_rmtree(dir);
	free(msg);
}

static void test_plain_text_body(void **state)
{
	(void)state;
	mailmsg m = {0};
	char *msg, *body, *dec = NULL;
	size_t len, idx = 0, dlen = 0;

	m.from = "intake@cmes.example.org";
	m.to = "zhang.wei@example.com";
	m.subject = "Plain subject";
	m.message_id = "p1@cmes.example.org";
	m.date = 1772326800;
	m.text = "第一行\n第二行 with ASCII\n";
	msg = mailmsg_build(&m, &len);
	assert_non_null(msg);
	assert_wire_format(msg, len, 78);
	body = header_end(msg);
	*body = '\0';
	assert_non_null(strstr(msg, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
	assert_non_null(strstr(msg, "\r\nSubject: Plain subject\r\n"));
	assert_non_null(strstr(msg, "\r\nFrom: intake@cmes.example.org\r\n"));
	assert_null(strstr(msg, "Auto-Submitted"));
	assert_null(strstr(msg, "multipart"));
	body += 4;
	assert_int_equal(mailmime_part_parse(body, strlen(body), &idx, MAILMIME_MECHANISM_BASE64,
					     &dec, &dlen), MAILIMF_NO_ERROR);
	assert_int_equal(dlen, strlen(m.text));
	assert_memory_equal(dec, m.text, dlen);
	mmap_string_unref(dec);
	free(msg);
}

static void test_hostile_header_values(void **state)
{
	(void)state;
	mailmsg m = {0};
	mime_message back = {0};
	char dir[64], *msg, *subj, *refs, *longid;
	size_t len;
	buf b;

	/* A 2500-byte ASCII subject with one 2000-byte word, a reference of
	 * 2000 bytes, CR/LF in the subject: no header line may pass 998. */
	buf_init(&b, 0);
	for (int i = 0; i < 100; i++)
		buf_adds(&b, "word ");
	for (int i = 0; i < 2000; i++)
		buf_add(&b, "x", 1);
	buf_adds(&b, "\r\nBcc: victim@example.com");
	subj = buf_steal(&b);
	longid = xcalloc(1, 2001);
	memset(longid, 'r', 2000);
	buf_printf(&b, "<a@b> <%s> <c@d>", longid);
	refs = buf_steal(&b);
	m.from = "\"Intake\r\nBcc: x@y\" <intake@cmes.example.org>";
	m.to = "zhang.wei@example.com";
	m.subject = subj;
	m.references = refs;
	m.in_reply_to = longid;
	m.text = "x";
	msg = mailmsg_build(&m, &len);
	assert_non_null(msg);
	assert_wire_format(msg, len, 998);
	*header_end(msg) = '\0';
	assert_null(strstr(msg, "\r\nBcc:"));
	assert_null(strstr(msg, "In-Reply-To"));
	assert_non_null(strstr(msg, "References: <a@b> <c@d>\r\n"));
	/* A fresh Message-ID in the sender's domain when none is given. */
	assert_non_null(strstr(msg, "@cmes.example.org>\r\n"));
	msg[strlen(msg)] = '\r';
	parse_back(msg, len, dir, sizeof(dir), &back);
	assert_non_null(back.subject);
	assert_int_equal(strncmp(back.subject, "word word", 9), 0);
	mime_message_free(&back);
	util_rmtree(dir);
	free(msg);
	free(subj);
	free(refs);
	free(longid);
}

/* Simple parameters of an attachment's type survive (a calendar needs its
 * method, a CSV its charset); anything needing quotes is cut off. */
static void test_attachment_type_parameters(void **state)
{
	mailmsg m;
	mailmsg_attachment att[2] = {
		{.filename = "i.ics", .content_type = "text/calendar; charset=UTF-8; method=PUBLISH",
		 .data = "BEGIN:VCALENDAR", .len = 15},
		{.filename = "x.csv", .content_type = "text/csv\"; name=\"evil\r\nX-Injected: 1", .data = "a", .len = 1},
	};
	size_t len = 0;
	char *msg;
	(void)state;
	memset(&m, 0, sizeof m);
	m.from = "rra@cmes.example";
	m.to = "a@example.com";
	m.subject = "s";
	m.text = "t";
	m.atts = att;
	m.natts = 2;
	msg = mailmsg_build(&m, &len);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "\r\nContent-Type: text/calendar; charset=UTF-8; method=PUBLISH;\r\n name=\"i.ics\""));
	assert_non_null(strstr(msg, "\r\nContent-Type: text/csv;\r\n name=\"x.csv\""));
	assert_null(strstr(msg, "X-Injected"));
	free(msg);
}

static void test_new_id(void **state)
{
	(void)state;
	char *a = mailmsg_new_id("cmes.example.org");
	char *b = mailmsg_new_id(NULL);
	assert_non_null(strstr(a, "@cmes.example.org"));
	assert_non_null(strstr(b, "@localhost"));
	assert_null(strchr(a, '<'));
	assert_null(strchr(a, '>'));
	assert_non_null(strchr(a, '.'));
	assert_string_not_equal(a, b);
	assert_int_not_equal(strncmp(a, b, 24), 0);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_plain_text_body),
		cmocka_unit_test(test_hostile_header_values),
		cmocka_unit_test(test_attachment_type_parameters),
		cmocka_unit_test(test_new_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
