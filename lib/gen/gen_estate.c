/*
** The `estate` scenario: the incidents of a Windows estate over days, as an
** administrator meets them. Incidents overlap on shared hosts and on shared
** VPN gateways (external peers that are no host of the estate), recur on
** the same host/peer/cause days later, some are intermittent (the pair
** connects between failures), IKEv1 and IKEv2 mix, and benign failures
** Windows logs routinely (lone timeouts, 13878 reinitialisation, netsh
** BENIGN) are sprinkled everywhere. Every choice comes from the tables below
** and the generator's PRNG.
** Must never look at what the diagnoser does: realism is the only target.
*/
#include <stdlib.h>
#include <string.h>

#include "common/fl_error.h"
#include "gen/gen_engine.h"

/* Incident kinds and how often each appears (weights). */
typedef struct estate_kind {
  const char *scenario;
  unsigned weight;
  int may_flap;  /* can be intermittent: a pair's negotiation failing now and then */
  int may_swap;  /* the keying module can be IKEv1 or IKEv2 */
  int scope;     /* what the cause belongs to: SCOPE_* */
} estate_kind;

/* Two incidents of one cause on one host at one time are one incident when
** the cause is the host's (its certificate, policy, trust store, its way to
** a domain controller: Kerberos fails with every peer at once); a pair's
** cause can fail with one peer and not another. While IKEEXT is stopped the
** host logs no IKE event at all: nothing else overlaps it there. */
enum { SCOPE_PAIR = 0, SCOPE_HOST, SCOPE_ALONE };

static const estate_kind incidents[] = {
    {"cert-untrusted", 8, 1, 1, SCOPE_HOST},     {"no-machine-cert", 7, 0, 1, SCOPE_HOST},
    {"proposal-mismatch", 8, 1, 1, SCOPE_PAIR},  {"timeout-nat", 6, 1, 1, SCOPE_PAIR},
    {"timeout", 8, 1, 1, SCOPE_PAIR},            {"kerberos-dc-unreachable", 7, 1, 0, SCOPE_HOST},
    {"policy-not-applied", 4, 0, 0, SCOPE_HOST}, {"ikeext-stopped", 4, 0, 0, SCOPE_ALONE},
    {"replay-or-tamper", 4, 0, 0, SCOPE_PAIR},   {"dos-mode", 2, 0, 0, SCOPE_HOST},
    {"iscsi-chap-mismatch", 3, 0, 0, SCOPE_HOST}, {"iscsi-target-gone", 3, 0, 0, SCOPE_HOST},
};
/* Benign episodes: no finding is expected for any of them. */
static const estate_kind benign[] = {{"lone-timeout", 6, 0, 1, SCOPE_PAIR},
                                     {"benign-reinit", 3, 0, 0, SCOPE_PAIR},
                                     {"benign-noise", 2, 0, 0, SCOPE_PAIR}};

