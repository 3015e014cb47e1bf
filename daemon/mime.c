/*
 * mime.c - a mail description becomes a libcurl MIME tree and the
 * RFC 5322 header lines that go with it.  All header encoding lives here:
 * RFC 2047 encoded-words, quoted-strings, folding.  Addresses are checked
 * by address.c, the one validator.
 *
 * Must not do I/O (no network, no files, no store), and must not let any
 * byte of a caller's value end a header line: text is cleaned of control
 * characters before it is encoded, and addresses, ids and URLs that
 * contain them are refused.  Every function here takes arbitrary input
 * (it is fuzzed), so all lengths are checked before they are used.
 */
#include "build.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#ifdef HAVE_GETRANDOM
#endif

#include <curl/curl.h>

#include "address.h"
#include "buf.h"
#include "clock.h"
#include "entropy.h"
#include "mime.h"
#include "utf8.h"

#define HDR_FOLD	76	/* longest header line we write (RFC 2047 2.) */
#define EW_MAX		75	/* longest encoded-word (RFC 2047 2.) */
#define EW_OVERHEAD	12	/* "=?utf-8?q?" and "?=" */
#define EW_CHAR_MAX	12	/* one 4-byte character, Q-encoded */
#define FIELD_MAX	40	/* longest header name we accept */
#define TEXT_MAX	8192	/* longest subject or display name, bytes */
#define MSGID_MAX	300
#define URL_MAX		900
#define TYPE_MAX	100
#define INLNAME_MAX	60

/*
 * libcurl writes the top-level Content-Type itself, as the value we give
 * followed by "; boundary=" and 40 characters: too long for one line.
 * A Content-Type in CURLOPT_HTTPHEADER sets that value and is not sent
 * on its own (checked with libcurl 7.88), so ending the value with a
 * fold puts the boundary on a continuation line.  Whitespace before ';'
 * is allowed in MIME parameters (RFC 2045 5.1).
 */
#define CT_ALTERNATIVE	"Content-Type: multipart/alternative\r\n "
#define CT_RELATED	"multipart/related; type=\"text/html\"\r\n "
#define CT_TEXT		"text/plain; charset=utf-8"
#define CT_HTML		"text/html; charset=utf-8"

enum { TXT_ATOMS, TXT_ASCII, TXT_OTHER };

static void	 seterr(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void
nomem(char *err, size_t errlen)
{
	seterr(err, errlen, "cannot build the message: out of memory");
}

static int
curl_failed(CURLcode rc, const char *what, char *err, size_t errlen)
{
	seterr(err, errlen, "cannot build the message: %s: %s", what,
	    curl_easy_strerror(rc));
	return -1;
}

/*
 * Character classes.  Deliberately not <ctype.h>: locale-free, and the
 * argument is always a byte value.
 */
static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* RFC 5322 atext */
static int
is_atext(int c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 2045 token character */
static int
is_token(int c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* Literal in a Q encoded-word anywhere, phrases included (RFC 2047 5.(3)). */
static int
q_literal(int c)
{
	return is_alnum(c) || c == '!' || c == '*' || c == '+' || c == '-' ||
	    c == '/';
}

static size_t
q_cost(int c)
{
	return q_literal(c) || c == ' ' ? 1 : 3;
}


/*
 * Append s to out as valid UTF-8 that is safe in a header: C0 controls,
 * DEL, C1 controls and U+2028/U+2029 become spaces, a byte that does not
 * start a valid sequence becomes U+FFFD, leading and trailing spaces go.
 */
static int
text_clean(const char *s, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k, spaces = 0;
	int started = 0;

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
		for (; started && spaces > 0; spaces--)
			buf_putc(out, ' ');
		spaces = 0;
		started = 1;
		if (k == 0) {
			buf_add(out, "\xef\xbf\xbd", 3);
			i++;
		} else {
			buf_add(out, p + i, k);
			i += k;
		}
	}
	return out->failed ? -1 : 0;
}

/* Clean text (no controls): atoms and spaces, other ASCII, or neither. */
static int
classify(const char *s, size_t n)
{
	unsigned char c;
	int kind = TXT_ATOMS;
	size_t i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x80)
			return TXT_OTHER;
		/* Would read as an encoded-word: encode it so it reads back. */
		if (c == '=' && i + 1 < n && s[i + 1] == '?')
			return TXT_OTHER;
		if (c != ' ' && !is_atext(c))
			kind = TXT_ASCII;
	}
	return kind;
}

