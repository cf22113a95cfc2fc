/* spool.h — packetd's working folders. In the scratch folder ([packetd]
 * scratch, the spool itself unless named): work/ (one temporary folder per
 * item, removed after it) and incoming/ (the sources' fetched copies). In
 * the spool: packs/ (accepted documents, each kept once, for re-checks,
 * the desk and the transmittal to SOEHK; spool_keep_all),
 * quarantine/ (rejected archives, for the centre to inspect), and the lock
 * that keeps one `packetd run` per spool. */
#ifndef PACKETD_SPOOL_H
#define PACKETD_SPOOL_H

#include <stdint.h>

#include "util.h"

/* Creates the spool's folders and scratch/work. */
int spool_init(const char *spool, const char *scratch) UTIL_WUR;
/* Takes the spool's lock; -1 (errno EWOULDBLOCK) when another run holds it.
 * The lock lives as long as *fd stays open. */
int spool_lock(const char *spool, int *fd) UTIL_WUR;
/* A fresh empty folder under work/; caller frees the path and removes the
 * folder with util_rmtree when done. */
char *spool_workdir(const char *scratch);
/* Work folders taken item after item and given back emptied rather than
 * removed (util_empty_dir): a folder made and removed per item is a
 * block allocated and freed per item, and on a file system that discards
 * freed blocks the removal waits for the device once a group's sync has
 * written the folder. At most SPOOL_WORK_KEPT wait here. */
#define SPOOL_WORK_KEPT 8
/* On a file system in memory (tmpfs, ramfs) a folder given back keeps up
 * to this much of its files' pages, zeroed (util_empty_dir): at most
 * SPOOL_WORK_KEPT times this stays taken between items. On a disk the
 * zeros would be written out, so there everything is truncated. */
#define SPOOL_WORK_KEEP_PAGES (2u * 1024 * 1024)
typedef struct spool_workdirs {
	char *scratch;                  /* owned: where new folders are made */
	char *kept[SPOOL_WORK_KEPT];    /* owned: empty folders, ready */
	size_t n;
	uint64_t zero_bytes;            /* util_empty_dir's zero_bytes for a folder given back */
} spool_workdirs;
/* zero_bytes is SPOOL_WORK_KEEP_PAGES when scratch/work is in memory, else 0. */
void spool_workdirs_init(spool_workdirs *w, const char *scratch);
/* Whether the folders are in memory (tmpfs, ramfs): their files are then
 * zeroed when given back, not emptied, and more of them may be in use. */
int spool_workdirs_in_memory(const spool_workdirs *w);
/* An empty folder under work/ (a kept one, or made now), or NULL; the
 * caller owns it until spool_workdir_give. */
char *spool_workdir_take(spool_workdirs *w);
/* Takes dir back (and owns it): emptied but for its subfolder keep (may be
 * NULL) and kept for the next item, or removed when it cannot be emptied
 * or enough are kept. */
void spool_workdir_give(spool_workdirs *w, char *dir, const char *keep);
/* Removes the kept folders. */
void spool_workdirs_free(spool_workdirs *w);
/* Removes work/ folders left by an interrupted run. */
void spool_clean_work(const char *scratch);
/* Kept documents are appended to packs, packs/NNNNNN.pack, each up to
 * SPOOL_PACK_MAX bytes, and named by where their bytes are:
 * "<spool>/packs/000001.pack@OFFSET+LENGTH" (the ledger's stored_path).
 * Names of earlier releases, files/<aa>/<sha256>, stay readable by the
 * spool_kept_* functions. A spool_pack is the pack being appended to; all
 * zero (as in a fresh packetd_ctx) is a closed one. */
#define SPOOL_PACK_MAX ((uint64_t)1 << 30)
typedef struct spool_pack {
	char *dir;      /* owned: <spool>/packs; NULL while closed */
	unsigned num;   /* the pack appended to */
	int fd;         /* open on it while dir is set */
	uint64_t end;   /* where its next document goes */
	int unsynced;   /* packs/ or a pack made, its entry left for spool_pack_sync */
	unsigned dirty_first, dirty_last;   /* packs with bytes appended since the last spool_pack_sync (0: none) */
} spool_pack;
/* Keeps n files written by the sandbox: each is copied (never linked)
 * with its bytes hashed on the way, so the kept bytes are ones the sandbox
 * cannot reach any more, and a file whose bytes are not sha256[i] is
 * refused (-1, errno EILSEQ). known[i] (NULL, or the array NULL): where
 * the ledger already keeps those bytes; they are not kept again (unless
 * known[i] is an earlier release's file that is gone), nor are the same
 * bytes twice in one call. src[i] NULL is skipped. stored[i]
 * (caller frees, also on failure) receives each name. On disk before it
 * returns, unless flags has SPOOL_SYNC_LATER: then the caller calls
 * spool_pack_sync before a commit refers to them (a group commit, cycle.c).
 * With SPOOL_EMPTY_SOURCES each source copied is then emptied in place
 * (truncated when it is a regular file with one name), as
 * util_empty_dir with no zero_bytes would empty it for its work folder's
 * next item: one open for both. */
#define SPOOL_SYNC_LATER 1u
#define SPOOL_EMPTY_SOURCES 2u
int spool_keep_all(spool_pack *k, const char *spool, size_t n, const char *const *src, const char *const *sha256,
		   const char *const *known, char **stored, unsigned flags) UTIL_WUR;
/* Closes the pack (k is then all closed). */
void spool_pack_close(spool_pack *k);
/* The file holding a kept document: its pack, or the file itself (caller
 * frees). */
char *spool_kept_file(const char *stored);
/* Opens the file holding a kept document (never through a symbolic link):
 * *fd (caller closes), the document at [*off, *off + *len). -1 with errno
 * when it is missing, not a file, or shorter than the name says (EIO). */
int spool_kept_open(const char *stored, int *fd, uint64_t *off, uint64_t *len) UTIL_WUR;
/* A kept document's bytes, NUL-terminated (caller frees *data); at most
 * max bytes, else -1 with EFBIG. */
int spool_kept_read(const char *stored, size_t max, char **data, size_t *len) UTIL_WUR;
/* Copies a kept document into the new file dest (mode 0600). */
int spool_kept_copy(const char *stored, const char *dest) UTIL_WUR;
/* Deletes a kept document's bytes: its range of a pack becomes a hole
 * (zeros where the file system has none), the other documents stay where
 * they are; an earlier release's file is removed. Gone already: 0. */
int spool_kept_discard(const char *stored) UTIL_WUR;
/* Makes what spool_keep_all appended since the last call durable (it calls
 * this itself unless SPOOL_SYNC_LATER): the bytes of the packs it wrote to
 * (fdatasync each, one for a group of items, where a copy each cost a
 * flush each), then the folder entries of a pack or of packs/ it made. Only those: syncfs(2),
 * used before, also wrote out every other file dirty on the spool's file
 * system, the work files of packets still being read among them (whose
 * blocks a later truncation then gave back, with a discard each where the
 * file system is mounted with -o discard). 0, or -1 (logged); the packs
 * are then synced again by the next call. spool is the spool folder. */
int spool_pack_sync(spool_pack *k, const char *spool) UTIL_WUR;
/* Keeps a rejected archive as quarantine/<sha256>, the same way. */
int spool_quarantine(const char *spool, const char *src, const char *sha256) UTIL_WUR;

#endif
