/*
 * httpd.h - the HTTP side of carterad (libmicrohttpd).
 *
 *   GET|HEAD /feed/TOKEN.ics   a salesperson's calendar (also via webcal://)
 *   GET|HEAD /team/TOKEN.ics   a team's calendar (feed.team = true)
 *   GET|HEAD /healthz          200 when the store answers and the scheduler runs
 *   GET|HEAD /metrics          Prometheus text format
 *   GET|POST /unsubscribe/TOKEN  stop client emails (RFC 8058 one-click POST)
 *   GET|POST /me/..., /act/..., /static/...  the salesperson's page and the
 *                              digest's action links (web.h)
 *
 * Feeds are served from responses built once per publication: a request
 * never queries the store.  Tokens are compared in constant time; an
 * unknown token gets the same 404 as any unknown path.  A request never
 * waits for the write lock: the unsubscribe POST looks its token up
 * read-only and queues the write for the daemon (writeq.h); a page's POST
 * hands web.c's job to the same queue and its connection is suspended
 * (not a thread) until the daemon applied it or WEB_WAIT_MS passed.
 * This file is the transport: what a page says is web.c's.
 */
#ifndef CARTERA_HTTPD_H
#define CARTERA_HTTPD_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "feed.h"
#include "metrics.h"

struct httpd;

/*
 * Start listening on cfg->http (or on listen_fd >= 0 from systemd).  db
 * is opened read-only by the HTTP threads to look up unsubscribe tokens;
 * the writes they ask for go to wq (borrowed; it must outlive the
 * server), which the daemon applies.  web (borrowed, may be NULL: no
 * page) answers the page's paths.
 */
struct writeq;
struct web;
struct httpd	*httpd_start(const struct config *cfg, struct metrics *m, const char *db,
		    struct writeq *wq, struct web *web, int listen_fd, char *err, size_t errlen);
/* How long a page's POST waits for its write before it answers 202. */
#define WEB_WAIT_MS	3000
/*
 * Replace the served feeds with fs (its bodies are taken; fs is emptied).
 * A feed whose bytes did not change keeps its ETag and Last-Modified.
 * Tokens no longer present stop working at once.
 */
int		 httpd_publish(struct httpd *, struct feed_set *fs, time_t now);
/* The port actually bound (useful when it was chosen by the system). */
int		 httpd_port(const struct httpd *);
void		 httpd_stop(struct httpd *);

/* The pure rules (httpd_rules.c), for the server, the tests and fuzzing. */
/* Does the If-None-Match header value match etag ("\"...\"")?  Weak
 * comparison (RFC 9110 13.1.2); "*" matches anything. */
int		 httpd_etag_match(const char *if_none_match, const char *etag);
/* Parse an HTTP-date (IMF-fixdate, RFC 850, asctime). 0 / -1. */
int		 httpd_parse_date(const char *s, time_t *out);
/*
 * "/feed/TOKEN.ics" -> 1 and TOKEN (HTTPD_TOKEN_LEN characters) copied
 * into tok (>= HTTPD_TOKEN_LEN + 1 bytes); 0 if the path is not of that
 * shape (prefix is "/feed/" or "/team/").
 */
#define HTTPD_TOKEN_LEN	32
int		 httpd_token_from_path(const char *path, const char *prefix, const char *suffix,
		    char *tok, size_t toklen);

/*
 * Why a request-target as received (t[0..n), NUL bytes included) must be
 * answered 400 (RFC 9112 3.2), or NULL: it is an origin-form path
 * ("/..." of visible ASCII, '%' followed by two hex digits), an
 * absolute-form "http(s)://..." or "*".  A NUL, a control character, a
 * space, a non-ASCII byte or "%2Ffeed%2F..." are refused.
 */
const char	*httpd_target_problem(const char *t, size_t n);

/* The header fields that frame a request, for httpd_fields_problem. */
struct httpd_fields {
	int		 http11;	/* HTTP/1.1 (else 1.0) */
	size_t		 nhost;		/* Host fields */
	int		 chunked;	/* a Transfer-Encoding field */
	const char *const *lengths;	/* Content-Length field values */
	size_t		 nlengths;
};
/*
 * Why these fields must be answered 400 (RFC 9112 3.2, 6.3), or NULL:
 * HTTP/1.1 without Host, more than one Host, Content-Length together with
 * Transfer-Encoding, a Content-Length that is not digits, or Content-Length
 * fields (or list elements) that differ.
 */
const char	*httpd_fields_problem(const struct httpd_fields *);

#endif
