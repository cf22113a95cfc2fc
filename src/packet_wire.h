/* packet_wire.h — a packet as bytes between the sandboxed child that
 * unpacks and reads it and packetd (see sandbox.h). Internal: not the JSON
 * of `validate --json`/`show --json` (pjson.c). Every field the later
 * stages use travels: applicant fields, files (names, raw names, paths,
 * sizes, SHA-256, types, text, classification), findings and the outcome.
 * Bytes, not JSON: parsing the packet's JSON (about 3.4 KB for 12
 * members) with jansson took about 100 µs a packet, and building and
 * writing it in the child as much again; a string here is its length and
 * its bytes, a number its four or eight bytes.
 */
#ifndef PACKETD_PACKET_WIRE_H
#define PACKETD_PACKET_WIRE_H

#include <stddef.h>

#include "packet.h"
#include "util.h"

/* The file the child writes the packet to, beside its result in its work
 * folder; the result (JSON) only says that it did. */
#define PACKET_WIRE_FILE ".packet-wire"

/* Appends p to out (an initialised buf). A string that is not UTF-8 does
 * not travel (it loads as absent). */
void packet_wire_dump(const packet *p, buf *out);

/* Adds the packet in data[0, len) to p (a fresh packet: archive_sha256 and
 * workdir are kept). Returns 0, or -1 when the bytes are not one whole
 * packet: cut short, followed by more, or holding a string that is not
 * UTF-8 or holds a NUL. */
int packet_wire_load(packet *p, const char *data, size_t len);

/* Whether what p's numbers name is there: the outcome and severities, and
 * each document (-1 or under ndocs) and language (-1 or under nlangs) that
 * the checks and notices look up in the rules by them. A packet from the
 * wire is used only when they are (a reader taken over could send any). */
int packet_wire_in_range(const packet *p, size_t ndocs, size_t nlangs);

#endif
