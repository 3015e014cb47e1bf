/*
 * report_card.c - what the CLI and the digest show about clients one by
 * one: a client's card (money, lifecycle stage, churn risk), every
 * client's stage today (client list), and a salesperson's clients most
 * at risk (the weekly part of the digest).  Same rules and figures as the
 * reports, as of today; no SQL here.
 */
#include "build.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "i18n.h"
#include "lifecycle.h"
#include "nls.h"
#include "report_priv.h"
#include "risk.h"
#include "tz.h"
#include "workers.h"

/* A context for "today" in zone tz, over every client (no filter: the
 * functions here never ask report_in()). */
static int
today_ctx(struct rctx *c, struct report_opts *o, struct store *st, const struct config *cfg,
    const char *owner, const char *tz, const char *lang, time_t now, char *err, size_t errlen)
{
	long today;

	memset(o, 0, sizeof(*o));
	if (tz_local_day(tz, now, &today, NULL) == -1) {
		snprintf(err, errlen, _("unknown time zone \"%s\""), tz);
		return -1;
	}
	o->from = o->to = today;
	o->owner = owner;
	o->tz = tz;
	o->lang = lang;
	o->now = now;
	o->unfiltered = 1;
	return report_ctx_open(c, st, cfg, o, err, errlen);
}

/* The typical rhythm today: the median of the active clients' rhythms. */
static int
typical_today(struct rctx *c, double *typical)
{
	double *v;
	size_t n;

	if (store_rhythms(c->st, c->today - c->cfg->inactive.single_purchase_days, &v, &n,
	    c->err, c->errlen) == -1)
		return -1;
	*typical = report_typical_gap(c->cfg, v, n);
	free(v);
	return 0;
}

/* What churn risk reads (not when each client was first and last
 * touched: the lifecycle stage on the card adds that). */
#define RISK_HISTORY (STORE_H_PURCHASES | STORE_H_NO_ANSWER | STORE_H_CHANGES | \
	STORE_H_NPS | STORE_H_OVERDUE | STORE_H_MISSED)

static int
history_query(struct rctx *c, struct store_history_query *q, time_t end, time_t since)
{
	memset(q, 0, sizeof(*q));
	if (report_day_start(c, c->today, &q->day_start) == -1)
		return -1;
	q->day = c->today;
	q->until = end;
	q->no_answer_since = since;
	q->currency = c->cfg->report.currency;
	q->want = RISK_HISTORY;
	return 0;
}

/* ---- the client card --------------------------------------------------- */

struct card_arg {
	struct rctx		*c;
	time_t			 end;
	double			 typical;
	json_object		*card;
	int			 failed;
};

static int
card_client(const struct store_history *h, void *arg)
{
	struct card_arg *a = arg;
	struct rctx *c = a->c;
	struct report_client rc;
	enum lifecycle_stage stage;
	json_object *risk;

	report_client_init(c, h, &rc);
	if (report_stage_on(c, &rc, c->today, a->end, &stage) == -1) {
		a->failed = 1;
		return 1;
	}
	jsonb_str(&c->jb, a->card, "stage", lifecycle_name(stage));
	/* Churn risk is for active clients only. */
	if (report_active_on(c, &rc, c->today, a->end)) {
		struct risk_input in;
		struct risk_score s;
		char text[1024];

		report_risk_input(h, c->today, &in);
		if (lifecycle_median_gap(h->days, h->ndays, &in.median_gap) == -1) {
			snprintf(c->err, c->errlen, _("out of memory"));
			a->failed = 1;
			return 1;
		}
		risk_score(&in, a->typical, &s);
		report_risk_reasons(&s, &in, a->typical, c->o->lang, c->cfg->report.currency,
		    text, sizeof(text));
		risk = jsonb_object(&c->jb);
		jsonb_int(&c->jb, risk, "score", s.score);
		jsonb_str(&c->jb, risk, "reasons", s.nreasons ? text : NULL);
		jsonb_put(&c->jb, a->card, "churn_risk", risk);
	} else
		jsonb_put(&c->jb, a->card, "churn_risk", NULL);
	return 1;
}

