#!/bin/bash
# digest.sh - the daily digest, end to end: the real carterad queues each
# salesperson's digest at their own local time and delivers it to a real
# SMTP server on loopback (tests/smtpd.py); tests/mailcheck.py reads what
# arrived with the strict policy.  Covers Spanish and English, accents in
# the recipient's name, every section, HTML escaping, header injection
# through values written behind the CLI's back, idempotent cycles, the
# missed-digest rule after downtime, a clock that goes back, and
# digest.send_empty.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init digest
DB_C=$(t_db c)
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export CARTERA_DB=$DB_C TZ=UTC

# shellcheck disable=SC2119 # no arguments: a plain server
t_start_smtpd

# conf FILE SEND_EMPTY: a configuration for this test.
conf() {
	t_conf "$1" "$DB_C"
	cat >>"$1" <<EOF
digest: { send_empty = $2; days = "mon-sun"; };	# weekends too: tests/workdays.sh has the working days
EOF
}
conf "$T/on.conf" true
conf "$T/off.conf" false
c() { "$CARTERA" -c "$T/on.conf" -q "$@"; }
# The set-up happens on the evening of 2026-03-09 (touches cannot be in the
# future); the owners and clients are older.
setup() { c --now "2026-03-09 20:00Z" "$@" >/dev/null || t_fatal "setup failed: $*"; }
old() { c --now "2026-01-02 00:00Z" "$@" >/dev/null || t_fatal "setup failed: $*"; }
# run INSTANT [CONF]: one cycle of the daemon at INSTANT ("YYYY-MM-DD HH:MM:SSZ").
run() {
	"$CARTERAD" -c "${2:-$T/on.conf}" --once --now "$1" >>"$T/carterad.log" 2>&1
	t_assert_eq 0 $? "carterad --once at $1 exits 0"
}
# mails_to ADDR: files of the messages the server accepted for ADDR, oldest first.
mails_to() {
	t_smtp_events message | ADDR=$1 /usr/bin/python3 -c '
import json, os, sys
for line in sys.stdin:
    e = json.loads(line)
    if e["rcpt_tos"] == [os.environ["ADDR"]]:
        print(os.path.join(os.environ["SMTP_DIR"], e["file"]))'
}
count_to() { mails_to "$1" | wc -l | tr -d ' '; }
# field NAME FILE: one field of mailcheck.py's report on FILE (parsed once).
field() {
	local cache
	cache=$T/mailcheck/$(basename "$2").json
	if [ ! -s "$cache" ]; then
		mkdir -p "$T/mailcheck"
		t_mailcheck "$2" >"$cache" 2>"$cache.err"
	fi
	FIELD=$1 /usr/bin/python3 -c '
import json, os, sys
r = json.load(open(sys.argv[1]))[0]
f = os.environ["FIELD"]
v = r["header"].get(f[7:]) if f.startswith("header.") else r[f]
print("" if v is None else v if isinstance(v, str) else json.dumps(v, separators=(",", ":"), ensure_ascii=False))' "$cache"
}
outbox() { c --json outbox | t_json "$1"; }

c init

# --- the portfolio: two Spanish and one English salesperson with something
# in every section, one with nothing to do, one whose names were tampered with.
old owner add ana@example.com --name "Ana López" --tz Europe/Madrid --digest-at 08:00 --lang es
old owner add begona@example.com --name "Begoña Ibáñez" --tz Europe/Madrid --digest-at 09:30 --lang es
old owner add bob@example.com --name "Bob Smith" --tz America/New_York --digest-at 07:00 --lang en
old owner add eve@example.com --name "Eve Empty" --tz UTC --digest-at 12:00 --lang en
old owner add mallory@example.com --name "Mallory" --tz UTC --digest-at 12:30 --lang en

# red: never touched since it was added (cadence 30 days, due long ago)
old client add "<script>alert(1)</script>" --owner ana@example.com --phone "600 111 222"
# yellow: touched recently, next contact in two days (reminder window 3 days)
old client add "Talleres Pérez S.L." --owner ana@example.com --phone "911 222 333" --contact "José Núñez"
setup log "Talleres Pérez" call --at "2026-03-05 10:00" --outcome "done"
setup client edit "Talleres Pérez" --next-contact 2026-03-12
# green: waiting for the client's answer since 2026-03-08
old client add "Café Ñandú" --owner ana@example.com --phone "922 333 444"
setup log "Café Ñandú" email --at "2026-03-08 10:00" --outcome waiting
# an invoice 54 days overdue (which makes its client red too)
old client add "Ferretería Sol" --owner ana@example.com --phone "933 444 555"
setup log "Ferretería Sol" call --at "2026-03-06 10:00" --outcome "done"
setup invoice add "Ferretería Sol" 1.234,56 --issued 2025-12-15 --due 2026-01-15 --number F-2025-077
# a visit on the digest day (to a red client: a plan would have been the
# yellow one's next step, taking it out of the list)
setup plan "Ferretería Sol" visit --at "2026-03-10 10:00" --duration 45
# Ana's goal for March: 10 calls (she made 2: 03-05 and 03-06).
setup goal set ana@example.com 2026-03 --calls 10

