#!/bin/bash
# followup.sh - opt-in follow-up emails to clients: who gets one (segment
# rule, per-client yes/no, do-not-email, status, contact email, days
# overdue, max_per_day, min_interval_days), what it looks like (From the
# salesperson's name, Reply-To them, List-Unsubscribe, the client's
# language), the touch it records, and the unsubscribe link served by the
# real daemon: GET only asks, POST (and RFC 8058 one-click) unsubscribes.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init followup
DB_C=$(t_db c)
t_require sqlite3 curl

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export CARTERA_DB=$DB_C TZ=UTC
t_start_smtpd
http_port=$(t_free_port)

conf() {	# conf FILE MAX_PER_DAY
	cat >"$1" <<CONF
user = "root";
database = "$DB_C";
web: { key_file = "$T/web.key"; };	# (a server database has no directory to hold it)
templates = "$T_SRCDIR/etc/templates";
http: { listen = "127.0.0.1"; port = $http_port; base_url = "http://127.0.0.1:$http_port"; };
smtp: { url = "smtp://127.0.0.1:$SMTP_PORT"; starttls = "none";
	from = "Cartera <cartera@example.com>"; timeout = 10; };
cadence: { default_days = 30; };
client_emails: { enabled = true; segments = [ "VIP" ]; after_days = 3;
	min_interval_days = 30; max_per_day = $2; };
CONF
}
conf "$T/c.conf" 10
conf "$T/cap.conf" 1
c() { "$CARTERA" -c "$T/c.conf" -q "$@"; }
at() { local t=$1; shift; c --now "$t" "$@" >/dev/null || t_fatal "setup failed: $*"; }

# Everything is created on 2026-01-05; the follow-ups go out on 2026-02-16
# (a Monday) at Ana's digest time, 08:00 in Madrid = 07:00Z.
D0="2026-01-05 09:00Z"
at "$D0" init
at "$D0" owner add ana@example.com --name "Ana López" --tz Europe/Madrid --lang es
at "$D0" segment set VIP
at "$D0" segment set Pyme
mk() {	# mk NAME LAST-TOUCH-DAY [client add options]: a client touched at noon that day
	local name=$1 day=$2; shift 2
	at "$D0" client add "$name" --owner ana@example.com "$@"
	at "$day 12:00Z" log "$name" call
}
# Cadence 30 days: touched 2026-01-06 -> due 02-05 -> 11 days overdue on 02-16.
mk "Alfa VIP"        2026-01-06 --segment VIP --contact "José Núñez" --email jose@alfa.example
mk "Beta Sin Correo" 2026-01-06 --segment VIP --contact "Beto" --email beto@beta.example --do-not-email
mk "Gamma Pyme"      2026-01-06 --segment Pyme --contact "Gema" --email gema@gamma.example
mk "Delta Pyme Sí"   2026-01-06 --segment Pyme --contact "Dora" --email dora@delta.example --followup-emails yes
mk "Epsilon VIP No"  2026-01-06 --segment VIP --contact "Eva" --email eva@epsilon.example --followup-emails no
# Touched 01-15 -> due 02-14 -> 2 days overdue: under after_days (3).
mk "Zeta Reciente"   2026-01-15 --segment VIP --contact "Zoe" --email zoe@zeta.example
mk "Eta Potencial"   2026-01-06 --segment VIP --status potential --email eta@eta.example
mk "Theta Sin Email" 2026-01-06 --segment VIP --contact "Tomás" --phone 600000000
mk "Iota Perdido"    2026-01-06 --segment VIP --email iota@iota.example --status lost

run() { "$CARTERAD" -c "${2:-$T/c.conf}" --once --now "$1" >>"$T/carterad.log" 2>&1
	t_assert_eq 0 $? "carterad --once at $1"; }
run "2026-02-16 07:00:00Z"
fu() { c --json outbox | t_json '" ".join(sorted(m["recipient"] for m in d if m["kind"]=="followup"))'; }
t_assert_eq "dora@delta.example jose@alfa.example" "$(fu)" "follow-ups only to opted-in, overdue, mailable clients"
t_assert_eq 3 "$(t_mail_count)" "the digest and two follow-ups were delivered"

