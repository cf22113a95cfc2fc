/* report.c — see report.h. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "csv.h"
#include "fees.h"
#include "log.h"
#include "mailmsg.h"
#include "notice.h"
#include "outbox.h"
#include "store.h"
#include "util.h"

#define REPORT_WAITING 10          /* incomplete applications listed */
#define REPORT_INTERVIEW_DAYS 14
#define REPORT_MAX (8u << 20)      /* a report bigger than this is cut */

typedef struct report_data {
	char date[16];
	time_t day_start, day_end;
	store_table states, provinces, fresh, waiting, interviews, failing;
	buf fees_csv, fees_html;       /* rows of applications owing fees */
	long fees_sum;
	size_t fees_apps;
	size_t total;
} report_data;

/* Midnight of date and of the next day, in the configured zone. */
static int day_bounds(packetd_ctx *ctx, const char *date, time_t *start, time_t *end)
{
	char text[64];
	int y, m, d;
	struct tm tm;
	time_t t;
	if (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 || strlen(date) != 10)
		return -1;
	snprintf(text, sizeof text, "%s 00:00", date);
	if (clock_local_time(ctx->conf->timezone, text, start) != 0)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + 1;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	snprintf(text, sizeof text, "%04d-%02d-%02d 00:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return clock_local_time(ctx->conf->timezone, text, end);
}

static void csv_row(buf *b, const char *a, const char *k, const char *n, const char *v, const char *d)
{
	const char *f[] = {a, k, n, v, d};
	for (int i = 0; i < 5; i++) {
		if (i)
			buf_adds(b, ",");
		csv_add_field(b, f[i] ? f[i] : "");
	}
	buf_adds(b, "\r\n");
}

static void html_esc(buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '&': buf_adds(b, "&amp;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		default: buf_add(b, s, 1); break;
		}
	}
}

static char *name_of(const store_table *t, size_t row, size_t zh_col)
{
	buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s %s", store_table_get(t, row, zh_col), store_table_get(t, row, zh_col + 1));
	return buf_steal(&b);
}

static void local(packetd_ctx *ctx, const char *iso, const char *fmt, char *out, size_t len)
{
	time_t t;
	if (clock_parse_iso(iso, &t) != 0 || clock_format(t, ctx->conf->timezone, fmt, out, len) != 0)
		snprintf(out, len, "%s", iso);
}

/* Fees outstanding of every application not rejected. */
static int collect_fees(packetd_ctx *ctx, report_data *d)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = -1;
	if (store_application_list(ctx->db, NULL, &ids, &n) != 0)
		return -1;
	d->total = n;
	for (size_t i = 0; i < n; i++) {
		store_application a;
		fees f;
		long out[FEES_NITEMS], total = 0;
		buf items;
		memset(&a, 0, sizeof a);
		if (store_application_get(ctx->db, ctx->r, ids[i], NULL, &a) != STORE_FOUND)
			goto out;
		if (fees_of_application(ctx->db, ctx->r, &a, ctx->now, &f) != 0) {
			store_application_free(&a);
			goto out;
		}
		buf_init(&items, 0);
		for (int k = 0; k < FEES_NITEMS; k++) {
			out[k] = fees_outstanding(&f, k);
			total += out[k];
			if (out[k] > 0)
				buf_printf(&items, "%s%s=%ld", items.len ? ";" : "", fees_item_names[k], out[k]);
		}
		if (total > 0) {
			json_t *j = json_loads(a.applicant_json ? a.applicant_json : "{}", 0, NULL);
			const char *zh = json_string_value(json_object_get(j, "name_zh"));
			const char *en = json_string_value(json_object_get(j, "name_en"));
			char name[256], amount[32];
			snprintf(name, sizeof name, "%s %s", zh ? zh : "", en ? en : "");
			snprintf(amount, sizeof amount, "%ld", total);
			csv_row(&d->fees_csv, "fees", a.number, name, amount, items.data ? items.data : "");
			buf_printf(&d->fees_html, "<tr><td>%s</td><td>", a.number);
			html_esc(&d->fees_html, name);
			buf_printf(&d->fees_html, "</td><td>%s</td><td style=\"text-align:right\">%ld</td></tr>\n",
				   a.state, total);
			d->fees_sum += total;
			d->fees_apps++;
			if (j)
				json_decref(j);
		}
		buf_free(&items);
		store_application_free(&a);
	}
	rc = 0;
