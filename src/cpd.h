/* cpd.h — CPD gates re-registration (seed Q&A 11: the year's fees paid and
 * 48 hours of CPD in the year, for ECUK's review). Hours are kept per
 * calendar year (store_cpd_*): set by the centre (`packetd cpd`) or read
 * from a CPD record the member sends; re-registration year N needs the
 * hours of the calendar year holding most of it (fees_cpd_year), at least
 * rules.cpd_annual_hours of them. */
#ifndef PACKETD_CPD_H
#define PACKETD_CPD_H

#include "context.h"
#include "fees.h"
#include "store.h"

typedef struct cpd_status {
	int year;          /* the re-registration year that has begun (0: none yet) */
	int cpd_year;      /* the calendar year whose hours count for it (0: none) */
	double recorded;   /* hours recorded for cpd_year */
	double required;   /* rules.cpd_annual_hours */
	double missing;    /* required - recorded, at least 0 */
} cpd_status;

/* The CPD standing of application id as of ctx->now: 0, or -1 on error. */
int cpd_status_of(packetd_ctx *ctx, int64_t id, cpd_status *out);
/* The centre's figure of hours as typed (`packetd cpd`, the desk): "48"
 * or "12.5", 0 to 2000, one decimal at most. 0, or -1 when it is not. */
int cpd_parse_hours(const char *s, double *out);
/* "48" or "12.5": hours as notices print them, into out. */
void cpd_hours_text(double h, char *out, size_t len);

/* re_registration_due → certified (event re_registered) when f is settled
 * and the year's hours are recorded, inside the caller's transaction.
 * 1 moved, 0 not yet (why, one line, into why when not NULL), -1 error. */
int cpd_reregister_if_ready(packetd_ctx *ctx, int64_t id, const char *state, const fees *f, const char *by, char *why,
			    size_t whylen);

/* The centre's figure of hours for a year on application id (in state),
 * replacing an earlier one of that year, with its history row; may complete
 * a re-registration (what happened, one line, into why). Inside the
 * caller's transaction; the command around it (`packetd cpd`) is
 * workflow_cpd. 0 or -1. */
int cpd_record_centre(packetd_ctx *ctx, int64_t id, const char *state, int year, double hours, const char *ref,
		      const char *by, char *why, size_t whylen);

/* Hours per year read from a CPD record: (year, hours) pairs. */
typedef struct cpd_year_hours {
	int year;
	double hours;
} cpd_year_hours;
/* Records the hours a member's CPD record states for each year (the latest
 * record of a year replaces an earlier one), inside the caller's
 * transaction; may complete a re-registration. 0 or -1. */
int cpd_record_from_member(packetd_ctx *ctx, int64_t id, const cpd_year_hours *v, size_t n, const char *ref);
/* When p (a packet or supplement just recorded) holds a CPD record and its
 * CMES number is a registered member's (certified or re-registration due),
 * records the record's hours per year on that member's application; member
 * (not 0): that application, already found by the caller. Inside the
 * caller's transaction; 0 (also when there is nothing to record) or -1. */
int cpd_from_packet(packetd_ctx *ctx, const packet *p, int64_t member);

#endif
