# lib.sh -- shell library for Cartera's integration tests (bash only).
#
# An integration test is a bash script run by `make check` (automake's exit
# codes: 0 pass, 1 fail, 77 skip, 99 hard error).  It sources this file,
# starts real peers on loopback (tests/smtpd.py, the daemon, ...) on random
# ports, asserts on what a user would see, and calls t_done:
#
#   . "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
#   t_init my_test
#   t_start_smtpd
#   ... send something to 127.0.0.1:$SMTP_PORT ...
#   t_wait_mail 1
#   t_assert_eq "Hola" "$(t_mailcheck --field subject "$(t_mail_last)")" subject
#   t_done
#
# Contract: everything started through t_start_bg / t_start_smtpd is killed
# (with its children) when the script exits, however it exits, and $T is
# removed unless KEEP_TMP is set.  Every wait is bounded.  Do not use
# `set -e` in tests: failed assertions return 1 and the run goes on so that
# one report lists every failure.  A script that exits 0 without calling
# t_done fails (exit 1): it did not run to the end.
#
# Functions
#   t_init NAME                 temp dir $T, cleanup traps, counters
#   t_require CMD...            skip (77) unless every command exists
#   t_skip REASON               print SKIP and exit 77
#   t_fatal MSG                 print ERROR and exit 99 (broken test setup)
#   t_start_bg [-v VAR] [-l LOG|-] CMD...
#                               start CMD in the background in its own
#                               process group; PID in $T_BG_PID (and VAR),
#                               output in $T_BG_LOG (default $T/bg.N.log)
#   t_alive PID                 true if PID runs (zombies count as dead)
#   t_stop PID [SIGNAL]         signal PID (TERM), wait <= 10 s, then KILL;
#                               exit status in $T_STOP_STATUS; its leftover
#                               children are killed too
#   t_start_smtpd [ARGS...]     start tests/smtpd.py with ARGS; sets
#                               SMTP_PORT SMTP_DIR SMTP_CONTROL SMTP_PID
#                               SMTP_LOG (exported)
#   t_smtp_control JSON         install fault-injection rules (validated)
#   t_smtp_events [EVENT]       print log.jsonl lines (of that event)
#   t_smtp_event_count EVENT    count log.jsonl lines of that event
#   t_mail_count                number of messages in $SMTP_DIR
#   t_mail_last                 path of the newest message in $SMTP_DIR
#   t_wait_for COND [TIMEOUT]   poll `eval COND` (after 10, 20, 50 ms, then
#                               every 0.1 s) until TIMEOUT (default 10 s)
#   t_wait_mail N [TIMEOUT]     wait until $SMTP_DIR holds >= N messages
#   t_slow SECONDS              print SECONDS x $T_SLOW (for a test's own
#                               timeouts and time bounds)
#   t_atexit CMD...             run CMD at exit, after the processes are
#                               stopped and before $T is removed (umount)
#   t_mailcheck ARGS...         run tests/mailcheck.py
#   t_free_port                 print a free TCP port on 127.0.0.1
#   t_conf FILE [DB]            write a carterad configuration to FILE: the
#                               database DB ($T/c.db), the source templates,
#                               no HTTP port, mail to t_start_smtpd's server
#                               (no TLS, timeout 10 s); append the rest
#   t_make_cert [DIR]           self-signed cert for localhost/127.0.0.1:
#                               $T_CERT, $T_KEY (skip if no openssl)
#   t_assert_eq EXPECTED ACTUAL [MSG]
#   t_assert_match ERE TEXT [MSG]
#   t_assert_file_contains FILE ERE [MSG]
#   t_assert_ok MSG CMD...      CMD exits 0
#   t_assert_fails MSG CMD...   CMD exits non-zero
#   t_pass MSG / t_fail MSG     count a check by hand
#   t_done                      print PASS/FAIL summary, exit 0/1

# Slow runs (valgrind, an emulator) set T_SLOW to a whole factor: every
# timeout of t_wait_for, t_wait_mail and t_stop is multiplied by it, and
# tests scale their own bounds with t_slow.  Time bounds that are the point
# of a check (e.g. "gave up within smtp.timeout") are scaled too.
#
# shellcheck disable=SC2034 # T_BG_LOG, T_STOP_STATUS... are for the caller

if [ -z "${BASH_VERSION:-}" ]; then
	echo "tests/lib.sh needs bash" >&2
	exit 99
fi