# What the follow-up to Alfa looks like.
file=$(grep -l "^To: .*jose@alfa.example" "$SMTP_DIR"/*.eml | head -1)
quiet_check() { t_mailcheck "$1" >/dev/null; }
t_assert_ok "follow-up parses strictly" quiet_check "$file"
/usr/bin/python3 - "$file" >"$T/fu.txt" <<'PY'
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.strict)
print("from=" + str(m["From"]))
print("reply=" + str(m["Reply-To"]))
print("unsub=" + str(m["List-Unsubscribe"]).strip())
print("post=" + str(m["List-Unsubscribe-Post"]))
print("subject=" + str(m["Subject"]))
print("text=" + m.get_body(("plain",)).get_content().replace("\n", " "))
PY
t_assert_file_contains "$T/fu.txt" '^from=Ana López <cartera@example.com>$' "From: the salesperson's name at Cartera's address"
t_assert_file_contains "$T/fu.txt" '^reply=Ana López <ana@example.com>$' "Reply-To: the salesperson"
t_assert_file_contains "$T/fu.txt" "^unsub=<http://127.0.0.1:$http_port/unsubscribe/[A-Za-z0-9_-]{32}>$" "List-Unsubscribe points at carterad"
t_assert_file_contains "$T/fu.txt" '^post=List-Unsubscribe=One-Click$' "RFC 8058 one-click"
t_assert_file_contains "$T/fu.txt" '^subject=Ana López: ¿hablamos, José\?$' "Spanish subject with the contact's first name"
t_assert_file_contains "$T/fu.txt" 'Alfa VIP' "the body names the client"
url=$(sed -n 's/^unsub=<\(.*\)>$/\1/p' "$T/fu.txt")
t_assert_file_contains "$T/fu.txt" "text=.*$url" "the unsubscribe link is in the text part"

# The email is recorded as a touch waiting for the client's answer.
t_assert_eq "email|waiting" "$(c --json client show 'Alfa VIP' | t_json 'd["last_touch_kind"]+"|"+d["last_outcome"]')" "follow-up logged as a waiting email touch"

# Running again the same day mails nobody again; the next day only Zeta,
# which has now been overdue for after_days (3), gets one.
run "2026-02-16 12:00:00Z"
t_assert_eq "dora@delta.example jose@alfa.example" "$(fu)" "no second follow-up the same day"
run "2026-02-17 07:00:00Z"
t_assert_eq "dora@delta.example jose@alfa.example zoe@zeta.example" "$(fu)" "next day: only the newly overdue client"

# max_per_day: a fresh database where three clients qualify, cap 1.
CAP_DB=$(t_db cap)
export CARTERA_DB=$CAP_DB
sed -i "s|$DB_C|$CAP_DB|" "$T/cap.conf"
at "$D0" init
at "$D0" owner add ana@example.com --name "Ana López" --tz Europe/Madrid
at "$D0" segment set VIP
mk "Uno" 2026-01-06 --segment VIP --email uno@x.example
mk "Dos" 2026-01-03 --segment VIP --email dos@x.example
mk "Tres" 2026-01-10 --segment VIP --email tres@x.example
run "2026-02-16 07:00:00Z" "$T/cap.conf"
t_assert_eq "dos@x.example" "$(c --json outbox | t_json '" ".join(m["recipient"] for m in d if m["kind"]=="followup")')" "max_per_day 1: only the most overdue"
export CARTERA_DB=$DB_C

# The unsubscribe link, served by the running daemon.
t_start_bg -v dpid "$CARTERAD" -c "$T/c.conf" -f --now "2026-02-17 09:00:00Z"
t_wait_for "curl -sf http://127.0.0.1:$http_port/healthz >/dev/null" 20
page=$(curl -s "$url")
t_assert_match 'method="post"' "$page" "GET shows a confirmation form"
t_assert_eq 0 "$(t_sql "$CARTERA_DB" "SELECT do_not_email FROM clients WHERE name = 'Alfa VIP'")" "GET alone does not unsubscribe"
code=$(curl -s -o "$T/post.html" -w '%{http_code}' -X POST "$url")
t_assert_eq 200 "$code" "POST unsubscribes"
# The daemon applies the write a moment after answering (web writes are queued).
t_wait_for '[ "$(t_sql "$CARTERA_DB" "SELECT do_not_email FROM clients WHERE name = '"'Alfa VIP'"'")" = 1 ]' 5 &&
	t_pass "client marked do-not-email"
# RFC 8058 one-click for Delta, as a mail client sends it.
durl=$(grep -h "^List-Unsubscribe: <" "$SMTP_DIR"/*.eml | tr -d '\r' | sed -n 's/^List-Unsubscribe: <\(.*\)>$/\1/p' | grep -v "$url" | head -1)
[ -z "$durl" ] && durl=$(t_sql "$CARTERA_DB" "SELECT unsubscribe FROM outbox WHERE to_addr = 'dora@delta.example'")
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d 'List-Unsubscribe=One-Click' "$durl")
t_assert_eq 200 "$code" "one-click POST unsubscribes"
t_wait_for '[ "$(t_sql "$CARTERA_DB" "SELECT do_not_email FROM clients WHERE name = '"'Delta Pyme Sí'"'")" = 1 ]' 5 &&
	t_pass "one-click marked do-not-email"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$http_port/unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
t_assert_eq 404 "$code" "unknown unsubscribe token"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$url")
t_assert_eq 405 "$code" "PUT on an unsubscribe link"
t_stop "$dpid"
t_assert_eq 0 "$T_STOP_STATUS" "SIGTERM: carterad exits 0"

# An unsubscribed client is never mailed again, even once the interval passed.
c --now "2026-03-30 12:00Z" log 'Alfa VIP' call >/dev/null
run "2026-05-04 06:00:00Z"
t_assert_eq 0 "$(c --json outbox | t_json 'len([m for m in d if m["kind"]=="followup" and m["recipient"]=="jose@alfa.example" and m["created_at"] > "2026-03"])')" "do-not-email client not mailed again"

# The most overdue first, past the clients the digest lists: the scan puts
# only the first digest.max_items of the red list in order.  Here one: the
# Pyme client (most overdue, not opted in) is the one in order; behind it
# the rest came in index order, and a VIP 2 days overdue (under after_days)
# stood before a VIP 9 days overdue, which was never mailed.
DB_O=$(t_db order)
export CARTERA_DB=$DB_O
sed -e "s|$DB_C|$DB_O|" "$T/c.conf" >"$T/order.conf"
echo 'digest: { max_items = 1; };' >>"$T/order.conf"
o() { "$CARTERA" -c "$T/order.conf" -q --now "$D0" "$@" >/dev/null || t_fatal "setup failed: $*"; }
o init
o owner add bo@example.com --name "Bo" --tz UTC --lang es
o segment set VIP
o segment set Pyme
for x in "Uno VIP:2026-01-08:VIP" "Dos VIP:2026-01-10:VIP" "Tres VIP:2026-01-15:VIP" "Cuatro Pyme:2026-01-06:Pyme"; do
	IFS=: read -r name day seg <<<"$x"
	o client add "$name" --owner bo@example.com --segment "$seg" --contact "$name" \
		--email "$(echo "${name%% *}" | tr '[:upper:]' '[:lower:]')@order.example"
	"$CARTERA" -c "$T/order.conf" -q --now "$day 12:00Z" log "$name" call >/dev/null || t_fatal "log $name"
done
"$CARTERAD" -c "$T/order.conf" --once --now "2026-02-16 08:00:00Z" >>"$T/carterad.log" 2>&1
t_assert_eq 0 $? "carterad --once, one client listed per digest section"
t_assert_eq "dos@order.example uno@order.example" \
	"$("$CARTERA" -c "$T/order.conf" --json outbox | t_json '" ".join(sorted(m["recipient"] for m in d if m["kind"]=="followup"))')" \
	"both VIP clients overdue by after_days or more mailed, past the one the digest lists"
t_done
