/* source_imap.c — applicants' mail from an IMAP folder (RFC 3501), through
 * libetpan for the protocol and tls_stream.c for TLS (STARTTLS RFC 2595 on
 * imap://, implicit TLS on imaps://; the certificate and host name are
 * always verified).
 *
 * One session per cycle: connect, log in, SELECT the folder, list every
 * message by UID (UID SEARCH). Round trips, not bytes, are what a cycle
 * waits on, so messages are fetched whole, several per UID FETCH, up to
 * IMAP_WHOLE bytes each and about IMAP_BATCH bytes a command; each answer
 * carries the sizes (RFC822.SIZE) with the bytes. The sizes are not asked
 * beforehand: a server that does not keep them reads every message to
 * count them (Dovecot: 0.2 ms a message, all before the first byte), and
 * the batch's bound uses the sizes learnt so far. A message over
 * IMAP_WHOLE continues from there in partial chunks
 * (BODY.PEEK[]<offset.size>); one over max_message is then taken by its
 * header alone.
 * A batch's messages are held in memory until their items take them (two
 * batches at most: about 2 * IMAP_BATCH bytes); the chunks of a bigger one
 * stream into the spool as they arrive (source_imap_sink.c), so memory
 * never grows with message size. The next
 * batch is asked for as soon as a message is handed to the pipeline, and
 * its answer read when a message of it is wanted (before any other
 * command): the server sends while the cycle works, instead of the cycle
 * waiting for each answer.
 * After the pipeline has committed a message it joins its folder's group;
 * each group is moved with one command per IMAP_MOVE_GROUP messages (and
 * at the end of the cycle): UID MOVE (RFC 6851) where offered, else UID
 * COPY + \Deleted + UID EXPUNGE (RFC 4315). Folders are created when
 * missing. A crash before a group's move leaves committed messages in the
 * folder: the next cycle recognises them and only moves them.
 *
 * Nothing is processed twice: the store knows every message by Message-ID
 * (or SHA-256), so a message seen again — left in the folder by a crash
 * between commit and move, copied back, or renumbered by a UIDVALIDITY
 * change — is recognised and only moved. UIDVALIDITY and the highest UID
 * handled are kept as cursors per source and folder, to tell a new
 * numbering from new mail in the logs. A dropped connection fails the rest
 * of the cycle's items, which the next cycle takes again. The session is
 * opened by source_imap_session.c; between cycles source_imap_idle.c
 * waits for new mail with IDLE. */
#include "source_imap_p.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define IMAP_CHUNK (8 * 1024 * 1024) /* bytes per partial FETCH of a big message (they stream to a file) */
#define IMAP_HEADER_MAX (256 * 1024) /* bytes of a too-large message's header taken (held in memory) */
#define IMAP_MAX_ITEMS 500       /* messages taken per cycle; the rest next cycle */
#define IMAP_WHOLE (2 * 1024 * 1024) /* messages up to this size are fetched whole */
#define IMAP_BATCH (1024 * 1024) /* bytes asked in one UID FETCH of whole messages */
#define IMAP_BATCH_MSGS 64       /* messages asked in one UID FETCH */
#define IMAP_MOVE_GROUP 64       /* messages moved by one command */

static void imap_cursor_names(const imap_priv *p, char uv[300], char lu[300])
{
	snprintf(uv, 300, "imap:%s:uidvalidity", p->folder);
	snprintf(lu, 300, "imap:%s:last_uid", p->folder);
}

static void imap_load_cursor(source *s, imap_priv *p)
{
	char uv[300], lu[300], *v = NULL, *w = NULL;
	imap_cursor_names(p, uv, lu);
	p->last_uid = 0;
	if (s->db == NULL || store_cursor_get(s->db, s->conf->name, uv, &v) != 0 || v == NULL)
		goto out;
	if (strtoul(v, NULL, 10) != p->uidvalidity) {
		/* The server renumbered the folder: UIDs mean nothing any more. The
		 * store still knows every message by Message-ID, so rescanning the
		 * folder processes nothing twice. */
		log_warn("imap %s: UIDVALIDITY of %s changed from %s to %" PRIu32 "; rescanning it", s->conf->name,
			 p->folder, v, p->uidvalidity);
		goto out;
	}
	if (store_cursor_get(s->db, s->conf->name, lu, &w) == 0 && w)
		p->last_uid = (uint32_t)strtoul(w, NULL, 10);
out:
	free(v);
	free(w);
}

