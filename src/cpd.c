/* cpd.c — see cpd.h. */
#include "cpd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int cpd_parse_hours(const char *s, double *out)
{
	char *end;
	const char *dot;
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	dot = strchr(s, '.');
	if (dot && strlen(dot + 1) > 1)
		return -1;
	*out = strtod(s, &end);
	return *end == '\0' && *out >= 0 && *out <= 2000 ? 0 : -1;
}

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
	store_application a;
	fees f;
	int rc = -1;
	if (store_application_get(ctx->db, ctx->r, id, NULL, &a) != STORE_FOUND)
		return -1;
	if (fees_of_application(ctx->db, ctx->r, &a, ctx->now, &f) == 0 &&
	    cpd_reregister_if_ready(ctx, id, a.state, &f, by, why, whylen) >= 0)
		rc = 0;
	store_application_free(&a);
	return rc;
}

int cpd_record_centre(packetd_ctx *ctx, int64_t id, const char *state, int year, double hours, const char *ref,
		      const char *by, char *why, size_t whylen)
{
	char reason[300], h[16];
	cpd_hours_text(hours, h, sizeof h);
	snprintf(reason, sizeof reason, "CPD %d: %s hours%s%s", year, h, ref ? ", ref " : "", ref ? ref : "");
	if (store_cpd_add(ctx->db, id, year, hours, "centre", ref, by, ctx->now) != 0 ||
	    store_wf_transition(ctx->db, id, state, state, "cpd", by, reason, ctx->now) != 1 ||
	    after_hours(ctx, id, by, why, whylen) != 0)
		return -1;
	return 0;
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
		store_application a;
		if (store_application_get(ctx->db, ctx->r, id, NULL, &a) != STORE_FOUND)
			return -1;
		int moved = store_wf_transition(ctx->db, id, a.state, a.state, "cpd", "packetd", reason, ctx->now);
		store_application_free(&a);
		if (moved != 1)
			return -1;
	}
	if (after_hours(ctx, id, "packetd", why, sizeof why) != 0)
		return -1;
	if (why[0])
		log_info("application %lld: %s", (long long)id, why);
	return 0;
}

int cpd_from_packet(packetd_ctx *ctx, const packet *p, int64_t member)
{
	cpd_year_hours v[PACKET_CPD_YEARS];
	int64_t id = member;
	int found;
	if (p->ncpd == 0 || (member == 0 && p->app.cmes_no == NULL))
		return 0;
	found = member != 0 ? 1 : store_cpd_registered(ctx->db, p->app.cmes_no, &id);
	if (found != 1)
		return found < 0 ? -1 : 0;
	for (size_t i = 0; i < p->ncpd; i++)
		v[i] = (cpd_year_hours){p->cpd[i].year, p->cpd[i].hours};
	return cpd_record_from_member(ctx, id, v, p->ncpd, p->archive_name);
}
