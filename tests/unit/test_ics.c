/* test_ics.c — ics.c: RFC 5545 structure, CRLF line ends, folding at 75
 * octets without splitting UTF-8, TEXT escaping, UTC times, stable UID. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ics.h"
#include "util.h"

static char *unfold(const char *s)
{
	buf b;
	buf_init(&b, 0);
	for (; *s; s++) {
		if (s[0] == '\r' && s[1] == '\n' && s[2] == ' ') {
			s += 2;
			continue;
		}
		buf_add(&b, s, 1);
	}
	return buf_steal(&b);
}

static void test_event(void **state)
{
	time_t start;
	size_t len = 0;
	char *ics, *flat;
	(void)state;
	clock_parse_iso("2026-12-10T09:30:00+08:00", &start);
	ics_event e = {.uid = "RRA-2026-000001-interview@cmes.example", .start = start, .minutes = 75,
		       .stamp = start - 86400, .sequence = 1, .summary = "SOE CEng 面试, RRA-2026-000001",
		       .location = "上海市徐汇区; Room 301, CMES Shanghai Office, a long address that must be folded",
		       .description = "line one\nline two \\ end", .organizer = "rra@cmes.example"};
	ics = ics_build(&e, &len);
	assert_non_null(ics);
	assert_int_equal(strlen(ics), len);
	assert_memory_equal(ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 30);
	assert_non_null(strstr(ics, "\r\nDTSTART:20261210T013000Z\r\n"));
	assert_non_null(strstr(ics, "\r\nDTEND:20261210T024500Z\r\n"));
	assert_non_null(strstr(ics, "\r\nDTSTAMP:20261209T013000Z\r\n"));
	assert_non_null(strstr(ics, "\r\nUID:RRA-2026-000001-interview@cmes.example\r\n"));
	assert_non_null(strstr(ics, "\r\nSEQUENCE:1\r\n"));
	assert_non_null(strstr(ics, "END:VEVENT\r\nEND:VCALENDAR\r\n"));
	/* every line ends in CRLF, none is longer than 75 octets, and a fold
	 * never cuts a UTF-8 sequence (the continuation starts after a space
	 * with a non-continuation byte) */
	for (const char *p = ics; *p;) {
		const char *eol = strstr(p, "\r\n");
		assert_non_null(eol);
		assert_true(eol - p <= 75);
		if (*p == ' ')
			assert_false((p[1] & 0xC0) == 0x80);
		for (const char *q = p; q < eol; q++)
			assert_true(*q != '\n' && *q != '\r');
		p = eol + 2;
	}
	assert_true(util_utf8_valid(ics, len));
	flat = unfold(ics);
	assert_non_null(strstr(flat, "\r\nSUMMARY:SOE CEng 面试\\, RRA-2026-000001\r\n"));
	assert_non_null(strstr(flat, "LOCATION:上海市徐汇区\\; Room 301\\, CMES Shanghai Office\\, a long address that must be folded\r\n"));
	assert_non_null(strstr(flat, "DESCRIPTION:line one\\nline two \\\\ end\r\n"));
	assert_non_null(strstr(flat, "ORGANIZER:mailto:rra@cmes.example\r\n"));
	free(flat);
	free(ics);
}

static void test_no_uid(void **state)
{
	size_t len = 0;
	ics_event e = {.uid = NULL, .summary = "x"};
	(void)state;
	assert_null(ics_build(&e, &len));
	e.uid = "";
	assert_null(ics_build(&e, &len));
	assert_null(ics_build(NULL, &len));
}

static void test_long_chinese(void **state)
{
	size_t len = 0;
	buf s;
	char *ics;
	(void)state;
	buf_init(&s, 0);
	for (int i = 0; i < 200; i++)
		buf_adds(&s, "面");
	ics_event e = {.uid = "u@x", .start = 0, .minutes = 60, .summary = s.data};
	ics = ics_build(&e, &len);
	assert_non_null(ics);
	assert_true(util_utf8_valid(ics, len));
	for (const char *p = ics; *p;) {
		const char *eol = strstr(p, "\r\n");
		assert_true(eol - p <= 75);
		p = eol + 2;
	}
	free(ics);
	buf_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event), cmocka_unit_test(test_no_uid), cmocka_unit_test(test_long_chinese),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
