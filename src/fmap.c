/* fmap.c — mappings read with their pages dropped behind (fmap.h). */
#include "fmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

/* A file of at most one step is never dropped in part (fmap_release): it
 * is read whole into memory instead of mapped. Memory the allocator hands
 * out again message after message is already in the page tables, whereas
 * each new mapping's pages are set up afresh on first touch, a fault or a
 * hypervisor exit each on a virtual machine. */
int fmap_open(fmap *m, int fd, size_t len)
{
	void *p;
	m->base = NULL;
	m->len = 0;
	m->heap = 0;
	if (len <= FMAP_STEP) {
		char *b = xrealloc(NULL, len + 1);   /* NUL after, as a mapping's last page has */
		b[len] = '\0';
		if (util_pread_all(fd, b, len, 0) != 0) {   /* EIO: the file shrank under us */
			int e = errno;
			free(b);
			errno = e;
			return -1;
		}
		m->base = b;
		m->len = len;
		m->heap = 1;
		return 0;
	}
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	m->base = p;
	m->len = len;
	return 0;
}

void fmap_close(fmap *m)
{
	if (m->base != NULL && m->heap)
		free((void *)(uintptr_t)m->base);
	else if (m->base != NULL)
		munmap((void *)(uintptr_t)m->base, m->len);
	m->base = NULL;
	m->len = 0;
	m->heap = 0;
}

void fmap_release(const fmap *m, const char *p, size_t len)
{
	uintptr_t base = (uintptr_t)m->base, end = base + m->len, lo, hi;
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	if (m->base == NULL || m->len <= FMAP_STEP || (uintptr_t)p < base || (uintptr_t)p + len > end || pg == 0)
		return;
	lo = ((uintptr_t)p + pg - 1) & ~(pg - 1);
	hi = ((uintptr_t)p + len) & ~(pg - 1);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

const char *fmap_find(const fmap *m, const char *hay, size_t len, const char *needle, size_t nlen)
{
	size_t off = 0;
	if (nlen == 0)
		return hay;
	while (off < len && len - off >= nlen) {
		size_t win = len - off > FMAP_STEP ? FMAP_STEP : len - off;
		/* The window reaches nlen - 1 bytes into the next, so that a
		 * needle across the seam is found. */
		size_t span = len - off - win < nlen - 1 ? len - off : win + nlen - 1;
		const char *hit = memmem(hay + off, span, needle, nlen);
		if (hit != NULL)
			return hit;
		fmap_release(m, hay + off, win);
		off += win;
	}
	return NULL;
}

const char *fmap_find_by(const fmap *m, const char *hay, size_t len, const char *needle, size_t nlen, size_t k)
{
	size_t off, last, wstart = 0;
	if (nlen == 0)
		return hay;
	if (len < nlen)
		return NULL;
	if (k >= nlen)
		k = 0;
	/* needle[k] is looked for at hay[k .. last], the needle then inside */
	last = len - nlen + k;
	off = k;
	while (off <= last) {
		size_t stop = wstart + FMAP_STEP < last + 1 ? wstart + FMAP_STEP : last + 1;
		const char *p = off < stop ? memchr(hay + off, (unsigned char)needle[k], stop - off) : NULL;
		if (p == NULL) {
			if (stop == last + 1)
				break;
			fmap_release(m, hay + wstart, stop - wstart);
			wstart = stop;
			off = stop > off ? stop : off;
			continue;
		}
		if (memcmp(p - k, needle, nlen) == 0)
			return p - k;
		off = (size_t)(p - hay) + 1;
	}
	return NULL;
}
