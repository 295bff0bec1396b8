/*
** Scenario engine of the generator: scenario tables (gen_scenarios.c),
** hosts and background values (gen_hosts.c) and the time-ordered merge of
** background and episode streams (gen_engine.c).
** Must never hold records: one record at a time goes to the writer, so any
** --size runs in constant memory. Episodes are bounded (GEN_MAX_EPISODES).
*/
#ifndef FL_GEN_ENGINE_H
#define FL_GEN_ENGINE_H

#include "gen/gen_internal.h"

/* who logs a step */
enum { W_HOST = 0, W_PEER, W_SOLO };
/* what an episode's peers are */
enum { R_HOST = 0, R_EXT, R_ISCSI };
/* step flags */
enum {
  F_SCALE = 1u << 0,        /* reps grow with the requested size */
  F_ZERO_RCOOKIE = 1u << 1, /* responder never answered */
  F_NAMES = 1u << 2,        /* principal names known (auth got that far) */
  F_AUTH_UNKNOWN = 1u << 3, /* not negotiated yet: %%8194 */
  F_BENIGN = 1u << 4,       /* netsh: BENIGN|MULTIPLE MM failure; else success */
  F_ISCSI = 1u << 5,        /* event is an iScsiPrt id */
  F_RESOLVED = 1u << 6,     /* success after the fix */
  F_NOTIF_STOP = 1u << 7,   /* 4646: %%8215 instead of %%8214 */
  F_UNTRUSTED = 1u << 8,    /* remote certificate chains to an unknown root */
  F_BENIGN_FAIL = 1u << 9   /* a failure Windows logs routinely: written as a
                            ** failure in every form, netsh flags BENIGN */
};

typedef struct gen_step {
  uint16_t event;
  uint8_t who;
  uint32_t code;
  uint8_t keymod, auth, state, role, fpoint; /* SDK enum values, all small and >= 0 */
  uint16_t rport;
  uint16_t reps;
  uint32_t gap_s;
  uint32_t flags;
} gen_step;

typedef struct gen_scenario {
  fl_gen_scenario_info info;
  const gen_step *steps;
  size_t nsteps;
  uint8_t remote;
  unsigned npeers;
  unsigned cycles;
  int scale_cycles;
  unsigned episodes;
  int enterprise;
  int iscsi_failure_type; /* ISCSI_INITIATOR_FAILURE_TYPE, -1 none */
  int benign;             /* no finding expected (manifest "benign") */
} gen_scenario;

size_t fl_gen_scenarios(const gen_scenario **out);
const gen_scenario *fl_gen_scenario_def(const char *name);

#define GEN_MAX_EPISODES 4096
#define GEN_MAX_PEERS 4
#define GEN_MAX_HOSTS 20000

typedef struct gen_host {
  char name[24];  /* WS-FIN-0042 */
  char fqdn[64];
  char account[28]; /* WS-FIN-0042$ */
  char ip[16];
  uint32_t ip_u32;
  uint32_t lsass_pid, services_pid;
  uint64_t record_id[2]; /* next id per channel (Security, System) */
  uint64_t mm_sa;
  uint64_t mm_filter;
} gen_host;

typedef struct gen_episode {
  const gen_scenario *sc;
  unsigned host;
  unsigned peers[GEN_MAX_PEERS];
  unsigned npeers;
  uint32_t ext_ip;
  char ext_addr[16];
  uint64_t scale;
  size_t step;
  uint64_t rep, cycle, cycles;
  uint64_t next_time, gap;
  unsigned peer_cursor;
  int done;
  uint8_t local_hash[20], remote_hash[20];
  char iqn[96];
  int keymod;          /* 0: the steps' keying modules; 1 IKEv1, 2 IKEv2 replace either */
  int intermittent;    /* successes of the same pair between failures */
  int success_due;     /* the next record is such a success */
  unsigned recurrence_of; /* 1-based id of the earlier incident it repeats, 0 */
  /* ground truth, filled as records are written */
  uint64_t first, last, count, failures, netsh_count;
} gen_episode;

