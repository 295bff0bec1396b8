#!/usr/bin/env bash
# bench/serve.sh: faultline serve side by side with file ingest of the same
# events. Never part of `make test` (bounded by timeouts; run it niced).
#   1. throughput: Lumberjack v2 over loopback, windows of 2048 events, the
#      next window only after the ACK (ack-after-commit), vs `faultline
#      ingest` of the same JSON lines file;
#   2. SIGKILL mid-stream: kill -9 while a client streams, restart, resend
#      from the first unacknowledged window: every acknowledged event is
#      stored, none twice (unique keys, counted);
#   3. flood: 4 clients blast octet-counted syslog as fast as they can at a
#      serve with --max-pending 16; peak RSS (VmHWM) must stay < 256 MB.
# usage: bench/serve.sh [BIN] [SIZE]   (default build/release/faultline, 100MB)
set -u
cd "$(dirname "$0")/.."
BIN=${1:-build/release/faultline}
SIZE=${2:-100MB}
PY=/usr/bin/python3
T=$(mktemp -d)
SP=
trap '[ -n "$SP" ] && kill -9 "$SP" 2>/dev/null; rm -rf "$T"' EXIT

start() { # DB ARGS...
  local db=$1; shift
  "$BIN" serve --db "$db" "$@" 2>"$T/serve.log" &
  SP=$!
  for i in $(seq 1 100); do grep -q 'event=ready' "$T/serve.log" && break; sleep 0.1; done
  PORT=$(grep -o 'event=listening spec=[a-z]*://[^ ]*' "$T/serve.log" | head -1 | sed 's/.*://')
}
count() { "$BIN" sql --db "$1" --format csv "select count(*) from events" | tail -1 | tr -d '\r'; }

"$BIN" gen cert-untrusted --format jsonl --json-style winlogbeat --size "$SIZE" --no-manifest -o "$T/ev.jsonl" >/dev/null 2>&1
N=$(wc -l <"$T/ev.jsonl")
echo "events: $N JSON lines ($(du -m "$T/ev.jsonl" | cut -f1) MB, Winlogbeat ECS)"

# ---- 1. throughput ----
s=$(date +%s.%N)
"$BIN" ingest -q --db "$T/file.db" "$T/ev.jsonl"
e=$(date +%s.%N)
FILE_S=$(echo "$e - $s" | bc)
echo "file ingest:          $(printf '%.2f' "$FILE_S") s  $(echo "$N / $FILE_S" | bc) events/s  ($(count "$T/file.db") stored)"

cat >"$T/lj.py" <<'EOF'
# Lumberjack v2 sender(s): windows of W events, each sent only after the
# previous one's ACK (ack-after-commit). Windows are encoded before the clock
# starts, so the time is the server's and the round trips', not Python's.
# CLIENTS connections share the windows (window k goes to client k % CLIENTS).
# TCP_NODELAY as Winlogbeat has it (Go sets it on every TCP connection):
# without it each window's last segment waits ~40 ms for a delayed ACK.
import socket, struct, sys, threading, time
port, path, skip_windows, clients = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
W = 2048
lines = open(path, 'rb').read().splitlines()
wins = [lines[i:i + W] for i in range(0, len(lines), W)]
enc = [b'2W' + struct.pack('>I', len(w)) +
       b''.join(b'2J' + struct.pack('>II', i + 1, len(e)) + e for i, e in enumerate(w)) for w in wins]
