/*
** Unit tests of faultline-agent's platform-independent parts (the agent/ sources,
** compiled natively here, for Windows by `make agent`): config parser,
** HTTP framing, spool (seal, ack, cursors, bound, a torn line left by a
** killed agent), state file, serialisation (the agent's JSON lines equal
** the library's reading of the same event XML), the catalog queries.
**
** Must never: touch anything but loopback and its temporary folder.
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <wchar.h>
#include <string.h>
#include <unistd.h>

#include "../agent/agent_wfp.h"
#include "faultline.h"
#include "faultline/wfp.h"
#include "harness.h"

static char tmpdir[256];

static void test_config(void) {
  agent_config c;
  char err[256] = "";
  agent_config_defaults(&c);
  const char *t = "# comment\n collector = https://collector.example:8443/ingest \r\n"
                  "channels = Security , System\nwfp = off\nbatch_events = 20\n"
                  "log_level = debug\n\n";
  CHECK(agent_config_parse(&c, t, strlen(t), "a.conf", err, sizeof err) == 0);
  CHECK_STR(c.collector, "https://collector.example:8443/ingest");
  CHECK(c.channel_count == 2);
  CHECK_STR(c.channels[1], "System");
  CHECK(c.wfp == 0 && c.wmi_iscsi == 1);
  CHECK(c.batch_events == 20 && c.log_level == AGENT_DEBUG);
  const char *bad[][2] = {{"colector = x\n", "a.conf:1: unknown key 'colector'"},
                          {"\n\nbatch_events = 0\n", "a.conf:3: batch_events: number out of range"},
                          {"wfp = maybe\n", "a.conf:1: wfp: expected on or off"},
                          {"batch_events = -5\n", "a.conf:1: batch_events: number out of range"},
                          {"just words\n", "a.conf:1: expected key = value"}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    agent_config_defaults(&c);
    err[0] = 0;
    CHECK(agent_config_parse(&c, bad[i][0], strlen(bad[i][0]), "a.conf", err, sizeof err) == -1);
    CHECK_STR(err, bad[i][1]);
  }
}

static void test_http(void) {
  agent_url u;
  CHECK(agent_url_parse("http://127.0.0.1:8080/ingest", &u) == 0);
  CHECK_STR(u.host, "127.0.0.1");
  CHECK_STR(u.port, "8080");
  CHECK_STR(u.path, "/ingest");
  CHECK(agent_url_parse("https://[::1]/", &u) == 0 && u.tls && !strcmp(u.port, "443"));
  CHECK_STR(u.host, "::1");
  CHECK_STR(u.path, "/ingest");
  CHECK(agent_url_parse("ftp://x/", &u) == -1);
  CHECK(agent_url_parse("http://:80/", &u) == -1);
  CHECK(agent_url_parse("http://h:8o/", &u) == -1);
  CHECK(agent_url_parse("http://h/a b", &u) == -1);
  char head[512];
  CHECK(agent_url_parse("http://h:1/ingest", &u) == 0);
  size_t n = agent_http_request_head(&u, "tok", 42, head, sizeof head);
  CHECK(n > 0 && strstr(head, "POST /ingest HTTP/1.1\r\n") == head);
  CHECK(strstr(head, "\r\nContent-Length: 42\r\n") && strstr(head, "Authorization: Bearer tok\r\n"));
  CHECK(n >= 4 && !memcmp(head + n - 4, "\r\n\r\n", 4));
  n = agent_http_request_head(&u, "evil\r\nX: y", 1, head, sizeof head);
  CHECK(n > 0 && !strstr(head, "evil"));
  int st = 0;
  const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"accepted\":3}";
  CHECK(agent_http_response(ok, strlen(ok), 0, &st) == 1 && st == 200);
  CHECK(agent_http_response(ok, strlen(ok) - 1, 0, &st) == 0);
  CHECK(agent_http_response(ok, strlen(ok) - 1, 1, &st) == -1);
  const char *noclen = "HTTP/1.0 503 Busy\r\n\r\nbody";
  CHECK(agent_http_response(noclen, strlen(noclen), 0, &st) == 0);
  CHECK(agent_http_response(noclen, strlen(noclen), 1, &st) == 1 && st == 503);
  CHECK(agent_http_response("SMTP 220 hi\r\n\r\n", 15, 1, &st) == -1);
}

static void test_spool(void) {
  char dir[300], state[320], err[256];
  snprintf(dir, sizeof dir, "%s/var/spool", tmpdir); /* parents are made */
  snprintf(state, sizeof state, "%s/state", tmpdir);
  agent_spool *s = agent_spool_open(dir, 1u << 20, 3, 1u << 20, err, sizeof err);
  CHECK(s != NULL);
  if (!s) return;
  for (int i = 0; i < 7; i++) {
    char line[64], pos[16];
    int n = snprintf(line, sizeof line, "{\"n\":%d}", i);
    snprintf(pos, sizeof pos, "%d", i + 1);
    agent_spool_cursor(s, "replay", pos);
    CHECK(agent_spool_add(s, line, (size_t)n) == 0);
  }
  agent_spool_stats st;
  agent_spool_stats_get(s, &st);
  CHECK(st.sealed_batches == 2); /* 3 + 3 sealed, 1 open */
  char *body;
  size_t len;
  uint32_t events;
  uint64_t id;
  CHECK(agent_spool_peek(s, &body, &len, &events, &id) == 1);
  CHECK(events == 3 && len == strlen("{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n"));
  CHECK(!memcmp(body, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n", len));
  free(body);
  /* Not acked: a reopened spool (a restarted agent) still has it. */
  agent_spool_close(s);
  s = agent_spool_open(dir, 1u << 20, 3, 1u << 20, err, sizeof err);
  CHECK(s != NULL);
  if (!s) return;
  agent_spool_stats_get(s, &st);
  CHECK(st.sealed_batches == 3); /* the open batch was sealed on close */
  CHECK(agent_spool_peek(s, &body, &len, &events, &id) == 1 && events == 3);
  free(body);
  CHECK(agent_spool_ack(s, id, state) == 0);
  char v[64] = "";
  CHECK(agent_state_get(state, "replay", v, sizeof v) == 0);
  CHECK_STR(v, "3");
  CHECK(agent_spool_peek(s, &body, &len, &events, &id) == 1 && events == 3);
  free(body);
  CHECK(agent_spool_ack(s, id, state) == 0);
  CHECK(agent_spool_peek(s, &body, &len, &events, &id) == 1 && events == 1);
  free(body);
  CHECK(agent_spool_ack(s, id, state) == 0);
  CHECK(agent_state_get(state, "replay", v, sizeof v) == 0);
  CHECK_STR(v, "7");
  CHECK(agent_spool_peek(s, &body, &len, &events, &id) == 0);
  agent_spool_close(s);
  /* One agent per spool: another process cannot open it meanwhile. */
  s = agent_spool_open(dir, 1u << 20, 3, 1u << 20, err, sizeof err);
  pid_t pid = fork();
  if (pid == 0) {
    char e2[256];
    agent_spool *t = agent_spool_open(dir, 1u << 20, 3, 1u << 20, e2, sizeof e2);
    _exit(t == NULL && strstr(e2, "in use by another faultline-agent") ? 0 : 1);
  }
  int wst = 1;
  CHECK(pid > 0 && waitpid(pid, &wst, 0) == pid && WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
  agent_spool_close(s);

  /* A killed agent's open batch with a torn last line: sealed without it. */
  char part[340];
  snprintf(part, sizeof part, "%s/open.part", dir);
  FILE *f = fopen(part, "wb");
  CHECK(f != NULL);
  if (f) {
    fputs("{\"a\":1}\n{\"a\":2}\n{\"a\"", f);
    fclose(f);
  }
  s = agent_spool_open(dir, 1u << 20, 3, 1u << 20, err, sizeof err);
  CHECK(s && agent_spool_peek(s, &body, &len, &events, &id) == 1);
  if (!s) return;
  CHECK(events == 2 && len == 16);
  free(body);
  CHECK(agent_spool_ack(s, id, state) == 0);
  agent_spool_close(s);

  /* The bound: the oldest batches go (counted), the newest stays. */
  s = agent_spool_open(dir, 65536, 1, 1u << 20, err, sizeof err);
  if (!s) return;
  char big[10000];
  memset(big, 'x', sizeof big);
  memcpy(big, "{\"x\":\"", 6);
  memcpy(big + sizeof big - 2, "\"}", 2);
  for (int i = 0; i < 10; i++) CHECK(agent_spool_add(s, big, sizeof big) == 0);
  agent_spool_stats_get(s, &st);
  CHECK(st.dropped_batches == 4 && st.dropped_events == 4);
  CHECK(st.sealed_bytes <= 65536 && st.sealed_batches == 6);
  while (agent_spool_peek(s, &body, &len, &events, &id) == 1) {
    free(body);
    agent_spool_ack(s, id, state);
  }
  agent_spool_close(s);
  CHECK(agent_state_get(state, "replay", v, sizeof v) == 0); /* other lines kept */
  CHECK(agent_state_set(state, "evt:Security", "<BookmarkList/>") == 0);
  CHECK(agent_state_get(state, "evt:Security", v, sizeof v) == 0);
  CHECK_STR(v, "<BookmarkList/>");
  CHECK(agent_state_get(state, "replay", v, sizeof v) == 0);
  CHECK_STR(v, "7");
}

typedef struct lib_json {
  char line[8192];
  int n;
} lib_json;

static int lib_on_record(const fl_evtx_event *ev, void *user) {
  lib_json *j = user;
  if (ev->rendered.len < sizeof j->line) {
    memcpy(j->line, ev->rendered.ptr, ev->rendered.len);
    j->line[ev->rendered.len] = 0;
  }
  j->n++;
  return 0;
}

/* The agent's JSON line for xml equals the library's reading of it. */
static void check_xml_same(const char *xml) {
  lib_json j = {"", 0};
  fl_evtx_options o;
  memset(&o, 0, sizeof o);
  o.format = FL_EVTX_RENDER_JSONL;
  o.on_record = lib_on_record;
  o.user = &j;
  fl_evtx_stats st;
  fl_error e;
  CHECK(fl_input_read_memory(xml, strlen(xml), "t.xml", &o, &st, &e) == FL_OK);
  CHECK(j.n == 1);
  char *copy = strdup(xml);
  fl_evtx_pair pairs[32];
  fl_evtx_event ev;
  agent_line line = {0};
  fl_evtx_str wrapper;
  CHECK(agent_xml_event(copy, strlen(copy), &ev, pairs, 32, &wrapper) == 0);
  CHECK(agent_event_json(&ev, wrapper, &line) == 0);
  size_t ln = strlen(j.line);
  while (ln && j.line[ln - 1] == '\n') j.line[--ln] = 0;
  CHECK(line.p && line.len == ln && !memcmp(line.p, j.line, ln));
  if (!(line.p && line.len == ln && !memcmp(line.p, j.line, ln)))
    fprintf(stderr, "agent: %.*s\nlib:   %s\n", (int)line.len, line.p ? line.p : "", j.line);
  CHECK(agent_json_line_ok(line.p, line.len));
  agent_line_free(&line);
  free(copy);
}

static void test_serialise(void) {
  /* EvtRender's form: single quotes, no whitespace; a Security event. */
  check_xml_same(
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
      "<Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/>"
      "<EventID>4653</EventID><Version>0</Version><Level>0</Level><Task>12544</Task><Opcode>0</Opcode>"
      "<Keywords>0x8010000000000000</Keywords><TimeCreated SystemTime='2024-03-04T15:37:24.128856000Z'/>"
      "<EventRecordID>7808345</EventRecordID><Correlation/><Execution ProcessID='720' ThreadID='3100'/>"
      "<Channel>Security</Channel><Computer>DC02.corp.example.org</Computer><Security/></System>"
      "<EventData><Data Name='LocalMMPrincipalName'>-</Data><Data Name='RemoteAddress'>192.0.2.160</Data>"
      "<Data Name='FailureReason'>No policy configured &amp; &lt;x&gt; &#233;</Data>"
      "<Data Name='Empty'></Data><Data Name='Short'/></EventData></Event>");
  /* A classic source: Qualifiers, unnamed Data, Binary. */
  check_xml_same(
      "<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>"
      "<Provider Name=\"iScsiPrt\"/><EventID Qualifiers=\"49152\">1</EventID><Level>2</Level>"
      "<Task>0</Task><Keywords>0x80000000000000</Keywords>"
      "<TimeCreated SystemTime=\"2024-03-04T15:37:24.1288560Z\"/><EventRecordID>12</EventRecordID>"
      "<Channel>System</Channel><Computer>fs01</Computer><Security UserID=\"S-1-5-18\"/></System>"
      "<EventData><Data>\\Device\\RaidPort1</Data><Binary>0000040001</Binary></EventData></Event>");
  /* UserData with a wrapper. */
  check_xml_same(
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
      "<Provider Name='Microsoft-Windows-Eventlog'/><EventID>1102</EventID>"
      "<TimeCreated SystemTime='2024-03-04T15:37:24Z'/><Channel>Security</Channel><Computer>h</Computer>"
      "</System><UserData><LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'>"
      "<SubjectUserName>admin</SubjectUserName><SubjectDomainName>CORP</SubjectDomainName>"
      "</LogFileCleared></UserData></Event>");
  char bad[] = "<Event><System><EventID>1</EventID></System>";
  fl_evtx_event ev;
  fl_evtx_pair pairs[4];
  fl_evtx_str w;
  CHECK(agent_xml_event(bad, strlen(bad), &ev, pairs, 4, &w) == -1);
  char other[] = "<Other/>";
  CHECK(agent_xml_event(other, strlen(other), &ev, pairs, 4, &w) == -1);
  CHECK(!agent_json_line_ok("{\"a\":1}{", 8));
  CHECK(!agent_json_line_ok("{\"a\":\"}\"", 8));
  CHECK(agent_json_line_ok("{\"a\":\"}\"}\r", 10));
}

static void test_scope(void) {
  char q[8192];
  CHECK(agent_scope_query("Security", q, sizeof q) > 0);
  CHECK(strstr(q, "EventID=4646 or ") != NULL);
  CHECK(strstr(q, "(EventID>=4650 and EventID<=4655)") != NULL);
  CHECK(strstr(q, "4964") == NULL); /* a logon event, never in a range */
  CHECK(agent_scope_query("System", q, sizeof q) > 0);
  CHECK(strstr(q, "Provider[@Name='iScsiPrt']") && strstr(q, "EventID=20271"));
  CHECK(agent_scope_query("Application", q, sizeof q) > 0);
  CHECK(strstr(q, "RasClient") != NULL);
  CHECK(agent_scope_query("Other", q, sizeof q) == 1 && !strcmp(q, "*"));
  CHECK(agent_scope_query("Security", q, 40) == 0);
}

/* An MM failure as FwpmNetEventSubscribe0 hands it over -> the agent's
** record -> its JSON line -> the library's netsh-record decoder: the same
** SDK members come back. */
static void test_wfp(void) {
  FWPM_NET_EVENT_HEADER1 h;
  FWPM_NET_EVENT_IKEEXT_MM_FAILURE1 mm;
  memset(&h, 0, sizeof h);
  memset(&mm, 0, sizeof mm);
  uint64_t ft = 133540402441280000ull;
  h.timeStamp.dwLowDateTime = (uint32_t)ft;
  h.timeStamp.dwHighDateTime = (uint32_t)(ft >> 32);
  h.flags = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x100;
  h.ipVersion = FWP_IP_VERSION_V4;
  h.ipProtocol = 17;
  h.localAddrV4 = 0x0a140a0c;  /* 10.20.10.12, host order as WFP keeps it */
  h.remoteAddrV4 = 0xc00002a0; /* 192.0.2.160 */
  h.localPort = 500;
  h.remotePort = 4500;
  mm.failureErrorCode = 13868;
  mm.failurePoint = IPSEC_FAILURE_PEER;
  mm.flags = 0x2;
  mm.keyingModuleType = IKEEXT_KEY_MODULE_IKEV2;
  mm.mmState = IKEEXT_MM_SA_STATE_FINAL;
  mm.saRole = IKEEXT_SA_ROLE_INITIATOR;
  mm.mmAuthMethod = IKEEXT_CERTIFICATE;
  for (int i = 0; i < IKEEXT_CERT_HASH_LEN; i++) mm.endCertHash[i] = (UINT8)(0xA0 + i);
  mm.mmId = 77;
  mm.mmFilterId = 123456789012ull;
  wchar_t lp[] = L"CN=host \u00e9", g1[] = L"S-1-5-32-544", g2[] = L"S-1-5-11";
  LPWSTR groups[] = {g1, g2};
  mm.localPrincipalNameForAuth = lp;
  mm.numRemotePrincipalGroupSids = 2;
  mm.remotePrincipalGroupSids = groups;
  static agent_wfp_record rec;
  CHECK(agent_wfp_record_make(&h, FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE, &mm, "host1", &rec) == 0);
  CHECK(!rec.truncated && rec.ev.event_id == FL_INPUT_WFP_ID_MM_FAILURE);
  CHECK(agent_wfp_record_make(&h, FWPM_NET_EVENT_TYPE_CLASSIFY_DROP, &mm, "h", &rec) == 1);
  CHECK(agent_wfp_record_make(&h, FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE, &mm, "host1", &rec) == 0);
  static fl_input_wfp_event d;
  fl_error e;
  CHECK(fl_input_wfp_decode(&rec.ev, &d, &e) == FL_OK);
  CHECK(d.type == FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE);
  CHECK(d.header.ipProtocol == 17 && d.header.localAddrV4 == 0x0a140a0c &&
        d.header.remoteAddrV4 == 0xc00002a0 && d.header.localPort == 500 && d.header.remotePort == 4500);
  CHECK(((uint64_t)d.header.timeStamp.dwHighDateTime << 32 | d.header.timeStamp.dwLowDateTime) == ft);
  CHECK(d.ikeMmFailure.failureErrorCode == 13868 && d.ikeMmFailure.failurePoint == IPSEC_FAILURE_PEER);
  CHECK(d.ikeMmFailure.flags == 0x2 && d.ikeMmFailure.keyingModuleType == IKEEXT_KEY_MODULE_IKEV2);
  CHECK(d.ikeMmFailure.saRole == IKEEXT_SA_ROLE_INITIATOR && d.ikeMmFailure.mmAuthMethod == IKEEXT_CERTIFICATE);
  CHECK(!memcmp(d.ikeMmFailure.endCertHash, mm.endCertHash, IKEEXT_CERT_HASH_LEN));
  CHECK(d.ikeMmFailure.mmId == 77 && d.ikeMmFailure.mmFilterId == 123456789012ull);
  CHECK(d.ikeMmFailure.localPrincipalNameForAuth && !wcscmp(d.ikeMmFailure.localPrincipalNameForAuth, lp));
  CHECK(d.ikeMmFailure.numRemotePrincipalGroupSids == 2 &&
        !wcscmp(d.ikeMmFailure.remotePrincipalGroupSids[1], g2));
  /* And the JSON line is the netsh record's shape: the library reads it. */
  agent_line line = {0};
  CHECK(agent_event_json(&rec.ev, (fl_evtx_str){"", 0}, &line) == 0);
  CHECK(line.p && strstr(line.p, "\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-Windows-WFP\"}}"));
  CHECK(line.p && strstr(line.p, "\"remoteAddrV4\":\"192.0.2.160\"") && strstr(line.p, "\"flags\":\"0x2\""));
  CHECK(line.p && strstr(line.p, "\"Computer\":\"host1\""));
  agent_line_free(&line);
}

/* A WMI iSCSI failure becomes a record the catalog types as one. */
static void test_iscsi(void) {
  static agent_iscsi_record r;
  agent_iscsi_record_make(133540402441280000ull, 2, "iqn.1991-05.com.microsoft:target1",
                          "192.0.2.50", "fs01", &r);
  fl_typed_event t;
  CHECK(fl_catalog_type_event(&r.ev, &t) == 1);
  CHECK(t.source == FL_SOURCE_ISCSI_WMI && t.kind == FL_KIND_ISCSI_LOGIN_FAILURE);
  CHECK(r.ev.data_count == 4 && r.ev.time_created == 133540402441280000ull);
  agent_line line = {0};
  CHECK(agent_event_json(&r.ev, (fl_evtx_str){"", 0}, &line) == 0);
  CHECK(line.p && strstr(line.p, "\"FailureType\":\"2\"") &&
        strstr(line.p, "\"TargetFailureName\":\"iqn.1991-05.com.microsoft:target1\""));
  agent_line_free(&line);
  uint64_t ft = 0;
  CHECK(agent_cim_datetime("20240304153724.128000+000", &ft) == 0 && ft == 133540402441280000ull);
  CHECK(agent_cim_datetime("20240304163724.128000+060", &ft) == 0 && ft == 133540402441280000ull);
  CHECK(agent_cim_datetime("133540402441280000", &ft) == -1);
  CHECK(agent_cim_datetime("2024030415372x.128000+000", &ft) == -1);
}

/* One HTTP exchange on loopback: the request as received, a 200 answer. */
typedef struct http_peer {
  int fd;
  char req[4096];
  size_t len;
} http_peer;

static void *http_peer_main(void *arg) {
  http_peer *p = arg;
  int c = accept(p->fd, NULL, NULL);
  if (c < 0) return NULL;
  for (;;) {
    ssize_t k = recv(c, p->req + p->len, sizeof p->req - 1 - p->len, 0);
    if (k <= 0) break;
    p->len += (size_t)k;
    p->req[p->len] = 0;
    const char *end = strstr(p->req, "\r\n\r\n");
    const char *cl = strstr(p->req, "Content-Length: ");
    if (end && cl && p->len >= (size_t)(end + 4 - p->req) + strtoul(cl + 16, NULL, 10)) break;
  }
  const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"accepted\":2}";
  if (send(c, ok, strlen(ok), 0) < 0) p->len = 0;
  close(c);
  return NULL;
}

static void test_net(void) {
  static http_peer p;
  struct sockaddr_in sa;
  socklen_t sl = sizeof sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  p.fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(p.fd >= 0 && bind(p.fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(p.fd, 1) == 0 &&
        getsockname(p.fd, (struct sockaddr *)&sa, &sl) == 0);
  char url[64], err[256] = "";
  snprintf(url, sizeof url, "http://127.0.0.1:%u/ingest", (unsigned)ntohs(sa.sin_port));
  agent_url u;
  CHECK(agent_url_parse(url, &u) == 0);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, http_peer_main, &p) == 0);
  CHECK(agent_net_post(&u, "tok", "{\"a\":1}\n{\"a\":2}\n", 16, 5000, err, sizeof err) == 200);
  pthread_join(t, NULL);
  CHECK(strstr(p.req, "POST /ingest HTTP/1.1\r\n") == p.req);
  CHECK(strstr(p.req, "Authorization: Bearer tok\r\n") != NULL);
  CHECK(p.len > 16 && !memcmp(p.req + p.len - 16, "{\"a\":1}\n{\"a\":2}\n", 16));
  close(p.fd); /* nobody listens now: refused at once, an error, not a 2xx */
  uint64_t t0 = agent_now_ms();
  CHECK(agent_net_post(&u, NULL, "x\n", 2, 5000, err, sizeof err) == -1);
  CHECK(strstr(err, "cannot connect") != NULL && agent_now_ms() - t0 < 4000);
}

static void test_log(void) {
  char path[300], old[310];
  snprintf(path, sizeof path, "%s/agent.log", tmpdir);
  snprintf(old, sizeof old, "%s.1", path);
  CHECK(agent_log_open(path, AGENT_ERROR) == 0);
  agent_log_limit(300);
  for (int i = 0; i < 20; i++) agent_log(AGENT_ERROR, "line %d of the rotation test", i);
  agent_log(AGENT_INFO, "below the level: not written");
  agent_log_close();
  agent_log_limit(16L << 20);
  FILE *f = fopen(old, "rb");
  CHECK(f != NULL); /* rotated once at least */
  if (f) fclose(f);
  char buf[4096] = "";
  f = fopen(path, "rb");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  CHECK(n > 0 && n < 400 && strstr(buf, "line 19 of the rotation test") && !strstr(buf, "below"));
  agent_log_open(NULL, AGENT_ERROR + 1);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "%s/fl-agent-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(tmpdir)) return 1;
  agent_log_open(NULL, AGENT_ERROR + 1); /* quiet */
  RUN(test_config);
  RUN(test_http);
  RUN(test_spool);
  RUN(test_serialise);
  RUN(test_scope);
  RUN(test_wfp);
  RUN(test_iscsi);
  RUN(test_net);
  RUN(test_log);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd)) return 1;
  TEST_EXIT();
}
