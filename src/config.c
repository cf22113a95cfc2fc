/* config.c — packetd.conf (SPEC section 10, config.h). A table of known keys
 * (section, name, type, bounds, where it is stored) drives the parse; inih
 * reads the file through a line-counting reader so that every error reads
 * "file:line: key: reason". After the parse, each source is checked for the
 * keys its kind needs and refuses the keys it would ignore: a key that is
 * silently ignored is a misconfiguration nobody notices. Secrets are never
 * read here; config_check_secrets only checks that their files are private. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "clock.h"
#include "initext.h"
#include "util.h"

#define CONFIG_LINE_MAX 8192
#define CONFIG_FILE_MAX (1024 * 1024)
#define CONFIG_MAX_SOURCES 256
#define DEFAULT_PATH "config/packetd.conf"

/* ---- the key table */

enum ksec { KS_PACKETD, KS_SOURCE, KS_SMTP, KS_OUTBOX, KS_CENTRE, KS_LIMITS, KS_WEB, KS_N };
static const char *const ksec_names[KS_N] = { "packetd", "source", "smtp", "outbox", "centre",
					       "limits", "web" };

enum ktype {
	KT_STR,      /* any non-empty text */
	KT_PATH,     /* resolved against the config's folder */
	KT_SRCPATH,  /* source folder: resolved for local kinds, kept for imap/sftp */
	KT_BOOL,     /* yes | no */
	KT_INT,      /* long within min..max */
	KT_UINT,     /* uint64_t within min..max */
	KT_SIZE,     /* uint64_t with K/M/G, within min..max */
	KT_TIME,     /* HH:MM */
	KT_KIND,     /* maildir | imap | dir | sftp */
	KT_LEVEL,    /* debug | info | warn | error */
};

#define K_MAILDIR (1u << SOURCE_MAILDIR)
#define K_IMAP (1u << SOURCE_IMAP)
#define K_DIR (1u << SOURCE_DIR)
#define K_SFTP (1u << SOURCE_SFTP)
#define K_ALL (K_MAILDIR | K_IMAP | K_DIR | K_SFTP)

typedef struct ckey {
	enum ksec sec;
	const char *name;
	enum ktype type;
	long long min, max;
	size_t off;        /* in config, or in config_source for KS_SOURCE */
	unsigned kinds;    /* KS_SOURCE: the kinds that use this key */
	const char *dflt;  /* the value when the key is absent, parsed as if given; NULL: none */
} ckey;

#define C(f) offsetof(config, f)
#define S(f) offsetof(config_source, f)
#define L(f) offsetof(config, limits.f)
#define MB (1024LL * 1024)

