/* workflow.c — the transition table and the centre's commands (workflow.h).
 *
 * The table below is the state machine of SPEC section 5 after the intake
 * (which sets received → complete | incomplete | rejected). A command names
 * an event; the row whose `from` is the application's state says where it
 * goes (through `via` when the SPEC has a step the centre does not record
 * separately, e.g. centre_review), and which notice tells the applicant.
 * An event without a row for the current state is refused.
 */
#include "workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cpd.h"
#include "ics.h"
#include "log.h"
#include "mailmsg.h"
#include "notice.h"
#include "outbox.h"
#include "refusal.h"
#include "util.h"
#include "workflow_p.h"

typedef struct wf_transition {
	const char *event;
	const char *from;
	const char *via;      /* an intermediate state recorded on the way, or NULL */
	const char *to;
	const char *notice;   /* template kind sent to the applicant, or NULL */
} wf_transition;

static const wf_transition wf_table[] = {
	{"review_approve", "complete", "centre_review", "recommended", "recommended"},
	{"review_approve", "centre_review", NULL, "recommended", "recommended"},
	{"review_return", "complete", "centre_review", "returned", "returned"},
	{"review_return", "centre_review", NULL, "returned", "returned"},
	{"transmit", "recommended", NULL, "soehk_review", NULL},
	{"soehk_accept", "soehk_review", NULL, "soehk_review", NULL},
	{"soehk_return", "soehk_review", NULL, "returned", "returned"},
	{"interview", "soehk_review", NULL, "interview_planned", "interview"},
	{"interview", "interview_planned", NULL, "interview_planned", "interview"},
	{"interview", "no_show", NULL, "interview_planned", "interview"},
	{"result_pass", "interview_planned", "interview_passed", "fees_due", "result_pass"},
	{"result_fail", "interview_planned", NULL, "interview_failed", "result_fail"},
	{"result_no_show", "interview_planned", NULL, "no_show", "no_show"},
	{"certify", "fees_due", NULL, "certified", "certified"},
	{"re_registration", "certified", NULL, "re_registration_due", "reregistration"},
	{"re_registration", "re_registration_due", NULL, "re_registration_due", "reregistration"},
	{"re_registered", "re_registration_due", NULL, "certified", NULL},
};

#define WF_NTABLE (sizeof wf_table / sizeof wf_table[0])

static const wf_transition *wf_find(const char *event, const char *from)
{
	for (size_t i = 0; i < WF_NTABLE; i++)
		if (strcmp(wf_table[i].event, event) == 0 && strcmp(wf_table[i].from, from) == 0)
			return &wf_table[i];
	return NULL;
}

/* "complete, centre_review": the states an event is allowed from. */
static void wf_allowed(const char *event, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < WF_NTABLE && used < len; i++)
		if (strcmp(wf_table[i].event, event) == 0)
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "", wf_table[i].from);
}

/* The intake's outcomes, then every state the table names. */
static const char *const wf_intake_states[] = {"received", "complete", "incomplete", "rejected"};

int workflow_state_known(const char *state)
{
	for (size_t i = 0; i < sizeof wf_intake_states / sizeof wf_intake_states[0]; i++)
		if (strcmp(wf_intake_states[i], state) == 0)
			return 1;
	for (size_t i = 0; i < WF_NTABLE; i++)
		if (strcmp(wf_table[i].from, state) == 0 || strcmp(wf_table[i].to, state) == 0 ||
		    (wf_table[i].via && strcmp(wf_table[i].via, state) == 0))
			return 1;
	return 0;
}

void workflow_states(char *out, size_t len)
{
	size_t used = 0;
	const char *names[4 + 3 * WF_NTABLE];
	size_t n = 0;
	for (size_t i = 0; i < sizeof wf_intake_states / sizeof wf_intake_states[0]; i++)
		names[n++] = wf_intake_states[i];
	for (size_t i = 0; i < WF_NTABLE; i++) {
		names[n++] = wf_table[i].from;
		if (wf_table[i].via)
			names[n++] = wf_table[i].via;
		names[n++] = wf_table[i].to;
	}
	out[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		size_t j = 0;
		while (j < i && strcmp(names[j], names[i]) != 0)
			j++;
		if (j == i)
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "", names[i]);
	}
}

