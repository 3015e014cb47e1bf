/*
 * web.c - the salesperson's page and the digest's action links (see
 * web.h): routing, forms, the data each template sees, and the jobs that
 * carry writes to the daemon's writer.
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

#define TOKEN_LEN	32
#define POOL_MAX	4		/* read-only connections kept */
#define READ_MS		100		/* WAL readers wait only for a checkpoint */
#define TODAY_TTL_MS	60000		/* a Today page is rebuilt at least this often */
#define SEARCH_MAX	50
#define TOUCHES_SHOWN	10
#define NOTE_MAX	4000

/* Configuration and templates, replaced whole on reload. */
struct snap {
	int			 refs;
	struct config		 cfg;
	struct render_set	*tmpl;
	char			 css_name[48];	/* "cartera.0123456789abcdef.css" */
	char			 prefix[256];	/* the path of http.base_url ("" or "/x") */
};

/* The active salespeople, read again when the portfolio changed. */
struct osnap {
	int			 refs;
	unsigned long long	 gen;
	struct owner		*v;
	size_t			 n;
};

/* One salesperson's Today page as last built. */
struct today {
	int			 refs;
	long long		 owner;
	unsigned long long	 gen;
	long long		 built_ms;	/* monotonic */
	struct scan_result	 r;
	char			*html;
	size_t			 len;
};

struct web {
	char			*config_path, *db_override, *db;
	const struct sign_key	*key;
	pthread_mutex_t		 lock;		/* everything below */
	struct snap		*snap;
	unsigned long long	 gen;
	struct osnap		*owners;
	struct store		*pool[POOL_MAX];
	size_t			 npool;
	struct today		**today;
	size_t			 ntoday;
};

/* ---- small helpers ---------------------------------------------------- */

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
is_en(const char *lang)
{
	return i18n_is_en(lang);
}

/* Spanish or English. */
static const char *
L(const char *lang, const char *es, const char *en)
{
	return is_en(lang) ? en : es;
}

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

/* "mailto_uri" and "tel_uri" of a row, as the mails have them (compose.h). */
static void
web_links(json_object *o, const char *email, const char *phone)
{
	struct jsonb jb = JSONB_INIT;

	compose_links(&jb, o, email, phone);
}

static uint64_t
fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A positive id: digits only, no sign, no leading zero. */
static int
parse_id(const char *s, size_t n, long long *id)
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

