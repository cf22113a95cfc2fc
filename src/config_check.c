/* config_check.c — what loading the config alone does not prove: that the
 * secrets it names are there and private (checked by `run` at start), that
 * every file and folder exists with a safe mode and the templates keep their
 * contract (`check-config`), and that every server answers (`check-config
 * --connect`). Each problem is reported as "file:line: key: problem". */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"
#include "transport.h"
#include "util.h"

static int check_private(const config *c, const char *section, const char *key, const char *path,
			 int fallback, char *err, size_t errlen)
{
	struct stat st;
	const char *why = NULL;
	if (path == NULL)
		return 0;
	if (stat(path, &st) != 0)
		why = "does not exist or cannot be read";
	else if (!S_ISREG(st.st_mode))
		why = "is not a regular file";
	else if (st.st_mode & (S_IRWXG | S_IRWXO))
		why = "is readable by others; chmod 600 it";
	if (why == NULL)
		return 0;
	snprintf(err, errlen, "%s:%d: %s: %s %s", c->file, config_key_line(c, section, key, fallback), key,
		 path, why);
	return -1;
}

static int check_env(const config *c, const char *section, const char *key, const char *name,
		     int fallback, char *err, size_t errlen)
{
	const char *v;
	if (name == NULL)
		return 0;
	v = getenv(name);
	if (v && *v)
		return 0;
	snprintf(err, errlen, "%s:%d: %s: the environment variable %s is not set", c->file,
		 config_key_line(c, section, key, fallback), key, name);
	return -1;
}

/* Checks that every secret named by the config is there and private: files
 * exist and are not readable by group or others, environment variables are
 * set. Nothing is read or kept. Returns 0, or -1 with "file:line: key: reason". */

int config_check_secrets(const config *c, char *err, size_t errlen)
{
	char sect[256];
	if (errlen)
		err[0] = '\0';
	for (size_t i = 0; i < c->nsources; i++) {
		const config_source *s = &c->sources[i];
		snprintf(sect, sizeof sect, "source.%s", s->name);
		if (check_private(c, sect, "password_file", s->password_file, s->line, err, errlen) ||
		    check_env(c, sect, "password_env", s->password_env, s->line, err, errlen) ||
		    check_private(c, sect, "key", s->key, s->line, err, errlen))
			return -1;
	}
	if (check_private(c, "smtp", "password_file", c->smtp_password_file, 0, err, errlen) ||
	    check_env(c, "smtp", "password_env", c->smtp_password_env, 0, err, errlen))
		return -1;
	return 0;
}

/* ---- check-config */

typedef struct checker {
	const config *c;
	FILE *out;
	size_t problems;
} checker;

static void problem(checker *k, const char *section, const char *key, int fallback, const char *path,
		    const char *why)
{
	fprintf(k->out, "%s:%d: %s: %s %s\n", k->c->file, config_key_line(k->c, section, key, fallback), key,
		path, why);
	k->problems++;
}

/* A file others must not be able to change (a CA bundle, known_hosts):
 * readable by us, a regular file, not writable by group or others. */
static void check_readable(checker *k, const char *section, const char *key, const char *path, int fallback)
{
	struct stat st;
	if (path == NULL)
		return;
	if (stat(path, &st) != 0 || access(path, R_OK) != 0)
		problem(k, section, key, fallback, path, "does not exist or cannot be read");
	else if (!S_ISREG(st.st_mode))
		problem(k, section, key, fallback, path, "is not a regular file");
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		problem(k, section, key, fallback, path, "is writable by others; chmod 644 it");
}

static void check_secret(checker *k, const char *section, const char *key, const char *path, int fallback)
{
	char err[1024];
	if (check_private(k->c, section, key, path, fallback, err, sizeof err) != 0) {
		fprintf(k->out, "%s\n", err);
		k->problems++;
	}
}

/* A folder packetd reads or writes: present, or creatable because its
 * parent is; never writable by others (anyone could plant an item). */
static void check_folder(checker *k, const char *section, const char *key, const char *path, int fallback,
			 int must_exist)
{
	struct stat st;
	if (path == NULL)
		return;
	if (stat(path, &st) != 0) {
		/* packetd creates missing folders with their parents: the nearest
		 * existing ancestor must let it. */
		char *parent = util_dirname(path);
		int creatable = 0;
		while (!must_exist) {
			char *up;
			if (stat(parent, &st) == 0) {
				creatable = S_ISDIR(st.st_mode) && access(parent, W_OK | X_OK) == 0;
				break;
			}
			up = util_dirname(parent);
			if (strcmp(up, parent) == 0) {
				free(up);
				break;
			}
			free(parent);
			parent = up;
		}
		free(parent);
		if (!creatable)
			problem(k, section, key, fallback, path,
				must_exist ? "does not exist" : "does not exist and cannot be created");
		return;
	}
	if (!S_ISDIR(st.st_mode))
		problem(k, section, key, fallback, path, "is not a folder");
	else if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
		problem(k, section, key, fallback, path, "is writable by everyone; chmod 750 it");
	else if (access(path, R_OK | X_OK) != 0)
		problem(k, section, key, fallback, path, "cannot be read");
}

