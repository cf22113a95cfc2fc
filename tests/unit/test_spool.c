/* test_spool.c — the spool: kept files are exact and idempotent (also when
 * they must be copied across file systems), work folders are cleaned, and
 * the run lock is exclusive. */
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

#include "spool.h"
#include "util.h"

static char *make_dir(const char *parent)
{
	char *t = util_path_join(parent, "packetd-spool-test.XXXXXX");
	if (mkdtemp(t) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

static void keep_from(const char *src_parent)
{
	char *spool = make_dir("/tmp"), *srcdir = make_dir(src_parent), *src, *stored = NULL, *again = NULL;
	char sha[65], *data = NULL;
	size_t len = 0;
	buf big;
	assert_non_null(spool);
	assert_non_null(srcdir);
	buf_init(&big, 0);
	for (int i = 0; i < 20000; i++)   /* larger than one copy chunk */
		buf_printf(&big, "line %d of a document\n", i);
	src = util_path_join(srcdir, "doc.pdf");
	assert_int_equal(util_write_atomic(src, big.data, big.len), 0);
	assert_int_equal(util_sha256_file_hex(src, sha), 0);
	assert_int_equal(spool_init(spool), 0);
	assert_int_equal(spool_keep(spool, src, sha, &stored), 0);
	assert_non_null(strstr(stored, sha));
	assert_int_equal(util_read_file(stored, 0, &data, &len), 0);
	assert_int_equal(len, big.len);
	assert_memory_equal(data, big.data, len);
	/* again: the copy already kept is kept, the call still succeeds */
	assert_int_equal(spool_keep(spool, src, sha, &again), 0);
	assert_string_equal(stored, again);
	free(data);
	free(stored);
	free(again);
	free(src);
	buf_free(&big);
	util_rmtree(srcdir);
	util_rmtree(spool);
	free(srcdir);
	free(spool);
}

static void test_keep_same_fs(void **state)
{
	(void)state;
	keep_from("/tmp");
}

static void test_keep_other_fs(void **state)
{
	struct stat a, b;
	(void)state;
	if (stat("/dev/shm", &a) != 0 || stat("/tmp", &b) != 0 || a.st_dev == b.st_dev)
		skip();   /* no second file system here: the copy path cannot be reached */
	keep_from("/dev/shm");
}

static void test_workdir_cleaned(void **state)
{
	char *spool = make_dir("/tmp"), *w;
	struct stat st;
	(void)state;
	assert_int_equal(spool_init(spool), 0);
	w = spool_workdir(spool);
	assert_non_null(w);
	assert_int_equal(stat(w, &st), 0);
	spool_clean_work(spool);
	assert_int_not_equal(stat(w, &st), 0);
	free(w);
	util_rmtree(spool);
	free(spool);
}

static void test_lock_exclusive(void **state)
{
	char *spool = make_dir("/tmp");
	int fd1 = -1, fd2 = -1;
	(void)state;
	assert_int_equal(spool_init(spool), 0);
	assert_int_equal(spool_lock(spool, &fd1), 0);
	assert_int_equal(spool_lock(spool, &fd2), -1);
	close(fd1);
	assert_int_equal(spool_lock(spool, &fd2), 0);
	close(fd2);
	util_rmtree(spool);
	free(spool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_same_fs),
		cmocka_unit_test(test_keep_other_fs),
		cmocka_unit_test(test_workdir_cleaned),
		cmocka_unit_test(test_lock_exclusive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
