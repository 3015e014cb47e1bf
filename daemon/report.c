/*
 * report.c - compute portfolio indicators with a few set-based queries
 * and bitmaps of client ids.  Status over time, churn, conversion and
 * lifecycle stages are in report_portfolio.c, churn risk in report_risk.c,
 * goals and products in report_sales.c, the client card in report_card.c;
 * report_print.c prints them all.
 *
 * Definitions (also in README.md, "Reports"):
 *   period                   local days [from, to] in the zone of --owner
 *                            (else digest.default_timezone); instants
 *                            (touches, status changes) count from "from"
 *                            00:00 to the day after "to", 00:00, local;
 *   filters                  owner, segment, sector, city (the last two
 *                            ignoring case) select clients; every count
 *                            and sum below is over those clients except
 *                            CAC;
 *   status on day D          from the data (lifecycle_status_on()): the
 *                            newest explicit status change by the end of
 *                            D; before the first, from the day it was
 *                            added or its first purchase, whichever is
 *                            earlier: potential until it buys, lost from
 *                            the day after its last purchase when added
 *                            lost later, else the status it was added with;
 *   client active on day D   in the portfolio, status on D is not "lost",
 *                            and it bought in the
 *                            inactive.single_purchase_days days up to D
 *                            (D - days < issued <= D);
 *   clients at start / end   active on the day before the period / its last day;
 *   new clients              first purchase ever inside the period;
 *   lost clients             clients at start whose status on the last day
 *                            is "lost" (one that only stopped buying is not
 *                            lost, just not a client at the end);
 *   churn rate               lost / at start x 100;
 *   retention rate           (at end - new) / at start x 100;
 *   revenue                  invoices issued in the period (report.currency);
 *   average order value      revenue / invoices;
 *   growth                   (revenue - earlier) / earlier x 100, against
 *                            the period just before and the same period a
 *                            year earlier: for whole calendar months, as
 *                            many whole months just before and the same
 *                            months a year earlier; otherwise as many days
 *                            just before and the same dates a year earlier
 *                            (29 February: the 28th);
 *   Pareto                   the clients with a positive revenue in the
 *                            period, ranked by it (ties: lower id first);
 *                            the top is the fewest of them whose revenue
 *                            reaches 80 % of theirs; its share of them and
 *                            of their revenue; cumulative % down the list;
 *   conversion rate          clients potential the day before the period
 *                            or that became potential in it, and whose
 *                            status went from potential to active in it or
 *                            that made their first purchase in it / those
 *                            potential clients x 100;
 *   CLV of a client          average purchase x purchases per year x
 *                            expected years - CAC, for every client with a
 *                            purchase (as of now, not only the period's):
 *                            average purchase = its revenue ever
 *                            (report.currency) / its purchase days;
 *                            lifetime = first purchase day to the last, or
 *                            to today if active today, in years of 365.25
 *                            days; purchases per year = purchase days /
 *                            lifetime (a lifetime under a year counts as
 *                            one); expected years = mean lifetime of those
 *                            clients, at least 1, at most
 *                            report.lifetime_cap_years; rounded to a cent;
 *   average CLV              mean CLV of those clients, rounded to a cent;
 *   CAC                      marketing + sales costs not tied to a client,
 *                            of the months the period touches / clients
 *                            whose first purchase ever is in the period,
 *                            rounded to a cent; company-wide (costs are not
 *                            per salesperson: no filter applies); n/a, and
 *                            nothing subtracted from CLV, when either is 0;
 *   NPS                      % promoters (9-10) - % detractors (0-6) of the
 *                            responses dated in the period, a whole number
 *                            (tables sign it: +25);
 *   receivables              invoices (report.currency) issued by the last
 *                            day and unpaid at its end; overdue = due
 *                            before the last day, aged in days past due on
 *                            it (0-30, 31-60, 61-90, 90+); top debtors by
 *                            amount owed (ties: lower id); DSO = owed /
 *                            revenue x days of the period;
 *   activity                 touches logged in the period, by the
 *                            salesperson who logged them ("-": nobody) and
 *                            kind; red / yellow / green as of now (scan.h),
 *                            each / clients passing the filters (any
 *                            status) x 100, due, not contacted = red: only
 *                            for a period that has not ended;
 *                            revenue per client = revenue / those clients;
 *                            revenue per touch = revenue / touches;
 *   profitability            clients with costs tied to them (any kind) in
 *                            the period's months: revenue in the period -
 *                            those costs; margin = profit / revenue x 100.
 * Where a denominator is zero the indicator is null (JSON null, an empty
 * CSV cell, "n/a" in a table), never a division by zero.  Percentages and
 * other fractional values are rounded half away from zero, once, from the
 * exact value: two decimals in JSON and CSV, one in tables.
 * Only reads the store.
 */
#include "build.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "clock.h"
#include "i18n.h"
#include "lifecycle.h"
#include "nls.h"
#include "output.h"
#include "record.h"
#include "report.h"
#include "report_priv.h"
#include "scan.h"
#include "tz.h"


void
report_last_month(long day, long *from, long *to)
{
	int y, m, d;

	clock_days_to_date(day, &y, &m, &d);
	*to = clock_date_to_days(y, m, 1) - 1;
	clock_days_to_date(*to, &y, &m, &d);
	*from = clock_date_to_days(y, m, 1);
}

