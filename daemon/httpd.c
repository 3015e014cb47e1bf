/*
 * httpd.c - serve calendar feeds, health, metrics and unsubscribe links
 * with libmicrohttpd's own threads.
 *
 * The scheduler thread publishes feeds (httpd_publish); request threads
 * only look them up under a mutex and queue the prebuilt response, so
 * many subscribers cost no store access.  Bounded everywhere: connection
 * count, connections per IP, idle timeout, request memory, body size.
 */
#include "build.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "buf.h"
#include "clock.h"
#include "hash.h"
#include "httpd.h"
#include "log.h"
#include "store.h"
#include "web.h"
#include "writeq.h"

#define TOKEN_LEN	HTTPD_TOKEN_LEN
#define BODY_MAX	4096	/* an unsubscribe POST carries a few bytes */
/*
 * An unsubscribe runs on one of the two threads that serve every feed,
 * so it never waits for the write lock: the token is looked up read-only
 * (WAL readers do not wait for writers; UNSUB_READ_MS only covers a
 * checkpoint's brief lock), the write is queued (writeq.h) and the answer
 * comes from the lookup.  An address that posts more than UNSUB_FAIL_MAX
 * unknown tokens in UNSUB_FAIL_WINDOW seconds is answered 429 until the
 * window ends, before any lookup.
 */
#define UNSUB_READ_MS		100
#define UNSUB_FAIL_MAX		10
#define UNSUB_FAIL_WINDOW	60
#define FAIL_SLOTS		256	/* addresses remembered, oldest replaced */
#define REQUEST_MEMORY	(32 * 1024)	/* headers beyond this are refused */
/*
 * Connections.  libmicrohttpd accepts up to max_connections + SPARE, so
 * that a connection beyond max_connections can still make room or be
 * told 503; it stops accepting only past that.  A connection beyond
 * max_connections that cannot make room has OVER_GRACE_MS to send its
 * headers and get its 503.  The reaper looks at deadlines every REAP_MS.
 */
#define SPARE(max)	((max) / 8 + 8)
/* Headers every answer of the page carries (web.c): no script, no frame,
 * no referrer (the token is in the path), nothing kept in a cache. */
#define WEB_CSP		"default-src 'self'; frame-ancestors 'none'; form-action 'self'; " \
			"base-uri 'none'; object-src 'none'"
#define TICKETS_PER_REAP	64
#define OVER_GRACE_MS	1000
#define REAP_MS		250

struct entry {
	char			 token[TOKEN_LEN + 1];
	int			 team;
	char			 etag[24];	/* "\"16 hex\"" */
	time_t			 last_modified;
	uint64_t		 hash;
	struct MHD_Response	*ok;		/* 200, full body */
	struct MHD_Response	*not_modified;	/* 304 */
};

/*
 * One open connection, tracked for the request deadline and to make room
 * (all fields under httpd.conn_lock).  "Waiting" means its next request's
 * headers have not all arrived: a new connection, a slow client, or an
 * idle keep-alive connection between requests.
 */
struct conn {
	struct conn		*prev, *next;	/* httpd.conns, oldest first */
	int			 fd;
	long long		 since_ms;	/* connected, or the last response ended */
	int			 headers;	/* its request's headers have arrived */
	int			 answered;	/* a response is queued */
	int			 over;		/* beyond max_connections: gets 503 */
	int			 closing;	/* shut down by us; not counted */
};

/*
 * A page's POST whose job waits in the write queue: its connection is
 * suspended until the writer is done with the job or WEB_WAIT_MS passed
 * (the reaper).  Held by the request and by the writer (refs); the one
 * that drops the last frees it.  Under httpd.tick_lock.
 */
struct ticket {
	struct ticket		*prev, *next;	/* httpd.pending while suspended */
	struct httpd		*h;
	struct MHD_Connection	*c;
	struct web_job		*job;		/* owned */
	int			 refs;
	int			 suspended;	/* its connection was suspended */
	int			 resumed;	/* resumed, or about to be */
	int			 finished;	/* the writer is done: rc */
	int			 rc;
	long long		 deadline_ms;
};

struct httpd {
	struct MHD_Daemon	*mhd;
	struct metrics		*metrics;
	pthread_mutex_t		 lock;		/* guards entries */
	struct entry		*entries;
	size_t			 nentries;
	struct MHD_Response	*not_found;
	struct MHD_Response	*not_allowed;
	char			*db;
	struct store		*st;		/* read-only lookups; under st_lock */
	pthread_mutex_t		 st_lock;
	struct writeq		*wq;		/* borrowed: the daemon's web writes */
	pthread_mutex_t		 fail_lock;	/* guards fails */
	struct fail_slot {
		unsigned char	 addr[16];
		int		 family;	/* 0 = free slot */
		time_t		 since;		/* window start, monotonic seconds */
		int		 count;
	}			 fails[FAIL_SLOTS];
	char			*base_url;
	int			 port;
	pthread_mutex_t		 conn_lock;	/* guards the conn list */
	struct conn		*conns, *conns_tail;
	size_t			 nactive;	/* tracked, not closing */
	size_t			 max_conns;	/* http.max_connections */
	long long		 deadline_ms;	/* http.request_timeout */
	pthread_t		 reaper;
	pthread_cond_t		 reaper_cv;
	int			 reaper_started, reaper_stop;
	struct web		*web;		/* borrowed; NULL: no page */
	pthread_mutex_t		 tick_lock;	/* tickets and pending */
	struct ticket		*pending;	/* suspended, newest first */
	int			 stopping;	/* no more suspending (under tick_lock) */
	/* Held around every MHD_resume_connection and MHD_stop_daemon, so that
	 * no connection is resumed on a server that is gone. */
	pthread_mutex_t		 resume_lock;
	int			 mhd_stopped;	/* under resume_lock */
};

/* ---- pure helpers --------------------------------------------------- */

/* Constant-time equality of two token strings of TOKEN_LEN characters. */
static int
token_eq(const char *a, const char *b)
{
	unsigned char d = 0;

	for (size_t i = 0; i < TOKEN_LEN; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* ---- responses ------------------------------------------------------ */

static struct MHD_Response *
text_response(const char *text, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
	    MHD_RESPMEM_MUST_COPY);

	if (r != NULL) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	}
	return r;
}

