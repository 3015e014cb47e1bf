/*
 * render.c - load Cartera's mail templates from disk and render them.
 *
 * Reads files only at load (start and SIGHUP); rendering is pure memory
 * work through template.c.  Partials are looked up in the same language
 * directory; a partial that does not exist is an error, not an empty
 * string.
 */
#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "render.h"
#include "template.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/share/cartera"
#endif

#define TMPL_FILE_MAX	(1024 * 1024)
#define TMPL_FILES_MAX	256

static const char *const langs[] = { "es", "en" };
static const char *const kinds[] = { "digest", "followup", "monthly" };
static const char *const parts[] = { "subject", "txt", "html" };
/* The salesperson's page (web.c): LANG/web/NAME.html, HTML-escaped. */
static const char *const pages[] = {
	"today", "search", "client", "new", "activity", "confirm", "result", "error"
};
#define CSS_NAME	"cartera.css"	/* static/cartera.css: the page's one stylesheet */
#define CSS_MAX		(64 * 1024)

struct tfile {
	char	*name;		/* "digest.html" */
	char	*path;		/* where it was read, for messages */
	char	*src;
};

struct tlang {
	struct tfile	*files;
	size_t		 n;
};

struct render_set {
	struct tlang	 lang[2];
	char		*css;		/* the stylesheet; NULL if none was found */
	size_t		 css_len;
};

const char *
render_shipped_dir(void)
{
	return PKGDATADIR "/templates";
}

static int
lang_index(const char *lang)
{
	return lang != NULL && strcmp(lang, "en") == 0 ? 1 : 0;
}

static const struct tfile *
find(const struct tlang *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->files[i].name, name) == 0)
			return &l->files[i];
	return NULL;
}

