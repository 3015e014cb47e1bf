#!/usr/bin/python3
"""browser.py - drive a real headless Chromium through the page (tests/web_browser.sh).

  browser.py digest HTMLFILE HREF OUTDIR DB
      Open a digest's HTML part (a file, as the mail client shows it), follow
      the link whose address contains HREF, screenshot the confirmation page,
      press its button, screenshot the answer.  Prints JSON: the link's text,
      the confirmation's heading and text, the touches in the database DB
      while the confirmation is shown, the answer's heading and text.
  browser.py forms PAGEURL CLIENTID ACTIVITY_DAY OUTDIR AXEJS
      At a 360x740 viewport: Today, the client's card, log a call with a next
      step through its form, plan a visit through the other, the new client
      form and the planned activity's page; a screenshot of each page, and
      axe-core (AXEJS, injected through DevTools, so the page's CSP is not
      bent) run on each for WCAG 2 A and AA.  Prints JSON: per page its
      violations, whether it scrolls sideways, its banner.

Chromium: /usr/bin/chromium with /usr/bin/chromedriver, headless, a new
empty profile, nothing from the network but the page.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT = 20
POLL = 0.05


def start(profile):
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1024,768"):
        o.add_argument(a)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_page_load_timeout(WAIT)
    d.set_script_timeout(WAIT)
    return d


def gone(old):
    """A wait condition: the element old is no longer in the document.
    Chromium answers a query on a node of the page being replaced either
    "stale element" or, in the middle of the swap, an inspector error
    ("Node with given id does not belong to the document"): both mean
    gone (selenium's staleness_of knows only the first)."""
    def check(_):
        try:
            old.is_enabled()
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True
    return check


def load(d, action):
    """Do action (a click that navigates) and wait for the next page."""
    old = d.find_element(By.TAG_NAME, "html")
    action()
    # Looked at every 50 ms, not selenium's 0.5 s: the next page is there
    # in milliseconds, and each navigation waited the rest of the step.
    WebDriverWait(d, WAIT, poll_frequency=POLL).until(gone(old))
    WebDriverWait(d, WAIT, poll_frequency=POLL).until(
        lambda x: x.execute_script("return document.readyState") == "complete")


def text_of(d, css):
    e = d.find_elements(By.CSS_SELECTOR, css)
    return e[0].text if e else ""


def shot(d, outdir, name):
    # The whole page, not only the first screen.
    h = d.execute_script("return document.documentElement.scrollHeight")
    w = d.execute_script("return window.innerWidth")
    m = d.execute_cdp_cmd("Page.getLayoutMetrics", {})
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": w, "height": max(h, 1), "deviceScaleFactor": 1,
        "mobile": w <= 480})
    d.save_screenshot(os.path.join(outdir, name + ".png"))
    vv = m.get("cssVisualViewport", m.get("visualViewport", {}))
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": w, "height": int(vv.get("clientHeight", 740)), "deviceScaleFactor": 1,
        "mobile": w <= 480})


def axe(d, src):
    d.execute_script(src)
    r = d.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"
        ".then(function (r) { done(r.violations.map(function (v) {"
        "  return {id: v.id, impact: v.impact, help: v.help,"
        "    nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })};"
        "})); }, function (e) { done([{id: 'axe-error', help: String(e), nodes: []}]); });")
    return r


