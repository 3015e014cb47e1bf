/*
 * digest.c - build the digest's template data from a scan and render the
 * message.  Decides wording and formats (through i18n.c); never sends.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "action.h"
#include "clock.h"
#include "compose.h"
#include "digest.h"
#include "i18n.h"
#include "report.h"
#include "tz.h"
#include "workdays.h"

/* "1 día" / "3 días", "1 day" / "3 days". */
static const char *
days_text(const char *lang, long n, char *buf, size_t len)
{
	if (n < 0)
		n = 0;
	if (i18n_is_en(lang))
		snprintf(buf, len, "%ld day%s", n, n == 1 ? "" : "s");
	else
		snprintf(buf, len, "%ld día%s", n, n == 1 ? "" : "s");
	return buf;
}

/* How far a day is from today: "hoy", "hace 1 día", "mañana", "dentro de 3 días". */
static const char *
relative(const char *lang, long day, long today, char *buf, size_t len)
{
	long n = today - day;
	int en = i18n_is_en(lang);
	char d[32];

	if (n == 0)
		snprintf(buf, len, en ? "today" : "hoy");
	else if (n == -1)
		snprintf(buf, len, en ? "tomorrow" : "mañana");
	else if (n > 0)
		snprintf(buf, len, en ? "%s ago" : "hace %s", days_text(lang, n, d, sizeof(d)));
	else
		snprintf(buf, len, en ? "in %s" : "dentro de %s", days_text(lang, -n, d, sizeof(d)));
	return buf;
}

/* "Llamada" from "llamada": the kinds start with an ASCII letter. */
static const char *
kind_cap(const char *lang, const char *kind, char *buf, size_t len)
{
	const char *k = i18n_kind(lang, kind);

	snprintf(buf, len, "%s", k != NULL ? k : "?");
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
	return buf;
}

static const struct scan_activity *
find_missed(const struct scan_result *r, long long id)
{
	for (size_t i = 0; i < r->nmissed; i++)
		if (r->missed[i].id == id)
			return &r->missed[i];
	return NULL;
}

/* "HH:MM" of t on the owner's clock. */
static const char *
hhmm(const char *zone, time_t t, char *buf, size_t len)
{
	long day;
	int min = 0;

	tz_local_day(zone, t, &day, &min);
	snprintf(buf, len, "%02d:%02d", min / 60, min % 60);
	return buf;
}

/*
 * An invoice's line: "Factura F-2026-058, 1.400,00 €, vencida hace 45 días
 * (el 19/10/2026)", "Invoice F-2026-058, €1,400.00, 45 days overdue (due
 * 19 Oct 2026)".
 */
static const char *
invoice_line(const char *lang, const struct scan_invoice *iv, char *buf, size_t len)
{
	char amount[64], n[32], due[32];
	int en = i18n_is_en(lang);

	i18n_money(lang, iv->cents, iv->currency, amount, sizeof(amount));
	days_text(lang, iv->days_overdue, n, sizeof(n));
	i18n_date(lang, iv->due_day, due, sizeof(due));
	if (iv->number != NULL)
		snprintf(buf, len, en ? "Invoice %s, %s, %s overdue (due %s)" :
		    "Factura %s, %s, vencida hace %s (el %s)", iv->number, amount, n, due);
	else
		snprintf(buf, len, en ? "Invoice for %s, %s overdue (due %s)" :
		    "Factura de %s, vencida hace %s (el %s)", amount, n, due);
	return buf;
}

/* "llamada del 01/12/2026 a las 10:00", "call on 1 Dec 2026 at 10:00". */
static const char *
activity_when(const char *lang, const char *zone, const struct scan_activity *a, int cap,
    char *buf, size_t len)
{
	char k[32], d[32], t[16];
	int en = i18n_is_en(lang);

	if (cap)
		kind_cap(lang, a->kind, k, sizeof(k));
	else
		snprintf(k, sizeof(k), "%s", i18n_kind(lang, a->kind));
	i18n_date(lang, a->day, d, sizeof(d));
	if (a->all_day)
		snprintf(buf, len, en ? "%s on %s" : "%s del %s", k, d);
	else
		snprintf(buf, len, en ? "%s on %s at %s" : "%s del %s a las %s", k, d,
		    hhmm(zone, a->start, t, sizeof(t)));
	return buf;
}

