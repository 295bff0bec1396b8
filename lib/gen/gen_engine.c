/*
** The scenario engine: builds hosts and episodes from a scenario table,
** then merges one background stream and every episode's stream by time,
** one record at a time, so output is time-ordered and memory stays
** constant whatever --size asks for. Deterministic per seed: all choices
** come from the generator's own PRNG, in a fixed order.
** Must never buffer records or look at the wall clock.
*/
#include <stdlib.h>
#include <string.h>

#include "common/fl_error.h"
#include "gen/gen_engine.h"

#define TICKS_PER_SEC GEN_TICKS_PER_SEC
#define DAY_TICKS GEN_DAY_TICKS
/* 2024-03-04T00:00:00Z as FILETIME */
#define BASE_TIME 133539264000000000ull

/* Rough bytes per record per format, to turn --size into a record count
** (and so a time density). Only the time spread depends on it. */
/* Bytes a record takes in each output form (fl_gen_format order), for --size;
** the text forms measured on `gen timeout` (bytes / records, scaled as xml). */
static const uint64_t est_bytes[FL_GEN_FORMAT_COUNT] = {700, 1350, 1450, 1500, 360, 1100, 1500, 150, 150};
_Static_assert(FL_GEN_FORMAT_COUNT == 9, "est_bytes has a size per output form");

int fl_gen_step_active(const gen_engine *e, const gen_step *s) {
  if (!e->netsh) return 1;
  if (s->flags & F_BENIGN) return 1;
  if (s->flags & F_ISCSI) return 0;
  const gen_shape *sh = fl_gen_shape(s->event);
  return sh && sh->wfp != GEN_WFP_NONE;
}

static uint64_t step_reps(const gen_episode *ep, const gen_step *s) {
  return (s->flags & F_SCALE) && !ep->sc->scale_cycles ? s->reps * ep->scale : s->reps;
}

/* Events of one cycle that do (fixed) and do not (scaled) depend on scale. */
static void episode_weights(const gen_engine *e, const gen_scenario *sc,
                            uint64_t *fixed, uint64_t *scaled) {
  uint64_t f = 0, v = 0;
  for (size_t i = 0; i < sc->nsteps; i++) {
    if (!fl_gen_step_active(e, &sc->steps[i])) continue;
    if ((sc->steps[i].flags & F_SCALE) || sc->scale_cycles) v += sc->steps[i].reps;
    else f += sc->steps[i].reps;
  }
  *fixed = f * sc->cycles;
  *scaled = v * sc->cycles;
}

static uint64_t episode_total(const gen_engine *e, const gen_episode *ep) {
  uint64_t n = 0;
  for (size_t i = 0; i < ep->sc->nsteps; i++)
    if (fl_gen_step_active(e, &ep->sc->steps[i])) n += step_reps(ep, &ep->sc->steps[i]);
  return n * ep->cycles;
}

void fl_gen_pick_peers(gen_engine *e, gen_episode *ep) {
  const gen_scenario *sc = ep->sc;
  ep->host = (unsigned)fl_gen_rng_below(&e->rng, e->nhosts);
  if (sc->remote == R_ISCSI && e->nhosts > 5 && !e->opts.hostile) ep->host = 5;
  ep->npeers = sc->npeers < GEN_MAX_PEERS ? sc->npeers : GEN_MAX_PEERS;
  /* distinct hosts other than ep->host (nhosts > npeers is guaranteed) */
  unsigned others = e->nhosts - 1, start = (unsigned)fl_gen_rng_below(&e->rng, others);
  for (unsigned i = 0; i < ep->npeers; i++)
    ep->peers[i] = (ep->host + 1 + (start + i) % others) % e->nhosts;
  static const char *const nets[] = {"198.51.100", "203.0.113", "192.0.2"};
  unsigned last = 10 + (unsigned)fl_gen_rng_below(&e->rng, 200);
  if (sc->remote == R_ISCSI) {
    snprintf(ep->ext_addr, sizeof ep->ext_addr, "10.50.0.%u", 10 + last % 20);
    ep->ext_ip = (10u << 24) | (50u << 16) | (10 + last % 20);
  } else {
    unsigned n = (unsigned)fl_gen_rng_below(&e->rng, 3);
    snprintf(ep->ext_addr, sizeof ep->ext_addr, "%s.%u", nets[n], last);
    ep->ext_ip = (n == 0 ? 0xC6336400u : n == 1 ? 0xCB007100u : 0xC0000200u) | last;
  }
  snprintf(ep->iqn, sizeof ep->iqn, "iqn.1991-05.com.microsoft:srv-iscsi01-lun%u-target",
           (unsigned)fl_gen_rng_below(&e->rng, 8));
  for (int i = 0; i < 20; i++) {
    ep->local_hash[i] = (uint8_t)fl_gen_rng_next(&e->rng);
    ep->remote_hash[i] = (uint8_t)fl_gen_rng_next(&e->rng);
  }
}

