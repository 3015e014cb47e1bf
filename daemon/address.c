/*
 * address.c - e-mail addresses: the rule every part of Cartera applies,
 * mailbox parsing, and mailto:/tel: URLs.  Pure functions over strings;
 * locale-free character classes.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "escape.h"

#define LOCAL_MAX	64
#define DOMAIN_MAX	253
#define LABEL_MAX	63
#define ERR_SHOW	80	/* bytes of a bad value quoted in an error */

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_alnum(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

/* RFC 5322 atext without # % & / ?, which mean something in a URL. */
static int
is_local_char(int c)
{
	return is_alnum(c) || (c != '\0' && strchr("!$'*+-=^_`{|}~", c) != NULL);
}

const char *
address_bytes_problem(const char *s, size_t n, const char *nonascii)
{
	unsigned char c;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\r' || s[i] == '\n')
			return "contains a line break";
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
		if (c == ' ')
			return "contains a space";
		if (c >= 0x80)
			return nonascii;
		if (c == '<' || c == '>')
			return "contains '<' or '>'";
	}
	return NULL;
}

const char *
address_domain_problem(const char *d, size_t n, int *badc)
{
	size_t i, label = 0, labels = 0, last = 0;
	int letter = 0;

	if (badc != NULL)
		*badc = -1;
	if (n == 0)
		return "has no domain after the '@'";
	if (n > DOMAIN_MAX)
		return "has a domain longer than 253 characters";
	for (i = 0; i <= n; i++) {
		if (i == n || d[i] == '.') {
			if (label == 0)
				return "has an empty label in its domain";
			if (label > LABEL_MAX)
				return "has a domain label longer than 63 characters";
			if (d[i - 1] == '-' || d[i - label] == '-')
				return "has a domain label that starts or ends with '-'";
			labels++;
			last = i - label;
			label = 0;
			continue;
		}
		if (!is_alnum((unsigned char)d[i]) && d[i] != '-') {
			if (badc != NULL)
				*badc = (unsigned char)d[i];
			return "has a character not allowed in a domain";
		}
		label++;
	}
	for (i = last; i < n; i++)
		letter |= is_alpha((unsigned char)d[i]) || d[i] == '-';
	if (labels == 1 && !(n == 9 && strncasecmp(d, "localhost", 9) == 0))
		return "has no '.' in its domain (a domain such as example.com is needed)";
	if (!letter)
		return "has a domain that ends in a number (an IP address is not accepted)";
	return NULL;
}

const char *
address_problem(const char *addr, int *badc)
{
	const char *at, *why;
	size_t len, local, i;

	if (badc != NULL)
		*badc = -1;
	if (addr == NULL)
		return "is missing";
	if ((len = strlen(addr)) == 0)
		return "is empty";
	if ((why = address_bytes_problem(addr, len, "contains non-ASCII characters "
	    "(Cartera sends to plain ASCII addresses only; write a domain in its "
	    "xn-- form)")) != NULL)
		return why;
	if (len > ADDRESS_MAX)
		return "is longer than 254 characters";
	if ((at = strchr(addr, '@')) == NULL)
		return "has no '@'";
	if (strchr(at + 1, '@') != NULL)
		return "has more than one '@'";
	local = (size_t)(at - addr);
	if (local == 0)
		return "has nothing before the '@'";
	if (local > LOCAL_MAX)
		return "has more than 64 characters before the '@'";
	for (i = 0; i < local; i++) {
		if (addr[i] != '.' && !is_local_char((unsigned char)addr[i])) {
			if (badc != NULL)
				*badc = (unsigned char)addr[i];
			return "has a character not allowed before the '@'";
		}
	}
	if (addr[0] == '.' || addr[local - 1] == '.')
		return "has a misplaced '.' before the '@'";
	for (i = 1; i < local; i++)
		if (addr[i] == '.' && addr[i - 1] == '.')
			return "has a misplaced '.' before the '@'";
	return address_domain_problem(at + 1, len - local - 1, badc);
}

