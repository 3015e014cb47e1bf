#!/bin/bash
# faults_smtp.sh - delivery through a long or rude SMTP outage, with the
# real carterad and tests/smtpd.py on loopback, in simulated time (--once
# runs stepped with --now):
#  - 421 (the server closes the connection) at the greeting, at MAIL and
#    after DATA: the whole queue pauses, the message is retried later and
#    arrives once; a running daemon resumes by itself after the pause;
#  - 451 for an hour, then recovery: each retry waits the backoff of its
#    attempt, min(retry_min x 2^(n-1), retry_max), +-20 % jitter, no retry
#    comes early, and the message arrives exactly once;
#  - the server down for three days: with smtp.max_age = 1 day the message
#    fails once it is older, with a reason that says so; with 7 days it
#    stays pending and arrives once when the server is back.
# (smtp_faults.sh covers 451 once, 550, a stall, a drop mid-DATA, a short
# outage and SIGKILL in a batch.)
# shellcheck disable=SC2016 # t_wait_for conditions are expanded by eval, at each poll
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init faults_smtp
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC
unset CARTERA_DB

# shellcheck disable=SC2119 # no arguments: a plain server
t_start_smtpd
MAIN_PORT=$SMTP_PORT

# fresh NAME PORT RETRY_MIN RETRY_MAX MAX_AGE: a database and configuration.
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
	url = "smtp://127.0.0.1:$2";
	starttls = "none";
	from = "Cartera <cartera@example.com>";
	timeout = 5;
	retry_min = $3;
	retry_max = $4;
	max_age = $5;
};
EOF
	c --now "2026-01-01 00:00Z" init || t_fatal "init"
}
c() { "$CARTERA" -c "$CONF" -q "$@"; }
# owners PREFIX N: N salespeople, digest at 08:00 UTC.
owners() {
	local i
	for ((i = 1; i <= $2; i++)); do
		c --now "2026-03-09 12:00Z" owner add "$(printf '%s%02d@example.com' "$1" "$i")" \
			--name "Owner $i" --tz UTC --digest-at 08:00 --lang en || t_fatal "owner add"
	done
}
run() {
	"$CARTERAD" -c "$CONF" --once --now "$1" >>"$T/carterad.log" 2>&1
	t_assert_eq 0 $? "carterad --once at $1"
}
quiet_run() { "$CARTERAD" -c "$CONF" --once --now "$1" >>"$T/carterad.log" 2>&1 || t_fail "carterad --once at $1"; }
received() { t_smtp_events message | grep -cF "\"rcpt_tos\":[\"$1\"]"; }
# row ADDR COLUMNS: columns of ADDR's message, "|"-separated.
row() { t_sql "$DB" "SELECT $2 FROM outbox WHERE to_addr = '$1' ORDER BY id DESC LIMIT 1"; }
# first ADDR COLUMNS: the same for ADDR's first message (a long outage
# queues a digest a day: the first is the one that ages).
first() { t_sql "$DB" "SELECT $2 FROM outbox WHERE to_addr = '$1' ORDER BY id LIMIT 1"; }
utc() { date -u -d "@$1" '+%Y-%m-%d %H:%M:%SZ'; }
epoch() { date -u -d "${1%Z} UTC" +%s; }

# ============================================================ 421 answers
# On a 421 the server closes the connection: the server, not the message,
# is in trouble, so the rest of the queue waits too (one attempt in all).
n421=0
for stage in connect mail data; do
	n421=$((n421 + 1))
	fresh "r421$stage" "$MAIN_PORT" 60 3600 432000
	owners "$stage" 3
	t_smtp_control "{\"${stage}_reply\": \"421 4.3.2 Service shutting down\", \"${stage}_reply_count\": 1}"
	run "2026-03-10 08:00:00Z"
	t_assert_eq "0 $n421" "$(($(received "${stage}01@example.com") + $(received "${stage}02@example.com") + $(received "${stage}03@example.com"))) $(t_smtp_events reply | grep -c '"code":421')" \
		"421 at $stage: nothing accepted, one 421"
	t_assert_eq "pending|1|421|421 4.3.2 Service shutting down" "$(row "${stage}01@example.com" 'status, attempts, last_code, last_error')" \
		"421 at $stage: the first message is pending with the reply"
	t_assert_eq "0 0" "$(row "${stage}02@example.com" attempts) $(row "${stage}03@example.com" attempts)" \
		"421 at $stage: the rest of the queue was not tried"
	t_assert_file_contains "$T/carterad.log" "unavailable \\(421 4\\.3\\.2 Service shutting down\\); delivery paused" \
		"421 at $stage: the pause is logged"
	run "2026-03-10 08:00:30Z"
	t_assert_eq "pending|1" "$(row "${stage}01@example.com" 'status, attempts')" "421 at $stage: not retried before its delay"
	run "2026-03-10 08:05:00Z"
	t_assert_eq "sent|2 sent|1 sent|1" "$(row "${stage}01@example.com" 'status, attempts') $(row "${stage}02@example.com" 'status, attempts') $(row "${stage}03@example.com" 'status, attempts')" \
		"421 at $stage: all sent at the retry"
	run "2026-03-10 09:00:00Z"
	t_assert_eq "1 1 1" "$(received "${stage}01@example.com") $(received "${stage}02@example.com") $(received "${stage}03@example.com")" \
		"421 at $stage: each delivered exactly once"
