/* sniff.c — content types by magic numbers, protection and damage markers,
 * and text of plain-text, CSV and HTML files (see sniff.h). Office formats
 * are in sniff_office.c, PDF text in sniff_pdf.c.
 *
 * Extensions lie (a PNG saved as .pdf, a DOCX renamed .doc), so only bytes
 * decide the type; the checker compares it with sniff_type_of_name.
 */
#include "sniff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "charset.h"
#include "csv.h"
#include "sniff_p.h"

#define SNIFF_TAIL 1024
#define SNIFF_EDGE (SNIFF_WHOLE_MAX / 2)   /* head and tail read from files too big to read */
#define SNIFF_HTML_DEPTH 256

/* --- text accumulator ---------------------------------------------------- */

void sniff_text_init(sniff_text *t)
{
	buf_init(&t->b, SNIFF_MAX_TEXT);
	t->full = 0;
}

void sniff_text_add(sniff_text *t, const char *s, size_t n)
{
	size_t room;
	if (t->full || n == 0)
		return;
	room = SNIFF_MAX_TEXT - t->b.len;
	if (n > room) {
		n = room;
		/* back off to the start of a character */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		t->full = 1;
	}
	buf_add(&t->b, s, n);
}

void sniff_text_add_cell(sniff_text *t, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && !t->full) {
		size_t j = i;
		while (j < n && s[j] != '\t' && s[j] != '\r' && s[j] != '\n')
			j++;
		sniff_text_add(t, s + i, j - i);
		if (j < n)
			sniff_text_add(t, " ", 1);
		i = j + 1;
	}
}

void sniff_text_newline(sniff_text *t)
{
	if (t->b.len > 0 && t->b.data[t->b.len - 1] != '\n')
		sniff_text_add(t, "\n", 1);
}

char *sniff_text_finish(sniff_text *t)
{
	size_t i;
	for (i = 0; i < t->b.len; i++)
		if (t->b.data[i] != ' ' && t->b.data[i] != '\t' && t->b.data[i] != '\n' &&
		    t->b.data[i] != '\r')
			break;
	if (i == t->b.len) {
		buf_free(&t->b);
		return NULL;
	}
	return buf_steal(&t->b);
}

/* --- names --------------------------------------------------------------- */

const char *sniff_type_of_name(const char *name)
{
	static const struct {
		const char *ext;
		const char *type;
	} map[] = {
		{".pdf", "pdf"},   {".jpg", "jpeg"},  {".jpeg", "jpeg"}, {".tif", "tiff"},
		{".tiff", "tiff"}, {".htm", "html"},  {".html", "html"}, {".txt", "txt"},
		{".csv", "csv"},   {".doc", "doc"},   {".docx", "docx"}, {".odt", "odt"},
		{".xlsx", "xlsx"}, {".png", "png"},   {".zip", "zip"},   {".rar", "rar"},
		{".7z", "7z"},     {".gz", "gz"},     {".tgz", "gz"},
	};
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (util_ends_with_nocase(name, map[i].ext))
			return map[i].type;
	return NULL;
}

/* --- Excel dates --------------------------------------------------------- */

int sniff_excel_serial_to_ymd(double serial, int *y, int *m, int *d)
{
	long days, z, era, doe, yoe, doy, mp;

	if (!(serial >= 1.0 && serial < 2958466.0))
		return -1;
	days = (long)serial;
	if (days == 60) {
		/* Lotus 1-2-3's leap-year bug, kept by Excel for compatibility */
		*y = 1900;
		*m = 2;
		*d = 29;
		return 0;
	}
	if (days > 60)
		days--;
	/* days since 1899-12-31 → civil date (Howard Hinnant's algorithm) */
	z = days - 25568 + 719468;  /* 1900-01-01 is day -25567 from 1970-01-01 */
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
	return 0;
}

/* --- plain text, CSV, HTML ----------------------------------------------- */

/* Text when the bytes are text: a UTF-16 BOM, or no control bytes and
 * valid UTF-8 or GB18030. NULL for binary data. */
static char *sniff_decode_text(const char *data, size_t len)
{
	const unsigned char *u = (const unsigned char *)data;
	char *gb;

	if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
		return charset_text_to_utf8(data, len);
	for (size_t i = 0; i < len; i++)
		if ((u[i] < 0x20 && u[i] != '\t' && u[i] != '\n' && u[i] != '\r' && u[i] != '\f') ||
		    u[i] == 0x7F)
			return NULL;
	if (util_utf8_valid(data, len))
		return charset_text_to_utf8(data, len);
	gb = charset_to_utf8("GB18030", data, len);
	return gb;
}