static const ckey keys[] = {
	{ KS_PACKETD, "spool", KT_PATH, 0, 0, C(spool), 0, NULL },
	{ KS_PACKETD, "scratch", KT_PATH, 0, 0, C(scratch), 0, NULL },
	{ KS_PACKETD, "database", KT_PATH, 0, 0, C(database), 0, NULL },
	{ KS_PACKETD, "rules", KT_PATH, 0, 0, C(rules), 0, "requirements.ini" },
	{ KS_PACKETD, "templates", KT_PATH, 0, 0, C(templates), 0, "templates" },
	{ KS_PACKETD, "poll_interval", KT_INT, 1, 86400, C(poll_interval), 0, "60" },
	{ KS_PACKETD, "intake_address", KT_STR, 0, 0, C(intake_address), 0, NULL },
	{ KS_PACKETD, "timezone", KT_STR, 0, 0, C(timezone), 0, CLOCK_SCHEME_ZONE },
	{ KS_PACKETD, "log_level", KT_LEVEL, 0, 0, C(log_level), 0, "info" },
	{ KS_SOURCE, "type", KT_KIND, 0, 0, S(kind), K_ALL, NULL },
	{ KS_SOURCE, "path", KT_PATH, 0, 0, S(path), K_MAILDIR | K_DIR, NULL },
	{ KS_SOURCE, "url", KT_STR, 0, 0, S(url), K_IMAP | K_SFTP, NULL },
	{ KS_SOURCE, "user", KT_STR, 0, 0, S(user), K_IMAP | K_SFTP, NULL },
	{ KS_SOURCE, "password_file", KT_PATH, 0, 0, S(password_file), K_IMAP, NULL },
	{ KS_SOURCE, "password_env", KT_STR, 0, 0, S(password_env), K_IMAP, NULL },
	{ KS_SOURCE, "ca_file", KT_PATH, 0, 0, S(ca_file), K_IMAP, NULL },
	{ KS_SOURCE, "key", KT_PATH, 0, 0, S(key), K_SFTP, NULL },
	{ KS_SOURCE, "known_hosts", KT_PATH, 0, 0, S(known_hosts), K_SFTP, NULL },
	{ KS_SOURCE, "processed", KT_SRCPATH, 0, 0, S(processed), K_ALL, NULL },
	{ KS_SOURCE, "rejected", KT_SRCPATH, 0, 0, S(rejected), K_ALL, NULL },
	{ KS_SOURCE, "receipts", KT_SRCPATH, 0, 0, S(receipts), K_DIR | K_SFTP, NULL },
	{ KS_SOURCE, "society", KT_STR, 0, 0, S(society), K_DIR | K_SFTP, NULL },
	{ KS_SOURCE, "contact", KT_STR, 0, 0, S(contact), K_DIR | K_SFTP, NULL },
	{ KS_SOURCE, "settle_seconds", KT_INT, 0, 86400, S(settle_seconds), K_DIR | K_SFTP, "5" },
	{ KS_SOURCE, "idle", KT_BOOL, 0, 0, S(idle), K_IMAP, "yes" },
	{ KS_SOURCE, "idle_renew", KT_INT, 5, 1740, S(idle_renew), K_IMAP, "1500" },
	{ KS_SMTP, "url", KT_STR, 0, 0, C(smtp_url), 0, NULL },
	{ KS_SMTP, "starttls", KT_BOOL, 0, 0, C(smtp_starttls), 0, NULL },
	{ KS_SMTP, "user", KT_STR, 0, 0, C(smtp_user), 0, NULL },
	{ KS_SMTP, "password_file", KT_PATH, 0, 0, C(smtp_password_file), 0, NULL },
	{ KS_SMTP, "password_env", KT_STR, 0, 0, C(smtp_password_env), 0, NULL },
	{ KS_SMTP, "ca_file", KT_PATH, 0, 0, C(smtp_ca_file), 0, NULL },
	{ KS_SMTP, "from", KT_STR, 0, 0, C(smtp_from), 0, NULL },
	{ KS_OUTBOX, "maildir", KT_PATH, 0, 0, C(outbox_maildir), 0, NULL },
	{ KS_CENTRE, "report_to", KT_STR, 0, 0, C(report_to), 0, NULL },
	{ KS_CENTRE, "report_time", KT_TIME, 0, 0, C(report_time), 0, "02:00" },
	{ KS_CENTRE, "soehk_wait_days", KT_INT, 1, 3650, C(report_soehk_days), 0, "30" },
	{ KS_LIMITS, "max_message", KT_SIZE, 1024, 4096 * MB, L(max_message), 0, "50M" },
	{ KS_LIMITS, "max_members", KT_UINT, 1, 100000, L(max_members), 0, "500" },
	{ KS_LIMITS, "max_total", KT_SIZE, 1024, 64 * 1024 * MB, L(max_total), 0, "500M" },
	{ KS_LIMITS, "max_member", KT_SIZE, 1024, 16 * 1024 * MB, L(max_member), 0, "200M" },
	{ KS_LIMITS, "max_ratio", KT_UINT, 1, 100000, L(max_ratio), 0, "100" },
	{ KS_LIMITS, "max_depth", KT_UINT, 0, 8, L(max_depth), 0, "2" },
	{ KS_LIMITS, "max_name", KT_UINT, 16, 65536, L(max_name), 0, "1024" },
	{ KS_LIMITS, "sandbox_memory", KT_SIZE, 64 * MB, 64 * 1024 * MB, L(sandbox_memory), 0, "512M" },
	{ KS_LIMITS, "sandbox_cpu", KT_UINT, 1, 3600, L(sandbox_cpu), 0, "60" },
	{ KS_LIMITS, "sandbox_wall", KT_UINT, 1, 7200, L(sandbox_wall), 0, "120" },
	{ KS_LIMITS, "sandbox_jobs", KT_UINT, 1, 1000, L(sandbox_jobs), 0, "32" },
	{ KS_WEB, "listen", KT_STR, 0, 0, C(web_listen), 0, "127.0.0.1:8080" },
	{ KS_WEB, "cert", KT_PATH, 0, 0, C(web_cert), 0, NULL },
	{ KS_WEB, "key", KT_PATH, 0, 0, C(web_key), 0, NULL },
	{ KS_WEB, "session_minutes", KT_INT, 1, 1440, C(web_session_minutes), 0, "30" },
};
#define NKEYS (sizeof keys / sizeof keys[0])

