/*
 * test_hash.c - FNV-1a and the set of 64-bit values (daemon/hash.c), and
 * the jobs on threads (daemon/workers.c).
 *
 * FNV-1a against the published vectors; the set keeps what is added
 * through its growth, answers "not there" for the rest, and finds every
 * value sharing a tag along one probe run; every job runs exactly once,
 * job 0 on the caller's thread.
 */
#include "build.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "hash.h"
#include "workers.h"

static void
test_fnv(void)
{
	/* FNV-1a 64 test vectors (Fowler, Noll, Vo). */
	CHECK(hash_fnv(HASH_FNV_SEED, "", 0) == 0xcbf29ce484222325ULL);
	CHECK(hash_fnv(HASH_FNV_SEED, "a", 1) == 0xaf63dc4c8601ec8cULL);
	CHECK(hash_fnv(HASH_FNV_SEED, "foobar", 6) == 0x85944171f73967e8ULL);
	/* In pieces, the same as whole. */
	CHECK(hash_fnv(hash_fnv(HASH_FNV_SEED, "foo", 3), "bar", 3) ==
	    hash_fnv(HASH_FNV_SEED, "foobar", 6));
	CHECK(hash_mix(1) != 1 && hash_mix(1) != hash_mix(2));
}

static void
test_set(void)
{
	struct u64set s;
	size_t found = 0;

	if (!CHECK(u64set_init(&s, 4) == 0))
		return;
	CHECK(s.cap >= 8 && (s.cap & (s.cap - 1)) == 0);
	/* Grows well past its first room; all still there, nothing else. */
	for (uint64_t i = 1; i <= 10000; i++)
		CHECK(u64set_add(&s, hash_mix(i)) == 0);
	CHECK_INT(s.n, 10000);
	CHECK(2 * s.n <= s.cap);
	for (uint64_t i = 1; i <= 10000; i++)
		if (!u64set_has(&s, hash_mix(i)))
			check_note(0, "value %llu lost", (unsigned long long)i);
	for (uint64_t i = 10001; i <= 20000; i++)
		if (u64set_has(&s, hash_mix(i)))
			check_note(0, "value %llu there, never added", (unsigned long long)i);
	/* Adding again changes nothing. */
	CHECK(u64set_add(&s, hash_mix(7)) == 0);
	CHECK_INT(s.n, 10000);
	/* Values that share their high half: one probe run finds them all. */
	for (uint64_t id = 1; id <= 50; id++)
		CHECK(u64set_add(&s, (uint64_t)0xabcdef01 << 32 | id) == 0);
	for (size_t i = u64set_first(&s, 0xabcdef01); s.v[i] != 0; i = u64set_next(&s, i))
		if ((uint32_t)(s.v[i] >> 32) == 0xabcdef01)
			found++;
	CHECK_INT(found, 50);
	u64set_free(&s);
	CHECK(s.v == NULL && s.n == 0);
}

struct job {
	int		 runs, here;
	pthread_t	 thread;
};

static void
job_run(void *arg, int here)
{
	struct job *j = arg;

	j->runs++;
	j->here = here;
	j->thread = pthread_self();
}

static void
test_workers(void)
{
	struct job jobs[WORKERS_MAX + 3];
	size_t n = sizeof(jobs) / sizeof(jobs[0]);

	CHECK(workers_count(1) == 1);
	CHECK(workers_count(4) >= 1 && workers_count(4) <= 4);
	CHECK(workers_count(1000) <= WORKERS_MAX);
	/* More jobs than threads: every one runs once, the extra ones here. */
	memset(jobs, 0, sizeof(jobs));
	workers_run(jobs, n, sizeof(jobs[0]), job_run);
	for (size_t i = 0; i < n; i++)
		check_note(jobs[i].runs == 1, "job %zu ran %d times", i, jobs[i].runs);
	CHECK(jobs[0].here == 1 && pthread_equal(jobs[0].thread, pthread_self()));
	for (size_t i = 1; i < WORKERS_MAX; i++)
		CHECK(jobs[i].here == 0 || pthread_equal(jobs[i].thread, pthread_self()));
	for (size_t i = WORKERS_MAX; i < n; i++)
		CHECK(jobs[i].here == 1 && pthread_equal(jobs[i].thread, pthread_self()));
	/* One job: the caller's. */
	memset(jobs, 0, sizeof(jobs));
	workers_run(jobs, 1, sizeof(jobs[0]), job_run);
	CHECK(jobs[0].runs == 1 && jobs[0].here == 1 && jobs[1].runs == 0);
}

int
main(void)
{
	test_fnv();
	test_set();
	test_workers();
	return check_done("test_hash");
}
