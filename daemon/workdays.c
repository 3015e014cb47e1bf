/*
 * workdays.c - working weekdays and holidays: parsing and day arithmetic.
 * Pure: no I/O, no store, no clock.
 */
#include "build.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "workdays.h"

/* Every loop over days stops after this many (a year of holidays on top
 * of the one working weekday a week there may be). */
#define WORKDAYS_MAX_STEPS	4000

static int
is_holiday(const struct workdays *w, long day)
{
	size_t lo = 0, hi = w->nholidays;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->holidays[mid] == day)
			return 1;
		if (w->holidays[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int
workdays_is_on(const struct workdays *w, long day)
{
	if (w == NULL)
		return 1;
	return (w->week & (1u << clock_weekday(day))) != 0 && !is_holiday(w, day);
}

long
workdays_add(const struct workdays *w, long day, int n)
{
	for (int i = 0; n > 0 && i < WORKDAYS_MAX_STEPS; i++)
		if (workdays_is_on(w, ++day))
			n--;
	return day;
}

long
workdays_next(const struct workdays *w, long day)
{
	return workdays_add(w, day, 1);
}

long
workdays_prev(const struct workdays *w, long day)
{
	for (int i = 0; i < WORKDAYS_MAX_STEPS; i++)
		if (workdays_is_on(w, --day))
			break;
	return day;
}

/* Weekday names, folded (no accents, lower case), Monday = 0. */
static const struct {
	const char	*name;
	int		 day;
} names[] = {
	{ "mon", 0 }, { "monday", 0 }, { "lun", 0 }, { "lunes", 0 },
	{ "tue", 1 }, { "tuesday", 1 }, { "mar", 1 }, { "martes", 1 },
	{ "wed", 2 }, { "wednesday", 2 }, { "mie", 2 }, { "miercoles", 2 },
	{ "thu", 3 }, { "thursday", 3 }, { "jue", 3 }, { "jueves", 3 },
	{ "fri", 4 }, { "friday", 4 }, { "vie", 4 }, { "viernes", 4 },
	{ "sat", 5 }, { "saturday", 5 }, { "sab", 5 }, { "sabado", 5 },
	{ "sun", 6 }, { "sunday", 6 }, { "dom", 6 }, { "domingo", 6 },
};

static const char *const short_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/*
 * word in lower case without the accents weekday names carry (UTF-8 á é í
 * ó ú, either case); anything else passes as it is.  No table of Unicode
 * here: it is only for the few words above.
 */
static void
fold(const char *word, char *out, size_t len)
{
	static const char from[] = "\xa1\xa9\xad\xb3\xba\x81\x89\x8d\x93\x9a";
	static const char to[] = "aeiouaeiou";
	const unsigned char *p = (const unsigned char *)word;
	size_t n = 0;

	while (*p != '\0' && n + 1 < len) {
		const char *f;

		if (p[0] == 0xc3 && p[1] != '\0' && (f = strchr(from, p[1])) != NULL) {
			out[n++] = to[f - from];
			p += 2;
			continue;
		}
		out[n++] = (char)tolower(*p);
		p++;
	}
	out[n] = '\0';
}

static int
day_of(const char *word)
{
	char key[32];

	if (strlen(word) >= sizeof(key))
		return -1;
	fold(word, key, sizeof(key));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, key) == 0)
			return names[i].day;
	return -1;
}

int
workdays_parse_week(const char *spec, unsigned *week, char *err, size_t errlen)
{
	const char *p = spec;
	unsigned w = 0;

	if (spec == NULL) {
		snprintf(err, errlen, "no working days given");
		return -1;
	}
	while (*p != '\0') {
		char a[32], b[32];
		size_t n;
		int from, to;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, ",- \t");
		if (n == 0 || n >= sizeof(a))
			goto bad;
		memcpy(a, p, n);
		a[n] = '\0';
		p += n;
		if ((from = day_of(a)) == -1) {
			snprintf(err, errlen, "\"%s\" is not a day of the week (mon, tue, ... "
			    "or lun, mar, ...)", a);
			return -1;
		}
		to = from;
		if (*p == '-') {
			p++;
			n = strcspn(p, ",- \t");
			if (n == 0 || n >= sizeof(b))
				goto bad;
			memcpy(b, p, n);
			b[n] = '\0';
			p += n;
			if ((to = day_of(b)) == -1) {
				snprintf(err, errlen, "\"%s\" is not a day of the week (mon, tue, "
				    "... or lun, mar, ...)", b);
				return -1;
			}
		}
		/* A range wraps around the week: "sun-thu", "fri-mon". */
		for (int d = from;; d = (d + 1) % 7) {
			w |= 1u << d;
			if (d == to)
				break;
		}
	}
	if (w == 0) {
		snprintf(err, errlen, "no working days given (e.g. \"mon-fri\")");
		return -1;
	}
	*week = w;
	return 0;
bad:
	snprintf(err, errlen, "\"%s\" is not a list of days of the week (e.g. \"mon-fri\", "
	    "\"mon,wed,fri\")", spec);
	return -1;
}

char *
workdays_format_week(unsigned week, char *buf, size_t len)
{
	size_t n = 0;
	int d = 0;

	int start = 0;

	buf[0] = '\0';
	/* Runs of three or more days become ranges, from Monday; a run that
	 * goes on past Sunday ("sun-thu") starts where it starts. */
	if ((week & 1u) && (week & 0x40u) && week != WORKDAYS_ALL)
		for (start = 6; week & (1u << (start - 1)); start--)
			;
	for (int k = 0; k < 7; k = d) {
		int first = (start + k) % 7, run = 0;

		if (!(week & (1u << first))) {
			d = k + 1;
			continue;
		}
		while (k + run < 7 && (week & (1u << ((start + k + run) % 7))))
			run++;
		d = k + run;
		if (run >= 3)
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s-%s",
			    n ? "," : "", short_names[first], short_names[(first + run - 1) % 7]);
		else
			for (int j = 0; j < run; j++)
				n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s",
				    n ? "," : "", short_names[(first + j) % 7]);
	}
	return buf;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

int
workdays_parse_dates(const char *text, const char *origin, long **out, size_t *nout,
    char *err, size_t errlen)
{
	const char *p = text;
	long *v = NULL, *nv;
	size_t n = 0, cap = 0, k = 0;
	int line = 1;

	*out = NULL;
	*nout = 0;
	while (p != NULL && *p != '\0') {
		char word[64];
		size_t len;
		long d;

		if (*p == '#') {
			p += strcspn(p, "\n");
			continue;
		}
		if (*p == '\n') {
			line++;
			p++;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r') {
			p++;
			continue;
		}
		len = strcspn(p, " \t,\r\n#");
		snprintf(word, sizeof(word), "%.*s", (int)(len < 40 ? len : 40), p);
		if (len > 10 || clock_date_parse(word, &d) == -1) {
			if (origin != NULL)
				snprintf(err, errlen, "%s:%d: \"%s\" is not a date (YYYY-MM-DD)",
				    origin, line, word);
			else
				snprintf(err, errlen, "\"%s\" is not a date (YYYY-MM-DD)", word);
			free(v);
			return -1;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				free(v);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			v = nv;
		}
		v[n++] = d;
		p += len;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_long);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	*out = v;
	*nout = k;
	return 0;
}

char *
workdays_format_dates(const long *v, size_t n)
{
	struct buf b = BUF_INIT;
	char d[16];

	buf_puts(&b, "");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&b, ' ');
		buf_puts(&b, clock_date_format(v[i], d, sizeof(d)));
	}
	return buf_steal(&b);
}
