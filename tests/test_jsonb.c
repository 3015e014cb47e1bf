/*
 * test_jsonb.c - the checked JSON builder: what it writes, and that an
 * allocation failure anywhere in a build is reported (jsonb_failed) and
 * never a document with keys or rows silently missing, nor a crash.
 *
 * Failures are injected by this program's own malloc, calloc and realloc,
 * which json-c's calls resolve to and which forward to glibc's; the Nth
 * allocation from the start of a build fails, for every N up to the build's
 * count.  Under AddressSanitizer (which owns malloc) only the output is
 * checked.
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "check.h"
#include "jsonb.h"

#if defined(__SANITIZE_ADDRESS__)
#define NO_INJECTION 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_INJECTION 1
#endif
#endif

#ifndef NO_INJECTION
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static long budget = -1;	/* allocations left before one fails; -1: none fails */

static int
fail_now(void)
{
	if (budget < 0)
		return 0;
	return budget-- == 0;
}

void *
malloc(size_t n)
{
	return fail_now() ? NULL : __libc_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __libc_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __libc_realloc(p, n);
}
#endif

/* A document with every kind of member the builders use. */
static json_object *
build(struct jsonb *jb)
{
	json_object *o = jsonb_object(jb), *a = jsonb_array(jb), *row;
	char key[16] = "made";

	/* A key made at run time is copied (the _dup forms): the buffer
	 * changes after.  A literal key given twice keeps the last value. */
	jsonb_int_dup(jb, o, key, 7);
	snprintf(key, sizeof(key), "gone");
	jsonb_int(jb, o, "twice", 1);
	jsonb_int(jb, o, "twice", 2);
	jsonb_str(jb, o, "name", "Talleres Pérez");
	jsonb_str(jb, o, "none", NULL);
	jsonb_text(jb, o, "empty", "");
	jsonb_int(jb, o, "id", 42);
	jsonb_bool(jb, o, "ok", 1);
	jsonb_put(jb, o, "pct", jsonb_new_fixed2(jb, 21.255999));
	jsonb_put(jb, o, "exact", jsonb_new_double_s(jb, 82.3529, "82.35"));
	for (int i = 0; i < 3; i++) {
		row = jsonb_object(jb);
		jsonb_int(jb, row, "rank", i + 1);
		jsonb_put(jb, row, "in_top", jsonb_new_bool(jb, i == 0));
		jsonb_append(jb, a, row);
	}
	jsonb_append(jb, a, jsonb_new_str(jb, "end"));
	jsonb_put(jb, o, "rows", a);
	return o;
}

static const char want[] = "{\"made\":7,\"twice\":2,\"name\":\"Talleres Pérez\",\"none\":null,\"empty\":null,"
    "\"id\":42,\"ok\":true,\"pct\":21.26,\"exact\":82.35,\"rows\":[{\"rank\":1,\"in_top\":true},"
    "{\"rank\":2,\"in_top\":false},{\"rank\":3,\"in_top\":false},\"end\"]}";

static char *
text(json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	return s != NULL ? strdup(s) : NULL;
}

static json_object *
build_actions(struct jsonb *jb)
{
	return action_list(jb, ACTION_ACTIVITY, "es");
}

#ifndef NO_INJECTION
/*
 * Run builder with the Nth allocation failing, for every N until a build
 * goes through: each run either says it failed or made the document
 * whole (equal to good).  Returns how many runs failed.
 */
static int
sweep(const char *what, json_object *(*builder)(struct jsonb *), const char *good)
{
	int failed_runs = 0;

	for (long n = 0; n < 10000; n++) {
		struct jsonb jb = JSONB_INIT;
		json_object *o;
		int failed;
		char *s, ctx[128];

		budget = n;
		o = builder(&jb);
		failed = jsonb_failed(&jb);
		budget = -1;
		snprintf(ctx, sizeof(ctx), "%s, allocation %ld failing", what, n);
		if (failed)
			failed_runs++;
		else {
			s = text(o);
			if (!CHECK_CTX(s != NULL && strcmp(s, good) == 0, ctx))
				fprintf(stderr, "  got: %s\n", s != NULL ? s : "(null)");
			free(s);
		}
		json_object_put(o);
		if (!failed)
			break;
	}
	return failed_runs;
}
#endif

int
main(void)
{
	struct jsonb jb = JSONB_INIT;
	json_object *o = build(&jb), *acts;
	char *s = text(o), *good_acts;

	/* What it writes: NULL and "" (jsonb_text) as null, two decimals. */
	CHECK(!jsonb_failed(&jb));
	CHECK_STR(s, want);
	free(s);
	json_object_put(o);

	/* Given a NULL object or value (an earlier failure), nothing breaks. */
	jsonb_str(&jb, NULL, "k", "v");
	jsonb_int(&jb, NULL, "k", 1);
	jsonb_put(&jb, NULL, "k", jsonb_new_str(&jb, "taken and freed"));
	jsonb_append(&jb, NULL, jsonb_new_int(&jb, 1));
	CHECK(!jsonb_failed(&jb));
	/* A NULL value appended is a failed allocation, not a silent hole. */
	acts = jsonb_array(&jb);
	jsonb_append(&jb, acts, NULL);
	CHECK(jsonb_failed(&jb));
	CHECK_INT(json_object_array_length(acts), 0);
	json_object_put(acts);

	jb = (struct jsonb)JSONB_INIT;
	acts = build_actions(&jb);
	good_acts = text(acts);
	CHECK(good_acts != NULL && strstr(good_acts, "\"replan\"") != NULL);
	json_object_put(acts);

#ifdef NO_INJECTION
	fprintf(stderr, "test_jsonb: no allocation failures injected under AddressSanitizer\n");
#else
	/* The injection reaches json-c. */
	budget = 0;
	o = json_object_new_object();
	budget = -1;
	if (o != NULL) {
		json_object_put(o);
		fprintf(stderr, "test_jsonb: cannot make json-c's allocations fail here\n");
		return 77;
	}
	/* Every allocation of the builds fails once: reported, never partial. */
	CHECK(sweep("jsonb", build, want) > 10);
	CHECK(sweep("action_list", build_actions, good_acts) > 5);
#endif
	free(good_acts);
	return check_done("test_jsonb");
}
