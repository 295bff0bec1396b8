/*
** Unit tests for lib/diag: rules, episode grouping, states, benign
** handling and coverage notes, on hand-built typed events.
*/
#include "harness.h"

#include "faultline.h"
#include "faultline/wfp.h"

#define STR(lit) ((fl_evtx_str){lit, sizeof(lit) - 1})
#define HOUR 36000000000ull

static fl_typed_event ev(fl_event_kind kind, const char *host, uint64_t t) {
  fl_typed_event e;
  memset(&e, 0, sizeof e);
  e.kind = kind;
  e.source = FL_SOURCE_SECURITY;
  e.is_failure = fl_event_kind_is_failure(kind);
  e.host = (fl_evtx_str){host, strlen(host)};
  e.time = 133000000000000000ull + t;
  e.record_id = t / HOUR + 1;
  e.keying_module = e.auth_method = e.failure_point = e.role = e.state = e.mode = -1;
  e.iscsi_failure_type = -1;
  e.dos_started = -1;
  return e;
}

static void with_error(fl_typed_event *e, uint32_t code) {
  e->error_code = code;
  e->has |= FL_TE_ERROR_CODE;
}

static const fl_episode *find(const fl_diag_result *r, const char *cause) {
  for (size_t i = 0; i < r->episode_count; i++)
    if (strcmp(r->episodes[i].cause_id, cause) == 0) return &r->episodes[i];
  return NULL;
}

static void cert_untrusted_recovers(void) {
  fl_diag *d;
  CHECK(fl_diag_new(NULL, &d, NULL) == FL_OK);
  for (int i = 0; i < 6; i++) {
    fl_typed_event e = ev(FL_KIND_MM_FAILURE, "WS01", (uint64_t)i * HOUR);
    e.remote_address = STR("198.51.100.7");
    e.keying_module = IKEEXT_KEY_MODULE_IKE;
    with_error(&e, 13801);
    CHECK(fl_diag_add(d, &e, "sec.evtx", NULL) == FL_OK);
  }
  /* a success within the episode's gap; later ones belong to no episode */
  fl_typed_event ok = ev(FL_KIND_MM_ESTABLISHED, "WS01", 6 * HOUR);
  ok.remote_address = STR("198.51.100.7");
  fl_diag_add(d, &ok, "sec.evtx", NULL);
  const fl_diag_result *r;
  CHECK(fl_diag_finish(d, &r, NULL) == FL_OK);
  CHECK(r->episode_count == 1 && r->finding_count == 1);
  const fl_episode *ep = find(r, "cert-untrusted");
  CHECK(ep && ep->count == 6 && ep->state == FL_EPISODE_RECOVERED);
  CHECK(ep && strcmp(ep->host, "WS01") == 0 && strcmp(ep->peer, "198.51.100.7") == 0);
  CHECK(ep && strcmp(ep->keying_module, "IKEv1") == 0);
  CHECK(ep && strcmp(ep->error_symbol, "ERROR_IPSEC_IKE_AUTH_FAIL") == 0);
  CHECK(ep && ep->evidence_count == 6 && strcmp(ep->evidence[0].file, "sec.evtx") == 0);
  CHECK(ep && ep->check && strstr(ep->check, "certutil") != NULL);
  fl_diag_free(d);
}

