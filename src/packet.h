/* packet.h — the in-memory model of one application packet as it moves
 * through unpack → classify → check → store/notice/JSON.
 *
 * A packet owns everything hanging off it; packet_free releases it all.
 * Document and language are indexes into the loaded rules (rules.h), -1
 * when unknown, so that the codes themselves stay data in config/.
 */
#ifndef PACKETD_PACKET_H
#define PACKETD_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "applicant.h"

struct manifest;

enum packet_outcome { PACKET_COMPLETE = 0, PACKET_INCOMPLETE = 1, PACKET_REJECTED = 2 };
enum finding_severity { SEV_ERROR = 0, SEV_WARNING = 1, SEV_INFO = 2 };

/* One member file of the packet. */
typedef struct packet_file {
	char *name;        /* owned: UTF-8 path inside the packet (wrapper folder stripped) */
	char *raw_name_hex; /* owned: the archive's bytes for the name, as lowercase hex, when they are not
			     * the UTF-8 name's (a GBK name, say); NULL when they are. For audit. */
	char *path;        /* owned: where its bytes are on disk (a spool work file) */
	uint64_t size;
	char sha256[65];
	char type[12];     /* by content: pdf doc docx odt jpeg png tiff xlsx csv txt html zip rar 7z gz unknown empty */
	int encrypted;     /* a protected document (encrypted PDF/DOCX) */
	int damaged;       /* truncated or unreadable where the type can tell */
	char *text;        /* owned: extracted text (tables as tab-separated lines) or NULL */
	int doc;           /* rules document index, -1 unrecognised */
	int lang;          /* rules language index, -1 unknown */
	int copy;          /* 1.., 0 not yet assigned */
	int from_manifest; /* classification came from manifest [files] */
	int ignored;       /* manifest.ini itself, batch.csv: not a document */
} packet_file;

typedef struct finding {
	char *code;        /* owned: stable code, e.g. "missing_copies" */
	enum finding_severity severity;
	int doc;           /* rules document index or -1 */
	int lang;          /* rules language index or -1 */
	char *message_zh;  /* owned */
	char *message_en;  /* owned */
} finding;

/* Count per (document, language) for the checklist. */
typedef struct packet_slot {
	int doc;
	int lang;
	int copies;        /* files found */
	int required;
} packet_slot;

/* CPD hours of one calendar year, read from the packet's CPD record. */
typedef struct packet_cpd_year {
	int year;
	double hours;
} packet_cpd_year;
#define PACKET_CPD_YEARS 16

typedef struct packet {
	applicant app;
	int has_manifest;
	packet_file *files;   /* owned array */
	size_t nfiles;
	finding *findings;    /* owned array */
	size_t nfindings;
	packet_slot *slots;   /* owned array, filled by check */
	size_t nslots;
	enum packet_outcome outcome;
	char archive_sha256[65];
	char *archive_name;   /* owned: the attachment or member name, UTF-8 */
	char *workdir;        /* owned: spool folder holding the member files */
	struct manifest *manifest; /* owned: the packet's manifest.ini, NULL when none */
	/* hours per year of the CPD record (check_content.c): the largest any
	 * one of its files states, as the copies repeat one record */
	packet_cpd_year cpd[PACKET_CPD_YEARS];
	size_t ncpd;
} packet;

void packet_init(packet *p);
void packet_free(packet *p);
packet_file *packet_add_file(packet *p);   /* zeroed, doc/lang = -1 */
/* Adds a finding with already-rendered messages (copied). */
void packet_add_finding(packet *p, const char *code, enum finding_severity sev, int doc, int lang,
			const char *message_zh, const char *message_en);
int packet_has_errors(const packet *p);
const char *packet_outcome_name(enum packet_outcome o);
const char *finding_severity_name(enum finding_severity s);

#endif
