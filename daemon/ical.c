/*
 * ical.c - iCalendar content lines: escape, fold, end with CRLF.
 *
 * Written for speed as well as correctness: each line is escaped and
 * folded in one pass straight into the output buffer (a feed holds
 * thousands of events and is rebuilt on every store change).
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ical.h"
#include "utf8.h"

#define FOLD	75	/* octets per physical line, CRLF excluded */


/*
 * A line being written: o is the next output byte, col the column on the
 * current physical line.  put() adds one character of n bytes, folding
 * before it when it would not fit.  The caller reserved room for every
 * byte plus three per fold.
 */
struct line {
	char	*o;
	size_t	 col;
};

static inline void
put(struct line *l, const void *c, size_t n)
{
	if (l->col + n > FOLD) {
		l->o[0] = '\r';
		l->o[1] = '\n';
		l->o[2] = ' ';
		l->o += 3;
		l->col = 1;
	}
	memcpy(l->o, c, n);
	l->o += n;
	l->col += n;
}

/*
 * Room for n content bytes on folded lines, plus the final CRLF.  A fold
 * is moved back off a character of up to four octets, so a continuation
 * line (a space, then at most FOLD - 1 octets) may carry only FOLD - 4.
 */
static struct line *
begin(struct buf *b, size_t n, struct line *l)
{
	if (buf_reserve(b, n + (n / (FOLD - 4) + 1) * 3 + 2) == -1)
		return NULL;
	l->o = b->data + b->len;
	l->col = 0;
	return l;
}

static void
end(struct buf *b, struct line *l)
{
	l->o[0] = '\r';
	l->o[1] = '\n';
	l->o[2] = '\0';
	b->len = (size_t)(l->o + 2 - b->data);
}

static void
put_name(struct line *l, const char *name)
{
	for (; *name; name++)
		put(l, name, 1);
	put(l, ":", 1);
}

void
ical_raw(struct buf *b, const char *name, const char *value)
{
	struct line l;

	if (begin(b, strlen(name) + 1 + strlen(value), &l) == NULL)
		return;
	put_name(&l, name);
	for (; *value; value++)
		put(&l, value, 1);
	end(b, &l);
}

/*
 * Append the escaped line l (valid UTF-8, no CR or LF) folded: whole runs
 * are copied at once, each cut moved back off a UTF-8 continuation byte.
 */
static void
fold_into(struct buf *b, const char *src, size_t n)
{
	struct line l;
	size_t i = 0;

	if (begin(b, n, &l) == NULL)
		return;
	while (i < n) {
		size_t room = FOLD - l.col, take = n - i < room ? n - i : room;

		/* Never end a line inside a character. */
		while (take > 0 && i + take < n &&
		    ((unsigned char)src[i + take] & 0xC0) == 0x80)
			take--;
		memcpy(l.o, src + i, take);
		l.o += take;
		l.col += take;
		i += take;
		if (i < n) {
			l.o[0] = '\r';
			l.o[1] = '\n';
			l.o[2] = ' ';
			l.o += 3;
			l.col = 1;
		}
	}
	end(b, &l);
}

/* Bytes a TEXT value holds as they are: printable ASCII but \ ; , */
static const unsigned char plain[256] = {
#define R8(x) x, x, x, x, x, x, x, x
	R8(0), R8(0), R8(0), R8(0),			/* 0x00-0x1f */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* 0x20-0x2f: ',' */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1,	/* 0x30-0x3f: ';' */
	R8(1), R8(1),					/* 0x40-0x4f */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* 0x50-0x5f: '\\' */
	R8(1), R8(1),					/* 0x60-0x6f */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,	/* 0x70-0x7f: DEL */
	R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0),
	R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0),
#undef R8
};

void
ical_text(struct buf *b, const char *name, const char *value)
{
	const unsigned char *p = (const unsigned char *)(value ? value : "");
	const unsigned char *e = p + strlen((const char *)p);
	size_t nl = strlen(name);
	char small[512], *esc = small, *o;

	/* Escaping at most doubles the value. */
	if (nl + 1 + 2 * (size_t)(e - p) > sizeof(small) &&
	    (esc = malloc(nl + 1 + 2 * (size_t)(e - p))) == NULL) {
		b->failed = 1;
		return;
	}
	memcpy(esc, name, nl);
	o = esc + nl;
	*o++ = ':';
	while (p < e) {
		const unsigned char *run = p;
		size_t n;

		/* The common case: a run of printable ASCII copied at once. */
		while (p < e && plain[*p])
			p++;
		if (p > run) {
			memcpy(o, run, (size_t)(p - run));
			o += p - run;
			if (p == e)
				break;
		}
		if (*p >= 0x80) {
			if ((n = utf8_seq(p, (size_t)(e - p))) == 0) {
				p++;		/* not UTF-8: dropped */
				continue;
			}
			memcpy(o, p, n);
			o += n;
			p += n;
			continue;
		}
		switch (*p) {
		case '\\': *o++ = '\\'; *o++ = '\\'; break;
		case ';': *o++ = '\\'; *o++ = ';'; break;
		case ',': *o++ = '\\'; *o++ = ','; break;
		case '\n': *o++ = '\\'; *o++ = 'n'; break;
		case '\r':
			/* CRLF is one line break; a lone CR is one too. */
			if (!(p + 1 < e && p[1] == '\n')) {
				*o++ = '\\';
				*o++ = 'n';
			}
			break;
		case '\t': *o++ = '\t'; break;
		default: break;	/* other controls are not allowed in TEXT */
		}
		p++;
	}
	fold_into(b, esc, (size_t)(o - esc));
	if (esc != small)
		free(esc);
}

static char *
digits(char *o, long v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		o[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + width;
}

/* "YYYYMMDDTHHMMSS" of a day and a second of it; returns the end. */
static char *
stamp(char *o, long day, long secs)
{
	int y, m, d;

	clock_days_to_date(day, &y, &m, &d);
	o = digits(o, y < 0 ? 0 : y > 9999 ? 9999 : y, 4);
	o = digits(o, m, 2);
	o = digits(o, d, 2);
	*o++ = 'T';
	o = digits(o, secs / 3600, 2);
	o = digits(o, secs / 60 % 60, 2);
	return digits(o, secs % 60, 2);
}

void
ical_date(struct buf *b, const char *name, long day)
{
	char v[48], *o;
	int y, m, d;
	size_t n = strlen(name);

	if (n > 20)
		return;
	memcpy(v, name, n);
	memcpy(v + n, ";VALUE=DATE", 12);
	clock_days_to_date(day, &y, &m, &d);
	o = digits(v + 32, y < 0 ? 0 : y > 9999 ? 9999 : y, 4);
	o = digits(o, m, 2);
	o = digits(o, d, 2);
	*o = '\0';
	ical_raw(b, v, v + 32);
}

void
ical_utc(struct buf *b, const char *name, time_t t)
{
	char v[32], *o;

	o = stamp(v, clock_day_of(t), clock_second_of_day(t));
	*o++ = 'Z';
	*o = '\0';
	ical_raw(b, name, v);
}

void
ical_local(struct buf *b, const char *name, const char *zone, long day, long secs)
{
	struct line l;
	char v[32];

	*stamp(v, day, secs) = '\0';
	if (begin(b, strlen(name) + 6 + strlen(zone) + 1 + strlen(v), &l) == NULL)
		return;
	for (const char *p = name; *p; p++)
		put(&l, p, 1);
	for (const char *p = ";TZID="; *p; p++)
		put(&l, p, 1);
	put_name(&l, zone);
	for (const char *p = v; *p; p++)
		put(&l, p, 1);
	end(b, &l);
}
