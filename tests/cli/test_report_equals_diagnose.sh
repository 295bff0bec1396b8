#!/usr/bin/env bash
# `faultline report` from the database is the same report as `faultline
# diagnose` of the same inputs (issue 12): same episodes, notes, sources
# with their real formats, evidence record ids (netsh too), in text, JSON
# and CSV; over EVTX + event XML + netsh + JSON in one run, with --db and
# with --no-db. Also: diagnose's sources get a SHA-256 and a format, and a
# diagnose into a database that holds other logs reports only its inputs.
source "$FL_ROOT/tests/cli_lib.sh"
DB="$TMP/fl.db"
gen() { "$FL_BIN" gen "$@" >/dev/null 2>&1 || echo "FAIL gen $*"; }
gen cert-untrusted --seed 4 --format evtx -o "$TMP/c.evtx"
gen policy-not-applied --seed 4 --format xml -o "$TMP/p.xml"
gen timeout-nat --seed 5 --format netsh -o "$TMP/t.netsh"
gen proposal-mismatch --seed 6 --format jsonl -o "$TMP/j.jsonl"
IN=("$TMP/c.evtx" "$TMP/p.xml" "$TMP/t.netsh" "$TMP/j.jsonl")

same() { # NAME FILE1 FILE2
  if [ -s "$2" ] && cmp -s "$2" "$3"; then echo "PASS $1"; else
    echo "FAIL $1: $(diff "$2" "$3" | head -c 400)"; fi
}

expect_exit "diagnose into a database" 1 -- diagnose -q --db "$DB" --format json "${IN[@]}"
cp "$TMP/out" "$TMP/d.json"
expect_exit "report from it" 1 -- report --db "$DB" --format json
cp "$TMP/out" "$TMP/r.json"
same "json: report == diagnose" "$TMP/d.json" "$TMP/r.json"
for fmt in text csv; do
  "$FL_BIN" diagnose -q --db "$DB" --format "$fmt" "${IN[@]}" >"$TMP/d.$fmt" 2>/dev/null
  "$FL_BIN" report --db "$DB" --format "$fmt" >"$TMP/r.$fmt" 2>/dev/null
  same "$fmt: report == diagnose" "$TMP/d.$fmt" "$TMP/r.$fmt"
done
"$FL_BIN" diagnose -q --no-db --format json "${IN[@]}" >"$TMP/n.json" 2>/dev/null
same "json: diagnose --no-db == report" "$TMP/n.json" "$TMP/r.json"

if $PY - "$TMP/r.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
fmts = {s["path"].rsplit("/", 1)[1]: s["format"] for s in d["sources"]}
assert fmts == {"c.evtx": "evtx", "p.xml": "xml", "t.netsh": "netsh", "j.jsonl": "json"}, fmts
assert "netsh-ring-buffer" in [n["id"] for n in d["notes"]], d["notes"]
causes = sorted(e["cause_id"] for e in d["episodes"])
assert len(causes) == 4, causes
for e in d["episodes"]:
    for ev in e["evidence"]:
        assert ev["record_id"] > 0, (e["cause_id"], ev)
PYEOF
then echo "PASS report: real formats, the netsh note, record ids of every input"
else echo "FAIL report: real formats, the netsh note, record ids of every input"; fi

expect_exit "sources of diagnose have a SHA-256 and a format" 0 -- sql --db "$DB" --format csv \
  "SELECT count(*) FROM sources WHERE sha256 IS NULL OR format IS NULL OR status <> 'complete'"
expect_out "none without" '^0'

# a database with other logs: diagnose reports its own inputs only
expect_exit "diagnose one input of a fuller database" 1 -- diagnose -q --db "$DB" --format json "$TMP/c.evtx"
if $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); c=[e["cause_id"] for e in d["episodes"]]; assert c == ["cert-untrusted"], c' "$TMP/out"; then
  echo "PASS diagnose reports its inputs, not the whole database"; else
  echo "FAIL diagnose reports its inputs, not the whole database: $(head -c 300 "$TMP/out")"; fi
