/* fees.h — what an application owes (SPEC section 5, seed annex 10), from
 * the fee table of requirements.ini: the interview fee with the submission;
 * on passing the interview the SOE membership and first registration (CEng
 * or IEng), and, for an applicant without the CMES mechanical or
 * professional engineer qualification, the CMES membership at the
 * recommending society's rate and the CMES first registration; after
 * certification, each year the SOE membership and re-registration, and
 * every third year the CMES re-registration.
 *
 * One ledger for every period: each line is one item of one period (year 0:
 * with the application or on passing; year N: the re-registration year
 * starting on the N-th anniversary of certification) with what is due and
 * what of the item's payments falls to it (oldest period first). The
 * notices, `show`, `pay`, `certify` and the nightly report all read this
 * ledger (fees_of_application loads it), so they show the same items, periods and
 * amounts. A society without a line in [fees.cmes_membership] makes its line
 * FEES_UNKNOWN: payable at the society's rate, not zero; the first payment
 * of the amount the society states settles it.
 *
 * fees.c is pure computation, no clock of its own; only fees_of_application
 * reads the payments (and the states that make fees due) from the store.
 * fees_text.c
 * renders the ledger in both languages from phrases.ini. */
#ifndef PACKETD_FEES_H
#define PACKETD_FEES_H

#include <time.h>

#include "rules.h"
#include "store.h"

enum fees_item {
	FEE_INTERVIEW,
	FEE_SOE_MEMBERSHIP,
	FEE_SOE_REGISTRATION,
	FEE_CMES_MEMBERSHIP,
	FEE_CMES_REGISTRATION,
	FEE_SOE_REREGISTRATION,
	FEE_CMES_REREGISTRATION,
	FEES_NITEMS
};

/* A due amount the fee table does not state (the society's own rate). */
#define FEES_UNKNOWN (-1L)
/* Year 0 (5 lines) and at most a century of re-registration years (3 each). */
#define FEES_MAX_LINES (5 + 100 * 3)

/* interview, soe_membership, ... as `packetd pay --item` takes them. */
extern const char *const fees_item_names[FEES_NITEMS];

typedef struct fees_facts {
	const char *target;         /* CEng | IEng */
	const char *qualification;  /* the manifest's cmes_qualification, may be NULL */
	const char *province;       /* recommending society, may be NULL */
	int rejected;               /* nothing is owed for a rejected packet */
	int passed;                 /* the interview was passed */
	time_t certified_at;        /* 0: not certified */
	time_t now;
} fees_facts;

typedef struct fees_line {
	int item;        /* enum fees_item */
	int year;        /* 0, or the re-registration year N >= 1 */
	time_t from;     /* year N: its anniversary; 0 for year 0 */
	long due;        /* yuan, or FEES_UNKNOWN while unpaid */
	long paid;       /* allocated by fees_settle */
} fees_line;

typedef struct fees {
	long due[FEES_NITEMS];      /* yuan due so far; an unknown line counts what was paid for it */
	long paid[FEES_NITEMS];     /* filled by the caller, then fees_settle */
	int unknown[FEES_NITEMS];   /* lines still due at a rate the table does not state */
	int years;                  /* anniversaries of certification passed */
	fees_line lines[FEES_MAX_LINES];
	size_t nlines;
	char society[160];          /* the recommending society, "" when unknown */
} fees;

/* Index of an item name, -1 when unknown. */
int fees_item_index(const char *name);
/* 1 when the applicant lacks the CMES qualification and so owes CMES fees. */
int fees_lacks_cmes(const rules *r, const char *qualification);
/* Whole years from certified_at to now (calendar anniversaries, UTC). */
int fees_years(time_t certified_at, time_t now);
/* Start of year `year` of registration (the anniversary), UTC. */
time_t fees_anniversary(time_t certified_at, int year);
/* The CPD year (calendar year) whose hours re-registration year `year`
 * needs: the one holding most of that registration year (its middle). */
int fees_cpd_year(time_t certified_at, int year);
/* The fees of re-registration year `year` (1 = first anniversary) into
 * out[]; 0, or -1 when the table lacks an amount. */
int fees_reregistration(const rules *r, const fees_facts *f, int year, long out[FEES_NITEMS]);
/* The first registration fees due on passing the interview; an amount at
 * the society's own rate is FEES_UNKNOWN. */
int fees_on_pass(const rules *r, const fees_facts *f, long out[FEES_NITEMS]);
/* The ledger of everything due up to f->now (paid left at 0); -1 when the
 * fee table lacks an amount it needs (other than a society's rate). */
int fees_compute(const rules *r, const fees_facts *f, fees *out);
/* Allocates out->paid[] (the sums paid per item) to the lines, oldest
 * period first; an unknown line takes what is paid for its item. */
void fees_settle(fees *f);
/* Known amount outstanding for one item. */
long fees_outstanding(const fees *f, int item);
/* Outstanding of one line; FEES_UNKNOWN for an unpaid unknown line. */
long fees_line_outstanding(const fees_line *l);
/* Sum of known amounts (FEES_UNKNOWN entries count 0). */
long fees_total(const long v[FEES_NITEMS]);
/* Known amount outstanding over every item. */
long fees_total_outstanding(const fees *f);
/* How many lines are due at a rate the table does not state. */
int fees_unknown(const fees *f);
/* 1 when nothing is outstanding, known or unknown. */
int fees_settled(const fees *f);
/* 1 when every line of re-registration year `year` is paid. */
int fees_year_settled(const fees *f, int year);

/* The ledger of application a as of now: due by the rules, paid from the
 * payments table. 0, or -1 when the store or the fee table fails. */
int fees_of_application(store *db, const rules *r, const store_application *a, time_t now, fees *out);

#endif
