/* report_html.c — the report's HTML (an email: inline styles only, tables
 * with border/cellpadding attributes for clients that ignore CSS, no
 * script), its CSV and its plain-text summary, all made from one
 * report_data so that they carry the same sections and numbers.
 *
 * Every time is shown in the configured zone ("YYYY-MM-DD HH:MM", the zone
 * named once at the top); waiting is a number of whole days; states, list
 * titles and column heads are phrases of phrases.ini ("state.CODE",
 * "report.*"), so that no code appears where a person reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "csv.h"
#include "notice.h"
#include "report_p.h"
#include "rules.h"
#include "util.h"

#define RH_FONT "font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei','Helvetica Neue',Arial,sans-serif"
#define RH_TABLE "border-collapse:collapse;margin:0 0 8px 0;font-size:13px"
#define RH_TH "padding:5px 8px;border:1px solid #d0d7de;background:#f6f8fa;text-align:left;white-space:nowrap"
#define RH_TD "padding:5px 8px;border:1px solid #d0d7de;vertical-align:top"
#define RH_H2 "margin:24px 0 8px 0;font-size:18px;border-bottom:1px solid #d0d7de;padding-bottom:4px"
#define RH_H3 "margin:16px 0 6px 0;font-size:15px"
#define RH_NOTE "margin:0 0 8px 0;color:#57606a;font-size:13px"

/* What a column shows. */
enum rh_col {
	C_NUMBER,      /* the application's number */
	C_NAME,        /* 姓名 Name */
	C_STATE,       /* the state's name */
	C_AT,          /* the row's time (at) in the zone */
	C_DAYS,        /* whole days from at to now */
	C_DETAIL,      /* detail */
	C_VALUE,       /* value, right-aligned */
	C_NOTICE,      /* an outbox row's kind, by its name */
	C_RECIPIENTS,  /* an outbox row's recipients */
	C_PACKET,      /* value "new"/"supplement" by its name */
	C_OUTBOX,      /* the state of an outbox row by its name */
	C_FEE_ITEMS,   /* detail "item=yuan;…" with the items by their names */
	C_END
};

typedef struct rh_colspec {
	enum rh_col kind;
	const char *head;   /* phrase key report.col.* */
} rh_colspec;

typedef struct rh_list {
	const char *title;     /* phrase key */
	const char *csv;       /* CSV section ("" : the row's value names it) */
	enum rh_col csv_value, csv_detail;
	rh_colspec cols[8];
} rh_list;

/* One row per report_list_id, in its order. */
static const rh_list lists[RL_N] = {
	[RL_NO_RESULT] = {"report.no_result", "no_result", C_DAYS, C_DETAIL,
			  {{C_NUMBER, "number"}, {C_NAME, "name"}, {C_AT, "interview"}, {C_DAYS, "days_since"},
			   {C_DETAIL, "place"}, {C_END, NULL}}},
	[RL_NOT_TRANSMITTED] = {"report.not_transmitted", "not_transmitted", C_DAYS, C_DETAIL,
				{{C_NUMBER, "number"}, {C_NAME, "name"}, {C_AT, "recommended"}, {C_DAYS, "days"},
				 {C_END, NULL}}},
	[RL_SOEHK] = {"report.soehk_waiting", "soehk_waiting", C_DAYS, C_DETAIL,
		      {{C_NUMBER, "number"}, {C_NAME, "name"}, {C_AT, "sent"}, {C_DAYS, "days"}, {C_END, NULL}}},
	[RL_INTERVIEW_FEE] = {"report.interview_fee", "interview_fee", C_VALUE, C_DETAIL,
			      {{C_NUMBER, "number"}, {C_NAME, "name"}, {C_STATE, "state"}, {C_AT, "received"},
			       {C_DAYS, "days"}, {C_VALUE, "yuan"}, {C_END, NULL}}},
	[RL_CPD] = {"report.cpd_missing", "cpd_missing", C_VALUE, C_DETAIL,
		    {{C_NUMBER, "number"}, {C_NAME, "name"}, {C_AT, "due"}, {C_DETAIL, "cpd"},
		     {C_VALUE, "hours_missing"}, {C_END, NULL}}},
	[RL_FAILING] = {"report.delivery", "delivery", C_VALUE, C_DETAIL,
			{{C_NUMBER, "number"}, {C_NOTICE, "notice"}, {C_RECIPIENTS, "to"}, {C_OUTBOX, "state"},
			 {C_VALUE, "attempts"}, {C_AT, "queued"}, {C_DETAIL, "error"}, {C_END, NULL}}},
	[RL_PACKETS] = {"report.packets", "", C_PACKET, C_DETAIL,
			{{C_NUMBER, "number"}, {C_NAME, "name"}, {C_PACKET, "packet"}, {C_STATE, "state"},
			 {C_AT, "received"}, {C_DETAIL, "province"}, {C_END, NULL}}},
	[RL_INCOMPLETE] = {"report.waiting", "waiting", C_DAYS, C_DETAIL,
			   {{C_NUMBER, "number"}, {C_NAME, "name"}, {C_AT, "since"}, {C_DAYS, "days"}, {C_END, NULL}}},
	[RL_INTERVIEWS] = {"report.interviews", "interview", C_AT, C_DETAIL,
			   {{C_NUMBER, "number"}, {C_NAME, "name"}, {C_AT, "interview"}, {C_VALUE, "minutes"},
			    {C_DETAIL, "place"}, {C_END, NULL}}},
	[RL_FEES] = {"report.fees", "fees", C_VALUE, C_DETAIL,
		     {{C_NUMBER, "number"}, {C_NAME, "name"}, {C_STATE, "state"}, {C_VALUE, "yuan"},
		      {C_FEE_ITEMS, "items"}, {C_END, NULL}}},
};

