#!/bin/bash
# backup.sh - `cartera backup FILE` while the real carterad (queueing a
# digest a second on a fast clock) and a loop of `cartera client add`
# write the database:
#  - every backup is a standalone, intact database (integrity_check ok,
#    journal_mode delete, no -wal beside it, mode 0600) with the source's
#    schema version, and it is one snapshot: each new client comes with its
#    contact, client counts never go down from one backup to the next and
#    are never above the source's;
#  - the writers are not held up (every client add succeeds);
#  - refused, with a clear message and nothing left behind: a directory
#    that does not exist, the database itself (by name, by symlink, its
#    -wal), a directory, "-";
#  - a full file system (root only: a small tmpfs): a clear error, no
#    temporary file, the previous backup there intact;
#  - restoring a backup (daemon stopped, copied over the database) gives a
#    working database for the CLI and the daemon.
# shellcheck disable=SC2016 # t_wait_for conditions are expanded by eval, at each poll
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
t_init backup
t_skip_engine pg "cartera backup is SQLite's online backup (PostgreSQL: pg_dump)"
t_require sqlite3

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
export TZ=UTC
unset CARTERA_DB
DB=$T/c.db
CONF=$T/c.conf
cat >"$CONF" <<CONF
user = "root";
database = "$DB";
templates = "$T_SRCDIR/etc/templates";
http: { port = 0; };
smtp: { url = "smtp://127.0.0.1:1"; starttls = "none"; retry_min = 3600; retry_max = 86400; };
CONF
c() { "$CARTERA" -c "$CONF" -q --now "2026-03-01 09:00Z" "$@" >/dev/null || t_fatal "setup: cartera $*"; }
# q DB SQL: sqlite3, waiting for locks as cartera does (the writers are busy).
q() { sqlite3 -cmd ".timeout 10000" "$1" "$2"; }
W_CLIENTS="SELECT count(*) FROM clients WHERE name GLOB 'W[0-9]*'"
N=100

# ============================================================ a database
c init
c owner add ana@example.com --name "Ana" --tz Europe/Madrid --digest-at 08:00
c owner add ben@example.com --name "Ben" --tz America/New_York --digest-at 07:30
c client add "Talleres" --owner ana@example.com --email compras@talleres.example
c client add "Harbor" --owner ben@example.com
c invoice add Talleres 1234.56 --issued 2026-01-10 --due 2026-02-10
c invoice add Harbor 99,90 --issued 2026-02-01 --due 2026-02-15
c plan Talleres visit --at "2026-03-05 10:00"
# Several megabytes (some 2,000 pages, so a backup takes several steps).
q "$DB" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
	INSERT INTO clients (name, created_at, updated_at, notes)
	SELECT 'Bulto ' || i, 0, 0, hex(randomblob(1000)) FROM n" || t_fatal "bulk clients"
VERSION=$(q "$DB" "PRAGMA user_version")
t_assert_match '^[1-9][0-9]*$' "$VERSION" "the source has a schema version ($VERSION)"

# ============================== backups while the daemon and the CLI write
# A simulated day every 0.6 s: digests are queued (and fail to send) all along.
t_start_bg -v DPID -l "$T/carterad.log" "$CARTERAD" -c "$CONF" -f --now "2026-03-02 00:00:00Z" --clock-speed 144000
# shellcheck disable=SC2317 # called by t_wait_for's eval
digests() { q "$DB" "SELECT count(*) FROM outbox WHERE kind = 'digest'"; }
t_wait_for '[ "$(digests)" -ge 2 ]' 20
cat >"$T/writer.sh" <<'EOF'
# writer.sh CARTERA CONF N DONE: N clients with a contact, one
# transaction each; DONE is created at the end.
for ((i = 1; i <= $3; i++)); do
	"$1" -c "$2" -q client add "W$i" --owner ana@example.com --email "w$i@example.com" ||
		echo "client add W$i failed"
done
: >"$4"
EOF
t_start_bg -v WPID -l "$T/writer.log" bash "$T/writer.sh" "$CARTERA" "$CONF" "$N" "$T/writer.done"

