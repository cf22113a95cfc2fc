/* fees.c — see fees.h. Amounts are whole yuan, as annex 10 states them. */
#include "fees.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "util.h"

const char *const fees_item_names[FEES_NITEMS] = {
	"interview", "soe_membership", "soe_registration", "cmes_membership",
	"cmes_registration", "soe_reregistration", "cmes_reregistration",
};

int fees_item_index(const char *name)
{
	for (int i = 0; name && i < FEES_NITEMS; i++)
		if (strcmp(fees_item_names[i], name) == 0)
			return i;
	return -1;
}

int fees_lacks_cmes(const rules *r, const char *qualification)
{
	return qualification == NULL || !strlist_contains(&r->qualifications, qualification);
}

time_t fees_anniversary(time_t certified_at, int year)
{
	struct tm tm;
	if (gmtime_r(&certified_at, &tm) == NULL)
		return certified_at;
	tm.tm_year += year;
	/* 29 February falls on 1 March in other years: timegm normalises */
	return timegm(&tm);
}

int fees_years(time_t certified_at, time_t now)
{
	int y = 0;
	if (certified_at <= 0 || now < certified_at)
		return 0;
	/* at most a century: the loop is bounded whatever the clock says */
	while (y < 100 && fees_anniversary(certified_at, y + 1) <= now)
		y++;
	return y;
}

/* A fee that must be in the table, by item and qualifier. */
static int amount(const rules *r, const char *item, const char *qual, long *out)
{
	char key[256];
	if (qual)
		snprintf(key, sizeof key, "%s.%s", item, qual);
	else
		snprintf(key, sizeof key, "%s", item);
	*out = rules_fee(r, key);
	return *out < 0 ? -1 : 0;
}

int fees_on_pass(const rules *r, const fees_facts *f, long out[FEES_NITEMS])
{
	memset(out, 0, FEES_NITEMS * sizeof *out);
	if (amount(r, "soe_membership", NULL, &out[FEE_SOE_MEMBERSHIP]) != 0 ||
	    amount(r, "soe_registration", f->target, &out[FEE_SOE_REGISTRATION]) != 0)
		return -1;
	if (fees_lacks_cmes(r, f->qualification) &&
	    (amount(r, "cmes_membership", f->province ? f->province : "-", &out[FEE_CMES_MEMBERSHIP]) != 0 ||
	     amount(r, "cmes_registration", NULL, &out[FEE_CMES_REGISTRATION]) != 0))
		return -1;
	return 0;
}

int fees_reregistration(const rules *r, const fees_facts *f, int year, long out[FEES_NITEMS])
{
	memset(out, 0, FEES_NITEMS * sizeof *out);
	if (year < 1)
		return 0;
	if (amount(r, "soe_membership", NULL, &out[FEE_SOE_MEMBERSHIP]) != 0 ||
	    amount(r, "soe_reregistration", f->target, &out[FEE_SOE_REREGISTRATION]) != 0)
		return -1;
	/* CMES registration runs three years: re-registration on every third anniversary */
	if (year % 3 == 0 && amount(r, "cmes_reregistration", NULL, &out[FEE_CMES_REREGISTRATION]) != 0)
		return -1;
	return 0;
}

int fees_compute(const rules *r, const fees_facts *f, fees *out)
{
	long step[FEES_NITEMS];
	memset(out->due, 0, sizeof out->due);
	out->years = 0;
	if (f->rejected)
		return 0;
	if (amount(r, "interview", NULL, &out->due[FEE_INTERVIEW]) != 0)
		return -1;
	if (!f->passed)
		return 0;
	if (fees_on_pass(r, f, step) != 0)
		return -1;
	for (int i = 0; i < FEES_NITEMS; i++)
		out->due[i] += step[i];
	out->years = fees_years(f->certified_at, f->now);
	for (int y = 1; y <= out->years; y++) {
		if (fees_reregistration(r, f, y, step) != 0)
			return -1;
		for (int i = 0; i < FEES_NITEMS; i++)
			out->due[i] += step[i];
	}
	return 0;
}

long fees_outstanding(const fees *f, int item)
{
	long o = f->due[item] - f->paid[item];
	return o > 0 ? o : 0;
}

long fees_total(const long v[FEES_NITEMS])
{
	long t = 0;
	for (int i = 0; i < FEES_NITEMS; i++)
		t += v[i];
	return t;
}

static const char *json_field(json_t *o, const char *name)
{
	const char *v = json_string_value(json_object_get(o, name));
	return v && *v ? v : NULL;
}

int fees_of_application(store *db, const rules *r, const store_application *a, time_t now, fees *out)
{
	json_t *o = a->applicant_json ? json_loads(a->applicant_json, 0, NULL) : NULL;
	fees_facts f = {.target = a->target, .now = now};
	time_t t = 0;
	int rc = -1, passed;
	memset(out, 0, sizeof *out);
	f.qualification = json_field(o, "cmes_qualification");
	f.province = json_field(o, "province");
	f.rejected = a->state && strcmp(a->state, "rejected") == 0;
	passed = store_wf_entered_at(db, a->id, "interview_passed", 1, &t);
	if (passed < 0)
		goto out;
	f.passed = passed;
	if (store_wf_entered_at(db, a->id, "certified", 1, &t) == STORE_FOUND)
		f.certified_at = t;
	if (fees_compute(r, &f, out) != 0) {
		log_error("%s: the fee table lacks an amount this application needs", a->number);
		goto out;
	}
	for (int i = 0; i < FEES_NITEMS; i++) {
		int64_t paid = 0;
		if (store_wf_paid(db, a->id, fees_item_names[i], &paid) != 0)
			goto out;
		out->paid[i] = (long)paid;
	}
	rc = 0;
out:
	if (o)
		json_decref(o);
	return rc;
}
