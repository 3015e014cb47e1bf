#!/bin/bash
# web.sh - the salesperson's page and the digest's one-click action links
# (issue 12), through the real daemon and a real SMTP capture server:
#   - the digest's HTML part carries signed action links for every item
#     and its text part one link per item;
#   - a GET of every action link changes nothing in the database (mail
#     scanners follow links): each shows a confirmation page;
#   - the button posts once: the same link twice records one touch and
#     says so (409); a tampered link, another salesperson's, one signed
#     with a rotated token and an expired one are refused with a clear page;
#   - the page: Today, search without case or accents, the client card with
#     tel:, mailto: and map links, the forms (validation errors next to the
#     field, in the salesperson's language, nothing half-saved);
#   - security: no POST without the form token or from another site, the
#     page's headers, a client named <img src=x onerror=alert(1)> shown as
#     text everywhere, 1 MB bodies (413) and 10,000 fields (400) refused
#     without harm, made-up page tokens answered 404 and then 429;
#   - after a write the feed's ETag changes at once;
#   - on PostgreSQL (make check-pg) the link key is kept in the database
#     and a second daemon on it takes the first one's links and forms.
# shellcheck disable=SC2016 # t_wait_for conditions are expanded by eval, at each poll
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init web
t_require curl
[ "$(t_engine)" = sqlite ] && t_require sqlite3
[ -x "$T_PYTHON" ] || t_skip "$T_PYTHON not found"

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
WT="$T_PYTHON $T_TESTS_DIR/webtool.py"
export TZ=UTC
unset CARTERA_DB
t_start_smtpd
PORT=$(t_free_port)
BASE=http://127.0.0.1:$PORT
DB=$(t_db) || t_fatal "no database"
cat >"$T/c.conf" <<CONF
user = "root";
database = "$DB";
templates = "$T_SRCDIR/etc/templates";
http: { listen = "127.0.0.1"; port = $PORT; base_url = "$BASE"; };
smtp: { url = "smtp://127.0.0.1:$SMTP_PORT"; starttls = "none"; from = "Cartera <cartera@example.com>"; };
CONF
c() { "$CARTERA" -c "$T/c.conf" -q "$@"; }
old() { c --now "2026-01-02 00:00:00Z" "$@" >/dev/null || t_fatal "setup: $*"; }
eve() { c --now "2026-03-09 20:00:00Z" "$@" >/dev/null || t_fatal "setup: $*"; }
q() { t_sql "$DB" "$1"; }
c init || t_fatal init
old owner add ana@example.com --name "Ana López" --tz Europe/Madrid --lang es
old owner add bob@example.com --name "Bob Smith" --tz Europe/London --lang en
old client add "Talleres Pérez" --owner ana@example.com --email compras@talleres.es \
	--phone "+34 911 222 333" --contact "Marta Ibáñez" --address "Calle Mayor 1" \
	--postal-code 28001 --city Madrid
old client add "Panadería Núñez" --owner ana@example.com --city "A Coruña"
old client add "<img src=x onerror=alert(1)>" --owner ana@example.com --city Lugo
old client add "Acme Ltd" --owner bob@example.com --city London
eve plan "Talleres Pérez" visit --at "2026-03-10 12:00" --duration 45
c --now "2026-03-08 20:00:00Z" plan "Panadería Núñez" call --at "2026-03-09 10:00" >/dev/null ||
	t_fatal "plan missed"
