/*
 * report_sales.c - monthly goals against what was done, and sales by
 * product (revenue, quantity, buying clients, Pareto 80/20).
 *
 * Goals: goal.c measures progress and the pace in working days; the
 * actuals and targets come from the store.  Products: the invoice lines
 * of the period's invoices, an invoice without lines counting as one line
 * of no product.  No SQL here.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "goal.h"
#include "i18n.h"
#include "nls.h"
#include "report_priv.h"
#include "scan.h"
#include "tz.h"
#include "workdays.h"

/* ---- goals ----------------------------------------------------------- */

/*
 * The working days goals count: those of the salesperson (email) when the
 * goals are one salesperson's (their own days and holidays where set),
 * else the configuration's (digest.days minus digest.holidays).  *own
 * (caller frees) holds holidays w points to.
 */
static int
goal_days(struct store *st, const struct config *cfg, const char *owner, struct workdays *w,
    long **own, char *err, size_t errlen)
{
	struct owner o = { 0 };
	int rc;

	if (owner == NULL || (rc = store_owner_get(st, owner, &o, err, errlen)) == 1)
		return scan_workdays(cfg, NULL, w, own, err, errlen);
	if (rc == -1)
		return -1;
	rc = scan_workdays(cfg, &o, w, own, err, errlen);
	store_owner_clear(&o);
	return rc;
}

static int
goal_workday(long day, void *arg)
{
	return workdays_is_on(arg, day);
}

static void
put_metric(struct rctx *c, json_object *who, const char *name, int money, long long target,
    const struct goal_progress *p)
{
	json_object *m = jsonb_object(&c->jb);

	jsonb_put_dup(&c->jb, m, money ? "target_cents" : "target",
	    target >= 0 ? jsonb_new_int(&c->jb, target) : NULL);
	jsonb_int_dup(&c->jb, m, money ? "actual_cents" : "actual", p->actual);
	jsonb_put(&c->jb, m, "progress_pct", p->has_pct ? report_jnum(c, p->pct) : NULL);
	jsonb_put_dup(&c->jb, m, money ? "projected_cents" : "projected",
	    p->has_projection ? report_jnum(c, p->projected) : NULL);
	jsonb_put(&c->jb, m, "pace_pct", p->has_projection && p->target > 0 ?
	    report_jnum(c, p->projected_pct) : NULL);
	jsonb_put_dup(&c->jb, who, name, m);
}

/* One owner's or team's goal and actuals into goals[key]. */
static int
goal_entry(struct rctx *c, json_object *goals, const char *key, long long owner_id,
    long long team_id, const struct store_goal *g, long first, long last, long asof,
    struct workdays *w)
{
	struct store_goal_actuals a;
	struct goal_progress p;
	json_object *who;
	const long long targets[GOAL_METRICS] = { g->revenue_cents, g->new_clients, g->visits,
		g->calls };
	long long actual[GOAL_METRICS];
	char f[11], t[11];

	report_day_text(first, f);
	report_day_text(last, t);
	if (store_goal_actuals(c->st, owner_id, team_id, f, t, c->from_at, c->to_at,
	    c->cfg->report.currency, &a, c->err, c->errlen) == -1)
		return -1;
	actual[GOAL_REVENUE] = a.revenue_cents;
	actual[GOAL_NEW_CLIENTS] = a.new_clients;
	actual[GOAL_VISITS] = a.visits;
	actual[GOAL_CALLS] = a.calls;
	who = jsonb_object(&c->jb);
	for (int m = 0; m < GOAL_METRICS; m++) {
		goal_progress(actual[m], targets[m] > 0 ? targets[m] : 0, first, last, asof,
		    goal_workday, w, &p);
		put_metric(c, who, goal_metric_name((enum goal_metric)m), m == GOAL_REVENUE,
		    targets[m], &p);
	}
	jsonb_put_dup(&c->jb, goals, key, who);
	return 0;
}

struct goal_rows {
	struct rctx	*c;
	json_object	*goals;
	long		 first, last, asof;
	struct workdays	 w;
	int		 failed;
};

static long long
row_target(const struct store_row *r, const char *name)
{
	const char *v = store_row_value(r, name);

	return v != NULL ? strtoll(v, NULL, 10) : -1;
}

