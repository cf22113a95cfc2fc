/* Unit tests for the sniff module over the files made by
 * tests/data/sniff/make.py: types by content, encrypted and damaged
 * markers, and extracted text of every readable format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

#include "sniff.h"
#include "util.h"

static packet_file sniffed(const char *name)
{
	const char *top = getenv("PACKETD_TOP");
	char path[512];
	packet_file f;
	memset(&f, 0, sizeof f);
	snprintf(path, sizeof path, "%s/tests/data/sniff/%s", top ? top : ".", name);
	f.path = path;
	assert_int_equal(sniff_file(&f), 0);
	f.path = NULL;
	return f;
}

static void expect(const char *name, const char *type, int encrypted, int damaged)
{
	packet_file f = sniffed(name);
	if (strcmp(f.type, type) != 0 || f.encrypted != encrypted || f.damaged != damaged)
		print_error("%s: type %s encrypted %d damaged %d\n", name, f.type, f.encrypted,
			    f.damaged);
	assert_string_equal(f.type, type);
	assert_int_equal(f.encrypted, encrypted);
	assert_int_equal(f.damaged, damaged);
	free(f.text);
}

static char *text_of(const char *name, const char *type)
{
	packet_file f = sniffed(name);
	assert_string_equal(f.type, type);
	assert_int_equal(f.damaged, 0);
	assert_non_null(f.text);
	return f.text;
}

static void test_types(void **state)
{
	(void)state;
	expect("plain.pdf", "pdf", 0, 0);
	expect("encrypted.pdf", "pdf", 1, 0);
	expect("truncated.pdf", "pdf", 0, 1);
	expect("really_png.pdf", "png", 0, 0);
	expect("image.png", "png", 0, 0);
	expect("truncated.png", "png", 0, 1);
	expect("photo.jpg", "jpeg", 0, 0);
	expect("truncated.jpg", "jpeg", 0, 1);
	expect("scan.tif", "tiff", 0, 0);
	expect("word97.doc", "doc", 0, 0);
	expect("protected.docx", "doc", 1, 0);
	expect("table.docx", "docx", 0, 0);
	expect("report.odt", "odt", 0, 0);
	expect("cpd.xlsx", "xlsx", 0, 0);
	expect("other.zip", "zip", 0, 0);
	expect("encrypted.zip", "zip", 1, 0);
	expect("archive.rar", "rar", 0, 0);
	expect("archive.7z", "7z", 0, 0);
	expect("archive.gz", "gz", 0, 0);
	expect("empty.txt", "empty", 0, 0);
	expect("binary.bin", "unknown", 0, 0);
	expect("gbk.txt", "txt", 0, 0);
	expect("semicolon.csv", "csv", 0, 0);
	expect("page.html", "html", 0, 0);
}

static void test_docx_text(void **state)
{
	(void)state;
	char *t = text_of("table.docx", "docx");
	assert_string_equal(t, "Application form 申请表\nSecond \tline\nName\t张伟\n"
			       "Grade\tmember since 2020\nEnd & done\n");
	free(t);
	/* field codes and ruby readings are not text, nor what is nested past
	 * the reader's depth; a table in a cell keeps its cells apart */
	t = text_of("marks.docx", "docx");
	assert_string_equal(t, "kept\nnext\ninner\tcell\n\touter x\nlast\n");
	free(t);
	/* an entity declared in a DTD, which OPC forbids in a part: damaged */
	expect("dtd.docx", "docx", 0, 1);
	/* document.xml over 20 MB: not read, and not called damaged */
	packet_file f = sniffed("big.docx");
	assert_string_equal(f.type, "docx");
	assert_null(f.text);
	assert_int_equal(f.damaged, 0);
}

static void test_odt_text(void **state)
{
	(void)state;
	char *t = text_of("report.odt", "odt");
	assert_string_equal(t, "Work experience report\nFirst paragraph with span\nA1\t工程师\n");
	free(t);
}

static void test_xlsx_text(void **state)
{
	(void)state;
	char *t = text_of("cpd.xlsx", "xlsx");
	assert_string_equal(t, "Date\tCPD Description\tHours\n45658\tSeminar 研讨会\t7.5\n"
			       "Total\t\tTRUE\n\tsecond sheet\n");
	free(t);
}

