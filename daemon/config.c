/*
 * config.c - carterad.conf: built-in defaults, then the file (libconfig).
 *
 * Every setting is one row of config_items[]: its path, type, where it
 * lives in struct config, its default and how its value is checked.
 * Defaults, loading, validation, printing and freeing all walk that one
 * table; loading walks the file once and looks each setting up in it, so
 * an unknown key or a wrong type is an error naming FILE:LINE.
 *
 * This module reads files (the configuration, a password file, a file of
 * holidays) and nothing else: no store, no network, no logging, never
 * exit().
 */
#include "build.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "address.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "tz.h"
#include "workdays.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR	"/var"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif

#define CONFIG_MAX_FILE		(1024 * 1024)	/* a config file is small */
#define CONFIG_MAX_SECRET	4096		/* first line of password_file */
#define CONFIG_MAX_DAYS		36500
#define CONFIG_MASK		"********"

/* An enum setting is stored through an int pointer. */
_Static_assert(sizeof(enum starttls_mode) == sizeof(int),
    "enum starttls_mode must be int-sized");
_Static_assert(STARTTLS_NONE == 0 && STARTTLS_REQUIRED == 1,
    "starttls_names[] follows enum starttls_mode");

enum item_type {
	T_GROUP,	/* a group of settings, e.g. "smtp" */
	T_STRING,	/* char *, owned */
	T_INT,		/* int in [min, max] */
	T_BOOL,		/* int, 0 or 1 */
	T_FLOAT,	/* double in (fmin, fmax]; an integer is accepted */
	T_ENUM,		/* int, index into names[] */
	T_STRLIST,	/* char **, NULL-terminated, owned */
	T_SEGMENTS,	/* cadence.segments: list of { name; days; } */
	T_IMAP,		/* imap: list of mailbox groups */
	T_HOLIDAYS	/* digest.holidays: dates, or a file of dates */
};

#define F_OPTIONAL	0x01	/* string may be unset; "" unsets it */
#define F_EMPTYOK	0x02	/* string may be "" */
#define F_SECRET	0x04	/* never printed, wiped when freed */

/* Checks a string value; on failure says why in why[] (value quoted). */
typedef int (*check_fn)(const char *, char *, size_t);

struct config_item {
	const char		*path;	/* "smtp.timeout"; one level of groups */
	enum item_type		 type;
	size_t			 off;	/* offset in struct config */
	int			 flags;	/* F_* */
	const char		*sdef;	/* T_STRING default, NULL = unset */
	int			 idef;	/* T_INT, T_BOOL, T_ENUM default */
	int			 min, max;	/* T_INT bounds, inclusive */
	double			 fdef;	/* T_FLOAT default */
	double			 fmin, fmax;	/* T_FLOAT: fmin < v <= fmax */
	const char *const	*names;	/* T_ENUM value names, NULL-terminated */
	check_fn		 check;	/* T_STRING extra check, may be NULL */
};

static int	check_smtp_url(const char *, char *, size_t);
static int	check_password(const char *, char *, size_t);
static int	check_mailbox(const char *, char *, size_t);
static int	check_hhmm(const char *, char *, size_t);
static int	check_zone(const char *, char *, size_t);
static int	check_language(const char *, char *, size_t);
static int	check_days(const char *, char *, size_t);
static int	check_register(const char *, char *, size_t);
static int	check_address(const char *, char *, size_t);
static int	check_base_url(const char *, char *, size_t);
static int	check_color(const char *, char *, size_t);
static int	check_currency(const char *, char *, size_t);
static int	check_domain(const char *, char *, size_t);

static const char *const starttls_names[] = { "none", "required", NULL };

#define OFF(f)	offsetof(struct config, f)
#define GROUP(p) \
	{ .path = p, .type = T_GROUP }
#define STR(p, f, def, fl, chk) \
	{ .path = p, .type = T_STRING, .off = OFF(f), .sdef = def, \
	  .flags = fl, .check = chk }
#define INT(p, f, def, lo, hi) \
	{ .path = p, .type = T_INT, .off = OFF(f), .idef = def, \
	  .min = lo, .max = hi }
#define BOOL(p, f, def) \
	{ .path = p, .type = T_BOOL, .off = OFF(f), .idef = def }
#define FLOAT(p, f, def, lo, hi) \
	{ .path = p, .type = T_FLOAT, .off = OFF(f), .fdef = def, \
	  .fmin = lo, .fmax = hi }
#define ENUM(p, f, def, n) \
	{ .path = p, .type = T_ENUM, .off = OFF(f), .idef = def, .names = n }
#define STRLIST(p, f) \
	{ .path = p, .type = T_STRLIST, .off = OFF(f) }
#define SEGMENTS(p, f) \
	{ .path = p, .type = T_SEGMENTS, .off = OFF(f) }
#define STRLIST_DEF(p, f, def, chk) \
	{ .path = p, .type = T_STRLIST, .off = OFF(f), .sdef = def, .check = chk }
#define IMAP(p) \
	{ .path = p, .type = T_IMAP }

#define HOLIDAYS(p) \
	{ .path = p, .type = T_HOLIDAYS }

/*
 * Every setting of carterad.conf, in the order config_print() shows
 * them.  A group row comes before its members.  Keep etc/carterad.conf
 * and doc/carterad.conf.5 in step with this table.
 */
static const struct config_item config_items[] = {
	STR("database", database, LOCALSTATEDIR "/lib/cartera/cartera.db",
	    0, NULL),
	BOOL("database_private", database_private, 0),
	STR("password_file", password_file, NULL, F_OPTIONAL, NULL),
	STR("templates", templates, SYSCONFDIR "/cartera/templates", 0, NULL),
	STR("user", user, "cartera", 0, NULL),
	IMAP("imap"),

	GROUP("smtp"),
	STR("smtp.url", smtp.url, "smtp://localhost:25", 0, check_smtp_url),
	ENUM("smtp.starttls", smtp.starttls, STARTTLS_REQUIRED, starttls_names),
	STR("smtp.user", smtp.user, NULL, F_OPTIONAL, NULL),
	STR("smtp.password", smtp.password, NULL, F_OPTIONAL | F_SECRET,
	    check_password),
	STR("smtp.password_file", smtp.password_file, NULL, F_OPTIONAL, NULL),
	STR("smtp.from", smtp.from, "Cartera <cartera@localhost>", 0,
	    check_mailbox),
	STR("smtp.ca_file", smtp.ca_file, NULL, F_OPTIONAL, NULL),
	INT("smtp.timeout", smtp.timeout, 30, 1, 3600),
	INT("smtp.data_timeout", smtp.data_timeout, 600, 1, 3600),
	INT("smtp.max_age", smtp.max_age, 432000, 0, 31536000),
	INT("smtp.retry_min", smtp.retry_min, 60, 1, 86400),
	INT("smtp.retry_max", smtp.retry_max, 3600, 1, 604800),
	INT("smtp.batch", smtp.batch, 100, 1, 10000),
	INT("smtp.lease", smtp.lease, 120, 1, 86400),

	GROUP("digest"),
	STR("digest.default_time", digest.default_time, "08:00", 0,
	    check_hhmm),
	STR("digest.default_timezone", digest.default_timezone,
	    "Europe/Madrid", 0, check_zone),
	STR("digest.language", digest.language, "es", 0, check_language),
	BOOL("digest.send_empty", digest.send_empty, 1),
	INT("digest.max_items", digest.max_items, 50, 0, 10000),
	INT("digest.risk_clients", digest.risk_clients, 5, 0, 100),
	STR("digest.days", digest.days, "mon-fri", 0, check_days),
	HOLIDAYS("digest.holidays"),

	GROUP("cadence"),
	INT("cadence.default_days", cadence.default_days, 30, 1,
	    CONFIG_MAX_DAYS),
	INT("cadence.potential_days", cadence.potential_days, 14, 1,
	    CONFIG_MAX_DAYS),
	SEGMENTS("cadence.segments", cadence.segments),
	INT("cadence.orders_self_days", cadence.orders_self_days, 60, 1, CONFIG_MAX_DAYS),
	INT("cadence.orders_visit_days", cadence.orders_visit_days, 21, 1, CONFIG_MAX_DAYS),

	GROUP("inactive"),
	FLOAT("inactive.factor", inactive.factor, 1.5, 1.0, 100.0),
	INT("inactive.min_days", inactive.min_days, 30, 0, CONFIG_MAX_DAYS),
	INT("inactive.single_purchase_days", inactive.single_purchase_days,
	    180, 1, CONFIG_MAX_DAYS),
	INT("inactive.no_contact_days", inactive.no_contact_days, 90, 1,
	    CONFIG_MAX_DAYS),

	GROUP("lifecycle"),
	INT("lifecycle.new_days", lifecycle.new_days, 90, 1, CONFIG_MAX_DAYS),

	GROUP("alerts"),
	INT("alerts.yellow_days", alerts.yellow_days, 3, 0, CONFIG_MAX_DAYS),
	INT("alerts.waiting_days", alerts.waiting_days, 7, 0,
	    CONFIG_MAX_DAYS),
	INT("alerts.overdue_invoice_days", alerts.overdue_invoice_days, 30, 0,
	    CONFIG_MAX_DAYS),

	GROUP("client_emails"),
	BOOL("client_emails.enabled", client_emails.enabled, 0),
	STRLIST("client_emails.segments", client_emails.segments),
	INT("client_emails.after_days", client_emails.after_days, 7, 0,
	    CONFIG_MAX_DAYS),
	INT("client_emails.min_interval_days",
	    client_emails.min_interval_days, 30, 1, CONFIG_MAX_DAYS),
	INT("client_emails.max_per_day", client_emails.max_per_day, 20, 1, 10000),
	STR("client_emails.register", client_emails.form, "usted", 0, check_register),

	GROUP("http"),
	STR("http.listen", http.listen, "127.0.0.1", 0, check_address),
	INT("http.port", http.port, 8025, 0, 65535),
	STR("http.base_url", http.base_url, "", F_EMPTYOK, check_base_url),
	INT("http.max_connections", http.max_connections, 4096, 1, 100000),
	INT("http.per_ip_connections", http.per_ip_connections, 32, 1,
	    100000),
	INT("http.timeout", http.timeout, 30, 1, 3600),
	INT("http.request_timeout", http.request_timeout, 10, 1, 3600),

	GROUP("web"),
	STR("web.key_file", web.key_file, "", F_EMPTYOK, NULL),
	INT("web.link_days", web.link_days, 14, 1, 365),
	INT("web.form_hours", web.form_hours, 24, 1, 720),

	GROUP("feed"),
	INT("feed.past_days", feed.past_days, 30, 0, CONFIG_MAX_DAYS),
	INT("feed.future_days", feed.future_days, 180, 1, CONFIG_MAX_DAYS),
	INT("feed.refresh_minutes", feed.refresh_minutes, 60, 1, 10080),
	STR("feed.color", feed.color, "#1E88E5", 0, check_color),
	STR("feed.call_color", feed.call_color, "#43A047", 0, check_color),
	STR("feed.visit_color", feed.visit_color, "#FB8C00", 0, check_color),
	INT("feed.alarm_minutes", feed.alarm_minutes, 0, 0, 10080),
	INT("feed.cancelled_days", feed.cancelled_days, 30, 0,
	    CONFIG_MAX_DAYS),
	BOOL("feed.team", feed.team, 0),

	GROUP("mail_in"),
	BOOL("mail_in.match_domains", mail_in.match_domains, 0),
	STRLIST_DEF("mail_in.freemail_domains", mail_in.freemail_domains,
	    NULL, check_domain),
	INT("mail_in.batch", mail_in.batch, 200, 1, 5000),
	INT("mail_in.retry_max", mail_in.retry_max, 3600, 1, 86400),

	GROUP("report"),
	BOOL("report.monthly", report.monthly, 0),
	STR("report.manager", report.manager, NULL, F_OPTIONAL, check_mailbox),
	STR("report.currency", report.currency, "EUR", 0, check_currency),
	INT("report.lifetime_cap_years", report.lifetime_cap_years, 5, 1, 100),
};

