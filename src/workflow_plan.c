/* workflow_plan.c — checks on an interview plan that warn without refusing
 * (workflow_p.h): two interviews at one place at the same time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "util.h"
#include "workflow_p.h"

/* Interviews last at most 75 minutes (seed 一览表 item 4): an earlier start
 * than that cannot reach into the new plan. */
#define LONGEST_INTERVIEW (75 * 60)

int wf_interview_overlaps(packetd_ctx *ctx, int64_t id, time_t starts, int minutes, const char *place, char *warn,
			  size_t len)
{
	store_interview_list t;
	char from[32], to[32];
	size_t used = 0;
	time_t end = starts + (time_t)minutes * 60;
	warn[0] = '\0';
	store_wf_iso(starts - LONGEST_INTERVIEW, from);
	store_wf_iso(end, to);
	if (store_wf_interviews(ctx->db, from, to, &t) != 0)
		return -1;
	for (size_t i = 0; i < t.n; i++) {
		const store_interview_row *row = &t.rows[i];
		time_t s;
		long m = row->minutes;
		wf_when w;
		if (row->id == id || strcasecmp(row->place, place) != 0 || clock_parse_iso(row->starts_at, &s) != 0 ||
		    !(s < end && starts < s + m * 60))
			continue;
		wf_when_of(ctx, s, (int)m, &w);
		if (used < len)
			used += (size_t)snprintf(warn + used, len - used, "%s%s %s %s–%s",
						 used ? ", " : "the interview overlaps at the same place with ",
						 row->number, w.date, w.time, w.end);
	}
	store_interview_list_free(&t);
	return 0;
}
