/*
 * lifecycle.h - where a client stands, derived from its data, never typed.
 *
 * Two pure derivations for one client on one local day:
 *   - its status on that day (potential, active, inactive, lost) from the
 *     status it was added with, its purchases and the explicit status
 *     changes made by then, so that back-filled and imported history
 *     counts from when it happened, not from when it was typed in;
 *   - its lifecycle stage (lead, prospect, new, recurring, at risk,
 *     dormant, lost, recovered) from its purchases and touches.
 * The rules are written in README.md ("Lifecycle stages", "Reports") and
 * cartera(1) exactly as here.  No I/O, no store: callers read the facts.
 */
#ifndef CARTERA_LIFECYCLE_H
#define CARTERA_LIFECYCLE_H

#include <stddef.h>

enum lifecycle_status {
	LS_NONE,		/* not in the portfolio yet */
	LS_POTENTIAL,
	LS_ACTIVE,
	LS_INACTIVE,
	LS_LOST
};

/* What the status on a day is derived from.  Days are local day numbers;
 * -1 = none. */
struct lifecycle_status_facts {
	long		 created_day;	/* the day it was added */
	enum lifecycle_status initial;	/* the status it was added with */
	long		 first_purchase, last_purchase;	/* over all its history */
};

/* "potential", "active", ... (LS_NONE: NULL). */
const char *lifecycle_status_name(enum lifecycle_status);
/* The status word as stored ("lost") -> enum; LS_NONE if unknown. */
enum lifecycle_status lifecycle_status_parse(const char *);

/*
 * Status of a client on local day `day`.  explicit: the newest explicit
 * status change (an edit, not the status it was added with) made by the
 * end of that day, or LS_NONE if there is none; it wins.  Otherwise:
 *   - it is in the portfolio from the day it was added or its first
 *     purchase, whichever is earlier (LS_NONE before);
 *   - added as potential: potential until its first purchase, active from
 *     that day on (buying converts);
 *   - added as lost: lost from the day after its last purchase if that
 *     purchase was dated before the day it was added (an imported lost
 *     client was lost once it stopped buying), else from the day it was
 *     added; active before;
 *   - added as active or inactive: that status.
 */
enum lifecycle_status lifecycle_status_on(const struct lifecycle_status_facts *, long day,
	    enum lifecycle_status explicit);

enum lifecycle_stage {
	LC_NONE,		/* not in the portfolio yet */
	LC_LEAD,		/* no purchase, never contacted */
	LC_PROSPECT,		/* no purchase, contacted */
	LC_NEW,			/* first purchase within new_days */
	LC_RECURRING,		/* buys again, on its rhythm */
	LC_AT_RISK,		/* late against its own rhythm */
	LC_DORMANT,		/* no purchase within the active window */
	LC_LOST,		/* status lost */
	LC_RECOVERED,		/* bought again after a dormant gap, lately */
	LC_COUNT
};

struct lifecycle_params {
	int	 new_days;	/* lifecycle.new_days */
	int	 window_days;	/* inactive.single_purchase_days: bought within
				 * it = an active client in the reports */
	double	 factor;	/* inactive.factor */
	int	 min_days;	/* inactive.min_days */
};

/* Facts of a client as of one day (purchases and touches up to it). */
struct lifecycle_facts {
	enum lifecycle_status status;	/* lifecycle_status_on() that day */
	int	 touched;		/* at least one touch by then */
	long	 purchases;		/* distinct purchase days by then */
	long	 first, last, prev;	/* first and last purchase day, and the
					 * one before the last; -1 = none */
	double	 median_gap;		/* median days between purchase days
					 * (0 with fewer than two) */
};

/*
 * Stage on local day `day`, the first rule that holds:
 *   none      not in the portfolio (status LS_NONE);
 *   lost      status lost;
 *   lead      no purchase and no touch;  prospect  no purchase, touched;
 *   dormant   last purchase window_days or more ago;
 *   new       first purchase fewer than new_days ago;
 *   at_risk   two or more purchase days and the days since the last
 *             exceed factor x the median gap and min_days; or a single
 *             purchase more than min_days ago;
 *   recovered the gap before its last purchase was window_days or more
 *             (it had gone dormant) and that purchase is fewer than
 *             new_days ago;
 *   recurring otherwise.
 */
enum lifecycle_stage lifecycle_stage(const struct lifecycle_facts *, long day,
	    const struct lifecycle_params *);

/* "lead", "at_risk", ... (stable codes for JSON, CSV, --stage). */
const char *lifecycle_name(enum lifecycle_stage);
/* Spanish or English word ("en riesgo", "at risk"). */
const char *lifecycle_label(enum lifecycle_stage, const char *lang);
/* A code or a Spanish or English word (any case, accents optional) ->
 * stage; -1 if unknown. */
int	 lifecycle_parse(const char *);

/* Median of the gaps between consecutive days of a sorted list of n
 * distinct days into *out (0 if n < 2; the mean of the middle two for an
 * even number of gaps, as the store's purchase rhythm).  0, or -1 when
 * out of memory. */
int	 lifecycle_median_gap(const long *days, size_t n, double *out);

#endif
