/*
 * test_mime.c - unit tests for mime.c: RFC 2047 encoded-words and their
 * UTF-8 boundaries, quoted-strings, folding, header injection, refused
 * addresses, Message-ID, Date, and the header list mime_build gives libcurl.
 *
 * Encoded headers are read back with the small RFC 2047 decoder below,
 * written for this test and sharing no code with mime.c, and compared
 * with strings Python's email.header produced for short cases.  No
 * network: what goes over the wire is tested with a real SMTP server by
 * the integration scripts.  Exit 0 when every check passes, 1 if not.
 */
#include "build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "mime.h"
#include "check.h"

/*
 * The independent reader.
 */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
b64val(int c)
{
	const char *a =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p;

	if (c == '\0' || (p = strchr(a, c)) == NULL)
		return -1;
	return (int)(p - a);
}

/* 1 if s[0..n) is complete, valid UTF-8 (written from RFC 3629 table). */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, j;
	unsigned cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			k = 2;
			cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			k = 3;
			cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			k = 4;
			cp = s[i] & 0x07;
		} else
			return 0;
		if (i + k > n)
			return 0;
		for (j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) ||
		    (k == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k;
	}
	return 1;
}

/*
 * Decode one encoded-word w[0..n) into out.  Returns 1 if it was one
 * (and was well formed UTF-8 on its own), 0 if it is not an
 * encoded-word, -1 if it looks like one but is broken.
 */
static int
ew_decode(const char *w, size_t n, struct buf *out)
{
	const char *cs, *q1, *q2, *text;
	size_t tlen, i, start = out->len;
	int enc, a, b, c, d;

	if (n < 8 || strncmp(w, "=?", 2) != 0 || strncmp(w + n - 2, "?=", 2) != 0)
		return 0;
	cs = w + 2;
	if ((q1 = memchr(cs, '?', n - 2)) == NULL || q1 + 3 > w + n - 2 ||
	    q1[2] != '?')
		return 0;
	if ((size_t)(q1 - cs) != 5 || strncasecmp(cs, "utf-8", 5) != 0)
		return -1;
	enc = q1[1];
	text = q1 + 3;
	q2 = w + n - 2;
	tlen = (size_t)(q2 - text);
	if (memchr(text, '?', tlen) != NULL || memchr(text, ' ', tlen) != NULL)
		return -1;
	if (enc == 'q' || enc == 'Q') {
		for (i = 0; i < tlen; i++) {
			if (text[i] == '_')
				buf_putc(out, ' ');
			else if (text[i] == '=') {
				if (i + 2 >= tlen)
					return -1;
				if ((a = hexval(text[i + 1])) < 0 ||
				    (b = hexval(text[i + 2])) < 0)
					return -1;
				buf_putc(out, a * 16 + b);
				i += 2;
			} else
				buf_putc(out, text[i]);
		}
	} else if (enc == 'b' || enc == 'B') {
		if (tlen % 4 != 0)
			return -1;
		for (i = 0; i < tlen; i += 4) {
			a = b64val(text[i]);
			b = b64val(text[i + 1]);
			c = text[i + 2] == '=' ? -2 : b64val(text[i + 2]);
			d = text[i + 3] == '=' ? -2 : b64val(text[i + 3]);
			if (a < 0 || b < 0 || c == -1 || d == -1 ||
			    (c == -2 && d != -2) || ((c == -2 || d == -2) &&
			    i + 4 != tlen))
				return -1;
			buf_putc(out, (a << 2) | (b >> 4));
			if (c >= 0)
				buf_putc(out, ((b & 0xf) << 4) | (c >> 2));
			if (d >= 0)
				buf_putc(out, ((c & 0x3) << 6) | d);
		}
	} else
		return -1;
	if (!utf8_ok((const unsigned char *)out->data + start, out->len - start))
		return -1;
	return 1;
}

/*
 * Unfold a header line: every CR must start a "\r\n " fold, which is
 * removed; any other CR or LF makes this fail (it would be a new header).
 */
static int
unfold(const char *h, struct buf *out)
{
	size_t i;

	buf_reserve(out, 0);
	for (i = 0; h[i] != '\0'; i++) {
		if (h[i] == '\r') {
			if (h[i + 1] != '\n' || (h[i + 2] != ' ' && h[i + 2] != '\t'))
				return -1;
			i++;
			continue;
		}
		if (h[i] == '\n')
			return -1;
		buf_putc(out, h[i]);
	}
	return 0;
}

/*
 * Decode an unfolded text with encoded-words: whitespace between two
 * encoded-words is dropped, everything else is kept as is.
 */
