/* report.c — see report.h. Gathers the report's data (store_report.c's
 * queries, each limited or aggregated in SQL), queues it by mail, and runs
 * the nightly slot; the renderings are in report_html.c. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "cpd.h"
#include "fees.h"
#include "log.h"
#include "refusal.h"
#include "mailmsg.h"
#include "notice.h"
#include "outbox.h"
#include "report_p.h"
#include "store.h"
#include "store_report.h"
#include "util.h"

/* Midnight of date and of the next day, in the configured zone. */
static int day_bounds(packetd_ctx *ctx, const char *date, time_t *start, time_t *end)
{
	char text[64];
	int y, m, d;
	struct tm tm;
	time_t t;
	if (strlen(date) != 10 || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3)
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

int report_date_check(packetd_ctx *ctx, const char *date, char *err, size_t errlen)
{
	time_t start, end;
	char today[16] = "";
	if (day_bounds(ctx, date, &start, &end) != 0) {
		refusal_say(&ctx->conf->texts, err, errlen, "date", "value", date, (const char *)NULL);
		return -1;
	}
	if (start > ctx->now) {
		clock_format(ctx->now, ctx->conf->timezone, "%Y-%m-%d", today, sizeof today);
		refusal_say(&ctx->conf->texts, err, errlen, "date_future", "value", date, "today", today, "zone",
			    ctx->conf->timezone ? ctx->conf->timezone : "UTC", (const char *)NULL);
		return -1;
	}
	return 0;
}

long report_list_total(const report_data *d, int list)
{
	return d->lists[list].total;
}

const char *report_phrase(const report_data *d, const char *key, const char *fallback)
{
	const char *v = texts_phrase(&d->conf->texts, key);
	return v && *v ? v : fallback;
}

/* The CPD hours an application due for re-registration still lacks for
 * the year that counts (cpd.c): 1 (with "YEAR: recorded / required" and
 * the hours missing) when some are missing, 0 when none are, -1 on error. */
static int report_cpd_missing(packetd_ctx *ctx, int64_t app_id, char *detail, size_t len, double *missing)
{
	cpd_status cs;
	char rec[16], req[16];
	*missing = 0;
	if (cpd_status_of(ctx, app_id, &cs) != 0)
		return -1;
	if (cs.year <= 0 || cs.missing <= 0)
		return 0;
	cpd_hours_text(cs.recorded, rec, sizeof rec);
	cpd_hours_text(cs.required, req, sizeof req);
	snprintf(detail, len, "%d: %s / %s", cs.cpd_year, rec, req);
	*missing = cs.missing;
	return 1;
}

/* Members due for re-registration who lack CPD hours: a list over the
 * re_registration_due state only, which members reach once a year. */
static int collect_cpd(packetd_ctx *ctx, report_data *d)
{
	store_report_list due;
	long total = 0;
	int rc = -1;
	if (store_rp_reregistration_due(ctx->db, &due) != 0)
		return -1;
	for (size_t i = 0; i < due.n; i++) {
		const store_report_row *r = &due.rows[i];
		char detail[160] = "", hours[32];
		double missing = 0;
		int m = report_cpd_missing(ctx, r->app_id, detail, sizeof detail, &missing);
		if (m < 0)
			goto out;
		if (m == 0)
			continue;
		total++;
		if (d->lists[RL_CPD].n >= REPORT_LIST)
			continue;
		cpd_hours_text(missing, hours, sizeof hours);
		store_report_list_add(&d->lists[RL_CPD], r->app_id, r->number, r->name_zh, r->name_en, r->state, r->at,
				      detail, hours);
	}
	d->lists[RL_CPD].total = total;
	rc = 0;
out:
	store_report_list_free(&due);
	return rc;
}

typedef struct fee_ctx {
	packetd_ctx *ctx;
	report_data *d;
	long apps;   /* applications owing fees */
} fee_ctx;

/* One application's outstanding fees, computed from the facts the query
 * summed (what workflow_fees does, without queries per application). */
static int fee_row(const store_fee_row *row, void *arg)
{
	fee_ctx *x = arg;
	report_data *d = x->d;
	packetd_ctx *ctx = x->ctx;
	fees_facts ff = {.target = row->target, .qualification = row->qualification, .province = row->province,
			 .rejected = row->state && strcmp(row->state, "rejected") == 0, .passed = row->passed,
			 .now = ctx->now};
	fees f;
	long total = 0;
	time_t t;
	buf items;
	memset(&f, 0, sizeof f);
	if (row->certified_at && clock_parse_iso(row->certified_at, &t) == 0)
		ff.certified_at = t;
	if (fees_compute(ctx->r, &ff, &f) != 0) {
		log_error("%s: the fee table lacks an amount this application needs", row->number);
		return -1;
	}
	for (const char *p = row->paid; p && *p;) {
		const char *eq = strchr(p, '='), *end = strchr(p, ';');
		char name[64];
		size_t len = eq ? (size_t)(eq - p) : 0;
		int k;
		if (eq == NULL || len >= sizeof name)
			break;
		memcpy(name, p, len);
		name[len] = '\0';
		k = fees_item_index(name);
		if (k >= 0)
			f.paid[k] = strtol(eq + 1, NULL, 10);
		p = end ? end + 1 : eq + strlen(eq);
	}
	fees_settle(&f);
	for (int k = 0; k < FEES_NITEMS; k++)
		total += fees_outstanding(&f, k);
	if (total <= 0 && !fees_unknown(&f))
		return 0;
	d->fees_sum += total;
	if (x->apps++ < REPORT_LIST) {
		char amount[32];
		buf_init(&items, 0);
		for (int k = 0; k < FEES_NITEMS; k++) {
			long o = fees_outstanding(&f, k);
			if (o > 0)
				buf_printf(&items, "%s%s=%ld", items.len ? ";" : "", fees_item_names[k], o);
		}
		if (fees_unknown(&f))
			buf_printf(&items, "%scmes_membership=society rate", items.len ? ";" : "");
		/* re-registration waits for CPD too: the hours recorded and missing */
		if (row->state && strcmp(row->state, "re_registration_due") == 0) {
			cpd_status cs;
			char rec[16], req[16], miss[16];
			if (cpd_status_of(ctx, row->id, &cs) == 0 && cs.year > 0) {
				cpd_hours_text(cs.recorded, rec, sizeof rec);
				cpd_hours_text(cs.required, req, sizeof req);
				cpd_hours_text(cs.missing, miss, sizeof miss);
				buf_printf(&items, "%scpd_%d=%s/%s (missing %s)", items.len ? ";" : "", cs.cpd_year, rec,
					   req, miss);
			}
		}
		snprintf(amount, sizeof amount, "%ld", total);
		store_report_list_add(&d->lists[RL_FEES], row->id, row->number, row->name_zh, row->name_en, row->state, "",
				      items.data, amount);
		buf_free(&items);
	}
	return 0;
}

/* Fees outstanding of every application not rejected: one query, the
 * history and payments summed in SQL, nothing kept beyond the listed rows. */
static int collect_fees(packetd_ctx *ctx, report_data *d)
{
	fee_ctx x = {ctx, d, 0};
	if (store_wf_fee_rows(ctx->db, fee_row, &x) != 0)
		return -1;
	d->lists[RL_FEES].total = x.apps;
	return 0;
}

static int collect(packetd_ctx *ctx, const char *date, report_data *d)
{
	char from[32], to[32], now[32], before[32];
	long fee = rules_fee(ctx->r, "interview");
	long wait_days = ctx->conf->report_soehk_days > 0 ? ctx->conf->report_soehk_days : 30;
	memset(d, 0, sizeof *d);
	d->conf = ctx->conf;
	d->now = ctx->now;
	snprintf(d->date, sizeof d->date, "%s", date);
	if (day_bounds(ctx, date, &d->day_start, &d->day_end) != 0) {
		log_error("report: bad date %s", date);
		return -1;
	}
	store_wf_iso(d->day_start, from);
	store_wf_iso(d->day_end, to);
	store_wf_iso(ctx->now, now);
	store_wf_iso(ctx->now - wait_days * 86400, before);
	if (store_rp_total(ctx->db, &d->total) != 0 || store_wf_counts(ctx->db, "state", &d->states) != 0 ||
	    store_wf_counts(ctx->db, "province", &d->provinces) != 0 ||
	    store_rp_packet_counts(ctx->db, from, to, &d->fresh, &d->supplements) != 0 ||
	    store_rp_packets(ctx->db, from, to, REPORT_LIST, &d->lists[RL_PACKETS]) != 0 ||
	    store_rp_no_result(ctx->db, now, REPORT_LIST, &d->lists[RL_NO_RESULT]) != 0 ||
	    store_rp_not_transmitted(ctx->db, REPORT_LIST, &d->lists[RL_NOT_TRANSMITTED]) != 0 ||
	    store_rp_soehk_waiting(ctx->db, before, REPORT_LIST, &d->lists[RL_SOEHK]) != 0 ||
	    store_rp_interview_fee(ctx->db, fee > 0 ? fee : 0, REPORT_LIST, &d->lists[RL_INTERVIEW_FEE]) != 0 ||
	    store_rp_failing(ctx->db, REPORT_LIST, &d->lists[RL_FAILING]) != 0 ||
	    store_rp_incomplete(ctx->db, REPORT_WAITING, &d->lists[RL_INCOMPLETE]) != 0)
		return -1;
	store_wf_iso(ctx->now + REPORT_INTERVIEW_DAYS * 86400, to);
	if (store_rp_interviews(ctx->db, now, to, REPORT_LIST, &d->lists[RL_INTERVIEWS]) != 0)
		return -1;
	if (collect_cpd(ctx, d) != 0)
		return -1;
	return collect_fees(ctx, d);
}

static void data_free(report_data *d)
{
	for (int i = 0; i < RL_N; i++)
		store_report_list_free(&d->lists[i]);
	store_count_list_free(&d->states);
	store_count_list_free(&d->provinces);
}

int report_build(packetd_ctx *ctx, const char *date, report_doc *out)
{
	report_data d;
	int rc = -1;
	memset(out, 0, sizeof *out);
	if (collect(ctx, date, &d) != 0)
		goto out;
	out->html = report_html(&d);
	out->csv = report_csv(&d, &out->csv_len);
	out->text = report_text(&d);
	if (out->html == NULL || out->csv == NULL || out->text == NULL) {
		log_error("report %s: larger than %u bytes", date, REPORT_MAX);
		report_doc_free(out);
		goto out;
	}
	rc = 0;
out:
	data_free(&d);
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
	if (notice_render(&ctx->conf->texts, "report", v, 2, &n) != 0)
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

int report_send(packetd_ctx *ctx, const char *date, char **message_id)
{
	time_t start, end;
	int done, once;
	*message_id = NULL;
	if (day_bounds(ctx, date, &start, &end) != 0)
		return -1;
	done = store_wf_report_done(ctx->db, date);
	if (done != 0)
		return done < 0 ? -1 : REPORT_ALREADY;
	if (store_begin(ctx->db) != 0)
		return -1;
	/* A day that is over is recorded like the nightly run's, so that the
	 * nightly run does not send it again; the report of a day still
	 * running is sent once on demand and the nightly run still sends the
	 * whole day after it ends. */
	if (end <= ctx->now)
		once = 1;
	else
		once = store_wf_notice_once(ctx->db, 0, "report", date, ctx->now);
	if (once < 0)
		goto fail;
	if (once == 0) {
		store_rollback(ctx->db);
		return REPORT_ALREADY;
	}
	if (report_queue(ctx, date, message_id) != 0 ||
	    (end <= ctx->now && store_wf_report_record(ctx->db, date, *message_id, ctx->now) != 0) ||
	    store_commit(ctx->db) != 0)
		goto fail;
	return REPORT_QUEUED;
fail:
	store_rollback(ctx->db);
	free(*message_id);
	*message_id = NULL;
	return -1;
}

/* The date whose report is due: the latest report_time slot not after now
 * is on day X; its report covers X - 1. */
static int due_date(packetd_ctx *ctx, char out[16])
{
	char today[16], text[32];
	time_t slot;
	const char *rt = ctx->conf->report_time;
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
