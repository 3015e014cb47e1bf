/*
 * digest.c - build the digest's template data from a scan and render the
 * message.  Decides wording and formats (through i18n.c); never sends.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "buf.h"
#include "clock.h"
#include "digest.h"
#include "i18n.h"
#include "mime.h"
#include "tz.h"

/* json-c helpers: NULL strings become JSON null, so a template sees a
 * falsy key instead of looking it up in an enclosing context. */
static void
put_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v != NULL && *v != '\0' ? json_object_new_string(v) : NULL);
}

static void
put_int(json_object *o, const char *k, long long v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void
put_bool(json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_boolean(v != 0));
}

void
digest_put_links(json_object *o, const char *email, const char *phone)
{
	struct buf b = BUF_INIT;

	if (email != NULL && *email != '\0' && address_mailto_uri(email, &b) == 0)
		put_str(o, "mailto_uri", b.data);
	else
		put_str(o, "mailto_uri", NULL);
	buf_reset(&b);
	if (phone != NULL && *phone != '\0' && address_tel_uri(phone, &b) == 0)
		put_str(o, "tel_uri", b.data);
	else
		put_str(o, "tel_uri", NULL);
	buf_free(&b);
}

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

static const char *
reason_text(const char *lang, const struct scan_client *c, const struct config *cfg,
    char *buf, size_t len)
{
	int en = i18n_is_en(lang);

	switch (c->reason) {
	case SCAN_CADENCE:
		snprintf(buf, len, en ? "contact every %d days" : "contacto cada %d días",
		    c->cadence);
		break;
	case SCAN_NEXT_CONTACT:
		snprintf(buf, len, en ? "next contact date" : "fecha de próximo contacto");
		break;
	case SCAN_INVOICE:
		snprintf(buf, len, en ? "invoice overdue more than %d days" :
		    "factura vencida hace más de %d días", cfg->alerts.overdue_invoice_days);
		break;
	case SCAN_WAITING:
		snprintf(buf, len, en ? "waiting for their answer" : "esperando su respuesta");
		break;
	case SCAN_RHYTHM:
		snprintf(buf, len, en ? "no purchase for %ld days (usually every %.0f)" :
		    "sin comprar desde hace %ld días (suele comprar cada %.0f)",
		    c->days_since, c->median_interval);
		break;
	case SCAN_SINGLE:
		snprintf(buf, len, en ? "one purchase, %ld days ago" :
		    "una sola compra, hace %ld días", c->days_since);
		break;
	case SCAN_NO_CONTACT:
		snprintf(buf, len, en ? "no contact for %ld days" : "sin contacto desde hace %ld días",
		    c->days_since);
		break;
	}
	return buf;
}

static json_object *
client_json(const struct scan_client *c, const char *lang, const struct config *cfg,
    long today)
{
	json_object *o = json_object_new_object();
	char b[160];

	put_int(o, "id", c->id);
	put_str(o, "name", c->name);
	put_str(o, "contact", c->contact);
	put_str(o, "phone", c->phone);
	put_str(o, "email", c->email);
	digest_put_links(o, c->email, c->phone);
	put_str(o, "segment", c->segment);
	put_str(o, "city", c->city);
	put_str(o, "status", i18n_status(lang, c->status));
	if (c->touch_day >= 0) {
		put_str(o, "last_touch", i18n_date(lang, c->touch_day, b, sizeof(b)));
		put_str(o, "last_touch_date", clock_date_format(c->touch_day, b, sizeof(b)));
		put_str(o, "last_touch_kind", i18n_kind(lang, c->last_touch_kind));
		put_int(o, "days_since_touch", today - c->touch_day);
	} else {
		put_str(o, "last_touch", NULL);
		put_str(o, "last_touch_date", NULL);
		put_str(o, "last_touch_kind", NULL);
		json_object_object_add(o, "days_since_touch", NULL);
	}
	put_bool(o, "never_touched", c->touch_day < 0);
	put_str(o, "due", i18n_date(lang, c->due_day, b, sizeof(b)));
	put_str(o, "due_date", clock_date_format(c->due_day, b, sizeof(b)));
	put_int(o, "days_overdue", today - c->due_day > 0 ? today - c->due_day : 0);
	put_str(o, "days_overdue_text", days_text(lang, today - c->due_day, b, sizeof(b)));
	put_int(o, "days_left", c->due_day - today > 0 ? c->due_day - today : 0);
	put_bool(o, "overdue", c->due_day < today);
	put_bool(o, "upcoming", c->due_day > today);
	put_int(o, "cadence_days", c->cadence);
	put_str(o, "reason", reason_text(lang, c, cfg, b, sizeof(b)));
	put_int(o, "purchases", c->purchases);
	if (c->days_since >= 0 && (c->reason == SCAN_RHYTHM || c->reason == SCAN_SINGLE ||
	    c->reason == SCAN_NO_CONTACT))
		put_int(o, "days_since", c->days_since);
	else
		json_object_object_add(o, "days_since", NULL);
	if (c->median_interval > 0)
		put_int(o, "median_interval_days", (long long)(c->median_interval + 0.5));
	else
		json_object_object_add(o, "median_interval_days", NULL);
	return o;
}

