/* pipeline.c — the intake cycle and the email path. See pipeline.h. */
#include "pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "answer.h"
#include "cpd.h"
#include "fault.h"
#include "intake.h"
#include "log.h"
#include "mailmsg.h"
#include "mime.h"
#include "outbox.h"
#include "sniff.h"
#include "spool.h"
#include "status.h"
#include "transport.h"
#include "util.h"
#include "workflow.h"

char *pipeline_time_text(const pipeline *pl)
{
	char out[64];
	if (clock_format(pl->now, pl->conf->timezone, "%Y-%m-%d %H:%M (UTC%z)", out, sizeof out) != 0)
		return xstrdup("?");
	return xstrdup(out);
}

void pipeline_count_outcome(pipeline *pl, enum packet_outcome o)
{
	if (o == PACKET_COMPLETE)
		pl->stats.complete++;
	else if (o == PACKET_INCOMPLETE)
		pl->stats.incomplete++;
	else
		pl->stats.rejected++;
}

static const char *domain_of(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	return at && at[1] ? at + 1 : "packetd.invalid";
}

static const char *sender(const pipeline *pl)
{
	return pl->conf->smtp_from ? pl->conf->smtp_from : pl->conf->intake_address;
}

int pipeline_queue(pipeline *pl, int64_t app_id, const char *kind, const rules_var *vars, size_t nvars,
		   const char *to, const char *in_reply_to, const char *references, const char *auto_submitted,
		   const mailmsg_attachment *atts, size_t natts)
{
	notice n;
	notice_mail m;
	char *id = NULL, *msg = NULL;
	size_t len = 0;
	int rc = -1;
	if (to == NULL || *to == '\0') {
		log_info("notice %s: no address to send it to", kind);
		return 0;
	}
	if (notice_render(pl->conf->templates, kind, vars, nvars, &n) != 0)
		return -1;
	memset(&m, 0, sizeof m);
	m.from = sender(pl);
	m.to = to;
	m.in_reply_to = in_reply_to;
	m.references = references;
	m.auto_submitted = auto_submitted;
	m.domain = domain_of(pl->conf->intake_address);
	m.date = pl->now;
	m.atts = atts;
	m.natts = natts;
	msg = notice_build(&n, &m, &id, &len);
	if (msg == NULL)
		goto out;
	if (store_outbox_add(pl->db, app_id, kind, id, to, msg, len, pl->now) != 0) {
		log_error("outbox: %s", store_errmsg(pl->db));
		goto out;
	}
	pl->stats.notices++;
	rc = 0;
out:
	notice_free(&n);
	free(id);
	free(msg);
	return rc;
}

static const char *or_default(const char *v, const char *dflt)
{
	return v && *v ? v : dflt;
}

int pipeline_queue_ack(pipeline *pl, const packet *p, int64_t id, const char *number, int resubmitted,
		       const char *to, const char *in_reply_to, const char *references, const char *auto_submitted)
{
	const char *tpl = pl->conf->templates;
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
	cz = notice_checklist(p, pl->r, 1);
	ce = notice_checklist(p, pl->r, 0);
	fz = notice_findings(p, 1);
	fe = notice_findings(p, 0);
	hcz = notice_checklist_html(p, pl->r, tpl, 1);
	hce = notice_checklist_html(p, pl->r, tpl, 0);
	hfz = notice_findings_html(p, 1);
	hfe = notice_findings_html(p, 0);
	when = pipeline_time_text(pl);
	snprintf(fee, sizeof fee, "%ld", rules_fee(pl->r, "interview"));
	if (resubmitted) {
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
	rc = pipeline_queue(pl, id, p->outcome == PACKET_REJECTED ? "rejected" : "ack", vars,
			    sizeof vars / sizeof vars[0], to, in_reply_to, references, auto_submitted, NULL, 0);
	free(oz); free(oe); free(nz); free(ne); free(cz); free(ce); free(fz); free(fe);
	free(when); free(rz); free(re); free(az); free(ae);
	free(hcz); free(hce); free(hfz); free(hfe);
	return rc;
}

int pipeline_keep_files(pipeline *pl, const packet *p, kept_files *kept)
{
	kept->paths = xcalloc(p->nfiles + 1, sizeof *kept->paths);
	kept->n = p->nfiles;
	for (size_t i = 0; i < p->nfiles; i++) {
		if (p->files[i].ignored)
			continue;
		if (spool_keep(pl->conf->spool, p->files[i].path, p->files[i].sha256, &kept->paths[i]) != 0) {
			pipeline_kept_free(kept);
			return -1;
		}
	}
	return 0;
}

void pipeline_kept_free(kept_files *kept)
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
	json_t *o = a->applicant_json ? json_loads(a->applicant_json, 0, NULL) : NULL;
	out->has_manifest = 1;
	for (size_t i = 0; i < a->nfindings; i++)
		if (strcmp(a->findings[i].code, "manifest_missing") == 0)
			out->has_manifest = 0;
	for (size_t i = 0; o && i < APPLICANT_NFIELDS; i++) {
		const char *v = json_string_value(json_object_get(o, applicant_field_names[i]));
		if (v && *v)
			applicant_set(&out->app, applicant_field_names[i], v);
	}
	if (o)
		json_decref(o);
}