static enum MHD_Result
queue_text(struct MHD_Connection *c, unsigned code, const char *text, const char *type)
{
	struct MHD_Response *r = text_response(text, type);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static void
feed_headers(struct MHD_Response *r, const struct entry *e, const char *filename)
{
	char lm[64], cd[160];

	clock_format_rfc5322(e->last_modified, "GMT", lm, sizeof(lm));
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, e->etag);
	MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, lm);
	/* Store, but revalidate every time: a 304 costs nothing here. */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-cache");
	if (filename != NULL) {
		snprintf(cd, sizeof(cd), "inline; filename=\"%s\"", filename);
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, cd);
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		    "text/calendar; charset=utf-8");
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	}
}

static void
entry_clear(struct entry *e)
{
	if (e->ok != NULL)
		MHD_destroy_response(e->ok);
	if (e->not_modified != NULL)
		MHD_destroy_response(e->not_modified);
	memset(e, 0, sizeof(*e));
}

int
httpd_publish(struct httpd *h, struct feed_set *fs, time_t now)
{
	struct entry *nv, *old;
	unsigned char *kept = NULL;	/* old[k] moved into nv: do not destroy it */
	size_t nold;

	/*
	 * Only this (the scheduler's) thread writes h->entries, so the old
	 * entries may be read without the lock; request threads read them
	 * under it until the swap, so they are not written before it.
	 */
	pthread_mutex_lock(&h->lock);
	old = h->entries;
	nold = h->nentries;
	pthread_mutex_unlock(&h->lock);
	if ((nv = calloc(fs->n ? fs->n : 1, sizeof(*nv))) == NULL ||
	    (nold > 0 && (kept = calloc(nold, 1)) == NULL)) {
		free(nv);
		feed_set_free(fs);
		return -1;
	}
	for (size_t i = 0; i < fs->n; i++) {
		struct feed *f = &fs->v[i];
		struct entry *e = &nv[i];
		uint64_t hash = hash_fnv(HASH_FNV_SEED, f->body, f->len);

		snprintf(e->token, sizeof(e->token), "%s", f->token);
		e->team = strncmp(f->path, "/team/", 6) == 0;
		/* Same bytes as before: keep the response, its ETag and date. */
		for (size_t k = 0; k < nold; k++) {
			if (!kept[k] && old[k].ok != NULL && old[k].hash == hash &&
			    old[k].team == e->team && strcmp(old[k].token, e->token) == 0) {
				*e = old[k];
				kept[k] = 1;
				break;
			}
		}
		if (e->ok != NULL) {
			free(f->body);
			f->body = NULL;
			continue;
		}
		e->hash = hash;
		e->last_modified = now;
		snprintf(e->etag, sizeof(e->etag), "\"%016llx\"", (unsigned long long)hash);
		e->ok = MHD_create_response_from_buffer(f->len, f->body, MHD_RESPMEM_MUST_FREE);
		if (e->ok == NULL) {
			free(f->body);
			f->body = NULL;
			continue;
		}
		f->body = NULL;		/* the response frees it */
		feed_headers(e->ok, e, f->filename);
		if ((e->not_modified = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT)) != NULL)
			feed_headers(e->not_modified, e, NULL);
	}
	pthread_mutex_lock(&h->lock);
	h->entries = nv;
	h->nentries = fs->n;
	pthread_mutex_unlock(&h->lock);
	/* Requests in flight hold their own reference to old responses. */
	for (size_t k = 0; k < nold; k++)
		if (!kept[k])
			entry_clear(&old[k]);
	free(kept);
	free(old);
	feed_set_free(fs);
	return 0;
}

/* ---- connections: deadline, room, 503 ---------------------------------- */

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Close c from our side; libmicrohttpd sees the end and cleans up.  The
 * fd is still c's: it is closed only after the CLOSED notification,
 * which takes conn_lock.  Caller holds conn_lock. */
static void
conn_shut(struct httpd *h, struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	if (h->nactive > 0)
		h->nactive--;
	shutdown(c->fd, SHUT_RDWR);
}

static struct conn *
conn_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/*
 * A connection opens or closes.  Past max_connections, the connection
 * that has waited longest for its request's headers (idle keep-alive, a
 * slow client) is closed to make room; when every other connection has
 * a request in progress, the new one is marked to get 503.
 */
static void
notify_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct httpd *h = cls;
	struct conn *c, *v;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if ((c = *socket_context) == NULL)
			return;
		pthread_mutex_lock(&h->conn_lock);
		if (!c->closing && h->nactive > 0)
			h->nactive--;
		if (c->prev != NULL)
			c->prev->next = c->next;
		else
			h->conns = c->next;
		if (c->next != NULL)
			c->next->prev = c->prev;
		else
			h->conns_tail = c->prev;
		pthread_mutex_unlock(&h->conn_lock);
		free(c);
		*socket_context = NULL;
		return;
	}
	if (toe != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	{
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);

		if (ci == NULL || (c = calloc(1, sizeof(*c))) == NULL)
			return;		/* untracked: only the idle timeout applies */
		c->fd = ci->connect_fd;
	}
	c->since_ms = mono_ms();
	pthread_mutex_lock(&h->conn_lock);
	c->prev = h->conns_tail;
	if (h->conns_tail != NULL)
		h->conns_tail->next = c;
	else
		h->conns = c;
	h->conns_tail = c;
	h->nactive++;
	if (h->nactive > h->max_conns) {
		for (v = h->conns; v != NULL; v = v->next)
			if (v != c && !v->closing && !v->headers && !v->over)
				break;
		if (v != NULL) {
			conn_shut(h, v);
			METRIC_ADD(h->metrics, http_closed_room, 1);
		} else
			c->over = 1;
	}
	pthread_mutex_unlock(&h->conn_lock);
	*socket_context = c;
}

/* ---- tickets: a page's POST waiting for its write ------------------------ */

static void
ticket_unref(struct ticket *tk)
{
	/* Caller holds tick_lock. */
	if (--tk->refs > 0)
		return;
	web_job_free(tk->job);
	free(tk);
}

