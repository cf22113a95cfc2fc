/* cli_centre.c — see cli_centre.h. Option parsing and output only; the
 * rules of each step live in workflow.c. */
#include "cli_centre.h"

#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cpd.h"
#include "fees_text.h"
#include "purge.h"
#include "refusal.h"
#include "report.h"
#include "transmit.h"
#include "util.h"
#include "workflow.h"

static const char *const commands[] = {"review", "soehk", "interview", "result", "pay", "certify", "transmit",
				       "report", "cpd", "purge"};

int cli_centre_is_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i], name) == 0)
			return 1;
	return 0;
}

void cli_centre_usage(FILE *out)
{
	fputs("certification centre (each takes --by NAME, default the login name):\n"
	      "  review ID --approve | --return REASON     initial review of a complete application\n"
	      "  soehk ID --accept | --return FEEDBACK      SOEHK's review result\n"
	      "  interview ID --at \"YYYY-MM-DD HH:MM\" --place PLACE [--minutes 45..75]\n"
	      "  result ID --pass | --fail | --no-show\n"
	      "  pay ID --item ITEM --amount YUAN [--ref TEXT]\n"
	      "                                       items: interview, soe_membership, soe_registration,\n"
	      "                                       cmes_membership, cmes_registration,\n"
	      "                                       soe_reregistration, cmes_reregistration\n"
	      "  certify ID                           certificates handed over (all fees paid)\n"
	      "  cpd ID --year YYYY --hours N [--ref TEXT]\n"
	      "                                       CPD hours of a year (re-registration needs them)\n"
	      "  purge [--dry-run] [--json]           delete documents past their retention\n"
	      "  transmit [--out DIR]                 archive of the recommended applications for SOEHK\n"
	      "  report nightly [--date YYYY-MM-DD] [--send | --out DIR]\n",
	      out);
}

static const char *login_name(void)
{
	struct passwd *pw = getpwuid(geteuid());
	if (pw && pw->pw_name && *pw->pw_name)
		return pw->pw_name;
	const char *user = getenv("USER");
	return user && *user ? user : "centre";
}

typedef struct opts {
	const char *id, *by, *reason, *at, *place, *item, *amount, *ref, *out, *date, *year, *hours;
	int approve, ret, accept, pass, fail, no_show, send, minutes_set, dry_run, json;
	long minutes;
	const char *minutes_text;
} opts;

enum {
	O_BY = 1, O_APPROVE, O_RETURN, O_ACCEPT, O_AT, O_PLACE, O_MINUTES, O_PASS, O_FAIL, O_NOSHOW,
	O_ITEM, O_AMOUNT, O_REF, O_OUT, O_DATE, O_SEND, O_YEAR, O_HOURS, O_DRYRUN, O_JSON
};

/* Parses the options; the one operand (ID, or "nightly") into o->id. */
static int parse(int argc, char **argv, opts *o)
{
	static const struct option lo[] = {
		{"by", required_argument, NULL, O_BY}, {"approve", no_argument, NULL, O_APPROVE},
		{"return", required_argument, NULL, O_RETURN}, {"accept", no_argument, NULL, O_ACCEPT},
		{"at", required_argument, NULL, O_AT}, {"place", required_argument, NULL, O_PLACE},
		{"minutes", required_argument, NULL, O_MINUTES}, {"pass", no_argument, NULL, O_PASS},
		{"fail", no_argument, NULL, O_FAIL}, {"no-show", no_argument, NULL, O_NOSHOW},
		{"item", required_argument, NULL, O_ITEM}, {"amount", required_argument, NULL, O_AMOUNT},
		{"ref", required_argument, NULL, O_REF}, {"out", required_argument, NULL, O_OUT},
		{"date", required_argument, NULL, O_DATE}, {"send", no_argument, NULL, O_SEND},
		{"year", required_argument, NULL, O_YEAR}, {"hours", required_argument, NULL, O_HOURS},
		{"dry-run", no_argument, NULL, O_DRYRUN}, {"json", no_argument, NULL, O_JSON},
		{NULL, 0, NULL, 0}};
	int ch;
	memset(o, 0, sizeof *o);
	o->minutes = 60;
	optind = 0;   /* 0: glibc re-initialises, so options may follow the operands */
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case O_BY: o->by = optarg; break;
		case O_APPROVE: o->approve = 1; break;
		case O_RETURN: o->ret = 1; o->reason = optarg; break;
		case O_ACCEPT: o->accept = 1; break;
		case O_AT: o->at = optarg; break;
		case O_PLACE: o->place = optarg; break;
		case O_MINUTES: o->minutes_set = 1; o->minutes_text = optarg; break;
		case O_PASS: o->pass = 1; break;
		case O_FAIL: o->fail = 1; break;
		case O_NOSHOW: o->no_show = 1; break;
		case O_ITEM: o->item = optarg; break;
		case O_AMOUNT: o->amount = optarg; break;
		case O_REF: o->ref = optarg; break;
		case O_OUT: o->out = optarg; break;
		case O_DATE: o->date = optarg; break;
		case O_SEND: o->send = 1; break;
		case O_YEAR: o->year = optarg; break;
		case O_HOURS: o->hours = optarg; break;
		case O_DRYRUN: o->dry_run = 1; break;
		case O_JSON: o->json = 1; break;
		default: return -1;
		}
	}
	if (optind < argc)
		o->id = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "packetd: %s: unexpected argument %s\n", argv[0], argv[optind]);
		return -1;
	}
	if (o->by == NULL)
		o->by = login_name();
	return 0;
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "packetd: %s\n", msg);
	cli_centre_usage(stderr);
	return 2;
}