/*
 * Folding.  A header line is cut into segments, each a run of spaces
 * and the run of non-spaces after it; a fold ("\r\n") goes only before
 * a segment, so unfolding gives back the line and no line is blank.
 */
static size_t
seg_end(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] == ' ')
		i++;
	while (i < n && s[i] != ' ')
		i++;
	return i;
}

/* 1 if s[0..n), starting at column col, folds into lines <= HDR_FOLD. */
static int
fits(const char *s, size_t n, size_t col)
{
	size_t i = 0, j;

	while (i < n) {
		j = seg_end(s, n, i);
		if (col + (j - i) > HDR_FOLD)
			return 0;
		col = 0;
		i = j;
	}
	return 1;
}

/* Append the one-line header s[0..n) to out, folded greedily. */
static void
fold(struct buf *out, const char *s, size_t n)
{
	size_t i = 0, j, col = 0;

	while (i < n) {
		j = seg_end(s, n, i);
		if (i > 0 && s[j - 1] != ' ' && col + (j - i) > HDR_FOLD) {
			buf_add(out, "\r\n", 2);
			col = 0;
		}
		buf_add(out, s + i, j - i);
		col += j - i;
		i = j;
	}
}

static void
q_put(struct buf *out, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (q_literal(p[i]))
			buf_putc(out, p[i]);
		else if (p[i] == ' ')
			buf_putc(out, '_');
		else
			buf_printf(out, "=%02X", p[i]);
	}
}

static void
b64_put(struct buf *out, const unsigned char *p, size_t n)
{
	char q[4];
	uint32_t v;
	size_t i;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64chars[(v >> 18) & 0x3f];
		q[1] = b64chars[(v >> 12) & 0x3f];
		q[2] = i + 1 < n ? b64chars[(v >> 6) & 0x3f] : '=';
		q[3] = i + 2 < n ? b64chars[v & 0x3f] : '=';
		buf_add(out, q, 4);
	}
}

/*
 * Append clean UTF-8 s[0..n) (n <= TEXT_MAX) as encoded-words separated
 * by single spaces: Q or B, whichever is shorter for the whole text.
 * The first word is sized to end by column HDR_FOLD when it starts at
 * column col, the others to EW_MAX so each fits a continuation line.
 * A word ends only between two characters.
 */
static void
encode_words(struct buf *out, const char *s, size_t n, size_t col)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, j, k = 1, t, room, used, cost, qlen = 0, blen;
	int useq;

	for (i = 0; i < n; i++)
		qlen += q_cost(p[i]);
	blen = (n + 2) / 3 * 4;
	useq = qlen <= blen;

	room = EW_MAX;
	if (col < HDR_FOLD && HDR_FOLD - col < room)
		room = HDR_FOLD - col;
	if (room < EW_OVERHEAD + EW_CHAR_MAX)
		room = EW_MAX;	/* fold() will put it on a line of its own */

	for (i = 0; i < n; i = j) {
		used = 0;
		for (j = i; j < n; j += k) {
			if ((k = utf8_seq(p + j, n - j)) == 0)
				k = 1;	/* not clean text; still never overrun */
			if (useq) {
				for (cost = 0, t = 0; t < k; t++)
					cost += q_cost(p[j + t]);
				if (EW_OVERHEAD + used + cost > room)
					break;
				used += cost;
			} else if (EW_OVERHEAD + (j + k - i + 2) / 3 * 4 > room)
				break;
		}
		if (j == i)	/* cannot happen: room holds any character */
			j = i + k;
		if (i > 0)
			buf_putc(out, ' ');
		buf_puts(out, useq ? "=?utf-8?q?" : "=?utf-8?b?");
		if (useq)
			q_put(out, p + i, j - i);
		else
			b64_put(out, p + i, j - i);
		buf_puts(out, "?=");
		room = EW_MAX;
	}
}

