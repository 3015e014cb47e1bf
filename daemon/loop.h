/*
 * loop.h - carterad's event loop.
 *
 * Sleeps in poll(2) until the next thing to do: the next digest, the next
 * retry, a change to the database made by another process (inotify on
 * its directory, confirmed with PRAGMA data_version), a signal (TERM/INT:
 * stop after the message in flight; HUP: reload configuration and
 * templates, keeping the old ones if the new are invalid), or the systemd
 * watchdog.  It does not poll on a timer.  After a wake-up that may have
 * changed what the calendar feeds show (another process's commit, a web
 * write the daemon's writer committed, a reload, a local midnight) it
 * rebuilds them and publishes them to httpd, whose pages then read the
 * store afresh.
 */
#ifndef CARTERA_LOOP_H
#define CARTERA_LOOP_H

#include <signal.h>

#include "config.h"
#include "metrics.h"
#include "render.h"
#include "store.h"

struct httpd;
struct mailin;
struct sign_key;
struct web;
struct writeq;

struct daemon_ctx {
	struct config		*cfg;		/* owned; replaced on reload */
	struct render_set		*tmpl;		/* owned; replaced on reload */
	struct store		*st;		/* owned */
	struct metrics		*metrics;	/* owned by main */
	struct httpd		*httpd;		/* owned by main; NULL without HTTP */
	struct mailin		*mailin;	/* owned by main; NULL without mailboxes */
	struct writeq		*wq;		/* owned by main; NULL without HTTP */
	struct web		*web;		/* owned by main; NULL without HTTP */
	const struct sign_key	*key;		/* owned by main: signs action links */
	const char		*config_path;	/* borrowed, for reload */
	const char		*db_override;	/* -d, borrowed */
	int			 once;		/* one cycle, then exit */
	volatile sig_atomic_t	 stop;
};

/* Run until stopped.  Returns the exit status (0 on SIGTERM). */
int	 loop_run(struct daemon_ctx *);

/* Load the templates named by cfg. */
int	 loop_load_templates(const struct config *cfg, struct render_set **out,
	    char *err, size_t errlen);

#endif
