/*
 * scan.h - who needs attention today: the rules of Cartera.
 *
 * scan_classify() is the rules: a pure function of one client's facts on
 * one local day (README "Who needs attention" says the same in words).
 * scan_run() loads one salesperson's portfolio through the store (a few
 * set-based reads, no query per client), classifies every client and
 * gathers what the digest shows: red, yellow and green clients, accounts
 * going inactive, overdue invoices, planned activities left unclosed, and
 * the agenda.  It decides; it never sends, and it writes nothing.
 */
#ifndef CARTERA_SCAN_H
#define CARTERA_SCAN_H

#include <limits.h>
#include <stddef.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "store.h"
#include "workdays.h"

enum scan_alert { SCAN_NONE, SCAN_RED, SCAN_YELLOW, SCAN_GREEN };

/* Why a client is due / inactive. */
enum scan_reason {
	SCAN_CADENCE,		/* last touch (or creation) + cadence */
	SCAN_NEXT_CONTACT,	/* the next-contact date set on the client */
	SCAN_SNOOZE,		/* the same, set by a snooze */
	SCAN_INVOICE,		/* an invoice overdue past the threshold */
	SCAN_MISSED,		/* a planned activity whose day passed unclosed */
	SCAN_REPLIED,		/* the client answered a touch that waited for them */
	SCAN_WAITING,		/* waiting for the client (green) */
	SCAN_RHYTHM,		/* inactive: beyond factor x median interval */
	SCAN_SINGLE,		/* inactive: one purchase, long ago */
	SCAN_NO_CONTACT		/* inactive: no touch for no_contact_days */
};

/*
 * What the rules know of one client on one day: local day numbers (the
 * owner's zone), -1 for "none".
 */
struct scan_facts {
	int	 lost, potential;
	int	 cadence;		/* days (scan_cadence) */
	long	 base_day;		/* the last touch's day, else the client's creation */
	int	 touched;		/* base_day is a touch's */
	int	 waiting;		/* the last touch waited for the client */
	long	 replied_day;		/* the client answered that touch then */
	long	 next_day;		/* explicit next-contact date */
	int	 snoozed;		/* ... set by a snooze */
	long	 planned_day;		/* first planned activity on or after today */
	long	 missed_day;		/* oldest planned activity before today */
	long	 unpaid_due_day;	/* oldest unpaid invoice due before today */
	int	 purchases;		/* distinct purchase days */
	long	 last_purchase_day;
	double	 median_interval;	/* days between purchase days, 0 if < 2 */
};

/* The settings the rules read (from the configuration). */
struct scan_rules {
	int			 yellow_days;	/* working days ahead */
	int			 waiting_days;
	int			 overdue_invoice_days;
	double			 inactive_factor;
	int			 inactive_min_days;
	int			 single_purchase_days;
	int			 no_contact_days;
	const struct workdays	*days;		/* NULL: every day works */
	long			 soon, soon_of;	/* scan_rules_today()'s */
};

struct scan_verdict {
	enum scan_alert	 alert;
	enum scan_reason reason;	/* of the alert */
	long		 due_day;	/* since when it is due (red), when it will
					 * be (yellow), since when waiting (green) */
	int		 no_next_step;	/* green with no next-contact date or plan */
	int		 inactive;	/* going inactive... */
	enum scan_reason inactive_reason;	/* ...because of this */
	long		 inactive_days;	/* days since the purchase or touch */
};

void	 scan_rules_init(struct scan_rules *, const struct config *,
	    const struct workdays *);
/*
 * Owner o's working days: their own weekdays and holidays (owners.days,
 * owners.holidays) where set, else digest.days and digest.holidays.
 * *owned (caller frees, may be NULL) holds the owner's holidays that w
 * points to.  -1 on a malformed value (written behind the CLI's back).
 */
int	 scan_workdays(const struct config *, const struct owner *o, struct workdays *w,
	    long **owned, char *err, size_t errlen);
/* Work out once what scan_classify() needs for every client of one day. */
void	 scan_rules_today(struct scan_rules *, long today);
/*
 * The rules, in order (README "Who needs attention"):
 *   lost: nothing.
 *   red:    a planned activity left unclosed (missed_day); else the
 *           client answered a waiting touch (replied_day); else the next
 *           step is the explicit date and it has come (today or earlier)
 *           -- a date before any planned activity, or with none.
 *   green:  the last touch waited for the client less than waiting_days
 *           ago (due_day: its day).
 *   the next step is a planned activity (on or before the explicit date,
 *           or without one): nothing (the agenda carries it).
 *   an explicit date to come: yellow within yellow_days working days
 *           (not a snooze: that is the point of snoozing); else nothing.
 *   cadence: base_day + cadence; red when it has come, yellow within
 *           yellow_days working days.
 *   and, unless already red: red when an invoice is unpaid more than
 *           overdue_invoice_days after its due date (even while waiting).
 * Going inactive (not lost, not potential) is decided apart.
 */
