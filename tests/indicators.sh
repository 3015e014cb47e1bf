#!/bin/bash
# indicators.sh - the field's indicators on a dozen hand-made clients with
# real history: status over time from the data (back-filled and imported
# clients), buying converts, rounding half away from zero, NPS as a signed
# score, signed growth, past months without today's alerts, the churn
# report's headings; and the new figures: lifecycle stages, churn risk
# with its reasons, monthly goals in working days, sales by product, the
# client card, payment terms, invoice lines in and out.  Every expected
# value is worked out by hand below from the definitions in the README
# (the arithmetic is in the comments); none is computed by the code under
# test.  Where the code before this test got it wrong, the comment says
# what it printed.
#
# The instant of the checks is Monday 2026-12-14 09:00Z (10:00 in Madrid).
# Ana has used Cartera since January 2025; Bob, a freelancer, imported his
# clients and their invoices on 2026-12-01.  Settings: a client is active
# on day D when not lost and it bought in the 90 days up to D
# (D - 90 < issued <= D); "new" for 90 days; at risk beyond 1.5 x its
# rhythm and 30 days; cadence 30 days (potential: 14).
# shellcheck disable=SC2154 # client ids are set by add() with printf -v
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init indicators
[ -x "$T_PYTHON" ] || t_skip "$T_PYTHON not found"

CARTERA=${top_builddir:-.}/cartera
CARTERA_DB=$(t_db) || t_fatal "no database"
export CARTERA_DB
COPY_DB=$(t_db copy) || t_fatal "no database"
export TZ=UTC
cat >"$T/c.conf" <<EOF
templates = "$T_SRCDIR/etc/templates";
digest = { default_timezone = "Europe/Madrid"; language = "es"; };
cadence = { default_days = 30; potential_days = 14; };
inactive = { factor = 1.5; min_days = 30; single_purchase_days = 90; no_contact_days = 90; };
lifecycle = { new_days = 90; };
alerts = { yellow_days = 3; waiting_days = 7; overdue_invoice_days = 30; };
report = { currency = "EUR"; };
EOF

NOW="2026-12-14T09:00Z"
c() {	# c NOW ARGS...  (in $C_LANG when set)
	local now=$1
	shift
	LANG=${C_LANG:-$LANG} "$CARTERA" -c "$T/c.conf" --now "$now" "$@"
}
ok() {
	"$@" >"$T/step.log" 2>&1 || { cat "$T/step.log" >&2; t_fatal "setup failed: $*"; }
}
add() {	# add VAR NOW NAME OPTIONS...
	local var=$1 now=$2 out
	shift 2
	out=$(c "$now" client add "$@" 2>&1) || { echo "$out" >&2; t_fatal "client add $*"; }
	[[ $out =~ ^client\ ([0-9]+)\ added ]] || t_fatal "client add said: $out"
	printf -v "$var" '%s' "${BASH_REMATCH[1]}"
}
A=ana@example.com
B=bob@example.com

ok c "2025-01-10T09:00Z" init
ok c "2025-01-10T09:00Z" owner add $A --name "Ana López" --tz Europe/Madrid --lang es
ok c "2025-01-10T09:00Z" owner add $B --name "Bob Ruiz" --tz Europe/Madrid --lang es
ok c "2025-01-10T09:00Z" team add Norte --all

# ---------------------------------------------------------------- Ana
#  id client    added       history (amounts in euros; all paid unless said)
#   1 Alfa      2025-01-10  terms 30 days; 1000 on 08-20, 09-25, 10-15, 11-10
#   2 Beta      2025-01-10  500 on 07-05, then nothing
#   3 Gamma     2025-01-10  800 on 09-01; 800 on 10-20 (line: 200 Tornillos)
#   4 Delta     2025-01-10  300 on 08-01 and 10-05
#   5 Zeta      2026-09-01  potential; 600 on 10-15, typed in on 11-12 (no
#                           status edit); NPS 4 on 11-15; a call on 12-01
#                           that nobody answered
#   6 Eta       2026-11-05  potential; a call on 12-02
#   7 Épsilon   2026-11-10  added then with its invoice of 10-20 (back-filled):
#                           2000 (400 Tornillos 1600 + 1 Montaje 400), due
#                           11-19, unpaid
#   8 Iota      2026-12-01  6200 on 12-03 (1000 Tornillos 2000 + 2 Montaje 4200)
add alfa "2025-01-10T09:00Z" Alfa --owner $A --payment-days 30 --payment-method transferencia
add beta "2025-01-10T09:00Z" Beta --owner $A
add gamma "2025-01-10T09:00Z" Gamma --owner $A
add delta "2025-01-10T09:00Z" Delta --owner $A
add zeta "2026-09-01T09:00Z" Zeta --owner $A --status potencial
add eta "2026-11-05T09:00Z" Eta --owner $A --status potential
add eps "2026-11-10T09:00Z" "Épsilon" --owner $A
add iota "2026-12-01T09:00Z" Iota --owner $A --orders visita
[ "$alfa $iota" = "1 8" ] || t_fatal "client ids are not 1..8: $alfa $iota"

