/*
 * mailmatch.c - IMAP responses to messages, headers to facts (GMime),
 * facts to a decision.  Pure: see mailmatch.h.  Message headers are
 * parsed by GMime only; the little written here reads the IMAP
 * protocol's own framing (lines, literals, FETCH item lists), which no
 * library offers through libcurl.
 */
#include "build.h"

#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "buf.h"
#include "clock.h"
#include "hash.h"
#include "mailmatch.h"
#include "utf8.h"

#define MAX_REFS	64	/* references kept per message */
#define MAX_ADDRS	512	/* addresses kept per message */
#define MAX_MSGID	250	/* longest Message-ID kept as it is */
#define EPOCH_1990	631152000

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static GMimeParserOptions *parser_opts;

static void
init_gmime(void)
{
	static const char *charsets[] = { "UTF-8", "windows-1252", NULL };

	g_mime_init();
	parser_opts = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(parser_opts, charsets);
	g_mime_parser_options_set_rfc2047_compliance_mode(parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
}

void
mailmatch_init(void)
{
	pthread_once(&init_once, init_gmime);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/*
 * IMAP framing.
 */

/* A cursor over resp[0..len). */
struct cur {
	const char	*p;
	size_t		 len, i;
};

static int
at_end(const struct cur *c)
{
	return c->i >= c->len;
}

static int
peek(const struct cur *c)
{
	return c->i < c->len ? (unsigned char)c->p[c->i] : -1;
}

static void
skip_sp(struct cur *c)
{
	while (c->i < c->len && c->p[c->i] == ' ')
		c->i++;
}

/* Past the end of the current line (after LF). */
static void
skip_line(struct cur *c)
{
	const char *nl = c->i < c->len ? memchr(c->p + c->i, '\n', c->len - c->i) : NULL;

	c->i = nl != NULL ? (size_t)(nl - c->p) + 1 : c->len;
}

static int
read_number(struct cur *c, unsigned long long *v)
{
	size_t start = c->i;

	*v = 0;
	while (c->i < c->len && is_digit(c->p[c->i])) {
		if (*v > (ULLONG_MAX - 9) / 10)
			return -1;
		*v = *v * 10 + (unsigned)(c->p[c->i] - '0');
		c->i++;
	}
	return c->i > start ? 0 : -1;
}

/* At "{N}" (or "{N+}") CRLF: the N bytes after it. */
static int
read_literal(struct cur *c, const char **data, size_t *n)
{
	unsigned long long v;

	if (peek(c) != '{')
		return -1;
	c->i++;
	if (read_number(c, &v) == -1)
		return -1;
	if (peek(c) == '+')
		c->i++;
	if (peek(c) != '}')
		return -1;
	c->i++;
	if (peek(c) == '\r')
		c->i++;
	if (peek(c) != '\n')
		return -1;
	c->i++;
	if (v > c->len - c->i)
		return -1;	/* cut short */
	*data = c->p + c->i;
	*n = (size_t)v;
	c->i += (size_t)v;
	return 0;
}

/* A quoted string; its raw inside (escapes kept) in data/n. */
static int
read_quoted(struct cur *c, const char **data, size_t *n)
{
	size_t start;

	if (peek(c) != '"')
		return -1;
	start = ++c->i;
	while (c->i < c->len && c->p[c->i] != '"') {
		if (c->p[c->i] == '\r' || c->p[c->i] == '\n')
			return -1;
		if (c->p[c->i] == '\\')
			c->i++;
		c->i++;
	}
	if (c->i >= c->len)
		return -1;
	*data = c->p + start;
	*n = c->i - start;
	c->i++;
	return 0;
}

/* Skip one value: atom, number, NIL, quoted, literal, or (list). */
static int
skip_value(struct cur *c, int depth)
{
	const char *d;
	size_t n;

	if (depth > 32)
		return -1;
	switch (peek(c)) {
	case -1:
		return -1;
	case '"':
		return read_quoted(c, &d, &n);
	case '{':
		return read_literal(c, &d, &n);
	case '(':
		c->i++;
		for (;;) {
			skip_sp(c);
			if (peek(c) == ')') {
				c->i++;
				return 0;
			}
			if (at_end(c) || peek(c) == '\r' || peek(c) == '\n')
				return -1;
			if (skip_value(c, depth + 1) == -1)
				return -1;
		}
	default:
		while (c->i < c->len && c->p[c->i] != ' ' && c->p[c->i] != ')' &&
		    c->p[c->i] != '(' && c->p[c->i] != '\r' && c->p[c->i] != '\n') {
			if (c->p[c->i] == '[') {
				/* BODY[...] style: brackets may hold spaces */
				while (c->i < c->len && c->p[c->i] != ']' &&
				    c->p[c->i] != '\n')
					c->i++;
				if (c->i >= c->len || c->p[c->i] != ']')
					return -1;
			}
			c->i++;
		}
		return 0;
	}
}

/* "d-Mon-yyyy hh:mm:ss +zzzz" (RFC 3501 date-time) -> instant, 0 if bad. */
static time_t
parse_internaldate(const char *s, size_t n)
{
	int d, mon = -1, y, hh, mm, ss, zh, zm, sign;
	char mname[4];
	char tmp[40];

	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (sscanf(tmp, " %2d-%3c-%4d %2d:%2d:%2d %*c", &d, mname, &y, &hh, &mm, &ss) != 6)
		return 0;
	/* Month names are case-insensitive in IMAP: "Jan" as clock.c spells them. */
	mname[0] = (char)toupper((unsigned char)mname[0]);
	mname[1] = (char)tolower((unsigned char)mname[1]);
	mname[2] = (char)tolower((unsigned char)mname[2]);
	mname[3] = '\0';
	mon = clock_month_from_abbr(mname);
	{
		const char *z = strpbrk(tmp + 10, "+-");

		if (z == NULL || strlen(z) < 5 || !is_digit(z[1]) || !is_digit(z[2]) ||
		    !is_digit(z[3]) || !is_digit(z[4]))
			return 0;
		sign = *z == '-' ? -1 : 1;
		zh = (z[1] - '0') * 10 + (z[2] - '0');
		zm = (z[3] - '0') * 10 + (z[4] - '0');
	}
	if (mon < 1 || d < 1 || d > 31 || y < 1970 || y > 9999 || hh > 23 || mm > 59 ||
	    ss > 60 || zh > 23 || zm > 59)
		return 0;
	return clock_day_start(clock_date_to_days(y, mon, d)) + hh * 3600 + mm * 60 + ss -
	    sign * (zh * 3600 + zm * 60);
}

/* The items of one FETCH response, c just after "FETCH (". */
static int
parse_fetch_items(struct cur *c, struct mailmatch_fetched *f)
{
	const char *d;
	size_t n, name;
	unsigned long long v;

	for (;;) {
		skip_sp(c);
		if (peek(c) == ')') {
			c->i++;
			skip_line(c);
			return 0;
		}
		if (at_end(c) || peek(c) == '\r' || peek(c) == '\n')
			return -1;
		name = c->i;
		while (c->i < c->len && c->p[c->i] != ' ' && c->p[c->i] != '[' &&
		    c->p[c->i] != ')' && c->p[c->i] != '\r' && c->p[c->i] != '\n')
			c->i++;
		if (peek(c) == '[') {
			while (c->i < c->len && c->p[c->i] != ']' && c->p[c->i] != '\n')
				c->i++;
			if (peek(c) != ']')
				return -1;
			c->i++;
			if (peek(c) == '<') {	/* partial origin */
				while (c->i < c->len && c->p[c->i] != '>' && c->p[c->i] != '\n')
					c->i++;
				if (peek(c) != '>')
					return -1;
				c->i++;
			}
		}
		n = c->i - name;
		if (peek(c) != ' ')
			return -1;
		skip_sp(c);
		if (n == 3 && strncasecmp(c->p + name, "UID", 3) == 0) {
			if (read_number(c, &v) == -1 || v > ULONG_MAX)
				return -1;
			f->uid = (unsigned long)v;
		} else if (n == 11 && strncasecmp(c->p + name, "RFC822.SIZE", 11) == 0) {
			if (read_number(c, &v) == -1 || v > LLONG_MAX)
				return -1;
			f->size = (long long)v;
		} else if (n == 12 && strncasecmp(c->p + name, "INTERNALDATE", 12) == 0) {
			if (read_quoted(c, &d, &n) == -1)
				return -1;
			f->internal = parse_internaldate(d, n);
		} else if (n > 5 && strncasecmp(c->p + name, "BODY[", 5) == 0) {
			if (peek(c) == '{') {
				if (read_literal(c, &d, &n) == -1)
					return -1;
				f->header = d;
				f->header_len = n;
			} else if (peek(c) == '"') {
				if (read_quoted(c, &d, &n) == -1)
					return -1;
				f->header = d;
				f->header_len = n;
			} else if (skip_value(c, 0) == -1)
				return -1;	/* NIL */
		} else if (skip_value(c, 0) == -1)
			return -1;
	}
}

/*
 * The next line of the response: [*start, *end) without its line end.
 * When the line announces a literal ("{N}" at its end), the N bytes
 * after it are skipped whole, so the content of a header block is never
 * taken for a response line.  0 at the end of the response.
 */
static int
next_line(struct cur *c, size_t *start, size_t *end)
{
	const char *nl;
	size_t e, b;
	unsigned long long v = 0, mul = 1;

	if (at_end(c))
		return 0;
	*start = c->i;
	nl = memchr(c->p + c->i, '\n', c->len - c->i);
	*end = nl != NULL ? (size_t)(nl - c->p) : c->len;
	c->i = nl != NULL ? *end + 1 : c->len;
	e = *end;
	if (e > *start && c->p[e - 1] == '\r')
		e--;
	if (e > *start && c->p[e - 1] == '}') {
		b = e - 1;
		if (b > *start && c->p[b - 1] == '+')
			b--;
		while (b > *start && is_digit(c->p[b - 1]) && mul <= 1000000000000ULL) {
			v += mul * (unsigned)(c->p[b - 1] - '0');
			mul *= 10;
			b--;
		}
		if (b > *start && c->p[b - 1] == '{' && mul > 1)
			c->i = v > c->len - c->i ? c->len : c->i + (size_t)v;
	}
	if (*end > *start && c->p[*end - 1] == '\r')
		(*end)--;
	return 1;
}

/* Consume the line starting at start (and a literal it announced). */
static void
consume_line(struct cur *c, size_t start)
{
	size_t s, e;

	c->i = start;
	(void)next_line(c, &s, &e);
}

/* Move c to the next line that starts with "* "; *start is its start and
 * c is left there (the caller parses it). */
static int
next_untagged(struct cur *c, size_t *start)
{
	size_t s, e, save;

	for (;;) {
		save = c->i;
		if (!next_line(c, &s, &e))
			return 0;
		if (e - s >= 2 && c->p[s] == '*' && c->p[s + 1] == ' ') {
			*start = s;
			c->i = save;
			return 1;
		}
	}
}

int
mailmatch_parse_fetch(const char *resp, size_t len, mailmatch_fetch_fn fn, void *arg,
    char *err, size_t errlen)
{
	struct cur c = { resp, len, 0 };
	size_t start;
	int count = 0;

	while (next_untagged(&c, &start)) {
		struct mailmatch_fetched f;
		unsigned long long seq;

		c.i = start + 2;
		if (read_number(&c, &seq) == -1 || peek(&c) != ' ') {
			consume_line(&c, start);
			continue;
		}
		c.i++;
		if (c.len - c.i < 7 || strncasecmp(c.p + c.i, "FETCH (", 7) != 0) {
			consume_line(&c, start);
			continue;
		}
		c.i += 7;
		memset(&f, 0, sizeof(f));
		f.size = -1;
		if (parse_fetch_items(&c, &f) == -1) {
			snprintf(err, errlen, "malformed FETCH response for message %llu "
			    "(at byte %zu of %zu)", seq, c.i, len);
			return -1;
		}
		count++;
		if (fn != NULL && fn(&f, arg) != 0)
			break;
	}
	return count;
}

static int
cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

int
mailmatch_parse_search(const char *resp, size_t len, unsigned long **uids, size_t *n)
{
	struct cur c = { resp, len, 0 };
	unsigned long *v = NULL, *nv;
	size_t cap = 0, k = 0, start, out;

	*uids = NULL;
	*n = 0;
	while (next_untagged(&c, &start)) {
		c.i = start + 2;
		if (c.len - c.i < 6 || strncasecmp(c.p + c.i, "SEARCH", 6) != 0) {
			consume_line(&c, start);
			continue;
		}
		c.i += 6;
		for (;;) {
			unsigned long long u;

			skip_sp(&c);
			if (!is_digit(peek(&c)))
				break;
			if (read_number(&c, &u) == -1 || u == 0 || u > 0xffffffffULL)
				break;
			if (k == cap) {
				cap = cap ? cap * 2 : 256;
				if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
					free(v);
					return -1;
				}
				v = nv;
			}
			v[k++] = (unsigned long)u;
		}
		consume_line(&c, start);
	}
	if (k == 0) {
		free(v);
		return 0;
	}
	qsort(v, k, sizeof(*v), cmp_ulong);
	for (out = 1, start = 1; start < k; start++)
		if (v[start] != v[out - 1])
			v[out++] = v[start];
	*uids = v;
	*n = out;
	return 0;
}

/* The number after word in line[0..n), 0 if absent. */
static unsigned long
number_after(const char *line, size_t n, const char *word)
{
	size_t w = strlen(word);

	for (size_t i = 0; i + w < n; i++) {
		unsigned long long v = 0;
		size_t j;

		if (strncasecmp(line + i, word, w) != 0 || line[i + w] != ' ' ||
		    (i > 0 && line[i - 1] != ' ' && line[i - 1] != '(' && line[i - 1] != '['))
			continue;
		for (j = i + w + 1; j < n && is_digit(line[j]) && v <= 0xffffffffULL; j++)
			v = v * 10 + (unsigned)(line[j] - '0');
		if (j > i + w + 1 && v <= 0xffffffffULL)
			return (unsigned long)v;
	}
	return 0;
}

void
mailmatch_parse_status(const char *resp, size_t len, unsigned long *uidvalidity,
    unsigned long *uidnext)
{
	struct cur c = { resp, len, 0 };
	size_t start;

	*uidvalidity = *uidnext = 0;
	while (next_untagged(&c, &start)) {
		const char *nl = memchr(resp + start, '\n', len - start);
		size_t n = nl != NULL ? (size_t)(nl - (resp + start)) : len - start;
		unsigned long v;

		if ((v = number_after(resp + start, n, "UIDVALIDITY")) != 0)
			*uidvalidity = v;
		if ((v = number_after(resp + start, n, "UIDNEXT")) != 0)
			*uidnext = v;
		consume_line(&c, start);
	}
}

void
mailmatch_last_tagged(const char *resp, size_t len, char *out, size_t outlen)
{
	struct cur c = { resp, len, 0 };
	size_t s, e, sp, k;

	if (outlen == 0)
		return;
	out[0] = '\0';
	while (next_line(&c, &s, &e)) {
		/* a tag is a letter and digits ("A004"), then a space */
		if (e - s < 3 || !((resp[s] >= 'A' && resp[s] <= 'Z') ||
		    (resp[s] >= 'a' && resp[s] <= 'z')) || !is_digit(resp[s + 1]))
			continue;
		for (sp = s + 1; sp < e && is_digit(resp[sp]); sp++)
			;
		if (sp >= e || resp[sp] != ' ')
			continue;
		k = e - sp - 1 < outlen - 1 ? e - sp - 1 : outlen - 1;
		memcpy(out, resp + sp + 1, k);
		out[k] = '\0';
		for (size_t i = 0; i < k; i++)
			if ((unsigned char)out[i] < ' ' || out[i] == 0x7f)
				out[i] = ' ';
	}
}

char *
mailmatch_uid_set(const unsigned long *uids, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (b.len > 0)
			buf_putc(&b, ',');
		if (j > i)
			buf_printf(&b, "%lu:%lu", uids[i], uids[j]);
		else
			buf_printf(&b, "%lu", uids[i]);
		i = j + 1;
	}
	buf_add(&b, "", 0);
	return buf_steal(&b);
}

