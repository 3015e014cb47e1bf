/*
 * workers.h - CPU work fanned out to threads, one job a core: the scan
 * pool's owners (scan.c) and the risk pass's client-id ranges
 * (report_card.c).  Each job opens what it needs (a read-only store
 * connection) unless it runs on the caller's thread, which lends its
 * own; a thread that cannot start costs speed, never a job.
 */
#ifndef WORKERS_H
#define WORKERS_H

#include <stddef.h>

#define WORKERS_MAX	8

/* How many jobs to run at once: the online CPUs, at least 1, at most max
 * (and WORKERS_MAX). */
size_t	workers_count(size_t max);
/* fn(job, here) for each of the n jobs (size bytes each, from jobs):
 * job 0 on the caller's thread, the next ones on a thread each (up to
 * WORKERS_MAX threads in all); a job whose thread could not start (or
 * beyond WORKERS_MAX) runs on the caller's thread after job 0.  here: 1
 * on the caller's thread.  Returns when every job has. */
void	workers_run(void *jobs, size_t n, size_t size, void (*fn)(void *job, int here));

#endif
