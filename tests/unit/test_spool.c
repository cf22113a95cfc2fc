/* test_spool.c — the spool: kept files are exact and idempotent (also when
 * they must be copied across file systems), work folders are cleaned or
 * emptied for the next item, a source's fetched copy goes once its item is
 * recorded, and the run lock is exclusive. */
#include <dirent.h>
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

#include "source.h"
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
	assert_int_equal(spool_init(spool, spool), 0);
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

/* Several files at once: two with the same bytes share one kept copy, a
 * NULL source is skipped, and a second call keeps what is there. */
static void keep_all_from(const char *src_parent)
{
	char *spool = make_dir("/tmp"), *srcdir = make_dir(src_parent), *path[3], sha[3][65];
	const char *text[3] = {"the first document\n", "the second one\n", "the first document\n"};
	const char *src[4], *shas[4];
	char *stored[4] = {NULL, NULL, NULL, NULL}, *again[4] = {NULL, NULL, NULL, NULL};
	assert_int_equal(spool_init(spool, spool), 0);
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof name, "m%04d", i + 1);
		path[i] = util_path_join(srcdir, name);
		assert_int_equal(util_write_atomic(path[i], text[i], strlen(text[i])), 0);
		assert_int_equal(util_sha256_file_hex(path[i], sha[i]), 0);
		src[i] = path[i];
		shas[i] = sha[i];
	}
	src[3] = NULL;
	shas[3] = NULL;
	assert_int_equal(spool_keep_all(spool, 4, src, shas, stored, 0), 0);
	for (int i = 0; i < 3; i++) {
		char *data = NULL;
		size_t len = 0;
		assert_non_null(strstr(stored[i], sha[i]));
		assert_int_equal(util_read_file(stored[i], 0, &data, &len), 0);
		assert_int_equal(len, strlen(text[i]));
		assert_memory_equal(data, text[i], len);
		free(data);
	}
	assert_string_equal(stored[0], stored[2]);
	assert_null(stored[3]);
	/* a copy, not a link: the sandbox's file is not the kept one */
	{
		struct stat a, b;
		assert_int_equal(stat(path[0], &a), 0);
		assert_int_equal(stat(stored[0], &b), 0);
		assert_true(a.st_ino != b.st_ino || a.st_dev != b.st_dev);
		assert_int_equal(a.st_nlink, 1);
	}
	assert_int_equal(spool_keep_all(spool, 4, src, shas, again, 1), 0);
	assert_int_equal(spool_sync(spool), 0);
	for (int i = 0; i < 4; i++) {
		if (i < 3)
			assert_string_equal(stored[i], again[i]);
		free(again[i]);
	}
	/* A power cut between a group's renames and its sync leaves names
	 * without their bytes: emptied, or as long but other. Kept again,
	 * they are whole; a whole one is left as it is (same inode). */
	{
		struct stat whole, after;
		char *data = NULL, other[64];
		size_t len = 0;
		assert_int_equal(truncate(stored[1], 0), 0);
		memset(other, 'X', strlen(text[0]));
		assert_int_equal(util_write_atomic(stored[0], other, strlen(text[0])), 0);
		assert_int_equal(spool_keep_all(spool, 4, src, shas, again, 1), 0);
		for (int i = 0; i < 3; i++) {
			assert_int_equal(util_read_file(again[i], 0, &data, &len), 0);
			assert_int_equal(len, strlen(text[i]));
			assert_memory_equal(data, text[i], len);
			free(data);
		}
		assert_int_equal(stat(again[1], &whole), 0);
		for (int i = 0; i < 4; i++)
			free(again[i]);
		assert_int_equal(spool_keep_all(spool, 4, src, shas, again, 1), 0);
		assert_int_equal(stat(again[1], &after), 0);
		assert_int_equal(whole.st_ino, after.st_ino);
		for (int i = 0; i < 4; i++)
			free(again[i]);
	}
	for (int i = 0; i < 4; i++)
		free(stored[i]);
	for (int i = 0; i < 3; i++)
		free(path[i]);
	util_rmtree(srcdir);
	util_rmtree(spool);
	free(srcdir);
	free(spool);
}

static void test_keep_all_same_fs(void **state)
{
	(void)state;
	keep_all_from("/tmp");
}

