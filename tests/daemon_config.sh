#!/bin/bash
# daemon_config.sh - carterad's command line and configuration as an
# administrator meets them: --check-config (secrets masked), errors that
# name FILE:LINE, secrets in files others can read refused, --version and
# --help, SIGHUP with a broken file (keeps running on the old settings) and
# with a good one (reloads), SIGTERM (exit 0).
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init daemon_config
DB_C=$(t_db c)

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC CARTERA_DB=$DB_C
TEMPLATES=$T_SRCDIR/etc/templates

# ------------------------------------------------------- --version, --help
out=$("$CARTERAD" --version)
t_assert_eq 0 $? "--version exits 0"
t_assert_match '^carterad \(cartera [0-9]+\.[0-9]+' "$out" "--version names the version"
out=$("$CARTERAD" --help)
t_assert_eq 0 $? "--help exits 0"
for opt in --config --database --once --now --check-config --version --help; do
	t_assert_match -- "$opt" "$out" "--help lists $opt"
done
"$CARTERAD" --frobnicate >/dev/null 2>&1
t_assert_eq 2 $? "unknown option exits 2"

# ---------------------------------------------------------- --check-config
cat >"$T/good.conf" <<EOF
user = "root";
database = "$DB_C";
web: { key_file = "$T/web.key"; };	# (a server database has no directory to hold it)
templates = "$TEMPLATES";
http: { port = 0; };
smtp: {
	url = "smtp://127.0.0.1:2525";
	starttls = "none";
	user = "cartera";
	password = "Sup3r-s3cret";
	timeout = 7;
};
EOF
chmod 600 "$T/good.conf"
out=$("$CARTERAD" --check-config -c "$T/good.conf" 2>&1)
t_assert_eq 0 $? "--check-config of a valid file exits 0"
t_assert_match 'timeout = 7;' "$out" "--check-config prints the settings in effect"
t_assert_match 'password = "\*+";' "$out" "--check-config masks the password"
if grep -q 'Sup3r-s3cret' <<<"$out"; then t_fail "the password is never printed"; else t_pass "the password is never printed"; fi

printf 'Sup3r-s3cret\n' >"$T/secret"
chmod 600 "$T/secret"
cat >"$T/pwfile.conf" <<EOF
user = "root";
templates = "$TEMPLATES";
smtp: {
	user = "cartera";
	password_file = "secret";
};
EOF
out=$("$CARTERAD" --check-config -c "$T/pwfile.conf" 2>&1)
t_assert_eq 0 $? "--check-config with a 0600 password_file exits 0"
if grep -q 'Sup3r-s3cret' <<<"$out"; then t_fail "password from the file not printed"; else t_pass "password from the file not printed"; fi

# bad FILE EXPECTED-LINE ERE MSG: --check-config exits 1 with FILE:LINE: ERE
bad() {
	local out rc
	out=$("$CARTERAD" --check-config -c "$1" 2>&1)
	rc=$?
	t_assert_eq 1 "$rc" "$4: exit 1"
	t_assert_match "$1:$2: .*$3" "$out" "$4: FILE:LINE: and what is wrong"
}
cat >"$T/unknown.conf" <<EOF
user = "root";
templates = "$TEMPLATES";
smtp: {
	url = "smtp://127.0.0.1:2525";
	timout = 5;
};
EOF
bad "$T/unknown.conf" 5 'smtp\.timout.*unknown' "unknown key"
cat >"$T/type.conf" <<EOF
user = "root";
templates = "$TEMPLATES";
smtp: {
	timeout = "5";
};
EOF
bad "$T/type.conf" 4 'smtp\.timeout.*integer' "bad type"
cat >"$T/open.conf" <<EOF
user = "root";
templates = "$TEMPLATES";
smtp: {
	user = "cartera";
	password = "Sup3r-s3cret";
};
EOF
chmod 644 "$T/open.conf"
bad "$T/open.conf" 5 'password.*readable by others' "world-readable file holding smtp.password"
chmod 644 "$T/secret"
bad "$T/pwfile.conf" 5 'password_file.*readable by others' "world-readable password_file"
chmod 600 "$T/secret"
out=$("$CARTERAD" --check-config -c "$T/missing.conf" 2>&1)
t_assert_eq 1 $? "missing configuration file: exit 1"
t_assert_match "missing\.conf" "$out" "missing configuration file named"