done
t_smtp_control '{}'

# A running daemon resumes by itself when the pause is over (retry_min 2 s:
# the pause is 1.6 to 2.4 s).
fresh r421live "$MAIN_PORT" 2 10 432000
owners live 2
t_smtp_control '{"mail_reply": "421 4.3.2 Try again", "mail_reply_count": 1}'
t_start_bg -v DPID -l "$T/live.log" "$CARTERAD" -c "$CONF" -f --now "2026-03-10 08:00:00Z"
t_wait_for '[ "$(received live01@example.com)" = 1 ] && [ "$(received live02@example.com)" = 1 ]' 10
t_assert_file_contains "$T/live.log" 'delivery paused for [0-9]+ s' "421 live: paused"
t_wait_for '[ "$(row live01@example.com status)" = sent ]' 5
t_stop "$DPID"
t_assert_eq "sent|2 sent|1" "$(row live01@example.com 'status, attempts') $(row live02@example.com 'status, attempts')" \
	"421 live: both sent after the pause, without a wake-up from outside"
t_smtp_control '{}'

# ========================================== 451 for an hour, then recovery
# retry_min 60 s, retry_max 600 s: 60, 120, 240, 480, 600, 600... (+-20 %).
fresh t451 "$MAIN_PORT" 60 600 432000
owners h 5
t_smtp_control '{"data_reply": "451 4.3.0 Greylisted, try again later"}'
start=$(epoch "2026-03-10 08:00:00Z")
now=$start
run "$(utc "$now")"
# Jitter: the five first retries are not all at the same instant.
t_assert_ok "451: the first retries are spread by jitter ($(t_sql "$DB" "SELECT next_attempt_at - $now FROM outbox" | xargs))" \
	test "$(t_sql "$DB" "SELECT count(DISTINCT next_attempt_at) FROM outbox")" -gt 1
t_assert_eq 5 "$(t_sql "$DB" "SELECT count(*) FROM outbox WHERE attempts = 1 AND status = 'pending'")" "451: every message tried once, all pending"
bad="" delays="" attempts=1
while :; do
	IFS='|' read -r next n <<<"$(row h01@example.com 'next_attempt_at, attempts')"
	delay=$((next - now))
	b=$((60 << (n - 1)))
	[ "$b" -gt 600 ] && b=600
	delays="$delays $delay"
	# floor(0.8 b) <= delay <= 1.2 b
	if [ "$delay" -lt $((b * 8 / 10)) ] || [ "$delay" -gt $((b * 12 / 10)) ]; then
		bad="$bad attempt $n: $delay s not in [$((b * 8 / 10)), $((b * 12 / 10))];"
	fi
	[ "$next" -ge $((start + 3600)) ] && break
	# A second before it is due: nothing happens.
	quiet_run "$(utc $((next - 1)))"
	[ "$(row h01@example.com attempts)" = "$n" ] || bad="$bad retried early at $((next - 1));"
	now=$next
	quiet_run "$(utc "$now")"
	attempts=$((attempts + 1))
	[ "$attempts" -lt 30 ] || t_fatal "451: too many attempts"
done
t_assert_eq "" "$bad" "451: every delay within its backoff and jitter bounds:$delays"
t_assert_eq "$attempts" "$(row h01@example.com attempts)" "451: $attempts attempts in the first hour"
# 60, 120, 240, 480, then 600 s (retry_max), each -20 % at the shortest:
# 48 + 96 + 192 + 384 + 6 x 480 = 3600, so 11 attempts at the very most.
t_assert_ok "451: the attempts thin out (11 at most in an hour, got $attempts)" test "$attempts" -le 11 -a "$attempts" -ge 7
t_assert_eq "0 pending" "$(received h01@example.com) $(row h01@example.com status)" "451: nothing accepted, still pending"
t_assert_file_contains "$T/carterad.log" 'deferred: 451 4\.3\.0 Greylisted, try again later; next attempt in [0-9]+ s' "451: each deferral logged with its delay"
# The server recovers; the next attempts deliver.
t_smtp_control '{}'
run "$(utc "$next")"
run "$(utc $((next + 1200)))"
t_assert_eq "sent|$((attempts + 1))|250" "$(row h01@example.com 'status, attempts, last_code')" "451: sent at the first attempt after recovery"
t_assert_eq "1 1 1 1 1" "$(for i in 1 2 3 4 5; do received "h0$i@example.com"; done | xargs)" "451: each delivered exactly once"
t_assert_eq 0 "$(t_sql "$DB" "SELECT count(*) FROM outbox WHERE status != 'sent'")" "451: the outbox is drained"

