/*
 * csvfile.c - CSV file reader over libcsv with encoding and delimiter
 * detection and line numbers.  Reads a file; never touches the store.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>	/* libcsv */

#include "csvfile.h"
#include "nls.h"
#include "utf8.h"

/* cp1252 0x80-0x9F; 0 = undefined byte (mapped to U+FFFD). */
static const unsigned short cp1252_high[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178
};

size_t
csvfile_cp1252_to_utf8(const char *in, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned c = (unsigned char)in[i];

		if (c < 0x80) {
			out[o++] = (char)c;
			continue;
		}
		if (c < 0xA0)
			c = cp1252_high[c - 0x80] ? cp1252_high[c - 0x80] : 0xFFFD;
		if (c < 0x800) {
			out[o++] = (char)(0xC0 | (c >> 6));
			out[o++] = (char)(0x80 | (c & 0x3F));
		} else {
			out[o++] = (char)(0xE0 | (c >> 12));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (c & 0x3F));
		}
	}
	out[o] = '\0';
	return o;
}


int
csvfile_valid_utf8(const char *s, size_t len)
{
	return utf8_scan(s, len) == len;
}

/* The delimiter that splits the header line most: , ; or tab. */
static char
detect_delimiter(const char *p, size_t len)
{
	size_t counts[3] = { 0, 0, 0 };
	const char cand[3] = { ',', ';', '\t' };
	int inq = 0, best = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '"')
			inq = !inq;
		else if (!inq && (p[i] == '\n' || p[i] == '\r'))
			break;
		else if (!inq)
			for (int k = 0; k < 3; k++)
				if (p[i] == cand[k])
					counts[k]++;
	}
	for (int k = 1; k < 3; k++)
		if (counts[k] > counts[best])
			best = k;
	return cand[best];
}

struct reader {
	const struct csvfile_opts	*opts;
	csvfile_row_fn		 fn;
	void			*arg;
	int			 cp1252;
	size_t			 line;		/* line the current row starts on */
	size_t			 nl_in_row;	/* newlines inside quoted fields */
	int			 after_cr;	/* last row ended with CR */
	char			**fields;
	size_t			*lens;
	size_t			 nfields, cap;
	int			 stopped;
	int			 oom;
};

static void
on_field(void *data, size_t len, void *arg)
{
	struct reader *r = arg;
	const char *s = data ? data : "";
	char *f;

	if (r->stopped || r->oom)
		return;
	if (r->nfields == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		char **nf = reallocarray(r->fields, cap, sizeof(char *));
		size_t *nl = nf ? reallocarray(r->lens, cap, sizeof(size_t)) : NULL;
		if (nf != NULL)
			r->fields = nf;
		if (nl == NULL) {
			r->oom = 1;
			return;
		}
		r->lens = nl;
		r->cap = cap;
	}
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == len || s[i + 1] != '\n')))
			r->nl_in_row++;
	if (r->cp1252) {
		if ((f = malloc(len * 3 + 1)) == NULL) {
			r->oom = 1;
			return;
		}
		r->lens[r->nfields] = csvfile_cp1252_to_utf8(s, len, f);
	} else {
		if ((f = malloc(len + 1)) == NULL) {
			r->oom = 1;
			return;
		}
		memcpy(f, s, len);
		f[len] = '\0';
		r->lens[r->nfields] = len;
	}
	r->fields[r->nfields++] = f;
}

static void
clear_row(struct reader *r)
{
	for (size_t i = 0; i < r->nfields; i++)
		free(r->fields[i]);
	r->nfields = 0;
}

static void
on_row(int c, void *arg)
{
	struct reader *r = arg;
	struct csvfile_row row;

	if (r->nfields == 0) {
		/* A line end outside any record: a blank line, or the LF of CRLF. */
		if (!(c == '\n' && r->after_cr))
			r->line++;
		r->after_cr = c == '\r';
		return;
	}
	if (!r->stopped && !r->oom) {
		/* A row of one empty field is a blank line too. */
		if (!(r->nfields == 1 && r->lens[0] == 0)) {
			row.line = r->line;
			row.nfields = r->nfields;
			row.fields = r->fields;
			row.lens = r->lens;
			if (r->fn(&row, r->arg) != 0)
				r->stopped = 1;
		}
	}
	clear_row(r);
	r->line += 1 + r->nl_in_row;
	r->nl_in_row = 0;
	r->after_cr = c == '\r';
}

