/*
 * store_mail.h - the store's part for mail-in: what each mailbox has
 * been read up to, which mails were logged (by Message-ID, so a mail
 * seen twice is logged once), the touches they made, the answers to
 * follow-up emails, and the lookups that match an address to a client.
 *
 * Part of the store module (the only SQL speaker; the tables are version 11
 * of store_schema.c); like store.h it knows
 * nothing of IMAP or of what a header means.  Writes run inside the
 * caller's transaction (store_begin/store_commit).  0 ok, -1 error with
 * a message in err; lookups that may find nothing return 1 for "none".
 */
#ifndef CARTERA_STORE_MAIL_H
#define CARTERA_STORE_MAIL_H

#include <stddef.h>
#include <time.h>

#include "store.h"

/* A mailbox's state and counters. */
struct store_mailbox {
	char		*name;
	unsigned long	 uidvalidity;	/* 0: never read */
	unsigned long	 last_uid;	/* every UID <= this was processed */
	time_t		 last_poll_at;	/* last attempt, 0 if none */
	time_t		 last_ok_at;	/* last attempt that worked, 0 if none */
	char		*last_error;	/* NULL when the last attempt worked */
	time_t		 error_since;	/* when last_error first happened */
	long long	 logged, duplicates, unmatched, internal, automatic, skipped;
};
void	 store_mailbox_clear(struct store_mailbox *);
/* 0 found, 1 never seen (out zeroed with name set). */
int	 store_mailbox_get(struct store *, const char *name, struct store_mailbox *out,
	    char *err, size_t errlen);
/* Every mailbox with a state, by name.  Caller clears each, frees v. */
int	 store_mailbox_list(struct store *, struct store_mailbox **v, size_t *n,
	    char *err, size_t errlen);
/* Record that every UID <= last_uid under uidvalidity was processed. */
int	 store_mailbox_set_uid(struct store *, const char *name, unsigned long uidvalidity,
	    unsigned long last_uid, char *err, size_t errlen);
/* Add to the counters (the fields of delta other than the counters are
 * ignored). */
int	 store_mailbox_count(struct store *, const char *name,
	    const struct store_mailbox *delta, char *err, size_t errlen);
/* An attempt at now: error NULL when it worked.  error_since stays while
 * the same error repeats. */
int	 store_mailbox_polled(struct store *, const char *name, time_t now, const char *error,
	    char *err, size_t errlen);

/* Was a mail with this Message-ID logged already?  *seen 1 or 0. */
int	 store_mail_seen(struct store *, const char *message_id, int *seen,
	    char *err, size_t errlen);

/* One touch a mail makes to one client. */
struct store_mail_touch {
	const char	*message_id;	/* the mail's, without <> */
	const char	*mailbox;	/* name of the mailbox it was read in */
	const char	*note;		/* the subject */
	long long	 client;
	long long	 by_owner;	/* 0: the client's own salesperson */
	long long	 answers;	/* outbox id of the follow-up it answers, or 0 */
	time_t		 at;
	int		 outgoing;	/* sent by a salesperson */
	time_t		 now;
};
/* Log it: the email touch, and the mail and its link to the touch and to
 * the follow-up it answers.  *interaction (may be NULL) gets the touch's id. */
int	 store_mail_log(struct store *, const struct store_mail_touch *,
	    long long *interaction, char *err, size_t errlen);

/* Contacts whose email is exact (ignoring case) or lies in [lo, hi)
 * (ignoring case): fn(client, email) for each; non-zero stops. */
typedef int (*store_mail_contact_fn)(long long client, const char *email, void *arg);
int	 store_mail_contacts(struct store *, const char *exact, const char *lo, const char *hi,
	    store_mail_contact_fn fn, void *arg, char *err, size_t errlen);
/* Clients with a contact at domain (any case). */
int	 store_mail_domain_clients(struct store *, const char *domain,
	    store_mail_contact_fn fn, void *arg, char *err, size_t errlen);
/* The follow-up email sent with Message-ID <message_id>: 0 found (*outbox,
 * *client), 1 none. */
int	 store_mail_followup(struct store *, const char *message_id, long long *outbox,
	    long long *client, char *err, size_t errlen);
/* Was the newest follow-up email to client answered with no touch by a
 * salesperson since the answer?  *answered 1 or 0 (then no automatic
 * follow-up goes out: the salesperson owes the client an answer). */
int	 store_mail_followup_answered(struct store *, long long client, int *answered,
	    char *err, size_t errlen);

#endif
