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
#include "report.h"
#include "transmit.h"
#include "util.h"
#include "workflow.h"

static const char *const commands[] = {"review", "soehk", "interview", "result", "pay", "certify", "transmit",
				       "report"};

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
	const char *id, *by, *reason, *at, *place, *item, *amount, *ref, *out, *date;
	int approve, ret, accept, pass, fail, no_show, send, minutes_set;
	long minutes;
	const char *minutes_text;
} opts;

enum {
	O_BY = 1, O_APPROVE, O_RETURN, O_ACCEPT, O_AT, O_PLACE, O_MINUTES, O_PASS, O_FAIL, O_NOSHOW,
	O_ITEM, O_AMOUNT, O_REF, O_OUT, O_DATE, O_SEND
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
static int text_ok(const char *what, const char *s, size_t max)
{
	if (s == NULL)
		return 1;
	if (*s == '\0' || strlen(s) > max || !util_utf8_valid(s, strlen(s))) {
		fprintf(stderr, "packetd: %s must be 1 to %zu bytes of UTF-8 text\n", what, max);
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
	if (rc == WF_OK) {
		if (w->info[0])
			printf("%s\n", w->info);
		return 0;
	}
	fprintf(stderr, "packetd: %s\n", w->err[0] ? w->err : "failed");
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
		time_t t;
		if (strlen(o->date) != 10 || clock_parse_iso(o->date, &t) != 0) {
			fprintf(stderr, "packetd: --date must be YYYY-MM-DD, not \"%s\"\n", o->date);
			return 1;
		}
		snprintf(date, sizeof date, "%s", o->date);
	} else {
		clock_format(ctx->now, ctx->conf->timezone, "%Y-%m-%d", date, sizeof date);
	}
	if (o->send) {
		char *id = NULL;
		if (store_begin(ctx->db) != 0)
			goto out;
		if (report_queue(ctx, date, &id) != 0 || store_commit(ctx->db) != 0) {
			store_rollback(ctx->db);
			fprintf(stderr, "packetd: report not queued: %s\n", store_errmsg(ctx->db));
			goto out;
		}
		printf("report of %s queued for %s (message %s); packetd run delivers it\n", date, ctx->conf->report_to, id);
		free(id);
		rc = 0;
	} else {
		report_doc d;
		if (report_build(ctx, date, &d) != 0) {
			fprintf(stderr, "packetd: cannot build the report of %s\n", date);
			goto out;
		}
		if (o->out) {
			char name[64], *p;
			int bad = util_mkdirs(o->out, 0750) != 0;
			snprintf(name, sizeof name, "report-%s.html", date);
			p = util_path_join(o->out, name);
			bad = bad || util_write_atomic(p, d.html, strlen(d.html)) != 0;
			free(p);
			snprintf(name, sizeof name, "report-%s.csv", date);
			p = util_path_join(o->out, name);
			bad = bad || util_write_atomic(p, d.csv, d.csv_len) != 0;
			if (bad)
				fprintf(stderr, "packetd: cannot write the report into %s\n", o->out);
			else
				printf("%s\n", p);
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

int cli_centre_main(const config *conf, const rules *r, int argc, char **argv)
{
	const char *cmd = argv[0];
	opts o;
	store *db = NULL;
	char err[512];
	int rc = 2;
	if (parse(argc, argv, &o) != 0)
		return usage_error("bad options");
	if (!text_ok("--by", o.by, 100) || !text_ok("the reason", o.reason, 2000) ||
	    !text_ok("--place", o.place, 500) || !text_ok("--ref", o.ref, 200))
		return 1;
	if (strcmp(cmd, "transmit") != 0 && strcmp(cmd, "report") != 0 && o.id == NULL)
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
			fprintf(stderr, "packetd: --at must be \"YYYY-MM-DD HH:MM\" (%s), not \"%s\"\n",
				conf->timezone ? conf->timezone : "Asia/Shanghai", o.at);
			rc = 1;
		} else if (o.minutes_set && util_parse_long(o.minutes_text, 0, 100000, &minutes) != 0) {
			fprintf(stderr, "packetd: --minutes must be a number between 45 and 75\n");
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
			fprintf(stderr, "packetd: --amount must be whole yuan between 1 and 10000000, not \"%s\"\n", o.amount);
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
	}
	store_close(db);
	return rc;
}

void cli_centre_show(store *db, const rules *r, const store_application *a, json_t *j)
{
	fees f;
	store_table h;
	store_interview iv;
	json_t *fo, *tot;
	long due = 0, paid = 0, outst = 0;
	if (fees_of_application(db, r, a, clock_now(), &f) == 0) {
		fo = json_object();
		for (int i = 0; i < FEES_NITEMS; i++) {
			json_t *it;
			if (f.due[i] == 0 && f.paid[i] == 0)
				continue;
			it = json_object();
			json_object_set_new(it, "due", json_integer(f.due[i]));
			json_object_set_new(it, "paid", json_integer(f.paid[i]));
			json_object_set_new(it, "outstanding", json_integer(fees_outstanding(&f, i)));
			json_object_set_new(fo, fees_item_names[i], it);
			due += f.due[i];
			paid += f.paid[i];
			outst += fees_outstanding(&f, i);
		}
		json_object_set_new(j, "fees", fo);
		tot = json_object();
		json_object_set_new(tot, "due", json_integer(due));
		json_object_set_new(tot, "paid", json_integer(paid));
		json_object_set_new(tot, "outstanding", json_integer(outst));
		json_object_set_new(j, "fees_total", tot);
	}
	if (store_wf_interview_get(db, a->id, &iv) == STORE_FOUND) {
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
		static const char *const keys[] = {"at", "from", "to", "by", "reason", "event"};
		json_t *arr = json_array();
		for (size_t i = 0; i < h.nrows; i++) {
			json_t *o = json_object();
			for (size_t k = 0; k < 6; k++) {
				const char *v = h.cells[i * h.ncols + k];
				json_object_set_new(o, keys[k], v ? json_string(v) : json_null());
			}
			json_array_append_new(arr, o);
		}
		json_object_set_new(j, "history", arr);
		store_table_free(&h);
	}
}
