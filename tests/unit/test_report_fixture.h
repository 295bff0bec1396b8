/*
** Hand-made diagnosis results for the report tests (tests/unit/test_report*.c):
** three findings (ongoing, intermittent, recovered), one benign episode,
** coverage notes and sources, with attacker-style strings in every field an
** event can fill. Test-only; never linked into the library.
*/
#ifndef FL_TEST_REPORT_FIXTURE_H
#define FL_TEST_REPORT_FIXTURE_H

#include <string.h>

#include "faultline/report.h"

#define FX_T0 133541064000000000ULL /* 2024-03-05T10:00:00Z */
#define FX_MIN 600000000ULL         /* one minute in FILETIME ticks */

#define FX_XSS_HOST "<script>alert(1)</script>"
#define FX_XSS_PEER "\"><img src=x onerror=alert(2)>"
#define FX_ANSI_HOST "srv\x1b[31mRED\x1b[0m\x07"
#define FX_FORMULA "=cmd|' /C calc'!A0"
#define FX_BAD_UTF8 "bad\xff\xfeutf8\xc3("
#define FX_C1 "c1\xc2\x9b" "2J"
#define FX_CHECK_XSS "Run certutil -verify.\n</script><script>alert(3)</script> 'quoted' & done"

static char fx_long_host[5001];
static uint64_t fx_times[200];

static const char *const fx_hosts0[] = {FX_XSS_HOST, "srv02.corp.example"};
static const char *const fx_peers0[] = {FX_XSS_PEER, "10.0.0.6", FX_FORMULA};
static const char *const fx_hosts1[] = {FX_ANSI_HOST};
static const char *const fx_peers1[] = {FX_BAD_UTF8};
static const char *fx_hosts2[1];
static const char *const fx_peers2[] = {"iqn.1991-05.com.microsoft:target1"};
static const char *const fx_hosts3[] = {"dc01"};
static const char *const fx_peers3[] = {FX_C1};

static fl_evidence fx_ev0[6];
static const fl_evidence fx_ev1[] = {
    {FX_BAD_UTF8 ".evtx", 77, FX_T0 + 5 * FX_MIN, 4653, 13806, NULL, FX_BAD_UTF8, "CORP\\SRV-WEB01$", 500},
    {"-", 78, FX_T0 + 50 * FX_MIN, 4653, 13806, NULL, FX_C1, "", 4500}};
static const fl_evidence fx_ev2[] = {
    {"System.evtx", 9001, FX_T0 + 2 * FX_MIN, 20, 0xEFFF0009u, NULL, "iqn.1991-05.com.microsoft:target1", "", 0}};

static fl_episode fx_episodes[4];

static const fl_coverage_note fx_notes[] = {
    {"no-ipsec-mm-auditing",
     "IPsec Main Mode auditing is off, so 4653 failures were never logged on "
     "these hosts; findings below rely on WFP net events only.",
     "auditpol /set /subcategory:\"IPsec Main Mode\" /failure:enable"},
    {"netsh-ring-buffer", "The WFP net-event ring buffer holds only the most "
     "recent failures; older ones were overwritten.", ""}};

static const fl_diag_source fx_sources[] = {
    {"Security.evtx", "evtx", 120345, 3, 812},
    {FX_XSS_HOST ".xml", "xml", 40, 0, 40},
    {"netevents.xml", "netsh", 12, 1, 12}};

static fl_diag_result fx_result;

static inline void fx_episode(fl_episode *e, const char *id, const char *title,
                       double conf, fl_episode_state st, uint64_t first,
                       uint64_t last, uint64_t count) {
  memset(e, 0, sizeof *e);
  e->cause_id = id;
  e->cause_title = title;
  e->confidence = conf;
  e->state = st;
  e->first_seen = first;
  e->last_seen = last;
  e->count = count;
  e->finding = 1;
  e->impact = (double)count * conf;
}

