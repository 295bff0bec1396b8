#!/usr/bin/env bash
# faultline diagnose / report end to end: a generated scenario is diagnosed
# from the file and from the database, idempotently, in every report format;
# usage errors, unusable and partial input have their exit codes.
source "$FL_ROOT/tests/cli_lib.sh"
DB="$TMP/fl.db"
"$FL_BIN" gen cert-untrusted --seed 4 --format evtx -o "$TMP/c.evtx" >/dev/null 2>&1 ||
  { echo "FAIL gen: could not generate the scenario"; exit 1; }
"$FL_BIN" gen policy-not-applied --seed 4 --format xml -o "$TMP/p.xml" >/dev/null 2>&1

expect_exit "diagnose finds (exit 1)" 1 -- diagnose --db "$DB" "$TMP/c.evtx"
expect_out "names the cause" "Credentials rejected: certificate chain not trusted"
expect_out "what to check" "certutil"
expect_out "evidence names the file and record" "c.evtx#record [0-9]+ +event 465[23]"
expect_no_out "no colour when piped" $'\x1b'
cp "$TMP/out" "$TMP/first.txt"
expect_exit "second run" 1 -- diagnose --db "$DB" "$TMP/c.evtx"
COUNT_C="SELECT count(*) AS n FROM events WHERE source_id IN (SELECT id FROM sources WHERE path LIKE '%/c.evtx')"
expect_exit "sql count" 0 -- sql --db "$DB" "$COUNT_C"
n1=$(grep -Eo '^[0-9]+' "$TMP/out" | head -1)
expect_exit "xml diagnosed into the same db" 1 -- diagnose --db "$DB" "$TMP/p.xml"
expect_exit "sql count again" 0 -- sql --db "$DB" "$COUNT_C"
n2=$(grep -Eo '^[0-9]+' "$TMP/out" | head -1)
if [ -n "$n1" ] && [ "$n1" -gt 0 ] && [ "$n1" = "$n2" ]; then echo "PASS re-run stores nothing twice ($n1)"; else
  echo "FAIL re-run stores nothing twice: $n1 then $n2"; fi

expect_exit "report from the database" 1 -- report --db "$DB"
expect_out "report has both causes (cert)" "Credentials rejected"
expect_out "report has both causes (policy)" "IPsec policy was not applied"
expect_exit "report json" 1 -- report --db "$DB" --format json
if /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema_version"] == 1; assert len(d["episodes"]) >= 2' "$TMP/out"; then
  echo "PASS report json parses"; else echo "FAIL report json parses"; fi
expect_exit "report csv" 1 -- report --db "$DB" --format csv
if /usr/bin/python3 -c 'import csv,sys; rows=list(csv.reader(open(sys.argv[1], newline=""))); assert len(rows) >= 3' "$TMP/out"; then
  echo "PASS report csv parses"; else echo "FAIL report csv parses"; fi
expect_exit "diagnose --html" 1 -- diagnose --no-db --html "$TMP/r.html" "$TMP/c.evtx"
if grep -q "<svg" "$TMP/r.html" && ! grep -Eq '<script[^>]+src=|<link[^>]+href=' "$TMP/r.html"; then
  echo "PASS html is self-contained with a timeline"; else echo "FAIL html is self-contained with a timeline"; fi

mkdir -p "$TMP/logs/sub"
cp "$TMP/c.evtx" "$TMP/logs/sub/"
printf 'notes about these logs\n' >"$TMP/logs/README.txt"
expect_exit "a directory is walked" 1 -- diagnose --no-db "$TMP/logs/"
expect_out "the log below it is read" "logs/sub/c.evtx#record [0-9]+ "
expect_err "other files are skipped with a note" "logs/README.txt: skipped: not a log format"

expect_exit "no input" 2 -- diagnose --no-db
expect_exit "bad option" 2 -- diagnose --bogus x
expect_exit "bad format" 2 -- diagnose --format yaml "$TMP/c.evtx"
expect_exit "report takes no inputs" 2 -- report "$TMP/c.evtx"
expect_exit "help" 0 -- diagnose --help
expect_out "help names --html" "--html FILE"
expect_exit "report help" 0 -- report --help
expect_exit "missing input" 3 -- diagnose --no-db "$TMP/nope.evtx"
printf 'not a log' >"$TMP/junk.txt"
expect_exit "unusable input" 3 -- diagnose --no-db "$TMP/junk.txt"
expect_exit "report without a database" 3 -- report --db "$TMP/none.db"
if [ -d "$FL_SHARED/evtx-corpus" ]; then
  expect_exit "no IPsec events: nothing found" 0 -- diagnose --no-db "$FL_SHARED/evtx-corpus/varied/omerbenamram__evtx/security.evtx"
  expect_out "says why nothing was found" "No IPsec|auditpol"
  expect_exit "partial input" 1 -- diagnose --no-db "$FL_SHARED/evtx-corpus/dirty/omerbenamram__evtx/sample_with_a_bad_chunk_magic.evtx"
  expect_err "partial input is located" "chunk [0-9]+ offset 0x"
else
  echo "SKIP corpus cases: $FL_SHARED/evtx-corpus not found"
fi
