/*
** An episode as people see it (fl_episode): cause texts, host and peers by
** name, state relative to the observing sources' window, a confidence from
** the evidence (params.def; calibration in docs/diagnosis.md), and the kept
** evidence. Snapshots feed the callbacks; closed episodes are kept here for
** the result, which is ordered findings first, most impact first.
** Must never call an episode ongoing whose failures stopped before the end
** of the window that observed them, nor an inference a fact.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag_internal.h"

struct diag_closed {
  fl_episode ep;
  fl_evidence *evidence;
  uint64_t *times;
  const char **hosts, **peers;
  char *inference;
  char *check_buf;
  char *not_seen;
};

void diag_closed_free(diag_closed *c) {
  if (!c) return;
  free(c->evidence);
  free(c->times);
  free(c->hosts);
  free(c->peers);
  free(c->inference);
  free(c->check_buf);
  free(c->not_seen);
  free(c);
}

const diag_source_window *diag_window_of(const struct fl_diag *d, uint32_t file) {
  for (size_t i = 0; i < d->nwindows; i++)
    if (d->windows[i].file == file) return &d->windows[i];
  return NULL;
}

static uint32_t dominant_code(const diag_episode *ep) {
  size_t best = 0;
  for (size_t j = 1; j < 4; j++)
    if (ep->code_n[j] > ep->code_n[best]) best = j;
  return ep->code_n[best] ? ep->codes[best] : 0;
}

static void texts(const diag_episode *ep, diag_closed *c) {
  const diag_rule *ru = &diag_rules[ep->rule];
  fl_episode *out = &c->ep;
  out->cause_id = ru->cause;
  out->cause_title = ru->title;
  out->explanation = ru->explanation;
  uint32_t key = ru->know_key ? ru->know_key : out->error_code;
  const fl_knowledge *k[1];
  if (fl_catalog_knowledge(ru->know_kind, key, k, 1) >= 1) {
    out->check = k[0]->check;
    out->source = k[0]->source;
    return;
  }
  char buf[256];
  const fl_code_info *ci = out->error_code ? fl_catalog_code_by_value(out->error_code) : NULL;
  snprintf(buf, sizeof buf,
           "No specific knowledge for %s; run 'faultline explain %s' and check the IPsec rules and credentials on both peers.",
           ci ? ci->symbol : "this failure", ci ? ci->symbol : "<code>");
  c->check_buf = strdup(buf);
  out->check = c->check_buf ? c->check_buf : "";
  out->source = "faultline";
}

static fl_episode_state state_of(const struct fl_diag *d, const diag_episode *ep, int closing,
                                 uint64_t count, uint64_t *window_end) {
  *window_end = 0;
  for (size_t i = 0; i < ep->nsources; i++) {
    const diag_source_window *w = diag_window_of(d, ep->sources[i]);
    if (w && w->last > *window_end) *window_end = w->last;
  }
  if (count <= 1) return FL_EPISODE_SEEN_ONCE;
  if (ep->ok_between) return FL_EPISODE_INTERMITTENT;
  if (ep->ok_after) return FL_EPISODE_RECOVERED;
  if (closing == DIAG_OPEN) return FL_EPISODE_ONGOING;
  uint64_t slack = (uint64_t)(diag_param(P_ONGOING_SLACK_MIN) * (double)DIAG_MINUTE);
  uint64_t g = diag_episode_gap(ep);
  if (g > slack) slack = g;
  return *window_end <= ep->last + slack ? FL_EPISODE_ONGOING : FL_EPISODE_ENDED;
}

static int both_ends_logged(const diag_episode *ep) {
  if (!ep->hub_logged) return 0;
  for (size_t i = 0; i < ep->npeers; i++)
    if (ep->peer_logged[i]) return 1;
  return 0;
}

/* unseen.def as a table. */
enum { WHOSE_TARGET, WHOSE_HOST };
typedef struct diag_unseen {
  const char *cause;
  int whose;
  const char *text;
} diag_unseen;
static const diag_unseen unseen[] = {
#define FL_UNSEEN(cause, whose, text) {cause, whose, text},
#include "diag/unseen.def"
#undef FL_UNSEEN
};