/* The workflow's order, for the chart and the table by state; a state not
 * listed follows in the order the database gives. */
static const char *const state_order[] = {
	"incomplete", "complete", "centre_review", "recommended", "returned", "soehk_review",
	"interview_planned", "no_show", "interview_passed", "fees_due", "interview_failed",
	"certified", "re_registration_due", "rejected", NULL,
};

static const char *phrase(const report_data *d, const char *prefix, const char *key, char *tmp, size_t len)
{
	snprintf(tmp, len, "%s%s", prefix, key);
	return report_phrase(d, tmp, key);
}

static const char *state_name(const report_data *d, const char *code, char *tmp, size_t len)
{
	return phrase(d, "state.", code, tmp, len);
}

static void local_time(const report_data *d, const char *iso, char *out, size_t len)
{
	time_t t;
	out[0] = '\0';
	if (iso[0] && (clock_parse_iso(iso, &t) != 0 || clock_format(t, d->conf->timezone, "%Y-%m-%d %H:%M", out, len) != 0))
		snprintf(out, len, "%s", iso);
}

static long days_since(const report_data *d, const char *iso)
{
	time_t t;
	if (iso[0] == '\0' || clock_parse_iso(iso, &t) != 0 || t > d->now)
		return 0;
	return (long)((d->now - t) / 86400);
}

/* "interview=1000;soe_membership=500" as "面试费 / Interview fee 1000; …":
 * each item=value pair by the fee's names (fee.ITEM.zh / .en); anything
 * else is kept as written. */
static const char *fee_items(const report_data *d, const char *codes, char *out, size_t len)
{
	strlist l = {0};
	size_t used = 0;
	out[0] = '\0';
	strlist_split(&l, codes, ';');
	for (size_t i = 0; i < l.n && used < len; i++) {
		char *it = util_trim(l.items[i]), *eq = strchr(it, '='), kz[96], ke[96];
		const char *zh = NULL, *en = NULL;
		if (eq) {
			*eq = '\0';
			snprintf(kz, sizeof kz, "fee.%s.zh", it);
			snprintf(ke, sizeof ke, "fee.%s.en", it);
			zh = texts_phrase(&d->conf->texts, kz);
			en = texts_phrase(&d->conf->texts, ke);
		}
		if (zh && en)
			used += (size_t)snprintf(out + used, len - used, "%s%s / %s %s", used ? "; " : "", zh, en, eq + 1);
		else if (eq)
			used += (size_t)snprintf(out + used, len - used, "%s%s %s", used ? "; " : "", it, eq + 1);
		else
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "; " : "", it);
	}
	strlist_free(&l);
	return out;
}

