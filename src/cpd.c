/* cpd.c — see cpd.h. */
#include "cpd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "refusal.h"
#include "util.h"
#include "workflow_p.h"

void cpd_hours_text(double h, char *out, size_t len)
{
	snprintf(out, len, "%.1f", h);
	size_t l = strlen(out);
	if (l > 2 && strcmp(out + l - 2, ".0") == 0)
		out[l - 2] = '\0';
}

int cpd_status_of(packetd_ctx *ctx, int64_t id, cpd_status *out)
{
	time_t certified;
	int rc;
	memset(out, 0, sizeof *out);
	out->required = ctx->r->cpd_annual_hours;
	rc = store_wf_entered_at(ctx->db, id, "certified", 1, &certified);
	if (rc != 1)
		return rc < 0 ? -1 : 0;
	out->year = fees_years(certified, ctx->now);
	if (out->year < 1)
		return 0;
	out->cpd_year = fees_cpd_year(certified, out->year);
	if (store_cpd_hours(ctx->db, id, out->cpd_year, &out->recorded) < 0)
		return -1;
	out->missing = out->recorded < out->required ? out->required - out->recorded : 0;
	return 0;
}

int cpd_reregister_if_ready(packetd_ctx *ctx, int64_t id, const char *state, const fees *f, const char *by, char *why,
			    size_t whylen)
{
	cpd_status st;
	char rec[16], req[16], reason[160];
	if (why && whylen)
		why[0] = '\0';
	if (strcmp(state, "re_registration_due") != 0)
		return 0;
	if (cpd_status_of(ctx, id, &st) != 0)
		return -1;
	cpd_hours_text(st.recorded, rec, sizeof rec);
	cpd_hours_text(st.required, req, sizeof req);
	if (!fees_settled(f)) {
		if (why)
			snprintf(why, whylen, "re-registration waits for the fees outstanding");
		return 0;
	}
	if (st.missing > 0) {
		if (why)
			snprintf(why, whylen, "re-registration waits for CPD: %s of %s hours recorded for %d", rec, req,
				 st.cpd_year);
		return 0;
	}
	snprintf(reason, sizeof reason, "re-registration year %d: fees paid, %s hours of CPD in %d", st.year, rec,
		 st.cpd_year);
	if (store_wf_transition(ctx->db, id, state, "certified", "re_registered", by, reason, ctx->now) != 1)
		return -1;
	if (why)
		snprintf(why, whylen, "re-registered for year %d", st.year);
	return 1;
}

/* After new hours: completes a due re-registration when nothing else is
 * missing. 0 or -1. */
static int after_hours(packetd_ctx *ctx, int64_t id, const char *by, char *why, size_t whylen)
{
	wf_app x;
	fees f;
	int rc = -1;
	if (wf_load(ctx, id, NULL, &x) != 1)
		return -1;
	if (fees_of_application(ctx->db, ctx->r, &x.a, ctx->now, &f) == 0 &&
	    cpd_reregister_if_ready(ctx, id, x.a.state, &f, by, why, whylen) >= 0)
		rc = 0;
	wf_app_free(&x);
	return rc;
}

