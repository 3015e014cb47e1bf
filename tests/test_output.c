/*
 * test_output.c - JSON printing of output.c: output_print_json_list gives
 * byte for byte what output_print_json gives for an array of the same
 * values (nested objects and arrays, strings with newlines and slashes,
 * null, an empty list, more values than threads), and releases them.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "jsonb.h"
#include "output.h"

/* What fn printed, as a string (caller frees). */
static char *
printed(int (*one)(FILE *, json_object *), json_object *arr, json_object **v, size_t n)
{
	char *s = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&s, &len);

	if (fp == NULL)
		return NULL;
	if (one != NULL)
		CHECK(one(fp, arr) == 0);
	else
		CHECK(output_print_json_list(fp, v, n) == 0);
	fclose(fp);
	return s;
}

static json_object *
value(struct jsonb *jb, size_t i)
{
	json_object *o = jsonb_object(jb), *a = jsonb_array(jb), *inner = jsonb_object(jb);

	jsonb_int(jb, o, "i", (long long)i);
	jsonb_str(jb, o, "text", "two\nlines / \"quoted\"\ttab");
	jsonb_put(jb, o, "none", NULL);
	jsonb_append(jb, a, jsonb_new_int(jb, 1));
	jsonb_append(jb, a, jsonb_new_str(jb, "x"));
	jsonb_str(jb, inner, "k", "v");
	jsonb_append(jb, a, inner);
	jsonb_put(jb, o, "list", a);
	jsonb_put(jb, o, "empty", jsonb_array(jb));
	return o;
}

static void
same(size_t n)
{
	struct jsonb jb = JSONB_INIT;
	json_object *arr = jsonb_array(&jb), **v = calloc(n + 1, sizeof(*v));
	char *want, *got;
	char ctx[32];

	if (!CHECK(v != NULL))
		return;
	for (size_t i = 0; i < n; i++) {
		v[i] = value(&jb, i);
		jsonb_append(&jb, arr, json_object_get(v[i]));
	}
	CHECK(!jsonb_failed(&jb));
	want = printed(output_print_json, arr, NULL, 0);
	got = printed(NULL, NULL, v, n);
	snprintf(ctx, sizeof(ctx), "%zu values", n);
	CHECK_CTX(want != NULL && got != NULL && strcmp(want, got) == 0, ctx);
	for (size_t i = 0; i < n; i++)
		CHECK_CTX(v[i] == NULL, ctx);	/* released: arr holds the last reference */
	json_object_put(arr);
	free(want);
	free(got);
	free(v);
}

int
main(void)
{
	same(0);
	same(1);
	same(2);
	same(37);	/* more than any machine's threads, not a multiple of them */
	return check_done("test_output");
}
