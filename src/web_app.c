/* web_app.c — one application on the desk (web_p.h): its page (applicant,
 * checklist with every file, findings, fees and payments, interview
 * plans, notices sent with their text, history, and the officer's forms
 * for what its state allows), the actions those forms post, the files by
 * id, and the JSON API.
 *
 * An action runs the same workflow function as the command of the same
 * name (workflow.h), in the same transaction with its notice, and records
 * the logged-in user as `by`. Its form fields are the command's options:
 * a missing or contradictory field is 400 (the command's usage error), a
 * refusal of the state or of a value 409 with the command's message.
 */
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "charset.h"
#include "cli_centre.h"
#include "clock.h"
#include "fees.h"
#include "log.h"
#include "pjson.h"
#include "store_desk.h"
#include "web_p.h"
#include "workflow.h"

/* ---- notices: the text part of our own MIME messages ---- */

/* The decoded text/plain part of a message mailmsg built (base64 bodies,
 * CRLF); NULL when there is none. Caller frees. */
static char *notice_text(const char *msg)
{
	const char *p = msg ? strcasestr(msg, "Content-Type: text/plain") : NULL, *end;
	buf b;
	unsigned acc = 0;
	int bits = 0;
	if (p == NULL || (p = strstr(p, "\r\n\r\n")) == NULL)
		return NULL;
	p += 4;
	end = strstr(p, "\r\n--");
	if (end == NULL)
		end = p + strlen(p);
	buf_init(&b, 4u << 20);
	for (; p < end; p++) {
		int v = util_base64_value((unsigned char)*p);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			char c = (char)((acc >> (bits - 8)) & 0xFF);
			bits -= 8;
			buf_add(&b, &c, 1);
			if (buf_error(&b) != 0)
				break;  /* a preview shows what fits */
		}
	}
	return buf_steal(&b);
}

/* The decoded Subject header; caller frees. */
static char *notice_subject(const char *msg)
{
	const char *p = msg ? strstr(msg, "\r\nSubject: ") : NULL;
	buf raw;
	char *out;
	if (p == NULL)
		return xstrdup("");
	p += 11;
	buf_init(&raw, 4096);
	/* unfold: a CRLF followed by blank continues the header */
	while (*p && !(p[0] == '\r' && p[1] == '\n' && p[2] != ' ' && p[2] != '\t')) {
		if (*p != '\r' && *p != '\n')
			buf_add(&raw, p, 1);
		if (buf_error(&raw) != 0)
			break;
		p++;
	}
	out = charset_rfc2047_decode(raw.data ? raw.data : "");
	buf_free(&raw);
	return out ? out : xstrdup("");
}

/* ---- the page ---- */

static void cell(buf *b, const char *v)
{
	buf_adds(b, "<td>");
	web_esc(b, v);
	buf_adds(b, "</td>");
}

static void section_applicant(buf *b, const store_application *a)
{
	buf_adds(b, "<h2>申请人 / Applicant</h2>\n<table id=\"applicant\">");
	for (size_t i = 0; i < APPLICANT_NFIELDS; i++) {
		const char *v = applicant_get(&a->app, applicant_field_names[i]);
		if (v == NULL)
			continue;
		buf_adds(b, "<tr><th>");
		web_esc(b, applicant_field_names[i]);
		buf_adds(b, "</th>");
		cell(b, v);
		buf_adds(b, "</tr>");
	}
	buf_adds(b, "</table>\n");
}

static void file_link(buf *b, const store_desk_file_row *f)
{
	buf_printf(b, "<a href=\"/files/%lld\">", (long long)f->id);
	web_esc(b, f->name);
	buf_adds(b, "</a> <small>");
	web_esc(b, f->type);
	buf_printf(b, ", %lld B", (long long)f->size);
	if (f->copy != 0)
		buf_printf(b, ", 第 %ld 份 / copy %ld", f->copy, f->copy);
	buf_adds(b, "</small>");
}