static int scope_of(const gen_scenario *sc) {
  for (size_t i = 0; i < sizeof incidents / sizeof incidents[0]; i++)
    if (fl_gen_scenario_def(incidents[i].scenario) == sc) return incidents[i].scope;
  return SCOPE_PAIR;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* per 100: overlap an earlier incident, recur days later, flap, swap IKE version */
enum { P_OVERLAP = 25, P_RECUR = 20, P_FLAP = 30, P_SWAP = 50, P_GATEWAY = 75 };
#define N_GATEWAYS 4
#define N_SERVERS 10 /* hosts 0..9 are servers (gen_hosts.c) */

static const estate_kind *pick_kind(gen_rng *rng, const estate_kind *k, size_t n) {
  unsigned total = 0;
  for (size_t i = 0; i < n; i++) total += k[i].weight;
  uint64_t w = fl_gen_rng_below(rng, total);
  size_t i = 0;
  while (w >= k[i].weight) w -= k[i++].weight;
  return &k[i];
}

typedef struct estate {
  gen_engine *e;
  uint32_t gw_ip[N_GATEWAYS];
  char gw_addr[N_GATEWAYS][16];
  size_t n, cap;
} estate;

static void make_gateways(estate *s) {
  static const char *const nets[] = {"198.51.100", "203.0.113", "192.0.2"};
  static const uint32_t bases[] = {0xC6336400u, 0xCB007100u, 0xC0000200u};
  for (unsigned i = 0; i < N_GATEWAYS; i++) {
    unsigned n = (unsigned)fl_gen_rng_below(&s->e->rng, 3);
    unsigned last = 1 + i * 60 + (unsigned)fl_gen_rng_below(&s->e->rng, 50);
    snprintf(s->gw_addr[i], sizeof s->gw_addr[i], "%s.%u", nets[n], last);
    s->gw_ip[i] = bases[n] | last;
  }
}

/* Two incidents on one host at one time are distinct only with different
** causes, or with the same pair-keyed cause and other peers. */
static int clashes(const gen_episode *a, const gen_episode *b) {
  if (a->host == b->host && (scope_of(a->sc) == SCOPE_ALONE || scope_of(b->sc) == SCOPE_ALONE))
    return 1;
  if (a->sc != b->sc) return 0;
  if (a->host != b->host) return 0;
  if (scope_of(a->sc) != SCOPE_PAIR) return 1;
  if (a->sc->remote != R_HOST) return strcmp(a->ext_addr, b->ext_addr) == 0;
  for (unsigned i = 0; i < a->npeers; i++)
    for (unsigned j = 0; j < b->npeers; j++)
      if (a->peers[i] == b->peers[j]) return 1;
  return 0;
}

/* How far apart two incidents must start not to meet: an incident's records
** spread over at most the schedule window (span / 8, steps jitter by up to
** a quarter), plus the silence after which an administrator (and the
** diagnosis) calls the next failures a new incident (2 h). */
static uint64_t reach(const gen_engine *e) {
  return e->span / 8 + e->span / 32 + 2 * 3600 * GEN_TICKS_PER_SEC;
}

static int meets(const gen_engine *e, const gen_episode *a, const gen_episode *b) {
  uint64_t d = a->next_time > b->next_time ? a->next_time - b->next_time : b->next_time - a->next_time;
  return d < reach(e) && clashes(a, b);
}

/* Whether ep, placed at random, would be one incident with an earlier one:
** a host-wide cause twice on one host at one time, or anything on a host
** whose IKEEXT is stopped then. */
static int collides(const estate *s, const gen_episode *ep, size_t upto) {
  for (size_t i = 0; i < upto; i++)
    if (meets(s->e, ep, &s->e->eps[i])) return 1;
  return 0;
}

static void place_once(estate *s, gen_episode *ep, const estate_kind *k, int is_benign) {
  gen_engine *e = s->e;
  gen_rng *rng = &e->rng;
  ep->sc = fl_gen_scenario_def(k->scenario);
  fl_gen_pick_peers(e, ep);
  /* a third of incidents hit a server, where most traffic goes */
  if (!is_benign && ep->sc->remote != R_ISCSI && fl_gen_rng_below(rng, 3) == 0)
    ep->host = (unsigned)fl_gen_rng_below(rng, e->nhosts < N_SERVERS ? e->nhosts : N_SERVERS);
  for (unsigned i = 0; i < ep->npeers; i++)
    if (ep->peers[i] == ep->host) ep->peers[i] = (ep->host + 1 + i) % e->nhosts;
  if (ep->sc->remote == R_EXT && ep->sc->npeers == 1 && strcmp(k->scenario, "replay-or-tamper") != 0 &&
      fl_gen_rng_below(rng, 100) < P_GATEWAY) {
    unsigned g = (unsigned)fl_gen_rng_below(rng, N_GATEWAYS);
    memcpy(ep->ext_addr, s->gw_addr[g], sizeof ep->ext_addr);
    ep->ext_ip = s->gw_ip[g];
  }
  if (k->may_swap && fl_gen_rng_below(rng, 100) < P_SWAP) ep->keymod = 1 + (int)fl_gen_rng_below(rng, 2);
  ep->intermittent = k->may_flap && fl_gen_rng_below(rng, 100) < P_FLAP;
  ep->next_time = e->t0 + fl_gen_rng_below(rng, e->span / 100 * 90 + 1);
}

/* Places ep at random where it meets no earlier incident it would be one
** with (a few tries; a crowded estate keeps the last try). */
static void place(estate *s, gen_episode *ep, const estate_kind *k, int is_benign, size_t upto) {
  for (int tries = 0; tries < 8; tries++) {
    memset(ep, 0, sizeof *ep);
    place_once(s, ep, k, is_benign);
    if (is_benign || !collides(s, ep, upto)) return;
  }
}

/* Moves ep next to an earlier incident sharing its host or peer. */
static void overlap(estate *s, gen_episode *ep, size_t upto) {
  gen_engine *e = s->e;
  if (!upto) return;
  const gen_episode *o = &e->eps[fl_gen_rng_below(&e->rng, upto)];
  if (o->sc->benign || scope_of(o->sc) == SCOPE_ALONE || scope_of(ep->sc) == SCOPE_ALONE) return;
  gen_episode t = *ep;
  if (o->sc->remote == R_EXT && ep->sc->remote == R_EXT) {
    memcpy(t.ext_addr, o->ext_addr, sizeof t.ext_addr); /* same gateway, another host */
    t.ext_ip = o->ext_ip;
  } else {
    t.host = o->host; /* same host, another cause or peer */
    if (ep->sc->remote == R_ISCSI) return;
    for (unsigned i = 0; i < t.npeers; i++)
      if (t.peers[i] == t.host) t.peers[i] = (t.host + 1 + i) % e->nhosts;
  }
  for (size_t i = 0; i < upto; i++)
    if (clashes(&t, &e->eps[i])) return;
  t.next_time = o->next_time + fl_gen_rng_below(&e->rng, 600) * GEN_TICKS_PER_SEC;
  *ep = t;
}

static gen_episode *grow(estate *s, fl_error *err) {
  if (s->n == s->cap) {
    if (s->cap >= GEN_MAX_EPISODES) return NULL;
    size_t cap = s->cap ? s->cap * 2 : 64;
    if (cap > GEN_MAX_EPISODES) cap = GEN_MAX_EPISODES;
    gen_episode *p = realloc(s->e->eps, cap * sizeof *p);
    if (!p) {
      fl_error_line(err, FL_ENOMEM, "gen", 0, 0, "out of memory for %zu episodes", cap);
      return NULL;
    }
    memset(p + s->cap, 0, (cap - s->cap) * sizeof *p);
    s->e->eps = p;
    s->cap = cap;
  }
  s->e->neps = s->n + 1;
  return &s->e->eps[s->n++];
}

fl_status fl_gen_estate_episodes(gen_engine *e, uint64_t n_records, fl_error *err) {
  estate s;
  memset(&s, 0, sizeof s);
  s.e = e;
  make_gateways(&s);
  unsigned days = e->opts.days ? e->opts.days : 1;
  const gen_scenario *sc = fl_gen_scenario_def(e->opts.scenario);
  size_t want = (size_t)e->nhosts * days / 3u;
  if (want < COUNT(incidents)) want = COUNT(incidents);
  size_t nbenign = want / 2;
  if (sc && sc->enterprise == 3) { /* estate-benign: only what needs no finding */
    nbenign = want;
    want = 0;
  }
  for (size_t i = 0; i < want; i++) {
    size_t before = s.n;
    gen_episode *ep = grow(&s, err);
    if (!ep) break;
    /* every kind at least once, then by weight */
    const estate_kind *k = i < COUNT(incidents) ? &incidents[i]
                                                : pick_kind(&e->rng, incidents, COUNT(incidents));
    place(&s, ep, k, 0, before);
    if (fl_gen_rng_below(&e->rng, 100) < P_OVERLAP) overlap(&s, ep, before);
    if (fl_gen_rng_below(&e->rng, 100) >= P_RECUR || days < 2) continue;
    uint64_t later = ep->next_time + (1 + fl_gen_rng_below(&e->rng, 3)) * GEN_DAY_TICKS +
                     fl_gen_rng_below(&e->rng, 6 * 3600) * GEN_TICKS_PER_SEC;
    if (later >= e->t0 + e->span / 100 * 95) continue;
    gen_episode t = *ep;
    t.next_time = later;
    if (collides(&s, &t, before)) continue; /* it would be one with another incident */
    gen_episode *again = grow(&s, err);
    if (!again) break;
    *again = t;
    again->recurrence_of = (unsigned)before + 1;
  }
  for (size_t i = 0; i < nbenign; i++) {
    gen_episode *ep = grow(&s, err);
    if (!ep) break;
    place(&s, ep, pick_kind(&e->rng, benign, COUNT(benign)), 1, 0);
  }
  if (!e->eps) return fl_error_line(err, FL_ENOMEM, "gen", 0, 0, "out of memory for episodes");
  /* same scale rule as enterprise: in-scope records about 1% of all */
  uint64_t fixed = 0, scaled = 0;
  for (size_t i = 0; i < e->neps; i++)
    for (size_t j = 0; j < e->eps[i].sc->nsteps; j++) {
      const gen_step *st = &e->eps[i].sc->steps[j];
      if (!fl_gen_step_active(e, st)) continue;
      if (st->flags & F_SCALE) scaled += st->reps;
      else fixed += st->reps * e->eps[i].sc->cycles;
    }
  uint64_t target = n_records / 100, scale = 1;
  if (scaled && target > fixed) scale = (target - fixed + scaled / 2) / scaled;
  if (scale < 1) scale = 1;
  if (scale > 20) scale = 20; /* an incident is minutes to hours, not a day */
  for (size_t i = 0; i < e->neps; i++) {
    gen_episode *ep = &e->eps[i];
    ep->scale = scale;
    ep->cycles = ep->sc->cycles * (ep->sc->scale_cycles ? scale : 1);
    fl_gen_schedule(e, ep, e->span / 8);
  }
  return FL_OK;
}
