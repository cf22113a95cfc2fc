/* fuzz_unpack.c — archive unpack and recognition: any bytes as a packet go
 * through intake_archive (unpack_archive, sniffing, manifest, classify)
 * and intake_check against the real rules. Seeds: samples/packets,
 * samples/hostile, tests/cases, tests/data/unpack.
 * The rules come from $PACKETD_FUZZ_RULES, else config/requirements.ini
 * (run from the top of the repository). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config.h"
#include "fuzz_util.h"
#include "intake.h"
#include "packet.h"
#include "rules.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static rules fuzz_rules;
static config_limits fuzz_limits;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];
	const char *path = getenv("PACKETD_FUZZ_RULES");
	(void)argc;
	(void)argv;
	if (rules_load(&fuzz_rules, path ? path : "config/requirements.ini", err, sizeof err) != 0) {
		fprintf(stderr, "fuzz_unpack: %s\n", err);
		exit(1);
	}
	config_limits_default(&fuzz_limits);
	/* Small bounds keep each input fast; the code paths are the same. */
	fuzz_limits.max_total = 8u << 20;
	fuzz_limits.max_member = 4u << 20;
	fuzz_limits.max_members = 200;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	packet p;
	intake_options o = {.r = &fuzz_rules, .lim = &fuzz_limits, .now = 1795000000};
	const char *path = fuzz_write("packet.zip", data, size);
	const char *work = fuzz_clean_sub("work");
	packet_init(&p);
	if (intake_archive(&o, path, "packet.zip", work, &p) == 0)
		(void)intake_check(&o, &p);
	packet_free(&p);
	return 0;
}