int cpd_record_command(workflow *w, const char *number, int year, double hours, const char *ref)
{
	packetd_ctx *ctx = w->ctx;
	wf_app x;
	char reason[300], h[16], why[200], today[8];
	int rc = WF_ERROR, found, max_year;
	memset(&x, 0, sizeof x);
	clock_format(ctx->now, ctx->conf->timezone, "%Y", today, sizeof today);
	max_year = (int)strtol(today, NULL, 10);
	if (year < 1950 || year > max_year) {
		char my[16], yr[16];
		snprintf(my, sizeof my, "%d", max_year);
		snprintf(yr, sizeof yr, "%d", year);
		refusal_say(&ctx->conf->texts, w->err, sizeof w->err, "year_range", "max_year", my, "value", yr, (const char *)NULL);
		return WF_REFUSED;
	}
	if (!(hours >= 0 && hours <= 2000)) {
		char hv[32];
		snprintf(hv, sizeof hv, "%g", hours);
		refusal_say(&ctx->conf->texts, w->err, sizeof w->err, "hours", "value", hv, (const char *)NULL);
		return WF_REFUSED;
	}
	if (store_begin(ctx->db) != 0) {
		snprintf(w->err, sizeof w->err, "database: %s", store_errmsg(ctx->db));
		return WF_ERROR;
	}
	found = wf_load(ctx, 0, number, &x);
	if (found != STORE_FOUND) {
		rc = found == STORE_NOT_FOUND ? WF_REFUSED : WF_ERROR;
		if (found == STORE_NOT_FOUND)
			refusal_say(&ctx->conf->texts, w->err, sizeof w->err, "no_application", "application", number, (const char *)NULL);
		else
			snprintf(w->err, sizeof w->err, "database: %s", store_errmsg(ctx->db));
		goto out;
	}
	if (strcmp(x.a.state, "certified") != 0 && strcmp(x.a.state, "re_registration_due") != 0 &&
	    strcmp(x.a.state, "fees_due") != 0) {
		rc = WF_REFUSED;
		refusal_say(&ctx->conf->texts, w->err, sizeof w->err, "cpd_state", "application", x.a.number, "state", x.a.state, (const char *)NULL);
		goto out;
	}
	cpd_hours_text(hours, h, sizeof h);
	snprintf(reason, sizeof reason, "CPD %d: %s hours%s%s", year, h, ref ? ", ref " : "", ref ? ref : "");
	if (store_cpd_add(ctx->db, x.a.id, year, hours, "centre", ref, w->by, ctx->now) != 0 ||
	    store_wf_transition(ctx->db, x.a.id, x.a.state, x.a.state, "cpd", w->by, reason, ctx->now) != 1 ||
	    after_hours(ctx, x.a.id, w->by, why, sizeof why) != 0)
		goto out;
	if (store_commit(ctx->db) != 0)
		goto out;
	snprintf(w->info, sizeof w->info, "%s: %s hours of CPD recorded for %d%s%s", x.a.number, h, year,
		 why[0] ? "; " : "", why);
	rc = WF_OK;
out:
	if (rc != WF_OK) {
		if (rc == WF_ERROR && w->err[0] == '\0')
			snprintf(w->err, sizeof w->err, "database: %s", store_errmsg(ctx->db));
		store_rollback(ctx->db);
	}
	wf_app_free(&x);
	return rc;
}

int cpd_record_from_member(packetd_ctx *ctx, int64_t id, const cpd_year_hours *v, size_t n, const char *ref)
{
	char why[200], reason[300], h[16];
	for (size_t i = 0; i < n; i++) {
		cpd_hours_text(v[i].hours, h, sizeof h);
		snprintf(reason, sizeof reason, "CPD %d: %s hours from the member's CPD record%s%s", v[i].year, h,
			 ref ? " " : "", ref ? ref : "");
		if (store_cpd_add(ctx->db, id, v[i].year, v[i].hours, "record", ref, "packetd", ctx->now) != 0)
			return -1;
		wf_app x;
		if (wf_load(ctx, id, NULL, &x) != 1)
			return -1;
		int moved = store_wf_transition(ctx->db, id, x.a.state, x.a.state, "cpd", "packetd", reason, ctx->now);
		wf_app_free(&x);
		if (moved != 1)
			return -1;
	}
	if (after_hours(ctx, id, "packetd", why, sizeof why) != 0)
		return -1;
	if (why[0])
		log_info("application %lld: %s", (long long)id, why);
	return 0;
}

int cpd_from_packet(packetd_ctx *ctx, const packet *p)
{
	cpd_year_hours v[PACKET_CPD_YEARS];
	int64_t id;
	int found;
	if (p->ncpd == 0 || p->app.cmes_no == NULL)
		return 0;
	found = store_cpd_registered(ctx->db, p->app.cmes_no, &id);
	if (found != 1)
		return found < 0 ? -1 : 0;
	for (size_t i = 0; i < p->ncpd; i++)
		v[i] = (cpd_year_hours){p->cpd[i].year, p->cpd[i].hours};
	return cpd_record_from_member(ctx, id, v, p->ncpd, p->archive_name);
}
