/*
 * config.h - carterad.conf: defaults, then the file (libconfig), then flags.
 *
 * One struct, filled once by config_load(); on SIGHUP a new one is built
 * and swapped in only if it is valid.  Errors name FILE:LINE.  This module
 * reads files; it never touches the store or the network.
 */
#ifndef CARTERA_CONFIG_H
#define CARTERA_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH	SYSCONFDIR "/cartera/carterad.conf"

enum starttls_mode { STARTTLS_NONE, STARTTLS_REQUIRED };

struct segment_cadence {
	char	*name;		/* owned; matched case-insensitively */
	int	 days;		/* > 0 */
};

/* One entry of the imap list: a mailbox mail-in reads. */
struct imap_mailbox {
	char	*name;		/* owned; unique, for --mailbox (default: url) */
	char	*url;		/* owned; imap:// or imaps://HOST[:PORT]/MAILBOX */
	char	*user;		/* owned */
	char	*password_file;	/* owned, resolved path */
	char	*password;	/* owned secret, read from password_file */
	char	*owner;		/* owned; salesperson's email, NULL when shared */
	char	*ca_file;	/* owned, NULL = system store */
	enum starttls_mode starttls;
	int	 shared;	/* a team log / BCC address */
	int	 poll_seconds;
	int	 timeout;	/* seconds per IMAP operation */
};

struct config {
	char	*path;		/* owned; file this came from, NULL = defaults */
	char	*database;	/* owned; a file, or postgresql://... */
	int	 database_private;	/* refuse a database others can read or write */
	char	*password_file;	/* owned, NULL if none: the database's password */
	char	*database_password; /* owned secret, from password_file */
	char	*templates;	/* owned; override directory, may not exist */
	char	*user;		/* owned; user to drop to when started as root */

	struct {
		char	*url;		/* owned; smtp:// or smtps:// */
		enum starttls_mode starttls;
		char	*user;		/* owned, NULL = no AUTH */
		char	*password;	/* owned secret, NULL if none */
		char	*password_file;	/* owned, NULL if none */
		char	*from;		/* owned; "Name <addr>" or "addr" */
		char	*ca_file;	/* owned, NULL = system store */
		int	 timeout;	/* seconds per SMTP operation */
		int	 data_timeout;	/* seconds for the reply to the end of data */
		int	 max_age;	/* seconds a message is retried */
		int	 retry_min;	/* first retry delay, seconds */
		int	 retry_max;	/* cap on the delay, seconds */
		int	 batch;		/* messages per connection */
		int	 lease;		/* seconds a claim on a message lasts */
	} smtp;

	struct {
		char	*default_time;		/* owned, "HH:MM" */
		char	*default_timezone;	/* owned, IANA name */
		char	*language;		/* owned, "es" or "en" */
		int	 send_empty;		/* send "nothing due" mail */
		int	 max_items;		/* per section; 0 = no limit */
		int	 risk_clients;		/* weekly list of those most at risk; 0 = none */
		char	*days;			/* owned; working weekdays, "mon-fri" */
		long	*holidays;		/* owned; sorted day numbers */
		size_t	 nholidays;
		char	*holidays_file;		/* owned; where they came from, or NULL */
	} digest;

	struct {
		int	 default_days;
		int	 potential_days;
		struct segment_cadence *segments;	/* owned array */
		size_t	 nsegments;
		int	 orders_self_days;	/* client orders on its own */
		int	 orders_visit_days;	/* client orders when visited */
	} cadence;

	struct {
		double	 factor;
		int	 min_days;
		int	 single_purchase_days;
		int	 no_contact_days;
	} inactive;

	struct {
		int	 new_days;	/* a client is "new" this long after its first purchase */
	} lifecycle;

	struct {
		int	 yellow_days;
		int	 waiting_days;
		int	 overdue_invoice_days;
	} alerts;

