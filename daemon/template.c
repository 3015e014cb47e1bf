/*
 * template.c - Mustache engine.  A template is compiled into a flat array
 * of tokens (a section token knows the index of its end token), then
 * rendered against a stack of json-c contexts.
 *
 * Pure: no I/O, no logging, no global state.  It must not trust the
 * template: recursion is depth-counted, text is never copied into
 * fixed-size buffers, every allocation is checked, and the work and the
 * output of one render are capped.
 */
#include "build.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "template.h"

/* Longest name quoted back in an error message. */
#define ERRNAME	64

enum tok_type {
	TOK_TEXT,	/* literal text */
	TOK_VAR,	/* {{x}}: HTML-escaped unless TEMPLATE_NOESCAPE */
	TOK_RAW,	/* {{{x}}}, {{& x}} */
	TOK_SECTION,	/* {{#x}} */
	TOK_INVERTED,	/* {{^x}} */
	TOK_END,	/* {{/x}} */
	TOK_PARTIAL	/* {{> x}} */
};

struct pentry;

struct tok {
	enum tok_type	 type;
	int		 bol;		/* starts a source line (and is not a
					 * standalone tag): takes the indentation
					 * of a standalone partial */
	int		 standalone;	/* TOK_PARTIAL alone on its line */
	size_t		 line;		/* 1-based line of the tag */
	const char	*s;		/* text, or the tag's name; points into
					 * the template source */
	size_t		 len;
	const char	*indent;	/* standalone TOK_PARTIAL: whitespace
					 * before it, points into the source */
	size_t		 indentlen;
	size_t		 key;		/* offset in tmpl.keys of the name split
					 * at '.', each part NUL-terminated */
	size_t		 ncomp;		/* parts in the name; 0 for "." */
	size_t		 end;		/* TOK_SECTION, TOK_INVERTED: index of
					 * the matching TOK_END */
	struct pentry	*partial;	/* TOK_PARTIAL: resolved while rendering,
					 * owned by the render's partial list */
};

struct tmpl {
	const char	*src;		/* borrowed from the caller */
	const char	*name;		/* partial name for errors (borrowed from
					 * its pentry), NULL for the main one */
	struct tok	*toks;		/* owned */
	size_t		 ntoks;
	size_t		 cap;
	struct buf	 keys;		/* owned */
};

/* A partial compiled during one render, found by name. */
struct pentry {
	char		*name;		/* owned */
	size_t		 namelen;
	struct tmpl	*t;		/* owned; NULL: no such partial */
	int		 active;	/* renderings of it under way (nested) */
	struct pentry	*next;
};

struct compiler {
	struct tmpl	*t;
	const char	*src;
	size_t		 len;
	size_t		 line;		/* line number at offset `counted` */
	size_t		 counted;
	size_t		*open;		/* token indices of open sections */
	size_t		 nopen;
	size_t		 opencap;
	char		*err;
	size_t		 errlen;
};

struct render {
	template_partial_fn	 partial_fn;
	void			*arg;
	int			 flags;
	struct buf		*out;
	size_t			 start;		/* out->len on entry */
	json_object		**ctx;		/* context stack; values borrowed */
	size_t			 nctx;
	size_t			 ctxcap;
	struct pentry		*partials;	/* owned */
	size_t			 npartials;
	unsigned long		 steps;
	int			 depth;
	char			*err;
	size_t			 errlen;
};

static void	 errf(char *, size_t, const char *, size_t, const char *, ...)
		    __attribute__((format(printf, 5, 6)));

static void
errf(char *err, size_t errlen, const char *pname, size_t line,
    const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return;
	if (pname != NULL)
		n = snprintf(err, errlen, "partial \"%.*s\", line %zu: ",
		    ERRNAME, pname, line);
	else
		n = snprintf(err, errlen, "line %zu: ", line);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
errlen_of(size_t len)
{
	return len > ERRNAME ? ERRNAME : (int)len;
}

static void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->toks);
	buf_free(&t->keys);
	free(t);
}

/* Line number of source offset pos; pos never decreases between calls. */
static size_t
line_at(struct compiler *c, size_t pos)
{
	const char *p, *end;

	p = c->src + c->counted;
	end = c->src + pos;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		c->line++;
		p++;
	}
	c->counted = pos;
	return c->line;
}

