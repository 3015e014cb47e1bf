/*
 * web_priv.h - what the files of the web module share (web.c: the
 * connections, requests, forms and routing; web_pages.c: the pages that
 * read; web_actions.c: what a form or a digest's link does).  Private:
 * nothing outside daemon/web*.c includes it; the module's interface is
 * web.h.
 */
#ifndef CARTERA_WEB_PRIV_H
#define CARTERA_WEB_PRIV_H

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
#include "jsonb.h"
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
	struct jsonb			 jb;		/* the page's JSON allocations */
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

struct rows {
	struct ctx	*c;
	json_object	*a;
};

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

enum field_error { FE_NONE, FE_REQUIRED, FE_DATE, FE_PAST, FE_AFTER_TODAY, FE_TIME, FE_DURATION,
	FE_CHOICE, FE_TOO_LONG, FE_EMAIL, FE_INVALID, FE_DUPLICATE };

/* Shared between the files of the module (defined where their job is). */
long long	 web_mono_ms(void);
int	 web_is_en(const char *lang);
const char	*web_es_en(const char *lang, const char *es, const char *en);
int	 web_parse_id(const char *s, size_t n, long long *id);
void	 web_today_unref(struct today *t);
struct web_job	*web_job_new(struct ctx *c, enum job_type type);
json_object	*web_page_data(struct ctx *c);
void	 web_text_answer(struct ctx *c, unsigned status, const char *text);
void	 web_render(struct ctx *c, const char *page, json_object *d, unsigned status);
void	 web_fail_page(struct ctx *c, unsigned status, const char *title, const char *message);
void	 web_fail_store(struct ctx *c);
void	 web_not_found(struct ctx *c);
void	 web_csrf(struct ctx *c, json_object *d, const char *key, const char *form);
char	*web_fmt_when(const char *lang, const char *tz, time_t t, int with_time, char *out, size_t len);
char	*web_when_text(struct ctx *c, time_t t, int with_time, char *out, size_t len);
char	*web_activity_when(const char *lang, const char *tz, const struct store_web_activity *a, char *out,
	   size_t len);
const char	*web_the_kind(const char *lang, const char *kind, char *out, size_t len);
char	*web_cap(const char *s, char *out, size_t len);
extern const char *const web_touch_kinds[];
extern const char *const web_activity_kinds[];
extern const char *const web_outcomes[];
extern const char *const web_client_kinds[];
extern const char *const web_client_statuses[];
extern const char *const web_form_fields[];
int	 web_in_list(const char *const *list, const char *v);
const char	*web_outcome_word(const char *lang, const char *o);
json_object	*web_options(struct jsonb *jb, const char *const *list, const char *lang,
	   const char *selected, const char *(*word)(const char *, const char *));
const char	*web_kind_word(const char *lang, const char *k);
const char	*web_status_word(const char *lang, const char *k);
void	 web_serve_today(struct ctx *c);
void	 web_serve_search(struct ctx *c);
void	 web_serve_client(struct ctx *c, long long id, json_object *forms, unsigned status);
long	 web_local_day(const char *tz, time_t t);
void	 web_post_act(struct ctx *c);
void	 web_post_card_form(struct ctx *c, long long client, const char *form);
void	 web_serve_activity(struct ctx *c, long long id, json_object *fo, unsigned status);
void	 web_post_activity(struct ctx *c, long long id);
void	 web_serve_new(struct ctx *c, json_object *fo, unsigned status);
void	 web_post_new(struct ctx *c);
void	 web_serve_link(struct ctx *c, const char *signed_part);

#endif
