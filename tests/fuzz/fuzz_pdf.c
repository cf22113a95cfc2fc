/* fuzz_pdf.c — the PDF text layer: objects, object streams, fonts and
 * their ToUnicode CMaps, content-stream operators. Seeds: the PDFs of the
 * test data (plain, Flate, office-exported with subset fonts). */
#include <stdint.h>
#include <stdlib.h>

#include "sniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char type[16], *text = NULL;
	(void)sniff_buffer((const char *)data, size, type, sizeof type, &text);
	free(text);
	return 0;
}
