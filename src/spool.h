/* spool.h — packetd's working folders. In the scratch folder ([packetd]
 * scratch, the spool itself unless named): work/ (one temporary folder per
 * item, removed after it) and incoming/ (the sources' fetched copies). In
 * the spool: files/ (accepted documents, content-addressed by
 * SHA-256, kept for re-checks and for the transmittal to SOEHK),
 * quarantine/ (rejected archives, for the centre to inspect), and the lock
 * that keeps one `packetd run` per spool. */
#ifndef PACKETD_SPOOL_H
#define PACKETD_SPOOL_H

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
typedef struct spool_workdirs {
	char *scratch;                  /* owned: where new folders are made */
	char *kept[SPOOL_WORK_KEPT];    /* owned: empty folders, ready */
	size_t n;
} spool_workdirs;
void spool_workdirs_init(spool_workdirs *w, const char *scratch);
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
/* Keeps src under files/<aa>/<sha256> (idempotent: an existing copy is
 * kept), on disk with its folder entry before it returns, so that the
 * caller's commit may refer to it. *stored receives the path (caller
 * frees). */
int spool_keep(const char *spool, const char *src, const char *sha256, char **stored) UTIL_WUR;
/* spool_keep for n files written by the sandbox: each is copied (not
 * linked) with its bytes hashed on the way, so that the kept copy is an
 * inode the sandbox never held and one whose bytes are not sha256[i] is
 * refused (-1, errno EILSEQ); each copy is on disk before its name, each
 * folder synced once after all its new names. A copy already kept with
 * those bytes stays; a name without them (a group's copy whose sync a
 * power cut prevented) is written again. src[i] NULL is skipped.
 * stored[i] (caller frees, also on failure) receives each path.
 * sync_later 1: nothing is synced here; the caller calls spool_sync before
 * a commit refers to the files (a group commit, cycle.c). */
int spool_keep_all(const char *spool, size_t n, const char *const *src, const char *const *sha256,
		   char **stored, int sync_later) UTIL_WUR;
/* Everything written to the spool's file system is on disk when it
 * returns 0 (syncfs(2): one journal commit and one flush for all the files
 * of a group of items, where an fsync each costs a flush each). */
int spool_sync(const char *spool) UTIL_WUR;
/* Keeps a rejected archive as quarantine/<sha256>, the same way. */
int spool_quarantine(const char *spool, const char *src, const char *sha256) UTIL_WUR;

#endif