void	 scan_classify(const struct scan_rules *, const struct scan_facts *, long today,
	    struct scan_verdict *);

struct scan_client {
	long long	 id;
	enum scan_alert	 alert;
	enum scan_reason reason;
	long		 due_day;	/* local day number it is/was due; for
					 * SCAN_INVOICE the day its oldest unpaid
					 * invoice passed the threshold; for
					 * SCAN_WAITING the waiting touch's day */
	long		 touch_day;	/* local day of last touch, or -1 */
	long		 created_day;	/* local day it was added, if never touched
					 * (else -1) */
	time_t		 last_touch_at;	/* 0 = never */
	int		 cadence;	/* days */
	long		 next_day;	/* next-contact date, -1 */
	long		 planned_day;	/* next planned activity, -1 */
	time_t		 replied_at;	/* SCAN_REPLIED: the answer, else 0 */
	struct {			/* SCAN_INVOICE: the oldest one overdue */
		long long	 id, cents;	/* id 0: none */
		char		 currency[4];
		long		 due_day;
		const char	*number;	/* as scan_invoice's */
	}		 invoice;
	long long	 activity_id;	/* SCAN_MISSED: the oldest one unclosed */
	int		 no_next_step;
	int		 purchases;
	long		 last_purchase_day;	/* -1 if none */
	double		 median_interval;	/* days, 0 if < 2 purchases */
	long		 days_since;	/* inactive: days since purchase/touch */
	/* Filled for listed clients only (scan_details); owned. */
	char		*name, *status, *segment, *contact, *phone, *email;
	char		*last_touch_kind, *last_outcome, *city, *reply_note;
};

struct scan_invoice {
	long long	 id, client_id;
	long long	 cents;
	char		 currency[4];
	long		 due_day;
	long		 days_overdue;
	const char	*number;	/* in the invoice cache: valid until scan_free,
					 * and while a cache given to scan_run lives */
	char		*client_name, *contact, *phone, *email;	/* owned */
};

/* A planned activity: in the agenda, or left unclosed. */
struct scan_activity {
	long long	 id, client_id;
	char		 kind[8];	/* call visit email sample survey meeting task */
	time_t		 start;
	int		 duration;	/* minutes */
	long		 day;		/* local day (owner's zone) */
	int		 all_day;	/* for that day, at no time */
	char		*tz, *client_name, *location, *note, *contact, *phone;	/* owned */
};

struct scan_list {
	struct scan_client *v;	/* owned */
	size_t		 n, cap;
	size_t		 count;	/* the clients in the list: n of them are in v,
				 * all of them unless the scan kept only the
				 * first (SCAN_TOP) */
};

/* Overdue invoices of one currency. */
struct scan_total {
	char		 currency[4];
	long long	 cents;
	size_t		 count;
};

struct scan_result {
	long long	 owner_id;
	long		 today;		/* local day number */
	long		 agenda_end;	/* the agenda covers [today, agenda_end]: today
					 * and the days off after it */
	time_t		 now;
	struct scan_list red, yellow, green, inactive;
	/* Overdue, most overdue first: all of them, or with SCAN_TOP the
	 * first `detail`; invoices_count counts them all either way. */
	struct scan_invoice *invoices;
	size_t		 ninvoices, invoices_count;
	struct scan_total *totals;	/* per currency, most owed first */
	size_t		 ntotals;
	struct scan_activity *activities;	/* the agenda, by start */
	size_t		 nactivities;
	struct scan_activity *missed;	/* left unclosed, oldest first */
	size_t		 nmissed;
	size_t		 clients;	/* clients looked at */
	struct scan_cache *own;		/* the invoices read when no cache was given */
};

/*
 * Everyone's unpaid invoices due before before_day, loaded once for a
 * scan of every owner: without it each scan_run() reads its owner's.
 * before_day must lie after every owner's "today" of the scans it serves
 * (scan_cache_day() gives that for an instant).
 */
