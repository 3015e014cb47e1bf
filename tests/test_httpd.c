/*
 * test_httpd.c - the HTTP server's pure rules: which If-None-Match
 * answers 304, which dates If-Modified-Since may carry, which paths hold
 * a feed or unsubscribe token, and which request-targets and header
 * fields are answered 400 (RFC 9112).  The server itself, on a loopback
 * port, is tested by feed.sh, http_strict.sh and slow_clients.sh.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "httpd.h"

static void
test_etag_match(void)
{
	const char *e = "\"0dcec2f176674b0a\"";

	CHECK(httpd_etag_match("\"0dcec2f176674b0a\"", e) == 1);
	CHECK(httpd_etag_match("W/\"0dcec2f176674b0a\"", e) == 1);
	CHECK(httpd_etag_match("\"0dcec2f176674b0a\"", "W/\"0dcec2f176674b0a\"") == 1);
	CHECK(httpd_etag_match("W/\"0dcec2f176674b0a\"", "W/\"0dcec2f176674b0a\"") == 1);
	CHECK(httpd_etag_match("\"x\", \"0dcec2f176674b0a\"", e) == 1);
	CHECK(httpd_etag_match("\"x\",\"0dcec2f176674b0a\"", e) == 1);
	CHECK(httpd_etag_match("  \"x\" ,\t W/\"0dcec2f176674b0a\" , \"y\"", e) == 1);
	CHECK(httpd_etag_match("\"a,b\", \"0dcec2f176674b0a\"", e) == 1);
	CHECK(httpd_etag_match("*", e) == 1);
	CHECK(httpd_etag_match(" * ", e) == 1);
	CHECK(httpd_etag_match("\"0dcec2f176674b0\"", e) == 0);
	CHECK(httpd_etag_match("\"0dcec2f176674b0a0\"", e) == 0);
	CHECK(httpd_etag_match("\"0DCEC2F176674B0A\"", e) == 0);
	CHECK(httpd_etag_match("0dcec2f176674b0a", e) == 0);	/* not quoted */
	CHECK(httpd_etag_match("\"0dcec2f176674b0a", e) == 0);	/* unterminated */
	CHECK(httpd_etag_match("\"x\", \"0dcec2f176674b0a", e) == 0);
	CHECK(httpd_etag_match("\"x\", W/", e) == 0);
	CHECK(httpd_etag_match("W/", e) == 0);
	CHECK(httpd_etag_match("", e) == 0);
	CHECK(httpd_etag_match(",,, ,", e) == 0);
	CHECK(httpd_etag_match("\"\"", e) == 0);
	CHECK(httpd_etag_match("\"\"", "\"\"") == 1);
	CHECK(httpd_etag_match(NULL, e) == 0);
	CHECK(httpd_etag_match(e, NULL) == 0);
	CHECK(httpd_etag_match("garbage, \"0dcec2f176674b0a\"", e) == 1);
}