out:
	free(ids);
	return rc;
}

static int collect(packetd_ctx *ctx, const char *date, report_data *d)
{
	char from[32], to[32];
	memset(d, 0, sizeof *d);
	buf_init(&d->fees_csv, REPORT_MAX);
	buf_init(&d->fees_html, REPORT_MAX);
	snprintf(d->date, sizeof d->date, "%s", date);
	if (day_bounds(ctx, date, &d->day_start, &d->day_end) != 0) {
		log_error("report: bad date %s", date);
		return -1;
	}
	store_wf_iso(d->day_start, from);
	store_wf_iso(d->day_end, to);
	if (store_wf_counts(ctx->db, "state", &d->states) != 0 || store_wf_counts(ctx->db, "province", &d->provinces) != 0 ||
	    store_wf_new(ctx->db, from, to, &d->fresh) != 0 ||
	    store_wf_waiting(ctx->db, "incomplete", REPORT_WAITING, &d->waiting) != 0 ||
	    store_wf_failing(ctx->db, &d->failing) != 0)
		return -1;
	store_wf_iso(ctx->now, from);
	store_wf_iso(ctx->now + REPORT_INTERVIEW_DAYS * 86400, to);
	if (store_wf_interviews(ctx->db, from, to, &d->interviews) != 0)
		return -1;
	return collect_fees(ctx, d);
}

static void data_free(report_data *d)
{
	store_table_free(&d->states);
	store_table_free(&d->provinces);
	store_table_free(&d->fresh);
	store_table_free(&d->waiting);
	store_table_free(&d->interviews);
	store_table_free(&d->failing);
	buf_free(&d->fees_csv);
	buf_free(&d->fees_html);
}

/* A horizontal bar chart of the counts by state, as inline SVG. */
static void svg_chart(buf *b, const store_table *t)
{
	long max = 1;
	int bar = 22, label = 170, width = 360;
	for (size_t i = 0; i < t->nrows; i++) {
		long v = strtol(store_table_get(t, i, 1), NULL, 10);
		if (v > max)
			max = v;
	}
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\" role=\"img\" "
		      "aria-label=\"applications by state\" style=\"font-family:sans-serif;font-size:12px\">\n",
		   label + width + 50, t->nrows * (size_t)(bar + 6) + 10);
	for (size_t i = 0; i < t->nrows; i++) {
		long v = strtol(store_table_get(t, i, 1), NULL, 10);
		long w = v * width / max;
		size_t y = 5 + i * (size_t)(bar + 6);
		buf_printf(b, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", label - 6, y + 15);
		html_esc(b, store_table_get(t, i, 0));
		buf_printf(b, "</text><rect x=\"%d\" y=\"%zu\" width=\"%ld\" height=\"%d\" fill=\"#3b6ea5\"/>"
			      "<text x=\"%ld\" y=\"%zu\">%ld</text>\n",
			   label, y, w > 0 ? w : 1, bar, label + w + 6, y + 15, v);
	}
	buf_adds(b, "</svg>\n");
}

/* An HTML table of the columns cols[] of t (count of them n), with a name
 * column merged from name_col, name_col + 1 when name_col >= 0. */