static void imap_save_cursor(source *s, const imap_priv *p)
{
	char uv[300], lu[300], a[16], b[16];
	if (s->db == NULL)
		return;
	imap_cursor_names(p, uv, lu);
	snprintf(a, sizeof a, "%" PRIu32, p->uidvalidity);
	snprintf(b, sizeof b, "%" PRIu32, p->last_uid);
	if (store_cursor_set(s->db, s->conf->name, uv, a) != 0 || store_cursor_set(s->db, s->conf->name, lu, b) != 0)
		log_warn("imap %s: cannot save the folder's cursor: %s", s->conf->name, store_errmsg(s->db));
}


/* A UID set of uids[0..n) (ascending), runs written as ranges. */
static struct mailimap_set *imap_uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		mailimap_set_add_interval(set, uids[i], uids[j]);
		i = j + 1;
	}
	return set;
}

static long imap_index(const imap_priv *p, uint32_t uid)
{
	size_t lo = 0, hi = p->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->uids[mid] == uid)
			return (long)mid;
		if (p->uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The UID and the static attributes of one FETCH answer; *sec is the body
 * section (its bytes went to an imap_sink). */
static void imap_att_read(struct mailimap_msg_att *att, uint32_t *uid, uint32_t *size, const void **sec)
{
	for (clistiter *i = clist_begin(att->att_list); i; i = clist_next(i)) {
		struct mailimap_msg_att_item *item = clist_content(i);
		struct mailimap_msg_att_static *st;
		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		if (st->att_type == MAILIMAP_MSG_ATT_UID)
			*uid = st->att_data.att_uid;
		else if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE && size)
			*size = st->att_data.att_rfc822_size;
		else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION && sec)
			*sec = st->att_data.att_body_section;
	}
}

static int uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int imap_list(source *s, source_item **items, size_t *n)
{
	imap_priv *p = xcalloc(1, sizeof *p);
	struct mailimap_search_key *key = NULL;
	clist *res = NULL;
	uint32_t *uids = NULL;
	size_t nu = 0, fresh = 0;
	int r, rc = -1;
	*items = NULL;
	*n = 0;
	s->priv = p;
	p->dir = util_path_join(s->scratch, "incoming");
	{
		char *d = p->dir;
		buf b;
		buf_init(&b, 0);
		buf_printf(&b, "%s/imap-%s", d, s->conf->name);
		p->dir = buf_steal(&b);
		free(d);
	}
	util_rmtree(p->dir);   /* copies left by a crash: fetched again */
	if (util_mkdirs(p->dir, 0700) != 0 || imap_parse_url(s, p) != 0 || imap_session(s, p) != 0)
		goto out;
	imap_load_cursor(s, p);
	key = mailimap_search_key_new_all();
	r = mailimap_uid_search(p->imap, NULL, key, &res);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, "UID SEARCH", r);
		goto out;
	}
	uids = xcalloc(clist_count(res) + 1, sizeof *uids);
	for (clistiter *it = clist_begin(res); it; it = clist_next(it))
		uids[nu++] = *(uint32_t *)clist_content(it);
	qsort(uids, nu, sizeof *uids, uid_cmp);
	if (nu > IMAP_MAX_ITEMS) {
		log_info("imap %s: %zu messages; taking %d this cycle", s->conf->name, nu, IMAP_MAX_ITEMS);
		nu = IMAP_MAX_ITEMS;
	}
	*items = xcalloc(nu + 1, sizeof **items);
	for (size_t i = 0; i < nu; i++) {
		buf ref, name;
		buf_init(&ref, 0);
		buf_init(&name, 0);
		buf_printf(&ref, "%" PRIu32 ":%" PRIu32, p->uidvalidity, uids[i]);
		buf_printf(&name, "%s UID %" PRIu32, p->folder, uids[i]);
		(*items)[i] = (source_item){.ref = buf_steal(&ref), .name = buf_steal(&name)};
		fresh += uids[i] > p->last_uid;
	}
	*n = nu;
	if (nu)
		log_info("imap %s: %zu messages in %s (%zu new, %zu seen before and not yet moved)", s->conf->name, nu,
			 p->folder, fresh, nu - fresh);
	imap_save_cursor(s, p);
	p->n = nu;
	p->uids = uids;
	uids = NULL;
	p->sizes = xcalloc(nu + 1, sizeof *p->sizes);
	p->ready = xcalloc(nu + 1, 1);
	p->held = xcalloc(nu + 1, sizeof *p->held);
	p->held_len = xcalloc(nu + 1, sizeof *p->held_len);
	p->have = xcalloc(nu + 1, sizeof *p->have);
	rc = 0;
