/*
 * fuzz_mime.c - libFuzzer harness for header encoding (daemon/mime.c)
 * and the address checks it relies on (daemon/address.c).
 *
 * Input: TEXT \0 ADDRESS \0 FIELD \0 BODY \0 HTML \0 MESSAGE-ID.  TEXT
 * is a subject and a display name, ADDRESS goes through
 * address_parse_mailbox, address_valid and mime_format_address, FIELD is
 * a header name; the whole input is also given to mime_unpack_inline.
 * Then a message of all that is built with mime_build on an easy handle
 * made once (nothing is sent).
 *
 * Properties of every header line written: ASCII, no control byte, no
 * CR or LF but in a "\r\n " fold, no blank or whitespace-only line,
 * lines of at most 998 octets, and of at most 76 where mime.h promises
 * it; unfolded and decoded (RFC 2047) it gives back the text cleaned as
 * mime.h says, and every encoded-word is at most 75 characters holding
 * whole UTF-8 characters.  An address that parses can be written; an
 * inline blob that unpacks packs back to the same bytes.
 */
#include "build.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "address.h"
#include "buf.h"
#include "mime.h"

#include "fuzz.h"

#define LINE_MAX_ALL	998	/* RFC 5322 2.1.1 */
#define LINE_MAX_FOLD	76	/* what mime.h promises for text */
#define EW_MAX		75	/* RFC 2047 2. */

enum { P_TEXT, P_ADDR, P_FIELD, P_BODY, P_HTML, P_MSGID, NPARTS };

static CURL *curl;

/*
 * The text as mime.h says it is cleaned: C0 controls, space, DEL, C1
 * controls, U+2028 and U+2029 are spaces, a byte that does not start
 * valid UTF-8 is U+FFFD, leading and trailing spaces go.
 */
static void
clean(const char *s, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k, spaces = 0;

	while (i < n) {
		k = utf8_seq(p + i, n - i);
		if ((k == 1 && (p[i] <= 0x20 || p[i] == 0x7f)) ||
		    (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) ||
		    (k == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
		    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))) {
			spaces++;
			i += k;
			continue;
		}
		if (out->len > 0)
			for (; spaces > 0; spaces--)
				buf_putc(out, ' ');
		spaces = 0;
		if (k == 0) {
			buf_add(out, "\xef\xbf\xbd", 3);
			i++;
		} else {
			buf_add(out, p + i, k);
			i += k;
		}
	}
	buf_add(out, "", 0);
	FUZZ_CHECK(!out->failed);
}

/*
 * Check the folded header h[0..n) and append it unfolded to u.  limit is
 * the longest line allowed, except for a line holding keep (an address
 * or id that may be longer by itself), which may have up to 998.
 */
static void
check_folded(const char *h, size_t n, size_t limit, const char *keep,
    struct buf *u)
{
	size_t i, start = 0, len;
	unsigned char c;

	FUZZ_CHECK(n > 0);
	for (i = 0; i <= n; i++) {
		if (i < n) {
			c = (unsigned char)h[i];
			FUZZ_CHECK(c < 0x80);
			if (c != '\r' && c != '\n') {
				FUZZ_CHECK(c >= 0x20 && c != 0x7f);
				continue;
			}
			/* Only "\r\n " between two non-blank lines. */
			FUZZ_CHECK(c == '\r' && i + 2 < n && h[i + 1] == '\n' &&
			    (h[i + 2] == ' ' || h[i + 2] == '\t'));
		}
		len = i - start;
		FUZZ_CHECK(len > 0);
		if (len > limit && (keep == NULL || keep[0] == '\0' ||
		    memmem(h + start, len, keep, strlen(keep)) == NULL)) {
			fprintf(stderr, "line of %zu octets (limit %zu): %.*s\n",
			    len, limit, (int)len, h + start);
			FUZZ_CHECK(!"header line too long");
		}
		FUZZ_CHECK(len <= LINE_MAX_ALL);
		/* Not whitespace only. */
		FUZZ_CHECK(strspn(h + start, " \t") < len);
		buf_add(u, h + start, len);
		start = i + 2;
		i++;
	}
	buf_add(u, "", 0);
	FUZZ_CHECK(!u->failed);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;	/* mime.c writes upper case */
}

