/* source_sftp.c — a provincial society's SFTP drop, through libcurl
 * (libssh2). Key authentication only; the server's host key must match
 * known_hosts (unknown or changed: the connection is refused and logged).
 *
 * A file still being uploaded is never taken. libcurl reads a remote size
 * once, so a growing file would come out truncated without an error; hence
 * a file is taken only when its size and mtime are unchanged since the
 * previous cycle's listing (kept in the store as a cursor), or when it
 * appeared by the rename of a *.part / *.tmp seen before. It is downloaded
 * to a temporary spool name, its size checked against the listing and the
 * remote file stat'ed again, then renamed into place.
 *
 * After commit the remote file is renamed into the processed (or rejected)
 * folder: first under its own name, then, where the server refuses to
 * overwrite, under a unique one; a source already gone means an earlier
 * run moved it (idempotent). Receipts are uploaded under a temporary dot
 * name and renamed into place. One curl handle per cycle keeps one SSH
 * connection for every operation. */
#include "source.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define SFTP_TIMEOUT 30L
#define SFTP_MAX_FILES 1000          /* names taken from one listing */
#define SFTP_MAX_NAME 255
#define SFTP_MAX_LISTING (1 << 20)   /* bytes of a directory listing */

typedef struct sftp_priv {
	CURL *curl;
	char *base;     /* owned: sftp://host:port (no path) */
	char *dir;      /* owned: the drop's remote path, ending in '/' */
	char *spooldir; /* owned: local folder for downloads */
	char *pubkey;   /* owned: key.pub when it exists */
	char errbuf[CURL_ERROR_SIZE];
	int refused;    /* host key refused: nothing more this cycle */
	strlist dirs;   /* remote folders known to exist this cycle */
} sftp_priv;

static int sftp_keycheck(CURL *c, const struct curl_khkey *known, const struct curl_khkey *found,
			 enum curl_khmatch match, void *arg)
{
	source *s = arg;
	sftp_priv *p = s->priv;
	(void)c;
	(void)known;
	(void)found;
	if (match == CURLKHMATCH_OK)
		return CURLKHSTAT_FINE;
	p->refused = 1;
	log_error("sftp %s: host key of %s %s in %s; refusing the connection", s->conf->name, p->base,
		  match == CURLKHMATCH_MISMATCH ? "has CHANGED from the one" : "is unknown: not",
		  s->conf->known_hosts);
	return CURLKHSTAT_REJECT;
}