int
report_month(const char *month, long *from, long *to)
{
	char d[16];
	long m1;
	int y, m, dd;

	snprintf(d, sizeof(d), "%.7s-01", month);
	if (strlen(month) != 7 || clock_date_parse(d, &m1) == -1)
		return -1;
	clock_days_to_date(m1, &y, &m, &dd);
	*from = m1;
	*to = (m == 12 ? clock_date_to_days(y + 1, 1, 1) : clock_date_to_days(y, m + 1, 1)) - 1;
	return 0;
}

double
report_round(double v, int decimals)
{
	double p = pow(10, decimals), x = fabs(v) * p, r;

	if (!isfinite(v))
		return v;
	/* A value a few units in the last place below a tie (82.35 stored as
	 * 82.34999...) is the tie, as on paper. */
	r = floor(x + 0.5 + x * 1e-12 + 1e-12) / p;
	return r == 0 ? 0.0 : copysign(r, v);
}

/*
 * A fractional value: the exact number, written with two decimals rounded
 * half away from zero ("82.35", not "82.35294117647059"), so that a table
 * rounds the exact value once more to one decimal, not the rounded one;
 * NULL (n/a) if not finite.
 */
json_object *
report_jnum(struct rctx *c, double v)
{
	char s[64];

	if (!isfinite(v))
		return NULL;
	snprintf(s, sizeof(s), "%.2f", report_round(v, 2));
	return jsonb_new_double_s(&c->jb, v + 0.0, s);
}

json_object *
report_jpct(struct rctx *c, double num, double den)
{
	return den != 0 ? report_jnum(c, num / den * 100) : NULL;
}

unsigned char *
report_bitmap(struct rctx *c)
{
	unsigned char *b = calloc((size_t)c->maxid + 1, 1);

	if (b == NULL)
		snprintf(c->err, c->errlen, _("out of memory"));
	return b;
}

/* store_client_ids' callback: flag a client in the bitmap. */
static int
flag_client(long long id, void *arg)
{
	struct rctx *c = arg;

	if (id > 0 && id <= c->maxid)
		c->in[id] = 1;
	return 0;
}

/* Which clients pass the owner/segment/sector/city filters. */
static int
load_filter(struct rctx *c)
{
	struct client_filter f = { .owner = c->o->owner, .segment = c->o->segment,
	    .sector = c->o->sector, .city = c->o->city };

	if (store_client_max_id(c->st, &c->maxid, c->err, c->errlen) == -1)
		return -1;
	if (c->o->unfiltered)
		return 0;
	if ((c->in = report_bitmap(c)) == NULL)
		return -1;
	return store_client_ids(c->st, &f, flag_client, c, c->err, c->errlen);
}

int
report_in(const struct rctx *c, long long id)
{
	return id > 0 && id <= c->maxid && c->in != NULL && c->in[id];
}

struct revenue_sum {
	const struct rctx	*c;
	long long		*cents, *count;
};

static int
add_revenue(long long client, long long cents, const char *day, void *arg)
{
	struct revenue_sum *r = arg;

	(void)day;
	if (report_in(r->c, client)) {
		*r->cents += cents;
		(*r->count)++;
	}
	return 0;
}

/* Revenue and invoice count, issued in [from, to] (text days). */
int
report_revenue(struct rctx *c, const char *from, const char *to, long long *cents, long long *count)
{
	struct revenue_sum r = { c, cents, count };

	*cents = *count = 0;
	return store_report_revenue(c->st, from, to, c->cfg->report.currency, 0, add_revenue,
	    &r, c->err, c->errlen);
}

void
report_day_text(long day, char *out)
{
	clock_date_format(day, out, 11);
}

int
report_day_start(struct rctx *c, long day, time_t *out)
{
	if (tz_day_start(c->o->tz, day, out) == -1) {
		snprintf(c->err, c->errlen, _("unknown time zone \"%s\""), c->o->tz);
		return -1;
	}
	return 0;
}

/* Shift a day by whole years (29 February becomes 28). */
static long
years_back(long day, int years)
{
	int y, m, d;

	clock_days_to_date(day, &y, &m, &d);
	y -= years;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		d = 28;
	return clock_date_to_days(y, m, d);
}

/* The first day of month m of year y; m may be out of 1..12. */
static long
month_start(int y, int m)
{
	for (; m < 1; m += 12)
		y--;
	for (; m > 12; m -= 12)
		y++;
	return clock_date_to_days(y, m, 1);
}

/*
 * The periods growth compares with (see the definitions): previous [pf, pt]
 * and a year earlier [yf, yt].  Whole calendar months compare with whole
 * months, so that March is measured against February, not against the 31
 * days from 29 January.
 */
static void
earlier_periods(const struct report_opts *o, long *pf, long *pt, long *yf, long *yt)
{
	int fy, fm, fd, ty, tm, td, y2, m2, d2;

	clock_days_to_date(o->from, &fy, &fm, &fd);
	clock_days_to_date(o->to, &ty, &tm, &td);
	clock_days_to_date(o->to + 1, &y2, &m2, &d2);
	if (fd == 1 && d2 == 1) {
		int months = (ty * 12 + tm) - (fy * 12 + fm) + 1;
		*pf = month_start(fy, fm - months);
		*pt = o->from - 1;
		*yf = month_start(fy - 1, fm);
		*yt = month_start(ty - 1, tm + 1) - 1;
	} else {
		long len = o->to - o->from + 1;
		*pf = o->from - len;
		*pt = o->from - 1;
		*yf = years_back(o->from, 1);
		*yt = years_back(o->to, 1);
	}
}

