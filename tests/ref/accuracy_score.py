#!/usr/bin/env python3
"""Strict scoring of `faultline diagnose` findings against `faultline gen`
ground truth (issue 13 item 6); shared by tests/ref/diag_accuracy.py and
bench/accuracy.py. stdlib only.

An incident (a manifest episode that is not benign and has events) counts as
found only when ONE finding has its cause, its host (computer name, or its
address where the source names hosts by IP), all its peers, covers no other
true incident, and a failure count within +-10 % of the manifest's. "Covers":
the finding names the other incident's host and one of its peers during its
time, and either has its cause or a count inflated beyond the +-10 % (two
true incidents of different causes on the same pair at the same time can
only be told apart by cause and count). A finding
that overlaps no incident at all (no shared host/peer during its time) is
spurious. Calibration: per confidence band, the share of findings that are
strictly correct for some incident. State (measured, not part of strict):
of the incidents found whose manifest says "intermittent" (the pair
connected between failures; never in a netsh-only form, which has no
successes), how many findings say "intermittent"; and how many found
incidents that are not intermittent a finding calls intermittent.
This module must never look at how the diagnoser works: it only compares
its JSON report with the manifest.
"""
import datetime
import json
import subprocess

# Causes whose events do not name the peer, so no report can: 4646 carries
# only the DoS-mode notification, iScsiPrt events keep the target in
# undocumented binary dump data.
PEER_NOT_IN_EVENTS = {"dos-mode", "iscsi-chap-mismatch", "iscsi-target-gone"}
BANDS = [(0.0, 0.5), (0.5, 0.8), (0.8, 0.9), (0.9, 1.01)]
TICKS = 10_000_000


def iso_ft(text):
    """ISO 8601 UTC (manifest form) -> FILETIME ticks."""
    if text is None:
        return None
    day, _, frac = text.rstrip("Z").partition(".")
    dt = datetime.datetime.strptime(day, "%Y-%m-%dT%H:%M:%S")
    epoch = datetime.datetime(1601, 1, 1)
    ticks = int((dt - epoch).total_seconds()) * TICKS
    return ticks + (int((frac + "0000000")[:7]) if frac else 0)


def run(bin_path, args, timeout=600):
    return subprocess.run([bin_path] + args, capture_output=True, text=True, timeout=timeout)


def diagnose(bin_path, paths):
    r = run(bin_path, ["diagnose", "--no-db", "--format", "json"] + list(paths))
    if r.returncode not in (0, 1):
        raise RuntimeError("diagnose exit %d: %s" % (r.returncode, r.stderr[:300]))
    return json.loads(r.stdout)


def failures(t):
    """The incident's failures: its records minus the successes of the same
    pair (manifests before "failures" existed: all its records)."""
    return t.get("failures", t["event_count"])


def truths_of(manifest):
    """Incidents a finding is expected for: not benign, and at least two
    failures (an incident the end of the data cut to one failure is "seen
    once", which needs no finding)."""
    return [t for t in manifest["episodes"] if not t.get("benign") and failures(t) >= 2]


def seen_once(manifest):
    """Incidents cut to one failure: a finding on them is neither right nor spurious."""
    return [t for t in manifest["episodes"] if not t.get("benign") and failures(t) == 1]


def _names(f):
    got = set(f.get("peers") or [])
    if f.get("peer"):
        got.add(f["peer"])
    return got


def _hosts(f):
    return set(f.get("hosts") or []) | ({f["host"]} if f.get("host") else set())


def _ident(x):
    return {v for v in (x.get("host"), x.get("address"), x.get("host_address")) if v}


def _overlaps(f, t):
    """f shares a host or peer with t during t's time."""
    a, b = f.get("first_seen_filetime"), f.get("last_seen_filetime")
    ta, tb = iso_ft(t.get("first_time")), iso_ft(t.get("last_time"))
    if None in (a, b, ta, tb) or b < ta or tb < a:
        return False
    mine = _hosts(f) | _names(f)
    theirs = _ident(t) | set().union(*[_ident(p) for p in t.get("peers", [])] or [set()])
    return bool(mine & theirs)


