/*
** Host identity for diagnosis: which host an address is. Learned only from
** events that carry both a computer name and a local address (4650/4651/
** 4653/4654 and the like, successes included), so the Security log and a
** netsh capture of one host (which names no computer) become one node.
** Also keeps per-host context other rules ask about (5453 runs, PAStore
** failures, CHAP errors, last success).
**
** One inference, gated on evidence: a host that logged 5453 names no
** address of its own; when exactly one such host is stopped and at least
** INFER_MIN_HOSTS hosts time out towards one unknown address with no reply
** on UDP 500, that address is taken to be the host's — and the episode says
** so. Must never present an inference as a fact, never merge two hosts that
** claim the same address, and never take an address that logs events, or a
** NAT-T (4500) destination, for a stopped host.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag_internal.h"

int diag_nodes_reserve(struct fl_diag *d) {
  size_t need = d->strings.count + 1;
  if (need <= d->node_cap) return 0;
  size_t cap = d->node_cap ? d->node_cap : 256;
  while (cap < need) cap *= 2;
  diag_node *n = realloc(d->nodes, cap * sizeof *n);
  if (!n) return -1;
  memset(n + d->node_cap, 0, (cap - d->node_cap) * sizeof *n);
  for (size_t i = d->node_cap; i < cap; i++) n[i].parent = (uint32_t)i;
  d->nodes = n;
  d->node_cap = cap;
  return 0;
}

uint32_t diag_find_const(const struct fl_diag *d, uint32_t id) {
  if (id >= d->node_cap) return id;
  while (d->nodes[id].parent != id) id = d->nodes[id].parent;
  return id;
}

uint32_t diag_find(struct fl_diag *d, uint32_t id) {
  uint32_t root = diag_find_const(d, id);
  while (id < d->node_cap && d->nodes[id].parent != root) {
    uint32_t next = d->nodes[id].parent;
    d->nodes[id].parent = root;
    id = next;
  }
  return root;
}

uint32_t diag_owner(const struct fl_diag *d, uint32_t addr) {
  if (!addr || addr >= d->node_cap) return 0;
  uint32_t root = diag_find_const(d, addr);
  return root != addr ? root : 0;
}

/* addr is host: one node from now on. */
static int join(struct fl_diag *d, uint32_t addr, uint32_t host, uint64_t t, uint32_t event_id,
                int inferred) {
  diag_node *a = &d->nodes[addr];
  uint32_t ra = diag_find(d, addr), rh = diag_find(d, host);
  if (ra == rh) return 0;
  if (a->owner && a->owner != host) {
    a->conflict = 1; /* DHCP reuse, NAT, a shared VIP: no identity */
    return 0;
  }
  if (ra != addr) return 0; /* addr already stands for another host */
  a->owner = host;
  a->owner_time = t;
  a->owner_event = event_id;
  a->inferred = (uint8_t)inferred;
  d->nodes[ra].parent = rh;
  d->nodes[rh].has_addr = 1;
  if (a->logged) d->nodes[rh].logged = 1;
  if (a->seclog) d->nodes[rh].seclog = 1;
  return 1;
}

