/* main.c — the packetd command line (SPEC section 9). */
#include <errno.h>
#include <stdint.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <systemd/sd-daemon.h>

#include "cli.h"
#include "cli_centre.h"
#include "cli_web.h"
#include "clock.h"
#include "config.h"
#include "cycle.h"
#include "intake.h"
#include "log.h"
#include "notice.h"
#include "pjson.h"
#include "rules.h"
#include "spool.h"
#include "store.h"
#include "workflow.h"
#include "util.h"
#include "version.h"
#include "wait.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

/* The signal's number, so that the log can name it. */
static void on_term(int sig)
{
	stop_requested = sig;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));
	if (s) {
		puts(s);
		free(s);
	}
	json_decref(j);
}

static void print_packet_text(const packet *p, const rules *r)
{
	char *cz = notice_checklist(p, r, 1), *ce = notice_checklist(p, r, 0);
	char *fz = notice_findings(p, 1), *fe = notice_findings(p, 0);
	printf("%s: %s\n\n材料清单 / Checklist:\n%s%s\n审核意见 / Findings:\n%s%s", p->archive_name,
	       packet_outcome_name(p->outcome), cz, ce, fz, fe);
	free(cz);
	free(ce);
	free(fz);
	free(fe);
}

static int cmd_validate(cli_env *c, int argc, char **argv)
{
	static const struct option opts[] = {{"target", required_argument, NULL, 't'},
					     {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	const char *target = NULL, *path;
	int json = 0, ch, rc = 3;
	const char *tmpdir = getenv("TMPDIR");
	char tmpl[4096];
	char *workdir = NULL;
	packet p;
	optind = 0;   /* 0: glibc re-initialises, so options may follow the operands */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 't')
			target = optarg;
		else if (ch == 'j')
			json = 1;
		else
			return 3;
	}
	if (optind != argc - 1) {
		cli_usage_error(cli_find("validate"), optind < argc ? "one packet at a time" : "which packet?");
		return 3;
	}
	path = argv[optind];
	if (target && strcmp(target, "CEng") != 0 && strcmp(target, "IEng") != 0) {
		fprintf(stderr, "packetd: --target must be CEng or IEng, not \"%s\"\n", target);
		return 3;
	}
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "packetd: %s: %s\n", path, strerror(errno));
		return 3;
	}
	if (cli_load(c) != 0)
		return 3;
	snprintf(tmpl, sizeof tmpl, "%s/packetd-validate.XXXXXX", tmpdir && *tmpdir == '/' ? tmpdir : "/tmp");
	workdir = mkdtemp(tmpl);
	if (workdir == NULL) {
		fprintf(stderr, "packetd: cannot create a work folder: %s\n", strerror(errno));
		return 3;
	}
	packet_init(&p);
	intake_options o = {.r = &c->r, .lim = &c->conf.limits, .target = target, .now = clock_now()};
	const char *slash = strrchr(path, '/');
	if (intake_archive(&o, path, slash ? slash + 1 : path, workdir, &p) != 0 || intake_check(&o, &p) != 0) {
		fprintf(stderr, "packetd: %s: cannot be checked (system error)\n", path);
		goto out;
	}
	if (json)
		print_json(pjson_packet(&p, &c->r));
	else
		print_packet_text(&p, &c->r);
	rc = (int)p.outcome;
out:
	packet_free(&p);
	util_rmtree(workdir);
	return rc;
}

static int open_store(cli_env *c, store **db)
{
	char err[512];
	if (util_mkdirs(c->conf.spool, 0750) != 0 || store_open(db, c->conf.database, err, sizeof err) != 0) {
		fprintf(stderr, "packetd: %s: %s\n", c->conf.database, err);
		return -1;
	}
	return 0;
}