static int sniff_is_html(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\f')
		s++;
	if (strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		return sniff_is_html(s + 3);
	return strncasecmp(s, "<!doctype html", 14) == 0 || strncasecmp(s, "<html", 5) == 0;
}

/* CSV when at least two rows and four rows in five carry the first row's
 * number (>= 2) of fields. */
static int sniff_is_csv(const csv_table *t)
{
	size_t same = 0;
	if (t->nrows < 2 || t->ncols[0] < 2)
		return 0;
	for (size_t i = 0; i < t->nrows; i++)
		if (t->ncols[i] == t->ncols[0])
			same++;
	return same * 5 >= t->nrows * 4;
}

static char *sniff_csv_text(const csv_table *t)
{
	sniff_text out;
	sniff_text_init(&out);
	for (size_t i = 0; i < t->nrows && !out.full; i++) {
		for (size_t j = 0; j < t->ncols[i]; j++) {
			if (j > 0)
				sniff_text_add(&out, "\t", 1);
			sniff_text_add_cell(&out, t->rows[i][j], strlen(t->rows[i][j]));
		}
		sniff_text_add(&out, "\n", 1);
	}
	return sniff_text_finish(&out);
}

static int sniff_html_block(const char *n)
{
	static const char *const blocks[] = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4",
					     "h5", "h6", "table", "ul", "ol", "title", "section",
					     "article", "header", "footer", "pre", "blockquote"};
	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
		if (strcasecmp(n, blocks[i]) == 0)
			return 1;
	return 0;
}

static void sniff_html_walk(xmlNode *node, sniff_text *t, int depth, int *cells)
{
	for (xmlNode *c = node; c != NULL && !t->full; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			const char *s = (const char *)c->content;
			if (s != NULL)
				sniff_text_add_cell(t, s, strlen(s));
			continue;
		}
		if (c->type != XML_ELEMENT_NODE || c->name == NULL)
			continue;
		const char *n = (const char *)c->name;
		if (strcasecmp(n, "script") == 0 || strcasecmp(n, "style") == 0)
			continue;
		if (strcasecmp(n, "td") == 0 || strcasecmp(n, "th") == 0) {
			if ((*cells)++ > 0)
				sniff_text_add(t, "\t", 1);
		}
		if (strcasecmp(n, "tr") == 0)
			*cells = 0;
		if (depth < SNIFF_HTML_DEPTH)
			sniff_html_walk(c->children, t, depth + 1, cells);
		if (sniff_html_block(n))
			sniff_text_newline(t);
	}
}

char *sniff_html_text(const char *utf8, size_t len)
{
	htmlDocPtr doc;
	sniff_text t;
	int cells = 0;

	if (len > SNIFF_MAX_XML)
		return NULL;
	doc = htmlReadMemory(utf8, (int)len, NULL, "UTF-8",
			     HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
				     HTML_PARSE_RECOVER | HTML_PARSE_NOIMPLIED);
	if (doc == NULL)
		return NULL;
	sniff_text_init(&t);
	sniff_html_walk(xmlDocGetRootElement(doc), &t, 0, &cells);
	xmlFreeDoc(doc);
	return sniff_text_finish(&t);
}

/* Types text: html, csv or txt, with its text. */
static void sniff_text_file(const char *data, size_t len, char type[12], char **text)
{
	char *utf8 = sniff_decode_text(data, len);
	csv_table t;
	char err[128];

	if (utf8 == NULL) {
		snprintf(type, 12, "unknown");
		return;
	}
	if (sniff_is_html(utf8)) {
		snprintf(type, 12, "html");
		*text = sniff_html_text(utf8, strlen(utf8));
		free(utf8);
		return;
	}
	if (csv_parse(utf8, strlen(utf8), &t, err, sizeof err) == 0 && sniff_is_csv(&t)) {
		snprintf(type, 12, "csv");
		*text = sniff_csv_text(&t);
		csv_table_free(&t);
		free(utf8);
		return;
	}
	csv_table_free(&t);
	snprintf(type, 12, "txt");
	sniff_text out;
	sniff_text_init(&out);
	sniff_text_add(&out, utf8, strlen(utf8));
	free(utf8);
	*text = sniff_text_finish(&out);
}

