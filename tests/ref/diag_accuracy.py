#!/usr/bin/env python3
"""Diagnosis accuracy against the generator's ground truth.

For every `faultline gen` scenario, over several seeds and formats, the top
finding of `faultline diagnose` must name the manifest's cause, its host and
its peers; `enterprise` must find every manifest episode among its findings;
data without failures (benign-noise outside netsh, and real corpus logs
without IPsec events) must raise no finding. Prints the score per scenario.
Then one `estate` (overlapping, recurring, intermittent and benign incidents,
IKEv1/IKEv2, external gateways) as EVTX and as EVTX + netsh of the same
hosts, scored strictly (tests/ref/accuracy_score.py); the benign-only estate
must give no finding. The full table is bench/accuracy.py's.
One PASS/FAIL line per scenario and format; stdlib only.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accuracy_score  # noqa: E402

BIN = os.environ.get("FL_RELEASE_BIN") or os.environ.get("FL_BIN")
SHARED = os.environ.get("FL_SHARED", "")
SEEDS = [int(s) for s in os.environ.get("FL_ACCURACY_SEEDS", "1,2,3").split(",")]
SCENARIOS = ["cert-untrusted", "no-machine-cert", "proposal-mismatch", "timeout-nat",
             "kerberos-dc-unreachable", "policy-not-applied", "ikeext-stopped",
             "replay-or-tamper", "dos-mode", "iscsi-chap-mismatch", "iscsi-target-gone"]
# netsh XML carries no host name (WFP net events have no Computer field), so
# a report from it cannot name the host: it is checked for benign handling.
FORMATS = ["evtx", "xml", "jsonl"]
# Causes whose events do not name the peer, so no report can: 4646 carries
# only the DoS-mode notification, and iScsiPrt events keep the target in
# undocumented binary dump data.
PEER_NOT_IN_EVENTS = {"dos-mode", "iscsi-chap-mismatch", "iscsi-target-gone"}


def run(args):
    return subprocess.run([BIN] + args, capture_output=True, text=True, timeout=300)


def peer_found(peer, got):
    """A manifest peer is found when the report names its host or address."""
    return peer.get("host") in got or peer.get("address") in got


def diagnose(path):
    r = run(["diagnose", "--no-db", "--format", "json", path])
    if r.returncode not in (0, 1):
        raise RuntimeError("diagnose exit %d: %s" % (r.returncode, r.stderr[:300]))
    return json.loads(r.stdout)


def matches(finding, truth):
    """Why finding does not match truth, or None."""
    if finding["cause_id"] != truth["cause"]:
        return "cause %s, expected %s" % (finding["cause_id"], truth["cause"])
    if finding["host"] != truth["host"]:
        return "host %s, expected %s" % (finding["host"], truth["host"])
    if truth["cause"] in PEER_NOT_IN_EVENTS:
        return None
    got = set(finding.get("peers") or []) | ({finding["peer"]} if finding.get("peer") else set())
    missing = [p.get("host") or p.get("address") for p in truth.get("peers", []) if not peer_found(p, got)]
    if missing:
        return "peers %s, missing %s" % (sorted(got), missing)
    return None


def check_scenario(tmp, scenario, fmt):
    good = 0
    why = []
    for seed in SEEDS:
        path = os.path.join(tmp, "%s-%d.%s" % (scenario, seed, fmt))
        g = run(["gen", scenario, "--seed", str(seed), "--format", fmt, "-o", path])
        if g.returncode != 0:
            why.append("seed %d: gen exit %d %s" % (seed, g.returncode, g.stderr[:200]))
            continue
        truth = json.load(open(path + ".manifest.json"))["episodes"][0]
        report = diagnose(path)
        findings = [e for e in report["episodes"] if e["finding"]]
        if not findings:
            why.append("seed %d: no finding" % seed)
            continue
        miss = matches(findings[0], truth)
        if miss:
            why.append("seed %d: %s" % (seed, miss))
        else:
            good += 1
        for f in (path, path + ".manifest.json"):
            os.unlink(f)
    return good, why


def check_enterprise(tmp):
    path = os.path.join(tmp, "enterprise.evtx")
    g = run(["gen", "enterprise", "--seed", "7", "--hosts", "12", "--days", "2", "-o", path])
    if g.returncode != 0:
        return 0, 1, ["gen exit %d" % g.returncode]
    truths = [t for t in json.load(open(path + ".manifest.json"))["episodes"] if not t.get("benign")
              and t.get("event_count", 0) > 0]
    findings = [e for e in diagnose(path)["episodes"] if e["finding"]]
    found, why = 0, []
    for t in truths:
        if any(matches(f, t) is None for f in findings):
            found += 1
        else:
            same = [f for f in findings if f["cause_id"] == t["cause"]]
            why.append("%s on %s not found (%d findings of that cause)" % (t["cause"], t["host"], len(same)))
    return found, len(truths), why


def check_quiet(tmp):
    """No finding where nothing fails."""
    paths = []
    for fmt in ("evtx", "netsh"):
        p = os.path.join(tmp, "benign." + fmt)
        if run(["gen", "benign-noise", "--seed", "1", "--format", fmt, "-o", p]).returncode == 0:
            paths.append(p)
    corpus = os.path.join(SHARED, "evtx-corpus", "varied")
    if os.path.isdir(corpus):
        for root, _, files in os.walk(corpus):
            paths += [os.path.join(root, f) for f in sorted(files) if f.endswith(".evtx")]
    bad = []
    for path in paths:
        report = diagnose(path)
        n = sum(1 for e in report["episodes"] if e["finding"])
        if n:
            bad.append("%s: %d findings" % (os.path.basename(path), n))
    return len(paths), bad


# Strict score an estate must reach here (issue 13's target is 97 %); a
# regression floor, not a goal: raise it as the diagnosis improves.
ESTATE_FLOOR = float(os.environ.get("FL_ACCURACY_ESTATE_FLOOR", "0.90"))
ESTATE_SPURIOUS_PER_100 = 1.0


def check_estates(tmp):
    """[(name, ok, text)] for the strict estate checks."""
    out = []
    for form in ("evtx", "mixed"):
        path = os.path.join(tmp, "estate-%s.evtx" % form)
        args = ["gen", "estate", "--seed", "5", "--hosts", "40", "--days", "3", "--size", "6MB",
                "-o", path]
        paths = [path]
        if form == "mixed":
            args += ["--with-netsh", path + ".netsh.xml"]
            paths.append(path + ".netsh.xml")
        g = run(args)
        if g.returncode != 0:
            out.append(("accuracy_estate_" + form, False, "gen exit %d" % g.returncode))
            continue
        r = accuracy_score.score(accuracy_score.load_manifest(path), diagnose_all(paths))
        share = r["found"] / r["incidents"] if r["incidents"] else 0.0
        spurious = 100.0 * r["spurious"] / r["incidents"] if r["incidents"] else 0.0
        # intermittent incidents (successes of the pair between failures)
        # are stated so, and no other is
        right, want, wrong = r["intermittent"]
        ok = share >= ESTATE_FLOOR and spurious <= ESTATE_SPURIOUS_PER_100 and want > 0 and \
            right == want and wrong == 0
        text = "%d/%d incidents strictly right (floor %.0f%%), %d also reported again, %d spurious; %s; %s" % (
            r["found"], r["incidents"], 100 * ESTATE_FLOOR, r["split"], r["spurious"],
            accuracy_score.intermittent_text(r), "; ".join(r["examples"][:2]))
        out.append(("accuracy_estate_" + form, ok, text))
    # EVTX only here: bench/accuracy.py measures every form (notes there)
    path = os.path.join(tmp, "estate-benign.evtx")
    if run(["gen", "estate-benign", "--seed", "5", "--hosts", "40", "--days", "3", "--size", "4MB",
            "-o", path]).returncode == 0:
        n = accuracy_score.quiet_findings(diagnose_all([path]))
        out.append(("accuracy_estate_benign", n == 0, "%d findings on benign-only failures" % n))
    return out


def diagnose_all(paths):
    r = run(["diagnose", "--no-db", "--format", "json"] + paths)
    if r.returncode not in (0, 1):
        raise RuntimeError("diagnose exit %d: %s" % (r.returncode, r.stderr[:300]))
    return json.loads(r.stdout)


def main():
    if not BIN or not os.access(BIN, os.X_OK):
        print("SKIP accuracy: no faultline binary (FL_BIN)")
        return 0
    if run(["gen", "--help"]).returncode != 0:
        print("SKIP accuracy: faultline gen not available")
        return 0
    failed = 0
    total_good = total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in SCENARIOS:
            for fmt in FORMATS:
                good, why = check_scenario(tmp, scenario, fmt)
                total_good += good
                total += len(SEEDS)
                name = "accuracy_%s_%s" % (scenario, fmt)
                if good == len(SEEDS):
                    print("PASS %s (%d/%d seeds)" % (name, good, len(SEEDS)))
                else:
                    failed += 1
                    print("FAIL %s: %d/%d seeds; %s" % (name, good, len(SEEDS), "; ".join(why[:3])))
        found, want, why = check_enterprise(tmp)
        if want and found == want:
            print("PASS accuracy_enterprise (%d/%d episodes found)" % (found, want))
        else:
            failed += 1
            print("FAIL accuracy_enterprise: %d/%d episodes found; %s" % (found, want, "; ".join(why[:4])))
        for name, ok, text in check_estates(tmp):
            failed += not ok
            print("%s %s (%s)" % ("PASS" if ok else "FAIL", name, text) if ok else "FAIL %s: %s" % (name, text))
        n, bad = check_quiet(tmp)
        if bad:
            failed += 1
            print("FAIL no_findings_without_failures: %s" % "; ".join(bad[:4]))
        else:
            print("PASS no_findings_without_failures (%d inputs)" % n)
    print("score: %d/%d scenario runs correct; enterprise %d/%d" % (total_good, total, found, want))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
