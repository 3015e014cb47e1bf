/*
 * mailin.c - read IMAP mailboxes with libcurl and log what the mail
 * means (see mailin.h).  The decisions are mailmatch.c's; every write is
 * a store function.  Never sends mail, never changes a mailbox.
 */
#include "build.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "clock.h"
#include "log.h"
#include "mailin.h"
#include "store_mail.h"

#define RESP_MAX	(256u * 1024 * 1024)	/* one response, bytes */
#define RETRY_MIN	30			/* first retry of a failing mailbox */
/*
 * libcurl hands a custom command's response lines to the header callback
 * and refuses more than 300 kB of them per request ("Too large response
 * headers"; 7.88 counts a response of 27 kB in 64 lines-heavy mails as
 * 320 kB), so a batch is fetched in requests of a few mails: the number
 * (per connection, from FETCH_START) is halved when a response is refused,
 * grows again by a quarter after each one that is not, up to FETCH_MAX;
 * a single mail whose header fields alone are refused is skipped with a
 * log line.  (A refused response also costs a new connection: libcurl
 * closes it.)
 */
#define FETCH_MAX	64
#define FETCH_START	16
#define TOO_LARGE	(-2)
/*
 * libcurl also clips a response line longer than half its buffer: the
 * buffer is made as large as libcurl allows everywhere (512 kB), UIDs are
 * searched in windows of SEARCH_WINDOW so that no SEARCH line comes near
 * that, and a FETCH response that does not parse is fetched again in
 * smaller requests, down to the one mail, which is then skipped.
 */
#define CURL_BUFFER	(512L * 1024)
#define SEARCH_WINDOW	10000UL

struct mailin_conn {
	const struct imap_mailbox	*mb;
	CURL				*curl;
	char				*base;		/* "imaps://host:port/" */
	char				*mbox;		/* decoded mailbox name */
	struct buf			 resp;		/* the last response */
	char				 curl_err[CURL_ERROR_SIZE];
	volatile sig_atomic_t		*stop;
	/* UIDs found by the last search, still to be read. */
	unsigned long			*uids;
	size_t				 nuids, pos;
	unsigned long			 uids_validity;
	size_t				 chunk;		/* mails per FETCH request */
	size_t				 ceiling;	/* below the last size refused */
};

/* What the matching callbacks need. */
struct lookup {
	struct store	*st;
	char		*err;
	size_t		 errlen;
	char		**owner_keys;
	long long	*owner_ids;
	size_t		 nowners;
	const char	*key;	/* address being matched */
	struct mailmatch_result *res;
	int		 failed;
};

/*
 * libcurl.
 */

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct mailin_conn *c = arg;

	n *= size;	/* size is 1 */
	if (c->resp.len + n > RESP_MAX || buf_add(&c->resp, data, n) == -1)
		return 0;	/* aborts the transfer */
	return n;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;	/* the same lines reach on_header */
}

static int
on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c2, curl_off_t d)
{
	struct mailin_conn *c = arg;

	(void)a, (void)b, (void)c2, (void)d;
	return c->stop != NULL && *c->stop ? 1 : 0;
}

static int
split_url(struct mailin_conn *c, char *err, size_t errlen)
{
	const char *url = c->mb->url, *host = strstr(url, "://"), *slash;
	int n = 0;
	char *m;

	if (host == NULL || (slash = strchr(host + 3, '/')) == NULL) {
		snprintf(err, errlen, "%s: no mailbox in the url", c->mb->name);
		return -1;
	}
	if ((c->base = strndup(url, (size_t)(slash - url) + 1)) == NULL ||
	    (m = curl_easy_unescape(c->curl, slash + 1, 0, &n)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->mbox = strndup(m, (size_t)n);
	curl_free(m);
	if (c->mbox == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
setup(struct mailin_conn *c, char *err, size_t errlen)
{
	const struct imap_mailbox *mb = c->mb;
	CURL *h = c->curl;
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, (long)mb->timeout);
	SET(CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)mb->timeout);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, (long)mb->timeout);
	if (strncasecmp(mb->url, "imaps://", 8) != 0)
		SET(CURLOPT_USE_SSL, mb->starttls == STARTTLS_REQUIRED ?
		    (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	if (mb->ca_file != NULL)
		SET(CURLOPT_CAINFO, mb->ca_file);
	SET(CURLOPT_USERNAME, mb->user);
	SET(CURLOPT_PASSWORD, mb->password != NULL ? mb->password : "");
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, c);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, c);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, c);
	SET(CURLOPT_ERRORBUFFER, c->curl_err);
	SET(CURLOPT_BUFFERSIZE, CURL_BUFFER);
#undef SET
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", mb->name, curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

struct mailin_conn *
mailin_conn_new(const struct imap_mailbox *mb, volatile sig_atomic_t *stop, char *err,
    size_t errlen)
{
	struct mailin_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->mb = mb;
	c->stop = stop;
	c->chunk = FETCH_START;
	c->ceiling = FETCH_MAX;
	if ((c->curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "cannot initialise libcurl");
		free(c);
		return NULL;
	}
	if (split_url(c, err, errlen) == -1 || setup(c, err, errlen) == -1) {
		mailin_conn_free(c);
		return NULL;
	}
	return c;
}

void
mailin_conn_free(struct mailin_conn *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);	/* LOGOUT on a live connection */
	free(c->base);
	free(c->mbox);
	free(c->uids);
	buf_free(&c->resp);
	free(c);
}

