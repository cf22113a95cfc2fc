/* workflow_cycle.c — the periodic half of the workflow (workflow.h): run
 * once per cycle of `packetd run`. Each notice is recorded in notices_sent
 * (application, kind, period) inside the transaction that queues it, so it
 * goes out exactly once whatever the number of cycles or restarts, and a
 * cycle after a pause catches up with what fell due meanwhile.
 */
#include "clock.h"
#include "workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpd.h"
#include "log.h"
#include "notice.h"
#include "purge.h"
#include "report.h"
#include "util.h"
#include "workflow_p.h"

#define REMINDER_DAYS 3

/* Interviews starting within three days whose plan was made before that
 * window opened (a plan made later has just been announced). */
static int reminders(packetd_ctx *ctx)
{
	store_interview_list t;
	char from[32], to[32];
	int rc = 0;
	store_wf_iso(ctx->now, from);
	store_wf_iso(ctx->now + REMINDER_DAYS * 86400, to);
	if (store_wf_interviews(ctx->db, from, to, &t) != 0)
		return -1;
	for (size_t i = 0; i < t.n; i++) {
		const store_interview_row *row = &t.rows[i];
		int64_t id = row->id;
		time_t start, made;
		store_interview iv;
		wf_app x;
		int once;
		if (clock_parse_iso(row->starts_at, &start) != 0 || clock_parse_iso(row->created_at, &made) != 0 ||
		    made > start - REMINDER_DAYS * 86400)
			continue;
		if (store_begin(ctx->db) != 0)
			return -1;
		memset(&iv, 0, sizeof iv);
		memset(&x, 0, sizeof x);
		once = store_wf_notice_once(ctx->db, id, "interview_reminder", row->starts_at, ctx->now);
		if (once == 1 && (wf_load(ctx, id, NULL, &x) != STORE_FOUND ||
				  store_wf_interview_get(ctx->db, id, &iv) != STORE_FOUND ||
				  wf_notify_interview(ctx, &x, "interview_reminder", &iv) != 0))
			once = -1;
		if (once < 0 || store_commit(ctx->db) != 0) {
			log_error("reminder for %s: %s", row->number, store_errmsg(ctx->db));
			store_rollback(ctx->db);
			rc = -1;
		} else if (once == 1) {
			log_info("%s: interview reminder queued", x.a.number);
		}
		store_interview_free(&iv);
		wf_app_free(&x);
	}
	store_interview_list_free(&t);
	return rc;
}

/* One certified application: on each anniversary the year's fees fall due
 * and the applicant is told once (only the latest year when several passed
 * while packetd was down; the fees of all of them are counted). */
static int reregister(packetd_ctx *ctx, int64_t id)
{
	wf_app x;
	fees f;
	time_t certified;
	cpd_status cs;
	char period[16], yr[16], hours[16], next[16] = "", total[32], *lz = NULL, *le = NULL, *yz = NULL, *ye = NULL;
	char cyear[16], rec[16], miss[16];
	int rc = -1, once;
	memset(&x, 0, sizeof x);
	if (store_wf_entered_at(ctx->db, id, "certified", 1, &certified) != STORE_FOUND)
		return 0;
	int years = fees_years(certified, ctx->now);
	if (years < 1)
		return 0;
	snprintf(period, sizeof period, "year-%d", years);
	if (store_begin(ctx->db) != 0)
		return -1;
	once = store_wf_notice_once(ctx->db, id, "reregistration", period, ctx->now);
	if (once != 1)
		goto out;
	if (wf_load(ctx, id, NULL, &x) != STORE_FOUND || fees_of_application(ctx->db, ctx->r, &x.a, ctx->now, &f) != 0)
		goto out;
	if (store_wf_transition(ctx->db, id, x.a.state, "re_registration_due", "re_registration", "packetd",
				period, ctx->now) != 1)
		goto out;
	if (cpd_status_of(ctx, id, &cs) != 0)
		goto out;
	lz = wf_fees_text(ctx, &f, 0, years, 1, 1);
	le = wf_fees_text(ctx, &f, 0, years, 1, 0);
	yz = wf_fees_text(ctx, &f, years, years, 0, 1);
	ye = wf_fees_text(ctx, &f, years, years, 0, 0);
	snprintf(yr, sizeof yr, "%d", years);
	snprintf(hours, sizeof hours, "%d", ctx->r->cpd_annual_hours);
	snprintf(total, sizeof total, "%ld", fees_total_outstanding(&f));
	snprintf(cyear, sizeof cyear, "%d", cs.cpd_year);
	cpd_hours_text(cs.recorded, rec, sizeof rec);
	cpd_hours_text(cs.missing, miss, sizeof miss);
	clock_format(fees_anniversary(certified, years), ctx->conf->timezone, "%Y-%m-%d", next, sizeof next);
	rules_var v[] = {{"year", yr}, {"due_date", next}, {"cpd_hours", hours}, {"year_fees_zh", yz},
			 {"year_fees_en", ye}, {"outstanding_zh", lz}, {"outstanding_en", le},
			 {"outstanding_total", total}, {"cpd_year", cyear}, {"cpd_recorded", rec}, {"cpd_missing", miss}};
	if (wf_notify(ctx, &x, "reregistration", v, 11, NULL, 0) != 0)
		goto out;
	rc = 0;
out:
	if (once == 0) {
		rc = 0;
		store_rollback(ctx->db);
	} else if (rc != 0 || store_commit(ctx->db) != 0) {
		log_error("re-registration of application %lld: %s", (long long)id, store_errmsg(ctx->db));
		store_rollback(ctx->db);
		rc = -1;
	} else {
		log_info("%s: re-registration year %d due", x.a.number, years);
	}
	free(lz);
	free(le);
	free(yz);
	free(ye);
	wf_app_free(&x);
	return rc;
}

