/* record.c — recording a checked packet. See record.h. */
#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cpd.h"
#include "finding.h"
#include "intake.h"
#include "log.h"
#include "notice.h"
#include "sniff.h"
#include "spool.h"
#include "util.h"

static const char *or_default(const char *v, const char *dflt)
{
	return v && *v ? v : dflt;
}

/* The acknowledgement (or rejection) of p, with its checklist and findings. */
static int queue_ack(packetd_ctx *ctx, const packet *p, const record_result *res, const outbox_addr *ack)
{
	const char *number = res->number;
	const texts *tpl = &ctx->conf->texts;
	const char *outcome = packet_outcome_name(p->outcome);
	char key[64], fee[32];
	char *oz, *oe, *nz, *ne, *cz, *ce, *fz, *fe, *when, *rz = NULL, *re = NULL, *az, *ae;
	char *hcz, *hce, *hfz, *hfe;
	int rc;
	snprintf(key, sizeof key, "outcome.%s.zh", outcome);
	oz = notice_phrase(tpl, key);
	snprintf(key, sizeof key, "outcome.%s.en", outcome);
	oe = notice_phrase(tpl, key);
	snprintf(key, sizeof key, "next.%s.zh", outcome);
	nz = notice_phrase(tpl, key);
	snprintf(key, sizeof key, "next.%s.en", outcome);
	ne = notice_phrase(tpl, key);
	az = notice_phrase(tpl, "applicant.zh");
	ae = notice_phrase(tpl, "applicant.en");
	cz = notice_checklist(p, ctx->r, 1);
	ce = notice_checklist(p, ctx->r, 0);
	fz = notice_findings(p, 1);
	fe = notice_findings(p, 0);
	hcz = notice_checklist_html(p, ctx->r, tpl, 1);
	hce = notice_checklist_html(p, ctx->r, tpl, 0);
	hfz = notice_findings_html(p, 1);
	hfe = notice_findings_html(p, 0);
	when = clock_stamp(ctx->now, ctx->conf->timezone);
	snprintf(fee, sizeof fee, "%ld", rules_fee(ctx->r, "interview"));
	if (res->resubmitted) {
		rules_var v[] = {{"application", number}};
		char *tz = notice_phrase(tpl, "resubmission.zh"), *te = notice_phrase(tpl, "resubmission.en");
		rz = rules_render(tz, v, 1);
		re = rules_render(te, v, 1);
		free(tz);
		free(te);
	}
	rules_var vars[] = {
		{"application", number},
		{"name_zh", or_default(p->app.name_zh, az)},
		{"name_en", or_default(p->app.name_en, ae)},
		{"target", or_default(p->app.target, "CEng/IEng")},
		{"archive", or_default(p->archive_name, "?")},
		{"received_at", when},
		{"outcome_zh", oz},
		{"outcome_en", oe},
		{"checklist_zh", cz},
		{"checklist_en", ce},
		{"findings_zh", fz},
		{"findings_en", fe},
		{"checklist_zh.html", hcz},
		{"checklist_en.html", hce},
		{"findings_zh.html", hfz},
		{"findings_en.html", hfe},
		{"next_zh", nz},
		{"next_en", ne},
		{"fee_interview", fee},
		{"resubmission_zh", rz ? rz : ""},
		{"resubmission_en", re ? re : ""},
	};
	rc = outbox_queue_kind(ctx, res->id, p->outcome == PACKET_REJECTED ? "rejected" : "ack", vars,
			       sizeof vars / sizeof vars[0], ack);
	free(oz); free(oe); free(nz); free(ne); free(cz); free(ce); free(fz); free(fe);
	free(when); free(rz); free(re); free(az); free(ae);
	free(hcz); free(hce); free(hfz); free(hfe);
	return rc;
}

/* The answer to a registered member's CPD record, once its hours are
 * recorded: one line a year (phrases cpd.year_hours.zh/.en), then where
 * the registration stands now (cpd.standing.current, or, while its
 * re-registration is still due, cpd.standing.due with the year's hours).
 * res->number receives the member's application number. */