/* The text of one cell. */
static const char *cell(const report_data *d, const store_report_row *r, enum rh_col k, char *tmp, size_t len)
{
	switch (k) {
	case C_NUMBER: return r->number;
	case C_NAME:
		snprintf(tmp, len, "%s %s", r->name_zh, r->name_en);
		return util_trim(tmp);
	case C_STATE: return state_name(d, r->state, tmp, len);
	case C_AT: local_time(d, r->at, tmp, len); return tmp;
	case C_DAYS: snprintf(tmp, len, "%ld", days_since(d, r->at)); return tmp;
	case C_DETAIL: return r->detail;
	case C_VALUE: return r->value;
	case C_NOTICE: return phrase(d, "notice.", r->kind, tmp, len);
	case C_RECIPIENTS: return r->recipients;
	case C_PACKET: return phrase(d, "report.kind.", r->value, tmp, len);
	case C_OUTBOX: return phrase(d, "report.outbox.", r->state, tmp, len);
	case C_FEE_ITEMS: return fee_items(d, r->detail, tmp, len);
	case C_END: break;
	}
	return "";
}

static void esc(buf *b, const char *s)
{
	notice_html_escape(b, s);
}

/* A list's title with its placeholders ({days}) filled. */
static char *title_of(const report_data *d, int list)
{
	char days[32];
	snprintf(days, sizeof days, "%ld", d->conf->report_soehk_days > 0 ? d->conf->report_soehk_days : 30);
	rules_var v[] = {{"days", days}, {"n", ""}};
	return rules_render(report_phrase(d, lists[list].title, lists[list].title), v, 2);
}

static void html_list(buf *b, const report_data *d, int list, const char *style)
{
	const rh_list *L = &lists[list];
	const store_report_list *t = &d->lists[list];
	long total = report_list_total(d, list);
	char tmp[512], key[96];
	char *title = title_of(d, list);
	buf_printf(b, "<h%c style=\"%s\">", style == NULL ? '2' : '3', style ? style : RH_H2);
	esc(b, title);
	buf_printf(b, " <span style=\"color:#57606a;font-weight:normal\">(%ld)</span></h%c>\n", total,
		   style == NULL ? '2' : '3');
	free(title);
	if (t->n == 0) {
		buf_printf(b, "<p style=\"" RH_NOTE "\">");
		esc(b, report_phrase(d, "report.none", "无 / None"));
		buf_adds(b, "</p>\n");
		return;
	}
	buf_adds(b, "<table border=\"1\" cellpadding=\"5\" cellspacing=\"0\" style=\"" RH_TABLE "\">\n<tr>");
	for (const rh_colspec *c = L->cols; c->kind != C_END; c++) {
		buf_adds(b, "<th style=\"" RH_TH "\">");
		esc(b, phrase(d, "report.col.", c->head, key, sizeof key));
		buf_adds(b, "</th>");
	}
	buf_adds(b, "</tr>\n");
	for (size_t r = 0; r < t->n; r++) {
		buf_adds(b, "<tr>");
		for (const rh_colspec *c = L->cols; c->kind != C_END; c++) {
			int right = c->kind == C_VALUE || c->kind == C_DAYS;
			buf_printf(b, "<td%s style=\"" RH_TD "%s\">", right ? " align=\"right\"" : "",
				   right ? ";text-align:right;white-space:nowrap" : (c->kind == C_AT ? ";white-space:nowrap" : ""));
			esc(b, cell(d, &t->rows[r], c->kind, tmp, sizeof tmp));
			buf_adds(b, "</td>");
		}
		buf_adds(b, "</tr>\n");
	}
	buf_adds(b, "</table>\n");
	if (total > (long)t->n) {
		char n[32];
		snprintf(n, sizeof n, "%ld", total - (long)t->n);
		rules_var v[] = {{"n", n}};
		char *more = rules_render(report_phrase(d, "report.more", "+{n}"), v, 1);
		buf_adds(b, "<p style=\"" RH_NOTE "\">");
		esc(b, more);
		buf_adds(b, "</p>\n");
		free(more);
	}
}

/* The counts by state in the workflow's order: indexes into d->states. */
static size_t state_rows(const report_data *d, size_t *order)
{
	size_t n = 0;
	for (int k = 0; state_order[k]; k++)
		for (size_t i = 0; i < d->states.n; i++)
			if (strcmp(d->states.rows[i].key, state_order[k]) == 0)
				order[n++] = i;
	for (size_t i = 0; i < d->states.n; i++) {
		int known = 0;
		for (int k = 0; state_order[k]; k++)
			known |= strcmp(d->states.rows[i].key, state_order[k]) == 0;
		if (!known)
			order[n++] = i;
	}
	return n;
}

