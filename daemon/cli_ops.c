/*
 * cli_ops.c - the commands that run the installation: init, check, backup,
 * import, export, due, outbox, feed, report.
 *
 * Argument parsing and wiring only: the scan, digest, feed and report
 * modules decide and build; this file prints or writes what they return.
 * No SQL, no business rules.
 */
#include "build.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli_priv.h"
#include "clock.h"
#include "config.h"
#include "digest.h"
#include "escape.h"
#include "feed.h"
#include "file.h"
#include "import.h"
#include "nls.h"
#include "jsonb.h"
#include "outbox.h"
#include "output.h"
#include "record.h"
#include "render.h"
#include "report.h"
#include "scan.h"
#include "store.h"
#include "tz.h"

/* ---- init ------------------------------------------------------------ */

int
cli_cmd_init(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "init", &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind != argc)
		return cli_usage("init", _("unexpected argument %s"), argv[optind]);
	if (cli_open_store(c, STORE_CREATE) == -1)
		return cli_fail(c);
	if (!store_created(c->st)) {
		if (!c->quiet)
			printf(_("%s: already initialised (schema version %d)\n"), c->db_path,
			    STORE_SCHEMA_VERSION);
		return 0;
	}
	if (!c->quiet)
		printf(_("%s: created (schema version %d)\n"), c->db_path, STORE_SCHEMA_VERSION);
	return 0;
}

int
cli_cmd_check(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "check", &ret)) != -1)
		if (ch == -2)
			return ret;
	if (cli_open_store(c, 0) == -1 || store_check(c->st, c->err, sizeof(c->err)) == -1)
		return cli_fail(c);
	if (!c->quiet)
		printf(_("%s: ok\n"), c->db_path);
	return 0;
}

/* ---- backup ---------------------------------------------------------- */

/* The progress line on a terminal; open says a line needs ending. */
struct backup_progress {
	const char	*db;
	int		 open;
};

static void
backup_progress(int remaining, int total, void *arg)
{
	struct backup_progress *p = arg;

	fputc('\r', stderr);
	fprintf(stderr, _("backup of %s: %3d%%"), p->db,
	    total > 0 ? (int)((long long)(total - remaining) * 100 / total) : 100);
	p->open = remaining > 0;
	if (!p->open)
		fputc('\n', stderr);
}