/* The application's current files as a packet, for checking it again after
 * a supplement. The applicant is the newest packet's manifest, else the
 * application's own details. */
static int merged_packet(pipeline *pl, const store_application *a, packet *newest, packet *out)
{
	intake_options o = {.r = pl->r, .lim = &pl->conf->limits, .now = pl->now};
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
		f->path = xstrdup(sf->stored_path ? sf->stored_path : "");
		f->size = (uint64_t)sf->size;
		snprintf(f->sha256, sizeof f->sha256, "%s", sf->sha256);
		if (sniff_file(f) != 0)
			return -1;
		f->doc = sf->doc ? rules_doc_index(pl->r, sf->doc) : -1;
		f->lang = sf->lang ? rules_lang_index(pl->r, sf->lang) : -1;
		f->copy = sf->copy;
		if (f->doc < 0) {
			rules_var v[] = {{"file", f->name}};
			intake_finding(out, pl->r, "unrecognised_file", -1, -1, v, 1);
		}
	}
	return intake_check(&o, out);
}

int pipeline_record(pipeline *pl, packet *p, const store_source *src, const char *const *stored_paths,
		    int64_t *id, char number[32], int *resubmitted)
{
	store_application a;
	packet merged;
	int rc = -1, found;
	*resubmitted = 0;
	found = p->outcome != PACKET_REJECTED && p->app.cmes_no
			? store_find_open_by_cmes(pl->db, p->app.cmes_no, id, number)
			: 0;
	if (found < 0)
		return -1;
	if (found == 0) {
		if (store_application_create(pl->db, p, pl->r, src, stored_paths, pl->now, id, number) != 0)
			return -1;
		/* a registered member's CPD record counts for re-registration */
		return cpd_from_packet(pl, p);
	}

	memset(&a, 0, sizeof a);
	packet_init(&merged);
	if (store_application_add_files(pl->db, *id, p, pl->r, src, stored_paths, pl->now) != 0 ||
	    store_application_get(pl->db, pl->r, *id, NULL, &a) != 1)
		goto out;
	if (merged_packet(pl, &a, p, &merged) != 0)
		goto out;
	if (store_application_set_result(pl->db, *id, &merged, pl->r, "packetd", "supplementary documents received",
					 pl->now) != 0)
		goto out;
	packet_free(p);
	*p = merged;
	packet_init(&merged);
	*resubmitted = 1;
	rc = cpd_from_packet(pl, p);
out:
	packet_free(&merged);
	store_application_free(&a);
	return rc;
}

static int record_item(pipeline *pl, const source *src, const char *key, const char *ref, const char *status,
		       int64_t app, const char *detail)
{
	store_item it = {.source = src->conf->name, .key = key, .ref = ref, .status = status,
			 .application_id = app, .detail = detail};
	if (store_item_add(pl->db, &it) != 0) {
		log_error("store: %s", store_errmsg(pl->db));
		return -1;
	}
	return 0;
}

/* The notice-free outcomes: record and commit the item alone. */
static int finish_item(pipeline *pl, const source *src, const char *key, const char *ref, const char *status,
		       const char *detail)
{
	if (store_begin(pl->db) != 0)
		return -1;
	if (record_item(pl, src, key, ref, status, 0, detail) != 0 || store_commit(pl->db) != 0) {
		store_rollback(pl->db);
		return -1;
	}
	return 0;
}

