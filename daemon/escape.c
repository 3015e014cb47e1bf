/*
 * escape.c - show user data in messages without letting it act: control
 * characters and bad UTF-8 become visible escapes.  Pure memory work.
 */
#include "build.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "utf8.h"

/* Where escaped text goes: a growable buffer or a fixed one. */
struct sink {
	struct buf	*b;
	char		*dst;
	size_t		 len, cap;	/* fixed buffer: used, size (without NUL) */
};

/* Append one indivisible piece; -1 when it does not fit (fixed) or b failed. */
static int
put(struct sink *k, const char *p, size_t n)
{
	if (k->b != NULL)
		return buf_add(k->b, p, n);
	if (k->len + n > k->cap)
		return -1;
	memcpy(k->dst + k->len, p, n);
	k->len += n;
	return 0;
}

/*
 * Code points shown escaped although they are valid UTF-8: C1 controls,
 * the line and paragraph separators, and the bidirectional overrides
 * and isolates, which reorder what a terminal shows.
 */
static int
hidden_cp(unsigned int cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static unsigned int
decode(const unsigned char *s, size_t k)
{
	if (k == 2)
		return ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
	if (k == 3)
		return ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
	return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) |
	    (s[3] & 0x3fu);
}

/* Escape s[0..n) into k; stops (returns -1) at the first piece that does not fit. */
static int
run(struct sink *k, const char *s, size_t n, int flags)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[16];
	size_t i = 0, len;

	while (i < n) {
		unsigned char c = p[i];

		if (c < 0x80) {
			if ((flags & ESCAPE_LINES) && (c == '\n' || c == '\t')) {
				esc[0] = (char)c;
				len = 1;
			} else if (c == '\n')
				len = (size_t)snprintf(esc, sizeof(esc), "\\n");
			else if (c == '\r')
				len = (size_t)snprintf(esc, sizeof(esc), "\\r");
			else if (c == '\t')
				len = (size_t)snprintf(esc, sizeof(esc), "\\t");
			else if (c < 0x20 || c == 0x7f)
				len = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
			else if ((flags & ESCAPE_QUOTED) && (c == '"' || c == '\\'))
				len = (size_t)snprintf(esc, sizeof(esc), "\\%c", c);
			else {
				esc[0] = (char)c;
				len = 1;
			}
			if (put(k, esc, len) == -1)
				return -1;
			i++;
			continue;
		}
		len = utf8_seq(p + i, n - i);
		if (len == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			if (put(k, esc, 4) == -1)
				return -1;
			i++;
			continue;
		}
		if (hidden_cp(decode(p + i, len))) {
			size_t e = (size_t)snprintf(esc, sizeof(esc), "\\u%04x",
			    decode(p + i, len));
			if (put(k, esc, e) == -1)
				return -1;
		} else if (put(k, s + i, len) == -1)
			return -1;
		i += len;
	}
	return 0;
}

int
escape_buf(struct buf *b, const char *s, size_t n, size_t max, int flags)
{
	struct sink k = { b, NULL, 0, 0 };
	size_t show = n;

	if (max > 0 && show > max) {
		/* Cut at a character boundary, not inside one. */
		show = max;
		while (show > 0 && ((unsigned char)s[show] & 0xc0) == 0x80)
			show--;
	}
	if ((flags & ESCAPE_QUOTED) && buf_putc(b, '"') == -1)
		return -1;
	if (run(&k, s, show, flags) == -1)
		return -1;
	if (show < n && buf_puts(b, "...") == -1)
		return -1;
	if ((flags & ESCAPE_QUOTED) && buf_putc(b, '"') == -1)
		return -1;
	return b->failed ? -1 : 0;
}

size_t
escape_into(char *dst, size_t dstlen, const char *s, int flags)
{
	struct sink k = { NULL, dst, 0, 0 };
	int quoted = (flags & ESCAPE_QUOTED) != 0;

	if (dstlen == 0)
		return 0;
	k.cap = dstlen - 1;
	if (quoted) {
		if (k.cap < 2) {
			dst[0] = '\0';
			return 0;
		}
		k.cap--;	/* room for the closing quote */
		put(&k, "\"", 1);
	}
	(void)run(&k, s, strlen(s), flags);
	if (quoted) {
		k.cap++;
		put(&k, "\"", 1);
	}
	dst[k.len] = '\0';
	return k.len;
}

int
escape_needed(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, len;

	while (i < n) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f)
				return 1;
			i++;
			continue;
		}
		if ((len = utf8_seq(p + i, n - i)) == 0 || hidden_cp(decode(p + i, len)))
			return 1;
		i += len;
	}
	return 0;
}

int
escape_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