#define NITEMS	(sizeof(config_items) / sizeof(config_items[0]))

/* Limits of one segment's days, shared by load and validate. */
#define SEGMENT_MIN_DAYS	1
#define SEGMENT_MAX_DAYS	CONFIG_MAX_DAYS

/* State of one config_load() call. */
struct load {
	struct config	*cfg;
	const char	*path;		/* the file given to config_load() */
	char		*dir;		/* its directory, NULL if path has no '/' */
	config_t	 lc;
	char		*err;
	size_t		 errlen;
};

/*
 * Access to a field through its table row.
 */

static char **
item_str(struct config *cfg, const struct config_item *it)
{
	return (char **)(void *)((char *)cfg + it->off);
}

static const char *
item_cstr(const struct config *cfg, const struct config_item *it)
{
	return *(char *const *)(const void *)((const char *)cfg + it->off);
}

static int *
item_int(struct config *cfg, const struct config_item *it)
{
	return (int *)(void *)((char *)cfg + it->off);
}

static int
item_cint(const struct config *cfg, const struct config_item *it)
{
	return *(const int *)(const void *)((const char *)cfg + it->off);
}

static double *
item_float(struct config *cfg, const struct config_item *it)
{
	return (double *)(void *)((char *)cfg + it->off);
}

static double
item_cfloat(const struct config *cfg, const struct config_item *it)
{
	return *(const double *)(const void *)((const char *)cfg + it->off);
}

static char ***
item_list(struct config *cfg, const struct config_item *it)
{
	return (char ***)(void *)((char *)cfg + it->off);
}

static char *const *
item_clist(const struct config *cfg, const struct config_item *it)
{
	return *(char *const *const *)(const void *)((const char *)cfg +
	    it->off);
}

/* Last component of an item's path. */
static const char *
item_leaf(const struct config_item *it)
{
	const char *dot;

	dot = strchr(it->path, '.');
	return dot != NULL ? dot + 1 : it->path;
}

/* The item called name inside group (NULL = top level). */
static const struct config_item *
item_find(const char *group, const char *name)
{
	const struct config_item *it;
	size_t i, glen;

	glen = group != NULL ? strlen(group) : 0;
	for (i = 0; i < NITEMS; i++) {
		it = &config_items[i];
		if (group == NULL) {
			if (strcmp(it->path, name) == 0)
				return it;
		} else if (strncmp(it->path, group, glen) == 0 &&
		    it->path[glen] == '.' &&
		    strcmp(it->path + glen + 1, name) == 0)
			return it;
	}
	return NULL;
}

/*
 * Small helpers on text.
 */

static void
wipe(void *p, size_t n)
{
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	volatile unsigned char *v = p;

	while (n-- > 0)
		*v++ = 0;
#endif
}

static void
free_secret(char *s)
{
	if (s != NULL) {
		wipe(s, strlen(s));
		free(s);
	}
}

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
ascii_casecmp(const char *a, const char *b)
{
	int ca, cb;

	do {
		ca = ascii_lower((unsigned char)*a++);
		cb = ascii_lower((unsigned char)*b++);
	} while (ca == cb && ca != '\0');
	return ca - cb;
}

static int
ascii_ncaseeq(const char *a, const char *b, size_t n)
{
	while (n-- > 0) {
		if (ascii_lower((unsigned char)*a) !=
		    ascii_lower((unsigned char)*b))
			return 0;
		if (*a == '\0')
			return 1;
		a++;
		b++;
	}
	return 1;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_xdigit(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static char *
join_path(const char *dir, const char *name)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s/%s", dir, name);
	return buf_steal(&b);
}

/*
 * Levenshtein distance ignoring ASCII case, or a large number when
 * either string is long.
 */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t row[33], la, lb, i, j, prev, tmp, best;

	la = strlen(a);
	lb = strlen(b);
	if (la > 32 || lb > 32)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (ascii_lower((unsigned char)a[i - 1]) !=
			    ascii_lower((unsigned char)b[j - 1]));
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

/* A known setting of group spelled like name, for "did you mean". */
static const struct config_item *
item_suggest(const char *group, const char *name)
{
	const struct config_item *it, *best = NULL;
	const char *leaf;
	size_t i, glen, d, bestd = 3;

	glen = group != NULL ? strlen(group) : 0;
	for (i = 0; i < NITEMS; i++) {
		it = &config_items[i];
		if (group == NULL) {
			if (strchr(it->path, '.') != NULL)
				continue;
			leaf = it->path;
		} else {
			if (strncmp(it->path, group, glen) != 0 ||
			    it->path[glen] != '.')
				continue;
			leaf = it->path + glen + 1;
		}
		d = edit_distance(name, leaf);
		if (d < bestd && d < strlen(leaf)) {
			bestd = d;
			best = it;
		}
	}
	return best;
}

/*
 * Value checks.  Each one sees a non-empty string free of control
 * characters (except for secrets) and explains a failure in why[].
 */

static int
check_smtp_url(const char *v, char *why, size_t whylen)
{
	const char *host;

	/*
	 * Credentials in the URL ("smtp://user:password@host") would be
	 * printed by --check-config and logged with the URL: refuse any '@'
	 * (no part of an SMTP URL needs one), and do not quote the URL back.
	 */
	if (strchr(v, '@') != NULL) {
		snprintf(why, whylen, "must not hold a user name or password; "
		    "use smtp.user and smtp.password or smtp.password_file");
		return -1;
	}
	if (ascii_ncaseeq(v, "smtp://", 7))
		host = v + 7;
	else if (ascii_ncaseeq(v, "smtps://", 8))
		host = v + 8;
	else {
		snprintf(why, whylen,
		    "must start with smtp:// or smtps:// (got \"%s\")", v);
		return -1;
	}
	if (*host == '\0' || *host == '/' || *host == ':' ||
	    strchr(v, ' ') != NULL) {
		snprintf(why, whylen, "no server name in \"%s\"", v);
		return -1;
	}
	return 0;
}

static int
check_password(const char *v, char *why, size_t whylen)
{
	if (strchr(v, '\r') != NULL || strchr(v, '\n') != NULL) {
		snprintf(why, whylen, "must not contain a line break");
		return -1;
	}
	return 0;
}

/* "Name <user@domain>" or "user@domain", by the one address parser. */
static int
check_mailbox(const char *v, char *why, size_t whylen)
{
	char *name, *addr, e[512];

	if (address_parse_mailbox(v, &name, &addr, e, sizeof(e)) == -1) {
		snprintf(why, whylen, "%s; write \"user@example.org\" or "
		    "\"Name <user@example.org>\"", e);
		return -1;
	}
	free(name);
	free(addr);
	return 0;
}

static int
check_hhmm(const char *v, char *why, size_t whylen)
{
	int min;

	if (clock_hhmm_parse(v, &min) == -1) {
		snprintf(why, whylen,
		    "must be a time HH:MM from 00:00 to 23:59 (got \"%s\")", v);
		return -1;
	}
	return 0;
}

static int
check_zone(const char *v, char *why, size_t whylen)
{
	if (tz_check(v) == -1) {
		snprintf(why, whylen, "unknown time zone \"%s\"", v);
		return -1;
	}
	return 0;
}

static int
check_register(const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "usted") != 0 && strcmp(v, "tú") != 0 && strcmp(v, "tu") != 0) {
		snprintf(why, whylen, "must be \"usted\" or \"tú\" (got \"%s\")", v);
		return -1;
	}
	return 0;
}