int
report_client_card(struct store *st, const struct config *cfg, long long client,
    const char *tz, const char *lang, time_t now, json_object **out, char *err, size_t errlen)
{
	struct report_opts o;
	struct rctx c;
	struct store_money m;
	struct store_history_query q;
	struct card_arg a = { 0 };
	json_object *card, *money;
	char day[11];
	double years;
	long end_day;
	time_t since;
	int rc = -1;

	*out = NULL;
	if (today_ctx(&c, &o, st, cfg, NULL, tz, lang, now, err, errlen) == -1)
		return -1;
	if (store_client_money(st, client, c.today, cfg->report.currency, &m, err, errlen) == -1 ||
	    report_day_start(&c, c.today + 1, &a.end) == -1 ||
	    report_day_start(&c, c.today - RISK_RECENT_SHORT + 1, &since) == -1 ||
	    typical_today(&c, &a.typical) == -1)
		goto out;
	card = jsonb_object(&c.jb);
	money = jsonb_object(&c.jb);
	jsonb_int(&c.jb, money, "revenue_this_year_cents", m.this_year);
	jsonb_int(&c.jb, money, "revenue_last_year_cents", m.last_year);
	jsonb_int(&c.jb, money, "revenue_ever_cents", m.ever);
	jsonb_int(&c.jb, money, "invoices", m.invoices);
	jsonb_put(&c.jb, money, "average_ticket_cents", m.invoices ?
	    report_jnum(&c, (double)m.ever / (double)m.invoices) : NULL);
	/* As CLV counts it: purchase days over the years from the first to
	 * the last, or to today for an active client; a year at least. */
	if (m.purchase_days > 0) {
		end_day = m.last_day;
		if (c.today - m.last_day < cfg->inactive.single_purchase_days && c.today > end_day)
			end_day = c.today;
		years = (end_day - m.first_day) / 365.25;
		jsonb_put(&c.jb, money, "purchases_per_year", report_jnum(&c, (double)m.purchase_days /
		    (years > 1 ? years : 1)));
	} else
		jsonb_put(&c.jb, money, "purchases_per_year", NULL);
	jsonb_int(&c.jb, money, "owed_cents", m.owed);
	jsonb_int(&c.jb, money, "overdue_cents", m.overdue);
	jsonb_int(&c.jb, money, "overdue_invoices", m.overdue_invoices);
	jsonb_put(&c.jb, money, "oldest_overdue_days", m.oldest_due >= 0 ?
	    jsonb_new_int(&c.jb, c.today - m.oldest_due) : NULL);
	if (m.last_day >= 0) {
		report_day_text(m.last_day, day);
		jsonb_str(&c.jb, money, "last_purchase", day);
		jsonb_int(&c.jb, money, "last_purchase_cents", m.last_cents);
	} else {
		jsonb_put(&c.jb, money, "last_purchase", NULL);
		jsonb_put(&c.jb, money, "last_purchase_cents", NULL);
	}
	jsonb_put(&c.jb, card, "money", money);
	if (history_query(&c, &q, a.end, since) == -1) {
		json_object_put(card);
		goto out;
	}
	q.client = client;
	q.want |= STORE_H_TOUCHES;	/* the stage: was it ever touched */
	a.c = &c;
	a.card = card;
	if (store_history(st, &q, card_client, &a, err, errlen) == -1 || a.failed) {
		json_object_put(card);
		goto out;
	}
	if (jsonb_failed(&c.jb)) {
		snprintf(err, errlen, _("out of memory"));
		json_object_put(card);
		goto out;
	}
	*out = card;
	rc = 0;
out:
	report_ctx_close(&c);
	return rc;
}

/* ---- every client's stage today ------------------------------------------ */

struct stages_arg {
	struct rctx	*c;
	time_t		 end;
	unsigned char	*v;
	int		 failed;
};

static int
stage_client(const struct store_history *h, void *arg)
{
	struct stages_arg *a = arg;
	struct report_client rc;
	enum lifecycle_stage s;

	if (h->id > a->c->maxid)
		return 0;
	report_client_init(a->c, h, &rc);
	if (report_stage_on(a->c, &rc, a->c->today, a->end, &s) == -1) {
		a->failed = 1;
		return 1;
	}
	a->v[h->id] = (unsigned char)s;
	return 0;
}

int
report_stages(struct store *st, const struct config *cfg, const char *tz, time_t now,
    unsigned char **stages, long long *maxid, char *err, size_t errlen)
{
	struct report_opts o;
	struct rctx c;
	struct store_history_query q = { 0 };
	struct stages_arg a = { 0 };
	int rc = -1;

	*stages = NULL;
	*maxid = 0;
	if (today_ctx(&c, &o, st, cfg, NULL, tz, "es", now, err, errlen) == -1)
		return -1;
	if (report_day_start(&c, c.today + 1, &a.end) == -1 || (a.v = report_bitmap(&c)) == NULL)
		goto out;
	q.day = c.today;
	q.until = a.end;
	q.currency = cfg->report.currency;
	q.want = STORE_H_PURCHASES | STORE_H_TOUCHES | STORE_H_CHANGES;
	a.c = &c;
	if (store_history(st, &q, stage_client, &a, err, errlen) == -1 || a.failed) {
		free(a.v);
		goto out;
	}
	*stages = a.v;
	*maxid = c.maxid;
	rc = 0;
out:
	report_ctx_close(&c);
	return rc;
}

