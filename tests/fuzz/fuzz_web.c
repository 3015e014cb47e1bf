/*
 * fuzz_web.c - libFuzzer harness for what the page reads from a client:
 * form bodies (web_form_parse) and signed action links and form tokens
 * (sign.c).
 *
 * Input: BODY \0 LINK \0 TOKEN.
 *
 * Properties: a body parses or is refused with a reason, never more than
 * WEB_FIELDS_MAX fields, every name and value valid UTF-8 without NUL or
 * (names) control characters; a link that parses has a positive owner and
 * object, a known kind, an action of [a-z0-9], a MAC of 43 base64url
 * characters, and is never accepted under the harness's key unless it is
 * the one made for those fields (then always, until it expires); a made
 * link parses back to the same fields; a form token is accepted only if
 * it is the one made for its time and nonce.
 */
#include "build.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "sign.h"
#include "web.h"

#include "fuzz.h"

enum { P_BODY, P_LINK, P_TOKEN, NPARTS };

static const struct sign_key key = { { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 } };
static const char secret[] = "PageTokenOfAnaxxxxxxxxxxxxxxxxxx";

static void
check_form(const char *body, size_t n)
{
	struct web_form f;
	const char *why = NULL;

	if (web_form_parse(body, n, &f, &why) == -1) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	FUZZ_CHECK(f.n <= WEB_FIELDS_MAX);
	for (size_t i = 0; i < f.n; i++) {
		size_t ln = strlen(f.name[i]), lv = strlen(f.value[i]);

		FUZZ_CHECK(utf8_scan(f.name[i], ln) == ln);
		FUZZ_CHECK(utf8_scan(f.value[i], lv) == lv);
		for (size_t k = 0; k < ln; k++)
			FUZZ_CHECK((unsigned char)f.name[i][k] >= 0x20 && f.name[i][k] != 0x7f);
		FUZZ_CHECK(web_form_get(&f, f.name[i]) != NULL);
	}
	web_form_free(&f);
}

static void
check_link(const char *s)
{
	struct sign_link l, back;
	struct buf b = BUF_INIT;
	char mac[SIGN_MAC_CHARS + 1], mac2[SIGN_MAC_CHARS + 1];
	enum sign_result r;

	if (sign_link_parse(s, &l, mac) == -1)
		return;
	FUZZ_CHECK(l.owner > 0 && l.object > 0 && l.expires > 0);
	FUZZ_CHECK(l.kind == 'c' || l.kind == 'a' || l.kind == 'i');
	FUZZ_CHECK(strlen(mac) == SIGN_MAC_CHARS);
	for (const char *p = l.action; *p; p++)
		FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'));
	r = sign_link_check(&key, &l, mac, secret, (time_t)l.expires - 1);
	/* The link made for these fields is the only one that verifies. */
	FUZZ_CHECK(sign_link_make(&key, &l, secret, &b) == 0);
	FUZZ_CHECK(sign_link_parse(b.data, &back, mac2) == 0);
	FUZZ_CHECK(back.owner == l.owner && back.kind == l.kind && back.object == l.object &&
	    back.expires == l.expires && strcmp(back.action, l.action) == 0);
	FUZZ_CHECK(sign_link_check(&key, &back, mac2, secret, (time_t)l.expires - 1) == SIGN_OK);
	FUZZ_CHECK(sign_link_check(&key, &back, mac2, secret, (time_t)l.expires) == SIGN_EXPIRED);
	FUZZ_CHECK(sign_link_check(&key, &back, mac2, NULL, 0) == SIGN_BAD);
	FUZZ_CHECK((r == SIGN_OK) == (strcmp(mac, mac2) == 0));
	buf_free(&b);
}

static void
check_token(const char *tok)
{
	char nonce[SIGN_NONCE_CHARS + 1], again[SIGN_FORM_CHARS + 1];
	enum sign_result r;

	r = sign_form_check(&key, 3, secret, "log", tok, 1767225600, 86400L * 365 * 100, nonce);
	if (r != SIGN_OK)
		return;
	/* Accepted: it is exactly the token made for its time and nonce. */
	FUZZ_CHECK(strlen(nonce) == SIGN_NONCE_CHARS);
	FUZZ_CHECK(sign_form_make(&key, 3, secret, "log", (time_t)strtoll(tok, NULL, 10), nonce,
	    again) == 0);
	FUZZ_CHECK(strcmp(again, tok) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *part[NPARTS];
	size_t len[NPARTS];

	if (size > FUZZ_MAX_INPUT || fuzz_split(data, size, NPARTS, part, len) == -1)
		return 0;
	check_form(part[P_BODY], len[P_BODY]);
	check_link(part[P_LINK]);
	check_token(part[P_TOKEN]);
	fuzz_split_free(part, NPARTS);
	return 0;
}