static void ikeext_stopped_on_peer(void) {
  fl_diag *d;
  fl_diag_new(NULL, &d, NULL);
  fl_typed_event seen = ev(FL_KIND_MM_ESTABLISHED, "SRV9", 0);
  seen.local_address = STR("10.0.0.9");
  seen.remote_address = STR("10.0.0.1");
  fl_diag_add(d, &seen, "srv9.evtx", NULL);
  fl_typed_event stop = ev(FL_KIND_IKEEXT_NOT_STARTED, "SRV9", 2 * HOUR);
  fl_diag_add(d, &stop, "srv9.evtx", NULL);
  const char *clients[] = {"WS01", "WS02", "WS03"};
  for (int c = 0; c < 3; c++)
    for (int i = 0; i < 3; i++) {
      fl_typed_event e = ev(FL_KIND_MM_FAILURE, clients[c], (uint64_t)(3 + i) * HOUR);
      e.remote_address = STR("10.0.0.9");
      with_error(&e, 13805);
      fl_diag_add(d, &e, "ws.evtx", NULL);
    }
  const fl_diag_result *r;
  fl_diag_finish(d, &r, NULL);
  CHECK(r->episode_count == 1);
  const fl_episode *ep = find(r, "ikeext-stopped");
  CHECK(ep && strcmp(ep->host, "SRV9") == 0 && ep->peer_count == 3 && ep->count == 10);
  CHECK(ep && ep->state == FL_EPISODE_ONGOING);
  fl_diag_free(d);
}

/* No event says which address SRV9 has: the timing of its 5453 and two
** hosts getting no reply on UDP 500 from one unknown address do, and the
** episode says that this was inferred. */
static void ikeext_stopped_address_inferred(void) {
  fl_diag *d;
  fl_diag_new(NULL, &d, NULL);
  fl_typed_event stop = ev(FL_KIND_IKEEXT_NOT_STARTED, "SRV9", 2 * HOUR);
  fl_diag_add(d, &stop, "srv9.evtx", NULL);
  for (int c = 0; c < 2; c++)
    for (int i = 0; i < 4; i++) {
      fl_typed_event e = ev(FL_KIND_MM_FAILURE, c ? "WS02" : "WS01", 2 * HOUR + (uint64_t)(1 + i) * 600000000ull);
      e.remote_address = STR("10.0.0.9");
      e.remote_port = 500;
      e.has |= FL_TE_REMOTE_PORT;
      e.responder_cookie = STR("0000000000000000");
      e.keying_module = IKEEXT_KEY_MODULE_IKE;
      with_error(&e, 13805);
      fl_diag_add(d, &e, "ws.evtx", NULL);
    }
  const fl_diag_result *r;
  fl_diag_finish(d, &r, NULL);
  CHECK(r->episode_count == 1);
  const fl_episode *ep = find(r, "ikeext-stopped");
  CHECK(ep && strcmp(ep->host, "SRV9") == 0 && ep->peer_count == 2 && ep->count == 9);
  CHECK(ep && strstr(ep->inference, "Inferred") && strstr(ep->inference, "10.0.0.9"));
  CHECK(ep && ep->confidence < 0.8);
  fl_diag_free(d);
}

static void policy_not_applied_joins(void) {
  fl_diag *d;
  fl_diag_new(NULL, &d, NULL);
  fl_typed_event p1 = ev(FL_KIND_POLICY_FAILED, "APP1", 0);
  fl_typed_event p2 = ev(FL_KIND_POLICY_CACHED, "APP1", HOUR);
  fl_diag_add(d, &p1, "a.evtx", NULL);
  fl_diag_add(d, &p2, "a.evtx", NULL);
  for (int i = 0; i < 4; i++) {
    fl_typed_event e = ev(FL_KIND_MM_FAILURE, "APP1", (uint64_t)(2 + i) * HOUR);
    e.remote_address = i % 2 ? STR("10.1.1.1") : STR("10.1.1.2");
    with_error(&e, 13825);
    fl_diag_add(d, &e, "a.evtx", NULL);
  }
  fl_typed_event other = ev(FL_KIND_MM_FAILURE, "APP2", HOUR);
  other.remote_address = STR("10.1.1.1");
  with_error(&other, 13825);
  fl_diag_add(d, &other, "b.evtx", NULL);
  const fl_diag_result *r;
  fl_diag_finish(d, &r, NULL);
  const fl_episode *ep = find(r, "policy-not-applied");
  CHECK(ep && strcmp(ep->host, "APP1") == 0 && ep->count == 6 && ep->peer_count == 2);
  CHECK(find(r, "no-policy") != NULL); /* APP2 had no policy failure */
  CHECK(r->episodes[0].cause_id == ep->cause_id);
  fl_diag_free(d);
}