out:
	if (key)
		mailimap_search_key_free(key);
	if (res)
		mailimap_search_result_free(res);
	free(uids);
	return rc;
}

static uint32_t ref_uid(const char *ref)
{
	const char *c = strchr(ref, ':');
	return c ? (uint32_t)strtoul(c + 1, NULL, 10) : 0;
}

/* One FETCH of uid's body bytes [off, off+IMAP_CHUNK) appended to fd;
 * *got receives their count, *size the RFC822.SIZE when asked. */
static int imap_fetch_chunk(source *s, uint32_t uid, size_t off, int fd, size_t *got, uint32_t *size)
{
	imap_priv *p = s->priv;
	struct mailimap_set *set = mailimap_set_new_single(uid);
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	struct mailimap_section *sec = mailimap_section_new(NULL);
	clist *res = NULL;
	imap_sink k;
	int r, rc = -1;
	*got = 0;
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_body_peek_section_partial(
							   sec, (uint32_t)off, IMAP_CHUNK));
	if (size)
		mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_rfc822_size());
	imap_sink_start(&k, p, fd, 1, IMAP_CHUNK);
	r = mailimap_uid_fetch(p->imap, set, ft, &res);
	imap_sink_stop(&k);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, "UID FETCH", r);
		goto out;
	}
	if (k.failed || (k.nb && k.bodies[0].failed))
		goto out;   /* not written, or more than asked: not a server to trust */
	for (clistiter *m = clist_begin(res); m && size; m = clist_next(m)) {
		uint32_t u = 0;
		imap_att_read(clist_content(m), &u, size, NULL);
	}
	*got = k.nb ? k.bodies[0].len : 0;
	rc = 0;
out:
	imap_sink_free(&k);
	if (res)
		mailimap_fetch_list_free(res);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	return rc;
}

static char *imap_spool_path(const imap_priv *p, uint32_t uid, const char *ext)
{
	char name[64];
	snprintf(name, sizeof name, "%" PRIu32 ".%s", uid, ext);
	return util_path_join(p->dir, name);
}

/* Whether message i may come in a batch: not fetched already, nor begun,
 * and its size unknown or up to IMAP_WHOLE and max_message. */
static int imap_batchable(const source *s, const imap_priv *p, size_t i)
{
	return !p->ready[i] && p->have[i] == 0 &&
	       (p->sizes[i] == 0 || (p->sizes[i] <= IMAP_WHOLE && !(s->limits && p->sizes[i] > s->limits->max_message)));
}

/* The most bytes of one message a batch asks for. */
static uint64_t imap_whole_cap(const source *s)
{
	return s->limits && s->limits->max_message < IMAP_WHOLE ? s->limits->max_message + 1 : IMAP_WHOLE;
}

/* Message i's size for a batch's bound: known, or the mean of those seen
 * (a quarter of the batch before any). */
static uint64_t imap_size_guess(const imap_priv *p, size_t i)
{
	if (p->sizes[i] > 0)
		return p->sizes[i];
	return p->seen ? p->seen_bytes / p->seen : IMAP_BATCH / 4;
}

/* Whether message i is over max_message, by the size its server gave. */
static int imap_oversize(const source *s, const imap_priv *p, size_t i)
{
	return s->limits && p->sizes[i] > s->limits->max_message;
}

/* Sends, without waiting for its answer, one UID FETCH of the messages
 * from index k on (up to the first that may not come in a batch, or the
 * batch's budget) whole. The answer is read by imap_batch_read, before
 * any other command: the server fills the socket with it meanwhile, so
 * the cycle does not wait for it while it handles the messages before.
 * 0, or -1 when it could not be sent. */
