/* main.c — the packetd command line (SPEC section 9). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli_centre.h"
#include "config.h"
#include "intake.h"
#include "log.h"
#include "notice.h"
#include "pipeline.h"
#include "pjson.h"
#include "rules.h"
#include "spool.h"
#include "store.h"
#include "util.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void usage(FILE *out)
{
	fputs("usage: packetd [-c CONFIG] [-v] COMMAND ...\n"
	      "  run [--once]                         poll the sources (daemon; --once: one cycle)\n"
	      "  validate PACKET [--target CEng|IEng] [--json]\n"
	      "                                       check one packet offline: exit 0 complete,\n"
	      "                                       1 incomplete, 2 rejected\n"
	      "  list [--state STATE] [--json]        applications\n"
	      "  show ID [--json]                     one application (ID: RRA-YYYY-NNNNNN)\n"
	      "  outbox [--json]                      outgoing mail and its delivery state\n"
	      "  check-config                         load and check the configuration\n",
	      out);
	cli_centre_usage(out);
}

typedef struct ctx {
	const char *config_path;
	config conf;
	rules r;
	int conf_loaded, rules_loaded;
} ctx;

/* The default config relative to the binary (build/packetd → config/), so
 * that `packetd validate` also works from another folder. Caller frees. */
static char *config_beside_binary(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *bindir, *top, *path;
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	bindir = util_dirname(exe);
	top = util_dirname(bindir);
	path = util_path_join(top, "config/packetd.conf");
	free(bindir);
	free(top);
	if (access(path, R_OK) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

static int load(ctx *c)
{
	char err[1024];
	const char *path = config_default_path(c->config_path);
	char *fallback = NULL;
	int rc;
	if (c->config_path == NULL && getenv("PACKETD_CONFIG") == NULL && access(path, F_OK) != 0 &&
	    (fallback = config_beside_binary()) != NULL)
		path = fallback;
	rc = config_load(&c->conf, path, err, sizeof err);
	free(fallback);
	if (rc != 0) {
		fprintf(stderr, "packetd: %s\n", err);
		return -1;
	}
	c->conf_loaded = 1;
	if (rules_load(&c->r, c->conf.rules, err, sizeof err) != 0) {
		fprintf(stderr, "packetd: %s\n", err);
		return -1;
	}
	c->rules_loaded = 1;
	return 0;
}

static void unload(ctx *c)
{
	if (c->rules_loaded)
		rules_free(&c->r);
	if (c->conf_loaded)
		config_free(&c->conf);
	c->rules_loaded = c->conf_loaded = 0;
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

static int cmd_validate(ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"target", required_argument, NULL, 't'},
					     {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	const char *target = NULL, *path;
	int json = 0, ch, rc = 3;
	char tmpl[] = "/tmp/packetd-validate.XXXXXX";
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
		fputs("usage: packetd validate PACKET [--target CEng|IEng] [--json]\n", stderr);
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
	if (load(c) != 0)
		return 3;
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

static int open_store(ctx *c, store **db)
{
	char err[512];
	if (util_mkdirs(c->conf.spool, 0750) != 0 || store_open(db, c->conf.database, err, sizeof err) != 0) {
		fprintf(stderr, "packetd: %s: %s\n", c->conf.database, err);
		return -1;
	}
	return 0;
}

static int cmd_run(ctx *c, int argc, char **argv)
{
	int once = 0, lock_fd = -1, rc = 1;
	store *db = NULL;
	char err[512];
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0)
			once = 1;
		else {
			fprintf(stderr, "packetd: run: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (load(c) != 0)
		return 1;
	if (config_check_secrets(&c->conf, err, sizeof err) != 0) {
		fprintf(stderr, "packetd: %s\n", err);
		return 1;
	}
	if (spool_init(c->conf.spool) != 0)
		return 1;
	if (spool_lock(c->conf.spool, &lock_fd) != 0) {
		fprintf(stderr, "packetd: another packetd run holds the lock of spool %s\n", c->conf.spool);
		return 1;
	}
	if (open_store(c, &db) != 0)
		goto out;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGHUP, on_hup);
	for (;;) {
		pipeline pl = {.conf = &c->conf, .r = &c->r, .db = db, .stop = &stop_requested};
		pipeline_cycle(&pl);
		if (once) {
			printf("packetd: %s\n", pl.summary);
			break;
		}
		for (long s = 0; s < c->conf.poll_interval && !stop_requested && !reload_requested; s++)
			sleep(1);
		if (stop_requested)
			break;
		if (reload_requested) {
			ctx fresh = {.config_path = c->config_path};
			reload_requested = 0;
			if (load(&fresh) == 0) {
				unload(c);
				c->conf = fresh.conf;
				c->r = fresh.r;
				c->conf_loaded = c->rules_loaded = 1;
				log_info("configuration reloaded");
			} else {
				unload(&fresh);
				log_error("new configuration refused; keeping the old one");
			}
		}
	}
	rc = 0;
out:
	if (db)
		store_close(db);
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}

static int cmd_list(ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {{"state", required_argument, NULL, 's'},
					     {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	const char *state = NULL;
	int json = 0, ch, rc = 1;
	int64_t *ids = NULL;
	size_t n = 0;
	store *db = NULL;
	optind = 0;   /* 0: glibc re-initialises, so options may follow the operands */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 's')
			state = optarg;
		else if (ch == 'j')
			json = 1;
		else
			return 2;
	}
	if (load(c) != 0 || open_store(c, &db) != 0)
		goto out;
	if (store_application_list(db, state, &ids, &n) != 0)
		goto out;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		store_application a;
		memset(&a, 0, sizeof a);
		if (store_application_get(db, &c->r, ids[i], NULL, &a) != 1)
			continue;
		if (json) {
			json_array_append_new(arr, pjson_application_brief(&a));
		} else {
			json_t *app = a.applicant_json ? json_loads(a.applicant_json, 0, NULL) : NULL;
			const char *zh = json_string_value(json_object_get(app, "name_zh"));
			const char *en = json_string_value(json_object_get(app, "name_en"));
			printf("%-16s %-11s %-5s %-10s %s\n", a.number, a.state, a.target ? a.target : "-",
			       zh ? zh : "-", en ? en : "-");
			if (app)
				json_decref(app);
		}
		store_application_free(&a);
	}
	if (json)
		print_json(arr);
	else
		json_decref(arr);
	rc = 0;
out:
	free(ids);
	if (db)
		store_close(db);
	return rc;
}

static int cmd_show(ctx *c, int argc, char **argv)
{
	int json = 0, rc = 1;
	const char *id = NULL;
	store *db = NULL;
	store_application a;
	memset(&a, 0, sizeof a);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (id == NULL)
			id = argv[i];
		else
			return 2;
	}
	if (id == NULL) {
		fputs("usage: packetd show ID [--json]\n", stderr);
		return 2;
	}
	if (load(c) != 0 || open_store(c, &db) != 0)
		goto out;
	int found = store_application_get(db, &c->r, 0, id, &a);
	if (found != 1) {
		fprintf(stderr, "packetd: no application %s\n", id);
		goto out;
	}
	json_t *j = pjson_application(&a, &c->r);
	cli_centre_show(db, &c->r, &a, j);
	if (json) {
		print_json(j);
	} else {
		char *s = json_dumps(j, JSON_INDENT(2));
		printf("%s\n", s ? s : "");
		free(s);
		json_decref(j);
	}
	rc = 0;
out:
	store_application_free(&a);
	if (db)
		store_close(db);
	return rc;
}

static int cmd_outbox(ctx *c, int argc, char **argv)
{
	int json = argc > 1 && strcmp(argv[1], "--json") == 0, rc = 1;
	store *db = NULL;
	store_outmail *rows = NULL;
	size_t n = 0;
	if (load(c) != 0 || open_store(c, &db) != 0)
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

static int cmd_check_config(ctx *c)
{
	if (load(c) != 0)
		return 1;
	printf("%s: ok (%zu sources, %zu documents, rules %s)\n", c->conf.file, c->conf.nsources, c->r.ndocs,
	       c->conf.rules);
	return 0;
}

int main(int argc, char **argv)
{
	ctx c;
	int ch, rc;
	memset(&c, 0, sizeof c);
	while ((ch = getopt(argc, argv, "+c:vh")) != -1) {
		switch (ch) {
		case 'c': c.config_path = optarg; break;
		case 'v': log_set_level(LOG_LEVEL_DEBUG); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	argc -= optind;
	argv += optind;
	if (strcmp(argv[0], "run") == 0)
		rc = cmd_run(&c, argc, argv);
	else if (strcmp(argv[0], "validate") == 0)
		rc = cmd_validate(&c, argc, argv);
	else if (strcmp(argv[0], "list") == 0)
		rc = cmd_list(&c, argc, argv);
	else if (strcmp(argv[0], "show") == 0)
		rc = cmd_show(&c, argc, argv);
	else if (strcmp(argv[0], "outbox") == 0)
		rc = cmd_outbox(&c, argc, argv);
	else if (strcmp(argv[0], "check-config") == 0)
		rc = cmd_check_config(&c);
	else if (cli_centre_is_command(argv[0]))
		rc = load(&c) != 0 ? 1 : cli_centre_main(&c.conf, &c.r, argc, argv);
	else {
		usage(stderr);
		rc = 2;
	}
	unload(&c);
	return rc;
}
