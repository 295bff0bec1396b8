#!/usr/bin/env bash
# End-to-end tests of the non-EVTX inputs through `faultline dump`: the real
# samples (SKIP without ../shared), conversion to JSON lines, stdin, gzip,
# a directory, a bad line located by line:column with exit 1, an unknown
# file with exit 3, and round trips through `faultline gen` for every
# scenario and format (generate -> dump -> the manifest's records are all
# there). The gen part SKIPs until `faultline gen --help` works.
# Never writes outside $TMP (cli_lib.sh); needs bash, grep, gzip, python3.
set -u
: "${FL_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${FL_BIN:=$FL_ROOT/build/asan/faultline}"
export FL_BIN
# shellcheck source-path=SCRIPTDIR source=../cli_lib.sh
source "$FL_ROOT/tests/cli_lib.sh"
PY=/usr/bin/python3
SAMPLES=${FL_SHARED:-$FL_ROOT/../shared}/samples

# json_lines NAME : stdout is JSON lines, each an evtx_dump-shaped event.
json_lines() {
  if "$PY" - "$TMP/out" <<'EOF'; then echo "PASS $1"; else echo "FAIL $1: stdout is not evtx_dump JSON lines"; fi
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)["Event"]
    assert "System" in e
    n += 1
assert n > 0
EOF
}

# ---- hand-made inputs (no ../shared needed) --------------------------------
cat > "$TMP/a.xml" <<'EOF'
<Events>
<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing'/><EventID>4653</EventID><Channel>Security</Channel><Computer>h1</Computer></System><EventData><Data Name='FailureReason'>Negotiation timed out</Data></EventData></Event>
<Event><System><EventID>5453</EventID></System></Event>
</Events>
EOF
expect_exit inputs_xml 0 -- dump "$TMP/a.xml"
expect_out inputs_xml_out '<Data Name="FailureReason">Negotiation timed out</Data>'
expect_exit inputs_xml_jsonl 0 -- dump --format jsonl "$TMP/a.xml"
json_lines inputs_xml_jsonl_valid
expect_exit inputs_xml_filter 0 -- dump --id 5453 "$TMP/a.xml"
expect_no_out inputs_xml_filter_out '4653'

"$FL_BIN" dump --format jsonl - < "$TMP/a.xml" > "$TMP/stdin.out" 2>/dev/null
"$FL_BIN" dump --format jsonl "$TMP/a.xml" > "$TMP/file.out" 2>/dev/null
if cmp -s "$TMP/stdin.out" "$TMP/file.out"; then echo "PASS inputs_stdin"; else echo "FAIL inputs_stdin: differs from the file"; fi

gzip -c "$TMP/a.xml" > "$TMP/a.dat"
expect_exit inputs_gzip 0 -- dump "$TMP/a.dat"
expect_out inputs_gzip_out '<EventID>4653</EventID>'

printf '{"EventID":1,"SourceName":"A"}\n{"EventID":2,"SourceName":}\n{"EventID":3,"SourceName":"A"}\n' > "$TMP/b.jsonl"
expect_exit inputs_bad_line 1 -- dump "$TMP/b.jsonl"
expect_err inputs_bad_line_located 'b\.jsonl:2:[0-9]+: error: event skipped'
expect_err inputs_bad_line_summary '2 records read, 1 skipped'
expect_out inputs_bad_line_rest '<EventID>3</EventID>'

printf '<Events><Event><System><EventID>1</EventID></System></Event><Event><System><EventID>2' > "$TMP/t.xml"
expect_exit inputs_truncated 1 -- dump "$TMP/t.xml"
expect_err inputs_truncated_located 't\.xml:1:[0-9]+: error: event skipped'

# issue 14 item 3: a truncated event in the middle loses only itself
{ printf '<Event><System><EventID>4651</EventID></System></Event>\n'
  printf '<Event><System><EventID>4652</EventID><Level>0</Lev\n'
  printf '<Event><System><EventID>4653</EventID></System></Event>\n'; } > "$TMP/mid.xml"
