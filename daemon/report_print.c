/*
 * report_print.c - a report's JSON as a table in the user's language,
 * as CSV, or as JSON (see report.h for the formats), and a client card.
 *
 * Labels and money formats live here; the numbers come from report.c and
 * its siblings and are never recomputed.  No store access.
 */
#include "build.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "i18n.h"
#include "lifecycle.h"
#include "output.h"
#include "record.h"
#include "report.h"

static const struct { const char *key, *es, *en; } labels[] = {
	{ "revenue", "Facturación", "Revenue" },
	{ "revenue_cents", "Facturación", "Revenue" },
	{ "invoices", "Facturas", "Invoices" },
	{ "average_order_cents", "Pedido medio", "Average order" },
	{ "previous_period_cents", "Periodo anterior", "Previous period" },
	{ "growth_vs_previous_pct", "Crecimiento vs periodo anterior", "Growth vs previous period" },
	{ "last_year_cents", "Mismo periodo del año pasado", "Same period last year" },
	{ "growth_vs_last_year_pct", "Crecimiento vs año pasado", "Growth vs last year" },
	{ "pareto", "Pareto 80/20", "Pareto 80/20" },
	{ "buying_clients", "Clientes con compras", "Buying clients" },
	{ "top_clients", "Clientes que hacen el 80 %", "Clients making 80 %" },
	{ "top_share_of_clients_pct", "Porcentaje de clientes", "Share of clients" },
	{ "top_share_of_revenue_pct", "Porcentaje de facturación", "Share of revenue" },
	{ "churn", "Clientes", "Clients" },
	{ "clients_at_start", "Clientes al inicio", "Clients at start" },
	{ "clients_at_end", "Clientes al final", "Clients at end" },
	{ "new_clients", "Clientes nuevos", "New clients" },
	{ "lost_clients", "Clientes perdidos", "Lost clients" },
	{ "churn_pct", "Tasa de abandono", "Churn rate" },
	{ "retention_pct", "Tasa de retención", "Retention rate" },
	{ "conversion", "Conversión", "Conversion" },
	{ "potential_clients", "Clientes potenciales", "Potential clients" },
	{ "converted", "Convertidos", "Converted" },
	{ "conversion_pct", "Tasa de conversión", "Conversion rate" },
	{ "clv", "Valor del cliente (CLV)", "Customer lifetime value (CLV)" },
	{ "expected_years", "Años de relación esperados", "Expected years" },
	{ "acquisition_cost_cents", "Coste de adquisición", "Acquisition cost" },
	{ "cac_cents", "CAC", "CAC" },
	{ "average_clv_cents", "CLV medio", "Average CLV" },
	{ "clients", "Clientes", "Clients" },
	{ "nps", "NPS", "NPS" },
	{ "responses", "Respuestas", "Responses" },
	{ "promoters", "Promotores", "Promoters" },
	{ "passives", "Pasivos", "Passives" },
	{ "detractors", "Detractores", "Detractors" },
	{ "receivables", "Cobros", "Receivables" },
	{ "owed_cents", "Pendiente de cobro", "Owed" },
	{ "overdue_cents", "Vencido", "Overdue" },
	{ "overdue_by_age_cents", "Vencido por antigüedad (días)", "Overdue by age (days)" },
	{ "dso_days", "Periodo medio de cobro (días)", "Days sales outstanding" },
	{ "activity", "Actividad", "Activity" },
	{ "touches", "Contactos", "Touches" },
	{ "due_not_contacted", "Pendientes sin contactar", "Due, not contacted" },
	{ "portfolio_clients", "Clientes en cartera", "Clients in portfolio" },
	{ "red_pct", "En rojo", "Red" },
	{ "yellow_pct", "En amarillo", "Yellow" },
	{ "green_pct", "En verde", "Green" },
	{ "revenue_per_client_cents", "Facturación por cliente", "Revenue per client" },
	{ "revenue_per_touch_cents", "Facturación por contacto", "Revenue per touch" },
	{ "name", "Cliente", "Client" },
	{ "rank", "#", "#" },
	{ "share_pct", "%", "%" },
	{ "cumulative_pct", "% acumulado", "Cumulative %" },
	{ "in_top", "80 %", "80 %" },
	{ "purchases", "Compras", "Purchases" },
	{ "average_purchase_cents", "Compra media", "Average purchase" },
	{ "purchases_per_year", "Compras/año", "Purchases/year" },
	{ "clv_cents", "CLV", "CLV" },
	{ "oldest_overdue_days", "Días (más antigua)", "Oldest (days)" },
	{ "owner", "Comercial", "Salesperson" },
	{ "cost_cents", "Costes", "Costs" },
	{ "profit_cents", "Beneficio", "Profit" },
	{ "margin_pct", "Margen", "Margin" },
	{ "total", "Total", "Total" },
	{ "clients_by_clv", "Clientes por CLV", "Clients by CLV" },
	{ "top_debtors", "Mayores deudores", "Top debtors" },
	{ "touches_by_owner", "Contactos por comercial", "Touches by salesperson" },
	{ "profitability", "Rentabilidad por cliente", "Profitability per client" },
	{ "lost", "Perdidos", "Lost" },
	{ "new", "Nuevos", "New" },
	{ "id", "Id", "Id" },
	{ "call", "Llamadas", "Calls" },
	{ "visit", "Visitas", "Visits" },
	{ "email", "Correos", "Emails" },
	{ "meeting", "Reuniones", "Meetings" },
	{ "note", "Notas", "Notes" },
	{ "sample", "Muestras", "Samples" },
	{ "survey", "Encuestas", "Surveys" },
	{ "task", "Tareas", "Tasks" },
	{ "period", "Periodo", "Period" },
	{ "from", "Desde", "From" },
	{ "to", "Hasta", "To" },
	{ "currency", "Moneda", "Currency" },
	{ "filters", "Filtros", "Filters" },
	{ "segment", "Segmento", "Segment" },
	{ "sector", "Sector", "Sector" },
	{ "city", "Localidad", "City" },
	{ "lifecycle", "Ciclo de vida", "Lifecycle" },
	{ "lead", "Leads", "Leads" },
	{ "prospect", "Prospectos", "Prospects" },
	{ "recurring", "Recurrentes", "Recurring" },
	{ "at_risk", "En riesgo", "At risk" },
	{ "dormant", "Dormidos", "Dormant" },
	{ "recovered", "Recuperados", "Recovered" },
	{ "stages", "Etapas del ciclo de vida", "Lifecycle stages" },
	{ "stage", "Etapa", "Stage" },
	{ "at_start", "Al inicio", "At start" },
	{ "at_end", "Al final", "At end" },
	{ "flows", "Paso de una etapa a otra", "From one stage to another" },
	{ "from_stage", "De", "From" },
	{ "to_stage", "A", "To" },
	{ "as_of", "A fecha de", "As of" },
	{ "active_clients", "Clientes activos", "Active clients" },
	{ "typical_gap_days", "Días típicos entre compras", "Typical days between purchases" },
	{ "score", "Riesgo", "Risk" },
	{ "reasons", "Motivos", "Reasons" },
	{ "month", "Mes", "Month" },
	{ "working_days", "Días laborables", "Working days" },
	{ "elapsed_working_days", "Días laborables pasados", "Working days gone" },
	{ "remaining_working_days", "Días laborables que quedan", "Working days left" },
	{ "goals", "Objetivos", "Goals" },
	{ "target_cents", "Objetivo", "Target" },
	{ "target", "Objetivo", "Target" },
	{ "actual_cents", "Conseguido", "Done" },
	{ "actual", "Conseguido", "Done" },
	{ "progress_pct", "Avance", "Progress" },
	{ "projected_cents", "Previsión al ritmo actual", "Projected at this pace" },
	{ "projected", "Previsión al ritmo actual", "Projected at this pace" },
	{ "pace_pct", "Avance al ritmo actual", "Progress at this pace" },
	{ "visits", "Visitas", "Visits" },
	{ "calls", "Llamadas", "Calls" },
	{ "sold_products", "Productos vendidos", "Products sold" },
	{ "top_products", "Productos que hacen el 80 %", "Products making 80 %" },
	{ "top_share_of_products_pct", "Porcentaje de productos", "Share of products" },
	{ "products", "Ventas por producto", "Sales by product" },
	{ "product", "Producto", "Product" },
	{ "kind", "Tipo", "Kind" },
	{ "quantity", "Cantidad", "Quantity" },
	{ "money", "Dinero", "Money" },
	{ "revenue_this_year_cents", "Facturación este año", "Revenue this year" },
	{ "revenue_last_year_cents", "Facturación el año pasado", "Revenue last year" },
	{ "revenue_ever_cents", "Facturación total", "Revenue ever" },
	{ "average_ticket_cents", "Ticket medio", "Average ticket" },
	{ "overdue_invoices", "Facturas vencidas", "Overdue invoices" },
	{ "last_purchase", "Última compra", "Last purchase" },
	{ "last_purchase_cents", "Importe de la última compra", "Last purchase amount" },
	{ "churn_risk", "Riesgo de abandono", "Churn risk" },
};

