/*
 * web_actions.c - what the page's forms and the digest's action links do
 * (see web.h): each form and link, what it does said in words, and the
 * jobs that carry its write to the daemon's writer thread.  A request
 * only queues a job; the write runs in the writer, never here on a
 * request thread.
 */
#include "build.h"

#include "web_priv.h"

/* ---- what an action does, in words ------------------------------------------ */

/* The owner's local day at t. */
long
web_local_day(const char *tz, time_t t)
{
	long day;

	if (tz_local_day(tz, t, &day, NULL) == -1)
		day = clock_day_of(t);
	return day;
}

static int
refuse(struct desc *d, unsigned status, const char *text)
{
	snprintf(d->refused, sizeof(d->refused), "%s", text);
	d->refused_status = status;
	return 1;
}

/*
 * Describe action code on object (kind) of owner for a page in lang at
 * now; newday / newmin (-1: all day) say where a re-plan goes, via the
 * kind of touch of "waiting".  0, 1 refused (d->refused says why: not
 * this salesperson's, gone, already closed), -1 store error (err).
 */
static int
describe(struct store *st, long long owner, const char *lang, const char *tz, char kind,
    const char *code, long long object, time_t now, const char *newday, int newmin,
    const char *via, struct desc *d, char *err, size_t errlen)
{
	char b[128], k[64], w[128];
	int rc;

	memset(d, 0, sizeof(d[0]));
	if (kind == ACTION_CLIENT) {
		struct store_web_client wc;
		const char *name;

		if ((rc = store_web_client(st, object, &wc, err, errlen)) != 0)
			return rc == 1 ? refuse(d, 404, web_es_en(lang, "Este cliente ya no existe.",
			    "This client no longer exists.")) : -1;
		if (wc.owner_id != owner) {
			store_web_client_clear(&wc);
			return refuse(d, 403, web_es_en(lang, "Este cliente no está en tu cartera (lo lleva "
			    "otro comercial).", "This client is not in your portfolio (another "
			    "salesperson has it)."));
		}
		d->client = object;
		name = wc.name;
		snprintf(d->object, sizeof(d->object), "%s", name);
		if (strcmp(code, "call") == 0 || strcmp(code, "visit") == 0) {
			int call = code[0] == 'c';

			snprintf(d->effect, sizeof(d->effect), web_is_en(lang) ?
			    "Record a %s made now to %s: it counts as a contact." :
			    "Registrar una %s hecha ahora a %s: cuenta como contacto.",
			    call ? web_es_en(lang, "llamada", "call") : web_es_en(lang, "visita", "visit"), name);
			snprintf(d->what, sizeof(d->what), web_is_en(lang) ? "%s recorded: %s" :
			    "%s registrada: %s", call ? web_es_en(lang, "Llamada", "Call") :
			    web_es_en(lang, "Visita", "Visit"), name);
		} else if (strcmp(code, "waiting") == 0) {
			const char *kw = i18n_kind(lang, via != NULL ? via : "call");

			snprintf(d->effect, sizeof(d->effect), web_is_en(lang) ?
			    "Record a contact with %s made now, waiting for their answer." :
			    "Registrar un contacto con %s hecho ahora, esperando su respuesta.", name);
			snprintf(d->what, sizeof(d->what), web_is_en(lang) ?
			    "%s recorded, waiting for an answer: %s" :
			    "%s registrada, esperando respuesta: %s", web_cap(kw, k, sizeof(k)), name);
		} else if (strcmp(code, "snooze3") == 0 || strcmp(code, "snooze7") == 0) {
			long until = web_local_day(tz, now) + (code[6] == '3' ? 3 : 7);

			i18n_date(lang, until, b, sizeof(b));
			clock_date_format(until, d->day, sizeof(d->day));
			snprintf(d->effect, sizeof(d->effect), web_is_en(lang) ?
			    "Snooze %s until %s: nothing about them is due before." :
			    "Posponer a %s hasta el %s: nada suyo vence antes.", name, b);
			snprintf(d->what, sizeof(d->what), web_is_en(lang) ? "%s snoozed until %s" :
			    "%s pospuesto hasta el %s", name, b);
		} else if (strcmp(code, "open") == 0) {
			snprintf(d->effect, sizeof(d->effect), "%s", name);
		} else {
			store_web_client_clear(&wc);
			return refuse(d, 404, web_es_en(lang, "Acción desconocida.", "Unknown action."));
		}
		store_web_client_clear(&wc);
		return 0;
	}
	if (kind == ACTION_ACTIVITY) {
		struct store_web_activity wa;
		long day;
		int min;

		if ((rc = store_web_activity(st, object, &wa, err, errlen)) != 0)
			return rc == 1 ? refuse(d, 404, web_es_en(lang, "Esta actividad ya no existe.",
			    "This activity no longer exists.")) : -1;
		if (wa.owner_id != owner) {
			store_web_activity_clear(&wa);
			return refuse(d, 403, web_es_en(lang, "Esta actividad es de un cliente que no está "
			    "en tu cartera.", "This activity is for a client not in your "
			    "portfolio."));
		}
		d->client = wa.client_id;
		d->all_day = wa.day != NULL;
		if (wa.day != NULL)
			snprintf(d->day, sizeof(d->day), "%s", wa.day);
		else if (tz_local_day(tz, wa.start, &day, &min) == 0) {
			clock_date_format(day, d->day, sizeof(d->day));
			snprintf(d->time, sizeof(d->time), "%02d:%02d", min / 60, min % 60);
		}
		web_activity_when(lang, tz, &wa, w, sizeof(w));
		web_cap(i18n_kind(lang, wa.kind), k, sizeof(k));
		snprintf(d->object, sizeof(d->object), web_is_en(lang) ? "%s with %s, %s" :
		    "%s con %s, %s", k, wa.client_name, w);
		if (strcmp(code, "open") != 0 && strcmp(code, "replan") != 0 &&
		    strcmp(wa.status, "planned") != 0) {
			rc = refuse(d, 409, strcmp(wa.status, "done") == 0 ?
			    web_es_en(lang, "Esta actividad ya estaba hecha.", "This activity was already "
			    "done.") : web_es_en(lang, "Esta actividad ya estaba cancelada.",
			    "This activity was already cancelled."));
			store_web_activity_clear(&wa);
			return rc;
		}
		web_the_kind(lang, wa.kind, b, sizeof(b));
		if (strcmp(code, "done") == 0) {
			snprintf(d->effect, sizeof(d->effect), web_is_en(lang) ?
			    "Mark %s with %s (%s) done: it counts as one contact." :
			    "Marcar como hecha %s con %s (%s): cuenta como un contacto.", b,
			    wa.client_name, w);
			snprintf(d->what, sizeof(d->what), web_is_en(lang) ? "%s with %s done" :
			    "%s con %s hecha", k, wa.client_name);
		} else if (strcmp(code, "cancel") == 0) {
			snprintf(d->effect, sizeof(d->effect), web_is_en(lang) ?
			    "%s with %s (%s) did not happen: cancel it (no contact is recorded)." :
			    "%s con %s (%s) no se hizo: cancelarla (no cuenta como contacto).",
			    k, wa.client_name, w);
			snprintf(d->what, sizeof(d->what), web_is_en(lang) ? "%s with %s cancelled" :
			    "%s con %s cancelada", k, wa.client_name);
		} else if (strcmp(code, "replan") == 0) {
			char nw[96] = "";
			long nd;

			if (newday != NULL && clock_date_parse(newday, &nd) == 0) {
				i18n_date(lang, nd, nw, sizeof(nw));
				if (newmin >= 0)
					snprintf(nw + strlen(nw), sizeof(nw) - strlen(nw), " %02d:%02d",
					    newmin / 60, newmin % 60);
			}
			snprintf(d->effect, sizeof(d->effect), web_is_en(lang) ?
			    "Move %s with %s (%s) to another date." :
			    "Cambiar la fecha de %s con %s (%s).", b, wa.client_name, w);
			snprintf(d->what, sizeof(d->what), web_is_en(lang) ? "%s with %s moved to %s" :
			    "%s con %s movida al %s", k, wa.client_name, nw);
		} else if (strcmp(code, "open") == 0) {
			snprintf(d->effect, sizeof(d->effect), "%s", d->object);
		} else {
			store_web_activity_clear(&wa);
			return refuse(d, 404, web_es_en(lang, "Acción desconocida.", "Unknown action."));
		}
		store_web_activity_clear(&wa);
		return 0;
	}
	if (kind == ACTION_INVOICE) {
		struct store_web_invoice wi;
		char m[64];

		if ((rc = store_web_invoice(st, object, &wi, err, errlen)) != 0)
			return rc == 1 ? refuse(d, 404, web_es_en(lang, "Esta factura ya no existe.",
			    "This invoice no longer exists.")) : -1;
		if (wi.owner_id != owner) {
			store_web_invoice_clear(&wi);
			return refuse(d, 403, web_es_en(lang, "Esta factura es de un cliente que no está en "
			    "tu cartera.", "This invoice is for a client not in your portfolio."));
		}
		d->client = wi.client_id;
		i18n_money(lang, wi.cents, wi.currency, m, sizeof(m));
		snprintf(d->object, sizeof(d->object), web_is_en(lang) ? "Invoice %s of %s, %s" :
		    "Factura %s de %s, %s", wi.number != NULL ? wi.number : "", wi.client_name, m);
		if (wi.paid != NULL && strcmp(code, "open") != 0) {
			store_web_invoice_clear(&wi);
			return refuse(d, 409, web_es_en(lang, "Esta factura ya estaba cobrada.",
			    "This invoice was already paid."));
		}
		if (strcmp(code, "paid") == 0) {
			snprintf(d->effect, sizeof(d->effect), web_is_en(lang) ?
			    "Mark invoice %s of %s (%s) paid today." :
			    "Marcar como cobrada hoy la factura %s de %s (%s).",
			    wi.number != NULL ? wi.number : "", wi.client_name, m);
			snprintf(d->what, sizeof(d->what), web_is_en(lang) ? "Invoice %s of %s paid" :
			    "Factura %s de %s cobrada", wi.number != NULL ? wi.number : "",
			    wi.client_name);
		} else if (strcmp(code, "open") == 0) {
			snprintf(d->effect, sizeof(d->effect), "%s", d->object);
		} else {
			store_web_invoice_clear(&wi);
			return refuse(d, 404, web_es_en(lang, "Acción desconocida.", "Unknown action."));
		}
		store_web_invoice_clear(&wi);
		return 0;
	}
	return refuse(d, 404, web_es_en(lang, "Acción desconocida.", "Unknown action."));
}

