/* Unit tests for check.c: packets built in memory (names, content types and
 * extracted texts set directly, as sniff would), classified, then checked:
 * presence and copies, languages by content, types, the cross-reference
 * variant and competences, the CPD record, manifest fields and eligibility.
 * Rules come from config/ (PACKETD_TOP or the current folder). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "classify.h"
#include "finding.h"
#include "packet.h"
#include "rules.h"
#include "util.h"

/* 2026-06-01 12:00 China time: the CPD window opens 2023-06-01. */
#define NOW ((time_t)1780286400)

#include "rules_fixture.h"

static const char ZH_FORM[] =
	"英国营运工程师学会会员申请表\n姓名\t张伟\n英文姓名\tZHANG Wei\n工作单位\t江苏某机械有限公司\n"
	"申请类别\tCEng\n表格编号\tCMES-01C\n";
static const char EN_FORM[] =
	"SOE Membership Application Form\nName\tZHANG Wei\nEmployer\tJiangsu Machinery Co. Ltd\n"
	"Grade applied for\tMember, Chartered Engineer\n";
static const char EN_REPORT[] =
	"Work Experience Report\nSince 2012 I have led the design of hydraulic presses, "
	"from concept through commissioning, for customers in China and abroad.\n";

/* Annex 5 as a DOCX table comes out: one row per line, cells by TAB. */
static const char *const CENG_ROWS[] = {
	"A\t1\tMaintain and extend a sound theoretical approach in enabling the introduction and "
	"exploitation of new and advancing technology\tMSc thesis\tCODES",
	"\t2\tEngage in the creative and innovative development of engineering technology and "
	"continuous improvement\tPatent CN1234",
	"B\t1\tIdentify potential projects and opportunities\tMarket study",
	"\t2\tConduct appropriate research and undertake design and development of engineering solutions\tx",
	"\t3\tImplement design solutions and evaluate their effectiveness\tx",
	"C\t1\tPlan for effective project implementation\tx",
	"\t2\tPlan, budget, organise, direct and control tasks, people and resources\tx",
	"\t3\tLead teams and develop staff to meet changing technical and managerial needs\tx",
	"\t4\tBring about continuous improvement through quality management\tx",
	"D\t1\tCommunicate with others at all levels\tx",
	"\t2\tPresent and discuss proposals\tx",
	"\t3\tDemonstrate personal and social skills\tx",
	"E\t1\tComply with the Codes and Rules of Conduct\tx",
	"\t2\tManage and apply safe systems of work\tx",
	"\t3\tUndertake engineering activities in a way that contributes to sustainable development\tx",
	"\t4\tCarry out the continuing professional development necessary\tx",
	NULL,
};

/* The table text, leaving out the rows whose code is in skip ("C4 E2"). */
static char *ceng_table(const char *skip)
{
	buf b;
	char letter = 'A';
	buf_init(&b, 0);
	buf_adds(&b, "\t\tRoles and Responsibilities\tEducation Base\tIllustrative sources of evidence\n");
	for (size_t i = 0; CENG_ROWS[i]; i++) {
		char code[3];
		if (CENG_ROWS[i][0] != '\t')
			letter = CENG_ROWS[i][0];
		code[0] = letter;
		code[1] = CENG_ROWS[i][CENG_ROWS[i][0] == '\t' ? 1 : 2];
		code[2] = '\0';
		if (skip && strstr(skip, code))
			continue;
		buf_adds(&b, CENG_ROWS[i]);
		buf_adds(&b, "\n");
	}
	return buf_steal(&b);
}

/* Annex 6 as the seed lays it out: one cell per line, phrases broken. */
static const char IENG_SEED[] =
	"\t\n\t\n\tRoles and Responsibilities\n\t\n\tEducation Base\n\n"
	"\tA\n\t1\n\tMaintain and extend a sound theoretical\n\napproach to the application of technology\n\n"
	"in engineering practice\n\t\n\tCODES\n\n"
	"\t\n\t2\n\tUse a sound evidence based approach\n\nto problem solving and contribute to\n\n"
	"continuous improvement\n\n"
	"\tB\n\t1\n\tIdentify, review and select techniques\n\n\t\n\t2\n\tContribute to the design\n\n"
	"\t\n\t3\n\tImplement design solutions\n\n"
	"\tC\n\t1\n\tPlan for effective project implementation\n\n\t\n\t2\n\tManage the planning\n\n"
	"\t\n\t3\n\tManage teams\n\n\t\n\t4\n\tBring about continuous improvement\n\n"
	"\tD\n\t1\n\tCommunicate with others\n\n\t\n\t2\n\tPresent and discuss\n\n\t\n\t3\n\tPersonal skills\n\n"
	"\tE\n\t1\n\tComply with the Codes\n\n\t\n\t2\n\tSafe systems\n\n\t\n\t3\n\tSustainable\n\n"
	"\t\n\t4\n\tCarry out the continuing professional development\n";