expect_exit inputs_mid_truncated 1 -- dump --format jsonl "$TMP/mid.xml"
expect_out inputs_mid_truncated_third '"EventID":4653'
expect_err inputs_mid_truncated_where 'mid\.xml:3:1: error: event skipped: the event from line 2: '
expect_err inputs_mid_truncated_summary '2 records read, 1 skipped'

printf 'hello\n' > "$TMP/u.txt"
expect_exit inputs_unknown 3 -- dump "$TMP/u.txt"

mkdir -p "$TMP/dir/sub"
cp "$TMP/a.xml" "$TMP/dir/2.xml"
printf '{"EventID":7,"SourceName":"A"}\n' > "$TMP/dir/1.json"
cp "$TMP/a.xml" "$TMP/dir/sub/3.xml"
printf 'notes\n' > "$TMP/dir/readme"
expect_exit inputs_dir 1 -- dump "$TMP/dir"   # a skipped file makes it partial
n=$(grep -c '^<Event ' "$TMP/out")
if [ "$n" = 5 ] && head -n 1 "$TMP/out" | grep -q '<EventID>7</EventID>'; then
  echo "PASS inputs_dir_order"; else echo "FAIL inputs_dir_order: $n events"; fi
expect_err inputs_dir_skip 'readme: .*warning: file skipped'

# ---- issue 19: no input makes faultline wait; skipped inputs say why -------
mkdir -p "$TMP/fdir"
cp "$TMP/a.xml" "$TMP/fdir/1.xml"
mkfifo "$TMP/fdir/2.fifo"
ln -s "$TMP/nowhere" "$TMP/fdir/3.link"
cp "$TMP/a.xml" "$TMP/fdir/4.xml"
FL_T0=$SECONDS
"$FL_BIN" dump "$TMP/fdir" >"$TMP/out" 2>"$TMP/err" </dev/null &
FL_PID=$!
( sleep 20; kill "$FL_PID" 2>/dev/null ) &
FL_GUARD=$!
wait "$FL_PID"; rc=$?
kill "$FL_GUARD" 2>/dev/null; wait "$FL_GUARD" 2>/dev/null
if [ "$rc" = 1 ] && [ $((SECONDS - FL_T0)) -lt 20 ]; then echo "PASS inputs_fifo_in_dir"; else
  echo "FAIL inputs_fifo_in_dir: exit $rc after $((SECONDS - FL_T0)) s; $(head -c 300 "$TMP/err")"; fi
expect_err inputs_fifo_in_dir_why '2\.fifo: .*skipped: a FIFO'
expect_err inputs_dangling_link_why '3\.link: .*skipped: dangling or looping symbolic link'
if [ "$(grep -c '<EventID>4653</EventID>' "$TMP/out")" = 2 ]; then echo "PASS inputs_fifo_rest_read"; else
  echo "FAIL inputs_fifo_rest_read: $(grep -c '<EventID>' "$TMP/out") events"; fi
# diagnose DIR: the same FIFO is skipped with a note (not silently), exit partial
"$FL_BIN" diagnose --no-db "$TMP/fdir" >"$TMP/out" 2>"$TMP/err" </dev/null &
FL_PID=$!
( sleep 20; kill "$FL_PID" 2>/dev/null ) &
FL_GUARD=$!
wait "$FL_PID"; rc=$?
kill "$FL_GUARD" 2>/dev/null; wait "$FL_GUARD" 2>/dev/null
if [ "$rc" = 1 ]; then echo "PASS diagnose_fifo_in_dir"; else
  echo "FAIL diagnose_fifo_in_dir: exit $rc; $(head -c 300 "$TMP/err")"; fi
expect_err diagnose_fifo_in_dir_why '2\.fifo: skipped: a FIFO'
expect_err diagnose_dangling_link_why '3\.link: skipped: dangling or looping symbolic link'
# names with control characters are escaped in messages
bad="$TMP/bad$(printf '\033')[31mname.xml"
printf '<Event><System><EventID>x</EventID></System></Event>' > "$bad"
"$FL_BIN" dump "$bad" >/dev/null 2>"$TMP/err"
if grep -q "$(printf '\033')" "$TMP/err"; then echo "FAIL inputs_name_escaped: raw ESC on stderr"; else
  echo "PASS inputs_name_escaped"; fi