old client add "Panadería Begoña" --owner begona@example.com --phone "954 000 111"

old client add "Acme Corp" --owner bob@example.com --phone "+1 212 555 0100"
old client add "Umbrella plc" --owner bob@example.com
setup log "Umbrella" call --at "2026-03-06 10:00" --outcome "done"
old client add "Globex LLC" --owner bob@example.com --phone "+1 212 555 0101"
setup log "Globex" call --at "2026-03-05 10:00" --outcome "done"
setup client edit "Globex" --next-contact 2026-03-12
old client add "Initech" --owner bob@example.com
setup log "Initech" meeting --at "2026-03-09 10:00" --outcome waiting
setup invoice add "Umbrella" 99.50 --issued 2025-12-01 --due 2026-01-01 --number INV-9
setup plan "Umbrella" call --at "2026-03-10 15:00" --duration 30

old client add "Tampered Client" --owner mallory@example.com
# The CLI refuses line breaks in names; write them behind its back.
CRLF=$'\r\n' LF=$'\n'
t_sql "$CARTERA_DB" "UPDATE owners SET name = 'Mallory${CRLF}Bcc: victim@example.org${CRLF}' WHERE email = 'mallory@example.com';
UPDATE clients SET name = 'Tampered${CRLF}Bcc: victim2@example.org${LF}X-Evil: 1' WHERE name = 'Tampered Client';" ||
	t_fatal "sqlite3 update failed"

# --- day 0, 2026-03-09 at 23:00Z: everybody's digest of 2026-03-09 (in
# Madrid it is already the 10th, but 08:00 has not come).
run "2026-03-09 23:00:00Z"
t_wait_mail 5
base=$(t_mail_count)
t_assert_eq 5 "$base" "day 0: one digest per salesperson"
# Five digests in one cycle share one read of everyone's overdue invoices:
# each still gets its own, and only its own.
ana0=$(mails_to ana@example.com | head -1)
bob0=$(mails_to bob@example.com | head -1)
t_assert_match 'F-2025-077' "$(field text "$ana0")" "day 0: Ana's overdue invoice in her digest"
t_assert_match 'INV-9' "$(field text "$bob0")" "day 0: Bob's overdue invoice in his"
[[ $(field text "$ana0") =~ INV-9 ]] && t_fail "day 0: Bob's invoice in Ana's digest" ||
	t_pass "day 0: and not in Ana's"
# Her goal as of Monday 03-09: every day works here (digest.days), so
# March has 31 working days, 8 gone (1-8), 23 left; 2 of 10 calls = 20 %,
# at this pace 2 x 31 / 8 = 7.75: 78 %.  Monday, the week's first working day: her clients most at
# risk.  Ferretería Sol bought once, 84 days ago (2025-12-15), within the
# typical rhythm (no active client bought twice: single_purchase_days,
# 180), so not late; its invoice is 53 days past due (01-15 to 03-09):
# 5 + 10 x 53 / 90 = 10.89 -> 11.  Her other clients never bought.
t_assert_match '  Objetivo de marzo: 20 % de 10 llamadas, quedan 23 días laborables; al ritmo actual, 78 %' \
	"$(field text "$ana0")" "day 0: the goal line in the mailed digest"
t_assert_match 'EN RIESGO DE DEJARTE, LA LISTA DE LA SEMANA \(1\)' "$(field text "$ana0")" \
	"day 0, a Monday: the weekly risk list"
t_assert_match '  - Ferretería Sol: riesgo 11: 1 factura vencida, 1\.234,56 € \(la más antigua, hace 53 días\)' \
	"$(field text "$ana0")" "day 0: Ferretería Sol at risk, with its reason"
t_assert_match 'riesgo 11: 1 factura vencida' "$(field html "$ana0")" "day 0: the list in the HTML part"
[[ $(field text "$bob0") =~ GOALS ]] && t_fail "day 0: goals in Bob's digest" ||
	t_pass "day 0: Bob set no goal, his digest has none"