/* Free text from the command line goes into the database and notices:
 * bounded and valid UTF-8. */
static int text_ok(const config *conf, const char *what, const char *s, size_t max)
{
	char msg[1024], mx[24];
	if (s == NULL)
		return 1;
	if (*s == '\0' || strlen(s) > max || !util_utf8_valid(s, strlen(s))) {
		snprintf(mx, sizeof mx, "%zu", max);
		refusal_print(stderr, refusal_say(&conf->texts, msg, sizeof msg, "text", "what", what, "max", mx, (const char *)NULL));
		return 0;
	}
	return 1;
}

/* "1200", "1200.0", "1200.00": whole yuan only. */
static int parse_amount(const char *s, long *out)
{
	char tmp[32];
	char *dot;
	if (s == NULL || strlen(s) >= sizeof tmp)
		return -1;
	snprintf(tmp, sizeof tmp, "%s", s);
	dot = strchr(tmp, '.');
	if (dot) {
		for (const char *p = dot + 1; *p; p++)
			if (*p != '0')
				return -1;
		*dot = '\0';
	}
	return util_parse_long(tmp, 1, 10000000, out);
}

static int result_code(workflow *w, int rc)
{
	if (w->warn[0])
		fprintf(stderr, "packetd: warning: %s\n", w->warn);
	if (rc == WF_OK) {
		if (w->info[0])
			printf("%s\n", w->info);
		return 0;
	}
	refusal_print(stderr, w->err[0] ? w->err : "failed");
	return 1;
}

static int report_cmd(packetd_ctx *ctx, const opts *o)
{
	char date[16];
	int rc = 1;
	if (o->id == NULL || strcmp(o->id, "nightly") != 0)
		return usage_error("usage: report nightly [--date YYYY-MM-DD] [--send | --out DIR]");
	if (o->send && o->out)
		return usage_error("report: --send or --out, not both");
	if (o->date) {
		char err[1024];
		snprintf(date, sizeof date, "%.10s", o->date);
		if (strlen(o->date) != 10)
			refusal_say(&ctx->conf->texts, err, sizeof err, "date", "value", o->date, (const char *)NULL);
		if (strlen(o->date) != 10 || report_date_check(ctx, o->date, err, sizeof err) != 0) {
			refusal_print(stderr, err);
			return 2;
		}
	} else {
		clock_format(ctx->now, ctx->conf->timezone, "%Y-%m-%d", date, sizeof date);
	}
	if (o->send) {
		char *id = NULL;
		int sent = report_send(ctx, date, &id);
		if (sent < 0) {
			fprintf(stderr, "packetd: report not queued: %s\n", store_errmsg(ctx->db));
			goto out;
		}
		if (sent == REPORT_ALREADY)
			printf("report of %s was already queued for %s; not queued again\n", date, ctx->conf->report_to);
		else
			printf("report of %s queued for %s (message %s); packetd run delivers it\n", date,
			       ctx->conf->report_to, id);
		free(id);
		rc = 0;
	} else {
		report_doc d;
		if (report_build(ctx, date, &d) != 0) {
			fprintf(stderr, "packetd: cannot build the report of %s\n", date);
			goto out;
		}
		if (o->out) {
			char name[64], *p, *html;
			int bad = util_mkdirs(o->out, 0750) != 0;
			snprintf(name, sizeof name, "report-%s.html", date);
			html = util_path_join(o->out, name);
			bad = bad || util_write_atomic(html, d.html, strlen(d.html)) != 0;
			snprintf(name, sizeof name, "report-%s.csv", date);
			p = util_path_join(o->out, name);
			bad = bad || util_write_atomic(p, d.csv, d.csv_len) != 0;
			if (bad)
				fprintf(stderr, "packetd: cannot write the report into %s\n", o->out);
			else
				printf("%s\n%s\n", html, p);
			free(html);
			free(p);
			rc = bad;
		} else {
			fputs(d.text, stdout);
			rc = 0;
		}
		report_doc_free(&d);
	}
out:
	return rc;
}