static void
ticket_unlink(struct httpd *h, struct ticket *tk)
{
	if (tk->prev != NULL)
		tk->prev->next = tk->next;
	else if (h->pending == tk)
		h->pending = tk->next;
	if (tk->next != NULL)
		tk->next->prev = tk->prev;
	tk->prev = tk->next = NULL;
}

/* Resume connections whose tickets were taken off the pending list. */
static void
resume_all(struct httpd *h, struct MHD_Connection **v, size_t n)
{
	pthread_mutex_lock(&h->resume_lock);
	for (size_t i = 0; i < n && !h->mhd_stopped; i++)
		MHD_resume_connection(v[i]);
	pthread_mutex_unlock(&h->resume_lock);
}

/* The reaper: requests that waited WEB_WAIT_MS are answered (202) now. */
static void
tickets_due(struct httpd *h, long long now)
{
	struct MHD_Connection *v[TICKETS_PER_REAP];
	struct ticket *tk, *next;
	size_t n = 0;

	pthread_mutex_lock(&h->tick_lock);
	for (tk = h->pending; tk != NULL && n < TICKETS_PER_REAP; tk = next) {
		next = tk->next;
		if (now < tk->deadline_ms)
			continue;
		tk->resumed = 1;
		ticket_unlink(h, tk);
		v[n++] = tk->c;
	}
	pthread_mutex_unlock(&h->tick_lock);
	resume_all(h, v, n);
}

/* writeq: the job, in the writer thread. */
static int
ticket_apply(struct store *st, void *arg, char *err, size_t errlen)
{
	struct ticket *tk = arg;

	return web_job_apply(st, tk->job, err, errlen);
}

/* writeq: the writer is done with the job (rc -1: dropped at stop). */
static void
ticket_done(void *arg, int rc)
{
	struct ticket *tk = arg;
	struct httpd *h = tk->h;
	struct MHD_Connection *c = NULL;

	pthread_mutex_lock(&h->tick_lock);
	tk->finished = 1;
	tk->rc = rc;
	if (tk->suspended && !tk->resumed) {
		tk->resumed = 1;
		ticket_unlink(h, tk);
		c = tk->c;
	}
	ticket_unref(tk);
	pthread_mutex_unlock(&h->tick_lock);
	if (c != NULL)
		resume_all(h, &c, 1);
}

/* The deadline: a request not received whole within request_timeout
 * (counted from the connection, or from the end of the previous
 * response) is cut off, whatever it trickles. */
static void *
reaper(void *arg)
{
	struct httpd *h = arg;
	struct timespec until;

	pthread_mutex_lock(&h->conn_lock);
	while (!h->reaper_stop) {
		long long now = mono_ms();

		for (struct conn *c = h->conns; c != NULL; c = c->next) {
			if (c->closing || c->answered)
				continue;
			if (now - c->since_ms > h->deadline_ms ||
			    (c->over && now - c->since_ms > OVER_GRACE_MS)) {
				conn_shut(h, c);
				METRIC_ADD(h->metrics, http_closed_deadline, 1);
			}
		}
		pthread_mutex_unlock(&h->conn_lock);
		tickets_due(h, now);
		pthread_mutex_lock(&h->conn_lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += REAP_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->reaper_cv, &h->conn_lock, &until);
	}
	pthread_mutex_unlock(&h->conn_lock);
	return NULL;
}

/* ---- request handling ----------------------------------------------- */

struct req {
	size_t		 body;		/* bytes of request body seen */
	int		 too_big;
	int		 started;	/* the handler saw the headers */
	int		 web;		/* a path of the page (web.c) */
	struct buf	 form;		/* its POST body, up to WEB_BODY_MAX */
	struct ticket	*tk;		/* its job, while it waits or after */
	const char	*target;	/* the request-target in MHD's buffer */
	size_t		 target_len;	/* its bytes up to the first NUL */
	const char	*target_problem;	/* httpd_target_problem, as received */
};

/* What the request's header fields say about its framing (one request). */
struct field_scan {
	struct httpd_fields	 f;
	const char		*lengths[8];
	int			 too_many;
};

static enum MHD_Result
scan_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct field_scan *fs = cls;

	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		fs->f.nhost++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		fs->f.chunked = 1;
	else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (fs->f.nlengths < sizeof(fs->lengths) / sizeof(fs->lengths[0]))
			fs->lengths[fs->f.nlengths++] = value != NULL ? value : "";
		else
			fs->too_many = 1;
	}
	return MHD_YES;
}

/*
 * Why the request must be refused with 400 (RFC 9112), or NULL: the
 * target as it arrived (a NUL in it cut what libmicrohttpd passes on:
 * the bytes up to the version say how long it really was), then the
 * fields that frame the message.
 */
static const char *
request_problem(struct MHD_Connection *c, const struct req *rq, const char *url,
    const char *version)
{
	struct field_scan fs;
	const char *why;

	if (rq->target_problem != NULL)
		return rq->target_problem;
	if (rq->target != url || version == NULL || version <= url ||
	    (size_t)(version - 1 - url) != rq->target_len)
		return "a NUL in the request line";
	memset(&fs, 0, sizeof(fs));
	fs.f.http11 = strcmp(version, MHD_HTTP_VERSION_1_1) == 0;
	fs.f.lengths = fs.lengths;
	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_field, &fs);
	if (fs.too_many)
		return "too many Content-Length fields";
	if ((why = httpd_fields_problem(&fs.f)) != NULL)
		return why;
	return NULL;
}

/* The request is whole and gets its response: no deadline for it now. */
static void
answered(struct httpd *h, struct MHD_Connection *c)
{
	struct conn *cn = conn_of(c);

	if (cn == NULL)
		return;
	pthread_mutex_lock(&h->conn_lock);
	cn->answered = 1;
	pthread_mutex_unlock(&h->conn_lock);
}

/* Every slot has a request in progress: come back later, and close. */
static enum MHD_Result
server_busy(struct httpd *h, struct MHD_Connection *c)
{
	struct MHD_Response *r = text_response("server busy, try again shortly\n",
	    "text/plain; charset=utf-8");
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	answered(h, c);
	METRIC_ADD(h->metrics, http_busy, 1);
	MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, r);
	MHD_destroy_response(r);
	return ret;
}

