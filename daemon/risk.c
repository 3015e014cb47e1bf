/*
 * risk.c - the churn risk score of one client and its reasons in words.
 *
 * Pure arithmetic over a client's history (risk.h says what each factor
 * is worth); reading that history is the caller's job.
 */
#include "build.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "risk.h"

#define LATE_MAX	45.0
#define FREQUENCY_MAX	15.0
#define AMOUNT_MAX	10.0
#define NPS_MAX		15.0
#define OVERDUE_BASE	5.0
#define OVERDUE_MAX	10.0	/* on top of the base, reached at 90 days */
#define MISSED_EACH	3.0
#define MISSED_MAX	10.0

static double
expected_gap(const struct risk_input *in, double typical)
{
	if (in->purchase_days >= 2 && in->median_gap > 0)
		return in->median_gap;
	return typical > 0 ? typical : 1;
}

/* 1 - recent rate / earlier rate, at least 0 (rates per day). */
static double
drop(double recent, double recent_days, double before, double before_days)
{
	double r = recent / recent_days, b = before / before_days, d;

	if (b <= 0)
		return 0;
	d = 1 - r / b;
	return d > 0 ? d : 0;
}

void
risk_score(const struct risk_input *in, double typical, struct risk_score *out)
{
	double sum = 0, since, exp;

	memset(out, 0, sizeof(*out));
	if (in->last_purchase >= 0) {
		since = (double)(in->day - in->last_purchase);
		exp = expected_gap(in, typical);
		if (since > exp)
			out->points[RISK_LATE] = LATE_MAX * (1 - exp / since);
	}
	if (in->buys_before >= 2) {
		out->points[RISK_FREQUENCY] = FREQUENCY_MAX *
		    (drop(in->buys_short, RISK_RECENT_SHORT, in->buys_before, RISK_BEFORE) +
		    drop(in->buys_long, RISK_RECENT_LONG, in->buys_before, RISK_BEFORE)) / 2;
		if (in->cents_before > 0)
			out->points[RISK_AMOUNT] = AMOUNT_MAX *
			    (drop((double)in->cents_short, RISK_RECENT_SHORT,
			    (double)in->cents_before, RISK_BEFORE) +
			    drop((double)in->cents_long, RISK_RECENT_LONG,
			    (double)in->cents_before, RISK_BEFORE)) / 2;
	}
	if (in->nps >= 0 && in->nps <= 6)
		out->points[RISK_NPS] = NPS_MAX * (7 - in->nps) / 7.0;
	if (in->overdue > 0)
		out->points[RISK_OVERDUE] = OVERDUE_BASE + OVERDUE_MAX *
		    (in->overdue_days >= 90 ? 1.0 : in->overdue_days > 0 ?
		    in->overdue_days / 90.0 : 0.0);
	if (in->missed > 0)
		out->points[RISK_MISSED] = fmin(MISSED_MAX, MISSED_EACH * in->missed);
	for (int f = 0; f < RISK_FACTORS; f++) {
		sum += out->points[f];
		if (out->points[f] >= 1) {
			/* Insertion, largest first; ties keep the factor order. */
			int k = out->nreasons++;
			while (k > 0 && out->reasons[k - 1].points < out->points[f]) {
				out->reasons[k] = out->reasons[k - 1];
				k--;
			}
			out->reasons[k].factor = (enum risk_factor)f;
			out->reasons[k].points = out->points[f];
		}
	}
	if (sum > 100)
		sum = 100;
	/* Half away from zero; a sum a hair under .5 from float error counts as .5. */
	out->score = (int)floor(sum + 0.5 + 1e-9);
}

const char *
risk_factor_name(enum risk_factor f)
{
	static const char *const names[RISK_FACTORS] = {
		"late", "frequency", "amount", "nps", "overdue", "missed"
	};

	return (unsigned)f < RISK_FACTORS ? names[f] : "?";
}

static const char *
plural(long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void
risk_reason_text(enum risk_factor f, const struct risk_input *in, double typical,
    const char *lang, const char *cur, char *out, size_t len)
{
	int en = i18n_is_en(lang);
	char a[64], b[64];
	long since = in->last_purchase >= 0 ? in->day - in->last_purchase : 0;

	switch (f) {
	case RISK_LATE:
		if (in->purchase_days >= 2 && in->median_gap > 0)
			snprintf(out, len, en ? "no purchase for %ld days; usually every %.0f" :
			    "sin comprar hace %ld días; suele hacerlo cada %.0f", since,
			    floor(in->median_gap + 0.5));
		else
			snprintf(out, len, en ? "one purchase, %ld days ago (clients buy every %.0f)" :
			    "una sola compra, hace %ld días (se suele comprar cada %.0f)", since,
			    floor(expected_gap(in, typical) + 0.5));
		break;
	case RISK_FREQUENCY:
		snprintf(out, len, en ? "bought on %d day%s in 6 months, %d in the year before" :
		    "compró %d %s en 6 meses, %d en el año anterior", in->buys_long,
		    en ? plural(in->buys_long, "", "s") : plural(in->buys_long, "vez", "veces"),
		    in->buys_before);
		break;
	case RISK_AMOUNT:
		i18n_money(lang, in->cents_long, cur, a, sizeof(a));
		i18n_money(lang, in->cents_before, cur, b, sizeof(b));
		snprintf(out, len, en ? "%s in 6 months, %s in the year before" :
		    "%s en 6 meses, %s en el año anterior", a, b);
		break;
	case RISK_NPS:
		i18n_date(lang, in->nps_day, a, sizeof(a));
		snprintf(out, len, en ? "detractor: NPS answer %d on %s" :
		    "detractor: respondió %d en la encuesta NPS del %s", in->nps, a);
		break;
	case RISK_OVERDUE:
		i18n_money(lang, in->overdue_cents, cur, a, sizeof(a));
		if (en)
			snprintf(out, len, "%d overdue invoice%s, %s (the oldest %ld day%s past due)",
			    in->overdue, plural(in->overdue, "", "s"), a, in->overdue_days,
			    plural(in->overdue_days, "", "s"));
		else
			snprintf(out, len, "%d %s, %s (la más antigua, hace %ld %s)",
			    in->overdue, plural(in->overdue, "factura vencida", "facturas vencidas"),
			    a, in->overdue_days, plural(in->overdue_days, "día", "días"));
		break;
	case RISK_MISSED:
		if (en)
			snprintf(out, len, "%d missed contact%s (no answer, or planned and not done)",
			    in->missed, plural(in->missed, "", "s"));
		else
			snprintf(out, len, "%d %s (sin respuesta, o %s y sin hacer)", in->missed,
			    plural(in->missed, "contacto fallido", "contactos fallidos"),
			    plural(in->missed, "planificado", "planificados"));
		break;
	default:
		snprintf(out, len, "?");
	}
}
