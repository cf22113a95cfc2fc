/* fees.c — see fees.h. Amounts are whole yuan, as annex 10 states them. */
#include "fees.h"

#include <stdio.h>
#include <string.h>

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

int fees_cpd_year(time_t certified_at, int year)
{
	/* the calendar year holding most of the registration year: its middle */
	time_t start = fees_anniversary(certified_at, year > 0 ? year - 1 : 0) + 182 * 86400L;
	struct tm tm;
	if (gmtime_r(&start, &tm) == NULL)
		return 0;
	return tm.tm_year + 1900;
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
	if (!fees_lacks_cmes(r, f->qualification))
		return 0;
	if (amount(r, "cmes_registration", NULL, &out[FEE_CMES_REGISTRATION]) != 0)
		return -1;
	/* annex 10, note *: the provincial society's scale; a society without
	 * a line owes its own rate, which is not zero */
	if (f->province == NULL || amount(r, "cmes_membership", f->province, &out[FEE_CMES_MEMBERSHIP]) != 0 ||
	    out[FEE_CMES_MEMBERSHIP] == 0)
		out[FEE_CMES_MEMBERSHIP] = FEES_UNKNOWN;
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

/* Appends the non-zero amounts of one period as lines. */
static void add_period(fees *out, const long v[FEES_NITEMS], int year, time_t from)
{
	for (int i = 0; i < FEES_NITEMS && out->nlines < FEES_MAX_LINES; i++) {
		if (v[i] == 0)
			continue;
		out->lines[out->nlines++] = (fees_line){.item = i, .year = year, .from = from, .due = v[i]};
		if (v[i] == FEES_UNKNOWN)
			out->unknown[i]++;
		else
			out->due[i] += v[i];
	}
}

int fees_compute(const rules *r, const fees_facts *f, fees *out)
{
	long step[FEES_NITEMS];
	memset(out, 0, sizeof *out);
	if (f->province)
		snprintf(out->society, sizeof out->society, "%s", f->province);
	if (f->rejected)
		return 0;
	long interview;
	if (amount(r, "interview", NULL, &interview) != 0)
		return -1;
	if (f->passed) {
		if (fees_on_pass(r, f, step) != 0)
			return -1;
	} else {
		memset(step, 0, sizeof step);
	}
	step[FEE_INTERVIEW] = interview;
	add_period(out, step, 0, 0);
	if (!f->passed)
		return 0;
	out->years = fees_years(f->certified_at, f->now);
	for (int y = 1; y <= out->years; y++) {
		if (fees_reregistration(r, f, y, step) != 0)
			return -1;
		add_period(out, step, y, fees_anniversary(f->certified_at, y));
	}
	return 0;
}

void fees_settle(fees *f)
{
	long left[FEES_NITEMS];
	memcpy(left, f->paid, sizeof left);
	memset(f->unknown, 0, sizeof f->unknown);
	for (size_t k = 0; k < f->nlines; k++) {
		fees_line *l = &f->lines[k];
		long take;
		if (l->due == FEES_UNKNOWN) {
			/* the amount the society stated, paid in one payment */
			if (left[l->item] > 0) {
				l->paid = left[l->item];
				l->due = l->paid;
				f->due[l->item] += l->due;
				left[l->item] = 0;
			} else {
				f->unknown[l->item]++;
			}
			continue;
		}
		take = left[l->item] < l->due ? left[l->item] : l->due;
		l->paid = take > 0 ? take : 0;
		left[l->item] -= l->paid;
	}
}

long fees_line_outstanding(const fees_line *l)
{
	if (l->due == FEES_UNKNOWN)
		return FEES_UNKNOWN;
	return l->due > l->paid ? l->due - l->paid : 0;
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
		if (v[i] > 0)
			t += v[i];
	return t;
}

long fees_total_outstanding(const fees *f)
{
	long t = 0;
	for (int i = 0; i < FEES_NITEMS; i++)
		t += fees_outstanding(f, i);
	return t;
}

int fees_unknown(const fees *f)
{
	int n = 0;
	for (int i = 0; i < FEES_NITEMS; i++)
		n += f->unknown[i];
	return n;
}

int fees_settled(const fees *f)
{
	return fees_unknown(f) == 0 && fees_total_outstanding(f) == 0;
}

int fees_year_settled(const fees *f, int year)
{
	for (size_t k = 0; k < f->nlines; k++)
		if (f->lines[k].year == year && fees_line_outstanding(&f->lines[k]) != 0)
			return 0;
	return 1;
}

int fees_of_application(store *db, const rules *r, const store_application *a, time_t now, fees *out)
{
	fees_facts f = {.target = a->target, .now = now};
	time_t t = 0;
	int rc = -1, passed;
	memset(out, 0, sizeof *out);
	f.qualification = a->app.cmes_qualification;
	f.province = a->app.province;
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
	fees_settle(out);
	rc = 0;
out:
	return rc;
}
