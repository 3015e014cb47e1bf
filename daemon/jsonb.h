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

/*
 * o[k] = v, taking v (NULL: null).  k is a string literal, kept as it is
 * (anything else does not compile): a digest of a million clients adds
 * half a million keys, and json-c otherwise copies and frees each one.
 * A key made at run time goes through the _dup forms, which copy it.
 */
#define JSONB_LITERAL(k)	("" k "")
#define jsonb_put(jb, o, k, v)	jsonb_put_key(jb, o, JSONB_LITERAL(k), 0, v)
#define jsonb_str(jb, o, k, v)	jsonb_str_key(jb, o, JSONB_LITERAL(k), 0, v)
#define jsonb_text(jb, o, k, v)	jsonb_text_key(jb, o, JSONB_LITERAL(k), 0, v)
#define jsonb_int(jb, o, k, v)	jsonb_int_key(jb, o, JSONB_LITERAL(k), 0, v)
#define jsonb_bool(jb, o, k, v)	jsonb_bool_key(jb, o, JSONB_LITERAL(k), 0, v)
#define jsonb_put_dup(jb, o, k, v)	jsonb_put_key(jb, o, k, 1, v)
#define jsonb_str_dup(jb, o, k, v)	jsonb_str_key(jb, o, k, 1, v)
#define jsonb_text_dup(jb, o, k, v)	jsonb_text_key(jb, o, k, 1, v)
#define jsonb_int_dup(jb, o, k, v)	jsonb_int_key(jb, o, k, 1, v)
#define jsonb_bool_dup(jb, o, k, v)	jsonb_bool_key(jb, o, k, 1, v)
/* What the macros call: copy 0 keeps k, which must outlive o. */
void		 jsonb_put_key(struct jsonb *, json_object *o, const char *k, int copy,
		    json_object *v);
void		 jsonb_str_key(struct jsonb *, json_object *o, const char *k, int copy,
		    const char *v);
void		 jsonb_text_key(struct jsonb *, json_object *o, const char *k, int copy,
		    const char *v);
void		 jsonb_int_key(struct jsonb *, json_object *o, const char *k, int copy,
		    long long v);
void		 jsonb_bool_key(struct jsonb *, json_object *o, const char *k, int copy, int v);
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
