/*
** Internals of lib/diag, shared by its files (one job each):
**   diag_strings.c   interned strings (one copy of every name and address)
**   diag_identity.c  host identity: which host an address is, learned from
**                    events that carry both, and the one evidence-gated
**                    inference (the address of a host whose IKEEXT stopped)
**   diag_rules.c     rules.def/codes.def/params.def as tables; which rule
**                    names the cause of an event
**   diag_episodes.c  open episodes: join, merge, relabel, successes, close
**   diag_result.c    a closed episode as an fl_episode: state, confidence,
**                    texts, evidence; the result and its order
**   diag_notes.c     coverage notes (what the logs cannot show)
**   diag_engine.c    the public API (fl_diag_*)
** Not installed. Must never keep a pointer into a caller's record.
*/
#ifndef FL_DIAG_INTERNAL_H
#define FL_DIAG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "faultline.h"

#define K(x) (1ull << FL_KIND_##x)
#define DIAG_COUNT(a) (sizeof(a) / sizeof *(a))
#define DIAG_MINUTE 600000000ull /* FILETIME ticks */

/* ---- strings ---------------------------------------------------------- */
/* Interned strings: id 0 is the empty string. */
typedef struct diag_strings {
  char **items;
  size_t count, cap;
  uint32_t *slots;   /* open addressing; 0 = free, else id */
  size_t slot_cap;   /* power of two */
} diag_strings;

uint32_t diag_intern(diag_strings *s, const char *p, size_t len);
const char *diag_str(const diag_strings *s, uint32_t id);
void diag_strings_free(diag_strings *s);

/* ---- events ----------------------------------------------------------- */
/* What diagnosis needs of one typed event (strings interned). */
typedef struct diag_event {
  uint64_t time;
  uint64_t record_id;
  uint32_t host;           /* Computer, or "" (netsh) */
  uint32_t node;           /* the logger: host, else its local address */
  uint32_t peer, local_addr, file;
  uint32_t principal;      /* remote principal ("" for none or "-"): evidence only */
  uint32_t error_code, event_id;
  uint16_t remote_port;
  uint8_t kind;            /* fl_event_kind */
  uint8_t is_failure;
  uint8_t benign, multiple, resp_cookie_zero, has_error;
  uint8_t resp_cookie_set; /* a non-zero responder cookie: the peer replied */
  int8_t keymod;           /* IKEEXT_KEY_MODULE_TYPE, -1 unknown */
  int8_t iscsi_failure;    /* ISCSI_INITIATOR_FAILURE_TYPE, -1 */
  int8_t mm_state;         /* IKEEXT_MM_SA_STATE for MM failures, -1 */
  int8_t failure_point;    /* IPSEC_FAILURE_POINT, -1 */
  int8_t role;             /* IKEEXT_SA_ROLE: 0 initiator, 1 responder, -1 */
  uint8_t ends;            /* says the condition ended (4646 DoS mode
                              stopped): the episode's gap is its gap_min */
  const char *event_name;  /* netsh type name, else NULL (fl_evidence) */
} diag_event;

/* ---- parameters (params.def) ------------------------------------------ */
enum {
#define FL_PARAM(name, value, meaning) P_##name,
#include "diag/params.def"
#undef FL_PARAM
  P_COUNT_
};
double diag_param(int p);

/* ---- rules ------------------------------------------------------------ */
enum { KEY_PAIR, KEY_HOST, KEY_STOPPED_PEER, KEY_HOST_TARGET };

typedef struct diag_rule {
  const char *cause;
  uint64_t kinds;
  int codes, cond, ctx, key;
  uint64_t recover;
  double confidence;
  unsigned min_finding;    /* failures needed to raise a finding */
  unsigned gap_min, gap_max; /* minutes of silence that close an episode */
  fl_knowledge_kind know_kind;
  uint32_t know_key;
  const char *title, *explanation;
} diag_rule;

extern const diag_rule diag_rules[];
extern const size_t diag_rule_count;