eve invoice add "Panadería Núñez" 1.234,56 --due 2026-01-31 --issued 2026-01-01 --number F-7
ANA=$(c owner page-url ana@example.com)
BOB=$(c owner page-url bob@example.com)
FEED=$(c owner feed-url ana@example.com)
start() {
	t_start_bg -v DPID -l "$T/carterad.log" "$CARTERAD" -c "$T/c.conf" -f -v --now "$1"
	t_wait_for '[ "$(curl -s -o /dev/null -w "%{http_code}" "$FEED")" = 200 ]' 10 ||
		t_fatal "carterad does not serve"
}
start "2026-03-10 07:00:00Z"
t_wait_mail 1 || t_fatal "no digest"
t_wait_mail 2 || t_fatal "no digest for bob"
MAIL=$(grep -l "^To: .*ana@example.com" "$SMTP_DIR"/*.eml | head -1)
[ -n "$MAIL" ] || t_fatal "no digest for ana"
if [ "$(t_engine)" = pg ]; then
	t_assert_eq 64 "$(q "SELECT length(key) FROM cartera_web_key")" \
		"on a database server the link key is kept in the database"
	t_assert_ok "and no key file is made" test ! -e "$T/web.key"
else
	t_assert_eq 600 "$(stat -c %a "$T/web.key")" "the link key is made 0600 next to the database"
fi

# ---- the digest's links
$WT links "$MAIL" >"$T/links"
sed 's/^/# /' "$T/links" | head -20
t_assert_match $'Hecho: llamada\t'"$BASE"'/act/1/c/[0-9]+/call/[0-9]+/[A-Za-z0-9_-]{43}' \
	"$(cat "$T/links")" "a red client's link: Hecho: llamada"
for label in "Hecho: visita" "Esperando respuesta" "Posponer 3 días" "1 semana" "Hecha" "No se hizo" \
	"Cambiar fecha" "Cobrada"; do
	t_assert_ok "the digest has a \"$label\" link" grep -q "^$label"$'\t' "$T/links"
done
t_assert_ok "the text part has one link per item" \
	grep -qE "Acciones: $BASE/act/1/c/[0-9]+/open/" "$MAIL"

# ---- a GET of every action link changes nothing
snap() { q "SELECT (SELECT count(*) FROM interactions) || ' ' || (SELECT $(t_sql_concat status) FROM activities)
	|| ' ' || (SELECT count(*) FROM invoices WHERE paid_at IS NOT NULL) || ' ' ||
	(SELECT count(*) FROM clients WHERE next_contact IS NOT NULL) || ' ' ||
	(SELECT count(*) FROM web_actions) || ' ' || (SELECT max(sequence) FROM activities)"; }
before=$(snap)
n=0
while IFS=$'\t' read -r label url; do
	code=$(curl -s -o "$T/get.html" -w '%{http_code}' "$url")
	[ "$code" = 200 ] && grep -q '<form class="main" method="post">' "$T/get.html" && n=$((n + 1)) ||
		t_fail "GET $label: $code"
done <"$T/links"
t_assert_ok "every action link ($n) shows a confirmation page with a button" test "$n" -ge 10
t_assert_eq "$before" "$(snap)" "GETs of every action link changed nothing"
# The same with a HEAD, as scanners do.
curl -s -I -o /dev/null "$(sed -n 's/^Hecho: llamada\t//p' "$T/links" | head -1)"
t_assert_eq "$before" "$(snap)" "a HEAD changed nothing"

# ---- following "Hecho: llamada" and pressing the button: one touch, said once
# Panadería Núñez: red, with a missed call in the feed (its event shows the last touch).
PID=$(q "SELECT id FROM clients WHERE name LIKE 'Panader%'")
TID=$(q "SELECT id FROM clients WHERE name LIKE 'Talleres%'")
CALL=$(grep "/act/1/c/$PID/call/" "$T/links" | cut -f2)
etag1=$(curl -s -D - -o /dev/null "$FEED" | tr -d '\r' | sed -n 's/^ETag: //Ip')
$WT get "$CALL" >"$T/confirm"
t_assert_ok "the confirmation says what it does" grep -q "Registrar una llamada hecha ahora a" "$T/confirm"
$WT submit2 "$CALL" post - >"$T/r1"
t_assert_eq "first 200" "$(head -1 "$T/r1")" "pressing the button: 200"
t_assert_ok "the answer says it was done" grep -q "Llamada registrada:" "$T/r1"
t_assert_eq 409 "$(sed -n 2p "$T/r1")" "pressed twice: the second is 409"
t_assert_ok "and says it was already done" grep -q "Este enlace ya se usó el" "$T/r1"
t_assert_eq 1 "$(q "SELECT count(*) FROM interactions WHERE client_id = $PID AND kind = 'call'")" \
	"one touch recorded"
t_wait_for '[ "$(curl -s -D - -o /dev/null "$FEED" | tr -d "\r" | sed -n "s/^ETag: //Ip")" != "$etag1" ]' 5 &&
	t_pass "the feed's ETag changed at once"
$WT get "$CALL" >"$T/r2"
t_assert_eq 409 "$(head -1 "$T/r2")" "the same link again: 409"
t_assert_ok "it says it was already used" grep -q "Este enlace ya se usó el" "$T/r2"
t_assert_eq 1 "$(q "SELECT count(*) FROM interactions WHERE client_id = $PID AND kind = 'call'")" \
	"still one touch"

# ---- tampered, another salesperson's, no form token
last=${CALL: -1}
[ "$last" = A ] && other=B || other=A
t_assert_eq 403 "$(curl -s -o "$T/bad" -w '%{http_code}' "${CALL%?}$other")" "a tampered MAC: 403"
t_assert_ok "a clear page" grep -q "Este enlace no es válido" "$T/bad"
BOBID=$(q "SELECT id FROM owners WHERE email = 'bob@example.com'")
t_assert_eq 403 "$(curl -s -o /dev/null -w '%{http_code}' "${CALL/\/act\/1\//\/act\/$BOBID\/}")" \
	"Ana's link as Bob's: 403"
VISIT=$(grep "/act/1/c/$PID/visit/" "$T/links" | cut -f2)
$WT post "$VISIT" do=visit >"$T/nocsrf"
t_assert_eq 403 "$(head -1 "$T/nocsrf")" "a link's POST without the form token: 403"
t_assert_eq "" "$(q "SELECT id FROM interactions WHERE kind = 'visit'")" "nothing recorded"
ACMEID=$(q "SELECT id FROM clients WHERE name = 'Acme Ltd'")
CSRF=$($WT form "$ANA/c/$TID" /act | "$T_PYTHON" -c \
	'import json,sys; print([v for k,v in json.load(sys.stdin)["fields"] if k=="csrf"][0])')
$WT post "$ANA/act" "csrf=$CSRF" obj_kind=c "obj=$ACMEID" do=call >"$T/other"
t_assert_eq 403 "$(head -1 "$T/other")" "a button on another salesperson's client: 403"
t_assert_ok "says whose it is" grep -q "no está en tu cartera" "$T/other"
$WT post "$ANA/act" obj_kind=c "obj=$PID" do=visit >"$T/nocsrf2"
t_assert_eq 403 "$(head -1 "$T/nocsrf2")" "a cross-site POST to the page without the form token: 403"
$WT post -H "Sec-Fetch-Site: cross-site" "$ANA/act" "csrf=$CSRF" obj_kind=c "obj=$PID" \
	do=visit >"$T/xs"
t_assert_eq 403 "$(head -1 "$T/xs")" "a POST marked cross-site by the browser: 403"
t_assert_eq "" "$(q "SELECT id FROM interactions WHERE kind = 'visit'")" "still nothing recorded"

# ---- the page: Today, headers, escaping
$WT get "$ANA" >"$T/today"
t_assert_eq 200 "$(head -1 "$T/today")" "Today: 200"
for h in "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'; form-action 'self'" \
	"Referrer-Policy: no-referrer" "Cache-Control: no-store" "X-Content-Type-Options: nosniff"; do
	t_assert_ok "header $h" grep -qF "$h" "$T/today"
done
t_assert_ok "Today lists what the digest says (missed, agenda, red, invoices)" \
	grep -q "Sin cerrar" "$T/today"
t_assert_ok "a button per action" grep -q 'value="snooze7"' "$T/today"
t_assert_ok "the hostile name shows as text" grep -qF '&lt;img src=x onerror=alert(1)&gt;' "$T/today"
t_assert_eq "" "$(grep -F '<img' "$T/today")" "no <img> element on Today"
t_assert_eq "" "$(grep -i '<script' "$T/today")" "no script at all"
CSS=$(sed -n 's/.*<link rel="stylesheet" href="\([^"]*\)".*/\1/p' "$T/today")
$WT get "$BASE$CSS" >"$T/css"
t_assert_eq 200 "$(head -1 "$T/css")" "the stylesheet is served"
t_assert_ok "for a year (a hashed name)" grep -q "Cache-Control: public, max-age=31536000, immutable" "$T/css"

# ---- search, card
$WT get "$ANA/search?q=PEREZ" >"$T/s1"
t_assert_ok "search by a part of the name without accents" grep -q ">Talleres Pérez</a>" "$T/s1"
$WT get "$ANA/search?q=coruna" >"$T/s2"
t_assert_ok "search by city" grep -q ">Panadería Núñez</a>" "$T/s2"
$WT get "$ANA/search?q=ibanez" >"$T/s3"
t_assert_ok "search by contact" grep -q ">Talleres Pérez</a>" "$T/s3"
$WT get "$ANA/search?q=acme" >"$T/s4"
t_assert_eq "" "$(grep ">Acme Ltd</a>" "$T/s4")" "another salesperson's client is not found"
$WT get "$ANA/search?q=onerror" >"$T/s5"
t_assert_ok "the hostile name is found and escaped" grep -qF '&lt;img src=x onerror=alert(1)&gt;</a>' "$T/s5"
t_assert_eq "" "$(grep -F '<img' "$T/s5")" "no <img> in the search"
$WT get "$ANA/c/$TID" >"$T/card"
t_assert_ok "card: tel: link" grep -q 'href="tel:+34%20911%20222%20333"' "$T/card"
t_assert_ok "card: mailto: link" grep -q 'href="mailto:compras@talleres.es"' "$T/card"
t_assert_ok "card: map link" grep -q 'href="https://www.openstreetmap.org/search?query=Calle%20Mayor%201%2C%2028001%20Madrid"' "$T/card"

XID=$(q "SELECT id FROM clients WHERE name LIKE '<img%'")
$WT get "$ANA/c/$XID" >"$T/xcard"
t_assert_eq "" "$(grep -F '<img' "$T/xcard")" "no <img> on the hostile client's card"
t_assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' "$ANA/c/$ACMEID")" \
	"another salesperson's card: 404"

# ---- forms: errors next to the field, nothing half-saved
n0=$(q "SELECT count(*) FROM interactions")
$WT submit "$ANA/c/$TID" /log - kind=call outcome=waiting note="Presupuesto" next=31/02/2026 >"$T/f1"
t_assert_eq 422 "$(head -1 "$T/f1")" "a bad next date: 422"
t_assert_ok "the error is next to the field, in Spanish" \
	grep -q 'id="log-next-err">Escribe una fecha' "$T/f1"
t_assert_ok "what was typed is kept" grep -q '>Presupuesto</textarea>' "$T/f1"
t_assert_eq "$n0" "$(q "SELECT count(*) FROM interactions")" "nothing saved"
$WT submit "$ANA/c/$TID" /log - kind=call outcome=waiting note="Presupuesto" next=2026-03-20 >"$T/f2"
t_assert_eq 303 "$(head -1 "$T/f2")" "a good log: 303 back to the card"
t_assert_eq "waiting|Presupuesto|2026-03-20" "$(q "SELECT i.outcome || '|' || i.note || '|' ||
	c.next_contact FROM interactions i JOIN clients c ON c.id = i.client_id WHERE i.note = 'Presupuesto'")" \
	"the touch and its next step, in one write"
LOC=$(sed -n 's/^Location: //p' "$T/f2" | tr -d '\r')
$WT get "$BASE$LOC" >"$T/f2page"
t_assert_ok "the card says it was done" grep -q "Hecho: Llamada registrada" "$T/f2page"
t_assert_ok "and lists the touch" grep -q "Llamada · esperando respuesta" "$T/f2page"
$WT submit "$ANA/c/$TID" /plan - kind=meeting date=2026-03-01 time=10:00 duration=30 >"$T/f3"
t_assert_eq 422 "$(head -1 "$T/f3")" "planning in the past: 422"
t_assert_ok "said next to the date" grep -q 'id="plan-date-err">Esa fecha ya pasó' "$T/f3"
$WT submit "$BOB/new" /new - name="" email=nope >"$T/f4"
t_assert_eq 422 "$(head -1 "$T/f4")" "a new client without a name: 422"
t_assert_ok "in English for Bob" grep -q 'id="new-name-err">Required.' "$T/f4"
t_assert_ok "a bad email is said next to it" grep -q 'id="new-email-err">Not a valid email address.' "$T/f4"
$WT submit "$BOB/new" /new - name="Beta Widgets" city=Leeds >"$T/f5"
t_assert_eq 303 "$(head -1 "$T/f5")" "a new client: 303"
t_assert_eq "bob@example.com|Leeds" "$(q "SELECT o.email || '|' || c.city FROM clients c JOIN owners o
	ON o.id = c.owner_id WHERE c.name = 'Beta Widgets'")" "added to Bob's portfolio"
$WT submit "$BOB/new" /new - name="BETA widgets" >"$T/f6"
t_assert_ok "a duplicate is refused next to the name" grep -q 'id="new-name-err">There is already' "$T/f6"

# ---- bodies and fields
head -c 1048576 /dev/zero | tr '\0' a >"$T/big"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "@$T/big" "$ANA/act")
t_assert_eq 413 "$code" "a 1 MB body: 413"
"$T_PYTHON" -c 'print("&".join("f%d=" % i for i in range(10000)), end="")' >"$T/fields"
code=$(curl -s -o "$T/fields.out" -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "@$T/fields" "$ANA/act")
t_assert_ok "10,000 fields: refused ($code)" test "$code" = 400 -o "$code" = 413
# 10,000 empty fields fit in a form's 64 KiB: refused by their number.
"$T_PYTHON" -c 'print("&".join("f" for i in range(10000)), end="")' >"$T/fields2"
code=$(curl -s -o "$T/fields2.out" -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "@$T/fields2" "$ANA/act")
t_assert_eq 400 "$code" "10,000 fields in 20 kB: 400"
t_assert_ok "the daemon is still up" t_alive "$DPID"
t_assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$FEED")" "and serves the feed"

