/* test_rules.c — rules.c against the repository's config/requirements.ini and
 * findings.ini, and against small broken files written on the fly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packet.h"
#include "rules.h"
#include "util.h"

#define REQ "config/requirements.ini"

static const char *const codes[] = {
	"archive_unreadable", "archive_not_archive", "archive_traversal", "archive_link",
	"archive_device", "archive_encrypted", "archive_too_many_members", "archive_too_large",
	"archive_member_too_large", "archive_ratio", "archive_too_deep", "archive_truncated",
	"archive_duplicate_name", "archive_name_invalid", "archive_empty", "archive_inconsistent",
	"message_too_large", "no_packet", "missing_document", "missing_copies", "extra_copies",
	"copies_differ", "unrecognised_file", "type_mismatch", "type_not_accepted", "file_empty",
	"file_encrypted", "file_damaged", "language_mismatch", "language_unknown",
	"cross_reference_variant", "cross_reference_competences", "cpd_columns",
	"cpd_entry_out_of_range", "cpd_hours_invalid", "cpd_total", "manifest_missing",
	"manifest_invalid", "manifest_field_missing", "manifest_field_invalid",
	"manifest_file_unknown", "not_eligible", "senior_engineer_ceng_only", "duplicate_packet",
	"resubmission",
};

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_rules.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return util_rmtree(tmpdir);
}

static char *write_tmp(const char *name, const char *text)
{
	char *p = util_path_join(tmpdir, name);
	assert_int_equal(util_write_atomic(p, text, strlen(text)), 0);
	return p;
}

static void test_repo_rules(void **state)
{
	rules r;
	char err[512];
	int af, xr, cpd, wer, ce, zh, en;
	(void)state;
	assert_int_equal(rules_load(&r, REQ, err, sizeof err), 0);
	assert_int_equal(r.ndocs, 5);
	assert_int_equal(r.nlangs, 2);
	zh = rules_lang_index(&r, "zh");
	en = rules_lang_index(&r, "en");
	assert_int_equal(zh, 0);
	assert_int_equal(en, 1);
	assert_string_equal(r.langs[zh].script, "han");
	assert_true(strlist_contains(&r.langs[zh].markers, "中文"));
	assert_true(strlist_contains(&r.langs[en].markers, "english"));
	af = rules_doc_index(&r, "application_form");
	xr = rules_doc_index(&r, "cross_reference");
	cpd = rules_doc_index(&r, "cpd_record");
	wer = rules_doc_index(&r, "work_experience_report");
	ce = rules_doc_index(&r, "cmes_endorsement");
	assert_true(af >= 0 && xr >= 0 && cpd >= 0 && wer >= 0 && ce >= 0);
	assert_int_equal(rules_doc_index(&r, "nonsense"), -1);
	assert_int_equal(r.cross_reference_doc, xr);
	assert_int_equal(r.cpd_doc, cpd);
	for (size_t i = 0; i < r.ndocs; i++)
		assert_int_equal(r.docs[i].copies, 2);
	assert_int_equal(r.docs[af].langs, 3u);
	assert_int_equal(r.docs[xr].langs, 1u << en);
	assert_int_equal(r.docs[af].annex[en], 1);
	assert_int_equal(r.docs[af].annex[zh], 2);
	assert_int_equal(r.docs[cpd].annex[zh], 3);
	assert_int_equal(r.docs[cpd].annex[en], 4);
	assert_int_equal(r.docs[xr].annex[en], 5);
	assert_int_equal(r.docs[ce].annex[en], 7);
	assert_int_equal(r.docs[ce].annex[zh], 8);
	assert_int_equal(r.docs[wer].annex[en], 0);
	/* keywords lower-cased, Chinese untouched */
	assert_true(strlist_contains(&r.docs[ce].keywords, "cmes-01c"));
	assert_true(strlist_contains(&r.docs[af].keywords, "会员申请表"));
	assert_true(strlist_contains(&r.docs[xr].types, "xlsx"));
	assert_false(strlist_contains(&r.docs[af].types, "xlsx"));
	assert_int_equal(r.nvariants, 2);
	for (size_t i = 0; i < r.nvariants; i++) {
		if (strcmp(r.variants[i].target, "CEng") == 0)
			assert_int_equal(r.variants[i].annex, 5);
		else
			assert_int_equal(r.variants[i].annex, 6);
		assert_true(r.variants[i].phrases.n >= 1);
	}
	assert_int_equal(r.competences.n, 16);
	assert_true(strlist_contains(&r.cpd_columns_en, "cpd claimed hours"));
	assert_true(strlist_contains(&r.copy2_markers, "副本"));
	assert_int_equal(r.cpd_years, 3);
	assert_int_equal(r.cpd_annual_hours, 48);
	assert_true(strlist_contains(&r.senior_engineer_targets, "CEng"));
	assert_true(strlist_contains(&r.required_fields, "cmes_no"));

	assert_int_equal(rules_fee(&r, "soe_registration.CEng"), 1200);
	assert_int_equal(rules_fee(&r, "soe_registration.IEng"), 1000);
	assert_int_equal(rules_fee(&r, "soe_reregistration.CEng"), 290);
	assert_int_equal(rules_fee(&r, "soe_reregistration.IEng"), 240);
	assert_int_equal(rules_fee(&r, "cmes_registration"), 400);
	assert_int_equal(rules_fee(&r, "cmes_reregistration"), 110);
	assert_int_equal(rules_fee(&r, "interview"), 1000);
	assert_int_equal(rules_fee(&r, "soe_membership"), 500);
	/* a society with its own line, and one without it falling back */
	assert_true(rules_fee(&r, "cmes_membership.江苏省机械工程学会") > 0);
	assert_int_equal(rules_fee(&r, "cmes_membership.某省机械工程学会"), rules_fee(&r, "cmes_membership"));
	assert_int_equal(rules_fee(&r, "no_such_fee"), -1);

	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		const rules_finding *f = rules_finding_get(&r, codes[i]);
		if (f == NULL)
			fail_msg("finding %s missing", codes[i]);
		assert_non_null(f->zh);
		assert_non_null(f->en);
		assert_non_null(f->fix_zh);
		assert_non_null(f->fix_en);
	}
	assert_int_equal(rules_finding_get(&r, "cpd_total")->severity, SEV_INFO);
	assert_int_equal(rules_finding_get(&r, "extra_copies")->severity, SEV_WARNING);
	assert_int_equal(rules_finding_get(&r, "archive_ratio")->severity, SEV_ERROR);
	assert_null(rules_finding_get(&r, "no_such_code"));
	rules_free(&r);
}