static int
revenue_json(struct rctx *c, json_object *r)
{
	long long cents, n, pc, pn, yc, yn;
	long pfd, ptd, yfd, ytd;
	char pf[11], pt[11], yf[11], yt[11];

	earlier_periods(c->o, &pfd, &ptd, &yfd, &ytd);
	report_day_text(pfd, pf);
	report_day_text(ptd, pt);
	report_day_text(yfd, yf);
	report_day_text(ytd, yt);
	if (report_revenue(c, c->from_s, c->to_s, &cents, &n) == -1 ||
	    report_revenue(c, pf, pt, &pc, &pn) == -1 || report_revenue(c, yf, yt, &yc, &yn) == -1)
		return -1;
	jsonb_int(&c->jb, r, "revenue_cents", cents);
	jsonb_int(&c->jb, r, "invoices", n);
	jsonb_put(&c->jb, r, "average_order_cents", n ? report_jnum(c, (double)cents / (double)n) : NULL);
	jsonb_int(&c->jb, r, "previous_period_cents", pc);
	jsonb_put(&c->jb, r, "growth_vs_previous_pct", pc ? report_jnum(c, (double)(cents - pc) / (double)pc * 100) : NULL);
	jsonb_int(&c->jb, r, "last_year_cents", yc);
	jsonb_put(&c->jb, r, "growth_vs_last_year_pct", yc ? report_jnum(c, (double)(cents - yc) / (double)yc * 100) : NULL);
	return 0;
}

/*
 * Put a client's "id" and "name" into j (the name null if the client is
 * gone); -1 if it could not be read (c->err says why).
 */
int
report_put_client(struct rctx *c, json_object *j, long long id)
{
	char *name = NULL;
	int rc;

	jsonb_int(&c->jb, j, "id", id);
	if ((rc = store_client_name(c->st, id, &name, c->err, c->errlen)) == -1)
		return -1;
	jsonb_str(&c->jb, j, "name", name);
	free(name);
	return 0;
}

/* A short list of client names for ids flagged in set (up to limit). */
json_object *
report_client_list(struct rctx *c, const unsigned char *set, long limit)
{
	json_object *a = jsonb_array(&c->jb);
	long n = 0;

	for (long long id = 1; id <= c->maxid && (limit == 0 || n < limit); id++) {
		json_object *j;

		if (!set[id])
			continue;
		j = jsonb_object(&c->jb);
		if (report_put_client(c, j, id) == -1) {
			json_object_put(j);
			break;
		}
		jsonb_append(&c->jb, a, j);
		n++;
	}
	return a;
}

struct nps_count {
	const struct rctx	*c;
	long long		 prom, pas, det;
};

static int
add_nps(long long client, long long score, const char *day, void *arg)
{
	struct nps_count *k = arg;

	(void)day;
	if (!report_in(k->c, client))
		return 0;
	if (score >= 9)
		k->prom++;
	else if (score >= 7)
		k->pas++;
	else
		k->det++;
	return 0;
}

static int
nps_json(struct rctx *c, json_object *r)
{
	struct nps_count k = { c, 0, 0, 0 };
	long long prom, pas, det, n;

	if (store_report_nps(c->st, c->from_s, c->to_s, add_nps, &k, c->err, c->errlen) != 0)
		return -1;
	prom = k.prom;
	pas = k.pas;
	det = k.det;
	n = prom + pas + det;
	jsonb_int(&c->jb, r, "responses", n);
	jsonb_int(&c->jb, r, "promoters", prom);
	jsonb_int(&c->jb, r, "passives", pas);
	jsonb_int(&c->jb, r, "detractors", det);
	/* A score from -100 to +100, rounded to a whole number. */
	jsonb_put(&c->jb, r, "nps", n ? jsonb_new_int(&c->jb, (long long)report_round(
	    (double)(prom - det) * 100 / (double)n, 0)) : NULL);
	return 0;
}

/* Acquisition cost of the months the period touches. */
static int
acquisition_cost(struct rctx *c, long long *cents)
{
	char a[8], b[8];

	snprintf(a, sizeof(a), "%.7s", c->from_s);
	snprintf(b, sizeof(b), "%.7s", c->to_s);
	return store_report_acquisition_cost(c->st, a, b, cents, c->err, c->errlen);
}

struct clv_row {
	long long	 id, revenue, clv;
	int		 purchases;
	double		 per_year, avg;
};

