#!/usr/bin/env bash
# faultline serve over TLS (OpenSSL): tls:// with a client certificate
# required (a client without one is refused, one with it is stored) and
# https:// for /ingest. Certificates made here by the openssl tool; loopback
# only, bounded waits.
. "$(dirname "$0")/../cli_lib.sh"
PY=/usr/bin/python3
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
count() { "$FL_BIN" sql --db "$1" --format csv "select count(*) from events" 2>/dev/null | tail -1 | tr -d '\r'; }
if ! command -v openssl >/dev/null; then echo "SKIP serve_tls: openssl tool not installed"; exit 0; fi
cd "$TMP" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout srv.key -out srv.pem >/dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=client-ca -keyout ca.key -out ca.pem >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj /CN=winlogbeat -keyout cli.key -out cli.csr >/dev/null 2>&1
openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out cli.pem >/dev/null 2>&1
"$FL_BIN" gen cert-untrusted --format jsonl --no-manifest -o all.jsonl >/dev/null 2>&1
grep -E '"EventID":(4651|4652|4653)' all.jsonl | head -60 >ev.jsonl
"$FL_BIN" ingest -q --db file.db ev.jsonl
WANT=$(count file.db)

expect_exit serve_tls_needs_cert 2 -- serve --db x.db --listen tls://127.0.0.1:0

"$FL_BIN" serve --db tls.db --listen tls://127.0.0.1:0 --listen https://127.0.0.1:0 --tls-cert srv.pem \
  --tls-key srv.key --tls-client-ca ca.pem 2>serve.log &
SERVE_PID=$!
for i in $(seq 1 100); do grep -q 'event=ready' serve.log && break; sleep 0.1; done
PORTS=($(grep -o 'event=listening spec=[a-z]*://[^ ]*' serve.log | sed 's/.*://'))
[ "${#PORTS[@]}" -eq 2 ] || { echo "FAIL serve_tls_start: $(head -c 300 serve.log)"; exit 0; }
"$PY" - "${PORTS[0]}" "${PORTS[1]}" >py.out 2>&1 <<'EOF'
import socket, ssl, sys, time, urllib.request
tp, hp = int(sys.argv[1]), int(sys.argv[2])
lines = open('ev.jsonl', 'rb').read().splitlines()
half = len(lines) // 2
ctx = ssl.create_default_context(cafile='srv.pem')
try:  # no client certificate: refused
    s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', tp), timeout=5), server_hostname='127.0.0.1')
    s.sendall(b'\n'.join(lines) + b'\n')
    print('nocert', 'closed' if s.recv(1) == b'' else 'open')
except (ssl.SSLError, ConnectionResetError, BrokenPipeError, OSError) as e:
    print('nocert refused', type(e).__name__)
ctx.load_cert_chain('cli.pem', 'cli.key')
s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', tp), timeout=5), server_hostname='127.0.0.1')
s.sendall(b'\n'.join(lines[:half]) + b'\n')
time.sleep(1.5)  # a forwarder keeps its connection; see docs/serve.md on abrupt TLS closes
s = s.unwrap()
s.close()
r = urllib.request.Request(f'https://127.0.0.1:{hp}/ingest', data=b'\n'.join(lines[half:]) + b'\n', method='POST')
with urllib.request.urlopen(r, context=ctx, timeout=10) as resp:
    print('https', resp.status, resp.read().decode())
EOF
grep -Eq '^nocert (refused|closed)' py.out && echo "PASS serve_tls_client_cert_required" || echo "FAIL serve_tls_client_cert_required: $(cat py.out)"
grep -Eq '^https 200' py.out && echo "PASS serve_https_ingest" || echo "FAIL serve_https_ingest: $(cat py.out)"
for i in $(seq 1 50); do [ "$(count tls.db)" = "$WANT" ] && break; sleep 0.1; done
[ "$(count tls.db)" = "$WANT" ] && echo "PASS serve_tls_stored" || echo "FAIL serve_tls_stored: $(count tls.db) of $WANT"
kill -TERM "$SERVE_PID"; wait "$SERVE_PID"; rc=$?; SERVE_PID=
[ "$rc" -eq 0 ] && echo "PASS serve_tls_sigterm" || echo "FAIL serve_tls_sigterm: exit $rc"