/*
 * The line that says what is owed to a listed client and why, with the
 * dates it refers to (README "The digest").
 */
static const char *
client_line(const struct scan_result *r, const struct owner *o, const struct scan_client *c,
    char *buf, size_t len)
{
	const char *lang = o->lang;
	int en = i18n_is_en(lang);
	long today = r->today;
	char d1[64], d2[64], rel[64], every[48], last[160], more[160];

	buf[0] = '\0';
	switch (c->reason) {
	case SCAN_MISSED: {
		const struct scan_activity *a = find_missed(r, c->activity_id);

		if (a == NULL)
			snprintf(buf, len, en ? "A planned activity was not closed" :
			    "Una actividad planificada sin cerrar");
		else
			snprintf(buf, len, en ? "Not closed: %s (%s)" : "Sin cerrar: %s (%s)",
			    activity_when(lang, o->tz, a, 0, d1, sizeof(d1)),
			    relative(lang, a->day, today, rel, sizeof(rel)));
		break;
	}
	case SCAN_REPLIED: {
		long day;

		tz_local_day(o->tz, c->replied_at, &day, NULL);
		i18n_date(lang, day, d1, sizeof(d1));
		if (c->reply_note != NULL)
			snprintf(buf, len, en ? "Replied on %s: %s" : "Respondió el %s: %s", d1,
			    c->reply_note);
		else
			snprintf(buf, len, en ? "Replied on %s; your turn to answer" :
			    "Respondió el %s; te toca contestar", d1);
		break;
	}
	case SCAN_INVOICE: {
		struct scan_invoice iv;

		memset(&iv, 0, sizeof(iv));
		iv.id = c->invoice.id;
		iv.cents = c->invoice.cents;
		memcpy(iv.currency, c->invoice.currency, sizeof(iv.currency));
		iv.due_day = c->invoice.due_day;
		iv.days_overdue = r->today - c->invoice.due_day;
		iv.number = c->invoice.number;
		if (iv.id != 0)
			invoice_line(lang, &iv, buf, len);
		else
			snprintf(buf, len, en ? "An invoice is overdue" : "Una factura vencida");
		break;
	}
	case SCAN_NEXT_CONTACT:
		snprintf(buf, len, en ? "Contact date set: %s (%s)" :
		    "Fecha de contacto fijada: %s (%s)", i18n_date(lang, c->due_day, d1,
		    sizeof(d1)), relative(lang, c->due_day, today, rel, sizeof(rel)));
		break;
	case SCAN_SNOOZE:
		snprintf(buf, len, en ? "Snoozed until %s (%s)" : "Pospuesto hasta el %s (%s)",
		    i18n_date(lang, c->due_day, d1, sizeof(d1)),
		    relative(lang, c->due_day, today, rel, sizeof(rel)));
		break;
	case SCAN_CADENCE:
		if (c->cadence == 1)
			snprintf(every, sizeof(every), en ? "every day" : "cada día");
		else
			snprintf(every, sizeof(every), en ? "every %d days" : "cada %d días",
			    c->cadence);
		if (c->touch_day >= 0)
			snprintf(last, sizeof(last), en ? "last contact %s (%s, %s)" :
			    "último contacto %s (%s, %s)",
			    relative(lang, c->touch_day, today, rel, sizeof(rel)),
			    c->last_touch_kind ? i18n_kind(lang, c->last_touch_kind) : "?",
			    i18n_date(lang, c->touch_day, d1, sizeof(d1)));
		else
			snprintf(last, sizeof(last), en ? "no contact since it was added %s (%s)" :
			    "sin contacto desde que se añadió, %s (%s)",
			    relative(lang, c->created_day, today, rel, sizeof(rel)),
			    i18n_date(lang, c->created_day, d1, sizeof(d1)));
		if (c->due_day <= today)
			snprintf(buf, len, en ? "Time to call: %s; %s" : "Toca llamar: %s; %s",
			    every, last);
		else
			snprintf(buf, len, en ? "Call due on %s (%s): %s; %s" :
			    "Toca llamar el %s (%s): %s; %s", i18n_date(lang, c->due_day, d2,
			    sizeof(d2)), relative(lang, c->due_day, today, rel, sizeof(rel)),
			    every, last);
		break;
	case SCAN_WAITING:
		if (c->next_day >= 0)
			snprintf(more, sizeof(more), en ? "next step: %s" : "próximo paso: %s",
			    i18n_date(lang, c->next_day, d2, sizeof(d2)));
		else if (c->planned_day >= 0)
			snprintf(more, sizeof(more), en ? "next step planned on %s" :
			    "próximo paso planificado el %s",
			    i18n_date(lang, c->planned_day, d2, sizeof(d2)));
		else
			snprintf(more, sizeof(more), en ? "no next step set" :
			    "sin próximo paso fijado");
		snprintf(buf, len, en ? "Waiting for their answer since %s (%s, %s); %s" :
		    "Esperando su respuesta desde el %s (%s, %s); %s",
		    i18n_date(lang, c->due_day, d1, sizeof(d1)),
		    c->last_touch_kind ? i18n_kind(lang, c->last_touch_kind) : "?",
		    relative(lang, c->due_day, today, rel, sizeof(rel)), more);
		break;
	case SCAN_RHYTHM:
		snprintf(buf, len, en ? "No purchase for %s (last on %s; usually every %.0f days)" :
		    "Sin comprar desde hace %s (última compra el %s; suele comprar cada %.0f días)",
		    days_text(lang, c->days_since, d2, sizeof(d2)),
		    i18n_date(lang, c->last_purchase_day, d1, sizeof(d1)), c->median_interval);
		break;
	case SCAN_SINGLE:
		snprintf(buf, len, en ? "One purchase only, %s ago (%s)" :
		    "Una sola compra, hace %s (el %s)",
		    days_text(lang, c->days_since, d2, sizeof(d2)),
		    i18n_date(lang, c->last_purchase_day, d1, sizeof(d1)));
		break;
	case SCAN_NO_CONTACT:
		if (c->touch_day >= 0)
			snprintf(buf, len, en ? "No contact for %s (last on %s)" :
			    "Sin contacto desde hace %s (el último, el %s)",
			    days_text(lang, c->days_since, d2, sizeof(d2)),
			    i18n_date(lang, c->touch_day, d1, sizeof(d1)));
		else
			snprintf(buf, len, en ? "No contact since it was added, %s ago (%s)" :
			    "Sin contacto desde que se añadió, hace %s (el %s)",
			    days_text(lang, c->days_since, d2, sizeof(d2)),
			    i18n_date(lang, c->created_day, d1, sizeof(d1)));
		break;
	}
	return buf;
}

