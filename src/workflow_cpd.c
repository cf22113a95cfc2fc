/* workflow_cpd.c — `packetd cpd`: the centre records a year's CPD hours on
 * a registered member's application (cpd.h does the recording). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cpd.h"
#include "refusal.h"
#include "workflow_p.h"

int workflow_cpd(workflow *w, const char *number, int year, double hours, const char *ref)
{
	packetd_ctx *ctx = w->ctx;
	wf_app x;
	char h[16], why[200] = "", today[8];
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
	if (cpd_record_centre(ctx, x.a.id, x.a.state, year, hours, ref, w->by, why, sizeof why) != 0)
		goto out;
	if (store_commit(ctx->db) != 0)
		goto out;
	cpd_hours_text(hours, h, sizeof h);
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
