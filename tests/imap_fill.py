#!/usr/bin/python3
"""imap_fill.py - put a backlog of mail into an IMAP mailbox with APPEND.

    imap_fill.py HOST PORT USER PASSWORD MAILBOX COUNT [OWNER [CLIENTS]]

Appends COUNT messages over one plain IMAP connection: mail i is from
client (i % CLIENTS) to OWNER (received), every third one the other way
(sent), every tenth from an address no client has; each has its own
Message-ID and a Date a minute apart.  Clients are cNNN@clientNNN.example.
Prints the number appended.  Used by tests/imap_daemon.sh and bench/run.

The messages go in batches of BATCH per APPEND command (MULTIAPPEND, RFC
3502, with non-synchronizing literals, RFC 7888: no round trip per
message), which Dovecot stores in one transaction each: one APPEND per
message took minutes for 10,000 on a loaded machine.  A server without
both capabilities gets one APPEND per message.
"""
import imaplib
import sys

BATCH = 500


def multiappend(imap, mailbox, msgs):
    """Append msgs (bytes) with one APPEND command; exit on a refusal."""
    tag = imap._new_tag()
    parts = [tag + b" APPEND " + mailbox.encode()]
    for m in msgs:
        parts.append(b" {%d+}\r\n" % len(m) + m)
    imap.send(b"".join(parts) + b"\r\n")
    while True:
        line = imap.readline()
        if not line:
            sys.exit("APPEND: connection closed")
        if line.startswith(tag + b" "):
            if not line[len(tag) + 1:].startswith(b"OK"):
                sys.exit("APPEND failed: %r" % line)
            return


def main():
    host, port, user, password, mailbox, count = sys.argv[1:7]
    owner = sys.argv[7] if len(sys.argv) > 7 else "ana@example.com"
    clients = int(sys.argv[8]) if len(sys.argv) > 8 else 100
    count = int(count)
    imap = imaplib.IMAP4(host, int(port))
    imap.login(user, password)
    caps = imap.capability()[1][0].upper().split()
    batched = b"MULTIAPPEND" in caps and b"LITERAL+" in caps
    pending = []
    for i in range(count):
        c = i % clients
        client = "Cliente %d <c%03d@client%03d.example>" % (c, c, c)
        if i % 10 == 9:
            client = "Nadie <nobody%d@unknown.example>" % i
        frm, to = (owner, client) if i % 3 == 2 else (client, owner)
        minute = i % 60
        hour = (i // 60) % 24
        day = 1 + (i // 1440) % 28
        msg = ("From: %s\r\nTo: %s\r\nSubject: Backlog %d\r\n"
               "Date: Tue, %02d Sep 2026 %02d:%02d:00 +0000\r\n"
               "Message-ID: <backlog-%d@fill.example>\r\n\r\nMail %d.\r\n"
               % (frm, to, i, day, hour, minute, i, i))
        if batched:
            pending.append(msg.encode())
            if len(pending) == BATCH:
                multiappend(imap, mailbox, pending)
                pending = []
            continue
        typ, _ = imap.append(mailbox, None, None, msg.encode())
        if typ != "OK":
            sys.exit("APPEND %d failed: %s" % (i, typ))
    if pending:
        multiappend(imap, mailbox, pending)
    imap.logout()
    print(count)


if __name__ == "__main__":
    main()
