/*
 * report_portfolio.c - the portfolio over time: each client's status and
 * lifecycle stage at the start and at the end of the period, derived from
 * its history (lifecycle.c), and from them churn, retention, conversion
 * and the flows between stages.
 *
 * One pass over every client's history as of the period's end
 * (store_history()), done once per report; no SQL here.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "lifecycle.h"
#include "nls.h"
#include "report_priv.h"
#include "tz.h"

struct report_pass {
	long long	 at_start, at_end, new_clients, lost;
	long long	 potential, converted;
	unsigned char	*lost_set, *new_set;
	long long	 stage_start[LC_COUNT], stage_end[LC_COUNT];
	long long	 flow[LC_COUNT][LC_COUNT];
};

void
report_lifecycle_params(const struct config *cfg, struct lifecycle_params *p)
{
	p->new_days = cfg->lifecycle.new_days;
	p->window_days = cfg->inactive.single_purchase_days;
	p->factor = cfg->inactive.factor;
	p->min_days = cfg->inactive.min_days;
}

void
report_client_init(struct rctx *c, const struct store_history *h, struct report_client *rc)
{
	long day = 0;

	rc->h = h;
	if (c->zone != NULL)
		tz_local_day_z(c->zone, h->created_at, &day, NULL);
	else
		day = clock_day_of(h->created_at);
	rc->sf.created_day = day;
	rc->sf.initial = lifecycle_status_parse(h->initial);
	rc->sf.first_purchase = h->first_day;
	rc->sf.last_purchase = h->last_day;
}

enum lifecycle_status
report_status_on(const struct report_client *rc, long day, time_t end)
{
	enum lifecycle_status explicit = LS_NONE;

	/* Changes come oldest first: the last one before the end wins. */
	for (size_t i = 0; i < rc->h->nchanges && rc->h->changes[i].at < end; i++)
		explicit = lifecycle_status_parse(rc->h->changes[i].new_status);
	return lifecycle_status_on(&rc->sf, day, explicit);
}

/* Purchase days up to day: how many of h->days are <= day. */
static size_t
days_upto(const struct store_history *h, long day)
{
	size_t k = h->ndays;

	while (k > 0 && h->days[k - 1] > day)
		k--;
	return k;
}

int
report_bought_within(const struct store_history *h, long day, int window)
{
	size_t k = days_upto(h, day);

	return k > 0 && h->days[k - 1] > day - window;
}

int
report_active_on(const struct rctx *c, const struct report_client *rc, long day, time_t end)
{
	enum lifecycle_status s = report_status_on(rc, day, end);

	return s != LS_NONE && s != LS_LOST &&
	    report_bought_within(rc->h, day, c->cfg->inactive.single_purchase_days);
}

int
report_stage_on(struct rctx *c, const struct report_client *rc, long day, time_t end,
    enum lifecycle_stage *out)
{
	struct lifecycle_params p;
	struct lifecycle_facts f;
	size_t k = days_upto(rc->h, day);

	report_lifecycle_params(c->cfg, &p);
	memset(&f, 0, sizeof(f));
	f.status = report_status_on(rc, day, end);
	f.touched = rc->h->first_touch != 0 && rc->h->first_touch < end;
	f.purchases = (long)k;
	f.first = k > 0 ? rc->h->days[0] : -1;
	f.last = k > 0 ? rc->h->days[k - 1] : -1;
	f.prev = k > 1 ? rc->h->days[k - 2] : -1;
	if (lifecycle_median_gap(rc->h->days, k, &f.median_gap) == -1) {
		snprintf(c->err, c->errlen, _("out of memory"));
		return -1;
	}
	*out = lifecycle_stage(&f, day, &p);
	return 0;
}

struct pass_arg {
	struct rctx		*c;
	struct report_pass	*p;
	int			 failed;
};

