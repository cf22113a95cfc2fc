/* fuzz_manifest.c — manifest.ini (the INI reader and the applicant's
 * fields, UTF-8 or GBK). Seeds: the manifests of samples/packets. */
#include <stdint.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	manifest m = {0};
	(void)manifest_parse((const char *)data, size, &m);
	manifest_free(&m);
	return 0;
}