/* ---- the writes (in the daemon's writer thread) -------------------------------- */

/* The instant of local day (YYYY-MM-DD) at minutes in tz. */
static int
local_instant(const char *tz, const char *day, int minutes, time_t *out)
{
	long d;

	if (clock_date_parse(day, &d) == -1)
		return -1;
	return tz_to_utc(tz, d, minutes, out);
}

static int
apply_act(struct store *st, struct web_job *j, struct desc *d, char *err, size_t errlen)
{
	struct touch t;
	char day[16];

	memset(&t, 0, sizeof(t));
	t.at = j->now;
	t.by_owner = j->owner;
	t.direction = "out";
	if (j->kind == ACTION_CLIENT) {
		t.client = j->object;
		if (strcmp(j->code, "call") == 0 || strcmp(j->code, "visit") == 0) {
			t.kind = j->code;
			t.outcome = "done";
			return store_touch_add(st, &t, NULL, err, errlen);
		}
		if (strcmp(j->code, "waiting") == 0) {
			t.kind = j->touch_kind[0] != '\0' ? j->touch_kind : "call";
			t.outcome = "waiting";
			return store_touch_add(st, &t, NULL, err, errlen);
		}
		/* snooze3, snooze7: the day describe() worked out. */
		return store_client_next_contact(st, j->object, d->day, "snooze", err, errlen);
	}
	if (j->kind == ACTION_ACTIVITY) {
		if (strcmp(j->code, "done") == 0) {
			int rc = store_activity_done(st, j->object, NULL, NULL, err, errlen);

			if (rc == 1) {
				refuse(d, 409, web_es_en(j->lang, "Esta actividad ya estaba hecha.",
				    "This activity was already done."));
				return 1;
			}
			return rc;
		}
		if (strcmp(j->code, "cancel") == 0)
			return store_activity_set_status(st, j->object, "cancelled", err, errlen);
		/* replan */
		if (j->all_day)
			return store_activity_move_day(st, j->object, j->day, err, errlen);
		{
			time_t start;

			if (local_instant(j->tz, j->day, j->minutes, &start) == -1) {
				snprintf(err, errlen, "bad date %s", j->day);
				return -1;
			}
			return store_activity_move(st, j->object, start, NULL, err, errlen);
		}
	}
	/* paid, today in the owner's zone */
	clock_date_format(web_local_day(j->tz, j->now), day, sizeof(day));
	return store_invoice_paid(st, j->object, day, err, errlen);
}