/* One command: url is the base (no mailbox) or the mailbox's own. */
static int
request(struct mailin_conn *c, int on_mailbox, const char *cmd, char *err, size_t errlen)
{
	char tagged[256];
	CURLcode rc;

	buf_reset(&c->resp);
	c->curl_err[0] = '\0';
	if ((rc = curl_easy_setopt(c->curl, CURLOPT_URL, on_mailbox ? c->mb->url : c->base)) !=
	    CURLE_OK || (rc = curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, cmd)) != CURLE_OK) {
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
		return -1;
	}
	rc = curl_easy_perform(c->curl);
	if (rc == CURLE_OK && !c->resp.failed)
		return 0;
	if (strstr(c->curl_err, "Too large") != NULL) {
		snprintf(err, errlen, "%s", c->curl_err);
		return TOO_LARGE;
	}
	mailmatch_last_tagged(c->resp.data, c->resp.len, tagged, sizeof(tagged));
	switch (rc) {
	case CURLE_LOGIN_DENIED:
		snprintf(err, errlen, "login refused for user %s (wrong user or password?)%s%s",
		    c->mb->user, tagged[0] ? ": " : "", tagged);
		break;
	case CURLE_QUOTE_ERROR:
		snprintf(err, errlen, "the server refused %.*s: %s", (int)strcspn(cmd, " "),
		    cmd, tagged[0] ? tagged : "no reason given");
		break;
	case CURLE_ABORTED_BY_CALLBACK:
		snprintf(err, errlen, "stopped");
		break;
	case CURLE_WRITE_ERROR:
		snprintf(err, errlen, "response too large or out of memory");
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
		/* curl's own text names milliseconds: the same outage would read
		 * as a new error every time, and be logged every time. */
		snprintf(err, errlen, "cannot connect to %s: %s", c->base, curl_easy_strerror(rc));
		break;
	default:
		snprintf(err, errlen, "%s", c->curl_err[0] ? c->curl_err : curl_easy_strerror(rc));
	}
	return -1;
}