/*
 * Addresses.
 */

char *
mailmatch_addr_key(const char *s)
{
	const char *at, *plus;
	size_t n, local, i;
	char *k;

	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '<')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '>'))
		n--;
	if (n == 0 || n > 320)
		return NULL;
	at = NULL;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '<' || s[i] == '>' ||
		    s[i] == ',' || s[i] == '"')
			return NULL;
		if (s[i] == '@')
			at = s + i;
	}
	if (at == NULL || at == s || at == s + n - 1 || memchr(s, '@', (size_t)(at - s)) != NULL)
		return NULL;
	local = (size_t)(at - s);
	/* "+tag" is a subaddress; a local part that starts with '+' keeps it */
	plus = local > 1 ? memchr(s + 1, '+', local - 1) : NULL;
	if (plus != NULL)
		local = (size_t)(plus - s);
	if ((k = malloc(local + (size_t)(s + n - at) + 1)) == NULL)
		return NULL;
	for (i = 0; i < local; i++)
		k[i] = (char)lower((unsigned char)s[i]);
	for (const char *p = at; p < s + n; p++)
		k[i++] = (char)lower((unsigned char)*p);
	k[i] = '\0';
	return k;
}

const char *
mailmatch_domain(const char *key)
{
	const char *at = strrchr(key, '@');

	return at != NULL ? at + 1 : key;
}

