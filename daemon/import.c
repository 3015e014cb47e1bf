/*
 * import.c - clients from CSV into the store in one transaction, and back
 * out to CSV.  Column names and value rules come from record.c; reading
 * the file from csvfile.c.  Nothing is written unless every row is good.
 */
#include "build.h"

#include <sys/stat.h>

#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "csvfile.h"
#include "clock.h"
#include "file.h"
#include "i18n.h"
#include "import.h"
#include "nls.h"
#include "output.h"
#include "record.h"

/*
 * Reading and writing overlap: a reader thread parses the file and
 * checks and normalises each row (record.c, no store access) into
 * batches, while the caller's thread matches and writes the rows of the
 * batch before (at 1M rows the reading was a third of the rows' time).  Rows
 * and their errors reach the store and the result in the file's order,
 * as they did on one thread; a small import (or no thread) reads and
 * writes each batch in turn.
 */
#define BATCH_ROWS	512
#define BATCHES		4	/* in flight between the threads */
#define THREAD_MIN	1000	/* lines before a reader thread is worth it */

/* One row read and checked, waiting for the store. */
struct prow {
	size_t		 line;
	int		 header;	/* the header row (its errors only) */
	int		 bad;		/* an error was found: nothing to write */
	size_t		 err_lo, err_hi;	/* its errors, in the batch's list */
	size_t		 off[RF_COUNT];	/* 1 + the value's place in the arena;
					 * 0: not given */
	size_t		 koff[RF_COUNT];	/* the same for its search key */
};

struct batch {
	struct prow	 rows[BATCH_ROWS];
	size_t		 n;
	char		*arena;		/* the values, NUL-terminated */
	size_t		 len, cap;
	char		**errs;		/* "FILE:LINE: ..." lines, owned */
	size_t		 nerrs, errcap;
	char		 fatal[256];	/* the reader cannot go on (memory) */
	int		 full;		/* filled, for the writer */
};

struct importer {
	struct store		*st;
	const struct import_opts *opts;
	struct import_result	*res;
	int			 header_done;	/* the writer has seen it */
	char			**owners;	/* known owner emails */
	size_t			 nowners;
	char			*owner;		/* of a new client without one, or NULL */
	char			 no_owner[512];	/* why there is none: several salespeople */
	char			 fatal[1024];	/* stops the import at once */
	/* The reader's (its thread, once started): */
	int			 read_header;
	int			*col_field;	/* field of each column, COL_* */
	size_t			 ncols;
	size_t			 rerrors;	/* errors it found */
	struct batch		 batch[BATCHES];
	size_t			 filling;	/* batches filled so far */
	/* Between the two (mu): */
	int			 threaded;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	int			 stop;		/* the writer needs no more rows */
	int			 read_done;	/* the reader has ended: read_rc */
	int			 read_rc;
	char			 read_err[1024];
	struct csvfile_opts	 co;
};

/* col_field values besides a field: no name (must stay empty), and
 * ignored by --map "Header=-" (any value). */
#define COL_UNNAMED	-1
#define COL_IGNORED	-2

/* Error line e ("FILE:LINE: ...", taken) into res: listed up to
 * opts->max_errors, counted past that. */
static void
error_push(struct import_result *res, const struct import_opts *opts, char *e)
{
	char **ne;

	if (res->nerrors >= opts->max_errors || (ne = reallocarray(res->errors,
	    res->nerrors + 1, sizeof(char *))) == NULL) {
		free(e);
		res->more_errors++;
		return;
	}
	res->errors = ne;
	res->errors[res->nerrors++] = e;
}

/* "FILE:LINE: col: message", or NULL (no memory). */
static char *
error_text(const struct import_opts *opts, size_t line, const char *col,
    const char *fmt, va_list ap)
{
	char *msg, *e;

	if (vasprintf(&msg, fmt, ap) == -1)
		return NULL;
	if (asprintf(&e, "%s:%zu: %s%s%s", opts->path, line, col ? col : "",
	    col ? ": " : "", msg) == -1)
		e = NULL;
	free(msg);
	return e;
}