static int same_folder(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The daemon holds the locks, the sandbox's root and the fetched copies of
 * the folders it started with: moving them needs a restart. */
static int same_places(const config *now, const config *fresh)
{
	if (strcmp(now->spool, fresh->spool) == 0 && strcmp(now->scratch, fresh->scratch) == 0)
		return 1;
	log_error("spool and scratch are taken at start; restart packetd to move them");
	return 0;
}

static int cmd_run(cli_env *c, int argc, char **argv)
{
	int once = 0, lock_fd = -1, rc = 1, watchdog;
	uint64_t watchdog_usec = 0;
	store *db = NULL;
	wait_set *ws = NULL;
	zygote zy;
	char *work_root = NULL;   /* owned: where the sandbox's workers may write */
	int scratch_lock_fd = -1;
	char err[512];
	static const struct option opts[] = {{"once", no_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
	int ch;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'o')
			once = 1;
		else
			return cli_usage_error(cli_find("run"), NULL);
	}
	if (optind < argc)
		return cli_usage_error(cli_find("run"), "run takes no operand");
	if (cli_load(c) != 0)
		return 1;
	intake_zygote_init(&zy, &c->r);
	if (config_check_secrets(&c->conf, err, sizeof err) != 0) {
		fprintf(stderr, "packetd: %s\n", err);
		return 1;
	}
	/* A notice that cannot be rendered would be found only when an applicant
	 * waits for it: refuse to start instead. */
	if (texts_check(&c->conf.texts, stderr) != 0) {
		fprintf(stderr, "packetd: %s: the templates above must be fixed first\n", c->conf.templates);
		return 1;
	}
	if (spool_init(c->conf.spool, c->conf.scratch) != 0)
		return 1;
	if (spool_lock(c->conf.spool, &lock_fd) != 0) {
		fprintf(stderr, "packetd: another packetd run holds the lock of spool %s\n", c->conf.spool);
		return 1;
	}
	/* two spools sharing one scratch folder would clear each other's work */
	if (!same_folder(c->conf.spool, c->conf.scratch) && spool_lock(c->conf.scratch, &scratch_lock_fd) != 0) {
		fprintf(stderr, "packetd: another packetd run holds the lock of scratch %s\n", c->conf.scratch);
		close(lock_fd);
		return 1;
	}
	/* The sandbox helper forks while packetd is still small: before the
	 * database, the sources and their buffers (zygote.h). */
	work_root = util_path_join(c->conf.scratch, "work");
	zy.work_root = work_root;
	if (zygote_start(&zy) != 0)
		log_warn("sandbox helper not started: every packet forks packetd itself");
	if (open_store(c, &db) != 0)
		goto out;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGHUP, on_hup);
	/* systemd (Type=notify): ready once the config is loaded and the
	 * database open. Without $NOTIFY_SOCKET these calls do nothing. */
	watchdog = !once && sd_watchdog_enabled(0, &watchdog_usec) > 0;
	if (!once)
		sd_notifyf(0, "READY=1\nMAINPID=%lu\nSTATUS=started, first cycle running", (unsigned long)getpid());
	/* IMAP IDLE watches, kept across cycles (wait.h) */
	ws = once ? NULL : wait_open(&c->conf);
	for (;;) {
		packetd_ctx px = {.conf = &c->conf, .r = &c->r, .db = db, .stop = &stop_requested, .zy = &zy};
		wait_arm(ws);
		cycle_run(&px);
		if (once) {
			/* counted from the rows the cycle wrote (context.h) */
			printf("packetd: %s\n", px.summary);
			break;
		}
		sd_notifyf(0, "STATUS=last cycle: %s", px.summary);
		if (!stop_requested && !reload_requested) {
			wait_until u = {.poll_interval = c->conf.poll_interval, .watchdog_usec = watchdog ? watchdog_usec : 0,
					.stop = &stop_requested, .reload = &reload_requested};
			time_t due;
			px.now = clock_now();
			due = workflow_next_due(&px, c->conf.poll_interval);
			/* a second late rather than early: the work is due at its second */
			u.due_in = due ? due - px.now + 1 : 0;
			wait_next(ws, &u);
		}
		if (stop_requested) {
			log_info("signal %s received: stopping (the current item was finished)",
				 stop_requested == SIGINT ? "SIGINT" : "SIGTERM");
			sd_notify(0, "STOPPING=1");
			break;
		}
		if (reload_requested) {
			cli_env fresh = {.config_path = c->config_path};
			reload_requested = 0;
			log_info("signal SIGHUP received: reloading %s", c->conf.file);
			sd_notify(0, "RELOADING=1");
			if (cli_load(&fresh) == 0 && texts_check(&fresh.conf.texts, stderr) == 0 &&
			    same_places(&c->conf, &fresh.conf)) {
				/* the watches point into the old config's sources */
				wait_close(ws);
				cli_unload(c);
				c->conf = fresh.conf;
				c->r = fresh.r;
				c->conf_loaded = c->rules_loaded = 1;
				/* the helper holds the rules it was forked with */
				zygote_stop(&zy);
				free(work_root);
				work_root = util_path_join(c->conf.scratch, "work");
				zy.work_root = work_root;
				if (zygote_start(&zy) != 0)
					log_warn("sandbox helper not restarted: every packet forks packetd itself");
				/* after the fork: the helper must not hold the watches' sockets */
				ws = wait_open(&c->conf);
				log_info("configuration reloaded");
			} else {
				cli_unload(&fresh);
				/* cli_load applied the refused file's log_level: restore ours. */
				log_set_level_name(c->conf.log_level);
				log_error("new configuration refused; keeping the old one");
			}
			sd_notify(0, "READY=1");
		}
	}
	rc = 0;
out:
	wait_close(ws);
	zygote_stop(&zy);
	free(work_root);
	if (db)
		store_close(db);
	if (lock_fd >= 0)
		close(lock_fd);
	if (scratch_lock_fd >= 0)
		close(scratch_lock_fd);
	return rc;
}