int
web_job_apply(struct store *st, void *arg, char *err, size_t errlen)
{
	struct web_job *j = arg;
	struct desc d;
	char *prev = NULL, k[64];
	time_t at;
	int rc;

	j->already = 0;
	j->refused[0] = '\0';
	/* The same click, form or link twice: one write. */
	if ((rc = store_web_action_get(st, j->key, &at, &prev, err, errlen)) == -1)
		return -1;
	if (rc == 0) {
		j->already = 1;
		j->already_at = at;
		snprintf(j->already_what, sizeof(j->already_what), "%s", prev);
		free(prev);
		return 1;
	}
	memset(&d, 0, sizeof(d));
	switch (j->type) {
	case J_ACT:
	case J_REPLAN:
		rc = describe(st, j->owner, j->lang, j->tz, j->kind, j->code, j->object, j->now,
		    j->day, j->all_day ? -1 : j->minutes, j->touch_kind[0] ? j->touch_kind : NULL,
		    &d, err, errlen);
		if (rc == 0)
			rc = apply_act(st, j, &d, err, errlen);
		snprintf(j->what, sizeof(j->what), "%s", d.what);
		break;
	case J_LOG:
	case J_PLAN:
	case J_SNOOZE:
		rc = describe(st, j->owner, j->lang, j->tz, ACTION_CLIENT, "open", j->object,
		    j->now, NULL, -1, NULL, &d, err, errlen);
		if (rc != 0)
			break;
		if (j->type == J_LOG) {
			struct touch t;

			memset(&t, 0, sizeof(t));
			t.client = j->object;
			t.kind = j->touch_kind;
			t.at = j->now;
			t.outcome = j->outcome;
			t.note = j->note;
			t.by_owner = j->owner;
			t.direction = "out";
			t.next = j->next[0] != '\0' ? j->next : NULL;
			rc = store_touch_add(st, &t, NULL, err, errlen);
			snprintf(j->what, sizeof(j->what), web_is_en(j->lang) ? "%s recorded: %s" :
			    "%s registrada: %s", web_cap(i18n_kind(j->lang, j->touch_kind), k,
			    sizeof(k)), d.object);
		} else if (j->type == J_PLAN) {
			if (j->all_day)
				rc = store_activity_add_day(st, j->object, j->owner, j->act_kind,
				    j->day, j->tz, NULL, j->note, NULL, err, errlen);
			else {
				time_t start;

				if (local_instant(j->tz, j->day, j->minutes, &start) == -1) {
					snprintf(err, errlen, "bad date %s", j->day);
					rc = -1;
				} else
					rc = store_activity_add(st, j->object, j->owner, j->act_kind,
					    start, j->tz, j->duration, NULL, j->note, NULL, err,
					    errlen);
			}
			snprintf(j->what, sizeof(j->what), web_is_en(j->lang) ? "%s planned with %s" :
			    "%s planificada con %s", web_cap(i18n_kind(j->lang, j->act_kind), k,
			    sizeof(k)), d.object);
		} else {
			char b[64];
			long nd;

			rc = store_client_next_contact(st, j->object, j->day, "snooze", err, errlen);
			if (clock_date_parse(j->day, &nd) == 0)
				i18n_date(j->lang, nd, b, sizeof(b));
			else
				snprintf(b, sizeof(b), "%s", j->day);
			snprintf(j->what, sizeof(j->what), web_is_en(j->lang) ? "%s snoozed until %s" :
			    "%s pospuesto hasta el %s", d.object, b);
		}
		break;
	case J_NEW: {
		long long dup;

		rc = store_client_duplicate(st, &j->rec, 0, &dup, err, errlen);
		if (rc == 0) {
			snprintf(d.refused, sizeof(d.refused), "%s", web_es_en(j->lang,
			    "Ya tienes un cliente con ese nombre o NIF.",
			    "There is already a client with that name or tax id."));
			d.refused_status = 409;
			rc = 1;
			break;
		}
		if (rc == -1)
			break;
		rc = store_client_put(st, 0, &j->rec, &j->new_id, err, errlen);
		snprintf(j->what, sizeof(j->what), web_is_en(j->lang) ? "Client added: %s" :
		    "Cliente añadido: %s", j->rec.v[RF_NAME]);
		break;
	}
	}
	if (rc == 1) {
		snprintf(j->refused, sizeof(j->refused), "%s", d.refused);
		return 1;
	}
	if (rc == -1) {
		/* Inside the write transaction the store does not wait for a lock:
		 * a failure here is the store refusing this write, not a busy one. */
		log_warnx("web: a write was refused: %s", err);
		snprintf(j->refused, sizeof(j->refused), "%s", web_es_en(j->lang,
		    "No se pudo guardar: los datos no son válidos para la base de datos.",
		    "It could not be saved: the database refused the data."));
		return 1;
	}
	if (store_web_action_put(st, j->key, j->owner, j->now, j->what, err, errlen) == -1)
		return -1;
	return 0;
}

/* ---- forms of the page ----------------------------------------------------------- */

static const char *
field_error(const char *lang, enum field_error e)
{
	switch (e) {
	case FE_REQUIRED: return web_es_en(lang, "Obligatorio.", "Required.");
	case FE_DATE: return web_es_en(lang, "Escribe una fecha (AAAA-MM-DD o DD/MM/AAAA).",
	    "Enter a date (YYYY-MM-DD or DD/MM/YYYY).");
	case FE_PAST: return web_es_en(lang, "Esa fecha ya pasó.", "That date has passed.");
	case FE_AFTER_TODAY: return web_es_en(lang, "Tiene que ser después de hoy.",
	    "It must be after today.");
	case FE_TIME: return web_es_en(lang, "Escribe una hora (HH:MM) o marca «Todo el día».",
	    "Enter a time (HH:MM) or tick \"All day\".");
	case FE_DURATION: return web_es_en(lang, "Entre 5 y 1440 minutos.", "From 5 to 1440 minutes.");
	case FE_CHOICE: return web_es_en(lang, "Elige una opción de la lista.", "Choose one of the list.");
	case FE_TOO_LONG: return web_es_en(lang, "Demasiado largo.", "Too long.");
	case FE_EMAIL: return web_es_en(lang, "No es una dirección de correo válida.",
	    "Not a valid email address.");
	case FE_INVALID: return web_es_en(lang, "Valor no válido.", "Not a valid value.");
	case FE_DUPLICATE: return web_es_en(lang, "Ya tienes un cliente con ese nombre o NIF.",
	    "There is already a client with that name or tax id.");
	case FE_NONE: break;
	}
	return NULL;
}