static int
b64val(int c)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return -1;
	return (int)(p - b64);
}

/* Decode the encoded-word w[0..n) into out; 0, or -1 if it is not one. */
static int
decode_word(const char *w, size_t n, struct buf *out)
{
	size_t i, start = out->len;
	int q, a, b, v[4], k;

	if (n < 12 || strncasecmp(w, "=?utf-8?", 8) != 0 ||
	    w[9] != '?' || w[n - 2] != '?' || w[n - 1] != '=')
		return -1;
	if (w[8] == 'q' || w[8] == 'Q')
		q = 1;
	else if (w[8] == 'b' || w[8] == 'B')
		q = 0;
	else
		return -1;
	FUZZ_CHECK(n <= EW_MAX);
	w += 10;
	n -= 12;
	if (q) {
		for (i = 0; i < n; i++) {
			if (w[i] == '_')
				buf_putc(out, ' ');
			else if (w[i] == '=') {
				FUZZ_CHECK(i + 2 < n);
				a = hexval((unsigned char)w[i + 1]);
				b = hexval((unsigned char)w[i + 2]);
				FUZZ_CHECK(a >= 0 && b >= 0);
				buf_putc(out, a * 16 + b);
				i += 2;
			} else {
				/* RFC 2047 5.(3): what a phrase may hold. */
				FUZZ_CHECK(strchr("!*+-/", w[i]) != NULL ||
				    (w[i] >= '0' && w[i] <= '9') ||
				    (w[i] >= 'a' && w[i] <= 'z') ||
				    (w[i] >= 'A' && w[i] <= 'Z'));
				buf_putc(out, w[i]);
			}
		}
	} else {
		FUZZ_CHECK(n % 4 == 0);
		for (i = 0; i < n; i += 4) {
			for (k = 0; k < 4; k++)
				v[k] = w[i + k] == '=' ? 0 :
				    b64val((unsigned char)w[i + k]);
			FUZZ_CHECK(v[0] >= 0 && v[1] >= 0 && v[2] >= 0 &&
			    v[3] >= 0);
			buf_putc(out, v[0] << 2 | v[1] >> 4);
			if (w[i + 2] != '=')
				buf_putc(out, (v[1] & 0xf) << 4 | v[2] >> 2);
			if (w[i + 3] != '=')
				buf_putc(out, (v[2] & 0x3) << 6 | v[3]);
		}
	}
	FUZZ_CHECK(!out->failed);
	/* Each word holds whole characters (RFC 2047 5.(3)). */
	FUZZ_CHECK(fuzz_utf8_valid(out->data + start, out->len - start));
	return 0;
}

/*
 * RFC 2047 decoding of unfolded text s: encoded-words are decoded, the
 * white space between two of them goes, everything else stays.
 */
static void
decode_text(const char *s, struct buf *out)
{
	size_t i = 0, ws, tok, mark;
	int prev_ew = 0;

	while (s[i] != '\0') {
		ws = strspn(s + i, " \t");
		tok = strcspn(s + i + ws, " \t");
		if (tok == 0) {
			buf_add(out, s + i, ws);
			break;
		}
		mark = out->len;
		if (!prev_ew)
			buf_add(out, s + i, ws);
		if (decode_word(s + i + ws, tok, out) == 0)
			prev_ew = 1;
		else {
			if (prev_ew) {
				out->len = mark;
				buf_add(out, s + i, ws);
			}
			buf_add(out, s + i + ws, tok);
			prev_ew = 0;
		}
		i += ws + tok;
	}
	buf_add(out, "", 0);
	FUZZ_CHECK(!out->failed);
}

/* Decode a phrase: a quoted-string, or atoms and encoded-words. */
static void
decode_phrase(const char *s, struct buf *out)
{
	size_t n = strlen(s), i;

	if (n > 0 && s[0] == '"') {
		FUZZ_CHECK(n >= 2 && s[n - 1] == '"');
		for (i = 1; i + 1 < n; i++) {
			if (s[i] == '\\')
				i++;
			else
				FUZZ_CHECK(s[i] != '"');
			buf_putc(out, s[i]);
		}
		buf_add(out, "", 0);
		FUZZ_CHECK(!out->failed);
		return;
	}
	decode_text(s, out);
}