static const char CPD_EN[] =
	"[Name]-Continuous Professional Development Record for past 3 year\n"
	"Date\tCPD Description\tOrganizer\tCPD Claimed hours\tInitials of ES/RP*\n"
	"2024-03-05\tHydraulic systems seminar\tCMES\t8\tLW\n"
	"2025/11/20\tFatigue design course\tSOE Hong Kong\t16\tLW\n"
	"\t\t\t\t\n"
	"ES = Engineering Supervisor, RP = Responsible Person\n";
static const char CPD_ZH[] =
	"[姓名]-过去三年的继续职业发展纪录\n"
	"时间\t继续教育内容\t主办机构\t学时\t证明人\n"
	"2024年03月05日\t液压系统研讨会\t中国机械工程学会\t8\t李伟\n"
	"2025.11\t疲劳设计培训课程\tSOE香港分会\t16\t李伟\n";

static packet_file *add(packet *p, const char *name, const char *type, const char *text, char shaseed)
{
	packet_file *f = packet_add_file(p);
	f->name = xstrdup(name);
	f->path = xstrdup("/nonexistent");
	f->size = text ? strlen(text) + 100 : 5000;
	snprintf(f->type, sizeof f->type, "%s", type);
	f->text = text ? xstrdup(text) : NULL;
	/* Copies of one document share their bytes unless a test says not. */
	memset(f->sha256, 'a' + (shaseed % 26), 64);
	f->sha256[64] = '\0';
	return f;
}

static void set_applicant(packet *p)
{
	applicant_set(&p->app, "name_zh", "张伟");
	applicant_set(&p->app, "name_en", "ZHANG Wei");
	applicant_set(&p->app, "email", "zhang.wei@example.com");
	applicant_set(&p->app, "cmes_no", "M2024001234");
	applicant_set(&p->app, "cmes_grade", "member");
	applicant_set(&p->app, "cmes_qualification", "mechanical_engineer");
	applicant_set(&p->app, "senior_engineer", "no");
	applicant_set(&p->app, "target", "CEng");
	applicant_set(&p->app, "soe_grade", "member");
	applicant_set(&p->app, "province", "江苏省机械工程学会");
	p->has_manifest = 1;
}

/* The 16 files of a complete CEng packet; skip names one to leave out. */
static void build_ceng(packet *p, const char *skip)
{
	char *xref = ceng_table(NULL);
	struct { const char *name, *type, *text; char seed; } files[] = {
		{ "申请表-中文-1.pdf", "pdf", ZH_FORM, 1 }, { "申请表-中文-2.pdf", "pdf", ZH_FORM, 1 },
		{ "申请表-英文-1.pdf", "pdf", EN_FORM, 2 }, { "申请表-英文-2.pdf", "pdf", EN_FORM, 2 },
		{ "Annex5_CrossReference_CEng_1.docx", "docx", xref, 3 },
		{ "Annex5_CrossReference_CEng_2.docx", "docx", xref, 3 },
		{ "CPD记录-中文-1.xlsx", "xlsx", CPD_ZH, 4 }, { "CPD记录-中文-2.xlsx", "xlsx", CPD_ZH, 4 },
		{ "CPD记录-英文-1.xlsx", "xlsx", CPD_EN, 5 }, { "CPD记录-英文-2.xlsx", "xlsx", CPD_EN, 5 },
		{ "工作经历报告-1.pdf", "pdf", EN_REPORT, 6 }, { "工作经历报告-2.pdf", "pdf", EN_REPORT, 6 },
		{ "CMES-01C 批注表-1.pdf", "pdf", ZH_FORM, 7 }, { "CMES-01C 批注表-2.pdf", "pdf", ZH_FORM, 7 },
		{ "CMES-01E 批注表-1.jpg", "jpeg", NULL, 8 }, { "CMES-01E 批注表-2.jpg", "jpeg", NULL, 8 },
	};
	packet_init(p);
	set_applicant(p);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (skip == NULL || strstr(skip, files[i].name) == NULL)
			add(p, files[i].name, files[i].type, files[i].text, files[i].seed);
	free(xref);
}

static packet_file *file_named(packet *p, const char *name)
{
	for (size_t i = 0; i < p->nfiles; i++)
		if (strcmp(p->files[i].name, name) == 0)
			return &p->files[i];
	fail_msg("no file %s", name);
	return NULL;
}

