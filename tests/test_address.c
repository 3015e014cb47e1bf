/*
 * test_address.c - the one e-mail address rule (daemon/address.c), and
 * that every part of Cartera that takes an address applies it alike:
 * the CLI and CSV import (record_normalize of an email or owner field),
 * the configuration (smtp.from, report.manager, as a bare address and as
 * "Name <addr>") and the MIME builder (a To header).  Before this rule
 * the three disagreed: "josé@example.es" passed the CLI and failed at
 * every digest, "Jefa <jefa@ex.es>" passed --check-config and failed at
 * every monthly summary, and "a?bcc=...@b.example" passed everything and
 * became a mailto: link with an extra recipient.  Also the mailto: and
 * tel: URLs, percent-encoded.
 *
 * Configuration files go to a fresh directory under $TMPDIR (or /tmp).
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address.h"
#include "buf.h"
#include "check.h"
#include "config.h"
#include "mime.h"
#include "record.h"

static const char *const good[] = {
	"ana.perez@example.com", "x+tag@sub.example.co", "o'neil@example.ie",
	"user@localhost", "USER@LOCALHOST", "a@b-c.d", "ANA@EXAMPLE.COM",
	"!$'*+-=^_`{|}~@example.com", "a@xn--bcher-kva.example", "a.b.c@e.x",
	"jefa@ex.es",
	"0123456789012345678901234567890123456789012345678901234567890123"
	    "@example.com",
	"a@012345678901234567890123456789012345678901234567890123456789012"
	    ".example",
};

static const struct {
	const char *addr, *why;
} bad[] = {
	{ "", "is empty" },
	{ "a?bcc=evil%40x.example&body=PAY%20TO%20IBAN%20XX@b.example",
	    "has a character not allowed before the '@'" },
	{ "a#b@example.com", "has a character not allowed before the '@'" },
	{ "a%b@example.com", "has a character not allowed before the '@'" },
	{ "a&b@example.com", "has a character not allowed before the '@'" },
	{ "a/b@example.com", "has a character not allowed before the '@'" },
	{ "jos\xc3\xa9@example.es", "contains non-ASCII characters" },
	{ "a@ex\xc3\xa1mple.com", "contains non-ASCII characters" },
	{ "Jefa <jefa@ex.es>", "contains a space" },
	{ "\x1b]0;PWNED\x07\x1b[2J@x.example", "contains a control character" },
	{ "x\r\ny@example.com", "contains a line break" },
	{ "a b@c.example", "contains a space" },
	{ "<a@b.example>", "contains '<' or '>'" },
	{ "ab", "has no '@'" },
	{ "a@", "has no domain after the '@'" },
	{ "@b.example", "has nothing before the '@'" },
	{ "a@@b.example", "has more than one '@'" },
	{ "a@b", "has no '.' in its domain" },
	{ "a@example", "has no '.' in its domain" },
	{ "a@1.2.3.4", "has a domain that ends in a number" },
	{ "a@[1.2.3.4]", "has a character not allowed in a domain" },
	{ ".a@b.example", "has a misplaced '.' before the '@'" },
	{ "a.@b.example", "has a misplaced '.' before the '@'" },
	{ "a..b@c.example", "has a misplaced '.' before the '@'" },
	{ "a@-b.example", "has a domain label that starts or ends with '-'" },
	{ "a@b..example", "has an empty label in its domain" },
	{ "a@b.example.", "has an empty label in its domain" },
	{ "\"a\"@b.example", "has a character not allowed before the '@'" },
	{ "a,b@c.example", "has a character not allowed before the '@'" },
	{ "a@b_c.example", "has a character not allowed in a domain" },
	{ "a@b.example:25", "has a character not allowed in a domain" },
	{ "01234567890123456789012345678901234567890123456789012345678901234"
	    "@example.com", "has more than 64 characters before the '@'" },
	{ "a@0123456789012345678901234567890123456789012345678901234567890123"
	    ".example", "has a domain label longer than 63 characters" },
};

#define NGOOD	(sizeof(good) / sizeof(good[0]))
#define NBAD	(sizeof(bad) / sizeof(bad[0]))

static char	*tmpdir;

static void
test_rule(void)
{
	struct buf big = BUF_INIT;
	const char *why;
	size_t i;

	for (i = 0; i < NGOOD; i++) {
		why = address_problem(good[i], NULL);
		if (why != NULL)
			fprintf(stderr, "  %s: %s\n", good[i], why);
		CHECK(why == NULL);
		CHECK(address_valid(good[i]));
	}
	for (i = 0; i < NBAD; i++) {
		why = address_problem(bad[i].addr, NULL);
		CHECK(why != NULL && strncmp(why, bad[i].why, strlen(bad[i].why)) == 0);
		if (why == NULL || strncmp(why, bad[i].why, strlen(bad[i].why)) != 0)
			fprintf(stderr, "  %s: got %s, want %s\n", bad[i].addr,
			    why ? why : "(valid)", bad[i].why);
		CHECK(!address_valid(bad[i].addr));
	}
	CHECK(!address_valid(NULL));

	/* 254 characters in all is the most. */
	buf_puts(&big, "a@");
	for (i = 0; i < 3; i++) {
		while (big.len % 64 != 1)
			buf_putc(&big, 'x');
		buf_putc(&big, '.');
	}
	while (big.len < 254)
		buf_putc(&big, 'y');
	CHECK(address_valid(big.data));
	buf_puts(&big, "c");
	CHECK_STR(address_problem(big.data, NULL), "is longer than 254 characters");
	buf_free(&big);
}

