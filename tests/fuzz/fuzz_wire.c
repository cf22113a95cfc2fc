/* fuzz_wire.c — the sandbox's packet wire as packetd reads it
 * (packet_wire_load): bytes from a reader taken over by a hostile packet
 * must load as a packet or be refused, never read past their end. What
 * loads is written again and must load again to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "packet_wire.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	packet p, q;
	buf once, twice;
	/* a copy of its own size, so that a read past the end is seen */
	char *bytes = malloc(size ? size : 1);
	if (bytes == NULL)
		return 0;
	memcpy(bytes, data, size);
	packet_init(&p);
	packet_init(&q);
	buf_init(&once, 0);
	buf_init(&twice, 0);
	if (packet_wire_load(&p, bytes, size) == 0) {
		packet_wire_dump(&p, &once);
		if (packet_wire_load(&q, once.data, once.len) != 0)
			abort();
		packet_wire_dump(&q, &twice);
		if (once.len != twice.len || memcmp(once.data, twice.data, once.len) != 0)
			abort();
	}
	buf_free(&twice);
	buf_free(&once);
	packet_free(&q);
	packet_free(&p);
	free(bytes);
	return 0;
}
