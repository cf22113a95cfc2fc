/* util.h — small helpers shared by every module: growable buffers, string
 * lists, files written crash-safely, SHA-256.
 *
 * Return convention across packetd: 0 on success, -1 on failure (errno or a
 * message logged by the callee). A function with more outcomes than these
 * two names them in an enum (enum item_result in source.h, enum store_found,
 * MIME_*, UNPACK_*, WF_*) rather than giving 1 a meaning of its own;
 * predicates ("true when ...") return 1 or 0. Functions named *_dup / *_new
 * / *_read return memory the caller owns and frees.
 */
#ifndef PACKETD_UTIL_H
#define PACKETD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

/* Functions whose failure must be looked at. */
#define UTIL_WUR __attribute__((warn_unused_result))

/* A growable byte buffer with a hard cap so input can never make it grow
 * without bound (cap 0 means SIZE_MAX). data is always NUL-terminated.
 * Its error sticks (curl's dynbuf): once a write does not fit, that write
 * and every later one fail and add nothing, so the bytes are never a text
 * with holes. The writes therefore return nothing: whoever made the buffer
 * looks once, at the end, with buf_take or buf_error (both must be looked
 * at). Memory exhaustion aborts. */
typedef struct buf {
	char *data;     /* owned */
	size_t len;
	size_t alloc;
	size_t cap;
	int failed;     /* a write did not fit (EFBIG) or could not be formatted */
} buf;

void buf_init(buf *b, size_t cap);
void buf_add(buf *b, const void *data, size_t len);
void buf_adds(buf *b, const char *s);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0, or -1 (errno EFBIG) when a write failed since the buffer was made or
 * reset: for a buffer used in place (b->data) rather than taken. */
int buf_error(const buf *b) UTIL_WUR;
/* Hands the bytes to the caller (who frees them) and resets the buffer;
 * -1 (nothing handed, the buffer freed) when a write failed. */
int buf_take(buf *b, char **out) UTIL_WUR;
/* Empties the buffer and clears its error, keeping its memory. */
void buf_reset(buf *b);
/* The bytes, caller frees; the buffer is reset. For a buffer without a cap
 * (only a printf that cannot be formatted fails one), or one whose maker
 * means a cut (a preview, a sniffed text, a decoded header under its cap):
 * the bytes then end before the first write that did not fit. */
char *buf_steal(buf *b);
void buf_free(buf *b);

/* A list of owned strings. */
typedef struct strlist {
	char **items;   /* owned, each owned */
	size_t n;
	size_t alloc;
} strlist;

int strlist_add(strlist *l, const char *s);
int strlist_contains(const strlist *l, const char *s);
void strlist_free(strlist *l);
/* Splits "a, b ,c" on sep, trimming blanks; empty items are dropped. */
int strlist_split(strlist *l, const char *s, char sep);

char *xstrdup(const char *s);           /* NULL in, NULL out; aborts on ENOMEM */
char *xstrndup(const char *s, size_t n);
void *xcalloc(size_t n, size_t size);   /* aborts on ENOMEM: a broken invariant */
void *xrealloc(void *p, size_t size);
char *util_trim(char *s);               /* in place; returns s moved past blanks */
/* ASCII-only lower casing into a new string (UTF-8 bytes >= 0x80 kept). */
char *util_ascii_lower(const char *s);
int util_streq_nocase(const char *a, const char *b);
int util_ends_with_nocase(const char *s, const char *suffix);
/* Parses a non-negative integer with optional K/M/G suffix; checks range. */
int util_parse_size(const char *s, uint64_t *out) UTIL_WUR;
int util_parse_long(const char *s, long min, long max, long *out) UTIL_WUR;

/* Writes all len bytes to fd, retrying short writes and EINTR. */
int util_write_all(int fd, const void *data, size_t len) UTIL_WUR;
/* Reads exactly len bytes of fd at off: 0, or -1 with errno (EIO when the
 * file ends first). */
int util_pread_all(int fd, void *data, size_t len, uint64_t off) UTIL_WUR;
/* Writes all len bytes at offset off; 0, or -1 with errno. */
int util_pwrite_all(int fd, const void *data, size_t len, uint64_t off) UTIL_WUR;
/* Zeros over len bytes of fd at off (util_pwrite_all): 0, or -1. */
int util_pwrite_zeros(int fd, uint64_t off, uint64_t len) UTIL_WUR;
/* Value of one hex digit, -1 when c is none. */
int util_hexval(int c);
/* Value of one base64 character (RFC 4648 alphabet), -1 when c is none. */
int util_base64_value(int c);
/* The same as tables indexed by the byte (unsigned char): -1 for bytes
 * outside the alphabet. For loops over whole blocks. Small integers, not
 * characters: short, so that a lookup never passes for a char conversion. */