static const finding *find(const packet *p, const char *code)
{
	for (size_t i = 0; i < p->nfindings; i++)
		if (strcmp(p->findings[i].code, code) == 0)
			return &p->findings[i];
	return NULL;
}

static int count(const packet *p, const char *code)
{
	int n = 0;
	for (size_t i = 0; i < p->nfindings; i++)
		n += strcmp(p->findings[i].code, code) == 0;
	return n;
}

static void dump(const packet *p)
{
	for (size_t i = 0; i < p->nfindings; i++)
		print_message("# %s: %s | %s\n", p->findings[i].code, p->findings[i].message_zh,
			      p->findings[i].message_en);
}

/* CHECK_DUMP=1 shows every finding, to read the messages as sent. */
static void run(packet *p, const rules *r, const char *target)
{
	check_options o = { .target = target, .now = NOW, .from_email = 0 };
	assert_int_equal(classify_packet(p, r, NULL), 0);
	assert_int_equal(check_packet(p, r, &o), 0);
	if (getenv("CHECK_DUMP"))
		dump(p);
}

static const packet_slot *slot(const packet *p, const rules *r, const char *doc, const char *lang)
{
	int d = rules_doc_index(r, doc), l = rules_lang_index(r, lang);
	for (size_t i = 0; i < p->nslots; i++)
		if (p->slots[i].doc == d && p->slots[i].lang == l)
			return &p->slots[i];
	fail_msg("no slot %s/%s", doc, lang);
	return NULL;
}

static void test_complete_ceng(void **state)
{
	const rules *r = *state;
	packet p;
	int files = 0;
	build_ceng(&p, NULL);
	assert_int_equal(p.nfiles, 16);
	run(&p, r, NULL);
	if (p.outcome != PACKET_COMPLETE)
		dump(&p);
	assert_int_equal(p.outcome, PACKET_COMPLETE);
	assert_int_equal(p.nslots, 8);
	for (size_t i = 0; i < p.nslots; i++) {
		assert_int_equal(p.slots[i].copies, 2);
		assert_int_equal(p.slots[i].required, 2);
		files += p.slots[i].copies;
	}
	assert_int_equal(files, 16);
	for (size_t i = 0; i < p.nfindings; i++)
		assert_int_equal(p.findings[i].severity, SEV_INFO);
	/* One total per language, not per identical copy. */
	assert_int_equal(count(&p, "cpd_total"), 2);
	assert_non_null(strstr(find(&p, "cpd_total")->message_en, "24"));
	packet_free(&p);
}

static void test_copy_missing(void **state)
{
	const rules *r = *state;
	packet p;
	const finding *f;
	build_ceng(&p, "申请表-英文-2.pdf");
	run(&p, r, NULL);
	assert_int_equal(p.outcome, PACKET_INCOMPLETE);
	f = find(&p, "missing_copies");
	assert_non_null(f);
	assert_int_equal(f->doc, rules_doc_index(r, "application_form"));
	assert_int_equal(f->lang, rules_lang_index(r, "en"));
	assert_int_equal(f->severity, SEV_ERROR);
	assert_non_null(strstr(f->message_en, "we received 1"));
	assert_non_null(strstr(f->message_zh, "英文"));
	assert_int_equal(slot(&p, r, "application_form", "en")->copies, 1);
	assert_int_equal(count(&p, "missing_copies"), 1);
	assert_int_equal(count(&p, "missing_document"), 0);
	packet_free(&p);
}

static void test_language_missing(void **state)
{
	const rules *r = *state;
	packet p;
	const finding *f;
	build_ceng(&p, "CMES-01E 批注表-1.jpg CMES-01E 批注表-2.jpg");
	run(&p, r, NULL);
	assert_int_equal(p.outcome, PACKET_INCOMPLETE);
	f = find(&p, "missing_document");
	assert_non_null(f);
	assert_int_equal(f->doc, rules_doc_index(r, "cmes_endorsement"));
	assert_int_equal(f->lang, rules_lang_index(r, "en"));
	/* The catalogue's template names come in. */
	assert_non_null(strstr(f->message_en, "Annex 7"));
	assert_non_null(strstr(f->message_zh, "CMES会员申请批注表"));
	assert_int_equal(slot(&p, r, "cmes_endorsement", "en")->copies, 0);
	packet_free(&p);
}

