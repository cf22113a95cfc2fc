/* fuzz_names.c — file-name decoding: archive member names (UTF-8, GBK,
 * GB18030, else escapes) and MIME parameters (RFC 2047 words, RFC 2231
 * values). Every result must be valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(char *s)
{
	if (s != NULL && !util_utf8_valid(s, strlen(s)))
		abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *z = malloc(size + 1);
	if (z == NULL)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';
	fuzz_check(charset_decode_name((const char *)data, size));
	fuzz_check(charset_rfc2047_decode(z));
	fuzz_check(charset_rfc2231_decode(z));
	fuzz_check(charset_text_to_utf8((const char *)data, size));
	free(z);
	return 0;
}