/* --- magic --------------------------------------------------------------- */

static int sniff_find(const char *hay, size_t n, const char *needle, size_t m)
{
	return n >= m && memmem(hay, n, needle, m) != NULL;
}

/* "/Encrypt" as a whole name (not /EncryptMetadata) in the given bytes
 * (their pages dropped when they lie in m's mapping). */
static int sniff_pdf_encrypt_key(const fmap *m, const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	while (p < end && (p = fmap_find(m, p, (size_t)(end - p), "/Encrypt", 8)) != NULL) {
		p += 8;
		if (p >= end || !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
			return 1;
	}
	return 0;
}

struct sniff_in {
	const char *head;     /* whole file when whole, else its first bytes */
	size_t head_len;
	const char *tail;     /* last bytes of the file */
	size_t tail_len;
	int whole;
	const char *path;     /* file, for the zip reader; NULL in memory */
	fmap map;             /* head's mapping when the whole file is mapped, else base NULL */
};

static void sniff_core(const struct sniff_in *in, char type[12], int *encrypted, int *damaged,
		       char **text)
{
	const unsigned char *u = (const unsigned char *)in->head;
	size_t n = in->head_len;
	const char *end = in->tail_len > SNIFF_TAIL ? in->tail + in->tail_len - SNIFF_TAIL : in->tail;
	size_t end_len = in->tail_len > SNIFF_TAIL ? SNIFF_TAIL : in->tail_len;

	*encrypted = *damaged = 0;
	*text = NULL;
	if (n == 0) {
		snprintf(type, 12, "empty");
		return;
	}
	if (sniff_find(in->head, n < 1024 ? n : 1024, "%PDF-", 5)) {
		snprintf(type, 12, "pdf");
		*damaged = !sniff_find(end, end_len, "%%EOF", 5);
		*encrypted = sniff_pdf_encrypt_key(&in->map, in->tail, in->tail_len) ||
			     sniff_pdf_encrypt_key(&in->map, in->head, n);
		if (in->whole && !*encrypted)
			*text = sniff_pdf_text(in->head, n, &in->map);
	} else if (n >= 8 && memcmp(u, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
		static const char ep[] = "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";
		snprintf(type, 12, "doc");
		*encrypted = fmap_find(&in->map, in->head, n, ep, sizeof ep - 1) != NULL;
	} else if (n >= 4 && (memcmp(u, "PK\3\4", 4) == 0 || memcmp(u, "PK\5\6", 4) == 0)) {
		sniff_zip(in->whole ? NULL : in->path, in->head, n, type, encrypted, damaged, text);
	} else if (n >= 3 && u[0] == 0xFF && u[1] == 0xD8 && u[2] == 0xFF) {
		snprintf(type, 12, "jpeg");
		*damaged = !sniff_find(end, end_len, "\xFF\xD9", 2);
	} else if (n >= 8 && memcmp(u, "\x89PNG\r\n\x1A\n", 8) == 0) {
		snprintf(type, 12, "png");
		*damaged = !sniff_find(end, end_len, "IEND", 4);
	} else if (n >= 4 && (memcmp(u, "II*\0", 4) == 0 || memcmp(u, "MM\0*", 4) == 0)) {
		snprintf(type, 12, "tiff");
	} else if (n >= 4 && memcmp(u, "Rar!", 4) == 0) {
		snprintf(type, 12, "rar");
	} else if (n >= 6 && memcmp(u, "7z\xBC\xAF\x27\x1C", 6) == 0) {
		snprintf(type, 12, "7z");
	} else if (n >= 2 && u[0] == 0x1F && u[1] == 0x8B) {
		snprintf(type, 12, "gz");
	} else if (in->whole) {
		sniff_text_file(in->head, n, type, text);
	} else {
		snprintf(type, 12, "unknown");
	}
}

/* --- public entry points ------------------------------------------------- */

/* Images and archives are told by their first bytes and checked by their
 * last (sniff_core), and zip-based documents are read by the zip reader
 * from the file: a 50 MB scan or a DOCX full of images is not read whole
 * for that. */
static int sniff_by_edges(const unsigned char *u, size_t n)
{
	if (sniff_find((const char *)u, n < 1024 ? n : 1024, "%PDF-", 5))
		return 0;   /* sniff_core takes it for a PDF first */
	return (n >= 3 && u[0] == 0xFF && u[1] == 0xD8 && u[2] == 0xFF) ||
	       (n >= 8 && memcmp(u, "\x89PNG\r\n\x1A\n", 8) == 0) ||
	       (n >= 4 && (memcmp(u, "II*\0", 4) == 0 || memcmp(u, "MM\0*", 4) == 0)) ||
	       (n >= 4 && memcmp(u, "Rar!", 4) == 0) || (n >= 6 && memcmp(u, "7z\xBC\xAF\x27\x1C", 6) == 0) ||
	       (n >= 2 && u[0] == 0x1F && u[1] == 0x8B) ||
	       (n >= 4 && (memcmp(u, "PK\3\4", 4) == 0 || memcmp(u, "PK\5\6", 4) == 0));
}

/* in as the whole of n bytes at b */
static void sniff_in_whole(struct sniff_in *in, const char *b, size_t n)
{
	in->head = in->tail = b;
	in->head_len = in->tail_len = n;
	in->whole = 1;
}

int sniff_file(packet_file *f)
{
	struct sniff_in in;
	struct stat st;
	char *head = NULL, *tail = NULL;
	int fd, rc = -1;

	memset(&in, 0, sizeof in);
	free(f->text);
	f->text = NULL;
	fd = util_open_regular(f->path, O_RDONLY, &st);
	if (fd < 0)
		goto out;
	/* The bytes on disk decide, even if the caller's size is stale. */
	if ((uint64_t)st.st_size > SNIFF_WHOLE_MAX) {
		head = xcalloc(1, SNIFF_EDGE + 1);
		if (util_pread_all(fd, head, SNIFF_EDGE, 0) != 0)
			goto out;
		if (!sniff_by_edges((const unsigned char *)head, SNIFF_EDGE) && (uint64_t)st.st_size <= SNIFF_MAX_READ) {
			/* Anything else big (a scanned PDF, mostly) is read
			 * through its mapping, its pages dropped behind each
			 * pass (fmap.h); an unknown binary costs the few pages
			 * read before it shows itself not text. */
			if (fmap_open(&in.map, fd, (size_t)st.st_size) == 0)
				sniff_in_whole(&in, in.map.base, in.map.len);
			free(head);
			head = NULL;
		}
	}
	if (in.map.base != NULL) {
		/* mapped above */
	} else if (head == NULL && (uint64_t)st.st_size <= SNIFF_MAX_READ) {
		size_t n = (size_t)st.st_size;
		head = xcalloc(1, n + 1);
		if (util_pread_all(fd, head, n, 0) != 0)
			goto out;
		sniff_in_whole(&in, head, n);
	} else {
		tail = xcalloc(1, SNIFF_EDGE + 1);
		if (util_pread_all(fd, tail, SNIFF_EDGE, (uint64_t)st.st_size - SNIFF_EDGE) != 0)
			goto out;
		in.head = head;
		in.tail = tail;
		in.head_len = in.tail_len = SNIFF_EDGE;
	}
	in.path = f->path;
	sniff_core(&in, f->type, &f->encrypted, &f->damaged, &f->text);
	rc = 0;
out:
	fmap_close(&in.map);
	if (fd >= 0)
		close(fd);
	free(head);
	free(tail);
	return rc;
}

int sniff_file_bytes(packet_file *f, const char *bytes, size_t len)
{
	struct sniff_in in;
	if (bytes == NULL || len > SNIFF_WHOLE_MAX)
		return sniff_file(f);
	memset(&in, 0, sizeof in);
	free(f->text);
	f->text = NULL;
	sniff_in_whole(&in, bytes, len);
	in.path = f->path;
	sniff_core(&in, f->type, &f->encrypted, &f->damaged, &f->text);
	return 0;
}

int sniff_buffer(const char *data, size_t len, char *type_out, size_t type_len, char **text_out)
{
	struct sniff_in in;
	char type[12];
	int encrypted, damaged;

	if ((data == NULL && len > 0) || type_out == NULL || type_len == 0 || text_out == NULL)
		return -1;
	memset(&in, 0, sizeof in);
	sniff_in_whole(&in, data != NULL ? data : "", len);
	sniff_core(&in, type, &encrypted, &damaged, text_out);
	snprintf(type_out, type_len, "%s", type);
	return 0;
}