static int imap_batch_send(source *s, imap_priv *p, size_t k)
{
	size_t end = k, bytes = 0;
	buf cmd;
	int r, rc = -1;
	while (end < p->n && end - k < IMAP_BATCH_MSGS && imap_batchable(s, p, end) &&
	       (end == k || bytes + imap_size_guess(p, end) <= IMAP_BATCH))
		bytes += imap_size_guess(p, end++);
	buf_init(&cmd, 0);
	buf_adds(&cmd, "UID FETCH ");
	for (size_t i = k; i < end;) {
		size_t j = i;
		while (j + 1 < end && p->uids[j + 1] == p->uids[j] + 1)
			j++;
		buf_printf(&cmd, i > k ? ",%" PRIu32 : "%" PRIu32, p->uids[i]);
		if (j > i)
			buf_printf(&cmd, ":%" PRIu32, p->uids[j]);
		i = j + 1;
	}
	/* Partial, so that no answer is larger than asked whatever the server
	 * says the size is; the size tells a whole message from a cut one.
	 * Never more than max_message + 1 bytes: one over it is taken by its
	 * header (imap_fetch). */
	buf_printf(&cmd, " (UID RFC822.SIZE BODY.PEEK[]<0.%llu>)\r\n", (unsigned long long)imap_whole_cap(s));
	if (p->imap->imap_state != MAILIMAP_STATE_SELECTED) {
		imap_fail(s, "UID FETCH", MAILIMAP_ERROR_BAD_STATE);
		goto out;
	}
	r = mailimap_send_current_tag(p->imap);
	if (r == MAILIMAP_NO_ERROR && (mailstream_write(p->imap->imap_stream, cmd.data, cmd.len) != (ssize_t)cmd.len ||
				       mailstream_flush(p->imap->imap_stream) != 0))
		r = MAILIMAP_ERROR_STREAM;
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, "UID FETCH", r);
		goto out;
	}
	p->batch = (imap_batch){.sent = 1, .k = k, .end = end, .bytes = bytes};
	rc = 0;
out:
	buf_free(&cmd);
	return rc;
}

/* Writes the first bytes of a big message where the chunked path goes on
 * from. 0, or -1 (nothing left there). */
static int imap_write_part(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), rc = -1;
	if (fd >= 0 && util_write_all(fd, data, len) == 0)
		rc = 0;
	if (fd >= 0 && close(fd) != 0)
		rc = -1;
	if (rc != 0)
		unlink(path);
	return rc;
}

/* Reads the answer of the batch in flight, if any: its bodies come into
 * buffers (imap_sink) and each whole one is held, ready, until its fetch
 * hands it to the item; the first IMAP_WHOLE bytes of a bigger one become
 * <uid>.part, which the chunked path continues. Any other answer is left to
 * the chunked path. A crash loses what was held, and the messages are
 * fetched again. 0, or -1 when the command failed. */
static int imap_batch_read(source *s, imap_priv *p)
{
	imap_batch b = p->batch;
	struct mailimap_response *resp = NULL;
	clist *res = NULL;
	imap_sink sk;
	size_t got = 0;
	int r;
	if (!b.sent)
		return 0;
	p->batch.sent = 0;
	imap_sink_start(&sk, p, -1, b.end - b.k, IMAP_WHOLE);
	r = mailimap_read_line(p->imap) == NULL ? MAILIMAP_ERROR_STREAM : mailimap_parse_response(p->imap, &resp);
	imap_sink_stop(&sk);
	if (r == MAILIMAP_NO_ERROR) {
		res = p->imap->imap_response_info->rsp_fetch_list;
		p->imap->imap_response_info->rsp_fetch_list = NULL;
		if (clist_count(res) == 0 &&
		    resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type != MAILIMAP_RESP_COND_STATE_OK)
			r = MAILIMAP_ERROR_UID_FETCH;
	}
	if (resp)
		mailimap_response_free(resp);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, "UID FETCH", r);
		if (res)
			mailimap_fetch_list_free(res);
		imap_sink_free(&sk);
		return -1;
	}
	for (clistiter *m = clist_begin(res); m; m = clist_next(m)) {
		uint32_t uid = 0, size = 0;
		const void *sec = NULL;
		long i, j;
		int whole, begun;
		char *dest;
		imap_att_read(clist_content(m), &uid, &size, &sec);
		i = imap_index(p, uid);
		j = sec ? imap_sink_find(&sk, sec) : -1;
		if (i < (long)b.k || i >= (long)b.end || size == 0 || p->ready[i] || p->have[i])
			continue;
		if (p->sizes[i] == 0) {
			p->seen_bytes += size;
			p->seen++;
		}
		p->sizes[i] = size;
		if (j < 0 || sk.bodies[j].failed)
			continue;
		whole = sk.bodies[j].len == size;
		begun = size > IMAP_WHOLE && sk.bodies[j].len == IMAP_WHOLE && !imap_oversize(s, p, (size_t)i);
		if (!whole && !begun)
			continue;
		if (whole) {
			p->held_len[i] = sk.bodies[j].mem.len;
			p->held[i] = buf_steal(&sk.bodies[j].mem);
			p->ready[i] = 1;
			got++;
			continue;
		}
		/* the start of a big one: the chunked path goes on from its file */
		dest = imap_spool_path(p, uid, "part");
		if (imap_write_part(dest, sk.bodies[j].mem.data, sk.bodies[j].mem.len) == 0) {
			p->have[i] = IMAP_WHOLE;
			got++;
		}
		free(dest);
	}
	imap_sink_free(&sk);
	mailimap_fetch_list_free(res);
	log_debug("imap %s: %zu messages (%zu bytes) fetched in one command", s->conf->name, got, b.bytes);
	return 0;
}