static void test_language_mismatch(void **state)
{
	const rules *r = *state;
	packet p;
	const finding *f;
	build_ceng(&p, NULL);
	free(file_named(&p, "申请表-中文-2.pdf")->text);
	file_named(&p, "申请表-中文-2.pdf")->text = xstrdup(EN_FORM);
	file_named(&p, "申请表-中文-2.pdf")->sha256[0] = 'z';
	run(&p, r, NULL);
	f = find(&p, "language_mismatch");
	assert_non_null(f);
	assert_int_equal(f->lang, rules_lang_index(r, "zh"));
	assert_non_null(strstr(f->message_en, "申请表-中文-2.pdf"));
	assert_non_null(strstr(f->message_en, "its text is English"));
	assert_non_null(strstr(f->message_zh, "其内容是英文"));
	/* A wrong-language file is no copy. */
	assert_int_equal(slot(&p, r, "application_form", "zh")->copies, 1);
	assert_int_equal(count(&p, "missing_copies"), 1);
	assert_int_equal(count(&p, "copies_differ"), 0);
	assert_int_equal(p.outcome, PACKET_INCOMPLETE);
	packet_free(&p);
}

static void test_language_from_content(void **state)
{
	const rules *r = *state;
	packet p;
	packet_init(&p);
	set_applicant(&p);
	add(&p, "申请表-1.pdf", "pdf", EN_FORM, 1);
	add(&p, "申请表-2.pdf", "pdf", ZH_FORM, 2);
	add(&p, "申请表-3.pdf", "pdf", NULL, 3);
	run(&p, r, NULL);
	assert_int_equal(p.files[0].lang, rules_lang_index(r, "en"));
	assert_int_equal(p.files[1].lang, rules_lang_index(r, "zh"));
	assert_int_equal(p.files[2].lang, -1);
	/* copies renumbered per language once known */
	assert_int_equal(p.files[0].copy, 1);
	assert_int_equal(p.files[1].copy, 2);  /* the name said 2 */
	assert_int_equal(count(&p, "language_unknown"), 1);
	assert_non_null(strstr(find(&p, "language_unknown")->message_en, "申请表-3.pdf"));
	packet_free(&p);
}

static void test_xref_variant(void **state)
{
	const rules *r = *state;
	packet p;
	const finding *f;
	build_ceng(&p, "Annex5_CrossReference_CEng_1.docx Annex5_CrossReference_CEng_2.docx");
	add(&p, "cross reference-1.docx", "docx", IENG_SEED, 9);
	add(&p, "cross reference-2.docx", "docx", IENG_SEED, 9);
	run(&p, r, NULL);
	f = find(&p, "cross_reference_variant");
	if (f == NULL)
		dump(&p);
	assert_non_null(f);
	assert_int_equal(count(&p, "cross_reference_variant"), 1);
	assert_non_null(strstr(f->message_en, "IEng cross-reference table"));
	assert_non_null(strstr(f->message_en, "Annex 5 (CEng)"));
	assert_non_null(strstr(f->message_zh, "附件五"));
	/* The seed's one-cell-per-line layout still shows all 16 competences. */
	assert_int_equal(count(&p, "cross_reference_competences"), 0);
	assert_int_equal(p.outcome, PACKET_INCOMPLETE);
	packet_free(&p);

	/* validate --target IEng makes the same table right. */
	build_ceng(&p, "Annex5_CrossReference_CEng_1.docx Annex5_CrossReference_CEng_2.docx");
	add(&p, "cross reference-1.docx", "docx", IENG_SEED, 9);
	add(&p, "cross reference-2.docx", "docx", IENG_SEED, 9);
	run(&p, r, "IEng");
	assert_int_equal(count(&p, "cross_reference_variant"), 0);
	packet_free(&p);
}

static void test_xref_competences(void **state)
{
	const rules *r = *state;
	packet p;
	const finding *f;
	char *t = ceng_table("C4 E2");
	build_ceng(&p, "Annex5_CrossReference_CEng_1.docx Annex5_CrossReference_CEng_2.docx");
	add(&p, "Annex5_CrossReference_CEng_1.docx", "docx", t, 3);
	add(&p, "Annex5_CrossReference_CEng_2.docx", "docx", t, 3);
	run(&p, r, NULL);
	f = find(&p, "cross_reference_competences");
	assert_non_null(f);
	assert_non_null(strstr(f->message_en, "lacks these competences: C4, E2."));
	assert_int_equal(count(&p, "cross_reference_competences"), 1);
	assert_int_equal(count(&p, "cross_reference_variant"), 0);
	free(t);
	packet_free(&p);

	/* Codes written as tokens count too. */
	packet_init(&p);
	add(&p, "xref-1.csv", "csv",
	    "Competence A1 A2 B1 B2 B3 C1 C2 C3 C4 D1 D2 D3 E1 E2 E3 (E4) covered in report", 1);
	run(&p, r, NULL);
	assert_int_equal(count(&p, "cross_reference_competences"), 0);
	packet_free(&p);
}