/* ---- loading ---- */

int wf_load(packetd_ctx *ctx, int64_t id, const char *number, wf_app *x)
{
	int rc;
	memset(x, 0, sizeof *x);
	rc = store_application_get(ctx->db, ctx->r, id, number, &x->a);
	if (rc != STORE_FOUND)
		return rc;
	x->name_zh = x->a.app.name_zh;
	x->name_en = x->a.app.name_en;
	x->email = x->a.app.email;
	x->qualification = x->a.app.cmes_qualification;
	x->province = x->a.app.province;
	x->target = x->a.target ? x->a.target : x->a.app.target;
	return STORE_FOUND;
}

void wf_app_free(wf_app *x)
{
	store_application_free(&x->a);
	memset(x, 0, sizeof *x);
}

void wf_when_of(packetd_ctx *ctx, time_t start, int minutes, wf_when *out)
{
	char off[8] = "";
	const char *tz = ctx->conf->timezone;
	clock_format(start, tz, "%Y-%m-%d", out->date, sizeof out->date);
	clock_format(start, tz, "%H:%M", out->time, sizeof out->time);
	clock_format(start + (time_t)minutes * 60, tz, "%H:%M", out->end, sizeof out->end);
	clock_format(start, tz, "%z", off, sizeof off);
	/* +0800 → UTC+08:00 */
	if (strlen(off) == 5)
		snprintf(out->zone, sizeof out->zone, "%s, UTC%.3s:%.2s", tz, off, off + 3);
	else
		snprintf(out->zone, sizeof out->zone, "%s", tz);
}

