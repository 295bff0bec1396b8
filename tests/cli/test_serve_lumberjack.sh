#!/usr/bin/env bash
# faultline serve as a Logstash for Winlogbeat: a Lumberjack v2 session as
# go-lumber writes it (window frame, then JSON frames; one window sent
# zlib-compressed in a 'C' frame, one plain) replayed byte for byte on a raw
# socket. Checks the ACKs (the last seq of each window, only once stored),
# that a broken frame closes only its connection, and that stored rows equal
# file ingest of the same events. Loopback only, bounded waits.
. "$(dirname "$0")/../cli_lib.sh"
PY=/usr/bin/python3
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
count() { "$FL_BIN" sql --db "$1" --format csv "select count(*) from events" 2>/dev/null | tail -1 | tr -d '\r'; }
keys() { "$FL_BIN" sql --db "$1" --format csv "select host, channel, record_id, event_id, time_created from events order by 1, 2, 3" 2>/dev/null; }

"$FL_BIN" gen cert-untrusted --format jsonl --json-style winlogbeat --no-manifest -o "$TMP/wlb.jsonl" >/dev/null 2>&1
{ grep -E '"code":"(4651|4652|4653)"' "$TMP/wlb.jsonl" | head -100; head -20 "$TMP/wlb.jsonl"; } >"$TMP/ev.jsonl"
"$FL_BIN" ingest -q --db "$TMP/file.db" "$TMP/ev.jsonl"
WANT=$(count "$TMP/file.db")

"$FL_BIN" serve --db "$TMP/lj.db" --listen lumberjack://127.0.0.1:0 2>"$TMP/serve.log" &
SERVE_PID=$!
for i in $(seq 1 100); do grep -q 'event=ready' "$TMP/serve.log" && break; sleep 0.1; done
PORT=$(grep -o 'event=listening spec=lumberjack://[^ ]*' "$TMP/serve.log" | sed 's/.*://')
[ -n "$PORT" ] || { echo "FAIL serve_lumberjack_start: $(head -c 300 "$TMP/serve.log")"; exit 0; }

"$PY" - "$PORT" "$TMP/ev.jsonl" "$TMP/lj.db" "$FL_BIN" >"$TMP/py.out" 2>&1 <<'EOF'
import socket, struct, subprocess, sys, zlib
port, jl, db, fl = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
lines = open(jl, 'rb').read().splitlines()
half = len(lines) // 2
def window(n): return b'2W' + struct.pack('>I', n)
def jframes(evs): return b''.join(b'2J' + struct.pack('>II', i + 1, len(e)) + e for i, e in enumerate(evs))
w1, w2 = lines[:half], lines[half:]
# go-lumber: seq restarts at 1 per window; compression wraps the data frames
c = zlib.compress(jframes(w1), 3)
session = window(len(w1)) + b'2C' + struct.pack('>I', len(c)) + c + window(len(w2)) + jframes(w2)
s = socket.create_connection(('127.0.0.1', port), timeout=20)
s.sendall(session)
acks, buf = [], b''
while len(acks) < 64:
    d = s.recv(6 - len(buf))
    if not d:
        break
    buf += d
    if len(buf) == 6:
        assert buf[:2] == b'2A', buf
        acks.append(struct.unpack('>I', buf[2:])[0])
        buf = b''
        if acks[-1] == len(w2) and len(acks) >= 2 and len(w1) in acks:
            break
print('acks', acks, 'windows', len(w1), len(w2))
print('last-ack-per-window', len(w1) in acks and acks[-1] == len(w2))
# acknowledged means stored: count right after the last ACK
n = subprocess.run([fl, 'sql', '--db', db, '--format', 'csv', 'select count(*) from events'],
                   capture_output=True, text=True).stdout.split()[-1]
print('stored-at-ack', n)
# a broken frame closes this connection, not the listener
b = socket.create_connection(('127.0.0.1', port), timeout=5)
b.sendall(b'2X\x00\x00\x00\x01')
try:
    print('bad', 'closed' if b.recv(1) == b'' else 'open')
except ConnectionResetError:
    print('bad closed')
s.close()
t = socket.create_connection(('127.0.0.1', port), timeout=5)
t.sendall(window(1) + jframes(lines[:1]))
print('after-bad-ack', struct.unpack('>I', t.recv(6)[2:])[0])
EOF
check() { if grep -Eq -- "$2" "$TMP/py.out"; then echo "PASS $1"; else echo "FAIL $1: $(tr '\n' ' ' <"$TMP/py.out" | head -c 600)"; fi; }
check serve_lumberjack_acks_last_seq '^last-ack-per-window True'
check serve_lumberjack_ack_after_commit "^stored-at-ack $WANT\$"
check serve_lumberjack_bad_frame_closes '^bad closed'
check serve_lumberjack_others_unaffected '^after-bad-ack 1$'
kill -TERM "$SERVE_PID"; wait "$SERVE_PID"; rc=$?; SERVE_PID=
[ "$rc" -eq 0 ] && echo "PASS serve_lumberjack_sigterm" || echo "FAIL serve_lumberjack_sigterm: exit $rc"
if [ "$(keys "$TMP/lj.db")" = "$(keys "$TMP/file.db")" ]; then echo "PASS serve_lumberjack_same_keys_as_ingest"; else
  echo "FAIL serve_lumberjack_same_keys_as_ingest: $(count "$TMP/lj.db") rows vs $WANT"; fi
