/* fuzz_util.c — see fuzz_util.h. Targets run millions of inputs: the
 * folder is made once, and each input overwrites the same files. */
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static char fuzz_root[64];

static void fuzz_cleanup(void)
{
	if (fuzz_root[0])
		util_rmtree(fuzz_root);
}

const char *fuzz_dir(void)
{
	if (fuzz_root[0] == '\0') {
		snprintf(fuzz_root, sizeof fuzz_root, "/tmp/packetd-fuzz.XXXXXX");
		if (mkdtemp(fuzz_root) == NULL)
			abort();
		atexit(fuzz_cleanup);
	}
	return fuzz_root;
}

const char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
	static char path[128];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
	f = fopen(path, "wb");
	if (f == NULL || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	return path;
}

const char *fuzz_clean_sub(const char *sub)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", fuzz_dir(), sub);
	util_rmtree(path);
	if (util_mkdirs(path, 0700) != 0)
		abort();
	return path;
}