extern const short util_base64_dec[256];
/* The alphabet's value of byte c (0..255), -1 for any other byte: its one
 * spelling, from which util_base64_dec and the MIME decoder's shifted
 * tables are built at compile time. */
#define UTIL_B64_VALUE(c) ((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 : \
			   (c) >= '0' && (c) <= '9' ? (c) - '0' + 52 : (c) == '+' ? 62 : (c) == '/' ? 63 : -1)
/* A 256-entry initialiser {F(0, x), F(1, x), ... F(255, x)}, for tables of
 * constants made from a rule rather than typed out. */
#define UTIL_BYTES4(F, c, x) F(c, x), F((c) + 1, x), F((c) + 2, x), F((c) + 3, x)
#define UTIL_BYTES16(F, c, x) UTIL_BYTES4(F, c, x), UTIL_BYTES4(F, (c) + 4, x), UTIL_BYTES4(F, (c) + 8, x), \
			      UTIL_BYTES4(F, (c) + 12, x)
#define UTIL_BYTES64(F, c, x) UTIL_BYTES16(F, c, x), UTIL_BYTES16(F, (c) + 16, x), UTIL_BYTES16(F, (c) + 32, x), \
			      UTIL_BYTES16(F, (c) + 48, x)
#define UTIL_BYTE_TABLE(F, x) {UTIL_BYTES64(F, 0, x), UTIL_BYTES64(F, 64, x), UTIL_BYTES64(F, 128, x), \
			       UTIL_BYTES64(F, 192, x)}
extern const short util_hex_dec[256];

/* Reads a whole file (at most max bytes, else -1 with errno EFBIG). */
int util_read_file(const char *path, size_t max, char **data, size_t *len) UTIL_WUR;
/* The same for a file a sandboxed reader wrote (a work file): opened as
 * util_open_regular does, so a symbolic link is not followed and a FIFO
 * is refused at once (errno EINVAL), never waited on. */
int util_read_regular(const char *path, size_t max, char **data, size_t *len) UTIL_WUR;
/* Writes data to path crash-safely: temp file in the same folder (O_EXCL),
 * fsync, rename, fsync of the folder. */
int util_write_atomic(const char *path, const void *data, size_t len) UTIL_WUR;
/* What util_copy_atomic syncs: all (as util_write_atomic), the file but not
 * its folder (the caller syncs each folder once after several files), or
 * nothing (the caller syncs the whole file system before its commit). */
enum util_sync { UTIL_SYNC_NONE, UTIL_SYNC_FILE, UTIL_SYNC_ALL };
/* Copies the file src (not a symbolic link) to dest in the same crash-safe
 * steps, in chunks (an archive may be as large as max_message), hashing the
 * bytes on the way: they must hash to sha256, else -1 with errno EILSEQ and
 * nothing at dest (a file changed after it was hashed). dest gets mode. */
int util_copy_atomic(const char *src, const char *dest, int mode, const char *sha256, enum util_sync sync) UTIL_WUR;
/* Flushes the bytes of the file at path to disk. */
int util_fsync_file(const char *path) UTIL_WUR;
int util_mkdirs(const char *path, int mode) UTIL_WUR;
/* Removes a folder tree that packetd itself created (no symlinks followed). */
int util_rmtree(const char *path);
/* Readies a work folder (one packetd created) for its next item, without
 * a new inode or a new block: its regular files are truncated to nothing
 * and stay, for util_open_rewrite to write again; its subfolder keep (may
 * be NULL) is readied the same way; anything else goes. On ext4 without a
 * journal every new inode is found by a scan past each inode freed in the
 * last minutes, and a file removed after a sync wrote it waits for the
 * device when the file system discards freed blocks (mount option
 * `discard`): a folder of files made and removed per item cost both.
 * Up to zero_bytes of its files (each whole, in the order found) are
 * overwritten with zeros instead of truncated: on tmpfs a page cut off
 * and a new one zeroed for the next writer cost about two and a half
 * times one written over twice, and nothing of the last item stays
 * either way. 0 truncates all. */
int util_empty_dir(const char *path, const char *keep, uint64_t zero_bytes);
/* Empties the work file at path for its next writer as util_empty_dir
 * does: truncated, or removed when it is not a regular file with one name;
 * nothing when it is missing. 0, or -1 with errno. */