# Payment terms set the due date: Alfa's invoices carry no --due.
out=$(c "2026-08-20T09:00Z" invoice add Alfa 1000 --issued 2026-08-20 --paid 2026-08-25)
t_assert_eq "invoice 1 added to client 1, due 2026-09-19" "$out" "due date from the payment terms (08-20 + 30)"
ok c "2026-09-25T09:00Z" invoice add Alfa 1000 --issued 2026-09-25 --paid 2026-09-30
ok c "2026-10-15T09:00Z" invoice add Alfa 1000 --issued 2026-10-15 --paid 2026-10-20
ok c "2026-11-10T09:00Z" invoice add Alfa 1000 --issued 2026-11-10 --paid 2026-11-15
c "2026-07-05T09:00Z" invoice add Beta 500 --issued 2026-07-05 >/dev/null 2>"$T/err"
t_assert_eq 1 $? "no --due and no payment terms: refused"
t_assert_file_contains "$T/err" "payment terms" "says how to give a due date"
ok c "2026-07-05T09:00Z" invoice add Beta 500 --issued 2026-07-05 --due 2026-08-04 --paid 2026-07-20
ok c "2026-09-01T09:00Z" invoice add Gamma 800 --issued 2026-09-01 --due 2026-10-01 --paid 2026-09-20
ok c "2026-10-20T09:00Z" invoice add Gamma --line "Tornillos:200:800" --issued 2026-10-20 --due 2026-11-19 --paid 2026-11-01
ok c "2026-08-01T09:00Z" invoice add Delta 300 --issued 2026-08-01 --due 2026-08-31 --paid 2026-08-10
ok c "2026-10-05T09:00Z" invoice add Delta 300 --issued 2026-10-05 --due 2026-11-04 --paid 2026-10-10
ok c "2026-11-12T09:00Z" invoice add Zeta 600 --issued 2026-10-15 --due 2026-11-14 --paid 2026-10-20
ok c "2026-11-10T09:00Z" invoice add "Épsilon" --issued 2026-10-20 --due 2026-11-19 \
	--line "Tornillos:400:1.600,00" --line "Montaje:1:400"
c "2026-12-03T09:00Z" invoice add Iota 6000 --issued 2026-12-03 --due 2027-01-02 \
	--line "Tornillos:1000:2.000,00" --line "Montaje:2:4.200,00" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "an amount that is not the sum of the lines: refused"
t_assert_file_contains "$T/err" "the lines add up to" "says why"
ok c "2026-12-03T09:00Z" invoice add Iota --issued 2026-12-03 --due 2027-01-02 --paid 2026-12-05 \
	--line "Tornillos:1000:2.000,00" --line "Montaje:2:4.200,00"
ok c "2026-11-15T09:00Z" nps add Zeta 4 --at 2026-11-15
# December touches: visits to Alfa, Gamma, Delta and Iota; calls to Zeta
# (no answer), Eta and Épsilon.
ok c "$NOW" log Alfa visit --at "2026-12-02 10:00" --by $A
ok c "$NOW" log Gamma visit --at "2026-12-03 10:00" --by $A
ok c "$NOW" log Delta visit --at "2026-12-09 10:00" --by $A
ok c "$NOW" log Iota visit --at "2026-12-10 10:00" --by $A
ok c "$NOW" log Zeta call --at "2026-12-01 10:00" --by $A --outcome no-answer
ok c "$NOW" log Eta call --at "2026-12-02 10:00" --by $A
ok c "$NOW" log "Épsilon" call --at "2026-12-11 10:00" --by $A

# ---------------------------------------------------------------- Bob
# Imported on 2026-12-01 with his history (the defect: every client of his
# existed only from that day):
#   9 Kappa     1000 on 2025-06-10, 1200 on 2026-09-15, 2800 on 11-05; NPS 10
#  10 Lambda    400 on 2025-09-01, 400 on 2026-10-01, 600 on 11-20; NPS 9
#  11 Mu        imported as lost; 700 on 2025-03-01, 2026-06-15, 08-20; NPS 7
#  12 Nu        500 on 2026-06-01 and 07-15; NPS 3
#  13 Theta     500 on 2025-07-01, 09-01, 11-01, 2026-01-10, 03-01, 05-01,
#               then only on 10-15: it buys less (due dates from its terms)
cat >"$T/bob-clients.csv" <<'CSV'
nombre;nif;estado;comercial;días de pago;forma de pago;pedidos
Kappa Industrial;B11111111;activo;bob@example.com;30;transferencia;solo
Lambda Servicios;B22222222;activo;bob@example.com;60;domiciliación;visita
Mu Perdido;B33333333;perdido;bob@example.com;;;
Nu Estacional;B44444444;activo;bob@example.com;;;
Theta Menguante;B55555555;activo;bob@example.com;30;pagaré;
CSV
cat >"$T/bob-invoices.csv" <<'CSV'
número;nif;fecha;vencimiento;pagada;importe
K-1;B11111111;10/06/2025;10/07/2025;01/07/2025;1.000,00
K-2;B11111111;15/09/2026;15/10/2026;01/10/2026;1.200,00
K-3;B11111111;05/11/2026;05/12/2026;01/12/2026;2.800,00
L-1;B22222222;01/09/2025;01/11/2025;01/10/2025;400
L-2;B22222222;01/10/2026;30/11/2026;01/11/2026;400
L-3;B22222222;20/11/2026;19/01/2027;25/11/2026;600
M-1;B33333333;01/03/2025;31/03/2025;15/03/2025;700
M-2;B33333333;15/06/2026;15/07/2026;01/07/2026;700
M-3;B33333333;20/08/2026;19/09/2026;01/09/2026;700
N-1;B44444444;01/06/2026;01/07/2026;15/06/2026;500
N-2;B44444444;15/07/2026;14/08/2026;01/08/2026;500
T-1;B55555555;01/07/2025;;15/07/2025;500
T-2;B55555555;01/09/2025;;15/09/2025;500
T-3;B55555555;01/11/2025;;15/11/2025;500
T-4;B55555555;10/01/2026;;25/01/2026;500
T-5;B55555555;01/03/2026;;15/03/2026;500
T-6;B55555555;01/05/2026;;15/05/2026;500
T-7;B55555555;15/10/2026;;30/10/2026;500
CSV
IMPORT="2026-12-01T09:00Z"
ok c "$IMPORT" import "$T/bob-clients.csv"
t_assert_match "18 rows, 18 invoices inserted" "$(c "$IMPORT" invoice import "$T/bob-invoices.csv")" \
	"invoice import: Spanish headers, semicolons, D/M/YYYY, 1.000,00"
