#!/bin/bash
# imap_reload.sh - mailboxes added to or removed from the imap list take
# effect on SIGHUP, without a restart: carterad started with no mailbox
# at all reads one after a reload adds it, and stops reading it after a
# reload removes it (its /metrics lines go, a mail delivered afterwards is
# not logged while a mailbox that stays goes on).  A real Dovecot on
# loopback (imaps, self-signed certificate); poll_seconds = 1 keeps it
# quick, every wait is bounded.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$T_SRCDIR/tests/dovecot_lib.sh"
t_init imap_reload
[ "$(t_engine)" = sqlite ] && t_require sqlite3
t_require openssl curl

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
CARTERA_DB=$(t_db) || t_fatal "no database"
export CARTERA_DB TZ=UTC
q() { t_sql "$CARTERA_DB" "$1"; }

t_start_dovecot
t_dovecot_user ana anapass
t_dovecot_user bea beapass
printf 'anapass\n' >"$T/ana.pass"
printf 'beapass\n' >"$T/bea.pass"
chmod 600 "$T/ana.pass" "$T/bea.pass"
http_port=$(t_free_port)

# conf MAILBOXES...: the configuration with these mailboxes (ana, bea).
conf() {
	local b sep=""
	{
		echo "database = \"$CARTERA_DB\";"
		echo "user = \"$(id -un)\";"
		echo "templates = \"$T_SRCDIR/etc/templates\";"
		echo "http = { listen = \"127.0.0.1\"; port = $http_port; };"
		if [ $# -gt 0 ]; then
			echo "imap = ("
			for b; do
				echo "  $sep{ name = \"$b\"; url = \"imaps://127.0.0.1:$IMAP_PORT/INBOX\";"
				echo "    user = \"$b\"; password_file = \"$T/$b.pass\"; owner = \"$b@example.com\";"
				echo "    ca_file = \"$IMAP_CA\"; poll_seconds = 1; timeout = 10; }"
				sep=","
			done
			echo ");"
		fi
	} >"$T/c.conf.new" && mv "$T/c.conf.new" "$T/c.conf"
}
# mail USER N: client N writes to USER (a mail to log).
mail() {
	printf 'From: Cliente %d <c%d@client%d.example>\nTo: %s@example.com\nSubject: Pedido %s %d\nDate: Tue, 01 Dec 2026 10:0%d:00 +0100\nMessage-ID: <%s-%d@client.example>\n\nHola.\n' \
		"$2" "$2" "$2" "$1" "$1" "$2" "$2" "$1" "$2" >"$T/m.eml"
	t_dovecot_save "$1" INBOX "$T/m.eml" || t_fatal "doveadm save for $1"
}
logged() { q "SELECT count(*) FROM interactions i JOIN clients c ON c.id = i.client_id JOIN owners o ON o.id = c.owner_id WHERE o.email = '$1@example.com' AND i.kind = 'email'"; }
metric() { curl -s "http://127.0.0.1:$http_port/metrics" | grep -c "^cartera_mailbox_up{mailbox=\"$1\"}"; }

conf
c() { "$CARTERA" -c "$T/c.conf" "$@"; }
c -q init || t_fatal "init"
for u in ana bea; do
	c -q owner add "$u@example.com" --name "$u" --tz Europe/Madrid || t_fatal "owner add $u"
done
for i in 1 2 3 4; do
	[ $i -le 2 ] && u=ana || u=bea
	c -q client add "Cliente $i" --owner "$u@example.com" --email "c$i@client$i.example" ||
		t_fatal "client add $i"
done
mail ana 1
mail bea 3

t_start_bg -v DPID -l "$T/carterad.log" "$CARTERAD" -c "$T/c.conf" -f
t_wait_for "curl -sf -o /dev/null http://127.0.0.1:$http_port/metrics" 20 || t_fatal "carterad did not start"
t_assert_eq 0 "$(metric ana)" "no mailbox configured: none in /metrics"

# Added by a reload: read at once, no restart.
conf ana
kill -HUP "$DPID"
t_wait_for "[ \"\$(logged ana)\" = 1 ]" 20
t_assert_eq 1 "$(logged ana)" "a mailbox added by SIGHUP is read (carterad started with none)"
t_assert_eq 1 "$(metric ana)" "and shown in /metrics"
t_assert_file_contains "$T/carterad.log" "mail-in: reading 1 mailbox after the reload" "the change is logged"

# A second one added, then the first removed: bea is read, ana no more.
conf ana bea
kill -HUP "$DPID"
t_wait_for "[ \"\$(logged bea)\" = 1 ]" 20
t_assert_eq 1 "$(logged bea)" "a second mailbox added by SIGHUP is read"
conf bea
kill -HUP "$DPID"
t_wait_for "[ \"\$(metric ana)\" = 0 ]" 20
t_assert_eq 0 "$(metric ana)" "a mailbox removed by SIGHUP leaves /metrics"
mail ana 2
mail bea 4
# bea goes on being read; ana's new mail, delivered at the same time, waits.
t_wait_for "[ \"\$(logged bea)\" = 2 ]" 20
t_assert_eq 2 "$(logged bea)" "the mailbox that stays goes on being read"
t_assert_eq 1 "$(logged ana)" "the removed mailbox is no longer read"
t_assert_eq 1 "$(metric bea)" "the one that stays is in /metrics"

t_stop "$DPID"
t_assert_eq 0 "$T_STOP_STATUS" "carterad stops cleanly"
t_done