/* Note an error of field in form object f ("err_FIELD"); counts them. */
static void
form_error(struct ctx *c, json_object *f, const char *field, enum field_error e, int *n)
{
	char k[64];

	snprintf(k, sizeof(k), "err_%s", field);
	jsonb_text_dup(&c->jb, f, k, field_error(c->lang, e));
	(*n)++;
}

/* A date typed in a form: 0 and *day, -1 not a date. */
static int
form_date(const char *s, long *day)
{
	return s != NULL && *s != '\0' && record_parse_date(s, day) == 0 ? 0 : -1;
}

/*
 * The checks every POST passes: a form body of this site, with a good
 * token for form.  0 with f filled and nonce set, or -1 (answered).
 */
static int
post_begin(struct ctx *c, struct web_form *f, const char *form, char *nonce)
{
	const char *why = NULL, *ct = c->rq->content_type, *tok;
	enum sign_result r;

	memset(f, 0, sizeof(*f));
	if (c->rq->fetch_site != NULL && strcmp(c->rq->fetch_site, "cross-site") == 0) {
		web_fail_page(c, 403, web_es_en(c->lang, "Formulario rechazado", "Form refused"),
		    web_es_en(c->lang, "Este formulario se envió desde otro sitio web.",
		    "This form was sent from another web site."));
		return -1;
	}
	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
		web_fail_page(c, 400, web_es_en(c->lang, "Formulario no válido", "Bad form"),
		    web_es_en(c->lang, "Envía el formulario desde la página.", "Send the form from the "
		    "page."));
		return -1;
	}
	if (web_form_parse(c->rq->body, c->rq->body_len, f, &why) == -1) {
		web_fail_page(c, 400, web_es_en(c->lang, "Formulario no válido", "Bad form"), why);
		return -1;
	}
	tok = web_form_get(f, "csrf");
	r = sign_form_check(c->w->key, c->o->id, c->o->page_token, form, tok, c->rq->now,
	    (long)c->sn->cfg.web.form_hours * 3600, nonce);
	if (r != SIGN_OK) {
		web_form_free(f);
		web_fail_page(c, 403, web_es_en(c->lang, "Formulario caducado", "Form expired"),
		    r == SIGN_EXPIRED ? web_es_en(c->lang, "Este formulario es de hace demasiado tiempo: "
		    "vuelve a cargar la página y envíalo otra vez.", "This form is too old: "
		    "load the page again and send it again.") : web_es_en(c->lang, "Este formulario no "
		    "viene de tu página (o cambió tu enlace): vuelve a cargarla y envíalo otra "
		    "vez.", "This form does not come from your page (or your link changed): "
		    "load it again and send it again."));
		return -1;
	}
	return 0;
}

/* The idempotency key of a form: its nonce and what it says. */
static int
form_key(struct web_job *j, const char *form, const char *nonce, const char *const *vals,
    size_t n)
{
	const char *parts[16];
	char owner[24];

	snprintf(owner, sizeof(owner), "%lld", j->owner);
	parts[0] = form;
	parts[1] = owner;
	parts[2] = nonce;
	for (size_t i = 0; i < n && i < 13; i++)
		parts[3 + i] = vals[i];
	return sign_id(parts, 3 + (n < 13 ? n : 13), j->key);
}

static void
queue(struct ctx *c, struct web_job *j, const char *back)
{
	snprintf(j->back, sizeof(j->back), "%s", back);
	c->rs->job = j;
}

/* The path of a client's card. */
static void
card_path(struct ctx *c, long long client, char *out, size_t len)
{
	snprintf(out, len, "%s/c/%lld", c->base, client);
}

/* POST /me/T/act: one of the buttons. */
void
web_post_act(struct ctx *c)
{
	struct web_form f;
	struct web_job *j;
	struct desc d;
	const char *kind, *obj, *code, *back, *via;
	const struct action_def *a;
	char nonce[SIGN_NONCE_CHARS + 1], path[600];
	long long id;
	int rc;

	if (post_begin(c, &f, "act", nonce) == -1)
		return;
	kind = web_form_get(&f, "obj_kind");
	obj = web_form_get(&f, "obj");
	code = web_form_get(&f, "do");
	back = web_form_get(&f, "back");
	via = web_form_get(&f, "via");
	if (kind == NULL || strlen(kind) != 1 || obj == NULL || code == NULL ||
	    web_parse_id(obj, strlen(obj), &id) == -1 || (a = action_find(kind[0], code)) == NULL ||
	    strcmp(code, "open") == 0 || strcmp(code, "replan") == 0 ||
	    (via != NULL && !web_in_list(web_touch_kinds, via))) {
		web_form_free(&f);
		web_fail_page(c, 400, web_es_en(c->lang, "Formulario no válido", "Bad form"),
		    web_es_en(c->lang, "Este botón no existe.", "There is no such button."));
		return;
	}
	rc = describe(c->st, c->o->id, c->lang, c->o->tz, a->kind, a->code, id, c->rq->now, NULL,
	    -1, via, &d, c->err, sizeof(c->err));
	if (rc != 0) {
		web_form_free(&f);
		if (rc == -1)
			web_fail_store(c);
		else
			web_fail_page(c, d.refused_status, web_es_en(c->lang, "No se puede", "Cannot be done"),
			    d.refused);
		return;
	}
	if ((j = web_job_new(c, J_ACT)) == NULL) {
		web_form_free(&f);
		web_text_answer(c, 500, "out of memory\n");
		return;
	}
	j->kind = a->kind;
	snprintf(j->code, sizeof(j->code), "%s", a->code);
	j->object = id;
	if (via != NULL)
		snprintf(j->touch_kind, sizeof(j->touch_kind), "%s", via);
	{
		const char *vals[] = { kind, obj, code, via };

		form_key(j, "act", nonce, vals, 4);
	}
	if (back != NULL && strcmp(back, "client") == 0)
		card_path(c, d.client, path, sizeof(path));
	else
		snprintf(path, sizeof(path), "%s", c->base);
	web_form_free(&f);
	queue(c, j, path);
}