# check_backup K FILE OUT RC: one check that lists every property missed.
check_backup() {
	local k=$1 b=$2 out=$3 rc=$4 src n bad=()
	src=$(q "$DB" "$W_CLIENTS")
	[ "$rc" = 0 ] || bad+=("exit $rc")
	[[ $out =~ ^backup\ of\ $DB\ to\ $b:\ [0-9]+\ pages,\ ([0-9]+)\ bytes$ ]] ||
		bad+=("output: $out")
	[ "${BASH_REMATCH[1]}" = "$(stat -c %s "$b" 2>/dev/null)" ] || bad+=("not the size it reports")
	[ -s "$T/b$k.err" ] && bad+=("stderr (not a terminal): $(cat "$T/b$k.err")")
	[ "$(q "$b" "PRAGMA integrity_check")" = ok ] || bad+=("integrity_check")
	[ "$(q "$b" "PRAGMA user_version")" = "$VERSION" ] || bad+=("schema version")
	[ "$(q "$b" "PRAGMA journal_mode")" = delete ] || bad+=("journal_mode")
	[ -e "$b-wal" ] && bad+=("a -wal beside it")
	[ "$(stat -c %a "$b")" = 600 ] || bad+=("mode $(stat -c %a "$b")")
	# One snapshot: every new client with its contact, no dangling key.
	[ "$(q "$b" "SELECT count(*) FROM clients c WHERE name GLOB 'W[0-9]*'
		AND NOT EXISTS (SELECT 1 FROM contacts WHERE client_id = c.id)")" = 0 ] ||
		bad+=("a client without its contact")
	[ -z "$(q "$b" "PRAGMA foreign_key_check")" ] || bad+=("foreign_key_check")
	n=$(q "$b" "$W_CLIENTS")
	[ "$n" -ge "$prev" ] && [ "$n" -le "$src" ] ||
		bad+=("$n new clients: not between the previous backup's $prev and the source's $src")
	t_assert_eq "" "$(printf '%s\n' "${bad[@]}")" \
		"backup $k: intact, standalone, v$VERSION, 0600, one snapshot, $n new clients (previous $prev, source $src)"
	prev=$n
	counts="$counts $n"
}
k=0 prev=0 during=0 counts="" deadline=$((SECONDS + $(t_slow 180)))
while :; do
	k=$((k + 1))
	[ -e "$T/writer.done" ] && last=1 || last=0
	B=$T/b$k.db
	out=$("$CARTERA" -c "$CONF" backup "$B" 2>"$T/b$k.err")
	check_backup "$k" "$B" "$out" $?
	[ "$last" = 1 ] && break
	during=$((during + 1))
	[ "$SECONDS" -ge "$deadline" ] && t_fatal "the writer did not finish in $(t_slow 180) s"
	sleep 0.1
done
t_wait_for "! t_alive $WPID" 10
t_assert_eq "" "$(cat "$T/writer.log")" "every client add succeeded while backups ran"
if [ "$during" -ge 2 ]; then
	t_pass "$during backups taken while the writer wrote (new clients:$counts)"
else
	t_fail "only $during backups while the writer wrote (new clients:$counts)"
fi
t_assert_eq "$N $N" "$(q "$B" "$W_CLIENTS") $(q "$DB" "$W_CLIENTS")" "the last backup holds every client"
t_assert_ok "the last backup holds the daemon's writes" test "$(q "$B" "SELECT count(*) FROM outbox")" -ge 2
if t_alive "$DPID"; then t_pass "carterad is still running"; else t_fail "carterad is still running"; fi

# A backup replaces an older one in place, and --json / -q.
out=$("$CARTERA" -c "$CONF" --json backup "$T/b1.db")
t_assert_eq "$DB $T/b1.db True" "$(printf '%s' "$out" | "$T_PYTHON" -c 'import json, sys
d = json.load(sys.stdin)
print(d["database"], d["file"], d["pages"] * 4096 == d["bytes"] > 0)')" "--json: database, file, pages, bytes"
t_assert_eq "$N" "$(q "$T/b1.db" "$W_CLIENTS")" "a backup over an older one replaces it"
t_assert_eq "" "$("$CARTERA" -c "$CONF" -q backup "$T/b1.db" 2>&1)" "-q: nothing printed"
t_assert_eq "0" "$(find "$T" -name '*.tmp-*' | wc -l)" "no temporary file left"
if command -v script >/dev/null 2>&1; then
	out=$(script -qec "$CARTERA -c $CONF backup $T/tty.db" /dev/null </dev/null)
	t_assert_match "backup of $DB: +[0-9]+%.*100%" "$out" "on a terminal, progress on stderr"
fi

