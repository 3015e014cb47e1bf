# dovecot_lib.sh -- a real Dovecot IMAP server for Cartera's mail-in tests.
# Sourced by tests that already sourced tests/lib.sh (bash only).
#
#   t_start_dovecot             start Dovecot in $T/dovecot on a random
#                               loopback port, imaps with a self-signed
#                               certificate (t_make_cert) and plain imap
#                               on a second port; sets IMAP_PORT (imaps),
#                               IMAP_PLAIN_PORT, IMAP_CONF, IMAP_PID,
#                               IMAP_CA (the certificate to trust)
#   t_dovecot_user NAME PASS    add a mail user (home under $T/dovecot)
#   t_dovecot_save USER FOLDER FILE
#                               deliver FILE into FOLDER with doveadm save
#                               (works while the server is stopped too)
#   t_dovecot_lda USER FOLDER FILE
#                               deliver FILE with dovecot-lda, without the
#                               server (while it is stopped)
#   t_dovecot_stop              stop the server (t_start_dovecot again
#                               restarts it on the same ports)
#   t_doveadm ARGS...           doveadm with the test's configuration
#
# Skips (77) when the Dovecot binaries are absent.  Runs as root (CI) or
# as any user: the server's internal and login users are existing users
# (dovecot/dovenull when root, else the caller), and every mail user
# maps to the caller's own uid and gid (nobody's when root).

t__dovecot_bin() {
	local d
	for d in /usr/sbin /usr/bin /usr/local/sbin; do
		[ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	command -v "$1" 2>/dev/null
}

t_start_dovecot() {
	local dir=$T/dovecot uid gid iuser luser
	DOVECOT_BIN=$(t__dovecot_bin dovecot) || true
	DOVEADM_BIN=$(t__dovecot_bin doveadm) || true
	[ -n "$DOVECOT_BIN" ] && [ -n "$DOVEADM_BIN" ] ||
		t_skip "dovecot binaries not found (Debian: dovecot-imapd)"
	[ -x /usr/lib/dovecot/imap ] || [ -x /usr/libexec/dovecot/imap ] ||
		t_skip "dovecot's imap server not found (Debian: dovecot-imapd)"
	mkdir -p "$dir/run" "$dir/state" "$dir/home" || t_fatal "cannot create $dir"
	[ -n "${T_CERT:-}" ] || t_make_cert "$dir/tls"
	IMAP_CA=$T_CERT
	uid=$(id -u)
	gid=$(id -g)
	if [ "$uid" = 0 ]; then
		# Dovecot refuses root for mail and for its own processes.
		iuser=dovecot
		luser=dovenull
		id dovecot >/dev/null 2>&1 || iuser=nobody
		id dovenull >/dev/null 2>&1 || luser=nobody
		uid=$(id -u nobody)
		gid=$(id -g nobody)
		# The unprivileged processes must reach the run directory.
		chmod 755 "$T" "$dir" 2>/dev/null
		chown "$uid:$gid" "$dir/home"
	else
		iuser=$(id -un)
		luser=$iuser
	fi
	[ -n "${IMAP_PORT:-}" ] || IMAP_PORT=$(t_free_port)
	[ -n "${IMAP_PLAIN_PORT:-}" ] || IMAP_PLAIN_PORT=$(t_free_port)
	touch "$dir/passwd"
	chmod 644 "$dir/passwd"
	IMAP_CONF=$dir/dovecot.conf
	cat >"$IMAP_CONF" <<CONF
base_dir = $dir/run
state_dir = $dir/state
instance_name = cartera-test-$$
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = $iuser
default_login_user = $luser
default_internal_group = $(id -gn "$iuser")
first_valid_uid = 0
first_valid_gid = 0
# mdbox: many mails per file.  A 10,000-mail backlog as maildir was
# 10,000 files, 8 s to write and 20 s to delete on a slow disk.
mail_location = mdbox:~/mdbox
# A throwaway server: no fsync per stored mail (a 10,000-mail backlog
# was minutes of fsyncs on a loaded machine).
mail_fsync = never
mail_uid = $uid
mail_gid = $gid
auth_mechanisms = plain login
disable_plaintext_auth = no
ssl = yes
ssl_cert = <$T_CERT
ssl_key = <$T_KEY
ssl_min_protocol = TLSv1.2
login_trusted_networks =
auth_failure_delay = 0
mail_max_userip_connections = 100
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PLAIN_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAP_PORT
    ssl = yes
  }
}
# No authentication penalty for loopback (a wrong password is part of
# the tests): each failed login from the IP would otherwise delay every
# later login from it, the right passwords included, by 2 to 15 s.
service anvil {
  chroot =
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  chroot =
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    auto = create
    special_use = \\Sent
  }
}
CONF
	t_start_bg -v IMAP_PID -l "$dir/stderr.log" "$DOVECOT_BIN" -F -c "$IMAP_CONF"
	if ! t_wait_for "t__port_open $IMAP_PORT" 10; then
		sed 's/^/# /' "$dir/dovecot.log" "$dir/stderr.log" 2>/dev/null | tail -20 >&2
		t_fatal "dovecot did not start"
	fi
	export IMAP_PORT IMAP_PLAIN_PORT IMAP_CONF IMAP_CA
}

t__port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

t_dovecot_user() {
	echo "$1:{PLAIN}$2::::::" >>"$T/dovecot/passwd"
	mkdir -p "$T/dovecot/home/$1"
	chown --reference="$T/dovecot/home" "$T/dovecot/home/$1"
}

t_doveadm() {
	"$DOVEADM_BIN" -c "$IMAP_CONF" "$@"
}

t_dovecot_save() {
	t_doveadm save -u "$1" -m "$2" <"$3"
}

t_dovecot_stop() {
	[ -n "${IMAP_PID:-}" ] && t_stop "$IMAP_PID"
	IMAP_PID=
}

t_dovecot_lda() {
	local dir=$T/dovecot lda=/usr/lib/dovecot/dovecot-lda uid gid
	[ -x "$lda" ] || lda=/usr/libexec/dovecot/dovecot-lda
	[ -x "$lda" ] || t_skip "dovecot-lda not found"
	cat >"$dir/lda.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = /dev/stderr
stats_writer_socket_path =
# mdbox: many mails per file.  A 10,000-mail backlog as maildir was
# 10,000 files, 8 s to write and 20 s to delete on a slow disk.
mail_location = mdbox:~/mdbox
# A throwaway server: no fsync per stored mail (a 10,000-mail backlog
# was minutes of fsyncs on a loaded machine).
mail_fsync = never
first_valid_uid = 0
first_valid_gid = 0
postmaster_address = postmaster@example.com
CONF
	chmod 644 "$dir/lda.conf"
	uid=$(stat -c %u "$dir/home")
	gid=$(stat -c %g "$dir/home")
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid="$uid" --regid="$gid" --clear-groups \
			env HOME="$dir/home/$1" USER="$1" "$lda" -c "$dir/lda.conf" -m "$2" <"$3"
	else
		env HOME="$dir/home/$1" USER="$1" "$lda" -c "$dir/lda.conf" -m "$2" <"$3"
	fi
}
