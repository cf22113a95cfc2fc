/* test_answer.c — who a received message is answered at, and whether
 * (answer.c), over messages read by mime.c/mime_header.c: the envelope
 * sender before From, a differing Reply-To kept apart, Sieve vacation's
 * loop guard, the recipients and the first text line, the header of a
 * message too large to read whole, and STATUS requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "answer.h"
#include "config.h"
#include "mime.h"
#include "texts.h"
#include "util.h"

#define TEMPLATES "config/templates"

typedef struct fixture {
	char dir[64];
	mime_message m;
	config conf;
	texts t;
} fixture;

static int setup(void **state)
{
	fixture *f = xcalloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-answer.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->conf.intake_address = "rra@cmes.example";
	f->conf.smtp_from = "CMES 技术资格认证中心 <centre@cmes.example>";
	f->conf.templates = TEMPLATES;
	char err[256];
	if (texts_load(&f->t, TEMPLATES, err, sizeof err) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	mime_message_free(&f->m);
	texts_free(&f->t);
	util_rmtree(f->dir);
	free(f);
	return 0;
}

/* Parses text (LF line ends become CRLF) as a whole message. */
static void parse(fixture *f, const char *text)
{
	char *path = util_path_join(f->dir, "msg.eml"), err[256];
	buf b;
	buf_init(&b, 0);
	for (const char *p = text; *p; p++)
		buf_adds(&b, *p == '\n' ? "\r\n" : (char[]){*p, 0});
	assert_int_equal(util_write_atomic(path, b.data, b.len), 0);
	mime_message_free(&f->m);
	assert_int_equal(mime_parse_file(path, f->dir, 1 << 20, &f->m, err, sizeof err), MIME_OK);
	buf_free(&b);
	free(path);
}

static void test_envelope_sender_first(void **state)
{
	fixture *f = *state;
	parse(f, "Return-Path: <Bob@Example.org>\nReturn-Path: <forged@evil.example>\n"
		 "From: Carol <carol@example.com>\nReply-To: victim@example.net\nTo: rra@cmes.example\n"
		 "Subject: x\n\nhello\n");
	/* the topmost Return-Path is the delivering server's */
	assert_string_equal(answer_address(&f->m), "bob@example.org");
	assert_string_equal(answer_other_reply_to(&f->m), "victim@example.net");
	assert_null(answer_why_not(&f->conf, &f->m, ANSWER_PACKET));
}

static void test_from_without_envelope(void **state)
{
	fixture *f = *state;
	parse(f, "From: Dave <dave@example.com>\nReply-To: Dave <DAVE@example.com>\nTo: rra@cmes.example\n\nhi\n");
	assert_string_equal(answer_address(&f->m), "dave@example.com");
	assert_null(answer_other_reply_to(&f->m));   /* the same address in another case */
}

static void test_null_return_path(void **state)
{
	fixture *f = *state;
	parse(f, "Return-Path: <>\nFrom: dave@example.com\nTo: rra@cmes.example\n\nhi\n");
	assert_null(answer_address(&f->m));
	assert_string_equal(answer_why_not(&f->conf, &f->m, ANSWER_PACKET), "bounce or delivery report");
}

static void test_robots(void **state)
{
	fixture *f = *state;
	static const char *const robots[] = {"owner-engineers@lists.example.com", "engineers-request@lists.example.com",
					     "MAILER-DAEMON@mx.example.com", "listserv@example.com",
					     "Majordomo@example.com"};
	for (size_t i = 0; i < sizeof robots / sizeof robots[0]; i++) {
		char msg[256];
		const char *why;
		snprintf(msg, sizeof msg, "Return-Path: <%s>\nFrom: someone@example.com\nTo: rra@cmes.example\n\nx\n",
			 robots[i]);
		parse(f, msg);
		why = answer_why_not(&f->conf, &f->m, ANSWER_PACKET);
		assert_non_null(why);
	}
	/* a word that merely contains them is no robot */
	parse(f, "From: requester@example.com\nTo: rra@cmes.example\n\nx\n");
	assert_null(answer_why_not(&f->conf, &f->m, ANSWER_NO_PACKET));
	parse(f, "From: co-owner-x@example.com\nTo: rra@cmes.example\n\nx\n");
	assert_null(answer_why_not(&f->conf, &f->m, ANSWER_NO_PACKET));
}

static void test_our_addresses(void **state)
{
	fixture *f = *state;
	parse(f, "From: RRA@cmes.example\nTo: rra@cmes.example\n\nx\n");
	assert_string_equal(answer_why_not(&f->conf, &f->m, ANSWER_PACKET), "mail from our own intake address");
	parse(f, "Return-Path: <centre@cmes.example>\nFrom: a@example.com\nTo: rra@cmes.example\n\nx\n");
	assert_string_equal(answer_why_not(&f->conf, &f->m, ANSWER_PACKET), "mail from our own intake address");
}