/* POST /me/T/c/ID/log|plan|snooze. */
/*
 * When, from a plan or re-plan form (date, time or all day): 0 (into j),
 * or the errors counted.
 */
static int
when_fields(struct ctx *c, const struct web_form *f, json_object *fo, struct web_job *j)
{
	const char *date = web_form_get(f, "date"), *time = web_form_get(f, "time");
	const char *allday = web_form_get(f, "allday");
	int errors = 0;
	long day;

	if (date == NULL || *date == '\0')
		form_error(c, fo, "date", FE_REQUIRED, &errors);
	else if (form_date(date, &day) == -1)
		form_error(c, fo, "date", FE_DATE, &errors);
	else if (day < web_local_day(c->o->tz, c->rq->now))
		form_error(c, fo, "date", FE_PAST, &errors);
	else
		clock_date_format(day, j->day, sizeof(j->day));
	j->all_day = allday != NULL && *allday != '\0';
	if (!j->all_day && (time == NULL || clock_hhmm_parse(time, &j->minutes) == -1))
		form_error(c, fo, "time", FE_TIME, &errors);
	return errors;
}

void
web_post_card_form(struct ctx *c, long long client, const char *form)
{
	struct web_form f;
	struct web_job *j = NULL;
	struct desc d;
	json_object *forms = NULL, *fo;
	char nonce[SIGN_NONCE_CHARS + 1], path[600];
	long day;
	int errors = 0, rc;

	if (post_begin(c, &f, form, nonce) == -1)
		return;
	rc = describe(c->st, c->o->id, c->lang, c->o->tz, ACTION_CLIENT, "open", client,
	    c->rq->now, NULL, -1, NULL, &d, c->err, sizeof(c->err));
	if (rc != 0) {
		web_form_free(&f);
		if (rc == -1)
			web_fail_store(c);
		else
			web_fail_page(c, d.refused_status, web_es_en(c->lang, "No se puede", "Cannot be done"),
			    d.refused);
		return;
	}
	if ((forms = jsonb_object(&c->jb)) == NULL || (fo = jsonb_object(&c->jb)) == NULL ||
	    (j = web_job_new(c, strcmp(form, "log") == 0 ? J_LOG : strcmp(form, "plan") == 0 ?
	    J_PLAN : J_SNOOZE)) == NULL) {
		json_object_put(forms);
		web_form_free(&f);
		web_text_answer(c, 500, "out of memory\n");
		return;
	}
	jsonb_put_dup(&c->jb, forms, form, fo);
	j->object = client;
	for (size_t i = 0; i < f.n; i++)
		if (web_in_list(web_form_fields, f.name[i]))
			jsonb_text_dup(&c->jb, fo, f.name[i], f.value[i]);
	if (strcmp(form, "log") == 0) {
		const char *kind = web_form_get(&f, "kind"), *outcome = web_form_get(&f, "outcome");
		const char *note = web_form_get(&f, "note"), *next = web_form_get(&f, "next");

		if (!web_in_list(web_touch_kinds, kind))
			form_error(c, fo, "kind", FE_CHOICE, &errors);
		if (!web_in_list(web_outcomes, outcome))
			form_error(c, fo, "outcome", FE_CHOICE, &errors);
		if (note != NULL && strlen(note) > NOTE_MAX)
			form_error(c, fo, "note", FE_TOO_LONG, &errors);
		if (next != NULL && *next != '\0') {
			if (form_date(next, &day) == -1)
				form_error(c, fo, "next", FE_DATE, &errors);
			else if (day <= web_local_day(c->o->tz, c->rq->now))
				form_error(c, fo, "next", FE_AFTER_TODAY, &errors);
			else
				clock_date_format(day, j->next, sizeof(j->next));
		}
		if (errors == 0) {
			const char *vals[] = { kind, outcome, note, j->next };

			snprintf(j->touch_kind, sizeof(j->touch_kind), "%s", kind);
			snprintf(j->outcome, sizeof(j->outcome), "%s", outcome);
			if (note != NULL && *note != '\0' && (j->note = strdup(note)) == NULL)
				errors = -1;
			form_key(j, form, nonce, vals, 4);
		}
	} else if (strcmp(form, "plan") == 0) {
		const char *kind = web_form_get(&f, "kind"), *time = web_form_get(&f, "time");
		const char *dur = web_form_get(&f, "duration"), *note = web_form_get(&f, "note");
		long long minutes = 0;

		if (!web_in_list(web_activity_kinds, kind))
			form_error(c, fo, "kind", FE_CHOICE, &errors);
		errors += when_fields(c, &f, fo, j);
		if (!j->all_day && (dur == NULL || web_parse_id(dur, strlen(dur), &minutes) == -1 ||
		    minutes < 5 || minutes > 1440))
			form_error(c, fo, "duration", FE_DURATION, &errors);
		if (note != NULL && strlen(note) > NOTE_MAX)
			form_error(c, fo, "note", FE_TOO_LONG, &errors);
		if (errors == 0) {
			const char *vals[] = { kind, j->day, j->all_day ? "" : time,
			    j->all_day ? "" : dur, note };

			j->duration = (int)minutes;
			snprintf(j->act_kind, sizeof(j->act_kind), "%s", kind);
			if (note != NULL && *note != '\0' && (j->note = strdup(note)) == NULL)
				errors = -1;
			form_key(j, form, nonce, vals, 5);
		}
	} else {
		const char *until = web_form_get(&f, "until"), *days = web_form_get(&f, "days");
		long long n = 0;

		if (until != NULL && *until != '\0') {
			if (form_date(until, &day) == -1)
				form_error(c, fo, "until", FE_DATE, &errors);
			else if (day <= web_local_day(c->o->tz, c->rq->now))
				form_error(c, fo, "until", FE_AFTER_TODAY, &errors);
		} else if (days != NULL && web_parse_id(days, strlen(days), &n) == 0 && n <= 3650)
			day = web_local_day(c->o->tz, c->rq->now) + (long)n;
		else
			form_error(c, fo, "until", FE_REQUIRED, &errors);
		if (errors == 0) {
			const char *vals[] = { until, days };

			clock_date_format(day, j->day, sizeof(j->day));
			form_key(j, form, nonce, vals, 2);
		}
	}
	web_form_free(&f);
	if (errors != 0) {
		web_job_free(j);
		if (errors < 0) {
			json_object_put(forms);
			web_text_answer(c, 500, "out of memory\n");
			return;
		}
		jsonb_bool(&c->jb, fo, "errors", 1);
		web_serve_client(c, client, forms, 422);
		json_object_put(forms);
		return;
	}
	json_object_put(forms);
	card_path(c, client, path, sizeof(path));
	queue(c, j, path);
}

