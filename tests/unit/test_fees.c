/* test_fees.c — fees.c against the repository's fee table (seed annex 10):
 * what is due at submission, on passing the interview with and without the
 * CMES qualification, and on each anniversary of certification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fees.h"
#include "fees_text.h"
#include "rules.h"
#include "util.h"

#define REQ "config/requirements.ini"
#define DAY 86400L

static rules R;
static texts T;   /* the shipped phrases, read once as the config does */

static int setup(void **state)
{
	char err[512];
	(void)state;
	if (rules_load(&R, REQ, err, sizeof err) != 0)
		return -1;
	return texts_load(&T, "config/templates", err, sizeof err);
}

static int teardown(void **state)
{
	(void)state;
	texts_free(&T);
	rules_free(&R);
	return 0;
}

static time_t t0(void)
{
	time_t t;
	clock_parse_iso("2026-12-20T10:00:00+08:00", &t);
	return t;
}

static void test_items(void **state)
{
	(void)state;
	assert_int_equal(fees_item_index("interview"), FEE_INTERVIEW);
	assert_int_equal(fees_item_index("cmes_reregistration"), FEE_CMES_REREGISTRATION);
	assert_int_equal(fees_item_index("lunch"), -1);
	assert_int_equal(fees_item_index(NULL), -1);
	assert_false(fees_lacks_cmes(&R, "mechanical_engineer"));
	assert_false(fees_lacks_cmes(&R, "professional_engineer"));
	assert_true(fees_lacks_cmes(&R, "none"));
	assert_true(fees_lacks_cmes(&R, NULL));
}

static void test_submission(void **state)
{
	fees_facts f = {.target = "CEng", .qualification = "mechanical_engineer", .now = t0()};
	fees out;
	(void)state;
	assert_int_equal(fees_compute(&R, &f, &out), 0);
	assert_int_equal(out.due[FEE_INTERVIEW], 1000);
	assert_int_equal(fees_total(out.due), 1000);
	f.rejected = 1;
	assert_int_equal(fees_compute(&R, &f, &out), 0);
	assert_int_equal(fees_total(out.due), 0);
}

static void test_pass(void **state)
{
	fees_facts ceng = {.target = "CEng", .qualification = "mechanical_engineer", .passed = 1, .now = t0()};
	fees_facts ieng = {.target = "IEng", .qualification = "professional_engineer", .passed = 1, .now = t0()};
	fees_facts senior = {.target = "CEng", .qualification = "none", .province = "江苏省机械工程学会", .passed = 1,
			     .now = t0()};
	fees_facts other = senior;
	long v[FEES_NITEMS];
	(void)state;
	assert_int_equal(fees_on_pass(&R, &ceng, v), 0);
	assert_int_equal(v[FEE_SOE_MEMBERSHIP], 500);
	assert_int_equal(v[FEE_SOE_REGISTRATION], 1200);
	assert_int_equal(v[FEE_CMES_MEMBERSHIP], 0);
	assert_int_equal(fees_total(v), 1700);
	assert_int_equal(fees_on_pass(&R, &ieng, v), 0);
	assert_int_equal(v[FEE_SOE_REGISTRATION], 1000);
	assert_int_equal(fees_total(v), 1500);
	/* without the CMES qualification: the province's membership + 400 */
	assert_int_equal(fees_on_pass(&R, &senior, v), 0);
	assert_int_equal(v[FEE_CMES_MEMBERSHIP], rules_fee(&R, "cmes_membership.江苏省机械工程学会"));
	assert_int_equal(v[FEE_CMES_REGISTRATION], 400);
	assert_int_equal(fees_total(v), 1700 + 400 + v[FEE_CMES_MEMBERSHIP]);
	/* a province without its own line owes its own rate: unknown, not 0 */
	other.province = "某省机械工程学会";
	assert_int_equal(fees_on_pass(&R, &other, v), 0);
	assert_int_equal(v[FEE_CMES_MEMBERSHIP], FEES_UNKNOWN);
	assert_int_equal(fees_total(v), 1700 + 400);
	other.province = NULL;
	assert_int_equal(fees_on_pass(&R, &other, v), 0);
	assert_int_equal(v[FEE_CMES_MEMBERSHIP], FEES_UNKNOWN);
	/* an unknown target has no registration fee: an error, not 0 */
	ceng.target = "EngTech";
	assert_int_equal(fees_on_pass(&R, &ceng, v), -1);
}