int
cli_cmd_backup(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	struct backup_progress bp = { 0 };
	long long pages = 0, bytes = 0;
	const char *path;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "backup", &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind + 1 != argc)
		return cli_usage("backup", _("expected FILE"));
	path = argv[optind];
	if (strcmp(path, "-") == 0)
		return cli_usage("backup", _("a backup cannot go to standard output "
		    "(\"-\"); give a FILE"));
	if (*path == '\0')
		return cli_usage("backup", _("FILE is empty"));
	/* Reading is enough; a database that needs migrating is opened
	 * read-write, as by any other command. */
	if (cli_open_store(c, STORE_READONLY) == -1 && cli_open_store(c, 0) == -1)
		return cli_fail(c);
	bp.db = c->db_path;
	ret = store_backup(c->st, path, isatty(STDERR_FILENO) && !c->quiet ?
	    backup_progress : NULL, &bp, &pages, &bytes, c->err, sizeof(c->err));
	if (bp.open)
		fputc('\n', stderr);
	if (ret == -1)
		return cli_fail(c);
	if (c->json) {
		struct jsonb jb = JSONB_INIT;
		json_object *j = jsonb_object(&jb);

		jsonb_str(&jb, j, "database", c->db_path);
		jsonb_str(&jb, j, "file", path);
		jsonb_int(&jb, j, "pages", pages);
		jsonb_int(&jb, j, "bytes", bytes);
		return cli_print_json(&jb, j);
	} else if (!c->quiet)
		printf(_("backup of %s to %s: %lld pages, %lld bytes\n"), c->db_path, path, pages,
		    bytes);
	return 0;
}
int
cli_cmd_copy(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "replace", no_argument, NULL, 'r' },
		HELP_OPT, END_OPT
	};
	struct store_copy_table *v = NULL;
	struct store *to = NULL;
	const char *dest = NULL;
	long long rows = 0;
	size_t n = 0;
	int ch, ret, replace = 0;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "copy", &ret)) != -1) {
		if (ch == -2)
			return ret;
		if (ch == 't')
			dest = optarg;
		else if (ch == 'r')
			replace = 1;
	}
	if (optind != argc)
		return cli_usage("copy", _("unexpected argument %s"), argv[optind]);
	if (dest == NULL || *dest == '\0')
		return cli_usage("copy", _("--to DB is required"));
	if (strcmp(dest, c->db_path) == 0)
		return cli_usage("copy", _("--to names the database itself"));
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	if (store_open(dest, STORE_CREATE, &to, c->err, sizeof(c->err)) == -1)
		return cli_fail(c);
	ret = store_copy(c->st, to, replace, &v, &n, c->err, sizeof(c->err));
	store_close(to);
	if (ret == -1)
		return cli_fail(c);
	for (size_t i = 0; i < n; i++)
		rows += v[i].rows;
	ret = 0;
	if (c->json) {
		struct jsonb jb = JSONB_INIT;
		json_object *j = jsonb_object(&jb), *t = jsonb_array(&jb);

		for (size_t i = 0; i < n; i++) {
			json_object *o = jsonb_object(&jb);
			char sum[16];

			snprintf(sum, sizeof(sum), "%08lx", v[i].checksum);
			jsonb_str(&jb, o, "table", v[i].table);
			jsonb_int(&jb, o, "rows", v[i].rows);
			jsonb_str(&jb, o, "checksum", sum);
			jsonb_append(&jb, t, o);
		}
		jsonb_str(&jb, j, "from", c->db_path);
		jsonb_str(&jb, j, "to", dest);
		jsonb_int(&jb, j, "rows", rows);
		jsonb_put(&jb, j, "tables", t);
		ret = cli_print_json(&jb, j);
	} else if (!c->quiet) {
		for (size_t i = 0; i < n; i++)
			printf(_("%-18s %10lld rows  checksum %08lx\n"), v[i].table, v[i].rows,
			    v[i].checksum);
		printf(_("copied %s to %s: %lld rows in %zu tables, counts and checksums match\n"),
		    c->db_path, dest, rows, n);
	}
	free(v);
	return ret;
}

/* ---- import / export ------------------------------------------------- */

/*
 * What an import (of clients or invoices) found wrong, on stderr: each
 * row's error, and when it failed (ret -1) that nothing was imported.
 * -1 (res freed) when it failed, else 0.
 */
static int
import_report_errors(struct cli *c, const char *path, struct import_result *res, int ret)
{
	for (size_t i = 0; i < res->nerrors; i++)
		fprintf(stderr, "%s\n", res->errors[i]);
	if (res->more_errors)
		fprintf(stderr, _("%s: ... and %zu more errors\n"), path, res->more_errors);
	if (ret != -1)
		return 0;
	if (res->nerrors > 0)
		fprintf(stderr, _("cartera: %s: nothing imported, the database is "
		    "unchanged\n"), path);
	else
		cli_fail(c);
	import_result_free(res);
	return -1;
}