static void test_cpd_csv(void **state)
{
	const rules *r = *state;
	packet p;
	const finding *f;
	static const char csv[] =
		"\xEF\xBB\xBF" "Date,CPD Description,Organizer,CPD Claimed hours,Initials of ES/RP\r\n"
		"2025-03-01,Seminar on gearboxes,CMES,8,LW\r\n"
		"2019-05-02,\"Course, welding\",SOE,6,LW\r\n"
		"2024/11/20,Workshop,CMES,abc,LW\r\n"
		"2026年01月10日,Lecture,SOE,4.5,LW\r\n"
		"45500,Plant visit,SOE,2,LW\r\n"
		"Total,,,20.5,\r\n";
	build_ceng(&p, "CPD记录-英文-1.xlsx CPD记录-英文-2.xlsx");
	add(&p, "CPD记录-英文-1.csv", "csv", csv, 11);
	add(&p, "CPD记录-英文-2.csv", "csv", csv, 11);
	run(&p, r, NULL);
	assert_int_equal(count(&p, "cpd_entry_out_of_range"), 1);
	f = find(&p, "cpd_entry_out_of_range");
	assert_non_null(strstr(f->message_en, "#3 (2019-05-02)"));
	assert_non_null(strstr(f->message_en, "past 3 years"));
	assert_int_equal(count(&p, "cpd_hours_invalid"), 1);
	assert_non_null(strstr(find(&p, "cpd_hours_invalid")->message_en, "#4 (abc)"));
	/* 8 + 6 + 4.5 + 2; the Total row is no entry. Plus the zh record. */
	assert_int_equal(count(&p, "cpd_total"), 2);
	{
		int seen = 0;
		for (size_t i = 0; i < p.nfindings; i++)
			if (strcmp(p.findings[i].code, "cpd_total") == 0 &&
			    strstr(p.findings[i].message_en, "claims 20.5 hours"))
				seen = 1;
		assert_true(seen);
	}
	assert_int_equal(count(&p, "cpd_columns"), 0);
	assert_int_equal(p.outcome, PACKET_INCOMPLETE);
	packet_free(&p);
}

static void test_cpd_columns(void **state)
{
	const rules *r = *state;
	packet p;
	const finding *f;
	packet_init(&p);
	add(&p, "CPD记录-中文-1.csv", "csv", "时间,活动,学时\n2025-01-01,培训课程学习,8\n", 1);
	add(&p, "CPD记录-英文-1.csv", "csv", "just some notes about training I did over the years\n", 2);
	run(&p, r, NULL);
	assert_int_equal(count(&p, "cpd_columns"), 2);
	f = find(&p, "cpd_columns");
	assert_non_null(strstr(f->message_zh, "继续教育内容, 主办机构, 证明人"));
	for (size_t i = 0; i < p.nfindings; i++)
		if (strcmp(p.findings[i].code, "cpd_columns") == 0 &&
		    p.findings[i].lang == rules_lang_index(r, "en"))
			assert_non_null(strstr(p.findings[i].message_en, "date, cpd description"));
	packet_free(&p);
}

static void test_cpd_caps(void **state)
{
	const rules *r = *state;
	packet p;
	buf b;
	buf_init(&b, 0);
	buf_adds(&b, "Date,CPD Description,Organizer,CPD Claimed hours,Initials of ES/RP\n");
	for (int i = 0; i < 300; i++)
		buf_printf(&b, "2001-01-%02d,Course %d,CMES,lots,LW\n", i % 28 + 1, i);
	packet_init(&p);
	add(&p, "CPD-英文-1.csv", "csv", b.data, 1);
	run(&p, r, NULL);
	/* 600 faults, but a notice lists only the first ones */
	assert_int_equal(count(&p, "cpd_entry_out_of_range") + count(&p, "cpd_hours_invalid"), 20);
	assert_int_equal(count(&p, "cpd_total"), 1);
	assert_non_null(strstr(find(&p, "cpd_total")->message_en, "claims 0 hours"));
	buf_free(&b);
	packet_free(&p);
}

/* Deterministic noise through names and texts: nothing may crash, leak or
 * read out of bounds (run under ASan/valgrind). */
