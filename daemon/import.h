/*
 * import.h - CSV import and export of clients (import.c) and of invoices
 * with their lines (import_invoices.c).
 *
 * Import is all or nothing: the whole file is one transaction; any bad
 * row aborts it with every problem listed as "FILE:LINE: column: what is
 * wrong" and the database unchanged.  Export writes what import reads
 * back to the same data.
 */
#ifndef CARTERA_IMPORT_H
#define CARTERA_IMPORT_H

#include <stddef.h>

#include "store.h"

enum import_encoding {
	IMPORT_ENC_AUTO,
	IMPORT_ENC_UTF8,
	IMPORT_ENC_CP1252
};

struct import_opts {
	const char		*path;
	int			 dry_run;	/* validate, report, write nothing */
	char			 delimiter;	/* 0 = detect */
	enum import_encoding	 encoding;
	int			 progress;	/* progress line on stderr */
	size_t			 max_errors;	/* errors listed before "N more" */
	/* Owner (email) of new clients whose row names none; NULL: the only
	 * salesperson, and with several such a row is an error. */
	const char		*default_owner;
	/* "Header=column" maps a header to a column Cartera knows (by its
	 * name in either language), "Header=-" ignores that column. */
	const char *const	*map;
	size_t			 nmap;
};

struct import_result {
	size_t	 rows;
	size_t	 inserted;
	size_t	 updated;
	size_t	 unchanged;	/* matched a client that already had every value */
	char	**errors;	/* owned, "FILE:LINE: column: ..." */
	size_t	 nerrors;
	size_t	 more_errors;	/* errors past max_errors, not listed */
};

/* Column mappings collected from --map and --map-file: owned strings. */
struct import_map {
	char	**v;
	size_t	 n;
};
int	 import_map_add(struct import_map *, const char *entry);
/*
 * Lines "Header=column" or "Header=-" of a file; blank lines and lines
 * starting with '#' are skipped.  A line without '=' is an error naming
 * the file and line.
 */
int	 import_map_read(struct import_map *, const char *path, char *err, size_t errlen);
void	 import_map_free(struct import_map *);

/* 0 imported (or validated), -1 nothing written: see res->errors, or err
 * for a problem with the file as a whole. */
int	 import_csv(struct store *, const struct import_opts *, struct import_result *res,
	    char *err, size_t errlen);
void	 import_result_free(struct import_result *);
/* For import.c and import_invoices.c: adds "PATH:LINE: COL: message" to
 * res->errors, or counts it in res->more_errors past opts->max_errors. */
void	 import_error(struct import_result *, const struct import_opts *, size_t line,
	    const char *col, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* For both importers: the csvfile.h options of an import's. */
struct csvfile_opts;
void	 import_csvfile_opts(const struct import_opts *, struct csvfile_opts *);
/*
 * For both importers, after the file is read inside the transaction:
 * commits it and returns 0, or rolls it back and returns -1 when the
 * import stopped (FATAL not empty: err says why), the file had no header
 * row, or a row had an error (see res->errors); a dry run rolls back and
 * returns 0.
 */
int	 import_end(struct store *, const struct import_opts *, const struct import_result *,
	    int header_done, const char *fatal, char *err, size_t errlen);

enum export_encoding {
	EXPORT_UTF8,
	EXPORT_UTF8_BOM,	/* what Excel needs to take a CSV file as UTF-8 */
	EXPORT_CP1252		/* Windows-1252 through iconv; refused for text it lacks */
};

struct export_opts {
	const char		*path;		/* NULL: stdout */
	char			 delimiter;	/* ',' or ';' or '\t' or '|' */
	enum export_encoding	 encoding;
	/* For a Spanish spreadsheet: Spanish headers and words (empresa,
	 * activo, sí), dates DD/MM/YYYY, amounts with a decimal comma. */
	int			 excel;
	int			 invoices;	/* the invoices instead of the clients */
};

/* Every client (import reads it back to the same data), or every invoice,
 * as CSV with CRLF line ends, to o->path (written to a temporary file and
 * renamed into place) or stdout. */
int	 import_export(struct store *, const struct export_opts *, char *err,
	    size_t errlen);

/*
 * Invoices from CSV, one row per line (columns invoice, number, client,
 * tax_id, issued, due, paid, currency, product, quantity, amount, or
 * their Spanish names): the rows of an invoice follow each other with the
 * same "invoice" cell (without that column: the same number); one row
 * without a product is an invoice without lines.  Clients must exist
 * (matched by tax id, else name); new products are added; an invoice
 * number the client already has is an error.  All or nothing, like
 * import_csv(); res->inserted counts invoices.
 */
int	 import_invoices_csv(struct store *, const struct import_opts *,
	    struct import_result *res, char *err, size_t errlen);
/* Every invoice line as that CSV (what import_invoices_csv reads back). */
int	 import_export_invoices(struct store *, const char *path, char *err, size_t errlen);

#endif