/* A horizontal bar chart of the counts by state, labelled by name. */
static void svg_chart(buf *b, const report_data *d, const size_t *order, size_t n)
{
	long max = 1;
	int bar = 20, label = 300, width = 420;
	char tmp[256];
	for (size_t i = 0; i < n; i++) {
		long v = d->states.rows[order[i]].count;
		if (v > max)
			max = v;
	}
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\" role=\"img\" "
		      "aria-label=\"applications by state\" style=\"" RH_FONT ";font-size:13px\">\n",
		   label + width + 60, n * (size_t)(bar + 6) + 10);
	for (size_t i = 0; i < n; i++) {
		const char *code = d->states.rows[order[i]].key;
		long v = d->states.rows[order[i]].count;
		long w = v * width / max;
		size_t y = 5 + i * (size_t)(bar + 6);
		buf_printf(b, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\" fill=\"#1f2328\">", label - 8, y + 15);
		esc(b, state_name(d, code, tmp, sizeof tmp));
		buf_printf(b, "</text><rect x=\"%d\" y=\"%zu\" width=\"%ld\" height=\"%d\" fill=\"#3b6ea5\"/>"
			      "<text x=\"%ld\" y=\"%zu\" fill=\"#1f2328\">%ld</text>\n",
			   label, y, w > 0 ? w : 1, bar, label + w + 6, y + 15, v);
	}
	buf_adds(b, "</svg>\n");
}

static void counts_table(buf *b, const report_data *d, const store_count_list *t, const size_t *order, size_t n,
			 const char *head, int states)
{
	char tmp[256], key[96];
	buf_adds(b, "<table border=\"1\" cellpadding=\"5\" cellspacing=\"0\" style=\"" RH_TABLE "\">\n<tr><th style=\"" RH_TH "\">");
	esc(b, phrase(d, "report.col.", head, key, sizeof key));
	buf_adds(b, "</th><th style=\"" RH_TH "\">");
	esc(b, phrase(d, "report.col.", "count", key, sizeof key));
	buf_adds(b, "</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		size_t r = order ? order[i] : i;
		const char *k = t->rows[r].key;
		buf_adds(b, "<tr><td style=\"" RH_TD "\">");
		esc(b, states ? state_name(d, k, tmp, sizeof tmp) : (strcmp(k, "-") == 0 ? report_phrase(d, "report.unknown", k) : k));
		buf_printf(b, "</td><td align=\"right\" style=\"" RH_TD ";text-align:right\">%ld</td></tr>\n",
			   t->rows[r].count);
	}
	buf_adds(b, "</table>\n");
}

static long actions(const report_data *d)
{
	long n = 0;
	for (int i = 0; i < RL_NACTION; i++)
		n += report_list_total(d, i);
	return n;
}

/* The summary sentence in one language (report.summary.zh / .en). */
static char *summary(const report_data *d, const char *lang)
{
	char key[32], packets[32], fresh[32], supp[32], act[32], fees[32], apps[32], failing[32];
	snprintf(key, sizeof key, "report.summary.%s", lang);
	snprintf(packets, sizeof packets, "%lld", (long long)d->fresh + (long long)d->supplements);
	snprintf(fresh, sizeof fresh, "%lld", (long long)d->fresh);
	snprintf(supp, sizeof supp, "%lld", (long long)d->supplements);
	snprintf(act, sizeof act, "%ld", actions(d));
	snprintf(fees, sizeof fees, "%ld", d->fees_sum);
	snprintf(apps, sizeof apps, "%ld", report_list_total(d, RL_FEES));
	snprintf(failing, sizeof failing, "%ld", report_list_total(d, RL_FAILING));
	rules_var v[] = {{"date", d->date}, {"packets", packets}, {"new", fresh}, {"supplements", supp},
			 {"actions", act}, {"fees", fees}, {"fee_apps", apps}, {"failing", failing}};
	return rules_render(report_phrase(d, key, key), v, sizeof v / sizeof v[0]);
}

/* "Asia/Shanghai (UTC+08:00)" */
static void zone_text(const report_data *d, char *out, size_t len)
{
	char off[8] = "";
	const char *tz = d->conf->timezone ? d->conf->timezone : "UTC";
	clock_format(d->now, tz, "%z", off, sizeof off);
	if (strlen(off) == 5)
		snprintf(out, len, "%s (UTC%.3s:%.2s)", tz, off, off + 3);
	else
		snprintf(out, len, "%s", tz);
}