/* Webmail domains: an address there says nothing about its company. */
static char *const freemail[] = {
	"gmail.com", "googlemail.com", "hotmail.com", "hotmail.es", "hotmail.fr",
	"outlook.com", "outlook.es", "live.com", "msn.com", "yahoo.com", "yahoo.es",
	"ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.com", "gmx.es",
	"gmx.de", "gmx.net", "web.de", "proton.me", "protonmail.com", "zoho.com",
	"mail.com", "yandex.com", "telefonica.net", "movistar.es", "orange.es",
	"terra.es", "libero.it", "laposte.net", "free.fr", "wanadoo.fr", "sapo.pt",
	NULL
};

int
mailmatch_is_freemail(const char *domain, char *const *extra)
{
	return mailmatch_in_list(domain, freemail) || mailmatch_in_list(domain, extra);
}

int
mailmatch_in_list(const char *domain, char *const *list)
{
	size_t dn = strlen(domain);

	for (; list != NULL && *list != NULL; list++) {
		const char *e = *list;
		size_t en;

		if (e[0] == '*' && e[1] == '.') {
			e += 2;
			en = strlen(e);
			if (dn > en && domain[dn - en - 1] == '.' &&
			    strcasecmp(domain + dn - en, e) == 0)
				return 1;
		}
		if (strcasecmp(domain, e) == 0)
			return 1;
	}
	return 0;
}