/* {"count": N, "items": [...], "has_more": bool, "more": M} */
static json_object *
section(json_object *items, size_t total, size_t shown)
{
	json_object *s = json_object_new_object();

	put_int(s, "count", (long long)total);
	json_object_object_add(s, "items", items);
	put_bool(s, "any", total > 0);
	put_bool(s, "has_more", total > shown);
	put_int(s, "more", (long long)(total - shown));
	return s;
}

static json_object *
clients_section(const struct scan_list *l, const char *lang, const struct config *cfg,
    long today, size_t max)
{
	json_object *items = json_object_new_array();
	size_t n = max == 0 || max > l->n ? l->n : max;

	for (size_t i = 0; i < n; i++)
		json_object_array_add(items, client_json(&l->v[i], lang, cfg, today));
	return section(items, l->n, n);
}

static char *
first_word(const char *s, char *out, size_t len)
{
	size_t n = strcspn(s, " ");

	snprintf(out, len, "%.*s", (int)n, s);
	return out;
}

json_object *
digest_data(const struct scan_result *r, const struct owner *o, const struct config *cfg,
    size_t max)
{
	const char *lang = o->lang;
	json_object *d = json_object_new_object(), *ow, *items, *s;
	char b[160];
	size_t n;
	long long total = 0;

	put_str(d, "lang", lang);
	ow = json_object_new_object();
	put_str(ow, "name", o->name);
	put_str(ow, "first_name", first_word(o->name, b, sizeof(b)));
	put_str(ow, "email", o->email);
	digest_put_links(ow, o->email, NULL);
	put_str(ow, "timezone", o->tz);
	json_object_object_add(d, "owner", ow);
	put_str(d, "date", clock_date_format(r->today, b, sizeof(b)));
	put_str(d, "date_long", i18n_date_long(lang, r->today, b, sizeof(b)));
	put_str(d, "date_short", i18n_date(lang, r->today, b, sizeof(b)));

	json_object_object_add(d, "red", clients_section(&r->red, lang, cfg, r->today, max));
	json_object_object_add(d, "yellow", clients_section(&r->yellow, lang, cfg, r->today, max));
	json_object_object_add(d, "green", clients_section(&r->green, lang, cfg, r->today, max));
	json_object_object_add(d, "inactive",
	    clients_section(&r->inactive, lang, cfg, r->today, max));

	items = json_object_new_array();
	n = max == 0 || max > r->ninvoices ? r->ninvoices : max;
	for (size_t i = 0; i < r->ninvoices; i++)
		if (strcmp(r->invoices[i].currency, "EUR") == 0)
			total += r->invoices[i].cents;
	for (size_t i = 0; i < n; i++) {
		const struct scan_invoice *iv = &r->invoices[i];
		json_object *j = json_object_new_object();

		put_int(j, "id", iv->id);
		put_int(j, "client_id", iv->client_id);
		put_str(j, "number", iv->number);
		put_str(j, "client", iv->client_name);
		put_str(j, "contact", iv->contact);
		put_str(j, "phone", iv->phone);
		put_str(j, "email", iv->email);
		digest_put_links(j, iv->email, iv->phone);
		put_str(j, "amount", i18n_money(lang, iv->cents, iv->currency, b, sizeof(b)));
		put_int(j, "amount_cents", iv->cents);
		put_str(j, "currency", iv->currency);
		put_str(j, "due", i18n_date(lang, iv->due_day, b, sizeof(b)));
		put_str(j, "due_date", clock_date_format(iv->due_day, b, sizeof(b)));
		put_int(j, "days_overdue", iv->days_overdue);
		put_str(j, "days_overdue_text", days_text(lang, iv->days_overdue, b, sizeof(b)));
		json_object_array_add(items, j);
	}
	s = section(items, r->ninvoices, n);
	put_str(s, "total", i18n_money(lang, total, "EUR", b, sizeof(b)));
	put_int(s, "total_cents", total);
	json_object_object_add(d, "invoices", s);

	items = json_object_new_array();
	for (size_t i = 0; i < r->nactivities; i++) {
		const struct scan_activity *a = &r->activities[i];
		json_object *j = json_object_new_object();
		long day;
		int min;
		/* The owner's clock, whatever zone it was planned in: the
		 * agenda is the owner's local day, in start order. */
		const char *zone = o->tz;

		put_int(j, "id", a->id);
		put_int(j, "client_id", a->client_id);
		put_str(j, "kind", i18n_kind(lang, a->kind));
		put_str(j, "kind_code", a->kind);
		put_bool(j, "is_visit", strcmp(a->kind, "visit") == 0);
		tz_local_day(zone, a->start, &day, &min);
		snprintf(b, sizeof(b), "%02d:%02d", min / 60, min % 60);
		put_str(j, "time", b);
		tz_local_day(zone, a->start + (time_t)a->duration * 60, &day, &min);
		snprintf(b, sizeof(b), "%02d:%02d", min / 60, min % 60);
		put_str(j, "end_time", b);
		put_str(j, "start", clock_format_utc(a->start, b, sizeof(b)));
		put_str(j, "timezone", zone);
		put_int(j, "duration_min", a->duration);
		put_str(j, "client", a->client_name);
		put_str(j, "contact", a->contact);
		put_str(j, "phone", a->phone);
		digest_put_links(j, NULL, a->phone);
		put_str(j, "location", a->location);
		put_str(j, "note", a->note);
		json_object_array_add(items, j);
	}
	json_object_object_add(d, "activities", section(items, r->nactivities, r->nactivities));

	put_bool(d, "nothing_due", r->red.n == 0 && r->yellow.n == 0 && r->green.n == 0 &&
	    r->inactive.n == 0 && r->ninvoices == 0 && r->nactivities == 0);
	put_int(d, "clients", (long long)r->clients);
	return d;
}