static const char *const reason_codes[] = {
	[SCAN_CADENCE] = "cadence", [SCAN_NEXT_CONTACT] = "next_contact",
	[SCAN_SNOOZE] = "snooze", [SCAN_INVOICE] = "invoice", [SCAN_MISSED] = "missed",
	[SCAN_REPLIED] = "replied", [SCAN_WAITING] = "waiting", [SCAN_RHYTHM] = "rhythm",
	[SCAN_SINGLE] = "single", [SCAN_NO_CONTACT] = "no_contact",
};

static json_object *
client_json(struct jsonb *jb, const struct scan_result *r, const struct owner *o, const struct scan_client *c)
{
	const char *lang = o->lang;
	long today = r->today;
	json_object *j = jsonb_object(jb);
	char b[160], line[1024];

	jsonb_int(jb, j, "id", c->id);
	jsonb_text(jb, j, "name", c->name);
	jsonb_text(jb, j, "contact", c->contact);
	jsonb_text(jb, j, "phone", c->phone);
	jsonb_text(jb, j, "email", c->email);
	compose_links(jb, j, c->email, c->phone);
	jsonb_text(jb, j, "segment", c->segment);
	jsonb_text(jb, j, "city", c->city);
	jsonb_text(jb, j, "status", i18n_status(lang, c->status));
	jsonb_text(jb, j, "line", client_line(r, o, c, line, sizeof(line)));
	jsonb_text(jb, j, "reason_code", reason_codes[c->reason]);
	if (c->touch_day >= 0) {
		jsonb_text(jb, j, "last_touch", i18n_date(lang, c->touch_day, b, sizeof(b)));
		jsonb_text(jb, j, "last_touch_date", clock_date_format(c->touch_day, b, sizeof(b)));
		jsonb_text(jb, j, "last_touch_kind", i18n_kind(lang, c->last_touch_kind));
		jsonb_int(jb, j, "days_since_touch", today - c->touch_day);
	} else {
		jsonb_put(jb, j, "last_touch", NULL);
		jsonb_put(jb, j, "last_touch_date", NULL);
		jsonb_put(jb, j, "last_touch_kind", NULL);
		jsonb_put(jb, j, "days_since_touch", NULL);
	}
	jsonb_bool(jb, j, "never_touched", c->touch_day < 0);
	if (c->due_day >= 0) {
		jsonb_text(jb, j, "due", i18n_date(lang, c->due_day, b, sizeof(b)));
		jsonb_text(jb, j, "due_date", clock_date_format(c->due_day, b, sizeof(b)));
	} else {
		jsonb_put(jb, j, "due", NULL);
		jsonb_put(jb, j, "due_date", NULL);
	}
	jsonb_int(jb, j, "days_overdue", c->due_day >= 0 && today > c->due_day ? today - c->due_day : 0);
	jsonb_int(jb, j, "days_left", c->due_day > today ? c->due_day - today : 0);
	jsonb_bool(jb, j, "overdue", c->due_day >= 0 && c->due_day < today);
	jsonb_bool(jb, j, "upcoming", c->due_day > today);
	jsonb_int(jb, j, "cadence_days", c->cadence);
	if (c->next_day >= 0)
		jsonb_text(jb, j, "next_contact_date", clock_date_format(c->next_day, b, sizeof(b)));
	else
		jsonb_put(jb, j, "next_contact_date", NULL);
	jsonb_bool(jb, j, "no_next_step", c->no_next_step);
	jsonb_int(jb, j, "purchases", c->purchases);
	if (c->days_since >= 0)
		jsonb_int(jb, j, "days_since", c->days_since);
	else
		jsonb_put(jb, j, "days_since", NULL);
	if (c->median_interval > 0)
		jsonb_int(jb, j, "median_interval_days", (long long)(c->median_interval + 0.5));
	else
		jsonb_put(jb, j, "median_interval_days", NULL);
	return j;
}

