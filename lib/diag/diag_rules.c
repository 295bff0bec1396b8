/*
** Diagnosis rules as tables: rules.def (causes), codes.def (code lists),
** params.def (shared thresholds), and the small named predicates the rules
** refer to (conditions on one event, contexts from what other events said).
** Must never decide anything a table row cannot name: a new cause is a new
** row, a new predicate is one function and one entry below.
*/
#include <string.h>

#include "diag/diag_internal.h"

enum {
  COND_NONE,
  COND_NATT_SILENT_AFTER_FLOAT,
  COND_NATT_NO_REPLY,
  COND_ISCSI_CHAP,
  COND_ISCSI_LOGIN,
  COND_ISCSI_CONNECT
};
/* IKEEXT_MM_SA_STATE_SSPI_SENT: the second exchange was sent, so the first
** got a reply (wfp_enums.def). */
enum { MM_STATE_SECOND_SENT = 2 };
enum { CTX_NONE, CTX_PEER_IKEEXT_STOPPED, CTX_HOST_POLICY_FAILED, CTX_HOST_CHAP_ERROR };

enum {
  C_ANY = 0,
#define FL_CODES(id, ...) id,
#include "diag/codes.def"
#undef FL_CODES
};

#define FL_CODES(id, ...) static const uint32_t list_##id[] = {__VA_ARGS__};
#include "diag/codes.def"
#undef FL_CODES

static const struct {
  const char *name;
  const uint32_t *v;
  size_t n;
} code_lists[] = {
    {"C_ANY", NULL, 0},
#define FL_CODES(id, ...) {#id, list_##id, DIAG_COUNT(list_##id)},
#include "diag/codes.def"
#undef FL_CODES
};

const diag_rule diag_rules[] = {
#define FL_RULE(cause, kinds, codes, cond, ctx, key, recover, conf, minf, gmin, gmax, kk, kkey, title, expl) \
  {cause, kinds, codes, cond, ctx, key, recover, conf, minf, gmin, gmax, kk, kkey, title, expl},
#include "diag/rules.def"
#undef FL_RULE
};
const size_t diag_rule_count = DIAG_COUNT(diag_rules);

static const double params[] = {
#define FL_PARAM(name, value, meaning) value,
#include "diag/params.def"
#undef FL_PARAM
};

double diag_param(int p) { return p >= 0 && p < P_COUNT_ ? params[p] : 0.0; }

int diag_code_in(int list, uint32_t v) {
  if (list == C_ANY) return 1;
  for (size_t i = 0; i < code_lists[list].n; i++)
    if (code_lists[list].v[i] == v) return 1;
  return 0;
}

int diag_code_list(const char *name) {
  for (size_t i = 0; i < DIAG_COUNT(code_lists); i++)
    if (strcmp(code_lists[i].name, name) == 0) return (int)i;
  return -1;
}

/* ---- conditions on the event itself ---------------------------------- */
static int cond_none(const diag_event *e) {
  (void)e;
  return 1;
}

/* A reply came on UDP 500 (the responder's cookie is known, or the main
** mode got past its first exchange), then the negotiation floated to 4500
** and went silent: the NAT-T path is what fails. */
static int cond_natt_silent_after_float(const diag_event *e) {
  return e->remote_port == 4500 &&
         (e->resp_cookie_set || e->mm_state >= MM_STATE_SECOND_SENT);
}

int diag_no_reply_seen(const diag_event *e) {
  return e->resp_cookie_zero || (e->mm_state >= 0 && e->mm_state < MM_STATE_SECOND_SENT);
}

/* On 4500 and nothing ever came back: not proof of a blocked NAT-T path. */
static int cond_natt_no_reply(const diag_event *e) {
  return e->remote_port == 4500 && !cond_natt_silent_after_float(e);
}

static int cond_iscsi_chap(const diag_event *e) {
  return e->kind == FL_KIND_ISCSI_LOGIN_FAILURE ? e->iscsi_failure == 2
                                                : diag_code_in(I_ISCSI_CHAP, e->event_id);
}

static int cond_iscsi_login(const diag_event *e) { return diag_code_in(I_ISCSI_LOGIN, e->event_id); }
static int cond_iscsi_connect(const diag_event *e) { return diag_code_in(I_ISCSI_CONNECT, e->event_id); }

static int (*const conditions[])(const diag_event *) = {
    [COND_NONE] = cond_none,
    [COND_NATT_SILENT_AFTER_FLOAT] = cond_natt_silent_after_float,
    [COND_NATT_NO_REPLY] = cond_natt_no_reply,
    [COND_ISCSI_CHAP] = cond_iscsi_chap,
    [COND_ISCSI_LOGIN] = cond_iscsi_login,
    [COND_ISCSI_CONNECT] = cond_iscsi_connect,
};

/* ---- contexts: what other events said --------------------------------- */
static int ctx_none(const struct fl_diag *d, const diag_event *e) {
  (void)d;
  (void)e;
  return 1;
}

/* The peer is a host (known, or inferred, address owner) that logged 5453
** around this time. */
static int ctx_peer_ikeext_stopped(const struct fl_diag *d, const diag_event *e) {
  uint32_t owner = diag_owner(d, e->peer);
  if (!owner) return 0;
  const diag_node *n = &d->nodes[owner];
  uint64_t w = (uint64_t)(diag_param(P_STOPPED_WINDOW_MIN) * (double)DIAG_MINUTE);
  uint64_t hold = (uint64_t)(diag_param(P_STOPPED_HOLD_MIN) * (double)DIAG_MINUTE);
  return n->stopped_first && e->time + w >= n->stopped_first && e->time <= n->stopped_last + hold;
}

static int ctx_host_policy_failed(const struct fl_diag *d, const diag_event *e) {
  uint64_t t = d->nodes[diag_find_const(d, e->node)].policy_failed;
  return t && t <= e->time + 120 * DIAG_MINUTE && e->time <= t + 24 * 60 * DIAG_MINUTE;
}

static int ctx_host_chap_error(const struct fl_diag *d, const diag_event *e) {
  uint64_t t = d->nodes[diag_find_const(d, e->node)].chap_error;
  return t && e->time <= t + 60 * DIAG_MINUTE && t <= e->time + 60 * DIAG_MINUTE;
}

static int (*const contexts[])(const struct fl_diag *, const diag_event *) = {
    [CTX_NONE] = ctx_none,
    [CTX_PEER_IKEEXT_STOPPED] = ctx_peer_ikeext_stopped,
    [CTX_HOST_POLICY_FAILED] = ctx_host_policy_failed,
    [CTX_HOST_CHAP_ERROR] = ctx_host_chap_error,
};

int diag_match_rule(const struct fl_diag *d, const diag_event *e) {
  for (size_t r = 0; r < diag_rule_count; r++) {
    const diag_rule *ru = &diag_rules[r];
    if (!(ru->kinds & (1ull << e->kind))) continue;
    if (ru->codes != C_ANY && (!e->has_error || !diag_code_in(ru->codes, e->error_code))) continue;
    if (conditions[ru->cond](e) && contexts[ru->ctx](d, e)) return (int)r;
  }
  return -1;
}

int diag_canonical_rule(int r) {
  for (int i = 0; i < r; i++)
    if (strcmp(diag_rules[i].cause, diag_rules[r].cause) == 0) return i;
  return r;
}
