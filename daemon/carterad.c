/*
 * carterad.c - main of the daemon: flags, configuration, privileges,
 * wiring.  The work is in loop.c (waiting), sched.c (deciding and
 * delivering) and httpd.c (the calendar feed).
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "clock.h"
#include "httpd.h"
#include "log.h"
#include "loop.h"
#include "sign.h"
#include "web.h"
#include "writeq.h"
#include "mailin.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "Usage: carterad [-c FILE] [-d DB] [-f] [-v] [--once] [--now TIME]\n"
	    "                [--check-config] [--version] [--help]\n"
	    "\n"
	    "Cartera's daemon: queues each salesperson's daily digest at their own\n"
	    "local time, delivers mail through the outbox, and serves calendar feeds.\n"
	    "\n"
	    "  -c, --config FILE   configuration (default %s)\n"
	    "  -d, --database DB   database file (overrides the \"database\" setting)\n"
	    "  -f, --foreground    do not detach (implied under systemd and with --once)\n"
	    "  -v, --verbose       debug logging\n"
	    "      --once          run one scan-and-send cycle, then exit\n"
	    "      --now TIME      pretend it is TIME, \"YYYY-MM-DD HH:MM[:SS]Z\" (UTC);\n"
	    "                      without --once the clock runs on from there\n"
	    "      --clock-speed N with --now, the clock runs N times faster (soak\n"
	    "                      tests: 86400 is a day a second)\n"
	    "      --check-config  validate configuration and templates, print the\n"
	    "                      effective settings (secrets masked), exit 0 or 1\n"
	    "  -V, --version       print the version\n"
	    "  -h, --help          this help\n", CONFIG_DEFAULT_PATH);
}

/* Started as root: become cfg->user (files were read already). */
static int
drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	if (user == NULL || *user == '\0') {
		snprintf(err, errlen, "refusing to run as root: set \"user\" in the "
		    "configuration");
		return -1;
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user \"%s\" does not exist (create it, or set "
		    "\"user\" in the configuration)", user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		log_warnx("running as root because the configuration says user = \"%s\"", user);
		return 0;
	}
	if (setgroups(1, &pw->pw_gid) == -1 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		snprintf(err, errlen, "cannot become user %s: %s", user, strerror(errno));
		return -1;
	}
	if (setuid(0) != -1) {
		snprintf(err, errlen, "could regain root after dropping to %s", user);
		return -1;
	}
	log_info("running as user %s", user);
	return 0;
}

/* The listening socket systemd passed (carterad.socket), or -1. */
/*
 * Room for http.max_connections open sockets: the soft limit on open
 * files (1024 under systemd) is raised toward the hard one, or the
 * daemon would stop accepting well before its own limit.
 */
static void
files_for(int connections)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)connections + 64;	/* the database, logs, epoll */

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < want)
		log_warnx("http.max_connections is %d but only %llu files may be open "
		    "(LimitNOFILE=, ulimit -n): fewer connections will be served",
		    connections, (unsigned long long)rl.rlim_cur);
}

static int
listen_fd(void)
{
#ifdef HAVE_SYSTEMD
	static int fd = -2;

	if (fd == -2)
		fd = sd_listen_fds(1) >= 1 ? SD_LISTEN_FDS_START : -1;
	return fd;
#else
	return -1;
#endif
}

static int
detach(void)
{
	int fd;

	switch (fork()) {
	case -1:
		return -1;
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() == -1)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return chdir("/");
}