/*
 * One error of row LINE (column COL, or NULL) for both importers: listed
 * up to opts->max_errors, counted past that.  An error that cannot be
 * stored (no memory) is counted, so the import still fails.
 */
void
import_error(struct import_result *res, const struct import_opts *opts, size_t line,
    const char *col, const char *fmt, ...)
{
	va_list ap;
	char *e;

	if (res->nerrors >= opts->max_errors) {
		res->more_errors++;
		return;
	}
	va_start(ap, fmt);
	e = error_text(opts, line, col, fmt, ap);
	va_end(ap);
	if (e == NULL) {
		res->more_errors++;
		return;
	}
	error_push(res, opts, e);
}

/* An error of the row at LINE: import_error() with this import's result. */
#define add_error(im, line, col, ...) \
	import_error((im)->res, (im)->opts, (line), (col), __VA_ARGS__)

/*
 * What --map says of header h: 0 nothing, 1 a field (*f), 2 ignore it.
 * Headers are compared by search key ("Tipo de cliente" = "tipo de CLIENTE").
 */
static int
mapped(const struct import_opts *o, const char *h, int *f)
{
	char *hk = record_search_key(h), *mk;
	int found = 0;

	for (size_t i = 0; hk != NULL && !found && i < o->nmap; i++) {
		const char *eq = strrchr(o->map[i], '=');
		char *left;

		if (eq == NULL || (left = strndup(o->map[i], (size_t)(eq - o->map[i]))) == NULL)
			continue;
		mk = record_search_key(left);
		free(left);
		if (mk != NULL && strcmp(mk, hk) == 0) {
			const char *to = eq + 1;
			while (*to == ' ')
				to++;
			if (strcmp(to, "-") == 0 || *to == '\0')
				found = 2;
			else {
				*f = record_lookup(to);
				found = 1;
			}
		}
		free(mk);
	}
	free(hk);
	return found;
}

/* An error of the row at LINE, found by the reader: kept in batch b
 * beside the row, for the writer to list in the file's order. */
static void
row_error(struct importer *im, struct batch *b, size_t line, const char *col,
    const char *fmt, ...)
{
	va_list ap;
	char *e, **ne;

	im->rerrors++;
	va_start(ap, fmt);
	e = error_text(im->opts, line, col, fmt, ap);
	va_end(ap);
	if (b->nerrs == b->errcap) {
		size_t cap = b->errcap ? 2 * b->errcap : 16;

		if ((ne = reallocarray(b->errs, cap, sizeof(*ne))) == NULL) {
			free(e);
			snprintf(b->fatal, sizeof(b->fatal), _("out of memory"));
			return;
		}
		b->errs = ne;
		b->errcap = cap;
	}
	/* NULL (no memory for the text) is counted as an error all the
	 * same. */
	b->errs[b->nerrs++] = e;
}

static int
header(struct importer *im, struct batch *b, const struct csvfile_row *row)
{
	int seen[RF_COUNT] = { 0 };
	int f, m;
	char *known = NULL;

	if ((im->col_field = calloc(row->nfields, sizeof(int))) == NULL) {
		snprintf(b->fatal, sizeof(b->fatal), _("out of memory"));
		return -1;
	}
	im->ncols = row->nfields;
	for (size_t i = 0; i < row->nfields; i++) {
		const char *h = row->fields[i];

		im->col_field[i] = COL_UNNAMED;
		if (*h == '\0')
			continue;	/* an unnamed column must stay empty */
		f = -1;
		if ((m = mapped(im->opts, h, &f)) == 2) {
			im->col_field[i] = COL_IGNORED;
			continue;
		}
		if (m == 0)
			f = record_lookup(h);
		if (f == -1) {
			if (known == NULL && (known = record_known_headers()) == NULL) {
				snprintf(b->fatal, sizeof(b->fatal), _("out of memory"));
				return -1;
			}
			if (m == 1)
				row_error(im, b, row->line, h, _("--map names no column Cartera "
				    "knows; the columns are %s"), known);
			else
				row_error(im, b, row->line, h, _("unknown column; the columns Cartera "
				    "knows are %s (any case and accents).  Map it to one with "
				    "--map \"%s=COLUMN\" or ignore it with --map \"%s=-\""), known, h, h);
			continue;
		}
		if (seen[f]++) {
			row_error(im, b, row->line, h, _("column given twice (as \"%s\")"),
			    record_name((enum record_field)f));
			continue;
		}
		im->col_field[i] = f;
	}
	free(known);
	if (!seen[RF_NAME])
		row_error(im, b, row->line, NULL, _("no \"name\" (or \"nombre\") column"));
	return im->rerrors > 0 ? -1 : 0;
}

