#!/usr/bin/env bash
# faultline serve end to end: real rsyslog (Debian) forwarding a file with
# RFC 6587 octet-counted framing into serve; raw TCP clients with lines,
# RFC 3164 syslog, multi-line event XML; UDP syslog; a malformed and an
# oversized frame close only their own connection; events are stored once
# with the same keys as file ingest. Loopback only, every wait bounded.
. "$(dirname "$0")/../cli_lib.sh"
PY=/usr/bin/python3
SERVE_PID=

stop_serve() {
  [ -n "$SERVE_PID" ] || return 0
  kill -TERM "$SERVE_PID" 2>/dev/null
  local rc=0
  wait "$SERVE_PID" || rc=$?
  SERVE_PID=
  return $rc
}
trap 'stop_serve; [ -f "$TMP/rs/pid" ] && kill "$(cat "$TMP/rs/pid")" 2>/dev/null; rm -rf "$TMP"' EXIT

# start_serve DB ARGS... : starts serve in the background, sets PORTS (in the
# order of the --listen options) once every listener is bound.
start_serve() {
  local db=$1; shift
  : >"$TMP/serve.log"
  "$FL_BIN" serve --db "$db" "$@" 2>"$TMP/serve.log" &
  SERVE_PID=$!
  local want i
  want=$(printf '%s\n' "$@" | grep -c -- '^--listen$')
  for i in $(seq 1 100); do
    [ "$(grep -c 'event=ready' "$TMP/serve.log")" -ge 1 ] && break
    sleep 0.1
  done
  PORTS=($(grep -o 'event=listening spec=[a-z]*://[^ ]*' "$TMP/serve.log" | sed 's/.*://'))
  [ "${#PORTS[@]}" -eq "$want" ]
}

count() { "$FL_BIN" sql --db "$1" --format csv "select count(*) from events" 2>/dev/null | tail -1 | tr -d "\r"; }
keys() { "$FL_BIN" sql --db "$1" --format csv "select host, channel, record_id, event_id, time_created from events order by 1, 2, 3" 2>/dev/null; }
# wait_count DB N : until the store has N events (10 s at most)
wait_count() {
  local i
  for i in $(seq 1 100); do
    [ "$(count "$1")" = "$2" ] && return 0
    sleep 0.1
  done
  return 1
}

# events: in-scope failures and out-of-scope noise, as JSON lines and XML
"$FL_BIN" gen cert-untrusted --format jsonl --no-manifest -o "$TMP/all.jsonl" >/dev/null 2>&1
"$FL_BIN" gen proposal-mismatch --format xml --no-manifest -o "$TMP/all.xml" >/dev/null 2>&1
{ grep -E '"EventID":(4651|4652|4653)' "$TMP/all.jsonl" | head -120; head -40 "$TMP/all.jsonl"; } >"$TMP/ev.jsonl"
grep -E '<EventID>(4653|4654)</EventID>' "$TMP/all.xml" | head -30 >"$TMP/ev.xml"
"$FL_BIN" ingest -q --db "$TMP/file.db" "$TMP/ev.jsonl"
"$FL_BIN" ingest -q --db "$TMP/file_all.db" "$TMP/ev.jsonl" "$TMP/ev.xml"
N_JSON=$(count "$TMP/file.db"); N_ALL=$(count "$TMP/file_all.db")

expect_exit serve_no_listen 2 -- serve --db "$TMP/x.db"
expect_exit serve_bad_spec 2 -- serve --db "$TMP/x.db" --listen ftp://127.0.0.1:1
expect_err serve_bad_spec_says "tcp://, tls://, udp://, http://"
# beyond loopback a listener must authenticate its senders (refused before
# anything is bound: these tests never listen beyond 127.0.0.1)
expect_exit serve_exposed_http_refused 2 -- serve --db "$TMP/x.db" --listen http://0.0.0.0:0
expect_err serve_exposed_says "cannot tell who sends: give --token-file"
expect_exit serve_exposed_tcp_refused 2 -- serve --db "$TMP/x.db" --listen tcp://10.255.255.1:0
expect_exit serve_exposed_udp_refused 2 -- serve --db "$TMP/x.db" --listen udp://0.0.0.0:0

# ---- rsyslog: imfile -> omfwd octet-counted RFC 5424 -> serve ----
if [ ! -x /usr/sbin/rsyslogd ]; then
  echo "SKIP serve_rsyslog: /usr/sbin/rsyslogd not installed (Debian package rsyslog)"