/* ---- parse state */

typedef struct section_state {
	int line;           /* header line, 0 when the section was not given */
	int keyline[NKEYS]; /* line of each key given, 0 when absent */
} section_state;

typedef struct config_ctx {
	config *c;
	initext *t;
	char *err;
	size_t errlen;
	int failed;
	section_state fixed[KS_N];
	section_state *src;     /* parallel to c->sources */
} config_ctx;

static void vfail_at(config_ctx *x, int line, const char *key, const char *fmt, va_list ap)
{
	int n;
	if (x->failed)
		return;
	x->failed = 1;
	n = snprintf(x->err, x->errlen, "%s:%d: %s: ", x->c->file, line, key);
	if (n < 0 || (size_t)n >= x->errlen)
		return;
	vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
}

static void fail_at(config_ctx *x, int line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void fail(config_ctx *x, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail_at(config_ctx *x, int line, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_at(x, line, key, fmt, ap);
	va_end(ap);
}

static void fail(config_ctx *x, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_at(x, x->t ? x->t->line : 0, key, fmt, ap);
	va_end(ap);
}

/* Maps a section name to its kind; *src is the source index for
 * [source.NAME], created on first sight. -1 for an unknown section. */
static int section_of(config_ctx *x, const char *s, size_t *src)
{
	config *c = x->c;
	config_source *cs;
	if (strncmp(s, "source.", 7) == 0) {
		const char *name = s + 7;
		if (*name == '\0')
			return -1;
		for (size_t i = 0; i < c->nsources; i++)
			if (strcmp(c->sources[i].name, name) == 0) {
				*src = i;
				return KS_SOURCE;
			}
		if (c->nsources >= CONFIG_MAX_SOURCES) {
			fail(x, s, "more than %d sources", CONFIG_MAX_SOURCES);
			return -1;
		}
		c->sources = xrealloc(c->sources, (c->nsources + 1) * sizeof *c->sources);
		x->src = xrealloc(x->src, (c->nsources + 1) * sizeof *x->src);
		cs = &c->sources[c->nsources];
		memset(cs, 0, sizeof *cs);
		memset(&x->src[c->nsources], 0, sizeof *x->src);
		cs->name = xstrdup(name);
		cs->kind = (enum source_kind)-1;
		*src = c->nsources++;
		return KS_SOURCE;
	}
	for (int i = 0; i < KS_N; i++)
		if (i != KS_SOURCE && strcmp(s, ksec_names[i]) == 0)
			return i;
	return -1;
}

/* Headers are seen here, so that an empty or repeated section is reported
 * and each source knows its line. */
static void on_section(void *user, const char *name, size_t len)
{
	config_ctx *x = user;
	char *s = xstrndup(name, len);
	size_t si = 0;
	int k = section_of(x, s, &si);
	section_state *st;
	if (k < 0) {
		fail(x, s, "unknown section");
		goto out;
	}
	st = k == KS_SOURCE ? &x->src[si] : &x->fixed[k];
	if (st->line) {
		fail(x, s, "section given twice (first at line %d)", st->line);
		goto out;
	}
	st->line = x->t->line;
	if (k == KS_SOURCE)
		x->c->sources[si].line = st->line;
out:
	free(s);
}

static int parse_time(const char *v)
{
	long h, m;
	char hh[3], mm[3];
	if (strlen(v) != 5 || v[2] != ':')
		return -1;
	memcpy(hh, v, 2);
	hh[2] = '\0';
	memcpy(mm, v + 3, 2);
	mm[2] = '\0';
	if (hh[0] < '0' || hh[0] > '9' || mm[0] < '0' || mm[0] > '9')
		return -1;
	if (util_parse_long(hh, 0, 23, &h) != 0 || util_parse_long(mm, 0, 59, &m) != 0)
		return -1;
	return 0;
}

static int set_value(config_ctx *x, const ckey *k, void *base, const char *v)
{
	char **sp = (char **)((char *)base + k->off);
	if (*v == '\0') {
		fail(x, k->name, "empty value");
		return -1;
	}
	switch (k->type) {
	case KT_STR:
	case KT_SRCPATH:   /* resolved once the source's kind is known */
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case KT_PATH:
		free(*sp);
		*sp = util_resolve(x->c->dir, v);
		return 0;
	case KT_TIME:
		if (parse_time(v) != 0) {
			fail(x, k->name, "\"%s\" is not a time HH:MM", v);
			return -1;
		}
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case KT_LEVEL:
		if (strcmp(v, "debug") != 0 && strcmp(v, "info") != 0 && strcmp(v, "warn") != 0 &&
		    strcmp(v, "error") != 0) {
			fail(x, k->name, "\"%s\" is not debug, info, warn or error", v);
			return -1;
		}
		free(*sp);
		*sp = xstrdup(v);
		return 0;
	case KT_BOOL:
		if (strcmp(v, "yes") == 0)
			*(int *)((char *)base + k->off) = 1;
		else if (strcmp(v, "no") == 0)
			*(int *)((char *)base + k->off) = 0;
		else {
			fail(x, k->name, "\"%s\" is not yes or no", v);
			return -1;
		}
		return 0;
	case KT_INT: {
		long n;
		if (util_parse_long(v, (long)k->min, (long)k->max, &n) != 0) {
			fail(x, k->name, "\"%s\" is not a whole number from %lld to %lld", v, k->min, k->max);
			return -1;
		}
		*(long *)((char *)base + k->off) = n;
		return 0;
	}
	case KT_UINT:
	case KT_SIZE: {
		uint64_t n = 0;
		long l = 0;
		int bad = k->type == KT_SIZE ? util_parse_size(v, &n) != 0
					     : util_parse_long(v, 0, (long)k->max, &l) != 0;
		if (k->type == KT_UINT && !bad)
			n = (uint64_t)l;
		if (bad || n < (uint64_t)k->min || n > (uint64_t)k->max) {
			if (k->type == KT_SIZE)
				fail(x, k->name, "\"%s\" is not a size from %lld to %lld bytes (K, M, G allowed)",
				     v, k->min, k->max);
			else
				fail(x, k->name, "\"%s\" is not a whole number from %lld to %lld", v, k->min,
				     k->max);
			return -1;
		}
		*(uint64_t *)((char *)base + k->off) = n;
		return 0;
	}
	case KT_KIND: {
		enum source_kind kinds[] = { SOURCE_MAILDIR, SOURCE_IMAP, SOURCE_DIR, SOURCE_SFTP };
		for (size_t i = 0; i < 4; i++)
			if (strcmp(v, config_source_kind_name(kinds[i])) == 0) {
				*(enum source_kind *)((char *)base + k->off) = kinds[i];
				return 0;
			}
		fail(x, k->name, "\"%s\" is not maildir, imap, dir or sftp", v);
		return -1;
	}
	}
	return -1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	config_ctx *x = user;
	size_t si = 0, ki;
	int sec;
	section_state *st;
	void *base;

	if (x->failed)
		return 0;
	sec = section_of(x, section, &si);
	if (sec < 0) {
		if (*section)
			fail(x, name, "unknown section [%s]", section);
		else
			fail(x, name, "key outside any section");
		return 0;
	}
	for (ki = 0; ki < NKEYS; ki++)
		if (keys[ki].sec == (enum ksec)sec && strcmp(keys[ki].name, name) == 0)
			break;
	if (ki == NKEYS) {
		fail(x, name, "unknown key in [%s]", section);
		return 0;
	}
	st = sec == KS_SOURCE ? &x->src[si] : &x->fixed[sec];
	if (st->keyline[ki]) {
		fail(x, name, "given twice in [%s] (first at line %d)", section, st->keyline[ki]);
		return 0;
	}
	st->keyline[ki] = x->t->line;
	base = sec == KS_SOURCE ? (void *)&x->c->sources[si] : (void *)x->c;
	return set_value(x, &keys[ki], base, value) == 0;
}

static size_t key_index(enum ksec sec, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].sec == sec && strcmp(keys[i].name, name) == 0)
			return i;
	return 0; /* unreachable for names in the table */
}