ok c "$IMPORT" nps add Kappa 10 --at 2026-11-10
ok c "$IMPORT" nps add Lambda 9 --at 2026-11-12
ok c "$IMPORT" nps add Mu 7 --at 2026-11-14
ok c "$IMPORT" nps add Nu 3 --at 2026-11-16

# ------------------------------------------------------------------ helpers
# Ana and Bob read Spanish: the reports and cards below are run as they
# run them (reports are in the language of the one who asks).
C_LANG=es_ES.UTF-8
declare -A J
load() {	# load ARGS...: report ARGS --format json at $NOW into J (see report.sh)
	local k v
	J=()
	c "$NOW" --json "$@" >"$T/r.json" 2>"$T/r.err" ||
		{ t_fail "$* exited $?: $(cat "$T/r.err")"; return 1; }
	while IFS=$'\t' read -r k v; do
		J[$k]=$v
	done < <("$T_PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]), parse_float=str)
def leaf(v):
	if v is None: return "null"
	if v is True: return "true"
	if v is False: return "false"
	return str(v)
def walk(p, v):
	if isinstance(v, dict):
		print("%s.#\t%s" % (p, " ".join(v)))
		for k, x in v.items():
			walk(p + "." + k if p else k, x)
	elif isinstance(v, list):
		print("%s.#\t%d" % (p, len(v)))
		for i, x in enumerate(v):
			walk("%s.%d" % (p, i), x)
	else:
		print("%s\t%s" % (p, leaf(v)))
walk("", d)' "$T/r.json") || t_fatal "cannot read $T/r.json"
}
expect() {
	local what=$1 kv
	shift
	for kv; do
		t_assert_eq "${kv#*=}" "${J[${kv%%=*}]-(missing)}" "$what: ${kv%%=*}"
	done
}
rows() {
	local what=$1 list=$2 keys=$3 n i k out
	shift 3
	n=${J[$list.#]-0}
	t_assert_eq "$#" "$n" "$what: $list has $# rows"
	for ((i = 0; i < n && i < $#; i++)); do
		out=""
		for k in $keys; do
			out+="${out:+|}${J[$list.$i.$k]-(missing $k)}"
		done
		t_assert_eq "${*:i+1:1}" "$out" "$what: $list row $((i + 1)) ($keys)"
	done
}

# =========================================== status over time from the data
# October, Ana.  Active on 09-30 (bought 07-03..09-30): Alfa (09-25), Beta
# (07-05), Gamma (09-01), Delta (08-01) = 4.  On 10-31 (08-03..10-31):
# Alfa, Gamma, Delta (10-05), Épsilon (10-20: in the portfolio from its
# first purchase, although typed in on 11-10), Zeta (potential until it
# bought on 10-15) = 5; Beta stopped buying.  New: Épsilon, Zeta = 2.
# Retention (5 - 2) / 4 = 75 %; churn 0 / 4.  (Before: Épsilon was not a
# client at the end: 50 %.)
# Conversion: potential on 09-30: Zeta; it bought in October: 1 of 1 =
# 100 %.  (Before: no status edit in October, 0 %.)
# Revenue: 1000 + 800 + 300 + 2000 + 600 = 4700 in 5 invoices.
load report churn --month 2026-10 --owner $A
expect "October, Ana" clients_at_start=4 clients_at_end=5 new_clients=2 lost_clients=0 \
	churn_pct=0.00 retention_pct=75.00 conversion.potential_clients=1 conversion.converted=1 \
	conversion.conversion_pct=100.00
rows "October, Ana" new "id name" "5|Zeta" "7|Épsilon"
# November, Ana: on 10-31 the 5 above; on 11-30 (09-02..11-30) Alfa
# (11-10), Gamma, Delta (10-05), Épsilon, Zeta = 5; nobody new or lost:
# 0 % and 100 %.  Potential: Zeta is active since it bought on 10-15 (its
# typed status is still potential); Eta, added on 11-05, did not buy: 0
# of 1.
load report churn --month 2026-11 --owner $A
expect "November, Ana" clients_at_start=5 clients_at_end=5 new_clients=0 lost_clients=0 \
	churn_pct=0.00 retention_pct=100.00 conversion.potential_clients=1 conversion.converted=0 \
	conversion.conversion_pct=0.00
# November, Bob (everything imported on 12-01; before: 0 at the start, 0 at
# the end, churn and retention n/a): on 10-31 (08-03..10-31) Kappa (09-15),
# Lambda (10-01), Theta (10-15) = 3 (Mu was lost, Nu's 07-15 too old); on
# 11-30 (09-02..11-30) Kappa (11-05), Lambda (11-20), Theta = 3.
load report churn --month 2026-11 --owner $B
expect "November, Bob" clients_at_start=3 clients_at_end=3 new_clients=0 lost_clients=0 \
	churn_pct=0.00 retention_pct=100.00
# August, Bob: on 07-31 (05-03..07-31) Mu (06-15), Nu (06-01, 07-15) = 2;
# Mu was imported as lost: lost from the day after its last purchase
# (08-20); on 08-31 (06-03..08-31) only Nu: lost 1, churn 1 / 2 = 50 %,
# retention (1 - 0) / 2 = 50 %.
load report churn --month 2026-08 --owner $B
expect "August, Bob" clients_at_start=2 clients_at_end=1 new_clients=0 lost_clients=1 \
	churn_pct=50.00 retention_pct=50.00
rows "August, Bob" lost "id name" "11|Mu Perdido"

# ============================================ rounding, NPS, growth, alerts
# November, Bob: revenue Kappa 2800 + Lambda 600 = 3400; October Lambda 400
# + Theta 500 = 900: growth 2500 / 900 = 277.78 %; November 2025 Theta
# 500: 2900 / 500 = 580 %.  Pareto: Kappa alone reaches 80 %: 1 of 2 = 50 %,
# 2800 / 3400 = 82.3529 % -> 82.35, and 82.4 with one decimal (before:
# "82,3 %").  NPS: Kappa 10, Lambda 9 promoters, Mu 7 passive, Nu 3
# detractor: (2 - 1) / 4 x 100 = +25, a score (before: "25,0 %").
load report summary --month 2026-11 --owner $B
expect "November, Bob" revenue.revenue_cents=340000 revenue.invoices=2 \
	revenue.previous_period_cents=90000 revenue.growth_vs_previous_pct=277.78 \
	revenue.last_year_cents=50000 revenue.growth_vs_last_year_pct=580.00 \
	pareto.top_clients=1 pareto.top_share_of_clients_pct=50.00 \
	pareto.top_share_of_revenue_pct=82.35 nps.responses=4 nps.nps=25
c "$NOW" report summary --month 2026-11 --owner $B >"$T/bob.txt"
t_assert_file_contains "$T/bob.txt" '^  Porcentaje de facturación +82,4 %$' "82.3529 % reads 82,4 %"
t_assert_file_contains "$T/bob.txt" '^  NPS +\+25$' "NPS is a signed score"
t_assert_file_contains "$T/bob.txt" '^  Crecimiento vs periodo anterior +\+277,8 %$' "growth up: +"
# November, Ana: 1000 (Alfa) against October's 4700: -78.7234 %; no
# November 2025: n/a.  NPS: Zeta's 4 alone: -100.
load report summary --month 2026-11 --owner $A
expect "November, Ana" revenue.revenue_cents=100000 revenue.previous_period_cents=470000 \
	revenue.growth_vs_previous_pct=-78.72 revenue.growth_vs_last_year_pct=null nps.nps=-100 \
	"activity.#=touches portfolio_clients revenue_per_client_cents revenue_per_touch_cents"
c "$NOW" report summary --month 2026-11 --owner $A >"$T/ana.txt"
t_assert_file_contains "$T/ana.txt" '^  Crecimiento vs periodo anterior +-78,7 %$' "growth down: -"
t_assert_file_contains "$T/ana.txt" '^  NPS +-100$' "a negative NPS"
# A past month's report has no "red today" lines (before: counted as of today).
if grep -q "En rojo\|Pendientes sin contactar" "$T/ana.txt"; then
	t_fail "November's report shows today's red clients"
else
	t_pass "November's report leaves today's alerts out"
fi
# This month's report has them, as of now: Bob's five clients were added on
# 12-01 and never contacted (due 12-31 at a 30-day cadence), nothing is
# overdue, Mu is lost: none red, yellow or green.
load report activity --month 2026-12 --owner $B
expect "December, Bob" due_not_contacted=0 portfolio_clients=5 red_pct=0.00 yellow_pct=0.00 \
	green_pct=0.00
# The churn report's conversion block has its heading.
c "$NOW" report churn --month 2026-10 --owner $A >"$T/churn.txt"
t_assert_file_contains "$T/churn.txt" '^Conversión$' "conversion under its own heading"
t_assert_file_contains "$T/churn.txt" '^  Tasa de conversión +100,0 %$' "conversion rate under it"
t_assert_file_contains "$T/churn.txt" '^Tasa de retención +75,0 %$' "retention 75,0 %"

# ==================================================================== risk
# As of 12-14.  Active (bought 09-16..12-14, not lost): Alfa, Gamma, Delta,
# Zeta, Épsilon, Iota (Ana); Kappa, Lambda, Theta (Bob).  Their rhythms
# (median days between purchase days): Alfa 08-20, 09-25, 10-15, 11-10:
# gaps 36 20 26 -> 26; Gamma 49; Delta 65; Kappa 462 51 -> 256.5; Lambda
# 395 50 -> 222.5; Theta 62 61 70 50 61 167 -> 61.5.  Typical rhythm (for
# those that bought once): median of 26 49 61.5 65 222.5 256.5 = 63.25.
#   Alfa     34 days since 11-10, usually 26: 45 x (1 - 26 / 34) = 10.59 -> 11
#   Zeta     once, 60 days ago (< 63.25): 0; NPS 4: 15 x 3 / 7 = 6.43; one
#            unanswered call in 91 days: 3; 9.43 -> 9
#   Épsilon  once, 55 days ago: 0; 2000 overdue since 11-19 (25 days):
#            5 + 10 x 25 / 90 = 7.78 -> 8
#   Gamma    55 days, usually 49: 45 x 6 / 55 = 4.91 -> 5
#   Delta    70 days, usually 65: 45 x 5 / 70 = 3.21 -> 3
#   Iota     11 days: 0
#   Theta    on its rhythm (60 < 61.5); bought on 1 day in the last 91 and
#            182, on 6 in the 365 before those: drops 1 - (1/91)/(6/365) =
#            0.3315 and 1 - (1/182)/(6/365) = 0.6658: 15 x 0.4986 = 7.48;
#            revenue 500 against 3000, the same drops: 10 x 0.4986 = 4.99;
#            12.47 -> 12
#   Kappa, Lambda: on their rhythm, no trend (fewer than 2 purchase days in
#            the year before): 0
load report risk --owner $A
expect "risk, Ana" as_of=2026-12-14 active_clients=6 typical_gap_days=63.25
rows "risk, Ana" clients "id score reasons" \
	"1|11|sin comprar hace 34 días; suele hacerlo cada 26" \
	"5|9|detractor: respondió 4 en la encuesta NPS del 15/11/2026; 1 contacto fallido (sin respuesta, o planificado y sin hacer)" \
	"7|8|1 factura vencida, 2.000,00 € (la más antigua, hace 25 días)" \
	"3|5|sin comprar hace 55 días; suele hacerlo cada 49" \
	"4|3|sin comprar hace 70 días; suele hacerlo cada 65" \
	"8|0|"
load report risk --owner $B
rows "risk, Bob" clients "id score reasons" \
	"13|12|compró 1 vez en 6 meses, 6 en el año anterior; 500,00 € en 6 meses, 3.000,00 € en el año anterior" \
	"9|0|" "10|0|"
# As of an earlier day, 11-30, nothing after it counts.  Active (bought
# 09-02..11-30): Alfa, Gamma, Delta, Zeta, Épsilon (Iota had not bought);
# the typical rhythm is the same 63.25.  Alfa 20 days (< 26): 0; Zeta 46
# days: 0, NPS 4 (11-15): 6.43, the unanswered call was later: 6; Épsilon
# 41 days: 0, overdue 11 days: 5 + 10 x 11 / 90 = 6.22: 6 (a tie: lower id
# first); Gamma 41 < 49 and Delta 56 < 65: 0.
load report risk --owner $A --date 2026-11-30
expect "risk on 11-30" as_of=2026-11-30 active_clients=5 typical_gap_days=63.25
rows "risk on 11-30" clients "id score" "5|6" "7|6" "1|0" "3|0" "4|0"

# =================================================================== goals
# December 2026: 23 days Monday to Friday; on Monday 14, 9 have gone (1-4,
# 7-11) and 14 are left.  Ana's clients bought 6200 (Iota, 12-03): 62 % of
# 10,000; at this pace 6200 x 23 / 9 = 15844.44: 158.44 %.  New clients
# (first purchase in December): Iota, 1 of 3 = 33.33 %, pace 2.56 / 3 =
# 85.19 %.  Visits by Ana: 4 of 20 = 20 %, pace 10.22 / 20 = 51.11 %; calls
# 3 of 40 = 7.5 %, pace 7.67 / 40 = 19.17 %.  Team Norte (everyone):
# 6200 of 20,000 = 31 %, pace 79.22 %.
ok c "$NOW" goal set $A 2026-12 --revenue 10.000 --new-clients 3 --visits 20 --calls 40
ok c "$NOW" goal set Norte 2026-12 --revenue 20.000
load report goals
expect "goals" month=2026-12 as_of=2026-12-14 working_days=23 elapsed_working_days=9 \
	remaining_working_days=14 \
	goals.$A.revenue.target_cents=1000000 goals.$A.revenue.actual_cents=620000 \
	goals.$A.revenue.progress_pct=62.00 goals.$A.revenue.projected_cents=1584444.44 \
	goals.$A.revenue.pace_pct=158.44 \
	goals.$A.new_clients.target=3 goals.$A.new_clients.actual=1 \
	goals.$A.new_clients.progress_pct=33.33 goals.$A.new_clients.pace_pct=85.19 \
	goals.$A.visits.actual=4 goals.$A.visits.progress_pct=20.00 goals.$A.visits.pace_pct=51.11 \
	goals.$A.calls.actual=3 goals.$A.calls.progress_pct=7.50 goals.$A.calls.pace_pct=19.17 \
	goals.team:Norte.revenue.target_cents=2000000 goals.team:Norte.revenue.actual_cents=620000 \
	goals.team:Norte.revenue.progress_pct=31.00 goals.team:Norte.revenue.pace_pct=79.22
c "$NOW" goal set $A 2026-13 --visits 1 >/dev/null 2>&1
t_assert_eq 2 $? "a month that does not exist: usage error"
c "$NOW" goal set $A 2026-12 >/dev/null 2>&1
t_assert_eq 2 $? "no target given: usage error"

# ============================================ the digest: goals and risk
# Ana's digest of Monday 12-14 (what "due" prints is what she is mailed):
# her goals in words, percentages rounded half away from zero with no
# decimals (the team's are not hers): 62 % of 10,000, pace 158.44 -> 158;
# new clients 33.33 -> 33, pace 85.19 -> 85; visits 20, pace 51.11 -> 51;
# calls 7.5 -> 8, pace 19.17 -> 19; 14 working days left.  Monday is the
# first working day of the week: her clients most at risk, score above 0,
# digest.risk_clients (5) at most, as in "report risk" above: Alfa 11,
# Zeta 9, Épsilon 8, Gamma 5, Delta 3 (Iota's 0 is left out).
load due --owner $A
rows "digest, Monday" goals.items "text" \
	"Objetivo de diciembre: 62 % de 10.000 €, quedan 14 días laborables; al ritmo actual, 158 %" \
	"Objetivo de diciembre: 33 % de 3 clientes nuevos, quedan 14 días laborables; al ritmo actual, 85 %" \
	"Objetivo de diciembre: 20 % de 20 visitas, quedan 14 días laborables; al ritmo actual, 51 %" \
	"Objetivo de diciembre: 8 % de 40 llamadas, quedan 14 días laborables; al ritmo actual, 19 %"
rows "digest, Monday" risk.items "id name line" \
	"1|Alfa|riesgo 11: sin comprar hace 34 días; suele hacerlo cada 26" \
	"5|Zeta|riesgo 9: detractor: respondió 4 en la encuesta NPS del 15/11/2026; 1 contacto fallido (sin respuesta, o planificado y sin hacer)" \
	"7|Épsilon|riesgo 8: 1 factura vencida, 2.000,00 € (la más antigua, hace 25 días)" \
	"3|Gamma|riesgo 5: sin comprar hace 55 días; suele hacerlo cada 49" \
	"4|Delta|riesgo 3: sin comprar hace 70 días; suele hacerlo cada 65"
c "$NOW" due --owner $A >"$T/due.txt"
t_assert_file_contains "$T/due.txt" '^OBJETIVOS$' "the digest's goals heading"
t_assert_file_contains "$T/due.txt" '^  Objetivo de diciembre: 62 % de 10\.000 €, quedan 14 días laborables; al ritmo actual, 158 %$' \
	"the goal line as the field asked for it"
t_assert_file_contains "$T/due.txt" '^EN RIESGO DE DEJARTE, LA LISTA DE LA SEMANA \(5\)$' "the weekly risk heading"
t_assert_file_contains "$T/due.txt" '^  - Alfa: riesgo 11: sin comprar hace 34 días; suele hacerlo cada 26$' "a risk line"
# Tuesday 12-15: one more working day gone (10), 13 left; 6200 x 23 / 10 =
# 14260: 142.6 -> 143 %.  Not the first working day of the week: no list.
c "2026-12-15T09:00Z" --json due --owner $A >"$T/tue.json"
t_assert_eq "Objetivo de diciembre: 62 % de 10.000 €, quedan 13 días laborables; al ritmo actual, 143 %|false" \
	"$("$T_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["goals"]["items"][0]["text"] + "|" + str(d["risk"]["any"]).lower())' "$T/tue.json")" \
	"Tuesday: goals, no risk list"
# Bob has no goals: no goals section.  His only client at risk is Theta (12).
load due --owner $B
expect "Bob's digest" goals.any=false goals.count=0 risk.count=1 risk.items.0.name="Theta Menguante" \
	risk.items.0.score=12
# With Monday 12-14 a holiday of Ana's, Tuesday is her week's first
# working day: the list comes then (as of 12-15: Alfa 35 days against 26,
# 45 x 9 / 35 = 11.57 -> 12).  Her goals count her working days: with
# 12-08 and 12-25 off too, December has 23 - 3 = 20; before the 15th 1-4,
# 7, 9-11 = 8 are gone, 12 are left; 6200 x 20 / 8 = 15500: 155 %.  The
# team's report (no salesperson) counts the configuration's: 23, 10, 13.
printf '2026-12-08\n2026-12-14  # puente\n2026-12-25\n' >"$T/festivos.txt"
ok c "$NOW" owner edit $A --holidays "$T/festivos.txt"
c "2026-12-15T09:00Z" --json due --owner $A >"$T/tue.json"
t_assert_eq "1|12" "$("$T_PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["risk"]["items"][0]; print("%d|%d" % (r["id"], r["score"]))' "$T/tue.json")" \
	"after a Monday off, Tuesday's digest has the list"
t_assert_eq "Objetivo de diciembre: 62 % de 10.000 €, quedan 12 días laborables; al ritmo actual, 155 %" \
	"$("$T_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["goals"]["items"][0]["text"])' "$T/tue.json")" \
	"the goal counts Ana's holidays"
for args in "--owner $A|20 8 12 155.00" "|23 10 13 142.60"; do
	c "2026-12-15T09:00Z" --json report goals ${args%%|*} >"$T/g.json"
	t_assert_eq "${args#*|}" "$("$T_PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]), parse_float=str)