/* ---- a salesperson's clients most at risk -------------------------------- */

struct top_row {
	long long		 id;
	struct risk_input	 in;
	struct risk_score	 s;
};

/* One owner's clients most at risk, highest first, at most nmax. */
struct top_list {
	struct top_row	*v;
	size_t		 n;
};

/* The lists of one zone's owners on its day. */
struct risk_zone {
	const char	*tz;
	char		*tz_copy;	/* tz when the memo's */
	long		 today;		/* -1: nothing read yet */
	int		 shared;	/* one pass for every owner of the zone */
	long long	 only;		/* the owner last read alone (not shared) */
	int		 built;		/* own[] holds the lists */
	int		 has_typical;
	double		 typical;	/* the portfolio's rhythm on today */
	long		 nmax;
	struct top_list	*own;		/* own[owner id] */
	size_t		 nown;
};

struct report_risk_memo {
	struct risk_zone *z;
	size_t		 nz;
};

struct top_arg {
	struct rctx		*c;
	time_t			 end;
	struct risk_zone	*z;
	struct top_row		 row;
	int			 failed;
};

static void
zone_lists_free(struct risk_zone *z)
{
	for (size_t i = 0; i < z->nown; i++)
		free(z->own[i].v);
	free(z->own);
	z->own = NULL;
	z->nown = 0;
	z->built = 0;
}

void
report_risk_memo_free(struct report_risk_memo *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nz; i++) {
		zone_lists_free(&m->z[i]);
		free(m->z[i].tz_copy);
	}
	free(m->z);
	free(m);
}

/*
 * A zone's owners are read in one pass over every client when those of v
 * are at least 2 in 5 of the portfolio's owners (the pass costs about what
 * reading 2 in 5 owner by owner does); the others owner by owner.
 */
struct report_risk_memo *
report_risk_memo_new(const struct owner *v, size_t n, size_t owners)
{
	struct report_risk_memo *m = calloc(1, sizeof(*m));
	struct risk_zone *z;
	size_t k, same;

	if (m == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		for (k = 0; k < m->nz && strcmp(m->z[k].tz, v[i].tz) != 0; k++)
			;
		if (k < m->nz)
			continue;
		if ((z = reallocarray(m->z, m->nz + 1, sizeof(*z))) == NULL)
			goto nomem;
		m->z = z;
		memset(&z[m->nz], 0, sizeof(*z));
		z[m->nz].today = -1;
		if ((z[m->nz].tz_copy = strdup(v[i].tz)) == NULL)
			goto nomem;
		z[m->nz].tz = z[m->nz].tz_copy;
		same = 0;
		for (size_t j = i; j < n; j++)
			same += strcmp(v[j].tz, v[i].tz) == 0;
		z[m->nz++].shared = n > 1 && same * 5 >= (owners > n ? owners : n) * 2;
	}
	return m;
nomem:
	report_risk_memo_free(m);
	return NULL;
}

static int
cmp_top(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->s.score != y->s.score)
		return x->s.score > y->s.score ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Put r among its owner's highest scores (kept sorted, at most nmax). */
static int
top_keep(struct risk_zone *z, long long owner, const struct top_row *r)
{
	struct top_list *l;
	size_t k, nmax = (size_t)z->nmax;

	if ((size_t)owner >= z->nown) {
		size_t n = (size_t)owner + 1 > z->nown * 2 ? (size_t)owner + 1 : z->nown * 2;
		struct top_list *v = reallocarray(z->own, n, sizeof(*v));

		if (v == NULL)
			return -1;
		memset(v + z->nown, 0, (n - z->nown) * sizeof(*v));
		z->own = v;
		z->nown = n;
	}
	l = &z->own[owner];
	if (l->n == nmax && cmp_top(r, &l->v[l->n - 1]) >= 0)
		return 0;
	if (l->v == NULL && (l->v = calloc(nmax, sizeof(*l->v))) == NULL)
		return -1;
	for (k = l->n; k > 0 && cmp_top(r, &l->v[k - 1]) < 0; k--)
		if (k < nmax)
			l->v[k] = l->v[k - 1];
	l->v[k] = *r;
	if (l->n < nmax)
		l->n++;
	return 0;
}

