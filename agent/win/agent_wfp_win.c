/*
** WFP net events on Windows: FwpmEngineOpen0, FwpmNetEventSubscribe0 for
** new net events, then FwpmNetEventEnum1 for what happened since the last
** acknowledged one (the state file's "wfp" time; the BFE keeps a bounded
** backlog). Both give FWPM_NET_EVENT1, which
** the mingw-w64 headers declare (no hand-written SDK structs needed);
** agent_wfp.c turns the IKE failures into records. Needs administrator
** rights (FWPM_ACTRL_READ | FWPM_ACTRL_SUBSCRIBE on the engine).
**
** Must never: run the callback's work on the network (it only appends to
** the spool), or advance the saved time past unacknowledged events.
*/
#include "../agent_wfp.h"

#include <stdlib.h>
#include <string.h>

#include "agent_win.h"

/* What Microsoft's samples pass to FwpmEngineOpen0 (rpcdce.h). */
#ifndef RPC_C_AUTHN_WINNT
#define RPC_C_AUTHN_WINNT 10
#endif

static HANDLE agent_wfp_engine, agent_wfp_sub;
static agent *agent_wfp_agent;
static CRITICAL_SECTION agent_wfp_lock;
static agent_wfp_record agent_wfp_rec;
static agent_line agent_wfp_line;
static char agent_wfp_host[256];
static uint64_t agent_wfp_events, agent_wfp_other;

static const void *agent_wfp_body(const FWPM_NET_EVENT1 *e) {
  switch (e->type) {
  case FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE: return e->ikeMmFailure;
  case FWPM_NET_EVENT_TYPE_IKEEXT_QM_FAILURE: return e->ikeQmFailure;
  case FWPM_NET_EVENT_TYPE_IKEEXT_EM_FAILURE: return e->ikeEmFailure;
  default: return NULL;
  }
}

static void agent_wfp_take(const FWPM_NET_EVENT1 *e) {
  EnterCriticalSection(&agent_wfp_lock);
  const void *body = agent_wfp_body(e);
  if (!body || agent_wfp_record_make(&e->header, e->type, body, agent_wfp_host, &agent_wfp_rec)) {
    agent_wfp_other++;
  } else if (agent_event_json(&agent_wfp_rec.ev, (fl_evtx_str){"", 0}, &agent_wfp_line) == 0) {
    char when[32];
    snprintf(when, sizeof when, "%llu", (unsigned long long)agent_wfp_rec.ev.time_created);
    agent_spool_add(agent_wfp_agent->spool, agent_wfp_line.p, agent_wfp_line.len);
    agent_spool_cursor(agent_wfp_agent->spool, "wfp", when);
    agent_wfp_events++;
  }
  LeaveCriticalSection(&agent_wfp_lock);
}

static void CALLBACK agent_wfp_callback(void *ctx, const FWPM_NET_EVENT1 *e) {
  (void)ctx;
  if (e) agent_wfp_take(e);
}

/* Net events from `since` (FILETIME) on, oldest first. */
static void agent_wfp_backlog(uint64_t since) {
  FWPM_NET_EVENT_ENUM_TEMPLATE0 t;
  memset(&t, 0, sizeof t);
  uint64_t now;
  GetSystemTimeAsFileTime((FILETIME *)&now);
  since++; /* after the last one delivered */
  t.startTime.dwLowDateTime = (DWORD)since;
  t.startTime.dwHighDateTime = (DWORD)(since >> 32);
  t.endTime.dwLowDateTime = (DWORD)now;
  t.endTime.dwHighDateTime = (DWORD)(now >> 32);
  HANDLE h = NULL;
  DWORD rc = FwpmNetEventCreateEnumHandle0(agent_wfp_engine, &t, &h);
  if (rc != ERROR_SUCCESS) {
    agent_log(AGENT_WARN, "WFP: FwpmNetEventCreateEnumHandle0 failed (0x%lx); no backlog",
              (unsigned long)rc);
    return;
  }
  uint64_t n = 0;
  for (;;) {
    FWPM_NET_EVENT1 **entries = NULL;
    UINT32 got = 0;
    rc = FwpmNetEventEnum1(agent_wfp_engine, h, 256, &entries, &got);
    if (rc != ERROR_SUCCESS || !got) {
      if (entries) FwpmFreeMemory0((void **)&entries);
      break;
    }
    for (UINT32 i = 0; i < got; i++) agent_wfp_take(entries[i]);
    n += got;
    FwpmFreeMemory0((void **)&entries);
  }
  FwpmNetEventDestroyEnumHandle0(agent_wfp_engine, h);
  agent_log(AGENT_INFO, "WFP: %llu net events in the backlog since the last run",
            (unsigned long long)n);
}

