/*
 * jsonb.h - build JSON documents with json-c, every allocation checked.
 *
 * The digest's and follow-up's template data, the reports and the CLI's
 * --json output are trees of json-c objects.  A struct jsonb remembers
 * whether any allocation failed: a builder makes its tree straight
 * through, then asks jsonb_failed() once and, if so, frees the (partial)
 * tree and reports "out of memory".  Calls given a NULL object (one whose
 * allocation failed) do nothing; calls given a NULL value to take free
 * nothing and add JSON null.
 *
 * Strings: jsonb_str() makes NULL JSON null; jsonb_text(), for template
 * data, makes "" null as well, so that a Mustache template sees a falsy
 * key instead of looking it up in an enclosing context.  Nothing here
 * knows what the keys mean.
 */
#ifndef CARTERA_JSONB_H
#define CARTERA_JSONB_H

#include <json-c/json.h>

struct jsonb {
	int	 failed;	/* an allocation failed */
};
#define JSONB_INIT	{ 0 }

/* A new empty object / array (NULL, and failed set, without memory). */
json_object	*jsonb_object(struct jsonb *);
json_object	*jsonb_array(struct jsonb *);
/* o[k] = v, taking v (NULL: null). */
void		 jsonb_put(struct jsonb *, json_object *o, const char *k, json_object *v);
void		 jsonb_str(struct jsonb *, json_object *o, const char *k, const char *v);
void		 jsonb_text(struct jsonb *, json_object *o, const char *k, const char *v);
void		 jsonb_int(struct jsonb *, json_object *o, const char *k, long long v);
void		 jsonb_bool(struct jsonb *, json_object *o, const char *k, int v);
/* Append v to array a, taking v (NULL v counts as a failed allocation). */
void		 jsonb_append(struct jsonb *, json_object *a, json_object *v);
/* A string / number value to put or append (NULL for a NULL string). */
json_object	*jsonb_new_str(struct jsonb *, const char *v);
json_object	*jsonb_new_int(struct jsonb *, long long v);
json_object	*jsonb_new_bool(struct jsonb *, int v);
/* A number, written as json-c writes doubles. */
json_object	*jsonb_new_double(struct jsonb *, double v);
/* The number v written as the text s (s: its exact form, e.g. "82.35"). */
json_object	*jsonb_new_double_s(struct jsonb *, double v, const char *s);
/* v rounded to two decimals and written as such ("21.26", never
 * "21.260000000000002" or "-0.00"); NULL (null, n/a) if not finite. */
json_object	*jsonb_new_fixed2(struct jsonb *, double v);
int		 jsonb_failed(const struct jsonb *);

#endif