static int has_prefix(const char *s, const char *a, const char *b)
{
	return s && (strncmp(s, a, strlen(a)) == 0 || (b && strncmp(s, b, strlen(b)) == 0));
}

static void resolve_in_place(const char *dir, char **p)
{
	char *r;
	if (*p == NULL)
		return;
	r = util_resolve(dir, *p);
	free(*p);
	*p = r;
}

/* Every default lives in the key table: a key left out of a section takes
 * its dflt, parsed exactly as if the file had said so. kinds != 0: only the
 * source kinds in it (the keys of other kinds stay unset). */
static int apply_defaults(config_ctx *x, enum ksec sec, void *base, const section_state *st, unsigned kinds)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const ckey *k = &keys[i];
		if (k->sec != sec || k->dflt == NULL || st->keyline[i])
			continue;
		if (kinds && !(k->kinds & kinds))
			continue;
		if (set_value(x, k, base, k->dflt) != 0)
			return -1;
	}
	return 0;
}

/* What each source kind needs, and what it refuses. */
static int check_source(config_ctx *x, config_source *s, section_state *st)
{
	const char *kn;
	unsigned bit;
	const char *const need_imap[] = { "url", "user" };
	const char *const need_sftp[] = { "url", "user", "key", "known_hosts" };
	const char *const *need = NULL;
	size_t nneed = 0;
	int sline = st->line;

	if (!st->keyline[key_index(KS_SOURCE, "type")]) {
		fail_at(x, sline, "type", "missing in [source.%s] (maildir, imap, dir or sftp)", s->name);
		return -1;
	}
	kn = config_source_kind_name(s->kind);
	bit = 1u << s->kind;
	if (apply_defaults(x, KS_SOURCE, s, st, bit) != 0)
		return -1;
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].sec == KS_SOURCE && st->keyline[i] && !(keys[i].kinds & bit)) {
			fail_at(x, st->keyline[i], keys[i].name, "not used by %s sources", kn);
			return -1;
		}
	switch (s->kind) {
	case SOURCE_MAILDIR:
	case SOURCE_DIR:
		if (s->path == NULL) {
			fail_at(x, sline, "path", "missing in [source.%s] (a %s source needs its folder)",
				s->name, kn);
			return -1;
		}
		/* Local kinds: processed/rejected/receipts are folders here. */
		resolve_in_place(x->c->dir, &s->processed);
		resolve_in_place(x->c->dir, &s->rejected);
		resolve_in_place(x->c->dir, &s->receipts);
		break;
	case SOURCE_IMAP:
		need = need_imap;
		nneed = 2;
		break;
	case SOURCE_SFTP:
		need = need_sftp;
		nneed = 4;
		break;
	}
	for (size_t i = 0; i < nneed; i++)
		if (!st->keyline[key_index(KS_SOURCE, need[i])]) {
			fail_at(x, sline, need[i], "missing in [source.%s] (a %s source needs url, user%s)",
				s->name, kn, s->kind == SOURCE_SFTP ? ", key and known_hosts" : " and a password");
			return -1;
		}
	if (s->kind == SOURCE_IMAP) {
		if (!s->password_file && !s->password_env) {
			fail_at(x, sline, "password_file", "missing in [source.%s] (or password_env)", s->name);
			return -1;
		}
		if (s->password_file && s->password_env) {
			fail_at(x, st->keyline[key_index(KS_SOURCE, "password_env")], "password_env",
				"give password_file or password_env, not both");
			return -1;
		}
		if (!has_prefix(s->url, "imap://", "imaps://")) {
			fail_at(x, st->keyline[key_index(KS_SOURCE, "url")], "url",
				"\"%s\" is not an imap:// or imaps:// URL", s->url);
			return -1;
		}
	}
	if (s->kind == SOURCE_SFTP && !has_prefix(s->url, "sftp://", NULL)) {
		fail_at(x, st->keyline[key_index(KS_SOURCE, "url")], "url", "\"%s\" is not an sftp:// URL",
			s->url);
		return -1;
	}
	return 0;
}

