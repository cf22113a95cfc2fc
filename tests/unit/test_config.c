/* test_config.c — config.c: the shipped default, a full config with every
 * source kind, and the errors that must name file, line and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

int config_check_secrets(const config *c, char *err, size_t errlen);

static char tmpdir[64];
static char *conf_path;

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_config.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	conf_path = util_path_join(tmpdir, "packetd.conf");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(conf_path);
	return util_rmtree(tmpdir);
}

static void write_conf(const char *text)
{
	assert_int_equal(util_write_atomic(conf_path, text, strlen(text)), 0);
}

/* Loads text and expects failure with "conf:line: key: " and, when given,
 * a fragment of the reason. */
static void expect_error(const char *text, int line, const char *key, const char *reason)
{
	config c;
	char err[512], want[512];
	write_conf(text);
	assert_int_equal(config_load(&c, conf_path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:%d: %s: ", conf_path, line, key);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("got \"%s\", want prefix \"%s\"", err, want);
	if (reason && strstr(err, reason) == NULL)
		fail_msg("got \"%s\", want \"%s\" in it", err, reason);
	assert_null(c.file);  /* nothing left allocated */
}

#define HEAD "[packetd]\nspool = s\ndatabase = s/p.db\n[outbox]\nmaildir = out\n"

static void test_default(void **state)
{
	config c;
	char err[512], *dir, *want;
	(void)state;
	if (config_load(&c, "config/packetd.conf", err, sizeof err) != 0)
		fail_msg("%s", err);
	dir = realpath("config", NULL);
	assert_non_null(dir);
	assert_string_equal(c.dir, dir);
	want = util_path_join(dir, "../spool");
	assert_string_equal(c.spool, want);
	free(want);
	want = util_path_join(dir, "requirements.ini");
	assert_string_equal(c.rules, want);
	free(want);
	assert_int_equal(c.poll_interval, 60);
	assert_string_equal(c.intake_address, "rra@cmes.example");
	assert_string_equal(c.timezone, "Asia/Shanghai");
	assert_int_equal(c.nsources, 2);
	assert_string_equal(c.sources[0].name, "applicants");
	assert_int_equal(c.sources[0].kind, SOURCE_MAILDIR);
	want = util_path_join(dir, "../mailboxes/inbox");
	assert_string_equal(c.sources[0].path, want);
	free(want);
	assert_int_equal(c.sources[1].kind, SOURCE_DIR);
	want = util_path_join(dir, "../spool/receipts");
	assert_string_equal(c.sources[1].receipts, want);
	free(want);
	assert_string_equal(c.sources[1].society, "江苏省机械工程学会");
	assert_int_equal(c.sources[1].settle_seconds, 5);
	assert_null(c.smtp_url);
	assert_string_equal(c.report_time, "02:00");
	assert_int_equal(c.limits.max_message, 50u * 1024 * 1024);
	assert_int_equal(c.limits.max_members, 500);
	assert_int_equal(c.limits.max_depth, 2);
	assert_int_equal(config_check_secrets(&c, err, sizeof err), 0);
	config_free(&c);
	free(dir);
}

static void test_full(void **state)
{
	config c;
	char err[512], *want;
	(void)state;
	write_conf("[packetd]\n"
		   "spool = /var/spool/packetd\n"
		   "database = db/p.db ; inline comment\n"
		   "poll_interval = 30\n"
		   "timezone = Europe/London\n"
		   "log_level = debug\n"
		   "[source.mail]\n"
		   "type = imap\n"
		   "url = imaps://127.0.0.1:10993/INBOX\n"
		   "user = rra\n"
		   "password_env = PACKETD_TEST_IMAP\n"
		   "processed = Processed\n"
		   "idle_renew = 240\n"
		   "[source.js]\n"
		   "type = sftp\n"
		   "url = sftp://127.0.0.1:10022/drop/\n"
		   "user = js\n"
		   "key = keys/id\n"
		   "known_hosts = kh\n"
		   "receipts = /js/receipts/\n"
		   "settle_seconds = 0\n"
		   "[smtp]\n"
		   "url = smtp://127.0.0.1:10025\n"
		   "starttls = yes\n"
		   "user = rra\n"
		   "password_file = smtp.pass\n"
		   "from = CMES <rra@cmes.example>\n"
		   "[limits]\n"
		   "max_message = 10M\n"
		   "max_name = 255\n");
	if (config_load(&c, conf_path, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_string_equal(c.spool, "/var/spool/packetd");
	want = util_path_join(tmpdir, "db/p.db");
	assert_string_equal(c.database, want);
	free(want);
	assert_int_equal(c.poll_interval, 30);
	assert_string_equal(c.log_level, "debug");
	assert_string_equal(c.timezone, "Europe/London");
	assert_int_equal(c.sources[0].kind, SOURCE_IMAP);
	assert_string_equal(c.sources[0].processed, "Processed");   /* a folder name */
	assert_string_equal(c.sources[0].password_env, "PACKETD_TEST_IMAP");
	assert_int_equal(c.sources[0].line, 7);
	assert_int_equal(c.sources[0].idle, 1);
	assert_int_equal(c.sources[0].idle_renew, 240);
	assert_int_equal(c.sources[1].kind, SOURCE_SFTP);
	assert_string_equal(c.sources[1].receipts, "/js/receipts/"); /* remote */
	want = util_path_join(tmpdir, "keys/id");
	assert_string_equal(c.sources[1].key, want);
	free(want);
	assert_int_equal(c.sources[1].settle_seconds, 0);
	assert_int_equal(c.sources[1].idle_renew, 0);   /* not an IMAP source's */
	assert_int_equal(c.smtp_starttls, 1);
	assert_null(c.outbox_maildir);
	assert_int_equal(c.limits.max_message, 10u * 1024 * 1024);
	assert_int_equal(c.limits.max_name, 255);
	assert_int_equal(c.limits.max_total, 500u * 1024 * 1024);
	config_free(&c);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error(HEAD "colour = blue\n", 6, "colour", "unknown key");
	expect_error(HEAD "[packetd]\n", 6, "packetd", "twice");
	expect_error("[packetd]\nspool = s\nspool = t\n", 3, "spool", "given twice");
	expect_error("[packetd]\nspool = s\npoll_interval = 0\n", 3, "poll_interval", "1 to 86400");
	expect_error("[packetd]\nspool = s\npoll_interval = 6x\n", 3, "poll_interval", "\"6x\"");
	expect_error("[packetd]\nspool = s\n[outbox]\nmaildir = o\n", 1, "database", "missing");
	expect_error(HEAD "[limits]\nmax_message = 10X\n", 7, "max_message", "size");
	expect_error(HEAD "[centre]\nreport_time = 25:00\n", 7, "report_time", "HH:MM");
	expect_error(HEAD "[smtp]\nurl = smtp://x\nstarttls = maybe\n", 8, "starttls", "yes or no");
	expect_error(HEAD "[weird]\n", 6, "weird", "unknown section");
	expect_error(HEAD "no equals sign here\n", 6, "syntax", NULL);
	expect_error("[packetd]\ntimezone = Mars/Olympus\nspool = s\ndatabase = d\n", 2, "timezone",
		     "time zone");
	/* source kinds: needs and refusals */
	expect_error(HEAD "[source.a]\ntype = maildir\npath = in\nkey = k\n", 9, "key",
		     "not used by maildir sources");
	expect_error(HEAD "[source.a]\ntype = maildir\n", 6, "path", "missing");
	expect_error(HEAD "[source.a]\npath = in\n", 6, "type", "missing");
	expect_error(HEAD "[source.a]\ntype = pop3\n", 7, "type", "maildir, imap, dir or sftp");
	expect_error(HEAD "[source.a]\ntype = imap\nurl = imaps://h/\nuser = u\n", 6,
		     "password_file", "missing");
	expect_error(HEAD "[source.a]\ntype = imap\nurl = https://h/\nuser = u\npassword_env = X\n", 8,
		     "url", "imap");
	expect_error(HEAD "[source.a]\ntype = imap\nurl = imaps://h/\nuser = u\npassword_env = X\nidle_renew = 4\n", 11,
		     "idle_renew", "5 to 1740");
	expect_error(HEAD "[source.a]\ntype = maildir\npath = in\nidle_renew = 60\n", 9, "idle_renew",
		     "not used by maildir sources");
	expect_error(HEAD "[source.a]\ntype = sftp\nurl = sftp://h/\nuser = u\nkey = k\n", 6,
		     "known_hosts", "missing");
	expect_error("[packetd]\nspool = s\ndatabase = d\n", 1, "[outbox] maildir", "missing");
}

static void test_long_line(void **state)
{
	char *text = xcalloc(1, 10000);
	(void)state;
	strcpy(text, HEAD "intake_address = ");
	memset(text + strlen(text), 'a', 9000);
	strcat(text, "\n");
	expect_error(text, 6, "line", "longer");
	free(text);
}

static void test_secrets(void **state)
{
	config c;
	char err[512], *pass, want[512], text[512];
	(void)state;
	pass = util_path_join(tmpdir, "imap.pass");
	assert_int_equal(util_write_atomic(pass, "secret\n", 7), 0);
	assert_int_equal(chmod(pass, 0644), 0);
	snprintf(text, sizeof text,
		 HEAD "[source.m]\ntype = imap\nurl = imap://h/\nuser = u\npassword_file = imap.pass\n");
	write_conf(text);
	if (config_load(&c, conf_path, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(config_check_secrets(&c, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:10: password_file: %s is readable by others; chmod 600 it",
		 conf_path, pass);
	assert_string_equal(err, want);
	assert_int_equal(chmod(pass, 0600), 0);
	assert_int_equal(config_check_secrets(&c, err, sizeof err), 0);
	unlink(pass);
	assert_int_equal(config_check_secrets(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, "does not exist"));
	config_free(&c);

	write_conf(HEAD "[source.m]\ntype = imap\nurl = imap://h/\nuser = u\npassword_env = PACKETD_T_PW\n");
	assert_int_equal(config_load(&c, conf_path, err, sizeof err), 0);
	unsetenv("PACKETD_T_PW");
	assert_int_equal(config_check_secrets(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, ":10: password_env: "));
	setenv("PACKETD_T_PW", "x", 1);
	assert_int_equal(config_check_secrets(&c, err, sizeof err), 0);
	unsetenv("PACKETD_T_PW");
	config_free(&c);
	free(pass);
}

static void test_helpers(void **state)
{
	config_limits l;
	(void)state;
	setenv("PACKETD_CONFIG", "/etc/packetd.conf", 1);
	assert_string_equal(config_default_path("x.conf"), "x.conf");
	assert_string_equal(config_default_path(NULL), "/etc/packetd.conf");
	unsetenv("PACKETD_CONFIG");
	assert_string_equal(config_default_path(NULL), "config/packetd.conf");
	assert_string_equal(config_source_kind_name(SOURCE_SFTP), "sftp");
	assert_string_equal(config_source_kind_name(SOURCE_MAILDIR), "maildir");
	config_limits_default(&l);
	assert_int_equal(l.max_total, 500u * 1024 * 1024);
	assert_int_equal(l.max_member, 200u * 1024 * 1024);
	assert_int_equal(l.max_ratio, 100);
	assert_int_equal(l.max_name, 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
