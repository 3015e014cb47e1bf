/*
 * fuzz_http.c - libFuzzer harness for the pure request helpers of
 * daemon/httpd.c: If-None-Match lists, HTTP dates, feed tokens in paths.
 *
 * Input: IF-NONE-MATCH \0 ETAG \0 DATE \0 PATH.
 *
 * Properties: an entity-tag always matches a list made of itself, and
 * "*" matches anything; a date that parses is in 1970-9999 and reads back
 * the same from its IMF-fixdate; a token taken from a path is exactly 32
 * characters of [A-Za-z0-9_-], the path is prefix TOKEN suffix, and a
 * buffer too small is refused.
 */
#include "build.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "httpd.h"

#include "fuzz.h"

enum { P_INM, P_ETAG, P_DATE, P_PATH, NPARTS };

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
	fuzz_split_free(part, NPARTS);
	return 0;
}
