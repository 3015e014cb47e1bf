#!/bin/bash
# smtp_auth_tls.sh - SMTP AUTH, STARTTLS and implicit TLS with the real
# carterad and tests/smtpd.py on loopback: a right password delivers, a
# wrong one leaves the message pending (temporary, the configuration can
# be fixed); STARTTLS required is honoured (never in clear, the server's
# certificate checked against smtp.ca_file); smtps:// delivers over TLS.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init smtp_auth_tls
t_require openssl

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC

t_make_cert "$T/tls"
CERT=$T_CERT KEY=$T_KEY
t_make_cert "$T/other"
OTHER_CERT=$T_CERT

# fresh NAME SMTP-SETTINGS: database, configuration and one owner
# (NAME@example.com, digest at 08:00 UTC).
fresh() {
	DB=$(t_db "$1")
	CONF=$T/$1.conf
	cat >"$CONF" <<EOF
user = "root";
database = "$DB";
web: { key_file = "$T/web.key"; };	# (a server database has no directory to hold it)
templates = "$T_SRCDIR/etc/templates";
http: { port = 0; };
smtp: {
	from = "Cartera <cartera@example.com>";
	timeout = 5;
$2
};
EOF
	chmod 600 "$CONF"
	export CARTERA_DB=$DB
	c init || t_fatal "init $DB"
	c --now "2026-01-01 00:00Z" owner add "$1@example.com" --name "Owner $1" --tz UTC \
		--digest-at 08:00 --lang en || t_fatal "owner add"
}
c() { "$CARTERA" -c "$CONF" -q "$@"; }
run() {
	"$CARTERAD" -c "$CONF" --once --now "$1" >>"$T/carterad.log" 2>&1
	t_assert_eq 0 $? "carterad --once at $1 ($(basename "$CONF" .conf))"
}
msg() { c --json outbox | t_json "d[0]['$1']"; }
received() { t_smtp_events message | grep -cF "\"rcpt_tos\":[\"$1\"]"; }

# ------------------------------------------------------------------ AUTH
t_start_smtpd --auth "cartera:s3cret pass"
printf 's3cret pass\n' >"$T/password"
chmod 600 "$T/password"
fresh auth "	url = \"smtp://127.0.0.1:$SMTP_PORT\";
	starttls = \"none\";
	user = \"cartera\";
	password_file = \"$T/password\";"
run "2026-03-10 08:00:00Z"
t_wait_mail 1
t_assert_eq "sent|1" "$(msg status)|$(received auth@example.com)" "AUTH: delivered"
t_assert_eq 1 "$(t_smtp_events auth | grep -c '"user":"cartera".*"ok":true')" "AUTH: logged in as smtp.user"
if grep -q 's3cret' "$T/carterad.log"; then t_fail "AUTH: password not logged"; else t_pass "AUTH: password not logged"; fi

printf 'wrong\n' >"$T/password"
fresh badauth "	url = \"smtp://127.0.0.1:$SMTP_PORT\";
	starttls = \"none\";
	user = \"cartera\";
	password_file = \"$T/password\";"
run "2026-03-10 08:00:00Z"
t_assert_eq 1 "$(t_smtp_events auth | grep -c '"ok":false')" "wrong password: the server refused the login"
t_assert_eq "pending|535" "$(msg status)|$(msg last_code)" "wrong password: pending (temporary), not failed"
t_assert_match '^535 ' "$(msg last_error)" "wrong password: the server's reply kept"
t_assert_eq 0 "$(received badauth@example.com)" "wrong password: nothing sent"
# Fixing the password lets the queue drain.
printf 's3cret pass\n' >"$T/password"
run "2026-03-10 09:00:00Z"
t_assert_eq "sent|1" "$(msg status)|$(received badauth@example.com)" "wrong password fixed: delivered once"
t_stop "$SMTP_PID"

# -------------------------------------------------------- STARTTLS required
t_start_smtpd --tls-cert "$CERT" --tls-key "$KEY" --require-starttls
fresh tls "	url = \"smtp://127.0.0.1:$SMTP_PORT\";
	starttls = \"required\";
	ca_file = \"$CERT\";"
run "2026-03-10 08:00:00Z"
t_wait_mail 1
t_assert_eq "sent|1" "$(msg status)|$(received tls@example.com)" "STARTTLS: delivered"
session=$(t_smtp_events message | t_json 'd["session"]')
t_assert_eq 1 "$(t_smtp_events starttls | grep -c "\"session\":$session}")" "STARTTLS: the message's session used STARTTLS"
t_assert_eq 0 "$(t_smtp_events reply | wc -l | tr -d ' ')" "STARTTLS: no refusal (530) on the way"

# The certificate is checked: a CA that did not sign it means no delivery.
fresh badca "	url = \"smtp://127.0.0.1:$SMTP_PORT\";
	starttls = \"required\";
	ca_file = \"$OTHER_CERT\";"
run "2026-03-10 08:00:00Z"
t_assert_eq "pending|0" "$(msg status)|$(received badca@example.com)" "STARTTLS with an unknown CA: not sent, pending"
t_assert_match 'SSL|certificate|TLS' "$(msg last_error)" "unknown CA: the error names the certificate check"
t_stop "$SMTP_PID"

# ------------------------------- STARTTLS required, server does not offer it
t_start_smtpd
fresh notls "	url = \"smtp://127.0.0.1:$SMTP_PORT\";
	starttls = \"required\";"
run "2026-03-10 08:00:00Z"
t_assert_eq "pending|0" "$(msg status)|$(received notls@example.com)" "no STARTTLS offered: not sent in clear, pending"
t_assert_eq 0 "$(t_smtp_events message | wc -l | tr -d ' ')" "no STARTTLS offered: the server got no message"
t_assert_match 'SSL|TLS|STARTTLS' "$(msg last_error)" "no STARTTLS offered: the error says why"
t_stop "$SMTP_PID"

# ------------------------------------------------------------ implicit TLS
t_start_smtpd --tls-cert "$CERT" --tls-key "$KEY" --implicit-tls
fresh smtps "	url = \"smtps://127.0.0.1:$SMTP_PORT\";
	ca_file = \"$CERT\";"
run "2026-03-10 08:00:00Z"
t_wait_mail 1
t_assert_eq "sent|1" "$(msg status)|$(received smtps@example.com)" "implicit TLS: delivered"
t_assert_eq 1 "$(t_smtp_events connect | grep -c '"tls":true')" "implicit TLS: the connection was TLS from the start"
t_stop "$SMTP_PID"

# ------------------------------------------- AUTH only after STARTTLS
t_start_smtpd --tls-cert "$CERT" --tls-key "$KEY" --require-starttls --auth cartera:pw2 --auth-require-tls
printf 'pw2\n' >"$T/password"
fresh authtls "	url = \"smtp://127.0.0.1:$SMTP_PORT\";
	starttls = \"required\";
	ca_file = \"$CERT\";
	user = \"cartera\";
	password_file = \"$T/password\";"
run "2026-03-10 08:00:00Z"
t_wait_mail 1
t_assert_eq "sent|1" "$(msg status)|$(received authtls@example.com)" "AUTH over STARTTLS: delivered"
t_assert_eq "1 1" "$(t_smtp_event_count starttls) $(t_smtp_events auth | grep -c '"ok":true')" "AUTH over STARTTLS: TLS, then login"

t_done