size_t config_check_files(const config *c, FILE *out)
{
	checker k = {.c = c, .out = out};
	char sect[256], err[1024];
	char *dbdir = util_dirname(c->database);
	check_folder(&k, "packetd", "spool", c->spool, 0, 0);
	if (strcmp(c->scratch, c->spool) != 0)   /* the default: the spool, checked above */
		check_folder(&k, "packetd", "scratch", c->scratch, 0, 0);
	check_folder(&k, "packetd", "database", dbdir, 0, 0);
	free(dbdir);
	for (size_t i = 0; i < c->nsources; i++) {
		const config_source *s = &c->sources[i];
		int local = s->kind == SOURCE_MAILDIR || s->kind == SOURCE_DIR;
		snprintf(sect, sizeof sect, "source.%s", s->name);
		check_folder(&k, sect, "path", s->path, s->line, 0);
		if (local) {
			check_folder(&k, sect, "processed", s->processed, s->line, 0);
			check_folder(&k, sect, "rejected", s->rejected, s->line, 0);
			check_folder(&k, sect, "receipts", s->receipts, s->line, 0);
		}
		check_readable(&k, sect, "ca_file", s->ca_file, s->line);
		check_readable(&k, sect, "known_hosts", s->known_hosts, s->line);
		check_secret(&k, sect, "password_file", s->password_file, s->line);
		check_secret(&k, sect, "key", s->key, s->line);
		if (check_env(c, sect, "password_env", s->password_env, s->line, err, sizeof err) != 0) {
			fprintf(out, "%s\n", err);
			k.problems++;
		}
	}
	check_readable(&k, "smtp", "ca_file", c->smtp_ca_file, 0);
	check_secret(&k, "smtp", "password_file", c->smtp_password_file, 0);
	if (check_env(c, "smtp", "password_env", c->smtp_password_env, 0, err, sizeof err) != 0) {
		fprintf(out, "%s\n", err);
		k.problems++;
	}
	if (c->smtp_url == NULL)
		check_folder(&k, "outbox", "maildir", c->outbox_maildir, 0, 0);
	k.problems += texts_check(&c->texts, out);
	return k.problems;
}

size_t config_check_connect(const config *c, FILE *out)
{
	size_t failed = 0;
	transport t;
	char err[512] = "";
	for (size_t i = 0; i < c->nsources; i++) {
		const config_source *cs = &c->sources[i];
		source src;
		source_item *items = NULL;
		size_t n = 0;
		const char *where = cs->url ? cs->url : cs->path;
		if (source_open(&src, cs, c->scratch) != 0) {
			fprintf(out, "source %s (%s %s): cannot be set up\n", cs->name, config_source_kind_name(cs->kind),
				where);
			failed++;
			continue;
		}
		src.limits = &c->limits;
		if (src.ops->list(&src, &items, &n) != 0) {
			fprintf(out, "source %s (%s %s): FAILED: cannot log in or list (the log above says why)\n",
				cs->name, config_source_kind_name(cs->kind), where);
			failed++;
		} else {
			fprintf(out, "source %s (%s %s): ok, %zu item%s waiting\n", cs->name,
				config_source_kind_name(cs->kind), where, n, n == 1 ? "" : "s");
		}
		source_items_free(items, n);
		source_close(&src);
	}
	if (transport_open(&t, c) != 0) {
		fprintf(out, "outgoing mail (%s): FAILED: cannot be set up\n", c->smtp_url ? c->smtp_url : "maildir");
		return failed + 1;
	}
	if (t.ops->probe && t.ops->probe(&t, err, sizeof err) != 0) {
		fprintf(out, "outgoing mail (%s %s): FAILED: %s\n", t.ops->kind,
			c->smtp_url ? c->smtp_url : c->outbox_maildir, err);
		failed++;
	} else {
		fprintf(out, "outgoing mail (%s %s): ok%s%s\n", t.ops->kind, c->smtp_url ? c->smtp_url : c->outbox_maildir,
			*err ? ", " : "", err);
	}
	transport_close(&t);
	return failed;
}