/* /metrics: mail-in's families. */
static void
mailbox_metrics(void *arg, struct buf *out)
{
	mailin_metrics(arg, out);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "once", no_argument, NULL, 'o' },
		{ "now", required_argument, NULL, 'N' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "clock-speed", required_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct daemon_ctx d = { 0 };
	struct metrics metrics;
	struct writeq *wq = NULL;
	struct web *web = NULL;
	struct sign_key key;
	sigset_t sigs;
	const char *now_arg = NULL;
	char err[1024], *end;
	double speed = 1;
	int ch, foreground = 0, verbose = 0, check = 0, status;
	time_t now;

	log_init(argv[0], 0);
	/*
	 * The database it creates (and SQLite's -wal and -shm, which take the
	 * database's mode) holds the feed tokens: never readable by others,
	 * whatever umask it was started with.
	 */
	umask(umask(0) | S_IRWXO);
	/*
	 * TERM, INT and HUP are blocked in every thread, from before the first
	 * thread (libcurl, libmicrohttpd) exists: the loop reads them from a
	 * signalfd, and the mailer looks for them between messages, so SIGTERM
	 * lets the message in flight finish.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) == -1)
		fatal("sigprocmask");
	signal(SIGPIPE, SIG_IGN);
	/*
	 * A file size limit (ulimit -f, LimitFSIZE=, a quota-like prlimit)
	 * must make the write fail with EFBIG, which SQLite reports and the
	 * loop retries, not kill the daemon and the feeds it serves.
	 */
	signal(SIGXFSZ, SIG_IGN);
	while ((ch = getopt_long(argc, argv, "c:d:fvVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': d.config_path = optarg; break;
		case 'd': d.db_override = optarg; break;
		case 'f': foreground = 1; break;
		case 'v': verbose = 1; break;
		case 'o': d.once = 1; break;
		case 'N': now_arg = optarg; break;
		case 'C': check = 1; break;
		case 'S':
			speed = strtod(optarg, &end);
			if (*end != '\0' || speed < 1 || speed > 1e7) {
				fprintf(stderr, "carterad: --clock-speed wants a factor from 1 "
				    "to 10000000\n");
				return 2;
			}
			break;
		case 'V': printf("carterad (%s)\n", PACKAGE_STRING); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "carterad: unexpected argument %s\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	log_set_verbose(verbose);
	if (now_arg != NULL) {
		if (clock_parse_utc(now_arg, &now) == -1) {
			fprintf(stderr, "carterad: --now wants \"YYYY-MM-DD HH:MM[:SS]Z\"\n");
			return 2;
		}
		clock_set(now, !d.once);
	}
	if (speed > 1) {
		if (now_arg == NULL || d.once) {
			fprintf(stderr, "carterad: --clock-speed needs --now and no --once\n");
			return 2;
		}
		clock_set_speed(speed);
	}

	if ((d.cfg = calloc(1, sizeof(*d.cfg))) == NULL)
		fatalx("out of memory");
	if (config_open(d.cfg, d.config_path, d.db_override, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (loop_load_templates(d.cfg, &d.tmpl, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (check) {
		config_print(d.cfg, stdout);
		printf("# configuration and templates are valid\n");
		render_free(d.tmpl);
		config_free(d.cfg);
		free(d.cfg);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (drop_privileges(d.cfg->user, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("cannot initialise libcurl");
	/* Only "cartera init" makes a database: a missing or empty one here
	 * is a wiped database or a wrong path, which must be loud. */
	if (store_exposed(d.cfg->database, err, sizeof(err))) {
		if (d.cfg->database_private)
			fatalx("%s; database_private is set", err);
		log_warnx("%s", err);
	}
	if (d.cfg->database_password != NULL && store_set_password(d.cfg->database_password) == -1)
		fatalx("out of memory");
	if (store_open(d.cfg->database, 0, &d.st, err, sizeof(err)) == -1)
		fatalx("%s", err);
	/* The key of the digests' action links and the page's forms, made at
	 * the first start next to the database (after the privilege drop: it
	 * is the daemon user's, mode 0600); on a database server without
	 * web.key_file, kept in the database, so that every daemon on it
	 * checks the links and forms the others signed. */
	if (store_is_server(d.cfg->database) &&
	    (d.cfg->web.key_file == NULL || *d.cfg->web.key_file == '\0')) {
		char fresh[2 * SIGN_KEY_BYTES + 1], *kept = NULL;
		int created = 0, bad;

		if (sign_key_new_hex(fresh, sizeof(fresh), err, sizeof(err)) == -1 ||
		    store_web_key(d.st, fresh, &kept, &created, err, sizeof(err)) == -1)
			fatalx("%s", err);
		explicit_bzero(fresh, sizeof(fresh));
		bad = sign_key_from_hex(kept, &key) == -1;
		explicit_bzero(kept, strlen(kept));
		free(kept);
		if (bad)
			fatalx("the key of the action links kept in the database is not 64 hex "
			    "digits (table cartera_web_key): delete its row and a new one is made "
			    "at the next start");
		if (created)
			log_info("made the key of the action links, kept in the database");
		d.key = &key;
	} else {
		char path[4096];
		int created = 0;

		config_web_key_path(d.cfg, path, sizeof(path));
		if (sign_key_load(path, &key, &created, err, sizeof(err)) == -1)
			fatalx("%s", err);
		if (created)
			log_info("made the key of the action links: %s", path);
		d.key = &key;
	}
	if (!foreground && !d.once && getenv("NOTIFY_SOCKET") == NULL &&
	    getenv("JOURNAL_STREAM") == NULL && detach() == -1)
		fatal("cannot detach");
	memset(&metrics, 0, sizeof(metrics));
	d.metrics = &metrics;
	/* Mail-in reads in its own thread, so it never holds the loop up; the
	 * thread runs without mailboxes too, so that a reload can add some.
	 * --once reads none: one cycle of digests, at once (cartera mail scan
	 * reads the mailboxes once). */
	if (!d.once) {
		if ((d.mailin = mailin_start(d.cfg, d.cfg->database, err, sizeof(err))) == NULL)
			fatalx("%s", err);
		metrics.more = mailbox_metrics;
		metrics.more_arg = d.mailin;
	}
	if (!d.once && (d.cfg->http.port != 0 || listen_fd() >= 0)) {
		int fd = listen_fd();

		files_for(d.cfg->http.max_connections);
		if ((wq = writeq_start(d.cfg->database, WRITEQ_CAPACITY, err, sizeof(err))) == NULL)
			fatalx("%s", err);
		if ((web = web_new(d.config_path, d.db_override, &key, err, sizeof(err))) == NULL)
			fatalx("%s", err);
		if ((d.httpd = httpd_start(d.cfg, &metrics, d.cfg->database, wq, web, fd, err,
		    sizeof(err))) == NULL)
			fatalx("%s", err);
		d.wq = wq;
		d.web = web;
		if (fd >= 0)
			log_info("calendar feeds served on the socket systemd passed");
		else
			log_info("calendar feeds served on http://%s:%d/", d.cfg->http.listen,
			    httpd_port(d.httpd));
	}
	log_info("started (%s), database %s%s", PACKAGE_STRING, d.cfg->database,
	    d.once ? ", one cycle" : "");

	status = loop_run(&d);

	httpd_stop(d.httpd);
	writeq_stop(wq);	/* after the server: no request can queue any more */
	mailin_stop(d.mailin);
	web_free(web);		/* after the writer: its jobs are gone */
	sign_key_wipe(&key);
	store_close(d.st);
	render_free(d.tmpl);
	config_free(d.cfg);
	free(d.cfg);
	curl_global_cleanup();
	log_info("stopped");
	return status;
}