/* A zone name that tzdata lacks would silently become UTC in every notice.
 * Where tzdata is not installed at all, only the shape is checked. */
static int tz_known(const char *tz)
{
	struct stat st;
	char *z;
	int ok;
	if (tz[0] == '/' || strstr(tz, "..") != NULL)
		return 0;
	if (stat("/usr/share/zoneinfo", &st) != 0 || !S_ISDIR(st.st_mode))
		return 1;
	z = util_path_join("/usr/share/zoneinfo", tz);
	ok = stat(z, &st) == 0 && S_ISREG(st.st_mode);
	free(z);
	return ok;
}

/* The Makefile passes PREFIX/share/packetd. */
#ifndef PACKETD_DATADIR
#define PACKETD_DATADIR "/usr/local/share/packetd"
#endif

static void use_installed(char **path, const char *name)
{
	char *installed;
	if (access(*path, F_OK) == 0)
		return;
	installed = util_path_join(PACKETD_DATADIR, name);
	if (access(installed, F_OK) == 0) {
		free(*path);
		*path = installed;
	} else {
		free(installed);
	}
}

/* The sections whose keys depend on each other, and the required keys. */
/* [web]: `packetd serve`. HTTPS needs both files; without them the desk
 * speaks plain HTTP and belongs on loopback behind a TLS proxy. */
