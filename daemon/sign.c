/*
 * sign.c - HMAC-SHA256 links and form tokens (see sign.h).
 *
 * Must not hand-roll any primitive: HMAC, SHA-256, base64 and the
 * constant-time compare are libcrypto's.  The only file it touches is
 * the key's.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "entropy.h"
#include "escape.h"
#include "sign.h"

#define LINK_DOMAIN	"cartera-link-v1"
#define FORM_DOMAIN	"cartera-form-v1"
#define ID_DOMAIN	"cartera-action-v1"
/* Stands in for the page token of a salesperson that does not exist. */
#define DUMMY_SECRET	"--------------------------------"

/* ---- the key file ----------------------------------------------------- */

static int
key_parse(const char *s, size_t n, struct sign_key *key)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n != 2 * SIGN_KEY_BYTES)
		return -1;
	for (size_t i = 0; i < SIGN_KEY_BYTES; i++) {
		int hi = escape_hex_digit((unsigned char)s[2 * i]);
		int lo = escape_hex_digit((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		key->k[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/*
 * Write a new key to path, exclusively: 0, 1 someone else made it first,
 * -1.  The key is written whole to a file of its own first and then
 * linked in place: a daemon starting at the same moment never reads a
 * key half written (an empty file, when the file was created first).
 */
static int
key_create(const char *path, struct sign_key *key, char *err, size_t errlen)
{
	char text[2 * SIGN_KEY_BYTES + 2], *tmp = NULL;
	size_t len = 0;
	int fd = -1, e, rc = -1;

	if (entropy_fill(key->k, sizeof(key->k)) == -1) {
		snprintf(err, errlen, "%s: no random bytes for a new key: %s", path,
		    strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < SIGN_KEY_BYTES; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%02x", key->k[i]);
	text[len++] = '\n';
	if (asprintf(&tmp, "%s.XXXXXX", path) == -1) {
		tmp = NULL;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	/* mkstemp makes it 0600, whatever the umask. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: cannot create the link key: %s", path, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) == -1 || close(fd) == -1) {
		e = errno;
		snprintf(err, errlen, "%s: cannot write the link key: %s", path, strerror(e));
		goto out;
	}
	fd = -1;
	if (link(tmp, path) == -1) {
		if (errno == EEXIST)
			rc = 1;
		else
			snprintf(err, errlen, "%s: cannot create the link key: %s", path,
			    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(text, sizeof(text));
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	return rc;
}

int
sign_key_load(const char *path, struct sign_key *key, int *created, char *err, size_t errlen)
{
	char text[2 * SIGN_KEY_BYTES + 8];
	struct stat sb;
	ssize_t n;
	int fd, rc;

	*created = 0;
	for (int tries = 0; tries < 2; tries++) {
		if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) != -1)
			break;
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: cannot read the link key: %s", path,
			    strerror(errno));
			return -1;
		}
		if ((rc = key_create(path, key, err, errlen)) == -1)
			return -1;
		if (rc == 0) {
			*created = 1;
			return 0;
		}
	}
	if (fd == -1) {
		snprintf(err, errlen, "%s: cannot read the link key", path);
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: the link key is not a regular file", path);
		return -1;
	}
	if ((sb.st_mode & 077) != 0) {
		close(fd);
		snprintf(err, errlen, "%s: the link key is readable by others (mode %04o); "
		    "chmod 600 %s", path, (unsigned)(sb.st_mode & 07777), path);
		return -1;
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 0 || key_parse(text, (size_t)n, key) == -1) {
		OPENSSL_cleanse(text, sizeof(text));
		snprintf(err, errlen, "%s: not a link key (64 hex digits on one line); remove "
		    "it and a new one is made at the next start", path);
		return -1;
	}
	OPENSSL_cleanse(text, sizeof(text));
	return 0;
}

int
sign_key_new_hex(char *hex, size_t len, char *err, size_t errlen)
{
	struct sign_key key;
	size_t n = 0;

	if (len < 2 * SIGN_KEY_BYTES + 1) {
		snprintf(err, errlen, "no room for a link key");
		return -1;
	}
	if (entropy_fill(key.k, sizeof(key.k)) == -1) {
		snprintf(err, errlen, "no random bytes for a new link key: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < SIGN_KEY_BYTES; i++)
		n += (size_t)snprintf(hex + n, len - n, "%02x", key.k[i]);
	sign_key_wipe(&key);
	return 0;
}

int
sign_key_from_hex(const char *hex, struct sign_key *key)
{
	return hex != NULL ? key_parse(hex, strlen(hex), key) : -1;
}

void
sign_key_wipe(struct sign_key *key)
{
	OPENSSL_cleanse(key, sizeof(*key));
}

/* ---- MACs --------------------------------------------------------------- */

/* One length-prefixed field of a MAC's input. */
static void
field(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	buf_printf(b, "%zu:", n);
	buf_add(b, s, n);
	buf_putc(b, ';');
}

static void
field_int(struct buf *b, long long v)
{
	char s[24];

	snprintf(s, sizeof(s), "%lld", v);
	field(b, s);
}

/* base64url of n bytes without padding into out (4n/3 + 1 bytes). */
static void
b64url(const unsigned char *p, size_t n, char *out)
{
	unsigned char tmp[64];
	int len;

	len = EVP_EncodeBlock(tmp, p, (int)n);
	while (len > 0 && tmp[len - 1] == '=')
		len--;
	for (int i = 0; i < len; i++)
		out[i] = tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : (char)tmp[i];
	out[len] = '\0';
}

/* HMAC-SHA256 of b under key, base64url into mac (SIGN_MAC_CHARS + 1). */
static int
mac_of(const struct sign_key *key, const struct buf *b, char *mac)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (b->failed || HMAC(EVP_sha256(), key->k, SIGN_KEY_BYTES,
	    (const unsigned char *)b->data, b->len, md, &mdlen) == NULL || mdlen != 32)
		return -1;
	b64url(md, mdlen, mac);
	return 0;
}

int
sign_equal(const char *a, const char *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

static int
action_ok(const char *a)
{
	size_t n = strlen(a);

	if (n == 0 || n > SIGN_ACTION_MAX)
		return 0;
	for (; *a; a++)
		if (!((*a >= 'a' && *a <= 'z') || (*a >= '0' && *a <= '9')))
			return 0;
	return 1;
}

static int
kind_ok(char k)
{
	return k == 'c' || k == 'a' || k == 'i';
}

static int
link_mac(const struct sign_key *key, const struct sign_link *l, const char *secret, char *mac)
{
	struct buf b = BUF_INIT;
	char kind[2] = { l->kind, '\0' };
	int rc;

	field(&b, LINK_DOMAIN);
	field_int(&b, l->owner);
	field(&b, secret);
	field(&b, kind);
	field_int(&b, l->object);
	field(&b, l->action);
	field_int(&b, l->expires);
	rc = mac_of(key, &b, mac);
	buf_free(&b);
	return rc;
}

int
sign_link_make(const struct sign_key *key, const struct sign_link *l, const char *secret,
    struct buf *out)
{
	char mac[SIGN_MAC_CHARS + 1];

	if (l->owner <= 0 || l->object <= 0 || l->expires <= 0 || !kind_ok(l->kind) ||
	    !action_ok(l->action) || secret == NULL || link_mac(key, l, secret, mac) == -1)
		return -1;
	return buf_printf(out, "%lld/%c/%lld/%s/%lld/%s", l->owner, l->kind, l->object,
	    l->action, l->expires, mac);
}

/* A positive decimal without sign or leading zero, up to 18 digits. */
static const char *
number(const char *s, long long *v)
{
	const char *p = s;

	*v = 0;
	if (*p < '1' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9') {
		if (p - s >= 18)
			return NULL;
		*v = *v * 10 + (*p++ - '0');
	}
	return p;
}

int
sign_link_parse(const char *s, struct sign_link *l, char *mac)
{
	const char *p;
	size_t n;

	memset(l, 0, sizeof(*l));
	if ((p = number(s, &l->owner)) == NULL || *p++ != '/' || !kind_ok(*p))
		return -1;
	l->kind = *p++;
	if (*p++ != '/' || (p = number(p, &l->object)) == NULL || *p++ != '/')
		return -1;
	n = strcspn(p, "/");
	if (n == 0 || n > SIGN_ACTION_MAX)
		return -1;
	memcpy(l->action, p, n);
	l->action[n] = '\0';
	if (!action_ok(l->action))
		return -1;
	p += n;
	if (*p++ != '/' || (p = number(p, &l->expires)) == NULL || *p++ != '/')
		return -1;
	if (strlen(p) != SIGN_MAC_CHARS)
		return -1;
	for (size_t i = 0; i < SIGN_MAC_CHARS; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '_'))
			return -1;
	memcpy(mac, p, SIGN_MAC_CHARS + 1);
	return 0;
}

enum sign_result
sign_link_check(const struct sign_key *key, const struct sign_link *l, const char *mac,
    const char *secret, time_t now)
{
	char want[SIGN_MAC_CHARS + 1];
	int good;

	if (link_mac(key, l, secret != NULL ? secret : DUMMY_SECRET, want) == -1)
		return SIGN_BAD;
	good = sign_equal(want, mac, SIGN_MAC_CHARS) & (secret != NULL);
	OPENSSL_cleanse(want, sizeof(want));
	if (!good)
		return SIGN_BAD;
	return (long long)now >= l->expires ? SIGN_EXPIRED : SIGN_OK;
}

static int
form_mac(const struct sign_key *key, long long owner, const char *secret, const char *form,
    long long t, const char *nonce, char *mac)
{
	struct buf b = BUF_INIT;
	int rc;

	field(&b, FORM_DOMAIN);
	field_int(&b, owner);
	field(&b, secret);
	field(&b, form);
	field_int(&b, t);
	field(&b, nonce);
	rc = mac_of(key, &b, mac);
	buf_free(&b);
	return rc;
}

int
sign_form_make(const struct sign_key *key, long long owner, const char *secret,
    const char *form, time_t now, const char *nonce, char *out)
{
	char mac[SIGN_MAC_CHARS + 1], fresh[SIGN_NONCE_CHARS + 1];
	unsigned char rnd[16];

	if (nonce == NULL) {
		if (entropy_fill(rnd, sizeof(rnd)) == -1)
			return -1;
		b64url(rnd, sizeof(rnd), fresh);
		nonce = fresh;
	}
	if (strlen(nonce) != SIGN_NONCE_CHARS ||
	    form_mac(key, owner, secret, form, (long long)now, nonce, mac) == -1)
		return -1;
	snprintf(out, SIGN_FORM_CHARS + 1, "%lld.%s.%s", (long long)now, nonce, mac);
	return 0;
}

enum sign_result
sign_form_check(const struct sign_key *key, long long owner, const char *secret,
    const char *form, const char *token, time_t now, long max_age, char *nonce)
{
	char want[SIGN_MAC_CHARS + 1], got[SIGN_MAC_CHARS + 1], n[SIGN_NONCE_CHARS + 1];
	const char *p;
	long long t = 0;
	int shape = 1, good;

	/* Parse without stopping early: a malformed token is checked too. */
	memset(got, '.', SIGN_MAC_CHARS);
	got[SIGN_MAC_CHARS] = '\0';
	memset(n, 'A', SIGN_NONCE_CHARS);
	n[SIGN_NONCE_CHARS] = '\0';
	if (token == NULL || (p = number(token, &t)) == NULL || *p++ != '.' ||
	    strlen(p) != SIGN_NONCE_CHARS + 1 + SIGN_MAC_CHARS || p[SIGN_NONCE_CHARS] != '.') {
		shape = 0;
		t = 1;
	} else {
		memcpy(n, p, SIGN_NONCE_CHARS);
		memcpy(got, p + SIGN_NONCE_CHARS + 1, SIGN_MAC_CHARS);
	}
	if (form_mac(key, owner, secret != NULL ? secret : DUMMY_SECRET, form, t, n, want) == -1)
		return SIGN_BAD;
	good = sign_equal(want, got, SIGN_MAC_CHARS) & shape & (secret != NULL);
	OPENSSL_cleanse(want, sizeof(want));
	if (!good)
		return SIGN_BAD;
	if (t > (long long)now + 300 || (long long)now - t > max_age)
		return SIGN_EXPIRED;
	memcpy(nonce, n, SIGN_NONCE_CHARS + 1);
	return SIGN_OK;
}

int
sign_id(const char *const *parts, size_t n, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct buf b = BUF_INIT;
	int rc;

	field(&b, ID_DOMAIN);
	for (size_t i = 0; i < n; i++)
		field(&b, parts[i] != NULL ? parts[i] : "");
	rc = b.failed || EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha256(), NULL) != 1 ? -1 : 0;
	buf_free(&b);
	if (rc == 0)
		for (unsigned i = 0; i < mdlen; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
	return rc;
}
