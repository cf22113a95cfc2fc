/* Unit tests for classify.c: recognition of document, language and copy
 * from realistic file names (Chinese Windows, macOS, scanners), the
 * manifest's [files] section, and copy numbering within a packet. Rules come
 * from config/requirements.ini (PACKETD_TOP or the current folder). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"
#include "intake.h"
#include "manifest.h"
#include "packet.h"
#include "rules.h"
#include "sniff.h"
#include "unpack.h"
#include "util.h"

#include "rules_fixture.h"

struct name_case {
	const char *name;
	const char *doc;   /* NULL: unrecognised */
	const char *lang;  /* NULL: unknown */
	int copy;
};

static const struct name_case cases[] = {
	/* Chinese Windows naming */
	{ "申请表-中文-1.pdf", "application_form", "zh", 1 },
	{ "申请表-中文-2.pdf", "application_form", "zh", 2 },
	{ "会员申请表（英文）副本.pdf", "application_form", "en", 2 },
	{ "会员申请表（英文）.pdf", "application_form", "en", 0 },
	{ "会员申请表副本（中文）.pdf", "application_form", "zh", 2 },
	{ "申请表_中文_第二份.pdf", "application_form", "zh", 2 },
	{ "申请表-英文-1.PDF", "application_form", "en", 1 },
	{ "申请表(中).pdf", "application_form", "zh", 0 },
	{ "申请表 (1).pdf", "application_form", NULL, 1 },
	/* 中英文 names both languages: neither wins */
	{ "申请表中英文.pdf", "application_form", NULL, 0 },
	/* 中国 is no language marker */
	{ "申请表 中国机械工程学会.pdf", "application_form", NULL, 0 },
	{ "中国机械工程学会.pdf", NULL, NULL, 0 },
	/* annex numbers give document and language; their digits are no copy */
	{ "附件二 会员申请表 2.pdf", "application_form", "zh", 2 },
	{ "附件一 会员申请表.pdf", "application_form", "en", 0 },
	{ "Annex 1 SOE Application Form.pdf", "application_form", "en", 0 },
	{ "Annex5_CrossReference_CEng_1.docx", "cross_reference", "en", 1 },
	{ "Annex 6 cross reference IEng (2).docx", "cross_reference", "en", 2 },
	{ "附件三 继续专业发展纪录.docx", "cpd_record", "zh", 0 },
	{ "Annex 4 CPD record copy.xlsx", "cpd_record", "en", 2 },
	{ "appendix-4 cpd.xlsx", "cpd_record", "en", 0 },
	{ "附件八 会员申请批注表.pdf", "cmes_endorsement", "zh", 0 },
	{ "附录八 批注表.pdf", "cmes_endorsement", "zh", 0 },
	{ "附件7-CMES会员申请批注表-2.pdf", "cmes_endorsement", "en", 2 },
	{ "附件十 收费标准.pdf", NULL, NULL, 0 },
	/* keywords: the longest wins */
	{ "交叉对照表格-2.pdf", "cross_reference", "en", 2 },
	{ "Cross-Reference Table (IEng).pdf", "cross_reference", "en", 0 },
	{ "xref_ceng.docx", "cross_reference", "en", 0 },
	{ "CPD记录-英文-2.xlsx", "cpd_record", "en", 2 },
	{ "CPD记录-中文-1.xlsx", "cpd_record", "zh", 1 },
	{ "继续专业发展纪录（中文）.docx", "cpd_record", "zh", 0 },
	{ "Engineering CPD Record ENG.xlsx", "cpd_record", "en", 0 },
	{ "cn_cpd_record.csv", "cpd_record", "zh", 0 },
	{ "CPD记录 2023.xlsx", "cpd_record", NULL, 0 },
	{ "工作经历报告 Work Experience Report (2).pdf", "work_experience_report", "en", 2 },
	{ "Work Experience Report (1).pdf", "work_experience_report", "en", 1 },
	{ "工作经历报告.pdf", "work_experience_report", "en", 0 },
	{ "Work Experience Report v2.docx", "work_experience_report", "en", 0 },
	{ "CMES-01C 批注表.pdf", "cmes_endorsement", "zh", 0 },
	{ "CMES-01C批注表-2.pdf", "cmes_endorsement", "zh", 2 },
	{ "CMES-01E endorsement copy.pdf", "cmes_endorsement", "en", 2 },
	{ "cmes01e.pdf", "cmes_endorsement", "en", 0 },
	{ "CMES-01 批注表 英文 1.pdf", "cmes_endorsement", "en", 1 },
	{ "会员申请批注表-中文-1.pdf", "cmes_endorsement", "zh", 1 },
	/* short ASCII markers only as whole tokens */
	{ "application_form_en_1.pdf", "application_form", "en", 1 },
	{ "application_form_zh_2.pdf", "application_form", "zh", 2 },
	{ "Application Form - Chinese.pdf", "application_form", "zh", 0 },
	/* folders supply what the base name lacks */
	{ "中文/申请表-1.pdf", "application_form", "zh", 1 },
	{ "English/application form 2.pdf", "application_form", "en", 2 },
	{ "英文版/批注表.pdf", "cmes_endorsement", "en", 0 },
	{ "CPD/记录-英文.xlsx", "cpd_record", "en", 0 },
	{ "中文\\申请表 2.pdf", "application_form", "zh", 2 },
	/* scanners and strays */
	{ "IMG_0001.jpg", NULL, NULL, 0 },
	{ "扫描全能王 2024-03-01 10.15.pdf", NULL, NULL, 0 },
	{ "Desktop/notes.txt", NULL, NULL, 0 },
};