static void benign_never_a_finding(void) {
  fl_diag *d;
  fl_diag_new(NULL, &d, NULL);
  fl_typed_event e = ev(FL_KIND_WFP_MM_FAILURE, "WS01", 0);
  e.source = FL_SOURCE_WFP;
  e.benign = 1;
  e.is_failure = 0;
  e.remote_address = STR("192.0.2.1");
  with_error(&e, 13801);
  fl_diag_add(d, &e, "netevents.xml", NULL);
  fl_diag_note_source(d, "netevents.xml", "netsh", 1, 0, 1, NULL);
  const fl_diag_result *r;
  fl_diag_finish(d, &r, NULL);
  CHECK(r->episode_count == 1 && r->finding_count == 0);
  CHECK(r->episode_count == 1 && r->episodes[0].benign && !r->episodes[0].finding);
  int ring = 0;
  for (size_t i = 0; i < r->note_count; i++) ring |= strcmp(r->notes[i].id, "netsh-ring-buffer") == 0;
  CHECK(ring);
  fl_diag_free(d);
}

static fl_typed_event natt(uint64_t t, const char *cookie, int64_t state) {
  fl_typed_event e = ev(FL_KIND_MM_FAILURE, "LAPTOP", t);
  e.remote_address = STR("203.0.113.5");
  e.remote_port = 4500;
  e.has |= FL_TE_REMOTE_PORT;
  e.responder_cookie = (fl_evtx_str){cookie, strlen(cookie)};
  e.state = state;
  with_error(&e, 13805);
  return e;
}

/* The real 4653's shape: initiator on 4500, responder cookie 0, first
** payload only, once. Nothing shows that 500 works: a lone timeout, not
** "NAT-T path blocked, ongoing". (Before the engine rewrite this was
** timeout-nat at 80 %.) */
static void natt_real_shape_is_no_proof(void) {
  fl_diag *d;
  fl_diag_new(NULL, &d, NULL);
  fl_typed_event e = natt(0, "0000000000000000", 1);
  fl_diag_add(d, &e, "x.evtx", NULL);
  const fl_diag_result *r;
  fl_diag_finish(d, &r, NULL);
  CHECK(find(r, "timeout-nat") == NULL);
  const fl_episode *ep = find(r, "timeout");
  CHECK(ep && ep->count == 1 && ep->state == FL_EPISODE_SEEN_ONCE && !ep->finding);
  CHECK(ep && ep->confidence < 0.5);
  CHECK(r->finding_count == 0);
  fl_diag_free(d);
  /* netsh gives no cookies and no state: not evidence of a reply either */
  fl_diag_new(NULL, &d, NULL);
  for (int i = 0; i < 4; i++) {
    fl_typed_event w = natt((uint64_t)i * 600000000ull, "", -1);
    w.kind = FL_KIND_WFP_MM_FAILURE;
    fl_diag_add(d, &w, "x.netsh", NULL);
  }
  fl_diag_finish(d, &r, NULL);
  CHECK(find(r, "timeout-nat") == NULL && find(r, "timeout") != NULL);
  fl_diag_free(d);
}

/* A reply on 500 (responder cookie known, past the first exchange), then
** silence on 4500: the NAT-T path. MULTIPLE counts twice. */
static void natt_silent_after_float(void) {
  fl_diag *d;
  fl_diag_new(NULL, &d, NULL);
  for (int i = 0; i < 6; i++) {
    fl_typed_event e = natt((uint64_t)i * 600000000ull, "9f3a1c0d5e7b2a41", 3);
    e.multiple = i == 0;
    fl_diag_add(d, &e, "x.evtx", NULL);
  }
  const fl_diag_result *r;
  fl_diag_finish(d, &r, NULL);
  const fl_episode *ep = find(r, "timeout-nat");
  CHECK(ep && ep->count == 7 && ep->finding && ep->state == FL_EPISODE_ONGOING);
  fl_diag_free(d);
}

