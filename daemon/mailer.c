/*
 * mailer.c - SMTP delivery over libcurl: STARTTLS or implicit TLS, AUTH,
 * timeouts at every step, connection reuse, and reply classification.
 * No store access: results go back to the caller.
 */
#include "build.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/sockios.h>

#include <curl/curl.h>

#include "log.h"
#include "mailer.h"

struct mailer {
	const struct config	*cfg;
	CURL			*curl;
	char			 last_reply[512];	/* last line the server sent */
	char			 fail_reply[512];	/* last 4xx/5xx line it sent */
	long			 sent, connects;
	/* The message being sent: when a byte last went either way, whether
	 * the server said 354 (the content is going), when the whole content
	 * had gone (0: not yet), and why progress() stopped the transfer. */
	double			 last_io, last_ul_at, body_done_at;
	int			 in_data;
	enum { STOP_NONE, STOP_STALL, STOP_FINAL } stopped;
	curl_off_t		 last_ul;
	curl_socket_t		 fd;	/* the connection's socket (libcurl's) */
};

/* Note each new connection's socket (CURLINFO_ACTIVESOCKET is not known
 * until a transfer ends). */
static int
on_socket(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	struct mailer *m = arg;

	if (purpose == CURLSOCKTYPE_IPCXN)
		m->fd = fd;
	return CURL_SOCKOPT_OK;
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Keep the server's last reply line (debug callback sees every line). */
static int
on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct mailer *m = arg;
	size_t n;

	(void)h;
	if (type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT ||
	    type == CURLINFO_DATA_OUT)
		m->last_io = mono();
	if (type != CURLINFO_HEADER_IN || size < 3)
		return 0;
	if (memcmp(data, "354", 3) == 0)
		m->in_data = 1;
	n = size < sizeof(m->last_reply) - 1 ? size : sizeof(m->last_reply) - 1;
	memcpy(m->last_reply, data, n);
	while (n > 0 && (m->last_reply[n - 1] == '\n' || m->last_reply[n - 1] == '\r'))
		n--;
	m->last_reply[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)m->last_reply[i] < ' ')
			m->last_reply[i] = ' ';
	/* A refusal is followed by curl's QUIT and its "221 Bye": keep the
	 * refusal, which is what the user needs to read. */
	if ((m->last_reply[0] == '4' || m->last_reply[0] == '5') &&
	    isdigit((unsigned char)m->last_reply[1]) && isdigit((unsigned char)m->last_reply[2]))
		memcpy(m->fail_reply, m->last_reply, n + 1);
	return 0;
}

/*
 * Has the whole content, final "." included, reached the server?  libcurl
 * does not say (its upload size is unknown for a MIME body), so: the
 * server said 354, content went, libcurl has written nothing more for a
 * while although it could (the kernel's send queue is empty: the server
 * acknowledged every byte).  A body from memory never makes libcurl wait
 * for data, so this only holds once it wrote all of it and the ".".
 */
static int
body_done(struct mailer *m, curl_off_t ulnow, double now)
{
	int queued = -1;

	if (!m->in_data || ulnow <= 0 || now - m->last_ul_at < 0.5 ||
	    m->fd == CURL_SOCKET_BAD || ioctl(m->fd, SIOCOUTQ, &queued) == -1)
		return 0;
	return queued == 0;
}

/*
 * The clock of a transfer, called about once a second.  A server silent
 * for smtp.timeout at any step is given up, except after the whole
 * content went: the reply to the final "." may take smtp.data_timeout
 * (RFC 5321 4.5.3.2.6), as the server may be delivering meanwhile.
 * libcurl has one response timeout for every step, so it is set to the
 * longest and the steps are timed here.
 */
#define MAILER_BACKSTOP	2	/* seconds */

static int
progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct mailer *m = arg;
	double now = mono();

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	if (ulnow != m->last_ul) {
		m->last_ul = ulnow;
		m->last_io = m->last_ul_at = now;
	}
	if (m->body_done_at > 0 || body_done(m, ulnow, now)) {
		if (m->body_done_at == 0)
			m->body_done_at = now;
		if (now - m->body_done_at >= m->cfg->smtp.data_timeout) {
			m->stopped = STOP_FINAL;
			return 1;
		}
		return 0;
	}
	if (m->last_io > 0 && now - m->last_io >= m->cfg->smtp.timeout) {
		m->stopped = STOP_STALL;
		return 1;
	}
	return 0;
}