expect_err inputs_name_escaped_shown 'bad\\x1b\[31mname\.xml'
rm -f "$bad"
# a FIFO named on its own is read
mkfifo "$TMP/named.fifo"
( cat "$TMP/a.xml" > "$TMP/named.fifo" ) &
expect_exit inputs_named_fifo 0 -- dump --format jsonl "$TMP/named.fifo"
expect_out inputs_named_fifo_out '"EventID":4653'

# a gzip bomb (legal XML: events around a huge run of blanks, as many
# gzip members) stops at the ratio guard, keeping the event before it
/usr/bin/python3 - "$TMP/bomb.xml.gz" <<'PY'
import gzip, sys, zlib
ev = b"<Event><System><EventID>4653</EventID></System></Event>\n"
blank = gzip.compress(b" " * (1 << 20), 9)
with open(sys.argv[1], "wb") as f:
    f.write(gzip.compress(ev))
    for _ in range(200):   # 200 MiB of blanks from ~200 KiB
        f.write(blank)
    f.write(gzip.compress(ev))
PY
expect_exit inputs_gzip_bomb 1 -- dump --format jsonl "$TMP/bomb.xml.gz"
expect_err inputs_gzip_bomb_why 'bomb.xml.gz:[0-9]+:[0-9]+: error: gzip data inflates more than 250:1'
expect_out inputs_gzip_bomb_kept '"EventID":4653'

