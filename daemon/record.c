/*
 * record.c - names, aliases and value rules of client record fields.
 *
 * Pure functions over strings: no store, no I/O.  Input is UTF-8 (the CSV
 * reader converts Windows-1252 before it gets here).
 */
#include "build.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "address.h"
#include "buf.h"
#include "clock.h"
#include "escape.h"
#include "nls.h"
#include "record.h"
#include "utf8.h"

enum value_rule {
	V_TEXT,		/* one line of text */
	V_MULTILINE,	/* text with line breaks allowed */
	V_KIND,
	V_STATUS,
	V_EMAIL,
	V_PHONE,
	V_POSTAL,
	V_COUNTRY,
	V_TAX_ID,
	V_DAYS,
	V_DATE,
	V_BOOL,
	V_PAYMENT,
	V_TERMS,
	V_ORDERS
};

struct field_def {
	const char	*name;
	const char	*flag;
	const char	*es;		/* the Spanish header (an alias folded) */
	enum value_rule	 rule;
	size_t		 max;
	/* Folded aliases (lowercase ASCII letters and digits only). */
	const char	*aliases[8];
};

static const struct field_def fields[RF_COUNT] = {
	[RF_NAME] = { "name", "--name", "Nombre", V_TEXT, RECORD_FIELD_MAX,
	    { "nombre", "razonsocial", "cliente", "client", "company", "nombrecliente" } },
	[RF_KIND] = { "kind", "--kind", "Tipo", V_KIND, 32, { "tipo", "type", "tipocliente" } },
	[RF_STATUS] = { "status", "--status", "Estado", V_STATUS, 32, { "estado", "situacion" } },
	[RF_SEGMENT] = { "segment", "--segment", "Segmento", V_TEXT, 200, { "segmento" } },
	[RF_SECTOR] = { "sector", "--sector", "Sector", V_TEXT, 200,
	    { "actividad", "industria", "industry" } },
	[RF_EMAIL] = { "email", "--email", "Correo", V_EMAIL, 254,
	    { "correo", "mail", "correoelectronico", "emailcontacto" } },
	[RF_PHONE] = { "phone", "--phone", "Teléfono", V_PHONE, 40,
	    { "telefono", "tel", "movil", "telephone", "mobile" } },
	[RF_CONTACT] = { "contact", "--contact", "Contacto", V_TEXT, 200,
	    { "contacto", "personadecontacto", "personacontacto", "contactname" } },
	[RF_ROLE] = { "role", "--role", "Cargo", V_TEXT, 200, { "cargo", "puesto" } },
	[RF_ADDRESS] = { "address", "--address", "Dirección", V_MULTILINE, RECORD_FIELD_MAX,
	    { "direccion", "domicilio", "calle" } },
	[RF_CITY] = { "city", "--city", "Localidad", V_TEXT, 200,
	    { "ciudad", "localidad", "poblacion", "municipio", "town" } },
	[RF_POSTAL_CODE] = { "postal_code", "--postal-code", "Código postal", V_POSTAL, 12,
	    { "codigopostal", "cp", "zip", "postcode", "zipcode" } },
	[RF_COUNTRY] = { "country", "--country", "País", V_COUNTRY, 64, { "pais" } },
	[RF_TAX_ID] = { "tax_id", "--tax-id", "NIF/CIF", V_TAX_ID, 32,
	    { "nif", "cif", "nifcif", "vat", "nie", "dni" } },
	[RF_OWNER] = { "owner", "--owner", "Comercial", V_EMAIL, 254,
	    { "comercial", "vendedor", "responsable", "salesperson" } },
	[RF_NOTES] = { "notes", "--notes", "Notas", V_MULTILINE, RECORD_NOTES_MAX,
	    { "notas", "observaciones", "comentarios", "note" } },
	[RF_CADENCE] = { "cadence", "--cadence", "Cadencia", V_DAYS, 16,
	    { "cadencia", "cadencedays", "frecuencia" } },
	[RF_NEXT_CONTACT] = { "next_contact", "--next-contact", "Próximo contacto", V_DATE, 16,
	    { "proximocontacto", "siguientecontacto" } },
	[RF_DO_NOT_EMAIL] = { "do_not_email", "--do-not-email", "No enviar correo", V_BOOL, 16,
	    { "noenviaremail", "noemail", "noenviarcorreo", "sincorreo" } },
	[RF_FOLLOWUP] = { "followup_emails", "--followup-emails", "Correos de seguimiento", V_BOOL, 16,
	    { "correosdeseguimiento", "seguimientoautomatico", "followup" } },
	[RF_PAYMENT_METHOD] = { "payment_method", "--payment-method", "Forma de pago", V_PAYMENT, 64,
	    { "formadepago", "mediodepago", "metododepago", "pago" } },
	[RF_PAYMENT_DAYS] = { "payment_days", "--payment-days", "Días de pago", V_TERMS, 16,
	    { "diasdepago", "plazodepago", "plazo", "vencimiento", "terms" } },
	[RF_ORDERS] = { "orders", "--orders", "Pedidos", V_ORDERS, 64,
	    { "pedidos", "comopide", "pide" } },
};