static int
check_days(const char *v, char *why, size_t whylen)
{
	unsigned week;
	char e[200];

	if (workdays_parse_week(v, &week, e, sizeof(e)) == -1) {
		snprintf(why, whylen, "%s", e);
		return -1;
	}
	return 0;
}

static int
check_language(const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "es") != 0 && strcmp(v, "en") != 0) {
		snprintf(why, whylen, "must be \"es\" or \"en\" (got \"%s\")",
		    v);
		return -1;
	}
	return 0;
}

static int
check_address(const char *v, char *why, size_t whylen)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, v, &a4) != 1 &&
	    inet_pton(AF_INET6, v, &a6) != 1) {
		snprintf(why, whylen,
		    "must be an IPv4 or IPv6 address (got \"%s\")", v);
		return -1;
	}
	return 0;
}

static int
check_base_url(const char *v, char *why, size_t whylen)
{
	const char *host;

	if (*v == '\0')
		return 0;
	if (ascii_ncaseeq(v, "http://", 7))
		host = v + 7;
	else if (ascii_ncaseeq(v, "https://", 8))
		host = v + 8;
	else {
		snprintf(why, whylen, "must be empty or start with http:// or "
		    "https:// (got \"%s\")", v);
		return -1;
	}
	if (*host == '\0' || *host == '/' || strchr(v, ' ') != NULL) {
		snprintf(why, whylen, "no server name in \"%s\"", v);
		return -1;
	}
	return 0;
}

static int
check_color(const char *v, char *why, size_t whylen)
{
	int i;

	for (i = 1; i < 7; i++)
		if (!is_xdigit((unsigned char)v[i]))
			break;
	if (v[0] != '#' || i != 7 || v[7] != '\0') {
		snprintf(why, whylen,
		    "must be a colour \"#rrggbb\" (got \"%s\")", v);
		return -1;
	}
	return 0;
}

static int
check_currency(const char *v, char *why, size_t whylen)
{
	int i;

	for (i = 0; i < 3; i++)
		if (v[i] < 'A' || v[i] > 'Z')
			break;
	if (i != 3 || v[3] != '\0') {
		snprintf(why, whylen, "must be an ISO 4217 code of three "
		    "capital letters like \"EUR\" (got \"%s\")", v);
		return -1;
	}
	return 0;
}

static int
check_int(const struct config_item *it, long long v, char *why,
    size_t whylen)
{
	if (v < it->min || v > it->max) {
		snprintf(why, whylen, "must be between %d and %d (got %lld)",
		    it->min, it->max, v);
		return -1;
	}
	return 0;
}

static int
check_float(const struct config_item *it, double v, char *why, size_t whylen)
{
	if (!(v > it->fmin && v <= it->fmax)) {
		snprintf(why, whylen,
		    "must be greater than %.1f and at most %.1f (got %g)",
		    it->fmin, it->fmax, v);
		return -1;
	}
	return 0;
}

/* Rules for a string wherever it comes from; v may be NULL (unset). */
static int
check_string(const struct config_item *it, const char *v, char *why,
    size_t whylen)
{
	if (v == NULL) {
		if (it->flags & F_OPTIONAL)
			return 0;
		snprintf(why, whylen, "must be set");
		return -1;
	}
	if (*v == '\0') {
		if (it->flags & F_EMPTYOK)
			return 0;
		snprintf(why, whylen, "must not be empty");
		return -1;
	}
	if (!(it->flags & F_SECRET) && has_control(v)) {
		snprintf(why, whylen, "must not contain control characters");
		return -1;
	}
	return it->check != NULL ? it->check(v, why, whylen) : 0;
}

static int
check_segment_name(const char *v, char *why, size_t whylen)
{
	if (*v == '\0') {
		snprintf(why, whylen, "must not be empty");
		return -1;
	}
	if (has_control(v)) {
		snprintf(why, whylen, "must not contain control characters");
		return -1;
	}
	return 0;
}

/* A mail domain: letters, digits, '-' and '.', optionally "*." first. */
static int
check_domain(const char *v, char *why, size_t whylen)
{
	const char *p = v;

	if (p[0] == '*' && p[1] == '.')
		p += 2;
	if (*p == '\0' || *p == '.' || strstr(p, "..") != NULL) {
		snprintf(why, whylen, "\"%s\" is not a domain", v);
		return -1;
	}
	for (; *p != '\0'; p++)
		if (!(is_alpha((unsigned char)*p) || is_digit((unsigned char)*p) ||
		    *p == '-' || *p == '.' || (unsigned char)*p >= 0x80)) {
			snprintf(why, whylen, "\"%s\" is not a domain", v);
			return -1;
		}
	return 0;
}

static int	check_imap(const struct config *, char *, size_t);

/* Check the value an item holds in cfg. */
static int
item_check(const struct config_item *it, const struct config *cfg,
    char *why, size_t whylen)
{
	char *const *l;
	size_t i, j;
	int v;

	switch (it->type) {
	case T_GROUP:
		return 0;
	case T_STRING:
		return check_string(it, item_cstr(cfg, it), why, whylen);
	case T_INT:
		return check_int(it, item_cint(cfg, it), why, whylen);
	case T_BOOL:
		v = item_cint(cfg, it);
		if (v != 0 && v != 1) {
			snprintf(why, whylen, "must be true or false");
			return -1;
		}
		return 0;
	case T_FLOAT:
		return check_float(it, item_cfloat(cfg, it), why, whylen);
	case T_ENUM:
		v = item_cint(cfg, it);
		for (i = 0; it->names[i] != NULL; i++)
			if ((int)i == v)
				return 0;
		snprintf(why, whylen, "unknown value %d", v);
		return -1;
	case T_STRLIST:
		if ((l = item_clist(cfg, it)) == NULL)
			return 0;
		for (; *l != NULL; l++)
			if ((it->check != NULL ? it->check(*l, why, whylen) :
			    check_segment_name(*l, why, whylen)) == -1)
				return -1;
		return 0;
	case T_IMAP:
		return check_imap(cfg, why, whylen);
	case T_HOLIDAYS:
		return 0;	/* every date was read when loaded */
	case T_SEGMENTS:
		for (i = 0; i < cfg->cadence.nsegments; i++) {
			if (check_segment_name(cfg->cadence.segments[i].name,
			    why, whylen) == -1)
				return -1;
			v = cfg->cadence.segments[i].days;
			if (v < SEGMENT_MIN_DAYS || v > SEGMENT_MAX_DAYS) {
				snprintf(why, whylen, "segment \"%s\": days "
				    "must be between %d and %d (got %d)",
				    cfg->cadence.segments[i].name,
				    SEGMENT_MIN_DAYS, SEGMENT_MAX_DAYS, v);
				return -1;
			}
			for (j = 0; j < i; j++)
				if (ascii_casecmp(cfg->cadence.segments[j].name,
				    cfg->cadence.segments[i].name) == 0) {
					snprintf(why, whylen,
					    "duplicate segment \"%s\"",
					    cfg->cadence.segments[i].name);
					return -1;
				}
		}
		return 0;
	}
	return 0;
}

/*
 * Rules that tie settings together.  On failure names in *blame the
 * setting to report (and in *other the one it conflicts with).
 */
static int
cross_check(const struct config *cfg, const char **blame, const char **other,
    char *why, size_t whylen)
{
	if (cfg->smtp.retry_min > cfg->smtp.retry_max) {
		*blame = "smtp.retry_min";
		*other = "smtp.retry_max";
		snprintf(why, whylen, "must not exceed smtp.retry_max "
		    "(%d > %d)", cfg->smtp.retry_min, cfg->smtp.retry_max);
		return -1;
	}
	if (cfg->http.per_ip_connections > cfg->http.max_connections) {
		*blame = "http.per_ip_connections";
		*other = "http.max_connections";
		snprintf(why, whylen, "must not exceed http.max_connections "
		    "(%d > %d)", cfg->http.per_ip_connections,
		    cfg->http.max_connections);
		return -1;
	}
	/* The unsubscribe link must reach carterad from a client's mailbox,
	 * which the default (http://LISTEN:PORT, loopback) never does. */
	if (cfg->client_emails.enabled &&
	    (cfg->http.base_url == NULL || cfg->http.base_url[0] == '\0')) {
		*blame = "client_emails.enabled";
		*other = NULL;
		snprintf(why, whylen, "needs http.base_url: every client email carries an "
		    "unsubscribe link, and without it the link would be http://%s:%d/..., "
		    "which clients cannot reach; set http.base_url to the public address "
		    "of carterad (e.g. \"https://cartera.example.com\", the reverse proxy)",
		    cfg->http.listen != NULL ? cfg->http.listen : "127.0.0.1", cfg->http.port);
		return -1;
	}
	if (cfg->smtp.user != NULL && cfg->smtp.password == NULL) {
		*blame = "smtp.user";
		*other = NULL;
		snprintf(why, whylen, "is set but neither smtp.password nor "
		    "smtp.password_file is");
		return -1;
	}
	if (cfg->smtp.password != NULL && cfg->smtp.user == NULL) {
		*blame = cfg->smtp.password_file != NULL ?
		    "smtp.password_file" : "smtp.password";
		*other = NULL;
		snprintf(why, whylen, "is set but smtp.user is not");
		return -1;
	}
	return 0;
}

