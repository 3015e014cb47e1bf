#!/usr/bin/python3
# smtpd.py -- a real SMTP server for Cartera's integration tests.
#
# Built on aiosmtpd (Debian's python3-aiosmtpd; run it with /usr/bin/python3).
# It listens on loopback only, on a random port, stores what it accepts in a
# directory a test can poll, and misbehaves on demand (a control file the test
# rewrites while the server runs).  It must never be used as a real mail
# server: it delivers nothing and accepts plaintext passwords.
#
# Usage:
#   /usr/bin/python3 tests/smtpd.py --port-file FILE [--maildir DIR]
#       [--control FILE] [--auth USER:PASSWORD] [--auth-require-tls]
#       [--tls-cert FILE --tls-key FILE [--require-starttls | --implicit-tls]]
#       [--smtputf8] [--size-limit BYTES] [--timeout SECONDS]
#       [--watch-pid PID] [--host 127.0.0.1] [--port 0] [-v]
#   /usr/bin/python3 tests/smtpd.py --check-control FILE
#       validate a control file and exit (0 valid, 2 invalid)
#
# Runs until SIGTERM or SIGINT (exit 0), or until the --watch-pid process is
# gone (so a SIGKILLed test leaves no server behind).
#
# Files written
# -------------
#   --port-file FILE    the TCP port, once the socket listens (tmp + rename).
#   DIR/NNNNNN.eml      one accepted message: the bytes received after DATA,
#                       dot-unstuffed, line endings untouched (CRLF as sent),
#                       without the final ".".  Written as DIR/.NNNNNN.eml.tmp
#                       then renamed, so "*.eml" only ever matches whole files.
#                       Numbering continues after the highest existing file.
#   DIR/log.jsonl       one JSON object per line, appended with one write(2),
#                       compact (no spaces), keys in this order:
#     {"event":"connect","session":N,"tls":false}       tls: implicit TLS
#     {"event":"starttls","session":N}
#     {"event":"auth","session":N,"user":"u","mechanism":"PLAIN","ok":true}
#     {"event":"message","session":N,"file":"000001.eml",
#      "mail_from":"a@x","rcpt_tos":["b@y"],"size":123}
#     {"event":"reply","session":N,"stage":"DATA","code":451}  (injected
#         replies only; RCPT ones add "rcpt":"addr")
#     {"event":"drop","session":N,"stage":"DATA"}
#     {"event":"stall","session":N,"stage":"DATA"}
#     {"event":"close","session":N}                     connection ended
#     {"event":"control_error","error":"..."}           bad control file
#   A message's event is written after its .eml file is in place.  "session"
#   is the connection number, from 1; it survives STARTTLS.
#   Without --maildir, messages are discarded and events go to stderr.
#
# Control file (--control FILE)
# -----------------------------
# A JSON object, re-read at every decision point (connection, EHLO/HELO,
# MAIL, RCPT, DATA), so a test may rewrite it while the server runs.  A
# missing or empty file means "behave normally".  Write it atomically (tmp
# file + rename; lib.sh's t_smtp_control does).  Unknown keys or bad values
# are rejected as a whole: the previous rules stay in force and a
# control_error event is logged.  Stages are connect, ehlo, mail, rcpt, data.
#
#   "connect_reply": "554 5.3.2 No service"   greeting instead of 220.
#        421: closed at once; other codes: every command but QUIT gets 503,
#        QUIT gets 221 (RFC 5321 3.1).  Must be 4xx or 5xx.
#   "ehlo_reply":    "421 4.3.2 Busy"          reply to EHLO/HELO (4xx/5xx)
#   "mail_reply":    "421 4.3.2 Shutting down" reply to MAIL FROM
#   "rcpt_reply":    "452 4.5.3 Too many"      reply to every RCPT TO
#   "data_reply":    "451 4.3.0 Try again"     reply after the DATA content
#        For mail/rcpt/data a 2xx reply accepts as usual (the message is
#        saved) but answers with that text.  4xx/5xx replies do not accept
#        (nothing saved).  Any reply whose code is 421 closes the connection
#        right after it is sent.  "\n" inside a reply makes a multi-line
#        reply; each line must start with the code.
#   "<key>_count":   N    the rule above fires for the next N times only, then
#        the server behaves normally; omitted or -1 = forever.  Counters
#        restart whenever the file changes.
#   "rcpt_reject":   {"bad@example.com": "550 5.1.1 No such user"}
#        per-recipient reply (4xx/5xx, address compared case-insensitively),
#        always; takes precedence over rcpt_reply.
#   "drop":  STAGE   close the connection (no reply) at that stage.  For
#        "data" the server answers 354, reads the first bytes of content and
#        closes in the middle of the transfer: nothing is saved.
#   "stall": STAGE   accept the command (for "data": read all the content)
#        and never reply; the connection is held until the client gives up or
#        "stall_seconds" (default 30, at most 3600) pass, then closed.
#        Nothing is saved.
#   "drop_count", "stall_count": as above.
#   "delay": {"data": 1.5, ...}   sleep that many seconds (at most 600)
#        before handling that stage, every time.
#   "late_reply": 12   save each message at once, then wait that many
#        seconds (at most 3600) before answering the end of its data: the
#        message is kept even when the client gives up or the connection
#        drops meanwhile (a server slower to answer than the client waits).
#   "comment" and keys starting with "_" are ignored.
#
#   Order at each stage: drop, stall, delay, injected reply, normal handling.
#
# Example: {"data_reply": "451 4.3.0 Try again later", "data_reply_count": 1}