static void test_names(void **state)
{
	const rules *r = *state;
	int failures = 0;
	assert_true(sizeof cases / sizeof cases[0] >= 40);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct name_case *c = &cases[i];
		int doc = 99, lang = 99, copy = 99;
		int edoc = c->doc ? rules_doc_index(r, c->doc) : -1;
		int elang = c->lang ? rules_lang_index(r, c->lang) : -1;
		assert_int_equal(classify_name(r, c->name, &doc, &lang, &copy), 0);
		if (c->doc)
			assert_true(edoc >= 0);
		if (doc != edoc || lang != elang || copy != c->copy) {
			print_error("%s: got doc %d lang %d copy %d, want %d %d %d\n", c->name, doc, lang,
				    copy, edoc, elang, c->copy);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_name_bad_args(void **state)
{
	const rules *r = *state;
	int doc = 5, lang = 5, copy = 5;
	char *longname = malloc(CLASSIFY_MAX_NAME + 100);
	assert_int_equal(classify_name(r, NULL, &doc, &lang, &copy), -1);
	assert_int_equal(doc, -1);
	assert_int_equal(copy, 0);
	assert_int_equal(classify_name(NULL, "申请表-中文-1.pdf", &doc, &lang, &copy), -1);
	assert_int_equal(classify_name(r, "", &doc, &lang, &copy), 0);
	assert_int_equal(doc, -1);
	/* Over-long names are not read at all. */
	assert_non_null(longname);
	memset(longname, 'a', CLASSIFY_MAX_NAME + 50);
	memcpy(longname, "申请表-中文-1", strlen("申请表-中文-1"));
	longname[CLASSIFY_MAX_NAME + 50] = '\0';
	assert_int_equal(classify_name(r, longname, &doc, &lang, &copy), 0);
	assert_int_equal(doc, -1);
	free(longname);
	/* Invalid UTF-8 (an escaped GBK name) is harmless. */
	assert_int_equal(classify_name(r, "\xc9\xea\xc7\xeb\xb1\xed\xff.pdf", &doc, &lang, &copy), 0);
	assert_int_equal(doc, -1);
}

static packet_file *add(packet *p, const char *name)
{
	packet_file *f = packet_add_file(p);
	f->name = strdup(name);
	return f;
}

static int count_code(const packet *p, const char *code)
{
	int n = 0;
	for (size_t i = 0; i < p->nfindings; i++)
		n += strcmp(p->findings[i].code, code) == 0;
	return n;
}

static void test_packet_copies(void **state)
{
	const rules *r = *state;
	int app = rules_doc_index(r, "application_form"), zh = rules_lang_index(r, "zh");
	packet p;
	packet_init(&p);
	add(&p, "申请表-中文 副本.pdf");    /* claims 2, but 会… sorts first */
	add(&p, "申请表-中文.pdf");
	add(&p, "申请表（中文）.docx");
	add(&p, "会员申请表-中文-2.pdf");    /* first by name: keeps 2 */
	add(&p, "IMG_0001.jpg");
	add(&p, "__MACOSX/._申请表-中文.pdf");
	add(&p, ".DS_Store");
	assert_int_equal(classify_packet(&p, r, NULL), 0);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(p.files[i].doc, app);
		assert_int_equal(p.files[i].lang, zh);
	}
	/* Name order (bytes): 会员… < 申请表-中文 副本 < 申请表-中文.pdf < 申请表（…;
	 * the losers of copy 2 and the unnumbered take 1, 3, 4 in that order. */
	assert_int_equal(p.files[3].copy, 2);
	assert_int_equal(p.files[0].copy, 1);
	assert_int_equal(p.files[1].copy, 3);
	assert_int_equal(p.files[2].copy, 4);
	assert_int_equal(p.files[4].doc, -1);
	assert_int_equal(p.files[4].copy, 0);
	assert_true(p.files[5].ignored);
	assert_true(p.files[6].ignored);
	assert_int_equal(count_code(&p, "unrecognised_file"), 1);
	assert_non_null(strstr(p.findings[0].message_en, "IMG_0001.jpg"));
	packet_free(&p);
}

static void test_packet_manifest(void **state)
{
	const rules *r = *state;
	manifest m;
	manifest_entry e[3];
	packet p;
	memset(&m, 0, sizeof m);
	memset(e, 0, sizeof e);
	/* Exact name, base name (case differs), and a file that is not there. */
	e[0].file = "scan/IMG_0001.jpg";
	e[0].document = "cpd_record";
	e[0].language = "en";
	e[0].copy = 2;
	e[0].line = 12;
	e[1].file = "img_0002.JPG";
	e[1].document = "work_experience_report";
	e[1].line = 13;
	e[2].file = "missing.pdf";
	e[2].document = "application_form";
	e[2].language = "zh";
	e[2].line = 14;
	m.entries = e;
	m.nentries = 3;
	packet_init(&p);
	add(&p, "scan/IMG_0001.jpg");
	add(&p, "scan/IMG_0002.jpg");
	/* The name says application form, the manifest is silent on it. */
	add(&p, "申请表-英文-1.pdf");
	assert_int_equal(classify_packet(&p, r, &m), 0);
	assert_int_equal(p.files[0].doc, rules_doc_index(r, "cpd_record"));
	assert_int_equal(p.files[0].lang, rules_lang_index(r, "en"));
	assert_int_equal(p.files[0].copy, 2);
	assert_true(p.files[0].from_manifest);
	assert_int_equal(p.files[1].doc, rules_doc_index(r, "work_experience_report"));
	/* single-language document: the language follows */
	assert_int_equal(p.files[1].lang, rules_lang_index(r, "en"));
	assert_int_equal(p.files[1].copy, 1);
	assert_int_equal(p.files[2].doc, rules_doc_index(r, "application_form"));
	assert_false(p.files[2].from_manifest);
	assert_int_equal(count_code(&p, "manifest_file_unknown"), 1);
	assert_int_equal(count_code(&p, "unrecognised_file"), 0);
	assert_non_null(strstr(p.findings[0].message_zh, "missing.pdf"));
	assert_int_equal(classify_packet(NULL, r, &m), -1);
	packet_free(&p);
}

static void test_assign_copies_unknown_lang(void **state)
{
	const rules *r = *state;
	packet p;
	packet_init(&p);
	add(&p, "申请表-2.pdf");
	add(&p, "申请表-1.pdf");
	assert_int_equal(classify_packet(&p, r, NULL), 0);
	/* Language unknown: copies stay as the names say until check decides. */
	assert_int_equal(p.files[0].lang, -1);
	assert_int_equal(p.files[0].copy, 2);
	assert_int_equal(p.files[1].copy, 1);
	p.files[0].lang = p.files[1].lang = rules_lang_index(r, "en");
	p.files[0].copy = p.files[1].copy = 0;
	classify_assign_copies(&p);
	assert_int_equal(p.files[1].copy, 1);
	assert_int_equal(p.files[0].copy, 2);
	packet_free(&p);
}

/* Members with the same bytes: the later one gets the earlier one's type,
 * flags and text without being read again (no file at its path and no
 * bytes kept: reading it would fail); members of the same size with other
 * bytes are sniffed each on its own. */
static void test_twin_members(void **state)
{
	const char *top = getenv("PACKETD_TOP");
	char path[1024], one[] = "the first copy's notes\n", two[] = "the other copy's notes\n";
	char *docx = NULL;
	size_t len = 0;
	unpack_member m[4];
	intake_options o;
	packet p;
	packet_file ref;
	snprintf(path, sizeof path, "%s/tests/data/sniff/table.docx", top ? top : ".");
	assert_int_equal(util_read_file(path, 1u << 20, &docx, &len), 0);
	memset(m, 0, sizeof m);
	m[0] = (unpack_member){.name = "交叉对照表格-CEng-1.docx", .path = path, .size = len, .bytes = docx};
	m[1] = (unpack_member){.name = "交叉对照表格-CEng-2.docx", .path = "/nonexistent/packetd-test/m0002", .size = len};
	m[2] = (unpack_member){.name = "notes-1.txt", .path = "/nonexistent/packetd-test/m0003", .size = strlen(one),
			       .bytes = one};
	m[3] = (unpack_member){.name = "notes-2.txt", .path = "/nonexistent/packetd-test/m0004", .size = strlen(two),
			       .bytes = two};
	assert_int_equal(strlen(one), strlen(two));
	assert_int_equal(util_sha256_hex(docx, len, m[0].sha256), 0);
	memcpy(m[1].sha256, m[0].sha256, sizeof m[1].sha256);
	assert_int_equal(util_sha256_hex(one, strlen(one), m[2].sha256), 0);
	assert_int_equal(util_sha256_hex(two, strlen(two), m[3].sha256), 0);
	memset(&o, 0, sizeof o);
	o.r = *state;
	packet_init(&p);
	assert_int_equal(intake_members(&o, m, 4, &p), 0);
	assert_int_equal(p.nfiles, 4);
	memset(&ref, 0, sizeof ref);
	ref.path = path;
	assert_int_equal(sniff_file_bytes(&ref, docx, len), 0);
	assert_non_null(ref.text);
	for (int i = 0; i < 2; i++) {
		assert_string_equal(p.files[i].type, ref.type);
		assert_int_equal(p.files[i].encrypted, ref.encrypted);
		assert_int_equal(p.files[i].damaged, ref.damaged);
		assert_non_null(p.files[i].text);
		assert_string_equal(p.files[i].text, ref.text);
	}
	/* the twin's text is its own copy */
	assert_ptr_not_equal(p.files[1].text, p.files[0].text);
	assert_non_null(p.files[2].text);
	assert_non_null(p.files[3].text);
	assert_non_null(strstr(p.files[2].text, "first copy"));
	assert_non_null(strstr(p.files[3].text, "other copy"));
	free(ref.text);
	packet_free(&p);
	free(docx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_name_bad_args),
		cmocka_unit_test(test_packet_copies),
		cmocka_unit_test(test_packet_manifest),
		cmocka_unit_test(test_assign_copies_unknown_lang),
		cmocka_unit_test(test_twin_members),
	};
	return cmocka_run_group_tests(tests, load_rules, free_rules);
}