# --- day 1, 2026-03-10: each digest at its owner's local time, not before.
# Ana 08:00 CET = 07:00Z; Begoña 09:30 CET = 08:30Z; Bob 07:00 EDT (New
# York moved to summer time on March 8) = 11:00Z; Eve 12:00Z; Mallory 12:30Z.
run "2026-03-10 06:59:59Z"
t_assert_eq "$base" "$(t_mail_count)" "nothing at 06:59:59Z"
run "2026-03-10 07:00:00Z"
t_wait_mail $((base + 1))
t_assert_eq 2 "$(count_to ana@example.com)" "Ana's digest at 07:00:00Z"
run "2026-03-10 08:29:59Z"
t_assert_eq 1 "$(count_to begona@example.com)" "Begoña: nothing at 08:29:59Z"
run "2026-03-10 08:30:00Z"
t_wait_mail $((base + 2))
t_assert_eq 2 "$(count_to begona@example.com)" "Begoña's digest at 08:30:00Z"
run "2026-03-10 10:59:59Z"
t_assert_eq 1 "$(count_to bob@example.com)" "Bob: nothing at 10:59:59Z"
run "2026-03-10 11:00:00Z"
t_wait_mail $((base + 3))
t_assert_eq 2 "$(count_to bob@example.com)" "Bob's digest at 11:00:00Z"
run "2026-03-10 12:30:00Z"
t_wait_mail $((base + 5))
# The same instant again, and later that day: nothing more.
run "2026-03-10 12:30:00Z"
run "2026-03-10 22:00:00Z"
sleep 0.3
t_assert_eq $((base + 5)) "$(t_mail_count)" "day 1: exactly one digest each, repeated cycles send nothing"
t_assert_eq 0 "$(outbox 'len([m for m in d if m["status"] != "sent"])')" "every queued message sent"
t_assert_eq 10 "$(outbox 'len(set(m["idem_key"] for m in d))')" "ten digests, one key each"

ana=$(mails_to ana@example.com | tail -n 1)
begona=$(mails_to begona@example.com | tail -n 1)
bob=$(mails_to bob@example.com | tail -n 1)
eve=$(mails_to eve@example.com | tail -n 1)
mallory=$(mails_to mallory@example.com | tail -n 1)

# --- every message parses cleanly with the strict policy
t_mailcheck "$SMTP_DIR" >"$T/all.json"
t_assert_eq 0 $? "all messages parse strictly, no defects"
t_assert_eq 10 "$(t_json 'len(set(m["message_id"] for m in d))' <"$T/all.json")" "Message-IDs unique"

# --- headers
for f in "$ana" "$begona" "$bob" "$eve" "$mallory"; do
	h=$(field headers "$f")
	for name in From To Subject Date Message-ID MIME-Version; do
		t_assert_match "\"$name\"" "$h" "$(basename "$f"): $name present"
	done
	t_assert_eq '["multipart/alternative","text/plain","text/html"]' \
		"$(field parts "$f" | t_json 'json.dumps([p["content_type"] for p in d], separators=(",", ":"))')" \
		"$(basename "$f"): multipart/alternative, text then HTML"
	t_assert_eq "Cartera <cartera@example.com>" "$(field from "$f")" "$(basename "$f"): From"
	t_assert_match '^<[^<>@ ]+@example\.com>$' "$(field message_id "$f")" "$(basename "$f"): Message-ID on our domain"
done
t_assert_eq "Begoña Ibáñez <begona@example.com>" "$(field to "$begona")" "To with accents decoded"
t_assert_eq '["begona@example.com"]' "$(field to_addrs "$begona")" "To address"
t_assert_match '^=\?(utf-8|UTF-8)\?[QqBb]\?' "$(grep -m1 '^To:' "$begona" | sed 's/^To: *//')" "To encoded (RFC 2047) on the wire"
t_assert_eq "Ana López <ana@example.com>" "$(field to "$ana")" "Ana's To"
t_assert_eq "2026-03-10T07:00:00+00:00" "$(field date_iso "$ana")" "Date is the queueing instant"
t_assert_eq "2026-03-10T11:00:00+00:00" "$(field date_iso "$bob")" "Bob's Date"

# --- Spanish sections
t_assert_eq "Cartera, martes, 10 de marzo de 2026: 2 en rojo, 1 en amarillo, 1 en verde, 1 en agenda" \
	"$(field subject "$ana")" "Spanish subject"