static void empty_input_note(void) {
  fl_diag *d;
  fl_diag_new(NULL, &d, NULL);
  fl_diag_note_source(d, "System.evtx", "evtx", 100, 3, 0, NULL);
  const fl_diag_result *r;
  fl_diag_finish(d, &r, NULL);
  CHECK(r->episode_count == 0 && r->note_count == 2);
  CHECK(r->note_count >= 1 && strcmp(r->notes[0].id, "nothing-in-scope") == 0);
  CHECK(r->note_count >= 1 && strstr(r->notes[0].command, "auditpol") != NULL);
  CHECK(r->source_count == 1 && strcmp(r->sources[0].path, "System.evtx") == 0);
  fl_diag_free(d);
}

static void iscsi_chap(void) {
  fl_diag *d;
  fl_diag_new(NULL, &d, NULL);
  fl_typed_event a = ev(FL_KIND_ISCSI_ERROR, "HV01", 0);
  a.source = FL_SOURCE_ISCSIPRT;
  a.event_id = 17;
  fl_typed_event b = ev(FL_KIND_ISCSI_ERROR, "HV01", 1000);
  b.source = FL_SOURCE_ISCSIPRT;
  b.event_id = 10;
  fl_diag_add(d, &a, "sys.evtx", NULL);
  fl_diag_add(d, &b, "sys.evtx", NULL);
  const fl_diag_result *r;
  fl_diag_finish(d, &r, NULL);
  const fl_episode *ep = find(r, "iscsi-chap-mismatch");
  CHECK(r->episode_count == 1 && ep && ep->count == 2);
  fl_diag_free(d);
}

/* Two iSCSI incidents of one initiator at one time: apart when the events
** name the target (WMI login statistics), one when they do not (iScsiPrt). */
static void iscsi_targets_apart(void) {
  fl_diag *d;
  fl_diag_new(NULL, &d, NULL);
  static const char *const targets[] = {"iqn.1991-05.com.microsoft:san01-vol1", "iqn.1991-05.com.microsoft:san02-vol7"};
  for (int i = 0; i < 8; i++) {
    fl_typed_event e = ev(FL_KIND_ISCSI_LOGIN_FAILURE, "HV01", (uint64_t)i * 600000000ull);
    e.source = FL_SOURCE_ISCSI_WMI;
    e.iscsi_failure_type = 2; /* LoginAuthenticateFail */
    e.iscsi_target = (fl_evtx_str){targets[i % 2], strlen(targets[i % 2])};
    fl_diag_add(d, &e, "wmi.jsonl", NULL);
  }
  const fl_diag_result *r;
  fl_diag_finish(d, &r, NULL);
  CHECK(r->episode_count == 2 && r->finding_count == 2);
  for (size_t i = 0; i < r->episode_count; i++) {
    CHECK(strcmp(r->episodes[i].host, "HV01") == 0 && r->episodes[i].count == 4);
    CHECK(r->episodes[i].peer_count == 1 && strstr(r->episodes[i].peer, "iqn.") == r->episodes[i].peer);
  }
  CHECK(r->episode_count == 2 && strcmp(r->episodes[0].peer, r->episodes[1].peer) != 0);
  fl_diag_free(d);
}

#define MIN 600000000ull

static fl_typed_event fail(const char *host, const char *local, const char *remote, uint32_t code,
                           uint64_t t) {
  fl_typed_event e = ev(FL_KIND_MM_FAILURE, host, t);
  e.local_address = (fl_evtx_str){local, strlen(local)};
  e.remote_address = (fl_evtx_str){remote, strlen(remote)};
  with_error(&e, code);
  return e;
}

