/* web_pages.c — the desk's HTML (web_p.h): the frame of every page, the
 * login and message pages, today's page (the nightly report's numbers,
 * live), the list of applications with its CSV export, the outbox and the
 * batches. Every value from the database goes through web_esc; labels are
 * bilingual (中文 / English); times are in the configured zone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "csv.h"
#include "log.h"
#include "context.h"
#include "report.h"
#include "store_desk.h"
#include "web_p.h"

#define LIST_PER_PAGE 50
#define LIST_MAX_PER_PAGE 500

/* No inline style anywhere: the CSP allows only this sheet (/desk.css). */
const char web_css[] =
	"body{font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;margin:0;color:#1d2733;background:#f6f7f9}\n"
	"header{background:#23415f;color:#fff;padding:.5em 1em;display:flex;gap:1.2em;align-items:center;flex-wrap:wrap}\n"
	"header a{color:#fff;text-decoration:none}header a:hover{text-decoration:underline}\n"
	"header .who{margin-left:auto}header form{display:inline}\n"
	"main{padding:1em 1.5em;max-width:1400px}\n"
	"table{border-collapse:collapse;background:#fff;margin:.5em 0 1.2em}\n"
	"th,td{border:1px solid #c9d1da;padding:.3em .6em;text-align:left;vertical-align:top}\n"
	"th{background:#e8edf2}td.n{text-align:right}\n"
	"form.filters{display:flex;gap:.6em;flex-wrap:wrap;align-items:end;background:#fff;padding:.6em;border:1px solid #c9d1da}\n"
	"form.filters label,form.act label{display:flex;flex-direction:column;font-size:.85em}\n"
	"section.actions{display:flex;gap:1em;flex-wrap:wrap}\n"
	"form.act{background:#fff;border:1px solid #c9d1da;padding:.6em;display:flex;flex-direction:column;gap:.4em;min-width:16em}\n"
	"form.act h3{margin:0;font-size:1em}\n"
	"button{background:#23415f;color:#fff;border:0;padding:.35em .9em;border-radius:3px;cursor:pointer}\n"
	"button.warn{background:#a33}\n"
	".msg{background:#fff3cd;border:1px solid #e0c36c;padding:.6em}\n.err{background:#fde2e1;border:1px solid #d88;padding:.6em;white-space:pre-line}\n"
	".state{font-family:monospace}.sup{color:#888;text-decoration:line-through}\n"
	"pre.notice{background:#fff;border:1px solid #c9d1da;padding:.6em;white-space:pre-wrap;max-height:30em;overflow:auto}\n"
	".pages{display:flex;gap:1em;align-items:center}\n"
	"svg text{font-size:12px}\n";

void web_esc(buf *b, const char *s)
{
	size_t len = s ? strlen(s) : 0, i = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = util_utf8_next(s + i, len - i, &cp);
		if (n == 0) {   /* not UTF-8: never pass the byte on */
			buf_adds(b, "\xEF\xBF\xBD");
			i++;
			continue;
		}
		switch (s[i]) {
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '&': buf_adds(b, "&amp;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_add(b, s + i, n); break;
		}
		i += n;
	}
}

void web_urlenc(buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			buf_add(b, s, 1);
		else
			buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
}

void web_local_time(const web *w, const char *iso, char *out, size_t len)
{
	time_t t;
	if (iso == NULL || clock_parse_iso(iso, &t) != 0 || clock_format(t, w->conf->timezone, "%Y-%m-%d %H:%M", out, len) != 0)
		snprintf(out, len, "%s", iso ? iso : "");
}

void web_csrf_input(const web_req *q, buf *b)
{
	buf_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", q->sess.csrf);
}

void web_page_open(const web *w, const web_req *q, buf *b, const char *title)
{
	(void)w;
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"zh-Hans\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<link rel=\"stylesheet\" href=\"/desk.css\"><title>");
	web_esc(b, title);
	buf_adds(b, " — packetd</title></head>\n<body>\n<header><strong>packetd 认证中心 / Centre desk</strong>");
	if (q->authed) {
		buf_adds(b, "<a href=\"/\">今日 / Today</a><a href=\"/applications\">申请 / Applications</a>"
			    "<a href=\"/outbox\">发件箱 / Outbox</a><a href=\"/batches\">批次 / Batches</a>"
			    "<span class=\"who\">");
		web_esc(b, q->sess.user);
		buf_printf(b, " (%s) <form method=\"post\" action=\"/logout\">",
			   strcmp(q->sess.role, "officer") == 0 ? "officer 审核员" : "viewer 只读");
		web_csrf_input(q, b);
		buf_adds(b, "<button type=\"submit\">退出 / Log out</button></form></span>");
	}
	buf_adds(b, "</header>\n<main>\n<h1>");
	web_esc(b, title);
	buf_adds(b, "</h1>\n");
}

