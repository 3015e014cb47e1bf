/*
 * web.c - the salesperson's page and the digest's action links (see
 * web.h): configuration and connections, a request and its answer, form
 * parsing, the forms' value lists, and routing.  The pages that only read
 * are web_pages.c's; what a form or a link does, and the jobs that carry
 * its write to the daemon's writer, web_actions.c's; what the three share
 * is in web_priv.h.
 *
 * Must not write from a request (a GET reads; a POST queues a job), must
 * not speak SQL (store.h), must not put client data anywhere but in a
 * template's values, and must not wait for the write lock.  What is due
 * comes from scan.c and digest.c, never from rules of its own.
 */
#include "build.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "action.h"
#include "address.h"
#include "clock.h"
#include "compose.h"
#include "config.h"
#include "digest.h"
#include "escape.h"
#include "hash.h"
#include "i18n.h"
#include "log.h"
#include "record.h"
#include "render.h"
#include "scan.h"
#include "sign.h"
#include "store.h"
#include "tz.h"
#include "utf8.h"
#include "web.h"
#include "web_priv.h"

/* ---- small helpers ---------------------------------------------------- */

long long
web_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
web_is_en(const char *lang)
{
	return i18n_is_en(lang);
}

/* Spanish or English. */
const char *
web_es_en(const char *lang, const char *es, const char *en)
{
	return web_is_en(lang) ? en : es;
}

/* A positive id: digits only, no sign, no leading zero. */
int
web_parse_id(const char *s, size_t n, long long *id)
{
	*id = 0;
	if (n == 0 || n > 18 || s[0] < '1' || s[0] > '9')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*id = *id * 10 + (s[i] - '0');
	}
	return 0;
}

/* ---- forms ------------------------------------------------------------ */

/* %-decode s[0..n) ('+' is a space) into a new string; NULL on a bad
 * escape, bad UTF-8, a NUL or a control character (value: but tab, CR,
 * LF). */
static char *
form_decode(const char *s, size_t n, int value, const char **why)
{
	char *out = malloc(n + 1), *w;

	if (out == NULL) {
		*why = "out of memory";
		return NULL;
	}
	w = out;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '+')
			c = ' ';
		else if (c == '%') {
			int hi, lo;

			if (i + 2 >= n || (hi = escape_hex_digit((unsigned char)s[i + 1])) < 0 ||
			    (lo = escape_hex_digit((unsigned char)s[i + 2])) < 0) {
				*why = "a '%' not followed by two hex digits";
				free(out);
				return NULL;
			}
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == 0 || c == 0x7f || (c < 0x20 && !(value && (c == '\t' || c == '\r' ||
		    c == '\n')))) {
			*why = "a control character";
			free(out);
			return NULL;
		}
		*w++ = (char)c;
	}
	*w = '\0';
	if (utf8_scan(out, (size_t)(w - out)) != (size_t)(w - out)) {
		*why = "text that is not UTF-8";
		free(out);
		return NULL;
	}
	return out;
}

void
web_form_free(struct web_form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->name[i]);
		free(f->value[i]);
	}
	f->n = 0;
}

int
web_form_parse(const char *body, size_t len, struct web_form *f, const char **why)
{
	size_t i = 0;

	memset(f, 0, sizeof(*f));
	*why = NULL;
	while (i < len) {
		size_t end = i, eq;

		while (end < len && body[end] != '&')
			end++;
		if (end > i) {
			if (f->n == WEB_FIELDS_MAX) {
				*why = "too many form fields";
				web_form_free(f);
				return -1;
			}
			for (eq = i; eq < end && body[eq] != '='; eq++)
				;
			f->name[f->n] = form_decode(body + i, eq - i, 0, why);
			f->value[f->n] = f->name[f->n] == NULL ? NULL :
			    form_decode(body + (eq < end ? eq + 1 : end),
			    eq < end ? end - eq - 1 : 0, 1, why);
			if (f->value[f->n] == NULL) {
				free(f->name[f->n]);
				web_form_free(f);
				return -1;
			}
			f->n++;
		}
		i = end + 1;
	}
	return 0;
}

