#!/usr/bin/env python3
"""Renders the HTML report in headless Chromium (Debian `chromium`) over the
DevTools protocol on a pipe, and checks: no console error/warning, no script
exception, no CSP violation, no dialog (an alert would mean injected script),
the tables have their rows, clicking a header sorts; then, at 1280 and 400 px
and on a generated estate too: no horizontal overflow, the estate timeline
(a lane per host, a bar per episode, inside its lane) and the host table,
no host name or time broken inside, the filter box works (and is hidden
without JS), print CSS drops it and a PDF prints. Keeps screenshots in
tests/out/ (gitignored). Python stdlib only; never touches the network (the
page is a local file and Chromium's background networking is off).

The page comes from `BUILD/tests/test_report_html --write FILE` (the unit
test's hand-made result full of hostile strings). SKIPs when Chromium or the
test binary is absent.
"""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("FL_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FL_BIN = os.environ.get("FL_BIN", os.path.join(ROOT, "build/asan/faultline"))
WRITER = os.path.join(os.path.dirname(FL_BIN), "tests", "test_report_html")
OUT_DIR = os.path.join(ROOT, "tests", "out")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TIMEOUT = 60.0
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--remote-debugging-pipe"]


class Browser:
    """One Chromium process driven over fds 3 (commands) and 4 (replies)."""

    def __init__(self, profile):
        cmd_r, self.cmd_w = os.pipe()
        self.resp_r, resp_w = os.pipe()

        def wire():  # in the child: fd 3 = commands in, fd 4 = replies out
            a = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(resp_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, "--user-data-dir=" + profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=wire, close_fds=False)  # our other fds are O_CLOEXEC
        os.close(cmd_r)
        os.close(resp_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply from chromium")
            ready, _, _ = select.select([self.resp_r], [], [], left)
            if ready:
                chunk = os.read(self.resp_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe")
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        for i, m in enumerate(self.events):
            if m.get("method") == method:
                return self.events.pop(i)
        while True:
            m = self._read_message(deadline)
            if m.get("method") == method:
                return m
            self.events.append(m)

    def drain(self, seconds):
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read_message(deadline))
        except TimeoutError:
            pass

    def open_page(self):
        target = self.call("Target.createTarget", {"url": "about:blank"}, False)
        att = self.call("Target.attachToTarget",
                        {"targetId": target["targetId"], "flatten": True}, False)
        self.session = att["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Audits"):
            self.call(domain + ".enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 2000, "deviceScaleFactor": 1,
                   "mobile": False})

    def set_width(self, width):
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": 900, "deviceScaleFactor": 1,
                   "mobile": width < 600})

    def screenshot(self, name, full=True):
        os.makedirs(OUT_DIR, exist_ok=True)
        shot = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": full})
        path = os.path.join(OUT_DIR, name)
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return path

    def navigate(self, url):
        self.events.clear()
        self.call("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")
        self.drain(0.5)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate failed: %s" % r["exceptionDetails"])
        return r["result"].get("value")

    def close(self):
        try:
            self.call("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.resp_r)


def problems(events):
    """Console errors/warnings, exceptions, CSP issues, dialogs."""
    out = []
    for m in events:
        meth, p = m.get("method", ""), m.get("params", {})
        if meth == "Runtime.consoleAPICalled":
            out.append("console.%s: %s" % (p.get("type"), [a.get("value", a.get("description")) for a in p.get("args", [])]))
        elif meth == "Runtime.exceptionThrown":
            out.append("exception: %s" % p.get("exceptionDetails", {}).get("text"))
        elif meth == "Log.entryAdded":
            e = p.get("entry", {})
            if e.get("level") in ("error", "warning"):
                out.append("log %s/%s: %s" % (e.get("source"), e.get("level"), e.get("text")))
        elif meth == "Audits.issueAdded":
            out.append("issue: %s" % p.get("issue", {}).get("code"))
        elif meth == "Page.javascriptDialogOpening":
            out.append("dialog: %s" % p.get("message"))
    return out


def check(name, cond, why=""):
    print(("PASS %s" % name) if cond else ("FAIL %s: %s" % (name, why)))
    return cond


def sort_order(b, table, col):
    return b.eval("Array.from(document.querySelectorAll('#%s tbody tr'))"
                  ".map(r => r.cells[%d].textContent.trim())" % (table, col))


def run_checks(b, page_url, bad_url):
    # The detector itself: a page whose CSP blocks an image must be caught.
    b.navigate(bad_url)
    b.drain(0.5)
    check("csp_violation_detected", any("issue" in p or "security" in p or "Refused" in p
                                         for p in problems(b.events)),
          "a blocked image raised no CSP report: %s" % problems(b.events))

    b.navigate(page_url)
    found = problems(b.events)
    check("no_console_errors_or_csp_violations", not found, "; ".join(found)[:600])
    check("script_ran", b.eval("document.documentElement.getAttribute('data-js')") == "ready",
          "the sorting script did not run")
    counts = b.eval("[document.querySelectorAll('#episodes tbody tr').length,"
                    " document.querySelectorAll('#benign-episodes tbody tr').length,"
                    " document.querySelectorAll('#sources-table tbody tr').length,"
                    " document.querySelectorAll('article.episode').length,"
                    " document.querySelectorAll('svg rect').length > 0]")
    check("dom_has_rows", counts == [3, 1, 3, 4, True], "rows: %s" % counts)
    injected = b.eval("[document.querySelectorAll('img').length,"
                      " document.querySelectorAll('script').length,"
                      " document.body.textContent.includes('<script>alert(1)</script>'),"
                      " document.body.textContent.includes('\"><img src=x onerror=alert(2)>')]")
    check("hostile_text_is_text", injected == [0, 1, True, True], "img/script/text: %s" % injected)

    b.eval("document.querySelectorAll('#episodes thead th button')[5].click()")
    asc = sort_order(b, "episodes", 5)
    b.eval("document.querySelectorAll('#episodes thead th button')[5].click()")
    desc = sort_order(b, "episodes", 5)
    nums = [int(x) for x in asc]
    check("click_sorts_numbers", nums == sorted(nums) and [int(x) for x in desc] == sorted(nums, reverse=True),
          "asc %s desc %s" % (asc, desc))
    b.eval("document.querySelectorAll('#episodes thead th button')[2].click()")
    titles = sort_order(b, "episodes", 2)
    check("click_sorts_text", titles == sorted(titles, key=str.lower), "titles %s" % titles)
    aria = b.eval("document.querySelectorAll('#episodes thead th')[2].getAttribute('aria-sort')")
    check("aria_sort_set", aria == "ascending", "aria-sort %s" % aria)
    b.eval("document.querySelectorAll('#episodes thead th button')[0].click()")
    b.drain(0.3)
    found = problems(b.events)
    check("no_errors_after_clicks", not found, "; ".join(found)[:600])

    os.makedirs(OUT_DIR, exist_ok=True)
    shot = b.call("Page.captureScreenshot", {"format": "png"})
    with open(os.path.join(OUT_DIR, "report.png"), "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    full = b.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    with open(os.path.join(OUT_DIR, "report-full.png"), "wb") as f:
        f.write(base64.b64decode(full["data"]))
    check("screenshot_kept", os.path.getsize(os.path.join(OUT_DIR, "report.png")) > 10000,
          "screenshot too small")


# Layout facts measured in the page: horizontal overflow, lanes and bars of
# the estate timeline, host rows, and host names / times laid out on more
# than one line (a mid-word break). Returned as one JSON-able object.
LAYOUT_JS = r"""(function () {
  function lines(el) {
    var r = document.createRange(); r.selectNodeContents(el);
    var tops = {}; Array.prototype.forEach.call(r.getClientRects(), function (x) {
      if (x.width > 0) tops[Math.round(x.top)] = 1; });
    return Object.keys(tops).length;
  }
  var broken = [];
  document.querySelectorAll('td.host, td.time, .lane-host, .ticks .time').forEach(function (el) {
    if (el.offsetParent && el.textContent.trim() && lines(el) > 1) broken.push(el.textContent.trim().slice(0, 60));
  });
  var wide = [];
  function clipped(el) {  /* inside a box that scrolls or clips (tables, lanes) */
    for (var p = el.parentElement; p; p = p.parentElement)
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    return false;
  }
  document.querySelectorAll('main *').forEach(function (el) {
    var b = el.getBoundingClientRect();
    if (b.right > document.documentElement.clientWidth + 1 && !clipped(el)) wide.push(el.tagName + '.' + el.className);
  });
  return {
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    wide: wide.slice(0, 5),
    lanes: document.querySelectorAll('.estate .lane:not(.axis)').length,
    bars: document.querySelectorAll('.estate .bar').length,
    episodes: document.querySelectorAll('article.episode').length,
    hosts: document.querySelectorAll('#hosts-table tbody tr').length,
    filter_shown: !document.getElementById('filter-box').hidden,
    broken: broken.slice(0, 5),
    bars_inside: Array.prototype.every.call(document.querySelectorAll('.estate .bar'), function (b) {
      var t = b.parentNode.getBoundingClientRect(), r = b.getBoundingClientRect();
      return r.left >= t.left - 1 && r.right <= t.right + 1 && r.width >= 3; }),
    axis_font: parseFloat(getComputedStyle(document.querySelector('.ticks') || document.body).fontSize)
  };
})()"""


def layout_checks(b, url, tag, width, episodes):
    """The page at one width: nothing wider than the screen, the estate
    timeline and host table present, no host name or time broken inside."""
    b.set_width(width)
    b.navigate(url)
    found = problems(b.events)
    check("%s_%d_no_errors" % (tag, width), not found, "; ".join(found)[:400])
    m = b.eval(LAYOUT_JS)
    check("%s_%d_no_horizontal_overflow" % (tag, width), m["overflow"] <= 0 and not m["wide"],
          "page %dpx wider than the screen; %s" % (m["overflow"], m["wide"]))
    check("%s_%d_estate_present" % (tag, width),
          m["lanes"] == m["hosts"] and m["lanes"] >= 1 and m["bars"] == episodes == m["episodes"],
          "lanes %d hosts %d bars %d episodes %d (want %d)" % (m["lanes"], m["hosts"], m["bars"], m["episodes"], episodes))
    check("%s_%d_bars_inside_lanes" % (tag, width), m["bars_inside"], "a bar leaves its lane")
    check("%s_%d_no_midword_breaks" % (tag, width), not m["broken"], "broken: %s" % m["broken"])
    check("%s_%d_filter_box_shown" % (tag, width), m["filter_shown"], "filter box hidden with JS on")
    check("%s_%d_labels_readable" % (tag, width), m["axis_font"] >= 11, "axis font %.1fpx" % m["axis_font"])
    path = b.screenshot("report-%s-%d.png" % (tag, width))
    check("%s_%d_screenshot" % (tag, width), os.path.getsize(path) > 5000, "screenshot too small")


def filter_checks(b, url, word, want):
    """Typing in the filter box hides what does not match, and clearing it
    shows everything again."""
    b.set_width(1280)
    b.navigate(url)
    total = b.eval("document.querySelectorAll('article.episode').length")
    b.eval("(function(){var i=document.getElementById('filter'); i.value=%s;"
           " i.dispatchEvent(new Event('input'));})()" % json.dumps(word))
    shown = b.eval("[document.querySelectorAll('article.episode:not([hidden])').length,"
                   " document.querySelectorAll('.estate .bar:not([hidden])').length,"
                   " document.getElementById('filter-count').textContent]")
    check("filter_narrows", shown[0] == want and shown[1] == want and ("%d of %d" % (want, total)) in shown[2],
          "%r: shown %s of %d (want %d)" % (word, shown, total, want))
    b.eval("(function(){var i=document.getElementById('filter'); i.value='';"
           " i.dispatchEvent(new Event('input'));})()")
    back = b.eval("document.querySelectorAll('article.episode:not([hidden])').length")
    check("filter_cleared", back == total, "%d of %d after clearing" % (back, total))


def no_js_checks(b, url):
    """Without JavaScript the page is whole and the filter box stays hidden."""
    b.call("Emulation.setScriptExecutionDisabled", {"value": True})
    b.set_width(1280)
    b.navigate(url)
    m = b.eval("[document.getElementById('filter-box').hidden,"
               " document.querySelectorAll('article.episode').length,"
               " document.querySelectorAll('.estate .bar').length]")
    b.call("Emulation.setScriptExecutionDisabled", {"value": False})
    check("no_js_page_whole", m[0] is True and m[1] > 0 and m[1] == m[2], "hidden/cards/bars %s" % m)


def print_checks(b, url):
    """Printed (print media), the filter box is gone and nothing overflows."""
    b.set_width(800)
    b.navigate(url)
    b.call("Emulation.setEmulatedMedia", {"media": "print"})
    m = b.eval("[getComputedStyle(document.getElementById('filter-box')).display,"
               " document.documentElement.scrollWidth - document.documentElement.clientWidth]")
    b.screenshot("report-print.png")
    b.call("Emulation.setEmulatedMedia", {"media": ""})
    check("print_css", m[0] == "none" and m[1] <= 0, "filter display %s, overflow %s" % (m[0], m[1]))
    pdf = b.call("Page.printToPDF", {"printBackground": True})
    check("print_pdf", len(base64.b64decode(pdf["data"])) > 5000, "PDF too small")


def estate_page(tmp):
    """A report of a generated estate (`faultline gen enterprise`, 5 hosts,
    3 days, fixed seed): realistic names, times and many episodes."""
    data = os.path.join(tmp, "estate.evtx")
    page = os.path.join(tmp, "estate.html")
    subprocess.run([FL_BIN, "gen", "enterprise", "--hosts", "5", "--days", "3", "--seed", "7",
                    "--no-manifest", "-o", data], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r = subprocess.run([FL_BIN, "diagnose", "--no-db", "-q", "--format", "json", "--html", page, data],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if r.returncode not in (0, 1) or not os.path.exists(page):
        return None, 0, None
    doc = json.loads(r.stdout)
    host = doc["episodes"][0]["host"] if doc["episodes"] else None
    want = sum(1 for e in doc["episodes"] if host and host.lower() in
               (" ".join([e["host"]] + e.get("hosts", []) + e.get("peers", [])) + " " + e["cause_title"]).lower())
    return page, len(doc["episodes"]), (host, want)


BAD_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv="
            "\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:\">"
            "</head><body><img src=\"file:///etc/hostname\" alt=\"\"></body></html>")


def main():
    if not os.path.exists(CHROMIUM):
        print("SKIP report_html_chromium: chromium not installed (apt-get install chromium; ./bootstrap does it)")
        return 0
    if not os.access(WRITER, os.X_OK):
        print("SKIP report_html_chromium: %s not built (make)" % WRITER)
        return 0
    tmp = tempfile.mkdtemp(prefix="fl_report_html_")
    b = None
    try:
        page = os.path.join(tmp, "report.html")
        rc = subprocess.run([WRITER, "--write", page]).returncode
        if not check("page_written", rc == 0, "%s exited %d" % (WRITER, rc)):
            return 1
        bad = os.path.join(tmp, "bad.html")
        with open(bad, "w") as f:
            f.write(BAD_PAGE)
        b = Browser(os.path.join(tmp, "profile"))
        b.open_page()
        run_checks(b, "file://" + page, "file://" + bad)
        layout_checks(b, "file://" + page, "hostile", 1280, 4)
        layout_checks(b, "file://" + page, "hostile", 400, 4)
        estate, n, filt = estate_page(tmp)
        if check("estate_page_written", estate is not None, "faultline diagnose --html failed"):
            layout_checks(b, "file://" + estate, "estate", 1280, n)
            layout_checks(b, "file://" + estate, "estate", 400, n)
            filter_checks(b, "file://" + estate, filt[0], filt[1])
            no_js_checks(b, "file://" + estate)
            print_checks(b, "file://" + estate)
    except Exception as e:  # a hung or crashed browser is a failure, not a skip
        print("FAIL report_html_chromium: %s: %s" % (type(e).__name__, e))
    finally:
        if b:
            b.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