/* The name of a report in a heading. */
static const struct { const char *key, *es, *en; } report_names[] = {
	{ "summary", "resumen", "summary" }, { "pareto", "Pareto", "Pareto" },
	{ "churn", "abandono", "churn" }, { "clv", "valor del cliente (CLV)", "CLV" },
	{ "nps", "NPS", "NPS" }, { "receivables", "cobros", "receivables" },
	{ "activity", "actividad", "activity" },
	{ "lifecycle", "ciclo de vida", "lifecycle" }, { "risk", "riesgo de abandono", "churn risk" },
	{ "goals", "objetivos", "goals" }, { "products", "ventas por producto", "sales by product" },
};

static const char *
label(const char *key, const char *lang)
{
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].key, key) == 0)
			return i18n_is_en(lang) ? labels[i].en : labels[i].es;
	return key;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* A value as a person reads it: money, percentages, "n/a". */
void
report_human(const char *key, json_object *v, const char *lang, const char *cur, char *out,
    size_t len)
{
	int en = i18n_is_en(lang);

	if (v == NULL) {
		/* Not defined (a division by zero): "no disponible" in Spanish. */
		snprintf(out, len, "%s", en ? "n/a" : "n/d");
		return;
	}
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		snprintf(out, len, "%s", json_object_get_boolean(v) ? "*" : "");
		return;
	case json_type_string:
		/* Codes a person reads in words: stages, product kinds. */
		if (strcmp(key, "stage") == 0 || strcmp(key, "from_stage") == 0 ||
		    strcmp(key, "to_stage") == 0) {
			int st = lifecycle_parse(json_object_get_string(v));
			snprintf(out, len, "%s", lifecycle_label(st < 0 ? LC_NONE :
			    (enum lifecycle_stage)st, lang));
		} else if (strcmp(key, "last_purchase") == 0 || strcmp(key, "as_of") == 0) {
			long d;
			if (clock_date_parse(json_object_get_string(v), &d) == 0)
				i18n_date(lang, d, out, len);
			else
				snprintf(out, len, "%s", json_object_get_string(v));
		} else if (strcmp(key, "kind") == 0 &&
		    strcmp(json_object_get_string(v), "service") == 0)
			snprintf(out, len, "%s", en ? "service" : "servicio");
		else if (strcmp(key, "kind") == 0 &&
		    strcmp(json_object_get_string(v), "product") == 0)
			snprintf(out, len, "%s", en ? "product" : "producto");
		else
			snprintf(out, len, "%s", json_object_get_string(v));
		return;
	case json_type_int:
	case json_type_double:
		break;
	default:
		out[0] = '\0';
		return;
	}
	if (ends_with(key, "_cents") || strcmp(key, "0-30") == 0 || strcmp(key, "31-60") == 0 ||
	    strcmp(key, "61-90") == 0 || strcmp(key, "90+") == 0) {
		i18n_money(lang, (long long)report_round(json_object_get_double(v), 0), cur,
		    out, len);
		return;
	}
	/* NPS is a score from -100 to +100, signed like growth. */
	if (strcmp(key, "nps") == 0) {
		long long score = (long long)report_round(json_object_get_double(v), 0);
		snprintf(out, len, score > 0 ? "+%lld" : "%lld", score);
		return;
	}
	if (json_object_get_type(v) == json_type_int) {
		i18n_int(lang, json_object_get_int64(v), out, len);
		return;
	}
	/* Rounded once, from the exact value (jnum keeps it). */
	{
		double r = report_round(json_object_get_double(v), 1);
		snprintf(out, len, strncmp(key, "growth_", 7) == 0 && r > 0 ? "+%.1f" : "%.1f", r);
	}
	if (!en)
		for (char *p = out; *p; p++)
			if (*p == '.')
				*p = ',';
	if (ends_with(key, "_pct"))
		strncat(out, en ? "%" : " %", len - strlen(out) - 1);
}