/* Append a zeroed token; returns its index, or -1 (error set). */
static int
add_tok(struct compiler *c, enum tok_type type, size_t off, size_t len,
    size_t line, size_t *idx)
{
	struct tmpl *t = c->t;
	struct tok *k;
	size_t ncap;

	if (t->ntoks == t->cap) {
		ncap = t->cap ? t->cap * 2 : 16;
		k = reallocarray(t->toks, ncap, sizeof(*k));
		if (k == NULL) {
			errf(c->err, c->errlen, t->name, line, "out of memory");
			return -1;
		}
		t->toks = k;
		t->cap = ncap;
	}
	k = &t->toks[t->ntoks];
	memset(k, 0, sizeof(*k));
	k->type = type;
	k->s = c->src + off;
	k->len = len;
	k->line = line;
	k->bol = off == 0 || c->src[off - 1] == '\n';
	*idx = t->ntoks++;
	return 0;
}

static int
add_text(struct compiler *c, size_t from, size_t to)
{
	size_t idx;

	if (from >= to)
		return 0;
	return add_tok(c, TOK_TEXT, from, to - from, c->line, &idx);
}

/* A tag name: no whitespace; "." or dot-separated non-empty parts. */
static int
valid_name(const char *s, size_t n, int dotted)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (is_space(s[i]))
			return 0;
	if (!dotted || (n == 1 && s[0] == '.'))
		return 1;
	if (s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 1; i < n; i++)
		if (s[i] == '.' && s[i - 1] == '.')
			return 0;
	return 1;
}

/* Store the name of token idx split at '.' for lookups. */
static int
add_key(struct compiler *c, size_t idx)
{
	struct tmpl *t = c->t;
	struct tok *k = &t->toks[idx];
	size_t i, off;

	if (k->len == 1 && k->s[0] == '.') {
		k->ncomp = 0;
		return 0;
	}
	off = t->keys.len;
	if (buf_add(&t->keys, k->s, k->len) == -1 ||
	    buf_putc(&t->keys, '\0') == -1) {
		errf(c->err, c->errlen, t->name, k->line, "out of memory");
		return -1;
	}
	k->key = off;
	k->ncomp = 1;
	for (i = 0; i < k->len; i++)
		if (t->keys.data[off + i] == '.') {
			t->keys.data[off + i] = '\0';
			k->ncomp++;
		}
	return 0;
}

/* "{{=<% %>=}}": content is "<% %>". */
static int
set_delims(struct compiler *c, const char *s, size_t n, size_t line,
    const char **otag, size_t *olen, const char **ctag, size_t *clen)
{
	size_t a, b, i;

	for (i = 0; i < n && !is_space(s[i]); i++)
		if (s[i] == '=')
			goto bad;
	a = i;
	while (i < n && is_space(s[i]))
		i++;
	b = i;
	for (; i < n; i++)
		if (is_space(s[i]) || s[i] == '=')
			goto bad;
	if (a == 0 || b == a || b == n)
		goto bad;
	*otag = s;
	*olen = a;
	*ctag = s + b;
	*clen = n - b;
	return 0;
bad:
	errf(c->err, c->errlen, c->t->name, line,
	    "bad set-delimiter tag \"%.*s\": want two delimiters without "
	    "spaces or '='", errlen_of(n), s);
	return -1;
}

static int
push_open(struct compiler *c, size_t idx)
{
	size_t *p, ncap;

	if (c->nopen >= TEMPLATE_MAX_DEPTH) {
		errf(c->err, c->errlen, c->t->name, c->t->toks[idx].line,
		    "sections nested deeper than %d levels", TEMPLATE_MAX_DEPTH);
		return -1;
	}
	if (c->nopen == c->opencap) {
		ncap = c->opencap ? c->opencap * 2 : 8;
		if ((p = reallocarray(c->open, ncap, sizeof(*p))) == NULL) {
			errf(c->err, c->errlen, c->t->name,
			    c->t->toks[idx].line, "out of memory");
			return -1;
		}
		c->open = p;
		c->opencap = ncap;
	}
	c->open[c->nopen++] = idx;
	return 0;
}

