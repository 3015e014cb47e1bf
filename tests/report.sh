#!/bin/bash
# report.sh - portfolio indicators ("cartera report") on a hand-made
# portfolio built with the real cartera binary.  Every expected value below
# was worked out by hand from the definitions at the top of daemon/report.c
# (the working is in the comments); none is computed by the code under test.
#
# The report instant is Wednesday 2026-06-10 10:00Z, so the default period
# is May 2026 (the last full month).  Ana works in Europe/Madrid (CEST,
# UTC+2) in Spanish, Bob in America/New_York (EDT, UTC-4) in English; the
# configuration's zone is Madrid and its language English.  Settings: a
# client is active on day D when not lost and it bought in the 90 days up to
# D (single_purchase_days = 90); cadence 30 days, potential 14, yellow
# within 3 days, waiting 7 days, an invoice makes its client red after 30
# days overdue; CLV capped at 5 years (1 year in cap.conf).
# shellcheck disable=SC2154 # client ids are set by add() with printf -v
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init report
DB_C=$(t_db c)
[ -x "$T_PYTHON" ] || t_skip "$T_PYTHON not found"

CARTERA=${top_builddir:-.}/cartera
export CARTERA_DB=$DB_C
export TZ=UTC

write_conf() {	# FILE CAP_YEARS
	cat >"$1" <<EOF
templates = "$T_SRCDIR/etc/templates";
digest = {
	default_timezone = "Europe/Madrid";
	language = "en";
};
cadence = {
	default_days = 30;
	potential_days = 14;
};
inactive = {
	factor = 1.5;
	min_days = 30;
	single_purchase_days = 90;
	no_contact_days = 90;
};
alerts = {
	yellow_days = 3;
	waiting_days = 7;
	overdue_invoice_days = 30;
};
report = {
	currency = "EUR";
	lifetime_cap_years = $2;
};
EOF
}
write_conf "$T/report.conf" 5
write_conf "$T/cap.conf" 1

NOW="2026-06-10T10:00Z"		# the report instant
SETUP_NOW="2026-06-10T09:00Z"	# invoices, touches, NPS, costs (never "today")
CREATED="2025-01-02T09:00Z"	# when most clients were added