def page_report(d, outdir, name, axejs):
    shot(d, outdir, name)
    rep = {
        "url": d.current_url,
        "title": d.title,
        "h1": text_of(d, "h1"),
        "banner": text_of(d, ".banner"),
        "lang": d.execute_script("return document.documentElement.lang"),
        "width": d.execute_script("return document.documentElement.clientWidth"),
        "sideways": d.execute_script(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth"),
        "errors": [e.text for e in d.find_elements(By.CSS_SELECTOR, "p.error")],
    }
    if axejs is not None:
        rep["violations"] = axe(d, axejs)
    return rep


def touches(db):
    if db.startswith(("postgresql://", "postgres://")):
        r = subprocess.run(["psql", "-X", "-A", "-t", "-d", db, "-c",
                            "SELECT count(*) FROM interactions"],
                           check=True, capture_output=True, text=True)
        return int(r.stdout.strip())
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return c.execute("SELECT count(*) FROM interactions").fetchone()[0]
    finally:
        c.close()


def digest(d, htmlfile, href, outdir, db):
    d.get("file://" + os.path.abspath(htmlfile))
    link = d.find_element(By.CSS_SELECTOR, 'a[href*="%s"]' % href)
    out = {"link": link.text}
    load(d, link.click)
    shot(d, outdir, "1-confirm")
    out["confirm_h1"] = text_of(d, "h1")
    out["confirm"] = text_of(d, "main") or text_of(d, "body")
    button = d.find_element(By.CSS_SELECTOR, "form.main button[type=submit], form.main button")
    out["button"] = button.text
    out["touches_shown"] = touches(db)
    load(d, button.click)
    shot(d, outdir, "2-done")
    out["done_h1"] = text_of(d, "h1")
    out["done"] = text_of(d, "main") or text_of(d, "body")
    return out


def set_value(d, el, value):
    """A date or time input: its value as the form sends it (the picker's
    look depends on the browser's locale)."""
    d.execute_script("arguments[0].value = arguments[1];"
                     "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
                     "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", el, value)


def forms(d, page, client, day, outdir, axefile):
    axejs = open(axefile, encoding="utf-8").read()
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": True})
    out = {}
    d.get(page)
    out["today"] = page_report(d, outdir, "3-today", axejs)
    # The client, as a thumb gets there: its name on Today, or the search.
    d.get(page + "/search?q=" + "talleres")
    out["search"] = page_report(d, outdir, "4-search", axejs)
    links = [a for a in d.find_elements(By.CSS_SELECTOR, "a") if
             a.get_attribute("href").endswith("/c/%s" % client)]
    if not links:
        raise SystemExit("no link to client %s in the search" % client)
    load(d, links[0].click)
    out["card"] = page_report(d, outdir, "5-card", axejs)

    # Log a call with a next step.
    f = d.find_element(By.CSS_SELECTOR, 'form[action$="/c/%s/log"]' % client)
    Select(f.find_element(By.NAME, "kind")).select_by_value("call")
    Select(f.find_element(By.NAME, "outcome")).select_by_value("waiting")
    f.find_element(By.NAME, "note").send_keys("Quiere presupuesto de 200 unidades")
    set_value(d, f.find_element(By.NAME, "next"), day)
    load(d, f.find_element(By.CSS_SELECTOR, "button[type=submit]").click)
    out["logged"] = page_report(d, outdir, "6-logged", axejs)

    # Plan a visit.
    f = d.find_element(By.CSS_SELECTOR, 'form[action$="/c/%s/plan"]' % client)
    Select(f.find_element(By.NAME, "kind")).select_by_value("visit")
    set_value(d, f.find_element(By.NAME, "date"), day)
    set_value(d, f.find_element(By.NAME, "time"), "10:30")
    dur = f.find_element(By.NAME, "duration")
    dur.clear()
    dur.send_keys("45")
    load(d, f.find_element(By.CSS_SELECTOR, "button[type=submit]").click)
    out["planned"] = page_report(d, outdir, "7-planned", axejs)

    # A form with its errors shown: planning without a date.
    f = d.find_element(By.CSS_SELECTOR, 'form[action$="/c/%s/plan"]' % client)
    Select(f.find_element(By.NAME, "kind")).select_by_value("call")
    load(d, f.find_element(By.CSS_SELECTOR, "button[type=submit]").click)
    out["plan_error"] = page_report(d, outdir, "8-plan-error", axejs)

    # The planned visit's own page (done, cancel, new date).
    acts = [a for a in d.find_elements(By.CSS_SELECTOR, "a.button") if "/a/" in
            (a.get_attribute("href") or "")]
    if acts:
        load(d, acts[0].click)
        out["activity"] = page_report(d, outdir, "9-activity", axejs)
    d.get(page + "/new")
    out["new"] = page_report(d, outdir, "10-new", axejs)
    return out


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("digest", "forms"):
        sys.exit(__doc__)
    profile = tempfile.mkdtemp(prefix="cartera-chromium.")
    d = None
    try:
        d = start(profile)
        if sys.argv[1] == "digest":
            out = digest(d, *sys.argv[2:6])
        else:
            out = forms(d, *sys.argv[2:7])
        print(json.dumps(out, ensure_ascii=False, indent=1))
    finally:
        if d is not None:
            d.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
