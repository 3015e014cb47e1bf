/*
 * mailer.h - turn a mail into one SMTP transaction with libcurl.
 *
 * One easy handle lives as long as the mailer, so consecutive messages of
 * a batch reuse one connection (and one TLS session).  The mailer reports
 * what the server said; it never touches the store: the caller records
 * the result in the outbox.
 */
#ifndef CARTERA_MAILER_H
#define CARTERA_MAILER_H

#include <stddef.h>

#include "config.h"
#include "mime.h"

enum mailer_result {
	MAILER_SENT,		/* the server accepted the message (2xx after DATA) */
	MAILER_TEMPFAIL,	/* 4xx, connection or TLS trouble: try again later */
	MAILER_PERMFAIL,	/* 5xx: the server refused this message for good */
	MAILER_UNSURE		/* all of it went, no reply to the final ".": the
				   server may have it; sending it again could
				   deliver it twice (RFC 5321 4.5.3.2.6) */
};

struct mailer_status {
	enum mailer_result result;
	int		 code;		/* last SMTP reply code, 0 if none */
	int		 server_down;	/* the server, not this message, is the problem */
	char		 reply[512];	/* the server's refusal (its last 4xx/5xx line),
					   else its last reply, or curl's error */
};

struct mailer;

/* cfg is borrowed and must outlive the mailer.  NULL with err on failure. */
struct mailer	*mailer_new(const struct config *cfg, char *err, size_t errlen);
/* Send one message.  Always fills *st; returns 0 if sent, -1 otherwise. */
int		 mailer_send(struct mailer *, const struct mail *, struct mailer_status *st);
/* Close the connection (QUIT) and free.  NULL is fine. */
void		 mailer_free(struct mailer *);
/* Messages sent and connections opened since mailer_new (for metrics). */
void		 mailer_stats(const struct mailer *, long *sent, long *connects);

#endif