void fl_gen_schedule(gen_engine *e, gen_episode *ep, uint64_t window) {
  uint64_t total = episode_total(e, ep);
  ep->gap = total ? window / total : window;
  if (!total) ep->done = 1;
  ep->step = 0;
  while (ep->step < ep->sc->nsteps && !fl_gen_step_active(e, &ep->sc->steps[ep->step])) ep->step++;
  if (ep->step >= ep->sc->nsteps) ep->done = 1;
}

static uint64_t step_gap(gen_engine *e, const gen_episode *ep) {
  uint64_t want = (uint64_t)ep->sc->steps[ep->step].gap_s * TICKS_PER_SEC;
  uint64_t g = want < ep->gap ? want : ep->gap;
  if (g < 16) g = 16;
  return g - g / 4 + fl_gen_rng_below(&e->rng, g / 2 + 1);
}

static fl_status make_episodes(gen_engine *e, const gen_scenario *sc, uint64_t n_records,
                               fl_error *err) {
  if (sc->enterprise >= 2) return fl_gen_estate_episodes(e, n_records, err);
  const gen_scenario *all;
  size_t nall = fl_gen_scenarios(&all);
  /* enterprise mixes the scenarios above it in the table */
  size_t nmix = 0;
  while (nmix < nall && !all[nmix].enterprise) nmix++;
  if (sc->enterprise && nmix == 0)
    return fl_error_line(err, FL_EUSAGE, "gen", 0, 0, "no scenarios for enterprise to mix");
  size_t neps = sc->enterprise ? e->nhosts / 2u * (e->opts.days ? e->opts.days : 1) : sc->episodes;
  if (neps < 1) neps = 1;
  if (sc->enterprise && neps < nmix) neps = nmix;
  if (neps > GEN_MAX_EPISODES) neps = GEN_MAX_EPISODES;
  e->eps = calloc(neps, sizeof *e->eps);
  if (!e->eps) {
    return fl_error_line(err, FL_ENOMEM, "gen", 0, 0, "out of memory for %zu episodes", neps);
  }
  e->neps = neps;
  uint64_t fixed = 0, scaled = 0;
  for (size_t i = 0; i < neps; i++) {
    gen_episode *ep = &e->eps[i];
    ep->sc = sc->enterprise && nmix ? &all[(i + fl_gen_rng_below(&e->rng, 3) * (i >= nmix)) % nmix] : sc;
    fl_gen_pick_peers(e, ep);
    uint64_t f, v;
    episode_weights(e, ep->sc, &f, &v);
    fixed += f;
    scaled += v;
  }
  uint64_t target = n_records / 100, scale = 1;
  if (scaled && target > fixed) scale = (target - fixed + scaled / 2) / scaled;
  if (scale < 1) scale = 1;
  for (size_t i = 0; i < neps; i++) {
    gen_episode *ep = &e->eps[i];
    ep->scale = scale;
    ep->cycles = ep->sc->cycles * (ep->sc->scale_cycles ? scale : 1);
    uint64_t lo = sc->enterprise ? 0 : e->span / 20;
    uint64_t spread = sc->enterprise ? e->span / 100 * 85 : e->span / 100 * 40;
    uint64_t window = sc->enterprise ? e->span / 8 : e->span / 100 * 40;
    ep->next_time = e->t0 + lo + fl_gen_rng_below(&e->rng, spread + 1);
    fl_gen_schedule(e, ep, window);
  }
  return FL_OK;
}

static void find_next_episode(gen_engine *e) {
  size_t best = SIZE_MAX;
  for (size_t i = 0; i < e->neps; i++)
    if (!e->eps[i].done && (best == SIZE_MAX || e->eps[i].next_time < e->eps[best].next_time))
      best = i;
  e->ep_next = best;
}