static void html_table(buf *b, const char *title, const char *const *heads, size_t nh, const store_table *t,
		       const int *cols, size_t nc)
{
	buf_printf(b, "<h2>%s</h2>\n", title);
	if (t->nrows == 0) {
		buf_adds(b, "<p>无 / None.</p>\n");
		return;
	}
	buf_adds(b, "<table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\"><tr>");
	for (size_t i = 0; i < nh; i++)
		buf_printf(b, "<th>%s</th>", heads[i]);
	buf_adds(b, "</tr>\n");
	for (size_t r = 0; r < t->nrows; r++) {
		buf_adds(b, "<tr>");
		for (size_t c = 0; c < nc; c++) {
			buf_adds(b, "<td>");
			html_esc(b, store_table_get(t, r, (size_t)cols[c]));
			buf_adds(b, "</td>");
		}
		buf_adds(b, "</tr>\n");
	}
	buf_adds(b, "</table>\n");
}

int report_build(packetd_ctx *ctx, const char *date, report_doc *out)
{
	report_data d;
	buf h, c, t;
	char when[64], n[32];
	int rc = -1;
	memset(out, 0, sizeof *out);
	buf_init(&h, REPORT_MAX);
	buf_init(&c, REPORT_MAX);
	buf_init(&t, REPORT_MAX);
	if (collect(ctx, date, &d) != 0)
		goto out;
	clock_format(ctx->now, ctx->conf->timezone, "%Y-%m-%d %H:%M (UTC%z)", when, sizeof when);

	/* CSV: section, key, name, value, detail */
	buf_adds(&c, "\xEF\xBB\xBF");
	csv_row(&c, "section", "key", "name", "value", "detail");
	csv_row(&c, "summary", "date", "", d.date, when);
	snprintf(n, sizeof n, "%zu", d.total);
	csv_row(&c, "summary", "applications", "", n, "");
	snprintf(n, sizeof n, "%zu", d.fresh.nrows);
	csv_row(&c, "summary", "new_packets", "", n, "");
	snprintf(n, sizeof n, "%ld", d.fees_sum);
	csv_row(&c, "summary", "fees_outstanding", "", n, "");
	snprintf(n, sizeof n, "%zu", d.failing.nrows);
	csv_row(&c, "summary", "deliveries_failing", "", n, "");
	for (size_t i = 0; i < d.fresh.nrows; i++) {
		char *nm = name_of(&d.fresh, i, 1);
		csv_row(&c, "new", store_table_get(&d.fresh, i, 0), nm, store_table_get(&d.fresh, i, 3),
			store_table_get(&d.fresh, i, 6));
		free(nm);
	}
	for (size_t i = 0; i < d.states.nrows; i++)
		csv_row(&c, "state", store_table_get(&d.states, i, 0), "", store_table_get(&d.states, i, 1), "");
	for (size_t i = 0; i < d.provinces.nrows; i++)
		csv_row(&c, "province", store_table_get(&d.provinces, i, 0), "", store_table_get(&d.provinces, i, 1), "");
	for (size_t i = 0; i < d.waiting.nrows; i++) {
		char *nm = name_of(&d.waiting, i, 1), days[32];
		time_t since;
		long dd = clock_parse_iso(store_table_get(&d.waiting, i, 3), &since) == 0 ? (long)((ctx->now - since) / 86400) : 0;
		snprintf(days, sizeof days, "%ld", dd);
		csv_row(&c, "waiting", store_table_get(&d.waiting, i, 0), nm, days, store_table_get(&d.waiting, i, 3));
		free(nm);
	}
	for (size_t i = 0; i < d.interviews.nrows; i++) {
		char *nm = name_of(&d.interviews, i, 2), at[64];
		local(ctx, store_table_get(&d.interviews, i, 4), "%Y-%m-%d %H:%M", at, sizeof at);
		csv_row(&c, "interview", store_table_get(&d.interviews, i, 1), nm, at, store_table_get(&d.interviews, i, 6));
		free(nm);
	}
	buf_add(&c, d.fees_csv.data ? d.fees_csv.data : "", d.fees_csv.len);
	for (size_t i = 0; i < d.failing.nrows; i++)
		csv_row(&c, "delivery", store_table_get(&d.failing, i, 0), store_table_get(&d.failing, i, 1),
			store_table_get(&d.failing, i, 3), store_table_get(&d.failing, i, 5));

	/* HTML */
	buf_adds(&h, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>packetd</title></head>\n"
		     "<body style=\"font-family:sans-serif\">\n");
	buf_printf(&h, "<h1>每日报告 / Nightly report %s</h1>\n<p>生成时间 / made at %s</p>\n", d.date, when);
	buf_printf(&h, "<p>申请总数 / applications: <b>%zu</b>; 当日新收材料 / new packets of the day: <b>%zu</b>; "
		       "未缴费用 / fees outstanding: <b>%ld</b> 元 (%zu); 投递失败 / deliveries failing: <b>%zu</b></p>\n",
		   d.total, d.fresh.nrows, d.fees_sum, d.fees_apps, d.failing.nrows);
	buf_adds(&h, "<h2>按状态 / By state</h2>\n");
	svg_chart(&h, &d.states);
	{
		static const char *const hs[] = {"状态 / state", "数量 / count"};
		static const int cs[] = {0, 1};
		html_table(&h, "按状态 / By state (table)", hs, 2, &d.states, cs, 2);
		static const char *const hp[] = {"省学会 / province", "数量 / count"};
		html_table(&h, "按省 / By province", hp, 2, &d.provinces, cs, 2);
		static const char *const hn[] = {"编号 / number", "姓名", "Name", "状态 / state", "省 / province"};
		static const int cn[] = {0, 1, 2, 3, 6};
		html_table(&h, "当日新收材料 / New packets of the day", hn, 5, &d.fresh, cn, 5);
		static const char *const hw[] = {"编号 / number", "姓名", "Name", "等待自 / waiting since (UTC)"};
		static const int cw[] = {0, 1, 2, 3};
		html_table(&h, "等待最久的材料不全申请 / Incomplete applications waiting longest", hw, 4, &d.waiting, cw, 4);
		static const char *const hi[] = {"编号 / number", "姓名", "Name", "时间 / time (UTC)", "分钟 / minutes",
						 "地点 / place"};
		static const int ci[] = {1, 2, 3, 4, 5, 6};
		html_table(&h, "未来14天的面试 / Interviews in the next 14 days", hi, 6, &d.interviews, ci, 6);
	}
	buf_adds(&h, "<h2>未缴费用 / Fees outstanding</h2>\n");
	if (d.fees_apps == 0)
		buf_adds(&h, "<p>无 / None.</p>\n");
	else
		buf_printf(&h, "<table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\"><tr><th>编号 / "
			       "number</th><th>姓名 / name</th><th>状态 / state</th><th>元 / yuan</th></tr>\n%s"
			       "<tr><td colspan=\"3\">合计 / total</td><td style=\"text-align:right\">%ld</td></tr></table>\n",
			   d.fees_html.data, d.fees_sum);
	{
		static const char *const hf[] = {"#", "kind", "recipients", "state", "attempts", "error"};
		static const int cf[] = {0, 1, 2, 3, 4, 5};
		html_table(&h, "投递失败 / Deliveries failing", hf, 6, &d.failing, cf, 6);
	}
	buf_adds(&h, "<p>数据见附件 CSV / the same data is attached as CSV.</p>\n</body></html>\n");

	/* text */
	buf_printf(&t, "date %s (made %s)\napplications %zu\nnew packets %zu\n", d.date, when, d.total, d.fresh.nrows);
	for (size_t i = 0; i < d.states.nrows; i++)
		buf_printf(&t, "  state %-20s %s\n", store_table_get(&d.states, i, 0), store_table_get(&d.states, i, 1));
	for (size_t i = 0; i < d.provinces.nrows; i++)
		buf_printf(&t, "  province %s: %s\n", store_table_get(&d.provinces, i, 0), store_table_get(&d.provinces, i, 1));
	buf_printf(&t, "incomplete waiting %zu\ninterviews in %d days %zu\nfees outstanding %ld yuan (%zu applications)\n"
		       "deliveries failing %zu\n",
		   d.waiting.nrows, REPORT_INTERVIEW_DAYS, d.interviews.nrows, d.fees_sum, d.fees_apps, d.failing.nrows);
	out->html = buf_steal(&h);
	out->csv_len = c.len;
	out->csv = buf_steal(&c);
	out->text = buf_steal(&t);
	rc = 0;
out:
	data_free(&d);
	buf_free(&h);
	buf_free(&c);
	buf_free(&t);
	return rc;
}

