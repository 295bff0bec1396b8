#!/usr/bin/env bash
# Streaming readers side by side (issue 19): time and peak RSS of faultline
# reading event XML (root-less and wrapped), JSON lines, gzip and stdin,
# beside xmllint --stream, jq -c . and zcat on the same bytes. Run by hand,
# never by `make test`; every command is nice'd and bounded by a timeout.
#
#   bench/streaming.sh                  # 10 MB and 100 MB
#   bench/streaming.sh 10MB 100MB 1GB   # sizes for `faultline gen --size`
#
# Must never: run in CI, write outside build/bench/streaming/, or run a
# command without `timeout` (a quadratic regression must not hang a run).
set -u
cd "$(dirname "$0")/.." || exit 1
FL=${FL_BIN:-build/release/faultline}
OUT=build/bench/streaming
LIMIT=${BENCH_TIMEOUT:-600}
mkdir -p "$OUT"
[ -x "$FL" ] || { echo "build first: make" >&2; exit 2; }
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10MB 100MB)

# row NAME CMD...: one line "| NAME | seconds | peak RSS MB |"
row() {
  local name=$1; shift
  local t
  /usr/bin/time -f '%e %M' -o "$OUT/time" timeout "$LIMIT" nice -n 10 "$@" >/dev/null 2>&1
  t=$(tail -n 1 "$OUT/time")
  printf '| %s | %s s | %.1f MB |\n' "$name" "${t%% *}" "$(echo "${t##* } / 1024" | bc -l)"
}
# row_sh NAME 'shell pipeline': the same for a pipeline (peak RSS of its
# largest process)
row_sh() {
  local name=$1 t
  /usr/bin/time -f '%e %M' -o "$OUT/time" timeout "$LIMIT" nice -n 10 bash -c "$2" >/dev/null 2>&1
  t=$(tail -n 1 "$OUT/time")
  printf '| %s | %s s | %.1f MB |\n' "$name" "${t%% *}" "$(echo "${t##* } / 1024" | bc -l)"
}

echo "| row | time | peak RSS |"
echo "|---|---|---|"
for size in "${sizes[@]}"; do
  evtx=$OUT/gen-$size.evtx
  [ -s "$evtx" ] || "$FL" gen cert-untrusted --format evtx --size "$size" --no-manifest -o "$evtx" >/dev/null 2>&1
  xml=$OUT/rootless-$size.xml rooted=$OUT/rooted-$size.xml jsonl=$OUT/gen-$size.jsonl
  [ -s "$xml" ] || "$FL" dump --format xml "$evtx" >"$xml" 2>/dev/null
  [ -s "$rooted" ] || { echo '<Events>'; cat "$xml"; echo '</Events>'; } >"$rooted"
  [ -s "$jsonl" ] || "$FL" dump --format jsonl "$evtx" >"$jsonl" 2>/dev/null
  [ -s "$xml.gz" ] || gzip -1 -c "$xml" >"$xml.gz"
  mb=$(( $(stat -c %s "$xml") / 1000000 ))
  echo "| **$size** (XML $mb MB) | | |"
  row "faultline dump --format jsonl, root-less XML" "$FL" dump --format jsonl "$xml"
  row "faultline dump --format jsonl, <Events> XML" "$FL" dump --format jsonl "$rooted"
  row "faultline dump --id 1 (parse only), root-less XML" "$FL" dump --id 1 "$xml"
  row "xmllint --stream --noout, <Events> XML" xmllint --stream --noout "$rooted"
  row "faultline dump --id 1, JSON lines" "$FL" dump --id 1 "$jsonl"
  row "jq -c ., JSON lines" jq -c . "$jsonl"
  row "faultline dump --id 1, XML gzip" "$FL" dump --id 1 "$xml.gz"
  row "zcat, XML gzip" zcat "$xml.gz"
  row_sh "faultline dump --id 1 -, XML on stdin" "cat '$xml' | '$FL' dump --id 1 -"
  row_sh "faultline ingest -, XML on stdin" "rm -f '$OUT/s.db'; cat '$xml' | '$FL' ingest -q --db '$OUT/s.db' -"
  row_sh "faultline ingest, EVTX" "rm -f '$OUT/i.db'; '$FL' ingest --db '$OUT/i.db' '$evtx'"
  row_sh "faultline ingest again, EVTX (unchanged: no hash)" "'$FL' ingest --db '$OUT/i.db' '$evtx'"
  row_sh "faultline diagnose --no-db, EVTX (time order: direct)" "'$FL' diagnose --no-db '$evtx'"
  row_sh "faultline diagnose --no-db, XML gzip" "'$FL' diagnose --no-db '$xml.gz'"
  row_sh "faultline diagnose --no-db -, XML on stdin" "cat '$xml' | '$FL' diagnose --no-db -"
done
