/*
** The scenarios `faultline gen` knows, as tables: each is a list of steps
** (event, who logs it, error code, SDK enum values, repetitions, spacing)
** run by gen_engine.c inside background records. Causes and codes match
** ../shared/reference/field-knowledge.md §2b/2c.
** Must never contain per-scenario code: a new scenario is a new table.
*/
#include <string.h>

#include "gen/gen_engine.h"

/* SDK enum values (windows-events.md §1.2), named for readability */
enum { KM_IKE = 0, KM_AUTHIP = 1, KM_IKEV2 = 2 };
enum { AU_PSK = 0, AU_CERT = 1, AU_KERB = 2 };
enum { ST_NONE = 0, ST_SA_SENT = 1, ST_SSPI_SENT = 2, ST_FINAL = 3 };
enum { QM_INITIAL = 1, EM_SENT_ATTS = 1 };
enum { RO_INIT = 0, RO_RESP = 1 };
enum { FP_NONE = 0, FP_ME = 1, FP_PEER = 2 };

#define STEPS(a) a, sizeof(a) / sizeof((a)[0])

/* event, who, code, keymod, auth, state, role, fpoint, rport, reps, gap, flags */
static const gen_step cert_untrusted[] = {
    {4652, W_HOST, 13801, KM_IKE, AU_CERT, ST_SSPI_SENT, RO_RESP, FP_ME, 500, 6, 45, F_SCALE | F_NAMES | F_UNTRUSTED},
    {4653, W_PEER, 13801, KM_IKE, AU_CERT, ST_SSPI_SENT, RO_INIT, FP_PEER, 500, 6, 45, F_SCALE},
    {4651, W_HOST, 0, KM_IKE, AU_CERT, ST_NONE, RO_RESP, FP_NONE, 500, 3, 60, F_NAMES | F_RESOLVED},
};
static const gen_step no_machine_cert[] = {
    {4653, W_HOST, 13806, KM_IKEV2, AU_CERT, ST_NONE, RO_INIT, FP_ME, 500, 10, 30, F_SCALE},
};
static const gen_step proposal_mismatch[] = {
    {4653, W_HOST, 13868, KM_IKEV2, AU_CERT, ST_SA_SENT, RO_INIT, FP_PEER, 500, 8, 30, F_SCALE | F_AUTH_UNKNOWN},
    {4654, W_HOST, 13868, KM_IKEV2, AU_CERT, QM_INITIAL, RO_INIT, FP_PEER, 4500, 2, 60, 0},
};
static const gen_step timeout_nat[] = {
    /* IKE_SA_INIT answered on 500 (responder cookie known), IKE_AUTH sent
    ** after the float to 4500, then silence: the NAT-T path is blocked */
    {4653, W_HOST, 13805, KM_IKEV2, AU_CERT, ST_SSPI_SENT, RO_INIT, FP_ME, 4500, 12, 30, F_SCALE},
};
static const gen_step kerberos_dc[] = {
    {4653, W_HOST, 13827, KM_AUTHIP, AU_KERB, ST_SSPI_SENT, RO_INIT, FP_ME, 500, 8, 40, F_SCALE},
    {4984, W_HOST, 13827, KM_AUTHIP, AU_KERB, EM_SENT_ATTS, RO_INIT, FP_ME, 500, 3, 60, F_SCALE | F_NAMES},
};
static const gen_step policy_not_applied[] = {
    {5457, W_SOLO, 0, KM_IKE, AU_KERB, ST_NONE, RO_RESP, FP_NONE, 500, 1, 300, 0},
    {5466, W_SOLO, 0, KM_IKE, AU_KERB, ST_NONE, RO_RESP, FP_NONE, 500, 3, 3600, 0},
    {4653, W_HOST, 13825, KM_IKE, AU_KERB, ST_NONE, RO_RESP, FP_ME, 500, 10, 30, F_SCALE | F_AUTH_UNKNOWN},
};
static const gen_step ikeext_stopped[] = {
    {5453, W_SOLO, 0, KM_IKE, AU_KERB, ST_NONE, RO_INIT, FP_NONE, 500, 4, 20, 0},
    {4653, W_PEER, 13805, KM_IKE, AU_KERB, ST_SA_SENT, RO_INIT, FP_ME, 500, 10, 30, F_SCALE | F_ZERO_RCOOKIE | F_AUTH_UNKNOWN},
};
static const gen_step replay_or_tamper[] = {
    {4976, W_HOST, 0, KM_IKE, AU_CERT, ST_NONE, RO_RESP, FP_NONE, 500, 25, 2, F_SCALE},
};
static const gen_step dos_mode[] = {
    {4646, W_SOLO, 0, KM_IKE, AU_CERT, ST_NONE, RO_RESP, FP_NONE, 500, 1, 600, 0},
    {4646, W_SOLO, 0, KM_IKE, AU_CERT, ST_NONE, RO_RESP, FP_NONE, 500, 1, 900, F_NOTIF_STOP},
};
static const gen_step benign_noise[] = {
    {4650, W_HOST, 13807, KM_IKE, AU_KERB, ST_SSPI_SENT, RO_INIT, FP_PEER, 500, 10, 120, F_SCALE | F_BENIGN | F_NAMES},
};
/* The real event's shape (windows-events.md 3.6): initiator on the floated
** port 4500, responder cookie 0, "Sent first (SA) payload", authentication not
** negotiated yet: no answer at all, each retry after the previous timeout. */
static const gen_step timeout_real[] = {
    {4653, W_HOST, 13805, KM_IKEV2, AU_CERT, ST_SA_SENT, RO_INIT, FP_ME, 4500, 8, 90, F_SCALE | F_ZERO_RCOOKIE | F_AUTH_UNKNOWN},
};
/* One such timeout and nothing more: a client that gave up or roamed. */
static const gen_step lone_timeout[] = {
    {4653, W_HOST, 13805, KM_IKEV2, AU_CERT, ST_SA_SENT, RO_INIT, FP_ME, 4500, 1, 60, F_ZERO_RCOOKIE | F_AUTH_UNKNOWN},
};
/* 13878 "Temporary state created to perform reinitialization. This is not a
** real failure." (winerror.h), logged as a 4653 like any failure. */
static const gen_step benign_reinit[] = {
    {4653, W_HOST, 13878, KM_IKE, AU_KERB, ST_FINAL, RO_INIT, FP_ME, 500, 2, 5, F_NAMES | F_BENIGN_FAIL},
};
static const gen_step iscsi_chap[] = {
    {17, W_SOLO, 0, 0, 0, 0, 0, 0, 3260, 1, 2, F_ISCSI},
    {10, W_SOLO, 0, 0, 0, 0, 0, 0, 3260, 1, 20, F_ISCSI},
};
static const gen_step iscsi_gone[] = {
    {20, W_SOLO, 0, 0, 0, 0, 0, 0, 3260, 1, 5, F_ISCSI},
    {1, W_SOLO, 0, 0, 0, 0, 0, 0, 3260, 10, 15, F_ISCSI | F_SCALE},
};