void web_page_close(buf *b)
{
	buf_adds(b, "</main>\n</body></html>\n");
}

void web_page_login(const web *w, const web_req *q, web_resp *p, int status, const char *message)
{
	web_resp_html(p, status);
	web_page_open(w, q, &p->body, "登录 / Log in");
	if (message) {
		buf_adds(&p->body, "<p class=\"err\">");
		web_esc(&p->body, message);
		buf_adds(&p->body, "</p>\n");
	}
	buf_adds(&p->body, "<form method=\"post\" action=\"/login\" class=\"act\">"
			   "<label>用户名 / User <input name=\"user\" autocomplete=\"username\" required></label>"
			   "<label>密码 / Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>"
			   "<button type=\"submit\">登录 / Log in</button></form>\n");
	web_page_close(&p->body);
}

void web_page_message(const web *w, const web_req *q, web_resp *p, int status, const char *title_zh,
		      const char *title_en, const char *message, const char *back)
{
	char title[256];
	p->body.len = 0;
	web_resp_html(p, status);
	snprintf(title, sizeof title, "%s / %s", title_zh, title_en);
	web_page_open(w, q, &p->body, title);
	buf_adds(&p->body, "<p class=\"err\">");
	web_esc(&p->body, message);
	buf_adds(&p->body, "</p>\n<p><a href=\"");
	web_esc(&p->body, back ? back : "/");
	buf_adds(&p->body, "\">返回 / Back</a></p>\n");
	web_page_close(&p->body);
}

/* ---- today ---- */

/* Copies our own report HTML without its style="..." attributes (written
 * for mail readers): the desk's CSP allows no inline style, and desk.css
 * styles the same tables. */
static void add_without_styles(buf *b, const char *p, const char *end)
{
	while (p < end) {
		const char *s = strstr(p, " style=\"");
		const char *close = s && s < end ? strchr(s + 8, '"') : NULL;
		if (close == NULL || close >= end) {
			buf_add(b, p, (size_t)(end - p));
			return;
		}
		buf_add(b, p, (size_t)(s - p));
		p = close + 1;
	}
}

void web_page_home(web *w, web_req *q, web_resp *p)
{
	packetd_ctx ctx = {.conf = w->conf, .r = w->r, .db = w->db, .now = q->now};
	report_doc doc;
	store_count_list states;
	char today[16];
	buf *b = &p->body;
	clock_format(q->now, w->conf->timezone, "%Y-%m-%d", today, sizeof today);
	web_resp_html(p, 200);
	web_page_open(w, q, b, "今日 / Today");
	if (store_wf_counts(w->db, "state", &states) == 0) {
		buf_adds(b, "<h2>按状态查看 / Applications by state</h2>\n<table><tr><th>状态 / state</th><th>数量 / count</th></tr>\n");
		for (size_t i = 0; i < states.n; i++) {
			buf_adds(b, "<tr><td><a href=\"/applications?state=");
			web_urlenc(b, states.rows[i].key);
			buf_adds(b, "\" class=\"state\">");
			web_esc(b, states.rows[i].key);
			buf_printf(b, "</a></td><td class=\"n\">%ld</td></tr>\n", states.rows[i].count);
		}
		buf_adds(b, "</table>\n");
		store_count_list_free(&states);
	}
	/* The nightly report of today as of now: the same numbers, the same
	 * sections and chart as the email, from report.c. */
	if (report_build(&ctx, today, &doc) == 0) {
		const char *start = strstr(doc.html, "<body");
		const char *end = strstr(doc.html, "</body>");
		start = start ? strchr(start, '>') : NULL;
		if (start && end && end > start) {
			buf_adds(b, "<section class=\"report\">\n");
			add_without_styles(b, start + 1, end);
			buf_adds(b, "</section>\n");
		}
		report_doc_free(&doc);
	} else {
		buf_adds(b, "<p class=\"err\">报告无法生成 / The report could not be made.</p>\n");
	}
	web_page_close(b);
}

/* ---- the list ---- */