/*
 * Errors while loading: "FILE:LINE: ..." where FILE is the file the
 * setting came from (an @include'd one included).
 */

static void errv(char *, size_t, const char *, const char *, int,
    const char *, va_list) __attribute__((format(printf, 6, 0)));

static void
errv(char *err, size_t errlen, const char *file, const char *dir, int line,
    const char *fmt, va_list ap)
{
	int n;

	if (err == NULL || errlen == 0)
		return;
	if (file[0] != '/' && dir != NULL)
		n = line > 0 ? snprintf(err, errlen, "%s/%s:%d: ", dir, file,
		    line) : snprintf(err, errlen, "%s/%s: ", dir, file);
	else
		n = line > 0 ? snprintf(err, errlen, "%s:%d: ", file, line) :
		    snprintf(err, errlen, "%s: ", file);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

static int load_err(struct load *, const config_setting_t *, const char *,
    ...) __attribute__((format(printf, 3, 4)));

static int load_err_at(struct load *, const char *, int, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* Error in file (NULL: the one given to config_load) at line (0: none). */
static int
load_err_at(struct load *ld, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (file == NULL)
		errv(ld->err, ld->errlen, ld->path, NULL, line, fmt, ap);
	else
		errv(ld->err, ld->errlen, file, ld->dir, line, fmt, ap);
	va_end(ap);
	return -1;
}

/* Error at setting s (NULL: the file itself, no line). */
static int
load_err(struct load *ld, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = NULL;
	va_list ap;
	int line = 0;

	if (s != NULL) {
		file = config_setting_source_file(s);
		line = (int)config_setting_source_line(s);
	}
	va_start(ap, fmt);
	if (file == NULL)
		errv(ld->err, ld->errlen, ld->path, NULL, line, fmt, ap);
	else
		errv(ld->err, ld->errlen, file, ld->dir, line, fmt, ap);
	va_end(ap);
	return -1;
}

static int err_plain(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
err_plain(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "nothing";
}

static const char *
item_type_name(const struct config_item *it)
{
	switch (it->type) {
	case T_GROUP:
		return "a group";
	case T_STRING:
	case T_ENUM:
		return "a string";
	case T_INT:
		return "an integer";
	case T_BOOL:
		return "a boolean (true or false)";
	case T_FLOAT:
		return "a number";
	case T_STRLIST:
		return "an array of strings";
	case T_SEGMENTS:
	case T_IMAP:
		return "a list of groups";
	case T_HOLIDAYS:
		return "an array of dates or the name of a file of dates";
	}
	return "?";
}

static int
is_int(const config_setting_t *s)
{
	return config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64;
}

static int
type_err(struct load *ld, const config_setting_t *s,
    const struct config_item *it)
{
	return load_err(ld, s, "%s: expected %s, got %s", it->path,
	    item_type_name(it), type_name(config_setting_type(s)));
}

/*
 * libconfig 1.5 silently wraps an integer literal that does not fit in
 * 32 bits (4294975321 reads as 8025).  Scan the text for such literals
 * before parsing; no setting of ours is anywhere near INT_MAX.
 */
static int
scan_big_ints(struct load *ld, const char *p)
{
	unsigned long long v;
	const char *start;
	int line = 1, big;

	while (*p != '\0') {
		if (*p == '\n') {
			line++;
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p != '\0' && !(p[0] == '*' && p[1] == '/');
			    p++)
				if (*p == '\n')
					line++;
			if (*p != '\0')
				p += 2;
		} else if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				if (*p == '\n')
					line++;
			}
			if (*p != '\0')
				p++;
		} else if (is_alpha((unsigned char)*p) || *p == '*') {
			while (is_alpha((unsigned char)*p) ||
			    is_digit((unsigned char)*p) || *p == '-' ||
			    *p == '_' || *p == '*')
				p++;
		} else if (is_digit((unsigned char)*p) ||
		    (*p == '.' && is_digit((unsigned char)p[1]))) {
			start = p;
			v = 0;
			big = 0;
			if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
				for (p += 2; is_xdigit((unsigned char)*p); p++) {
					v = v * 16 + (unsigned)(is_digit(*p) ?
					    *p - '0' : ascii_lower(*p) - 'a' + 10);
					if (v > INT_MAX)
						big = 1, v = INT_MAX;
				}
			} else {
				for (; is_digit((unsigned char)*p); p++) {
					v = v * 10 + (unsigned)(*p - '0');
					if (v > INT_MAX)
						big = 1, v = INT_MAX;
				}
				if (*p == '.' || *p == 'e' || *p == 'E') {
					/* a float: libconfig reads those right */
					big = 0;
					while (is_digit((unsigned char)*p) ||
					    *p == '.' || *p == 'e' ||
					    *p == 'E' || ((*p == '+' ||
					    *p == '-') && (p[-1] == 'e' ||
					    p[-1] == 'E')))
						p++;
				}
			}
			if (big) {
				return load_err_at(ld, NULL, line,
				    "integer %.*s is too large (at most %d)",
				    (int)(p - start), start, INT_MAX);
			}
			while (*p == 'L')
				p++;
		} else
			p++;
	}
	return 0;
}

/* Replace the string of item it with v (copied; "" unsets optional). */
static int
set_string(struct load *ld, const struct config_item *it,
    const config_setting_t *s, const char *v)
{
	char **dst = item_str(ld->cfg, it), *copy = NULL;

	if (!((it->flags & F_OPTIONAL) && *v == '\0') &&
	    (copy = strdup(v)) == NULL)
		return load_err(ld, s, "%s: out of memory", it->path);
	if (it->flags & F_SECRET)
		free_secret(*dst);
	else
		free(*dst);
	*dst = copy;
	return 0;
}

static void
free_strlist(char **l)
{
	char **p;

	if (l == NULL)
		return;
	for (p = l; *p != NULL; p++)
		free(*p);
	free(l);
}

static void
free_segments(struct segment_cadence *seg, size_t n)
{
	size_t i;

	if (seg == NULL)
		return;
	for (i = 0; i < n; i++)
		free(seg[i].name);
	free(seg);
}

static int
load_strlist(struct load *ld, const struct config_item *it,
    const config_setting_t *s)
{
	const config_setting_t *e;
	char why[256], **l, ***dst;
	unsigned int i, n;

	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST)
		return type_err(ld, s, it);
	n = (unsigned int)config_setting_length(s);
	if ((l = calloc((size_t)n + 1, sizeof(*l))) == NULL)
		return load_err(ld, s, "%s: out of memory", it->path);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			load_err(ld, e, "%s[%u]: expected a string, got %s",
			    it->path, i, type_name(config_setting_type(e)));
			goto fail;
		}
		if ((it->check != NULL ? it->check(config_setting_get_string(e),
		    why, sizeof(why)) : check_segment_name(
		    config_setting_get_string(e), why, sizeof(why))) == -1) {
			load_err(ld, e, "%s[%u]: %s", it->path, i, why);
			goto fail;
		}
		if ((l[i] = strdup(config_setting_get_string(e))) == NULL) {
			load_err(ld, e, "%s: out of memory", it->path);
			goto fail;
		}
	}
	dst = item_list(ld->cfg, it);
	free_strlist(*dst);
	*dst = l;
	return 0;
fail:
	free_strlist(l);
	return -1;
}

/*
 * digest.holidays: an array of dates, or a string naming a file of dates
 * (one or more a line, "#" comments; relative to the configuration's
 * directory), read now and again at every reload.
 */
#define HOLIDAYS_MAX_FILE	(1024 * 1024)

static int
load_holidays(struct load *ld, const struct config_item *it, const config_setting_t *s)
{
	struct config *cfg = ld->cfg;
	struct buf text = BUF_INIT;
	char *file = NULL, why[512];
	long *v = NULL;
	size_t n = 0;
	unsigned int i, count;
	int rc = -1;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *name = config_setting_get_string(s);
		struct stat sb;
		ssize_t got;
		int fd;

		if (*name == '\0')
			return load_err(ld, s, "%s: empty file name", it->path);
		file = name[0] != '/' && ld->dir != NULL ? join_path(ld->dir, name) :
		    strdup(name);
		if (file == NULL)
			return load_err(ld, s, "%s: out of memory", it->path);
		if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
			load_err(ld, s, "%s: cannot open %s: %s", it->path, file,
			    strerror(errno));
			goto out;
		}
		if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
		    sb.st_size > HOLIDAYS_MAX_FILE) {
			close(fd);
			load_err(ld, s, "%s: %s is not a regular file of at most %d bytes",
			    it->path, file, HOLIDAYS_MAX_FILE);
			goto out;
		}
		if (buf_reserve(&text, (size_t)sb.st_size + 1) == -1) {
			close(fd);
			load_err(ld, s, "%s: out of memory", it->path);
			goto out;
		}
		while ((got = read(fd, text.data + text.len, text.cap - text.len - 1)) > 0)
			text.len += (size_t)got;
		close(fd);
		if (got == -1) {
			load_err(ld, s, "%s: %s: %s", it->path, file, strerror(errno));
			goto out;
		}
		text.data[text.len] = '\0';
		if (workdays_parse_dates(text.data, file, &v, &n, why, sizeof(why)) == -1) {
			load_err(ld, s, "%s: %s", it->path, why);
			goto out;
		}
	} else if (config_setting_type(s) == CONFIG_TYPE_ARRAY ||
	    config_setting_type(s) == CONFIG_TYPE_LIST) {
		count = (unsigned int)config_setting_length(s);
		for (i = 0; i < count; i++) {
			const config_setting_t *e = config_setting_get_elem(s, i);
			long d;

			if (config_setting_type(e) != CONFIG_TYPE_STRING ||
			    clock_date_parse(config_setting_get_string(e), &d) == -1) {
				load_err(ld, e, "%s[%u]: expected a date \"YYYY-MM-DD\"",
				    it->path, i);
				goto out;
			}
			buf_puts(&text, config_setting_get_string(e));
			buf_putc(&text, '\n');
		}
		if (text.failed || workdays_parse_dates(text.data != NULL ? text.data : "",
		    NULL, &v, &n, why, sizeof(why)) == -1) {
			load_err(ld, s, "%s: %s", it->path, text.failed ? "out of memory" : why);
			goto out;
		}
	} else {
		rc = type_err(ld, s, it);
		goto out;
	}
	free(cfg->digest.holidays);
	free(cfg->digest.holidays_file);
	cfg->digest.holidays = v;
	cfg->digest.nholidays = n;
	cfg->digest.holidays_file = file;
	v = NULL;
	file = NULL;
	rc = 0;
