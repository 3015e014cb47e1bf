/*
 * web_pages.c - the pages of the web module that only read: a
 * salesperson's Today, the search, a client's card (see web.h).  Same
 * rules as web.c: no writes, no SQL, client data only in template values.
 */
#include "build.h"

#include "web_priv.h"

/* ---- Today ------------------------------------------------------------------ */

/* The banner of a write just done (?done=KEY), if the key is known. */
static void
banner(struct ctx *c, json_object *d)
{
	char *what = NULL;
	time_t at;

	if (c->rq->done == NULL || strlen(c->rq->done) != SIGN_ID_CHARS)
		return;
	if (store_web_action_get(c->st, c->rq->done, &at, &what, c->err, sizeof(c->err)) == 0)
		jsonb_text(&c->jb, d, "banner", what);
	free(what);
}

static json_object *
today_data(struct ctx *c, struct scan_result *r)
{
	const struct config *cfg = &c->sn->cfg;
	json_object *d;
	char b[64];

	if (scan_run(c->st, cfg, c->o, c->rq->now, (size_t)cfg->digest.max_items, NULL, r,
	    c->err, sizeof(c->err)) == -1)
		return NULL;
	if ((d = digest_data(r, c->o, cfg, (size_t)cfg->digest.max_items)) == NULL) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return NULL;
	}
	action_buttons(&c->jb, d, c->lang);
	{
		json_object *p = web_page_data(c);

		json_object_object_foreach(p, k, v)
			jsonb_put_dup(&c->jb, d, k, json_object_get(v));
		json_object_put(p);
	}
	web_csrf(c, d, "csrf_act", "act");
	jsonb_text(&c->jb, d, "today_date", i18n_date(c->lang, r->today, b, sizeof(b)));
	return d;
}

void
web_serve_today(struct ctx *c)
{
	struct web *w = c->w;
	struct today *t = NULL, *nt;
	json_object *d;
	long long now = web_mono_ms();
	unsigned long long gen;
	char *html = NULL;

	pthread_mutex_lock(&w->lock);
	gen = w->gen;
	for (size_t i = 0; i < w->ntoday; i++)
		if (w->today[i]->owner == c->o->id) {
			t = w->today[i];
			break;
		}
	if (t != NULL && c->rq->done == NULL && t->gen == gen && now - t->built_ms < TODAY_TTL_MS)
		t->refs++;
	else
		t = NULL;
	pthread_mutex_unlock(&w->lock);
	if (t != NULL) {
		c->rs->status = 200;
		c->rs->type = "text/html; charset=utf-8";
		buf_add(&c->rs->body, t->html, t->len);
		pthread_mutex_lock(&w->lock);
		web_today_unref(t);
		pthread_mutex_unlock(&w->lock);
		return;
	}
	if ((nt = calloc(1, sizeof(*nt))) == NULL) {
		web_text_answer(c, 500, "out of memory\n");
		return;
	}
	nt->refs = 1;
	nt->owner = c->o->id;
	nt->gen = gen;
	nt->built_ms = now;
	if ((d = today_data(c, &nt->r)) == NULL) {
		web_today_unref(nt);
		web_fail_store(c);
		return;
	}
	banner(c, d);
	web_render(c, "today", d, 200);
	if (c->rs->status != 200 || c->rq->done != NULL ||
	    (html = malloc(c->rs->body.len + 1)) == NULL) {
		web_today_unref(nt);
		return;
	}
	memcpy(html, c->rs->body.data, c->rs->body.len + 1);
	nt->html = html;
	nt->len = c->rs->body.len;
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->ntoday; i++)
		if (w->today[i]->owner == nt->owner) {
			if (w->today[i]->gen <= nt->gen) {
				web_today_unref(w->today[i]);
				w->today[i] = nt;
				nt = NULL;
			}
			break;
		}
	if (nt != NULL) {
		struct today **v = reallocarray(w->today, w->ntoday + 1, sizeof(*v));

		if (v != NULL) {
			w->today = v;
			v[w->ntoday++] = nt;
			nt = NULL;
		}
	}
	web_today_unref(nt);
	pthread_mutex_unlock(&w->lock);
}

