/* test_spool.c — the spool: kept documents are exact in their packs (also
 * when copied across file systems), kept once, readable and discardable
 * by their names, work folders are cleaned or
 * emptied for the next item, a sandbox's answer is taken and emptied, a source's fetched copy goes once its item is
 * recorded, and the run lock is exclusive. */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <linux/magic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
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

/* Reads a kept document whole (test helper). */
static char *kept_bytes(const char *stored, size_t *len)
{
	char *data = NULL;
	assert_int_equal(spool_kept_read(stored, 1 << 30, &data, len), 0);
	return data;
}

/* dir/name holding text; its SHA-256 in sha. Returns the path. */
static char *put_doc(const char *dir, const char *name, const char *text, size_t len, char sha[65])
{
	char *path = util_path_join(dir, name);
	assert_int_equal(util_write_atomic(path, text, len), 0);
	assert_int_equal(util_sha256_file_hex(path, sha), 0);
	return path;
}

static void free_all(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]);
		v[i] = NULL;
	}
}

/* Several files at once into a pack: each read back exact (one larger
 * than a copy chunk), two with the same bytes share one copy, a NULL
 * source is skipped; bytes the ledger names already (known) are not kept
 * again; after a close the next keep goes on at the pack's end. */
static void keep_all_from(const char *src_parent)
{
	char *spool = make_dir("/tmp"), *srcdir = make_dir(src_parent), *path[3], sha[3][65];
	char *stored[4] = {NULL, NULL, NULL, NULL}, *again[4] = {NULL, NULL, NULL, NULL}, *pack;
	const char *src[4], *shas[4], *known[4];
	spool_pack k = {0};
	struct stat st, st2;
	buf big;
	buf_init(&big, 0);
	for (int i = 0; i < 20000; i++)   /* larger than one copy chunk */
		buf_printf(&big, "line %d of a document\n", i);
	const char *text[3] = {big.data, "the second one\n", big.data};
	size_t tlen[3] = {big.len, 15, big.len};
	assert_int_equal(spool_init(spool, spool), 0);
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof name, "m%04d", i + 1);
		path[i] = put_doc(srcdir, name, text[i], tlen[i], sha[i]);
		src[i] = path[i];
		shas[i] = sha[i];
	}
	src[3] = shas[3] = NULL;
	assert_int_equal(spool_keep_all(&k, spool, 4, src, shas, NULL, stored, 0), 0);
	for (int i = 0; i < 3; i++) {
		size_t len = 0;
		char *data = kept_bytes(stored[i], &len);
		assert_int_equal(len, tlen[i]);
		assert_memory_equal(data, text[i], len);
		free(data);
	}
	assert_string_equal(stored[0], stored[2]);
	assert_null(stored[3]);
	pack = spool_kept_file(stored[0]);
	{
		char *want = util_path_join(spool, "packs/000001.pack");
		assert_string_equal(pack, want);
		free(want);
	}
	assert_int_equal(stat(pack, &st), 0);
	assert_int_equal((size_t)st.st_size, big.len + 15);
	/* named by the ledger already: nothing is written */
	for (int i = 0; i < 4; i++)
		known[i] = stored[i];
	assert_int_equal(spool_keep_all(&k, spool, 4, src, shas, known, again, 1), 0);
	assert_int_equal(spool_pack_sync(&k, spool), 0);
	for (int i = 0; i < 3; i++)
		assert_string_equal(stored[i], again[i]);
	assert_int_equal(stat(pack, &st2), 0);
	assert_int_equal(st2.st_size, st.st_size);
	free_all(again, 4);
	/* an earlier release's file the ledger names is named again while it
	 * is there; gone, the bytes are kept anew in the pack */
	{
		char *legacy = util_path_join(spool, "legacy-copy"), *data;
		size_t len = 0;
		const char *old[1] = {legacy};
		assert_int_equal(util_write_atomic(legacy, text[1], tlen[1]), 0);
		assert_int_equal(spool_keep_all(&k, spool, 1, src + 1, shas + 1, old, again, 0), 0);
		assert_string_equal(again[0], legacy);
		free_all(again, 1);
		assert_int_equal(unlink(legacy), 0);
		assert_int_equal(spool_keep_all(&k, spool, 1, src + 1, shas + 1, old, again, 0), 0);
		assert_non_null(strstr(again[0], ".pack@"));
		data = kept_bytes(again[0], &len);
		assert_int_equal(len, tlen[1]);
		assert_memory_equal(data, text[1], len);
		free(data);
		free_all(again, 1);
		free(legacy);
		assert_int_equal(stat(pack, &st), 0);   /* the pack's size now */
	}
	/* bytes left at the end by a copy that never committed are skipped */
	spool_pack_close(&k);
	{
		FILE *f = fopen(pack, "a");
		assert_non_null(f);
		fputs("bytes of a killed run", f);
		fclose(f);
	}
	assert_int_equal(spool_keep_all(&k, spool, 2, src + 1, shas + 1, NULL, again, 0), 0);
	{
		char want[64];
		size_t len = 0;
		char *data = kept_bytes(again[0], &len);
		snprintf(want, sizeof want, "@%lld+15", (long long)st.st_size + 21);
		assert_non_null(strstr(again[0], want));
		assert_int_equal(len, 15);
		assert_memory_equal(data, text[1], 15);
		free(data);
	}
	free_all(again, 2);
	spool_pack_close(&k);
	spool_pack_close(&k);   /* closing a closed pack does nothing */
	free_all(stored, 4);
	for (int i = 0; i < 3; i++)
		free(path[i]);
	free(pack);
	buf_free(&big);
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
 * reader hashed it) is not kept, and names nothing; the next one is. */
