/* test_fees.c — fees.c against the repository's fee table (seed annex 10):
 * what is due at submission, on passing the interview with and without the
 * CMES qualification, and on each anniversary of certification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "clock.h"
#include "fees.h"
#include "rules.h"
#include "util.h"

#define REQ "config/requirements.ini"
#define DAY 86400L

static rules R;

static int setup(void **state)
{
	char err[512];
	(void)state;
	return rules_load(&R, REQ, err, sizeof err);
}

static int teardown(void **state)
{
	(void)state;
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
	/* a province without its own line owes the default */
	other.province = "某省机械工程学会";
	assert_int_equal(fees_on_pass(&R, &other, v), 0);
	assert_int_equal(v[FEE_CMES_MEMBERSHIP], rules_fee(&R, "cmes_membership"));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items), cmocka_unit_test(test_submission), cmocka_unit_test(test_pass),
		cmocka_unit_test(test_years), cmocka_unit_test(test_reregistration),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
