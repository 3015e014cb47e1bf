/*
 * report_priv.h - what the report files share (report.c: the frame,
 * money and activity figures and printing; report_portfolio.c: status
 * over time, churn, conversion and lifecycle stages; report_risk.c: churn
 * risk; report_sales.c: goals and products).  Not for other modules.
 */
#ifndef CARTERA_REPORT_PRIV_H
#define CARTERA_REPORT_PRIV_H

#include <time.h>

#include <json-c/json.h>

#include "config.h"
#include "jsonb.h"
#include "lifecycle.h"
#include "report.h"
#include "risk.h"
#include "store.h"

struct report_pass;

/* One report being built. */
struct rctx {
	struct store		*st;
	const struct config	*cfg;
	const struct report_opts *o;
	long long		 maxid;
	unsigned char		*in;		/* in[id]: the client passes the filters */
	time_t			 from_at, to_at;	/* [from 00:00, to+1 00:00) local */
	char			 from_s[11], to_s[11];
	long			 today;		/* local day of o->now */
	struct _icaltimezone	*zone;		/* o->tz, looked up once */
	struct report_pass	*pass;		/* status over time, once per report */
	int			 open;		/* a read transaction is open */
	struct jsonb		 jb;		/* the report's JSON allocations */
	char			*err;
	size_t			 errlen;
};

/* Set up c for the period and filters of o and open a read snapshot;
 * report_ctx_close() ends it and frees what c holds. */
int		 report_ctx_open(struct rctx *, struct store *, const struct config *,
		    const struct report_opts *, char *err, size_t errlen);
void		 report_ctx_close(struct rctx *);

/* JSON: the exact value written with two decimals (NULL if not finite);
 * num / den x 100 (NULL when den is 0).  Members are put with jsonb on
 * c->jb; report_build() fails with "out of memory" if any allocation did. */
json_object	*report_jnum(struct rctx *, double v);
json_object	*report_jpct(struct rctx *, double num, double den);

/* A zeroed byte per client id (maxid + 1), or NULL with c->err set. */
unsigned char	*report_bitmap(struct rctx *);
/* Does client id pass the filters? */
int		 report_in(const struct rctx *, long long id);
/* Revenue (report.currency) and invoices issued in [from, to] of the
 * filtered clients. */
int		 report_revenue(struct rctx *, const char *from, const char *to,
		    long long *cents, long long *count);
/* "YYYY-MM-DD" into out (11 bytes). */
void		 report_day_text(long day, char *out);
/* "id" and "name" of a client into j; -1 on a store error. */
int		 report_put_client(struct rctx *, json_object *j, long long id);
/* The clients flagged in set (up to limit; 0 = all), as id and name. */
json_object	*report_client_list(struct rctx *, const unsigned char *set, long limit);
/* The first instant of local day `day` in the report's zone. */
int		 report_day_start(struct rctx *, long day, time_t *out);

/* report_portfolio.c */
/* A client's history as read for a report, with its status facts in the
 * report's zone. */
struct report_client {
	const struct store_history	*h;
	struct lifecycle_status_facts	 sf;
};
void		 report_client_init(struct rctx *, const struct store_history *,
		    struct report_client *);
/* Status on local day `day`, whose end is the instant end. */
enum lifecycle_status report_status_on(const struct report_client *, long day, time_t end);
/* A purchase in (day - window, day]? */
int		 report_bought_within(const struct store_history *, long day, int window);
/* An active client on day: in the portfolio, not lost, and bought within
 * inactive.single_purchase_days. */
int		 report_active_on(const struct rctx *, const struct report_client *, long day,
		    time_t end);
int		 report_stage_on(struct rctx *, const struct report_client *, long day,
		    time_t end, enum lifecycle_stage *);
int		 report_churn_json(struct rctx *, json_object *r, int lists);
int		 report_conversion_json(struct rctx *, json_object *r);
int		 report_lifecycle_json(struct rctx *, json_object *r, int full);
void		 report_pass_free(struct report_pass *);
/* The lifecycle parameters of the configuration. */
void		 report_lifecycle_params(const struct config *, struct lifecycle_params *);

/* report_risk.c */
int		 report_risk_json(struct rctx *, json_object *r);
/* A client's risk factors from its history up to day (median_gap left 0). */
void		 report_risk_input(const struct store_history *, long day, struct risk_input *);
/* The typical rhythm: the median of v[n] (sorted here), else the active
 * window. */
double		 report_typical_gap(const struct config *, double *v, size_t n);
/* The first three reasons in words, joined by "; ". */
void		 report_risk_reasons(const struct risk_score *, const struct risk_input *,
		    double typical, const char *lang, const char *currency, char *out,
		    size_t len);

/* report_sales.c */
int		 report_goals_json(struct rctx *, json_object *r);
int		 report_products_json(struct rctx *, json_object *r, int list);

#endif
