/* fuzz_table.c — the CSV and XLSX readers: the input is sniffed and its
 * text taken (XLSX, DOCX, ODT, CSV, PDF...), then parsed as CSV after the
 * charset guess, as the CPD and cross-reference checks do. Seeds: the
 * CSV and XLSX members of samples/packets. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "csv.h"
#include "sniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char type[16], err[256], *text = NULL, *utf8;
	csv_table t;
	(void)sniff_buffer((const char *)data, size, type, sizeof type, &text);
	free(text);
	utf8 = charset_text_to_utf8((const char *)data, size);
	if (utf8 != NULL) {
		memset(&t, 0, sizeof t);
		if (csv_parse(utf8, strlen(utf8), &t, err, sizeof err) == 0)
			csv_table_free(&t);
		free(utf8);
	}
	return 0;
}
