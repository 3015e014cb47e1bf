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

enum out_mode {
	OUT_TABLE,	/* aligned columns, buffered until out_flush */
	OUT_VERTICAL,	/* "name: value" lines, one block per row */
	OUT_JSON,	/* an array of objects */
	OUT_CSV		/* header line then rows, RFC 4180 quoting */
};

struct out;

/* Rows go to fp (borrowed).  NULL on allocation failure. */
struct out	*out_new(enum out_mode mode, FILE *fp);
/* A store_row_fn: add one row.  Returns 0, or 1 to stop on error. */
int		 out_row(const struct store_row *, void *out);
/* Print what is buffered (the table, the JSON array).  Rows added: *n. */
int		 out_flush(struct out *);
size_t		 out_count(const struct out *);
/* JSON: take the array built so far (caller owns it); nothing is printed. */
json_object	*out_take_json(struct out *);
void		 out_free(struct out *);

/* One row as a JSON object (instants as ISO strings).  Caller owns. */
json_object	*out_row_json(const struct store_row *);
/* Print a JSON value, pretty, with a newline.  0 / -1. */
int		 out_print_json(FILE *fp, json_object *);
/* Display width of a UTF-8 string (code points, not bytes). */
size_t		 out_width(const char *);
/* One CSV field (RFC 4180): quoted when it holds , " CR LF or starts with
 * a space. */
void		 out_csv_field(FILE *fp, const char *);

#endif
