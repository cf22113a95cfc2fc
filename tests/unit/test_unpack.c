/* Unit tests for unpack.c over the archives made by
 * tests/data/unpack/make.py: names (UTF-8, GBK, GB18030), wrapper and junk
 * stripping, every rejection code, and that a rejection leaves nothing
 * behind, inside or outside the work folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>
#include <dirent.h>
#include <unistd.h>

#include "unpack.h"
#include "util.h"

struct fx {
	char base[64];     /* holds only "work" unless something escaped */
	char *work;
	config_limits lim;
	unpack_result r;
	int rc;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	snprintf(f->base, sizeof f->base, "/tmp/unpack-test.XXXXXX");
	if (mkdtemp(f->base) == NULL)
		return -1;
	f->work = util_path_join(f->base, "work");
	if (util_mkdirs(f->work, 0700) != 0)
		return -1;
	f->lim.max_message = 50u << 20;
	f->lim.max_members = 500;
	f->lim.max_total = 500u << 20;
	f->lim.max_member = 200u << 20;
	f->lim.max_ratio = 100;
	f->lim.max_depth = 2;
	f->lim.max_name = 255;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	unpack_result_free(&f->r);
	util_rmtree(f->base);
	free(f->work);
	free(f);
	return 0;
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int run(struct fx *f, const char *archive)
{
	const char *top = getenv("PACKETD_TOP");
	char path[512];
	unpack_result_free(&f->r);
	/* unpack_archive wants an empty folder: start each run afresh. */
	assert_int_equal(util_rmtree(f->work), 0);
	assert_int_equal(util_mkdirs(f->work, 0700), 0);
	snprintf(path, sizeof path, "%s/tests/data/unpack/%s", top ? top : ".", archive);
	assert_int_equal(access(path, R_OK), 0);
	f->rc = unpack_archive(path, f->work, &f->lim, 0, &f->r);
	/* Nothing beside the work folder, whatever happened. */
	assert_int_equal(count_entries(f->base), 1);
	return f->rc;
}

static void expect_reject(struct fx *f, const char *archive, const char *code)
{
	if (run(f, archive) != 1 || f->r.error_code == NULL || strcmp(f->r.error_code, code) != 0)
		print_error("%s: rc %d code %s detail %s\n", archive, f->rc,
			    f->r.error_code ? f->r.error_code : "-",
			    f->r.error_detail ? f->r.error_detail : "-");
	assert_int_equal(f->rc, 1);
	assert_string_equal(f->r.error_code, code);
	assert_non_null(f->r.error_detail);
	assert_int_equal(f->r.nmembers, 0);
	assert_int_equal(count_entries(f->work), 0);
}

static void expect_ok(struct fx *f, const char *archive, size_t n)
{
	if (run(f, archive) != 0)
		print_error("%s: rc %d code %s detail %s\n", archive, f->rc,
			    f->r.error_code ? f->r.error_code : "-",
			    f->r.error_detail ? f->r.error_detail : "-");
	assert_int_equal(f->rc, 0);
	assert_null(f->r.error_code);
	assert_int_equal(f->r.nmembers, n);
	assert_int_equal(count_entries(f->work), n);
}

static void assert_member_bytes(const unpack_member *m, const char *expect)
{
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(util_read_file(m->path, 1 << 20, &data, &len), 0);
	assert_int_equal(len, strlen(expect));
	assert_int_equal(m->size, len);
	assert_memory_equal(data, expect, len);
	/* kept as it was written, for the sniffing: the file's bytes */
	assert_non_null(m->bytes);
	assert_memory_equal(m->bytes, expect, len);
	assert_int_equal(m->bytes[len], '\0');
	/* hashed as it was written: the same as the file's hash */
	{
		char sha[65];
		assert_int_equal(util_sha256_hex(expect, len, sha), 0);
		assert_string_equal(m->sha256, sha);
	}
	free(data);
}

static void test_utf8_names(void **state)
{
	struct fx *f = *state;
	expect_ok(f, "utf8_names.zip", 2);
	assert_string_equal(f->r.members[0].name, "申请表-中文-1.pdf");
	assert_string_equal(f->r.members[1].name, "Work report EN.pdf");
	assert_non_null(strstr(f->r.members[0].path, "/work/m0001"));
	assert_member_bytes(&f->r.members[0], "%PDF-1.4\n% zh\n%%EOF\n");
	assert_false(f->r.members[0].raw_differs);
}

static void test_gbk_names(void **state)
{
	struct fx *f = *state;
	expect_ok(f, "gbk_names.zip", 3);
	assert_string_equal(f->r.members[0].name, "申请表-中文-1.pdf");
	assert_string_equal(f->r.members[1].name, "工作经历报告.docx");
	/* 淺 ends in byte 0x5C in GBK: it must not become a folder separator. */
	assert_string_equal(f->r.members[2].name, "淺灰-说明.txt");
	assert_member_bytes(&f->r.members[2], "5C trail byte");
}