static void
expect_same(const char *what, const struct buf *got, const char *input,
    const struct buf *want)
{
	if (strcmp(got->data, want->data) != 0) {
		fprintf(stderr, "%s of \"%s\":\n  decodes to \"%s\"\n"
		    "  cleaned is \"%s\"\n", what, input, got->data, want->data);
		FUZZ_CHECK(!"encoded text does not decode to the cleaned text");
	}
}

static void
fuzz_unstructured(const char *field, const char *value, int fixed)
{
	struct buf out = BUF_INIT, u = BUF_INIT, want = BUF_INIT,
	    got = BUF_INIT;
	size_t fl = strlen(field);
	int rv;

	rv = mime_encode_unstructured(field, value, &out);
	if (fixed)
		FUZZ_CHECK(rv == 0 || strlen(value) > 8192);
	if (rv == -1)
		goto done;
	check_folded(out.data, out.len, LINE_MAX_FOLD, NULL, &u);
	FUZZ_CHECK(strncmp(u.data, field, fl) == 0 && u.data[fl] == ':');
	clean(value, &want);
	if (want.len == 0)
		FUZZ_CHECK(u.data[fl + 1] == '\0');
	else {
		FUZZ_CHECK(u.data[fl + 1] == ' ');
		decode_text(u.data + fl + 2, &got);
		expect_same("Subject", &got, value, &want);
	}
done:
	buf_free(&out);
	buf_free(&u);
	buf_free(&want);
	buf_free(&got);
}

static void
fuzz_phrase(const char *display)
{
	struct buf out = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	size_t i;

	if (mime_encode_phrase(display, &out) == -1) {
		FUZZ_CHECK(strlen(display) > 8192);
		goto done;
	}
	clean(display, &want);
	if (want.len == 0) {
		FUZZ_CHECK(out.len == 0);
		goto done;
	}
	FUZZ_CHECK(out.len > 0);
	for (i = 0; i < out.len; i++)
		FUZZ_CHECK((unsigned char)out.data[i] >= 0x20 &&
		    (unsigned char)out.data[i] < 0x7f);
	decode_phrase(out.data, &got);
	expect_same("phrase", &got, display, &want);
done:
	buf_free(&out);
	buf_free(&want);
	buf_free(&got);
}

/* Write "Field: name <addr>" and check it; returns what the call did. */
static int
format_address(const char *field, const char *name, const char *addr)
{
	struct buf out = BUF_INIT, u = BUF_INIT, want = BUF_INIT,
	    got = BUF_INIT;
	size_t fl = strlen(field), al, ul;
	char err[512];
	int rv;

	err[0] = '\0';
	rv = mime_format_address(field, name, addr, &out, err, sizeof(err));
	if (rv == -1) {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(strpbrk(err, "\r\n") == NULL);
		goto done;
	}
	FUZZ_CHECK(address_valid(addr));
	check_folded(out.data, out.len, LINE_MAX_FOLD, addr, &u);
	al = strlen(addr);
	ul = u.len;
	FUZZ_CHECK(ul > fl + 2 && strncmp(u.data, field, fl) == 0 &&
	    u.data[fl] == ':' && u.data[fl + 1] == ' ');
	clean(name != NULL ? name : "", &want);
	if (want.len == 0) {
		/* "Field: addr" */
		FUZZ_CHECK(strcmp(u.data + fl + 2, addr) == 0);
		goto done;
	}
	/* "Field: phrase <addr>" */
	FUZZ_CHECK(ul > fl + 2 + al + 3 && u.data[ul - 1] == '>' &&
	    memcmp(u.data + ul - 1 - al, addr, al) == 0 &&
	    u.data[ul - al - 2] == '<' && u.data[ul - al - 3] == ' ');
	u.data[ul - al - 3] = '\0';
	decode_phrase(u.data + fl + 2, &got);
	expect_same("display name", &got, name, &want);
done:
	buf_free(&out);
	buf_free(&u);
	buf_free(&want);
	buf_free(&got);
	return rv;
}

