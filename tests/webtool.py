#!/usr/bin/python3
"""webtool.py - small HTTP and HTML helper for the page's tests (tests/web*.sh).

  webtool.py links MAILFILE             the action links of a digest's HTML part, one
                                        "LABEL<TAB>URL" a line, as a mail client shows them
  webtool.py get URL                    GET: prints "STATUS", the headers, then the body
  webtool.py form URL [FORMINDEX]       GET the page and print the fields of form N as JSON
  webtool.py submit2 URL FORM BUTTON    the same, pressed twice: "first STATUS", then the
                                        second answer
  webtool.py post URL FIELD=VALUE...    POST a form body (add -H 'Name: value' before URL)
  webtool.py submit URL FORM BUTTON [F=V]  GET the page, fill form FORM (its number, "post"
                                        for the first one posted, or the end of its action:
                                        "/log") and press the button whose value is BUTTON
                                        ("-": the first one) and POST it to its action, as a
                                        browser would
The output of get/post/submit: the status line, the headers "Name: value",
an empty line, the body.
"""
import email
import email.policy
import html.parser
import http.client
import json
import sys
import urllib.parse


class Forms(html.parser.HTMLParser):
    """Every <form> with its action, method, fields and buttons; and links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.links = []
        self.cur = None
        self.a = None
        self.text = ""
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        at = dict(attrs)
        if tag == "form":
            self.cur = {"action": at.get("action"), "method": at.get("method", "get"),
                        "fields": [], "buttons": []}
            self.forms.append(self.cur)
        elif tag == "a" and "href" in at:
            self.a = at["href"]
            self.text = ""
        elif self.cur is not None and tag == "input":
            t = at.get("type", "text")
            if t == "checkbox":
                if "checked" in at:
                    self.cur["fields"].append([at.get("name"), at.get("value", "on")])
            elif t == "submit":
                self.cur["buttons"].append([at.get("name"), at.get("value", "")])
            elif at.get("name"):
                self.cur["fields"].append([at["name"], at.get("value", "")])
        elif self.cur is not None and tag == "button":
            self.cur["buttons"].append([at.get("name"), at.get("value", "")])
        elif self.cur is not None and tag == "select":
            self.select = [at.get("name"), None]
            self.cur["fields"].append(self.select)
        elif self.select is not None and tag == "option":
            if self.select[1] is None or "selected" in at:
                self.select[1] = at.get("value", "")
        elif self.cur is not None and tag == "textarea":
            self.textarea = [at.get("name"), ""]
            self.cur["fields"].append(self.textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self.cur = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "a" and self.a is not None:
            self.links.append([self.text.strip(), self.a])
            self.a = None

    def handle_data(self, data):
        if self.a is not None:
            self.text += data
        if self.textarea is not None:
            self.textarea[1] += data


def request(method, url, body=None, headers=None):
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    path = u.path + ("?" + u.query if u.query else "")
    h = dict(headers or {})
    if body is not None:
        h.setdefault("Content-Type", "application/x-www-form-urlencoded")
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.getheaders(), data


def show(status, headers, body):
    out = sys.stdout.buffer
    out.write(("%d\n" % status).encode())
    for k, v in headers:
        out.write(("%s: %s\n" % (k, v)).encode())
    out.write(b"\n")
    out.write(body)


def forms_of(url):
    status, _, body = request("GET", url)
    p = Forms()
    p.feed(body.decode("utf-8", "replace"))
    return status, p


def main():
    args = sys.argv[1:]
    headers = {}
    cmd = args.pop(0)
    while args and args[0] == "-H":
        k, v = args[1].split(":", 1)
        headers[k.strip()] = v.strip()
        args = args[2:]
    if cmd == "links":
        msg = email.message_from_binary_file(open(args[0], "rb"), policy=email.policy.default)
        part = msg.get_body(preferencelist=("html",))
        p = Forms()
        p.feed(part.get_content())
        for text, href in p.links:
            if "/act/" in href:
                print("%s\t%s" % (text, href))
    elif cmd == "get":
        show(*request("GET", args[0], headers=headers))
    elif cmd == "form":
        _, p = forms_of(args[0])
        sel = args[1] if len(args) > 1 else "0"
        f = p.forms[int(sel)] if sel.isdigit() else \
            [x for x in p.forms if (x["action"] or "").endswith(sel)][0]
        print(json.dumps(f))
    elif cmd == "post":
        body = "&".join(urllib.parse.quote(k, safe="") + "=" + urllib.parse.quote(v, safe="")
                        for k, v in (a.split("=", 1) for a in args[1:]))
        show(*request("POST", args[0], body=body.encode(), headers=headers))
    elif cmd in ("submit", "submit2"):
        url, sel, button = args[0], args[1], args[2]
        _, p = forms_of(url)
        if sel.isdigit():
            f = p.forms[int(sel)]
        elif sel == "post":
            f = [x for x in p.forms if x["method"].lower() == "post"][0]
        else:
            f = [x for x in p.forms if (x["action"] or "").endswith(sel)][0]
        fields = [list(x) for x in f["fields"]]
        for a in args[3:]:
            k, v = a.split("=", 1)
            fields = [x for x in fields if x[0] != k] + [[k, v]]
        b = f["buttons"][:1] if button == "-" else [x for x in f["buttons"] if x[1] == button]
        if not b:
            sys.exit("no button %s in form %s" % (button, sel))
        if b[0][0]:
            fields.append(b[0])
        body = urllib.parse.urlencode([(k, v) for k, v in fields if k])
        target = urllib.parse.urljoin(url, f["action"] or url)
        if cmd == "submit2":
            # Pressed twice, as an impatient thumb does: the first answer, then
            # the second, shown.
            first = request("POST", target, body=body.encode(), headers=headers)
            sys.stdout.write("first %d\n" % first[0])
        show(*request("POST", target, body=body.encode(), headers=headers))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
