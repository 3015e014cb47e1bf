/*
 * fuzz_http.c - libFuzzer harness for the pure request helpers of
 * daemon/httpd.c: If-None-Match lists, HTTP dates, feed tokens in paths,
 * and the RFC 9112 checks of a raw request head.
 *
 * Input: IF-NONE-MATCH \0 ETAG \0 DATE \0 PATH \0 REQUEST, where REQUEST
 * is the rest of the input, NUL bytes included: a request line and
 * header lines as a client sends them.  The harness splits it the way
 * libmicrohttpd does (lines at LF, the target between the first space
 * and the last one) and gives the target and the fields to
 * httpd_target_problem and httpd_fields_problem.
 *
 * Properties: an entity-tag always matches a list made of itself, and
 * "*" matches anything; a date that parses is in 1970-9999 and reads back
 * the same from its IMF-fixdate; a token taken from a path is exactly 32
 * characters of [A-Za-z0-9_-], the path is prefix TOKEN suffix, and a
 * buffer too small is refused.  A request is refused whenever its target
 * holds a NUL, a control character or a space, does not start with '/'
 * (unless "*" or http(s)://), or has a '%' without two hex digits; when
 * HTTP/1.1 has no Host or any request has two; when Content-Length comes
 * with Transfer-Encoding or two lengths differ.  An accepted target
 * decodes (%HH) without a NUL.
 */
#include "build.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "httpd.h"

#include "fuzz.h"

enum { P_INM, P_ETAG, P_DATE, P_PATH, P_REQUEST, NPARTS };

#define TOKEN_LEN	32

static void
fuzz_etag(const char *inm, const char *etag)
{
	char list[600];
	int rv;

	rv = httpd_etag_match(inm, etag);
	FUZZ_CHECK(rv == 0 || rv == 1);
	FUZZ_CHECK(httpd_etag_match(NULL, etag) == 0);
	FUZZ_CHECK(httpd_etag_match(inm, NULL) == 0);
	if (strlen(etag) > 256)
		return;
	/* A list of one well-formed tag, as a client sends it back. */
	if (etag[0] == '"' && strlen(etag) >= 2 &&
	    etag[strlen(etag) - 1] == '"' &&
	    strchr(etag + 1, '"') == etag + strlen(etag) - 1) {
		FUZZ_CHECK(httpd_etag_match(etag, etag) == 1);
		snprintf(list, sizeof(list), "\"x\", W/%s , \"y\"", etag);
		FUZZ_CHECK(httpd_etag_match(list, etag) == 1);
	}
	snprintf(list, sizeof(list), "*");
	FUZZ_CHECK(httpd_etag_match(list, etag) == 1);
}

static void
fuzz_date(const char *s)
{
	static const char *const wd[] = { "Thu", "Fri", "Sat", "Sun", "Mon",
		"Tue", "Wed" };
	struct tm tm;
	time_t t, t2;
	char back[64];

	if (httpd_parse_date(s, &t) == -1)
		return;
	/* 1970-01-01 to 9999-12-31 23:59:60. */
	FUZZ_CHECK(t >= 0 && t <= (time_t)253402300800LL);
	FUZZ_CHECK(gmtime_r(&t, &tm) != NULL);
	if (tm.tm_year + 1900 > 9999)
		return;		/* 9999-12-31 23:59:60 */
	strftime(back, sizeof(back), "%d %b %Y %H:%M:%S GMT", &tm);
	{
		char full[80];

		snprintf(full, sizeof(full), "%s, %s",
		    wd[(t / 86400) % 7], back);
		if (httpd_parse_date(full, &t2) != 0 || t2 != t) {
			fprintf(stderr, "\"%s\" -> %lld -> \"%s\"\n", s,
			    (long long)t, full);
			FUZZ_CHECK(!"date does not read back");
		}
	}
}

