/* charset.c — charset conversion to UTF-8 through iconv, names of unknown
 * charset (UTF-8, else GB18030, else \xNN escapes), text with BOMs, RFC 2047
 * encoded words (decode and encode, B encoding, folded at 76 columns) and
 * RFC 2231 extended parameter values.
 *
 * GB2312, GBK and CP936 are converted as GB18030: mail clients label GBK
 * text "gb2312" all the time, and GB18030 decodes every GBK byte sequence.
 */
#include "charset.h"
#include "util.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* No header or name that packetd reads comes anywhere near this; it only
 * bounds what hostile input can make us allocate. */
#define CHARSET_MAX_OUT (64u * 1024 * 1024)

static const char *const charset_gb_aliases[] = {
	"gb2312", "gbk", "cp936", "ms936", "windows-936", "x-gbk", "gb_2312-80",
	"euc-cn", "x-euc-cn", "csgb2312", "cn-gb", "gb18030", NULL,
};

static int charset_is_gb(const char *cs)
{
	for (size_t i = 0; charset_gb_aliases[i] != NULL; i++)
		if (util_streq_nocase(cs, charset_gb_aliases[i]))
			return 1;
	return 0;
}

char *charset_to_utf8(const char *charset, const char *bytes, size_t len)
{
	iconv_t cd;
	buf out;
	char tmp[4096];
	char *in = (char *)bytes;
	size_t inleft = len;
	char *res = NULL;
	const char *cs;

	if (charset == NULL || bytes == NULL || len > CHARSET_MAX_OUT)
		return NULL;
	cs = charset_is_gb(charset) ? "GB18030" : charset;
	if (util_streq_nocase(cs, "utf-8") || util_streq_nocase(cs, "utf8")) {
		if (!util_utf8_valid(bytes, len))
			return NULL;
		return xstrndup(bytes, len);
	}
	cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1)
		return NULL;
	buf_init(&out, CHARSET_MAX_OUT);
	while (inleft > 0) {
		char *o = tmp;
		size_t oleft = sizeof(tmp);
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);
		int e = errno;
		buf_add(&out, tmp, sizeof(tmp) - oleft);
		if (buf_error(&out) != 0)
			goto out;
		if (r == (size_t)-1 && e != E2BIG)
			goto out; /* EILSEQ or EINVAL: invalid or truncated input */
	}
	{
		/* Flushes what a stateful encoding still holds. */
		char *o = tmp;
		size_t oleft = sizeof(tmp);
		if (iconv(cd, NULL, NULL, &o, &oleft) == (size_t)-1)
			goto out;
		buf_add(&out, tmp, sizeof(tmp) - oleft);
	}
	if (buf_take(&out, &res) != 0)
		res = NULL;
out:
	buf_free(&out);
	iconv_close(cd);
	return res;
}

static int charset_is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
}

static void charset_add_escape(buf *b, unsigned char c)
{
	buf_printf(b, "\\x%02X", c);
}

/* Copies valid UTF-8, writing control characters as \xNN of their bytes
 * (tab becomes a space when tab_space is set: folded headers carry tabs). */
static char *charset_escape_controls(const char *s, size_t len, int tab_space)
{
	buf b;
	size_t i = 0;
	buf_init(&b, 0);
	while (i < len) {
		uint32_t cp;
		size_t n = util_utf8_next(s + i, len - i, &cp);
		if (n == 0) {
			charset_add_escape(&b, (unsigned char)s[i]);
			i++;
			continue;
		}
		if (cp == '\t' && tab_space) {
			buf_add(&b, " ", 1);
		} else if (charset_is_control(cp)) {
			for (size_t k = 0; k < n; k++)
				charset_add_escape(&b, (unsigned char)s[i + k]);
		} else {
			buf_add(&b, s + i, n);
		}
		i += n;
	}
	return buf_steal(&b);
}

char *charset_decode_name(const char *bytes, size_t len)
{
	char *conv, *res;
	buf b;

	if (bytes == NULL)
		return NULL;
	if (util_utf8_valid(bytes, len))
		return charset_escape_controls(bytes, len, 0);
	conv = charset_to_utf8("GB18030", bytes, len);
	if (conv != NULL) {
		res = charset_escape_controls(conv, strlen(conv), 0);
		free(conv);
		return res;
	}
	buf_init(&b, 0);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)bytes[i];
		if (c < 0x20 || c >= 0x7F)
			charset_add_escape(&b, c);
		else
			buf_add(&b, &bytes[i], 1);
	}
	return buf_steal(&b);
}

