/*
** Open episodes: where each failure goes, and when an episode ends.
**
** A failure joins an open episode of its cause whose host is one of its
** two ends (both ends of a negotiation log it; one host failing with
** several peers is one story), within the cause's gap; an episode with one
** peer may turn around so the shared end becomes its host. Only a node that
** logged events can be a host: an external gateway stays a peer. KEY_HOST
** causes (local errors) stay with the host that logged them. Identity or
** context learned later re-keys, merges and relabels what is still open.
** An episode closes when its failures stop for longer than its gap.
**
** Closed episodes are kept (bounded, whole) so that a late event can
** reopen one, unless the caller drops them (live intake).
** Must never hold more than a bounded sample per episode (evidence and
** times).
*/
#include <stdlib.h>
#include <string.h>

#include "diag/diag_internal.h"

uint64_t diag_episode_gap(const diag_episode *ep) {
  const diag_rule *r = &diag_rules[ep->cause];
  double lo = (double)r->gap_min * (double)DIAG_MINUTE, hi = (double)r->gap_max * (double)DIAG_MINUTE;
  /* the last event said the condition ended: a quiet gap_min starts anew */
  if (ep->sealed) return (uint64_t)lo;
  if (ep->count < 2) return (uint64_t)hi;
  double mean = (double)(ep->last - ep->first) / (double)(ep->count - 1);
  double g = diag_param(P_GAP_FACTOR) * mean;
  return (uint64_t)(g < lo ? lo : g > hi ? hi : g);
}

void diag_episode_free(diag_episode *ep) {
  if (!ep) return;
  free(ep->ev_first);
  free(ep->ev_last);
  free(ep->times);
  free(ep->inference);
  free(ep);
}

static size_t half_first(const struct fl_diag *d) { return d->opt.max_evidence / 2; }
static size_t half_last(const struct fl_diag *d) { return d->opt.max_evidence - d->opt.max_evidence / 2; }

static diag_episode *episode_new(struct fl_diag *d) {
  diag_episode *ep = calloc(1, sizeof *ep);
  if (!ep) return NULL;
  ep->ev_first = calloc(half_first(d) + 1, sizeof *ep->ev_first);
  ep->ev_last = calloc(half_last(d) + 1, sizeof *ep->ev_last);
  ep->times = calloc(d->opt.max_times + 1, sizeof *ep->times);
  if (!ep->ev_first || !ep->ev_last || !ep->times) {
    diag_episode_free(ep);
    return NULL;
  }
  ep->id = ++d->next_id;
  ep->open = 1;
  ep->stride = 1;
  return ep;
}

static int open_push(struct fl_diag *d, diag_episode *ep) {
  if (d->nopen == d->open_cap) {
    size_t cap = d->open_cap ? d->open_cap * 2 : 64;
    diag_episode **o = realloc(d->open, cap * sizeof(diag_episode *));
    if (!o) return -1;
    d->open = o;
    d->open_cap = cap;
  }
  d->open[d->nopen++] = ep;
  return 0;
}

static void open_remove(struct fl_diag *d, size_t i) { d->open[i] = d->open[--d->nopen]; }

static int peer_index(struct fl_diag *d, const diag_episode *ep, uint32_t node) {
  for (size_t i = 0; i < ep->npeers; i++)
    if (diag_find(d, ep->peers[i]) == node) return (int)i;
  return -1;
}

/* Adds a peer; returns 1 when it is new (an alert shows peers). */
static int add_peer(struct fl_diag *d, diag_episode *ep, uint32_t peer, uint64_t logged) {
  if (!peer || diag_find(d, peer) == diag_find(d, ep->hub)) return 0;
  int i = peer_index(d, ep, diag_find(d, peer));
  if (i >= 0) {
    ep->peer_logged[i] += logged;
    return 0;
  }
  if (ep->npeers == DIAG_MAX_PEERS) return 0;
  ep->peers[ep->npeers] = peer;
  ep->peer_logged[ep->npeers++] = logged;
  return 1;
}

static void add_source(diag_episode *ep, uint32_t file) {
  for (size_t i = 0; i < ep->nsources; i++)
    if (ep->sources[i] == file) return;
  if (ep->nsources < DIAG_MAX_SOURCES) ep->sources[ep->nsources++] = file;
}