print(d["working_days"], d["elapsed_working_days"], d["remaining_working_days"],
      d["goals"][sys.argv[2]]["revenue"]["pace_pct"])' "$T/g.json" "$A")" "report goals ${args%%|*}: working days"
done
ok c "$NOW" owner edit $A --holidays ''

# ================================================================ products
# October, Ana: Tornillos 800 (Gamma) + 1600 (Épsilon) = 2400, 600 units, 2
# clients; invoices without lines: Alfa 1000, Delta 300, Zeta 600 = 1900, 3
# clients; Montaje 400, 1 unit.  Total 4700.  Shares 51.06, 40.43, 8.51 %;
# 80 % of 4700 = 3760 needs the first two (4300 = 91.49 %): 2 of 3.
load report products --month 2026-10 --owner $A
expect "products" revenue_cents=470000 sold_products=3 top_products=2 \
	top_share_of_products_pct=66.67 top_share_of_revenue_pct=91.49
rows "products" products "product quantity clients revenue_cents share_pct cumulative_pct in_top" \
	"Tornillos|600.00|2|240000|51.06|51.06|true" \
	"(sin líneas)|0.00|3|190000|40.43|91.49|true" \
	"Montaje|1.00|1|40000|8.51|100.00|false"

# ================================================================ the card
# Alfa: 4 x 1000 this year, none last year; average ticket 1000; lifetime
# 08-20 to today (active) is under a year: 4 purchases a year; nothing
# owed; last purchase 11-10 (1000); recurring (34 days <= 1.5 x 26); risk 11.
load client show Alfa
expect "Alfa's card" payment_method=transfer payment_days=30 \
	money.revenue_this_year_cents=400000 money.revenue_last_year_cents=0 \
	money.revenue_ever_cents=400000 money.invoices=4 money.average_ticket_cents=100000.00 \
	money.purchases_per_year=4.00 money.owed_cents=0 money.overdue_cents=0 \
	money.last_purchase=2026-11-10 money.last_purchase_cents=100000 stage=recurring \
	churn_risk.score=11