/* The colour of a client today, from the last Today page's scan (or a
 * scan now): "red", "yellow", "green" or NULL. */
static const char *
client_alert(struct ctx *c, long long id, long *due)
{
	struct web *w = c->w;
	struct today *t = NULL;
	struct scan_result r;
	const struct scan_list *lists[3];
	static const char *const names[3] = { "red", "yellow", "green" };
	const char *found = NULL;
	int own = 0;

	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->ntoday; i++)
		if (w->today[i]->owner == c->o->id && w->today[i]->gen == w->gen) {
			t = w->today[i];
			t->refs++;
			break;
		}
	pthread_mutex_unlock(&w->lock);
	if (t == NULL) {
		memset(&r, 0, sizeof(r));
		if (scan_run(c->st, &c->sn->cfg, c->o, c->rq->now, 1, NULL, &r, c->err,
		    sizeof(c->err)) == -1)
			return NULL;
		own = 1;
	}
	lists[0] = own ? &r.red : &t->r.red;
	lists[1] = own ? &r.yellow : &t->r.yellow;
	lists[2] = own ? &r.green : &t->r.green;
	for (int k = 0; k < 3 && found == NULL; k++)
		for (size_t i = 0; i < lists[k]->n; i++)
			if (lists[k]->v[i].id == id) {
				found = names[k];
				*due = lists[k]->v[i].due_day;
				break;
			}
	if (own)
		scan_free(&r);
	else {
		pthread_mutex_lock(&w->lock);
		web_today_unref(t);
		pthread_mutex_unlock(&w->lock);
	}
	return found;
}

/* ---- search ------------------------------------------------------------------ */

/* A row as an object of its columns (integers as numbers). */
static json_object *
row_json(struct ctx *c, const struct store_row *r)
{
	json_object *o = jsonb_object(&c->jb);

	for (int i = 0; o != NULL && i < r->ncols; i++) {
		if (r->values[i] == NULL)
			jsonb_put_dup(&c->jb, o, r->names[i], NULL);
		else if (r->types[i] == STORE_INT)
			jsonb_int_dup(&c->jb, o, r->names[i], strtoll(r->values[i], NULL, 10));
		else
			jsonb_text_dup(&c->jb, o, r->names[i], r->values[i]);
	}
	return o;
}

static int
search_row(const struct store_row *r, void *arg)
{
	struct rows *rw = arg;
	struct ctx *c = rw->c;
	json_object *o = row_json(c, r);
	const char *st = store_row_value(r, "status");
	char url[600];

	if (o == NULL)
		return 1;
	snprintf(url, sizeof(url), "%s/c/%s", rw->c->base, store_row_value(r, "id") != NULL ?
	    store_row_value(r, "id") : "0");
	jsonb_text(&c->jb, o, "url", url);
	if (st != NULL)
		jsonb_text(&c->jb, o, "status_word", i18n_status(rw->c->lang, st));
	compose_links(&c->jb, o, store_row_value(r, "email"), store_row_value(r, "phone"));
	jsonb_append(&c->jb, rw->a, o);
	return 0;
}

void
web_serve_search(struct ctx *c)
{
	json_object *d = web_page_data(c);
	struct rows rw = { c, jsonb_array(&c->jb) };
	const char *q = c->rq->q;

	if (d == NULL || rw.a == NULL) {
		json_object_put(d);
		json_object_put(rw.a);
		web_text_answer(c, 500, "out of memory\n");
		return;
	}
	jsonb_text(&c->jb, d, "q", q);
	if (q != NULL && *q != '\0') {
		if (strlen(q) > 200 || store_web_search(c->st, c->o->id, q, SEARCH_MAX, search_row,
		    &rw, c->err, sizeof(c->err)) == -1) {
			json_object_put(d);
			json_object_put(rw.a);
			if (strlen(q) > 200)
				web_fail_page(c, 400, web_es_en(c->lang, "Búsqueda demasiado larga",
				    "Search too long"), web_es_en(c->lang, "Escribe menos texto.",
				    "Type less text."));
			else
				web_fail_store(c);
			return;
		}
		jsonb_bool(&c->jb, d, "searched", 1);
		jsonb_int(&c->jb, d, "count", (long long)json_object_array_length(rw.a));
		jsonb_bool(&c->jb, d, "none", json_object_array_length(rw.a) == 0);
		jsonb_bool(&c->jb, d, "many", json_object_array_length(rw.a) == SEARCH_MAX);
	}
	jsonb_put(&c->jb, d, "results", rw.a);
	web_render(c, "search", d, 200);
}

