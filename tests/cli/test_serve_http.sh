#!/usr/bin/env bash
# faultline serve over HTTP: a Winlogbeat-style Elasticsearch session (GET /,
# /_license, template/ILM setup, gzip'd POST /_bulk) replayed byte for byte
# on a raw socket; POST /ingest; OTLP/HTTP JSON with raw event XML; the
# bearer token; /healthz; and Debian's Prometheus scraping /metrics, queried
# through its API. Stored rows equal file ingest of the same events.
# Loopback only, every wait bounded.
. "$(dirname "$0")/../cli_lib.sh"
PY=/usr/bin/python3
SERVE_PID= PROM_PID=
stop_serve() {
  [ -n "$SERVE_PID" ] || return 0
  kill -TERM "$SERVE_PID" 2>/dev/null
  local rc=0
  wait "$SERVE_PID" || rc=$?
  SERVE_PID=
  return $rc
}
trap 'stop_serve; [ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

count() { "$FL_BIN" sql --db "$1" --format csv "select count(*) from events" 2>/dev/null | tail -1 | tr -d '\r'; }
keys() { "$FL_BIN" sql --db "$1" --format csv "select host, channel, record_id, event_id, time_created from events order by 1, 2, 3" 2>/dev/null; }
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$FL_BIN" gen cert-untrusted --format jsonl --json-style winlogbeat --no-manifest -o "$TMP/wlb.jsonl" >/dev/null 2>&1
"$FL_BIN" gen kerberos-dc-unreachable --format xml --no-manifest -o "$TMP/all.xml" >/dev/null 2>&1
{ grep -E '"code":"(4651|4652|4653)"' "$TMP/wlb.jsonl" | head -90; head -30 "$TMP/wlb.jsonl"; } >"$TMP/ev.jsonl"
grep -E '<EventID>(4653|4984)</EventID>' "$TMP/all.xml" | head -20 >"$TMP/ev.xml"
"$FL_BIN" ingest -q --db "$TMP/file.db" "$TMP/ev.jsonl" "$TMP/ev.xml"
WANT=$(count "$TMP/file.db")
echo "s3cret-token" >"$TMP/token"

"$FL_BIN" serve --db "$TMP/h.db" --listen http://127.0.0.1:0 --token-file "$TMP/token" 2>"$TMP/serve.log" &
SERVE_PID=$!
for i in $(seq 1 100); do grep -q 'event=ready' "$TMP/serve.log" && break; sleep 0.1; done
PORT=$(grep -o 'event=listening spec=http://[^ ]*' "$TMP/serve.log" | sed 's/.*://')
if [ -z "$PORT" ]; then echo "FAIL serve_http_start: $(head -c 300 "$TMP/serve.log")"; exit 0; fi

"$PY" - "$PORT" "$TMP/ev.jsonl" "$TMP/ev.xml" >"$TMP/py.out" 2>&1 <<'EOF'
import gzip, json, socket, sys, urllib.request
port, jl, xl = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lines = open(jl, 'rb').read().splitlines()
xmls = open(xl, 'rb').read().splitlines()
AUTH = b'Authorization: Bearer s3cret-token\r\n'

def http(method, path, body=b'', headers=b''):
    return (method.encode() + b' ' + path.encode() + b' HTTP/1.1\r\nHost: 127.0.0.1\r\n'
            b'User-Agent: Go-http-client/1.1\r\nAccept: application/json\r\n' + AUTH + headers +
            b'Content-Length: ' + str(len(body)).encode() + b'\r\n\r\n' + body)

# A Winlogbeat elasticsearch-output session as it goes on the wire: version
# check, license, ILM policy and index template checks/puts, then gzip'd bulks.
third = len(lines) // 3
bulks = [b''.join(b'{"create":{"_index":"winlogbeat-8.11.0"}}\n' + l + b'\n' for l in part)
         for part in (lines[:third], lines[third:2 * third])]
session = (http('GET', '/') + http('GET', '/_license?human=false') +
           http('GET', '/_ilm/policy/winlogbeat') +
           http('PUT', '/_ilm/policy/winlogbeat', b'{"policy":{}}', b'Content-Type: application/json\r\n') +
           http('GET', '/_index_template/winlogbeat-8.11.0') +
           http('PUT', '/_index_template/winlogbeat-8.11.0', b'{"index_patterns":[]}', b'Content-Type: application/json\r\n') +
           b''.join(http('POST', '/_bulk', gzip.compress(b, mtime=0),
                         b'Content-Type: application/x-ndjson\r\nContent-Encoding: gzip\r\n') for b in bulks))
s = socket.create_connection(('127.0.0.1', port), timeout=20)
s.sendall(session)
data = b''
while data.count(b'HTTP/1.1 ') < 8 or not data.endswith(b']}'):
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
s.close()
print('es-statuses', ' '.join(x.split(b' ')[1].decode() for x in data.split(b'HTTP/1.1')[1:]))
print('es-product', b'X-Elastic-Product: Elasticsearch' in data)
print('es-version', b'"number":"8.11.0"' in data)
print('bulk-items', data.count(b'"status":201'), 2 * third)
print('bulk-errors-false', data.count(b'"errors":false'))