int
cli_cmd_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "delimiter", required_argument, NULL, 'd' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "max-errors", required_argument, NULL, 'm' },
		{ "progress", no_argument, NULL, 'p' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "owner", required_argument, NULL, 'o' },
		{ "map", required_argument, NULL, 'M' },
		{ "map-file", required_argument, NULL, 'F' },
		{ "date-format", required_argument, NULL, 'D' },
		HELP_OPT, END_OPT
	};
	struct import_opts io = { 0 };
	struct import_result res = { 0 };
	struct import_map map = { 0 };
	long maxerr;
	int ch, ret;

	io.max_errors = 50;
	io.progress = isatty(STDERR_FILENO) ? 1 : 0;
	io.encoding = IMPORT_ENC_AUTO;
	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "import", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'n': io.dry_run = 1; break;
		case 'o': io.default_owner = optarg; break;
		case 'p': io.progress = 1; break;
		case 'P': io.progress = 0; break;
		case 'd':
			if (strcmp(optarg, "tab") == 0 || strcmp(optarg, "\\t") == 0)
				io.delimiter = '\t';
			else if (strlen(optarg) == 1 && strchr(",;\t|", optarg[0]) != NULL)
				io.delimiter = optarg[0];
			else
				return cli_usage("import", _("--delimiter must be , ; | or tab"));
			break;
		case 'e':
			if (strcasecmp(optarg, "utf-8") == 0 || strcasecmp(optarg, "utf8") == 0)
				io.encoding = IMPORT_ENC_UTF8;
			else if (strcasecmp(optarg, "cp1252") == 0 ||
			    strcasecmp(optarg, "windows-1252") == 0 ||
			    strcasecmp(optarg, "latin1") == 0 ||
			    strcasecmp(optarg, "iso-8859-1") == 0)
				io.encoding = IMPORT_ENC_CP1252;
			else
				return cli_usage("import", _("--encoding must be utf-8 or cp1252"));
			break;
		case 'm':
			if (cli_parse_long(optarg, 1, 100000, &maxerr) == -1)
				return cli_usage("import", _("--max-errors wants a number"));
			io.max_errors = (size_t)maxerr;
			break;
		case 'M':
			if (strchr(optarg, '=') == NULL) {
				import_map_free(&map);
				return cli_usage("import", _("--map wants \"Header=column\" or "
				    "\"Header=-\", not \"%s\""), optarg);
			}
			if (import_map_add(&map, optarg) == -1) {
				import_map_free(&map);
				return cli_failf(_("out of memory"));
			}
			break;
		case 'F':
			if (import_map_read(&map, optarg, c->err, sizeof(c->err)) == -1) {
				import_map_free(&map);
				return cli_fail(c);
			}
			break;
		case 'D':
			if (record_date_format(optarg, c->err, sizeof(c->err)) == -1) {
				import_map_free(&map);
				return cli_usage("import", "%s", c->err);
			}
			break;
		}
	}
	if (optind + 1 != argc) {
		import_map_free(&map);
		return cli_usage("import", _("expected FILE"));
	}
	io.path = argv[optind];
	io.map = (const char *const *)map.v;
	io.nmap = map.n;
	if (cli_open_store(c, 0) == -1) {
		import_map_free(&map);
		return cli_fail(c);
	}
	ret = import_csv(c->st, &io, &res, c->err, sizeof(c->err));
	import_map_free(&map);
	if (import_report_errors(c, io.path, &res, ret) == -1)
		return 1;
	if (c->json) {
		struct jsonb jb = JSONB_INIT;
		json_object *j = jsonb_object(&jb);

		jsonb_int(&jb, j, "rows", (long long)res.rows);
		jsonb_int(&jb, j, "inserted", (long long)res.inserted);
		jsonb_int(&jb, j, "updated", (long long)res.updated);
		jsonb_int(&jb, j, "unchanged", (long long)res.unchanged);
		jsonb_bool(&jb, j, "dry_run", io.dry_run);
		import_result_free(&res);
		return cli_print_json(&jb, j);
	} else if (!c->quiet)
		printf(io.dry_run ? _("%s: %zu rows, %zu would be inserted, %zu would be "
		    "updated, %zu unchanged (dry run, nothing written)\n") :
		    _("%s: %zu rows, %zu inserted, %zu updated, %zu unchanged\n"), io.path,
		    res.rows, res.inserted, res.updated, res.unchanged);
	import_result_free(&res);
	return 0;
}

