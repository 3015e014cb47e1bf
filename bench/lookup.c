/*
 * lookup.c - how long finding a client by a name typed without its
 * accents takes (issue 14): store_client_resolve and the client list's
 * city and search filters over an existing database, each the best of a
 * few runs, printed as "QUERY<TAB>KIND<TAB>MS<TAB>RESULT" lines for
 * bench/run.  Not installed; built on demand ("make bench/lookup").
 *
 *   bench/lookup DB
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

#define RUNS	7

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
count(const struct store_row *r, void *arg)
{
	(void)r;
	(*(long *)arg)++;
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const names[] = {
		"clinica", "CLÍNICA", "Clinica Dental", "nunez", "dental",
		"xyzzy",	/* matches nothing: every stage, both key scans */
		NULL
	};
	struct store *st;
	char err[2048];

	if (argc != 2) {
		fprintf(stderr, "usage: lookup DB\n");
		return 2;
	}
	if (store_open(argv[1], 0, &st, err, sizeof(err)) == -1) {
		fprintf(stderr, "lookup: %s\n", err);
		return 1;
	}
	for (int i = 0; names[i] != NULL; i++) {
		double best = 1e9;
		long long id = 0;
		int rc = 0;

		for (int k = 0; k < RUNS; k++) {
			double t = now_ms();
			rc = store_client_resolve(st, names[i], &id, err, sizeof(err));
			t = now_ms() - t;
			best = t < best ? t : best;
		}
		/* The answer: one id, or the candidates (an ambiguous name). */
		printf("%s\tresolve\t%.3f\t%s\n", names[i], best,
		    rc == 0 ? "found" : strstr(err, "ambiguous") ? "candidates" : "none");
	}
	for (int i = 0; i < 2; i++) {
		struct client_filter f = { 0 };
		double best = 1e9;
		long rows = 0;

		if (i == 0)
			f.city = "a coruna";
		else
			f.search = "dental";
		for (int k = 0; k < RUNS; k++) {
			double t = now_ms();
			rows = 0;
			if (store_client_list(st, &f, count, &rows, err, sizeof(err)) == -1) {
				fprintf(stderr, "lookup: %s\n", err);
				return 1;
			}
			t = now_ms() - t;
			best = t < best ? t : best;
		}
		printf("%s\t%s\t%.3f\t%ld rows\n", i == 0 ? "a coruna" : "dental",
		    i == 0 ? "list --city" : "list --search", best, rows);
	}
	store_close(st);
	return 0;
}