static void test_noise(void **state)
{
	const rules *r = *state;
	static const char *const bits[] = {
		"附件", "二", "annex", "5", "-", "_", " ", "(", "）", "中", "英文", "zh", "\t", "\n", "A",
		"1", "申请表", "CPD", "\xe4", "\xff", "2024-", "年", "copy", "/", ".pdf", ",", "\"",
	};
	unsigned seed = 12345;
	for (int round = 0; round < 200; round++) {
		char text[400];
		size_t len = 0;
		packet p;
		int doc, lang, copy;
		text[0] = '\0';
		for (int k = 0; k < 40; k++) {
			const char *piece;
			seed = seed * 1103515245u + 12345u;
			piece = bits[(seed >> 16) % (sizeof bits / sizeof bits[0])];
			if (len + strlen(piece) + 1 >= sizeof text)
				break;
			memcpy(text + len, piece, strlen(piece) + 1);
			len += strlen(piece);
		}
		assert_int_equal(classify_name(r, text, &doc, &lang, &copy), 0);
		assert_true(copy >= 0 && copy <= 9);
		packet_init(&p);
		add(&p, "Annex5_CrossReference_CEng_1.docx", "docx", text, 1);
		add(&p, "CPD记录-英文-1.csv", "csv", text, 2);
		add(&p, "CPD记录-中文-1.xlsx", "xlsx", text, 3);
		add(&p, text, "pdf", text, 4);
		run(&p, r, round % 2 ? "IEng" : NULL);
		assert_int_equal(p.outcome, PACKET_INCOMPLETE);
		packet_free(&p);
	}
}

static void eligibility(const rules *r, const char *grade, const char *qual, const char *se,
			const char *target, const char *expect, int nexpect)
{
	packet p;
	build_ceng(&p, NULL);
	applicant_set(&p.app, "cmes_grade", grade);
	applicant_set(&p.app, "cmes_qualification", qual);
	applicant_set(&p.app, "senior_engineer", se);
	applicant_set(&p.app, "target", target);
	run(&p, r, NULL);
	assert_int_equal(count(&p, "not_eligible") + count(&p, "senior_engineer_ceng_only") +
			 count(&p, "manifest_field_invalid"), nexpect);
	if (expect)
		assert_int_equal(count(&p, expect), 1);
	/* (an IEng applicant sending the CEng table is incomplete anyway) */
	if (strcmp(target, "CEng") == 0)
		assert_int_equal(p.outcome, nexpect ? PACKET_INCOMPLETE : PACKET_COMPLETE);
	packet_free(&p);
}

static void test_eligibility(void **state)
{
	const rules *r = *state;
	packet p;
	const finding *f;
	eligibility(r, "member", "mechanical_engineer", "no", "CEng", NULL, 0);
	eligibility(r, "senior_member", "professional_engineer", "no", "CEng", NULL, 0);
	/* recognised senior engineer, recommended by a province: CEng only */
	eligibility(r, "none", "none", "yes", "CEng", NULL, 0);
	eligibility(r, "none", "none", "yes", "IEng", "senior_engineer_ceng_only", 1);
	/* IEng is fine for a qualified member who is also a senior engineer */
	eligibility(r, "member", "mechanical_engineer", "yes", "IEng", NULL, 0);
	eligibility(r, "none", "mechanical_engineer", "no", "CEng", "not_eligible", 1);
	eligibility(r, "member", "none", "no", "IEng", "not_eligible", 1);
	/* an invalid value is reported as such, not judged */
	eligibility(r, "fellow", "mechanical_engineer", "no", "CEng", "manifest_field_invalid", 1);

	build_ceng(&p, NULL);
	applicant_set(&p.app, "cmes_grade", "none");
	applicant_set(&p.app, "cmes_qualification", "none");
	run(&p, r, NULL);
	f = find(&p, "not_eligible");
	assert_non_null(f);
	assert_non_null(strstr(f->message_en, "cmes_grade=none; cmes_qualification=none"));
	packet_free(&p);

	/* senior engineer without a recommending society: the missing field
	 * says it, eligibility is not judged twice */
	build_ceng(&p, NULL);
	applicant_set(&p.app, "cmes_grade", "none");
	applicant_set(&p.app, "cmes_qualification", "none");
	applicant_set(&p.app, "senior_engineer", "yes");
	applicant_set(&p.app, "province", NULL);
	run(&p, r, NULL);
	assert_int_equal(count(&p, "manifest_field_missing"), 1);
	assert_non_null(strstr(find(&p, "manifest_field_missing")->message_en, "province"));
	assert_int_equal(count(&p, "not_eligible"), 0);
	packet_free(&p);
}

