/* fees.h — what an application owes (SPEC section 5, seed annex 10), from
 * the fee table of requirements.ini: the interview fee with the submission;
 * on passing the interview the SOE membership and first registration (CEng
 * or IEng), and, for an applicant without the CMES mechanical or
 * professional engineer qualification, the CMES membership of the province
 * and the CMES first registration; after certification, each year the SOE
 * membership and re-registration, and every third year the CMES
 * re-registration. Pure computation, no clock of its own; only
 * fees_of_application reads the payments (and the states that make fees
 * due) from the store. */
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

typedef struct fees {
	long due[FEES_NITEMS];      /* yuan, everything owed so far */
	long paid[FEES_NITEMS];     /* filled by the caller */
	int years;                  /* anniversaries of certification passed */
} fees;

/* Index of an item name, -1 when unknown. */
int fees_item_index(const char *name);
/* 1 when the applicant lacks the CMES qualification and so owes CMES fees. */
int fees_lacks_cmes(const rules *r, const char *qualification);
/* Whole years from certified_at to now (calendar anniversaries, UTC). */
int fees_years(time_t certified_at, time_t now);
/* Start of year `year` of registration (the anniversary), UTC. */
time_t fees_anniversary(time_t certified_at, int year);
/* The fees of re-registration year `year` (1 = first anniversary) into
 * out[]; 0, or -1 when the table lacks an amount. */
int fees_reregistration(const rules *r, const fees_facts *f, int year, long out[FEES_NITEMS]);
/* The first registration fees due on passing the interview. */
int fees_on_pass(const rules *r, const fees_facts *f, long out[FEES_NITEMS]);
/* Everything due up to f->now into out->due (paid left as is); -1 when
 * the fee table lacks an amount it needs. */
int fees_compute(const rules *r, const fees_facts *f, fees *out);
long fees_outstanding(const fees *f, int item);
long fees_total(const long v[FEES_NITEMS]);

/* The fees of application a as of now: due by the rules, paid from the
 * payments table. 0, or -1 when the store or the fee table fails. */
int fees_of_application(store *db, const rules *r, const store_application *a, time_t now, fees *out);

#endif