/*
 * Header block.
 */

static int
add_addr(struct mailmatch_msg *m, const char *addr, int field)
{
	struct mailmatch_addr *na;
	char *k;

	if ((k = mailmatch_addr_key(addr)) == NULL)
		return 0;	/* not an address we can compare: ignored */
	if (field == MM_FROM && m->from == NULL && (m->from = strdup(k)) == NULL) {
		free(k);
		return -1;
	}
	for (size_t i = 0; i < m->naddrs; i++)
		if (strcmp(m->addrs[i].key, k) == 0) {
			m->addrs[i].fields |= field;
			free(k);
			return 0;
		}
	if (m->naddrs >= MAX_ADDRS) {
		free(k);
		return 0;
	}
	if ((na = realloc(m->addrs, (m->naddrs + 1) * sizeof(*na))) == NULL) {
		free(k);
		return -1;
	}
	m->addrs = na;
	m->addrs[m->naddrs].key = k;
	m->addrs[m->naddrs].fields = field;
	m->naddrs++;
	return 0;
}

static int
add_list(struct mailmatch_msg *m, InternetAddressList *l, int field, int depth)
{
	int n;

	if (l == NULL || depth > 3)
		return 0;
	n = internet_address_list_length(l);
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);

		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			if (add_list(m, internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(a)), field, depth + 1) == -1)
				return -1;
		} else if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			if (add_addr(m, internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(a)), field) == -1)
				return -1;
		}
	}
	return 0;
}