static int
owner_known(struct importer *im, const char *email)
{
	for (size_t i = 0; i < im->nowners; i++)
		if (strcasecmp(im->owners[i], email) == 0)
			return 1;
	return 0;
}

/* Room for need more bytes in b's arena. */
static int
arena_reserve(struct batch *b, size_t need)
{
	char *na;
	size_t cap;

	if (b->len + need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 65536;
	while (cap < b->len + need)
		cap *= 2;
	if ((na = realloc(b->arena, cap)) == NULL)
		return -1;
	b->arena = na;
	b->cap = cap;
	return 0;
}

/* The text at off (1 + its place) in b's arena, or NULL for 0. */
static char *
arena_at(const struct batch *b, size_t off)
{
	return off ? b->arena + off - 1 : NULL;
}

/* The value of field f of row p, or NULL. */
static char *
prow_value(const struct batch *b, const struct prow *p, int f)
{
	return arena_at(b, p->off[f]);
}

/* The fields the store keeps a search key of (record_search_key): made
 * here, on the reader's thread. */
static int
keyed(int f)
{
	return f == RF_NAME || f == RF_CITY || f == RF_SECTOR || f == RF_CONTACT;
}

/* The search key of the value at p->off[f], into the arena. */
static int
add_key(struct batch *b, struct prow *p, int f)
{
	char *k = record_search_key(prow_value(b, p, f));
	size_t n;

	if (k == NULL)
		return -1;
	n = strlen(k) + 1;
	if (arena_reserve(b, n) == -1) {
		free(k);
		return -1;
	}
	memcpy(b->arena + b->len, k, n);
	free(k);
	p->koff[f] = b->len + 1;
	b->len += n;
	return 0;
}

/* The reader's part of a data row: each value checked and normalised
 * into the batch (record.c), the row's errors beside it. */
static int
read_row(struct importer *im, struct batch *b, struct prow *p, const struct csvfile_row *row)
{
	char e[512];
	int bad = 0;

	for (size_t i = 0; i < row->nfields; i++) {
		int f = i < im->ncols ? im->col_field[i] : COL_UNNAMED;
		const char *v = row->fields[i];
		char *out;

		if (f == COL_IGNORED)
			continue;
		if (f == COL_UNNAMED) {
			if (row->lens[i] > 0 && (i >= im->ncols || *v != '\0')) {
				row_error(im, b, row->line, NULL, _("field %zu has a value but "
				    "its column has no name%s"), i + 1,
				    i >= im->ncols ? " (more fields than the header)" : "");
				bad = 1;
			}
			continue;
		}
		if (strlen(v) != row->lens[i]) {
			row_error(im, b, row->line, record_name((enum record_field)f),
			    _("contains a NUL byte"));
			bad = 1;
			continue;
		}
		if (*v == '\0')
			continue;	/* empty cell: keep what the client has */
		/* '=... is how Cartera's CSV (and OWASP) keeps a spreadsheet
		 * from running a cell as a formula: the ' is not data. */
		if (*v == '\'' && output_csv_formula_like(v + 1))
			v++;
		if (arena_reserve(b, row->lens[i] + 64) == -1) {
			snprintf(b->fatal, sizeof(b->fatal), _("out of memory"));
			return -1;
		}
		out = b->arena + b->len;
		if (record_normalize((enum record_field)f, v, out, b->cap - b->len, e,
		    sizeof(e)) == -1) {
			row_error(im, b, row->line, record_name((enum record_field)f), "%s", e);
			bad = 1;
			continue;
		}
		if (*out == '\0')
			continue;
		p->off[f] = b->len + 1;
		b->len += strlen(out) + 1;
		if (keyed(f) && add_key(b, p, f) == -1) {
			snprintf(b->fatal, sizeof(b->fatal), _("out of memory"));
			return -1;
		}
	}
	if (p->off[RF_NAME] == 0 && !bad) {
		row_error(im, b, row->line, "name", _("is empty"));
		bad = 1;
	}
	if (p->off[RF_OWNER] != 0 && !owner_known(im, prow_value(b, p, RF_OWNER))) {
		row_error(im, b, row->line, "owner", _("unknown owner %s (add it with \"cartera "
		    "owner add\")"), prow_value(b, p, RF_OWNER));
		bad = 1;
	}
	p->bad = bad;
	return 0;
}

/* The writer's part of a data row: matched and written. */
static void
write_row(struct importer *im, struct batch *b, const struct prow *p)
{
	struct record r;
	char e[512];
	long long id;
	int rc;

	memset(&r, 0, sizeof(r));
	for (int f = 0; f < RF_COUNT; f++) {
		r.v[f] = prow_value(b, p, f);
		r.key[f] = arena_at(b, p->koff[f]);
	}
	rc = store_client_match(im->st, &r, &id, e, sizeof(e));
	if (rc == -1) {
		add_error(im, p->line, NULL, "%s", e);
		return;
	}
	if (rc == 1 && r.v[RF_OWNER] == NULL) {
		if (im->owner == NULL && im->no_owner[0] != '\0') {
			add_error(im, p->line, "owner", _("none given for new client \"%s\", "
			    "and %s: give each new client its owner, or all of them one "
			    "with --owner EMAIL"), r.v[RF_NAME], im->no_owner);
			return;
		}
		r.v[RF_OWNER] = im->owner;
	}
	if (rc == 0) {
		int differs;
		if (store_client_differs(im->st, id, &r, &differs, e, sizeof(e)) == -1) {
			add_error(im, p->line, NULL, "%s", e);
			return;
		}
		if (!differs) {
			im->res->unchanged++;
			return;
		}
	}
	if (store_client_put(im->st, rc == 0 ? id : 0, &r, NULL, e, sizeof(e)) == -1) {
		add_error(im, p->line, NULL, "%s", e);
		return;
	}
	if (rc == 0)
		im->res->updated++;
	else
		im->res->inserted++;
}

/* The writer takes batch b: each row's errors listed, the good rows
 * written while no row has failed (after that, only checked).  -1: stop
 * (b's reader ran out of memory). */
static int
write_batch(struct importer *im, struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct prow *p = &b->rows[i];

		for (size_t k = p->err_lo; k < p->err_hi; k++) {
			if (b->errs[k] != NULL)
				error_push(im->res, im->opts, b->errs[k]);
			else
				im->res->more_errors++;
			b->errs[k] = NULL;
		}
		if (p->header) {
			im->header_done = 1;
			continue;
		}
		im->res->rows++;
		if (!p->bad && im->res->nerrors == 0 && im->res->more_errors == 0)
			write_row(im, b, p);
	}
	if (b->fatal[0] != '\0') {
		snprintf(im->fatal, sizeof(im->fatal), "%s", b->fatal);
		return -1;
	}
	return 0;
}

