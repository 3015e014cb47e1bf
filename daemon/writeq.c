/*
 * writeq.c - the web's writes: a bounded in-memory queue filled by the
 * HTTP threads and drained by one writer thread through the store.
 *
 * Must not block a pusher on anything but the queue's own mutex (held
 * only to copy an item in or out), and must not drop a write because the
 * store was busy: busy or full stores are retried with backoff.
 */
#include "build.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "writeq.h"

#define RETRY_MIN_MS	250
#define RETRY_MAX_MS	30000

struct item {
	enum writeq_kind	 kind;
	long long		 id;
	char			*text;		/* owned, may be NULL */
	struct writeq_job	 job;		/* WRITEQ_JOB */
};

struct writeq {
	pthread_mutex_t		 lock;
	pthread_cond_t		 more;		/* an item was pushed, or stop */
	pthread_cond_t		 idle;		/* the writer finished an item */
	pthread_t		 thread;
	struct store		*st;		/* the writer thread's only */
	struct item		*ring;
	size_t			 cap, head, n;
	long long		 done;		/* items taken off the ring so far */
	long long		 pushed;	/* items put on it so far */
	int			 stopping;
	int			 efd;		/* eventfd: a write was committed */
	struct writeq_stats	 stats;
};

/* 0 applied, 1 refused for good (logged), -1 try again later (err). */
static int
apply(struct store *st, const struct item *it, char *err, size_t errlen)
{
	int rc;

	if (store_begin(st, err, errlen) == -1)
		return -1;
	switch (it->kind) {
	case WRITEQ_UNSUBSCRIBE:
		rc = store_client_unsubscribe_id(st, it->id, err, errlen);
		break;
	case WRITEQ_JOB:
		rc = it->job.apply(st, it->job.arg, err, errlen);
		if (rc != 0) {
			/* Refused (1) or not now (-1): nothing of it is kept. */
			store_rollback(st);
			return rc == 1 ? 1 : -1;
		}
		return store_commit(st, err, errlen) == -1 ? -1 : 0;
	default:
		store_rollback(st);
		log_warnx("web write of unknown kind %d dropped", (int)it->kind);
		return 1;
	}
	if (rc == -1) {
		store_rollback(st);
		return -1;
	}
	if (store_commit(st, err, errlen) == -1)
		return -1;
	if (it->kind == WRITEQ_UNSUBSCRIBE) {
		if (rc == 1)
			log_warnx("unsubscribe of client %lld not applied: the client no longer "
			    "exists", it->id);
		else
			log_info("a client unsubscribed from client emails");
	}
	return rc == 1 ? 1 : 0;
}