static void test_keep_all_changed(void **state)
{
	char *spool = make_dir("/tmp"), *srcdir = make_dir("/tmp"), *path, *ok, sha[65], sha2[65];
	char *stored[1] = {NULL}, *data;
	const char *src[1], *shas[1];
	spool_pack k = {0};
	size_t len = 0;
	(void)state;
	assert_int_equal(spool_init(spool, spool), 0);
	path = put_doc(srcdir, "m0001", "as read\n", 8, sha);
	assert_int_equal(util_write_atomic(path, "changed\n", 8), 0);
	src[0] = path;
	shas[0] = sha;
	errno = 0;
	assert_int_equal(spool_keep_all(&k, spool, 1, src, shas, NULL, stored, 0), -1);
	assert_int_equal(errno, EILSEQ);
	assert_null(stored[0]);
	assert_null(k.dir);   /* closed after a failure */
	/* grown past what was hashed: refused too, not cut to the hash's size */
	assert_int_equal(util_write_atomic(path, "as read\nand more\n", 17), 0);
	errno = 0;
	assert_int_equal(spool_keep_all(&k, spool, 1, src, shas, NULL, stored, 0), -1);
	assert_int_equal(errno, EILSEQ);
	assert_null(stored[0]);
	/* a FIFO planted in its place is refused at once, never waited on
	 * for a writer that will not come (with or without emptying) */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	for (unsigned flags = 0; flags <= SPOOL_EMPTY_SOURCES; flags += SPOOL_EMPTY_SOURCES) {
		errno = 0;
		assert_int_equal(spool_keep_all(&k, spool, 1, src, shas, NULL, stored, flags), -1);
		assert_int_equal(errno, EINVAL);
		assert_null(stored[0]);
	}
	/* nor is a quarantined archive's copy waited on, nor its hash */
	errno = 0;
	assert_int_equal(spool_quarantine(spool, path, sha), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(util_sha256_file_hex(path, sha2), -1);
	assert_int_equal(errno, EINVAL);
	ok = put_doc(srcdir, "m0002", "whole\n", 6, sha2);
	src[0] = ok;
	shas[0] = sha2;
	assert_int_equal(spool_keep_all(&k, spool, 1, src, shas, NULL, stored, 0), 0);
	data = kept_bytes(stored[0], &len);
	assert_int_equal(len, 6);
	assert_memory_equal(data, "whole\n", 6);
	free(data);
	spool_pack_close(&k);
	free(stored[0]);
	free(path);
	free(ok);
	util_rmtree(srcdir);
	util_rmtree(spool);
	free(srcdir);
	free(spool);
}

/* spool_init makes packs/ and quarantine/ in the spool, work/ in the
 * scratch folder. A full pack is followed by the next number; the newest
 * pack is the one appended to. */
static void test_pack_next(void **state)
{
	char *spool = make_dir("/tmp"), *scratch = make_dir("/tmp"), *path, sha[65], *stored[1] = {NULL};
	char probe[512], *file;
	const char *src[1], *shas[1];
	spool_pack k = {0};
	struct stat st;
	int fd;
	(void)state;
	assert_int_equal(spool_init(spool, scratch), 0);
	snprintf(probe, sizeof probe, "%s/packs", spool);
	assert_int_equal(stat(probe, &st), 0);
	snprintf(probe, sizeof probe, "%s/quarantine", spool);
	assert_int_equal(stat(probe, &st), 0);
	snprintf(probe, sizeof probe, "%s/work", scratch);
	assert_int_equal(stat(probe, &st), 0);
	snprintf(probe, sizeof probe, "%s/work", spool);
	assert_int_not_equal(stat(probe, &st), 0);
	/* pack 7 is full (sparse: no gigabyte written); 3 is older */
	snprintf(probe, sizeof probe, "%s/packs/000003.pack", spool);
	fd = open(probe, O_WRONLY | O_CREAT, 0640);
	assert_true(fd >= 0);
	close(fd);
	snprintf(probe, sizeof probe, "%s/packs/000007.pack", spool);
	fd = open(probe, O_WRONLY | O_CREAT, 0640);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)SPOOL_PACK_MAX), 0);
	close(fd);
	path = put_doc(scratch, "m0001", "a document\n", 11, sha);
	src[0] = path;
	shas[0] = sha;
	assert_int_equal(spool_keep_all(&k, spool, 1, src, shas, NULL, stored, 0), 0);
	file = spool_kept_file(stored[0]);
	snprintf(probe, sizeof probe, "%s/packs/000008.pack", spool);
	assert_string_equal(file, probe);
	assert_non_null(strstr(stored[0], "000008.pack@0+11"));
	assert_int_equal(stat(probe, &st), 0);
	assert_int_equal((int)st.st_size, 11);
	spool_pack_close(&k);
	free(file);
	free(stored[0]);
	free(path);
	util_rmtree(scratch);
	util_rmtree(spool);
	free(scratch);
	free(spool);
}

