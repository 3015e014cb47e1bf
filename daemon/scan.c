/*
 * scan.c - decide who needs attention: the rules (scan_classify, pure),
 * and scan_run, which feeds them one salesperson's portfolio.
 *
 * scan_run reads through the store, set-based: the owner's clients in one
 * range of an index, their unpaid invoices (or a cache of everyone's, when
 * every owner is scanned), their planned activities and the segments; then
 * the details of the few clients a digest shows.  Each client's facts are
 * put in local day numbers and classified.  No SQL here; reads only.
 */
#include "build.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libical/ical.h>

#include "buf.h"
#include "clock.h"
#include "scan.h"
#include "tz.h"
#include "workers.h"

int
scan_cadence(const struct config *cfg, int client_days, int segment_days, int potential,
    enum scan_orders orders)
{
	if (client_days > 0)
		return client_days;
	if (potential)
		return cfg->cadence.potential_days;
	if (segment_days > 0)
		return segment_days;
	if (orders == SCAN_ORDERS_SELF)
		return cfg->cadence.orders_self_days;
	if (orders == SCAN_ORDERS_VISIT)
		return cfg->cadence.orders_visit_days;
	return cfg->cadence.default_days;
}

/* ---- the rules --------------------------------------------------------- */

int
scan_workdays(const struct config *cfg, const struct owner *o, struct workdays *w,
    long **owned, char *err, size_t errlen)
{
	const char *week = o != NULL && o->days != NULL ? o->days : cfg->digest.days;
	size_t n;
	char e[256];

	*owned = NULL;
	w->week = WORKDAYS_MON_FRI;
	w->holidays = cfg->digest.holidays;
	w->nholidays = cfg->digest.nholidays;
	if (week != NULL && workdays_parse_week(week, &w->week, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "owner %s: working days: %s", o ? o->email : "?", e);
		return -1;
	}
	if (o != NULL && o->holidays != NULL) {
		if (workdays_parse_dates(o->holidays, NULL, owned, &n, e, sizeof(e)) == -1) {
			snprintf(err, errlen, "owner %s: holidays: %s", o->email, e);
			return -1;
		}
		w->holidays = *owned;
		w->nholidays = n;
	}
	return 0;
}

void
scan_rules_init(struct scan_rules *ru, const struct config *cfg, const struct workdays *w)
{
	memset(ru, 0, sizeof(*ru));
	ru->yellow_days = cfg->alerts.yellow_days;
	ru->waiting_days = cfg->alerts.waiting_days;
	ru->overdue_invoice_days = cfg->alerts.overdue_invoice_days;
	ru->inactive_factor = cfg->inactive.factor;
	ru->inactive_min_days = cfg->inactive.min_days;
	ru->single_purchase_days = cfg->inactive.single_purchase_days;
	ru->no_contact_days = cfg->inactive.no_contact_days;
	ru->days = w;
	ru->soon_of = -1;
}

void
scan_rules_today(struct scan_rules *ru, long today)
{
	ru->soon = workdays_add(ru->days, today, ru->yellow_days);
	ru->soon_of = today;
}

static void
verdict(struct scan_verdict *v, enum scan_alert a, enum scan_reason why, long day)
{
	v->alert = a;
	v->reason = why;
	v->due_day = day;
}

void
scan_classify(const struct scan_rules *ru, const struct scan_facts *f, long today,
    struct scan_verdict *v)
{
	/* The last day a date may fall on to be "soon": yellow_days working
	 * days ahead (on a Friday, 1 reaches Monday). */
	long soon = ru->soon_of == today ? ru->soon :
	    workdays_add(ru->days, today, ru->yellow_days);
	/* The next step set by hand, a touch or a snooze, unless a planned
	 * activity comes first (or the same day: it is what will happen). */
	int by_date = f->next_day >= 0 && (f->planned_day < 0 || f->next_day < f->planned_day);
	enum scan_reason date_reason = f->snoozed ? SCAN_SNOOZE : SCAN_NEXT_CONTACT;
	long due;

	memset(v, 0, sizeof(*v));
	v->alert = SCAN_NONE;
	v->due_day = -1;
	v->inactive_days = -1;
	if (f->lost)
		return;

	/* Red: something is owed now, whatever else is going on. */
	if (f->missed_day >= 0)
		verdict(v, SCAN_RED, SCAN_MISSED, f->missed_day);
	else if (f->replied_day >= 0)
		verdict(v, SCAN_RED, SCAN_REPLIED, f->replied_day);
	else if (by_date && f->next_day <= today)
		verdict(v, SCAN_RED, date_reason, f->next_day);
	/* Green: the ball is in the client's court. */
	else if (f->waiting && f->touched && today - f->base_day < ru->waiting_days) {
		verdict(v, SCAN_GREEN, SCAN_WAITING, f->base_day);
		v->no_next_step = f->next_day < 0 && f->planned_day < 0;
	}
	/* A planned activity is the next step: the agenda carries it. */
	else if (f->planned_day >= 0 && !by_date)
		v->due_day = f->planned_day;
	/* An explicit date to come replaces the cadence. */
	else if (by_date) {
		v->due_day = f->next_day;
		if (!f->snoozed && f->next_day <= soon)
			verdict(v, SCAN_YELLOW, date_reason, f->next_day);
	} else {
		due = f->base_day + f->cadence;
		v->due_day = due;
		if (due <= today)
			verdict(v, SCAN_RED, SCAN_CADENCE, due);
		else if (due <= soon)
			verdict(v, SCAN_YELLOW, SCAN_CADENCE, due);
	}
	/* An invoice overdue past the threshold makes it red, even while
	 * waiting, due since the day it passed that; a contact owed says
	 * more (the invoice has its own section). */
	if (v->alert != SCAN_RED && f->unpaid_due_day >= 0 &&
	    today - f->unpaid_due_day > ru->overdue_invoice_days) {
		verdict(v, SCAN_RED, SCAN_INVOICE, f->unpaid_due_day + ru->overdue_invoice_days + 1);
		v->no_next_step = 0;
	}