/* "INBOX" as an IMAP quoted string. */
static char *
quoted(const char *s)
{
	struct buf b = BUF_INIT;

	buf_putc(&b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	buf_putc(&b, '"');
	return buf_steal(&b);
}

/*
 * Matching through the store.
 */

static int
owner_of(void *arg, const char *key, long long *owner)
{
	struct lookup *l = arg;

	for (size_t i = 0; i < l->nowners; i++)
		if (strcmp(l->owner_keys[i], key) == 0) {
			*owner = l->owner_ids[i];
			return 1;
		}
	return 0;
}

static int
on_contact(long long client, const char *email, void *arg)
{
	struct lookup *l = arg;
	char *k;
	int rc = 0;

	if (l->key != NULL) {
		/* exact and subaddressed forms: keep those with the same key */
		if ((k = mailmatch_addr_key(email)) == NULL)
			return 0;
		rc = strcmp(k, l->key) == 0;
		free(k);
		if (!rc)
			return 0;
	}
	if (mailmatch_add_client(l->res, client) == -1) {
		snprintf(l->err, l->errlen, "out of memory");
		l->failed = 1;
		return 1;
	}
	return 0;
}

static int
clients_of(void *arg, const char *key, int by_domain, struct mailmatch_result *r)
{
	struct lookup *l = arg;
	const char *at;
	char *lo = NULL, *hi = NULL;
	int rc;

	l->res = r;
	l->failed = 0;
	if (by_domain) {
		l->key = NULL;
		rc = store_mail_domain_clients(l->st, key, on_contact, l, l->err, l->errlen);
		return rc == -1 || l->failed ? -1 : 0;
	}
	/* "marta@x.es" is stored as itself (any case) or as "marta+tag@x.es",
	 * which sorts in ["marta+", "marta,"). */
	at = strchr(key, '@');
	if (at == NULL || asprintf(&lo, "%.*s+", (int)(at - key), key) == -1) {
		snprintf(l->err, l->errlen, "out of memory");
		return -1;
	}
	if (asprintf(&hi, "%.*s,", (int)(at - key), key) == -1) {
		free(lo);
		snprintf(l->err, l->errlen, "out of memory");
		return -1;
	}
	l->key = key;
	rc = store_mail_contacts(l->st, key, lo, hi, on_contact, l, l->err, l->errlen);
	free(lo);
	free(hi);
	return rc == -1 || l->failed ? -1 : 0;
}

static int
followup_of(void *arg, const char *msgid, long long *outbox, long long *client)
{
	struct lookup *l = arg;
	int rc = store_mail_followup(l->st, msgid, outbox, client, l->err, l->errlen);

	return rc == -1 ? -1 : rc == 0;
}

static void
lookup_clear(struct lookup *l)
{
	for (size_t i = 0; i < l->nowners; i++)
		free(l->owner_keys[i]);
	free(l->owner_keys);
	free(l->owner_ids);
	l->owner_keys = NULL;
	l->owner_ids = NULL;
	l->nowners = 0;
}

/* Every salesperson's address key, and the mailbox owner's id. */
static int
load_owners(struct lookup *l, const struct imap_mailbox *mb, long long *mailbox_owner)
{
	struct owner *o = NULL;
	size_t n = 0;
	char *mk = mb->owner != NULL ? mailmatch_addr_key(mb->owner) : NULL;

	*mailbox_owner = 0;
	if (store_owner_load(l->st, 0, &o, &n, l->err, l->errlen) == -1) {
		free(mk);
		return -1;
	}
	l->owner_keys = calloc(n + 1, sizeof(*l->owner_keys));
	l->owner_ids = calloc(n + 1, sizeof(*l->owner_ids));
	for (size_t i = 0; i < n; i++) {
		char *k = mailmatch_addr_key(o[i].email);

		if (k != NULL && l->owner_keys != NULL && l->owner_ids != NULL) {
			if (mk != NULL && strcmp(k, mk) == 0)
				*mailbox_owner = o[i].id;
			l->owner_keys[l->nowners] = k;
			l->owner_ids[l->nowners++] = o[i].id;
		} else
			free(k);
		store_owner_clear(&o[i]);
	}
	free(o);
	if (l->owner_keys == NULL || l->owner_ids == NULL) {
		free(mk);
		lookup_clear(l);
		snprintf(l->err, l->errlen, "out of memory");
		return -1;
	}
	if (mb->owner != NULL && *mailbox_owner == 0)
		log_warnx("mailbox %s: its owner %s is no salesperson (cartera owner add); "
		    "mail received there is logged as the client's own salesperson's",
		    mb->name, mb->owner);
	free(mk);
	return 0;
}

/*
 * One batch.
 */

struct batch {
	struct mailin_conn		*c;
	struct store			*st;
	const struct config		*cfg;
	const struct mailin_opts	*o;
	struct mailin_stats		*stats;
	struct store_mailbox		 delta;
	struct mailmatch_rules		 rules;
	struct lookup			*l;
	unsigned long			 max_uid;
	struct buf			 raw;		/* the responses of the batch */
	char				*err;
	size_t				 errlen;
	int				 failed;
};

static void
report(struct batch *b, unsigned long uid, const struct mailmatch_msg *m,
    const struct mailmatch_result *r, int dup, const char *skipped)
{
	struct mailin_seen s = { uid, m, r, dup, skipped };

	if (b->o->report != NULL)
		b->o->report(&s, b->o->arg);
}

static int
on_message(const struct mailmatch_fetched *f, void *arg)
{
	struct batch *b = arg;
	const struct imap_mailbox *mb = b->c->mb;
	struct mailmatch_msg m;
	struct mailmatch_result r;
	int seen = 0;

	if (f->uid > b->max_uid)
		b->max_uid = f->uid;
	b->stats->fetched++;
	if (f->header == NULL) {
		log_warnx("mailbox %s: UID %lu: the server sent no header; skipped", mb->name,
		    f->uid);
		b->stats->skipped++;
		b->delta.skipped++;
		report(b, f->uid, NULL, NULL, 0, "no header");
		return 0;
	}
	if (mailmatch_parse_header(f->header, f->header_len, f->internal, clock_now(), &m,
	    b->err, b->errlen) == -1) {
		b->failed = 1;
		return 1;
	}
	if (!m.date_from_header)
		log_info("mailbox %s: UID %lu (%s) has no usable Date; its arrival time is used",
		    mb->name, f->uid, m.message_id);
	if (m.synthetic_id)
		log_debug("mailbox %s: UID %lu has no Message-ID; known as %s", mb->name,
		    f->uid, m.message_id);
	if (store_mail_seen(b->st, m.message_id, &seen, b->err, b->errlen) == -1)
		goto fail;
	if (seen) {
		b->stats->duplicates++;
		b->delta.duplicates++;
		report(b, f->uid, &m, NULL, 1, NULL);
		mailmatch_msg_clear(&m);
		return 0;
	}
	if (mailmatch_classify(&m, &b->rules, &r, b->err, b->errlen) == -1)
		goto fail;
	switch (r.what) {
	case MAILMATCH_LOG:
		b->stats->logged++;
		b->delta.logged++;
		for (size_t i = 0; i < r.nclients && !b->o->dry_run; i++) {
			struct store_mail_touch t = {
				.message_id = m.message_id, .mailbox = mb->name,
				.note = m.subject[0] != '\0' ? m.subject : NULL,
				.client = r.clients[i], .by_owner = r.by_owner,
				.answers = r.answers, .at = m.date, .outgoing = r.outgoing,
				.now = clock_now(),
			};

			if (store_mail_log(b->st, &t, NULL, b->err, b->errlen) == -1) {
				mailmatch_result_clear(&r);
				goto fail;
			}
			b->stats->touches++;
		}
		if (r.answers != 0)
			log_info("mailbox %s: UID %lu answers follow-up email %lld", mb->name,
			    f->uid, r.answers);
		break;
	case MAILMATCH_INTERNAL:
		b->stats->internal++;
		b->delta.internal++;
		break;
	case MAILMATCH_UNMATCHED:
		b->stats->unmatched++;
		b->delta.unmatched++;
		break;
	case MAILMATCH_AUTO:
		b->stats->automatic++;
		b->delta.automatic++;
		log_debug("mailbox %s: UID %lu is automatic (%s): not logged", mb->name,
		    f->uid, m.auto_reply);
		break;
	}
	report(b, f->uid, &m, &r, 0, NULL);
	mailmatch_result_clear(&r);
	mailmatch_msg_clear(&m);
	return 0;
fail:
	mailmatch_msg_clear(&m);
	b->failed = 1;
	return 1;
}

static char *
imap_date(long day)
{
	char *s = NULL;
	int y, m, d;

	clock_days_to_date(day, &y, &m, &d);
	if (asprintf(&s, "%d-%s-%04d", d, clock_month_abbr(m), y) == -1)
		return NULL;
	return s;
}

/* Find the UIDs to read into c->uids (from c->pos): UID SEARCH over
 * windows of SEARCH_WINDOW UIDs up to uidnext (or "N:*" when the server
 * gave no UIDNEXT). */
static int
search(struct mailin_conn *c, const struct mailin_opts *o, unsigned long uidvalidity,
    unsigned long uidnext, unsigned long last_uid, char *err, size_t errlen)
{
	char *date = NULL;
	unsigned long lo = o->since_day != 0 ? 1 : last_uid + 1;
	size_t cap = 0;

	free(c->uids);
	c->uids = NULL;
	c->nuids = c->pos = 0;
	if (o->since_day != 0 && (date = imap_date(o->since_day)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	do {
		unsigned long hi = lo + SEARCH_WINDOW - 1, *v = NULL;
		size_t n = 0;
		char *cmd = NULL;
		int rc;

		if (uidnext == 0)
			rc = asprintf(&cmd, "UID SEARCH UID %lu:*%s%s", lo, date ? " SINCE " : "",
			    date ? date : "");
		else
			rc = asprintf(&cmd, "UID SEARCH UID %lu:%lu%s%s", lo, hi,
			    date ? " SINCE " : "", date ? date : "");
		if (rc == -1) {
			free(date);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		rc = request(c, 1, cmd, err, errlen);
		free(cmd);
		if (rc != 0 || mailmatch_parse_search(c->resp.data, c->resp.len, &v, &n) == -1) {
			if (rc == 0)
				snprintf(err, errlen, "out of memory");
			else if (rc == TOO_LARGE)
				rc = -1;
			free(date);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			/* "N:*" always names the last message, even below N. */
			if (v[i] < lo || (uidnext != 0 && v[i] > hi))
				continue;
			if (c->nuids == cap) {
				unsigned long *nu;

				cap = cap ? cap * 2 : 1024;
				if ((nu = realloc(c->uids, cap * sizeof(*nu))) == NULL) {
					free(v);
					free(date);
					snprintf(err, errlen, "out of memory");
					return -1;
				}
				c->uids = nu;
			}
			c->uids[c->nuids++] = v[i];
		}
		free(v);
		if (hi < lo)
			break;	/* wrapped around */
		lo = hi + 1;
	} while (uidnext != 0 && lo < uidnext);
	free(date);
	c->uids_validity = uidvalidity;
	return 0;
}

/*
 * Fetch uids[0..n) into b->raw in requests of at most FETCH_MAX mails
 * (fewer when libcurl finds a response too large).  No transaction is
 * open meanwhile: a slow server never holds the database's write lock.
 */
static int
fetch_batch(struct mailin_conn *c, struct batch *b, const unsigned long *uids, size_t n,
    char *err, size_t errlen)
{
	size_t i = 0;

	while (i < n) {
		size_t k = n - i < c->chunk ? n - i : c->chunk;
		char *set, *cmd = NULL;
		int rc;

		if ((set = mailmatch_uid_set(uids + i, k)) == NULL ||
		    asprintf(&cmd, "UID FETCH %s (UID INTERNALDATE RFC822.SIZE "
		    "BODY.PEEK[HEADER.FIELDS (" MAILMATCH_FIELDS ")])", set) == -1) {
			free(set);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(set);
		rc = request(c, 1, cmd, err, errlen);
		free(cmd);
		/* A response libcurl clipped does not parse: the same remedy. */
		if (rc == 0 && mailmatch_parse_fetch(c->resp.data, c->resp.len, NULL, NULL, err,
		    errlen) == -1)
			rc = TOO_LARGE;
		if (rc == TOO_LARGE && k > 1) {
			c->chunk = k / 2;
			c->ceiling = k * 3 / 4 > c->chunk ? k * 3 / 4 : c->chunk;
			continue;
		}
		if (rc == TOO_LARGE) {
			log_warnx("mailbox %s: UID %lu: its header fields cannot be read whole "
			    "(%s); skipped", c->mb->name, uids[i], err);
			b->stats->skipped++;
			b->delta.skipped++;
			if (uids[i] > b->max_uid)
				b->max_uid = uids[i];
			report(b, uids[i], NULL, NULL, 0, "header too large");
			i++;
			c->chunk = 1;
			continue;
		}
		if (rc == -1)
			return -1;
		if (buf_add(&b->raw, c->resp.data != NULL ? c->resp.data : "", c->resp.len) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		i += k;
		if (k == c->chunk && c->chunk < c->ceiling) {
			c->chunk += c->chunk / 4 + 1;
			if (c->chunk > c->ceiling)
				c->chunk = c->ceiling;
		}
	}
	return 0;
}

int
mailin_poll(struct mailin_conn *c, struct store *st, const struct config *cfg,
    const struct mailin_opts *o, struct mailin_stats *stats, int *more, char *err,
    size_t errlen)
{
	const struct imap_mailbox *mb = c->mb;
	struct store_mailbox state;
	struct lookup l;
	unsigned long uidvalidity, uidnext, last_uid;
	size_t done = 0, max = o->max_mails;
	char *cmd = NULL, *q;
	int rc = -1;

	*more = 0;
	memset(&l, 0, sizeof(l));
	l.st = st;
	l.err = err;
	l.errlen = errlen;
	if ((q = quoted(c->mbox)) == NULL || asprintf(&cmd, "STATUS %s (UIDVALIDITY UIDNEXT)",
	    q) == -1) {
		free(q);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(q);
	rc = request(c, 0, cmd, err, errlen);
	free(cmd);
	if (rc == -1)
		return -1;
	rc = -1;
	mailmatch_parse_status(c->resp.data, c->resp.len, &uidvalidity, &uidnext);
	if (uidvalidity == 0) {
		snprintf(err, errlen, "the server gave no UIDVALIDITY for %s", c->mbox);
		return -1;
	}
	if (store_mailbox_get(st, mb->name, &state, err, errlen) == -1)
		return -1;
	last_uid = state.last_uid;
	if (state.uidvalidity != uidvalidity) {
		if (state.uidvalidity != 0)
			log_info("mailbox %s: UIDVALIDITY changed (%lu to %lu): reading it all "
			    "again; mail already logged is not logged twice", mb->name,
			    state.uidvalidity, uidvalidity);
		last_uid = 0;
		c->nuids = c->pos = 0;
	}
	store_mailbox_clear(&state);
	if (o->since_day == 0 && uidnext != 0 && uidnext - 1 <= last_uid) {
		c->nuids = c->pos = 0;
		stats->backlog = 0;
		return 0;	/* nothing new */
	}
	if (o->since_day != 0 || c->pos >= c->nuids || c->uids_validity != uidvalidity ||
	    c->uids[c->pos] <= last_uid) {
		if (search(c, o, uidvalidity, uidnext, last_uid, err, errlen) == -1)
			return -1;
	}
	{
		long long mo = 0;

		if (load_owners(&l, mb, &mo) == -1)
			return -1;
		while (c->pos < c->nuids && (max == 0 || done < max)) {
			size_t n = c->nuids - c->pos, room = max == 0 ? n : max - done;
			struct batch b;

			if (n > (size_t)cfg->mail_in.batch)
				n = (size_t)cfg->mail_in.batch;
			if (n > room)
				n = room;
			memset(&b, 0, sizeof(b));
			b.c = c;
			b.st = st;
			b.cfg = cfg;
			b.o = o;
			b.stats = stats;
			b.l = &l;
			b.err = err;
			b.errlen = errlen;
			b.rules.freemail = cfg->mail_in.freemail_domains;
			b.rules.match_domains = cfg->mail_in.match_domains;
			b.rules.mailbox_owner = mo;
			b.rules.owner_of = owner_of;
			b.rules.clients_of = clients_of;
			b.rules.followup_of = followup_of;
			b.rules.arg = &l;
			if (fetch_batch(c, &b, c->uids + c->pos, n, err, errlen) == -1) {
				buf_free(&b.raw);
				goto out;
			}
			if (!o->dry_run && store_begin(st, err, errlen) == -1) {
				buf_free(&b.raw);
				goto out;
			}
			rc = mailmatch_parse_fetch(b.raw.data, b.raw.len, on_message, &b, err,
			    errlen);
			buf_free(&b.raw);
			if (rc == -1 || b.failed) {
				rc = -1;
				if (!o->dry_run)
					store_rollback(st);
				goto out;
			}
			rc = -1;
			if (b.max_uid < c->uids[c->pos + n - 1])
				b.max_uid = c->uids[c->pos + n - 1];	/* gone meanwhile */
			if (!o->dry_run && ((o->since_day == 0 && store_mailbox_set_uid(st,
			    mb->name, uidvalidity, b.max_uid, err, errlen) == -1) ||
			    store_mailbox_count(st, mb->name, &b.delta, err, errlen) == -1 ||
			    store_commit(st, err, errlen) == -1)) {
				store_rollback(st);
				goto out;
			}
			c->pos += n;
			done += n;
			if (c->stop != NULL && *c->stop)
				break;
		}
	}
	rc = 0;
out:
	stats->backlog = (long long)(c->nuids - c->pos);
	*more = c->pos < c->nuids;
	lookup_clear(&l);
	return rc;
}

/*
 * The daemon's thread.
 */

struct box {
	struct imap_mailbox	*mb;		/* in m->cfg */
	struct mailin_conn	*conn;
	time_t			 next_at;
	int			 failures;
	char			*error;		/* last error logged, NULL when fine */
	/* for /metrics */
	time_t			 last_poll, last_ok;
	long long		 backlog;
	struct mailin_stats	 total;
};

struct mailin {
	pthread_t		 thread;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	volatile sig_atomic_t	 stop;
	char			*db;
	struct config		*cfg;		/* owned copy of what mail-in needs */
	struct config		*next_cfg;	/* from mailin_reload, owned */
	struct box		*boxes;
	size_t			 nboxes;
};

static char *
dup_or_null(const char *s, int *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*fail = 1;
	return d;
}

static void
free_cfg(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nimap; i++) {
		struct imap_mailbox *b = &c->imap[i];

		free(b->name);
		free(b->url);
		free(b->user);
		free(b->password_file);
		if (b->password != NULL) {
			memset(b->password, 0, strlen(b->password));
			free(b->password);
		}
		free(b->owner);
		free(b->ca_file);
	}
	free(c->imap);
	if (c->mail_in.freemail_domains != NULL)
		for (char **p = c->mail_in.freemail_domains; *p != NULL; p++)
			free(*p);
	free(c->mail_in.freemail_domains);
	free(c);
}

/* The parts of cfg mail-in reads, deep-copied. */
static struct config *
copy_cfg(const struct config *src)
{
	struct config *c = calloc(1, sizeof(*c));
	size_t n = 0;
	int fail = 0;

	if (c == NULL)
		return NULL;
	c->mail_in = src->mail_in;
	c->mail_in.freemail_domains = NULL;
	while (src->mail_in.freemail_domains != NULL && src->mail_in.freemail_domains[n] != NULL)
		n++;
	if ((c->mail_in.freemail_domains = calloc(n + 1, sizeof(char *))) == NULL)
		fail = 1;
	for (size_t i = 0; !fail && i < n; i++)
		c->mail_in.freemail_domains[i] = dup_or_null(src->mail_in.freemail_domains[i],
		    &fail);
	if (!fail && src->nimap > 0 &&
	    (c->imap = calloc(src->nimap, sizeof(*c->imap))) == NULL)
		fail = 1;
	for (size_t i = 0; !fail && i < src->nimap; i++) {
		const struct imap_mailbox *s = &src->imap[i];
		struct imap_mailbox *d = &c->imap[i];

		c->nimap++;
		*d = *s;
		d->name = dup_or_null(s->name, &fail);
		d->url = dup_or_null(s->url, &fail);
		d->user = dup_or_null(s->user, &fail);
		d->password_file = dup_or_null(s->password_file, &fail);
		d->password = dup_or_null(s->password, &fail);
		d->owner = dup_or_null(s->owner, &fail);
		d->ca_file = dup_or_null(s->ca_file, &fail);
	}
	if (fail) {
		free_cfg(c);
		return NULL;
	}
	return c;
}

static void
free_boxes(struct mailin *m)
{
	for (size_t i = 0; i < m->nboxes; i++) {
		mailin_conn_free(m->boxes[i].conn);
		free(m->boxes[i].error);
	}
	free(m->boxes);
	m->boxes = NULL;
	m->nboxes = 0;
}

/* Do two lists of boxes name the same mailboxes, in the same order? */
static int
same_boxes(const struct box *a, size_t na, const struct box *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i].mb->name, b[i].mb->name) != 0)
			return 0;
	return 1;
}

/* Boxes for m->cfg; a mailbox that stays (same name) keeps its schedule
 * and counters.  Under the lock. */
static int
make_boxes(struct mailin *m, struct box *old, size_t nold, time_t now)
{
	char err[512];

	if (m->cfg->nimap > 0 && (m->boxes = calloc(m->cfg->nimap, sizeof(*m->boxes))) == NULL)
		return -1;
	m->nboxes = m->cfg->nimap;
	for (size_t i = 0; i < m->nboxes; i++) {
		struct box *b = &m->boxes[i];

		b->mb = &m->cfg->imap[i];
		b->next_at = now;
		for (size_t j = 0; j < nold; j++)
			if (old[j].mb != NULL && strcmp(old[j].mb->name, b->mb->name) == 0) {
				b->next_at = old[j].next_at;
				b->failures = old[j].failures;
				b->error = old[j].error;
				old[j].error = NULL;
				b->last_poll = old[j].last_poll;
				b->last_ok = old[j].last_ok;
				b->backlog = old[j].backlog;
				b->total = old[j].total;
			}
		if ((b->conn = mailin_conn_new(b->mb, &m->stop, err, sizeof(err))) == NULL)
			log_warnx("mailbox %s: %s; not read", b->mb->name, err);
	}
	return 0;
}

static void
note_error(struct box *b, const char *err, time_t now, int retry_max)
{
	long delay = RETRY_MIN;

	b->failures++;
	for (int i = 1; i < b->failures && delay < retry_max; i++)
		delay *= 2;
	if (delay > retry_max)
		delay = retry_max;
	b->next_at = now + delay;
	if (b->error == NULL || strcmp(b->error, err) != 0) {
		log_warnx("mailbox %s: %s; retrying in %ld s, and again with a growing wait "
		    "(logged again only if the error changes)", b->mb->name, err, delay);
		free(b->error);
		b->error = strdup(err);
	}
}

static void *
run(void *arg)
{
	struct mailin *m = arg;
	struct store *st = NULL;
	char err[1024];

	if (store_open(m->db, 0, &st, err, sizeof(err)) == -1) {
		log_warnx("mail-in: %s; no mailbox is read", err);
		return NULL;
	}
	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		struct box *b = NULL;
		time_t now = clock_now();

		if (m->next_cfg != NULL) {
			struct box *old = m->boxes;
			size_t nold = m->nboxes;
			struct config *oc = m->cfg;

			m->cfg = m->next_cfg;
			m->next_cfg = NULL;
			m->boxes = NULL;
			m->nboxes = 0;
			if (make_boxes(m, old, nold, now) == -1)
				log_warnx("mail-in: out of memory; mailboxes not read");
			else if (!same_boxes(m->boxes, m->nboxes, old, nold))
				log_info("mail-in: reading %zu mailbox%s after the reload",
				    m->nboxes, m->nboxes == 1 ? "" : "es");
			for (size_t i = 0; i < nold; i++) {
				mailin_conn_free(old[i].conn);
				free(old[i].error);
			}
			free(old);
			free_cfg(oc);
		}
		for (size_t i = 0; i < m->nboxes; i++)
			if (m->boxes[i].conn != NULL && (b == NULL || m->boxes[i].next_at < b->next_at))
				b = &m->boxes[i];
		if (b == NULL || b->next_at > now) {
			struct timespec ts;
			long long ms = b == NULL ? 3600 * 1000LL : clock_real_ms(b->next_at - now);

			if (ms > 3600 * 1000LL)
				ms = 3600 * 1000LL;
			if (ms < 1)
				ms = 1;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)(ms / 1000);
			ts.tv_nsec += (long)(ms % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&m->cv, &m->mu, &ts);
			continue;
		}
		{
			struct mailin_opts o = { 0 };
			struct mailin_stats s = { 0 };
			const struct config *cfg = m->cfg;
			int more = 0, rc;

			o.max_mails = (size_t)cfg->mail_in.batch;
			pthread_mutex_unlock(&m->mu);
			/* The step runs unlocked: /metrics and reload never wait for it;
			 * m->cfg and b stay valid, only this thread replaces them. */
			rc = mailin_poll(b->conn, st, cfg, &o, &s, &more, err, sizeof(err));
			now = clock_now();
			if (!m->stop && store_mailbox_polled(st, b->mb->name, now,
			    rc == 0 ? NULL : err, err + 512, sizeof(err) - 512) == -1)
				log_warnx("mailbox %s: %s", b->mb->name, err + 512);
			pthread_mutex_lock(&m->mu);
			b->last_poll = now;
			if (rc == 0) {
				if (b->error != NULL)
					log_info("mailbox %s: read again after %d failed tries",
					    b->mb->name, b->failures);
				free(b->error);
				b->error = NULL;
				b->failures = 0;
				b->last_ok = now;
				b->next_at = more ? now : now + b->mb->poll_seconds;
				if (s.fetched > 0)
					log_info("mailbox %s: %lld mails read, %lld logged (%lld "
					    "touches), %lld already logged, %lld unmatched, %lld "
					    "internal, %lld automatic, %lld skipped; %lld to go",
					    b->mb->name, s.fetched, s.logged, s.touches,
					    s.duplicates, s.unmatched, s.internal, s.automatic,
					    s.skipped, s.backlog);
			} else if (!m->stop)
				note_error(b, err, now, cfg->mail_in.retry_max);
			b->backlog = s.backlog;
			b->total.fetched += s.fetched;
			b->total.logged += s.logged;
			b->total.touches += s.touches;
			b->total.duplicates += s.duplicates;
			b->total.unmatched += s.unmatched;
			b->total.internal += s.internal;
			b->total.automatic += s.automatic;
			b->total.skipped += s.skipped;
		}
	}
	pthread_mutex_unlock(&m->mu);
	store_close(st);
	return NULL;
}

struct mailin *
mailin_start(const struct config *cfg, const char *db, char *err, size_t errlen)
{
	struct mailin *m;

	mailmatch_init();
	if ((m = calloc(1, sizeof(*m))) == NULL || (m->db = strdup(db)) == NULL ||
	    (m->cfg = copy_cfg(cfg)) == NULL) {
		if (m != NULL)
			free(m->db);
		free(m);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	if (make_boxes(m, NULL, 0, clock_now()) == -1 ||
	    (errno = pthread_create(&m->thread, NULL, run, m)) != 0) {
		snprintf(err, errlen, "mail-in: cannot start: %s", strerror(errno));
		free_boxes(m);
		free_cfg(m->cfg);
		free(m->db);
		free(m);
		return NULL;
	}
	if (cfg->nimap > 0)
		log_info("mail-in: reading %zu mailbox%s", cfg->nimap,
		    cfg->nimap == 1 ? "" : "es");
	return m;
}

int
mailin_reload(struct mailin *m, const struct config *cfg)
{
	struct config *c;

	if (m == NULL)
		return 0;
	if ((c = copy_cfg(cfg)) == NULL)
		return -1;
	pthread_mutex_lock(&m->mu);
	free_cfg(m->next_cfg);
	m->next_cfg = c;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
	return 0;
}

static void
label(struct buf *b, const char *name)
{
	buf_puts(b, "{mailbox=\"");
	for (; *name != '\0'; name++) {
		if (*name == '"' || *name == '\\')
			buf_putc(b, '\\');
		if (*name == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *name);
	}
	buf_puts(b, "\"");
}

void
mailin_metrics(struct mailin *m, struct buf *out)
{
	static const struct {
		const char	*name, *type, *help;
	} fam[] = {
		{ "cartera_mailbox_up", "gauge",
		    "1 when the last read of the mailbox worked." },
		{ "cartera_mailbox_last_poll_timestamp_seconds", "gauge",
		    "When the mailbox was last read (or tried)." },
		{ "cartera_mailbox_last_success_timestamp_seconds", "gauge",
		    "When a read of the mailbox last worked." },
		{ "cartera_mailbox_consecutive_failures", "gauge",
		    "Failed reads of the mailbox in a row." },
		{ "cartera_mailbox_backlog", "gauge",
		    "Mails found in the mailbox and not read yet." },
		{ "cartera_mailbox_mails_total", "counter",
		    "Mails read since the daemon started, by what they were." },
	};

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	for (size_t f = 0; m->nboxes > 0 && f < sizeof(fam) / sizeof(fam[0]); f++) {
		buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", fam[f].name, fam[f].help,
		    fam[f].name, fam[f].type);
		for (size_t i = 0; i < m->nboxes; i++) {
			struct box *b = &m->boxes[i];
			const struct { const char *k; long long v; } res[] = {
				{ "logged", b->total.logged },
				{ "duplicate", b->total.duplicates },
				{ "unmatched", b->total.unmatched },
				{ "internal", b->total.internal },
				{ "automatic", b->total.automatic },
				{ "skipped", b->total.skipped },
			};
			long long v = 0;

			if (f == 5) {
				for (size_t k = 0; k < sizeof(res) / sizeof(res[0]); k++) {
					buf_puts(out, fam[f].name);
					label(out, b->mb->name);
					buf_printf(out, ",result=\"%s\"} %lld\n", res[k].k,
					    res[k].v);
				}
				continue;
			}
			switch (f) {
			case 0:
				v = b->last_poll != 0 && b->error == NULL;
				break;
			case 1:
				v = (long long)b->last_poll;
				break;
			case 2:
				v = (long long)b->last_ok;
				break;
			case 3:
				v = b->failures;
				break;
			case 4:
				v = b->backlog;
				break;
			}
			buf_puts(out, fam[f].name);
			label(out, b->mb->name);
			buf_printf(out, "} %lld\n", v);
		}
	}
	pthread_mutex_unlock(&m->mu);
}

void
mailin_stop(struct mailin *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->stop = 1;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
	pthread_join(m->thread, NULL);
	free_boxes(m);
	free_cfg(m->cfg);
	free_cfg(m->next_cfg);
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->cv);
	free(m->db);
	free(m);
}