/* Streams a big message into the spool: tmp name, chunk by chunk, size
 * checked, rename. At most max_message + 1 bytes are taken, so an
 * oversized message costs bounded disk and the pipeline rejects it.
 * have > 0: a batch left the first have bytes in <uid>.part and said the
 * size (known); the chunks go on from there. */
static int imap_fetch_chunked(source *s, uint32_t uid, size_t have, uint32_t known, char **path)
{
	imap_priv *p = s->priv;
	uint32_t size = have ? known : 0;
	uint64_t cap = s->limits ? s->limits->max_message : UINT64_MAX;
	size_t off = 0, got = 0;
	char *tmp = imap_spool_path(p, uid, "part"), *dest = imap_spool_path(p, uid, "eml");
	int fd = -1, rc = -1;
	struct stat st;
	fd = open(tmp, have ? O_WRONLY | O_APPEND | O_CLOEXEC : O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	if (have) {
		/* the batch's start must be there whole, else all is fetched again */
		if (fstat(fd, &st) == 0 && (uint64_t)st.st_size == have)
			off = have;
		else if (ftruncate(fd, 0) != 0)
			goto out;
		else
			size = 0;
	}
	do {
		if (imap_fetch_chunk(s, uid, off, fd, &got, size == 0 ? &size : NULL) != 0)
			goto out;
		off += got;
	} while (got == IMAP_CHUNK && off < size && off <= cap);
	if (off < size && off <= cap) {
		log_warn("imap %s: UID %" PRIu32 ": %zu of %" PRIu32 " bytes; next cycle", s->conf->name, uid, off, size);
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, dest) != 0)
		goto out;
	*path = dest;
	dest = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	free(dest);
	return rc;
}

/* Replaces what fd holds by uid's header (BODY.PEEK[HEADER], at most
 * IMAP_HEADER_MAX bytes of it): all that is read of a message too large to
 * take, so that its sender can be told. */
