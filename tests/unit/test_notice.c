/* test_notice.c — notices from the shipped templates: placeholders filled,
 * the checklist and findings laid out in each language, the HTML part (its
 * language sections, tables, escaping, balanced tags, no script or style
 * sheet), and the built message parsed back. */
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
static texts T;   /* the shipped templates and phrases, read once as the config does */

static int setup(void **state)
{
	char err[512];
	(void)state;
	if (rules_load(&R, "config/requirements.ini", err, sizeof err) != 0 ||
	    texts_load(&T, "config/templates", err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	texts_free(&T);
	rules_free(&R);
	return 0;
}

static void test_render_ack(void **state)
{
	notice n;
	rules_var v[] = {{"application", "RRA-2026-000042"}, {"name_zh", "张伟"}, {"name_en", "ZHANG Wei"},
			 {"outcome_zh", "材料齐全"}, {"outcome_en", "complete"}, {"fee_interview", "1000"}};
	(void)state;
	assert_int_equal(notice_render(&T, "ack", v, sizeof v / sizeof v[0], &n), 0);
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
	assert_int_equal(notice_render(&T, "no_such_kind", NULL, 0, &n), -1);
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
	buf b;
	(void)state;
	buf_init(&b, 0);
	notice_html_escape(&b, "a <b> & \"c\" 'd'");
	assert_string_equal(b.data, "a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;");
	buf_free(&b);
}

/* Every element opened is closed in order (void elements aside), and no
 * text holds a raw '<' that is not a tag. Returns the first problem. */
static const char *html_balance(const char *h)
{
	static const char *const voids[] = {"br", "hr", "meta", "img", "!DOCTYPE", NULL};
	static char err[128];
	char stack[64][16];
	int depth = 0;
	for (const char *p = strchr(h, '<'); p; p = strchr(p + 1, '<')) {
		char name[16];
		size_t n = 0;
		int closing = p[1] == '/';
		const char *q = p + 1 + closing, *gt = strchr(p, '>');
		if (gt == NULL)
			return "unterminated tag";
		while (n + 1 < sizeof name && q[n] && (q[n] == '!' || (q[n] >= 'a' && q[n] <= 'z') ||
						       (q[n] >= 'A' && q[n] <= 'Z') || (q[n] >= '0' && q[n] <= '9')))
			n++;
		if (n == 0)
			return "a '<' that starts no tag";
		memcpy(name, q, n);
		name[n] = '\0';
		int is_void = 0;
		for (int i = 0; voids[i]; i++)
			is_void |= strcmp(voids[i], name) == 0;
		if (is_void)
			continue;
		if (!closing) {
			if (depth == 64)
				return "too deep";
			snprintf(stack[depth++], sizeof stack[0], "%s", name);
		} else if (depth == 0) {
			return "a closing tag with nothing open";
		} else if (strcmp(stack[--depth], name) != 0) {
			snprintf(err, sizeof err, "</%.15s> closes <%.15s>", name, stack[depth]);
			return err;
		}
	}
	return depth == 0 ? NULL : "element left open";
}

static packet hostile_packet(void)
{
	packet p;
	packet_init(&p);
	p.slots = xcalloc(2, sizeof *p.slots);
	p.slots[0] = (packet_slot){.doc = rules_doc_index(&R, "application_form"), .lang = rules_lang_index(&R, "en"),
				   .copies = 1, .required = 2};
	p.slots[1] = (packet_slot){.doc = rules_doc_index(&R, "work_experience_report"),
				   .lang = rules_lang_index(&R, "en"), .copies = 2, .required = 2};
	p.nslots = 2;
	packet_add_finding(&p, "missing_copies", SEV_ERROR, p.slots[0].doc, p.slots[0].lang,
			   "少一份 <img src=x onerror=alert(1)>", "one copy short & <b>bold</b>");
	packet_add_finding(&p, "cpd_hours", SEV_INFO, -1, -1, "共 96 学时", "96 hours");
	return p;
}

static void test_html_part(void **state)
{
	notice n;
	packet p = hostile_packet();
	char *cz = notice_checklist(&p, &R, 1), *ce = notice_checklist(&p, &R, 0);
	char *hcz = notice_checklist_html(&p, &R, &T, 1);
	char *hce = notice_checklist_html(&p, &R, &T, 0);
	char *hfz = notice_findings_html(&p, 1), *hfe = notice_findings_html(&p, 0);
	rules_var v[] = {{"application", "RRA-2026-000042"}, {"name_zh", "<script>alert(1)</script>"},
			 {"name_en", "O'Brien & \"Sons\""}, {"archive", "a<b>.zip"}, {"outcome_zh", "材料不全"},
			 {"outcome_en", "incomplete"}, {"checklist_zh", cz}, {"checklist_en", ce},
			 {"checklist_zh.html", hcz}, {"checklist_en.html", hce}, {"findings_zh", "x"},
			 {"findings_en", "y"}, {"findings_zh.html", hfz}, {"findings_en.html", hfe},
			 {"resubmission_zh", ""}, {"resubmission_en", ""}, {"next_zh", "下一步"}, {"next_en", "Next"},
			 {"fee_interview", "1000"}, {"received_at", "2026-11-02 10:00"}};
	(void)state;
	assert_int_equal(notice_render(&T, "ack", v, sizeof v / sizeof v[0], &n), 0);
	const char *bad = html_balance(n.html);
	if (bad)
		fail_msg("unbalanced HTML: %s", bad);
	/* the language sections, Chinese first */
	char *zh = strstr(n.html, "<div lang=\"zh\">"), *en = strstr(n.html, "<div lang=\"en\">");
	assert_non_null(zh);
	assert_non_null(en);
	assert_true(zh < en);
	/* no script, no style sheet, no pre-wrapped text */
	assert_null(strstr(n.html, "<script"));
	assert_null(strstr(n.html, "<img"));
	assert_null(strstr(n.html, "<style"));
	assert_null(strstr(n.html, "<b>"));
	assert_null(strstr(n.html, "pre-wrap"));
	/* values escaped where they are used */
	assert_non_null(strstr(n.html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(n.html, "O&#39;Brien &amp; &quot;Sons&quot;"));
	assert_non_null(strstr(n.html, "a&lt;b&gt;.zip"));
	assert_non_null(strstr(n.html, "少一份 &lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(n.html, "one copy short &amp; &lt;b&gt;bold&lt;/b&gt;"));
	/* the checklist as a table, the short row emphasised, in both sections */
	assert_non_null(strstr(zh, "<th align=\"left\" style=\"padding:6px 10px;border:1px solid #d0d7de;background:#f6f8fa;text-align:left\">文件</th>"));
	char *missing = strstr(zh, "#ffebe9");
	assert_non_null(missing);
	assert_true(missing < en);
	assert_non_null(strstr(missing, "✗"));
	assert_non_null(strstr(en, "#ffebe9"));
	assert_non_null(strstr(en, "Copies required"));
	/* the findings as a list */
	assert_non_null(strstr(zh, "<ol"));
	assert_non_null(strstr(n.html, "需改正"));
	assert_non_null(strstr(n.html, "to fix"));
	/* the trusted ".html" vars never reach the text part, which is unchanged */
	assert_null(strstr(n.text, "<table"));
	assert_non_null(strstr(n.text, "  ✗ 英国营运工程师学会会员申请表（英文）：收到 1 份，需要 2 份"));
	assert_non_null(strstr(n.text, "<script>alert(1)</script>"));
	notice_free(&n);
	free(cz); free(ce); free(hcz); free(hce); free(hfz); free(hfe);
	packet_free(&p);
}

static void test_html_layout(void **state)
{
	/* indented "label：value" lines and a multi-line value become tables;
	 * a heading line; the signature set apart; a value with a newline
	 * cannot break the subject line */
	const char *body = "你好：\n\n  日期：{date}\n  地点：{place}\n费用：\n{fees}\n\n中心\n"
			   "----------\n\nHello:\n\n  Date: {date}\n\nCentre\n";
	rules_var v[] = {{"date", "2026-12-10"}, {"place", "Room <1>"}, {"fees", "  面试费：1000 元\n  合计：1000 元\n"}};
	char *h = notice_html_of_template("S", body, v, 3);
	(void)state;
	assert_null(html_balance(h));
	assert_non_null(strstr(h, ">日期</th><td style=\"padding:4px 0;vertical-align:top\">2026-12-10</td>"));
	assert_non_null(strstr(h, ">地点</th><td style=\"padding:4px 0;vertical-align:top\">Room &lt;1&gt;</td>"));
	assert_non_null(strstr(h, ">面试费</th><td style=\"padding:4px 0;vertical-align:top\">1000 元</td>"));
	assert_non_null(strstr(h, "font-weight:bold\">费用："));
	assert_non_null(strstr(h, "color:#57606a\">中心</p>"));
	assert_non_null(strstr(h, ">Date</th><td style=\"padding:4px 0;vertical-align:top\">2026-12-10</td>"));
	assert_non_null(strstr(h, "<title>S</title>"));
	free(h);

	notice n;
	rules_var s[] = {{"application", "a\r\nBcc: x@example.com"}};
	assert_int_equal(notice_render(&T, "ack", s, 1, &n), 0);
	assert_non_null(strstr(n.subject, "a  Bcc"));
	assert_null(strchr(n.subject, '\n'));
	assert_null(strchr(n.subject, '\r'));
	notice_free(&n);
}

static void test_every_template_renders(void **state)
{
	/* every shipped notice gives balanced HTML with its two sections */
	static const char *const kinds[] = {"ack", "certified", "duplicate", "interview", "interview_reminder",
					    "no_packet", "no_show", "payment", "receipt", "recommended", "rejected",
					    "reregistration", "result_fail", "result_pass", "returned", NULL};
	(void)state;
	for (int i = 0; kinds[i]; i++) {
		notice n;
		assert_int_equal(notice_render(&T, kinds[i], NULL, 0, &n), 0);
		const char *bad = html_balance(n.html);
		if (bad)
			fail_msg("%s: %s", kinds[i], bad);
		assert_non_null(strstr(n.html, "<div lang=\"zh\">"));
		assert_non_null(strstr(n.html, "<div lang=\"en\">"));
		notice_free(&n);
	}
}

static void test_phrase(void **state)
{
	char *s = notice_phrase(&T, "outcome.incomplete.zh");
	char *none = notice_phrase(&T, "no.such.key");
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
	assert_int_equal(notice_render(&T, "no_packet", v, 2, &n), 0);
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
		cmocka_unit_test(test_html_part),
		cmocka_unit_test(test_html_layout),
		cmocka_unit_test(test_every_template_renders),
		cmocka_unit_test(test_phrase),
		cmocka_unit_test(test_build_parses_back),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