/* Resets the handle to the common options (the connection stays cached). */
static void sftp_setup(source *s, const char *url)
{
	sftp_priv *p = s->priv;
	curl_easy_reset(p->curl);
	curl_easy_setopt(p->curl, CURLOPT_URL, url);
	curl_easy_setopt(p->curl, CURLOPT_PROTOCOLS_STR, "sftp");
	curl_easy_setopt(p->curl, CURLOPT_USERNAME, s->conf->user);
	curl_easy_setopt(p->curl, CURLOPT_SSH_AUTH_TYPES, (long)CURLSSH_AUTH_PUBLICKEY);
	curl_easy_setopt(p->curl, CURLOPT_SSH_PRIVATE_KEYFILE, s->conf->key);
	if (p->pubkey)
		curl_easy_setopt(p->curl, CURLOPT_SSH_PUBLIC_KEYFILE, p->pubkey);
	curl_easy_setopt(p->curl, CURLOPT_SSH_KNOWNHOSTS, s->conf->known_hosts);
	curl_easy_setopt(p->curl, CURLOPT_SSH_KEYFUNCTION, sftp_keycheck);
	curl_easy_setopt(p->curl, CURLOPT_SSH_KEYDATA, s);
	curl_easy_setopt(p->curl, CURLOPT_CONNECTTIMEOUT, SFTP_TIMEOUT);
	curl_easy_setopt(p->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(p->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(p->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->curl, CURLOPT_ERRORBUFFER, p->errbuf);
	p->errbuf[0] = '\0';
}

static int sftp_perform(source *s, const char *what)
{
	sftp_priv *p = s->priv;
	CURLcode rc = curl_easy_perform(p->curl);
	if (rc == CURLE_OK)
		return 0;
	if (!p->refused)
		log_warn("sftp %s: %s: %s%s%s", s->conf->name, what, curl_easy_strerror(rc), p->errbuf[0] ? ": " : "",
			 p->errbuf);
	return -1;
}

/* URL of a remote path (escaped); caller frees. */
static char *sftp_url(const sftp_priv *p, const char *dir, const char *name)
{
	buf b;
	buf_init(&b, 0);
	buf_adds(&b, p->base);
	for (const char *q = dir; *q; q++)   /* the configured folder: escape all but '/' */
		if (*q == '/' || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
		    strchr("-._~", *q))
			buf_add(&b, q, 1);
		else
			buf_printf(&b, "%%%02X", (unsigned char)*q);
	if (name) {
		char *e = curl_easy_escape(NULL, name, 0);
		buf_adds(&b, e);
		curl_free(e);
	}
	return buf_steal(&b);
}

static size_t to_buf(char *data, size_t size, size_t n, void *arg)
{
	buf_add(arg, data, size * n);
	return buf_error(arg) == 0 ? size * n : 0;
}

static size_t discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

/* Size and mtime of a remote file; 1 found, 0 not there, -1 error. */
static int sftp_stat(source *s, const char *dir, const char *name, long long *size, long *mtime)
{
	sftp_priv *p = s->priv;
	char *url = sftp_url(p, dir, name);
	curl_off_t sz = -1;
	long ft = -1;
	CURLcode rc;
	sftp_setup(s, url);
	curl_easy_setopt(p->curl, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(p->curl, CURLOPT_FILETIME, 1L);
	rc = curl_easy_perform(p->curl);
	free(url);
	if (rc == CURLE_REMOTE_FILE_NOT_FOUND)
		return 0;
	if (rc != CURLE_OK) {
		if (!p->refused)
			log_warn("sftp %s: stat %s: %s", s->conf->name, name, curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(p->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &sz);
	curl_easy_getinfo(p->curl, CURLINFO_FILETIME, &ft);
	*size = sz;
	*mtime = ft;
	return 1;
}

static int sane_name(const char *n)
{
	size_t len = strlen(n);
	if (len == 0 || len > SFTP_MAX_NAME || n[0] == '.')
		return 0;
	for (const char *q = n; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == '/' || *q == '"' || *q == '\\' || *q == 0x7f)
			return 0;
	return 1;
}

static int uploading(const char *n)
{
	return util_ends_with_nocase(n, ".part") || util_ends_with_nocase(n, ".tmp") ||
	       util_ends_with_nocase(n, ".filepart");
}

/* The signature "size mtime" of name in the previous listing, or NULL. */
static const char *prev_sig(const char *prev, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	for (const char *l = prev; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		if (len > nl && strncmp(l, name, nl) == 0 && l[nl] == '\t') {
			snprintf(out, outlen, "%.*s", (int)(len - nl - 1), l + nl + 1);
			return out;
		}
		l = e ? e + 1 : NULL;
	}
	return NULL;
}

static int sftp_open_priv(source *s)
{
	sftp_priv *p = xcalloc(1, sizeof *p);
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *path = NULL;
	struct stat st;
	buf b;
	int rc = -1;
	s->priv = p;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (p->curl = curl_easy_init()) == NULL || u == NULL)
		goto out;
	if (curl_url_set(u, CURLUPART_URL, s->conf->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) != CURLUE_OK) {
		log_error("sftp %s: cannot parse url %s", s->conf->name, s->conf->url);
		goto out;
	}
	buf_init(&b, 0);
	buf_printf(&b, "sftp://%s:%s", host, port);
	p->base = buf_steal(&b);
	buf_printf(&b, "%s%s", path, path[0] && path[strlen(path) - 1] == '/' ? "" : "/");
	p->dir = buf_steal(&b);
	buf_printf(&b, "%s.pub", s->conf->key);
	p->pubkey = buf_steal(&b);
	if (stat(p->pubkey, &st) != 0) {
		free(p->pubkey);
		p->pubkey = NULL;
	}
	buf_printf(&b, "%s/incoming/sftp-%s", s->scratch, s->conf->name);
	p->spooldir = buf_steal(&b);
	util_rmtree(p->spooldir);   /* downloads left by a crash: fetched again */
	if (util_mkdirs(p->spooldir, 0700) != 0)
		goto out;
	rc = 0;
out:
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

static int sftp_list(source *s, source_item **items, size_t *n)
{
	sftp_priv *p;
	char *url = NULL, *prev = NULL;
	strlist names = {0};
	buf listing, next;
	size_t alloc = 0;
	long now = (long)time(NULL);   /* remote mtimes are real time, not PACKETD_NOW */
	int rc = -1;
	*items = NULL;
	*n = 0;
	buf_init(&listing, SFTP_MAX_LISTING);
	buf_init(&next, SFTP_MAX_LISTING);
	if (sftp_open_priv(s) != 0)
		goto out;
	p = s->priv;
	url = sftp_url(p, p->dir, NULL);
	sftp_setup(s, url);
	curl_easy_setopt(p->curl, CURLOPT_DIRLISTONLY, 1L);
	curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, to_buf);
	curl_easy_setopt(p->curl, CURLOPT_WRITEDATA, &listing);
	if (sftp_perform(s, "listing the drop") != 0)
		goto out;
	strlist_split(&names, listing.data ? listing.data : "", '\n');
	/* without the earlier listing every file waits one more pass to settle */
	if (s->db && store_cursor_get(s->db, s->conf->name, "sftp:listing", &prev) != 0)
		log_warn("sftp %s: the previous listing could not be read: %s", s->conf->name, store_errmsg(s->db));
	for (size_t i = 0; i < names.n && i < SFTP_MAX_FILES; i++) {
		const char *name = util_trim(names.items[i]);
		char sig[64], old[64], part[SFTP_MAX_NAME + 16];
		long long size = 0;
		long mtime = 0;
		int ready;
		if (!sane_name(name))
			continue;
		if (sftp_stat(s, p->dir, name, &size, &mtime) != 1)
			continue;
		snprintf(sig, sizeof sig, "%lld %ld", size, mtime);
		buf_printf(&next, "%s\t%s\n", name, sig);
		if (uploading(name))
			continue;
		ready = prev_sig(prev, name, old, sizeof old) && strcmp(old, sig) == 0;
		for (const char *sfx = ".part"; !ready && sfx; sfx = strcmp(sfx, ".part") == 0 ? ".tmp" : NULL) {
			snprintf(part, sizeof part, "%s%s", name, sfx);   /* renamed from a finished upload */
			ready = prev_sig(prev, part, old, sizeof old) != NULL;
		}
		if (ready && now - mtime < s->conf->settle_seconds)
			ready = 0;
		if (!ready) {
			log_info("sftp %s: %s is new or still changing; next cycle", s->conf->name, name);
			continue;
		}
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 8;
			*items = xrealloc(*items, alloc * sizeof **items);
		}
		(*items)[*n] = (source_item){.ref = xstrdup(name), .name = xstrdup(name), .is_batch = 1};
		(*n)++;
	}
	if (s->db && store_cursor_set(s->db, s->conf->name, "sftp:listing", next.data ? next.data : "") != 0)
		log_warn("sftp %s: cannot keep the listing: %s", s->conf->name, store_errmsg(s->db));
	rc = 0;
out:
	if (rc != 0) {
		source_items_free(*items, *n);
		*items = NULL;
		*n = 0;
	}
	free(url);
	free(prev);
	strlist_free(&names);
	buf_free(&listing);
	buf_free(&next);
	return rc;
}

typedef struct sftp_sink {
	int fd;
	unsigned long long got, cap;
} sftp_sink;

static size_t to_file(char *data, size_t size, size_t n, void *arg)
{
	sftp_sink *k = arg;
	size_t len = size * n, done = 0;
	if (k->got + len > k->cap)
		return 0;   /* larger than listed: it changed under us */
	while (done < len) {
		ssize_t w = write(k->fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 0;
		done += (size_t)w;
	}
	k->got += len;
	return len;
}

static int sftp_fetch(source *s, source_item *it)
{
	sftp_priv *p = s->priv;
	char *url = NULL, *tmp = NULL, *dest = NULL;
	sftp_sink k = {.fd = -1};
	long long size = 0;
	long mtime = 0;
	int rc = -1;
	buf b;
	if (p == NULL || p->refused)
		return -1;
	buf_init(&b, 0);
	buf_printf(&b, "%s/%s.part", p->spooldir, it->name);
	tmp = buf_steal(&b);
	buf_printf(&b, "%s/%s", p->spooldir, it->name);
	dest = buf_steal(&b);
	if (sftp_stat(s, p->dir, it->name, &size, &mtime) != 1)
		goto out;
	if (s->limits && (unsigned long long)size > s->limits->max_total) {
		log_error("sftp %s: %s is %lld bytes, over max_total; left in the drop", s->conf->name, it->name, size);
		goto out;
	}
	k.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (k.fd < 0)
		goto out;
	k.cap = (unsigned long long)size;
	url = sftp_url(p, p->dir, it->name);
	sftp_setup(s, url);
	curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, to_file);
	curl_easy_setopt(p->curl, CURLOPT_WRITEDATA, &k);
	if (sftp_perform(s, it->name) != 0)
		goto out;
	if (k.got != (unsigned long long)size || fsync(k.fd) != 0) {
		log_warn("sftp %s: %s: got %llu of %lld bytes; next cycle", s->conf->name, it->name, k.got, size);
		goto out;
	}
	{
		long long size2 = 0;
		long mtime2 = 0;
		if (sftp_stat(s, p->dir, it->name, &size2, &mtime2) != 1 || size2 != size || mtime2 != mtime) {
			log_info("sftp %s: %s changed while it was read; next cycle", s->conf->name, it->name);
			goto out;
		}
	}
	close(k.fd);
	k.fd = -1;
	if (rename(tmp, dest) != 0)
		goto out;
	free(it->path);
	it->path = dest;
	it->scratch_copy = 1;
	dest = NULL;
	rc = 0;
out:
	if (k.fd >= 0)
		close(k.fd);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	free(dest);
	free(url);
	return rc;
}

/* Runs SFTP quote commands (rename, rm) on the connection. */
static int sftp_quote(source *s, struct curl_slist *cmds, const char *what)
{
	sftp_priv *p = s->priv;
	char *url = sftp_url(p, p->dir, NULL);
	int rc;
	sftp_setup(s, url);
	curl_easy_setopt(p->curl, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(p->curl, CURLOPT_QUOTE, cmds);
	curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, discard);
	rc = sftp_perform(s, what);
	free(url);
	return rc;
}

static struct curl_slist *cmd2(struct curl_slist *l, const char *verb, const char *a, const char *b)
{
	buf c;
	struct curl_slist *r;
	buf_init(&c, 0);
	buf_printf(&c, "%s \"%s\"", verb, a);
	if (b)
		buf_printf(&c, " \"%s\"", b);
	r = curl_slist_append(l, c.data);
	buf_free(&c);
	return r;
}

static char *remote_dir(const char *d)
{
	buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s%s", d, d[0] && d[strlen(d) - 1] == '/' ? "" : "/");
	return buf_steal(&b);
}

/* Whether a remote folder exists: 1 yes, 0 no, -1 error (logged). Its
 * listing is read and dropped; a folder is listed once per cycle. */
static int sftp_dir_exists(source *s, const char *dir)
{
	sftp_priv *p = s->priv;
	char *url = sftp_url(p, dir, NULL);
	CURLcode rc;
	sftp_setup(s, url);
	curl_easy_setopt(p->curl, CURLOPT_DIRLISTONLY, 1L);
	curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(p->curl);
	free(url);
	if (rc == CURLE_OK)
		return 1;
	if (rc == CURLE_REMOTE_FILE_NOT_FOUND)
		return 0;
	if (!p->refused)
		log_warn("sftp %s: listing %s: %s%s%s", s->conf->name, dir, curl_easy_strerror(rc),
			 p->errbuf[0] ? ": " : "", p->errbuf);
	return -1;
}

/* Makes sure the folder dir (ending in '/') exists on the server, creating
 * it and its missing parents as mbsync's Create does: a society that never
 * made processed/ or receipts/ would otherwise see its batch left in the
 * drop and a failed rename logged every cycle. role names the folder's
 * config key in the log. Returns 0, or -1 when it cannot be made (logged
 * once, naming the folder, the source and the server's answer). */
static int sftp_ensure_dir(source *s, const char *dir, const char *role)
{
	sftp_priv *p = s->priv;
	struct curl_slist *cmds = NULL;
	char *path = NULL, *url = NULL;
	size_t len = strlen(dir);
	int rc = -1, there;
	CURLcode cr;

	if (strlist_contains(&p->dirs, dir))
		return 0;
	there = sftp_dir_exists(s, dir);
	if (there < 0)
		return -1;
	if (there == 1) {
		strlist_add(&p->dirs, dir);
		return 0;
	}
	path = xstrndup(dir, len > 1 && dir[len - 1] == '/' ? len - 1 : len);
	/* every parent with '*' (an existing one fails, which is fine), then the
	 * folder itself, whose failure is the answer */
	for (char *q = strchr(path + 1, '/'); q != NULL; q = strchr(q + 1, '/')) {
		*q = '\0';
		cmds = cmd2(cmds, "*mkdir", path, NULL);
		*q = '/';
	}
	cmds = cmd2(cmds, "mkdir", path, NULL);
	url = sftp_url(p, p->dir, NULL);
	sftp_setup(s, url);
	curl_easy_setopt(p->curl, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(p->curl, CURLOPT_QUOTE, cmds);
	curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, discard);
	cr = curl_easy_perform(p->curl);
	if (cr == CURLE_OK) {
		log_info("sftp %s: created the %s folder %s", s->conf->name, role, dir);
		strlist_add(&p->dirs, dir);
		rc = 0;
	} else if (!p->refused) {
		log_error("sftp %s: the %s folder %s is missing and the server refused to create it: %s%s%s",
			  s->conf->name, role, dir, curl_easy_strerror(cr), p->errbuf[0] ? ": " : "", p->errbuf);
	}
	curl_slist_free_all(cmds);
	free(path);
	free(url);
	return rc;
}

static int sftp_done(source *s, const source_item *it, int rejected)
{
	sftp_priv *p = s->priv;
	int to_rejected = rejected && s->conf->rejected;
	const char *target = to_rejected ? s->conf->rejected : s->conf->processed;
	char *src = NULL, *dst = NULL, *tdir = NULL;
	long long size;
	long mtime;
	int rc = -1, there;
	buf b;
	if (it->path)
		unlink(it->path);
	if (target == NULL) {
		log_warn("sftp %s: no processed folder configured; %s stays", s->conf->name, it->name);
		return 0;
	}
	if (p == NULL || p->refused)
		return -1;
	tdir = remote_dir(target);
	if (sftp_ensure_dir(s, tdir, to_rejected ? "rejected" : "processed") != 0) {
		free(tdir);
		return -1;
	}
	buf_init(&b, 0);
	buf_printf(&b, "%s%s", p->dir, it->name);
	src = buf_steal(&b);
	fault_point("sftp-rename");
	/* Own name first; a server that will not overwrite gets a unique one. */
	for (int attempt = 0; attempt < 3 && rc != 0; attempt++) {
		struct curl_slist *cmds;
		free(dst);
		if (attempt == 0)
			buf_printf(&b, "%s%s", tdir, it->name);
		else
			buf_printf(&b, "%s%s.%ld-%d", tdir, it->name, (long)time(NULL), (int)getpid() + attempt);
		dst = buf_steal(&b);
		cmds = cmd2(NULL, "rename", src, dst);
		if (sftp_quote(s, cmds, "moving the batch") == 0)
			rc = 0;
		curl_slist_free_all(cmds);
		if (rc != 0 && (there = sftp_stat(s, p->dir, it->name, &size, &mtime)) != 1) {
			if (there == 0)   /* gone: an earlier, interrupted run moved it */
				rc = 0;
			break;
		}
	}
	if (rc == 0)
		log_info("sftp %s: %s moved to %s", s->conf->name, it->name, dst);
	free(src);
	free(dst);
	free(tdir);
	return rc;
}

typedef struct sftp_source_buf {
	const char *data;
	size_t len, off;
} sftp_source_buf;

static size_t from_buf(char *out, size_t size, size_t n, void *arg)
{
	sftp_source_buf *r = arg;
	size_t room = size * n, left = r->len - r->off, k = left < room ? left : room;
	memcpy(out, r->data + r->off, k);
	r->off += k;
	return k;
}

/* Uploads under ".NAME.tmp", then replaces NAME by a rename, so a reader
 * never sees half a receipt. */
static int sftp_put_receipt(source *s, const char *name, const void *data, size_t len)
{
	sftp_priv *p = s->priv;
	sftp_source_buf r = {.data = data, .len = len, .off = 0};
	char *dir = NULL, *url = NULL, *tmpname = NULL, *tmp = NULL, *dst = NULL;
	struct curl_slist *post = NULL;
	int rc = -1;
	buf b;
	if (s->conf->receipts == NULL)
		return 0;
	if (p == NULL || p->refused || !sane_name(name))
		return -1;
	dir = remote_dir(s->conf->receipts);
	if (sftp_ensure_dir(s, dir, "receipts") != 0)
		goto out;
	buf_init(&b, 0);
	buf_printf(&b, ".%s.tmp", name);
	tmpname = buf_steal(&b);
	buf_printf(&b, "%s%s", dir, tmpname);
	tmp = buf_steal(&b);
	buf_printf(&b, "%s%s", dir, name);
	dst = buf_steal(&b);
	url = sftp_url(p, dir, tmpname);
	post = cmd2(NULL, "*rm", dst, NULL);   /* '*': a missing old receipt is fine */
	post = cmd2(post, "rename", tmp, dst);
	sftp_setup(s, url);
	curl_easy_setopt(p->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(p->curl, CURLOPT_READFUNCTION, from_buf);
	curl_easy_setopt(p->curl, CURLOPT_READDATA, &r);
	curl_easy_setopt(p->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(p->curl, CURLOPT_POSTQUOTE, post);
	if (sftp_perform(s, "writing the receipt") == 0) {
		rc = 0;
		log_info("sftp %s: receipt %s written", s->conf->name, dst);
	}
out:
	curl_slist_free_all(post);
	free(dir);
	free(url);
	free(tmpname);
	free(tmp);
	free(dst);
	return rc;
}

static void sftp_close(source *s)
{
	sftp_priv *p = s->priv;
	if (p == NULL)
		return;
	if (p->curl)
		curl_easy_cleanup(p->curl);
	if (p->spooldir) {
		util_rmtree(p->spooldir);
		free(p->spooldir);
	}
	free(p->base);
	free(p->dir);
	free(p->pubkey);
	strlist_free(&p->dirs);
	free(p);
	s->priv = NULL;
	curl_global_cleanup();
}

const source_ops source_sftp_ops = {
	.kind = "sftp",
	.list = sftp_list,
	.fetch = sftp_fetch,
	.done = sftp_done,
	.put_receipt = sftp_put_receipt,
	.close = sftp_close,
};