int util_clear_file(const char *path);
/* Reads the work file at path whole and then empties it as
 * util_clear_file does, through one open: what a sandbox's answer costs.
 * A regular file of at most max bytes only (more: EFBIG, and the file is
 * left as it is for the caller to take otherwise); symbolic links are not
 * followed. *data (caller frees) is NUL-terminated, *len its size. 0, or
 * -1 with errno. */
int util_take_file(const char *path, size_t max, char **data, size_t *len) UTIL_WUR;
/* Opens path (flags O_RDONLY or O_RDWR) when it is a regular file, *st
 * its status: never through a symbolic link, and never waiting (a FIFO
 * put where a work file was is refused, not waited on for a writer).
 * Anything not a regular file: -1 with errno EINVAL. */
int util_open_regular(const char *path, int flags, struct stat *st) UTIL_WUR;
/* Opens path to write it from its start: made when missing, kept when it
 * is there (a work file readied by util_empty_dir); a symbolic link, a
 * second name of some file or anything not a file there is removed and a
 * new file made, never written through. Not O_TRUNC: ext4 writes out at close every file that a
 * truncation to nothing emptied (its auto_da_alloc), so that a scratch file
 * would reach the disk. *had gets the size it had (0 when made). -1 with
 * errno. */
int util_open_rewrite(const char *path, uint64_t *had);
/* Cuts the file at fd to len, the bytes just written from its start,
 * when its earlier content (had bytes, from util_open_rewrite) was longer:
 * no call at all for a file readied empty. 0, or -1 with errno. */
int util_rewrite_end(int fd, uint64_t had, uint64_t len);
/* path joined with name; caller frees. */
char *util_path_join(const char *dir, const char *name);
/* Directory of the given file path ("." when none); caller frees. */
char *util_dirname(const char *path);
/* Resolves path against base_dir unless absolute; caller frees. */
char *util_resolve(const char *base_dir, const char *path);
int util_fsync_dir(const char *dir) UTIL_WUR;

/* Appends the base64 of len bytes to out; with line_len > 0 the output is
 * broken into lines of that many characters, each ended by CRLF (MIME). */
void util_base64(buf *out, const void *in, size_t len, size_t line_len);

/* SHA-256 as 64 lowercase hex digits + NUL. */
int util_sha256_hex(const void *data, size_t len, char out[65]) UTIL_WUR;
int util_sha256_file_hex(const char *path, char out[65]) UTIL_WUR;
/* Hashes what is read from in to its end, writing the same bytes to copy
 * when copy >= 0 (one pass for a copy and its hash). 0, or -1 with errno. */
int util_sha256_copy_fd(int in, int copy, char out[65]) UTIL_WUR;
/* Hashes at most len bytes read from in, writing them to copy at offset
 * at (pwrite: copy's file position is left alone); *copied gets how many
 * came, fewer than len when in ended first. Reading stops at len, so a
 * file's size taken beforehand costs no read to find its end. 0, or -1
 * with errno. */
int util_sha256_copy_at(int in, uint64_t len, int copy, uint64_t at, char out[65], uint64_t *copied) UTIL_WUR;
/* SHA-256 of bytes seen as they pass (written elsewhere): begin, add each
 * piece, then end (which frees it; out NULL when the hash is not wanted
 * after all, on an error path). */
typedef struct util_sha256 {
	void *h;   /* owned: the hash state, NULL when begin failed */
} util_sha256;
int util_sha256_begin(util_sha256 *s) UTIL_WUR;
void util_sha256_add(util_sha256 *s, const void *data, size_t len);
void util_sha256_end(util_sha256 *s, char out[65]);

/* True when s is valid UTF-8. */
int util_utf8_valid(const char *s, size_t len);
/* Decodes one UTF-8 code point at s (len bytes available); returns bytes
 * consumed (0 at end or on invalid input, then *cp is undefined). Inline:
 * the text checks call it for every character. */
static inline size_t util_utf8_next(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;
	uint32_t c;
	if (len == 0)
		return 0;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	} else if ((u[0] & 0xE0) == 0xC0) {
		n = 2;
		c = u[0] & 0x1F;
	} else if ((u[0] & 0xF0) == 0xE0) {
		n = 3;
		c = u[0] & 0x0F;
	} else if ((u[0] & 0xF8) == 0xF0) {
		n = 4;
		c = u[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3F);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}


#endif