static void test_years(void **state)
{
	time_t c = t0();
	(void)state;
	assert_int_equal(fees_years(c, c), 0);
	assert_int_equal(fees_years(c, c + 364 * DAY), 0);
	assert_int_equal(fees_years(c, c + 365 * DAY), 1);
	assert_int_equal(fees_years(c, fees_anniversary(c, 3) - 1), 2);
	assert_int_equal(fees_years(c, fees_anniversary(c, 3)), 3);
	assert_int_equal(fees_years(0, c), 0);
	assert_int_equal(fees_years(c, c - DAY), 0);
	/* 29 February: the anniversary falls on 1 March */
	time_t leap;
	clock_parse_iso("2028-02-29T12:00:00Z", &leap);
	time_t next;
	clock_parse_iso("2029-03-01T12:00:00Z", &next);
	assert_int_equal(fees_anniversary(leap, 1), next);
}

static void test_reregistration(void **state)
{
	fees_facts f = {.target = "CEng", .qualification = "mechanical_engineer", .passed = 1, .now = t0()};
	long v[FEES_NITEMS];
	fees out;
	(void)state;
	memset(&out, 0, sizeof out);
	assert_int_equal(fees_reregistration(&R, &f, 1, v), 0);
	assert_int_equal(v[FEE_SOE_MEMBERSHIP], 500);
	assert_int_equal(v[FEE_SOE_REREGISTRATION], 290);
	assert_int_equal(v[FEE_CMES_REREGISTRATION], 0);
	assert_int_equal(fees_reregistration(&R, &f, 3, v), 0);
	assert_int_equal(v[FEE_CMES_REREGISTRATION], 110);
	assert_int_equal(fees_total(v), 900);
	f.target = "IEng";
	assert_int_equal(fees_reregistration(&R, &f, 2, v), 0);
	assert_int_equal(fees_total(v), 740);
	/* everything due three years after certification, CEng with qualification */
	f.target = "CEng";
	f.certified_at = t0();
	f.now = fees_anniversary(t0(), 3) + DAY;
	assert_int_equal(fees_compute(&R, &f, &out), 0);
	assert_int_equal(out.years, 3);
	assert_int_equal(out.due[FEE_SOE_MEMBERSHIP], 500 * 4);
	assert_int_equal(out.due[FEE_SOE_REREGISTRATION], 290 * 3);
	assert_int_equal(out.due[FEE_CMES_REREGISTRATION], 110);
	assert_int_equal(fees_total(out.due), 1000 + 1700 + 3 * 790 + 110);
	out.paid[FEE_SOE_MEMBERSHIP] = 2500;
	assert_int_equal(fees_outstanding(&out, FEE_SOE_MEMBERSHIP), 0);
	assert_int_equal(fees_outstanding(&out, FEE_SOE_REREGISTRATION), 870);
}

/* One ledger: lines per item and period, payments to the oldest period
 * first, an unknown rate settled by the amount paid. */
static void test_ledger(void **state)
{
	fees_facts f = {.target = "IEng", .qualification = "none", .province = "广东省机械工程学会", .passed = 1,
			.certified_at = t0()};
	fees out;
	(void)state;
	f.now = fees_anniversary(t0(), 2) + DAY;
	assert_int_equal(fees_compute(&R, &f, &out), 0);
	/* year 0: interview, SOE membership, SOE registration, CMES membership, CMES registration;
	 * years 1 and 2: SOE membership and re-registration */
	assert_int_equal(out.nlines, 5 + 2 + 2);
	assert_int_equal(out.unknown[FEE_CMES_MEMBERSHIP], 1);
	assert_false(fees_settled(&out));
	assert_int_equal(out.lines[5].year, 1);
	assert_int_equal(out.lines[5].from, fees_anniversary(t0(), 1));
	/* everything known paid: the society's rate still open */
	out.paid[FEE_INTERVIEW] = 1000;
	out.paid[FEE_SOE_MEMBERSHIP] = 500 * 3;
	out.paid[FEE_SOE_REGISTRATION] = 1000;
	out.paid[FEE_CMES_REGISTRATION] = 400;
	out.paid[FEE_SOE_REREGISTRATION] = 240 + 100;
	fees_settle(&out);
	assert_int_equal(fees_total_outstanding(&out), 140);
	assert_int_equal(fees_unknown(&out), 1);
	assert_true(fees_year_settled(&out, 1));
	assert_false(fees_year_settled(&out, 2));
	assert_int_equal(fees_line_outstanding(&out.lines[3]), FEES_UNKNOWN);
	/* the society's amount, paid once, settles its line */
	assert_int_equal(fees_compute(&R, &f, &out), 0);
	out.paid[FEE_INTERVIEW] = 1000;
	out.paid[FEE_SOE_MEMBERSHIP] = 1500;
	out.paid[FEE_SOE_REGISTRATION] = 1000;
	out.paid[FEE_CMES_REGISTRATION] = 400;
	out.paid[FEE_SOE_REREGISTRATION] = 480;
	out.paid[FEE_CMES_MEMBERSHIP] = 260;
	fees_settle(&out);
	assert_int_equal(out.due[FEE_CMES_MEMBERSHIP], 260);
	assert_int_equal(fees_unknown(&out), 0);
	assert_true(fees_settled(&out));
}

