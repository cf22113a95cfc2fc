/* unpack.h — safe unpacking of an untrusted archive (zip first; 7z, rar,
 * tar and tar.gz where libarchive reads them). Run it in the sandbox
 * (sandbox.h): libarchive's own allocations are bounded only there.
 *
 * Nothing is ever written at a path taken from the archive: member bytes go
 * to files named by index in the work folder. Every bound is counted on
 * bytes actually produced, checked while streaming; the first broken rule
 * stops the work and every file already written is removed.
 */
#ifndef PACKETD_UNPACK_H
#define PACKETD_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sniff.h"
#include "zygote.h"

/* The compression ratio is only judged once this many bytes were produced,
 * so that a small, very compressible text file is not taken for a bomb. */
#define UNPACK_RATIO_FLOOR ((uint64_t)1024 * 1024)

typedef struct unpack_member {
	char *name;   /* owned: UTF-8 relative path inside the archive, '/'-separated,
		       * a single wrapping top-level folder stripped. Zip names
		       * without the UTF-8 flag get one decision per archive: a
		       * Unicode Path field whose CRC matches, else GB18030 for all
		       * when any is not valid UTF-8, else UTF-8; other formats per
		       * charset_decode_name (valid UTF-8 as is, else GB18030) */
	char *raw_name; /* owned: the name's bytes as the archive holds them (any charset), for audit */
	int raw_differs; /* raw_name's bytes are not those of the decoded name (before the wrapper is stripped) */
	char *path;   /* owned: file in workdir holding the bytes ("m0001"...) */
	uint64_t size;
	char sha256[65]; /* of those bytes, hashed as they were written; "" when not */
	char *bytes;  /* owned: those bytes again, NUL-terminated, when the member has at
		       * most UNPACK_KEEP_MEMBER of them and the archive's kept ones stay
		       * within UNPACK_KEEP_TOTAL; else NULL (read them from path) */
} unpack_member;

/* A member small enough to be read whole by its sniffing is kept in memory
 * as it is written, so that it is not read back; a bound for them all keeps
 * an archive of many such members from growing the process. */
#define UNPACK_KEEP_MEMBER SNIFF_WHOLE_MAX
#define UNPACK_KEEP_TOTAL (4u * 1024 * 1024)

typedef struct unpack_result {
	unpack_member *members;  /* owned array, in archive order */
	size_t nmembers;
	/* owned, NULL on success; else one of: archive_unreadable
	 * archive_not_archive archive_traversal archive_link archive_device
	 * archive_encrypted archive_too_many_members archive_too_large
	 * archive_member_too_large archive_ratio archive_too_deep
	 * archive_truncated archive_duplicate_name archive_name_invalid
	 * archive_empty archive_inconsistent archive_count_mismatch
	 * archive_overlap archive_header_mismatch */
	char *error_code;
	/* owned: UTF-8, names the member concerned (decoded name) and the bound,
	 * e.g. "../../etc/passwd" or "f21.txt: 21 members > 20" */
	char *error_detail;
} unpack_result;

/* What unpack_archive returns. */
enum { UNPACK_OK = 0, UNPACK_ERROR = -1, UNPACK_REJECTED = 1 };

/* Unpacks archive_path into workdir (which exists and is empty).
 * Returns UNPACK_OK when every member was read (members filled),
 * UNPACK_REJECTED when the archive is rejected (error_code set, members
 * empty, every file written removed), UNPACK_ERROR on a system error such
 * as ENOSPC or an unreadable archive file (temporary: the caller retries
 * later; files removed).
 * depth is the nesting level of this archive (0 = top); depth >
 * lim->max_depth is archive_too_deep. Members that are archives themselves
 * are returned as they are: the caller unpacks them with depth + 1.
 * Counting rules: every entry (folders and ignored files included) counts
 * toward max_members; max_member, max_total and max_ratio apply to this
 * archive's produced bytes (max_total across levels is the caller's sum).
 * Directory entries, __MACOSX/ trees, .DS_Store, Thumbs.db, desktop.ini and
 * ._* files are skipped, after the safety checks on their names and types. */
int unpack_archive(const char *archive_path, const char *workdir, const config_limits *lim,
		   int depth, unpack_result *out);
void unpack_result_free(unpack_result *r);

/* unpack_archive run in the sandbox's child (sandbox.h, unpack_box.c), for
 * archives read outside a packet's intake (a provincial batch's own zip).
 * Returns as unpack_archive; a child that exceeds a sandbox limit or dies
 * gives UNPACK_REJECTED with archive_resources or archive_reader_crashed
 * (detail: which limit, or the signal) and workdir emptied. The child is
 * forked by zy, the sandbox helper, whose table holds "unpack" jobs
 * (intake_zygote_init), or here when zy is NULL. */
int unpack_archive_boxed(const char *archive_path, const char *workdir, const config_limits *lim, int depth,
			 zygote *zy, unpack_result *out);

/* The "unpack" job in the sandboxed child (argument: the archive's path). */
json_t *unpack_box_job(const zygote_job *job, const void *env);

#endif