# ============================================= the server down for 3 days
# Runs every 2 hours for three days with nothing listening on the port.
DOWN_PORT=$(t_free_port)
down_days() {	# down_days NAME MAX_AGE: the three days, return the last instant
	fresh "$1" "$DOWN_PORT" 60 3600 "$2"
	owners "$1" 1
	local t
	for ((t = $(epoch "2026-03-10 08:00:00Z"); t <= $(epoch "2026-03-13 08:00:00Z"); t += 7200)); do
		quiet_run "$(utc "$t")"
		status_at[$t]=$(first "${1}01@example.com" status)
	done
}
declare -A status_at
down_days short 86400
age_limit=$(($(epoch "2026-03-10 08:00:00Z") + 86400))
early="" late=""
for t in "${!status_at[@]}"; do
	# Pending while younger than max_age less the longest retry (+20 %).
	[ "$t" -le $((age_limit - 4320)) ] && [ "${status_at[$t]}" != pending ] && early="$early $(utc "$t")"
	[ "$t" -gt "$age_limit" ] && [ "${status_at[$t]}" != failed ] && late="$late $(utc "$t")"
done
t_assert_eq "" "$early" "down, max_age 1 day: pending while younger"
t_assert_eq "" "$late" "down, max_age 1 day: failed once older"
t_assert_match '^failed\|gave up after [0-9]+ attempts over 2[0-4] hours: (Couldn.t connect|.*onnection refused)' \
	"$(first short01@example.com 'status, last_error')" "down, max_age 1 day: the reason says why"
t_assert_file_contains "$T/carterad.log" 'message [0-9]+ \(digest to short01@example.com\) failed: gave up after smtp.max_age' "down, max_age 1 day: logged"
n=$(first short01@example.com attempts)
# Runs every 2 hours: once the backoff reached its hour, one attempt a run
# (12 in a day), a few more while it was shorter than the gap.
t_assert_ok "down, max_age 1 day: retried with backoff up to an hour ($n attempts)" test "$n" -ge 10 -a "$n" -le 16
unset status_at
declare -A status_at
down_days long 604800
t_assert_eq "pending" "$(first long01@example.com status)" "down, max_age 7 days: still pending after three days"
t_assert_eq "" "$(for t in "${!status_at[@]}"; do [ "${status_at[$t]}" = pending ] || echo "$t"; done)" "down, max_age 7 days: pending all along"
n=$(first long01@example.com attempts)
# 37 runs; from the second day the newer digests wait behind it (the queue
# pauses at the first refused connection, so not every run tries this one).
t_assert_ok "down, max_age 7 days: at most an attempt a run, and retried all along ($n)" test "$n" -ge 18 -a "$n" -le 37
t_assert_ok "down: the next attempt at most retry_max (+20 %) away" \
	test "$(($(first long01@example.com next_attempt_at) - $(epoch "2026-03-13 08:00:00Z")))" -le 4320
long_n=$(t_sql "$DB" "SELECT count(*) FROM outbox WHERE status = 'pending'")
t_assert_eq 4 "$long_n" "down, max_age 7 days: a digest a day queued meanwhile (10th to 13th)"
# The server comes back on its port: the long one goes, the failed one not.
t_start_smtpd --port "$DOWN_PORT"
t_assert_eq "$DOWN_PORT" "$SMTP_PORT" "down: the server is back on the same port"
CONF=$T/long.conf DB=$(t_db_name long)
run "2026-03-13 10:00:00Z"
t_wait_mail "$long_n"
t_assert_eq "sent $long_n" "$(first long01@example.com status) $(received long01@example.com)" \
	"down, max_age 7 days: each day's digest delivered once when the server is back"
t_assert_eq "$long_n" "$(t_sql "$DB" "SELECT count(DISTINCT idem_key) FROM outbox WHERE status = 'sent'")" \
	"down, max_age 7 days: one per day"
CONF=$T/short.conf DB=$(t_db_name short)
short_n=$(t_sql "$DB" "SELECT count(*) FROM outbox WHERE status = 'pending'")
run "2026-03-13 10:00:00Z"
t_assert_eq "failed $short_n" "$(first short01@example.com status) $(received short01@example.com)" \
	"down, max_age 1 day: a failed message stays failed (the young ones go)"
t_assert_ok "down: outbox retry queues it again" c --now "2026-03-13 10:00Z" outbox retry "$(first short01@example.com id)"
run "2026-03-13 10:00:30Z"
t_assert_eq "sent $((short_n + 1))" "$(first short01@example.com status) $(received short01@example.com)" "down: and it goes once"
run "2026-03-13 12:00:00Z"
CONF=$T/long.conf DB=$(t_db_name long)
run "2026-03-13 12:00:00Z"
t_assert_eq "$long_n $((short_n + 1)) $((long_n + short_n + 1))" \
	"$(received long01@example.com) $(received short01@example.com) $(t_mail_count)" "down: nothing more"

t_done