/* ---- an activity: done, cancel, another date --------------------------------------- */

/* The values of the re-plan form (fo, taken): the activity's date and time
 * (d) on a first showing, what was posted after an error. */
static json_object *
replan_values(struct ctx *c, json_object *fo, const struct desc *d)
{
	json_object *jv;

	if (fo == NULL && (fo = jsonb_object(&c->jb)) != NULL) {
		jsonb_text(&c->jb, fo, "date", d->day);
		jsonb_text(&c->jb, fo, "time", d->time);
		jsonb_bool(&c->jb, fo, "allday", d->all_day);
	} else if (fo != NULL && json_object_object_get_ex(fo, "allday", &jv) && jv != NULL)
		jsonb_bool(&c->jb, fo, "allday", 1);
	return fo;
}

void
web_serve_activity(struct ctx *c, long long id, json_object *fo, unsigned status)
{
	struct desc d;
	json_object *data;
	char back[600];
	int rc;

	rc = describe(c->st, c->o->id, c->lang, c->o->tz, ACTION_ACTIVITY, "open", id, c->rq->now,
	    NULL, -1, NULL, &d, c->err, sizeof(c->err));
	if (rc != 0) {
		json_object_put(fo);
		if (rc == -1)
			web_fail_store(c);
		else
			web_fail_page(c, d.refused_status, web_es_en(c->lang, "No encontrada", "Not found"),
			    d.refused);
		return;
	}
	if ((data = web_page_data(c)) == NULL) {
		json_object_put(fo);
		web_text_answer(c, 500, "out of memory\n");
		return;
	}
	jsonb_text(&c->jb, data, "object", d.object);
	jsonb_int(&c->jb, data, "id", id);
	card_path(c, d.client, back, sizeof(back));
	jsonb_text(&c->jb, data, "client_url", back);
	jsonb_put(&c->jb, data, "actions", action_list(&c->jb, ACTION_ACTIVITY, c->lang));
	web_csrf(c, data, "csrf_act", "act");
	if ((fo = replan_values(c, fo, &d)) != NULL)
		web_csrf(c, fo, "csrf", "replan");
	jsonb_put(&c->jb, data, "replan", fo);
	web_render(c, "activity", data, status);
}

void
web_post_activity(struct ctx *c, long long id)
{
	struct web_form f;
	struct web_job *j;
	struct desc d;
	json_object *fo;
	char nonce[SIGN_NONCE_CHARS + 1], path[600];
	int rc, errors;

	if (post_begin(c, &f, "replan", nonce) == -1)
		return;
	if ((j = web_job_new(c, J_REPLAN)) == NULL || (fo = jsonb_object(&c->jb)) == NULL) {
		web_job_free(j);
		web_form_free(&f);
		web_text_answer(c, 500, "out of memory\n");
		return;
	}
	for (size_t i = 0; i < f.n; i++)
		if (web_in_list(web_form_fields, f.name[i]))
			jsonb_text_dup(&c->jb, fo, f.name[i], f.value[i]);
	errors = when_fields(c, &f, fo, j);
	if (errors > 0) {
		web_form_free(&f);
		web_job_free(j);
		jsonb_bool(&c->jb, fo, "errors", 1);
		web_serve_activity(c, id, fo, 422);
		return;
	}
	json_object_put(fo);
	rc = describe(c->st, c->o->id, c->lang, c->o->tz, ACTION_ACTIVITY, "replan", id,
	    c->rq->now, j->day, j->all_day ? -1 : j->minutes, NULL, &d, c->err, sizeof(c->err));
	if (rc != 0) {
		web_form_free(&f);
		web_job_free(j);
		if (rc == -1)
			web_fail_store(c);
		else
			web_fail_page(c, d.refused_status, web_es_en(c->lang, "No se puede", "Cannot be done"),
			    d.refused);
		return;
	}
	j->kind = ACTION_ACTIVITY;
	snprintf(j->code, sizeof(j->code), "replan");
	j->object = id;
	{
		char mins[16];
		const char *vals[] = { j->day, mins };

		snprintf(mins, sizeof(mins), "%d", j->all_day ? -1 : j->minutes);
		form_key(j, "replan", nonce, vals, 2);
	}
	web_form_free(&f);
	card_path(c, d.client, path, sizeof(path));
	queue(c, j, path);
}

/* ---- a new client ---------------------------------------------------------------------- */

/* The fields of the form, their record fields and how they are checked. */
static const struct {
	const char		*name;
	enum record_field	 rf;
} new_fields[] = {
	{ "name", RF_NAME }, { "kind", RF_KIND }, { "status", RF_STATUS },
	{ "contact", RF_CONTACT }, { "phone", RF_PHONE }, { "email", RF_EMAIL },
	{ "address", RF_ADDRESS }, { "postal_code", RF_POSTAL_CODE }, { "city", RF_CITY },
	{ "notes", RF_NOTES },
};

void
web_serve_new(struct ctx *c, json_object *fo, unsigned status)
{
	json_object *d = web_page_data(c), *jv;
	const char *kind = NULL, *st = NULL;

	if (d == NULL || (fo == NULL && (fo = jsonb_object(&c->jb)) == NULL)) {
		json_object_put(d);
		json_object_put(fo);
		web_text_answer(c, 500, "out of memory\n");
		return;
	}
	if (json_object_object_get_ex(fo, "kind", &jv) && jv != NULL)
		kind = json_object_get_string(jv);
	if (json_object_object_get_ex(fo, "status", &jv) && jv != NULL)
		st = json_object_get_string(jv);
	jsonb_put(&c->jb, fo, "kinds", web_options(&c->jb, web_client_kinds, c->lang,
	    kind != NULL ? kind : "company", web_status_word));
	jsonb_put(&c->jb, fo, "statuses", web_options(&c->jb, web_client_statuses, c->lang,
	    st != NULL ? st : "active", web_status_word));
	web_csrf(c, fo, "csrf", "new");
	jsonb_put(&c->jb, d, "form", fo);
	web_render(c, "new", d, status);
}

