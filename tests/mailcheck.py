#!/usr/bin/python3
# mailcheck.py -- strict reader of the messages tests/smtpd.py captured.
#
# Parses each message with the standard library's email package in strict
# mode (email.policy.strict: any defect the parser finds is an error), adds
# the checks a transport would care about, and prints what a test wants to
# assert on.  It judges messages; it never repairs them.
#
# Usage:
#   /usr/bin/python3 tests/mailcheck.py [--field NAME] FILE|DIR|- ...
#
#   A DIR stands for its *.eml files (sorted; dot-files skipped); "-" reads
#   one message from stdin.  Without --field, prints a JSON array with one
#   object per message:
#     file, size, from, from_addrs, to, to_addrs, cc, cc_addrs, reply_to,
#     subject, date (as written), date_iso, message_id, headers (names in
#     order), header ({lower-case name: decoded value of its first one}),
#     content_type, parts ([{content_type, charset, transfer_encoding,
#     disposition, filename}] for every part in walk order, containers
#     included), text (decoded text/plain body), html (decoded text/html
#     body), max_line_length (octets, line ending excluded), all_crlf (no
#     bare LF, no bare CR), defects (list of strings).
#   Header values are decoded (RFC 2047), bodies decoded (charset and
#   Content-Transfer-Encoding) with CRLF turned into "\n" (all_crlf tells
#   how the lines really ended).  Absent values are null.
#
#   --field NAME prints that field for each message, one per line: strings
#   as they are, null as an empty line, true/false, numbers, anything else as
#   compact JSON.  "header.NAME" picks one header (e.g. header.list-id).
#
# Defects (any of them makes the exit status 1):
#   parse: ...            the strict parser raised
#   <DefectClass>: ...    a defect the email package recorded (headers too)
#   missing-header: X     From or Date absent (RFC 5322 3.6); MIME-Version
#                         absent while MIME headers are used
#   duplicate-header: X   a header allowed once appears more than once
#   line-too-long: N      a line longer than 998 octets (RFC 5322 2.1.1)
#   bare-lf / bare-cr: N  line endings other than CRLF (RFC 5322 2.3)
#   8bit-header: N        non-ASCII octets in a header section (no SMTPUTF8)
#   8bit-body: TYPE       non-ASCII octets in a part whose
#                         Content-Transfer-Encoding is not 8bit or binary
#   body-decode: TYPE     a body that cannot be decoded
#
# Exit status: 0 all messages clean, 1 some message has defects, 2 usage or
# I/O error.

import argparse
import email
import email.policy
import json
import os
import sys

MAX_LINE = 998
FIELDS = ("file", "size", "from", "from_addrs", "to", "to_addrs", "cc",
          "cc_addrs", "reply_to", "subject", "date", "date_iso",
          "message_id", "headers", "header", "content_type", "parts", "text",
          "html", "max_line_length", "all_crlf", "defects")
LENIENT = email.policy.default          # to report on what strict refused


def raw_checks(raw, defects):
    lines = raw.split(b"\n")
    bare_lf = sum(1 for line in lines[:-1] if not line.endswith(b"\r"))
    bare_cr = sum(line.rstrip(b"\r").count(b"\r") for line in lines)
    longest = max((len(line[:-1] if line.endswith(b"\r") else line)
                   for line in lines), default=0)
    if bare_lf:
        defects.append("bare-lf: %d" % bare_lf)
    if bare_cr:
        defects.append("bare-cr: %d" % bare_cr)
    if longest > MAX_LINE:
        defects.append("line-too-long: %d" % longest)
    return longest, not bare_lf and not bare_cr


def parse_headers(part, policy, defects):
    """[(name, header object or None)] in order; what fails to parse is a
    defect (the email package raises on some malformed headers)."""
    out = []
    for hname, raw_value in part.raw_items():
        try:
            value = policy.header_fetch_parse(hname, raw_value)
        except Exception as exc:
            defects.append("header-parse: %s: %s: %s"
                           % (hname, type(exc).__name__, exc))
            value = None
        out.append((hname, value))
    return out


def addrs(h):
    try:
        return None if h is None else [a.addr_spec for a in h.addresses]
    except Exception:
        return None


def part_info(part, cte, defects):
    try:
        return {
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": cte,
            "disposition": part.get_content_disposition(),
            "filename": part.get_filename(),
        }
    except Exception as exc:
        defects.append("header-parse: part: %s: %s" % (type(exc).__name__,
                                                       exc))
        return {"content_type": None, "charset": None,
                "transfer_encoding": cte, "disposition": None,
                "filename": None}


def body_text(msg, subtype, defects):
    try:
        part = msg.get_body(preferencelist=(subtype,))
    except Exception as exc:
        defects.append("body-decode: text/%s: %s" % (subtype, exc))
        return None
    if part is None:
        return None
    try:
        return part.get_content().replace("\r\n", "\n")
    except Exception as exc:
        defects.append("body-decode: text/%s: %s: %s"
                       % (subtype, type(exc).__name__, exc))
        return None


