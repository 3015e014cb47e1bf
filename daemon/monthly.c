/*
 * monthly.c - compose the monthly summary: report.c's numbers, formatted
 * for the reader's language, the monthly template, and the chart.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "address.h"
#include "chart.h"
#include "clock.h"
#include "compose.h"
#include "goal.h"
#include "i18n.h"
#include "mime.h"
#include "monthly.h"
#include "report.h"

#define CHART_MONTHS	12
#define CHART_CID	"revenue-chart@cartera.invalid"

int
monthly_due(long day, long *month_day)
{
	int y, m, d;
	long first, firstwork;

	clock_days_to_date(day, &y, &m, &d);
	first = clock_date_to_days(y, m, 1);
	firstwork = first;
	while (clock_weekday(firstwork) >= 5)	/* Saturday, Sunday */
		firstwork++;
	*month_day = first - 1;			/* a day of last month */
	/* The first working day, or a later day of the first week if missed. */
	return day >= firstwork && day < first + 7;
}

void
monthly_key(const struct owner *o, long month_day, char *key, size_t len)
{
	int y, m, d;

	clock_days_to_date(month_day, &y, &m, &d);
	if (o != NULL)
		snprintf(key, len, "monthly:%lld:%04d-%02d", o->id, y, m);
	else
		snprintf(key, len, "monthly:team:%04d-%02d", y, m);
}

/* A copy of the report with every value formatted for people. */
static json_object *
humanize(struct jsonb *jb, json_object *r, const char *lang, const char *cur)
{
	json_object *o = jsonb_object(jb);
	char buf[128];

	json_object_object_foreach(r, k, v) {
		if (v != NULL && json_object_get_type(v) == json_object_get_type(r))
			jsonb_put_dup(jb, o, k, humanize(jb, v, lang, cur));
		else if (v != NULL && json_object_get_type(v) == json_type_array)
			continue;
		else {
			report_human(k, v, lang, cur, buf, sizeof(buf));
			jsonb_str_dup(jb, o, k, buf);
		}
	}
	return o;
}

int
monthly_compose(struct store *st, const struct config *cfg, const struct render_set *t,
    const struct owner *o, long month_day, const char *lang, const char *tz,
    const char *to_addr, time_t now, struct outbox_msg *m, char *err, size_t errlen)
{
	struct report_opts ro = { 0 };
	struct jsonb jb = JSONB_INIT;
	struct mail_inline part;
	json_object *r = NULL, *data = NULL, *chart, *goals = NULL;
	long long cents[CHART_MONTHS], targets[CHART_MONTHS];
	unsigned char *png = NULL;
	size_t pnglen;
	char buf[96], key[64];
	int y, mo, d, rc = -1;

	memset(m, 0, sizeof(*m));
	*err = '\0';
	/* The month holding month_day, first to last day. */
	clock_days_to_date(month_day, &y, &mo, &d);
	ro.from = clock_date_to_days(y, mo, 1);
	ro.to = (mo == 12 ? clock_date_to_days(y + 1, 1, 1) : clock_date_to_days(y, mo + 1, 1)) - 1;
	ro.owner = o != NULL ? o->email : NULL;
	ro.lang = lang;
	ro.tz = tz;
	ro.now = now;
	if (report_build(st, cfg, "summary", &ro, &r, err, errlen) == -1 ||
	    report_monthly_revenue(st, cfg, &ro, ro.to, CHART_MONTHS, cents, err, errlen) == -1 ||
	    report_goal_lines(st, cfg, ro.owner, ro.to, tz, lang, now, &goals, err,
	    errlen) == -1 ||
	    report_goal_targets(st, o != NULL ? o->id : 0, ro.to, CHART_MONTHS, targets, err,
	    errlen) == -1)
		goto out;
	data = humanize(&jb, r, lang, cfg->report.currency);
	clock_days_to_date(ro.from, &y, &mo, &d);
	jsonb_str(&jb, data, "month", i18n_month(lang, y, mo, buf, sizeof(buf)));
	jsonb_bool(&jb, data, "team", o == NULL);
	if (o != NULL) {
		json_object *oj = jsonb_object(&jb);
		jsonb_str(&jb, oj, "name", o->name);
		jsonb_str(&jb, oj, "email", o->email);
		jsonb_put(&jb, data, "owner", oj);
	} else
		jsonb_put(&jb, data, "owner", NULL);
	/* The month's goals in words, and whether there are any. */
	jsonb_bool(&jb, data, "has_goals", json_object_array_length(goals) > 0);
	jsonb_put(&jb, data, "goals", goals);
	goals = NULL;
	chart = jsonb_array(&jb);
	for (int i = 0; i < CHART_MONTHS; i++) {
		json_object *c = jsonb_object(&jb);
		int k = mo - (CHART_MONTHS - 1 - i), yy = y;
		while (k < 1) {
			k += 12;
			yy--;
		}
		snprintf(buf, sizeof(buf), "%s %02d", i18n_month_short(lang, k), yy % 100);
		jsonb_str(&jb, c, "month", buf);
		jsonb_str(&jb, c, "amount", i18n_money(lang, cents[i], cfg->report.currency, buf,
		    sizeof(buf)));
		if (targets[i] >= 0) {
			goal_money(lang, targets[i], cfg->report.currency, buf, sizeof(buf));
			jsonb_str(&jb, c, "goal", buf);
		} else
			jsonb_put(&jb, c, "goal", NULL);
		jsonb_append(&jb, chart, c);
	}
	jsonb_put(&jb, data, "chart", chart);
	jsonb_str(&jb, data, "chart_cid", CHART_CID);
	if (jsonb_failed(&jb)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (render_message(t, "monthly", lang, data, &m->subject, &m->body_text, &m->body_html,
	    err, errlen) == -1)
		goto out;
	if (chart_png_goals(cents, targets, CHART_MONTHS, &png, &pnglen) == -1) {
		snprintf(err, errlen, "cannot draw the revenue chart");
		goto out;
	}
	part.cid = CHART_CID;
	part.type = "image/png";
	part.filename = "revenue.png";
	part.data = png;
	part.len = pnglen;
	if (mime_pack_inline(&part, 1, (unsigned char **)&m->attachments, &m->attachments_len) == -1) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	monthly_key(o, ro.from, key, sizeof(key));
	m->idem_key = strdup(key);
	m->kind = strdup("monthly");
	m->owner_id = o != NULL ? o->id : 0;
	/* report.manager may be "Name <addr>": the same parser as --check-config. */
	if (address_parse_mailbox(to_addr, &m->to_name, &m->to_addr, err, errlen) == -1)
		goto out;
	if (m->to_name == NULL && o != NULL)
		m->to_name = strdup(o->name);
	if (m->idem_key == NULL || m->kind == NULL || m->to_addr == NULL ||
	    compose_sender(cfg, &m->from_name, &m->from_addr, err, errlen) == -1 ||
	    (m->message_id = compose_message_id(m->from_addr)) == NULL) {
		if (*err == '\0')
			snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		outbox_msg_clear(m);
	json_object_put(r);
	json_object_put(data);
	json_object_put(goals);
	free(png);
	return rc;
}