out:
	free(v);
	free(file);
	buf_free(&text);
	return rc;
}

static int
load_segments(struct load *ld, const struct config_item *it,
    const config_setting_t *s)
{
	const config_setting_t *e, *m, *mname, *mdays;
	struct segment_cadence *seg;
	const char *name;
	char why[256];
	unsigned int i, j, k, n, nm;
	long long days;

	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    !(config_setting_type(s) == CONFIG_TYPE_ARRAY &&
	    config_setting_length(s) == 0))
		return type_err(ld, s, it);
	n = (unsigned int)config_setting_length(s);
	if ((seg = calloc(n > 0 ? n : 1, sizeof(*seg))) == NULL)
		return load_err(ld, s, "%s: out of memory", it->path);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			load_err(ld, e, "%s[%u]: expected a group "
			    "{ name = \"...\"; days = N; }, got %s", it->path, i,
			    type_name(config_setting_type(e)));
			goto fail;
		}
		mname = mdays = NULL;
		nm = (unsigned int)config_setting_length(e);
		for (k = 0; k < nm; k++) {
			m = config_setting_get_elem(e, k);
			if (strcmp(config_setting_name(m), "name") == 0)
				mname = m;
			else if (strcmp(config_setting_name(m), "days") == 0)
				mdays = m;
			else {
				load_err(ld, m, "%s[%u].%s: unknown setting "
				    "(a segment has name and days)", it->path,
				    i, config_setting_name(m));
				goto fail;
			}
		}
		if (mname == NULL || mdays == NULL) {
			load_err(ld, e, "%s[%u]: missing %s", it->path, i,
			    mname == NULL ? "name" : "days");
			goto fail;
		}
		if (config_setting_type(mname) != CONFIG_TYPE_STRING) {
			load_err(ld, mname, "%s[%u].name: expected a string, "
			    "got %s", it->path, i,
			    type_name(config_setting_type(mname)));
			goto fail;
		}
		if (!is_int(mdays)) {
			load_err(ld, mdays, "%s[%u].days: expected an integer, "
			    "got %s", it->path, i,
			    type_name(config_setting_type(mdays)));
			goto fail;
		}
		name = config_setting_get_string(mname);
		if (check_segment_name(name, why, sizeof(why)) == -1) {
			load_err(ld, mname, "%s[%u].name: %s", it->path, i,
			    why);
			goto fail;
		}
		days = config_setting_get_int64(mdays);
		if (days < SEGMENT_MIN_DAYS || days > SEGMENT_MAX_DAYS) {
			load_err(ld, mdays, "%s[%u].days: must be between %d "
			    "and %d (got %lld)", it->path, i, SEGMENT_MIN_DAYS,
			    SEGMENT_MAX_DAYS, days);
			goto fail;
		}
		for (j = 0; j < i; j++)
			if (ascii_casecmp(seg[j].name, name) == 0) {
				load_err(ld, mname, "%s[%u].name: duplicate "
				    "segment \"%s\" (also on line %u; names "
				    "are compared ignoring case)", it->path, i,
				    name, config_setting_source_line(
				    config_setting_get_elem(s, j)));
				goto fail;
			}
		if ((seg[i].name = strdup(name)) == NULL) {
			load_err(ld, e, "%s: out of memory", it->path);
			goto fail;
		}
		seg[i].days = (int)days;
	}
	free_segments(ld->cfg->cadence.segments, ld->cfg->cadence.nsegments);
	ld->cfg->cadence.segments = seg;
	ld->cfg->cadence.nsegments = n;
	return 0;
fail:
	free_segments(seg, n);
	return -1;
}

/* A NULL-terminated list of the space-separated words of s (NULL: empty). */
static char **
split_words(const char *s)
{
	char **l, *copy, *w, *save = NULL;
	size_t n = 0;

	if ((l = calloc(s != NULL ? strlen(s) / 2 + 2 : 1, sizeof(*l))) == NULL)
		return NULL;
	if (s == NULL)
		return l;
	if ((copy = strdup(s)) == NULL) {
		free(l);
		return NULL;
	}
	for (w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
		if ((l[n++] = strdup(w)) == NULL) {
			free(copy);
			free_strlist(l);
			return NULL;
		}
	free(copy);
	return l;
}

static void
free_imap(struct imap_mailbox *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].url);
		free(v[i].user);
		free(v[i].password_file);
		free_secret(v[i].password);
		free(v[i].owner);
		free(v[i].ca_file);
	}
	free(v);
}

/* imap://HOST[:PORT]/MAILBOX or imaps://...; no credentials in it. */
static int
check_imap_url(const char *v, char *why, size_t whylen)
{
	const char *host;

	if (strchr(v, '@') != NULL) {
		snprintf(why, whylen, "must not hold a user name or password; "
		    "use user and password_file");
		return -1;
	}
	if (ascii_ncaseeq(v, "imap://", 7))
		host = v + 7;
	else if (ascii_ncaseeq(v, "imaps://", 8))
		host = v + 8;
	else {
		snprintf(why, whylen,
		    "must start with imap:// or imaps:// (got \"%s\")", v);
		return -1;
	}
	if (*host == '\0' || *host == '/' || *host == ':' || strchr(v, ' ') != NULL ||
	    has_control(v)) {
		snprintf(why, whylen, "no server name in \"%s\"", v);
		return -1;
	}
	if (strchr(host, '/') == NULL || strchr(host, '/')[1] == '\0') {
		snprintf(why, whylen, "names no mailbox (\"%s/INBOX\"?)", v);
		return -1;
	}
	if (strchr(host, ';') != NULL || strchr(host, '?') != NULL) {
		snprintf(why, whylen, "must be a plain mailbox URL, without ;UID= "
		    "or ?SEARCH (got \"%s\")", v);
		return -1;
	}
	return 0;
}

/* The rules of every imap entry, wherever it came from. */
static int
check_imap(const struct config *cfg, char *why, size_t whylen)
{
	for (size_t i = 0; i < cfg->nimap; i++) {
		const struct imap_mailbox *m = &cfg->imap[i];

		if (m->url == NULL || check_imap_url(m->url, why, whylen) == -1) {
			if (m->url == NULL)
				snprintf(why, whylen, "entry %zu: url must be set", i);
			return -1;
		}
		if (m->user == NULL || m->password == NULL) {
			snprintf(why, whylen, "\"%s\": user and password_file must be set",
			    m->name);
			return -1;
		}
		if ((m->owner == NULL) == !m->shared) {
			snprintf(why, whylen, "\"%s\": say whose mailbox it is: owner = "
			    "\"EMAIL\" or shared = true (not both)", m->name);
			return -1;
		}
		if (m->owner != NULL && !address_valid(m->owner)) {
			snprintf(why, whylen, "\"%s\": owner \"%s\" is not an address",
			    m->name, m->owner);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->imap[j].name, m->name) == 0) {
				snprintf(why, whylen, "two mailboxes are called \"%s\"",
				    m->name);
				return -1;
			}
	}
	return 0;
}

static int read_secret_file(struct load *, const config_setting_t *, const char *,
    char **, char **);

static int
imap_string(struct load *ld, const config_setting_t *m, unsigned i, char **dst)
{
	const char *v;

	if (config_setting_type(m) != CONFIG_TYPE_STRING)
		return load_err(ld, m, "imap[%u].%s: expected a string, got %s", i,
		    config_setting_name(m), type_name(config_setting_type(m)));
	v = config_setting_get_string(m);
	if (*v == '\0' || has_control(v))
		return load_err(ld, m, "imap[%u].%s: must not be empty or hold "
		    "control characters", i, config_setting_name(m));
	free(*dst);
	if ((*dst = strdup(v)) == NULL)
		return load_err(ld, m, "out of memory");
	return 0;
}

static int
imap_int(struct load *ld, const config_setting_t *m, unsigned i, int lo, int hi, int *dst)
{
	long long v;

	if (!is_int(m))
		return load_err(ld, m, "imap[%u].%s: expected an integer, got %s", i,
		    config_setting_name(m), type_name(config_setting_type(m)));
	v = config_setting_get_int64(m);
	if (v < lo || v > hi)
		return load_err(ld, m, "imap[%u].%s: must be between %d and %d (got %lld)",
		    i, config_setting_name(m), lo, hi, v);
	*dst = (int)v;
	return 0;
}

