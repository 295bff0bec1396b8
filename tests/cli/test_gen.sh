#!/usr/bin/env bash
# End-to-end tests of `faultline gen`: every scenario in every format
# generates (exit 0), XML is well-formed, JSON lines parse, EVTX reads with
# zero errors in Debian's evtxexport with the manifest's record count, same
# arguments give byte-identical output, usage errors exit 2.
# Writes only under $TMP (cli_lib.sh); SKIPs checks whose tool is missing.
# shellcheck source=tests/cli_lib.sh
source "$FL_ROOT/tests/cli_lib.sh"
PY=/usr/bin/python3
SIZE=1MB

expect_exit "gen --help" 0 -- gen --help
expect_out "gen --help shows usage" "usage: faultline gen"
expect_exit "gen --list" 0 -- gen --list
expect_out "gen --list has enterprise" "^enterprise "
expect_exit "gen no args" 2 -- gen
expect_exit "gen unknown scenario" 2 -- gen no-such -o "$TMP/x"
expect_err "gen unknown scenario says so" "unknown scenario"
expect_exit "gen no -o" 2 -- gen dos-mode
expect_exit "gen bad size" 2 -- gen dos-mode --size 12XB -o "$TMP/x"
expect_exit "gen bad format" 2 -- gen dos-mode --format csv -o "$TMP/x"
expect_exit "gen bad option" 2 -- gen dos-mode --frobnicate 1 -o "$TMP/x"
expect_exit "gen unwritable path" 3 -- gen dos-mode --format xml -o "$TMP/no/such/dir/x"

scenarios=$("$FL_BIN" gen --list | awk '{print $1}')
fails=0
for s in $scenarios; do
  for f in evtx xml netsh jsonl; do
    if ! "$FL_BIN" gen "$s" --format "$f" --size $SIZE --hosts 6 -o "$TMP/$s.$f" 2>"$TMP/err"; then
      echo "FAIL gen $s $f: $(head -c 300 "$TMP/err")"; fails=$((fails + 1))
    fi
  done
done
[ "$fails" -eq 0 ] && echo "PASS gen every scenario x format exits 0"
"$FL_BIN" gen enterprise --format xml --xml-style getwinevent --size $SIZE -o "$TMP/ps.xml" 2>/dev/null
"$FL_BIN" gen enterprise --format jsonl --json-style winlogbeat --size $SIZE -o "$TMP/beat.jsonl" 2>/dev/null
"$FL_BIN" gen cert-untrusted --format xml --hostile --size $SIZE -o "$TMP/hostile.xml" 2>/dev/null
"$FL_BIN" gen cert-untrusted --format jsonl --hostile --size $SIZE -o "$TMP/hostile.jsonl" 2>/dev/null

# determinism: same arguments -> same bytes (data and manifest)
for f in evtx xml netsh jsonl; do
  "$FL_BIN" gen enterprise --format "$f" --seed 42 --size $SIZE -o "$TMP/d1.$f" 2>/dev/null
  "$FL_BIN" gen enterprise --format "$f" --seed 42 --size $SIZE -o "$TMP/d2.$f" 2>/dev/null
  if cmp -s "$TMP/d1.$f" "$TMP/d2.$f" && cmp -s "$TMP/d1.$f.manifest.json" "$TMP/d2.$f.manifest.json"; then
    echo "PASS gen deterministic $f"; else echo "FAIL gen deterministic $f: outputs differ"; fi
done

if [ -x "$PY" ]; then
  "$PY" - "$TMP" <<'PYEOF'
import glob, json, os, sys, xml.dom.minidom
tmp = sys.argv[1]
def check(name, fn):
    try:
        fn(); print("PASS " + name)
    except Exception as e:  # report, never abort the other checks
        print("FAIL %s: %s" % (name, str(e)[:300]))
def xml_ok(p):
    return lambda: xml.dom.minidom.parse(p)
def jsonl_ok(p):
    def f():
        n = 0
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                json.loads(line); n += 1
        m = json.load(open(p + ".manifest.json"))
        assert n == m["record_count"], "%d lines, manifest %d" % (n, m["record_count"])
    return f
def manifest_ok(p):
    def f():
        m = json.load(open(p + ".manifest.json"))
        assert len(m["in_scope"]) == m["in_scope_count"]
        assert sum(e["event_count"] for e in m["episodes"]) == m["in_scope_count"]
    return f
for p in sorted(glob.glob(os.path.join(tmp, "*.xml")) + glob.glob(os.path.join(tmp, "*.netsh"))):
    check("well-formed " + os.path.basename(p), xml_ok(p))
for p in sorted(glob.glob(os.path.join(tmp, "*.jsonl"))):
    check("jsonl parses " + os.path.basename(p), jsonl_ok(p))
for p in sorted(glob.glob(os.path.join(tmp, "*.manifest.json"))):
    check("manifest consistent " + os.path.basename(p), manifest_ok(p[:-len(".manifest.json")]))
PYEOF
else
  echo "SKIP gen xml/json validation: $PY missing"
fi

if command -v evtxexport >/dev/null 2>&1; then
  bad=0
  for p in "$TMP"/*.evtx; do
    want=$(grep -o '"record_count": [0-9]*' "$p.manifest.json" | awk '{print $2}')
    got=$(evtxexport "$p" 2>"$TMP/evtxerr" | grep -c '^Event number')
    if [ "$got" != "$want" ] || [ -s "$TMP/evtxerr" ]; then
      echo "FAIL evtxexport $(basename "$p"): $got records, manifest $want; $(head -c 200 "$TMP/evtxerr")"
      bad=1
    fi
  done
  [ "$bad" -eq 0 ] && echo "PASS evtxexport reads every generated EVTX with the manifest's record count"
else
  echo "SKIP evtxexport checks: evtxexport (libevtx-utils) not installed"
fi