static int
decode_text(const char *v, struct buf *out)
{
	size_t i = 0, j, ws, wsstart;
	int prev_ew = 0, r;

	buf_reserve(out, 0);
	while (v[i] != '\0') {
		wsstart = i;
		while (v[i] == ' ' || v[i] == '\t')
			i++;
		ws = i - wsstart;
		if (v[i] == '\0') {
			buf_add(out, v + wsstart, ws);
			break;
		}
		for (j = i; v[j] != '\0' && v[j] != ' ' && v[j] != '\t'; j++)
			;
		if (!prev_ew || strncmp(v + i, "=?", 2) != 0)
			buf_add(out, v + wsstart, ws);
		else {
			/* drop the whitespace only if this is one too */
			struct buf tmp = BUF_INIT;

			if (ew_decode(v + i, j - i, &tmp) != 1)
				buf_add(out, v + wsstart, ws);
			buf_free(&tmp);
		}
		r = ew_decode(v + i, j - i, out);
		if (r == -1)
			return -1;
		if (r == 0)
			buf_add(out, v + i, j - i);
		prev_ew = r == 1;
		i = j;
	}
	return 0;
}

/* Decode a phrase: a quoted-string, or atoms and encoded-words. */
static int
decode_phrase(const char *p, struct buf *out)
{
	size_t n = strlen(p), i;

	buf_reserve(out, 0);
	if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
		for (i = 1; i < n - 1; i++) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				return -1;
			buf_putc(out, p[i]);
		}
		return 0;
	}
	return decode_text(p, out);
}

/*
 * Check the shape of a header as produced: lines of at most 76, only
 * "\r\n " folds, no blank continuation line, no encoded-word over 75,
 * no line starting with anything but a space after the first.
 */
static void
check_shape(const char *h, const char *ctx, int line)
{
	size_t col = 0, i, j;
	int ok = 1, ewok = 1;

	for (i = 0; h[i] != '\0'; i++) {
		if (h[i] == '\r' || h[i] == '\n') {
			if (h[i] != '\r' || h[i + 1] != '\n' || h[i + 2] != ' ')
				ok = 0;
			for (j = i + 2; h[j] == ' '; j++)
				;
			if (h[j] == '\0' || h[j] == '\r')
				ok = 0;	/* blank continuation line */
			i++;
			col = 0;
			continue;
		}
		if (++col > 76)
			ok = 0;
	}
	for (i = 0; h[i] != '\0'; i++) {
		if (h[i] == '=' && h[i + 1] == '?') {
			for (j = i + 2; h[j] != '\0' && h[j] != ' ' && h[j] != '\r'; j++)
				;
			if (j - i > 75)
				ewok = 0;
			i = j - 1;
		}
	}
	check_at(ok, "header lines <= 76, only CRLF SP folds", __FILE__, line, ctx);
	check_at(ewok, "encoded-words <= 75", __FILE__, line, ctx);
}

/* Encode as Subject, check shape, decode, compare with want. */
static void
subject_roundtrip(const char *field, const char *in, const char *want,
    int line)
{
	struct buf out = BUF_INIT, u = BUF_INIT, d = BUF_INIT;
	size_t fl = strlen(field);
	int ok;

	ok = mime_encode_unstructured(field, in, &out) == 0;
	check_at(ok, "mime_encode_unstructured", __FILE__, line, in);
	if (!ok)
		goto done;
	check_shape(out.data, in, line);
	check_at(strncmp(out.data + fl, ":\r\n", 3) != 0,
	    "first word on the first line", __FILE__, line, out.data);
	ok = unfold(out.data, &u) == 0;
	check_at(ok, "no bare CR or LF", __FILE__, line, out.data);
	if (!ok)
		goto done;
	check_at(strncmp(u.data, field, fl) == 0 && u.data[fl] == ':',
	    "starts with field name", __FILE__, line, in);
	ok = decode_text(u.data + fl + 1 + (u.data[fl + 1] == ' '), &d) == 0;
	check_at(ok, "decodes", __FILE__, line, out.data);
	check_note(!ok || strcmp(d.data, want) == 0, "%s:%d: FAILED round trip\n"
	    "    encoded: %s\n    decoded: \"%s\"\n    want:    \"%s\"", __FILE__, line,
	    out.data, ok ? d.data : "", want);
done:
	buf_free(&out);
	buf_free(&u);
	buf_free(&d);
}