# Kappa: 1200 + 2800 this year, 1000 last year, 5000 in 3; 2025-06-10 to
# today is 552 days = 1.511 years: 3 / 1.511 = 1.985 -> 1.99 a year.
load client show Kappa
expect "Kappa's card" orders=self money.revenue_this_year_cents=400000 \
	money.revenue_last_year_cents=100000 money.revenue_ever_cents=500000 \
	money.average_ticket_cents=166666.67 money.purchases_per_year=1.99 stage=recurring \
	churn_risk.score=0
# Épsilon: 2000 owed and overdue (since 11-19: 25 days); new (55 days).
load client show "Épsilon"
expect "Épsilon's card" money.owed_cents=200000 money.overdue_cents=200000 \
	money.overdue_invoices=1 money.oldest_overdue_days=25 money.purchases_per_year=1.00 \
	stage=new churn_risk.score=8 invoice_lines.#=2 invoice_lines.0.product=Tornillos \
	invoice_lines.0.quantity=400.0 invoice_lines.0.amount_cents=160000
c "$NOW" client show Alfa >"$T/card.txt"
t_assert_file_contains "$T/card.txt" '^  Facturación este año +4\.000,00 €$' "card: revenue this year"
t_assert_file_contains "$T/card.txt" '^  Última compra +10/11/2026$' "card: last purchase"
t_assert_file_contains "$T/card.txt" '^Etapa +recurrente$' "card: stage in words"