int diag_identity_learn(struct fl_diag *d, const diag_event *e) {
  int changed = 0;
  d->nodes[e->node].logged = 1;
  uint32_t h = diag_find(d, e->node);
  d->nodes[h].logged = 1;
  if (e->host && e->local_addr && e->local_addr != e->host && !d->nodes[e->local_addr].conflict)
    changed |= join(d, e->local_addr, e->host, e->time, e->event_id, 0);
  h = diag_find(d, e->node);
  diag_node *n = &d->nodes[h];
  uint64_t k = 1ull << e->kind;
  if (k & DIAG_SECLOG_KINDS) n->seclog = d->nodes[e->node].seclog = 1;
  uint64_t w = (uint64_t)(diag_param(P_STOPPED_WINDOW_MIN) * (double)DIAG_MINUTE);
  if (k & K(IKEEXT_NOT_STARTED)) {
    if (!n->stopped_first || e->time > n->stopped_last + w || n->last_ok > n->stopped_last)
      n->stopped_first = e->time;
    n->stopped_last = e->time;
    changed |= 2;
  }
  if (k & (K(POLICY_FAILED) | K(POLICY_CACHED))) {
    n->policy_failed = e->time;
    changed |= 2;
  }
  if ((k & K(ISCSI_ERROR)) && diag_code_in(diag_code_list("I_ISCSI_CHAP"), e->event_id)) {
    if (!n->chap_error || e->time > n->chap_error + 60 * DIAG_MINUTE) changed |= 2;
    n->chap_error = e->time;
  }
  if (!e->is_failure && (k & (K(MM_ESTABLISHED) | K(QM_ESTABLISHED) | K(EM_ESTABLISHED))))
    n->last_ok = e->time;
  return changed;
}

/* A timeout episode that says "no reply on UDP 500" towards addr. */
static int silent_on_500(const diag_episode *ep, uint32_t addr) {
  return ep->npeers == 1 && ep->peers[0] == addr && ep->rep.remote_port != 4500 &&
         diag_no_reply_seen(&ep->rep) && strcmp(diag_rules[ep->cause].cause, "timeout") == 0;
}

int diag_identity_infer_stopped(struct fl_diag *d, uint32_t addr, uint64_t now) {
  if (!addr || addr >= d->node_cap) return 0;
  diag_node *a = &d->nodes[addr];
  if (a->owner || a->conflict || a->logged || diag_find(d, addr) != addr) return 0;
  size_t hosts = 0;
  uint64_t first = 0;
  for (size_t i = 0; i < d->nopen + d->ndone; i++) {
    const diag_episode *ep = i < d->nopen ? d->open[i] : d->done[i - d->nopen];
    if (ep->benign || !silent_on_500(ep, addr)) continue;
    hosts++;
    if (!first || ep->first < first) first = ep->first;
  }
  if ((double)hosts < diag_param(P_INFER_MIN_HOSTS)) return 0;
  uint64_t w = (uint64_t)(diag_param(P_STOPPED_WINDOW_MIN) * (double)DIAG_MINUTE);
  uint32_t cand = 0;
  size_t ncand = 0;
  for (size_t i = 1; i < d->strings.count && i < d->node_cap; i++) {
    const diag_node *n = &d->nodes[i];
    if (n->parent != i || !n->stopped_first || n->has_addr) continue;
    if (first + w < n->stopped_first || first > n->stopped_last + w) continue;
    cand = (uint32_t)i;
    ncand++;
  }
  if (ncand != 1) return 0;
  if (!join(d, addr, cand, now, 5453, 1)) return 0;
  a->infer_hosts = (uint32_t)hosts;
  a->infer_first = first;
  return 1;
}

char *diag_identity_inference_text(const struct fl_diag *d, uint32_t addr) {
  const diag_node *a = &d->nodes[addr];
  if (!a->inferred) return NULL;
  const char *host = diag_str(&d->strings, a->owner);
  const diag_node *h = &d->nodes[diag_find_const(d, a->owner)];
  char t1[32], t2[32];
  diag_iso_time(h->stopped_first, t1, sizeof t1);
  diag_iso_time(a->infer_first, t2, sizeof t2);
  size_t cap = 1024;
  char *s = malloc(cap);
  if (!s) return NULL;
  snprintf(s, cap,
           "Inferred, not seen: %s is taken to be %s's address. No event names an address of %s; "
           "it logged 5453 (IKEEXT not started) from %s, and %u hosts began timing out towards %s "
           "with no reply on UDP 500 from %s; no other host that logged 5453 then has an unknown address.",
           diag_str(&d->strings, addr), host, host, t1, a->infer_hosts, diag_str(&d->strings, addr), t2);
  return s;
}