int
cli_cmd_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "excel", no_argument, NULL, 'x' },
		{ "delimiter", required_argument, NULL, 'd' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "invoices", no_argument, NULL, 'i' },
		HELP_OPT, END_OPT
	};
	struct export_opts eo = { NULL, 0, EXPORT_UTF8, 0, 0 };
	int ch, ret, enc = -1;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "export", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'x': eo.excel = 1; break;
		case 'i': eo.invoices = 1; break;
		case 'd':
			if (strcmp(optarg, "tab") == 0 || strcmp(optarg, "\\t") == 0)
				eo.delimiter = '\t';
			else if (strlen(optarg) == 1 && strchr(",;\t|", optarg[0]) != NULL)
				eo.delimiter = optarg[0];
			else
				return cli_usage("export", _("--delimiter must be , ; | or tab"));
			break;
		case 'e':
			if (strcasecmp(optarg, "utf-8") == 0 || strcasecmp(optarg, "utf8") == 0)
				enc = EXPORT_UTF8;
			else if (strcasecmp(optarg, "utf-8-bom") == 0 ||
			    strcasecmp(optarg, "utf8-bom") == 0)
				enc = EXPORT_UTF8_BOM;
			else if (strcasecmp(optarg, "cp1252") == 0 ||
			    strcasecmp(optarg, "windows-1252") == 0)
				enc = EXPORT_CP1252;
			else
				return cli_usage("export", _("--encoding must be utf-8, utf-8-bom "
				    "or cp1252"));
			break;
		}
	}
	if (optind + 1 < argc)
		return cli_usage("export", _("expected at most one FILE"));
	if (optind < argc && strcmp(argv[optind], "-") != 0)
		eo.path = argv[optind];
	/* --excel: ';', a BOM unless another encoding is asked for. */
	if (eo.delimiter == 0)
		eo.delimiter = eo.excel ? ';' : ',';
	eo.encoding = enc >= 0 ? (enum export_encoding)enc :
	    eo.excel ? EXPORT_UTF8_BOM : EXPORT_UTF8;
	if (cli_open_store(c, STORE_READONLY) == -1 && cli_open_store(c, 0) == -1)
		return cli_fail(c);
	if (import_export(c->st, &eo, c->err, sizeof(c->err)) == -1)
		return cli_fail(c);
	return 0;
}

/*
 * Invoices with their lines (import_invoices.c): a file in, all or
 * nothing; every line out as the same CSV.
 */
int
cli_cmd_invoice_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "delimiter", required_argument, NULL, 'd' },
		{ "encoding", required_argument, NULL, 'e' },
		{ "max-errors", required_argument, NULL, 'm' },
		HELP_OPT, END_OPT
	};
	struct import_opts io = { 0 };
	struct import_result res = { 0 };
	long maxerr;
	int ch, ret;

	io.max_errors = 50;
	io.encoding = IMPORT_ENC_AUTO;
	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "invoice import", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'n': io.dry_run = 1; break;
		case 'd':
			if (strcmp(optarg, "tab") == 0 || strcmp(optarg, "\\t") == 0)
				io.delimiter = '\t';
			else if (strlen(optarg) == 1 && strchr(",;\t|", optarg[0]) != NULL)
				io.delimiter = optarg[0];
			else
				return cli_usage("invoice import",
				    _("--delimiter must be , ; | or tab"));
			break;
		case 'e':
			if (strcasecmp(optarg, "utf-8") == 0 || strcasecmp(optarg, "utf8") == 0)
				io.encoding = IMPORT_ENC_UTF8;
			else if (strcasecmp(optarg, "cp1252") == 0 ||
			    strcasecmp(optarg, "windows-1252") == 0)
				io.encoding = IMPORT_ENC_CP1252;
			else
				return cli_usage("invoice import",
				    _("--encoding must be utf-8 or cp1252"));
			break;
		case 'm':
			if (cli_parse_long(optarg, 1, 100000, &maxerr) == -1)
				return cli_usage("invoice import", _("--max-errors wants a number"));
			io.max_errors = (size_t)maxerr;
			break;
		}
	}
	if (optind + 1 != argc)
		return cli_usage("invoice import", _("expected FILE"));
	io.path = argv[optind];
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	ret = import_invoices_csv(c->st, &io, &res, c->err, sizeof(c->err));
	if (import_report_errors(c, io.path, &res, ret) == -1)
		return 1;
	if (c->json) {
		struct jsonb jb = JSONB_INIT;
		json_object *j = jsonb_object(&jb);

		jsonb_int(&jb, j, "rows", (long long)res.rows);
		jsonb_int(&jb, j, "inserted", (long long)res.inserted);
		jsonb_bool(&jb, j, "dry_run", io.dry_run);
		import_result_free(&res);
		return cli_print_json(&jb, j);
	} else if (!c->quiet)
		printf(io.dry_run ? _("%s: %zu rows, %zu invoices would be inserted (dry run, "
		    "nothing written)\n") : _("%s: %zu rows, %zu invoices inserted\n"), io.path,
		    res.rows, res.inserted);
	import_result_free(&res);
	return 0;
}

