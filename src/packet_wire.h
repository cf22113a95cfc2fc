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
#include "util.h"

/* The file holding the long strings (texts, findings' messages) beside
 * the result in the child's work folder: raw UTF-8, each named in the JSON
 * by [offset, length]. Parsing them as JSON strings, a character at a
 * time, was a tenth of packetd's own time a packet. */
#define PACKET_WIRE_STRINGS ".packet-strings"

/* Returns a new JSON object (caller decrefs); the long strings go to
 * strings (an initialised buf, appended to). */
json_t *packet_wire_dump(const packet *p, buf *strings);

/* Adds what j holds to p (a fresh packet: archive_sha256 and workdir are
 * kept), its long strings taken from strings[0, len). Returns 0, or -1
 * when j is not a packet or names bytes that are not there, not UTF-8 or
 * hold a NUL. */
int packet_wire_load(packet *p, const json_t *j, const char *strings, size_t len);

#endif
