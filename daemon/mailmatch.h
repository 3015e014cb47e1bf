/*
 * mailmatch.h - what a mail read from a mailbox means for the portfolio.
 *
 * Pure functions, no I/O and no store: the bytes of an IMAP server's
 * responses (as libcurl hands them over) become messages; a message's
 * header block, parsed by GMime, becomes the facts Cartera needs (the
 * addresses, subject, Message-ID, references, a sane time, whether it
 * is an auto-reply); and those facts, with lookups supplied by the
 * caller, become a decision: log it (to which clients, which direction,
 * by whom, answering which follow-up), or count it as internal,
 * unmatched or automatic.  Everything here is driven by a libFuzzer
 * harness (tests/fuzz/fuzz_mailin.c).  It never sends, stores or logs.
 */
#ifndef CARTERA_MAILMATCH_H
#define CARTERA_MAILMATCH_H

#include <stddef.h>
#include <time.h>

/* The header fields fetched with BODY.PEEK[HEADER.FIELDS (...)]. */
#define MAILMATCH_FIELDS \
	"FROM TO CC REPLY-TO SUBJECT DATE MESSAGE-ID IN-REPLY-TO REFERENCES " \
	"AUTO-SUBMITTED PRECEDENCE X-AUTOREPLY X-AUTORESPOND X-AUTO-RESPONSE-SUPPRESS " \
	"LIST-ID"

#define MAILMATCH_SUBJECT_MAX	500	/* bytes of subject kept as a note */

/* GMime's one-time initialisation (thread-safe, idempotent). */
void	 mailmatch_init(void);

/*
 * IMAP responses.  resp[0..len) is the server's side of a conversation:
 * lines ending in CRLF (or LF), literals {N} followed by N bytes.
 */

/* One message of a UID FETCH response; pointers into resp. */
struct mailmatch_fetched {
	unsigned long	 uid;		/* 0 if the response had none */
	time_t		 internal;	/* INTERNALDATE, 0 if absent or bad */
	long long	 size;		/* RFC822.SIZE, -1 if absent */
	const char	*header;	/* BODY[HEADER.FIELDS ...] bytes, or NULL */
	size_t		 header_len;
};
/* Called for each FETCH response; non-zero stops the walk. */
typedef int (*mailmatch_fetch_fn)(const struct mailmatch_fetched *, void *arg);
/* Walk the FETCH responses in resp.  Returns the number of messages
 * seen, or -1 when the response is cut short or malformed (err says
 * where); messages before the problem were handed to fn. */
int	 mailmatch_parse_fetch(const char *resp, size_t len, mailmatch_fetch_fn fn,
	    void *arg, char *err, size_t errlen);
/* The UIDs of every "* SEARCH" line, ascending, duplicates removed.
 * *uids is malloc'd (NULL when none); caller frees.  0 / -1. */
int	 mailmatch_parse_search(const char *resp, size_t len, unsigned long **uids,
	    size_t *n);
/* UIDVALIDITY and UIDNEXT from a "* STATUS" line or a SELECT's
 * "* OK [UIDVALIDITY n]" / "[UIDNEXT n]"; 0 when absent. */
void	 mailmatch_parse_status(const char *resp, size_t len, unsigned long *uidvalidity,
	    unsigned long *uidnext);
/* The tagged completion of the last command: "OK", "NO"... text of the
 * last tagged line (without the tag) copied into out; "" if none. */
void	 mailmatch_last_tagged(const char *resp, size_t len, char *out, size_t outlen);
/* "1:4,7,9:12" for ascending uids[0..n) into a malloc'd string. */
char	*mailmatch_uid_set(const unsigned long *uids, size_t n);

/*
 * Addresses.
 */

/* The address as Cartera compares it: ASCII lower case, the subaddress
 * ("+tag" of the local part) removed.  NULL when s is not local@domain
 * (or on allocation failure).  Caller frees. */
char	*mailmatch_addr_key(const char *s);
/* The domain of a key (after the last '@'). */
const char *mailmatch_domain(const char *key);
/* Is domain in list (NULL-terminated; entries compared ignoring case,
 * "*.x" also matching any subdomain of x)? */