static void test_render(void **state)
{
	rules_var v[] = { { "document_en", "CPD record" }, { "found", "1" }, { "required", "2" } };
	char *s, *big, *tmpl;
	(void)state;
	s = rules_render("{found} of {required} copies of the {document_en}; {unknown} {", v, 3);
	assert_string_equal(s, "1 of 2 copies of the CPD record; {unknown} {");
	free(s);
	s = rules_render("", v, 3);
	assert_string_equal(s, "");
	free(s);
	/* a value repeated many times cannot make the output grow without bound */
	big = xcalloc(1, 60001);
	memset(big, 'x', 60000);
	v[0].value = big;
	tmpl = xcalloc(1, 10 * 13 + 1);
	for (int i = 0; i < 10; i++)
		strcat(tmpl, "{document_en}");
	s = rules_render(tmpl, v, 3);
	assert_int_equal(strlen(s), 64 * 1024);
	free(s);
	free(tmpl);
	free(big);
	/* the cap never cuts a UTF-8 character in half */
	big = xcalloc(1, 3 * 30000 + 1);
	for (int i = 0; i < 30000; i++)
		memcpy(big + 3 * i, "中", 3);
	v[0].value = big;
	s = rules_render("a{document_en}", v, 3);
	assert_true(util_utf8_valid(s, strlen(s)));
	assert_true(strlen(s) <= 64 * 1024);
	free(s);
	free(big);
}

static const char good_head[] =
	"[scheme]\n"
	"findings = f.ini\n"
	"[language.zh]\nname_zh = 中文\nname_en = Chinese\nscript = han\nmarkers = 中文, ZH\n"
	"[language.en]\nname_zh = 英文\nname_en = English\nscript = latin\nmarkers = EN\n";
static const char good_doc[] =
	"[document.form]\nname_zh = 表\nname_en = Form\nlanguages = zh, en\ncopies = 1\n"
	"annex.zh = 2\nkeywords = Form, 表\ntypes = pdf\n";