static void
batch_clear(struct batch *b)
{
	for (size_t k = 0; k < b->nerrs; k++)
		free(b->errs[k]);
	b->nerrs = 0;
	b->n = 0;
	b->len = 0;
	b->fatal[0] = '\0';
}

/* The reader hands over the batch it filled; on one thread it is written
 * at once.  1: the writer needs no more rows. */
static int
batch_done(struct importer *im)
{
	struct batch *b = &im->batch[im->filling % BATCHES];
	int stop;

	if (!im->threaded) {
		stop = write_batch(im, b) == -1;
		batch_clear(b);
		return stop;
	}
	pthread_mutex_lock(&im->mu);
	b->full = 1;
	im->filling++;
	pthread_cond_broadcast(&im->cv);
	stop = im->stop;
	pthread_mutex_unlock(&im->mu);
	return stop;
}

/* The batch the reader fills next, once the writer has emptied it. */
static struct batch *
batch_next(struct importer *im)
{
	struct batch *b = &im->batch[im->filling % BATCHES];
	int stop;

	if (!im->threaded)
		return b;
	pthread_mutex_lock(&im->mu);
	while (b->full && !im->stop)
		pthread_cond_wait(&im->cv, &im->mu);
	stop = im->stop;
	pthread_mutex_unlock(&im->mu);
	return stop ? NULL : b;
}