static void test_keep_all_other_fs(void **state)
{
	struct stat a, b;
	(void)state;
	if (stat("/dev/shm", &a) != 0 || stat("/tmp", &b) != 0 || a.st_dev == b.st_dev)
		skip();
	keep_all_from("/dev/shm");
}

/* A file whose bytes are no longer those its hash says (changed after the
 * reader hashed it) is not kept. */
static void test_keep_all_changed(void **state)
{
	char *spool = make_dir("/tmp"), *srcdir = make_dir("/tmp"), *path = util_path_join(srcdir, "m0001");
	char sha[65], *stored[1] = {NULL}, *dir;
	const char *src[1], *shas[1];
	(void)state;
	assert_int_equal(spool_init(spool, spool), 0);
	assert_int_equal(util_write_atomic(path, "as read\n", 8), 0);
	assert_int_equal(util_sha256_file_hex(path, sha), 0);
	assert_int_equal(util_write_atomic(path, "changed\n", 8), 0);
	src[0] = path;
	shas[0] = sha;
	errno = 0;
	assert_int_equal(spool_keep_all(spool, 1, src, shas, stored, 0), -1);
	assert_int_equal(errno, EILSEQ);
	assert_int_equal(access(stored[0], F_OK), -1);
	/* nor a temporary file left beside it */
	dir = util_dirname(stored[0]);
	{
		DIR *d = opendir(dir);
		struct dirent *e;
		int entries = 0;
		assert_non_null(d);
		while ((e = readdir(d)) != NULL)
			entries += e->d_name[0] != '.';
		closedir(d);
		assert_int_equal(entries, 0);
	}
	free(dir);
	free(stored[0]);
	free(path);
	util_rmtree(srcdir);
	util_rmtree(spool);
	free(srcdir);
	free(spool);
}

/* spool_init makes the 256 fan-out folders, so keeping needs no mkdir; one
 * removed since is made again when a document needs it. The scratch folder
 * gets work/, the spool none. */
static void test_fan_out(void **state)
{
	char *spool = make_dir("/tmp"), *scratch = make_dir("/tmp"), *srcdir = make_dir("/tmp");
	char *path = util_path_join(srcdir, "m0001"), sha[65], *stored[1] = {NULL}, *dir, probe[512];
	const char *src[1], *shas[1];
	struct stat st;
	(void)state;
	assert_int_equal(spool_init(spool, scratch), 0);
	snprintf(probe, sizeof probe, "%s/files/00", spool);
	assert_int_equal(stat(probe, &st), 0);
	snprintf(probe, sizeof probe, "%s/files/ff", spool);
	assert_int_equal(stat(probe, &st), 0);
	snprintf(probe, sizeof probe, "%s/work", scratch);
	assert_int_equal(stat(probe, &st), 0);
	snprintf(probe, sizeof probe, "%s/work", spool);
	assert_int_not_equal(stat(probe, &st), 0);
	assert_int_equal(util_write_atomic(path, "a document\n", 11), 0);
	assert_int_equal(util_sha256_file_hex(path, sha), 0);
	snprintf(probe, sizeof probe, "%s/files/%.2s", spool, sha);
	assert_int_equal(rmdir(probe), 0);
	src[0] = path;
	shas[0] = sha;
	assert_int_equal(spool_keep_all(spool, 1, src, shas, stored, 0), 0);
	dir = util_dirname(stored[0]);
	assert_string_equal(dir, probe);
	assert_int_equal(stat(stored[0], &st), 0);
	assert_int_equal((int)st.st_size, 11);
	free(dir);
	free(stored[0]);
	free(path);
	util_rmtree(srcdir);
	util_rmtree(scratch);
	util_rmtree(spool);
	free(srcdir);
	free(scratch);
	free(spool);
}

/* A temporary copy left by a killed process whose pid we now have is
 * replaced, not appended to, and gone afterwards. */
