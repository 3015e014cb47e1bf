/*
 * scan.c - decide who needs attention: due, red/yellow/green, going
 * inactive, overdue invoices, today's plans.
 *
 * One range scan of the owner's clients (the derived columns kept by the
 * store's triggers make that enough), one of unpaid invoices (or a cache
 * of everyone's, when every owner is scanned) and one of the day's
 * activities; the rules run in C over each row.  Reads only.
 */
#include "build.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libical/ical.h>

#include "clock.h"
#include "scan.h"
#include "tz.h"

int
scan_cadence(const struct config *cfg, int client_days, int segment_days, int potential)
{
	if (client_days > 0)
		return client_days;
	if (potential)
		return cfg->cadence.potential_days;
	if (segment_days > 0)
		return segment_days;
	return cfg->cadence.default_days;
}

/* Segment id -> its cadence (config override, else the table, else 0). */
struct segcad {
	long long	 id;
	int		 days;
};

static int
load_segments(struct store *st, const struct config *cfg, struct segcad **out,
    size_t *n, char *err, size_t errlen)
{
	static const char sql[] = "SELECT id, name, cadence_days FROM segments ORDER BY id";
	sqlite3_stmt *s;
	struct segcad *v = NULL, *nv;
	size_t cnt = 0;
	int rc;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 1);
		int d = config_segment_days(cfg, name);

		if ((nv = reallocarray(v, cnt + 1, sizeof(*v))) == NULL) {
			sqlite3_reset(s);
			free(v);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		v = nv;
		v[cnt].id = sqlite3_column_int64(s, 0);
		v[cnt].days = d > 0 ? d : sqlite3_column_int(s, 2);
		cnt++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_fail(st, err, errlen, "reading segments");
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int
segment_days(const struct segcad *v, size_t n, long long id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {	/* ids are sorted */
		size_t mid = (lo + hi) / 2;
		if (v[mid].id == id)
			return v[mid].days;
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int
list_add(struct scan_list *l, const struct scan_client *c)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct scan_client *nv = reallocarray(l->v, cap, sizeof(*nv));
		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = *c;
	return 0;
}

/* "YYYY-MM-DD" column to a day number, -1 if NULL or malformed. */
static long
col_day(sqlite3_stmt *s, int col)
{
	const char *t = (const char *)sqlite3_column_text(s, col);
	long d;

	if (t == NULL || clock_date_parse(t, &d) == -1)
		return -1;
	return d;
}

static int
cmp_due(const void *a, const void *b)
{
	const struct scan_client *x = a, *y = b;

	if (x->due_day != y->due_day)
		return x->due_day < y->due_day ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
cmp_waiting(const void *a, const void *b)
{
	const struct scan_client *x = a, *y = b;

	if (x->touch_day != y->touch_day)
		return x->touch_day < y->touch_day ? -1 : 1;
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

/* Sift v[i] down the max-heap v[0..n) ordered by cmp. */
static void
sift_down(struct scan_client *v, size_t n, size_t i,
    int (*cmp)(const void *, const void *))
{
	for (;;) {
		size_t l = 2 * i + 1, big = i;
		struct scan_client t;

		if (l < n && cmp(&v[l], &v[big]) > 0)
			big = l;
		if (l + 1 < n && cmp(&v[l + 1], &v[big]) > 0)
			big = l + 1;
		if (big == i)
			return;
		t = v[i];
		v[i] = v[big];
		v[big] = t;
		i = big;
	}
}

/*
 * Put the k first entries of l by cmp in order at its front (all of them
 * when k is 0); the rest stay in no particular order.  A digest shows
 * the first few of lists thousands long: a heap of k over the list is
 * far cheaper than sorting it all.
 */
static void
sort_top(struct scan_list *l, size_t k, int (*cmp)(const void *, const void *))
{
	struct scan_client *v = l->v;

	if (l->n < 2)		/* qsort(NULL, 0, ...) is undefined */
		return;
	if (k == 0 || k >= l->n / 2) {
		qsort(v, l->n, sizeof(*v), cmp);
		return;
	}
	for (size_t i = k / 2; i-- > 0;)
		sift_down(v, k, i, cmp);
	for (size_t i = k; i < l->n; i++)
		if (cmp(&v[i], &v[0]) < 0) {
			struct scan_client t = v[0];

			v[0] = v[i];
			v[i] = t;
			sift_down(v, k, 0, cmp);
		}
	qsort(v, k, sizeof(*v), cmp);
}

static int
dup_col(sqlite3_stmt *s, int col, char **out)
{
	return store_dup_col(s, col, out);
}

/*
 * Unpaid invoices due before a day, sorted by client (the index's order):
 * scan_clients() looks each client's up as it reads the client.  Loaded
 * for one owner by scan_run(), or for everyone at once by
 * scan_cache_load() when every owner is scanned (one pass over the
 * unpaid-invoice index instead of a seek per client per owner).
 */
struct scan_due_inv {
	long long	 id, client_id, cents;
	long		 due_day;
	char		 currency[4];
	char		*number;	/* owned */
};

struct scan_cache {
	struct scan_due_inv *v;
	size_t		 n, cap;
};

static const char inv_all_sql[] =
    "SELECT client_id, id, amount_cents, currency, due, number"
    " FROM invoices INDEXED BY invoices_unpaid_client"
    " WHERE paid_at IS NULL AND due < ?1 ORDER BY client_id";
static const char inv_owner_sql[] =
    "SELECT i.client_id, i.id, i.amount_cents, i.currency, i.due, i.number"
    " FROM invoices i JOIN clients c ON c.id = i.client_id"
    " WHERE i.paid_at IS NULL AND i.due < ?1 AND c.owner_id = ?2"
    " ORDER BY i.client_id";

static void
cache_clear(struct scan_cache *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].number);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

/* Run sql (owner bound when > 0) into k; rows arrive sorted by client. */
static int
cache_fill(struct store *st, const char *sql, long before_day, long long owner,
    struct scan_cache *k, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	char before[11];
	int rc;

	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, clock_date_format(before_day, before, sizeof(before)), -1,
	    SQLITE_TRANSIENT);
	if (owner > 0)
		sqlite3_bind_int64(s, 2, owner);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct scan_due_inv *iv;
		const char *cur = (const char *)sqlite3_column_text(s, 3);

		if (k->n == k->cap) {
			size_t ncap = k->cap ? k->cap * 2 : 64;
			struct scan_due_inv *nv = reallocarray(k->v, ncap, sizeof(*nv));
			if (nv == NULL)
				goto oom;
			k->v = nv;
			k->cap = ncap;
		}
		iv = &k->v[k->n];
		iv->client_id = sqlite3_column_int64(s, 0);
		iv->id = sqlite3_column_int64(s, 1);
		iv->cents = sqlite3_column_int64(s, 2);
		snprintf(iv->currency, sizeof(iv->currency), "%s", cur ? cur : "EUR");
		iv->due_day = col_day(s, 4);
		if (dup_col(s, 5, &iv->number) == -1)
			goto oom;
		k->n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		cache_clear(k);
		return store_fail(st, err, errlen, "reading overdue invoices");
	}
	return 0;
oom:
	sqlite3_reset(s);
	cache_clear(k);
	snprintf(err, errlen, "out of memory");
	return -1;
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
	if (cache_fill(st, inv_all_sql, before_day, 0, k, err, errlen) == -1) {
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

/*
 * Add client id's invoices overdue as of r->today to r->invoices.  1 and
 * *red_day when one is overdue by more than alerts.overdue_invoice_days
 * (the day the oldest such passed that threshold), 0 if none, -1 out of
 * memory.
 */
static int
client_invoices(const struct scan_cache *k, const struct config *cfg, long long id,
    struct scan_result *r, size_t *cap, long *red_day)
{
	int red = 0;

	for (size_t i = cache_find(k, id); i < k->n && k->v[i].client_id == id; i++) {
		const struct scan_due_inv *d = &k->v[i];
		struct scan_invoice *iv;

		if (d->due_day < 0 || d->due_day >= r->today)
			continue;
		if (r->ninvoices == *cap) {
			size_t ncap = *cap ? *cap * 2 : 32;
			struct scan_invoice *nv = reallocarray(r->invoices, ncap, sizeof(*nv));
			if (nv == NULL)
				return -1;
			r->invoices = nv;
			*cap = ncap;
		}
		iv = &r->invoices[r->ninvoices];
		memset(iv, 0, sizeof(*iv));
		iv->id = d->id;
		iv->client_id = id;
		iv->cents = d->cents;
		memcpy(iv->currency, d->currency, sizeof(iv->currency));
		iv->due_day = d->due_day;
		iv->days_overdue = r->today - d->due_day;
		if (d->number != NULL && (iv->number = strdup(d->number)) == NULL)
			return -1;
		r->ninvoices++;
		if (strcmp(iv->currency, "EUR") == 0)
			r->overdue_cents += iv->cents;
		if (iv->days_overdue > cfg->alerts.overdue_invoice_days) {
			long day = d->due_day + cfg->alerts.overdue_invoice_days + 1;
			if (!red || day < *red_day)
				*red_day = day;
			red = 1;
		}
	}
	return red;
}

/*
 * The owner's clients, one range of the clients_scan index; the rules run
 * on each row, and its overdue invoices are taken from k.  Lost clients
 * are read for their invoices only.
 */
static int
scan_clients(struct store *st, const struct config *cfg, icaltimezone *z,
    struct scan_result *r, const struct scan_cache *k, size_t detail, char *err,
    size_t errlen)
{
	static const char sql[] =
	    "SELECT id, status, segment_id, cadence_days, next_contact, last_touch_at,"
	    " last_outcome, purchases, last_purchase, median_interval, created_at"
	    " FROM clients WHERE owner_id = ?";
	struct segcad *segs = NULL;
	size_t nsegs = 0, icap = 0;
	sqlite3_stmt *s;
	long today = r->today;
	int rc;

	if (load_segments(st, cfg, &segs, &nsegs, err, errlen) == -1)
		return -1;
	if ((s = store_stmt(st, sql, err, errlen)) == NULL) {
		free(segs);
		return -1;
	}
	sqlite3_bind_int64(s, 1, r->owner_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct scan_client c;
		const char *status = (const char *)sqlite3_column_text(s, 1);
		const char *outcome = (const char *)sqlite3_column_text(s, 6);
		int potential = status != NULL && status[0] == 'p';
		long base_day, nc_day, due_day, red_day = 0;
		time_t base;
		int waiting, inv_red;

		memset(&c, 0, sizeof(c));
		c.id = sqlite3_column_int64(s, 0);
		if ((inv_red = client_invoices(k, cfg, c.id, r, &icap, &red_day)) == -1)
			goto oom;
		if (status != NULL && strcmp(status, "lost") == 0)
			continue;
		r->clients++;
		c.cadence = scan_cadence(cfg, sqlite3_column_int(s, 3),
		    sqlite3_column_type(s, 2) == SQLITE_NULL ? 0 :
		    segment_days(segs, nsegs, sqlite3_column_int64(s, 2)), potential);
		c.last_touch_at = sqlite3_column_int64(s, 5);
		base = c.last_touch_at ? c.last_touch_at : (time_t)sqlite3_column_int64(s, 10);
		tz_local_day_z(z, base, &base_day, NULL);
		c.touch_day = c.last_touch_at ? base_day : -1;
		due_day = base_day + c.cadence;
		nc_day = col_day(s, 4);
		c.purchases = sqlite3_column_int(s, 7);
		c.last_purchase_day = col_day(s, 8);
		c.median_interval = sqlite3_column_double(s, 9);

		/* Alert: red beats green beats yellow; see scan.h. */
		waiting = outcome != NULL && strcmp(outcome, "waiting") == 0 &&
		    c.touch_day >= 0 && today - c.touch_day < cfg->alerts.waiting_days;
		c.due_day = nc_day >= 0 && nc_day < due_day ? nc_day : due_day;
		if (inv_red) {
			/* Due since its invoice passed the threshold, not on a
			 * cadence date that may lie ahead. */
			c.alert = SCAN_RED;
			c.reason = SCAN_INVOICE;
			c.due_day = red_day;
		} else if (nc_day >= 0 && nc_day <= today) {
			c.alert = SCAN_RED;
			c.reason = SCAN_NEXT_CONTACT;
			c.due_day = nc_day;
		} else if (waiting) {
			c.alert = SCAN_GREEN;
			c.reason = SCAN_WAITING;
		} else if (c.due_day <= today) {
			c.alert = SCAN_RED;
			c.reason = c.due_day == nc_day ? SCAN_NEXT_CONTACT : SCAN_CADENCE;
		} else if (c.due_day <= today + cfg->alerts.yellow_days) {
			c.alert = SCAN_YELLOW;
			c.reason = c.due_day == nc_day ? SCAN_NEXT_CONTACT : SCAN_CADENCE;
		}
		if (c.alert != SCAN_NONE) {
			struct scan_list *l = c.alert == SCAN_RED ? &r->red :
			    c.alert == SCAN_YELLOW ? &r->yellow : &r->green;
			if (list_add(l, &c) == -1)
				goto oom;
		}

		/* Going inactive: measured against the client's own rhythm. */
		if (!potential) {
			struct scan_client in = c;
			long ds;

			in.alert = SCAN_NONE;
			in.days_since = -1;
			if (c.purchases >= 2 && c.median_interval > 0 && c.last_purchase_day >= 0) {
				ds = today - c.last_purchase_day;
				if (ds > cfg->inactive.factor * c.median_interval &&
				    ds > cfg->inactive.min_days) {
					in.reason = SCAN_RHYTHM;
					in.days_since = ds;
				}
			} else if (c.purchases == 1 && c.last_purchase_day >= 0) {
				ds = today - c.last_purchase_day;
				if (ds > cfg->inactive.single_purchase_days) {
					in.reason = SCAN_SINGLE;
					in.days_since = ds;
				}
			}
			if (in.days_since < 0 && today - base_day > cfg->inactive.no_contact_days) {
				in.reason = SCAN_NO_CONTACT;
				in.days_since = today - base_day;
			}
			if (in.days_since >= 0 && list_add(&r->inactive, &in) == -1)
				goto oom;
		}
	}
	sqlite3_reset(s);
	free(segs);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, errlen, "reading clients");
	/* qsort on an empty list may be handed NULL: undefined, so skip it. */
	if (r->ninvoices > 1)
		qsort(r->invoices, r->ninvoices, sizeof(*r->invoices), cmp_invoice);
	sort_top(&r->red, detail, cmp_due);
	sort_top(&r->yellow, detail, cmp_due);
	sort_top(&r->green, detail, cmp_waiting);
	sort_top(&r->inactive, detail, cmp_inactive);
	return 0;
oom:
	sqlite3_reset(s);
	free(segs);
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Names and primary contact of the first n clients of a list. */
static int
client_details(struct store *st, struct scan_list *l, size_t n, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT c.name, c.status, s.name, p.name, p.phone, p.email,"
	    " c.last_touch_kind, c.last_outcome, c.city"
	    " FROM clients c LEFT JOIN segments s ON s.id = c.segment_id"
	    " LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"
	    " WHERE c.id = ?";
	sqlite3_stmt *s;

	if (n == 0 || n > l->n)
		n = l->n;
	for (size_t i = 0; i < n; i++) {
		struct scan_client *c = &l->v[i];
		int rc;

		if ((s = store_stmt(st, sql, err, errlen)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, c->id);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && (dup_col(s, 0, &c->name) == -1 ||
		    dup_col(s, 1, &c->status) == -1 || dup_col(s, 2, &c->segment) == -1 ||
		    dup_col(s, 3, &c->contact) == -1 || dup_col(s, 4, &c->phone) == -1 ||
		    dup_col(s, 5, &c->email) == -1 || dup_col(s, 6, &c->last_touch_kind) == -1 ||
		    dup_col(s, 7, &c->last_outcome) == -1 || dup_col(s, 8, &c->city) == -1))
			rc = SQLITE_NOMEM;
		sqlite3_reset(s);
		if (rc != SQLITE_ROW)
			return store_fail(st, err, errlen, "reading client details");
	}
	return 0;
}

static int
invoice_details(struct store *st, struct scan_result *r, size_t n, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT c.name, p.name, p.phone, p.email FROM clients c"
	    " LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1 WHERE c.id = ?";
	sqlite3_stmt *s;

	if (n == 0 || n > r->ninvoices)
		n = r->ninvoices;
	for (size_t i = 0; i < n; i++) {
		struct scan_invoice *iv = &r->invoices[i];
		int rc;

		if ((s = store_stmt(st, sql, err, errlen)) == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, iv->client_id);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW && (dup_col(s, 0, &iv->client_name) == -1 ||
		    dup_col(s, 1, &iv->contact) == -1 || dup_col(s, 2, &iv->phone) == -1 ||
		    dup_col(s, 3, &iv->email) == -1))
			rc = SQLITE_NOMEM;
		sqlite3_reset(s);
		if (rc != SQLITE_ROW)
			return store_fail(st, err, errlen, "reading invoice details");
	}
	return 0;
}

static int
scan_activities(struct store *st, icaltimezone *z, struct scan_result *r,
    char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT a.id, a.client_id, a.kind, a.start_at, a.duration_min, a.tz, c.name,"
	    " a.location, a.note, p.name, p.phone"
	    " FROM activities a JOIN clients c ON c.id = a.client_id"
	    " LEFT JOIN contacts p ON p.client_id = c.id AND p.is_primary = 1"
	    " WHERE a.owner_id = ?1 AND a.start_at >= ?2 AND a.start_at < ?3"
	    " AND a.status = 'planned' ORDER BY a.start_at, a.id";
	sqlite3_stmt *s;
	time_t from, to;
	size_t cap = 0;
	int rc;

	from = 0;
	to = 0;
	if (tz_day_start(icaltimezone_get_location(z) ? icaltimezone_get_location(z) : "UTC",
	    r->today, &from) == -1 ||
	    tz_day_start(icaltimezone_get_location(z) ? icaltimezone_get_location(z) : "UTC",
	    r->today + 1, &to) == -1) {
		snprintf(err, errlen, "time zone conversion failed");
		return -1;
	}
	if ((s = store_stmt(st, sql, err, errlen)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, r->owner_id);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct scan_activity *a;
		const char *kind = (const char *)sqlite3_column_text(s, 2);

		if (r->nactivities == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct scan_activity *nv = reallocarray(r->activities, ncap, sizeof(*nv));
			if (nv == NULL)
				goto oom;
			r->activities = nv;
			cap = ncap;
		}
		a = &r->activities[r->nactivities++];
		memset(a, 0, sizeof(*a));
		a->id = sqlite3_column_int64(s, 0);
		a->client_id = sqlite3_column_int64(s, 1);
		snprintf(a->kind, sizeof(a->kind), "%s", kind ? kind : "call");
		a->start = sqlite3_column_int64(s, 3);
		a->duration = sqlite3_column_int(s, 4);
		if (dup_col(s, 5, &a->tz) == -1 || dup_col(s, 6, &a->client_name) == -1 ||
		    dup_col(s, 7, &a->location) == -1 || dup_col(s, 8, &a->note) == -1 ||
		    dup_col(s, 9, &a->contact) == -1 || dup_col(s, 10, &a->phone) == -1)
			goto oom;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, err, errlen, "reading activities");
	return 0;
oom:
	sqlite3_reset(s);
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
scan_run(struct store *st, const struct config *cfg, const struct owner *o, time_t now,
    size_t detail, const struct scan_cache *shared, struct scan_result *r, char *err,
    size_t errlen)
{
	struct scan_cache own = { NULL, 0, 0 };
	icaltimezone *z;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->owner_id = o->id;
	r->now = now;
	if ((z = tz_ical(o->tz)) == NULL) {
		snprintf(err, errlen, "owner %s: unknown time zone \"%s\"", o->email, o->tz);
		return -1;
	}
	tz_local_day_z(z, now, &r->today, NULL);
	if ((shared != NULL || cache_fill(st, inv_owner_sql, r->today, o->id, &own, err,
	    errlen) == 0) &&
	    scan_clients(st, cfg, z, r, shared != NULL ? shared : &own, detail, err,
	    errlen) == 0 &&
	    client_details(st, &r->red, detail, err, errlen) == 0 &&
	    client_details(st, &r->yellow, detail, err, errlen) == 0 &&
	    client_details(st, &r->green, detail, err, errlen) == 0 &&
	    client_details(st, &r->inactive, detail, err, errlen) == 0 &&
	    invoice_details(st, r, detail, err, errlen) == 0 &&
	    scan_activities(st, z, r, err, errlen) == 0)
		rc = 0;
	cache_clear(&own);
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
		free(r->invoices[i].number);
		free(r->invoices[i].client_name);
		free(r->invoices[i].contact);
		free(r->invoices[i].phone);
		free(r->invoices[i].email);
	}
	free(r->invoices);
	for (size_t i = 0; i < r->nactivities; i++) {
		struct scan_activity *a = &r->activities[i];
		free(a->tz);
		free(a->client_name);
		free(a->location);
		free(a->note);
		free(a->contact);
		free(a->phone);
	}
	free(r->activities);
	memset(r, 0, sizeof(*r));
}

/*
 * The pool: owners are dealt round-robin to up to SCAN_POOL_THREADS jobs;
 * job 0 runs on the caller's thread with the caller's connection, the
 * others open their own (read only).  At a million clients the scans are
 * CPU work, and each owner's result still lands in its own slot.
 */
#define SCAN_POOL_THREADS	4

struct pool_job {
	struct store		*st;		/* NULL: open db read-only */
	const char		*db;
	const struct config	*cfg;
	const struct owner	*v;
	size_t			 n, first, step;
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

static void *
pool_worker(void *arg)
{
	struct pool_job *j = arg;
	struct store *st = j->st;

	if (st == NULL && store_open(j->db, STORE_READONLY, &st, j->err,
	    sizeof(j->err)) == -1) {
		j->rc = -1;
		return NULL;
	}
	for (size_t i = j->first; i < j->n && j->rc == 0; i += j->step)
		j->rc = pool_one(st, j, i, j->err, sizeof(j->err));
	if (st != j->st)
		store_close(st);
	return NULL;
}

int
scan_pool_run(struct store *st, const struct config *cfg, const struct owner *v, size_t n,
    const long *day, size_t detail, const struct scan_cache *k, scan_pool_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct pool_job jobs[SCAN_POOL_THREADS];
	pthread_t tid[SCAN_POOL_THREADS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t w = cpus > 1 ? (size_t)cpus : 1, started = 1;
	int rc = 0;

	if (w > SCAN_POOL_THREADS)
		w = SCAN_POOL_THREADS;
	if (w > n)
		w = n ? n : 1;
	/* Zones loaded here, before any thread runs (libical loads lazily). */
	tz_ical("UTC");
	for (size_t i = 0; w > 1 && i < n; i++)
		tz_ical(v[i].tz);
	for (size_t i = 0; i < w; i++)
		jobs[i] = (struct pool_job){ i == 0 ? st : NULL, store_path(st), cfg, v, n, i,
		    w, day, detail, k, fn, arg, 0, "" };
	for (size_t i = 1; i < w; i++, started++)
		if (pthread_create(&tid[i], NULL, pool_worker, &jobs[i]) != 0)
			break;
	/* Threads that could not start: their owners are done here. */
	for (size_t i = started; i < w; i++)
		jobs[i].st = st;
	pool_worker(&jobs[0]);
	for (size_t i = started; i < w; i++)
		pool_worker(&jobs[i]);
	for (size_t i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
	for (size_t i = 0; i < w && rc == 0; i++)
		if (jobs[i].rc != 0) {
			snprintf(err, errlen, "%s", jobs[i].err);
			rc = -1;
		}
	return rc;
}