static int
on_row(const struct csvfile_row *row, void *arg)
{
	struct importer *im = arg;
	struct batch *b;
	struct prow *p;
	int rc, failed;

	if ((b = batch_next(im)) == NULL)
		return 1;
	p = &b->rows[b->n++];
	memset(p, 0, sizeof(*p));
	p->line = row->line;
	p->err_lo = b->nerrs;
	if (!im->read_header) {
		im->read_header = 1;
		p->header = 1;
		rc = header(im, b, row);
	} else
		rc = read_row(im, b, p, row);
	p->err_hi = b->nerrs;
	/* (b is the writer's once handed over: nothing of it is read after.) */
	failed = rc == -1 || b->fatal[0] != '\0';
	if (failed || b->n == BATCH_ROWS || b->len > BATCH_ROWS * 1024)
		return batch_done(im) || failed;
	return 0;
}

static void
progress(size_t done, size_t total, void *arg)
{
	const char *path = arg;

	fputc('\r', stderr);
	fprintf(stderr, _("importing %s: %3d%%"), path,
	    total ? (int)(done * 100 / total) : 100);
	if (done >= total)
		fputc('\n', stderr);
}

/* The reader: the whole file, then what is left of the last batch. */
static void *
reader(void *arg)
{
	struct importer *im = arg;
	char err[sizeof(im->read_err)];
	struct batch *b;
	int rc;

	err[0] = '\0';
	rc = csvfile_read(im->opts->path, &im->co, on_row, im, NULL, NULL, err, sizeof(err));
	/* The rows of a batch not yet full. */
	if ((b = batch_next(im)) != NULL && b->n > 0)
		(void)batch_done(im);
	if (im->threaded)
		pthread_mutex_lock(&im->mu);
	im->read_rc = rc;
	memcpy(im->read_err, err, sizeof(err));
	im->read_done = 1;
	if (im->threaded) {
		pthread_cond_broadcast(&im->cv);
		pthread_mutex_unlock(&im->mu);
	}
	return NULL;
}

/* The writer, beside the reader thread: each batch in the order read. */
static void
writer(struct importer *im)
{
	for (size_t next = 0;; next++) {
		struct batch *b = &im->batch[next % BATCHES];
		int stop;

		pthread_mutex_lock(&im->mu);
		while (!b->full && !(im->read_done && next == im->filling))
			pthread_cond_wait(&im->cv, &im->mu);
		if (!b->full) {
			pthread_mutex_unlock(&im->mu);
			return;
		}
		pthread_mutex_unlock(&im->mu);
		stop = write_batch(im, b) == -1;
		batch_clear(b);
		pthread_mutex_lock(&im->mu);
		b->full = 0;
		if (stop)
			im->stop = 1;
		pthread_cond_broadcast(&im->cv);
		pthread_mutex_unlock(&im->mu);
	}
}

