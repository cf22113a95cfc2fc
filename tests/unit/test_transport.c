/* test_transport.c — the Maildir transport: a notice lands once in new/
 * under its Message-ID, staged or not; the folders are made when missing,
 * also when one is removed between two notices or before a page's sync;
 * a notice already in new/ or cur/ is not written again. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "transport.h"
#include "util.h"

typedef struct fixture {
	char dir[64];     /* removed after each test */
	char *root;       /* dir/outbox, not made beforehand */
	config conf;
	transport t;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/packetd-transport-test.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	f->root = util_path_join(f->dir, "outbox");
	f->conf.outbox_maildir = f->root;
	f->t.ops = &transport_maildir_ops;
	f->t.conf = &f->conf;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	transport_maildir_ops.close(&f->t);
	util_rmtree(f->dir);
	free(f->root);
	free(f);
	return 0;
}

static enum transport_result send_one(fixture *f, const char *message_id, const char *body)
{
	char err[256] = "";
	enum transport_result r = f->t.ops->send(&f->t, message_id, "a@example.com", body, strlen(body), err,
						 sizeof err);
	if (r == TRANSPORT_TEMPORARY || r == TRANSPORT_PERMANENT)
		print_error("send %s: %s\n", message_id, err);
	return r;
}

/* The bytes of root/sub/name, or NULL when there is no such file. */
static char *read_in(const fixture *f, const char *sub, const char *name)
{
	char *dir = util_path_join(f->root, sub), *path = util_path_join(dir, name), *data = NULL;
	size_t len = 0;
	if (util_read_file(path, 0, &data, &len) != 0)
		data = NULL;
	free(dir);
	free(path);
	return data;
}

static void remove_sub(const fixture *f, const char *sub)
{
	char *dir = util_path_join(f->root, sub);
	assert_int_equal(util_rmtree(dir), 0);
	free(dir);
}

static void test_direct_makes_folders(void **state)
{
	fixture *f = *state;
	char *got;
	/* no outbox folder at all: made at the first notice */
	assert_int_equal(send_one(f, "<n1@cmes>", "first"), TRANSPORT_SENT);
	got = read_in(f, "new", "<n1@cmes>");
	assert_non_null(got);
	assert_string_equal(got, "first");
	free(got);
	/* new/ removed between two notices: made again, nothing lost */
	remove_sub(f, "new");
	assert_int_equal(send_one(f, "<n2@cmes>", "second"), TRANSPORT_SENT);
	got = read_in(f, "new", "<n2@cmes>");
	assert_non_null(got);
	free(got);
	/* tmp/ removed: made again */
	remove_sub(f, "tmp");
	assert_int_equal(send_one(f, "<n3@cmes>", "third"), TRANSPORT_SENT);
	got = read_in(f, "new", "<n3@cmes>");
	assert_non_null(got);
	free(got);
}

static void test_staged_page(void **state)
{
	fixture *f = *state;
	enum transport_result res[3];
	char err[256] = "", *got;
	f->t.staging = 1;
	assert_int_equal(send_one(f, "<s1@cmes>", "one"), TRANSPORT_STAGED);
	assert_int_equal(send_one(f, "<s2@cmes>", "two"), TRANSPORT_STAGED);
	/* staged, not delivered */
	assert_null(read_in(f, "new", "<s1@cmes>"));
	/* new/ removed before the sync: the page is still delivered */
	remove_sub(f, "new");
	f->t.ops->sync(&f->t, res, 2, err, sizeof err);
	assert_int_equal(res[0], TRANSPORT_SENT);
	assert_int_equal(res[1], TRANSPORT_SENT);
	got = read_in(f, "new", "<s2@cmes>");
	assert_non_null(got);
	assert_string_equal(got, "two");
	free(got);
	assert_null(read_in(f, "tmp", "<s1@cmes>"));
	/* tmp/ removed after a page: the next page makes it again */
	remove_sub(f, "tmp");
	assert_int_equal(send_one(f, "<s3@cmes>", "three"), TRANSPORT_STAGED);
	f->t.ops->sync(&f->t, res, 1, err, sizeof err);
	assert_int_equal(res[0], TRANSPORT_SENT);
	got = read_in(f, "new", "<s3@cmes>");
	assert_non_null(got);
	free(got);
}

static void test_delivered_before(void **state)
{
	fixture *f = *state;
	char *cur, *seen, *got;
	assert_int_equal(send_one(f, "<d1@cmes>", "original"), TRANSPORT_SENT);
	/* a reader moved it to cur/: a second delivery leaves it alone */
	cur = util_path_join(f->root, "cur");
	seen = util_path_join(cur, "<d1@cmes>");
	{
		char *newdir = util_path_join(f->root, "new"), *fresh = util_path_join(newdir, "<d1@cmes>");
		assert_int_equal(rename(fresh, seen), 0);
		free(newdir);
		free(fresh);
	}
	assert_int_equal(send_one(f, "<d1@cmes>", "again"), TRANSPORT_SENT);
	assert_null(read_in(f, "new", "<d1@cmes>"));
	got = read_in(f, "cur", "<d1@cmes>");
	assert_non_null(got);
	assert_string_equal(got, "original");
	free(got);
	free(cur);
	free(seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_direct_makes_folders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_staged_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delivered_before, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