static const char *or_dash(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

int wf_notify(packetd_ctx *ctx, wf_app *x, const char *kind, const rules_var *extra, size_t nextra,
	      const mailmsg_attachment *atts, size_t natts)
{
	char *az = notice_phrase(&ctx->conf->texts, "applicant.zh");
	char *ae = notice_phrase(&ctx->conf->texts, "applicant.en");
	char today[32] = "", *refs = NULL;
	const char *to = x->a.reply_to ? x->a.reply_to : x->email;
	rules_var *v = xcalloc(nextra + 6, sizeof *v);
	size_t n = 0;
	int rc;
	clock_format(ctx->now, ctx->conf->timezone, "%Y-%m-%d", today, sizeof today);
	v[n++] = (rules_var){"application", x->a.number};
	v[n++] = (rules_var){"name_zh", or_dash(x->name_zh, az)};
	v[n++] = (rules_var){"name_en", or_dash(x->name_en, ae)};
	v[n++] = (rules_var){"target", or_dash(x->target, "CEng/IEng")};
	v[n++] = (rules_var){"today", today};
	for (size_t i = 0; i < nextra; i++)
		v[n++] = extra[i];
	if (x->a.message_id) {
		size_t l = strlen(x->a.message_id) + 3;
		refs = xcalloc(1, l);
		snprintf(refs, l, "<%s>", x->a.message_id);
	}
	outbox_addr a = {.to = to, .in_reply_to = x->a.message_id, .references = refs,
			 .auto_submitted = "auto-replied", .atts = atts, .natts = natts};
	rc = outbox_queue_kind(ctx, x->a.id, kind, v, n, &a);
	free(v);
	free(refs);
	free(az);
	free(ae);
	return rc;
}

/* What to bring, by what the applicant holds: the CMES engineer
 * certificate only from one who has it, the senior engineer certificate
 * from one admitted as a senior engineer without it. Caller frees. */
static char *bring_list(packetd_ctx *ctx, const wf_app *x, int zh)
{
	const char *lang = zh ? "zh" : "en";
	const char *se = x->a.app.senior_engineer;
	char key[32], *held, *common, *out;
	size_t len;
	if (!fees_lacks_cmes(ctx->r, x->qualification))
		snprintf(key, sizeof key, "bring.cmes.%s", lang);
	else if (se && strcmp(se, "yes") == 0)
		snprintf(key, sizeof key, "bring.senior.%s", lang);
	else
		key[0] = '\0';
	held = key[0] ? notice_phrase(&ctx->conf->texts, key) : xstrdup("");
	snprintf(key, sizeof key, "bring.common.%s", lang);
	common = notice_phrase(&ctx->conf->texts, key);
	len = strlen(held) + strlen(common) + 8;
	out = xcalloc(1, len);
	snprintf(out, len, "%s%s%s", common, *held ? (zh ? "；" : "; ") : "", held);
	free(held);
	free(common);
	return out;
}

int wf_notify_interview(packetd_ctx *ctx, wf_app *x, const char *kind, const store_interview *iv)
{
	return wf_notify_interview_moved(ctx, x, kind, iv, NULL);
}

int wf_notify_interview_moved(packetd_ctx *ctx, wf_app *x, const char *kind, const store_interview *iv,
			      const store_interview *old)
{
	wf_when w, ow;
	char minutes[16], uid[160];
	char *summary = notice_phrase(&ctx->conf->texts, "interview.summary");
	char *desc = notice_phrase(&ctx->conf->texts, "interview.description");
	char *ics = NULL, *sum = NULL, *des = NULL, *bz = bring_list(ctx, x, 1), *be = bring_list(ctx, x, 0);
	size_t len = 0;
	int rc = -1;
	wf_when_of(ctx, iv->starts_at, iv->minutes, &w);
	memset(&ow, 0, sizeof ow);
	if (old)
		wf_when_of(ctx, old->starts_at, old->minutes, &ow);
	snprintf(minutes, sizeof minutes, "%d", iv->minutes);
	/* one UID per application: a moved interview updates the same event */
	snprintf(uid, sizeof uid, "%s-interview@%s", x->a.number, outbox_domain(ctx->conf));
	rules_var v[] = {{"date", w.date}, {"time", w.time}, {"end", w.end}, {"zone", w.zone},
			 {"place", iv->place}, {"minutes", minutes}, {"application", x->a.number},
			 {"target", or_dash(x->target, "CEng/IEng")}};
	sum = rules_render(*summary ? summary : "SOE {target} interview {application}", v, 8);
	des = rules_render(desc, v, 8);
	/* phrases.ini holds one line: "\n" there stands for a line break */
	for (char *p = strstr(des, "\\n"); p; p = strstr(p, "\\n")) {
		*p = '\n';
		memmove(p + 1, p + 2, strlen(p + 2) + 1);
	}
	ics_event e = {.uid = uid, .start = iv->starts_at, .minutes = iv->minutes, .stamp = ctx->now,
		       .sequence = iv->plans > 0 ? iv->plans - 1 : 0, .summary = sum, .location = iv->place,
		       .description = des, .organizer = ctx->conf->intake_address};
	ics = ics_build(&e, &len);
	if (ics == NULL)
		goto out;
	mailmsg_attachment att = {.filename = "interview.ics", .content_type = "text/calendar; charset=UTF-8; method=PUBLISH", .data = ics,
				  .len = len};
	rules_var more[] = {v[0], v[1], v[2], v[3], v[4], v[5], {"bring_zh", bz}, {"bring_en", be},
			    {"old_date", ow.date}, {"old_time", ow.time}, {"old_zone", ow.zone},
			    {"old_place", old ? old->place : ""}};
	rc = wf_notify(ctx, x, kind, more, 12, &att, 1);
out:
	free(bz);
	free(be);
	free(summary);
	free(desc);
	free(sum);
	free(des);
	free(ics);
	return rc;
}

/* ---- the commands ---- */

/* Opens the transaction and loads the application: WF_OK, WF_REFUSED (not
 * found) or WF_ERROR; on anything but WF_OK the transaction is closed. */
static int begin(workflow *w, const char *number, wf_app *x)
{
	int found;
	memset(x, 0, sizeof *x);
	if (store_begin(w->ctx->db) != 0) {
		snprintf(w->err, sizeof w->err, "database: %s", store_errmsg(w->ctx->db));
		return WF_ERROR;
	}
	found = wf_load(w->ctx, 0, number, x);
	if (found == STORE_FOUND)
		return WF_OK;
	store_rollback(w->ctx->db);
	if (found == STORE_NOT_FOUND) {
		refusal_say(&w->ctx->conf->texts, w->err, sizeof w->err, "no_application", "application", number, (const char *)NULL);
		return WF_REFUSED;
	}
	snprintf(w->err, sizeof w->err, "database: %s", store_errmsg(w->ctx->db));
	return WF_ERROR;
}

/* Commits on WF_OK, else rolls back; frees x. */
static int finish(workflow *w, wf_app *x, int rc)
{
	if (rc == WF_OK && store_commit(w->ctx->db) != 0) {
		snprintf(w->err, sizeof w->err, "database: %s", store_errmsg(w->ctx->db));
		rc = WF_ERROR;
	}
	if (rc != WF_OK) {
		store_rollback(w->ctx->db);
		if (rc == WF_ERROR && w->err[0] == '\0')
			snprintf(w->err, sizeof w->err, "database: %s", store_errmsg(w->ctx->db));
	}
	wf_app_free(x);
	return rc;
}

/* Finds the table row for event from x's state, or refuses with the states
 * it is allowed from. */
static const wf_transition *allowed(workflow *w, const wf_app *x, const char *event, const char *what)
{
	const wf_transition *t = wf_find(event, x->a.state);
	if (t == NULL) {
		char states[256];
		wf_allowed(event, states, sizeof states);
		refusal_say(&w->ctx->conf->texts, w->err, sizeof w->err, "state", "application", x->a.number,
			    "action", what, "state", x->a.state, "states", states, (const char *)NULL);
	}
	return t;
}

/* Records t (through its intermediate state) without the notice. */
static int move(workflow *w, const wf_app *x, const wf_transition *t, const char *reason)
{
	const char *from = t->from;
	if (t->via) {
		if (store_wf_transition(w->ctx->db, x->a.id, from, t->via, t->event, w->by, reason, w->ctx->now) != 1)
			return WF_ERROR;
		from = t->via;
	}
	if (store_wf_transition(w->ctx->db, x->a.id, from, t->to, t->event, w->by, reason, w->ctx->now) != 1)
		return WF_ERROR;
	snprintf(w->info, sizeof w->info, "%s: %s → %s", x->a.number, t->from, t->to);
	return WF_OK;
}

int workflow_review(workflow *w, const char *number, int approve, const char *reason)
{
	wf_app x;
	const wf_transition *t;
	int rc = begin(w, number, &x);
	if (rc != WF_OK)
		return rc;
	rc = WF_REFUSED;
	t = allowed(w, &x, approve ? "review_approve" : "review_return", approve ? "review --approve" : "review --return");
	if (t == NULL)
		goto out;
	rc = move(w, &x, t, approve ? or_dash(reason, "initial review passed; recommended to SOEHK") : reason);
	if (rc == WF_OK) {
		char *by_zh = notice_phrase(&w->ctx->conf->texts, "returned_by.centre.zh");
		char *by_en = notice_phrase(&w->ctx->conf->texts, "returned_by.centre.en");
		rules_var v[] = {{"reason", or_dash(reason, "-")}, {"returned_by_zh", by_zh}, {"returned_by_en", by_en}};
		rc = wf_notify(w->ctx, &x, t->notice, v, 3, NULL, 0) == 0 ? WF_OK : WF_ERROR;
		free(by_zh);
		free(by_en);
	}
out:
	return finish(w, &x, rc);
}

int workflow_soehk(workflow *w, const char *number, int accept, const char *feedback)
{
	wf_app x;
	const wf_transition *t;
	int rc = begin(w, number, &x), done;
	if (rc != WF_OK)
		return rc;
	rc = WF_REFUSED;
	t = allowed(w, &x, accept ? "soehk_accept" : "soehk_return", accept ? "soehk --accept" : "soehk --return");
	if (t == NULL)
		goto out;
	if (accept) {
		done = store_wf_event_since_entry(w->ctx->db, x.a.id, "soehk_review", "soehk_accept");
		if (done != 0) {
			rc = done < 0 ? WF_ERROR : WF_REFUSED;
			refusal_say(&w->ctx->conf->texts, w->err, sizeof w->err, "soehk_accepted", "application", x.a.number, (const char *)NULL);
			goto out;
		}
	}
	rc = move(w, &x, t, accept ? or_dash(feedback, "accepted by SOEHK; awaiting the interview plan") : feedback);
	if (rc == WF_OK && t->notice) {
		char *by_zh = notice_phrase(&w->ctx->conf->texts, "returned_by.soehk.zh");
		char *by_en = notice_phrase(&w->ctx->conf->texts, "returned_by.soehk.en");
		rules_var v[] = {{"reason", or_dash(feedback, "-")}, {"returned_by_zh", by_zh}, {"returned_by_en", by_en}};
		rc = wf_notify(w->ctx, &x, t->notice, v, 3, NULL, 0) == 0 ? WF_OK : WF_ERROR;
		free(by_zh);
		free(by_en);
	}
out:
	return finish(w, &x, rc);
}

int workflow_interview(workflow *w, const char *number, time_t starts, const char *place, int minutes)
{
	wf_app x;
	const wf_transition *t;
	store_interview iv, old;
	int64_t plan = 0;
	char reason[300];
	int rc = begin(w, number, &x), acc, moved;
	memset(&iv, 0, sizeof iv);
	memset(&old, 0, sizeof old);
	if (rc != WF_OK)
		return rc;
	rc = WF_REFUSED;
	if (minutes < 45 || minutes > 75) {
		char mt[16];
		snprintf(mt, sizeof mt, "%d", minutes);
		refusal_say(&w->ctx->conf->texts, w->err, sizeof w->err, "minutes", "value", mt, (const char *)NULL);
		goto out;
	}
	if (starts <= w->ctx->now) {
		refusal_say(&w->ctx->conf->texts, w->err, sizeof w->err, "interview_past", "application", x.a.number, (const char *)NULL);
		goto out;
	}
	t = allowed(w, &x, "interview", "interview");
	if (t == NULL)
		goto out;
	if (strcmp(t->from, "soehk_review") == 0) {
		acc = store_wf_event_since_entry(w->ctx->db, x.a.id, "soehk_review", "soehk_accept");
		if (acc != 1) {
			rc = acc < 0 ? WF_ERROR : WF_REFUSED;
			refusal_say(&w->ctx->conf->texts, w->err, sizeof w->err, "soehk_pending", "application", x.a.number, (const char *)NULL);
			goto out;
		}
	}
	/* a moved plan: the notice names the one it replaces */
	moved = strcmp(t->from, "interview_planned") == 0 && store_wf_interview_get(w->ctx->db, x.a.id, &old) == 1;
	if (wf_interview_overlaps(w->ctx, x.a.id, starts, minutes, place, w->warn, sizeof w->warn) != 0) {
		rc = WF_ERROR;
		goto out;
	}
	wf_when wh;
	wf_when_of(w->ctx, starts, minutes, &wh);
	snprintf(reason, sizeof reason, "interview %s %s (%s), %d minutes, %s", wh.date, wh.time, wh.zone, minutes,
		 place);
	rc = WF_ERROR;
	if (store_wf_interview_add(w->ctx->db, x.a.id, starts, minutes, place, w->by, w->ctx->now, &plan) != 0 ||
	    move(w, &x, t, reason) != WF_OK || store_wf_interview_get(w->ctx->db, x.a.id, &iv) != 1 ||
	    wf_notify_interview_moved(w->ctx, &x, moved ? "interview_moved" : "interview", &iv, moved ? &old : NULL) != 0)
		goto out;
	rc = WF_OK;
out:
	store_interview_free(&iv);
	store_interview_free(&old);
	return finish(w, &x, rc);
}

int workflow_result(workflow *w, const char *number, const char *result)
{
	wf_app x;
	const wf_transition *t;
	store_interview iv;
	char event[32], what[32], *lz = NULL, *le = NULL, total[32];
	fees f;
	int rc = begin(w, number, &x);
	memset(&iv, 0, sizeof iv);
	if (rc != WF_OK)
		return rc;
	rc = WF_REFUSED;
	snprintf(event, sizeof event, "result_%s", result);
	snprintf(what, sizeof what, "result --%s", strcmp(result, "no_show") == 0 ? "no-show" : result);
	t = allowed(w, &x, event, what);
	if (t == NULL)
		goto out;
	if (store_wf_interview_get(w->ctx->db, x.a.id, &iv) != STORE_FOUND) {
		rc = WF_ERROR;
		goto out;
	}
	if (iv.starts_at > w->ctx->now) {
		wf_when wh;
		wf_when_of(w->ctx, iv.starts_at, iv.minutes, &wh);
		refusal_say(&w->ctx->conf->texts, w->err, sizeof w->err, "result_early", "application", x.a.number, "date", wh.date, "time",
			    wh.time, "zone", wh.zone, (const char *)NULL);
		goto out;
	}
	rc = move(w, &x, t, strcmp(result, "pass") == 0 ? "interview passed"
			    : strcmp(result, "fail") == 0 ? "interview not passed" : "did not attend the interview");
	if (rc != WF_OK)
		goto out;
	rc = WF_ERROR;
	if (fees_of_application(w->ctx->db, w->ctx->r, &x.a, w->ctx->now, &f) != 0)
		goto out;
	lz = wf_fees_text(w->ctx, &f, 0, 0, 1, 1);
	le = wf_fees_text(w->ctx, &f, 0, 0, 1, 0);
	snprintf(total, sizeof total, "%ld", fees_total_outstanding(&f));
	rules_var v[] = {{"fees_zh", lz}, {"fees_en", le}, {"fees_total", total}};
	if (wf_notify(w->ctx, &x, t->notice, v, 3, NULL, 0) != 0)
		goto out;
	rc = WF_OK;
out:
	free(lz);
	free(le);
	store_interview_free(&iv);
	return finish(w, &x, rc);
}

int workflow_pay(workflow *w, const char *number, const char *item, long amount, const char *ref)
{
	wf_app x;
	fees f;
	char reason[300], why[200] = "", *label = NULL, key[64];
	int rc = begin(w, number, &x), i = fees_item_index(item), society;
	if (rc != WF_OK)
		return rc;
	rc = WF_REFUSED;
	if (i < 0) {
		char items[512] = "";
		size_t used = 0;
		for (int k = 0; k < FEES_NITEMS && used < sizeof items; k++)
			used += (size_t)snprintf(items + used, sizeof items - used, "%s%s", k ? ", " : "",
						 fees_item_names[k]);
		refusal_say(&w->ctx->conf->texts, w->err, sizeof w->err, "fee_item", "item", item, "items", items, (const char *)NULL);
		goto out;
	}
	if (amount <= 0 || amount > 10000000) {
		char am[32];
		snprintf(am, sizeof am, "%ld", amount);
		refusal_say(&w->ctx->conf->texts, w->err, sizeof w->err, "amount", "value", am, (const char *)NULL);
		goto out;
	}
	if (fees_of_application(w->ctx->db, w->ctx->r, &x.a, w->ctx->now, &f) != 0) {
		rc = WF_ERROR;
		goto out;
	}
	/* at the society's own rate: the amount it states is what is owed */
	society = f.unknown[i] > 0;
	if (!society && fees_outstanding(&f, i) <= 0) {
		char due[32], paid[32];
		snprintf(due, sizeof due, "%ld", f.due[i]);
		snprintf(paid, sizeof paid, "%ld", f.paid[i]);
		refusal_say(&w->ctx->conf->texts, w->err, sizeof w->err, "not_owed", "application", x.a.number, "item", item, "state", x.a.state,
			    "due", due, "paid", paid, (const char *)NULL);
		goto out;
	}
	if (!society && amount > fees_outstanding(&f, i)) {
		char am[32], owed[32];
		snprintf(am, sizeof am, "%ld", amount);
		snprintf(owed, sizeof owed, "%ld", fees_outstanding(&f, i));
		refusal_say(&w->ctx->conf->texts, w->err, sizeof w->err, "overpaid", "application", x.a.number, "amount", am, "outstanding", owed,
			    "item", item, (const char *)NULL);
		goto out;
	}
	rc = WF_ERROR;
	snprintf(reason, sizeof reason, "payment %s %ld yuan%s%s%s", item, amount, society ? " (society's rate)" : "",
		 ref ? ", ref " : "", ref ? ref : "");
	if (store_wf_payment_add(w->ctx->db, x.a.id, item, amount, ref, w->by, w->ctx->now) != 0 ||
	    store_wf_transition(w->ctx->db, x.a.id, x.a.state, x.a.state, "payment", w->by, reason, w->ctx->now) != 1 ||
	    fees_of_application(w->ctx->db, w->ctx->r, &x.a, w->ctx->now, &f) != 0)
		goto out;
	/* re-registration settled: back to certified until the next anniversary */
	if (cpd_reregister_if_ready(w->ctx, x.a.id, x.a.state, &f, w->by, why, sizeof why) < 0 ||
	    wf_notify_payments(w->ctx, &x, &f) != 0)
		goto out;
	snprintf(key, sizeof key, "fee.%s.en", item);
	label = notice_phrase(&w->ctx->conf->texts, key);
	snprintf(w->info, sizeof w->info,
		 "%s: %s %ld yuan recorded; still outstanding: %ld yuan for %s (%s), %ld yuan in total%s%s%s", x.a.number,
		 item, amount, fees_outstanding(&f, i), item, *label ? label : item, fees_total_outstanding(&f),
		 fees_unknown(&f) ? " plus the CMES membership at the society's rate" : "", why[0] ? "; " : "", why);
	rc = WF_OK;
out:
	free(label);
	return finish(w, &x, rc);
}

int workflow_certify(workflow *w, const char *number)
{
	wf_app x;
	const wf_transition *t;
	fees f;
	char *cz = NULL, *ce = NULL, *lz = NULL, *le = NULL, next[16] = "", hours[16], *list = NULL, cmes[32];
	int rc = begin(w, number, &x), lacks;
	if (rc != WF_OK)
		return rc;
	rc = WF_REFUSED;
	t = allowed(w, &x, "certify", "certify");
	if (t == NULL)
		goto out;
	if (fees_of_application(w->ctx->db, w->ctx->r, &x.a, w->ctx->now, &f) != 0) {
		rc = WF_ERROR;
		goto out;
	}
	if (!fees_settled(&f)) {
		list = wf_fees_brief(&f);
		refusal_say(&w->ctx->conf->texts, w->err, sizeof w->err, "certify_fees", "application", x.a.number, "fees", list, (const char *)NULL);
		goto out;
	}
	rc = move(w, &x, t, "certificates handed over");
	if (rc != WF_OK)
		goto out;
	rc = WF_ERROR;
	lacks = fees_lacks_cmes(w->ctx->r, x.qualification);
	cz = notice_phrase(&w->ctx->conf->texts, lacks ? "certificates.with_cmes.zh" : "certificates.soe.zh");
	ce = notice_phrase(&w->ctx->conf->texts, lacks ? "certificates.with_cmes.en" : "certificates.soe.en");
	{
		fees_facts ff = {.target = x.target, .qualification = x.qualification, .province = x.province,
				 .passed = 1, .certified_at = w->ctx->now, .now = fees_anniversary(w->ctx->now, 1)};
		fees y1;
		if (fees_compute(w->ctx->r, &ff, &y1) != 0)
			goto out;
		lz = wf_fees_text(w->ctx, &y1, 1, 1, 0, 1);
		le = wf_fees_text(w->ctx, &y1, 1, 1, 0, 0);
		clock_format(fees_anniversary(w->ctx->now, 1), w->ctx->conf->timezone, "%Y-%m-%d", next, sizeof next);
	}
	snprintf(hours, sizeof hours, "%d", w->ctx->r->cpd_annual_hours);
	snprintf(cmes, sizeof cmes, "%ld", rules_fee(w->ctx->r, "cmes_reregistration"));
	rules_var v[] = {{"certificates_zh", cz}, {"certificates_en", ce}, {"next_due", next},
			 {"rereg_zh", lz}, {"rereg_en", le}, {"cpd_hours", hours}, {"cmes_reregistration", cmes}};
	if (wf_notify(w->ctx, &x, t->notice, v, 7, NULL, 0) != 0)
		goto out;
	rc = WF_OK;
out:
	free(list);
	free(cz);
	free(ce);
	free(lz);
	free(le);
	return finish(w, &x, rc);
}

int workflow_transmitted(workflow *w, int64_t id, const char *reason)
{
	const wf_transition *t = wf_find("transmit", "recommended");
	if (t == NULL)
		return -1;
	return store_wf_transition(w->ctx->db, id, t->from, t->to, t->event, w->by, reason, w->ctx->now);
}
