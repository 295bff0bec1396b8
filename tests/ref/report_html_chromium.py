#!/usr/bin/env python3
"""Renders the HTML report in headless Chromium (Debian `chromium`) over the
DevTools protocol on a pipe, and checks: no console error/warning, no script
exception, no CSP violation, no dialog (an alert would mean injected script),
the tables have their rows, clicking a header sorts. Keeps screenshots in
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
    except Exception as e:  # a hung or crashed browser is a failure, not a skip
        print("FAIL report_html_chromium: %s: %s" % (type(e).__name__, e))
    finally:
        if b:
            b.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
