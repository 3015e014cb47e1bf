/*
 * report.h - portfolio indicators for a period: revenue and growth,
 * Pareto 20/80, churn and retention, CLV and CAC, conversion, NPS,
 * receivables, activity, lifecycle stages and their flows, churn risk,
 * monthly goals, sales by product; and, one client at a time, the client
 * card, every client's stage, a salesperson's clients most at risk.
 * Every definition is written in the README and cartera(1) exactly as
 * computed here; an indicator whose denominator is zero is null ("n/a"),
 * never a division by zero.
 *
 * report_build() returns the numbers as JSON (amounts in integer cents,
 * percentages and other fractions as plain numbers with two decimals);
 * report_print() renders them as a table (money in the language's format),
 * CSV or JSON.  The CSV of pareto, clv, receivables, activity, lifecycle,
 * risk and products is their list (fixed header, even when empty); that
 * of summary, churn, nps and goals is "metric,value" rows (nested keys
 * joined with dots).  Null is an empty cell.  Reads the store only.
 */
#ifndef CARTERA_REPORT_H
#define CARTERA_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <json-c/json.h>

#include "config.h"
#include "store.h"

enum report_format { REPORT_TABLE, REPORT_CSV, REPORT_JSON };

struct report_opts {
	long		 from, to;	/* local days, inclusive */
	const char	*owner;		/* email, or NULL */
	const char	*segment, *sector, *city;
	const char	*lang;		/* "es" / "en" for words and money */
	const char	*tz;		/* zone of the local days */
	time_t		 now;
	long		 limit;		/* rows in lists; 0 = all */
	int		 unfiltered;	/* every client, report_in() unused:
					 * the filter is not read */
};

/* The i-th kind of report ("summary", "pareto", ...), NULL past the last. */
const char *report_kind(size_t i);

/* The last full month before day: *from, *to. */
void	 report_last_month(long day, long *from, long *to);
/* The month "YYYY-MM" as its first and last day: 0, or -1 if it is not one. */
int	 report_month(const char *month, long *from, long *to);

/* Caller owns *out. */
int	 report_build(struct store *, const struct config *, const char *kind,
	    const struct report_opts *, json_object **out, char *err, size_t errlen);
int	 report_print(FILE *fp, const char *kind, json_object *r, enum report_format,
	    const char *lang);

/* v rounded to `decimals` places half away from zero, as on paper: a
 * value within float error of a tie is the tie (82.35 -> 82.4, -2.5 -> -3). */
double	 report_round(double v, int decimals);

/* One value of a report as a person reads it in lang: money for *_cents,
 * percentages for *_pct with one decimal (rounded once, from the exact
 * value: 2800 / 3400 = 82.35294 % -> "82,4 %"), a sign on growth_* and
 * on the NPS score ("+25"), "n/a" for null. */
void	 report_human(const char *key, json_object *v, const char *lang, const char *currency,
	    char *out, size_t len);

/*
 * A client's card as of now in zone tz: its money ("money": revenue this
 * year, last year and ever, invoices, average ticket, purchases per year,
 * owed, overdue, last purchase), its lifecycle "stage" and, for an active
 * client, its "churn_risk" (score and reasons in lang).  Caller owns *out.
 */
int	 report_client_card(struct store *, const struct config *, long long client,
	    const char *tz, const char *lang, time_t now, json_object **out,
	    char *err, size_t errlen);
/* The card as a person reads it (labels and money in lang). */
void	 report_print_card(FILE *, json_object *card, const char *lang, const char *currency);

/* Every client's lifecycle stage today in zone tz: (*stages)[id] is an
 * enum lifecycle_stage (LC_NONE for ids with no client), *maxid + 1
 * entries, malloc'd (caller frees). */
int	 report_stages(struct store *, const struct config *, const char *tz, time_t now,
	    unsigned char **stages, long long *maxid, char *err, size_t errlen);

/*
 * The n active clients of owner_id most at risk today (score above 0,
 * highest first): a JSON array of {id, name, score, reasons}.  memo NULL
 * reads this owner's clients.  A memo made for the owners v[0..n-1]
 * serves their calls in one snapshot: the portfolio's typical rhythm is
 * read once a day per zone, and the owners of a zone holding many of them
 * have their lists from one pass over every client's history, read at the
 * first call (same lists as without it).
 */
struct report_risk_memo;
/* owners: how many the portfolio has (at least n): a zone is read in one
 * pass when the owners of v in it are 2 in 5 of them. */
struct report_risk_memo *report_risk_memo_new(const struct owner *v, size_t n, size_t owners);
void	 report_risk_memo_free(struct report_risk_memo *);
int	 report_risk_top(struct store *, const struct config *, struct report_risk_memo *,
	    long long owner_id, const char *tz, const char *lang, time_t now, long n,
	    json_object **out, char *err, size_t errlen);

/*
 * A month's goals in words (goal.c's sentences), for the month holding
 * local day `day` as of now in zone tz: a JSON array of {who, metric,
 * text}, one per target set, of owner's goals (email; who null) or, with
 * owner NULL, of everyone's and the teams' (who their name).  Caller owns.
 */
int	 report_goal_lines(struct store *, const struct config *, const char *owner, long day,
	    const char *tz, const char *lang, time_t now, json_object **out,
	    char *err, size_t errlen);
/* The revenue target (cents, -1 none) of each of the n months ending with
 * the one holding day, oldest first: owner_id's, or with 0 the goal of the
 * team of everyone (the first team made with --all). */
int	 report_goal_targets(struct store *, long long owner_id, long day, int n,
	    long long *targets, char *err, size_t errlen);

/* Revenue of each of the n months ending with the one holding day (oldest
 * first), for the monthly chart.  cents[] has n entries. */
int	 report_monthly_revenue(struct store *, const struct config *,
	    const struct report_opts *, long day, int n, long long *cents,
	    char *err, size_t errlen);

#endif