	struct {
		int	 enabled;		/* opt-in, default off */
		char	**segments;		/* owned; NULL-terminated, empty = all */
		int	 after_days;		/* days overdue before mailing */
		int	 min_interval_days;	/* never mail a client more often */
		int	 max_per_day;		/* per salesperson and local day */
		/* client_emails.register: how Spanish emails address the client,
		 * "usted" or "tú" (English has one register). */
		char	*form;
	} client_emails;

	struct {
		char	*listen;	/* owned, address to bind */
		int	 port;
		char	*base_url;	/* owned, public URL prefix */
		int	 max_connections;
		int	 per_ip_connections;
		int	 timeout;	/* seconds a connection may be silent */
		int	 request_timeout;	/* seconds to receive a whole request */
	} http;

	/* The salesperson's page and the digest's action links (issue 12). */
	struct {
		char	*key_file;	/* owned; "" = web.key next to the database */
		int	 link_days;	/* an action link works this long */
		int	 form_hours;	/* a form of the page may be sent this long */
	} web;

	struct {
		int	 past_days;
		int	 future_days;
		int	 refresh_minutes;
		char	*color;		/* owned, "#rrggbb" */
		char	*call_color;	/* owned */
		char	*visit_color;	/* owned */
		int	 alarm_minutes;	/* 0 = no VALARM */
		int	 cancelled_days;	/* keep cancelled events this long */
		int	 team;		/* serve /team/<token>.ics */
	} feed;

	struct imap_mailbox *imap;	/* owned array: mailboxes to read */
	size_t	 nimap;

	struct {
		int	 match_domains;		/* match clients by domain too */
		char	**freemail_domains;	/* owned; NULL-terminated */
		int	 batch;			/* mails fetched per step */
		int	 retry_max;		/* cap on the backoff, seconds */
	} mail_in;

	struct {
		int	 monthly;	/* monthly summary email, opt-in */
		char	*manager;	/* owned, address for the team summary */
		char	*currency;	/* owned, ISO 4217, default "EUR" */
		int	 lifetime_cap_years;	/* CLV relationship cap */
	} report;
};

/* Fill *cfg with the built-in defaults.  0 or -1 (out of memory). */
int	 config_defaults(struct config *cfg);

/*
 * Load path over the defaults.  A missing file is an error unless
 * missing_ok.  On error returns -1 and writes "FILE:LINE: what is wrong"
 * to err.  Refuses a file holding a secret (smtp.password) or a
 * password_file that is readable by others (group-readable is fine).
 */
int	 config_load(struct config *cfg, const char *path, int missing_ok,
	    char *err, size_t errlen);

/* Check cross-field rules (time zone exists, URL scheme, ...). */
int	 config_validate(const struct config *cfg, char *err, size_t errlen);

/*
 * The configuration as carterad and cartera use it: the defaults, then
 * path (NULL: CONFIG_DEFAULT_PATH, which may be missing), then
 * db_override (NULL: none) as the database, all validated.  0, or -1 with
 * err set and nothing to free.
 */
int	 config_open(struct config *cfg, const char *path, const char *db_override,
	    char *err, size_t errlen);

/* Print the effective settings in libconfig syntax, secrets masked. */
void	 config_print(const struct config *cfg, FILE *fp);

/* The imap entry called name, or NULL. */
const struct imap_mailbox *config_imap_find(const struct config *cfg, const char *name);

/* Cadence in days for a segment name (NULL = none), from cadence.segments. 0 if unset. */
int	 config_segment_days(const struct config *cfg, const char *segment);

/* The public URL prefix of carterad's HTTP server, without a trailing
 * slash: http.base_url, else http://LISTEN:PORT ([LISTEN] for IPv6);
 * "" when the server is off and no base_url is set. */
void	 config_base_url(const struct config *cfg, char *out, size_t len);

/* The key that signs action links and form tokens: web.key_file, else
 * web.key in the database's directory. */
void	 config_web_key_path(const struct config *cfg, char *out, size_t len);

void	 config_free(struct config *cfg);

#endif