/* {"count": N, "items": [...], "any": bool, "has_more": bool, "more": M} */
static json_object *
section(struct jsonb *jb, json_object *items, size_t total, size_t shown)
{
	json_object *s = jsonb_object(jb);

	jsonb_int(jb, s, "count", (long long)total);
	jsonb_put(jb, s, "items", items);
	jsonb_bool(jb, s, "any", total > 0);
	jsonb_bool(jb, s, "has_more", total > shown);
	jsonb_int(jb, s, "more", (long long)(total - shown));
	return s;
}

static json_object *
clients_section(struct jsonb *jb, const struct scan_result *r, const struct owner *o, const struct scan_list *l,
    size_t max)
{
	json_object *items = jsonb_array(jb);
	size_t n = max == 0 || max > l->n ? l->n : max;

	for (size_t i = 0; items != NULL && i < n; i++)
		jsonb_append(jb, items, client_json(jb, r, o, &l->v[i]));
	return section(jb, items, l->count, n);
}

/* One planned activity: in the agenda (when) or left unclosed (line, actions). */
static json_object *
activity_json(struct jsonb *jb, const struct scan_result *r, const struct owner *o, const struct scan_activity *a,
    int missed)
{
	const char *lang = o->lang;
	int en = i18n_is_en(lang);
	json_object *j = jsonb_object(jb);
	char b[256], t1[16], t2[16], d[96], w[40];

	jsonb_int(jb, j, "id", a->id);
	jsonb_int(jb, j, "client_id", a->client_id);
	jsonb_text(jb, j, "kind", i18n_kind(lang, a->kind));
	jsonb_text(jb, j, "kind_cap", kind_cap(lang, a->kind, b, sizeof(b)));
	jsonb_text(jb, j, "kind_code", a->kind);
	jsonb_bool(jb, j, "is_visit", strcmp(a->kind, "visit") == 0);
	jsonb_bool(jb, j, "all_day", a->all_day);
	jsonb_text(jb, j, "day", clock_date_format(a->day, b, sizeof(b)));
	jsonb_text(jb, j, "date", i18n_date(lang, a->day, b, sizeof(b)));
	/* The owner's clock, whatever zone it was planned in. */
	if (a->all_day) {
		jsonb_put(jb, j, "time", NULL);
		jsonb_put(jb, j, "end_time", NULL);
	} else {
		jsonb_text(jb, j, "time", hhmm(o->tz, a->start, t1, sizeof(t1)));
		jsonb_text(jb, j, "end_time", hhmm(o->tz, a->start + (time_t)a->duration * 60, t2,
		    sizeof(t2)));
	}
	if (a->all_day)
		snprintf(w, sizeof(w), en ? "all day" : "todo el día");
	else
		snprintf(w, sizeof(w), "%s-%s", t1, t2);
	if (a->day != r->today) {
		/* A day off after today: its activities come in today's digest. */
		i18n_date_long(lang, a->day, d, sizeof(d));
		snprintf(d + strlen(d), sizeof(d) - strlen(d), ", %s", w);
		jsonb_text(jb, j, "when", d);
	} else
		jsonb_text(jb, j, "when", w);
	jsonb_text(jb, j, "start", clock_format_utc(a->start, b, sizeof(b)));
	jsonb_text(jb, j, "timezone", o->tz);
	jsonb_int(jb, j, "duration_min", a->duration);
	jsonb_text(jb, j, "client", a->client_name);
	jsonb_text(jb, j, "contact", a->contact);
	jsonb_text(jb, j, "phone", a->phone);
	compose_links(jb, j, NULL, a->phone);
	jsonb_text(jb, j, "location", a->location);
	jsonb_text(jb, j, "note", a->note);
	if (missed) {
		char when[128], rel[48];

		activity_when(lang, o->tz, a, 1, when, sizeof(when));
		snprintf(b, sizeof(b), en ? "%s with %s (%s)" : "%s con %s (%s)", when,
		    a->client_name ? a->client_name : "?",
		    relative(lang, a->day, r->today, rel, sizeof(rel)));
		jsonb_text(jb, j, "line", b);
		jsonb_int(jb, j, "days_ago", r->today - a->day);
		snprintf(b, sizeof(b), "cartera activity done %lld", a->id);
		jsonb_text(jb, j, "done_cmd", b);
		snprintf(b, sizeof(b), "cartera activity cancel %lld", a->id);
		jsonb_text(jb, j, "cancel_cmd", b);
		if (a->all_day)
			snprintf(b, sizeof(b), "cartera activity move %lld --on %s", a->id,
			    en ? "YYYY-MM-DD" : "AAAA-MM-DD");
		else
			snprintf(b, sizeof(b), "cartera activity move %lld --at \"%s\"", a->id,
			    en ? "YYYY-MM-DD HH:MM" : "AAAA-MM-DD HH:MM");
		jsonb_text(jb, j, "move_cmd", b);
	}
	return j;
}