static void section_checklist(web *w, buf *b, int64_t id)
{
	const rules *r = w->r;
	store_desk_file_list f;
	if (store_desk_files(w->db, id, &f) != 0)
		return;
	buf_adds(b, "<h2>材料清单 / Checklist</h2>\n<table id=\"checklist\"><tr><th>材料 / document</th><th>语言 / language</th>"
		    "<th>份数 / copies</th><th>文件 / files</th></tr>\n");
	for (size_t d = 0; d < r->ndocs; d++) {
		for (size_t l = 0; l < r->nlangs; l++) {
			int copies = 0;
			buf files;
			if (!(r->docs[d].langs & (1u << l)))
				continue;
			buf_init(&files, 0);
			for (size_t i = 0; i < f.n; i++) {
				if (f.rows[i].superseded != 0 || strcmp(f.rows[i].doc, r->docs[d].code) != 0 ||
				    strcmp(f.rows[i].lang, r->langs[l].code) != 0)
					continue;
				copies++;
				buf_adds(&files, files.len ? "<br>" : "");
				file_link(&files, &f.rows[i]);
			}
			buf_adds(b, "<tr><td>");
			web_esc(b, r->docs[d].name_zh);
			buf_adds(b, " / ");
			web_esc(b, r->docs[d].name_en);
			buf_adds(b, "</td><td>");
			web_esc(b, r->langs[l].code);
			buf_printf(b, "</td><td class=\"n\">%d / %d</td><td>%s</td></tr>\n", copies, r->docs[d].copies,
				   files.data ? files.data : "");
			buf_free(&files);
		}
	}
	buf_adds(b, "</table>\n<h3>其他文件 / Other and replaced files</h3>\n<ul>");
	for (size_t i = 0; i < f.n; i++) {
		int sup = f.rows[i].superseded != 0;
		if (!sup && *f.rows[i].doc && *f.rows[i].lang)
			continue;
		buf_printf(b, "<li%s>", sup ? " class=\"sup\"" : "");
		file_link(b, &f.rows[i]);
		buf_adds(b, sup ? " — 已被替换 / replaced" : " — 未识别 / unrecognised");
		buf_adds(b, "</li>");
	}
	buf_adds(b, "</ul>\n");
	store_desk_file_list_free(&f);
}

static void section_findings(buf *b, const store_application *a)
{
	buf_adds(b, "<h2>审核意见 / Findings</h2>\n<table id=\"findings\"><tr><th>级别 / severity</th><th>代码 / code</th>"
		    "<th>中文</th><th>English</th></tr>\n");
	for (size_t i = 0; i < a->nfindings; i++) {
		buf_adds(b, "<tr>");
		cell(b, finding_severity_name(a->findings[i].severity));
		cell(b, a->findings[i].code);
		cell(b, a->findings[i].message_zh);
		cell(b, a->findings[i].message_en);
		buf_adds(b, "</tr>\n");
	}
	buf_adds(b, "</table>\n");
}

/* The fee ledger (one line per item and period, as notices, `show` and
 * `pay` read it) and the payments; fills owed[] for the pay form: the
 * known amount outstanding per item, or FEES_UNKNOWN when it is due at the
 * society's own rate. */
static void section_fees(web *w, buf *b, const store_application *a, const web_req *q, long owed[FEES_NITEMS])
{
	fees f;
	store_desk_payment_list t;
	memset(owed, 0, sizeof(long) * FEES_NITEMS);
	buf_adds(b, "<h2>费用 / Fees</h2>\n");
	if (fees_of_application(w->db, w->r, a, q->now, &f) == 0) {
		buf_adds(b, "<table id=\"fees\"><tr><th>项目 / item</th><th>期间 / period</th><th>应缴 / due</th>"
			    "<th>已缴 / paid</th><th>未缴 / outstanding</th></tr>\n");
		for (size_t i = 0; i < f.nlines; i++) {
			const fees_line *l = &f.lines[i];
			long out = fees_line_outstanding(l);
			buf_printf(b, "<tr><td>%s</td>", fees_item_names[l->item]);
			if (l->year == 0)
				buf_adds(b, "<td>首次 / first</td>");
			else
				buf_printf(b, "<td>第 %d 年 / year %d</td>", l->year, l->year);
			if (l->due == FEES_UNKNOWN)
				buf_adds(b, "<td>按省学会标准 / society's rate</td>");
			else
				buf_printf(b, "<td class=\"n\">%ld</td>", l->due);
			buf_printf(b, "<td class=\"n\">%ld</td>", l->paid);
			if (out == FEES_UNKNOWN)
				buf_adds(b, "<td>按省学会标准 / society's rate</td></tr>\n");
			else
				buf_printf(b, "<td class=\"n\">%ld</td></tr>\n", out);
		}
		buf_printf(b, "<tr><th colspan=\"4\">合计未缴 / total outstanding</th><td class=\"n\">%ld%s</td></tr></table>\n",
			   fees_total_outstanding(&f), fees_unknown(&f) ? " + 学会标准 / society's rate" : "");
		for (int i = 0; i < FEES_NITEMS; i++)
			owed[i] = f.unknown[i] ? FEES_UNKNOWN : fees_outstanding(&f, i);
	}
	if (store_desk_payments(w->db, a->id, &t) == 0) {
		buf_adds(b, "<h3>缴费记录 / Payments</h3>\n<table id=\"payments\"><tr><th>时间 / at</th><th>项目 / item</th>"
			    "<th>金额 / yuan</th><th>凭据 / ref</th><th>记录人 / by</th></tr>\n");
		for (size_t r = 0; r < t.n; r++) {
			const store_desk_payment *y = &t.rows[r];
			char when[64], amount[32];
			web_local_time(w, y->at, when, sizeof when);
			snprintf(amount, sizeof amount, "%ld", y->amount);
			buf_adds(b, "<tr>");
			cell(b, when);
			cell(b, y->item);
			cell(b, amount);
			cell(b, y->ref);
			cell(b, y->by);
			buf_adds(b, "</tr>\n");
		}
		buf_adds(b, "</table>\n");
		store_desk_payment_list_free(&t);
	}
}