/* Append display as a phrase that starts at column col. */
static int
phrase(struct buf *out, const char *display, size_t col)
{
	struct buf c = BUF_INIT, q = BUF_INIT;
	size_t i;
	int kind, rc = -1;

	if (display == NULL)
		return 0;
	if (strlen(display) > TEXT_MAX)
		return -1;
	if (text_clean(display, &c) == -1)
		goto done;
	if (c.len == 0) {
		rc = 0;
		goto done;
	}
	kind = classify(c.data, c.len);
	if (kind == TXT_ASCII) {
		buf_putc(&q, '"');
		for (i = 0; i < c.len; i++) {
			if (c.data[i] == '"' || c.data[i] == '\\')
				buf_putc(&q, '\\');
			buf_putc(&q, c.data[i]);
		}
		buf_putc(&q, '"');
		if (q.failed)
			goto done;
	}
	if (kind == TXT_ATOMS && fits(c.data, c.len, col))
		buf_add(out, c.data, c.len);
	else if (kind == TXT_ASCII && fits(q.data, q.len, col))
		buf_add(out, q.data, q.len);
	else
		encode_words(out, c.data, c.len, col);
	rc = out->failed ? -1 : 0;
done:
	buf_free(&c);
	buf_free(&q);
	return rc;
}

/* 1 if field is a header name we write: 1..FIELD_MAX of ftext. */
static int
field_valid(const char *field)
{
	size_t i;

	if (field == NULL)
		return 0;
	for (i = 0; field[i] != '\0'; i++)
		if (i >= FIELD_MAX || field[i] <= 0x20 || field[i] >= 0x7f ||
		    field[i] == ':')
			return 0;
	return i > 0;
}

/* 1 if s[0..n) is RFC 5322 dot-atom-text. */
static int
dot_atom(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i - 1] == '.')
				return 0;
		} else if (!is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* What is wrong with the bytes of s[0..n) for a header, or NULL. */
static const char *
bytes_problem(const char *s, size_t n)
{
	return address_bytes_problem(s, n, "contains non-ASCII characters");
}

/* 1 if s[0..n) is "left@right", both dot-atom-text (msg-id, Content-ID). */
static int
id_valid(const char *s, size_t n)
{
	const char *at;

	if ((at = memchr(s, '@', n)) == NULL)
		return 0;
	return dot_atom(s, (size_t)(at - s)) &&
	    dot_atom(at + 1, n - (size_t)(at - s) - 1);
}

static int
msgid_valid(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) < 5 || n > MSGID_MAX)
		return 0;
	return s[0] == '<' && s[n - 1] == '>' && id_valid(s + 1, n - 2);
}

/* What is wrong with an http(s) URL for List-Unsubscribe, or NULL. */
static const char *
url_problem(const char *u)
{
	const char *why, *host;
	size_t n = strlen(u);

	if ((why = bytes_problem(u, n)) != NULL)
		return why;
	if (strchr(u, '"') != NULL)
		return "contains '\"'";
	if (n > URL_MAX)
		return "is longer than 900 characters";
	if (strncasecmp(u, "https://", 8) == 0)
		host = u + 8;
	else if (strncasecmp(u, "http://", 7) == 0)
		host = u + 7;
	else
		return "does not start with https:// or http://";
	if (*host == '\0' || *host == '/')
		return "has no host";
	return NULL;
}

static int
type_valid(const char *t)
{
	const char *slash;
	size_t i;

	if (t == NULL || strlen(t) > TYPE_MAX || (slash = strchr(t, '/')) == NULL ||
	    slash == t || slash[1] == '\0')
		return 0;
	for (i = 0; t[i] != '\0'; i++)
		if (t + i != slash && !is_token((unsigned char)t[i]))
			return 0;
	return 1;
}

static int
filename_valid(const char *f)
{
	size_t i;

	for (i = 0; f[i] != '\0'; i++)
		if (i >= INLNAME_MAX || (!is_alnum((unsigned char)f[i]) &&
		    f[i] != '.' && f[i] != '_' && f[i] != '-'))
			return 0;
	return i > 0;
}

static const char *
role_of(const char *field)
{
	if (strcasecmp(field, "From") == 0 || strcasecmp(field, "Sender") == 0)
		return "sender address";
	if (strcasecmp(field, "To") == 0 || strcasecmp(field, "Cc") == 0 ||
	    strcasecmp(field, "Bcc") == 0)
		return "recipient address";
	if (strcasecmp(field, "Reply-To") == 0)
		return "reply-to address";
	return "address";
}

int
mime_encode_phrase(const char *display, struct buf *out)
{
	return phrase(out, display, 0);
}

int
mime_encode_unstructured(const char *field, const char *value,
    struct buf *out)
{
	struct buf line = BUF_INIT, c = BUF_INIT;
	size_t col;
	int rc = -1;

