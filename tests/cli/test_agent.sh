#!/usr/bin/env bash
# faultline-agent.exe (issue 18) under wine, console mode, against a local
# `faultline serve` on 127.0.0.1: the agent reads its config and replays
# recorded events (dump --format jsonl: Security events and netsh WFP IKE
# failures; then the same as event XML, which takes the live event-log
# path); serve's report equals `faultline diagnose` of the file. Then serve
# is killed (-9) mid-run and restarted, and the spool delivers every event
# exactly once; the service installs, starts, stops and uninstalls under
# wine's service manager; https:// (WinHTTP) refuses a self-signed
# collector unless tls_verify = off. Skips only when mingw-w64 or wine is
# absent. Every wait is bounded; one wine prefix per run, killed at the end.
. "$(dirname "$0")/../cli_lib.sh"
PY=/usr/bin/python3
ROOT=${FL_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
EXE=$ROOT/build/agent/faultline-agent.exe
AGENT_CC=${AGENT_CC:-x86_64-w64-mingw32-gcc}
WINE=$(command -v wine64 || command -v wine || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; })
WINESERVER=$(command -v wineserver || { [ -x /usr/lib/wine/wineserver ] && echo /usr/lib/wine/wineserver; })
if ! command -v "$AGENT_CC" >/dev/null 2>&1; then
  echo "SKIP agent: $AGENT_CC (gcc-mingw-w64-x86-64) not installed"; exit 0; fi
if [ -z "$WINE" ]; then echo "SKIP agent: wine64 not installed"; exit 0; fi
if [ ! -f "$EXE" ]; then
  nice -n 10 make -C "$ROOT" -s agent >"$TMP/make.log" 2>&1 ||
    { echo "FAIL agent_build: $(tail -c 400 "$TMP/make.log")"; exit 0; }
fi
# PE32+ console x86-64: MZ, PE\0\0, machine 0x8664, optional-header magic
# 0x20b, subsystem 3 (what `file` calls "PE32+ executable (console) x86-64").
PE=$("$PY" - "$EXE" <<'EOF'
import struct, sys
b = open(sys.argv[1], 'rb').read(4096)
o = struct.unpack_from('<I', b, 0x3c)[0]
ok = (b[:2] == b'MZ' and b[o:o + 4] == b'PE\0\0' and struct.unpack_from('<H', b, o + 4)[0] == 0x8664
      and struct.unpack_from('<H', b, o + 24)[0] == 0x20b and struct.unpack_from('<H', b, o + 24 + 68)[0] == 3)
print('pe32+' if ok else 'not a PE32+ console x86-64 executable')
EOF
)
if [ "$PE" = "pe32+" ]; then echo "PASS agent_pe32plus"; else echo "FAIL agent_pe32plus: $PE"; fi