/* s cleaned to one line of valid UTF-8 of at most max bytes. */
static char *
clean_text(const char *s, size_t max)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strlen((const char *)p), i = 0, k;
	int space = 0;

	while (i < n && b.len < max) {
		k = utf8_seq(p + i, n - i);
		if (k == 1 && (p[i] < 0x20 || p[i] == 0x7f || p[i] == ' ')) {
			space = b.len > 0;
			i++;
			continue;
		}
		if (space) {
			buf_putc(&b, ' ');
			space = 0;
		}
		if (k == 0) {
			if (b.len + 3 > max)
				break;
			buf_add(&b, "\xef\xbf\xbd", 3);
			i++;
		} else {
			if (b.len + k > max)
				break;
			buf_add(&b, p + i, k);
			i += k;
		}
	}
	buf_add(&b, "", 0);
	return buf_steal(&b);
}

static int
usable_msgid(const char *id)
{
	size_t n;

	if (id == NULL || (n = strlen(id)) == 0 || n > MAX_MSGID)
		return 0;
	for (; *id != '\0'; id++)
		if ((unsigned char)*id <= ' ' || (unsigned char)*id >= 0x7f || *id == '<' ||
		    *id == '>')
			return 0;
	return 1;
}

static int
add_refs(struct mailmatch_msg *m, const char *text)
{
	GMimeReferences *refs;
	char **nr;
	int n;

	if (text == NULL || (refs = g_mime_references_parse(parser_opts, text)) == NULL)
		return 0;
	n = g_mime_references_length(refs);
	for (int i = 0; i < n && m->nrefs < MAX_REFS; i++) {
		const char *id = g_mime_references_get_message_id(refs, i);
		int dup = 0;

		if (!usable_msgid(id))
			continue;
		for (size_t j = 0; j < m->nrefs; j++)
			dup |= strcmp(m->refs[j], id) == 0;
		if (dup)
			continue;
		if ((nr = realloc(m->refs, (m->nrefs + 1) * sizeof(*nr))) == NULL ||
		    (nr[m->nrefs] = strdup(id)) == NULL) {
			if (nr != NULL)
				m->refs = nr;
			g_mime_references_free(refs);
			return -1;
		}
		m->refs = nr;
		m->nrefs++;
	}
	g_mime_references_free(refs);
	return 0;
}