txt=$(field text "$ana")
html=$(field html "$ana")
for w in '\[ROJO\] CONTACTAR HOY' '\[AMARILLO\] PRÓXIMOS DÍAS' '\[VERDE\] ESPERANDO SU RESPUESTA' \
	'FACTURAS VENCIDAS \(1: 1\.234,56 €\)' 'AGENDA DE HOY \(1\)' 'Hola, Ana:' \
	'10:00-10:45  [Vv]isita: Ferretería Sol' 'José Núñez' 'Café Ñandú' 'Ferretería Sol' 'F-2025-077'; do
	t_assert_match "$w" "$txt" "Spanish text: /$w/"
done
# Tuesday: 9 working days gone, 22 left; 2 x 31 / 9 = 6.89: 69 %.  No risk
# list: it comes on the week's first working day only.
t_assert_match '  Objetivo de marzo: 20 % de 10 llamadas, quedan 22 días laborables; al ritmo actual, 69 %' \
	"$txt" "day 1: the goal line as of Tuesday"
[[ $txt =~ "EN RIESGO" ]] && t_fail "day 1: a risk list on a Tuesday" || t_pass "day 1: no risk list on a Tuesday"
t_assert_match 'Objetivos del mes' "$(field html "$ana")" "the goals in the HTML part"
for w in 'En rojo: contactar hoy' 'En amarillo: próximos días' 'En verde: esperando su respuesta' \
	'Facturas vencidas' 'Agenda de hoy' '<html lang="es">'; do
	t_assert_match "$w" "$html" "Spanish HTML: /$w/"
done
t_assert_match 'Hola, Begoña:' "$(field text "$begona")" "Begoña greeted by her first name"

# --- English sections
t_assert_eq "Cartera, Tuesday, 10 March 2026: 2 red, 1 yellow, 1 green, 1 on the agenda" \
	"$(field subject "$bob")" "English subject"
txt=$(field text "$bob")
for w in '\[RED\] CONTACT TODAY' '\[YELLOW\] COMING UP' '\[GREEN\] WAITING FOR THEIR ANSWER' \
	'OVERDUE INVOICES \(1: ' "TODAY'S AGENDA \(1\)" 'Hello Bob,' '15:00-15:30  [Cc]all: Umbrella plc' \
	'Acme Corp' 'Umbrella plc' 'Initech' 'INV-9'; do
	t_assert_match "$w" "$txt" "English text: /$w/"
done
for w in '<html lang="en">' 'Overdue invoices' ; do
	t_assert_match "$w" "$(field html "$bob")" "English HTML: /$w/"
done

# --- HTML escaping: the hostile client name
html=$(field html "$ana")
t_assert_match '&lt;script&gt;alert\(1\)&lt;/script&gt;' "$html" "client name escaped in HTML"
if grep -qF '<script>' <<<"$html"; then t_fail "no raw <script> in HTML"; else t_pass "no raw <script> in HTML"; fi
t_assert_match '<script>alert\(1\)</script>' "$(field text "$ana")" "client name literal in the text part"

# --- header injection through the database
t_assert_eq '["mallory@example.com"]' "$(field to_addrs "$mallory")" "tampered owner: one recipient"
t_assert_eq '' "$(field header.bcc "$mallory")" "no Bcc header"
t_assert_eq '' "$(field header.x-evil "$mallory")" "no X-Evil header"
hdrs=$(sed '/^\r*$/q' "$mallory")
if grep -qi '^\(bcc\|x-evil\):' <<<"$hdrs"; then
	t_fail "no injected header line in the raw header section"
else
	t_pass "no injected header line in the raw header section"
fi
t_assert_eq '["mallory@example.com"]' "$(t_smtp_events message | grep -F "$(basename "$mallory")" | t_json 'json.dumps(d["rcpt_tos"])')" "SMTP envelope: only the owner"
t_assert_match 'Tampered' "$(field text "$mallory")" "tampered client still listed"
t_assert_eq '[]' "$(field defects "$mallory")" "tampered message parses"

# --- send_empty = true: a "nothing due" mail
t_assert_match '^Cartera: nothing due today, Tuesday, 10 March 2026$' "$(field subject "$eve")" "empty digest subject"
t_assert_match 'Nothing due' "$(field text "$eve")" "empty digest says nothing is due"