static int
goal_row(const struct store_row *r, void *arg)
{
	struct goal_rows *a = arg;
	struct rctx *c = a->c;
	const char *owner = store_row_value(r, "owner"), *team = store_row_value(r, "team");
	struct store_goal g;
	struct owner o = { 0 };
	long long oid = 0, tid = 0;
	char key[300];
	int rc;

	if (owner != NULL) {
		if (c->o->owner != NULL && strcasecmp(c->o->owner, owner) != 0)
			return 0;
		if ((rc = store_owner_get(c->st, owner, &o, c->err, c->errlen)) != 0) {
			a->failed = rc == -1;
			return rc == -1;
		}
		oid = o.id;
		store_owner_clear(&o);
		snprintf(key, sizeof(key), "%s", owner);
	} else if (team != NULL) {
		if (c->o->owner != NULL)
			return 0;
		if ((rc = store_team_id(c->st, team, &tid, NULL, c->err, c->errlen)) != 0) {
			a->failed = rc == -1;
			return rc == -1;
		}
		snprintf(key, sizeof(key), "team:%s", team);
	} else
		return 0;
	g.revenue_cents = row_target(r, "revenue_cents");
	g.new_clients = row_target(r, "new_clients");
	g.visits = row_target(r, "visits");
	g.calls = row_target(r, "calls");
	if (goal_entry(c, a->goals, key, oid, tid, &g, a->first, a->last, a->asof, &a->w) == -1) {
		a->failed = 1;
		return 1;
	}
	return 0;
}

int
report_goals_json(struct rctx *c, json_object *r)
{
	struct goal_rows a = { 0 };
	struct goal_progress p;
	long *own = NULL;
	int y, m, d, rc;
	char month[8], day[11];

	clock_days_to_date(c->o->from, &y, &m, &d);
	a.first = clock_date_to_days(y, m, 1);
	a.last = (m == 12 ? clock_date_to_days(y + 1, 1, 1) : clock_date_to_days(y, m + 1, 1)) - 1;
	if (c->o->from != a.first || c->o->to != a.last) {
		snprintf(c->err, c->errlen, _("goals are monthly: give a whole month (--month YYYY-MM)"));
		return -1;
	}
	/* Progress as of today while the month runs; after it, its end. */
	a.asof = c->today < a.first ? a.first : c->today > a.last ? a.last + 1 : c->today;
	snprintf(month, sizeof(month), "%04d-%02d", y, m);
	jsonb_str(&c->jb, r, "month", month);
	report_day_text(a.asof > a.last ? a.last : a.asof, day);
	jsonb_str(&c->jb, r, "as_of", day);
	if (goal_days(c->st, c->cfg, c->o->owner, &a.w, &own, c->err, c->errlen) == -1)
		return -1;
	goal_progress(0, 0, a.first, a.last, a.asof, goal_workday, &a.w, &p);
	jsonb_int(&c->jb, r, "working_days", p.working);
	jsonb_int(&c->jb, r, "elapsed_working_days", p.elapsed);
	jsonb_int(&c->jb, r, "remaining_working_days", p.remaining);
	a.c = c;
	a.goals = jsonb_object(&c->jb);
	jsonb_put(&c->jb, r, "goals", a.goals);
	rc = store_goal_list(c->st, month, goal_row, &a, c->err, c->errlen) == -1 || a.failed ?
	    -1 : 0;
	free(own);
	return rc;
}

/* ---- products ---------------------------------------------------------- */

struct prod {
	long long	 id;
	char		*name, *kind;
	double		 quantity;
	long long	 cents, clients;
};

struct pair {
	long long	 product, client;
};

struct sales {
	struct rctx	*c;
	struct prod	*v;
	size_t		 n, cap;
	struct pair	*pairs;
	size_t		 np, capp;
	int		 failed;
};

static int
sale(const struct store_sale *x, void *arg)
{
	struct sales *s = arg;
	size_t i;

	if (!report_in(s->c, x->client_id))
		return 0;
	for (i = 0; i < s->n && s->v[i].id != x->product_id; i++)
		;
	if (i == s->n) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 32;
			struct prod *v = reallocarray(s->v, cap, sizeof(*v));
			if (v == NULL)
				goto nomem;
			s->v = v;
			s->cap = cap;
		}
		memset(&s->v[i], 0, sizeof(s->v[i]));
		s->v[i].id = x->product_id;
		s->n++;
		if ((x->product != NULL && (s->v[i].name = strdup(x->product)) == NULL) ||
		    (x->kind != NULL && (s->v[i].kind = strdup(x->kind)) == NULL))
			goto nomem;
	}
	s->v[i].quantity += x->quantity;
	s->v[i].cents += x->cents;
	if (s->np == s->capp) {
		size_t cap = s->capp ? s->capp * 2 : 256;
		struct pair *p = reallocarray(s->pairs, cap, sizeof(*p));
		if (p == NULL)
			goto nomem;
		s->pairs = p;
		s->capp = cap;
	}
	s->pairs[s->np].product = x->product_id;
	s->pairs[s->np++].client = x->client_id;
	return 0;