static int reregistrations(packetd_ctx *ctx)
{
	static const char *const states[] = {"certified", "re_registration_due"};
	int rc = 0;
	for (size_t s = 0; s < 2; s++) {
		store_id_list t;
		if (store_wf_ids_in(ctx->db, states[s], &t) != 0)
			return -1;
		for (size_t i = 0; i < t.n; i++)
			if (reregister(ctx, t.rows[i].id) != 0)
				rc = -1;
		store_id_list_free(&t);
	}
	return rc;
}

int workflow_cycle(packetd_ctx *ctx)
{
	int rc = 0;
	if (reminders(ctx) != 0)
		rc = -1;
	if (reregistrations(ctx) != 0)
		rc = -1;
	if (report_cycle(ctx) != 0)
		rc = -1;
	if (purge_cycle(ctx) != 0)
		rc = -1;
	return rc;
}

/* Local hh:mm (report_time, or "00:00") on the first day from now's whose
 * moment is after now. 0 when the zone cannot say. */
static time_t next_local(packetd_ctx *ctx, const char *hhmm)
{
	for (int d = 0; d <= 2; d++) {
		char day[16], text[32];
		time_t t;
		if (clock_format(ctx->now + d * 86400, ctx->conf->timezone, "%Y-%m-%d", day, sizeof day) != 0)
			return 0;
		snprintf(text, sizeof text, "%s %s", day, hhmm);
		if (clock_local_time(ctx->conf->timezone, text, &t) == 0 && t > ctx->now)
			return t;
	}
	return 0;
}

/* The earliest next anniversary after now of the certified applications
 * (reregister: the year's fees and notice fall due then). */
typedef struct next_anniversary {
	time_t now, first;   /* first: 0 while none */
} next_anniversary;

static void note_anniversary(time_t certified, void *arg)
{
	next_anniversary *na = arg;
	time_t t = fees_anniversary(certified, fees_years(certified, na->now) + 1);
	if (t > na->now && (na->first == 0 || t < na->first))
		na->first = t;
}

time_t workflow_next_due(packetd_ctx *ctx, time_t horizon)
{
	time_t due = next_local(ctx, "00:00"), t;
	char from[32], to[32];
	store_interview_list tb;
	if (ctx->conf->report_to && *ctx->conf->report_to && ctx->conf->report_time) {
		t = next_local(ctx, ctx->conf->report_time);
		if (t && (due == 0 || t < due))
			due = t;
	}
	/* reminders(): an interview's reminder falls due REMINDER_DAYS before
	 * it starts, if it was planned before then */
	store_wf_iso(ctx->now + REMINDER_DAYS * 86400 + 1, from);
	store_wf_iso(ctx->now + REMINDER_DAYS * 86400 + horizon + 1, to);
	if (store_wf_interviews(ctx->db, from, to, &tb) == 0) {
		for (size_t i = 0; i < tb.n; i++) {
			time_t start, made;
			if (clock_parse_iso(tb.rows[i].starts_at, &start) != 0 ||
			    clock_parse_iso(tb.rows[i].created_at, &made) != 0 || made > start - REMINDER_DAYS * 86400)
				continue;
			if (due == 0 || start - REMINDER_DAYS * 86400 < due)
				due = start - REMINDER_DAYS * 86400;
			break;   /* rows come by start */
		}
		store_interview_list_free(&tb);
	}
	next_anniversary na = {.now = ctx->now, .first = 0};
	if (store_wf_each_certified(ctx->db, note_anniversary, &na) == 0 && na.first && (due == 0 || na.first < due))
		due = na.first;
	return due && due <= ctx->now + horizon ? due : 0;
}