char *charset_text_to_utf8(const char *bytes, size_t len)
{
	const unsigned char *u = (const unsigned char *)bytes;
	char *res;

	if (bytes == NULL)
		return NULL;
	if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE)
		return charset_to_utf8("UTF-16LE", bytes + 2, len - 2);
	if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF)
		return charset_to_utf8("UTF-16BE", bytes + 2, len - 2);
	if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		bytes += 3;
		len -= 3;
	}
	if (util_utf8_valid(bytes, len))
		return xstrndup(bytes, len);
	res = charset_to_utf8("GB18030", bytes, len);
	if (res != NULL)
		return res;
	return charset_to_utf8("ISO-8859-1", bytes, len);
}

/* Lenient base64: characters outside the alphabet are skipped, padding
 * ends the data. */
static void charset_b64_decode(buf *out, const char *s, size_t len)
{
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len && s[i] != '='; i++) {
		int v = util_base64_value((unsigned char)s[i]);
		if (v < 0)
			continue;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			char c = (char)((acc >> bits) & 0xFF);
			buf_add(out, &c, 1);
		}
	}
}

static void charset_q_decode(buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '_') {
			c = ' ';
		} else if (c == '=' && i + 2 < len && util_hexval((unsigned char)s[i + 1]) >= 0 &&
			   util_hexval((unsigned char)s[i + 2]) >= 0) {
			c = (char)(util_hexval((unsigned char)s[i + 1]) * 16 +
				   util_hexval((unsigned char)s[i + 2]));
			i += 2;
		}
		buf_add(out, &c, 1);
	}
}

/* Converts pending bytes (of charset cs, or of no declared charset when cs
 * is empty) and appends them to out. */
static void charset_flush(buf *out, buf *pending, const char *cs)
{
	char *conv = NULL, *clean;
	if (pending->len == 0)
		return;
	if (cs[0] != '\0')
		conv = charset_to_utf8(cs, pending->data, pending->len);
	if (conv == NULL)
		conv = charset_decode_name(pending->data, pending->len);
	clean = charset_escape_controls(conv, strlen(conv), 1);
	buf_adds(out, clean);
	free(clean);
	free(conv);
	buf_reset(pending);
}

/* Parses an encoded word at s: "=?charset[*lang]?B|Q?text?=". Fills the
 * charset (lower-cased, without language), the encoding and the text span;
 * returns the word's length, or 0 when s is not a well-formed word. */