static void section_interviews(web *w, buf *b, int64_t id)
{
	store_desk_interview_list t;
	if (store_desk_interviews(w->db, id, &t) != 0)
		return;
	buf_adds(b, "<h2>面试 / Interview</h2>\n");
	if (t.n == 0)
		buf_adds(b, "<p>未安排 / Not planned.</p>\n");
	else
		buf_adds(b, "<table id=\"interviews\"><tr><th>安排于 / planned at</th><th>面试时间 / starts</th>"
			    "<th>分钟 / minutes</th><th>地点 / place</th><th>安排人 / by</th></tr>\n");
	for (size_t r = 0; r < t.n; r++) {
		const store_desk_interview *v = &t.rows[r];
		char made[64], starts[64], minutes[32];
		web_local_time(w, v->created_at, made, sizeof made);
		web_local_time(w, v->starts_at, starts, sizeof starts);
		snprintf(minutes, sizeof minutes, "%ld", v->minutes);
		buf_printf(b, "<tr%s>", r + 1 < t.n ? " class=\"sup\"" : "");
		cell(b, made);
		cell(b, starts);
		cell(b, minutes);
		cell(b, v->place);
		cell(b, v->by);
		buf_adds(b, "</tr>\n");
	}
	if (t.n)
		buf_adds(b, "</table>\n");
	store_desk_interview_list_free(&t);
}

static void section_notices(web *w, buf *b, int64_t id)
{
	store_desk_notice_list t;
	if (store_desk_notices(w->db, id, &t) != 0)
		return;
	buf_printf(b, "<h2>已发通知 / Notices (%zu)</h2>\n", t.n);
	for (size_t r = 0; r < t.n; r++) {
		const store_desk_notice *o = &t.rows[r];
		char when[64];
		char *subject = notice_subject(o->body);
		char *text = notice_text(o->body);
		web_local_time(w, o->created_at, when, sizeof when);
		buf_adds(b, "<details class=\"notice\"><summary>");
		web_esc(b, when);
		buf_adds(b, " — <b>");
		web_esc(b, o->kind);
		buf_adds(b, "</b> → ");
		web_esc(b, o->recipients);
		buf_adds(b, " [");
		web_esc(b, o->state);
		if (*o->last_error) {
			buf_adds(b, ": ");
			web_esc(b, o->last_error);
		}
		buf_adds(b, "] ");
		web_esc(b, subject);
		buf_adds(b, "</summary><pre class=\"notice\">");
		web_esc(b, text ? text : "");
		buf_adds(b, "</pre></details>\n");
		free(subject);
		free(text);
	}
	store_desk_notice_list_free(&t);
}

static void section_history(web *w, buf *b, int64_t id)
{
	store_history_list t;
	if (store_wf_history(w->db, id, &t) != 0)
		return;
	buf_adds(b, "<h2>历史 / History</h2>\n<table id=\"history\"><tr><th>时间 / at</th><th>从 / from</th><th>到 / to</th>"
		    "<th>人 / by</th><th>事件 / event</th><th>原因 / reason</th></tr>\n");
	for (size_t r = 0; r < t.n; r++) {
		const store_history_row *h = &t.rows[r];
		char when[64];
		web_local_time(w, h->at ? h->at : "", when, sizeof when);
		buf_adds(b, "<tr>");
		cell(b, when);
		cell(b, h->from ? h->from : "");
		cell(b, h->to ? h->to : "");
		cell(b, h->by ? h->by : "");
		cell(b, h->event ? h->event : "");
		cell(b, h->reason ? h->reason : "");
		buf_adds(b, "</tr>\n");
	}
	buf_adds(b, "</table>\n");
	store_history_list_free(&t);
}