static void
fuzz_path(const char *path)
{
	static const char *const prefixes[] = { "/feed/", "/team/",
		"/unsubscribe/" };
	static const char *const suffixes[] = { ".ics", "" };
	char tok[TOKEN_LEN + 8];
	size_t i, j, k, pl, sl;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		for (j = 0; j < sizeof(suffixes) / sizeof(suffixes[0]); j++) {
			memset(tok, 'Z', sizeof(tok));
			if (httpd_token_from_path(path, prefixes[i],
			    suffixes[j], tok, TOKEN_LEN + 1) != 1)
				continue;
			FUZZ_CHECK(strlen(tok) == TOKEN_LEN);
			for (k = 0; k < TOKEN_LEN; k++)
				FUZZ_CHECK((tok[k] >= 'a' && tok[k] <= 'z') ||
				    (tok[k] >= 'A' && tok[k] <= 'Z') ||
				    (tok[k] >= '0' && tok[k] <= '9') ||
				    tok[k] == '-' || tok[k] == '_');
			FUZZ_CHECK(tok[TOKEN_LEN + 1] == 'Z');
			pl = strlen(prefixes[i]);
			sl = strlen(suffixes[j]);
			FUZZ_CHECK(strlen(path) == pl + TOKEN_LEN + sl);
			FUZZ_CHECK(memcmp(path, prefixes[i], pl) == 0);
			FUZZ_CHECK(memcmp(path + pl, tok, TOKEN_LEN) == 0);
			FUZZ_CHECK(strcmp(path + pl + TOKEN_LEN,
			    suffixes[j]) == 0);
			/* Too small a buffer: refused, not written. */
			memset(tok, 'Z', sizeof(tok));
			FUZZ_CHECK(httpd_token_from_path(path, prefixes[i],
			    suffixes[j], tok, TOKEN_LEN) == 0);
			FUZZ_CHECK(tok[0] == 'Z');
		}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The target and fields of a raw request head r[0..n), checked against
 * what is known about them independently of httpd.c. */
static void
fuzz_request(const char *r, size_t n)
{
	const char *line_end, *sp1, *sp2, *p, *lengths[16];
	struct httpd_fields f;
	const char *why;
	char *copy[16];
	size_t tn, i, nl = 0, ncopy = 0;
	unsigned long long first = 0;
	int different = 0, bad_length = 0, te = 0, have_first = 0;

	if ((line_end = memchr(r, '\n', n)) == NULL)
		return;
	if ((sp1 = memchr(r, ' ', (size_t)(line_end - r))) == NULL)
		return;
	for (sp2 = line_end; sp2 > sp1 && *sp2 != ' '; sp2--)
		;
	if (sp2 <= sp1 + 1)
		return;
	tn = (size_t)(sp2 - (sp1 + 1));
	why = httpd_target_problem(sp1 + 1, tn);
	if (memchr(sp1 + 1, '\0', tn) != NULL)
		FUZZ_CHECK(why != NULL);
	for (i = 0; i < tn; i++)
		if ((unsigned char)sp1[1 + i] <= 0x20 || (unsigned char)sp1[1 + i] >= 0x7f)
			FUZZ_CHECK(why != NULL);
	if (sp1[1] != '/' && !(tn == 1 && sp1[1] == '*') &&
	    !(tn > 7 && strncasecmp(sp1 + 1, "http://", 7) == 0) &&
	    !(tn > 8 && strncasecmp(sp1 + 1, "https://", 8) == 0))
		FUZZ_CHECK(why != NULL);
	if (why == NULL) {
		/* What is accepted decodes to bytes, none of them a %-ending. */
		for (i = 0; i < tn; i++)
			if (sp1[1 + i] == '%')
				FUZZ_CHECK(i + 2 < tn && hexval((unsigned char)sp1[2 + i]) >= 0 &&
				    hexval((unsigned char)sp1[3 + i]) >= 0);
	}

	/* Header lines up to an empty one: Host, Content-Length, Transfer-Encoding. */
	memset(&f, 0, sizeof(f));
	f.http11 = (size_t)(line_end - sp2) >= 9 && memcmp(sp2 + 1, "HTTP/1.1", 8) == 0;
	for (p = line_end + 1; p < r + n; ) {
		const char *e = memchr(p, '\n', (size_t)(r + n - p)), *colon, *v;
		size_t len;

		if (e == NULL)
			e = r + n;
		len = (size_t)(e - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0)
			break;
		if ((colon = memchr(p, ':', len)) != NULL) {
			size_t kl = (size_t)(colon - p);

			for (v = colon + 1; v < p + len && (*v == ' ' || *v == '\t'); v++)
				;
			if (kl == 4 && strncasecmp(p, "host", 4) == 0)
				f.nhost++;
			else if (kl == 17 && strncasecmp(p, "transfer-encoding", 17) == 0)
				te = 1;
			else if (kl == 14 && strncasecmp(p, "content-length", 14) == 0 &&
			    ncopy < 16) {
				unsigned long long val = 0;
				size_t vl = (size_t)(p + len - v), k;

				if ((copy[ncopy] = strndup(v, vl)) == NULL)
					break;
				lengths[nl++] = copy[ncopy++];
				/* One plain number per field is enough to predict. */
				for (k = 0; k < vl && v[k] >= '0' && v[k] <= '9'; k++)
					val = k < 18 ? val * 10 + (unsigned)(v[k] - '0') : val;
				if (k == 0 || k != vl || k > 18)
					bad_length = 1;
				else if (have_first && val != first)
					different = 1;
				else {
					first = val;
					have_first = 1;
				}
			}
		}
		p = e + 1;
	}
	f.chunked = te;
	f.lengths = lengths;
	f.nlengths = nl;
	why = httpd_fields_problem(&f);
	if (f.nhost > 1 || (f.http11 && f.nhost == 0) || (te && nl > 0) || different)
		FUZZ_CHECK(why != NULL);
	if (!bad_length && f.nhost == 1 && !te && !different)
		FUZZ_CHECK(why == NULL);
	for (i = 0; i < ncopy; i++)
		free(copy[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *part[NPARTS];
	size_t len[NPARTS];

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (fuzz_split(data, size, NPARTS, part, len) == -1)
		return 0;
	fuzz_etag(part[P_INM], part[P_ETAG]);
	fuzz_date(part[P_DATE]);
	fuzz_path(part[P_PATH]);
	{
		/* REQUEST is the rest of the input, NUL bytes and all. */
		size_t off = 0;
		const uint8_t *z;

		for (int k = 0; k < P_REQUEST && off <= size; k++) {
			if ((z = memchr(data + off, 0, size - off)) == NULL) {
				off = size + 1;
				break;
			}
			off = (size_t)(z - data) + 1;
		}
		if (off <= size)
			fuzz_request((const char *)data + off, size - off);
	}
	fuzz_split_free(part, NPARTS);
	return 0;
}