typedef struct list_ctx {
	int json;
	size_t n;
} list_ctx;

static int list_row(const store_app_row *row, void *arg)
{
	list_ctx *l = arg;
	if (l->json)
		return pjson_write_brief(stdout, row, l->n++ == 0);
	l->n++;
	printf("%-16s %-11s %-5s %-10s %s\n", row->number, row->state, row->target ? row->target : "-",
	       row->name_zh ? row->name_zh : "-", row->name_en ? row->name_en : "-");
	return 0;
}

/* Streams the rows as they come from one query: time and memory stay
 * flat whatever the ledger's size. */
static int cmd_list(cli_env *c, int argc, char **argv)
{
	static const struct option opts[] = {{"state", required_argument, NULL, 's'},
					     {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	const char *state = NULL;
	list_ctx l = {0, 0};
	int ch, rc = 1;
	store *db = NULL;
	optind = 0;   /* 0: glibc re-initialises, so options may follow the operands */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 's')
			state = optarg;
		else if (ch == 'j')
			l.json = 1;
		else
			return cli_usage_error(cli_find("list"), NULL);
	}
	if (optind < argc)
		return cli_usage_error(cli_find("list"), "list takes no operand");
	if (state && !workflow_state_known(state)) {
		char states[1024];
		workflow_states(states, sizeof states);
		fprintf(stderr, "packetd: list: unknown state \"%s\"; states: %s\n", state, states);
		return CLI_USAGE;
	}
	if (cli_load(c) != 0 || open_store(c, &db) != 0)
		goto out;
	if (l.json)
		fputs("[\n", stdout);
	if (store_application_each(db, state, list_row, &l) != 0) {
		fprintf(stderr, "packetd: list: %s\n", store_errmsg(db));
		goto out;
	}
	if (l.json)
		fputs(l.n ? "\n]\n" : "]\n", stdout);
	rc = fflush(stdout) != 0;
out:
	if (db)
		store_close(db);
	return rc;
}

