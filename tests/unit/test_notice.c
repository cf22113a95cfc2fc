/* test_notice.c — notices from the shipped templates: placeholders filled,
 * the checklist and findings laid out in each language, HTML escaped, and
 * the built message parsed back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mailmsg.h"
#include "mime.h"
#include "notice.h"
#include "packet.h"
#include "rules.h"
#include "util.h"

static rules R;

static int setup(void **state)
{
	char err[512];
	(void)state;
	if (rules_load(&R, "config/requirements.ini", err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rules_free(&R);
	return 0;
}

static void test_render_ack(void **state)
{
	notice n;
	rules_var v[] = {{"application", "RRA-2026-000042"}, {"name_zh", "张伟"}, {"name_en", "ZHANG Wei"},
			 {"outcome_zh", "材料齐全"}, {"outcome_en", "complete"}, {"fee_interview", "1000"}};
	(void)state;
	assert_int_equal(notice_render("config/templates", "ack", v, sizeof v / sizeof v[0], &n), 0);
	assert_non_null(strstr(n.subject, "RRA-2026-000042"));
	assert_non_null(strstr(n.subject, "材料齐全"));
	assert_non_null(strstr(n.subject, "complete"));
	/* Chinese first, then English */
	char *zh = strstr(n.text, "张伟"), *en = strstr(n.text, "Dear ZHANG Wei");
	assert_non_null(zh);
	assert_non_null(en);
	assert_true(zh < en);
	assert_non_null(strstr(n.text, "1000"));
	assert_null(strstr(n.text, "{application}"));
	assert_non_null(strstr(n.html, "<html>"));
	notice_free(&n);
}

static void test_missing_template(void **state)
{
	notice n;
	(void)state;
	assert_int_equal(notice_render("config/templates", "no_such_kind", NULL, 0, &n), -1);
}

static void test_checklist_and_findings(void **state)
{
	packet p;
	packet_slot slots[2];
	(void)state;
	packet_init(&p);
	slots[0] = (packet_slot){.doc = rules_doc_index(&R, "application_form"), .lang = rules_lang_index(&R, "en"),
				 .copies = 1, .required = 2};
	slots[1] = (packet_slot){.doc = rules_doc_index(&R, "work_experience_report"),
				 .lang = rules_lang_index(&R, "en"), .copies = 2, .required = 2};
	p.slots = xcalloc(2, sizeof *p.slots);
	memcpy(p.slots, slots, sizeof slots);
	p.nslots = 2;
	packet_add_finding(&p, "missing_copies", SEV_ERROR, slots[0].doc, slots[0].lang, "少一份", "one copy short");
	char *zh = notice_checklist(&p, &R, 1), *en = notice_checklist(&p, &R, 0);
	char *fz = notice_findings(&p, 1), *fe = notice_findings(&p, 0);
	assert_non_null(strstr(zh, "✗ 英国营运工程师学会会员申请表（英文）：收到 1 份，需要 2 份"));
	assert_non_null(strstr(zh, "✓ 工作经历报告（英文）：收到 2 份，需要 2 份"));
	assert_non_null(strstr(en, "✗ SOE membership application form (English): 1 of 2 copies"));
	assert_non_null(strstr(fz, "1. [需改正] 少一份"));
	assert_non_null(strstr(fe, "1. [to fix] one copy short"));
	free(zh);
	free(en);
	free(fz);
	free(fe);
	packet_free(&p);
}

static void test_html_escapes(void **state)
{
	char *h = notice_html_of_text("a <b> & \"c\"");
	(void)state;
	assert_non_null(strstr(h, "a &lt;b&gt; &amp; &quot;c&quot;"));
	assert_null(strstr(h, "<b>"));
	free(h);
}

static void test_phrase(void **state)
{
	char *s = notice_phrase("config/templates", "outcome.incomplete.zh");
	char *none = notice_phrase("config/templates", "no.such.key");
	(void)state;
	assert_string_equal(s, "材料不全，需要补充");
	assert_string_equal(none, "");
	free(s);
	free(none);
}

static void test_build_parses_back(void **state)
{
	notice n;
	notice_mail m;
	char *id = NULL, tmpl[] = "/tmp/test_notice.XXXXXX", *dir, *path, err[128];
	size_t len = 0;
	mime_message parsed;
	rules_var v[] = {{"subject", "你好"}, {"received_at", "2026-11-02 09:00"}};
	(void)state;
	assert_int_equal(notice_render("config/templates", "no_packet", v, 2, &n), 0);
	memset(&m, 0, sizeof m);
	m.from = "CMES 技术资格认证中心 <rra@cmes.example>";
	m.to = "zhang.wei@example.com";
	m.in_reply_to = "orig@example.com";
	m.references = "<orig@example.com>";
	m.auto_submitted = "auto-replied";
	m.domain = "cmes.example";
	m.date = 1793000000;
	char *msg = notice_build(&n, &m, &id, &len);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "Auto-Submitted: auto-replied"));
	assert_non_null(strstr(msg, "In-Reply-To: <orig@example.com>"));
	dir = mkdtemp(tmpl);
	assert_non_null(dir);
	path = util_path_join(dir, "msg.eml");
	assert_int_equal(util_write_atomic(path, msg, len), 0);
	assert_int_equal(mime_parse_file(path, dir, 1 << 20, &parsed, err, sizeof err), MIME_OK);
	assert_string_equal(parsed.message_id, id);
	assert_non_null(strstr(parsed.subject, "未找到申请材料压缩包"));
	mime_message_free(&parsed);
	util_rmtree(dir);
	free(path);
	free(msg);
	free(id);
	notice_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_ack),
		cmocka_unit_test(test_missing_template),
		cmocka_unit_test(test_checklist_and_findings),
		cmocka_unit_test(test_html_escapes),
		cmocka_unit_test(test_phrase),
		cmocka_unit_test(test_build_parses_back),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