const char *
record_name(enum record_field f)
{
	return f < RF_COUNT ? fields[f].name : "?";
}

const char *
record_flag(enum record_field f)
{
	return f < RF_COUNT ? fields[f].flag : "?";
}

const char *
record_header_es(enum record_field f)
{
	return f < RF_COUNT ? fields[f].es : "?";
}

char *
record_known_headers(void)
{
	size_t len = 1;
	char *out;

	for (int f = 0; f < RF_COUNT; f++)
		len += strlen(fields[f].name) + strlen(fields[f].es) + 8;
	if ((out = malloc(len)) == NULL)
		return NULL;
	out[0] = '\0';
	for (int f = 0; f < RF_COUNT; f++)
		snprintf(out + strlen(out), len - strlen(out), "%s%s (%s)", f ? ", " : "",
		    fields[f].name, fields[f].es);
	return out;
}

/*
 * Case-folded (Unicode full case folding), compatibility-decomposed
 * (NFKD) and without combining marks, all through libunistring: "Núñez"
 * and "NUNEZ" fold alike, "ß" to "ss", "ﬁ" to "fi"; letters of other
 * scripts stay letters.  Text that is not valid UTF-8 folds as ASCII.
 */
static uint8_t *
fold_alloc(const char *s, size_t *outlen)
{
	const uint8_t *p = (const uint8_t *)s, *q, *r;
	size_t len = strlen(s), n = 0, cap = len + 1, flen;
	uint8_t *out, *f, *nout;
	ucs4_t uc;
	int k;

	if ((out = malloc(cap)) == NULL)
		return NULL;
	while (*p != '\0') {
		if (*p < 0x80) {
			out[n++] = (uint8_t)tolower(*p++);
			continue;
		}
		/*
		 * A run of non-ASCII characters through libunistring.  Full case
		 * folding maps each character on its own, and NFKD only
		 * decomposes and reorders marks, which are dropped: folding run
		 * by run gives what folding the whole string would.
		 */
		for (q = p; *q >= 0x80; q++)
			;
		f = u8_casefold(p, (size_t)(q - p), NULL, UNINORM_NFKD, NULL, &flen);
		if (f == NULL) {
			/* Not UTF-8: the bytes as they are. */
			flen = (size_t)(q - p);
			if ((f = malloc(flen)) == NULL)
				goto oom;
			memcpy(f, p, flen);
		}
		if (n + flen + (len - (size_t)(q - (const uint8_t *)s)) + 1 > cap) {
			cap = n + flen + len + 1;
			if ((nout = realloc(out, cap)) == NULL) {
				free(f);
				goto oom;
			}
			out = nout;
		}
		for (r = f; r < f + flen; r += k) {
			if ((k = u8_mbtouc(&uc, r, (size_t)(f + flen - r))) < 1)
				k = 1;
			if (uc_is_general_category(uc, UC_CATEGORY_M))
				continue;	/* the accents NFKD split off */
			memcpy(out + n, r, (size_t)k);
			n += (size_t)k;
		}
		free(f);
		p = q;
	}
	out[n] = '\0';
	*outlen = n;
	return out;
oom:
	free(out);
	return NULL;
}