int
address_valid(const char *addr)
{
	return address_problem(addr, NULL) == NULL;
}

void
address_error(char *err, size_t errlen, const char *what, const char *value,
    const char *why, int badc)
{
	struct buf q = BUF_INIT;
	char extra[16] = "";

	if (err == NULL || errlen == 0)
		return;
	if (value == NULL) {
		snprintf(err, errlen, "%s %s", what, why);
		return;
	}
	escape_buf(&q, value, strlen(value), ERR_SHOW, ESCAPE_QUOTED);
	if (badc > 0x20 && badc < 0x7f)
		snprintf(extra, sizeof(extra), " ('%c')", badc);
	snprintf(err, errlen, "%s %s %s%s", what,
	    q.failed || q.data == NULL ? "(unprintable)" : q.data, why, extra);
	buf_free(&q);
}

int
address_parse_mailbox(const char *s, char **namep, char **addrp, char *err,
    size_t errlen)
{
	struct buf name = BUF_INIT;
	const char *p, *e, *lt, *np, *ne, *why;
	char *addr = NULL;
	int badc;

	*namep = *addrp = NULL;
	if (s == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "address is missing");
		return -1;
	}
	if (strpbrk(s, "\r\n") != NULL) {
		why = "contains a line break";
		goto bad;
	}
	p = s;
	e = s + strlen(s);
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e > p && e[-1] == '>') {
		for (lt = e - 1; lt > p && *lt != '<'; lt--)
			;
		if (*lt != '<') {
			why = "has '>' without '<'";
			goto bad;
		}
		if ((addr = strndup(lt + 1, (size_t)(e - 1 - (lt + 1)))) == NULL)
			goto nomem;
		np = p;
		ne = lt;
		while (ne > np && (ne[-1] == ' ' || ne[-1] == '\t'))
			ne--;
		/* A phrase: atoms and quoted-strings ("Ventas \"Norte\""). */
		for (; np < ne; np++) {
			if (*np == '"') {
				for (np++; np < ne && *np != '"'; np++) {
					if (*np == '\\' && np + 1 < ne)
						np++;
					buf_putc(&name, *np);
				}
				if (np >= ne) {
					why = "has unbalanced quotes in its display name";
					goto bad;
				}
			} else if (*np == '<' || *np == '>') {
				why = "needs quotes around its display name";
				goto bad;
			} else
				buf_putc(&name, *np);
		}
		for (np = name.data; np != NULL && *np != '\0'; np++) {
			if ((*np > 0 && *np < 0x20 && *np != '\t') || *np == 0x7f) {
				why = "has a control character in its display name";
				goto bad;
			}
		}
	} else if ((addr = strndup(p, (size_t)(e - p))) == NULL)
		goto nomem;
	if ((why = address_problem(addr, &badc)) != NULL) {
		address_error(err, errlen, "address", addr, why, badc);
		goto fail;
	}
	if (name.failed)
		goto nomem;
	if (name.len > 0 && (*namep = buf_steal(&name)) == NULL)
		goto nomem;
	buf_free(&name);
	*addrp = addr;
	return 0;
bad:
	address_error(err, errlen, "address", s, why, -1);
	goto fail;
nomem:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "out of memory");
fail:
	buf_free(&name);
	free(addr);
	return -1;
}

int
address_uri(struct buf *out, const char *scheme, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";

	buf_puts(out, scheme);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (is_alnum(*p) || strchr("-._~", *p) != NULL || strchr(keep, *p) != NULL)
			buf_putc(out, *p);
		else {
			buf_putc(out, '%');
			buf_putc(out, hex[*p >> 4]);
			buf_putc(out, hex[*p & 15]);
		}
	}
	return out->failed ? -1 : 0;
}

int
address_mailto_uri(const char *addr, struct buf *out)
{
	return address_uri(out, "mailto:", addr, "@");
}

int
address_tel_uri(const char *phone, struct buf *out)
{
	return address_uri(out, "tel:", phone, "+()");
}