static void test_keep_over_leftover(void **state)
{
	char *spool = make_dir("/tmp"), *src, *stored, *leftover, *data = NULL, sha[65], name[32];
	size_t len = 0;
	struct stat st;
	(void)state;
	assert_non_null(spool);
	assert_int_equal(spool_init(spool, spool), 0);
	src = util_path_join(spool, "doc.txt");
	assert_int_equal(util_write_atomic(src, "the kept bytes", 14), 0);
	assert_int_equal(util_sha256_file_hex(src, sha), 0);
	{
		buf b;
		buf_init(&b, 0);
		buf_printf(&b, "%s/files/%.2s/%s", spool, sha, sha);
		stored = buf_steal(&b);
	}
	snprintf(name, sizeof name, ".tmp.%ld", (long)getpid());
	leftover = xcalloc(1, strlen(stored) + sizeof name);
	strcpy(leftover, stored);
	strcat(leftover, name);
	assert_int_equal(util_write_atomic(leftover, "junk of a killed process, longer than the copy", 47), 0);
	{
		char *got = NULL;
		assert_int_equal(spool_keep(spool, src, sha, &got), 0);
		assert_string_equal(got, stored);
		free(got);
	}
	assert_int_equal(util_read_file(stored, 0, &data, &len), 0);
	assert_int_equal(len, 14);
	assert_memory_equal(data, "the kept bytes", 14);
	assert_int_equal(lstat(leftover, &st), -1);
	assert_int_equal(errno, ENOENT);
	free(data);
	free(leftover);
	free(stored);
	free(src);
	util_rmtree(spool);
	free(spool);
}

static void test_workdir_cleaned(void **state)
{
	char *spool = make_dir("/tmp"), *w;
	struct stat st;
	(void)state;
	assert_int_equal(spool_init(spool, spool), 0);
	w = spool_workdir(spool);
	assert_non_null(w);
	assert_int_equal(stat(w, &st), 0);
	spool_clean_work(spool);
	assert_int_not_equal(stat(w, &st), 0);
	free(w);
	util_rmtree(spool);
	free(spool);
}

/* Writes a small file at dir/name. */
static void put(const char *dir, const char *name)
{
	char *path = util_path_join(dir, name);
	assert_int_equal(util_write_atomic(path, "x", 1), 0);
	free(path);
}

/* Entries in dir, "." and ".." aside; -1 when it cannot be read. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Size of dir/name, or -1 when it is not there. */
static long long size_of(const char *dir, const char *name)
{
	char *path = util_path_join(dir, name);
	struct stat st;
	long long n = lstat(path, &st) == 0 ? (long long)st.st_size : -1;
	free(path);
	return n;
}

/* A folder given back is readied for the next item: its files emptied but
 * kept (the same inodes, written again by util_open_rewrite), its packet/
 * subfolder likewise, anything else removed; it is the next one taken. One
 * given back beyond the kept few, and the kept ones at the end, are
 * removed. */