/* A header's value with surrounding blanks trimmed, in out. */
static int
header_is(GMimeObject *o, const char *name, const char *const *values)
{
	const char *v = g_mime_object_get_header(o, name);
	size_t n;

	if (v == NULL)
		return 0;
	while (*v == ' ' || *v == '\t')
		v++;
	n = strcspn(v, " \t\r\n;(");
	for (; *values != NULL; values++)
		if (strlen(*values) == n && strncasecmp(v, *values, n) == 0)
			return 1;
	return 0;
}

/* Subjects that out-of-office and other auto-replies use (case-folded). */
static const char *const auto_subjects[] = {
	"out of office", "automatic reply", "auto-reply", "autoreply", "auto reply",
	"respuesta automática", "fuera de la oficina", "ausencia de la oficina",
	"réponse automatique", "absence du bureau", "abwesenheitsnotiz",
	"automatische antwort", "risposta automatica", "fuori sede",
	"resposta automática", "ausente do escritório", "afwezigheidsbericht",
	NULL
};
static const char *const auto_prefixes[] = { "auto:", "autoreply:", "vacation:", NULL };

static const char *
auto_reason(GMimeObject *o, const char *subject)
{
	static const char *const precedence[] = { "bulk", "junk", "list", "auto_reply", NULL };
	static const char *const no[] = { "no", NULL };
	char *fold;
	const char *why = NULL;

	if (g_mime_object_get_header(o, "Auto-Submitted") != NULL &&
	    !header_is(o, "Auto-Submitted", no))
		return "Auto-Submitted";
	if (header_is(o, "Precedence", precedence))
		return "Precedence";
	if (g_mime_object_get_header(o, "X-Autoreply") != NULL ||
	    g_mime_object_get_header(o, "X-Autorespond") != NULL)
		return "X-Autoreply";
	if (g_mime_object_get_header(o, "List-Id") != NULL)
		return "List-Id";
	if (subject == NULL || *subject == '\0')
		return NULL;
	if ((fold = g_utf8_casefold(subject, -1)) == NULL)
		return NULL;
	for (const char *const *s = auto_subjects; why == NULL && *s != NULL; s++)
		if (strstr(fold, *s) != NULL)
			why = "out-of-office subject";
	for (const char *const *s = auto_prefixes; why == NULL && *s != NULL; s++)
		if (strncmp(fold, *s, strlen(*s)) == 0)
			why = "auto-reply subject";
	g_free(fold);
	return why;
}