static void
test_parse_date(void)
{
	time_t t = 0;
	const time_t want = 784111777;	/* Sun, 06 Nov 1994 08:49:37 GMT */
	static const char *const bad[] = {
		"", "garbage", "Sun, 06 Nov 1994 08:49:37",		/* no GMT */
		"Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 GMT x",
		"Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 nov 1994 08:49:37 GMT",
		"Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
		"Sun, 31 Nov 1994 08:49:37 GMT", "Thu, 29 Feb 2001 08:49:37 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
		"Sun, 06 Nov 1994 -1:49:37 GMT", "Sun, 06 Nov 1994 08:-1:37 GMT",
		"Sun, 06 Nov 1994 08:49:-5 GMT", "Sun, 06 Nov 1969 08:49:37 GMT",
		"Sun, 06 Nov 94 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37",
		"Sunday, 06-Nov-94 -8:49:37 GMT", "Sun Nov  6 08:49:37", "Sun Nov 36 08:49:37 1994",
		"1994-11-06T08:49:37Z", "784111777",
	};

	CHECK(httpd_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", &t) == 0);
	CHECK_INT(t, want);
	t = 0;
	CHECK(httpd_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", &t) == 0);
	CHECK_INT(t, want);
	t = 0;
	CHECK(httpd_parse_date("Sun Nov  6 08:49:37 1994", &t) == 0);
	CHECK_INT(t, want);
	CHECK(httpd_parse_date("Fri, 20 Mar 2026 10:00:00 GMT", &t) == 0);
	CHECK_INT(t, 1774000800);
	CHECK(httpd_parse_date("Thu, 01 Jan 1970 00:00:00 GMT", &t) == 0);
	CHECK_INT(t, 0);
	CHECK(httpd_parse_date("Sat, 29 Feb 2020 23:59:59 GMT", &t) == 0);
	CHECK_INT(t, 1583020799);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 12345;
		if (httpd_parse_date(bad[i], &t) != -1)
			fprintf(stderr, "httpd_parse_date accepted \"%s\" as %lld\n", bad[i],
			    (long long)t);
		CHECK(httpd_parse_date(bad[i], &t) == -1);
	}
	CHECK(httpd_parse_date(NULL, &t) == -1);
}

static void
test_token_from_path(void)
{
	const char *tok = "b3Wf64Sw4aQUxzLetxlZc_8ufZRdxdq-";
	char got[33], small[32], path[256];

	memset(got, 0, sizeof(got));
	snprintf(path, sizeof(path), "/feed/%s.ics", tok);
	CHECK(httpd_token_from_path(path, "/feed/", ".ics", got, sizeof(got)) == 1);
	CHECK_STR(got, tok);
	snprintf(path, sizeof(path), "/team/%s.ics", tok);
	CHECK(httpd_token_from_path(path, "/team/", ".ics", got, sizeof(got)) == 1);
	CHECK(httpd_token_from_path(path, "/feed/", ".ics", got, sizeof(got)) == 0);
	snprintf(path, sizeof(path), "/unsubscribe/%s", tok);
	CHECK(httpd_token_from_path(path, "/unsubscribe/", "", got, sizeof(got)) == 1);
	snprintf(path, sizeof(path), "/feed/%s.ics", tok);
	CHECK(httpd_token_from_path(path, "/feed/", ".ics", small, sizeof(small)) == 0);

	static const char *const bad[] = {
		"/feed/b3Wf64Sw4aQUxzLetxlZc_8ufZRdxdq.ics",	/* 31 */
		"/feed/b3Wf64Sw4aQUxzLetxlZc_8ufZRdxdq-x.ics",	/* 33 */
		"/feed/.ics", "/feed/", "", "/", "/feed",
		"/feed/../../../../../../../../etc/passwd.ics",
		"/feed/..Wf64Sw4aQUxzLetxlZc_8ufZRdxdq-.ics",
		"/feed/b3Wf64Sw4aQUxzLetxlZc_8ufZRdx/..ics",
		"/feed/%2e%2eWf64Sw4aQUxzLetxlZc_8ufZRdx.ics",
		"/feed/%2e%2e%2fWf64Sw4aQUxzLetxlZc_8ufZR.ics",
		"//feed/b3Wf64Sw4aQUxzLetxlZc_8ufZRdxdq-.ics",
		"/feed//b3Wf64Sw4aQUxzLetxlZc_8ufZRdxdq-.ics",
		"/feed/b3Wf64Sw4aQUxzLetxlZc_8ufZRdxdq-.ics/",
		"/feed/b3Wf64Sw4aQUxzLetxlZc_8ufZRdxdq-.ics.ics",
		"/feed/b3Wf64Sw4aQUxzLetxlZc_8ufZRdxdq-.ICS",
		"/feed/b3Wf64Sw4aQUxzLetxlZc_8ufZRdxdq-",
		"/FEED/b3Wf64Sw4aQUxzLetxlZc_8ufZRdxdq-.ics",
		"/feed/b3Wf64Sw4aQUxzLetxlZc 8ufZRdxdq-.ics",
		"/feed/b3Wf64Sw4aQUxzLetxlZc+8ufZRdxdq-.ics",
		"/feed/b3Wf64Sw4aQUxzLetxlZc\xc3\xb1ufZRdxdq-.ics",	/* 2 octets of ñ */
		"x/feed/b3Wf64Sw4aQUxzLetxlZc_8ufZRdxdq-.ics",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (httpd_token_from_path(bad[i], "/feed/", ".ics", got, sizeof(got)) != 0)
			fprintf(stderr, "httpd_token_from_path accepted \"%s\"\n", bad[i]);
		CHECK(httpd_token_from_path(bad[i], "/feed/", ".ics", got, sizeof(got)) == 0);
	}
	/* A path longer than anything in the buffer. */
	{
		size_t n = 100000;
		char *big = malloc(n + 1);
		if (big != NULL) {
			memcpy(big, "/feed/", 6);
			memset(big + 6, 'a', n - 6);
			big[n] = '\0';
			CHECK(httpd_token_from_path(big, "/feed/", ".ics", got, sizeof(got)) == 0);
			free(big);
		}
	}
}

static void
test_target_problem(void)
{
	static const char *const good[] = {
		"/", "/feed/b3Wf64Sw4aQUxzLetxlZc_8ufZRdxdq-.ics", "/unsubscribe/abc?x=1",
		"/a%20b", "/%C3%B1", "*", "http://example.com/feed/x.ics", "https://example.com/",
	};
	static const char *const bad[] = {
		"", "feed/x.ics", "/a b", "/a\tb", "/\x7f", "/\xc3\xb1", "/a%2", "/a%zz",
		"%2Ffeed%2Fx.ics", "ftp://example.com/",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK_CTX(httpd_target_problem(good[i], strlen(good[i])) == NULL, good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_CTX(httpd_target_problem(bad[i], strlen(bad[i])) != NULL, bad[i]);
	/* A NUL inside the target, as received. */
	CHECK(httpd_target_problem("/feed\0x.ics", 11) != NULL);
}

static void
test_fields_problem(void)
{
	static const char *const one[] = { "5" }, *const same[] = { "5", "5" },
	    *const differ[] = { "5", "6" }, *const list_same[] = { "5, 5" },
	    *const list_differ[] = { "5, 6" }, *const signed_len[] = { "+5" },
	    *const empty[] = { "" };
	struct httpd_fields f;

#define FIELDS(v11, host, te, len, n) \
	(f.http11 = (v11), f.nhost = (host), f.chunked = (te), f.lengths = (len), \
	 f.nlengths = (n), httpd_fields_problem(&f))
	CHECK(FIELDS(1, 1, 0, NULL, 0) == NULL);
	CHECK(FIELDS(0, 0, 0, NULL, 0) == NULL);	/* HTTP/1.0 needs no Host */
	CHECK(FIELDS(1, 1, 0, one, 1) == NULL);
	CHECK(FIELDS(1, 1, 0, same, 2) == NULL);
	CHECK(FIELDS(1, 1, 0, list_same, 1) == NULL);
	CHECK(FIELDS(1, 1, 1, NULL, 0) == NULL);
	CHECK(FIELDS(1, 0, 0, NULL, 0) != NULL);	/* HTTP/1.1 without Host */
	CHECK(FIELDS(1, 2, 0, NULL, 0) != NULL);	/* two Hosts */
	CHECK(FIELDS(0, 2, 0, NULL, 0) != NULL);
	CHECK(FIELDS(1, 1, 1, one, 1) != NULL);		/* length and chunked */
	CHECK(FIELDS(1, 1, 0, differ, 2) != NULL);
	CHECK(FIELDS(1, 1, 0, list_differ, 1) != NULL);
	CHECK(FIELDS(1, 1, 0, signed_len, 1) != NULL);
	CHECK(FIELDS(1, 1, 0, empty, 1) != NULL);
#undef FIELDS
}

int
main(void)
{
	test_etag_match();
	test_parse_date();
	test_token_from_path();
	test_target_problem();
	test_fields_problem();
	return check_done("test_httpd");
}