/* Format "From: name <addr>", check shape, decode the name, compare. */
static void
address_roundtrip(const char *name, const char *want, int line)
{
	struct buf out = BUF_INIT, u = BUF_INIT, d = BUF_INIT;
	const char *addr = "ana@example.com";
	char err[256], *lt;
	int ok;

	ok = mime_format_address("From", name, addr, &out, err,
	    sizeof(err)) == 0;
	check_at(ok, "mime_format_address", __FILE__, line, name);
	if (!ok)
		goto done;
	check_shape(out.data, name, line);
	check_at(strncmp(out.data, "From:\r\n", 7) != 0,
	    "first word on the first line", __FILE__, line, out.data);
	ok = unfold(out.data, &u) == 0;
	check_at(ok, "no bare CR or LF", __FILE__, line, out.data);
	if (!ok)
		goto done;
	if (*want == '\0') {
		check_at(strcmp(u.data, "From: ana@example.com") == 0,
		    "bare address", __FILE__, line, u.data);
		goto done;
	}
	lt = strstr(u.data, " <ana@example.com>");
	ok = strncmp(u.data, "From: ", 6) == 0 && lt != NULL &&
	    strcmp(lt, " <ana@example.com>") == 0;
	check_at(ok, "From: phrase <addr>", __FILE__, line, u.data);
	if (!ok)
		goto done;
	*lt = '\0';
	ok = decode_phrase(u.data + 6, &d) == 0;
	check_at(ok, "phrase decodes", __FILE__, line, out.data);
	check_note(!ok || strcmp(d.data, want) == 0, "%s:%d: FAILED name round trip\n"
	    "    encoded: %s\n    decoded: \"%s\"\n    want:    \"%s\"", __FILE__, line,
	    out.data, ok ? d.data : "", want);
done:
	buf_free(&out);
	buf_free(&u);
	buf_free(&d);
}

static char *
phrase_of(const char *s)
{
	struct buf b = BUF_INIT;

	if (mime_encode_phrase(s, &b) == -1) {
		buf_free(&b);
		return NULL;
	}
	buf_reserve(&b, 0);
	return buf_steal(&b);
}

static char *
subject_of(const char *s)
{
	struct buf b = BUF_INIT;

	if (mime_encode_unstructured("Subject", s, &b) == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

#define EXPECT_PHRASE(in, want) do {			\
	char *_p = phrase_of(in);			\
	CHECK_STR(_p, want);				\
	free(_p);					\
} while (0)

#define EXPECT_SUBJECT(in, want) do {			\
	char *_p = subject_of(in);			\
	CHECK_STR(_p, want);				\
	free(_p);					\
} while (0)

/*
 * Tests.
 */

static void
test_ascii(void)
{
	EXPECT_SUBJECT("Hello world", "Subject: Hello world");
	EXPECT_SUBJECT("Re: [Cartera] 3 red, 2 yellow; today's calls (5)",
	    "Subject: Re: [Cartera] 3 red, 2 yellow; today's calls (5)");
	EXPECT_SUBJECT("", "Subject:");
	EXPECT_SUBJECT(NULL, "Subject:");
	EXPECT_SUBJECT("   ", "Subject:");
	EXPECT_SUBJECT("  padded  ", "Subject: padded");
	EXPECT_SUBJECT("two  spaces", "Subject: two  spaces");
	/* A long ASCII subject folds at spaces and unfolds to itself. */
	EXPECT_SUBJECT("Daily digest for the sales team of the northern region: "
	    "twelve clients need a call today and four are going inactive",
	    "Subject: Daily digest for the sales team of the northern region: "
	    "twelve\r\n clients need a call today and four are going inactive");
	subject_roundtrip("Subject", "Daily digest for the sales team of the "
	    "northern region: twelve clients need a call today, four are going "
	    "inactive, and three invoices are overdue by more than thirty days",
	    "Daily digest for the sales team of the northern region: twelve "
	    "clients need a call today, four are going inactive, and three "
	    "invoices are overdue by more than thirty days", __LINE__);
	/* A word too long to fold is encoded so it can be split. */
	subject_roundtrip("Subject", "https://cartera.example.com/clients/"
	    "0123456789abcdef0123456789abcdef0123456789abcdef?view=full",
	    "https://cartera.example.com/clients/"
	    "0123456789abcdef0123456789abcdef0123456789abcdef?view=full",
	    __LINE__);
	/* ASCII that reads like an encoded-word must not be decoded as one. */
	subject_roundtrip("Subject", "=?utf-8?q?fake?=", "=?utf-8?q?fake?=",
	    __LINE__);
	EXPECT_PHRASE("Ana Perez", "Ana Perez");
	EXPECT_PHRASE("O'Neil", "O'Neil");
	EXPECT_PHRASE("", "");
	EXPECT_PHRASE(NULL, "");
	EXPECT_PHRASE(" \t ", "");
	EXPECT_PHRASE("  Ana  ", "Ana");
}

