/*
** Alertmanager semantics over the live diagnosis: an episode becomes an
** alert (labels alertname=cause, host, peer, severity, keying_module,
** error); alerts whose group_by labels agree form a group, notified
** group_wait after it forms, group_interval after a change (new, changed or
** resolved alert) and every repeat_interval while it fires. Pure: the
** caller gives the clock, so tests drive time.
**
** Must never: alert on a benign episode, a non-finding or one below
** min_confidence; notify a resolved alert that was never firing here; keep
** a resolved alert after its resolved notice.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"

const char *fl_alert_label(const fl_alert_item *it, const char *name) {
#define FL_ALERT_LABEL(n, f) \
  if (strcmp(name, #n) == 0) return it->f;
  FL_ALERT_LABELS
#undef FL_ALERT_LABEL
  return NULL;
}

static void cp(char *dst, size_t cap, const char *src) { snprintf(dst, cap, "%s", src ? src : ""); }

/* FILETIME (100 ns since 1601) to Unix ms. */
static uint64_t filetime_ms(uint64_t ft) {
  const uint64_t epoch = 116444736000000000ull;
  return ft > epoch ? (ft - epoch) / 10000 : 0;
}

int fl_alert_item_from(const fl_alert_config *c, const fl_episode *ep, uint64_t now_ms,
                       fl_alert_item *it) {
  memset(it, 0, sizeof *it);
  if (!ep->finding || ep->benign || ep->confidence < c->min_confidence) return 0;
  it->id = ep->id;
  cp(it->alertname, sizeof it->alertname, ep->cause_id);
  cp(it->host, sizeof it->host, ep->host);
  cp(it->peer, sizeof it->peer, ep->peer);
  cp(it->severity, sizeof it->severity, ep->confidence >= 0.8 ? "critical" : "warning");
  cp(it->keying, sizeof it->keying, ep->keying_module);
  if (ep->error_symbol && ep->error_symbol[0]) cp(it->error, sizeof it->error, ep->error_symbol);
  else if (ep->error_code) snprintf(it->error, sizeof it->error, "0x%08x", (unsigned)ep->error_code);
  cp(it->summary, sizeof it->summary, ep->cause_title);
  cp(it->description, sizeof it->description, ep->explanation);
  cp(it->check, sizeof it->check, ep->check);
  it->confidence = ep->confidence;
  it->count = ep->count;
  it->starts_ms = filetime_ms(ep->first_seen);
  if (!it->starts_ms || it->starts_ms > now_ms) it->starts_ms = now_ms;
  (void)now_ms;
  return 1;
}

typedef struct group {
  char key[512];
  uint64_t formed, last;  /* mono ms */
  int notified, dirty;
  fl_alert_item *v;
  size_t n, cap;
} group;

struct fl_alert_groups {
  group *g;
  size_t n, cap;
};

fl_alert_groups *fl_alert_groups_new(void) { return calloc(1, sizeof(fl_alert_groups)); }

void fl_alert_groups_free(fl_alert_groups *g) {
  if (!g) return;
  for (size_t i = 0; i < g->n; i++) free(g->g[i].v);
  free(g->g);
  free(g);
}

size_t fl_alert_groups_count(const fl_alert_groups *g) { return g ? g->n : 0; }

void fl_alert_groups_each(const fl_alert_groups *g, fl_alert_notice_fn fn, void *user) {
  for (size_t i = 0; g && i < g->n; i++)
    if (g->g[i].notified && g->g[i].n) fn(g->g[i].v, g->g[i].n, user);
}

static void group_key(const fl_alert_config *c, const fl_alert_item *it, char *out, size_t cap) {
  size_t len = 0;
  out[0] = '\0';
  for (size_t i = 0; i < c->group_by_count && len < cap; i++) {
    const char *v = fl_alert_label(it, c->group_by[i]);
    int k = snprintf(out + len, cap - len, "%s\x1f", v ? v : "");
    if (k < 0) break;
    len += (size_t)k;
  }
}

static int same_alert(const fl_alert_item *a, const fl_alert_item *b) {
  return a->id == b->id;
}

