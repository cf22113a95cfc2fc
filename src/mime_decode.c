/* mime_decode.c — the bytes of a message's parts, read through its mapping
 * a window at a time: boundary search and base64 / quoted-printable
 * decoding into files, the pages behind dropped as the walk goes
 * (fmap.h). */
#include "mime_p.h"
#include "util.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIME_SINK_SIZE 65536

/* Decoded bytes on their way to the attachment's file, in small batches. */
typedef struct mime_sink {
	int fd;
	int failed;
	util_sha256 sha;   /* of the bytes written, when asked for */
	uint64_t written;
	uint64_t had;   /* the work file's size before (util_open_rewrite) */
	size_t n;
	char buf[MIME_SINK_SIZE];
} mime_sink;

static void mime_sink_flush(mime_sink *s)
{
	util_sha256_add(&s->sha, s->buf, s->n);
	if (!s->failed && s->n > 0 && util_write_all(s->fd, s->buf, s->n) != 0)
		s->failed = 1;
	s->written += s->n;
	s->n = 0;
}

static void mime_sink_put(mime_sink *s, char c)
{
	s->buf[s->n++] = c;
	if (s->n == sizeof s->buf)
		mime_sink_flush(s);
}

static void mime_sink_write(mime_sink *s, const char *p, size_t len)
{
	while (len > 0) {
		size_t room = sizeof s->buf - s->n, k = len < room ? len : room;
		memcpy(s->buf + s->n, p, k);
		s->n += k;
		p += k;
		len -= k;
		if (s->n == sizeof s->buf)
			mime_sink_flush(s);
	}
}

/* The alphabet's values, each shifted to its place in a quad's 24 bits,
 * so that a quad is four lookups ORed together; any other character sets
 * B64_BAD, which no shift of a 6-bit value reaches. Built by the
 * preprocessor: the tables are constants, not state. */
#define B64_BAD 0x01000000u
#define B64S(c, sh) (UTIL_B64_VALUE(c) < 0 ? B64_BAD : (uint32_t)UTIL_B64_VALUE(c) << (sh))
static const uint32_t b64_at18[256] = UTIL_BYTE_TABLE(B64S, 18), b64_at12[256] = UTIL_BYTE_TABLE(B64S, 12),
		      b64_at6[256] = UTIL_BYTE_TABLE(B64S, 6), b64_at0[256] = UTIL_BYTE_TABLE(B64S, 0);

/* Decodes up to quads whole quads of alphabet characters from in to out,
 * which has room for one byte more than 3 * quads; returns how many were,
 * stopping before the first quad holding any other character. Each quad's
 * three bytes go out in one 4-byte store, the fourth overwritten next. */
static size_t mime_b64_quads(const unsigned char *in, size_t quads, unsigned char *out)
{
	size_t k = 0;
	for (; k < quads; k++, in += 4, out += 3) {
		uint32_t q = b64_at18[in[0]] | b64_at12[in[1]] | b64_at6[in[2]] | b64_at0[in[3]];
		if (q & B64_BAD)
			break;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		q = __builtin_bswap32(q << 8);
#else
		q <<= 8;
#endif
		memcpy(out, &q, 4);
	}
	return k;
}

/* Base64 as decoders do it (RFC 2045 6.8: characters outside the alphabet
 * are skipped), noting the damage they skip in silence: such characters,
 * data after the padding, or a length that is not a multiple of 4.
 * Whole quads of alphabet characters (all of a line but its end) go
 * through mime_b64_quads, as many as the sink has room for; everything
 * else one character at a time. */