static int queue_cpd(packetd_ctx *ctx, const packet *p, record_result *res, const outbox_addr *ack)
{
	const texts *tpl = &ctx->conf->texts;
	char h[16], y[16] = "", rec[16] = "", miss[16] = "", *when = NULL, *az = NULL, *ae = NULL, *sz = NULL, *se = NULL;
	char *lz = notice_phrase(tpl, "cpd.year_hours.zh"), *le = notice_phrase(tpl, "cpd.year_hours.en");
	store_application a;
	cpd_status st = {0};
	buf zh, en;
	int rc = -1, due;
	buf_init(&zh, 0);
	buf_init(&en, 0);
	if (store_application_get(ctx->db, ctx->r, res->id, NULL, &a) != STORE_FOUND)
		goto out;
	snprintf(res->number, sizeof res->number, "%s", a.number);
	due = strcmp(a.state, "re_registration_due") == 0;
	store_application_free(&a);
	if (due && cpd_status_of(ctx, res->id, &st) != 0)
		goto out;
	for (size_t i = 0; i < p->ncpd; i++) {
		rules_var v[] = {{"year", y}, {"hours", h}};
		char *z, *e;
		snprintf(y, sizeof y, "%d", p->cpd[i].year);
		cpd_hours_text(p->cpd[i].hours, h, sizeof h);
		z = rules_render(lz, v, 2);
		e = rules_render(le, v, 2);
		buf_printf(&zh, "  %s\n", z);
		buf_printf(&en, "  %s\n", e);
		free(z);
		free(e);
	}
	{
		rules_var v[] = {{"cpd_year", y}, {"recorded", rec}, {"missing", miss}};
		char *tz = notice_phrase(tpl, due ? "cpd.standing.due.zh" : "cpd.standing.current.zh");
		char *te = notice_phrase(tpl, due ? "cpd.standing.due.en" : "cpd.standing.current.en");
		if (due) {
			snprintf(y, sizeof y, "%d", st.cpd_year);
			cpd_hours_text(st.recorded, rec, sizeof rec);
			cpd_hours_text(st.missing, miss, sizeof miss);
		}
		sz = rules_render(tz, v, due ? 3 : 0);
		se = rules_render(te, v, due ? 3 : 0);
		free(tz);
		free(te);
	}
	when = clock_stamp(ctx->now, ctx->conf->timezone);
	az = notice_phrase(tpl, "applicant.zh");
	ae = notice_phrase(tpl, "applicant.en");
	rules_var vars[] = {
		{"application", res->number},
		{"name_zh", or_default(p->app.name_zh, az)},
		{"name_en", or_default(p->app.name_en, ae)},
		{"archive", or_default(p->archive_name, "?")},
		{"received_at", when},
		{"hours_zh", zh.data ? zh.data : ""},
		{"hours_en", en.data ? en.data : ""},
		{"standing_zh", sz},
		{"standing_en", se},
	};
	rc = outbox_queue_kind(ctx, res->id, "cpd", vars, sizeof vars / sizeof vars[0], ack);
out:
	free(lz);
	free(le);
	free(sz);
	free(se);
	free(when);
	free(az);
	free(ae);
	buf_free(&zh);
	buf_free(&en);
	return rc;
}

int record_keep_files(packetd_ctx *ctx, const packet *p, record_kept *kept, int empty_sources)
{
	const char **src = xcalloc(p->nfiles + 1, sizeof *src), **sha = xcalloc(p->nfiles + 1, sizeof *sha);
	char **known = xcalloc(p->nfiles + 1, sizeof *known);
	int rc = -1;
	kept->paths = xcalloc(p->nfiles + 1, sizeof *kept->paths);
	kept->n = p->nfiles;
	for (size_t i = 0; i < p->nfiles; i++)
		if (!p->files[i].ignored) {
			src[i] = p->files[i].path;
			sha[i] = p->files[i].sha256;
			/* bytes the ledger keeps already (another packet's, or
			 * this group's) are named, not kept again */
			if (store_kept_path(ctx->db, sha[i], &known[i]) < 0)
				goto out;
		}
	rc = spool_keep_all(&ctx->pack, ctx->conf->spool, p->nfiles, src, sha, (const char *const *)known, kept->paths,
			    (store_in_group(ctx->db) ? SPOOL_SYNC_LATER : 0) | (empty_sources ? SPOOL_EMPTY_SOURCES : 0));
out:
	if (rc != 0)
		record_kept_free(kept);
	for (size_t i = 0; i < p->nfiles; i++)
		free(known[i]);
	free(known);
	free(src);
	free(sha);
	return rc;
}