void report_doc_free(report_doc *d)
{
	free(d->html);
	free(d->csv);
	free(d->text);
	memset(d, 0, sizeof *d);
}

int report_queue(packetd_ctx *ctx, const char *date, char **message_id)
{
	report_doc doc;
	notice n;
	char fname[64];
	int rc = -1;
	memset(&n, 0, sizeof n);
	if (ctx->conf->report_to == NULL || *ctx->conf->report_to == '\0') {
		log_warn("report: no [centre] report_to");
		return -1;
	}
	if (report_build(ctx, date, &doc) != 0)
		return -1;
	rules_var v[] = {{"date", date}, {"summary", doc.text}};
	if (notice_render(ctx->conf->templates, "report", v, 2, &n) != 0)
		goto out;
	free(n.html);
	n.html = xstrdup(doc.html);
	snprintf(fname, sizeof fname, "report-%s.csv", date);
	mailmsg_attachment att = {.filename = fname, .content_type = "text/csv; charset=UTF-8", .data = doc.csv, .len = doc.csv_len};
	outbox_addr a = {.to = ctx->conf->report_to, .auto_submitted = "auto-generated", .atts = &att, .natts = 1};
	rc = outbox_queue(ctx, 0, "report", &n, &a, message_id);
out:
	notice_free(&n);
	report_doc_free(&doc);
	return rc;
}

