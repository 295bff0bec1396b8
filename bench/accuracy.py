#!/usr/bin/env python3
"""Diagnosis accuracy on generated estates (issue 13 item 6): for every seed,
estate size and input form, `faultline gen` writes an estate with ground
truth and `faultline diagnose` is scored strictly against it
(tests/ref/accuracy_score.py). Prints one table row per estate size and input
form, then totals, calibration per confidence band, the benign-only check,
and the most frequent failure modes with one example each.

usage: bench/accuracy.py [--seeds 1,2,3,4,5] [--estates 40x3,70x5,100x7]
                         [--formats evtx,xml,netsh,jsonl,mixed] [--size auto]
                         [--bin build/release/faultline] [--scenario estate]
                         [--benign evtx,xml,netsh,jsonl,mixed]
Run it bounded and niced, e.g.
  timeout 1800 nice -n 10 bench/accuracy.py
Seeds here are for measuring, never for tuning: results in docs/diagnosis.md.
Never writes outside $BENCH_DIR (default a temporary directory).
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
import accuracy_score as acc  # noqa: E402

EXT = {"evtx": "evtx", "xml": "xml", "netsh": "netsh.xml", "jsonl": "jsonl", "mixed": "evtx"}


def gen(args, seed, hosts, days, fmt, path):
    """Writes the estate; returns the input paths to diagnose."""
    size = args.size if args.size != "auto" else str(hosts * days * 150000)
    cmd = ["gen", args.scenario, "--seed", str(seed), "--hosts", str(hosts), "--days", str(days),
           "--size", size, "-o", path]
    paths = [path]
    if fmt == "mixed":
        cmd += ["--format", "evtx", "--with-netsh", path + ".netsh.xml"]
        paths.append(path + ".netsh.xml")
    else:
        cmd += ["--format", fmt]
    r = acc.run(args.gen_bin or args.bin, cmd)
    if r.returncode != 0:
        raise RuntimeError("gen %s: exit %d %s" % (" ".join(cmd), r.returncode, r.stderr[:300]))
    return paths


def one(args, tmp, seed, hosts, days, fmt):
    path = os.path.join(tmp, "estate-%d-%d-%d.%s" % (seed, hosts, days, EXT[fmt]))
    paths = gen(args, seed, hosts, days, fmt, path)
    res = acc.score(acc.load_manifest(path), acc.diagnose(args.bin, paths))
    for p in paths + [path + ".manifest.json"]:
        if os.path.exists(p):
            os.unlink(p)
    return res


def pct(a, b):
    return "%.1f%%" % (100.0 * a / b) if b else "-"


def row(label, t):
    return "| %s | %d | %d | %s | %d | %d | %.1f | %s | %s |" % (
        label, t["incidents"], t["found"], pct(t["found"], t["incidents"]), t["split"], t["spurious"],
        100.0 * t["spurious"] / t["incidents"] if t["incidents"] else 0.0, acc.band_text(t["bands"]),
        acc.intermittent_text(t))


def benign_check(args, tmp):
    """Benign-only estates: every finding is a false alarm."""
    out = []
    for fmt in [f for f in args.benign.split(",") if f]:
        total = 0
        for seed in args.seeds_list:
            path = os.path.join(tmp, "benign-%d.%s" % (seed, EXT[fmt]))
            cmd = ["gen", "estate-benign", "--seed", str(seed), "--hosts", "40", "--days", "3",
                   "--size", "18MB" if args.size == "auto" else args.size, "-o", path]
            paths = [path]
            if fmt == "mixed":
                cmd += ["--with-netsh", path + ".netsh.xml"]
                paths.append(path + ".netsh.xml")
            else:
                cmd += ["--format", fmt]
            r = acc.run(args.gen_bin or args.bin, cmd)
            if r.returncode != 0:
                out.append("%s: gen exit %d" % (fmt, r.returncode))
                break
            total += acc.quiet_findings(acc.diagnose(args.bin, paths))
            for p in paths + [path + ".manifest.json"]:
                os.unlink(p)
        out.append("%s: %d findings" % (fmt, total))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--estates", default="40x3,70x5,100x7")
    ap.add_argument("--formats", default="evtx,xml,netsh,jsonl,mixed")
    ap.add_argument("--size", default="auto", help="per estate; auto: 150 kB per host and day")
    ap.add_argument("--scenario", default="estate")
    ap.add_argument("--bin", default=os.environ.get("FL_BIN", "build/release/faultline"))
    ap.add_argument("--gen-bin", default="", help="binary for gen when measuring an older diagnose")
    ap.add_argument("--examples", type=int, default=12)
    ap.add_argument("--benign", default="evtx,xml,netsh,jsonl,mixed",
                    help="forms of the benign-only check ('' skips it)")
    args = ap.parse_args()
    seeds = args.seeds_list = [int(s) for s in args.seeds.split(",")]
    estates = [tuple(int(x) for x in e.split("x")) for e in args.estates.split(",")]
    formats = args.formats.split(",")
    if acc.run(args.gen_bin or args.bin, ["gen", args.scenario, "--help"]).returncode != 0:
        sys.exit("bench/accuracy.py: %s cannot run gen" % args.bin)
    start = time.time()
    grand = {}
    tmpdir = os.environ.get("BENCH_DIR")
    with tempfile.TemporaryDirectory(dir=tmpdir) as tmp:
        print("| estate (hosts x days) | form | incidents | strict | % | also reported again | spurious | spurious per 100 | calibration (band: correct/findings) | state |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for hosts, days in estates:
            for fmt in formats:
                t = {}
                for seed in seeds:
                    acc.add(t, one(args, tmp, seed, hosts, days, fmt))
                acc.add(grand, t)
                print(row("%dx%d | %s" % (hosts, days, fmt), t), flush=True)
        print(row("all | all", grand))
        print()
        if args.benign:
            print("benign-only estates (40 hosts x 3 days, every seed): " + "; ".join(benign_check(args, tmp)))
    print("seeds %s, --size %s, %s, %.0f s" % (args.seeds, args.size, args.scenario, time.time() - start))
    print()
    print("failure modes (cause, mode: incidents):")
    for (cause, mode), n in sorted(grand["modes"].items(), key=lambda kv: -kv[1]):
        print("  %-26s %-7s %d" % (cause, mode, n))
    seen = set()
    print("examples:")
    for ex in grand["examples"]:
        key = tuple(ex.split()[:2])
        if key in seen or len(seen) >= args.examples:
            continue
        seen.add(key)
        print("  " + ex)
    return 0


if __name__ == "__main__":
    sys.exit(main())
