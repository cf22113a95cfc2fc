/* report_p.h — shared by report.c (gathering the data, queueing, the
 * nightly run) and report_html.c (the HTML, CSV and text made from it). */
#ifndef PACKETD_REPORT_P_H
#define PACKETD_REPORT_P_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "store.h"
#include "store_report.h"

#define REPORT_LIST 100            /* rows listed per section; the total is always given */
#define REPORT_WAITING 10          /* incomplete applications listed */
#define REPORT_INTERVIEW_DAYS 14
#define REPORT_MAX (8u << 20)      /* a report bigger than this fails */

/* The lists, in the order the report shows them. The first RL_NACTION
 * are "what needs action". Every list has the rows of store_report.h. */
enum report_list_id {
	RL_NO_RESULT,        /* interviews held without a result */
	RL_NOT_TRANSMITTED,  /* recommended, not yet transmitted to SOEHK */
	RL_SOEHK,            /* waiting on SOEHK longer than [centre] soehk_wait_days */
	RL_INTERVIEW_FEE,    /* interview fee unpaid */
	RL_CPD,              /* CPD hours missing for the re-registration due */
	RL_FAILING,          /* deliveries failing */
	RL_PACKETS,          /* packets of the day: new applications and supplements */
	RL_INCOMPLETE,       /* incomplete applications waiting longest */
	RL_INTERVIEWS,       /* interviews in the next 14 days */
	RL_FEES,             /* fees outstanding per application */
	RL_N
};
#define RL_NACTION (RL_FAILING + 1)

typedef struct report_data {
	char date[16];
	time_t now, day_start, day_end;
	const config *conf;             /* foreign */
	store_report_list lists[RL_N];
	store_count_list states, provinces;
	int64_t total, fresh, supplements;
	long fees_sum;
} report_data;

/* The number of rows a list has in all (not only those listed). */
long report_list_total(const report_data *d, int list);
/* A phrase of phrases.ini ("report.*", "state.*"), or fallback. */
const char *report_phrase(const report_data *d, const char *key, const char *fallback);

/* report_html.c: the three renderings of d; each returns malloc'ed text
 * (CSV with its length in *len), or NULL when it would pass REPORT_MAX. */
char *report_html(const report_data *d);
char *report_csv(const report_data *d, size_t *len);
char *report_text(const report_data *d);

#endif