def analyse(name, raw):
    defects = []
    max_len, all_crlf = raw_checks(raw, defects)
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.strict)
        policy = email.policy.strict
    except Exception as exc:
        defects.append("parse: %s: %s" % (type(exc).__name__, exc))
        msg = email.message_from_bytes(raw, policy=LENIENT)
        policy = LENIENT

    parts = []
    eight = 0
    top = None
    for part in msg.walk():
        hdrs = parse_headers(part, policy, defects)
        if top is None:
            top = hdrs
        # The parser keeps 8-bit octets as surrogate escapes (> U+007F).
        eight += sum(1 for _, value in part.raw_items()
                     for c in str(value) if ord(c) > 0x7f)
        for d in part.defects:
            defects.append("%s: %s" % (type(d).__name__, d))
        seen = {}
        for hname, value in hdrs:
            seen[hname.lower()] = seen.get(hname.lower(), 0) + 1
            for d in getattr(value, "defects", ()):
                defects.append("%s: %s: %s" % (type(d).__name__, hname, d))
        for lname, count in seen.items():
            limit = policy.header_max_count(lname)
            if limit is not None and count > limit:
                defects.append("duplicate-header: %s" % lname)
        cte = next((str(v).strip().lower() for n, v in hdrs
                    if n.lower() == "content-transfer-encoding"
                    and v is not None), None)
        if not part.is_multipart():
            payload = part.get_payload()
            if (isinstance(payload, str)
                    and any(ord(c) > 0x7f for c in payload)
                    and cte not in ("8bit", "binary")):
                defects.append("8bit-body: %s" % part.get_content_type())
        parts.append(part_info(part, cte, defects))

    header = {}
    for hname, value in top:
        header.setdefault(hname.lower(), value)
    names = [n.lower() for n, _ in top]

    if eight:
        defects.append("8bit-header: %d" % eight)
    for required in ("from", "date"):
        if required not in names:
            defects.append("missing-header: %s" % required.title())
    if "mime-version" not in names and any(
            h in names for h in ("content-type", "content-transfer-encoding")):
        defects.append("missing-header: MIME-Version")

    raw_date = next((" ".join(str(v).split()) for n, v in msg.raw_items()
                     if n.lower() == "date"), None)
    date = header.get("date")
    date_iso = None
    if date is not None and getattr(date, "datetime", None) is not None:
        date_iso = date.datetime.isoformat()

    text = body_text(msg, "plain", defects)
    html = body_text(msg, "html", defects)

    def value(lname):
        h = header.get(lname)
        return None if h is None else str(h)

    return {
        "file": name,
        "size": len(raw),
        "from": value("from"),
        "from_addrs": addrs(header.get("from")),
        "to": value("to"),
        "to_addrs": addrs(header.get("to")),
        "cc": value("cc"),
        "cc_addrs": addrs(header.get("cc")),
        "reply_to": value("reply-to"),
        "subject": value("subject"),
        "date": raw_date,
        "date_iso": date_iso,
        "message_id": value("message-id"),
        "headers": [n for n, _ in top],
        "header": {n: None if v is None else str(v)
                   for n, v in header.items()},
        "content_type": parts[0]["content_type"],
        "parts": parts,
        "text": text,
        "html": html,
        "max_line_length": max_len,
        "all_crlf": all_crlf,
        "defects": defects,
    }


def inputs(paths):
    for path in paths:
        if path == "-":
            yield "-", sys.stdin.buffer.read()
        elif os.path.isdir(path):
            for entry in sorted(os.listdir(path)):
                if entry.endswith(".eml") and not entry.startswith("."):
                    full = os.path.join(path, entry)
                    with open(full, "rb") as f:
                        yield full, f.read()
        else:
            with open(path, "rb") as f:
                yield path, f.read()


def show(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def main():
    ap = argparse.ArgumentParser(
        description="Strictly parse .eml files (see the file header).")
    ap.add_argument("--field", help="print only this field per message")
    ap.add_argument("paths", nargs="+", metavar="FILE|DIR|-")
    args = ap.parse_args()

    results = []
    try:
        for name, raw in inputs(args.paths):
            results.append(analyse(name, raw))
    except OSError as exc:
        sys.stderr.write("mailcheck.py: %s\n" % exc)
        return 2

    if args.field:
        field = args.field
        if not field.startswith("header.") and field not in FIELDS:
            sys.stderr.write("mailcheck.py: unknown field %r\n" % field)
            return 2
        for r in results:
            if field.startswith("header."):
                value = r["header"].get(field[7:].lower())
            else:
                value = r[field]
            sys.stdout.write(show(value) + "\n")
    else:
        json.dump(results, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")

    bad = 0
    for r in results:
        for d in r["defects"]:
            sys.stderr.write("mailcheck.py: %s: %s\n" % (r["file"], d))
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