static int cmd_show(cli_env *c, int argc, char **argv)
{
	int json = 0, rc = 1;
	const char *id = NULL;
	store *db = NULL;
	store_application a;
	memset(&a, 0, sizeof a);
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	int ch;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'j')
			json = 1;
		else
			return cli_usage_error(cli_find("show"), NULL);
	}
	if (optind != argc - 1)
		return cli_usage_error(cli_find("show"), optind < argc ? "one application at a time"
								     : "which application? (ID: RRA-YYYY-NNNNNN)");
	id = argv[optind];
	if (cli_load(c) != 0 || open_store(c, &db) != 0)
		goto out;
	int found = store_application_get(db, &c->r, 0, id, &a);
	if (found != 1) {
		fprintf(stderr, "packetd: no application %s\n", id);
		goto out;
	}
	json_t *j = pjson_application(&a, &c->r);
	cli_centre_show(db, &c->conf, &c->r, &a, j);
	if (json) {
		print_json(j);
	} else {
		cli_centre_show_text(j, stdout);
		json_decref(j);
	}
	rc = 0;
out:
	store_application_free(&a);
	if (db)
		store_close(db);
	return rc;
}

static int cmd_outbox(cli_env *c, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	int json = 0, rc = 1, ch;
	store *db = NULL;
	store_outmail *rows = NULL;
	size_t n = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'j')
			json = 1;
		else
			return cli_usage_error(cli_find("outbox"), NULL);
	}
	if (optind < argc)
		return cli_usage_error(cli_find("outbox"), "outbox takes no operand");
	if (cli_load(c) != 0 || open_store(c, &db) != 0)
		goto out;
	if (store_outbox_all(db, 1000, &rows, &n) != 0)
		goto out;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		if (json) {
			json_t *o = json_object();
			json_object_set_new(o, "id", json_integer(rows[i].id));
			json_object_set_new(o, "kind", json_string(rows[i].kind));
			json_object_set_new(o, "message_id", json_string(rows[i].message_id));
			json_object_set_new(o, "recipients", json_string(rows[i].recipients));
			json_object_set_new(o, "state", json_string(rows[i].state));
			json_object_set_new(o, "attempts", json_integer(rows[i].attempts));
			json_object_set_new(o, "last_error", rows[i].last_error ? json_string(rows[i].last_error) : json_null());
			json_object_set_new(o, "created_at", json_string(rows[i].created_at));
			json_array_append_new(arr, o);
		} else {
			printf("%5lld %-8s %-10s %-7s %s%s%s\n", (long long)rows[i].id, rows[i].state, rows[i].kind,
			       rows[i].created_at, rows[i].recipients, rows[i].last_error ? "  " : "",
			       rows[i].last_error ? rows[i].last_error : "");
		}
	}
	if (json)
		print_json(arr);
	else
		json_decref(arr);
	rc = 0;
out:
	store_outmail_free(rows, n);
	if (db)
		store_close(db);
	return rc;
}

/* Societies seen in applications without a line in [fees.cmes_membership]:
 * their members owe the society's own rate, which the centre should add. */
static void check_society_fees(cli_env *c)
{
	store *db = NULL;
	store_count_list t;
	char err[512], key[300];
	if (access(c->conf.database, F_OK) != 0 || store_open(&db, c->conf.database, err, sizeof err) != 0)
		return;
	if (store_wf_counts(db, "province", &t) == 0) {
		for (size_t i = 0; i < t.n; i++) {
			const char *p = t.rows[i].key;
			snprintf(key, sizeof key, "cmes_membership.%s", p);
			if (strcmp(p, "-") != 0 && rules_fee(&c->r, key) <= 0)
				printf("%s: [fees.cmes_membership] has no line for %s (%ld applications): its members owe"
				       " the society's own rate\n",
				       c->conf.rules, p, t.rows[i].count);
		}
		store_count_list_free(&t);
	}
	store_close(db);
}