static void add_time(struct fl_diag *d, diag_episode *ep, uint64_t t) {
  if (++ep->since_sample < ep->stride) return;
  ep->since_sample = 0;
  ep->times[ep->ntimes++] = t;
  if (ep->ntimes < d->opt.max_times) return;
  for (size_t i = 0; i < ep->ntimes / 2; i++) ep->times[i] = ep->times[2 * i + 1];
  ep->ntimes /= 2;
  ep->stride *= 2;
}

static void add_evidence(struct fl_diag *d, diag_episode *ep, const diag_event *e) {
  fl_evidence ev = {diag_str(&d->strings, e->file), e->record_id, e->time, e->event_id,
                    e->has_error ? e->error_code : 0, e->event_name,
                    diag_str(&d->strings, e->peer), diag_str(&d->strings, e->principal),
                    e->remote_port};
  if (ep->n_first < half_first(d)) {
    ep->ev_first[ep->n_first++] = ev;
    return;
  }
  size_t cap = half_last(d);
  if (!cap) return;
  ep->ev_last[ep->last_pos] = ev;
  ep->last_pos = (ep->last_pos + 1) % cap;
  if (ep->n_last < cap) ep->n_last++;
}

static void add_code(diag_episode *ep, uint32_t code, uint64_t n) {
  size_t j = 0;
  while (j < 4 && ep->code_n[j] && ep->codes[j] != code) j++;
  if (j == 4) return;
  ep->codes[j] = code;
  ep->code_n[j] += n;
}

static void add_by_source(diag_episode *ep, uint32_t node, uint32_t file, uint64_t n) {
  for (size_t i = 0; i < ep->nby_source; i++)
    if (ep->by_source[i].node == node && ep->by_source[i].file == file) {
      ep->by_source[i].n += n;
      return;
    }
  if (ep->nby_source == DIAG_COUNT(ep->by_source)) {
    ep->by_source_rest += n;
    return;
  }
  ep->by_source[ep->nby_source].node = node;
  ep->by_source[ep->nby_source].file = file;
  ep->by_source[ep->nby_source++].n = n;
}

uint64_t diag_episode_count(struct fl_diag *d, const diag_episode *ep) {
  uint64_t total = ep->by_source_rest;
  uint8_t used[DIAG_MAX_SOURCES * 2] = {0};
  for (size_t i = 0; i < ep->nby_source; i++) {
    if (used[i]) continue;
    uint32_t node = diag_find(d, ep->by_source[i].node);
    uint64_t best = 0;
    for (size_t j = i; j < ep->nby_source; j++) { /* this node: its fullest source */
      if (used[j] || diag_find(d, ep->by_source[j].node) != node) continue;
      uint64_t n = 0;
      for (size_t k = j; k < ep->nby_source; k++)
        if (!used[k] && ep->by_source[k].file == ep->by_source[j].file &&
            diag_find(d, ep->by_source[k].node) == node) {
          n += ep->by_source[k].n;
          used[k] = 1;
        }
      if (n > best) best = n;
    }
    total += best;
  }
  return total;
}

/* Counts e into ep (the ends are already placed). */
static void count_in(struct fl_diag *d, diag_episode *ep, const diag_event *e) {
  if (!ep->count || e->time < ep->first) ep->first = e->time;
  if (e->time > ep->last) ep->last = e->time;
  ep->count += e->multiple ? 2 : 1;
  ep->events++;
  add_by_source(ep, e->node, e->file, e->multiple ? 2 : 1);
  if (ep->ok_after) { /* a success, then failures again: intermittent */
    ep->ok_between += ep->ok_after;
    ep->ok_after = 0;
  }
  if (ep->keymod != e->keymod) ep->keymod = -1;
  if (e->has_error) add_code(ep, e->error_code, 1);
  add_source(ep, e->file);
  add_evidence(d, ep, e);
  add_time(d, ep, e->time);
}

static int within_gap(const diag_episode *ep, uint64_t t) {
  uint64_t g = diag_episode_gap(ep);
  return t <= ep->last + g && t + g >= ep->first;
}

static int same_group(const diag_episode *ep, int cause, uint8_t benign) {
  return !ep->dead && ep->cause == cause && ep->benign == benign;
}

/* The host becomes peer and the peer at index i the host. */
static void turn_around(diag_episode *ep, size_t i) {
  uint32_t old = ep->hub;
  uint64_t old_logged = ep->hub_logged;
  ep->hub = ep->peers[i];
  ep->hub_logged = ep->peer_logged[i];
  ep->peers[i] = old;
  ep->peer_logged[i] = old_logged;
  ep->hub_responder = 0;
}

