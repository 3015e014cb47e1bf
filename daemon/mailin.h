/*
 * mailin.h - mail in: read the configured IMAP mailboxes and log the
 * emails with clients as touches.
 *
 * Reading goes through libcurl's IMAP (one connection per mailbox, kept
 * between steps; imaps or STARTTLS as for smtp): the mailbox's
 * UIDVALIDITY and UIDNEXT (STATUS), the UIDs past the last one read
 * (UID SEARCH), then the header fields of a bounded batch of them
 * (UID FETCH ... BODY.PEEK[HEADER.FIELDS (...)]), so a mail is never
 * marked read.  What a mail means is mailmatch.c's; what was read and
 * logged goes through store_mail.h, one transaction per batch.  It never
 * sends mail.
 *
 * The daemon runs it in a thread of its own with its own store
 * connection (mailin_start): a slow or unreachable server, a refused
 * login or a backlog of thousands of mails never holds up digests or
 * feeds.  An error is logged once per change and retried with backoff.
 */
#ifndef CARTERA_MAILIN_H
#define CARTERA_MAILIN_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "mailmatch.h"
#include "store.h"

/* A connection to one mailbox (libcurl handle and what it learnt). */
struct mailin_conn;

/* Owned by the caller; mb and cfg are borrowed and must outlive it
 * (or be replaced with mailin_conn_retarget).  stop (may be NULL) aborts
 * a transfer in progress when it becomes non-zero. */
struct mailin_conn *mailin_conn_new(const struct imap_mailbox *mb,
		    volatile sig_atomic_t *stop, char *err, size_t errlen);
void		 mailin_conn_free(struct mailin_conn *);

/* What one mail meant, for `cartera mail scan` to print. */
struct mailin_seen {
	unsigned long			 uid;
	const struct mailmatch_msg	*msg;	/* NULL when the header was unreadable */
	const struct mailmatch_result	*res;	/* NULL when skipped */
	int				 duplicate;	/* logged before */
	const char			*skipped;	/* why, or NULL */
};
typedef void (*mailin_report_fn)(const struct mailin_seen *, void *arg);

struct mailin_opts {
	long		 since_day;	/* --since (day number) or 0: from the last UID */
	int		 dry_run;	/* decide and report, write nothing */
	size_t		 max_mails;	/* this many at most; 0 = no limit */
	mailin_report_fn report;	/* may be NULL */
	void		*arg;
};

struct mailin_stats {
	long long	 fetched, logged, touches, duplicates, unmatched, internal, automatic,
			 skipped;
	long long	 backlog;	/* UIDs found not yet read */
};

/*
 * Read mailbox mb once: the new mails (or those since o->since_day), in
 * batches of cfg->mail_in.batch, at most o->max_mails of them.  Adds to
 * *stats; *more is 1 when mails remain.  -1 with err on a failure of the
 * server or the store; the batches committed before it stay.
 */
int	 mailin_poll(struct mailin_conn *, struct store *, const struct config *cfg,
	    const struct mailin_opts *o, struct mailin_stats *stats, int *more,
	    char *err, size_t errlen);

/*
 * The daemon's reader thread.
 */
struct mailin;

/* Start reading cfg's mailboxes in a thread with its own connection to
 * the database at db.  With no mailbox the thread waits for a reload
 * that adds some (mailin_reload), so SIGHUP never needs a restart. */
struct mailin	*mailin_start(const struct config *cfg, const char *db, char *err,
		    size_t errlen);
/* A new configuration (after SIGHUP): copied; takes effect between steps. */
int		 mailin_reload(struct mailin *, const struct config *cfg);
/* Prometheus text for /metrics: each mailbox's state and counters. */
void		 mailin_metrics(struct mailin *, struct buf *out);
/* Stop after the step in progress (a transfer is aborted) and free. */
void		 mailin_stop(struct mailin *);

#endif