static int imap_fetch_header(source *s, uint32_t uid, int fd)
{
	imap_priv *p = s->priv;
	struct mailimap_set *set = mailimap_set_new_single(uid);
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	struct mailimap_section *sec = mailimap_section_new_header();
	clist *res = NULL;
	int r, rc = -1;
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
		goto out;
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_body_peek_section_partial(sec, 0,
												      IMAP_HEADER_MAX));
	r = mailimap_uid_fetch(p->imap, set, ft, &res);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, "UID FETCH (header)", r);
		goto out;
	}
	for (clistiter *m = clist_begin(res); m; m = clist_next(m)) {
		struct mailimap_msg_att *att = clist_content(m);
		for (clistiter *i = clist_begin(att->att_list); i; i = clist_next(i)) {
			struct mailimap_msg_att_item *item = clist_content(i);
			struct mailimap_msg_att_static *st;
			if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
				continue;
			st = item->att_data.att_static;
			if (st->att_type != MAILIMAP_MSG_ATT_BODY_SECTION || !st->att_data.att_body_section->sec_body_part)
				continue;
			if (st->att_data.att_body_section->sec_length > IMAP_HEADER_MAX)
				goto out;   /* more than asked: not a server to trust */
			if (util_write_all(fd, st->att_data.att_body_section->sec_body_part,
					   st->att_data.att_body_section->sec_length) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	if (res)
		mailimap_fetch_list_free(res);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	return rc;
}

static int imap_fetch(source *s, source_item *it)
{
	imap_priv *p = s->priv;
	uint32_t uid = ref_uid(it->ref);
	char *path = NULL;
	long k;
	if (p == NULL || p->imap == NULL || p->broken)
		return -1;
	k = imap_index(p, uid);
	/* the batch in flight first: it may hold this message, and no other
	 * command may be sent before its answer is read */
	if ((k < 0 || !p->ready[k]) && imap_batch_read(s, p) != 0 && p->broken)
		return -1;
	/* not asked for yet: its batch now, which tells its size */
	if (k >= 0 && imap_batchable(s, p, (size_t)k) &&
	    (imap_batch_send(s, p, (size_t)k) != 0 || imap_batch_read(s, p) != 0))
		return -1;
	if (k >= 0 && imap_oversize(s, p, (size_t)k)) {
		/* Too large to take: its header alone, so that its sender can be
		 * told (what a batch took of it goes). */
		int fd;
		if (p->have[k]) {
			char *part = imap_spool_path(p, uid, "part");
			unlink(part);
			free(part);
			p->have[k] = 0;
		}
		p->ready[k] = 0;
		free(p->held[k]);
		p->held[k] = NULL;
		path = imap_spool_path(p, uid, "eml");
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || imap_fetch_header(s, uid, fd) != 0 || close(fd) != 0) {
			if (fd >= 0)
				close(fd);
			unlink(path);
			free(path);
			return -1;
		}
		it->size = p->sizes[k];
		it->header_only = 1;
		log_info("imap %s: UID %" PRIu32 " is %llu bytes, over max_message (%llu): header only", s->conf->name,
			 uid, (unsigned long long)p->sizes[k], (unsigned long long)s->limits->max_message);
		free(it->path);
		it->path = path;
		it->scratch_copy = 1;
		return 0;
	}
	free(it->path);
	it->path = NULL;
	free(it->data);
	it->data = NULL;
	if (k >= 0 && p->ready[k]) {
		p->ready[k] = 0;   /* the item owns the bytes now */
		it->data = p->held[k];
		it->len = p->held_len[k];
		p->held[k] = NULL;
	} else {
		size_t have = k >= 0 ? p->have[k] : 0;
		if (k >= 0)
			p->have[k] = 0;   /* taken now, or fetched again from the start */
		if (imap_fetch_chunked(s, uid, have, k >= 0 ? p->sizes[k] : 0, &path) != 0)
			return -1;
		it->path = path;
		it->scratch_copy = 1;
	}
	/* The next messages are asked for now, to arrive while this one is
	 * handled. A failure to send is the next fetch's to see. */
	if (!p->batch.sent && !p->broken) {
		size_t next = k >= 0 ? (size_t)k + 1 : p->n;
		while (next < p->n && p->ready[next])
			next++;
		if (next < p->n && imap_batchable(s, p, next))
			(void)imap_batch_send(s, p, next);
	}
	return 0;
}

/* Creates folder unless it exists (LIST first: some servers answer CREATE
 * of an existing folder with NO, others with OK). */
static int imap_ensure_folder(source *s, const char *folder)
{
	imap_priv *p = s->priv;
	clist *res = NULL;
	int r, rc = -1;
	if (strlist_contains(&p->made, folder))
		return 0;
	r = mailimap_list(p->imap, "", folder, &res);
	if (r != MAILIMAP_NO_ERROR) {
		imap_fail(s, "LIST", r);
		return -1;
	}
	if (clist_count(res) == 0) {
		r = mailimap_create(p->imap, folder);
		if (r != MAILIMAP_NO_ERROR) {
			imap_fail(s, "CREATE", r);
			goto out;
		}
		log_info("imap %s: created folder %s", s->conf->name, folder);
	}
	strlist_add(&p->made, folder);
	rc = 0;
out:
	mailimap_list_result_free(res);
	return rc;
}

/* Moves a group of committed messages out of the folder in one command.
 * Idempotent: UIDs already gone match nothing and the server answers OK. */
static int imap_move_group(source *s, int rejected)
{
	imap_priv *p = s->priv;
	imap_group *g = &p->moves[rejected];
	const char *target = rejected ? s->conf->rejected : s->conf->processed;
	struct mailimap_set *set = NULL;
	uint32_t top;
	int r, rc = -1;
	if (g->n == 0)
		return 0;
	if (p->imap == NULL || p->broken)
		goto out;
	/* a batch in flight is answered first; failed, it only leaves its
	 * messages to be fetched again */
	if (imap_batch_read(s, p) != 0 && p->broken)
		goto out;
	if (imap_ensure_folder(s, target) != 0)
		goto out;
	fault_point("imap-move");
	qsort(g->uids, g->n, sizeof *g->uids, uid_cmp);
	top = g->uids[g->n - 1];
	set = imap_uid_set(g->uids, g->n);
	if (p->has_move) {
		r = mailimap_uid_move(p->imap, set, target);
		if (r != MAILIMAP_NO_ERROR) {
			imap_fail(s, "UID MOVE", r);
			goto out;
		}
	} else {
		struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
		struct mailimap_store_att_flags *sf;
		mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
		sf = mailimap_store_att_flags_new_add_flags_silent(fl);
		r = mailimap_uid_copy(p->imap, set, target);
		if (r == MAILIMAP_NO_ERROR)
			r = mailimap_uid_store(p->imap, set, sf);
		mailimap_store_att_flags_free(sf);
		if (r == MAILIMAP_NO_ERROR)
			/* Without UIDPLUS, EXPUNGE would also remove messages others
			 * marked \Deleted: then the flag stays and the message is
			 * recognised (and skipped) next cycle. */
			r = p->has_uidplus ? mailimap_uid_expunge(p->imap, set) : MAILIMAP_NO_ERROR;
		if (r != MAILIMAP_NO_ERROR) {
			imap_fail(s, "UID COPY/STORE/EXPUNGE", r);
			goto out;
		}
	}
	if (top > p->last_uid) {
		p->last_uid = top;
		imap_save_cursor(s, p);
	}
	if (g->n == 1)
		log_info("imap %s: UID %" PRIu32 " moved to %s", s->conf->name, top, target);
	else
		log_info("imap %s: %zu messages (UIDs %" PRIu32 " to %" PRIu32 ") moved to %s", s->conf->name, g->n,
			 g->uids[0], top, target);
	rc = 0;
out:
	if (rc != 0)
		log_warn("imap %s: %zu processed messages not moved; they will be recognised next cycle",
			 s->conf->name, g->n);
	g->n = 0;
	if (set)
		mailimap_set_free(set);
	return rc;
}

/* The message joins its folder's group, moved once the group is full or
 * the cycle ends (imap_close). */
static int imap_done(source *s, const source_item *it, int rejected)
{
	imap_priv *p = s->priv;
	uint32_t uid = ref_uid(it->ref);
	imap_group *g;
	int which = rejected && s->conf->rejected ? 1 : 0;
	if (it->path)
		unlink(it->path);   /* the spooled copy has served, unless released already */
	if (s->conf->processed == NULL && which == 0)
		return 0;    /* no folder configured: left in place, the store remembers it */
	if (p == NULL || p->imap == NULL || p->broken || uid == 0)
		return -1;
	g = &p->moves[which];
	if (g->uids == NULL)
		g->uids = xcalloc(IMAP_MOVE_GROUP, sizeof *g->uids);
	g->uids[g->n++] = uid;
	return g->n < IMAP_MOVE_GROUP ? 0 : imap_move_group(s, which);
}

static void imap_close(source *s)
{
	imap_priv *p = s->priv;
	if (p == NULL)
		return;
	if (p->imap && !p->broken)
		(void)imap_batch_read(s, p);   /* the stream in step before the moves and LOGOUT */
	imap_move_group(s, 0);
	imap_move_group(s, 1);
	if (p->imap) {
		if (!p->broken && p->imap->imap_state != MAILIMAP_STATE_DISCONNECTED)
			mailimap_logout(p->imap);
		mailimap_free(p->imap);
	}
	if (p->dir) {
		util_rmtree(p->dir);
		free(p->dir);
	}
	strlist_free(&p->made);
	free(p->moves[0].uids);
	free(p->moves[1].uids);
	free(p->uids);
	free(p->sizes);
	for (size_t i = 0; p->held && i < p->n; i++)
		free(p->held[i]);   /* fetched ahead, not taken */
	free(p->held);
	free(p->held_len);
	free(p->ready);
	free(p->have);
	free(p->sink_buf);
	free(p->host);
	free(p->folder);
	free(p);
	s->priv = NULL;
}

const source_ops source_imap_ops = {
	.kind = "imap",
	.list = imap_list,
	.fetch = imap_fetch,
	.done = imap_done,
	.put_receipt = NULL,
	.close = imap_close,
	.watch_arm = imap_watch_arm,
	.watch_wake = imap_watch_wake,
	.watch_close = imap_watch_close,
};
