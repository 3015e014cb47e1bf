#!/bin/bash
# web_browser.sh - the page and the digest's one-click actions in a real
# headless Chromium (issue 12), with the real daemon and SMTP capture:
#   1. the HTML part of a digest, exactly as the SMTP server received it,
#      opened in the browser: "Hecho: llamada" followed, the confirmation
#      page seen, its button pressed; then the store has one touch, the
#      feed's ETag changed, and the next day's digest no longer lists the
#      client;
#   2. at a 360x740 viewport, a call logged with a next step and a visit
#      planned through the forms of the client's card, a screenshot of each
#      page in tests/out/web_browser/ of the build directory, nothing wider
#      than the screen;
#   3. axe-core (installed with npm at test time into the build directory,
#      never into the repository) injected into Today, the search, the card,
#      the forms (also with their errors shown), an activity's page and the
#      new client form: no WCAG 2 A or AA violation.
# Skips (77) only when chromium, chromedriver or python3-selenium are
# absent, or when npm cannot fetch axe-core.
# shellcheck disable=SC2016 # t_wait_for conditions are expanded by eval, at each poll
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init web_browser
t_require curl
[ "$(t_engine)" = sqlite ] && t_require sqlite3
[ -x "$T_PYTHON" ] || t_skip "$T_PYTHON not found"
[ -x /usr/bin/chromium ] || t_skip "chromium is not installed"
[ -x /usr/bin/chromedriver ] || t_skip "chromium-driver is not installed"
"$T_PYTHON" -c 'import selenium' 2>/dev/null || t_skip "python3-selenium is not installed"

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
OUT=$(cd "${top_builddir:-.}" && pwd)/tests/out/web_browser
rm -rf "$OUT"
mkdir -p "$OUT" || t_fatal "cannot make $OUT"

# axe-core: from the npm registry into the build directory's cache, once.
AXEDIR=$(cd "${top_builddir:-.}" && pwd)/tests/out/npm-axe-core
AXE=$AXEDIR/node_modules/axe-core/axe.min.js
if [ ! -s "$AXE" ]; then
	command -v npm >/dev/null 2>&1 || t_skip "npm is not installed (axe-core)"
	mkdir -p "$AXEDIR" || t_fatal "cannot make $AXEDIR"
	timeout 300 npm install --prefix "$AXEDIR" --no-audit --no-fund --no-save --loglevel=error \
		axe-core@4 >"$T/npm.log" 2>&1 || { sed 's/^/# /' "$T/npm.log"; t_skip "npm cannot install axe-core"; }
	[ -s "$AXE" ] || t_skip "npm installed no axe-core"
fi

BR="$T_PYTHON $T_TESTS_DIR/browser.py"
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
q() { t_sql "$DB" "$1"; }
c init || t_fatal init
old owner add ana@example.com --name "Ana López" --tz Europe/Madrid --lang es
# Two clients never called since January: red on Tuesday 10 March.
old client add "Ferretería Gómez" --owner ana@example.com --city Toledo
old client add "Talleres Pérez" --owner ana@example.com --email compras@talleres.es \
	--phone "+34 911 222 333" --contact "Marta Ibáñez" --address "Calle Mayor 1" \
	--postal-code 28001 --city Madrid
old client add "<img src=x onerror=alert(1)>" --owner ana@example.com --city Lugo
c --now "2026-03-09 20:00:00Z" invoice add "Talleres Pérez" 1.234,56 --due 2026-01-31 \
	--issued 2026-01-01 --number F-7 >/dev/null || t_fatal "invoice"
FID=$(q "SELECT id FROM clients WHERE name = 'Ferretería Gómez'")
# A call of February, cancelled: in the feed (as cancelled), whose event
# shows the client's last touch and colour.
c --now "2026-02-15 10:00:00Z" plan "Ferretería Gómez" call --at "2026-02-20 10:00" >/dev/null ||
	t_fatal "plan"
c --now "2026-02-16 10:00:00Z" activity cancel "$(q "SELECT id FROM activities WHERE client_id = $FID")" \
	>/dev/null || t_fatal "cancel"
TID=$(q "SELECT id FROM clients WHERE name = 'Talleres Pérez'")
PAGE=$(c owner page-url ana@example.com)
FEED=$(c owner feed-url ana@example.com)
start() {
	t_start_bg -v DPID -l "$T/carterad.$1.log" "$CARTERAD" -c "$T/c.conf" -f -v --now "$2"
	t_wait_for '[ "$(curl -s -o /dev/null -w "%{http_code}" "$FEED")" = 200 ]' 10 ||
		t_fatal "carterad does not serve"
}
etag() { curl -s -D - -o /dev/null "$FEED" | tr -d '\r' | sed -n 's/^ETag: //Ip'; }