static int cpd_cmd(workflow *w, const opts *o)
{
	const texts *t = &w->ctx->conf->texts;
	char msg[1024];
	long year;
	double hours;
	if (o->year == NULL || o->hours == NULL)
		return usage_error("cpd: --year YYYY and --hours N are needed");
	if (util_parse_long(o->year, 1000, 9999, &year) != 0) {
		refusal_print(stderr, refusal_say(t, msg, sizeof msg, "year", "value", o->year, (const char *)NULL));
		return 1;
	}
	if (cpd_parse_hours(o->hours, &hours) != 0) {
		refusal_print(stderr, refusal_say(t, msg, sizeof msg, "hours", "value", o->hours, (const char *)NULL));
		return 1;
	}
	return result_code(w, workflow_cpd(w, o->id, (int)year, hours, o->ref));
}

static int purge_cmd(packetd_ctx *ctx, const opts *o)
{
	purge_result res;
	int rc = purge_run(ctx, o->dry_run, o->by, &res);
	if (o->json) {
		json_t *j = json_object();
		json_object_set_new(j, "dry_run", json_boolean(o->dry_run));
		json_object_set_new(j, "documents_years", json_integer(ctx->r->documents_years));
		json_object_set_new(j, "applications", res.items);
		json_object_set_new(j, "deleted", json_integer(res.deleted));
		json_object_set_new(j, "kept_shared", json_integer(res.kept_shared));
		json_object_set_new(j, "transmittals", json_integer(res.transmittals));
		char *s = json_dumps(j, JSON_INDENT(2));
		if (s)
			puts(s);
		free(s);
		json_decref(j);
	} else {
		for (size_t i = 0; i < json_array_size(res.items); i++) {
			json_t *it = json_array_get(res.items, i);
			printf("%s %-20s since %s: %lld stored files %s, %lld kept for another application\n",
			       json_string_value(json_object_get(it, "application")),
			       json_string_value(json_object_get(it, "state")),
			       json_string_value(json_object_get(it, "since")),
			       (long long)json_integer_value(json_object_get(it, "deleted")),
			       o->dry_run ? "to delete" : "deleted",
			       (long long)json_integer_value(json_object_get(it, "kept")));
		}
		printf("%s%d application%s past %d years of retention: %d stored files %s, %d kept (shared),"
		       " %d transmittal archives\n",
		       o->dry_run ? "dry run: " : "", res.applications, res.applications == 1 ? "" : "s",
		       ctx->r->documents_years, res.deleted, o->dry_run ? "would be deleted" : "deleted", res.kept_shared,
		       res.transmittals);
		json_decref(res.items);
	}
	if (rc != 0)
		fprintf(stderr, "packetd: purge stopped: %s\n", store_errmsg(ctx->db));
	return rc == 0 ? 0 : 1;
}