static int
close_section(struct compiler *c, const char *name, size_t n, size_t line,
    size_t off)
{
	struct tok *open;
	size_t idx;

	if (c->nopen == 0) {
		errf(c->err, c->errlen, c->t->name, line,
		    "closing tag \"%.*s\" without an open section",
		    errlen_of(n), name);
		return -1;
	}
	open = &c->t->toks[c->open[c->nopen - 1]];
	if (open->len != n || memcmp(open->s, name, n) != 0) {
		errf(c->err, c->errlen, c->t->name, line,
		    "closing tag \"%.*s\" does not match section \"%.*s\" "
		    "opened on line %zu", errlen_of(n), name,
		    errlen_of(open->len), open->s, open->line);
		return -1;
	}
	if (add_tok(c, TOK_END, off, n, line, &idx) == -1)
		return -1;
	c->t->toks[c->open[--c->nopen]].end = idx;
	return 0;
}

/*
 * Compile src (borrowed; must outlive the result).  name is the partial's
 * name for error messages, or NULL.  Returns an owned template or NULL
 * with err set.
 */
static struct tmpl *
compile(const char *src, const char *name, char *err, size_t errlen)
{
	struct compiler c;
	struct buf needle = BUF_INIT;
	struct tmpl *t;
	const char *otag = "{{", *ctag = "}}", *p, *s;
	size_t olen = 2, clen = 2, len, pos, ts, te, q, ce, ns, ne, ls, le;
	size_t line, idx;
	enum tok_type type;
	int sigil, standalone;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		errf(err, errlen, name, 1, "out of memory");
		return NULL;
	}
	t->src = src;
	t->name = name;
	buf_init(&t->keys);
	memset(&c, 0, sizeof(c));
	c.t = t;
	c.src = src;
	c.len = len = strlen(src);
	c.line = 1;
	c.err = err;
	c.errlen = errlen;

	pos = 0;
	for (;;) {
		p = memmem(src + pos, len - pos, otag, olen);
		if (p == NULL) {
			if (add_text(&c, pos, len) == -1)
				goto fail;
			break;
		}
		ts = (size_t)(p - src);
		line = line_at(&c, ts);

		/* The sigil, possibly after blanks: "{{ #x }}". */
		q = ts + olen;
		while (q < len && is_space(src[q]))
			q++;
		sigil = q < len ? (unsigned char)src[q] : 0;
		switch (sigil) {
		case '!': case '=': case '#': case '^': case '/': case '>':
		case '&': case '{':
			q++;
			break;
		default:
			sigil = 0;
			q = ts + olen;
			break;
		}
		if (sigil == '{' || sigil == '=') {
			/* One memmem for "}" or "=" then the closer keeps the
			 * search linear whatever the delimiters. */
			buf_reset(&needle);
			buf_putc(&needle, sigil == '{' ? '}' : '=');
			if (buf_add(&needle, ctag, clen) == -1) {
				errf(err, errlen, name, line, "out of memory");
				goto fail;
			}
			p = memmem(src + q, len - q, needle.data, needle.len);
		} else
			p = memmem(src + q, len - q, ctag, clen);
		if (p == NULL) {
			errf(err, errlen, name, line, "tag \"%.*s\" is never "
			    "closed (expected \"%s%.*s\")", errlen_of(olen),
			    otag, sigil == '{' ? "}" : sigil == '=' ? "=" : "",
			    errlen_of(clen), ctag);
			goto fail;
		}
		ce = (size_t)(p - src);
		te = ce + clen + (sigil == '{' || sigil == '=' ? 1 : 0);

		/* The name, without surrounding blanks. */
		ns = q;
		ne = ce;
		while (ns < ne && is_space(src[ns]))
			ns++;
		while (ne > ns && is_space(src[ne - 1]))
			ne--;
		s = src + ns;

		/* Standalone: alone on its line with only blanks around. */
		standalone = 0;
		ls = ts;
		le = te;
		if (sigil != 0 && sigil != '&' && sigil != '{') {
			while (ls > pos && is_blank(src[ls - 1]))
				ls--;
			while (le < len && is_blank(src[le]))
				le++;
			if ((ls == 0 || src[ls - 1] == '\n') &&
			    (le == len || src[le] == '\n' ||
			    (src[le] == '\r' && le + 1 < len &&
			    src[le + 1] == '\n'))) {
				standalone = 1;
				if (le < len)
					le += src[le] == '\r' ? 2 : 1;
			}
		}
		if (!standalone) {
			ls = ts;
			le = te;
		}
		if (add_text(&c, pos, ls) == -1)
			goto fail;
		pos = le;

		switch (sigil) {
		case '!':
		case '=':
			if (sigil == '=' && set_delims(&c, s, ne - ns, line,
			    &otag, &olen, &ctag, &clen) == -1)
				goto fail;
			/* An empty text keeps the line's partial indentation. */
			if (!standalone && (ts == 0 || src[ts - 1] == '\n') &&
			    add_tok(&c, TOK_TEXT, ts, 0, line, &idx) == -1)
				goto fail;
			continue;
		case '#':
		case '^':
		case '/':
		case '>':
			if (!valid_name(s, ne - ns, sigil != '>'))
				goto badname;
			if (sigil == '/') {
				if (close_section(&c, s, ne - ns, line, ts) == -1)
					goto fail;
				t->toks[t->ntoks - 1].s = s;
				t->toks[t->ntoks - 1].bol &= !standalone;
				continue;
			}
			type = sigil == '#' ? TOK_SECTION :
			    sigil == '^' ? TOK_INVERTED : TOK_PARTIAL;
			break;
		default:
			if (!valid_name(s, ne - ns, 1))
				goto badname;
			type = sigil == 0 ? TOK_VAR : TOK_RAW;
			break;
		}
		if (add_tok(&c, type, ts, ne - ns, line, &idx) == -1)
			goto fail;
		t->toks[idx].s = s;
		if (standalone) {
			t->toks[idx].bol = 0;
			t->toks[idx].standalone = 1;
			t->toks[idx].indent = src + ls;
			t->toks[idx].indentlen = ts - ls;
		}
		if (type != TOK_PARTIAL && add_key(&c, idx) == -1)
			goto fail;
		if ((type == TOK_SECTION || type == TOK_INVERTED) &&
		    push_open(&c, idx) == -1)
			goto fail;
		continue;
badname:
		errf(err, errlen, name, line, "bad name \"%.*s\" in tag",
		    errlen_of(ne - ns), s);
		goto fail;
	}
	if (c.nopen > 0) {
		struct tok *k = &t->toks[c.open[c.nopen - 1]];

		errf(err, errlen, name, k->line, "section \"%.*s\" is never "
		    "closed", errlen_of(k->len), k->s);
		goto fail;
	}
	free(c.open);
	buf_free(&needle);
	return t;