import argparse
import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import signal
import ssl
import sys
import warnings

try:
    from aiosmtpd.smtp import SMTP, AuthResult
except ImportError as exc:  # pragma: no cover
    sys.stderr.write("smtpd.py: cannot import aiosmtpd (%s); install "
                     "python3-aiosmtpd and run with /usr/bin/python3\n" % exc)
    sys.exit(3)

STAGES = ("connect", "ehlo", "mail", "rcpt", "data")
REPLY_KEYS = tuple(s + "_reply" for s in STAGES)
REPLY_LINE = re.compile(r"^([2-5][0-9][0-9])([ -][\x20-\x7e]*)?$")
STALL_DEFAULT = 30.0
STALL_MAX = 3600.0
DELAY_MAX = 600.0
DROP_READ_TIMEOUT = 5.0     # how long "drop: data" waits for content bytes
HANGUP_GRACE = 5.0          # how long we wait for connection_lost after close

log = logging.getLogger("smtpd")


def _reply_code(text):
    return int(text[:3])


def _check_reply(key, value, codes):
    """Validate an injected reply; return it with CRLF line separators."""
    if not isinstance(value, str) or not value:
        raise ValueError("%s: must be a non-empty string" % key)
    lines = value.replace("\r\n", "\n").split("\n")
    code = None
    for line in lines:
        m = REPLY_LINE.match(line)
        if not m:
            raise ValueError("%s: %r is not an SMTP reply line" % (key, line))
        if code is None:
            code = m.group(1)
        elif m.group(1) != code:
            raise ValueError("%s: all lines must carry the same code" % key)
    if code[0] not in codes:
        raise ValueError("%s: code must be %sxx" % (key, "xx or ".join(codes)))
    # Continuation lines use "-"; the last one " " (RFC 5321 4.2.1).
    fixed = [line[:3] + ("-" if i < len(lines) - 1 else " ") + line[4:]
             for i, line in enumerate(lines)]
    return "\r\n".join(fixed)


def _check_number(key, value, maximum):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("%s: must be a number" % key)
    if value < 0 or value > maximum:
        raise ValueError("%s: must be between 0 and %g" % (key, maximum))
    return float(value)


def _check_stage(key, value):
    if not isinstance(value, str) or value.lower() not in STAGES:
        raise ValueError("%s: must be one of %s" % (key, ", ".join(STAGES)))
    return value.lower()