/* ---- a client's card --------------------------------------------------------- */

static int
contact_row(const struct store_row *r, void *arg)
{
	struct rows *rw = arg;
	struct ctx *c = rw->c;
	json_object *o = row_json(c, r);

	if (o == NULL)
		return 1;
	compose_links(&c->jb, o, store_row_value(r, "email"), store_row_value(r, "phone"));
	jsonb_append(&c->jb, rw->a, o);
	return 0;
}

static int
touch_row(const struct store_row *r, void *arg)
{
	struct rows *rw = arg;
	struct ctx *c = rw->c;
	json_object *o = jsonb_object(&c->jb);
	const char *at = store_row_value(r, "at"), *kind = store_row_value(r, "kind");
	const char *outcome = store_row_value(r, "outcome"), *dir = store_row_value(r, "direction");
	char b[64];

	if (o == NULL)
		return 1;
	jsonb_text(&c->jb, o, "when", at != NULL ? web_when_text(c, (time_t)strtoll(at, NULL, 10),
	    1, b, sizeof(b)) : NULL);
	jsonb_text(&c->jb, o, "kind", kind != NULL ? web_cap(i18n_kind(c->lang, kind), b,
	    sizeof(b)) : NULL);
	jsonb_text(&c->jb, o, "outcome", outcome != NULL ? web_outcome_word(c->lang, outcome) :
	    NULL);
	jsonb_bool(&c->jb, o, "received", dir != NULL && strcmp(dir, "in") == 0);
	jsonb_text(&c->jb, o, "note", store_row_value(r, "note"));
	jsonb_append(&c->jb, rw->a, o);
	return 0;
}

static int
activity_row(const struct store_row *r, void *arg)
{
	struct rows *rw = arg;
	struct ctx *c = rw->c;
	json_object *o = jsonb_object(&c->jb);
	const char *start = store_row_value(r, "start_at"), *day = store_row_value(r, "day");
	const char *kind = store_row_value(r, "kind"), *id = store_row_value(r, "id");
	char b[64], url[600];
	long d;

	if (o == NULL)
		return 1;
	jsonb_text(&c->jb, o, "id", id);
	jsonb_text(&c->jb, o, "kind", kind != NULL ? web_cap(i18n_kind(c->lang, kind), b,
	    sizeof(b)) : NULL);
	if (day != NULL && clock_date_parse(day, &d) == 0)
		jsonb_text(&c->jb, o, "when", i18n_date(c->lang, d, b, sizeof(b)));
	else if (start != NULL)
		jsonb_text(&c->jb, o, "when", web_when_text(c, (time_t)strtoll(start, NULL, 10),
		    1, b, sizeof(b)));
	jsonb_text(&c->jb, o, "note", store_row_value(r, "note"));
	jsonb_text(&c->jb, o, "location", store_row_value(r, "location"));
	snprintf(url, sizeof(url), "%s/a/%s", c->base, id != NULL ? id : "0");
	jsonb_text(&c->jb, o, "url", url);
	jsonb_put(&c->jb, o, "actions", action_list(&c->jb, ACTION_ACTIVITY, c->lang));
	jsonb_append(&c->jb, rw->a, o);
	return 0;
}