T_PYTHON=/usr/bin/python3
T_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T__LIB_FILE=${BASH_SOURCE[0]}
# $srcdir is the top source directory (automake sets it; non-recursive
# Makefile.am).  Default: the parent of this file's directory.
if [ -n "${srcdir:-}" ] && [ -f "$srcdir/tests/smtpd.py" ]; then
	T_SRCDIR=$(cd "$srcdir" && pwd)
else
	T_SRCDIR=$(cd "$T_LIB_DIR/.." && pwd)
fi
T_TESTS_DIR=$T_SRCDIR/tests

T_NAME=$(basename "$0" .sh)
T_N_CHECKS=0
T_N_FAILS=0
T__DONE=0
T__CLEANED=0
T__BG_N=0
T__SMTPD_N=0
T__PIDS=()
T__GROUPS=()
T__LOGS=()
T__ATEXIT=()
T_SLOW=${T_SLOW:-1}
[[ $T_SLOW =~ ^[1-9][0-9]*$ ]] || T_SLOW=1

# ---------------------------------------------------------------- reporting

# Where the test script called into this library: "file:line".
t__where() {
	local i
	for ((i = 0; i < ${#BASH_LINENO[@]} - 1; i++)); do
		if [ "${BASH_SOURCE[i + 1]}" != "$T__LIB_FILE" ]; then
			echo "${BASH_SOURCE[i + 1]}:${BASH_LINENO[i]}"
			return
		fi
	done
	echo "?"
}

# Quote a value for a failure report (bounded, multi-line aware).
t__show() {
	local v=$1
	if [ ${#v} -gt 2000 ]; then
		v="${v:0:2000}... (${#1} chars)"
	fi
	case $v in
	*$'\n'*) printf '%s\n' "<<<"; printf '%s\n' "$v" | sed 's/^/#     /'; printf '#   >>>' ;;
	*) printf "'%s'" "$v" ;;
	esac
}

t_pass() {
	T_N_CHECKS=$((T_N_CHECKS + 1))
	echo "ok $T_N_CHECKS - ${1:-check}"
	return 0
}

# t__fail MSG [DETAIL...]: count and report a failure at the caller.
t__fail() {
	local msg=$1 line
	shift
	T_N_CHECKS=$((T_N_CHECKS + 1))
	T_N_FAILS=$((T_N_FAILS + 1))
	echo "not ok $T_N_CHECKS - $msg ($(t__where))"
	for line in "$@"; do
		echo "#   $line"
	done
	return 1
}

t_fail() {
	t__fail "${1:-failed}"
}

t_skip() {
	echo "SKIP: $T_NAME: $*"
	exit 77
}

t_fatal() {
	echo "ERROR: $T_NAME: $* ($(t__where))" >&2
	exit 99
}

t_require() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			t_skip "required command not found: $c"
	done
}

t_done() {
	T__DONE=1
	if [ "$T_N_FAILS" -gt 0 ]; then
		echo "FAIL: $T_NAME: $T_N_FAILS of $T_N_CHECKS checks failed"
		exit 1
	elif [ "$T_N_CHECKS" -eq 0 ]; then
		echo "FAIL: $T_NAME: no checks ran"
		exit 1
	fi
	echo "PASS: $T_NAME: $T_N_CHECKS checks"
	exit 0
}

# --------------------------------------------------------------- assertions

t_assert_eq() {
	if [ "$1" = "$2" ]; then
		t_pass "${3:-equal}"
	else
		t__fail "${3:-equal}" "expected: $(t__show "$1")" \
			"actual:   $(t__show "$2")"
	fi
}

t_assert_match() {
	if [[ $2 =~ $1 ]]; then
		t_pass "${3:-matches /$1/}"
	else
		t__fail "${3:-matches /$1/}" "regex: $(t__show "$1")" \
			"text:  $(t__show "$2")"
	fi
}

t_assert_file_contains() {
	local file=$1 re=$2 msg=${3:-"$1 contains /$2/"}
	if [ ! -f "$file" ]; then
		t__fail "$msg" "no such file: $file"
	elif grep -Eq -e "$re" "$file"; then
		t_pass "$msg"
	else
		t__fail "$msg" "regex: $(t__show "$re")" \
			"file $file: $(t__show "$(head -c 2000 "$file")")"
	fi
}

t_assert_ok() {
	local msg=$1 rc
	shift
	"$@"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		t_pass "$msg"
	else
		t__fail "$msg" "command exited $rc: $*"
	fi
}

t_assert_fails() {
	local msg=$1
	shift
	if "$@"; then
		t__fail "$msg" "command succeeded: $*"
	else
		t_pass "$msg"
	fi
}

# ------------------------------------------------------------------ waiting

# Seconds (integer or one decimal, "2", "0.5", "2.5") to tenths.
t__tenths() {
	if [[ $1 =~ ^([0-9]+)(\.([0-9])[0-9]*)?$ ]]; then
		echo $((10#${BASH_REMATCH[1]} * 10 + 10#${BASH_REMATCH[3]:-0}))
	else
		t_fatal "bad timeout: '$1'"
	fi
}

t_slow() {
	local n
	n=$(t__tenths "$1") || exit 99
	n=$((n * T_SLOW))
	if [ $((n % 10)) = 0 ]; then echo $((n / 10)); else echo "$((n / 10)).$((n % 10))"; fi
}

# Microseconds since the epoch (EPOCHREALTIME without its separator,
# whatever the locale's).
t__usec() {
	echo "${EPOCHREALTIME//[!0-9]/}"
}

# t__poll COND TENTHS: 0 once `eval COND` succeeds, 1 once TENTHS (times
# $T_SLOW) tenths of a second have passed.  It looks again after 10, 20
# and 50 ms, then every 0.1 s: most conditions hold within milliseconds,
# and a fixed 0.1 s step made each wait of the suite 0.1 s at least.
t__poll() {
	local cond=$1 step=0.01 limit
	limit=$((${EPOCHREALTIME//[!0-9]/} + $2 * T_SLOW * 100000))
	while :; do
		eval "$cond" && return 0
		[ "${EPOCHREALTIME//[!0-9]/}" -ge "$limit" ] && return 1
		sleep "$step"
		case $step in
		0.01) step=0.02 ;;
		0.02) step=0.05 ;;
		*) step=0.1 ;;
		esac
	done
}

t_wait_for() {
	local timeout=${2:-10} n
	n=$(t__tenths "$timeout") || exit 99
	t__poll "$1" "$n" && return 0
	t__fail "timed out after ${timeout}s (x$T_SLOW) waiting for: $1"
}

# ---------------------------------------------------------------- processes

# t_alive PID: the process exists and is not a zombie.  (Builtins only:
# waits poll it, and a process started per poll is CPU the suite pays.)
t_alive() {
	local stat
	kill -0 "$1" 2>/dev/null || return 1
	if [ -r "/proc/$1/stat" ]; then
		read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
		stat=${stat##*) }
		[ "${stat%% *}" != Z ] || return 1
	fi
	return 0
}

# t__any_alive PID...: one of them runs.
t__any_alive() {
	local p
	for p in "$@"; do
		t_alive "$p" && return 0
	done
	return 1
}

t__children() {
	local f kids
	# Linux lists each thread's children in /proc: read without starting
	# a pgrep for every process of the tree.
	if [ -r "/proc/$1/task/$1/children" ]; then
		for f in "/proc/$1/task/"*/children; do
			kids=()
			read -r -a kids 2>/dev/null <"$f"
			[ ${#kids[@]} -gt 0 ] && printf '%s\n' "${kids[@]}"
		done
		return 0
	fi
	if command -v pgrep >/dev/null 2>&1; then
		pgrep -P "$1" 2>/dev/null
	else
		ps -o pid= --ppid "$1" 2>/dev/null
	fi
}

# PID and all its descendants, parents first.
t__tree() {
	local c
	echo "$1"
	for c in $(t__children "$1"); do
		t__tree "$c"
	done
}

# t__kill_procs PIDS...: TERM them and the process groups we created for
# them, wait <= 5 s (x T_SLOW), then KILL what is left.
t__kill_procs() {
	local all=() p g
	local tree
	for p in "$@"; do
		read -r -d '' -a tree < <(t__tree "$p")
		all+=("${tree[@]}")
	done
	for g in "${T__GROUPS[@]}"; do
		for p in "$@"; do
			[ "$g" = "$p" ] && kill -TERM -- "-$g" 2>/dev/null
		done
	done
	[ ${#all[@]} -gt 0 ] && kill -TERM "${all[@]}" 2>/dev/null
	t__poll "! t__any_alive ${all[*]}" 50
	for g in "${T__GROUPS[@]}"; do
		for p in "$@"; do
			[ "$g" = "$p" ] && kill -KILL -- "-$g" 2>/dev/null
		done
	done
	for p in "${all[@]}"; do
		if t_alive "$p"; then
			echo "# $T_NAME: process $p ignored SIGTERM; killing" >&2
			kill -KILL "$p" 2>/dev/null
		fi
	done
}

t__forget() {
	local p keep=()
	for p in "${T__PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	T__PIDS=("${keep[@]}")
}

t_start_bg() {
	local var="" log=""
	while [ $# -gt 0 ]; do
		case $1 in
		-v) var=$2; shift 2 ;;
		-l) log=$2; shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	[ $# -gt 0 ] || t_fatal "t_start_bg: no command"
	[ -n "${T:-}" ] || t_fatal "t_start_bg before t_init"
	command -v "$1" >/dev/null 2>&1 || t_fatal "t_start_bg: no such command: $1"
	T__BG_N=$((T__BG_N + 1))
	[ -n "$log" ] || log=$T/bg.$T__BG_N.log
	# Without job control a background child is not a group leader, so
	# setsid(1) makes it one without forking: $! is the leader, and
	# `kill -- -$!` reaches every descendant that stayed in the group.
	local own_group=0
	if [[ $- != *m* ]] && command -v setsid >/dev/null 2>&1; then
		own_group=1
	fi
	if [ "$log" = - ]; then
		if [ $own_group = 1 ]; then
			setsid "$@" </dev/null &
		else
			"$@" </dev/null &
		fi
	else
		if [ $own_group = 1 ]; then
			setsid "$@" </dev/null >>"$log" 2>&1 &
		else
			"$@" </dev/null >>"$log" 2>&1 &
		fi
		T__LOGS+=("$log")
	fi
	T_BG_PID=$!
	T_BG_LOG=$log
	T__PIDS+=("$T_BG_PID")
	[ $own_group = 1 ] && T__GROUPS+=("$T_BG_PID")
	if [ -n "$var" ]; then
		printf -v "$var" '%s' "$T_BG_PID"
	fi
	return 0
}

t_stop() {
	local pid=$1 sig=${2:-TERM} tree
	tree=$(t__tree "$pid")
	kill "-$sig" "$pid" 2>/dev/null
	t__poll "! t_alive $pid" 100
	if t_alive "$pid"; then
		echo "# $T_NAME: process $pid ignored SIG$sig for $((10 * T_SLOW)) s; killing" >&2
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	T_STOP_STATUS=$?
	# shellcheck disable=SC2086
	t__kill_procs $tree
	t__forget "$pid"
	return 0
}

t_atexit() {
	local q
	printf -v q '%q ' "$@"
	T__ATEXIT+=("$q")
}

t__cleanup() {
	local rc=$1 log p i
	[ "$T__CLEANED" = 1 ] && return 0
	T__CLEANED=1
	if [ ${#T__PIDS[@]} -gt 0 ]; then
		t__kill_procs "${T__PIDS[@]}"
		for p in "${T__PIDS[@]}"; do
			wait "$p" 2>/dev/null
		done
	fi
	for ((i = ${#T__ATEXIT[@]} - 1; i >= 0; i--)); do
		eval "${T__ATEXIT[i]}" || echo "# $T_NAME: at exit, failed: ${T__ATEXIT[i]}" >&2
	done
	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		for log in "${T__LOGS[@]}"; do
			[ -s "$log" ] || continue
			echo "# ---- last lines of $log"
			tail -n 30 "$log" | sed 's/^/# /'
		done
	fi
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		if [ -n "${KEEP_TMP:-}" ]; then
			echo "# $T_NAME: keeping $T" >&2
		else
			rm -rf "$T"
		fi
	fi
}

t__on_exit() {
	local rc=$?
	trap - EXIT
	if [ "$rc" = 0 ] && [ "$T__DONE" = 0 ]; then
		echo "FAIL: $T_NAME: $T_N_FAILS of $T_N_CHECKS checks failed;" \
			"the script ended without t_done"
		rc=1
	fi
	t__cleanup "$rc"
	exit "$rc"
}

t__on_signal() {
	echo "# $T_NAME: interrupted by SIG$1" >&2
	trap - "$1"
	exit "$2"
}

t_init() {
	T_NAME=${1:-$T_NAME}
	T=$(mktemp -d "${TMPDIR:-/tmp}/cartera-$T_NAME.XXXXXX") ||
		t_fatal "cannot create a temporary directory"
	export T
	trap t__on_exit EXIT
	trap 't__on_signal INT 130' INT
	trap 't__on_signal TERM 143' TERM
	trap 't__on_signal HUP 129' HUP
	# On PostgreSQL the server runs from here on, so that t_db works in $(...).
	[ "$T_ENGINE" = pg ] && pg_start
	return 0
}

# --------------------------------------------------------------------- SMTP

# (Checked once per test: each check is a Python start, 20 ms of CPU.)
t__need_aiosmtpd() {
	[ "${T__HAVE_AIOSMTPD:-}" = 1 ] && return 0
	[ -x "$T_PYTHON" ] || t_skip "$T_PYTHON not found"
	"$T_PYTHON" -c 'import aiosmtpd' 2>/dev/null ||
		t_skip "python3-aiosmtpd not installed for $T_PYTHON"
	T__HAVE_AIOSMTPD=1
}

t_start_smtpd() {
	t__need_aiosmtpd
	[ -n "${T:-}" ] || t_fatal "t_start_smtpd before t_init"
	T__SMTPD_N=$((T__SMTPD_N + 1))
	local d=$T/smtpd.$T__SMTPD_N a prev="" maildir="" control="" portfile=""
	mkdir -p "$d" || t_fatal "cannot create $d"
	for a in "$@"; do
		case $prev in
		--maildir) maildir=$a ;;
		--control) control=$a ;;
		--port-file) portfile=$a ;;
		esac
		case $a in
		--maildir=*) maildir=${a#*=} ;;
		--control=*) control=${a#*=} ;;
		--port-file=*) portfile=${a#*=} ;;
		esac
		prev=$a
	done
	local extra=(--watch-pid "$$")
	[ -n "$maildir" ] || { maildir=$d/mail; extra+=(--maildir "$maildir"); }
	[ -n "$control" ] || { control=$d/control.json; extra+=(--control "$control"); }
	[ -n "$portfile" ] || { portfile=$d/port; extra+=(--port-file "$portfile"); }
	rm -f "$portfile"
	t_start_bg -l "$d/smtpd.log" "$T_PYTHON" "$T_TESTS_DIR/smtpd.py" \
		"${extra[@]}" "$@"
	local pid=$T_BG_PID
	if ! t__poll "[ -s '$portfile' ] || ! t_alive $pid" 100 ||
		! [ -s "$portfile" ]; then
		sed 's/^/# /' "$d/smtpd.log" >&2
		t_fatal "smtpd.py did not start (log: $d/smtpd.log)"
	fi
	SMTP_PORT=$(cat "$portfile")
	SMTP_DIR=$maildir
	SMTP_CONTROL=$control
	SMTP_PID=$pid
	SMTP_LOG=$d/smtpd.log
	export SMTP_PORT SMTP_DIR SMTP_CONTROL SMTP_PID SMTP_LOG
}

t_smtp_control() {
	[ -n "${SMTP_CONTROL:-}" ] || t_fatal "t_smtp_control: no smtpd started"
	local tmp="$SMTP_CONTROL.new.$$"
	printf '%s\n' "$1" >"$tmp" || t_fatal "cannot write $tmp"
	if ! "$T_PYTHON" "$T_TESTS_DIR/smtpd.py" --check-control "$tmp"; then
		rm -f "$tmp"
		t_fatal "t_smtp_control: invalid rules: $1"
	fi
	mv -f "$tmp" "$SMTP_CONTROL" || t_fatal "cannot install $SMTP_CONTROL"
}

t_smtp_events() {
	[ -f "$SMTP_DIR/log.jsonl" ] || return 0
	if [ $# -gt 0 ]; then
		grep -F "\"event\":\"$1\"" "$SMTP_DIR/log.jsonl"
	else
		cat "$SMTP_DIR/log.jsonl"
	fi
	return 0
}

t_smtp_event_count() {
	t_smtp_events "$1" | wc -l | tr -d ' '
}

t_mail_count() {
	local f n=0
	for f in "$SMTP_DIR"/*.eml; do
		[ -f "$f" ] && n=$((n + 1))
	done
	echo "$n"
}

t_mail_last() {
	local f last=""
	for f in "$SMTP_DIR"/*.eml; do
		[ -f "$f" ] && last=$f
	done
	echo "$last"
}

t_wait_mail() {
	local want=$1 timeout=${2:-10} n
	n=$(t__tenths "$timeout") || exit 99
	# shellcheck disable=SC2016 # expanded by eval, at each poll
	t__poll '[ "$(t_mail_count)" -ge '"$want"' ]' "$n" && return 0
	t__fail "timed out after ${timeout}s waiting for $want message(s)" \
		"$SMTP_DIR holds $(t_mail_count)"
}

# t_json EXPR: read JSON on stdin as d and print the Python expression EXPR
# ("d[0]['status']", "len(d)"): what a test asserts about --json output.
t_json() {
	"$T_PYTHON" -c "import json,sys; d=json.load(sys.stdin); print($1)"
}

t_mailcheck() {
	"$T_PYTHON" "$T_TESTS_DIR/mailcheck.py" "$@"
}

# ------------------------------------------------------------------- misc

# t_conf FILE [DB]: the configuration most daemon tests share (call it
# after t_start_smtpd); the test appends its own groups (digest:, feed:)
# with cat >>FILE.
t_conf() {
	cat >"$1" <<EOF
user = "root";
database = "${2:-$T/c.db}";
web: { key_file = "$T/web.key"; };	# (a server database has no directory to hold it)
templates = "$T_SRCDIR/etc/templates";
http: { port = 0; };
smtp: { url = "smtp://127.0.0.1:$SMTP_PORT"; starttls = "none";
	from = "Cartera <cartera@example.com>"; timeout = 10; };
EOF
}

t_free_port() {
	[ -x "$T_PYTHON" ] || t_skip "$T_PYTHON not found"
	"$T_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

t_make_cert() {
	local dir=${1:-$T/tls}
	t_require openssl
	mkdir -p "$dir" || t_fatal "cannot create $dir"
	if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 \
		-subj "/CN=localhost" \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		>"$dir/openssl.log" 2>&1; then
		sed 's/^/# /' "$dir/openssl.log" >&2
		t_fatal "openssl could not make a certificate"
	fi
	chmod 600 "$dir/key.pem"
	T_CERT=$dir/cert.pem
	T_KEY=$dir/key.pem
	export T_CERT T_KEY
}

# --------------------------------------------------------------- PostgreSQL
#
#   pg_start                    start a PostgreSQL server for this test:
#                               initdb + pg_ctl from Debian's postgresql in
#                               a temporary directory, 127.0.0.1 on a free
#                               port, its socket in that directory, stopped
#                               at exit; sets PG_PORT PG_DIR PGPASSFILE
#                               (password login through libpq's own file).
#                               Skips (77) when the binaries are absent.
#   pg_stop                     stop it now (pg_start's exit hook does too)
#   pg_createdb NAME            a new empty database; prints its URL
#   pg_sql URL SQL              run SQL with psql (rows as a|b|c)
#   t_engine                    sqlite or pg: $CARTERA_TEST_ENGINE
#   t_db [NAME]                 a new database locator for the engine under
#                               test: $T/NAME.db, or a PostgreSQL database
#                               (server started on first use); NAME
#                               defaults to c
#   t_db_name NAME              the locator of the database t_db NAME made
#   t_sql DB SQL                run SQL on DB with sqlite3 or psql
#   t_sql_concat EXPR           SQL for group_concat(EXPR) (string_agg on pg)
#   t_sql_utc EXPR              SQL for EXPR (Unix seconds) as UTC
#                               "YYYY-MM-DD HH:MM:SS" in the engine's dialect
#   t_schema_version DB         its schema version
#   t_db_digest DB              a digest of all it holds
#   t_skip_engine pg REASON     skip (77) when the engine under test is pg
#   t_generated FILE NAME ARGS...
#                               FILE a SQLite portfolio that
#                               contrib/gen-portfolio ARGS made; T_GEN_DB
#                               the database under test holding it: FILE,
#                               or (pg) t_db NAME with a copy of it
#
# The whole suite runs on PostgreSQL with CARTERA_TEST_ENGINE=pg (make
# check-pg): tests take their database from t_db and look into it with
# t_sql; each test gets its own server and databases.

T_ENGINE=${CARTERA_TEST_ENGINE:-sqlite}
case $T_ENGINE in
sqlite | pg) ;;
*) echo "CARTERA_TEST_ENGINE must be sqlite or pg, not $T_ENGINE" >&2; exit 99 ;;
esac

t_engine() { echo "$T_ENGINE"; }

t_skip_engine() {
	[ "$T_ENGINE" = "$1" ] && t_skip "not on $1: ${2:-engine-specific}"
	return 0
}

t_generated() {
	local file=$1 name=$2 cartera=${top_builddir:-.}/cartera
	shift 2
	"$cartera" -d "$file" -q init || t_fatal "init $file"
	"$T_PYTHON" "$T_SRCDIR/contrib/gen-portfolio" --db "$file" --quiet "$@" ||
		t_fatal "gen-portfolio $*"
	T_GEN_DB=$file
	if [ "$T_ENGINE" = pg ]; then
		T_GEN_DB=$(t_db "$name")
		"$cartera" -d "$file" copy --to "$T_GEN_DB" >"$T/copy-$name.out" 2>&1 ||
			t_fatal "copy $file to PostgreSQL"
	fi
}

# The newest installed server's bin directory, or nothing.
t__pg_bindir() {
	local d best=""
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && best=$d
	done
	[ -n "$best" ] && echo "$best"
}

# Run a server binary: initdb and postgres refuse root, so as root they
# run as the postgres user the package creates (else nobody).
t__pg_as() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid="$T__PG_USER" --regid="$T__PG_GROUP" --clear-groups -- "$@"
	else
		"$@"
	fi
}

# The options of every test cluster: a template made with other options
# or another server version is not used.
T__PG_INITDB_OPTS="-U cartera --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 -N"

# t__pg_data BIN: a new cluster in $PG_DIR/data, owned by the server's
# user.  initdb takes nearly twice the CPU of a copy of its result, and
# every test on PostgreSQL starts a server (the whole suite under make
# check-pg), so the first test of a build directory keeps a copy of its
# fresh cluster in tests/out/ (made under a lock: parallel tests wait
# for it and never see half a copy) and the others copy that.  The copy
# is keyed by the server's version, our uid and the options, and made
# again when they change.  Outside make (no $top_builddir) or without
# flock(1): initdb each time.
t__pg_initdb() {
	local bin=$1 pwf=$PG_DIR/initdb.pw
	# A throwaway password: pg_start sets the server's own once it runs.
	od -An -N12 -tx1 /dev/urandom | tr -d ' \n' >"$pwf"
	chmod 644 "$pwf"
	# shellcheck disable=SC2086 # the options are words
	if ! t__pg_as "$bin/initdb" -D "$PG_DIR/data" --pwfile="$pwf" $T__PG_INITDB_OPTS \
		>"$PG_DIR/initdb.log" 2>&1; then
		sed 's/^/# /' "$PG_DIR/initdb.log" >&2
		t_fatal "initdb failed"
	fi
	rm -f "$pwf"
}

t__pg_data() {
	local bin=$1 out key tpl
	if [ -z "${top_builddir:-}" ] || ! command -v flock >/dev/null 2>&1; then
		t__pg_initdb "$bin"
		return
	fi
	out=$(cd "$top_builddir" && pwd)/tests/out
	mkdir -p "$out" || t_fatal "cannot create $out"
	key=$({ "$bin/initdb" --version; id -u; echo "$T__PG_INITDB_OPTS"; } | sha256sum | cut -c1-16)
	tpl=$out/pg-cluster.$key
	(
		flock 9 || exit 1
		if [ -f "$tpl/PG_VERSION" ]; then
			cp -a "$tpl" "$PG_DIR/data" || exit 1
		else
			# Older templates (another version, other options) go.
			rm -rf "$out"/pg-cluster.*
			t__pg_initdb "$bin"
			cp -a "$PG_DIR/data" "$tpl.tmp" && mv "$tpl.tmp" "$tpl" || exit 1
		fi
	) 9>"$out/pg-template.lock" || t_fatal "cannot make a PostgreSQL cluster from $tpl"
}

pg_start() {
	[ -n "${PG_PORT:-}" ] && return 0
	[ -n "${T:-}" ] || t_fatal "pg_start before t_init"
	local bin try pw
	bin=$(t__pg_bindir) || t_skip "PostgreSQL server binaries (initdb, pg_ctl) not installed"
	t_require psql
	T__PG_BIN=$bin
	if [ "$(id -u)" = 0 ]; then
		t_require setpriv
		if id postgres >/dev/null 2>&1; then
			T__PG_USER=$(id -u postgres) T__PG_GROUP=$(id -g postgres)
		else
			T__PG_USER=$(id -u nobody) T__PG_GROUP=$(id -g nobody)
		fi
	fi
	# Not under $T: the server's user must reach it, and $T is ours alone.
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cartera-pgserver.XXXXXX") ||
		t_fatal "cannot create a directory for PostgreSQL"
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown "$T__PG_USER:$T__PG_GROUP" "$PG_DIR"
	t_atexit pg_stop
	pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	t__pg_data "$bin"
	for try in 1 2 3; do
		PG_PORT=$(t_free_port)
		# One line: pg_ctl hands the options to a shell.
		if t__pg_as "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
			-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60 -c shared_buffers=32MB" \
			start >"$PG_DIR/pg_ctl.log" 2>&1; then
			break
		fi
		PG_PORT=""
	done
	if [ -z "$PG_PORT" ]; then
		sed 's/^/# /' "$PG_DIR/server.log" >&2
		t_fatal "PostgreSQL did not start"
	fi
	# This server's own password (the cluster may be a copy of another's),
	# set over the Unix socket, where the cluster trusts local logins.
	psql -X -q -h "$PG_DIR" -p "$PG_PORT" -U cartera -d postgres -v ON_ERROR_STOP=1 \
		-c "ALTER ROLE cartera PASSWORD '$pw'" >/dev/null ||
		t_fatal "cannot set the password of the PostgreSQL server"
	# libpq's own password file: host:port:db:user:password, mode 600.
	PGPASSFILE=$T/pgpass
	printf '127.0.0.1:%s:*:cartera:%s\n' "$PG_PORT" "$pw" >"$PGPASSFILE"
	chmod 600 "$PGPASSFILE"
	T__PG_PW=$pw
	export PG_PORT PG_DIR PGPASSFILE
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] || return 0
	if [ -f "$PG_DIR/data/postmaster.pid" ]; then
		t__pg_as "$T__PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop \
			>/dev/null 2>&1
	fi
	rm -rf "$PG_DIR"
	PG_DIR="" PG_PORT=""
}

pg_createdb() {
	pg_start
	psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U cartera -d postgres \
		-c "CREATE DATABASE \"$1\"" >/dev/null || t_fatal "cannot create database $1"
	echo "postgresql://cartera@127.0.0.1:$PG_PORT/$1"
}

pg_sql() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# The locator of database NAME made earlier with t_db (no new database).
t_db_name() {
	if [ "$T_ENGINE" = pg ]; then
		echo "postgresql://cartera@127.0.0.1:$PG_PORT/$1"
	else
		echo "$T/$1.db"
	fi
}

t_db() {
	local name=${1:-c}
	if [ "$T_ENGINE" = pg ]; then
		# Called in $(...): the server must already run in this shell.
		[ -n "${PG_PORT:-}" ] || t_fatal "t_db on pg: call pg_start first (t_init does)"
		pg_createdb "$name"
	else
		echo "$T/$name.db"
	fi
}

t_sql() {
	case $1 in
	postgresql://* | postgres://*) pg_sql "$1" "$2" ;;
	*) sqlite3 -cmd ".timeout 10000" "$1" "$2" ;;
	esac
}

t_sql_concat() {
	if [ "$T_ENGINE" = pg ]; then
		echo "string_agg(($1)::text, ',')"
	else
		echo "group_concat($1)"
	fi
}

t_sql_utc() {
	if [ "$T_ENGINE" = pg ]; then
		echo "to_char(to_timestamp($1) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
	else
		echo "datetime($1, 'unixepoch')"
	fi
}

# The schema version of DB (SQLite: PRAGMA user_version; PostgreSQL: the
# cartera_schema table).
t_schema_version() {
	case $1 in
	postgresql://* | postgres://*) pg_sql "$1" "SELECT version FROM cartera_schema" ;;
	*) sqlite3 "$1" "PRAGMA user_version" ;;
	esac
}

# A digest of everything DB holds: equal digests, equal databases.
t_db_digest() {
	case $1 in
	postgresql://* | postgres://*)
		# (not the sequences: a refused insert uses up an id; not
		# pg_dump's random \restrict key)
		pg_dump --data-only --no-owner --no-comments -d "$1" |
			grep -v -e '^--' -e 'pg_catalog.setval' -e '^\\restrict ' \
			-e '^\\unrestrict ' | sha256sum ;;
	*)
		sqlite3 "$1" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
		# Every byte but the header's change counter and the version
		# it is valid for (offsets 24 and 92, 4 bytes each): SQLite
		# moves them when the journal mode changes, as a bulk import
		# does around its transaction even when it is rolled back.
		{ { head -c 24 "$1"; tail -c +29 "$1" | head -c 64; tail -c +97 "$1"; } |
			sha256sum; sqlite3 "$1" .dump | sha256sum; } | tr '\n' ' ' ;;
	esac
}