# --------------------------------------------------- SIGHUP, SIGTERM
# A running daemon (its clock runs on from --now) and a real SMTP server.
# shellcheck disable=SC2119 # no arguments: a plain server
t_start_smtpd
conf() {
	cat >"$T/run.conf.new" <<EOF
user = "root";
database = "$DB_C";
web: { key_file = "$T/web.key"; };	# (a server database has no directory to hold it)
templates = "$TEMPLATES";
http: { port = 0; };
smtp: {
	url = "smtp://127.0.0.1:$SMTP_PORT";
	starttls = "none";
	from = "$1";
	timeout = 5;
};
$2
EOF
	mv "$T/run.conf.new" "$T/run.conf"
}
: >"$T/empty.conf"
c() { "$CARTERA" -c "$T/empty.conf" -q --now "2026-01-01 00:00Z" "$@"; }
conf "Cartera <cartera@example.com>" ""
c init
c owner add a@example.com --name A --tz UTC --digest-at 08:00 --lang en
t_start_bg -v DPID -l "$T/d.log" "$CARTERAD" -c "$T/run.conf" -f --now "2026-03-10 09:00:00Z"
t_wait_mail 1
t_assert_eq "Cartera <cartera@example.com>" "$(t_mailcheck --field from "$(t_mail_last)")" "first digest with the configured sender"

# A broken file: the reload is refused, the daemon goes on with the old one.
conf "Nuevo <nuevo@example.com>" "smtp_typo: { x = 1; };"
kill -HUP "$DPID"
t_wait_for "grep -q 'reload refused' '$T/d.log'" 10
t_assert_file_contains "$T/d.log" "reload refused, keeping the running configuration: .*run\.conf:[0-9]+: " "broken reload logged with FILE:LINE"
t_assert_ok "daemon alive after a refused reload" t_alive "$DPID"
c owner add b@example.com --name B --tz UTC --digest-at 08:00 --lang en
t_wait_mail 2 15
t_assert_eq "Cartera <cartera@example.com>" "$(t_mailcheck --field from "$(t_mail_last)")" "still the old settings after a refused reload"

# A valid file: reloaded, the new sender is used.
conf "Nuevo <nuevo@example.com>" ""
kill -HUP "$DPID"
t_wait_for "grep -q 'configuration and templates reloaded' '$T/d.log'" 10
c owner add c@example.com --name C --tz UTC --digest-at 08:00 --lang en
t_wait_mail 3 15
t_assert_eq "Nuevo <nuevo@example.com>" "$(t_mailcheck --field from "$(t_mail_last)")" "new settings after a good reload"
t_assert_eq '["c@example.com"]' "$(t_mailcheck --field to_addrs "$(t_mail_last)")" "to the new owner"

t_stop "$DPID" TERM
t_assert_eq 0 "$T_STOP_STATUS" "SIGTERM: exit 0"
t_assert_file_contains "$T/d.log" "stopped" "SIGTERM: says it stopped"
t_assert_eq 3 "$(t_mail_count)" "one digest per owner, nothing else"

# ---- client emails need a public base URL for their unsubscribe link
cat >"$T/nobase.conf" <<EOF
user = "root";
database = "$DB_C"; web: { key_file = "$T/web.key"; };
templates = "$TEMPLATES";
http: { port = 8025; };
client_emails: { enabled = true; };
EOF
out=$("$CARTERAD" --check-config -c "$T/nobase.conf" 2>&1)
t_assert_eq 1 $? "client_emails.enabled without http.base_url: --check-config refuses it"
t_assert_match 'nobase\.conf:5: client_emails\.enabled: needs http\.base_url.*http://127\.0\.0\.1:8025/.*set http\.base_url' \
	"$out" "and says what to set, naming FILE:LINE"
