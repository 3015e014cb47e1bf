/*
 * writeq.h - writes that web requests ask for: queued by the HTTP
 * threads, applied by the daemon.
 *
 * A request thread serves every calendar feed too, so it must never wait
 * for the database's write lock (another process, an import, may hold it
 * for seconds).  It checks what it can with a read-only lookup, queues
 * the write here -- which never blocks: a full queue is an error the
 * request answers with 503 -- and answers from the lookup.  One writer
 * thread of the daemon, with its own store connection, applies the
 * queued writes in order, each in its own transaction, waiting for the
 * lock as long as it takes (a busy store is retried, not dropped); a
 * write the store refuses for good is logged and dropped.  On stop, what
 * is queued is applied first.
 *
 * The queue is in memory: a crash loses the writes not applied yet
 * (normally a few milliseconds' worth; while another process holds the
 * write lock, those posted meanwhile).  Every web form (the unsubscribe
 * POST today) goes through it; a GET never writes.  No HTTP here: this
 * module knows writes, not requests.
 */
#ifndef CARTERA_WRITEQ_H
#define CARTERA_WRITEQ_H

#include <stddef.h>

enum writeq_kind {
	WRITEQ_UNSUBSCRIBE,	/* do-not-email for client `id` (RFC 8058 POST) */
	WRITEQ_JOB		/* a job of the web page (writeq_push_job) */
};

#define WRITEQ_CAPACITY	1024	/* writes waiting at most; more is 503 */

struct writeq;

/*
 * Open db (it must exist) and start the writer thread.  NULL with err on
 * failure.
 */
struct writeq	*writeq_start(const char *db, size_t capacity, char *err, size_t errlen);
/*
 * Queue a write (text may be NULL; it is copied).  Never blocks on the
 * store.  0, or -1 when the queue is full or memory ran out.  Thread-safe.
 */
int		 writeq_push(struct writeq *, enum writeq_kind, long long id, const char *text);
/*
 * A write of the web page (web.h): in the writer thread, inside one
 * transaction, apply returns 0 (commit), 1 (refused: roll back, nothing is
 * written; the job says why) or -1 (roll back and try again later, with
 * err: the store was busy or full).  Then done(arg, rc) runs once in the
 * writer thread with 0 or 1 -- or with -1 when the job was dropped at
 * stop without being applied.  done owns arg from then on.  0, or -1 when
 * the queue is full (done is not called).
 */
struct store;
struct writeq_job {
	int	(*apply)(struct store *, void *arg, char *err, size_t errlen);
	void	(*done)(void *arg, int rc);
	void	*arg;
};
int		 writeq_push_job(struct writeq *, const struct writeq_job *);
/*
 * A descriptor that becomes readable when the writer committed a write:
 * the daemon's loop polls it to rebuild the feeds (and tell the page) at
 * once.  writeq_fd_drain makes it unreadable again.
 */
int		 writeq_fd(struct writeq *);
void		 writeq_fd_drain(struct writeq *);
/* Block until everything queued before the call is applied (tests, stop). */
void		 writeq_flush(struct writeq *);
struct writeq_stats {
	long long	 queued;	/* waiting now */
	long long	 applied;	/* committed since start */
	long long	 dropped;	/* refused by the store for good */
	long long	 refused;	/* pushes refused: queue full */
};
void		 writeq_stats(struct writeq *, struct writeq_stats *);
/* Apply what is queued, stop the thread, close the store.  NULL is fine. */
void		 writeq_stop(struct writeq *);

#endif