/* Tell the daemon's loop that something was committed. */
static void
signal_commit(struct writeq *q)
{
	uint64_t one = 1;

	if (q->efd >= 0 && write(q->efd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_warn("web writer: cannot signal a commit");
}

static void
take(struct writeq *q)
{
	free(q->ring[q->head].text);
	q->ring[q->head].text = NULL;
	q->head = (q->head + 1) % q->cap;
	q->n--;
	q->done++;
	pthread_cond_broadcast(&q->idle);
}

static void *
writer(void *arg)
{
	struct writeq *q = arg;
	long retry_ms = RETRY_MIN_MS;
	time_t warned = 0;
	char err[512];

	pthread_mutex_lock(&q->lock);
	for (;;) {
		struct item it;
		int rc;

		while (q->n == 0 && !q->stopping)
			pthread_cond_wait(&q->more, &q->lock);
		if (q->n == 0)
			break;
		it = q->ring[q->head];	/* stays queued until applied */
		pthread_mutex_unlock(&q->lock);
		rc = apply(q->st, &it, err, sizeof(err));
		if (rc == 0)
			signal_commit(q);
		if (rc != -1 && it.kind == WRITEQ_JOB)
			it.job.done(it.job.arg, rc);
		pthread_mutex_lock(&q->lock);
		if (rc == -1 && q->stopping) {
			log_warnx("stopping: %zu web writes not applied (%s)", q->n, err);
			while (q->n > 0) {
				struct item *d = &q->ring[q->head];

				if (d->kind == WRITEQ_JOB)
					d->job.done(d->job.arg, -1);
				take(q);
				q->stats.dropped++;
			}
			break;
		}
		if (rc == -1) {
			struct timespec until;
			time_t now = time(NULL);

			if (now - warned >= 60) {
				log_warnx("web writes waiting (%zu queued): %s; retrying", q->n, err);
				warned = now;
			}
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += retry_ms / 1000;
			until.tv_nsec += (retry_ms % 1000) * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			while (!q->stopping &&
			    pthread_cond_timedwait(&q->more, &q->lock, &until) != ETIMEDOUT)
				;
			retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : retry_ms * 2;
			continue;
		}
		retry_ms = RETRY_MIN_MS;
		if (rc == 0)
			q->stats.applied++;
		else
			q->stats.dropped++;
		take(q);
	}
	pthread_cond_broadcast(&q->idle);
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct writeq *
writeq_start(const char *db, size_t capacity, char *err, size_t errlen)
{
	struct writeq *q;

	if (capacity == 0)
		capacity = 1;
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->ring = calloc(capacity, sizeof(*q->ring))) == NULL) {
		free(q);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	q->cap = capacity;
	if ((q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot make the web writer's eventfd: %s", strerror(errno));
		free(q->ring);
		free(q);
		return NULL;
	}
	if (store_open(db, 0, &q->st, err, errlen) == -1) {
		close(q->efd);
		free(q->ring);
		free(q);
		return NULL;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->idle, NULL);
	if ((errno = pthread_create(&q->thread, NULL, writer, q)) != 0) {
		snprintf(err, errlen, "cannot start the web writer: %s", strerror(errno));
		store_close(q->st);
		close(q->efd);
		pthread_mutex_destroy(&q->lock);
		pthread_cond_destroy(&q->more);
		pthread_cond_destroy(&q->idle);
		free(q->ring);
		free(q);
		return NULL;
	}
	return q;
}

static int
push(struct writeq *q, enum writeq_kind kind, long long id, const char *text,
    const struct writeq_job *job)
{
	char *copy = NULL;
	size_t tail;

	if (text != NULL && (copy = strdup(text)) == NULL)
		return -1;
	pthread_mutex_lock(&q->lock);
	if (q->n == q->cap || q->stopping) {
		q->stats.refused++;
		pthread_mutex_unlock(&q->lock);
		free(copy);
		return -1;
	}
	tail = (q->head + q->n) % q->cap;
	q->ring[tail].kind = kind;
	q->ring[tail].id = id;
	q->ring[tail].text = copy;
	if (job != NULL)
		q->ring[tail].job = *job;
	else
		memset(&q->ring[tail].job, 0, sizeof(q->ring[tail].job));
	q->n++;
	q->pushed++;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

int
writeq_push(struct writeq *q, enum writeq_kind kind, long long id, const char *text)
{
	return push(q, kind, id, text, NULL);
}

int
writeq_push_job(struct writeq *q, const struct writeq_job *job)
{
	return push(q, WRITEQ_JOB, 0, NULL, job);
}

int
writeq_fd(struct writeq *q)
{
	return q->efd;
}

void
writeq_fd_drain(struct writeq *q)
{
	uint64_t n;

	while (read(q->efd, &n, sizeof(n)) == (ssize_t)sizeof(n))
		;
}

void
writeq_flush(struct writeq *q)
{
	long long upto;

	pthread_mutex_lock(&q->lock);
	upto = q->pushed;
	while (q->done < upto && !(q->stopping && q->n == 0))
		pthread_cond_wait(&q->idle, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

void
writeq_stats(struct writeq *q, struct writeq_stats *out)
{
	pthread_mutex_lock(&q->lock);
	*out = q->stats;
	out->queued = (long long)q->n;
	pthread_mutex_unlock(&q->lock);
}

void
writeq_stop(struct writeq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = 1;
	pthread_cond_broadcast(&q->more);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	for (size_t i = 0; i < q->n; i++) {
		struct item *d = &q->ring[(q->head + i) % q->cap];

		if (d->kind == WRITEQ_JOB)
			d->job.done(d->job.arg, -1);
		free(d->text);
	}
	store_close(q->st);
	close(q->efd);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->more);
	pthread_cond_destroy(&q->idle);
	free(q->ring);
	free(q);
}
