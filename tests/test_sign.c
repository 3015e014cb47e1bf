/*
 * test_sign.c - signed action links and form tokens (daemon/sign.c).
 *
 * A link made for a salesperson verifies; changing any field of it, its
 * MAC, the salesperson's page token (cartera owner rotate-token) or the
 * key makes it SIGN_BAD; past its expiry it is SIGN_EXPIRED.  The MAC is
 * HMAC-SHA256 of a documented input (a known answer computed apart).
 * Form tokens likewise, bound to the form's name and aged.  The key file
 * is created 0600 and refused when others may read it.
 *
 * Key files go to a fresh directory under $TMPDIR (or /tmp).
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "sign.h"

static struct sign_key key, other;

static void
setup_keys(void)
{
	for (int i = 0; i < SIGN_KEY_BYTES; i++) {
		key.k[i] = (unsigned char)i;
		other.k[i] = (unsigned char)(i + 1);
	}
}

static struct sign_link
a_link(void)
{
	struct sign_link l;

	memset(&l, 0, sizeof(l));
	l.owner = 3;
	l.kind = 'c';
	l.object = 1042;
	snprintf(l.action, sizeof(l.action), "call");
	l.expires = 1767225600;
	return l;
}

/* Make l's link text with key k and secret s. */
static char *
make(const struct sign_key *k, const struct sign_link *l, const char *s)
{
	struct buf b = BUF_INIT;

	if (sign_link_make(k, l, s, &b) == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Parse text and check it against key k, secret s, at now. */
static int
verify(const struct sign_key *k, const char *text, const char *s, time_t now)
{
	struct sign_link l;
	char mac[SIGN_MAC_CHARS + 1];

	if (sign_link_parse(text, &l, mac) == -1)
		return 99;
	return sign_link_check(k, &l, mac, s, now);
}

static void
test_links(void)
{
	const char *secret = "PageTokenOfAnaxxxxxxxxxxxxxxxxxx";
	struct sign_link l = a_link(), m;
	char *t, *u, mac[SIGN_MAC_CHARS + 1];
	time_t before = 1767225600 - 1;

	t = make(&key, &l, secret);
	CHECK(t != NULL);
	if (t == NULL)
		return;
	/* Known answer: HMAC-SHA256 under key 00 01 .. 1f of
	 * "15:cartera-link-v1;1:3;32:PageTokenOfAnaxxxxxxxxxxxxxxxxxx;1:c;4:1042;4:call;10:1767225600;"
	 * (Python: hmac.new(bytes(range(32)), msg, "sha256"), base64url). */
	CHECK_STR(t, "3/c/1042/call/1767225600/flKTS923hpfKhsQeBoBSrfB-tJW8O4cpq83g_HQUtVs");
	CHECK_INT(verify(&key, t, secret, before), SIGN_OK);
	CHECK_INT(verify(&key, t, secret, 1767225600), SIGN_EXPIRED);
	CHECK_INT(verify(&key, t, secret, 1767225600 + 86400), SIGN_EXPIRED);
	/* Another salesperson's token, a rotated token, another key, nobody. */
	CHECK_INT(verify(&key, t, "PageTokenOfBobxxxxxxxxxxxxxxxxxx", before), SIGN_BAD);
	CHECK_INT(verify(&other, t, secret, before), SIGN_BAD);
	CHECK_INT(verify(&key, t, NULL, before), SIGN_BAD);
	CHECK_INT(verify(&key, t, "", before), SIGN_BAD);

	/* Every field is bound: change one and keep the MAC. */
	CHECK(sign_link_parse(t, &m, mac) == 0);
	{
		struct sign_link v[6];
		char buf[256];

		for (int i = 0; i < 6; i++)
			v[i] = m;
		v[0].owner = 4;
		v[1].kind = 'a';
		v[2].object = 1043;
		snprintf(v[3].action, sizeof(v[3].action), "visit");
		v[4].expires = 1767225600 + 86400 * 30;
		snprintf(v[5].action, sizeof(v[5].action), "paid");
		v[5].kind = 'i';
		for (int i = 0; i < 6; i++) {
			snprintf(buf, sizeof(buf), "%lld/%c/%lld/%s/%lld/%s", v[i].owner, v[i].kind,
			    v[i].object, v[i].action, v[i].expires, mac);
			CHECK_INT(verify(&key, buf, secret, before), SIGN_BAD);
		}
	}
	/* One character of the MAC. */
	u = strdup(t);
	CHECK(u != NULL);
	if (u != NULL) {
		size_t n = strlen(u);

		u[n - 1] = u[n - 1] == 'A' ? 'B' : 'A';
		CHECK_INT(verify(&key, u, secret, before), SIGN_BAD);
		u[n - 5] = u[n - 5] == 'z' ? 'y' : 'z';
		CHECK_INT(verify(&key, u, secret, before), SIGN_BAD);
		free(u);
	}
	free(t);

	/* Shapes that are not links at all. */
	{
		static const char *const bad[] = {
			"", "3", "3/c/1042/call/1767225600", "3/c/1042/call/1767225600/",
			"03/c/1042/call/1767225600/flKTS923hpfKhsQeBoBSrfB-tJW8O4cpq83g_HQUtVs",
			"3/x/1042/call/1767225600/flKTS923hpfKhsQeBoBSrfB-tJW8O4cpq83g_HQUtVs",
			"3/c/-1/call/1767225600/flKTS923hpfKhsQeBoBSrfB-tJW8O4cpq83g_HQUtVs",
			"3/c/1042/Call/1767225600/flKTS923hpfKhsQeBoBSrfB-tJW8O4cpq83g_HQUtVs",
			"3/c/1042//1767225600/flKTS923hpfKhsQeBoBSrfB-tJW8O4cpq83g_HQUtVs",
			"3/c/1042/call/1767225600/flKTS923hpfKhsQeBoBSrfB-tJW8O4cpq83g_HQUtV",
			"3/c/1042/call/1767225600/flKTS923hpfKhsQeBoBSrfB-tJW8O4cpq83g_HQUtVsg",
			"3/c/1042/call/1767225600/flKTS923hpfKhsQeBoBSrfB-tJW8O4cpq83g_HQUtV=",
			"3/c/1042/call/1767225600/flKTS923hpfKhsQeBoBSrfB-tJW8O4cpq83g_HQUtVs/x",
			"3/c/1042/averyveryverylongaction/1767225600/flKTS923hpfKhsQeBoBSrfB-tJW8O4cpq83g_HQUtVs",
			"99999999999999999999/c/1042/call/1767225600/flKTS923hpfKhsQeBoBSrfB-tJW8O4cpq83g_HQUtVs",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (sign_link_parse(bad[i], &m, mac) != -1) {
				fprintf(stderr, "parsed: %s\n", bad[i]);
				CHECK(0);
			} else
				CHECK(1);
		}
	}
	/* What cannot be signed. */
	{
		struct buf b = BUF_INIT;

		l = a_link();
		snprintf(l.action, sizeof(l.action), "Call");
		CHECK_INT(sign_link_make(&key, &l, secret, &b), -1);
		l = a_link();
		l.object = 0;
		CHECK_INT(sign_link_make(&key, &l, secret, &b), -1);
		l = a_link();
		CHECK_INT(sign_link_make(&key, &l, NULL, &b), -1);
		CHECK_INT((long long)b.len, 0);
		buf_free(&b);
	}
}

static void
test_forms(void)
{
	const char *secret = "PageTokenOfAnaxxxxxxxxxxxxxxxxxx";
	char tok[SIGN_FORM_CHARS + 1], tok2[SIGN_FORM_CHARS + 1], nonce[SIGN_NONCE_CHARS + 1];
	time_t now = 1767225600;

	CHECK(sign_form_make(&key, 3, secret, "log", now, NULL, tok) == 0);
	CHECK_INT(sign_form_check(&key, 3, secret, "log", tok, now + 60, 86400, nonce), SIGN_OK);
	CHECK_INT((long long)strlen(nonce), SIGN_NONCE_CHARS);
	CHECK(strncmp(strchr(tok, '.') + 1, nonce, SIGN_NONCE_CHARS) == 0);
	/* Another form, salesperson, token, key. */
	CHECK_INT(sign_form_check(&key, 3, secret, "plan", tok, now, 86400, nonce), SIGN_BAD);
	CHECK_INT(sign_form_check(&key, 4, secret, "log", tok, now, 86400, nonce), SIGN_BAD);
	CHECK_INT(sign_form_check(&key, 3, "PageTokenOfBobxxxxxxxxxxxxxxxxxx", "log", tok, now,
	    86400, nonce), SIGN_BAD);
	CHECK_INT(sign_form_check(&other, 3, secret, "log", tok, now, 86400, nonce), SIGN_BAD);
	CHECK_INT(sign_form_check(&key, 3, NULL, "log", tok, now, 86400, nonce), SIGN_BAD);
	/* Too old, or from the future. */
	CHECK_INT(sign_form_check(&key, 3, secret, "log", tok, now + 86401, 86400, nonce),
	    SIGN_EXPIRED);
	CHECK_INT(sign_form_check(&key, 3, secret, "log", tok, now - 3600, 86400, nonce),
	    SIGN_EXPIRED);
	/* The time is bound: a token moved to another time is bad. */
	snprintf(tok2, sizeof(tok2), "%lld%s", (long long)now + 1, strchr(tok, '.'));
	CHECK_INT(sign_form_check(&key, 3, secret, "log", tok2, now, 86400, nonce), SIGN_BAD);
	/* Malformed ones. */
	CHECK_INT(sign_form_check(&key, 3, secret, "log", "", now, 86400, nonce), SIGN_BAD);
	CHECK_INT(sign_form_check(&key, 3, secret, "log", NULL, now, 86400, nonce), SIGN_BAD);
	CHECK_INT(sign_form_check(&key, 3, secret, "log", "1.2.3", now, 86400, nonce), SIGN_BAD);
	snprintf(tok2, sizeof(tok2), "%s", tok);
	tok2[strlen(tok2) - 1] ^= 1;
	CHECK_INT(sign_form_check(&key, 3, secret, "log", tok2, now, 86400, nonce), SIGN_BAD);
	/* Two tokens get two nonces; a given nonce is kept. */
	CHECK(sign_form_make(&key, 3, secret, "log", now, NULL, tok2) == 0);
	CHECK(strcmp(tok, tok2) != 0);
	CHECK(sign_form_make(&key, 3, secret, "act", now, "AAAAAAAAAAAAAAAAAAAAAA", tok2) == 0);
	CHECK_INT(sign_form_check(&key, 3, secret, "act", tok2, now, 60, nonce), SIGN_OK);
	CHECK_STR(nonce, "AAAAAAAAAAAAAAAAAAAAAA");
	CHECK_INT(sign_form_make(&key, 3, secret, "act", now, "short", tok2), -1);
}

static void
test_ids(void)
{
	const char *a[] = { "ab", "c" }, *b[] = { "a", "bc" }, *c[] = { "ab", "c" };
	char x[SIGN_ID_CHARS + 1], y[SIGN_ID_CHARS + 1], z[SIGN_ID_CHARS + 1];

	CHECK(sign_id(a, 2, x) == 0 && sign_id(b, 2, y) == 0 && sign_id(c, 2, z) == 0);
	CHECK_INT((long long)strlen(x), SIGN_ID_CHARS);
	CHECK(strcmp(x, y) != 0);
	CHECK_STR(x, z);
	CHECK(sign_equal("abc", "abc", 3));
	CHECK(!sign_equal("abc", "abd", 3));
}

static void
test_key_file(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256], path[512], err[1024];
	struct sign_key k1, k2;
	struct stat sb;
	int created = -1;
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s/test_sign.XXXXXX",
	    tmp != NULL && *tmp != '\0' && strlen(tmp) < 200 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/web.key", dir);
	/* Made at first start, 0600 whatever the umask. */
	umask(0);
	CHECK(sign_key_load(path, &k1, &created, err, sizeof(err)) == 0);
	CHECK_INT(created, 1);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 07777) == 0600);
	CHECK_INT((long long)sb.st_size, 65);
	umask(022);
	/* Read back the same. */
	CHECK(sign_key_load(path, &k2, &created, err, sizeof(err)) == 0);
	CHECK_INT(created, 0);
	CHECK(memcmp(k1.k, k2.k, SIGN_KEY_BYTES) == 0);
	/* Readable by the group or others: refused. */
	chmod(path, 0640);
	CHECK(sign_key_load(path, &k2, &created, err, sizeof(err)) == -1);
	CHECK(strstr(err, "chmod 600") != NULL);
	chmod(path, 0600);
	/* Not a key. */
	if ((fp = fopen(path, "w")) != NULL) {
		fputs("not a key\n", fp);
		fclose(fp);
	}
	CHECK(sign_key_load(path, &k2, &created, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a link key") != NULL);
	unlink(path);
	/* A missing directory is an error that names the file. */
	{
		char p2[600];

		snprintf(p2, sizeof(p2), "%s.nodir/web.key", path);
		CHECK(sign_key_load(p2, &k2, &created, err, sizeof(err)) == -1);
		CHECK(strstr(err, p2) != NULL);
	}
	/*
	 * Daemons starting at the same moment on a missing key: every one
	 * gets the same whole key (one made it, the others read it), never a
	 * file half written.  Processes started together, many rounds.
	 */
	for (int round = 0; round < 30; round++) {
		enum { KIDS = 8 };
		int fds[KIDS][2], bad = 0;
		pid_t kids[KIDS];
		unsigned char got[KIDS][SIGN_KEY_BYTES];

		unlink(path);
		for (int i = 0; i < KIDS; i++) {
			if (pipe(fds[i]) == -1 || (kids[i] = fork()) == -1) {
				CHECK(0);
				return;
			}
			if (kids[i] == 0) {
				struct sign_key k;
				int c, ok;

				close(fds[i][0]);
				ok = sign_key_load(path, &k, &c, err, sizeof(err)) == 0;
				if (!ok)
					fprintf(stderr, "round %d: %s\n", round, err);
				_exit(ok && write(fds[i][1], k.k, SIGN_KEY_BYTES) ==
				    SIGN_KEY_BYTES ? 0 : 1);
			}
			close(fds[i][1]);
		}
		for (int i = 0; i < KIDS; i++) {
			int st;

			if (read(fds[i][0], got[i], SIGN_KEY_BYTES) != SIGN_KEY_BYTES)
				bad++;
			close(fds[i][0]);
			if (waitpid(kids[i], &st, 0) == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
				bad++;
			else if (i > 0 && memcmp(got[i], got[0], SIGN_KEY_BYTES) != 0)
				bad++;
		}
		CHECK_INT(bad, 0);
		if (bad)
			break;
	}
	/* No temporary file is left beside the key. */
	{
		char cmd[700];

		unlink(path);
		snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", dir);
		CHECK(system(cmd) == 0);
	}
	rmdir(dir);
	sign_key_wipe(&k1);
	CHECK(k1.k[0] == 0 && k1.k[SIGN_KEY_BYTES - 1] == 0);
}

/* A key kept in a database server: made as hex, read back the same. */
static void
test_key_hex(void)
{
	char a[2 * SIGN_KEY_BYTES + 1], b[2 * SIGN_KEY_BYTES + 1], err[256], again[80];
	struct sign_key k;

	CHECK(sign_key_new_hex(a, sizeof(a), err, sizeof(err)) == 0);
	CHECK(sign_key_new_hex(b, sizeof(b), err, sizeof(err)) == 0);
	CHECK_INT((long long)strlen(a), 2 * SIGN_KEY_BYTES);
	CHECK(strcmp(a, b) != 0);
	CHECK(strspn(a, "0123456789abcdef") == 2 * SIGN_KEY_BYTES);
	CHECK(sign_key_from_hex(a, &k) == 0);
	for (size_t i = 0; i < SIGN_KEY_BYTES; i++)
		snprintf(again + 2 * i, sizeof(again) - 2 * i, "%02x", k.k[i]);
	CHECK_STR(again, a);
	CHECK(sign_key_new_hex(a, 2 * SIGN_KEY_BYTES, err, sizeof(err)) == -1);
	CHECK(sign_key_from_hex("abc", &k) == -1);
	CHECK(sign_key_from_hex(NULL, &k) == -1);
	b[5] = 'g';
	CHECK(sign_key_from_hex(b, &k) == -1);
	sign_key_wipe(&k);
}

int
main(void)
{
	setup_keys();
	test_links();
	test_forms();
	test_ids();
	test_key_file();
	test_key_hex();
	return check_done("test_sign");
}