struct fl_diag;
/* The first rule naming e's cause, or -1. */
int diag_match_rule(const struct fl_diag *d, const diag_event *e);
/* Rules sharing a cause id group into the same episodes. */
int diag_canonical_rule(int r);
int diag_code_in(int list, uint32_t code);
/* The event shows that nothing came back: a zero responder cookie, or a
** main mode still at its first message (netsh has no cookie but has the
** state). An unknown cookie and state show nothing either way. */
int diag_no_reply_seen(const diag_event *e);
int diag_code_list(const char *name);

/* Kinds only the Security log has (netsh captures have the WFP_* kinds). */
#define DIAG_SECLOG_KINDS                                                                    \
  (K(MM_FAILURE) | K(MM_ESTABLISHED) | K(MM_ENDED) | K(QM_FAILURE) | K(QM_ESTABLISHED) |     \
   K(QM_ENDED) | K(EM_FAILURE) | K(EM_ESTABLISHED) | K(INVALID_PACKET) | K(SA_DELETED) |      \
   K(DOS_MODE) | K(IKEEXT_NOT_STARTED) | K(POLICY_APPLIED) | K(POLICY_FAILED) |              \
   K(POLICY_CACHED) | K(POLICY_POLL) | K(POLICY_AGENT) | K(POLICY_AGENT_FAILURE))
/* ---- identity --------------------------------------------------------- */
/* What is known about one string id used as a node (host or address). */
typedef struct diag_node {
  uint32_t parent;         /* union-find: the host this address is */
  uint32_t owner;          /* address: host that logged it as local */
  uint64_t owner_time;     /* when that was first seen */
  uint32_t owner_event;    /* and in which event id */
  uint8_t logged;          /* this node logged events: a host, not a peer */
  uint8_t conflict;        /* address claimed by two hosts: no identity */
  uint8_t inferred;        /* owner inferred, not seen */
  uint8_t has_addr;        /* host: some address is known to be it */
  uint8_t seclog;          /* its Security log is among the sources (it
                              logged an IKE/PAStore event there) */
  uint32_t infer_hosts;    /* inferred: hosts that timed out towards it */
  uint64_t infer_first;    /* inferred: when their timeouts began */
  uint64_t stopped_first, stopped_last; /* 5453 run on this host */
  uint64_t policy_failed;  /* last PAStore failure on this host */
  uint64_t chap_error;     /* last iScsiPrt CHAP error on this host */
  uint64_t last_ok;        /* last success this host logged */
} diag_node;

int diag_nodes_reserve(struct fl_diag *d);
uint32_t diag_find(struct fl_diag *d, uint32_t id);
uint32_t diag_find_const(const struct fl_diag *d, uint32_t id);
/* Learns from e (Computer + local address; 5453, policy, CHAP context).
** Returns 1 when identity changed (open episodes must be re-keyed). */
int diag_identity_learn(struct fl_diag *d, const diag_event *e);
/* Address id -> host id the address is (0 unknown). */
uint32_t diag_owner(const struct fl_diag *d, uint32_t addr);
/* Tries the one inference: the unknown address of a host whose IKEEXT is
** stopped. Returns 1 when an owner was inferred. */
int diag_identity_infer_stopped(struct fl_diag *d, uint32_t addr, uint64_t now);
/* What was inferred about addr and from what (malloc'd), or NULL. */
char *diag_identity_inference_text(const struct fl_diag *d, uint32_t addr);
/* FILETIME as "YYYY-MM-DDTHH:MM:SSZ". */
void diag_iso_time(uint64_t ft, char *buf, size_t cap);

/* ---- episodes --------------------------------------------------------- */
#define DIAG_MAX_PEERS 64
enum { DIAG_OPEN, DIAG_CLOSE_EXPIRED, DIAG_CLOSE_FINISH, DIAG_CLOSE_MERGED };
#define DIAG_MAX_SOURCES 8

