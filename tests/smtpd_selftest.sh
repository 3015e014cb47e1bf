#!/bin/bash
# smtpd_selftest.sh -- proves the integration-test harness itself:
# tests/smtpd.py (a real SMTP server with fault injection), tests/lib.sh
# (processes, waits, assertions, cleanup) and tests/mailcheck.py (strict
# message reader).  The SMTP client is the curl command line, which shares
# no code with either side.  Exit 0 pass, 1 fail, 77 skip, 99 hard error.

# shellcheck source=tests/lib.sh
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init smtpd_selftest
t_require curl openssl timeout base64 awk cmp date

# --------------------------------------------------------------- helpers

# LF-terminated stdin to CRLF-terminated stdout, bytes untouched otherwise.
to_crlf() { LC_ALL=C awk '{ printf "%s\r\n", $0 }'; }

now_ms() { date +%s%3N; }

# send URL CURL-ARGS...: one SMTP transaction with curl -v.  Exit status in
# CURL_RC, the dialogue in $T/curl.err.  timeout(1) bounds it because
# curl 7.88 ignores --max-time while it waits for the reply to the end of
# DATA (it waits 120 s).
send() {
	local url=$1
	shift
	timeout -k 2 30 curl -v -sS --connect-timeout 5 --max-time 20 \
		--url "$url" "$@" >"$T/curl.out" 2>"$T/curl.err"
	CURL_RC=$?
}

FROM_TO=(--mail-from sender@example.com --mail-rcpt ana@example.com)