static int cmd_check_config(cli_env *c, int argc, char **argv)
{
	static const struct option opts[] = {{"connect", no_argument, NULL, 'C'}, {NULL, 0, NULL, 0}};
	int connect = 0, ch;
	size_t problems;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'C')
			connect = 1;
		else
			return cli_usage_error(cli_find("check-config"), NULL);
	}
	if (optind < argc)
		return cli_usage_error(cli_find("check-config"), "check-config takes no operand");
	if (cli_load(c) != 0)
		return CLI_REFUSED;
	problems = config_check_files(&c->conf, stdout);
	if (connect)
		problems += config_check_connect(&c->conf, stdout);
	if (problems) {
		printf("%s: %zu problem%s\n", c->conf.file, problems, problems == 1 ? "" : "s");
		return CLI_REFUSED;
	}
	printf("%s: ok (%zu sources, %zu documents, %zu templates, rules %s)\n", c->conf.file, c->conf.nsources,
	       c->r.ndocs, c->conf.texts.ntmpl, c->conf.rules);
	check_society_fees(c);
	return CLI_OK;
}

/* The centre's commands parse their own options (cli_centre.c). */
static int cmd_centre(cli_env *c, int argc, char **argv)
{
	if (cli_load(c) != 0)
		return CLI_REFUSED;
	return cli_centre_main(&c->conf, &c->r, argc, argv);
}

static int cmd_help(cli_env *c, int argc, char **argv)
{
	const cli_command *cmd;
	(void)c;
	if (argc < 2) {
		cli_print_help(stdout);
		return CLI_OK;
	}
	cmd = cli_find(argv[1]);
	if (cmd == NULL || argc > 2) {
		fprintf(stderr, "packetd: help: no command \"%s\"\n", argv[1]);
		return CLI_USAGE;
	}
	cli_print_command_help(stdout, cmd);
	return CLI_OK;
}

