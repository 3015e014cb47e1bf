#!/bin/bash
# addresses.sh - one address rule for the CLI, CSV import, the
# configuration and the mail: what one accepts, the others deliver to.
#   - "cartera owner add josé@example.es" is refused at once (it used to
#     be accepted, and every digest for that owner then failed for good);
#   - an address made to smuggle a recipient into a mailto: link
#     ("a?bcc=evil%40x.example&body=...@b.example") is refused by the CLI
#     and by import;
#   - report.manager = "Jefa <jefa@ex.es>" passes --check-config and the
#     monthly summary reaches jefa@ex.es with her name (it used to fail
#     with "contains a space");
#   - data written behind the CLI's back still cannot add a recipient:
#     every mailto: and tel: link in the HTML digest is percent-encoded,
#     checked with Python's strict email parser and HTML parser.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init addresses
DB_C=$(t_db c)
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC
unset CARTERA_DB
t_start_smtpd
t_conf "$T/c.conf" "$DB_C"
cat >>"$T/c.conf" <<CONF
digest: { default_time = "08:00"; default_timezone = "Europe/Madrid"; language = "es"; };
report: { monthly = true; manager = "Jefa <jefa@ex.es>"; };
CONF
c() { "$CARTERA" -c "$T/c.conf" -q "$@"; }
at() { local t=$1; shift; c --now "$t" "$@" >/dev/null || t_fatal "setup failed: $*"; }
D0="2026-06-01 09:00Z"
EVIL='a?bcc=evil%40x.example&body=PAY%20TO%20IBAN%20XX@b.example'

"$CARTERAD" -c "$T/c.conf" --check-config >"$T/cc.out" 2>&1
t_assert_eq 0 $? "--check-config accepts report.manager = \"Jefa <jefa@ex.es>\""
at "$D0" init
at "$D0" owner add ana@example.com --name "Ana López" --tz Europe/Madrid --lang es

# ---- the CLI refuses what mail could not be sent to
c owner add 'josé@example.es' --name José >/dev/null 2>"$T/err"
t_assert_eq 1 $? "owner add josé@example.es refused"
t_assert_file_contains "$T/err" 'owner address "josé@example\.es" contains non-ASCII characters' \
	"the refusal says why"
t_assert_eq "ana@example.com" "$(t_sql "$DB_C" 'SELECT email FROM owners')" \
	"no such owner stored"
c client add "Evil" --owner ana@example.com --email "$EVIL" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "a client email with ?bcc= refused"
t_assert_file_contains "$T/err" "not allowed before the '@' \('\?'\)" "the refusal names the character"
printf 'name,email,owner\nEvil,%s,ana@example.com\n' "$EVIL" >"$T/evil.csv"
c import "$T/evil.csv" >/dev/null 2>"$T/err"
t_assert_eq 1 $? "import refuses it too"
t_assert_file_contains "$T/err" "evil\.csv:2: email: .*not allowed before the '@'" "import says where"
c owner add 'jefa@ex' --name X >/dev/null 2>&1
t_assert_eq 1 $? "an address without a real domain refused"

# ---- the portfolio, then hostile addresses written behind the CLI's back
at "$D0" client add "Talleres Pérez" --owner ana@example.com --email compras@talleres.es \
	--phone "+34 911 222 333" --contact "Marta"
at "$D0" client add "Evil Corp" --owner ana@example.com --email ok@evil.example --phone "600 111 222"
at "$D0" plan Talleres visit --at "2026-06-02 10:00"
t_sql "$DB_C" "UPDATE contacts SET email = '$EVIL', phone = '6?x=1&y=\"><b>'
	WHERE client_id = (SELECT id FROM clients WHERE name = 'Evil Corp')" ||
	t_fatal "tampering failed"

# A digest (clients are due: never touched, created long ago) and, on the
# first working day of July, the monthly summaries.
"$CARTERAD" -c "$T/c.conf" --once --now "2026-07-01 07:00:00Z" >>"$T/d.log" 2>&1
t_assert_eq 0 $? "carterad --once"
t_wait_mail 3
t_assert_eq "" "$(c --json outbox | /usr/bin/python3 -c 'import json,sys; print(" ".join(m["recipient"] for m in json.load(sys.stdin) if m["status"] != "sent"))')" \
	"every message sent, none failed"

# The team's summary reached the manager, with her name.
team=$(grep -l '^To: ' "$SMTP_DIR"/*.eml | xargs grep -l 'jefa@ex.es' | head -1)
t_assert_match '.' "$team" "the monthly summary arrived for report.manager"
if [ -n "$team" ]; then
	t_assert_eq "Jefa <jefa@ex.es>" "$(t_mailcheck --field to "$team")" "To: Jefa <jefa@ex.es>"
	t_assert_eq 1 "$(t_smtp_events message | grep -c '"jefa@ex.es"')" "envelope recipient jefa@ex.es"
fi

# The digest's links: percent-encoded, one recipient each.
digest=$(grep -l '^To: .*ana@example.com' "$SMTP_DIR"/*.eml | xargs grep -L 'image/png' | head -1)
t_assert_match '.' "$digest" "the digest arrived"
/usr/bin/python3 - "$digest" >"$T/links" <<'PY'
import email, email.policy, sys
from html.parser import HTMLParser
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.strict)
html = m.get_body(("html",)).get_content()
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "href" and (v.startswith("mailto:") or v.startswith("tel:")):
                print(v)
P().feed(html)
PY
t_assert_file_contains "$T/links" '^mailto:compras@talleres\.es$' "an ordinary mailto: link"
t_assert_file_contains "$T/links" '^tel:\+34%20911%20222%20333$' "tel: link percent-encoded"
t_assert_file_contains "$T/links" '^mailto:a%3Fbcc%3Devil%2540x\.example%26body%3DPAY%2520TO%2520IBAN%2520XX@b\.example$' \
	"the tampered address stays one address in its mailto: link"
t_assert_file_contains "$T/links" '^tel:6%3Fx%3D1%26y%3D%22%3E%3Cb%3E$' "the tampered phone stays one number"
if grep -E '^mailto:[^%]*[?&#]' "$T/links" >/dev/null; then
	t_fail "no mailto: link carries header fields"
else
	t_pass "no mailto: link carries header fields"
fi
t_done