static int
invoice_row(const struct store_row *r, void *arg)
{
	struct rows *rw = arg;
	struct ctx *c = rw->c;
	json_object *o = jsonb_object(&c->jb);
	const char *cents = store_row_value(r, "amount_cents"), *due = store_row_value(r, "due");
	char b[64];
	long d;

	if (o == NULL)
		return 1;
	jsonb_text(&c->jb, o, "id", store_row_value(r, "id"));
	jsonb_text(&c->jb, o, "number", store_row_value(r, "number"));
	jsonb_text(&c->jb, o, "amount", i18n_money(c->lang, cents != NULL ?
	    strtoll(cents, NULL, 10) : 0, store_row_value(r, "currency"), b, sizeof(b)));
	if (due != NULL && clock_date_parse(due, &d) == 0) {
		jsonb_text(&c->jb, o, "due", i18n_date(c->lang, d, b, sizeof(b)));
		jsonb_bool(&c->jb, o, "overdue", d < c->today);
	}
	jsonb_put(&c->jb, o, "actions", action_list(&c->jb, ACTION_INVOICE, c->lang));
	jsonb_append(&c->jb, rw->a, o);
	return 0;
}

/* A non-empty string member of o, or NULL. */
static const char *
jstr(json_object *o, const char *k)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL ||
	    !json_object_is_type(v, json_type_string) || *(s = json_object_get_string(v)) == '\0')
		return NULL;
	return s;
}

static int
client_row(const struct store_row *r, void *arg)
{
	struct rows *rw = arg;

	rw->a = row_json(rw->c, r);
	return rw->a == NULL;
}

/* The forms of a card, with their values and errors (forms: given by a
 * POST that failed, else NULL for empty ones). */
static void
card_forms(struct ctx *c, json_object *d, json_object *forms)
{
	static const char *const names[] = { "log", "plan", "snooze" };
	json_object *f;
	const char *v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		json_object *src = NULL, *jv;

		if (forms != NULL)
			json_object_object_get_ex(forms, names[i], &src);
		f = src != NULL ? json_object_get(src) : jsonb_object(&c->jb);
		if (f == NULL)
			continue;
		web_csrf(c, f, "csrf", names[i]);
		v = json_object_object_get_ex(f, "kind", &jv) ? json_object_get_string(jv) : NULL;
		if (strcmp(names[i], "log") == 0) {
			const char *oc = json_object_object_get_ex(f, "outcome", &jv) ?
			    json_object_get_string(jv) : NULL;

			jsonb_put(&c->jb, f, "kinds", web_options(&c->jb, web_touch_kinds, c->lang,
			    v != NULL ? v : "call", web_kind_word));
			jsonb_put(&c->jb, f, "outcomes", web_options(&c->jb, web_outcomes, c->lang,
			    oc != NULL ? oc : "done", web_outcome_word));
		} else if (strcmp(names[i], "plan") == 0) {
			jsonb_put(&c->jb, f, "kinds", web_options(&c->jb, web_activity_kinds, c->lang,
			    v != NULL ? v : "visit", web_kind_word));
			if (!json_object_object_get_ex(f, "duration", &jv))
				jsonb_text(&c->jb, f, "duration", "30");
		}
		jsonb_put_dup(&c->jb, d, names[i], f);
	}
}