static void test_workdir_reused(void **state)
{
	char *spool = make_dir("/tmp"), *w, *first, *packet, *inner, *other, *outside, *last, *work, *path;
	char *given[SPOOL_WORK_KEPT + 1];
	spool_workdirs pool;
	struct stat st;
	ino_t att_ino;
	int fd;
	(void)state;
	assert_int_equal(spool_init(spool, spool), 0);
	spool_workdirs_init(&pool, spool);
	w = spool_workdir_take(&pool);
	assert_non_null(w);
	first = xstrdup(w);
	packet = util_path_join(w, "packet");
	inner = util_path_join(packet, "inner");
	other = util_path_join(w, "other");
	outside = util_path_join(spool, "outside");
	assert_int_equal(util_mkdirs(inner, 0700), 0);
	assert_int_equal(util_mkdirs(other, 0700), 0);
	put(w, "att-1");
	put(packet, "m0000");
	put(inner, "m0000");
	put(other, "x");
	put(spool, "outside");
	/* a second name of a file elsewhere, and a symbolic link: removed, the
	 * file they name untouched */
	path = util_path_join(packet, "m0001");
	assert_int_equal(link(outside, path), 0);
	free(path);
	path = util_path_join(w, "att-2");
	assert_int_equal(symlink(outside, path), 0);
	free(path);
	path = util_path_join(w, "att-1");
	assert_int_equal(stat(path, &st), 0);
	att_ino = st.st_ino;
	spool_workdir_give(&pool, w, "packet");
	assert_int_equal(entries(first), 2);   /* att-1 and packet/ */
	assert_int_equal(size_of(first, "att-1"), 0);
	assert_int_equal(size_of(packet, "m0000"), 0);
	assert_int_equal(size_of(packet, "m0001"), -1);
	assert_int_equal(size_of(first, "att-2"), -1);
	assert_int_equal(size_of(spool, "outside"), 1);
	assert_int_equal(entries(packet), 1);   /* inner/ gone with its file */
	assert_int_not_equal(stat(other, &st), 0);
	w = spool_workdir_take(&pool);
	assert_string_equal(w, first);
	/* written again: the same inode, cut to what was written now */
	fd = util_open_rewrite(path);
	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, "abc", 3), 0);
	assert_int_equal(util_rewrite_end(fd, 3), 0);
	assert_int_equal(close(fd), 0);
	fd = util_open_rewrite(path);
	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, "z", 1), 0);
	assert_int_equal(util_rewrite_end(fd, 1), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_ino, att_ino);
	assert_int_equal(st.st_size, 1);
	/* a second name planted since: written to a new file, the other name untouched */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(link(outside, path), 0);
	fd = util_open_rewrite(path);
	assert_true(fd >= 0);
	assert_int_equal(util_write_all(fd, "new", 3), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(size_of(first, "att-1"), 3);
	assert_int_equal(size_of(spool, "outside"), 1);
	spool_workdir_give(&pool, w, "packet");
	/* more given back than are kept: the rest removed */
	for (size_t i = 0; i <= SPOOL_WORK_KEPT; i++)
		given[i] = spool_workdir_take(&pool);
	for (size_t i = 0; i <= SPOOL_WORK_KEPT; i++) {
		assert_non_null(given[i]);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(given[i], given[j]);
	}
	last = xstrdup(given[SPOOL_WORK_KEPT]);
	for (size_t i = 0; i <= SPOOL_WORK_KEPT; i++)
		spool_workdir_give(&pool, given[i], "packet");
	assert_int_not_equal(stat(last, &st), 0);
	assert_int_equal(stat(first, &st), 0);
	spool_workdirs_free(&pool);
	assert_int_not_equal(stat(first, &st), 0);
	work = util_path_join(spool, "work");
	assert_int_equal(entries(work), 0);
	free(work);
	free(path);
	free(last);
	free(first);
	free(packet);
	free(inner);
	free(other);
	free(outside);
	util_rmtree(spool);
	free(spool);
}

/* A copy a source fetched into scratch goes once the item is recorded, and
 * bytes it held in memory are freed; a path that is the source's own file
 * (a Maildir's message) stays. */
static void test_fetched_copy_released(void **state)
{
	char *dir = make_dir("/tmp"), *copy, *own;
	source_item fetched = {0}, local = {0}, held = {0};
	struct stat st;
	(void)state;
	assert_non_null(dir);
	put(dir, "1.eml");
	put(dir, "own.eml");
	copy = util_path_join(dir, "1.eml");
	own = util_path_join(dir, "own.eml");
	fetched.path = xstrdup(copy);
	fetched.scratch_copy = 1;
	local.path = xstrdup(own);
	source_item_release(&fetched);
	source_item_release(&local);
	source_item_release(&fetched);   /* twice: nothing more */
	held.data = xstrdup("From: a@example.com\r\n\r\nhi");
	held.len = strlen(held.data);
	source_item_release(&held);   /* bytes held in memory: freed */
	assert_null(held.data);
	assert_int_equal(held.len, 0);
	assert_null(fetched.path);
	assert_int_not_equal(stat(copy, &st), 0);
	assert_string_equal(local.path, own);
	assert_int_equal(stat(own, &st), 0);
	free(local.path);
	free(copy);
	free(own);
	util_rmtree(dir);
	free(dir);
}

static void test_lock_exclusive(void **state)
{
	char *spool = make_dir("/tmp");
	int fd1 = -1, fd2 = -1;
	(void)state;
	assert_int_equal(spool_init(spool, spool), 0);
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
		cmocka_unit_test(test_keep_all_same_fs),
		cmocka_unit_test(test_keep_all_other_fs),
		cmocka_unit_test(test_keep_all_changed),
		cmocka_unit_test(test_fan_out),
		cmocka_unit_test(test_keep_over_leftover),
		cmocka_unit_test(test_workdir_cleaned),
		cmocka_unit_test(test_workdir_reused),
		cmocka_unit_test(test_fetched_copy_released),
		cmocka_unit_test(test_lock_exclusive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