	/* Going inactive, measured against the client's own rhythm. */
	if (f->potential)
		return;
	if (f->purchases >= 2 && f->median_interval > 0 && f->last_purchase_day >= 0) {
		long ds = today - f->last_purchase_day;

		if (ds > ru->inactive_factor * f->median_interval && ds > ru->inactive_min_days) {
			v->inactive = 1;
			v->inactive_reason = SCAN_RHYTHM;
			v->inactive_days = ds;
		}
	} else if (f->purchases == 1 && f->last_purchase_day >= 0) {
		long ds = today - f->last_purchase_day;

		if (ds > ru->single_purchase_days) {
			v->inactive = 1;
			v->inactive_reason = SCAN_SINGLE;
			v->inactive_days = ds;
		}
	}
	if (!v->inactive && today - f->base_day > ru->no_contact_days) {
		v->inactive = 1;
		v->inactive_reason = SCAN_NO_CONTACT;
		v->inactive_days = today - f->base_day;
	}
}

/* ---- lists -------------------------------------------------------------- */

/* Segment id -> its cadence (config override, else the table, else 0). */
struct segcad {
	long long	 id;
	int		 days;
};

struct segs {
	const struct config *cfg;
	struct segcad	*v;
	size_t		 n;
	int		 oom;
};

static int
seg_add(long long id, const char *name, int days, void *arg)
{
	struct segs *sg = arg;
	struct segcad *nv;
	int d = config_segment_days(sg->cfg, name);

	if ((nv = reallocarray(sg->v, sg->n + 1, sizeof(*nv))) == NULL) {
		sg->oom = 1;
		return -1;
	}
	sg->v = nv;
	sg->v[sg->n].id = id;
	sg->v[sg->n].days = d > 0 ? d : days;
	sg->n++;
	return 0;
}

