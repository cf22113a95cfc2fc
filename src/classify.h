/* classify.h — recognition of the documents of a packet (SPEC section 2):
 * which document, language and copy each member file is, from the
 * manifest's [files] section where given, else from its name, using the
 * keyword, annex, language and copy-marker tables of the rules (rules.h).
 */
#ifndef PACKETD_CLASSIFY_H
#define PACKETD_CLASSIFY_H

#include "packet.h"
#include "rules.h"

struct manifest;

/* Longest name classify_name looks at; longer names are unrecognised. */
#define CLASSIFY_MAX_NAME 4096

/* Document, language and copy suggested by a file name (a path inside the
 * packet, '/' or '\' separated). Only the base name without its extension
 * is matched, in this order:
 *   1. an annex number (附件二, Annex 5, appendix-3, 附录八) names the
 *      template's document and language; the annex text is then removed;
 *   2. the longest document keyword found names the document;
 *   3. language markers: long ones anywhere, short ASCII ones (zh, en) as
 *      whole tokens, single CJK ones (中, 英) only away from other Han
 *      characters; a keyword naming one language's template (CMES-01C)
 *      also gives that language; markers of two languages cancel out;
 *   4. a copy-2 marker (副本, copy, (2)) gives copy 2, else a trailing
 *      delimited number 1..9 gives that copy.
 * A parent folder may supply the document or language the base name lacks;
 * a document with a single required language gets it when none is marked.
 * Sets *doc / *lang to -1 and *copy to 0 when unknown. Returns 0, or -1
 * on NULL arguments (outputs then unknown). */
int classify_name(const rules *r, const char *name, int *doc, int *lang, int *copy);

/* Classifies every file of p that is not ignored (files named in the
 * rules' ignored list are marked ignored first). A manifest [files] entry
 * wins: matched by exact name, else by base name, case-insensitively; its
 * copy 0 means "assign one". Otherwise classify_name. Adds the finding
 * manifest_file_unknown for an entry naming no file and unrecognised_file
 * for a file that matches no document, then assigns copy numbers
 * (classify_assign_copies). m may be NULL. Returns 0, or -1 on bad
 * arguments. */
int classify_packet(packet *p, const rules *r, const struct manifest *m);

/* For each (document, language) group of non-ignored files: an explicit
 * copy is kept unless an earlier file (by name) already claims it; the
 * others get the lowest free numbers, in name order. Files with an unknown
 * document or language are left as they are (check_packet calls this again
 * once content has told their language). */
void classify_assign_copies(packet *p);

#endif
