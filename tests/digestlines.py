#!/usr/bin/python3
# digestlines.py -- what a delivered digest says, one item per line.
#
# Reads one message (a file tests/smtpd.py captured), takes its text/plain
# part and prints each listed item as
#
#     SECTION|NAME|LINE
#
# SECTION is missed, agenda, red, yellow, green, inactive or invoices (from
# the Spanish or English headings); NAME is the client (for the agenda and
# the unclosed activities, the text after the time or the kind); LINE is the
# item's second line (what is owed and why), empty when there is none.
#
#   --html   also check that the HTML part says the same: every LINE (and
#            every heading) appears in it, once tags are removed and
#            entities decoded; exit status 1 and the missing ones on stderr
#            otherwise.
#   --section S   print only that section's items.
#
# Exit status: 0, 1 (--html found a difference), 2 usage or unreadable mail.

import argparse
import email
import email.policy
import html
import re
import sys

HEADINGS = [
    (r"^SIN CERRAR \(|^NOT CLOSED \(", "missed"),
    (r"^AGENDA DE HOY \(|^TODAY'S AGENDA \(", "agenda"),
    (r"^\[(ROJO|RED)\] ", "red"),
    (r"^\[(AMARILLO|YELLOW)\] ", "yellow"),
    (r"^\[(VERDE|GREEN)\] ", "green"),
    (r"^CLIENTES QUE SE ENFRÍAN \(|^GOING QUIET \(", "inactive"),
    (r"^FACTURAS VENCIDAS \(|^OVERDUE INVOICES \(", "invoices"),
]


def parts(path):
    with open(path, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    text = m.get_body(("plain",))
    htm = m.get_body(("html",))
    return (text.get_content() if text else "", htm.get_content() if htm else "")


def items(text):
    """[(section, name, line)] and the headings, from the text part."""
    out, heads, section, cur = [], [], None, None
    for raw in text.splitlines():
        if raw == "":
            section, cur = None, None
            continue
        for pat, name in HEADINGS:
            if re.search(pat, raw):
                section, cur = name, None
                heads.append(raw)
                break
        else:
            if section is None:
                continue
            if section == "agenda":
                m = re.match(r"^  (.+?)  (.+)$", raw)
                if m:
                    cur = [section, m.group(2).split(" · ")[0], m.group(1)]
                    out.append(cur)
                continue
            if raw.startswith("  - "):
                body = raw[4:]
                cur = [section, body.split(" · ")[0], ""]
                out.append(cur)
            elif raw.startswith("    ") and cur is not None and cur[2] == "":
                cur[2] = raw[4:]
    return out, heads


def flat(h):
    h = re.sub(r"<[^>]+>", " ", h)
    h = html.unescape(h)
    return re.sub(r"\s+", " ", h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--html", action="store_true")
    ap.add_argument("--section")
    ap.add_argument("mail")
    a = ap.parse_args()
    try:
        text, htm = parts(a.mail)
    except (OSError, ValueError) as e:
        print("digestlines.py: %s: %s" % (a.mail, e), file=sys.stderr)
        return 2
    its, heads = items(text)
    for s, n, line in its:
        if a.section is None or s == a.section:
            print("%s|%s|%s" % (s, n, line))
    if a.html:
        page = flat(htm)
        missing = [line for s, n, line in its if line and s != "agenda" and
                   re.sub(r"\s+", " ", line) not in page]
        if missing:
            for line in missing:
                print("not in the HTML part: %s" % line, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
