/* packet_wire.h — a packet as JSON between the sandboxed child that unpacks
 * and reads it and packetd (see sandbox.h). Internal: not the JSON of
 * `validate --json`/`show --json` (pjson.c). Every field the later stages
 * use travels: applicant fields, files (names, raw names, paths, sizes,
 * SHA-256, types, text, classification), findings and the outcome.
 */
#ifndef PACKETD_PACKET_WIRE_H
#define PACKETD_PACKET_WIRE_H

#include <jansson.h>

#include "packet.h"

/* Returns a new JSON object (caller decrefs). */
json_t *packet_wire_dump(const packet *p);

/* Adds what j holds to p (a fresh packet: archive_sha256 and workdir are
 * kept). Returns 0, or -1 when j is not a packet. */
int packet_wire_load(packet *p, const json_t *j);

#endif
