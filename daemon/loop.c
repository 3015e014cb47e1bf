/*
 * loop.c - the daemon's sleep-until-needed loop, signals, reload and the
 * systemd watchdog.  The work of each wake-up is sched.c's.
 */
#include "build.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "clock.h"
#include "feed.h"
#include "httpd.h"
#include "log.h"
#include "loop.h"
#include "mailin.h"
#include "sched.h"
#include "web.h"
#include "writeq.h"

int
loop_load_templates(const struct config *cfg, struct render_set **out, char *err, size_t errlen)
{
	return render_load(cfg->templates, render_shipped_dir(), out, err, errlen);
}

static void
notify(const char *state)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

/* Watchdog interval in ms, 0 if none. */
static long
watchdog_ms(void)
{
#ifdef HAVE_SYSTEMD
	uint64_t usec;

	if (sd_watchdog_enabled(0, &usec) > 0)
		return (long)(usec / 1000);
#endif
	return 0;
}

static void
reload(struct daemon_ctx *d)
{
	struct config *ncfg;
	struct render_set *nt = NULL;
	char err[1024];

	notify("RELOADING=1");
	if ((ncfg = calloc(1, sizeof(*ncfg))) == NULL) {
		log_warnx("reload: out of memory; keeping the running configuration");
		notify("READY=1");
		return;
	}
	if (config_open(ncfg, d->config_path, d->db_override, err, sizeof(err)) == -1) {
		log_warnx("reload refused, keeping the running configuration: %s", err);
		free(ncfg);
		notify("READY=1");
		return;
	}
	if (loop_load_templates(ncfg, &nt, err, sizeof(err)) == -1) {
		log_warnx("reload refused, keeping the running templates and configuration: %s",
		    err);
		config_free(ncfg);
		free(ncfg);
		notify("READY=1");
		return;
	}
	if (strcmp(ncfg->database, d->cfg->database) != 0)
		log_warnx("reload: the database path changed to %s; it takes effect at restart",
		    ncfg->database);
	if (d->web != NULL && web_reload(d->web, err, sizeof(err)) == -1)
		log_warnx("reload: the page keeps its configuration and templates: %s", err);
	config_free(d->cfg);
	free(d->cfg);
	d->cfg = ncfg;
	render_free(d->tmpl);
	d->tmpl = nt;
	if (mailin_reload(d->mailin, d->cfg) == -1)
		log_warnx("reload: out of memory; mail-in keeps its mailboxes");
	log_info("configuration and templates reloaded from %s",
	    d->config_path ? d->config_path : CONFIG_DEFAULT_PATH);
	notify("READY=1");
}

/* Watch the database's directory: a commit by another process touches
 * the database file or its -wal. */
