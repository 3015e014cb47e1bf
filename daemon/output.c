/*
 * output.c - table, vertical, JSON and CSV renderings of store rows.
 * Pure formatting: never touches the store.  JSON is built with json-c,
 * never escaped by hand.
 */
#include "build.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "escape.h"
#include "i18n.h"
#include "jsonb.h"
#include "nls.h"
#include "output.h"
#include "tz.h"
#include "workers.h"

#define CELL_MAX	48	/* widest table cell before it is cut with "…" */

struct output {
	enum output_mode	 mode;
	FILE		*fp;
	size_t		 nrows;
	/* table: every cell kept until flush */
	int		 ncols;
	char		**names;
	char		**cells;	/* nrows * ncols */
	size_t		 cap;
	json_object	*array;
	int		 header_done;
	int		 failed;	/* an allocation failed: rows are missing */
	const char	*fallback;	/* zone of rows without one (borrowed) */
	const char	*force;		/* zone of every row, or NULL (borrowed) */
};

struct output *
output_new(enum output_mode mode, FILE *fp)
{
	struct output *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->mode = mode;
	o->fp = fp;
	if (mode == OUTPUT_JSON && (o->array = json_object_new_array()) == NULL) {
		free(o);
		return NULL;
	}
	return o;
}

size_t
output_width(const char *s)
{
	size_t w = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			w++;
	return w;
}

void
output_set_zone(struct output *o, const char *fallback, const char *force)
{
	o->fallback = fallback;
	o->force = force;
}

/* The zone row r's instants are shown in (see output.h). */
static const char *
row_zone(const struct output *o, const struct store_row *r)
{
	if (o != NULL && o->force != NULL)
		return o->force;
	for (int i = 0; i < r->ncols; i++)
		if (strcmp(r->names[i], "tz") == 0 && r->values[i] != NULL &&
		    tz_check(r->values[i]) == 0)
			return r->values[i];
	return o != NULL && o->fallback != NULL ? o->fallback : "UTC";
}

/* t as local time in zone: "YYYY-MM-DD HH:MM", or with iso
 * "YYYY-MM-DDTHH:MM:SS+HH:MM". */
static char *
format_local(time_t t, const char *zone, int iso, char *buf, size_t len)
{
	long off = 0, a;
	time_t local;
	struct tm tm;

	if (tz_offset(zone, t, &off) == -1)
		off = 0;
	local = t + (time_t)off;
	gmtime_r(&local, &tm);
	if (!iso) {
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
		return buf;
	}
	a = off < 0 ? -off : off;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	    a / 3600, a % 3600 / 60);
	return buf;
}

static int
is_instant(const struct store_row *r, int i)
{
	const char *n = r->names[i];
	size_t len = strlen(n);

	return r->types[i] == STORE_INT &&
	    (strcmp(n, "at") == 0 || (len > 3 && strcmp(n + len - 3, "_at") == 0));
}

/*
 * Words a table shows in the user's language (JSON and CSV keep the
 * codes): the columns holding them, and every code, for xgettext.
 */
static const char *const word_columns[] = {
	"kind", "status", "last_touch_kind", "last_outcome", "outcome", "direction",
	"next_contact_by", "followup_emails", NULL
};
static const char *const words[] __attribute__((unused)) = {
	NC_("value", "company"), NC_("value", "freelancer"), NC_("value", "individual"),
	NC_("value", "active"), NC_("value", "potential"), NC_("value", "inactive"),
	NC_("value", "lost"), NC_("value", "call"), NC_("value", "visit"),
	NC_("value", "email"), NC_("value", "meeting"), NC_("value", "note"),
	NC_("value", "sample"), NC_("value", "survey"), NC_("value", "task"),
	NC_("value", "done"), NC_("value", "waiting"), NC_("value", "no-answer"),
	NC_("value", "planned"), NC_("value", "cancelled"), NC_("value", "pending"),
	NC_("value", "sent"), NC_("value", "failed"), NC_("value", "in"),
	NC_("value", "out"), NC_("value", "yes"), NC_("value", "no"),
	NC_("value", "touch"), NC_("value", "snooze"), NC_("value", "digest"),
	NC_("value", "followup"), NC_("value", "monthly"), NC_("value", "marketing"),
	NC_("value", "sales"), NC_("value", "service"),
};