nomem:
	snprintf(s->c->err, s->c->errlen, _("out of memory"));
	s->failed = 1;
	return 1;
}

static int
cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->product != y->product)
		return x->product < y->product ? -1 : 1;
	return x->client < y->client ? -1 : x->client > y->client;
}

static int
cmp_prod(const void *a, const void *b)
{
	const struct prod *x = a, *y = b;

	if (x->cents != y->cents)
		return x->cents > y->cents ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
report_products_json(struct rctx *c, json_object *r, int list)
{
	struct sales s = { 0 };
	long long total = 0, cum = 0;
	size_t top, sold = 0;
	int rc = -1;

	s.c = c;
	if (store_sales_by_product(c->st, c->from_s, c->to_s, c->cfg->report.currency, sale, &s,
	    c->err, c->errlen) == -1 || s.failed)
		goto out;
	/* Distinct buying clients of each product. */
	if (s.np > 1)
		qsort(s.pairs, s.np, sizeof(*s.pairs), cmp_pair);
	for (size_t i = 0; i < s.np; i++) {
		if (i > 0 && cmp_pair(&s.pairs[i], &s.pairs[i - 1]) == 0)
			continue;
		for (size_t k = 0; k < s.n; k++)
			if (s.v[k].id == s.pairs[i].product) {
				s.v[k].clients++;
				break;
			}
	}
	if (s.n > 1)
		qsort(s.v, s.n, sizeof(*s.v), cmp_prod);
	for (size_t i = 0; i < s.n; i++)
		if (s.v[i].cents > 0) {
			total += s.v[i].cents;
			sold++;
		}
	/* The fewest products whose revenue reaches 80 %, as for clients. */
	for (top = 0; top < sold && cum * 5 < total * 4; top++)
		cum += s.v[top].cents;
	jsonb_int(&c->jb, r, "revenue_cents", total);
	jsonb_int(&c->jb, r, "sold_products", (long long)sold);
	jsonb_int(&c->jb, r, "top_products", (long long)top);
	jsonb_put(&c->jb, r, "top_share_of_products_pct", report_jpct(c, (double)top, (double)sold));
	jsonb_put(&c->jb, r, "top_share_of_revenue_pct", report_jpct(c, (double)cum, (double)total));
	if (list) {
		json_object *a = jsonb_array(&c->jb);
		cum = 0;
		for (size_t i = 0; i < s.n && (c->o->limit == 0 || (long)i < c->o->limit); i++) {
			json_object *j = jsonb_object(&c->jb);
			const char *none = i18n_is_en(c->o->lang) ? "(no lines)" : "(sin líneas)";

			cum += s.v[i].cents;
			jsonb_int(&c->jb, j, "rank", (long long)i + 1);
			jsonb_str(&c->jb, j, "product", s.v[i].id > 0 ? s.v[i].name : none);
			jsonb_str(&c->jb, j, "kind", s.v[i].kind);
			jsonb_put(&c->jb, j, "quantity", report_jnum(c, s.v[i].quantity));
			jsonb_int(&c->jb, j, "clients", s.v[i].clients);
			jsonb_int(&c->jb, j, "revenue_cents", s.v[i].cents);
			jsonb_put(&c->jb, j, "share_pct", report_jpct(c, (double)s.v[i].cents, (double)total));
			jsonb_put(&c->jb, j, "cumulative_pct", report_jpct(c, (double)cum, (double)total));
			jsonb_bool(&c->jb, j, "in_top", i < top);
			jsonb_append(&c->jb, a, j);
		}
		jsonb_put(&c->jb, r, "products", a);
	}
	rc = 0;
out:
	for (size_t i = 0; i < s.n; i++) {
		free(s.v[i].name);
		free(s.v[i].kind);
	}
	free(s.v);
	free(s.pairs);
	return rc;
}

/* ---- goals in words ---------------------------------------------------- */

static const char *const metric_keys[GOAL_METRICS][2] = {
	{ "target_cents", "actual_cents" }, { "target", "actual" }, { "target", "actual" },
	{ "target", "actual" },
};

static long long
jint(json_object *o, const char *k, int *present)
{
	json_object *v = NULL;

	*present = json_object_object_get_ex(o, k, &v) && v != NULL;
	return *present ? json_object_get_int64(v) : 0;
}

int
report_goal_lines(struct store *st, const struct config *cfg, const char *owner, long day,
    const char *tz, const char *lang, time_t now, json_object **out, char *err, size_t errlen)
{
	struct report_opts o = { 0 };
	struct jsonb jb = JSONB_INIT;
	json_object *r = NULL, *goals = NULL, *list;
	struct workdays w;
	long first, last, today, asof, *own = NULL;
	int y, m, d;

	*out = NULL;
	clock_days_to_date(day, &y, &m, &d);
	first = clock_date_to_days(y, m, 1);
	last = (m == 12 ? clock_date_to_days(y + 1, 1, 1) : clock_date_to_days(y, m + 1, 1)) - 1;
	o.from = first;
	o.to = last;
	o.owner = owner;
	o.tz = tz;
	o.lang = lang;
	o.now = now;
	if (tz_local_day(tz, now, &today, NULL) == -1) {
		snprintf(err, errlen, _("unknown time zone \"%s\""), tz);
		return -1;
	}
	asof = today < first ? first : today > last ? last + 1 : today;
	if (goal_days(st, cfg, owner, &w, &own, err, errlen) == -1)
		return -1;
	if (report_build(st, cfg, "goals", &o, &r, err, errlen) == -1) {
		free(own);
		return -1;
	}
	list = jsonb_array(&jb);
	json_object_object_get_ex(r, "goals", &goals);
	json_object_object_foreach(goals, key, who) {
		char name[300];

		/* Whose: nobody's name in one salesperson's own summary. */
		name[0] = '\0';
		if (strncmp(key, "team:", 5) == 0)
			snprintf(name, sizeof(name), i18n_is_en(lang) ? "Team %s" : "Equipo %s",
			    key + 5);
		else if (owner == NULL) {
			struct owner ow = { 0 };
			if (store_owner_get(st, key, &ow, err, errlen) == 0)
				snprintf(name, sizeof(name), "%s", ow.name);
			else
				snprintf(name, sizeof(name), "%s", key);
			store_owner_clear(&ow);
		}
		for (int k = 0; k < GOAL_METRICS; k++) {
			json_object *mo = NULL, *line;
			struct goal_progress p;
			long long target, actual;
			char text[512];
			int has;

			if (!json_object_object_get_ex(who, goal_metric_name((enum goal_metric)k),
			    &mo) || mo == NULL)
				continue;
			target = jint(mo, metric_keys[k][0], &has);
			if (!has || target <= 0)
				continue;
			actual = jint(mo, metric_keys[k][1], &has);
			goal_progress(actual, target, first, last, asof, goal_workday, &w, &p);
			goal_sentence((enum goal_metric)k, &p, m, lang, cfg->report.currency, text,
			    sizeof(text));
			line = jsonb_object(&jb);
			jsonb_put(&jb, line, "who", name[0] ?
			    jsonb_new_str(&jb, name) : NULL);
			jsonb_put(&jb, line, "metric", jsonb_new_str(&jb,
			    goal_metric_name((enum goal_metric)k)));
			jsonb_put(&jb, line, "text", jsonb_new_str(&jb, text));
			jsonb_append(&jb, list, line);
		}
	}
	json_object_put(r);
	free(own);
	if (jsonb_failed(&jb)) {
		json_object_put(list);
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	*out = list;
	return 0;
}

int
report_goal_targets(struct store *st, long long owner_id, long day, int n, long long *targets,
    char *err, size_t errlen)
{
	long long team = 0;
	int y, m, d, rc;

	clock_days_to_date(day, &y, &m, &d);
	if (owner_id == 0 && (rc = store_team_everyone(st, &team, err, errlen)) != 0) {
		for (int i = 0; i < n; i++)
			targets[i] = -1;
		return rc == 1 ? 0 : -1;
	}
	for (int i = 0; i < n; i++) {
		struct store_goal g;
		int k = m - (n - 1 - i), yy = y;
		char month[32];

		while (k < 1) {
			k += 12;
			yy--;
		}
		snprintf(month, sizeof(month), "%04d-%02d", yy, k);
		if ((rc = store_goal_get(st, owner_id, team, month, &g, err, errlen)) == -1)
			return -1;
		targets[i] = rc == 0 ? g.revenue_cents : -1;
	}
	return 0;
}