# ============================================================ stage lists
C_LANG=		# back to the test's LANG=C
# New (first purchase within 90 days): Zeta (60), Épsilon (55), Iota (11);
# dormant (no purchase in 90 days): Beta (07-05), Nu (07-15); prospect:
# Eta (called, never bought); lost: Mu.
stage_ids() { c "$NOW" --json client list --stage "$1" | "$T_PYTHON" -c '
import json, sys; print(" ".join(str(r["id"]) for r in sorted(json.load(sys.stdin), key=lambda r: r["id"])))'; }
t_assert_eq "5 7 8" "$(stage_ids nuevo)" "client list --stage nuevo"
t_assert_eq "2 12" "$(stage_ids dormant)" "client list --stage dormant"
t_assert_eq "6" "$(stage_ids prospecto)" "client list --stage prospecto"
t_assert_eq "11" "$(stage_ids lost)" "client list --stage lost"
t_assert_eq "recurring" "$(c "$NOW" --json client list --search Alfa | "$T_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)[0]["stage"])')" \
	"the stage column"
c "$NOW" client list --stage sideways >/dev/null 2>&1
t_assert_eq 2 $? "an unknown stage: usage error"

# ========================================================= lines in and out
# Every invoice line out, into a copy with the same clients, and out again:
# the same bytes.
ok c "$NOW" invoice export "$T/inv1.csv"
t_assert_eq "invoice,number,client,tax_id,issued,due,paid,currency,product,quantity,amount" \
	"$(head -1 "$T/inv1.csv" | tr -d '\r')" "invoice export header"