/* {name, cause, code, default hosts, summary}, steps, remote, peers, cycles,
** scale cycles, episodes, enterprise (1 enterprise, 2 estate), iSCSI failure
** type, benign (no finding expected) */
static const gen_scenario scenarios[] = {
    {{"cert-untrusted", "cert-untrusted", 13801, 4, "4652/4653 13801 from several peers until the chain is fixed, then 4651"},
     STEPS(cert_untrusted), R_HOST, 3, 1, 0, 1, 0, -1, 0},
    {{"no-machine-cert", "no-machine-cert", 13806, 4, "4653 13806: no valid machine certificate"},
     STEPS(no_machine_cert), R_HOST, 1, 1, 0, 1, 0, -1, 0},
    {{"proposal-mismatch", "proposal-mismatch", 13868, 4, "4653/4654 13868: IKEv2 crypto proposal mismatch with a gateway"},
     STEPS(proposal_mismatch), R_EXT, 1, 1, 0, 1, 0, -1, 0},
    {{"timeout-nat", "timeout-nat", 13805, 4, "4653 13805 on UDP 4500 after a reply on 500 (responder cookie set, second payload sent): NAT-T path blocked"},
     STEPS(timeout_nat), R_EXT, 1, 1, 0, 1, 0, -1, 0},
    {{"kerberos-dc-unreachable", "kerberos-dc-unreachable", 13827, 4, "4653/4984 13827: AuthIP Kerberos, DC unreachable"},
     STEPS(kerberos_dc), R_HOST, 2, 1, 0, 1, 0, -1, 0},
    {{"policy-not-applied", "policy-not-applied", 13825, 4, "5457, 5466 cached copy, then 13825 failures on that host"},
     STEPS(policy_not_applied), R_HOST, 2, 1, 0, 1, 0, -1, 0},
    {{"ikeext-stopped", "ikeext-stopped", 13805, 4, "5453 on one host, 13805 timeouts on its peers"},
     STEPS(ikeext_stopped), R_HOST, 3, 1, 0, 1, 0, -1, 0},
    {{"replay-or-tamper", "replay-or-tamper", 0, 4, "4976 bursts from one address"},
     STEPS(replay_or_tamper), R_EXT, 1, 1, 0, 1, 0, -1, 0},
    {{"dos-mode", "dos-mode", 0, 4, "4646 %%8214 DoS prevention started / %%8215 stopped"},
     STEPS(dos_mode), R_EXT, 1, 1, 1, 1, 0, -1, 0},
    {{"benign-noise", "benign-noise", 13807, 4, "BENIGN|MULTIPLE MM failures (netsh only); successes in event logs"},
     STEPS(benign_noise), R_HOST, 3, 1, 0, 1, 0, -1, 1},
    {{"iscsi-chap-mismatch", "iscsi-chap-mismatch", 0xEFFF0009u, 4, "iScsiPrt 17 and 10: CHAP secret mismatch (LoginAuthenticateFail)"},
     STEPS(iscsi_chap), R_ISCSI, 1, 6, 1, 1, 0, 2, 0},
    {{"iscsi-target-gone", "iscsi-target-gone", 0xEFFF0003u, 4, "iScsiPrt 20 then repeated 1: target unreachable"},
     STEPS(iscsi_gone), R_ISCSI, 1, 1, 0, 1, 0, -1, 0},
    {{"enterprise", "mixed", 0, 40, "many of the above across N hosts over days"},
     NULL, 0, R_HOST, 0, 1, 0, 0, 1, -1, 0},
    /* after enterprise: enterprise mixes only the scenarios above it */
    {{"timeout", "timeout", 13805, 4, "4653 13805 initiator on 4500, responder cookie 0: no answer from an external gateway"},
     STEPS(timeout_real), R_EXT, 1, 1, 0, 1, 0, -1, 0},
    {{"lone-timeout", "lone-timeout", 13805, 4, "benign: a single 13805 timeout of that shape (seen once, no finding)"},
     STEPS(lone_timeout), R_EXT, 1, 1, 0, 1, 0, -1, 1},
    {{"benign-reinit", "benign-reinit", 13878, 4, "benign: 4653 13878 BENIGN_REINIT (\"not a real failure\"), netsh flag BENIGN"},
     STEPS(benign_reinit), R_HOST, 1, 1, 0, 1, 0, -1, 1},
    {{"estate", "mixed", 0, 60, "an estate over days: overlapping, recurring, intermittent and benign incidents, IKEv1/IKEv2, external gateways"},
     NULL, 0, R_HOST, 0, 1, 0, 0, 2, -1, 0},
    {{"estate-benign", "benign", 0, 60, "the estate's benign failures only (lone timeouts, 13878, netsh BENIGN): no finding expected"},
     NULL, 0, R_HOST, 0, 1, 0, 0, 3, -1, 1},
};

size_t fl_gen_scenarios(const gen_scenario **out) {
  *out = scenarios;
  return sizeof scenarios / sizeof scenarios[0];
}

const gen_scenario *fl_gen_scenario_def(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
    if (strcmp(scenarios[i].info.name, name) == 0) return &scenarios[i];
  return NULL;
}

size_t fl_gen_scenario_count(void) { return sizeof scenarios / sizeof scenarios[0]; }

const fl_gen_scenario_info *fl_gen_scenario_at(size_t index) {
  return index < fl_gen_scenario_count() ? &scenarios[index].info : NULL;
}

const fl_gen_scenario_info *fl_gen_scenario_find(const char *name) {
  const gen_scenario *s = fl_gen_scenario_def(name);
  return s ? &s->info : NULL;
}