/* spool_pack_sync after a group's appends (SPOOL_SYNC_LATER): every pack
 * written since the last sync, the one begun when the first filled up
 * included, even when closed since (as after a failure); a pack gone
 * makes it fail, and the packs stay to be synced by the next call.
 * Appends synced on the spot leave nothing to it. */
static void test_pack_sync(void **state)
{
	char *spool = make_dir("/tmp"), *scratch = make_dir("/tmp"), *path[3], sha[3][65], *stored[1] = {NULL};
	char probe[512];
	const char *src[1], *shas[1];
	spool_pack k = {0};
	int fd;
	(void)state;
	assert_int_equal(spool_init(spool, scratch), 0);
	/* pack 1 five bytes short of full (sparse) */
	snprintf(probe, sizeof probe, "%s/packs/000001.pack", spool);
	fd = open(probe, O_WRONLY | O_CREAT, 0640);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)SPOOL_PACK_MAX - 5), 0);
	close(fd);
	path[0] = put_doc(scratch, "m0001", "abc", 3, sha[0]);
	path[1] = put_doc(scratch, "m0002", "a document\n", 11, sha[1]);
	path[2] = put_doc(scratch, "m0003", "another one\n", 12, sha[2]);
	for (int i = 0; i < 2; i++) {
		src[0] = path[i];
		shas[0] = sha[i];
		assert_int_equal(spool_keep_all(&k, spool, 1, src, shas, NULL, stored, SPOOL_SYNC_LATER), 0);
		free(stored[0]);
		stored[0] = NULL;
	}
	assert_int_equal(k.num, 2);   /* the second went to a new pack */
	assert_int_equal(k.dirty_first, 1);
	assert_int_equal(k.dirty_last, 2);
	assert_true(k.unsynced);
	spool_pack_close(&k);
	assert_int_equal(spool_pack_sync(&k, spool), 0);
	assert_int_equal(k.dirty_first, 0);
	assert_int_equal(k.dirty_last, 0);
	assert_false(k.unsynced);
	/* the pack written gone before the sync: it fails, and stays to do */
	src[0] = path[2];
	shas[0] = sha[2];
	assert_int_equal(spool_keep_all(&k, spool, 1, src, shas, NULL, stored, SPOOL_SYNC_LATER), 0);
	free(stored[0]);
	stored[0] = NULL;
	assert_int_equal(k.dirty_first, 2);
	spool_pack_close(&k);
	snprintf(probe, sizeof probe, "%s/packs/000002.pack", spool);
	assert_int_equal(unlink(probe), 0);
	assert_int_equal(spool_pack_sync(&k, spool), -1);
	assert_int_equal(k.dirty_first, 2);
	/* synced on the spot: nothing left for spool_pack_sync */
	k.dirty_first = k.dirty_last = 0;
	assert_int_equal(spool_keep_all(&k, spool, 1, src, shas, NULL, stored, 0), 0);
	free(stored[0]);
	assert_int_equal(k.dirty_first, 0);
	assert_false(k.unsynced);
	spool_pack_close(&k);
	for (int i = 0; i < 3; i++)
		free(path[i]);
	util_rmtree(spool);
	util_rmtree(scratch);
	free(spool);
	free(scratch);
}

