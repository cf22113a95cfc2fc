/* config.h — packetd.conf (SPEC section 10). One INI file; relative paths are
 * resolved against the file's own folder; unknown sections, unknown keys and
 * bad values are errors naming "file:line: key". The loaded config is the
 * only long-lived state of the daemon and is passed around, never global.
 */
#ifndef PACKETD_CONFIG_H
#define PACKETD_CONFIG_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "texts.h"

enum source_kind { SOURCE_MAILDIR, SOURCE_IMAP, SOURCE_DIR, SOURCE_SFTP };

typedef struct config_source {
	char *name;           /* the NAME of [source.NAME] */
	enum source_kind kind;
	char *path;           /* maildir | dir: folder (resolved) */
	char *url;            /* imap | sftp */
	char *user;
	char *password_file;  /* resolved */
	char *password_env;
	char *ca_file;        /* resolved */
	char *key;            /* sftp private key (resolved) */
	char *known_hosts;    /* resolved */
	char *processed;      /* IMAP folder, or a path (dir: resolved) */
	char *rejected;
	char *receipts;       /* dir: resolved path; sftp: remote path */
	char *society;        /* provincial society's name, UTF-8 */
	char *contact;        /* society's contact address */
	long settle_seconds;  /* dir/sftp: a file must be unchanged this long */
	int idle;             /* imap: wait for new mail with IDLE between cycles (default yes) */
	long idle_renew;      /* imap: seconds between renewals of that IDLE (default 1500) */
	int line;             /* where the section starts, for messages */
} config_source;

typedef struct config_limits {
	uint64_t max_message;     /* bytes of one email */
	uint64_t max_members;     /* members of one archive */
	uint64_t max_total;       /* bytes unpacked from one archive, all levels */
	uint64_t max_member;      /* bytes of one member */
	uint64_t max_ratio;       /* unpacked : packed */
	uint64_t max_depth;       /* archive nesting; a batch holding packets is 1 */
	uint64_t max_name;        /* bytes of one member name */
	uint64_t sandbox_memory;  /* address space of the unpacking child (RLIMIT_AS) */
	uint64_t sandbox_cpu;     /* its CPU seconds (RLIMIT_CPU) */
	uint64_t sandbox_wall;    /* its wall-clock seconds, enforced by the parent */
	uint64_t sandbox_jobs;    /* packets one sandboxed worker serves before it is replaced (1: a child each) */
} config_limits;

typedef struct config {
	char *file;           /* owned: the config's path as given */
	char *dir;            /* owned: its folder, base of relative paths */
	char *spool;
	char *scratch;            /* fetched copies and work folders: the spool unless named */
	char *database;
	char *rules;
	char *templates;
	long poll_interval;
	char *intake_address;
	char *timezone;       /* default Asia/Shanghai */
	char *log_level;      /* debug | info | warn | error */
	config_source *sources;  /* owned array */
	size_t nsources;
	/* [smtp]: url NULL when absent */
	char *smtp_url;
	int smtp_starttls;
	char *smtp_user;
	char *smtp_password_file;
	char *smtp_password_env;
	char *smtp_ca_file;
	char *smtp_from;
	char *outbox_maildir;
	char *report_to;
	char *report_time;    /* HH:MM */
	long report_soehk_days;  /* the report lists applications at SOEHK longer than this, default 30 */
	config_limits limits;
	/* [web]: the desk (`packetd serve`) */
	char *web_listen;     /* ADDRESS:PORT, default 127.0.0.1:8080 */
	char *web_cert;       /* resolved; HTTPS when cert and key are set */
	char *web_key;
	long web_session_minutes;  /* idle time before a session ends, default 30 */
	texts texts;          /* the notice templates and phrases, read with the config */
} config;

/* Loads path. On error returns -1 and writes "file:line: key: reason" to err. */
int config_load(config *c, const char *path, char *err, size_t errlen);
void config_free(config *c);
/* The line where section's key is written, or fallback. */
int config_key_line(const config *c, const char *section, const char *key, int fallback);

/* ---- config_check.c: what loading alone does not prove */

/* Checks that password files and SFTP keys exist and are not readable by
 * group or others, and that password_env variables are set; never reads a
 * secret. Only `run` needs this, not `validate`. */
int config_check_secrets(const config *c, char *err, size_t errlen);
/* check-config: every file and folder the config names exists with a safe
 * mode (secrets private, certificates and known_hosts readable, folders
 * present or creatable), and the templates keep their contract (texts.h).
 * One "file:line: key: problem" line per problem on out; returns how many. */
size_t config_check_files(const config *c, FILE *out);
/* check-config --connect: logs in to every source (lists what waits) and to
 * the SMTP server (EHLO, AUTH, NOOP); one line per source and transport on
 * out. Returns how many failed. */
size_t config_check_connect(const config *c, FILE *out);
/* Path of the config to use: explicit, else $PACKETD_CONFIG, else
 * config/packetd.conf. Not owned by the caller. */
const char *config_default_path(const char *explicit_path);
/* Our sender address: smtp_from, else the intake address. */
const char *config_sender(const config *c);
const char *config_source_kind_name(enum source_kind k);
/* Default limits, also used by `packetd validate` without a config. */
void config_limits_default(config_limits *l);

#endif