static size_t count_cause(const fl_diag_result *r, const char *cause) {
  size_t n = 0;
  for (size_t i = 0; i < r->episode_count; i++) n += strcmp(r->episodes[i].cause_id, cause) == 0;
  return n;
}

/* 13806 is the logging host's own problem: SRV-WEB01 failing towards
** SRV-CA01 and SRV-CA01 failing towards WS01 at the same time are two
** findings, not one around the shared CA01. */
static void local_error_stays_with_its_host(void) {
  fl_diag *d;
  fl_diag_new(NULL, &d, NULL);
  for (int i = 0; i < 5; i++) {
    fl_typed_event a = fail("SRV-WEB01", "10.0.0.16", "10.0.0.17", 13806, (uint64_t)i * MIN);
    fl_typed_event b = fail("SRV-CA01", "10.0.0.17", "10.0.0.30", 13806, (uint64_t)i * MIN + 1);
    fl_diag_add(d, &a, "web.evtx", NULL);
    fl_diag_add(d, &b, "ca.evtx", NULL);
  }
  const fl_diag_result *r;
  fl_diag_finish(d, &r, NULL);
  CHECK(count_cause(r, "no-machine-cert") == 2 && r->finding_count == 2);
  for (size_t i = 0; i < r->episode_count; i++) {
    const fl_episode *ep = &r->episodes[i];
    CHECK(ep->count == 5 && ep->peer_count == 1);
    CHECK(strcmp(ep->host, "SRV-WEB01") == 0 ? strcmp(ep->peer, "SRV-CA01") == 0
                                              : strcmp(ep->host, "SRV-CA01") == 0);
  }
  fl_diag_free(d);
}

/* An external gateway is a peer, never the host of an episode. */
static void gateway_is_a_peer(void) {
  fl_diag *d;
  fl_diag_new(NULL, &d, NULL);
  for (int i = 0; i < 4; i++) {
    fl_typed_event a = fail("WS01", "10.0.0.1", "203.0.113.9", 13868, (uint64_t)i * MIN);
    fl_typed_event b = fail("WS02", "10.0.0.2", "203.0.113.9", 13868, (uint64_t)i * MIN + 1);
    fl_diag_add(d, &a, "ws.evtx", NULL);
    fl_diag_add(d, &b, "ws.evtx", NULL);
  }
  const fl_diag_result *r;
  fl_diag_finish(d, &r, NULL);
  CHECK(count_cause(r, "proposal-mismatch") == 2);
  for (size_t i = 0; i < r->episode_count; i++)
    CHECK(strcmp(r->episodes[i].host, "203.0.113.9") != 0 && r->episodes[i].count == 4);
  fl_diag_free(d);
}

/* The same failure twice, two days apart: two episodes; the first ended
** (failures stopped long before the log ends, no success seen), the second
** is ongoing. A success with another peer proves nothing for this pair. */
static void recurring_incidents_split(void) {
  fl_diag *d;
  fl_diag_new(NULL, &d, NULL);
  for (int day = 0; day < 2; day++)
    for (int i = 0; i < 6; i++) {
      fl_typed_event e = fail("WS01", "10.0.0.1", "10.0.0.9", 13801, (uint64_t)day * 48 * HOUR + (uint64_t)i * MIN);
      fl_diag_add(d, &e, "ws.evtx", NULL);
    }
  fl_typed_event other = ev(FL_KIND_MM_ESTABLISHED, "WS01", 10 * MIN);
  other.remote_address = STR("10.0.0.50");
  fl_diag_add(d, &other, "ws.evtx", NULL);
  const fl_diag_result *r;
  fl_diag_finish(d, &r, NULL);
  CHECK(count_cause(r, "cert-untrusted") == 2 && r->finding_count == 2);
  int ended = 0, ongoing = 0;
  for (size_t i = 0; i < r->episode_count; i++) {
    CHECK(r->episodes[i].count == 6 && r->episodes[i].successes == 0);
    ended += r->episodes[i].state == FL_EPISODE_ENDED;
    ongoing += r->episodes[i].state == FL_EPISODE_ONGOING;
  }
  CHECK(ended == 1 && ongoing == 1);
  fl_diag_free(d);
}