/* The date whose report is due: the latest report_time slot not after now
 * is on day X; its report covers X - 1. */
static int due_date(packetd_ctx *ctx, char out[16])
{
	char today[16], text[32];
	time_t slot;
	const char *rt = ctx->conf->report_time ? ctx->conf->report_time : "02:00";
	clock_format(ctx->now, ctx->conf->timezone, "%Y-%m-%d", today, sizeof today);
	snprintf(text, sizeof text, "%s %s", today, rt);
	if (clock_local_time(ctx->conf->timezone, text, &slot) != 0)
		return -1;
	/* before today's slot: yesterday's slot is the latest, reporting the day before */
	time_t day = slot <= ctx->now ? slot - 86400 : slot - 2 * 86400;
	return clock_format(day, ctx->conf->timezone, "%Y-%m-%d", out, 16);
}

int report_cycle(packetd_ctx *ctx)
{
	char date[16], *id = NULL;
	int done;
	if (ctx->conf->report_to == NULL || *ctx->conf->report_to == '\0')
		return 0;
	if (due_date(ctx, date) != 0)
		return -1;
	done = store_wf_report_done(ctx->db, date);
	if (done != 0)
		return done < 0 ? -1 : 0;
	if (store_begin(ctx->db) != 0)
		return -1;
	if (report_queue(ctx, date, &id) != 0 || store_wf_report_record(ctx->db, date, id, ctx->now) != 0 ||
	    store_commit(ctx->db) != 0) {
		log_error("nightly report %s: %s", date, store_errmsg(ctx->db));
		store_rollback(ctx->db);
		free(id);
		return -1;
	}
	log_info("nightly report of %s queued for %s", date, ctx->conf->report_to);
	free(id);
	return 0;
}