/* One action form: opens it with its title; the caller adds the inputs
 * and closes it with form_close. */
static void form_open(buf *b, const web_req *q, const char *number, const char *action, const char *title)
{
	buf_printf(b, "<form method=\"post\" class=\"act\" action=\"/applications/%s/%s\"><h3>", number, action);
	web_esc(b, title);
	buf_adds(b, "</h3>");
	web_csrf_input(q, b);
}

static void form_close(buf *b, const char *button, int warn)
{
	buf_printf(b, "<button type=\"submit\"%s>", warn ? " class=\"warn\"" : "");
	web_esc(b, button);
	buf_adds(b, "</button></form>\n");
}

static void section_actions(web *w, buf *b, const web_req *q, const store_application *a, const long owed[FEES_NITEMS])
{
	const char *s = a->state, *n = a->number;
	int any = 0;
	buf_adds(b, "<h2>操作 / Actions</h2>\n<section class=\"actions\">\n");
	if (strcmp(s, "complete") == 0 || strcmp(s, "centre_review") == 0) {
		form_open(b, q, n, "review", "初审通过 / Review: approve");
		buf_adds(b, "<input type=\"hidden\" name=\"approve\" value=\"1\">");
		form_close(b, "推荐 / Approve", 0);
		form_open(b, q, n, "review", "初审退回 / Review: return");
		buf_adds(b, "<label>原因 / Reason<textarea name=\"return\" required maxlength=\"2000\"></textarea></label>");
		form_close(b, "退回 / Return", 1);
		any = 1;
	}
	/* the interview is planned once SOEHK has accepted */
	int accepted = strcmp(s, "soehk_review") == 0 &&
		       store_wf_event_since_entry(w->db, a->id, "soehk_review", "soehk_accept") == 1;
	if (strcmp(s, "soehk_review") == 0) {
		if (!accepted) {
			form_open(b, q, n, "soehk", "SOEHK 接受 / SOEHK: accept");
			buf_adds(b, "<input type=\"hidden\" name=\"accept\" value=\"1\">");
			form_close(b, "接受 / Accept", 0);
		}
		form_open(b, q, n, "soehk", "SOEHK 退回 / SOEHK: return");
		buf_adds(b, "<label>反馈 / Feedback<textarea name=\"return\" required maxlength=\"2000\"></textarea></label>");
		form_close(b, "退回 / Return", 1);
		any = 1;
	}
	if (accepted || strcmp(s, "interview_planned") == 0 || strcmp(s, "no_show") == 0) {
		char tz[128];
		snprintf(tz, sizeof tz, "%s", w->conf->timezone);
		form_open(b, q, n, "interview",
			  strcmp(s, "interview_planned") == 0 ? "改期 / Move the interview" : "安排面试 / Plan the interview");
		buf_adds(b, "<label>时间 / At (");
		web_esc(b, tz);
		buf_adds(b, ")<input type=\"datetime-local\" name=\"at\" required></label>"
			    "<label>地点 / Place<input name=\"place\" required maxlength=\"500\"></label>"
			    "<label>分钟 / Minutes<input type=\"number\" name=\"minutes\" min=\"45\" max=\"75\" value=\"60\"></label>");
		form_close(b, "保存 / Save", 0);
		any = 1;
	}
	if (strcmp(s, "interview_planned") == 0) {
		form_open(b, q, n, "result", "面试结果 / Interview result");
		buf_adds(b, "<input type=\"hidden\" name=\"pass\" value=\"1\">");
		form_close(b, "通过 / Pass", 0);
		form_open(b, q, n, "result", "面试结果 / Interview result");
		buf_adds(b, "<input type=\"hidden\" name=\"fail\" value=\"1\">");
		form_close(b, "未通过 / Fail", 1);
		form_open(b, q, n, "result", "面试结果 / Interview result");
		buf_adds(b, "<input type=\"hidden\" name=\"no_show\" value=\"1\">");
		form_close(b, "缺席 / No show", 1);
	}
	if (strcmp(s, "fees_due") == 0) {
		form_open(b, q, n, "certify", "颁发证书 / Certify");
		form_close(b, "证书已交付 / Certificates handed over", 0);
		any = 1;
	}
	if (strcmp(s, "fees_due") == 0 || strcmp(s, "certified") == 0 || strcmp(s, "re_registration_due") == 0) {
		char year[8];
		clock_format(q->now, w->conf->timezone, "%Y", year, sizeof year);
		form_open(b, q, n, "cpd", "继续教育学时 / CPD hours");
		buf_printf(b, "<label>年度 / Year<input name=\"year\" required inputmode=\"numeric\" value=\"%s\"></label>"
			      "<label>学时 / Hours<input name=\"hours\" required inputmode=\"decimal\"></label>"
			      "<label>凭据 / Reference<input name=\"ref\" maxlength=\"200\"></label>",
			   year);
		form_close(b, "记录 / Record", 0);
		any = 1;
	}
	if (strcmp(s, "recommended") == 0) {
		buf_adds(b, "<p>等待转交 SOEHK / Awaiting the transmittal to SOEHK (<code>packetd transmit</code>).</p>");
		any = 1;
	}
	for (int i = 0; i < FEES_NITEMS; i++) {
		if (owed[i] == 0)
			continue;
		form_open(b, q, n, "pay", "缴费 / Payment");
		buf_adds(b, "<label>项目 / Item<select name=\"item\">");
		for (int k = 0; k < FEES_NITEMS; k++) {
			if (owed[k] == 0)
				continue;
			if (owed[k] == FEES_UNKNOWN)
				buf_printf(b, "<option value=\"%s\">%s (按省学会标准 / society's rate)</option>", fees_item_names[k],
					   fees_item_names[k]);
			else
				buf_printf(b, "<option value=\"%s\">%s (%ld)</option>", fees_item_names[k], fees_item_names[k],
					   owed[k]);
		}
		buf_adds(b, "</select></label><label>金额 / Amount (元 yuan)<input name=\"amount\" required inputmode=\"numeric\"");
		if (owed[i] > 0)
			buf_printf(b, " value=\"%ld\"", owed[i]);
		buf_adds(b, "></label><label>凭据 / Reference<input name=\"ref\" maxlength=\"200\"></label>");
		form_close(b, "记录 / Record", 0);
		any = 1;
		break;   /* one form: the select holds every item owed */
	}
	if (!any)
		buf_adds(b, "<p>此状态无可执行操作 / Nothing to do in this state.</p>");
	buf_adds(b, "</section>\n");
}