/* The episode in list a failure from x towards y of this cause joins
** (after turning it around if needed), or NULL. */
static diag_episode *find_pair(struct fl_diag *d, diag_episode **list, size_t n, int cause,
                               const diag_event *e, uint32_t x, uint32_t y) {
  /* An initiator's failure towards a host whose own failures it logs as
  ** responder belongs to that host's episode (clients rejecting a server),
  ** before the initiator's own. */
  diag_episode *mine = NULL, *best = NULL;
  for (size_t i = 0; i < n; i++) {
    diag_episode *ep = list[i];
    if (!same_group(ep, cause, e->benign) || !within_gap(ep, e->time)) continue;
    uint32_t hub = diag_find(d, ep->hub);
    if (y && hub == y && e->role == 0 && ep->hub_responder) return ep;
    if (hub == x && !mine) mine = ep;
    if (y && hub == y && (!best || ep->count > best->count)) best = ep;
  }
  if (mine) return mine;
  if (best) return best;
  for (size_t i = 0; i < n; i++) {
    diag_episode *ep = list[i];
    if (!same_group(ep, cause, e->benign) || ep->npeers != 1 || !within_gap(ep, e->time)) continue;
    uint32_t p = diag_find(d, ep->peers[0]);
    if (p == x || (y && p == y && d->nodes[y].logged)) {
      turn_around(ep, 0);
      return ep;
    }
  }
  return NULL;
}

/* The target a KEY_HOST_TARGET episode is about (0: its events name none,
** or another key). */
static uint32_t target_of(struct fl_diag *d, const diag_episode *ep) {
  return diag_rules[ep->rule].key == KEY_HOST_TARGET && ep->rep.peer ? diag_find(d, ep->rep.peer) : 0;
}

static diag_episode *find_host(struct fl_diag *d, diag_episode **list, size_t n, int cause,
                               const diag_event *e, uint32_t hub, int key) {
  uint32_t target = key == KEY_HOST_TARGET && e->peer ? diag_find(d, e->peer) : 0;
  for (size_t i = 0; i < n; i++) {
    diag_episode *ep = list[i];
    if (same_group(ep, cause, e->benign) && diag_find(d, ep->hub) == hub && within_gap(ep, e->time) &&
        (key != KEY_HOST_TARGET || target_of(d, ep) == target))
      return ep;
  }
  return NULL;
}

/* An event older than the newest one seen may belong to an episode that
** already closed (inputs read one after the other): that episode reopens. */
static int is_late(const struct fl_diag *d, uint64_t t) { return t + DIAG_MINUTE < d->watermark; }

static diag_episode *find_episode(struct fl_diag *d, int key, int cause, const diag_event *e,
                                  uint32_t x, uint32_t y, uint32_t hub) {
  diag_episode *ep = key == KEY_PAIR ? find_pair(d, d->open, d->nopen, cause, e, x, y)
                                     : find_host(d, d->open, d->nopen, cause, e, hub, key);
  if (ep || !is_late(d, e->time) || !d->ndone) return ep;
  ep = key == KEY_PAIR ? find_pair(d, d->done, d->ndone, cause, e, x, y)
                       : find_host(d, d->done, d->ndone, cause, e, hub, key);
  if (!ep) return NULL;
  for (size_t i = 0; i < d->ndone; i++)
    if (d->done[i] == ep) {
      d->done[i] = d->done[--d->ndone];
      break;
    }
  if (open_push(d, ep) != 0) {
    d->oom = 1;
    return NULL;
  }
  ep->open = 1;
  ep->closing = DIAG_OPEN;
  diag_notify(d, ep, FL_EPISODE_OPENED);
  return ep;
}

static void check_finding(struct fl_diag *d, diag_episode *ep) {
  if (!ep->finding_sent && !ep->benign && ep->count >= diag_rules[ep->cause].min_finding) {
    ep->finding_sent = 1;
    if (ep->count > 1) diag_notify(d, ep, FL_EPISODE_UPDATED);
  }
}