static int
load_owners(struct importer *im, char *err, size_t errlen)
{
	struct owner *v;
	size_t n;

	if (store_owner_load(im->st, 1, &v, &n, err, errlen) == -1)
		return -1;
	if ((im->owners = calloc(n + 1, sizeof(char *))) == NULL) {
		for (size_t i = 0; i < n; i++)
			store_owner_clear(&v[i]);
		free(v);
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		im->owners[i] = v[i].email;
		v[i].email = NULL;
		store_owner_clear(&v[i]);
	}
	im->nowners = n;
	free(v);
	/* New clients without an owner: the one given, else the rule of the
	 * store (the only salesperson; with several, none). */
	if (im->opts->default_owner != NULL) {
		if (!owner_known(im, im->opts->default_owner)) {
			snprintf(err, errlen, _("--owner %s: no such salesperson (add it with "
			    "\"cartera owner add\")"), im->opts->default_owner);
			return -1;
		}
		if ((im->owner = strdup(im->opts->default_owner)) == NULL) {
			snprintf(err, errlen, _("out of memory"));
			return -1;
		}
		return 0;
	}
	switch (store_owner_default(im->st, &im->owner, im->no_owner,
	    sizeof(im->no_owner))) {
	case -1:
		snprintf(err, errlen, "%s", im->no_owner);
		return -1;
	case 2:
		break;
	default:
		im->no_owner[0] = '\0';
		break;
	}
	return 0;
}

/* Lines in the file at path: about its rows.  0 for a pipe or device (it
 * can be read once only) or a file that cannot be read (the import says
 * why). */
static size_t
count_lines(const char *path)
{
	char buf[65536];
	size_t n = 0, got;
	struct stat sb;
	FILE *fp;

	if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode) || (fp = fopen(path, "rb")) == NULL)
		return 0;
	while ((got = fread(buf, 1, sizeof(buf), fp)) > 0)
		for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + got - p))) != NULL; p++)
			n++;
	fclose(fp);
	return n;
}

int
import_csv(struct store *st, const struct import_opts *opts, struct import_result *res,
    char *err, size_t errlen)
{
	struct importer im = { 0 };
	pthread_t tid;
	size_t lines;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	im.st = st;
	im.opts = opts;
	im.res = res;
	import_csvfile_opts(opts, &im.co);
	if (opts->progress) {
		im.co.progress = progress;
		im.co.arg = (void *)(uintptr_t)opts->path;
	}
	lines = count_lines(opts->path);
	if (store_client_import_begin(st, lines, err, errlen) == -1 ||
	    load_owners(&im, err, errlen) == -1)
		goto out;
	if (lines >= THREAD_MIN && pthread_mutex_init(&im.mu, NULL) == 0) {
		if (pthread_cond_init(&im.cv, NULL) == 0) {
			im.threaded = 1;
			if (pthread_create(&tid, NULL, reader, &im) != 0) {
				im.threaded = 0;
				pthread_cond_destroy(&im.cv);
			}
		}
		if (!im.threaded)
			pthread_mutex_destroy(&im.mu);
	}
	if (im.threaded) {
		writer(&im);
		pthread_join(tid, NULL);
		pthread_cond_destroy(&im.cv);
		pthread_mutex_destroy(&im.mu);
	} else
		reader(&im);
	if (im.read_rc == -1) {
		snprintf(err, errlen, "%s", im.read_err);
		goto out;
	}
	ret = import_end(st, opts, res, im.header_done, im.fatal, err, errlen);
	goto done;
out:
	store_rollback(st);
done:
	for (int k = 0; k < BATCHES; k++) {
		batch_clear(&im.batch[k]);
		free(im.batch[k].arena);
		free(im.batch[k].errs);
	}
	free(im.col_field);
	for (size_t i = 0; i < im.nowners; i++)
		free(im.owners[i]);
	free(im.owners);
	free(im.owner);
	return ret;
}

void
import_csvfile_opts(const struct import_opts *opts, struct csvfile_opts *co)
{
	co->delimiter = opts->delimiter;
	co->encoding = opts->encoding == IMPORT_ENC_CP1252 ? CSVFILE_ENC_CP1252 :
	    opts->encoding == IMPORT_ENC_UTF8 ? CSVFILE_ENC_UTF8 : CSVFILE_ENC_AUTO;
}