fl_status fl_gen_engine_new(const fl_gen_options *opts, gen_engine **out, fl_error *err) {
  *out = NULL;
  const gen_scenario *sc = fl_gen_scenario_def(opts->scenario);
  if (!sc) {
    return fl_error_line(err, FL_EUSAGE, "gen", 0, 0, "unknown scenario '%s'",
                         opts->scenario ? opts->scenario : "");
  }
  gen_engine *e = calloc(1, sizeof *e);
  if (!e) return fl_error_line(err, FL_ENOMEM, "gen", 0, 0, "out of memory");
  e->opts = *opts;
  e->netsh = opts->format == FL_GEN_NETSH;
  e->wfp_view = e->netsh || opts->netsh_path;
  fl_gen_rng_seed(&e->rng, opts->seed);
  unsigned days = opts->days ? opts->days : 1;
  e->nhosts = opts->hosts ? opts->hosts : sc->info.default_hosts;
  if (e->nhosts < 5) e->nhosts = e->nhosts < sc->npeers + 1 ? sc->npeers + 1 : e->nhosts;
  if (e->nhosts > GEN_MAX_HOSTS) e->nhosts = GEN_MAX_HOSTS;
  e->hosts = calloc(e->nhosts, sizeof *e->hosts);
  if (!e->hosts) {
    free(e);
    return fl_error_line(err, FL_ENOMEM, "gen", 0, 0, "out of memory");
  }
  for (unsigned i = 0; i < e->nhosts; i++) fl_gen_host_make(&e->hosts[i], i + opts->host_offset, &e->rng);
  e->t0 = BASE_TIME + (opts->seed % 300) * DAY_TICKS + fl_gen_rng_below(&e->rng, 3600) * TICKS_PER_SEC;
  /* BASE_TIME is 2024; a shift of up to +-3650 days stays far from 0 */
  if (opts->time_shift_days < 0) e->t0 -= (uint64_t)-(int64_t)opts->time_shift_days * DAY_TICKS;
  else e->t0 += (uint64_t)opts->time_shift_days * DAY_TICKS;
  e->span = days * DAY_TICKS;
  uint64_t n = opts->size ? opts->size / est_bytes[opts->format] : (uint64_t)e->nhosts * days * 5000u;
  if (n < 500) n = 500;
  e->bg_left = opts->size ? UINT64_MAX : n - n / 100;
  e->bg_gap = e->span / (n - n / 100);
  if (e->bg_gap < 2) e->bg_gap = 2;
  e->bg_next = e->t0 + fl_gen_rng_below(&e->rng, e->bg_gap);
  e->nkinds = fl_gen_bg_kinds(&e->kinds);
  for (size_t i = 0; i < e->nkinds; i++) e->weight_total += e->kinds[i].weight;
  fl_status st = make_episodes(e, sc, n, err);
  if (st != FL_OK) {
    fl_gen_engine_free(e);
    return st;
  }
  find_next_episode(e);
  *out = e;
  return FL_OK;
}

int fl_gen_engine_wfp_companion(gen_engine *e, const gen_record *r, gen_record *out) {
  if (r->in_scope) return r->wfp.kind != GEN_WFP_NONE;
  /* a capture holds fewer records than the Security log: 1 in 6 */
  if (fl_gen_rng_below(&e->rng, 6) != 0) return 0;
  out->used = 0;
  out->in_scope = 0;
  out->episode = -1;
  memset(&out->wfp, 0, sizeof out->wfp);
  out->shape = fl_gen_shape_wfp(fl_gen_rng_below(&e->rng, 100) < 85 ? GEN_WFP_CLASSIFY_DROP
                                                                     : GEN_WFP_CLASSIFY_ALLOW);
  out->host = r->host;
  out->computer = r->computer;
  out->time = r->time;
  fl_gen_wfp_background(out, &e->hosts[r->host], &e->rng);
  return 1;
}

void fl_gen_engine_free(gen_engine *e) {
  if (!e) return;
  free(e->hosts);
  free(e->eps);
  free(e);
}

size_t fl_gen_engine_episodes(const gen_engine *e, const gen_episode **out) {
  *out = e->eps;
  return e->neps;
}

const gen_host *fl_gen_engine_host(const gen_engine *e, unsigned index) {
  return index < e->nhosts ? &e->hosts[index] : NULL;
}