static int
top_client(const struct store_history *h, void *arg)
{
	struct top_arg *a = arg;
	struct rctx *c = a->c;
	struct report_client rc;
	struct top_row *r = &a->row;

	if (h->owner_id <= 0)
		return 0;
	report_client_init(c, h, &rc);
	if (!report_active_on(c, &rc, c->today, a->end))
		return 0;
	r->id = h->id;
	report_risk_input(h, c->today, &r->in);
	if (lifecycle_median_gap(h->days, h->ndays, &r->in.median_gap) == -1)
		goto nomem;
	risk_score(&r->in, a->z->typical, &r->s);
	if (r->s.score > 0 && top_keep(a->z, h->owner_id, r) == -1)
		goto nomem;
	return 0;
nomem:
	snprintf(c->err, c->errlen, _("out of memory"));
	a->failed = 1;
	return 1;
}

/*
 * The pass over every client's history in client-id ranges, one per core
 * (up to PASS_THREADS): range 0 on the caller's thread and connection,
 * the others on their own read-only connections, each keeping its own
 * lists; the lists are then merged in range order (cmp_top orders every
 * row, so the result is the one a single pass gives).  Small portfolios
 * are read in one pass: fewer than PASS_MIN_CLIENTS a thread (the
 * environment's CARTERA_PASS_MIN_CLIENTS, for tests).
 */
#define PASS_THREADS	4
#define PASS_MIN_CLIENTS 20000	/* per thread */

struct pass_part {
	struct store		*st;		/* the caller's (store_job_begin) */
	struct rctx		 c;		/* the caller's, with its own error */
	struct top_arg		 a;
	struct store_history_query q;
	struct risk_zone	 z;		/* this range's lists */
	int			 rc;
	char			 err[512];
};

static void
pass_run(void *arg, int here)
{
	struct pass_part *p = arg;
	struct store *st;

	p->c.err = p->err;
	p->c.errlen = sizeof(p->err);
	p->a.c = &p->c;
	p->a.z = &p->z;
	if (store_job_begin(p->st, here, &st, p->err, sizeof(p->err)) == -1) {
		p->rc = -1;
		return;
	}
	/* One snapshot, as the caller's connection reads in (and, on
	 * PostgreSQL, the rows come through cursors, not whole). */
	if (st != p->st && store_read_begin(st, p->err, sizeof(p->err)) == -1)
		p->rc = -1;
	else if (store_history(st, &p->q, top_client, &p->a, p->err, sizeof(p->err)) == -1 ||
	    p->a.failed)
		p->rc = -1;
	if (st != p->st)
		store_read_end(st);
	store_job_end(p->st, st);
}