def parse_control(obj):
    """Validate a control object; return normalised rules or raise."""
    if not isinstance(obj, dict):
        raise ValueError("control file must hold a JSON object")
    rules = {}
    for key, value in obj.items():
        if key == "comment" or key.startswith("_"):
            continue
        if key in REPLY_KEYS:
            codes = "45" if key in ("connect_reply", "ehlo_reply") else "245"
            rules[key] = _check_reply(key, value, codes)
        elif key.endswith("_count") and key[:-6] in REPLY_KEYS + ("drop",
                                                                "stall"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("%s: must be an integer" % key)
            rules[key] = value
        elif key == "rcpt_reject":
            if not isinstance(value, dict):
                raise ValueError("rcpt_reject: must be an object")
            rules[key] = {addr.lower(): _check_reply("rcpt_reject[%s]" % addr,
                                                     reply, "45")
                          for addr, reply in value.items()}
        elif key in ("drop", "stall"):
            rules[key] = _check_stage(key, value)
        elif key in ("stall_seconds", "late_reply"):
            rules[key] = _check_number(key, value, STALL_MAX)
        elif key == "delay":
            if not isinstance(value, dict):
                raise ValueError("delay: must be an object")
            rules[key] = {_check_stage("delay", stage):
                          _check_number("delay[%s]" % stage, secs, DELAY_MAX)
                          for stage, secs in value.items()}
        else:
            raise ValueError("unknown key %r" % key)
    return rules


class Control:
    """The control file, re-read on demand, with per-rule usage counters."""

    def __init__(self, path, events):
        self.path = path
        self.events = events
        self.gen = None
        self.rules = {}
        self.used = {}

    def load(self):
        if not self.path:
            return self.rules
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())
                data = f.read(1 << 20)
        except FileNotFoundError:
            st, data = None, b""
        except OSError as exc:
            log.warning("control file %s: %s; keeping previous rules",
                        self.path, exc)
            return self.rules
        gen = (st.st_ino, st.st_mtime_ns) if st else None
        gen = (gen, hashlib.sha256(data).hexdigest())
        if gen == self.gen:
            return self.rules
        self.gen = gen
        try:
            rules = parse_control(json.loads(data)) if data.strip() else {}
        except ValueError as exc:   # includes json.JSONDecodeError
            msg = "%s: %s" % (self.path, exc)
            log.warning("control file %s; keeping previous rules", msg)
            self.events.write({"event": "control_error", "error": msg})
            return self.rules
        self.rules = rules
        self.used = {}
        return rules

    def take(self, key):
        """Consume one use of rule KEY; False once its _count is spent."""
        limit = self.rules.get(key + "_count", -1)
        if limit < 0:
            return True
        n = self.used.get(key, 0)
        if n >= limit:
            return False
        self.used[key] = n + 1
        return True


class Events:
    """log.jsonl writer (or stderr without a maildir)."""

    def __init__(self, path):
        self.path = path

    def write(self, obj):
        line = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        if self.path is None:
            sys.stderr.buffer.write(line)
            sys.stderr.flush()
            return
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


class Store:
    """Accepted messages as DIR/NNNNNN.eml."""

    def __init__(self, maildir):
        self.maildir = maildir
        self.next = 1
        if maildir:
            os.makedirs(maildir, exist_ok=True)
            for name in os.listdir(maildir):
                m = re.fullmatch(r"([0-9]+)\.eml", name)
                if m:
                    self.next = max(self.next, int(m.group(1)) + 1)

    def save(self, content):
        name = "%06d.eml" % self.next
        self.next += 1
        if self.maildir:
            tmp = os.path.join(self.maildir, "." + name + ".tmp")
            with open(tmp, "wb") as f:
                f.write(content)
                f.flush()
            os.rename(tmp, os.path.join(self.maildir, name))
        return name