typedef struct diag_episode {
  uint64_t id;
  int rule, cause;         /* first matching rule (texts); canonical cause */
  uint32_t hub;            /* the host (node id) */
  uint32_t peers[DIAG_MAX_PEERS];
  uint64_t peer_logged[DIAG_MAX_PEERS]; /* failures each peer logged */
  size_t npeers;
  uint64_t hub_logged;     /* failures the hub logged itself */
  uint8_t hub_responder;   /* the hub logged failures as responder */
  uint8_t sealed;          /* its last event said the condition ended */
  int8_t keymod;
  uint8_t benign, open, dead, finding_sent;
  uint8_t closing;         /* DIAG_OPEN, DIAG_CLOSE_EXPIRED, _FINISH, _MERGED */
  uint64_t first, last, count, events;
  uint64_t ok_between, ok_after; /* successes of the same pair */
  /* failures per (logging node, source): one host's failure seen in two of
  ** its logs (Security log and a netsh capture) counts once */
  struct { uint32_t node, file; uint64_t n; } by_source[DIAG_MAX_SOURCES * 2];
  size_t nby_source;
  uint64_t by_source_rest; /* failures past the table: counted as they come */
  uint32_t codes[4];       /* error codes seen and how often (dominant) */
  uint64_t code_n[4];
  uint32_t sources[DIAG_MAX_SOURCES];
  size_t nsources;
  diag_event rep;          /* first failure: re-matched when context changes */
  fl_evidence *ev_first;   /* first max_evidence/2 */
  fl_evidence *ev_last;    /* ring of the last max_evidence/2 */
  size_t n_first, n_last, last_pos;
  uint64_t *times;         /* sampled: every stride-th failure */
  size_t ntimes;
  uint64_t stride, since_sample;
  char *inference;         /* malloc'd, or NULL */
  uint64_t merged_into;
} diag_episode;

int diag_episode_failure(struct fl_diag *d, const diag_event *e, int rule);
/* Failures, one host's duplicates across its sources counted once. */
uint64_t diag_episode_count(struct fl_diag *d, const diag_episode *ep);
void diag_episode_success(struct fl_diag *d, const diag_event *e);
int diag_episodes_rekey(struct fl_diag *d);
int diag_episodes_relabel_host(struct fl_diag *d, uint32_t host);
int diag_episodes_expire(struct fl_diag *d, uint64_t now);
int diag_episodes_close_all(struct fl_diag *d);
void diag_episode_free(diag_episode *ep);
uint64_t diag_episode_gap(const diag_episode *ep);

/* ---- result ----------------------------------------------------------- */
/* A closed-episode record the result owns (the fl_episode points into it). */
typedef struct diag_closed diag_closed;
/* Fills a snapshot of ep (closing: DIAG_OPEN or how it closed, which decides
** the state) for a callback or the result; the episode and its arrays live
** in *keep. */
int diag_episode_snapshot(struct fl_diag *d, const diag_episode *ep, int closing,
                          diag_closed **keep, fl_episode *out);
void diag_closed_free(diag_closed *c);
void diag_notify(struct fl_diag *d, diag_episode *ep, fl_episode_change what);
int diag_keep_closed(struct fl_diag *d, const diag_episode *ep);
int diag_build_result(struct fl_diag *d);
void diag_free_result(struct fl_diag *d);
void diag_coverage_notes(struct fl_diag *d);

/* ---- the engine ------------------------------------------------------- */
typedef struct diag_source_window {
  uint32_t file;
  uint64_t first, last;    /* in-scope events this source gave */
} diag_source_window;

struct fl_diag {
  fl_diag_options opt;
  diag_strings strings;
  diag_node *nodes;        /* indexed by string id */
  size_t node_cap;
  diag_episode **open;     /* open episodes */
  size_t nopen, open_cap;
  diag_episode **done;     /* closed episodes, kept for late events and
                              the result (none with drop_closed) */
  size_t ndone, done_cap;
  uint64_t next_id;
  uint64_t watermark, last_sweep;
  uint64_t kinds_seen;     /* bit per fl_event_kind */
  uint64_t events, failures;
  uint64_t first_time, last_time;
  diag_source_window *windows;
  size_t nwindows, windows_cap;
  fl_diag_source *sources;
  size_t source_count, source_cap;
  /* closed episodes kept for the result */
  diag_closed **closed;
  size_t nclosed, closed_cap;
  /* results, built by fl_diag_finish() */
  int finished;
  fl_diag_result result;
  fl_episode *episodes;
  fl_coverage_note notes[8];
  size_t note_count;
  int oom;
};

const diag_source_window *diag_window_of(const struct fl_diag *d, uint32_t file);

#endif
