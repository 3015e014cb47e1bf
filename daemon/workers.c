/*
 * workers.c - jobs on threads, one a core (workers.h).
 */
#include "build.h"

#include <pthread.h>
#include <unistd.h>

#include "workers.h"

struct worker {
	void	(*fn)(void *, int);
	void	*job;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	w->fn(w->job, 0);
	return NULL;
}

size_t
workers_count(size_t max)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cpus > 1 ? (size_t)cpus : 1;

	if (max > WORKERS_MAX)
		max = WORKERS_MAX;
	if (n > max)
		n = max;
	return n > 0 ? n : 1;
}

void
workers_run(void *jobs, size_t n, size_t size, void (*fn)(void *job, int here))
{
	struct worker w[WORKERS_MAX];
	pthread_t tid[WORKERS_MAX];
	char *base = jobs;
	size_t started = 1, lim = n < WORKERS_MAX ? n : WORKERS_MAX;

	for (size_t i = 1; i < lim; i++, started++) {
		w[i] = (struct worker){ fn, base + i * size };
		if (pthread_create(&tid[i], NULL, worker_main, &w[i]) != 0)
			break;
	}
	if (n > 0)
		fn(base, 1);
	for (size_t i = started; i < n; i++)
		fn(base + i * size, 1);
	for (size_t i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
}