# standard input is streamed: a stream bigger than the limit leaves RSS flat
# (release build: ASan's shadow memory would hide it)
if [ -x "${FL_RELEASE_BIN:-}" ] && [ -x /usr/bin/time ]; then
  line='<Event><System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>4653</EventID><Channel>Security</Channel><Computer>h1</Computer></System><EventData><Data Name="FailureReason">Negotiation timed out</Data></EventData></Event>'
  yes "$line" | head -c 48000000 | /usr/bin/time -f '%M' -o "$TMP/rss" \
    "$FL_RELEASE_BIN" dump --id 1 - >/dev/null 2>"$TMP/err"
  kb=$(tail -n 1 "$TMP/rss")
  if [ "$kb" -lt 24000 ]; then echo "PASS inputs_stdin_bounded_rss"; else
    echo "FAIL inputs_stdin_bounded_rss: peak RSS $kb KB for a 48 MB stream"; fi
  # the pipeline (ingest, diagnose) streams it too, fingerprinting as it reads
  yes "$line" | head -c 48000000 | /usr/bin/time -f '%M' -o "$TMP/rss" \
    "$FL_RELEASE_BIN" ingest -q --db "$TMP/stdin-rss.db" - >/dev/null 2>"$TMP/err"
  kb=$(tail -n 1 "$TMP/rss")
  if [ "$kb" -lt 40000 ]; then echo "PASS inputs_stdin_ingest_bounded_rss"; else
    echo "FAIL inputs_stdin_ingest_bounded_rss: peak RSS $kb KB for a 48 MB stream"; fi
  want=$(yes "$line" | head -c 48000000 | sha256sum | cut -c1-64)
  n=$((48000000 / (${#line} + 1))) # whole lines; the cut-off last one is skipped
  got=$("$FL_RELEASE_BIN" sql --db "$TMP/stdin-rss.db" --format csv \
    "SELECT sha256 || ' ' || records_read FROM sources WHERE path = '-'" 2>&1 | tail -n 1 | tr -d '\r')
  if [ "$got" = "$want $n" ]; then echo "PASS inputs_stdin_ingest_sha256"; else
    echo "FAIL inputs_stdin_ingest_sha256: stored '$got', want '$want $n'"; fi
else
  echo "SKIP inputs_stdin_bounded_rss: no release build or /usr/bin/time"
fi

# ---- a netsh item nested too deep: skipped once, no phantom records ----------
python3 - "$TMP/deep-netsh.xml" <<'PY'
import sys
item = ('<item><header><timeStamp>2024-03-08T08:37:08.704Z</timeStamp></header>'
        '<type>FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE</type></item>')
deep = '<item>' + '<item>' * 300 + '</item>' * 300 + '</item>'
open(sys.argv[1], 'w').write('<?xml version="1.0"?>\n<netEvents>' + item + deep + item + '</netEvents>')
PY
expect_exit inputs_netsh_deep 1 -- dump "$TMP/deep-netsh.xml"
expect_err inputs_netsh_deep_skipped 'nested too deep'
expect_no_out inputs_netsh_deep_no_phantom '<EventID>65535</EventID>'
expect_err inputs_netsh_deep_two_read ' 2 records read'

# ---- the real samples --------------------------------------------------------
if [ -d "$SAMPLES" ]; then
  expect_exit inputs_netsh_sample 0 -- dump "$SAMPLES/wfp-netevent-classifydrop-msdocs.xml"
  expect_out inputs_netsh_sample_id '<Provider Name="Microsoft-Windows-WFP"/><EventID>65283</EventID>'
  expect_out inputs_netsh_sample_addr '<Data Name="remoteAddrV4">10.195.33.252</Data>'
  expect_exit inputs_evtx_dump_sample 0 -- dump --format jsonl "$SAMPLES/evtx_dump-json-security-4688.snap"
  expect_out inputs_evtx_dump_sample_out '"EventID":4688,"Version":2'
  json_lines inputs_evtx_dump_sample_valid
  expect_exit inputs_winlogbeat_sample 0 -- dump "$SAMPLES/winlogbeat-security-4964.golden.json"
  expect_out inputs_winlogbeat_sample_out '<EventRecordID>68620</EventRecordID>'
else
  echo "SKIP inputs_samples: $SAMPLES not found"
fi

# ---- round trips through faultline gen -------------------------------------
if ! "$FL_BIN" gen --help >/dev/null 2>&1; then
  echo "SKIP inputs_gen_round_trip: 'faultline gen --help' does not work yet"
  exit 0
fi
# check_manifest NAME DATA : every in-scope record of DATA.manifest.json is in
# the dump (matched by event id and time to the millisecond; netsh IKE
# failures by time, ids 1005/1007/1009), and the record count is the same.
check_manifest() {
  local why
  why=$("$PY" - "$2.manifest.json" "$TMP/out" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
recs = [json.loads(l)["Event"]["System"] for l in open(sys.argv[2], encoding="utf-8")]
if len(recs) != m["record_count"]:
    sys.exit("%d records read, manifest says %d" % (len(recs), m["record_count"]))
have = set()
for s in recs:
    eid = s.get("EventID")
    eid = eid["#text"] if isinstance(eid, dict) else eid
    if eid in (1005, 1007, 1009):
        eid = "ike"
    have.add((eid, s["TimeCreated"]["#attributes"]["SystemTime"][:23]))
netsh = m.get("format") == "netsh"
for e in m["in_scope"]:
    key = ("ike" if netsh else e["event_id"], e["time"][:23])
    if key not in have:
        sys.exit("in-scope record %r not read" % (e,))
EOF
)
  if [ -z "$why" ]; then echo "PASS $1"; else echo "FAIL $1: $why"; fi
}
scenarios=$("$FL_BIN" gen --list 2>/dev/null | awk '{print $1}')
for sc in $scenarios; do
  for v in "xml" "xml --xml-style getwinevent" "netsh" "jsonl" \
           "jsonl --json-style winlogbeat" "evtx"; do
    # shellcheck disable=SC2086
    set -- $v
    f=$TMP/g-$sc-$1
    tag=$sc-$(echo "$v" | tr ' ' '_' | sed 's/--//g')
    if ! "$FL_BIN" gen "$sc" --format $v --size 150k -o "$f" >/dev/null 2>&1; then
      echo "FAIL inputs_gen_$tag: faultline gen failed"
      continue
    fi
    "$FL_BIN" dump --threads 1 --format jsonl "$f" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ "$rc" -ne 0 ]; then
      echo "FAIL inputs_gen_$tag: dump exit $rc: $(head -c 300 "$TMP/err")"
      continue
    fi
    check_manifest "inputs_gen_$tag" "$f"
    rm -f "$f" "$f.manifest.json"
  done
done