int
csvfile_read(const char *path, const struct csvfile_opts *opts, csvfile_row_fn fn, void *arg,
    char *delim_used, enum csvfile_encoding *enc_used, char *err, size_t errlen)
{
	struct csv_parser p;
	struct reader r = { 0 };
	struct stat sb;
	const char *data = NULL;
	char *owned = NULL;
	size_t size = 0, off = 0, chunk = 1 << 16, next_progress = 0;
	int fd, ret = -1;
	char delim;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISREG(sb.st_mode) && sb.st_size > 0) {
		size = (size_t)sb.st_size;
		data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (data == MAP_FAILED)
			data = NULL;
	}
	if (data == NULL && !(S_ISREG(sb.st_mode) && sb.st_size == 0)) {
		/* A pipe, a device or a file that cannot be mapped: read it
		 * all, up to CSVFILE_STREAM_MAX (/dev/zero has no end). */
		size_t cap = 1 << 16;
		ssize_t n;
		size = 0;
		if ((owned = malloc(cap)) == NULL)
			goto oom;
		while ((n = read(fd, owned + size, cap - size)) != 0) {
			if (n == -1) {
				if (errno == EINTR)
					continue;
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
				goto out;
			}
			size += (size_t)n;
			if (size > CSVFILE_STREAM_MAX) {
				snprintf(err, errlen, _("%s: more than %d MiB from a pipe or "
				    "device; save it to a file and import that"), path,
				    CSVFILE_STREAM_MAX >> 20);
				goto out;
			}
			if (size == cap) {
				/* One byte past the limit is enough to know. */
				size_t ncap = cap * 2 > (size_t)CSVFILE_STREAM_MAX ?
				    (size_t)CSVFILE_STREAM_MAX + 1 : cap * 2;
				char *nb = realloc(owned, ncap);
				if (nb == NULL)
					goto oom;
				owned = nb;
				cap = ncap;
			}
		}
		data = owned;
	}
	if (size == 0) {
		snprintf(err, errlen, _("%s: the file is empty"), path);
		goto out;
	}
	/* Encoding: a BOM says UTF-8; else valid UTF-8 is UTF-8; else cp1252. */
	if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		off = 3;
		r.cp1252 = 0;
		if (opts->encoding == CSVFILE_ENC_CP1252)
			r.cp1252 = 1;
	} else if (opts->encoding == CSVFILE_ENC_AUTO)
		r.cp1252 = !csvfile_valid_utf8(data, size);
	else
		r.cp1252 = opts->encoding == CSVFILE_ENC_CP1252;
	/* Read as UTF-8 (asked for, or said by a BOM): then it must be. */
	if (!r.cp1252) {
		size_t bad = off + utf8_scan(data + off, size - off), line = 1;
		if (bad < size) {
			for (size_t i = off; i < bad; i++)
				line += data[i] == '\n';
			snprintf(err, errlen, _("%s:%zu: not valid UTF-8 (try --encoding cp1252)"),
			    path, line);
			goto out;
		}
	}
	delim = opts->delimiter ? opts->delimiter : detect_delimiter(data + off, size - off);
	if (delim_used != NULL)
		*delim_used = delim;
	if (enc_used != NULL)
		*enc_used = r.cp1252 ? CSVFILE_ENC_CP1252 : CSVFILE_ENC_UTF8;

	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL | CSV_APPEND_NULL) != 0)
		goto oom;
	csv_set_delim(&p, (unsigned char)delim);
	r.opts = opts;
	r.fn = fn;
	r.arg = arg;
	r.line = 1;
	while (off < size && !r.stopped && !r.oom) {
		size_t n = size - off < chunk ? size - off : chunk;
		size_t used = csv_parse(&p, data + off, n, on_field, on_row, &r);
		if (used != n) {
			/* libcsv stops at the byte it cannot accept. */
			size_t line = r.line + r.nl_in_row;
			snprintf(err, errlen, _("%s:%zu: malformed quoting (%s)"), path, line,
			    csv_strerror(csv_error(&p)));
			csv_free(&p);
			clear_row(&r);
			goto out;
		}
		off += n;
		if (opts->progress != NULL && off >= next_progress) {
			opts->progress(off, size, opts->arg);
			next_progress = off + size / 100;
		}
	}
	if (!r.stopped && !r.oom && csv_fini(&p, on_field, on_row, &r) != 0) {
		snprintf(err, errlen, _("%s:%zu: malformed quoting (a quoted field is not "
		    "closed before the end of the file)"), path, r.line);
		csv_free(&p);
		clear_row(&r);
		goto out;
	}
	csv_free(&p);
	clear_row(&r);
	if (r.oom)
		goto oom;
	ret = r.stopped ? 1 : 0;
	goto out;
oom:
	snprintf(err, errlen, _("%s: out of memory"), path);
out:
	free(r.fields);
	free(r.lens);
	if (owned != NULL)
		free(owned);
	else if (data != NULL)
		munmap((void *)(uintptr_t)data, size);
	close(fd);
	return ret;
}
