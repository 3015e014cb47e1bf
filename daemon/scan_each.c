/*
 * scan_each.c - the scan of every owner: the one loop the digest
 * scheduler, "cartera due", the reports and the feeds share.
 *
 * It loads the owners (all active ones, or the one asked for), lets the
 * caller pick whom to scan and at which instant, reads everyone's overdue
 * invoices once when more than one owner is scanned, scans each (in this
 * thread, or on scan_pool_run's threads) and hands each result to the
 * caller.  Part of the scan module: it decides nothing itself and never
 * writes.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "nls.h"
#include "scan.h"

/* scan_pool_run's callback: owner i of the picked ones is owner idx[i]. */
struct each_pool {
	const struct scan_each	*e;
	const size_t		*idx;
};

static int
pool_fn(size_t i, const struct owner *o, const struct scan_result *r, void *arg,
    char *err, size_t errlen)
{
	const struct each_pool *p = arg;

	return p->e->fn(p->idx[i], o, r, p->e->arg, err, errlen) == 0 ? 0 : -1;
}

static int
load_owners(struct store *st, const char *email, struct owner **v, size_t *n,
    char *err, size_t errlen)
{
	int rc;

	if (email == NULL)
		return store_owner_load(st, 1, v, n, err, errlen);
	*n = 0;
	if ((*v = calloc(1, sizeof(**v))) == NULL) {
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	if ((rc = store_owner_get(st, email, *v, err, errlen)) == 0) {
		*n = 1;
		return 0;
	}
	if (rc == 1)
		snprintf(err, errlen, _("no owner with email %s"), email);
	free(*v);
	*v = NULL;
	return -1;
}

int
scan_each_owner(struct store *st, const struct config *cfg, struct scan_each *e,
    char *err, size_t errlen)
{
	struct scan_cache *cache = NULL;
	struct owner *v = NULL, *pv = NULL;
	size_t n = 0, np = 0, *idx = NULL;
	time_t *at = NULL, latest = e->now;
	char why[1024];
	int rc = -1, stop = 0;

	if (load_owners(st, e->owner, &v, &n, err, errlen) == -1)
		return -1;
	if ((at = calloc(n ? n : 1, sizeof(*at))) == NULL ||
	    (idx = calloc(n ? n : 1, sizeof(*idx))) == NULL ||
	    (pv = calloc(n ? n : 1, sizeof(*pv))) == NULL) {
		snprintf(err, errlen, _("out of memory"));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int pick;

		at[i] = e->now;
		pick = e->pick != NULL ? e->pick(i, &v[i], &at[i], e->arg) : 1;
		if (pick == -1) {
			snprintf(err, errlen, _("out of memory"));
			goto out;
		}
		if (!pick)
			continue;
		if (at[i] > latest)
			latest = at[i];
		idx[np] = i;
		pv[np++] = v[i];	/* shallow: v owns the strings */
	}
	/* More than one scan: everyone's overdue invoices in one pass (one
	 * range of the unpaid-invoice index instead of a seek per client);
	 * without them (out of memory) each scan reads its owner's own. */
	if (np > 1 && scan_cache_load(st, e->day != NULL ? *e->day + 2 : scan_cache_day(latest),
	    &cache, why, sizeof(why)) == -1)
		log_warnx("%s; reading overdue invoices owner by owner", why);
	if (e->threads && np > 0) {
		struct each_pool p = { e, idx };

		if (scan_pool_run(st, cfg, pv, np, e->day, e->detail, cache, pool_fn, &p, err,
		    errlen) == -1)
			goto out;
	} else {
		for (size_t k = 0; k < np && !stop; k++) {
			size_t i = idx[k];
			struct scan_result r;
			long long t0 = clock_mono_us();
			int ok;

			ok = scan_run(st, cfg, &v[i], at[i], e->detail, cache, &r, err, errlen);
			e->usec = clock_mono_us() - t0;
			stop = e->fn(i, &v[i], ok == 0 ? &r : NULL, e->arg, err, errlen);
			if (ok == 0)
				scan_free(&r);
			if (stop == -1)
				goto out;
		}
	}
	if (e->done != NULL && e->done(v, n, cache, e->arg, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	scan_cache_free(cache);
	free(pv);
	free(idx);
	free(at);
	for (size_t i = 0; i < n; i++)
		store_owner_clear(&v[i]);
	free(v);
	return rc;
}
