/*
 * output.h - print store rows as an aligned table, JSON (json-c) or CSV.
 *
 * Columns named "at" or ending in "_at" holding integers are instants
 * (UTC epoch seconds), shown as local times in the row's zone: the zone
 * forced by output_set_zone, else the row's "tz" column (a valid IANA
 * name), else the fallback zone, else UTC.  The "tz" column always shows
 * the zone used, so every time printed carries its label.  Tables and CSV
 * read "YYYY-MM-DD HH:MM"; JSON "YYYY-MM-DDTHH:MM:SS+01:00" with the same
 * instant in UTC beside it as NAME_utc ("YYYY-MM-DDTHH:MM:SSZ").
 * "amount_cents" columns show as money in tables.  No store access, no
 * logic.
 */
#ifndef CARTERA_OUTPUT_H
#define CARTERA_OUTPUT_H

#include <stdio.h>

#include <json-c/json.h>

#include "store.h"

enum output_mode {
	OUTPUT_TABLE,	/* aligned columns, buffered until output_flush */
	OUTPUT_VERTICAL,	/* "name: value" lines, one block per row */
	OUTPUT_JSON,	/* an array of objects */
	OUTPUT_CSV		/* header line then rows, RFC 4180 quoting */
};

struct output;

/* Rows go to fp (borrowed).  NULL on allocation failure. */
struct output	*output_new(enum output_mode mode, FILE *fp);
/* Zones of instants (see above); both borrowed, either may be NULL. */
void		 output_set_zone(struct output *, const char *fallback,
		    const char *force);
/* A store_row_fn: add one row.  Returns 0, or 1 to stop on error (an
 * allocation failed: output_failed() says so from then on). */
int		 output_row(const struct store_row *, void *out);
/* Rows are missing: an allocation failed.  Nothing should be printed. */
int		 output_failed(const struct output *);
/* Print what is buffered (the table, the JSON array); -1 with errno
 * (ENOMEM when output_failed(), nothing printed). */
int		 output_flush(struct output *);
size_t		 output_count(const struct output *);
/* JSON: take the array built so far (caller owns it; NULL when
 * output_failed()); nothing is printed. */
json_object	*output_take_json(struct output *);
void		 output_free(struct output *);

/* One row as a JSON object, instants as ISO strings in the zones of o
 * (NULL: UTC).  Caller owns. */
json_object	*output_row_json(const struct output *o, const struct store_row *);
/* Print a JSON value, pretty, with a newline.  0 / -1. */
int		 output_print_json(FILE *fp, json_object *);
/* Print v[0..n) as output_print_json prints an array of them, each made
 * text on the machine's cores (a 1M-client "due --json" is 16 MB), and
 * release them (v[i] = NULL).  0 / -1 (out of memory: nothing printed). */
int		 output_print_json_list(FILE *fp, json_object **v, size_t n);
/* The header a table shows for a column name ("amount" for the money in
 * "amount_cents"); JSON and CSV keep the names. */
const char	*output_label(const char *name);
/* A code in the user's language ("company" -> "empresa", "call" ->
 * "llamada"), as tables show it; v itself when it has no translation. */
const char	*output_word(const char *v);
/* Display width of a UTF-8 string (code points, not bytes). */
size_t		 output_width(const char *);
/* The same for the first n bytes of s. */
size_t		 output_width_n(const char *s, size_t n);
/*
 * One CSV field (RFC 4180): quoted when it holds , " CR LF or starts with
 * a space.  Every CSV Cartera writes goes through here: a cell a
 * spreadsheet would take for a formula (starting with = + - @ tab or CR,
 * and not a plain number such as -12,50) is written as '=... (OWASP), which
 * spreadsheets show as text and import reads back without the '.
 */
void		 output_csv_field(FILE *fp, const char *);
/* The same with another delimiter (';' for a Spanish spreadsheet). */
void		 output_csv_cell(FILE *fp, const char *, char delimiter);
/* Would a spreadsheet take s for a formula (see above)? */
int		 output_csv_formula_like(const char *s);

#endif