typedef struct gen_bg_kind gen_bg_kind;

/* The engine's state; only gen_engine.c and gen_estate.c touch it. */
typedef struct gen_engine {
  fl_gen_options opts;
  gen_rng rng;
  gen_host *hosts;
  unsigned nhosts;
  gen_episode *eps;
  size_t neps, ep_next;
  uint64_t t0, span;
  uint64_t bg_next, bg_gap, bg_left;
  const gen_bg_kind *kinds;
  size_t nkinds;
  unsigned weight_total;
  int netsh;       /* the data file is netsh: only WFP-representable steps */
  int wfp_view;    /* fill every in-scope record's WFP view (netsh or --with-netsh) */
} gen_engine;

#define GEN_TICKS_PER_SEC 10000000ull
#define GEN_DAY_TICKS (86400ull * GEN_TICKS_PER_SEC)

/* gen_estate.c: the `estate` scenario's incidents (overlapping, recurring,
** intermittent, benign, IKEv1/IKEv2, external gateways). Fills e->eps. */
fl_status fl_gen_estate_episodes(gen_engine *e, uint64_t n_records, fl_error *err);
/* gen_engine.c, used by gen_estate.c */
void fl_gen_pick_peers(gen_engine *e, gen_episode *ep);
int fl_gen_step_active(const gen_engine *e, const gen_step *s);
void fl_gen_schedule(gen_engine *e, gen_episode *ep, uint64_t window);

fl_status fl_gen_engine_new(const fl_gen_options *opts, gen_engine **out,
                            fl_error *err);
/* Fills r with the next record; returns 0 when the stream is over. */
int fl_gen_engine_next(gen_engine *e, gen_record *r);
/* --with-netsh: whether the netsh capture of the same hosts holds r (in
** scope: r itself, when it has a WFP form; background: sometimes a WFP
** classify record of r's host at r's time, filled into out). 1: write
** r (in scope) or out (background) to the netsh file. */
int fl_gen_engine_wfp_companion(gen_engine *e, const gen_record *r, gen_record *out);
void fl_gen_engine_free(gen_engine *e);
size_t fl_gen_engine_episodes(const gen_engine *e, const gen_episode **out);
const gen_host *fl_gen_engine_host(const gen_engine *e, unsigned index);
unsigned fl_gen_engine_host_count(const gen_engine *e);
uint64_t fl_gen_engine_seed(const gen_engine *e);

/* gen_hosts.c: host table and background record contexts */
/* index: the host's number in the estate (after --host-offset) */
void fl_gen_host_make(gen_host *h, unsigned index, gen_rng *rng);
struct gen_bg_kind {
  uint16_t event_id;
  unsigned weight;
  void (*setup)(gen_ctx *c, gen_record *r, const gen_host *h, gen_rng *rng,
                int hostile);
};
size_t fl_gen_bg_kinds(const gen_bg_kind **out);
extern const char fl_gen_hostile_text[];

/* gen_episode.c: one in-scope record of an episode's current step; sets
** r->shape, fields, binary and WFP view; returns the logging host. */
unsigned fl_gen_episode_emit(gen_host *hosts, gen_episode *ep, gen_record *r,
                             gen_rng *rng, int hostile, int netsh, int wfp_view);
/* the success of the same pair an intermittent episode logs between failures */
unsigned fl_gen_episode_success(gen_host *hosts, gen_episode *ep, gen_record *r,
                                gen_rng *rng, int wfp_view);
/* gen_episode.c: the WFP view of a netsh background record. */
void fl_gen_wfp_background(gen_record *r, const gen_host *h, gen_rng *rng);
extern const char fl_gen_domain_sid[];

/* gen_manifest.c: writes path.manifest.json; spool holds the in-scope list. */
fl_status fl_gen_manifest_write(const fl_gen_options *opts, const gen_engine *e,
                                fl_gen_result *res, FILE *spool, const char *path,
                                fl_error *err);

#endif