/* FNV-1a over the parts that a BCC copy and a Sent copy share. */
static void
fnv(uint64_t *h, const char *s)
{
	if (s != NULL)
		*h = hash_fnv(*h, s, strlen(s));
	*h = hash_fnv_byte(*h, 0xff);	/* between the parts */
}

static int
synthetic_id(struct mailmatch_msg *m, GMimeObject *o)
{
	uint64_t h = HASH_FNV_SEED;
	char id[64];

	fnv(&h, g_mime_object_get_header(o, "Date"));
	fnv(&h, m->from);
	fnv(&h, m->subject);
	for (size_t i = 0; i < m->naddrs; i++)
		if (m->addrs[i].fields & (MM_TO | MM_CC))
			fnv(&h, m->addrs[i].key);
	snprintf(id, sizeof(id), "%016llx@synthetic.cartera.invalid", (unsigned long long)h);
	m->synthetic_id = 1;
	return (m->message_id = strdup(id)) != NULL ? 0 : -1;
}

int
mailmatch_parse_header(const char *hdr, size_t len, time_t internal, time_t now,
    struct mailmatch_msg *out, char *err, size_t errlen)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg = NULL;
	GMimeObject *o;
	GDateTime *dt;
	time_t limit;
	int rc = -1;

	mailmatch_init();
	memset(out, 0, sizeof(*out));
	if ((stream = g_mime_stream_mem_new_with_buffer(hdr != NULL ? hdr : "",
	    hdr != NULL ? len : 0)) == NULL)
		goto oom;
	parser = g_mime_parser_new_with_stream(stream);
	g_object_unref(stream);
	if (parser == NULL)
		goto oom;
	msg = g_mime_parser_construct_message(parser, parser_opts);
	g_object_unref(parser);
	if (msg == NULL) {
		/* Nothing GMime could read as a header: a message with no facts. */
		if ((out->subject = strdup("")) == NULL)
			goto oom;
		out->synthetic_id = 1;
		if ((out->message_id = strdup("empty@synthetic.cartera.invalid")) == NULL)
			goto oom;
		out->date = internal != 0 ? internal : now;
		return 0;
	}
	o = GMIME_OBJECT(msg);
	if (add_list(out, g_mime_message_get_from(msg), MM_FROM, 0) == -1 ||
	    add_list(out, g_mime_message_get_reply_to(msg), MM_REPLY_TO, 0) == -1 ||
	    add_list(out, g_mime_message_get_to(msg), MM_TO, 0) == -1 ||
	    add_list(out, g_mime_message_get_cc(msg), MM_CC, 0) == -1)
		goto oom;
	if ((out->subject = clean_text(g_mime_message_get_subject(msg),
	    MAILMATCH_SUBJECT_MAX)) == NULL)
		goto oom;
	if (usable_msgid(g_mime_message_get_message_id(msg))) {
		if ((out->message_id = strdup(g_mime_message_get_message_id(msg))) == NULL)
			goto oom;
	} else if (synthetic_id(out, o) == -1)
		goto oom;
	if (add_refs(out, g_mime_object_get_header(o, "In-Reply-To")) == -1 ||
	    add_refs(out, g_mime_object_get_header(o, "References")) == -1)
		goto oom;
	out->auto_reply = auto_reason(o, out->subject);

	limit = (internal > now ? internal : now) + CLOCK_DAY;
	out->date = internal != 0 ? internal : now;
	if ((dt = g_mime_message_get_date(msg)) != NULL) {
		gint64 t = g_date_time_to_unix(dt);

		if (t >= EPOCH_1990 && t <= (gint64)limit) {
			out->date = (time_t)t;
			out->date_from_header = 1;
		}
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	mailmatch_msg_clear(out);
out:
	if (msg != NULL)
		g_object_unref(msg);
	return rc;
}

void
mailmatch_msg_clear(struct mailmatch_msg *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->naddrs; i++)
		free(m->addrs[i].key);
	free(m->addrs);
	free(m->from);
	free(m->subject);
	free(m->message_id);
	for (size_t i = 0; i < m->nrefs; i++)
		free(m->refs[i]);
	free(m->refs);
	memset(m, 0, sizeof(*m));
}

