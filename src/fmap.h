/* fmap.h — a file read through a read-only private mapping, mostly front
 * to back, whose pages the reader drops behind it (madvise): scanning a
 * 50 MB message or a 50 MB scanned PDF then keeps a few MB resident, not
 * 50. Dropping is only a hint: a page read again comes back from the page
 * cache, so any access pattern stays correct. */
#ifndef PACKETD_FMAP_H
#define PACKETD_FMAP_H

#include <stddef.h>

typedef struct fmap {
	const char *base;   /* owned mapping (or copy, when heap); NULL for bytes held in memory, which are never dropped */
	size_t len;
	int heap;           /* base is the file read into memory (a file of at most FMAP_STEP bytes) */
} fmap;

/* Bytes read between two drops of the pages behind. */
#define FMAP_STEP (1024 * 1024)

/* Maps the first len (> 0) bytes of the open file fd (reads them into
 * memory when len <= FMAP_STEP). 0, or -1 with errno set and m->base NULL. */
int fmap_open(fmap *m, int fd, size_t len);
/* Unmaps (or frees) what fmap_open made; m is zeroed. */
void fmap_close(fmap *m);
/* Drops the pages wholly inside [p, p + len) of m's mapping (nothing when
 * m->base is NULL, the mapping is at most FMAP_STEP bytes long — it goes
 * whole at fmap_close — or the range is not in it). */
void fmap_release(const fmap *m, const char *p, size_t len);
/* memmem over [hay, hay + len) one FMAP_STEP window at a time, each
 * window's pages dropped once searched without a match. The first match,
 * or NULL. */
const char *fmap_find(const fmap *m, const char *hay, size_t len, const char *needle, size_t nlen);
/* As fmap_find, for a needle whose byte k is rare in the haystack: that
 * byte is looked for with memchr, the needle compared where it is. Far
 * faster than memmem when the byte seldom occurs (a MIME delimiter's '-'
 * in base64 text never does), slower when it is common. */
const char *fmap_find_by(const fmap *m, const char *hay, size_t len, const char *needle, size_t nlen, size_t k);

#endif
