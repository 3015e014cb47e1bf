/*
 * risk.h - churn risk of an active client: a score from 0 to 100 made of
 * points for reasons a salesperson can check and act on, each from the
 * client's own history as of one day:
 *
 *   late      days since its last purchase against its own rhythm (the
 *             median gap between its purchase days; with one purchase,
 *             the portfolio's typical gap): 45 x (1 - expected / days
 *             since) when it is late, else 0;
 *   frequency purchase days in the last 91 and 182 days against the rate
 *             of the 365 days before those 182 (when it bought on two or
 *             more days then): 15 x the mean of the two drops, a drop
 *             being 1 - recent rate / earlier rate, at least 0;
 *   amount    the same with revenue: 10 x the mean of the two drops;
 *   nps       its latest answer within 365 days, if a detractor (0-6):
 *             15 x (7 - score) / 7;
 *   overdue   unpaid invoices past due: 5 + 10 x min(1, days the oldest
 *             is past due / 90);
 *   missed    activities still planned for before the day (not done, not
 *             cancelled), plus touches answered "no-answer" in the last 91
 *             days: 3 per each, at most 10.
 *
 * The score is the sum, at most 100, rounded half away from zero; the
 * reasons are the factors worth at least one point, largest first (ties
 * in the order above).  Pure: numbers in, numbers and words out.
 */
#ifndef CARTERA_RISK_H
#define CARTERA_RISK_H

#include <stddef.h>

enum risk_factor {
	RISK_LATE,
	RISK_FREQUENCY,
	RISK_AMOUNT,
	RISK_NPS,
	RISK_OVERDUE,
	RISK_MISSED,
	RISK_FACTORS
};

#define RISK_RECENT_SHORT	91	/* "last 3 months" */
#define RISK_RECENT_LONG	182	/* "last 6 months" */
#define RISK_BEFORE		365	/* "the year before" them */

/* A client's history as of local day `day` (nothing after it counts). */
struct risk_input {
	long		 day;
	long		 last_purchase;		/* day, -1 none */
	long		 purchase_days;		/* distinct days, up to day */
	double		 median_gap;		/* days; 0 with fewer than 2 */
	int		 buys_short, buys_long, buys_before;	/* purchase days in
				 * (day-91, day], (day-182, day], and the 365
				 * days before (day-182] */
	long long	 cents_short, cents_long, cents_before;	/* revenue, same spans */
	int		 nps;			/* latest answer within 365 days, -1 none */
	long		 nps_day;
	int		 overdue;		/* unpaid invoices due before day */
	long long	 overdue_cents;
	long		 overdue_days;		/* the oldest's days past due */
	int		 missed;
};

struct risk_reason {
	enum risk_factor factor;
	double		 points;
};

struct risk_score {
	int		 score;			/* 0-100 */
	double		 points[RISK_FACTORS];
	struct risk_reason reasons[RISK_FACTORS];	/* worth >= 1 point, largest first */
	int		 nreasons;
};

/* typical_gap: expected days between purchases of a client that bought
 * once (the caller's choice: the median of the portfolio's rhythms). */
void	 risk_score(const struct risk_input *, double typical_gap, struct risk_score *);

/* "late", "frequency", ... (stable codes for JSON and CSV). */
const char *risk_factor_name(enum risk_factor);

/* One reason in words, with the client's figures: "sin comprar hace 120
 * días; suele hacerlo cada 30".  Money in currency. */
void	 risk_reason_text(enum risk_factor, const struct risk_input *, double typical_gap,
	    const char *lang, const char *currency, char *out, size_t len);

#endif