const cli_command cli_commands[] = {
	{"run", cmd_run, "[--once]", "the daemon: poll every source each poll_interval seconds",
	 "  --once       run one cycle, print its summary and exit\n"},
	{"validate", cmd_validate, "PACKET [--target CEng|IEng] [--json]",
	 "check one packet offline: exit 0 complete, 1 incomplete, 2 rejected",
	 "  --target T   check against CEng or IEng (else the manifest's target)\n"
	 "  --json       print the result as JSON\n"},
	{"list", cmd_list, "[--state STATE] [--json]", "applications, oldest first",
	 "  --state S    only applications in state S\n"
	 "  --json       print a JSON array\n"},
	{"show", cmd_show, "ID [--json]", "one application (ID: RRA-YYYY-NNNNNN)",
	 "  --json       print the application as JSON\n"},
	{"outbox", cmd_outbox, "[--json]", "outgoing mail and its delivery state",
	 "  --json       print a JSON array\n"},
	{"check-config", cmd_check_config, "[--connect]", "load and check the configuration, rules and templates",
	 "  --connect    also log in to every source and the SMTP server\n"},
	{"review", cmd_centre, "ID --approve | --return REASON [--by NAME]",
	 "the centre's initial review of a complete application",
	 "  --approve        recommend it to SOEHK\n"
	 "  --return REASON  return it to the applicant with the reason\n"
	 "  --by NAME        who acts (default: the login name)\n"},
	{"soehk", cmd_centre, "ID --accept | --return FEEDBACK [--by NAME]", "record SOEHK's review result",
	 "  --accept           SOEHK accepts: the interview can be planned\n"
	 "  --return FEEDBACK  SOEHK returns it with its feedback\n"
	 "  --by NAME          who acts (default: the login name)\n"},
	{"interview", cmd_centre, "ID --at \"YYYY-MM-DD HH:MM\" --place PLACE [--minutes 45..75] [--by NAME]",
	 "plan or move the interview (notice with an .ics)",
	 "  --at WHEN       start, in the configured time zone\n"
	 "  --place PLACE   where\n"
	 "  --minutes N     45 to 75 (default 60)\n"
	 "  --by NAME       who acts (default: the login name)\n"},
	{"result", cmd_centre, "ID --pass | --fail | --no-show [--by NAME]", "record the interview's result",
	 "  --pass | --fail | --no-show   the result\n"
	 "  --by NAME       who acts (default: the login name)\n"},
	{"pay", cmd_centre, "ID --item ITEM --amount YUAN [--ref TEXT] [--by NAME]", "record a payment",
	 "  --item ITEM     interview, soe_membership, soe_registration, cmes_membership,\n"
	 "                  cmes_registration, soe_reregistration, cmes_reregistration\n"
	 "  --amount YUAN   whole yuan (1200 or 1200.00)\n"
	 "  --ref TEXT      the payment's reference\n"
	 "  --by NAME       who acts (default: the login name)\n"},
	{"certify", cmd_centre, "ID [--by NAME]", "certificates handed over (only when all fees are paid)",
	 "  --by NAME       who acts (default: the login name)\n"},
	{"cpd", cmd_centre, "ID --year YYYY --hours N [--ref TEXT] [--by NAME]",
	 "record a year's CPD hours (re-registration needs rules' cpd_annual_hours)",
	 "  --year YYYY     the calendar year of the hours\n"
	 "  --hours N       hours, 0 to 2000, one decimal at most; replaces the centre's earlier figure\n"
	 "  --ref TEXT      what the figure rests on\n"
	 "  --by NAME       who acts (default: the login name)\n"},
	{"purge", cmd_centre, "[--dry-run] [--json] [--by NAME]",
	 "delete stored documents past [retention] documents_years",
	 "  --dry-run       list what would be deleted, change nothing\n"
	 "  --json          print the result as JSON\n"
	 "  --by NAME       who acts (default: the login name)\n"},
	{"transmit", cmd_centre, "[--out DIR] [--by NAME]", "archive every recommended application for SOEHK",
	 "  --out DIR       where the archive goes (default: SPOOL/transmittals)\n"
	 "  --by NAME       who acts (default: the login name)\n"},
	{"report", cmd_centre, "nightly [--date YYYY-MM-DD] [--send | --out DIR]", "the nightly report on demand",
	 "  --date D        the day reported (default: today)\n"
	 "  --send          queue the report email to report_to\n"
	 "  --out DIR       write report-D.html and report-D.csv into DIR\n"},
	{"serve", cli_web_serve, "", "the centre's web desk on [web] listen (README: Desk)", NULL},
	{"user", cli_web_user, "add NAME --role viewer|officer | del NAME | list",
	 "the desk's users (the password of `user add` is read from standard input)",
	 "  add NAME --role R  a viewer reads; an officer also acts\n"
	 "  del NAME           removes the user and ends the user's sessions\n"
	 "  list               users and their roles\n"},
	{"help", cmd_help, "[COMMAND]", "every command, or one command's usage and options", NULL},
};
const size_t cli_ncommands = sizeof cli_commands / sizeof cli_commands[0];

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
					     {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
	cli_env env;
	const cli_command *cmd;
	int ch, rc;
	memset(&env, 0, sizeof env);
	/* "+": stop at the command, whose options are its own. */
	while ((ch = getopt_long(argc, argv, "+c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': env.config_path = optarg; break;
		case 'v': log_set_level(LOG_LEVEL_DEBUG); log_lock_level(); break;
		case 'h': cli_print_help(stdout); return CLI_OK;
		case 'V': printf("packetd %s\n", PACKETD_VERSION); return CLI_OK;
		default: cli_print_help(stderr); return CLI_USAGE;
		}
	}
	if (optind >= argc) {
		cli_print_help(stderr);
		return CLI_USAGE;
	}
	argc -= optind;
	argv += optind;
	cmd = cli_find(argv[0]);
	if (cmd == NULL) {
		fprintf(stderr, "packetd: no command \"%s\" (packetd --help lists them)\n", argv[0]);
		return CLI_USAGE;
	}
	/* COMMAND --help / -h anywhere before a "--": the command's usage. */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cli_print_command_help(stdout, cmd);
			return CLI_OK;
		}
	rc = cmd->run(&env, argc, argv);
	cli_unload(&env);
	return rc;
}