static int
segment_days(const struct segs *sg, long long id)
{
	size_t lo = 0, hi = sg->n;

	while (lo < hi) {	/* ids are sorted */
		size_t mid = (lo + hi) / 2;
		if (sg->v[mid].id == id)
			return sg->v[mid].days;
		if (sg->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* ---- keeping the first few ---------------------------------------------- */

typedef int (*cmp_fn)(const void *, const void *);

/* The largest element the heaps below hold (a client, an invoice). */
#define ELEM_MAX	256
_Static_assert(sizeof(struct scan_client) <= ELEM_MAX && sizeof(struct scan_invoice) <= ELEM_MAX,
    "ELEM_MAX holds a client and an invoice");

static void
swap_elems(void *a, void *b, size_t size)
{
	unsigned char t[ELEM_MAX];

	memcpy(t, a, size);
	memcpy(a, b, size);
	memcpy(b, t, size);
}

/* Sift element i down the max-heap v[0..n) of size-byte elements. */
static void
sift_down(void *v, size_t size, size_t n, size_t i, cmp_fn cmp)
{
	unsigned char *b = v;

	for (;;) {
		size_t l = 2 * i + 1, big = i;

		if (l < n && cmp(b + l * size, b + big * size) > 0)
			big = l;
		if (l + 1 < n && cmp(b + (l + 1) * size, b + big * size) > 0)
			big = l + 1;
		if (big == i)
			return;
		swap_elems(b + i * size, b + big * size, size);
		i = big;
	}
}

static void
heap_make(void *v, size_t size, size_t n, cmp_fn cmp)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, size, n, i, cmp);
}

/* e into the full max-heap v[0..n) if it comes before its root (the last
 * kept), in the root's place. */
static void
heap_offer(void *v, size_t size, size_t n, const void *e, cmp_fn cmp)
{
	if (cmp(e, v) < 0) {
		memcpy(v, e, size);
		sift_down(v, size, n, 0, cmp);
	}
}

/*
 * Add c to l.  keep 0: every client is kept.  Else only the keep first by
 * cmp: once full, l->v is a max-heap of them (its root the last kept) and
 * a client before the root takes its place.
 */
static int
list_add(struct scan_list *l, const struct scan_client *c, size_t keep, cmp_fn cmp)
{
	l->count++;
	if (keep > 0 && l->n == keep) {
		heap_offer(l->v, sizeof(*c), l->n, c, cmp);
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct scan_client *nv = reallocarray(l->v, cap, sizeof(*nv));
		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = *c;
	if (keep > 0 && l->n == keep)
		heap_make(l->v, sizeof(*c), l->n, cmp);
	return 0;
}

/* A short code (a currency, a kind) into dst, cut to fit: snprintf's
 * "%s" costs more than the rest of reading an invoice. */
static void
code_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "YYYY-MM-DD" to a day number, -1 if NULL or malformed. */
static long
text_day(const char *t)
{
	long d;

	if (t == NULL || clock_date_parse(t, &d) == -1)
		return -1;
	return d;
}

int
scan_client_cmp_due(const void *a, const void *b)
{
	const struct scan_client *x = a, *y = b;

	if (x->due_day != y->due_day)
		return x->due_day < y->due_day ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
cmp_inactive(const void *a, const void *b)
{
	const struct scan_client *x = a, *y = b;

	if (x->days_since != y->days_since)
		return x->days_since > y->days_since ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * Put the k first entries of l by cmp in order at its front (all of them
 * when k is 0); the rest stay in no particular order.  A digest shows
 * the first few of lists thousands long: a heap of k over the list is
 * far cheaper than sorting it all.
 */
static void
sort_top(struct scan_list *l, size_t k, cmp_fn cmp)
{
	struct scan_client *v = l->v;

	if (l->n < 2)		/* qsort(NULL, 0, ...) is undefined */
		return;
	if (k == 0 || k >= l->n / 2) {
		qsort(v, l->n, sizeof(*v), cmp);
		return;
	}
	heap_make(v, sizeof(*v), k, cmp);
	for (size_t i = k; i < l->n; i++)
		if (cmp(&v[i], &v[0]) < 0) {	/* swapped: the rest stay in the list */
			swap_elems(&v[i], &v[0], sizeof(*v));
			sift_down(v, sizeof(*v), k, 0, cmp);
		}
	qsort(v, k, sizeof(*v), cmp);
}

/* ---- overdue invoices --------------------------------------------------- */

/*
 * Unpaid invoices due before a day, sorted by client: the scan looks each
 * client's up as it reads the client.  Loaded for one owner by scan_run(),
 * or for everyone at once by scan_cache_load() when every owner is scanned
 * (one range of the unpaid invoices by due day instead of a seek per
 * client per owner).
 */
struct scan_due_inv {
	long long	 id, client_id, cents;
	long		 due_day;
	char		 currency[4];
	size_t		 number;	/* in the cache's text, + 1; 0: none */
};

struct scan_cache {
	struct scan_due_inv *v;
	size_t		 n, cap;
	struct buf	 text;		/* the invoices' numbers, one after
					 * another (780,000 of them at a
					 * million clients: not one malloc each) */
	/*
	 * first[id]: 1 + the index in v of client id's first invoice, 0 for
	 * none.  Most clients have none, and a binary search of v (megabytes
	 * at a million clients) misses the CPU caches at every step.  NULL
	 * when the ids are too sparse for it (then v is searched).
	 */
	uint32_t	*first;
	/* has[id / 64] bit id % 64: client id has an invoice here.  An eighth
	 * of a byte a client (128 KB at a million) stays in the CPU's cache
	 * where first[] (4 MB) does not: most clients are answered from it. */
	uint64_t	*has;
	long long	 max_id;
	int		 oom;
};

#define CACHE_MAX_ID	(16LL * 1024 * 1024)	/* first[]: 64 MB at most */

static void
cache_clear(struct scan_cache *k)
{
	free(k->v);
	buf_free(&k->text);
	free(k->first);
	free(k->has);
	memset(k, 0, sizeof(*k));
}

static const char *
cache_number(const struct scan_cache *k, const struct scan_due_inv *d)
{
	return d->number != 0 ? k->text.data + d->number - 1 : NULL;
}

static int
cmp_due_inv(const void *a, const void *b)
{
	const struct scan_due_inv *x = a, *y = b;

	if (x->client_id != y->client_id)
		return x->client_id < y->client_id ? -1 : 1;
	if (x->due_day != y->due_day)
		return x->due_day < y->due_day ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * k->v by client.  The store hands everyone's invoices in the order of
 * the index it reads, by due day; a counting sort over the ids puts them
 * in client order in two passes, each client's in the order they came
 * (a qsort when the ids lie too far apart for it).  -1: out of memory.
 */
static int
cache_sort(struct scan_cache *k)
{
	long long lo, hi;
	uint32_t *at;
	struct scan_due_inv *nv;
	size_t i;

	for (i = 1; i < k->n && k->v[i - 1].client_id <= k->v[i].client_id; i++)
		;
	if (i >= k->n)
		return 0;	/* in order already */
	lo = hi = k->v[0].client_id;
	for (i = 1; i < k->n; i++) {
		if (k->v[i].client_id < lo)
			lo = k->v[i].client_id;
		if (k->v[i].client_id > hi)
			hi = k->v[i].client_id;
	}
	if ((unsigned long long)hi - (unsigned long long)lo >= CACHE_MAX_ID ||
	    k->n >= UINT32_MAX) {
		qsort(k->v, k->n, sizeof(*k->v), cmp_due_inv);
		return 0;
	}
	if ((at = calloc((size_t)(hi - lo) + 2, sizeof(*at))) == NULL)
		return -1;
	if ((nv = reallocarray(NULL, k->n, sizeof(*nv))) == NULL) {
		free(at);
		return -1;
	}
	for (i = 0; i < k->n; i++)
		at[k->v[i].client_id - lo + 1]++;
	for (long long j = 0; j <= hi - lo; j++)
		at[j + 1] += at[j];
	for (i = 0; i < k->n; i++)
		nv[at[k->v[i].client_id - lo]++] = k->v[i];
	free(at);
	free(k->v);
	k->v = nv;
	k->cap = k->n;
	return 0;
}

/* The index k->first; without it every lookup searches v. */
static void
cache_index(struct scan_cache *k)
{
	long long max = 0;

	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].client_id > max)
			max = k->v[i].client_id;
	if (k->n == 0 || k->n >= UINT32_MAX || max > CACHE_MAX_ID)
		return;
	if ((k->first = calloc((size_t)max + 1, sizeof(*k->first))) == NULL ||
	    (k->has = calloc((size_t)max / 64 + 1, sizeof(*k->has))) == NULL) {
		free(k->first);
		k->first = NULL;
		return;
	}
	k->max_id = max;
	for (size_t i = k->n; i-- > 0;) {
		long long id = k->v[i].client_id;

		if (id >= 0) {
			k->first[id] = (uint32_t)i + 1;
			k->has[id / 64] |= 1ULL << (id % 64);
		}
	}
}

static int
cache_add(const struct store_unpaid *u, void *arg)
{
	struct scan_cache *k = arg;
	struct scan_due_inv *iv;

	if (k->n == k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 64;
		struct scan_due_inv *nv = reallocarray(k->v, ncap, sizeof(*nv));
		if (nv == NULL) {
			k->oom = 1;
			return -1;
		}
		k->v = nv;
		k->cap = ncap;
	}
	iv = &k->v[k->n];
	iv->client_id = u->client_id;
	iv->id = u->id;
	iv->cents = u->cents;
	code_copy(iv->currency, sizeof(iv->currency), u->currency ? u->currency : "EUR");
	iv->due_day = text_day(u->due);
	iv->number = 0;
	if (u->number != NULL) {
		iv->number = k->text.len + 1;
		if (buf_add(&k->text, u->number, strlen(u->number) + 1) == -1) {
			k->oom = 1;
			return -1;
		}
	}
	k->n++;
	return 0;
}

/* Fill k with owner's (0: everyone's) invoices due before before_day,
 * sorted by client here (the store hands them in no particular order). */
static int
cache_fill(struct store *st, long before_day, long long owner, struct scan_cache *k,
    char *err, size_t errlen)
{
	char before[16];

	if (store_unpaid_each(st, owner, clock_date_format(before_day, before, sizeof(before)),
	    cache_add, k, err, errlen) == -1) {
		if (k->oom)
			snprintf(err, errlen, "out of memory");
		cache_clear(k);
		return -1;
	}
	if (cache_sort(k) == -1) {
		snprintf(err, errlen, "out of memory");
		cache_clear(k);
		return -1;
	}
	cache_index(k);
	return 0;
}

/*
 * Everyone's invoices are read in client-id ranges, one per core, when
 * each range holds CACHE_PART_MIN clients (the environment's
 * CARTERA_PASS_MIN_CLIENTS, as for the history pass): range 0 on the
 * caller's thread and connection, the others on read-only connections of
 * their own.  Each part, sorted by client on its thread (cache_sort), is
 * joined in range order: the cache one pass gives.
 */
#define CACHE_PARTS	4
#define CACHE_PART_MIN	100000

struct cache_part {
	struct store		*st;		/* the caller's (store_job_begin) */
	const char		*before;
	long long		 from, to;
	struct scan_cache	 k;
	int			 rc;
	char			 err[256];
};

static void
cache_part_run(void *arg, int here)
{
	struct cache_part *p = arg;
	struct store *st;

	if (store_job_begin(p->st, here, &st, p->err, sizeof(p->err)) == -1) {
		p->rc = -1;
		return;
	}
	if (store_unpaid_range(st, p->from, p->to, p->before, cache_add, &p->k, p->err,
	    sizeof(p->err)) == -1) {
		if (p->k.oom)
			snprintf(p->err, sizeof(p->err), "out of memory");
		p->rc = -1;
	} else if (cache_sort(&p->k) == -1) {
		snprintf(p->err, sizeof(p->err), "out of memory");
		p->rc = -1;
	}
	store_job_end(p->st, st);
}

/* The parts' invoices, in range order, into the empty k. */
static int
cache_join(struct scan_cache *k, const struct cache_part *parts, size_t w)
{
	size_t n = 0;

	for (size_t i = 0; i < w; i++)
		n += parts[i].k.n;
	if (n > 0 && (k->v = reallocarray(NULL, n, sizeof(*k->v))) == NULL)
		return -1;
	k->cap = n;
	for (size_t i = 0; i < w; i++) {
		const struct scan_cache *pk = &parts[i].k;
		size_t base = k->text.len;

		for (size_t j = 0; j < pk->n; j++) {
			k->v[k->n] = pk->v[j];
			if (k->v[k->n].number != 0)
				k->v[k->n].number += base;
			k->n++;
		}
		if (pk->text.len > 0 && buf_add(&k->text, pk->text.data, pk->text.len) == -1)
			return -1;
	}
	return 0;
}

static int
cache_fill_parts(struct store *st, long before_day, struct scan_cache *k, char *err,
    size_t errlen)
{
	long least = clock_env_duration("CARTERA_PASS_MIN_CLIENTS", CACHE_PART_MIN, LONG_MAX);
	size_t w = workers_count(CACHE_PARTS);
	struct cache_part *parts;
	char before[16];
	long long maxid = 0;
	int rc = 0;

	if (w > 1 && store_client_max_id(st, &maxid, err, errlen) == -1)
		return -1;
	if (w == 1 || maxid < least * (long long)w)
		return cache_fill(st, before_day, 0, k, err, errlen);
	if ((parts = calloc(w, sizeof(*parts))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	clock_date_format(before_day, before, sizeof(before));
	for (size_t i = 0; i < w; i++) {
		parts[i].st = st;
		parts[i].before = before;
		parts[i].from = i == 0 ? LLONG_MIN :
		    1 + (long long)((double)maxid * (double)i / (double)w);
		parts[i].to = i + 1 == w ? LLONG_MAX :
		    1 + (long long)((double)maxid * (double)(i + 1) / (double)w);
	}
	workers_run(parts, w, sizeof(*parts), cache_part_run);
	for (size_t i = 0; i < w && rc == 0; i++)
		if (parts[i].rc != 0) {
			snprintf(err, errlen, "%s", parts[i].err);
			rc = -1;
		}
	if (rc == 0 && cache_join(k, parts, w) == -1) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	for (size_t i = 0; i < w; i++)
		cache_clear(&parts[i].k);
	free(parts);
	if (rc == -1) {
		cache_clear(k);
		return -1;
	}
	cache_index(k);
	return 0;
}

int
scan_cache_load(struct store *st, long before_day, struct scan_cache **out, char *err,
    size_t errlen)
{
	struct scan_cache *k;

	if ((k = calloc(1, sizeof(*k))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cache_fill_parts(st, before_day, k, err, errlen) == -1) {
		free(k);
		return -1;
	}
	*out = k;
	return 0;
}

void
scan_cache_free(struct scan_cache *k)
{
	if (k == NULL)
		return;
	cache_clear(k);
	free(k);
}

/* Index of the first invoice of client id in k (k->n if none). */
static size_t
cache_find(const struct scan_cache *k, long long id)
{
	size_t lo = 0, hi = k->n;

	if (k->first != NULL)
		return id < 0 || id > k->max_id || !(k->has[id / 64] & 1ULL << (id % 64)) ?
		    k->n : k->first[id] - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->v[mid].client_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < k->n && k->v[lo].client_id == id ? lo : k->n;
}

static int
cmp_invoice(const void *a, const void *b)
{
	const struct scan_invoice *x = a, *y = b;

	if (x->due_day != y->due_day)
		return x->due_day < y->due_day ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
add_total(struct scan_result *r, const char *currency, long long cents)
{
	struct scan_total *nv;

	for (size_t i = 0; i < r->ntotals; i++)
		if (strcmp(r->totals[i].currency, currency) == 0) {
			r->totals[i].cents += cents;
			r->totals[i].count++;
			return 0;
		}
	if ((nv = reallocarray(r->totals, r->ntotals + 1, sizeof(*nv))) == NULL)
		return -1;
	r->totals = nv;
	code_copy(nv[r->ntotals].currency, sizeof(nv->currency), currency);
	nv[r->ntotals].cents = cents;
	nv[r->ntotals].count = 1;
	r->ntotals++;
	return 0;
}

static int
cmp_total(const void *a, const void *b)
{
	const struct scan_total *x = a, *y = b;

	if (x->cents != y->cents)
		return x->cents > y->cents ? -1 : 1;
	return strcmp(x->currency, y->currency);
}

/*
 * iv into r->invoices: all of them (keep 0), else the keep most overdue,
 * a max-heap once full as list_add's.  Counted either way.
 */
static int
invoice_add(struct scan_result *r, size_t *cap, const struct scan_invoice *iv, size_t keep)
{
	r->invoices_count++;
	if (keep > 0 && r->ninvoices == keep) {
		heap_offer(r->invoices, sizeof(*iv), r->ninvoices, iv, cmp_invoice);
		return 0;
	}
	if (r->ninvoices == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct scan_invoice *nv = reallocarray(r->invoices, ncap, sizeof(*nv));

		if (nv == NULL)
			return -1;
		r->invoices = nv;
		*cap = ncap;
	}
	r->invoices[r->ninvoices++] = *iv;
	if (keep > 0 && r->ninvoices == keep)
		heap_make(r->invoices, sizeof(*iv), r->ninvoices, cmp_invoice);
	return 0;
}

/*
 * Client id's invoices overdue as of r->today (a lost client's too: they
 * still show) into r->invoices and the totals.  Returns the oldest one's
 * due day (-1 none), *oldest its entry.  -1 out of memory via *oom.
 */
static long
client_invoices(const struct scan_cache *k, long long id, struct scan_result *r, size_t *cap,
    size_t keep, const struct scan_due_inv **oldest, int *oom)
{
	long first = -1;

	*oldest = NULL;
	for (size_t i = cache_find(k, id); i < k->n && k->v[i].client_id == id; i++) {
		const struct scan_due_inv *d = &k->v[i];
		struct scan_invoice iv;

		if (d->due_day < 0 || d->due_day >= r->today)
			continue;
		memset(&iv, 0, sizeof(iv));
		iv.id = d->id;
		iv.client_id = id;
		iv.cents = d->cents;
		memcpy(iv.currency, d->currency, sizeof(iv.currency));
		iv.due_day = d->due_day;
		iv.days_overdue = r->today - d->due_day;
		iv.number = cache_number(k, d);	/* not copied: 178,000 at 1M clients */
		if (invoice_add(r, cap, &iv, keep) == -1 ||
		    add_total(r, iv.currency, iv.cents) == -1) {
			*oom = 1;
			return -1;
		}
		if (first < 0 || d->due_day < first || (d->due_day == first && d->id < (*oldest)->id)) {
			first = d->due_day;
			*oldest = d;
		}
	}
	return first;
}

/* ---- planned activities ------------------------------------------------- */

/* Every planned activity of the owner, and an index of them by client. */
struct plan_key {
	long long	 client_id;
	long		 day;
	size_t		 i;		/* into plans.v */
};

#define PLAN_BITS	65536

struct plans {
	struct scan_activity *v;	/* by start */
	size_t		 n, cap;
	struct plan_key	*by_client;	/* by client, then day */
	icaltimezone	*z;		/* the owner's zone */
	int		 oom;
	/* Bit (id % PLAN_BITS) set for each client with a plan: most
	 * clients have none, and one load says so where a binary search of
	 * the owner's plans took a tenth of a daily scan. */
	uint64_t	 has[PLAN_BITS / 64];
};

static void
activity_clear(struct scan_activity *a)
{
	free(a->tz);
	free(a->client_name);
	free(a->location);
	free(a->note);
	free(a->contact);
	free(a->phone);
	memset(a, 0, sizeof(*a));
}

static int
plan_add(const struct store_planned *p, void *arg)
{
	struct plans *pl = arg;
	struct scan_activity *a;

	if (pl->n == pl->cap) {
		size_t ncap = pl->cap ? pl->cap * 2 : 32;
		struct scan_activity *nv = reallocarray(pl->v, ncap, sizeof(*nv));
		if (nv == NULL) {
			pl->oom = 1;
			return -1;
		}
		pl->v = nv;
		pl->cap = ncap;
	}
	a = &pl->v[pl->n];
	memset(a, 0, sizeof(*a));
	a->id = p->id;
	a->client_id = p->client_id;
	code_copy(a->kind, sizeof(a->kind), p->kind ? p->kind : "call");
	a->start = p->start;
	a->duration = p->duration;
	if (p->day != NULL && (a->day = text_day(p->day)) >= 0)
		a->all_day = 1;
	else
		tz_local_day_z(pl->z, p->start, &a->day, NULL);
	pl->n++;
	return 0;
}

static int
cmp_plan_key(const void *a, const void *b)
{
	const struct plan_key *x = a, *y = b;

	if (x->client_id != y->client_id)
		return x->client_id < y->client_id ? -1 : 1;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static void
plans_free(struct plans *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		activity_clear(&pl->v[i]);
	free(pl->v);
	free(pl->by_client);
	memset(pl, 0, sizeof(*pl));
}

static size_t
plan_bit(long long id)
{
	return (size_t)((unsigned long long)id % PLAN_BITS);
}

static int
plans_index(struct plans *pl)
{
	size_t b;

	if (pl->n == 0)
		return 0;
	if ((pl->by_client = calloc(pl->n, sizeof(*pl->by_client))) == NULL)
		return -1;
	for (size_t i = 0; i < pl->n; i++) {
		pl->by_client[i].client_id = pl->v[i].client_id;
		pl->by_client[i].day = pl->v[i].day;
		pl->by_client[i].i = i;
		b = plan_bit(pl->v[i].client_id);
		pl->has[b / 64] |= 1ULL << b % 64;
	}
	qsort(pl->by_client, pl->n, sizeof(*pl->by_client), cmp_plan_key);
	return 0;
}

/* Client id's oldest plan before today and first on or after it (-1 none). */
static void
plans_of(const struct plans *pl, long long id, long today, long *missed, long long *missed_id,
    long *planned)
{
	size_t lo = 0, hi = pl->n, b;

	*missed = *planned = -1;
	*missed_id = 0;
	b = plan_bit(id);
	if (!(pl->has[b / 64] & 1ULL << b % 64))
		return;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pl->by_client[mid].client_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < pl->n && pl->by_client[lo].client_id == id; lo++) {
		const struct plan_key *k = &pl->by_client[lo];

		if (k->day < today) {
			if (*missed < 0) {
				*missed = k->day;
				*missed_id = pl->v[k->i].id;
			}
		} else {
			*planned = k->day;
			return;
		}
	}
}

/* Move the plans of [from, to] to the agenda, and those before from to the missed list. */
static int
plans_split(struct plans *pl, struct scan_result *r)
{
	size_t na = 0, nm = 0;

	for (size_t i = 0; i < pl->n; i++) {
		if (pl->v[i].day < r->today)
			nm++;
		else if (pl->v[i].day <= r->agenda_end)
			na++;
	}
	if ((nm > 0 && (r->missed = calloc(nm, sizeof(*r->missed))) == NULL) ||
	    (na > 0 && (r->activities = calloc(na, sizeof(*r->activities))) == NULL))
		return -1;
	for (size_t i = 0; i < pl->n; i++) {
		struct scan_activity *a = &pl->v[i];

		if (a->day < r->today)
			r->missed[r->nmissed++] = *a;
		else if (a->day <= r->agenda_end)
			r->activities[r->nactivities++] = *a;
		else
			continue;
		memset(a, 0, sizeof(*a));	/* moved */
	}
	return 0;
}

/* ---- the clients -------------------------------------------------------- */

/* The owner's few snoozed clients, those owed an answer, and those whose
 * way of ordering is known, by id. */
struct mark {
	long long	 id;
	time_t		 replied_at;	/* 0: none */
	int		 snoozed;
	enum scan_orders orders;
};

struct marks {
	struct mark	*v;
	size_t		 n, cap;
	int		 oom;
};

static int
mark_add(long long id, int snoozed, time_t replied_at, const char *orders, void *arg)
{
	struct marks *m = arg;

	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16;
		struct mark *nv = reallocarray(m->v, ncap, sizeof(*nv));
		if (nv == NULL) {
			m->oom = 1;
			return -1;
		}
		m->v = nv;
		m->cap = ncap;
	}
	m->v[m->n].id = id;
	m->v[m->n].snoozed = snoozed;
	m->v[m->n].replied_at = replied_at;
	m->v[m->n].orders = orders == NULL ? SCAN_ORDERS_UNSET :
	    strcmp(orders, "self") == 0 ? SCAN_ORDERS_SELF : SCAN_ORDERS_VISIT;
	m->n++;
	return 0;
}

static int
cmp_mark(const void *a, const void *b)
{
	const struct mark *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Sort by id and fold the entries a client may have into one. */
static void
marks_index(struct marks *m)
{
	size_t k = 0;

	if (m->n < 2)
		return;
	qsort(m->v, m->n, sizeof(*m->v), cmp_mark);
	for (size_t i = 0; i < m->n; i++) {
		if (k > 0 && m->v[k - 1].id == m->v[i].id) {
			m->v[k - 1].snoozed |= m->v[i].snoozed;
			if (m->v[i].replied_at != 0)
				m->v[k - 1].replied_at = m->v[i].replied_at;
			if (m->v[i].orders != SCAN_ORDERS_UNSET)
				m->v[k - 1].orders = m->v[i].orders;
		} else
			m->v[k++] = m->v[i];
	}
	m->n = k;
}

static const struct mark *
marks_find(const struct marks *m, long long id)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].id == id)
			return &m->v[mid];
		if (m->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * The details of the first n entries of a list (all when n is 0), read in
 * one statement per list: ids gathers them, b receives them.
 */
struct briefs {
	long long			*ids;
	struct store_client_brief	*b;
	struct store_activity_brief	*a;
	size_t				 cap;
};


struct scan_ctx {
	const struct config	*cfg;
	struct scan_rules	 rules;
	icaltimezone		*z;
	struct scan_result	*r;
	const struct scan_cache	*k;
	struct segs		 segs;
	struct plans		 plans;
	struct marks		 marks;
	struct workdays		 days;		/* the owner's */
	long			*holidays;	/* owned, when the owner has their own */
	size_t			 icap;
	struct briefs		 briefs;
	size_t			 keep;		/* list_add's: 0 all */
	char			*err;
	size_t			 errlen;
};

static int
scan_one(const struct store_scan_client *row, void *arg)
{
	struct scan_ctx *x = arg;
	struct scan_result *r = x->r;
	struct scan_facts f;
	struct scan_verdict v;
	struct scan_client c;
	const struct mark *mk = x->marks.n > 0 ? marks_find(&x->marks, row->id) : NULL;
	time_t replied_at = mk != NULL ? mk->replied_at : 0;
	const struct scan_due_inv *inv;
	long long act_id = 0;
	int oom = 0;

	memset(&f, 0, sizeof(f));
	f.unpaid_due_day = client_invoices(x->k, row->id, r, &x->icap, x->keep, &inv, &oom);
	if (oom)
		goto oom;
	f.lost = row->status != NULL && strcmp(row->status, "lost") == 0;
	if (f.lost)
		return 0;
	r->clients++;
	f.potential = record_status_is_potential(row->status);
	f.cadence = scan_cadence(x->cfg, row->cadence_days, row->segment_id > 0 ?
	    segment_days(&x->segs, row->segment_id) : 0, f.potential,
	    mk != NULL ? mk->orders : SCAN_ORDERS_UNSET);
	f.touched = row->last_touch_at != 0;
	tz_local_day_z(x->z, f.touched ? row->last_touch_at : row->created_at, &f.base_day,
	    NULL);
	f.waiting = row->last_outcome != NULL && strcmp(row->last_outcome, "waiting") == 0;
	f.replied_day = -1;
	if (replied_at != 0)
		tz_local_day_z(x->z, replied_at, &f.replied_day, NULL);
	f.next_day = text_day(row->next_contact);
	f.snoozed = mk != NULL && mk->snoozed;
	plans_of(&x->plans, row->id, r->today, &f.missed_day, &act_id, &f.planned_day);
	f.purchases = row->purchases;
	f.last_purchase_day = text_day(row->last_purchase);
	f.median_interval = row->median_interval;

	scan_classify(&x->rules, &f, r->today, &v);
	if (v.alert == SCAN_NONE && !v.inactive)
		return 0;	/* most clients: nothing to list */

	memset(&c, 0, sizeof(c));
	c.id = row->id;
	c.alert = v.alert;
	c.reason = v.reason;
	c.due_day = v.due_day;
	c.touch_day = f.touched ? f.base_day : -1;
	c.created_day = f.touched ? -1 : f.base_day;	/* only worded when never touched */
	c.last_touch_at = row->last_touch_at;
	c.cadence = f.cadence;
	c.next_day = f.next_day;
	c.planned_day = f.planned_day;
	c.replied_at = v.reason == SCAN_REPLIED ? replied_at : 0;
	if (v.reason == SCAN_INVOICE && inv != NULL) {
		/* Its line names it: with SCAN_TOP it may not be kept in r->invoices. */
		c.invoice.id = inv->id;
		c.invoice.cents = inv->cents;
		memcpy(c.invoice.currency, inv->currency, sizeof(c.invoice.currency));
		c.invoice.due_day = inv->due_day;
		c.invoice.number = cache_number(x->k, inv);
	}
	c.activity_id = v.reason == SCAN_MISSED ? act_id : 0;
	c.no_next_step = v.no_next_step;
	c.purchases = f.purchases;
	c.last_purchase_day = f.last_purchase_day;
	c.median_interval = f.median_interval;
	c.days_since = -1;
	if (v.alert != SCAN_NONE && list_add(v.alert == SCAN_RED ? &r->red :
	    v.alert == SCAN_YELLOW ? &r->yellow : &r->green, &c, x->keep,
	    scan_client_cmp_due) == -1)
		goto oom;
	if (v.inactive) {
		c.alert = SCAN_NONE;
		c.reason = v.inactive_reason;
		c.days_since = v.inactive_days;
		c.replied_at = 0;
		memset(&c.invoice, 0, sizeof(c.invoice));
		c.activity_id = 0;
		if (list_add(&r->inactive, &c, x->keep, cmp_inactive) == -1)
			goto oom;
	}
	return 0;
oom:
	snprintf(x->err, x->errlen, "out of memory");
	return -1;
}

static int
briefs_room(struct briefs *k, size_t n)
{
	long long *ni;
	struct store_client_brief *nb;
	struct store_activity_brief *na;

	if (n <= k->cap)
		return 0;
	if ((ni = reallocarray(k->ids, n, sizeof(*ni))) == NULL)
		return -1;
	k->ids = ni;
	if ((nb = reallocarray(k->b, n, sizeof(*nb))) == NULL)
		return -1;
	k->b = nb;
	if ((na = reallocarray(k->a, n, sizeof(*na))) == NULL)
		return -1;
	k->a = na;
	k->cap = n;
	return 0;
}

static int
client_details(struct store *st, struct briefs *k, struct scan_list *l, size_t n, char *err,
    size_t errlen)
{
	if (n == 0 || n > l->n)
		n = l->n;
	if (briefs_room(k, n) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		k->ids[i] = l->v[i].id;
	if (store_client_briefs(st, k->ids, n, k->b, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct scan_client *c = &l->v[i];
		struct store_client_brief *b = &k->b[i];

		c->name = b->name;
		c->status = b->status;
		c->segment = b->segment;
		c->contact = b->contact;
		c->phone = b->phone;
		c->email = b->email;
		c->last_touch_kind = b->last_touch_kind;
		c->last_outcome = b->last_outcome;
		c->city = b->city;
		c->reply_note = b->reply_note;
	}
	return 0;
}

static int
activity_details(struct store *st, struct briefs *k, struct scan_activity *v, size_t count,
    size_t n, char *err, size_t errlen)
{
	if (n == 0 || n > count)
		n = count;
	if (briefs_room(k, n) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		k->ids[i] = v[i].id;
	if (store_activity_briefs(st, k->ids, n, k->a, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		v[i].tz = k->a[i].tz;
		v[i].location = k->a[i].location;
		v[i].note = k->a[i].note;
		v[i].client_name = k->a[i].client_name;
		v[i].contact = k->a[i].contact;
		v[i].phone = k->a[i].phone;
	}
	return 0;
}

static int
invoice_details(struct store *st, struct briefs *k, struct scan_result *r, size_t n,
    char *err, size_t errlen)
{
	if (n == 0 || n > r->ninvoices)
		n = r->ninvoices;
	if (briefs_room(k, n) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		k->ids[i] = r->invoices[i].client_id;
	if (store_client_briefs(st, k->ids, n, k->b, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct scan_invoice *iv = &r->invoices[i];
		struct store_client_brief *b = &k->b[i];

		iv->client_name = b->name;
		iv->contact = b->contact;
		iv->phone = b->phone;
		iv->email = b->email;
		b->name = b->contact = b->phone = b->email = NULL;
		store_client_brief_clear(b);
	}
	return 0;
}

int
scan_run(struct store *st, const struct config *cfg, const struct owner *o, time_t now,
    size_t detail, const struct scan_cache *shared, struct scan_result *r, char *err,
    size_t errlen)
{
	struct scan_ctx x;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	memset(&x, 0, sizeof(x));
	if (detail & SCAN_TOP) {
		detail &= ~SCAN_TOP;
		x.keep = detail;
	}
	r->owner_id = o->id;
	r->now = now;
	if ((x.z = tz_ical(o->tz)) == NULL) {
		snprintf(err, errlen, "owner %s: unknown time zone \"%s\"", o->email, o->tz);
		return -1;
	}
	tz_local_day_z(x.z, now, &r->today, NULL);
	if (scan_workdays(cfg, o, &x.days, &x.holidays, err, errlen) == -1)
		return -1;
	/* The agenda: today and the days off that follow it, which have no
	 * digest of their own. */
	r->agenda_end = workdays_is_on(&x.days, r->today) ?
	    workdays_next(&x.days, r->today) - 1 : r->today;
	x.cfg = cfg;
	x.r = r;
	x.err = err;
	x.errlen = errlen;
	x.plans.z = x.z;
	x.segs.cfg = cfg;
	scan_rules_init(&x.rules, cfg, &x.days);
	scan_rules_today(&x.rules, r->today);
	/* Without a cache, this owner's invoices, kept with the result: the
	 * invoices' numbers point into it. */
	if (shared == NULL) {
		if ((r->own = calloc(1, sizeof(*r->own))) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (cache_fill(st, r->today, o->id, r->own, err, errlen) == -1)
			goto out;
	}
	x.k = shared != NULL ? shared : r->own;
	if (store_segment_each(st, seg_add, &x.segs, err, errlen) == -1) {
		if (x.segs.oom)
			snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (store_planned_each(st, o->id, plan_add, &x.plans, err, errlen) == -1) {
		if (x.plans.oom)
			snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (plans_index(&x.plans) == -1) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (store_scan_marks(st, o->id, mark_add, &x.marks, err, errlen) == -1) {
		if (x.marks.oom)
			snprintf(err, errlen, "out of memory");
		goto out;
	}
	marks_index(&x.marks);
	if (store_scan_clients(st, o->id, scan_one, &x, err, errlen) == -1)
		goto out;
	if (plans_split(&x.plans, r) == -1) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* qsort on an empty list may be handed NULL: undefined, so skip it. */
	if (r->ninvoices > 1)
		qsort(r->invoices, r->ninvoices, sizeof(*r->invoices), cmp_invoice);
	if (r->ntotals > 1)
		qsort(r->totals, r->ntotals, sizeof(*r->totals), cmp_total);
	sort_top(&r->red, detail, scan_client_cmp_due);
	sort_top(&r->yellow, detail, scan_client_cmp_due);
	sort_top(&r->green, detail, scan_client_cmp_due);
	sort_top(&r->inactive, detail, cmp_inactive);
	if (client_details(st, &x.briefs, &r->red, detail, err, errlen) == 0 &&
	    client_details(st, &x.briefs, &r->yellow, detail, err, errlen) == 0 &&
	    client_details(st, &x.briefs, &r->green, detail, err, errlen) == 0 &&
	    client_details(st, &x.briefs, &r->inactive, detail, err, errlen) == 0 &&
	    invoice_details(st, &x.briefs, r, detail, err, errlen) == 0 &&
	    activity_details(st, &x.briefs, r->missed, r->nmissed, detail, err, errlen) == 0 &&
	    activity_details(st, &x.briefs, r->activities, r->nactivities, 0, err,
	    errlen) == 0)
		rc = 0;
out:
	free(x.briefs.ids);
	free(x.briefs.b);
	free(x.briefs.a);
	plans_free(&x.plans);
	free(x.marks.v);
	free(x.holidays);
	free(x.segs.v);
	if (rc == -1)
		scan_free(r);
	return rc;
}

static void
list_free(struct scan_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct scan_client *c = &l->v[i];
		free(c->name);
		free(c->status);
		free(c->segment);
		free(c->contact);
		free(c->phone);
		free(c->email);
		free(c->last_touch_kind);
		free(c->last_outcome);
		free(c->city);
		free(c->reply_note);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
scan_free(struct scan_result *r)
{
	list_free(&r->red);
	list_free(&r->yellow);
	list_free(&r->green);
	list_free(&r->inactive);
	for (size_t i = 0; i < r->ninvoices; i++) {
		free(r->invoices[i].client_name);
		free(r->invoices[i].contact);
		free(r->invoices[i].phone);
		free(r->invoices[i].email);
	}
	free(r->invoices);
	free(r->totals);
	for (size_t i = 0; i < r->nactivities; i++)
		activity_clear(&r->activities[i]);
	free(r->activities);
	for (size_t i = 0; i < r->nmissed; i++)
		activity_clear(&r->missed[i]);
	free(r->missed);
	scan_cache_free(r->own);
	memset(r, 0, sizeof(*r));
}

/*
 * The pool: up to SCAN_POOL_THREADS jobs take the owners one at a time,
 * the next one not yet taken (a shared counter), so a thread slowed by
 * another process on its core does not hold the rest back; job 0 runs on
 * the caller's thread with the caller's connection, the others open their
 * own (read only).  At a million clients the scans are CPU work, and each
 * owner's result still lands in its own slot.
 */
#define SCAN_POOL_THREADS	4

struct pool_job {
	struct store		*st;		/* the caller's (store_job_begin) */
	const struct config	*cfg;
	const struct owner	*v;
	size_t			 n;
	size_t			*next;		/* shared: the next owner to take */
	const long		*day;
	size_t			 detail;
	const struct scan_cache	*k;
	scan_pool_fn		 fn;
	void			*arg;
	int			 rc;
	char			 err[512];
};

/* One owner: the scan at its instant, handed to the caller's function. */
static int
pool_one(struct store *st, const struct pool_job *j, size_t i, char *err, size_t errlen)
{
	const struct owner *o = &j->v[i];
	struct scan_result r;
	time_t now = clock_now();
	int min, rc;

	if (j->day != NULL) {
		/* The digest of that day, as it is computed at the owner's digest time. */
		if (clock_hhmm_parse(o->digest_at, &min) == -1 ||
		    tz_to_utc(o->tz, *j->day, min, &now) == -1) {
			snprintf(err, errlen, "owner %s: bad date, time or zone", o->email);
			return -1;
		}
	}
	if (scan_run(st, j->cfg, o, now, j->detail, j->k, &r, err, errlen) == -1)
		return -1;
	rc = j->fn(i, o, &r, j->arg, err, errlen);
	scan_free(&r);
	return rc;
}

static void
pool_worker(void *arg, int here)
{
	struct pool_job *j = arg;
	struct store *st;

	if (store_job_begin(j->st, here, &st, j->err, sizeof(j->err)) == -1) {
		j->rc = -1;
		return;
	}
	for (size_t i; j->rc == 0 && (i = __atomic_fetch_add(j->next, 1, __ATOMIC_RELAXED)) < j->n;)
		j->rc = pool_one(st, j, i, j->err, sizeof(j->err));
	store_job_end(j->st, st);
}

int
scan_pool_run(struct store *st, const struct config *cfg, const struct owner *v, size_t n,
    const long *day, size_t detail, const struct scan_cache *k, scan_pool_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct pool_job jobs[SCAN_POOL_THREADS];
	size_t w = workers_count(SCAN_POOL_THREADS), next = 0;
	int rc = 0;

	if (w > n)
		w = n ? n : 1;
	/* Zones loaded here, before any thread runs (libical loads lazily). */
	tz_ical("UTC");
	for (size_t i = 0; w > 1 && i < n; i++)
		tz_ical(v[i].tz);
	for (size_t i = 0; i < w; i++)
		jobs[i] = (struct pool_job){ st, cfg, v, n, &next,
		    day, detail, k, fn, arg, 0, "" };
	workers_run(jobs, w, sizeof(jobs[0]), pool_worker);
	for (size_t i = 0; i < w && rc == 0; i++)
		if (jobs[i].rc != 0) {
			snprintf(err, errlen, "%s", jobs[i].err);
			rc = -1;
		}
	return rc;
}