struct scan_cache;
int	 scan_cache_load(struct store *, long before_day, struct scan_cache **,
	    char *err, size_t errlen);
void	 scan_cache_free(struct scan_cache *);
/* A before_day for scans at instants up to t, in any zone (UTC+14). */
#define scan_cache_day(t)	(clock_day_of(t) + 2)

/*
 * Scan owner's portfolio as of now, with "today" the owner's local date
 * of now.  The first `detail` entries of each list are the most urgent,
 * in order, with their details (names, contacts) filled; the rest follow
 * in no particular order (detail 0: all of them, all sorted).  With
 * detail | SCAN_TOP (and detail not 0) the client lists keep only those
 * first entries, their count counting all: what a digest shows, without
 * holding the hundreds of thousands it does not.  cache: from
 * scan_cache_load(), or NULL.
 */
#define SCAN_TOP	((size_t)1 << (sizeof(size_t) * CHAR_BIT - 1))
int	 scan_run(struct store *, const struct config *, const struct owner *,
	    time_t now, size_t detail, const struct scan_cache *cache,
	    struct scan_result *, char *err, size_t errlen);
void	 scan_free(struct scan_result *);
/* The order of the red, yellow and green lists, for qsort of struct
 * scan_client: most overdue first (due day, then id). */
int	 scan_client_cmp_due(const void *, const void *);

/*
 * Scan each owner of v[0..n) as scan_run() does, on up to 4 threads (the
 * caller's and, for the others, their own read-only connections to st's
 * database; v and cache are shared read only), and hand owner i's result
 * to fn(i, ...) on the thread that made it: fn must be thread-safe across
 * different i and must not keep the result.  day NULL: every scan at
 * clock_now(); else each owner's digest instant on that local day (its
 * digest_at in its zone).  0, or -1 with the first failure in err.
 */
typedef int (*scan_pool_fn)(size_t i, const struct owner *, const struct scan_result *,
	    void *arg, char *err, size_t errlen);
int	 scan_pool_run(struct store *, const struct config *, const struct owner *v,
	    size_t n, const long *day, size_t detail, const struct scan_cache *cache,
	    scan_pool_fn fn, void *arg, char *err, size_t errlen);

/*
 * The scan of every owner, the one loop its callers share: load the
 * active owners (or only the one whose email is `owner`, active or not),
 * ask pick (may be NULL: all) whom to scan and at which instant (*at is
 * preset to now; pick returns 1 scan, 0 skip, -1 out of memory), read everyone's overdue invoices once when more than
 * one is scanned, scan each and hand the result to fn, then call done
 * (may be NULL) with every loaded owner and the invoice cache while they
 * still exist.  i is an owner's index in the loaded array, in order.
 *
 * Serially (threads 0), owners are scanned in order in this thread; a
 * scan that failed reaches fn with r NULL and the reason in err; usec
 * holds the duration of the scan fn is given; fn returns 0 to go on, 1 to
 * stop, -1 to stop with a failure in err.  With threads, scan_pool_run
 * scans (each at clock_now(), or with day at its digest instant of that
 * local day; at is not used) and fn runs on its threads, as there.
 * 0, or -1 with the reason in err.
 */
struct scan_each {
	const char	*owner;		/* NULL: every active owner */
	time_t		 now;
	const long	*day;		/* threads only */
	size_t		 detail;	/* as scan_run */
	int		 threads;
	int		(*pick)(size_t i, const struct owner *, time_t *at, void *arg);
	int		(*fn)(size_t i, const struct owner *, const struct scan_result *r,
			    void *arg, char *err, size_t errlen);
	int		(*done)(const struct owner *v, size_t n, const struct scan_cache *,
			    void *arg, char *err, size_t errlen);
	void		*arg;
	long long	 usec;		/* out: see above */
};
int	 scan_each_owner(struct store *, const struct config *, struct scan_each *,
	    char *err, size_t errlen);

/* How a client orders (clients.orders): unknown, on its own, when visited. */
enum scan_orders { SCAN_ORDERS_UNSET, SCAN_ORDERS_SELF, SCAN_ORDERS_VISIT };

/* Cadence in days of a client (README "Who needs attention"): its own,
 * else potential_days for a potential client, else its segment's (already
 * resolved: configuration, then the segments table; 0 if none), else
 * orders_self_days or orders_visit_days by how it orders, else
 * default_days. */
int	 scan_cadence(const struct config *, int client_days, int segment_days,
	    int potential, enum scan_orders);

#endif