fail:
	free(c.open);
	buf_free(&needle);
	tmpl_free(t);
	return NULL;
}

int
template_check(const char *src, char *err, size_t errlen)
{
	struct tmpl *t;

	if (src == NULL) {
		errf(err, errlen, NULL, 1, "no template");
		return -1;
	}
	if ((t = compile(src, NULL, err, errlen)) == NULL)
		return -1;
	tmpl_free(t);
	return 0;
}

/* Rendering. */

static int
falsy(json_object *v)
{
	if (v == NULL)
		return 1;
	switch (json_object_get_type(v)) {
	case json_type_null:
		return 1;
	case json_type_boolean:
		return !json_object_get_boolean(v);
	case json_type_array:
		return json_object_array_length(v) == 0;
	default:
		return 0;
	}
}

/* Spec name resolution; NULL for a miss or a JSON null. */
static json_object *
lookup(struct render *r, const struct tmpl *t, const struct tok *k)
{
	json_object *v = NULL;
	const char *key;
	size_t i;

	if (k->ncomp == 0)
		return r->ctx[r->nctx - 1];
	key = t->keys.data + k->key;
	for (i = r->nctx; i > 0; i--)
		if (json_object_is_type(r->ctx[i - 1], json_type_object) &&
		    json_object_object_get_ex(r->ctx[i - 1], key, &v))
			break;
	if (i == 0)
		return NULL;
	for (i = 1; i < k->ncomp; i++) {
		key += strlen(key) + 1;
		if (!json_object_is_type(v, json_type_object) ||
		    !json_object_object_get_ex(v, key, &v))
			return NULL;
	}
	return v;
}