static void
test_quoted(void)
{
	struct buf b = BUF_INIT;
	char err[256];

	EXPECT_PHRASE("Smith, John", "\"Smith, John\"");
	EXPECT_PHRASE("Ana \"la jefa\" O'Neil", "\"Ana \\\"la jefa\\\" O'Neil\"");
	EXPECT_PHRASE("back\\slash", "\"back\\\\slash\"");
	EXPECT_PHRASE("J. R. Smith", "\"J. R. Smith\"");
	EXPECT_PHRASE("ana@example.com", "\"ana@example.com\"");
	EXPECT_PHRASE("<x>", "\"<x>\"");
	address_roundtrip("Smith, John", "Smith, John", __LINE__);
	address_roundtrip("\"\\\"", "\"\\\"", __LINE__);
	address_roundtrip("=?utf-8?b?QWxpY2U=?=", "=?utf-8?b?QWxpY2U=?=", __LINE__);

	CHECK(mime_format_address("From", "Smith, John", "john@example.com", &b,
	    err, sizeof(err)) == 0);
	CHECK_STR(b.data, "From: \"Smith, John\" <john@example.com>");
	buf_reset(&b);
	CHECK(mime_format_address("To", NULL, "a@b.example", &b, err,
	    sizeof(err)) == 0);
	CHECK_STR(b.data, "To: a@b.example");
	buf_reset(&b);
	CHECK(mime_format_address("To", " \r\n ", "a@b.example", &b, err,
	    sizeof(err)) == 0);
	CHECK_STR(b.data, "To: a@b.example");
	buf_reset(&b);
	/* A long quotable name folds inside the quoted-string at a space. */
	CHECK(mime_format_address("To", "Departamento comercial, zona norte "
	    "(Navarra, La Rioja y el País Vasco)", "ventas@example.com", &b,
	    err, sizeof(err)) == 0);
	check_shape(b.data, "long name", __LINE__);
	buf_free(&b);
	address_roundtrip("Sales department, northern area (Navarre, La Rioja "
	    "and the Basque Country), attn. J. Smith", "Sales department, "
	    "northern area (Navarre, La Rioja and the Basque Country), attn. "
	    "J. Smith", __LINE__);
}

static void
test_known_words(void)
{
	struct buf b = BUF_INIT;
	char err[256];

	/* Expected strings from Python's email.header.Header(s, "utf-8"). */
	EXPECT_PHRASE("José", "=?utf-8?b?Sm9zw6k=?=");
	EXPECT_PHRASE("José Núñez", "=?utf-8?b?Sm9zw6kgTsO6w7Fleg==?=");
	EXPECT_PHRASE("日本語", "=?utf-8?b?5pel5pys6Kqe?=");
	EXPECT_PHRASE("😀", "=?utf-8?b?8J+YgA==?=");
	EXPECT_PHRASE("Ana María", "=?utf-8?q?Ana_Mar=C3=ADa?=");
	EXPECT_PHRASE("¿Qué?", "=?utf-8?b?wr9RdcOpPw==?=");
	EXPECT_PHRASE("€", "=?utf-8?b?4oKs?=");
	EXPECT_PHRASE("Ñandú 🐦", "=?utf-8?b?w5FhbmTDuiDwn5Cm?=");
	EXPECT_SUBJECT("Ana María", "Subject: =?utf-8?q?Ana_Mar=C3=ADa?=");
	CHECK(mime_format_address("From", "José Núñez", "jose@example.es", &b,
	    err, sizeof(err)) == 0);
	CHECK_STR(b.data, "From: =?utf-8?b?Sm9zw6kgTsO6w7Fleg==?= "
	    "<jose@example.es>");
	buf_free(&b);
}

static void
test_long_utf8(void)
{
	const char *es = "Resumen diario de tu cartera: 3 clientes en rojo, 2 "
	    "en amarillo y 5 en verde — acción requerida hoy para José Núñez, "
	    "Begoña Ibáñez y Compañía Española de Señalización (Logroño)";
	const char *emoji = "🔴 3 rojos 🟡 2 amarillos 🟢 5 verdes 😀😀😀😀"
	    "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀 𝄞𝄞𝄞 fin";
	const char *cjk = "顧客ポートフォリオの毎日のダイジェスト：今日は"
	    "十二件の電話と四件の訪問があります。よろしくお願いします。";
	const char *mix = "Ça va? ÀÉÎÕÜ àéîõü ß ẞ ﬁ ½ € £ ¥ © ® ™ — – … "
	    "“comillas” «angulares» ¡Olé! Ελληνικά Русский עברית العربية";
	const char *one[] = { es, emoji, cjk, mix };
	size_t i;

	for (i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		subject_roundtrip("Subject", one[i], one[i], __LINE__);
		subject_roundtrip("X-A-Rather-Long-Header-Name", one[i], one[i],
		    __LINE__);
		address_roundtrip(one[i], one[i], __LINE__);
	}
}

/*
 * Every prefix of a string of 1-, 2-, 3- and 4-byte characters, cut at
 * every character, as subject and as name, under two header names: an
 * encoded-word boundary lands on every position at least once.
 */
