/*
 * httpd_rules.c - the HTTP server's pure rules (see httpd.h): which
 * request-targets and framing fields RFC 9112 answers with 400, which
 * If-None-Match matches an ETag, which HTTP-dates If-Modified-Since may
 * carry, and which paths hold a token.  No I/O, no state, no
 * libmicrohttpd: test_httpd checks them and fuzz_http feeds them.
 */
#include "build.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "httpd.h"

#define TOKEN_LEN	HTTPD_TOKEN_LEN

static int
token_char(int c)
{
	return isalnum(c) || c == '-' || c == '_';
}

int
httpd_token_from_path(const char *path, const char *prefix, const char *suffix, char *tok,
    size_t toklen)
{
	size_t pl = strlen(prefix), sl = strlen(suffix), n = strlen(path);

	if (toklen < TOKEN_LEN + 1 || n != pl + TOKEN_LEN + sl ||
	    strncmp(path, prefix, pl) != 0 || strcmp(path + pl + TOKEN_LEN, suffix) != 0)
		return 0;
	for (size_t i = 0; i < TOKEN_LEN; i++)
		if (!token_char((unsigned char)path[pl + i]))
			return 0;
	memcpy(tok, path + pl, TOKEN_LEN);
	tok[TOKEN_LEN] = '\0';
	return 1;
}

static int
hexdigit(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

const char *
httpd_target_problem(const char *t, size_t n)
{
	size_t i;

	if (n == 0)
		return "an empty request-target";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == '\0')
			return "a NUL in the request line";
		if (c <= 0x20 || c >= 0x7f)
			return "a control character, space or non-ASCII byte in the request-target";
		if (c == '%' && (i + 2 >= n || !hexdigit((unsigned char)t[i + 1]) ||
		    !hexdigit((unsigned char)t[i + 2])))
			return "a '%' not followed by two hex digits";
	}
	if (t[0] == '/' || (n == 1 && t[0] == '*'))
		return NULL;
	if ((n > 7 && strncasecmp(t, "http://", 7) == 0) ||
	    (n > 8 && strncasecmp(t, "https://", 8) == 0))
		return NULL;
	return "a request-target that is not a path";
}

/* The value of one Content-Length element (RFC 9112 6.3: digits only). */
static int
length_value(const char *s, size_t n, unsigned long long *v)
{
	*v = 0;
	if (n == 0 || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

const char *
httpd_fields_problem(const struct httpd_fields *f)
{
	unsigned long long first = 0, v;
	int seen = 0;

	if (f->nhost > 1)
		return "more than one Host field";
	if (f->http11 && f->nhost == 0)
		return "an HTTP/1.1 request without Host";
	if (f->chunked && f->nlengths > 0)
		return "both Content-Length and Transfer-Encoding";
	for (size_t i = 0; i < f->nlengths; i++) {
		const char *p = f->lengths[i];

		/* A field may hold a list: "5, 5" is one length, "1, 2" is not. */
		for (;;) {
			const char *e;

			while (*p == ' ' || *p == '\t')
				p++;
			for (e = p; *e != '\0' && *e != ',' && *e != ' ' && *e != '\t'; e++)
				;
			if (length_value(p, (size_t)(e - p), &v) == -1)
				return "a Content-Length that is not a number";
			if (seen && v != first)
				return "different Content-Length values";
			first = v;
			seen = 1;
			for (p = e; *p == ' ' || *p == '\t'; p++)
				;
			if (*p == '\0')
				break;
			if (*p++ != ',')
				return "a Content-Length that is not a number";
		}
	}
	return NULL;
}

int
httpd_etag_match(const char *inm, const char *etag)
{
	const char *p = inm, *want = etag;
	size_t wlen;

	if (inm == NULL || etag == NULL)
		return 0;
	if (strncmp(want, "W/", 2) == 0)
		want += 2;
	wlen = strlen(want);
	while (*p) {
		const char *start, *end;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p != '"') {
			/* Not an entity-tag: skip to the next comma. */
			while (*p && *p != ',')
				p++;
			continue;
		}
		start = p++;
		while (*p && *p != '"')
			p++;
		if (*p != '"')
			return 0;	/* unterminated */
		end = ++p;
		if ((size_t)(end - start) == wlen && memcmp(start, want, wlen) == 0)
			return 1;
	}
	return 0;
}

int
httpd_parse_date(const char *s, time_t *out)
{
	char wk[16], mon[4];
	int d, y, h, mi, sec, m, n = 0, cy, cm, cd;
	long days;

	if (s == NULL || strlen(s) > 64)
		return -1;
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	if (sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", wk, &d, mon, &y, &h, &mi, &sec,
	    &n) == 7 && n > 0 && s[n] == '\0')
		;
	/* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
	else if (n = 0, sscanf(s, "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d GMT%n", wk, &d, mon,
	    &y, &h, &mi, &sec, &n) == 7 && n > 0 && s[n] == '\0')
		y += y < 70 ? 2000 : 1900;
	/* asctime: Sun Nov  6 08:49:37 1994 */
	else if (n = 0, sscanf(s, "%3s %3s %d %2d:%2d:%2d %4d%n", wk, mon, &d, &h, &mi, &sec,
	    &y, &n) == 7 && n > 0 && s[n] == '\0')
		;
	else
		return -1;
	/* %d takes a sign: refuse "-1:-1:-1" and 31 Feb as well as 25:00. */
	if ((m = clock_month_from_abbr(mon)) == 0 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || sec < 0 || sec > 60 || y < 1970 || y > 9999)
		return -1;
	days = clock_date_to_days(y, m, d);
	clock_days_to_date(days, &cy, &cm, &cd);
	if (cy != y || cm != m || cd != d)
		return -1;
	*out = clock_day_start(days) + h * 3600 + mi * 60 + sec;
	return 0;
}