int
import_end(struct store *st, const struct import_opts *opts, const struct import_result *res,
    int header_done, const char *fatal, char *err, size_t errlen)
{
	int failed = fatal[0] != '\0' || !header_done || res->nerrors > 0 ||
	    res->more_errors > 0;

	if (fatal[0] != '\0')
		snprintf(err, errlen, "%s: %s", opts->path, fatal);
	else if (!header_done)
		snprintf(err, errlen, _("%s: no header row"), opts->path);
	if (failed || opts->dry_run) {
		store_rollback(st);
		return failed ? -1 : 0;
	}
	return store_commit(st, err, errlen) == -1 ? -1 : 0;
}

int
import_map_add(struct import_map *m, const char *entry)
{
	char **nv, *e;

	if ((e = strdup(entry)) == NULL)
		return -1;
	if ((nv = reallocarray(m->v, m->n + 1, sizeof(*nv))) == NULL) {
		free(e);
		return -1;
	}
	m->v = nv;
	m->v[m->n++] = e;
	return 0;
}

int
import_map_read(struct import_map *m, const char *path, char *err, size_t errlen)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int ret = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (ret == 0 && (n = getline(&line, &cap, fp)) != -1) {
		char *p = line;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		/* A UTF-8 byte order mark on the first line, as editors write it. */
		if (lineno == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0)
			p += 3;
		if (*p == '\0' || *p == '#')
			continue;
		if (strchr(p, '=') == NULL) {
			snprintf(err, errlen, _("%s:%zu: a mapping is \"Header=column\" or "
			    "\"Header=-\""), path, lineno);
			ret = -1;
		} else if (import_map_add(m, p) == -1) {
			snprintf(err, errlen, _("out of memory"));
			ret = -1;
		}
	}
	if (ret == 0 && ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ret = -1;
	}
	free(line);
	fclose(fp);
	return ret;
}