static void test_excel_dates(void **state)
{
	(void)state;
	int y, m, d;
	assert_int_equal(sniff_excel_serial_to_ymd(45658, &y, &m, &d), 0);
	assert_int_equal(y * 10000 + m * 100 + d, 20250101);
	assert_int_equal(sniff_excel_serial_to_ymd(1, &y, &m, &d), 0);
	assert_int_equal(y * 10000 + m * 100 + d, 19000101);
	assert_int_equal(sniff_excel_serial_to_ymd(59, &y, &m, &d), 0);
	assert_int_equal(y * 10000 + m * 100 + d, 19000228);
	assert_int_equal(sniff_excel_serial_to_ymd(60, &y, &m, &d), 0);
	assert_int_equal(y * 10000 + m * 100 + d, 19000229);
	assert_int_equal(sniff_excel_serial_to_ymd(61, &y, &m, &d), 0);
	assert_int_equal(y * 10000 + m * 100 + d, 19000301);
	assert_int_equal(sniff_excel_serial_to_ymd(44985.75, &y, &m, &d), 0);
	assert_int_equal(y * 10000 + m * 100 + d, 20230228);
	assert_int_equal(sniff_excel_serial_to_ymd(2958465, &y, &m, &d), 0);
	assert_int_equal(y * 10000 + m * 100 + d, 99991231);
	assert_int_equal(sniff_excel_serial_to_ymd(0, &y, &m, &d), -1);
	assert_int_equal(sniff_excel_serial_to_ymd(2958466, &y, &m, &d), -1);
	assert_int_equal(sniff_excel_serial_to_ymd(-5, &y, &m, &d), -1);
}

static void test_pdf_text(void **state)
{
	(void)state;
	char *t = text_of("plain.pdf", "pdf");
	assert_string_equal(t, "Hello (world) ABC\nCompetence A1\nCaf\xC3\xA9\n");
	free(t);
	t = text_of("flate_zh.pdf", "pdf");
	assert_string_equal(t, "申请表 中文\nEnglish line\n");
	free(t);
	packet_file f = sniffed("encrypted.pdf");
	assert_null(f.text);
}

/* PDFs exported by an office suite (LibreOffice, from the samples' DOCX):
 * subset fonts whose codes mean something only through their ToUnicode
 * CMaps. Read raw, the Chinese form looked like Latin punctuation. */
static void test_office_pdf_text(void **state)
{
	(void)state;
	char *t = text_of("office-zh.pdf", "pdf");
	assert_non_null(strstr(t, "会员申请表（中文）"));
	assert_non_null(strstr(t, "英国营运工程师学会会员申请表"));
	free(t);
	/* the same file with its fonts inside an object stream (PDF 1.5) */
	t = text_of("office-zh-objstm.pdf", "pdf");
	assert_non_null(strstr(t, "会员申请表（中文）"));
	free(t);
	t = text_of("office-en.pdf", "pdf");
	assert_non_null(strstr(t, "Membership Application Form (English)"));
	assert_non_null(strstr(t, "Society of Operations Engineers"));
	free(t);
}

/* A string shown in a font the document does not describe cannot be read:
 * no text rather than wrong text. */
static void test_pdf_unknown_font(void **state)
{
	static const char pdf[] =
		"%PDF-1.4\n1 0 obj\n<</Type/Font/Subtype/Type0/BaseFont/X/Encoding/Identity-H>>\nendobj\n"
		"2 0 obj\n<</Font <</F1 1 0 R>> >>\nendobj\n"
		"3 0 obj\n<</Length 40>>\nstream\nBT /F1 12 Tf <00410042> Tj ET\nendstream\nendobj\n%%EOF\n";
	char type[12];
	char *text = NULL;
	(void)state;
	assert_int_equal(sniff_buffer(pdf, sizeof pdf - 1, type, sizeof type, &text), 0);
	assert_string_equal(type, "pdf");
	assert_null(text);
}

/* A two-byte font's CMap maps codes far apart (0x0041 and 0x4E2D, pages
 * 0x00 and 0x4E of its map): both read, and a code it does not map is
 * left out. */
static void test_pdf_two_byte_cmap(void **state)
{
	static const char cmap[] =
		"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
		"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
		"2 beginbfchar <0041> <4E2D> <4E2D> <6587> endbfchar\nendcmap end end\n";
	static const char content[] = "BT /F1 12 Tf <00414E2D0042> Tj ET\n";
	char pdf[1024], type[12];
	char *text = NULL;
	int n;
	(void)state;
	n = snprintf(pdf, sizeof pdf,
		     "%%PDF-1.4\n1 0 obj\n<</Type/Font/Subtype/Type0/BaseFont/X/Encoding/Identity-H/ToUnicode 4 0 R>>\n"
		     "endobj\n2 0 obj\n<</Font <</F1 1 0 R>> >>\nendobj\n"
		     "3 0 obj\n<</Length %zu>>\nstream\n%sendstream\nendobj\n"
		     "4 0 obj\n<</Length %zu>>\nstream\n%sendstream\nendobj\n%%%%EOF\n",
		     sizeof content - 1, content, sizeof cmap - 1, cmap);
	assert_true(n > 0 && (size_t)n < sizeof pdf);
	assert_int_equal(sniff_buffer(pdf, (size_t)n, type, sizeof type, &text), 0);
	assert_string_equal(type, "pdf");
	assert_non_null(text);
	assert_non_null(strstr(text, "中文"));
	free(text);
}