void web_app_show(web *w, web_req *q, web_resp *p, const char *number)
{
	store_application a;
	long owed[FEES_NITEMS];
	char title[128], c[64], u[64];
	buf *b = &p->body;
	int found = store_application_get(w->db, w->r, 0, number, &a);
	if (found != 1) {
		web_page_message(w, q, p, found == 0 ? 404 : 500, "未找到", "Not found", number, "/applications");
		return;
	}
	web_resp_html(p, 200);
	snprintf(title, sizeof title, "%s", a.number);
	web_page_open(w, q, b, title);
	if (web_arg(q, "done")) {
		buf_adds(b, "<p class=\"msg\">已完成 / Done: ");
		web_esc(b, web_arg(q, "done"));
		buf_adds(b, "</p>\n");
	}
	web_local_time(w, a.created_at, c, sizeof c);
	web_local_time(w, a.updated_at, u, sizeof u);
	buf_adds(b, "<p>状态 / state <b class=\"state\" id=\"state\">");
	web_esc(b, a.state);
	buf_adds(b, "</b> — 目标 / target ");
	web_esc(b, a.target ? a.target : "-");
	buf_adds(b, " — 收到 / received ");
	web_esc(b, c);
	buf_adds(b, " — 更新 / updated ");
	web_esc(b, u);
	buf_adds(b, " — 来源 / source ");
	web_esc(b, a.source_kind);
	buf_adds(b, " ");
	web_esc(b, a.source_ref);
	buf_adds(b, "</p>\n");
	section_applicant(b, &a);
	section_fees(w, b, &a, q, owed);
	if (strcmp(q->sess.role, "officer") == 0)
		section_actions(w, b, q, &a, owed);
	section_checklist(w, b, a.id);
	section_findings(b, &a);
	section_interviews(w, b, a.id);
	section_notices(w, b, a.id);
	section_history(w, b, a.id);
	web_page_close(b);
	store_application_free(&a);
}