int
cli_cmd_invoice_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { HELP_OPT, END_OPT };
	const char *path = NULL;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "invoice export", &ret)) != -1)
		if (ch == -2)
			return ret;
	if (optind + 1 < argc)
		return cli_usage("invoice export", _("expected at most one FILE"));
	if (optind < argc && strcmp(argv[optind], "-") != 0)
		path = argv[optind];
	if (cli_open_store(c, STORE_READONLY) == -1 && cli_open_store(c, 0) == -1)
		return cli_fail(c);
	if (import_export_invoices(c->st, path, c->err, sizeof(c->err)) == -1)
		return cli_fail(c);
	return 0;
}

/* ---- due, outbox ----------------------------------------------------- */

/* One owner's digest as data: what "due" prints and the email carries. */
struct due_ctx {
	struct cli		*c;
	const struct render_set	*t;		/* NULL with --json */
	int			 one;		/* --owner: an object, not an array */
	size_t			 max;		/* digest entries per section, 0 = all */
	json_object		**data;		/* [n] */
	long			*today;		/* [n]: the local day of each scan */
	time_t			*at;		/* [n]: and its instant */
	size_t			 n;
};

/* Every owner is scanned; room for its data (before any scan runs). */
static int
due_pick(size_t i, const struct owner *o, time_t *at, void *arg)
{
	struct due_ctx *d = arg;
	json_object **nv;
	long *nt;
	time_t *na;

	(void)o;
	(void)at;
	if ((nv = reallocarray(d->data, i + 1, sizeof(*nv))) == NULL)
		return -1;
	d->data = nv;
	d->data[i] = NULL;
	if ((nt = reallocarray(d->today, i + 1, sizeof(*nt))) == NULL)
		return -1;
	d->today = nt;
	if ((na = reallocarray(d->at, i + 1, sizeof(*na))) == NULL)
		return -1;
	d->at = na;
	d->n = i + 1;
	return 1;
}