static char *references_of(const mime_message *m)
{
	buf b;
	if (m->message_id == NULL)
		return m->references ? xstrdup(m->references) : NULL;
	buf_init(&b, 0);
	if (m->references)
		buf_printf(&b, "%s ", m->references);
	buf_printf(&b, "<%s>", m->message_id);
	return buf_steal(&b);
}

static int answer_packet(pipeline *pl, const source *src, const source_item *it, const char *key,
			 const mime_message *m, const mime_attachment *att, const char *workdir, int *rejected)
{
	intake_options o = {.r = pl->r, .lim = &pl->conf->limits, .now = pl->now};
	const char *to = answer_address(m);
	char *refs = references_of(m), *unpacked = util_path_join(workdir, "packet");
	kept_files stored = {NULL, 0};
	char number[32] = "", sha[65];
	store_source ss = {.name = src->conf->name, .kind = src->ops->kind, .ref = it->ref,
			   .message_id = m->message_id, .reply_to = to,
			   .reply_to_header = answer_other_reply_to(m)};
	packet p;
	int64_t id = 0;
	int rc = 1, resubmitted = 0, found;
	packet_init(&p);
	if (util_sha256_file_hex(att->path, sha) != 0 || util_mkdirs(unpacked, 0700) != 0)
		goto out;
	found = store_find_archive(pl->db, sha, number);
	if (found < 0)
		goto out;
	if (found == 1) {
		/* The same archive again in a new message: say so, do nothing twice. */
		char *when = pipeline_time_text(pl);
		rules_var v[] = {{"application", number}, {"archive", or_default(att->filename, "?")},
				 {"received_at", when}, {"name_zh", ""}, {"name_en", ""}};
		if (store_begin(pl->db) != 0) {
			free(when);
			goto out;
		}
		if (record_item(pl, src, key, it->ref, "duplicate", 0, number) != 0 ||
		    pipeline_queue(pl, 0, "duplicate", v, 5, to, m->message_id, refs, "auto-replied", NULL, 0) != 0 ||
		    store_commit(pl->db) != 0) {
			store_rollback(pl->db);
			free(when);
			goto out;
		}
		free(when);
		pl->stats.duplicates++;
		log_info("%s: archive already received under %s", it->ref, number);
		rc = 0;
		goto out;
	}
	snprintf(p.archive_sha256, sizeof p.archive_sha256, "%s", sha);
	if (intake_archive(&o, att->path, or_default(att->filename, "packet.zip"), unpacked, &p) != 0)
		goto out;
	intake_fields_from_email(&p.app, m->from_addr, m->subject);
	if (intake_check(&o, &p) != 0)
		goto out;
	if (p.outcome == PACKET_REJECTED)
		spool_quarantine(pl->conf->spool, att->path, sha);
	if (pipeline_keep_files(pl, &p, &stored) != 0)
		goto out;
	if (store_begin(pl->db) != 0)
		goto out;
	if (pipeline_record(pl, &p, &ss, (const char *const *)stored.paths, &id, number, &resubmitted) != 0 ||
	    record_item(pl, src, key, it->ref, p.outcome == PACKET_REJECTED ? "rejected" : "processed", id, number) != 0 ||
	    pipeline_queue_ack(pl, &p, id, number, resubmitted, to, m->message_id, refs, "auto-replied") != 0 ||
	    store_commit(pl->db) != 0) {
		log_error("%s: not recorded: %s", it->ref, store_errmsg(pl->db));
		store_rollback(pl->db);
		goto out;
	}
	pl->stats.applications++;
	pipeline_count_outcome(pl, p.outcome);
	*rejected = p.outcome == PACKET_REJECTED;
	log_info("%s: application %s %s%s (%zu files, %zu findings)", it->ref, number,
		 packet_outcome_name(p.outcome), resubmitted ? " (supplement)" : "", p.nfiles, p.nfindings);
	if (ss.reply_to_header)
		log_info("%s: Reply-To %s differs from the sender %s: recorded, not answered", it->ref,
			 ss.reply_to_header, to);
	rc = 0;
out:
	pipeline_kept_free(&stored);
	packet_free(&p);
	free(refs);
	free(unpacked);
	return rc;
}

