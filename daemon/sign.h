/*
 * sign.h - signed action links and anti-CSRF form tokens (HMAC-SHA256,
 * OpenSSL's libcrypto), and the key they are made with.
 *
 * A link in a digest ("Hecho: llamada" for client 1042) carries its own
 * proof: the salesperson, the object, the action and an expiry, and a MAC
 * over those and the salesperson's page token under the daemon's key.
 * Changing any of them, rotating the page token (cartera owner
 * rotate-token) or the key makes the MAC wrong.  A form on the page
 * carries a token bound the same way to the salesperson, the form and
 * the time it was made, with a random nonce the write uses as its
 * idempotency key.  MACs are compared in constant time (CRYPTO_memcmp)
 * and every check does the same work whatever is wrong.
 *
 * Pure but for sign_key_load (the key file), sign_key_new_hex and the
 * nonces (getrandom).
 * It knows nothing of HTTP, the store or what an action does.
 */
#ifndef CARTERA_SIGN_H
#define CARTERA_SIGN_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

#define SIGN_KEY_BYTES		32
#define SIGN_MAC_CHARS		43	/* 32 bytes, base64url without '=' */
#define SIGN_NONCE_CHARS	22	/* 16 random bytes, base64url */
#define SIGN_ACTION_MAX		15	/* longest action name */
/* "TIME.NONCE.MAC": a form token */
#define SIGN_FORM_CHARS		(20 + 1 + SIGN_NONCE_CHARS + 1 + SIGN_MAC_CHARS)
#define SIGN_ID_CHARS		64	/* sign_id: SHA-256 in hex */

struct sign_key {
	unsigned char	 k[SIGN_KEY_BYTES];
};

/*
 * The key in file path: 64 hex digits on one line.  A missing file is
 * created (mode 0600, bytes from getrandom; *created set); an existing
 * one must be a regular file with no permission for group or others.
 * 0, or -1 with "PATH: what is wrong" in err.
 */
int	 sign_key_load(const char *path, struct sign_key *key, int *created,
	    char *err, size_t errlen);
/*
 * A new key from getrandom as 64 hex digits in hex (2 * SIGN_KEY_BYTES + 1
 * bytes), for a key kept elsewhere than a file (a database server's,
 * shared by its daemons).  0 / -1 with the reason in err.
 */
int	 sign_key_new_hex(char *hex, size_t len, char *err, size_t errlen);
/* key from 64 hex digits (a trailing newline allowed).  0 / -1. */
int	 sign_key_from_hex(const char *hex, struct sign_key *key);
/* Zero the key's bytes (never optimised away). */
void	 sign_key_wipe(struct sign_key *key);

/* What a signed link is about. */
struct sign_link {
	long long	 owner;		/* salesperson id */
	char		 kind;		/* 'c' client, 'a' activity, 'i' invoice */
	long long	 object;	/* its id */
	char		 action[SIGN_ACTION_MAX + 1];	/* [a-z0-9]+ */
	long long	 expires;	/* UTC seconds; refused from then on */
};

enum sign_result { SIGN_OK = 0, SIGN_BAD = -1, SIGN_EXPIRED = -2 };

/*
 * Append "OWNER/KIND/OBJECT/ACTION/EXPIRES/MAC" to out, the MAC taken
 * over every field and secret (the salesperson's page token).  0 / -1
 * (out of memory, or a field out of range).
 */
int	 sign_link_make(const struct sign_key *, const struct sign_link *, const char *secret,
	    struct buf *out);
/*
 * Read "OWNER/KIND/OBJECT/ACTION/EXPIRES/MAC" (the whole of s) into l and
 * mac (SIGN_MAC_CHARS + 1 bytes).  0, or -1 when it is not of that shape
 * (nothing is verified here).
 */
int	 sign_link_parse(const char *s, struct sign_link *l, char *mac);
/*
 * Is mac right for l and secret, and l not expired at now?  SIGN_OK,
 * SIGN_BAD (wrong MAC: tampered, another salesperson's, a rotated token
 * or key) or SIGN_EXPIRED (right MAC, too late).  The same work is done
 * in every case; secret NULL (no such salesperson) is checked against a
 * dummy and is SIGN_BAD.
 */
enum sign_result sign_link_check(const struct sign_key *, const struct sign_link *,
	    const char *mac, const char *secret, time_t now);

/*
 * A form token for salesperson owner (page token secret) and form name,
 * made at now: "TIME.NONCE.MAC" into out (SIGN_FORM_CHARS + 1 bytes).
 * nonce: SIGN_NONCE_CHARS characters to use, or NULL for fresh random
 * ones.  0 / -1 (no randomness).
 */
int	 sign_form_make(const struct sign_key *, long long owner, const char *secret,
	    const char *form, time_t now, const char *nonce, char *out);
/*
 * Is token right for owner, secret and form, made no more than max_age
 * seconds before now (and not in the future)?  SIGN_OK with the nonce
 * copied into nonce (SIGN_NONCE_CHARS + 1 bytes), SIGN_BAD or
 * SIGN_EXPIRED.  Constant work as for links.
 */
enum sign_result sign_form_check(const struct sign_key *, long long owner, const char *secret,
	    const char *form, const char *token, time_t now, long max_age, char *nonce);

/*
 * An identifier for an action taken: SHA-256 over the n parts (each
 * length-prefixed, so parts cannot run into each other), in lower-case hex
 * into out (SIGN_ID_CHARS + 1 bytes).  0 / -1.
 */
int	 sign_id(const char *const *parts, size_t n, char *out);

/* Constant-time equality of two strings of n bytes. */
int	 sign_equal(const char *a, const char *b, size_t n);

#endif