# c NOW ARGS...: cartera with the clock fixed at NOW.
c() {
	local now=$1
	shift
	"$CARTERA" -c "$T/report.conf" --now "$now" "$@"
}
ok() {	# run a setup step; a failure is a broken test, not a finding
	"$@" >"$T/step.log" 2>&1 || { cat "$T/step.log" >&2; t_fatal "setup failed: $*"; }
}
# add VAR CREATED NAME OPTIONS...: add a client at instant CREATED, id into VAR.
add() {
	local var=$1 now=$2 out
	shift 2
	out=$(c "$now" client add "$@" 2>&1) || { echo "$out" >&2; t_fatal "client add $*"; }
	[[ $out =~ ^client\ ([0-9]+)\ added ]] || t_fatal "client add said: $out"
	printf -v "$var" '%s' "${BASH_REMATCH[1]}"
}
inv() {	# CLIENT AMOUNT ISSUED DUE [PAID] [--currency X]
	local id=$1 amount=$2 issued=$3 due=$4 paid=${5:-}
	shift 4
	[ $# -gt 0 ] && shift
	if [ -n "$paid" ]; then
		ok c "$SETUP_NOW" invoice add "$id" "$amount" --issued "$issued" --due "$due" --paid "$paid" "$@"
	else
		ok c "$SETUP_NOW" invoice add "$id" "$amount" --issued "$issued" --due "$due" "$@"
	fi
}
touch_() {	# CLIENT KIND UTC-TIME BY [OUTCOME]
	ok c "$SETUP_NOW" log "$1" "$2" --at "$3" --by "$4" --outcome "${5:-done}"
}

ok c "$CREATED" init
ok c "$CREATED" owner add ana@example.com --name "Ana López" --tz Europe/Madrid --lang es
ok c "$CREATED" owner add bob@example.com --name "Bob Smith" --tz America/New_York --lang en
A=ana@example.com
B=bob@example.com

# ------------------------------------------------------------- the portfolio
#  id name                 owner seg          sector     city      status history
#   1 Acme Industrial      ana   Gran cuenta  Industria  Madrid    active since 2025-01-02
#   2 Bodegas Norte        ana   Pyme         Hostelería Bilbao    active
#   3 Cerámicas Sur        ana   Pyme         Industria  Sevilla   active; lost 2026-05-15
#   4 Distribuciones Este  ana   Gran cuenta  Comercio   Madrid    active (stops buying)
#   5 Estudio Fénix        ana   Pyme         Servicios  Madrid    potential 2026-03-01; active 2026-05-08
#   6 Ferretería Gómez     ana   Pyme         Comercio   Sevilla   potential 2026-05-10
#   7 Gráficas Luna        ana   -            Industria  Bilbao    potential 2026-02-01
#   8 Harbor Foods         bob   Pyme         Hostelería Valencia  active
#   9 Iris Consulting      bob   Gran cuenta  Servicios  Madrid    active (buys again in May)
#  10 Jade Logistics       bob   VIP          Logística  Valencia  potential 2026-04-01; active 2026-05-20
#  11 Kilo Market          bob   Pyme         Comercio   Valencia  active
#  12 Lima Lost            bob   Pyme         Hostelería Sevilla   active; lost 2026-04-15
add acme "$CREATED" "Acme Industrial" --owner $A --segment "Gran cuenta" --sector Industria --city Madrid
add bod "$CREATED" "Bodegas Norte" --owner $A --segment Pyme --sector Hostelería --city Bilbao
add cer "$CREATED" "Cerámicas Sur" --owner $A --segment Pyme --sector Industria --city Sevilla
add dis "$CREATED" "Distribuciones Este" --owner $A --segment "Gran cuenta" --sector Comercio --city Madrid
add est "2026-03-01T09:00Z" "Estudio Fénix" --owner $A --status potential --segment Pyme --sector Servicios --city Madrid
add fer "2026-05-10T09:00Z" "Ferretería Gómez" --owner $A --status potential --segment Pyme --sector Comercio --city Sevilla
add gra "2026-02-01T09:00Z" "Gráficas Luna" --owner $A --status potential --sector Industria --city Bilbao
add har "$CREATED" "Harbor Foods" --owner $B --segment Pyme --sector Hostelería --city Valencia
add iri "$CREATED" "Iris Consulting" --owner $B --segment "Gran cuenta" --sector Servicios --city Madrid
add jad "2026-04-01T09:00Z" "Jade Logistics" --owner $B --status potential --segment VIP --sector Logística --city Valencia
add kil "$CREATED" "Kilo Market" --owner $B --segment Pyme --sector Comercio --city Valencia
add lim "$CREATED" "Lima Lost" --owner $B --segment Pyme --sector Hostelería --city Sevilla
[ "$acme $lim" = "1 12" ] || t_fatal "client ids are not 1..12: $acme $lim"
# Status changes, recorded at the instant of the command.
ok c "2026-04-15T09:00Z" client edit "$lim" --status lost
ok c "2026-05-08T09:00Z" client edit "$est" --status active
ok c "2026-05-15T09:00Z" client edit "$cer" --status lost
ok c "2026-05-20T09:00Z" client edit "$jad" --status active

# Invoices (EUR unless said).  "paid" empty = still unpaid.
#        client amount   issued     due        paid
inv "$acme" 1000     2025-05-10 2025-06-09 2025-06-01
inv "$acme" 500      2026-02-15 2026-03-17 2026-03-10
inv "$acme" 800      2026-04-10 2026-05-10 2026-05-05
inv "$acme" 2000     2026-05-05 2026-06-04 2026-05-30
inv "$acme" 1500     2026-05-20 2026-06-19
inv "$bod" 300       2025-05-20 2025-06-19 2025-06-10
inv "$bod" 400       2026-03-10 2026-04-09
inv "$bod" 600       2026-05-12 2026-06-11 2026-06-05	# paid after May: owed on 05-31
inv "$bod" 50        2026-05-31 2026-05-31		# due on the last day: not overdue
inv "$cer" 250       2026-04-20 2026-05-20 2026-05-02
inv "$dis" 100       2025-04-25 2025-05-25 2025-05-20
inv "$dis" 700       2026-02-01 2026-03-02
inv "$est" 900       2026-05-09 2026-05-24
inv "$har" 2000      2025-05-15 2025-06-14 2025-06-01
inv "$har" 80        2026-04-01 2026-05-01
inv "$har" 1000      2026-04-05 2026-05-05 2026-04-30
inv "$har" 3000      2026-05-03 2026-06-02 2026-05-29
inv "$har" 999       2026-05-03 2026-06-02 "" --currency USD	# not report.currency
inv "$har" 1234,56   2026-05-25 2026-06-24
inv "$iri" 400       2026-01-10 2026-02-09
inv "$iri" 100       2026-05-28 2026-06-27 2026-05-28
inv "$jad" 500       2026-05-22 2026-06-21 2026-05-25
inv "$kil" 1000      2019-03-20 2019-04-19 2019-04-01
inv "$kil" 150       2026-03-20 2026-03-25
inv "$lim" 200       2026-03-15 2026-04-14 2026-04-10
inv "$lim" 60        2026-03-31 2026-04-30 2026-04-10

# Touches (UTC instants; Madrid = UTC+2, New York = UTC-4 in May and June).
touch_ "$acme" call "2026-05-04T08:00Z" $A
touch_ "$acme" visit "2026-05-18T09:00Z" $A
touch_ "$acme" call "2026-04-30T21:30Z" $A	# 04-30 23:30 Madrid: April
touch_ "$bod" call "2026-04-30T23:00Z" $A	# 05-01 01:00 Madrid: May
touch_ "$bod" email "2026-05-06T07:00Z" $A
touch_ "$est" meeting "2026-05-07T10:00Z" $A
touch_ "$est" call "2026-06-08T08:00Z" $A waiting	# June; green today
touch_ "$gra" note "2026-05-29T14:00Z" $A
touch_ "$har" call "2026-05-10T08:00Z" $A	# Ana calls one of Bob's clients
touch_ "$har" call "2026-05-02T14:00Z" $B
touch_ "$har" sample "2026-05-31T23:30Z" $B	# 05-31 19:30 New York, 06-01 01:30 Madrid
touch_ "$iri" call "2026-05-27T19:00Z" $B
touch_ "$jad" email "2026-05-19T13:00Z" $B
touch_ "$jad" visit "2026-05-21T18:00Z" $B
touch_ "$kil" survey "2026-05-01T00:00Z" $B	# 05-01 02:00 Madrid, 04-30 20:00 New York
touch_ "$lim" note "2026-05-05T14:00Z" $B

# NPS responses.
ok c "$SETUP_NOW" nps add "$acme" 10 --at 2026-05-03
ok c "$SETUP_NOW" nps add "$bod" 9 --at 2026-05-31
ok c "$SETUP_NOW" nps add "$har" 8 --at 2026-05-01
ok c "$SETUP_NOW" nps add "$iri" 3 --at 2026-05-15
ok c "$SETUP_NOW" nps add "$jad" 10 --at 2026-05-25
ok c "$SETUP_NOW" nps add "$acme" 0 --at 2026-04-30	# April
ok c "$SETUP_NOW" nps add "$bod" 10 --at 2026-06-01	# June

# Costs: acquisition (not tied to a client) and per client.
ok c "$SETUP_NOW" cost add 300 --month 2026-05 --kind marketing
ok c "$SETUP_NOW" cost add 100 --month 2026-05 --kind sales
ok c "$SETUP_NOW" cost add 50 --month 2026-04 --kind marketing
ok c "$SETUP_NOW" cost add 25 --month 2026-05 --kind service	# not acquisition
ok c "$SETUP_NOW" cost add 80 --month 2026-06 --kind marketing
ok c "$SETUP_NOW" cost add 200 --month 2026-05 --kind service --client "$acme"
ok c "$SETUP_NOW" cost add 100 --month 2026-05 --kind sales --client "$har"	# a client's: not CAC
ok c "$SETUP_NOW" cost add 30 --month 2026-05 --kind service --client "$gra"
ok c "$SETUP_NOW" cost add 50 --month 2026-04 --kind service --client "$bod"	# April

# ------------------------------------------------------------------ helpers
# load ARGS...: run "cartera report ARGS --format json" at $RUN_NOW into J:
#   J[a.b.0.c]   a leaf, as written in the JSON: numbers verbatim ("50.00"),
#                null, true, false; strings as they are
#   J[a.b.#]     the keys of object a.b (or the length of list a.b), in order
# J[.#] is the top level.  A non-zero exit is a failure, J is then empty.
declare -A J
RUN_NOW=$NOW
load() {
	local k v
	J=()
	c "$RUN_NOW" report "$@" --format json >"$T/r.json" 2>"$T/r.err" ||
		{ t_fail "report $* exited $?: $(cat "$T/r.err")"; return 1; }
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
# expect WHAT PATH=VALUE...: each value as loaded.
expect() {
	local what=$1 kv
	shift
	for kv; do
		t_assert_eq "${kv#*=}" "${J[${kv%%=*}]-(missing)}" "$what: ${kv%%=*}"
	done
}
# rows WHAT LIST KEYS ROW...: LIST has exactly these items, each ROW being
# "v|v|..." of KEYS.
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
PERIOD_KEYS="report period filters currency"

# ================================================== May 2026, no filter
# Working (amounts in cents):
# Revenue, invoices issued 05-01..05-31 in EUR: Acme 200000 + 150000, Bodegas
#   60000 + 5000, Estudio 90000, Harbor 300000 + 123456 (its USD 999 left
#   out), Iris 10000, Jade 50000 = 988456 in 9 invoices; average 988456 / 9
#   = 109828.444 -> 109828.44.
# Previous period (whole month: April, not the 31 days from 03-31, which
#   would add Lima's 6000): Acme 80000 + Cerámicas 25000 + Harbor 8000 +
#   100000 = 213000; growth (988456 - 213000) / 213000 = 364.0638 % -> 364.06.
# May 2025: Acme 100000 + Bodegas 30000 + Harbor 200000 = 330000 (Distri-
#   buciones' 2025-04-25 is April); growth 658456 / 330000 = 199.5321 % -> 199.53.
# Pareto: Harbor 423456, Acme 350000, Estudio 90000, Bodegas 65000, Jade
#   50000, Iris 10000; 80 % of 988456 = 790764.8: Harbor + Acme = 773456 is
#   short, + Estudio = 863456 reaches it: top 3 of 6 = 50 %, 863456 /
#   988456 = 87.354 % -> 87.35.
# Active on D = not lost on D and bought in D-89..D.
#   Start (04-30, purchases 01-31..04-30): Acme (04-10), Bodegas (03-10),
#   Cerámicas (04-20, lost only on 05-15), Distribuciones (02-01), Harbor
#   (04-05), Kilo (03-20) = 6.  Not: Iris (01-10), Lima (lost 04-15),
#   Estudio and Jade (no purchase yet).
#   End (05-31, purchases 03-03..05-31): Acme, Bodegas, Estudio, Harbor,
#   Iris (05-28), Jade, Kilo (03-20) = 7.  Not: Cerámicas (lost),
#   Distribuciones (02-01: stopped buying, but not lost), Lima.
#   New (first purchase in May): Estudio, Jade = 2.
#   Lost (at start, status lost on 05-31): Cerámicas = 1.
#   Churn 1 / 6 = 16.67 %; retention (7 - 2) / 6 = 83.33 %.
# Conversion: potential at the start: Estudio, Gráficas, Jade; created
#   potential in May: Ferretería; 2 of those 4 became active (Estudio 05-08,
#   Jade 05-20): 50 %.
# CLV (as of today 06-10; active today = bought 03-13..06-10 and not lost):
#   client   days* rev.    lifetime (days)                     purchases
#   Acme     5     580000  2025-05-10..today      396 (active)  5
#   Bodegas  4     135000  2025-05-20..today      386           4
#   Cerámic. 1      25000  04-20..04-20             0 (lost)    1
#   Distrib. 2      80000  2025-04-25..2026-02-01 282 (not active)
#   Estudio  1      90000  05-09..today            32
#   Harbor   5     731456  2025-05-15..today      391 (05-03 twice: 1 day;
#                                                      USD not in revenue)
#   Iris     2      50000  01-10..today           151
#   Jade     1      50000  05-22..today            19
#   Kilo     2     115000  2019-03-20..today     2639 (7 x 365 + 2 + 82)
#   Lima     2      26000  03-15..03-31            16 (lost)
#   (* distinct purchase days)
#   Expected years = 4312 days / 10 / 365.25 = 1.18056 (under the cap of 5).
#   Average purchase x purchases per year = revenue / max(lifetime years, 1),
#   so CLV before CAC = revenue x 431.2 / days for lifetimes over a year and
#   revenue x 431.2 / 365.25 otherwise:
#     Acme 580000 x 431.2 / 396 = 631555.56 -> 631556;  Bodegas 135000 x 431.2
#     / 386 = 150808.29 -> 150808;  Harbor 731456 x 431.2 / 391 = 806659.40 ->
#     806659;  Kilo 115000 x 431.2 / 2639 = 18790.45 -> 18790;  Cerámicas
#     25000 x 1.18056 = 29514.03 -> 29514;  Distribuciones 94444.90 -> 94445;
#     Estudio 106250.51 -> 106251;  Iris and Jade 59028.06 -> 59028;  Lima
#     30694.59 -> 30695.  Sum 1986774.
#   CAC: marketing 30000 + sales 10000 of 2026-05 (the service cost and the
#   costs tied to clients are not acquisition) = 40000 / 2 new = 20000, off
#   each CLV: sum 1986774 - 10 x 20000 = 1786774, average 178677.4 -> 178677.
# NPS in May: Acme 10, Bodegas 9, Jade 10 promoters, Harbor 8 passive, Iris
#   3 detractor (Acme's 0 on 04-30 and Bodegas' 10 on 06-01 are outside):
#   (3 - 1) / 5 x 100 = +40, a score (a whole number, signed in tables).
# Receivables on 05-31 (EUR, issued by then, unpaid at its end):
#   Acme 150000 (due 06-19); Bodegas 40000 (due 04-09: 52 days) + 60000 (paid
#   06-05, after the period) + 5000 (due 05-31: 0 days, not overdue);
#   Distribuciones 70000 (due 03-02: 90 days); Estudio 90000 (due 05-24: 7);
#   Harbor 8000 (due 05-01: 30) + 123456 (due 06-24); Iris 40000 (due 02-09:
#   111); Kilo 15000 (due 03-25: 67).  Owed 601456; overdue 263000: 0-30
#   90000 + 8000 = 98000, 31-60 40000, 61-90 70000 + 15000 = 85000, 90+ 40000.
#   DSO 601456 / 988456 x 31 = 18.863 -> 18.86.
# Activity: touches from 05-01 00:00 to 06-01 00:00 Madrid (04-30 22:00Z to
#   05-31 22:00Z): Ana: Acme call + visit, Bodegas call (01:00 on 05-01) +
#   email, Estudio meeting, Gráficas note, Harbor call = 7 (call 3, visit,
#   email, meeting, note); Bob: Harbor call, Iris call, Jade email + visit,
#   Kilo survey (02:00 on 05-01 in Madrid), Lima note = 6; 13 in all (Acme's
#   call at 23:30 on 04-30, Harbor's sample at 01:30 on 06-01 and Estudio's
#   June call are outside).
#   Red / yellow / green today (06-10): red Bodegas (invoice 62 days overdue),
#   Distribuciones (100), Harbor (40), Iris (121), Kilo (77), Ferretería
#   (potential, never touched, created 05-10: due 05-24) = 6; yellow Gráficas
#   (note 05-29 + 14 = 06-12, within 3 days); green Estudio (waiting since
#   06-08); nothing for Acme (due 06-17), Jade (06-20); Cerámicas and Lima
#   are lost.  Of 12 clients: 50 %, 8.33 %, 8.33 %.
#   Revenue per client 988456 / 12 = 82371.33, per touch / 13 = 76035.08.
# Profitability (costs tied to clients in 2026-05): Acme 350000 - 20000 =
#   330000 (94.29 %); Gráficas 0 - 3000 = -3000 (margin n/a); Harbor 423456 -
#   10000 = 413456 (97.64 %).  Bodegas' cost is April's.

load summary --month 2026-05
expect "summary" ".#=$PERIOD_KEYS revenue pareto churn conversion lifecycle clv nps receivables activity" \
	report=summary period.from=2026-05-01 period.to=2026-05-31 period.days=31 \
	filters.owner=null filters.segment=null filters.sector=null filters.city=null currency=EUR
expect "summary revenue" \
	"revenue.#=revenue_cents invoices average_order_cents previous_period_cents growth_vs_previous_pct last_year_cents growth_vs_last_year_pct" \
	revenue.revenue_cents=988456 revenue.invoices=9 revenue.average_order_cents=109828.44 \
	revenue.previous_period_cents=213000 revenue.growth_vs_previous_pct=364.06 \
	revenue.last_year_cents=330000 revenue.growth_vs_last_year_pct=199.53
expect "summary pareto" \
	"pareto.#=revenue_cents buying_clients top_clients top_share_of_clients_pct top_share_of_revenue_pct" \
	pareto.revenue_cents=988456 pareto.buying_clients=6 pareto.top_clients=3 \
	pareto.top_share_of_clients_pct=50.00 pareto.top_share_of_revenue_pct=87.35
expect "summary churn" \
	"churn.#=clients_at_start clients_at_end new_clients lost_clients churn_pct retention_pct" \
	churn.clients_at_start=6 churn.clients_at_end=7 churn.new_clients=2 churn.lost_clients=1 \
	churn.churn_pct=16.67 churn.retention_pct=83.33
expect "summary conversion" "conversion.#=potential_clients converted conversion_pct" \
	conversion.potential_clients=4 conversion.converted=2 conversion.conversion_pct=50.00
expect "summary clv" \
	"clv.#=expected_years acquisition_cost_cents new_clients cac_cents average_clv_cents clients" \
	clv.expected_years=1.18 clv.acquisition_cost_cents=40000 clv.new_clients=2 clv.cac_cents=20000 \
	clv.average_clv_cents=178677 clv.clients=10
expect "summary nps" "nps.#=responses promoters passives detractors nps" \
	nps.responses=5 nps.promoters=3 nps.passives=1 nps.detractors=1 nps.nps=40
expect "summary receivables" "receivables.#=owed_cents overdue_cents overdue_by_age_cents dso_days" \
	receivables.owed_cents=601456 receivables.overdue_cents=263000 \
	"receivables.overdue_by_age_cents.#=0-30 31-60 61-90 90+" \
	receivables.overdue_by_age_cents.0-30=98000 receivables.overdue_by_age_cents.31-60=40000 \
	receivables.overdue_by_age_cents.61-90=85000 receivables.overdue_by_age_cents.90+=40000 \
	receivables.dso_days=18.86
expect "summary activity" \
	"activity.#=touches portfolio_clients revenue_per_client_cents revenue_per_touch_cents" \
	activity.touches=13 activity.portfolio_clients=12 \
	activity.revenue_per_client_cents=82371.33 activity.revenue_per_touch_cents=76035.08

# The default period is the last full month before --now's day.
load summary
expect "default period" period.from=2026-05-01 period.to=2026-05-31 revenue.revenue_cents=988456
# 2026-05-31 22:30Z is already June in Madrid (the configuration's zone) but
# still May in New York (Bob's): last full month May / April.
RUN_NOW="2026-05-31T22:30Z"
load nps
expect "default period, Madrid day 06-01" period.from=2026-05-01 period.to=2026-05-31 nps=40
# Bob's clients answered nothing in April: no responses, NPS n/a.
load nps --owner $B
expect "default period, New York day 05-31" period.from=2026-04-01 period.to=2026-04-30 \
	responses=0 promoters=0 passives=0 detractors=0 nps=null
RUN_NOW=$NOW

# ------------------------------------------------------------ each kind
load pareto --month 2026-05
expect "pareto" ".#=$PERIOD_KEYS revenue_cents buying_clients top_clients top_share_of_clients_pct top_share_of_revenue_pct clients" \
	report=pareto revenue_cents=988456 buying_clients=6 top_clients=3 \
	top_share_of_clients_pct=50.00 top_share_of_revenue_pct=87.35 \
	"clients.0.#=rank id name revenue_cents share_pct cumulative_pct in_top"
# share = revenue / 988456, cumulative running: 42.84, 35.41 -> 78.25,
# 9.11 -> 87.35, 6.58 -> 93.93, 5.06 -> 98.99, 1.01 -> 100.
rows "pareto" clients "rank id name revenue_cents share_pct cumulative_pct in_top" \
	"1|8|Harbor Foods|423456|42.84|42.84|true" \
	"2|1|Acme Industrial|350000|35.41|78.25|true" \
	"3|5|Estudio Fénix|90000|9.11|87.35|true" \
	"4|2|Bodegas Norte|65000|6.58|93.93|false" \
	"5|10|Jade Logistics|50000|5.06|98.99|false" \
	"6|9|Iris Consulting|10000|1.01|100.00|false"

load churn --month 2026-05
expect "churn" ".#=$PERIOD_KEYS clients_at_start clients_at_end new_clients lost_clients churn_pct retention_pct lost new conversion" \
	report=churn clients_at_start=6 clients_at_end=7 new_clients=2 lost_clients=1 \
	churn_pct=16.67 retention_pct=83.33 "conversion.#=potential_clients converted conversion_pct" \
	conversion.potential_clients=4 conversion.converted=2 conversion.conversion_pct=50.00
rows "churn" lost "id name" "3|Cerámicas Sur"
rows "churn" new "id name" "5|Estudio Fénix" "10|Jade Logistics"

# Lifecycle stages (new_days 90; the active window is 90 days; at risk
# beyond 1.5 x the median gap and 30 days) on 04-30 and on 05-31:
#   Acme      04-10 last, gaps 281 54: recurring -> 05-20, median (25 +
#             54) / 2 = 39.5, 11 days: recurring
#   Bodegas   03-10 after 294 days without (dormant gap): recovered ->
#             05-31 after 19 days: recurring
#   Cerámicas first purchase 04-20: new -> lost on 05-15: lost
#   Distrib.  02-01 after 282 days without, 88 days ago: recovered -> 119
#             days ago: dormant
#   Estudio   potential, no touch yet: lead -> bought 05-09: new
#   Ferretería added 05-10: not there -> no touch: lead
#   Gráficas  no touch yet: lead -> note 05-29: prospect
#   Harbor    04-05 last, 25 days: recurring -> 05-25: recurring
#   Iris      01-10, 110 days ago: dormant -> 05-28 after 138 days: recovered
#   Jade      potential, no touch yet: lead -> bought 05-22: new
#   Kilo      03-20 after seven years: recovered -> still (72 < 90 days)
#   Lima      lost on 04-15 -> lost
load lifecycle --month 2026-05
rows "lifecycle" stages "stage at_start at_end" "lead|3|1" "prospect|0|1" "new|1|2" \
	"recurring|2|3" "at_risk|0|0" "recovered|3|2" "dormant|1|1" "lost|1|2"
rows "lifecycle" flows "from_stage to_stage clients" "lead|new|2" "recurring|recurring|2" \
	"none|lead|1" "lead|prospect|1" "new|lost|1" "recovered|recurring|1" \
	"recovered|recovered|1" "recovered|dormant|1" "dormant|recovered|1" "lost|lost|1"
load summary --month 2026-05
expect "summary lifecycle" lifecycle.lead=1 lifecycle.prospect=1 lifecycle.new=2 \
	lifecycle.recurring=3 lifecycle.at_risk=0 lifecycle.recovered=2 lifecycle.dormant=1 \
	lifecycle.lost=2

load clv --month 2026-05
expect "clv" ".#=$PERIOD_KEYS expected_years acquisition_cost_cents new_clients cac_cents average_clv_cents clients clients_by_clv" \
	report=clv expected_years=1.18 acquisition_cost_cents=40000 new_clients=2 cac_cents=20000 \
	average_clv_cents=178677 clients=10
# Average purchase = revenue / purchase days; per year = purchase days /
# max(lifetime years, 1): Harbor 5 x 365.25 / 391 = 4.6707, Acme 5 x 365.25 /
# 396 = 4.6117, Bodegas 4 x 365.25 / 386 = 3.7850, Kilo 2 x 365.25 / 2639 =
# 0.2768; the others bought within a year: their purchase days.  CLV as
# worked out above minus 20000; Iris and Jade tie: lower id first.
rows "clv" clients_by_clv "id name purchases revenue_cents average_purchase_cents purchases_per_year clv_cents" \
	"8|Harbor Foods|5|731456|146291.20|4.67|786659" \
	"1|Acme Industrial|5|580000|116000.00|4.61|611556" \
	"2|Bodegas Norte|4|135000|33750.00|3.78|130808" \
	"5|Estudio Fénix|1|90000|90000.00|1.00|86251" \
	"4|Distribuciones Este|2|80000|40000.00|2.00|74445" \
	"9|Iris Consulting|2|50000|25000.00|2.00|39028" \
	"10|Jade Logistics|1|50000|50000.00|1.00|39028" \
	"12|Lima Lost|2|26000|13000.00|2.00|10695" \
	"3|Cerámicas Sur|1|25000|25000.00|1.00|9514" \
	"11|Kilo Market|2|115000|57500.00|0.28|-1210"

load nps --month 2026-05
expect "nps" ".#=$PERIOD_KEYS responses promoters passives detractors nps" \
	report=nps responses=5 promoters=3 passives=1 detractors=1 nps=40

load receivables --month 2026-05
expect "receivables" ".#=$PERIOD_KEYS owed_cents overdue_cents overdue_by_age_cents dso_days top_debtors" \
	report=receivables owed_cents=601456 overdue_cents=263000 overdue_by_age_cents.0-30=98000 \
	overdue_by_age_cents.31-60=40000 overdue_by_age_cents.61-90=85000 \
	overdue_by_age_cents.90+=40000 dso_days=18.86
rows "receivables" top_debtors "id name owed_cents overdue_cents oldest_overdue_days" \
	"1|Acme Industrial|150000|0|0" \
	"8|Harbor Foods|131456|8000|30" \
	"2|Bodegas Norte|105000|40000|52" \
	"5|Estudio Fénix|90000|90000|7" \
	"4|Distribuciones Este|70000|70000|90" \
	"9|Iris Consulting|40000|40000|111" \
	"11|Kilo Market|15000|15000|67"
load receivables --month 2026-05 --limit 2
expect "receivables --limit 2" top_debtors.#=2 top_debtors.1.id=8 owed_cents=601456

load activity --month 2026-05
expect "activity" ".#=$PERIOD_KEYS touches portfolio_clients revenue_per_client_cents revenue_per_touch_cents touches_by_owner profitability" \
	report=activity touches=13 portfolio_clients=12 revenue_per_client_cents=82371.33 \
	revenue_per_touch_cents=76035.08
rows "activity" touches_by_owner "owner call visit email meeting note sample survey total" \
	"ana@example.com|3|1|1|1|1|0|0|7" \
	"bob@example.com|2|1|1|0|1|0|1|6"
rows "activity" profitability "id name revenue_cents cost_cents profit_cents margin_pct" \
	"1|Acme Industrial|350000|20000|330000|94.29" \
	"7|Gráficas Luna|0|3000|-3000|null" \
	"8|Harbor Foods|423456|10000|413456|97.64"
# Red, yellow and green are about today: a past month leaves them out
# (above); the month holding today (06-10) shows them, as worked out above.
load activity --month 2026-06
expect "activity this month" due_not_contacted=6 portfolio_clients=12 red_pct=50.00 \
	yellow_pct=8.33 green_pct=8.33
load activity --month 2026-06 --owner $A
expect "activity this month, Ana" due_not_contacted=3 portfolio_clients=7 red_pct=42.86 \
	yellow_pct=14.29 green_pct=14.29

# ---------------------------------------------------------------- filters
# Ana (Madrid, es): clients 1-7.
# Revenue: Acme 350000 (2), Bodegas 65000 (2), Estudio 90000 (1) = 505000 in
#   5, average 101000; April: Acme 80000 + Cerámicas 25000 = 105000, growth
#   400000 / 105000 = 380.95 %; May 2025: Acme 100000 + Bodegas 30000 =
#   130000, growth 375000 / 130000 = 288.46 %.
# Pareto: 80 % of 505000 = 404000: Acme 350000, + Estudio = 440000: top 2 of
#   3 = 66.67 %, 440000 / 505000 = 87.13 %.
# Churn: start Acme, Bodegas, Cerámicas, Distribuciones = 4; end Acme,
#   Bodegas, Estudio = 3; new Estudio; lost Cerámicas: 25 %, (3 - 1) / 4 = 50 %.
# Conversion: Estudio, Gráficas (potential at the start), Ferretería
#   (created in May); Estudio converted: 1 / 3 = 33.33 %.
# CLV: Acme 396, Bodegas 386, Cerámicas 0, Distribuciones 282, Estudio 32
#   days: mean 1096 / 5 / 365.25 = 0.60 years, so 1; CLV = average x
#   purchases per year - CAC: Acme 580000 x 365.25 / 396 = 534962.12 ->
#   534962, Bodegas 135000 x 365.25 / 386 = 127742.88 -> 127743, Cerámicas
#   25000, Distribuciones 80000, Estudio 90000; minus 20000 each: 757705 / 5
#   = 151541.  CAC is company-wide: 40000 / 2 new clients (Jade is Bob's).
# NPS: Acme 10, Bodegas 9: 100.
# Receivables: Acme 150000, Bodegas 105000 (40000 overdue 52 days),
#   Distribuciones 70000 (90), Estudio 90000 (7): owed 415000, overdue
#   200000; DSO 415000 / 505000 x 31 = 25.475 -> 25.48.
# Activity: touches on Ana's clients in May (Madrid) 6: call 2, visit,
#   email, meeting, note (the Harbor call is on Bob's client); red Bodegas,
#   Distribuciones, Ferretería = 3 / 7 = 42.86 %; yellow Gráficas 14.29 %;
#   green Estudio 14.29 %; 505000 / 7 = 72142.86; 505000 / 6 = 84166.67.
load summary --month 2026-05 --owner $A
expect "owner ana" filters.owner=$A revenue.revenue_cents=505000 revenue.invoices=5 \
	revenue.average_order_cents=101000.00 revenue.previous_period_cents=105000 \
	revenue.growth_vs_previous_pct=380.95 revenue.last_year_cents=130000 \
	revenue.growth_vs_last_year_pct=288.46 \
	pareto.revenue_cents=505000 pareto.buying_clients=3 pareto.top_clients=2 \
	pareto.top_share_of_clients_pct=66.67 pareto.top_share_of_revenue_pct=87.13 \
	churn.clients_at_start=4 churn.clients_at_end=3 churn.new_clients=1 churn.lost_clients=1 \
	churn.churn_pct=25.00 churn.retention_pct=50.00 \
	conversion.potential_clients=3 conversion.converted=1 conversion.conversion_pct=33.33 \
	clv.expected_years=1.00 clv.acquisition_cost_cents=40000 clv.new_clients=2 \
	clv.cac_cents=20000 clv.average_clv_cents=151541 clv.clients=5 \
	nps.responses=2 nps.promoters=2 nps.passives=0 nps.detractors=0 nps.nps=100 \
	receivables.owed_cents=415000 receivables.overdue_cents=200000 \
	receivables.overdue_by_age_cents.0-30=90000 receivables.overdue_by_age_cents.31-60=40000 \
	receivables.overdue_by_age_cents.61-90=70000 receivables.overdue_by_age_cents.90+=0 \
	receivables.dso_days=25.48 \
	activity.touches=6 activity.portfolio_clients=7 \
	activity.revenue_per_client_cents=72142.86 activity.revenue_per_touch_cents=84166.67
load activity --month 2026-05 --owner $A
rows "owner ana activity" touches_by_owner "owner call visit email meeting note sample survey total" \
	"ana@example.com|2|1|1|1|1|0|0|6"
rows "owner ana activity" profitability "id cost_cents profit_cents margin_pct" \
	"1|20000|330000|94.29" "7|3000|-3000|null"

# Bob (New York, en): clients 8-12; May runs 05-01 04:00Z to 06-01 04:00Z.
# Revenue: Harbor 423456 (2), Iris 10000, Jade 50000 = 483456 in 4, average
#   120864; April: Harbor 8000 + 100000 = 108000, growth 375456 / 108000 =
#   347.64 %; May 2025: Harbor 200000, growth 283456 / 200000 = 141.73 %.
# Pareto: 80 % of 483456 = 386764.8: Harbor alone: 1 of 3 = 33.33 %,
#   423456 / 483456 = 87.59 %.
# Churn: start Harbor, Kilo = 2 (Iris 01-10 too old, Lima lost); end
#   Harbor, Iris, Jade, Kilo = 4; new Jade; none lost: 0 %; (4 - 1) / 2 =
#   150 % (Iris came back).
# Conversion: Jade, 1 / 1.
# CLV: Harbor 391, Iris 151, Jade 19, Kilo 2639, Lima 16 days: mean 3216 /
#   5 = 643.2 days = 1.761 years -> 1.76; Harbor 731456 x 643.2 / 391 =
#   1203254.47 -> 1203254, Kilo 115000 x 643.2 / 2639 = 28028.80 -> 28029,
#   Iris and Jade 50000 x 643.2 / 365.25 = 88049.28 -> 88049, Lima 26000 x
#   643.2 / 365.25 = 45785.63 -> 45786; minus 20000 each: 1353167 / 5 =
#   270633.4 -> 270633.
# NPS: Harbor 8, Iris 3, Jade 10: (1 - 1) / 3 = 0.
# Receivables: Harbor 131456 (8000 overdue 30 days), Iris 40000 (111), Kilo
#   15000 (67): owed 186456, overdue 63000; DSO 186456 / 483456 x 31 = 11.96.
# Activity: on Bob's clients in New York's May: Harbor call by Ana, Harbor
#   call, Harbor sample (19:30 on 05-31), Iris call, Jade email + visit, Lima
#   note = 7 (Kilo's survey, 20:00 on 04-30, is April here); red Harbor,
#   Iris, Kilo = 3 / 5 = 60 %, no yellow, no green; 483456 / 5 = 96691.20,
#   / 7 = 69065.14.
load summary --month 2026-05 --owner $B
expect "owner bob" filters.owner=$B revenue.revenue_cents=483456 revenue.invoices=4 \
	revenue.average_order_cents=120864.00 revenue.previous_period_cents=108000 \
	revenue.growth_vs_previous_pct=347.64 revenue.last_year_cents=200000 \
	revenue.growth_vs_last_year_pct=141.73 \
	pareto.revenue_cents=483456 pareto.buying_clients=3 pareto.top_clients=1 \
	pareto.top_share_of_clients_pct=33.33 pareto.top_share_of_revenue_pct=87.59 \
	churn.clients_at_start=2 churn.clients_at_end=4 churn.new_clients=1 churn.lost_clients=0 \
	churn.churn_pct=0.00 churn.retention_pct=150.00 \
	conversion.potential_clients=1 conversion.converted=1 conversion.conversion_pct=100.00 \
	clv.expected_years=1.76 clv.acquisition_cost_cents=40000 clv.new_clients=2 \
	clv.cac_cents=20000 clv.average_clv_cents=270633 clv.clients=5 \
	nps.responses=3 nps.promoters=1 nps.passives=1 nps.detractors=1 nps.nps=0 \
	receivables.owed_cents=186456 receivables.overdue_cents=63000 \
	receivables.overdue_by_age_cents.0-30=8000 receivables.overdue_by_age_cents.31-60=0 \
	receivables.overdue_by_age_cents.61-90=15000 receivables.overdue_by_age_cents.90+=40000 \
	receivables.dso_days=11.96 \
	activity.touches=7 activity.portfolio_clients=5 \
	activity.revenue_per_client_cents=96691.20 activity.revenue_per_touch_cents=69065.14
load activity --month 2026-05 --owner $B
rows "owner bob activity" touches_by_owner "owner call visit email meeting note sample survey total" \
	"ana@example.com|1|0|0|0|0|0|0|1" \
	"bob@example.com|2|1|1|0|1|1|0|6"
rows "owner bob activity" profitability "id name revenue_cents cost_cents profit_cents margin_pct" \
	"8|Harbor Foods|423456|10000|413456|97.64"
load clv --month 2026-05 --owner $B
rows "owner bob clv" clients_by_clv "id clv_cents" "8|1183254" "9|68049" "10|68049" "12|25786" "11|8029"

# Segment Pyme: Bodegas, Cerámicas, Estudio, Ferretería, Harbor, Kilo, Lima.
# Start Bodegas, Cerámicas, Harbor, Kilo = 4; end Bodegas, Estudio, Harbor,
# Kilo = 4; new Estudio; lost Cerámicas: 25 %, (4 - 1) / 4 = 75 %.
# Potential: Estudio, Ferretería; Estudio converted: 50 %.
load churn --month 2026-05 --segment Pyme
expect "segment Pyme" filters.segment=Pyme clients_at_start=4 clients_at_end=4 new_clients=1 \
	lost_clients=1 churn_pct=25.00 retention_pct=75.00 conversion.potential_clients=2 \
	conversion.converted=1 conversion.conversion_pct=50.00

# Segment VIP: Jade alone, a client since May.  Nobody at the start: churn
# and retention n/a; nothing bought before: growth n/a.  Revenue 50000 in 1;
# Pareto 1 of 1; CLV (19 days: 1 year) 50000 - 20000; NPS 10: 100; nothing
# owed (DSO 0 / 50000 x 31 = 0); touches Jade email + visit = 2, no alert:
# 0 % each; 50000 per client, 25000 per touch.
load summary --month 2026-05 --segment VIP
expect "segment VIP" filters.segment=VIP revenue.revenue_cents=50000 revenue.invoices=1 \
	revenue.average_order_cents=50000.00 revenue.previous_period_cents=0 \
	revenue.growth_vs_previous_pct=null revenue.last_year_cents=0 \
	revenue.growth_vs_last_year_pct=null \
	pareto.buying_clients=1 pareto.top_clients=1 pareto.top_share_of_clients_pct=100.00 \
	pareto.top_share_of_revenue_pct=100.00 \
	churn.clients_at_start=0 churn.clients_at_end=1 churn.new_clients=1 churn.lost_clients=0 \
	churn.churn_pct=null churn.retention_pct=null \
	conversion.potential_clients=1 conversion.converted=1 conversion.conversion_pct=100.00 \
	clv.expected_years=1.00 clv.cac_cents=20000 clv.average_clv_cents=30000 clv.clients=1 \
	nps.responses=1 nps.nps=100 \
	receivables.owed_cents=0 receivables.overdue_cents=0 receivables.dso_days=0.00 \
	activity.touches=2 activity.portfolio_clients=1 \
	activity.revenue_per_client_cents=50000.00 activity.revenue_per_touch_cents=25000.00

# Sector (any case): Bodegas, Harbor, Lima: revenue 65000 + 423456 = 488456
# in 4; NPS Bodegas 9, Harbor 8: (1 - 0) / 2 = 50.
load summary --month 2026-05 --sector hostelería
expect "sector" filters.sector=hostelería revenue.revenue_cents=488456 revenue.invoices=4 \
	nps.responses=2 nps.promoters=1 nps.passives=1 nps.nps=50
# City (any case): Acme, Distribuciones, Estudio, Iris: revenue 350000 +
# 90000 + 10000 = 450000 in 4; owed 150000 + 70000 + 90000 + 40000 =
# 350000, overdue 200000 (0-30 90000, 61-90 70000, 90+ 40000); DSO 350000 /
# 450000 x 31 = 24.11.
load summary --month 2026-05 --city MADRID
expect "city" filters.city=MADRID revenue.revenue_cents=450000 revenue.invoices=4 \
	receivables.owed_cents=350000 receivables.overdue_cents=200000 \
	receivables.overdue_by_age_cents.0-30=90000 receivables.overdue_by_age_cents.31-60=0 \
	receivables.overdue_by_age_cents.61-90=70000 receivables.overdue_by_age_cents.90+=40000 \
	receivables.dso_days=24.11
# Filters combine: Bob's clients in Valencia (Harbor, Jade, Kilo).
load pareto --month 2026-05 --owner $B --city valencia
expect "owner and city" revenue_cents=473456 buying_clients=2 top_clients=1 clients.#=2

# ------------------------------------------------------------ edge periods
# March 2025: nothing bought in it, in February, or in March 2024; nobody
# active (the first purchase of 2025 is 04-25), nobody potential, no costs,
# no NPS, nothing owed.  CLV is as of today: without CAC, 1986774 / 10.
load summary --month 2025-03
expect "empty period" revenue.revenue_cents=0 revenue.invoices=0 revenue.average_order_cents=null \
	revenue.previous_period_cents=0 revenue.growth_vs_previous_pct=null \
	revenue.last_year_cents=0 revenue.growth_vs_last_year_pct=null \
	pareto.revenue_cents=0 pareto.buying_clients=0 pareto.top_clients=0 \
	pareto.top_share_of_clients_pct=null pareto.top_share_of_revenue_pct=null \
	churn.clients_at_start=0 churn.clients_at_end=0 churn.new_clients=0 churn.lost_clients=0 \
	churn.churn_pct=null churn.retention_pct=null \
	conversion.potential_clients=0 conversion.converted=0 conversion.conversion_pct=null \
	clv.expected_years=1.18 clv.acquisition_cost_cents=0 clv.new_clients=0 clv.cac_cents=null \
	clv.average_clv_cents=198677 clv.clients=10 \
	nps.responses=0 nps.nps=null \
	receivables.owed_cents=0 receivables.overdue_cents=0 receivables.dso_days=null \
	activity.touches=0 activity.revenue_per_client_cents=0.00 activity.revenue_per_touch_cents=null
load pareto --month 2025-03
expect "empty pareto" clients.#=0
# June 2025: nothing bought, but May 2025 had 330000: -100 %; June 2024: n/a.
load summary --month 2025-06
expect "no purchases after some" revenue.revenue_cents=0 revenue.average_order_cents=null \
	revenue.previous_period_cents=330000 revenue.growth_vs_previous_pct=-100.00 \
	revenue.growth_vs_last_year_pct=null
# Costs and CAC.  March 2026: no costs; one new client (Lima, 03-15): CAC
# n/a, nothing off CLV.  June 2026: 8000 of marketing, no new client: n/a.
# April 2026: 5000 of marketing (Bodegas' service cost is its own) / 1 new
# (Cerámicas) = 5000: (1986774 - 10 x 5000) / 10 = 193677.4.
load clv --month 2026-03
expect "no costs" acquisition_cost_cents=0 new_clients=1 cac_cents=null average_clv_cents=198677
load clv --month 2026-06
expect "no new clients" acquisition_cost_cents=8000 new_clients=0 cac_cents=null average_clv_cents=198677
load clv --month 2026-04
expect "April CAC" acquisition_cost_cents=5000 new_clients=1 cac_cents=5000 average_clv_cents=193677
# The lifetime cap (1 year in cap.conf): expected 1; CLV = revenue x 365.25
# / days over a year (Acme 534962, Bodegas 127743, Harbor 731456 x 365.25
# / 391 = 683284.66 -> 683285, Kilo 15916.54 -> 15917), else the revenue
# (25000, 80000, 90000, 50000, 50000, 26000): 1682907 - 10 x 20000 =
# 1482907 / 10 = 148290.7 -> 148291.
load_cap() { "$CARTERA" -c "$T/cap.conf" --now "$NOW" report clv --month 2026-05 --format json; }
cap=$(load_cap | "$T_PYTHON" -c 'import json,sys; d=json.load(sys.stdin, parse_float=str); print(d["expected_years"], d["average_clv_cents"], d["clients_by_clv"][0]["clv_cents"])')
t_assert_eq "1.00 148291 663285" "$cap" "lifetime cap"

# --from/--to: 2026-04-15..05-14 is 30 days, not whole months: compared
# with the 30 days before (03-16..04-14: Kilo 15000, Lima 6000 (its 03-15
# is out), Harbor 8000 + 100000, Acme 80000 = 209000) and 2025-04-15..05-14
# (Distribuciones 10000, Acme 100000 = 110000).  Revenue: Cerámicas 25000,
# Harbor 300000, Acme 200000, Estudio 90000, Bodegas 60000 = 675000 in 5,
# average 135000; growth 466000 / 209000 = 222.97 %, 565000 / 110000 =
# 513.64 %.
# Churn: start 04-14 (bought 01-15..04-14): Acme, Bodegas, Distribuciones,
# Harbor, Kilo, and Lima (lost at 11:00 on 04-15) = 6; end 05-14 (bought
# 02-14..05-14): Acme, Bodegas, Cerámicas (lost only on 05-15), Estudio,
# Harbor, Kilo = 6; new Cerámicas, Estudio; lost Lima: 16.67 %, (6 - 2) / 6
# = 66.67 %.
# CAC: the months touched, April and May: 5000 + 40000 = 45000 / 2 = 22500.
# Receivables on 05-14: Acme 200000 (paid 05-30), Bodegas 40000 (35 days)
# + 60000 (paid 06-05), Distribuciones 70000 (73), Estudio 90000 (due
# 05-24), Harbor 8000 (13) + 300000 (paid 05-29), Iris 40000 (94), Kilo
# 15000 (50): owed 823000, overdue 173000 (0-30 8000, 31-60 55000, 61-90
# 70000, 90+ 40000); DSO 823000 / 675000 x 30 = 36.58.
load summary --from 2026-04-15 --to 2026-05-14
expect "from/to" period.from=2026-04-15 period.to=2026-05-14 period.days=30 \
	revenue.revenue_cents=675000 revenue.invoices=5 revenue.average_order_cents=135000.00 \
	revenue.previous_period_cents=209000 revenue.growth_vs_previous_pct=222.97 \
	revenue.last_year_cents=110000 revenue.growth_vs_last_year_pct=513.64 \
	churn.clients_at_start=6 churn.clients_at_end=6 churn.new_clients=2 churn.lost_clients=1 \
	churn.churn_pct=16.67 churn.retention_pct=66.67 \
	clv.acquisition_cost_cents=45000 clv.new_clients=2 clv.cac_cents=22500 \
	receivables.owed_cents=823000 receivables.overdue_cents=173000 \
	receivables.overdue_by_age_cents.0-30=8000 receivables.overdue_by_age_cents.31-60=55000 \
	receivables.overdue_by_age_cents.61-90=70000 receivables.overdue_by_age_cents.90+=40000 \
	receivables.dso_days=36.58
# April and May as whole months: 213000 + 988456 = 1201456 in 13, average
# 92419.69; before them February and March (Distribuciones 70000, Acme
# 50000, Bodegas 40000, Lima 20000 + 6000, Kilo 15000 = 201000): 497.74 %;
# April-May 2025 (10000 + 330000 = 340000): 253.37 %.
load summary --from 2026-04-01 --to 2026-05-31
expect "two whole months" period.days=61 revenue.revenue_cents=1201456 revenue.invoices=13 \
	revenue.average_order_cents=92419.69 revenue.previous_period_cents=201000 \
	revenue.growth_vs_previous_pct=497.74 revenue.last_year_cents=340000 \
	revenue.growth_vs_last_year_pct=253.37

# ------------------------------------------------------------------- CSV
# csv ARGS...: "cartera report ARGS --format csv" parsed by Python's csv
# module: CSV_ROWS[i] = "cell|cell|..." (row 0 the header); M[metric] =
# value for "metric,value" reports.  Also checks the CRLF line ends.
declare -a CSV_ROWS
declare -A M
csv() {
	local line
	CSV_ROWS=()
	M=()
	c "$NOW" report "$@" --format csv >"$T/r.csv" 2>"$T/r.err" ||
		{ t_fail "report $* --format csv exited $?: $(cat "$T/r.err")"; return 1; }
	while IFS= read -r line; do
		CSV_ROWS+=("$line")
	done < <("$T_PYTHON" -c '
import csv, sys
data = open(sys.argv[1], "rb").read()
if data and data.count(b"\r\n") != data.count(b"\n"):
	print("(not CRLF)")
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
for r in rows:
	print("|".join(r))' "$T/r.csv")
	if [ "${CSV_ROWS[0]:-}" = "metric|value" ]; then
		for line in "${CSV_ROWS[@]:1}"; do
			M[${line%%|*}]=${line#*|}
		done
	fi
}
csv summary --month 2026-05 --segment VIP
t_assert_eq "metric|value" "${CSV_ROWS[0]}" "summary CSV header"
t_assert_eq 61 "${#CSV_ROWS[@]}" "summary CSV: header + 60 metrics, no list"
for kv in report=summary period.from=2026-05-01 filters.owner= filters.segment=VIP \
	revenue.revenue_cents=50000 revenue.average_order_cents=50000.00 \
	revenue.growth_vs_previous_pct= churn.clients_at_start=0 churn.churn_pct= \
	churn.retention_pct= conversion.conversion_pct=100.00 clv.cac_cents=20000 \
	receivables.overdue_by_age_cents.90+=0 receivables.dso_days=0.00 \
	activity.revenue_per_touch_cents=25000.00; do
	t_assert_eq "${kv#*=}" "${M[${kv%%=*}]-(missing)}" "summary CSV: ${kv%%=*} (n/a is empty)"
done
csv summary --month 2026-05
for kv in revenue.revenue_cents=988456 revenue.average_order_cents=109828.44 \
	revenue.growth_vs_previous_pct=364.06 pareto.top_share_of_revenue_pct=87.35 \
	churn.churn_pct=16.67 clv.average_clv_cents=178677 nps.nps=40 \
	receivables.owed_cents=601456 lifecycle.recurring=3; do
	t_assert_eq "${kv#*=}" "${M[${kv%%=*}]-(missing)}" "May CSV: ${kv%%=*}"
done
csv churn --month 2026-05
t_assert_eq "16.67|83.33|50.00" "${M[churn_pct]-}|${M[retention_pct]-}|${M[conversion.conversion_pct]-}" \
	"churn CSV holds the rates"
csv nps --owner $B --month 2026-04
t_assert_eq "0|" "${M[responses]-}|${M[nps]-(missing)}" "nps CSV: no responses, empty NPS"
csv pareto --month 2026-05
t_assert_eq "rank|id|name|revenue_cents|share_pct|cumulative_pct|in_top" "${CSV_ROWS[0]}" "pareto CSV header"
t_assert_eq 7 "${#CSV_ROWS[@]}" "pareto CSV rows"
t_assert_eq "1|8|Harbor Foods|423456|42.84|42.84|true" "${CSV_ROWS[1]}" "pareto CSV first row"
t_assert_eq "3|5|Estudio Fénix|90000|9.11|87.35|true" "${CSV_ROWS[3]}" "pareto CSV UTF-8 name"
csv clv --month 2026-05
t_assert_eq "id|name|purchases|revenue_cents|average_purchase_cents|purchases_per_year|clv_cents" \
	"${CSV_ROWS[0]}" "clv CSV header"
t_assert_eq "11|Kilo Market|2|115000|57500.00|0.28|-1210" "${CSV_ROWS[10]}" "clv CSV last row"
csv receivables --month 2026-05
t_assert_eq "id|name|owed_cents|overdue_cents|oldest_overdue_days" "${CSV_ROWS[0]}" "receivables CSV header"
t_assert_eq "8|Harbor Foods|131456|8000|30" "${CSV_ROWS[2]}" "receivables CSV row"
csv receivables --month 2025-03
t_assert_eq "1 id|name|owed_cents|overdue_cents|oldest_overdue_days" "${#CSV_ROWS[@]} ${CSV_ROWS[0]}" \
	"receivables CSV with no debtor: the header alone"
csv activity --month 2026-05
t_assert_eq "owner|call|visit|email|meeting|note|sample|survey|total" "${CSV_ROWS[0]}" "activity CSV header"
t_assert_eq "bob@example.com|2|1|1|0|1|0|1|6" "${CSV_ROWS[2]}" "activity CSV row"

# ----------------------------------------------------------------- table
# aligned FILE: the values of "label   value" lines all start in column 41,
# and the rows of each list table are equally wide (numbers right-aligned).
aligned() {
	"$T_PYTHON" -c '
import re, sys
bad = []
blocks = open(sys.argv[1], encoding="utf-8").read().split("\n\n")
for b in blocks:
	lines = b.strip("\n").split("\n")
	for l in lines:
		m = re.match(r"^( *\S.*?)  +(\S.*)$", l)
		if m and not l.startswith(("Report:", "Informe:")) and \
		    not re.search(r"\S  +\S.*\S  +\S", l) and m.start(2) != 41:
			bad.append(l)
	table = [l for l in lines[1:] if re.search(r"\S  +\S.*\S  +\S", l)]
	if len(table) > 1 and len(set(len(l) for l in table)) != 1:
		bad.append("ragged table: " + lines[0])
print("\n".join(bad))' "$1"
}
# A Spanish reader (LANG=es_ES.UTF-8): money as 1.234,56 €.
LANG=es_ES.UTF-8 c "$NOW" report summary --month 2026-05 --owner $A >"$T/es.txt"
t_assert_file_contains "$T/es.txt" '^Informe: resumen, 01/05/2026 – 31/05/2026$' "es: heading"
t_assert_file_contains "$T/es.txt" '^  Facturación +5\.050,00 €$' "es: revenue 5.050,00 €"
t_assert_file_contains "$T/es.txt" '^  Pedido medio +1\.010,00 €$' "es: average order"
t_assert_file_contains "$T/es.txt" '^  Crecimiento vs año pasado +\+288,5 %$' "es: growth +288,5 %, with its sign"
t_assert_file_contains "$T/es.txt" '^  Tasa de abandono +25,0 %$' "es: churn"
t_assert_file_contains "$T/es.txt" '^  CLV medio +1\.515,41 €$' "es: average CLV"
t_assert_file_contains "$T/es.txt" '^    90\+ +0,00 €$' "es: empty bucket"
t_assert_file_contains "$T/es.txt" '^  Periodo medio de cobro \(días\) +25,5$' "es: DSO"
t_assert_eq "" "$(aligned "$T/es.txt")" "es: values aligned"
LANG=es_ES.UTF-8 c "$NOW" report activity --month 2026-05 --owner $A >"$T/es-act.txt"
t_assert_file_contains "$T/es-act.txt" '^ 7  Gráficas Luna +0,00 € +30,00 € +-30,00 € +n/d$' "es: n/d margin (no disponible)"
t_assert_file_contains "$T/es-act.txt" '^ 1  Acme Industrial +3\.500,00 € +200,00 € +3\.300,00 € +94,3 %$' "es: profitability row"
t_assert_eq "" "$(aligned "$T/es-act.txt")" "es: activity tables aligned"
# An English reader (LANG=C): money as €1,234.56.
c "$NOW" report summary --month 2026-05 --owner $B >"$T/en.txt"
t_assert_file_contains "$T/en.txt" '^Report: summary, 1 May 2026 – 31 May 2026$' "en: heading"
t_assert_file_contains "$T/en.txt" '^  Revenue +€4,834\.56$' "en: revenue €4,834.56"
t_assert_file_contains "$T/en.txt" '^  Average order +€1,208\.64$' "en: average order"
t_assert_file_contains "$T/en.txt" '^  Retention rate +150\.0%$' "en: percentage"
t_assert_file_contains "$T/en.txt" '^  Average CLV +€2,706\.33$' "en: average CLV"
t_assert_eq "" "$(aligned "$T/en.txt")" "en: values aligned"
c "$NOW" report pareto --month 2026-05 --owner $B >"$T/en-pareto.txt"
t_assert_file_contains "$T/en-pareto.txt" '^1 +8  Harbor Foods +€4,234\.56 +87\.6% +87\.6% +\*$' "en: pareto row"
t_assert_eq "" "$(aligned "$T/en-pareto.txt")" "en: pareto table aligned"
# n/a where undefined.
c "$NOW" report summary --month 2026-05 --segment VIP >"$T/na.txt"
t_assert_file_contains "$T/na.txt" '^  Growth vs previous period +n/a$' "n/a growth"
t_assert_file_contains "$T/na.txt" '^  Churn rate +n/a$' "n/a churn"
t_assert_file_contains "$T/na.txt" '^  Retention rate +n/a$' "n/a retention"
c "$NOW" report nps --month 2025-03 >"$T/na-nps.txt"
t_assert_file_contains "$T/na-nps.txt" '^NPS +n/a$' "n/a NPS"

# ------------------------------------------ a second, small portfolio
# Status changes in the same second (a script adding a client and editing it
# at once): the one written last is the status.  "Mismo Segundo" is added at
# 09:00:00Z on 04-01 and set lost in that same second; it bought on 04-05
# and 05-05, so only its status keeps it out: nobody at the start, and at
# the end only "Prospecto Rápido" (added potential and made active in the
# same second on 05-10, bought on 05-12), which also converts: 1 of 1.
# Eleven debtors, Deudor N owing N x 10.00 except Deudor 6 (5.00) and
# Deudor 7 (50.00, as much as Deudor 5): --limit 0 lists all eleven (not
# ten), ranked by amount owed, ties by id.
SMALL_DB=$(t_db small)
export CARTERA_DB=$SMALL_DB
ok c "$CREATED" init
ok c "$CREATED" owner add ana@example.com --name "Ana López" --tz Europe/Madrid --lang es
add mis "2026-04-01T09:00Z" "Mismo Segundo" --owner $A
ok c "2026-04-01T09:00Z" client edit "$mis" --status lost
add pro "2026-05-10T09:00Z" "Prospecto Rápido" --owner $A --status potential
ok c "2026-05-10T09:00Z" client edit "$pro" --status active
inv "$mis" 100 2026-04-05 2026-04-05 2026-04-05
inv "$mis" 100 2026-05-05 2026-05-05 2026-05-05
inv "$pro" 100 2026-05-12 2026-05-12 2026-05-12
load churn --month 2026-05
expect "same-second status changes" clients_at_start=0 clients_at_end=1 new_clients=1 \
	lost_clients=0 churn_pct=null retention_pct=null conversion.potential_clients=1 \
	conversion.converted=1 conversion.conversion_pct=100.00
for n in 1 2 3 4 5 6 7 8 9 10 11; do
	add d "$CREATED" "Deudor $n" --owner $A
	case $n in
	6) amount=5 ;;
	7) amount=50 ;;		# as much as Deudor 5: listed after it
	*) amount=$((n * 10)) ;;
	esac
	inv "$d" "$amount" 2026-05-01 2026-05-31
done
# Owed: 110 100 90 80 50 (Deudor 5) 50 (Deudor 7) 40 30 20 10 5 (euros).
load receivables --month 2026-05 --limit 0
rows "--limit 0" top_debtors "name owed_cents" \
	"Deudor 11|11000" "Deudor 10|10000" "Deudor 9|9000" "Deudor 8|8000" "Deudor 5|5000" \
	"Deudor 7|5000" "Deudor 4|4000" "Deudor 3|3000" "Deudor 2|2000" "Deudor 1|1000" "Deudor 6|500"
export CARTERA_DB=$DB_C

# ----------------------------------------------------------------- errors
c "$NOW" report summary --month 2026-05 --from 2026-05-01 --to 2026-05-31 >/dev/null 2>"$T/err"
t_assert_eq 2 $? "--month with --from is a usage error"
t_assert_file_contains "$T/err" "not both" "--month with --from: says why"
c "$NOW" report forecast >/dev/null 2>"$T/err"
t_assert_eq 2 $? "unknown report kind is a usage error"
t_assert_file_contains "$T/err" 'no report "forecast"' "unknown kind: named"
t_assert_file_contains "$T/err" '(summary, pareto, churn, clv, nps, receivables, activity, lifecycle, risk, goals, products)' \
	"unknown kind: every kind listed"
c "$NOW" report --from 2026-05-01 >/dev/null 2>&1
t_assert_eq 2 $? "--from without --to"
c "$NOW" report --from 2026-05-31 --to 2026-05-01 >/dev/null 2>&1
t_assert_eq 2 $? "--from after --to"
c "$NOW" report --month 2026-13 >/dev/null 2>&1
t_assert_eq 2 $? "bad --month"
c "$NOW" report --format xml >/dev/null 2>&1
t_assert_eq 2 $? "bad --format"
c "$NOW" report --owner ghost@example.com >/dev/null 2>&1
t_assert_eq 1 $? "unknown owner"

t_done
