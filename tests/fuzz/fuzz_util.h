/* fuzz_util.h — shared by the libFuzzer targets: a private scratch folder
 * per process and a helper that writes the input to a file in it (the
 * modules under test read files, as packetd does). */
#ifndef PACKETD_FUZZ_UTIL_H
#define PACKETD_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The process's scratch folder, made on first use ("/tmp/packetd-fuzz.XXXXXX"). */
const char *fuzz_dir(void);
/* Writes data to fuzz_dir()/name and returns its path (static storage). */
const char *fuzz_write(const char *name, const uint8_t *data, size_t size);
/* Empties fuzz_dir()/sub (made if missing) and returns its path. */
const char *fuzz_clean_sub(const char *sub);

#endif