static int
hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

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

			if (i + 2 >= n || (hi = hexv((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexv((unsigned char)s[i + 2])) < 0) {
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
	    (unsigned long long)fnv1a(css != NULL ? css : "", css != NULL ? len : 0));
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

static void
today_unref(struct today *t)
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
		today_unref(w->today[i]);
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

struct ctx {
	struct web			*w;
	const struct web_request	*rq;
	struct web_response		*rs;
	struct snap			*sn;
	struct osnap			*os;
	const struct owner		*o;	/* the page's or the link's salesperson */
	struct store			*st;	/* read-only, from the pool */
	const char			*lang;
	char				 base[400];	/* PREFIX/me/TOKEN */
	long				 today;		/* the owner's local day */
	char				 err[512];
};

/* The job a POST hands to the writer (web_job_apply, in its thread). */
enum job_type { J_ACT, J_LOG, J_PLAN, J_SNOOZE, J_REPLAN, J_NEW };

struct web_job {
	enum job_type		 type;
	char			 code[SIGN_ACTION_MAX + 1];	/* J_ACT: the action */
	char			 kind;		/* J_ACT: ACTION_CLIENT... */
	long long		 owner, object;	/* object: client, activity or invoice */
	char			 lang[3];
	char			*tz;
	char			 key[SIGN_ID_CHARS + 1];
	int			 from_link;	/* a digest's link: answer with a page */
	time_t			 now;
	char			 back[600];	/* where the page goes afterwards */
	/* what to write */
	char			 touch_kind[16], outcome[16], act_kind[16];
	char			*note;
	char			 next[16], day[16];
	int			 minutes, all_day, duration;
	struct record		 rec;
	char			*recv[RF_COUNT];	/* owned values of rec */
	/* what happened */
	char			 what[600];	/* done: "Llamada registrada: X" */
	int			 already;
	time_t			 already_at;
	char			 already_what[600];
	char			 refused[400];
	long long		 new_id;
};

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

static struct web_job *
job_new(struct ctx *c, enum job_type type)
{
	struct web_job *j = calloc(1, sizeof(*j));

	if (j == NULL || (j->tz = strdup(c->o->tz)) == NULL) {
		free(j);
		return NULL;
	}
	j->type = type;
	j->owner = c->o->id;
	snprintf(j->lang, sizeof(j->lang), "%s", is_en(c->lang) ? "en" : "es");
	j->now = c->rq->now;
	return j;
}

/* The common keys of every page. */
static json_object *
page_data(struct ctx *c)
{
	json_object *d = json_object_new_object();
	char css[400];

	if (d == NULL)
		return NULL;
	put_str(d, "lang", c->lang);
	snprintf(css, sizeof(css), "%s/static/%s", c->sn->prefix, c->sn->css_name);
	put_str(d, "css", css);
	put_str(d, "base", c->base[0] != '\0' ? c->base : NULL);
	if (c->o != NULL)
		put_str(d, "owner_name", c->o->name);
	return d;
}

static void
text_answer(struct ctx *c, unsigned status, const char *text)
{
	c->rs->status = status;
	c->rs->type = "text/plain; charset=utf-8";
	buf_reset(&c->rs->body);
	buf_puts(&c->rs->body, text);
}

/* Render page with d (taken) and answer status. */
static void
render(struct ctx *c, const char *page, json_object *d, unsigned status)
{
	char *html = NULL, err[512];

	if (d == NULL) {
		text_answer(c, 500, "out of memory\n");
		return;
	}
	if (render_page(c->sn->tmpl, page, c->lang, d, &html, err, sizeof(err)) == -1) {
		log_warnx("web: page %s: %s", page, err);
		json_object_put(d);
		text_answer(c, 500, "the page could not be made; see the daemon's log\n");
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
static void
fail_page(struct ctx *c, unsigned status, const char *title, const char *message)
{
	json_object *d = page_data(c);

	if (d != NULL) {
		put_str(d, "title", title);
		put_str(d, "message", message);
		put_bool(d, "home", c->base[0] != '\0');
	}
	render(c, "error", d, status);
}

static void
fail_store(struct ctx *c)
{
	log_warnx("web: %s", c->err);
	c->rs->retry_after = 5;
	fail_page(c, 503, L(c->lang, "No disponible", "Unavailable"),
	    L(c->lang, "La base de datos no responde ahora. Inténtalo en unos segundos.",
	    "The database does not answer right now. Please try again in a few seconds."));
}

static void
not_found(struct ctx *c)
{
	fail_page(c, 404, L(c->lang, "No encontrado", "Not found"),
	    L(c->lang, "Esta dirección no existe.", "There is no such page."));
}

/* A form token for form, made now; "" if no randomness. */
static void
csrf(struct ctx *c, json_object *d, const char *key, const char *form)
{
	char tok[SIGN_FORM_CHARS + 1];

	if (sign_form_make(c->w->key, c->o->id, c->o->page_token, form, c->rq->now, NULL,
	    tok) == -1)
		tok[0] = '\0';
	put_str(d, key, tok);
}

/* A local time in zone tz: "04/12/2026 10:00" (or the day alone). */
static char *
fmt_when(const char *lang, const char *tz, time_t t, int with_time, char *out, size_t len)
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

static char *
when_text(struct ctx *c, time_t t, int with_time, char *out, size_t len)
{
	return fmt_when(c->lang, c->o->tz, t, with_time, out, len);
}

/* "04/12/2026 10:00" or "04/12/2026" (all day) of an activity. */
static char *
activity_when(const char *lang, const char *tz, const struct store_web_activity *a, char *out,
    size_t len)
{
	long day;

	if (a->day != NULL && clock_date_parse(a->day, &day) == 0)
		return i18n_date(lang, day, out, len);
	return fmt_when(lang, tz, a->start, 1, out, len);
}

/* "la llamada" / "el correo" / "the call". */
static const char *
the_kind(const char *lang, const char *kind, char *out, size_t len)
{
	const char *w = i18n_kind(lang, kind);

	if (is_en(lang))
		snprintf(out, len, "the %s", w);
	else
		snprintf(out, len, "%s %s", strcmp(kind, "email") == 0 ? "el" : "la", w);
	return out;
}

/* "Llamada" from "llamada". */
static char *
cap(const char *s, char *out, size_t len)
{
	snprintf(out, len, "%s", s != NULL ? s : "");
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
	return out;
}

/* ---- value lists of the forms ------------------------------------------------ */

static const char *const touch_kinds[] = {
	"call", "visit", "email", "meeting", "note", "sample", "survey", NULL
};
static const char *const activity_kinds[] = {
	"call", "visit", "email", "meeting", "sample", "survey", "task", NULL
};
static const char *const outcomes[] = { "done", "waiting", "no-answer", NULL };
static const char *const client_kinds[] = { "company", "freelancer", "individual", NULL };
static const char *const client_statuses[] = { "active", "potential", NULL };
/* The fields a form that failed shows again as they were typed. */
static const char *const form_fields[] = {
	"kind", "outcome", "note", "next", "date", "time", "allday", "duration", "until", "days",
	"via", NULL
};

static int
in_list(const char *const *list, const char *v)
{
	for (; v != NULL && *list != NULL; list++)
		if (strcmp(*list, v) == 0)
			return 1;
	return 0;
}

static const char *
outcome_word(const char *lang, const char *o)
{
	if (strcmp(o, "waiting") == 0)
		return L(lang, "esperando respuesta", "waiting for an answer");
	if (strcmp(o, "no-answer") == 0)
		return L(lang, "sin respuesta", "no answer");
	return L(lang, "hecho", "done");
}

/* [{"value", "label", "selected"}] */
static json_object *
options(const char *const *list, const char *lang, const char *selected,
    const char *(*word)(const char *, const char *))
{
	json_object *a = json_object_new_array();
	char b[64];

	for (; a != NULL && *list != NULL; list++) {
		json_object *o = json_object_new_object();

		put_str(o, "value", *list);
		put_str(o, "label", cap(word(lang, *list), b, sizeof(b)));
		put_bool(o, "selected", selected != NULL && strcmp(selected, *list) == 0);
		json_object_array_add(a, o);
	}
	return a;
}

static const char *
kind_word(const char *lang, const char *k)
{
	return i18n_kind(lang, k);
}

static const char *
status_word(const char *lang, const char *k)
{
	return i18n_status(lang, k);
}

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
		put_str(d, "banner", what);
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
	action_buttons(d, c->lang);
	{
		json_object *p = page_data(c);

		json_object_object_foreach(p, k, v)
			json_object_object_add(d, k, json_object_get(v));
		json_object_put(p);
	}
	csrf(c, d, "csrf_act", "act");
	put_str(d, "today_date", i18n_date(c->lang, r->today, b, sizeof(b)));
	return d;
}

static void
serve_today(struct ctx *c)
{
	struct web *w = c->w;
	struct today *t = NULL, *nt;
	json_object *d;
	long long now = mono_ms();
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
		today_unref(t);
		pthread_mutex_unlock(&w->lock);
		return;
	}
	if ((nt = calloc(1, sizeof(*nt))) == NULL) {
		text_answer(c, 500, "out of memory\n");
		return;
	}
	nt->refs = 1;
	nt->owner = c->o->id;
	nt->gen = gen;
	nt->built_ms = now;
	if ((d = today_data(c, &nt->r)) == NULL) {
		today_unref(nt);
		fail_store(c);
		return;
	}
	banner(c, d);
	render(c, "today", d, 200);
	if (c->rs->status != 200 || c->rq->done != NULL ||
	    (html = malloc(c->rs->body.len + 1)) == NULL) {
		today_unref(nt);
		return;
	}
	memcpy(html, c->rs->body.data, c->rs->body.len + 1);
	nt->html = html;
	nt->len = c->rs->body.len;
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->ntoday; i++)
		if (w->today[i]->owner == nt->owner) {
			if (w->today[i]->gen <= nt->gen) {
				today_unref(w->today[i]);
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
	today_unref(nt);
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
		today_unref(t);
		pthread_mutex_unlock(&w->lock);
	}
	return found;
}

/* ---- search ------------------------------------------------------------------ */

struct rows {
	struct ctx	*c;
	json_object	*a;
};

/* A row as an object of its columns (integers as numbers). */
static json_object *
row_json(const struct store_row *r)
{
	json_object *o = json_object_new_object();

	for (int i = 0; o != NULL && i < r->ncols; i++) {
		if (r->values[i] == NULL)
			json_object_object_add(o, r->names[i], NULL);
		else if (r->types[i] == STORE_INT)
			put_int(o, r->names[i], strtoll(r->values[i], NULL, 10));
		else
			put_str(o, r->names[i], r->values[i]);
	}
	return o;
}

static const char *
row_get(const struct store_row *r, const char *name)
{
	for (int i = 0; i < r->ncols; i++)
		if (strcmp(r->names[i], name) == 0)
			return r->values[i];
	return NULL;
}

static int
search_row(const struct store_row *r, void *arg)
{
	struct rows *rw = arg;
	json_object *o = row_json(r);
	const char *st = row_get(r, "status");
	char url[600];

	if (o == NULL)
		return 1;
	snprintf(url, sizeof(url), "%s/c/%s", rw->c->base, row_get(r, "id") != NULL ?
	    row_get(r, "id") : "0");
	put_str(o, "url", url);
	if (st != NULL)
		put_str(o, "status_word", i18n_status(rw->c->lang, st));
	web_links(o, row_get(r, "email"), row_get(r, "phone"));
	json_object_array_add(rw->a, o);
	return 0;
}

static void
serve_search(struct ctx *c)
{
	json_object *d = page_data(c);
	struct rows rw = { c, json_object_new_array() };
	const char *q = c->rq->q;

	if (d == NULL || rw.a == NULL) {
		json_object_put(d);
		json_object_put(rw.a);
		text_answer(c, 500, "out of memory\n");
		return;
	}
	put_str(d, "q", q);
	if (q != NULL && *q != '\0') {
		if (strlen(q) > 200 || store_web_search(c->st, c->o->id, q, SEARCH_MAX, search_row,
		    &rw, c->err, sizeof(c->err)) == -1) {
			json_object_put(d);
			json_object_put(rw.a);
			if (strlen(q) > 200)
				fail_page(c, 400, L(c->lang, "Búsqueda demasiado larga",
				    "Search too long"), L(c->lang, "Escribe menos texto.",
				    "Type less text."));
			else
				fail_store(c);
			return;
		}
		put_bool(d, "searched", 1);
		put_int(d, "count", (long long)json_object_array_length(rw.a));
		put_bool(d, "none", json_object_array_length(rw.a) == 0);
		put_bool(d, "many", json_object_array_length(rw.a) == SEARCH_MAX);
	}
	json_object_object_add(d, "results", rw.a);
	render(c, "search", d, 200);
}

/* ---- a client's card --------------------------------------------------------- */

static int
contact_row(const struct store_row *r, void *arg)
{
	struct rows *rw = arg;
	json_object *o = row_json(r);

	if (o == NULL)
		return 1;
	web_links(o, row_get(r, "email"), row_get(r, "phone"));
	json_object_array_add(rw->a, o);
	return 0;
}

static int
touch_row(const struct store_row *r, void *arg)
{
	struct rows *rw = arg;
	json_object *o = json_object_new_object();
	const char *at = row_get(r, "at"), *kind = row_get(r, "kind");
	const char *outcome = row_get(r, "outcome"), *dir = row_get(r, "direction");
	char b[64];

	if (o == NULL)
		return 1;
	put_str(o, "when", at != NULL ? when_text(rw->c, (time_t)strtoll(at, NULL, 10), 1, b,
	    sizeof(b)) : NULL);
	put_str(o, "kind", kind != NULL ? cap(i18n_kind(rw->c->lang, kind), b, sizeof(b)) : NULL);
	put_str(o, "outcome", outcome != NULL ? outcome_word(rw->c->lang, outcome) : NULL);
	put_bool(o, "received", dir != NULL && strcmp(dir, "in") == 0);
	put_str(o, "note", row_get(r, "note"));
	json_object_array_add(rw->a, o);
	return 0;
}

static int
activity_row(const struct store_row *r, void *arg)
{
	struct rows *rw = arg;
	struct ctx *c = rw->c;
	json_object *o = json_object_new_object();
	const char *start = row_get(r, "start_at"), *day = row_get(r, "day");
	const char *kind = row_get(r, "kind"), *id = row_get(r, "id");
	char b[64], url[600];
	long d;

	if (o == NULL)
		return 1;
	put_str(o, "id", id);
	put_str(o, "kind", kind != NULL ? cap(i18n_kind(c->lang, kind), b, sizeof(b)) : NULL);
	if (day != NULL && clock_date_parse(day, &d) == 0)
		put_str(o, "when", i18n_date(c->lang, d, b, sizeof(b)));
	else if (start != NULL)
		put_str(o, "when", when_text(c, (time_t)strtoll(start, NULL, 10), 1, b, sizeof(b)));
	put_str(o, "note", row_get(r, "note"));
	put_str(o, "location", row_get(r, "location"));
	snprintf(url, sizeof(url), "%s/a/%s", c->base, id != NULL ? id : "0");
	put_str(o, "url", url);
	json_object_object_add(o, "actions", action_list(ACTION_ACTIVITY, c->lang));
	json_object_array_add(rw->a, o);
	return 0;
}

static int
invoice_row(const struct store_row *r, void *arg)
{
	struct rows *rw = arg;
	struct ctx *c = rw->c;
	json_object *o = json_object_new_object();
	const char *cents = row_get(r, "amount_cents"), *due = row_get(r, "due");
	char b[64];
	long d;

	if (o == NULL)
		return 1;
	put_str(o, "id", row_get(r, "id"));
	put_str(o, "number", row_get(r, "number"));
	put_str(o, "amount", i18n_money(c->lang, cents != NULL ? strtoll(cents, NULL, 10) : 0,
	    row_get(r, "currency"), b, sizeof(b)));
	if (due != NULL && clock_date_parse(due, &d) == 0) {
		put_str(o, "due", i18n_date(c->lang, d, b, sizeof(b)));
		put_bool(o, "overdue", d < c->today);
	}
	json_object_object_add(o, "actions", action_list(ACTION_INVOICE, c->lang));
	json_object_array_add(rw->a, o);
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
	json_object **out = arg;

	*out = row_json(r);
	return *out == NULL;
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
		f = src != NULL ? json_object_get(src) : json_object_new_object();
		if (f == NULL)
			continue;
		csrf(c, f, "csrf", names[i]);
		v = json_object_object_get_ex(f, "kind", &jv) ? json_object_get_string(jv) : NULL;
		if (strcmp(names[i], "log") == 0) {
			const char *oc = json_object_object_get_ex(f, "outcome", &jv) ?
			    json_object_get_string(jv) : NULL;

			json_object_object_add(f, "kinds", options(touch_kinds, c->lang,
			    v != NULL ? v : "call", kind_word));
			json_object_object_add(f, "outcomes", options(outcomes, c->lang,
			    oc != NULL ? oc : "done", outcome_word));
		} else if (strcmp(names[i], "plan") == 0) {
			json_object_object_add(f, "kinds", options(activity_kinds, c->lang,
			    v != NULL ? v : "visit", kind_word));
			if (!json_object_object_get_ex(f, "duration", &jv))
				put_str(f, "duration", "30");
		}
		json_object_object_add(d, names[i], f);
	}
}

static void
serve_client(struct ctx *c, long long id, json_object *forms, unsigned status)
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
		fail_store(c);
		return;
	}
	if (rc == 1 || wc.owner_id != c->o->id) {
		store_web_client_clear(&wc);
		fail_page(c, 404, L(c->lang, "Cliente no encontrado", "Client not found"),
		    L(c->lang, "Este cliente no existe o no está en tu cartera.",
		    "This client does not exist or is not in your portfolio."));
		return;
	}
	store_web_client_clear(&wc);
	if ((d = page_data(c)) == NULL) {
		text_answer(c, 500, "out of memory\n");
		return;
	}
	if (store_client_show(c->st, id, client_row, &cl, c->err, sizeof(c->err)) == -1 ||
	    cl == NULL)
		goto store_failed;
	{
		json_object *jv;
		struct buf addr = BUF_INIT;

		if (json_object_object_get_ex(cl, "status", &jv))
			put_str(cl, "status_word", i18n_status(c->lang, json_object_get_string(jv)));
		if (json_object_object_get_ex(cl, "kind", &jv))
			put_str(cl, "kind_word", i18n_status(c->lang, json_object_get_string(jv)));
		if (json_object_object_get_ex(cl, "next_contact", &jv) && jv != NULL) {
			long nd;

			if (clock_date_parse(json_object_get_string(jv), &nd) == 0)
				put_str(cl, "next_contact_word", i18n_date(c->lang, nd, b, sizeof(b)));
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
			put_str(cl, "address_line", addr.data);
			if (address_uri(&map, "https://www.openstreetmap.org/search?query=", addr.data,
			    "") == 0)
				put_str(cl, "map_url", map.data);
		}
		buf_free(&addr);
		buf_free(&map);
	}
	alert = client_alert(c, id, &due);
	if (alert != NULL) {
		put_str(cl, "alert", alert);
		put_bool(cl, strcmp(alert, "red") == 0 ? "is_red" : strcmp(alert, "yellow") == 0 ?
		    "is_yellow" : "is_green", 1);
		if (due >= 0)
			put_str(cl, "due", i18n_date(c->lang, due, b, sizeof(b)));
	}
	json_object_object_add(d, "client", cl);
	put_int(d, "client_id", id);
	banner(c, d);

	rw.a = json_object_new_array();
	if (rw.a == NULL || store_contact_list(c->st, id, contact_row, &rw, c->err,
	    sizeof(c->err)) == -1)
		goto store_failed;
	json_object_object_add(d, "contacts", rw.a);
	rw.a = json_object_new_array();
	if (rw.a == NULL || store_interaction_list(c->st, id, TOUCHES_SHOWN, touch_row, &rw,
	    c->err, sizeof(c->err)) == -1)
		goto store_failed;
	json_object_object_add(d, "touches", rw.a);
	memset(&af, 0, sizeof(af));
	af.client = id;
	af.status = "planned";
	rw.a = json_object_new_array();
	if (rw.a == NULL || store_activity_list(c->st, &af, activity_row, &rw, c->err,
	    sizeof(c->err)) == -1)
		goto store_failed;
	json_object_object_add(d, "activities", rw.a);
	rw.a = json_object_new_array();
	if (rw.a == NULL || store_invoice_list(c->st, id, 1, invoice_row, &rw, c->err,
	    sizeof(c->err)) == -1)
		goto store_failed;
	json_object_object_add(d, "invoices", rw.a);
	rw.a = NULL;
	json_object_object_add(d, "client_actions", action_list(ACTION_CLIENT, c->lang));
	csrf(c, d, "csrf_act", "act");
	card_forms(c, d, forms);
	render(c, "client", d, status);
	return;