static void
test_boundaries(void)
{
	const char *pat[] = {
		"aé€😀 ",
		"😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀x",
		"ééééééééééééééééééééééééééééééééééééééééééééé_=?",
		"a€a€a€a€a€a€a€a€a€a€a€a€a€a€a€a€a€a€a€a€ ",
	};
	struct buf s = BUF_INIT;
	size_t p, r, i, n;

	for (p = 0; p < sizeof(pat) / sizeof(pat[0]); p++) {
		buf_reset(&s);
		for (r = 0; r < 4; r++)
			buf_puts(&s, pat[p]);
		n = s.len;
		for (i = 1; i <= n; i++) {
			char *cut;

			/* only cut between characters */
			if (i < n && (s.data[i] & 0xc0) == 0x80)
				continue;
			if ((cut = strndup(s.data, i)) == NULL)
				abort();
			/* the encoder trims; compare with the trimmed text */
			{
				char *want = cut, *e;

				while (*want == ' ')
					want++;
				e = want + strlen(want);
				while (e > want && e[-1] == ' ')
					*--e = '\0';
				subject_roundtrip("Subject", cut, want, __LINE__);
				subject_roundtrip("X-Header-Name-Of-Some-Length",
				    cut, want, __LINE__);
				address_roundtrip(cut, want, __LINE__);
			}
			free(cut);
		}
	}
	buf_free(&s);
}

static void
test_controls(void)
{
	struct buf b = BUF_INIT;
	char err[256];

	/* No header injection: line breaks become spaces. */
	EXPECT_SUBJECT("Hola\r\nBcc: evil@example.com",
	    "Subject: Hola  Bcc: evil@example.com");
	EXPECT_SUBJECT("\r\n\r\nX-Injected: yes", "Subject: X-Injected: yes");
	EXPECT_SUBJECT("a\tb\x01" "c\x7f", "Subject: a b c");
	EXPECT_SUBJECT("line\nfeed\rreturn", "Subject: line feed return");
	subject_roundtrip("Subject", "Ñ\r\nBcc: x@example.com",
	    "Ñ  Bcc: x@example.com", __LINE__);
	subject_roundtrip("Subject", "José\r\n\r\n<html>body</html>",
	    "José    <html>body</html>", __LINE__);
	/* U+0085 (NEL), U+2028 and U+2029 are line breaks to some readers. */
	subject_roundtrip("Subject", "a\xc2\x85" "b\xe2\x80\xa8" "c\xe2\x80\xa9"
	    "dé", "a b c dé", __LINE__);
	/* Bad UTF-8 becomes U+FFFD; the output is always valid UTF-8. */
	subject_roundtrip("Subject", "caf\xc3", "caf\xef\xbf\xbd", __LINE__);
	subject_roundtrip("Subject", "\xff\xfe" "x\xed\xa0\x80" "y\xc0\xaf",
	    "\xef\xbf\xbd\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdy"
	    "\xef\xbf\xbd\xef\xbf\xbd", __LINE__);
	subject_roundtrip("Subject", "\xf4\x90\x80\x80", "\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", __LINE__);

	CHECK(mime_format_address("From", "Ana\r\nBcc: evil@example.com",
	    "ana@example.com", &b, err, sizeof(err)) == 0);
	CHECK_STR(b.data, "From: \"Ana  Bcc: evil@example.com\" "
	    "<ana@example.com>");
	buf_free(&b);
	address_roundtrip("Ana\r\nBcc: evil@example.com",
	    "Ana  Bcc: evil@example.com", __LINE__);
	address_roundtrip("Núñez\r\nBcc: evil@example.com\r\n",
	    "Núñez  Bcc: evil@example.com", __LINE__);
	address_roundtrip("\t\r\n", "", __LINE__);
	EXPECT_PHRASE("tab\there", "tab here");
}

/*
 * Which addresses are valid is address.c's rule (tests/test_address.c);
 * here: mime_format_address refuses what that rule refuses, writes
 * nothing, and says why in words a user can act on.
 */