static int changed(const fl_alert_item *a, const fl_alert_item *b) {
  return strcmp(a->alertname, b->alertname) != 0 || strcmp(a->host, b->host) != 0 ||
         strcmp(a->peer, b->peer) != 0 || strcmp(a->severity, b->severity) != 0 ||
         strcmp(a->error, b->error) != 0 || (a->ends_ms != 0) != (b->ends_ms != 0);
}

int fl_alert_groups_update(fl_alert_groups *g, const fl_alert_config *c,
                           const fl_alert_item *it, uint64_t mono_ms) {
  /* a known alert (by id) anywhere: replace, or mark resolved */
  for (size_t i = 0; i < g->n; i++)
    for (size_t j = 0; j < g->g[i].n; j++) {
      fl_alert_item *a = &g->g[i].v[j];
      if (!same_alert(a, it)) continue;
      if (it->ends_ms) {
        if (!a->ends_ms) {
          a->ends_ms = it->ends_ms;
          g->g[i].dirty = 1;
        }
        return 0;
      }
      char k[512];
      group_key(c, it, k, sizeof k);
      if (strcmp(k, g->g[i].key) == 0) {
        if (changed(a, it)) g->g[i].dirty = 1;
        uint64_t starts = a->starts_ms;
        *a = *it;
        a->starts_ms = starts;
        return 0;
      }
      /* its grouping labels changed: it leaves the old group */
      memmove(a, a + 1, (g->g[i].n - j - 1) * sizeof *a);
      g->g[i].n--;
      g->g[i].dirty = 1;
      goto add;
    }
  if (it->ends_ms) return 0;
add:;
  char key[512];
  group_key(c, it, key, sizeof key);
  group *gr = NULL;
  for (size_t i = 0; i < g->n; i++)
    if (strcmp(g->g[i].key, key) == 0) gr = &g->g[i];
  if (!gr) {
    if (g->n == g->cap) {
      size_t cap = g->cap ? g->cap * 2 : 8;
      group *ng = realloc(g->g, cap * sizeof *ng);
      if (!ng) return -1;
      g->g = ng;
      g->cap = cap;
    }
    gr = &g->g[g->n++];
    memset(gr, 0, sizeof *gr);
    snprintf(gr->key, sizeof gr->key, "%s", key);
    gr->formed = mono_ms;
  }
  if (gr->n == gr->cap) {
    size_t cap = gr->cap ? gr->cap * 2 : 4;
    fl_alert_item *nv = realloc(gr->v, cap * sizeof *nv);
    if (!nv) return -1;
    gr->v = nv;
    gr->cap = cap;
  }
  gr->v[gr->n++] = *it;
  gr->dirty = 1;
  return 0;
}

static uint64_t due_at(const fl_alert_config *c, const group *gr) {
  if (!gr->notified) return gr->formed + c->group_wait_ms;
  if (gr->dirty) return gr->last + c->group_interval_ms;
  for (size_t i = 0; i < gr->n; i++)
    if (!gr->v[i].ends_ms) return gr->last + c->repeat_interval_ms;
  return UINT64_MAX;
}

uint64_t fl_alert_groups_due(fl_alert_groups *g, const fl_alert_config *c, uint64_t mono_ms,
                             fl_alert_notice_fn fn, void *user) {
  uint64_t next = UINT64_MAX;
  for (size_t i = 0; i < g->n; i++) {
    group *gr = &g->g[i];
    uint64_t at = due_at(c, gr);
    if (at <= mono_ms && gr->n) {
      fn(gr->v, gr->n, user);
      gr->notified = 1;
      gr->dirty = 0;
      gr->last = mono_ms;
      size_t k = 0;
      for (size_t j = 0; j < gr->n; j++)
        if (!gr->v[j].ends_ms) gr->v[k++] = gr->v[j];
      gr->n = k;
      at = due_at(c, gr);
    }
    if (gr->n && at < next) next = at;
  }
  /* groups left empty go */
  size_t kept = 0;
  for (size_t i = 0; i < g->n; i++) {
    if (g->g[i].n) {
      if (kept != i) g->g[kept] = g->g[i];
      kept++;
    } else {
      free(g->g[i].v);
    }
  }
  g->n = kept;
  return next == UINT64_MAX ? UINT64_MAX : (next > mono_ms ? next - mono_ms : 0);
}