elif ! start_serve "$TMP/rs.db" --listen tcp://127.0.0.1:0; then
  echo "FAIL serve_rsyslog: serve did not start: $(head -c 300 "$TMP/serve.log")"
else
  mkdir -p "$TMP/rs"
  cp "$TMP/ev.jsonl" "$TMP/rs/in.jsonl"
  cat >"$TMP/rs/rsyslog.conf" <<EOF
global(workDirectory="$TMP/rs" maxMessageSize="256k")
module(load="imfile")
input(type="imfile" File="$TMP/rs/in.jsonl" Tag="winlogbeat" ruleset="fwd" freshStartTail="off")
ruleset(name="fwd") {
  action(type="omfwd" target="127.0.0.1" port="${PORTS[0]}" protocol="tcp"
         TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
}
EOF
  timeout 20 /usr/sbin/rsyslogd -n -f "$TMP/rs/rsyslog.conf" -i "$TMP/rs/pid" 2>"$TMP/rs/err" &
  RS=$!
  if wait_count "$TMP/rs.db" "$N_JSON"; then echo "PASS serve_rsyslog_octet_counted"; else
    echo "FAIL serve_rsyslog_octet_counted: $(count "$TMP/rs.db") of $N_JSON events; rsyslog: $(head -c 300 "$TMP/rs/err")"; fi
  kill "$RS" 2>/dev/null; wait "$RS" 2>/dev/null
  if stop_serve; then echo "PASS serve_sigterm_exit_0"; else echo "FAIL serve_sigterm_exit_0"; fi
  if [ "$(keys "$TMP/rs.db")" = "$(keys "$TMP/file.db")" ]; then echo "PASS serve_same_keys_as_ingest"; else
    echo "FAIL serve_same_keys_as_ingest: stored rows differ from file ingest"; fi
fi

# ---- raw clients: lines, RFC 3164, multi-line XML, UDP, bad frames ----
if ! start_serve "$TMP/raw.db" --listen tcp://127.0.0.1:0 --listen udp://127.0.0.1:0 --max-frame 65536; then
  echo "FAIL serve_start: $(head -c 300 "$TMP/serve.log")"
  exit 0
fi
"$PY" - "${PORTS[0]}" "${PORTS[1]}" "$TMP/ev.jsonl" "$TMP/ev.xml" >"$TMP/py.out" 2>&1 <<'EOF'
import socket, sys, time
tcp, udp, jl, xl = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
lines = open(jl, 'rb').read().splitlines()
xmls = open(xl, 'rb').read().splitlines()
good = socket.create_connection(('127.0.0.1', tcp), timeout=5)
# first half as bare JSON lines, in small pieces
half = b'\n'.join(lines[: len(lines) // 2]) + b'\n'
for i in range(0, len(half), 777):
    good.sendall(half[i:i + 777])
# a malformed octet-counted stream and an oversized line: their connections close
bad = socket.create_connection(('127.0.0.1', tcp), timeout=5)
bad.sendall(b'12x{"a":1}\n')
big = socket.create_connection(('127.0.0.1', tcp), timeout=5)
big.sendall(b'{"x":"' + b'a' * 100000 + b'"}\n')
for s, name in ((bad, 'malformed'), (big, 'oversized')):
    try:
        print(name, 'closed' if s.recv(1) == b'' else 'open')
    except (ConnectionResetError, socket.timeout) as e:
        print(name, 'closed' if isinstance(e, ConnectionResetError) else 'open')
# the good connection goes on: second half as RFC 3164 syslog lines
for l in lines[len(lines) // 2:]:
    good.sendall(b'<14>Dec  3 07:00:00 WIN01 nxlog: ' + l + b'\n')
good.sendall(b'<14>Dec  3 07:00:00 WIN01 sshd[1]: not an event\n')
# event XML, pretty-printed over lines, on its own connection
x = socket.create_connection(('127.0.0.1', tcp), timeout=5)
for e in xmls[: len(xmls) // 2]:
    x.sendall(b'<?xml version="1.0"?>\n' + e.replace(b'><', b'>\n  <') + b'\n')
x.close()
good.close()
# the rest of the XML as RFC 5424 syslog datagrams
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for e in xmls[len(xmls) // 2:]:
    u.sendto(b'<14>1 2026-12-03T07:00:00Z WIN01 nxlog - - - ' + e, ('127.0.0.1', udp))
    time.sleep(0.002)
EOF
grep -q '^malformed closed' "$TMP/py.out" && echo "PASS serve_malformed_closes" || echo "FAIL serve_malformed_closes: $(cat "$TMP/py.out")"
grep -q '^oversized closed' "$TMP/py.out" && echo "PASS serve_oversized_closes" || echo "FAIL serve_oversized_closes: $(cat "$TMP/py.out")"
WANT=$N_ALL
if wait_count "$TMP/raw.db" "$WANT"; then echo "PASS serve_lines_syslog_xml_udp"; else
  echo "FAIL serve_lines_syslog_xml_udp: $(count "$TMP/raw.db") of $WANT events; $(tail -c 400 "$TMP/serve.log")"; fi
grep -q 'reason="octet-counted frame without a length"' "$TMP/serve.log" && echo "PASS serve_logs_reason" || echo "FAIL serve_logs_reason"

# the same events again: stored once
"$PY" - "${PORTS[0]}" "$TMP/ev.jsonl" <<'EOF'
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5)
s.sendall(open(sys.argv[2], 'rb').read())
s.close()
EOF
sleep 1
if stop_serve; then
  if [ "$(count "$TMP/raw.db")" = "$WANT" ]; then echo "PASS serve_stored_once"; else
    echo "FAIL serve_stored_once: $(count "$TMP/raw.db") events, want $WANT"; fi
  if [ "$(keys "$TMP/raw.db")" = "$(keys "$TMP/file_all.db")" ]; then echo "PASS serve_raw_same_keys_as_ingest"; else
    echo "FAIL serve_raw_same_keys_as_ingest: stored rows differ from file ingest"; fi
else
  echo "FAIL serve_stored_once: serve did not exit 0: $(tail -c 300 "$TMP/serve.log")"
fi

# systemd socket activation: systemd-socket-activate holds the TCP socket and
# starts serve on the first connection with it (LISTEN_FDS); serve takes it
# instead of binding (a bind would fail: the port is held)
SA=/usr/bin/systemd-socket-activate
if [ ! -x "$SA" ]; then echo "SKIP serve_socket_activation: $SA not installed (Debian package systemd)"; else
  SAP=$("$PY" -c 'import socket; a = socket.socket(); a.bind(("127.0.0.1", 0)); print(a.getsockname()[1])')
  timeout 60 "$SA" -l "127.0.0.1:$SAP" "$FL_BIN" serve --db "$TMP/sa.db" \
    --listen "tcp://127.0.0.1:$SAP" 2>"$TMP/sa.log" &
  SA_PID=$!
  for _ in $(seq 1 50); do "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', $SAP), timeout=1).close()" 2>/dev/null && break; sleep 0.1; done
  "$PY" - "$SAP" "$TMP/ev.jsonl" <<'PYEOF'
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5)
s.sendall(open(sys.argv[2], 'rb').read())
s.close()
PYEOF
  wait_count "$TMP/sa.db" "$N_JSON"
  kill -TERM "$SA_PID" 2>/dev/null; wait "$SA_PID" 2>/dev/null
  if grep -q "event=socket_activated spec=tcp://127.0.0.1:$SAP" "$TMP/sa.log" && [ "$(count "$TMP/sa.db")" = "$N_JSON" ]; then
    echo "PASS serve_socket_activation ($N_JSON events over the passed socket)"
  else echo "FAIL serve_socket_activation: $(count "$TMP/sa.db") of $N_JSON events: $(head -c 400 "$TMP/sa.log")"; fi
fi

# sd_notify (libsystemd, loaded when serve starts): READY=1 once bound,
# STOPPING=1 on SIGTERM, to the datagram socket NOTIFY_SOCKET names
if "$PY" - "$FL_BIN" "$TMP" >"$TMP/notify.out" 2>&1 <<'PYEOF'
import os, socket, subprocess, sys
path = os.path.join(sys.argv[2], "notify.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(path); s.settimeout(20)
p = subprocess.Popen([sys.argv[1], "serve", "--db", os.path.join(sys.argv[2], "n.db"), "--listen", "tcp://127.0.0.1:0"],
                     env=dict(os.environ, NOTIFY_SOCKET=path), stderr=subprocess.DEVNULL)
got = [s.recv(100)]
p.terminate()
got.append(s.recv(100))
p.wait(timeout=20)
print(got)
sys.exit(0 if got == [b"READY=1", b"STOPPING=1"] else 1)
PYEOF
then echo "PASS serve_sd_notify"; else echo "FAIL serve_sd_notify: $(head -c 300 "$TMP/notify.out")"; fi