def covers(f, t):
    """f spans t: t's host is one of f's hosts and one of t's peers is one of
    f's peers (or t has no peer in its events), at t's time."""
    if not _overlaps(f, t):
        return False
    if not (_ident(t) & (_hosts(f) | _names(f))):
        return False
    if t["cause"] in PEER_NOT_IN_EVENTS or not t.get("peers"):
        return True
    return any(_ident(p) & (_names(f) | _hosts(f)) for p in t["peers"])


def why_not(f, t):
    """Why f is not t's strict finding (ignoring other incidents), or None."""
    if f["cause_id"] != t["cause"]:
        return "cause"
    if f.get("host") not in (t["host"], t.get("host_address")):
        return "host"
    if t["cause"] not in PEER_NOT_IN_EVENTS:
        got = _names(f)
        if any(not (_ident(p) & got) for p in t.get("peers", [])):
            return "peers"
    n, want = f.get("count", 0), failures(t)
    if abs(n - want) > 0.10 * want:
        return "count"
    return None


def score(manifest, report):
    """Dict of counts and per-incident failure notes. split: incidents found
    whose events another finding of the same cause reports again."""
    truths = truths_of(manifest)
    neutral = seen_once(manifest)
    findings = [e for e in report["episodes"] if e.get("finding")]
    res = {"incidents": len(truths), "found": 0, "findings": len(findings), "spurious": 0, "split": 0,
           "modes": {}, "examples": [], "bands": [[0, 0] for _ in BANDS], "intermittent": [0, 0, 0]}
    correct = set()
    successes_seen = manifest.get("format") != "netsh"
    for t in truths:
        ok = None
        reasons = []
        for i, f in enumerate(findings):
            w = why_not(f, t)
            spans = [o for o in truths if o is not t and covers(f, o)]
            # another incident of the same cause inside the finding, or a
            # count too high because other incidents' failures joined it
            if (w is None and any(o["cause"] == f["cause_id"] for o in spans)) or (w == "count" and spans):
                w = "merged"
            if w is None:
                ok = i
                break
            if _overlaps(f, t):
                reasons.append((w, f))
        if ok is not None:
            res["found"] += 1
            correct.add(ok)
            said = findings[ok].get("state") == "intermittent"
            if t.get("intermittent") and successes_seen:
                res["intermittent"][0] += said
                res["intermittent"][1] += 1
            elif said and not t.get("intermittent"):
                res["intermittent"][2] += 1
            # found, but also reported again (e.g. once by name, once by IP)
            if any(j != ok and f["cause_id"] == t["cause"] and covers(f, t) for j, f in enumerate(findings)):
                res["split"] += 1
            continue
        if not reasons:
            mode = "missed"
        else:
            order = ["merged", "count", "peers", "host", "cause"]
            mode = min((r[0] for r in reasons), key=order.index)
        res["modes"][(t["cause"], mode)] = res["modes"].get((t["cause"], mode), 0) + 1
        f = next((r[1] for r in reasons if r[0] == mode), None)
        res["examples"].append(_example(t, mode, f))
    for i, f in enumerate(findings):
        if not any(_overlaps(f, t) for t in truths + neutral):
            res["spurious"] += 1
        c = f.get("confidence", 0.0)
        for b, (lo, hi) in enumerate(BANDS):
            if lo <= c < hi:
                res["bands"][b][0] += 1
                res["bands"][b][1] += i in correct
    return res


def _example(t, mode, f):
    peers = ",".join(p.get("host") or p.get("address") for p in t.get("peers", []))
    s = "%s %s host %s peers %s: %d failures %s..%s" % (
        t["cause"], mode, t["host"], peers or "-", failures(t), t.get("first_time", "")[:16],
        t.get("last_time", "")[:16])
    if f is not None:
        s += " -> finding %s host %s peers %s count %d conf %.2f" % (
            f["cause_id"], f.get("host"), ",".join(sorted(_names(f)))[:120], f.get("count", 0),
            f.get("confidence", 0))
    return s


def add(total, res):
    """Sums res into total (same shape)."""
    if not total:
        total.update({"incidents": 0, "found": 0, "findings": 0, "spurious": 0, "split": 0, "modes": {},
                      "examples": [], "bands": [[0, 0] for _ in BANDS], "intermittent": [0, 0, 0]})
    for k in ("incidents", "found", "findings", "spurious", "split"):
        total[k] += res[k]
    for k, v in res["modes"].items():
        total["modes"][k] = total["modes"].get(k, 0) + v
    total["examples"] += res["examples"]
    for k in range(3):
        total["intermittent"][k] += res["intermittent"][k]
    for b in range(len(BANDS)):
        total["bands"][b][0] += res["bands"][b][0]
        total["bands"][b][1] += res["bands"][b][1]
    return total