	if (!field_valid(field))
		return -1;
	if (value == NULL)
		value = "";
	if (strlen(value) > TEXT_MAX)
		return -1;
	if (text_clean(value, &c) == -1)
		goto done;
	buf_printf(&line, "%s:", field);
	if (c.len > 0) {
		buf_putc(&line, ' ');
		col = line.len;
		if (classify(c.data, c.len) != TXT_OTHER &&
		    fits(c.data, c.len, col))
			buf_add(&line, c.data, c.len);
		else
			encode_words(&line, c.data, c.len, col);
	}
	if (line.failed)
		goto done;
	fold(out, line.data, line.len);
	rc = out->failed ? -1 : 0;
done:
	buf_free(&line);
	buf_free(&c);
	return rc;
}

int
mime_format_address(const char *field, const char *name, const char *addr,
    struct buf *out, char *err, size_t errlen)
{
	struct buf line = BUF_INIT;
	const char *why;
	size_t mark;
	int badc;

	if (!field_valid(field)) {
		seterr(err, errlen, "invalid header name");
		return -1;
	}
	if ((why = address_problem(addr, &badc)) != NULL) {
		address_error(err, errlen, role_of(field), addr, why, badc);
		return -1;
	}
	if (name != NULL && strlen(name) > TEXT_MAX) {
		seterr(err, errlen, "display name for %s is longer than %d bytes",
		    addr, TEXT_MAX);
		return -1;
	}
	buf_printf(&line, "%s: ", field);
	mark = line.len;
	if (phrase(&line, name, mark) == -1)
		goto nomem;
	if (line.len > mark)
		buf_printf(&line, " <%s>", addr);
	else
		buf_puts(&line, addr);
	if (line.failed)
		goto nomem;
	fold(out, line.data, line.len);
	buf_free(&line);
	if (out->failed)
		goto nomem;
	return 0;
nomem:
	buf_free(&line);
	nomem(err, errlen);
	return -1;
}