# --- send_empty = false, 2026-03-11 late: Eve gets nothing, the rest theirs
n=$(t_mail_count)
run "2026-03-11 23:00:00Z" "$T/off.conf"
t_wait_mail $((n + 4))
sleep 0.3
t_assert_eq $((n + 4)) "$(t_mail_count)" "send_empty off: four digests"
t_assert_eq 2 "$(count_to eve@example.com)" "send_empty off: nothing for Eve"
t_assert_file_contains "$T/carterad.log" 'digest for eve@example.com of 2026-03-11 skipped' "skip logged"
t_assert_eq "2026-03-11" "$(t_sql "$CARTERA_DB" "SELECT last_digest_day FROM owners WHERE email = 'eve@example.com'")" "the skipped day counts as done"
run "2026-03-11 23:30:00Z"
t_assert_eq 2 "$(count_to eve@example.com)" "turning send_empty on later does not resend the skipped day"

# --- three days down (runs on the 11th and the 14th): the run of the 14th,
# after every slot of that day, sends one digest each, for the 14th.
n=$(t_mail_count)
run "2026-03-14 12:45:00Z"
t_wait_mail $((n + 5))
sleep 0.3
t_assert_eq $((n + 5)) "$(t_mail_count)" "after downtime: one digest each, not one per missed day"
for a in ana begona bob eve mallory; do
	t_assert_eq "digest:$(t_sql "$CARTERA_DB" "SELECT id FROM owners WHERE email = '$a@example.com'"):2026-03-14" \
		"$(outbox "[m['idem_key'] for m in d if m['recipient'] == '$a@example.com'][-1]")" "$a: the digest after downtime is the 14th's"
done
t_assert_match '14 de marzo de 2026' "$(field subject "$(mails_to ana@example.com | tail -n 1)")" "its subject names the 14th"
t_assert_eq 0 "$(outbox 'len([m for m in d if m["idem_key"].endswith(("03-12", "03-13"))])')" "no digest for the 12th or the 13th"

# --- back just after midnight in Madrid (2026-03-15 23:00Z = 00:00 on the
# 16th): Ana's digest of the 15th was missed and goes now, as the 15th's;
# the 16th's follows at 08:00.  Two mails, two different days.
n=$(t_mail_count)
run "2026-03-15 23:00:00Z"
t_wait_mail $((n + 5))
late=$(mails_to ana@example.com | tail -n 1)
t_assert_eq "digest:1:2026-03-15" "$(outbox "[m['idem_key'] for m in d if m['recipient'] == 'ana@example.com'][-1]")" "the missed digest is the 15th's"
t_assert_match '^Cartera, domingo, 15 de marzo de 2026' "$(field subject "$late")" "and its subject names the 15th"
run "2026-03-16 07:00:00Z"
t_wait_mail $((n + 6))
t_assert_match '^Cartera, lunes, 16 de marzo de 2026' "$(field subject "$(mails_to ana@example.com | tail -n 1)")" "the 16th's names the 16th"

# --- the clock goes back a day: nothing
n=$(t_mail_count)
run "2026-03-15 07:00:00Z"
run "2026-03-15 23:30:00Z"
run "2026-03-16 07:00:01Z"
sleep 0.3
t_assert_eq "$n" "$(t_mail_count)" "clock back a day, then forward again: nothing sent"
t_assert_eq 6 "$(outbox 'len([m for m in d if "2026-03-15" in m["idem_key"] or "2026-03-16" in m["idem_key"]])')" "nothing more queued"
t_assert_eq 0 "$(outbox 'len([m for m in d if m["status"] != "sent"])')" "outbox drained"

# --- a line break in an owner's address, behind the CLI's back, must not
# become a second SMTP command (RCPT TO) or header: the message is refused.
old owner add trudy@example.com --name "Trudy" --tz UTC --digest-at 12:00 --lang en
t_sql "$CARTERA_DB" "UPDATE owners SET email = 'trudy@example.com>${CRLF}RCPT TO:<victim@example.org' WHERE email = 'trudy@example.com'" ||
	t_fatal "sqlite3 update failed"
run "2026-03-16 12:00:00Z"
t_assert_eq "failed" "$(outbox '[m["status"] for m in d if m["recipient"].startswith("trudy@")][0]')" "tampered address: message refused"
t_assert_match 'line break' "$(outbox '[m["last_error"] for m in d if m["recipient"].startswith("trudy@")][0]')" "tampered address: the error says why"
if grep -q 'victim@example.org' "$SMTP_DIR/log.jsonl"; then
	t_fail "tampered address: the server never saw the injected recipient"
else
	t_pass "tampered address: the server never saw the injected recipient"
fi
t_assert_eq 0 "$(t_smtp_events message | grep -c trudy)" "tampered address: nothing sent to it"

t_done