# ============================================================== refused
fails() {	# fails NAME ERE FILE: exit 1, a message naming FILE, nothing made
	local out rc
	out=$("$CARTERA" -c "$CONF" backup "$3" 2>&1)
	rc=$?
	t_assert_eq 1 "$rc" "$1: exit 1"
	t_assert_match "^cartera: backup to $3 failed: $2" "$out" "$1: says why"
}
fails "no such directory" "cannot create a file in $T/nodir: No such file or directory" "$T/nodir/b.db"
t_assert_ok "no such directory: nothing made" test ! -e "$T/nodir"
before=$(sha256sum <"$DB")
fails "the database itself" "that is the database itself" "$DB"
ln -s "$DB" "$T/link.db"
fails "a symlink to the database" "that is the database itself" "$T/link.db"
t_assert_ok "the symlink is still a symlink" test -L "$T/link.db"
t_assert_ok "the database has a -wal (carterad runs)" test -e "$DB-wal"
fails "the database's -wal" "that is the database itself" "$DB-wal"
fails "a directory" "it is a directory" "$T"
t_assert_eq "$before" "$(sha256sum <"$DB")" "the database is untouched"
out=$("$CARTERA" -c "$CONF" backup - 2>&1)
t_assert_eq 2 $? "\"-\": a usage error"
t_assert_match 'cannot go to standard output' "$out" "\"-\": says it is not supported"
t_assert_eq "0" "$(find "$T" -name '*.tmp-*' | wc -l)" "still no temporary file"

# ==================================================== a full file system
if [ "$(id -u)" = 0 ] && mkdir -p "$T/full" &&
	mount -t tmpfs -o size=1m,mode=0700 cartera-backup "$T/full" 2>/dev/null; then
	t_atexit umount -l "$T/full"
	# The previous backup: a small database fits.
	c -d "$T/small.db" init
	c -d "$T/small.db" client add "Solo"
	t_assert_ok "a backup onto the tmpfs" "$CARTERA" -c "$CONF" -d "$T/small.db" -q backup "$T/full/b.db"
	prev_sum=$(sha256sum <"$T/full/b.db")
	# The big one does not.
	out=$("$CARTERA" -c "$CONF" backup "$T/full/b.db" 2>&1)
	t_assert_eq 1 $? "disk full: exit 1"
	t_assert_eq "cartera: backup to $T/full/b.db failed: database or disk is full" "$out" "disk full: says so"
	t_assert_eq "b.db" "$(cd "$T/full" && find . -mindepth 1 -printf '%P\n' | xargs)" "disk full: no temporary file left"
	t_assert_eq "$prev_sum" "$(sha256sum <"$T/full/b.db")" "disk full: the previous backup is intact"
	t_assert_eq "ok 1" "$(q "$T/full/b.db" "PRAGMA integrity_check; SELECT count(*) FROM clients" | xargs)" \
		"disk full: and still a good database"
else
	echo "# not root, or no tmpfs: the full file system part is skipped"
fi

# =============================================================== restore
t_stop "$DPID"
t_assert_eq 0 "$T_STOP_STATUS" "carterad: SIGTERM, exit 0"
c client add "After the backup" --owner ben@example.com
B=$T/b2.db
want=$(q "$B" "SELECT count(*) FROM clients")
rm -f "$DB-wal" "$DB-shm"
cp "$B" "$DB" || t_fatal "cp"
out=$("$CARTERA" -c "$CONF" --json client list)
t_assert_eq 0 $? "restored: client list works"
t_assert_eq "$want" "$(printf '%s' "$out" | "$T_PYTHON" -c 'import json, sys; print(len(json.load(sys.stdin)))')" \
	"restored: the backup's clients ($want)"
t_assert_eq "[]" "$("$CARTERA" -c "$CONF" --json client list --search "After the backup" | tr -d ' \n')" \
	"restored: what came after the backup is not there"
t_assert_ok "restored: cartera check" "$CARTERA" -c "$CONF" -q check
t_assert_ok "restored: cartera writes" "$CARTERA" -c "$CONF" -q client add "After the restore" --owner ben@example.com
t_assert_ok "restored: carterad runs a cycle" "$CARTERAD" -c "$CONF" --once --now "2026-03-20 12:00:00Z" 2>"$T/once.log"
t_assert_eq "wal" "$(q "$DB" "PRAGMA journal_mode")" "restored: back in WAL mode"
t_done
