/* fees_text.h — the fee ledger in words (notices) and in JSON (`show`).
 * The one rendering every command uses, so all show the same items,
 * periods and amounts. */
#ifndef PACKETD_FEES_TEXT_H
#define PACKETD_FEES_TEXT_H

#include <jansson.h>

#include "fees.h"
#include "texts.h"

typedef struct fees_view {
	int year_from, year_to;   /* periods shown: 0 = first registration, N = re-registration year */
	int outstanding;          /* 1: what is still owed; 0: what falls due */
} fees_view;

/* "  label (item) year N (from DATE): amount yuan" per line, then a total
 * line ("plus the CMES membership at the society's rate" when a line has
 * no amount yet), in Chinese (zh) or English; times in zone tz. Caller
 * frees. */
char *fees_text(const fees *f, const fees_view *view, const texts *templates, const char *tz, int zh);
/* Sets "fees" ({item: {due, paid, outstanding, periods: [...]}}, due and
 * outstanding null when at a society's unstated rate) and "fees_total" on
 * the object into. */
void fees_json(const fees *f, const char *tz, json_t *into);

#endif
