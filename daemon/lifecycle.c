/*
 * lifecycle.c - a client's status on a day and its lifecycle stage,
 * derived from its purchases, touches and explicit status changes.
 *
 * Pure: the caller reads the facts from the store; nothing here does I/O
 * or keeps state.  The rules are in lifecycle.h and the README.
 */
#include "build.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "lifecycle.h"
#include "record.h"

static const char *const status_names[] = {
	[LS_NONE] = NULL, [LS_POTENTIAL] = "potential", [LS_ACTIVE] = "active",
	[LS_INACTIVE] = "inactive", [LS_LOST] = "lost",
};

const char *
lifecycle_status_name(enum lifecycle_status s)
{
	return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ?
	    status_names[s] : NULL;
}

enum lifecycle_status
lifecycle_status_parse(const char *s)
{
	for (int i = LS_POTENTIAL; i <= LS_LOST; i++)
		if (s != NULL && strcmp(s, status_names[i]) == 0)
			return (enum lifecycle_status)i;
	return LS_NONE;
}

enum lifecycle_status
lifecycle_status_on(const struct lifecycle_status_facts *f, long day,
    enum lifecycle_status explicit)
{
	long appear = f->created_day;

	if (explicit != LS_NONE)
		return explicit;
	if (f->first_purchase >= 0 && f->first_purchase < appear)
		appear = f->first_purchase;
	if (day < appear)
		return LS_NONE;
	switch (f->initial) {
	case LS_POTENTIAL:
		return f->first_purchase >= 0 && day >= f->first_purchase ?
		    LS_ACTIVE : LS_POTENTIAL;
	case LS_LOST:
		if (f->last_purchase >= 0 && f->last_purchase + 1 < f->created_day)
			return day > f->last_purchase ? LS_LOST : LS_ACTIVE;
		return day >= f->created_day ? LS_LOST : LS_ACTIVE;
	case LS_NONE:
		return LS_ACTIVE;
	default:
		return f->initial;
	}
}

enum lifecycle_stage
lifecycle_stage(const struct lifecycle_facts *f, long day, const struct lifecycle_params *p)
{
	long since;

	if (f->status == LS_NONE)
		return LC_NONE;
	if (f->status == LS_LOST)
		return LC_LOST;
	if (f->purchases <= 0 || f->last < 0)
		return f->touched ? LC_PROSPECT : LC_LEAD;
	since = day - f->last;
	if (since >= p->window_days)
		return LC_DORMANT;
	if (day - f->first < p->new_days)
		return LC_NEW;
	if (f->purchases >= 2 ? since > p->factor * f->median_gap && since > p->min_days :
	    since > p->min_days)
		return LC_AT_RISK;
	if (f->prev >= 0 && f->last - f->prev >= p->window_days && since < p->new_days)
		return LC_RECOVERED;
	return LC_RECURRING;
}

static const struct {
	const char	*code, *es, *en;
	const char	*alias[3];	/* folded extra words */
} stages[LC_COUNT] = {
	[LC_NONE] = { "none", "(nuevo en cartera)", "(new to the portfolio)", { NULL } },
	[LC_LEAD] = { "lead", "lead", "lead", { NULL } },
	[LC_PROSPECT] = { "prospect", "prospecto", "prospect", { "prospeccion", NULL } },
	[LC_NEW] = { "new", "nuevo", "new", { "nuevo", "nueva", NULL } },
	[LC_RECURRING] = { "recurring", "recurrente", "recurring", { "recurrente", "habitual", NULL } },
	[LC_AT_RISK] = { "at_risk", "en riesgo", "at risk", { "enriesgo", "riesgo", "atrisk" } },
	[LC_DORMANT] = { "dormant", "dormido", "dormant", { "dormido", "dormida", NULL } },
	[LC_LOST] = { "lost", "perdido", "lost", { "perdido", "perdida", NULL } },
	[LC_RECOVERED] = { "recovered", "recuperado", "recovered",
	    { "recuperado", "recuperada", NULL } },
};

const char *
lifecycle_name(enum lifecycle_stage s)
{
	return (unsigned)s < LC_COUNT ? stages[s].code : "none";
}

const char *
lifecycle_label(enum lifecycle_stage s, const char *lang)
{
	if ((unsigned)s >= LC_COUNT)
		s = LC_NONE;
	return i18n_is_en(lang) ? stages[s].en : stages[s].es;
}

/* Lowercase ASCII letters only: "En riesgo" -> "enriesgo", "at_risk" -> "atrisk". */
static void
key(const char *s, char *out, size_t len)
{
	char tmp[128];
	size_t n = 0;

	record_fold(s, tmp, sizeof(tmp));
	for (char *p = tmp; *p != '\0' && n + 1 < len; p++)
		if (isalpha((unsigned char)*p))
			out[n++] = (char)tolower((unsigned char)*p);
	out[n] = '\0';
}

int
lifecycle_parse(const char *s)
{
	char k[128], c[128];

	if (s == NULL)
		return -1;
	key(s, k, sizeof(k));
	if (k[0] == '\0')
		return -1;
	for (int i = LC_LEAD; i < LC_COUNT; i++) {
		key(stages[i].code, c, sizeof(c));
		if (strcmp(k, c) == 0)
			return i;
		key(stages[i].es, c, sizeof(c));
		if (strcmp(k, c) == 0)
			return i;
		for (int a = 0; a < 3 && stages[i].alias[a] != NULL; a++)
			if (strcmp(k, stages[i].alias[a]) == 0)
				return i;
	}
	return -1;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

int
lifecycle_median_gap(const long *days, size_t n, double *out)
{
	long *gaps;
	size_t k = n - 1;

	*out = 0;
	if (n < 2)
		return 0;
	if ((gaps = malloc(k * sizeof(*gaps))) == NULL)
		return -1;
	for (size_t i = 0; i < k; i++)
		gaps[i] = days[i + 1] - days[i];
	if (k > 1)
		qsort(gaps, k, sizeof(*gaps), cmp_long);
	*out = k % 2 ? (double)gaps[k / 2] : (gaps[k / 2 - 1] + gaps[k / 2]) / 2.0;
	free(gaps);
	return 0;
}
