/*
 * mime.h - turn a mail description into libcurl MIME parts and the
 * RFC 5322 header lines that go with them.  This module owns all header
 * encoding (RFC 2047 encoded-words, quoted-strings, folding) and the
 * address syntax checks.
 *
 * Pure: no network, no files, no store.  Its only side effects are
 * libcurl's in-memory mime objects and two options on the given handle.
 * No value a caller passes can start a header line of its own: CR, LF
 * and other control characters in text become spaces, and addresses or
 * identifiers that contain them are refused.
 *
 * Every header line produced here has no trailing CRLF (libcurl adds it)
 * and is folded with "\r\n " so that no line is longer than 76
 * characters, except when one address, Message-ID or URL is longer than
 * that by itself (never longer than 998).
 */
#ifndef CARTERA_MIME_H
#define CARTERA_MIME_H

#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"

/* An image (or other part) the HTML refers to as "cid:<cid>". */
struct mail_inline {
	const char	*cid;		/* "chart@cartera": dot-atom "@" dot-atom, no <> */
	const char	*type;		/* "image/png": type "/" subtype, no parameters */
	const char	*filename;	/* NULL, or [A-Za-z0-9._-]{1,60} */
	const void	*data;
	size_t		 len;
};

/*
 * One message.  Every pointer is borrowed: mime_build copies what it
 * needs, so the caller may free all of it as soon as mime_build returns.
 */
struct mail {
	const char	*from_name;	/* UTF-8 display name; NULL or "" for none */
	const char	*from_addr;	/* "a@b.example", see address.h */
	const char	*to_name;
	const char	*to_addr;
	const char	*reply_to_name;	/* NULL or "" for none */
	const char	*reply_to_addr;	/* NULL: no Reply-To header */
	const char	*subject;	/* UTF-8, anything up to 8192 bytes; NULL is "" */
	const char	*message_id;	/* "<left@right>", e.g. from mime_message_id */
	time_t		 date;
	const char	*text;		/* UTF-8 body, LF or CRLF line ends; required */
	const char	*html;		/* UTF-8 HTML body; NULL for text only */
	const char	*list_unsubscribe;	/* http(s) URL for RFC 8058, or NULL */
	const struct mail_inline *inl;	/* parts for the HTML (needs html) */
	size_t		 ninline;
};

/*
 * Append a display name to out as an RFC 5322 phrase: plain atoms when
 * it can be, else a quoted-string, else RFC 2047 encoded-words (UTF-8,
 * each at most 75 characters, never splitting a character, separated by
 * single spaces).  Controls become spaces, bad UTF-8 becomes U+FFFD,
 * leading and trailing spaces go; a name that ends up empty appends
 * nothing.  Not folded.  0 / -1 (longer than 8192 bytes, out of memory).
 */
int	 mime_encode_phrase(const char *display, struct buf *out);

/*
 * Append the header line "Name: value" for an unstructured field
 * (Subject), folded.  The value is cleaned as for mime_encode_phrase and
 * written as is when it is ASCII, else as encoded-words.  field is a
 * header name of 1 to 40 printable ASCII characters without ':'.
 * 0 / -1 (bad field name, value longer than 8192 bytes, out of memory).
 */
int	 mime_encode_unstructured(const char *field, const char *value,
	    struct buf *out);

/*
 * Append the header line "Field: Name <addr>" (or "Field: addr" when the
 * name is NULL or empty after cleaning), folded.  field is "From", "To",
 * "Reply-To"...  An invalid address is refused with a message naming it
 * ("recipient address "x\r\ny" contains a line break").  0 / -1.
 */
int	 mime_format_address(const char *field, const char *name,
	    const char *addr, struct buf *out, char *err, size_t errlen);

/*
 * Write "<32 random hex digits@domain>" into out (len bytes, at least
 * 36 + strlen(domain)).  The randomness is getrandom(2).  0 / -1 (domain
 * not a valid host name, buffer too small, no randomness).
 */
int	 mime_message_id(const char *domain, char *out, size_t len);

/*
 * Write the RFC 5322 date of t in UTC, "Tue, 14 Nov 2023 22:13:20 +0000",
 * into out (len >= 32 is always enough).  0 / -1 (year outside
 * 1900-9999, buffer too small).
 */
int	 mime_date(time_t t, char *out, size_t len);

/*
 * Build the message for one SMTP transaction on the easy handle curl:
 * the header list (Date, From, To, Subject, Message-ID, MIME-Version,
 * List-Unsubscribe and List-Unsubscribe-Post when asked) and the MIME
 * tree, and set them with CURLOPT_HTTPHEADER and CURLOPT_MIMEPOST.
 *
 * The top level is multipart/alternative: text/plain first, then
 * text/html, or a multipart/related holding the text/html and the
 * inline parts.  Bodies are UTF-8, quoted-printable, CRLF; inline parts
 * are base64.
 *
 * On success the caller owns *headers and *mime and frees them with
 * curl_slist_free_all() and curl_mime_free() after the transfer; the
 * handle points at both until then (set CURLOPT_HTTPHEADER to NULL
 * before reusing it for anything but another mime_build).  On failure
 * both options are set to NULL on the handle, *headers and *mime are
 * NULL and err says why.  0 / -1.
 */
/*
 * Inline parts as one blob for the outbox, and back.  mime_unpack_inline
 * checks every length against the blob; the returned parts point into
 * the blob (which must outlive them), the array is malloc'd.  0 / -1.
 */
int	 mime_pack_inline(const struct mail_inline *inl, size_t n, unsigned char **blob,
	    size_t *len);
int	 mime_unpack_inline(const unsigned char *blob, size_t len, struct mail_inline **inl,
	    size_t *n);

int	 mime_build(CURL *curl, const struct mail *m,
	    struct curl_slist **headers, curl_mime **mime,
	    char *err, size_t errlen);

#endif