void
record_fold(const char *s, char *out, size_t outlen)
{
	uint8_t *f;
	size_t n = 0;

	if (outlen == 0)
		return;
	if ((f = fold_alloc(s, &n)) == NULL) {
		out[0] = '\0';
		return;
	}
	if (n >= outlen) {
		/* Cut at a character boundary. */
		n = outlen - 1;
		while (n > 0 && (f[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, f, n);
	out[n] = '\0';
	free(f);
}

char *
record_search_key(const char *s)
{
	uint8_t *f;
	char *out;
	const uint8_t *p, *e;
	size_t n = 0, flen;
	ucs4_t uc;
	int k, space = 0;

	if ((f = fold_alloc(s, &flen)) == NULL)
		return NULL;
	if ((out = malloc(flen + 1)) == NULL) {
		free(f);
		return NULL;
	}
	for (p = f, e = f + flen; p < e; p += k) {
		k = u8_mbtouc(&uc, p, (size_t)(e - p));
		/* "S.L." is "sl", "O'Brien" is "obrien": marks inside a word go. */
		if (uc == '.' || uc == '\'' || uc == 0x2019 || uc == 0xB7)
			continue;
		if (!uc_is_alnum(uc)) {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = 0;
		memcpy(out + n, p, (size_t)k);
		n += (size_t)k;
	}
	out[n] = '\0';
	free(f);
	return out;
}

const char *const record_legal_forms[] = {
	"sl", "sa", "slu", "sau", "sll", "slne", "slp", "scoop", "scp", "sc", "cb",
	"sociedadlimitada", "sociedadanonima", "sociedadlimitadaunipersonal",
	"srl", "spa", "sas", "sarl", "lda", "gmbh", "ag", "bv", "nv", "ltd",
	"limited", "plc", "inc", "llc", "corp", NULL
};

char *
record_name_key(const char *name)
{
	char *k = record_search_key(name), *words[4] = { NULL };
	size_t n, nw = 0, j = 0;

	if (k == NULL)
		return NULL;
	/* The starts of the last (up to) four words. */
	for (char *p = k; *p != '\0'; p++)
		if (p == k || p[-1] == ' ') {
			memmove(words, words + (nw == 4), sizeof(words[0]) * (nw == 4 ? 3 : 0));
			words[nw == 4 ? 3 : nw] = p;
			if (nw < 4)
				nw++;
		}
	/* A legal form of up to three words at the end goes, if a word is left. */
	for (size_t m = nw - 1 < 3 ? nw - 1 : 3; nw > 0 && m >= 1; m--) {
		char joined[64];
		size_t len = 0;
		int form = 0;

		for (const char *p = words[nw - m]; *p != '\0' && len + 1 < sizeof(joined); p++)
			if (*p != ' ')
				joined[len++] = *p;
		joined[len] = '\0';
		for (int i = 0; record_legal_forms[i] != NULL && !form; i++)
			form = strcmp(joined, record_legal_forms[i]) == 0;
		if (form) {
			words[nw - m][words[nw - m] > k ? -1 : 0] = '\0';
			break;
		}
	}
	n = strlen(k);
	for (size_t i = 0; i < n; i++)
		if (k[i] != ' ')
			k[j++] = k[i];
	k[j] = '\0';
	return k;
}

/* Fold and keep only letters and digits: "Código Postal" -> "codigopostal". */
static void
fold_key(const char *s, char *out, size_t outlen)
{
	char tmp[256];
	size_t n = 0;

	record_fold(s, tmp, sizeof(tmp));
	for (char *p = tmp; *p != '\0' && n + 1 < outlen; p++)
		if (isalnum((unsigned char)*p))
			out[n++] = *p;
	out[n] = '\0';
}

int
record_lookup(const char *name)
{
	char key[256], canon[64];

	fold_key(name, key, sizeof(key));
	if (key[0] == '\0')
		return -1;
	for (int f = 0; f < RF_COUNT; f++) {
		fold_key(fields[f].name, canon, sizeof(canon));
		if (strcmp(key, canon) == 0)
			return f;
		for (int a = 0; a < 8 && fields[f].aliases[a] != NULL; a++)
			if (strcmp(key, fields[f].aliases[a]) == 0)
				return f;
	}
	return -1;
}

struct word {
	const char	*in;	/* folded key */
	const char	*out;
};

static const char *
lookup_word(const struct word *w, const char *value)
{
	char key[64];

	if (strlen(value) >= sizeof(key))
		return NULL;
	fold_key(value, key, sizeof(key));
	for (; w->in != NULL; w++)
		if (strcmp(key, w->in) == 0)
			return w->out;
	return NULL;
}

static const struct word kinds[] = {
	{ "company", "company" }, { "empresa", "company" }, { "sociedad", "company" },
	{ "compania", "company" }, { "freelancer", "freelancer" },
	{ "freelance", "freelancer" }, { "autonomo", "freelancer" },
	{ "autonoma", "freelancer" }, { "individual", "individual" },
	{ "particular", "individual" }, { "persona", "individual" },
	{ "personafisica", "individual" }, { NULL, NULL }
};

static const struct word statuses[] = {
	{ "active", "active" }, { "activo", "active" }, { "activa", "active" },
	{ "potential", "potential" }, { "potencial", "potential" },
	{ "prospect", "potential" }, { "prospecto", "potential" },
	{ "lead", "potential" }, { "inactive", "inactive" },
	{ "inactivo", "inactive" }, { "inactiva", "inactive" },
	{ "lost", "lost" }, { "perdido", "lost" }, { "perdida", "lost" },
	{ "baja", "lost" }, { NULL, NULL }
};

const char *const record_touch_kinds[RECORD_TOUCH_KINDS] = {
	"call", "visit", "email", "meeting", "note", "sample", "survey"
};

/* Every word of touches[] maps to one of record_touch_kinds[]. */
static const struct word touches[] = {
	{ "call", "call" }, { "llamada", "call" }, { "visit", "visit" },
	{ "visita", "visit" }, { "email", "email" }, { "correo", "email" },
	{ "mail", "email" }, { "meeting", "meeting" }, { "reunion", "meeting" },
	{ "note", "note" }, { "nota", "note" }, { "sample", "sample" },
	{ "muestra", "sample" }, { "survey", "survey" }, { "encuesta", "survey" },
	{ NULL, NULL }
};

static const struct word outcomes[] = {
	{ "done", "done" }, { "hecho", "done" }, { "realizado", "done" },
	{ "waiting", "waiting" }, { "esperando", "waiting" },
	{ "pendiente", "waiting" }, { "noanswer", "no-answer" },
	{ "sinrespuesta", "no-answer" }, { "nocontesta", "no-answer" },
	{ NULL, NULL }
};

static const struct word bools[] = {
	{ "1", "1" }, { "yes", "1" }, { "y", "1" }, { "si", "1" }, { "s", "1" },
	{ "true", "1" }, { "x", "1" }, { "0", "0" }, { "no", "0" }, { "n", "0" },
	{ "false", "0" }, { NULL, NULL }
};

static const struct word payments[] = {
	{ "transfer", "transfer" }, { "transferencia", "transfer" },
	{ "transferenciabancaria", "transfer" }, { "banktransfer", "transfer" },
	{ "directdebit", "direct_debit" }, { "domiciliacion", "direct_debit" },
	{ "domiciliacionbancaria", "direct_debit" }, { "recibo", "direct_debit" },
	{ "recibodomiciliado", "direct_debit" }, { "adeudo", "direct_debit" },
	{ "card", "card" }, { "tarjeta", "card" }, { "cash", "cash" },
	{ "efectivo", "cash" }, { "contado", "cash" }, { "metalico", "cash" },
	{ "promissorynote", "promissory_note" }, { "pagare", "promissory_note" },
	{ "cheque", "cheque" }, { "talon", "cheque" }, { "confirming", "confirming" },
	{ NULL, NULL }
};

static const struct word orders[] = {
	{ "self", "self" }, { "alone", "self" }, { "solo", "self" },
	{ "porsucuenta", "self" }, { "pidesolo", "self" }, { "online", "self" },
	{ "visit", "visit" }, { "visita", "visit" }, { "necesitavisita", "visit" },
	{ "convisita", "visit" }, { NULL, NULL }
};

static const struct word countries[] = {
	{ "espana", "ES" }, { "spain", "ES" }, { "portugal", "PT" },
	{ "francia", "FR" }, { "france", "FR" }, { "alemania", "DE" },
	{ "germany", "DE" }, { "italia", "IT" }, { "italy", "IT" },
	{ "andorra", "AD" }, { "mexico", "MX" }, { "argentina", "AR" },
	{ "reinounido", "GB" }, { "unitedkingdom", "GB" },
	{ "estadosunidos", "US" }, { "unitedstates", "US" }, { "usa", "US" },
	{ NULL, NULL }
};

const char *record_touch_kind(const char *s) { return lookup_word(touches, s); }

static const struct word activity_statuses[] = {
	{ "planned", "planned" }, { "planificada", "planned" }, { "planificado", "planned" },
	{ "prevista", "planned" }, { "done", "done" }, { "hecha", "done" },
	{ "hecho", "done" }, { "realizada", "done" }, { "cancelled", "cancelled" },
	{ "canceled", "cancelled" }, { "cancelada", "cancelled" }, { "anulada", "cancelled" },
	{ NULL, NULL }
};
static const struct word outbox_statuses[] = {
	{ "pending", "pending" }, { "pendiente", "pending" }, { "sent", "sent" },
	{ "enviado", "sent" }, { "enviada", "sent" }, { "failed", "failed" },
	{ "fallido", "failed" }, { "fallida", "failed" }, { NULL, NULL }
};
static const struct word cost_kinds[] = {
	{ "marketing", "marketing" }, { "sales", "sales" }, { "ventas", "sales" },
	{ "venta", "sales" }, { "service", "service" }, { "servicio", "service" },
	{ NULL, NULL }
};
static const struct word report_names[] = {
	{ "summary", "summary" }, { "resumen", "summary" }, { "pareto", "pareto" },
	{ "churn", "churn" }, { "abandono", "churn" }, { "bajas", "churn" },
	{ "clv", "clv" }, { "nps", "nps" }, { "receivables", "receivables" },
	{ "cobros", "receivables" }, { "activity", "activity" }, { "actividad", "activity" },
	{ NULL, NULL }
};

const char *
record_word(enum record_words set, const char *s)
{
	switch (set) {
	case RW_ACTIVITY_STATUS: return lookup_word(activity_statuses, s);
	case RW_OUTBOX_STATUS: return lookup_word(outbox_statuses, s);
	case RW_COST_KIND: return lookup_word(cost_kinds, s);
	case RW_REPORT: return lookup_word(report_names, s);
	}
	return NULL;
}
const char *record_outcome(const char *s) { return lookup_word(outcomes, s); }

static int
is_canonical(const struct word *w, const char *s)
{
	for (; w->in != NULL; w++)
		if (strcmp(w->out, s) == 0)
			return 1;
	return 0;
}

int record_is_kind(const char *s) { return is_canonical(kinds, s); }
int record_is_status(const char *s) { return is_canonical(statuses, s); }
int
record_is_touch(const char *s)
{
	for (size_t i = 0; i < RECORD_TOUCH_KINDS; i++)
		if (strcmp(record_touch_kinds[i], s) == 0)
			return 1;
	return 0;
}
int record_is_outcome(const char *s) { return is_canonical(outcomes, s); }

int
record_status_is_potential(const char *status)
{
	return status != NULL && strcmp(status, "potential") == 0;
}

/* Copy s without leading/trailing white space into out. */
static int
trim_copy(const char *s, char *out, size_t outlen)
{
	const char *e;
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	n = (size_t)(e - s);
	if (n >= outlen)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}


/* "MSG "VALUE"", the value escaped (escape.h) and cut at 40 bytes. */
static int
fail(char *err, size_t errlen, const char *msg, const char *value)
{
	struct buf q = BUF_INIT;

	escape_buf(&q, value, strlen(value), 40, ESCAPE_QUOTED);
	snprintf(err, errlen, "%s %s", msg, q.data != NULL ? q.data : "\"\"");
	buf_free(&q);
	return -1;
}

/*
 * The date format read besides ISO: day, month and year in this order
 * (0 day, 1 month, 2 year), and whether the year has two digits.  One
 * setting for the process (the --date-format option); DD/MM/YYYY, as
 * Spain and spreadsheets write dates, unless told otherwise.
 */
static struct {
	int	 order[3];
	int	 short_year;
	int	 iso_only;
	char	 shown[16];
} datefmt = { { 0, 1, 2 }, 0, 0, "DD/MM/YYYY" };

int
record_date_format(const char *fmt, char *err, size_t errlen)
{
	static const struct { const char *name; int order[3]; int short_year, iso; } known[] = {
		{ "DD/MM/YYYY", { 0, 1, 2 }, 0, 0 }, { "DD/MM/YY", { 0, 1, 2 }, 1, 0 },
		{ "MM/DD/YYYY", { 1, 0, 2 }, 0, 0 }, { "MM/DD/YY", { 1, 0, 2 }, 1, 0 },
		{ "YYYY-MM-DD", { 2, 1, 0 }, 0, 1 },
	};
	char key[16];
	size_t n = 0;

	/* "dd-mm-aaaa", "DD.MM.YY" and "DD/MM/YYYY" are the same format. */
	for (const char *p = fmt; *p != '\0' && n + 1 < sizeof(key); p++)
		key[n++] = *p == '-' || *p == '.' ? '/' : (char)toupper((unsigned char)*p) ==
		    'A' ? 'Y' : (char)toupper((unsigned char)*p);
	key[n] = '\0';
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		char k[16];
		size_t j;
		for (j = 0; known[i].name[j] != '\0'; j++)
			k[j] = known[i].name[j] == '-' ? '/' : known[i].name[j];
		k[j] = '\0';
		if (strcmp(k, key) != 0)
			continue;
		memcpy(datefmt.order, known[i].order, sizeof(datefmt.order));
		datefmt.short_year = known[i].short_year;
		datefmt.iso_only = known[i].iso;
		snprintf(datefmt.shown, sizeof(datefmt.shown), "%s", known[i].name);
		return 0;
	}
	snprintf(err, errlen, _("unknown date format \"%s\" (DD/MM/YYYY, DD/MM/YY, "
	    "MM/DD/YYYY, MM/DD/YY or YYYY-MM-DD)"), fmt);
	return -1;
}

/* "YYYY-MM-DD" in the user's language: "AAAA-MM-DD" in Spanish. */
static void
shown_format(const char *f, char *out, size_t outlen)
{
	/* TRANSLATORS: the letter a date format uses for the year
	 * ("YYYY-MM-DD"); Spanish writes AAAA-MM-DD. */
	const char *y = _("Y");
	size_t n = 0;

	for (; *f != '\0' && n + strlen(y) < outlen; f++) {
		if (*f == 'Y') {
			memcpy(out + n, y, strlen(y));
			n += strlen(y);
		} else
			out[n++] = *f;
	}
	out[n] = '\0';
}

const char *
record_date_formats(void)
{
	static char buf[96];
	char iso[24], other[24];

	shown_format("YYYY-MM-DD", iso, sizeof(iso));
	shown_format(datefmt.shown, other, sizeof(other));
	if (datefmt.iso_only)
		snprintf(buf, sizeof(buf), "%s", iso);
	else
		/* TRANSLATORS: the two date formats accepted, "YYYY-MM-DD or DD/MM/YYYY". */
		snprintf(buf, sizeof(buf), _("%s or %s"), iso, other);
	return buf;
}

int
record_parse_date(const char *s, long *days)
{
	int v[3], n = 0, digits[3];
	char sep = 0, iso[16];
	const char *p = s;

	if (clock_date_parse(s, days) == 0)
		return 0;
	if (datefmt.iso_only)
		return -1;
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (*p != '/' && *p != '-' && *p != '.')
				return -1;
			if (i == 1)
				sep = *p;
			else if (*p != sep)
				return -1;
			p++;
		}
		for (v[i] = 0, digits[i] = 0; *p >= '0' && *p <= '9' && digits[i] < 5; p++)
			v[i] = v[i] * 10 + (*p - '0'), digits[i]++;
		if (digits[i] == 0)
			return -1;
		n++;
	}
	if (*p != '\0' || n != 3)
		return -1;
	int d = v[datefmt.order[0] == 0 ? 0 : datefmt.order[1] == 0 ? 1 : 2];
	int m = v[datefmt.order[0] == 1 ? 0 : datefmt.order[1] == 1 ? 1 : 2];
	int yi = datefmt.order[0] == 2 ? 0 : datefmt.order[1] == 2 ? 1 : 2;
	int y = v[yi];
	if (digits[0] > 2 && yi != 0)
		return -1;
	/* A two-digit year only when the format says so (20YY). */
	if (digits[yi] == 2 && datefmt.short_year)
		y += 2000;
	else if (digits[yi] != 4)
		return digits[yi] <= 2 ? -2 : -1;
	snprintf(iso, sizeof(iso), "%04d-%02d-%02d", y, m, d);
	return clock_date_parse(iso, days);
}

int
record_normalize(enum record_field f, const char *value, char *out, size_t outlen,
    char *err, size_t errlen)
{
	const struct field_def *d;
	const char *w;
	size_t n;
	long days;

	if (f >= RF_COUNT)
		return fail(err, errlen, _("unknown field"), "");
	d = &fields[f];
	if (strlen(value) > d->max)
		return snprintf(err, errlen, _("too long (%zu bytes, at most %zu)"),
		    strlen(value), d->max), -1;
	if (trim_copy(value, out, outlen) == -1)
		return snprintf(err, errlen, _("too long")), -1;
	if (utf8_scan(out, strlen(out)) != strlen(out))
		return fail(err, errlen, _("is not valid UTF-8:"), out);
	for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
		if (*p == '\n' || *p == '\r') {
			if (d->rule != V_MULTILINE)
				return fail(err, errlen, _("contains a line break:"), out);
		} else if ((*p < ' ' && *p != '\t') || *p == 0x7f)
			return fail(err, errlen, _("contains a control character:"), out);
	}
	if (out[0] == '\0') {
		if (f == RF_NAME)
			return snprintf(err, errlen, _("must not be empty")), -1;
		return 0;
	}
	n = strlen(out);
	switch (d->rule) {
	case V_TEXT:
	case V_MULTILINE:
		break;
	case V_KIND:
		if ((w = lookup_word(kinds, out)) == NULL)
			return fail(err, errlen,
			    _("must be company, freelancer or individual, not"), out);
		snprintf(out, outlen, "%s", w);
		break;
	case V_STATUS:
		if ((w = lookup_word(statuses, out)) == NULL)
			return fail(err, errlen,
			    _("must be active, potential, inactive or lost, not"), out);
		snprintf(out, outlen, "%s", w);
		break;
	case V_EMAIL: {
		const char *why;
		int badc;

		if ((why = address_problem(out, &badc)) != NULL) {
			address_error(err, errlen, "is not a valid email address:", out, why,
			    badc);
			return -1;
		}
		break;
	}
	case V_PHONE:
		for (size_t i = 0; i < n; i++)
			if (!isdigit((unsigned char)out[i]) && strchr(" +-().,/", out[i]) == NULL)
				return fail(err, errlen, _("is not a phone number:"), out);
		break;
	case V_POSTAL:
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)out[i]) && out[i] != ' ' && out[i] != '-')
				return fail(err, errlen, _("is not a postal code:"), out);
		break;
	case V_COUNTRY:
		if (n == 2 && isalpha((unsigned char)out[0]) && isalpha((unsigned char)out[1])) {
			out[0] = (char)toupper((unsigned char)out[0]);
			out[1] = (char)toupper((unsigned char)out[1]);
		} else if ((w = lookup_word(countries, out)) != NULL)
			snprintf(out, outlen, "%s", w);
		else
			return fail(err, errlen,
			    _("must be a two-letter ISO 3166 country code, not"), out);
		break;
	case V_TAX_ID: {
		size_t j = 0;
		for (size_t i = 0; i < n; i++) {
			if (isalnum((unsigned char)out[i]))
				out[j++] = (char)toupper((unsigned char)out[i]);
			else if (strchr(" -./", out[i]) == NULL)
				return fail(err, errlen, _("is not a tax id:"), out);
		}
		out[j] = '\0';
		if (j == 0)
			return fail(err, errlen, _("is not a tax id:"), value);
		break;
	}
	case V_DAYS: {
		char *end;
		long v = strtol(out, &end, 10);
		if (*end != '\0' || v < 1 || v > 3650)
			return fail(err, errlen, _("must be a number of days from 1 to 3650, not"), out);
		snprintf(out, outlen, "%ld", v);
		break;
	}
	case V_DATE: {
		int r = record_parse_date(out, &days);
		char what[160];
		if (r == -2) {
			snprintf(what, sizeof(what), _("has a two-digit year; write the year "
			    "in full (%s) or give --date-format DD/MM/YY:"), record_date_formats());
			return fail(err, errlen, what, out);
		}
		if (r == -1) {
			snprintf(what, sizeof(what), _("is not a date (%s):"),
			    record_date_formats());
			return fail(err, errlen, what, out);
		}
	}
		clock_date_format(days, out, outlen);
		break;
	case V_BOOL:
		if ((w = lookup_word(bools, out)) == NULL)
			return fail(err, errlen, _("must be yes or no, not"), out);
		snprintf(out, outlen, "%s", w);
		break;
	case V_PAYMENT:
		if ((w = lookup_word(payments, out)) == NULL)
			return fail(err, errlen, _("must be transfer, direct_debit, card, cash, "
			    "promissory_note, cheque or confirming (or transferencia, "
			    "domiciliación, tarjeta, efectivo, pagaré, talón), not"), out);
		snprintf(out, outlen, "%s", w);
		break;
	case V_TERMS: {
		char *end;
		long v = strtol(out, &end, 10);
		if (*end != '\0' || v < 0 || v > 3650)
			return fail(err, errlen, _("must be a number of days from 0 to 3650, not"),
			    out);
		snprintf(out, outlen, "%ld", v);
		break;
	}
	case V_ORDERS:
		if ((w = lookup_word(orders, out)) == NULL)
			return fail(err, errlen, _("must be self (orders on its own) or visit "
			    "(needs a visit), not"), out);
		snprintf(out, outlen, "%s", w);
		break;
	}
	return 0;
}