/* One decision per archive: 学位 in GBK is valid UTF-8 too, but its
 * sibling is not, so both are GB18030; the bytes are kept for audit. */
static void test_gbk_mixed(void **state)
{
	struct fx *f = *state;
	expect_ok(f, "gbk_mixed.zip", 2);
	assert_string_equal(f->r.members[0].name, "学位-1.pdf");
	assert_string_equal(f->r.members[1].name, "申请表-中文-1.pdf");
	assert_string_equal(f->r.members[0].raw_name, "\xD1\xA7\xCE\xBB-1.pdf");
	assert_true(f->r.members[0].raw_differs);
}

/* An Info-ZIP Unicode Path is taken only when its CRC is the header name's. */
static void test_unicode_path(void **state)
{
	struct fx *f = *state;
	expect_ok(f, "upath.zip", 2);
	assert_string_equal(f->r.members[0].name, "学位证书-1.pdf");
	assert_string_equal(f->r.members[1].name, "申请表-1.pdf");
}

static void test_gb18030_name(void **state)
{
	struct fx *f = *state;
	expect_ok(f, "gb18030_name.zip", 1);
	assert_string_equal(f->r.members[0].name, "张\xF0\xA0\x80\x80-简历.pdf");
}

static void test_wrapper_and_junk(void **state)
{
	struct fx *f = *state;
	expect_ok(f, "wrapper.zip", 2);
	assert_string_equal(f->r.members[0].name, "申请表.pdf");
	assert_string_equal(f->r.members[1].name, "sub/notes.txt");
	assert_member_bytes(&f->r.members[1], "hello\n");
	expect_reject(f, "junk_only.zip", "archive_empty");
}

static void test_tar_gz(void **state)
{
	struct fx *f = *state;
	expect_ok(f, "packet.tar.gz", 2);
	assert_string_equal(f->r.members[0].name, "申请表-中文-1.pdf");
	assert_string_equal(f->r.members[1].name, "cv.pdf");
	assert_member_bytes(&f->r.members[1], "%PDF-1.4\n% t2\n%%EOF\n");
}

static void test_nested_is_a_member(void **state)
{
	struct fx *f = *state;
	expect_ok(f, "nested.zip", 2);
	assert_string_equal(f->r.members[0].name, "inner.zip");
	/* The inner archive is unpacked by the caller one level deeper. */
	unpack_result inner;
	char *sub = util_path_join(f->work, "inner");
	assert_int_equal(util_mkdirs(sub, 0700), 0);
	assert_int_equal(unpack_archive(f->r.members[0].path, sub, &f->lim, 1, &inner), 0);
	assert_int_equal(inner.nmembers, 1);
	assert_string_equal(inner.members[0].name, "x.pdf");
	unpack_result_free(&inner);
	assert_int_equal(util_rmtree(sub), 0);
	assert_int_equal(util_mkdirs(sub, 0700), 0);
	f->lim.max_depth = 0;
	assert_int_equal(unpack_archive(f->r.members[0].path, sub, &f->lim, 1, &inner), 1);
	assert_string_equal(inner.error_code, "archive_too_deep");
	assert_string_equal(inner.error_detail, "depth 1 > 0");
	assert_int_equal(count_entries(sub), 0);
	unpack_result_free(&inner);
	util_rmtree(sub);
	free(sub);
}

static void test_traversal(void **state)
{
	struct fx *f = *state;
	expect_reject(f, "dotdot.zip", "archive_traversal");
	assert_string_equal(f->r.error_detail, "../../etc/passwd");
	expect_reject(f, "absolute.zip", "archive_traversal");
	assert_string_equal(f->r.error_detail, "/etc/passwd");
	expect_reject(f, "backslash.zip", "archive_traversal");
	expect_reject(f, "drive.zip", "archive_traversal");
	expect_reject(f, "drive_slash.zip", "archive_traversal");
	expect_reject(f, "dotdot.tar.gz", "archive_traversal");
}

static void test_links_devices(void **state)
{
	struct fx *f = *state;
	expect_reject(f, "symlink.zip", "archive_link");
	assert_string_equal(f->r.error_detail, "link.pdf");
	expect_reject(f, "symlink.tar.gz", "archive_link");
	expect_reject(f, "hardlink.tar.gz", "archive_link");
	assert_string_equal(f->r.error_detail, "b.pdf");
	expect_reject(f, "device.tar.gz", "archive_device");
}

static void test_encrypted(void **state)
{
	struct fx *f = *state;
	expect_reject(f, "encrypted.zip", "archive_encrypted");
	assert_string_equal(f->r.error_detail, "secret.pdf");
}