static int
setup(struct mailer *m, char *err, size_t errlen)
{
	const struct config *cfg = m->cfg;
	CURL *c = m->curl;
	int implicit = strncmp(cfg->smtp.url, "smtps://", 8) == 0;
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_URL, cfg->smtp.url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, (long)cfg->smtp.timeout);
	/* Each step is timed by progress(); libcurl's own limits are only a
	 * backstop past them (its response timeout also covers the wait
	 * after the final ".", which its total timeout does not), and
	 * MAILER_BACKSTOP seconds later than progress(), called about once a
	 * second, can notice: with smtp.timeout as the only margin, a
	 * timeout of 1 s let libcurl end a stall after the final "." first,
	 * reported as a dropped connection, not as the server's silence. */
	SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)cfg->smtp.timeout +
	    (long)cfg->smtp.data_timeout + MAILER_BACKSTOP);
	SET(CURLOPT_TIMEOUT, (long)cfg->smtp.timeout * 4 + (long)cfg->smtp.data_timeout +
	    MAILER_BACKSTOP);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, progress);
	SET(CURLOPT_XFERINFODATA, m);
	SET(CURLOPT_SOCKOPTFUNCTION, on_socket);
	SET(CURLOPT_SOCKOPTDATA, m);
	if (!implicit)
		SET(CURLOPT_USE_SSL, cfg->smtp.starttls == STARTTLS_REQUIRED ?
		    (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	if (cfg->smtp.ca_file != NULL)
		SET(CURLOPT_CAINFO, cfg->smtp.ca_file);
	if (cfg->smtp.user != NULL) {
		SET(CURLOPT_USERNAME, cfg->smtp.user);
		SET(CURLOPT_PASSWORD, cfg->smtp.password ? cfg->smtp.password : "");
	}
	SET(CURLOPT_VERBOSE, 1L);
	SET(CURLOPT_DEBUGFUNCTION, on_debug);
	SET(CURLOPT_DEBUGDATA, m);
#undef SET
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "smtp: %s", curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

struct mailer *
mailer_new(const struct config *cfg, char *err, size_t errlen)
{
	struct mailer *m;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->cfg = cfg;
	m->fd = CURL_SOCKET_BAD;
	if ((m->curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "smtp: cannot initialise libcurl");
		free(m);
		return NULL;
	}
	if (setup(m, err, errlen) == -1) {
		mailer_free(m);
		return NULL;
	}
	return m;
}

void
mailer_free(struct mailer *m)
{
	if (m == NULL)
		return;
	if (m->curl != NULL)
		curl_easy_cleanup(m->curl);	/* sends QUIT on a live connection */
	free(m);
}

void
mailer_stats(const struct mailer *m, long *sent, long *connects)
{
	*sent = m->sent;
	*connects = m->connects;
}

/* Errors after which the connection is in an unknown state: a timeout, or
 * a transfer cut in the middle. */
static int
connection_broken(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_SSL_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

/*
 * Cut the connection of the last transfer without a goodbye.  libcurl
 * would otherwise send QUIT on it, at the next transfer or in
 * mailer_free, and wait up to smtp.timeout again for a server that has
 * just shown it does not answer.  After a shutdown the QUIT fails at once
 * and the next transfer sees a dead connection and opens a new one.
 */
static void
drop_connection(struct mailer *m)
{
	curl_socket_t fd = CURL_SOCKET_BAD;

	if (curl_easy_getinfo(m->curl, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK &&
	    fd != CURL_SOCKET_BAD)
		shutdown(fd, SHUT_RDWR);
}

/* Errors that say nothing about this message: the server is unreachable,
 * TLS or login failed.  Always temporary, so fixing the configuration or
 * the server lets the queue drain. */
static int
server_trouble(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_USE_SSL_FAILED:
	case CURLE_LOGIN_DENIED:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
		return 1;
	default:
		return 0;
	}
}

int
mailer_send(struct mailer *m, const struct mail *mail, struct mailer_status *st)
{
	struct curl_slist *rcpt = NULL, *headers = NULL;
	curl_mime *mime = NULL;
	char from[300], to[300], err[512];
	long code = 0, connects = 0;
	CURLcode rc;

	memset(st, 0, sizeof(*st));
	m->last_reply[0] = '\0';
	m->fail_reply[0] = '\0';
	m->last_io = m->last_ul_at = mono();
	m->body_done_at = 0;
	m->in_data = 0;
	m->stopped = STOP_NONE;
	m->last_ul = 0;
	if (mime_build(m->curl, mail, &headers, &mime, err, sizeof(err)) == -1) {
		/* Nothing any server could change: the message itself is bad. */
		st->result = MAILER_PERMFAIL;
		snprintf(st->reply, sizeof(st->reply), "cannot build message: %.400s", err);
		return -1;
	}
	snprintf(from, sizeof(from), "<%s>", mail->from_addr);
	snprintf(to, sizeof(to), "<%s>", mail->to_addr);
	if ((rcpt = curl_slist_append(NULL, to)) == NULL ||
	    curl_easy_setopt(m->curl, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
	    curl_easy_setopt(m->curl, CURLOPT_MAIL_RCPT, rcpt) != CURLE_OK) {
		st->result = MAILER_TEMPFAIL;
		snprintf(st->reply, sizeof(st->reply), "out of memory");
		goto out;
	}
	rc = curl_easy_perform(m->curl);
	curl_easy_getinfo(m->curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(m->curl, CURLINFO_NUM_CONNECTS, &connects);
	m->connects += connects;
	st->code = (int)code;
	if (rc == CURLE_OK) {
		st->result = MAILER_SENT;
		snprintf(st->reply, sizeof(st->reply), "%s", m->last_reply);
		m->sent++;
	} else if (m->stopped == STOP_FINAL || (code == 354 && m->body_done_at > 0)) {
		/*
		 * The whole content went and no reply to the final "." came
		 * (waited smtp.data_timeout, or the connection dropped): the
		 * server may have it, and may be delivering it.  Sending it
		 * again could deliver it twice; the caller keeps it for a
		 * person to decide.
		 */
		st->result = MAILER_UNSURE;
		st->server_down = 1;
		drop_connection(m);
		if (m->stopped == STOP_FINAL)
			snprintf(st->reply, sizeof(st->reply), "possibly delivered: no reply "
			    "to the end of the message within smtp.data_timeout (%d s)",
			    m->cfg->smtp.data_timeout);
		else
			snprintf(st->reply, sizeof(st->reply), "possibly delivered: the "
			    "connection ended after the whole message was sent, before the "
			    "server's reply (%.80s)", curl_easy_strerror(rc));
	} else {
		if (code >= 400 && code < 500)
			st->result = MAILER_TEMPFAIL;
		else if (code >= 500 && rc != CURLE_LOGIN_DENIED)
			st->result = MAILER_PERMFAIL;
		else
			st->result = MAILER_TEMPFAIL;
		st->server_down = code == 421 || (code < 400 && server_trouble(rc)) ||
		    rc == CURLE_LOGIN_DENIED;
		if (connection_broken(rc))
			drop_connection(m);
		if (m->fail_reply[0] != '\0' && code >= 400)
			snprintf(st->reply, sizeof(st->reply), "%s", m->fail_reply);
		else if (m->last_reply[0] != '\0' && code >= 400)
			snprintf(st->reply, sizeof(st->reply), "%s", m->last_reply);
		else if (m->stopped == STOP_STALL)
			snprintf(st->reply, sizeof(st->reply), "Timeout: the server said "
			    "nothing for smtp.timeout (%d s)%s%.400s", m->cfg->smtp.timeout,
			    m->last_reply[0] ? "; last: " : "", m->last_reply);
		else
			snprintf(st->reply, sizeof(st->reply), "%.80s%s%.400s",
			    curl_easy_strerror(rc), m->last_reply[0] ? "; server said: " : "",
			    m->last_reply);
	}
out:
	/* The handle keeps the connection; the per-message objects go. */
	curl_easy_setopt(m->curl, CURLOPT_MIMEPOST, NULL);
	curl_easy_setopt(m->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(m->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpt);
	curl_slist_free_all(headers);
	curl_mime_free(mime);
	return st->result == MAILER_SENT ? 0 : -1;
}