json_object *
digest_data(const struct scan_result *r, const struct owner *o, const struct config *cfg,
    size_t max)
{
	const char *lang = o->lang;
	struct jsonb jbs = JSONB_INIT, *jb = &jbs;
	json_object *d = jsonb_object(jb), *ow, *items, *s, *tot;
	struct buf all = BUF_INIT;
	char b[160];
	size_t n;

	(void)cfg;
	jsonb_text(jb, d, "lang", lang);
	ow = jsonb_object(jb);
	jsonb_text(jb, ow, "name", o->name);
	jsonb_text(jb, ow, "first_name", compose_first_name(o->name, b, sizeof(b)));
	jsonb_text(jb, ow, "email", o->email);
	compose_links(jb, ow, o->email, NULL);
	jsonb_text(jb, ow, "timezone", o->tz);
	jsonb_put(jb, d, "owner", ow);
	jsonb_text(jb, d, "date", clock_date_format(r->today, b, sizeof(b)));
	jsonb_text(jb, d, "date_long", i18n_date_long(lang, r->today, b, sizeof(b)));
	jsonb_text(jb, d, "date_short", i18n_date(lang, r->today, b, sizeof(b)));

	/* Left unclosed: at the top, oldest first. */
	items = jsonb_array(jb);
	n = max == 0 || max > r->nmissed ? r->nmissed : max;
	for (size_t i = 0; items != NULL && i < n; i++)
		jsonb_append(jb, items, activity_json(jb, r, o, &r->missed[i], 1));
	jsonb_put(jb, d, "missed", section(jb, items, r->nmissed, n));

	jsonb_put(jb, d, "red", clients_section(jb, r, o, &r->red, max));
	jsonb_put(jb, d, "yellow", clients_section(jb, r, o, &r->yellow, max));
	jsonb_put(jb, d, "green", clients_section(jb, r, o, &r->green, max));
	jsonb_put(jb, d, "inactive", clients_section(jb, r, o, &r->inactive, max));

	items = jsonb_array(jb);
	n = max == 0 || max > r->ninvoices ? r->ninvoices : max;
	for (size_t i = 0; items != NULL && i < n; i++) {
		const struct scan_invoice *iv = &r->invoices[i];
		json_object *j = jsonb_object(jb);
		char line[512];

		jsonb_int(jb, j, "id", iv->id);
		jsonb_int(jb, j, "client_id", iv->client_id);
		jsonb_text(jb, j, "number", iv->number);
		jsonb_text(jb, j, "client", iv->client_name);
		jsonb_text(jb, j, "contact", iv->contact);
		jsonb_text(jb, j, "phone", iv->phone);
		jsonb_text(jb, j, "email", iv->email);
		compose_links(jb, j, iv->email, iv->phone);
		jsonb_text(jb, j, "amount", i18n_money(lang, iv->cents, iv->currency, b, sizeof(b)));
		jsonb_int(jb, j, "amount_cents", iv->cents);
		jsonb_text(jb, j, "currency", iv->currency);
		jsonb_text(jb, j, "due", i18n_date(lang, iv->due_day, b, sizeof(b)));
		jsonb_text(jb, j, "due_date", clock_date_format(iv->due_day, b, sizeof(b)));
		jsonb_int(jb, j, "days_overdue", iv->days_overdue);
		jsonb_text(jb, j, "days_overdue_text", days_text(lang, iv->days_overdue, b, sizeof(b)));
		jsonb_text(jb, j, "line", invoice_line(lang, iv, line, sizeof(line)));
		jsonb_append(jb, items, j);
	}
	s = section(jb, items, r->invoices_count, n);
	/* Totals per currency, never one sum of different currencies. */
	tot = jsonb_array(jb);
	for (size_t i = 0; tot != NULL && i < r->ntotals; i++) {
		json_object *j = jsonb_object(jb);

		jsonb_text(jb, j, "currency", r->totals[i].currency);
		jsonb_int(jb, j, "cents", r->totals[i].cents);
		jsonb_int(jb, j, "count", (long long)r->totals[i].count);
		jsonb_text(jb, j, "amount", i18n_money(lang, r->totals[i].cents, r->totals[i].currency,
		    b, sizeof(b)));
		if (i > 0)
			buf_puts(&all, "; ");
		buf_puts(&all, b);
		jsonb_append(jb, tot, j);
	}
	jsonb_put(jb, s, "totals", tot);
	jsonb_text(jb, s, "total", all.data);
	buf_free(&all);
	jsonb_put(jb, d, "invoices", s);

	items = jsonb_array(jb);
	for (size_t i = 0; items != NULL && i < r->nactivities; i++)
		jsonb_append(jb, items, activity_json(jb, r, o, &r->activities[i], 0));
	jsonb_put(jb, d, "activities", section(jb, items, r->nactivities, r->nactivities));

	jsonb_bool(jb, d, "nothing_due", r->red.count == 0 && r->yellow.count == 0 &&
	    r->green.count == 0 && r->inactive.count == 0 && r->invoices_count == 0 &&
	    r->nactivities == 0 && r->nmissed == 0);
	jsonb_int(jb, d, "clients", (long long)r->clients);
	if (jsonb_failed(jb)) {
		json_object_put(d);
		return NULL;
	}
	return d;
}

