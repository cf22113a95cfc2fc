/* fault.c — crash points for recovery tests. See fault.h. */
#include "fault.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Hits of the selected stages in this process. The one piece of mutable
 * global state outside the config: it exists only for the test switches
 * and is never read unless PACKETD_FAULT, PACKETD_FAIL or PACKETD_PAUSE is
 * set. */
static unsigned long fault_hits, fail_hits, pause_hits;

/* The hit of stage that the switch's value spec ("STAGE[:N]") selects: N,
 * or 0 when spec names another stage. */
static unsigned long fault_selected(const char *spec, const char *stage)
{
	const char *colon;
	size_t len;
	unsigned long want = 1;
	if (spec == NULL || *spec == '\0' || stage == NULL)
		return 0;
	colon = strchr(spec, ':');
	len = colon ? (size_t)(colon - spec) : strlen(spec);
	if (len != strlen(stage) || strncmp(spec, stage, len) != 0)
		return 0;
	if (colon) {
		char *end;
		want = strtoul(colon + 1, &end, 10);
		if (*end != '\0' || want == 0)
			want = 1;
	}
	return want;
}

int fault_fails(const char *stage)
{
	unsigned long want = fault_selected(getenv("PACKETD_FAIL"), stage);
	if (want == 0 || ++fail_hits != want)
		return 0;
	log_warn("fault injection: %s fails (hit %lu)", stage, fail_hits);
	return 1;
}

void fault_point(const char *stage)
{
	unsigned long want = fault_selected(getenv("PACKETD_PAUSE"), stage);
	if (want != 0 && ++pause_hits == want) {
		const char *secs = getenv("PACKETD_PAUSE_SECONDS");
		unsigned n = secs && *secs ? (unsigned)strtoul(secs, NULL, 10) : 3;
		log_warn("fault injection: pausing packetd at %s for %u s (hit %lu)", stage, n, pause_hits);
		fflush(NULL);
		while (n > 0)
			n = sleep(n);
	}
	want = fault_selected(getenv("PACKETD_FAULT"), stage);
	if (want == 0 || ++fault_hits < want)
		return;
	log_warn("fault injection: killing packetd at %s (hit %lu)", stage, fault_hits);
	fflush(NULL);
	kill(getpid(), SIGKILL);
}