/* On the scan threads: each owner writes its own slot only. */
static int
due_data(size_t i, const struct owner *o, const struct scan_result *r, void *arg,
    char *err, size_t errlen)
{
	struct due_ctx *d = arg;
	struct owner shown;

	if (r == NULL)
		return -1;
	/* The text is read by whoever runs the command: in their language
	 * (LANG), as the rest of the output; --json is the digest's own data,
	 * in the salesperson's language, as carterad sends it. */
	if (!d->c->json) {
		shown = *o;
		shown.lang = cli_lang();
		o = &shown;
	}
	if ((d->data[i] = digest_data(r, o, &d->c->cfg, d->max)) == NULL) {
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	d->today[i] = r->today;
	d->at[i] = r->now;
	return 0;
}

/* Print one owner's digest data as the text the email carries. */
static int
due_print(struct cli *c, const struct owner *o, const struct render_set *t, json_object *data)
{
	char *subject, *text;
	const char *name, *subj, *body;
	struct buf b;
	int rc = 0;

	if (render_message(t, "digest", cli_lang(), data, &subject, &text, NULL, c->err,
	    sizeof(c->err)) == -1)
		return -1;
	/* Client data in the text is shown, not obeyed, by the terminal:
	 * escape sequences and bidi overrides escaped, lines kept. */
	buf_init(&b);
	if (escape_buf(&b, o->name, strlen(o->name), 0, 0) == -1 || buf_add(&b, "", 1) == -1 ||
	    escape_buf(&b, subject, strlen(subject), 0, 0) == -1 || buf_add(&b, "", 1) == -1 ||
	    escape_buf(&b, text, strlen(text), 0, ESCAPE_LINES) == -1 ||
	    buf_add(&b, "", 1) == -1) {
		snprintf(c->err, sizeof(c->err), _("out of memory"));
		rc = -1;
	} else {
		name = b.data;
		subj = name + strlen(name) + 1;
		body = subj + strlen(subj) + 1;
		printf(_("To: %s <%s>\nSubject: %s\n\n%s\n"), name, o->email, subj, body);
	}
	buf_free(&b);
	free(subject);
	free(text);
	return rc;
}

/* Every owner scanned: print in owner order. */
static int
due_done(const struct owner *v, size_t n, const struct scan_cache *k, void *arg, char *err,
    size_t errlen)
{
	struct due_ctx *d = arg;
	struct report_risk_memo *memo = NULL;

	(void)k;
	/* What the store adds (goals, the weekly risk list), here on one thread,
	 * in the language of the rest (see due_data).  For many owners the
	 * risk lists come from one pass over every client's history. */
	if (n > 1 && (memo = report_risk_memo_new(v, n, n)) == NULL) {
		snprintf(err, errlen, _("out of memory"));
		return -1;
	}
	for (size_t i = 0; i < n && i < d->n; i++) {
		struct owner shown = v[i];

		if (!d->c->json)
			shown.lang = cli_lang();
		if (d->data[i] != NULL && digest_figures(d->c->st, &d->c->cfg, &shown,
		    d->today[i], d->at[i], memo, d->data[i], err, errlen) == -1) {
			report_risk_memo_free(memo);
			return -1;
		}
	}
	report_risk_memo_free(memo);
	if (d->c->json && d->one) {
		output_print_json(stdout, d->data[0]);
		return 0;
	}
	if (d->c->json) {
		/* Made text (and freed) on every core: at 1M clients, 16 MB. */
		if (output_print_json_list(stdout, d->data, n < d->n ? n : d->n) == -1) {
			snprintf(err, errlen, _("out of memory"));
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			printf("\n");
		if (due_print(d->c, &v[i], d->t, d->data[i]) == -1)
			return -1;
	}
	return 0;
}

int
cli_cmd_due(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "owner", required_argument, NULL, 'o' },
		{ "date", required_argument, NULL, 'd' },
		{ "all", no_argument, NULL, 'a' },
		HELP_OPT, END_OPT
	};
	const char *owner = NULL, *date = NULL;
	struct render_set *t = NULL;
	struct scan_each e;
	struct due_ctx dc;
	long d;
	int ch, ret, all = 0, rc;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "due", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'o': owner = optarg; break;
		case 'd': date = optarg; break;
		case 'a': all = 1; break;
		}
	}
	if (optind != argc)
		return cli_usage("due", _("unexpected argument %s"), argv[optind]);
	if (date != NULL && cli_date(c, date, &d) == -1)
		return cli_usage("due", _("--date: %s"), c->err);
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	if (!c->json && render_load(c->cfg.templates, render_shipped_dir(), &t, c->err,
	    sizeof(c->err)) == -1)
		return cli_fail(c);
	dc = (struct due_ctx){ .c = c, .t = t, .one = owner != NULL,
	    .max = all ? 0 : (size_t)c->cfg.digest.max_items };
	/* Every owner's scan on the machine's cores. */
	e = (struct scan_each){ .owner = owner, .now = clock_now(),
	    .day = date != NULL ? &d : NULL, .detail = dc.max | SCAN_TOP, .threads = 1,
	    .pick = due_pick, .fn = due_data, .done = due_done, .arg = &dc };
	rc = scan_each_owner(c->st, &c->cfg, &e, c->err, sizeof(c->err));
	for (size_t i = 0; i < dc.n; i++)
		json_object_put(dc.data[i]);
	free(dc.data);
	free(dc.today);
	free(dc.at);
	render_free(t);
	return rc == 0 ? 0 : cli_fail(c);
}

static int
list_outbox(struct cli *c, struct output *o, void *arg)
{
	return outbox_list(c->st, arg, output_row, o, c->err, sizeof(c->err));
}