# Ana's 12 invoices (two of them with 2 lines) and Bob's 18: 32 rows.
t_assert_eq 32 "$(($(wc -l <"$T/inv1.csv") - 1))" "one row per invoice line"
ok c "$NOW" export "$T/clients.csv"
CARTERA_DB=$COPY_DB ok c "$NOW" init
CARTERA_DB=$COPY_DB ok c "$NOW" owner add $A --name "Ana López"
CARTERA_DB=$COPY_DB ok c "$NOW" owner add $B --name "Bob Ruiz"
CARTERA_DB=$COPY_DB ok c "$NOW" import "$T/clients.csv"
CARTERA_DB=$COPY_DB ok c "$NOW" invoice import "$T/inv1.csv"
CARTERA_DB=$COPY_DB ok c "$NOW" invoice export "$T/inv2.csv"
t_assert_eq "$(sha256sum <"$T/inv1.csv")" "$(sha256sum <"$T/inv2.csv")" "invoice lines round trip"
# A bad file writes nothing and says where.
printf 'client,issued,amount\nNadie,2026-01-01,10\nAlfa,2026-13-01,10\n' >"$T/bad.csv"
c "$NOW" invoice import "$T/bad.csv" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "bad invoice file refused"
t_assert_file_contains "$T/err" 'bad.csv:2: client: no client "Nadie"' "unknown client named with its line"
t_assert_file_contains "$T/err" 'bad.csv:3: issued:' "bad date named with its line"
# An error names a long client name whole: the invoice importer's error
# collector once cut its message at 768 bytes.
long=$(printf 'Distribuciones%.0s' $(seq 60))
printf 'client,issued,amount\n%s Fin,2026-01-01,10\n' "$long" >"$T/long.csv"
c "$NOW" invoice import "$T/long.csv" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "unknown long client refused"
t_assert_file_contains "$T/err" "long.csv:2: client: no client \"$long Fin\"" \
	"an error message is not cut short"