/* A netsh capture names no computer; read first, its episode stands under
** the local address until the Security log ties 10.0.0.5 to SRV1. One
** finding, and a failure both logs saw counts once. */
static void evtx_and_netsh_one_finding(void) {
  fl_diag *d;
  fl_diag_new(NULL, &d, NULL);
  for (int i = 0; i < 5; i++) {
    fl_typed_event w = fail("", "10.0.0.5", "10.0.0.9", 13801, (uint64_t)i * MIN);
    w.kind = FL_KIND_WFP_MM_FAILURE;
    w.source = FL_SOURCE_WFP;
    fl_diag_add(d, &w, "srv1.netsh.xml", NULL);
  }
  for (int i = 0; i < 5; i++) {
    fl_typed_event e = fail("SRV1", "10.0.0.5", "10.0.0.9", 13801, (uint64_t)i * MIN);
    fl_diag_add(d, &e, "srv1.evtx", NULL);
  }
  const fl_diag_result *r;
  fl_diag_finish(d, &r, NULL);
  CHECK(r->episode_count == 1 && r->finding_count == 1);
  CHECK(r->episode_count == 1 && strcmp(r->episodes[0].host, "SRV1") == 0 && r->episodes[0].count == 5);
  fl_diag_free(d);
}

/* netsh has no 5453 and no PAStore events: a timeout towards a host and a
** 13825 on a host say which Security log would decide the cause, with less
** confidence; with the hosts' Security logs there, nothing is missing. */
static void netsh_says_what_is_not_seen(void) {
  for (int with_seclog = 0; with_seclog < 2; with_seclog++) {
    fl_diag *d;
    fl_diag_new(NULL, &d, NULL);
    if (with_seclog) {
      fl_typed_event ok = fail("SRV12", "10.0.0.12", "10.0.0.30", 0, 0);
      ok.kind = FL_KIND_MM_ESTABLISHED;
      ok.is_failure = 0;
      ok.has = 0;
      fl_diag_add(d, &ok, "srv12.evtx", NULL);
      fl_typed_event p = ev(FL_KIND_POLICY_APPLIED, "APP5", MIN);
      p.local_address = STR("10.0.0.5");
      fl_diag_add(d, &p, "app5.evtx", NULL);
      fl_typed_event o = fail("APP5", "10.0.0.5", "10.0.0.30", 0, MIN);
      o.kind = FL_KIND_MM_ESTABLISHED;
      o.is_failure = 0;
      o.has = 0;
      fl_diag_add(d, &o, "app5.evtx", NULL);
    }
    fl_typed_event own = fail("", "10.0.0.12", "10.0.0.40", 13801, MIN); /* it logs netsh */
    own.kind = FL_KIND_WFP_MM_FAILURE;
    own.source = FL_SOURCE_WFP;
    fl_diag_add(d, &own, "estate.netsh.xml", NULL);
    static const char *const from[] = {"10.0.0.21", "10.0.0.22", "10.0.0.23"};
    for (int i = 0; i < 6; i++) {
      fl_typed_event w = fail("", from[i % 3], "10.0.0.12", 13805, (uint64_t)(2 + i) * MIN);
      w.kind = FL_KIND_WFP_MM_FAILURE;
      w.source = FL_SOURCE_WFP;
      fl_diag_add(d, &w, "estate.netsh.xml", NULL);
    }
    for (int i = 0; i < 4; i++) {
      fl_typed_event w = fail("", "10.0.0.5", i % 2 ? "10.0.0.7" : "10.0.0.8", 13825, (uint64_t)(20 + i) * MIN);
      w.kind = FL_KIND_WFP_MM_FAILURE;
      w.source = FL_SOURCE_WFP;
      fl_diag_add(d, &w, "estate.netsh.xml", NULL);
    }
    const fl_diag_result *r;
    fl_diag_finish(d, &r, NULL);
    const fl_episode *t = find(r, "timeout"), *p = find(r, "no-policy");
    CHECK(t && p && t->finding && p->finding);
    if (!with_seclog) {
      CHECK(t && strstr(t->not_seen, "Security log of 10.0.0.12") && strstr(t->not_seen, "5453"));
      CHECK(p && strstr(p->not_seen, "Security log of 10.0.0.5") && strstr(p->not_seen, "5457"));
      CHECK(t && t->confidence < 0.5 && p && p->confidence < 0.5);
    } else {
      CHECK(t && strcmp(t->host, "SRV12") == 0 && t->not_seen[0] == 0 && t->confidence >= 0.5);
      CHECK(p && strcmp(p->host, "APP5") == 0 && p->not_seen[0] == 0 && p->confidence >= 0.5);
    }
    fl_diag_free(d);
  }
}