static int
watch_store(const char *db)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(db, '/');
	int fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == db)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - db), db);
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
		return -1;
	if (inotify_add_watch(fd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Rebuild every feed and hand it to the HTTP threads; *until is when the
 * feeds go stale by themselves (the next local midnight). */
static void
rebuild_feeds(struct daemon_ctx *d, time_t now, time_t *until)
{
	struct feed_set fs;
	long long t0;
	char err[1024];
	size_t events = 0;

	t0 = clock_mono_us();
	if (feed_build_all(d->st, d->cfg, now, &fs, err, sizeof(err)) == -1) {
		/* Keep serving the last good feeds; try again in a minute. */
		log_warnx("feeds not rebuilt, the last ones are still served: %s", err);
		*until = now + 60;
		return;
	}
	for (size_t i = 0; i < fs.n; i++)
		events += (size_t)fs.v[i].events;
	*until = fs.valid_until;
	METRIC_ADD(d->metrics, feed_builds, 1);
	METRIC_SET(d->metrics, feed_build_usec_last, clock_mono_us() - t0);
	log_debug("%zu feeds rebuilt, %zu events, %lld us", fs.n, events,
	    (long long)METRIC_GET(d->metrics, feed_build_usec_last));
	httpd_publish(d->httpd, &fs, now);
	if (d->web != NULL)
		web_changed(d->web);
}

static void
drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

int
loop_run(struct daemon_ctx *d)
{
	struct sched s = { 0 };
	struct pollfd pfd[3];
	sigset_t mask;
	long long dv = 0, ndv;
	long wd = watchdog_ms();
	time_t feeds_until = 0;
	int feeds_dirty = 1;
	int sfd, ifd, nfd, wfd, status = 0;
	char err[1024];

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* Already blocked by main before any thread started; this is a no-op
	 * then, and keeps loop_run correct on its own. */
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		log_warn("signals");
		return 1;
	}
	/* A database server tells of other connections' commits on the
	 * store's own socket; a file is watched through its directory. */
	if (store_notify_fd(d->st) >= 0)
		ifd = -1;
	else if ((ifd = watch_store(d->cfg->database)) == -1)
		log_warn("cannot watch %s for changes; changes are seen at the next wake-up",
		    d->cfg->database);
	store_data_version(d->st, &dv);
	wfd = d->wq != NULL ? writeq_fd(d->wq) : -1;
	s.st = d->st;
	s.key = d->key;
	s.metrics = d->metrics;
	s.stop = &d->stop;
	/*
	 * Feeds first: the first cycle may take long (many owners to scan, a
	 * store locked by another writer for its busy timeout), and until a
	 * feed is published every subscriber would get 404.  Built again
	 * after that cycle, which may have changed what they show.
	 */
	if (d->httpd != NULL)
		rebuild_feeds(d, clock_now(), &feeds_until);
	notify("READY=1");

	while (!d->stop) {
		time_t now = clock_now(), next = 0;
		int wake = 0;

		s.cfg = d->cfg;
		s.tmpl = d->tmpl;
		if (sched_cycle(&s, now, &next, err, sizeof(err)) == -1) {
			log_warnx("cycle: %s", err);
			/* The store is unreachable or full: try again soon. */
			if (next == 0 || next > now + 60)
				next = now + 60;
		}
		if (d->httpd != NULL && (feeds_dirty || now >= feeds_until)) {
			rebuild_feeds(d, now, &feeds_until);
			feeds_dirty = 0;
		} else if (d->web != NULL)
			web_changed(d->web);	/* the cycle may have logged touches */
		if (d->httpd != NULL && feeds_until != 0 && (next == 0 || feeds_until < next))
			next = feeds_until;
		if (d->once)
			break;
		/* Sleep until next, a signal, or another process's commit. */
		while (!wake && !d->stop) {
			long long timeout;
			int n;

			if (wd > 0)
				notify("WATCHDOG=1");
			now = clock_now();
			timeout = next == 0 ? 3600 * 1000LL : clock_real_ms((long long)next - now);
			if (next != 0 && timeout == 0 && next > now)
				timeout = 1;
			if (timeout <= 0)
				break;
			if (timeout > 3600 * 1000LL)
				timeout = 3600 * 1000LL;	/* a clock jump is caught within the hour */
			if (wd > 0 && timeout > wd / 2)
				timeout = wd / 2;
			pfd[0].fd = sfd;
			pfd[0].events = POLLIN;
			/* The store's socket may change when it reconnects. */
			nfd = store_notify_fd(d->st);
			pfd[1].fd = ifd >= 0 ? ifd : nfd;
			pfd[1].events = POLLIN;
			pfd[2].fd = wfd;
			pfd[2].events = POLLIN;
			n = poll(pfd, 3, (int)timeout);
			if (n == -1 && errno != EINTR) {
				log_warn("poll");
				status = 1;
				d->stop = 1;
				break;
			}
			if (n == 0 && (next == 0 || clock_now() >= next))
				wake = 1;
			if (n > 0 && (pfd[0].revents & POLLIN)) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						reload(d);
						feeds_dirty = 1;
						wake = 1;
					} else {
						log_info("signal %d: stopping", (int)si.ssi_signo);
						d->stop = 1;
					}
				}
			}
			if (wfd >= 0 && n > 0 && (pfd[2].revents & POLLIN)) {
				/* A web write committed: the feeds show it at once. */
				writeq_fd_drain(d->wq);
				store_data_version(d->st, &dv);
				log_debug("a web write was committed");
				feeds_dirty = 1;
				wake = 1;
			}
			if (pfd[1].fd >= 0 && n > 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
				if (ifd >= 0)
					drain(ifd);
				/* Our own commits do not move data_version: those are ignored. */
				if (store_data_version(d->st, &ndv) == -1) {
					/* The server went away: the cycle reconnects
					 * (or fails and retries later). */
					wake = 1;
				} else if (ndv != dv) {
					dv = ndv;
					log_debug("database changed by another process");
					feeds_dirty = 1;
					wake = 1;
				}
			}
		}
	}
	notify("STOPPING=1");
	s.cfg = d->cfg;		/* a reload may have replaced it since */
	sched_finish(&s);
	if (ifd >= 0)
		close(ifd);
	close(sfd);
	return status;
}