unsigned fl_gen_engine_host_count(const gen_engine *e) { return e->nhosts; }
uint64_t fl_gen_engine_seed(const gen_engine *e) { return e->opts.seed; }

static void stamp(gen_engine *e, gen_record *r, unsigned host, uint64_t time) {
  gen_host *h = &e->hosts[host];
  const gen_shape *s = r->shape;
  r->host = host;
  r->computer = h->fqdn;
  r->time = time;
  r->record_id = h->record_id[s->channel_index]++;
  if (s->body == GEN_BODY_CLASSIC) r->pid = 4;
  else if (s->channel_index == 1) r->pid = h->services_pid;
  else r->pid = h->lsass_pid;
  r->tid = (uint32_t)fl_gen_rng_range(&e->rng, 40, 2600) * 4;
}

static void emit_background(gen_engine *e, gen_record *r) {
  gen_ctx c;
  memset(&c, 0, sizeof c);
  unsigned host = (unsigned)fl_gen_rng_below(&e->rng, e->nhosts);
  if (e->netsh) {
    r->shape = fl_gen_shape_wfp(fl_gen_rng_below(&e->rng, 100) < 85 ? GEN_WFP_CLASSIFY_DROP
                                                                    : GEN_WFP_CLASSIFY_ALLOW);
    stamp(e, r, host, e->bg_next);
    fl_gen_wfp_background(r, &e->hosts[host], &e->rng);
  } else {
    uint64_t w = fl_gen_rng_below(&e->rng, e->weight_total);
    size_t k = 0;
    while (w >= e->kinds[k].weight) w -= e->kinds[k++].weight;
    r->shape = fl_gen_shape(e->kinds[k].event_id);
    stamp(e, r, host, e->bg_next);
    e->kinds[k].setup(&c, r, &e->hosts[host], &e->rng, e->opts.hostile);
    fl_gen_fill(r, &c);
  }
  e->bg_next += 1 + fl_gen_rng_below(&e->rng, 2 * e->bg_gap);
  if (e->bg_left != UINT64_MAX) e->bg_left--;
}

static void advance(gen_engine *e, gen_episode *ep) {
  const gen_scenario *sc = ep->sc;
  if (++ep->rep < step_reps(ep, &sc->steps[ep->step])) {
    ep->next_time += step_gap(e, ep);
    /* intermittent: now and then the same pair connects between failures */
    if (ep->intermittent && !e->netsh && fl_gen_rng_below(&e->rng, 3) == 0) ep->success_due = 1;
    return;
  }
  ep->rep = 0;
  do {
    if (++ep->step >= sc->nsteps) {
      ep->step = 0;
      if (++ep->cycle >= ep->cycles) {
        ep->done = 1;
        return;
      }
    }
  } while (!fl_gen_step_active(e, &sc->steps[ep->step]));
  ep->next_time += step_gap(e, ep);
}

int fl_gen_engine_next(gen_engine *e, gen_record *r) {
  r->used = 0;
  r->bin_len = 0;
  r->in_scope = 0;
  r->episode = -1;
  memset(&r->wfp, 0, sizeof r->wfp);
  gen_episode *ep = e->ep_next == SIZE_MAX ? NULL : &e->eps[e->ep_next];
  int bg = e->bg_left > 0;
  if (ep && (!bg || ep->next_time <= e->bg_next)) {
    int success = ep->success_due;
    const gen_step *s = &ep->sc->steps[ep->step];
    unsigned logger = success ? fl_gen_episode_success(e->hosts, ep, r, &e->rng, e->wfp_view)
                              : fl_gen_episode_emit(e->hosts, ep, r, &e->rng, e->opts.hostile,
                                                    e->netsh, e->wfp_view);
    stamp(e, r, logger, ep->next_time);
    r->in_scope = 1;
    r->episode = (int)(ep - e->eps);
    if (!ep->count) ep->first = r->time;
    ep->last = r->time;
    ep->count++;
    if (!success && !(s->flags & (F_RESOLVED | F_BENIGN))) ep->failures++;
    if (r->wfp.kind != GEN_WFP_NONE) ep->netsh_count++;
    if (success) {
      ep->success_due = 0;
      ep->next_time += step_gap(e, ep);
    } else {
      advance(e, ep);
    }
    find_next_episode(e);
    return 1;
  }
  if (!bg) return 0;
  emit_background(e, r);
  return 1;
}