no_tmp_files() {
	local f
	for f in "$SMTP_DIR"/.*.tmp "$SMTP_DIR"/*.tmp; do
		[ -e "$f" ] && return 1
	done
	return 0
}

to_crlf >"$T/plain.eml" <<'EOF'
From: Sender <sender@example.com>
To: Ana <ana@example.com>
Subject: plain
Date: Mon, 01 Jan 2024 10:00:00 +0000
Message-ID: <plain.1@example.com>

Hello Ana.
.a line starting with a dot (curl stuffs it, smtpd unstuffs it)
.
..two dots, and a lone dot above
End.
EOF

# ------------------------------------------------ lib.sh, seen from outside

port=$(t_free_port)
t_assert_match '^[0-9]+$' "$port" "t_free_port prints a port number"
t_assert_ok "t_free_port's port is in range" test "$port" -ge 1024 -a "$port" -le 65535

start=$(now_ms)
(t_wait_for false 0.3) >/dev/null
rc=$?
elapsed=$(($(now_ms) - start))
t_assert_eq 1 "$rc" "t_wait_for fails when the condition never holds"
t_assert_ok "t_wait_for gives up near its timeout (${elapsed} ms)" \
	test "$elapsed" -ge 300 -a "$elapsed" -lt 3000
t_assert_ok "t_wait_for returns at once when the condition holds" \
	t_wait_for true 1
t_assert_fails "t_smtp_control refuses an unknown stage" \
	eval '(SMTP_CONTROL=$T/c.json; t_smtp_control "{\"drop\":\"nope\"}") 2>/dev/null'

# child NAME: write a test script $T/NAME.sh (body from stdin) that sources
# lib.sh, run it with TMPDIR=$T/NAME.tmp; status in CHILD_RC, output in
# $T/NAME.out.  INFO=$T/NAME.info is where a child writes what it started.
child_script() {
	mkdir -p "$T/$1.tmp"
	{
		echo ". '$T_LIB_DIR/lib.sh'"
		echo "INFO='$T/$1.info'"
		cat
	} >"$T/$1.sh"
}
child() {
	child_script "$1"
	TMPDIR=$T/$1.tmp timeout -k 2 60 bash "$T/$1.sh" >"$T/$1.out" 2>&1
	CHILD_RC=$?
}

child pass <<'EOF'
t_init pass
t_assert_eq a a "equal strings"
t_assert_match '^ab+c$' abbbc "regex"
echo hello >"$T/f"
t_assert_file_contains "$T/f" 'hel+o' "file"
t_done
EOF
t_assert_eq 0 "$CHILD_RC" "a passing test exits 0"
t_assert_file_contains "$T/pass.out" '^PASS: pass: 3 checks$' "and says PASS"

child failing <<'EOF'
t_init failing
t_assert_eq expected actual "values differ"
t_assert_match '^x$' 'y' "no match"
t_assert_file_contains /nonexistent 'x' "missing file"
t_assert_fails "false fails" false
t_done
EOF
t_assert_eq 1 "$CHILD_RC" "a failing test exits 1"
t_assert_file_contains "$T/failing.out" \
	"^not ok 1 - values differ \\($T/failing.sh:4\\)$" \
	"a failure names the script and line"
t_assert_file_contains "$T/failing.out" "^#   expected: 'expected'$" \
	"and shows the expected value"
t_assert_file_contains "$T/failing.out" '^FAIL: failing: 3 of 4 checks failed$' \
	"t_done counts the failures"

child no_done <<'EOF'
t_init no_done
t_fail "something broke"
EOF
t_assert_eq 1 "$CHILD_RC" "failures count even without t_done"

child no_done_ok <<'EOF'
t_init no_done_ok
t_pass "fine so far"
exit 0
EOF
t_assert_eq 1 "$CHILD_RC" "a script that stops before t_done fails"

child none <<'EOF'
t_init none
t_done
EOF
t_assert_eq 1 "$CHILD_RC" "a test that checked nothing fails"

child skip <<'EOF'
t_init skip
t_require sh no-such-command-for-cartera
t_pass "not reached"
t_done
EOF
t_assert_eq 77 "$CHILD_RC" "t_require skips (77) when a command is missing"
t_assert_file_contains "$T/skip.out" 'SKIP: skip: .*no-such-command-for-cartera' \
	"and names the command"

# Cleanup on normal exit: smtpd and a process tree started by t_start_bg
# are gone the moment the script has exited, and so is $T.
child cleanup <<'EOF'
t_init cleanup
t_start_smtpd
t_start_bg -v SLEEPER sh -c 'sleep 300 & sleep 300 & wait'
t_assert_eq "$T_BG_PID" "$SLEEPER" "t_start_bg -v names the PID"
t_wait_for '[ "$(pgrep -P $T_BG_PID | wc -l)" -eq 2 ]' 5
echo "$SMTP_PID $T_BG_PID $(pgrep -P $T_BG_PID | tr '\n' ' ')" >"$INFO"
echo "$T" >"$INFO.dir"
t_pass started
t_done
EOF
t_assert_eq 0 "$CHILD_RC" "cleanup child ran"
read -r -a pids <"$T/cleanup.info"
alive=""
for p in "${pids[@]}"; do t_alive "$p" && alive="$alive $p"; done
t_assert_eq 4 "${#pids[@]}" "cleanup child started smtpd, sh and two sleeps"
t_assert_eq "" "$alive" "no process survives t_done (smtpd, children, grandchildren)"
t_assert_fails "the child's temp dir is removed" test -e "$(cat "$T/cleanup.info.dir")"

# Cleanup on SIGTERM to the test script.
child_script term <<'EOF'
t_init term
t_start_smtpd
t_start_bg sh -c 'sleep 300 & wait'
t_wait_for '[ "$(pgrep -P $T_BG_PID | wc -l)" -eq 1 ]' 5
echo "$SMTP_PID $T_BG_PID $(pgrep -P $T_BG_PID | tr '\n' ' ')" >"$INFO.tmp"
mv "$INFO.tmp" "$INFO"
for i in $(seq 300); do sleep 0.1; done
EOF
# timeout passes the TERM on and, -k seconds later, KILLs what is left
# (status 137): the cleanup must end well before that, but a loaded
# machine (a parallel suite under valgrind or the sanitizers) once took
# over 2 s to let Python's smtpd exit.
TMPDIR=$T/term.tmp timeout -k "$(t_slow 10)" 60 bash "$T/term.sh" >"$T/term.out" 2>&1 &
term_pid=$!
t_wait_for "[ -s '$T/term.info' ]" 15
kill -TERM "$term_pid"
wait "$term_pid"
t_assert_eq 143 "$?" "SIGTERM ends a test with status 143"
read -r -a pids <"$T/term.info"
alive=""
for p in "${pids[@]}"; do t_alive "$p" && alive="$alive $p"; done
t_assert_eq "" "$alive" "no process survives SIGTERM to the test"

# SIGKILL to the test script runs no trap: smtpd's --watch-pid ends it.
child_script killed <<'EOF'
t_init killed
t_start_smtpd
echo "$SMTP_PID" >"$INFO.tmp"
mv "$INFO.tmp" "$INFO"
for i in $(seq 300); do sleep 0.1; done
EOF
# (In a subshell, so that bash's "Killed" job notice goes to /dev/null.)
(
	TMPDIR=$T/killed.tmp bash "$T/killed.sh" >"$T/killed.out" 2>&1 &
	for _ in $(seq 150); do
		[ -s "$T/killed.info" ] && break
		sleep 0.1
	done
	kill -KILL $!
	wait $!
) 2>/dev/null
orphan=$(cat "$T/killed.info")
t_assert_match '^[0-9]+$' "$orphan" "the SIGKILLed test had started smtpd"
t_wait_for "! t_alive $orphan" 5 &&
	t_pass "smtpd exits by itself when its test was SIGKILLed"
kill "$orphan" 2>/dev/null # should it have survived

# ------------------------------------------------------- plain delivery

t_start_smtpd
URL=smtp://127.0.0.1:$SMTP_PORT
t_assert_match '^[0-9]+$' "$SMTP_PORT" "t_start_smtpd exports SMTP_PORT"

send "$URL" "${FROM_TO[@]}" -T "$T/plain.eml"
t_assert_eq 0 "$CURL_RC" "plain delivery: curl succeeds"
t_wait_mail 1
t_assert_ok "stored message is byte-identical (CRLF, dot-stuffing undone)" \
	cmp "$T/plain.eml" "$SMTP_DIR/000001.eml"
t_assert_match '^\{"event":"message","session":1,"file":"000001\.eml","mail_from":"sender@example\.com","rcpt_tos":\["ana@example\.com"\],"size":[0-9]+\}$' \
	"$(t_smtp_events message)" "log.jsonl records the envelope"
t_assert_eq 1 "$(t_smtp_event_count connect)" "one connect event"
t_wait_for '[ "$(t_smtp_event_count close)" -eq 1 ]' 5
t_assert_ok "no temporary files left in the maildir" no_tmp_files
t_assert_eq plain "$(t_mailcheck --field subject "$(t_mail_last)")" \
	"mailcheck reads the stored message"

# ----------------------------------------------------------- faults

t_smtp_control '{"data_reply": "451 4.3.0 Try again later", "data_reply_count": 1}'
send "$URL" "${FROM_TO[@]}" -T "$T/plain.eml"
t_assert_fails "451 after DATA: curl fails" test "$CURL_RC" = 0
t_assert_file_contains "$T/curl.err" '^< 451 4\.3\.0 Try again later' \
	"451: curl saw the injected reply"
t_assert_eq 1 "$(t_mail_count)" "451: nothing stored"
t_assert_match '"event":"reply","session":[0-9]+,"stage":"DATA","code":451' \
	"$(t_smtp_events reply)" "451: reply event logged"
send "$URL" "${FROM_TO[@]}" -T "$T/plain.eml"
t_assert_eq 0 "$CURL_RC" "451 only once: the retry succeeds"
t_wait_mail 2
t_smtp_control '{"data_reply": "451 4.3.0 Try again later", "data_reply_count": 1}'
send "$URL" "${FROM_TO[@]}" -T "$T/plain.eml"
t_assert_file_contains "$T/curl.err" '^< 451 ' \
	"rewriting the control file re-arms its counters"

t_smtp_control '{"rcpt_reject": {"bad@example.com": "550 5.1.1 No such user"}}'
send "$URL" --mail-from sender@example.com --mail-rcpt ana@example.com \
	--mail-rcpt bad@example.com -T "$T/plain.eml"
t_assert_fails "550 on one recipient: curl gives up by default" test "$CURL_RC" = 0
t_assert_file_contains "$T/curl.err" '^< 550 5\.1\.1 No such user' \
	"550: curl saw the rejection"
t_assert_eq 2 "$(t_mail_count)" "550: nothing stored"
send "$URL" --mail-from sender@example.com --mail-rcpt ana@example.com \
	--mail-rcpt BAD@example.com --mail-rcpt-allowfails -T "$T/plain.eml"
t_assert_eq 0 "$CURL_RC" "550 on one recipient: delivered to the others"
t_wait_mail 3
t_assert_match '"file":"000003\.eml","mail_from":"sender@example\.com","rcpt_tos":\["ana@example\.com"\]' \
	"$(t_smtp_events message | tail -n 1)" "550: only the good recipient is in the envelope"
t_assert_match '"stage":"RCPT","code":550,"rcpt":"BAD@example.com"' \
	"$(t_smtp_events reply | tail -n 1)" "550: matched case-insensitively"

t_smtp_control '{"mail_reply": "421 4.3.2 Shutting down"}'
send "$URL" "${FROM_TO[@]}" -T "$T/plain.eml"
t_assert_fails "421 on MAIL: curl fails" test "$CURL_RC" = 0
t_assert_file_contains "$T/curl.err" '^< 421 4\.3\.2 Shutting down' \
	"421: curl saw the reply"
t_wait_for '[ "$(t_smtp_event_count close)" -eq "$(t_smtp_event_count connect)" ]' 5 &&
	t_pass "421: the server closed the connection"

t_smtp_control '{"connect_reply": "554 5.3.2 No service"}'
send "$URL" "${FROM_TO[@]}" -T "$T/plain.eml"
t_assert_fails "554 greeting: curl fails" test "$CURL_RC" = 0
t_assert_file_contains "$T/curl.err" '^< 554 5\.3\.2 No service' \
	"554 greeting: curl saw it"

t_smtp_control '{"drop": "data"}'
send "$URL" "${FROM_TO[@]}" -T "$T/plain.eml"
t_assert_fails "drop mid-DATA: curl fails" test "$CURL_RC" = 0
t_assert_file_contains "$T/curl.err" '^< 354 ' "drop: the server had accepted DATA"
t_assert_match '"event":"drop","session":[0-9]+,"stage":"DATA"' \
	"$(t_smtp_events drop)" "drop: event logged"
t_assert_eq 3 "$(t_mail_count)" "drop: nothing stored"
t_assert_ok "drop: no temporary files left" no_tmp_files

# (Short waits: each is paid by every run of the suite.  curl 7.88 waits
# out stall_seconds; a curl that honours --max-time gives up after 1 s.)
t_smtp_control '{"stall": "data", "stall_seconds": 1.5}'
start=$(now_ms)
send "$URL" "${FROM_TO[@]}" --max-time 1 -T "$T/plain.eml"
elapsed=$(($(now_ms) - start))
t_assert_fails "stall after DATA: curl fails" test "$CURL_RC" = 0
t_assert_ok "stall: no reply for at least 1 s (${elapsed} ms)" test "$elapsed" -ge 1000
t_assert_match '"event":"stall","session":[0-9]+,"stage":"DATA"' \
	"$(t_smtp_events stall)" "stall: event logged"
t_assert_eq 3 "$(t_mail_count)" "stall: nothing stored"

t_smtp_control '{"delay": {"data": 0.5}}'
start=$(now_ms)
send "$URL" "${FROM_TO[@]}" -T "$T/plain.eml"
elapsed=$(($(now_ms) - start))
t_assert_eq 0 "$CURL_RC" "delay: delivered"
t_assert_ok "delay: reply came after >= 0.5 s (${elapsed} ms)" test "$elapsed" -ge 500
t_wait_mail 4

t_smtp_control '{}'
echo '{"bogus": 1}' >"$SMTP_CONTROL"
start=$(now_ms)
send "$URL" "${FROM_TO[@]}" -T "$T/plain.eml"
elapsed=$(($(now_ms) - start))
t_assert_eq 0 "$CURL_RC" "a bad control file leaves the previous rules in force"
t_assert_ok "the delay still applies (${elapsed} ms)" test "$elapsed" -ge 500
t_assert_match 'unknown key' "$(t_smtp_events control_error)" \
	"a bad control file is reported in log.jsonl"
t_wait_mail 5
t_smtp_control '{}'

# ------------------------------------------------------------ mailcheck

subject='Resumen del día: 3 clientes en rojo ✓'
b64() { printf '%s' "$1" | base64 -w0; }
{
	to_crlf <<EOF
From: =?UTF-8?Q?Cartera_Espa=C3=B1a?= <cartera@example.com>
To: =?UTF-8?B?$(b64 'Ana Muñoz')?= <ana@example.com>
Subject: =?UTF-8?B?$(b64 "$subject")?=
Date: Tue, 02 Jan 2024 08:00:00 +0100
Message-ID: <digest.1@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="=_b1"

--=_b1
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

Hola Ana, ma=C3=B1ana llamas a Ferreter=C3=ADa L=C3=B3pez.
--=_b1
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: base64

$(b64 '<p>Hola Ana, <b>mañana</b> llamas a Ferretería López.</p>')
--=_b1--
EOF
} >"$T/utf8.eml"
send "$URL" "${FROM_TO[@]}" -T "$T/utf8.eml"
t_assert_eq 0 "$CURL_RC" "UTF-8 multipart message delivered"
t_wait_mail 6
m=$(t_mail_last)
t_assert_ok "mailcheck accepts it" eval 't_mailcheck "$m" >/dev/null'
t_assert_eq "$subject" "$(t_mailcheck --field subject "$m")" "RFC 2047 subject decoded"
t_assert_eq "Cartera España <cartera@example.com>" "$(t_mailcheck --field from "$m")" \
	"RFC 2047 From decoded"
t_assert_eq '["ana@example.com"]' "$(t_mailcheck --field to_addrs "$m")" "To address"
t_assert_eq multipart/alternative "$(t_mailcheck --field content_type "$m")" "content type"
t_assert_eq 'Hola Ana, mañana llamas a Ferretería López.' \
	"$(t_mailcheck --field text "$m")" "text/plain part decoded (quoted-printable)"
t_assert_match '<b>mañana</b>' "$(t_mailcheck --field html "$m")" \
	"text/html part decoded (base64)"
t_assert_match '"content_type":"text/plain","charset":"utf-8","transfer_encoding":"quoted-printable".*"content_type":"text/html","charset":"utf-8","transfer_encoding":"base64"' \
	"$(t_mailcheck --field parts "$m")" "parts with charset and encoding"
t_assert_eq true "$(t_mailcheck --field all_crlf "$m")" "all lines end in CRLF"
t_assert_eq 2024-01-02T08:00:00+01:00 "$(t_mailcheck --field date_iso "$m")" "Date parsed"
t_assert_eq '<digest.1@example.com>' "$(t_mailcheck --field message_id "$m")" "Message-ID"
t_assert_eq '[]' "$(t_mailcheck --field defects "$m")" "no defects"
t_assert_eq 6 "$(t_mailcheck "$SMTP_DIR" | "$T_PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))')" \
	"mailcheck DIR reports every stored message"

printf 'From: a@example.com\r\nDate: Tue, 02 Jan 2024 08:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbare LF here\nand no closing boundary\r\n' \
	>"$T/broken.eml"
t_mailcheck --field defects "$T/broken.eml" >"$T/defects" 2>/dev/null
t_assert_eq 1 "$?" "mailcheck exits 1 on a broken message"
t_assert_file_contains "$T/defects" 'CloseBoundaryNotFoundDefect' \
	"strict parsing reports the missing closing boundary"
t_assert_file_contains "$T/defects" 'bare-lf: 1' "bare LF reported"
printf 'From: a@example.com\r\nDate: Tue, 02 Jan 2024 08:00:00 +0100\r\nSubject: caf\xc3\xa9\r\n\r\nx\r\n' \
	>"$T/8bit.eml"
t_assert_match '8bit-header' "$(t_mailcheck --field defects "$T/8bit.eml" 2>/dev/null)" \
	"raw UTF-8 in a header is a defect"

# ------------------------------------------------------------------ AUTH

t_start_smtpd --auth carmen:s3cret
URL=smtp://127.0.0.1:$SMTP_PORT
send "$URL" "${FROM_TO[@]}" -T "$T/plain.eml"
t_assert_fails "AUTH required: curl without credentials fails" test "$CURL_RC" = 0
t_assert_file_contains "$T/curl.err" '^< 530 ' "AUTH required: MAIL gets 530"
send "$URL" "${FROM_TO[@]}" --user carmen:s3cret --login-options AUTH=PLAIN -T "$T/plain.eml"
t_assert_eq 0 "$CURL_RC" "AUTH PLAIN accepted"
send "$URL" "${FROM_TO[@]}" --user carmen:s3cret --login-options AUTH=LOGIN -T "$T/plain.eml"
t_assert_eq 0 "$CURL_RC" "AUTH LOGIN accepted"
t_wait_mail 2
t_assert_eq 2 "$(t_smtp_events auth | grep -c '"user":"carmen","mechanism":"\(PLAIN\|LOGIN\)","ok":true')" \
	"auth events name the user and mechanism"
send "$URL" "${FROM_TO[@]}" --user carmen:wrong -T "$T/plain.eml"
t_assert_eq 67 "$CURL_RC" "wrong password: curl reports login denied"
t_assert_file_contains "$T/curl.err" '^< 535 ' "wrong password: 535"
t_assert_match '"ok":false' "$(t_smtp_events auth | tail -n 1)" "failed AUTH logged"
t_assert_eq 2 "$(t_mail_count)" "nothing stored without valid AUTH"

# -------------------------------------------------------------- STARTTLS

t_make_cert
t_assert_ok "t_make_cert made a certificate for 127.0.0.1" \
	eval 'openssl x509 -in "$T_CERT" -noout -text | grep -q "IP Address:127.0.0.1"'
t_start_smtpd --tls-cert "$T_CERT" --tls-key "$T_KEY" --require-starttls \
	--auth carmen:s3cret
URL=smtp://127.0.0.1:$SMTP_PORT
send "$URL" "${FROM_TO[@]}" -T "$T/plain.eml"
t_assert_fails "STARTTLS required: curl without TLS fails" test "$CURL_RC" = 0
t_assert_file_contains "$T/curl.err" '^< 530 ' "STARTTLS required: 530 before TLS"
send "$URL" "${FROM_TO[@]}" --ssl-reqd --cacert "$T_CERT" --user carmen:s3cret \
	-T "$T/plain.eml"
t_assert_eq 0 "$CURL_RC" "STARTTLS + AUTH: delivered, certificate verified"
t_wait_mail 1
t_assert_match '"event":"starttls".*"event":"auth","session":[0-9]+,"user":"carmen","mechanism":"[A-Z]+","ok":true.*"event":"message"' \
	"$(t_smtp_events | tr '\n' ' ')" "STARTTLS, then AUTH, then the message"
t_assert_ok "stored message identical over STARTTLS" \
	cmp "$T/plain.eml" "$(t_mail_last)"

# ----------------------------------------------------------- implicit TLS

t_start_smtpd --tls-cert "$T_CERT" --tls-key "$T_KEY" --implicit-tls
send "smtps://127.0.0.1:$SMTP_PORT" "${FROM_TO[@]}" --cacert "$T_CERT" \
	-T "$T/plain.eml"
t_assert_eq 0 "$CURL_RC" "implicit TLS (smtps): delivered, certificate verified"
t_wait_mail 1
t_assert_match '"event":"connect","session":1,"tls":true' \
	"$(t_smtp_events connect)" "implicit TLS connection logged as TLS"

# --------------------------------------------------------------- SIGTERM

t_stop "$SMTP_PID"
t_assert_eq 0 "$T_STOP_STATUS" "smtpd exits 0 on SIGTERM"
send "smtps://127.0.0.1:$SMTP_PORT" "${FROM_TO[@]}" --cacert "$T_CERT" \
	-T "$T/plain.eml"
t_assert_eq 7 "$CURL_RC" "nothing listens after t_stop"

t_done