static void test_bounds(void **state)
{
	struct fx *f = *state;
	/* 4 MiB of zeros in a 4 KB zip: ratio ~1000:1 */
	expect_reject(f, "bomb.zip", "archive_ratio");
	assert_non_null(strstr(f->r.error_detail, "zeros.txt: "));
	f->lim.max_ratio = 100000;
	expect_ok(f, "bomb.zip", 1);
	assert_int_equal(f->r.members[0].size, 4u << 20);
	assert_null(f->r.members[0].bytes);   /* over UNPACK_KEEP_MEMBER: read from its file */
	f->lim.max_member = 1u << 20;
	expect_reject(f, "bomb.zip", "archive_member_too_large");
	assert_string_equal(f->r.error_detail, "zeros.txt: more than 1048576 bytes");
	f->lim.max_member = 8u << 20;
	f->lim.max_total = 2u << 20;
	expect_reject(f, "bomb.zip", "archive_too_large");

	f->lim.max_members = 10;
	expect_reject(f, "many.zip", "archive_too_many_members");
	assert_string_equal(f->r.error_detail, "f10.txt: 11 members > 10");
	f->lim.max_members = 20;
	expect_ok(f, "many.zip", 20);
}

/* Members kept in memory stay within UNPACK_KEEP_TOTAL for the archive: 40
 * members of 120 KiB each (random bytes, which do not compress), written
 * here with libarchive. The first 34 (4,080 KiB) are kept, each equal to
 * its file; from the 35th on, none is; every member is written whole. */
static void test_kept_bound(void **state)
{
	struct fx *f = *state;
	const size_t each = 120u * 1024, n = 40;
	char path[128], *data = NULL;
	unsigned char *bytes = xcalloc(each, 1);
	unsigned seed = 7;
	size_t len = 0;
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	snprintf(path, sizeof path, "%s/kept.zip", f->base);
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		char name[16];
		for (size_t k = 0; k < each; k++)
			bytes[k] = (unsigned char)(rand_r(&seed) >> 7);
		snprintf(name, sizeof name, "f%02zu.bin", i);
		archive_entry_clear(e);
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)each);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, bytes, each), (la_ssize_t)each);
	}
	archive_entry_free(e);
	assert_int_equal(archive_write_free(a), ARCHIVE_OK);
	free(bytes);

	unpack_result_free(&f->r);
	f->rc = unpack_archive(path, f->work, &f->lim, 0, &f->r);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(f->rc, 0);
	assert_int_equal(f->r.nmembers, n);
	for (size_t i = 0; i < n; i++) {
		const unpack_member *m = &f->r.members[i];
		assert_int_equal(m->size, each);
		if (i >= 34) {
			assert_null(m->bytes);
			continue;
		}
		assert_non_null(m->bytes);
		assert_int_equal(util_read_file(m->path, 1 << 20, &data, &len), 0);
		assert_int_equal(len, each);
		assert_memory_equal(m->bytes, data, each);
		free(data);
	}
}

static void test_names(void **state)
{
	struct fx *f = *state;
	expect_reject(f, "dup.zip", "archive_duplicate_name");
	expect_reject(f, "case.zip", "archive_duplicate_name");
	assert_string_equal(f->r.error_detail, "a.pdf");
	expect_reject(f, "ctrl.zip", "archive_name_invalid");
	expect_reject(f, "longname.zip", "archive_name_invalid");
	f->lim.max_name = 400;
	expect_ok(f, "longname.zip", 1);
}

static void test_broken(void **state)
{
	struct fx *f = *state;
	expect_reject(f, "truncated.zip", "archive_truncated");
	expect_reject(f, "truncated.tar.gz", "archive_truncated");
	expect_reject(f, "badcrc.zip", "archive_unreadable");
	expect_reject(f, "notarchive.bin", "archive_not_archive");
	expect_reject(f, "empty.zip", "archive_empty");
	expect_reject(f, "inconsistent_name.zip", "archive_inconsistent");
	expect_reject(f, "inconsistent_count.zip", "archive_inconsistent");
}

static void test_system_error(void **state)
{
	struct fx *f = *state;
	char *gone = util_path_join(f->base, "missing");
	const char *top = getenv("PACKETD_TOP");
	char path[512];
	snprintf(path, sizeof path, "%s/tests/data/unpack/utf8_names.zip", top ? top : ".");
	/* A work folder that cannot be written is temporary, not the archive's fault. */
	assert_int_equal(unpack_archive(path, gone, &f->lim, 0, &f->r), -1);
	assert_null(f->r.error_code);
	assert_int_equal(f->r.nmembers, 0);
	unpack_result_free(&f->r);
	assert_int_equal(unpack_archive("/nonexistent/a.zip", f->work, &f->lim, 0, &f->r), -1);
	free(gone);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_utf8_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gbk_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gb18030_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gbk_mixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unicode_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrapper_and_junk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tar_gz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_is_a_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_traversal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_links_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_encrypted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_system_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
