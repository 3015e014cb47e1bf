/*
 * goal.c - monthly goal progress, its projection at the current pace, and
 * the sentence the digest prints.  Pure: the caller counts the actuals.
 */
#include "build.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "goal.h"
#include "i18n.h"

int
goal_weekday(long day, void *arg)
{
	(void)arg;
	return clock_weekday(day) < 5;
}

void
goal_progress(long long actual, long long target, long first, long last, long today,
    goal_workday_fn workday, void *arg, struct goal_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->actual = actual;
	p->target = target > 0 ? target : 0;
	for (long d = first; d <= last; d++) {
		if (!workday(d, arg))
			continue;
		p->working++;
		if (d < today)
			p->elapsed++;
	}
	p->remaining = p->working - p->elapsed;
	if (p->target > 0) {
		p->has_pct = 1;
		p->pct = (double)actual / (double)p->target * 100;
	}
	if (today > last || p->elapsed == p->working) {
		p->has_projection = 1;
		p->projected = (double)actual;
	} else if (p->elapsed > 0) {
		p->has_projection = 1;
		p->projected = (double)actual * p->working / p->elapsed;
	}
	if (p->has_projection && p->target > 0)
		p->projected_pct = p->projected / (double)p->target * 100;
}

const char *
goal_metric_name(enum goal_metric m)
{
	static const char *const names[GOAL_METRICS] = {
		"revenue", "new_clients", "visits", "calls"
	};

	return (unsigned)m < GOAL_METRICS ? names[m] : "?";
}

/* A percentage as people round it: half away from zero, no decimals. */
static long long
whole_pct(double v)
{
	return v < 0 ? -(long long)floor(-v + 0.5 + 1e-9) : (long long)floor(v + 0.5 + 1e-9);
}

void
goal_money(const char *lang, long long cents, const char *currency, char *out, size_t len)
{
	const char *cut = i18n_is_en(lang) ? ".00" : ",00";
	char *p;

	i18n_money(lang, cents, currency, out, len);
	if (cents % 100 == 0 && (p = strstr(out, cut)) != NULL)
		memmove(p, p + 3, strlen(p + 3) + 1);
}

void
goal_sentence(enum goal_metric m, const struct goal_progress *p, int month, const char *lang,
    const char *currency, char *out, size_t len)
{
	static const char *const what_es[GOAL_METRICS][2] = {
		{ "", "" }, { "cliente nuevo", "clientes nuevos" }, { "visita", "visitas" },
		{ "llamada", "llamadas" },
	};
	static const char *const what_en[GOAL_METRICS][2] = {
		{ "", "" }, { "new client", "new clients" }, { "visit", "visits" },
		{ "call", "calls" },
	};
	int en = i18n_is_en(lang);
	const char *pc = en ? "%" : " %";
	char target[64], pct[32];
	size_t n;

	if (m == GOAL_REVENUE)
		goal_money(lang, p->target, currency, target, sizeof(target));
	else
		snprintf(target, sizeof(target), "%lld %s", p->target,
		    (en ? what_en : what_es)[m][p->target == 1 ? 0 : 1]);
	if (p->has_pct)
		snprintf(pct, sizeof(pct), "%lld%s", whole_pct(p->pct), pc);
	else
		snprintf(pct, sizeof(pct), "n/a");
	if (en)
		n = (size_t)snprintf(out, len, "%s goal: %s of %s", i18n_month_name(lang, month),
		    pct, target);
	else
		n = (size_t)snprintf(out, len, "Objetivo de %s: %s de %s",
		    i18n_month_name(lang, month), pct, target);
	if (n >= len)
		return;
	if (p->remaining > 0 && p->elapsed < p->working) {
		if (en)
			n += (size_t)snprintf(out + n, len - n, ", %d working day%s left",
			    p->remaining, p->remaining == 1 ? "" : "s");
		else
			n += (size_t)snprintf(out + n, len - n, ", %s %d %s",
			    p->remaining == 1 ? "queda" : "quedan", p->remaining,
			    p->remaining == 1 ? "día laborable" : "días laborables");
		if (n >= len)
			return;
		if (p->has_projection && p->target > 0)
			snprintf(out + n, len - n, en ? "; at this pace, %lld%s" :
			    "; al ritmo actual, %lld%s", whole_pct(p->projected_pct), pc);
	}
}
