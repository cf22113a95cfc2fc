/* finding.h — adding a finding to a packet, for every stage that makes
 * them (intake, classify, check). A finding's severity and both messages
 * come from the rules' finding catalogue (rules_finding_get + rules_render),
 * never from C text.
 */
#ifndef PACKETD_FINDING_H
#define PACKETD_FINDING_H

#include <stddef.h>

#include "packet.h"
#include "rules.h"

/* Adds finding `code` to p with the catalogue's severity and its messages
 * rendered in both languages (message, a blank, then the fix when the
 * catalogue has one). vars (n of them, at most 24) fill the placeholders;
 * document_zh/_en, language_zh/_en, template_zh/_en and the unsuffixed
 * document/language/template (in each message's own language) are filled
 * from doc/lang (-1: none) unless vars sets them. A code missing from the
 * catalogue is still added, as an error whose message is the code, and
 * logged. Returns 0, or -1 on NULL arguments. */
int finding_add(packet *p, const rules *r, const char *code, int doc, int lang, const rules_var *vars,
		size_t n);
/* As finding_add with separate values for the zh and en messages (the
 * names of languages differ between them); returns the severity added. */
enum finding_severity finding_add_zh_en(packet *p, const rules *r, const char *code, int doc, int lang,
					const rules_var *zv, size_t zn, const rules_var *ev, size_t en);

#endif