void
import_map_free(struct import_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

void
import_result_free(struct import_result *res)
{
	for (size_t i = 0; i < res->nerrors; i++)
		free(res->errors[i]);
	free(res->errors);
	memset(res, 0, sizeof(*res));
}

/* ---- export ------------------------------------------------------------ */

struct exporter {
	const struct export_opts *o;
	FILE		*fp;
	int		 header_done;
};

/* Spanish headers of the invoice columns (store_invoice_list's order). */
static const char *const invoice_headers_es[] = {
	"Id", "Cliente", "Número", "Importe", "Moneda", "Emitida", "Vencimiento", "Pagada"
};

/* One cell as the export writes it; buf holds what is made here. */
static const char *
export_value(const struct exporter *x, const char *name, const char *v, char *buf,
    size_t len)
{
	long day;

	if (v == NULL)
		return "";
	if (strcmp(name, "amount_cents") == 0) {
		long long c = strtoll(v, NULL, 10);
		/* No thousands mark: a spreadsheet reads "1234,56" as a number. */
		snprintf(buf, len, "%s%lld%c%02lld", c < 0 ? "-" : "", llabs(c) / 100,
		    x->o->excel ? ',' : '.', llabs(c) % 100);
		return buf;
	}
	if (!x->o->excel)
		return v;
	if ((strcmp(name, "next_contact") == 0 || strcmp(name, "issued") == 0 ||
	    strcmp(name, "due") == 0 || strcmp(name, "paid_at") == 0) &&
	    clock_date_parse(v, &day) == 0)
		return i18n_date("es", day, buf, len);
	if (strcmp(name, "kind") == 0 || strcmp(name, "status") == 0)
		return i18n_status("es", v);
	if (strcmp(name, "do_not_email") == 0 || strcmp(name, "followup_emails") == 0)
		return strcmp(v, "yes") == 0 ? "sí" : strcmp(v, "no") == 0 ? "no" : v;
	if (strcmp(name, "payment_method") == 0 || strcmp(name, "orders") == 0) {
		static const char *const es[][2] = {
			{ "transfer", "transferencia" }, { "direct_debit", "domiciliación" },
			{ "card", "tarjeta" }, { "cash", "efectivo" },
			{ "promissory_note", "pagaré" }, { "cheque", "talón" },
			{ "self", "solo" }, { "visit", "visita" },
		};
		for (size_t i = 0; i < sizeof(es) / sizeof(es[0]); i++)
			if (strcmp(v, es[i][0]) == 0)
				return es[i][1];
	}
	return v;
}

static int
export_row(const struct store_row *r, void *arg)
{
	struct exporter *x = arg;
	char buf[64];

	if (!x->header_done) {
		for (int i = 0; i < r->ncols; i++) {
			const char *h = r->names[i];
			if (x->o->excel && x->o->invoices && i < 8)
				h = invoice_headers_es[i];
			else if (x->o->excel && !x->o->invoices && i < RF_COUNT)
				h = record_header_es((enum record_field)i);
			else if (strcmp(h, "amount_cents") == 0)
				h = "amount";
			if (i)
				fputc(x->o->delimiter, x->fp);
			output_csv_cell(x->fp, h, x->o->delimiter);
		}
		fputs("\r\n", x->fp);
		x->header_done = 1;
	}
	for (int i = 0; i < r->ncols; i++) {
		if (i)
			fputc(x->o->delimiter, x->fp);
		output_csv_cell(x->fp, export_value(x, r->names[i], r->values[i], buf,
		    sizeof(buf)), x->o->delimiter);
	}
	fputs("\r\n", x->fp);
	return ferror(x->fp) ? 1 : 0;
}

/*
 * UTF-8 to Windows-1252 through iconv, strictly: a character cp1252 lacks
 * is an error naming the line, not a silent '?'.
 */
static int
to_cp1252(const char *in, size_t len, char **out, size_t *outlen, char *err, size_t errlen)
{
	iconv_t cd = iconv_open("CP1252", "UTF-8");
	char *ip = (char *)(uintptr_t)in, *op, *buf;
	size_t il = len, ol = len + 1;

	if (cd == (iconv_t)-1) {
		snprintf(err, errlen, _("iconv: %s"), strerror(errno));
		return -1;
	}
	if ((buf = malloc(len + 1)) == NULL) {
		iconv_close(cd);
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	op = buf;
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
		size_t line = 1;
		for (const char *p = in; p < ip; p++)
			line += *p == '\n';
		snprintf(err, errlen, _("line %zu has a character Windows-1252 cannot hold; "
		    "export as UTF-8 (the default) instead"), line);
		free(buf);
		iconv_close(cd);
		return -1;
	}
	iconv_close(cd);
	*out = buf;
	*outlen = (size_t)(op - buf);
	return 0;
}

int
import_export(struct store *st, const struct export_opts *o, char *err, size_t errlen)
{
	struct exporter x = { o, NULL, 0 };
	char *data = NULL, *conv = NULL;
	size_t len = 0, clen;
	int rc;

	if ((x.fp = open_memstream(&data, &len)) == NULL) {
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	/* Excel takes a file for UTF-8 only when it starts with a BOM. */
	if (o->encoding == EXPORT_UTF8_BOM)
		fputs("\xef\xbb\xbf", x.fp);
	rc = o->invoices ? store_invoice_list(st, 0, 0, export_row, &x, err, errlen) :
	    store_client_export(st, export_row, &x, err, errlen);
	if (fclose(x.fp) != 0 && rc == 0) {
		snprintf(err, errlen, _("out of memory"));
		rc = -1;
	}
	if (rc == 0 && o->encoding == EXPORT_CP1252) {
		if (to_cp1252(data, len, &conv, &clen, err, errlen) == -1)
			rc = -1;
		else {
			free(data);
			data = conv;
			len = clen;
		}
	}
	if (rc == 0 && o->path != NULL)
		rc = file_replace_write(o->path, FILE_PRIVATE, data, len, err, errlen);
	else if (rc == 0 && (fwrite(data, 1, len, stdout) != len || fflush(stdout) == EOF)) {
		snprintf(err, errlen, _("stdout: %s"), strerror(errno));
		rc = -1;
	}
	free(data);
	return rc;
}