int
digest_sender(const struct config *cfg, char **name, char **addr, char *err, size_t errlen)
{
	return address_parse_mailbox(cfg->smtp.from, name, addr, err, errlen);
}

char *
digest_message_id(const char *from_addr)
{
	const char *at = from_addr != NULL ? strrchr(from_addr, '@') : NULL;
	char id[256];

	if (mime_message_id(at != NULL && at[1] != '\0' ? at + 1 : "cartera.invalid",
	    id, sizeof(id)) == -1)
		return NULL;
	return strdup(id);
}

int
digest_compose(const struct render_set *t, const struct config *cfg, const struct owner *o,
    const struct scan_result *r, long day, struct outbox_msg *m, char *err, size_t errlen)
{
	json_object *data;
	char key[96], dbuf[16];

	memset(m, 0, sizeof(*m));
	data = digest_data(r, o, cfg, (size_t)cfg->digest.max_items);
	if (data == NULL) {
		snprintf(err, errlen, "out of memory");
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
	    digest_sender(cfg, &m->from_name, &m->from_addr, err, errlen) == -1 ||
	    (m->to_name = strdup(o->name)) == NULL || (m->to_addr = strdup(o->email)) == NULL ||
	    (m->message_id = digest_message_id(m->from_addr)) == NULL) {
		if (err[0] == '\0')
			snprintf(err, errlen, "out of memory");
		outbox_msg_clear(m);
		return -1;
	}
	m->owner_id = o->id;
	return 0;
}