int agent_wfp_start(agent *a) {
  agent_wfp_agent = a;
  InitializeCriticalSection(&agent_wfp_lock);
  DWORD hn = sizeof agent_wfp_host;
  if (a->cfg.host[0]) snprintf(agent_wfp_host, sizeof agent_wfp_host, "%s", a->cfg.host);
  else if (!GetComputerNameExA(ComputerNameDnsFullyQualified, agent_wfp_host, &hn))
    agent_wfp_host[0] = 0;
  FWPM_SESSION0 session;
  memset(&session, 0, sizeof session);
  DWORD rc = FwpmEngineOpen0(NULL, RPC_C_AUTHN_WINNT, NULL, &session, &agent_wfp_engine);
  if (rc != ERROR_SUCCESS) {
    agent_log(AGENT_ERROR, "WFP: FwpmEngineOpen0 failed (0x%lx%s)", (unsigned long)rc,
              rc == ERROR_ACCESS_DENIED ? ": run as Administrator or LocalSystem" : "");
    return -1;
  }
  FWPM_NET_EVENT_SUBSCRIPTION0 sub;
  FWPM_NET_EVENT_ENUM_TEMPLATE0 tmpl;
  memset(&sub, 0, sizeof sub);
  memset(&tmpl, 0, sizeof tmpl);
  sub.enumTemplate = &tmpl; /* no conditions: every net event, filtered here */
  rc = FwpmNetEventSubscribe0(agent_wfp_engine, &sub, agent_wfp_callback, NULL, &agent_wfp_sub);
  if (rc != ERROR_SUCCESS) {
    agent_log(AGENT_ERROR, "WFP: FwpmNetEventSubscribe0 failed (0x%lx)", (unsigned long)rc);
    FwpmEngineClose0(agent_wfp_engine);
    agent_wfp_engine = NULL;
    return -1;
  }
  agent_log(AGENT_INFO, "WFP: subscribed to net events (IKE MM/QM/EM failures forwarded)");
  /* The backlog after subscribing: nothing falls between the two; an event
  ** seen by both is sent twice and stored once (serve's content dedup). */
  char saved[32];
  uint64_t since = 0;
  if (a->cfg.state_file[0] && agent_state_get(a->cfg.state_file, "wfp", saved, sizeof saved) == 0)
    since = strtoull(saved, NULL, 10);
  agent_wfp_backlog(since);
  return 0;
}

void agent_wfp_stop(void) {
  if (agent_wfp_sub) FwpmNetEventUnsubscribe0(agent_wfp_engine, agent_wfp_sub);
  if (agent_wfp_engine) FwpmEngineClose0(agent_wfp_engine);
  agent_wfp_sub = agent_wfp_engine = NULL;
  agent_log(AGENT_INFO, "WFP: %llu IKE failures forwarded, %llu other net events ignored",
            (unsigned long long)agent_wfp_events, (unsigned long long)agent_wfp_other);
  agent_line_free(&agent_wfp_line);
  DeleteCriticalSection(&agent_wfp_lock);
}

/* What a forwarded IKE MM failure looks like: a fixed sample built in the
** SDK's structs (this build's layout) and serialised as the agent sends it,
** so the record shape can be checked without a live failure. */
static void agent_wfp_sample(FILE *out) {
  FWPM_NET_EVENT_HEADER1 h;
  FWPM_NET_EVENT_IKEEXT_MM_FAILURE1 mm;
  memset(&h, 0, sizeof h);
  memset(&mm, 0, sizeof mm);
  uint64_t ft = 133540402441280000ull; /* 2024-03-04T15:37:24.128Z */
  h.timeStamp.dwLowDateTime = (DWORD)ft;
  h.timeStamp.dwHighDateTime = (DWORD)(ft >> 32);
  /* FWPM_NET_EVENT_FLAG_ IP_PROTOCOL|LOCAL_ADDR|REMOTE_ADDR|LOCAL_PORT|
  ** REMOTE_PORT|IP_VERSION _SET (mingw-w64 lacks the names). */
  h.flags = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x100;
  h.ipVersion = FWP_IP_VERSION_V4;
  h.ipProtocol = 17;
  h.localAddrV4 = 0x0a140a0c;
  h.remoteAddrV4 = 0xc00002a0;
  h.localPort = 500;
  h.remotePort = 500;
  mm.failureErrorCode = 13868;
  mm.failurePoint = IPSEC_FAILURE_PEER;
  mm.keyingModuleType = IKEEXT_KEY_MODULE_IKEV2;
  mm.mmState = IKEEXT_MM_SA_STATE_FINAL;
  mm.saRole = IKEEXT_SA_ROLE_INITIATOR;
  mm.mmAuthMethod = IKEEXT_CERTIFICATE;
  for (int i = 0; i < IKEEXT_CERT_HASH_LEN; i++) mm.endCertHash[i] = (UINT8)(0xA0 + i);
  mm.mmId = 77;
  mm.mmFilterId = 70000;
  mm.localPrincipalNameForAuth = (wchar_t *)L"CN=sample";
  static agent_wfp_record rec;
  agent_line line = {0};
  if (agent_wfp_record_make(&h, FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE, &mm, "sample.host", &rec) == 0 &&
      agent_event_json(&rec.ev, (fl_evtx_str){"", 0}, &line) == 0)
    fprintf(out, "  sample record: %.*s\n", (int)line.len, line.p);
  agent_line_free(&line);
}

int agent_wfp_self_test(FILE *out) {
  HANDLE engine = NULL;
  FWPM_SESSION0 session;
  memset(&session, 0, sizeof session);
  DWORD rc = FwpmEngineOpen0(NULL, RPC_C_AUTHN_WINNT, NULL, &session, &engine);
  fprintf(out, "WFP net events: FwpmNetEventEnum1 (backlog since the saved time) + "
               "FwpmNetEventSubscribe0; forwarded: FWPM_NET_EVENT_TYPE_IKEEXT_MM_FAILURE (1005), "
               "QM_FAILURE (1007), EM_FAILURE (1009)\n");
  agent_wfp_sample(out);
  fputs("  engine: ", out);
  if (rc == ERROR_SUCCESS) {
    fputs("open\n", out);
    FwpmEngineClose0(engine);
    return 0;
  }
  fprintf(out, "FwpmEngineOpen0 failed (0x%lx%s)\n", (unsigned long)rc,
          rc == ERROR_ACCESS_DENIED ? ", run as Administrator" : "");
  return -1;
}
