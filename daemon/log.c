/*
 * log.c - stderr logging with journald priority prefixes.
 *
 * Must not allocate on the error path and must stay usable from any
 * thread: each line is formatted into a local buffer and written with a
 * single write(2) so lines from the HTTP thread do not interleave.
 */
#include "build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *log_progname = "cartera";
static int log_verbose;
static int log_journal;

void
log_init(const char *progname, int verbose)
{
	const char *s;

	if (progname != NULL) {
		s = strrchr(progname, '/');
		log_progname = s != NULL ? s + 1 : progname;
	}
	log_verbose = verbose;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void
log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

static void log_emit(int, int, int, const char *, va_list) LOG_PRINTF(4, 0);

static void
log_emit(int prio, int with_errno, int saved_errno, const char *fmt, va_list ap)
{
	char line[2048];
	size_t n = 0;
	int r;

	if (log_journal)
		r = snprintf(line, sizeof(line), "<%d>", prio);
	else
		r = snprintf(line, sizeof(line), "%s: ", log_progname);
	if (r > 0)
		n = (size_t)r;
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (r > 0)
		n += (size_t)r;
	if (n >= sizeof(line) - 2)
		n = sizeof(line) - 2;
	if (with_errno) {
		r = snprintf(line + n, sizeof(line) - n, ": %s", strerror(saved_errno));
		if (r > 0)
			n += (size_t)r;
		if (n >= sizeof(line) - 2)
			n = sizeof(line) - 2;
	}
	/* A value that reached a log line must not be able to forge another. */
	for (size_t i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
}

#define LOG_BODY(prio, with_errno) do {			\
	int saved = errno;				\
	va_list ap;					\
	va_start(ap, fmt);				\
	log_emit(prio, with_errno, saved, fmt, ap);	\
	va_end(ap);					\
	errno = saved;					\
} while (0)

void log_info(const char *fmt, ...) { LOG_BODY(6, 0); }
void log_warn(const char *fmt, ...) { LOG_BODY(4, 1); }
void log_warnx(const char *fmt, ...) { LOG_BODY(4, 0); }

void
log_debug(const char *fmt, ...)
{
	if (!log_verbose)
		return;
	LOG_BODY(7, 0);
}

void
fatal(const char *fmt, ...)
{
	LOG_BODY(3, 1);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(3, 0);
	exit(1);
}