int
cli_cmd_outbox(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", required_argument, NULL, 's' },
		{ "older-than", required_argument, NULL, 'o' },
		{ "tz", required_argument, NULL, 'Z' },
		HELP_OPT, END_OPT
	};
	const char *status = NULL, *action = "list";
	long days = 30, id;
	long long n;
	int ch, ret;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "outbox", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 's':
			if ((status = record_word(RW_OUTBOX_STATUS, optarg)) == NULL)
				return cli_usage("outbox", _("--status must be pending, sent or failed"));
			break;
		case 'o':
			if (cli_parse_long(optarg, 0, 36500, &days) == -1)
				return cli_usage("outbox", _("--older-than wants days"));
			break;
		case 'Z':
			if (cli_show_zone(c, optarg) == -1)
				return cli_fail(c);
			break;
		}
	}
	if (optind < argc)
		action = argv[optind++];
	if (strcmp(action, "list") == 0) {
		if (optind != argc)
			return cli_usage("outbox", _("unexpected argument %s"), argv[optind]);
		if (cli_open_store(c, 0) == -1)
			return cli_fail(c);
		return cli_print_rows(c, cli_list_mode(c), list_outbox, (void *)(uintptr_t)status);
	}
	if (strcmp(action, "retry") == 0) {
		if (optind + 1 != argc || cli_parse_long(argv[optind], 1, LONG_MAX, &id) == -1)
			return cli_usage("outbox", _("retry wants a message ID"));
		if (cli_begin(c) == -1)
			return cli_fail(c);
		if (outbox_retry(c->st, id, clock_now(), c->err, sizeof(c->err)) == -1)
			return cli_abort(c);
		if (cli_commit(c) == -1)
			return cli_fail(c);
		if (!c->quiet)
			printf(_("message %ld queued again; carterad sends it at its next wake-up\n"), id);
		return 0;
	}
	if (strcmp(action, "purge") == 0) {
		if (optind != argc)
			return cli_usage("outbox", _("unexpected argument %s"), argv[optind]);
		if (cli_begin(c) == -1)
			return cli_fail(c);
		if (outbox_purge(c->st, clock_now() - (time_t)days * CLOCK_DAY, &n, c->err,
		    sizeof(c->err)) == -1)
			return cli_abort(c);
		if (cli_commit(c) == -1)
			return cli_fail(c);
		if (!c->quiet)
			printf(_("%lld sent or failed messages older than %ld days deleted\n"), n, days);
		return 0;
	}
	return cli_usage("outbox", _("unknown action \"%s\" (list, retry, purge)"), action);
}

/* ---- feed ------------------------------------------------------------ */

int
cli_cmd_feed(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "team", no_argument, NULL, 't' },
		HELP_OPT, END_OPT
	};
	const char *output = NULL;
	char *body = NULL;
	size_t len;
	int ch, ret, team = 0, events, rc;

	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "feed", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'o': output = optarg; break;
		case 't': team = 1; break;
		}
	}
	if (optind + 1 != argc)
		return cli_usage("feed", _("expected an owner EMAIL (or a team NAME with --team)"));
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	if (team)
		rc = feed_build_team(c->st, &c->cfg, argv[optind], clock_now(), &body, &len,
		    &events, c->err, sizeof(c->err));
	else
		rc = feed_build_owner(c->st, &c->cfg, argv[optind], clock_now(), &body, &len,
		    &events, c->err, sizeof(c->err));
	if (rc == -1)
		return cli_fail(c);
	if (output == NULL || strcmp(output, "-") == 0) {
		ret = fwrite(body, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 :
		    cli_failf(_("stdout: %s"), strerror(errno));
	} else {
		ret = file_replace_write(output, 0, body, len, c->err, sizeof(c->err)) == 0 ? 0 :
		    cli_fail(c);
		if (ret == 0 && !c->quiet)
			fprintf(stderr, _("cartera: %s: %d events, %zu bytes\n"), output, events, len);
	}
	free(body);
	return ret;
}

/* ---- reports --------------------------------------------------------- */