static int
valid_name(const char *s)
{
	if (*s == '\0' || *s == '.' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
			return 0;
	return 1;
}

static int
read_file(const char *path, char **out, char *err, size_t errlen)
{
	struct buf b = BUF_INIT;
	char chunk[8192];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (b.len + (size_t)n > TMPL_FILE_MAX) {
			snprintf(err, errlen, "%s: larger than %d bytes", path, TMPL_FILE_MAX);
			goto fail;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	if (b.len != 0 && memchr(b.data, '\0', b.len) != NULL) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		buf_free(&b);
		return -1;
	}
	if ((*out = buf_steal(&b)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
fail:
	close(fd);
	buf_free(&b);
	return -1;
}

/* Add every file of dir/lang (dir/lang/sub, named "sub/FILE", when sub is
 * not NULL) to l, unless one of that name is there. */
static int
load_dir(struct tlang *l, const char *dir, const char *lang, const char *sub, char *err,
    size_t errlen)
{
	char path[4096], name[160];
	struct dirent *de;
	struct stat sb;
	DIR *d;

	if (sub != NULL)
		snprintf(path, sizeof(path), "%s/%s/%s", dir, lang, sub);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, lang);
	if ((d = opendir(path)) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct tfile *nf, f = { 0 };

		if (!valid_name(de->d_name))
			continue;
		/* A name too long for a template is not one (valid_name). */
		if (snprintf(name, sizeof(name), "%s%s%s", sub ? sub : "", sub ? "/" : "",
		    de->d_name) >= (int)sizeof(name))
			continue;
		if (find(l, name) != NULL)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/%s%s%s", dir, lang, sub ? sub : "",
		    sub ? "/" : "", de->d_name) >= (int)sizeof(path))
			continue;
		if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		if (l->n == TMPL_FILES_MAX) {
			snprintf(err, errlen, "%s/%s: more than %d files", dir, lang,
			    TMPL_FILES_MAX);
			closedir(d);
			return -1;
		}
		if (read_file(path, &f.src, err, errlen) == -1) {
			closedir(d);
			return -1;
		}
		if ((f.name = strdup(name)) == NULL || (f.path = strdup(path)) == NULL ||
		    (nf = reallocarray(l->files, l->n + 1, sizeof(*nf))) == NULL) {
			free(f.name);
			free(f.path);
			free(f.src);
			closedir(d);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		l->files = nf;
		l->files[l->n++] = f;
	}
	closedir(d);
	return 0;
}

struct pctx {
	const struct tlang	*l;
	char			 missing[80];
};

static const char *
partial(const char *name, void *arg)
{
	struct pctx *p = arg;
	const struct tfile *f = find(p->l, name);

	if (f == NULL && p->missing[0] == '\0')
		snprintf(p->missing, sizeof(p->missing), "%s", name);
	return f != NULL ? f->src : NULL;
}

static int
render_one(const struct tlang *l, const struct tfile *f, json_object *data, int flags,
    char **out, char *err, size_t errlen)
{
	struct pctx p = { l, "" };
	struct buf b = BUF_INIT;
	char e[512];

	if (template_render(f->src, data, partial, &p, flags, &b, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "%s: %s", f->path, e);
		buf_free(&b);
		return -1;
	}
	if (p.missing[0] != '\0') {
		snprintf(err, errlen, "%s: partial \"%s\" not found", f->path, p.missing);
		buf_free(&b);
		return -1;
	}
	if ((*out = buf_steal(&b)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* One line: whitespace runs (newlines included) become one space. */
static void
one_line(char *s)
{
	char *w = s;
	int space = 1;

	for (char *r = s; *r; r++) {
		if (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n') {
			if (!space)
				*w++ = ' ';
			space = 1;
		} else {
			*w++ = *r;
			space = 0;
		}
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

int
render_message(const struct render_set *t, const char *kind, const char *lang,
    json_object *data, char **subject, char **text, char **html, char *err, size_t errlen)
{
	const struct tlang *l = &t->lang[lang_index(lang)];
	const struct tfile *f;
	char name[80];
	char **outs[3] = { subject, text, html };

	*subject = *text = NULL;
	if (html != NULL)
		*html = NULL;
	for (int p = 0; p < 3; p++) {
		if (outs[p] == NULL)
			continue;
		snprintf(name, sizeof(name), "%s.%s", kind, parts[p]);
		if ((f = find(l, name)) == NULL) {
			snprintf(err, errlen, "template %s/%s not found", lang, name);
			goto fail;
		}
		if (render_one(l, f, data, p == 2 ? 0 : TEMPLATE_NOESCAPE, outs[p], err,
		    errlen) == -1)
			goto fail;
	}
	one_line(*subject);
	if (**subject == '\0' || **text == '\0' || (html != NULL && **html == '\0')) {
		snprintf(err, errlen, "template %s/%s rendered empty", lang,
		    **subject == '\0' ? "subject" : **text == '\0' ? "txt" : "html");
		goto fail;
	}
	return 0;
fail:
	free(*subject);
	free(*text);
	*subject = *text = NULL;
	if (html != NULL) {
		free(*html);
		*html = NULL;
	}
	return -1;
}

/* static/cartera.css from the override directory, else the shipped one
 * (none at all is no error: the pages then go unstyled). */
static int
load_css(struct render_set *t, const char *override, const char *shipped, char *err,
    size_t errlen)
{
	const char *dirs[2] = { override, shipped };
	char path[4096];
	struct stat sb;

	for (int i = 0; i < 2; i++) {
		if (dirs[i] == NULL || *dirs[i] == '\0')
			continue;
		snprintf(path, sizeof(path), "%s/static/%s", dirs[i], CSS_NAME);
		if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		if (sb.st_size > CSS_MAX) {
			snprintf(err, errlen, "%s: larger than %d bytes", path, CSS_MAX);
			return -1;
		}
		if (read_file(path, &t->css, err, errlen) == -1)
			return -1;
		t->css_len = strlen(t->css);
		return 0;
	}
	return 0;
}

int
render_page(const struct render_set *t, const char *name, const char *lang, json_object *data,
    char **html, char *err, size_t errlen)
{
	const struct tlang *l = &t->lang[lang_index(lang)];
	const struct tfile *f;
	char fname[96];

	*html = NULL;
	snprintf(fname, sizeof(fname), "web/%s.html", name);
	if ((f = find(l, fname)) == NULL) {
		snprintf(err, errlen, "template %s/%s not found", lang, fname);
		return -1;
	}
	return render_one(l, f, data, 0, html, err, errlen);
}

const char *
render_css(const struct render_set *t, size_t *len)
{
	*len = t->css_len;
	return t->css;
}

void
render_free(struct render_set *t)
{
	if (t == NULL)
		return;
	free(t->css);
	for (int li = 0; li < 2; li++) {
		for (size_t i = 0; i < t->lang[li].n; i++) {
			free(t->lang[li].files[i].name);
			free(t->lang[li].files[i].path);
			free(t->lang[li].files[i].src);
		}
		free(t->lang[li].files);
	}
	free(t);
}

/*
 * Template NAME of language LI must exist, parse, and render on empty
 * data and with every section taken, so that an error on a branch only
 * data opens (a partial that includes itself inside a list) is found now,
 * not at send time.
 */
static int
check_template(const struct render_set *t, int li, const char *name, json_object *empty,
    const char *override, const char *shipped, char *err, size_t errlen)
{
	const struct tfile *f;
	char e[512], *o = NULL;

	if ((f = find(&t->lang[li], name)) == NULL) {
		snprintf(err, errlen, "template %s/%s not found in %s%s%s",
		    langs[li], name, override ? override : "",
		    override ? " or " : "", shipped ? shipped : "");
		return -1;
	}
	if (template_check(f->src, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "%s: %s", f->path, e);
		return -1;
	}
	if (render_one(&t->lang[li], f, empty, 0, &o, err, errlen) == -1)
		return -1;
	free(o);
	o = NULL;
	if (render_one(&t->lang[li], f, empty, TEMPLATE_EVERY_SECTION, &o, err, errlen) == -1)
		return -1;
	free(o);
	return 0;
}

int
render_load(const char *override, const char *shipped, struct render_set **out,
    char *err, size_t errlen)
{
	struct render_set *t;
	json_object *empty;
	char name[80];

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int li = 0; li < 2; li++) {
		for (int w = 0; w < 2; w++) {
			const char *sub = w ? "web" : NULL;

			if ((override != NULL && *override != '\0' &&
			    load_dir(&t->lang[li], override, langs[li], sub, err, errlen) == -1) ||
			    (shipped != NULL && load_dir(&t->lang[li], shipped, langs[li], sub, err,
			    errlen) == -1)) {
				render_free(t);
				return -1;
			}
		}
	}
	if (load_css(t, override, shipped, err, errlen) == -1) {
		render_free(t);
		return -1;
	}
	/* Every template must exist, parse, and render on empty data and on
	 * every branch. */
	if ((empty = json_object_new_object()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (int li = 0; li < 2; li++) {
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			for (int p = 0; p < 3; p++) {
				snprintf(name, sizeof(name), "%s.%s", kinds[k], parts[p]);
				if (check_template(t, li, name, empty, override, shipped, err,
				    errlen) == -1)
					goto fail;
			}
		for (size_t k = 0; k < sizeof(pages) / sizeof(pages[0]); k++) {
			snprintf(name, sizeof(name), "web/%s.html", pages[k]);
			if (check_template(t, li, name, empty, override, shipped, err,
			    errlen) == -1)
				goto fail;
		}
	}
	json_object_put(empty);
	*out = t;
	return 0;
fail:
	json_object_put(empty);
	render_free(t);
	return -1;
}
