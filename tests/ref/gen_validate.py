#!/usr/bin/env python3
"""Every EVTX `faultline gen` writes, read by independent readers.

For each scenario, a small EVTX is generated and read by Debian's python-evtx
(python3-evtx) and libevtx (`evtxexport -f xml`): both must read it without
an error, find the manifest's record count, and agree with the manifest on
every in-scope event: its EventRecordID carries the manifest's event id and
computer. One PASS/FAIL line per reader and scenario; SKIP when a reader is
missing. stdlib + python3-evtx only.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

BIN = os.environ.get("FL_RELEASE_BIN") or os.environ.get("FL_BIN")
SCENARIOS = ["cert-untrusted", "no-machine-cert", "proposal-mismatch", "timeout-nat",
             "kerberos-dc-unreachable", "policy-not-applied", "ikeext-stopped",
             "replay-or-tamper", "dos-mode", "benign-noise", "iscsi-chap-mismatch",
             "iscsi-target-gone", "enterprise", "timeout", "lone-timeout", "benign-reinit",
             "estate", "estate-benign"]
SIZE = os.environ.get("FL_GEN_VALIDATE_SIZE", "150k")

RE_ID = re.compile(r"<EventID[^>]*>(\d+)</EventID>")
RE_RID = re.compile(r"<EventRecordID>(\d+)</EventRecordID>")
RE_COMP = re.compile(r"<Computer>([^<]*)</Computer>")


def events_from_xml(text):
    """{record id: (event id, computer)} from rendered <Event> documents."""
    out = {}
    for chunk in text.split("</Event>"):
        rid, eid, comp = RE_RID.search(chunk), RE_ID.search(chunk), RE_COMP.search(chunk)
        if rid and eid:
            out[int(rid.group(1))] = (int(eid.group(1)), comp.group(1) if comp else "")
    return out


def read_pyevtx(path):
    import Evtx.Evtx as evtx  # Debian python3-evtx
    out = {}
    with evtx.Evtx(path) as log:
        for rec in log.records():
            out.update(events_from_xml(rec.xml()))
    return out


def read_libevtx(path):
    r = subprocess.run(["evtxexport", "-f", "xml", path], capture_output=True, text=True, timeout=300)
    if r.returncode != 0 or "Unable" in r.stderr or "error" in r.stderr.lower():
        raise RuntimeError("evtxexport exit %d: %s" % (r.returncode, r.stderr[:200]))
    return events_from_xml(r.stdout)


def check(manifest, events):
    if len(events) != manifest["record_count"]:
        return "%d records, manifest %d" % (len(events), manifest["record_count"])
    for e in manifest["in_scope"]:
        got = events.get(e["record_id"])
        if not got:
            return "record %d missing" % e["record_id"]
        if got[0] != e["event_id"] or got[1] != e["host"]:
            return "record %d is %s, manifest %s on %s" % (e["record_id"], got, e["event_id"], e["host"])
    return None


def main():
    if not BIN or not os.access(BIN, os.X_OK):
        print("SKIP gen_validate: no faultline binary")
        return 0
    readers = []
    try:
        import Evtx.Evtx  # noqa: F401
        readers.append(("pyevtx", read_pyevtx))
    except ImportError:
        print("SKIP gen_validate_pyevtx: python3-evtx not installed")
    if shutil.which("evtxexport"):
        readers.append(("libevtx", read_libevtx))
    else:
        print("SKIP gen_validate_libevtx: evtxexport (libevtx-utils) not installed")
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in SCENARIOS:
            path = os.path.join(tmp, scenario + ".evtx")
            g = subprocess.run([BIN, "gen", scenario, "--seed", "5", "--size", SIZE, "-o", path],
                               capture_output=True, text=True)
            if g.returncode != 0:
                print("FAIL gen_validate_%s: gen exit %d %s" % (scenario, g.returncode, g.stderr[:200]))
                failed += 1
                continue
            manifest = json.load(open(path + ".manifest.json"))
            for name, read in readers:
                try:
                    why = check(manifest, read(path))
                except Exception as exc:  # a reader error is a failure, with its text
                    why = "%s: %s" % (type(exc).__name__, str(exc)[:200])
                if why:
                    failed += 1
                    print("FAIL gen_validate_%s_%s: %s" % (name, scenario, why))
                else:
                    print("PASS gen_validate_%s_%s (%d records, %d in scope)" % (
                        name, scenario, manifest["record_count"], len(manifest["in_scope"])))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
