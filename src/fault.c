/* fault.c — crash points for recovery tests. See fault.h. */
#include "fault.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Hits of the selected stage in this process. The one piece of mutable
 * global state outside the config: it exists only for the test switch and
 * is never read unless PACKETD_FAULT is set. */
static unsigned long fault_hits;

void fault_point(const char *stage)
{
	const char *spec = getenv("PACKETD_FAULT");
	const char *colon;
	size_t len;
	unsigned long want = 1;
	if (spec == NULL || *spec == '\0' || stage == NULL)
		return;
	colon = strchr(spec, ':');
	len = colon ? (size_t)(colon - spec) : strlen(spec);
	if (len != strlen(stage) || strncmp(spec, stage, len) != 0)
		return;
	if (colon) {
		char *end;
		want = strtoul(colon + 1, &end, 10);
		if (*end != '\0' || want == 0)
			want = 1;
	}
	if (++fault_hits < want)
		return;
	log_warn("fault injection: killing packetd at %s (hit %lu)", stage, fault_hits);
	fflush(NULL);
	kill(getpid(), SIGKILL);
}