void record_kept_free(record_kept *kept)
{
	if (kept->paths == NULL)
		return;
	for (size_t i = 0; i < kept->n; i++)
		free(kept->paths[i]);
	free(kept->paths);
	kept->paths = NULL;
	kept->n = 0;
}

/* A supplement without manifest.ini only guessed the applicant from its
 * email: the details the application already holds win over those guesses,
 * and the application keeps whether it had a manifest. */
static void keep_stored_applicant(const store_application *a, packet *out)
{
	out->has_manifest = 1;
	for (size_t i = 0; i < a->nfindings; i++)
		if (strcmp(a->findings[i].code, "manifest_missing") == 0)
			out->has_manifest = 0;
	for (size_t i = 0; i < APPLICANT_NFIELDS; i++) {
		const char *v = applicant_get(&a->app, applicant_field_names[i]);
		if (v)
			applicant_set(&out->app, applicant_field_names[i], v);
	}
}

/* sniff_file for a kept document: one in a pack is sniffed from a copy
 * of its bytes in a work folder (*work, made at the first), as a plain
 * file is; f->path stays the kept name. */
static int sniff_kept(packetd_ctx *ctx, packet_file *f, size_t i, char **work)
{
	char *kept = f->path, *file = spool_kept_file(kept), name[32];
	int rc = -1;
	if (strcmp(file, kept) == 0) {
		free(file);
		return sniff_file(f);
	}
	free(file);
	if (*work == NULL && (*work = spool_workdir(ctx->conf->scratch)) == NULL)
		return -1;
	snprintf(name, sizeof name, "kept-%zu", i);
	f->path = util_path_join(*work, name);
	if (spool_kept_copy(kept, f->path) != 0)
		log_error("spool: cannot read %s: %s", kept, strerror(errno));
	else
		rc = sniff_file(f);
	free(f->path);
	f->path = kept;
	return rc;
}

/* The application's current files as a packet, for checking it again after
 * a supplement. The applicant is the newest packet's manifest, else the
 * application's own details. */
static int merged_packet(packetd_ctx *ctx, const store_application *a, packet *newest, packet *out)
{
	intake_options o = {.r = ctx->r, .lim = &ctx->conf->limits, .now = ctx->now};
	char *work = NULL;   /* owned: copies of packed documents, read by sniff_file */
	int rc = -1;
	packet_init(out);
	out->app = newest->app;
	memset(&newest->app, 0, sizeof newest->app);
	out->has_manifest = newest->has_manifest;
	if (!newest->has_manifest)
		keep_stored_applicant(a, out);
	out->archive_name = xstrdup(newest->archive_name);
	memcpy(out->archive_sha256, newest->archive_sha256, sizeof out->archive_sha256);
	for (size_t i = 0; i < a->nfiles; i++) {
		const store_file *sf = &a->files[i];
		packet_file *f = packet_add_file(out);
		f->name = xstrdup(sf->name);
		f->raw_name_hex = sf->raw_name_hex ? xstrdup(sf->raw_name_hex) : NULL;
		f->path = xstrdup(sf->stored_path ? sf->stored_path : "");
		f->size = (uint64_t)sf->size;
		snprintf(f->sha256, sizeof f->sha256, "%s", sf->sha256);
		if (sniff_kept(ctx, f, i, &work) != 0)
			goto out;
		f->doc = sf->doc ? rules_doc_index(ctx->r, sf->doc) : -1;
		f->lang = sf->lang ? rules_lang_index(ctx->r, sf->lang) : -1;
		f->copy = sf->copy;
		if (f->doc < 0) {
			rules_var v[] = {{"file", f->name}};
			finding_add(out, ctx->r, "unrecognised_file", -1, -1, v, 1);
		}
	}
	rc = intake_check(&o, out);
out:
	if (work != NULL) {
		util_rmtree(work);
		free(work);
	}
	return rc;
}

