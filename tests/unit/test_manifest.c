/* test_manifest.c — manifest.c: UTF-8 and GBK manifests, [files] lines, and
 * the per-line details collected for the manifest_invalid finding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "manifest.h"

/* The example of SPEC section 2, comments and all. */
static const char spec_example[] =
	"[applicant]\n"
	"name_zh = 张伟\n"
	"name_en = ZHANG Wei\n"
	"email = zhang.wei@example.com\n"
	"cmes_no = M2024001234          ; CMES membership number\n"
	"cmes_grade = member            ; member | senior_member\n"
	"cmes_qualification = mechanical_engineer ; mechanical_engineer | professional_engineer | none\n"
	"senior_engineer = no           ; yes: 认可企业的高级工程师\n"
	"target = CEng                  ; CEng | IEng\n"
	"soe_grade = member             ; member | associate_member\n"
	"province = 江苏省机械工程学会    ; recommending provincial society\n"
	"soe_sector = IPlantE           ; optional\n"
	"\n"
	"[files]                        ; optional: file = document, language, copy\n"
	"申请表-中文-1.pdf = application_form, zh, 1\n"
	"Annex 1: form.pdf = application_form, en, 2\n"
	"work report.pdf = work_experience_report\n";

static void test_utf8(void **state)
{
	manifest m;
	(void)state;
	assert_int_equal(manifest_parse(spec_example, strlen(spec_example), &m), 0);
	assert_int_equal(m.errors.n, 0);
	assert_string_equal(m.app.name_zh, "张伟");
	assert_string_equal(m.app.name_en, "ZHANG Wei");
	assert_string_equal(m.app.cmes_no, "M2024001234");
	assert_string_equal(m.app.cmes_qualification, "mechanical_engineer");
	assert_string_equal(m.app.senior_engineer, "no");
	assert_string_equal(m.app.target, "CEng");
	assert_string_equal(m.app.province, "江苏省机械工程学会");
	assert_string_equal(m.app.soe_sector, "IPlantE");
	assert_string_equal(applicant_get(&m.app, "email"), "zhang.wei@example.com");
	assert_int_equal(m.nentries, 3);
	assert_string_equal(m.entries[0].file, "申请表-中文-1.pdf");
	assert_string_equal(m.entries[0].document, "application_form");
	assert_string_equal(m.entries[0].language, "zh");
	assert_int_equal(m.entries[0].copy, 1);
	assert_int_equal(m.entries[0].line, 15);
	/* a ':' in the file name does not cut it */
	assert_string_equal(m.entries[1].file, "Annex 1: form.pdf");
	assert_string_equal(m.entries[1].language, "en");
	assert_int_equal(m.entries[1].copy, 2);
	assert_string_equal(m.entries[2].document, "work_experience_report");
	assert_null(m.entries[2].language);
	assert_int_equal(m.entries[2].copy, 0);
	manifest_free(&m);
}

static void test_gbk(void **state)
{
	/* GBK with CRLF and full-width commas, as Notepad on Chinese Windows writes it */
	static const char gbk[] =
		"[applicant]\r\nname_zh = \xd5\xc5\xce\xb0\r\n"
		"province = \xbd\xad\xcb\xd5\xca\xa1\xbb\xfa\xd0\xb5\xb9\xa4\xb3\xcc\xd1\xa7\xbb\xe1"
		" ; \xcd\xc6\xbc\xf6\xb5\xa5\xce\xbb\r\n"
		"[files]\r\n"
		"\xc9\xea\xc7\xeb\xb1\xed-\xd6\xd0\xce\xc4-1.pdf = application_form\xa3\xac zh\xa3\xac 1\r\n";
	manifest m;
	(void)state;
	assert_int_equal(manifest_parse(gbk, sizeof gbk - 1, &m), 0);
	assert_int_equal(m.errors.n, 0);
	assert_string_equal(m.app.name_zh, "张伟");
	assert_string_equal(m.app.province, "江苏省机械工程学会");
	assert_int_equal(m.nentries, 1);
	assert_string_equal(m.entries[0].file, "申请表-中文-1.pdf");
	assert_string_equal(m.entries[0].document, "application_form");
	assert_string_equal(m.entries[0].language, "zh");
	assert_int_equal(m.entries[0].copy, 1);
	manifest_free(&m);
}

static void test_errors(void **state)
{
	static const char text[] =
		"\xEF\xBB\xBF[applicant]\n"          /* 1: BOM is fine */
		"Name_EN = ZHANG Wei\n"               /* 2: case forgiven */
		"colour = blue\n"                     /* 3 */
		"name_en = Other\n"                   /* 4: twice */
		"just some words\n"                   /* 5 */
		"[extra]\n"                           /* 6 */
		"x = 1\n"                             /* 7: ignored, section reported */
		"[files]\n"                           /* 8 */
		"a.pdf = application_form, zh, two\n" /* 9 */
		"b.pdf =\n"                           /* 10 */
		"c.pdf = cpd_record, en\n"            /* 11 */
		"c.pdf = cpd_record, en, 2\n";        /* 12 */
	manifest m;
	(void)state;
	assert_int_equal(manifest_parse(text, sizeof text - 1, &m), 0);
	assert_string_equal(m.app.name_en, "ZHANG Wei");
	assert_int_equal(m.nentries, 1);
	assert_string_equal(m.entries[0].file, "c.pdf");
	assert_int_equal(m.errors.n, 7);
	assert_non_null(strstr(m.errors.items[0], "line 3: "));
	assert_non_null(strstr(m.errors.items[0], "colour"));
	assert_non_null(strstr(m.errors.items[1], "line 4: "));
	assert_non_null(strstr(m.errors.items[1], "twice"));
	assert_non_null(strstr(m.errors.items[2], "line 5: "));
	assert_non_null(strstr(m.errors.items[3], "line 6: unknown section [extra]"));
	assert_non_null(strstr(m.errors.items[4], "line 9: "));
	assert_non_null(strstr(m.errors.items[4], "two"));
	assert_non_null(strstr(m.errors.items[5], "line 10: "));
	assert_non_null(strstr(m.errors.items[6], "line 12: [files] c.pdf is listed twice"));
	manifest_free(&m);
}

static void test_limits(void **state)
{
	manifest m;
	char *big;
	size_t n = MANIFEST_MAX_BYTES + 1;
	(void)state;
	big = calloc(1, n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	assert_int_equal(manifest_parse(big, n, &m), -1);
	assert_int_equal(m.nentries, 0);
	manifest_free(&m);
	/* one overlong line is reported and the rest still read */
	memset(big, 0, n + 1);
	strcpy(big, "[applicant]\nname_en = ");
	memset(big + strlen(big), 'x', 9000);
	strcpy(big + strlen(big), "\nname_zh = 张伟\n");
	assert_int_equal(manifest_parse(big, strlen(big), &m), 0);
	assert_null(m.app.name_en);
	assert_string_equal(m.app.name_zh, "张伟");
	assert_int_equal(m.errors.n, 1);
	assert_non_null(strstr(m.errors.items[0], "line 2: "));
	manifest_free(&m);
	free(big);
	assert_int_equal(manifest_parse(NULL, 0, &m), -1);
	manifest_free(&m);
	assert_int_equal(manifest_parse("", 0, &m), 0);
	assert_int_equal(m.errors.n, 0);
	manifest_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_gbk),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