static int answer_no_packet(pipeline *pl, const source *src, const source_item *it, const char *key,
			    const mime_message *m)
{
	const char *to = answer_address(m);
	char *refs = references_of(m), *when = pipeline_time_text(pl);
	rules_var v[] = {{"subject", or_default(m->subject, "-")}, {"received_at", when}};
	int rc = -1;
	if (store_begin(pl->db) != 0)
		goto out;
	if (record_item(pl, src, key, it->ref, "no_packet", 0, NULL) != 0 ||
	    pipeline_queue(pl, 0, "no_packet", v, 2, to, m->message_id, refs, "auto-replied", NULL, 0) != 0 ||
	    store_commit(pl->db) != 0) {
		store_rollback(pl->db);
		goto out;
	}
	pl->stats.no_packet++;
	log_info("%s: no packet in the message from %s", it->ref, to);
	rc = 0;
out:
	free(refs);
	free(when);
	return rc;
}

/* "52.4 MB", "60 KB": sizes as an applicant reads them. */
static void human_size(uint64_t n, char *out, size_t len)
{
	if (n >= 1024 * 1024)
		snprintf(out, len, "%.1f MB", (double)n / (1024.0 * 1024.0));
	else
		snprintf(out, len, "%llu KB", (unsigned long long)((n + 1023) / 1024));
}

/* A message over max_message: only its header was read. Recorded (and
 * moved to Rejected by the caller); its sender is told the limit unless
 * the answering rules forbid it. */
static int answer_too_large(pipeline *pl, const source *src, const source_item *it, const char *key,
			    const mime_message *m, uint64_t size, const char *why)
{
	const char *to = answer_address(m);
	uint64_t limit = pl->conf->limits.max_message;
	char *refs = references_of(m), *when = pipeline_time_text(pl), detail[160], smb[32], lmb[32];
	int rc = -1;
	snprintf(detail, sizeof detail, "too large: %llu bytes, limit %llu%s%s", (unsigned long long)size,
		 (unsigned long long)limit, why ? "; not answered: " : "", why ? why : "");
	human_size(size, smb, sizeof smb);
	human_size(limit, lmb, sizeof lmb);
	rules_var v[] = {{"subject", or_default(m->subject, "-")}, {"received_at", when}, {"size", smb},
			 {"limit", lmb}};
	if (store_begin(pl->db) != 0)
		goto out;
	if (record_item(pl, src, key, it->ref, "too_large", 0, detail) != 0 ||
	    (why == NULL &&
	     pipeline_queue(pl, 0, "too_large", v, 4, to, m->message_id, refs, "auto-replied", NULL, 0) != 0) ||
	    store_commit(pl->db) != 0) {
		store_rollback(pl->db);
		goto out;
	}
	log_warn("%s: message of %llu bytes over max_message (%llu bytes): rejected, %s%s", it->ref,
		 (unsigned long long)size, (unsigned long long)limit, why ? "not answered: " : "sender told at ",
		 why ? why : to);
	rc = 0;
out:
	free(refs);
	free(when);
	return rc;
}

/* A STATUS request (status.h): answered, refused or quiet, and recorded. */
static int answer_status(pipeline *pl, const source *src, const source_item *it, const char *key,
			 const mime_message *m, const char *number)
{
	char *refs = references_of(m);
	status_request rq = {.from = answer_address(m), .number = number, .in_reply_to = m->message_id,
			     .references = refs};
	status_result res;
	int rc = -1;
	if (store_begin(pl->db) != 0)
		goto out;
	if (status_answer(pl, &rq, &res) != 0 ||
	    record_item(pl, src, key, it->ref, "status", res.application_id, res.detail) != 0 ||
	    store_commit(pl->db) != 0) {
		store_rollback(pl->db);
		goto out;
	}
	log_info("%s: STATUS request from %s%s%s: %s (%s)", it->ref, rq.from, *number ? " about " : "", number,
		 res.outcome == STATUS_ANSWERED ? "answered" : res.outcome == STATUS_REFUSED ? "refused" : "not answered",
		 res.detail);
	rc = 0;
out:
	free(refs);
	return rc;
}

