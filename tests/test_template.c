/*
 * test_template.c - the Mustache engine against the official spec files
 * (the .json files in shared/conformance/mustache-spec, read in place,
 * never copied) and against cases of our own: escaping, no re-evaluation,
 * error lines, nesting and work limits, plain-text output.
 *
 * The spec directory is $MUSTACHE_SPEC_DIR, else
 * $srcdir/../shared/conformance/mustache-spec.  Without it the own cases
 * still run, then the test exits 77 (skipped).
 */
#include "build.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "template.h"
#include "check.h"


/* Print s with control characters made visible. */
static void
show(const char *label, const char *s)
{
	printf("    %s: \"", label);
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\n')
			printf("\\n");
		else if (*s == '\r')
			printf("\\r");
		else if (*s == '\t')
			printf("\\t");
		else
			putchar(*s);
	}
	printf("\"\n");
}

/* Partials from a JSON object: name -> source. */
static const char *
json_partial(const char *name, void *arg)
{
	json_object *v;

	if (arg == NULL || !json_object_object_get_ex(arg, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* One spec file; returns the number of cases run. */
static int
run_spec_file(const char *dir, const char *file)
{
	json_object *doc, *tests, *tc, *tmpl, *data, *partials, *expected,
	    *name;
	struct buf out = BUF_INIT, path = BUF_INIT;
	char err[256];
	size_t i, n;
	int rv;

	if (buf_printf(&path, "%s/%s", dir, file) == -1) {
		printf("FAIL %s/%s: out of memory\n", dir, file);
		check_note(0, NULL);
		return 0;
	}
	doc = json_object_from_file(path.data);
	buf_free(&path);
	if (doc == NULL ||
	    !json_object_object_get_ex(doc, "tests", &tests) ||
	    !json_object_is_type(tests, json_type_array)) {
		printf("FAIL %s/%s: cannot read: %s\n", dir, file,
		    json_util_get_last_err());
		check_note(0, NULL);
		json_object_put(doc);
		return 0;
	}
	n = json_object_array_length(tests);
	for (i = 0; i < n; i++) {
		tc = json_object_array_get_idx(tests, i);
		if (!json_object_object_get_ex(tc, "name", &name) ||
		    !json_object_object_get_ex(tc, "template", &tmpl) ||
		    !json_object_object_get_ex(tc, "expected", &expected)) {
			printf("FAIL %s: case %zu is malformed\n", file, i);
			check_note(0, NULL);
			continue;
		}
		data = NULL;
		partials = NULL;
		json_object_object_get_ex(tc, "data", &data);
		json_object_object_get_ex(tc, "partials", &partials);
		buf_reset(&out);
		err[0] = '\0';
		rv = template_render(json_object_get_string(tmpl), data,
		    json_partial, partials, 0, &out, err, sizeof(err));
		if (rv == -1 || out.data == NULL ||
		    strcmp(out.data, json_object_get_string(expected)) != 0) {
			printf("FAIL %s: %s\n", file, json_object_get_string(name));
			show("template", json_object_get_string(tmpl));
			show("expected", json_object_get_string(expected));
			if (rv == -1)
				show("error", err);
			else
				show("got", out.data);
			check_note(0, NULL);
		}
	}
	buf_free(&out);
	json_object_put(doc);
	return (int)n;
}

static int
is_json(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

/* Returns 77 if the directory is missing, else 0. */
static int
run_spec(void)
{
	struct dirent **names;
	const char *dir, *srcdir;
	char defdir[4096];
	int i, n, total = 0, before = check_failed;

	if ((dir = getenv("MUSTACHE_SPEC_DIR")) == NULL) {
		if ((srcdir = getenv("srcdir")) == NULL)
			srcdir = ".";
		snprintf(defdir, sizeof(defdir),
		    "%s/../shared/conformance/mustache-spec", srcdir);
		dir = defdir;
	}
	if ((n = scandir(dir, &names, is_json, alphasort)) == -1) {
		printf("SKIP mustache spec: no directory %s "
		    "(set MUSTACHE_SPEC_DIR)\n", dir);
		return 77;
	}
	if (n == 0) {
		printf("FAIL mustache spec: no .json files in %s\n", dir);
		check_note(0, NULL);
		free(names);
		return 0;
	}
	for (i = 0; i < n; i++) {
		total += run_spec_file(dir, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	printf("mustache spec: %d/%d cases passed (%d files in %s)\n",
	    total - (check_failed - before), total, n, dir);
	return 0;
}

/* Our own cases. */

static const char *
map_partial(const char *name, void *arg)
{
	const char **p;

	for (p = arg; p[0] != NULL; p += 2)
		if (strcmp(p[0], name) == 0)
			return p[1];
	return NULL;
}

/* Render with JSON data and partials {name, src, ..., NULL}; expect the
 * output, or (want_err != NULL) an error containing want_err. */
static void
expect(const char *what, const char *src, const char *json,
    const char **partials, int flags, const char *want, const char *want_err)
{
	struct buf out = BUF_INIT;
	json_object *data = NULL;
	char err[512];
	int rv;

	if (json != NULL && (data = json_tokener_parse(json)) == NULL) {
		printf("FAIL %s: bad test JSON\n", what);
		check_note(0, NULL);
		return;
	}
	buf_puts(&out, "kept:");
	err[0] = '\0';
	rv = template_render(src, data, partials != NULL ? map_partial : NULL,
	    partials, flags, &out, err, sizeof(err));
	if (want_err != NULL) {
		if (rv != -1 || strstr(err, want_err) == NULL ||
		    strcmp(out.data, "kept:") != 0) {
			printf("FAIL %s: want error containing \"%s\"\n", what,
			    want_err);
			show("error", rv == -1 ? err : "(none)");
			show("out", out.data);
			check_note(0, NULL);
		} else {
			printf("ok   %s (%s)\n", what, err);
			check_note(1, NULL);
		}
	} else if (rv == -1 || strncmp(out.data, "kept:", 5) != 0 ||
	    strcmp(out.data + 5, want) != 0) {
		printf("FAIL %s\n", what);
		show("expected", want);
		if (rv == -1)
			show("error", err);
		else
			show("got", out.data);
		check_note(0, NULL);
	} else {
		printf("ok   %s\n", what);
		check_note(1, NULL);
	}
	json_object_put(data);
	buf_free(&out);
}

static void
expect_check(const char *what, const char *src, const char *want_err)
{
	char err[512];
	int rv;

	err[0] = '\0';
	rv = template_check(src, err, sizeof(err));
	if (want_err == NULL ? rv != 0 :
	    rv != -1 || strstr(err, want_err) == NULL) {
		printf("FAIL %s: check gave %d \"%s\", want %s\n", what, rv,
		    err, want_err != NULL ? want_err : "success");
		check_note(0, NULL);
	} else {
		printf("ok   %s%s%s%s\n", what, rv ? " (" : "", rv ? err : "",
		    rv ? ")" : "");
		check_note(1, NULL);
	}
}

/* "{{#a}}" n times, then "x", then "{{/a}}" n times. */
static char *
nested(int n)
{
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < n; i++)
		buf_puts(&b, "{{#a}}");
	buf_puts(&b, "x");
	for (i = 0; i < n; i++)
		buf_puts(&b, "{{/a}}");
	return buf_steal(&b);
}

/* n different partial tags: "{{>p0}}{{>p1}}..." */
static char *
many_partials(int n)
{
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < n; i++)
		buf_printf(&b, "{{>p%d}}", i);
	return buf_steal(&b);
}

static void
run_own(void)
{
	const char *selfp[] = { "self", "<{{>self}}>", NULL };
	const char *mutual[] = { "a", "a{{>b}}", "b", "b{{>a}}", NULL };
	const char *badp[] = { "p", "x\n{{#open}}", NULL };
	const char *tree[] = { "node",
	    "{{name}}\n{{#kids}}\n  {{>node}}\n{{/kids}}\n", NULL };
	const char *indent[] = { "o", "o1\n {{>i}}\no2\n",
	    "i", "i1 {{x}}\ni2\n", NULL };
	char *deep, *many;

	expect("HTML escaping", "{{x}}", "{\"x\": \"<script>&\\\"'\"}", NULL,
	    0, "&lt;script&gt;&amp;&quot;&#39;", NULL);
	expect("triple mustache is raw", "{{{x}}}|{{&x}}",
	    "{\"x\": \"<b>&'\"}", NULL, 0, "<b>&'|<b>&'", NULL);
	expect("triple mustache with other delimiters",
	    "{{=<% %>=}}<%{x}%> <%x%> {{x}}", "{\"x\": \"<\"}", NULL, 0,
	    "< &lt; {{x}}", NULL);
	expect("TEMPLATE_NOESCAPE", "{{x}} {{{x}}}", "{\"x\": \"<a&b>\\\"'\"}",
	    NULL, TEMPLATE_NOESCAPE, "<a&b>\"' <a&b>\"'", NULL);
	expect("values are never re-evaluated", "{{v}} {{{v}}} {{w}}",
	    "{\"v\": \"{{x}}\", \"w\": \"{{#x}}{{/x}}\", \"x\": \"BAD\"}",
	    NULL, 0, "{{x}} {{x}} {{#x}}{{/x}}", NULL);
	expect("numbers", "{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}",
	    "{\"a\": 0, \"b\": -42, \"c\": 100.0, \"d\": 0.1, \"e\": 1.210,"
	    " \"f\": 9007199254740993}", NULL, 0,
	    "0 -42 100 0.1 1.21 9007199254740993", NULL);
	expect("booleans, objects and arrays", "{{t}} {{f}} [{{o}}] [{{l}}]",
	    "{\"t\": true, \"f\": false, \"o\": {\"k\": 1}, \"l\": [1]}",
	    NULL, 0, "true false [] []", NULL);
	expect("empty string and 0 are truthy",
	    "{{#s}}s{{/s}}{{#z}}z{{/z}}{{^s}}!s{{/s}}{{#o}}o{{/o}}",
	    "{\"s\": \"\", \"z\": 0, \"o\": {}}", NULL, 0, "szo", NULL);
	expect("NULL data", "[{{a}}{{#a}}x{{/a}}{{^a}}y{{/a}}{{.}}]", NULL,
	    NULL, 0, "[y]", NULL);
	/* The load-time check: every branch walked once, whatever the data. */
	expect("TEMPLATE_EVERY_SECTION takes every section once",
	    "[{{#a}}x{{/a}}{{^a}}y{{/a}}{{#l}}z{{/l}}]", "{\"a\": true, \"l\": [1, 2, 3]}",
	    NULL, TEMPLATE_EVERY_SECTION, "[xyz]", NULL);
	{
		const char *selfl[] = { "c", "<{{name}}{{#items}}{{>c}}{{/items}}>", NULL };

		expect("a partial including itself inside a list: fine on data "
		    "without the list", "{{>c}}", "{\"name\": \"n\"}", selfl, 0, "<n>", NULL);
		expect("... an error with TEMPLATE_EVERY_SECTION", "{{>c}}", NULL, selfl,
		    TEMPLATE_EVERY_SECTION, NULL, "does a partial include itself?");
	}
	expect("no partial callback", "[{{>p}}]", "{}", NULL, 0, "[]", NULL);
	expect("recursive partial over data", "{{>node}}",
	    "{\"name\": \"a\", \"kids\": [{\"name\": \"b\", \"kids\":"
	    " [{\"name\": \"c\", \"kids\": []}]},"
	    " {\"name\": \"d\", \"kids\": []}]}", tree, 0,
	    "a\n  b\n    c\n  d\n", NULL);

	expect("nested standalone partials add their indentation",
	    "  {{>o}}\n", "{\"x\": \"1\\n2\"}", indent, 0,
	    "  o1\n   i1 1\n2\n   i2\n  o2\n", NULL);
	many = many_partials(TEMPLATE_MAX_PARTIALS);
	expect("partials up to the limit", many, "{}", NULL, 0, "", NULL);
	free(many);
	many = many_partials(TEMPLATE_MAX_PARTIALS + 1);
	expect("too many different partials", many, "{}", NULL, 0, NULL,
	    "different partials");
	free(many);

	expect("unclosed section names its line", "a\nb\n{{#s}}\nc\n", "{}",
	    NULL, 0, NULL, "line 3: section \"s\" is never closed");
	expect("unclosed tag names its line", "a\n{{x\nb", "{}", NULL, 0,
	    NULL, "line 2: tag \"{{\" is never closed");
	expect("mismatched closing tag names its line",
	    "{{#a}}\n{{#b}}\n{{/a}}\n", "{}", NULL, 0, NULL,
	    "line 3: closing tag \"a\" does not match section \"b\" opened "
	    "on line 2");
	expect("closing tag without section", "x\n\n{{/a}}", "{}", NULL, 0,
	    NULL, "line 3: closing tag \"a\" without an open section");
	expect("empty tag", "{{ }}", "{}", NULL, 0, NULL, "line 1: bad name");
	expect("bad delimiters", "\n{{=<%=}}", "{}", NULL, 0, NULL,
	    "line 2: bad set-delimiter");
	expect("error in a partial", "{{>p}}", "{}", badp, 0, NULL,
	    "partial \"p\", line 2: section \"open\" is never closed");
	expect_check("check: valid", "{{#a}}{{b.c}}{{/a}}{{=<% %>=}}<%x%>",
	    NULL);
	expect_check("check: unclosed section", "\n\n\n{{^x}}", "line 4:");
	expect_check("check: unclosed triple", "{{{x}}", "line 1:");
	expect_check("check: mismatch", "{{#a}}\n{{/b}}", "line 2:");

	expect("partial including itself stops", "{{>self}}", "{}", selfp,
	    0, NULL, "nested deeper than");
	expect("mutually recursive partials stop", "{{>a}}", "{}", mutual,
	    0, NULL, "nested deeper than");
	deep = nested(TEMPLATE_MAX_DEPTH);
	expect("sections nested to the limit", deep, "{\"a\": true}", NULL,
	    0, "x", NULL);
	free(deep);
	deep = nested(TEMPLATE_MAX_DEPTH + 1);
	expect("sections nested past the limit", deep, "{\"a\": true}", NULL,
	    0, NULL, "nested deeper than");
	free(deep);
	deep = nested(100000);
	expect_check("check: 100000 nested sections", deep,
	    "nested deeper than");
	free(deep);
	deep = nested(40);
	expect("exponential work is capped", deep, "{\"a\": [1, 2, 3]}",
	    NULL, 0, NULL, "too much work");
	free(deep);
}

/*
 * The output cap holds inside one text run: a standalone partial
 * indents every line of its text, so 40 KB of template once asked for
 * 400 MB before the cap was looked at (found by fuzz_template).
 */
static void
run_output_cap(void)
{
	const char *p[] = { "p", NULL, NULL };
	struct buf out = BUF_INIT, src = BUF_INIT, lines = BUF_INIT;
	char err[512];
	int i, rv;

	for (i = 0; i < 20000; i++) {
		buf_putc(&src, ' ');
		buf_putc(&lines, '\n');
	}
	buf_puts(&src, "{{>p}}\n");
	buf_putc(&lines, 'x');
	p[1] = lines.data;
	err[0] = '\0';
	rv = template_render(src.data, NULL, map_partial, p, 0, &out, err,
	    sizeof(err));
	if (rv != -1 || strstr(err, "output larger than") == NULL ||
	    out.cap > 2 * TEMPLATE_MAX_OUTPUT) {
		printf("FAIL indented partial text is held to the output cap: "
		    "rv %d, buffer of %zu bytes\n", rv, out.cap);
		show("error", err);
		check_note(0, NULL);
	} else {
		printf("ok   indented partial text is held to the output cap "
		    "(%s)\n", err);
		check_note(1, NULL);
	}
	buf_free(&out);
	buf_free(&src);
	buf_free(&lines);
}

int
main(void)
{
	int spec;

	run_own();
	run_output_cap();
	spec = run_spec();
	if (check_done("test_template") != 0)
		return 1;
	return spec;
}