typedef struct list_args {
	store_desk_filter f;
	int64_t page, per;
} list_args;

static void list_args_read(const web_req *q, list_args *a)
{
	const char *v;
	long n;
	memset(a, 0, sizeof *a);
	a->f.state = web_arg(q, "state");
	a->f.province = web_arg(q, "province");
	a->f.target = web_arg(q, "target");
	a->f.q = web_arg(q, "q");
	a->f.sort = web_arg(q, "sort");
	v = web_arg(q, "dir");
	a->f.desc = v && strcmp(v, "desc") == 0;
	a->page = 1;
	a->per = LIST_PER_PAGE;
	v = web_arg(q, "page");
	if (v && util_parse_long(v, 1, 1000000, &n) == 0)
		a->page = n;
	v = web_arg(q, "per");
	if (v && util_parse_long(v, 1, LIST_MAX_PER_PAGE, &n) == 0)
		a->per = n;
	if (a->f.q && strlen(a->f.q) > 200)
		a->f.q = NULL;
}

/* The list's query string with one parameter changed (page). */
static void list_link(buf *b, const list_args *a, int64_t page, const char *format)
{
	const char *names[] = {"state", "province", "target", "q", "sort"};
	const char *vals[] = {a->f.state, a->f.province, a->f.target, a->f.q, a->f.sort};
	buf_adds(b, "/applications?");
	for (size_t i = 0; i < 5; i++) {
		if (vals[i] == NULL)
			continue;
		buf_printf(b, "%s=", names[i]);
		web_urlenc(b, vals[i]);
		buf_adds(b, "&amp;");
	}
	if (a->f.desc)
		buf_adds(b, "dir=desc&amp;");
	if (a->per != LIST_PER_PAGE)
		buf_printf(b, "per=%lld&amp;", (long long)a->per);
	if (format)
		buf_printf(b, "format=%s", format);
	else
		buf_printf(b, "page=%lld", (long long)page);
}

static void option(buf *b, const char *value, const char *label, const char *current)
{
	buf_adds(b, "<option value=\"");
	web_esc(b, value);
	buf_printf(b, "\"%s>", current && strcmp(current, value) == 0 ? " selected" : "");
	web_esc(b, label);
	buf_adds(b, "</option>");
}

static void list_filters(web *w, buf *b, const list_args *a)
{
	store_count_list c;
	store_desk_province_list t;
	buf_adds(b, "<form method=\"get\" action=\"/applications\" class=\"filters\">"
		    "<label>状态 / State<select name=\"state\"><option value=\"\">全部 / all</option>");
	if (store_wf_counts(w->db, "state", &c) == 0) {
		for (size_t i = 0; i < c.n; i++) {
			char label[128];
			snprintf(label, sizeof label, "%s (%ld)", c.rows[i].key, c.rows[i].count);
			option(b, c.rows[i].key, label, a->f.state);
		}
		store_count_list_free(&c);
	}
	buf_adds(b, "</select></label><label>省学会 / Province<select name=\"province\"><option value=\"\">全部 / all</option>");
	if (store_desk_provinces(w->db, &t) == 0) {
		for (size_t i = 0; i < t.n; i++)
			option(b, t.rows[i].name, t.rows[i].name, a->f.province);
		store_desk_province_list_free(&t);
	}
	buf_adds(b, "</select></label><label>目标 / Target<select name=\"target\"><option value=\"\">全部 / all</option>");
	option(b, "CEng", "CEng", a->f.target);
	option(b, "IEng", "IEng", a->f.target);
	buf_adds(b, "</select></label><label>搜索 / Search (姓名 name, CMES, RRA-…)<input name=\"q\" value=\"");
	web_esc(b, a->f.q);
	buf_adds(b, "\"></label><label>排序 / Sort<select name=\"sort\">");
	option(b, "number", "编号 / number", a->f.sort);
	option(b, "updated", "更新 / updated", a->f.sort);
	option(b, "state", "状态 / state", a->f.sort);
	option(b, "name", "姓名 / name", a->f.sort);
	buf_adds(b, "</select></label><label>顺序 / Order<select name=\"dir\">");
	option(b, "asc", "升序 / ascending", a->f.desc ? "desc" : "asc");
	option(b, "desc", "降序 / descending", a->f.desc ? "desc" : "asc");
	buf_adds(b, "</select></label><button type=\"submit\">筛选 / Filter</button></form>\n");
}

