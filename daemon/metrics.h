/*
 * metrics.h - counters the daemon keeps for /metrics and its logs.
 *
 * Written by the scheduler thread, read by the HTTP thread: every field
 * is a relaxed atomic, so a reader may see a counter a moment late but
 * never torn.  No logic here.
 */
#ifndef CARTERA_METRICS_H
#define CARTERA_METRICS_H

#include <stdatomic.h>

struct buf;

struct metrics {
	atomic_llong	 digests_queued;
	atomic_llong	 digests_sent;
	atomic_llong	 mails_sent;
	atomic_llong	 smtp_temp_errors;	/* 4xx replies */
	atomic_llong	 smtp_perm_errors;	/* 5xx replies */
	atomic_llong	 smtp_conn_errors;	/* unreachable, TLS, login */
	atomic_llong	 smtp_connections;
	atomic_llong	 outbox_pending;
	atomic_llong	 outbox_failed;
	atomic_llong	 scans;
	atomic_llong	 scan_errors;
	atomic_llong	 scan_usec_last;	/* duration of the last full scan */
	atomic_llong	 scan_ok_at;		/* epoch of the last successful cycle */
	atomic_llong	 cycle_at;		/* epoch the scheduler last ran */
	atomic_llong	 feed_requests;
	atomic_llong	 feed_not_modified;
	atomic_llong	 feed_not_found;
	atomic_llong	 feed_builds;
	atomic_llong	 feed_build_usec_last;
	atomic_llong	 http_requests;
	atomic_llong	 http_bad_requests;	/* answered 400 by Cartera's own checks */
	atomic_llong	 http_closed_deadline;	/* request not received in time */
	atomic_llong	 http_closed_room;	/* closed to make room */
	atomic_llong	 http_busy;		/* answered 503: no room */
	atomic_llong	 unsubscribe_requests;	/* POSTs with a known token */
	atomic_llong	 unsubscribe_not_found;	/* POSTs with an unknown token */
	atomic_llong	 unsubscribe_limited;	/* POSTs answered 429 */
	atomic_int	 store_ok;		/* 1 when the last store access worked */
	/* More families, written by their owner (mail-in's mailboxes), called
	 * by the HTTP thread; set before the HTTP server starts, or NULL. */
	void		(*more)(void *arg, struct buf *out);
	void		*more_arg;
};

#define METRIC_ADD(m, field, n)	atomic_fetch_add_explicit(&(m)->field, (n), memory_order_relaxed)
#define METRIC_SET(m, field, v)	atomic_store_explicit(&(m)->field, (v), memory_order_relaxed)
#define METRIC_GET(m, field)	atomic_load_explicit(&(m)->field, memory_order_relaxed)

#endif
