/*
 * check.h - the one check convention of the C unit tests.
 *
 * CHECK(cond) counts a check and, when cond is false, prints file:line
 * and the expression; it is an expression worth cond, so a test can go on
 * only when it holds (if (!CHECK(p != NULL)) return;).  CHECK_CTX adds the
 * input that failed, CHECK_STR and CHECK_INT print what was got and
 * wanted.  A check made by hand reports through check_note(ok, fmt, ...).
 * Every test goes on after a failure; main() ends with
 * return check_done("test_NAME"), the exit status automake expects.
 */
#ifndef CARTERA_CHECK_H
#define CARTERA_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_failed, check_run;

static inline int
check_at(int ok, const char *expr, const char *file, int line, const char *ctx)
{
	check_run++;
	if (!ok) {
		check_failed++;
		fprintf(stderr, "%s:%d: check failed: %s%s%s\n", file, line, expr,
		    ctx != NULL ? "\n    input: " : "", ctx != NULL ? ctx : "");
	}
	return ok;
}

#define CHECK(cond)		check_at((cond) != 0, #cond, __FILE__, __LINE__, NULL)
#define CHECK_CTX(cond, ctx)	check_at((cond) != 0, #cond, __FILE__, __LINE__, (ctx))

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	check_run++;							\
	if (g_ == NULL || w_ == NULL ? g_ != w_ : strcmp(g_, w_) != 0) {	\
		check_failed++;						\
		fprintf(stderr, "%s:%d: %s\n  got:  \"%s\"\n  want: \"%s\"\n",	\
		    __FILE__, __LINE__, #got, g_ ? g_ : "(null)",	\
		    w_ ? w_ : "(null)");				\
	}								\
} while (0)

#define CHECK_INT(got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	check_run++;							\
	if (g_ != w_) {							\
		check_failed++;						\
		fprintf(stderr, "%s:%d: %s = %lld, want %lld\n",	\
		    __FILE__, __LINE__, #got, g_, w_);			\
	}								\
} while (0)

/* A check done by hand: counted, and when !ok the message (fmt may be
 * NULL when the caller printed its own) goes to stderr.  Returns ok. */
static inline int check_note(int ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline int
check_note(int ok, const char *fmt, ...)
{
	va_list ap;

	check_run++;
	if (!ok) {
		check_failed++;
		if (fmt != NULL) {
			va_start(ap, fmt);
			vfprintf(stderr, fmt, ap);
			va_end(ap);
			fputc('\n', stderr);
		}
	}
	return ok;
}

static inline int
check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_run, check_failed);
	return check_failed ? 1 : 0;
}

#endif