static inline const fl_diag_result *fx_build(void) {
  memset(fx_long_host, 'a', sizeof fx_long_host - 1);
  memcpy(fx_long_host, "long-", 5);
  fx_hosts2[0] = fx_long_host;
  for (size_t i = 0; i < 200; i++)
    fx_times[i] = FX_T0 + (uint64_t)(i * i) * FX_MIN / 200 + i * FX_MIN / 4;
  for (size_t i = 0; i < 6; i++)
    fx_ev0[i] = (fl_evidence){i == 2 ? FX_FORMULA : "Security.evtx", 1000 + i,
                              fx_times[i * 39], 4653, 13801, NULL,
                              i == 1 ? FX_XSS_PEER : "10.0.0.2", i == 1 ? FX_ANSI_HOST : "", 500};

  fl_episode *e = &fx_episodes[0];
  fx_episode(e, "cert-untrusted", "Peer does not trust our certificate chain",
             0.85, FL_EPISODE_ONGOING, fx_times[0], fx_times[199], 212);
  e->explanation = "IKE authentication failed with 13801 after certificate "
                   "exchange; the peer's CA store lacks our issuing CA.";
  e->check = FX_CHECK_XSS;
  e->source = "field-knowledge.md section 2a";
  e->host = FX_XSS_HOST; e->peer = FX_XSS_PEER; e->keying_module = "IKEv1";
  e->error_code = 13801; e->error_symbol = "";
  e->host_count = 2; e->hosts = fx_hosts0;
  e->peer_count = 3; e->peers = fx_peers0;
  e->evidence_count = 6; e->evidence = fx_ev0;
  e->time_count = 200; e->times = fx_times;

  e = &fx_episodes[1];
  fx_episode(e, "psk-mismatch", FX_FORMULA, 0.6, FL_EPISODE_INTERMITTENT,
             FX_T0 + 5 * FX_MIN, FX_T0 + 50 * FX_MIN, 2);
  e->check = "Compare the pre-shared keys on both sides.";
  e->host = FX_ANSI_HOST; e->peer = FX_BAD_UTF8; e->keying_module = FX_C1;
  e->error_code = 13806; e->error_symbol = "ERROR_IPSEC_IKE_NO_CERT";
  e->successes = 3;
  e->host_count = 1; e->hosts = fx_hosts1;
  e->peer_count = 1; e->peers = fx_peers1;
  e->evidence_count = 2; e->evidence = fx_ev1;

  e = &fx_episodes[2];
  fx_episode(e, "iscsi-login-auth", "iSCSI login rejected: CHAP secret",
             0.7, FL_EPISODE_RECOVERED, FX_T0 + 2 * FX_MIN, FX_T0 + 2 * FX_MIN, 1);
  e->check = "Set the same CHAP secret on initiator and target.";
  e->host = fx_long_host; e->peer = fx_peers2[0]; e->keying_module = "";
  e->error_code = 0xEFFF0009u; e->error_symbol = "";
  e->successes = 1;
  e->host_count = 1; e->hosts = fx_hosts2;
  e->peer_count = 1; e->peers = fx_peers2;
  e->evidence_count = 1; e->evidence = fx_ev2;

  e = &fx_episodes[3];
  fx_episode(e, "benign-negotiation-timeout", "Negotiation timed out (idle peer)",
             0.9, FL_EPISODE_RECOVERED, FX_T0, FX_T0 + 30 * FX_MIN, 4);
  e->finding = 0; e->benign = 1;
  e->host = "dc01"; e->peer = FX_C1; e->keying_module = "AuthIP";
  e->host_count = 1; e->hosts = fx_hosts3;
  e->peer_count = 1; e->peers = fx_peers3;

  fx_result = (fl_diag_result){
      4, fx_episodes, 3, 2, fx_notes, 3, fx_sources, 864, 219,
      FX_T0, FX_T0 + 250 * FX_MIN};
  return &fx_result;
}

#endif