# ---- made-up page tokens
t_assert_eq 404 "$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.5.1 \
	"$BASE/me/Madeupxxxxxxxxxxxxxxxxxxxxxxxxxx")" "an unknown page token: 404"
for i in $(seq 1 15); do
	curl -s -o /dev/null -w '%{http_code}\n' --interface 127.0.5.1 \
		"$BASE/me/Madeupxxxxxxxxxxxxxxxxxxxxxxx$(printf %03d "$i")"
done >"$T/limit"
t_assert_eq 429 "$(tail -1 "$T/limit")" "many unknown tokens from one address: 429"
t_assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.5.2 "$ANA")" \
	"another address is not limited"

# ---- two daemons on one PostgreSQL database take each other's links and
# forms (a load balancer sends the click to either): the key is the
# database's, not each daemon's.
if [ "$(t_engine)" = pg ]; then
	PORT2=$(t_free_port)
	sed -e "s/port = $PORT;/port = $PORT2;/" -e "s|base_url = \"$BASE\"|base_url = \"http://127.0.0.1:$PORT2\"|" \
		-e "s|smtp://127.0.0.1:$SMTP_PORT|smtp://127.0.0.1:1|" "$T/c.conf" >"$T/c2.conf"
	t_start_bg -v DPID2 -l "$T/carterad2.log" "$CARTERAD" -c "$T/c2.conf" -f -v --now "2026-03-10 07:00:00Z"
	t_wait_for '[ "$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$PORT2/metrics")" = 200 ]' 10 ||
		t_fatal "the second carterad does not serve"
	t_assert_eq 1 "$(q "SELECT count(*) FROM cartera_web_key")" "the second daemon kept no key of its own"
	# Panadería's "Hecho: visita" (its POST without a form token was refused above).
	ON2=${VISIT/$BASE/http:\/\/127.0.0.1:$PORT2}
	t_assert_eq 200 "$(curl -s -o "$T/two.html" -w '%{http_code}' "$ON2")" \
		"a link the first daemon signed opens on the second"
	t_assert_ok "with its button" grep -q '<form class="main" method="post">' "$T/two.html"
	# The form the second daemon made, posted to the first.
	n0=$(q "SELECT count(*) FROM web_actions")
	$WT form "$ON2" 0 >"$T/two.json"
	mapfile -t fields < <("$T_PYTHON" -c 'import json, sys
f = json.load(open(sys.argv[1]))
for k, v in f["fields"] + f["buttons"][:1]:
    if k:
        print("%s=%s" % (k, v))' "$T/two.json")
	$WT post "$VISIT" "${fields[@]}" >"$T/two.post"
	t_assert_eq 200 "$(head -1 "$T/two.post")" "the second daemon's form posted to the first: 200"
	t_assert_eq $((n0 + 1)) "$(q "SELECT count(*) FROM web_actions")" "and the action is recorded once"
	t_assert_eq 1 "$(q "SELECT count(*) FROM interactions WHERE client_id = $PID AND kind = 'visit'")" \
		"the visit is logged"
	t_stop "$DPID2"
fi

# ---- rotating the token revokes the links and the page
HECHA=$(sed -n 's/^Hecha\t//p' "$T/links" | head -1)
t_assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$HECHA")" "a link works before rotation"
c owner rotate-token ana@example.com >/dev/null 2>&1
FEED=$(c owner feed-url ana@example.com)
t_wait_for '[ "$(curl -s -o /dev/null -w "%{http_code}" --interface 127.0.5.3 "$ANA")" = 404 ]' 10 &&
	t_pass "the old page URL is gone"
t_assert_eq 403 "$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.5.4 "$HECHA")" \
	"a link signed with the old token: 403"

# ---- expired links: Bob's, sent on 2026-03-10, work 14 days
BOBMAIL=$(grep -l "^To: .*bob@example.com" "$SMTP_DIR"/*.eml | head -1)
BOBLINK=$($WT links "$BOBMAIL" | head -1 | cut -f2)
t_assert_match "^$BASE/act/$BOBID/" "$BOBLINK" "Bob's digest has links"
t_assert_eq 200 "$(curl -s -o /dev/null -w '%{http_code}' "$BOBLINK")" "Bob's link works on day 1"
t_stop "$DPID"
start "2026-03-25 12:00:00Z"
code=$(curl -s -o "$T/exp" -w '%{http_code}' "$BOBLINK")
t_assert_eq 410 "$code" "the same link 15 days later: 410"
t_assert_ok "the page says it expired (in English for Bob)" grep -q "This link expired on" "$T/exp"
t_done
