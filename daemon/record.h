/*
 * record.h - the fields of a client record, by name.
 *
 * One table says, for every field a user can give (command-line flag,
 * CSV column, JSON key): its canonical English name, its Spanish and other
 * aliases, and how a value is checked and normalised.  The CLI, the CSV
 * importer, the exporter and the store all use it, so a field is added in
 * one place.  Pure: no I/O.
 */
#ifndef CARTERA_RECORD_H
#define CARTERA_RECORD_H

#include <stddef.h>

enum record_field {
	RF_NAME,
	RF_KIND,
	RF_STATUS,
	RF_SEGMENT,
	RF_SECTOR,
	RF_EMAIL,
	RF_PHONE,
	RF_CONTACT,
	RF_ROLE,
	RF_ADDRESS,
	RF_CITY,
	RF_POSTAL_CODE,
	RF_COUNTRY,
	RF_TAX_ID,
	RF_OWNER,
	RF_NOTES,
	RF_CADENCE,
	RF_NEXT_CONTACT,
	RF_DO_NOT_EMAIL,
	RF_FOLLOWUP,		/* follow-up emails: yes, no, or "" = the segment rule */
	RF_PAYMENT_METHOD,	/* transfer, direct_debit, card, cash, ... */
	RF_PAYMENT_DAYS,	/* terms: days from issue to due date, 0-3650 */
	RF_ORDERS,		/* self: orders on its own; visit: needs a visit */
	RF_COUNT
};

/* A record: v[f] NULL = not given, "" = clear the field. Borrowed strings.
 * key[f]: the search key of v[f] (record_search_key), when the caller has
 * made it already (an import's reader thread); NULL: the store makes it. */
struct record {
	const char	*v[RF_COUNT];
	const char	*key[RF_COUNT];
};

/* Longest value accepted for notes, and for every other field. */
#define RECORD_NOTES_MAX	(1024 * 1024)
#define RECORD_FIELD_MAX	1000

/* Canonical name ("postal_code") of a field. */
const char *record_name(enum record_field);
/* The command-line flag ("--postal-code") of a field. */
const char *record_flag(enum record_field);
/* The Spanish header of a field ("Código postal"), for Excel exports. */
const char *record_header_es(enum record_field);
/* "name (Nombre), kind (Tipo), ...": every field in both languages, for
 * messages.  Malloc'd; NULL out of memory. */
char	*record_known_headers(void);
/* Field for a CSV header or flag name: canonical or alias, case- and
 * accent-insensitive, spaces/dashes/underscores alike.  -1 if unknown. */
int	 record_lookup(const char *name);
/*
 * Check value for field f and write its canonical form into out (outlen
 * bytes; values longer than outlen are an error).  Spanish enum words are
 * accepted ("empresa" -> "company", "sí" -> "1").  0 / -1 with a message
 * that names the problem but not the field (the caller adds where).
 */
int	 record_normalize(enum record_field f, const char *value, char *out,
	    size_t outlen, char *err, size_t errlen);

/* Enumerations shared with the store and the CLI. */
int	 record_is_kind(const char *);		/* company freelancer individual */
int	 record_is_status(const char *);	/* active potential inactive lost */
int	 record_is_touch(const char *);		/* call visit email meeting note sample survey */
int	 record_is_outcome(const char *);	/* done waiting no-answer */
/* Is a canonical status "potential" (a prospect: its own cadence rule).
 * NULL is not. */
int	 record_status_is_potential(const char *status);
/* Payment methods: transfer direct_debit card cash promissory_note cheque
 * confirming; orders: self visit. */
/* The canonical touch kinds, in the order reports list them. */
#define RECORD_TOUCH_KINDS	7
extern const char *const record_touch_kinds[RECORD_TOUCH_KINDS];
/* Spanish or English touch kind / outcome to canonical, NULL if unknown. */
const char *record_touch_kind(const char *);
/* Other words a user types, in English or Spanish, to their code
 * ("hecha" -> "done", "ventas" -> "sales", "resumen" -> "summary"). */
enum record_words { RW_ACTIVITY_STATUS, RW_OUTBOX_STATUS, RW_COST_KIND, RW_REPORT };
const char *record_word(enum record_words, const char *s);
const char *record_outcome(const char *);

/*
 * Dates as a user types them: ISO "YYYY-MM-DD" always, and the date
 * format of the process: "DD/MM/YYYY" (also with '-' or '.') unless
 * record_date_format() set "DD/MM/YY", "MM/DD/YYYY", "MM/DD/YY" or
 * "YYYY-MM-DD" (ISO only).  record_parse_date: 0 and *days, -1 not a
 * date, -2 a two-digit year the format does not allow.
 * record_date_formats: "YYYY-MM-DD or DD/MM/YYYY" in the user's language,
 * for messages (a static buffer).
 */
int	 record_date_format(const char *fmt, char *err, size_t errlen);
int	 record_parse_date(const char *s, long *days);
const char *record_date_formats(void);

/*
 * An amount of money as typed by a user into cents: "1234.56", "1234,56",
 * "1.234,56", "1,234.56", "-12".  The last '.' or ',' followed by one or
 * two digits is the decimal mark.  0, -1 not an amount, -2 ambiguous
 * ("1.234": thousands or decimals?).
 */
int	 record_parse_amount(const char *s, long long *cents);
/* The same where the user's decimal mark is known (',' in Spanish, '.' in
 * English): then "1.234" is 1234,00 in Spanish and "1,234" 1234.00 in
 * English; decimal 0 is record_parse_amount. */
int	 record_parse_amount_in(const char *s, char decimal, long long *cents);

/*
 * Fold s for comparisons (libunistring): Unicode case folding, NFKD, and
 * combining marks dropped, so "CLÍNICA" and "clinica" fold alike; other
 * characters are kept.  out has outlen bytes (cut at a character
 * boundary).  The one folding function: every case- and
 * accent-insensitive comparison goes through it.
 */
void	 record_fold(const char *s, char *out, size_t outlen);
/*
 * The search key of a name, city or sector: record_fold, then '.' and
 * apostrophes dropped and every other run of non-letters and non-digits
 * made one space, trimmed: "Clínica Dental, S.L." -> "clinica dental sl",
 * "A Coruña" -> "a coruna".  Malloc'd (caller frees); NULL out of memory.
 */
char	*record_search_key(const char *s);
/*
 * The key by which two client names are one company: the search key
 * without a legal form at its end and without spaces, so "Talleres Pérez,
 * S.L." and "talleres perez sl" both give "talleresperez" (a name that is
 * only a legal form keeps it).  Malloc'd; NULL out of memory.
 */
char	*record_name_key(const char *name);
/* The legal forms record_name_key drops, as they read in a search key
 * without spaces ("sl", "sa", "slu", "sociedadlimitada"...); NULL-ended. */
extern const char *const record_legal_forms[];

#endif