int
cli_cmd_report(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "month", required_argument, NULL, 'm' },
		{ "owner", required_argument, NULL, 'o' },
		{ "segment", required_argument, NULL, 'g' },
		{ "sector", required_argument, NULL, 's' },
		{ "city", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'F' },
		{ "limit", required_argument, NULL, 'n' },
		{ "date", required_argument, NULL, 'D' },
		HELP_OPT, END_OPT
	};
	struct report_opts ro = { 0 };
	enum report_format fmt = c->json ? REPORT_JSON : REPORT_TABLE;
	const char *from = NULL, *to = NULL, *month = NULL, *date = NULL, *kind = "summary";
	struct owner o = { 0 };
	json_object *r = NULL;
	long today, lim;
	int ch, ret, known = 0;

	ro.limit = 20;
	cli_reset_getopt();
	while ((ch = cli_next_opt(argc, argv, opts, "report", &ret)) != -1) {
		switch (ch) {
		case -2: return ret;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'm': month = optarg; break;
		case 'D': date = optarg; break;
		case 'o': ro.owner = optarg; break;
		case 'g': ro.segment = optarg; break;
		case 's': ro.sector = optarg; break;
		case 'c': ro.city = optarg; break;
		case 'n':
			if (cli_parse_long(optarg, 0, LONG_MAX, &lim) == -1)
				return cli_usage("report", _("--limit wants a number (0 = all)"));
			ro.limit = lim;
			break;
		case 'F':
			if (strcmp(optarg, "table") == 0)
				fmt = REPORT_TABLE;
			else if (strcmp(optarg, "csv") == 0)
				fmt = REPORT_CSV;
			else if (strcmp(optarg, "json") == 0)
				fmt = REPORT_JSON;
			else
				return cli_usage("report", _("--format must be table, csv or json"));
			break;
		}
	}
	if (optind < argc && (kind = record_word(RW_REPORT, argv[optind++])) == NULL)
		kind = argv[optind - 1];
	if (optind != argc)
		return cli_usage("report", _("unexpected argument %s"), argv[optind]);
	for (size_t i = 0; report_kind(i) != NULL; i++)
		known |= strcmp(report_kind(i), kind) == 0;
	if (!known) {
		struct buf names = BUF_INIT;
		int rc;

		/* The kinds as report.c's table has them, not a copy here. */
		for (size_t i = 0; report_kind(i) != NULL; i++)
			if (buf_printf(&names, "%s%s", i > 0 ? ", " : "", report_kind(i)) == -1)
				break;
		rc = cli_usage("report", _("no report \"%s\" (%s)"), kind,
		    names.data != NULL ? names.data : "");
		buf_free(&names);
		return rc;
	}
	if (month != NULL && (from != NULL || to != NULL))
		return cli_usage("report", _("give --month or --from/--to, not both"));
	if (date != NULL && (strcmp(kind, "risk") != 0 || month != NULL || from != NULL))
		return cli_usage("report", _("--date is for the risk report, alone"));
	if ((from == NULL) != (to == NULL))
		return cli_usage("report", _("--from and --to go together"));
	if (cli_open_store(c, 0) == -1)
		return cli_fail(c);
	ro.tz = c->cfg.digest.default_timezone;
	ro.lang = cli_lang();
	if (ro.owner != NULL) {
		int rc = store_owner_get(c->st, ro.owner, &o, c->err, sizeof(c->err));
		if (rc == 1)
			return cli_failf(_("no owner with email %s"), ro.owner);
		if (rc == -1)
			return cli_fail(c);
		ro.tz = o.tz;
	}
	ro.now = clock_now();
	today = 0;
	tz_local_day(ro.tz, ro.now, &today, NULL);
	ret = 0;
	if (month != NULL) {
		if (report_month(month, &ro.from, &ro.to) == -1)
			ret = cli_usage("report", _("--month wants YYYY-MM"));
	} else if (from != NULL) {
		if (cli_date(c, from, &ro.from) == -1 || cli_date(c, to, &ro.to) == -1)
			ret = cli_usage("report", _("--from/--to: %s"), c->err);
		else if (ro.from > ro.to)
			ret = cli_usage("report", _("--from is after --to"));
	} else if (date != NULL) {
		if (cli_date(c, date, &ro.from) == -1)
			ret = cli_usage("report", _("--date: %s"), c->err);
		ro.to = ro.from;
	} else if (strcmp(kind, "risk") == 0) {
		ro.from = ro.to = today;		/* risk: as of today */
	} else if (strcmp(kind, "goals") == 0) {
		int y, m, d;				/* goals: this month */
		clock_days_to_date(today, &y, &m, &d);
		ro.from = clock_date_to_days(y, m, 1);
		ro.to = (m == 12 ? clock_date_to_days(y + 1, 1, 1) :
		    clock_date_to_days(y, m + 1, 1)) - 1;
	} else
		report_last_month(today, &ro.from, &ro.to);
	if (ret == 0) {
		if (report_build(c->st, &c->cfg, kind, &ro, &r, c->err, sizeof(c->err)) == -1)
			ret = cli_fail(c);
		else if (report_print(stdout, kind, r, fmt, ro.lang) == -1)
			ret = cli_failf(_("stdout: %s"), strerror(errno));
	}
	json_object_put(r);
	store_owner_clear(&o);
	return ret;
}