const char *
output_word(const char *v)
{
	char key[96];

	if (snprintf(key, sizeof(key), "value\004%s", v) >= (int)sizeof(key))
		return v;
	return nls_pgettext(key, v);
}

/* The text of cell i as shown in mode (instants in zone); buf holds
 * formatted values. */
static const char *
cell_text(const struct store_row *r, int i, enum output_mode mode, const char *zone,
    char *buf, size_t len)
{
	const char *v = r->values[i];
	int human = mode == OUTPUT_TABLE || mode == OUTPUT_VERTICAL;
	int es = human && strcmp(nls_lang(), "es") == 0;
	long day;

	if (strcmp(r->names[i], "tz") == 0)
		return zone;
	if (v == NULL)
		return "";
	if (is_instant(r, i)) {
		format_local((time_t)strtoll(v, NULL, 10), zone, mode == OUTPUT_JSON, buf, len);
		/* 31/12/2026 10:00 for a Spanish reader of a table. */
		if (es && strlen(buf) == 16) {
			char d[11], hm[6];
			memcpy(d, buf, 10);
			d[10] = '\0';
			memcpy(hm, buf + 11, 5);
			hm[5] = '\0';
			if (clock_date_parse(d, &day) == 0) {
				i18n_date("es", day, buf, len);
				snprintf(buf + strlen(buf), len - strlen(buf), " %s", hm);
			}
		}
		return buf;
	}
	if (human && r->types[i] == STORE_INT && strcmp(r->names[i], "amount_cents") == 0) {
		long long c = strtoll(v, NULL, 10);
		char whole[48];
		if (es) {
			/* 1.234,56 as Spanish writes money. */
			i18n_int("es", llabs(c) / 100, whole, sizeof(whole));
			snprintf(buf, len, "%s%s,%02lld", c < 0 ? "-" : "", whole, llabs(c) % 100);
		} else
			snprintf(buf, len, "%s%lld.%02lld", c < 0 ? "-" : "",
			    llabs(c) / 100, llabs(c) % 100);
		return buf;
	}
	/* Yes-or-no columns: "sí" and "no" for a Spanish reader. */
	if (es && r->types[i] == STORE_INT && (strcmp(v, "0") == 0 || strcmp(v, "1") == 0) &&
	    (strcmp(r->names[i], "do_not_email") == 0 || strcmp(r->names[i], "active") == 0 ||
	    strcmp(r->names[i], "primary") == 0 || strcmp(r->names[i], "all_owners") == 0))
		return output_word(v[0] == '1' ? "yes" : "no");
	if (human && r->types[i] == STORE_TEXT) {
		for (int k = 0; word_columns[k] != NULL; k++)
			if (strcmp(r->names[i], word_columns[k]) == 0)
				return output_word(v);
		/* A local day: 31/12/2026 in Spanish. */
		if (es && strlen(v) == 10 && v[4] == '-' && clock_date_parse(v, &day) == 0)
			return i18n_date("es", day, buf, len);
	}
	if (r->types[i] == STORE_REAL && human) {
		snprintf(buf, len, "%.1f", strtod(v, NULL));
		if (es)
			for (char *p = buf; *p != '\0'; p++)
				if (*p == '.')
					*p = ',';
		return buf;
	}
	return v;
}

json_object *
output_row_json(const struct output *o, const struct store_row *r)
{
	struct jsonb jb = JSONB_INIT;
	json_object *obj = jsonb_object(&jb);
	const char *zone = row_zone(o, r);
	char buf[64], key[128];

	for (int i = 0; obj != NULL && i < r->ncols; i++) {
		const char *v = r->values[i], *k = r->names[i];

		if (strcmp(k, "tz") == 0)
			jsonb_str_dup(&jb, obj, k, zone);
		else if (v == NULL)
			jsonb_put_dup(&jb, obj, k, NULL);
		else if (is_instant(r, i)) {
			/* Local with its offset, and UTC under NAME_utc. */
			time_t t = (time_t)strtoll(v, NULL, 10);

			jsonb_str_dup(&jb, obj, k, format_local(t, zone, 1, buf, sizeof(buf)));
			snprintf(key, sizeof(key), "%s_utc", k);
			jsonb_str_dup(&jb, obj, key, clock_format_utc(t, buf, sizeof(buf)));
		} else if (r->types[i] == STORE_INT)
			jsonb_int_dup(&jb, obj, k, strtoll(v, NULL, 10));
		else if (r->types[i] == STORE_REAL)
			jsonb_put_dup(&jb, obj, k, jsonb_new_double(&jb, strtod(v, NULL)));
		else
			jsonb_str_dup(&jb, obj, k, v);
	}
	if (jsonb_failed(&jb)) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

void
output_csv_field(FILE *fp, const char *s)
{
	output_csv_cell(fp, s, ',');
}

/* A plain number ("-12", "1234,56"): no spreadsheet reads it as a formula. */
static int
is_number(const char *s)
{
	int digits = 0, marks = 0;

	if (*s == '-' || *s == '+')
		s++;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if ((*s == '.' || *s == ',') && marks++ == 0)
			continue;
		else
			return 0;
	}
	return digits > 0;
}