static int check_web(config_ctx *x)
{
	config *c = x->c;
	section_state *w = &x->fixed[KS_WEB];
	int line = w->line ? w->line : 1;
	if (strrchr(c->web_listen, ':') == NULL) {
		fail_at(x, w->keyline[key_index(KS_WEB, "listen")], "listen",
			"\"%s\" is not ADDRESS:PORT (such as 127.0.0.1:8080)", c->web_listen);
		return -1;
	}
	if ((c->web_cert == NULL) != (c->web_key == NULL)) {
		fail_at(x, line, c->web_cert ? "key" : "cert", "missing in [web] (HTTPS needs cert and key)");
		return -1;
	}
	return 0;
}

static int check_complete(config_ctx *x)
{
	config *c = x->c;
	section_state *pk = &x->fixed[KS_PACKETD], *sm = &x->fixed[KS_SMTP];
	int pline = pk->line ? pk->line : 1;

	if (!pk->line) {
		fail_at(x, 1, "[packetd]", "section missing (it names spool and database)");
		return -1;
	}
	if (c->spool == NULL) {
		fail_at(x, pline, "spool", "missing in [packetd]");
		return -1;
	}
	if (c->database == NULL) {
		fail_at(x, pline, "database", "missing in [packetd]");
		return -1;
	}
	if (c->scratch == NULL)
		c->scratch = xstrdup(c->spool);
	for (int sec = 0; sec < KS_N; sec++)
		if (sec != KS_SOURCE && apply_defaults(x, (enum ksec)sec, c, &x->fixed[sec], 0) != 0)
			return -1;
	/* An installed packetd: rules and templates that the config does not
	 * name and that are not beside it come from the installed data. */
	if (!pk->keyline[key_index(KS_PACKETD, "rules")])
		use_installed(&c->rules, "requirements.ini");
	if (!pk->keyline[key_index(KS_PACKETD, "templates")])
		use_installed(&c->templates, "templates");
	/* A misspelt zone would silently become UTC in every notice. */
	if (!tz_known(c->timezone)) {
		fail_at(x, pk->keyline[key_index(KS_PACKETD, "timezone")], "timezone",
			"\"%s\" is not a known time zone (such as Asia/Shanghai)", c->timezone);
		return -1;
	}
	for (size_t i = 0; i < c->nsources; i++)
		if (check_source(x, &c->sources[i], &x->src[i]) != 0)
			return -1;
	if (check_web(x) != 0)
		return -1;
	if (sm->line) {
		if (c->smtp_url == NULL) {
			fail_at(x, sm->line, "url", "missing in [smtp]");
			return -1;
		}
		if (!has_prefix(c->smtp_url, "smtp://", "smtps://")) {
			fail_at(x, sm->keyline[key_index(KS_SMTP, "url")], "url",
				"\"%s\" is not an smtp:// or smtps:// URL", c->smtp_url);
			return -1;
		}
		if (c->smtp_password_file && c->smtp_password_env) {
			fail_at(x, sm->keyline[key_index(KS_SMTP, "password_env")], "password_env",
				"give password_file or password_env, not both");
			return -1;
		}
		if ((c->smtp_password_file || c->smtp_password_env) && c->smtp_user == NULL) {
			fail_at(x, sm->line, "user", "missing in [smtp] (a password needs a user)");
			return -1;
		}
		if (c->smtp_from == NULL && c->intake_address == NULL) {
			fail_at(x, sm->line, "from", "missing in [smtp] (and no intake_address to use)");
			return -1;
		}
	} else if (c->outbox_maildir == NULL) {
		fail_at(x, x->fixed[KS_OUTBOX].line ? x->fixed[KS_OUTBOX].line : 1, "[outbox] maildir",
			"missing: without [smtp] outgoing mail goes to this Maildir");
		return -1;
	}
	return 0;
}