static void
print_table(FILE *fp, json_object *arr, const char *lang, const char *cur)
{
	size_t n = json_object_array_length(arr), ncol = 0, *w;
	const char *cols[32];
	char buf[128];

	if (n == 0)
		return;
	json_object_object_foreach(json_object_array_get_idx(arr, 0), k, v0) {
		(void)v0;
		if (ncol < 32)
			cols[ncol++] = k;
	}
	if ((w = calloc(ncol, sizeof(*w))) == NULL)
		return;
	for (size_t c = 0; c < ncol; c++)
		w[c] = output_width(label(cols[c], lang));
	for (size_t r = 0; r < n; r++)
		for (size_t c = 0; c < ncol; c++) {
			json_object *v = NULL;
			json_object_object_get_ex(json_object_array_get_idx(arr, r), cols[c], &v);
			report_human(cols[c], v, lang, cur, buf, sizeof(buf));
			if (output_width(buf) > w[c])
				w[c] = output_width(buf);
		}
	for (size_t r = 0; r <= n; r++) {
		for (size_t c = 0; c < ncol; c++) {
			json_object *v = NULL;
			const char *t;
			size_t tw;
			int right;

			if (r == 0)
				t = label(cols[c], lang);
			else {
				json_object_object_get_ex(json_object_array_get_idx(arr, r - 1),
				    cols[c], &v);
				report_human(cols[c], v, lang, cur, buf, sizeof(buf));
				t = buf;
			}
			tw = output_width(t);
			/* Numbers, and n/a among them, to the right. */
			right = r > 0 && (v == NULL || json_object_get_type(v) != json_type_string);
			if (right)
				for (size_t pad = tw; pad < w[c]; pad++)
					fputc(' ', fp);
			fputs(t, fp);
			if (!right && c + 1 < ncol)
				for (size_t pad = tw; pad < w[c]; pad++)
					fputc(' ', fp);
			if (c + 1 < ncol)
				fputs("  ", fp);
		}
		fputc('\n', fp);
	}
	free(w);
}