log = open(sys.argv[5], 'a') if len(sys.argv) > 5 else None
failed = []
def run(c):
    s = socket.create_connection(('127.0.0.1', port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as Go's net (go-lumber) does
    for k in range(skip_windows + c, len(wins), clients):
        s.sendall(enc[k])
        last = 0
        while last != len(wins[k]):
            d = b''
            while len(d) < 6:
                x = s.recv(6 - len(d))
                if not x:
                    failed.append(k)
                    return
                d += x
            last = struct.unpack('>I', d[2:])[0]
        if log:  # one client when logging: windows are acknowledged in order
            log.write(f'{k + 1}\n'); log.flush()
t0 = time.time()
ts = [threading.Thread(target=run, args=(c,)) for c in range(clients)]
[t.start() for t in ts]; [t.join() for t in ts]
if failed:
    sys.exit(1)
print(f'{len(lines) - skip_windows * W} {time.time() - t0:.3f}')
EOF
for C in 1 4; do
  rm -f "$T/lj.db"*
  start "$T/lj.db" --listen lumberjack://127.0.0.1:0
  read -r SENT SECS < <(timeout 600 "$PY" "$T/lj.py" "$PORT" "$T/ev.jsonl" 0 "$C")
  kill -TERM "$SP"; wait "$SP"; SP=
  echo "serve lumberjack ACK, $C client(s): $(printf '%.2f' "$SECS") s  $(echo "$SENT / $SECS" | bc) events/s  ($(count "$T/lj.db") stored; ratio to file ingest $(echo "scale=2; $FILE_S / $SECS" | bc))"
done

# ---- 2. SIGKILL mid-stream ----
start "$T/kill.db" --listen lumberjack://127.0.0.1:0
: >"$T/acked"
timeout 600 "$PY" "$T/lj.py" "$PORT" "$T/ev.jsonl" 0 1 "$T/acked" >/dev/null &
CP=$!
sleep 1.5
kill -9 "$SP"; wait "$SP" 2>/dev/null; SP=
wait "$CP" 2>/dev/null
ACKED=$(tail -1 "$T/acked"); ACKED=${ACKED:-0}
AT_KILL=$(count "$T/kill.db")
"$PY" -c "
import sys
lines=open('$T/ev.jsonl','rb').read().splitlines()[:$ACKED*2048]
open('$T/acked.jsonl','wb').write(b'\n'.join(lines)+b'\n' if lines else b'')"
if [ -s "$T/acked.jsonl" ]; then "$BIN" ingest -q --db "$T/acked.db" "$T/acked.jsonl"; ACKED_ROWS=$(count "$T/acked.db"); else ACKED_ROWS=0; fi
start "$T/kill.db" --listen lumberjack://127.0.0.1:0
timeout 600 "$PY" "$T/lj.py" "$PORT" "$T/ev.jsonl" "$ACKED" 1 >/dev/null
kill -TERM "$SP"; wait "$SP"; SP=
FINAL=$(count "$T/kill.db")
DUPS=$("$BIN" sql --db "$T/kill.db" --format csv "select count(*) - count(distinct host || '|' || channel || '|' || record_id) from events" | tail -1 | tr -d '\r')
echo "SIGKILL: $ACKED windows acknowledged ($ACKED_ROWS in-scope rows), $AT_KILL rows in the store after kill -9 ($([ "$AT_KILL" -ge "$ACKED_ROWS" ] && echo 'none lost' || echo 'LOST SOME'));"
echo "         after restart and resend from the first unacknowledged window: $FINAL rows (file ingest $(count "$T/file.db")), $DUPS duplicated"

# ---- 3. flood ----
start "$T/flood.db" --listen tcp://127.0.0.1:0 --max-pending 16
cat >"$T/flood.py" <<'EOF'
import socket, sys, threading
port, path = int(sys.argv[1]), sys.argv[2]
data = b''.join(str(len(l)).encode() + b' ' + l for l in open(path, 'rb').read().splitlines())
def blast():
    s = socket.create_connection(('127.0.0.1', port))
    for _ in range(2):
        s.sendall(data)
    s.close()
ts = [threading.Thread(target=blast) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
EOF
timeout 900 "$PY" "$T/flood.py" "$PORT" "$T/ev.jsonl"
HWM=$(grep VmHWM "/proc/$SP/status" | awk '{print $2}')
kill -TERM "$SP"; wait "$SP"; SP=
echo "flood: 4 clients x 2 x $N events octet-counted, --max-pending 16: peak RSS $((HWM / 1024)) MB ($([ "$HWM" -lt 262144 ] && echo '< 256 MB' || echo 'OVER 256 MB')), $(count "$T/flood.db") stored"