static void
test_addresses(void)
{
	static const char *bad[] = {
		"", "x\r\ny@example.com", "x@example.com\r\nBcc: y@example.com",
		"x\n@y.example", "a b@c.example", "a@b", "<a@b.example>", "a\t@b.example",
		"jos\xc3\xa9@example.com", "a?bcc=evil%40x.example@b.example",
	};
	struct buf b = BUF_INIT;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&b);
		CHECK_CTX(mime_format_address("To", "X", bad[i], &b, err,
		    sizeof(err)) == -1, bad[i]);
		CHECK_CTX(b.len == 0, bad[i]);
	}
	CHECK(mime_format_address("To", "X", "ana@example.com", &b, err, sizeof(err)) == 0);

	/* Messages a user can act on. */
	CHECK(mime_format_address("To", NULL, "x\r\ny", &b, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "recipient address \"x\\r\\ny\" contains a line break");
	CHECK(mime_format_address("From", NULL, "nobody", &b, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "sender address \"nobody\" has no '@'");
	CHECK(mime_format_address("To", NULL, "a,b@example.com", &b, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "recipient address \"a,b@example.com\" has a character "
	    "not allowed before the '@' (',')");
	CHECK(mime_format_address("To", NULL, NULL, &b, err, sizeof(err)) == -1);
	CHECK_STR(err, "recipient address is missing");
	/* A tiny error buffer truncates, never overflows. */
	CHECK(mime_format_address("To", NULL, "x y", &b, err, 8) == -1);
	CHECK_STR(err, "recipie");
	CHECK(mime_format_address("To", NULL, "x y", &b, NULL, 0) == -1);
	CHECK(mime_format_address("Bad Field", NULL, "a@b.example", &b, err,
	    sizeof(err)) == -1);
	buf_free(&b);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_message_id(void)
{
	enum { N = 2000 };
	char id[300], *ids[N];
	size_t i;
	int hexok, dup = 0;

	CHECK(mime_message_id("example.com", id, sizeof(id)) == 0);
	CHECK(strlen(id) == 1 + 32 + 1 + 11 + 1);
	CHECK(id[0] == '<' && id[33] == '@' && id[strlen(id) - 1] == '>');
	CHECK(strcmp(id + 33, "@example.com>") == 0);
	for (hexok = 1, i = 1; i <= 32; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			hexok = 0;
	CHECK(hexok);

	for (i = 0; i < N; i++) {
		if (mime_message_id("mail.example.com", id, sizeof(id)) == -1 ||
		    (ids[i] = strdup(id)) == NULL)
			abort();
	}
	qsort(ids, N, sizeof(ids[0]), cmpstr);
	for (i = 1; i < N; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			dup = 1;
	CHECK(!dup);
	for (i = 0; i < N; i++)
		free(ids[i]);

	/* exactly enough room, one byte short */
	CHECK(mime_message_id("e.x", id, 1 + 32 + 1 + 3 + 1 + 1) == 0);
	CHECK(mime_message_id("e.x", id, 1 + 32 + 1 + 3 + 1) == -1);
	CHECK(id[0] == '\0');
	CHECK(mime_message_id("", id, sizeof(id)) == -1);
	CHECK(mime_message_id(NULL, id, sizeof(id)) == -1);
	CHECK(mime_message_id("bad domain", id, sizeof(id)) == -1);
	CHECK(mime_message_id("a\r\nb", id, sizeof(id)) == -1);
	CHECK(mime_message_id("-x.com", id, sizeof(id)) == -1);
	CHECK(mime_message_id("x@y", id, sizeof(id)) == -1);
	CHECK(mime_message_id("example.com", NULL, 0) == -1);
}

static void
test_date(void)
{
	char d[64];

	CHECK(mime_date(0, d, sizeof(d)) == 0);
	CHECK_STR(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	CHECK(mime_date(1700000000, d, sizeof(d)) == 0);
	CHECK_STR(d, "Tue, 14 Nov 2023 22:13:20 +0000");
	CHECK(mime_date(1709210096, d, sizeof(d)) == 0);
	CHECK_STR(d, "Thu, 29 Feb 2024 12:34:56 +0000");
	CHECK(mime_date(946684799, d, sizeof(d)) == 0);
	CHECK_STR(d, "Fri, 31 Dec 1999 23:59:59 +0000");
	CHECK(mime_date((time_t)253402300799LL, d, sizeof(d)) == 0);
	CHECK_STR(d, "Fri, 31 Dec 9999 23:59:59 +0000");
	CHECK(mime_date((time_t)253402300800LL, d, sizeof(d)) == -1);
	CHECK(mime_date(0, d, 31) == -1);
	CHECK(d[0] == '\0');
	CHECK(mime_date(0, d, 32) == 0);
}

/* The header in the list that starts with "Name:", or NULL. */
static const char *
find_header(const struct curl_slist *l, const char *name)
{
	size_t n = strlen(name);

	for (; l != NULL; l = l->next)
		if (strncasecmp(l->data, name, n) == 0 && l->data[n] == ':')
			return l->data;
	return NULL;
}

static void
test_build(void)
{
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0
	};
	struct mail_inline inl[2] = {
		{ "chart@cartera.example", "image/png", "chart.png", png, sizeof(png) },
		{ "logo@cartera.example", "image/png", NULL, png, sizeof(png) },
	};
	struct mail m;
	struct curl_slist *h = NULL, *l;
	struct buf u = BUF_INIT, d = BUF_INIT;
	curl_mime *mime = NULL;
	const char *s;
	char err[256];
	CURL *curl;
	int n;

	if ((curl = curl_easy_init()) == NULL)
		abort();
	memset(&m, 0, sizeof(m));
	m.from_name = "Cartera";
	m.from_addr = "cartera@example.com";
	m.to_name = "Begoña Ibáñez";
	m.to_addr = "begona@example.es";
	m.subject = "Tu resumen: 3 en rojo, 2 en amarillo — acción requerida";
	m.message_id = "<0123456789abcdef@example.com>";
	m.date = 1700000000;
	m.text = "Hola Begoña,\nhoy tienes 3 llamadas.\n";
	m.html = "<p>Hola Begoña,</p>\n<p>hoy tienes 3 llamadas.</p>\n";
	m.list_unsubscribe = "https://cartera.example.com/unsubscribe/"
	    "Zm9vYmFyYmF6cXV4MDEy";

	CHECK(mime_build(curl, &m, &h, &mime, err, sizeof(err)) == 0);
	CHECK(h != NULL && mime != NULL);
	CHECK_STR(find_header(h, "Date"), "Date: Tue, 14 Nov 2023 22:13:20 +0000");
	CHECK_STR(find_header(h, "From"), "From: Cartera <cartera@example.com>");
	CHECK_STR(find_header(h, "Message-ID"),
	    "Message-ID: <0123456789abcdef@example.com>");
	CHECK_STR(find_header(h, "MIME-Version"), "MIME-Version: 1.0");
	CHECK_STR(find_header(h, "Content-Type"),
	    "Content-Type: multipart/alternative\r\n ");
	CHECK_STR(find_header(h, "List-Unsubscribe-Post"),
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click");
	CHECK_STR(find_header(h, "List-Unsubscribe"), "List-Unsubscribe:\r\n "
	    "<https://cartera.example.com/unsubscribe/Zm9vYmFyYmF6cXV4MDEy>");
	for (n = 0, l = h; l != NULL; l = l->next, n++)
		if (strncmp(l->data, "Content-Type:", 13) != 0)
			check_shape(l->data, l->data, __LINE__);
	CHECK(n == 9);
	if ((s = find_header(h, "Subject")) != NULL) {
		CHECK(unfold(s, &u) == 0);
		CHECK(decode_text(u.data + 9, &d) == 0);
		CHECK_STR(d.data, m.subject);
	} else
		CHECK(!"no Subject");
	if ((s = find_header(h, "To")) != NULL) {
		buf_reset(&u);
		buf_reset(&d);
		CHECK(unfold(s, &u) == 0);
		CHECK(strstr(u.data, " <begona@example.es>") != NULL);
		*strstr(u.data, " <begona@example.es>") = '\0';
		CHECK(decode_phrase(u.data + 4, &d) == 0);
		CHECK_STR(d.data, "Begoña Ibáñez");
	} else
		CHECK(!"no To");
	/* A second message on the same handle, as in a batch. */
	curl_mime_free(mime);
	curl_slist_free_all(h);
	m.list_unsubscribe = NULL;
	m.inl = inl;
	m.ninline = 2;
	m.from_name = NULL;
	CHECK(mime_build(curl, &m, &h, &mime, err, sizeof(err)) == 0);
	CHECK(find_header(h, "List-Unsubscribe") == NULL);
	CHECK(find_header(h, "List-Unsubscribe-Post") == NULL);
	CHECK_STR(find_header(h, "From"), "From: cartera@example.com");
	curl_mime_free(mime);
	curl_slist_free_all(h);

	/* Reply-To for mail sent on a salesperson's behalf; CR/LF neutralised. */
	m.reply_to_name = "Ana López\r\nBcc: evil@example.com";
	m.reply_to_addr = "ana@example.com";
	CHECK(mime_build(curl, &m, &h, &mime, err, sizeof(err)) == 0);
	if ((s = find_header(h, "Reply-To")) != NULL) {
		CHECK(strstr(s, "<ana@example.com>") != NULL);
		CHECK(strstr(s, "\r\nBcc") == NULL);
		check_shape(s, s, __LINE__);
	} else
		CHECK(!"no Reply-To");
	curl_mime_free(mime);
	curl_slist_free_all(h);
	m.reply_to_addr = "ana@example.com\r\nBcc: x@example.com";
	CHECK(mime_build(curl, &m, &h, &mime, err, sizeof(err)) == -1);
	CHECK(strstr(err, "reply-to address") != NULL);
	m.reply_to_name = m.reply_to_addr = NULL;

	/* Text only. */
	m.html = NULL;
	m.ninline = 0;
	CHECK(mime_build(curl, &m, &h, &mime, err, sizeof(err)) == 0);
	curl_mime_free(mime);
	curl_slist_free_all(h);

	/* Refusals: nothing is returned and the error says why. */
	m.html = "<p>x</p>";
#define REFUSE(field, value, want) do {					\
	struct mail _b = m;						\
	_b.field = value;						\
	h = (struct curl_slist *)1;					\
	mime = (curl_mime *)1;						\
	err[0] = '\0';							\
	CHECK(mime_build(curl, &_b, &h, &mime, err, sizeof(err)) == -1); \
	CHECK(h == NULL && mime == NULL);				\
	CHECK_STR(err, want);						\
} while (0)
	REFUSE(to_addr, "x\r\ny@example.com", "recipient address "
	    "\"x\\r\\ny@example.com\" contains a line break");
	REFUSE(to_addr, "begona@example.es\r\nBcc: all@example.com",
	    "recipient address \"begona@example.es\\r\\nBcc: all@example.com\" "
	    "contains a line break");
	REFUSE(from_addr, "cartera", "sender address \"cartera\" has no '@'");
	REFUSE(to_addr, NULL, "recipient address is missing");
	REFUSE(message_id, "nope", "Message-ID \"nope\" is not of the form "
	    "<left@right>");
	REFUSE(message_id, "<a@b>\r\nBcc: x@y", "Message-ID "
	    "\"<a@b>\\r\\nBcc: x@y\" is not of the form <left@right>");
	REFUSE(message_id, NULL, "the message has no Message-ID");
	REFUSE(text, NULL, "the message has no text body");
	REFUSE(list_unsubscribe, "javascript:alert(1)", "unsubscribe URL "
	    "\"javascript:alert(1)\" does not start with https:// or http://");
	REFUSE(list_unsubscribe, "https://x.example/u\r\nBcc: y@z",
	    "unsubscribe URL \"https://x.example/u\\r\\nBcc: y@z\" contains a "
	    "line break");
	REFUSE(list_unsubscribe, "https://x.example/a>b", "unsubscribe URL "
	    "\"https://x.example/a>b\" contains '<' or '>'");
	REFUSE(date, (time_t)253402300800LL, "date 253402300800 cannot be "
	    "written in a message");
	m.html = NULL;
	REFUSE(ninline, 1, "inline parts need an HTML body");
	m.html = "<p>x</p>";
	{
		struct mail_inline bi = inl[0];

		m.inl = &bi;
		bi.cid = "<chart@x>";
		REFUSE(ninline, 1, "inline part Content-ID \"<chart@x>\" is not "
		    "of the form left@right");
		bi.cid = inl[0].cid;
		bi.type = "image/png; name=x";
		REFUSE(ninline, 1, "inline part type \"image/png; name=x\" is not "
		    "of the form type/subtype");
		bi.type = inl[0].type;
		bi.filename = "../chart.png\"";
		REFUSE(ninline, 1, "inline part file name \"../chart.png\\\"\" "
		    "must be 1 to 60 letters, digits, '.', '_' or '-'");
		m.inl = inl;
		inl[1].cid = inl[0].cid;
		REFUSE(ninline, 2, "inline part Content-ID "
		    "\"chart@cartera.example\" is used twice");
		inl[1].cid = "logo@cartera.example";
	}
#undef REFUSE
	buf_free(&u);
	buf_free(&d);
	curl_easy_cleanup(curl);
}

static void
test_pack(void)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', 0, 1, 2, 3 };
	struct mail_inline in[2] = {
		{ "chart@cartera.example", "image/png", "chart.png", png, sizeof(png) },
		{ "x@cartera.example", "image/gif", NULL, "", 0 },
	}, *out;
	unsigned char *blob;
	size_t len, n;

	CHECK(mime_pack_inline(in, 2, &blob, &len) == 0);
	CHECK(mime_unpack_inline(blob, len, &out, &n) == 0);
	CHECK(n == 2);
	if (n == 2) {
		CHECK_STR(out[0].cid, "chart@cartera.example");
		CHECK_STR(out[0].type, "image/png");
		CHECK_STR(out[0].filename, "chart.png");
		CHECK(out[0].len == sizeof(png) && memcmp(out[0].data, png, sizeof(png)) == 0);
		CHECK(out[1].filename == NULL && out[1].len == 0);
	}
	free(out);
	/* Every truncation and a corrupted length are refused, never read past. */
	for (size_t cut = 0; cut < len; cut++) {
		unsigned char *t = malloc(cut ? cut : 1);
		memcpy(t, blob, cut);
		CHECK(mime_unpack_inline(t, cut, &out, &n) == -1);
		free(t);
	}
	blob[8] = 0xff;	/* the first length: now past the end */
	CHECK(mime_unpack_inline(blob, len, &out, &n) == -1);
	free(blob);
}

int
main(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "curl_global_init failed\n");
		return 1;
	}
	test_ascii();
	test_quoted();
	test_known_words();
	test_long_utf8();
	test_boundaries();
	test_controls();
	test_addresses();
	test_message_id();
	test_date();
	test_build();
	test_pack();
	curl_global_cleanup();
	return check_done("test_mime");
}