void
web_post_new(struct ctx *c)
{
	struct web_form f;
	struct web_job *j;
	json_object *fo;
	char nonce[SIGN_NONCE_CHARS + 1], *norm = NULL, nerr[256];
	const char *vals[sizeof(new_fields) / sizeof(new_fields[0])];
	int errors = 0;
	long long dup;

	if (post_begin(c, &f, "new", nonce) == -1)
		return;
	if ((j = web_job_new(c, J_NEW)) == NULL || (fo = jsonb_object(&c->jb)) == NULL ||
	    (norm = malloc(RECORD_NOTES_MAX + 1)) == NULL) {
		web_job_free(j);
		web_form_free(&f);
		web_text_answer(c, 500, "out of memory\n");
		return;
	}
	for (size_t i = 0; i < sizeof(new_fields) / sizeof(new_fields[0]); i++) {
		const char *v = web_form_get(&f, new_fields[i].name);
		enum record_field rf = new_fields[i].rf;

		vals[i] = v;
		jsonb_text_dup(&c->jb, fo, new_fields[i].name, v);
		if (v == NULL || *v == '\0') {
			if (rf == RF_NAME)
				form_error(c, fo, "name", FE_REQUIRED, &errors);
			continue;
		}
		if (strlen(v) > (rf == RF_NOTES ? NOTE_MAX : RECORD_FIELD_MAX)) {
			form_error(c, fo, new_fields[i].name, FE_TOO_LONG, &errors);
			continue;
		}
		if ((rf == RF_KIND && !web_in_list(web_client_kinds, v)) ||
		    (rf == RF_STATUS && !web_in_list(web_client_statuses, v))) {
			form_error(c, fo, new_fields[i].name, FE_CHOICE, &errors);
			continue;
		}
		if (record_normalize(rf, v, norm, RECORD_NOTES_MAX + 1, nerr, sizeof(nerr)) == -1) {
			form_error(c, fo, new_fields[i].name, rf == RF_EMAIL ? FE_EMAIL : FE_INVALID,
			    &errors);
			continue;
		}
		if ((j->recv[rf] = strdup(norm)) == NULL)
			errors = -1000;
		j->rec.v[rf] = j->recv[rf];
	}
	free(norm);
	if (errors == 0) {
		if ((j->recv[RF_OWNER] = strdup(c->o->email)) == NULL)
			errors = -1000;
		j->rec.v[RF_OWNER] = j->recv[RF_OWNER];
	}
	/* The same company twice: said next to the name now (and checked again
	 * when written). */
	if (errors == 0) {
		int rc = store_client_duplicate(c->st, &j->rec, 0, &dup, c->err, sizeof(c->err));

		if (rc == 0)
			form_error(c, fo, "name", FE_DUPLICATE, &errors);
		else if (rc == -1) {
			web_form_free(&f);
			web_job_free(j);
			json_object_put(fo);
			web_fail_store(c);
			return;
		}
	}
	if (errors != 0) {
		web_form_free(&f);
		web_job_free(j);
		if (errors < 0) {
			json_object_put(fo);
			web_text_answer(c, 500, "out of memory\n");
			return;
		}
		jsonb_bool(&c->jb, fo, "errors", 1);
		web_serve_new(c, fo, 422);
		return;
	}
	json_object_put(fo);
	form_key(j, "new", nonce, vals, sizeof(vals) / sizeof(vals[0]));
	web_form_free(&f);
	queue(c, j, c->base);	/* the new client's card, once it has an id */
}

/* ---- a digest's action link ---------------------------------------------------------- */

/* The key under which a link's action is recorded: the link itself. */
static void
link_key(const char *mac, const char *code, char *out)
{
	const char *parts[] = { "link", mac, code };

	sign_id(parts, 3, out);
}

static void
confirm_page(struct ctx *c, const struct sign_link *l, const struct action_def *a,
    const struct desc *d, json_object *fo, unsigned status)
{
	json_object *data = web_page_data(c), *acts;
	int open = strcmp(a->code, "open") == 0;

	if (data == NULL) {
		json_object_put(fo);
		web_text_answer(c, 500, "out of memory\n");
		return;
	}
	jsonb_text(&c->jb, data, "object", d->object);
	jsonb_text(&c->jb, data, "effect", open ? NULL : d->effect);
	if (open)
		acts = action_list(&c->jb, l->kind, c->lang);
	else {
		json_object *one = jsonb_object(&c->jb);

		acts = jsonb_array(&c->jb);
		jsonb_text(&c->jb, one, "code", a->code);
		jsonb_text(&c->jb, one, "label", action_label(a, c->lang));
		jsonb_bool(&c->jb, one, "is_replan", strcmp(a->code, "replan") == 0);
		jsonb_append(&c->jb, acts, one);
	}
	jsonb_put(&c->jb, data, "actions", acts);
	jsonb_bool(&c->jb, data, "open", open);
	jsonb_bool(&c->jb, data, "is_client", l->kind == ACTION_CLIENT);
	/* A new date: for "Cambiar fecha", and on an activity's page. */
	if (l->kind == ACTION_ACTIVITY && (open || strcmp(a->code, "replan") == 0)) {
		jsonb_put(&c->jb, data, "replan", replan_values(c, fo, d));
		fo = NULL;
	}
	/* Which kind of contact waits for the answer. */
	if (l->kind == ACTION_CLIENT && (open || strcmp(a->code, "waiting") == 0)) {
		jsonb_put(&c->jb, data, "vias", web_options(&c->jb, web_touch_kinds, c->lang, "call",
		    web_kind_word));
		jsonb_bool(&c->jb, data, "has_vias", 1);
	}
	json_object_put(fo);
	web_csrf(c, data, "csrf", "link");
	web_render(c, "confirm", data, status);
}

/* Was the link's action taken already?  1 (and answered: 409, a clear
 * page), -1 (answered: the store failed), 0 not yet. */
