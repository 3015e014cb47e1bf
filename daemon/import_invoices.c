/*
 * import_invoices.c - invoices and their lines from CSV into the store in
 * one transaction, and back out.  Part of the import module (import.h):
 * one row per line; the rows of one invoice follow each other and share
 * its "invoice" cell (any text; without that column, its number).  Dates
 * and amounts are read as record.c reads them; clients are matched as the
 * client import matches them (tax id, else name).  Nothing is written
 * unless every row is good.
 */
#include "build.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "csvfile.h"
#include "file.h"
#include "import.h"
#include "nls.h"
#include "output.h"
#include "record.h"

enum col { C_INVOICE, C_NUMBER, C_CLIENT, C_TAX_ID, C_ISSUED, C_DUE, C_PAID, C_CURRENCY,
	C_PRODUCT, C_QUANTITY, C_AMOUNT, NCOLS };

static const struct {
	const char	*name;
	const char	*alias[7];	/* folded: lowercase letters and digits */
} cols[NCOLS] = {
	[C_INVOICE] = { "invoice", { "idfactura", "invoiceid", NULL } },
	[C_NUMBER] = { "number", { "numero", "numerofactura", "factura", "nfactura", NULL } },
	[C_CLIENT] = { "client", { "cliente", "nombre", "name", "razonsocial", NULL } },
	[C_TAX_ID] = { "tax_id", { "nif", "cif", "nifcif", "vat", "nie", NULL } },
	[C_ISSUED] = { "issued", { "fecha", "fechaemision", "emision", "fechafactura", "date",
	    NULL } },
	[C_DUE] = { "due", { "vencimiento", "fechavencimiento", NULL } },
	[C_PAID] = { "paid", { "pagada", "fechapago", "cobrada", "fechacobro", "pago", NULL } },
	[C_CURRENCY] = { "currency", { "moneda", "divisa", NULL } },
	[C_PRODUCT] = { "product", { "producto", "servicio", "concepto", "articulo", NULL } },
	[C_QUANTITY] = { "quantity", { "cantidad", "unidades", "qty", NULL } },
	[C_AMOUNT] = { "amount", { "importe", "total", "amountcents", NULL } },
};

/* One line read, with the cells of its invoice. */
struct iline {
	size_t		 line;
	char		*cell[NCOLS];	/* owned; NULL = empty */
	long long	 cents;
	double		 quantity;
};

struct inv_importer {
	struct store		*st;
	const struct import_opts *opts;
	struct import_result	*res;
	int			 header_done;
	int			*col;		/* column of each field, -1 = none */
	size_t			 ncols;
	int			 has[NCOLS];
	struct iline		*group;		/* the rows of the current invoice */
	size_t			 ngroup, capgroup;
	char			 fatal[512];
};

/* An error of the row at LINE: import_error() with this import's result. */
#define inv_error(im, line, col, ...) \
	import_error((im)->res, (im)->opts, (line), (col), __VA_ARGS__)

static void
fold_key(const char *s, char *out, size_t len)
{
	char tmp[256];
	size_t n = 0;

	record_fold(s, tmp, sizeof(tmp));
	for (char *p = tmp; *p != '\0' && n + 1 < len; p++)
		if (isalnum((unsigned char)*p))
			out[n++] = *p;
	out[n] = '\0';
}

static int
lookup_col(const char *h)
{
	char k[256], c[64];

	fold_key(h, k, sizeof(k));
	for (int i = 0; i < NCOLS; i++) {
		fold_key(cols[i].name, c, sizeof(c));
		if (strcmp(k, c) == 0)
			return i;
		for (int a = 0; a < 7 && cols[i].alias[a] != NULL; a++)
			if (strcmp(k, cols[i].alias[a]) == 0)
				return i;
	}
	return -1;
}

static int
inv_header(struct inv_importer *im, const struct csvfile_row *row)
{
	if ((im->col = calloc(row->nfields, sizeof(int))) == NULL) {
		snprintf(im->fatal, sizeof(im->fatal), _("out of memory"));
		return -1;
	}
	im->ncols = row->nfields;
	for (size_t i = 0; i < row->nfields; i++) {
		int k = lookup_col(row->fields[i]);

		im->col[i] = k;
		if (row->fields[i][0] == '\0')
			continue;
		if (k < 0) {
			inv_error(im, row->line, row->fields[i], _("unknown column (known: invoice, "
			    "number, client, tax_id, issued, due, paid, currency, product, "
			    "quantity, amount, or their Spanish names)"));
			continue;
		}
		if (im->has[k]++)
			inv_error(im, row->line, row->fields[i], _("column given twice (as \"%s\")"),
			    cols[k].name);
	}
	if (!im->has[C_CLIENT] && !im->has[C_TAX_ID])
		inv_error(im, row->line, NULL, _("no \"client\" or \"tax_id\" column"));
	if (!im->has[C_ISSUED])
		inv_error(im, row->line, NULL, _("no \"issued\" (or \"fecha\") column"));
	if (!im->has[C_AMOUNT])
		inv_error(im, row->line, NULL, _("no \"amount\" (or \"importe\") column"));
	return im->res->nerrors > 0 ? -1 : 0;
}