def intermittent_text(t):
    right, want, wrong = t["intermittent"]
    return "intermittent stated %d/%d, called intermittent wrongly %d" % (right, want, wrong)


def band_text(bands):
    out = []
    for (lo, hi), (n, good) in zip(BANDS, bands):
        label = "%d-%d%%" % (lo * 100, min(hi, 1.0) * 100)
        out.append("%s %s" % (label, "%d/%d=%.0f%%" % (good, n, 100.0 * good / n) if n else "-"))
    return "; ".join(out)


def load_manifest(path):
    with open(path + ".manifest.json") as fp:
        return json.load(fp)


def quiet_findings(report):
    return sum(1 for e in report["episodes"] if e.get("finding"))


def self_test():
    """The scorer on hand-made cases (tests/run runs this file without arguments)."""
    def truth(i, cause, host, peer, n, t0, t1):
        return {"id": i, "cause": cause, "host": host, "host_address": "10.0.0.%d" % i,
                "peers": [{"address": peer}], "benign": False, "failures": n, "event_count": n,
                "first_time": "2024-03-04T%02d:00:00Z" % t0, "last_time": "2024-03-04T%02d:30:00Z" % t1}

    def finding(cause, host, peers, n, t0, t1, conf=0.9):
        return {"finding": True, "cause_id": cause, "host": host, "peer": peers[0], "peers": peers,
                "hosts": [host], "count": n, "confidence": conf,
                "first_seen_filetime": iso_ft("2024-03-04T%02d:00:00Z" % t0),
                "last_seen_filetime": iso_ft("2024-03-04T%02d:30:00Z" % t1)}
    m = {"episodes": [truth(1, "timeout", "A", "192.0.2.1", 10, 1, 1),
                      truth(2, "timeout", "A", "192.0.2.1", 10, 5, 5),
                      truth(3, "cert-untrusted", "B", "192.0.2.2", 20, 1, 1),
                      truth(4, "timeout", "C", "192.0.2.3", 1, 9, 9)]}
    cases = [
        ("right", [finding("cert-untrusted", "B", ["192.0.2.2"], 21, 1, 1)], 1, 0, 0),
        ("count off by more than 10%", [finding("cert-untrusted", "B", ["192.0.2.2"], 23, 1, 1)], 0, 0, 0),
        ("recurring merged", [finding("timeout", "A", ["192.0.2.1"], 20, 1, 5)], 0, 0, 0),
        ("host by address", [finding("timeout", "10.0.0.1", ["192.0.2.1"], 10, 1, 1)], 1, 0, 0),
        ("wrong peer", [finding("timeout", "A", ["192.0.2.9"], 10, 1, 1)], 0, 0, 0),
        ("spurious", [finding("timeout", "Z", ["198.51.100.1"], 10, 1, 1)], 0, 1, 0),
        ("seen once is neutral", [finding("timeout", "C", ["192.0.2.3"], 1, 9, 9)], 0, 0, 0),
        ("split", [finding("timeout", "A", ["192.0.2.1"], 10, 1, 1),
                   finding("timeout", "10.0.0.1", ["192.0.2.1"], 10, 1, 1)], 1, 0, 1),
    ]
    bad = 0
    for name, findings, found, spurious, split in cases:
        r = score(m, {"episodes": findings})
        ok = (r["incidents"], r["found"], r["spurious"], r["split"]) == (3, found, spurious, split)
        bad += not ok
        print("%s accuracy_score %s%s" % ("PASS" if ok else "FAIL", name, "" if ok else ": %r" % (
            {k: r[k] for k in ("incidents", "found", "spurious", "split")},)))
    return 1 if bad else 0


if __name__ == "__main__":
    import sys
    if len(sys.argv) < 3:
        sys.exit(self_test())
    with open(sys.argv[2]) as fp:
        out = score(load_manifest(sys.argv[1]), json.load(fp))
    out["modes"] = {"%s %s" % k: v for k, v in out["modes"].items()}
    print(json.dumps(out, indent=1))