static void
test_mailbox(void)
{
	static const struct {
		const char *in, *name, *addr;
	} ok[] = {
		{ "Ana Pérez <ana@example.com>", "Ana Pérez", "ana@example.com" },
		{ "Jefa <jefa@ex.es>", "Jefa", "jefa@ex.es" },
		{ "\"Pérez, Ana\" <ana@example.com>", "Pérez, Ana", "ana@example.com" },
		{ "\"Say \\\"hi\\\"\" <a@b.example>", "Say \"hi\"", "a@b.example" },
		{ "ana@example.com", NULL, "ana@example.com" },
		{ "  <ana@example.com>  ", NULL, "ana@example.com" },
		{ "\"\" <ana@example.com>", NULL, "ana@example.com" },
		{ "Cartera\t<cartera@localhost>", "Cartera", "cartera@localhost" },
		{ "Ventas \"Norte\" <ventas@example.org>", "Ventas Norte", "ventas@example.org" },
	};
	static const struct {
		const char *in, *err;
	} ko[] = {
		{ "Ana <ana@example.com\r\nBcc: x@y.example>", "address \"Ana "
		    "<ana@example.com\\r\\nBcc: x@y.example>\" contains a line break" },
		{ "Ana <nope>", "address \"nope\" has no '@'" },
		{ "Ana ana@example.com>", "address \"Ana ana@example.com>\" "
		    "has '>' without '<'" },
		{ "\"Ana <a@b.example>", "address \"\\\"Ana <a@b.example>\" "
		    "has unbalanced quotes in its display name" },
		{ "Ana \"x <a@b.example>", "address \"Ana \\\"x <a@b.example>\" "
		    "has unbalanced quotes in its display name" },
		{ "Ana < x <a@b.example>", "address \"Ana < x <a@b.example>\" "
		    "needs quotes around its display name" },
		{ "Ana\x01 <a@b.example>", "address \"Ana\\x01 <a@b.example>\" "
		    "has a control character in its display name" },
		{ "Ana <a b@example.com>", "address \"a b@example.com\" "
		    "contains a space" },
		{ "Ana <a?to=x@example.com>", "address \"a?to=x@example.com\" "
		    "has a character not allowed before the '@' ('?')" },
		{ "", "address \"\" is empty" },
		{ "<>", "address \"\" is empty" },
	};
	char err[256], *name, *addr;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK(address_parse_mailbox(ok[i].in, &name, &addr, err, sizeof(err)) == 0);
		CHECK_STR(name, ok[i].name);
		CHECK_STR(addr, ok[i].addr);
		free(name);
		free(addr);
	}
	for (i = 0; i < sizeof(ko) / sizeof(ko[0]); i++) {
		name = addr = (char *)1;
		CHECK(address_parse_mailbox(ko[i].in, &name, &addr, err, sizeof(err)) == -1);
		CHECK(name == NULL && addr == NULL);
		CHECK_STR(err, ko[i].err);
	}
	CHECK(address_parse_mailbox(NULL, &name, &addr, err, sizeof(err)) == -1);
}

/* Does a configuration with KEY = "VALUE" load and validate? */
static int
config_accepts(const char *group, const char *key, const char *value, char *err,
    size_t errlen)
{
	struct config cfg;
	char path[512];
	FILE *fp;
	int ok;

	snprintf(path, sizeof(path), "%s/c.conf", tmpdir);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fprintf(fp, "%s: { %s = \"", group, key);
	for (const char *p = value; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', fp);
		if ((unsigned char)*p < 0x20)
			fprintf(fp, "\\x%02x", (unsigned char)*p);
		else
			fputc(*p, fp);
	}
	fprintf(fp, "\"; };\n");
	fclose(fp);
	chmod(path, 0600);
	if (config_defaults(&cfg) == -1)
		exit(1);
	ok = config_load(&cfg, path, 0, err, errlen) == 0 &&
	    config_validate(&cfg, err, errlen) == 0;
	config_free(&cfg);
	return ok;
}