export WINEDEBUG=-all WINEPREFIX=$TMP/wine WINEDLLOVERRIDES="mscoree,mshtml="
SERVE_PID= AGENT_PID=
stop_all() {
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
  [ -n "$SERVE_PID" ] && kill -TERM "$SERVE_PID" 2>/dev/null
  wait 2>/dev/null
  [ -n "$WINESERVER" ] && [ -d "$WINEPREFIX" ] && timeout 10 "$WINESERVER" -k 2>/dev/null
  rm -rf "$TMP"
}
trap stop_all EXIT
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
count() { "$FL_BIN" sql --db "$1" --format csv "select count(*) from events" 2>/dev/null | tail -1 | tr -d '\r'; }
start_serve() { # db port [scheme [serve options...]]
  local db=$1 port=$2 scheme=${3:-http}
  shift 3 2>/dev/null || shift $#
  "$FL_BIN" serve --db "$db" --listen "$scheme://127.0.0.1:$port" "$@" 2>>"$TMP/serve.log" &
  SERVE_PID=$!
  for _ in $(seq 1 100); do
    "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
stop_serve() { kill -TERM "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; SERVE_PID=; }
# The findings without what names the input (paths, record ids, evidence order).
findings() {
  "$PY" - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
s = {k: v for k, v in r["summary"].items() if k != "sources"}
print(json.dumps(s, sort_keys=True))
for e in r["episodes"]:
    print(json.dumps({k: v for k, v in e.items() if k not in ("evidence", "times_filetime", "rank", "id")},
                     sort_keys=True))
EOF
}

# Recorded events: a scenario's Security events (in scope and noise) and
# its netsh WFP IKE failures, as `dump --format jsonl` writes them.
"$FL_BIN" gen proposal-mismatch --format jsonl --no-manifest -o "$TMP/g.jsonl" \
  --with-netsh "$TMP/g.netsh.xml" >/dev/null 2>&1
"$FL_BIN" dump --format jsonl "$TMP/g.netsh.xml" >"$TMP/g.netsh.jsonl" 2>/dev/null
{ head -60 "$TMP/g.jsonl"; grep -E '"EventID":(4646|465[0-9]|497[6-9]|498[0-4]|5049|545[0-9])[,}]' "$TMP/g.jsonl"
  grep -E '"EventID":(1005|1007)[,}]' "$TMP/g.netsh.jsonl"; head -40 "$TMP/g.netsh.jsonl"; } >"$TMP/ev.jsonl"
LINES=$(grep -c . "$TMP/ev.jsonl")
"$FL_BIN" diagnose -q --db "$TMP/d.db" --format json "$TMP/ev.jsonl" >"$TMP/want.json" 2>/dev/null
findings "$TMP/want.json" >"$TMP/want.txt"
WANT=$(count "$TMP/d.db")

PORT=$(free_port)
cd "$TMP" || exit 1
cat >agent.conf <<EOF
# faultline-agent test config
collector = http://127.0.0.1:$PORT/ingest
spool_dir = spool
log_file  = agent.log
state_file = agent.state
batch_events = 50
retry_ms = 200
timeout_ms = 5000
EOF
printf 'collector = http://127.0.0.1:1/ingest\nbatch_events = many\n' >bad.conf

# 1. Config errors name file and line; --self-test prints the catalog's queries.
timeout 60 "$WINE" "$EXE" --config bad.conf --replay ev.jsonl >out 2>err
rc=$?
if [ "$rc" -eq 2 ] && grep -q 'bad.conf:2: batch_events' err; then echo "PASS agent_config_error"; else
  echo "FAIL agent_config_error: rc $rc: $(head -c 300 err)"; fi
timeout 30 "$WINE" "$EXE" --config agent.conf --self-test >out 2>err
if grep -q "event log Security: EvtSubscribe query \*\[System\[Provider\[@Name='Microsoft-Windows-Security-Auditing'\] and (EventID=4646 or" out &&
   grep -q "Provider\[@Name='iScsiPrt'\]" out && grep -q 'WFP net events' out; then
  echo "PASS agent_self_test"; else echo "FAIL agent_self_test: $(head -c 400 out) $(head -c 200 err)"; fi
# The self-test's sample WFP IKE MM failure, built in the mingw-w64 structs
# by the Windows binary: the library stores the members it was given.
sed -n 's/^  sample record: //p' out >wfp.jsonl
"$FL_BIN" ingest -q --db wfp.db wfp.jsonl >/dev/null 2>&1
ROW=$("$FL_BIN" sql --db wfp.db --format csv "select host, event_id, kind, error_code, remote_address, remote_port, local_principal, cert_hash, filter_id, keying_module from events" 2>/dev/null | tail -1 | tr -d '\r')
if [ "$ROW" = "sample.host,1005,wfp_mm_failure,13868,192.0.2.160,500,CN=sample,A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3,70000,2" ]; then
  echo "PASS agent_wfp_record_windows_layout"; else echo "FAIL agent_wfp_record_windows_layout: '$ROW' from $(head -c 300 wfp.jsonl)"; fi

# 2. Replay into serve; serve's report equals diagnose of the file.
start_serve s1.db "$PORT" || { echo "FAIL agent_serve_start: $(tail -c 300 serve.log)"; exit 0; }
timeout 60 "$WINE" "$EXE" --config agent.conf --replay ev.jsonl >out 2>err
rc=$?
stop_serve
if [ "$rc" -eq 0 ] && grep -q "$LINES events acknowledged, 0 dropped, 0 rejected, 0 batches left" agent.log; then
  echo "PASS agent_replay"; else echo "FAIL agent_replay: rc $rc: $(tail -c 400 err)"; fi
GOT=$(count s1.db)
if [ -n "$WANT" ] && [ "$GOT" = "$WANT" ]; then echo "PASS agent_replay_count"; else
  echo "FAIL agent_replay_count: serve stored '$GOT', file ingest '$WANT'"; fi
"$FL_BIN" report --db s1.db --format json >got.json 2>/dev/null
findings got.json >got.txt
if [ -s want.txt ] && diff -u want.txt got.txt >diff.txt; then echo "PASS agent_report_equals_diagnose"; else
  echo "FAIL agent_report_equals_diagnose: $(head -c 600 diff.txt)"; fi
if [ "$(cut -f2 agent.state 2>/dev/null)" = "$(wc -c <ev.jsonl | tr -d ' ')" ]; then echo "PASS agent_cursor_saved"; else
  echo "FAIL agent_cursor_saved: state '$(cat agent.state 2>/dev/null)'"; fi

# 2b. The same events as event XML (dump --format xml): the live event-log
# path of the Windows binary (XML -> record -> the library's JSON writer).
"$FL_BIN" dump --format xml ev.jsonl >ev.xml 2>/dev/null
rm -rf spool agent.state
start_serve sx.db "$PORT" || { echo "FAIL agent_serve_start_xml"; exit 0; }
timeout 60 "$WINE" "$EXE" --config agent.conf --replay ev.xml >out 2>err
rc=$?
stop_serve
"$FL_BIN" report --db sx.db --format json >gotx.json 2>/dev/null
findings gotx.json >gotx.txt
if [ "$rc" -eq 0 ] && [ "$(count sx.db)" = "$WANT" ] && diff -u want.txt gotx.txt >diffx.txt; then
  echo "PASS agent_xml_report_equals_diagnose"; else
  echo "FAIL agent_xml_report_equals_diagnose: rc $rc, stored '$(count sx.db)': $(head -c 400 diffx.txt)"; fi

# 3. serve killed (-9) mid-run and restarted: everything arrives, once.
# While serve is down (the agent waits and retries), a second agent on the
# same spool is refused.
rm -rf spool agent.state agent.log
sed -i 's/^batch_events = 50/batch_events = 20\npace_ms = 100\nlog_level = debug/' agent.conf
start_serve s2.db "$PORT" || { echo "FAIL agent_serve_start2"; exit 0; }
timeout 60 "$WINE" "$EXE" --config agent.conf --replay ev.jsonl >out 2>err &
AGENT_PID=$!
for _ in $(seq 1 200); do [ "$(grep -c "events delivered" agent.log 2>/dev/null || true)" -ge 4 ] 2>/dev/null && break; sleep 0.1; done
kill -KILL "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null; SERVE_PID=
for _ in $(seq 1 100); do grep -q 'not delivered' agent.log 2>/dev/null && break; sleep 0.1; done
# While it waits for the collector: a second agent on the same spool is refused.
timeout 60 "$WINE" "$EXE" --config agent.conf --replay ev.jsonl >out2 2>err2
rc=$?
if [ "$rc" -eq 2 ] && grep -q 'in use by another faultline-agent' err2; then echo "PASS agent_spool_locked"; else
  echo "FAIL agent_spool_locked: rc $rc: $(head -c 300 err2)"; fi
start_serve s2.db "$PORT" || { echo "FAIL agent_serve_restart"; exit 0; }
wait "$AGENT_PID"
rc=$?
AGENT_PID=
stop_serve
if grep -q 'not delivered' agent.log && grep -q "$LINES events acknowledged, 0 dropped, 0 rejected, 0 batches left" agent.log &&
   [ "$rc" -eq 0 ]; then echo "PASS agent_spool_survives_killed_collector"; else
  echo "FAIL agent_spool_survives_killed_collector: rc $rc: $(grep -E 'not delivered|acknowledged' agent.log | tail -3)"; fi
if [ -z "$(ls spool 2>/dev/null | grep -v '^lock$')" ]; then echo "PASS agent_spool_empty"; else
  echo "FAIL agent_spool_empty: $(ls spool)"; fi
GOT=$(count s2.db)
if [ "$GOT" = "$WANT" ]; then echo "PASS agent_delivered_once"; else
  echo "FAIL agent_delivered_once: serve stored '$GOT', want '$WANT'"; fi
"$FL_BIN" report --db s2.db --format json >got2.json 2>/dev/null
findings got2.json >got2.txt
if diff -u want.txt got2.txt >diff2.txt; then echo "PASS agent_report_after_kill"; else
  echo "FAIL agent_report_after_kill: $(head -c 600 diff2.txt)"; fi

# 3b. The agent killed (-9) mid-run and started again: it reseals its open
# batch, resends what was not acknowledged, resumes the file after the
# last acknowledged offset; serve stores everything, once.
rm -rf spool agent.state agent.log
start_serve s4.db "$PORT" || { echo "FAIL agent_serve_start4"; exit 0; }
# wine itself in the background (no timeout wrapper), so -9 hits the agent.
"$WINE" "$EXE" --config agent.conf --replay ev.jsonl >out 2>err &
AGENT_PID=$!
for _ in $(seq 1 200); do [ "$(grep -c "events delivered" agent.log 2>/dev/null || true)" -ge 6 ] 2>/dev/null && break; sleep 0.1; done
kill -KILL "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
BEFORE=$(count s4.db)
timeout 60 "$WINE" "$EXE" --config agent.conf --replay ev.jsonl >out 2>err
rc=$?
stop_serve
if [ "$rc" -eq 0 ] && grep -q 'resuming at byte' agent.log && [ "$(count s4.db)" = "$WANT" ] &&
   [ "${BEFORE:-0}" -lt "$WANT" ]; then echo "PASS agent_killed_agent_resumes"; else
  echo "FAIL agent_killed_agent_resumes: rc $rc, stored $BEFORE then '$(count s4.db)' of '$WANT': $(grep -E 'resuming|acknowledged| warn | error ' agent.log | tail -4)"; fi

# 3c. A batch serve refuses for good (HTTP 413: a line over --max-frame) is
# set aside as <id>.rejected instead of blocking the spool; the rest is
# delivered, the exit code says something was not.
rm -rf spool agent.state agent.log
start_serve s5.db "$PORT" http --max-frame 1300 || { echo "FAIL agent_serve_start5"; exit 0; }
timeout 60 "$WINE" "$EXE" --config agent.conf --replay ev.jsonl >out 2>err
rc=$?
stop_serve
REJ=$(ls spool 2>/dev/null | grep -c '\.rejected$')
if [ "$rc" -eq 1 ] && [ "$REJ" -ge 1 ] && grep -q 'refused by the collector (HTTP 413' agent.log &&
   grep -q ' rejected, 0 batches left' agent.log && [ "$(count s5.db)" -gt 0 ]; then
  echo "PASS agent_rejected_batch_set_aside"; else
  echo "FAIL agent_rejected_batch_set_aside: rc $rc, $REJ rejected, stored '$(count s5.db)': $(grep -E 'refused|acknowledged' agent.log | tail -2)"; fi

# 4. The Windows service under wine's service manager: --install records
# "--service --config <absolute path>", sc start runs the capture loop (no
# channels here: wine lacks EvtCreateBookmark; its WFP engine and the WMI
# query fail and are logged), sc stop ends it, --uninstall removes it.
cat >svc.conf <<EOF2
collector = http://127.0.0.1:$PORT/ingest
spool_dir = svcspool
log_file = svc.log
state_file = svc.state
channels =
EOF2
timeout 60 "$WINE" "$EXE" --install --config svc.conf >out 2>err
if grep -q 'installed service faultline-agent: .*--service --config ".*svc.conf"' out; then
  echo "PASS agent_service_install"; else echo "FAIL agent_service_install: $(head -c 300 out) $(head -c 300 err)"; fi
timeout 30 "$WINE" sc start faultline-agent >/dev/null 2>&1
for _ in $(seq 1 300); do grep -q 'WMI: ' svc.log 2>/dev/null && break; sleep 0.1; done
timeout 30 "$WINE" sc stop faultline-agent >/dev/null 2>&1
for _ in $(seq 1 300); do grep -q 'info stopped' svc.log 2>/dev/null && break; sleep 0.1; done
if grep -q 'info started' svc.log && grep -q 'info stopping' svc.log && grep -q 'info stopped' svc.log; then
  echo "PASS agent_service_start_stop"; else echo "FAIL agent_service_start_stop: $(tail -c 400 svc.log 2>/dev/null)"; fi
timeout 60 "$WINE" "$EXE" --uninstall >out 2>err
if grep -q 'removed service faultline-agent' out; then echo "PASS agent_service_uninstall"; else
  echo "FAIL agent_service_uninstall: $(head -c 300 out) $(head -c 300 err)"; fi

# 5. https:// through WinHTTP (wine's, over GnuTLS) to serve's https://
# listener with a self-signed certificate: refused while tls_verify is on,
# delivered with tls_verify = off (the test-only switch).
if command -v openssl >/dev/null 2>&1; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout srv.key -out srv.pem -days 2 \
    -subj /CN=127.0.0.1 >/dev/null 2>&1
  start_serve s3.db "$PORT" https --tls-cert srv.pem --tls-key srv.key ||
    { echo "FAIL agent_https_serve_start: $(tail -c 300 serve.log)"; exit 0; }
  printf 'collector = https://127.0.0.1:%s/ingest\nspool_dir = tspool\nlog_file = tls.log\nstate_file = tls.state\nretry_ms = 200\ntimeout_ms = 5000\n' \
    "$PORT" >tls.conf
  "$WINE" "$EXE" --config tls.conf --replay ev.jsonl >out 2>err &
  AGENT_PID=$!
  for _ in $(seq 1 300); do grep -q 'not delivered' tls.log 2>/dev/null && break; sleep 0.1; done
  kill -KILL "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
  rm -rf tspool tls.state
  if grep -q 'not delivered: https://' tls.log && [ "$(count s3.db)" = 0 ]; then
    echo "PASS agent_https_verifies"; else echo "FAIL agent_https_verifies: $(tail -c 300 tls.log)"; fi
  echo 'tls_verify = off' >>tls.conf
  timeout 60 "$WINE" "$EXE" --config tls.conf --replay ev.jsonl >out 2>err
  rc=$?
  stop_serve
  if [ "$rc" -eq 0 ] && [ "$(count s3.db)" = "$WANT" ]; then echo "PASS agent_https_delivers"; else
    echo "FAIL agent_https_delivers: rc $rc, stored '$(count s3.db)' of '$WANT': $(tail -c 300 tls.log)"; fi
else
  echo "SKIP agent_https: openssl tool not installed"
fi