static int
cmp_clv(const void *a, const void *b)
{
	const struct clv_row *x = a, *y = b;

	if (x->clv != y->clv)
		return x->clv > y->clv ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

struct clv_rows {
	const struct rctx	*c;
	struct clv_row		*v;
	size_t			 n, cap;
	long			 today;
	double			 life_sum;
};

static int
add_clv(const struct store_buyer *b, void *arg)
{
	struct clv_rows *k = arg;
	const struct rctx *c = k->c;
	long first, last, endday;
	struct clv_row *row;
	double years;
	int active;

	if (!report_in(c, b->id))
		return 0;
	if (clock_date_parse(b->first_purchase, &first) == -1 ||
	    clock_date_parse(b->last_purchase, &last) == -1)
		return 0;
	if (k->n == k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 256;
		struct clv_row *nv = reallocarray(k->v, ncap, sizeof(*nv));
		if (nv == NULL)
			return 1;	/* out of memory */
		k->v = nv;
		k->cap = ncap;
	}
	row = &k->v[k->n++];
	row->id = b->id;
	row->purchases = b->purchases;
	row->revenue = b->revenue;
	row->avg = (double)row->revenue / row->purchases;
	/* Active today (not lost, bought lately): the lifetime runs to
	 * today; a purchase dated after today ends it there. */
	active = (b->status == NULL || strcmp(b->status, "lost") != 0) &&
	    k->today - last < c->cfg->inactive.single_purchase_days;
	endday = active && k->today > last ? k->today : last;
	years = (endday - first) / 365.25;
	k->life_sum += years;
	row->per_year = row->purchases / (years > 1 ? years : 1);
	return 0;
}

static int
clv_json(struct rctx *c, json_object *r, int list)
{
	struct clv_rows k = { .c = c };
	struct clv_row *v;
	size_t n;
	double life_sum, expected, cap_years = c->cfg->report.lifetime_cap_years;
	long long cost, newc = 0, sum = 0, cac = -1;
	int rc;

	tz_local_day(c->o->tz, c->o->now, &k.today, NULL);
	rc = store_report_buyers(c->st, c->cfg->report.currency, add_clv, &k, c->err,
	    c->errlen);
	v = k.v;
	n = k.n;
	life_sum = k.life_sum;
	if (rc != 0) {
		if (rc == 1)
			snprintf(c->err, c->errlen, _("out of memory"));
		free(v);
		return -1;
	}
	expected = n ? life_sum / (double)n : 0;
	if (expected > cap_years)
		expected = cap_years;
	if (expected < 1 && n > 0)
		expected = 1;
	/* New clients company-wide, like the costs: no filter (see the
	 * definitions). */
	if (acquisition_cost(c, &cost) == -1 ||
	    store_report_new_clients(c->st, c->from_s, c->to_s, &newc, c->err,
	    c->errlen) == -1) {
		free(v);
		return -1;
	}
	if (cost > 0 && newc > 0)
		cac = llround((double)cost / (double)newc);
	for (size_t i = 0; i < n; i++) {
		v[i].clv = llround(v[i].avg * v[i].per_year * expected) - (cac > 0 ? cac : 0);
		sum += v[i].clv;
	}
	jsonb_put(&c->jb, r, "expected_years", report_jnum(c, expected));
	jsonb_int(&c->jb, r, "acquisition_cost_cents", cost);
	jsonb_int(&c->jb, r, "new_clients", newc);
	jsonb_put(&c->jb, r, "cac_cents", cac >= 0 ? jsonb_new_int(&c->jb, cac) : NULL);
	jsonb_put(&c->jb, r, "average_clv_cents", n ? jsonb_new_int(&c->jb, llround((double)sum / (double)n)) : NULL);
	jsonb_int(&c->jb, r, "clients", (long long)n);
	if (list) {
		json_object *a = jsonb_array(&c->jb);
		if (n > 1)	/* qsort(NULL, 0, ...) is undefined */
			qsort(v, n, sizeof(*v), cmp_clv);
		for (size_t i = 0; i < n && (c->o->limit == 0 || (long)i < c->o->limit); i++) {
			json_object *j = jsonb_object(&c->jb);

			report_put_client(c, j, v[i].id);
			jsonb_int(&c->jb, j, "purchases", v[i].purchases);
			jsonb_int(&c->jb, j, "revenue_cents", v[i].revenue);
			jsonb_put(&c->jb, j, "average_purchase_cents", report_jnum(c, v[i].avg));
			jsonb_put(&c->jb, j, "purchases_per_year", report_jnum(c, v[i].per_year));
			jsonb_int(&c->jb, j, "clv_cents", v[i].clv);
			jsonb_append(&c->jb, a, j);
		}
		jsonb_put(&c->jb, r, "clients_by_clv", a);
	}
	free(v);
	return 0;
}

struct rev_row {
	long long	 id, cents;
};

static int
cmp_rev(const void *a, const void *b)
{
	const struct rev_row *x = a, *y = b;

	if (x->cents != y->cents)
		return x->cents > y->cents ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

struct rev_rows {
	const struct rctx	*c;
	struct rev_row		*v;
	size_t			 n, cap;
	long long		 total;
};

static int
add_rev(long long id, long long cents, const char *day, void *arg)
{
	struct rev_rows *k = arg;

	(void)day;
	if (!report_in(k->c, id) || cents <= 0)
		return 0;
	if (k->n == k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 256;
		struct rev_row *nv = reallocarray(k->v, ncap, sizeof(*nv));
		if (nv == NULL)
			return 1;	/* out of memory */
		k->v = nv;
		k->cap = ncap;
	}
	k->v[k->n].id = id;
	k->v[k->n].cents = cents;
	k->total += cents;
	k->n++;
	return 0;
}

static int
pareto_json(struct rctx *c, json_object *r, int list)
{
	struct rev_rows k = { .c = c };
	struct rev_row *v;
	size_t n, top = 0;
	long long total, cum = 0;
	int rc;

	rc = store_report_revenue(c->st, c->from_s, c->to_s, c->cfg->report.currency, 1,
	    add_rev, &k, c->err, c->errlen);
	v = k.v;
	n = k.n;
	total = k.total;
	if (rc != 0) {
		if (rc == 1)
			snprintf(c->err, c->errlen, _("out of memory"));
		free(v);
		return -1;
	}
	if (n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(v, n, sizeof(*v), cmp_rev);
	/* The fewest clients whose revenue reaches 80 %: cum * 5 >= total * 4. */
	for (top = 0; top < n && cum * 5 < total * 4; top++)
		cum += v[top].cents;
	jsonb_int(&c->jb, r, "revenue_cents", total);
	jsonb_int(&c->jb, r, "buying_clients", (long long)n);
	jsonb_int(&c->jb, r, "top_clients", (long long)top);
	jsonb_put(&c->jb, r, "top_share_of_clients_pct", report_jpct(c, (double)top, (double)n));
	jsonb_put(&c->jb, r, "top_share_of_revenue_pct", report_jpct(c, (double)cum, (double)total));
	if (list) {
		json_object *a = jsonb_array(&c->jb);
		cum = 0;
		for (size_t i = 0; i < n && (c->o->limit == 0 || (long)i < c->o->limit); i++) {
			json_object *j = jsonb_object(&c->jb);

			cum += v[i].cents;
			jsonb_int(&c->jb, j, "rank", (long long)i + 1);
			report_put_client(c, j, v[i].id);
			jsonb_int(&c->jb, j, "revenue_cents", v[i].cents);
			jsonb_put(&c->jb, j, "share_pct", report_jpct(c, (double)v[i].cents, (double)total));
			jsonb_put(&c->jb, j, "cumulative_pct", report_jpct(c, (double)cum, (double)total));
			jsonb_bool(&c->jb, j, "in_top", i < top);
			jsonb_append(&c->jb, a, j);
		}
		jsonb_put(&c->jb, r, "clients", a);
	}
	free(v);
	return 0;
}

struct debtor {
	long long	 id, owed, overdue;
	long		 oldest;
};

static int
cmp_debtor(const void *a, const void *b)
{
	const struct debtor *x = a, *y = b;

	if (x->owed != y->owed)
		return x->owed > y->owed ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

struct debtors {
	const struct rctx	*c;
	struct debtor		*v;
	size_t			 n, cap;
	long long		 owed, overdue, b[4];
};

static int
add_owed(long long id, long long cents, const char *due_text, void *arg)
{
	struct debtors *k = arg;
	long due, days;

	if (!report_in(k->c, id) || clock_date_parse(due_text, &due) == -1)
		return 0;
	if (k->n == 0 || k->v[k->n - 1].id != id) {
		if (k->n == k->cap) {
			size_t ncap = k->cap ? k->cap * 2 : 64;
			struct debtor *nv = reallocarray(k->v, ncap, sizeof(*nv));
			if (nv == NULL)
				return 1;	/* out of memory */
			k->v = nv;
			k->cap = ncap;
		}
		memset(&k->v[k->n], 0, sizeof(k->v[k->n]));
		k->v[k->n++].id = id;
	}
	k->owed += cents;
	k->v[k->n - 1].owed += cents;
	days = k->c->o->to - due;
	if (days > 0) {
		k->overdue += cents;
		k->v[k->n - 1].overdue += cents;
		if (days > k->v[k->n - 1].oldest)
			k->v[k->n - 1].oldest = days;
		k->b[days <= 30 ? 0 : days <= 60 ? 1 : days <= 90 ? 2 : 3] += cents;
	}
	return 0;
}

static int
receivables_json(struct rctx *c, json_object *r, int list)
{
	struct debtors k = { .c = c };
	long long owed, overdue, *b = k.b, rev, cnt;
	struct debtor *v;
	size_t n;
	long len = c->o->to - c->o->from + 1;
	json_object *bk;
	int rc;

	rc = store_report_owed(c->st, c->to_s, c->cfg->report.currency, add_owed, &k, c->err,
	    c->errlen);
	v = k.v;
	n = k.n;
	owed = k.owed;
	overdue = k.overdue;
	if (rc != 0) {
		if (rc == 1)
			snprintf(c->err, c->errlen, _("out of memory"));
		free(v);
		return -1;
	}
	if (report_revenue(c, c->from_s, c->to_s, &rev, &cnt) == -1) {
		free(v);
		return -1;
	}
	jsonb_int(&c->jb, r, "owed_cents", owed);
	jsonb_int(&c->jb, r, "overdue_cents", overdue);
	bk = jsonb_object(&c->jb);
	jsonb_int(&c->jb, bk, "0-30", b[0]);
	jsonb_int(&c->jb, bk, "31-60", b[1]);
	jsonb_int(&c->jb, bk, "61-90", b[2]);
	jsonb_int(&c->jb, bk, "90+", b[3]);
	jsonb_put(&c->jb, r, "overdue_by_age_cents", bk);
	jsonb_put(&c->jb, r, "dso_days", rev ? report_jnum(c, (double)owed / (double)rev * (double)len) : NULL);
	if (list) {
		json_object *a = jsonb_array(&c->jb);
		if (n > 1)	/* qsort(NULL, 0, ...) is undefined */
			qsort(v, n, sizeof(*v), cmp_debtor);
		for (size_t i = 0; i < n && (c->o->limit == 0 || (long)i < c->o->limit); i++) {
			json_object *j = jsonb_object(&c->jb);

			report_put_client(c, j, v[i].id);
			jsonb_int(&c->jb, j, "owed_cents", v[i].owed);
			jsonb_int(&c->jb, j, "overdue_cents", v[i].overdue);
			jsonb_int(&c->jb, j, "oldest_overdue_days", v[i].oldest);
			jsonb_append(&c->jb, a, j);
		}
		jsonb_put(&c->jb, r, "top_debtors", a);
	}
	free(v);
	return 0;
}

struct by_owner {
	char		*owner;
	long long	 k[RECORD_TOUCH_KINDS], total;
};

static int
cmp_by_owner(const void *a, const void *b)
{
	return strcmp(((const struct by_owner *)a)->owner, ((const struct by_owner *)b)->owner);
}

struct touch_count {
	const struct rctx	*c;
	struct by_owner		*by;
	size_t			 nby;
	long long		 touches;
};

static int
add_touch(long long client, const char *kind, const char *em, void *arg)
{
	struct touch_count *t = arg;
	size_t i;

	if (!report_in(t->c, client))
		return 0;
	t->touches++;
	if (em == NULL)
		em = "-";
	for (i = 0; i < t->nby && strcmp(t->by[i].owner, em) != 0; i++)
		;
	if (i == t->nby) {
		struct by_owner *nv = reallocarray(t->by, t->nby + 1, sizeof(*t->by));
		if (nv == NULL)
			return 1;	/* out of memory */
		t->by = nv;
		memset(&t->by[t->nby], 0, sizeof(t->by[t->nby]));
		if ((t->by[t->nby].owner = strdup(em)) == NULL)
			return 1;
		t->nby++;
	}
	for (int k = 0; k < RECORD_TOUCH_KINDS; k++)
		if (kind != NULL && strcmp(kind, record_touch_kinds[k]) == 0)
			t->by[i].k[k]++;
	t->by[i].total++;
	return 0;
}

static int
activity_json(struct rctx *c, json_object *r, int full)
{
	struct touch_count t = { .c = c };
	struct by_owner *by;
	size_t nby;
	long long touches, rev, cnt, red = 0, yellow = 0, green = 0, clients = 0;
	struct owner *ow = NULL;
	struct scan_cache *cache = NULL;
	size_t now_n = 0;
	json_object *a;
	int rc;

	rc = store_report_touches(c->st, c->from_at, c->to_at, add_touch, &t, c->err,
	    c->errlen);
	by = t.by;
	nby = t.nby;
	touches = t.touches;
	if (rc != 0) {
		if (rc == 1)
			snprintf(c->err, c->errlen, _("out of memory"));
		rc = -1;
		goto out;
	}
	if (nby > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(by, nby, sizeof(*by), cmp_by_owner);
	/*
	 * Red/yellow/green are about today: shown for a period that has not
	 * ended, left out of a past one (nothing records who was red then).
	 */
	if (c->o->to < c->today)
		now_n = 0;
	else if (store_owner_load(c->st, 1, &ow, &now_n, c->err, c->errlen) == -1 ||
	    (c->o->owner == NULL && now_n > 1 && scan_cache_load(c->st,
	    scan_cache_day(c->o->now), &cache, c->err, c->errlen) == -1)) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < now_n; i++) {
		struct scan_result sr;
		if (c->o->owner != NULL && strcasecmp(c->o->owner, ow[i].email) != 0)
			continue;
		if (scan_run(c->st, c->cfg, &ow[i], c->o->now, 1, cache, &sr, c->err,
		    c->errlen) == -1) {
			rc = -1;
			goto out;
		}
		for (size_t k = 0; k < sr.red.n; k++)
			red += report_in(c, sr.red.v[k].id);
		for (size_t k = 0; k < sr.yellow.n; k++)
			yellow += report_in(c, sr.yellow.v[k].id);
		for (size_t k = 0; k < sr.green.n; k++)
			green += report_in(c, sr.green.v[k].id);
		scan_free(&sr);
	}
	for (long long id = 1; id <= c->maxid; id++)
		clients += c->in[id];
	if ((rc = report_revenue(c, c->from_s, c->to_s, &rev, &cnt)) == -1)
		goto out;
	jsonb_int(&c->jb, r, "touches", touches);
	if (c->o->to >= c->today)
		jsonb_int(&c->jb, r, "due_not_contacted", red);
	jsonb_int(&c->jb, r, "portfolio_clients", clients);
	if (c->o->to >= c->today) {
		jsonb_put(&c->jb, r, "red_pct", report_jpct(c, (double)red, (double)clients));
		jsonb_put(&c->jb, r, "yellow_pct", report_jpct(c, (double)yellow, (double)clients));
		jsonb_put(&c->jb, r, "green_pct", report_jpct(c, (double)green, (double)clients));
	}
	jsonb_put(&c->jb, r, "revenue_per_client_cents", clients ? report_jnum(c, (double)rev / (double)clients) : NULL);
	jsonb_put(&c->jb, r, "revenue_per_touch_cents", touches ? report_jnum(c, (double)rev / (double)touches) : NULL);
	if (full) {
		a = jsonb_array(&c->jb);
		for (size_t i = 0; i < nby; i++) {
			json_object *j = jsonb_object(&c->jb);
			jsonb_str(&c->jb, j, "owner", by[i].owner);
			for (int k = 0; k < RECORD_TOUCH_KINDS; k++)
				jsonb_int_dup(&c->jb, j, record_touch_kinds[k], by[i].k[k]);
			jsonb_int(&c->jb, j, "total", by[i].total);
			jsonb_append(&c->jb, a, j);
		}
		jsonb_put(&c->jb, r, "touches_by_owner", a);
	}
	rc = 0;
out:
	for (size_t i = 0; i < nby; i++)
		free(by[i].owner);
	free(by);
	scan_cache_free(cache);
	for (size_t i = 0; i < now_n; i++)
		store_owner_clear(&ow[i]);
	free(ow);
	return rc;
}

struct profit_rows {
	struct rctx		*c;
	json_object		*a;
};

static int
add_profit(const struct store_client_cost *k, void *arg)
{
	struct profit_rows *p = arg;
	struct rctx *c = p->c;
	json_object *j;

	if (!report_in(c, k->id))
		return 0;
	j = jsonb_object(&c->jb);
	jsonb_int(&c->jb, j, "id", k->id);
	jsonb_str(&c->jb, j, "name", k->name);
	jsonb_int(&c->jb, j, "revenue_cents", k->revenue);
	jsonb_int(&c->jb, j, "cost_cents", k->cost);
	jsonb_int(&c->jb, j, "profit_cents", k->revenue - k->cost);
	jsonb_put(&c->jb, j, "margin_pct", report_jpct(c, (double)(k->revenue - k->cost),
	    (double)k->revenue));
	jsonb_append(&c->jb, p->a, j);
	return 0;
}

/* Clients with recorded costs: revenue (all time in the period) - costs. */
static int
profit_json(struct rctx *c, json_object *r)
{
	json_object *a = jsonb_array(&c->jb);
	struct profit_rows k = { c, a };
	char ma[8], mb[8];
	int rc;

	snprintf(ma, sizeof(ma), "%.7s", c->from_s);
	snprintf(mb, sizeof(mb), "%.7s", c->to_s);
	rc = store_report_client_costs(c->st, ma, mb, c->from_s, c->to_s,
	    c->cfg->report.currency, add_profit, &k, c->err, c->errlen);
	jsonb_put(&c->jb, r, "profitability", a);
	return rc == 0 ? 0 : -1;
}

int
report_ctx_open(struct rctx *c, struct store *st, const struct config *cfg,
    const struct report_opts *o, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->st = st;
	c->cfg = cfg;
	c->o = o;
	c->err = err;
	c->errlen = errlen;
	if (o->from > o->to) {
		snprintf(err, errlen, _("the period starts after it ends"));
		return -1;
	}
	report_day_text(o->from, c->from_s);
	report_day_text(o->to, c->to_s);
	if (tz_day_start(o->tz, o->from, &c->from_at) == -1 ||
	    tz_day_start(o->tz, o->to + 1, &c->to_at) == -1 ||
	    tz_local_day(o->tz, o->now, &c->today, NULL) == -1) {
		snprintf(err, errlen, _("unknown time zone \"%s\""), o->tz);
		return -1;
	}
	c->zone = tz_ical(o->tz);
	/* Read everything from one snapshot. */
	if (store_read_begin(st, err, errlen) == -1)
		return -1;
	c->open = 1;
	if (load_filter(c) == -1) {
		report_ctx_close(c);
		return -1;
	}
	return 0;
}

void
report_ctx_close(struct rctx *c)
{
	if (c->open)
		store_read_end(c->st);
	c->open = 0;
	report_pass_free(c->pass);
	c->pass = NULL;
	free(c->in);
	c->in = NULL;
}

/* ---- the kinds of report -------------------------------------------- */

static int
nomem(struct rctx *c)
{
	snprintf(c->err, c->errlen, _("out of memory"));
	return -1;
}

static int pareto_brief(struct rctx *c, json_object *r) { return pareto_json(c, r, 0); }
static int churn_brief(struct rctx *c, json_object *r) { return report_churn_json(c, r, 0); }
static int lifecycle_brief(struct rctx *c, json_object *r)
{
	return report_lifecycle_json(c, r, 0);
}
static int clv_brief(struct rctx *c, json_object *r) { return clv_json(c, r, 0); }
static int receivables_brief(struct rctx *c, json_object *r) { return receivables_json(c, r, 0); }
static int activity_brief(struct rctx *c, json_object *r) { return activity_json(c, r, 0); }

/* Every indicator under its own key, lists left out. */
static int
summary_json(struct rctx *c, json_object *r)
{
	static const struct {
		const char	*key;
		int		(*fn)(struct rctx *, json_object *);
	} parts[] = {
		{ "revenue", revenue_json }, { "pareto", pareto_brief },
		{ "churn", churn_brief }, { "conversion", report_conversion_json },
		{ "lifecycle", lifecycle_brief }, { "clv", clv_brief }, { "nps", nps_json },
		{ "receivables", receivables_brief }, { "activity", activity_brief },
	};
	json_object *x;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if ((x = jsonb_object(&c->jb)) == NULL)
			return nomem(c);
		if (parts[i].fn(c, x) == -1) {
			json_object_put(x);
			return -1;
		}
		jsonb_put_dup(&c->jb, r, parts[i].key, x);
	}
	return 0;
}

static int pareto_full(struct rctx *c, json_object *r) { return pareto_json(c, r, 1); }
static int clv_full(struct rctx *c, json_object *r) { return clv_json(c, r, 1); }
static int receivables_full(struct rctx *c, json_object *r) { return receivables_json(c, r, 1); }
static int products_full(struct rctx *c, json_object *r) { return report_products_json(c, r, 1); }
static int lifecycle_full(struct rctx *c, json_object *r)
{
	return report_lifecycle_json(c, r, 1);
}

static int
churn_full(struct rctx *c, json_object *r)
{
	json_object *x;

	if (report_churn_json(c, r, 1) == -1)
		return -1;
	/* Under its own heading: it is not about the same clients. */
	if ((x = jsonb_object(&c->jb)) == NULL)
		return nomem(c);
	if (report_conversion_json(c, x) == -1) {
		json_object_put(x);
		return -1;
	}
	jsonb_put(&c->jb, r, "conversion", x);
	return 0;
}

static int
activity_full(struct rctx *c, json_object *r)
{
	return activity_json(c, r, 1) == -1 ? -1 : profit_json(c, r);
}

/* The one list of kinds: report_build() dispatches on it, report_kind()
 * names them for the CLI. */
static const struct kind {
	const char	*name;
	int		(*build)(struct rctx *, json_object *);
	int		 by_client;	/* 0: never asks report_in() (goals are
					 * an owner's or a team's), so the
					 * client filter is not read */
} kinds[] = {
	{ "summary", summary_json, 1 },
	{ "pareto", pareto_full, 1 },
	{ "churn", churn_full, 1 },
	{ "clv", clv_full, 1 },
	{ "nps", nps_json, 1 },
	{ "receivables", receivables_full, 1 },
	{ "activity", activity_full, 1 },
	{ "lifecycle", lifecycle_full, 1 },
	{ "risk", report_risk_json, 1 },
	{ "goals", report_goals_json, 0 },
	{ "products", products_full, 1 },
};

static const struct kind *
find_kind(const char *name)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

const char *
report_kind(size_t i)
{
	return i < sizeof(kinds) / sizeof(kinds[0]) ? kinds[i].name : NULL;
}

int
report_build(struct store *st, const struct config *cfg, const char *kind,
    const struct report_opts *o, json_object **out, char *err, size_t errlen)
{
	struct rctx c;
	struct report_opts whole;
	const struct kind *k;
	json_object *r, *p, *f;
	int rc = -1;

	*out = NULL;
	if ((k = find_kind(kind)) == NULL) {
		snprintf(err, errlen, _("unknown report \"%s\""), kind);
		return -1;
	}
	if (!k->by_client) {
		whole = *o;
		whole.unfiltered = 1;
		o = &whole;
	}
	if (report_ctx_open(&c, st, cfg, o, err, errlen) == -1)
		return -1;
	r = jsonb_object(&c.jb);
	jsonb_str(&c.jb, r, "report", kind);
	p = jsonb_object(&c.jb);
	jsonb_str(&c.jb, p, "from", c.from_s);
	jsonb_str(&c.jb, p, "to", c.to_s);
	jsonb_int(&c.jb, p, "days", o->to - o->from + 1);
	jsonb_put(&c.jb, r, "period", p);
	f = jsonb_object(&c.jb);
	jsonb_str(&c.jb, f, "owner", o->owner);
	jsonb_str(&c.jb, f, "segment", o->segment);
	jsonb_str(&c.jb, f, "sector", o->sector);
	jsonb_str(&c.jb, f, "city", o->city);
	jsonb_put(&c.jb, r, "filters", f);
	jsonb_str(&c.jb, r, "currency", cfg->report.currency);
	if (k->build(&c, r) == -1)
		goto fail;
	if (jsonb_failed(&c.jb)) {
		snprintf(err, errlen, _("out of memory"));
		goto fail;
	}
	*out = r;
	rc = 0;
	goto out;
fail:
	json_object_put(r);
out:
	report_ctx_close(&c);
	return rc;
}

int
report_monthly_revenue(struct store *st, const struct config *cfg, const struct report_opts *o,
    long day, int n, long long *cents, char *err, size_t errlen)
{
	struct rctx c = { 0 };
	int y, m, d, rc = 0;

	c.st = st;
	c.cfg = cfg;
	c.o = o;
	c.err = err;
	c.errlen = errlen;
	if (load_filter(&c) == -1) {
		free(c.in);
		return -1;
	}
	clock_days_to_date(day, &y, &m, &d);
	for (int i = 0; i < n && rc == 0; i++) {
		int k = m - (n - 1 - i), yy = y;
		long long cnt;
		char a[11], b[11];

		while (k < 1) {
			k += 12;
			yy--;
		}
		report_day_text(clock_date_to_days(yy, k, 1), a);
		report_day_text((k == 12 ? clock_date_to_days(yy + 1, 1, 1) : clock_date_to_days(yy, k + 1, 1)) - 1, b);
		rc = report_revenue(&c, a, b, &cents[i], &cnt);
	}
	free(c.in);
	return rc;
}