/*
 * The decision.
 */

int
mailmatch_add_client(struct mailmatch_result *r, long long client)
{
	long long *n;

	for (size_t i = 0; i < r->nclients; i++)
		if (r->clients[i] == client)
			return 0;
	if ((n = realloc(r->clients, (r->nclients + 1) * sizeof(*n))) == NULL)
		return -1;
	r->clients = n;
	r->clients[r->nclients++] = client;
	return 0;
}

int
mailmatch_classify(const struct mailmatch_msg *msg, const struct mailmatch_rules *rules,
    struct mailmatch_result *out, char *err, size_t errlen)
{
	long long owner, *owners = NULL;
	size_t externals = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (msg->auto_reply != NULL) {
		out->what = MAILMATCH_AUTO;
		return 0;
	}
	if (msg->naddrs > 0 && (owners = calloc(msg->naddrs, sizeof(*owners))) == NULL)
		goto oom;
	for (size_t i = 0; i < msg->naddrs; i++) {
		if ((rc = rules->owner_of(rules->arg, msg->addrs[i].key, &owner)) == -1)
			goto fail;
		owners[i] = rc == 1 ? owner : 0;
		externals += rc != 1;
		if (rc == 1 && msg->from != NULL && strcmp(msg->addrs[i].key, msg->from) == 0) {
			out->outgoing = 1;
			out->by_owner = owner;
		}
	}
	if (!out->outgoing) {
		out->by_owner = rules->mailbox_owner;
		for (size_t i = 0; out->by_owner == 0 && i < msg->naddrs; i++)
			if (owners[i] != 0 && (msg->addrs[i].fields & (MM_TO | MM_CC)))
				out->by_owner = owners[i];
	}
	for (size_t i = 0; i < msg->naddrs; i++) {
		const struct mailmatch_addr *a = &msg->addrs[i];
		const char *dom;
		size_t before = out->nclients;
		int internal_domain = 0;

		if (owners[i] != 0)
			continue;
		/* What a salesperson sent: its recipients; what came in: everyone. */
		if (out->outgoing && !(a->fields & (MM_TO | MM_CC)))
			continue;
		if (rules->clients_of(rules->arg, a->key, 0, out) == -1)
			goto fail;
		if (out->nclients > before || !rules->match_domains)
			continue;
		dom = mailmatch_domain(a->key);
		if (mailmatch_is_freemail(dom, rules->freemail))
			continue;
		/* Never by a salesperson's own domain: that is a colleague. */
		for (size_t j = 0; j < msg->naddrs; j++)
			if (owners[j] != 0 && strcmp(mailmatch_domain(msg->addrs[j].key), dom) == 0)
				internal_domain = 1;
		if (!internal_domain && rules->clients_of(rules->arg, dom, 1, out) == -1)
			goto fail;
	}
	if (!out->outgoing && rules->followup_of != NULL) {
		for (size_t i = 0; i < msg->nrefs; i++) {
			long long ob, client;

			if ((rc = rules->followup_of(rules->arg, msg->refs[i], &ob, &client)) == -1)
				goto fail;
			if (rc == 1) {
				out->answers = ob;
				if (client != 0 && mailmatch_add_client(out, client) == -1)
					goto oom;
				break;
			}
		}
	}
	if (out->nclients > 0)
		out->what = MAILMATCH_LOG;
	else
		out->what = externals == 0 && msg->naddrs > 0 ? MAILMATCH_INTERNAL :
		    MAILMATCH_UNMATCHED;
	free(owners);
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	free(owners);
	mailmatch_result_clear(out);
	return -1;
}

void
mailmatch_result_clear(struct mailmatch_result *r)
{
	if (r == NULL)
		return;
	free(r->clients);
	memset(r, 0, sizeof(*r));
}

const char *
mailmatch_what_name(enum mailmatch_what w)
{
	switch (w) {
	case MAILMATCH_LOG:
		return "logged";
	case MAILMATCH_INTERNAL:
		return "internal";
	case MAILMATCH_UNMATCHED:
		return "unmatched";
	case MAILMATCH_AUTO:
		return "automatic";
	}
	return "?";
}
