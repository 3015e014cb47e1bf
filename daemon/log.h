/*
 * log.h - the one place Cartera writes diagnostics.
 *
 * Lines go to stderr, one event per line.  Under systemd (JOURNAL_STREAM
 * set) each line carries a "<N>" priority prefix the journal understands;
 * the journal adds the time.  Never pass passwords, tokens or mail bodies.
 */
#ifndef CARTERA_LOG_H
#define CARTERA_LOG_H

#include <stdarg.h>

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* progname prefixes every line; verbose enables log_debug. */
void log_init(const char *progname, int verbose);
void log_set_verbose(int verbose);

void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
/* fatal/fatalx log at error priority and exit(1). */
void fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));

#endif