int diag_episode_failure(struct fl_diag *d, const diag_event *e, int rule) {
  int cause = diag_canonical_rule(rule);
  int key = diag_rules[rule].key;
  uint32_t x = diag_find(d, e->node), y = e->peer ? diag_find(d, e->peer) : 0;
  uint32_t hub = x, other = e->peer;
  if (key == KEY_STOPPED_PEER) {
    hub = diag_owner(d, e->peer);
    other = e->node;
  }
  diag_episode *ep = find_episode(d, key, cause, e, x, y, hub);
  if (d->oom) return -1;
  int fresh = 0, news = 0;
  if (!ep) {
    ep = episode_new(d);
    if (!ep || open_push(d, ep) != 0) {
      diag_episode_free(ep);
      return -1;
    }
    ep->rule = rule;
    ep->cause = cause;
    ep->hub = hub;
    ep->benign = e->benign;
    ep->keymod = e->keymod;
    ep->rep = *e;
    fresh = 1;
  }
  uint32_t eh = diag_find(d, ep->hub);
  if (eh == x) {
    ep->hub_logged += 1;
    if (e->role == 1) ep->hub_responder = 1;
    news = add_peer(d, ep, other, 0);
  } else {
    news = add_peer(d, ep, e->node, 1);
  }
  count_in(d, ep, e);
  ep->sealed = e->ends;
  if (fresh) {
    diag_notify(d, ep, FL_EPISODE_OPENED);
    if (diag_rules[cause].min_finding <= 1 && !ep->benign) ep->finding_sent = 1;
    if (strcmp(diag_rules[cause].cause, "timeout") == 0 && e->peer &&
        diag_identity_infer_stopped(d, e->peer, e->time))
      return diag_episodes_relabel_host(d, diag_owner(d, e->peer));
    return 0;
  }
  if (news && ep->finding_sent) diag_notify(d, ep, FL_EPISODE_UPDATED);
  check_finding(d, ep);
  return 0;
}

static void success_in(struct fl_diag *d, diag_episode **list, size_t n, const diag_event *e) {
  uint64_t k = 1ull << e->kind;
  uint32_t x = diag_find(d, e->node), y = e->peer ? diag_find(d, e->peer) : 0;
  for (size_t i = 0; i < n; i++) {
    diag_episode *ep = list[i];
    const diag_rule *r = &diag_rules[ep->cause];
    if (!(r->recover & k) || e->time < ep->first || e->time > ep->last + diag_episode_gap(ep)) continue;
    /* the same pair: the host with one of the episode's peers; a success
    ** naming no peer (policy applied, iSCSI reconnected) counts for a host
    ** episode on that host */
    uint32_t hub = diag_find(d, ep->hub);
    int match = (x == hub && y && peer_index(d, ep, y) >= 0) ||
                (y == hub && peer_index(d, ep, x) >= 0) || (r->key != KEY_PAIR && x == hub && !y);
    if (!match) continue;
    if (e->time < ep->last) ep->ok_between++;
    else ep->ok_after++;
  }
}

void diag_episode_success(struct fl_diag *d, const diag_event *e) {
  success_in(d, d->open, d->nopen, e);
  if (is_late(d, e->time)) success_in(d, d->done, d->ndone, e);
}