/*
 * Shortest of %.15g..%.17g that reads back as d, as JSON writers do:
 * 1.21 -> "1.21", 100.0 -> "100".  The decimal point is always '.'
 * whatever the locale.
 */
static void
format_double(double d, char *out, size_t outlen)
{
	char tmp[64];
	size_t i, o;
	int prec;

	if (isnan(d)) {
		snprintf(out, outlen, "NaN");
		return;
	}
	if (isinf(d)) {
		snprintf(out, outlen, "%s", d > 0 ? "Infinity" : "-Infinity");
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	for (i = o = 0; tmp[i] != '\0' && o + 1 < outlen; i++) {
		if ((tmp[i] >= '0' && tmp[i] <= '9') || tmp[i] == '-' ||
		    tmp[i] == '+' || tmp[i] == 'e' || tmp[i] == 'E')
			out[o++] = tmp[i];
		else if (o == 0 || out[o - 1] != '.')
			out[o++] = '.';
	}
	out[o] = '\0';
}

static int
emit_escaped(struct buf *out, const char *s, size_t n)
{
	const char *rep;
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		buf_add(out, s + run, i - run);
		buf_puts(out, rep);
		run = i + 1;
	}
	return buf_add(out, s + run, n - run);
}

static int
emit_value(struct render *r, json_object *v, int escape)
{
	char num[64];
	const char *s;
	size_t n;
	int64_t i;
	int sl;

	switch (json_object_get_type(v)) {
	case json_type_string:
		s = json_object_get_string(v);
		sl = json_object_get_string_len(v);
		n = s != NULL && sl > 0 ? (size_t)sl : 0;
		break;
	case json_type_int:
		i = json_object_get_int64(v);
		snprintf(num, sizeof(num), "%" PRId64, i);
#if defined(JSON_C_VERSION_NUM) && JSON_C_VERSION_NUM >= ((0 << 16) | (14 << 8))
		if (i == INT64_MAX)
			snprintf(num, sizeof(num), "%" PRIu64,
			    json_object_get_uint64(v));
#endif
		s = num;
		n = strlen(num);
		break;
	case json_type_double:
		format_double(json_object_get_double(v), num, sizeof(num));
		s = num;
		n = strlen(num);
		break;
	case json_type_boolean:
		s = json_object_get_boolean(v) ? "true" : "false";
		n = strlen(s);
		break;
	default:
		/* null, missing, objects and arrays print as nothing. */
		return 0;
	}
	if (escape)
		return emit_escaped(r->out, s, n);
	return buf_add(r->out, s, n);
}

/*
 * Literal text; inside an indented partial every line is indented.  One
 * run of text can hold thousands of lines, each taking the indentation,
 * so the output cap is looked at line by line: past it, stop (the
 * caller reports the error).
 */
static int
emit_text(struct render *r, const char *s, size_t n, const char *indent,
    size_t indentlen)
{
	struct buf *out = r->out;
	const char *nl;
	size_t m;

	while (indentlen > 0 && n > 0 &&
	    (nl = memchr(s, '\n', n)) != NULL && nl != s + n - 1) {
		if (out->len - r->start > TEMPLATE_MAX_OUTPUT)
			return -1;
		m = (size_t)(nl - s) + 1;
		buf_add(out, s, m);
		buf_add(out, indent, indentlen);
		s += m;
		n -= m;
	}
	return buf_add(out, s, n);
}

static int
push_ctx(struct render *r, json_object *v)
{
	json_object **p;
	size_t ncap;

	if (r->nctx == r->ctxcap) {
		ncap = r->ctxcap ? r->ctxcap * 2 : 16;
		if ((p = reallocarray(r->ctx, ncap, sizeof(*p))) == NULL)
			return -1;
		r->ctx = p;
		r->ctxcap = ncap;
	}
	r->ctx[r->nctx++] = v;
	return 0;
}

static int	render_range(struct render *, struct tmpl *, size_t, size_t,
		    const char *, size_t);