int cli_centre_main(const config *conf, const rules *r, int argc, char **argv)
{
	const char *cmd = argv[0];
	opts o;
	store *db = NULL;
	char err[512], msg[1024];
	int rc = 2;
	if (parse(argc, argv, &o) != 0)
		return usage_error("bad options");
	if (!text_ok(conf, "--by", o.by, 100) || !text_ok(conf, "--return", o.reason, 2000) ||
	    !text_ok(conf, "--place", o.place, 500) || !text_ok(conf, "--ref", o.ref, 200))
		return 1;
	if (strcmp(cmd, "transmit") != 0 && strcmp(cmd, "report") != 0 && strcmp(cmd, "purge") != 0 && o.id == NULL)
		return usage_error("which application? (ID: RRA-YYYY-NNNNNN)");
	if (util_mkdirs(conf->spool, 0750) != 0 || store_open(&db, conf->database, err, sizeof err) != 0) {
		fprintf(stderr, "packetd: %s: %s\n", conf->database, err);
		return 1;
	}
	packetd_ctx ctx = {.conf = conf, .r = r, .db = db, .now = clock_now()};
	workflow w = {.ctx = &ctx, .by = o.by};

	if (strcmp(cmd, "review") == 0) {
		if (o.approve == o.ret)
			rc = usage_error("review: --approve or --return REASON");
		else
			rc = result_code(&w, workflow_review(&w, o.id, o.approve, o.reason));
	} else if (strcmp(cmd, "soehk") == 0) {
		if (o.accept == o.ret)
			rc = usage_error("soehk: --accept or --return FEEDBACK");
		else
			rc = result_code(&w, workflow_soehk(&w, o.id, o.accept, o.reason));
	} else if (strcmp(cmd, "interview") == 0) {
		time_t at;
		long minutes = 60;
		if (o.at == NULL || o.place == NULL) {
			rc = usage_error("interview: --at \"YYYY-MM-DD HH:MM\" and --place PLACE are needed");
		} else if (clock_local_time(conf->timezone, o.at, &at) != 0) {
			refusal_print(stderr, refusal_say(&conf->texts, msg, sizeof msg, "at", "zone", conf->timezone,
							  "value", o.at, (const char *)NULL));
			rc = 1;
		} else if (o.minutes_set && util_parse_long(o.minutes_text, 0, 100000, &minutes) != 0) {
			refusal_print(stderr, refusal_say(&conf->texts, msg, sizeof msg, "minutes", "value", o.minutes_text,
							  (const char *)NULL));
			rc = 1;
		} else {
			rc = result_code(&w, workflow_interview(&w, o.id, at, o.place, (int)minutes));
		}
	} else if (strcmp(cmd, "result") == 0) {
		if (o.pass + o.fail + o.no_show != 1)
			rc = usage_error("result: one of --pass, --fail, --no-show");
		else
			rc = result_code(&w, workflow_result(&w, o.id, o.pass ? "pass" : o.fail ? "fail" : "no_show"));
	} else if (strcmp(cmd, "pay") == 0) {
		long amount;
		if (o.item == NULL || o.amount == NULL) {
			rc = usage_error("pay: --item ITEM and --amount YUAN are needed");
		} else if (parse_amount(o.amount, &amount) != 0) {
			refusal_print(stderr, refusal_say(&conf->texts, msg, sizeof msg, "amount", "value", o.amount, (const char *)NULL));
			rc = 1;
		} else {
			rc = result_code(&w, workflow_pay(&w, o.id, o.item, amount, o.ref));
		}
	} else if (strcmp(cmd, "certify") == 0) {
		rc = result_code(&w, workflow_certify(&w, o.id));
	} else if (strcmp(cmd, "transmit") == 0) {
		char path[4096];
		int count = 0;
		char *dflt = util_path_join(conf->spool, "transmittals");
		int t = o.id ? WF_REFUSED : transmit_run(&w, o.out ? o.out : dflt, path, sizeof path, &count);
		if (o.id)
			rc = usage_error("transmit takes no application: it sends every recommended one");
		else if (t == WF_OK) {
			printf("%s: %d application%s for SOEHK\n", path, count, count == 1 ? "" : "s");
			rc = 0;
		} else
			rc = result_code(&w, t);
		free(dflt);
	} else if (strcmp(cmd, "report") == 0) {
		rc = report_cmd(&ctx, &o);
	} else if (strcmp(cmd, "cpd") == 0) {
		rc = cpd_cmd(&w, &o);
	} else if (strcmp(cmd, "purge") == 0) {
		rc = o.id ? usage_error("purge takes no application: it purges every one past its retention")
			  : purge_cmd(&ctx, &o);
	}
	store_close(db);
	return rc;
}

static int same_sha(json_t *file, const char *sha)
{
	const char *v = json_string_value(json_object_get(file, "sha256"));
	return v && strcmp(v, sha) == 0;
}

/* Marks "purged": true on every file of the show JSON whose SHA-256 the
 * retention purged. */