static int mime_b64_stream(const char *s, size_t len, mime_sink *out, const fmap *m)
{
	const unsigned char *u = (const unsigned char *)s;
	const short *T = util_base64_dec;
	uint32_t acc = 0;
	int nq = 0, pad = 0, damaged = 0;
	size_t released = 0, i = 0;
	while (i < len) {
		unsigned char c;
		int v;
		if (i - released >= FMAP_STEP) {
			fmap_release(m, s + released, i - released);
			released = i;
		}
		if (nq == 0 && pad == 0) {
			size_t stop = len - i > FMAP_STEP ? i + FMAP_STEP : len;
			while (i + 4 <= stop) {
				size_t quads = (stop - i) / 4, room, k;
				/* a quad's store writes 4 bytes: one past its 3 */
				if (sizeof out->buf - out->n < 4) {
					mime_sink_flush(out);
					continue;
				}
				room = (sizeof out->buf - out->n - 1) / 3;
				if (quads > room)
					quads = room;
				k = mime_b64_quads(u + i, quads, (unsigned char *)out->buf + out->n);
				i += 4 * k;
				out->n += 3 * k;
				if (k == quads)
					continue;
				/* a line's end, the usual stop: skipped here, not a character
				 * at a time below */
				if (u[i] == '\r' && i + 1 < stop && u[i + 1] == '\n')
					i += 2;
				else if (u[i] == '\n')
					i++;
				else
					break;
			}
			if (i >= len)
				break;
		}
		c = u[i++];
		if (mime_is_ws((char)c))
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		v = T[c];
		if (v < 0 || pad > 0) {
			damaged = 1;
			continue;
		}
		acc = (acc << 6) | (uint32_t)v;
		if (++nq == 4) {
			mime_sink_put(out, (char)(acc >> 16));
			mime_sink_put(out, (char)(acc >> 8));
			mime_sink_put(out, (char)acc);
			nq = 0;
			acc = 0;
		}
	}
	if (nq == 2) {
		mime_sink_put(out, (char)(acc >> 4));
	} else if (nq == 3) {
		mime_sink_put(out, (char)(acc >> 10));
		mime_sink_put(out, (char)(acc >> 2));
	}
	if (nq == 1 || (nq == 0 && pad > 0) || (nq + pad) % 4 != 0 || pad > 2)
		damaged = 1;
	fmap_release(m, s + released, len - released);
	return damaged;
}

/* Quoted-printable (RFC 2045 6.7): "=XX" bytes and "=" soft line breaks.
 * The runs between two '=' are copied whole. */
static void mime_qp_stream(const char *s, size_t len, mime_sink *out, const fmap *m)
{
	size_t released = 0, i = 0;
	while (i < len) {
		const char *eq;
		size_t stop = len - i > FMAP_STEP ? i + FMAP_STEP : len, run;
		if (i - released >= FMAP_STEP) {
			fmap_release(m, s + released, i - released);
			released = i;
		}
		eq = memchr(s + i, '=', stop - i);
		run = eq ? (size_t)(eq - (s + i)) : stop - i;
		mime_sink_write(out, s + i, run);
		i += run;
		if (eq == NULL)
			continue;
		if (i + 2 < len && util_hex_dec[(unsigned char)s[i + 1]] >= 0 &&
		    util_hex_dec[(unsigned char)s[i + 2]] >= 0) {
			mime_sink_put(out, (char)(util_hex_dec[(unsigned char)s[i + 1]] * 16 +
						  util_hex_dec[(unsigned char)s[i + 2]]));
			i += 3;
		} else if (i + 1 < len && (s[i + 1] == '\n' || s[i + 1] == '\r')) {
			i += s[i + 1] == '\r' && i + 2 < len && s[i + 2] == '\n' ? 3 : 2;
		} else {
			mime_sink_put(out, s[i]);
			i++;
		}
	}
	fmap_release(m, s + released, len - released);
}

int mime_decode_file(const fmap *m, const char *body, size_t len, int enc, const char *path, uint64_t *size,
		     int *damaged, char sha256[65])
{
	/* its 64 KiB buffer is written before it is read: only the fields
	 * before it are cleared (two parts a message were 128 KiB of zeros) */
	mime_sink *s = xrealloc(NULL, sizeof *s);
	memset(s, 0, offsetof(mime_sink, buf));
	int rc = -1;
	*damaged = 0;
	if (sha256 != NULL)
		sha256[0] = '\0';
	s->fd = util_open_rewrite(path, &s->had);   /* a work file readied for this item is written again */
	if (s->fd < 0 || (sha256 != NULL && util_sha256_begin(&s->sha) != 0))
		goto out;
	if (enc == MAILMIME_MECHANISM_BASE64) {
		*damaged = mime_b64_stream(body, len, s, m);
	} else if (enc == MAILMIME_MECHANISM_QUOTED_PRINTABLE) {
		mime_qp_stream(body, len, s, m);
	} else {
		for (size_t off = 0; off < len && !s->failed; off += FMAP_STEP) {
			size_t n = len - off < FMAP_STEP ? len - off : FMAP_STEP;
			util_sha256_add(&s->sha, body + off, n);
			if (util_write_all(s->fd, body + off, n) != 0)
				s->failed = 1;
			s->written += n;
			fmap_release(m, body + off, n);
		}
	}
	mime_sink_flush(s);
	if (!s->failed && util_rewrite_end(s->fd, s->had, s->written) == 0)
		rc = 0;
	*size = s->written;
out:
	if (s->fd >= 0 && close(s->fd) != 0)
		rc = -1;
	util_sha256_end(&s->sha, rc == 0 ? sha256 : NULL);
	free(s);
	return rc;
}