static int
enter(struct render *r, const struct tmpl *t, const struct tok *k)
{
	const struct pentry *pe, *deepest = NULL;

	if (r->depth >= TEMPLATE_MAX_DEPTH) {
		/* Name the partial that includes itself, wherever in it (or in
		 * a partial it includes) the limit was reached. */
		for (pe = r->partials; pe != NULL; pe = pe->next)
			if (pe->active >= 2 && (deepest == NULL || pe->active > deepest->active))
				deepest = pe;
		if (deepest != NULL) {
			size_t line = 1;

			for (size_t i = 0; i < deepest->t->ntoks; i++)
				if (deepest->t->toks[i].type == TOK_PARTIAL &&
				    deepest->t->toks[i].partial == deepest) {
					line = deepest->t->toks[i].line;
					break;
				}
			errf(r->err, r->errlen, deepest->name, line, "sections and "
			    "partials nested deeper than %d levels (does a partial "
			    "include itself?)", TEMPLATE_MAX_DEPTH);
			return -1;
		}
		errf(r->err, r->errlen, t->name, k->line, "sections and "
		    "partials nested deeper than %d levels%s",
		    TEMPLATE_MAX_DEPTH, k->type == TOK_PARTIAL ?
		    " (does a partial include itself?)" : "");
		return -1;
	}
	r->depth++;
	return 0;
}

/* Render the body of section token idx once, with v on the stack. */
static int
section_body(struct render *r, struct tmpl *t, size_t idx, json_object *v,
    const char *indent, size_t indentlen)
{
	const struct tok *k = &t->toks[idx];
	int rv;

	if (++r->steps > TEMPLATE_MAX_STEPS) {
		errf(r->err, r->errlen, t->name, k->line, "template does too "
		    "much work (over %lu steps)", TEMPLATE_MAX_STEPS);
		return -1;
	}
	if (enter(r, t, k) == -1)
		return -1;
	if (push_ctx(r, v) == -1) {
		errf(r->err, r->errlen, t->name, k->line, "out of memory");
		return -1;
	}
	rv = render_range(r, t, idx + 1, k->end + 1, indent, indentlen);
	r->nctx--;
	r->depth--;
	return rv;
}

static struct pentry *
find_partial(struct render *r, struct tmpl *t, struct tok *k)
{
	struct pentry *pe;
	const char *src;

	for (pe = r->partials; pe != NULL; pe = pe->next)
		if (pe->namelen == k->len &&
		    memcmp(pe->name, k->s, k->len) == 0)
			return pe;
	if (r->npartials >= TEMPLATE_MAX_PARTIALS) {
		errf(r->err, r->errlen, t->name, k->line, "more than %d "
		    "different partials", TEMPLATE_MAX_PARTIALS);
		return NULL;
	}
	if ((pe = calloc(1, sizeof(*pe))) == NULL ||
	    (pe->name = strndup(k->s, k->len)) == NULL) {
		free(pe);
		errf(r->err, r->errlen, t->name, k->line, "out of memory");
		return NULL;
	}
	pe->namelen = k->len;
	pe->next = r->partials;
	r->partials = pe;
	r->npartials++;
	src = r->partial_fn != NULL ? r->partial_fn(pe->name, r->arg) : NULL;
	if (src != NULL &&
	    (pe->t = compile(src, pe->name, r->err, r->errlen)) == NULL)
		return NULL;
	return pe;
}

static int
render_partial(struct render *r, struct tmpl *t, struct tok *k,
    const char *indent, size_t indentlen)
{
	char *ind = NULL;
	size_t indlen = 0;
	int rv;

	if (k->partial == NULL &&
	    (k->partial = find_partial(r, t, k)) == NULL)
		return -1;
	if (k->partial->t == NULL)
		return 0;
	/* Standalone: its lines take the tag's indentation, added to the
	 * one we are under.  Inline: no indentation at all. */
	if (k->standalone && indentlen + k->indentlen > 0) {
		indlen = indentlen + k->indentlen;
		if ((ind = malloc(indlen)) == NULL) {
			errf(r->err, r->errlen, t->name, k->line,
			    "out of memory");
			return -1;
		}
		if (indentlen > 0)
			memcpy(ind, indent, indentlen);
		memcpy(ind + indentlen, k->indent, k->indentlen);
	}
	if (enter(r, t, k) == -1) {
		free(ind);
		return -1;
	}
	k->partial->active++;
	rv = render_range(r, k->partial->t, 0, k->partial->t->ntoks, ind,
	    indlen);
	k->partial->active--;
	r->depth--;
	free(ind);
	return rv;
}

