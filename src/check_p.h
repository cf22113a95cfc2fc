/* check_p.h — private to check.c and check_content.c: the helpers
 * they share, and the content checks of tables (cross-reference, CPD). */
#ifndef PACKETD_CHECK_P_H
#define PACKETD_CHECK_P_H

#include "check.h"
#include "finding.h"
#include "util.h"

#define CHECK_MAX_LIST 1000      /* bytes of a joined list in a message */

/* Appends item to a joined list, bounded by CHECK_MAX_LIST. */
void check_list_add(buf *b, const char *item, const char *sep);
/* True when f has enough extracted text to judge; counts its scripts. */
int check_readable(const packet_file *f, int *han, int *latin);
/* Lower-cased text with runs of blanks collapsed (caller frees). */
char *check_normalise(const char *s);

/* The target: --target when given, else the applicant's. */
const char *check_target(const packet *p, const check_options *opt);
void check_cross_reference(packet *p, const rules *r, size_t i, const check_options *opt);
void check_cpd(packet *p, const rules *r, size_t i, const check_options *opt);

#endif