static void test_fields(void **state)
{
	const rules *r = *state;
	packet p;
	const finding *f;
	check_options o = { .target = "CEng", .now = NOW, .from_email = 1 };
	build_ceng(&p, NULL);
	applicant_free(&p.app);
	applicant_set(&p.app, "email", "zhang.wei@example.com");
	applicant_set(&p.app, "soe_grade", "fellow");
	applicant_set(&p.app, "soe_sector", "IPlantE");
	assert_int_equal(classify_packet(&p, r, NULL), 0);
	assert_int_equal(check_packet(&p, r, &o), 0);
	/* 9 required: email and soe_grade given, target from the option */
	assert_int_equal(count(&p, "manifest_field_missing"), 6);
	assert_int_equal(count(&p, "manifest_field_invalid"), 1);
	f = find(&p, "manifest_field_invalid");
	assert_non_null(strstr(f->message_en, "\"soe_grade\" has the value \"fellow\""));
	assert_non_null(strstr(f->message_en, "member | associate_member"));
	assert_int_equal(count(&p, "not_eligible"), 0);
	packet_free(&p);
}

static void test_types(void **state)
{
	const rules *r = *state;
	packet p;
	const finding *f;
	build_ceng(&p, "申请表-中文-1.pdf 申请表-中文-2.pdf CMES-01E 批注表-1.jpg");
	add(&p, "申请表-中文-1.doc", "docx", ZH_FORM, 1);  /* a docx renamed .doc */
	add(&p, "申请表-中文-2.tif", "tiff", NULL, 12);
	add(&p, "CMES-01E 批注表-1.JPEG", "jpeg", NULL, 8);
	run(&p, r, NULL);
	assert_int_equal(count(&p, "type_mismatch"), 1);
	f = find(&p, "type_mismatch");
	assert_non_null(strstr(f->message_en, "is docx inside, but its name says doc."));
	assert_int_equal(slot(&p, r, "application_form", "zh")->copies, 1);
	assert_int_equal(slot(&p, r, "cmes_endorsement", "en")->copies, 2);
	/* a CSV is no application form */
	packet_free(&p);
	packet_init(&p);
	add(&p, "申请表-英文-1.csv", "csv", "Name,ZHANG Wei,Employer,Jiangsu Machinery", 1);
	run(&p, r, NULL);
	assert_int_equal(count(&p, "type_not_accepted"), 1);
	assert_int_equal(count(&p, "type_mismatch"), 0);
	packet_free(&p);
}

static void test_integrity(void **state)
{
	const rules *r = *state;
	packet p;
	packet_init(&p);
	add(&p, "申请表-英文-1.pdf", "empty", NULL, 1)->size = 0;
	add(&p, "申请表-英文-2.pdf", "pdf", NULL, 2)->encrypted = 1;
	add(&p, "申请表-中文-1.pdf", "pdf", NULL, 3)->damaged = 1;
	add(&p, "申请表-中文-2.pdf", "pdf", NULL, 4);
	run(&p, r, NULL);
	assert_int_equal(count(&p, "file_empty"), 1);
	assert_int_equal(count(&p, "file_encrypted"), 1);
	assert_int_equal(count(&p, "file_damaged"), 1);
	assert_int_equal(count(&p, "type_mismatch"), 0);
	assert_int_equal(slot(&p, r, "application_form", "en")->copies, 0);
	assert_int_equal(slot(&p, r, "application_form", "zh")->copies, 1);
	assert_int_equal(p.outcome, PACKET_INCOMPLETE);
	packet_free(&p);
}

static void test_copies_differ(void **state)
{
	const rules *r = *state;
	packet p;
	const finding *f;
	build_ceng(&p, NULL);
	file_named(&p, "申请表-英文-2.pdf")->sha256[0] = 'q';
	free(file_named(&p, "申请表-英文-2.pdf")->text);
	file_named(&p, "申请表-英文-2.pdf")->text = xstrdup("SOE Membership Application Form, second draft with other details");
	/* other bytes, same text: a re-saved PDF is no difference */
	file_named(&p, "CMES-01C 批注表-2.pdf")->sha256[0] = 'q';
	run(&p, r, NULL);
	assert_int_equal(count(&p, "copies_differ"), 1);
	f = find(&p, "copies_differ");
	assert_int_equal(f->severity, SEV_WARNING);
	assert_int_equal(f->lang, rules_lang_index(r, "en"));
	assert_non_null(strstr(f->message_en, "申请表-英文-1.pdf, 申请表-英文-2.pdf"));
	assert_int_equal(p.outcome, PACKET_COMPLETE);
	packet_free(&p);
}