static void mark_purged(store *db, int64_t id, json_t *j)
{
	store_purged_list t;
	json_t *docs = json_object_get(j, "documents"), *slot, *f;
	size_t i, k;
	if (store_purge_files(db, id, &t) != 0)
		return;
	for (size_t r = 0; r < t.n; r++) {
		const char *sha = t.rows[r].sha256;
		json_array_foreach(docs, i, slot) {
			json_array_foreach(json_object_get(slot, "files"), k, f)
				if (same_sha(f, sha))
					json_object_set_new(f, "purged", json_true());
		}
		json_array_foreach(json_object_get(j, "unrecognised"), k, f)
			if (same_sha(f, sha))
				json_object_set_new(f, "purged", json_true());
	}
	if (t.n > 0)
		json_object_set_new(j, "documents_purged_at", json_string(t.rows[0].purged_at));
	store_purged_list_free(&t);
}

static void show_cpd(packetd_ctx *ctx, int64_t id, json_t *j)
{
	store_cpd_list t;
	cpd_status cs;
	json_t *o = json_object(), *years = json_array();
	if (store_cpd_list_get(ctx->db, id, &t) == 0) {
		for (size_t i = 0; i < t.n; i++) {
			json_t *y = json_object();
			json_object_set_new(y, "year", json_integer(t.rows[i].year));
			json_object_set_new(y, "hours", json_real(t.rows[i].hours));
			json_object_set_new(y, "source", json_string(t.rows[i].source));
			json_object_set_new(y, "ref", json_string(t.rows[i].ref));
			json_array_append_new(years, y);
		}
		store_cpd_list_free(&t);
	}
	json_object_set_new(o, "years", years);
	if (cpd_status_of(ctx, id, &cs) == 0 && cs.year > 0) {
		json_object_set_new(o, "reregistration_year", json_integer(cs.year));
		json_object_set_new(o, "cpd_year", json_integer(cs.cpd_year));
		json_object_set_new(o, "recorded", json_real(cs.recorded));
		json_object_set_new(o, "required", json_real(cs.required));
		json_object_set_new(o, "missing", json_real(cs.missing));
	}
	json_object_set_new(j, "cpd", o);
}

void cli_centre_show(store *db, const config *conf, const rules *r, const store_application *a, json_t *j)
{
	fees f;
	store_history_list h;
	store_interview iv;
	packetd_ctx ctx = {.conf = conf, .r = r, .db = db, .now = clock_now()};
	if (fees_of_application(db, r, a, ctx.now, &f) == 0)
		fees_json(&f, conf->timezone, j);
	show_cpd(&ctx, a->id, j);
	mark_purged(db, a->id, j);
	if (store_wf_interview_get(db, a->id, &iv) == 1) {
		char at[32] = "";
		json_t *io = json_object();
		struct tm tm;
		if (gmtime_r(&iv.starts_at, &tm))
			strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_object_set_new(io, "starts_at", json_string(at));
		json_object_set_new(io, "minutes", json_integer(iv.minutes));
		json_object_set_new(io, "place", json_string(iv.place));
		json_object_set_new(io, "plans", json_integer(iv.plans));
		json_object_set_new(j, "interview", io);
	}
	store_interview_free(&iv);
	if (store_wf_history(db, a->id, &h) == 0) {
		json_t *arr = json_array();
		for (size_t i = 0; i < h.n; i++) {
			const store_history_row *s = &h.rows[i];
			const char *keys[] = {"at", "from", "to", "by", "reason", "event"};
			const char *vals[] = {s->at, s->from, s->to, s->by, s->reason, s->event};
			json_t *o = json_object();
			for (size_t k = 0; k < 6; k++)
				json_object_set_new(o, keys[k], vals[k] ? json_string(vals[k]) : json_null());
			json_array_append_new(arr, o);
		}
		json_object_set_new(j, "history", arr);
		store_history_list_free(&h);
	}
}

static const char *js(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v && *v ? v : "-";
}

/* A fee amount of the show JSON: a number, or the society's rate. */
static void print_amount(FILE *out, json_t *v)
{
	if (json_is_integer(v))
		fprintf(out, "%lld yuan", (long long)json_integer_value(v));
	else
		fputs("at the society's rate", out);
}