static void list_csv(web *w, web_resp *p, list_args *a)
{
	store_desk_app_list t;
	static const char *const head[] = {"number", "state", "target", "name_zh", "name_en", "cmes_no", "province",
					   "created_at", "updated_at"};
	a->f.limit = 0;
	if (store_desk_list(w->db, &a->f, &t, NULL) != 0) {
		p->status = 500;
		buf_adds(&p->body, "database error\n");
		return;
	}
	p->status = 200;
	p->type = "text/csv; charset=utf-8";
	snprintf(p->disposition, sizeof p->disposition, "attachment; filename=\"applications.csv\"");
	buf_adds(&p->body, "\xEF\xBB\xBF");
	for (size_t c = 0; c < 9; c++) {
		if (c)
			buf_adds(&p->body, ",");
		csv_add_field(&p->body, head[c]);
	}
	buf_adds(&p->body, "\r\n");
	for (size_t r = 0; r < t.n; r++) {
		const store_desk_app *x = &t.rows[r];
		const char *v[] = {x->number,  x->state,    x->target,     x->name_zh,   x->name_en,
				   x->cmes_no, x->province, x->created_at, x->updated_at};
		for (size_t c = 0; c < 9; c++) {
			if (c)
				buf_adds(&p->body, ",");
			csv_add_field(&p->body, v[c]);
		}
		buf_adds(&p->body, "\r\n");
	}
	store_desk_app_list_free(&t);
}

void web_page_list(web *w, web_req *q, web_resp *p, int csv)
{
	list_args a;
	store_desk_app_list t;
	int64_t total = 0, pages;
	buf *b = &p->body;
	list_args_read(q, &a);
	if (csv) {
		list_csv(w, p, &a);
		return;
	}
	a.f.limit = a.per;
	a.f.offset = (a.page - 1) * a.per;
	if (store_desk_list(w->db, &a.f, &t, &total) != 0) {
		log_error("desk: list: %s", store_errmsg(w->db));
		web_page_message(w, q, p, 500, "系统错误", "System error", store_errmsg(w->db), "/");
		return;
	}
	pages = total > 0 ? (total + a.per - 1) / a.per : 1;
	web_resp_html(p, 200);
	web_page_open(w, q, b, "申请 / Applications");
	list_filters(w, b, &a);
	buf_printf(b, "<div class=\"pages\"><span>共 %lld 份 / %lld applications — 第 %lld / %lld 页 page</span>",
		   (long long)total, (long long)total, (long long)a.page, (long long)pages);
	if (a.page > 1) {
		buf_adds(b, "<a rel=\"prev\" href=\"");
		list_link(b, &a, a.page - 1, NULL);
		buf_adds(b, "\">← 上一页 / previous</a>");
	}
	if (a.page < pages) {
		buf_adds(b, "<a rel=\"next\" href=\"");
		list_link(b, &a, a.page + 1, NULL);
		buf_adds(b, "\">下一页 / next →</a>");
	}
	buf_adds(b, "<a href=\"");
	list_link(b, &a, 0, "csv");
	buf_adds(b, "\">CSV</a></div>\n");
	buf_adds(b, "<table id=\"applications\"><tr><th>编号 / number</th><th>姓名</th><th>Name</th><th>CMES</th>"
		    "<th>省学会 / province</th><th>目标 / target</th><th>状态 / state</th><th>更新 / updated</th></tr>\n");
	for (size_t r = 0; r < t.n; r++) {
		const store_desk_app *x = &t.rows[r];
		const char *names[] = {x->name_zh, x->name_en, x->cmes_no, x->province};
		char when[64];
		buf_adds(b, "<tr><td><a href=\"/applications/");
		web_urlenc(b, x->number);
		buf_adds(b, "\">");
		web_esc(b, x->number);
		buf_adds(b, "</a></td>");
		for (size_t c = 0; c < 4; c++) {
			buf_adds(b, "<td>");
			web_esc(b, names[c]);
			buf_adds(b, "</td>");
		}
		buf_adds(b, "<td>");
		web_esc(b, x->target);
		buf_adds(b, "</td><td class=\"state\">");
		web_esc(b, x->state);
		web_local_time(w, x->updated_at, when, sizeof when);
		buf_adds(b, "</td><td>");
		web_esc(b, when);
		buf_adds(b, "</td></tr>\n");
	}
	buf_adds(b, "</table>\n");
	store_desk_app_list_free(&t);
	web_page_close(b);
}

/* ---- outbox and batches ---- */