static void test_cpd_year(void **state)
{
	time_t dec, jan;
	(void)state;
	clock_parse_iso("2026-12-20T04:00:00Z", &dec);
	clock_parse_iso("2027-01-05T04:00:00Z", &jan);
	/* the calendar year holding most of the registration year */
	assert_int_equal(fees_cpd_year(dec, 1), 2027);
	assert_int_equal(fees_cpd_year(dec, 3), 2029);
	assert_int_equal(fees_cpd_year(jan, 1), 2027);
	assert_int_equal(fees_cpd_year(jan, 2), 2028);
}

/* The words of the ledger: the same lines a notice, show and the report use. */
static void test_text(void **state)
{
	fees_facts f = {.target = "CEng", .qualification = "none", .province = "广东省机械工程学会", .passed = 1,
			.certified_at = t0(), .now = fees_anniversary(t0(), 3) + DAY};
	fees out;
	fees_view all = {.year_from = 0, .year_to = 100, .outstanding = 1};
	fees_view y3 = {.year_from = 3, .year_to = 3, .outstanding = 0};
	char *zh, *en, *s;
	json_t *j = json_object();
	(void)state;
	assert_int_equal(fees_compute(&R, &f, &out), 0);
	out.paid[FEE_INTERVIEW] = 1000;
	fees_settle(&out);
	zh = fees_text(&out, &all, &T, "Asia/Shanghai", 1);
	en = fees_text(&out, &all, &T, "Asia/Shanghai", 0);
	assert_non_null(strstr(zh, "（cmes_membership）：按广东省机械工程学会收费标准缴纳"));
	assert_non_null(strstr(en, "(cmes_membership): at the rate of 广东省机械工程学会"));
	assert_non_null(strstr(zh, "（soe_reregistration） 第 3 年（2029-12-20 起）：290 元"));
	assert_non_null(strstr(en, "(soe_reregistration) year 3 (from 2029-12-20): 290 yuan"));
	assert_null(strstr(en, "(interview)"));
	/* 500 + 1200 + 400 + 3 × (500 + 290) + 110 */
	assert_non_null(strstr(en, "Total: 4580 yuan, plus the CMES membership at the rate of 广东省机械工程学会"));
	assert_non_null(strstr(zh, "合计：4580 元，另加按广东省机械工程学会收费标准缴纳的 CMES 会员费"));
	s = fees_text(&out, &y3, &T, "Asia/Shanghai", 0);
	assert_non_null(strstr(s, "Total: 900 yuan\n"));
	assert_null(strstr(s, "year 2"));
	free(s);
	fees_json(&out, "Asia/Shanghai", j);
	assert_true(json_is_null(json_object_get(json_object_get(json_object_get(j, "fees"), "cmes_membership"), "due")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "fees_total"), "outstanding")), 4580);
	assert_int_equal(json_array_size(json_object_get(json_object_get(json_object_get(j, "fees"), "soe_membership"),
							 "periods")), 4);
	json_decref(j);
	free(zh);
	free(en);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items), cmocka_unit_test(test_submission), cmocka_unit_test(test_pass),
		cmocka_unit_test(test_years), cmocka_unit_test(test_reregistration), cmocka_unit_test(test_ledger),
		cmocka_unit_test(test_cpd_year), cmocka_unit_test(test_text),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