const char *
web_form_get(const struct web_form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}

/* ---- configuration, owners, connections ----------------------------------- */

static void
snap_unref(struct snap *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	render_free(s->tmpl);
	config_free(&s->cfg);
	free(s);
}

static struct snap *
snap_load(struct web *w, char *err, size_t errlen)
{
	struct snap *s;
	const char *css, *p;
	size_t len;
	char base[512];

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->refs = 1;
	if (config_defaults(&s->cfg) == -1) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (config_load(&s->cfg, w->config_path ? w->config_path : CONFIG_DEFAULT_PATH,
	    w->config_path == NULL, err, errlen) == -1)
		goto fail;
	if (w->db_override != NULL) {
		free(s->cfg.database);
		if ((s->cfg.database = strdup(w->db_override)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (config_validate(&s->cfg, err, errlen) == -1 ||
	    render_load(s->cfg.templates, render_shipped_dir(), &s->tmpl, err, errlen) == -1)
		goto fail;
	css = render_css(s->tmpl, &len);
	snprintf(s->css_name, sizeof(s->css_name), "cartera.%016llx.css",
	    (unsigned long long)hash_fnv(HASH_FNV_SEED, css != NULL ? css : "", css != NULL ? len : 0));
	/* Pages link to each other by path: under the base URL's own path
	 * when carterad is published below one ("https://x.example/cartera"). */
	config_base_url(&s->cfg, base, sizeof(base));
	if ((p = strstr(base, "://")) != NULL && (p = strchr(p + 3, '/')) != NULL)
		snprintf(s->prefix, sizeof(s->prefix), "%s", p);
	return s;
fail:
	config_free(&s->cfg);
	free(s);
	return NULL;
}

static struct snap *
snap_get(struct web *w)
{
	struct snap *s;

	pthread_mutex_lock(&w->lock);
	s = w->snap;
	s->refs++;
	pthread_mutex_unlock(&w->lock);
	return s;
}

static void
snap_put(struct web *w, struct snap *s)
{
	pthread_mutex_lock(&w->lock);
	snap_unref(s);
	pthread_mutex_unlock(&w->lock);
}

static struct store *
conn_get(struct web *w, char *err, size_t errlen)
{
	struct store *st = NULL;

	pthread_mutex_lock(&w->lock);
	if (w->npool > 0)
		st = w->pool[--w->npool];
	pthread_mutex_unlock(&w->lock);
	if (st == NULL) {
		if (store_open(w->db, STORE_READONLY, &st, err, errlen) == -1)
			return NULL;
		store_set_busy_timeout(st, READ_MS);
	}
	return st;
}

static void
conn_put(struct web *w, struct store *st)
{
	if (st == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->npool < POOL_MAX) {
		w->pool[w->npool++] = st;
		st = NULL;
	}
	pthread_mutex_unlock(&w->lock);
	store_close(st);
}

static void
osnap_unref(struct osnap *os)
{
	if (os == NULL || --os->refs > 0)
		return;
	for (size_t i = 0; i < os->n; i++)
		store_owner_clear(&os->v[i]);
	free(os->v);
	free(os);
}

/* The active salespeople as of the last change (read again after one). */
static struct osnap *
owners_get(struct web *w, struct store *st, char *err, size_t errlen)
{
	struct osnap *os, *nos;
	unsigned long long gen;

	pthread_mutex_lock(&w->lock);
	gen = w->gen;
	if ((os = w->owners) != NULL && os->gen == gen) {
		os->refs++;
		pthread_mutex_unlock(&w->lock);
		return os;
	}
	pthread_mutex_unlock(&w->lock);
	if ((nos = calloc(1, sizeof(*nos))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	nos->refs = 2;		/* the web's and the caller's */
	nos->gen = gen;
	if (store_owner_load(st, 1, &nos->v, &nos->n, err, errlen) == -1) {
		free(nos);
		return NULL;
	}
	pthread_mutex_lock(&w->lock);
	if (w->owners == NULL || w->owners->gen < gen) {
		osnap_unref(w->owners);
		w->owners = nos;
	} else
		nos->refs--;	/* someone else's is as new: ours is the caller's only */
	pthread_mutex_unlock(&w->lock);
	return nos;
}

static void
owners_put(struct web *w, struct osnap *os)
{
	pthread_mutex_lock(&w->lock);
	osnap_unref(os);
	pthread_mutex_unlock(&w->lock);
}

void
web_today_unref(struct today *t)
{
	if (t == NULL || --t->refs > 0)
		return;
	scan_free(&t->r);
	free(t->html);
	free(t);
}

struct web *
web_new(const char *config_path, const char *db_override, const struct sign_key *key,
    char *err, size_t errlen)
{
	struct web *w;

	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (config_path != NULL && (w->config_path = strdup(config_path)) == NULL) ||
	    (db_override != NULL && (w->db_override = strdup(db_override)) == NULL)) {
		if (w != NULL) {
			free(w->config_path);
			free(w);
		}
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->key = key;
	pthread_mutex_init(&w->lock, NULL);
	w->gen = 1;
	if ((w->snap = snap_load(w, err, errlen)) == NULL ||
	    (w->db = strdup(w->snap->cfg.database)) == NULL) {
		if (w->snap != NULL)
			snprintf(err, errlen, "out of memory");
		web_free(w);
		return NULL;
	}
	return w;
}

int
web_reload(struct web *w, char *err, size_t errlen)
{
	struct snap *s = snap_load(w, err, errlen), *old;

	if (s == NULL)
		return -1;
	pthread_mutex_lock(&w->lock);
	old = w->snap;
	w->snap = s;
	w->gen++;
	snap_unref(old);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void
web_changed(struct web *w)
{
	pthread_mutex_lock(&w->lock);
	w->gen++;
	pthread_mutex_unlock(&w->lock);
}

void
web_free(struct web *w)
{
	if (w == NULL)
		return;
	snap_unref(w->snap);
	osnap_unref(w->owners);
	for (size_t i = 0; i < w->npool; i++)
		store_close(w->pool[i]);
	for (size_t i = 0; i < w->ntoday; i++)
		web_today_unref(w->today[i]);
	free(w->today);
	pthread_mutex_destroy(&w->lock);
	free(w->config_path);
	free(w->db_override);
	free(w->db);
	free(w);
}

int
web_owns(const char *path)
{
	return strncmp(path, "/me/", 4) == 0 || strncmp(path, "/act/", 5) == 0 ||
	    strncmp(path, "/static/", 8) == 0;
}

/* ---- a request ------------------------------------------------------------ */

void
web_job_free(struct web_job *j)
{
	if (j == NULL)
		return;
	free(j->tz);
	free(j->note);
	for (int i = 0; i < RF_COUNT; i++)
		free(j->recv[i]);
	free(j);
}

struct web_job *
web_job_new(struct ctx *c, enum job_type type)
{
	struct web_job *j = calloc(1, sizeof(*j));

	if (j == NULL || (j->tz = strdup(c->o->tz)) == NULL) {
		free(j);
		return NULL;
	}
	j->type = type;
	j->owner = c->o->id;
	snprintf(j->lang, sizeof(j->lang), "%s", web_is_en(c->lang) ? "en" : "es");
	j->now = c->rq->now;
	return j;
}

/* The common keys of every page. */
json_object *
web_page_data(struct ctx *c)
{
	json_object *d = jsonb_object(&c->jb);
	char css[400];

	if (d == NULL)
		return NULL;
	jsonb_text(&c->jb, d, "lang", c->lang);
	snprintf(css, sizeof(css), "%s/static/%s", c->sn->prefix, c->sn->css_name);
	jsonb_text(&c->jb, d, "css", css);
	jsonb_text(&c->jb, d, "base", c->base[0] != '\0' ? c->base : NULL);
	if (c->o != NULL)
		jsonb_text(&c->jb, d, "owner_name", c->o->name);
	return d;
}

void
web_text_answer(struct ctx *c, unsigned status, const char *text)
{
	c->rs->status = status;
	c->rs->type = "text/plain; charset=utf-8";
	buf_reset(&c->rs->body);
	buf_puts(&c->rs->body, text);
}

/* Render page with d (taken) and answer status. */
void
web_render(struct ctx *c, const char *page, json_object *d, unsigned status)
{
	char *html = NULL, err[512];

	if (d == NULL || jsonb_failed(&c->jb)) {
		log_warnx("web: page %s: out of memory", page);
		json_object_put(d);
		web_text_answer(c, 500, "out of memory\n");
		return;
	}
	if (render_page(c->sn->tmpl, page, c->lang, d, &html, err, sizeof(err)) == -1) {
		log_warnx("web: page %s: %s", page, err);
		json_object_put(d);
		web_text_answer(c, 500, "the page could not be made; see the daemon's log\n");
		return;
	}
	json_object_put(d);
	c->rs->status = status;
	c->rs->type = "text/html; charset=utf-8";
	buf_reset(&c->rs->body);
	buf_puts(&c->rs->body, html);
	free(html);
}

/* A page that says what went wrong, in the salesperson's language (the
 * configured one when nobody is known). */
void
web_fail_page(struct ctx *c, unsigned status, const char *title, const char *message)
{
	json_object *d = web_page_data(c);

	if (d != NULL) {
		jsonb_text(&c->jb, d, "title", title);
		jsonb_text(&c->jb, d, "message", message);
		jsonb_bool(&c->jb, d, "home", c->base[0] != '\0');
	}
	web_render(c, "error", d, status);
}

void
web_fail_store(struct ctx *c)
{
	log_warnx("web: %s", c->err);
	c->rs->retry_after = 5;
	web_fail_page(c, 503, web_es_en(c->lang, "No disponible", "Unavailable"),
	    web_es_en(c->lang, "La base de datos no responde ahora. Inténtalo en unos segundos.",
	    "The database does not answer right now. Please try again in a few seconds."));
}

void
web_not_found(struct ctx *c)
{
	web_fail_page(c, 404, web_es_en(c->lang, "No encontrado", "Not found"),
	    web_es_en(c->lang, "Esta dirección no existe.", "There is no such page."));
}

/* A form token for form, made now; "" if no randomness. */
void
web_csrf(struct ctx *c, json_object *d, const char *key, const char *form)
{
	char tok[SIGN_FORM_CHARS + 1];

	if (sign_form_make(c->w->key, c->o->id, c->o->page_token, form, c->rq->now, NULL,
	    tok) == -1)
		tok[0] = '\0';
	jsonb_text_dup(&c->jb, d, key, tok);
}

/* A local time in zone tz: "04/12/2026 10:00" (or the day alone). */
char *
web_fmt_when(const char *lang, const char *tz, time_t t, int with_time, char *out, size_t len)
{
	long day;
	int min;
	char d[64];

	if (tz_local_day(tz, t, &day, &min) == -1) {
		day = clock_day_of(t);
		min = (int)(clock_second_of_day(t) / 60);
	}
	i18n_date(lang, day, d, sizeof(d));
	if (with_time)
		snprintf(out, len, "%s %02d:%02d", d, min / 60, min % 60);
	else
		snprintf(out, len, "%s", d);
	return out;
}

char *
web_when_text(struct ctx *c, time_t t, int with_time, char *out, size_t len)
{
	return web_fmt_when(c->lang, c->o->tz, t, with_time, out, len);
}

/* "04/12/2026 10:00" or "04/12/2026" (all day) of an activity. */
char *
web_activity_when(const char *lang, const char *tz, const struct store_web_activity *a, char *out,
    size_t len)
{
	long day;

	if (a->day != NULL && clock_date_parse(a->day, &day) == 0)
		return i18n_date(lang, day, out, len);
	return web_fmt_when(lang, tz, a->start, 1, out, len);
}

/* "la llamada" / "el correo" / "the call". */
const char *
web_the_kind(const char *lang, const char *kind, char *out, size_t len)
{
	const char *w = i18n_kind(lang, kind);

	if (web_is_en(lang))
		snprintf(out, len, "the %s", w);
	else
		snprintf(out, len, "%s %s", strcmp(kind, "email") == 0 ? "el" : "la", w);
	return out;
}

/* "Llamada" from "llamada". */
char *
web_cap(const char *s, char *out, size_t len)
{
	snprintf(out, len, "%s", s != NULL ? s : "");
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
	return out;
}

/* ---- value lists of the forms ------------------------------------------------ */

const char *const web_touch_kinds[] = {
	"call", "visit", "email", "meeting", "note", "sample", "survey", NULL
};
const char *const web_activity_kinds[] = {
	"call", "visit", "email", "meeting", "sample", "survey", "task", NULL
};
const char *const web_outcomes[] = { "done", "waiting", "no-answer", NULL };
const char *const web_client_kinds[] = { "company", "freelancer", "individual", NULL };
const char *const web_client_statuses[] = { "active", "potential", NULL };
/* The fields a form that failed shows again as they were typed. */
const char *const web_form_fields[] = {
	"kind", "outcome", "note", "next", "date", "time", "allday", "duration", "until", "days",
	"via", NULL
};

int
web_in_list(const char *const *list, const char *v)
{
	for (; v != NULL && *list != NULL; list++)
		if (strcmp(*list, v) == 0)
			return 1;
	return 0;
}

const char *
web_outcome_word(const char *lang, const char *o)
{
	if (strcmp(o, "waiting") == 0)
		return web_es_en(lang, "esperando respuesta", "waiting for an answer");
	if (strcmp(o, "no-answer") == 0)
		return web_es_en(lang, "sin respuesta", "no answer");
	return web_es_en(lang, "hecho", "done");
}

/* [{"value", "label", "selected"}] */
json_object *
web_options(struct jsonb *jb, const char *const *list, const char *lang, const char *selected,
    const char *(*word)(const char *, const char *))
{
	json_object *a = jsonb_array(jb);
	char b[64];

	for (; a != NULL && *list != NULL; list++) {
		json_object *o = jsonb_object(jb);

		jsonb_text(jb, o, "value", *list);
		jsonb_text(jb, o, "label", web_cap(word(lang, *list), b, sizeof(b)));
		jsonb_bool(jb, o, "selected", selected != NULL && strcmp(selected, *list) == 0);
		jsonb_append(jb, a, o);
	}
	return a;
}

const char *
web_kind_word(const char *lang, const char *k)
{
	return i18n_kind(lang, k);
}

const char *
web_status_word(const char *lang, const char *k)
{
	return i18n_status(lang, k);
}

/* ---- the answer to a write -------------------------------------------------------------- */

void
web_job_answer(struct web *w, struct web_job *j, int rc, struct web_response *rs)
{
	struct ctx c;
	json_object *d;
	char b[64];

	memset(&c, 0, sizeof(c));
	c.w = w;
	c.rs = rs;
	c.sn = snap_get(w);
	c.lang = j->lang;
	buf_reset(&rs->body);
	rs->location[0] = '\0';
	if (rc == 0 && !j->from_link) {
		/* Back to the page, which shows what was done (and reads it afresh). */
		if (j->type == J_NEW)
			snprintf(rs->location, sizeof(rs->location), "%s/c/%lld?done=%s", j->back,
			    j->new_id, j->key);
		else
			snprintf(rs->location, sizeof(rs->location), "%s?done=%s", j->back, j->key);
		rs->status = 303;
		rs->type = "text/plain; charset=utf-8";
		buf_puts(&rs->body, "see other\n");
		snap_put(w, c.sn);
		return;
	}
	if ((d = web_page_data(&c)) == NULL) {
		web_text_answer(&c, 500, "out of memory\n");
		snap_put(w, c.sn);
		return;
	}
	jsonb_text(&c.jb, d, "back", j->from_link ? NULL : j->back);
	if (rc == 0) {
		jsonb_text(&c.jb, d, "title", web_es_en(c.lang, "Hecho", "Done"));
		jsonb_text(&c.jb, d, "message", j->what);
		jsonb_bool(&c.jb, d, "ok", 1);
		web_render(&c, "result", d, 200);
	} else if (rc == 1 && j->already) {
		char msg[900];

		web_fmt_when(c.lang, j->tz, j->already_at, 1, b, sizeof(b));
		snprintf(msg, sizeof(msg), web_is_en(c.lang) ? "This was already recorded on %s: %s. "
		    "Nothing more was recorded." : "Esto ya se registró el %s: %s. No se ha "
		    "registrado nada más.", b, j->already_what);
		jsonb_text(&c.jb, d, "title", web_es_en(c.lang, "Ya estaba hecho", "Already done"));
		jsonb_text(&c.jb, d, "message", msg);
		jsonb_bool(&c.jb, d, "already", 1);
		web_render(&c, "result", d, j->from_link ? 409 : 200);
	} else if (rc == 1) {
		jsonb_text(&c.jb, d, "title", web_es_en(c.lang, "No se puede", "Cannot be done"));
		jsonb_text(&c.jb, d, "message", j->refused);
		web_render(&c, "result", d, 409);
	} else if (rc == -2) {
		jsonb_text(&c.jb, d, "title", web_es_en(c.lang, "Demasiado trabajo", "Too busy"));
		jsonb_text(&c.jb, d, "message", web_es_en(c.lang, "Hay demasiados cambios esperando. "
		    "Inténtalo en unos segundos.", "Too many changes are waiting. Please try again in a few "
		    "seconds."));
		rs->retry_after = 5;
		web_render(&c, "result", d, 503);
	} else {
		jsonb_text(&c.jb, d, "title", web_es_en(c.lang, "Recibido", "Received"));
		jsonb_text(&c.jb, d, "message", web_es_en(c.lang, "Se guardará en unos segundos (la "
		    "base de datos está ocupada).", "It will be saved in a few seconds (the database is busy)."));
		jsonb_bool(&c.jb, d, "queued", 1);
		web_render(&c, "result", d, 202);
	}
	snap_put(w, c.sn);
}

/* ---- routing ------------------------------------------------------------------------------ */

static void
serve_css(struct ctx *c, const char *name)
{
	const char *css;
	size_t len;

	css = render_css(c->sn->tmpl, &len);
	if (css == NULL || strncmp(name, "cartera", 7) != 0 || strlen(name) < 11 ||
	    strcmp(name + strlen(name) - 4, ".css") != 0) {
		web_not_found(c);
		return;
	}
	c->rs->status = 200;
	c->rs->type = "text/css; charset=utf-8";
	c->rs->immutable = strcmp(name, c->sn->css_name) == 0;
	buf_add(&c->rs->body, css, len);
}

/* The salesperson whose page token tok is, comparing with every one. */
static const struct owner *
owner_by_token(const struct osnap *os, const char *tok)
{
	const struct owner *found = NULL;
	static const char dummy[TOKEN_LEN + 1] = "................................";

	for (size_t i = 0; i < os->n; i++) {
		const char *pt = os->v[i].page_token;
		int ok = pt != NULL && strlen(pt) == TOKEN_LEN;

		if (sign_equal(ok ? pt : dummy, tok, TOKEN_LEN) && ok && found == NULL)
			found = &os->v[i];
	}
	return found;
}

static int
token_char(int ch)
{
	return isalnum(ch) || ch == '-' || ch == '_';
}

/* /me/TOKEN[/REST] */
static void
serve_me(struct ctx *c, const char *p)
{
	const struct web_request *rq = c->rq;
	char tok[TOKEN_LEN + 1];
	const char *rest;
	long long id;
	size_t n;
	int get = rq->method == WEB_GET || rq->method == WEB_HEAD, post = rq->method == WEB_POST;

	for (n = 0; n < TOKEN_LEN && token_char((unsigned char)p[n]); n++)
		;
	if (n != TOKEN_LEN || (p[n] != '\0' && p[n] != '/')) {
		c->rs->bad_secret = 1;
		web_not_found(c);
		return;
	}
	memcpy(tok, p, TOKEN_LEN);
	tok[TOKEN_LEN] = '\0';
	if ((c->o = owner_by_token(c->os, tok)) == NULL) {
		c->rs->bad_secret = 1;
		web_fail_page(c, 404, web_es_en(c->lang, "Enlace no válido", "Link not valid"),
		    web_es_en(c->lang, "Esta página no existe o su enlace se renovó. Pide el enlace nuevo "
		    "(cartera owner page-url).", "This page does not exist or its link was "
		    "renewed. Ask for the new link (cartera owner page-url)."));
		return;
	}
	c->lang = c->o->lang;
	c->today = web_local_day(c->o->tz, rq->now);
	snprintf(c->base, sizeof(c->base), "%s/me/%s", c->sn->prefix, tok);
	rest = p + TOKEN_LEN;
	if (*rest == '\0' && get) {
		web_serve_today(c);
		return;
	}
	if (strcmp(rest, "/search") == 0 && get) {
		web_serve_search(c);
		return;
	}
	if (strcmp(rest, "/act") == 0 && post) {
		web_post_act(c);
		return;
	}
	if (strcmp(rest, "/new") == 0 && (get || post)) {
		if (post)
			web_post_new(c);
		else
			web_serve_new(c, NULL, 200);
		return;
	}
	if (strncmp(rest, "/c/", 3) == 0) {
		const char *s = rest + 3, *e = s + strcspn(s, "/");

		if (web_parse_id(s, (size_t)(e - s), &id) == 0) {
			if (*e == '\0' && get) {
				web_serve_client(c, id, NULL, 200);
				return;
			}
			if (post && (strcmp(e, "/log") == 0 || strcmp(e, "/plan") == 0 ||
			    strcmp(e, "/snooze") == 0)) {
				web_post_card_form(c, id, e + 1);
				return;
			}
		}
	}
	if (strncmp(rest, "/a/", 3) == 0 && web_parse_id(rest + 3, strlen(rest + 3), &id) == 0 &&
	    (get || post)) {
		if (post)
			web_post_activity(c, id);
		else
			web_serve_activity(c, id, NULL, 200);
		return;
	}
	web_not_found(c);
}

void
web_handle(struct web *w, const struct web_request *rq, struct web_response *rs)
{
	struct ctx c;
	const char *p = rq->path;

	memset(rs, 0, sizeof(*rs));
	memset(&c, 0, sizeof(c));
	c.w = w;
	c.rq = rq;
	c.rs = rs;
	c.sn = snap_get(w);
	c.lang = c.sn->cfg.digest.language;
	if (rq->method == WEB_OTHER) {
		web_text_answer(&c, 405, "method not allowed\n");
		goto out;
	}
	if (strncmp(p, "/static/", 8) == 0) {
		if (rq->method == WEB_POST)
			web_text_answer(&c, 405, "method not allowed\n");
		else
			serve_css(&c, p + 8);
		goto out;
	}
	if ((c.st = conn_get(w, c.err, sizeof(c.err))) == NULL ||
	    (c.os = owners_get(w, c.st, c.err, sizeof(c.err))) == NULL) {
		web_fail_store(&c);
		goto out;
	}
	/* One snapshot of the database for everything a page reads. */
	if (store_read_begin(c.st, c.err, sizeof(c.err)) == -1) {
		web_fail_store(&c);
		goto out;
	}
	if (strncmp(p, "/me/", 4) == 0)
		serve_me(&c, p + 4);
	else if (strncmp(p, "/act/", 5) == 0)
		web_serve_link(&c, p + 5);
	else
		web_not_found(&c);
	store_read_end(c.st);
out:
	if (c.os != NULL)
		owners_put(w, c.os);
	conn_put(w, c.st);
	snap_put(w, c.sn);
}