store_failed:
	json_object_put(rw.a);
	json_object_put(d);
	fail_store(c);
}

/* ---- what an action does, in words ------------------------------------------ */

/* What a confirmation page and a result say about one action. */
struct desc {
	char		 effect[600];	/* "Registrar una llamada hecha ahora a X." */
	char		 what[600];	/* "Llamada registrada: X" */
	char		 object[400];	/* "Talleres Pérez" / "Visita con X, 04/12/2026 10:00" */
	char		 refused[400];	/* why it cannot be done (1) */
	unsigned	 refused_status;
	long long	 client;	/* the client it is about */
	int		 all_day;	/* an activity for a day */
	char		 day[16];	/* its current date, "YYYY-MM-DD" */
	char		 time[16];	/* and time, "HH:MM" */
};

/* The owner's local day at t. */
static long
local_day(const char *tz, time_t t)
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
			return rc == 1 ? refuse(d, 404, L(lang, "Este cliente ya no existe.",
			    "This client no longer exists.")) : -1;
		if (wc.owner_id != owner) {
			store_web_client_clear(&wc);
			return refuse(d, 403, L(lang, "Este cliente no está en tu cartera (lo lleva "
			    "otro comercial).", "This client is not in your portfolio (another "
			    "salesperson has it)."));
		}
		d->client = object;
		name = wc.name;
		snprintf(d->object, sizeof(d->object), "%s", name);
		if (strcmp(code, "call") == 0 || strcmp(code, "visit") == 0) {
			int call = code[0] == 'c';

			snprintf(d->effect, sizeof(d->effect), is_en(lang) ?
			    "Record a %s made now to %s: it counts as a contact." :
			    "Registrar una %s hecha ahora a %s: cuenta como contacto.",
			    call ? L(lang, "llamada", "call") : L(lang, "visita", "visit"), name);
			snprintf(d->what, sizeof(d->what), is_en(lang) ? "%s recorded: %s" :
			    "%s registrada: %s", call ? L(lang, "Llamada", "Call") :
			    L(lang, "Visita", "Visit"), name);
		} else if (strcmp(code, "waiting") == 0) {
			const char *kw = i18n_kind(lang, via != NULL ? via : "call");

			snprintf(d->effect, sizeof(d->effect), is_en(lang) ?
			    "Record a contact with %s made now, waiting for their answer." :
			    "Registrar un contacto con %s hecho ahora, esperando su respuesta.", name);
			snprintf(d->what, sizeof(d->what), is_en(lang) ?
			    "%s recorded, waiting for an answer: %s" :
			    "%s registrada, esperando respuesta: %s", cap(kw, k, sizeof(k)), name);
		} else if (strcmp(code, "snooze3") == 0 || strcmp(code, "snooze7") == 0) {
			long until = local_day(tz, now) + (code[6] == '3' ? 3 : 7);

			i18n_date(lang, until, b, sizeof(b));
			clock_date_format(until, d->day, sizeof(d->day));
			snprintf(d->effect, sizeof(d->effect), is_en(lang) ?
			    "Snooze %s until %s: nothing about them is due before." :
			    "Posponer a %s hasta el %s: nada suyo vence antes.", name, b);
			snprintf(d->what, sizeof(d->what), is_en(lang) ? "%s snoozed until %s" :
			    "%s pospuesto hasta el %s", name, b);
		} else if (strcmp(code, "open") == 0) {
			snprintf(d->effect, sizeof(d->effect), "%s", name);
		} else {
			store_web_client_clear(&wc);
			return refuse(d, 404, L(lang, "Acción desconocida.", "Unknown action."));
		}
		store_web_client_clear(&wc);
		return 0;
	}
	if (kind == ACTION_ACTIVITY) {
		struct store_web_activity wa;
		long day;
		int min;

		if ((rc = store_web_activity(st, object, &wa, err, errlen)) != 0)
			return rc == 1 ? refuse(d, 404, L(lang, "Esta actividad ya no existe.",
			    "This activity no longer exists.")) : -1;
		if (wa.owner_id != owner) {
			store_web_activity_clear(&wa);
			return refuse(d, 403, L(lang, "Esta actividad es de un cliente que no está "
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
		activity_when(lang, tz, &wa, w, sizeof(w));
		cap(i18n_kind(lang, wa.kind), k, sizeof(k));
		snprintf(d->object, sizeof(d->object), is_en(lang) ? "%s with %s, %s" :
		    "%s con %s, %s", k, wa.client_name, w);
		if (strcmp(code, "open") != 0 && strcmp(code, "replan") != 0 &&
		    strcmp(wa.status, "planned") != 0) {
			rc = refuse(d, 409, strcmp(wa.status, "done") == 0 ?
			    L(lang, "Esta actividad ya estaba hecha.", "This activity was already "
			    "done.") : L(lang, "Esta actividad ya estaba cancelada.",
			    "This activity was already cancelled."));
			store_web_activity_clear(&wa);
			return rc;
		}
		the_kind(lang, wa.kind, b, sizeof(b));
		if (strcmp(code, "done") == 0) {
			snprintf(d->effect, sizeof(d->effect), is_en(lang) ?
			    "Mark %s with %s (%s) done: it counts as one contact." :
			    "Marcar como hecha %s con %s (%s): cuenta como un contacto.", b,
			    wa.client_name, w);
			snprintf(d->what, sizeof(d->what), is_en(lang) ? "%s with %s done" :
			    "%s con %s hecha", k, wa.client_name);
		} else if (strcmp(code, "cancel") == 0) {
			snprintf(d->effect, sizeof(d->effect), is_en(lang) ?
			    "%s with %s (%s) did not happen: cancel it (no contact is recorded)." :
			    "%s con %s (%s) no se hizo: cancelarla (no cuenta como contacto).",
			    k, wa.client_name, w);
			snprintf(d->what, sizeof(d->what), is_en(lang) ? "%s with %s cancelled" :
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
			snprintf(d->effect, sizeof(d->effect), is_en(lang) ?
			    "Move %s with %s (%s) to another date." :
			    "Cambiar la fecha de %s con %s (%s).", b, wa.client_name, w);
			snprintf(d->what, sizeof(d->what), is_en(lang) ? "%s with %s moved to %s" :
			    "%s con %s movida al %s", k, wa.client_name, nw);
		} else if (strcmp(code, "open") == 0) {
			snprintf(d->effect, sizeof(d->effect), "%s", d->object);
		} else {
			store_web_activity_clear(&wa);
			return refuse(d, 404, L(lang, "Acción desconocida.", "Unknown action."));
		}
		store_web_activity_clear(&wa);
		return 0;
	}
	if (kind == ACTION_INVOICE) {
		struct store_web_invoice wi;
		char m[64];

		if ((rc = store_web_invoice(st, object, &wi, err, errlen)) != 0)
			return rc == 1 ? refuse(d, 404, L(lang, "Esta factura ya no existe.",
			    "This invoice no longer exists.")) : -1;
		if (wi.owner_id != owner) {
			store_web_invoice_clear(&wi);
			return refuse(d, 403, L(lang, "Esta factura es de un cliente que no está en "
			    "tu cartera.", "This invoice is for a client not in your portfolio."));
		}
		d->client = wi.client_id;
		i18n_money(lang, wi.cents, wi.currency, m, sizeof(m));
		snprintf(d->object, sizeof(d->object), is_en(lang) ? "Invoice %s of %s, %s" :
		    "Factura %s de %s, %s", wi.number != NULL ? wi.number : "", wi.client_name, m);
		if (wi.paid != NULL && strcmp(code, "open") != 0) {
			store_web_invoice_clear(&wi);
			return refuse(d, 409, L(lang, "Esta factura ya estaba cobrada.",
			    "This invoice was already paid."));
		}
		if (strcmp(code, "paid") == 0) {
			snprintf(d->effect, sizeof(d->effect), is_en(lang) ?
			    "Mark invoice %s of %s (%s) paid today." :
			    "Marcar como cobrada hoy la factura %s de %s (%s).",
			    wi.number != NULL ? wi.number : "", wi.client_name, m);
			snprintf(d->what, sizeof(d->what), is_en(lang) ? "Invoice %s of %s paid" :
			    "Factura %s de %s cobrada", wi.number != NULL ? wi.number : "",
			    wi.client_name);
		} else if (strcmp(code, "open") == 0) {
			snprintf(d->effect, sizeof(d->effect), "%s", d->object);
		} else {
			store_web_invoice_clear(&wi);
			return refuse(d, 404, L(lang, "Acción desconocida.", "Unknown action."));
		}
		store_web_invoice_clear(&wi);
		return 0;
	}
	return refuse(d, 404, L(lang, "Acción desconocida.", "Unknown action."));
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
				refuse(d, 409, L(j->lang, "Esta actividad ya estaba hecha.",
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
	clock_date_format(local_day(j->tz, j->now), day, sizeof(day));
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
			snprintf(j->what, sizeof(j->what), is_en(j->lang) ? "%s recorded: %s" :
			    "%s registrada: %s", cap(i18n_kind(j->lang, j->touch_kind), k,
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
			snprintf(j->what, sizeof(j->what), is_en(j->lang) ? "%s planned with %s" :
			    "%s planificada con %s", cap(i18n_kind(j->lang, j->act_kind), k,
			    sizeof(k)), d.object);
		} else {
			char b[64];
			long nd;

			rc = store_client_next_contact(st, j->object, j->day, "snooze", err, errlen);
			if (clock_date_parse(j->day, &nd) == 0)
				i18n_date(j->lang, nd, b, sizeof(b));
			else
				snprintf(b, sizeof(b), "%s", j->day);
			snprintf(j->what, sizeof(j->what), is_en(j->lang) ? "%s snoozed until %s" :
			    "%s pospuesto hasta el %s", d.object, b);
		}
		break;
	case J_NEW: {
		long long dup;

		rc = store_client_duplicate(st, &j->rec, 0, &dup, err, errlen);
		if (rc == 0) {
			snprintf(d.refused, sizeof(d.refused), "%s", L(j->lang,
			    "Ya tienes un cliente con ese nombre o NIF.",
			    "There is already a client with that name or tax id."));
			d.refused_status = 409;
			rc = 1;
			break;
		}
		if (rc == -1)
			break;
		rc = store_client_put(st, 0, &j->rec, &j->new_id, err, errlen);
		snprintf(j->what, sizeof(j->what), is_en(j->lang) ? "Client added: %s" :
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
		snprintf(j->refused, sizeof(j->refused), "%s", L(j->lang,
		    "No se pudo guardar: los datos no son válidos para la base de datos.",
		    "It could not be saved: the database refused the data."));
		return 1;
	}
	if (store_web_action_put(st, j->key, j->owner, j->now, j->what, err, errlen) == -1)
		return -1;
	return 0;
}

/* ---- forms of the page ----------------------------------------------------------- */

enum field_error { FE_NONE, FE_REQUIRED, FE_DATE, FE_PAST, FE_AFTER_TODAY, FE_TIME, FE_DURATION,
	FE_CHOICE, FE_TOO_LONG, FE_EMAIL, FE_INVALID, FE_DUPLICATE };

static const char *
field_error(const char *lang, enum field_error e)
{
	switch (e) {
	case FE_REQUIRED: return L(lang, "Obligatorio.", "Required.");
	case FE_DATE: return L(lang, "Escribe una fecha (AAAA-MM-DD o DD/MM/AAAA).",
	    "Enter a date (YYYY-MM-DD or DD/MM/YYYY).");
	case FE_PAST: return L(lang, "Esa fecha ya pasó.", "That date has passed.");
	case FE_AFTER_TODAY: return L(lang, "Tiene que ser después de hoy.",
	    "It must be after today.");
	case FE_TIME: return L(lang, "Escribe una hora (HH:MM) o marca «Todo el día».",
	    "Enter a time (HH:MM) or tick \"All day\".");
	case FE_DURATION: return L(lang, "Entre 5 y 1440 minutos.", "From 5 to 1440 minutes.");
	case FE_CHOICE: return L(lang, "Elige una opción de la lista.", "Choose one of the list.");
	case FE_TOO_LONG: return L(lang, "Demasiado largo.", "Too long.");
	case FE_EMAIL: return L(lang, "No es una dirección de correo válida.",
	    "Not a valid email address.");
	case FE_INVALID: return L(lang, "Valor no válido.", "Not a valid value.");
	case FE_DUPLICATE: return L(lang, "Ya tienes un cliente con ese nombre o NIF.",
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
	put_str(f, k, field_error(c->lang, e));
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
		fail_page(c, 403, L(c->lang, "Formulario rechazado", "Form refused"),
		    L(c->lang, "Este formulario se envió desde otro sitio web.",
		    "This form was sent from another web site."));
		return -1;
	}
	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
		fail_page(c, 400, L(c->lang, "Formulario no válido", "Bad form"),
		    L(c->lang, "Envía el formulario desde la página.", "Send the form from the "
		    "page."));
		return -1;
	}
	if (web_form_parse(c->rq->body, c->rq->body_len, f, &why) == -1) {
		fail_page(c, 400, L(c->lang, "Formulario no válido", "Bad form"), why);
		return -1;
	}
	tok = web_form_get(f, "csrf");
	r = sign_form_check(c->w->key, c->o->id, c->o->page_token, form, tok, c->rq->now,
	    (long)c->sn->cfg.web.form_hours * 3600, nonce);
	if (r != SIGN_OK) {
		web_form_free(f);
		fail_page(c, 403, L(c->lang, "Formulario caducado", "Form expired"),
		    r == SIGN_EXPIRED ? L(c->lang, "Este formulario es de hace demasiado tiempo: "
		    "vuelve a cargar la página y envíalo otra vez.", "This form is too old: "
		    "load the page again and send it again.") : L(c->lang, "Este formulario no "
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
static void
post_act(struct ctx *c)
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
	    parse_id(obj, strlen(obj), &id) == -1 || (a = action_find(kind[0], code)) == NULL ||
	    strcmp(code, "open") == 0 || strcmp(code, "replan") == 0 ||
	    (via != NULL && !in_list(touch_kinds, via))) {
		web_form_free(&f);
		fail_page(c, 400, L(c->lang, "Formulario no válido", "Bad form"),
		    L(c->lang, "Este botón no existe.", "There is no such button."));
		return;
	}
	rc = describe(c->st, c->o->id, c->lang, c->o->tz, a->kind, a->code, id, c->rq->now, NULL,
	    -1, via, &d, c->err, sizeof(c->err));
	if (rc != 0) {
		web_form_free(&f);
		if (rc == -1)
			fail_store(c);
		else
			fail_page(c, d.refused_status, L(c->lang, "No se puede", "Cannot be done"),
			    d.refused);
		return;
	}
	if ((j = job_new(c, J_ACT)) == NULL) {
		web_form_free(&f);
		text_answer(c, 500, "out of memory\n");
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
static void
post_card_form(struct ctx *c, long long client, const char *form)
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
			fail_store(c);
		else
			fail_page(c, d.refused_status, L(c->lang, "No se puede", "Cannot be done"),
			    d.refused);
		return;
	}
	if ((forms = json_object_new_object()) == NULL || (fo = json_object_new_object()) == NULL ||
	    (j = job_new(c, strcmp(form, "log") == 0 ? J_LOG : strcmp(form, "plan") == 0 ?
	    J_PLAN : J_SNOOZE)) == NULL) {
		json_object_put(forms);
		web_form_free(&f);
		text_answer(c, 500, "out of memory\n");
		return;
	}
	json_object_object_add(forms, form, fo);
	j->object = client;
	for (size_t i = 0; i < f.n; i++)
		if (in_list(form_fields, f.name[i]))
			put_str(fo, f.name[i], f.value[i]);
	if (strcmp(form, "log") == 0) {
		const char *kind = web_form_get(&f, "kind"), *outcome = web_form_get(&f, "outcome");
		const char *note = web_form_get(&f, "note"), *next = web_form_get(&f, "next");

		if (!in_list(touch_kinds, kind))
			form_error(c, fo, "kind", FE_CHOICE, &errors);
		if (!in_list(outcomes, outcome))
			form_error(c, fo, "outcome", FE_CHOICE, &errors);
		if (note != NULL && strlen(note) > NOTE_MAX)
			form_error(c, fo, "note", FE_TOO_LONG, &errors);
		if (next != NULL && *next != '\0') {
			if (form_date(next, &day) == -1)
				form_error(c, fo, "next", FE_DATE, &errors);
			else if (day <= local_day(c->o->tz, c->rq->now))
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
		const char *kind = web_form_get(&f, "kind"), *date = web_form_get(&f, "date");
		const char *time = web_form_get(&f, "time"), *allday = web_form_get(&f, "allday");
		const char *dur = web_form_get(&f, "duration"), *note = web_form_get(&f, "note");
		long long minutes = 0;

		if (!in_list(activity_kinds, kind))
			form_error(c, fo, "kind", FE_CHOICE, &errors);
		if (date == NULL || *date == '\0')
			form_error(c, fo, "date", FE_REQUIRED, &errors);
		else if (form_date(date, &day) == -1)
			form_error(c, fo, "date", FE_DATE, &errors);
		else if (day < local_day(c->o->tz, c->rq->now))
			form_error(c, fo, "date", FE_PAST, &errors);
		else
			clock_date_format(day, j->day, sizeof(j->day));
		j->all_day = allday != NULL && *allday != '\0';
		if (!j->all_day && (time == NULL || clock_hhmm_parse(time, &j->minutes) == -1))
			form_error(c, fo, "time", FE_TIME, &errors);
		if (!j->all_day && (dur == NULL || parse_id(dur, strlen(dur), &minutes) == -1 ||
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
			else if (day <= local_day(c->o->tz, c->rq->now))
				form_error(c, fo, "until", FE_AFTER_TODAY, &errors);
		} else if (days != NULL && parse_id(days, strlen(days), &n) == 0 && n <= 3650)
			day = local_day(c->o->tz, c->rq->now) + (long)n;
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
			text_answer(c, 500, "out of memory\n");
			return;
		}
		put_bool(fo, "errors", 1);
		serve_client(c, client, forms, 422);
		json_object_put(forms);
		return;
	}
	json_object_put(forms);
	card_path(c, client, path, sizeof(path));
	queue(c, j, path);
}

/* ---- an activity: done, cancel, another date --------------------------------------- */

/* The date fields of a re-plan, from a form: 0 (into j), or the errors counted. */
static int
replan_fields(struct ctx *c, const struct web_form *f, json_object *fo, struct web_job *j)
{
	const char *date = web_form_get(f, "date"), *time = web_form_get(f, "time");
	const char *allday = web_form_get(f, "allday");
	int errors = 0;
	long day;

	if (date == NULL || *date == '\0')
		form_error(c, fo, "date", FE_REQUIRED, &errors);
	else if (form_date(date, &day) == -1)
		form_error(c, fo, "date", FE_DATE, &errors);
	else if (day < local_day(c->o->tz, c->rq->now))
		form_error(c, fo, "date", FE_PAST, &errors);
	else
		clock_date_format(day, j->day, sizeof(j->day));
	j->all_day = allday != NULL && *allday != '\0';
	if (!j->all_day && (time == NULL || clock_hhmm_parse(time, &j->minutes) == -1))
		form_error(c, fo, "time", FE_TIME, &errors);
	return errors;
}

static void
serve_activity(struct ctx *c, long long id, json_object *fo, unsigned status)
{
	struct desc d;
	json_object *data, *jv;
	char back[600];
	int rc;

	rc = describe(c->st, c->o->id, c->lang, c->o->tz, ACTION_ACTIVITY, "open", id, c->rq->now,
	    NULL, -1, NULL, &d, c->err, sizeof(c->err));
	if (rc != 0) {
		json_object_put(fo);
		if (rc == -1)
			fail_store(c);
		else
			fail_page(c, d.refused_status, L(c->lang, "No encontrada", "Not found"),
			    d.refused);
		return;
	}
	if ((data = page_data(c)) == NULL) {
		json_object_put(fo);
		text_answer(c, 500, "out of memory\n");
		return;
	}
	put_str(data, "object", d.object);
	put_int(data, "id", id);
	card_path(c, d.client, back, sizeof(back));
	put_str(data, "client_url", back);
	json_object_object_add(data, "actions", action_list(ACTION_ACTIVITY, c->lang));
	csrf(c, data, "csrf_act", "act");
	if (fo == NULL && (fo = json_object_new_object()) != NULL) {
		put_str(fo, "date", d.day);
		put_str(fo, "time", d.time);
		put_bool(fo, "allday", d.all_day);
	} else if (fo != NULL && json_object_object_get_ex(fo, "allday", &jv) && jv != NULL)
		put_bool(fo, "allday", 1);
	if (fo != NULL)
		csrf(c, fo, "csrf", "replan");
	json_object_object_add(data, "replan", fo);
	render(c, "activity", data, status);
}

static void
post_activity(struct ctx *c, long long id)
{
	struct web_form f;
	struct web_job *j;
	struct desc d;
	json_object *fo;
	char nonce[SIGN_NONCE_CHARS + 1], path[600];
	int rc, errors;

	if (post_begin(c, &f, "replan", nonce) == -1)
		return;
	if ((j = job_new(c, J_REPLAN)) == NULL || (fo = json_object_new_object()) == NULL) {
		web_job_free(j);
		web_form_free(&f);
		text_answer(c, 500, "out of memory\n");
		return;
	}
	for (size_t i = 0; i < f.n; i++)
		if (in_list(form_fields, f.name[i]))
			put_str(fo, f.name[i], f.value[i]);
	errors = replan_fields(c, &f, fo, j);
	if (errors > 0) {
		web_form_free(&f);
		web_job_free(j);
		put_bool(fo, "errors", 1);
		serve_activity(c, id, fo, 422);
		return;
	}
	json_object_put(fo);
	rc = describe(c->st, c->o->id, c->lang, c->o->tz, ACTION_ACTIVITY, "replan", id,
	    c->rq->now, j->day, j->all_day ? -1 : j->minutes, NULL, &d, c->err, sizeof(c->err));
	if (rc != 0) {
		web_form_free(&f);
		web_job_free(j);
		if (rc == -1)
			fail_store(c);
		else
			fail_page(c, d.refused_status, L(c->lang, "No se puede", "Cannot be done"),
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

static void
serve_new(struct ctx *c, json_object *fo, unsigned status)
{
	json_object *d = page_data(c), *jv;
	const char *kind = NULL, *st = NULL;

	if (d == NULL || (fo == NULL && (fo = json_object_new_object()) == NULL)) {
		json_object_put(d);
		json_object_put(fo);
		text_answer(c, 500, "out of memory\n");
		return;
	}
	if (json_object_object_get_ex(fo, "kind", &jv) && jv != NULL)
		kind = json_object_get_string(jv);
	if (json_object_object_get_ex(fo, "status", &jv) && jv != NULL)
		st = json_object_get_string(jv);
	json_object_object_add(fo, "kinds", options(client_kinds, c->lang,
	    kind != NULL ? kind : "company", status_word));
	json_object_object_add(fo, "statuses", options(client_statuses, c->lang,
	    st != NULL ? st : "active", status_word));
	csrf(c, fo, "csrf", "new");
	json_object_object_add(d, "form", fo);
	render(c, "new", d, status);
}

static void
post_new(struct ctx *c)
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
	if ((j = job_new(c, J_NEW)) == NULL || (fo = json_object_new_object()) == NULL ||
	    (norm = malloc(RECORD_NOTES_MAX + 1)) == NULL) {
		web_job_free(j);
		web_form_free(&f);
		text_answer(c, 500, "out of memory\n");
		return;
	}
	for (size_t i = 0; i < sizeof(new_fields) / sizeof(new_fields[0]); i++) {
		const char *v = web_form_get(&f, new_fields[i].name);
		enum record_field rf = new_fields[i].rf;

		vals[i] = v;
		put_str(fo, new_fields[i].name, v);
		if (v == NULL || *v == '\0') {
			if (rf == RF_NAME)
				form_error(c, fo, "name", FE_REQUIRED, &errors);
			continue;
		}
		if (strlen(v) > (rf == RF_NOTES ? NOTE_MAX : RECORD_FIELD_MAX)) {
			form_error(c, fo, new_fields[i].name, FE_TOO_LONG, &errors);
			continue;
		}
		if ((rf == RF_KIND && !in_list(client_kinds, v)) ||
		    (rf == RF_STATUS && !in_list(client_statuses, v))) {
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
			fail_store(c);
			return;
		}
	}
	if (errors != 0) {
		web_form_free(&f);
		web_job_free(j);
		if (errors < 0) {
			json_object_put(fo);
			text_answer(c, 500, "out of memory\n");
			return;
		}
		put_bool(fo, "errors", 1);
		serve_new(c, fo, 422);
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
	json_object *data = page_data(c), *acts, *jv;
	int open = strcmp(a->code, "open") == 0;

	if (data == NULL) {
		json_object_put(fo);
		text_answer(c, 500, "out of memory\n");
		return;
	}
	put_str(data, "object", d->object);
	put_str(data, "effect", open ? NULL : d->effect);
	if (open)
		acts = action_list(l->kind, c->lang);
	else {
		json_object *one = json_object_new_object();

		acts = json_object_new_array();
		put_str(one, "code", a->code);
		put_str(one, "label", action_label(a, c->lang));
		put_bool(one, "is_replan", strcmp(a->code, "replan") == 0);
		json_object_array_add(acts, one);
	}
	json_object_object_add(data, "actions", acts);
	put_bool(data, "open", open);
	put_bool(data, "is_client", l->kind == ACTION_CLIENT);
	/* A new date: for "Cambiar fecha", and on an activity's page. */
	if (l->kind == ACTION_ACTIVITY && (open || strcmp(a->code, "replan") == 0)) {
		if (fo == NULL && (fo = json_object_new_object()) != NULL) {
			put_str(fo, "date", d->day);
			put_str(fo, "time", d->time);
			put_bool(fo, "allday", d->all_day);
		} else if (fo != NULL && json_object_object_get_ex(fo, "allday", &jv) && jv != NULL)
			put_bool(fo, "allday", 1);
		json_object_object_add(data, "replan", fo);
		fo = NULL;
	}
	/* Which kind of contact waits for the answer. */
	if (l->kind == ACTION_CLIENT && (open || strcmp(a->code, "waiting") == 0)) {
		json_object_object_add(data, "vias", options(touch_kinds, c->lang, "call",
		    kind_word));
		put_bool(data, "has_vias", 1);
	}
	json_object_put(fo);
	csrf(c, data, "csrf", "link");
	render(c, "confirm", data, status);
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
		fail_store(c);
		return -1;
	}
	if (rc == 1)
		return 0;
	fmt_when(c->lang, o->tz, at, 1, b, sizeof(b));
	snprintf(msg, sizeof(msg), is_en(c->lang) ? "This link was already used on %s: %s. "
	    "Nothing more was recorded." : "Este enlace ya se usó el %s: %s. No se ha "
	    "registrado nada más.", b, what);
	free(what);
	fail_page(c, 409, L(c->lang, "Ya está hecho", "Already done"), msg);
	return 1;
}

/* GET and POST /act/OWNER/KIND/ID/ACTION/EXPIRES/MAC. */
static void
serve_link(struct ctx *c, const char *signed_part)
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
		not_found(c);
		return;
	}
	for (size_t i = 0; i < c->os->n; i++)
		if (c->os->v[i].id == l.owner)
			o = &c->os->v[i];
	/* The same work whoever it names: a MAC over a dummy secret. */
	r = sign_link_check(c->w->key, &l, mac, o != NULL ? o->page_token : NULL, c->rq->now);
	if (r == SIGN_BAD) {
		c->rs->bad_secret = 1;
		fail_page(c, 403, L(c->lang, "Enlace no válido", "Link not valid"),
		    L(c->lang, "Este enlace no es válido: está incompleto o cambiado, o tu enlace "
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

		fmt_when(c->lang, o->tz, (time_t)l.expires, 0, b, sizeof(b));
		snprintf(msg, sizeof(msg), is_en(c->lang) ? "This link expired on %s. Use your "
		    "latest digest or your page." : "Este enlace caducó el %s. Usa el resumen más "
		    "reciente o tu página.", b);
		fail_page(c, 410, L(c->lang, "Enlace caducado", "Link expired"), msg);
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
				fail_page(c, 400, L(c->lang, "Formulario no válido", "Bad form"),
				    L(c->lang, "Este botón no existe.", "There is no such button."));
				return;
			}
			code = w->code;
		}
		link_key(mac, code, key);
		if (already_used(c, key, o) != 0) {
			web_form_free(&f);
			return;
		}
		if ((j = job_new(c, J_ACT)) == NULL) {
			web_form_free(&f);
			text_answer(c, 500, "out of memory\n");
			return;
		}
		j->from_link = 1;
		j->kind = l.kind;
		j->object = l.object;
		snprintf(j->code, sizeof(j->code), "%s", code);
		snprintf(j->key, sizeof(j->key), "%s", key);
		via = web_form_get(&f, "via");
		if (strcmp(code, "waiting") == 0 && via != NULL && in_list(touch_kinds, via))
			snprintf(j->touch_kind, sizeof(j->touch_kind), "%s", via);
		if (strcmp(code, "replan") == 0) {
			if ((fo = json_object_new_object()) == NULL) {
				web_form_free(&f);
				web_job_free(j);
				text_answer(c, 500, "out of memory\n");
				return;
			}
			for (size_t i = 0; i < f.n; i++)
				if (in_list(form_fields, f.name[i]))
					put_str(fo, f.name[i], f.value[i]);
			errors = replan_fields(c, &f, fo, j);
		}
		web_form_free(&f);
		rc = describe(c->st, o->id, c->lang, o->tz, l.kind, code, l.object, c->rq->now,
		    j->day, j->all_day ? -1 : j->minutes, j->touch_kind[0] ? j->touch_kind : NULL,
		    &d, c->err, sizeof(c->err));
		if (rc == 0 && errors > 0) {
			web_job_free(j);
			put_bool(fo, "errors", 1);
			confirm_page(c, &l, a, &d, fo, 422);
			return;
		}
		json_object_put(fo);
		if (rc != 0) {
			web_job_free(j);
			if (rc == -1)
				fail_store(c);
			else
				fail_page(c, d.refused_status, L(c->lang, "No se puede", "Cannot be done"),
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
		fail_store(c);
		return;
	}
	if (rc == 1) {
		fail_page(c, d.refused_status, L(c->lang, "No se puede", "Cannot be done"),
		    d.refused);
		return;
	}
	confirm_page(c, &l, a, &d, NULL, 200);
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
	if ((d = page_data(&c)) == NULL) {
		text_answer(&c, 500, "out of memory\n");
		snap_put(w, c.sn);
		return;
	}
	put_str(d, "back", j->from_link ? NULL : j->back);
	if (rc == 0) {
		put_str(d, "title", L(c.lang, "Hecho", "Done"));
		put_str(d, "message", j->what);
		put_bool(d, "ok", 1);
		render(&c, "result", d, 200);
	} else if (rc == 1 && j->already) {
		char msg[900];

		fmt_when(c.lang, j->tz, j->already_at, 1, b, sizeof(b));
		snprintf(msg, sizeof(msg), is_en(c.lang) ? "This was already recorded on %s: %s. "
		    "Nothing more was recorded." : "Esto ya se registró el %s: %s. No se ha "
		    "registrado nada más.", b, j->already_what);
		put_str(d, "title", L(c.lang, "Ya estaba hecho", "Already done"));
		put_str(d, "message", msg);
		put_bool(d, "already", 1);
		render(&c, "result", d, j->from_link ? 409 : 200);
	} else if (rc == 1) {
		put_str(d, "title", L(c.lang, "No se puede", "Cannot be done"));
		put_str(d, "message", j->refused);
		render(&c, "result", d, 409);
	} else if (rc == -2) {
		put_str(d, "title", L(c.lang, "Demasiado trabajo", "Too busy"));
		put_str(d, "message", L(c.lang, "Hay demasiados cambios esperando. Inténtalo en "
		    "unos segundos.", "Too many changes are waiting. Please try again in a few "
		    "seconds."));
		rs->retry_after = 5;
		render(&c, "result", d, 503);
	} else {
		put_str(d, "title", L(c.lang, "Recibido", "Received"));
		put_str(d, "message", L(c.lang, "Se guardará en unos segundos (la base de datos "
		    "está ocupada).", "It will be saved in a few seconds (the database is busy)."));
		put_bool(d, "queued", 1);
		render(&c, "result", d, 202);
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
		not_found(c);
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
		not_found(c);
		return;
	}
	memcpy(tok, p, TOKEN_LEN);
	tok[TOKEN_LEN] = '\0';
	if ((c->o = owner_by_token(c->os, tok)) == NULL) {
		c->rs->bad_secret = 1;
		fail_page(c, 404, L(c->lang, "Enlace no válido", "Link not valid"),
		    L(c->lang, "Esta página no existe o su enlace se renovó. Pide el enlace nuevo "
		    "(cartera owner page-url).", "This page does not exist or its link was "
		    "renewed. Ask for the new link (cartera owner page-url)."));
		return;
	}
	c->lang = c->o->lang;
	c->today = local_day(c->o->tz, rq->now);
	snprintf(c->base, sizeof(c->base), "%s/me/%s", c->sn->prefix, tok);
	rest = p + TOKEN_LEN;
	if (*rest == '\0' && get) {
		serve_today(c);
		return;
	}
	if (strcmp(rest, "/search") == 0 && get) {
		serve_search(c);
		return;
	}
	if (strcmp(rest, "/act") == 0 && post) {
		post_act(c);
		return;
	}
	if (strcmp(rest, "/new") == 0 && (get || post)) {
		if (post)
			post_new(c);
		else
			serve_new(c, NULL, 200);
		return;
	}
	if (strncmp(rest, "/c/", 3) == 0) {
		const char *s = rest + 3, *e = s + strcspn(s, "/");

		if (parse_id(s, (size_t)(e - s), &id) == 0) {
			if (*e == '\0' && get) {
				serve_client(c, id, NULL, 200);
				return;
			}
			if (post && (strcmp(e, "/log") == 0 || strcmp(e, "/plan") == 0 ||
			    strcmp(e, "/snooze") == 0)) {
				post_card_form(c, id, e + 1);
				return;
			}
		}
	}
	if (strncmp(rest, "/a/", 3) == 0 && parse_id(rest + 3, strlen(rest + 3), &id) == 0 &&
	    (get || post)) {
		if (post)
			post_activity(c, id);
		else
			serve_activity(c, id, NULL, 200);
		return;
	}
	not_found(c);
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
		text_answer(&c, 405, "method not allowed\n");
		goto out;
	}
	if (strncmp(p, "/static/", 8) == 0) {
		if (rq->method == WEB_POST)
			text_answer(&c, 405, "method not allowed\n");
		else
			serve_css(&c, p + 8);
		goto out;
	}
	if ((c.st = conn_get(w, c.err, sizeof(c.err))) == NULL ||
	    (c.os = owners_get(w, c.st, c.err, sizeof(c.err))) == NULL) {
		fail_store(&c);
		goto out;
	}
	/* One snapshot of the database for everything a page reads. */
	if (store_read_begin(c.st, c.err, sizeof(c.err)) == -1) {
		fail_store(&c);
		goto out;
	}
	if (strncmp(p, "/me/", 4) == 0)
		serve_me(&c, p + 4);
	else if (strncmp(p, "/act/", 5) == 0)
		serve_link(&c, p + 5);
	else
		not_found(&c);
	store_read_end(c.st);
out:
	if (c.os != NULL)
		owners_put(w, c.os);
	conn_put(w, c.st);
	snap_put(w, c.sn);
}
