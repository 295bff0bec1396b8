/*
** Diagnosis: typed events in, episodes out. An episode is a run of
** failures of one cause between one host and one peer (or iSCSI target),
** with first/last seen, count, state (ongoing, recovered, intermittent),
** a confidence, what to check, and the evidence (file + record id) behind
** it. Causes are rules in lib/diag/rules.def, not code.
**
** Usage: fl_diag_new(); fl_diag_add() for every typed event (in any order;
** strings are copied, so the record may go away); fl_diag_note_source() for
** every input; fl_diag_finish() gives the result, owned by the fl_diag and
** valid until fl_diag_free(). Must never keep a pointer into a record or
** raise a finding from a benign failure.
*/
#ifndef FAULTLINE_DIAG_H
#define FAULTLINE_DIAG_H

#include "faultline/base.h"
#include "faultline/typed.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fl_diag fl_diag;

typedef enum fl_episode_state {
  FL_EPISODE_ONGOING = 0,     /* no success after the last failure */
  FL_EPISODE_RECOVERED,       /* a later success for the same pair */
  FL_EPISODE_INTERMITTENT     /* successes between failures */
} fl_episode_state;

const char *fl_episode_state_name(fl_episode_state s);

typedef struct fl_evidence {
  const char *file;           /* input path (or "-" for stdin) */
  uint64_t record_id;         /* EventRecordID; line number for text inputs */
  uint64_t time;              /* FILETIME */
  uint32_t event_id;
  uint32_t error_code;        /* 0 when none */
} fl_evidence;

typedef struct fl_episode {
  const char *cause_id;       /* "cert-untrusted", ... (rules.def) */
  const char *cause_title;    /* one line for people */
  const char *explanation;    /* why faultline thinks so */
  const char *check;          /* what to check, concrete commands */
  const char *source;         /* where the knowledge comes from */
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
} fl_episode;

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
  uint64_t intermittent_gap;  /* FILETIME ticks; 0 = default 1 hour */
  size_t max_evidence;        /* per episode; 0 = default 20 */
  size_t max_times;           /* per episode; 0 = default 2000 */
} fl_diag_options;

fl_status fl_diag_new(const fl_diag_options *opt, fl_diag **out, fl_error *err);
/* Adds one typed event; file names the input it came from. */
fl_status fl_diag_add(fl_diag *d, const fl_typed_event *ev, const char *file,
                      fl_error *err);
fl_status fl_diag_note_source(fl_diag *d, const char *path, const char *format,
                              uint64_t records, uint64_t skipped,
                              uint64_t in_scope, fl_error *err);
fl_status fl_diag_finish(fl_diag *d, const fl_diag_result **out, fl_error *err);
void fl_diag_free(fl_diag *d);

#ifdef __cplusplus
}
#endif

#endif
