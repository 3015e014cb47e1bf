/*
 * report.h - portfolio indicators for a period: revenue and growth,
 * Pareto 20/80, churn and retention, CLV and CAC, conversion, NPS,
 * receivables, activity.  Every definition is written in the README and
 * cartera(1) exactly as computed here; an indicator whose denominator is
 * zero is null ("n/a"), never a division by zero.
 *
 * report_build() returns the numbers as JSON (amounts in integer cents,
 * percentages and other fractions as plain numbers with two decimals);
 * report_print() renders them as a table (money in the language's format),
 * CSV or JSON.  The CSV of pareto, clv, receivables and activity is their
 * list (fixed header, even when empty); that of summary, churn and nps is
 * "metric,value" rows (nested keys joined with dots).  Null is an empty
 * cell.  Reads the store only.
 */
#ifndef CARTERA_REPORT_H
#define CARTERA_REPORT_H

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
};

/* The kinds of report, NULL-terminated ("summary", "pareto", ...). */
extern const char *const report_kinds[];

/* The last full month before day: *from, *to. */
void	 report_last_month(long day, long *from, long *to);
/* The month "YYYY-MM" as its first and last day: 0, or -1 if it is not one. */
int	 report_month(const char *month, long *from, long *to);

/* Caller owns *out. */
int	 report_build(struct store *, const struct config *, const char *kind,
	    const struct report_opts *, json_object **out, char *err, size_t errlen);
int	 report_print(FILE *fp, const char *kind, json_object *r, enum report_format,
	    const char *lang);

/* One value of a report as a person reads it in lang: money for *_cents,
 * percentages for *_pct, "n/a" for null. */
void	 report_human(const char *key, json_object *v, const char *lang, const char *currency,
	    char *out, size_t len);

/* Revenue of each of the n months ending with the one holding day (oldest
 * first), for the monthly chart.  cents[] has n entries. */
int	 report_monthly_revenue(struct store *, const struct config *,
	    const struct report_opts *, long day, int n, long long *cents,
	    char *err, size_t errlen);

#endif