static size_t charset_parse_word(const char *s, char *cs, size_t cslen, char *enc,
				 const char **text, size_t *textlen)
{
	const char *p = s + 2, *q;
	size_t n;
	if (s[0] != '=' || s[1] != '?')
		return 0;
	q = strchr(p, '?');
	if (q == NULL || q == p)
		return 0;
	n = (size_t)(q - p);
	if (n >= cslen)
		return 0;
	memcpy(cs, p, n);
	cs[n] = '\0';
	char *star = strchr(cs, '*');
	if (star != NULL)
		*star = '\0';
	for (char *c = cs; *c; c++) {
		if (*c <= ' ' || *c >= 0x7F)
			return 0;
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	}
	if (cs[0] == '\0')
		return 0;
	p = q + 1;
	if ((p[0] != 'B' && p[0] != 'b' && p[0] != 'Q' && p[0] != 'q') || p[1] != '?')
		return 0;
	*enc = (char)(p[0] == 'b' || p[0] == 'B' ? 'B' : 'Q');
	p += 2;
	for (q = p; *q != '\0'; q++) {
		if (q[0] == '?' && q[1] == '=')
			break;
		if (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
			return 0;
	}
	if (*q == '\0')
		return 0;
	*text = p;
	*textlen = (size_t)(q - p);
	return (size_t)(q + 2 - s);
}

char *charset_rfc2047_decode(const char *s)
{
	buf out, pending, lit;
	char cs[64] = "", wcs[64];
	const char *p;
	int after_word = 0;

	if (s == NULL)
		return NULL;
	buf_init(&out, CHARSET_MAX_OUT);
	buf_init(&pending, CHARSET_MAX_OUT);
	buf_init(&lit, CHARSET_MAX_OUT);
	buf_add(&pending, "", 0);
	buf_add(&lit, "", 0);
	p = s;
	while (*p != '\0') {
		char enc;
		const char *text;
		size_t tlen, wlen = 0;
		if (p[0] == '=' && p[1] == '?')
			wlen = charset_parse_word(p, wcs, sizeof(wcs), &enc, &text, &tlen);
		if (wlen > 0) {
			/* Whitespace between two encoded words is not part of the
			 * text (RFC 2047 section 6.2). */
			if (!after_word)
				charset_flush(&out, &lit, "");
			buf_reset(&lit);
			/* Bytes of consecutive words in one charset are joined
			 * before conversion: encoders split multibyte characters
			 * across words. */
			if (strcmp(wcs, cs) != 0) {
				charset_flush(&out, &pending, cs);
				memcpy(cs, wcs, sizeof(cs));
			}
			if (enc == 'B')
				charset_b64_decode(&pending, text, tlen);
			else
				charset_q_decode(&pending, text, tlen);
			p += wlen;
			after_word = 1;
			continue;
		}
		if (*p == '\r' || *p == '\n') {
			p++; /* unfolding */
			continue;
		}
		if (after_word && *p != ' ' && *p != '\t') {
			charset_flush(&out, &pending, cs);
			charset_flush(&out, &lit, "");
			after_word = 0;
		}
		buf_add(&lit, p, 1);
		p++;
	}
	charset_flush(&out, &pending, cs);
	charset_flush(&out, &lit, "");
	buf_free(&pending);
	buf_free(&lit);
	return buf_steal(&out);
}

char *charset_rfc2231_decode(const char *s)
{
	const char *q1, *q2, *v;
	char cs[64] = "";
	buf raw;
	char *conv = NULL, *res;

	if (s == NULL)
		return NULL;
	q1 = strchr(s, '\'');
	q2 = q1 != NULL ? strchr(q1 + 1, '\'') : NULL;
	if (q1 != NULL && q2 != NULL && (size_t)(q1 - s) < sizeof(cs)) {
		memcpy(cs, s, (size_t)(q1 - s));
		cs[q1 - s] = '\0';
		v = q2 + 1;
	} else {
		v = s;
	}
	buf_init(&raw, CHARSET_MAX_OUT);
	buf_add(&raw, "", 0);
	for (; *v != '\0'; v++) {
		char c = *v;
		if (c == '%' && util_hexval((unsigned char)v[1]) >= 0 &&
		    util_hexval((unsigned char)v[2]) >= 0) {
			c = (char)(util_hexval((unsigned char)v[1]) * 16 +
				   util_hexval((unsigned char)v[2]));
			v += 2;
		}
		buf_add(&raw, &c, 1);
	}
	if (cs[0] != '\0')
		conv = charset_to_utf8(cs, raw.data, raw.len);
	if (conv == NULL)
		conv = charset_decode_name(raw.data, raw.len);
	res = charset_escape_controls(conv, strlen(conv), 1);
	free(conv);
	buf_free(&raw);
	return res;
}

#define CHARSET_LINE 76
#define CHARSET_WORD_OVERHEAD 12 /* "=?UTF-8?B?" + "?=" */

char *charset_rfc2047_encode(const char *utf8, size_t prefix_len)
{
	buf out;
	size_t len, i = 0, col = prefix_len;
	int ascii = 1;
	char *clean;

	if (utf8 == NULL)
		return NULL;
	len = strlen(utf8);
	/* CR and LF would end the header early: a value never carries them. */
	clean = xstrndup(utf8, len);
	for (size_t k = 0; k < len; k++) {
		if (clean[k] == '\r' || clean[k] == '\n')
			clean[k] = ' ';
		if ((unsigned char)clean[k] >= 0x80)
			ascii = 0;
	}
	if (ascii)
		return clean;
	if (!util_utf8_valid(clean, len)) {
		char *fixed = charset_decode_name(clean, len);
		free(clean);
		clean = fixed;
		len = strlen(clean);
	}
	buf_init(&out, CHARSET_MAX_OUT);
	buf_add(&out, "", 0);
	while (i < len) {
		size_t room = CHARSET_LINE > col ? CHARSET_LINE - col : 0;
		size_t maxb, take = 0;
		if (room > 75)
			room = 75;
		/* One 4-byte character needs 8 base64 characters. */
		if (room < CHARSET_WORD_OVERHEAD + 8) {
			buf_adds(&out, "\r\n ");
			col = 1;
			continue;
		}
		maxb = (room - CHARSET_WORD_OVERHEAD) / 4 * 3;
		while (i + take < len) {
			uint32_t cp;
			size_t n = util_utf8_next(clean + i + take, len - i - take, &cp);
			if (n == 0)
				n = 1;
			if (take + n > maxb)
				break;
			take += n;
		}
		buf_adds(&out, "=?UTF-8?B?");
		util_base64(&out, clean + i, take, 0);
		buf_adds(&out, "?=");
		col += CHARSET_WORD_OVERHEAD + (take + 2) / 3 * 4;
		i += take;
		if (i < len) {
			buf_adds(&out, "\r\n ");
			col = 1;
		}
	}
	free(clean);
	return buf_steal(&out);
}
