/* cli_web.c — see cli_web.h. */
#include "cli_web.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "clock.h"
#include "store.h"
#include "store_user.h"
#include "util.h"
#include "web.h"
#include "web_p.h"

#define PASSWORD_MIN 10
#define PASSWORD_MAX 512

int cli_web_serve(cli_env *env, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cli_usage_error(cli_find("serve"), "serve takes no operand");
	if (cli_load(env) != 0)
		return CLI_REFUSED;
	if (util_mkdirs(env->conf.spool, 0750) != 0) {
		fprintf(stderr, "packetd: cannot create %s\n", env->conf.spool);
		return CLI_REFUSED;
	}
	return web_run(&env->conf, &env->r) == 0 ? CLI_OK : CLI_REFUSED;
}

/* One line of standard input without its line end, echo off on a
 * terminal. 0, or -1 at end of input. */
static int read_line(const char *prompt, char *out, size_t len)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), rc = -1;
	if (tty) {
		fputs(prompt, stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		} else {
			tty = 0;
		}
	}
	if (fgets(out, (int)len, stdin) != NULL) {
		out[strcspn(out, "\r\n")] = '\0';
		rc = 0;
	}
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputs("\n", stderr);
	}
	return rc;
}

static int name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64)
		return 0;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
		      *c == '_' || *c == '-'))
			return 0;
	return 1;
}

static int user_add(store *db, int argc, char **argv)
{
	const char *name = NULL, *role = NULL;
	char pw[PASSWORD_MAX + 2], again[PASSWORD_MAX + 2], hash[CRYPT_OUTPUT_SIZE];
	int rc = 1, added;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
			role = argv[++i];
		else if (strncmp(argv[i], "--role=", 7) == 0)
			role = argv[i] + 7;
		else if (name == NULL && argv[i][0] != '-')
			name = argv[i];
		else {
			fprintf(stderr, "packetd: user add: unexpected %s (the password is read from standard input)\n", argv[i]);
			return CLI_USAGE;
		}
	}
	if (name == NULL || role == NULL || (strcmp(role, "viewer") != 0 && strcmp(role, "officer") != 0)) {
		return cli_usage_error(cli_find("user"), "user add NAME --role viewer|officer (the password on standard input)");
	}
	if (!name_ok(name)) {
		fprintf(stderr, "packetd: user name \"%s\": 1 to 64 of a-z A-Z 0-9 . _ -\n", name);
		return 1;
	}
	if (read_line("Password: ", pw, sizeof pw) != 0) {
		fputs("packetd: no password on standard input\n", stderr);
		goto out;
	}
	if (isatty(STDIN_FILENO) && (read_line("Again: ", again, sizeof again) != 0 || strcmp(pw, again) != 0)) {
		fputs("packetd: the passwords differ\n", stderr);
		goto out;
	}
	if (strlen(pw) < PASSWORD_MIN || strlen(pw) > PASSWORD_MAX) {
		fprintf(stderr, "packetd: the password must be %d to %d characters\n", PASSWORD_MIN, PASSWORD_MAX);
		goto out;
	}
	if (web_auth_hash(pw, hash, sizeof hash) != 0) {
		fputs("packetd: crypt(3) cannot make a yescrypt hash here\n", stderr);
		goto out;
	}
	added = store_user_add(db, name, role, hash, clock_now());
	if (added < 0)
		fprintf(stderr, "packetd: %s\n", store_errmsg(db));
	else if (added == 1)
		fprintf(stderr, "packetd: user %s exists already (user del, then add)\n", name);
	else {
		printf("user %s added (%s)\n", name, role);
		rc = 0;
	}
out:
	explicit_bzero(pw, sizeof pw);
	explicit_bzero(again, sizeof again);
	return rc;
}

int cli_web_user(cli_env *env, int argc, char **argv)
{
	store *db = NULL;
	char err[512];
	int rc = CLI_USAGE;
	const char *sub = argc > 1 ? argv[1] : "";
	if (strcmp(sub, "add") != 0 && strcmp(sub, "del") != 0 && strcmp(sub, "list") != 0)
		return cli_usage_error(cli_find("user"), "add, del or list");
	if ((strcmp(sub, "del") == 0 && argc != 3) || (strcmp(sub, "list") == 0 && argc != 2))
		return cli_usage_error(cli_find("user"), strcmp(sub, "del") == 0 ? "user del NAME" : "user list");
	if (cli_load(env) != 0)
		return CLI_REFUSED;
	if (util_mkdirs(env->conf.spool, 0750) != 0 || store_open(&db, env->conf.database, err, sizeof err) != 0) {
		fprintf(stderr, "packetd: %s: %s\n", env->conf.database, err);
		return CLI_REFUSED;
	}
	if (strcmp(sub, "add") == 0) {
		rc = user_add(db, argc, argv);
	} else if (strcmp(sub, "del") == 0) {
		int d = store_user_del(db, argv[2]);
		if (d == 1)
			printf("user %s deleted\n", argv[2]);
		else
			fprintf(stderr, "packetd: %s\n", d == 0 ? "no such user" : store_errmsg(db));
		rc = d == 1 ? 0 : 1;
	} else {
		store_user *u = NULL;
		size_t n = 0;
		rc = 1;
		if (store_user_list(db, &u, &n) == 0) {
			for (size_t i = 0; i < n; i++)
				printf("%-20s %-8s %s\n", u[i].name, u[i].role, u[i].created_at);
			rc = 0;
		}
		if (u)
			explicit_bzero(u, n * sizeof *u);
		free(u);
	}
	store_close(db);
	return rc;
}