void
web_serve_client(struct ctx *c, long long id, json_object *forms, unsigned status)
{
	struct store_web_client wc;
	json_object *d, *cl = NULL;
	struct rows rw = { c, NULL };
	struct activity_filter af;
	struct buf map = BUF_INIT;
	const char *alert;
	long due = -1;
	char b[64];
	int rc;

	if ((rc = store_web_client(c->st, id, &wc, c->err, sizeof(c->err))) == -1) {
		web_fail_store(c);
		return;
	}
	if (rc == 1 || wc.owner_id != c->o->id) {
		store_web_client_clear(&wc);
		web_fail_page(c, 404, web_es_en(c->lang, "Cliente no encontrado", "Client not found"),
		    web_es_en(c->lang, "Este cliente no existe o no está en tu cartera.",
		    "This client does not exist or is not in your portfolio."));
		return;
	}
	store_web_client_clear(&wc);
	if ((d = web_page_data(c)) == NULL) {
		web_text_answer(c, 500, "out of memory\n");
		return;
	}
	if (store_client_show(c->st, id, client_row, &rw, c->err, sizeof(c->err)) == -1 ||
	    (cl = rw.a) == NULL)
		goto store_failed;
	rw.a = NULL;
	{
		json_object *jv;
		struct buf addr = BUF_INIT;

		if (json_object_object_get_ex(cl, "status", &jv))
			jsonb_text(&c->jb, cl, "status_word", i18n_status(c->lang,
			    json_object_get_string(jv)));
		if (json_object_object_get_ex(cl, "kind", &jv))
			jsonb_text(&c->jb, cl, "kind_word", i18n_status(c->lang,
			    json_object_get_string(jv)));
		if (json_object_object_get_ex(cl, "next_contact", &jv) && jv != NULL) {
			long nd;

			if (clock_date_parse(json_object_get_string(jv), &nd) == 0)
				jsonb_text(&c->jb, cl, "next_contact_word", i18n_date(c->lang, nd, b,
				    sizeof(b)));
		}
		/* The map: the address as one line, searched on OpenStreetMap. */
		{
			const char *a = jstr(cl, "address"), *pc = jstr(cl, "postal_code");
			const char *city = jstr(cl, "city"), *country = jstr(cl, "country");

			if (a != NULL)
				buf_puts(&addr, a);
			if (pc != NULL || city != NULL)
				buf_printf(&addr, "%s%s%s%s", addr.len > 0 ? ", " : "",
				    pc != NULL ? pc : "", pc != NULL && city != NULL ? " " : "",
				    city != NULL ? city : "");
			if (country != NULL)
				buf_printf(&addr, "%s%s", addr.len > 0 ? ", " : "", country);
		}
		if (addr.len > 0 && !addr.failed) {
			jsonb_text(&c->jb, cl, "address_line", addr.data);
			if (address_uri(&map, "https://www.openstreetmap.org/search?query=", addr.data,
			    "") == 0)
				jsonb_text(&c->jb, cl, "map_url", map.data);
		}
		buf_free(&addr);
		buf_free(&map);
	}
	alert = client_alert(c, id, &due);
	if (alert != NULL) {
		jsonb_text(&c->jb, cl, "alert", alert);
		jsonb_bool_dup(&c->jb, cl, strcmp(alert, "red") == 0 ? "is_red" :
		    strcmp(alert, "yellow") == 0 ? "is_yellow" : "is_green", 1);
		if (due >= 0)
			jsonb_text(&c->jb, cl, "due", i18n_date(c->lang, due, b, sizeof(b)));
	}
	jsonb_put(&c->jb, d, "client", cl);
	jsonb_int(&c->jb, d, "client_id", id);
	banner(c, d);

	rw.a = jsonb_array(&c->jb);
	if (rw.a == NULL || store_contact_list(c->st, id, contact_row, &rw, c->err,
	    sizeof(c->err)) == -1)
		goto store_failed;
	jsonb_put(&c->jb, d, "contacts", rw.a);
	rw.a = jsonb_array(&c->jb);
	if (rw.a == NULL || store_interaction_list(c->st, id, TOUCHES_SHOWN, touch_row, &rw,
	    c->err, sizeof(c->err)) == -1)
		goto store_failed;
	jsonb_put(&c->jb, d, "touches", rw.a);
	memset(&af, 0, sizeof(af));
	af.client = id;
	af.status = "planned";
	rw.a = jsonb_array(&c->jb);
	if (rw.a == NULL || store_activity_list(c->st, &af, activity_row, &rw, c->err,
	    sizeof(c->err)) == -1)
		goto store_failed;
	jsonb_put(&c->jb, d, "activities", rw.a);
	rw.a = jsonb_array(&c->jb);
	if (rw.a == NULL || store_invoice_list(c->st, id, 1, invoice_row, &rw, c->err,
	    sizeof(c->err)) == -1)
		goto store_failed;
	jsonb_put(&c->jb, d, "invoices", rw.a);
	rw.a = NULL;
	jsonb_put(&c->jb, d, "client_actions", action_list(&c->jb, ACTION_CLIENT, c->lang));
	web_csrf(c, d, "csrf_act", "act");
	card_forms(c, d, forms);
	web_render(c, "client", d, status);
	return;
store_failed:
	json_object_put(rw.a);
	json_object_put(d);
	web_fail_store(c);
}
