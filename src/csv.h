/* csv.h — RFC 4180 CSV: a reader for batch.csv and CPD records, and a field
 * writer for receipts.
 *
 * The reader takes UTF-8 text (a leading BOM is skipped), detects the
 * separator among ',', ';' and TAB from the first line, and accepts quoted
 * fields with "" escapes and embedded line breaks, CRLF, LF or CR line ends.
 * Empty lines are skipped. Input is bounded: CSV_MAX_ROWS rows,
 * CSV_MAX_COLS columns, CSV_MAX_FIELD bytes per field; beyond that the
 * parse fails.
 */
#ifndef PACKETD_CSV_H
#define PACKETD_CSV_H

#include <stddef.h>

#include "util.h"

#define CSV_MAX_ROWS 100000
#define CSV_MAX_COLS 256
#define CSV_MAX_FIELD (64 * 1024)

typedef struct csv_table {
	char ***rows;   /* owned: rows[i][j] owned UTF-8, NUL-terminated */
	size_t *ncols;  /* owned: ncols[i] fields in row i (>= 1) */
	size_t nrows;
} csv_table;

/* Parses len bytes of UTF-8 CSV into out (zeroed first). Returns 0, or -1
 * with out empty and err holding "line N: reason" (N the physical line,
 * 1-based, where the offending field or row starts). */
int csv_parse(const char *utf8, size_t len, csv_table *out, char *err, size_t errlen);
void csv_table_free(csv_table *t);

/* Appends one field to b, quoted when needed (comma, semicolon, TAB, quote,
 * CR/LF, leading/trailing space); quotes are doubled. A field starting with
 * '=', '+', '-', '@', TAB or CR gets a leading apostrophe so that no
 * spreadsheet runs it as a formula (OWASP CSV injection); every CSV packetd
 * writes goes through here. The separator is the caller's to add; b's cap
 * is its maker's to check (buf_error, buf_take). */
void csv_add_field(buf *b, const char *field);

#endif