/* 400 and close: nothing after a malformed request is read as a request. */
static enum MHD_Result
bad_request(struct httpd *h, struct MHD_Connection *c, const char *why)
{
	struct MHD_Response *r = text_response("bad request\n", "text/plain; charset=utf-8");
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	answered(h, c);
	METRIC_ADD(h->metrics, http_bad_requests, 1);
	log_debug("http: 400 for %s", why);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(c, MHD_HTTP_BAD_REQUEST, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
serve_feed(struct httpd *h, struct MHD_Connection *c, const char *tok, int team)
{
	const char *inm, *ims;
	struct MHD_Response *r = NULL;
	unsigned code = MHD_HTTP_OK;
	enum MHD_Result ret;
	time_t since;
	int found = 0;

	inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	pthread_mutex_lock(&h->lock);
	/* Look at every entry so the time taken says nothing about the token. */
	for (size_t i = 0; i < h->nentries; i++) {
		struct entry *e = &h->entries[i];
		int hit = token_eq(e->token, tok) & (e->team == team) & (e->ok != NULL);

		if (hit && !found) {
			found = 1;
			r = e->ok;
			if (inm != NULL) {
				if (httpd_etag_match(inm, e->etag))
					code = MHD_HTTP_NOT_MODIFIED;
			} else if (ims != NULL && httpd_parse_date(ims, &since) == 0 &&
			    e->last_modified <= since)
				code = MHD_HTTP_NOT_MODIFIED;
			if (code == MHD_HTTP_NOT_MODIFIED && e->not_modified != NULL)
				r = e->not_modified;
		}
	}
	if (!found) {
		pthread_mutex_unlock(&h->lock);
		METRIC_ADD(h->metrics, feed_not_found, 1);
		return MHD_queue_response(c, MHD_HTTP_NOT_FOUND, h->not_found);
	}
	/* Queued under the lock: the response holds its own reference after. */
	ret = MHD_queue_response(c, code, r);
	pthread_mutex_unlock(&h->lock);
	/* Counted apart from the unknown ones: each counter only goes up. */
	METRIC_ADD(h->metrics, feed_requests, 1);
	if (code == MHD_HTTP_NOT_MODIFIED)
		METRIC_ADD(h->metrics, feed_not_modified, 1);
	return ret;
}

static enum MHD_Result
serve_health(struct httpd *h, struct MHD_Connection *c)
{
	long long cycle = METRIC_GET(h->metrics, cycle_at);
	time_t now = clock_now();

	if (!METRIC_GET(h->metrics, store_ok))
		return queue_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "unhealthy: the database did not answer\n", "text/plain; charset=utf-8");
	/* The loop wakes at least hourly, so two hours of silence means stuck. */
	if (cycle == 0 || now - (time_t)cycle > 2 * 3600)
		return queue_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "unhealthy: the scheduler has not run\n", "text/plain; charset=utf-8");
	return queue_text(c, MHD_HTTP_OK, "ok\n", "text/plain; charset=utf-8");
}

static void
metric(struct buf *b, const char *name, const char *type, const char *help,
    const char *labels, double v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s%s %.17g\n", name, help, name, type,
	    name, labels ? labels : "", v);
}