/* imap = ( { url = ...; user = ...; password_file = ...; owner = ... }, ... ); */
static int
load_imap(struct load *ld, const struct config_item *it, const config_setting_t *s)
{
	struct imap_mailbox *v;
	const config_setting_t *e, *m, *pwf;
	char why[512];
	unsigned int i, k, n, nm;

	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    !(config_setting_type(s) == CONFIG_TYPE_ARRAY &&
	    config_setting_length(s) == 0))
		return type_err(ld, s, it);
	n = (unsigned int)config_setting_length(s);
	if ((v = calloc(n > 0 ? n : 1, sizeof(*v))) == NULL)
		return load_err(ld, s, "imap: out of memory");
	for (i = 0; i < n; i++) {
		struct imap_mailbox *b = &v[i];

		b->starttls = STARTTLS_REQUIRED;
		b->poll_seconds = 300;
		b->timeout = 30;
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			load_err(ld, e, "imap[%u]: expected a group { url = \"imaps://"
			    "...\"; user = ...; password_file = ...; owner = ...; }, got %s",
			    i, type_name(config_setting_type(e)));
			goto fail;
		}
		pwf = NULL;
		nm = (unsigned int)config_setting_length(e);
		for (k = 0; k < nm; k++) {
			const char *name;
			int rc = 0;

			m = config_setting_get_elem(e, k);
			name = config_setting_name(m);
			if (strcmp(name, "name") == 0)
				rc = imap_string(ld, m, i, &b->name);
			else if (strcmp(name, "url") == 0) {
				rc = imap_string(ld, m, i, &b->url);
				if (rc == 0 && check_imap_url(b->url, why, sizeof(why)) == -1)
					rc = load_err(ld, m, "imap[%u].url: %s", i, why);
			} else if (strcmp(name, "user") == 0)
				rc = imap_string(ld, m, i, &b->user);
			else if (strcmp(name, "password_file") == 0) {
				rc = imap_string(ld, m, i, &b->password_file);
				pwf = m;
			} else if (strcmp(name, "owner") == 0) {
				rc = imap_string(ld, m, i, &b->owner);
				if (rc == 0 && !address_valid(b->owner))
					rc = load_err(ld, m, "imap[%u].owner: \"%s\" is not an "
					    "address", i, b->owner);
			} else if (strcmp(name, "ca_file") == 0)
				rc = imap_string(ld, m, i, &b->ca_file);
			else if (strcmp(name, "shared") == 0) {
				if (config_setting_type(m) != CONFIG_TYPE_BOOL)
					rc = load_err(ld, m, "imap[%u].shared: expected true or "
					    "false", i);
				else
					b->shared = config_setting_get_bool(m) ? 1 : 0;
			} else if (strcmp(name, "starttls") == 0) {
				if (config_setting_type(m) != CONFIG_TYPE_STRING ||
				    (strcmp(config_setting_get_string(m), "none") != 0 &&
				    strcmp(config_setting_get_string(m), "required") != 0))
					rc = load_err(ld, m, "imap[%u].starttls: must be "
					    "\"none\" or \"required\"", i);
				else
					b->starttls = strcmp(config_setting_get_string(m),
					    "none") == 0 ? STARTTLS_NONE : STARTTLS_REQUIRED;
			} else if (strcmp(name, "poll_seconds") == 0)
				rc = imap_int(ld, m, i, 1, 86400, &b->poll_seconds);
			else if (strcmp(name, "timeout") == 0)
				rc = imap_int(ld, m, i, 1, 3600, &b->timeout);
			else
				rc = load_err(ld, m, "imap[%u].%s: unknown setting (a mailbox "
				    "has name, url, user, password_file, starttls, owner or "
				    "shared, poll_seconds, timeout, ca_file)", i, name);
			if (rc == -1)
				goto fail;
		}
		if (b->url == NULL || b->user == NULL || b->password_file == NULL) {
			load_err(ld, e, "imap[%u]: missing %s", i, b->url == NULL ? "url" :
			    b->user == NULL ? "user" : "password_file");
			goto fail;
		}
		if (b->name == NULL && (b->name = strdup(b->url)) == NULL) {
			load_err(ld, e, "out of memory");
			goto fail;
		}
		if (read_secret_file(ld, pwf, "password_file", &b->password_file,
		    &b->password) == -1)
			goto fail;
		if ((b->owner == NULL) == !b->shared) {
			load_err(ld, e, "imap[%u]: say whose mailbox it is: owner = "
			    "\"EMAIL\" or shared = true (not both)", i);
			goto fail;
		}
		for (k = 0; k < i; k++)
			if (strcmp(v[k].name, b->name) == 0) {
				load_err(ld, e, "imap[%u]: two mailboxes are called \"%s\" "
				    "(give each a name)", i, b->name);
				goto fail;
			}
	}
	free_imap(ld->cfg->imap, ld->cfg->nimap);
	ld->cfg->imap = v;
	ld->cfg->nimap = n;
	return 0;
fail:
	free_imap(v, n);
	return -1;
}

/* Store the value of setting s, described by it, into the config. */
static int
load_item(struct load *ld, const struct config_item *it,
    const config_setting_t *s)
{
	const char *v;
	char why[512];
	long long ll;
	double d;
	size_t i;

	switch (it->type) {
	case T_GROUP:
		break;	/* load_group()'s business */
	case T_STRING:
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return type_err(ld, s, it);
		if (set_string(ld, it, s, config_setting_get_string(s)) == -1)
			return -1;
		break;
	case T_INT:
		if (!is_int(s))
			return type_err(ld, s, it);
		ll = config_setting_get_int64(s);
		if (check_int(it, ll, why, sizeof(why)) == -1)
			return load_err(ld, s, "%s: %s", it->path, why);
		*item_int(ld->cfg, it) = (int)ll;
		break;
	case T_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return type_err(ld, s, it);
		*item_int(ld->cfg, it) = config_setting_get_bool(s) ? 1 : 0;
		break;
	case T_FLOAT:
		if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
			d = config_setting_get_float(s);
		else if (is_int(s))
			d = (double)config_setting_get_int64(s);
		else
			return type_err(ld, s, it);
		*item_float(ld->cfg, it) = d;
		break;
	case T_ENUM:
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return type_err(ld, s, it);
		v = config_setting_get_string(s);
		for (i = 0; it->names[i] != NULL; i++)
			if (strcmp(it->names[i], v) == 0)
				break;
		if (it->names[i] == NULL)
			return load_err(ld, s, "%s: must be \"%s\" or \"%s\" "
			    "(got \"%s\")", it->path, it->names[0],
			    it->names[1], v);
		*item_int(ld->cfg, it) = (int)i;
		break;
	case T_STRLIST:
		return load_strlist(ld, it, s);
	case T_SEGMENTS:
		return load_segments(ld, it, s);
	case T_IMAP:
		return load_imap(ld, it, s);
	case T_HOLIDAYS:
		return load_holidays(ld, it, s);
	}
	if (item_check(it, ld->cfg, why, sizeof(why)) == -1)
		return load_err(ld, s, "%s: %s", it->path, why);
	return 0;
}

/* Walk the settings of one group of the file (group NULL: the root). */
static int
load_group(struct load *ld, const config_setting_t *g, const char *group)
{
	const struct config_item *it, *hint;
	const config_setting_t *s;
	const char *name;
	unsigned int i, n;

	n = (unsigned int)config_setting_length(g);
	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, i);
		name = config_setting_name(s);
		if ((it = item_find(group, name)) == NULL) {
			hint = item_suggest(group, name);
			return load_err(ld, s, "%s%s%s: unknown setting%s%s%s",
			    group != NULL ? group : "", group != NULL ? "." : "",
			    name, hint != NULL ? " (did you mean " : "",
			    hint != NULL ? hint->path : "",
			    hint != NULL ? "?)" : "");
		}
		if (it->type == T_GROUP) {
			if (config_setting_type(s) != CONFIG_TYPE_GROUP)
				return type_err(ld, s, it);
			if (load_group(ld, s, it->path) == -1)
				return -1;
		} else if (load_item(ld, it, s) == -1)
			return -1;
	}
	return 0;
}

static const char *
others_word(mode_t mode)
{
	if (mode & S_IROTH)
		return "readable";
	if (mode & S_IWOTH)
		return "writable";
	return "accessible";
}

/*
 * smtp.password in a file: that file must be closed to others.  The main
 * file is judged by the descriptor we read it from, an @include'd one by
 * its name.
 */
static int
load_check_secret_file(struct load *ld, const config_setting_t *s,
    const struct stat *main_st)
{
	const char *file = config_setting_source_file(s);
	struct stat st;
	char *full = NULL;
	const char *name;
	int rv = 0;

	if (file == NULL) {
		st = *main_st;
		name = ld->path;
	} else {
		if (file[0] != '/' && ld->dir != NULL) {
			if ((full = join_path(ld->dir, file)) == NULL)
				return err_plain(ld->err, ld->errlen,
				    "%s: out of memory", ld->path);
			name = full;
		} else
			name = file;
		if (stat(name, &st) == -1) {
			rv = err_plain(ld->err, ld->errlen, "%s: %s", name,
			    strerror(errno));
			goto out;
		}
	}
	if (st.st_mode & S_IRWXO)
		rv = err_plain(ld->err, ld->errlen, "%s:%d: smtp.password: the file "
		    "is %s by others (mode %04o); chmod o-rwx %s", name,
		    (int)config_setting_source_line(s), others_word(st.st_mode),
		    (unsigned)(st.st_mode & 07777), name);
out:
	free(full);
	return rv;
}

/*
 * Read the secret from the file *path (first line, CR/LF stripped) into
 * *secret (replacing it).  A relative name is taken from the directory
 * of the configuration file, and stored resolved.  what names the
 * setting in messages ("smtp.password_file").
 */
