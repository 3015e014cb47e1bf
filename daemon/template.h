/*
 * template.h - logic-less Mustache templates for the digest and client
 * emails: variables, sections, inverted sections, comments, partials and
 * set-delimiter tags, as in the official Mustache spec (no lambdas).
 *
 * The module is pure: text and a json-c value in, text out.  It does no
 * I/O and no logging; partials come from the caller through a callback.
 * It is meant to survive hostile templates: nesting, work and output are
 * bounded (see the limits below) and every error is reported, not fatal.
 */
#ifndef CARTERA_TEMPLATE_H
#define CARTERA_TEMPLATE_H

#include <stddef.h>

#include <json-c/json.h>

#include "buf.h"

/* Plain-text output: {{x}} is not HTML-escaped. */
#define TEMPLATE_NOESCAPE	0x01
/*
 * A check, not a message: every section and inverted section is rendered
 * once, whatever the data, so every branch and every partial is walked
 * (as with data where every list has one item and every condition is
 * both true and false).  A partial that includes itself, a missing one,
 * or any limit reached on some branch is then an error at load time.
 */
#define TEMPLATE_EVERY_SECTION	0x02

/* Sections and partials nested deeper than this are an error (this also
 * stops a partial that includes itself). */
#define TEMPLATE_MAX_DEPTH	100
/* One render may process at most this many tags, text runs and section
 * iterations, and append at most this many bytes; beyond, it fails. */
#define TEMPLATE_MAX_STEPS	(4UL * 1000 * 1000)
#define TEMPLATE_MAX_OUTPUT	((size_t)64 * 1024 * 1024)
/* One render may use at most this many different partials. */
#define TEMPLATE_MAX_PARTIALS	1000

/*
 * Returns the source of partial `name` (borrowed: it must stay valid until
 * template_render returns) or NULL if there is none, which renders as
 * empty.  Called at most once per distinct name per render.
 */
typedef const char *(*template_partial_fn)(const char *name, void *arg);

/*
 * Check that src parses.  Returns 0, or -1 with "line N: what is wrong" in
 * err.  Partials are not looked at.
 */
int	 template_check(const char *src, char *err, size_t errlen);

/*
 * Render src with data and append the result to out.
 *
 * src and data are borrowed; data may be NULL (every name is then missing).
 * partial may be NULL (every partial is then empty).  flags is 0 or
 * TEMPLATE_NOESCAPE, optionally with TEMPLATE_EVERY_SECTION.  Values are looked up per the Mustache spec: a name
 * missing from the current section's value is looked up in the enclosing
 * ones, so list items should carry every key the template asks for (an
 * item without "kids" inside {{#kids}} sees its parent's).  Null,
 * false, an empty array and a missing name are falsy, everything else
 * (including "" and 0) is truthy.  Numbers print as JSON would write them
 * ("85", "1.21"); true/false print as "true"/"false"; objects and arrays
 * print as nothing.
 *
 * Returns 0, or -1 with "line N: what is wrong" in err (for an error in a
 * partial: "partial \"name\", line N: ...").  On error out is left as it
 * was before the call (unless its memory ran out: out->failed is then set).
 */
int	 template_render(const char *src, json_object *data,
	    template_partial_fn partial, void *arg, int flags, struct buf *out,
	    char *err, size_t errlen);

#endif