/* The CLI (record_normalize), the configuration and MIME give one answer. */
static void
agree(const char *addr, int want)
{
	struct buf b = BUF_INIT, mbox = BUF_INIT;
	char out[512], err[512];
	int cli_email, cli_owner, cfg_from, cfg_manager, cfg_named, mime;

	cli_email = record_normalize(RF_EMAIL, addr, out, sizeof(out), err, sizeof(err)) == 0;
	cli_owner = record_normalize(RF_OWNER, addr, out, sizeof(out), err, sizeof(err)) == 0;
	cfg_from = config_accepts("smtp", "from", addr, err, sizeof(err));
	cfg_manager = config_accepts("report", "manager", addr, err, sizeof(err));
	buf_printf(&mbox, "Jefa <%s>", addr);
	cfg_named = config_accepts("report", "manager", mbox.data, err, sizeof(err));
	mime = mime_format_address("To", "Jefa", addr, &b, err, sizeof(err)) == 0;
	if (cli_email != want || cli_owner != want || cfg_from != want ||
	    cfg_manager != want || cfg_named != want || mime != want)
		fprintf(stderr, "  \"%s\" (want %s): cli email %d, cli owner %d, smtp.from %d, "
		    "report.manager %d, \"Jefa <...>\" %d, MIME To %d\n", addr,
		    want ? "valid" : "invalid", cli_email, cli_owner, cfg_from, cfg_manager,
		    cfg_named, mime);
	CHECK(cli_email == want);
	CHECK(cli_owner == want);
	CHECK(cfg_from == want);
	CHECK(cfg_manager == want);
	CHECK(cfg_named == want);
	CHECK(mime == want);
	buf_free(&b);
	buf_free(&mbox);
}

static void
test_agreement(void)
{
	char err[512];
	size_t i;

	for (i = 0; i < NGOOD; i++)
		agree(good[i], 1);
	for (i = 0; i < NBAD; i++)
		if (bad[i].addr[0] != '\0' && strpbrk(bad[i].addr, "<>") == NULL)
			agree(bad[i].addr, 0);

	/* The messages say what is wrong, with the value escaped. */
	CHECK(record_normalize(RF_EMAIL, "jos\xc3\xa9@example.es", err, sizeof(err), err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "\"jos\xc3\xa9@example.es\" contains non-ASCII characters") != NULL);
	CHECK(!config_accepts("report", "manager", "Jefa <jefa@ex\xc3\xa9.es>", err,
	    sizeof(err)));
	CHECK(strstr(err, "report.manager: address \"jefa@ex\xc3\xa9.es\" contains non-ASCII")
	    != NULL);
	CHECK(record_normalize(RF_OWNER, "\x1b]0;PWNED\x07\x1b[2J@x.example", err,
	    sizeof(err), err, sizeof(err)) == -1);
	CHECK(strchr(err, '\x1b') == NULL && strchr(err, '\x07') == NULL);
	CHECK(strstr(err, "\"\\x1b]0;PWNED\\x07\\x1b[2J@x.example\"") != NULL);
}

static void
test_uris(void)
{
	static const struct {
		const char *in, *mailto;
	} m[] = {
		{ "ana@example.com", "mailto:ana@example.com" },
		{ "x+tag@sub.example.co", "mailto:x%2Btag@sub.example.co" },
		{ "o'neil@example.ie", "mailto:o%27neil@example.ie" },
		/* What the rule refuses is encoded anyway (data written behind the CLI's back). */
		{ "a?bcc=evil%40x.example&body=X@b.example",
		    "mailto:a%3Fbcc%3Devil%2540x.example%26body%3DX@b.example" },
		{ "a\"><script>@b.example", "mailto:a%22%3E%3Cscript%3E@b.example" },
	};
	static const struct {
		const char *in, *tel;
	} t[] = {
		{ "+34 911 222 333", "tel:+34%20911%20222%20333" },
		{ "(91) 222-33.44", "tel:(91)%20222-33.44" },
		{ "600111222", "tel:600111222" },
		{ "6?x=1&y#z", "tel:6%3Fx%3D1%26y%23z" },
		{ "6\r\n\"<>", "tel:6%0D%0A%22%3C%3E" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		buf_reset(&b);
		CHECK(address_mailto_uri(m[i].in, &b) == 0);
		CHECK_STR(b.data, m[i].mailto);
	}
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		CHECK(address_tel_uri(t[i].in, &b) == 0);
		CHECK_STR(b.data, t[i].tel);
	}
	buf_free(&b);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");
	char tmpl[512];

	snprintf(tmpl, sizeof(tmpl), "%s/test_address.XXXXXX", t != NULL ? t : "/tmp");
	if ((tmpdir = mkdtemp(tmpl)) == NULL) {
		perror(tmpl);
		return 99;
	}
	test_rule();
	test_mailbox();
	test_agreement();
	test_uris();
	{
		char p[600];

		snprintf(p, sizeof(p), "%s/c.conf", tmpdir);
		unlink(p);
		rmdir(tmpdir);
	}
	return check_done("test_address");
}