/* From the key table, so that `validate` without a config and the daemon
 * share one set of defaults. */
void config_limits_default(config_limits *l)
{
	memset(l, 0, sizeof *l);
	for (size_t i = 0; i < NKEYS; i++) {
		const ckey *k = &keys[i];
		uint64_t *slot;
		long n = 0;
		if (k->sec != KS_LIMITS || k->dflt == NULL)
			continue;
		slot = (uint64_t *)((char *)l + (k->off - offsetof(config, limits)));
		if (k->type == KT_SIZE) {
			if (util_parse_size(k->dflt, slot) != 0)
				continue;   /* the table holds valid sizes only */
		} else if (util_parse_long(k->dflt, 0, (long)k->max, &n) == 0)
			*slot = (uint64_t)n;
	}
}

/* Reads the file and runs inih over it; used by config_load and, to find a
 * key's line again, by config_check_secrets. */
static int parse_text(config_ctx *x, const char *path, ini_handler h,
		      void (*sect)(void *, const char *, size_t))
{
	initext t = { .on_section = sect, .user = x };
	int rc = -1, irc;

	x->t = &t;
	irc = initext_run(&t, path, CONFIG_FILE_MAX, CONFIG_LINE_MAX, 1, h, x);
	if (irc == INITEXT_READ) {
		snprintf(x->err, x->errlen, "%s: cannot read: %m", path);
		x->failed = 1;
		goto out;
	}
	if (x->failed)
		goto out;
	if (irc == INITEXT_LINE) {
		fail(x, "line", "longer than %d bytes or holds a NUL byte", CONFIG_LINE_MAX - 3);
		goto out;
	}
	if (irc != 0) {
		fail_at(x, irc > 0 ? irc : t.line, "syntax",
			irc > 0 ? "expected \"key = value\" or \"[section]\"" : "out of memory");
		goto out;
	}
	rc = 0;
out:
	x->t = NULL;
	return rc;
}