static void test_extra_and_rejected(void **state)
{
	const rules *r = *state;
	packet p;
	build_ceng(&p, NULL);
	add(&p, "工作经历报告-3.pdf", "pdf", EN_REPORT, 6);
	run(&p, r, NULL);
	assert_int_equal(count(&p, "extra_copies"), 1);
	assert_int_equal(slot(&p, r, "work_experience_report", "en")->copies, 3);
	assert_int_equal(p.outcome, PACKET_COMPLETE);
	packet_free(&p);

	packet_init(&p);
	p.outcome = PACKET_REJECTED;
	assert_int_equal(check_packet(&p, r, NULL), 0);
	assert_int_equal(p.outcome, PACKET_REJECTED);
	assert_int_equal(p.nfindings, 0);
	assert_int_equal(check_packet(NULL, r, NULL), -1);
	packet_free(&p);
}

static void test_check_add(void **state)
{
	const rules *r = *state;
	packet p;
	rules_var v[] = { { "file", "x.pdf" } };
	packet_init(&p);
	assert_int_equal(finding_add(&p, r, "missing_document", rules_doc_index(r, "cpd_record"),
				   rules_lang_index(r, "zh"), NULL, 0), 0);
	assert_string_equal(p.findings[0].message_zh,
			    "缺少继续专业发展纪录（过去三年）（中文）。 模板：附件三（中文）、附件四（英文）。请填写后按要求的份数一并提交。");
	assert_int_equal(finding_add(&p, r, "file_empty", -1, -1, v, 1), 0);
	assert_string_equal(p.findings[1].message_en,
			    "The file \"x.pdf\" is empty. Please check that the file was saved correctly and send it again.");
	/* unknown code: still recorded, as an error */
	assert_int_equal(finding_add(&p, r, "no_such_code", -1, -1, NULL, 0), 0);
	assert_int_equal(p.findings[2].severity, SEV_ERROR);
	assert_int_equal(finding_add(NULL, r, "file_empty", -1, -1, NULL, 0), -1);
	packet_free(&p);
}

static void test_text_language(void **state)
{
	int han, latin;
	(void)state;
	assert_int_equal(check_text_language("申请表 CMES-01C Ünïcode", &han, &latin), 0);
	assert_int_equal(han, 3);
	assert_int_equal(latin, 12);
	assert_int_equal(check_text_language("\xff\xfe 中\xe4", &han, &latin), 0);
	assert_int_equal(han, 1);
	assert_int_equal(latin, 0);
	assert_int_equal(check_text_language(NULL, &han, &latin), -1);
	assert_int_equal(han, 0);
}

static void test_dates(void **state)
{
	long lo, hi;
	(void)state;
	assert_int_equal(check_parse_date("2024-03-05", &lo, &hi), 0);
	assert_int_equal(lo, 20240305);
	assert_int_equal(hi, 20240305);
	assert_int_equal(check_parse_date("2024/3/5", &lo, &hi), 0);
	assert_int_equal(lo, 20240305);
	assert_int_equal(check_parse_date("2024年03月05日", &lo, &hi), 0);
	assert_int_equal(lo, 20240305);
	assert_int_equal(check_parse_date("2024.03", &lo, &hi), 0);
	assert_int_equal(lo, 20240301);
	assert_int_equal(hi, 20240331);
	assert_int_equal(check_parse_date("2024-03 ~ 2024-05", &lo, &hi), 0);
	assert_int_equal(lo, 20240301);
	assert_int_equal(check_parse_date("05/03/2024", &lo, &hi), 0);
	assert_int_equal(lo, 20240305);
	assert_int_equal(check_parse_date("45500", &lo, &hi), 0);  /* Excel: 2024-07-27 */
	assert_int_equal(lo, 20240727);
	assert_int_equal(check_parse_date("20240305", &lo, &hi), 0);
	assert_int_equal(lo, 20240305);
	assert_int_equal(check_parse_date("2024", &lo, &hi), 0);
	assert_int_equal(hi, 20241231);
	assert_int_equal(check_parse_date("2024-13-01", &lo, &hi), -1);
	assert_int_equal(check_parse_date("next week", &lo, &hi), -1);
	assert_int_equal(check_parse_date("99999999999999", &lo, &hi), -1);
	assert_int_equal(check_parse_date("123", &lo, &hi), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complete_ceng),
		cmocka_unit_test(test_copy_missing),
		cmocka_unit_test(test_language_missing),
		cmocka_unit_test(test_language_mismatch),
		cmocka_unit_test(test_language_from_content),
		cmocka_unit_test(test_xref_variant),
		cmocka_unit_test(test_xref_competences),
		cmocka_unit_test(test_cpd_csv),
		cmocka_unit_test(test_cpd_columns),
		cmocka_unit_test(test_cpd_caps),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_eligibility),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_integrity),
		cmocka_unit_test(test_copies_differ),
		cmocka_unit_test(test_extra_and_rejected),
		cmocka_unit_test(test_check_add),
		cmocka_unit_test(test_text_language),
		cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, load_rules, free_rules);
}