/* The readers: a range past the pack's end is an error (EIO), not short
 * bytes; a plain file of an earlier release reads whole; max is kept to;
 * a copy holds the bytes. Discarding punches the range out of the pack
 * (zeros read back), the document after it stays; a plain file goes. */
static void test_kept_read_discard(void **state)
{
	char *spool = make_dir("/tmp"), *path[2], sha[2][65], *stored[2] = {NULL, NULL}, *data, *plain;
	char bad[600], *copy;
	const char *src[2], *shas[2];
	spool_pack k = {0};
	uint64_t off, len64;
	size_t len = 0;
	int fd;
	(void)state;
	assert_int_equal(spool_init(spool, spool), 0);
	path[0] = put_doc(spool, "a", "first document", 14, sha[0]);
	path[1] = put_doc(spool, "b", "second document", 15, sha[1]);
	src[0] = path[0];
	src[1] = path[1];
	shas[0] = sha[0];
	shas[1] = sha[1];
	assert_int_equal(spool_keep_all(&k, spool, 2, src, shas, NULL, stored, 0), 0);
	spool_pack_close(&k);
	assert_int_equal(spool_kept_open(stored[1], &fd, &off, &len64), 0);
	assert_int_equal((int)off, 14);
	assert_int_equal((int)len64, 15);
	close(fd);
	snprintf(bad, sizeof bad, "%s/packs/000001.pack@20+15", spool);
	errno = 0;
	assert_int_equal(spool_kept_open(bad, &fd, &off, &len64), -1);
	assert_int_equal(errno, EIO);
	errno = 0;
	assert_int_equal(spool_kept_read(stored[1], 10, &data, &len), -1);
	assert_int_equal(errno, EFBIG);
	copy = util_path_join(spool, "copy");
	assert_int_equal(spool_kept_copy(stored[1], copy), 0);
	assert_int_equal(util_read_file(copy, 0, &data, &len), 0);
	assert_int_equal(len, 15);
	assert_memory_equal(data, "second document", 15);
	free(data);
	/* into a scratch folder on another file system (where
	 * copy_file_range(2) fails with EXDEV) */
	{
		struct stat a, b;
		char *other = make_dir("/dev/shm"), *there;
		if (other != NULL && stat(other, &a) == 0 && stat(spool, &b) == 0 && a.st_dev != b.st_dev) {
			there = util_path_join(other, "copy");
			assert_int_equal(spool_kept_copy(stored[0], there), 0);
			assert_int_equal(util_read_file(there, 0, &data, &len), 0);
			assert_int_equal(len, 14);
			assert_memory_equal(data, "first document", 14);
			free(data);
			free(there);
		}
		if (other != NULL)
			util_rmtree(other);
		free(other);
	}
	/* an earlier release's name: the file itself */
	plain = util_path_join(spool, "plain");
	assert_int_equal(util_write_atomic(plain, "kept@1+2", 8), 0);
	data = kept_bytes(plain, &len);
	assert_int_equal(len, 8);
	assert_memory_equal(data, "kept@1+2", 8);
	free(data);
	assert_int_equal(spool_kept_discard(stored[0]), 0);
	data = kept_bytes(stored[0], &len);
	assert_int_equal(len, 14);
	assert_memory_equal(data, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 14);
	free(data);
	data = kept_bytes(stored[1], &len);
	assert_memory_equal(data, "second document", 15);
	free(data);
	assert_int_equal(spool_kept_discard(plain), 0);
	assert_int_equal(access(plain, F_OK), -1);
	assert_int_equal(spool_kept_discard(plain), 0);   /* gone already */
	free_all(stored, 2);
	free(path[0]);
	free(path[1]);
	free(plain);
	free(copy);
	util_rmtree(spool);
	free(spool);
}