static void test_text_files(void **state)
{
	(void)state;
	char *t = text_of("gbk.txt", "txt");
	assert_string_equal(t, "工作经历报告\r\n本人自2010年起从事机械设计。\r\n");
	free(t);
	t = text_of("utf16.txt", "txt");
	assert_string_equal(t, "Work experience report\n工程师\n");
	free(t);
	t = text_of("utf8.txt", "txt");
	assert_non_null(strstr(t, "one comma."));
	free(t);
	t = text_of("semicolon.csv", "csv");
	assert_string_equal(t, "Date\tCPD Description\tOrganizer\tHours\n"
			       "2025-03-01\tSeminar; part 1\tCMES\t8\n2025-04-02\tCourse 课程\tSOE\t16\n");
	free(t);
	t = text_of("page.html", "html");
	assert_non_null(strstr(t, "Hello there"));
	assert_non_null(strstr(t, "A1\t工程"));
	assert_null(strstr(t, "hidden"));
	assert_null(strstr(t, "color"));
	free(t);
}

static void test_buffer_and_names(void **state)
{
	(void)state;
	char type[12], *text = NULL;
	const char csv[] = "a,b\n1,2\n3,4\n";
	assert_int_equal(sniff_buffer(csv, sizeof csv - 1, type, sizeof type, &text), 0);
	assert_string_equal(type, "csv");
	assert_string_equal(text, "a\tb\n1\t2\n3\t4\n");
	free(text);
	assert_int_equal(sniff_buffer("", 0, type, sizeof type, &text), 0);
	assert_string_equal(type, "empty");
	assert_null(text);
	assert_int_equal(sniff_buffer("%PDF-1.7\n", 9, type, sizeof type, &text), 0);
	assert_string_equal(type, "pdf");
	assert_null(text);

	assert_string_equal(sniff_type_of_name("申请表.PDF"), "pdf");
	assert_string_equal(sniff_type_of_name("a.jpeg"), "jpeg");
	assert_string_equal(sniff_type_of_name("a.JPG"), "jpeg");
	assert_string_equal(sniff_type_of_name("scan.tif"), "tiff");
	assert_string_equal(sniff_type_of_name("x.htm"), "html");
	assert_string_equal(sniff_type_of_name("x.docx"), "docx");
	assert_string_equal(sniff_type_of_name("x.doc"), "doc");
	assert_string_equal(sniff_type_of_name("p.tgz"), "gz");
	assert_string_equal(sniff_type_of_name("p.7z"), "7z");
	assert_null(sniff_type_of_name("README"));
	assert_null(sniff_type_of_name("a.exe"));
}

/* sniff_file_bytes gives the answer of sniff_file for every sample file
 * (each read whole by sniff_file: none is over SNIFF_WHOLE_MAX), from the
 * bytes the caller holds, with no file at the path it is given: type,
 * markers and text. The samples cover every kind sniff_core tells apart. */
static void test_bytes_as_file(void **state)
{
	const char *top = getenv("PACKETD_TOP");
	char dir[512], path[1024];
	DIR *d;
	struct dirent *e;
	size_t compared = 0;
	(void)state;
	snprintf(dir, sizeof dir, "%s/tests/data/sniff", top ? top : ".");
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		packet_file a, b;
		char *data = NULL;
		size_t len = 0;
		if (e->d_name[0] == '.' || strcmp(e->d_name, "make.py") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		assert_int_equal(util_read_file(path, 64u << 20, &data, &len), 0);
		memset(&a, 0, sizeof a);
		memset(&b, 0, sizeof b);
		a.path = path;
		/* no file there: the answer can only come from the bytes */
		b.path = "/nonexistent/packetd-test/member";
		assert_int_equal(sniff_file(&a), 0);
		assert_int_equal(sniff_file_bytes(&b, data, len), 0);
		if (strcmp(a.type, b.type) != 0 || a.encrypted != b.encrypted || a.damaged != b.damaged ||
		    (a.text == NULL) != (b.text == NULL) || (a.text && strcmp(a.text, b.text) != 0))
			print_error("%s: file %s/%d/%d, bytes %s/%d/%d\n", e->d_name, a.type, a.encrypted, a.damaged,
				    b.type, b.encrypted, b.damaged);
		assert_string_equal(a.type, b.type);
		assert_int_equal(a.encrypted, b.encrypted);
		assert_int_equal(a.damaged, b.damaged);
		if (a.text == NULL)
			assert_null(b.text);
		else
			assert_string_equal(a.text, b.text);
		compared++;
		free(a.text);
		free(b.text);
		free(data);
	}
	closedir(d);
	assert_true(compared >= 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_docx_text),
		cmocka_unit_test(test_odt_text),
		cmocka_unit_test(test_xlsx_text),
		cmocka_unit_test(test_excel_dates),
		cmocka_unit_test(test_pdf_text),
		cmocka_unit_test(test_office_pdf_text),
		cmocka_unit_test(test_pdf_unknown_font),
		cmocka_unit_test(test_pdf_two_byte_cmap),
		cmocka_unit_test(test_text_files),
		cmocka_unit_test(test_buffer_and_names),
		cmocka_unit_test(test_bytes_as_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
