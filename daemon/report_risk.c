/*
 * report_risk.c - churn risk of every active client as of a day (the
 * period's last day), with its reasons: the clients a salesperson should
 * call first.  The score is risk.c's; the history is store_history()'s.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "lifecycle.h"
#include "nls.h"
#include "report_priv.h"
#include "risk.h"

struct risk_row {
	long long		 id;
	struct risk_input	 in;
	struct risk_score	 s;
};

struct risk_arg {
	struct rctx		*c;
	long			 day;
	time_t			 end;
	struct risk_row		*v;
	size_t			 n, cap;
	double			*gaps;		/* rhythms of clients with two purchase days */
	size_t			 ngaps;
	int			 failed;
};

static int
count_in(const struct store_history *h, long lo, long hi, long long *cents)
{
	int n = 0;

	*cents = 0;
	for (size_t i = 0; i < h->ndays; i++)
		if (h->days[i] > lo && h->days[i] <= hi) {
			n++;
			*cents += h->cents[i];
		}
	return n;
}

void
report_risk_input(const struct store_history *h, long d, struct risk_input *in)
{
	memset(in, 0, sizeof(*in));
	in->day = d;
	in->purchase_days = (long)h->ndays;	/* the history ends on d */
	in->last_purchase = h->ndays > 0 ? h->days[h->ndays - 1] : -1;
	in->buys_short = count_in(h, d - RISK_RECENT_SHORT, d, &in->cents_short);
	in->buys_long = count_in(h, d - RISK_RECENT_LONG, d, &in->cents_long);
	in->buys_before = count_in(h, d - RISK_RECENT_LONG - RISK_BEFORE, d - RISK_RECENT_LONG,
	    &in->cents_before);
	in->nps = -1;
	if (h->nps >= 0 && h->nps_day > d - 365) {
		in->nps = h->nps;
		in->nps_day = h->nps_day;
	}
	in->overdue = h->overdue;
	in->overdue_cents = h->overdue_cents;
	in->overdue_days = h->oldest_due >= 0 ? d - h->oldest_due : 0;
	in->missed = h->missed + h->no_answer;
}

static int
risk_client(const struct store_history *h, void *arg)
{
	struct risk_arg *a = arg;
	struct rctx *c = a->c;
	struct report_client rc;
	double gap;

	report_client_init(c, h, &rc);
	if (!report_active_on(c, &rc, a->day, a->end))
		return 0;
	if (a->n == a->cap || a->ngaps == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		struct risk_row *v = reallocarray(a->v, cap, sizeof(*v));
		double *g = reallocarray(a->gaps, cap, sizeof(*g));
		if (v != NULL)
			a->v = v;
		if (g != NULL)
			a->gaps = g;
		if (v == NULL || g == NULL) {
			snprintf(c->err, c->errlen, _("out of memory"));
			a->failed = 1;
			return 1;
		}
		a->cap = cap;
	}
	/* Every active client's rhythm makes the typical one; only those
	 * passing the filters are listed. */
	if (lifecycle_median_gap(h->days, h->ndays, &gap) == -1) {
		snprintf(c->err, c->errlen, _("out of memory"));
		a->failed = 1;
		return 1;
	}
	if (h->ndays >= 2)
		a->gaps[a->ngaps++] = gap;
	if (!report_in(c, h->id))
		return 0;
	memset(&a->v[a->n], 0, sizeof(a->v[a->n]));
	a->v[a->n].id = h->id;
	report_risk_input(h, a->day, &a->v[a->n].in);
	a->v[a->n].in.median_gap = gap;
	a->n++;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
report_typical_gap(const struct config *cfg, double *v, size_t n)
{
	if (n == 0)
		return cfg->inactive.single_purchase_days;
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int
cmp_row(const void *a, const void *b)
{
	const struct risk_row *x = a, *y = b;

	if (x->s.score != y->s.score)
		return x->s.score > y->s.score ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

void
report_risk_reasons(const struct risk_score *s, const struct risk_input *in, double typical,
    const char *lang, const char *currency, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (int i = 0; i < s->nreasons && i < 3 && n + 3 < len; i++) {
		if (i > 0)
			n += (size_t)snprintf(out + n, len - n, "; ");
		risk_reason_text(s->reasons[i].factor, in, typical, lang, currency, out + n,
		    len - n);
		n = strlen(out);
	}
}

int
report_risk_json(struct rctx *c, json_object *r)
{
	struct store_history_query q = { 0 };
	struct risk_arg a = { 0 };
	double typical;
	json_object *list;
	char day[11], text[1024];
	int rc = -1;

	a.c = c;
	a.day = c->o->to;
	if (report_day_start(c, a.day + 1, &a.end) == -1 ||
	    report_day_start(c, a.day, &q.day_start) == -1 ||
	    report_day_start(c, a.day - RISK_RECENT_SHORT + 1, &q.no_answer_since) == -1)
		return -1;
	q.day = a.day;
	q.until = a.end;
	q.currency = c->cfg->report.currency;
	q.want = STORE_H_PURCHASES | STORE_H_NO_ANSWER | STORE_H_CHANGES | STORE_H_NPS |
	    STORE_H_OVERDUE | STORE_H_MISSED;
	if (store_history(c->st, &q, risk_client, &a, c->err, c->errlen) == -1 || a.failed)
		goto out;
	/* A client that bought once is measured against the portfolio's
	 * typical rhythm: the median of the others' (else the active window). */
	typical = report_typical_gap(c->cfg, a.gaps, a.ngaps);
	for (size_t i = 0; i < a.n; i++)
		risk_score(&a.v[i].in, typical, &a.v[i].s);
	if (a.n > 1)
		qsort(a.v, a.n, sizeof(*a.v), cmp_row);
	report_day_text(a.day, day);
	jsonb_str(&c->jb, r, "as_of", day);
	jsonb_int(&c->jb, r, "active_clients", (long long)a.n);
	jsonb_put(&c->jb, r, "typical_gap_days", report_jnum(c, typical));
	list = jsonb_array(&c->jb);
	for (size_t i = 0; i < a.n && (c->o->limit == 0 || (long)i < c->o->limit); i++) {
		json_object *j = jsonb_object(&c->jb);

		jsonb_int(&c->jb, j, "rank", (long long)i + 1);
		if (report_put_client(c, j, a.v[i].id) == -1) {
			json_object_put(j);
			json_object_put(list);
			goto out;
		}
		jsonb_int(&c->jb, j, "score", a.v[i].s.score);
		report_risk_reasons(&a.v[i].s, &a.v[i].in, typical, c->o->lang,
		    c->cfg->report.currency, text, sizeof(text));
		jsonb_str(&c->jb, j, "reasons", text);
		jsonb_append(&c->jb, list, j);
	}
	jsonb_put(&c->jb, r, "clients", list);
	rc = 0;
out:
	free(a.v);
	free(a.gaps);
	return rc;
}