static int
pass_client(const struct store_history *h, void *arg)
{
	struct pass_arg *a = arg;
	struct rctx *c = a->c;
	struct report_pass *p = a->p;
	const struct report_opts *o = c->o;
	struct report_client rc;
	enum lifecycle_status before, s;
	enum lifecycle_stage st0, st1;
	int start, end, became = 0, converted = 0;
	long appear;

	if (!report_in(c, h->id))
		return 0;
	report_client_init(c, h, &rc);
	/* Churn and retention. */
	start = report_active_on(c, &rc, o->from - 1, c->from_at);
	end = report_active_on(c, &rc, o->to, c->to_at);
	p->at_start += start;
	p->at_end += end;
	if (h->first_day >= o->from && h->first_day <= o->to) {
		p->new_clients++;
		p->new_set[h->id] = 1;
	}
	if (start && report_status_on(&rc, o->to, c->to_at) == LS_LOST) {
		p->lost++;
		p->lost_set[h->id] = 1;
	}
	/* Conversion: potential at the start, or became potential in the
	 * period; converted by an explicit change to active or by buying. */
	before = report_status_on(&rc, o->from - 1, c->from_at);
	appear = rc.sf.created_day;
	if (h->first_day >= 0 && h->first_day < appear)
		appear = h->first_day;
	if (rc.sf.initial == LS_POTENTIAL && appear >= o->from && appear <= o->to)
		became = 1;
	for (size_t i = 0; i < h->nchanges; i++) {
		const struct store_status_change *ch = &h->changes[i];
		if (ch->at < c->from_at || ch->at >= c->to_at)
			continue;
		s = lifecycle_status_parse(ch->new_status);
		if (s == LS_POTENTIAL)
			became = 1;
		if (s == LS_ACTIVE && ch->old_status != NULL &&
		    strcmp(ch->old_status, "potential") == 0)
			converted = 1;
	}
	if (before == LS_POTENTIAL || became) {
		p->potential++;
		if (converted || (h->first_day >= o->from && h->first_day <= o->to))
			p->converted++;
	}
	/* Stages at the start and at the end. */
	if (report_stage_on(c, &rc, o->from - 1, c->from_at, &st0) == -1 ||
	    report_stage_on(c, &rc, o->to, c->to_at, &st1) == -1) {
		a->failed = 1;
		return 1;
	}
	p->stage_start[st0]++;
	p->stage_end[st1]++;
	p->flow[st0][st1]++;
	return 0;
}

/* The pass, once per report. */
static int
pass(struct rctx *c)
{
	struct store_history_query q = { 0 };
	struct pass_arg a = { 0 };
	struct report_pass *p;

	if (c->pass != NULL)
		return 0;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(c->err, c->errlen, _("out of memory"));
		return -1;
	}
	c->pass = p;
	if ((p->lost_set = report_bitmap(c)) == NULL || (p->new_set = report_bitmap(c)) == NULL)
		return -1;
	q.day = c->o->to;
	q.until = c->to_at;
	q.currency = c->cfg->report.currency;
	q.want = STORE_H_PURCHASES | STORE_H_TOUCHES | STORE_H_CHANGES;
	a.c = c;
	a.p = p;
	if (store_history(c->st, &q, pass_client, &a, c->err, c->errlen) == -1)
		return -1;
	return a.failed ? -1 : 0;
}

void
report_pass_free(struct report_pass *p)
{
	if (p == NULL)
		return;
	free(p->lost_set);
	free(p->new_set);
	free(p);
}

int
report_churn_json(struct rctx *c, json_object *r, int lists)
{
	struct report_pass *p;

	if (pass(c) == -1)
		return -1;
	p = c->pass;
	jsonb_int(&c->jb, r, "clients_at_start", p->at_start);
	jsonb_int(&c->jb, r, "clients_at_end", p->at_end);
	jsonb_int(&c->jb, r, "new_clients", p->new_clients);
	jsonb_int(&c->jb, r, "lost_clients", p->lost);
	jsonb_put(&c->jb, r, "churn_pct", report_jpct(c, (double)p->lost, (double)p->at_start));
	jsonb_put(&c->jb, r, "retention_pct", report_jpct(c, (double)(p->at_end - p->new_clients),
	    (double)p->at_start));
	if (lists) {
		jsonb_put(&c->jb, r, "lost", report_client_list(c, p->lost_set, c->o->limit));
		jsonb_put(&c->jb, r, "new", report_client_list(c, p->new_set, c->o->limit));
	}
	return 0;
}