# ---- 1. the digest's "Hecho: llamada", in the browser
start 1 "2026-03-10 07:00:00Z"
t_wait_mail 1 || t_fatal "no digest"
MAIL=$(t_mail_last)
# part MAILFILE html|plain OUTFILE: a part's bytes, as the mail client decodes them.
part() {
	"$T_PYTHON" - "$@" <<'PY'
import email, email.policy, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
part = msg.get_body(preferencelist=(sys.argv[2],))
open(sys.argv[3], "wb").write(part.get_payload(decode=True))
PY
}
part "$MAIL" html "$T/digest.html" || t_fatal "no HTML part in $MAIL"
t_assert_ok "the digest lists Ferretería Gómez" grep -q "Ferretería Gómez" "$T/digest.html"
etag1=$(etag)
before=$(q "SELECT count(*) FROM interactions")
$BR digest "$T/digest.html" "/act/1/c/$FID/call/" "$OUT" "$DB" >"$T/d.json" 2>"$T/d.err" ||
	{ sed 's/^/# /' "$T/d.err"; t_fatal "the browser could not follow the link"; }
sed 's/^/# /' "$T/d.json"
t_assert_eq "Hecho: llamada" "$(t_json 'd["link"]' <"$T/d.json")" "the link says Hecho: llamada"
t_assert_eq "¿Confirmas?" "$(t_json 'd["confirm_h1"]' <"$T/d.json")" "a confirmation page"
t_assert_match "Registrar una llamada hecha ahora a Ferretería Gómez" \
	"$(t_json 'd["confirm"]' <"$T/d.json")" "it says what the button does"
t_assert_eq "$before" "$(t_json 'd["touches_shown"]' <"$T/d.json")" \
	"opening the link changed nothing (the touches while the confirmation is shown)"
t_assert_match "Llamada registrada" "$(t_json 'd["done"]' <"$T/d.json")" "the answer says it is done"
t_assert_eq 1 "$(q "SELECT count(*) FROM interactions WHERE client_id = $FID AND kind = 'call'")" \
	"the store has one touch"
t_wait_for '[ "$(etag)" != "$etag1" ]' 5 && t_pass "the feed's ETag changed" ||
	t_fail "the feed's ETag did not change"
t_stop "$DPID"
start 2 "2026-03-11 07:00:00Z"
t_wait_mail 2 || t_fatal "no digest the next day"
MAIL2=$(t_mail_last)
t_assert_ok "the next day's digest was sent" test "$MAIL2" != "$MAIL"
part "$MAIL2" html "$T/digest2.html" && part "$MAIL2" plain "$T/digest2.txt" ||
	t_fatal "no parts in $MAIL2"
t_assert_ok "it still lists the others" grep -q "Talleres Pérez" "$T/digest2.html"
t_assert_eq "0 0" "$(grep -c "Ferretería" "$T/digest2.html") $(grep -c "Ferretería" "$T/digest2.txt")" \
	"the next day's digest no longer lists Ferretería Gómez"

# ---- 2 and 3. the forms at 360x740, screenshots, axe-core
$BR forms "$PAGE" "$TID" 2026-03-20 "$OUT" "$AXE" >"$T/f.json" 2>"$T/f.err" ||
	{ sed 's/^/# /' "$T/f.err"; t_fatal "the browser could not use the forms"; }
for p in today search card logged planned plan_error activity new; do
	t_assert_eq "[]" "$(t_json "json.dumps(d['$p']['violations'])" <"$T/f.json")" \
		"axe-core: no WCAG 2 A/AA violation on $p"
	t_assert_eq "False 360 es" "$(t_json "d['$p']['sideways'], d['$p']['width'], d['$p']['lang']" \
		<"$T/f.json" | tr -d "(),'")" "$p fits 360 px, lang es"
done
t_assert_match "Hecho: Llamada registrada" "$(t_json 'd["logged"]["banner"]' <"$T/f.json")" \
	"the card says the call was logged"
t_assert_eq "call|waiting|Quiere presupuesto de 200 unidades|2026-03-20" \
	"$(q "SELECT i.kind || '|' || i.outcome || '|' || i.note || '|' || c.next_contact
	FROM interactions i JOIN clients c ON c.id = i.client_id WHERE c.id = $TID")" \
	"the call and its next step are in the store"
t_assert_match "Hecho: " "$(t_json 'd["planned"]["banner"]' <"$T/f.json")" \
	"the card says the visit was planned"
t_assert_eq "1" "$(q "SELECT count(*) FROM activities WHERE client_id = $TID AND kind = 'visit'
	AND status = 'planned'")" "the visit is planned"
t_assert_ok "a form with a mistake says it next to the field" \
	test "$(t_json 'len(d["plan_error"]["errors"])' <"$T/f.json")" -ge 1
n=0
for f in "$OUT"/*.png; do
	[ -s "$f" ] && n=$((n + 1))
done
t_assert_ok "a screenshot of each page ($n in tests/out/web_browser)" test "$n" -ge 10
t_done
