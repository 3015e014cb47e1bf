/*
 * output.h - print store rows as an aligned table, JSON (json-c) or CSV.
 *
 * Columns named "at" or ending in "_at" holding integers are instants:
 * ISO 8601 UTC in JSON and CSV, local time in tables.  "amount_cents"
 * columns show as money in tables.  No store access, no logic.
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
/* A store_row_fn: add one row.  Returns 0, or 1 to stop on error. */
int		 output_row(const struct store_row *, void *out);
/* Print what is buffered (the table, the JSON array).  Rows added: *n. */
int		 output_flush(struct output *);
size_t		 output_count(const struct output *);
/* JSON: take the array built so far (caller owns it); nothing is printed. */
json_object	*output_take_json(struct output *);
void		 output_free(struct output *);

/* One row as a JSON object (instants as ISO strings).  Caller owns. */
json_object	*output_row_json(const struct store_row *);
/* Print a JSON value, pretty, with a newline.  0 / -1. */
int		 output_print_json(FILE *fp, json_object *);
/* Display width of a UTF-8 string (code points, not bytes). */
size_t		 output_width(const char *);
/* One CSV field (RFC 4180): quoted when it holds , " CR LF or starts with
 * a space. */
void		 output_csv_field(FILE *fp, const char *);

#endif
