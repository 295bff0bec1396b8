/*
** Diagnosis: typed events in, episodes out. An episode is a run of
** failures of one cause on one host (with its peers, or iSCSI target),
** closed when the failures stop for longer than the cause's gap, with
** first/last seen, count, state, an evidence-based confidence, what to
** check, what was inferred (never presented as a fact) and the evidence
** (file + record id) behind it. Causes are rules in lib/diag/rules.def.
**
** The engine is incremental: memory is bounded by the OPEN episodes (each
** keeps a bounded sample of evidence and times), not by the events. Feed
** it events in time order (the store gives them so); a late event still
** joins or reopens an episode within its gap.
**
** Usage: fl_diag_new(); fl_diag_add() for every typed event (strings are
** copied, so the record may go away); fl_diag_note_source() for every
** input; optionally fl_diag_advance() with the wall clock (live intake);
** fl_diag_finish() closes what is open and gives the result, owned by the
** fl_diag and valid until fl_diag_free(). Callbacks (options.on_episode)
** see each episode open, change and close. One fl_diag is used by one
** thread at a time. Must never keep a pointer into a record or raise a
** finding from a benign failure.
*/
#ifndef FAULTLINE_DIAG_H
#define FAULTLINE_DIAG_H

#include "faultline/base.h"
#include "faultline/typed.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fl_diag fl_diag;

/* States are relative to the observation window of the sources that saw
** the episode's failures; successes count only for the same pair (or host)
** while the episode is open. */
typedef enum fl_episode_state {
  FL_EPISODE_ONGOING = 0,     /* failures up to the end of the window */
  FL_EPISODE_RECOVERED,       /* a later success for the same pair */
  FL_EPISODE_INTERMITTENT,    /* successes between failures */
  FL_EPISODE_SEEN_ONCE,       /* one lone failure: not an outage */
  FL_EPISODE_ENDED            /* failures stopped well before the window
                                 ended; no success seen */
} fl_episode_state;

FL_API const char *fl_episode_state_name(fl_episode_state s);

typedef struct fl_evidence {
  const char *file;           /* input path (or "-" for stdin) */
  uint64_t record_id;         /* EventRecordID; line number for text inputs */
  uint64_t time;              /* FILETIME */
  uint32_t event_id;
  uint32_t error_code;        /* 0 when none */
  const char *event_name;     /* netsh type name ("ikeMmFailure") when the
                                 record came from netsh: its event_id is
                                 faultline's, never show it alone; else NULL */
  /* the event's key fields, so a reader can tell the rows apart: */
  const char *peer;           /* remote address or iSCSI target, "" */
  const char *principal;      /* remote principal ("CORP\\HOST$"), "" */
  uint16_t remote_port;       /* 0 when none */
} fl_evidence;

typedef struct fl_episode {
  uint64_t id;                /* stable from open to close (alert key) */
  uint64_t merged_into;       /* closed by merging: the survivor's id */
  const char *cause_id;       /* "cert-untrusted", ... (rules.def) */
  const char *cause_title;    /* one line for people */
  const char *explanation;    /* why faultline thinks so */
  const char *check;          /* what to check, concrete commands */
  const char *source;         /* where the knowledge comes from */
  const char *inference;      /* what was inferred and from what ("" when
                                 the episode rests on facts only) */
  double confidence;          /* 0..1 */
  int finding;                /* 1: raise it; 0: informational (benign) */
  int benign;                 /* every event was flagged BENIGN */
  const char *host;           /* where the events were logged */
  const char *peer;           /* remote address / iSCSI target / "" */
  const char *keying_module;  /* "IKEv1", "AuthIP", "IKEv2", "" */
  uint32_t error_code;        /* dominant error code, 0 when none */
  const char *error_symbol;   /* its symbol, or "" */
  uint64_t first_seen, last_seen; /* FILETIME */
  uint64_t count;             /* failures (MULTIPLE counts as 2) */
  uint64_t successes;         /* successes seen for the same pair */
  fl_episode_state state;
  size_t host_count;          /* hosts and peers involved (>= 1 each) */
  const char *const *hosts;
  size_t peer_count;
  const char *const *peers;
  size_t evidence_count;      /* kept evidence (capped, first and last) */
  const fl_evidence *evidence;
  size_t time_count;          /* failure times for a timeline (capped) */
  const uint64_t *times;
  double impact;              /* confidence x count x spread, x2 ongoing;
                                 findings sort first, then by impact */
  uint64_t window_end;        /* FILETIME: last event of the sources that
                                 saw the failures (the state's reference) */
  const char *not_seen;       /* evidence that would tell this cause from
                                 another one, in a log that is not among
                                 the sources ("" when none is missing) */
} fl_episode;

typedef enum fl_episode_change {
  FL_EPISODE_OPENED = 0,      /* first failure of a new episode */
  FL_EPISODE_UPDATED,         /* what an alert shows changed: became a
                                 finding, cause, host, peers (not every
                                 failure) */
  FL_EPISODE_CLOSED           /* gap expired, merged, or finish: final */
} fl_episode_change;

/* ep is a snapshot valid only during the call. Must not call back into the
** same fl_diag. */
typedef void (*fl_diag_episode_cb)(fl_episode_change what, const fl_episode *ep,
                                   void *user);

typedef struct fl_coverage_note {
  const char *id;             /* "no-ipsec-mm-auditing", "netsh-ring-buffer" */
  const char *text;
  const char *command;        /* a command that fixes it, or "" */
} fl_coverage_note;

typedef struct fl_diag_source {
  const char *path;
  const char *format;         /* "evtx", "xml", "netsh", "jsonl", ... */
  uint64_t records, skipped, in_scope;
} fl_diag_source;

typedef struct fl_diag_result {
  size_t episode_count;       /* findings first, most impact first */
  const fl_episode *episodes;
  size_t finding_count;       /* episodes with finding = 1 */
  size_t note_count;
  const fl_coverage_note *notes;
  size_t source_count;
  const fl_diag_source *sources;
  uint64_t events_in_scope;
  uint64_t failures;
  uint64_t first_time, last_time; /* FILETIME span of in-scope events */
} fl_diag_result;

typedef struct fl_diag_options {
  uint64_t intermittent_gap;  /* unused; gaps are per cause (rules.def) */
  size_t max_evidence;        /* per episode; 0 = default 20 */
  size_t max_times;           /* per episode; 0 = default 512 */
  fl_diag_episode_cb on_episode; /* NULL: no callbacks */
  void *user;
  int drop_closed;            /* 1: closed episodes are only given to the
                                 callback, not kept for the result (live) */
} fl_diag_options;

FL_API fl_status fl_diag_new(const fl_diag_options *opt, fl_diag **out, fl_error *err);
/* Adds one typed event; file names the input it came from. */
FL_API fl_status fl_diag_add(fl_diag *d, const fl_typed_event *ev, const char *file,
                      fl_error *err);
/* Closes the episodes whose gap has expired at FILETIME now (a live feed's
** clock when no event comes). */
FL_API fl_status fl_diag_advance(fl_diag *d, uint64_t now, fl_error *err);
FL_API fl_status fl_diag_note_source(fl_diag *d, const char *path, const char *format,
                              uint64_t records, uint64_t skipped,
                              uint64_t in_scope, fl_error *err);
FL_API fl_status fl_diag_finish(fl_diag *d, const fl_diag_result **out, fl_error *err);
FL_API void fl_diag_free(fl_diag *d);

#ifdef __cplusplus
}
#endif

#endif