static void
line_clear(struct iline *l)
{
	for (int k = 0; k < NCOLS; k++)
		free(l->cell[k]);
	memset(l, 0, sizeof(*l));
}

/* Normalise a date cell in place (YYYY-MM-DD or D/M/YYYY); -1 if bad. */
static int
norm_date(struct inv_importer *im, struct iline *l, int k)
{
	char out[32], e[256];

	if (l->cell[k] == NULL)
		return 0;
	if (record_normalize(RF_NEXT_CONTACT, l->cell[k], out, sizeof(out), e, sizeof(e)) == -1) {
		inv_error(im, l->line, cols[k].name, "%s", e);
		return -1;
	}
	free(l->cell[k]);
	if ((l->cell[k] = strdup(out)) == NULL) {
		snprintf(im->fatal, sizeof(im->fatal), _("out of memory"));
		return -1;
	}
	return 0;
}

static int
same(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* Write the invoice made of the rows in im->group. */
static int
flush_group(struct inv_importer *im)
{
	struct iline *g = im->group;
	struct record r = { 0 };
	char e[512], tax[64], due[11];
	long long client, id, sum = 0;
	long terms, d;
	int rc, lines, write;

	if (im->ngroup == 0)
		return 0;
	for (size_t i = 1; i < im->ngroup; i++)
		for (int k = C_NUMBER; k <= C_CURRENCY; k++)
			if (!same(g[i].cell[k], g[0].cell[k])) {
				inv_error(im, g[i].line, cols[k].name, _("differs from the invoice's "
				    "first line (line %zu)"), g[0].line);
				goto done;
			}
	/* After an error nothing is written, but every group is still checked. */
	write = im->res->nerrors == 0;
	r.v[RF_NAME] = g[0].cell[C_CLIENT];
	if (g[0].cell[C_TAX_ID] != NULL) {
		if (record_normalize(RF_TAX_ID, g[0].cell[C_TAX_ID], tax, sizeof(tax), e,
		    sizeof(e)) == -1) {
			inv_error(im, g[0].line, "tax_id", "%s", e);
			goto done;
		}
		r.v[RF_TAX_ID] = tax;
	}
	if ((rc = store_client_match(im->st, &r, &client, e, sizeof(e))) != 0) {
		if (rc == 1 && r.v[RF_TAX_ID] != NULL)
			inv_error(im, g[0].line, "client", _("no client with tax id %s (import "
			    "the clients first)"), tax);
		else if (rc == 1)
			inv_error(im, g[0].line, "client", _("no client \"%s\" (import the "
			    "clients first)"), g[0].cell[C_CLIENT] ? g[0].cell[C_CLIENT] : "");
		else
			inv_error(im, g[0].line, "client", "%s", e);
		goto done;
	}
	if (g[0].cell[C_NUMBER] != NULL &&
	    (rc = store_invoice_find(im->st, client, g[0].cell[C_NUMBER], &id, e, sizeof(e))) != 1) {
		if (rc == 0)
			inv_error(im, g[0].line, "number", _("invoice %s of this client is already "
			    "there"), g[0].cell[C_NUMBER]);
		else
			inv_error(im, g[0].line, NULL, "%s", e);
		goto done;
	}
	/* Without a due date, the client's payment terms. */
	if (g[0].cell[C_DUE] != NULL)
		snprintf(due, sizeof(due), "%s", g[0].cell[C_DUE]);
	else {
		if (store_client_terms(im->st, client, &terms, e, sizeof(e)) == -1) {
			inv_error(im, g[0].line, NULL, "%s", e);
			goto done;
		}
		if (terms < 0) {
			inv_error(im, g[0].line, "due", _("is empty and the client has no payment "
			    "terms (payment_days)"));
			goto done;
		}
		clock_date_parse(g[0].cell[C_ISSUED], &d);
		clock_date_format(d + terms, due, sizeof(due));
	}
	if (strcmp(due, g[0].cell[C_ISSUED]) < 0) {
		inv_error(im, g[0].line, "due", _("%s is before the issue date %s"), due,
		    g[0].cell[C_ISSUED]);
		goto done;
	}
	if (!write || im->res->nerrors > 0)
		goto done;
	/* One row without a product is an invoice without lines. */
	lines = im->ngroup > 1 || g[0].cell[C_PRODUCT] != NULL;
	for (size_t i = 0; i < im->ngroup; i++)
		sum += g[i].cents;
	if (store_invoice_add(im->st, client, sum, g[0].cell[C_CURRENCY], g[0].cell[C_ISSUED],
	    due, g[0].cell[C_NUMBER], &id, e, sizeof(e)) == -1 ||
	    (g[0].cell[C_PAID] != NULL &&
	    store_invoice_paid(im->st, id, g[0].cell[C_PAID], e, sizeof(e)) == -1)) {
		inv_error(im, g[0].line, NULL, "%s", e);
		goto done;
	}
	for (size_t i = 0; lines && i < im->ngroup; i++) {
		long long pid = 0;
		if ((g[i].cell[C_PRODUCT] != NULL && store_product_get_or_add(im->st,
		    g[i].cell[C_PRODUCT], &pid, NULL, e, sizeof(e)) == -1) ||
		    store_invoice_line_add(im->st, id, pid, g[i].quantity, g[i].cents, e,
		    sizeof(e)) == -1) {
			inv_error(im, g[i].line, NULL, "%s", e);
			goto done;
		}
	}
	im->res->inserted++;
done:
	for (size_t i = 0; i < im->ngroup; i++)
		line_clear(&g[i]);
	im->ngroup = 0;
	return im->fatal[0] != '\0' ? -1 : 0;
}

static int
inv_row(struct inv_importer *im, const struct csvfile_row *row)
{
	struct iline l = { 0 };
	const char *key, *prev;
	int bad = 0;

	im->res->rows++;
	l.line = row->line;
	for (size_t i = 0; i < row->nfields; i++) {
		int k = i < im->ncols ? im->col[i] : -1;
		const char *v = row->fields[i];

		if (k < 0) {
			if (row->lens[i] > 0) {
				inv_error(im, row->line, NULL, _("field %zu has a value but its column "
				    "has no name"), i + 1);
				bad = 1;
			}
			continue;
		}
		if (strlen(v) != row->lens[i]) {
			inv_error(im, row->line, cols[k].name, _("contains a NUL byte"));
			bad = 1;
			continue;
		}
		while (*v == ' ')
			v++;
		if (*v == '\0')
			continue;
		for (const unsigned char *p = (const unsigned char *)v; *p; p++)
			if (*p < ' ') {
				inv_error(im, row->line, cols[k].name, _("contains a control character"));
				bad = 1;
				break;
			}
		if ((l.cell[k] = strdup(v)) == NULL) {
			snprintf(im->fatal, sizeof(im->fatal), _("out of memory"));
			line_clear(&l);
			return -1;
		}
	}
	if (l.cell[C_CLIENT] == NULL && l.cell[C_TAX_ID] == NULL) {
		inv_error(im, row->line, "client", _("is empty (give the client or its tax id)"));
		bad = 1;
	}
	if (l.cell[C_ISSUED] == NULL) {
		inv_error(im, row->line, "issued", _("is empty"));
		bad = 1;
	}
	bad |= norm_date(im, &l, C_ISSUED) == -1 || norm_date(im, &l, C_DUE) == -1 ||
	    norm_date(im, &l, C_PAID) == -1;
	if (l.cell[C_CURRENCY] != NULL && (strlen(l.cell[C_CURRENCY]) != 3 ||
	    !isupper((unsigned char)l.cell[C_CURRENCY][0]) ||
	    !isupper((unsigned char)l.cell[C_CURRENCY][1]) ||
	    !isupper((unsigned char)l.cell[C_CURRENCY][2]))) {
		inv_error(im, row->line, "currency", _("is not an ISO 4217 code such as EUR"));
		bad = 1;
	}
	if (l.cell[C_AMOUNT] == NULL) {
		inv_error(im, row->line, "amount", _("is empty"));
		bad = 1;
	} else if (record_parse_amount_in(l.cell[C_AMOUNT],
	    strcmp(nls_lang(), "es") == 0 ? ',' : '.', &l.cents) != 0) {
		inv_error(im, row->line, "amount", _("\"%s\" is not an amount (1234.56 or "
		    "1.234,56)"), l.cell[C_AMOUNT]);
		bad = 1;
	}
	l.quantity = 1;
	if (l.cell[C_QUANTITY] != NULL) {
		char q[64], *end;
		snprintf(q, sizeof(q), "%s", l.cell[C_QUANTITY]);
		for (char *p = q; *p; p++)
			if (*p == ',')
				*p = '.';
		l.quantity = strtod(q, &end);
		if (*end != '\0' || !(l.quantity > 0) || l.quantity >= 1e12 ||
		    !isdigit((unsigned char)q[0])) {
			inv_error(im, row->line, "quantity", _("\"%s\" is not a quantity above 0"),
			    l.cell[C_QUANTITY]);
			bad = 1;
		}
	}
	if (im->fatal[0] != '\0') {
		line_clear(&l);
		return -1;
	}
	/* A new invoice starts where the invoice cell (else the number, else
	 * every row) changes. */
	key = im->has[C_INVOICE] ? l.cell[C_INVOICE] : l.cell[C_NUMBER];
	prev = im->ngroup > 0 ? (im->has[C_INVOICE] ? im->group[0].cell[C_INVOICE] :
	    im->group[0].cell[C_NUMBER]) : NULL;
	if (im->ngroup > 0 && (key == NULL || prev == NULL || strcmp(key, prev) != 0 ||
	    !same(l.cell[C_CLIENT], im->group[0].cell[C_CLIENT])) && flush_group(im) == -1) {
		line_clear(&l);
		return -1;
	}
	if (bad) {
		line_clear(&l);
		return 0;
	}
	if (im->ngroup == im->capgroup) {
		size_t cap = im->capgroup ? im->capgroup * 2 : 8;
		struct iline *ng = reallocarray(im->group, cap, sizeof(*ng));
		if (ng == NULL) {
			snprintf(im->fatal, sizeof(im->fatal), _("out of memory"));
			line_clear(&l);
			return -1;
		}
		im->group = ng;
		im->capgroup = cap;
	}
	im->group[im->ngroup++] = l;
	return 0;
}

static int
inv_on_row(const struct csvfile_row *row, void *arg)
{
	struct inv_importer *im = arg;

	if (!im->header_done) {
		im->header_done = 1;
		return inv_header(im, row) == -1 ? 1 : 0;
	}
	return inv_row(im, row) == -1 ? 1 : 0;
}

int
import_invoices_csv(struct store *st, const struct import_opts *opts,
    struct import_result *res, char *err, size_t errlen)
{
	struct inv_importer im = { 0 };
	struct csvfile_opts co = { 0 };
	int ret = -1;

	memset(res, 0, sizeof(*res));
	im.st = st;
	im.opts = opts;
	im.res = res;
	import_csvfile_opts(opts, &co);
	if (store_begin(st, err, errlen) == -1)
		return -1;
	if (csvfile_read(opts->path, &co, inv_on_row, &im, NULL, NULL, err, errlen) == -1) {
		store_rollback(st);
		goto done;
	}
	if (im.fatal[0] == '\0')
		(void)flush_group(&im);		/* its failure is in im.fatal */
	ret = import_end(st, opts, res, im.header_done, im.fatal, err, errlen);
done:
	for (size_t i = 0; i < im.ngroup; i++)
		line_clear(&im.group[i]);
	free(im.group);
	free(im.col);
	return ret;
}

/* ---- export ----------------------------------------------------------- */

struct inv_export {
	FILE	*fp;
};

static int
export_row(const struct store_row *r, void *arg)
{
	struct inv_export *x = arg;
	const char *v;
	char buf[64];

	for (int k = 0; k < NCOLS; k++) {
		if (k > 0)
			fputc(',', x->fp);
		if (k == C_AMOUNT) {
			long long cents = strtoll(store_row_value(r, "amount_cents"), NULL, 10);
			unsigned long long a = (unsigned long long)(cents < 0 ? -cents : cents);
			snprintf(buf, sizeof(buf), "%s%llu.%02llu", cents < 0 ? "-" : "", a / 100,
			    a % 100);
			fputs(buf, x->fp);
		} else if (k == C_QUANTITY) {
			if ((v = store_row_value(r, "quantity")) != NULL) {
				snprintf(buf, sizeof(buf), "%.15g", strtod(v, NULL));
				fputs(buf, x->fp);
			}
		} else if ((v = store_row_value(r, cols[k].name)) != NULL)
			output_csv_field(x->fp, v);
	}
	fputs("\r\n", x->fp);
	return ferror(x->fp) ? 1 : 0;
}

int
import_export_invoices(struct store *st, const char *path, char *err, size_t errlen)
{
	struct file_replace f = { stdout, NULL, NULL };
	struct inv_export x;
	int rc;

	if (path != NULL && file_replace_open(&f, path, FILE_PRIVATE, err, errlen) == -1)
		return -1;
	x.fp = f.fp;
	for (int k = 0; k < NCOLS; k++) {
		if (k > 0)
			fputc(',', x.fp);
		fputs(cols[k].name, x.fp);
	}
	fputs("\r\n", x.fp);
	rc = store_invoice_export(st, export_row, &x, err, errlen);
	if (rc == 0 && ferror(x.fp)) {
		snprintf(err, errlen, "%s: %s", path != NULL ? path : "stdout", strerror(errno));
		rc = -1;
	}
	if (path != NULL)
		return file_replace_close(&f, rc == 0, err, errlen) == 0 && rc == 0 ? 0 : -1;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (rc == 0)
			snprintf(err, errlen, _("stdout: %s"), strerror(errno));
		rc = -1;
	}
	return rc;
}