static int
already_used(struct ctx *c, const char *key, const struct owner *o)
{
	char *what = NULL, b[64], msg[900];
	time_t at = 0;
	int rc;

	if ((rc = store_web_action_get(c->st, key, &at, &what, c->err, sizeof(c->err))) == -1) {
		web_fail_store(c);
		return -1;
	}
	if (rc == 1)
		return 0;
	web_fmt_when(c->lang, o->tz, at, 1, b, sizeof(b));
	snprintf(msg, sizeof(msg), web_is_en(c->lang) ? "This link was already used on %s: %s. "
	    "Nothing more was recorded." : "Este enlace ya se usó el %s: %s. No se ha "
	    "registrado nada más.", b, what);
	free(what);
	web_fail_page(c, 409, web_es_en(c->lang, "Ya está hecho", "Already done"), msg);
	return 1;
}

/* GET and POST /act/OWNER/KIND/ID/ACTION/EXPIRES/MAC. */
void
web_serve_link(struct ctx *c, const char *signed_part)
{
	struct sign_link l;
	const struct action_def *a;
	struct desc d;
	const struct owner *o = NULL;
	char mac[SIGN_MAC_CHARS + 1], key[SIGN_ID_CHARS + 1], b[64];
	enum sign_result r;
	int rc;

	if (sign_link_parse(signed_part, &l, mac) == -1 || (a = action_find(l.kind, l.action)) == NULL) {
		c->rs->bad_secret = 1;
		web_not_found(c);
		return;
	}
	for (size_t i = 0; i < c->os->n; i++)
		if (c->os->v[i].id == l.owner)
			o = &c->os->v[i];
	/* The same work whoever it names: a MAC over a dummy secret. */
	r = sign_link_check(c->w->key, &l, mac, o != NULL ? o->page_token : NULL, c->rq->now);
	if (r == SIGN_BAD) {
		c->rs->bad_secret = 1;
		web_fail_page(c, 403, web_es_en(c->lang, "Enlace no válido", "Link not valid"),
		    web_es_en(c->lang, "Este enlace no es válido: está incompleto o cambiado, o tu enlace "
		    "personal se renovó desde que llegó el correo. Usa el resumen más reciente "
		    "o tu página.", "This link is not valid: it is incomplete or altered, or your "
		    "personal link was renewed since the mail came. Use your latest digest or "
		    "your page."));
		return;
	}
	c->o = o;
	c->lang = o->lang;
	if (r == SIGN_EXPIRED) {
		char msg[300];

		web_fmt_when(c->lang, o->tz, (time_t)l.expires, 0, b, sizeof(b));
		snprintf(msg, sizeof(msg), web_is_en(c->lang) ? "This link expired on %s. Use your "
		    "latest digest or your page." : "Este enlace caducó el %s. Usa el resumen más "
		    "reciente o tu página.", b);
		web_fail_page(c, 410, web_es_en(c->lang, "Enlace caducado", "Link expired"), msg);
		return;
	}
	if (c->rq->method == WEB_POST) {
		struct web_form f;
		struct web_job *j;
		json_object *fo = NULL;
		const char *code = a->code, *via;
		char nonce[SIGN_NONCE_CHARS + 1];
		int errors = 0;

		if (post_begin(c, &f, "link", nonce) == -1)
			return;
		if (strcmp(code, "open") == 0) {
			const char *want = web_form_get(&f, "do");
			const struct action_def *w = want != NULL ? action_find(l.kind, want) : NULL;

			if (w == NULL || strcmp(w->code, "open") == 0) {
				web_form_free(&f);
				web_fail_page(c, 400, web_es_en(c->lang, "Formulario no válido", "Bad form"),
				    web_es_en(c->lang, "Este botón no existe.", "There is no such button."));
				return;
			}
			code = w->code;
		}
		link_key(mac, code, key);
		if (already_used(c, key, o) != 0) {
			web_form_free(&f);
			return;
		}
		if ((j = web_job_new(c, J_ACT)) == NULL) {
			web_form_free(&f);
			web_text_answer(c, 500, "out of memory\n");
			return;
		}
		j->from_link = 1;
		j->kind = l.kind;
		j->object = l.object;
		snprintf(j->code, sizeof(j->code), "%s", code);
		snprintf(j->key, sizeof(j->key), "%s", key);
		via = web_form_get(&f, "via");
		if (strcmp(code, "waiting") == 0 && via != NULL && web_in_list(web_touch_kinds, via))
			snprintf(j->touch_kind, sizeof(j->touch_kind), "%s", via);
		if (strcmp(code, "replan") == 0) {
			if ((fo = jsonb_object(&c->jb)) == NULL) {
				web_form_free(&f);
				web_job_free(j);
				web_text_answer(c, 500, "out of memory\n");
				return;
			}
			for (size_t i = 0; i < f.n; i++)
				if (web_in_list(web_form_fields, f.name[i]))
					jsonb_text_dup(&c->jb, fo, f.name[i], f.value[i]);
			errors = when_fields(c, &f, fo, j);
		}
		web_form_free(&f);
		rc = describe(c->st, o->id, c->lang, o->tz, l.kind, code, l.object, c->rq->now,
		    j->day, j->all_day ? -1 : j->minutes, j->touch_kind[0] ? j->touch_kind : NULL,
		    &d, c->err, sizeof(c->err));
		if (rc == 0 && errors > 0) {
			web_job_free(j);
			jsonb_bool(&c->jb, fo, "errors", 1);
			confirm_page(c, &l, a, &d, fo, 422);
			return;
		}
		json_object_put(fo);
		if (rc != 0) {
			web_job_free(j);
			if (rc == -1)
				web_fail_store(c);
			else
				web_fail_page(c, d.refused_status, web_es_en(c->lang, "No se puede", "Cannot be done"),
				    d.refused);
			return;
		}
		queue(c, j, "");
		return;
	}
	/* GET: what it will do, and one button.  Nothing is written. */
	if (strcmp(a->code, "open") != 0) {
		link_key(mac, a->code, key);
		if (already_used(c, key, o) != 0)
			return;
	}
	rc = describe(c->st, o->id, c->lang, o->tz, l.kind, a->code, l.object, c->rq->now, NULL,
	    -1, NULL, &d, c->err, sizeof(c->err));
	if (rc == -1) {
		web_fail_store(c);
		return;
	}
	if (rc == 1) {
		web_fail_page(c, d.refused_status, web_es_en(c->lang, "No se puede", "Cannot be done"),
		    d.refused);
		return;
	}
	confirm_page(c, &l, a, &d, NULL, 200);
}