static int
read_secret_file(struct load *ld, const config_setting_t *s, const char *what,
    char **path, char **secret_out)
{
	struct stat st;
	char *full, *secret = NULL, *nl;
	size_t len = 0, cap = CONFIG_MAX_SECRET + 1;
	ssize_t r;
	int fd = -1, rv = -1;

	if (*path[0] != '/' && ld->dir != NULL) {
		if ((full = join_path(ld->dir, *path)) ==
		    NULL)
			return load_err(ld, s, "out of memory");
		free(*path);
		*path = full;
	}
	if ((fd = open(*path,
	    O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		load_err(ld, s, "%s: cannot open %s: %s", what,
		    *path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		load_err(ld, s, "%s: %s: %s", what,
		    *path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		load_err(ld, s, "%s: %s is not a regular file", what,
		    *path);
		goto out;
	}
	if (st.st_mode & S_IRWXO) {
		load_err(ld, s, "%s: %s is %s by others "
		    "(mode %04o); chmod o-rwx %s", what, *path,
		    others_word(st.st_mode), (unsigned)(st.st_mode & 07777),
		    *path);
		goto out;
	}
	if ((secret = malloc(cap + 1)) == NULL) {
		load_err(ld, s, "out of memory");
		goto out;
	}
	while (len < cap && memchr(secret, '\n', len) == NULL) {
		r = read(fd, secret + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			load_err(ld, s, "%s: %s: %s", what,
			    *path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if ((nl = memchr(secret, '\n', len)) != NULL)
		len = (size_t)(nl - secret);
	if (len > CONFIG_MAX_SECRET) {
		load_err(ld, s, "%s: first line of %s is "
		    "longer than %d bytes", what, *path,
		    CONFIG_MAX_SECRET);
		goto out;
	}
	if (len > 0 && secret[len - 1] == '\r')
		len--;
	if (memchr(secret, '\0', len) != NULL ||
	    memchr(secret, '\r', len) != NULL) {
		load_err(ld, s, "%s: %s holds a NUL or CR "
		    "byte in its first line", what, *path);
		goto out;
	}
	if (len == 0) {
		load_err(ld, s, "%s: first line of %s is "
		    "empty", what, *path);
		goto out;
	}
	secret[len] = '\0';
	free_secret(*secret_out);
	if ((*secret_out = strdup(secret)) == NULL) {
		load_err(ld, s, "out of memory");
		goto out;
	}
	rv = 0;
out:
	if (secret != NULL) {
		wipe(secret, cap + 1);
		free(secret);
	}
	if (fd != -1)
		close(fd);
	return rv;
}

static int
load_password_file(struct load *ld, const config_setting_t *s)
{
	return read_secret_file(ld, s, "smtp.password_file",
	    &ld->cfg->smtp.password_file, &ld->cfg->smtp.password);
}

/* Read the whole file into a NUL-terminated buffer; caller wipes, frees. */
static int
read_file(struct load *ld, int fd, char **out)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t r;

	*out = NULL;
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err_plain(ld->err, ld->errlen, "%s: %s", ld->path,
			    strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		if (b.len + (size_t)r > CONFIG_MAX_FILE) {
			err_plain(ld->err, ld->errlen, "%s: larger than %d "
			    "bytes, not a configuration file", ld->path,
			    CONFIG_MAX_FILE);
			goto fail;
		}
		if (buf_add(&b, chunk, (size_t)r) == -1) {
			err_plain(ld->err, ld->errlen, "%s: out of memory",
			    ld->path);
			goto fail;
		}
	}
	wipe(chunk, sizeof(chunk));
	if (buf_add(&b, "", 0) == -1) {
		err_plain(ld->err, ld->errlen, "%s: out of memory", ld->path);
		goto fail;
	}
	if (memchr(b.data, '\0', b.len) != NULL) {
		err_plain(ld->err, ld->errlen, "%s: holds a NUL byte, not a "
		    "configuration file", ld->path);
		goto fail;
	}
	*out = buf_steal(&b);
	return 0;
fail:
	wipe(chunk, sizeof(chunk));
	if (b.data != NULL)
		wipe(b.data, b.cap);
	buf_free(&b);
	return -1;
}

/* Everything after the file parsed: secrets and cross-field rules. */
static int
load_finish(struct load *ld, const struct stat *st)
{
	struct config *cfg = ld->cfg;
	const config_setting_t *pw, *pwf, *s;
	const char *blame, *other;
	char why[512];

	pw = config_lookup(&ld->lc, "smtp.password");
	pwf = config_lookup(&ld->lc, "smtp.password_file");
	if (pw != NULL && *config_setting_get_string(pw) == '\0')
		pw = NULL;
	if (pwf != NULL && *config_setting_get_string(pwf) == '\0')
		pwf = NULL;
	if (pw != NULL && pwf != NULL) {
		if (config_setting_source_line(pwf) >
		    config_setting_source_line(pw))
			return load_err(ld, pwf, "smtp.password_file: cannot be "
			    "used together with smtp.password (line %u)",
			    config_setting_source_line(pw));
		return load_err(ld, pw, "smtp.password: cannot be used "
		    "together with smtp.password_file (line %u)",
		    config_setting_source_line(pwf));
	}
	if (pw != NULL) {
		if (load_check_secret_file(ld, pw, st) == -1)
			return -1;
		/* A password_file from an earlier layer no longer applies. */
		free(cfg->smtp.password_file);
		cfg->smtp.password_file = NULL;
	}
	if (pwf != NULL && load_password_file(ld, pwf) == -1)
		return -1;
	/* The database server's password (PostgreSQL); else libpq's own
	 * PGPASSFILE or ~/.pgpass. */
	if ((pwf = config_lookup(&ld->lc, "password_file")) != NULL &&
	    *config_setting_get_string(pwf) != '\0' &&
	    read_secret_file(ld, pwf, "password_file", &cfg->password_file,
	    &cfg->database_password) == -1)
		return -1;

	if (cross_check(cfg, &blame, &other, why, sizeof(why)) == -1) {
		s = config_lookup(&ld->lc, blame);
		if (s == NULL && other != NULL &&
		    (s = config_lookup(&ld->lc, other)) != NULL)
			return load_err(ld, s, "%s: %s %s", other, blame, why);
		return load_err(ld, s, "%s: %s", blame, why);
	}
	return 0;
}

/*
 * Public interface.
 */

int
config_defaults(struct config *cfg)
{
	const struct config_item *it;
	char **s;
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NITEMS; i++) {
		it = &config_items[i];
		switch (it->type) {
		case T_GROUP:
		case T_SEGMENTS:
		case T_IMAP:
		case T_HOLIDAYS:
			break;
		case T_STRING:
			s = item_str(cfg, it);
			if (it->sdef != NULL && (*s = strdup(it->sdef)) == NULL)
				goto fail;
			break;
		case T_INT:
		case T_BOOL:
		case T_ENUM:
			*item_int(cfg, it) = it->idef;
			break;
		case T_FLOAT:
			*item_float(cfg, it) = it->fdef;
			break;
		case T_STRLIST:
			if ((*item_list(cfg, it) = split_words(it->sdef)) ==
			    NULL)
				goto fail;
			break;
		}
	}
	return 0;
fail:
	config_free(cfg);
	return -1;
}

int
config_load(struct config *cfg, const char *path, int missing_ok,
    char *err, size_t errlen)
{
	struct load ld;
	struct stat st;
	const char *slash, *efile;
	char *text = NULL;
	int fd, rv = -1;

	if (path == NULL)
		path = CONFIG_DEFAULT_PATH;
	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.path = path;
	ld.err = err;
	ld.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	config_init(&ld.lc);

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == ENOENT && missing_ok)
			rv = 0;
		else
			err_plain(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		err_plain(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_plain(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (read_file(&ld, fd, &text) == -1)
		goto out;
	if ((slash = strrchr(path, '/')) != NULL) {
		if ((ld.dir = strndup(path, slash == path ? 1 :
		    (size_t)(slash - path))) == NULL) {
			err_plain(err, errlen, "%s: out of memory", path);
			goto out;
		}
		config_set_include_dir(&ld.lc, ld.dir);
	}
	free(cfg->path);
	if ((cfg->path = strdup(path)) == NULL) {
		err_plain(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (scan_big_ints(&ld, text) == -1)
		goto out;
	if (config_read_string(&ld.lc, text) != CONFIG_TRUE) {
		efile = config_error_file(&ld.lc);
		load_err_at(&ld, efile, config_error_line(&ld.lc), "%s",
		    config_error_text(&ld.lc) != NULL ?
		    config_error_text(&ld.lc) : "cannot parse");
		goto out;
	}
	if (load_group(&ld, config_root_setting(&ld.lc), NULL) == -1)
		goto out;
	if (load_finish(&ld, &st) == -1)
		goto out;
	rv = 0;
out:
	if (text != NULL) {
		wipe(text, strlen(text));
		free(text);
	}
	if (fd != -1)
		close(fd);
	config_destroy(&ld.lc);
	free(ld.dir);
	return rv;
}

int
config_validate(const struct config *cfg, char *err, size_t errlen)
{
	const struct config_item *it;
	const char *blame, *other, *file, *sep;
	char why[512];
	size_t i;

	file = cfg->path != NULL ? cfg->path : "";
	sep = cfg->path != NULL ? ": " : "";
	for (i = 0; i < NITEMS; i++) {
		it = &config_items[i];
		if (item_check(it, cfg, why, sizeof(why)) == -1)
			return err_plain(err, errlen, "%s%s%s: %s", file, sep,
			    it->path, why);
	}
	if (cross_check(cfg, &blame, &other, why, sizeof(why)) == -1)
		return err_plain(err, errlen, "%s%s%s: %s", file, sep, blame,
		    why);
	return 0;
}

/* A libconfig string literal. */
static void
print_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fprintf(fp, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
print_imap(const struct config *cfg, FILE *fp, const char *ind)
{
	if (cfg->nimap == 0) {
		fprintf(fp, "%simap = ( );\n", ind);
		return;
	}
	fprintf(fp, "%simap = (\n", ind);
	for (size_t i = 0; i < cfg->nimap; i++) {
		const struct imap_mailbox *m = &cfg->imap[i];

		fprintf(fp, "%s\t{ name = ", ind);
		print_string(fp, m->name);
		fputs("; url = ", fp);
		print_string(fp, m->url);
		fputs("; user = ", fp);
		print_string(fp, m->user);
		fputs("; password_file = ", fp);
		print_string(fp, m->password_file);
		fprintf(fp, "; starttls = \"%s\"; ", starttls_names[m->starttls]);
		if (m->owner != NULL) {
			fputs("owner = ", fp);
			print_string(fp, m->owner);
		} else
			fputs("shared = true", fp);
		fprintf(fp, "; poll_seconds = %d; timeout = %d;", m->poll_seconds, m->timeout);
		if (m->ca_file != NULL) {
			fputs(" ca_file = ", fp);
			print_string(fp, m->ca_file);
			fputc(';', fp);
		}
		fprintf(fp, " }%s\n", i + 1 < cfg->nimap ? "," : "");
	}
	fprintf(fp, "%s);\n", ind);
}

static void
print_item(const struct config *cfg, const struct config_item *it, FILE *fp,
    const char *ind)
{
	const char *leaf = item_leaf(it), *s;
	char *const *l;
	char num[64];
	size_t i;

	switch (it->type) {
	case T_GROUP:
		break;
	case T_STRING:
		s = item_cstr(cfg, it);
		if (it->flags & F_SECRET) {
			if (s == NULL)
				fprintf(fp, "%s# %s: not set\n", ind, leaf);
			else if (cfg->smtp.password_file != NULL)
				fprintf(fp, "%s# %s: read from password_file\n",
				    ind, leaf);
			else
				fprintf(fp, "%s%s = \"%s\";\n", ind, leaf,
				    CONFIG_MASK);
		} else if (s == NULL)
			fprintf(fp, "%s# %s: not set\n", ind, leaf);
		else {
			fprintf(fp, "%s%s = ", ind, leaf);
			print_string(fp, s);
			fputs(";\n", fp);
		}
		break;
	case T_INT:
		fprintf(fp, "%s%s = %d;\n", ind, leaf, item_cint(cfg, it));
		break;
	case T_BOOL:
		fprintf(fp, "%s%s = %s;\n", ind, leaf,
		    item_cint(cfg, it) ? "true" : "false");
		break;
	case T_FLOAT:
		/* Keep a decimal point so that libconfig reads a float back. */
		snprintf(num, sizeof(num), "%.15g", item_cfloat(cfg, it));
		fprintf(fp, "%s%s = %s%s;\n", ind, leaf, num,
		    strpbrk(num, ".eEni") == NULL ? ".0" : "");
		break;
	case T_ENUM:
		for (i = 0; it->names[i] != NULL; i++)
			if ((int)i == item_cint(cfg, it))
				break;
		if (it->names[i] != NULL)
			fprintf(fp, "%s%s = \"%s\";\n", ind, leaf,
			    it->names[i]);
		else
			fprintf(fp, "%s# %s: invalid value %d\n", ind, leaf,
			    item_cint(cfg, it));
		break;
	case T_STRLIST:
		fprintf(fp, "%s%s = [", ind, leaf);
		if ((l = item_clist(cfg, it)) != NULL)
			for (i = 0; l[i] != NULL; i++) {
				fputs(i > 0 ? ", " : " ", fp);
				print_string(fp, l[i]);
			}
		fputs(" ];\n", fp);
		break;
	case T_SEGMENTS:
		if (cfg->cadence.nsegments == 0) {
			fprintf(fp, "%s%s = ( );\n", ind, leaf);
			break;
		}
		fprintf(fp, "%s%s = (\n", ind, leaf);
		for (i = 0; i < cfg->cadence.nsegments; i++) {
			fprintf(fp, "%s\t{ name = ", ind);
			print_string(fp, cfg->cadence.segments[i].name);
			fprintf(fp, "; days = %d; }%s\n",
			    cfg->cadence.segments[i].days,
			    i + 1 < cfg->cadence.nsegments ? "," : "");
		}
		fprintf(fp, "%s);\n", ind);
		break;
	case T_IMAP:
		print_imap(cfg, fp, ind);
		break;
	case T_HOLIDAYS:
		if (cfg->digest.holidays_file != NULL) {
			fprintf(fp, "%s%s = ", ind, leaf);
			print_string(fp, cfg->digest.holidays_file);
			fputs(";\n", fp);
			break;
		}
		fprintf(fp, "%s%s = [", ind, leaf);
		for (i = 0; i < cfg->digest.nholidays; i++) {
			char d[16];

			fprintf(fp, "%s\"%s\"", i > 0 ? ", " : " ",
			    clock_date_format(cfg->digest.holidays[i], d, sizeof(d)));
		}
		fputs(" ];\n", fp);
		break;
	}
}

void
config_print(const struct config *cfg, FILE *fp)
{
	const struct config_item *it;
	size_t i;
	int open = 0;

	fprintf(fp, "# carterad settings in effect (%s%s)\n",
	    cfg->path != NULL ? "from " : "built-in defaults",
	    cfg->path != NULL ? cfg->path : "");
	for (i = 0; i < NITEMS; i++) {
		it = &config_items[i];
		if (it->type == T_GROUP) {
			fprintf(fp, "%s\n%s = {\n", open ? "};\n" : "",
			    it->path);
			open = 1;
			continue;
		}
		print_item(cfg, it, fp, open ? "\t" : "");
	}
	if (open)
		fputs("};\n", fp);
}

const struct imap_mailbox *
config_imap_find(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nimap; i++)
		if (strcmp(cfg->imap[i].name, name) == 0)
			return &cfg->imap[i];
	return NULL;
}

int
config_segment_days(const struct config *cfg, const char *segment)
{
	size_t i;

	if (segment == NULL)
		return 0;
	for (i = 0; i < cfg->cadence.nsegments; i++)
		if (ascii_casecmp(cfg->cadence.segments[i].name, segment) == 0)
			return cfg->cadence.segments[i].days;
	return 0;
}

void
config_free(struct config *cfg)
{
	const struct config_item *it;
	char **s;
	size_t i;

	if (cfg == NULL)
		return;
	free_secret(cfg->database_password);
	cfg->database_password = NULL;
	for (i = 0; i < NITEMS; i++) {
		it = &config_items[i];
		switch (it->type) {
		case T_STRING:
			s = item_str(cfg, it);
			if (it->flags & F_SECRET)
				free_secret(*s);
			else
				free(*s);
			*s = NULL;
			break;
		case T_STRLIST:
			free_strlist(*item_list(cfg, it));
			*item_list(cfg, it) = NULL;
			break;
		case T_SEGMENTS:
			free_segments(cfg->cadence.segments,
			    cfg->cadence.nsegments);
			cfg->cadence.segments = NULL;
			cfg->cadence.nsegments = 0;
			break;
		case T_IMAP:
			free_imap(cfg->imap, cfg->nimap);
			cfg->imap = NULL;
			cfg->nimap = 0;
			break;
		case T_HOLIDAYS:
			free(cfg->digest.holidays);
			free(cfg->digest.holidays_file);
			cfg->digest.holidays = NULL;
			cfg->digest.holidays_file = NULL;
			cfg->digest.nholidays = 0;
			break;
		default:
			break;
		}
	}
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

void
config_web_key_path(const struct config *cfg, char *out, size_t len)
{
	const char *db = cfg->database, *slash;

	if (cfg->web.key_file != NULL && *cfg->web.key_file != '\0')
		snprintf(out, len, "%s", cfg->web.key_file);
	else if (strstr(db, "://") != NULL || (slash = strrchr(db, '/')) == NULL)
		snprintf(out, len, "%s", strstr(db, "://") != NULL ?
		    LOCALSTATEDIR "/lib/cartera/web.key" : "web.key");
	else
		snprintf(out, len, "%.*s/web.key", (int)(slash - db), db);
}

void
config_base_url(const struct config *cfg, char *out, size_t len)
{
	size_t n;

	if (cfg->http.base_url != NULL && *cfg->http.base_url != '\0')
		snprintf(out, len, "%s", cfg->http.base_url);
	else if (cfg->http.port != 0)
		snprintf(out, len, strchr(cfg->http.listen, ':') ? "http://[%s]:%d" :
		    "http://%s:%d", cfg->http.listen, cfg->http.port);
	else
		out[0] = '\0';
	n = strlen(out);
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
}

int
config_open(struct config *cfg, const char *path, const char *db_override, char *err,
    size_t errlen)
{
	if (config_defaults(cfg) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (config_load(cfg, path ? path : CONFIG_DEFAULT_PATH, path == NULL, err,
	    errlen) == -1)
		goto fail;
	if (db_override != NULL) {
		char *d = strdup(db_override);
		if (d == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		free(cfg->database);
		cfg->database = d;
	}
	if (config_validate(cfg, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	config_free(cfg);
	return -1;
}