int
output_csv_formula_like(const char *s)
{
	return *s != '\0' && strchr("=+-@\t\r", *s) != NULL && !is_number(s);
}

void
output_csv_cell(FILE *fp, const char *s, char delimiter)
{
	char special[] = { delimiter, '"', '\r', '\n', '\0' };
	int formula = output_csv_formula_like(s);

	if (strpbrk(s, special) == NULL && *s != ' ' && *s != '\0' && !formula) {
		fputs(s, fp);
		return;
	}
	if (*s == '\0')
		return;
	fputc('"', fp);
	/* A cell a spreadsheet would run as a formula (OWASP "CSV
	 * injection"): a leading ' makes it text; import takes it off. */
	if (formula)
		fputc('\'', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

/*
 * A value as a person reads it (tables and "name: value" lines): control
 * characters, bidirectional overrides and bad UTF-8 escaped (escape.c),
 * so that a name written behind the CLI's back can neither drive the
 * terminal nor break a row in two.  Caller frees; NULL when out of memory.
 */
static char *
shown(const char *s)
{
	struct buf b;

	buf_init(&b);
	if (escape_buf(&b, s, strlen(s), 0, 0) == -1 || buf_add(&b, "", 1) == -1) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* One line for a table cell: shown() and cut long. */
static char *
table_cell(const char *s)
{
	size_t n, w = 0, i;
	char *c = shown(s), *nc;

	if (c == NULL)
		return NULL;
	n = strlen(c);
	for (i = 0; i < n; i++)
		if (((unsigned char)c[i] & 0xC0) != 0x80 && ++w > CELL_MAX)
			break;
	if (i < n) {
		if ((nc = realloc(c, i + 4)) == NULL) {
			free(c);
			return NULL;
		}
		c = nc;
		memcpy(c + i, "\xe2\x80\xa6", 4);	/* … and the NUL */
	}
	return c;
}

size_t
output_width_n(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

/* The columns of the command's tables, for xgettext (see output_label). */
static const char *const columns[] __attribute__((unused)) = {
	NC_("column", "id"), NC_("column", "name"), NC_("column", "kind"),
	NC_("column", "status"), NC_("column", "segment"), NC_("column", "sector"),
	NC_("column", "city"), NC_("column", "owner"), NC_("column", "email"),
	NC_("column", "phone"), NC_("column", "contact"), NC_("column", "role"),
	NC_("column", "address"), NC_("column", "postal_code"), NC_("column", "country"),
	NC_("column", "tax_id"), NC_("column", "notes"), NC_("column", "cadence"),
	NC_("column", "next_contact"), NC_("column", "next_contact_by"),
	NC_("column", "do_not_email"), NC_("column", "followup_emails"),
	NC_("column", "last_touch_at"), NC_("column", "last_touch_kind"),
	NC_("column", "last_outcome"), NC_("column", "replied_at"),
	NC_("column", "purchases"), NC_("column", "first_purchase"),
	NC_("column", "last_purchase"), NC_("column", "median_interval"),
	NC_("column", "created_at"), NC_("column", "updated_at"), NC_("column", "timezone"),
	NC_("column", "digest_at"), NC_("column", "lang"), NC_("column", "team"),
	NC_("column", "active"), NC_("column", "clients"), NC_("column", "all_owners"),
	NC_("column", "feed_token"), NC_("column", "owners"), NC_("column", "cadence_days"),
	NC_("column", "primary"), NC_("column", "at"), NC_("column", "outcome"),
	NC_("column", "note"), NC_("column", "by_owner"), NC_("column", "direction"),
	NC_("column", "start_at"), NC_("column", "day"), NC_("column", "duration_min"),
	NC_("column", "client_id"), NC_("column", "client"), NC_("column", "location"),
	NC_("column", "sequence"), NC_("column", "uid"), NC_("column", "number"),
	NC_("column", "amount"), NC_("column", "currency"), NC_("column", "issued"),
	NC_("column", "due"), NC_("column", "paid_at"), NC_("column", "kind_of_message"),
	NC_("column", "to_addr"), NC_("column", "subject"), NC_("column", "attempts"),
	NC_("column", "created"), NC_("column", "next_attempt_at"), NC_("column", "sent_at"),
	NC_("column", "last_code"), NC_("column", "last_error"), NC_("column", "score"),
	NC_("column", "month"), NC_("column", "amount_cents"), NC_("column", "recipient"),
	NC_("column", "idem_key"), NC_("column", "contacts"), NC_("column", "interactions"),
	NC_("column", "invoices"), NC_("column", "activities"), NC_("column", "tz"),
};

const char *
output_label(const char *name)
{
	char key[96];

	/* Money, shown as money ("1.234,56"), not as the cents JSON keeps. */
	if (strcmp(name, "amount_cents") == 0)
		name = "amount";
	if (snprintf(key, sizeof(key), "column\004%s", name) >= (int)sizeof(key))
		return name;
	return nls_pgettext(key, name);
}

/* An allocation failed: stop the listing, and say so (output_failed). */
static int
nomem(struct output *o)
{
	o->failed = 1;
	return 1;
}

int
output_row(const struct store_row *r, void *arg)
{
	struct output *o = arg;
	const char *zone = row_zone(o, r);
	char buf[64];
	json_object *obj;

	switch (o->mode) {
	case OUTPUT_JSON:
		if ((obj = output_row_json(o, r)) == NULL)
			return nomem(o);
		if (json_object_array_add(o->array, obj) != 0) {
			json_object_put(obj);
			return nomem(o);
		}
		break;
	case OUTPUT_CSV:
		if (!o->header_done) {
			for (int i = 0; i < r->ncols; i++) {
				if (i) fputc(',', o->fp);
				output_csv_field(o->fp, r->names[i]);
			}
			fputs("\r\n", o->fp);
			o->header_done = 1;
		}
		for (int i = 0; i < r->ncols; i++) {
			if (i) fputc(',', o->fp);
			output_csv_field(o->fp, cell_text(r, i, OUTPUT_CSV, zone, buf, sizeof(buf)));
		}
		fputs("\r\n", o->fp);
		break;
	case OUTPUT_VERTICAL: {
		size_t w = 0;
		if (o->nrows > 0)
			fputc('\n', o->fp);
		for (int i = 0; i < r->ncols; i++)
			if (output_width(output_label(r->names[i])) > w)
				w = output_width(output_label(r->names[i]));
		for (int i = 0; i < r->ncols; i++) {
			const char *l = output_label(r->names[i]);
			if (r->values[i] == NULL && strcmp(r->names[i], "tz") != 0)
				continue;
			char *v = shown(cell_text(r, i, OUTPUT_VERTICAL, zone, buf,
			    sizeof(buf)));

			if (v == NULL)
				return nomem(o);
			fputs(l, o->fp);
			for (size_t k = output_width(l); k < w + 3; k++)
				fputc(' ', o->fp);
			fprintf(o->fp, "%s\n", v);
			free(v);
		}
		break;
	}
	case OUTPUT_TABLE:
		if (o->names == NULL) {
			o->ncols = r->ncols;
			if ((o->names = calloc((size_t)r->ncols, sizeof(char *))) == NULL)
				return nomem(o);
			for (int i = 0; i < r->ncols; i++)
				if ((o->names[i] = strdup(output_label(r->names[i]))) == NULL)
					return nomem(o);
		}
		if ((o->nrows + 1) * (size_t)o->ncols > o->cap) {
			size_t cap = o->cap ? o->cap * 2 : (size_t)o->ncols * 64;
			char **nc = reallocarray(o->cells, cap, sizeof(char *));
			if (nc == NULL)
				return nomem(o);
			o->cells = nc;
			o->cap = cap;
		}
		for (int i = 0; i < o->ncols; i++) {
			char *c = table_cell(cell_text(r, i, OUTPUT_TABLE, zone, buf, sizeof(buf)));
			if (c == NULL)
				return nomem(o);
			o->cells[o->nrows * (size_t)o->ncols + (size_t)i] = c;
		}
		break;
	}
	o->nrows++;
	return 0;
}

size_t
output_count(const struct output *o)
{
	return o->nrows;
}

int
output_print_json(FILE *fp, json_object *j)
{
	const char *s = json_object_to_json_string_ext(j,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (s == NULL)
		return -1;
	fputs(s, fp);
	fputc('\n', fp);
	return 0;
}

/* output_print_json_list's share of one thread: every step-th value
 * from first, printed and released. */
struct json_job {
	json_object	**v;
	char		**text;
	size_t		  n, first, step;
};

static void
json_job(void *arg, int here)
{
	struct json_job *j = arg;

	(void)here;
	for (size_t i = j->first; i < j->n; i += j->step) {
		json_object *one = json_object_new_array_ext(1);
		const char *s = NULL;
		size_t len = 0;

		/* Printed as the one member of an array, a value is indented
		 * as in the list: its text lies between "[\n  " and "\n]". */
		if (one != NULL && json_object_array_add(one, j->v[i]) == 0) {
			j->v[i] = NULL;		/* one's now */
			s = json_object_to_json_string_length(one,
			    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		}
		j->text[i] = s != NULL && len >= 6 && strncmp(s, "[\n  ", 4) == 0 &&
		    strcmp(s + len - 2, "\n]") == 0 ? strndup(s + 4, len - 6) : NULL;
		json_object_put(one);
		json_object_put(j->v[i]);
		j->v[i] = NULL;
	}
}

int
output_print_json_list(FILE *fp, json_object **v, size_t n)
{
	struct json_job jobs[WORKERS_MAX];
	size_t nj = workers_count(n / 4 + 1);
	char **text;
	int rc = 0;

	if (n == 0) {
		fputs("[\n]\n", fp);
		return 0;
	}
	if ((text = calloc(n, sizeof(*text))) == NULL)
		return -1;
	for (size_t k = 0; k < nj; k++)
		jobs[k] = (struct json_job){ v, text, n, k, nj };
	workers_run(jobs, nj, sizeof(*jobs), json_job);
	for (size_t i = 0; i < n; i++)
		if (text[i] == NULL)
			rc = -1;
	if (rc == 0) {
		fputs("[\n", fp);
		for (size_t i = 0; i < n; i++) {
			fputs("  ", fp);
			fputs(text[i], fp);
			fputs(i + 1 < n ? ",\n" : "\n]\n", fp);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(text[i]);
	free(text);
	return rc;
}

int
output_flush(struct output *o)
{
	size_t *w;

	if (o->failed) {
		errno = ENOMEM;
		return -1;
	}
	if (o->mode == OUTPUT_JSON) {
		if (o->array != NULL && output_print_json(o->fp, o->array) == -1)
			return -1;
		return 0;
	}
	if (o->mode != OUTPUT_TABLE || o->names == NULL)
		return 0;
	if ((w = calloc((size_t)o->ncols, sizeof(*w))) == NULL)
		return -1;
	for (int i = 0; i < o->ncols; i++) {
		w[i] = output_width(o->names[i]);
		for (size_t r = 0; r < o->nrows; r++) {
			size_t cw = output_width(o->cells[r * (size_t)o->ncols + (size_t)i]);
			if (cw > w[i])
				w[i] = cw;
		}
	}
	for (size_t r = 0; r <= o->nrows; r++) {
		for (int i = 0; i < o->ncols; i++) {
			const char *c = r == 0 ? o->names[i] :
			    o->cells[(r - 1) * (size_t)o->ncols + (size_t)i];
			fputs(c, o->fp);
			if (i + 1 < o->ncols)
				for (size_t k = output_width(c); k < w[i] + 2; k++)
					fputc(' ', o->fp);
		}
		fputc('\n', o->fp);
	}
	free(w);
	return 0;
}

json_object *
output_take_json(struct output *o)
{
	json_object *a = o->array;

	o->array = NULL;
	if (o->failed) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

int
output_failed(const struct output *o)
{
	return o->failed;
}

void
output_free(struct output *o)
{
	if (o == NULL)
		return;
	if (o->names != NULL)
		for (int i = 0; i < o->ncols; i++)
			free(o->names[i]);
	free(o->names);
	for (size_t i = 0; i < o->nrows * (size_t)o->ncols && o->cells != NULL; i++)
		free(o->cells[i]);
	free(o->cells);
	json_object_put(o->array);
	free(o);
}