void cli_centre_show_text(json_t *j, FILE *out)
{
	json_t *app = json_object_get(j, "applicant"), *v, *p;
	size_t i, k;
	const char *key;
	int missing = 0;
	fprintf(out, "%s  %s  %s\n", js(j, "id"), js(j, "state"), js(j, "target"));
	fprintf(out, "  applicant: %s / %s <%s>, %s\n", js(app, "name_zh"), js(app, "name_en"), js(app, "email"),
		js(app, "province"));
	fprintf(out, "  CMES no. %s, qualification %s, senior engineer %s\n", js(app, "cmes_no"),
		js(app, "cmes_qualification"), js(app, "senior_engineer"));
	fprintf(out, "  received %s, updated %s\n", js(j, "created_at"), js(j, "updated_at"));
	v = json_object_get(j, "source");
	fprintf(out, "  notices go to %s\n", js(v, "notices_to"));
	if (json_string_value(json_object_get(v, "reply_to")))
		fprintf(out, "  Reply-To %s (another address: recorded, never answered)\n", js(v, "reply_to"));
	json_array_foreach(json_object_get(j, "documents"), i, v) {
		json_int_t c = json_integer_value(json_object_get(v, "copies"));
		json_int_t r = json_integer_value(json_object_get(v, "required"));
		if (c < r) {
			fprintf(out, "%s %s/%s: %lld of %lld\n", missing++ ? " " : "  missing documents:\n   ",
				js(v, "document"), js(v, "language"), (long long)c, (long long)r);
		}
	}
	json_array_foreach(json_object_get(j, "findings"), i, v)
		if (strcmp(js(v, "severity"), "info") != 0)
			fprintf(out, "  finding %s (%s): %s\n", js(v, "code"), js(v, "severity"), js(v, "message_en"));
	if (json_object_get(j, "documents_purged_at"))
		fprintf(out, "  documents purged at %s (retention); names and hashes kept\n", js(j, "documents_purged_at"));
	v = json_object_get(j, "interview");
	if (v)
		fprintf(out, "  interview: %s UTC, %lld minutes, %s (plan %lld)\n", js(v, "starts_at"),
			(long long)json_integer_value(json_object_get(v, "minutes")), js(v, "place"),
			(long long)json_integer_value(json_object_get(v, "plans")));
	json_object_foreach(json_object_get(j, "fees"), key, v) {
		json_array_foreach(json_object_get(v, "periods"), k, p) {
			json_int_t y = json_integer_value(json_object_get(p, "year"));
			char period[48] = "";
			if (y)
				snprintf(period, sizeof period, "year %lld from %s", (long long)y, js(p, "from"));
			fprintf(out, "  fee %-20s %-22s due ", key, period);
			print_amount(out, json_object_get(p, "due"));
			fprintf(out, ", paid %lld yuan, outstanding ", (long long)json_integer_value(json_object_get(p, "paid")));
			print_amount(out, json_object_get(p, "outstanding"));
			fputc('\n', out);
		}
	}
	v = json_object_get(j, "fees_total");
	if (v)
		fprintf(out, "  fees in total: due %lld, paid %lld, outstanding %lld yuan%s\n",
			(long long)json_integer_value(json_object_get(v, "due")),
			(long long)json_integer_value(json_object_get(v, "paid")),
			(long long)json_integer_value(json_object_get(v, "outstanding")),
			json_object_get(v, "unknown") ? " plus the CMES membership at the society's rate" : "");
	v = json_object_get(j, "cpd");
	json_array_foreach(json_object_get(v, "years"), i, p)
		fprintf(out, "  CPD %lld: %g hours (%s%s%s)\n", (long long)json_integer_value(json_object_get(p, "year")),
			json_real_value(json_object_get(p, "hours")), js(p, "source"),
			*js(p, "ref") != '-' ? ", ref " : "", *js(p, "ref") != '-' ? js(p, "ref") : "");
	if (json_object_get(v, "cpd_year"))
		fprintf(out, "  re-registration year %lld needs CPD of %lld: %g of %g hours recorded, %g missing\n",
			(long long)json_integer_value(json_object_get(v, "reregistration_year")),
			(long long)json_integer_value(json_object_get(v, "cpd_year")),
			json_real_value(json_object_get(v, "recorded")), json_real_value(json_object_get(v, "required")),
			json_real_value(json_object_get(v, "missing")));
	fputs("  history:\n", out);
	json_array_foreach(json_object_get(j, "history"), i, v)
		fprintf(out, "    %s  %-20s %s → %s  by %s: %s\n", js(v, "at"), js(v, "event"), js(v, "from"), js(v, "to"),
			js(v, "by"), js(v, "reason"));
}
