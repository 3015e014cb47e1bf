#!/bin/bash
# imap.sh - mail in against a real Dovecot over imaps (self-signed
# certificate made here): mails sent and received are logged once each;
# the same mail in a BCC mailbox and in Sent logs once; a UIDVALIDITY
# reset logs nothing twice; an out-of-office reply clears nothing; a reply
# to a follow-up email is linked to it and stops further follow-ups;
# malformed mails (bad encoded-words, no Date, a 5 MB body, 8-bit
# headers) are handled with a log line and the rest go on; internal mail
# is never logged, unknown senders are counted, webmail domains never
# match by domain; `mail scan --dry-run` writes nothing; `cartera
# status` shows each mailbox.
. "${srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$T_SRCDIR/tests/dovecot_lib.sh"
t_init imap
[ "$(t_engine)" = sqlite ] && t_require sqlite3
t_require openssl

CARTERA=${top_builddir:-.}/cartera
CARTERAD=${top_builddir:-.}/carterad
CARTERA_DB=$(t_db) || t_fatal "no database"
export CARTERA_DB TZ=UTC
q() { t_sql "$CARTERA_DB" "$1"; }

t_start_dovecot
t_start_smtpd
t_dovecot_user ana anapass
t_dovecot_user log logpass
printf 'anapass\n' >"$T/ana.pass"
printf 'logpass\n' >"$T/log.pass"
chmod 600 "$T/ana.pass" "$T/log.pass"

cat >"$T/c.conf" <<CONF
database = "$CARTERA_DB";
user = "$(id -un)";
templates = "$T_SRCDIR/etc/templates";
imap = (
	{ name = "ana"; url = "imaps://127.0.0.1:$IMAP_PORT/INBOX"; user = "ana";
	  password_file = "$T/ana.pass"; owner = "ana@example.com"; ca_file = "$IMAP_CA";
	  timeout = 10; },
	{ name = "ana-sent"; url = "imaps://127.0.0.1:$IMAP_PORT/Sent"; user = "ana";
	  password_file = "$T/ana.pass"; owner = "ana@example.com"; ca_file = "$IMAP_CA";
	  timeout = 10; },
	{ name = "log"; url = "imap://127.0.0.1:$IMAP_PLAIN_PORT/INBOX"; user = "log";
	  password_file = "$T/log.pass"; shared = true; starttls = "required";
	  ca_file = "$IMAP_CA"; timeout = 10; }
);
mail_in = { match_domains = true; };
smtp = { url = "smtp://127.0.0.1:$SMTP_PORT"; starttls = "none";
	from = "Cartera <cartera@example.com>"; timeout = 10; };
http = { port = 0; base_url = "https://cartera.example"; };
cadence = { default_days = 30; };
client_emails = { enabled = true; after_days = 3; min_interval_days = 1; };
CONF
c() { "$CARTERA" -c "$T/c.conf" "$@"; }
setup() { c -q --now "2026-11-01 09:00Z" "$@" >/dev/null || t_fatal "setup failed: $*"; }
setup init
setup owner add ana@example.com --name "Ana López" --tz Europe/Madrid
setup owner add bob@example.com --name "Bob" --tz Europe/Madrid
setup client add "Talleres Pérez" --owner ana@example.com --contact "Marta" --email Marta@Talleres.es
setup contact add Talleres "Compras" --email compras+pedidos@talleres.es
setup client add "Hierros Norte" --owner bob@example.com --contact "Pepe" --email pepe@hierros.es
setup client add "Gomez Autonomo" --owner ana@example.com --contact "Luis" --email luis.gomez@gmail.com
setup client add "Ferreteria Sur" --owner ana@example.com --contact "Sara" --email sara@ferreteria.example
setup client add "Control SL" --owner ana@example.com --contact "Carlos" --email carlos@control.example
c -q --now "2026-10-01 10:00Z" log Ferreteria call >/dev/null || t_fatal "log failed"
c -q --now "2026-10-01 10:00Z" log Control call >/dev/null || t_fatal "log failed"
c -q --now "2026-11-20 10:00Z" log Hierros call --outcome waiting --note "Presupuesto enviado" >/dev/null || t_fatal "log failed"