static void
print_object(FILE *fp, json_object *o, const char *lang, const char *cur, int indent)
{
	char buf[128];

	json_object_object_foreach(o, k, v) {
		if (strcmp(k, "report") == 0 || strcmp(k, "period") == 0 ||
		    strcmp(k, "filters") == 0 || strcmp(k, "currency") == 0)
			continue;
		if (v != NULL && json_object_get_type(v) == json_type_object) {
			fprintf(fp, "%s%*s%s\n", indent ? "" : "\n", indent, "", label(k, lang));
			print_object(fp, v, lang, cur, indent + 2);
		} else if (v != NULL && json_object_get_type(v) == json_type_array) {
			fprintf(fp, "\n%*s%s\n", indent, "", label(k, lang));
			print_table(fp, v, lang, cur);
		} else {
			const char *l = label(k, lang);
			report_human(k, v, lang, cur, buf, sizeof(buf));
			fprintf(fp, "%*s%s", indent, "", l);
			/* Pad by what shows, not by bytes: labels have accents. */
			for (size_t w = output_width(l) + (size_t)indent; w < 40; w++)
				fputc(' ', fp);
			fprintf(fp, " %s\n", buf);
		}
	}
}

void
report_print_card(FILE *fp, json_object *card, const char *lang, const char *currency)
{
	print_object(fp, card, lang, currency, 0);
}

static void
csv_value(FILE *fp, json_object *v)
{
	if (v == NULL)
		return;		/* empty cell: n/a */
	/* Numbers as the JSON has them (two decimals, rounded once). */
	if (json_object_get_type(v) == json_type_double) {
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), fp);
		return;
	}
	output_csv_field(fp, json_object_get_string(v));
}

/* Scalars flattened as metric,value (path with dots). */
static void
csv_flat(FILE *fp, json_object *o, const char *prefix)
{
	json_object_object_foreach(o, k, v) {
		char path[256];

		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", k);
		if (v != NULL && json_object_get_type(v) == json_type_object)
			csv_flat(fp, v, path);
		else if (v == NULL || json_object_get_type(v) != json_type_array) {
			output_csv_field(fp, path);
			fputc(',', fp);
			csv_value(fp, v);
			fputs("\r\n", fp);
		}
	}
}