int
mime_message_id(const char *domain, char *out, size_t len)
{
	unsigned char r[16];
	char hex[sizeof(r) * 2 + 1];
	size_t i;
	int w, badc;

	if (out == NULL || len == 0)
		return -1;
	out[0] = '\0';
	if (domain == NULL || bytes_problem(domain, strlen(domain)) != NULL ||
	    address_domain_problem(domain, strlen(domain), &badc) != NULL ||
	    entropy_fill(r, sizeof(r)) == -1)
		return -1;
	for (i = 0; i < sizeof(r); i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	w = snprintf(out, len, "<%s@%s>", hex, domain);
	if (w < 0 || (size_t)w >= len) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int
mime_date(time_t t, char *out, size_t len)
{
	return clock_format_rfc5322(t, "+0000", out, len);
}

/*
 * mime_build and its helpers.
 */

/* Everything about m that can be refused, refused before building. */
static int
check_mail(const struct mail *m, char *err, size_t errlen)
{
	const struct mail_inline *in;
	const char *why;
	size_t i, j;

	if (m->subject != NULL && strlen(m->subject) > TEXT_MAX) {
		seterr(err, errlen, "subject is longer than %d bytes", TEXT_MAX);
		return -1;
	}
	if (!msgid_valid(m->message_id)) {
		if (m->message_id == NULL)
			seterr(err, errlen, "the message has no Message-ID");
		else
			address_error(err, errlen, "Message-ID", m->message_id,
			    "is not of the form <left@right>", -1);
		return -1;
	}
	if (m->text == NULL) {
		seterr(err, errlen, "the message has no text body");
		return -1;
	}
	if (m->list_unsubscribe != NULL &&
	    (why = url_problem(m->list_unsubscribe)) != NULL) {
		address_error(err, errlen, "unsubscribe URL", m->list_unsubscribe,
		    why, -1);
		return -1;
	}
	if (m->ninline > 0 && (m->html == NULL || m->inl == NULL)) {
		seterr(err, errlen, "inline parts need an HTML body");
		return -1;
	}
	for (i = 0; i < m->ninline; i++) {
		in = &m->inl[i];
		if (in->cid == NULL || strlen(in->cid) > MSGID_MAX - 2 ||
		    !id_valid(in->cid, strlen(in->cid))) {
			address_error(err, errlen, "inline part Content-ID",
			    in->cid == NULL ? "" : in->cid,
			    "is not of the form left@right", -1);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(m->inl[j].cid, in->cid) == 0) {
				address_error(err, errlen, "inline part Content-ID",
				    in->cid, "is used twice", -1);
				return -1;
			}
		}
		if (!type_valid(in->type)) {
			address_error(err, errlen, "inline part type",
			    in->type == NULL ? "" : in->type,
			    "is not of the form type/subtype", -1);
			return -1;
		}
		if (in->filename != NULL && !filename_valid(in->filename)) {
			address_error(err, errlen, "inline part file name",
			    in->filename, "must be 1 to 60 letters, digits, "
			    "'.', '_' or '-'", -1);
			return -1;
		}
		if (in->data == NULL && in->len > 0) {
			seterr(err, errlen, "inline part %s has no data",
			    in->cid);
			return -1;
		}
	}
	return 0;
}

/* Move the line in b to the end of *lp. */
static int
push(struct curl_slist **lp, struct buf *b, char *err, size_t errlen)
{
	struct curl_slist *n;

	if (b->failed || b->data == NULL ||
	    (n = curl_slist_append(*lp, b->data)) == NULL) {
		nomem(err, errlen);
		return -1;
	}
	*lp = n;
	buf_reset(b);
	return 0;
}

/* Fold the one-line header in line into b, then push it. */
static int
push_folded(struct curl_slist **lp, struct buf *line, struct buf *b,
    char *err, size_t errlen)
{
	if (line->failed || line->data == NULL) {
		nomem(err, errlen);
		return -1;
	}
	fold(b, line->data, line->len);
	buf_reset(line);
	return push(lp, b, err, errlen);
}

static int
build_headers(const struct mail *m, struct curl_slist **lp, char *err,
    size_t errlen)
{
	struct buf b = BUF_INIT, line = BUF_INIT;
	char date[64];

	if (mime_date(m->date, date, sizeof(date)) == -1) {
		seterr(err, errlen, "date %lld cannot be written in a message",
		    (long long)m->date);
		return -1;
	}
	buf_printf(&b, "Date: %s", date);
	if (push(lp, &b, err, errlen) == -1)
		goto fail;
	if (mime_format_address("From", m->from_name, m->from_addr, &b,
	    err, errlen) == -1 || push(lp, &b, err, errlen) == -1)
		goto fail;
	if (mime_format_address("To", m->to_name, m->to_addr, &b,
	    err, errlen) == -1 || push(lp, &b, err, errlen) == -1)
		goto fail;
	if (m->reply_to_addr != NULL && (mime_format_address("Reply-To",
	    m->reply_to_name, m->reply_to_addr, &b, err, errlen) == -1 ||
	    push(lp, &b, err, errlen) == -1))
		goto fail;
	if (mime_encode_unstructured("Subject", m->subject, &b) == -1) {
		nomem(err, errlen);
		goto fail;
	}
	if (push(lp, &b, err, errlen) == -1)
		goto fail;
	buf_printf(&line, "Message-ID: %s", m->message_id);
	if (push_folded(lp, &line, &b, err, errlen) == -1)
		goto fail;
	buf_puts(&b, "MIME-Version: 1.0");
	if (push(lp, &b, err, errlen) == -1)
		goto fail;
	buf_puts(&b, CT_ALTERNATIVE);
	if (push(lp, &b, err, errlen) == -1)
		goto fail;
	if (m->list_unsubscribe != NULL) {
		buf_printf(&line, "List-Unsubscribe: <%s>", m->list_unsubscribe);
		if (push_folded(lp, &line, &b, err, errlen) == -1)
			goto fail;
		buf_puts(&b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click");
		if (push(lp, &b, err, errlen) == -1)
			goto fail;
	}
	buf_free(&b);
	buf_free(&line);
	return 0;
fail:
	buf_free(&b);
	buf_free(&line);
	return -1;
}

/* Append s to out with every line end (LF, CR or CRLF) made CRLF. */
static void
to_crlf(const char *s, struct buf *out)
{
	size_t i, run;

	for (i = 0; s[i] != '\0'; ) {
		run = strcspn(s + i, "\r\n");
		buf_add(out, s + i, run);
		i += run;
		if (s[i] == '\0')
			break;
		buf_add(out, "\r\n", 2);
		if (s[i] == '\r' && s[i + 1] == '\n')
			i++;
		i++;
	}
	buf_reserve(out, 0);	/* data is not NULL even for "" */
}

/* Add a quoted-printable UTF-8 text part of the given type to mime. */
static int
add_body(curl_mime *mime, const char *type, const char *text, char *err,
    size_t errlen)
{
	struct buf b = BUF_INIT;
	curl_mimepart *part;
	CURLcode rc;
	int ret = -1;

	to_crlf(text, &b);
	if (b.failed || (part = curl_mime_addpart(mime)) == NULL) {
		nomem(err, errlen);
		goto done;
	}
	if ((rc = curl_mime_data(part, b.data, b.len)) != CURLE_OK ||
	    (rc = curl_mime_type(part, type)) != CURLE_OK ||
	    (rc = curl_mime_encoder(part, "quoted-printable")) != CURLE_OK) {
		curl_failed(rc, "body part", err, errlen);
		goto done;
	}
	ret = 0;
done:
	buf_free(&b);
	return ret;
}

/* Add one base64 inline part (checked by check_mail) to mime. */
static int
add_inline(curl_mime *mime, const struct mail_inline *in, char *err,
    size_t errlen)
{
	struct curl_slist *hl = NULL;
	struct buf b = BUF_INIT, line = BUF_INIT;
	curl_mimepart *part;
	CURLcode rc;
	int ret = -1;

	if ((part = curl_mime_addpart(mime)) == NULL) {
		nomem(err, errlen);
		goto done;
	}
	if ((rc = curl_mime_data(part, in->len > 0 ? in->data : "",
	    in->len)) != CURLE_OK ||
	    (rc = curl_mime_type(part, in->type)) != CURLE_OK ||
	    (rc = curl_mime_encoder(part, "base64")) != CURLE_OK) {
		curl_failed(rc, "inline part", err, errlen);
		goto done;
	}
	buf_printf(&line, "Content-ID: <%s>", in->cid);
	if (push_folded(&hl, &line, &b, err, errlen) == -1)
		goto done;
	buf_puts(&line, "Content-Disposition: inline");
	if (in->filename != NULL)
		buf_printf(&line, "; filename=\"%s\"", in->filename);
	if (push_folded(&hl, &line, &b, err, errlen) == -1)
		goto done;
	if ((rc = curl_mime_headers(part, hl, 1)) != CURLE_OK) {
		curl_failed(rc, "inline part headers", err, errlen);
		goto done;
	}
	hl = NULL;	/* the part owns it now */
	ret = 0;
done:
	curl_slist_free_all(hl);
	buf_free(&b);
	buf_free(&line);
	return ret;
}

/* Add the multipart/related holding the HTML and the inline parts. */
static int
add_related(CURL *curl, curl_mime *mime, const struct mail *m, char *err,
    size_t errlen)
{
	curl_mimepart *rel;
	curl_mime *sub;
	CURLcode rc;
	size_t i;

	if ((rel = curl_mime_addpart(mime)) == NULL ||
	    (sub = curl_mime_init(curl)) == NULL) {
		nomem(err, errlen);
		return -1;
	}
	if (add_body(sub, CT_HTML, m->html, err, errlen) == -1)
		goto fail;
	for (i = 0; i < m->ninline; i++)
		if (add_inline(sub, &m->inl[i], err, errlen) == -1)
			goto fail;
	if ((rc = curl_mime_type(rel, CT_RELATED)) != CURLE_OK ||
	    (rc = curl_mime_subparts(rel, sub)) != CURLE_OK) {
		curl_failed(rc, "multipart/related part", err, errlen);
		goto fail;
	}
	return 0;	/* rel owns sub */
fail:
	curl_mime_free(sub);
	return -1;
}

int
mime_build(CURL *curl, const struct mail *m, struct curl_slist **headersp,
    curl_mime **mimep, char *err, size_t errlen)
{
	struct curl_slist *hl = NULL;
	curl_mime *mime = NULL;
	CURLcode rc;

	*headersp = NULL;
	*mimep = NULL;
	if (curl == NULL || m == NULL) {
		seterr(err, errlen, "cannot build the message: no handle");
		return -1;
	}
	if (check_mail(m, err, errlen) == -1 ||
	    build_headers(m, &hl, err, errlen) == -1)
		goto fail;
	if ((mime = curl_mime_init(curl)) == NULL) {
		nomem(err, errlen);
		goto fail;
	}
	if (add_body(mime, CT_TEXT, m->text, err, errlen) == -1)
		goto fail;
	if (m->html != NULL) {
		if (m->ninline == 0) {
			if (add_body(mime, CT_HTML, m->html, err, errlen) == -1)
				goto fail;
		} else if (add_related(curl, mime, m, err, errlen) == -1)
			goto fail;
	}
	if ((rc = curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl)) != CURLE_OK) {
		curl_failed(rc, "CURLOPT_HTTPHEADER", err, errlen);
		goto fail;
	}
	if ((rc = curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime)) != CURLE_OK) {
		curl_failed(rc, "CURLOPT_MIMEPOST", err, errlen);
		goto fail;
	}
	*headersp = hl;
	*mimep = mime;
	return 0;
fail:
	/*
	 * Leave the handle pointing at nothing of ours.  These cannot fail
	 * where setting them could, and there is nothing more to do if they
	 * did: the error is already reported.
	 */
	(void)curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	(void)curl_easy_setopt(curl, CURLOPT_MIMEPOST, NULL);
	curl_mime_free(mime);
	curl_slist_free_all(hl);
	return -1;
}