class TestSMTP(SMTP):
    """One connection.  Fault injection sits in the handler hooks aiosmtpd
    calls once a command is otherwise acceptable, plus the greeting and the
    start of DATA, which have no hooks."""

    def __init__(self, world, **kw):
        super().__init__(Handler(), **kw)
        self.world = world
        self.conn_no = None

    # -- events -----------------------------------------------------------
    def event(self, name, **fields):
        obj = {"event": name, "session": self.conn_no}
        obj.update(fields)
        self.world.events.write(obj)

    # -- connection life --------------------------------------------------
    def connection_made(self, transport):
        first = self.conn_no is None
        if first:
            self.world.sessions += 1
            self.conn_no = self.world.sessions
            self.world.protocols.add(self)
        super().connection_made(transport)
        if first:
            tls = transport.get_extra_info("sslcontext") is not None
            self.event("connect", tls=tls)

    def connection_lost(self, error):
        if self in self.world.protocols:
            self.world.protocols.discard(self)
            self.event("close")
        super().connection_lost(error)

    def eof_received(self):
        # aiosmtpd keeps a half-closed connection until its idle timeout;
        # a client that closed is gone: close our side too, at once.
        super().eof_received()
        return False

    async def push(self, status):
        await super().push(status)
        text = status.decode("ascii", "replace") if isinstance(
            status, bytes) else status
        if text.startswith("421") and self.transport is not None:
            self.transport.close()

    async def _hangup(self, abort):
        """Close the connection without a reply; never returns normally."""
        if self.transport is not None:
            if abort:
                self.transport.abort()
            else:
                self.transport.close()
        # connection_lost() cancels this task; do not wait forever for it.
        await asyncio.sleep(HANGUP_GRACE)
        raise asyncio.CancelledError()

    async def inject(self, stage, rcpt=None):
        """Apply drop/stall/delay/reply rules for STAGE (RCPT: the
        recipient).  Returns the injected reply or None (normal handling)."""
        ctl = self.world.control
        rules = ctl.load()
        upper = stage.upper()
        if rules.get("drop") == stage and ctl.take("drop"):
            self.event("drop", stage=upper)
            await self._hangup(abort=True)
        if rules.get("stall") == stage and ctl.take("stall"):
            self.event("stall", stage=upper)
            await asyncio.sleep(rules.get("stall_seconds", STALL_DEFAULT))
            await self._hangup(abort=False)
        delay = rules.get("delay", {}).get(stage)
        if delay:
            await asyncio.sleep(delay)
        if rcpt is not None:
            reply = rules.get("rcpt_reject", {}).get(rcpt.lower())
            if reply is not None:
                self.event("reply", stage=upper, code=_reply_code(reply),
                           rcpt=rcpt)
                return reply
        key = stage + "_reply"
        if key in rules and ctl.take(key):
            reply = rules[key]
            self.event("reply", stage=upper, code=_reply_code(reply))
            return reply
        return None

    # -- greeting ---------------------------------------------------------
    async def _handle_client(self):
        reply = await self.inject("connect")
        if reply is None:
            return await super()._handle_client()
        await self.push(reply)          # 421 closes the connection
        # RFC 5321 3.1: after a 554 greeting, wait for QUIT, 503 the rest.
        # Bounded by aiosmtpd's idle timeout and a command budget.
        for _ in range(50):
            if self.transport is None or self.transport.is_closing():
                break
            line = await self._reader.readline()
            if not line:
                break
            if line.strip().upper() == b"QUIT":
                await self.push("221 2.0.0 Bye")
                break
            await self.push("503 5.5.1 No service")
        await self._hangup(abort=False)

    # -- DATA: "drop" must strike while the content is still arriving ------
    async def smtp_DATA(self, arg):
        ctl = self.world.control
        if ctl.load().get("drop") != "data":
            return await super().smtp_DATA(arg)
        # The same preconditions aiosmtpd checks, so the drop happens only
        # where DATA would have been accepted.
        if await self.check_helo_needed():
            return
        if await self.check_auth_needed("DATA"):
            return
        if not self.envelope.rcpt_tos:
            return await self.push("503 Error: need RCPT command")
        if arg:
            return await self.push("501 Syntax: DATA")
        if not ctl.take("drop"):
            return await super().smtp_DATA(arg)
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            await asyncio.wait_for(self._reader.read(1), DROP_READ_TIMEOUT)
        except (asyncio.TimeoutError, ConnectionError):
            pass
        self.event("drop", stage="DATA")
        await self._hangup(abort=True)