int	 mailmatch_in_list(const char *domain, char *const *list);
/* Is domain a webmail domain: the built-in list (gmail.com, outlook.com,
 * yahoo.es, telefonica.net...) or extra (NULL-terminated, may be NULL)? */
int	 mailmatch_is_freemail(const char *domain, char *const *extra);

/*
 * A message's header block.
 */

#define MM_FROM		0x01
#define MM_TO		0x02
#define MM_CC		0x04
#define MM_REPLY_TO	0x08

struct mailmatch_addr {
	char	*key;		/* mailmatch_addr_key() form; owned */
	int	 fields;	/* MM_* where it appeared */
};

struct mailmatch_msg {
	struct mailmatch_addr	*addrs;		/* owned, unique keys */
	size_t			 naddrs;
	char			*from;		/* key of the first From, or NULL */
	char			*subject;	/* UTF-8, one line, bounded; never NULL */
	char			*message_id;	/* without <>; synthetic when absent */
	int			 synthetic_id;	/* message_id made from other fields */
	char			**refs;		/* In-Reply-To then References ids */
	size_t			 nrefs;
	time_t			 date;		/* the touch's time */
	int			 date_from_header;	/* 0: internal date used */
	const char		*auto_reply;	/* why it is automatic, or NULL */
};

/*
 * Interpret hdr[0..len) (a header block; a body after it is ignored).
 * internal is the server's INTERNALDATE (0 if unknown) and now the
 * present: Date is used unless it is missing, unreadable, before 1990 or
 * more than a day after both the internal date and now.  Never fails on
 * hostile input; -1 only when out of memory.  Clear with
 * mailmatch_msg_clear.
 */
int	 mailmatch_parse_header(const char *hdr, size_t len, time_t internal, time_t now,
	    struct mailmatch_msg *out, char *err, size_t errlen);
void	 mailmatch_msg_clear(struct mailmatch_msg *);

/*
 * The decision.
 */

struct mailmatch_result;

struct mailmatch_rules {
	char *const	*freemail;	/* more domains never matched by domain,
					 * besides the built-in webmail list */
	int		 match_domains;	/* match a client by its domain too */
	long long	 mailbox_owner;	/* salesperson the mailbox is of; 0 = shared */
	/* Salesperson whose address key is key: 1 found (*owner), 0 none. */
	int		(*owner_of)(void *arg, const char *key, long long *owner);
	/* Clients with a contact whose address key is key (by_domain: whose
	 * address is at domain key); add each with mailmatch_add_client(). */
	int		(*clients_of)(void *arg, const char *key, int by_domain,
			    struct mailmatch_result *r);
	/* A follow-up email Cartera sent with this Message-ID: 1 found
	 * (*outbox and its *client), 0 none. */
	int		(*followup_of)(void *arg, const char *msgid, long long *outbox,
			    long long *client);
	void		*arg;
};

enum mailmatch_what {
	MAILMATCH_LOG,		/* log a touch to each of clients[] */
	MAILMATCH_INTERNAL,	/* only salespeople on it (and someone) */
	MAILMATCH_UNMATCHED,	/* no client found */
	MAILMATCH_AUTO		/* auto-reply, bulk or list mail */
};

struct mailmatch_result {
	enum mailmatch_what	 what;
	int			 outgoing;	/* sent by a salesperson */
	long long		 by_owner;	/* 0: the client's own salesperson */
	long long		*clients;	/* owned, unique */
	size_t			 nclients;
	long long		 answers;	/* outbox id of the follow-up answered, 0 */
};

int	 mailmatch_add_client(struct mailmatch_result *, long long client);
/* Decide what msg means under rules.  -1 when a lookup failed (its
 * message in err) or out of memory. */
int	 mailmatch_classify(const struct mailmatch_msg *msg, const struct mailmatch_rules *rules,
	    struct mailmatch_result *out, char *err, size_t errlen);
void	 mailmatch_result_clear(struct mailmatch_result *);
const char *mailmatch_what_name(enum mailmatch_what);

#endif
