/* pjson.h — the stable JSON of packetd (documented in README.md): one
 * packet for `validate --json`, one application for `show --json`, the
 * list for `list --json`. Returns jansson objects the caller decrefs. */
#ifndef PACKETD_PJSON_H
#define PACKETD_PJSON_H

#include <stdio.h>

#include <jansson.h>

#include "packet.h"
#include "rules.h"
#include "store.h"

json_t *pjson_packet(const packet *p, const rules *r);
json_t *pjson_application(const store_application *a, const rules *r);
json_t *pjson_application_brief(const store_application *a);
/* Writes one element of `list --json` (the fields of
 * pjson_application_brief) straight to out, the stored applicant object
 * as it is: the list streams row by row, with no object built or parsed.
 * first says whether a comma goes before it. */
int pjson_write_brief(FILE *out, const store_app_row *row, int first);

#endif