/*
 * The list a report's CSV holds, with its columns (so that an empty list
 * still has its header); "*" stands for the touch kinds of record.h.  The
 * other reports' CSV is "metric,value".
 */
static const struct {
	const char	*kind, *list;
	const char	*cols[10];
} csv_lists[] = {
	{ "pareto", "clients", { "rank", "id", "name", "revenue_cents", "share_pct",
	    "cumulative_pct", "in_top", NULL } },
	{ "clv", "clients_by_clv", { "id", "name", "purchases", "revenue_cents",
	    "average_purchase_cents", "purchases_per_year", "clv_cents", NULL } },
	{ "receivables", "top_debtors", { "id", "name", "owed_cents", "overdue_cents",
	    "oldest_overdue_days", NULL } },
	{ "activity", "touches_by_owner", { "owner", "*", "total", NULL } },
	{ "lifecycle", "flows", { "from_stage", "to_stage", "clients", NULL } },
	{ "risk", "clients", { "rank", "id", "name", "score", "reasons", NULL } },
	{ "products", "products", { "rank", "product", "kind", "quantity", "clients",
	    "revenue_cents", "share_pct", "cumulative_pct", "in_top", NULL } },
};

int
report_print(FILE *fp, const char *kind, json_object *r, enum report_format fmt,
    const char *lang)
{
	json_object *p = NULL, *list = NULL, *cur = NULL;

	if (fmt == REPORT_JSON)
		return output_print_json(fp, r);
	json_object_object_get_ex(r, "currency", &cur);
	if (fmt == REPORT_CSV) {
		for (size_t l = 0; l < sizeof(csv_lists) / sizeof(csv_lists[0]); l++) {
			const char *cols[sizeof(csv_lists[0].cols) / sizeof(csv_lists[0].cols[0]) +
			    RECORD_TOUCH_KINDS];
			size_t n = 0;

			if (strcmp(kind, csv_lists[l].kind) != 0)
				continue;
			for (size_t k = 0; csv_lists[l].cols[k] != NULL; k++) {
				if (strcmp(csv_lists[l].cols[k], "*") != 0) {
					cols[n++] = csv_lists[l].cols[k];
					continue;
				}
				for (size_t t = 0; t < RECORD_TOUCH_KINDS; t++)
					cols[n++] = record_touch_kinds[t];
			}
			cols[n] = NULL;
			for (size_t k = 0; cols[k] != NULL; k++) {
				if (k > 0)
					fputc(',', fp);
				output_csv_field(fp, cols[k]);
			}
			fputs("\r\n", fp);
			json_object_object_get_ex(r, csv_lists[l].list, &list);
			n = list != NULL ? json_object_array_length(list) : 0;
			for (size_t i = 0; i < n; i++) {
				json_object *row = json_object_array_get_idx(list, i);
				for (size_t k = 0; cols[k] != NULL; k++) {
					json_object *v = NULL;
					if (k > 0)
						fputc(',', fp);
					json_object_object_get_ex(row, cols[k], &v);
					csv_value(fp, v);
				}
				fputs("\r\n", fp);
			}
			return ferror(fp) ? -1 : 0;
		}
		fputs("metric,value\r\n", fp);
		csv_flat(fp, r, "");
		return ferror(fp) ? -1 : 0;
	}
	json_object_object_get_ex(r, "period", &p);
	{
		json_object *from = NULL, *to = NULL;
		long a, b;
		char da[48], db[48];

		json_object_object_get_ex(p, "from", &from);
		json_object_object_get_ex(p, "to", &to);
		if (clock_date_parse(json_object_get_string(from), &a) == 0 &&
		    clock_date_parse(json_object_get_string(to), &b) == 0)
		{
			const char *name = kind;
			for (size_t i = 0; i < sizeof(report_names) / sizeof(report_names[0]); i++)
				if (strcmp(report_names[i].key, kind) == 0)
					name = i18n_is_en(lang) ? report_names[i].en : report_names[i].es;
			fprintf(fp, "%s: %s, %s – %s\n", i18n_is_en(lang) ? "Report" : "Informe",
			    name, i18n_date(lang, a, da, sizeof(da)), i18n_date(lang, b, db, sizeof(db)));
		}
	}
	print_object(fp, r, lang, cur ? json_object_get_string(cur) : "EUR", 0);
	return ferror(fp) ? -1 : 0;
}