static int
zone_pass(struct rctx *c, struct risk_zone *z, struct store *st,
    const struct store_history_query *q, time_t end, char *err, size_t errlen)
{
	struct top_arg a = { .c = c, .end = end, .z = z };
	struct pass_part *parts;
	long least = clock_env_duration("CARTERA_PASS_MIN_CLIENTS", PASS_MIN_CLIENTS, LONG_MAX);
	long long maxid;
	size_t w = workers_count(PASS_THREADS);
	int rc = 0;

	if (w > 1 && q->owner == 0 && q->client == 0 &&
	    store_client_max_id(st, &maxid, err, errlen) == -1)
		return -1;
	if (w > 1 && (q->owner != 0 || q->client != 0 || maxid < least * (long long)w))
		w = 1;
	if (w == 1) {
		if (store_history(st, q, top_client, &a, err, errlen) == -1 || a.failed)
			return -1;
		return 0;
	}
	if ((parts = calloc(w, sizeof(*parts))) == NULL) {
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	for (size_t i = 0; i < w; i++) {
		struct pass_part *p = &parts[i];

		p->st = st;
		p->c = *c;
		p->a.end = end;
		p->q = *q;
		p->q.id_from = 1 + (long long)((double)maxid * (double)i / (double)w);
		p->q.id_to = i + 1 == w ? maxid + 1 :
		    1 + (long long)((double)maxid * (double)(i + 1) / (double)w);
		p->z.tz = z->tz;
		p->z.nmax = z->nmax;
		p->z.typical = z->typical;
	}
	workers_run(parts, w, sizeof(*parts), pass_run);
	for (size_t i = 0; i < w; i++) {
		struct risk_zone *pz = &parts[i].z;

		if (parts[i].rc != 0 && rc == 0) {
			snprintf(err, errlen, "%s", parts[i].err);
			rc = -1;
		}
		for (size_t o = 0; rc == 0 && o < pz->nown; o++)
			for (size_t k = 0; k < pz->own[o].n; k++)
				if (top_keep(z, (long long)o, &pz->own[o].v[k]) == -1) {
					snprintf(err, errlen, _("out of memory"));
					rc = -1;
					break;
				}
		zone_lists_free(pz);
	}
	free(parts);
	return rc;
}

/* Fill z (of memo m, or NULL) with the lists of owner `only` (0: of every
 * owner) as of today in its zone: one pass over the history of their
 * clients. */
static int
zone_build(const struct report_risk_memo *m, struct risk_zone *z, struct store *st,
    const struct config *cfg,
    long long only, time_t now, long n, char *err, size_t errlen)
{
	struct report_opts o;
	struct rctx c;
	struct store_history_query q;
	time_t end, since;
	int rc = -1;

	zone_lists_free(z);
	if (today_ctx(&c, &o, st, cfg, NULL, z->tz, "es", now, err, errlen) == -1)
		return -1;
	if (c.today != z->today)
		z->has_typical = 0;
	z->today = c.today;
	z->nmax = n;
	z->only = only;
	if (report_day_start(&c, c.today + 1, &end) == -1 ||
	    report_day_start(&c, c.today - RISK_RECENT_SHORT + 1, &since) == -1)
		goto out;
	/* The typical rhythm is the portfolio's, whatever the zone: read once
	 * a day. */
	for (size_t k = 0; m != NULL && !z->has_typical && k < m->nz; k++)
		if (m->z[k].has_typical && m->z[k].today == c.today) {
			z->typical = m->z[k].typical;
			z->has_typical = 1;
		}
	if (!z->has_typical && typical_today(&c, &z->typical) == -1)
		goto out;
	z->has_typical = 1;
	if (history_query(&c, &q, end, since) == -1)
		goto out;
	q.owner = only;
	if (zone_pass(&c, z, st, &q, end, err, errlen) == -1)
		goto out;
	z->built = 1;
	rc = 0;
out:
	report_ctx_close(&c);
	if (rc == -1)
		zone_lists_free(z);
	return rc;
}

int
report_risk_top(struct store *st, const struct config *cfg, struct report_risk_memo *memo,
    long long owner_id, const char *tz, const char *lang, time_t now, long n,
    json_object **out, char *err, size_t errlen)
{
	struct risk_zone alone = { .tz = tz, .today = -1 }, *z = &alone;
	struct rctx c = { 0 };
	struct top_list *l;
	json_object *list;
	char text[1024];
	long today;
	int rc = -1;

	*out = NULL;
	if (n <= 0) {
		if ((*out = json_object_new_array()) == NULL) {
			snprintf(err, errlen, _("out of memory"));
			return -1;
		}
		return 0;
	}
	if (tz_local_day(tz, now, &today, NULL) == -1) {
		snprintf(err, errlen, _("unknown time zone \"%s\""), tz);
		return -1;
	}
	for (size_t k = 0; memo != NULL && k < memo->nz; k++)
		if (strcmp(memo->z[k].tz, tz) == 0)
			z = &memo->z[k];
	if ((!z->built || z->today != today || z->nmax != n ||
	    (!z->shared && z->only != owner_id)) &&
	    zone_build(z == &alone ? NULL : memo, z, st, cfg, z->shared ? 0 : owner_id,
	    now, n, err, errlen) == -1)
		goto out;
	c.st = st;
	c.cfg = cfg;
	c.err = err;
	c.errlen = errlen;
	l = owner_id > 0 && (size_t)owner_id < z->nown ? &z->own[owner_id] : NULL;
	list = jsonb_array(&c.jb);
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		json_object *j = jsonb_object(&c.jb);

		if (report_put_client(&c, j, l->v[i].id) == -1) {
			json_object_put(j);
			json_object_put(list);
			goto out;
		}
		jsonb_int(&c.jb, j, "score", l->v[i].s.score);
		report_risk_reasons(&l->v[i].s, &l->v[i].in, z->typical, lang,
		    cfg->report.currency, text, sizeof(text));
		jsonb_str(&c.jb, j, "reasons", text);
		jsonb_append(&c.jb, list, j);
	}
	if (jsonb_failed(&c.jb)) {
		snprintf(err, errlen, _("out of memory"));
		json_object_put(list);
		goto out;
	}
	*out = list;
	rc = 0;
out:
	if (z == &alone)
		zone_lists_free(&alone);
	return rc;
}