static int
render_range(struct render *r, struct tmpl *t, size_t from, size_t to,
    const char *indent, size_t indentlen)
{
	struct tok *k;
	json_object *v;
	size_t i, j, n;

	for (i = from; i < to; i++) {
		k = &t->toks[i];
		if (++r->steps > TEMPLATE_MAX_STEPS) {
			errf(r->err, r->errlen, t->name, k->line, "template "
			    "does too much work (over %lu steps)",
			    TEMPLATE_MAX_STEPS);
			return -1;
		}
		if (k->bol && indentlen > 0)
			buf_add(r->out, indent, indentlen);
		switch (k->type) {
		case TOK_TEXT:
			/* Past the cap: reported below. */
			emit_text(r, k->s, k->len, indent, indentlen);
			break;
		case TOK_VAR:
		case TOK_RAW:
			emit_value(r, lookup(r, t, k), k->type == TOK_VAR &&
			    !(r->flags & TEMPLATE_NOESCAPE));
			break;
		case TOK_SECTION:
			v = lookup(r, t, k);
			if (r->flags & TEMPLATE_EVERY_SECTION) {
				/* Once, whatever the data says: every branch is walked. */
				if (section_body(r, t, i, r->ctx[r->nctx - 1], indent,
				    indentlen) == -1)
					return -1;
			} else if (json_object_is_type(v, json_type_array)) {
				n = json_object_array_length(v);
				for (j = 0; j < n; j++)
					if (section_body(r, t, i,
					    json_object_array_get_idx(v, j),
					    indent, indentlen) == -1)
						return -1;
			} else if (!falsy(v) &&
			    section_body(r, t, i, v, indent, indentlen) == -1)
				return -1;
			i = k->end;
			break;
		case TOK_INVERTED:
			if ((r->flags & TEMPLATE_EVERY_SECTION) || falsy(lookup(r, t, k))) {
				if (enter(r, t, k) == -1)
					return -1;
				if (render_range(r, t, i + 1, k->end + 1, indent,
				    indentlen) == -1)
					return -1;
				r->depth--;
			}
			i = k->end;
			break;
		case TOK_END:
			/* Only its indentation, done above. */
			break;
		case TOK_PARTIAL:
			if (render_partial(r, t, k, indent, indentlen) == -1)
				return -1;
			break;
		}
		if (r->out->failed) {
			errf(r->err, r->errlen, t->name, k->line,
			    "out of memory");
			return -1;
		}
		if (r->out->len - r->start > TEMPLATE_MAX_OUTPUT) {
			errf(r->err, r->errlen, t->name, k->line, "output "
			    "larger than %zu bytes", TEMPLATE_MAX_OUTPUT);
			return -1;
		}
	}
	return 0;
}

int
template_render(const char *src, json_object *data,
    template_partial_fn partial, void *arg, int flags, struct buf *out,
    char *err, size_t errlen)
{
	struct render r;
	struct pentry *pe, *next;
	struct tmpl *t;
	int rv = -1;

	if (src == NULL || out == NULL) {
		errf(err, errlen, NULL, 1, "no template or no output buffer");
		return -1;
	}
	if ((t = compile(src, NULL, err, errlen)) == NULL)
		return -1;
	memset(&r, 0, sizeof(r));
	r.partial_fn = partial;
	r.arg = arg;
	r.flags = flags;
	r.out = out;
	r.start = out->len;
	r.err = err;
	r.errlen = errlen;
	if (push_ctx(&r, data) == -1)
		errf(err, errlen, NULL, 1, "out of memory");
	else if (buf_reserve(out, 0) == -1)
		errf(err, errlen, NULL, 1, "out of memory");
	else
		rv = render_range(&r, t, 0, t->ntoks, NULL, 0);
	if (rv == -1 && !out->failed && out->data != NULL) {
		out->len = r.start;
		out->data[out->len] = '\0';
	}
	for (pe = r.partials; pe != NULL; pe = next) {
		next = pe->next;
		tmpl_free(pe->t);
		free(pe->name);
		free(pe);
	}
	free(r.ctx);
	tmpl_free(t);
	return rv;
}