int
report_conversion_json(struct rctx *c, json_object *r)
{
	if (pass(c) == -1)
		return -1;
	jsonb_int(&c->jb, r, "potential_clients", c->pass->potential);
	jsonb_int(&c->jb, r, "converted", c->pass->converted);
	jsonb_put(&c->jb, r, "conversion_pct", report_jpct(c, (double)c->pass->converted,
	    (double)c->pass->potential));
	return 0;
}

/* The order stages are listed in: the way a client moves. */
static const enum lifecycle_stage stage_order[] = {
	LC_LEAD, LC_PROSPECT, LC_NEW, LC_RECURRING, LC_AT_RISK, LC_RECOVERED,
	LC_DORMANT, LC_LOST
};
#define NSTAGES	(sizeof(stage_order) / sizeof(stage_order[0]))

static int
stage_rank(enum lifecycle_stage s)
{
	for (size_t i = 0; i < NSTAGES; i++)
		if (stage_order[i] == s)
			return (int)i;
	return -1;	/* LC_NONE first */
}

struct flow {
	enum lifecycle_stage from, to;
	long long n;
};

static int
cmp_flow(const void *a, const void *b)
{
	const struct flow *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	if (x->from != y->from)
		return stage_rank(x->from) - stage_rank(y->from);
	return stage_rank(x->to) - stage_rank(y->to);
}

int
report_lifecycle_json(struct rctx *c, json_object *r, int full)
{
	struct report_pass *p;
	struct flow fl[LC_COUNT * LC_COUNT];
	size_t nf = 0;
	json_object *a;

	if (pass(c) == -1)
		return -1;
	p = c->pass;
	if (!full) {
		for (size_t i = 0; i < NSTAGES; i++)
			jsonb_int_dup(&c->jb, r, lifecycle_name(stage_order[i]), p->stage_end[stage_order[i]]);
		return 0;
	}
	a = jsonb_array(&c->jb);
	for (size_t i = 0; i < NSTAGES; i++) {
		json_object *j = jsonb_object(&c->jb);
		jsonb_str(&c->jb, j, "stage", lifecycle_name(stage_order[i]));
		jsonb_int(&c->jb, j, "at_start", p->stage_start[stage_order[i]]);
		jsonb_int(&c->jb, j, "at_end", p->stage_end[stage_order[i]]);
		jsonb_append(&c->jb, a, j);
	}
	jsonb_put(&c->jb, r, "stages", a);
	for (int f = 0; f < LC_COUNT; f++)
		for (int t = 0; t < LC_COUNT; t++)
			if (t != LC_NONE && p->flow[f][t] > 0) {
				fl[nf].from = (enum lifecycle_stage)f;
				fl[nf].to = (enum lifecycle_stage)t;
				fl[nf++].n = p->flow[f][t];
			}
	if (nf > 1)
		qsort(fl, nf, sizeof(fl[0]), cmp_flow);
	a = jsonb_array(&c->jb);
	for (size_t i = 0; i < nf; i++) {
		json_object *j = jsonb_object(&c->jb);
		jsonb_str(&c->jb, j, "from_stage", lifecycle_name(fl[i].from));
		jsonb_str(&c->jb, j, "to_stage", lifecycle_name(fl[i].to));
		jsonb_int(&c->jb, j, "clients", fl[i].n);
		jsonb_append(&c->jb, a, j);
	}
	jsonb_put(&c->jb, r, "flows", a);
	return 0;
}