n=0
mail() {	# mail USER FOLDER: the message on stdin, delivered by doveadm save
	n=$((n + 1))
	cat >"$T/m$n.eml"
	t_dovecot_save "$1" "$2" "$T/m$n.eml" || t_fatal "doveadm save failed for m$n"
}
touches() { q "SELECT count(*) FROM interactions i JOIN clients c ON c.id = i.client_id
	WHERE c.name = '$1' AND i.kind = 'email'"; }

# 1. Sent by Ana (in Sent and, as a BCC, in the log mailbox), received from
#    Marta (subaddressed, other case), internal, unknown, a newsletter.
mail ana Sent <<'EOF'
From: Ana López <ana@example.com>
To: Marta <marta@talleres.es>
Cc: Bob <bob@example.com>
Subject: Presupuesto 2027
Date: Mon, 30 Nov 2026 10:00:00 +0100
Message-ID: <sent-1@example.com>

Adjunto el presupuesto.
EOF
cp "$T/m1.eml" "$T/bcc.eml"
t_dovecot_save log INBOX "$T/bcc.eml" || t_fatal "save bcc"
mail ana INBOX <<'EOF'
From: =?UTF-8?Q?Marta_Ib=C3=A1=C3=B1ez?= <MARTA+ventas@Talleres.ES>
To: ana@example.com
Subject: =?UTF-8?Q?Re:_Presupuesto_2027_=E2=80=94_aceptado?=
Date: Tue, 01 Dec 2026 09:15:00 +0100
Message-ID: <reply-1@talleres.es>
In-Reply-To: <sent-1@example.com>

De acuerdo.
EOF
mail ana INBOX <<'EOF'
From: Bob <bob@example.com>
To: Ana <ana@example.com>
Subject: Comida el viernes
Date: Tue, 01 Dec 2026 11:00:00 +0100
Message-ID: <internal-1@example.com>

EOF
mail ana INBOX <<'EOF'
From: Desconocido <info@nadie.example>
To: ana@example.com
Subject: Oferta
Date: Tue, 01 Dec 2026 12:00:00 +0100
Message-ID: <unknown-1@nadie.example>

EOF
mail ana INBOX <<'EOF'
From: Otro Gmail <otro@gmail.com>
To: ana@example.com
Subject: Hola
Date: Tue, 01 Dec 2026 12:30:00 +0100
Message-ID: <gmail-1@gmail.com>

EOF

c --now "2026-12-01 13:00Z" mail scan --dry-run >"$T/dry.txt" 2>&1
t_assert_eq 0 $? "mail scan --dry-run exits 0"
t_assert_file_contains "$T/dry.txt" "ana UID 1 .* received: would be logged to Talleres Pérez \(#1\) \"Re: Presupuesto 2027 — aceptado\"" "dry run shows the reply"
t_assert_file_contains "$T/dry.txt" "ana-sent UID 1 .* sent: would be logged to Talleres Pérez" "dry run shows the sent mail"
t_assert_file_contains "$T/dry.txt" "internal" "dry run shows internal mail"
t_assert_eq 0 "$(touches 'Talleres Pérez')" "--dry-run logged nothing"
t_assert_eq 0 "$(q 'SELECT count(*) FROM mailboxes')" "--dry-run recorded no mailbox state"

c --now "2026-12-01 13:00Z" mail scan >"$T/scan1.txt" 2>&1
t_assert_eq 0 $? "mail scan exits 0"
t_assert_eq 2 "$(touches 'Talleres Pérez')" "the sent and the received mail logged once each (BCC copy too)"
t_assert_eq "2026-11-30 09:00:00|ana@example.com|Presupuesto 2027" \
	"$(q "SELECT $(t_sql_utc i.at), o.email, i.note FROM interactions i
	JOIN owners o ON o.id = i.by_owner_id WHERE i.kind = 'email' ORDER BY i.at LIMIT 1")" \
	"the sent mail: its Date, by Ana, subject as note"
t_assert_eq "2026-12-01 08:15:00|Re: Presupuesto 2027 — aceptado" \
	"$(q "SELECT $(t_sql_utc at), note FROM interactions WHERE kind = 'email'
	ORDER BY at DESC LIMIT 1")" "the received mail: its Date, decoded subject"
t_assert_file_contains "$T/scan1.txt" "log UID 1 .*already logged" "the BCC copy is known as already logged"
t_assert_eq 0 "$(touches 'Gomez Autonomo')" "a webmail address never matches by domain"
t_assert_eq "1|1|2|0" "$(q "SELECT logged, internal, unmatched, duplicates FROM mailboxes
	WHERE name = 'ana'")" "ana's inbox: 1 logged, 1 internal, 2 unmatched"
t_assert_eq "0|1" "$(q "SELECT logged, duplicates FROM mailboxes WHERE name = 'log'")" \
	"the log mailbox: the BCC copy was already logged"

# A second poll reads nothing again.
c --now "2026-12-01 14:00Z" mail scan >"$T/scan2.txt" 2>&1
t_assert_match "mailbox ana: 0 mails read" "$(cat "$T/scan2.txt")" "a second poll reads nothing"
t_assert_eq 2 "$(touches 'Talleres Pérez')" "a second poll logs nothing"

# 2. An out-of-office reply from a client waiting for an answer clears
#    nothing; the real answer does.
mail ana INBOX <<'EOF'
From: Pepe <pepe@hierros.es>
To: ana@example.com
Subject: Fuera de la oficina: Re: Presupuesto
Auto-Submitted: auto-replied
Date: Wed, 02 Dec 2026 08:00:00 +0100
Message-ID: <ooo-1@hierros.es>

Vuelvo el lunes.
EOF
mail ana INBOX <<'EOF'
From: Pepe <pepe@hierros.es>
To: ana@example.com
Subject: Respuesta automática: Presupuesto
Date: Wed, 02 Dec 2026 08:01:00 +0100
Message-ID: <ooo-2@hierros.es>

EOF
c --now "2026-12-02 09:00Z" mail scan --mailbox ana >"$T/scan3.txt" 2>&1
t_assert_eq 0 $? "mail scan --mailbox ana"
t_assert_file_contains "$T/scan3.txt" "UID 5 .*: automatic \(Auto-Submitted\)" "Auto-Submitted is automatic"
t_assert_file_contains "$T/scan3.txt" "UID 6 .*: automatic \(out-of-office subject\)" "an out-of-office subject is automatic"
t_assert_eq "waiting|0" "$(q "SELECT last_outcome, (SELECT count(*) FROM interactions i WHERE
	i.client_id = c.id AND i.kind = 'email') FROM clients c WHERE name = 'Hierros Norte'")" \
	"an out-of-office reply clears no waiting and logs nothing"
t_assert_eq 2 "$(q "SELECT automatic FROM mailboxes WHERE name = 'ana'")" "counted as automatic"
mail ana INBOX <<'EOF'
From: Pepe <pepe@hierros.es>
To: ana@example.com
Subject: Re: Presupuesto
Date: Wed, 02 Dec 2026 10:00:00 +0100
Message-ID: <answer-1@hierros.es>

Adelante.
EOF
# Someone new at a client's domain (match_domains).
mail ana INBOX <<'EOF'
From: Nuevo <nuevo@HIERROS.es>
To: ana@example.com
Subject: Soy el nuevo de compras
Date: Wed, 02 Dec 2026 10:30:00 +0100
Message-ID: <domain-1@hierros.es>

EOF
c --now "2026-12-02 11:00Z" mail scan --mailbox ana >"$T/scan4.txt" 2>&1
t_assert_eq "done|2" "$(q "SELECT c.last_outcome, (SELECT count(*) FROM interactions i
	WHERE i.client_id = c.id AND i.kind = 'email') FROM clients c WHERE name = 'Hierros Norte'")" \
	"the real answer is logged and ends the waiting; a new address at the client's domain matches"
t_assert_eq 2 "$(q "SELECT count(*) FROM interactions i JOIN clients c ON c.id = i.client_id
	WHERE c.name = 'Hierros Norte' AND i.kind = 'email'
	AND i.by_owner_id = (SELECT id FROM owners WHERE email = 'ana@example.com')")" \
	"received in Ana's mailbox: logged as Ana's"

# 3. A reply to a follow-up email is linked to it and ends the cycle.
"$CARTERAD" -c "$T/c.conf" --once --now "2026-12-03 07:00:00Z" >>"$T/carterad.log" 2>&1
t_assert_eq 0 $? "carterad --once queues and sends the follow-ups"
fu=$(grep -l "^To: .*sara@ferreteria.example" "$SMTP_DIR"/*.eml 2>/dev/null | head -1)
[ -n "$fu" ] || t_fatal "no follow-up to sara@ferreteria.example arrived"
fu_id=$(sed -n 's/^Message-I[Dd]: *//p' "$fu" | tr -d '\r' | head -1)
t_assert_match "^<.+@.+>$" "$fu_id" "the follow-up has a Message-ID"
mail ana INBOX <<EOF
From: Jefe de Sara <jefe@otra-empresa.example>
To: Ana <ana@example.com>
Subject: Re: Seguimiento
Date: Thu, 03 Dec 2026 12:00:00 +0100
Message-ID: <fu-answer@otra-empresa.example>
In-Reply-To: $fu_id
References: <older@x.example> $fu_id

Hablamos la semana que viene.
EOF
c --now "2026-12-03 12:00Z" mail scan --mailbox ana >"$T/scan5.txt" 2>&1
t_assert_file_contains "$T/scan5.txt" "logged to Ferreteria Sur \(#[0-9]+\), answering follow-up email [0-9]+" \
	"a reply from an unknown address to a follow-up is logged to its client, linked to it"
t_assert_eq 1 "$(q "SELECT count(*) FROM mail_messages m JOIN outbox o ON o.id = m.answers_outbox_id
	WHERE o.message_id = '$fu_id'")" "the answer is linked to the follow-up"
# A month later both clients are overdue again: Control gets a second
# follow-up, Ferreteria (whose answer nobody replied to) does not.
"$CARTERAD" -c "$T/c.conf" --once --now "2027-01-08 07:00:00Z" >>"$T/carterad.log" 2>&1
t_assert_eq 2 "$(grep -l '^To: .*carlos@control.example' "$SMTP_DIR"/*.eml | wc -l)" \
	"an unanswered client gets its next follow-up"
t_assert_eq 1 "$(grep -l '^To: .*sara@ferreteria.example' "$SMTP_DIR"/*.eml | wc -l)" \
	"an answered follow-up stops further follow-ups for that cycle"

# 4. Malformed mails are handled with a log line and the rest go on.
mail ana INBOX <<'EOF'
From: Marta <marta@talleres.es>
To: ana@example.com
Subject: =?UTF-8?B?***roto***?= =?bogus-charset?Q?x=ZZ?= pedido
Message-ID: <nodate-1@talleres.es>

Sin fecha.
EOF
{
	printf 'From: Pepe <pepe@hierros.es>\nTo: ana@example.com\nSubject: Planos\n'
	printf 'Date: Fri, 04 Dec 2026 10:00:00 +0100\nMessage-ID: <big-1@hierros.es>\n\n'
	head -c 3900000 /dev/zero | base64 -w 76
} >"$T/big.eml"
t_dovecot_save ana INBOX "$T/big.eml" || t_fatal "save big"
printf 'From: compras@talleres.es\nTo: ana@example.com\nSubject: Pedido n\272 5 del a\361o\nDate: Fri, 04 Dec 2026 11:00:00 +0100\nMessage-ID: <latin1@talleres.es>\n\n\n' >"$T/latin1.eml"
t_dovecot_save ana INBOX "$T/latin1.eml" || t_fatal "save latin1"
printf 'From: <<<@@@>>> "\nTo: ;;;,,,\nSubject: \nDate: 99 Foo 99999\nMessage-ID: <>\n\n' >"$T/garbage.eml"
t_dovecot_save ana INBOX "$T/garbage.eml" || t_fatal "save garbage"
mail ana INBOX <<'EOF'
From: Marta <marta@talleres.es>
To: ana@example.com
Subject: Después de los raros
Date: Fri, 04 Dec 2026 12:00:00 +0100
Message-ID: <after-1@talleres.es>

EOF
c --now "2026-12-04 13:00Z" mail scan --mailbox ana >"$T/scan6.txt" 2>&1
t_assert_eq 0 $? "mail scan goes through malformed mails"
t_assert_file_contains "$T/scan6.txt" "no usable Date; its arrival time is used" "a mail without Date gets a log line"
t_assert_eq 1 "$(q "SELECT count(*) FROM interactions WHERE kind = 'email' AND note LIKE '%pedido'")" \
	"the mail with bad encoded-words and no Date is logged"
t_assert_eq 1 "$(q "SELECT count(*) FROM interactions WHERE note = 'Planos'")" "the 5 MB mail is logged"
t_assert_eq 1 "$(q "SELECT count(*) FROM interactions WHERE note = 'Pedido nº 5 del año'")" \
	"8-bit Latin-1 header read as such"
t_assert_eq 1 "$(q "SELECT count(*) FROM interactions WHERE note = 'Después de los raros'")" \
	"the mail after them is logged"

# 5. The server resets the mailbox's UIDVALIDITY: everything is read
#    again and nothing is logged twice.
before=$(q "SELECT count(*) FROM interactions")
t_doveadm mailbox update -u ana --uid-validity 4242 INBOX || t_fatal "doveadm mailbox update failed"
c --now "2026-12-05 09:00Z" mail scan --mailbox ana >"$T/scan7.txt" 2>&1
t_assert_file_contains "$T/scan7.txt" "UIDVALIDITY changed" "the reset is logged"
t_assert_eq "$before" "$(q "SELECT count(*) FROM interactions")" "a UIDVALIDITY reset logs nothing twice"
t_assert_eq 4242 "$(q "SELECT uidvalidity FROM mailboxes WHERE name = 'ana'")" "the new UIDVALIDITY is recorded"

# 6. status
c status >"$T/status.txt" 2>&1
t_assert_file_contains "$T/status.txt" "^mailbox ana: ok" "status shows the mailbox"
t_assert_file_contains "$T/status.txt" "^outbox: [0-9]+ pending, [0-9]+ sent, 0 failed" "status shows the outbox"
t_assert_eq "ana ana-sent log" "$(c --json status | t_json '" ".join(b["name"] for b in d["mailboxes"])')" "status --json"

t_done
