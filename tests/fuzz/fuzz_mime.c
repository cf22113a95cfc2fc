/* fuzz_mime.c — MIME extraction (mime_parse_file): any bytes as a message
 * must parse without a crash, a leak or undefined behaviour, within the
 * parser's caps. Seeds: samples/mail. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mime_message m;
	char err[256];
	const char *path = fuzz_write("msg.eml", data, size);
	const char *work = fuzz_clean_sub("work");
	if (mime_parse_file(path, work, 8u << 20, &m, err, sizeof err) == MIME_OK) {
		for (size_t i = 0; i < m.natts; i++)
			(void)mime_is_archive(&m.atts[i]);
		mime_message_free(&m);
	}
	return 0;
}