typedef struct cb_log {
  size_t opened, updated, closed, open_now, max_open;
  uint64_t first_id;
  int first_closed_final;
} cb_log;

static void on_episode(fl_episode_change what, const fl_episode *ep, void *user) {
  cb_log *l = user;
  if (what == FL_EPISODE_OPENED) {
    l->opened++;
    if (!l->first_id) l->first_id = ep->id;
    if (++l->open_now > l->max_open) l->max_open = l->open_now;
  } else if (what == FL_EPISODE_UPDATED) {
    l->updated++;
  } else {
    l->closed++;
    l->open_now--;
    if (ep->id == l->first_id) l->first_closed_final = ep->state == FL_EPISODE_ENDED && ep->count == 3;
  }
}

/* Live use: episodes open, become findings, close when their gap expires;
** with drop_closed nothing is kept, and what is open stays small however
** many episodes pass. */
static void callbacks_and_bounded_memory(void) {
  cb_log log;
  memset(&log, 0, sizeof log);
  fl_diag_options o;
  memset(&o, 0, sizeof o);
  o.on_episode = on_episode;
  o.user = &log;
  o.drop_closed = 1;
  fl_diag *d;
  CHECK(fl_diag_new(&o, &d, NULL) == FL_OK);
  for (int n = 0; n < 2000; n++) /* a new 3-failure incident every 6 hours */
    for (int i = 0; i < 3; i++) {
      fl_typed_event e = fail("WS01", "10.0.0.1", "203.0.113.9", 13868, (uint64_t)n * 6 * HOUR + (uint64_t)i * MIN);
      CHECK(fl_diag_add(d, &e, "live", NULL) == FL_OK);
    }
  CHECK(fl_diag_advance(d, 133000000000000000ull + 2001ull * 6 * HOUR, NULL) == FL_OK);
  CHECK(log.opened == 2000 && log.closed == 2000 && log.max_open <= 2);
  CHECK(log.updated >= 2000); /* each became a finding at its 2nd failure */
  CHECK(log.first_closed_final);
  const fl_diag_result *r;
  CHECK(fl_diag_finish(d, &r, NULL) == FL_OK && r->episode_count == 0);
  fl_diag_free(d);
}

int main(void) {
  RUN(cert_untrusted_recovers);
  RUN(ikeext_stopped_on_peer);
  RUN(ikeext_stopped_address_inferred);
  RUN(policy_not_applied_joins);
  RUN(benign_never_a_finding);
  RUN(natt_real_shape_is_no_proof);
  RUN(natt_silent_after_float);
  RUN(empty_input_note);
  RUN(iscsi_chap);
  RUN(iscsi_targets_apart);
  RUN(local_error_stays_with_its_host);
  RUN(gateway_is_a_peer);
  RUN(recurring_incidents_split);
  RUN(evtx_and_netsh_one_finding);
  RUN(netsh_says_what_is_not_seen);
  RUN(callbacks_and_bounded_memory);
  TEST_EXIT();
}