/* The head of a message read for its header alone. */
#define PIPELINE_HEAD_MAX (256 * 1024)

int pipeline_message(pipeline *pl, source *src, const source_item *it, int *rejected)
{
	mime_message m;
	char err[256] = "", *workdir = NULL, *key = NULL, sha[65], status[32] = "", number[32] = "";
	const char *why;
	const mime_attachment *att = NULL;
	enum answer_kind kind = ANSWER_NO_PACKET;
	uint64_t size = it->size;
	struct stat st;
	int rc = 1, mrc;
	buf k;
	*rejected = 0;
	memset(&m, 0, sizeof m);
	buf_init(&k, 0);
	workdir = spool_workdir(pl->conf->spool);
	if (workdir == NULL)
		goto out;
	mrc = it->header_only ? MIME_TOO_LARGE
			      : mime_parse_file(it->path, workdir, pl->conf->limits.max_message, &m, err, sizeof err);
	if (mrc == MIME_TOO_LARGE) {
		/* Too large to take whole: its header says who to tell. */
		if (size == 0 && stat(it->path, &st) == 0)
			size = (uint64_t)st.st_size;
		mrc = mime_parse_header(it->path, PIPELINE_HEAD_MAX, &m, err, sizeof err) == MIME_OK ? MIME_TOO_LARGE
												 : MIME_ERROR;
		kind = ANSWER_TOO_LARGE;
	}
	if (mrc == MIME_ERROR) {
		/* Only a system error (disk full, unreadable file): a damaged
		 * message is MIME_OK. Temporary, so the message stays. */
		log_warn("%s: %s; retrying next cycle", it->ref, err);
		goto out;
	}
	if (m.message_id)
		buf_printf(&k, "mid:%s", m.message_id);
	else if (util_sha256_file_hex(it->path, sha) == 0)
		buf_printf(&k, "sha256:%s", sha);
	else
		goto out;
	key = buf_steal(&k);
	switch (store_item_exists(pl->db, key, status, sizeof status)) {
	case 1:
		/* Moved where its first run decided (a crash may have come
		 * between the commit and the move). */
		*rejected = strcmp(status, "rejected") == 0 || strcmp(status, "too_large") == 0;
		pl->stats.skipped++;
		log_info("%s: already processed (%s)", it->ref, key);
		rc = 0;
		goto out;
	case 0:
		break;
	default:
		log_warn("%s: database: %s; retrying next cycle", it->ref, store_errmsg(pl->db));
		goto out;
	}
	for (size_t i = 0; i < m.natts && att == NULL; i++)
		if (mime_is_archive(&m.atts[i]))
			att = &m.atts[i];
	if (att != NULL)
		kind = ANSWER_PACKET;
	else if (kind == ANSWER_NO_PACKET && answer_status_request(pl->conf->templates, &m, number))
		kind = ANSWER_STATUS;
	why = answer_why_not(pl->conf, &m, kind);
	if (kind == ANSWER_TOO_LARGE) {
		rc = answer_too_large(pl, src, it, key, &m, size, why) ? 1 : 0;
		*rejected = 1;
		goto out;
	}
	if (why != NULL) {
		log_info("%s: not answered: %s", it->ref, why);
		rc = finish_item(pl, src, key, it->ref, "ignored", why) ? 1 : 0;
		pl->stats.ignored += rc == 0;
		goto out;
	}
	if (kind == ANSWER_STATUS)
		rc = answer_status(pl, src, it, key, &m, number) ? 1 : 0;
	else if (kind == ANSWER_NO_PACKET)
		rc = answer_no_packet(pl, src, it, key, &m) ? 1 : 0;
	else
		rc = answer_packet(pl, src, it, key, &m, att, workdir, rejected);
out:
	if (rc != 0)
		pl->stats.deferred++;
	mime_message_free(&m);
	if (workdir) {
		util_rmtree(workdir);
		free(workdir);
	}
	buf_free(&k);
	free(key);
	return rc;
}