int
record_parse_amount(const char *s, long long *cents)
{
	return record_parse_amount_in(s, 0, cents);
}

int
record_parse_amount_in(const char *s, char decimal, long long *cents)
{
	const char *dec = NULL, *p;
	long long whole = 0, frac = 0;
	int neg = 0, fd = 0, seps = 0;

	while (*s == ' ')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!isdigit((unsigned char)*s))
		return -1;
	/* The last '.' or ',' followed by one or two digits is the decimal mark. */
	for (p = s; *p; p++)
		if (*p == '.' || *p == ',')
			dec = p, seps++;
	if (dec != NULL) {
		size_t after = strlen(dec + 1);
		if (after == 3 && seps == 1) {
			/* "1.234": thousands or decimals?  Where the user's
			 * language says which mark is decimal, the other one
			 * groups thousands; elsewhere refuse to guess. */
			if (decimal == 0 || *dec == decimal)
				return -2;
			dec = NULL;
		}
		if (after > 2)
			dec = NULL;	/* only grouping marks */
	}
	for (p = s; *p && p != dec; p++) {
		if (isdigit((unsigned char)*p)) {
			if (whole > (LLONG_MAX / 100 - 9) / 10)
				return -1;
			whole = whole * 10 + (*p - '0');
		} else if (*p != '.' && *p != ',' && *p != ' ')
			return -1;
	}
	if (dec != NULL)
		for (p = dec + 1; *p; p++, fd++) {
			if (!isdigit((unsigned char)*p))
				return -1;
			frac = frac * 10 + (*p - '0');
		}
	if (fd == 1)
		frac *= 10;
	*cents = (whole * 100 + frac) * (neg ? -1 : 1);
	return 0;
}