class Handler:
    """aiosmtpd hooks; `server` is the TestSMTP of the connection."""

    async def handle_HELO(self, server, session, envelope, hostname):
        reply = await server.inject("ehlo")
        if reply is not None:
            return reply
        session.host_name = hostname
        return "250 %s" % server.hostname

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        reply = await server.inject("ehlo")
        if reply is not None:
            return [reply]
        session.host_name = hostname
        if server.world.user is None:   # no --auth: do not offer AUTH
            responses = [r for r in responses
                         if not r[4:].upper().startswith("AUTH")]
        return responses

    def handle_STARTTLS(self, server, session, envelope):
        server.event("starttls")
        return True

    async def handle_MAIL(self, server, session, envelope, address,
                          mail_options):
        reply = await server.inject("mail")
        if reply is None or reply[0] == "2":
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
        return reply or "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        reply = await server.inject("rcpt", rcpt=address)
        if reply is None or reply[0] == "2":
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
        return reply or "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = await server.inject("data")
        if reply is not None and reply[0] != "2":
            return reply
        content = envelope.original_content
        name = server.world.store.save(content)
        server.event("message", file=name, mail_from=envelope.mail_from,
                     rcpt_tos=list(envelope.rcpt_tos), size=len(content))
        late = server.world.control.load().get("late_reply")
        if late:
            await asyncio.sleep(late)
        return reply or "250 2.0.0 OK queued as %s" % name[:-4]


class World:
    """State shared by all connections."""

    def __init__(self, args):
        self.events = Events(os.path.join(args.maildir, "log.jsonl")
                             if args.maildir else None)
        self.store = Store(args.maildir)
        self.control = Control(args.control, self.events)
        self.sessions = 0
        self.protocols = set()
        self.user = self.password = None
        if args.auth:
            user, _, password = args.auth.partition(":")
            self.user, self.password = user.encode(), password.encode()

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        login = getattr(auth_data, "login", b"") or b""
        password = getattr(auth_data, "password", b"") or b""
        ok = (self.user is not None
              and hmac.compare_digest(login, self.user)
              and hmac.compare_digest(password, self.password))
        server.event("auth", user=login.decode("utf-8", "replace"),
                     mechanism=mechanism, ok=ok)
        return AuthResult(success=ok, handled=False)


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


async def serve(args):
    loop = asyncio.get_running_loop()
    world = World(args)

    tls_ctx = None
    if args.tls_cert:
        tls_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_ctx.load_cert_chain(args.tls_cert, args.tls_key)

    def factory():
        return TestSMTP(
            world,
            hostname="localhost",
            ident="Cartera test smtpd",
            data_size_limit=args.size_limit,
            enable_SMTPUTF8=args.smtputf8,
            tls_context=None if args.implicit_tls else tls_ctx,
            require_starttls=args.require_starttls,
            timeout=args.timeout,
            auth_required=bool(args.auth),
            auth_require_tls=args.auth_require_tls or not args.auth,
            authenticator=world.authenticate,
            loop=loop)

    server = await loop.create_server(
        factory, host=args.host, port=args.port,
        ssl=tls_ctx if args.implicit_tls else None)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        write_atomic(args.port_file, "%d\n" % port)
    log.warning("listening on %s:%d%s", args.host, port,
                " (implicit TLS)" if args.implicit_tls else "")

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)

    async def watch(pid):
        # Every 0.2 s: a test that waits for the server to go sees it soon.
        while True:
            await asyncio.sleep(0.2)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                log.warning("process %d is gone; exiting", pid)
                stop.set()
                return
            except PermissionError:
                pass

    watcher = loop.create_task(watch(args.watch_pid)) if args.watch_pid \
        else None
    await stop.wait()
    if watcher:
        watcher.cancel()
    server.close()
    for proto in list(world.protocols):
        if proto.transport is not None:
            proto.transport.abort()
    try:
        await asyncio.wait_for(server.wait_closed(), 2)
    except asyncio.TimeoutError:
        pass
    await asyncio.sleep(0.05)   # let connection_lost callbacks run