static int cmp_evidence(const void *a, const void *b) {
  const fl_evidence *x = a, *y = b;
  return (x->time > y->time) - (x->time < y->time);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Evidence of both, in time order; the first half and last half kept. */
static int merge_evidence(struct fl_diag *d, diag_episode *dst, const diag_episode *src) {
  size_t n = dst->n_first + dst->n_last + src->n_first + src->n_last;
  fl_evidence *all = calloc(n + 1, sizeof *all);
  if (!all) return -1;
  size_t k = 0;
  const diag_episode *both[2] = {dst, src};
  for (size_t b = 0; b < 2; b++) {
    memcpy(all + k, both[b]->ev_first, both[b]->n_first * sizeof *all);
    k += both[b]->n_first;
    memcpy(all + k, both[b]->ev_last, both[b]->n_last * sizeof *all);
    k += both[b]->n_last;
  }
  qsort(all, k, sizeof *all, cmp_evidence);
  size_t hf = half_first(d), hl = half_last(d);
  dst->n_first = k < hf ? k : hf;
  memcpy(dst->ev_first, all, dst->n_first * sizeof *all);
  size_t rest = k - dst->n_first;
  dst->n_last = rest < hl ? rest : hl;
  memcpy(dst->ev_last, all + k - dst->n_last, dst->n_last * sizeof *all);
  dst->last_pos = hl ? dst->n_last % hl : 0;
  free(all);
  return 0;
}

/* Both samples in time order, thinned by halves until they fit. */
static int merge_times(struct fl_diag *d, diag_episode *dst, const diag_episode *src) {
  size_t n = dst->ntimes + src->ntimes;
  uint64_t *all = calloc(n + 1, sizeof *all);
  if (!all) return -1;
  memcpy(all, dst->times, dst->ntimes * sizeof *all);
  memcpy(all + dst->ntimes, src->times, src->ntimes * sizeof *all);
  qsort(all, n, sizeof *all, cmp_u64);
  if (src->stride > dst->stride) dst->stride = src->stride;
  while (n >= d->opt.max_times) {
    for (size_t i = 0; i < n / 2; i++) all[i] = all[2 * i + 1];
    n /= 2;
    dst->stride *= 2;
  }
  memcpy(dst->times, all, n * sizeof *all);
  dst->ntimes = n;
  free(all);
  return 0;
}

/* Moves src's failures, peers and samples into dst; src closes as merged. */
static int merge_into(struct fl_diag *d, diag_episode *dst, diag_episode *src) {
  if (merge_evidence(d, dst, src) != 0 || merge_times(d, dst, src) != 0) return -1;
  uint32_t dh = diag_find(d, dst->hub);
  if (diag_find(d, src->hub) == dh) dst->hub_logged += src->hub_logged;
  else add_peer(d, dst, src->hub, src->hub_logged);
  for (size_t i = 0; i < src->npeers; i++) {
    if (diag_find(d, src->peers[i]) == dh) dst->hub_logged += src->peer_logged[i];
    else add_peer(d, dst, src->peers[i], src->peer_logged[i]);
  }
  if (src->first < dst->first) {
    dst->first = src->first;
    dst->rep = src->rep;
    if (diag_rules[src->rule].key == diag_rules[dst->rule].key) dst->rule = src->rule;
  }
  if (src->last > dst->last) {
    dst->last = src->last;
    dst->sealed = src->sealed;
  }
  dst->count += src->count;
  for (size_t i = 0; i < src->nby_source; i++)
    add_by_source(dst, src->by_source[i].node, src->by_source[i].file, src->by_source[i].n);
  dst->by_source_rest += src->by_source_rest;
  dst->events += src->events;
  dst->ok_between += src->ok_between;
  dst->ok_after += src->ok_after;
  if (dst->keymod != src->keymod) dst->keymod = -1;
  for (size_t i = 0; i < src->nsources; i++) add_source(dst, src->sources[i]);
  for (size_t i = 0; i < 4 && src->code_n[i]; i++) add_code(dst, src->codes[i], src->code_n[i]);
  if (!dst->inference && src->inference) {
    dst->inference = src->inference;
    src->inference = NULL;
  }
  dst->finding_sent |= src->finding_sent;
  dst->hub_responder |= src->hub_responder && diag_find(d, src->hub) == dh;
  src->dead = 1;
  src->closing = DIAG_CLOSE_MERGED;
  src->merged_into = dst->id;
  diag_notify(d, src, FL_EPISODE_CLOSED);
  diag_notify(d, dst, FL_EPISODE_UPDATED);
  return 0;
}

typedef struct merge_key {
  int cause;
  uint8_t benign;
  uint32_t hub;
  uint32_t target; /* KEY_HOST_TARGET: episodes of two targets stay apart */
  uint64_t first;
  diag_episode *ep;
} merge_key;

static int cmp_merge_key(const void *x, const void *y) {
  const merge_key *a = x, *b = y;
  if (a->cause != b->cause) return a->cause < b->cause ? -1 : 1;
  if (a->benign != b->benign) return a->benign < b->benign ? -1 : 1;
  if (a->hub != b->hub) return a->hub < b->hub ? -1 : 1;
  if (a->target != b->target) return a->target < b->target ? -1 : 1;
  return (a->first > b->first) - (a->first < b->first);
}

/* Episodes of list whose hosts are now one node drop that node from their
** peers, and those of one cause on one host whose times meet become one
** (sorted, so n log n). Merged-away episodes are freed and removed. */
static int merge_list(struct fl_diag *d, diag_episode **list, size_t *n) {
  merge_key *k = calloc(*n + 1, sizeof *k);
  if (!k) return -1;
  for (size_t i = 0; i < *n; i++) {
    diag_episode *ep = list[i];
    uint32_t hub = diag_find(d, ep->hub);
    for (size_t p = 0; p < ep->npeers;) {
      if (diag_find(d, ep->peers[p]) != hub) {
        p++;
        continue;
      }
      ep->hub_logged += ep->peer_logged[p];
      ep->peers[p] = ep->peers[ep->npeers - 1];
      ep->peer_logged[p] = ep->peer_logged[--ep->npeers];
    }
    k[i] = (merge_key){ep->cause, ep->benign, hub, target_of(d, ep), ep->first, ep};
  }
  qsort(k, *n, sizeof *k, cmp_merge_key);
  int rc = 0;
  for (size_t i = 0, j; i < *n && rc == 0; i = j) {
    diag_episode *dst = k[i].ep;
    for (j = i + 1; j < *n && rc == 0; j++) {
      if (k[j].cause != k[i].cause || k[j].benign != k[i].benign || k[j].hub != k[i].hub ||
          k[j].target != k[i].target)
        break;
      if (!within_gap(dst, k[j].ep->first)) break;
      rc = merge_into(d, dst, k[j].ep);
    }
  }
  free(k);
  for (size_t i = *n; i-- > 0;) {
    if (!list[i]->dead) continue;
    diag_episode_free(list[i]);
    list[i] = list[--*n];
  }
  return rc;
}

int diag_episodes_rekey(struct fl_diag *d) { return merge_list(d, d->open, &d->nopen); }

/* Context about host changed (5453, policy failure, CHAP error, an address
** learned or inferred): open episodes whose first failure now matches
** another cause move to it. */
static int relabel_list(struct fl_diag *d, diag_episode **list, size_t n) {
  int moved = 0;
  for (size_t i = 0; i < n; i++) {
    diag_episode *ep = list[i];
    if (ep->dead) continue;
    int r = diag_match_rule(d, &ep->rep);
    if (r < 0 || diag_canonical_rule(r) == ep->cause) continue;
    if (diag_rules[r].key == KEY_STOPPED_PEER) {
      uint32_t owner = diag_owner(d, ep->rep.peer);
      if (!owner) continue;
      /* the timing-out host becomes a peer of the stopped host */
      uint32_t old = ep->hub;
      uint64_t old_logged = ep->hub_logged;
      ep->hub = owner;
      ep->hub_logged = 0;
      ep->npeers = 0;
      add_peer(d, ep, old, old_logged);
      if (!ep->inference) ep->inference = diag_identity_inference_text(d, ep->rep.peer);
    }
    ep->rule = r;
    ep->cause = diag_canonical_rule(r);
    if (!ep->finding_sent && !ep->benign && ep->count >= diag_rules[ep->cause].min_finding)
      ep->finding_sent = 1;
    diag_notify(d, ep, FL_EPISODE_UPDATED);
    moved = 1;
  }
  return moved;
}

int diag_episodes_relabel_host(struct fl_diag *d, uint32_t host) {
  (void)host;
  return relabel_list(d, d->open, d->nopen) ? merge_list(d, d->open, &d->nopen) : 0;
}

static int close_at(struct fl_diag *d, size_t i, int how) {
  diag_episode *ep = d->open[i];
  ep->open = 0;
  ep->closing = (uint8_t)how;
  diag_notify(d, ep, FL_EPISODE_CLOSED);
  open_remove(d, i);
  if (d->opt.drop_closed) {
    diag_episode_free(ep);
    return 0;
  }
  if (d->ndone == d->done_cap) { /* kept whole: a late event may reopen it */
    size_t cap = d->done_cap ? d->done_cap * 2 : 64;
    diag_episode **o = realloc(d->done, cap * sizeof(diag_episode *));
    if (!o) {
      diag_episode_free(ep);
      return -1;
    }
    d->done = o;
    d->done_cap = cap;
  }
  d->done[d->ndone++] = ep;
  return 0;
}

int diag_episodes_expire(struct fl_diag *d, uint64_t now) {
  for (size_t i = d->nopen; i-- > 0;) {
    diag_episode *ep = d->open[i];
    if (now > ep->last + diag_episode_gap(ep) && close_at(d, i, DIAG_CLOSE_EXPIRED) != 0) return -1;
  }
  return 0;
}

/* At the end everything closes; what identity learned late (a netsh
** capture read before the Security log that names its address) still
** merges closed episodes of one host. */
int diag_episodes_close_all(struct fl_diag *d) {
  while (d->nopen)
    if (close_at(d, d->nopen - 1, DIAG_CLOSE_FINISH) != 0) return -1;
  for (size_t i = 0; i < d->ndone; i++) {
    const diag_episode *ep = d->done[i];
    if (ep->npeers == 1 && strcmp(diag_rules[ep->cause].cause, "timeout") == 0)
      diag_identity_infer_stopped(d, ep->peers[0], ep->first);
  }
  relabel_list(d, d->done, d->ndone);
  return merge_list(d, d->done, &d->ndone);
}