/* A sandbox's answer is taken with one open: read whole, then emptied in
 * place (the same inode, for the folder's next item). Bigger than asked:
 * EFBIG and left as it is. A symbolic link is not followed but removed;
 * a second name of another file is removed, the file left whole. */
static void test_take_file(void **state)
{
	char *dir = make_dir("/tmp"), *path = util_path_join(dir, "answer"), *other = util_path_join(dir, "other");
	char *data = NULL;
	size_t len = 0;
	struct stat st, st2;
	(void)state;
	assert_int_equal(util_write_atomic(path, "{\"a\":1}", 7), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(util_take_file(path, 100, &data, &len), 0);
	assert_int_equal(len, 7);
	assert_string_equal(data, "{\"a\":1}");
	free(data);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal((int)st2.st_size, 0);
	assert_true(st2.st_ino == st.st_ino);
	/* an empty one reads as nothing */
	assert_int_equal(util_take_file(path, 100, &data, &len), 0);
	assert_int_equal(len, 0);
	free(data);
	/* too large: refused, untouched */
	assert_int_equal(util_write_atomic(path, "0123456789", 10), 0);
	errno = 0;
	assert_int_equal(util_take_file(path, 9, &data, &len), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal((int)st2.st_size, 10);
	/* a symbolic link to another file: that file is neither read nor emptied */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(util_write_atomic(other, "precious", 8), 0);
	assert_int_equal(symlink(other, path), 0);
	errno = 0;
	assert_int_equal(util_take_file(path, 100, &data, &len), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_not_equal(lstat(path, &st2), 0);
	assert_int_equal(stat(other, &st2), 0);
	assert_int_equal((int)st2.st_size, 8);
	/* a second name of it: read, then that name removed, the file kept */
	assert_int_equal(link(other, path), 0);
	assert_int_equal(util_take_file(path, 100, &data, &len), 0);
	assert_int_equal(len, 8);
	free(data);
	assert_int_not_equal(lstat(path, &st2), 0);
	assert_int_equal(stat(other, &st2), 0);
	assert_int_equal((int)st2.st_size, 8);
	/* missing */
	errno = 0;
	assert_int_equal(util_take_file(path, 100, &data, &len), -1);
	assert_int_equal(errno, ENOENT);
	util_rmtree(dir);
	free(path);
	free(other);
	free(dir);
}

/* buf_printf formats into the room a buffer already has and grows it
 * only when that is short: the text is the same either way, an exact fit
 * (no byte left for the NUL) grows, and the cap is kept to the byte with
 * nothing of a refused write left behind. */
static void test_buf_printf(void **state)
{
	buf b, want;
	char line[64];
	(void)state;
	buf_init(&b, 0);
	buf_init(&want, 0);
	for (int i = 0; i < 2000; i++) {
		int n = snprintf(line, sizeof line, "<td>%d</td><td>%s</td>\n", i * 37, i % 3 ? "x" : "long cell text");
		buf_add(&want, line, (size_t)n);
		buf_printf(&b, "<td>%d</td><td>%s</td>\n", i * 37, i % 3 ? "x" : "long cell text");
	}
	assert_int_equal(buf_error(&b), 0);
	assert_int_equal(b.len, want.len);
	assert_memory_equal(b.data, want.data, want.len);
	assert_int_equal(b.data[b.len], '\0');
	buf_free(&b);
	buf_free(&want);

	/* 63 bytes in 64 allocated: the next 1-byte write has room only for
	 * its NUL, so the buffer grows first */
	buf_init(&b, 0);
	buf_printf(&b, "%063d", 7);
	assert_int_equal(b.len, 63);
	assert_int_equal(b.alloc, 64);
	buf_printf(&b, "%s", "z");
	assert_int_equal(b.len, 64);
	assert_true(b.alloc > 65);
	assert_int_equal(b.data[63], 'z');
	assert_int_equal(b.data[64], '\0');
	buf_free(&b);

	/* the cap: up to it, then a refused write, which leaves the text as it
	 * was (though it was formatted into the room there) and sticks */
	buf_init(&b, 10);
	buf_adds(&b, "abc");   /* 64 bytes allocated: the next write fits the room */
	buf_printf(&b, "%d", 12345);
	assert_int_equal(buf_error(&b), 0);
	buf_printf(&b, "%s", "wxyz");
	assert_int_equal(buf_error(&b), -1);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "abc12345");
	buf_printf(&b, "%s", "q");
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "abc12345");
	buf_free(&b);
}

/* util_read_regular, as batch.c reads a batch's batch.csv from the work
 * folder the sandbox wrote: whole and bounded like util_read_file, but a
 * symbolic link is not followed and a FIFO is refused at once (with
 * util_read_file, the open waited for a writer for good). */
static void test_read_regular(void **state)
{
	char *dir = make_dir("/tmp"), *path = util_path_join(dir, "batch.csv"), *other = util_path_join(dir, "other");
	char *data = NULL;
	size_t len = 0;
	(void)state;
	assert_int_equal(util_write_atomic(path, "a,b\n1,2\n", 8), 0);
	assert_int_equal(util_read_regular(path, 100, &data, &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(data, "a,b\n1,2\n", 8);
	free(data);
	errno = 0;
	assert_int_equal(util_read_regular(path, 7, &data, &len), -1);
	assert_int_equal(errno, EFBIG);
	/* a symbolic link to some other file: refused, the other file unread */
	assert_int_equal(util_write_atomic(other, "secret", 6), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(other, path), 0);
	errno = 0;
	assert_int_equal(util_read_regular(path, 100, &data, &len), -1);
	assert_int_equal(errno, EINVAL);
	/* a FIFO with no writer: refused at once (alarm: a wait ends the test) */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10);
	errno = 0;
	assert_int_equal(util_read_regular(path, 100, &data, &len), -1);
	assert_int_equal(errno, EINVAL);
	alarm(0);
	errno = 0;
	assert_int_equal(util_read_regular(other, 100, &data, &len), 0);
	assert_int_equal(len, 6);
	free(data);
	util_rmtree(dir);
	free(path);
	free(other);
	free(dir);
}

/* SPOOL_EMPTY_SOURCES: a source kept is emptied in place (its inode
 * stays, for the work folder's next item); a second name of another file
 * is copied but never truncated through; without the flag sources stay
 * whole. util_empty_dir then finds the emptied one done. */
static void test_keep_all_empties(void **state)
{
	char *spool = make_dir("/tmp"), *srcdir = make_dir("/tmp"), *path[2], sha[2][65], *other;
	char *stored[2] = {NULL, NULL}, *data;
	const char *src[2], *shas[2];
	spool_pack k = {0};
	struct stat st, st2;
	size_t len = 0;
	(void)state;
	assert_int_equal(spool_init(spool, spool), 0);
	path[0] = put_doc(srcdir, "m0001", "first member\n", 13, sha[0]);
	other = util_path_join(spool, "elsewhere");   /* outside the work folder */
	assert_int_equal(util_write_atomic(other, "second member\n", 14), 0);
	path[1] = util_path_join(srcdir, "m0002");
	assert_int_equal(link(other, path[1]), 0);
	assert_int_equal(util_sha256_file_hex(path[1], sha[1]), 0);
	assert_int_equal(stat(path[0], &st), 0);
	for (int i = 0; i < 2; i++) {
		src[i] = path[i];
		shas[i] = sha[i];
	}
	/* without the flag: nothing emptied */
	assert_int_equal(spool_keep_all(&k, spool, 2, src, shas, NULL, stored, 0), 0);
	assert_int_equal(stat(path[0], &st2), 0);
	assert_int_equal((int)st2.st_size, 13);
	free_all(stored, 2);
	assert_int_equal(spool_keep_all(&k, spool, 2, src, shas, NULL, stored, SPOOL_EMPTY_SOURCES), 0);
	data = kept_bytes(stored[0], &len);
	assert_int_equal(len, 13);
	assert_memory_equal(data, "first member\n", 13);
	free(data);
	data = kept_bytes(stored[1], &len);
	assert_int_equal(len, 14);
	free(data);
	assert_int_equal(stat(path[0], &st2), 0);
	assert_int_equal((int)st2.st_size, 0);
	assert_true(st2.st_ino == st.st_ino);
	assert_int_equal(stat(other, &st2), 0);
	assert_int_equal((int)st2.st_size, 14);
	/* the folder readied for its next item: the emptied file stays, the
	 * second name goes, the file it named is untouched */
	assert_int_equal(util_empty_dir(srcdir, NULL, 0), 0);
	assert_int_equal(stat(path[0], &st2), 0);
	assert_true(st2.st_ino == st.st_ino);
	assert_int_not_equal(lstat(path[1], &st2), 0);
	assert_int_equal(stat(other, &st2), 0);
	assert_int_equal((int)st2.st_size, 14);
	spool_pack_close(&k);
	free_all(stored, 2);
	free(path[0]);
	free(path[1]);
	free(other);
	util_rmtree(srcdir);
	util_rmtree(spool);
	free(srcdir);
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
	uint64_t had = 0;
	int fd;
	(void)state;
	assert_int_equal(spool_init(spool, spool), 0);
	spool_workdirs_init(&pool, spool);
	pool.zero_bytes = 0;   /* truncated, whatever /tmp is (zeroing: test_workdir_zeroed) */
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
	fd = util_open_rewrite(path, &had);
	assert_true(fd >= 0);
	assert_int_equal((int)had, 0);
	assert_int_equal(util_write_all(fd, "abc", 3), 0);
	assert_int_equal(util_rewrite_end(fd, had, 3), 0);
	assert_int_equal(close(fd), 0);
	fd = util_open_rewrite(path, &had);
	assert_true(fd >= 0);
	assert_int_equal((int)had, 3);   /* what was there, for the cut below */
	assert_int_equal(util_write_all(fd, "z", 1), 0);
	assert_int_equal(util_rewrite_end(fd, had, 1), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_ino, att_ino);
	assert_int_equal(st.st_size, 1);
	/* a second name planted since: written to a new file, the other name untouched */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(link(outside, path), 0);
	fd = util_open_rewrite(path, &had);
	assert_true(fd >= 0);
	assert_int_equal((int)had, 0);   /* a new file */
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

/* name in dir holds len bytes of c. */
static void put_bytes(const char *dir, const char *name, char c, size_t len)
{
	char *path = util_path_join(dir, name), *b = xcalloc(1, len);
	memset(b, c, len);
	assert_int_equal(util_write_atomic(path, b, len), 0);
	free(b);
	free(path);
}

/* Whether dir/name is len bytes, all zero, on inode ino. */
static int zeroed(const char *dir, const char *name, size_t len, ino_t ino)
{
	char *path = util_path_join(dir, name), *b = NULL;
	size_t n = 0;
	struct stat st;
	int ok = stat(path, &st) == 0 && st.st_ino == ino && util_read_file(path, len + 1, &b, &n) == 0 && n == len;
	for (size_t i = 0; ok && i < n; i++)
		ok = b[i] == 0;
	free(b);
	free(path);
	return ok;
}

static ino_t inode_of(const char *dir, const char *name)
{
	char *path = util_path_join(dir, name);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	free(path);
	return st.st_ino;
}

/* With zero_bytes, a folder given back has its files overwritten with
 * zeros, keeping their size and inode, as long as the budget lasts: the
 * rest are truncated; a second name or a link is still removed, and the
 * next writer's util_open_rewrite sees the old size and cuts it to what it
 * wrote. Which files get the budget depends on readdir's order; no byte of
 * the item stays either way. spool_workdirs_init sets zero_bytes for a
 * folder in memory only. */
static void test_workdir_zeroed(void **state)
{
	char *spool = make_dir("/tmp"), *w, *packet, *outside, *path;
	const char *names[3] = {"att-1", "m0000", "m0001"};
	const size_t sizes[3] = {8192, 4096, 4096};
	spool_workdirs pool;
	const char *dirs[3];
	ino_t ino[3];
	uint64_t had = 0, used = 0;
	struct statfs fs;
	int fd, kept = 0, cut = 0;
	(void)state;
	assert_int_equal(spool_init(spool, spool), 0);
	spool_workdirs_init(&pool, spool);
	pool.zero_bytes = 8192 + 4096 + 100;   /* room for two of the three files at most */
	w = spool_workdir_take(&pool);
	assert_non_null(w);
	packet = util_path_join(w, "packet");
	outside = util_path_join(spool, "outside");
	assert_int_equal(util_mkdirs(packet, 0700), 0);
	dirs[0] = w;
	dirs[1] = dirs[2] = packet;
	for (int i = 0; i < 3; i++) {
		put_bytes(dirs[i], names[i], (char)('A' + i), sizes[i]);
		ino[i] = inode_of(dirs[i], names[i]);
	}
	put_bytes(spool, "outside", 'Z', 10);
	path = util_path_join(packet, "m0002");
	assert_int_equal(link(outside, path), 0);
	free(path);
	spool_workdir_give(&pool, w, "packet");
	w = spool_workdir_take(&pool);
	for (int i = 0; i < 3; i++) {
		if (zeroed(dirs[i], names[i], sizes[i], ino[i])) {
			kept++;
			used += sizes[i];
		} else {
			assert_int_equal(size_of(dirs[i], names[i]), 0);
			assert_true(inode_of(dirs[i], names[i]) == ino[i]);
			cut++;
		}
	}
	/* whichever order: two fit, the third is cut */
	assert_int_equal(kept, 2);
	assert_int_equal(cut, 1);
	assert_true(used <= pool.zero_bytes);
	assert_int_equal(size_of(packet, "m0002"), -1);
	assert_int_equal(size_of(spool, "outside"), 10);
	/* the next writer: over the zeros, cut to what it wrote */
	path = util_path_join(w, "att-1");
	fd = util_open_rewrite(path, &had);
	assert_true(fd >= 0);
	assert_true(had == 0 || had == 8192);
	assert_int_equal(util_write_all(fd, "abc", 3), 0);
	assert_int_equal(util_rewrite_end(fd, had, 3), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(size_of(w, "att-1"), 3);
	assert_true(inode_of(w, "att-1") == ino[0]);
	free(path);
	spool_workdir_give(&pool, w, "packet");
	spool_workdirs_free(&pool);
	/* the budget itself: none on a disk, SPOOL_WORK_KEEP_PAGES in memory */
	if (statfs(spool, &fs) == 0) {
		spool_workdirs_init(&pool, spool);
		assert_true(pool.zero_bytes ==
			    (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC ? SPOOL_WORK_KEEP_PAGES : 0));
		spool_workdirs_free(&pool);
	}
	util_rmtree(spool);
	free(spool);
	spool = make_dir("/dev/shm");
	if (spool != NULL && statfs(spool, &fs) == 0 && fs.f_type == TMPFS_MAGIC) {
		assert_int_equal(spool_init(spool, spool), 0);
		spool_workdirs_init(&pool, spool);
		assert_true(pool.zero_bytes == SPOOL_WORK_KEEP_PAGES);
		spool_workdirs_free(&pool);
	}
	if (spool != NULL)
		util_rmtree(spool);
	free(spool);
	free(packet);
	free(outside);
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
		cmocka_unit_test(test_keep_all_same_fs),
		cmocka_unit_test(test_keep_all_other_fs),
		cmocka_unit_test(test_keep_all_changed),
		cmocka_unit_test(test_pack_next),
		cmocka_unit_test(test_pack_sync),
		cmocka_unit_test(test_kept_read_discard),
		cmocka_unit_test(test_keep_all_empties),
		cmocka_unit_test(test_take_file),
		cmocka_unit_test(test_read_regular),
		cmocka_unit_test(test_buf_printf),
		cmocka_unit_test(test_workdir_cleaned),
		cmocka_unit_test(test_workdir_reused),
		cmocka_unit_test(test_workdir_zeroed),
		cmocka_unit_test(test_fetched_copy_released),
		cmocka_unit_test(test_lock_exclusive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