def main():
    ap = argparse.ArgumentParser(
        description="SMTP server for Cartera's tests (see the file header).")
    ap.add_argument("--host", default="127.0.0.1",
                    help="loopback address to bind (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=0,
                    help="port (default 0: a random free port)")
    ap.add_argument("--port-file", help="write the listening port here")
    ap.add_argument("--maildir", help="store messages and log.jsonl here")
    ap.add_argument("--control", help="JSON fault-injection file")
    ap.add_argument("--auth", metavar="USER:PASSWORD",
                    help="require AUTH PLAIN/LOGIN before MAIL")
    ap.add_argument("--auth-require-tls", action="store_true",
                    help="offer AUTH only after STARTTLS")
    ap.add_argument("--tls-cert", help="PEM certificate")
    ap.add_argument("--tls-key", help="PEM private key")
    ap.add_argument("--require-starttls", action="store_true",
                    help="refuse MAIL (530) before STARTTLS")
    ap.add_argument("--implicit-tls", action="store_true",
                    help="TLS from the first byte (smtps)")
    ap.add_argument("--smtputf8", action="store_true",
                    help="advertise and accept SMTPUTF8")
    ap.add_argument("--size-limit", type=int, default=32 << 20,
                    help="SIZE limit in bytes (default 32 MiB)")
    ap.add_argument("--timeout", type=float, default=60,
                    help="idle timeout per connection, seconds (default 60)")
    ap.add_argument("--watch-pid", type=int,
                    help="exit when this process no longer exists")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="log the SMTP dialogue to stderr")
    ap.add_argument("--check-control", metavar="FILE",
                    help="validate a control file and exit")
    args = ap.parse_args()

    if args.check_control:
        try:
            with open(args.check_control, "rb") as f:
                data = f.read()
            if data.strip():
                parse_control(json.loads(data))
        except (OSError, ValueError) as exc:
            sys.stderr.write("smtpd.py: %s: %s\n" % (args.check_control, exc))
            return 2
        return 0

    try:
        if not ipaddress.ip_address(args.host).is_loopback:
            ap.error("--host must be a loopback address")
    except ValueError:
        ap.error("--host must be a numeric loopback address")
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if (args.require_starttls or args.implicit_tls) and not args.tls_cert:
        ap.error("--require-starttls/--implicit-tls need --tls-cert/--tls-key")
    if args.require_starttls and args.implicit_tls:
        ap.error("--require-starttls and --implicit-tls exclude each other")
    if args.auth and ":" not in args.auth:
        ap.error("--auth takes USER:PASSWORD")
    if args.control:
        # Refuse to start with a broken control file rather than log it.
        try:
            with open(args.control, "rb") as f:
                data = f.read()
            if data.strip():
                parse_control(json.loads(data))
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            ap.error("--control %s: %s" % (args.control, exc))

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="smtpd.py[%(process)d]: %(name)s: %(message)s")
    if not args.verbose:
        logging.getLogger("mail.log").setLevel(logging.WARNING)
    # aiosmtpd warns about AUTH without TLS; that is what tests want.
    warnings.filterwarnings("ignore", message=".*TLS.*")
    logging.getLogger("mail.log").addFilter(
        lambda r: "auth_require_tls" not in r.getMessage()
        and "is deprecated" not in r.getMessage())

    try:
        asyncio.run(serve(args))
    except OSError as exc:
        sys.stderr.write("smtpd.py: %s\n" % exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