char *report_html(const report_data *d)
{
	buf b;
	char when[64], zone[96], *out;
	size_t order[64], n;
	char *sz = summary(d, "zh"), *se = summary(d, "en");
	buf_init(&b, REPORT_MAX);
	clock_format(d->now, d->conf->timezone, "%Y-%m-%d %H:%M", when, sizeof when);
	zone_text(d, zone, sizeof zone);
	buf_adds(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	esc(&b, report_phrase(d, "report.title", "每日报告 / Nightly report"));
	buf_printf(&b, " %s</title></head>\n<body style=\"margin:0;padding:16px;background:#ffffff;color:#1f2328;" RH_FONT
		       ";font-size:14px;line-height:1.5\">\n<div style=\"max-width:1040px\">\n",
		   d->date);
	buf_adds(&b, "<h1 style=\"margin:0 0 8px 0;font-size:22px\">");
	esc(&b, report_phrase(d, "report.title", "每日报告 / Nightly report"));
	buf_printf(&b, " %s</h1>\n", d->date);
	buf_adds(&b, "<div style=\"margin:0 0 8px 0;padding:10px 14px;background:#f6f8fa;border:1px solid #d0d7de\">"
		     "<p lang=\"zh\" style=\"margin:0 0 4px 0;font-weight:bold\">");
	esc(&b, sz);
	buf_adds(&b, "</p><p lang=\"en\" style=\"margin:0\">");
	esc(&b, se);
	buf_adds(&b, "</p></div>\n<p style=\"" RH_NOTE "\">");
	esc(&b, report_phrase(d, "report.made", "made at"));
	buf_printf(&b, " %s · ", when);
	esc(&b, report_phrase(d, "report.zone", "times in"));
	buf_adds(&b, " ");
	esc(&b, zone);
	buf_adds(&b, "</p>\n");

	buf_printf(&b, "<h2 style=\"" RH_H2 ";color:#a40e26\">");
	esc(&b, report_phrase(d, "report.actions", "Needs action"));
	buf_printf(&b, " (%ld)</h2>\n", actions(d));
	for (int i = 0; i < RL_NACTION; i++)
		html_list(&b, d, i, RH_H3);

	html_list(&b, d, RL_PACKETS, NULL);
	buf_adds(&b, "<h2 style=\"" RH_H2 "\">");
	esc(&b, report_phrase(d, "report.by_state", "By state"));
	buf_printf(&b, " <span style=\"color:#57606a;font-weight:normal\">(%lld)</span></h2>\n", (long long)d->total);
	n = state_rows(d, order);
	svg_chart(&b, d, order, n);
	counts_table(&b, d, &d->states, order, n, "state", 1);
	buf_adds(&b, "<h2 style=\"" RH_H2 "\">");
	esc(&b, report_phrase(d, "report.by_province", "By province"));
	buf_adds(&b, "</h2>\n");
	counts_table(&b, d, &d->provinces, NULL, d->provinces.n, "province", 0);
	html_list(&b, d, RL_INCOMPLETE, NULL);
	html_list(&b, d, RL_INTERVIEWS, NULL);
	html_list(&b, d, RL_FEES, NULL);
	buf_printf(&b, "<p style=\"" RH_NOTE "\">");
	esc(&b, report_phrase(d, "report.total", "Total"));
	buf_printf(&b, ": %ld</p>\n<p style=\"" RH_NOTE "\">", d->fees_sum);
	esc(&b, report_phrase(d, "report.csv_note", "The same data is attached as CSV."));
	buf_adds(&b, "</p>\n</div>\n</body></html>\n");
	free(sz);
	free(se);
	return buf_take(&b, &out) == 0 ? out : NULL;
}

/* CSV: section, key, name, value, detail, state, time (UTF-8 with BOM). */
static void csv_row(buf *b, const char *const f[7])
{
	for (int i = 0; i < 7; i++) {
		if (i)
			buf_adds(b, ",");
		csv_add_field(b, f[i] ? f[i] : "");
	}
	buf_adds(b, "\r\n");
}

static void csv_summary(buf *b, const char *key, long long v, const char *detail)
{
	char n[32];
	snprintf(n, sizeof n, "%lld", v);
	const char *f[7] = {"summary", key, "", n, detail, "", ""};
	csv_row(b, f);
}

char *report_csv(const report_data *d, size_t *len)
{
	buf c;
	char when[64], t1[512], t2[512], t3[256], t4[64], *out;
	size_t order[64], n;
	char *sz = summary(d, "zh"), *se = summary(d, "en");
	buf_init(&c, REPORT_MAX);
	buf_adds(&c, "\xEF\xBB\xBF");
	{
		const char *h[7] = {"section", "key", "name", "value", "detail", "state", "time"};
		csv_row(&c, h);
	}
	clock_format(d->now, d->conf->timezone, "%Y-%m-%d %H:%M", when, sizeof when);
	{
		const char *f[7] = {"summary", "date", "", d->date, when, "", when};
		csv_row(&c, f);
		const char *s1[7] = {"summary", "text_zh", "", "", sz, "", ""};
		csv_row(&c, s1);
		const char *s2[7] = {"summary", "text_en", "", "", se, "", ""};
		csv_row(&c, s2);
	}
	csv_summary(&c, "applications", d->total, "");
	csv_summary(&c, "new_packets", d->fresh, "");
	csv_summary(&c, "supplements", d->supplements, "");
	csv_summary(&c, "needs_action", actions(d), "");
	for (int i = 0; i < RL_NACTION; i++)
		csv_summary(&c, lists[i].csv, report_list_total(d, i), "");
	csv_summary(&c, "fees_outstanding", d->fees_sum, "");
	csv_summary(&c, "deliveries_failing", report_list_total(d, RL_FAILING), "");
	for (int l = 0; l < RL_N; l++) {
		const rh_list *L = &lists[l];
		const store_report_list *t = &d->lists[l];
		for (size_t i = 0; i < t->n; i++) {
			const store_report_row *r = &t->rows[i];
			const char *name = l == RL_FAILING ? r->kind : cell(d, r, C_NAME, t1, sizeof t1);
			const char *f[7] = {L->csv[0] ? L->csv : r->value, r->number, name,
					    L->csv_value == C_PACKET ? r->value : cell(d, r, L->csv_value, t2, sizeof t2),
					    cell(d, r, L->csv_detail, t3, sizeof t3), r->state, cell(d, r, C_AT, t4, sizeof t4)};
			csv_row(&c, f);
		}
	}
	n = state_rows(d, order);
	for (size_t i = 0; i < n; i++) {
		const char *code = d->states.rows[order[i]].key;
		char count[32];
		snprintf(count, sizeof count, "%ld", d->states.rows[order[i]].count);
		const char *f[7] = {"state", code, state_name(d, code, t1, sizeof t1), count, "", code, ""};
		csv_row(&c, f);
	}
	for (size_t i = 0; i < d->provinces.n; i++) {
		char count[32];
		snprintf(count, sizeof count, "%ld", d->provinces.rows[i].count);
		const char *f[7] = {"province", d->provinces.rows[i].key, "", count, "", "", ""};
		csv_row(&c, f);
	}
	free(sz);
	free(se);
	*len = c.len;
	return buf_take(&c, &out) == 0 ? out : NULL;
}

char *report_text(const report_data *d)
{
	buf t;
	char when[64], zone[96], tmp[256], *out;
	size_t order[64], n;
	char *sz = summary(d, "zh"), *se = summary(d, "en");
	buf_init(&t, REPORT_MAX);
	clock_format(d->now, d->conf->timezone, "%Y-%m-%d %H:%M", when, sizeof when);
	zone_text(d, zone, sizeof zone);
	buf_printf(&t, "%s %s (%s %s, %s)\n%s\n%s\n\n", report_phrase(d, "report.title", "Nightly report"), d->date,
		   report_phrase(d, "report.made", "made at"), when, zone, sz, se);
	buf_printf(&t, "%s: %ld\n", report_phrase(d, "report.actions", "Needs action"), actions(d));
	for (int i = 0; i < RL_NACTION; i++) {
		char *title = title_of(d, i);
		buf_printf(&t, "  %-6ld %s\n", report_list_total(d, i), title);
		free(title);
	}
	buf_printf(&t, "%s: %lld\n", report_phrase(d, "report.by_state", "By state"), (long long)d->total);
	n = state_rows(d, order);
	for (size_t i = 0; i < n; i++)
		buf_printf(&t, "  %-6ld %s\n", d->states.rows[order[i]].count,
			   state_name(d, d->states.rows[order[i]].key, tmp, sizeof tmp));
	free(sz);
	free(se);
	return buf_take(&t, &out) == 0 ? out : NULL;
}