static void
fuzz_address(const char *s, const char *text, const char *field)
{
	char *name = NULL, *addr = NULL, err[512];
	int rv;

	(void)address_valid(s);
	err[0] = '\0';
	rv = address_parse_mailbox(s, &name, &addr, err, sizeof(err));
	if (rv == -1) {
		FUZZ_CHECK(name == NULL && addr == NULL && err[0] != '\0');
		FUZZ_CHECK(strpbrk(err, "\r\n") == NULL);
	} else {
		FUZZ_CHECK(addr != NULL && address_valid(addr));
		FUZZ_CHECK(name == NULL || name[0] != '\0');
		/* What parses can be written. */
		FUZZ_CHECK(format_address("From", name, addr) == 0);
	}
	free(name);
	free(addr);
	(void)format_address("To", text, s);
	(void)format_address(field, text, "ana@example.org");
}

static void
fuzz_unpack(const uint8_t *data, size_t size, struct mail_inline **inl,
    size_t *n)
{
	unsigned char *blob;
	size_t len;

	if (mime_unpack_inline(data, size, inl, n) == -1) {
		FUZZ_CHECK(*inl == NULL && *n == 0);
		return;
	}
	if (*n == 0)
		return;
	FUZZ_CHECK(mime_pack_inline(*inl, *n, &blob, &len) == 0);
	FUZZ_CHECK(len == size && memcmp(blob, data, size) == 0);
	free(blob);
}

static void
fuzz_build(char **part, const struct mail_inline *inl, size_t ninl)
{
	struct curl_slist *hl = NULL, *h;
	curl_mime *mime = NULL;
	struct mail m;
	struct buf u = BUF_INIT;
	char err[512];
	size_t i;

	memset(&m, 0, sizeof(m));
	m.from_name = part[P_TEXT];
	m.from_addr = address_valid(part[P_ADDR]) ? part[P_ADDR] :
	    "carterad@example.org";
	m.to_name = part[P_FIELD];
	m.to_addr = "ana@example.org";
	m.reply_to_name = part[P_TEXT];
	m.reply_to_addr = part[P_HTML][0] == '\0' ? NULL : "reply@example.org";
	m.subject = part[P_TEXT];
	m.message_id = part[P_MSGID][0] != '\0' ? part[P_MSGID] :
	    "<0123456789abcdef@example.org>";
	m.date = (time_t)(unsigned char)part[P_BODY][0] * 86400 * 365;
	m.text = part[P_BODY];
	m.html = part[P_HTML][0] != '\0' ? part[P_HTML] : NULL;
	if (strncmp(part[P_ADDR], "http", 4) == 0)
		m.list_unsubscribe = part[P_ADDR];
	m.inl = inl;
	m.ninline = ninl;

	err[0] = '\0';
	if (mime_build(curl, &m, &hl, &mime, err, sizeof(err)) == -1) {
		FUZZ_CHECK(hl == NULL && mime == NULL && err[0] != '\0');
		return;
	}
	for (h = hl, i = 0; h != NULL; h = h->next, i++) {
		size_t n = strlen(h->data);

		/* Our Content-Type ends in a fold libcurl completes. */
		if (strncmp(h->data, "Content-Type:", 13) == 0)
			n -= 3;
		buf_reset(&u);
		check_folded(h->data, n, strncmp(h->data, "Message-ID:", 11) ==
		    0 || strncmp(h->data, "List-Unsubscribe:", 17) == 0 ?
		    LINE_MAX_ALL : LINE_MAX_FOLD, m.from_addr, &u);
	}
	FUZZ_CHECK(i >= 7);
	buf_free(&u);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(curl, CURLOPT_MIMEPOST, NULL);
	curl_mime_free(mime);
	curl_slist_free_all(hl);
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_inline *inl = NULL;
	char *part[NPARTS];
	size_t len[NPARTS], ninl = 0;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (curl == NULL) {
		FUZZ_CHECK(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK);
		FUZZ_CHECK((curl = curl_easy_init()) != NULL);
	}
	if (fuzz_split(data, size, NPARTS, part, len) == -1)
		return 0;

	fuzz_unstructured("Subject", part[P_TEXT], 1);
	fuzz_unstructured(part[P_FIELD], part[P_TEXT], 0);
	fuzz_phrase(part[P_TEXT]);
	fuzz_address(part[P_ADDR], part[P_TEXT], part[P_FIELD]);
	fuzz_unpack(data, size, &inl, &ninl);
	fuzz_build(part, inl, ninl);

	free(inl);
	fuzz_split_free(part, NPARTS);
	return 0;
}