def req(method, path, body=None, headers={}, auth=True):
    h = dict(headers)
    if auth:
        h['Authorization'] = 'Bearer s3cret-token'
    r = urllib.request.Request(f'http://127.0.0.1:{port}{path}', data=body, method=method, headers=h)
    try:
        with urllib.request.urlopen(r, timeout=20) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()

print('noauth', req('POST', '/ingest', b'{}\n', auth=False)[0])
print('badauth', req('POST', '/ingest', b'{}\n', {'Authorization': 'Bearer nope'}, auth=False)[0])
print('healthz', *req('GET', '/healthz', auth=False))
st, body = req('POST', '/ingest', b'\n'.join(lines[2 * third:]) + b'\n')
print('ingest', st, body.decode())
otlp = {"resourceLogs": [{"resource": {"attributes": []}, "scopeLogs": [{"scope": {}, "logRecords": [
    {"timeUnixNano": "1701590400000000000", "body": {"stringValue": x.decode()}} for x in xmls]}]}]}
print('otlp', *req('POST', '/v1/logs', gzip.compress(json.dumps(otlp).encode()),
                   {'Content-Type': 'application/json', 'Content-Encoding': 'gzip'}))
print('otlp-bad', req('POST', '/v1/logs', b'{"nope":1}')[0])
page = req('GET', '/', headers={'Accept': 'text/html'})[1]
print('page', b'<h1>faultline serve</h1>' in page)
print('page-episode', b'<td>cert-untrusted</td>' in page)
print('metrics-episodes', [l for l in req('GET', '/metrics')[1].decode().splitlines() if l.startswith('faultline_serve_episodes_open ')])
print('unknown', req('GET', '/nothing/here')[0])
EOF
check() { if grep -Eq -- "$2" "$TMP/py.out"; then echo "PASS $1"; else echo "FAIL $1: $(tr '\n' ' ' <"$TMP/py.out" | head -c 600)"; fi; }
check serve_es_session_statuses '^es-statuses 200 200 200 200 200 200 200 200$'
check serve_es_product_header '^es-product True'
check serve_es_version '^es-version True'
check serve_bulk_per_item_status '^bulk-items ([0-9]+) \1$'
check serve_bulk_errors_false '^bulk-errors-false 2$'
check serve_token_required '^noauth 401$'
check serve_token_wrong '^badauth 401$'
check serve_healthz_open '^healthz 200'
check serve_ingest_after_commit '^ingest 200 \{"accepted":[0-9]+\}'
check serve_otlp_xml '^otlp 200'
check serve_otlp_rejects_non_otlp '^otlp-bad 400$'
check serve_live_page '^page True'
check serve_live_page_episode '^page-episode True'
check serve_metrics_episodes_open "^metrics-episodes \\['faultline_serve_episodes_open [1-9]"
check serve_unknown_404 '^unknown 404$'
# answered only after commit: the rows are there as soon as the answers are
if [ "$(count "$TMP/h.db")" = "$WANT" ]; then echo "PASS serve_http_committed_before_answer"; else
  echo "FAIL serve_http_committed_before_answer: $(count "$TMP/h.db") of $WANT events"; fi

# ---- Prometheus scrapes /metrics ----
if [ ! -x /usr/bin/prometheus ]; then
  echo "SKIP serve_prometheus_scrape: /usr/bin/prometheus not installed (Debian package prometheus)"
else
  PP=$(free_port)
  mkdir -p "$TMP/prom"
  cat >"$TMP/prom/prometheus.yml" <<EOF
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: faultline
    authorization: {credentials_file: $TMP/token}
    static_configs: [{targets: ['127.0.0.1:$PORT']}]
EOF
  timeout 60 /usr/bin/prometheus --config.file="$TMP/prom/prometheus.yml" --storage.tsdb.path="$TMP/prom/data" \
    --web.listen-address="127.0.0.1:$PP" >"$TMP/prom/log" 2>&1 &
  PROM_PID=$!
  GOT=
  for i in $(seq 1 150); do
    GOT=$("$PY" - "$PP" 2>/dev/null <<'EOF'
import json, sys, urllib.request
u = f'http://127.0.0.1:{sys.argv[1]}/api/v1/query?query=faultline_serve_events_inserted'
r = json.load(urllib.request.urlopen(u, timeout=2))
print(r['data']['result'][0]['value'][1])
EOF
)
    [ -n "$GOT" ] && break
    sleep 0.2
  done
  if [ "$GOT" = "$WANT" ]; then echo "PASS serve_prometheus_scrape"; else
    echo "FAIL serve_prometheus_scrape: Prometheus says '$GOT', want $WANT; $(tail -c 300 "$TMP/prom/log")"; fi
  kill "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null; PROM_PID=
fi

if stop_serve; then echo "PASS serve_http_sigterm_exit_0"; else echo "FAIL serve_http_sigterm_exit_0: $(tail -c 300 "$TMP/serve.log")"; fi
if [ "$(keys "$TMP/h.db")" = "$(keys "$TMP/file.db")" ]; then echo "PASS serve_http_same_keys_as_ingest"; else
  echo "FAIL serve_http_same_keys_as_ingest: $(count "$TMP/h.db") rows vs $WANT from file ingest"; fi