/* Is today the owner's first working day of its week (from Monday)? */
static int
first_of_week(const struct config *cfg, const struct owner *o, long today, char *err,
    size_t errlen)
{
	struct workdays w;
	long *own = NULL;
	int first;

	if (scan_workdays(cfg, o, &w, &own, err, errlen) == -1)
		return -1;
	first = workdays_is_on(&w, today);
	for (long d = today - clock_weekday(today); first && d < today; d++)
		if (workdays_is_on(&w, d))
			first = 0;
	free(own);
	return first;
}

/* {"count": N, "items": list, "any": N > 0}, taking list. */
static json_object *
figures_section(struct jsonb *jb, json_object *list)
{
	json_object *s = jsonb_object(jb);
	size_t n = list != NULL ? json_object_array_length(list) : 0;

	jsonb_int(jb, s, "count", (long long)n);
	jsonb_put(jb, s, "items", list);
	jsonb_bool(jb, s, "any", n > 0);
	return s;
}

int
digest_figures(struct store *st, const struct config *cfg, const struct owner *o, long today,
    time_t now, struct report_risk_memo *memo, json_object *data, char *err, size_t errlen)
{
	struct jsonb jb = JSONB_INIT;
	json_object *goals = NULL, *risk = NULL;
	int en = i18n_is_en(o->lang), weekly;

	if (report_goal_lines(st, cfg, o->email, today, o->tz, o->lang, now, &goals, err,
	    errlen) == -1)
		return -1;
	weekly = cfg->digest.risk_clients > 0 ? first_of_week(cfg, o, today, err, errlen) : 0;
	if (weekly == -1 || (weekly && report_risk_top(st, cfg, memo, o->id, o->tz, o->lang, now,
	    cfg->digest.risk_clients, &risk, err, errlen) == -1)) {
		json_object_put(goals);
		return -1;
	}
	for (size_t i = 0; risk != NULL && i < json_object_array_length(risk); i++) {
		json_object *c = json_object_array_get_idx(risk, i), *v = NULL;
		const char *reasons = NULL;
		long long score = 0;
		char line[1280];

		if (json_object_object_get_ex(c, "score", &v))
			score = json_object_get_int64(v);
		if (json_object_object_get_ex(c, "reasons", &v) && v != NULL)
			reasons = json_object_get_string(v);
		if (reasons != NULL && reasons[0] != '\0')
			snprintf(line, sizeof(line), en ? "risk %lld: %s" : "riesgo %lld: %s", score,
			    reasons);
		else
			snprintf(line, sizeof(line), en ? "risk %lld" : "riesgo %lld", score);
		jsonb_text(&jb, c, "line", line);
	}
	jsonb_put(&jb, data, "goals", figures_section(&jb, goals));
	jsonb_put(&jb, data, "risk", figures_section(&jb, risk));
	if (jsonb_failed(&jb)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
digest_compose(struct store *st, const struct render_set *t, const struct config *cfg,
    const struct owner *o, const struct scan_result *r, long day, struct report_risk_memo *memo,
    const struct action_links *links, struct outbox_msg *m, char *err, size_t errlen)
{
	json_object *data;
	char key[96], dbuf[16];

	memset(m, 0, sizeof(*m));
	data = digest_data(r, o, cfg, (size_t)cfg->digest.max_items);
	if (data == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (st != NULL && digest_figures(st, cfg, o, r->today, r->now, memo, data, err, errlen) == -1) {
		json_object_put(data);
		return -1;
	}
	/* One-click actions: without them the digest still says everything. */
	if (links != NULL && o->page_token != NULL &&
	    action_links(data, o, links, err, errlen) == -1) {
		json_object_put(data);
		return -1;
	}
	if (render_message(t, "digest", o->lang, data, &m->subject, &m->body_text,
	    &m->body_html, err, errlen) == -1) {
		json_object_put(data);
		return -1;
	}
	json_object_put(data);
	snprintf(key, sizeof(key), "digest:%lld:%s", o->id, clock_date_format(day, dbuf, sizeof(dbuf)));
	if ((m->idem_key = strdup(key)) == NULL || (m->kind = strdup("digest")) == NULL ||
	    compose_sender(cfg, &m->from_name, &m->from_addr, err, errlen) == -1 ||
	    (m->to_name = strdup(o->name)) == NULL || (m->to_addr = strdup(o->email)) == NULL ||
	    (m->message_id = compose_message_id(m->from_addr)) == NULL) {
		if (err[0] == '\0')
			snprintf(err, errlen, "out of memory");
		outbox_msg_clear(m);
		return -1;
	}
	m->owner_id = o->id;
	return 0;
}
