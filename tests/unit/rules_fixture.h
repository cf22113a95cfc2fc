/* rules_fixture.h — cmocka group setup/teardown shared by the unit tests
 * that need the repository's real rules (config/requirements.ini, found
 * through PACKETD_TOP or the current folder). Include after cmocka.h. */
#ifndef PACKETD_RULES_FIXTURE_H
#define PACKETD_RULES_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "rules.h"

static int load_rules(void **state)
{
	rules *r = calloc(1, sizeof *r);
	char path[1024], err[256] = "";
	const char *top = getenv("PACKETD_TOP");
	snprintf(path, sizeof path, "%s/config/requirements.ini", top ? top : ".");
	if (r == NULL || rules_load(r, path, err, sizeof err) != 0) {
		print_error("rules: %s\n", err);
		free(r);
		return -1;
	}
	*state = r;
	return 0;
}

static int free_rules(void **state)
{
	rules_free(*state);
	free(*state);
	return 0;
}

#endif
