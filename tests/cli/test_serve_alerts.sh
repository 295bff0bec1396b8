#!/usr/bin/env bash
# faultline serve alerts (issue 16 item 3) with real parts, loopback only,
# every wait bounded: Debian's prometheus-alertmanager receives the alerts
# of a diagnosed failure episode fed over POST /ingest (labels checked
# through its API v2, latency from the feed measured against group_wait + 1 s),
# a later feed closes the episode and Alertmanager's own webhook notice says
# resolved with endsAt; benign events never alert; a generic webhook answering
# 500 first is retried; --check-config reports errors with line numbers.
. "$(dirname "$0")/../cli_lib.sh"
PY=/usr/bin/python3
AM=/usr/bin/prometheus-alertmanager
SERVE_PID= AM_PID= HOOK_PID=
cleanup() {
  [ -n "$SERVE_PID" ] && kill -TERM "$SERVE_PID" 2>/dev/null
  [ -n "$AM_PID" ] && kill "$AM_PID" 2>/dev/null
  [ -n "$HOOK_PID" ] && kill "$HOOK_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --check-config: good and bad files (no server needed)
cat >"$TMP/bad.conf" <<'CONF'
[serve]
listen = tcp://127.0.0.1:0
[alerts]
group_wait = soon
[receiver x]
type = pager
CONF
expect_exit check_config_bad 2 -- serve --config "$TMP/bad.conf" --check-config
expect_err check_config_line_numbers 'bad.conf:4: wants a duration.*'
expect_err check_config_type 'bad.conf:6: unknown receiver type'

if [ ! -x "$AM" ]; then echo "SKIP serve_alerts: $AM not installed (Debian prometheus-alertmanager)"; exit 0; fi

AMP=$(free_port) HP=$(free_port) UP=$(free_port)
# the local listener: /am gets Alertmanager's webhook notices, /hook is
# faultline's generic webhook receiver and answers 500 to its first POST
"$PY" - "$HP" "$TMP/hook.log" "$UP" "$TMP/cef.log" >"$TMP/hook.out" 2>&1 <<'PYEOF' &
import http.server, sys, json, time, socket, threading
port, log = int(sys.argv[1]), sys.argv[2]
def cef(uport, path):  # the syslog host of the cef receiver (UDP)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', uport))
    while True:
        d = u.recv(65536)
        with open(path, 'ab') as f: f.write(d + b'\n')
threading.Thread(target=cef, args=(int(sys.argv[3]), sys.argv[4]), daemon=True).start()
state = {'hook': 0}
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        code = 200
        if self.path == '/hook':
            state['hook'] += 1
            if state['hook'] == 1: code = 500
        with open(log, 'a') as f:
            f.write(json.dumps({'t': time.time(), 'path': self.path, 'code': code, 'body': body.decode('utf-8', 'replace')}) + '\n')
        self.send_response(code); self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(('127.0.0.1', port), H).serve_forever()
PYEOF
HOOK_PID=$!

cat >"$TMP/am.yml" <<CONF
route:
  receiver: hook
  group_by: ['alertname', 'host']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:$HP/am
        send_resolved: true
CONF
"$AM" --config.file="$TMP/am.yml" --storage.path="$TMP/am-data" --web.listen-address="127.0.0.1:$AMP" \
  --cluster.listen-address= --log.level=warn >"$TMP/am.log" 2>&1 &
AM_PID=$!

cat >"$TMP/serve.conf" <<CONF
# faultline serve config for the test
[serve]
listen = http://127.0.0.1:0
db = $TMP/s.db

[alerts]
group_by = alertname, host
group_wait = 1s
group_interval = 1s
repeat_interval = 1h
min_confidence = 0.5
backoff = 200ms
retries = 3

[receiver am]
type = alertmanager
url = http://127.0.0.1:$AMP/api/v2/alerts

[receiver hook]
type = webhook
url = http://127.0.0.1:$HP/hook

[receiver siem]
type = cef
url = udp://127.0.0.1:$UP
CONF
expect_exit check_config_good 0 -- serve --config "$TMP/serve.conf" --check-config
expect_out check_config_good_out 'config OK: 1 listen, 3 receivers'

"$FL_BIN" gen benign-reinit --format jsonl --no-manifest --host-offset 200 --time-shift -2 -o "$TMP/benign.jsonl" >/dev/null 2>&1
"$FL_BIN" gen cert-untrusted --format jsonl --no-manifest -o "$TMP/a.jsonl" >/dev/null 2>&1
"$FL_BIN" gen kerberos-dc-unreachable --format jsonl --no-manifest --host-offset 100 --time-shift 30 -o "$TMP/b.jsonl" >/dev/null 2>&1

AM_UP=
for i in $(seq 1 300); do "$PY" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$AMP/-/ready', timeout=1)" 2>/dev/null && { AM_UP=1; break; }; sleep 0.1; done
if [ -z "$AM_UP" ]; then echo "FAIL serve_alerts_alertmanager_start: not ready in 30 s: $(head -c 300 "$TMP/am.log")"; exit 0; fi
"$FL_BIN" serve --config "$TMP/serve.conf" 2>"$TMP/serve.log" &
SERVE_PID=$!
for i in $(seq 1 100); do grep -q 'event=ready' "$TMP/serve.log" && break; sleep 0.1; done
PORT=$(grep -o 'event=listening spec=http://[^ ]*' "$TMP/serve.log" | sed 's/.*://')
if [ -z "$PORT" ]; then echo "FAIL serve_alerts_start: $(head -c 300 "$TMP/serve.log")"; exit 0; fi

timeout 60 "$PY" - "$PORT" "$AMP" "$TMP" >"$TMP/py.out" 2>&1 <<'PYEOF'
import json, sys, time, urllib.request
port, amp, tmp = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def post(path):
    data = open(path, 'rb').read()
    r = urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:%d/ingest' % port, data=data, method='POST'), timeout=30)
    return r.status
def am_alerts():
    return json.load(urllib.request.urlopen('http://127.0.0.1:%d/api/v2/alerts' % amp, timeout=5))
def hook_log():
    try: return [json.loads(l) for l in open(tmp + '/hook.log')]
    except FileNotFoundError: return []
ok = lambda name, cond, why='': print(('PASS ' if cond else 'FAIL ') + name + ('' if cond else ': ' + why))
# benign events never alert
post(tmp + '/benign.jsonl')
time.sleep(2.5)
ok('serve_alerts_benign_silent', am_alerts() == [], repr(am_alerts())[:300])
# a failure episode: alert in Alertmanager with the right labels
t0 = time.time()
post(tmp + '/a.jsonl')
t_ack = time.time()
got, lat = [], None
while time.time() - t0 < 15:
    got = [a for a in am_alerts() if a['labels'].get('alertname') == 'cert-untrusted']
    if got: lat = time.time() - t0; break
    time.sleep(0.05)
ok('serve_alerts_alertmanager', bool(got), 'no alert in Alertmanager')
if got:
    l = got[0]['labels']
    ok('serve_alerts_labels', all(k in l for k in ('alertname', 'host', 'severity')) and l['severity'] in ('warning', 'critical'), repr(l))
    ok('serve_alerts_annotations', got[0]['annotations'].get('summary', '') != '', repr(got[0]['annotations']))
    # from the POST (first failure sent) and from its answer (committed)
    print('MEASURE alert_latency_s %.3f from the POST, %.3f from its ack (group_wait 1 s)' % (lat, lat - (t_ack - t0)))
    # target: group_wait + 1 s (reported by the MEASURE line); the check is
    # loose so a loaded CI machine does not fail it, but a stuck sender does
    ok('serve_alerts_latency_bounded', lat < 1.0 + 8.0, 'latency %.3f s' % lat)
hosts = sorted({a['labels']['host'] for a in got})
# a later feed (30 days on) closes the episode: a resolved notice with endsAt
post(tmp + '/b.jsonl')
res, t1 = [], time.time()
while time.time() - t1 < 15:
    for e in hook_log():
        if e['path'] != '/am': continue
        b = json.loads(e['body'])
        for a in b.get('alerts', []):
            if a['status'] == 'resolved' and a['labels'].get('alertname') == 'cert-untrusted' and not a['endsAt'].startswith('0001'):
                res.append(a)
    if res: break
    time.sleep(0.1)
ok('serve_alerts_resolved', bool(res), 'no resolved notice from Alertmanager; hosts %r' % hosts)
# the generic webhook: the first POST got 500, a retry delivered
hook = [e for e in hook_log() if e['path'] == '/hook']
# (other groups' notices may come between: the retry is the later 200 with the same body)
again = [e for e in hook[1:] if hook and e['body'] == hook[0]['body'] and e['code'] == 200]
ok('serve_alerts_webhook_retry', len(hook) >= 2 and hook[0]['code'] == 500 and len(again) >= 1 and
   again[0]['t'] - hook[0]['t'] >= 0.15, repr([(e['code'], round(e['t'], 2)) for e in hook])[:300])
ok('serve_alerts_webhook_shape', len(hook) > 0 and json.loads(hook[0]['body'])['alerts'][0]['labels']['alertname'] != '')
m = urllib.request.urlopen('http://127.0.0.1:%d/metrics' % port, timeout=5).read().decode()
sent = [l for l in m.splitlines() if l.startswith('faultline_serve_alerts_sent ')]
ok('serve_alerts_metrics', sent and int(sent[0].split()[1]) >= 3, repr(sent))
try: lines = open(tmp + '/cef.log', 'rb').read().splitlines()
except FileNotFoundError: lines = []
c = [l for l in lines if b'CEF:0|faultline|faultline|' in l and b'|cert-untrusted|' in l]
ok('serve_alerts_cef', bool(c) and c[0].startswith(b'<36>1 ') and b'|act=firing ' in c[0] and b' shost=' in c[0], repr(lines[:2])[:300])
PYEOF
cat "$TMP/py.out"
grep -q 'PASS serve_alerts_resolved' "$TMP/py.out" || { echo "--- serve.log"; tail -5 "$TMP/serve.log"; }
# SIGHUP re-reads the config
kill -HUP "$SERVE_PID"
for i in $(seq 1 50); do grep -q 'event=reload' "$TMP/serve.log" && break; sleep 0.1; done
if grep -q 'event=reload receivers=3' "$TMP/serve.log"; then echo "PASS serve_alerts_sighup"; else echo "FAIL serve_alerts_sighup: $(grep reload "$TMP/serve.log" | head -c 300)"; fi
# a bad file on SIGHUP: logged with its line, the old config stays
printf '[alerts]\ngroup_wait = never\n' >>"$TMP/serve.conf"
kill -HUP "$SERVE_PID"
for i in $(seq 1 50); do grep -q 'event=reload_failed' "$TMP/serve.log" && break; sleep 0.1; done
if grep -q 'event=reload_failed errors=1 first=".*serve.conf:[0-9]*: wants a duration' "$TMP/serve.log"; then echo "PASS serve_alerts_sighup_bad"; else echo "FAIL serve_alerts_sighup_bad: $(grep reload "$TMP/serve.log" | head -c 300)"; fi
kill -TERM "$SERVE_PID"; rc=0; wait "$SERVE_PID" || rc=$?; SERVE_PID=
if [ "$rc" -eq 0 ]; then echo "PASS serve_alerts_stop"; else echo "FAIL serve_alerts_stop: exit $rc"; fi