/* What deciding evidence is in a log not among the sources (malloc'd), or
** NULL: the host it concerns has no Security log here, and it logged in
** another form or no source is a Security log (unseen.def). */
static char *not_seen_text(struct fl_diag *d, const diag_episode *ep) {
  const char *cause = diag_rules[ep->cause].cause;
  for (size_t i = 0; i < DIAG_COUNT(unseen); i++) {
    if (strcmp(unseen[i].cause, cause) != 0) continue;
    uint32_t who = unseen[i].whose == WHOSE_TARGET ? ep->rep.peer : ep->hub;
    if (!who || who >= d->node_cap) continue;
    uint32_t root = diag_find(d, who);
    const diag_node *n = &d->nodes[root];
    if (n->seclog || !(n->logged || !(d->kinds_seen & DIAG_SECLOG_KINDS))) continue;
    size_t cap = strlen(unseen[i].text) + 256;
    char *s = malloc(cap);
    if (s) snprintf(s, cap, unseen[i].text, diag_str(&d->strings, root));
    return s;
  }
  return NULL;
}

/* Evidence-based: the cause's prior, moved by how much was seen. */
static double confidence_of(const diag_episode *ep, uint64_t count, int not_seen) {
  const diag_rule *ru = &diag_rules[ep->rule];
  double c = ru->confidence;
  if (count <= 1) {
    double cap = diag_param(P_CONF_SEEN_ONCE_MAX);
    c = c < cap ? c : cap;
  } else {
    if ((double)count < diag_param(P_FEW_FAILURES)) c += diag_param(P_CONF_FEW);
    if ((double)count >= diag_param(P_MANY_FAILURES)) c += diag_param(P_CONF_MANY);
    if (both_ends_logged(ep)) c += diag_param(P_CONF_BOTH_ENDS);
  }
  if (ep->inference) c += diag_param(P_CONF_INFERRED);
  else if (ru->ctx != 0) c += diag_param(P_CONF_CONTEXT);
  if (not_seen) c += diag_param(P_CONF_NOT_SEEN);
  double hi = diag_param(P_CONF_MAX);
  return c < 0.05 ? 0.05 : c > hi ? hi : c;
}

static int lists(struct fl_diag *d, const diag_episode *ep, diag_closed *c) {
  size_t nev = ep->n_first + ep->n_last;
  c->evidence = calloc(nev + 1, sizeof *c->evidence);
  c->times = calloc(ep->ntimes + 1, sizeof *c->times);
  c->hosts = calloc(1, sizeof *c->hosts);
  c->peers = calloc(ep->npeers + 1, sizeof *c->peers);
  if (!c->evidence || !c->times || !c->hosts || !c->peers) return -1;
  memcpy(c->evidence, ep->ev_first, ep->n_first * sizeof *c->evidence);
  size_t cap = d->opt.max_evidence - d->opt.max_evidence / 2;
  size_t start = ep->n_last < cap ? 0 : ep->last_pos;
  for (size_t i = 0; i < ep->n_last; i++) c->evidence[ep->n_first + i] = ep->ev_last[(start + i) % cap];
  memcpy(c->times, ep->times, ep->ntimes * sizeof *c->times);
  uint32_t hub = diag_find(d, ep->hub);
  c->hosts[0] = diag_str(&d->strings, hub);
  size_t np = 0;
  for (size_t i = 0; i < ep->npeers; i++) {
    const char *name = diag_str(&d->strings, diag_find(d, ep->peers[i]));
    int dup = diag_find(d, ep->peers[i]) == hub;
    for (size_t j = 0; j < np && !dup; j++) dup = strcmp(c->peers[j], name) == 0;
    if (!dup) c->peers[np++] = name;
  }
  fl_episode *out = &c->ep;
  out->evidence = c->evidence;
  out->evidence_count = nev;
  out->times = c->times;
  out->time_count = ep->ntimes;
  out->hosts = c->hosts;
  out->host_count = hub ? 1 : 0;
  out->host = c->hosts[0];
  out->peers = c->peers;
  out->peer_count = np;
  out->peer = np ? c->peers[0] : "";
  return 0;
}