# ============================================= the product list, at risk
# (At the end: what follows changes the portfolio the checks above saw.)
# The list is by name.  Tornillos (1) and Montaje (2) joined it with the
# first lines that named them; Arandelas and a service, Mantenimiento, are added with unit
# prices.  A line without an amount takes its product's unit price: 300 x
# 0,05 = 15,00 and 2 x 150 = 300,00, an invoice of 315,00 to Kappa, whose
# revenue this year goes from 4.000,00 to 4.315,00.  Lines per product:
# Tornillos on Gamma's, Épsilon's and Iota's invoices (3), Montaje on
# Épsilon's and Iota's (2), the new ones on Kappa's (1 each).
ok c "$NOW" product add Arandelas --price 0,05
ok c "$NOW" product add Mantenimiento --kind service --price 150
ok c "$NOW" invoice add Kappa --issued 2026-12-14 --line "Arandelas:300" --line "Mantenimiento:2"
load product list
rows "product list" "" "id name kind unit_price_cents lines" \
	"3|Arandelas|product|5|1" "4|Mantenimiento|service|15000|1" "2|Montaje|product|null|2" \
	"1|Tornillos|product|null|3"
load client show Kappa
expect "Kappa after the lines" money.revenue_this_year_cents=431500 money.invoices=4
# How each client pays, as imported ("domiciliación", "pagaré").
load client show Lambda
expect "Lambda's terms" payment_method=direct_debit payment_days=60 orders=visit
load client show Theta
expect "Theta's terms" payment_method=promissory_note payment_days=30
# Omicron, back-filled on 12-14: 08-01 and 09-20, a gap of 50 days; the
# last 85 days ago (< 90: not dormant), the first 135 (>= 90: not new);
# 85 > 1.5 x 50 = 75 and > 30: at risk.  Its churn risk: late 45 x (1 -
# 50 / 85) = 18.53, no year before to compare with: 19.  Theta's last
# purchase (10-15) came 167 days after the one before (>= 90) and 60 days
# ago (< 90): recovered.
add omicron "$NOW" Omicron --owner $B
ok c "$NOW" invoice add Omicron 100 --issued 2026-08-01 --due 2026-08-31 --paid 2026-08-10
ok c "$NOW" invoice add Omicron 100 --issued 2026-09-20 --due 2026-10-20 --paid 2026-10-01
t_assert_eq "$omicron" "$(stage_ids "en riesgo")" "client list --stage en riesgo"
t_assert_eq "13" "$(stage_ids recovered)" "client list --stage recovered"
load client show Omicron
expect "Omicron's card" stage=at_risk churn_risk.score=19
t_assert_eq "$omicron|19|sin comprar hace 85 días; suele hacerlo cada 50" \
	"$(C_LANG=es_ES.UTF-8 c "$NOW" --json report risk --owner $B | "$T_PYTHON" -c '
import json, sys
r = json.load(sys.stdin)["clients"][0]
print("%d|%d|%s" % (r["id"], r["score"], r["reasons"]))')" "Omicron heads Bob's risk list"

t_done