"$CARTERAD" -c "$T/nobase.conf" -f --once --now "2026-03-10 09:00:00Z" >"$T/nobase.out" 2>&1
t_assert_eq 1 $? "carterad does not start with it"
t_assert_file_contains "$T/nobase.out" 'needs http\.base_url' "the start error says why"
sed -i 's|http: { port = 8025; };|http: { port = 8025; base_url = "https://cartera.example.com"; };|' "$T/nobase.conf"
t_assert_ok "with http.base_url set: accepted" "$CARTERAD" --check-config -c "$T/nobase.conf"

# ---- a template error on a branch only data opens is found at load
# A partial that includes itself inside a list renders fine on empty data;
# it used to fail only at digest time ("nested deeper than 100 levels").
selfinc() {	# a copy of the shipped templates whose _client.html includes itself
	rm -rf "$T/tmpl" && cp -r "$TEMPLATES" "$T/tmpl" &&
		printf '{{#red.items}}{{> _client.html}}{{/red.items}}\n' >>"$T/tmpl/es/_client.html"
}
selfinc
cat >"$T/selfinc.conf" <<EOF
user = "root";
database = "$DB_C"; web: { key_file = "$T/web.key"; };
templates = "$T/tmpl";
http: { port = 0; };
EOF
out=$("$CARTERAD" --check-config -c "$T/selfinc.conf" 2>&1)
t_assert_eq 1 $? "a self-including partial: --check-config refuses it"
t_assert_match 'es/digest\.html: partial "_client\.html", line [0-9]+: .*nested deeper than 100 levels \(does a partial include itself\?\)' \
	"$out" "naming the template file and the partial"
"$CARTERAD" -c "$T/selfinc.conf" -f --once --now "2026-03-10 09:00:00Z" >"$T/selfinc.out" 2>&1
t_assert_eq 1 $? "carterad does not start with it"
t_assert_file_contains "$T/selfinc.out" 'partial "_client\.html".*include itself' "the start error names it"
# SIGHUP: the running daemon keeps its good templates.
rm -rf "$T/tmpl" && cp -r "$TEMPLATES" "$T/tmpl"
t_start_bg -v DPID -l "$T/hup.log" "$CARTERAD" -c "$T/selfinc.conf" -f --now "2026-03-10 09:00:00Z"
t_wait_for "grep -q 'started' '$T/hup.log'" 10
selfinc
kill -HUP "$DPID"
t_wait_for "grep -q 'reload refused' '$T/hup.log'" 10
t_assert_file_contains "$T/hup.log" 'reload refused, keeping the running templates.*_client\.html.*include itself' \
	"SIGHUP with it: refused, the running templates kept"
t_assert_ok "daemon alive after the refused reload" t_alive "$DPID"
t_stop "$DPID" TERM
# Every page of the salesperson's web pages is checked the same way as the
# mails: a missing one, or one with a section only data opens that never
# closes, is named at load.
rm -rf "$T/tmpl" && cp -r "$TEMPLATES" "$T/tmpl" && rm "$T/tmpl/en/web/search.html"
out=$("$CARTERAD" --check-config -c "$T/selfinc.conf" 2>&1)
t_assert_eq 1 $? "a missing web page template: --check-config refuses it"
t_assert_match "template en/web/search\.html not found in $T/tmpl" "$out" "naming the page"
rm -rf "$T/tmpl" && cp -r "$TEMPLATES" "$T/tmpl" &&
	printf '{{#results}}{{> web/_client.html}}{{/results}}\n' >>"$T/tmpl/es/web/_client.html"
out=$("$CARTERAD" --check-config -c "$T/selfinc.conf" 2>&1)
t_assert_eq 1 $? "a self-including web partial: --check-config refuses it"
t_assert_match 'es/web/[a-z]+\.html: partial "web/_client\.html".*include itself' "$out" \
	"naming the page and the partial"

t_done
