/*
 * address.h - the one parser and validator of e-mail addresses, and the
 * URLs made from addresses and phone numbers (mailto:, tel:).
 *
 * The command line, CSV import, the configuration and the MIME builder
 * all ask this module, so an address one of them accepts the others
 * accept too: a salesperson added with the CLI gets their digest, a
 * report.manager that passes --check-config gets the monthly summary.
 *
 * What is accepted (a deliberate subset of RFC 5321, documented in
 * README "E-mail addresses"):
 *   - plain ASCII "local@domain", at most 254 characters; no quoted local
 *     parts, no address literals, no UTF-8 (a domain is written in its
 *     xn-- form);
 *   - the local part is an RFC 5321 dot-atom of at most 64 characters
 *     made of letters, digits and ! $ ' * + - = ^ _ ` { | } ~ (dots
 *     between them); the atext characters # % & / ? are refused, because
 *     in a mailto: link they start a fragment, an escape, a header field
 *     or a path ("a?bcc=x%40evil@b.example" would add a recipient);
 *   - the domain is a host name of dot-separated labels of letters,
 *     digits and hyphens (1 to 63 characters, no hyphen first or last),
 *     at most 253 characters, with at least two labels and a last label
 *     that is not all digits; "localhost" is the one single-label name
 *     accepted, for a local mail server.
 * A mailbox (a configuration key that means one, e.g. smtp.from,
 * report.manager) may add a display name: "Name <addr>",
 * "\"Last, First\" <addr>", "<addr>" or "addr".
 *
 * Pure: no I/O.
 */
#ifndef CARTERA_ADDRESS_H
#define CARTERA_ADDRESS_H

#include <stddef.h>

#include "buf.h"

#define ADDRESS_MAX	254	/* RFC 5321 4.5.3.1.3 (path of 256 with <>) */

/*
 * What is wrong with addr, as a phrase to follow it ("has no '@'",
 * "contains non-ASCII characters ..."), or NULL when it is valid.
 * *badc (may be NULL) gets the offending byte when one is to blame, else -1.
 */
const char *address_problem(const char *addr, int *badc);
/* 1 if addr is valid. */
int	 address_valid(const char *addr);
/* What is wrong with a host name d[0..n) under the same domain rules, or NULL. */
const char *address_domain_problem(const char *d, size_t n, int *badc);
/*
 * What is wrong with the bytes of s[0..n) for an address or a mail header
 * (line break, control character, space, non-ASCII, '<' or '>'), or NULL.
 * Line breaks are reported before anything else: they are the dangerous
 * ones.  A non-ASCII byte is reported as NONASCII, so each caller can say
 * what to write instead.
 */
const char *address_bytes_problem(const char *s, size_t n, const char *nonascii);

/*
 * The message for an address that is not valid: WHAT "VALUE" WHY, with
 * the value escaped (escape.h) and cut at 80 bytes, e.g.
 *   recipient address "a?b@x.example" has a character not allowed before the '@' ('?')
 */
void	 address_error(char *err, size_t errlen, const char *what, const char *value,
	    const char *why, int badc);

/*
 * Split a mailbox: "Name <a@b.example>", "\"Last, First\" <a@b.example>",
 * "<a@b.example>" or "a@b.example".  On success *name is NULL when there
 * is no display name, else allocated; *addr is allocated and valid.  The
 * caller frees both.  On failure both are NULL and err says what is
 * wrong.  0 / -1.
 */
int	 address_parse_mailbox(const char *s, char **name, char **addr,
	    char *err, size_t errlen);

/*
 * URLs for links: "mailto:" + addr and "tel:" + phone, percent-encoded
 * (RFC 3986) so that no byte of the value can end the address or add a
 * header field, a parameter or a fragment: everything but letters,
 * digits, - . _ ~ (and @ in a mailto:, + and ( ) in a tel:) becomes %HH.
 * Appended to out; 0 / -1 (out of memory).
 */
int	 address_mailto_uri(const char *addr, struct buf *out);
/* The one percent-encoder: prefix as it is, then s with every byte but
 * letters, digits, - . _ ~ and those in keep as %HH (the web page's map
 * link: address_uri(b, "https://www.openstreetmap.org/search?query=",
 * address, "")).  0 / -1. */
int	 address_uri(struct buf *out, const char *prefix, const char *s, const char *keep);
int	 address_tel_uri(const char *phone, struct buf *out);

#endif