static enum MHD_Result
serve_metrics(struct httpd *h, struct MHD_Connection *c)
{
	struct metrics *m = h->metrics;
	struct buf b = BUF_INIT;
	struct MHD_Response *r;
	enum MHD_Result ret;

	metric(&b, "cartera_digests_queued_total", "counter", "Digests queued in the outbox.",
	    NULL, (double)METRIC_GET(m, digests_queued));
	metric(&b, "cartera_digests_sent_total", "counter",
	    "Digests accepted by the SMTP server.", NULL, (double)METRIC_GET(m, digests_sent));
	metric(&b, "cartera_mails_sent_total", "counter", "Messages accepted by the SMTP server.",
	    NULL, (double)METRIC_GET(m, mails_sent));
	buf_printf(&b, "# HELP cartera_smtp_errors_total SMTP failures by class.\n"
	    "# TYPE cartera_smtp_errors_total counter\n"
	    "cartera_smtp_errors_total{class=\"temporary\"} %lld\n"
	    "cartera_smtp_errors_total{class=\"permanent\"} %lld\n"
	    "cartera_smtp_errors_total{class=\"connection\"} %lld\n",
	    METRIC_GET(m, smtp_temp_errors), METRIC_GET(m, smtp_perm_errors),
	    METRIC_GET(m, smtp_conn_errors));
	metric(&b, "cartera_smtp_connections_total", "counter", "SMTP connections opened.",
	    NULL, (double)METRIC_GET(m, smtp_connections));
	buf_printf(&b, "# HELP cartera_outbox_messages Messages in the outbox by status.\n"
	    "# TYPE cartera_outbox_messages gauge\n"
	    "cartera_outbox_messages{status=\"pending\"} %lld\n"
	    "cartera_outbox_messages{status=\"failed\"} %lld\n",
	    METRIC_GET(m, outbox_pending), METRIC_GET(m, outbox_failed));
	metric(&b, "cartera_feed_requests_total", "counter", "Feed requests with a known token.",
	    NULL, (double)METRIC_GET(m, feed_requests));
	metric(&b, "cartera_feed_not_modified_total", "counter",
	    "Feed requests answered 304 Not Modified.", NULL,
	    (double)METRIC_GET(m, feed_not_modified));
	metric(&b, "cartera_feed_not_found_total", "counter",
	    "Feed requests with an unknown token.", NULL, (double)METRIC_GET(m, feed_not_found));
	metric(&b, "cartera_feed_builds_total", "counter", "Times the feeds were rebuilt.",
	    NULL, (double)METRIC_GET(m, feed_builds));
	metric(&b, "cartera_feed_build_seconds", "gauge", "Duration of the last feed rebuild.",
	    NULL, METRIC_GET(m, feed_build_usec_last) / 1e6);
	metric(&b, "cartera_scans_total", "counter", "Portfolio scans run.", NULL,
	    (double)METRIC_GET(m, scans));
	metric(&b, "cartera_scan_errors_total", "counter", "Portfolio scans that failed.", NULL,
	    (double)METRIC_GET(m, scan_errors));
	metric(&b, "cartera_scan_duration_seconds", "gauge", "Duration of the last scan.", NULL,
	    METRIC_GET(m, scan_usec_last) / 1e6);
	metric(&b, "cartera_last_successful_scan_timestamp_seconds", "gauge",
	    "When the scheduler last completed a cycle.", NULL,
	    (double)METRIC_GET(m, scan_ok_at));
	metric(&b, "cartera_http_requests_total", "counter", "HTTP requests received.", NULL,
	    (double)METRIC_GET(m, http_requests));
	buf_printf(&b, "# HELP cartera_http_closed_total Connections carterad closed: a request "
	    "not received within http.request_timeout, or closed to make room.\n"
	    "# TYPE cartera_http_closed_total counter\n"
	    "cartera_http_closed_total{reason=\"deadline\"} %lld\n"
	    "cartera_http_closed_total{reason=\"room\"} %lld\n",
	    METRIC_GET(m, http_closed_deadline), METRIC_GET(m, http_closed_room));
	metric(&b, "cartera_http_busy_total", "counter",
	    "Requests answered 503: every connection had a request in progress.", NULL,
	    (double)METRIC_GET(m, http_busy));
	metric(&b, "cartera_http_bad_requests_total", "counter",
	    "Requests refused as malformed (RFC 9112).", NULL,
	    (double)METRIC_GET(m, http_bad_requests));
	metric(&b, "cartera_unsubscribe_requests_total", "counter",
	    "Unsubscribe POSTs with a known token.", NULL,
	    (double)METRIC_GET(m, unsubscribe_requests));
	metric(&b, "cartera_unsubscribe_not_found_total", "counter",
	    "Unsubscribe POSTs with an unknown token.", NULL,
	    (double)METRIC_GET(m, unsubscribe_not_found));
	metric(&b, "cartera_unsubscribe_limited_total", "counter",
	    "Unsubscribe POSTs answered 429 (too many unknown tokens from the address).",
	    NULL, (double)METRIC_GET(m, unsubscribe_limited));
	if (h->wq != NULL) {
		struct writeq_stats ws;

		writeq_stats(h->wq, &ws);
		metric(&b, "cartera_web_writes_queued", "gauge",
		    "Web writes waiting to be applied.", NULL, (double)ws.queued);
		metric(&b, "cartera_web_writes_applied_total", "counter",
		    "Web writes applied to the database.", NULL, (double)ws.applied);
		metric(&b, "cartera_web_writes_refused_total", "counter",
		    "Web writes refused because the queue was full (503).", NULL,
		    (double)ws.refused);
	}
	metric(&b, "cartera_up", "gauge", "1 when the database answered the last cycle.", NULL,
	    (double)METRIC_GET(m, store_ok));
	if (m->more != NULL)
		m->more(m->more_arg, &b);
	if (b.failed || (r = MHD_create_response_from_buffer(b.len, b.data,
	    MHD_RESPMEM_MUST_FREE)) == NULL) {
		buf_free(&b);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; version=0.0.4; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static const char unsub_page[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width\">"
    "<title>%s</title></head><body style=\"font-family:sans-serif;max-width:32em;"
    "margin:2em auto\"><p>%s</p>%s</body></html>\n";

static time_t
mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The client's address as bytes (family 0 if unknown). */
static int
client_addr(struct MHD_Connection *c, unsigned char addr[16])
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	memset(addr, 0, 16);
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return 0;
	if (sa->sa_family == AF_INET)
		memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(addr, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
	else
		return 0;
	return sa->sa_family;
}

/*
 * Failed unsubscribe lookups per address.  fail_limited: seconds the
 * address must still wait (0: go ahead).  fail_count: one more failure.
 */
static long
fail_limited(struct httpd *h, int family, const unsigned char addr[16])
{
	time_t now = mono_seconds();
	long wait = 0;

	if (family == 0)
		return 0;
	pthread_mutex_lock(&h->fail_lock);
	for (size_t i = 0; i < FAIL_SLOTS; i++) {
		struct fail_slot *f = &h->fails[i];

		if (f->family == family && memcmp(f->addr, addr, 16) == 0) {
			if (now - f->since >= UNSUB_FAIL_WINDOW)
				f->family = 0;		/* the window is over */
			else if (f->count >= UNSUB_FAIL_MAX)
				wait = (long)(f->since + UNSUB_FAIL_WINDOW - now);
			break;
		}
	}
	pthread_mutex_unlock(&h->fail_lock);
	return wait;
}

static void
fail_count(struct httpd *h, int family, const unsigned char addr[16])
{
	struct fail_slot *slot = NULL, *oldest = NULL;
	time_t now = mono_seconds();

	if (family == 0)
		return;
	pthread_mutex_lock(&h->fail_lock);
	for (size_t i = 0; i < FAIL_SLOTS; i++) {
		struct fail_slot *f = &h->fails[i];

		if (f->family == family && memcmp(f->addr, addr, 16) == 0) {
			slot = f;
			break;
		}
		if (f->family == 0 || now - f->since >= UNSUB_FAIL_WINDOW) {
			if (oldest == NULL || oldest->family != 0)
				oldest = f;
		} else if (oldest == NULL || (oldest->family != 0 && f->since < oldest->since))
			oldest = f;
	}
	if (slot == NULL || now - slot->since >= UNSUB_FAIL_WINDOW) {
		if (slot == NULL)
			slot = oldest;
		slot->family = family;
		memcpy(slot->addr, addr, 16);
		slot->since = now;
		slot->count = 0;
	}
	slot->count++;
	pthread_mutex_unlock(&h->fail_lock);
}

/*
 * POST /unsubscribe/TOKEN: 0 queued (or already done), 1 unknown token,
 * 2 the address is limited (*wait seconds), -1 cannot look it up or
 * queue it now (err).  Never waits for the write lock.
 */
static int
unsubscribe(struct httpd *h, struct MHD_Connection *c, const char *tok, long *wait,
    char *err, size_t errlen)
{
	unsigned char addr[16];
	long long id = 0;
	int family = client_addr(c, addr), done = 0, rc;

	if ((*wait = fail_limited(h, family, addr)) > 0)
		return 2;
	pthread_mutex_lock(&h->st_lock);
	if (h->st == NULL && store_open(h->db, STORE_READONLY, &h->st, err, errlen) == 0)
		store_set_busy_timeout(h->st, UNSUB_READ_MS);
	rc = h->st == NULL ? -1 : store_client_unsub_lookup(h->st, tok, &id, &done, err, errlen);
	pthread_mutex_unlock(&h->st_lock);
	if (rc == 1) {
		fail_count(h, family, addr);
		return 1;
	}
	if (rc == -1 || done)
		return rc;
	if (h->wq == NULL || writeq_push(h->wq, WRITEQ_UNSUBSCRIBE, id, NULL) == -1) {
		snprintf(err, errlen, "too many web writes waiting for the database");
		return -1;
	}
	return 0;
}

static enum MHD_Result
serve_unsubscribe(struct httpd *h, struct MHD_Connection *c, const char *tok, int post)
{
	struct buf b = BUF_INIT;
	struct MHD_Response *r;
	enum MHD_Result ret;
	unsigned code = MHD_HTTP_OK;
	char err[512], retry[24] = "60";
	long wait = 0;
	int rc;

	if (!post) {
		/* A GET only asks: mail scanners follow links without meaning it. */
		buf_printf(&b, unsub_page, "Cartera",
		    "¿Dejar de recibir estos correos? / Stop receiving these emails?",
		    "<form method=\"post\"><button type=\"submit\">Confirmar / Confirm"
		    "</button></form>");
	} else if ((rc = unsubscribe(h, c, tok, &wait, err, sizeof(err))) == -1) {
		log_warnx("unsubscribe not taken: %s", err);
		code = MHD_HTTP_SERVICE_UNAVAILABLE;
		buf_printf(&b, unsub_page, "Cartera", "Inténtalo más tarde. / Please try "
		    "again later.", "");
	} else if (rc == 2) {
		code = MHD_HTTP_TOO_MANY_REQUESTS;
		snprintf(retry, sizeof(retry), "%ld", wait);
		METRIC_ADD(h->metrics, unsubscribe_limited, 1);
		buf_printf(&b, unsub_page, "Cartera", "Demasiados enlaces no válidos desde esta "
		    "dirección; inténtalo más tarde. / Too many unknown links from this address; "
		    "please try again later.", "");
	} else if (rc == 1) {
		code = MHD_HTTP_NOT_FOUND;
		METRIC_ADD(h->metrics, unsubscribe_not_found, 1);
		buf_printf(&b, unsub_page, "Cartera", "Enlace no válido. / Unknown link.", "");
	} else {
		METRIC_ADD(h->metrics, unsubscribe_requests, 1);
		buf_printf(&b, unsub_page, "Cartera", "Hecho: no recibirás más correos. / "
		    "Done: you will not receive these emails any more.", "");
	}
	if (b.failed || (r = MHD_create_response_from_buffer(b.len, b.data,
	    MHD_RESPMEM_MUST_FREE)) == NULL) {
		buf_free(&b);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (code == MHD_HTTP_SERVICE_UNAVAILABLE || code == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- the page (web.c) ------------------------------------------------ */

/* Send what web.c answered, with the page's headers. */
static enum MHD_Result
web_send(struct MHD_Connection *c, struct web_response *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char retry[24];

	r = MHD_create_response_from_buffer(rs->body.len, rs->body.data != NULL ?
	    rs->body.data : (void *)(uintptr_t)"", MHD_RESPMEM_MUST_COPY);
	buf_free(&rs->body);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    rs->type != NULL ? rs->type : "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, rs->immutable ?
	    "public, max-age=31536000, immutable" : "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy", WEB_CSP);
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	if (rs->location[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, rs->location);
	if (rs->retry_after > 0) {
		snprintf(retry, sizeof(retry), "%d", rs->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	}
	ret = MHD_queue_response(c, rs->status != 0 ? rs->status : 500, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * Queue rs->job for the daemon's writer and suspend the connection until
 * it is done or WEB_WAIT_MS passed; the handler is called again then
 * (web_resumed).  A full queue is answered 503 at once.
 */
static enum MHD_Result
web_queue(struct httpd *h, struct MHD_Connection *c, struct req *rq, struct web_response *rs)
{
	struct writeq_job j;
	struct ticket *tk;
	int rc = 0, pushed;

	if ((tk = calloc(1, sizeof(*tk))) == NULL) {
		web_job_free(rs->job);
		rs->job = NULL;
		buf_free(&rs->body);
		return MHD_NO;
	}
	tk->h = h;
	tk->c = c;
	tk->job = rs->job;
	tk->refs = 2;			/* the request's and the writer's */
	tk->deadline_ms = mono_ms() + WEB_WAIT_MS;
	rs->job = NULL;
	buf_free(&rs->body);
	rq->tk = tk;
	j.apply = ticket_apply;
	j.done = ticket_done;
	j.arg = tk;
	/* Under tick_lock the writer cannot be done with it before it is
	 * suspended (ticket_done resumes only a suspended one). */
	pthread_mutex_lock(&h->tick_lock);
	pushed = h->wq != NULL && writeq_push_job(h->wq, &j) == 0;
	if (!pushed) {
		tk->refs--;
		rc = -2;
	} else if (!tk->finished && !h->stopping) {
		tk->suspended = 1;
		tk->next = h->pending;
		if (h->pending != NULL)
			h->pending->prev = tk;
		h->pending = tk;
		MHD_suspend_connection(c);
		pthread_mutex_unlock(&h->tick_lock);
		return MHD_YES;
	} else
		rc = tk->finished ? tk->rc : -1;
	pthread_mutex_unlock(&h->tick_lock);
	web_job_answer(h->web, tk->job, rc, rs);
	return web_send(c, rs);
}

/* The handler again, after the suspension: answer from the job. */
static enum MHD_Result
web_resumed(struct httpd *h, struct MHD_Connection *c, struct req *rq)
{
	struct web_response rs;
	int finished, rc;

	memset(&rs, 0, sizeof(rs));
	pthread_mutex_lock(&h->tick_lock);
	finished = rq->tk->finished;
	rc = rq->tk->rc;
	pthread_mutex_unlock(&h->tick_lock);
	/* Not finished: the write waits in the queue and is applied later. */
	web_job_answer(h->web, rq->tk->job, finished ? rc : -1, &rs);
	return web_send(c, &rs);
}

static enum MHD_Result
serve_web(struct httpd *h, struct MHD_Connection *c, struct req *rq, const char *url,
    enum web_method m)
{
	struct web_request wr;
	struct web_response rs;
	unsigned char addr[16];
	int family = client_addr(c, addr);
	long wait;

	/* Too many made-up tokens or links from this address: wait. */
	if ((wait = fail_limited(h, family, addr)) > 0) {
		struct MHD_Response *r = text_response("too many unknown links from this address; "
		    "try again later\n", "text/plain; charset=utf-8");
		char retry[24];
		enum MHD_Result ret;

		if (r == NULL)
			return MHD_NO;
		snprintf(retry, sizeof(retry), "%ld", wait);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
		ret = MHD_queue_response(c, MHD_HTTP_TOO_MANY_REQUESTS, r);
		MHD_destroy_response(r);
		return ret;
	}
	memset(&wr, 0, sizeof(wr));
	wr.method = m;
	wr.path = url;
	wr.q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
	wr.done = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "done");
	wr.body = rq->form.data != NULL ? rq->form.data : "";
	wr.body_len = rq->form.len;
	wr.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	wr.fetch_site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	wr.now = clock_now();
	web_handle(h->web, &wr, &rs);
	if (rs.bad_secret)
		fail_count(h, family, addr);
	if (rs.job != NULL)
		return web_queue(h, c, rq, &rs);
	return web_send(c, &rs);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct httpd *h = cls;
	struct req *rq = *con_cls;
	int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
	int head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	char tok[TOKEN_LEN + 1];

	if (rq == NULL)
		return MHD_NO;		/* uri_log could not allocate it */
	if (!rq->started) {
		struct conn *cn = conn_of(c);
		const char *why;
		int over = 0;

		rq->started = 1;
		METRIC_ADD(h->metrics, http_requests, 1);
		if (cn != NULL) {
			pthread_mutex_lock(&h->conn_lock);
			cn->headers = 1;
			over = cn->over;
			pthread_mutex_unlock(&h->conn_lock);
		}
		if (over)
			return server_busy(h, c);
		if ((why = request_problem(c, rq, url, version)) != NULL)
			return bad_request(h, c, why);
		rq->web = h->web != NULL && web_owns(url);
		if (rq->web && post) {
			/* A body larger than a form is refused before it is read. */
			const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
			    MHD_HTTP_HEADER_CONTENT_LENGTH);

			if (cl != NULL && (strlen(cl) > 9 || strtoul(cl, NULL, 10) > WEB_BODY_MAX)) {
				struct MHD_Response *r = text_response("request too large\n",
				    "text/plain; charset=utf-8");
				enum MHD_Result ret;

				if (r == NULL)
					return MHD_NO;
				answered(h, c);
				MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
				ret = MHD_queue_response(c, MHD_HTTP_CONTENT_TOO_LARGE, r);
				MHD_destroy_response(r);
				return ret;
			}
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/* An unsubscribe POST's body is read and dropped; a form's is kept
		 * for web.c, up to WEB_BODY_MAX. */
		size_t max = rq->web ? WEB_BODY_MAX : BODY_MAX;

		rq->body += *upload_size;
		if (rq->web && rq->body <= max)
			buf_add(&rq->form, upload, *upload_size);
		rq->too_big |= rq->body > max;
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->tk != NULL)
		return web_resumed(h, c, rq);
	answered(h, c);
	if (rq->too_big || rq->form.failed)
		return queue_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "request too large\n",
		    "text/plain; charset=utf-8");
	if (rq->web)
		return serve_web(h, c, rq, url, get ? WEB_GET : head ? WEB_HEAD : post ? WEB_POST :
		    WEB_OTHER);
	if (httpd_token_from_path(url, "/unsubscribe/", "", tok, sizeof(tok))) {
		if (!get && !head && !post) {
			struct MHD_Response *r = text_response("method not allowed\n",
			    "text/plain; charset=utf-8");
			enum MHD_Result ret;
			if (r == NULL)
				return MHD_NO;
			MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
			ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
			MHD_destroy_response(r);
			return ret;
		}
		return serve_unsubscribe(h, c, tok, post);
	}
	if (!get && !head)
		return MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, h->not_allowed);
	if (httpd_token_from_path(url, "/feed/", ".ics", tok, sizeof(tok)))
		return serve_feed(h, c, tok, 0);
	if (httpd_token_from_path(url, "/team/", ".ics", tok, sizeof(tok)))
		return serve_feed(h, c, tok, 1);
	if (strcmp(url, "/healthz") == 0)
		return serve_health(h, c);
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(h, c);
	if (strncmp(url, "/feed/", 6) == 0 || strncmp(url, "/team/", 6) == 0)
		METRIC_ADD(h->metrics, feed_not_found, 1);	/* a malformed token */
	return MHD_queue_response(c, MHD_HTTP_NOT_FOUND, h->not_found);
}

/*
 * Called with the request-target as received, before libmicrohttpd cuts
 * off the query and decodes it: the request's state starts here, and the
 * target is checked while its bytes are still the client's.
 */
static void *
uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct req *rq;

	(void)cls;
	(void)c;
	if ((rq = calloc(1, sizeof(*rq))) == NULL)
		return NULL;
	rq->target = uri;
	rq->target_len = strlen(uri);
	rq->target_problem = httpd_target_problem(uri, rq->target_len);
	return rq;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct httpd *h = cls;
	struct conn *cn = conn_of(c);

	struct req *rq = *con_cls;

	(void)toe;
	if (rq != NULL && rq->tk != NULL) {
		pthread_mutex_lock(&h->tick_lock);
		if (rq->tk->suspended && !rq->tk->resumed) {
			/* Closed while it waited (the server stops): not to be resumed. */
			rq->tk->resumed = 1;
			ticket_unlink(h, rq->tk);
		}
		ticket_unref(rq->tk);
		pthread_mutex_unlock(&h->tick_lock);
	}
	if (rq != NULL)
		buf_free(&rq->form);
	free(rq);
	*con_cls = NULL;
	/* The next request on this connection has its own deadline. */
	if (cn != NULL) {
		pthread_mutex_lock(&h->conn_lock);
		cn->headers = cn->answered = 0;
		cn->since_ms = mono_ms();
		pthread_mutex_unlock(&h->conn_lock);
	}
}

/*
 * %HH decoding as libmicrohttpd does it, except that a %00 does not end
 * the path: "/feed/TOKEN.ics%00x" would otherwise be read as
 * "/feed/TOKEN.ics".  The NUL becomes DEL, which no path we serve holds.
 */
static size_t
unescape(void *cls, struct MHD_Connection *c, char *s)
{
	size_t n = MHD_http_unescape(s);

	(void)cls;
	(void)c;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0')
			s[i] = '\x7f';
	return n;
}

/* libmicrohttpd's messages, with its format and arguments. */
static void mhd_log(void *, const char *, va_list) LOG_PRINTF(2, 0);

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	log_debug("http: %s", line);
}

struct httpd *
httpd_start(const struct config *cfg, struct metrics *m, const char *db,
    struct writeq *wq, struct web *web, int listen_fd, char *err, size_t errlen)
{
	struct httpd *h;
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	    MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;

	if ((h = calloc(1, sizeof(*h))) == NULL || (h->db = strdup(db)) == NULL) {
		free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->metrics = m;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->st_lock, NULL);
	pthread_mutex_init(&h->fail_lock, NULL);
	pthread_mutex_init(&h->conn_lock, NULL);
	pthread_mutex_init(&h->tick_lock, NULL);
	pthread_mutex_init(&h->resume_lock, NULL);
	pthread_cond_init(&h->reaper_cv, NULL);
	h->web = web;
	h->max_conns = (size_t)cfg->http.max_connections;
	h->deadline_ms = (long long)cfg->http.request_timeout * 1000;
	h->wq = wq;
	h->not_found = text_response("not found\n", "text/plain; charset=utf-8");
	h->not_allowed = text_response("method not allowed\n", "text/plain; charset=utf-8");
	if (h->not_found == NULL || h->not_allowed == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	MHD_add_response_header(h->not_allowed, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");

	memset(&ss, 0, sizeof(ss));
	if (listen_fd < 0) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		if (inet_pton(AF_INET, cfg->http.listen, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			s4->sin_port = htons((uint16_t)cfg->http.port);
			sslen = sizeof(*s4);
		} else if (inet_pton(AF_INET6, cfg->http.listen, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons((uint16_t)cfg->http.port);
			sslen = sizeof(*s6);
			flags |= MHD_USE_IPv6;
		} else {
			snprintf(err, errlen, "http.listen: \"%s\" is not an IP address",
			    cfg->http.listen);
			goto fail;
		}
	}
	/* The logger first, or libmicrohttpd warns on stderr that it is not. */
	h->mhd = MHD_start_daemon(flags, (uint16_t)cfg->http.port, NULL, NULL, handler, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, h,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_log, h,
	    MHD_OPTION_NOTIFY_CONNECTION, notify_connection, h,
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)(cfg->http.max_connections + SPARE(cfg->http.max_connections)),
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->http.per_ip_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->http.timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)REQUEST_MEMORY,
	    MHD_OPTION_THREAD_POOL_SIZE, 2U,
	    listen_fd >= 0 ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_SOCK_ADDR,
	    listen_fd >= 0 ? (void *)(intptr_t)listen_fd : (void *)&ss,
	    MHD_OPTION_END);
	(void)sslen;
	if (h->mhd == NULL) {
		snprintf(err, errlen, "http: cannot listen on %s port %d (in use, or not "
		    "allowed?)", cfg->http.listen, cfg->http.port);
		goto fail;
	}
	{
		const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->mhd,
		    MHD_DAEMON_INFO_BIND_PORT);
		h->port = di != NULL ? di->port : cfg->http.port;
	}
	if ((errno = pthread_create(&h->reaper, NULL, reaper, h)) != 0) {
		snprintf(err, errlen, "http: cannot start the request deadline thread: %s",
		    strerror(errno));
		goto fail;
	}
	h->reaper_started = 1;
	return h;
fail:
	httpd_stop(h);
	return NULL;
}

int
httpd_port(const struct httpd *h)
{
	return h->port;
}

void
httpd_stop(struct httpd *h)
{
	if (h == NULL)
		return;
	if (h->reaper_started) {
		pthread_mutex_lock(&h->conn_lock);
		h->reaper_stop = 1;
		pthread_cond_signal(&h->reaper_cv);
		pthread_mutex_unlock(&h->conn_lock);
		pthread_join(h->reaper, NULL);
	}
	/* Requests waiting for their write are answered (202) before the
	 * server goes; none is suspended from now on. */
	for (;;) {
		struct MHD_Connection *v[TICKETS_PER_REAP];
		size_t n = 0;

		pthread_mutex_lock(&h->tick_lock);
		h->stopping = 1;
		while (h->pending != NULL && n < TICKETS_PER_REAP) {
			struct ticket *tk = h->pending;

			tk->resumed = 1;
			ticket_unlink(h, tk);
			v[n++] = tk->c;
		}
		pthread_mutex_unlock(&h->tick_lock);
		if (n == 0)
			break;
		resume_all(h, v, n);
	}
	pthread_mutex_lock(&h->resume_lock);
	h->mhd_stopped = 1;
	pthread_mutex_unlock(&h->resume_lock);
	if (h->mhd != NULL)
		MHD_stop_daemon(h->mhd);
	for (size_t i = 0; i < h->nentries; i++)
		entry_clear(&h->entries[i]);
	free(h->entries);
	if (h->not_found != NULL)
		MHD_destroy_response(h->not_found);
	if (h->not_allowed != NULL)
		MHD_destroy_response(h->not_allowed);
	store_close(h->st);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->st_lock);
	pthread_mutex_destroy(&h->fail_lock);
	pthread_mutex_destroy(&h->conn_lock);
	pthread_mutex_destroy(&h->tick_lock);
	pthread_mutex_destroy(&h->resume_lock);
	pthread_cond_destroy(&h->reaper_cv);
	free(h->db);
	free(h);
}
