/*
 * goal.h - progress towards a monthly goal and where the current pace
 * leads, counted in working days.
 *
 * For a month [first, last] seen on local day `today`:
 *   working days   the days of the month the working-day rule accepts;
 *   elapsed        working days of the month before today (all of them
 *                  once the month is over, none before it starts);
 *   remaining      working days - elapsed (today counts as remaining);
 *   progress       actual / target x 100 (n/a without a target);
 *   at this pace   actual x working days / elapsed, and that / target x
 *                  100 (n/a while no working day has elapsed); once the
 *                  month is over, the actual.
 * Percentages are rounded half away from zero when shown.  Pure.
 */
#ifndef CARTERA_GOAL_H
#define CARTERA_GOAL_H

#include <stddef.h>

enum goal_metric {
	GOAL_REVENUE,		/* cents */
	GOAL_NEW_CLIENTS,
	GOAL_VISITS,
	GOAL_CALLS,
	GOAL_METRICS
};

/* Is local day `day` a working day?  1 / 0. */
typedef int (*goal_workday_fn)(long day, void *arg);
/* Monday to Friday (for callers without a working-day rule). */
int	 goal_weekday(long day, void *arg);

struct goal_progress {
	long long	 target, actual;	/* target 0 = none */
	int		 working, elapsed, remaining;
	int		 has_pct, has_projection;
	double		 pct;			/* actual / target x 100 */
	double		 projected;		/* actual at this pace, end of month */
	double		 projected_pct;
};

void	 goal_progress(long long actual, long long target, long first, long last, long today,
	    goal_workday_fn, void *arg, struct goal_progress *);

/* "revenue", "new_clients", "visits", "calls". */
const char *goal_metric_name(enum goal_metric);

/*
 * The digest's line: "Objetivo de diciembre: 62 % de 10.000 €, quedan 12
 * días laborables; al ritmo actual, 84 %" / "December goal: 62 % of
 * €10,000, 12 working days left; at this pace, 84 %".  For a metric other
 * than revenue the target reads "de 3 clientes nuevos" / "of 3 new
 * clients" (visitas, llamadas).  month 1-12.  Money in currency, whole
 * amounts without cents.
 */
void	 goal_sentence(enum goal_metric, const struct goal_progress *, int month,
	    const char *lang, const char *currency, char *out, size_t len);

/* Money without ",00" when whole: "10.000 €", "€10,000", "1.234,50 €". */
void	 goal_money(const char *lang, long long cents, const char *currency, char *out,
	    size_t len);

#endif