int diag_episode_snapshot(struct fl_diag *d, const diag_episode *ep, int closing,
                          diag_closed **keep, fl_episode *out) {
  diag_closed *c = calloc(1, sizeof *c);
  *keep = c;
  if (!c) return -1;
  fl_episode *e = &c->ep;
  e->id = ep->id;
  e->merged_into = ep->merged_into;
  e->first_seen = ep->first;
  e->last_seen = ep->last;
  e->count = diag_episode_count(d, ep);
  e->successes = ep->ok_between + ep->ok_after;
  e->error_code = dominant_code(ep);
  const fl_code_info *ci = e->error_code ? fl_catalog_code_by_value(e->error_code) : NULL;
  e->error_symbol = ci ? ci->symbol : "";
  uint32_t ins = ep->keymod >= 0 ? fl_catalog_insert_for_enum("IKEEXT_KEY_MODULE_TYPE", ep->keymod) : 0;
  const fl_insert_info *in = ins ? fl_catalog_insert(ins) : NULL;
  e->keying_module = in ? in->text : "";
  e->benign = ep->benign;
  e->finding = !ep->benign && e->count >= diag_rules[ep->cause].min_finding;
  texts(ep, c);
  if (ep->inference) c->inference = strdup(ep->inference);
  e->inference = c->inference ? c->inference : "";
  e->state = state_of(d, ep, closing, e->count, &e->window_end);
  c->not_seen = not_seen_text(d, ep);
  e->not_seen = c->not_seen ? c->not_seen : "";
  e->confidence = confidence_of(ep, e->count, c->not_seen != NULL);
  if (lists(d, ep, c) != 0) return -1;
  e->impact = e->confidence * (double)e->count * (1.0 + (double)e->peer_count) *
              (e->state == FL_EPISODE_ONGOING ? 2.0 : 1.0);
  if (out) *out = *e;
  return 0;
}

void diag_notify(struct fl_diag *d, diag_episode *ep, fl_episode_change what) {
  if (!d->opt.on_episode) return;
  diag_closed *c = NULL;
  if (diag_episode_snapshot(d, ep, what == FL_EPISODE_CLOSED ? ep->closing : DIAG_OPEN, &c, NULL) == 0)
    d->opt.on_episode(what, &c->ep, d->opt.user);
  else
    d->oom = 1;
  diag_closed_free(c);
}

int diag_keep_closed(struct fl_diag *d, const diag_episode *ep) {
  if (d->nclosed == d->closed_cap) {
    size_t cap = d->closed_cap ? d->closed_cap * 2 : 64;
    diag_closed **c = realloc(d->closed, cap * sizeof(diag_closed *));
    if (!c) return -1;
    d->closed = c;
    d->closed_cap = cap;
  }
  diag_closed *c = NULL;
  if (diag_episode_snapshot(d, ep, ep->closing, &c, NULL) != 0) {
    diag_closed_free(c);
    return -1;
  }
  d->closed[d->nclosed++] = c;
  return 0;
}

static int compare_episodes(const void *x, const void *y) {
  const fl_episode *a = x, *b = y;
  if (a->finding != b->finding) return b->finding - a->finding;
  if (a->impact != b->impact) return a->impact < b->impact ? 1 : -1;
  return (a->first_seen > b->first_seen) - (a->first_seen < b->first_seen);
}

int diag_build_result(struct fl_diag *d) {
  fl_diag_result *r = &d->result;
  memset(r, 0, sizeof *r);
  for (size_t i = 0; i < d->ndone; i++)
    if (diag_keep_closed(d, d->done[i]) != 0) return -1;
  d->episodes = calloc(d->nclosed + 1, sizeof *d->episodes);
  if (!d->episodes) return -1;
  for (size_t i = 0; i < d->nclosed; i++) d->episodes[i] = d->closed[i]->ep;
  qsort(d->episodes, d->nclosed, sizeof *d->episodes, compare_episodes);
  for (size_t i = 0; i < d->nclosed; i++) r->finding_count += d->episodes[i].finding ? 1 : 0;
  diag_coverage_notes(d);
  r->episode_count = d->nclosed;
  r->episodes = d->episodes;
  r->note_count = d->note_count;
  r->notes = d->notes;
  r->source_count = d->source_count;
  r->sources = d->sources;
  r->events_in_scope = d->events;
  r->failures = d->failures;
  r->first_time = d->first_time;
  r->last_time = d->last_time;
  return 0;
}

void diag_free_result(struct fl_diag *d) {
  for (size_t i = 0; i < d->nclosed; i++) diag_closed_free(d->closed[i]);
  free(d->closed);
  d->closed = NULL;
  d->nclosed = d->closed_cap = 0;
  free(d->episodes);
  d->episodes = NULL;
}