int config_load(config *c, const char *path, char *err, size_t errlen)
{
	config_ctx x;
	char *dir, *real;
	int rc = -1;

	memset(c, 0, sizeof *c);
	memset(&x, 0, sizeof x);
	x.c = c;
	x.err = err;
	x.errlen = errlen;
	if (errlen)
		err[0] = '\0';
	c->file = xstrdup(path);
	/* Absolute, so that paths stay right whatever the daemon's cwd. */
	dir = util_dirname(path);
	real = realpath(dir, NULL);
	c->dir = real ? xstrdup(real) : xstrdup(dir);
	free(real);
	free(dir);
	config_limits_default(&c->limits);

	if (parse_text(&x, path, handler, on_section) != 0)
		goto out;
	if (check_complete(&x) != 0)
		goto out;
	if (texts_load(&c->texts, c->templates, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	free(x.src);
	if (rc != 0)
		config_free(c);
	return rc;
}

void config_free(config *c)
{
	for (size_t i = 0; i < c->nsources; i++) {
		config_source *s = &c->sources[i];
		free(s->name);
		free(s->path);
		free(s->url);
		free(s->user);
		free(s->password_file);
		free(s->password_env);
		free(s->ca_file);
		free(s->key);
		free(s->known_hosts);
		free(s->processed);
		free(s->rejected);
		free(s->receipts);
		free(s->society);
		free(s->contact);
	}
	free(c->sources);
	free(c->file);
	free(c->dir);
	free(c->spool);
	free(c->scratch);
	free(c->database);
	free(c->rules);
	free(c->templates);
	free(c->intake_address);
	free(c->timezone);
	free(c->log_level);
	free(c->smtp_url);
	free(c->smtp_user);
	free(c->smtp_password_file);
	free(c->smtp_password_env);
	free(c->smtp_ca_file);
	free(c->smtp_from);
	free(c->outbox_maildir);
	free(c->report_to);
	free(c->report_time);
	free(c->web_listen);
	free(c->web_cert);
	free(c->web_key);
	texts_free(&c->texts);
	memset(c, 0, sizeof *c);
}

const char *config_default_path(const char *explicit_path)
{
	const char *env;
	if (explicit_path && *explicit_path)
		return explicit_path;
	env = getenv("PACKETD_CONFIG");
	if (env && *env)
		return env;
	return DEFAULT_PATH;
}

const char *config_source_kind_name(enum source_kind k)
{
	switch (k) {
	case SOURCE_MAILDIR: return "maildir";
	case SOURCE_IMAP: return "imap";
	case SOURCE_DIR: return "dir";
	case SOURCE_SFTP: return "sftp";
	}
	return "unknown";
}

/* ---- where a key was written, for the checks of config_check.c */

typedef struct find_key {
	config_ctx x;
	const char *section;
	const char *key;
	int line;
} find_key;

static int find_handler(void *user, const char *section, const char *name, const char *value)
{
	find_key *f = user;
	(void)value;
	if (f->line == 0 && strcmp(section, f->section) == 0 && strcmp(name, f->key) == 0)
		f->line = f->x.t->line;
	return 1;
}

int config_key_line(const config *c, const char *section, const char *key, int fallback)
{
	find_key f;
	char err[8];
	memset(&f, 0, sizeof f);
	f.x.c = (config *)c;
	f.x.err = err;
	f.x.errlen = sizeof err;
	f.section = section;
	f.key = key;
	parse_text(&f.x, c->file, find_handler, NULL);
	return f.line ? f.line : fallback;
}

const char *config_sender(const config *c)
{
	return c->smtp_from ? c->smtp_from : c->intake_address;
}