static int run_source(pipeline *pl, const config_source *cs)
{
	source src;
	source_item *items = NULL;
	size_t n = 0;
	if (source_open(&src, cs, pl->conf->spool) != 0)
		return -1;
	src.db = pl->db;
	src.limits = &pl->conf->limits;
	if (src.ops->list(&src, &items, &n) != 0) {
		log_warn("source %s: cannot list; retrying next cycle", cs->name);
		source_close(&src);
		return -1;
	}
	for (size_t i = 0; i < n && !(pl->stop && *pl->stop); i++) {
		int rejected = 0, rc;
		pl->stats.items++;
		log_progress("packetd: source %s: item %zu of %zu (%d applications so far)", cs->name, i + 1, n,
			     pl->stats.applications);
		if (src.ops->fetch(&src, &items[i]) != 0) {
			log_warn("source %s: cannot fetch %s; next cycle", cs->name, items[i].ref);
			pl->stats.deferred++;
			continue;
		}
		fault_point("fetched");
		rc = items[i].is_batch ? pipeline_batch(pl, &src, &items[i], &rejected)
				       : pipeline_message(pl, &src, &items[i], &rejected);
		if (rc != 0)
			log_warn("source %s: %s not finished; retrying next cycle", cs->name, items[i].ref);
		if (rc == 0)
			fault_point("committed");
		if (rc == 0 && src.ops->done(&src, &items[i], rejected) != 0)
			log_warn("source %s: %s processed but not moved; it will be recognised next cycle", cs->name,
				 items[i].ref);
	}
	log_progress_end();
	source_items_free(items, n);
	source_close(&src);
	return 0;
}

/* The cycle in one line, every count taken from the database (the rows
 * the cycle wrote), so that it always agrees with `list`, `outbox` and
 * the items table. Items left for the next cycle write no row: that count
 * is the cycle's own. */
static void cycle_summary(pipeline *pl, const store_cycle_marks *mk, const outbox_stats *os)
{
	store_cycle_counts c;
	if (store_cycle_count(pl->db, mk, &c) != 0) {
		snprintf(pl->summary, sizeof pl->summary, "%d items taken (counts unavailable: %s)", pl->stats.items,
			 store_errmsg(pl->db));
		return;
	}
	snprintf(pl->summary, sizeof pl->summary,
		 "%d items taken: %lld recorded, %d already processed, %d left for the next cycle; "
		 "%lld applications (%lld new, %lld supplemented; now %lld complete, %lld incomplete, %lld rejected), "
		 "%lld duplicates, %lld without packet, %lld STATUS requests, %lld too large, %lld not answered, "
		 "%lld batches (%lld rows); notices: %lld queued, %d delivered, %d deliveries deferred, %d failed, "
		 "%lld waiting in the outbox",
		 pl->stats.items, (long long)c.recorded, pl->stats.skipped, pl->stats.deferred,
		 (long long)c.applications, (long long)c.new_applications,
		 (long long)(c.applications - c.new_applications), (long long)c.complete, (long long)c.incomplete,
		 (long long)c.rejected, (long long)c.duplicates, (long long)c.no_packet, (long long)c.status,
		 (long long)c.too_large, (long long)c.ignored, (long long)c.batches, (long long)c.rows,
		 (long long)c.queued, os->sent, os->retried, os->failed, (long long)c.waiting);
}

int pipeline_cycle(pipeline *pl)
{
	transport t;
	outbox_stats os = {0, 0, 0};
	store_cycle_marks mk;
	pl->now = clock_now();
	pl->summary[0] = '\0';
	if (store_cycle_mark(pl->db, &mk) != 0) {
		log_warn("database: %s; retrying next cycle", store_errmsg(pl->db));
		return -1;
	}
	spool_clean_work(pl->conf->spool);
	for (size_t i = 0; i < pl->conf->nsources && !(pl->stop && *pl->stop); i++)
		run_source(pl, &pl->conf->sources[i]);
	/* reminders, re-registration, the nightly report: queued before the flush */
	workflow_cycle(pl);
	if (transport_open(&t, pl->conf) != 0) {
		cycle_summary(pl, &mk, &os);
		return -1;
	}
	outbox_flush(pl->db, &t, pl->now, &os);
	transport_close(&t);
	cycle_summary(pl, &mk, &os);
	log_info("cycle: %s", pl->summary);
	return 0;
}
