/*
 * jsonb.c - checked json-c building (see jsonb.h).
 *
 * Every json_object_new_* of Cartera's builders goes through here, so
 * that an allocation failure is never a silently missing key.
 */
#include "build.h"

#include <math.h>
#include <stdio.h>

#include "jsonb.h"

static json_object *
check(struct jsonb *jb, json_object *v)
{
	if (v == NULL)
		jb->failed = 1;
	return v;
}

json_object *
jsonb_object(struct jsonb *jb)
{
	return check(jb, json_object_new_object());
}

json_object *
jsonb_array(struct jsonb *jb)
{
	return check(jb, json_object_new_array());
}

void
jsonb_put_key(struct jsonb *jb, json_object *o, const char *k, int copy, json_object *v)
{
	if (o == NULL) {
		json_object_put(v);
		return;
	}
	if (json_object_object_add_ex(o, k, v, copy ? 0 : JSON_C_OBJECT_ADD_CONSTANT_KEY) != 0) {
		json_object_put(v);
		jb->failed = 1;
	}
}

json_object *
jsonb_new_str(struct jsonb *jb, const char *v)
{
	return v != NULL ? check(jb, json_object_new_string(v)) : NULL;
}

json_object *
jsonb_new_int(struct jsonb *jb, long long v)
{
	return check(jb, json_object_new_int64(v));
}

json_object *
jsonb_new_bool(struct jsonb *jb, int v)
{
	return check(jb, json_object_new_boolean(v != 0));
}

json_object *
jsonb_new_double(struct jsonb *jb, double v)
{
	return check(jb, json_object_new_double(v));
}

json_object *
jsonb_new_double_s(struct jsonb *jb, double v, const char *s)
{
	return check(jb, json_object_new_double_s(v, s));
}

void
jsonb_str_key(struct jsonb *jb, json_object *o, const char *k, int copy, const char *v)
{
	if (o != NULL)
		jsonb_put_key(jb, o, k, copy, jsonb_new_str(jb, v));
}

void
jsonb_text_key(struct jsonb *jb, json_object *o, const char *k, int copy, const char *v)
{
	jsonb_str_key(jb, o, k, copy, v != NULL && *v != '\0' ? v : NULL);
}

void
jsonb_int_key(struct jsonb *jb, json_object *o, const char *k, int copy, long long v)
{
	if (o != NULL)
		jsonb_put_key(jb, o, k, copy, jsonb_new_int(jb, v));
}

void
jsonb_bool_key(struct jsonb *jb, json_object *o, const char *k, int copy, int v)
{
	if (o != NULL)
		jsonb_put_key(jb, o, k, copy, jsonb_new_bool(jb, v));
}

void
jsonb_append(struct jsonb *jb, json_object *a, json_object *v)
{
	if (v == NULL || a == NULL) {
		jb->failed |= v == NULL;
		json_object_put(v);
		return;
	}
	if (json_object_array_add(a, v) != 0) {
		json_object_put(v);
		jb->failed = 1;
	}
}

json_object *
jsonb_new_fixed2(struct jsonb *jb, double v)
{
	char s[64];

	if (!isfinite(v))
		return NULL;
	v = round(v * 100) / 100 + 0.0;	/* + 0.0: no "-0.00" */
	snprintf(s, sizeof(s), "%.2f", v);
	return jsonb_new_double_s(jb, v, s);
}

int
jsonb_failed(const struct jsonb *jb)
{
	return jb->failed;
}