static void td(buf *b, const char *v)
{
	buf_adds(b, "<td>");
	web_esc(b, v);
	buf_adds(b, "</td>");
}

void web_page_outbox(web *w, web_req *q, web_resp *p)
{
	store_desk_outbox_list t;
	int64_t sent = 0;
	buf *b = &p->body;
	if (store_desk_outbox(w->db, 500, &t, &sent) != 0) {
		web_page_message(w, q, p, 500, "系统错误", "System error", store_errmsg(w->db), "/");
		return;
	}
	web_resp_html(p, 200);
	web_page_open(w, q, b, "发件箱 / Outbox");
	buf_printf(b, "<p>待发送或失败 / queued or failed: <b>%zu</b>; 已发送 / delivered: %lld</p>\n", t.n,
		   (long long)sent);
	buf_adds(b, "<table id=\"outbox\"><tr><th>#</th><th>申请 / application</th><th>类型 / kind</th><th>状态 / state</th>"
		    "<th>收件人 / recipients</th><th>尝试 / attempts</th><th>最近错误 / last error</th><th>创建 / created</th></tr>\n");
	for (size_t r = 0; r < t.n; r++) {
		const store_desk_outbox_row *o = &t.rows[r];
		char when[64];
		buf_printf(b, "<tr><td>%lld</td>", (long long)o->id);
		td(b, o->number);
		td(b, o->kind);
		td(b, o->state);
		td(b, o->recipients);
		buf_printf(b, "<td>%ld</td>", o->attempts);
		td(b, o->last_error);
		web_local_time(w, o->created_at, when, sizeof when);
		td(b, when);
		buf_adds(b, "</tr>\n");
	}
	buf_adds(b, "</table>\n");
	store_desk_outbox_list_free(&t);
	web_page_close(b);
}

void web_page_batches(web *w, web_req *q, web_resp *p)
{
	store_desk_batch_list t;
	buf *b = &p->body;
	if (store_desk_batches(w->db, 200, &t) != 0) {
		web_page_message(w, q, p, 500, "系统错误", "System error", store_errmsg(w->db), "/");
		return;
	}
	web_resp_html(p, 200);
	web_page_open(w, q, b, "批次 / Batches");
	if (t.n == 0)
		buf_adds(b, "<p>无 / None.</p>\n");
	for (size_t i = 0; i < t.n; i++) {
		const store_desk_batch_row *h = &t.rows[i];
		store_desk_batch_item_list rows;
		char when[64];
		web_local_time(w, h->at, when, sizeof when);
		buf_adds(b, "<h2>");
		web_esc(b, h->source);
		buf_adds(b, ": ");
		web_esc(b, h->ref);
		buf_adds(b, "</h2>\n<p>回执 / receipt <b>");
		if (web_dir_source(w, h->source)) {
			buf_printf(b, "<a href=\"/batches/%lld/receipt\">", (long long)h->id);
			web_esc(b, h->receipt);
			buf_adds(b, "</a>");
		} else {
			web_esc(b, h->receipt);
		}
		buf_adds(b, "</b> — ");
		web_esc(b, when);
		buf_adds(b, " — ");
		web_esc(b, h->status);
		buf_adds(b, "</p>\n");
		if (store_desk_batch_rows(w->db, h->key, &rows) != 0)
			continue;
		buf_adds(b, "<table><tr><th>行 / row</th><th>结果 / outcome</th><th>申请 / application</th>"
			    "<th>状态 / state</th></tr>\n");
		for (size_t r = 0; r < rows.n; r++) {
			const char *key = rows.rows[r].key, *row = strstr(key, "#row");
			const char *number = rows.rows[r].number;
			buf_adds(b, "<tr><td>");
			web_esc(b, row ? row + 4 : key);
			buf_adds(b, "</td><td>");
			web_esc(b, rows.rows[r].status);
			buf_adds(b, "</td><td>");
			if (*number) {
				buf_adds(b, "<a href=\"/applications/");
				web_urlenc(b, number);
				buf_adds(b, "\">");
				web_esc(b, number);
				buf_adds(b, "</a>");
			}
			buf_adds(b, "</td><td class=\"state\">");
			web_esc(b, rows.rows[r].state);
			buf_adds(b, "</td></tr>\n");
		}
		buf_adds(b, "</table>\n");
		store_desk_batch_item_list_free(&rows);
	}
	store_desk_batch_list_free(&t);
	web_page_close(b);
}
