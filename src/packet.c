/* packet.c — the in-memory packet model (packet.h): ownership of files,
 * findings and slots. */
#include "packet.h"
#include "manifest.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void packet_init(packet *p)
{
	memset(p, 0, sizeof *p);
	p->outcome = PACKET_COMPLETE;
}

void packet_free(packet *p)
{
	applicant_free(&p->app);
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i].name);
		free(p->files[i].path);
		free(p->files[i].raw_name_hex);
		free(p->files[i].text);
	}
	free(p->files);
	for (size_t i = 0; i < p->nfindings; i++) {
		free(p->findings[i].code);
		free(p->findings[i].message_zh);
		free(p->findings[i].message_en);
	}
	free(p->findings);
	free(p->slots);
	free(p->archive_name);
	free(p->workdir);
	if (p->manifest) {
		manifest_free(p->manifest);
		free(p->manifest);
	}
	packet_init(p);
}

/* Arrays grow one element at a time: packets hold at most a few hundred
 * files (max_members), so the simplicity is worth more than the copies. */
packet_file *packet_add_file(packet *p)
{
	packet_file *f;
	p->files = xrealloc(p->files, (p->nfiles + 1) * sizeof *p->files);
	f = &p->files[p->nfiles++];
	memset(f, 0, sizeof *f);
	f->doc = -1;
	f->lang = -1;
	return f;
}

void packet_add_finding(packet *p, const char *code, enum finding_severity sev, int doc, int lang,
			const char *message_zh, const char *message_en)
{
	finding *f;
	p->findings = xrealloc(p->findings, (p->nfindings + 1) * sizeof *p->findings);
	f = &p->findings[p->nfindings++];
	f->code = xstrdup(code ? code : "");
	f->severity = sev;
	f->doc = doc;
	f->lang = lang;
	f->message_zh = xstrdup(message_zh ? message_zh : "");
	f->message_en = xstrdup(message_en ? message_en : "");
}

int packet_has_errors(const packet *p)
{
	for (size_t i = 0; i < p->nfindings; i++)
		if (p->findings[i].severity == SEV_ERROR)
			return 1;
	return 0;
}

const char *packet_outcome_name(enum packet_outcome o)
{
	switch (o) {
	case PACKET_COMPLETE: return "complete";
	case PACKET_INCOMPLETE: return "incomplete";
	case PACKET_REJECTED: return "rejected";
	}
	return "unknown";
}

const char *finding_severity_name(enum finding_severity s)
{
	switch (s) {
	case SEV_ERROR: return "error";
	case SEV_WARNING: return "warning";
	case SEV_INFO: return "info";
	}
	return "unknown";
}