static void test_errors(void **state)
{
	rules r;
	char err[512], *req, *fnd, *text;
	(void)state;

	fnd = write_tmp("f.ini", "[finding.x]\nseverity = error\nzh = 错\nen = Wrong {file}\n");
	/* a good small pair loads, with a per-province fee and its fallback */
	text = xcalloc(1, 4096);
	snprintf(text, 4096, "%s%s[fees]\ncmes_membership = 100\n[fees.cmes_membership]\n江苏 = 300\n",
		 good_head, good_doc);
	req = write_tmp("req.ini", text);
	assert_int_equal(rules_load(&r, req, err, sizeof err), 0);
	assert_int_equal(rules_fee(&r, "cmes_membership.江苏"), 300);
	assert_int_equal(rules_fee(&r, "cmes_membership.浙江"), 100);
	assert_true(strlist_contains(&r.docs[0].keywords, "form"));
	assert_int_equal(r.cross_reference_doc, -1);
	assert_int_equal(r.cpd_doc, -1);
	assert_int_equal(r.docs[0].annex[0], 2);
	rules_free(&r);
	free(req);

	/* unknown key: names file, line and key */
	snprintf(text, 4096, "%s%scolour = blue\n", good_head, good_doc);
	req = write_tmp("req.ini", text);
	assert_int_equal(rules_load(&r, req, err, sizeof err), -1);
	{
		char want[256];
		snprintf(want, sizeof want, "%s:21: colour: ", req);
		assert_memory_equal(err, want, strlen(want));
	}
	free(req);

	/* annex of a language that is declared later */
	snprintf(text, 4096, "[document.form]\nannex.en = 1\n%s", good_head);
	req = write_tmp("req.ini", text);
	assert_int_equal(rules_load(&r, req, err, sizeof err), -1);
	assert_non_null(strstr(err, ":2: annex.en: "));
	assert_non_null(strstr(err, "before the documents"));
	free(req);

	/* bad number, duplicate key, unknown section, syntax */
	snprintf(text, 4096, "%s%scopies = 2\n", good_head, good_doc);
	req = write_tmp("req.ini", text);
	assert_int_equal(rules_load(&r, req, err, sizeof err), -1);
	assert_non_null(strstr(err, ":21: copies: given twice"));
	free(req);
	snprintf(text, 4096, "%s[document.form]\ncopies = two\n", good_head);
	req = write_tmp("req.ini", text);
	assert_int_equal(rules_load(&r, req, err, sizeof err), -1);
	assert_non_null(strstr(err, ":14: copies: \"two\""));
	free(req);
	snprintf(text, 4096, "%s%s[colours]\n", good_head, good_doc);
	req = write_tmp("req.ini", text);
	assert_int_equal(rules_load(&r, req, err, sizeof err), -1);
	assert_non_null(strstr(err, ":21: colours: unknown section"));
	free(req);
	snprintf(text, 4096, "%s%sjust words\n", good_head, good_doc);
	req = write_tmp("req.ini", text);
	assert_int_equal(rules_load(&r, req, err, sizeof err), -1);
	assert_non_null(strstr(err, ":21: syntax: "));
	free(req);

	/* an error in the findings file names that file */
	free(fnd);
	fnd = write_tmp("f.ini", "[finding.x]\nseverity = fatal\n");
	snprintf(text, 4096, "%s%s", good_head, good_doc);
	req = write_tmp("req.ini", text);
	assert_int_equal(rules_load(&r, req, err, sizeof err), -1);
	{
		char want[256];
		snprintf(want, sizeof want, "%s:2: severity: ", fnd);
		assert_memory_equal(err, want, strlen(want));
	}
	/* incomplete finding: the message names its section's line */
	free(fnd);
	fnd = write_tmp("f.ini", "\n[finding.x]\nseverity = info\n");
	assert_int_equal(rules_load(&r, req, err, sizeof err), -1);
	assert_non_null(strstr(err, "f.ini:2: x: "));
	free(req);
	free(fnd);
	free(text);
}

static void test_long_line(void **state)
{
	rules r;
	char err[512], *req;
	char *text = xcalloc(1, 10000);
	(void)state;
	strcpy(text, "[names]\nannex_words = ");
	memset(text + strlen(text), 'a', 9000);
	strcat(text, "\n");
	req = write_tmp("long.ini", text);
	assert_int_equal(rules_load(&r, req, err, sizeof err), -1);
	assert_non_null(strstr(err, ":2: line: "));
	free(req);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repo_rules),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_line),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