/* A CPD record sent alone by a registered member (SPEC: re-registration,
 * "hours read from a CPD record the member emails"): its documents and
 * hours go to the member's application; it opens no application of its
 * own, which would stand incomplete and be answered so. 1 with res's id
 * and cpd set (queue_cpd gives its number); 0 for any other packet; -1 on
 * error. */
static int cpd_member_only(packetd_ctx *ctx, const packet *p, record_result *res)
{
	size_t docs = 0;
	int found;
	if (p->outcome == PACKET_REJECTED || p->ncpd == 0 || p->app.cmes_no == NULL || ctx->r->cpd_doc < 0)
		return 0;
	for (size_t i = 0; i < p->nfiles; i++) {
		if (p->files[i].ignored)
			continue;
		if (p->files[i].doc != ctx->r->cpd_doc)
			return 0;
		docs++;
	}
	found = docs > 0 ? store_cpd_registered(ctx->db, p->app.cmes_no, &res->id) : 0;
	res->cpd = found == 1;
	return found;
}

/* Creates or supplements; res receives the application. */
static int record(packetd_ctx *ctx, packet *p, const store_source *src, const char *const *stored_paths,
		  record_result *res)
{
	store_application a;
	packet merged;
	int rc = -1, found;
	res->resubmitted = 0;
	found = p->outcome != PACKET_REJECTED && p->app.cmes_no
			? store_find_open_by_cmes(ctx->db, p->app.cmes_no, &res->id, res->number)
			: 0;
	if (found == STORE_ERROR)
		return -1;
	if (found == STORE_NOT_FOUND) {
		switch (cpd_member_only(ctx, p, res)) {
		case -1:
			return -1;
		case 1:
			/* the record's documents join the member's application */
			if (store_application_add_files(ctx->db, res->id, p, ctx->r, src, stored_paths, ctx->now) != 0)
				return -1;
			return cpd_from_packet(ctx, p, res->id);
		}
		if (store_application_create(ctx->db, p, ctx->r, src, stored_paths, ctx->now, &res->id, res->number) != 0)
			return -1;
		/* a registered member's CPD record counts for re-registration */
		return cpd_from_packet(ctx, p, 0);
	}

	memset(&a, 0, sizeof a);
	packet_init(&merged);
	if (store_application_add_files(ctx->db, res->id, p, ctx->r, src, stored_paths, ctx->now) != 0 ||
	    store_application_get(ctx->db, ctx->r, res->id, NULL, &a) != STORE_FOUND)
		goto out;
	if (merged_packet(ctx, &a, p, &merged) != 0)
		goto out;
	if (store_application_set_result(ctx->db, res->id, &merged, ctx->r, "packetd", "supplementary documents received",
					 ctx->now) != 0)
		goto out;
	packet_free(p);
	*p = merged;
	packet_init(&merged);
	res->resubmitted = 1;
	rc = cpd_from_packet(ctx, p, 0);
out:
	packet_free(&merged);
	store_application_free(&a);
	return rc;
}

int record_application(packetd_ctx *ctx, packet *p, const store_source *src, const record_kept *kept,
		       const outbox_addr *ack, record_result *out)
{
	memset(out, 0, sizeof *out);
	if (record(ctx, p, src, (const char *const *)kept->paths, out) != 0)
		return -1;
	return out->cpd ? queue_cpd(ctx, p, out, ack) : queue_ack(ctx, p, out, ack);
}

void record_count(packetd_ctx *ctx, enum packet_outcome o)
{
	if (o == PACKET_COMPLETE)
		ctx->stats.complete++;
	else if (o == PACKET_INCOMPLETE)
		ctx->stats.incomplete++;
	else
		ctx->stats.rejected++;
}