/* ---- inline parts in the outbox -------------------------------------- */

#define PACK_MAGIC	"CIN1"
#define PACK_MAXPARTS	16

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Layout: "CIN1", count, then per part four (length, bytes) fields:
 * cid, type, filename (length 0 = none), data; lengths are 32-bit big
 * endian.  Strings are stored with their NUL so unpacked parts can point
 * into the blob. */
int
mime_pack_inline(const struct mail_inline *inl, size_t n, unsigned char **blob, size_t *len)
{
	size_t total = 8;
	unsigned char *b, *p;

	*blob = NULL;
	*len = 0;
	if (n > PACK_MAXPARTS)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (inl[i].cid == NULL || inl[i].type == NULL || inl[i].len > UINT32_MAX / 2)
			return -1;
		total += 16 + strlen(inl[i].cid) + 1 + strlen(inl[i].type) + 1 +
		    (inl[i].filename ? strlen(inl[i].filename) + 1 : 0) + inl[i].len;
	}
	if ((b = malloc(total)) == NULL)
		return -1;
	memcpy(b, PACK_MAGIC, 4);
	buf_put_be32(b + 4, (uint32_t)n);
	p = b + 8;
	for (size_t i = 0; i < n; i++) {
		const char *str[3] = { inl[i].cid, inl[i].type, inl[i].filename };
		for (int k = 0; k < 3; k++) {
			size_t l = str[k] ? strlen(str[k]) + 1 : 0;
			buf_put_be32(p, (uint32_t)l);
			if (l > 0)
				memcpy(p + 4, str[k], l);
			p += 4 + l;
		}
		buf_put_be32(p, (uint32_t)inl[i].len);
		if (inl[i].len > 0)
			memcpy(p + 4, inl[i].data, inl[i].len);
		p += 4 + inl[i].len;
	}
	*blob = b;
	*len = total;
	return 0;
}