static void test_recipients(void **state)
{
	fixture *f = *state;
	const char *why;
	parse(f, "From: a@example.com\nTo: Group: x@example.com, \"Y\" <y@example.com>;, z@example.com\n"
		 "Cc: CMES <RRA@CMES.example>\nResent-To: w@example.com\n\nx\n");
	assert_int_equal(f->m.nrcpts, 5);
	assert_string_equal(f->m.rcpts[0], "x@example.com");
	assert_string_equal(f->m.rcpts[3], "rra@cmes.example");
	assert_null(answer_why_not(&f->conf, &f->m, ANSWER_NO_PACKET));
	/* a digest: the intake is not among the recipients */
	parse(f, "From: digest@lists.example.com\nTo: engineers@lists.example.com\n\nx\n");
	why = answer_why_not(&f->conf, &f->m, ANSWER_NO_PACKET);
	assert_non_null(why);
	assert_non_null(answer_why_not(&f->conf, &f->m, ANSWER_STATUS));
	assert_non_null(answer_why_not(&f->conf, &f->m, ANSWER_TOO_LARGE));
	assert_null(answer_why_not(&f->conf, &f->m, ANSWER_PACKET));   /* a packet is answered where it comes from */
	/* an unparsable field still yields its addresses */
	parse(f, "From: a@example.com\nTo: <<rra@cmes.example>>, broken\"@x\n\nx\n");
	assert_null(answer_why_not(&f->conf, &f->m, ANSWER_NO_PACKET));
}

static void test_first_line(void **state)
{
	fixture *f = *state;
	parse(f, "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
		 "Content-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: base64\n\n"
		 "DQogICDXtMysIFJSQS0yMDI2LTAwMDAwMQ0KDQrQu9C7DQo=\n--b\n"
		 "Content-Type: text/plain\n\nlater part\n--b--\n");
	assert_non_null(f->m.first_line);
	assert_string_equal(f->m.first_line, "状态 RRA-2026-000001");
}

static void test_first_line_cut(void **state)
{
	fixture *f = *state;
	buf b;
	buf_init(&b, 0);
	buf_adds(&b, "From: a@example.com\n\n");
	for (int i = 0; i < 200; i++)
		buf_adds(&b, "状");
	buf_adds(&b, "\n");
	buf_add(&b, "", 1);
	parse(f, b.data);
	buf_free(&b);
	assert_true(strlen(f->m.first_line) <= MIME_FIRST_LINE_MAX);
	assert_int_equal(strlen(f->m.first_line) % 3, 0);   /* cut between characters */
}

static void test_header_only(void **state)
{
	fixture *f = *state;
	char *path = util_path_join(f->dir, "big.eml"), err[256];
	buf b;
	buf_init(&b, 0);
	buf_adds(&b, "Return-Path: <grace@example.com>\r\nFrom: Grace <grace@example.com>\r\nTo: rra@cmes.example\r\n"
		     "Subject: =?UTF-8?B?5oiR55qE5p2Q5paZ?=\r\nMessage-ID: <big@example.com>\r\n\r\n");
	for (int i = 0; i < 1000; i++)
		buf_adds(&b, "Reply-To: not-a-header@example.com, this is the body\r\n");
	assert_int_equal(util_write_atomic(path, b.data, b.len), 0);
	assert_int_equal(mime_parse_header(path, 4096, &f->m, err, sizeof err), MIME_OK);
	assert_string_equal(f->m.message_id, "big@example.com");
	assert_string_equal(f->m.subject, "我的材料");
	assert_string_equal(answer_address(&f->m), "grace@example.com");
	assert_null(f->m.reply_to);   /* the body is never read as header */
	assert_int_equal(f->m.natts, 0);
	mime_message_free(&f->m);
	/* a header cut by the limit: the complete fields are kept */
	assert_int_equal(mime_parse_header(path, 60, &f->m, err, sizeof err), MIME_OK);
	assert_string_equal(f->m.return_path, "grace@example.com");
	assert_null(f->m.subject);
	mime_message_free(&f->m);
	assert_int_equal(mime_parse_header("/nonexistent/x.eml", 4096, &f->m, err, sizeof err), MIME_ERROR);
	assert_true(err[0] != '\0');
	buf_free(&b);
	free(path);
}

static void test_status_requests(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *subject, *body, *number;
		int status;
	} cases[] = {
		{"STATUS", "", "", 1},
		{"status", "", "", 1},
		{"状态", "", "", 1},
		{"  Status: rra-2026-000123 ", "", "RRA-2026-000123", 1},
		{"状态：RRA-2026-000123", "", "RRA-2026-000123", 1},
		{"状态／STATUS", "", "", 1},
		{"Re: hello", "STATUS RRA-2026-000007", "RRA-2026-000007", 1},
		{"", "\n\n  状态\nthanks", "", 1},
		{"Status of my application?", "", "", 0},
		{"A question", "status", "", 1},   /* the subject or else the first line */
		{"STATUS RRA-2026-12", "", "", 0},
		{"RRA-2026-000123", "", "", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char msg[512], number[32] = "x";
		int got;
		snprintf(msg, sizeof msg, "From: a@example.com\nTo: rra@cmes.example\n%s%s\n\n%s\n",
			 cases[i].subject[0] ? "Subject: " : "X-No-Subject: ", cases[i].subject, cases[i].body);
		parse(f, msg);
		got = answer_status_request(&f->t, &f->m, number);
		if (got != cases[i].status)
			fail_msg("case %zu (%s / %s): got %d", i, cases[i].subject, cases[i].body, got);
		if (got)
			assert_string_equal(number, cases[i].number);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_envelope_sender_first),
		T(test_from_without_envelope),
		T(test_null_return_path),
		T(test_robots),
		T(test_our_addresses),
		T(test_recipients),
		T(test_first_line),
		T(test_first_line_cut),
		T(test_header_only),
		T(test_status_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