int
mime_unpack_inline(const unsigned char *blob, size_t len, struct mail_inline **out, size_t *n)
{
	struct mail_inline *v;
	size_t cnt, off = 8;

	*out = NULL;
	*n = 0;
	if (blob == NULL || len < 8 || memcmp(blob, PACK_MAGIC, 4) != 0)
		return -1;
	cnt = get_u32(blob + 4);
	if (cnt == 0 || cnt > PACK_MAXPARTS)
		return cnt == 0 ? 0 : -1;
	if ((v = calloc(cnt, sizeof(*v))) == NULL)
		return -1;
	for (size_t i = 0; i < cnt; i++) {
		const char *str[3] = { NULL, NULL, NULL };
		for (int k = 0; k < 4; k++) {
			size_t l;
			if (len - off < 4)
				goto bad;
			l = get_u32(blob + off);
			off += 4;
			if (l > len - off)
				goto bad;
			if (k < 3) {
				/* A string is its bytes and one NUL, and no NUL before. */
				if (l > 0 && (blob[off + l - 1] != '\0' ||
				    memchr(blob + off, '\0', l - 1) != NULL))
					goto bad;
				if (l == 0 && k < 2)
					goto bad;
				str[k] = l > 0 ? (const char *)blob + off : NULL;
			} else {
				v[i].data = blob + off;
				v[i].len = l;
			}
			off += l;
		}
		v[i].cid = str[0];
		v[i].type = str[1];
		v[i].filename = str[2];
	}
	if (off != len)
		goto bad;
	*out = v;
	*n = cnt;
	return 0;
bad:
	free(v);
	return -1;
}
